/* convert.c: tnsr_convert and tnsr_byteswap.  Each of the 15 x 15 (source, destination)
 * dtype pairs gets its own typed loop, generated below with X-macros so that the
 * compiler can vectorize it; the value rules live in half.h (16-bit floats) and in the
 * float -> integer helpers here.  f32 <-> f16 use the F16C instructions when the CPU
 * has them (same results, memory speed). */
#include <stdbool.h>
#include <string.h>

#include "half.h"
#include "tnsr.h"

/* Element types that may sit at any address and alias anything: buffers come from file
 * mappings and byte buffers, not always aligned to their element size. */
typedef uint8_t cv_u8 __attribute__((aligned(1), may_alias));
typedef int8_t cv_i8 __attribute__((aligned(1), may_alias));
typedef int16_t cv_i16 __attribute__((aligned(1), may_alias));
typedef int32_t cv_i32 __attribute__((aligned(1), may_alias));
typedef int64_t cv_i64 __attribute__((aligned(1), may_alias));
typedef uint16_t cv_u16 __attribute__((aligned(1), may_alias));
typedef uint32_t cv_u32 __attribute__((aligned(1), may_alias));
typedef uint64_t cv_u64 __attribute__((aligned(1), may_alias));
typedef float cv_f32 __attribute__((aligned(1), may_alias));
typedef double cv_f64 __attribute__((aligned(1), may_alias));

/* ---------------------------------------------------------------- float -> integer */

/* What NumPy's astype gives on x86-64, where a C cast compiles to cvttss2si/cvttsd2si:
 * truncation toward zero; NaN and values outside the instruction's range give its
 * "integer indefinite" (the minimum).  Targets up to 32 bits except u32 go through the
 * 32-bit instruction and then wrap; i64 and u32 through the 64-bit one; u64 subtracts
 * 2^63 first when x >= 2^63.  So NaN gives 0 for i8/i16/u8/u16/u32, INT32_MIN for i32,
 * INT64_MIN for i64 and 2^63 for u64, and 300.7 -> i8 gives 44.  The range tests come
 * first, since an out-of-range C cast is undefined; the 32-bit one may start at -2^31
 * because (-2^31 - 1, -2^31) truncates to INT32_MIN either way. */
#define CV_FLOAT_TO_INT(F, T)                                                                \
	static inline int32_t cv_##F##_to_i32(T x)                                           \
	{                                                                                    \
		return x >= (T)-0x1p31 && x < (T)0x1p31 ? (int32_t)x : INT32_MIN;            \
	}                                                                                    \
	static inline int64_t cv_##F##_to_i64(T x)                                           \
	{                                                                                    \
		return x >= (T)-0x1p63 && x < (T)0x1p63 ? (int64_t)x : INT64_MIN;            \
	}                                                                                    \
	static inline uint64_t cv_##F##_to_u64(T x)                                          \
	{                                                                                    \
		if (x >= (T)0x1p63)                                                          \
			return x < (T)0x1p64 ? (uint64_t)x : 0;                              \
		return (uint64_t)cv_##F##_to_i64(x);                                         \
	}
CV_FLOAT_TO_INT(f32, float)
CV_FLOAT_TO_INT(f64, double)

/* ---------------------------------------------------------------- value rules */

/* A loop reads each source element as its value ("re", and "im" for complex, 0 else):
 * integers as themselves, bool as 0/1, f16/bf16 as their exact f32, complex as its two
 * parts.  The destination's TO_ macro picks the rule by the value's C type. */
#define CV_TO_NARROW(T, v)                                                                   \
	_Generic((v), float: (T)cv_f32_to_i32(v), double: (T)cv_f64_to_i32(v), default: (T)(v))
#define CV_TO_I8(v) CV_TO_NARROW(int8_t, v)
#define CV_TO_I16(v) CV_TO_NARROW(int16_t, v)
#define CV_TO_I32(v) CV_TO_NARROW(int32_t, v)
#define CV_TO_U8(v) CV_TO_NARROW(uint8_t, v)
#define CV_TO_U16(v) CV_TO_NARROW(uint16_t, v)
#define CV_TO_U32(v)                                                                         \
	_Generic((v), float: (uint32_t)cv_f32_to_i64(v), double: (uint32_t)cv_f64_to_i64(v), \
		 default: (uint32_t)(v))
#define CV_TO_I64(v) _Generic((v), float: cv_f32_to_i64(v), double: cv_f64_to_i64(v), default: (int64_t)(v))
#define CV_TO_U64(v) _Generic((v), float: cv_f32_to_u64(v), double: cv_f64_to_u64(v), default: (uint64_t)(v))
/* Integers of up to 32 bits are exact in a double; 64-bit ones are rounded to odd. */
#define CV_TO_F16(v)                                                                         \
	_Generic((v), float: half_f16_from_f32, double: half_f16_from_f64,                   \
		 int64_t: cv_f16_from_i64, uint64_t: cv_f16_from_u64, default: half_f16_from_f64)(v)
#define CV_TO_BF16(v)                                                                        \
	_Generic((v), float: half_bf16_from_f32, double: half_bf16_from_f64,                 \
		 int64_t: cv_bf16_from_i64, uint64_t: cv_bf16_from_u64, default: half_bf16_from_f64)(v)
/* C's own conversions round correctly to nearest (u64 -> f32 included) and quiet NaNs. */
#define CV_TO_F32(v) ((float)(v))
#define CV_TO_F64(v) ((double)(v))

static inline uint16_t cv_f16_from_i64(int64_t v) { return half_f16_from_f64(half_i64_to_f64_odd(v)); }
static inline uint16_t cv_f16_from_u64(uint64_t v) { return half_f16_from_f64(half_u64_to_f64_odd(v)); }
static inline uint16_t cv_bf16_from_i64(int64_t v) { return half_bf16_from_f64(half_i64_to_f64_odd(v)); }
static inline uint16_t cv_bf16_from_u64(uint64_t v) { return half_bf16_from_f64(half_u64_to_f64_odd(v)); }

/* Per dtype: its element type (CT), how an element is read (RE, IM) and how a value is
 * stored (PUT).  A complex element is two parts, at 2i and 2i+1. */
#define CT_BOOL cv_u8
#define CT_I8 cv_i8
#define CT_I16 cv_i16
#define CT_I32 cv_i32
#define CT_I64 cv_i64
#define CT_U8 cv_u8
#define CT_U16 cv_u16
#define CT_U32 cv_u32
#define CT_U64 cv_u64
#define CT_F16 cv_u16
#define CT_BF16 cv_u16
#define CT_F32 cv_f32
#define CT_F64 cv_f64
#define CT_C64 cv_f32
#define CT_C128 cv_f64

#define RE_BOOL(s, i) ((uint8_t)((s)[i] != 0))
#define RE_I8(s, i) ((int8_t)(s)[i])
#define RE_I16(s, i) ((int16_t)(s)[i])
#define RE_I32(s, i) ((int32_t)(s)[i])
#define RE_I64(s, i) ((int64_t)(s)[i])
#define RE_U8(s, i) ((uint8_t)(s)[i])
#define RE_U16(s, i) ((uint16_t)(s)[i])
#define RE_U32(s, i) ((uint32_t)(s)[i])
#define RE_U64(s, i) ((uint64_t)(s)[i])
#define RE_F16(s, i) half_f16_to_f32((s)[i])
#define RE_BF16(s, i) half_bf16_to_f32((s)[i])
#define RE_F32(s, i) ((float)(s)[i])
#define RE_F64(s, i) ((double)(s)[i])
#define RE_C64(s, i) ((float)(s)[2 * (i)])
#define RE_C128(s, i) ((double)(s)[2 * (i)])

#define IM_BOOL(s, i) ((uint8_t)0)
#define IM_I8(s, i) ((int8_t)0)
#define IM_I16(s, i) ((int16_t)0)
#define IM_I32(s, i) ((int32_t)0)
#define IM_I64(s, i) ((int64_t)0)
#define IM_U8(s, i) ((uint8_t)0)
#define IM_U16(s, i) ((uint16_t)0)
#define IM_U32(s, i) ((uint32_t)0)
#define IM_U64(s, i) ((uint64_t)0)
#define IM_F16(s, i) 0.0f
#define IM_BF16(s, i) 0.0f
#define IM_F32(s, i) 0.0f
#define IM_F64(s, i) 0.0
#define IM_C64(s, i) ((float)(s)[2 * (i) + 1])
#define IM_C128(s, i) ((double)(s)[2 * (i) + 1])

/* -> bool is "!= 0" (NaN is true; complex: either part); complex -> real keeps the
 * real part; real -> complex gets a zero imaginary part. */
#define PUT_BOOL(d, i, re, im) ((d)[i] = (uint8_t)(((re) != 0) | ((im) != 0)))
#define PUT_I8(d, i, re, im) ((d)[i] = CV_TO_I8(re))
#define PUT_I16(d, i, re, im) ((d)[i] = CV_TO_I16(re))
#define PUT_I32(d, i, re, im) ((d)[i] = CV_TO_I32(re))
#define PUT_I64(d, i, re, im) ((d)[i] = CV_TO_I64(re))
#define PUT_U8(d, i, re, im) ((d)[i] = CV_TO_U8(re))
#define PUT_U16(d, i, re, im) ((d)[i] = CV_TO_U16(re))
#define PUT_U32(d, i, re, im) ((d)[i] = CV_TO_U32(re))
#define PUT_U64(d, i, re, im) ((d)[i] = CV_TO_U64(re))
#define PUT_F16(d, i, re, im) ((d)[i] = CV_TO_F16(re))
#define PUT_BF16(d, i, re, im) ((d)[i] = CV_TO_BF16(re))
#define PUT_F32(d, i, re, im) ((d)[i] = CV_TO_F32(re))
#define PUT_F64(d, i, re, im) ((d)[i] = CV_TO_F64(re))
#define PUT_C64(d, i, re, im) ((d)[2 * (i)] = CV_TO_F32(re), (d)[2 * (i) + 1] = CV_TO_F32(im))
#define PUT_C128(d, i, re, im) ((d)[2 * (i)] = CV_TO_F64(re), (d)[2 * (i) + 1] = CV_TO_F64(im))

/* ---------------------------------------------------------------- the loops */

/* The dtypes, twice: an X-macro cannot expand inside its own expansion, and the loops
 * are pairs.  Both lists follow the enum. */
#define CV_SOURCES(Y) Y(BOOL) Y(I8) Y(I16) Y(I32) Y(I64) Y(U8) Y(U16) Y(U32) Y(U64) \
	Y(F16) Y(BF16) Y(F32) Y(F64) Y(C64) Y(C128)
#define CV_TARGETS(X, S) X(S, BOOL) X(S, I8) X(S, I16) X(S, I32) X(S, I64) X(S, U8) \
	X(S, U16) X(S, U32) X(S, U64) X(S, F16) X(S, BF16) X(S, F32) X(S, F64) X(S, C64) X(S, C128)

/* GCC's -O2 vectorizes only loops whose trip count it needs no scalar epilogue for, so
 * the work is done in blocks of a fixed size and the remainder in a plain loop. */
enum { CV_BLOCK = 64 };

typedef void convert_fn(void *restrict dst, const void *restrict src, size_t n);

#define CV_LOOP(S, D)                                                                        \
	static void convert_##S##_##D(void *restrict dv, const void *restrict sv, size_t n) \
	{                                                                                    \
		CT_##D *restrict d = dv;                                                     \
		const CT_##S *restrict s = sv;                                               \
		size_t i = 0;                                                                \
		for (; i + CV_BLOCK <= n; i += CV_BLOCK)                                     \
			for (size_t j = i; j < i + CV_BLOCK; j++)                            \
				PUT_##D(d, j, RE_##S(s, j), IM_##S(s, j));                   \
		for (; i < n; i++)                                                           \
			PUT_##D(d, i, RE_##S(s, i), IM_##S(s, i));                           \
	}
#define CV_LOOPS_FROM(S) CV_TARGETS(CV_LOOP, S)
CV_SOURCES(CV_LOOPS_FROM)

#define CV_ENTRY(S, D) [TNSR_##D] = convert_##S##_##D,
#define CV_ROW(S) [TNSR_##S] = {CV_TARGETS(CV_ENTRY, S)},
static convert_fn *const convert_table[TNSR_DTYPE_COUNT][TNSR_DTYPE_COUNT] = {CV_SOURCES(CV_ROW)};

/* ---------------------------------------------------------------- F16C */

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#include <stdatomic.h>

/* vcvtps2ph with round-to-nearest-even is the correctly rounded conversion, and both
 * instructions treat NaNs as half.h does: the tests compare them bit for bit. */
__attribute__((target("avx,f16c"))) static void f16c_f32_to_f16(void *restrict dv, const void *restrict sv, size_t n)
{
	char *d = dv;
	const char *s = sv;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256 v = _mm256_loadu_ps((const float *)(s + 4 * i));
		_mm_storeu_si128((__m128i *)(d + 2 * i), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
	}
	convert_F32_F16(d + 2 * i, s + 4 * i, n - i);
}

__attribute__((target("avx,f16c"))) static void f16c_f16_to_f32(void *restrict dv, const void *restrict sv, size_t n)
{
	char *d = dv;
	const char *s = sv;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m128i h = _mm_loadu_si128((const __m128i *)(s + 2 * i));
		_mm256_storeu_ps((float *)(d + 4 * i), _mm256_cvtph_ps(h));
	}
	convert_F16_F32(d + 4 * i, s + 2 * i, n - i);
}

/* CPUID leaf 1: F16C (ECX bit 29), AVX (28), and OSXSAVE (27) with the OS saving the
 * YMM registers (XCR0 bits 1 and 2).  Asked once; a race only repeats the question. */
static bool have_f16c(void)
{
	static atomic_int known; /* 0 not yet asked, 1 no, 2 yes */
	int k = atomic_load_explicit(&known, memory_order_relaxed);
	if (k == 0) {
		unsigned a, b, c, d, xcr0_lo = 0, xcr0_hi = 0;
		bool ok = __get_cpuid(1, &a, &b, &c, &d) && (c & (7u << 27)) == (7u << 27);
		if (ok)
			__asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
		k = ok && (xcr0_lo & 6u) == 6u ? 2 : 1;
		atomic_store_explicit(&known, k, memory_order_relaxed);
	}
	return k == 2;
}
#endif

/* ---------------------------------------------------------------- public */

void tnsr_convert(tnsr_dtype dst_t, void *dst, tnsr_dtype src_t, const void *src, size_t n)
{
	if (n == 0 || (unsigned)dst_t >= TNSR_DTYPE_COUNT || (unsigned)src_t >= TNSR_DTYPE_COUNT)
		return;
	if (dst_t == src_t) {
		/* Not a conversion: the bits are kept (a signalling NaN too). */
		memcpy(dst, src, n * tnsr_dtype_size(dst_t));
		return;
	}
#if defined(__x86_64__) && defined(__GNUC__)
	if (src_t == TNSR_F32 && dst_t == TNSR_F16 && have_f16c()) {
		f16c_f32_to_f16(dst, src, n);
		return;
	}
	if (src_t == TNSR_F16 && dst_t == TNSR_F32 && have_f16c()) {
		f16c_f16_to_f32(dst, src, n);
		return;
	}
#endif
	convert_table[src_t][dst_t](dst, src, n);
}

void tnsr_byteswap(tnsr_dtype dtype, void *data, size_t n)
{
	if ((unsigned)dtype >= TNSR_DTYPE_COUNT)
		return;
	const tnsr_dtype_info *info = tnsr_dtype_get(dtype);
	/* A complex number is two floats, each in the file's byte order. */
	size_t parts = info->kind == TNSR_KIND_COMPLEX ? 2 : 1;
	size_t width = info->size / parts, count = n * parts;
	unsigned char *p = data;
	switch (width) {
	case 2:
		for (size_t i = 0; i < count; i++) {
			uint16_t v;
			memcpy(&v, p + 2 * i, 2);
			v = __builtin_bswap16(v);
			memcpy(p + 2 * i, &v, 2);
		}
		break;
	case 4:
		for (size_t i = 0; i < count; i++) {
			uint32_t v;
			memcpy(&v, p + 4 * i, 4);
			v = __builtin_bswap32(v);
			memcpy(p + 4 * i, &v, 4);
		}
		break;
	case 8:
		for (size_t i = 0; i < count; i++) {
			uint64_t v;
			memcpy(&v, p + 8 * i, 8);
			v = __builtin_bswap64(v);
			memcpy(p + 8 * i, &v, 8);
		}
		break;
	default: /* one byte: nothing to swap */
		break;
	}
}
