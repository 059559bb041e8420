/* binary.c: the elementwise binary kernels over real dtypes (complex ones are in
 * complex.c) and where.  Both operands arrive in the compute dtype; each op is one
 * expression per dtype class, turned into loops by the generators of ew.h. */
#include <math.h>
#include <tgmath.h>

#include "ew.h"

/* ---------------------------------------------------------------- integers */

/* Integers to an integer power by squaring, wrapping as the multiplications do.  A
 * negative exponent (only signed dtypes have one) gives what PyTorch's powi gives:
 * 1 for a base of 1, +-1 for -1, else 0.  (PyTorch refuses a negative number literal
 * as exponent up front; the driver does the same.) */
#define IPOW(D, _)                                                                           \
	static inline EW_ST(D) ipow_##D(EW_CT(D) a, EW_CT(D) b)                              \
	{                                                                                    \
		if (b < 0)                                                                   \
			return (EW_ST(D))(a == 1 ? 1 : a == -1 ? ((b & 1) ? -1 : 1) : 0);   \
		EW_UT(D) r = 1, base = (EW_UT(D))a;                                          \
		for (uint64_t e = (uint64_t)b; e; e >>= 1) {                                 \
			if (e & 1)                                                           \
				r *= base;                                                   \
			base *= base;                                                        \
		}                                                                            \
		return EW_SV_##D(r);                                                         \
	}
#define UPOW(D, _)                                                                           \
	static inline EW_ST(D) ipow_##D(EW_CT(D) a, EW_CT(D) b)                              \
	{                                                                                    \
		EW_UT(D) r = 1, base = a;                                                    \
		for (uint64_t e = b; e; e >>= 1) {                                           \
			if (e & 1)                                                           \
				r *= base;                                                   \
			base *= base;                                                        \
		}                                                                            \
		return EW_SV_##D(r);                                                         \
	}
EW_SIGNED(IPOW, _)
EW_UNSIGNED(UPOW, _)

/* C's % truncates (fmod's sign, that of x); remainder takes the sign of y as Python's %
 * does.  x % -1 is 0, and computing it is undefined for the minimum, so it is not
 * computed.  A zero divisor is what PyTorch raises ZeroDivisionError for. */
#define IREM(D, _)                                                                           \
	static inline EW_ST(D) ifmod_##D(EW_CT(D) x, EW_CT(D) y, int *bad)                   \
	{                                                                                    \
		if (y == 0) {                                                                \
			*bad = EW_ERR_ZERO_DIV;                                              \
			return 0;                                                            \
		}                                                                            \
		return y == -1 ? 0 : (EW_ST(D))(x % y);                                      \
	}                                                                                    \
	static inline EW_ST(D) irem_##D(EW_CT(D) x, EW_CT(D) y, int *bad)                    \
	{                                                                                    \
		EW_ST(D) r = ifmod_##D(x, y, bad);                                           \
		return r != 0 && (r < 0) != (y < 0) ? (EW_ST(D))(r + y) : r;                 \
	}
#define UREM(D, _)                                                                           \
	static inline EW_ST(D) ifmod_##D(EW_CT(D) x, EW_CT(D) y, int *bad)                   \
	{                                                                                    \
		if (y == 0) {                                                                \
			*bad = EW_ERR_ZERO_DIV;                                              \
			return 0;                                                            \
		}                                                                            \
		return (EW_ST(D))(x % y);                                                    \
	}                                                                                    \
	static inline EW_ST(D) irem_##D(EW_CT(D) x, EW_CT(D) y, int *bad) { return ifmod_##D(x, y, bad); }
EW_SIGNED(IREM, _)
EW_UNSIGNED(UREM, _)

/* Arithmetic in UT, so that overflow wraps instead of being undefined. */
#define INT_OPS(D, _)                                                                        \
	EW_BINARY(add_##D, "add", D, EW_ST(D), EW_SV_##D((EW_UT(D))x + (EW_UT(D))y))          \
	EW_BINARY(sub_##D, "sub", D, EW_ST(D), EW_SV_##D((EW_UT(D))x - (EW_UT(D))y))          \
	EW_BINARY(mul_##D, "mul", D, EW_ST(D), EW_SV_##D((EW_UT(D))x * (EW_UT(D))y))          \
	EW_BINARY(pow_##D, "pow", D, EW_ST(D), ipow_##D(x, y))                               \
	EW_BINARY(fmod_##D, "fmod", D, EW_ST(D), ifmod_##D(x, y, &bad))                      \
	EW_BINARY(remainder_##D, "remainder", D, EW_ST(D), irem_##D(x, y, &bad))
EW_INTS(INT_OPS, _)

/* Operations that read bool as 0/1 as well as integers. */
#define ORDERED_OPS(D, _)                                                                    \
	EW_BINARY(maximum_##D, "maximum", D, EW_ST(D), x < y ? y : x)                        \
	EW_BINARY(minimum_##D, "minimum", D, EW_ST(D), y < x ? y : x)                        \
	EW_BINARY(eq_##D, "eq", D, uint8_t, (uint8_t)(x == y))                               \
	EW_BINARY(ne_##D, "ne", D, uint8_t, (uint8_t)(x != y))                               \
	EW_BINARY(lt_##D, "lt", D, uint8_t, (uint8_t)(x < y))                                \
	EW_BINARY(le_##D, "le", D, uint8_t, (uint8_t)(x <= y))                               \
	EW_BINARY(gt_##D, "gt", D, uint8_t, (uint8_t)(x > y))                                \
	EW_BINARY(ge_##D, "ge", D, uint8_t, (uint8_t)(x >= y))
EW_INTS(ORDERED_OPS, _)
ORDERED_OPS(b1, _)

#define LOGICAL_OPS(D, _)                                                                    \
	EW_BINARY(logical_and_##D, "logical_and", D, uint8_t, (uint8_t)((x != 0) & (y != 0))) \
	EW_BINARY(logical_or_##D, "logical_or", D, uint8_t, (uint8_t)((x != 0) | (y != 0)))   \
	EW_BINARY(logical_xor_##D, "logical_xor", D, uint8_t, (uint8_t)((x != 0) ^ (y != 0)))
EW_REALS(LOGICAL_OPS, _)
LOGICAL_OPS(b1, _)

/* Bool arithmetic as PyTorch's: + is or, * is and (the sum 2 stored as bool is true). */
EW_BINARY(add_b1, "add", b1, uint8_t, (uint8_t)(x | y))
EW_BINARY(mul_b1, "mul", b1, uint8_t, (uint8_t)(x & y))

/* ---------------------------------------------------------------- floats */

/* remainder as PyTorch 1.13 computes it: fmod, then moved into y's sign.  fmod is exact,
 * so f16/bf16 round once, at the final addition. */
#define FREM(D, _)                                                                           \
	static inline EW_CT(D) frem_##D(EW_CT(D) x, EW_CT(D) y)                              \
	{                                                                                    \
		EW_CT(D) m = fmod(x, y);                                                     \
		return m != 0 && (y < 0) != (m < 0) ? m + y : m;                             \
	}
EW_FLOATS(FREM, _)

/* maximum/minimum propagate NaN (either operand); otherwise std::max/min's choice. */
#define FLOAT_OPS(D, _)                                                                      \
	EW_BINARY(add_##D, "add", D, EW_ST(D), EW_SV_##D(x + y))                             \
	EW_BINARY(sub_##D, "sub", D, EW_ST(D), EW_SV_##D(x - y))                             \
	EW_BINARY(mul_##D, "mul", D, EW_ST(D), EW_SV_##D(x * y))                             \
	EW_BINARY(div_##D, "div", D, EW_ST(D), EW_SV_##D(x / y))                             \
	EW_BINARY(maximum_##D, "maximum", D, EW_ST(D),                                       \
		  EW_SV_##D(x != x ? x : y != y ? y : x < y ? y : x))                          \
	EW_BINARY(minimum_##D, "minimum", D, EW_ST(D),                                       \
		  EW_SV_##D(x != x ? x : y != y ? y : y < x ? y : x))                          \
	EW_BINARY(fmod_##D, "fmod", D, EW_ST(D), EW_SV_##D(fmod(x, y)))                      \
	EW_BINARY(remainder_##D, "remainder", D, EW_ST(D), EW_SV_##D(frem_##D(x, y)))        \
	EW_BINARY(atan2_##D, "atan2", D, EW_ST(D), EW_SV_##D(atan2((EW_MT(D))x, (EW_MT(D))y))) \
	EW_BINARY(eq_##D, "eq", D, uint8_t, (uint8_t)(x == y))                               \
	EW_BINARY(ne_##D, "ne", D, uint8_t, (uint8_t)(x != y))                               \
	EW_BINARY(lt_##D, "lt", D, uint8_t, (uint8_t)(x < y))                                \
	EW_BINARY(le_##D, "le", D, uint8_t, (uint8_t)(x <= y))                               \
	EW_BINARY(gt_##D, "gt", D, uint8_t, (uint8_t)(x > y))                                \
	EW_BINARY(ge_##D, "ge", D, uint8_t, (uint8_t)(x >= y))
EW_FLOATS(FLOAT_OPS, _)

/* pow: a number exponent (a broadcast scalar) of 2, 3, 0.5, -0.5, -1 or -2 is computed
 * as PyTorch's pow(Tensor, Scalar) does, by multiplication, sqrt or division (exact
 * where powf is merely close); everything else by the libm pow in MT. */
#define FPOW(D, _)                                                                           \
	static inline EW_CT(D) fpow_##D(EW_CT(D) x, EW_CT(D) y) { return (EW_CT(D))pow((EW_MT(D))x, (EW_MT(D))y); } \
	EW_HOT static int pow_##D(void *out, const void *const *in, const int64_t *step, int64_t n, \
				  const tnsr_op_args *args)                                  \
	{                                                                                    \
		typedef EW_ST(D) st;                                                         \
		typedef EW_CT(D) ct;                                                         \
		st *o = out;                                                                 \
		const st *a = in[0], *b = in[1];                                             \
		const int64_t sa = step[0], sb = step[1], size = (int64_t)sizeof(st);        \
		(void)args;                                                                  \
		if (sa == size && sb == 0) {                                                 \
			const ct y = EW_LD_##D(b[0]);                                        \
			if (y == 2)                                                          \
				EW_FOR(i, n, ct x = EW_LD_##D(a[i]); o[i] = EW_SV_##D(x * x)); \
			else if (y == 3)                                                     \
				EW_FOR(i, n, ct x = EW_LD_##D(a[i]); o[i] = EW_SV_##D(x * x * x)); \
			else if (y == 0.5)                                                   \
				EW_FOR(i, n, ct x = EW_LD_##D(a[i]); o[i] = EW_SV_##D(sqrt(x))); \
			else if (y == -0.5)                                                  \
				EW_FOR(i, n, ct x = EW_LD_##D(a[i]); o[i] = EW_SV_##D(1 / sqrt(x))); \
			else if (y == -1)                                                    \
				EW_FOR(i, n, ct x = EW_LD_##D(a[i]); o[i] = EW_SV_##D(1 / x)); \
			else if (y == -2)                                                    \
				EW_FOR(i, n, ct x = EW_LD_##D(a[i]); o[i] = EW_SV_##D(1 / (x * x))); \
			else                                                                 \
				for (int64_t i = 0; i < n; i++)                              \
					o[i] = EW_SV_##D(fpow_##D(EW_LD_##D(a[i]), y));      \
			return EW_OK;                                                        \
		}                                                                            \
		const char *pa = (const char *)a, *pb = (const char *)b;                     \
		for (int64_t i = 0; i < n; i++) {                                            \
			ct x = EW_LD_##D(*(const st *)(pa + i * sa));                        \
			ct y = EW_LD_##D(*(const st *)(pb + i * sb));                        \
			o[i] = EW_SV_##D(fpow_##D(x, y));                                    \
		}                                                                            \
		return EW_OK;                                                                \
	}                                                                                    \
	EW_CONTIGUOUS(pow_##D, "pow", sizeof(EW_ST(D)), sizeof(EW_ST(D)), 0)
EW_FLOATS(FPOW, _)

/* ---------------------------------------------------------------- where */

/* where(cond, a, b) moves bits, so one kernel per element size serves every dtype.  The
 * condition arrives as bool (any nonzero byte is true). */
typedef struct { uint64_t lo, hi; } where_u128;
#define WHERE(T, SIZE)                                                                       \
	EW_HOT static int where##SIZE(void *out, const void *const *in, const int64_t *step, int64_t n, \
				      const tnsr_op_args *args)                              \
	{                                                                                    \
		T *o = out;                                                                  \
		const uint8_t *c = in[0];                                                    \
		const T *a = in[1], *b = in[2];                                              \
		(void)args;                                                                  \
		if (step[0] == 1 && step[1] == SIZE && step[2] == SIZE) {                    \
			EW_FOR(i, n, o[i] = c[i] ? a[i] : b[i]);                             \
		} else {                                                                     \
			const char *pc = in[0], *pa = in[1], *pb = in[2];                    \
			for (int64_t i = 0; i < n; i++)                                      \
				o[i] = pc[i * step[0]] ? *(const T *)(pa + i * step[1])      \
						       : *(const T *)(pb + i * step[2]);     \
		}                                                                            \
		return EW_OK;                                                                \
	}                                                                                    \
	EW_CONTIGUOUS(where##SIZE, "where", 1, SIZE, SIZE)
WHERE(uint8_t, 1)
WHERE(uint16_t, 2)
WHERE(uint32_t, 4)
WHERE(uint64_t, 8)
WHERE(where_u128, 16)

/* ---------------------------------------------------------------- tables */

#define TABLE(name, ...) const struct tnsr_ew_kernel tnsr_ew_k_##name[TNSR_DTYPE_COUNT] = {__VA_ARGS__};
TABLE(add, EW_ENTRY(b1, add) EW_REALS(EW_ENTRY, add))
TABLE(sub, EW_REALS(EW_ENTRY, sub))
TABLE(mul, EW_ENTRY(b1, mul) EW_REALS(EW_ENTRY, mul))
TABLE(div, EW_FLOATS(EW_ENTRY, div))
TABLE(pow, EW_REALS(EW_ENTRY, pow))
TABLE(maximum, EW_ENTRY(b1, maximum) EW_REALS(EW_ENTRY, maximum))
TABLE(minimum, EW_ENTRY(b1, minimum) EW_REALS(EW_ENTRY, minimum))
TABLE(fmod, EW_REALS(EW_ENTRY, fmod))
TABLE(remainder, EW_REALS(EW_ENTRY, remainder))
TABLE(atan2, EW_FLOATS(EW_ENTRY, atan2))
TABLE(eq, EW_ENTRY(b1, eq) EW_REALS(EW_ENTRY, eq))
TABLE(ne, EW_ENTRY(b1, ne) EW_REALS(EW_ENTRY, ne))
TABLE(lt, EW_ENTRY(b1, lt) EW_REALS(EW_ENTRY, lt))
TABLE(le, EW_ENTRY(b1, le) EW_REALS(EW_ENTRY, le))
TABLE(gt, EW_ENTRY(b1, gt) EW_REALS(EW_ENTRY, gt))
TABLE(ge, EW_ENTRY(b1, ge) EW_REALS(EW_ENTRY, ge))
TABLE(logical_and, EW_ENTRY(b1, logical_and) EW_REALS(EW_ENTRY, logical_and))
TABLE(logical_or, EW_ENTRY(b1, logical_or) EW_REALS(EW_ENTRY, logical_or))
TABLE(logical_xor, EW_ENTRY(b1, logical_xor) EW_REALS(EW_ENTRY, logical_xor))

#define WHERE_ENTRY(dtype, size) [dtype] = {where##size, where##size##_c}
TABLE(where, WHERE_ENTRY(TNSR_BOOL, 1), WHERE_ENTRY(TNSR_I8, 1), WHERE_ENTRY(TNSR_I16, 2),
      WHERE_ENTRY(TNSR_I32, 4), WHERE_ENTRY(TNSR_I64, 8), WHERE_ENTRY(TNSR_U8, 1), WHERE_ENTRY(TNSR_U16, 2),
      WHERE_ENTRY(TNSR_U32, 4), WHERE_ENTRY(TNSR_U64, 8), WHERE_ENTRY(TNSR_F16, 2), WHERE_ENTRY(TNSR_BF16, 2),
      WHERE_ENTRY(TNSR_F32, 4), WHERE_ENTRY(TNSR_F64, 8), WHERE_ENTRY(TNSR_C64, 8), WHERE_ENTRY(TNSR_C128, 16))
