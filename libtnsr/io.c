/* io.c: the one-call conveniences: load the tensor of a path, save a tensor to a
 * path or stdout in the format its extension names. */
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

/* The codec for FORMAT, or for PATH's extension; .npy for standard output. */
static tnsr_status pick_codec(const char *path, const char *format, const tnsr_codec **out)
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
	tnsr_status st = pick_codec(NULL, format, &codec);
	return st ? st : codec->write(sink, t);
}

tnsr_status tnsr_save(const char *path, const char *format, const tnsr_tensor *t)
{
	const tnsr_codec *codec;
	tnsr_sink *sink;
	tnsr_status st = pick_codec(path, format, &codec);
	if (st || (st = tnsr_sink_open(path, &sink)))
		return st;
	if ((st = codec->write(sink, t))) {
		tnsr_sink_abort(sink);
		return st;
	}
	return tnsr_sink_commit(sink);
}
