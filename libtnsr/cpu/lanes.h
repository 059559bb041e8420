/* lanes.h: the loop machinery the reduction kernels (reducers*.c) are written with.
 *
 * A block kernel keeps W >= 16 lanes of accumulators, element i of its block in lane
 * i % W, and folds each column's lanes (k, k+P, k+2P, ...) in a fixed pairwise tree: the
 * order of every operation is fixed by positions alone, so the compiler may vectorize
 * without reassociating anything and the result never depends on how the input was
 * chunked.  Floating kernels spell the common W == 16 case with GCC vector types (eight
 * vectors of two f64 lanes, lane 2q+j in vector q), each vector step doing exactly what
 * the scalar step does to its lanes; no FMA is enabled, so every clone rounds alike. */
#ifndef TNSR_LANES_H
#define TNSR_LANES_H

#include <emmintrin.h>
#include <math.h>
#include <string.h>

#include "reducers.h"

/* Hot loops get an AVX2 clone picked at load time. */
#define RED_HOT __attribute__((target_clones("avx2", "default")))
#define RED_INLINE static inline __attribute__((always_inline))
#define LANES_MAX 32
#define NP RED_NPART

/* Lanes for period P: a multiple of P, at least 16; 16 itself when P divides it. */
RED_INLINE int lane_width(int p) { return 16 % p == 0 ? 16 : p * ((16 + p - 1) / p); }

/* STEP(l[j], x[i], j) over X[0..N) with element i in lane j = i % W. */
#define LANE_LOOP(x, n, w, l, STEP)                                                              \
	do {                                                                                     \
		int64_t i_ = 0;                                                                  \
		if ((w) == 16)                                                                   \
			for (; i_ + 16 <= (n); i_ += 16)                                         \
				for (int j_ = 0; j_ < 16; j_++)                                  \
					STEP((l)[j_], (x)[i_ + j_], j_);                         \
		else                                                                             \
			for (; i_ + (w) <= (n); i_ += (w))                                       \
				for (int j_ = 0; j_ < (w); j_++)                                 \
					STEP((l)[j_], (x)[i_ + j_], j_);                         \
		for (int j_ = 0; i_ + j_ < (n); j_++)                                            \
			STEP((l)[j_], (x)[i_ + j_], j_);                                         \
	} while (0)

/* OUT = the lanes of column K (lanes K, K+P, ...) combined by OP in a pairwise tree. */
#define FOLD(A, l, w, p, k, OP, out)                                                             \
	do {                                                                                     \
		int c_ = (w) / (p);                                                              \
		A v_[16];                                                                        \
		for (int i_ = 0; i_ < c_; i_++)                                                  \
			v_[i_] = (l)[(k) + i_ * (p)];                                            \
		for (int s_ = 1; s_ < c_; s_ *= 2)                                               \
			for (int i_ = 0; i_ + s_ < c_; i_ += 2 * s_)                             \
				v_[i_] = OP(v_[i_], v_[i_ + s_]);                                \
		(out) = v_[0];                                                                   \
	} while (0)

#define OP_ADD(a, b) ((a) + (b))
#define OP_MUL(a, b) ((a) * (b))
#define OP_AND(a, b) ((a) & (b))
#define OP_OR(a, b) ((a) | (b))
/* NaN wins: once a lane holds NaN it keeps it. */
#define OP_FMAX(a, b) (((b) > (a) || (b) != (b)) ? (b) : (a))
#define OP_FMIN(a, b) (((b) < (a) || (b) != (b)) ? (b) : (a))
#define OP_IMAX(a, b) ((b) > (a) ? (b) : (a))
#define OP_IMIN(a, b) ((b) < (a) ? (b) : (a))

/* ---------------------------------------------------------------- vectors */

typedef double vd __attribute__((vector_size(16)));
typedef int64_t vm __attribute__((vector_size(16))); /* a comparison's lane mask */
typedef double vd_u __attribute__((vector_size(16), aligned(8), may_alias));
typedef int64_t vm_u __attribute__((vector_size(16), aligned(8), may_alias));
#define VW 2 /* lanes per vector */
/* two floats widened (SSE2: cvtps2pd; GCC's generic conversion takes three instructions) */
#define VLOAD_float(p) ((vd)_mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)(p)))))
#define VLOAD_double(p) (*(const vd_u *)(p))
#define VLD(p) (*(const vd_u *)(p))
#define VST(p, v) (*(vd_u *)(p) = (v))
#define VSEL(m, a, b) ((vd)(((vm)(a) & (m)) | ((vm)(b) & ~(m))))
#define VABS(v) ((vd)((vm)(v) & (vm){INT64_MAX, INT64_MAX}))
#define VONE ((vd){1, 1})
#define VSPLAT(x) ((vd){(x), (x)})

/* LANE_LOOP for floating X (T float or double, lanes f64) with a vector step VSTEP(a, v, q)
 * on vector q (lanes 2q, 2q+1).  Vectors of two lanes: GCC 12 miscompiles wider generic
 * vectors under target_clones, and two lanes are far faster than memory already. */
#define FLANE_LOOP(T, x, n, w, l, STEP, VSTEP)                                                  \
	do {                                                                                     \
		if ((w) != 16) {                                                                 \
			LANE_LOOP(x, n, w, l, STEP);                                             \
			break;                                                                   \
		}                                                                                \
		int64_t i_ = 0;                                                                  \
		vd a0_ = VLD((l)), a1_ = VLD((l) + 2), a2_ = VLD((l) + 4), a3_ = VLD((l) + 6);  \
		vd a4_ = VLD((l) + 8), a5_ = VLD((l) + 10), a6_ = VLD((l) + 12), a7_ = VLD((l) + 14); \
		for (; i_ + 16 <= (n); i_ += 16) {                                               \
			VSTEP(a0_, VLOAD_##T((x) + i_), 0);                                      \
			VSTEP(a1_, VLOAD_##T((x) + i_ + 2), 1);                                  \
			VSTEP(a2_, VLOAD_##T((x) + i_ + 4), 2);                                  \
			VSTEP(a3_, VLOAD_##T((x) + i_ + 6), 3);                                  \
			VSTEP(a4_, VLOAD_##T((x) + i_ + 8), 4);                                  \
			VSTEP(a5_, VLOAD_##T((x) + i_ + 10), 5);                                 \
			VSTEP(a6_, VLOAD_##T((x) + i_ + 12), 6);                                 \
			VSTEP(a7_, VLOAD_##T((x) + i_ + 14), 7);                                 \
		}                                                                                \
		VST((l), a0_);                                                                   \
		VST((l) + 2, a1_);                                                               \
		VST((l) + 4, a2_);                                                               \
		VST((l) + 6, a3_);                                                               \
		VST((l) + 8, a4_);                                                               \
		VST((l) + 10, a5_);                                                              \
		VST((l) + 12, a6_);                                                              \
		VST((l) + 14, a7_);                                                              \
		for (int j_ = 0; i_ + j_ < (n); j_++)                                            \
			STEP((l)[j_], (x)[i_ + j_], j_);                                         \
	} while (0)

/* Extrema of f32 need no widening: lanes of floats, four per vector (lane 4q+j in vector
 * q), for the same results (max and min are exact) at a quarter of the work. */
typedef float vf __attribute__((vector_size(16)));
typedef int32_t vmf __attribute__((vector_size(16)));
typedef float vf_u __attribute__((vector_size(16), aligned(4), may_alias));
#define VSELF(m, a, b) ((vf)(((vmf)(a) & (m)) | ((vmf)(b) & ~(m))))
#define F32LANE_LOOP(x, n, w, l, STEP, VSTEP)                                                    \
	do {                                                                                     \
		if ((w) != 16) {                                                                 \
			LANE_LOOP(x, n, w, l, STEP);                                             \
			break;                                                                   \
		}                                                                                \
		int64_t i_ = 0;                                                                  \
		vf a0_ = *(const vf_u *)(l), a1_ = *(const vf_u *)((l) + 4);                     \
		vf a2_ = *(const vf_u *)((l) + 8), a3_ = *(const vf_u *)((l) + 12);              \
		for (; i_ + 16 <= (n); i_ += 16) {                                               \
			VSTEP(a0_, *(const vf_u *)((x) + i_));                                   \
			VSTEP(a1_, *(const vf_u *)((x) + i_ + 4));                               \
			VSTEP(a2_, *(const vf_u *)((x) + i_ + 8));                               \
			VSTEP(a3_, *(const vf_u *)((x) + i_ + 12));                              \
		}                                                                                \
		*(vf_u *)(l) = a0_;                                                              \
		*(vf_u *)((l) + 4) = a1_;                                                        \
		*(vf_u *)((l) + 8) = a2_;                                                        \
		*(vf_u *)((l) + 12) = a3_;                                                       \
		for (int j_ = 0; i_ + j_ < (n); j_++)                                            \
			STEP((l)[j_], (x)[i_ + j_], j_);                                         \
	} while (0)
#define VSTEPF_FMAX(a, v) ((a) = VSELF(((v) > (a)) | ((v) != (v)), (v), (a)))
#define VSTEPF_FMIN(a, v) ((a) = VSELF(((v) < (a)) | ((v) != (v)), (v), (a)))

/* A row of N columns: VBODY on k, k+1 while they fit, then SBODY on each k left.  The
 * bodies are macro arguments: no comma outside parentheses in them. */
#define FROW_LOOP(n, VBODY, SBODY)                                                               \
	do {                                                                                     \
		int64_t k = 0;                                                                   \
		for (; k + VW <= (n); k += VW) {                                                 \
			VBODY;                                                                   \
		}                                                                                \
		for (; k < (n); k++) {                                                           \
			SBODY;                                                                   \
		}                                                                                \
	} while (0)

#define STEP_ADD_F(a, v, j) ((a) += (double)(v))
#define VSTEP_ADD(a, v, q) ((a) += (v))
#define VSTEP_MUL(a, v, q) ((a) *= (v))
#define VSTEP_FMAX(a, v, q) ((a) = VSEL(((v) > (a)) | ((v) != (v)), (v), (a)))
#define VSTEP_FMIN(a, v, q) ((a) = VSEL(((v) < (a)) | ((v) != (v)), (v), (a)))

/* ---------------------------------------------------------------- Kahan */

/* S += V with Kahan's compensation C.  Once the sum is infinite or NaN the compensation
 * is dropped (it would be inf - inf = NaN and poison a sum that is merely infinite). */
RED_INLINE void kahan_add(double *s, double *c, double v)
{
	double y = v - *c, t = *s + y;
	double comp = (t - *s) - y;
	*c = t - t == 0 ? comp : 0.0;
	*s = t;
}

/* Kahan's update of s[k], s[k+1] and c[k], c[k+1] by the vector V (as kahan_add on each). */
#define KAHAN_V(V)                                                                                \
	do {                                                                                     \
		vd sv_ = VLD(s + k);                                                             \
		vd y_ = (V) - VLD(c + k);                                                        \
		vd t_ = sv_ + y_;                                                                \
		vd comp_ = (t_ - sv_) - y_;                                                      \
		VST(c + k, VSEL((t_ - t_) == 0, comp_, (vd){0}));                                \
		VST(s + k, t_);                                                                  \
	} while (0)

/* ---------------------------------------------------------------- wrappers */

/* The driver-facing functions every kernel family shares, from its static inline
 * NAME##_part, NAME##_merge and NAME##_row over elements of type T. */
#define COLS_TILE 16384 /* columns per tile in row kernels: accumulators stay in L2, rows stream */
#define KERNEL_WRAPPERS(NAME, T)                                                                 \
	RED_HOT static void NAME##_partial(const void *x, int64_t n, int p, red_slot *part,      \
					   const red_params *pr)                                 \
	{                                                                                        \
		NAME##_part((const T *)x, n, p, part, pr);                                       \
	}                                                                                        \
	RED_HOT static void NAME##_runs(red_acc acc, int64_t o, int p, const void *xv, int64_t nruns, \
					int64_t len, int64_t red, const red_params *pr)          \
	{                                                                                        \
		const T *x = xv;                                                                 \
		red_slot part[RED_PMAX * NP];                                                    \
		int64_t bl = red_block_len(p);                                                   \
		for (int64_t t = 0; t < nruns; t++)                                              \
			for (int64_t b = 0; b < len; b += bl) {                                  \
				int64_t m = len - b < bl ? len - b : bl;                         \
				NAME##_part(x + t * len + b, m, p, part, pr);                    \
				NAME##_merge(acc, o + t * p, p, part, red + b / p, m / p, pr);   \
			}                                                                        \
	}                                                                                        \
	static void NAME##_merge_fn(red_acc acc, int64_t o, int p, const red_slot *part, int64_t red, \
				    int64_t rows, const red_params *pr)                          \
	{                                                                                        \
		NAME##_merge(acc, o, p, part, red, rows, pr);                                    \
	}                                                                                        \
	RED_HOT static void NAME##_rows(red_acc acc, int64_t o, const void *xv, int64_t nrows,    \
					int64_t ncols, int64_t ld, int64_t red, const red_params *pr) \
	{                                                                                        \
		const T *x = xv;                                                                 \
		for (int64_t k0 = 0; k0 < ncols; k0 += COLS_TILE) {                              \
			int64_t n = ncols - k0 < COLS_TILE ? ncols - k0 : COLS_TILE;             \
			for (int64_t r = 0; r < nrows; r++)                                      \
				NAME##_row(acc, o + k0, x + r * ld + k0, n, red + r, pr);        \
		}                                                                                \
	}

/* A table row: kernel family NAME with NF fields, finishing into FIN. */
#define KERNEL(NAME, NF, FIN, INIT, FINISH) \
	{NF, FIN, INIT, NAME##_partial, NAME##_merge_fn, NAME##_runs, NAME##_rows, FINISH}

typedef struct red_kernel_row {
	tnsr_reduce_id id;
	tnsr_dtype kd;
	red_norm norm;
	red_kernel k;
} red_kernel_row;

/* Shared by both kernel files (reducers.c, reducers_stats.c). */
void tnsr_red_kahan_init(red_acc acc, int64_t o, int64_t n);
void tnsr_red_sum_finish(red_acc acc, int64_t o, int64_t n, int64_t count, const red_params *pr, void *out);
void tnsr_red_field0_finish(red_acc acc, int64_t o, int64_t n, int64_t count, const red_params *pr, void *out);
extern const red_kernel_row tnsr_red_stats_kernels[];
extern const size_t tnsr_red_stats_nkernels;

#endif
