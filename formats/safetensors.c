/* safetensors.c: Hugging Face's safetensors format.  An 8-byte little-endian header
 * length N (at most 100,000,000, as the reference implementation caps it), N bytes of a
 * UTF-8 JSON object, then the data section: every tensor as {"dtype", "shape",
 * "data_offsets": [BEGIN, END)} relative to it, C order, little-endian.
 *
 * Reading: the header is parsed and validated in safetensors_header.c; tensors are
 * listed in data order, so that a pipe is read in one pass, and viewed in place when
 * aligned.  Writing follows the reference implementation's layout: tensors sorted by
 * dtype (largest alignment first) then name, compact JSON with "__metadata__" first
 * (tnsr_write_options.metadata: strings as they are, other values as their JSON text),
 * the header padded with spaces to a multiple of 8.  A lone tensor is named arr_0. */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "raw.h"
#include "safetensors.h"

enum { PREFIX = 8 };

typedef struct st_state {
	tnsr_st_header h;
	size_t index;          /* the next tensor to describe */
	uint64_t data_start;   /* file offset of the data section */
} st_state;

static void free_state(st_state *s)
{
	if (s)
		tnsr_st_header_free(&s->h);
	free(s);
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t x = 0;
	for (int i = 7; i >= 0; i--)
		x = x << 8 | p[i];
	return x;
}

/* ---------------------------------------------------------------- reading */

static bool is_space(unsigned char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/* No magic: a length, then the start of a JSON object, '{' and a key or '}' (the
 * reference accepts white space before them).  A length over the limit still probes as
 * safetensors, so that the message says what is wrong. */
static bool st_probe(const unsigned char *head, size_t n)
{
	if (n < PREFIX + 2)
		return false;
	uint64_t len = le64(head);
	if (len < 2)
		return false;
	size_t i = PREFIX, end = len < n - PREFIX ? PREFIX + (size_t)len : n;
	while (i < end && is_space(head[i]))
		i++;
	if (i == end || head[i++] != '{')
		return false;
	while (i < end && is_space(head[i]))
		i++;
	return i == end || head[i] == '"' || head[i] == '}';
}

static void st_close(void *state) { free_state(state); }

/* Reads the length prefix and header of SRC into a new state. */
static tnsr_status read_header(tnsr_source *src, st_state **out)
{
	const char *file = tnsr_source_name(src);
	unsigned char prefix[PREFIX];
	size_t got;
	uint64_t start = tnsr_source_pos(src), size = tnsr_source_size(src);
	tnsr_status st = tnsr_source_read(src, prefix, PREFIX, &got);
	if (st)
		return st;
	if (got < PREFIX)
		return tnsr_error(TNSR_E_FORMAT, "%s: truncated: %zu bytes, less than the 8-byte header length", file, got);
	uint64_t n = le64(prefix);
	if (n > TNSR_ST_MAX_HEADER)
		return tnsr_error(TNSR_E_FORMAT, "%s: header: length %llu is over the limit of %d bytes", file,
				  (unsigned long long)n, TNSR_ST_MAX_HEADER);
	bool mapped = tnsr_source_is_mapped(src);
	if (mapped && n > size - start - PREFIX)
		return tnsr_error(TNSR_E_FORMAT, "%s: truncated: the header length is %llu but only %llu bytes follow", file,
				  (unsigned long long)n, (unsigned long long)(size - start - PREFIX));
	char *text = malloc(n ? (size_t)n : 1);
	st_state *s = calloc(1, sizeof *s);
	if (!text || !s) {
		free(text);
		free(s);
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	}
	if (!(st = tnsr_source_read(src, text, (size_t)n, &got)) && got < n)
		st = tnsr_error(TNSR_E_FORMAT, "%s: truncated: the header length is %llu but only %zu bytes follow", file,
				(unsigned long long)n, got);
	s->data_start = start + PREFIX + n;
	if (!st)
		st = tnsr_st_parse_header(file, text, (size_t)n, mapped ? size - s->data_start : UINT64_MAX, &s->h);
	free(text);
	if (st) {
		free_state(s);
		return st;
	}
	*out = s;
	return TNSR_OK;
}

static tnsr_status st_next(tnsr_source *src, void **state, tnsr_member_info *info)
{
	st_state *s = *state;
	tnsr_status st;
	if (!s) {
		if ((st = read_header(src, &s)))
			return st;
		*state = s;
	}
	if (s->index == s->h.count) {
		/* A stream is checked here for what a file's size showed at once. */
		if (!tnsr_source_is_mapped(src) && !tnsr_source_at_end(src))
			return tnsr_error(TNSR_E_FORMAT, "%s: bytes after the last tensor's data (the offsets must cover the "
							 "data section exactly)", tnsr_source_name(src));
		return TNSR_END;
	}
	const tnsr_st_tensor *t = &s->h.tensors[s->index++];
	size_t len = strlen(t->name);
	if (len >= sizeof info->name)
		return tnsr_error(TNSR_E_FORMAT, "%s: tensor name of %zu bytes is too long (at most %zu): '%.64s...'",
				  tnsr_source_name(src), len, sizeof info->name - 1, t->name);
	memcpy(info->name, t->name, len + 1);
	info->format = "safetensors";
	info->dtype = t->dtype;
	info->byteorder = tnsr_dtype_size(t->dtype) == 1 ? '|' : '<';
	info->ndim = t->ndim;
	memcpy(info->shape, t->shape, sizeof t->shape);
	info->fortran_order = false;
	info->nbytes = t->nbytes;
	info->offset = tnsr_source_is_mapped(src) ? (int64_t)(s->data_start + t->begin) : -1;
	return TNSR_OK;
}

static tnsr_status st_metadata(void *state, const tnsr_meta **items, size_t *n)
{
	const st_state *s = state;
	*items = s->h.nmeta ? s->h.meta : NULL;
	*n = s->h.nmeta;
	return TNSR_OK;
}

/* ---------------------------------------------------------------- writing */

/* A growing string; FAILED after an allocation failed. */
typedef struct strbuf {
	char *data;
	size_t len, cap;
	bool failed;
} strbuf;

static void sb_add(strbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *grown = realloc(b->data, cap);
		if (!grown) {
			b->failed = true;
			return;
		}
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = 0;
}

static void sb_puts(strbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

/* S as a JSON string, escaped as serde_json escapes it. */
static void sb_string(strbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	sb_puts(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8] = {'\\', 0, 0};
		switch (*p) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			if (*p >= 0x20) {
				sb_add(b, (const char *)p, 1);
				continue;
			}
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
		}
		sb_puts(b, esc);
	}
	sb_puts(b, "\"");
}

/* A metadata value as safetensors' string: a string as it is, anything else as its
 * JSON text ("42", "true", "[1, 2]"). */
static void sb_meta_value(strbuf *b, const tnsr_meta *m)
{
	strbuf text = {0};
	if (m->type == TNSR_META_STRING && !m->is_array) {
		sb_string(b, *(const char *const *)m->values);
		return;
	}
	if (m->is_array)
		sb_puts(&text, "[");
	for (size_t i = 0; i < m->count; i++) {
		char num[40];
		if (i)
			sb_puts(&text, ", ");
		switch (m->type) {
		case TNSR_META_BOOL: sb_puts(&text, ((const bool *)m->values)[i] ? "true" : "false"); break;
		case TNSR_META_I64:
			snprintf(num, sizeof num, "%lld", (long long)((const int64_t *)m->values)[i]);
			sb_puts(&text, num);
			break;
		case TNSR_META_F64:
			snprintf(num, sizeof num, "%.17g", ((const double *)m->values)[i]);
			sb_puts(&text, num);
			break;
		default: sb_string(&text, ((const char *const *)m->values)[i]); break;
		}
	}
	if (m->is_array)
		sb_puts(&text, "]");
	b->failed |= text.failed;
	sb_string(b, text.data ? text.data : "");
	free(text.data);
}

/* Tensor order of the reference implementation: dtype (largest alignment first), name. */
typedef struct order_item {
	const char *name;
	int rank;
	int index;
} order_item;

static int by_layout(const void *a, const void *b)
{
	const order_item *x = a, *y = b;
	return x->rank != y->rank ? y->rank - x->rank : strcmp(x->name, y->name);
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const tnsr_meta *)a)->key, ((const tnsr_meta *)b)->key);
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

/* The header (length prefix, JSON, space padding) for N tensors of DTYPES and SHAPES
 * named NAMES, their data following in ORDER.  *OUT malloc'd, *LEN bytes. */
static tnsr_status format_header(tnsr_sink *sink, int n, const char *const *names, const tnsr_dtype *dtypes,
				 const int *ndims, const int64_t *const *shapes, const tnsr_meta *meta, size_t nmeta,
				 int *order, char **out, size_t *len)
{
	const char *file = tnsr_sink_name(sink);
	order_item *items = malloc((n > 0 ? (size_t)n : 1) * sizeof *items);
	tnsr_meta *keys = malloc((nmeta ? nmeta : 1) * sizeof *keys);
	strbuf b = {0};
	tnsr_status st = TNSR_OK;
	if (!items || !keys)
		st = tnsr_error(TNSR_E_NOMEM, "out of memory");
	for (int i = 0; i < n && !st; i++) {
		const tnsr_st_dtype *d = tnsr_st_dtype_of(dtypes[i]);
		if (!d)
			st = tnsr_error(TNSR_E_DTYPE, "%s: tensor '%s': %s cannot be stored in .safetensors (it has no complex "
							"dtypes): use .tnsr", file, names[i], tnsr_dtype_name(dtypes[i]));
		else if (strcmp(names[i], TNSR_ST_METADATA_KEY) == 0)
			st = tnsr_error(TNSR_E_VALUE, "%s: a tensor cannot be named '%s' (the key safetensors keeps for "
							"metadata)", file, TNSR_ST_METADATA_KEY);
		else
			items[i] = (order_item){names[i], d->rank, i};
	}
	if (!st) {
		bool failed;
		const char *dup = duplicate_name(names, n, &failed);
		if (failed || dup)
			st = failed ? tnsr_error(TNSR_E_NOMEM, "out of memory")
				    : tnsr_error(TNSR_E_VALUE, "%s: two tensors are named '%s' (names must be unique)", file, dup);
		qsort(items, (size_t)n, sizeof *items, by_layout);
	}
	if (st)
		goto done;
	sb_puts(&b, "{");
	if (nmeta) {
		memcpy(keys, meta, nmeta * sizeof *keys);
		qsort(keys, nmeta, sizeof *keys, by_key);
		sb_puts(&b, "\"__metadata__\":{");
		for (size_t i = 0; i < nmeta; i++) {
			sb_puts(&b, i ? "," : "");
			sb_string(&b, keys[i].key);
			sb_puts(&b, ":");
			sb_meta_value(&b, &keys[i]);
		}
		sb_puts(&b, "}");
	}
	uint64_t offset = 0;
	for (int i = 0; i < n; i++) {
		int k = order[i] = items[i].index;
		char num[48];
		size_t nbytes;
		if ((st = tnsr_shape_size(ndims[k], shapes[k], tnsr_dtype_size(dtypes[k]), NULL, &nbytes)))
			goto done;
		sb_puts(&b, i || nmeta ? "," : "");
		sb_string(&b, names[k]);
		sb_puts(&b, ":{\"dtype\":\"");
		sb_puts(&b, tnsr_st_dtype_of(dtypes[k])->name);
		sb_puts(&b, "\",\"shape\":[");
		for (int d = 0; d < ndims[k]; d++) {
			snprintf(num, sizeof num, "%s%lld", d ? "," : "", (long long)shapes[k][d]);
			sb_puts(&b, num);
		}
		snprintf(num, sizeof num, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)offset,
			 (unsigned long long)(offset + nbytes));
		sb_puts(&b, num);
		offset += nbytes;
	}
	sb_puts(&b, "}");
	while (b.len % 8)
		sb_puts(&b, " ");
	if (b.failed) {
		st = tnsr_error(TNSR_E_NOMEM, "out of memory");
		goto done;
	}
	if (!(*out = malloc(PREFIX + b.len))) {
		st = tnsr_error(TNSR_E_NOMEM, "out of memory");
		goto done;
	}
	for (int i = 0; i < PREFIX; i++)
		(*out)[i] = (char)((uint64_t)b.len >> (8 * i) & 0xff);
	memcpy(*out + PREFIX, b.data, b.len);
	*len = PREFIX + b.len;
done:
	free(items);
	free(keys);
	free(b.data);
	return st;
}

static tnsr_status piece_write(void *sink, const void *data, size_t n) { return tnsr_sink_write(sink, data, n); }

static tnsr_status st_write_many(tnsr_sink *sink, tnsr_tensor *const *tensors, const char *const *names, int n,
				 const tnsr_write_options *options)
{
	size_t count = n > 0 ? (size_t)n : 1;
	tnsr_dtype *dtypes = malloc(count * sizeof *dtypes);
	int *ndims = malloc(count * sizeof *ndims), *order = malloc(count * sizeof *order);
	const int64_t **shapes = malloc(count * sizeof *shapes);
	char *header = NULL;
	size_t hlen;
	tnsr_status st = TNSR_OK;
	if (!dtypes || !ndims || !order || !shapes)
		st = tnsr_error(TNSR_E_NOMEM, "out of memory");
	for (int i = 0; i < n && !st; i++) {
		dtypes[i] = tensors[i]->dtype;
		ndims[i] = tensors[i]->ndim;
		shapes[i] = tensors[i]->shape;
	}
	if (!st)
		st = format_header(sink, n, names, dtypes, ndims, shapes, options ? options->metadata : NULL,
				   options && options->metadata ? options->nmetadata : 0, order, &header, &hlen);
	if (!st)
		st = tnsr_sink_write(sink, header, hlen);
	for (int i = 0; i < n && !st; i++)
		st = tnsr_raw_walk(tensors[order[i]], piece_write, sink);
	free(header);
	free(dtypes);
	free(ndims);
	free(order);
	free(shapes);
	return st;
}

static tnsr_status st_write(tnsr_sink *sink, const tnsr_tensor *t)
{
	const char *name = "arr_0";
	tnsr_tensor *list[1] = {(tnsr_tensor *)t};
	return st_write_many(sink, list, &name, 1, NULL);
}

/* A lone tensor whose little-endian data follows the header as it comes. */
static tnsr_status st_stream_begin(tnsr_sink *sink, tnsr_dtype dtype, int ndim, const int64_t *shape, void **state)
{
	const char *name = "arr_0";
	int order;
	char *header;
	size_t hlen;
	tnsr_status st = format_header(sink, 1, &name, &dtype, &ndim, &shape, NULL, 0, &order, &header, &hlen);
	if (st)
		return st;
	st = tnsr_sink_write(sink, header, hlen);
	free(header);
	return st;
}

const tnsr_codec tnsr_codec_safetensors = {
	.name = "safetensors",
	.extension = ".safetensors",
	.probe = st_probe,
	.next = st_next,
	.close = st_close,
	.write = st_write,
	.stream_begin = st_stream_begin,
	.write_many = st_write_many,
	.metadata = st_metadata,
	.owns_end = true,
};
