/* io.c: the one-call conveniences: load the tensor of a path, save a tensor to a
 * path or stdout in the format its extension names. */
#include <stdlib.h>
#include <string.h>

#include "codec.h"

tnsr_status tnsr_load(const char *path, tnsr_tensor **out)
{
	tnsr_reader *r;
	tnsr_member_info info;
	tnsr_status st = tnsr_reader_open(path, &r);
	if (st)
		return st;
	st = tnsr_reader_next(r, &info);
	if (st == TNSR_END)
		st = tnsr_error(TNSR_E_FORMAT, "%s: holds no tensor", tnsr_reader_name(r));
	if (!st)
		st = tnsr_reader_load(r, out);
	tnsr_reader_close(r); /* a loaded view keeps its mapping alive on its own */
	return st;
}

tnsr_status tnsr_codec_pick(const char *path, const char *format, const tnsr_codec **out)
{
	const char *want = format;
	if (!want) {
		const char *dot = path && strcmp(path, "-") ? strrchr(path, '.') : NULL;
		const char *slash = path ? strrchr(path, '/') : NULL;
		want = dot && (!slash || dot > slash) ? dot : "npy";
	}
	if ((*out = tnsr_codec_find(want)))
		return TNSR_OK;
	char known[256] = "";
	for (const tnsr_codec *const *c = tnsr_codecs; *c; c++)
		snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", c == tnsr_codecs ? "" : ", ",
			 (*c)->name);
	if (format)
		return tnsr_error(TNSR_E_USAGE, "format '%s': unknown (expected one of %s)", format, known);
	return tnsr_error(TNSR_E_USAGE, "%s: unknown output format '%s' (expected a file ending in one of: %s)", path, want,
			  known);
}

tnsr_status tnsr_write(tnsr_sink *sink, const char *format, const tnsr_tensor *t)
{
	const tnsr_codec *codec;
	/* Without a format, a file sink's name says which (.npy for stdout). */
	tnsr_status st = tnsr_codec_pick(tnsr_sink_is_stream(sink) ? NULL : tnsr_sink_name(sink), format, &codec);
	return st ? st : codec->write(sink, t);
}

tnsr_status tnsr_save(const char *path, const char *format, const tnsr_tensor *t)
{
	const tnsr_codec *codec;
	tnsr_sink *sink;
	tnsr_status st = tnsr_codec_pick(path, format, &codec);
	if (st || (st = tnsr_sink_open(path, &sink)))
		return st;
	if ((st = codec->write(sink, t))) {
		tnsr_sink_abort(sink);
		return st;
	}
	return tnsr_sink_commit(sink);
}

struct tnsr_writer {
	tnsr_sink *sink;
	const tnsr_codec *codec;
	void *state;
	uint64_t expected, written;
};

tnsr_status tnsr_writer_begin(tnsr_sink *sink, const char *format, tnsr_dtype dtype, int ndim,
			      const int64_t *shape, tnsr_writer **out)
{
	const tnsr_codec *codec;
	size_t nbytes;
	tnsr_status st = tnsr_codec_pick(tnsr_sink_is_stream(sink) ? NULL : tnsr_sink_name(sink), format, &codec);
	if (st || (st = tnsr_shape_size(ndim, shape, tnsr_dtype_size(dtype), NULL, &nbytes)))
		return st;
	if (!codec->stream_begin)
		return tnsr_error(TNSR_E_UNSUPPORTED, "%s: the %s format cannot be written as a stream",
				  tnsr_sink_name(sink), codec->name);
	tnsr_writer *w = calloc(1, sizeof *w);
	if (!w)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	*w = (tnsr_writer){sink, codec, NULL, nbytes, 0};
	if ((st = codec->stream_begin(sink, dtype, ndim, shape, &w->state))) {
		free(w);
		return st;
	}
	*out = w;
	return TNSR_OK;
}

tnsr_status tnsr_writer_data(tnsr_writer *w, const void *data, size_t nbytes)
{
	if (nbytes > w->expected - w->written)
		return tnsr_error(TNSR_E_VALUE, "%s: %llu bytes of data, more than the %llu the header promised",
				  tnsr_sink_name(w->sink), (unsigned long long)(w->written + nbytes),
				  (unsigned long long)w->expected);
	w->written += nbytes;
	return w->codec->stream_data ? w->codec->stream_data(w->sink, w->state, data, nbytes)
				     : tnsr_sink_write(w->sink, data, nbytes);
}

tnsr_status tnsr_writer_end(tnsr_writer *w)
{
	tnsr_status st = TNSR_OK;
	if (w->written != w->expected)
		st = tnsr_error(TNSR_E_VALUE, "%s: %llu bytes of data written, the header promised %llu",
				tnsr_sink_name(w->sink), (unsigned long long)w->written, (unsigned long long)w->expected);
	if (w->codec->stream_end) {
		tnsr_status end = w->codec->stream_end(w->sink, w->state, st != TNSR_OK);
		st = st ? st : end;
	}
	free(w);
	return st;
}

void tnsr_writer_abort(tnsr_writer *w)
{
	if (!w)
		return;
	if (w->codec->stream_end)
		w->codec->stream_end(w->sink, w->state, true);
	free(w);
}

tnsr_status tnsr_save_many(const char *path, const char *format, tnsr_tensor *const *tensors,
			   const char *const *names, int n, const tnsr_write_options *options)
{
	const tnsr_codec *codec;
	tnsr_sink *sink;
	tnsr_write_options defaults = {.compress = -1, .order = 'C'};
	tnsr_status st = tnsr_codec_pick(path, format, &codec);
	if (st)
		return st;
	if (!codec->write_many && n != 1)
		return tnsr_error(TNSR_E_VALUE, "%s: the %s format holds one tensor, not %d (use a container: .npz, .tnsr)",
				  path && strcmp(path, "-") ? path : "stdout", codec->name, n);
	if ((st = tnsr_sink_open(path, &sink)))
		return st;
	st = codec->write_many ? codec->write_many(sink, tensors, names, n, options ? options : &defaults)
			       : codec->write(sink, tensors[0]);
	if (st) {
		tnsr_sink_abort(sink);
		return st;
	}
	return tnsr_sink_commit(sink);
}
