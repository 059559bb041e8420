/* tnsr_read.c: reading .tnsr files (formats/tnsr.md), mapped or streamed.  Opening a
 * file parses and checks its whole header (and, when mapped, its trailer): O(header),
 * never the data.  Data that passes through `read` is checked against each tensor's
 * footer as it streams; mapped views are checked on demand by `verify`.  One state
 * per input walks the files of a stream (`cat a.tnsr b.tnsr`) one after another. */
#include <stdio.h>
#include <stdlib.h>

#include "crc32c.h"
#include "tnsr_read.h"

enum { CHUNK = 1 << 20 }; /* bytes read at a time when the reader's buffer is not ours */

/* ---------------------------------------------------------------- raw input */

/* Reads exactly N bytes or fails naming WHAT as where the input ended. */
static tnsr_status read_exact(tnsr_source *src, const state *s, void *buf, size_t n, const char *what)
{
	size_t got;
	tnsr_status st = tnsr_source_read(src, buf, n, &got);
	if (st)
		return st;
	if (got < n)
		return bad("truncated: the input ends %llu bytes into the file, inside %s",
			   ull(tnsr_source_pos(src) - s->start), what);
	return TNSR_OK;
}

/* Consumes N bytes that must be zero (padding), naming WHAT when they are not. */
static tnsr_status read_zeros(tnsr_source *src, const state *s, uint64_t n, const char *what)
{
	unsigned char buf[4096];
	while (n) {
		size_t k = n < sizeof buf ? (size_t)n : sizeof buf;
		uint64_t at = tnsr_source_pos(src) - s->start;
		tnsr_status st = read_exact(src, s, buf, k, what);
		if (st)
			return st;
		for (size_t i = 0; i < k; i++)
			if (buf[i])
				return bad("%s: byte %llu is 0x%02x (expected zero padding)", what, ull(at + i), buf[i]);
		n -= k;
	}
	return TNSR_OK;
}

/* Moves a mapped source to byte AT of the current file. */
static tnsr_status seek_to(tnsr_source *src, const state *s, uint64_t at)
{
	return tnsr_source_seek(src, s->start + at);
}

/* ---------------------------------------------------------------- files */

static void free_file(state *s)
{
	free(s->header);
	free(s->entries);
	free(s->trailer);
	free(s->computed);
	free(s->meta);
	free(s->meta_arena);
	s->header = s->trailer = NULL;
	s->entries = NULL;
	s->computed = NULL;
	s->meta = NULL;
	s->meta_arena = NULL;
	s->nmeta = 0;
	s->have_file = false;
}

/* Reads and checks the header of the file starting at the current position (checks
 * 1-17; mapped files also 18), leaving a stream at data_offset. */
static tnsr_status open_file(tnsr_source *src, state *s)
{
	unsigned char pre[TNSR_PREAMBLE_SIZE];
	size_t got;
	tnsr_status st;
	s->start = tnsr_source_pos(src);
	s->files++;
	if ((st = tnsr_source_read(src, pre, sizeof pre, &got)))
		return st;
	if (got < 8 || memcmp(pre, TNSR_MAGIC, 8) != 0) {
		if (memcmp(pre, TNSR_MAGIC, got < 8 ? got : 8) == 0)
			return bad("truncated: the input ends after %zu bytes, inside the magic", got);
		return bad("not a .tnsr file: it starts with bytes %02x %02x %02x %02x (expected 89 54 4e 53)", pre[0],
			   got > 1 ? pre[1] : 0, got > 2 ? pre[2] : 0, got > 3 ? pre[3] : 0);
	}
	if (got < sizeof pre)
		return bad("truncated: the input ends after %zu bytes, inside the %d-byte preamble", got, TNSR_PREAMBLE_SIZE);
	if ((st = tnsr_hdr_preamble(s, pre)))
		return st;
	if (tnsr_source_is_mapped(src)) {
		/* Checks 10 and 20 at once: a mapped file's end is known. */
		uint64_t avail = tnsr_source_size(src) - s->start;
		unsigned char after[8];
		if (s->file_len > avail)
			return bad("truncated: the header promises a file of %llu bytes, only %llu are present", ull(s->file_len),
				   ull(avail));
		if (avail > s->file_len) {
			if ((st = seek_to(src, s, s->file_len)) || (st = tnsr_source_peek(src, after, sizeof after, &got)))
				return st;
			if (got < 8 || memcmp(after, TNSR_MAGIC, 8) != 0)
				return tnsr_hdr_trailing(s->start + s->file_len, after, got);
			if ((st = seek_to(src, s, sizeof pre)))
				return st;
		}
	}
	/* The rest of the header, in growing pieces: a stream that lies about its length
	 * costs only what it really holds. */
	size_t cap = s->header_len < CHUNK ? (size_t)s->header_len : CHUNK, have = sizeof pre;
	if (!(s->header = malloc(cap)))
		return tnsr_error(TNSR_E_NOMEM, "out of memory for a %zu-byte header", cap);
	memcpy(s->header, pre, sizeof pre);
	while (have < s->header_len) {
		if (have == cap) {
			cap = s->header_len - cap < cap ? (size_t)s->header_len : 2 * cap;
			unsigned char *grown = realloc(s->header, cap);
			if (!grown)
				return tnsr_error(TNSR_E_NOMEM, "out of memory for a %zu-byte header", cap);
			s->header = grown;
		}
		char what[80];
		snprintf(what, sizeof what, "the %llu-byte header", ull(s->header_len));
		if ((st = read_exact(src, s, s->header + have, cap - have, what)))
			return st;
		have = cap;
	}
	uint64_t crc_at = s->header_len - 4;
	s->header_crc = tnsr_le32(s->header + crc_at);
	uint32_t computed = tnsr_crc32c(0, s->header, (size_t)crc_at);
	if (computed != s->header_crc)
		return bad("header: checksum mismatch: stored 0x%08x, computed 0x%08x (the header is corrupted)", s->header_crc,
			   computed);
	const unsigned char *h = s->header;
	uint64_t table_end = tnsr_le64(h + P_TABLE_OFF) + (uint64_t)s->count * tnsr_le16(h + P_ENTRY_SIZE);
	if ((st = tnsr_hdr_gap(s, P_RESERVED, TNSR_PREAMBLE_SIZE, "preamble")) ||
	    (st = tnsr_hdr_gap(s, TNSR_PREAMBLE_SIZE, tnsr_le64(h + P_TABLE_OFF), "before the table")) ||
	    (st = tnsr_hdr_gap(s, table_end, tnsr_le64(h + P_NAMES_OFF), "after the table")) ||
	    (st = tnsr_hdr_gap(s, tnsr_le64(h + P_NAMES_OFF) + tnsr_le64(h + P_NAMES_LEN), tnsr_le64(h + P_DIMS_OFF),
			    "after the name pool")) ||
	    (st = tnsr_hdr_gap(s, tnsr_le64(h + P_DIMS_OFF) + tnsr_le64(h + P_DIMS_LEN), tnsr_le64(h + P_META_OFF),
			    "after the dims pool")) ||
	    (st = tnsr_hdr_gap(s, tnsr_le64(h + P_META_OFF) + tnsr_le64(h + P_META_LEN), crc_at, "after the metadata")))
		return st;
	if ((st = tnsr_hdr_table(s)) || (st = tnsr_hdr_metadata(s)))
		return st;
	if ((st = read_zeros(src, s, s->data_offset - s->header_len, "the padding before the data")))
		return st;
	uint64_t tsize = tnsr_trailer_size(s->count);
	if (!(s->trailer = malloc(tsize)))
		return tnsr_error(TNSR_E_NOMEM, "out of memory for a %llu-byte trailer", ull(tsize));
	if (tnsr_source_is_mapped(src)) {
		if ((st = seek_to(src, s, s->data_offset + s->data_len)) ||
		    (st = read_exact(src, s, s->trailer, tsize, "the trailer")) || (st = tnsr_hdr_trailer(s)) ||
		    (st = seek_to(src, s, s->data_offset)))
			return st;
	} else if (!(s->computed = calloc(s->count ? s->count : 1, sizeof *s->computed))) {
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	}
	s->have_file = true;
	s->current = -1;
	s->trailer_done = tnsr_source_is_mapped(src);
	return TNSR_OK;
}

/* Streams: reads the rest of the data section after the last footer and the trailer,
 * and checks the tensors' checksums against it. */
static tnsr_status finish_stream_file(tnsr_source *src, state *s)
{
	uint64_t pos = tnsr_source_pos(src) - s->start, end = s->data_offset + s->data_len;
	tnsr_status st = read_zeros(src, s, end - pos, "the padding after the last tensor");
	if (st || (st = read_exact(src, s, s->trailer, tnsr_trailer_size(s->count), "the trailer")) ||
	    (st = tnsr_hdr_trailer(s)))
		return st;
	for (uint32_t i = 0; i < s->count; i++)
		if (tnsr_le32(s->trailer + 16 + 4 * (uint64_t)i) != s->computed[i]) {
			char label[400];
			return bad("trailer: %s: checksum 0x%08x, but its data has 0x%08x", tnsr_hdr_label(s, i, label, sizeof label),
				   tnsr_le32(s->trailer + 16 + 4 * (uint64_t)i), s->computed[i]);
		}
	s->trailer_done = true;
	return TNSR_OK;
}

/* ---------------------------------------------------------------- members */

/* Check 19 for the current member once its data went through: the footer (and, for
 * a stream, the padding after it and, after the last tensor, the trailer). */
static tnsr_status end_of_data(tnsr_source *src, state *s)
{
	const entry *e = &s->entries[s->current];
	unsigned char foot[4];
	char label[400];
	tnsr_status st;
	tnsr_hdr_label(s, s->current, label, sizeof label);
	if (s->sdone != e->stored)
		return bad("%s: its frames end after %llu of its %llu stored bytes", label, ull(s->sdone), ull(e->stored));
	if (tnsr_source_is_mapped(src) && (st = seek_to(src, s, s->data_offset + e->offset + e->stored)))
		return st;
	if ((st = read_exact(src, s, foot, 4, "a tensor's checksum")))
		return st;
	uint32_t stored = tnsr_le32(foot);
	if (stored != s->crc)
		return bad("%s: checksum mismatch: its data has CRC-32C 0x%08x, the file says 0x%08x (the data is corrupted)",
			   label, s->crc, stored);
	if (s->trailer_done && tnsr_le32(s->trailer + 16 + 4 * (uint64_t)s->current) != stored)
		return bad("trailer: %s: checksum 0x%08x, but its footer says 0x%08x", label,
			   tnsr_le32(s->trailer + 16 + 4 * (uint64_t)s->current), stored);
	s->checked = true;
	if (tnsr_source_is_mapped(src))
		return TNSR_OK;
	s->computed[s->current] = stored;
	if (s->current + 1 == s->count)
		return finish_stream_file(src, s);
	uint64_t next = s->entries[s->current + 1].offset;
	return read_zeros(src, s, next - (e->offset + e->stored + 4), "the padding after a tensor");
}

/* Reads N stored bytes of the current member into BUF, extending its checksum. */
static tnsr_status take_stored(tnsr_source *src, state *s, void *buf, size_t n)
{
	const entry *e = &s->entries[s->current];
	tnsr_status st;
	if (tnsr_source_is_mapped(src) && (st = seek_to(src, s, s->data_offset + e->offset + s->sdone)))
		return st;
	size_t got;
	if ((st = tnsr_source_read(src, buf, n, &got)))
		return st;
	s->crc = tnsr_crc32c(s->crc, buf, got);
	s->sdone += got;
	if (got < n) {
		char label[400];
		return bad("truncated: the input ends inside %s, after %llu of its %llu stored bytes",
			   tnsr_hdr_label(s, s->current, label, sizeof label), ull(s->sdone), ull(e->stored));
	}
	return TNSR_OK;
}

/* Encoded members: reads and decodes the next frame into S->chunk. */
static tnsr_status next_frame(tnsr_source *src, state *s)
{
	const entry *e = &s->entries[s->current];
	size_t decoded = e->nbytes - s->done < TNSR_CHUNK ? (size_t)(e->nbytes - s->done) : TNSR_CHUNK;
	unsigned char head[TNSR_FRAME_HEAD];
	char label[400];
	tnsr_status st;
	tnsr_hdr_label(s, s->current, label, sizeof label);
	if (!s->decoder && ((st = tnsr_decoder_new(&s->decoder)) || !(s->chunk = malloc(TNSR_CHUNK))))
		return st ? st : tnsr_error(TNSR_E_NOMEM, "out of memory");
	if (e->stored - s->sdone < TNSR_FRAME_HEAD)
		return bad("%s: a frame starts at stored byte %llu, past stored_length %llu", label, ull(s->sdone),
			   ull(e->stored));
	uint64_t at = s->sdone;
	if ((st = take_stored(src, s, head, sizeof head)))
		return st;
	uint32_t len = tnsr_le32(head), crc = tnsr_le32(head + 4);
	if (len > tnsr_frame_bound(decoded) || len > e->stored - s->sdone)
		return bad("%s: frame at stored byte %llu: %u bytes for %zu decoded (expected at most %zu, inside stored_length %llu)",
			   label, ull(at), len, decoded, tnsr_frame_bound(decoded), ull(e->stored));
	if ((st = take_stored(src, s, tnsr_decoder_buffer(s->decoder), len)))
		return st;
	if ((st = tnsr_decoder_run(s->decoder, len, crc, s->chunk, decoded, tnsr_dtype_size((tnsr_dtype)e->dtype)))) {
		char where[480];
		snprintf(where, sizeof where, "%s: frame at stored byte %llu", label, ull(at));
		return tnsr_error_prefix(st, where);
	}
	s->chunk_at = 0;
	s->chunk_len = decoded;
	return TNSR_OK;
}

/* Reads N decoded data bytes of the current member into BUF; after the last one, its
 * footer (and on a stream what follows it). */
static tnsr_status take(tnsr_source *src, state *s, void *buf, size_t n)
{
	const entry *e = &s->entries[s->current];
	tnsr_status st = TNSR_OK;
	if (e->encoding == TNSR_ENCODING_RAW) {
		st = take_stored(src, s, buf, n);
		s->done = s->sdone;
	} else {
		for (char *out = buf; !st && n;) {
			if (s->chunk_at == s->chunk_len && (st = next_frame(src, s)))
				break;
			size_t k = n < s->chunk_len - s->chunk_at ? n : s->chunk_len - s->chunk_at;
			memcpy(out, s->chunk + s->chunk_at, k);
			s->chunk_at += k;
			s->done += k;
			out += k;
			n -= k;
		}
	}
	return !st && s->done == e->nbytes ? end_of_data(src, s) : st;
}

/* Starts the current member's data over (a mapped member read again after verify). */
static void restart(state *s)
{
	s->done = s->sdone = 0;
	s->crc = 0;
	s->chunk_at = s->chunk_len = 0;
	s->checked = false;
}

/* Reads the rest of the current member's data, discarding it: for a stream that moves
 * on, or a mapped member being verified. */
static tnsr_status drain(tnsr_source *src, state *s)
{
	const entry *e = &s->entries[s->current];
	if (s->checked)
		return TNSR_OK;
	char *scratch = malloc(CHUNK);
	if (!scratch)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	tnsr_status st = TNSR_OK;
	while (!st && !s->checked) {
		uint64_t left = e->nbytes - s->done;
		st = take(src, s, scratch, left < CHUNK ? (size_t)left : CHUNK);
	}
	free(scratch);
	return st;
}

static void describe(tnsr_source *src, state *s, tnsr_member_info *info)
{
	const entry *e = &s->entries[s->current];
	const unsigned char *h = s->header;
	memcpy(info->name, h + tnsr_le64(h + P_NAMES_OFF) + e->name_off, e->name_len);
	info->name[e->name_len] = 0;
	info->format = "tnsr";
	info->dtype = (tnsr_dtype)e->dtype;
	info->byteorder = tnsr_dtype_size(info->dtype) == 1 ? '|' : '<';
	info->ndim = e->rank;
	for (int d = 0; d < e->rank; d++)
		info->shape[d] = (int64_t)tnsr_le64(h + tnsr_le64(h + P_DIMS_OFF) + (e->dims_index + (uint64_t)d) * 8);
	info->fortran_order = false;
	info->nbytes = e->nbytes;
	info->offset = tnsr_source_is_mapped(src) ? (int64_t)(s->start + s->data_offset + e->offset) : -1;
	if (e->encoding != TNSR_ENCODING_RAW) {
		info->mappable = false;
		snprintf(info->why_not_mappable, sizeof info->why_not_mappable,
			 "shuffle+deflate-encoded (%llu bytes stored), decoded on reading", ull(e->stored));
	}
}

/* Moves to member I of the current file and describes it. */
static tnsr_status enter(tnsr_source *src, state *s, int64_t i, tnsr_member_info *info)
{
	tnsr_status st;
	s->current = i;
	restart(s);
	describe(src, s, info);
	if ((st = seek_to(src, s, s->data_offset + s->entries[i].offset)))
		return st;
	/* An empty tensor's data has "gone through" already: check its footer now. */
	return s->entries[i].nbytes == 0 ? end_of_data(src, s) : TNSR_OK;
}

static tnsr_status next_member(tnsr_source *src, state *s, tnsr_member_info *info)
{
	tnsr_status st;
	if (s->have_file) {
		if (!tnsr_source_is_mapped(src) && (st = drain(src, s)))
			return st;
		if (s->current + 1 < s->count)
			return enter(src, s, s->current + 1, info);
		if (!s->trailer_done && (st = finish_stream_file(src, s)))
			return st;
		if ((st = seek_to(src, s, s->file_len)))
			return st;
		free_file(s);
	}
	for (;;) {
		unsigned char head[8];
		size_t got;
		if ((st = tnsr_source_peek(src, head, sizeof head, &got)))
			return st;
		if (got == 0 && s->files > 0)
			return TNSR_END;
		if (s->files > 0 && (got < 8 || memcmp(head, TNSR_MAGIC, 8) != 0))
			return tnsr_hdr_trailing(tnsr_source_pos(src), head, got);
		if ((st = open_file(src, s)))
			return st;
		if (s->count > 0)
			return enter(src, s, 0, info);
		/* A file without tensors: on to whatever follows it. */
		if (!s->trailer_done && (st = finish_stream_file(src, s)))
			return st;
		if ((st = seek_to(src, s, s->file_len)))
			return st;
		free_file(s);
	}
}

/* Messages name the input, and which file of a stream when there are several. */
static tnsr_status name_it(tnsr_source *src, const state *s, tnsr_status st)
{
	if (st == TNSR_OK || st == TNSR_END || st == TNSR_E_NOMEM)
		return st;
	if (s && s->files > 1) {
		char what[40];
		snprintf(what, sizeof what, "file %lld", (long long)s->files);
		tnsr_error_prefix(st, what);
	}
	return tnsr_error_prefix(st, tnsr_source_name(src));
}

/* ---------------------------------------------------------------- the codec */

bool tnsr_fmt_probe(const unsigned char *head, size_t n)
{
	/* A short input that starts like the magic is ours: "truncated" says more than "unknown". */
	return n > 0 && memcmp(head, TNSR_MAGIC, n < 8 ? n : 8) == 0;
}

tnsr_status tnsr_fmt_next(tnsr_source *src, void **state_p, tnsr_member_info *info)
{
	state *s = *state_p;
	if (!s) {
		if (!(s = calloc(1, sizeof *s)))
			return tnsr_error(TNSR_E_NOMEM, "out of memory");
		s->current = -1;
		*state_p = s;
	}
	return name_it(src, s, next_member(src, s, info));
}

tnsr_status tnsr_fmt_read(tnsr_source *src, void *state_p, void *buf, size_t n, size_t *got)
{
	state *s = state_p;
	*got = 0;
	if (!s || !s->have_file || s->current < 0)
		return tnsr_error(TNSR_E_VALUE, "%s: no member to read", tnsr_source_name(src));
	uint64_t left = s->entries[s->current].nbytes - s->done;
	size_t k = n < left ? n : (size_t)left;
	if (k == 0)
		return TNSR_OK;
	tnsr_status st = take(src, s, buf, k);
	if (!st)
		*got = k;
	return name_it(src, s, st);
}

/* Check 19 for the current member of a mapped file, reading its data in place; an
 * encoded member is decoded too (its frames' checksums and sizes). */
static tnsr_status verify_mapped(tnsr_source *src, state *s)
{
	const entry *e = &s->entries[s->current];
	uint64_t at = s->start + s->data_offset + e->offset;
	uint64_t slot_end = s->current + 1 < s->count ? s->entries[s->current + 1].offset : s->data_len;
	uint64_t span = slot_end - e->offset; /* data, footer, padding */
	tnsr_storage *map;
	tnsr_status st = tnsr_source_map(src, at, span, &map);
	if (st)
		return st;
	const unsigned char *p = tnsr_storage_data(map);
	char label[400];
	tnsr_hdr_label(s, s->current, label, sizeof label);
	uint32_t computed = tnsr_crc32c(0, p, (size_t)e->stored), stored = tnsr_le32(p + e->stored);
	uint32_t listed = tnsr_le32(s->trailer + 16 + 4 * (uint64_t)s->current);
	if (computed != stored)
		st = bad("%s: checksum mismatch: its data has CRC-32C 0x%08x, the file says 0x%08x (the data is corrupted)",
			 label, computed, stored);
	else if (listed != stored)
		st = bad("trailer: %s: checksum 0x%08x, but its footer says 0x%08x", label, listed, stored);
	for (uint64_t b = e->stored + 4; !st && b < span; b++)
		if (p[b])
			st = bad("%s: padding byte %llu after its data is 0x%02x (expected 0)", label, ull(b - e->stored - 4), p[b]);
	tnsr_storage_release(map);
	if (!st && e->encoding != TNSR_ENCODING_RAW && s->done == 0) {
		st = drain(src, s);
		restart(s);
	}
	return st;
}

tnsr_status tnsr_fmt_verify(tnsr_source *src, void *state_p, const tnsr_member_info *info)
{
	state *s = state_p;
	if (!s || !s->have_file || s->current < 0)
		return tnsr_error(TNSR_E_VALUE, "%s: no member to verify", tnsr_source_name(src));
	/* A stream is checked by `read` as its bytes go past (the reader reads it through). */
	return tnsr_source_is_mapped(src) ? name_it(src, s, verify_mapped(src, s)) : TNSR_OK;
}

tnsr_status tnsr_fmt_metadata(void *state_p, const tnsr_meta **items, size_t *n)
{
	const state *s = state_p;
	*items = s && s->have_file ? s->meta : NULL;
	*n = s && s->have_file ? s->nmeta : 0;
	return TNSR_OK;
}

void tnsr_fmt_close(void *state_p)
{
	state *s = state_p;
	if (!s)
		return;
	free_file(s);
	tnsr_decoder_free(s->decoder);
	free(s->chunk);
	free(s);
}
