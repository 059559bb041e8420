/* complex.c: the elementwise kernels over c64 and c128, for the ops PyTorch 1.13 defines
 * on complex tensors.  Addition, subtraction and multiplication work in the dtype's own
 * precision with the textbook formulas (as PyTorch's kernels); division and the
 * functions are evaluated in double precision (glibc's complex functions, Smith's
 * division) and rounded once, so c64 results are at least as accurate as PyTorch's. */
#include <complex.h>
#include <math.h>

#include "ew.h"

/* An element is its two parts, real first. */
typedef struct { float re, im; } c64_t;
typedef struct { double re, im; } c128_t;
#define EW_PART_c64 float
#define EW_PART_c128 double

/* A complex from its parts, through its array-of-two representation (C11 6.2.5): x + y*I
 * would turn an infinite part into NaNs. */
static inline double complex z_of(double re, double im)
{
	double parts[2] = {re, im};
	double complex z;
	memcpy(&z, parts, sizeof z);
	return z;
}

/* (a + bi) / (c + di) by Smith's algorithm, scaled by the larger part of the divisor so
 * that nothing overflows early; a zero divisor gives inf/NaN parts as the plain
 * division would (PyTorch's c10::complex division). */
static inline double complex smith_div(double a, double b, double c, double d)
{
	if (fabs(c) >= fabs(d)) {
		if (c == 0 && d == 0)
			return z_of(a / fabs(c), b / fabs(d));
		double rat = d / c, scl = 1.0 / (c + d * rat);
		return z_of((a + b * rat) * scl, (b - a * rat) * scl);
	}
	double rat = c / d, scl = 1.0 / (d + c * rat);
	return z_of((a * rat + b) * scl, (b * rat - a) * scl);
}

static inline double complex z_sigmoid(double complex z)
{
	double complex e = 1 + cexp(-z);
	return smith_div(1, 0, creal(e), cimag(e));
}

/* ---------------------------------------------------------------- generators */

/* A unary loop over complex dtype D: EXPR computes a double complex from z (for the
 * functions) and is stored rounded to D's parts. */
#define CUNARY(name, D, EXPR)                                                                \
	static int name##_##D(void *out, const void *const *in, const int64_t *step, int64_t n, \
			      const tnsr_op_args *args)                                      \
	{                                                                                    \
		D##_t *o = out;                                                              \
		const char *pa = in[0];                                                      \
		(void)args;                                                                  \
		for (int64_t i = 0; i < n; i++) {                                            \
			const D##_t *a = (const D##_t *)(pa + i * step[0]);                  \
			double complex z = z_of(a->re, a->im);                               \
			double complex r = (EXPR);                                           \
			o[i].re = (EW_PART_##D)creal(r);                                     \
			o[i].im = (EW_PART_##D)cimag(r);                                     \
		}                                                                            \
		return EW_OK;                                                                \
	}                                                                                    \
	EW_CONTIGUOUS(name##_##D, #name, sizeof(D##_t), 0, 0)

/* A unary loop writing OT from the parts re and im (in D's own precision). */
#define CPARTS(name, D, OT, EXPR)                                                            \
	static int name##_##D(void *out, const void *const *in, const int64_t *step, int64_t n, \
			      const tnsr_op_args *args)                                      \
	{                                                                                    \
		OT *o = out;                                                                 \
		const char *pa = in[0];                                                      \
		(void)args;                                                                  \
		for (int64_t i = 0; i < n; i++) {                                            \
			const D##_t *a = (const D##_t *)(pa + i * step[0]);                  \
			EW_PART_##D re = a->re, im = a->im;                                  \
			o[i] = (EXPR);                                                       \
		}                                                                            \
		return EW_OK;                                                                \
	}                                                                                    \
	EW_CONTIGUOUS(name##_##D, #name, sizeof(D##_t), 0, 0)

/* A binary loop: BODY reads the parts a and b of both operands (D##_t values) and
 * assigns o[i]. */
#define CBINARY(name, D, OT, BODY)                                                           \
	static int name##_##D(void *out, const void *const *in, const int64_t *step, int64_t n, \
			      const tnsr_op_args *args)                                      \
	{                                                                                    \
		OT *o = out;                                                                 \
		const char *pa = in[0], *pb = in[1];                                         \
		(void)args;                                                                  \
		for (int64_t i = 0; i < n; i++) {                                            \
			const D##_t a = *(const D##_t *)(pa + i * step[0]);                  \
			const D##_t b = *(const D##_t *)(pb + i * step[1]);                  \
			BODY;                                                                \
		}                                                                            \
		return EW_OK;                                                                \
	}                                                                                    \
	EW_CONTIGUOUS(name##_##D, #name, sizeof(D##_t), sizeof(D##_t), 0)

#define NONZERO(c) ((c).re != 0 || (c).im != 0)
#define STORE_Z(r) (o[i].re = (__typeof__(o[i].re))creal(r), o[i].im = (__typeof__(o[i].im))cimag(r))

/* ---------------------------------------------------------------- kernels */

#define COMPLEX_OPS(D)                                                                       \
	CPARTS(neg, D, D##_t, ((D##_t){-re, -im}))                                           \
	CPARTS(abs, D, EW_PART_##D, (EW_PART_##D)hypot(re, im))                              \
	CUNARY(sqrt, D, csqrt(z))                                                            \
	CUNARY(rsqrt, D, smith_div(1, 0, creal(csqrt(z)), cimag(csqrt(z))))                  \
	CUNARY(exp, D, cexp(z))                                                              \
	CUNARY(log, D, clog(z))                                                              \
	CUNARY(log2, D, clog(z) / M_LN2)                                                     \
	CUNARY(log10, D, clog(z) / M_LN10)                                                   \
	CUNARY(sin, D, csin(z))                                                              \
	CUNARY(cos, D, ccos(z))                                                              \
	CUNARY(tan, D, ctan(z))                                                              \
	CUNARY(asin, D, casin(z))                                                            \
	CUNARY(acos, D, cacos(z))                                                            \
	CUNARY(atan, D, catan(z))                                                            \
	CUNARY(sinh, D, csinh(z))                                                            \
	CUNARY(cosh, D, ccosh(z))                                                            \
	CUNARY(tanh, D, ctanh(z))                                                            \
	CUNARY(sigmoid, D, z_sigmoid(z))                                                     \
	CPARTS(square, D, D##_t, ((D##_t){re * re - im * im, re * im + im * re}))            \
	CUNARY(reciprocal, D, smith_div(1, 0, creal(z), cimag(z)))                           \
	CPARTS(isnan, D, uint8_t, (uint8_t)(re != re || im != im))                           \
	CPARTS(isinf, D, uint8_t, (uint8_t)(fabs(re) == INFINITY || fabs(im) == INFINITY))   \
	CPARTS(isfinite, D, uint8_t, (uint8_t)(fabs(re) < INFINITY && fabs(im) < INFINITY))  \
	CPARTS(logical_not, D, uint8_t, (uint8_t)(re == 0 && im == 0))                       \
	CBINARY(add, D, D##_t, o[i] = ((D##_t){a.re + b.re, a.im + b.im}))                   \
	CBINARY(sub, D, D##_t, o[i] = ((D##_t){a.re - b.re, a.im - b.im}))                   \
	CBINARY(mul, D, D##_t, o[i] = ((D##_t){a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re})) \
	CBINARY(div, D, D##_t, STORE_Z(smith_div(a.re, a.im, b.re, b.im)))                   \
	CBINARY(pow, D, D##_t, STORE_Z(cpow(z_of(a.re, a.im), z_of(b.re, b.im))))            \
	CBINARY(eq, D, uint8_t, o[i] = (uint8_t)(a.re == b.re && a.im == b.im))              \
	CBINARY(ne, D, uint8_t, o[i] = (uint8_t)(a.re != b.re || a.im != b.im))              \
	CBINARY(logical_and, D, uint8_t, o[i] = (uint8_t)(NONZERO(a) && NONZERO(b)))         \
	CBINARY(logical_or, D, uint8_t, o[i] = (uint8_t)(NONZERO(a) || NONZERO(b)))          \
	CBINARY(logical_xor, D, uint8_t, o[i] = (uint8_t)(NONZERO(a) != NONZERO(b)))
COMPLEX_OPS(c64)
COMPLEX_OPS(c128)

/* ---------------------------------------------------------------- tables */

#define CTABLE(name)                                                                         \
	const struct tnsr_ew_kernel tnsr_ew_kc_##name[TNSR_DTYPE_COUNT] = {                    \
		[TNSR_C64] = {name##_c64, name##_c64_c}, [TNSR_C128] = {name##_c128, name##_c128_c}};
EW_COMPLEX_OPS(CTABLE)
