/* npz.c: NumPy's .npz, a ZIP archive of .npy members (np.savez, np.savez_compressed).
 *
 * Reading.  A mapped file is read through its central directory, as NumPy does: the
 * members in directory order, named as NumPy's `files` names them (".npy" stripped); of
 * members sharing a name only the last is listed, the one NumPy returns.  A stored member
 * is viewed in place when its data happens to be aligned (the reader decides); a deflated
 * one is inflated in bounded chunks by npz_read.  Every member's CRC-32 is checked as its
 * data is read, and its size must agree with its .npy header (a longer deflate stream is
 * a zip bomb).  A pipe is read once through the local headers and data descriptors
 * (np.savez(sys.stdout.buffer, ...) writes those); duplicates are then all listed.
 * Members that are not .npy arrays (NumPy returns them as raw bytes), encrypted ones and
 * ones of another compression method are passed over, and the first of them is reported
 * as an error once the readable members have been listed, so nothing is dropped silently.
 *
 * Writing.  One tensor is member arr_0, as np.savez names it.  tnsr_write_options.compress:
 * 0 or -1 (the default: what a caller that was not asked to compress passes) stores the
 * members like np.savez; 1..9 deflates them at that level like np.savez_compressed (whose
 * level is zlib's default, 6: what `--compress` without a level should pass).  Stored
 * members carry their CRC in the local header; deflated and streamed ones a data
 * descriptor; ZIP64 fields appear only where sizes or offsets need them.  Stored members
 * are padded to start on a 64-byte boundary, so the files tnsr writes map zero-copy. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "npy.h"
#include "raw.h"
#include "zip.h"

static const unsigned char npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
/* Stored members start on this boundary, so that their .npy data (64-byte aligned
 * within the member) is aligned in the file and can be mapped: NumPy does not do this,
 * but every ZIP reader skips the padding. */
enum { MEMBER_ALIGN = 64 };

typedef struct npz_state {
	bool mapped;
	tnsr_zip_entry *entries;   /* mapped: the central directory */
	bool *superseded;          /* mapped: a later entry has the same name */
	size_t count, index;       /* index: the entry after the current one */
	tnsr_zip_member m;         /* the current member */
	bool have_member;
	uint64_t total;            /* its decoded size: .npy header and data */
	tnsr_status deferred;      /* the first member passed over, reported at the end */
	char deferred_msg[600];
} npz_state;

/* ---------------------------------------------------------------- reading */

static bool npz_probe(const unsigned char *head, size_t n)
{
	/* A member's local header, or the end record alone: an empty archive. */
	return n >= 4 && head[0] == 'P' && head[1] == 'K' && ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6));
}

static void npz_close(void *state)
{
	npz_state *s = state;
	if (!s)
		return;
	tnsr_zip_member_close(&s->m);
	tnsr_zip_entries_free(s->entries, s->count);
	free(s->superseded);
	free(s);
}

static int by_name(const void *a, const void *b, void *entries)
{
	const tnsr_zip_entry *e = entries;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(e[i].name, e[j].name);
	return c ? c : (i > j) - (i < j);
}

/* Marks the entries that a later one of the same name hides (zipfile keeps the last). */
static tnsr_status mark_superseded(npz_state *s)
{
	size_t *order = malloc((s->count ? s->count : 1) * sizeof *order);
	if (!order || !(s->superseded = calloc(s->count ? s->count : 1, sizeof *s->superseded))) {
		free(order);
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < s->count; i++)
		order[i] = i;
	qsort_r(order, s->count, sizeof *order, by_name, s->entries);
	for (size_t i = 0; i + 1 < s->count; i++)
		if (strcmp(s->entries[order[i]].name, s->entries[order[i + 1]].name) == 0)
			s->superseded[order[i]] = true;
	free(order);
	return TNSR_OK;
}

/* Remembers the first member that cannot be read, to report it at the end. */
static void defer(npz_state *s, const char *file, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void defer(npz_state *s, const char *file, const char *fmt, ...)
{
	if (s->deferred)
		return;
	char why[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	snprintf(s->deferred_msg, sizeof s->deferred_msg, "%s: member '%s': %s", file, s->m.entry.name, why);
	s->deferred = TNSR_E_FORMAT;
}

static bool is_directory(const tnsr_zip_entry *e)
{
	size_t n = strlen(e->name);
	return n > 0 && e->name[n - 1] == '/' && e->sizes_known && e->usize == 0;
}

/* Reads exactly N decoded bytes; *GOT says how many there were when the member is shorter. */
static tnsr_status read_exact(tnsr_source *src, tnsr_zip_member *m, unsigned char *buf, size_t n, size_t *got)
{
	size_t part = 1;
	tnsr_status st = TNSR_OK;
	for (*got = 0; *got < n && part && !st; *got += part)
		st = tnsr_zip_member_read(src, m, buf + *got, n - *got, &part);
	return st;
}

static uint32_t le(const unsigned char *b, size_t n)
{
	uint32_t x = 0;
	for (size_t i = n; i-- > 0;)
		x = x << 8 | b[i];
	return x;
}

/* An error of the member's .npy layer: "FILE: member 'NAME': header: ...". */
static tnsr_status npy_error(tnsr_status st, const char *file, const char *name)
{
	char where[300];
	snprintf(where, sizeof where, "%s: member '%s'", file, name);
	return tnsr_error_prefix(st, where);
}

/* Parses the .npy header at the start of the current member into INFO.  *READABLE false
 * (and the member deferred) when the member is not a .npy array at all. */
static tnsr_status describe(tnsr_source *src, npz_state *s, tnsr_member_info *info, bool *readable)
{
	const char *file = tnsr_source_name(src), *name = s->m.entry.name;
	char why[200];
	*readable = false;
	size_t nlen = strlen(name), keep = nlen >= 4 && strcmp(name + nlen - 4, ".npy") == 0 ? nlen - 4 : nlen;
	if (keep >= sizeof info->name) {
		defer(s, file, "a name of %zu bytes is too long (at most %zu)", nlen, sizeof info->name - 1);
		return TNSR_OK;
	}
	if (!tnsr_zip_member_supported(&s->m, why, sizeof why)) {
		defer(s, file, "%s", why);
		return TNSR_OK;
	}
	/* The magic, the version and the header length field (2 or 4 bytes). */
	unsigned char head[12];
	size_t got, data_offset = 0;
	tnsr_status st = read_exact(src, &s->m, head, 10, &got);
	if (st)
		return st;
	if (got < sizeof npy_magic || memcmp(head, npy_magic, sizeof npy_magic) != 0) {
		char shown[40] = "";
		for (size_t i = 0, o = 0; i < got && i < 8; i++) {
			bool plain = head[i] >= 0x20 && head[i] < 0x7f && head[i] != '\\' && head[i] != '\'';
			o += (size_t)snprintf(shown + o, sizeof shown - o, plain ? "%c" : "\\x%02x", head[i]);
		}
		defer(s, file, "not a .npy array (it starts with b'%s'); NumPy returns such a member as raw bytes", shown);
		return TNSR_OK;
	}
	if (got < 10 || head[6] < 1 || head[6] > 3 || head[7] != 0) /* the .npy layer says what is wrong */
		return npy_error(tnsr_npy_parse_buffer(head, got, info, &data_offset), file, name);
	size_t lsize = head[6] == 1 ? 2 : 4;
	if (lsize == 4 && ((st = read_exact(src, &s->m, head + 10, 2, &got)) || got < 2))
		return st ? st : npy_error(tnsr_npy_parse_buffer(head, 10 + got, info, &data_offset), file, name);
	uint32_t hlen = le(head + 8, lsize);
	if (hlen > 4 * TNSR_NPY_MAX_HEADER) /* before allocating: the .npy layer gives the message */
		return npy_error(tnsr_error(TNSR_E_FORMAT, "header: length %lu is over the limit of %d characters "
							   "(NumPy's max_header_size)", (unsigned long)hlen,
					    TNSR_NPY_MAX_HEADER), file, name);
	unsigned char *buf = malloc(8 + lsize + hlen);
	if (!buf)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	memcpy(buf, head, 8 + lsize);
	if (!(st = read_exact(src, &s->m, buf + 8 + lsize, hlen, &got)) &&
	    (st = tnsr_npy_parse_buffer(buf, 8 + lsize + got, info, &data_offset)))
		st = npy_error(st, file, name);
	free(buf);
	if (st)
		return st;
	if (info->nbytes > UINT64_MAX - data_offset)
		return tnsr_error(TNSR_E_FORMAT, "%s: member '%s': the .npy header promises %llu bytes (too many)", file, name,
				  (unsigned long long)info->nbytes);
	s->total = data_offset + info->nbytes;
	if ((st = tnsr_zip_member_expect(&s->m, s->total)))
		return st;
	memcpy(info->name, name, keep);
	info->name[keep] = 0;
	info->format = "npz";
	info->offset = -1;
	if (s->m.entry.method == TNSR_ZIP_DEFLATED) {
		info->mappable = false;
		snprintf(info->why_not_mappable, sizeof info->why_not_mappable, "deflate-compressed member");
	} else if (s->mapped) {
		info->offset = (int64_t)(s->m.data_pos + data_offset);
	}
	*readable = true;
	return TNSR_OK;
}

/* A stream must be read past a member that is passed over. */
static tnsr_status pass_over(tnsr_source *src, npz_state *s)
{
	if (s->mapped)
		return TNSR_OK;
	char why[8];
	if (s->m.entry.method == TNSR_ZIP_DEFLATED && tnsr_zip_member_supported(&s->m, why, sizeof why))
		return tnsr_zip_member_finish(src, &s->m);
	return tnsr_zip_member_skip(src, &s->m);
}

static tnsr_status npz_next(tnsr_source *src, void **state, tnsr_member_info *info)
{
	npz_state *s = *state;
	tnsr_status st = TNSR_OK;
	if (!s) {
		if (!(s = calloc(1, sizeof *s)))
			return tnsr_error(TNSR_E_NOMEM, "out of memory");
		*state = s;
		s->mapped = tnsr_source_is_mapped(src);
		if (s->mapped && ((st = tnsr_zip_read_directory(src, &s->entries, &s->count)) || (st = mark_superseded(s))))
			return st;
	}
	if (s->have_member) {
		/* A stream goes on from the end of the previous member: read it through. */
		if (!s->mapped)
			st = tnsr_zip_member_finish(src, &s->m);
		tnsr_zip_member_close(&s->m);
		s->have_member = false;
		if (st)
			return st;
	}
	for (;;) {
		if (s->mapped) {
			while (s->index < s->count && (s->superseded[s->index] || is_directory(&s->entries[s->index])))
				s->index++;
			st = s->index < s->count ? tnsr_zip_member_open_mapped(src, &s->entries[s->index++], &s->m) : TNSR_END;
		} else {
			st = tnsr_zip_member_open_stream(src, &s->m);
		}
		s->have_member = st == TNSR_OK;
		if (st == TNSR_END && s->deferred)
			return tnsr_error(s->deferred, "%s", s->deferred_msg);
		if (st)
			return st;
		bool readable = false;
		if (!s->mapped && is_directory(&s->m.entry))
			st = tnsr_zip_member_skip(src, &s->m);
		else if ((st = describe(src, s, info, &readable)) == TNSR_OK && !readable)
			st = pass_over(src, s);
		if (st || readable)
			return st;
		tnsr_zip_member_close(&s->m);
		s->have_member = false;
	}
}

static tnsr_status npz_read(tnsr_source *src, void *state, void *buf, size_t n, size_t *got)
{
	npz_state *s = state;
	tnsr_status st = tnsr_zip_member_read(src, &s->m, buf, n, got);
	if (!st && s->m.out_done == s->total)
		st = tnsr_zip_member_finish(src, &s->m);
	return st;
}

/* Mapped files only (the reader checks a stream by reading it through npz_read): decodes
 * the current member again, from its start, to compare its CRC-32. */
static tnsr_status npz_verify(tnsr_source *src, void *state, const tnsr_member_info *info)
{
	npz_state *s = state;
	tnsr_zip_member m;
	if (!s || !s->mapped || !s->index)
		return tnsr_error(TNSR_E_VALUE, "%s: no member to verify", tnsr_source_name(src));
	tnsr_status st = tnsr_zip_member_open_mapped(src, &s->entries[s->index - 1], &m);
	if (!st)
		st = tnsr_zip_member_expect(&m, s->total);
	if (!st)
		st = tnsr_zip_member_finish(src, &m);
	tnsr_zip_member_close(&m);
	return st;
}

/* ---------------------------------------------------------------- writing */

static tnsr_status piece_crc(void *ctx, const void *data, size_t n)
{
	uint32_t *crc = ctx;
	*crc = (uint32_t)crc32_z(*crc, data, n);
	return TNSR_OK;
}

static tnsr_status piece_write(void *ctx, const void *data, size_t n) { return tnsr_zip_writer_data(ctx, data, n); }

/* Writes T as member NAME.npy: in Fortran order when ORDER is 'F', in C order when 'C',
 * and as np.save does (Fortran order for a Fortran-contiguous array) when 0.  LEVEL 0
 * stores, 1..9 deflates. */
static tnsr_status write_member(tnsr_zip_writer *zw, tnsr_sink *sink, const tnsr_tensor *t, const char *name,
				int level, char order)
{
	if (t->dtype == TNSR_BF16)
		return tnsr_error(TNSR_E_DTYPE, "%s: bf16 cannot be stored in .npz (NumPy has no bfloat16): use .tnsr, "
						"or .safetensors, or --dtype f32", tnsr_sink_name(sink));
	/* As np.save: a 1-d or 0-d array is never flagged Fortran-ordered. */
	bool fortran = t->ndim > 1 && (order == 'F' || (order == 0 && !tnsr_tensor_is_contiguous(t) &&
							   tnsr_tensor_is_f_contiguous(t)));
	char *header, *member;
	size_t hlen;
	tnsr_status st = tnsr_npy_format_header(t->dtype, t->ndim, t->shape, fortran, &header, &hlen);
	if (st)
		return tnsr_error_prefix(st, tnsr_sink_name(sink));
	/* Fortran order is the C order of the reversed dims. */
	tnsr_tensor walk = *t;
	for (int i = 0; fortran && i < t->ndim; i++) {
		walk.shape[i] = t->shape[t->ndim - 1 - i];
		walk.strides[i] = t->strides[t->ndim - 1 - i];
	}
	if (!(member = malloc(strlen(name) + 5))) {
		free(header);
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	}
	strcat(strcpy(member, name), ".npy");
	uint32_t crc = 0;
	if (!level) {
		crc = (uint32_t)crc32_z(0, (const unsigned char *)header, hlen);
		st = tnsr_raw_walk(&walk, piece_crc, &crc);
	}
	if (!st)
		st = tnsr_zip_writer_begin(zw, member, hlen + tnsr_tensor_nbytes(t), level, !level, crc, MEMBER_ALIGN);
	if (!st)
		st = tnsr_zip_writer_data(zw, header, hlen);
	if (!st)
		st = tnsr_raw_walk(&walk, piece_write, zw);
	if (!st)
		st = tnsr_zip_writer_end(zw);
	free(header);
	free(member);
	return st;
}

static int by_string(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* A name that NAMES holds twice, or NULL (*FAILED on out of memory). */
static const char *duplicate_name(const char *const *names, int n, bool *failed)
{
	const char **sorted = malloc((n > 0 ? (size_t)n : 1) * sizeof *sorted), *dup = NULL;
	*failed = !sorted;
	if (!sorted)
		return NULL;
	if (n > 1) {
		memcpy(sorted, names, (size_t)n * sizeof *sorted);
		qsort(sorted, (size_t)n, sizeof *sorted, by_string);
	}
	for (int i = 0; i + 1 < n && !dup; i++)
		if (strcmp(sorted[i], sorted[i + 1]) == 0)
			dup = sorted[i];
	free(sorted);
	return dup;
}

static tnsr_status npz_write_many(tnsr_sink *sink, tnsr_tensor *const *tensors, const char *const *names, int n,
				  const tnsr_write_options *options)
{
	int level = options ? options->compress : -1;
	char order = options && options->order == 'F' ? 'F' : 'C';
	if (level < -1 || level > 9)
		return tnsr_error(TNSR_E_VALUE, "%s: compression level %d (expected 1..9, or 0 to store)",
				  tnsr_sink_name(sink), level);
	bool failed;
	const char *dup = duplicate_name(names, n, &failed);
	if (failed)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	if (dup)
		return tnsr_error(TNSR_E_VALUE, "%s: two tensors are named '%s' (names must be unique)",
				  tnsr_sink_name(sink), dup);
	tnsr_zip_writer *zw;
	tnsr_status st = tnsr_zip_writer_open(sink, &zw);
	for (int i = 0; i < n && !st; i++)
		st = write_member(zw, sink, tensors[i], names[i], level < 0 ? 0 : level, order);
	if (st) {
		tnsr_zip_writer_abort(zw);
		return st;
	}
	return tnsr_zip_writer_close(zw);
}

static tnsr_status npz_write(tnsr_sink *sink, const tnsr_tensor *t)
{
	tnsr_zip_writer *zw;
	tnsr_status st = tnsr_zip_writer_open(sink, &zw);
	if (!st && (st = write_member(zw, sink, t, "arr_0", 0, 0))) {
		tnsr_zip_writer_abort(zw);
		return st;
	}
	return st ? st : tnsr_zip_writer_close(zw);
}

/* A tensor whose data comes in pieces: member arr_0, stored, its CRC in a descriptor. */
static tnsr_status npz_stream_begin(tnsr_sink *sink, tnsr_dtype dtype, int ndim, const int64_t *shape, void **state)
{
	if (dtype == TNSR_BF16)
		return tnsr_error(TNSR_E_DTYPE, "%s: bf16 cannot be stored in .npz (NumPy has no bfloat16): use .tnsr, "
						"or .safetensors, or --dtype f32", tnsr_sink_name(sink));
	char *header;
	size_t hlen, nbytes;
	tnsr_zip_writer *zw = NULL;
	tnsr_status st = tnsr_shape_size(ndim, shape, tnsr_dtype_size(dtype), NULL, &nbytes);
	if (st || (st = tnsr_npy_format_header(dtype, ndim, shape, false, &header, &hlen)))
		return tnsr_error_prefix(st, tnsr_sink_name(sink));
	if (!(st = tnsr_zip_writer_open(sink, &zw)) &&
	    !(st = tnsr_zip_writer_begin(zw, "arr_0.npy", hlen + nbytes, 0, false, 0, MEMBER_ALIGN)))
		st = tnsr_zip_writer_data(zw, header, hlen);
	free(header);
	if (st) {
		tnsr_zip_writer_abort(zw);
		return st;
	}
	*state = zw;
	return TNSR_OK;
}

static tnsr_status npz_stream_data(tnsr_sink *sink, void *state, const void *data, size_t n)
{
	return tnsr_zip_writer_data(state, data, n);
}

static tnsr_status npz_stream_end(tnsr_sink *sink, void *state, bool failed)
{
	tnsr_status st;
	if (failed || (st = tnsr_zip_writer_end(state))) {
		tnsr_zip_writer_abort(state);
		return failed ? TNSR_OK : st;
	}
	return tnsr_zip_writer_close(state);
}

const tnsr_codec tnsr_codec_npz = {
	.name = "npz",
	.extension = ".npz",
	.probe = npz_probe,
	.next = npz_next,
	.read = npz_read,
	.close = npz_close,
	.write = npz_write,
	.stream_begin = npz_stream_begin,
	.stream_data = npz_stream_data,
	.stream_end = npz_stream_end,
	.verify = npz_verify,
	.write_many = npz_write_many,
	.owns_end = true,
};
