/* unary.c: the elementwise unary kernels over real dtypes (complex ones are in complex.c)
 * and the copy kernels behind cast and the integer identities (floor of an integer).
 * Each op is one expression per dtype class, turned into a loop per dtype by the
 * generators of ew.h; the tables at the end say which dtypes each op is defined for. */
#include <math.h>
#include <tgmath.h>

#include "ew.h"

/* ---------------------------------------------------------------- copies and constants */

/* Identity kernels by element size (floor/ceil/round/trunc of integers, abs and relu of
 * unsigned integers, sign of bool, cast once the driver has converted the operand). */
#define COPY(T, SIZE)                                                                        \
	static int copy##SIZE(void *out, const void *const *in, const int64_t *step, int64_t n, \
			      const tnsr_op_args *args)                                      \
	{                                                                                    \
		(void)args;                                                                  \
		if (step[0] == SIZE) {                                                       \
			if (out != in[0])                                                    \
				memcpy(out, in[0], (size_t)n * SIZE);                        \
			return EW_OK;                                                        \
		}                                                                            \
		T *o = out;                                                                  \
		const char *a = in[0];                                                       \
		for (int64_t i = 0; i < n; i++)                                              \
			memcpy(&o[i], a + i * step[0], SIZE);                                \
		return EW_OK;                                                                \
	}                                                                                    \
	EW_CONTIGUOUS(copy##SIZE, "copy", SIZE, 0, 0)
typedef struct { uint64_t lo, hi; } u128_pair;
COPY(uint8_t, 1)
COPY(uint16_t, 2)
COPY(uint32_t, 4)
COPY(uint64_t, 8)
COPY(u128_pair, 16)

/* The copy kernel for each dtype's element size. */
#define COPY_b1 1
#define COPY_i8 1
#define COPY_i16 2
#define COPY_i32 4
#define COPY_i64 8
#define COPY_u8 1
#define COPY_u16 2
#define COPY_u32 4
#define COPY_u64 8
#define COPY_f16 2
#define COPY_bf16 2
#define COPY_f32 4
#define COPY_f64 8
#define COPY_PASTE(size) {copy##size, copy##size##_c}
#define COPY_SIZE(size) COPY_PASTE(size)
#define COPY_OF(D) [EW_ENUM(D)] = COPY_SIZE(COPY_##D)
#define COPY_ENTRY(D, _) COPY_OF(D),

/* Bool results that do not depend on the value: isnan and isinf of an integer are
 * false, isfinite is true. */
#define FILL(VALUE)                                                                          \
	static int fill##VALUE(void *out, const void *const *in, const int64_t *step, int64_t n, \
			       const tnsr_op_args *args)                                     \
	{                                                                                    \
		(void)in, (void)step, (void)args;                                            \
		memset(out, VALUE, (size_t)n);                                               \
		return EW_OK;                                                                \
	}                                                                                    \
	EW_CONTIGUOUS(fill##VALUE, "fill", 0, 0, 0)
FILL(0)
FILL(1)
#define FILL0_ENTRY(D, _) [EW_ENUM(D)] = {fill0, fill0_c},
#define FILL1_ENTRY(D, _) [EW_ENUM(D)] = {fill1, fill1_c},

/* ---------------------------------------------------------------- integers */

/* Negation and squares in UT wrap as two's complement does (INT8_MIN stays INT8_MIN). */
#define INT_OPS(D, _)                                                                        \
	EW_UNARY(neg_##D, "neg", D, EW_ST(D), EW_SV_##D(0u - (EW_UT(D))x))                   \
	EW_UNARY(square_##D, "square", D, EW_ST(D), EW_SV_##D((EW_UT(D))x * (EW_UT(D))x))   \
	EW_UNARY(logical_not_##D, "logical_not", D, uint8_t, (uint8_t)(x == 0))
EW_INTS(INT_OPS, _)

#define SIGNED_OPS(D, _)                                                                     \
	EW_UNARY(abs_##D, "abs", D, EW_ST(D), x < 0 ? EW_SV_##D(0u - (EW_UT(D))x) : x)        \
	EW_UNARY(sign_##D, "sign", D, EW_ST(D), (EW_ST(D))((x > 0) - (x < 0)))               \
	EW_UNARY(relu_##D, "relu", D, EW_ST(D), x > 0 ? x : 0)
EW_SIGNED(SIGNED_OPS, _)

#define UNSIGNED_OPS(D, _) EW_UNARY(sign_##D, "sign", D, EW_ST(D), (EW_ST(D))(x != 0))
EW_UNSIGNED(UNSIGNED_OPS, _)

EW_UNARY(logical_not_b1, "logical_not", b1, uint8_t, (uint8_t)(x == 0))

/* ---------------------------------------------------------------- floats */

/* x is a CT value (f32 for f16 and bf16); transcendental functions are evaluated in MT
 * (f64 for f32) and every result is rounded once when stored.  sign(NaN) is 0 and
 * relu(NaN) is NaN, as in PyTorch; round is half to even. */
#define MATH(name, D, EXPR) EW_UNARY(name##_##D, #name, D, EW_ST(D), EW_SV_##D(EXPR))
#define FLOAT_OPS(D, _)                                                                      \
	MATH(neg, D, -x)                                                                     \
	MATH(abs, D, fabs(x))                                                                \
	MATH(sign, D, (EW_CT(D))((0 < x) - (x < 0)))                                         \
	MATH(sqrt, D, sqrt(x))                                                               \
	MATH(rsqrt, D, 1 / sqrt(x))                                                          \
	MATH(exp, D, exp((EW_MT(D))x))                                                       \
	MATH(expm1, D, expm1((EW_MT(D))x))                                                   \
	MATH(log, D, log((EW_MT(D))x))                                                       \
	MATH(log1p, D, log1p((EW_MT(D))x))                                                   \
	MATH(log2, D, log2((EW_MT(D))x))                                                     \
	MATH(log10, D, log10((EW_MT(D))x))                                                   \
	MATH(sin, D, sin((EW_MT(D))x))                                                       \
	MATH(cos, D, cos((EW_MT(D))x))                                                       \
	MATH(tan, D, tan((EW_MT(D))x))                                                       \
	MATH(asin, D, asin((EW_MT(D))x))                                                     \
	MATH(acos, D, acos((EW_MT(D))x))                                                     \
	MATH(atan, D, atan((EW_MT(D))x))                                                     \
	MATH(sinh, D, sinh((EW_MT(D))x))                                                     \
	MATH(cosh, D, cosh((EW_MT(D))x))                                                     \
	MATH(tanh, D, tanh((EW_MT(D))x))                                                     \
	MATH(sigmoid, D, 1 / (1 + exp(-(EW_MT(D))x)))                                        \
	MATH(relu, D, x < 0 ? 0 : x)                                                         \
	MATH(softplus, D, x > 20 ? (EW_MT(D))x : log1p(exp((EW_MT(D))x)))                    \
	MATH(floor, D, floor(x))                                                             \
	MATH(ceil, D, ceil(x))                                                               \
	MATH(round, D, nearbyint(x))                                                         \
	MATH(trunc, D, trunc(x))                                                             \
	MATH(square, D, x * x)                                                               \
	MATH(reciprocal, D, 1 / x)                                                           \
	EW_UNARY(isnan_##D, "isnan", D, uint8_t, (uint8_t)(x != x))                          \
	EW_UNARY(isinf_##D, "isinf", D, uint8_t, (uint8_t)(fabs(x) == INFINITY))             \
	EW_UNARY(isfinite_##D, "isfinite", D, uint8_t, (uint8_t)(fabs(x) < INFINITY))        \
	EW_UNARY(logical_not_##D, "logical_not", D, uint8_t, (uint8_t)(x == 0))
EW_FLOATS(FLOAT_OPS, _)

/* ---------------------------------------------------------------- clamp */

/* clamp(x) = min(max(x, lo), hi) as PyTorch 1.13 computes it: a NaN x stays NaN, a NaN
 * bound is ignored, and lo > hi gives hi.  The bounds (ARGS->min/max, already checked to
 * fit the dtype) are rounded to the dtype first, as torch converts its Scalar bounds. */
#define BOUND_i8(v) ((int8_t)(v))
#define BOUND_i16(v) ((int16_t)(v))
#define BOUND_i32(v) ((int32_t)(v))
#define BOUND_i64(v) ((int64_t)(v))
/* A negative bound of an unsigned dtype wraps (PyTorch allows -255 for u8: it is 1). */
#define BOUND_UNSIGNED(T, v) ((v) < 0 ? (T)(int64_t)(v) : (T)(v))
#define BOUND_u8(v) BOUND_UNSIGNED(uint8_t, v)
#define BOUND_u16(v) BOUND_UNSIGNED(uint16_t, v)
#define BOUND_u32(v) BOUND_UNSIGNED(uint32_t, v)
#define BOUND_u64(v) BOUND_UNSIGNED(uint64_t, v)
#define BOUND_f16(v) half_f16_to_f32(half_f16_from_f64(v))
#define BOUND_bf16(v) half_bf16_to_f32(half_bf16_from_f64(v))
#define BOUND_f32(v) ((float)(v))
#define BOUND_f64(v) (v)

#define CLAMP(D, _)                                                                          \
	EW_HOT static int clamp_##D(void *out, const void *const *in, const int64_t *step, int64_t n, \
				    const tnsr_op_args *args)                                \
	{                                                                                    \
		typedef EW_CT(D) ct;                                                         \
		EW_ST(D) *o = out;                                                           \
		const EW_ST(D) *a = in[0];                                                   \
		const bool has_lo = args->has_min, has_hi = args->has_max;                   \
		const ct lo = has_lo ? BOUND_##D(args->min) : 0, hi = has_hi ? BOUND_##D(args->max) : 0; \
		if (step[0] != (int64_t)sizeof *a) {                                         \
			const char *pa = (const char *)a;                                    \
			for (int64_t i = 0; i < n; i++) {                                    \
				ct x = EW_LD_##D(*(const EW_ST(D) *)(pa + i * step[0]));      \
				x = has_lo && x < lo ? lo : x;                               \
				o[i] = EW_SV_##D(has_hi && hi < x ? hi : x);                 \
			}                                                                    \
		} else if (has_lo && has_hi) {                                               \
			EW_FOR(i, n, ct x = EW_LD_##D(a[i]); x = x < lo ? lo : x;            \
			       o[i] = EW_SV_##D(hi < x ? hi : x));                           \
		} else if (has_lo) {                                                         \
			EW_FOR(i, n, ct x = EW_LD_##D(a[i]); o[i] = EW_SV_##D(x < lo ? lo : x)); \
		} else {                                                                     \
			EW_FOR(i, n, ct x = EW_LD_##D(a[i]); o[i] = EW_SV_##D(hi < x ? hi : x)); \
		}                                                                            \
		return EW_OK;                                                                \
	}                                                                                    \
	EW_CONTIGUOUS(clamp_##D, "clamp", sizeof(EW_ST(D)), 0, 0)
EW_REALS(CLAMP, _)

/* ---------------------------------------------------------------- tables */

/* Integer and bool inputs of the math functions never reach these tables: the driver
 * computes them in f32 (PyTorch's default dtype) or refuses bool. */
#define FLOATS_ONLY(name) const struct tnsr_ew_kernel tnsr_ew_k_##name[TNSR_DTYPE_COUNT] = {EW_FLOATS(EW_ENTRY, name)};
FLOATS_ONLY(sqrt)
FLOATS_ONLY(rsqrt)
FLOATS_ONLY(exp)
FLOATS_ONLY(expm1)
FLOATS_ONLY(log)
FLOATS_ONLY(log1p)
FLOATS_ONLY(log2)
FLOATS_ONLY(log10)
FLOATS_ONLY(sin)
FLOATS_ONLY(cos)
FLOATS_ONLY(tan)
FLOATS_ONLY(asin)
FLOATS_ONLY(acos)
FLOATS_ONLY(atan)
FLOATS_ONLY(sinh)
FLOATS_ONLY(cosh)
FLOATS_ONLY(tanh)
FLOATS_ONLY(sigmoid)
FLOATS_ONLY(softplus) /* integers: PyTorch refuses them too */
FLOATS_ONLY(reciprocal)

const struct tnsr_ew_kernel tnsr_ew_k_neg[TNSR_DTYPE_COUNT] = {EW_REALS(EW_ENTRY, neg)};
const struct tnsr_ew_kernel tnsr_ew_k_abs[TNSR_DTYPE_COUNT] = {
	EW_SIGNED(EW_ENTRY, abs) EW_UNSIGNED(COPY_ENTRY, _) EW_FLOATS(EW_ENTRY, abs)};
const struct tnsr_ew_kernel tnsr_ew_k_sign[TNSR_DTYPE_COUNT] = {COPY_OF(b1), EW_REALS(EW_ENTRY, sign)};
const struct tnsr_ew_kernel tnsr_ew_k_relu[TNSR_DTYPE_COUNT] = {
	EW_SIGNED(EW_ENTRY, relu) EW_UNSIGNED(COPY_ENTRY, _) EW_FLOATS(EW_ENTRY, relu)};
#define ROUNDING(name)                                                                       \
	const struct tnsr_ew_kernel tnsr_ew_k_##name[TNSR_DTYPE_COUNT] = {                     \
		EW_INTS(COPY_ENTRY, _) EW_FLOATS(EW_ENTRY, name)};
ROUNDING(floor)
ROUNDING(ceil)
ROUNDING(round)
ROUNDING(trunc)
const struct tnsr_ew_kernel tnsr_ew_k_square[TNSR_DTYPE_COUNT] = {EW_REALS(EW_ENTRY, square)};
const struct tnsr_ew_kernel tnsr_ew_k_isnan[TNSR_DTYPE_COUNT] = {
	FILL0_ENTRY(b1, _) EW_INTS(FILL0_ENTRY, _) EW_FLOATS(EW_ENTRY, isnan)};
const struct tnsr_ew_kernel tnsr_ew_k_isinf[TNSR_DTYPE_COUNT] = {
	FILL0_ENTRY(b1, _) EW_INTS(FILL0_ENTRY, _) EW_FLOATS(EW_ENTRY, isinf)};
const struct tnsr_ew_kernel tnsr_ew_k_isfinite[TNSR_DTYPE_COUNT] = {
	FILL1_ENTRY(b1, _) EW_INTS(FILL1_ENTRY, _) EW_FLOATS(EW_ENTRY, isfinite)};
const struct tnsr_ew_kernel tnsr_ew_k_logical_not[TNSR_DTYPE_COUNT] = {
	EW_ENTRY(b1, logical_not) EW_REALS(EW_ENTRY, logical_not)};
const struct tnsr_ew_kernel tnsr_ew_k_clamp[TNSR_DTYPE_COUNT] = {EW_REALS(EW_ENTRY, clamp)};

/* cast: the driver converts the operand to the target dtype; the kernel only copies. */
const struct tnsr_ew_kernel tnsr_ew_k_cast[TNSR_DTYPE_COUNT] = {
	COPY_OF(b1), EW_REALS(COPY_ENTRY, _)[TNSR_C64] = {copy8, copy8_c}, [TNSR_C128] = {copy16, copy16_c}};
