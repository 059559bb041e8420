/* repr_numpy.c: repr(array) as NumPy 1.24 writes it (numpy/core/arrayprint.py with its
 * defaults: floatmode 'maxprec', suppress off, sign '-', legacy off): a FloatingFormat
 * fitted to the shown elements (Dragon4 digits, aligned on the point, scientific when the
 * range asks for it), _formatArray's line wrapping, and the dtype/shape suffixes. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "repr.h"

/* ---------------------------------------------------------------- FloatingFormat */

typedef struct np_float {
	tnsr_dtype dtype;   /* of the values: a complex dtype's parts are f32 or f64 */
	repr_part part;
	repr_dragon4_opts d; /* what each element is printed with */
	/* fitting state */
	int64_t finite, nonfinite;
	bool neginf, any_nonzero;
	double min_abs, max_abs;
	int int_len, frac_len, exp_len;
} np_float;

enum { TEXT_MAX = 320 }; /* one element: precision <= 100 plus paddings of similar size */

typedef struct fit_ctx {
	np_float *f;
	tnsr_dtype dtype; /* of the tensor */
	int pass;
} fit_ctx;

static void fit_visit(void *ctx, const char *elem)
{
	fit_ctx *c = ctx;
	np_float *f = c->f;
	double x = repr_part_of(repr_read(c->dtype, elem), f->part);
	if (!isfinite(x)) {
		if (c->pass == 0) {
			f->nonfinite++;
			f->neginf |= isinf(x) && x < 0;
		}
		return;
	}
	if (c->pass == 0) {
		f->finite++;
		if (x != 0) {
			double a = fabs(x);
			if (!f->any_nonzero || a < f->min_abs)
				f->min_abs = a;
			if (!f->any_nonzero || a > f->max_abs)
				f->max_abs = a;
			f->any_nonzero = true;
		}
		return;
	}
	/* Pass 1: the widths of "int.frac[e+exp]" over the finite values. */
	char buf[TEXT_MAX];
	int n = repr_dragon4(buf, sizeof buf, x, f->dtype, &f->d);
	char *dot = strchr(buf, '.'), *e = strchr(buf, 'e');
	int int_len = (int)(dot - buf);
	int frac_len = (int)((e ? e : buf + n) - dot - 1);
	if (int_len > f->int_len)
		f->int_len = int_len;
	if (frac_len > f->frac_len)
		f->frac_len = frac_len;
	if (e && (int)(buf + n - e - 1) > f->exp_len)
		f->exp_len = (int)(buf + n - e - 1);
}

/* max / min as NumPy computes it: in the values' own type (float16 through float). */
static double ratio_in_dtype(double max, double min, tnsr_dtype dtype)
{
	switch (dtype) {
	case TNSR_F16:
		return tnsr_f16_to_f32(tnsr_f16_from_f64((float)max / (float)min));
	case TNSR_BF16:
		return tnsr_bf16_to_f32(tnsr_bf16_from_f64((float)max / (float)min));
	case TNSR_F32:
		return (float)max / (float)min;
	default:
		return max / min;
	}
}

/* FloatingFormat.__init__ / fillFormat over the shown elements. */
static void np_float_fit(np_float *f, const tnsr_tensor *t, repr_part part, bool sign, int precision,
			 bool summarize, int64_t edge)
{
	memset(f, 0, sizeof *f);
	f->dtype = t->dtype == TNSR_C64 ? TNSR_F32 : t->dtype == TNSR_C128 ? TNSR_F64 : t->dtype;
	f->part = part;
	fit_ctx c = {f, t->dtype, 0};
	repr_visit(t, summarize, edge, fit_visit, &c);

	bool exp_format = f->any_nonzero && (f->max_abs >= 1.0e8 || f->min_abs < 0.0001 ||
					     ratio_in_dtype(f->max_abs, f->min_abs, f->dtype) > 1000.0);
	/* The trial strings: shortest digits up to PRECISION, trailing zeros trimmed. */
	f->d = (repr_dragon4_opts){exp_format, true, precision, -1, true, sign, -1, -1, -1};
	if (f->finite == 0) {
		f->d.pad_left = f->d.pad_right = 0;
	} else {
		c.pass = 1;
		f->int_len = f->frac_len = f->exp_len = 0;
		repr_visit(t, summarize, edge, fit_visit, &c);
		f->d.pad_left = f->int_len;
		if (exp_format) {
			/* Every element then shows as many digits as the longest needs. */
			f->d.precision = f->d.min_digits = f->frac_len;
			f->d.trim_zeros = false;
			f->d.exp_digits = f->exp_len - 1;
			f->d.pad_right = -1;
		} else {
			f->d.min_digits = 0;
			f->d.pad_right = f->frac_len;
		}
	}
	if (f->nonfinite > 0) {
		int offset = (exp_format ? f->d.exp_digits + 2 + f->d.precision : f->d.pad_right) + 1;
		int inf_len = 3 + (sign || f->neginf);
		if (3 - offset > f->d.pad_left)
			f->d.pad_left = 3 - offset;
		if (inf_len - offset > f->d.pad_left)
			f->d.pad_left = inf_len - offset;
	}
}

static int np_float_text(const np_float *f, double x, char *buf, size_t size)
{
	if (isfinite(x))
		return repr_dragon4(buf, size, x, f->dtype, &f->d);
	const char *s = isnan(x) ? (f->d.sign ? "+nan" : "nan")
				 : x < 0 ? "-inf" : f->d.sign ? "+inf" : "inf";
	int pad_right = f->d.scientific ? f->d.exp_digits + 2 + f->d.precision : f->d.pad_right;
	int width = f->d.pad_left + pad_right + 1;
	int len = (int)strlen(s);
	return snprintf(buf, size, "%*s%s", width > len ? width - len : 0, "", s);
}

/* ---------------------------------------------------------------- elements */

typedef struct np_ctx {
	repr_out *o;
	const tnsr_tensor *t;
	const tnsr_print_options *opt;
	bool summarize;
	tnsr_kind kind;
	np_float real, imag;
	int int_width;       /* IntegerFormat: '%{w}d' */
	bool bool_pad;       /* BoolFormat: ' True' beside 'False', except in a 0-d array */
	int64_t step[TNSR_MAX_DIMS];
	int pending;         /* separator spaces not yet written: dropped where the line breaks */
} np_ctx;

static void int_width_visit(void *ctx, const char *elem)
{
	np_ctx *c = ctx;
	repr_value v = repr_read(c->t->dtype, elem);
	char buf[32];
	int n = c->kind == TNSR_KIND_UINT ? snprintf(buf, sizeof buf, "%llu", (unsigned long long)v.u)
					  : snprintf(buf, sizeof buf, "%lld", (long long)v.i);
	if (n > c->int_width)
		c->int_width = n;
}

static int np_text(const np_ctx *c, const char *p, char *buf, size_t size)
{
	repr_value v = repr_read(c->t->dtype, p);
	switch (c->kind) {
	case TNSR_KIND_BOOL:
		return snprintf(buf, size, "%s", v.i ? (c->bool_pad ? " True" : "True") : "False");
	case TNSR_KIND_INT:
		return snprintf(buf, size, "%*lld", c->int_width, (long long)v.i);
	case TNSR_KIND_UINT:
		return snprintf(buf, size, "%*llu", c->int_width, (unsigned long long)v.u);
	case TNSR_KIND_FLOAT:
		return np_float_text(&c->real, v.re, buf, size);
	default:
		break;
	}
	/* Complex: the imaginary part keeps its '+', the 'j' goes before its padding. */
	int n = np_float_text(&c->real, v.re, buf, size);
	char im[TEXT_MAX];
	int m = np_float_text(&c->imag, v.im, im, sizeof im), sp = m;
	while (sp > 0 && im[sp - 1] == ' ')
		sp--;
	return n + snprintf(buf + n, size - (size_t)n, "%.*sj%s", sp, im, im + sp);
}

/* ---------------------------------------------------------------- _formatArray */

/* _extendLine: WORD goes on the current line unless that would pass WIDTH (and the line
 * holds more than its indent), else on a new line indented by HANG. */
static void extend_line(np_ctx *c, const char *word, int len, int64_t width, int64_t hang)
{
	int64_t line = c->o->column + c->pending;
	if (line + len > width && line > hang) {
		repr_newlines(c->o, 1);
		repr_spaces(c->o, hang);
	} else {
		repr_spaces(c->o, c->pending);
	}
	c->pending = 0;
	repr_put(c->o, word, (size_t)len);
}

static void put_word(np_ctx *c, const char *p, int64_t width, int64_t hang)
{
	char buf[2 * TEXT_MAX];
	int n = np_text(c, p, buf, sizeof buf);
	extend_line(c, buf, n, width, hang);
}

/* recurser(): the array at DIM starts here with its '[' in column HANG-1; its lines may
 * run to column WIDTH. */
static void np_recurse(np_ctx *c, int dim, const char *p, int64_t hang, int64_t width)
{
	int left = c->t->ndim - dim;
	if (left == 0) {
		put_word(c, p, width, hang);
		return;
	}
	int64_t n = c->t->shape[dim], edge = c->opt->edgeitems;
	bool cut = c->summarize && 2 * edge < n;
	int64_t lead = cut ? edge : 0, trail = cut ? edge : n;
	int64_t step = c->step[dim];
	repr_puts(c->o, "[");
	if (left == 1) {
		int64_t elem_width = width - 1; /* room for the ',' or ']' after each */
		for (int64_t i = 0; i < lead; i++) {
			put_word(c, p + i * step, elem_width, hang);
			repr_puts(c->o, ",");
			c->pending = 1;
		}
		if (cut) {
			extend_line(c, "...", 3, elem_width, hang);
			repr_puts(c->o, ",");
			c->pending = 1;
		}
		for (int64_t i = trail; i > 1; i--) {
			put_word(c, p + (n - i) * step, elem_width, hang);
			repr_puts(c->o, ",");
			c->pending = 1;
		}
		put_word(c, p + (n - 1) * step, elem_width, hang);
		repr_puts(c->o, "]");
		return;
	}
	/* Rows end in "," and one newline per remaining dim; each after the first is
	 * indented by HANG. */
	bool first = true;
	for (int64_t k = 0; k < lead + cut + trail; k++) {
		if (!first)
			repr_spaces(c->o, hang);
		first = false;
		if (cut && k == lead)
			repr_puts(c->o, "...");
		else
			np_recurse(c, dim + 1, p + (k < lead ? k : n - (lead + cut + trail - k)) * step, hang + 1,
				   width - 1);
		if (k + 1 < lead + cut + trail) {
			repr_puts(c->o, ",");
			repr_newlines(c->o, left - 1);
		}
	}
	repr_puts(c->o, "]");
}

/* ---------------------------------------------------------------- array_repr */

tnsr_status tnsr_repr_numpy(repr_out *o, const tnsr_tensor *t, const tnsr_print_options *opt)
{
	static const char prefix[] = "array(";
	const int64_t plen = (int64_t)sizeof prefix - 1;
	int64_t numel = tnsr_tensor_numel(t);
	/* Dtypes NumPy leaves implied (on a 64-bit Linux): int_, float_, complex_, bool_. */
	bool skip_dtype = numel > 0 && (t->dtype == TNSR_I64 || t->dtype == TNSR_F64 || t->dtype == TNSR_C128 ||
					t->dtype == TNSR_BOOL);

	repr_puts(o, prefix);
	if (numel == 0) {
		char shape[TNSR_MAX_DIMS * 24 + 8];
		repr_puts(o, "[]");
		if (t->ndim != 1) {
			repr_puts(o, ", shape=");
			repr_puts(o, tnsr_shape_format(t->ndim, t->shape, shape, sizeof shape));
		}
	} else {
		np_ctx c = {o, t, opt, !opt->full && numel > opt->threshold, tnsr_dtype_get(t->dtype)->kind,
			    {0}, {0}, 0, t->ndim > 0, {0}, 0};
		int64_t size = (int64_t)tnsr_dtype_size(t->dtype);
		for (int d = 0; d < t->ndim; d++)
			c.step[d] = t->strides[d] * size;
		if (c.kind == TNSR_KIND_INT || c.kind == TNSR_KIND_UINT) {
			repr_visit(t, c.summarize, opt->edgeitems, int_width_visit, &c);
		} else if (c.kind == TNSR_KIND_FLOAT) {
			np_float_fit(&c.real, t, REPR_WHOLE, false, opt->precision, c.summarize, opt->edgeitems);
		} else if (c.kind == TNSR_KIND_COMPLEX) {
			np_float_fit(&c.real, t, REPR_REAL, false, opt->precision, c.summarize, opt->edgeitems);
			np_float_fit(&c.imag, t, REPR_IMAG, true, opt->precision, c.summarize, opt->edgeitems);
		}
		/* The closing ")" or "," counts against the line width. */
		np_recurse(&c, 0, tnsr_tensor_data(t), plen + 1, (int64_t)opt->linewidth - 1);
	}
	if (skip_dtype) {
		repr_puts(o, ")");
		return TNSR_OK;
	}
	repr_puts(o, ",");
	char dtype_str[64];
	snprintf(dtype_str, sizeof dtype_str, "dtype=%s)", tnsr_dtype_get(t->dtype)->full);
	if (o->column + (int64_t)strlen(dtype_str) + 1 > opt->linewidth) {
		repr_newlines(o, 1);
		repr_spaces(o, plen);
	} else {
		repr_puts(o, " ");
	}
	repr_puts(o, dtype_str);
	return TNSR_OK;
}
