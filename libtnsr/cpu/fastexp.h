/* fastexp.h: e**x in f32 for x <= 0 (and NaN), four lanes at a time, for softmax and
 * logsumexp, which subtract the max first.  Cody-Waite reduction by ln 2 and Cephes'
 * degree-6 polynomial for expf: within 2 ulp of the true value (glibc's expf is within 1);
 * results below 2^-126 are subnormal, 0 below -103.97.  The scalar form does exactly the
 * vector's operations, so both give the same bits.  No FMA: every build rounds alike. */
#ifndef TNSR_FASTEXP_H
#define TNSR_FASTEXP_H

#include <stdint.h>
#include <string.h>

typedef float fx_vf __attribute__((vector_size(16)));
typedef int32_t fx_vi __attribute__((vector_size(16)));
typedef float fx_vf_u __attribute__((vector_size(16), aligned(4), may_alias));

#define FX_LOG2E 1.44269504088896341f
#define FX_LN2_HI 0.693145751953125f /* 16 significant bits: n * FX_LN2_HI is exact */
#define FX_LN2_LO 1.428606765330187045e-06f
#define FX_ROUND 12582912.0f /* 1.5 * 2^23: adding and subtracting it rounds to an integer */
#define FX_LOW -104.0f
/* Cephes' expf polynomial: e**r = 1 + r + r*r*P(r) on |r| <= ln(2)/2 */
#define FX_POLY(r, z)                                                                             \
	(((((((1.9875691500E-4f * (r) + 1.3981999507E-3f) * (r) + 8.3334519073E-3f) * (r) +      \
	      4.1665795894E-2f) * (r) + 1.6666665459E-1f) * (r) + 5.0000001201E-1f) * (z) + (r)) + 1.0f)

static inline fx_vf fx_sel(fx_vi m, fx_vf a, fx_vf b) { return (fx_vf)(((fx_vi)a & m) | ((fx_vi)b & ~m)); }

static inline fx_vf fx_expf4(fx_vf x)
{
	fx_vi nan = x != x;
	fx_vf lo = {FX_LOW, FX_LOW, FX_LOW, FX_LOW}, zero = {0, 0, 0, 0};
	fx_vf xc = fx_sel(nan, zero, fx_sel(x < lo, lo, x));
	fx_vf nf = (xc * FX_LOG2E + FX_ROUND) - FX_ROUND;
	fx_vf r = (xc - nf * FX_LN2_HI) - nf * FX_LN2_LO;
	fx_vf z = r * r;
	fx_vf p = FX_POLY(r, z);
	fx_vi n = __builtin_convertvector(nf, fx_vi);
	fx_vi n1 = n >> 1, n2 = n - n1; /* 2^n in two normal steps, down to n = -150 */
	fx_vf s1 = (fx_vf)((n1 + 127) << 23), s2 = (fx_vf)((n2 + 127) << 23);
	return fx_sel(nan, x, (p * s1) * s2);
}

static inline float fx_bits_float(int32_t i)
{
	float f;
	memcpy(&f, &i, sizeof f);
	return f;
}

static inline float fx_expf(float x)
{
	if (x != x)
		return x;
	float xc = x < FX_LOW ? FX_LOW : x;
	float nf = (xc * FX_LOG2E + FX_ROUND) - FX_ROUND;
	float r = (xc - nf * FX_LN2_HI) - nf * FX_LN2_LO;
	float z = r * r;
	float p = FX_POLY(r, z);
	int32_t n = (int32_t)nf, n1 = n >> 1, n2 = n - n1;
	return (p * fx_bits_float((n1 + 127) << 23)) * fx_bits_float((n2 + 127) << 23);
}

#endif
