/* repr.c: tnsr_repr, printing a tensor as repr() does in PyTorch (repr_torch.c) or NumPy
 * (repr_numpy.c).  Here: the options, the column-tracking writer, reading one element of
 * any dtype through any strides, and the walk over the elements a summary shows. */
#include <errno.h>
#include <string.h>

#include "repr.h"

tnsr_print_options tnsr_print_defaults(tnsr_print_style style)
{
	tnsr_print_options o = {style, 4, 1000, 3, 80, false};
	if (style == TNSR_STYLE_NUMPY) {
		o.precision = 8;
		o.linewidth = 75;
	}
	return o;
}

/* ---------------------------------------------------------------- output */

void repr_put(repr_out *o, const char *s, size_t n)
{
	const char *nl = memrchr(s, '\n', n);
	o->column = nl ? (int64_t)(s + n - nl - 1) : o->column + (int64_t)n;
	fwrite(s, 1, n, o->f);
}

void repr_puts(repr_out *o, const char *s) { repr_put(o, s, strlen(s)); }

void repr_spaces(repr_out *o, int64_t n)
{
	static const char blanks[] = "                                                                ";
	while (n > 0) {
		size_t k = n < (int64_t)sizeof blanks - 1 ? (size_t)n : sizeof blanks - 1;
		repr_put(o, blanks, k);
		n -= (int64_t)k;
	}
}

void repr_newlines(repr_out *o, int n)
{
	for (int i = 0; i < n; i++)
		repr_put(o, "\n", 1);
}

/* ---------------------------------------------------------------- values */

repr_value repr_read(tnsr_dtype dtype, const char *p)
{
	repr_value v = {0, 0, 0, 0};
	switch (dtype) {
#define INT_CASE(D, T)                          \
	case D: {                               \
		T x;                            \
		memcpy(&x, p, sizeof x);        \
		v.i = (int64_t)x;               \
		break;                          \
	}
#define UINT_CASE(D, T)                         \
	case D: {                               \
		T x;                            \
		memcpy(&x, p, sizeof x);        \
		v.u = (uint64_t)x;              \
		break;                          \
	}
		INT_CASE(TNSR_I8, int8_t)
		INT_CASE(TNSR_I16, int16_t)
		INT_CASE(TNSR_I32, int32_t)
		INT_CASE(TNSR_I64, int64_t)
		UINT_CASE(TNSR_U8, uint8_t)
		UINT_CASE(TNSR_U16, uint16_t)
		UINT_CASE(TNSR_U32, uint32_t)
		UINT_CASE(TNSR_U64, uint64_t)
#undef INT_CASE
#undef UINT_CASE
	case TNSR_BOOL:
		v.i = *(const unsigned char *)p != 0;
		break;
	case TNSR_F16: {
		uint16_t h;
		memcpy(&h, p, sizeof h);
		v.re = tnsr_f16_to_f32(h);
		break;
	}
	case TNSR_BF16: {
		uint16_t h;
		memcpy(&h, p, sizeof h);
		v.re = tnsr_bf16_to_f32(h);
		break;
	}
	case TNSR_F32: {
		float f;
		memcpy(&f, p, sizeof f);
		v.re = f;
		break;
	}
	case TNSR_F64:
		memcpy(&v.re, p, sizeof v.re);
		break;
	case TNSR_C64: {
		float f[2];
		memcpy(f, p, sizeof f);
		v.re = f[0];
		v.im = f[1];
		break;
	}
	case TNSR_C128: {
		double d[2];
		memcpy(d, p, sizeof d);
		v.re = d[0];
		v.im = d[1];
		break;
	}
	default:
		break;
	}
	return v;
}

/* ---------------------------------------------------------------- the shown elements */

typedef struct visit {
	const tnsr_tensor *t;
	int64_t step[TNSR_MAX_DIMS]; /* bytes */
	bool summarize;
	int64_t edge;
	repr_visit_fn fn;
	void *ctx;
} visit;

static void visit_dim(const visit *v, int dim, const char *p)
{
	if (dim == v->t->ndim) {
		v->fn(v->ctx, p);
		return;
	}
	int64_t n = v->t->shape[dim];
	bool cut = v->summarize && n > 2 * v->edge;
	for (int64_t i = 0; i < n; i++) {
		if (cut && i == v->edge)
			i = n - v->edge;
		visit_dim(v, dim + 1, p + i * v->step[dim]);
	}
}

void repr_visit(const tnsr_tensor *t, bool summarize, int64_t edge, repr_visit_fn fn, void *ctx)
{
	visit v = {t, {0}, summarize, edge, fn, ctx};
	int64_t size = (int64_t)tnsr_dtype_size(t->dtype);
	for (int d = 0; d < t->ndim; d++)
		v.step[d] = t->strides[d] * size;
	if (tnsr_tensor_numel(t) > 0)
		visit_dim(&v, 0, tnsr_tensor_data(t));
}

/* ---------------------------------------------------------------- entry */

tnsr_status tnsr_repr(FILE *f, const tnsr_tensor *t, const tnsr_print_options *opt)
{
	tnsr_print_options o = opt ? *opt : tnsr_print_defaults(TNSR_STYLE_TORCH);
	if (o.style != TNSR_STYLE_TORCH && o.style != TNSR_STYLE_NUMPY)
		return tnsr_error(TNSR_E_VALUE, "repr: style %d unknown (expected torch or numpy)", (int)o.style);
	if (o.precision < 0 || o.precision > 100)
		return tnsr_error(TNSR_E_VALUE, "repr: precision %d out of range (expected 0..100)", o.precision);
	if (o.threshold < 0)
		return tnsr_error(TNSR_E_VALUE, "repr: threshold %lld out of range (expected >= 0)",
				  (long long)o.threshold);
	if (o.edgeitems < 1)
		return tnsr_error(TNSR_E_VALUE, "repr: edgeitems %d out of range (expected >= 1)", o.edgeitems);
	if (o.linewidth < 1)
		return tnsr_error(TNSR_E_VALUE, "repr: linewidth %d out of range (expected >= 1)", o.linewidth);
	if ((unsigned)t->dtype >= TNSR_DTYPE_COUNT)
		return tnsr_error(TNSR_E_DTYPE, "repr: dtype %d unknown", (int)t->dtype);

	repr_out out = {f, 0};
	errno = 0;
	tnsr_status st = o.style == TNSR_STYLE_TORCH ? tnsr_repr_torch(&out, t, &o) : tnsr_repr_numpy(&out, t, &o);
	if (st != TNSR_OK)
		return st;
	if (fflush(f) != 0 || ferror(f)) {
		if (errno == EPIPE)
			return tnsr_error(TNSR_E_PIPE, "repr: output closed by its reader");
		return tnsr_error(TNSR_E_IO, "repr: write failed: %s", strerror(errno ? errno : EIO));
	}
	return TNSR_OK;
}
