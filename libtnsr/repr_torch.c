/* repr_torch.c: repr(tensor) as PyTorch 1.13 writes it (torch/_tensor_str.py): one
 * formatter per tensor (two for complex: real and imaginary parts) fitted to the shown
 * elements, fixed or scientific notation, elements packed into lines of `linewidth`,
 * nested brackets, and the dtype/size suffixes. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "repr.h"

/* ---------------------------------------------------------------- the formatter */

/* torch._tensor_str._Formatter: for floating values, integer mode ("1."), scientific
 * mode ("1.0000e+10") or fixed ("1.5000"); every element is right-aligned to MAX_WIDTH. */
typedef struct torch_fmt {
	tnsr_kind kind;   /* of the values formatted (a complex tensor's parts are FLOAT) */
	repr_part part;
	int precision;
	bool int_mode, sci_mode;
	int max_width;
	/* fitting state */
	bool any;         /* a non-zero finite value was seen */
	double min_abs, max_abs;
} torch_fmt;

/* Python's "{:.Nf}" / "{:.Ne}" of a float, including its "nan", "inf" and "-inf". */
static int py_float(char *buf, size_t size, double v, int precision, char conv)
{
	if (isnan(v))
		return snprintf(buf, size, "nan");
	if (isinf(v))
		return snprintf(buf, size, v < 0 ? "-inf" : "inf");
	return snprintf(buf, size, conv == 'e' ? "%.*e" : "%.*f", precision, v);
}

/* The element's text before padding to the formatter's width. */
static int torch_text(const torch_fmt *f, repr_value v, char *buf, size_t size)
{
	switch (f->kind) {
	case TNSR_KIND_BOOL:
		return snprintf(buf, size, "%s", v.i ? "True" : "False");
	case TNSR_KIND_INT:
		return snprintf(buf, size, "%lld", (long long)v.i);
	case TNSR_KIND_UINT:
		return snprintf(buf, size, "%llu", (unsigned long long)v.u);
	default:
		break;
	}
	double x = repr_part_of(v, f->part);
	if (f->sci_mode)
		return py_float(buf, size, x, f->precision, 'e');
	if (f->int_mode) {
		int n = py_float(buf, size, x, 0, 'f');
		if (isfinite(x) && n + 1 < (int)size) {
			buf[n++] = '.';
			buf[n] = '\0';
		}
		return n;
	}
	return py_float(buf, size, x, f->precision, 'f');
}

typedef struct fit_ctx {
	torch_fmt *f;
	tnsr_dtype dtype;
	int pass;
} fit_ctx;

enum { TEXT_MAX = 256 }; /* one element's text: precision <= 100, |x| < 1e8 unless sci */

static void fit_visit(void *ctx, const char *elem)
{
	fit_ctx *c = ctx;
	torch_fmt *f = c->f;
	repr_value v = repr_read(c->dtype, elem);
	char buf[TEXT_MAX];
	if (f->kind != TNSR_KIND_FLOAT) {
		int n = torch_text(f, v, buf, sizeof buf);
		if (n > f->max_width)
			f->max_width = n;
		return;
	}
	double x = repr_part_of(v, f->part);
	if (!isfinite(x) || x == 0)
		return;
	if (c->pass == 0) {
		double a = fabs(x);
		if (!f->any || a < f->min_abs)
			f->min_abs = a;
		if (!f->any || a > f->max_abs)
			f->max_abs = a;
		f->any = true;
		if (x != ceil(x))
			f->int_mode = false;
		return;
	}
	int n = torch_text(f, v, buf, sizeof buf);
	if (n > f->max_width)
		f->max_width = n;
}

/* Fits F to the shown elements of T, as _Formatter.__init__ does over get_summarized_data. */
static void torch_fit(torch_fmt *f, const tnsr_tensor *t, repr_part part, int precision, bool summarize,
		      int64_t edge)
{
	tnsr_kind kind = tnsr_dtype_get(t->dtype)->kind;
	*f = (torch_fmt){kind == TNSR_KIND_COMPLEX ? TNSR_KIND_FLOAT : kind, part, precision, true, false, 1,
			 false, 0, 0};
	fit_ctx c = {f, t->dtype, 0};
	repr_visit(t, summarize, edge, fit_visit, &c);
	if (f->kind != TNSR_KIND_FLOAT || !f->any)
		return;
	bool wide = f->max_abs / f->min_abs > 1000.0 || f->max_abs > 1.0e8;
	f->sci_mode = f->int_mode ? wide : wide || f->min_abs < 1.0e-4;
	c.pass = 1;
	repr_visit(t, summarize, edge, fit_visit, &c);
}

/* ---------------------------------------------------------------- printing */

typedef struct torch_ctx {
	repr_out *o;
	const tnsr_tensor *t;
	const tnsr_print_options *opt;
	bool summarize;
	bool complex;
	torch_fmt real, imag;
	int64_t step[TNSR_MAX_DIMS]; /* bytes */
} torch_ctx;

static void put_padded(repr_out *o, const char *s, int n, int width)
{
	repr_spaces(o, width - n);
	repr_put(o, s, (size_t)n);
}

/* One element: "1.5000", or for complex "1.0000+2.0000j" (the imaginary part's padding
 * dropped, its sign serving as the joint). */
static void put_elem(torch_ctx *c, const char *p)
{
	repr_value v = repr_read(c->t->dtype, p);
	char buf[TEXT_MAX];
	int n = torch_text(&c->real, v, buf, sizeof buf);
	put_padded(c->o, buf, n, c->real.max_width);
	if (!c->complex)
		return;
	n = torch_text(&c->imag, v, buf, sizeof buf);
	if (buf[0] != '+' && buf[0] != '-')
		repr_puts(c->o, "+");
	repr_put(c->o, buf, (size_t)n);
	repr_puts(c->o, "j");
}

/* _vector_str: elements (and " ..." as one more) joined by ", ", a fixed number per line. */
static void put_vector(torch_ctx *c, int dim, const char *p, int64_t indent)
{
	int64_t elem_len = c->real.max_width + 2 + (c->complex ? c->imag.max_width + 1 : 0);
	int64_t room = c->opt->linewidth - indent;
	int64_t per_line = room > 0 ? room / elem_len : 0;
	if (per_line < 1)
		per_line = 1;
	int64_t n = c->t->shape[dim], edge = c->opt->edgeitems, k = 0;
	bool cut = c->summarize && n > 2 * edge;
	repr_puts(c->o, "[");
	for (int64_t i = 0; i < n; i++, k++) {
		if (k > 0) {
			if (k % per_line == 0) {
				repr_puts(c->o, ",\n");
				repr_spaces(c->o, indent + 1);
			} else {
				repr_puts(c->o, ", ");
			}
		}
		if (cut && i == edge) {
			repr_puts(c->o, " ...");
			i = n - edge - 1;
			continue;
		}
		put_elem(c, p + i * c->step[dim]);
	}
	repr_puts(c->o, "]");
}

/* _tensor_str_with_formatter: sub-tensors joined by "," and ndim-1 newlines. */
static void put_tensor(torch_ctx *c, int dim, const char *p, int64_t indent)
{
	int left = c->t->ndim - dim;
	if (left == 0) {
		put_elem(c, p);
		return;
	}
	if (left == 1) {
		put_vector(c, dim, p, indent);
		return;
	}
	int64_t n = c->t->shape[dim], edge = c->opt->edgeitems;
	bool cut = c->summarize && n > 2 * edge;
	repr_puts(c->o, "[");
	for (int64_t i = 0; i < n; i++) {
		if (i > 0) {
			repr_puts(c->o, ",");
			repr_newlines(c->o, left - 1);
			repr_spaces(c->o, indent + 1);
		}
		if (cut && i == edge) {
			repr_puts(c->o, "...");
			i = n - edge - 1;
			continue;
		}
		put_tensor(c, dim + 1, p + i * c->step[dim], indent + 1);
	}
	repr_puts(c->o, "]");
}

/* _add_suffixes: ", SUFFIX" on the last line while it fits in linewidth, else on a new
 * line indented like the contents.  Python measures the last line two characters long. */
static void put_suffixes(repr_out *o, char suffixes[][1024], int n, int64_t indent, int linewidth)
{
	int64_t last = o->column + 2;
	for (int i = 0; i < n; i++) {
		int64_t len = (int64_t)strlen(suffixes[i]);
		if (last + len + 2 > linewidth) {
			repr_puts(o, ",\n");
			repr_spaces(o, indent);
			last = indent + len;
		} else {
			repr_puts(o, ", ");
			last += len + 2;
		}
		repr_puts(o, suffixes[i]);
	}
	repr_puts(o, ")");
}

tnsr_status tnsr_repr_torch(repr_out *o, const tnsr_tensor *t, const tnsr_print_options *opt)
{
	static const char prefix[] = "tensor(";
	const int64_t indent = (int64_t)sizeof prefix - 1;
	char suffixes[2][1024];
	int nsuffix = 0;
	/* Dtypes PyTorch leaves implied: the default float, its complex, int64 and bool. */
	bool implied = t->dtype == TNSR_F32 || t->dtype == TNSR_C64 || t->dtype == TNSR_I64 ||
		       t->dtype == TNSR_BOOL;
	int64_t numel = tnsr_tensor_numel(t);

	repr_puts(o, prefix);
	if (numel == 0) {
		/* No element shows the dtype, so only float32 goes without; the size is shown
		 * unless it is (0,). */
		char shape[TNSR_MAX_DIMS * 24 + 8];
		if (t->ndim != 1)
			snprintf(suffixes[nsuffix++], sizeof suffixes[0], "size=%s",
				 tnsr_shape_format(t->ndim, t->shape, shape, sizeof shape));
		implied = t->dtype == TNSR_F32;
		repr_puts(o, "[]");
	} else {
		torch_ctx c = {o, t, opt, !opt->full && numel > opt->threshold, false, {0}, {0}, {0}};
		int64_t size = (int64_t)tnsr_dtype_size(t->dtype);
		for (int d = 0; d < t->ndim; d++)
			c.step[d] = t->strides[d] * size;
		c.complex = tnsr_dtype_is_complex(t->dtype);
		torch_fit(&c.real, t, c.complex ? REPR_REAL : REPR_WHOLE, opt->precision, c.summarize, opt->edgeitems);
		if (c.complex)
			torch_fit(&c.imag, t, REPR_IMAG, opt->precision, c.summarize, opt->edgeitems);
		put_tensor(&c, 0, tnsr_tensor_data(t), indent);
	}
	if (!implied)
		snprintf(suffixes[nsuffix++], sizeof suffixes[0], "dtype=torch.%s", tnsr_dtype_get(t->dtype)->full);
	put_suffixes(o, suffixes, nsuffix, indent, opt->linewidth);
	return TNSR_OK;
}
