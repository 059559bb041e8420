/* half.h: the value rules for the 16-bit floats (f16, bf16) as static inline bit
 * manipulations, shared by half.c (the public scalar functions) and convert.c (whose
 * loops must see them inline to vectorize).  Every narrowing is correctly rounded to
 * nearest-even, straight from the source's bits: no double rounding through f32.
 *
 * Branch-light on purpose: each candidate result is computed and one is picked with
 * masks, because with -ftrapping-math (GCC's default) a ternary over a float addition
 * keeps the branch and the loop does not vectorize.
 *
 * NaNs: the result is a quiet NaN of the same sign that keeps the leading payload bits
 * (what NumPy gives for quiet NaNs and F16C hardware for all; a signalling NaN becomes
 * quiet, as IEEE 754 conversions do). */
#ifndef TNSR_HALF_H
#define TNSR_HALF_H

#include <stdint.h>
#include <string.h>

static inline uint32_t half_f32_bits(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	return u;
}

static inline float half_f32_from_bits(uint32_t u)
{
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

static inline uint64_t half_f64_bits(double x)
{
	uint64_t u;
	memcpy(&u, &x, sizeof u);
	return u;
}

static inline double half_f64_from_bits(uint64_t u)
{
	double x;
	memcpy(&x, &u, sizeof x);
	return x;
}

/* All ones when COND holds, else zero: selects without branches. */
#define HALF_MASK32(cond) (-(uint32_t)(cond))
#define HALF_MASK64(cond) (-(uint64_t)(cond))

/* ---------------------------------------------------------------- f16 */

/* Exact.  Subnormals (exponent field 0) are their 10-bit integer times 2^-24, which
 * an int -> float conversion and a multiply by a power of two give exactly. */
static inline float half_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
	uint32_t em = h & 0x7fffu; /* exponent and mantissa */
	uint32_t normal = (em << 13) + ((127u - 15u) << 23);
	uint32_t infnan = (em << 13) | 0x7f800000u | (HALF_MASK32(em > 0x7c00u) & 0x00400000u);
	uint32_t sub = half_f32_bits((float)(int32_t)em * 0x1p-24f);
	uint32_t is_sub = HALF_MASK32(em < 0x0400u), is_big = HALF_MASK32(em >= 0x7c00u);
	return half_f32_from_bits(sign | (sub & is_sub) | (infnan & is_big) | (normal & ~(is_sub | is_big)));
}

/* Rounds |x| below 2^-14 (the f16 subnormal range) by adding 0.5f, whose ulp is 2^-24,
 * the f16 subnormal step: the FPU rounds the sum once, to nearest-even, and the low
 * bits of the sum are the f16 mantissa.  Above, the classic integer rounding: add
 * 0xfff plus the lowest kept bit, then cut 13 bits.  |x| >= 65520 (the midpoint
 * between 65504, the largest f16, and 65536) rounds to inf. */
static inline uint16_t half_f16_from_f32(float f)
{
	uint32_t u = half_f32_bits(f);
	uint32_t sign = (u >> 16) & 0x8000u;
	uint32_t a = u & 0x7fffffffu;
	uint32_t sub = half_f32_bits(half_f32_from_bits(a) + 0.5f) - 0x3f000000u;
	uint32_t normal = (a - ((127u - 15u) << 23) + 0x0fffu + ((a >> 13) & 1u)) >> 13;
	uint32_t nan = 0x7e00u | ((a >> 13) & 0x03ffu);
	uint32_t is_sub = HALF_MASK32(a < 0x38800000u);                /* 2^-14 */
	uint32_t is_normal = HALF_MASK32(a < 0x477ff000u) & ~is_sub;  /* 65520 */
	uint32_t is_nan = HALF_MASK32(a > 0x7f800000u);
	uint32_t is_inf = ~(is_sub | is_normal | is_nan);
	return (uint16_t)(sign | (sub & is_sub) | (normal & is_normal) | (0x7c00u & is_inf) | (nan & is_nan));
}

/* As half_f16_from_f32 from the double's own bits: the subnormal addend is 2^28 (ulp
 * 2^-24) and 42 bits are cut. */
static inline uint16_t half_f16_from_f64(double x)
{
	uint64_t u = half_f64_bits(x);
	uint64_t sign = (u >> 48) & 0x8000u;
	uint64_t a = u & 0x7fffffffffffffffu;
	uint64_t sub = half_f64_bits(half_f64_from_bits(a) + 0x1p28) - 0x41b0000000000000u;
	uint64_t normal = (a - ((uint64_t)(1023 - 15) << 52) + 0x1ffffffffffu + ((a >> 42) & 1u)) >> 42;
	uint64_t nan = 0x7e00u | ((a >> 42) & 0x03ffu);
	uint64_t is_sub = HALF_MASK64(a < 0x3f10000000000000u);                /* 2^-14 */
	uint64_t is_normal = HALF_MASK64(a < 0x40effe0000000000u) & ~is_sub;   /* 65520 */
	uint64_t is_nan = HALF_MASK64(a > 0x7ff0000000000000u);
	uint64_t is_inf = ~(is_sub | is_normal | is_nan);
	return (uint16_t)(sign | (sub & is_sub) | (normal & is_normal) | (0x7c00u & is_inf) | (nan & is_nan));
}

/* ---------------------------------------------------------------- bf16 */

/* Exact: bf16 is the top half of an f32. */
static inline float half_bf16_to_f32(uint16_t h)
{
	uint32_t u = (uint32_t)h << 16;
	return half_f32_from_bits(u | (HALF_MASK32((u & 0x7fffffffu) > 0x7f800000u) & 0x00400000u));
}

/* Same exponent range as f32, so one integer rounding covers subnormals and overflow
 * (0x7f7fffff rounds up into 0x7f80, inf).  The arithmetic shift keeps the result in
 * int16 range, which vectorizes into fewer instructions than a logical one. */
static inline uint16_t half_bf16_from_f32(float f)
{
	uint32_t u = half_f32_bits(f);
	uint32_t is_nan = HALF_MASK32((u & 0x7fffffffu) > 0x7f800000u);
	uint32_t r = ((u + 0x7fffu + ((u >> 16) & 1u)) & ~is_nan) | ((u | 0x00400000u) & is_nan);
	return (uint16_t)((int32_t)r >> 16);
}

/* As half_f16_from_f64 with bf16's range: below 2^-126 the addend is 2^-81 (ulp 2^-133,
 * the bf16 subnormal step); above, 45 bits are cut; from (2 - 2^-8) * 2^127 on, inf. */
static inline uint16_t half_bf16_from_f64(double x)
{
	uint64_t u = half_f64_bits(x);
	uint64_t sign = (u >> 48) & 0x8000u;
	uint64_t a = u & 0x7fffffffffffffffu;
	uint64_t sub = half_f64_bits(half_f64_from_bits(a) + 0x1p-81) - 0x3ae0000000000000u;
	uint64_t normal = (a - ((uint64_t)(1023 - 127) << 52) + 0xfffffffffffu + ((a >> 45) & 1u)) >> 45;
	uint64_t nan = 0x7fc0u | ((a >> 45) & 0x007fu);
	uint64_t is_sub = HALF_MASK64(a < 0x3810000000000000u);                /* 2^-126 */
	uint64_t is_normal = HALF_MASK64(a < 0x47eff00000000000u) & ~is_sub;   /* overflow */
	uint64_t is_nan = HALF_MASK64(a > 0x7ff0000000000000u);
	uint64_t is_inf = ~(is_sub | is_normal | is_nan);
	return (uint16_t)(sign | (sub & is_sub) | (normal & is_normal) | (0x7f80u & is_inf) | (nan & is_nan));
}

/* ---------------------------------------------------------------- from 64-bit integers */

/* A 64-bit integer as a double rounded to odd: exact below 2^53; above, bits 10..0 are
 * folded into a sticky bit 11.  Rounding that double to f16 or bf16 (at most 11
 * significant bits, far above bit 11 of a number >= 2^53) then gives the correctly
 * rounded result of the integer itself: no double rounding. */
static inline double half_u64_to_f64_odd(uint64_t v)
{
	uint64_t high = (v >> 11) | (uint64_t)((v & 0x7ffu) != 0);
	return v < (UINT64_C(1) << 53) ? (double)v : (double)high * 2048.0;
}

static inline double half_i64_to_f64_odd(int64_t v)
{
	uint64_t m = v < 0 ? 0u - (uint64_t)v : (uint64_t)v;
	double d = half_u64_to_f64_odd(m);
	return v < 0 ? -d : d;
}

#endif
