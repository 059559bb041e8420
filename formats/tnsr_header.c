/* tnsr_header.c: checking a .tnsr header (formats/tnsr.md, section 7, checks 3-9 and
 * 11-18): the preamble, the sections, the table against the canonical layout, names,
 * the metadata records and the trailer.  Pure functions of bytes already in memory:
 * tnsr_read.c does the reading. */
#include <stdio.h>
#include <stdlib.h>

#include "crc32c.h"
#include "tnsr_read.h"

/* "tensor 2 'w'" for messages (entry I's name has been checked). */
const char *tnsr_hdr_label(const state *s, int64_t i, char *buf, size_t size)
{
	char q[300];
	const entry *e = &s->entries[i];
	snprintf(buf, size, "tensor %lld %s", (long long)i,
		 tnsr_quote(s->header + tnsr_le64(s->header + P_NAMES_OFF) + e->name_off, e->name_len, q, sizeof q));
	return buf;
}

/* Check 20: what follows a file at byte AT is neither the end nor another file. */
tnsr_status tnsr_hdr_trailing(uint64_t at, const unsigned char *head, size_t got)
{
	char shown[40] = "";
	for (size_t i = 0, used = 0; i < got && i < 4; i++)
		used += (size_t)snprintf(shown + used, sizeof shown - used, " %02x", head[i]);
	return bad("trailing bytes at byte %llu after the end of the file (%s%s): expected the end of the input or "
		   "another .tnsr file", ull(at), shown + 1, got > 4 ? " ..." : "");
}

/* ---------------------------------------------------------------- the preamble */

/* Checks 3-9 of the specification on the 128 bytes at P; fills the scalars of S. */
tnsr_status tnsr_hdr_preamble(state *s, const unsigned char *p)
{
	unsigned major = tnsr_le16(p + P_MAJOR), minor = tnsr_le16(p + P_MINOR);
	if (major != TNSR_MAJOR)
		return bad("unsupported .tnsr version %u.%u (expected %d.x)", major, minor, TNSR_MAJOR);
	s->minor = (uint16_t)minor;
	uint32_t req = tnsr_le32(p + P_FLAGS_REQ);
	if (req & ~(uint32_t)TNSR_FLAGS_REQUIRED_KNOWN)
		return bad("header: unknown required feature flags 0x%08x (this reader knows 0x%08x): the file needs a newer reader",
			   req, (unsigned)TNSR_FLAGS_REQUIRED_KNOWN);
	unsigned align_log2 = p[P_ALIGN], checksum = p[P_CHECKSUM], entry_size = tnsr_le16(p + P_ENTRY_SIZE);
	if (align_log2 < TNSR_ALIGN_LOG2_MIN || align_log2 > TNSR_ALIGN_LOG2_MAX)
		return bad("header: align_log2 %u out of range (expected %d..%d: 64 bytes to 64 KiB)", align_log2,
			   TNSR_ALIGN_LOG2_MIN, TNSR_ALIGN_LOG2_MAX);
	if (checksum != TNSR_CHECKSUM_CRC32C)
		return bad("header: checksum algorithm %u unknown (expected 1, CRC-32C)", checksum);
	if (entry_size < TNSR_ENTRY_SIZE || entry_size > TNSR_ENTRY_SIZE_MAX || entry_size % 8)
		return bad("header: entry_size %u (expected a multiple of 8 in %d..%d)", entry_size, TNSR_ENTRY_SIZE,
			   TNSR_ENTRY_SIZE_MAX);
	s->encoded = req & TNSR_FLAG_ENCODED;
	if (s->encoded && entry_size < TNSR_ENTRY_SIZE_ENCODED)
		return bad("header: entry_size %u with encoded tensors (expected at least %d: entries hold stored_length)",
			   entry_size, TNSR_ENTRY_SIZE_ENCODED);
	s->align = (uint64_t)1 << align_log2;
	s->count = tnsr_le32(p + P_COUNT);
	uint32_t meta_count = tnsr_le32(p + P_META_COUNT);
	s->header_len = tnsr_le64(p + P_HEADER_LEN);
	s->data_offset = tnsr_le64(p + P_DATA_OFFSET);
	s->data_len = tnsr_le64(p + P_DATA_LEN);
	s->file_len = tnsr_le64(p + P_FILE_LEN);
	if (s->count > TNSR_MAX_TENSORS)
		return bad("header: tensor_count %u over the limit of %d", s->count, TNSR_MAX_TENSORS);
	if (meta_count > TNSR_MAX_META_RECORDS)
		return bad("header: metadata_count %u over the limit of %d", meta_count, TNSR_MAX_META_RECORDS);
	if (s->header_len < TNSR_PREAMBLE_SIZE + 4 || s->header_len > TNSR_MAX_HEADER)
		return bad("header: header_length %llu out of range (expected %d..%llu)", ull(s->header_len),
			   TNSR_PREAMBLE_SIZE + 4, ull(TNSR_MAX_HEADER));
	uint64_t table_len = (uint64_t)s->count * entry_size; /* < 2^34: no overflow */
	if (table_len > s->header_len)
		return bad("header: %u tensors of %u bytes need %llu bytes, more than header_length %llu", s->count,
			   entry_size, ull(table_len), ull(s->header_len));
	if (tnsr_le64(p + P_META_LEN) > TNSR_MAX_META)
		return bad("header: metadata_length %llu over the limit of %llu", ull(tnsr_le64(p + P_META_LEN)),
			   ull(TNSR_MAX_META));
	/* Check 8: the sections in order inside the header. */
	static const struct { int off, len; const char *name; } sections[] = {
		{P_TABLE_OFF, -1, "tensor table"}, {P_NAMES_OFF, P_NAMES_LEN, "name pool"},
		{P_DIMS_OFF, P_DIMS_LEN, "dims pool"}, {P_META_OFF, P_META_LEN, "metadata"},
	};
	uint64_t end = TNSR_PREAMBLE_SIZE;
	const char *prev = "preamble";
	for (size_t i = 0; i < sizeof sections / sizeof *sections; i++) {
		uint64_t off = tnsr_le64(p + sections[i].off);
		uint64_t len = sections[i].len < 0 ? table_len : tnsr_le64(p + sections[i].len);
		if (off < end)
			return bad("header: the %s starts at byte %llu, inside the %s (expected >= %llu)", sections[i].name,
				   ull(off), prev, ull(end));
		if (i >= 2 && (off % 8 || len % 8))
			return bad("header: the %s at byte %llu, %llu bytes long, is not 8-byte aligned", sections[i].name,
				   ull(off), ull(len));
		if (off > s->header_len - 4 || len > s->header_len - 4 - off)
			return bad("header: the %s (bytes %llu..+%llu) does not fit before the header checksum at byte %llu",
				   sections[i].name, ull(off), ull(len), ull(s->header_len - 4));
		end = off + len;
		prev = sections[i].name;
	}
	/* Check 9: where the data and the trailer are. */
	uint64_t want = tnsr_data_offset(s->header_len, s->align), total;
	if (s->data_offset != want)
		return bad("header: data_offset %llu (expected %llu: header_length %llu rounded up to %llu)",
			   ull(s->data_offset), ull(want), ull(s->header_len),
			   ull(s->align > TNSR_DATA_PAGE ? s->align : TNSR_DATA_PAGE));
	if (s->data_len % s->align)
		return bad("header: data_length %llu is not a multiple of the alignment %llu", ull(s->data_len),
			   ull(s->align));
	if (__builtin_add_overflow(s->data_offset, s->data_len, &total) ||
	    __builtin_add_overflow(total, tnsr_trailer_size(s->count), &total) || s->file_len != total)
		return bad("header: file_length %llu (expected data_offset %llu + data_length %llu + trailer %llu)",
			   ull(s->file_len), ull(s->data_offset), ull(s->data_len), ull(tnsr_trailer_size(s->count)));
	return TNSR_OK;
}

/* ---------------------------------------------------------------- the header */

/* Check 12: bytes [FROM, TO) of the header are zero (files of a minor version we know). */
tnsr_status tnsr_hdr_gap(const state *s, uint64_t from, uint64_t to, const char *where)
{
	if (s->minor > TNSR_MINOR)
		return TNSR_OK;
	for (uint64_t i = from; i < to; i++)
		if (s->header[i])
			return bad("header: reserved byte %llu (%s) is 0x%02x (expected 0)", ull(i), where, s->header[i]);
	return TNSR_OK;
}

typedef struct name_ref {
	const unsigned char *p;
	uint16_t len;
	uint32_t index;
} name_ref;

static int compare_names(const void *a, const void *b)
{
	const name_ref *x = a, *y = b;
	int c = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Checks 13-15: every table entry against the canonical layout; fills S->entries. */
tnsr_status tnsr_hdr_table(state *s)
{
	const unsigned char *h = s->header;
	uint64_t table = tnsr_le64(h + P_TABLE_OFF), names = tnsr_le64(h + P_NAMES_OFF), names_len = tnsr_le64(h + P_NAMES_LEN);
	uint64_t dims = tnsr_le64(h + P_DIMS_OFF), dims_len = tnsr_le64(h + P_DIMS_LEN);
	unsigned entry_size = tnsr_le16(h + P_ENTRY_SIZE);
	uint64_t name_sum = 0, dims_sum = 0, next = 0;
	char label[400];
	if (!(s->entries = calloc(s->count ? s->count : 1, sizeof *s->entries)))
		return tnsr_error(TNSR_E_NOMEM, "out of memory for %u table entries", s->count);
	for (uint32_t i = 0; i < s->count; i++) {
		const unsigned char *p = h + table + (uint64_t)i * entry_size;
		entry *e = &s->entries[i];
		e->offset = tnsr_le64(p + E_OFFSET);
		e->nbytes = tnsr_le64(p + E_NBYTES);
		e->name_off = tnsr_le32(p + E_NAME_OFF);
		e->name_len = tnsr_le16(p + E_NAME_LEN);
		e->dtype = p[E_DTYPE];
		e->rank = p[E_RANK];
		e->dims_index = tnsr_le32(p + E_DIMS);
		if (e->name_off != name_sum || e->name_len < 1 || e->name_len > TNSR_MAX_NAME ||
		    e->name_len > names_len - name_sum)
			return bad("header: tensor %u: name at %u, %u bytes (expected at %llu, 1..%d bytes, inside the %llu-byte name pool)",
				   i, e->name_off, e->name_len, ull(name_sum), TNSR_MAX_NAME, ull(names_len));
		size_t at;
		if (!tnsr_utf8_valid(h + names + e->name_off, e->name_len, &at)) {
			char q[300];
			return bad("header: tensor %u: name %s is not valid UTF-8 without NUL (bad byte at %zu)", i,
				   tnsr_quote(h + names + e->name_off, e->name_len, q, sizeof q), at);
		}
		name_sum += e->name_len;
		tnsr_hdr_label(s, i, label, sizeof label);
		/* Flags: the encoding in the low byte when the file has encoded tensors. */
		uint32_t flags = tnsr_le32(p + E_FLAGS), known = s->encoded ? 0xff : 0;
		if (flags & ~known)
			return bad("header: %s: flags 0x%08x (expected 0%s)", label, flags, s->encoded ? ", or an encoding in the low byte" : "");
		e->encoding = (uint8_t)flags;
		if (e->encoding > TNSR_ENCODING_SHUFFLE_DEFLATE)
			return tnsr_error(TNSR_E_UNSUPPORTED, "%s: encoding %u is not supported by this version (expected 0 raw or "
							      "1 shuffle+deflate)", label, e->encoding);
		e->stored = s->encoded ? tnsr_le64(p + E_STORED) : e->nbytes;
		if (tnsr_hdr_gap(s, table + (uint64_t)i * entry_size + (s->encoded ? TNSR_ENTRY_SIZE_ENCODED : TNSR_ENTRY_SIZE),
			      table + (uint64_t)(i + 1) * entry_size, "table entry tail"))
			return TNSR_E_FORMAT;
		if (e->dtype >= TNSR_CODE_RESERVED_FIRST && e->dtype <= TNSR_CODE_RESERVED_LAST)
			return tnsr_error(TNSR_E_UNSUPPORTED, "%s: dtype code %u (%s) is not supported by this version", label,
					  e->dtype, tnsr_reserved_dtype_names[e->dtype - TNSR_CODE_RESERVED_FIRST]);
		if (e->dtype >= TNSR_DTYPE_COUNT)
			return bad("header: %s: dtype code %u unknown (expected 0..%d)", label, e->dtype, TNSR_DTYPE_COUNT - 1);
		if (e->rank > TNSR_MAX_DIMS)
			return bad("header: %s: rank %u (expected 0..%d)", label, e->rank, TNSR_MAX_DIMS);
		if (e->dims_index != dims_sum || (uint64_t)e->rank * 8 > dims_len - dims_sum * 8)
			return bad("header: %s: dims at index %u, %u of them (expected at index %llu, inside the %llu-byte dims pool)",
				   label, e->dims_index, e->rank, ull(dims_sum), ull(dims_len));
		int64_t shape[TNSR_MAX_DIMS];
		for (unsigned d = 0; d < e->rank; d++) {
			uint64_t v = tnsr_le64(h + dims + (dims_sum + d) * 8);
			if (v > INT64_MAX)
				return bad("header: %s: dimension %u is %llu (expected at most 2^63-1)", label, d, ull(v));
			shape[d] = (int64_t)v;
		}
		dims_sum += e->rank;
		size_t nbytes;
		char sh[160];
		if (tnsr_shape_size(e->rank, shape, tnsr_dtype_size(e->dtype), NULL, &nbytes))
			return bad("header: %s: shape %s of %s overflows", label, tnsr_shape_format(e->rank, shape, sh, sizeof sh),
				   tnsr_dtype_name(e->dtype));
		if (e->nbytes != nbytes)
			return bad("header: %s: nbytes %llu (expected %zu for shape %s of %s)", label, ull(e->nbytes), nbytes,
				   tnsr_shape_format(e->rank, shape, sh, sizeof sh), tnsr_dtype_name(e->dtype));
		/* Stored bytes: raw data is its own size; frames need at least their heads. */
		uint64_t frames = (e->nbytes + TNSR_CHUNK - 1) / TNSR_CHUNK;
		if (e->encoding == TNSR_ENCODING_RAW ? e->stored != e->nbytes
						     : e->stored < frames * TNSR_FRAME_HEAD ||
							       e->stored / (TNSR_FRAME_HEAD + tnsr_frame_bound(TNSR_CHUNK)) > frames)
			return bad("header: %s: stored_length %llu for %llu %s bytes (expected %s)", label, ull(e->stored),
				   ull(e->nbytes), e->encoding ? "encoded" : "raw",
				   e->encoding ? "room for the frames' heads and at most their bound" : "the same");
		if (e->offset != next)
			return bad("header: %s: offset %llu (expected %llu: the end of the previous slot rounded up to %llu)",
				   label, ull(e->offset), ull(next), ull(s->align));
		if (!tnsr_next_slot(e->offset, e->stored, s->align, &next) || next > s->data_len)
			return bad("header: %s: %llu bytes at offset %llu do not fit in data_length %llu", label, ull(e->stored),
				   ull(e->offset), ull(s->data_len));
	}
	if (name_sum != names_len)
		return bad("header: names_length %llu (expected %llu, the names' total)", ull(names_len), ull(name_sum));
	if (dims_sum * 8 != dims_len)
		return bad("header: dims_length %llu (expected %llu, 8 bytes per dimension)", ull(dims_len), ull(dims_sum * 8));
	if (next != s->data_len)
		return bad("header: data_length %llu (expected %llu, the end of the last slot)", ull(s->data_len), ull(next));
	/* Check 15: unique names, by sorting. */
	if (s->count > 1) {
		name_ref *refs = malloc(s->count * sizeof *refs);
		if (!refs)
			return tnsr_error(TNSR_E_NOMEM, "out of memory for %u names", s->count);
		for (uint32_t i = 0; i < s->count; i++)
			refs[i] = (name_ref){h + names + s->entries[i].name_off, s->entries[i].name_len, i};
		qsort(refs, s->count, sizeof *refs, compare_names);
		for (uint32_t i = 1; i < s->count; i++)
			if (compare_names(&refs[i - 1], &refs[i]) == 0) {
				char q[300];
				uint32_t a = refs[i - 1].index < refs[i].index ? refs[i - 1].index : refs[i].index;
				uint32_t b = refs[i - 1].index ^ refs[i].index ^ a;
				free(refs);
				return bad("header: tensors %u and %u have the same name %s (expected unique names)", a, b,
					   tnsr_quote(h + names + s->entries[a].name_off, s->entries[a].name_len, q, sizeof q));
			}
		free(refs);
	}
	return TNSR_OK;
}

/* ---------------------------------------------------------------- metadata */

static size_t meta_elem_size(unsigned type)
{
	return type == TNSR_META_BOOL ? sizeof(bool) : type == TNSR_META_STRING ? sizeof(char *) : 8;
}

/* Check 16.  Pass 1 (ITEMS NULL) validates and sums the arena size into *ARENA_SIZE;
 * pass 2 fills ITEMS from ARENA. */
static tnsr_status walk_metadata(const state *s, tnsr_meta *items, char *arena, size_t *arena_size)
{
	const unsigned char *h = s->header, *sec = h + tnsr_le64(h + P_META_OFF);
	uint64_t len = tnsr_le64(h + P_META_LEN), pos = 0;
	uint32_t count = tnsr_le32(h + P_META_COUNT);
	size_t used = 0;
	for (uint32_t i = 0; i < count; i++) {
		if (len - pos < TNSR_META_RECORD_HEAD)
			return bad("metadata: record %u starts at byte %llu, past the end of the %llu-byte section", i, ull(pos),
				   ull(len));
		const unsigned char *r = sec + pos;
		unsigned key_len = tnsr_le16(r), type = r[2], is_array = r[3];
		uint32_t n = tnsr_le32(r + 4);
		uint64_t value_len = tnsr_le64(r + 8), key_end, value_at, value_end;
		if (key_len < 1 || key_len > TNSR_MAX_KEY || key_len > len - pos - TNSR_META_RECORD_HEAD)
			return bad("metadata: record %u: key_length %u (expected 1..%d, inside the section)", i, key_len,
				   TNSR_MAX_KEY);
		const unsigned char *key = r + TNSR_META_RECORD_HEAD;
		char q[300];
		size_t at;
		if (!tnsr_utf8_valid(key, key_len, &at))
			return bad("metadata: record %u: key %s is not valid UTF-8 without NUL", i, tnsr_quote(key, key_len, q, sizeof q));
		tnsr_quote(key, key_len, q, sizeof q);
		if (type < TNSR_META_BOOL || type > TNSR_META_STRING)
			return bad("metadata: key %s: type %u unknown (expected 1 bool, 2 i64, 3 f64, 4 string)", q, type);
		if (is_array > 1 || (!is_array && n != 1))
			return bad("metadata: key %s: is_array %u with count %u (expected 0 with count 1, or 1)", q, is_array, n);
		key_end = pos + TNSR_META_RECORD_HEAD + key_len;
		tnsr_align_up(key_end, 8, &value_at);
		if (value_at > len || value_len > len - value_at)
			return bad("metadata: key %s: value of %llu bytes at byte %llu does not fit in the %llu-byte section", q,
				   ull(value_len), ull(value_at), ull(len));
		value_end = value_at + value_len;
		for (uint64_t b = key_end; b < value_at; b++)
			if (sec[b])
				return bad("metadata: key %s: padding byte %llu is not zero", q, ull(b));
		const unsigned char *v = sec + value_at;
		uint64_t need = type == TNSR_META_BOOL ? n : (uint64_t)n * 8;
		size_t strings = 0;
		if (type == TNSR_META_STRING) {
			uint64_t off = 0;
			for (uint32_t k = 0; k < n; k++) {
				if (value_len - off < 4)
					return bad("metadata: key %s: string %u runs past value_length %llu", q, k, ull(value_len));
				uint32_t slen = tnsr_le32(v + off);
				if (slen > value_len - off - 4)
					return bad("metadata: key %s: string %u of %u bytes runs past value_length %llu", q, k, slen,
						   ull(value_len));
				if (!tnsr_utf8_valid(v + off + 4, slen, &at))
					return bad("metadata: key %s: string %u is not valid UTF-8 without NUL", q, k);
				if (items) {
					char *str = arena + used + (size_t)n * sizeof(char *) + strings;
					memcpy(str, v + off + 4, slen);
					str[slen] = 0;
					((char **)(arena + used))[k] = str;
				}
				strings += slen + 1;
				off += 4 + (uint64_t)slen;
			}
			need = off;
		}
		if (value_len != need)
			return bad("metadata: key %s: value_length %llu (expected %llu for %u values)", q, ull(value_len), ull(need), n);
		if (type == TNSR_META_BOOL)
			for (uint32_t k = 0; k < n; k++)
				if (v[k] > 1)
					return bad("metadata: key %s: bool %u is %u (expected 0 or 1)", q, k, v[k]);
		tnsr_align_up(value_end, 8, &pos);
		if (pos > len)
			return bad("metadata: key %s: padding runs past the section", q);
		for (uint64_t b = value_end; b < pos; b++)
			if (sec[b])
				return bad("metadata: key %s: padding byte %llu is not zero", q, ull(b));
		size_t bytes = (size_t)n * meta_elem_size(type) + strings;
		if (items) {
			char *k = arena + used + bytes;
			memcpy(k, key, key_len);
			k[key_len] = 0;
			items[i] = (tnsr_meta){k, (tnsr_meta_type)type, is_array == 1, n, arena + used};
			if (type == TNSR_META_BOOL)
				for (uint32_t e = 0; e < n; e++)
					((bool *)(arena + used))[e] = v[e];
			else if (type != TNSR_META_STRING)
				for (uint32_t e = 0; e < n; e++) {
					uint64_t x = tnsr_le64(v + 8 * (uint64_t)e);
					memcpy(arena + used + 8 * (size_t)e, &x, 8);
				}
		}
		used += (bytes + key_len + 1 + 7) & ~(size_t)7;
	}
	if (pos != len)
		return bad("metadata: %u records end at byte %llu of the %llu-byte section (expected them to fill it)", count,
			   ull(pos), ull(len));
	if (!items)
		*arena_size = used;
	return TNSR_OK;
}

static int compare_keys(const void *a, const void *b)
{
	return strcmp(((const tnsr_meta *)a)->key, ((const tnsr_meta *)b)->key);
}

tnsr_status tnsr_hdr_metadata(state *s)
{
	size_t size, n = tnsr_le32(s->header + P_META_COUNT);
	tnsr_status st = walk_metadata(s, NULL, NULL, &size);
	if (st || n == 0)
		return st;
	s->meta = calloc(n, sizeof *s->meta);
	s->meta_arena = malloc(size ? size : 1);
	if (!s->meta || !s->meta_arena)
		return tnsr_error(TNSR_E_NOMEM, "out of memory for %zu metadata records", n);
	if ((st = walk_metadata(s, s->meta, s->meta_arena, &size)))
		return st;
	s->nmeta = n;
	tnsr_meta *sorted = malloc(n * sizeof *sorted);
	if (!sorted)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	memcpy(sorted, s->meta, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, compare_keys);
	for (size_t i = 1; i < n; i++)
		if (strcmp(sorted[i - 1].key, sorted[i].key) == 0) {
			st = bad("metadata: key '%s' appears twice (expected unique keys)", sorted[i].key);
			break;
		}
	free(sorted);
	return st;
}

/* Check 18 on the trailer in S->trailer. */
tnsr_status tnsr_hdr_trailer(const state *s)
{
	const unsigned char *t = s->trailer;
	uint64_t p = 16 + 4 * ((uint64_t)s->count + (s->count & 1));
	if (memcmp(t + p + 8, TNSR_END_MAGIC, 8) != 0)
		return bad("trailer: no end marker at byte %llu (expected \"TNSREND\\n\"): the file is truncated or damaged",
			   ull(s->data_offset + s->data_len + p + 8));
	uint32_t stored = tnsr_le32(t + p), computed = tnsr_crc32c(0, t, p);
	if (stored != computed)
		return bad("trailer: checksum mismatch: stored 0x%08x, computed 0x%08x (the trailer is corrupted)", stored,
			   computed);
	if (tnsr_le32(t) != s->header_crc || tnsr_le32(t + 4) != s->count || tnsr_le64(t + 8) != s->data_len)
		return bad("trailer: header checksum 0x%08x, %u tensors, data_length %llu (expected 0x%08x, %u, %llu "
			   "from the header): the trailer belongs to another file",
			   tnsr_le32(t), tnsr_le32(t + 4), ull(tnsr_le64(t + 8)), s->header_crc, s->count, ull(s->data_len));
	if ((s->count & 1 && tnsr_le32(t + p - 4)) || tnsr_le32(t + p + 4))
		return bad("trailer: padding or reserved bytes are not zero");
	return TNSR_OK;
}

