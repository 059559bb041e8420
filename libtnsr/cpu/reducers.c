/* reducers.c: the kernels of sum, mean, prod, max, min, argmax and argmin (see
 * reducers.h for the contract, lanes.h for the loops), and the table that finds a kernel
 * for an op and computing dtype.  Floating sums run in f64 and blocks are added into
 * each output with Kahan compensation; integers use wrapping 64-bit arithmetic. */
#include "lanes.h"

/* ---------------------------------------------------------------- sum, mean */

/* Fields: 0 the sum, 1 Kahan's compensation, 2 (rows) the plain f64 sum of the rows of
 * the current group of ROW_GROUP, added into the sum when the group ends: Kahan's cost
 * once per group, and the grouping depends only on row indices. */
#define ROW_GROUP 32
#define SUM_FLOAT(NAME, T)                                                                        \
	RED_INLINE void NAME##_part(const T *restrict x, int64_t n, int p, red_slot *part,       \
				    const red_params *pr)                                        \
	{                                                                                        \
		if (p == 1 && n < 16) { /* a short run: no lanes to set up */                    \
			double s = (double)x[0];                                                 \
			for (int64_t i = 1; i < n; i++)                                          \
				s += (double)x[i];                                               \
			part[0].f = s;                                                           \
			return;                                                                  \
		}                                                                                \
		double l[LANES_MAX] = {0};                                                       \
		int w = lane_width(p);                                                           \
		FLANE_LOOP(T, w, STEP_ADD_F, VSTEP_ADD);                                         \
		for (int k = 0; k < p; k++)                                                      \
			FOLD(double, l, w, p, k, OP_ADD, part[k * NP].f);                        \
	}                                                                                        \
	RED_INLINE void NAME##_merge(red_acc acc, int64_t o, int p, const red_slot *part, int64_t red, \
				     int64_t rows, const red_params *pr)                         \
	{                                                                                        \
		double *s = (double *)acc[0] + o, *c = (double *)acc[1] + o;                     \
		for (int k = 0; k < p; k++)                                                      \
			kahan_add(s + k, c + k, part[k * NP].f);                                 \
	}                                                                                        \
	RED_INLINE void NAME##_row(red_acc acc, int64_t o, const T *restrict x, int64_t n, int64_t red, \
				   const red_params *pr)                                         \
	{                                                                                        \
		double *g = (double *)acc[2] + o;                                                \
		FROW_LOOP(n, VST(g + k, VLD(g + k) + VLOAD_##T(x + k)), g[k] += (double)x[k]);   \
		if ((red + 1) % ROW_GROUP == 0) {                                                \
			double *s = (double *)acc[0] + o, *c = (double *)acc[1] + o;             \
			FROW_LOOP(n, KAHAN_V(VLD(g + k)), kahan_add(s + k, c + k, g[k]));        \
			memset(g, 0, (size_t)n * sizeof *g);                                     \
		}                                                                                \
	}                                                                                        \
	KERNEL_WRAPPERS(NAME, T)

SUM_FLOAT(sum_f32, float)
SUM_FLOAT(sum_f64, double)

#ifndef RED_AVX2
void tnsr_red_kahan_init(red_acc acc, int64_t o, int64_t n)
{
	memset((double *)acc[0] + o, 0, (size_t)n * sizeof(double));
	memset((double *)acc[1] + o, 0, (size_t)n * sizeof(double));
}
#endif

#ifndef RED_AVX2
void tnsr_red_sum_finish(red_acc acc, int64_t o, int64_t n, int64_t count, const red_params *pr, void *out)
{
	const double *s = (const double *)acc[0] + o, *c = (const double *)acc[1] + o;
	for (int64_t i = 0; i < n; i++)
		((double *)out)[i] = s[i] - c[i];
}
#endif

/* Field 2 exists only for rows (acc[2] NULL otherwise). */
static void sum3_init(red_acc acc, int64_t o, int64_t n)
{
	tnsr_red_kahan_init(acc, o, n);
	if (acc[2])
		memset((double *)acc[2] + o, 0, (size_t)n * sizeof(double));
}

/* The sum, with a pending row group added. */
static void sum3_finish(red_acc acc, int64_t o, int64_t n, int64_t count, const red_params *pr, void *out)
{
	const double *s = (const double *)acc[0] + o, *c = (const double *)acc[1] + o;
	const double *g = acc[2] ? (const double *)acc[2] + o : NULL;
	for (int64_t i = 0; i < n; i++) {
		double si = s[i], ci = c[i];
		if (g && g[i] != 0)
			kahan_add(&si, &ci, g[i]);
		((double *)out)[i] = si - ci;
	}
}

static void mean_finish(red_acc acc, int64_t o, int64_t n, int64_t count, const red_params *pr, void *out)
{
	sum3_finish(acc, o, n, count, pr, out);
	for (int64_t i = 0; i < n; i++)
		((double *)out)[i] /= (double)count;
}

#ifndef RED_AVX2
void tnsr_red_field0_finish(red_acc acc, int64_t o, int64_t n, int64_t count, const red_params *pr, void *out)
{
	memcpy(out, (const uint64_t *)acc[0] + o, (size_t)n * 8);
}
#endif

/* Integers (i64, u64: the same bits). */
#define STEP_ADD_U(a, v, j) ((a) += (uint64_t)(v))
RED_INLINE void sum_int_part(const uint64_t *restrict x, int64_t n, int p, red_slot *part, const red_params *pr)
{
	uint64_t l[LANES_MAX] = {0};
	int w = lane_width(p);
	LANE_LOOP(x, n, w, l, STEP_ADD_U);
	for (int k = 0; k < p; k++)
		FOLD(uint64_t, l, w, p, k, OP_ADD, part[k * NP].u);
}
RED_INLINE void sum_int_merge(red_acc acc, int64_t o, int p, const red_slot *part, int64_t red, int64_t rows,
			      const red_params *pr)
{
	for (int k = 0; k < p; k++)
		((uint64_t *)acc[0])[o + k] += part[k * NP].u;
}
RED_INLINE void sum_int_row(red_acc acc, int64_t o, const uint64_t *restrict x, int64_t n, int64_t red,
			    const red_params *pr)
{
	uint64_t *restrict s = (uint64_t *)acc[0] + o;
	for (int64_t k = 0; k < n; k++)
		s[k] += x[k];
}
KERNEL_WRAPPERS(sum_int, uint64_t)

static void init_u64(red_acc acc, int64_t o, int64_t n, uint64_t v)
{
	uint64_t *a = (uint64_t *)acc[0] + o;
	for (int64_t i = 0; i < n; i++)
		a[i] = v;
}
static void int_zero_init(red_acc acc, int64_t o, int64_t n) { init_u64(acc, o, n, 0); }
static void int_one_init(red_acc acc, int64_t o, int64_t n) { init_u64(acc, o, n, 1); }

/* ---------------------------------------------------------------- prod */

/* Field 0 the product (f64, or u64 wrapping for integers). */
#define PROD(NAME, T, A, LOOP, ROW)                                                               \
	RED_INLINE void NAME##_part(const T *restrict x, int64_t n, int p, red_slot *part,       \
				    const red_params *pr)                                        \
	{                                                                                        \
		A l[LANES_MAX];                                                                  \
		for (int j = 0; j < LANES_MAX; j++)                                              \
			l[j] = 1;                                                                \
		int w = lane_width(p);                                                           \
		LOOP;                                                                            \
		for (int k = 0; k < p; k++) {                                                    \
			A v;                                                                     \
			FOLD(A, l, w, p, k, OP_MUL, v);                                          \
			memcpy(&part[k * NP], &v, 8);                                            \
		}                                                                                \
	}                                                                                        \
	RED_INLINE void NAME##_merge(red_acc acc, int64_t o, int p, const red_slot *part, int64_t red, \
				     int64_t rows, const red_params *pr)                         \
	{                                                                                        \
		for (int k = 0; k < p; k++) {                                                    \
			A v;                                                                     \
			memcpy(&v, &part[k * NP], 8);                                            \
			((A *)acc[0])[o + k] *= v;                                               \
		}                                                                                \
	}                                                                                        \
	RED_INLINE void NAME##_row(red_acc acc, int64_t o, const T *restrict x, int64_t n, int64_t red, \
				   const red_params *pr)                                         \
	{                                                                                        \
		A *a = (A *)acc[0] + o;                                                          \
		ROW;                                                                             \
	}                                                                                        \
	KERNEL_WRAPPERS(NAME, T)

#define STEP_MUL_F(a, v, j) ((a) *= (double)(v))
#define STEP_MUL_U(a, v, j) ((a) *= (uint64_t)(v))
PROD(prod_f32, float, double, FLANE_LOOP(float, w, STEP_MUL_F, VSTEP_MUL),
     FROW_LOOP(n, VST(a + k, VLD(a + k) * VLOAD_float(x + k)), a[k] *= (double)x[k]))
PROD(prod_f64, double, double, FLANE_LOOP(double, w, STEP_MUL_F, VSTEP_MUL),
     FROW_LOOP(n, VST(a + k, VLD(a + k) * VLOAD_double(x + k)), a[k] *= x[k]))
PROD(prod_int, uint64_t, uint64_t, LANE_LOOP(x, n, w, l, STEP_MUL_U), for (int64_t k = 0; k < n; k++) a[k] *= x[k])

static void f64_one_init(red_acc acc, int64_t o, int64_t n)
{
	double *a = (double *)acc[0] + o;
	for (int64_t i = 0; i < n; i++)
		a[i] = 1;
}

/* Complex (c128): fields 0 and 1 the real and imaginary parts; lanes of complex numbers. */
typedef struct cplx {
	double re, im;
} cplx;
RED_INLINE cplx cmul(cplx a, cplx b) { return (cplx){a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re}; }
#define OP_CMUL(a, b) cmul(a, b)
#define STEP_CMUL(a, v, j) ((a) = cmul((a), (v)))
RED_INLINE void prod_c128_part(const cplx *x, int64_t n, int p, red_slot *part, const red_params *pr)
{
	cplx l[LANES_MAX];
	for (int j = 0; j < LANES_MAX; j++)
		l[j] = (cplx){1, 0};
	int w = lane_width(p);
	LANE_LOOP(x, n, w, l, STEP_CMUL);
	for (int k = 0; k < p; k++) {
		cplx v;
		FOLD(cplx, l, w, p, k, OP_CMUL, v);
		part[k * NP].f = v.re;
		part[k * NP + 1].f = v.im;
	}
}
RED_INLINE void prod_c128_merge(red_acc acc, int64_t o, int p, const red_slot *part, int64_t red, int64_t rows,
				const red_params *pr)
{
	double *re = (double *)acc[0] + o, *im = (double *)acc[1] + o;
	for (int k = 0; k < p; k++) {
		cplx v = cmul((cplx){re[k], im[k]}, (cplx){part[k * NP].f, part[k * NP + 1].f});
		re[k] = v.re;
		im[k] = v.im;
	}
}
RED_INLINE void prod_c128_row(red_acc acc, int64_t o, const cplx *x, int64_t n, int64_t red, const red_params *pr)
{
	double *re = (double *)acc[0] + o, *im = (double *)acc[1] + o;
	for (int64_t k = 0; k < n; k++) {
		cplx v = cmul((cplx){re[k], im[k]}, x[k]);
		re[k] = v.re;
		im[k] = v.im;
	}
}
KERNEL_WRAPPERS(prod_c128, cplx)

static void c128_one_init(red_acc acc, int64_t o, int64_t n)
{
	f64_one_init(acc, o, n);
	memset((double *)acc[1] + o, 0, (size_t)n * sizeof(double));
}
static void c128_finish(red_acc acc, int64_t o, int64_t n, int64_t count, const red_params *pr, void *out)
{
	const double *re = (const double *)acc[0] + o, *im = (const double *)acc[1] + o;
	for (int64_t i = 0; i < n; i++) {
		((double *)out)[2 * i] = re[i];
		((double *)out)[2 * i + 1] = im[i];
	}
}

/* ---------------------------------------------------------------- max, min */

/* Field 0 the extremum so far (f64 for floats, where NaN wins; i64 or u64); LT the lanes'
 * type (f32 data keeps f32 lanes: extrema are exact). */
#define EXTREMUM(NAME, T, A, LT, OP, INIT, LOOP, ROW)                                             \
	RED_INLINE void NAME##_part(const T *restrict x, int64_t n, int p, red_slot *part,       \
				    const red_params *pr)                                        \
	{                                                                                        \
		if (p == 1 && n < 16) { /* a short run: no lanes to set up */                    \
			A v = (A)x[0];                                                           \
			for (int64_t i = 1; i < n; i++)                                          \
				v = OP(v, (A)x[i]);                                              \
			memcpy(&part[0], &v, 8);                                                 \
			return;                                                                  \
		}                                                                                \
		LT l[LANES_MAX];                                                                 \
		for (int j = 0; j < LANES_MAX; j++)                                              \
			l[j] = (LT)(INIT);                                                       \
		int w = lane_width(p);                                                           \
		LOOP;                                                                            \
		for (int k = 0; k < p; k++) {                                                    \
			LT lv;                                                                   \
			FOLD(LT, l, w, p, k, OP, lv);                                            \
			A v = (A)lv;                                                             \
			memcpy(&part[k * NP], &v, 8);                                            \
		}                                                                                \
	}                                                                                        \
	RED_INLINE void NAME##_merge(red_acc acc, int64_t o, int p, const red_slot *part, int64_t red, \
				     int64_t rows, const red_params *pr)                         \
	{                                                                                        \
		A *a = (A *)acc[0] + o;                                                          \
		for (int k = 0; k < p; k++) {                                                    \
			A v;                                                                     \
			memcpy(&v, &part[k * NP], 8);                                            \
			a[k] = OP(a[k], v);                                                      \
		}                                                                                \
	}                                                                                        \
	RED_INLINE void NAME##_row(red_acc acc, int64_t o, const T *restrict x, int64_t n, int64_t red, \
				   const red_params *pr)                                         \
	{                                                                                        \
		A *a = (A *)acc[0] + o;                                                          \
		ROW;                                                                             \
	}                                                                                        \
	static void NAME##_init(red_acc acc, int64_t o, int64_t n)                               \
	{                                                                                        \
		A *a = (A *)acc[0] + o;                                                          \
		for (int64_t i = 0; i < n; i++)                                                  \
			a[i] = (INIT);                                                           \
	}                                                                                        \
	KERNEL_WRAPPERS(NAME, T)

#define STEP_FMAX(a, v, j) ((a) = OP_FMAX((a), (double)(v)))
#define STEP_FMAXF(a, v, j) ((a) = OP_FMAX((a), (v)))
#define STEP_FMINF(a, v, j) ((a) = OP_FMIN((a), (v)))
#define F32EXT_LOOP(STEP, VSTEP) F32LANE_LOOP(w, STEP, VSTEP)
#define STEP_FMIN(a, v, j) ((a) = OP_FMIN((a), (double)(v)))
#define STEP_IMAX(a, v, j) ((a) = OP_IMAX((a), (v)))
#define STEP_IMIN(a, v, j) ((a) = OP_IMIN((a), (v)))
#define FEXT_LOOP(T, STEP, VSTEP) FLANE_LOOP(T, w, STEP, VSTEP)
#define FEXT_ROW(T, OP, VSTEP)                                                                    \
	FROW_LOOP(n,                                                                             \
		  do {                                                                           \
			  vd a_ = VLD(a + k);                                                    \
			  VSTEP(a_, VLOAD_##T(x + k), 0);                                        \
			  VST(a + k, a_);                                                        \
		  } while (0),                                                                   \
		  a[k] = OP(a[k], (double)x[k]))
#define IEXT_ROW(OP) for (int64_t k = 0; k < n; k++) a[k] = OP(a[k], x[k])
EXTREMUM(max_f32, float, double, float, OP_FMAX, -INFINITY, F32EXT_LOOP(STEP_FMAXF, VSTEPF_FMAX),
	 FEXT_ROW(float, OP_FMAX, VSTEP_FMAX))
EXTREMUM(max_f64, double, double, double, OP_FMAX, -INFINITY, FEXT_LOOP(double, STEP_FMAX, VSTEP_FMAX),
	 FEXT_ROW(double, OP_FMAX, VSTEP_FMAX))
EXTREMUM(min_f32, float, double, float, OP_FMIN, INFINITY, F32EXT_LOOP(STEP_FMINF, VSTEPF_FMIN),
	 FEXT_ROW(float, OP_FMIN, VSTEP_FMIN))
EXTREMUM(min_f64, double, double, double, OP_FMIN, INFINITY, FEXT_LOOP(double, STEP_FMIN, VSTEP_FMIN),
	 FEXT_ROW(double, OP_FMIN, VSTEP_FMIN))
EXTREMUM(max_i64, int64_t, int64_t, int64_t, OP_IMAX, INT64_MIN, LANE_LOOP(x, n, w, l, STEP_IMAX), IEXT_ROW(OP_IMAX))
EXTREMUM(min_i64, int64_t, int64_t, int64_t, OP_IMIN, INT64_MAX, LANE_LOOP(x, n, w, l, STEP_IMIN), IEXT_ROW(OP_IMIN))
EXTREMUM(max_u64, uint64_t, uint64_t, uint64_t, OP_IMAX, 0, LANE_LOOP(x, n, w, l, STEP_IMAX), IEXT_ROW(OP_IMAX))
EXTREMUM(min_u64, uint64_t, uint64_t, uint64_t, OP_IMIN, UINT64_MAX, LANE_LOOP(x, n, w, l, STEP_IMIN),
	 IEXT_ROW(OP_IMIN))

/* ---------------------------------------------------------------- argmax, argmin */

/* Field 0 the best value so far, field 1 its index.  BETTER(new, old) is strict, so that
 * the first occurrence wins; NaN beats everything but an earlier NaN.  A block finds its
 * extremum by lanes, then the first element equal to it. */
#define BETTER_FMAX(b, a) ((b) > (a) || ((b) != (b) && (a) == (a)))
#define BETTER_FMIN(b, a) ((b) < (a) || ((b) != (b) && (a) == (a)))
#define BETTER_IMAX(b, a) ((b) > (a))
#define BETTER_IMIN(b, a) ((b) < (a))
#define VBETTER_FMAX(b, a) (((b) > (a)) | (((b) != (b)) & ((a) == (a))))
#define VBETTER_FMIN(b, a) (((b) < (a)) | (((b) != (b)) & ((a) == (a))))
#define ARGEXT(NAME, T, A, LT, OP, BETTER, INIT, LOOP, ROW)                                       \
	RED_INLINE void NAME##_part(const T *restrict x, int64_t n, int p, red_slot *part,       \
				    const red_params *pr)                                        \
	{                                                                                        \
		LT l[LANES_MAX];                                                                 \
		for (int j = 0; j < LANES_MAX; j++)                                              \
			l[j] = (LT)(INIT);                                                       \
		int w = lane_width(p);                                                           \
		LOOP;                                                                            \
		for (int k = 0; k < p; k++) {                                                    \
			LT lm;                                                                   \
			FOLD(LT, l, w, p, k, OP, lm);                                            \
			A m = (A)lm;                                                             \
			int64_t r = 0, rows = n / p;                                             \
			for (; r < rows; r++) {                                                  \
				A v = (A)x[r * p + k];                                           \
				if (v == m || (m != m && v != v))                                \
					break;                                                   \
			}                                                                        \
			memcpy(&part[k * NP], &m, 8);                                            \
			part[k * NP + 1].i = r < rows ? r : 0;                                   \
		}                                                                                \
	}                                                                                        \
	RED_INLINE void NAME##_merge(red_acc acc, int64_t o, int p, const red_slot *part, int64_t red, \
				     int64_t rows, const red_params *pr)                         \
	{                                                                                        \
		A *a = (A *)acc[0] + o;                                                          \
		int64_t *idx = (int64_t *)acc[1] + o;                                            \
		for (int k = 0; k < p; k++) {                                                    \
			A v;                                                                     \
			memcpy(&v, &part[k * NP], 8);                                            \
			if (BETTER(v, a[k])) {                                                   \
				a[k] = v;                                                        \
				idx[k] = red + part[k * NP + 1].i;                               \
			}                                                                        \
		}                                                                                \
	}                                                                                        \
	RED_INLINE void NAME##_row(red_acc acc, int64_t o, const T *restrict x, int64_t n, int64_t red, \
				   const red_params *pr)                                         \
	{                                                                                        \
		A *a = (A *)acc[0] + o;                                                          \
		int64_t *idx = (int64_t *)acc[1] + o;                                            \
		ROW;                                                                             \
	}                                                                                        \
	static void NAME##_init(red_acc acc, int64_t o, int64_t n)                               \
	{                                                                                        \
		A *a = (A *)acc[0] + o;                                                          \
		for (int64_t i = 0; i < n; i++)                                                  \
			a[i] = (INIT);                                                           \
		memset((int64_t *)acc[1] + o, 0, (size_t)n * 8);                                 \
	}                                                                                        \
	KERNEL_WRAPPERS(NAME, T)

#define SARG_BODY(BETTER)                                                                        \
	do {                                                                                     \
		A_T v_ = (A_T)x[k];                                                              \
		if (BETTER(v_, a[k])) {                                                          \
			a[k] = v_;                                                               \
			idx[k] = red;                                                            \
		}                                                                                \
	} while (0)
#define FARG_ROW(T, BETTER, VBETTER)                                                              \
	FROW_LOOP(n,                                                                             \
		  do {                                                                           \
			  vd a_ = VLD(a + k);                                                    \
			  vd v_ = VLOAD_##T(x + k);                                              \
			  vm b_ = VBETTER(v_, a_);                                               \
			  VST(a + k, VSEL(b_, v_, a_));                                          \
			  vm i_ = *(const vm_u *)(idx + k);                                      \
			  *(vm_u *)(idx + k) = (i_ & ~b_) | (VSPLATM(red) & b_);     \
		  } while (0),                                                                   \
		  SARG_BODY(BETTER))
#define IARG_ROW(BETTER)                                                                          \
	for (int64_t k = 0; k < n; k++)                                                          \
	SARG_BODY(BETTER)

#define A_T double
ARGEXT(argmax_f32, float, double, float, OP_FMAX, BETTER_FMAX, -INFINITY, F32EXT_LOOP(STEP_FMAXF, VSTEPF_FMAX),
       FARG_ROW(float, BETTER_FMAX, VBETTER_FMAX))
ARGEXT(argmax_f64, double, double, double, OP_FMAX, BETTER_FMAX, -INFINITY,
       FEXT_LOOP(double, STEP_FMAX, VSTEP_FMAX), FARG_ROW(double, BETTER_FMAX, VBETTER_FMAX))
ARGEXT(argmin_f32, float, double, float, OP_FMIN, BETTER_FMIN, INFINITY, F32EXT_LOOP(STEP_FMINF, VSTEPF_FMIN),
       FARG_ROW(float, BETTER_FMIN, VBETTER_FMIN))
ARGEXT(argmin_f64, double, double, double, OP_FMIN, BETTER_FMIN, INFINITY,
       FEXT_LOOP(double, STEP_FMIN, VSTEP_FMIN), FARG_ROW(double, BETTER_FMIN, VBETTER_FMIN))
#undef A_T
#define A_T int64_t
ARGEXT(argmax_i64, int64_t, int64_t, int64_t, OP_IMAX, BETTER_IMAX, INT64_MIN, LANE_LOOP(x, n, w, l, STEP_IMAX),
       IARG_ROW(BETTER_IMAX))
ARGEXT(argmin_i64, int64_t, int64_t, int64_t, OP_IMIN, BETTER_IMIN, INT64_MAX, LANE_LOOP(x, n, w, l, STEP_IMIN),
       IARG_ROW(BETTER_IMIN))
#undef A_T
#define A_T uint64_t
ARGEXT(argmax_u64, uint64_t, uint64_t, uint64_t, OP_IMAX, BETTER_IMAX, 0, LANE_LOOP(x, n, w, l, STEP_IMAX),
       IARG_ROW(BETTER_IMAX))
ARGEXT(argmin_u64, uint64_t, uint64_t, uint64_t, OP_IMIN, BETTER_IMIN, UINT64_MAX,
       LANE_LOOP(x, n, w, l, STEP_IMIN), IARG_ROW(BETTER_IMIN))
#undef A_T

static void arg_finish(red_acc acc, int64_t o, int64_t n, int64_t count, const red_params *pr, void *out)
{
	memcpy(out, (const int64_t *)acc[1] + o, (size_t)n * 8);
}

/* ---------------------------------------------------------------- the table */

#define K KERNEL
const red_kernel_row RED_SYM(tnsr_red_base_kernels)[] = {
	{TNSR_RED_SUM, TNSR_F32, 0, K(sum_f32, -3, TNSR_F64, sum3_init, sum3_finish)},
	{TNSR_RED_SUM, TNSR_F64, 0, K(sum_f64, -3, TNSR_F64, sum3_init, sum3_finish)},
	{TNSR_RED_SUM, TNSR_I64, 0, K(sum_int, 1, TNSR_I64, int_zero_init, tnsr_red_field0_finish)},
	{TNSR_RED_SUM, TNSR_U64, 0, K(sum_int, 1, TNSR_U64, int_zero_init, tnsr_red_field0_finish)},
	{TNSR_RED_MEAN, TNSR_F32, 0, K(sum_f32, -3, TNSR_F64, sum3_init, mean_finish)},
	{TNSR_RED_MEAN, TNSR_F64, 0, K(sum_f64, -3, TNSR_F64, sum3_init, mean_finish)},
	{TNSR_RED_PROD, TNSR_F32, 0, K(prod_f32, 1, TNSR_F64, f64_one_init, tnsr_red_field0_finish)},
	{TNSR_RED_PROD, TNSR_F64, 0, K(prod_f64, 1, TNSR_F64, f64_one_init, tnsr_red_field0_finish)},
	{TNSR_RED_PROD, TNSR_I64, 0, K(prod_int, 1, TNSR_I64, int_one_init, tnsr_red_field0_finish)},
	{TNSR_RED_PROD, TNSR_U64, 0, K(prod_int, 1, TNSR_U64, int_one_init, tnsr_red_field0_finish)},
	{TNSR_RED_PROD, TNSR_C128, 0, K(prod_c128, 2, TNSR_C128, c128_one_init, c128_finish)},
	{TNSR_RED_MAX, TNSR_F32, 0, K(max_f32, 1, TNSR_F64, max_f32_init, tnsr_red_field0_finish)},
	{TNSR_RED_MAX, TNSR_F64, 0, K(max_f64, 1, TNSR_F64, max_f64_init, tnsr_red_field0_finish)},
	{TNSR_RED_MAX, TNSR_I64, 0, K(max_i64, 1, TNSR_I64, max_i64_init, tnsr_red_field0_finish)},
	{TNSR_RED_MAX, TNSR_U64, 0, K(max_u64, 1, TNSR_U64, max_u64_init, tnsr_red_field0_finish)},
	{TNSR_RED_MIN, TNSR_F32, 0, K(min_f32, 1, TNSR_F64, min_f32_init, tnsr_red_field0_finish)},
	{TNSR_RED_MIN, TNSR_F64, 0, K(min_f64, 1, TNSR_F64, min_f64_init, tnsr_red_field0_finish)},
	{TNSR_RED_MIN, TNSR_I64, 0, K(min_i64, 1, TNSR_I64, min_i64_init, tnsr_red_field0_finish)},
	{TNSR_RED_MIN, TNSR_U64, 0, K(min_u64, 1, TNSR_U64, min_u64_init, tnsr_red_field0_finish)},
	{TNSR_RED_ARGMAX, TNSR_F32, 0, K(argmax_f32, 2, TNSR_I64, argmax_f32_init, arg_finish)},
	{TNSR_RED_ARGMAX, TNSR_F64, 0, K(argmax_f64, 2, TNSR_I64, argmax_f64_init, arg_finish)},
	{TNSR_RED_ARGMAX, TNSR_I64, 0, K(argmax_i64, 2, TNSR_I64, argmax_i64_init, arg_finish)},
	{TNSR_RED_ARGMAX, TNSR_U64, 0, K(argmax_u64, 2, TNSR_I64, argmax_u64_init, arg_finish)},
	{TNSR_RED_ARGMIN, TNSR_F32, 0, K(argmin_f32, 2, TNSR_I64, argmin_f32_init, arg_finish)},
	{TNSR_RED_ARGMIN, TNSR_F64, 0, K(argmin_f64, 2, TNSR_I64, argmin_f64_init, arg_finish)},
	{TNSR_RED_ARGMIN, TNSR_I64, 0, K(argmin_i64, 2, TNSR_I64, argmin_i64_init, arg_finish)},
	{TNSR_RED_ARGMIN, TNSR_U64, 0, K(argmin_u64, 2, TNSR_I64, argmin_u64_init, arg_finish)},
};

#ifndef RED_AVX2
const size_t tnsr_red_base_nkernels = sizeof tnsr_red_base_kernels / sizeof *tnsr_red_base_kernels;

static const red_kernel *search(const red_kernel_row *rows, size_t n, tnsr_reduce_id id, tnsr_dtype kd,
				red_norm norm)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].id == id && rows[i].kd == kd && rows[i].norm == norm)
			return &rows[i].k;
	return NULL;
}

/* The AVX2 build when the CPU has AVX2 (both builds give the same bits). */
const red_kernel *tnsr_red_kernel_find(tnsr_reduce_id id, tnsr_dtype kd, red_norm norm)
{
	static int avx2 = -1; /* a benign race: every thread computes the same value */
	if (avx2 < 0)
		avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
	const red_kernel *k =
		search(avx2 ? tnsr_red_base_kernels_avx2 : tnsr_red_base_kernels, tnsr_red_base_nkernels, id, kd, norm);
	return k ? k
		 : search(avx2 ? tnsr_red_stats_kernels_avx2 : tnsr_red_stats_kernels, tnsr_red_stats_nkernels, id, kd,
			  norm);
}
#endif
