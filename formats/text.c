/* text.c: csv, tsv and txt as np.savetxt writes them and np.loadtxt reads them: one
 * row per line (a 1-D tensor one value per line), values split by ',', a tab or a space
 * (txt reads any run of spaces and tabs), '#' comments and blank lines skipped.  Floats
 * are written with the fewest digits that read back as the same value. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "raw.h"
#include "text.h"

enum { OUT_BUFFER = 1 << 20, READ_CHUNK = 1 << 20, MAX_FIELD = 512 };

/* One row per format: how values are separated on writing and on reading. */
typedef struct text_style {
	const char *name;
	char delimiter;  /* written between values; read as the separator unless WHITESPACE */
	bool whitespace; /* read: any run of spaces and tabs separates (loadtxt delimiter=None) */
} text_style;

static const text_style styles[] = {
	{"csv", ',', false},
	{"tsv", '\t', false},
	{"txt", ' ', true},
};

/* ---------------------------------------------------------------- formatting values */

/* Whether TEXT reads back as X in DTYPE (X holds a value of DTYPE exactly). */
static bool reads_back(const char *text, double x, tnsr_dtype dtype)
{
	switch (dtype) {
	case TNSR_F32: return strtof(text, NULL) == (float)x;
	case TNSR_F16: return tnsr_f16_from_f64(strtod(text, NULL)) == tnsr_f16_from_f64(x);
	case TNSR_BF16: return tnsr_bf16_from_f64(strtod(text, NULL)) == tnsr_bf16_from_f64(x);
	default: return strtod(text, NULL) == x;
	}
}

/* Significant digits that always suffice for DTYPE (ceil(p log10 2) + 1). */
static int max_digits(tnsr_dtype dtype)
{
	return dtype == TNSR_F32 ? 9 : dtype == TNSR_F16 ? 5 : dtype == TNSR_BF16 ? 4 : 17;
}

/* The digits of |X| rounded to P significant digits into DIGITS (no point; NUL-
 * terminated), and the decimal exponent of the first.  Returns the number of digits. */
static int rounded_digits(double x, int p, char *digits, int *exp10)
{
	char tmp[48];
	snprintf(tmp, sizeof tmp, "%.*e", p - 1, fabs(x));
	int n = 0;
	const char *s = tmp;
	for (; *s && *s != 'e'; s++)
		if (isdigit((unsigned char)*s))
			digits[n++] = *s;
	digits[n] = 0;
	*exp10 = atoi(s + 1);
	return n;
}

/* Whether the decimal DIGITS (N of them) x 10^(EXP10 - N + 1), with X's sign, reads back as X. */
static bool digits_read_back(const char *digits, int n, int exp10, double x, tnsr_dtype dtype)
{
	char text[64];
	snprintf(text, sizeof text, "%s%.*se%d", x < 0 ? "-" : "", n, digits, exp10 - n + 1);
	return reads_back(text, x, dtype);
}

/* The shortest digits that read back as finite nonzero X.  The correctly rounded P-digit
 * decimal is the closest one, so "P digits suffice" grows with P: search for the least
 * P.  At a power of two the interval of values that read back is narrower below than
 * above, and the other neighbour of X may hold one digit fewer: Python's repr finds it,
 * so look for it too.  Returns the number of digits; *EXP10 the decimal exponent. */
static int shortest_digits(double x, tnsr_dtype dtype, char *digits, int *exp10)
{
	int max = max_digits(dtype), lo = 1, hi = max, n, e;
	char d[24];
	/* Most values of real data need all or nearly all digits: look there first, then
	 * search below the least P known to suffice (HI). */
	n = rounded_digits(x, max - 1, d, &e);
	if (digits_read_back(d, n, e, x, dtype)) {
		hi = max - 1;
		memcpy(digits, d, (size_t)n);
		*exp10 = e;
		n = rounded_digits(x, max - 2, d, &e);
		if (digits_read_back(d, n, e, x, dtype)) {
			hi = max - 2;
			memcpy(digits, d, (size_t)n);
			*exp10 = e;
		} else {
			lo = hi;
		}
	} else {
		lo = hi = max;
		n = rounded_digits(x, max, digits, exp10);
	}
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		n = rounded_digits(x, mid, d, &e);
		if (digits_read_back(d, n, e, x, dtype)) {
			hi = mid;
			memcpy(digits, d, (size_t)n);
			*exp10 = e;
		} else {
			lo = mid + 1;
		}
	}
	n = hi; /* the digits of the least P that suffices are in DIGITS */
	int m;
	double f = frexp(fabs(x), &m);
	if (f == 0.5 && lo > 1) {
		/* The neighbour on the other side of X, with one digit fewer. */
		int fewer = rounded_digits(x, lo - 1, d, &e);
		uint64_t v = strtoull(d, NULL, 10);
		char probe_text[48];
		snprintf(probe_text, sizeof probe_text, "%se%d", d, e - fewer + 1);
		v += strtod(probe_text, NULL) < fabs(x) ? 1 : -1;
		int k = snprintf(d, sizeof d, "%llu", (unsigned long long)v);
		e += k - fewer; /* 999 + 1 = 1000 moves the exponent */
		if (v && digits_read_back(d, k, e, x, dtype)) {
			while (k > 1 && d[k - 1] == '0')
				k--;
			memcpy(digits, d, (size_t)k);
			*exp10 = e;
			n = k;
		}
	}
	return n;
}

/* X as repr() writes it, Python's for a float and NumPy's for float32/float16 scalars:
 * positional for 1e-4 <= |X| < 1e16 ("0.001", "100.0"), scientific otherwise ("1e-05",
 * "1.5e+16").  Returns the length. */
static int format_float(char *out, double x, tnsr_dtype dtype)
{
	if (isnan(x))
		return sprintf(out, "nan");
	if (isinf(x))
		return sprintf(out, x < 0 ? "-inf" : "inf");
	if (x == 0)
		return sprintf(out, signbit(x) ? "-0.0" : "0.0");
	char d[24];
	int e, n = shortest_digits(x, dtype, d, &e), o = 0;
	if (x < 0)
		out[o++] = '-';
	if (fabs(x) < 1e-4 || fabs(x) >= 1e16) { /* NumPy's rule, on the value; Python's for f64 */
		out[o++] = d[0];
		if (n > 1) {
			out[o++] = '.';
			memcpy(out + o, d + 1, (size_t)n - 1);
			o += n - 1;
		}
		return o + sprintf(out + o, "e%c%02d", e < 0 ? '-' : '+', abs(e));
	}
	if (e < 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (int i = 0; i < -e - 1; i++)
			out[o++] = '0';
		memcpy(out + o, d, (size_t)n);
		return o + n;
	}
	for (int i = 0; i <= e; i++)
		out[o++] = i < n ? d[i] : '0';
	out[o++] = '.';
	if (n > e + 1) {
		memcpy(out + o, d + e + 1, (size_t)(n - e - 1));
		return o + n - e - 1;
	}
	out[o++] = '0';
	return o;
}

static int format_value(char *buf, tnsr_dtype dtype, const void *p)
{
	switch (dtype) {
	case TNSR_BOOL: return sprintf(buf, "%d", *(const unsigned char *)p != 0);
	case TNSR_I8: return sprintf(buf, "%d", *(const int8_t *)p);
	case TNSR_I16: return sprintf(buf, "%d", *(const int16_t *)p);
	case TNSR_I32: return sprintf(buf, "%d", *(const int32_t *)p);
	case TNSR_I64: return sprintf(buf, "%lld", (long long)*(const int64_t *)p);
	case TNSR_U8: return sprintf(buf, "%u", *(const uint8_t *)p);
	case TNSR_U16: return sprintf(buf, "%u", *(const uint16_t *)p);
	case TNSR_U32: return sprintf(buf, "%u", *(const uint32_t *)p);
	case TNSR_U64: return sprintf(buf, "%llu", (unsigned long long)*(const uint64_t *)p);
	case TNSR_F16: return format_float(buf, tnsr_f16_to_f32(*(const uint16_t *)p), dtype);
	case TNSR_BF16: return format_float(buf, tnsr_bf16_to_f32(*(const uint16_t *)p), dtype);
	case TNSR_F32: return format_float(buf, *(const float *)p, dtype);
	case TNSR_F64: return format_float(buf, *(const double *)p, dtype);
	case TNSR_C64:
	case TNSR_C128: {
		/* "(re+imj)": np.loadtxt(dtype=complex) reads it, parentheses and all. */
		tnsr_dtype part = dtype == TNSR_C64 ? TNSR_F32 : TNSR_F64;
		double re = part == TNSR_F32 ? ((const float *)p)[0] : ((const double *)p)[0];
		double im = part == TNSR_F32 ? ((const float *)p)[1] : ((const double *)p)[1];
		int o = 0;
		buf[o++] = '(';
		o += format_float(buf + o, re, part);
		if (!signbit(im) || isnan(im))
			buf[o++] = '+';
		o += format_float(buf + o, isnan(im) ? fabs(im) : im, part);
		buf[o++] = 'j';
		buf[o++] = ')';
		buf[o] = 0;
		return o;
	}
	default: return sprintf(buf, "?");
	}
}

int tnsr_text_format_value(char *buf, tnsr_dtype dtype, const void *p)
{
	int n = format_value(buf, dtype, p);
	buf[n] = 0;
	return n;
}

/* ---------------------------------------------------------------- writing */

/* A text encoder that takes the elements in pieces (tnsr_writer streams them). */
typedef struct text_writer {
	tnsr_sink *sink;
	tnsr_dtype dtype;
	size_t itemsize;
	char delimiter;
	int64_t rows, cols, col;  /* a 1-D tensor is one column */
	unsigned char partial[16]; /* an element split between two pieces */
	size_t npartial;
	char *buf;
	size_t used;
} text_writer;

static tnsr_status flush(text_writer *w)
{
	tnsr_status st = w->used ? tnsr_sink_write(w->sink, w->buf, w->used) : TNSR_OK;
	w->used = 0;
	return st;
}

static tnsr_status put_value(text_writer *w, const void *p)
{
	if (w->used > OUT_BUFFER - 128) {
		tnsr_status st = flush(w);
		if (st)
			return st;
	}
	w->used += (size_t)format_value(w->buf + w->used, w->dtype, p);
	w->buf[w->used++] = ++w->col == w->cols ? '\n' : w->delimiter;
	if (w->col == w->cols)
		w->col = 0;
	return TNSR_OK;
}

static tnsr_status text_stream_data(tnsr_sink *sink, void *state, const void *data, size_t n)
{
	text_writer *w = state;
	const unsigned char *p = data;
	tnsr_status st = TNSR_OK;
	if (w->npartial) {
		size_t k = w->itemsize - w->npartial < n ? w->itemsize - w->npartial : n;
		memcpy(w->partial + w->npartial, p, k);
		w->npartial += k;
		p += k;
		n -= k;
		if (w->npartial < w->itemsize)
			return TNSR_OK;
		w->npartial = 0;
		if ((st = put_value(w, w->partial)))
			return st;
	}
	for (; n >= w->itemsize && !st; p += w->itemsize, n -= w->itemsize) {
		unsigned char elem[16];
		memcpy(elem, p, w->itemsize); /* aligned, and in this machine's order */
		if (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
			tnsr_byteswap(w->dtype, elem, 1);
		st = put_value(w, elem);
	}
	if (st)
		return st;
	memcpy(w->partial, p, n); /* less than one element */
	w->npartial = n;
	return TNSR_OK;
}

static tnsr_status text_stream_end(tnsr_sink *sink, void *state, bool failed)
{
	text_writer *w = state;
	tnsr_status st = TNSR_OK;
	/* np.savetxt writes each row of a (R, 0) array as an empty line. */
	for (int64_t r = 0; !failed && !st && w->cols == 0 && r < w->rows; r++) {
		if (w->used == OUT_BUFFER)
			st = flush(w);
		w->buf[w->used++] = '\n';
	}
	if (!failed && !st)
		st = flush(w);
	free(w->buf);
	free(w);
	return st;
}

static tnsr_status text_begin(const text_style *style, tnsr_sink *sink, tnsr_dtype dtype, int ndim,
			      const int64_t *shape, void **state)
{
	if (ndim < 1 || ndim > 2) {
		char s[96];
		return tnsr_error(TNSR_E_SHAPE, "%s: %s holds 1-D or 2-D tensors (as np.savetxt), not shape %s "
				  "(reshape it first: tops reshape)", tnsr_sink_name(sink), style->name,
				  tnsr_shape_format(ndim, shape, s, sizeof s));
	}
	text_writer *w = calloc(1, sizeof *w);
	if (!w || !(w->buf = malloc(OUT_BUFFER))) {
		free(w);
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	}
	w->sink = sink;
	w->dtype = dtype;
	w->itemsize = tnsr_dtype_size(dtype);
	w->delimiter = style->delimiter;
	w->rows = shape[0];
	w->cols = ndim == 2 ? shape[1] : 1;
	*state = w;
	return TNSR_OK;
}

static tnsr_status walk_piece(void *w, const void *data, size_t n) { return text_stream_data(NULL, w, data, n); }

static tnsr_status text_write(const text_style *style, tnsr_sink *sink, const tnsr_tensor *t)
{
	void *w;
	tnsr_status st = text_begin(style, sink, t->dtype, t->ndim, t->shape, &w);
	if (st)
		return st;
	st = tnsr_raw_walk(t, walk_piece, w);
	tnsr_status end = text_stream_end(sink, w, st != TNSR_OK);
	return st ? st : end;
}

/* ---------------------------------------------------------------- parsing values */

/* FIELD (LEN bytes) quoted for a message: at most 40 characters, unprintables escaped. */
static const char *quoted(const char *field, size_t len, char *buf, size_t size)
{
	size_t o = 0;
	buf[o++] = '\'';
	for (size_t i = 0; i < len && o + 8 < size; i++) {
		unsigned char c = (unsigned char)field[i];
		if (i == 40) {
			o += (size_t)snprintf(buf + o, size - o, "...");
			break;
		}
		o += (size_t)snprintf(buf + o, size - o, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
	}
	snprintf(buf + o, size - o, "'");
	return buf;
}

/* What loadtxt's float parser takes: decimal, inf, infinity, nan; no hex, no nan(...). */
static bool plain_float_syntax(const char *s)
{
	for (; *s; s++)
		if (*s == 'x' || *s == 'X' || *s == '(' || *s == 'p' || *s == 'P')
			return false;
	return true;
}

/* Parses the whole of S as a double; false when it is not one. */
static bool parse_double(const char *s, double *x)
{
	char *end;
	if (!*s || !plain_float_syntax(s))
		return false;
	*x = strtod(s, &end);
	return *end == 0;
}

/* Parses a part of a complex value as f32 (SINGLE, correctly rounded) or f64. */
static double parse_part(const char *s, char **end, bool single)
{
	return single ? (double)strtof(s, end) : strtod(s, end);
}

/* A complex value as loadtxt takes it: "1.5", "2j", "1+2j", "(1-2.5j)". */
static bool parse_complex(char *s, bool single, double *re, double *im)
{
	size_t n = strlen(s);
	if (n >= 2 && s[0] == '(' && s[n - 1] == ')') {
		s[n - 1] = 0;
		s++;
		n -= 2;
	}
	if (!n || !plain_float_syntax(s))
		return false;
	char *end;
	*re = parse_part(s, &end, single);
	*im = 0;
	if (end == s)
		return false;
	if (*end == 0)
		return true;
	if ((*end == 'j' || *end == 'J') && end[1] == 0) {
		*im = *re;
		*re = 0;
		return true;
	}
	if (*end != '+' && *end != '-')
		return false;
	char *start = end;
	*im = parse_part(start, &end, single);
	return end != start && (*end == 'j' || *end == 'J') && end[1] == 0;
}

/* The integer range of each integer dtype (bool: any integer, nonzero is true). */
static void int_range(tnsr_dtype dtype, long double *lo, long double *hi)
{
	static const struct { tnsr_dtype dtype; long double lo, hi; } ranges[] = {
		{TNSR_BOOL, -9223372036854775808.0L, 18446744073709551615.0L},
		{TNSR_I8, -128, 127}, {TNSR_I16, -32768, 32767}, {TNSR_I32, -2147483648.0L, 2147483647},
		{TNSR_I64, -9223372036854775808.0L, 9223372036854775807.0L},
		{TNSR_U8, 0, 255}, {TNSR_U16, 0, 65535}, {TNSR_U32, 0, 4294967295.0L},
		{TNSR_U64, 0, 18446744073709551615.0L},
	};
	for (size_t i = 0; i < sizeof ranges / sizeof *ranges; i++)
		if (ranges[i].dtype == dtype) {
			*lo = ranges[i].lo;
			*hi = ranges[i].hi;
		}
}

static void store_int(tnsr_dtype dtype, void *dst, bool negative, uint64_t magnitude)
{
	int64_t v = negative ? (int64_t)(0 - magnitude) : (int64_t)magnitude;
	switch (dtype) {
	case TNSR_BOOL: *(uint8_t *)dst = magnitude != 0; break;
	case TNSR_I8: case TNSR_U8: *(uint8_t *)dst = (uint8_t)v; break;
	case TNSR_I16: case TNSR_U16: { uint16_t x = (uint16_t)v; memcpy(dst, &x, 2); break; }
	case TNSR_I32: case TNSR_U32: { uint32_t x = (uint32_t)v; memcpy(dst, &x, 4); break; }
	default: { uint64_t x = negative ? 0 - magnitude : magnitude; memcpy(dst, &x, 8); }
	}
}

/* An integer of DTYPE: decimal digits with an optional sign (unsigned dtypes take no
 * '-', as NumPy), or a float literal with an integral value ("3.0e+00", NumPy 1.24's
 * deprecated fallback).  Writes the element to DST; returns a message on failure. */
static const char *parse_int(const char *s, tnsr_dtype dtype, void *dst, char *why, size_t size)
{
	long double lo = 0, hi = 0;
	int_range(dtype, &lo, &hi);
	const char *p = s;
	bool negative = *p == '-';
	if (*p == '+' || *p == '-')
		p++;
	size_t ndigits = strspn(p, "0123456789");
	if (ndigits && !p[ndigits]) {
		if (negative && lo == 0 && dtype != TNSR_BOOL)
			return snprintf(why, size, "is negative (expected %s, 0..%.0Lf)", tnsr_dtype_name(dtype), hi), why;
		errno = 0;
		unsigned long long m = strtoull(p, NULL, 10);
		bool over = errno == ERANGE || (negative ? (long double)m > -lo : (long double)m > hi);
		if (over && dtype != TNSR_BOOL)
			return snprintf(why, size, "is out of range for %s (%.0Lf..%.0Lf)", tnsr_dtype_name(dtype), lo, hi), why;
		store_int(dtype, dst, negative, over ? 1 : m);
		return NULL;
	}
	char *end;
	if (!*s || !plain_float_syntax(s))
		return snprintf(why, size, "is not an integer (expected %s)", tnsr_dtype_name(dtype)), why;
	long double x = strtold(s, &end);
	if (*end || isnan(x) || x != floorl(x))
		return snprintf(why, size, "is not an integer (expected %s)", tnsr_dtype_name(dtype)), why;
	if (dtype == TNSR_BOOL) {
		store_int(dtype, dst, false, x != 0);
		return NULL;
	}
	if (x < lo || x > hi)
		return snprintf(why, size, "is out of range for %s (%.0Lf..%.0Lf)", tnsr_dtype_name(dtype), lo, hi), why;
	store_int(dtype, dst, x < 0, (uint64_t)(x < 0 ? -x : x));
	return NULL;
}

/* Parses FIELD (NUL-terminated, trimmed) as one element of DTYPE into DST; NULL on
 * success, else why not. */
static const char *parse_value(char *field, tnsr_dtype dtype, void *dst, char *why, size_t size)
{
	double x, im;
	switch (tnsr_dtype_get(dtype)->kind) {
	case TNSR_KIND_BOOL:
	case TNSR_KIND_INT:
	case TNSR_KIND_UINT: return parse_int(field, dtype, dst, why, size);
	case TNSR_KIND_COMPLEX:
		if (!parse_complex(field, dtype == TNSR_C64, &x, &im))
			return snprintf(why, size, "is not a number (expected %s)", tnsr_dtype_name(dtype)), why;
		if (dtype == TNSR_C64) {
			float v[2] = {(float)x, (float)im};
			memcpy(dst, v, sizeof v);
		} else {
			double v[2] = {x, im};
			memcpy(dst, v, sizeof v);
		}
		return NULL;
	default:
		if (dtype == TNSR_F32) {
			char *end;
			if (!*field || !plain_float_syntax(field))
				return snprintf(why, size, "is not a number (expected f32)"), why;
			float f = strtof(field, &end);
			if (*end)
				return snprintf(why, size, "is not a number (expected f32)"), why;
			memcpy(dst, &f, 4);
			return NULL;
		}
		if (!parse_double(field, &x))
			return snprintf(why, size, "is not a number (expected %s)", tnsr_dtype_name(dtype)), why;
		if (dtype == TNSR_F64) {
			memcpy(dst, &x, 8);
		} else {
			uint16_t h = dtype == TNSR_F16 ? tnsr_f16_from_f64(x) : tnsr_bf16_from_f64(x);
			memcpy(dst, &h, 2);
		}
		return NULL;
	}
}

/* ---------------------------------------------------------------- reading */

/* The values read so far, and where the rows came from (for messages). */
typedef struct text_reader {
	const char *name;
	const text_style *style;
	tnsr_dtype dtype;
	size_t itemsize;
	unsigned char *data;
	size_t count, cap;      /* elements */
	int64_t rows, cols;     /* cols: of the first row, -1 before it */
	int64_t first_row_line;
} text_reader;

static tnsr_status grow(text_reader *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1024, bytes;
	if (cap < t->cap || __builtin_mul_overflow(cap, t->itemsize, &bytes))
		return tnsr_error(TNSR_E_NOMEM, "%s: too many values", t->name);
	unsigned char *d = realloc(t->data, bytes);
	if (!d)
		return tnsr_error(TNSR_E_NOMEM, "%s: out of memory after %zu values", t->name, t->count);
	t->data = d;
	t->cap = cap;
	return TNSR_OK;
}

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f'; }

/* Parses one line (LINE, N bytes, no line terminator; may be modified). */
static tnsr_status parse_line(text_reader *t, char *line, size_t n, int64_t lineno)
{
	char *hash = memchr(line, '#', n);
	if (hash)
		n = (size_t)(hash - line);
	size_t i = 0;
	while (i < n && is_blank(line[i]))
		i++;
	if (i == n)
		return TNSR_OK; /* blank or comment only */
	int64_t col = 0;
	for (;;) {
		/* One field: [start, stop) before trimming. */
		size_t start = i, stop;
		if (t->style->whitespace) {
			while (i < n && !is_blank(line[i]))
				i++;
			stop = i;
		} else {
			char *d = memchr(line + i, t->style->delimiter, n - i);
			stop = i = d ? (size_t)(d - line) : n;
		}
		while (start < stop && is_blank(line[start]))
			start++;
		while (stop > start && is_blank(line[stop - 1]))
			stop--;
		col++;
		char field[MAX_FIELD + 1], why[128], shown[200];
		const char *err = NULL;
		if (t->count == t->cap) {
			tnsr_status st = grow(t);
			if (st)
				return st;
		}
		if (stop == start) {
			err = "empty";
		} else if (stop - start > MAX_FIELD) {
			snprintf(why, sizeof why, "is too long to be a number (expected %s)", tnsr_dtype_name(t->dtype));
			err = why;
		} else {
			memcpy(field, line + start, stop - start);
			field[stop - start] = 0;
			err = parse_value(field, t->dtype, t->data + t->count * t->itemsize, why, sizeof why);
		}
		if (err && stop == start)
			return tnsr_error(TNSR_E_FORMAT, "%s: line %lld, column %lld: empty value (expected %s)", t->name,
					  (long long)lineno, (long long)col, tnsr_dtype_name(t->dtype));
		if (err)
			return tnsr_error(TNSR_E_FORMAT, "%s: line %lld, column %lld: %s %s", t->name, (long long)lineno,
					  (long long)col, quoted(line + start, stop - start, shown, sizeof shown), err);
		t->count++;
		if (t->style->whitespace) {
			while (i < n && is_blank(line[i]))
				i++;
			if (i == n)
				break;
		} else if (i++ == n) {
			break;
		}
	}
	if (t->cols < 0) {
		t->cols = col;
		t->first_row_line = lineno;
	} else if (col != t->cols) {
		return tnsr_error(TNSR_E_FORMAT, "%s: line %lld has %lld value%s, line %lld has %lld (every row needs the "
				  "same number of columns)", t->name, (long long)lineno, (long long)col, col == 1 ? "" : "s",
				  (long long)t->first_row_line, (long long)t->cols);
	}
	t->rows++;
	return TNSR_OK;
}

static const text_style *find_style(const char *format)
{
	if (format && *format == '.')
		format++;
	for (size_t i = 0; format && i < sizeof styles / sizeof *styles; i++)
		if (strcmp(styles[i].name, format) == 0)
			return &styles[i];
	return NULL;
}

/* Reads SRC line by line through a buffer that grows only for a line longer than it.
 * Lines end at "\n", "\r\n" or a lone "\r" (Python's universal newlines). */
static tnsr_status read_lines(text_reader *t, tnsr_source *src)
{
	size_t cap = READ_CHUNK, used = 0, got;
	char *buf = malloc(cap);
	int64_t lineno = 0;
	bool eof = false, first = true;
	tnsr_status st = TNSR_OK;
	if (!buf)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	while (!st && !eof) {
		if (used == cap) {
			char *b = cap * 2 > cap ? realloc(buf, cap * 2) : NULL;
			if (!b) {
				st = tnsr_error(TNSR_E_NOMEM, "%s: line %lld is too long", t->name, (long long)lineno + 1);
				break;
			}
			buf = b;
			cap *= 2;
		}
		if ((st = tnsr_source_read(src, buf + used, cap - used, &got)))
			break;
		eof = got < cap - used;
		used += got;
		size_t start = 0;
		if (first && used >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
			start = 3; /* a UTF-8 byte order mark */
		first = false;
		for (size_t i = start; i < used && !st; i++) {
			if (buf[i] != '\n' && buf[i] != '\r')
				continue;
			if (buf[i] == '\r' && i + 1 == used && !eof)
				break; /* "\r\n" may straddle two reads */
			st = parse_line(t, buf + start, i - start, ++lineno);
			if (buf[i] == '\r' && i + 1 < used && buf[i + 1] == '\n')
				i++;
			start = i + 1;
		}
		if (!st && eof && start < used)
			st = parse_line(t, buf + start, used - start, ++lineno);
		memmove(buf, buf + start, used - start);
		used -= start;
	}
	free(buf);
	return st;
}

tnsr_status tnsr_text_read(tnsr_source *src, const char *format, tnsr_dtype dtype, tnsr_tensor **out)
{
	const text_style *style = find_style(format);
	if (!style)
		return tnsr_error(TNSR_E_USAGE, "text format '%s': unknown (expected csv, tsv or txt)", format ? format : "");
	text_reader t = {.name = tnsr_source_name(src), .style = style, .dtype = dtype,
			 .itemsize = tnsr_dtype_size(dtype), .cols = -1};
	tnsr_status st = read_lines(&t, src);
	int64_t shape[2] = {t.rows, t.cols};
	int ndim = 2;
	/* np.loadtxt's ndmin=0: squeeze the dims of size 1; no value at all gives (0,). */
	if (t.rows == 0) {
		ndim = 1;
		shape[0] = 0;
	} else if (t.rows == 1 && t.cols == 1) {
		ndim = 0;
	} else if (t.rows == 1 || t.cols == 1) {
		ndim = 1;
		shape[0] = t.rows == 1 ? t.cols : t.rows;
	}
	if (!st && !(st = tnsr_tensor_empty(dtype, ndim, shape, out)) && t.count)
		memcpy(tnsr_tensor_data(*out), t.data, t.count * t.itemsize);
	free(t.data);
	return st;
}

/* ---------------------------------------------------------------- the codecs */

/* Never probed: text has no magic bytes.  tconvert reads it when --from or the
 * input's extension names the format; through the generic reader (a future explicit
 * format choice) it reads as loadtxt's default dtype, f64. */
static bool text_probe(const unsigned char *head, size_t n) { return false; }

/* The parsed tensor of a text input, served by text_read from where it stopped. */
typedef struct text_state {
	tnsr_tensor *t;
	size_t done;
} text_state;

static tnsr_status text_next(const text_style *style, tnsr_source *src, void **state, tnsr_member_info *info)
{
	text_state *s;
	tnsr_status st;
	if (*state)
		return TNSR_END; /* one tensor per file */
	if (!(s = calloc(1, sizeof *s)))
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	if ((st = tnsr_text_read(src, style->name, TNSR_F64, &s->t))) {
		free(s);
		return st;
	}
	*state = s;
	info->format = style->name;
	info->dtype = s->t->dtype;
	info->byteorder = '<';
	info->ndim = s->t->ndim;
	memcpy(info->shape, s->t->shape, sizeof s->t->shape);
	info->nbytes = tnsr_tensor_nbytes(s->t);
	info->mappable = false;
	snprintf(info->why_not_mappable, sizeof info->why_not_mappable, "text is parsed into memory");
	return TNSR_OK;
}

static tnsr_status text_read(tnsr_source *src, void *state, void *buf, size_t n, size_t *got)
{
	text_state *s = state;
	size_t left = tnsr_tensor_nbytes(s->t) - s->done, k = n < left ? n : left;
	memcpy(buf, (char *)tnsr_tensor_data(s->t) + s->done, k);
	s->done += k;
	*got = k;
	return TNSR_OK;
}

static void text_close(void *state)
{
	text_state *s = state;
	if (s)
		tnsr_tensor_free(s->t);
	free(s);
}

#define TEXT_CODEC(NAME, INDEX)                                                                              \
	static tnsr_status NAME##_next(tnsr_source *src, void **state, tnsr_member_info *info)                \
	{                                                                                                     \
		return text_next(&styles[INDEX], src, state, info);                                           \
	}                                                                                                     \
	static tnsr_status NAME##_write(tnsr_sink *sink, const tnsr_tensor *t)                              \
	{                                                                                                     \
		return text_write(&styles[INDEX], sink, t);                                                   \
	}                                                                                                     \
	static tnsr_status NAME##_stream_begin(tnsr_sink *sink, tnsr_dtype dtype, int ndim, const int64_t *shape, \
					       void **state)                                                  \
	{                                                                                                     \
		return text_begin(&styles[INDEX], sink, dtype, ndim, shape, state);                           \
	}                                                                                                     \
	const tnsr_codec tnsr_codec_##NAME = {                                                                \
		.name = #NAME,                                                                                \
		.extension = "." #NAME,                                                                       \
		.probe = text_probe,                                                                          \
		.next = NAME##_next,                                                                          \
		.read = text_read,                                                                            \
		.close = text_close,                                                                          \
		.write = NAME##_write,                                                                        \
		.stream_begin = NAME##_stream_begin,                                                          \
		.stream_data = text_stream_data,                                                              \
		.stream_end = text_stream_end,                                                                \
		.owns_end = true,                                                                             \
	}

TEXT_CODEC(csv, 0);
TEXT_CODEC(tsv, 1);
TEXT_CODEC(txt, 2);
