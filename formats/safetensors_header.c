/* safetensors_header.c: the safetensors header, parsed by a strict parser for exactly
 * the JSON it needs (objects, strings with every escape, non-negative integers, arrays of
 * them, "__metadata__" of string values) and validated as the format's security review
 * asked: UTF-8, no duplicate keys, known dtypes, sizes that agree, offsets that tile the
 * data section with no gap and no overlap.  Messages give the byte where parsing failed. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "safetensors.h"

static const tnsr_st_dtype st_dtypes[] = {
	{"BOOL", TNSR_BOOL, 0}, {"U8", TNSR_U8, 1},    {"I8", TNSR_I8, 2},     {"I16", TNSR_I16, 5},
	{"U16", TNSR_U16, 6},   {"F16", TNSR_F16, 7},  {"BF16", TNSR_BF16, 8}, {"I32", TNSR_I32, 9},
	{"U32", TNSR_U32, 10},  {"F32", TNSR_F32, 11}, {"F64", TNSR_F64, 12},  {"I64", TNSR_I64, 13},
	{"U64", TNSR_U64, 14},
};
enum { ST_NDTYPES = sizeof st_dtypes / sizeof *st_dtypes };

const tnsr_st_dtype *tnsr_st_dtype_of(tnsr_dtype d)
{
	for (int i = 0; i < ST_NDTYPES; i++)
		if (st_dtypes[i].dtype == d)
			return &st_dtypes[i];
	return NULL;
}

void tnsr_st_header_free(tnsr_st_header *h)
{
	for (size_t i = 0; i < h->count; i++)
		free(h->tensors[i].name);
	for (size_t i = 0; i < h->nmeta; i++) {
		free((char *)h->meta[i].key);
		free(*(char **)h->meta[i].values);
		free((void *)h->meta[i].values);
	}
	free(h->meta);
	free(h->tensors);
	memset(h, 0, sizeof *h);
}

/* ---------------------------------------------------------------- the JSON subset */

typedef struct json {
	const char *text, *p, *end;
	const char *file;
} json;

static tnsr_status json_error(const json *j, const char *what)
{
	return tnsr_error(TNSR_E_FORMAT, "%s: header: byte %zu: %s", j->file, (size_t)(j->p - j->text), what);
}

static void skip_space(json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* Consumes C (after white space) or fails saying what was expected. */
static tnsr_status expect(json *j, char c, const char *what)
{
	skip_space(j);
	if (j->p < j->end && *j->p == c) {
		j->p++;
		return TNSR_OK;
	}
	return json_error(j, what);
}

/* Whether the next character (after white space) is C; consumes it if so. */
static bool accept(json *j, char c)
{
	skip_space(j);
	if (j->p < j->end && *j->p == c) {
		j->p++;
		return true;
	}
	return false;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static tnsr_status read_hex4(json *j, unsigned *out)
{
	*out = 0;
	for (int i = 0; i < 4; i++) {
		int d = j->p < j->end ? hex_digit(*j->p) : -1;
		if (d < 0)
			return json_error(j, "expected 4 hex digits after \\u");
		*out = *out << 4 | (unsigned)d;
		j->p++;
	}
	return TNSR_OK;
}

/* A string into *OUT (malloc'd, NUL-terminated, *LEN bytes: it may hold a NUL). */
static tnsr_status parse_string(json *j, char **out, size_t *len)
{
	tnsr_status st = expect(j, '"', "expected a string");
	if (st)
		return st;
	/* Escapes only shrink: the raw length bounds the decoded one. */
	const char *q = j->p;
	while (q < j->end && *q != '"')
		q += *q == '\\' && q + 1 < j->end ? 2 : 1;
	char *s = malloc((size_t)(q - j->p) + 1), *o = s;
	if (!s)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	for (;;) {
		if (j->p >= j->end) {
			st = json_error(j, "unterminated string");
			break;
		}
		unsigned char c = (unsigned char)*j->p;
		if (c == '"') {
			j->p++;
			break;
		}
		if (c < 0x20) {
			st = json_error(j, "control character in a string (expected it escaped)");
			break;
		}
		if (c != '\\') {
			*o++ = (char)c;
			j->p++;
			continue;
		}
		if (++j->p >= j->end) {
			st = json_error(j, "unterminated string");
			break;
		}
		static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
		const char *e = strchr(from, *j->p);
		if (*j->p && e) {
			*o++ = to[e - from];
			j->p++;
			continue;
		}
		if (*j->p++ != 'u') {
			j->p--;
			st = json_error(j, "invalid escape in a string");
			break;
		}
		unsigned cp, low;
		if ((st = read_hex4(j, &cp)))
			break;
		if (cp >= 0xdc00 && cp < 0xe000) {
			st = json_error(j, "lone low surrogate in a \\u escape");
			break;
		}
		if (cp >= 0xd800 && cp < 0xdc00) {
			if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u') {
				st = json_error(j, "lone high surrogate in a \\u escape");
				break;
			}
			j->p += 2;
			if ((st = read_hex4(j, &low)))
				break;
			if (low < 0xdc00 || low >= 0xe000) {
				st = json_error(j, "high surrogate not followed by a low one in a \\u escape");
				break;
			}
			cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
		}
		if (cp < 0x80) {
			*o++ = (char)cp;
		} else if (cp < 0x800) {
			*o++ = (char)(0xc0 | cp >> 6);
			*o++ = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			*o++ = (char)(0xe0 | cp >> 12);
			*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
			*o++ = (char)(0x80 | (cp & 0x3f));
		} else {
			*o++ = (char)(0xf0 | cp >> 18);
			*o++ = (char)(0x80 | (cp >> 12 & 0x3f));
			*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
			*o++ = (char)(0x80 | (cp & 0x3f));
		}
	}
	if (st) {
		free(s);
		return st;
	}
	*o = 0;
	*out = s;
	*len = (size_t)(o - s);
	return TNSR_OK;
}

/* A non-negative integer, as the reference implementation's usize fields take them. */
static tnsr_status parse_uint(json *j, uint64_t *out)
{
	skip_space(j);
	if (j->p < j->end && *j->p == '-')
		return json_error(j, "negative number (expected an integer >= 0)");
	if (j->p >= j->end || *j->p < '0' || *j->p > '9')
		return json_error(j, "expected an integer");
	if (*j->p == '0' && j->p + 1 < j->end && j->p[1] >= '0' && j->p[1] <= '9')
		return json_error(j, "number with a leading zero");
	uint64_t x = 0;
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
		unsigned d = (unsigned)(*j->p - '0');
		if (x > (UINT64_MAX - d) / 10)
			return json_error(j, "integer too large (expected at most 2^64-1)");
		x = x * 10 + d;
		j->p++;
	}
	if (j->p < j->end && (*j->p == '.' || *j->p == 'e' || *j->p == 'E'))
		return json_error(j, "expected an integer, not a fraction or an exponent");
	*out = x;
	return TNSR_OK;
}

/* "[N, N, ...]" of at most MAX integers; WHAT names the array in messages. */
static tnsr_status parse_uint_array(json *j, uint64_t *values, int max, int *n, const char *what)
{
	char msg[96];
	snprintf(msg, sizeof msg, "expected %s: an array of integers", what);
	tnsr_status st = expect(j, '[', msg);
	*n = 0;
	if (st || accept(j, ']'))
		return st;
	do {
		if (*n == max) {
			snprintf(msg, sizeof msg, "more than %d values in %s", max, what);
			return json_error(j, msg);
		}
		if ((st = parse_uint(j, &values[(*n)++])))
			return st;
	} while (accept(j, ','));
	return expect(j, ']', "expected ',' or ']' in an array");
}

static const char *name_for_message(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%.64s%s", name, strlen(name) > 64 ? "..." : "");
	return buf;
}

/* "FILE: header: byte K: tensor 'NAME': WHY". */
static tnsr_status tensor_error(const json *j, const tnsr_st_tensor *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static tnsr_status tensor_error(const json *j, const tnsr_st_tensor *t, const char *fmt, ...)
{
	char why[300], msg[400], shown[80];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof msg, "tensor '%s': %s", name_for_message(t->name, shown, sizeof shown), why);
	return json_error(j, msg);
}

static tnsr_status field_dtype(json *j, tnsr_st_tensor *t)
{
	char *value;
	size_t len;
	tnsr_status st = parse_string(j, &value, &len);
	if (st)
		return st;
	int d = 0;
	while (d < ST_NDTYPES && (len != strlen(value) || strcmp(value, st_dtypes[d].name) != 0))
		d++;
	if (d < ST_NDTYPES)
		t->dtype = st_dtypes[d].dtype;
	else
		st = tensor_error(j, t, "dtype '%.32s' is not supported (expected one of BOOL, U8, I8, U16, I16, U32, I32, "
					"U64, I64, F16, BF16, F32, F64)", value);
	free(value);
	return st;
}

static tnsr_status field_shape(json *j, tnsr_st_tensor *t)
{
	uint64_t v[TNSR_MAX_DIMS];
	int n;
	tnsr_status st = parse_uint_array(j, v, TNSR_MAX_DIMS, &n, "shape");
	for (int i = 0; i < n && !st; i++)
		if (v[i] > INT64_MAX)
			st = tensor_error(j, t, "dimension %d is %llu (expected at most 2^63-1)", i, (unsigned long long)v[i]);
	if (st)
		return st;
	t->ndim = n;
	for (int i = 0; i < n; i++)
		t->shape[i] = (int64_t)v[i];
	return TNSR_OK;
}

static tnsr_status field_offsets(json *j, tnsr_st_tensor *t)
{
	uint64_t v[2];
	int n;
	tnsr_status st = parse_uint_array(j, v, 2, &n, "data_offsets");
	if (!st && n != 2)
		st = tensor_error(j, t, "data_offsets has %d values (expected [BEGIN, END])", n);
	if (st)
		return st;
	t->begin = v[0];
	t->end = v[1];
	return TNSR_OK;
}

/* The keys of a tensor's entry, each required exactly once. */
static const struct {
	const char *key;
	tnsr_status (*parse)(json *j, tnsr_st_tensor *t);
} fields[] = {{"dtype", field_dtype}, {"shape", field_shape}, {"data_offsets", field_offsets}};
enum { NFIELDS = sizeof fields / sizeof *fields };

/* One tensor's entry: {"dtype": ..., "shape": [...], "data_offsets": [B, E]}. */
static tnsr_status parse_entry(json *j, tnsr_st_tensor *t)
{
	bool seen[NFIELDS] = {false};
	tnsr_status st = expect(j, '{', "expected an object {\"dtype\", \"shape\", \"data_offsets\"} for a tensor");
	if (st || accept(j, '}'))
		goto done;
	do {
		char *key;
		size_t len;
		int k = 0;
		if ((st = parse_string(j, &key, &len)))
			return st;
		while (k < NFIELDS && strcmp(key, fields[k].key) != 0)
			k++;
		if (k == NFIELDS || seen[k])
			st = tensor_error(j, t, "%s key '%.64s' (expected dtype, shape and data_offsets once each)",
					  k == NFIELDS ? "unknown" : "duplicate", key);
		free(key);
		if (st || (st = expect(j, ':', "expected ':' after a key")) || (st = fields[k].parse(j, t)))
			return st;
		seen[k] = true;
	} while (accept(j, ','));
	st = expect(j, '}', "expected ',' or '}' in a tensor's entry");
done:
	for (int k = 0; k < NFIELDS && !st; k++)
		if (!seen[k])
			st = tensor_error(j, t, "no %s", fields[k].key);
	return st;
}

/* "__metadata__": an object of string values, kept as tnsr_meta pairs. */
static tnsr_status parse_metadata(json *j, tnsr_st_header *s)
{
	tnsr_status st = expect(j, '{', "expected an object of strings for __metadata__");
	size_t cap = 0;
	if (st || accept(j, '}'))
		return st;
	do {
		char *key, *value, **slot;
		size_t klen, vlen;
		if ((st = parse_string(j, &key, &klen)))
			return st;
		if (!(st = expect(j, ':', "expected ':' after a key"))) {
			skip_space(j);
			st = j->p < j->end && *j->p == '"' ? parse_string(j, &value, &vlen)
							    : json_error(j, "__metadata__ values must be strings");
		}
		if (st) {
			free(key);
			return st;
		}
		for (size_t i = 0; i < s->nmeta; i++)
			if (strcmp(s->meta[i].key, key) == 0) {
				char msg[160];
				snprintf(msg, sizeof msg, "duplicate key '%.64s' in __metadata__", key);
				free(key);
				free(value);
				return json_error(j, msg);
			}
		if (s->nmeta == cap) {
			tnsr_meta *grown = realloc(s->meta, (cap = cap ? 2 * cap : 8) * sizeof *grown);
			if (!grown) {
				free(key);
				free(value);
				return tnsr_error(TNSR_E_NOMEM, "out of memory");
			}
			s->meta = grown;
		}
		if (!(slot = malloc(sizeof *slot))) {
			free(key);
			free(value);
			return tnsr_error(TNSR_E_NOMEM, "out of memory");
		}
		*slot = value;
		s->meta[s->nmeta++] = (tnsr_meta){key, TNSR_META_STRING, false, 1, slot};
	} while (accept(j, ','));
	return expect(j, '}', "expected ',' or '}' in __metadata__");
}

static int by_offsets(const void *a, const void *b)
{
	const tnsr_st_tensor *x = a, *y = b;
	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	return (x->end > y->end) - (x->end < y->end);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The whole header TEXT (N bytes) into S: tensors in data order, validated against the
 * DATA_SIZE bytes that follow it (UINT64_MAX for a stream: checked as it is read). */
static tnsr_status parse(const char *file, const char *text, size_t n, uint64_t data_size, tnsr_st_header *s)
{
	json j = {text, text, text + n, file};
	size_t cap = 0;
	char msg[400], a[80], b[80];
	tnsr_status st = expect(&j, '{', "expected '{' (the header is a JSON object)");
	bool have_meta = false, empty = !st && accept(&j, '}');
	if (!st && !empty)
		do {
			char *key;
			size_t len;
			if ((st = parse_string(&j, &key, &len)))
				break;
			if (len != strlen(key)) {
				free(key);
				st = json_error(&j, "a tensor name holds a NUL character");
				break;
			}
			if ((st = expect(&j, ':', "expected ':' after a key"))) {
				free(key);
				break;
			}
			if (strcmp(key, TNSR_ST_METADATA_KEY) == 0) {
				free(key);
				if (have_meta) {
					st = json_error(&j, "duplicate key '__metadata__'");
					break;
				}
				have_meta = true;
				if ((st = parse_metadata(&j, s)))
					break;
				continue;
			}
			if (s->count == cap) {
				tnsr_st_tensor *grown = realloc(s->tensors, (cap = cap ? 2 * cap : 16) * sizeof *grown);
				if (!grown) {
					free(key);
					st = tnsr_error(TNSR_E_NOMEM, "out of memory");
					break;
				}
				s->tensors = grown;
			}
			tnsr_st_tensor *t = &s->tensors[s->count++];
			memset(t, 0, sizeof *t);
			t->name = key;
			if ((st = parse_entry(&j, t)))
				break;
		} while (accept(&j, ','));
	if (!st && (empty || !(st = expect(&j, '}', "expected ',' or '}' after a tensor's entry")))) {
		skip_space(&j);
		if (j.p != j.end)
			st = json_error(&j, "bytes after the JSON object (expected only space padding)");
	}
	if (st)
		return st;
	/* Names unique: sorted copies of the pointers, neighbours compared. */
	char **names = malloc((s->count ? s->count : 1) * sizeof *names);
	if (!names)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	for (size_t i = 0; i < s->count; i++)
		names[i] = s->tensors[i].name;
	qsort(names, s->count, sizeof *names, by_name);
	for (size_t i = 0; i + 1 < s->count && !st; i++)
		if (strcmp(names[i], names[i + 1]) == 0)
			st = tnsr_error(TNSR_E_FORMAT, "%s: header: duplicate key '%s'", file, name_for_message(names[i], a, sizeof a));
	free(names);
	if (st)
		return st;
	/* The offsets, sorted, must tile the data section, and each range hold its tensor. */
	if (s->count > 1)
		qsort(s->tensors, s->count, sizeof *s->tensors, by_offsets);
	uint64_t at = 0;
	for (size_t i = 0; i < s->count; i++) {
		tnsr_st_tensor *t = &s->tensors[i];
		uint64_t numel = 1, size = tnsr_dtype_size(t->dtype);
		bool overflow = false;
		for (int d = 0; d < t->ndim; d++)
			overflow |= __builtin_mul_overflow(numel, (uint64_t)t->shape[d], &numel);
		overflow |= __builtin_mul_overflow(numel, size, &t->nbytes) || t->nbytes > INT64_MAX;
		name_for_message(t->name, a, sizeof a);
		if (t->end < t->begin)
			snprintf(msg, sizeof msg, "tensor '%s': data_offsets [%llu, %llu) end before they begin", a,
				 (unsigned long long)t->begin, (unsigned long long)t->end);
		else if (t->begin < at)
			snprintf(msg, sizeof msg, "tensor '%s': data_offsets [%llu, %llu) overlap those of tensor '%s', which "
						  "end at %llu", a, (unsigned long long)t->begin, (unsigned long long)t->end,
				 name_for_message(s->tensors[i - 1].name, b, sizeof b), (unsigned long long)at);
		else if (t->begin > at)
			snprintf(msg, sizeof msg, "tensor '%s': data_offsets [%llu, %llu) leave a gap: bytes [%llu, %llu) of the "
						  "data section belong to no tensor", a, (unsigned long long)t->begin,
				 (unsigned long long)t->end, (unsigned long long)at, (unsigned long long)t->begin);
		else if (overflow)
			snprintf(msg, sizeof msg, "tensor '%s': its shape holds more bytes than a file can", a);
		else if (t->end - t->begin != t->nbytes) {
			char shape[96];
			snprintf(msg, sizeof msg, "tensor '%s': shape %s of %s needs %llu bytes, but data_offsets [%llu, %llu) "
						  "hold %llu", a, tnsr_shape_format(t->ndim, t->shape, shape, sizeof shape),
				 tnsr_st_dtype_of(t->dtype)->name, (unsigned long long)t->nbytes, (unsigned long long)t->begin,
				 (unsigned long long)t->end, (unsigned long long)(t->end - t->begin));
		} else if (data_size != UINT64_MAX && t->end > data_size)
			snprintf(msg, sizeof msg, "truncated: tensor '%s': data_offsets [%llu, %llu) run past the end of the "
						  "data section (%llu bytes)", a, (unsigned long long)t->begin,
				 (unsigned long long)t->end, (unsigned long long)data_size);
		else {
			at = t->end;
			continue;
		}
		return tnsr_error(TNSR_E_FORMAT, "%s: %s", file, msg);
	}
	if (data_size != UINT64_MAX && at != data_size)
		return tnsr_error(TNSR_E_FORMAT, "%s: %llu bytes after the last tensor's data (the offsets must cover the "
						 "data section exactly)", file, (unsigned long long)(data_size - at));
	return TNSR_OK;
}

/* Whether the N bytes of TEXT are valid UTF-8 (no overlongs, surrogates or code points
 * past U+10FFFF); *AT gets the offset of the first bad byte. */
static bool utf8_valid(const unsigned char *text, size_t n, size_t *at)
{
	for (size_t i = 0; i < n;) {
		unsigned c = text[i];
		size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
		if (!len || len > n - i)
			goto bad;
		for (size_t k = 1; k < len; k++) {
			if ((text[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (text[i + k] & 0x3f);
		}
		static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
		if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
			goto bad;
		i += len;
		continue;
	bad:
		*at = i;
		return false;
	}
	return true;
}

tnsr_status tnsr_st_parse_header(const char *file, const char *text, size_t n, uint64_t data_size, tnsr_st_header *h)
{
	size_t bad;
	if (!utf8_valid((const unsigned char *)text, n, &bad))
		return tnsr_error(TNSR_E_FORMAT, "%s: header: not valid UTF-8 (byte %zu: 0x%02x)", file, bad,
				  (unsigned char)text[bad]);
	return parse(file, text, n, data_size, h);
}
