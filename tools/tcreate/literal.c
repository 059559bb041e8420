/* literal.c: reads Python number and nested-list literals into values and a shape, as
 * torch.tensor sees them (the shape follows the first item at each depth; a ragged list
 * is an error), and converts values to elements with PyTorch's overflow rules. */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "literal.h"

/* ---------------------------------------------------------------- the parse tree */

typedef struct node {
	bool is_list;
	size_t n, cap;
	struct node *items; /* is_list: N items */
	lit_value v;        /* !is_list */
} node;

typedef struct parser {
	const char *text, *p;
	char shown[72]; /* TEXT as messages quote it, shortened when long */
} parser;

static tnsr_status fail(const parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static tnsr_status fail(const parser *ps, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return tnsr_error(TNSR_E_USAGE, "literal '%s': %s", ps->shown, why);
}

/* "unexpected ',' at offset 3" or "unexpected end of text" for the cursor's position. */
static const char *unexpected(const parser *ps, char *buf, size_t size)
{
	if (!*ps->p)
		snprintf(buf, size, "unexpected end of text");
	else
		snprintf(buf, size, "unexpected '%c' at offset %td", *ps->p, ps->p - ps->text);
	return buf;
}

static void skip_space(parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

static void node_free(node *n)
{
	if (n->is_list) {
		for (size_t i = 0; i < n->n; i++)
			node_free(&n->items[i]);
		free(n->items);
	}
}

/* ---------------------------------------------------------------- numbers */

/* One unsigned number token: "12", "1.5e-3", ".5", "nan", "inf", each maybe ending in j. */
typedef struct token {
	size_t len;   /* 0: not a number */
	bool is_float, is_imag;
	bool too_big; /* an integer above 2^64 - 1 */
	uint64_t u;   /* integers */
	double d;     /* floats and imaginary parts */
} token;

static bool word_char(char c) { return isalnum((unsigned char)c) || c == '_' || c == '.'; }

static token scan_number(const char *p)
{
	token t = {0};
	const char *q = p;
	if (isdigit((unsigned char)*q) || (*q == '.' && isdigit((unsigned char)q[1]))) {
		while (isdigit((unsigned char)*q))
			q++;
		if (*q == '.') {
			t.is_float = true;
			for (q++; isdigit((unsigned char)*q);)
				q++;
		}
		if ((*q == 'e' || *q == 'E') &&
		    (isdigit((unsigned char)q[1]) || ((q[1] == '+' || q[1] == '-') && isdigit((unsigned char)q[2])))) {
			t.is_float = true;
			for (q += 2; isdigit((unsigned char)*q);)
				q++;
		}
	} else {
		static const char *const names[] = {"infinity", "inf", "nan"};
		for (size_t i = 0; i < sizeof names / sizeof *names; i++)
			if (strncasecmp(p, names[i], strlen(names[i])) == 0) {
				q = p + strlen(names[i]);
				t.is_float = true;
				break;
			}
		if (q == p)
			return t;
	}
	if (*q == 'j' || *q == 'J') {
		t.is_imag = true;
		t.is_float = true;
		q++;
	}
	if (word_char(*q))
		return t; /* "12abc", "1.2.3": not a number */
	t.len = (size_t)(q - p);
	if (t.is_float) {
		char buf[128];
		size_t n = t.len < sizeof buf ? t.len : sizeof buf - 1;
		memcpy(buf, p, n);
		buf[n] = 0;
		t.d = strtod(buf, NULL); /* stops at the j; 1e999 is inf, as in Python */
	} else {
		for (const char *c = p; c < q; c++) {
			unsigned d = (unsigned)(*c - '0');
			if (t.u > (UINT64_MAX - d) / 10)
				t.too_big = true;
			t.u = t.u * 10 + d;
		}
	}
	return t;
}

/* A signed real or imaginary number, optionally followed by "+ IMAGj" / "- IMAGj". */
static tnsr_status parse_number(parser *ps, lit_value *v)
{
	const char *start = ps->p;
	int sign = 1;
	bool signed_ = false;
	while (*ps->p == '+' || *ps->p == '-') {
		if (*ps->p == '-')
			sign = -sign;
		ps->p++;
		signed_ = true;
		skip_space(ps);
	}
	if (!signed_) {
		static const struct { const char *name; int value; } bools[] = {
			{"True", 1}, {"False", 0}, {"true", 1}, {"false", 0},
		};
		for (size_t i = 0; i < sizeof bools / sizeof *bools; i++) {
			size_t n = strlen(bools[i].name);
			if (strncmp(ps->p, bools[i].name, n) == 0 && !word_char(ps->p[n])) {
				*v = (lit_value){.kind = LIT_BOOL, .i = bools[i].value};
				ps->p += n;
				return TNSR_OK;
			}
		}
	}
	token t = scan_number(ps->p);
	if (!t.len) {
		char buf[80];
		if (isalpha((unsigned char)*ps->p) || *ps->p == '_') {
			const char *e = ps->p;
			while (word_char(*e))
				e++;
			return fail(ps, "unknown name '%.*s' at offset %td (expected a number, True, False, nan or inf)",
				    (int)(e - ps->p), ps->p, ps->p - ps->text);
		}
		if (isdigit((unsigned char)*ps->p) || *ps->p == '.') {
			const char *e = ps->p;
			while (word_char(*e))
				e++;
			return fail(ps, "malformed number '%.*s' at offset %td (expected a number like 3, -2.5, 1e-3 or 2j)",
				    (int)(e - ps->p), ps->p, ps->p - ps->text);
		}
		return fail(ps, "%s (expected a number, True, False, nan, inf or '[')", unexpected(ps, buf, sizeof buf));
	}
	ps->p += t.len;
	if (t.is_imag) {
		/* Python: -2j is -(0+2j), whose real part is -0.0. */
		*v = (lit_value){.kind = LIT_COMPLEX, .re = sign < 0 ? -0.0 : 0.0, .im = sign * t.d};
		return TNSR_OK;
	}
	if (t.is_float) {
		*v = (lit_value){.kind = LIT_FLOAT, .re = sign < 0 ? -t.d : t.d};
	} else {
		if (t.too_big || t.u > (uint64_t)INT64_MAX + (sign < 0))
			return fail(ps, "integer '%.*s' at offset %td is out of range (expected -9223372036854775808..9223372036854775807)",
				    (int)(ps->p - start), start, start - ps->text);
		*v = (lit_value){.kind = LIT_INT, .i = sign < 0 ? (int64_t)(0 - t.u) : (int64_t)t.u};
	}
	/* A complex number written as REAL + IMAGj (Python evaluates it as a sum). */
	const char *save = ps->p;
	skip_space(ps);
	if (*ps->p == '+' || *ps->p == '-') {
		int isign = *ps->p == '-' ? -1 : 1;
		const char *q = ps->p + 1;
		while (isspace((unsigned char)*q))
			q++;
		token im = scan_number(q);
		if (im.len && im.is_imag) {
			double re = v->kind == LIT_INT ? (double)v->i : v->re;
			*v = (lit_value){.kind = LIT_COMPLEX, .re = re, .im = isign * im.d};
			ps->p = q + im.len;
			return TNSR_OK;
		}
	}
	ps->p = save;
	return TNSR_OK;
}

/* ---------------------------------------------------------------- lists */

static tnsr_status parse_value(parser *ps, node *out, int depth)
{
	char buf[80];
	*out = (node){0};
	skip_space(ps);
	if (*ps->p != '[')
		return parse_number(ps, &out->v);
	if (depth >= TNSR_MAX_DIMS)
		return fail(ps, "lists nested deeper than %d levels at offset %td (expected at most %d dimensions)",
			    TNSR_MAX_DIMS, ps->p - ps->text, TNSR_MAX_DIMS);
	out->is_list = true;
	ps->p++;
	skip_space(ps);
	if (*ps->p == ']') {
		ps->p++;
		return TNSR_OK;
	}
	for (;;) {
		if (out->n == out->cap) {
			size_t cap = out->cap ? 2 * out->cap : 4;
			node *items = realloc(out->items, cap * sizeof *items);
			if (!items)
				return tnsr_error(TNSR_E_NOMEM, "literal: out of memory");
			out->items = items;
			out->cap = cap;
		}
		/* counted before it is checked, so that a failed item's own lists are freed too */
		tnsr_status st = parse_value(ps, &out->items[out->n++], depth + 1);
		if (st)
			return st;
		skip_space(ps);
		if (*ps->p == ',') {
			ps->p++;
			skip_space(ps);
			if (*ps->p != ']') /* a trailing comma is allowed, as in Python */
				continue;
		}
		if (*ps->p == ']') {
			ps->p++;
			return TNSR_OK;
		}
		return fail(ps, "%s (expected ',' or ']')", unexpected(ps, buf, sizeof buf));
	}
}

/* Checks that N has the shape L->shape from depth DEPTH down; PATH names N ("[1][0]"). */
static tnsr_status check_shape(const parser *ps, const node *n, const literal *l, int depth, char *path, size_t len)
{
	if (depth == l->ndim) {
		if (n->is_list)
			return fail(ps, "ragged nested list: a list at %s where a number is expected (expected every item at depth %d to be a number, as the first one)",
				    path, depth);
		return TNSR_OK;
	}
	if (!n->is_list)
		return fail(ps, "ragged nested list: a number at %s where a list of length %lld is expected (expected every item at depth %d to be a list, as the first one)",
			    path, (long long)l->shape[depth], depth);
	if ((int64_t)n->n != l->shape[depth])
		return fail(ps, "ragged nested list: length %zu at %s != %lld (expected every list at depth %d to have the length of the first)",
			    n->n, depth ? path : "the top", (long long)l->shape[depth], depth);
	for (size_t i = 0; i < n->n; i++) {
		snprintf(path + len, 24, "[%zu]", i);
		tnsr_status st = check_shape(ps, &n->items[i], l, depth + 1, path, strlen(path));
		path[len] = 0;
		if (st)
			return st;
	}
	return TNSR_OK;
}

static void flatten(const node *n, literal *l)
{
	if (!n->is_list) {
		if (n->v.kind > l->kind)
			l->kind = n->v.kind;
		l->values[l->count++] = n->v;
		return;
	}
	for (size_t i = 0; i < n->n; i++)
		flatten(&n->items[i], l);
}

tnsr_status literal_parse(const char *text, literal *out)
{
	parser ps = {.text = text, .p = text};
	size_t len = strlen(text);
	if (len < sizeof ps.shown)
		memcpy(ps.shown, text, len + 1);
	else
		snprintf(ps.shown, sizeof ps.shown, "%.*s...", (int)sizeof ps.shown - 4, text);
	*out = (literal){.kind = LIT_FLOAT};

	node root;
	char buf[80];
	tnsr_status st = parse_value(&ps, &root, 0);
	if (!st) {
		skip_space(&ps);
		if (*ps.p)
			st = fail(&ps, "%s (expected the end of the literal%s)", unexpected(&ps, buf, sizeof buf),
				  *ps.p == '+' || *ps.p == '-' ? "; a complex number is written like 1+2j" : "");
	}
	if (!st) {
		/* torch.tensor's rule: the shape is that of the first item at each depth. */
		for (const node *n = &root; n->is_list; n = &n->items[0]) {
			out->shape[out->ndim++] = (int64_t)n->n;
			if (n->n == 0)
				break;
		}
		char path[TNSR_MAX_DIMS * 24] = "";
		st = check_shape(&ps, &root, out, 0, path, 0);
	}
	if (!st) {
		int64_t numel;
		st = tnsr_shape_size(out->ndim, out->shape, sizeof(lit_value), &numel, NULL);
		if (!st && !(out->values = malloc((size_t)(numel ? numel : 1) * sizeof *out->values)))
			st = tnsr_error(TNSR_E_NOMEM, "literal: out of memory");
		if (!st) {
			out->kind = LIT_BOOL;
			flatten(&root, out);
			if (out->count == 0)
				out->kind = LIT_FLOAT; /* torch.tensor([]) is float32 */
		}
	}
	node_free(&root);
	if (st)
		literal_free(out);
	return st;
}

void literal_free(literal *l)
{
	free(l->values);
	l->values = NULL;
	l->count = 0;
}

tnsr_status literal_parse_number(const char *what, const char *text, lit_value *out)
{
	parser ps = {.text = text, .p = text};
	skip_space(&ps);
	tnsr_status st = *ps.p == '[' ? TNSR_E_USAGE : parse_number(&ps, out);
	skip_space(&ps);
	if (st || *ps.p)
		return tnsr_error(TNSR_E_USAGE, "%s: '%s' is not a number (expected e.g. 3, -2.5, 1e-3, nan, True or 1+2j)",
				  what, text);
	return TNSR_OK;
}

tnsr_dtype literal_default_dtype(lit_kind kind)
{
	static const tnsr_dtype dtypes[] = {[LIT_BOOL] = TNSR_BOOL, [LIT_INT] = TNSR_I64,
					     [LIT_FLOAT] = TNSR_F32, [LIT_COMPLEX] = TNSR_C64};
	return dtypes[kind];
}

/* ---------------------------------------------------------------- conversion */

/* The shortest "%.*g" that reads back as X, as Python's repr (which writes "2.0" for a
 * float and "2" for a part of a complex: POINT says which). */
static void format_double(double x, bool point, char *buf, size_t size)
{
	if (isnan(x) || isinf(x)) {
		snprintf(buf, size, "%s", isnan(x) ? "nan" : x > 0 ? "inf" : "-inf");
		return;
	}
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, size, "%.*g", p, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	if (point && !strpbrk(buf, ".en") && strlen(buf) + 2 < size)
		strcat(buf, ".0");
}

char *literal_format(const lit_value *v, char *buf, size_t size)
{
	char re[40], im[40];
	switch (v->kind) {
	case LIT_BOOL: snprintf(buf, size, "%s", v->i ? "True" : "False"); break;
	case LIT_INT: snprintf(buf, size, "%lld", (long long)v->i); break;
	case LIT_FLOAT: format_double(v->re, true, buf, size); break;
	case LIT_COMPLEX:
		format_double(v->re, false, re, sizeof re);
		format_double(fabs(v->im), false, im, sizeof im);
		if (v->re == 0 && !signbit(v->re))
			snprintf(buf, size, "%s%sj", signbit(v->im) ? "-" : "", im); /* 2j, -2j */
		else
			snprintf(buf, size, "(%s%s%sj)", re, signbit(v->im) ? "-" : "+", im);
		break;
	}
	return buf;
}

/* Integer dtypes: the range PyTorch's overflow check allows. */
static const struct int_limits {
	tnsr_dtype dtype;
	int64_t min;
	uint64_t max;
} int_table[] = {
	{TNSR_I8, INT8_MIN, INT8_MAX},     {TNSR_I16, INT16_MIN, INT16_MAX}, {TNSR_I32, INT32_MIN, INT32_MAX},
	{TNSR_I64, INT64_MIN, INT64_MAX},  {TNSR_U8, 0, UINT8_MAX},          {TNSR_U16, 0, UINT16_MAX},
	{TNSR_U32, 0, UINT32_MAX},         {TNSR_U64, 0, UINT64_MAX},
};

static const struct int_limits *int_limits(tnsr_dtype d)
{
	for (size_t i = 0; i < sizeof int_table / sizeof *int_table; i++)
		if (int_table[i].dtype == d)
			return &int_table[i];
	return NULL;
}

/* The largest finite value of a floating dtype or of a complex dtype's parts. */
static double float_max(tnsr_dtype d)
{
	switch (d) {
	case TNSR_F16: return 65504.0;
	case TNSR_BF16: return 0x1.fep127;
	case TNSR_F32: case TNSR_C64: return FLT_MAX;
	default: return DBL_MAX;
	}
}

/* Stores the low bytes of the two's-complement BITS as an integer of dtype D.  DST need
 * not be aligned (callers pass byte buffers). */
static void put_int(tnsr_dtype d, void *dst, uint64_t bits)
{
	uint8_t b8 = (uint8_t)bits;
	uint16_t b16 = (uint16_t)bits;
	uint32_t b32 = (uint32_t)bits;
	switch (tnsr_dtype_size(d)) {
	case 1: memcpy(dst, &b8, 1); break;
	case 2: memcpy(dst, &b16, 2); break;
	case 4: memcpy(dst, &b32, 4); break;
	default: memcpy(dst, &bits, 8); break;
	}
}

/* A real X into the floating dtype D (f16, bf16, f32, f64, or one part of c64/c128).
 * PyTorch converts through float for f16 and bf16 (c10::Half(float)), so do we. */
static void put_float(tnsr_dtype d, void *dst, double x)
{
	uint16_t h;
	float f = (float)x;
	switch (d) {
	case TNSR_F16: h = tnsr_f16_from_f64((double)f); memcpy(dst, &h, 2); break;
	case TNSR_BF16: h = tnsr_bf16_from_f64((double)f); memcpy(dst, &h, 2); break;
	case TNSR_F32: case TNSR_C64: memcpy(dst, &f, 4); break;
	default: memcpy(dst, &x, 8); break;
	}
}

static tnsr_status out_of_range(const lit_value *v, tnsr_dtype d, const char *expected)
{
	char buf[96];
	return tnsr_error(TNSR_E_USAGE, "value %s is out of range for %s (expected %s)", literal_format(v, buf, sizeof buf),
			  tnsr_dtype_name(d), expected);
}

/* V (bool or int) into an integer dtype, with c10's overflow check: negative values
 * wrap into an unsigned type when their magnitude fits (-1 -> 255 for u8). */
static tnsr_status store_int_from_int(tnsr_dtype d, void *dst, const lit_value *v)
{
	const struct int_limits *lim = int_limits(d);
	char expected[96];
	if (lim->min == 0) {
		if (v->i < 0 ? (0 - (uint64_t)v->i) > lim->max : (uint64_t)v->i > lim->max) {
			snprintf(expected, sizeof expected, "-%llu..%llu; negative integers wrap around, as in PyTorch",
				 (unsigned long long)lim->max, (unsigned long long)lim->max);
			return out_of_range(v, d, expected);
		}
	} else if (v->i < lim->min || (v->i > 0 && (uint64_t)v->i > lim->max)) {
		snprintf(expected, sizeof expected, "%lld..%llu", (long long)lim->min, (unsigned long long)lim->max);
		return out_of_range(v, d, expected);
	}
	put_int(d, dst, (uint64_t)v->i);
	return TNSR_OK;
}

/* A real X into an integer dtype: truncated toward zero, refused when out of range. */
static tnsr_status store_int_from_float(tnsr_dtype d, void *dst, const lit_value *v, double x)
{
	const struct int_limits *lim = int_limits(d);
	char expected[96], buf[96];
	if (isnan(x) || isinf(x))
		return tnsr_error(TNSR_E_USAGE, "value %s cannot be converted to %s (expected a finite number)",
				  literal_format(v, buf, sizeof buf), tnsr_dtype_name(d));
	/* c10 compares with max as a double; 2^63 and 2^64 themselves do not fit either. */
	if (x < (double)lim->min || x > (double)lim->max || x >= 0x1p64 || (lim->min < 0 && x >= 0x1p63)) {
		snprintf(expected, sizeof expected, "%lld..%llu", (long long)lim->min, (unsigned long long)lim->max);
		return out_of_range(v, d, expected);
	}
	put_int(d, dst, lim->min < 0 ? (uint64_t)(int64_t)x : (uint64_t)x);
	return TNSR_OK;
}

tnsr_status literal_store(tnsr_dtype d, void *dst, const lit_value *v, lit_mode mode)
{
	char buf[96], expected[96];
	tnsr_kind kind = tnsr_dtype_get(d)->kind;
	if (kind == TNSR_KIND_BOOL) {
		/* "!= 0"; a Scalar (torch.full) drops the imaginary part first, a list item does not. */
		bool nz = v->kind <= LIT_INT ? v->i != 0
					     : v->re != 0 || (v->kind == LIT_COMPLEX && mode == LIT_AS_TENSOR && v->im != 0);
		*(uint8_t *)dst = (uint8_t)nz;
		return TNSR_OK;
	}
	if (v->kind == LIT_COMPLEX && kind != TNSR_KIND_COMPLEX) {
		/* torch.tensor refuses a complex item for a real dtype; torch.full only one whose
		 * imaginary part is not zero. */
		if (mode == LIT_AS_TENSOR)
			return tnsr_error(TNSR_E_USAGE, "value %s is complex and cannot be converted to %s (expected a complex or bool dtype)",
					  literal_format(v, buf, sizeof buf), tnsr_dtype_name(d));
		if (v->im != 0)
			return tnsr_error(TNSR_E_USAGE, "value %s has a nonzero imaginary part and cannot be converted to %s (expected a real value, or a complex dtype)",
					  literal_format(v, buf, sizeof buf), tnsr_dtype_name(d));
	}
	bool is_int = v->kind <= LIT_INT;
	if (kind == TNSR_KIND_INT || kind == TNSR_KIND_UINT)
		return is_int ? store_int_from_int(d, dst, v) : store_int_from_float(d, dst, v, v->re);

	double max = float_max(d), re, im = v->kind == LIT_COMPLEX ? v->im : 0;
	if (mode == LIT_AS_FULL) {
		/* c10::checked_convert: a finite value beyond the dtype's largest is refused. */
		re = is_int ? (double)v->i : v->re;
		if ((isfinite(re) && fabs(re) > max) || (isfinite(im) && fabs(im) > max)) {
			snprintf(expected, sizeof expected, "|value| <= %g, inf or nan", max);
			return out_of_range(v, d, expected);
		}
		/* c10::convert casts an integer straight to float (no detour through double). */
		if (is_int && (d == TNSR_F32 || d == TNSR_C64 || d == TNSR_F16 || d == TNSR_BF16))
			re = (double)(float)v->i;
	} else {
		/* store_scalar: THPUtils_unpackDouble, then a cast; no check for floating dtypes. */
		re = is_int ? (double)v->i : v->re;
	}
	size_t part = kind == TNSR_KIND_COMPLEX ? tnsr_dtype_size(d) / 2 : 0;
	put_float(d, dst, re);
	if (part)
		put_float(d, (char *)dst + part, im);
	return TNSR_OK;
}

tnsr_status literal_to_tensor(const literal *l, const char *text, tnsr_dtype dtype, tnsr_tensor **out)
{
	tnsr_status st = tnsr_tensor_empty(dtype, l->ndim, l->shape, out);
	if (st)
		return st;
	char *p = tnsr_tensor_data(*out);
	size_t size = tnsr_dtype_size(dtype);
	for (size_t i = 0; i < l->count; i++) {
		if ((st = literal_store(dtype, p + i * size, &l->values[i], LIT_AS_TENSOR))) {
			tnsr_tensor_free(*out);
			*out = NULL;
			char prefix[96];
			snprintf(prefix, sizeof prefix, "literal '%.60s%s'", text, strlen(text) > 60 ? "..." : "");
			return tnsr_error_prefix(st, prefix);
		}
	}
	return TNSR_OK;
}
