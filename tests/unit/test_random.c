/* test_random.c: the Philox4x32-10 generator against Random123's known answers, its
 * SIMD paths against the scalar one, and the fills: reproducible whatever the chunking,
 * within their bounds, unbiased enough, and refusing what PyTorch refuses.
 *
 * random.c is included rather than linked so that its static SIMD paths (SSE2, AVX2 and
 * the portable one) can each be checked, whichever the machine would pick. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "random.c"

static tnsr_tensor *make(tnsr_dtype dtype, int64_t n)
{
	tnsr_tensor *t = NULL;
	if (tnsr_tensor_empty(dtype, 1, &n, &t)) {
		printf("Bail out! cannot allocate %lld elements\n", (long long)n);
		exit(1);
	}
	return t;
}

/* Random123 1.14, tests/kat_vectors (github.com/DEShawResearch/random123), the three
 * "philox4x32 10" lines: counter (4 words), key (2 words), expected output (4 words).
 *   philox4x32 10 00000000 00000000 00000000 00000000 00000000 00000000   6627e8d5 e169c58d bc57ac4c 9b00dbd8
 *   philox4x32 10 ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff   408f276d 41c83b0e a20bc7c6 6d5451fd
 *   philox4x32 10 243f6a88 85a308d3 13198a2e 03707344 a4093822 299f31d0   d16cfe09 94fdcceb 5001e420 24126ea1 */
static void test_known_answers(void)
{
	static const struct { uint32_t ctr[4], key[2], out[4]; } kat[] = {
		{{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff},
		 {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0},
		 {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	};
	for (size_t i = 0; i < sizeof kat / sizeof *kat; i++) {
		uint32_t out[4];
		tnsr_philox4x32_10(kat[i].ctr, kat[i].key, out);
		for (int k = 0; k < 4; k++)
			CHECK_EQ(out[k], kat[i].out[k], "philox4x32-10 known answer (Random123 kat_vectors)");
	}
}

typedef void (*lanes_fn)(uint64_t, uint64_t, uint32_t[4][LANES]);

/* A SIMD path gives each lane the words of the scalar block for its element, across the
 * 2^32 carry of the counter and its 2^64 wrap. */
static void check_lanes(lanes_fn fn, const char *name)
{
	static const uint64_t firsts[] = {0, 5, 0xfffffffcull, 0xffffffffffffffffull - 3};
	static const uint64_t seeds[] = {0, 42, 0x0123456789abcdefull};
	int bad = 0;
	for (size_t f = 0; f < sizeof firsts / sizeof *firsts; f++)
		for (size_t s = 0; s < sizeof seeds / sizeof *seeds; s++) {
			uint32_t w[4][LANES], ref[4];
			fn(seeds[s], firsts[f], w);
			for (int j = 0; j < LANES; j++) {
				element_words(seeds[s], firsts[f] + (uint64_t)j, 0, ref);
				for (int k = 0; k < 4; k++)
					bad += w[k][j] != ref[k];
			}
		}
	char what[80];
	snprintf(what, sizeof what, "%s lanes equal the scalar blocks", name);
	CHECK_EQ(bad, 0, what);
}

static void test_lanes(void)
{
	check_lanes(lanes_portable, "portable");
#ifdef HAVE_X86_SIMD
	check_lanes(lanes_sse2, "SSE2");
	if (__builtin_cpu_supports("avx2"))
		check_lanes(lanes_avx2, "AVX2");
	else
		printf("ok %d - AVX2 lanes # SKIP no AVX2 on this CPU\n", ++check_count);
#endif
}

/* Uniform f64 on [0, 1) exposes the top 53 bits of words 0-1 exactly: the element at
 * counter C is block C of the seed, wherever the fill starts. */
static void test_uniform_mapping(void)
{
	tnsr_rng rng = tnsr_rng_new(987654321);
	rng.counter = 0xfffffff0ull; /* crosses the 2^32 carry */
	tnsr_tensor *t = make(TNSR_F64, 37);
	CHECK(tnsr_fill_uniform(&rng, t, 0, 1) == TNSR_OK, "uniform f64 fills");
	CHECK_EQ(rng.counter, 0xfffffff0ull + 37, "the counter advances by numel");
	const double *v = tnsr_tensor_data(t);
	int bad = 0;
	for (int i = 0; i < 37; i++) {
		uint32_t w[4];
		element_words(987654321, 0xfffffff0ull + (uint64_t)i, 0, w);
		bad += v[i] != (double)((((uint64_t)w[0] << 32) | w[1]) >> 11) * 0x1p-53;
	}
	CHECK_EQ(bad, 0, "element i of a fill is block (counter + i) of the seed");
	tnsr_tensor_free(t);
}

typedef tnsr_status (*fill_fn)(tnsr_rng *, tnsr_tensor *, const void *);
static tnsr_status do_uniform(tnsr_rng *r, tnsr_tensor *t, const void *a)
{
	return tnsr_fill_uniform(r, t, ((const double *)a)[0], ((const double *)a)[1]);
}
static tnsr_status do_normal(tnsr_rng *r, tnsr_tensor *t, const void *a)
{
	return tnsr_fill_normal(r, t, ((const double *)a)[0], ((const double *)a)[1]);
}
static tnsr_status do_randint(tnsr_rng *r, tnsr_tensor *t, const void *a)
{
	return tnsr_fill_randint(r, t, ((const int64_t *)a)[0], ((const int64_t *)a)[1]);
}

/* Filling N elements at once or in pieces of 333, 1 and the rest gives the same bytes. */
static void check_chunking(const char *what, tnsr_dtype dtype, fill_fn fill, const void *args)
{
	enum { N = 1000 };
	tnsr_tensor *whole = make(dtype, N), *piece = make(dtype, N);
	tnsr_rng a = tnsr_rng_new(7), b = tnsr_rng_new(7);
	tnsr_status st = fill(&a, whole, args);
	size_t size = tnsr_dtype_size(dtype);
	int64_t parts[] = {333, 1, N - 334}, offset = 0;
	for (int i = 0; i < 3 && !st; i++) {
		tnsr_tensor *view = tnsr_tensor_over(piece->storage, dtype, 1, &parts[i], NULL, offset);
		st = fill(&b, view, args);
		offset += parts[i];
		tnsr_tensor_free(view);
	}
	char msg[120];
	snprintf(msg, sizeof msg, "%s %s: pieces equal one fill", what, tnsr_dtype_name(dtype));
	CHECK(st == TNSR_OK && a.counter == b.counter &&
		      memcmp(tnsr_tensor_data(whole), tnsr_tensor_data(piece), N * size) == 0,
	      msg);
	/* and a second seed gives other values */
	tnsr_rng c = tnsr_rng_new(8);
	fill(&c, piece, args);
	snprintf(msg, sizeof msg, "%s %s: another seed differs", what, tnsr_dtype_name(dtype));
	CHECK(memcmp(tnsr_tensor_data(whole), tnsr_tensor_data(piece), N * size) != 0, msg);
	tnsr_tensor_free(whole);
	tnsr_tensor_free(piece);
}

static void test_chunking(void)
{
	static const double unit[2] = {0, 1}, wide[2] = {-3, 3}, std_normal[2] = {0, 1};
	static const int64_t small[2] = {-3, 4}, huge[2] = {INT64_MIN, 2}, bits[2] = {0, 2};
	static const tnsr_dtype floats[] = {TNSR_F16, TNSR_BF16, TNSR_F32, TNSR_F64, TNSR_C64, TNSR_C128};
	for (size_t i = 0; i < sizeof floats / sizeof *floats; i++) {
		check_chunking("uniform", floats[i], do_uniform, i % 2 ? unit : wide);
		check_chunking("normal", floats[i], do_normal, std_normal);
	}
	check_chunking("randint", TNSR_I64, do_randint, small);
	check_chunking("randint", TNSR_I64, do_randint, huge); /* rejects about half: further rounds */
	check_chunking("randint", TNSR_U8, do_randint, bits);
	check_chunking("randint", TNSR_F32, do_randint, small);
	check_chunking("randint", TNSR_BOOL, do_randint, bits);
}

/* Values stay in [lo, hi) after rounding: near 1, f16 and bf16 round u up to 1.0 unless
 * clamped, so the largest value must be the largest one below 1. */
static void test_uniform_bounds(void)
{
	enum { N = 200000 };
	static const struct { tnsr_dtype dtype; double below_one; } cases[] = {
		{TNSR_F16, 1 - 0x1p-11}, {TNSR_BF16, 1 - 0x1p-8}, {TNSR_F32, 1 - 0x1p-24}, {TNSR_F64, 1 - 0x1p-53},
	};
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		tnsr_tensor *t = make(cases[c].dtype, N), *f = make(TNSR_F64, N);
		tnsr_rng rng = tnsr_rng_new(1);
		CHECK(tnsr_fill_uniform(&rng, t, 0, 1) == TNSR_OK, "uniform fills");
		tnsr_convert(TNSR_F64, tnsr_tensor_data(f), cases[c].dtype, tnsr_tensor_data(t), N);
		double lo = 1, hi = 0;
		for (int i = 0; i < N; i++) {
			double v = ((double *)tnsr_tensor_data(f))[i];
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		char msg[120];
		snprintf(msg, sizeof msg, "uniform %s on [0, 1): min >= 0, max < 1", tnsr_dtype_name(cases[c].dtype));
		CHECK(lo >= 0 && hi < 1, msg);
		if (cases[c].dtype == TNSR_F16 || cases[c].dtype == TNSR_BF16) {
			snprintf(msg, sizeof msg, "uniform %s: rounding up to 1 is clamped to %g", tnsr_dtype_name(cases[c].dtype),
				 cases[c].below_one);
			CHECK(hi == cases[c].below_one, msg);
		}
		tnsr_tensor_free(t);
		tnsr_tensor_free(f);
	}
	/* A range one f32 wide holds one value: lo. */
	tnsr_tensor *t = make(TNSR_F32, 1000);
	tnsr_rng rng = tnsr_rng_new(3);
	float hi = nextafterf(1.0f, 2.0f);
	tnsr_fill_uniform(&rng, t, 1.0, hi);
	int bad = 0;
	for (int i = 0; i < 1000; i++)
		bad += ((float *)tnsr_tensor_data(t))[i] != 1.0f;
	CHECK_EQ(bad, 0, "uniform on [1, nextafter(1)) gives 1");
	tnsr_fill_uniform(&rng, t, 2.5, 2.5);
	CHECK(((float *)tnsr_tensor_data(t))[999] == 2.5f, "uniform on [2.5, 2.5] gives 2.5 (PyTorch allows from == to)");
	tnsr_tensor_free(t);
}

/* Moments of 10^6 draws, with bounds many standard errors wide. */
static void test_moments(void)
{
	enum { N = 1000000 };
	tnsr_tensor *t = make(TNSR_F64, N), *c = make(TNSR_C128, N), *k = make(TNSR_I64, N);
	tnsr_rng rng = tnsr_rng_new(2024);
	double s, s2;
	const double *v = tnsr_tensor_data(t);

	tnsr_fill_uniform(&rng, t, -1, 3);
	s = s2 = 0;
	for (int i = 0; i < N; i++)
		s += v[i], s2 += v[i] * v[i];
	double mean = s / N, var = s2 / N - mean * mean;
	CHECK(fabs(mean - 1) < 0.01 && fabs(var - 16.0 / 12) < 0.01, "uniform [-1, 3): mean 1, variance 4/3");

	tnsr_fill_normal(&rng, t, 2, 3);
	s = s2 = 0;
	for (int i = 0; i < N; i++)
		s += v[i], s2 += v[i] * v[i];
	mean = s / N, var = s2 / N - mean * mean;
	CHECK(fabs(mean - 2) < 0.02 && fabs(sqrt(var) - 3) < 0.02, "normal (2, 3): mean 2, std 3");

	/* complex: both parts get the mean, each std/sqrt(2) (PyTorch's complex normal_) */
	tnsr_fill_normal(&rng, c, 1, 2);
	const double *z = tnsr_tensor_data(c);
	double sr = 0, si = 0, vr = 0, vi = 0;
	for (int i = 0; i < N; i++)
		sr += z[2 * i], si += z[2 * i + 1], vr += z[2 * i] * z[2 * i], vi += z[2 * i + 1] * z[2 * i + 1];
	sr /= N, si /= N, vr = vr / N - sr * sr, vi = vi / N - si * si;
	CHECK(fabs(sr - 1) < 0.01 && fabs(si - 1) < 0.01 && fabs(vr - 2) < 0.02 && fabs(vi - 2) < 0.02,
	      "complex normal (1, 2): each part mean 1, variance 2");

	int64_t counts[7] = {0};
	tnsr_fill_randint(&rng, k, -3, 4);
	int out = 0;
	for (int i = 0; i < N; i++) {
		int64_t x = ((int64_t *)tnsr_tensor_data(k))[i];
		if (x < -3 || x > 3)
			out++;
		else
			counts[x + 3]++;
	}
	CHECK_EQ(out, 0, "randint [-3, 4) stays in range");
	int uneven = 0;
	for (int i = 0; i < 7; i++)
		uneven += fabs(counts[i] - N / 7.0) > 2000; /* ~5.6 standard deviations */
	CHECK_EQ(uneven, 0, "randint [-3, 4): every value about N/7 times");
	tnsr_tensor_free(t);
	tnsr_tensor_free(c);
	tnsr_tensor_free(k);
}

static void test_refusals(void)
{
	tnsr_tensor *f = make(TNSR_F32, 4), *h = make(TNSR_F16, 4), *i8 = make(TNSR_I8, 4), *c = make(TNSR_C64, 4);
	tnsr_rng rng = tnsr_rng_new(1);
	CHECK_EQ(tnsr_fill_uniform(&rng, f, 2, 1), TNSR_E_VALUE, "uniform from > to");
	CHECK_EQ(tnsr_fill_uniform(&rng, f, 0, INFINITY), TNSR_E_VALUE, "uniform to = inf");
	CHECK_EQ(tnsr_fill_uniform(&rng, f, NAN, 1), TNSR_E_VALUE, "uniform from = nan");
	CHECK_EQ(tnsr_fill_uniform(&rng, f, 0, 1e39), TNSR_E_VALUE, "uniform to beyond f32");
	CHECK_EQ(tnsr_fill_uniform(&rng, f, -3e38, 3e38), TNSR_E_VALUE, "uniform to - from beyond f32");
	CHECK_EQ(tnsr_fill_uniform(&rng, h, 0, 1e5), TNSR_E_VALUE, "uniform to beyond f16");
	CHECK_EQ(tnsr_fill_uniform(&rng, i8, 0, 1), TNSR_E_DTYPE, "uniform into i8");
	CHECK_EQ(tnsr_fill_normal(&rng, f, 0, -1), TNSR_E_VALUE, "normal std < 0");
	CHECK_EQ(tnsr_fill_normal(&rng, f, 0, NAN), TNSR_E_VALUE, "normal std nan");
	CHECK_EQ(tnsr_fill_normal(&rng, i8, 0, 1), TNSR_E_DTYPE, "normal into i8");
	CHECK_EQ(tnsr_fill_randint(&rng, f, 3, 3), TNSR_E_VALUE, "randint from == to");
	CHECK_EQ(tnsr_fill_randint(&rng, i8, -129, 0), TNSR_E_VALUE, "randint from below i8");
	CHECK_EQ(tnsr_fill_randint(&rng, i8, 0, 129), TNSR_E_VALUE, "randint to - 1 above i8");
	CHECK_EQ(tnsr_fill_randint(&rng, i8, -128, 128), TNSR_OK, "randint the whole of i8");
	CHECK_EQ(tnsr_fill_randint(&rng, h, 0, 2049), TNSR_OK, "randint up to 2^11 in f16");
	CHECK_EQ(tnsr_fill_randint(&rng, h, 0, 2050), TNSR_E_VALUE, "randint beyond 2^11 in f16");
	CHECK_EQ(tnsr_fill_randint(&rng, c, 0, 2), TNSR_E_DTYPE, "randint into c64");
	CHECK(strstr(tnsr_error_message(), "c64") != NULL, "the message names the dtype");
	CHECK_EQ(rng.counter, 8, "refused fills draw nothing");

	int64_t shape[2] = {2, 3};
	tnsr_tensor *m = NULL, *mt = NULL;
	tnsr_tensor_empty(TNSR_F32, 2, shape, &m);
	tnsr_tensor_transpose(m, 0, 1, &mt);
	CHECK_EQ(tnsr_fill_uniform(&rng, mt, 0, 1), TNSR_E_UNSUPPORTED, "a non-contiguous view is refused");
	tnsr_tensor_free(mt);
	tnsr_tensor_free(m);
	tnsr_tensor_free(f);
	tnsr_tensor_free(h);
	tnsr_tensor_free(i8);
	tnsr_tensor_free(c);
}

static void test_entropy(void)
{
	uint64_t a = tnsr_rng_entropy_seed(), b = tnsr_rng_entropy_seed();
	CHECK(a != b, "two entropy seeds differ");
	tnsr_rng r = tnsr_rng_new(99);
	CHECK(r.seed == 99 && r.counter == 0, "tnsr_rng_new starts at counter 0");
}

int main(void)
{
	test_known_answers();
	test_lanes();
	test_uniform_mapping();
	test_chunking();
	test_uniform_bounds();
	test_moments();
	test_refusals();
	test_entropy();
	return check_done();
}
