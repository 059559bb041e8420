/* random.c: random fills from a counter-based generator (Philox4x32-10).  Element I of a
 * fill is drawn from the one Philox block whose counter is I and whose key is the seed,
 * so its value depends on (seed, I) alone: any split of the work across chunks or
 * threads gives the same bytes on every machine. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_X86_SIMD 1
#endif

#include "tnsr.h"

/* ---------------------------------------------------------------- Philox */

/* Constants of Philox4x32 (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as easy
 * as 1, 2, 3", SC'11), as in the Random123 library. */
#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static inline void philox_round(uint32_t c[4], const uint32_t k[2])
{
	uint64_t p0 = (uint64_t)PHILOX_M0 * c[0], p1 = (uint64_t)PHILOX_M1 * c[2];
	uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
	uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
	uint32_t c1 = c[1], c3 = c[3];
	c[0] = hi1 ^ c1 ^ k[0];
	c[1] = lo1;
	c[2] = hi0 ^ c3 ^ k[1];
	c[3] = lo0;
}

static inline void philox(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
	uint32_t c[4] = {ctr[0], ctr[1], ctr[2], ctr[3]};
	uint32_t k[2] = {key[0], key[1]};
	for (int r = 0; r < 10; r++) {
		if (r) {
			k[0] += PHILOX_W0;
			k[1] += PHILOX_W1;
		}
		philox_round(c, k);
	}
	memcpy(out, c, sizeof c);
}

void tnsr_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
	philox(ctr, key, out);
}

/* The four words of element INDEX: counter (index, ROUND, 0), key SEED.  ROUND > 0 gives
 * an element further words of its own (randint's rejections). */
static inline void element_words(uint64_t seed, uint64_t index, uint32_t round, uint32_t w[4])
{
	const uint32_t ctr[4] = {(uint32_t)index, (uint32_t)(index >> 32), round, 0};
	const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
	philox(ctr, key, w);
}

/* The same blocks for LANES consecutive elements at once: W[k][j] is word k of element
 * FIRST + j.  One block's ten rounds are a chain of dependent multiplies; computing eight
 * side by side (in SIMD registers where the CPU has them) keeps the multipliers busy.
 * Every path computes the same integers, so the choice never changes a result. */
enum { LANES = 8 };

__attribute__((unused)) static void lanes_portable(uint64_t seed, uint64_t first, uint32_t w[4][LANES])
{
	for (int j = 0; j < LANES; j++) {
		uint32_t b[4];
		element_words(seed, first + (uint64_t)j, 0, b);
		for (int k = 0; k < 4; k++)
			w[k][j] = b[k];
	}
}

#ifdef HAVE_X86_SIMD
/* Counter words 0 and 1 (the element index) of lanes FIRST .. FIRST+7. */
static inline void lane_counters(uint64_t first, uint32_t lo[LANES], uint32_t hi[LANES])
{
	for (int j = 0; j < LANES; j++) {
		lo[j] = (uint32_t)(first + (uint64_t)j);
		hi[j] = (uint32_t)((first + (uint64_t)j) >> 32);
	}
}

/* SSE2 (every x86-64): four lanes per register; pmuludq multiplies the even lanes. */
static inline void mulhilo_sse2(__m128i a, __m128i m, __m128i *hi, __m128i *lo)
{
	const __m128i odd = _mm_set_epi32(-1, 0, -1, 0);
	__m128i pe = _mm_mul_epu32(a, m), po = _mm_mul_epu32(_mm_srli_epi64(a, 32), m);
	*hi = _mm_or_si128(_mm_srli_epi64(pe, 32), _mm_and_si128(po, odd));
	*lo = _mm_or_si128(_mm_andnot_si128(odd, pe), _mm_slli_epi64(po, 32));
}

static void lanes_sse2(uint64_t seed, uint64_t first, uint32_t w[4][LANES])
{
	uint32_t lo[LANES], hi[LANES];
	lane_counters(first, lo, hi);
	const __m128i m0 = _mm_set1_epi32((int)PHILOX_M0), m1 = _mm_set1_epi32((int)PHILOX_M1);
	for (int g = 0; g < LANES; g += 4) {
		__m128i c0 = _mm_loadu_si128((const __m128i *)&lo[g]), c1 = _mm_loadu_si128((const __m128i *)&hi[g]);
		__m128i c2 = _mm_setzero_si128(), c3 = _mm_setzero_si128(), h0, l0, h1, l1;
		uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
		for (int r = 0; r < 10; r++, k0 += PHILOX_W0, k1 += PHILOX_W1) {
			mulhilo_sse2(c0, m0, &h0, &l0);
			mulhilo_sse2(c2, m1, &h1, &l1);
			c0 = _mm_xor_si128(_mm_xor_si128(h1, c1), _mm_set1_epi32((int)k0));
			c1 = l1;
			c2 = _mm_xor_si128(_mm_xor_si128(h0, c3), _mm_set1_epi32((int)k1));
			c3 = l0;
		}
		_mm_storeu_si128((__m128i *)&w[0][g], c0);
		_mm_storeu_si128((__m128i *)&w[1][g], c1);
		_mm_storeu_si128((__m128i *)&w[2][g], c2);
		_mm_storeu_si128((__m128i *)&w[3][g], c3);
	}
}

/* AVX2: all eight lanes in one register, chosen at run time. */
__attribute__((target("avx2"))) static inline void mulhilo_avx2(__m256i a, __m256i m, __m256i *hi, __m256i *lo)
{
	__m256i pe = _mm256_mul_epu32(a, m), po = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
	*hi = _mm256_blend_epi32(_mm256_srli_epi64(pe, 32), po, 0xAA);
	*lo = _mm256_blend_epi32(pe, _mm256_slli_epi64(po, 32), 0xAA);
}

__attribute__((target("avx2"))) static void lanes_avx2(uint64_t seed, uint64_t first, uint32_t w[4][LANES])
{
	uint32_t lo[LANES], hi[LANES];
	lane_counters(first, lo, hi);
	const __m256i m0 = _mm256_set1_epi32((int)PHILOX_M0), m1 = _mm256_set1_epi32((int)PHILOX_M1);
	__m256i c0 = _mm256_loadu_si256((const __m256i *)lo), c1 = _mm256_loadu_si256((const __m256i *)hi);
	__m256i c2 = _mm256_setzero_si256(), c3 = _mm256_setzero_si256(), h0, l0, h1, l1;
	uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
	for (int r = 0; r < 10; r++, k0 += PHILOX_W0, k1 += PHILOX_W1) {
		mulhilo_avx2(c0, m0, &h0, &l0);
		mulhilo_avx2(c2, m1, &h1, &l1);
		c0 = _mm256_xor_si256(_mm256_xor_si256(h1, c1), _mm256_set1_epi32((int)k0));
		c1 = l1;
		c2 = _mm256_xor_si256(_mm256_xor_si256(h0, c3), _mm256_set1_epi32((int)k1));
		c3 = l0;
	}
	_mm256_storeu_si256((__m256i *)w[0], c0);
	_mm256_storeu_si256((__m256i *)w[1], c1);
	_mm256_storeu_si256((__m256i *)w[2], c2);
	_mm256_storeu_si256((__m256i *)w[3], c3);
}
#endif

static void element_lanes(uint64_t seed, uint64_t first, uint32_t w[4][LANES])
{
#ifdef HAVE_X86_SIMD
	if (__builtin_cpu_supports("avx2"))
		lanes_avx2(seed, first, w);
	else
		lanes_sse2(seed, first, w);
#else
	lanes_portable(seed, first, w);
#endif
}

/* The words of the elements of one fill, read in order: a fill of N elements starting
 * at counter FIRST asks for element 0, 1, ... and gets its four words. */
typedef struct word_reader {
	uint64_t seed, first;
	int64_t base; /* the element whose lanes W holds; -1 before the first */
	uint32_t w[4][LANES];
} word_reader;

static inline word_reader words_start(const tnsr_rng *rng)
{
	return (word_reader){.seed = rng->seed, .first = rng->counter, .base = -1};
}

static inline void words_of(word_reader *r, int64_t i, uint32_t out[4])
{
	int64_t base = i - i % LANES;
	if (base != r->base) {
		r->base = base;
		element_lanes(r->seed, r->first + (uint64_t)base, r->w);
	}
	for (int k = 0; k < 4; k++)
		out[k] = r->w[k][i - base];
}

/* [0, 1) from the top 24 bits of a word (k * 2^-24), or from 53 bits of two words. */
static inline double unit24(uint32_t w) { return (double)(w >> 8) * 0x1p-24; }
static inline double unit53(uint32_t a, uint32_t b) { return (double)((((uint64_t)a << 32) | b) >> 11) * 0x1p-53; }

tnsr_rng tnsr_rng_new(uint64_t seed) { return (tnsr_rng){.seed = seed, .counter = 0}; }

uint64_t tnsr_rng_entropy_seed(void)
{
	uint64_t seed;
	if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) == (ssize_t)sizeof seed)
		return seed;
	/* No entropy pool yet (early boot): the clock and the pid still differ run to run. */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint32_t w[4];
	const uint32_t ctr[4] = {(uint32_t)ts.tv_nsec, (uint32_t)ts.tv_sec, (uint32_t)getpid(), 0};
	const uint32_t key[2] = {(uint32_t)(uintptr_t)&ts, (uint32_t)((uintptr_t)&ts >> 16)};
	philox(ctr, key, w);
	return ((uint64_t)w[0] << 32) | w[1];
}

/* ---------------------------------------------------------------- floating formats */

/* What a floating component type can hold: the largest finite value and its mantissa
 * digits (integers up to 2^digits are exact).  Indexed by the real dtype. */
typedef struct real_limits {
	tnsr_dtype dtype;
	double max;
	int digits;
} real_limits;

static const real_limits real_table[] = {
	{TNSR_F16, 65504.0, 11},
	{TNSR_BF16, 0x1.fep127, 8},
	{TNSR_F32, FLT_MAX, 24},
	{TNSR_F64, DBL_MAX, 53},
};

/* The real type of D's components (c64 -> f32), or NULL when D is not floating. */
static const real_limits *real_of(tnsr_dtype d)
{
	if (d == TNSR_C64)
		d = TNSR_F32;
	else if (d == TNSR_C128)
		d = TNSR_F64;
	for (size_t i = 0; i < sizeof real_table / sizeof *real_table; i++)
		if (real_table[i].dtype == d)
			return &real_table[i];
	return NULL;
}

/* V rounded to nearest-even in the real dtype D, as a double. */
static double round_to(tnsr_dtype d, double v)
{
	switch (d) {
	case TNSR_F16: return tnsr_f16_to_f32(tnsr_f16_from_f64(v));
	case TNSR_BF16: return tnsr_bf16_to_f32(tnsr_bf16_from_f64(v));
	case TNSR_F32: return (float)v;
	default: return v;
	}
}

/* Element I of the real array P of dtype D := V (correctly rounded). */
static inline void store_real(tnsr_dtype d, void *p, size_t i, double v)
{
	switch (d) {
	case TNSR_F16: ((uint16_t *)p)[i] = tnsr_f16_from_f64(v); break;
	case TNSR_BF16: ((uint16_t *)p)[i] = tnsr_bf16_from_f64(v); break;
	case TNSR_F32: ((float *)p)[i] = (float)v; break;
	default: ((double *)p)[i] = v; break;
	}
}

/* The largest value of the real dtype D below the finite X. */
static double next_down(tnsr_dtype d, double x)
{
	if (d == TNSR_F64)
		return nextafter(x, -INFINITY);
	if (d == TNSR_F32)
		return nextafterf((float)x, -INFINITY);
	/* f16, bf16: step the bit pattern of the value X rounds to until it lies below X. */
	uint16_t (*from)(double) = d == TNSR_F16 ? tnsr_f16_from_f64 : tnsr_bf16_from_f64;
	float (*to)(uint16_t) = d == TNSR_F16 ? tnsr_f16_to_f32 : tnsr_bf16_to_f32;
	uint16_t h = from(x);
	while (to(h) >= x)
		h = h == 0 ? 0x8001 : (h & 0x8000) ? (uint16_t)(h + 1) : (uint16_t)(h - 1);
	return to(h);
}

static tnsr_status check_fill_target(const char *what, const tnsr_tensor *t)
{
	if (!tnsr_tensor_is_contiguous(t))
		return tnsr_error(TNSR_E_UNSUPPORTED, "%s: the tensor is not contiguous (expected a contiguous one)",
				  what);
	return TNSR_OK;
}

static tnsr_status need_floating(const char *what, tnsr_dtype d)
{
	if (!real_of(d))
		return tnsr_error(TNSR_E_DTYPE, "%s: dtype %s is not floating (expected f16, bf16, f32, f64, c64 or c128)",
				  what, tnsr_dtype_name(d));
	return TNSR_OK;
}

/* ---------------------------------------------------------------- uniform */

/* U[lo, hi) in one real dtype: lo + (hi - lo) * u in double, rounded, and kept below hi. */
typedef struct uniform_map {
	tnsr_dtype dtype;
	double lo, span, hi, cap;
} uniform_map;

static inline double uniform_value(const uniform_map *m, double u)
{
	double r = round_to(m->dtype, m->lo + m->span * u);
	return r >= m->hi ? m->cap : r;
}

tnsr_status tnsr_fill_uniform(tnsr_rng *rng, tnsr_tensor *t, double lo, double hi)
{
	tnsr_status st = check_fill_target("uniform", t);
	if (st || (st = need_floating("uniform", t->dtype)))
		return st;
	const real_limits *lim = real_of(t->dtype);
	const char *name = tnsr_dtype_name(lim->dtype);
	/* PyTorch's check_uniform_bounds, with its order of checks. */
	if (!(lo >= -lim->max && lo <= lim->max))
		return tnsr_error(TNSR_E_VALUE, "uniform: from %g is out of bounds for %s (expected a finite value, |from| <= %g)",
				  lo, name, lim->max);
	if (!(hi >= -lim->max && hi <= lim->max))
		return tnsr_error(TNSR_E_VALUE, "uniform: to %g is out of bounds for %s (expected a finite value, |to| <= %g)",
				  hi, name, lim->max);
	if (lo > hi)
		return tnsr_error(TNSR_E_VALUE, "uniform: range [%g, %g): from > to (expected from <= to)", lo, hi);
	if (hi - lo > lim->max)
		return tnsr_error(TNSR_E_VALUE, "uniform: range [%g, %g): to - from exceeds the largest %s, %g", lo, hi,
				  name, lim->max);

	uniform_map m = {lim->dtype, lo, hi - lo, hi, 0};
	m.cap = lo < hi ? next_down(lim->dtype, hi) : round_to(lim->dtype, lo);
	int64_t n = tnsr_tensor_numel(t);
	void *p = tnsr_tensor_data(t);
	word_reader wr = words_start(rng);
	uint32_t w[4];
	/* One loop per layout; the dtype switch stays outside the hot f32/f64 loops. */
	switch (t->dtype) {
	case TNSR_F32:
		for (int64_t i = 0; i < n; i++) {
			words_of(&wr, i, w);
			((float *)p)[i] = (float)uniform_value(&m, unit24(w[0]));
		}
		break;
	case TNSR_F64:
		for (int64_t i = 0; i < n; i++) {
			words_of(&wr, i, w);
			((double *)p)[i] = uniform_value(&m, unit53(w[0], w[1]));
		}
		break;
	case TNSR_C64:
		for (int64_t i = 0; i < n; i++) {
			words_of(&wr, i, w);
			((float *)p)[2 * i] = (float)uniform_value(&m, unit24(w[0]));
			((float *)p)[2 * i + 1] = (float)uniform_value(&m, unit24(w[1]));
		}
		break;
	case TNSR_C128:
		for (int64_t i = 0; i < n; i++) {
			words_of(&wr, i, w);
			((double *)p)[2 * i] = uniform_value(&m, unit53(w[0], w[1]));
			((double *)p)[2 * i + 1] = uniform_value(&m, unit53(w[2], w[3]));
		}
		break;
	default: /* f16, bf16: drawn as f32 is (24 bits), rounded once from the double */
		for (int64_t i = 0; i < n; i++) {
			words_of(&wr, i, w);
			store_real(t->dtype, p, (size_t)i, uniform_value(&m, unit24(w[0])));
		}
		break;
	}
	rng->counter += (uint64_t)n;
	return TNSR_OK;
}

/* ---------------------------------------------------------------- normal */

/* Two independent standard normals from one element's four words (Box-Muller, in
 * double).  u1 lies in (0, 1] so that log(u1) is finite. */
static inline double box_muller(const uint32_t w[4], double *z1)
{
	double u1 = (double)(((((uint64_t)w[0] << 32) | w[1]) >> 11) + 1) * 0x1p-53;
	double u2 = unit53(w[2], w[3]);
	double r = sqrt(-2.0 * log(u1)), theta = 2.0 * M_PI * u2;
	if (z1)
		*z1 = r * sin(theta);
	return r * cos(theta);
}

tnsr_status tnsr_fill_normal(tnsr_rng *rng, tnsr_tensor *t, double mean, double std)
{
	tnsr_status st = check_fill_target("normal", t);
	if (st || (st = need_floating("normal", t->dtype)))
		return st;
	if (!(std >= 0))
		return tnsr_error(TNSR_E_VALUE, "normal: std %g is negative (expected std >= 0)", std);
	int64_t n = tnsr_tensor_numel(t);
	void *p = tnsr_tensor_data(t);
	word_reader wr = words_start(rng);
	uint32_t w[4];
	if (tnsr_dtype_is_complex(t->dtype)) {
		/* As PyTorch: both parts get MEAN and std/sqrt(2), so E|z - mean|^2 = std^2. */
		tnsr_dtype part = real_of(t->dtype)->dtype;
		double s = std * M_SQRT1_2, z1;
		for (int64_t i = 0; i < n; i++) {
			words_of(&wr, i, w);
			double z0 = box_muller(w, &z1);
			store_real(part, p, 2 * (size_t)i, mean + s * z0);
			store_real(part, p, 2 * (size_t)i + 1, mean + s * z1);
		}
	} else if (t->dtype == TNSR_F32) {
		for (int64_t i = 0; i < n; i++) {
			words_of(&wr, i, w);
			((float *)p)[i] = (float)(mean + std * box_muller(w, NULL));
		}
	} else {
		for (int64_t i = 0; i < n; i++) {
			words_of(&wr, i, w);
			store_real(t->dtype, p, (size_t)i, mean + std * box_muller(w, NULL));
		}
	}
	rng->counter += (uint64_t)n;
	return TNSR_OK;
}

/* ---------------------------------------------------------------- randint */

/* The integers a dtype holds exactly: [lo, hi] (u64's top is clipped to what int64 can
 * name, which is all a range [from, to) with int64 ends can reach). */
static void exact_range(tnsr_dtype d, int64_t *lo, int64_t *hi)
{
	static const struct {
		tnsr_dtype dtype;
		int64_t lo, hi;
	} ints[] = {
		{TNSR_BOOL, 0, 1},
		{TNSR_I8, INT8_MIN, INT8_MAX},
		{TNSR_I16, INT16_MIN, INT16_MAX},
		{TNSR_I32, INT32_MIN, INT32_MAX},
		{TNSR_I64, INT64_MIN, INT64_MAX},
		{TNSR_U8, 0, UINT8_MAX},
		{TNSR_U16, 0, UINT16_MAX},
		{TNSR_U32, 0, UINT32_MAX},
		{TNSR_U64, 0, INT64_MAX},
	};
	for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
		if (ints[i].dtype == d) {
			*lo = ints[i].lo;
			*hi = ints[i].hi;
			return;
		}
	int64_t m = (int64_t)1 << real_of(d)->digits;
	*lo = -m;
	*hi = m;
}

/* Uniform on [0, RANGE) without bias (Lemire, "Fast random integer generation in an
 * interval", 2019): the high half of x * RANGE, rejecting x when the low half is below
 * THRESHOLD = 2^64 mod RANGE.  The element's draws x are words (0,1), (2,3) of its block
 * W (counter round 0), then of its blocks for rounds 1, 2, ... (counter word 2). */
static inline uint64_t bounded(uint64_t seed, uint64_t index, uint32_t w[4], uint64_t range, uint64_t threshold)
{
	__extension__ typedef unsigned __int128 u128;
	for (uint32_t k = 0;; k++) {
		if (k && k % 2 == 0)
			element_words(seed, index, k / 2, w);
		uint32_t j = (k % 2) * 2;
		u128 m = (u128)(((uint64_t)w[j] << 32) | w[j + 1]) * range;
		if ((uint64_t)m >= threshold)
			return (uint64_t)(m >> 64);
	}
}

static inline void store_int(tnsr_dtype d, void *p, size_t i, int64_t v)
{
	switch (d) {
	case TNSR_BOOL: ((uint8_t *)p)[i] = v != 0; break;
	case TNSR_I8: ((int8_t *)p)[i] = (int8_t)v; break;
	case TNSR_U8: ((uint8_t *)p)[i] = (uint8_t)v; break;
	case TNSR_I16: ((int16_t *)p)[i] = (int16_t)v; break;
	case TNSR_U16: ((uint16_t *)p)[i] = (uint16_t)v; break;
	case TNSR_I32: ((int32_t *)p)[i] = (int32_t)v; break;
	case TNSR_U32: ((uint32_t *)p)[i] = (uint32_t)v; break;
	case TNSR_I64: ((int64_t *)p)[i] = v; break;
	case TNSR_U64: ((uint64_t *)p)[i] = (uint64_t)v; break;
	default: store_real(d, p, i, (double)v); break; /* exact: checked against 2^digits */
	}
}

tnsr_status tnsr_fill_randint(tnsr_rng *rng, tnsr_tensor *t, int64_t lo, int64_t hi)
{
	tnsr_status st = check_fill_target("randint", t);
	if (st)
		return st;
	if (tnsr_dtype_is_complex(t->dtype))
		return tnsr_error(TNSR_E_DTYPE, "randint: dtype %s is complex (expected an integer, floating or bool dtype)",
				  tnsr_dtype_name(t->dtype));
	if (lo >= hi)
		return tnsr_error(TNSR_E_VALUE, "randint: from %lld >= to %lld (expected from < to)", (long long)lo,
				  (long long)hi);
	int64_t dmin, dmax;
	exact_range(t->dtype, &dmin, &dmax);
	if (lo < dmin || lo > dmax)
		return tnsr_error(TNSR_E_VALUE, "randint: from %lld is out of bounds for %s (expected %lld..%lld)",
				  (long long)lo, tnsr_dtype_name(t->dtype), (long long)dmin, (long long)dmax);
	if (hi - 1 > dmax)
		return tnsr_error(TNSR_E_VALUE, "randint: to - 1 = %lld is out of bounds for %s (expected %lld..%lld)",
				  (long long)(hi - 1), tnsr_dtype_name(t->dtype), (long long)dmin, (long long)dmax);
	uint64_t range = (uint64_t)hi - (uint64_t)lo, threshold = -range % range;
	int64_t n = tnsr_tensor_numel(t);
	void *p = tnsr_tensor_data(t);
	word_reader wr = words_start(rng);
	uint32_t w[4];
	for (int64_t i = 0; i < n; i++) {
		words_of(&wr, i, w);
		uint64_t k = bounded(wr.seed, wr.first + (uint64_t)i, w, range, threshold);
		store_int(t->dtype, p, (size_t)i, (int64_t)((uint64_t)lo + k));
	}
	rng->counter += (uint64_t)n;
	return TNSR_OK;
}
