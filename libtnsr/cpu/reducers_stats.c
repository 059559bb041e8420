/* reducers_stats.c: the kernels of var and std, norm (orders 2, 1, 0, inf, -inf and any
 * p), all, any and logsumexp (see reducers.h for the contract, lanes.h for the loops). */
#include "fastexp.h"
#include "lanes.h"

/* ---------------------------------------------------------------- var, std */

/* Field 0 the mean, field 1 the sum of squared deviations (M2); RED is the count before a
 * block or row.  Blocks are reduced in two passes (mean, then deviations from it) and
 * merged by Chan et al.'s pairwise update; rows use Welford's update. */
#define STEP_DEV2(a, v, j) ((a) += ((double)(v) - mlane[j]) * ((double)(v) - mlane[j]))
#define VSTEP_DEV2(a, v, q)                                                                      \
	do {                                                                                     \
		vd d_ = (v) - mv[q];                                                             \
		(a) += d_ * d_;                                                                  \
	} while (0)
#define WELFORD_V(T)                                                                             \
	do {                                                                                     \
		vd v_ = VLOAD_##T(x + k);                                                        \
		vd m_ = VLD(mean + k);                                                           \
		vd d_ = v_ - m_;                                                                 \
		m_ = m_ + d_ * VSPLAT(inv);                                                      \
		VST(mean + k, m_);                                                               \
		VST(m2 + k, VLD(m2 + k) + d_ * (v_ - m_));                                       \
	} while (0)
#define WELFORD_S                                                                                \
	do {                                                                                     \
		double v_ = (double)x[k], d_ = v_ - mean[k];                                     \
		mean[k] = mean[k] + d_ * inv;                                                    \
		m2[k] = m2[k] + d_ * (v_ - mean[k]);                                             \
	} while (0)
#define VAR(NAME, T)                                                                              \
	RED_INLINE void NAME##_part(const T *restrict x, int64_t n, int p, red_slot *part,       \
				    const red_params *pr)                                        \
	{                                                                                        \
		double l[LANES_MAX] = {0}, mlane[LANES_MAX], mean[RED_PMAX];                     \
		int w = lane_width(p);                                                           \
		double rows = (double)(n / p);                                                   \
		FLANE_LOOP(T, w, STEP_ADD_F, VSTEP_ADD);                                \
		for (int k = 0; k < p; k++) {                                                    \
			FOLD(double, l, w, p, k, OP_ADD, mean[k]);                               \
			mean[k] /= rows;                                                         \
		}                                                                                \
		for (int j = 0; j < LANES_MAX; j++) {                                            \
			mlane[j] = mean[j % p];                                                  \
			l[j] = 0;                                                                \
		}                                                                                \
		vd mv[16 / VW];                                                                  \
		memcpy(mv, mlane, sizeof mv);                                                    \
		FLANE_LOOP(T, w, STEP_DEV2, VSTEP_DEV2);                                \
		for (int k = 0; k < p; k++) {                                                    \
			part[k * NP].f = mean[k];                                                \
			FOLD(double, l, w, p, k, OP_ADD, part[k * NP + 1].f);                    \
		}                                                                                \
	}                                                                                        \
	RED_INLINE void NAME##_merge(red_acc acc, int64_t o, int p, const red_slot *part, int64_t red, \
				     int64_t rows, const red_params *pr)                         \
	{                                                                                        \
		double *mean = (double *)acc[0] + o, *m2 = (double *)acc[1] + o;                 \
		double na = (double)red, nb = (double)rows, nt = na + nb;                        \
		for (int k = 0; k < p; k++) {                                                    \
			double delta = part[k * NP].f - mean[k];                                 \
			mean[k] += delta * (nb / nt);                                            \
			m2[k] += part[k * NP + 1].f + delta * delta * (na * nb / nt);            \
		}                                                                                \
	}                                                                                        \
	RED_INLINE void NAME##_row(red_acc acc, int64_t o, const T *restrict x, int64_t n, int64_t red, \
				   const red_params *pr)                                         \
	{                                                                                        \
		double *mean = (double *)acc[0] + o, *m2 = (double *)acc[1] + o;                 \
		double inv = 1.0 / (double)(red + 1);                                            \
		FROW_LOOP(n, WELFORD_V(T), WELFORD_S);                                           \
	}                                                                                        \
	KERNEL_WRAPPERS(NAME, T)

VAR(var_f32, float)
VAR(var_f64, double)

/* PyTorch divides by max(0, N - correction): inf or NaN when that is not positive. */
static void var_finish(red_acc acc, int64_t o, int64_t n, int64_t count, const red_params *pr, void *out)
{
	const double *m2 = (const double *)acc[1] + o;
	double d = (double)count - pr->correction;
	if (!(d > 0))
		d = 0;
	for (int64_t i = 0; i < n; i++)
		((double *)out)[i] = m2[i] / d;
}
static void std_finish(red_acc acc, int64_t o, int64_t n, int64_t count, const red_params *pr, void *out)
{
	var_finish(acc, o, n, count, pr, out);
	for (int64_t i = 0; i < n; i++)
		((double *)out)[i] = sqrt(((double *)out)[i]);
}

/* ---------------------------------------------------------------- norm */

/* Orders 2, 1, 0 and p: sums of F(|x|) (fields: sum, Kahan's compensation); LOOP and
 * VROW are the lane loop and the vector row step (the general p has no vector form). */
#define NORM_SUM(NAME, T, F, LOOP, VROW)                                                          \
	RED_INLINE void NAME##_part(const T *restrict x, int64_t n, int p, red_slot *part,       \
				    const red_params *pr)                                        \
	{                                                                                        \
		double l[LANES_MAX] = {0};                                                       \
		int w = lane_width(p);                                                           \
		double ord = pr->p;                                                              \
		(void)ord;                                                                       \
		LOOP;                                                                            \
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
		double *s = (double *)acc[0] + o, *c = (double *)acc[1] + o;                     \
		double ord = pr->p;                                                              \
		(void)ord;                                                                       \
		FROW_LOOP(n, VROW, kahan_add(s + k, c + k, F((double)x[k])));                    \
	}                                                                                        \
	KERNEL_WRAPPERS(NAME, T)

#define NORM2_F(v) ((v) * (v))
#define NORM1_F(v) fabs(v)
#define NORM0_F(v) (double)((v) != 0)
#define NORMP_F(v) pow(fabs(v), ord)
#define NORM2_V(v) ((v) * (v))
#define NORM1_V(v) VABS(v)
#define NORM0_V(v) ((vd)(((v) != 0) & (vm)VONE))
#define STEP_NORM2(a, x, j) ((a) += NORM2_F((double)(x)))
#define STEP_NORM1(a, x, j) ((a) += NORM1_F((double)(x)))
#define STEP_NORM0(a, x, j) ((a) += NORM0_F((double)(x)))
#define STEP_NORMP(a, x, j) ((a) += NORMP_F((double)(x)))
#define VSTEP_NORM2(a, v, q) ((a) += NORM2_V(v))
#define VSTEP_NORM1(a, v, q) ((a) += NORM1_V(v))
#define VSTEP_NORM0(a, v, q) ((a) += NORM0_V(v))
NORM_SUM(norm2_f32, float, NORM2_F, FLANE_LOOP(float, w, STEP_NORM2, VSTEP_NORM2),
	 KAHAN_V(NORM2_V(VLOAD_float(x + k))))
NORM_SUM(norm2_f64, double, NORM2_F, FLANE_LOOP(double, w, STEP_NORM2, VSTEP_NORM2),
	 KAHAN_V(NORM2_V(VLOAD_double(x + k))))
NORM_SUM(norm1_f32, float, NORM1_F, FLANE_LOOP(float, w, STEP_NORM1, VSTEP_NORM1),
	 KAHAN_V(NORM1_V(VLOAD_float(x + k))))
NORM_SUM(norm1_f64, double, NORM1_F, FLANE_LOOP(double, w, STEP_NORM1, VSTEP_NORM1),
	 KAHAN_V(NORM1_V(VLOAD_double(x + k))))
NORM_SUM(norm0_f32, float, NORM0_F, FLANE_LOOP(float, w, STEP_NORM0, VSTEP_NORM0),
	 KAHAN_V(NORM0_V(VLOAD_float(x + k))))
NORM_SUM(norm0_f64, double, NORM0_F, FLANE_LOOP(double, w, STEP_NORM0, VSTEP_NORM0),
	 KAHAN_V(NORM0_V(VLOAD_double(x + k))))
#define NORMP_ROW2                                                                               \
	for (int j_ = 0; j_ < VW; j_++)                                                          \
	kahan_add(s + k + j_, c + k + j_, NORMP_F((double)x[k + j_]))
NORM_SUM(normp_f32, float, NORMP_F, LANE_LOOP(x, n, w, l, STEP_NORMP), NORMP_ROW2)
NORM_SUM(normp_f64, double, NORMP_F, LANE_LOOP(x, n, w, l, STEP_NORMP), NORMP_ROW2)

static void norm2_finish(red_acc acc, int64_t o, int64_t n, int64_t count, const red_params *pr, void *out)
{
	tnsr_red_sum_finish(acc, o, n, count, pr, out);
	for (int64_t i = 0; i < n; i++)
		((double *)out)[i] = sqrt(((double *)out)[i]);
}
static void normp_finish(red_acc acc, int64_t o, int64_t n, int64_t count, const red_params *pr, void *out)
{
	tnsr_red_sum_finish(acc, o, n, count, pr, out);
	for (int64_t i = 0; i < n; i++)
		((double *)out)[i] = pow(((double *)out)[i], 1.0 / pr->p);
}

/* Orders inf and -inf: the largest and smallest |x| (NaN wins); field 0. */
#define STEP_NORMI(a, v, j) ((a) = OP_FMAX((a), fabs((double)(v))))
#define STEP_NORMN(a, v, j) ((a) = OP_FMIN((a), fabs((double)(v))))
#define VSTEP_NORMI(a, v, q) VSTEP_FMAX(a, VABS(v), q)
#define VSTEP_NORMN(a, v, q) VSTEP_FMIN(a, VABS(v), q)
#define NORM_EXT(NAME, T, OP, INIT, STEP, VSTEP)                                                  \
	RED_INLINE void NAME##_part(const T *restrict x, int64_t n, int p, red_slot *part,       \
				    const red_params *pr)                                        \
	{                                                                                        \
		double l[LANES_MAX];                                                             \
		for (int j = 0; j < LANES_MAX; j++)                                              \
			l[j] = (INIT);                                                           \
		int w = lane_width(p);                                                           \
		FLANE_LOOP(T, w, STEP, VSTEP);                                          \
		for (int k = 0; k < p; k++)                                                      \
			FOLD(double, l, w, p, k, OP, part[k * NP].f);                            \
	}                                                                                        \
	RED_INLINE void NAME##_merge(red_acc acc, int64_t o, int p, const red_slot *part, int64_t red, \
				     int64_t rows, const red_params *pr)                         \
	{                                                                                        \
		double *a = (double *)acc[0] + o;                                                \
		for (int k = 0; k < p; k++)                                                      \
			a[k] = OP(a[k], part[k * NP].f);                                         \
	}                                                                                        \
	RED_INLINE void NAME##_row(red_acc acc, int64_t o, const T *restrict x, int64_t n, int64_t red, \
				   const red_params *pr)                                         \
	{                                                                                        \
		double *a = (double *)acc[0] + o;                                                \
		FROW_LOOP(n,                                                                     \
			  do {                                                                   \
				  vd a_ = VLD(a + k);                                            \
				  VSTEP(a_, VLOAD_##T(x + k), 0);                                \
				  VST(a + k, a_);                                                \
			  } while (0),                                                           \
			  a[k] = OP(a[k], fabs((double)x[k])));                                  \
	}                                                                                        \
	static void NAME##_init(red_acc acc, int64_t o, int64_t n)                               \
	{                                                                                        \
		double *a = (double *)acc[0] + o;                                                \
		for (int64_t i = 0; i < n; i++)                                                  \
			a[i] = (INIT);                                                           \
	}                                                                                        \
	KERNEL_WRAPPERS(NAME, T)

NORM_EXT(normi_f32, float, OP_FMAX, 0.0, STEP_NORMI, VSTEP_NORMI)
NORM_EXT(normi_f64, double, OP_FMAX, 0.0, STEP_NORMI, VSTEP_NORMI)
NORM_EXT(normn_f32, float, OP_FMIN, INFINITY, STEP_NORMN, VSTEP_NORMN)
NORM_EXT(normn_f64, double, OP_FMIN, INFINITY, STEP_NORMN, VSTEP_NORMN)

/* ---------------------------------------------------------------- all, any */

/* Bytes read as "nonzero", then AND or OR; field 0 holds one byte per output. */
#define all_STEP(a, v, j) ((a) &= (uint8_t)((v) != 0))
#define any_STEP(a, v, j) ((a) |= (uint8_t)((v) != 0))
#define LOGIC(NAME, OP, INIT)                                                                     \
	RED_INLINE void NAME##_part(const uint8_t *restrict x, int64_t n, int p, red_slot *part, \
				    const red_params *pr)                                        \
	{                                                                                        \
		uint8_t l[LANES_MAX];                                                            \
		memset(l, (INIT), sizeof l);                                                     \
		int w = lane_width(p);                                                           \
		LANE_LOOP(x, n, w, l, NAME##_STEP);                                              \
		for (int k = 0; k < p; k++) {                                                    \
			uint8_t v;                                                               \
			FOLD(uint8_t, l, w, p, k, OP, v);                                        \
			part[k * NP].u = v;                                                      \
		}                                                                                \
	}                                                                                        \
	RED_INLINE void NAME##_merge(red_acc acc, int64_t o, int p, const red_slot *part, int64_t red, \
				     int64_t rows, const red_params *pr)                         \
	{                                                                                        \
		uint8_t *a = (uint8_t *)acc[0] + o;                                              \
		for (int k = 0; k < p; k++)                                                      \
			a[k] = (uint8_t)OP(a[k], (uint8_t)part[k * NP].u);                       \
	}                                                                                        \
	RED_INLINE void NAME##_row(red_acc acc, int64_t o, const uint8_t *restrict x, int64_t n,  \
				   int64_t red, const red_params *pr)                            \
	{                                                                                        \
		uint8_t *restrict a = (uint8_t *)acc[0] + o;                                     \
		for (int64_t k = 0; k < n; k++)                                                  \
			a[k] = (uint8_t)OP(a[k], (uint8_t)(x[k] != 0));                          \
	}                                                                                        \
	static void NAME##_init(red_acc acc, int64_t o, int64_t n) { memset((uint8_t *)acc[0] + o, (INIT), (size_t)n); } \
	KERNEL_WRAPPERS(NAME, uint8_t)

LOGIC(all, OP_AND, 1)
LOGIC(any, OP_OR, 0)

static void bool_finish(red_acc acc, int64_t o, int64_t n, int64_t count, const red_params *pr, void *out)
{
	memcpy(out, (const uint8_t *)acc[0] + o, (size_t)n);
}

/* ---------------------------------------------------------------- logsumexp */

/* Field 0 the largest finite value M so far (-inf: none), field 1 the sum of exp(x - M)
 * over finite x, field 2 flags: 1 a NaN was seen, 2 a +inf.  As PyTorch: NaN anywhere
 * gives NaN, else +inf anywhere gives +inf, all -inf gives -inf.  A block takes its
 * finite max by lanes, then sums exp(x - max). */
#define LSE_NAN 1
#define LSE_INF 2
RED_INLINE void lse_add(double *m, double *s, double bm, double bs)
{
	if (bm == -INFINITY)
		return;
	if (bm > *m) {
		*s = *s * exp(*m - bm) + bs;
		*m = bm;
	} else {
		*s += bs * exp(bm - *m);
	}
}
#define FINITE(v) ((double)(v) - (double)(v) == 0)
#define STEP_LSE_MAX(a, v, j) ((a) = (FINITE(v) && (double)(v) > (a)) ? (double)(v) : (a))
#define VSTEP_LSE_MAX(a, v, q) ((a) = VSEL((((v) - (v)) == 0) & ((v) > (a)), (v), (a)))
#define STEP_LSE_FLAGS(a, v, j) ((a) |= ((v) != (v) ? LSE_NAN : 0) | ((double)(v) == INFINITY ? LSE_INF : 0))
#define STEP_LSE_SUM(a, v, j) ((a) += FINITE(v) ? exp((double)(v) - mlane[j]) : 0.0)
#define LSE_SUM_F64 LANE_LOOP(x, n, w, l, STEP_LSE_SUM)
/* f32: exp in f32 (fastexp.h), four at a time when one column, summed in f64 lanes. */
#define STEP_LSE_SUMF(a, v, j) ((a) += FINITE(v) ? (double)fx_expf((v) - (float)mlane[j]) : 0.0)
#define LSE_SUM_F32                                                                              \
	do {                                                                                     \
		if (p != 1) {                                                                    \
			LANE_LOOP(x, n, w, l, STEP_LSE_SUMF);                                    \
			break;                                                                   \
		}                                                                                \
		float mf = (float)mlane[0];                                                      \
		fx_vf m4 = {mf, mf, mf, mf}, zero4 = {0, 0, 0, 0};                               \
		int64_t i = 0;                                                                   \
		for (; i + 16 <= n; i += 16)                                                     \
			for (int q = 0; q < 16; q += 4) {                                        \
				fx_vf v = *(const fx_vf_u *)(x + i + q);                         \
				fx_vf e = fx_sel((v - v) == 0, fx_expf4(v - m4), zero4);         \
				for (int j = 0; j < 4; j++)                                      \
					l[q + j] += (double)e[j];                                \
			}                                                                        \
		for (int j = 0; i + j < n; j++)                                                  \
			STEP_LSE_SUMF(l[j], x[i + j], j);                                        \
	} while (0)
#define LSE(NAME, T, SUMLOOP)                                                                     \
	RED_INLINE void NAME##_part(const T *restrict x, int64_t n, int p, red_slot *part,       \
				    const red_params *pr)                                        \
	{                                                                                        \
		double l[LANES_MAX], mlane[LANES_MAX], m[RED_PMAX];                              \
		int f[LANES_MAX] = {0};                                                          \
		int w = lane_width(p);                                                           \
		for (int j = 0; j < LANES_MAX; j++)                                              \
			l[j] = -INFINITY;                                                        \
		FLANE_LOOP(T, w, STEP_LSE_MAX, VSTEP_LSE_MAX);                          \
		LANE_LOOP(x, n, w, f, STEP_LSE_FLAGS);                                           \
		for (int k = 0; k < p; k++) {                                                    \
			FOLD(double, l, w, p, k, OP_IMAX, m[k]);                                 \
			FOLD(int, f, w, p, k, OP_OR, part[k * NP + 2].i);                        \
		}                                                                                \
		for (int j = 0; j < w; j++) {                                                    \
			mlane[j] = m[j % p];                                                     \
			l[j] = 0;                                                                \
		}                                                                                \
		SUMLOOP;                                                                         \
		for (int k = 0; k < p; k++) {                                                    \
			part[k * NP].f = m[k];                                                   \
			FOLD(double, l, w, p, k, OP_ADD, part[k * NP + 1].f);                    \
		}                                                                                \
	}                                                                                        \
	RED_INLINE void NAME##_merge(red_acc acc, int64_t o, int p, const red_slot *part, int64_t red, \
				     int64_t rows, const red_params *pr)                         \
	{                                                                                        \
		double *m = (double *)acc[0] + o, *s = (double *)acc[1] + o;                     \
		int64_t *flags = (int64_t *)acc[2] + o;                                          \
		for (int k = 0; k < p; k++) {                                                    \
			flags[k] |= part[k * NP + 2].i;                                          \
			lse_add(m + k, s + k, part[k * NP].f, part[k * NP + 1].f);               \
		}                                                                                \
	}                                                                                        \
	RED_INLINE void NAME##_row(red_acc acc, int64_t o, const T *restrict x, int64_t n, int64_t red, \
				   const red_params *pr)                                         \
	{                                                                                        \
		double *m = (double *)acc[0] + o, *s = (double *)acc[1] + o;                     \
		int64_t *flags = (int64_t *)acc[2] + o;                                          \
		for (int64_t k = 0; k < n; k++) {                                                \
			double v = (double)x[k];                                                 \
			if (v != v)                                                              \
				flags[k] |= LSE_NAN;                                             \
			else if (v == INFINITY)                                                  \
				flags[k] |= LSE_INF;                                             \
			else                                                                     \
				lse_add(m + k, s + k, v, 1.0);                                   \
		}                                                                                \
	}                                                                                        \
	KERNEL_WRAPPERS(NAME, T)

LSE(lse_f32, float, LSE_SUM_F32)
LSE(lse_f64, double, LSE_SUM_F64)

static void lse_init(red_acc acc, int64_t o, int64_t n)
{
	double *m = (double *)acc[0] + o;
	for (int64_t i = 0; i < n; i++)
		m[i] = -INFINITY;
	memset((double *)acc[1] + o, 0, (size_t)n * 8);
	memset((int64_t *)acc[2] + o, 0, (size_t)n * 8);
}
static void lse_finish(red_acc acc, int64_t o, int64_t n, int64_t count, const red_params *pr, void *out)
{
	const double *m = (const double *)acc[0] + o, *s = (const double *)acc[1] + o;
	const int64_t *flags = (const int64_t *)acc[2] + o;
	for (int64_t i = 0; i < n; i++)
		((double *)out)[i] = (flags[i] & LSE_NAN)   ? NAN
				     : (flags[i] & LSE_INF) ? INFINITY
				     : m[i] == -INFINITY    ? -INFINITY
							    : m[i] + log(s[i]);
}

/* ---------------------------------------------------------------- the table */

#define K KERNEL
#define KAHAN tnsr_red_kahan_init
#define FIELD0 tnsr_red_field0_finish
const red_kernel_row RED_SYM(tnsr_red_stats_kernels)[] = {
	{TNSR_RED_VAR, TNSR_F32, 0, K(var_f32, 2, TNSR_F64, KAHAN, var_finish)},
	{TNSR_RED_VAR, TNSR_F64, 0, K(var_f64, 2, TNSR_F64, KAHAN, var_finish)},
	{TNSR_RED_STD, TNSR_F32, 0, K(var_f32, 2, TNSR_F64, KAHAN, std_finish)},
	{TNSR_RED_STD, TNSR_F64, 0, K(var_f64, 2, TNSR_F64, KAHAN, std_finish)},
	{TNSR_RED_NORM, TNSR_F32, RED_NORM_2, K(norm2_f32, 2, TNSR_F64, KAHAN, norm2_finish)},
	{TNSR_RED_NORM, TNSR_F64, RED_NORM_2, K(norm2_f64, 2, TNSR_F64, KAHAN, norm2_finish)},
	{TNSR_RED_NORM, TNSR_F32, RED_NORM_1, K(norm1_f32, 2, TNSR_F64, KAHAN, tnsr_red_sum_finish)},
	{TNSR_RED_NORM, TNSR_F64, RED_NORM_1, K(norm1_f64, 2, TNSR_F64, KAHAN, tnsr_red_sum_finish)},
	{TNSR_RED_NORM, TNSR_F32, RED_NORM_0, K(norm0_f32, 2, TNSR_F64, KAHAN, tnsr_red_sum_finish)},
	{TNSR_RED_NORM, TNSR_F64, RED_NORM_0, K(norm0_f64, 2, TNSR_F64, KAHAN, tnsr_red_sum_finish)},
	{TNSR_RED_NORM, TNSR_F32, RED_NORM_P, K(normp_f32, 2, TNSR_F64, KAHAN, normp_finish)},
	{TNSR_RED_NORM, TNSR_F64, RED_NORM_P, K(normp_f64, 2, TNSR_F64, KAHAN, normp_finish)},
	{TNSR_RED_NORM, TNSR_F32, RED_NORM_INF, K(normi_f32, 1, TNSR_F64, normi_f32_init, FIELD0)},
	{TNSR_RED_NORM, TNSR_F64, RED_NORM_INF, K(normi_f64, 1, TNSR_F64, normi_f64_init, FIELD0)},
	{TNSR_RED_NORM, TNSR_F32, RED_NORM_NINF, K(normn_f32, 1, TNSR_F64, normn_f32_init, FIELD0)},
	{TNSR_RED_NORM, TNSR_F64, RED_NORM_NINF, K(normn_f64, 1, TNSR_F64, normn_f64_init, FIELD0)},
	{TNSR_RED_ALL, TNSR_BOOL, 0, K(all, 1, TNSR_BOOL, all_init, bool_finish)},
	{TNSR_RED_ANY, TNSR_BOOL, 0, K(any, 1, TNSR_BOOL, any_init, bool_finish)},
	{TNSR_RED_LOGSUMEXP, TNSR_F32, 0, K(lse_f32, 3, TNSR_F64, lse_init, lse_finish)},
	{TNSR_RED_LOGSUMEXP, TNSR_F64, 0, K(lse_f64, 3, TNSR_F64, lse_init, lse_finish)},
};
#ifndef RED_AVX2
const size_t tnsr_red_stats_nkernels = sizeof tnsr_red_stats_kernels / sizeof *tnsr_red_stats_kernels;
#endif
