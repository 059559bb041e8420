/* tnsr_write.c: writing .tnsr files (formats/tnsr.md) in one pass: the whole header is
 * computed first (every offset is known before any data), then each tensor's data,
 * footer and padding, then the trailer.  No seek, so the sink may be a pipe; the
 * streaming writer (stream_begin/data/end) serves tops, whose result arrives in pieces. */
#include <stdlib.h>

#include "crc32c.h"
#include "iter.h"
#include "tnsr_encode.h"

enum { GATHER_BYTES = 4 << 20, BIG_WRITE = 1 << 30 };

static const unsigned char zeros[1 << 16]; /* padding: less than the largest alignment */

/* What is written, decided before the first byte. */
typedef struct plan {
	uint64_t align;
	uint32_t count;
	unsigned char *header;
	uint64_t header_len, data_offset, data_len;
	uint64_t *offsets, *nbytes, *stored; /* stored: bytes in the file (nbytes unless encoded) */
	/* Progress. */
	uint32_t *crcs;
	uint32_t index;          /* tensor being written */
	uint64_t done;           /* its data bytes so far */
	uint32_t crc;            /* their CRC-32C */
} plan;

typedef struct tensor_desc {
	const char *name;
	tnsr_dtype dtype;
	int ndim;
	const int64_t *shape;
	int encoding;                 /* TNSR_ENCODING_RAW or _SHUFFLE_DEFLATE */
	uint64_t stored;              /* encoded: the frames' size */
} tensor_desc;

static void free_plan(plan *p)
{
	if (!p)
		return;
	free(p->header);
	free(p->offsets);
	free(p->nbytes);
	free(p->stored);
	free(p->crcs);
	free(p);
}

/* ---------------------------------------------------------------- metadata */

static tnsr_status check_text(const char *what, const char *text, size_t max, size_t *len)
{
	size_t at;
	*len = strlen(text);
	if (*len < 1 || *len > max)
		return tnsr_error(TNSR_E_VALUE, "%s '%.64s' is %zu bytes long (expected 1..%zu)", what, text, *len, max);
	if (!tnsr_utf8_valid((const unsigned char *)text, *len, &at))
		return tnsr_error(TNSR_E_VALUE, "%s '%.64s' is not valid UTF-8 (bad byte at %zu)", what, text, at);
	return TNSR_OK;
}

/* The bytes of one metadata record, or (OUT NULL) only its size. */
static tnsr_status encode_record(const tnsr_meta *m, unsigned char *out, uint64_t *size)
{
	size_t key_len, at;
	tnsr_status st = check_text("metadata key", m->key ? m->key : "", TNSR_MAX_KEY, &key_len);
	if (st)
		return st;
	if (m->type < TNSR_META_BOOL || m->type > TNSR_META_STRING)
		return tnsr_error(TNSR_E_VALUE, "metadata key '%s': type %d unknown", m->key, (int)m->type);
	if ((!m->is_array && m->count != 1) || m->count > UINT32_MAX || (m->count && !m->values))
		return tnsr_error(TNSR_E_VALUE, "metadata key '%s': %zu values (expected 1 for a scalar, at most 2^32-1)", m->key,
				  m->count);
	uint64_t value_len = 0;
	if (m->type == TNSR_META_STRING) {
		for (size_t i = 0; i < m->count; i++) {
			const char *v = ((const char *const *)m->values)[i];
			size_t n = v ? strlen(v) : 0;
			if (!v || !tnsr_utf8_valid((const unsigned char *)v, n, &at))
				return tnsr_error(TNSR_E_VALUE, "metadata key '%s': value %zu is not a valid UTF-8 string", m->key, i);
			if (n > UINT32_MAX || value_len > TNSR_MAX_META)
				return tnsr_error(TNSR_E_VALUE, "metadata key '%s': over the %llu-byte limit", m->key,
						  (unsigned long long)TNSR_MAX_META);
			value_len += 4 + (uint64_t)n;
		}
	} else {
		value_len = (uint64_t)m->count * (m->type == TNSR_META_BOOL ? 1 : 8);
	}
	uint64_t value_at, end;
	tnsr_align_up(TNSR_META_RECORD_HEAD + key_len, 8, &value_at);
	tnsr_align_up(value_at + value_len, 8, &end);
	*size = end;
	if (!out)
		return TNSR_OK;
	memset(out, 0, end);
	tnsr_put16(out, (uint16_t)key_len);
	out[2] = (unsigned char)m->type;
	out[3] = m->is_array;
	tnsr_put32(out + 4, (uint32_t)m->count);
	tnsr_put64(out + 8, value_len);
	memcpy(out + TNSR_META_RECORD_HEAD, m->key, key_len);
	unsigned char *v = out + value_at;
	for (size_t i = 0; i < m->count; i++) {
		if (m->type == TNSR_META_BOOL) {
			*v++ = ((const bool *)m->values)[i] ? 1 : 0;
		} else if (m->type == TNSR_META_STRING) {
			const char *s = ((const char *const *)m->values)[i];
			size_t n = strlen(s);
			tnsr_put32(v, (uint32_t)n);
			memcpy(v + 4, s, n);
			v += 4 + n;
		} else {
			uint64_t x;
			memcpy(&x, (const char *)m->values + 8 * i, 8); /* int64_t and double alike */
			tnsr_put64(v, x);
			v += 8;
		}
	}
	return TNSR_OK;
}

/* The metadata section's size (checked against the limits, keys unique). */
static tnsr_status metadata_size(const tnsr_meta *meta, size_t n, uint64_t *size)
{
	*size = 0;
	if (n > TNSR_MAX_META_RECORDS)
		return tnsr_error(TNSR_E_VALUE, "%zu metadata pairs (expected at most %d)", n, TNSR_MAX_META_RECORDS);
	for (size_t i = 0; i < n; i++) {
		uint64_t rec;
		tnsr_status st = encode_record(&meta[i], NULL, &rec);
		if (st)
			return st;
		for (size_t j = 0; j < i; j++)
			if (strcmp(meta[j].key, meta[i].key) == 0)
				return tnsr_error(TNSR_E_VALUE, "metadata key '%s' given twice (expected unique keys)", meta[i].key);
		*size += rec;
		if (*size > TNSR_MAX_META)
			return tnsr_error(TNSR_E_VALUE, "metadata of %llu bytes and more (expected at most %llu)",
					  (unsigned long long)*size, (unsigned long long)TNSR_MAX_META);
	}
	return TNSR_OK;
}

/* ---------------------------------------------------------------- the header */

static int compare_strings(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static tnsr_status check_names(const tensor_desc *t, uint32_t n)
{
	const char **sorted = malloc((n ? n : 1) * sizeof *sorted);
	if (!sorted)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	tnsr_status st = TNSR_OK;
	for (uint32_t i = 0; i < n && !st; i++) {
		size_t len;
		st = check_text("tensor name", t[i].name ? t[i].name : "", TNSR_MAX_NAME, &len);
		sorted[i] = t[i].name;
	}
	if (!st)
		qsort(sorted, n, sizeof *sorted, compare_strings);
	for (uint32_t i = 1; i < n && !st; i++)
		if (strcmp(sorted[i - 1], sorted[i]) == 0)
			st = tnsr_error(TNSR_E_VALUE, "tensor name '%.64s' given twice (expected unique names)", sorted[i]);
	free(sorted);
	return st;
}

/* Lays out N tensors and the metadata (formats/tnsr.md sections 2-4) and builds the
 * header bytes, checksum included. */
static tnsr_status make_plan(const tensor_desc *t, uint32_t n, uint64_t align, const tnsr_meta *meta, size_t nmeta,
			     plan **out)
{
	if (n > TNSR_MAX_TENSORS)
		return tnsr_error(TNSR_E_VALUE, "%u tensors (expected at most %d)", n, TNSR_MAX_TENSORS);
	tnsr_status st = check_names(t, n);
	uint64_t meta_len, names_len = 0, ranks = 0;
	if (st || (st = metadata_size(meta, nmeta, &meta_len)))
		return st;
	plan *p = calloc(1, sizeof *p);
	if (!p)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	p->align = align;
	p->count = n;
	p->offsets = calloc(n + 1, sizeof *p->offsets);
	p->nbytes = calloc(n + 1, sizeof *p->nbytes);
	p->stored = calloc(n + 1, sizeof *p->stored);
	p->crcs = calloc(n + 1, sizeof *p->crcs);
	if (!p->offsets || !p->nbytes || !p->stored || !p->crcs) {
		free_plan(p);
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	}
	uint64_t next = 0;
	bool encoded = false;
	for (uint32_t i = 0; i < n; i++) {
		size_t nbytes;
		if (t[i].ndim < 0 || t[i].ndim > TNSR_MAX_DIMS)
			st = tnsr_error(TNSR_E_VALUE, "tensor '%.64s': %d dims (expected 0..%d)", t[i].name, t[i].ndim,
					TNSR_MAX_DIMS);
		else
			st = tnsr_shape_size(t[i].ndim, t[i].shape, tnsr_dtype_size(t[i].dtype), NULL, &nbytes);
		uint64_t stored = t[i].encoding ? t[i].stored : nbytes;
		if (st || !tnsr_next_slot(next, stored, align, &p->offsets[i + 1])) {
			free_plan(p);
			return st ? st : tnsr_error(TNSR_E_NOMEM, "the data of %u tensors overflows 64 bits", n);
		}
		p->offsets[i] = next;
		p->nbytes[i] = nbytes;
		p->stored[i] = stored;
		encoded |= t[i].encoding != TNSR_ENCODING_RAW;
		next = p->offsets[i + 1];
		names_len += strlen(t[i].name);
		ranks += (uint64_t)t[i].ndim;
	}
	p->data_len = next;
	/* Files without encoded tensors are 1.0 files; encoded ones need 1.1 and its flag. */
	unsigned entry_size = encoded ? TNSR_ENTRY_SIZE_ENCODED : TNSR_ENTRY_SIZE;
	uint64_t table = TNSR_PREAMBLE_SIZE, names = table + (uint64_t)n * entry_size, dims, metas;
	tnsr_align_up(names + names_len, 8, &dims);
	metas = dims + 8 * ranks;
	p->header_len = metas + meta_len + 4;
	if (p->header_len > TNSR_MAX_HEADER) {
		st = tnsr_error(TNSR_E_VALUE, "a header of %llu bytes for %u tensors (expected at most %llu)",
				(unsigned long long)p->header_len, n, (unsigned long long)TNSR_MAX_HEADER);
		free_plan(p);
		return st;
	}
	p->data_offset = tnsr_data_offset(p->header_len, align);
	unsigned char *h = p->header = calloc(1, p->header_len);
	if (!h) {
		free_plan(p);
		return tnsr_error(TNSR_E_NOMEM, "out of memory for a %llu-byte header", (unsigned long long)p->header_len);
	}
	memcpy(h + P_MAGIC, TNSR_MAGIC, 8);
	tnsr_put16(h + P_MAJOR, TNSR_MAJOR);
	tnsr_put16(h + P_MINOR, encoded ? 1 : 0);
	tnsr_put32(h + P_FLAGS_REQ, encoded ? TNSR_FLAG_ENCODED : 0);
	h[P_ALIGN] = (unsigned char)__builtin_ctzll(align);
	h[P_CHECKSUM] = TNSR_CHECKSUM_CRC32C;
	tnsr_put16(h + P_ENTRY_SIZE, (uint16_t)entry_size);
	tnsr_put32(h + P_COUNT, n);
	tnsr_put32(h + P_META_COUNT, (uint32_t)nmeta);
	tnsr_put64(h + P_HEADER_LEN, p->header_len);
	tnsr_put64(h + P_DATA_OFFSET, p->data_offset);
	tnsr_put64(h + P_DATA_LEN, p->data_len);
	tnsr_put64(h + P_FILE_LEN, p->data_offset + p->data_len + tnsr_trailer_size(n));
	tnsr_put64(h + P_TABLE_OFF, table);
	tnsr_put64(h + P_NAMES_OFF, names);
	tnsr_put64(h + P_NAMES_LEN, names_len);
	tnsr_put64(h + P_DIMS_OFF, dims);
	tnsr_put64(h + P_DIMS_LEN, 8 * ranks);
	tnsr_put64(h + P_META_OFF, metas);
	tnsr_put64(h + P_META_LEN, meta_len);
	uint64_t name_at = 0, dim_at = 0;
	for (uint32_t i = 0; i < n; i++) {
		unsigned char *e = h + table + (uint64_t)i * entry_size;
		size_t len = strlen(t[i].name);
		tnsr_put64(e + E_OFFSET, p->offsets[i]);
		tnsr_put64(e + E_NBYTES, p->nbytes[i]);
		tnsr_put32(e + E_NAME_OFF, (uint32_t)name_at);
		tnsr_put16(e + E_NAME_LEN, (uint16_t)len);
		e[E_DTYPE] = (unsigned char)t[i].dtype;
		e[E_RANK] = (unsigned char)t[i].ndim;
		tnsr_put32(e + E_DIMS, (uint32_t)dim_at);
		if (encoded) {
			tnsr_put32(e + E_FLAGS, (uint32_t)t[i].encoding);
			tnsr_put64(e + E_STORED, p->stored[i]);
		}
		memcpy(h + names + name_at, t[i].name, len);
		for (int d = 0; d < t[i].ndim; d++)
			tnsr_put64(h + dims + 8 * (dim_at + (uint64_t)d), (uint64_t)t[i].shape[d]);
		name_at += len;
		dim_at += (uint64_t)t[i].ndim;
	}
	uint64_t at = metas, rec;
	for (size_t i = 0; i < nmeta; i++, at += rec)
		encode_record(&meta[i], h + at, &rec);
	tnsr_put32(h + p->header_len - 4, tnsr_crc32c(0, h, (size_t)(p->header_len - 4)));
	*out = p;
	return TNSR_OK;
}

/* ---------------------------------------------------------------- writing */

static tnsr_status put_zeros(tnsr_sink *sink, uint64_t n)
{
	tnsr_status st = TNSR_OK;
	while (n && !st) {
		size_t k = n < sizeof zeros ? (size_t)n : sizeof zeros;
		st = tnsr_sink_write(sink, zeros, k);
		n -= k;
	}
	return st;
}

/* The header and the padding up to the data. */
static tnsr_status put_header(tnsr_sink *sink, const plan *p)
{
	tnsr_status st = tnsr_sink_write(sink, p->header, (size_t)p->header_len);
	return st ? st : put_zeros(sink, p->data_offset - p->header_len);
}

/* Data bytes of the current tensor, in large writes. */
static tnsr_status put_data(tnsr_sink *sink, plan *p, const void *data, size_t n)
{
	const char *c = data;
	while (n) {
		size_t k = n < BIG_WRITE ? n : BIG_WRITE;
		tnsr_status st = tnsr_sink_write(sink, c, k);
		if (st)
			return st;
		p->crc = tnsr_crc32c(p->crc, c, k);
		p->done += k;
		c += k;
		n -= k;
	}
	return TNSR_OK;
}

/* The current tensor's footer and padding; moves to the next tensor. */
static tnsr_status put_footer(tnsr_sink *sink, plan *p)
{
	unsigned char foot[4];
	tnsr_put32(foot, p->crc);
	p->crcs[p->index] = p->crc;
	tnsr_status st = tnsr_sink_write(sink, foot, 4);
	uint64_t i = p->index;
	if (!st)
		st = put_zeros(sink, p->offsets[i + 1] - (p->offsets[i] + p->stored[i] + 4));
	p->index++;
	p->done = 0;
	p->crc = 0;
	return st;
}

static tnsr_status put_trailer(tnsr_sink *sink, const plan *p)
{
	uint64_t size = tnsr_trailer_size(p->count), at = 16 + 4 * ((uint64_t)p->count + (p->count & 1));
	unsigned char *t = calloc(1, size);
	if (!t)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	tnsr_put32(t, tnsr_le32(p->header + p->header_len - 4));
	tnsr_put32(t + 4, p->count);
	tnsr_put64(t + 8, p->data_len);
	for (uint32_t i = 0; i < p->count; i++)
		tnsr_put32(t + 16 + 4 * (uint64_t)i, p->crcs[i]);
	tnsr_put32(t + at, tnsr_crc32c(0, t, (size_t)at));
	memcpy(t + at + 8, TNSR_END_MAGIC, 8);
	tnsr_status st = tnsr_sink_write(sink, t, (size_t)size);
	free(t);
	return st;
}

/* T's elements in C order, little-endian: as they are when T is contiguous, else
 * gathered through a bounded buffer. */
static tnsr_status put_tensor(tnsr_sink *sink, plan *p, const tnsr_tensor *t)
{
	size_t size = tnsr_dtype_size(t->dtype), nbytes = tnsr_tensor_nbytes(t);
	bool little = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ || size == 1;
	if (nbytes == 0 || (little && tnsr_tensor_is_contiguous(t)))
		return put_data(sink, p, tnsr_tensor_data(t), nbytes);
	size_t cap = GATHER_BYTES / size, used = 0;
	if (cap * size > nbytes)
		cap = nbytes / size;
	char *buf = malloc(cap * size), *base = tnsr_tensor_data(t), *ptr;
	if (!buf)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	tnsr_iter it;
	const int64_t *strides = t->strides;
	int64_t step, n;
	tnsr_iter_init(&it, 1, t->ndim, t->shape, &base, &strides, &size);
	tnsr_status st = TNSR_OK;
	while (!st && tnsr_iter_next(&it, &ptr, &step, &n)) {
		while (n > 0 && !st) {
			size_t k = (size_t)n < cap - used ? (size_t)n : cap - used;
			tnsr_gather_run(buf + used * size, ptr, step, (int64_t)k, size);
			ptr += (int64_t)k * step;
			n -= (int64_t)k;
			used += k;
			if (used == cap) {
				if (!little)
					tnsr_byteswap(t->dtype, buf, used);
				st = put_data(sink, p, buf, used * size);
				used = 0;
			}
		}
	}
	if (!st && used) {
		if (!little)
			tnsr_byteswap(t->dtype, buf, used);
		st = put_data(sink, p, buf, used * size);
	}
	free(buf);
	return st;
}

static tnsr_status named(tnsr_sink *sink, tnsr_status st)
{
	return st && st != TNSR_E_PIPE ? tnsr_error_prefix(st, tnsr_sink_name(sink)) : st;
}

static tnsr_status check_options(const tnsr_write_options *o, uint64_t *align)
{
	*align = 64;
	if (!o)
		return TNSR_OK;
	if (o->order == 'F')
		return tnsr_error(TNSR_E_VALUE, "order F cannot be stored: .tnsr holds C-order data (use .npy or .npz for "
						"Fortran order)");
	if (o->compress > 9)
		return tnsr_error(TNSR_E_VALUE, "compression level %d (expected 1..9, 0 or -1 for none)", o->compress);
	if (o->alignment) {
		if (o->alignment < 64 || o->alignment > 65536 || (o->alignment & (o->alignment - 1)))
			return tnsr_error(TNSR_E_VALUE, "alignment %zu (expected a power of two from 64 to 65536)", o->alignment);
		*align = o->alignment;
	}
	return TNSR_OK;
}

/* Encodes T at LEVEL into *PAYLOAD when that makes it smaller; else leaves it raw. */
static tnsr_status encode(const tnsr_tensor *t, int level, tensor_desc *d, unsigned char **payload)
{
	tnsr_tensor *c;
	size_t nbytes = tnsr_tensor_nbytes(t), itemsize = tnsr_dtype_size(t->dtype), stored;
	if (nbytes == 0)
		return TNSR_OK; /* nothing to encode: stays raw */
	tnsr_status st = tnsr_tensor_contiguous(t, &c);
	if (st)
		return st;
	void *data = tnsr_tensor_data(c);
	if (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__ && itemsize > 1) {
		tnsr_tensor *copy;
		if (!(st = tnsr_tensor_cast(c, c->dtype, &copy))) {
			tnsr_tensor_free(c);
			c = copy;
			data = tnsr_tensor_data(c);
			tnsr_byteswap(c->dtype, data, nbytes / itemsize);
		}
	}
	if (!st)
		st = tnsr_encode_tensor(data, nbytes, itemsize, level, payload, &stored);
	tnsr_tensor_free(c);
	if (!st && stored < nbytes) {
		d->encoding = TNSR_ENCODING_SHUFFLE_DEFLATE;
		d->stored = stored;
	} else if (!st) {
		free(*payload); /* incompressible: stays raw, and mappable */
		*payload = NULL;
	}
	return st;
}

tnsr_status tnsr_fmt_write_many(tnsr_sink *sink, tnsr_tensor *const *tensors, const char *const *names, int n,
				const tnsr_write_options *options)
{
	uint64_t align;
	plan *p = NULL;
	tnsr_status st = n < 0 ? tnsr_error(TNSR_E_VALUE, "%d tensors", n) : check_options(options, &align);
	int level = options && options->compress > 0 ? options->compress : 0;
	tensor_desc *desc = st ? NULL : calloc((size_t)n + 1, sizeof *desc);
	unsigned char **payload = st ? NULL : calloc((size_t)n + 1, sizeof *payload);
	if (!st && (!desc || !payload))
		st = tnsr_error(TNSR_E_NOMEM, "out of memory");
	for (int i = 0; !st && i < n; i++) {
		desc[i] = (tensor_desc){names[i], tensors[i]->dtype, tensors[i]->ndim, tensors[i]->shape, 0, 0};
		if (level)
			st = encode(tensors[i], level, &desc[i], &payload[i]);
	}
	if (!st)
		st = make_plan(desc, (uint32_t)n, align, options ? options->metadata : NULL, options ? options->nmetadata : 0,
			       &p);
	free(desc);
	if (!st)
		st = put_header(sink, p);
	for (int i = 0; !st && i < n; i++)
		if (!(st = payload[i] ? put_data(sink, p, payload[i], (size_t)p->stored[i]) : put_tensor(sink, p, tensors[i])))
			st = put_footer(sink, p);
	if (!st)
		st = put_trailer(sink, p);
	for (int i = 0; payload && i < n; i++)
		free(payload[i]);
	free(payload);
	free_plan(p);
	return named(sink, st);
}

tnsr_status tnsr_fmt_write(tnsr_sink *sink, const tnsr_tensor *t)
{
	tnsr_tensor *one = (tnsr_tensor *)t;
	const char *name = "arr_0";
	return tnsr_fmt_write_many(sink, &one, &name, 1, NULL);
}

/* ---------------------------------------------------------------- streaming */

tnsr_status tnsr_fmt_stream_begin(tnsr_sink *sink, tnsr_dtype dtype, int ndim, const int64_t *shape, void **state)
{
	tensor_desc d = {"arr_0", dtype, ndim, shape, TNSR_ENCODING_RAW, 0};
	plan *p;
	tnsr_status st = make_plan(&d, 1, 64, NULL, 0, &p);
	if (!st && (st = put_header(sink, p))) {
		free_plan(p);
		p = NULL;
	}
	*state = p;
	return named(sink, st);
}

tnsr_status tnsr_fmt_stream_data(tnsr_sink *sink, void *state, const void *data, size_t n)
{
	plan *p = state;
	if (n > p->nbytes[0] - p->done)
		return tnsr_error(TNSR_E_VALUE, "%s: %llu bytes of data, more than the %llu the header promised",
				  tnsr_sink_name(sink), (unsigned long long)(p->done + n), (unsigned long long)p->nbytes[0]);
	return named(sink, put_data(sink, p, data, n));
}

tnsr_status tnsr_fmt_stream_end(tnsr_sink *sink, void *state, bool failed)
{
	plan *p = state;
	tnsr_status st = TNSR_OK;
	if (!failed && p->done != p->nbytes[0])
		st = tnsr_error(TNSR_E_VALUE, "%s: %llu bytes of data written, the header promised %llu", tnsr_sink_name(sink),
				(unsigned long long)p->done, (unsigned long long)p->nbytes[0]);
	else if (!failed && !(st = put_footer(sink, p)))
		st = put_trailer(sink, p);
	free_plan(p);
	return named(sink, st);
}
