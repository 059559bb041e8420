/* check.c: allclose (torch.allclose) and equal (torch.equal) as ops whose result is an
 * f64 tensor (3,): [holds (1 or 0), max absolute difference, max relative difference].
 * Both compare after promoting the two dtypes, as torch's comparisons do. */
#include <math.h>
#include <string.h>

#include "iter.h"
#include "ops.h"

/* How two promoted values are compared: integers (and bool) exactly, floats as f64
 * (every float dtype converts to f64 exactly), complex as c128. */
typedef enum cmp_kind { CMP_INT, CMP_REAL, CMP_COMPLEX } cmp_kind;

typedef struct check {
	tnsr_dtype r;    /* the promoted dtype the values are compared in */
	cmp_kind kind;
	bool tolerant;   /* allclose (else equal) */
	double rtol, atol;
	bool equal_nan;
} check;

/* What a part of the comparison found; parts combine in any order to the same result. */
typedef struct verdict {
	bool holds;
	double max_abs, max_rel; /* NaN once any difference is NaN */
} verdict;

static double max_nan(double m, double x) { return isnan(m) || isnan(x) ? NAN : x > m ? x : m; }

static void note(verdict *v, bool close, double abs, double rel)
{
	v->holds &= close;
	v->max_abs = max_nan(v->max_abs, abs);
	v->max_rel = max_nan(v->max_rel, rel);
}

static void merge(verdict *into, const verdict *v)
{
	note(into, v->holds, v->max_abs, v->max_rel);
}

enum { CHUNK = 512 };

/* N elements at P (byte step STEP, dtype T) as the promoted dtype (RAW, for exact integer
 * equality) and as f64 or c128 (VAL, for differences).  Returns VAL. */
static const void *load(const check *c, const char *p, int64_t step, tnsr_dtype t, int64_t n, char *gathered,
			char *raw, char *val, const char **raw_out)
{
	size_t size = tnsr_dtype_size(t);
	if (step != (int64_t)size) {
		tnsr_gather_run(gathered, p, step, n, size);
		p = gathered;
	}
	if (t != c->r) {
		tnsr_convert(c->r, raw, t, p, (size_t)n);
		p = raw;
	}
	*raw_out = p;
	tnsr_dtype vt = c->kind == CMP_COMPLEX ? TNSR_C128 : TNSR_F64;
	if (c->r == vt)
		return p;
	tnsr_convert(vt, val, c->r, p, (size_t)n);
	return val;
}

static bool same_bits(const char *x, const char *y, int64_t i, size_t size)
{
	switch (size) {
	case 1: return ((const uint8_t *)x)[i] == ((const uint8_t *)y)[i];
	case 2: return ((const uint16_t *)x)[i] == ((const uint16_t *)y)[i];
	case 4: return ((const uint32_t *)x)[i] == ((const uint32_t *)y)[i];
	default: return ((const uint64_t *)x)[i] == ((const uint64_t *)y)[i];
	}
}

/* One element pair, torch.isclose's rule: equal values (inf == inf included) are close;
 * NaN is close to NaN only with equal_nan; otherwise |x - y| <= atol + rtol * |y| with
 * a finite difference.  ABS and REL are 0 for equal pairs, NaN when a NaN is involved. */
static void compare_real(const check *c, double x, double y, verdict *v)
{
	if (x == y) {
		note(v, true, 0, 0);
	} else if (isnan(x) || isnan(y)) {
		bool both = isnan(x) && isnan(y) && c->equal_nan && c->tolerant;
		note(v, both, both ? 0 : NAN, both ? 0 : NAN);
	} else {
		double abs = fabs(x - y);
		note(v, c->tolerant && isfinite(abs) && abs <= c->atol + c->rtol * fabs(y), abs, abs / fabs(y));
	}
}

/* X and Y are (real, imaginary) pairs. */
static void compare_complex(const check *c, const double *x, const double *y, verdict *v)
{
	bool nx = isnan(x[0]) || isnan(x[1]), ny = isnan(y[0]) || isnan(y[1]);
	if (x[0] == y[0] && x[1] == y[1]) {
		note(v, true, 0, 0);
	} else if (nx || ny) {
		bool both = nx && ny && c->equal_nan && c->tolerant;
		note(v, both, both ? 0 : NAN, both ? 0 : NAN);
	} else {
		double abs = hypot(x[0] - y[0], x[1] - y[1]), mag = hypot(y[0], y[1]);
		note(v, c->tolerant && isfinite(abs) && abs <= c->atol + c->rtol * mag, abs, abs / mag);
	}
}

/* Compares A and B, two views of the same shape, element by element. */
static verdict compare(const check *c, const tnsr_tensor *a, const tnsr_tensor *b)
{
	verdict v = {true, 0, 0};
	_Alignas(16) char g[2][CHUNK * 16], raw[2][CHUNK * 16], val[2][CHUNK * 16];
	const int64_t *strides[2] = {a->strides, b->strides};
	char *base[2] = {tnsr_tensor_data(a), tnsr_tensor_data(b)};
	size_t sizes[2] = {tnsr_dtype_size(a->dtype), tnsr_dtype_size(b->dtype)}, rsize = tnsr_dtype_size(c->r);
	tnsr_dtype types[2] = {a->dtype, b->dtype};
	tnsr_iter it;
	tnsr_iter_init(&it, 2, a->ndim, a->shape, base, strides, sizes);
	char *p[2];
	int64_t step[2], n;
	while (tnsr_iter_next(&it, p, step, &n))
		for (int64_t off = 0; off < n; off += CHUNK) {
			int64_t m = n - off < CHUNK ? n - off : CHUNK;
			const void *x[2];
			const char *r[2];
			for (int k = 0; k < 2; k++)
				x[k] = load(c, p[k] + off * step[k], step[k], types[k], m, g[k], raw[k], val[k], &r[k]);
			if (c->kind == CMP_COMPLEX) {
				const double *xa = x[0], *xb = x[1];
				for (int64_t i = 0; i < m; i++)
					compare_complex(c, xa + 2 * i, xb + 2 * i, &v);
				continue;
			}
			const double *xa = x[0], *xb = x[1];
			if (c->kind == CMP_REAL) {
				for (int64_t i = 0; i < m; i++)
					compare_real(c, xa[i], xb[i], &v);
				continue;
			}
			for (int64_t i = 0; i < m; i++) { /* integers: exact in the promoted dtype */
				if (same_bits(r[0], r[1], i, rsize)) {
					note(&v, true, 0, 0);
				} else {
					double abs = fabs(xa[i] - xb[i]);
					note(&v, c->tolerant && abs <= c->atol + c->rtol * fabs(xb[i]), abs, abs / fabs(xb[i]));
				}
			}
		}
	return v;
}

/* Compares in slabs of dim 0 across threads for large tensors: max and "and" do not depend
 * on the order in which slabs finish, so the result never depends on the thread count. */
static verdict compare_all(const check *c, const tnsr_tensor *a, const tnsr_tensor *b)
{
	int64_t numel = tnsr_tensor_numel(a);
	if (a->ndim == 0 || numel < (1 << 20) || a->shape[0] < 2)
		return compare(c, a, b);
	enum { SLABS = 64 };
	int64_t rows = a->shape[0], nslab = rows < SLABS ? rows : SLABS;
	verdict parts[SLABS];
#pragma omp parallel for schedule(dynamic)
	for (int64_t s = 0; s < nslab; s++) {
		int64_t r0 = rows * s / nslab, r1 = rows * (s + 1) / nslab;
		tnsr_tensor sa = *a, sb = *b; /* stack views of the slab, no references taken */
		sa.shape[0] = sb.shape[0] = r1 - r0;
		sa.offset += r0 * a->strides[0];
		sb.offset += r0 * b->strides[0];
		parts[s] = compare(c, &sa, &sb);
	}
	verdict v = {true, 0, 0};
	for (int64_t s = 0; s < nslab; s++)
		merge(&v, &parts[s]);
	return v;
}

static tnsr_status result(verdict v, tnsr_tensor **out)
{
	tnsr_status st = tnsr_tensor_empty(TNSR_F64, 1, (const int64_t[]){3}, out);
	if (st)
		return st;
	double *d = tnsr_tensor_data(*out);
	d[0] = v.holds;
	d[1] = v.max_abs;
	d[2] = v.max_rel;
	return TNSR_OK;
}

static check make_check(const tnsr_tensor *a, const tnsr_tensor *b, bool tolerant, const tnsr_op_args *args)
{
	check c = {.r = tnsr_promote_types(a->dtype, b->dtype), .tolerant = tolerant};
	if (tolerant) {
		c.rtol = args->rtol;
		c.atol = args->atol;
		c.equal_nan = args->equal_nan;
	}
	c.kind = tnsr_dtype_is_complex(c.r) ? CMP_COMPLEX : tnsr_dtype_is_floating(c.r) ? CMP_REAL : CMP_INT;
	return c;
}

/* torch.allclose(A, B, rtol, atol, equal_nan), broadcasting A and B together; different
 * dtypes are compared in their promoted dtype (torch refuses them).  The differences are
 * computed in f64 (c128), |A - B| and |A - B| / |B|. */
tnsr_status tnsr_run_allclose(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
			      tnsr_tensor **out)
{
	const tnsr_tensor *A = in[0], *B = in[1];
	if (!(args->rtol >= 0) || !(args->atol >= 0))
		return tnsr_error(TNSR_E_VALUE, "allclose: %s %g is negative (expected >= 0)",
				  !(args->rtol >= 0) ? "rtol" : "atol", !(args->rtol >= 0) ? args->rtol : args->atol);
	int64_t shape[TNSR_MAX_DIMS];
	int ndim;
	tnsr_status st = tnsr_broadcast_shapes(A->ndim, A->shape, B->ndim, B->shape, &ndim, shape);
	if (st)
		return tnsr_error_prefix(st, "allclose");
	tnsr_tensor *a = NULL, *b = NULL;
	if (!(st = tnsr_tensor_expand(A, ndim, shape, &a)) && !(st = tnsr_tensor_expand(B, ndim, shape, &b))) {
		check c = make_check(A, B, true, args);
		st = result(compare_all(&c, a, b), out);
	}
	tnsr_tensor_free(a);
	tnsr_tensor_free(b);
	return st;
}

/* torch.equal(A, B): the same shape and the same values (NaN is never equal); dtypes are
 * promoted for the comparison.  Different shapes give [0, NaN, NaN], not an error. */
tnsr_status tnsr_run_equal(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
			   tnsr_tensor **out)
{
	const tnsr_tensor *A = in[0], *B = in[1];
	if (A->ndim != B->ndim || memcmp(A->shape, B->shape, sizeof *A->shape * (size_t)A->ndim))
		return result((verdict){false, NAN, NAN}, out);
	check c = make_check(A, B, false, args);
	return result(compare_all(&c, A, B), out);
}
