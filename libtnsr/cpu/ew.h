/* ew.h: what the elementwise driver (elementwise.c) and the kernel files (unary.c,
 * binary.c, complex.c) share: the strided loop type, per-dtype traits as X-macro
 * tokens, and the loop generators that turn one expression into a vectorizable loop. */
#ifndef TNSR_EW_H
#define TNSR_EW_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "half.h"
#include "ops.h"

/* A loop over N elements: operand k starts at IN[k] and advances STEP[k] bytes per
 * element (its element size, 0 for a broadcast scalar, or any other multiple of the
 * element size, negative included); OUT is contiguous and may be IN[k] itself when
 * their dtypes match (never a partial overlap).  Every pointer is aligned to its
 * element size.  Returns 0, or an EW_ERR_* code for what PyTorch raises on. */
typedef int (*tnsr_ew_loop)(void *out, const void *const *in, const int64_t *step, int64_t n,
			    const tnsr_op_args *args);

enum { EW_OK = 0, EW_ERR_ZERO_DIV = 1, EW_ERR_NOMEM = 2 };

/* The dtype rules of struct tnsr_ew_desc. */
enum ew_promote {
	EW_SAME,     /* compute in torch.result_type of the operands */
	EW_FLOAT,    /* ... with bool and integers computed in f32 (torch's default dtype) */
	EW_BOOL_I64, /* ... with bool computed in i64 (square: torch's pow(x, 2)) */
	EW_WHERE,    /* result_type of A and B; COND goes to bool */
	EW_CLAMP,    /* result_type of A and the bounds as number literals */
	EW_CAST,     /* args->dtype */
};
enum ew_out {
	EW_OUT_SAME, /* the compute dtype */
	EW_OUT_BOOL, /* bool (comparisons, predicates) */
	EW_OUT_REAL, /* the compute dtype, complex made real (abs) */
};
enum ew_flags {
	EW_NO_BOOL_OPERAND = 1u << 0, /* any bool operand is refused (sub) */
	EW_NO_BOOL_INPUT = 1u << 1,   /* a bool input is refused although torch computes it in f32 */
};

/* One op on one compute dtype: the strided loop, and the same over contiguous
 * operands as the plan's tnsr_ew_fn. */
struct tnsr_ew_kernel {
	tnsr_ew_loop loop;
	tnsr_ew_fn fn;
};

/* An EW_ERR_* code as a status with its message ("remainder: integer division by zero"). */
tnsr_status tnsr_ew_status(int code, const char *op);

/* Hot loops get an AVX2 clone chosen at run time (no -march=native needed). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define EW_HOT __attribute__((target_clones("avx2", "default")))
#else
#define EW_HOT
#endif

/* GCC's -O2 vectorizes only loops that need no scalar epilogue and no run-time alias
 * check, so loops run in blocks of a fixed length (counted by an int: a trip count GCC
 * can prove), finish the remainder plainly, and say that no element depends on another
 * (ivdep: OUT may be an operand, element for element, but never overlaps one partially). */
enum { EW_BLOCK = 64 };
#if defined(__GNUC__) && !defined(__clang__) /* clang vectorizes with run-time alias checks */
#define EW_IVDEP _Pragma("GCC ivdep")
#else
#define EW_IVDEP
#endif
#define EW_FOR(i, n, BODY)                                                                   \
	do {                                                                                 \
		int64_t i##_ = 0;                                                            \
		for (; i##_ + EW_BLOCK <= (n); i##_ += EW_BLOCK)                             \
			EW_IVDEP for (int i##k_ = 0; i##k_ < EW_BLOCK; i##k_++) { \
				const int64_t i = i##_ + i##k_;                              \
				BODY;                                                        \
			}                                                                    \
		for (int64_t i = i##_; i < (n); i++) {                                       \
			BODY;                                                                \
		}                                                                            \
	} while (0)

/* ---------------------------------------------------------------- dtype traits */

/* Per dtype token: the enum value, the stored C type (ST), the type values are computed
 * in (CT: f16 and bf16 in f32, rounded once when stored), the type transcendental
 * functions are evaluated in (MT: f32 in f64 so that results are correctly rounded or
 * nearly), an unsigned type of at least int's width for wrapping integer arithmetic
 * (UT), how a stored element is read (LD) and how a CT value is stored (SV).  Bool reads
 * any nonzero byte as true. */
#define EW_ENUM_b1 TNSR_BOOL
#define EW_ENUM_i8 TNSR_I8
#define EW_ENUM_i16 TNSR_I16
#define EW_ENUM_i32 TNSR_I32
#define EW_ENUM_i64 TNSR_I64
#define EW_ENUM_u8 TNSR_U8
#define EW_ENUM_u16 TNSR_U16
#define EW_ENUM_u32 TNSR_U32
#define EW_ENUM_u64 TNSR_U64
#define EW_ENUM_f16 TNSR_F16
#define EW_ENUM_bf16 TNSR_BF16
#define EW_ENUM_f32 TNSR_F32
#define EW_ENUM_f64 TNSR_F64

#define EW_ST_b1 uint8_t
#define EW_ST_i8 int8_t
#define EW_ST_i16 int16_t
#define EW_ST_i32 int32_t
#define EW_ST_i64 int64_t
#define EW_ST_u8 uint8_t
#define EW_ST_u16 uint16_t
#define EW_ST_u32 uint32_t
#define EW_ST_u64 uint64_t
#define EW_ST_f16 uint16_t
#define EW_ST_bf16 uint16_t
#define EW_ST_f32 float
#define EW_ST_f64 double

#define EW_CT_b1 uint8_t
#define EW_CT_i8 int8_t
#define EW_CT_i16 int16_t
#define EW_CT_i32 int32_t
#define EW_CT_i64 int64_t
#define EW_CT_u8 uint8_t
#define EW_CT_u16 uint16_t
#define EW_CT_u32 uint32_t
#define EW_CT_u64 uint64_t
#define EW_CT_f16 float
#define EW_CT_bf16 float
#define EW_CT_f32 float
#define EW_CT_f64 double

#define EW_MT_f16 float
#define EW_MT_bf16 float
#define EW_MT_f32 double
#define EW_MT_f64 double

#define EW_UT_i8 uint32_t
#define EW_UT_i16 uint32_t
#define EW_UT_i32 uint32_t
#define EW_UT_i64 uint64_t
#define EW_UT_u8 uint32_t
#define EW_UT_u16 uint32_t
#define EW_UT_u32 uint32_t
#define EW_UT_u64 uint64_t

#define EW_LD_b1(v) ((uint8_t)((v) != 0))
#define EW_LD_i8(v) (v)
#define EW_LD_i16(v) (v)
#define EW_LD_i32(v) (v)
#define EW_LD_i64(v) (v)
#define EW_LD_u8(v) (v)
#define EW_LD_u16(v) (v)
#define EW_LD_u32(v) (v)
#define EW_LD_u64(v) (v)
#define EW_LD_f16(v) half_f16_to_f32(v)
#define EW_LD_bf16(v) half_bf16_to_f32(v)
#define EW_LD_f32(v) (v)
#define EW_LD_f64(v) (v)

/* Integer results are computed in UT and cut to ST: the conversion wraps (GCC defines
 * it as modulo 2^N), so overflow is never undefined. */
#define EW_SV_b1(v) ((uint8_t)((v) != 0))
#define EW_SV_i8(v) ((int8_t)(v))
#define EW_SV_i16(v) ((int16_t)(v))
#define EW_SV_i32(v) ((int32_t)(v))
#define EW_SV_i64(v) ((int64_t)(v))
#define EW_SV_u8(v) ((uint8_t)(v))
#define EW_SV_u16(v) ((uint16_t)(v))
#define EW_SV_u32(v) ((uint32_t)(v))
#define EW_SV_u64(v) ((uint64_t)(v))
#define EW_SV_f16(v) half_f16_from_f32((float)(v))
#define EW_SV_bf16(v) half_bf16_from_f32((float)(v))
#define EW_SV_f32(v) ((float)(v))
#define EW_SV_f64(v) ((double)(v))

#define EW_ST(D) EW_ST_##D
#define EW_CT(D) EW_CT_##D
#define EW_MT(D) EW_MT_##D
#define EW_UT(D) EW_UT_##D
#define EW_ENUM(D) EW_ENUM_##D

/* Dtype lists for the generators: X(D, ARG). */
#define EW_SIGNED(X, A) X(i8, A) X(i16, A) X(i32, A) X(i64, A)
#define EW_UNSIGNED(X, A) X(u8, A) X(u16, A) X(u32, A) X(u64, A)
#define EW_INTS(X, A) EW_SIGNED(X, A) EW_UNSIGNED(X, A)
#define EW_FLOATS(X, A) X(f16, A) X(bf16, A) X(f32, A) X(f64, A)
#define EW_REALS(X, A) EW_INTS(X, A) EW_FLOATS(X, A)

/* A table entry for the kernel NAME_D: [TNSR_D] = {loop, contiguous wrapper}. */
#define EW_ENTRY(D, NAME) [EW_ENUM(D)] = {NAME##_##D, NAME##_##D##_c},

/* ---------------------------------------------------------------- loop generators */

/* The contiguous form of loop NAME, whose operands have sizes S0, S1, S2. */
#define EW_CONTIGUOUS(NAME, OPNAME, S0, S1, S2)                                              \
	static tnsr_status NAME##_c(void *out, const void *const *in, size_t n, const tnsr_op_args *args) \
	{                                                                                    \
		static const int64_t step[3] = {S0, S1, S2};                                 \
		return tnsr_ew_status(NAME(out, in, step, (int64_t)n, args), OPNAME);        \
	}

/* A unary loop NAME over dtype D writing OT: EXPR computes the stored result from x (a
 * CT value).  EXPR may set `bad` to an EW_ERR_* code. */
#define EW_UNARY(NAME, OPNAME, D, OT, EXPR)                                                  \
	EW_HOT static int NAME(void *out, const void *const *in, const int64_t *step, int64_t n, \
			       const tnsr_op_args *args)                                     \
	{                                                                                    \
		OT *o = out;                                                                 \
		const EW_ST(D) *a = in[0];                                                   \
		int64_t sa = step[0];                                                        \
		int bad = 0;                                                                 \
		(void)args;                                                                  \
		if (sa == (int64_t)sizeof *a) {                                              \
			EW_FOR(i, n, EW_CT(D) x = EW_LD_##D(a[i]); o[i] = (EXPR));           \
		} else {                                                                     \
			const char *pa = (const char *)a;                                    \
			for (int64_t i = 0; i < n; i++) {                                    \
				EW_CT(D) x = EW_LD_##D(*(const EW_ST(D) *)(pa + i * sa));     \
				o[i] = (EXPR);                                               \
			}                                                                    \
		}                                                                            \
		return bad;                                                                  \
	}                                                                                    \
	EW_CONTIGUOUS(NAME, OPNAME, sizeof(EW_ST(D)), 0, 0)

/* A binary loop NAME over dtype D (both operands) writing OT: EXPR computes the stored
 * result from x and y.  Contiguous operands, and one of them a broadcast scalar, get
 * loops of their own that the compiler vectorizes; other strides a plain loop. */
#define EW_BINARY(NAME, OPNAME, D, OT, EXPR)                                                 \
	EW_HOT static int NAME(void *out, const void *const *in, const int64_t *step, int64_t n, \
			       const tnsr_op_args *args)                                     \
	{                                                                                    \
		typedef EW_ST(D) st;                                                         \
		OT *o = out;                                                                 \
		const st *a = in[0], *b = in[1];                                             \
		const int64_t sa = step[0], sb = step[1], size = (int64_t)sizeof(st);        \
		int bad = 0;                                                                 \
		(void)args;                                                                  \
		if (sa == size && sb == size) {                                              \
			EW_FOR(i, n, EW_CT(D) x = EW_LD_##D(a[i]); EW_CT(D) y = EW_LD_##D(b[i]); \
			       o[i] = (EXPR));                                               \
		} else if (sa == size && sb == 0) {                                          \
			const EW_CT(D) y = EW_LD_##D(b[0]);                                  \
			EW_FOR(i, n, EW_CT(D) x = EW_LD_##D(a[i]); o[i] = (EXPR));           \
		} else if (sa == 0 && sb == size) {                                          \
			const EW_CT(D) x = EW_LD_##D(a[0]);                                  \
			EW_FOR(i, n, EW_CT(D) y = EW_LD_##D(b[i]); o[i] = (EXPR));           \
		} else {                                                                     \
			const char *pa = (const char *)a, *pb = (const char *)b;             \
			for (int64_t i = 0; i < n; i++) {                                    \
				EW_CT(D) x = EW_LD_##D(*(const st *)(pa + i * sa));          \
				EW_CT(D) y = EW_LD_##D(*(const st *)(pb + i * sb));          \
				o[i] = (EXPR);                                               \
			}                                                                    \
		}                                                                            \
		return bad;                                                                  \
	}                                                                                    \
	EW_CONTIGUOUS(NAME, OPNAME, sizeof(EW_ST(D)), sizeof(EW_ST(D)), 0)

/* ---------------------------------------------------------------- kernel tables */

/* Each op's kernels, indexed by compute dtype; an entry with a NULL loop means the op is
 * not defined for that dtype.  Real dtypes live in unary.c and binary.c, complex ones in
 * complex.c (the c64 and c128 entries of a real table stay empty). */
#define EW_DECLARE(name) extern const struct tnsr_ew_kernel tnsr_ew_k_##name[TNSR_DTYPE_COUNT];
#define EW_DECLARE_C(name) extern const struct tnsr_ew_kernel tnsr_ew_kc_##name[TNSR_DTYPE_COUNT];

#define EW_REAL_OPS(X)                                                                       \
	X(neg) X(abs) X(sign) X(sqrt) X(rsqrt) X(exp) X(expm1) X(log) X(log1p) X(log2) X(log10) \
	X(sin) X(cos) X(tan) X(asin) X(acos) X(atan) X(sinh) X(cosh) X(tanh) X(sigmoid) X(relu) \
	X(softplus) X(floor) X(ceil) X(round) X(trunc) X(square) X(reciprocal) X(isnan) X(isinf) \
	X(isfinite) X(logical_not) X(clamp) X(cast) X(add) X(sub) X(mul) X(div) X(pow) X(maximum) \
	X(minimum) X(fmod) X(remainder) X(atan2) X(eq) X(ne) X(lt) X(le) X(gt) X(ge)       \
	X(logical_and) X(logical_or) X(logical_xor) X(where)
#define EW_COMPLEX_OPS(X)                                                                    \
	X(neg) X(abs) X(sqrt) X(rsqrt) X(exp) X(log) X(log2) X(log10) X(sin) X(cos) X(tan) X(asin) \
	X(acos) X(atan) X(sinh) X(cosh) X(tanh) X(sigmoid) X(square) X(reciprocal) X(isnan) \
	X(isinf) X(isfinite) X(logical_not) X(add) X(sub) X(mul) X(div) X(pow) X(eq) X(ne)  \
	X(logical_and) X(logical_or) X(logical_xor)
EW_REAL_OPS(EW_DECLARE)
EW_COMPLEX_OPS(EW_DECLARE_C)

#endif
