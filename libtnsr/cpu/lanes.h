/* lanes.h: the loop machinery the reduction kernels (reducers*.c) are written with.
 *
 * A block kernel keeps W >= 16 lanes of accumulators, element i of its block in lane
 * i % W, and folds each column's lanes (k, k+P, k+2P, ...) in a fixed pairwise tree: the
 * order of every operation is fixed by positions alone, so the compiler may vectorize
 * without reassociating anything and the result never depends on how the input was
 * chunked.  Floating kernels spell the common W == 16 case with GCC vector types (lane
 * q*VW+j in vector q), each vector step doing exactly what
 * the scalar step does to its lanes.  Every kernel is built twice: here with vectors of
 * two f64 lanes, for any x86-64, and in reducers_avx2.c with four, picked at run time; no
 * FMA is enabled, so both builds give the same bits.  (GCC 12 cannot build wide generic
 * vectors for plain x86-64 nor under target_clones, hence two translation units.) */
#ifndef TNSR_LANES_H
#define TNSR_LANES_H

#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "reducers.h"

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

/* OUT = the lanes of column K (lanes K, K+P, ...) combined by OP in a pairwise tree
 * (spelled out for the common single column of 16 lanes: the same tree). */
#define FOLD16(l, OP)                                                                            \
	OP(OP(OP(OP(l[0], l[1]), OP(l[2], l[3])), OP(OP(l[4], l[5]), OP(l[6], l[7]))),          \
	   OP(OP(OP(l[8], l[9]), OP(l[10], l[11])), OP(OP(l[12], l[13]), OP(l[14], l[15]))))
#define FOLD(A, l, w, p, k, OP, out)                                                             \
	do {                                                                                     \
		if ((w) == 16 && (p) == 1) {                                                     \
			(out) = FOLD16(l, OP);                                                   \
			break;                                                                   \
		}                                                                                \
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

#ifdef RED_AVX2 /* reducers_avx2.c: four f64 (eight f32) lanes per vector */
#define VW 4
typedef double vd __attribute__((vector_size(32)));
typedef int64_t vm __attribute__((vector_size(32))); /* a comparison's lane mask */
typedef double vd_u __attribute__((vector_size(32), aligned(8), may_alias));
typedef int64_t vm_u __attribute__((vector_size(32), aligned(8), may_alias));
typedef float vf __attribute__((vector_size(32)));
typedef int32_t vmf __attribute__((vector_size(32)));
typedef float vf_u __attribute__((vector_size(32), aligned(4), may_alias));
#define VLOAD_float(p) ((vd)_mm256_cvtps_pd(_mm_loadu_ps(p)))
#define VABS(v) ((vd)((vm)(v) & (vm){INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX}))
#define VONE ((vd){1, 1, 1, 1})
#define VSPLAT(x) ((vd){(x), (x), (x), (x)})
#define VSPLATM(x) ((vm){(x), (x), (x), (x)})
#define RED_SYM(name) name##_avx2
#else /* two f64 (four f32) lanes per vector: what every x86-64 has */
#define VW 2
typedef double vd __attribute__((vector_size(16)));
typedef int64_t vm __attribute__((vector_size(16)));
typedef double vd_u __attribute__((vector_size(16), aligned(8), may_alias));
typedef int64_t vm_u __attribute__((vector_size(16), aligned(8), may_alias));
typedef float vf __attribute__((vector_size(16)));
typedef int32_t vmf __attribute__((vector_size(16)));
typedef float vf_u __attribute__((vector_size(16), aligned(4), may_alias));
#define VLOAD_float(p) ((vd)_mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)(p)))))
#define VABS(v) ((vd)((vm)(v) & (vm){INT64_MAX, INT64_MAX}))
#define VONE ((vd){1, 1})
#define VSPLAT(x) ((vd){(x), (x)})
#define VSPLATM(x) ((vm){(x), (x)})
#define RED_SYM(name) name
#endif
#define VLOAD_double(p) (*(const vd_u *)(p))
#define VLD(p) (*(const vd_u *)(p))
#define VST(p, v) (*(vd_u *)(p) = (v))
#define VSEL(m, a, b) ((vd)(((vm)(a) & (m)) | ((vm)(b) & ~(m))))
#define VSELF(m, a, b) ((vf)(((vmf)(a) & (m)) | ((vmf)(b) & ~(m))))
#define FW (2 * VW) /* f32 lanes per vector */

/* Spells M(A, B, q) for each vector q of the 16 lanes (16/VW of f64, 16/FW of f32). */
#if VW == 4
#define RED_FOR_Q(M, A, B) M(A, B, 0) M(A, B, 1) M(A, B, 2) M(A, B, 3)
#define RED_FOR_QF(M, A, B) M(A, B, 0) M(A, B, 1)
#else
#define RED_FOR_Q(M, A, B) M(A, B, 0) M(A, B, 1) M(A, B, 2) M(A, B, 3) M(A, B, 4) M(A, B, 5) M(A, B, 6) M(A, B, 7)
#define RED_FOR_QF(M, A, B) M(A, B, 0) M(A, B, 1) M(A, B, 2) M(A, B, 3)
#endif

/* LANE_LOOP over x[0..n) into the f64 lanes l[] (the names are fixed: x, n, l), for x of
 * T float or double, with a vector step VSTEP(a, v, q) on vector q (lanes q*VW ..). */
#define FL_DECL(T, S, q) vd a##q##_ = VLD(l + (q) * VW);
#define FL_STEP(T, VSTEP, q) VSTEP(a##q##_, VLOAD_##T(x + i_ + (q) * VW), q);
#define FL_STORE(T, S, q) VST(l + (q) * VW, a##q##_);
#define FLANE_LOOP(T, w, STEP, VSTEP)                                                            \
	do {                                                                                     \
		if ((w) != 16) {                                                                 \
			LANE_LOOP(x, n, w, l, STEP);                                             \
			break;                                                                   \
		}                                                                                \
		int64_t i_ = 0;                                                                  \
		RED_FOR_Q(FL_DECL, T, _)                                                         \
		for (; i_ + 16 <= n; i_ += 16) {                                                 \
			RED_FOR_Q(FL_STEP, T, VSTEP)                                             \
		}                                                                                \
		RED_FOR_Q(FL_STORE, T, _)                                                        \
		for (int j_ = 0; i_ + j_ < n; j_++)                                              \
			STEP(l[j_], x[i_ + j_], j_);                                             \
	} while (0)

/* Extrema of f32 need no widening: f32 lanes l[] (lane q*FW+j in vector q), for the same
 * results (max and min are exact) at a quarter of the work. */
#define FF_DECL(A, S, q) vf a##q##_ = *(const vf_u *)(l + (q) * FW);
#define FF_STEP(A, VSTEP, q) VSTEP(a##q##_, *(const vf_u *)(x + i_ + (q) * FW));
#define FF_STORE(A, S, q) *(vf_u *)(l + (q) * FW) = a##q##_;
#define F32LANE_LOOP(w, STEP, VSTEP)                                                             \
	do {                                                                                     \
		if ((w) != 16) {                                                                 \
			LANE_LOOP(x, n, w, l, STEP);                                             \
			break;                                                                   \
		}                                                                                \
		int64_t i_ = 0;                                                                  \
		RED_FOR_QF(FF_DECL, _, _)                                                        \
		for (; i_ + 16 <= n; i_ += 16) {                                                 \
			RED_FOR_QF(FF_STEP, _, VSTEP)                                            \
		}                                                                                \
		RED_FOR_QF(FF_STORE, _, _)                                                       \
		for (int j_ = 0; i_ + j_ < n; j_++)                                              \
			STEP(l[j_], x[i_ + j_], j_);                                             \
	} while (0)
#define VSTEPF_FMAX(a, v) ((a) = VSELF(((v) > (a)) | ((v) != (v)), (v), (a)))
#define VSTEPF_FMIN(a, v) ((a) = VSELF(((v) < (a)) | ((v) != (v)), (v), (a)))

/* A row of N columns: VBODY on k .. k+3 while they fit, then SBODY on each k left.  The
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

/* Kahan's update of s[k .. k+3] and c[k .. k+3] by the vector V (as kahan_add on each). */
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
	static void NAME##_partial(const void *x, int64_t n, int p, red_slot *part, const red_params *pr) \
	{                                                                                        \
		NAME##_part((const T *)x, n, p, part, pr);                                       \
	}                                                                                        \
	static void NAME##_runs(red_acc acc, int64_t o, int p, const void *xv, int64_t nruns, int64_t len, \
				int64_t red, const red_params *pr)                               \
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
	static void NAME##_rows(red_acc acc, int64_t o, const void *xv, int64_t nrows, int64_t ncols, \
				int64_t ld, int64_t red, const red_params *pr)                   \
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

/* Shared by the kernel files (reducers.c, reducers_stats.c, and both again in
 * reducers_avx2.c); the tables of each build. */
void tnsr_red_kahan_init(red_acc acc, int64_t o, int64_t n);
void tnsr_red_sum_finish(red_acc acc, int64_t o, int64_t n, int64_t count, const red_params *pr, void *out);
void tnsr_red_field0_finish(red_acc acc, int64_t o, int64_t n, int64_t count, const red_params *pr, void *out);
extern const red_kernel_row tnsr_red_base_kernels[], tnsr_red_stats_kernels[];
extern const red_kernel_row tnsr_red_base_kernels_avx2[], tnsr_red_stats_kernels_avx2[];
extern const size_t tnsr_red_base_nkernels, tnsr_red_stats_nkernels;

#endif
