/* test_convert.c: tnsr_convert, tnsr_byteswap and the 16-bit float functions, bit for
 * bit against NumPy/PyTorch fixtures (tests/oracle/gen_convert_fixtures.py writes them
 * into tests/fixtures/convert), plus exhaustive self-checks that need no oracle. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tnsr.h"

/* ---------------------------------------------------------------- helpers */

static uint32_t f32_bits(float f)
{
	uint32_t u;
	memcpy(&u, &f, 4);
	return u;
}

static float f32_of(uint32_t u)
{
	float f;
	memcpy(&f, &u, 4);
	return f;
}

static uint64_t f64_bits(double x)
{
	uint64_t u;
	memcpy(&u, &x, 8);
	return u;
}

static double f64_of(uint64_t u)
{
	double x;
	memcpy(&x, &u, 8);
	return x;
}

/* The whole of a fixture file, or NULL.  Fixtures live under $TNSR_ROOT (tests/run sets
 * it), else under the current directory. */
static unsigned char *read_fixture(const char *name, size_t *len)
{
	const char *root = getenv("TNSR_ROOT");
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/fixtures/convert/%s", root ? root : ".", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0, got;
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 1 << 20;
			buf = realloc(buf, cap);
			if (!buf)
				break;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*len = n;
	return buf;
}

/* Element I of a buffer of W-byte elements, as an integer (for messages). */
static uint64_t elem(const unsigned char *p, size_t w, size_t i)
{
	uint64_t v = 0;
	memcpy(&v, p + w * i, w);
	return v;
}

/* Compares N W-byte elements; prints the first few differences with their inputs. */
static int compare(const char *what, const unsigned char *got, const unsigned char *want, size_t w,
		   const unsigned char *in, size_t in_w, size_t n)
{
	size_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		if (memcmp(got + w * i, want + w * i, w) == 0)
			continue;
		if (bad++ < 5)
			printf("#   %s: element %zu: input 0x%llx: got 0x%llx, expected 0x%llx\n", what, i,
			       (unsigned long long)elem(in, in_w, i), (unsigned long long)elem(got, w, i),
			       (unsigned long long)elem(want, w, i));
	}
	if (bad)
		printf("#   %s: %zu of %zu differ\n", what, bad, n);
	return bad == 0;
}

/* ---------------------------------------------------------------- float fixtures */

typedef struct fixture {
	unsigned char *data;
	size_t n;
	const unsigned char *in, *want;
} fixture;

/* uint32 n, n source elements of IN_W bytes, n expected elements of OUT_W bytes. */
static int load(const char *name, size_t in_w, size_t out_w, fixture *fx)
{
	size_t len = 0;
	uint32_t n = 0;
	fx->data = read_fixture(name, &len);
	if (fx->data && len >= 4)
		memcpy(&n, fx->data, 4);
	int ok = fx->data && len == 4 + (size_t)n * (in_w + out_w) && n > 0;
	if (!CHECK(ok, name))
		printf("#   cannot read tests/fixtures/convert/%s (run tests/oracle/gen_convert_fixtures.py)\n", name);
	fx->n = n;
	fx->in = fx->data + 4;
	fx->want = fx->in + (size_t)n * in_w;
	return ok;
}

/* Source elements spread into the real parts of a complex buffer (imaginary 0), so the
 * complex -> half loops (plain C, never F16C) see the same values. */
static void *as_complex(const unsigned char *in, size_t w, size_t n)
{
	unsigned char *c = calloc(n, 2 * w);
	for (size_t i = 0; i < n; i++)
		memcpy(c + 2 * w * i, in + w * i, w);
	return c;
}

static void test_f16_to_f32(void)
{
	fixture fx;
	if (!load("f16_to_f32.bin", 2, 4, &fx))
		return;
	CHECK_EQ(fx.n, 65536, "f16 -> f32 fixture holds every bit pattern");
	unsigned char *got = malloc(fx.n * 4), *cgot = malloc(fx.n * 8);
	tnsr_convert(TNSR_F32, got, TNSR_F16, fx.in, fx.n);
	CHECK(compare("f16->f32", got, fx.want, 4, fx.in, 2, fx.n), "f16 -> f32, all 65536 patterns, as NumPy");
	for (size_t i = 0; i < fx.n; i++) {
		float f = tnsr_f16_to_f32((uint16_t)elem(fx.in, 2, i));
		memcpy(got + 4 * i, &f, 4);
	}
	CHECK(compare("tnsr_f16_to_f32", got, fx.want, 4, fx.in, 2, fx.n), "tnsr_f16_to_f32, all 65536 patterns");
	tnsr_convert(TNSR_C64, cgot, TNSR_F16, fx.in, fx.n);
	for (size_t i = 0; i < fx.n; i++)
		memcpy(got + 4 * i, cgot + 8 * i, 4);
	CHECK(compare("f16->c64", got, fx.want, 4, fx.in, 2, fx.n), "f16 -> c64 real parts, all 65536 patterns");
	free(got);
	free(cgot);
	free(fx.data);
}

/* A narrowing fixture (f32 or f64 -> f16 or bf16): through tnsr_convert, through the
 * complex loop, and through the public scalar function. */
static void test_narrowing(const char *file, tnsr_dtype src, tnsr_dtype csrc, tnsr_dtype dst,
			   uint16_t (*scalar)(double))
{
	fixture fx;
	size_t w = tnsr_dtype_size(src);
	if (!load(file, w, 2, &fx))
		return;
	unsigned char *got = malloc(fx.n * 2);
	char what[128];
	tnsr_convert(dst, got, src, fx.in, fx.n);
	snprintf(what, sizeof what, "%s -> %s, %zu values, as the oracle", tnsr_dtype_name(src), tnsr_dtype_name(dst), fx.n);
	CHECK(compare(file, got, fx.want, 2, fx.in, w, fx.n), what);

	void *c = as_complex(fx.in, w, fx.n);
	memset(got, 0, fx.n * 2);
	tnsr_convert(dst, got, csrc, c, fx.n);
	snprintf(what, sizeof what, "%s -> %s, same values", tnsr_dtype_name(csrc), tnsr_dtype_name(dst));
	CHECK(compare(file, got, fx.want, 2, fx.in, w, fx.n), what);
	free(c);

	for (size_t i = 0; i < fx.n; i++) {
		double x = w == 4 ? (double)f32_of((uint32_t)elem(fx.in, 4, i)) : f64_of(elem(fx.in, 8, i));
		uint16_t h = scalar(x);
		memcpy(got + 2 * i, &h, 2);
	}
	snprintf(what, sizeof what, "tnsr_%s_from_f64 on the %s values", tnsr_dtype_name(dst), tnsr_dtype_name(src));
	CHECK(compare(file, got, fx.want, 2, fx.in, w, fx.n), what);
	free(got);
	free(fx.data);
}

/* ---------------------------------------------------------------- all pairs */

/* Each record's values tiled to 3n+5 elements so that the blocked loops and their tails
 * both run, converted from an aligned and from an odd address. */
static void test_pairs(void)
{
	size_t len = 0, pos = 0, records = 0;
	unsigned char *data = read_fixture("pairs.bin", &len);
	if (!CHECK(data != NULL, "pairs.bin")) {
		printf("#   cannot read tests/fixtures/convert/pairs.bin\n");
		return;
	}
	int seen[TNSR_DTYPE_COUNT][TNSR_DTYPE_COUNT] = {{0}};
	while (pos + 6 <= len) {
		unsigned s = data[pos], d = data[pos + 1];
		uint32_t n;
		memcpy(&n, data + pos + 2, 4);
		pos += 6;
		if (s >= TNSR_DTYPE_COUNT || d >= TNSR_DTYPE_COUNT)
			break;
		size_t sw = tnsr_dtype_size(s), dw = tnsr_dtype_size(d);
		if (pos + n * (sw + dw) > len)
			break;
		const unsigned char *in = data + pos, *want = in + n * sw;
		pos += n * (sw + dw);
		size_t m = 3 * (size_t)n + 5;
		unsigned char *tin = malloc(m * sw + 1), *twant = malloc(m * dw), *got = malloc(m * dw + 1);
		for (size_t i = 0; i < m; i++) {
			memcpy(tin + 1 + i * sw, in + (i % n) * sw, sw);
			memcpy(twant + i * dw, want + (i % n) * dw, dw);
		}
		char what[96];
		snprintf(what, sizeof what, "%s -> %s, as NumPy astype", tnsr_dtype_name(s), tnsr_dtype_name(d));
		/* Odd addresses for both buffers: the loops must not assume alignment. */
		tnsr_convert(d, got + 1, s, tin + 1, m);
		CHECK(compare(what, got + 1, twant, dw, tin + 1, sw, m), what);
		memmove(tin, tin + 1, m * sw);
		tnsr_convert(d, got, s, tin, m);
		int ok = memcmp(got, twant, m * dw) == 0;
		snprintf(what, sizeof what, "%s -> %s, aligned buffers", tnsr_dtype_name(s), tnsr_dtype_name(d));
		CHECK(ok, what);
		seen[s][d]++;
		records++;
		free(tin);
		free(twant);
		free(got);
	}
	int all = 1;
	for (int s = 0; s < TNSR_DTYPE_COUNT; s++)
		for (int d = 0; d < TNSR_DTYPE_COUNT; d++)
			all &= seen[s][d] == 1;
	CHECK(pos == len && records == TNSR_DTYPE_COUNT * TNSR_DTYPE_COUNT && all, "pairs.bin holds each of the 225 pairs once");
	free(data);
}

/* ---------------------------------------------------------------- self-checks */

/* Every finite f16/bf16 value comes back; each midpoint between neighbours rounds to the
 * even one and one double ulp either side to the nearer one; NaNs come back quiet. */
static void test_grid(tnsr_dtype dt, uint16_t top, uint16_t quiet, float (*to)(uint16_t), uint16_t (*from)(double))
{
	size_t bad = 0;
	for (uint32_t h = 0; h < 0x10000; h++) {
		uint16_t want = (h & 0x7fff) > (uint32_t)(top + 1) ? (uint16_t)(h | quiet) : (uint16_t)h;
		uint16_t got = from(to((uint16_t)h));
		if (got != want && bad++ < 5)
			printf("#   %s 0x%04x: round trip gives 0x%04x\n", tnsr_dtype_name(dt), h, got);
		if ((h & 0x7fff) > top)
			continue;
		uint16_t sign = h & 0x8000, up = (uint16_t)(h + 1);
		double lo = to((uint16_t)h), hi = (h & 0x7fff) < top ? (double)to(up) : 2.0 * lo - to((uint16_t)(h - 1));
		double mid = (lo + hi) / 2;
		uint16_t even = (h & 1) ? up : (uint16_t)h;
		uint16_t r[3] = {from(mid), from(nextafter(mid, sign ? -INFINITY : INFINITY)),
				 from(nextafter(mid, sign ? INFINITY : -INFINITY))};
		uint16_t e[3] = {even, up, (uint16_t)h};
		for (int k = 0; k < 3; k++)
			if (r[k] != e[k] && bad++ < 5)
				printf("#   %s 0x%04x: point %d above it gives 0x%04x, expected 0x%04x\n",
				       tnsr_dtype_name(dt), h, k, r[k], e[k]);
	}
	char what[96];
	snprintf(what, sizeof what, "%s: round trips, midpoints to even, one ulp off the midpoints", tnsr_dtype_name(dt));
	CHECK(bad == 0, what);
}

/* The f32 kernels (F16C, and plain C through c64) against the f64 ones over a sweep of
 * f32 bit patterns: every 251st, all exponents, NaNs included. */
static void test_f32_sweep(void)
{
	enum { CHUNK = 1 << 16 };
	uint32_t *in = malloc(CHUNK * 4);
	double *wide = malloc(CHUNK * 8);
	float *cplx = malloc(CHUNK * 8);
	uint16_t *a = malloc(CHUNK * 2), *b = malloc(CHUNK * 2), *c = malloc(CHUNK * 2);
	size_t bad16 = 0, badbf = 0;
	uint64_t u = 0;
	while (u < 0x100000000u) {
		size_t n = 0;
		for (; n < CHUNK && u < 0x100000000u; n++, u += 251)
			in[n] = (uint32_t)u;
		tnsr_convert(TNSR_F64, wide, TNSR_F32, in, n);
		tnsr_convert(TNSR_F16, a, TNSR_F32, in, n);
		tnsr_convert(TNSR_F16, b, TNSR_F64, wide, n);
		tnsr_convert(TNSR_C64, cplx, TNSR_F32, in, n);
		tnsr_convert(TNSR_F16, c, TNSR_C64, cplx, n);
		for (size_t i = 0; i < n; i++)
			if ((a[i] != b[i] || c[i] != b[i]) && bad16++ < 3)
				printf("#   f32 0x%08x -> f16 0x%04x, via c64 0x%04x, via f64 0x%04x\n", in[i], a[i], c[i], b[i]);
		tnsr_convert(TNSR_BF16, a, TNSR_F32, in, n);
		tnsr_convert(TNSR_BF16, b, TNSR_F64, wide, n);
		tnsr_convert(TNSR_BF16, c, TNSR_C64, cplx, n);
		for (size_t i = 0; i < n; i++)
			if ((a[i] != b[i] || c[i] != b[i]) && badbf++ < 3)
				printf("#   f32 0x%08x -> bf16 0x%04x, via c64 0x%04x, via f64 0x%04x\n", in[i], a[i], c[i], b[i]);
	}
	CHECK(bad16 == 0, "f32 and c64 -> f16 equal f64 -> f16 of the same value (17M patterns)");
	CHECK(badbf == 0, "f32 and c64 -> bf16 equal f64 -> bf16 of the same value (17M patterns)");
	free(in);
	free(wide);
	free(cplx);
	free(c);
	free(a);
	free(b);
}

/* Correctly rounded u64 -> bf16 by integer arithmetic alone (an independent reference). */
static uint16_t ref_u64_to_bf16(uint64_t v)
{
	if (v == 0)
		return 0;
	int top = 63 - __builtin_clzll(v), shift = top - 7;
	uint64_t m = v, e = (uint64_t)top;
	if (shift > 0) {
		uint64_t rem = v & ((UINT64_C(1) << shift) - 1), half = UINT64_C(1) << (shift - 1);
		m = v >> shift;
		if (rem > half || (rem == half && (m & 1)))
			m++;
		if (m == 256) {
			m = 128;
			e++;
		}
	} else {
		m = v << -shift;
	}
	return (uint16_t)(((e + 127) << 7) | (m & 0x7f));
}

static void test_int64_to_half(void)
{
	/* Ties and near-ties above 2^53, where a rounding through f64 would go wrong. */
	enum { N = 4096 };
	uint64_t u[N];
	int64_t s[N];
	uint16_t got[N];
	uint64_t x = 0x9e3779b97f4a7c15u;
	for (int i = 0; i < N; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int top = 54 + (int)(x % 10), shift = top - 7;
		uint64_t tie = (UINT64_C(1) << top) | ((x >> 20) & 0x7f) << shift | UINT64_C(1) << (shift - 1);
		uint64_t delta[4] = {0, 1, (uint64_t)-1, x >> 58};
		u[i] = i % 5 == 4 ? x : tie + delta[i % 4];
		s[i] = (int64_t)(u[i] >> 1) * (i % 2 ? -1 : 1);
	}
	size_t bad = 0;
	tnsr_convert(TNSR_BF16, got, TNSR_U64, u, N);
	for (int i = 0; i < N; i++)
		if (got[i] != ref_u64_to_bf16(u[i]) && bad++ < 3)
			printf("#   u64 %llu -> bf16 0x%04x, expected 0x%04x\n", (unsigned long long)u[i], got[i],
			       ref_u64_to_bf16(u[i]));
	CHECK(bad == 0, "u64 -> bf16 correctly rounded near ties above 2^53");
	bad = 0;
	tnsr_convert(TNSR_BF16, got, TNSR_I64, s, N);
	for (int i = 0; i < N; i++) {
		uint64_t mag = s[i] < 0 ? 0 - (uint64_t)s[i] : (uint64_t)s[i];
		uint16_t want = (uint16_t)(ref_u64_to_bf16(mag) | (s[i] < 0 ? 0x8000 : 0));
		if (got[i] != want && bad++ < 3)
			printf("#   i64 %lld -> bf16 0x%04x, expected 0x%04x\n", (long long)s[i], got[i], want);
	}
	CHECK(bad == 0, "i64 -> bf16 correctly rounded near ties above 2^53");
	int64_t big[3] = {INT64_MIN, INT64_MAX, 65520};
	uint16_t h[3];
	tnsr_convert(TNSR_F16, h, TNSR_I64, big, 3);
	CHECK(h[0] == 0xfc00 && h[1] == 0x7c00 && h[2] == 0x7c00, "i64 -> f16 overflows to inf");
}

/* The documented results for NaN and out-of-range values (NumPy's astype on x86-64). */
static void test_float_to_int(void)
{
	double in[6] = {NAN, INFINITY, -INFINITY, 1e20, 300.7, -1.5};
	int8_t i8[6];
	int32_t i32[6];
	int64_t i64[6];
	uint8_t u8[6];
	uint32_t u32[6];
	uint64_t u64[6];
	tnsr_convert(TNSR_I8, i8, TNSR_F64, in, 6);
	tnsr_convert(TNSR_I32, i32, TNSR_F64, in, 6);
	tnsr_convert(TNSR_I64, i64, TNSR_F64, in, 6);
	tnsr_convert(TNSR_U8, u8, TNSR_F64, in, 6);
	tnsr_convert(TNSR_U32, u32, TNSR_F64, in, 6);
	tnsr_convert(TNSR_U64, u64, TNSR_F64, in, 6);
	CHECK(i8[0] == 0 && i8[1] == 0 && i8[3] == 0 && i8[4] == 44 && i8[5] == -1, "f64 -> i8: NaN/inf 0, 300.7 wraps to 44");
	CHECK(i32[0] == INT32_MIN && i32[1] == INT32_MIN && i32[2] == INT32_MIN && i32[4] == 300,
	      "f64 -> i32: NaN and out of range give INT32_MIN");
	CHECK(i64[0] == INT64_MIN && i64[3] == INT64_MIN && i64[5] == -1, "f64 -> i64: NaN and out of range give INT64_MIN");
	CHECK(u8[0] == 0 && u8[4] == 44 && u8[5] == 255, "f64 -> u8: -1.5 wraps to 255");
	CHECK(u32[0] == 0 && u32[5] == UINT32_MAX, "f64 -> u32: NaN 0, -1.5 wraps");
	CHECK(u64[0] == UINT64_C(1) << 63 && u64[1] == 0 && u64[2] == UINT64_C(1) << 63 && u64[3] == 0 &&
		      u64[5] == UINT64_MAX,
	      "f64 -> u64: NaN 2^63, inf 0, 1e20 0, -1.5 wraps");
	float fin[2] = {NAN, 2147483648.0f};
	int32_t fi[2];
	tnsr_convert(TNSR_I32, fi, TNSR_F32, fin, 2);
	CHECK(fi[0] == INT32_MIN && fi[1] == INT32_MIN, "f32 -> i32: NaN and 2^31 give INT32_MIN");
}

static void test_nan_and_bool(void)
{
	uint32_t nan32[2] = {0xffc12345u, 0x7f800001u};
	uint16_t h[2];
	tnsr_convert(TNSR_F16, h, TNSR_F32, nan32, 2);
	CHECK(h[0] == 0xfe09 && h[1] == 0x7e00, "f32 NaN -> f16: quiet, sign and leading payload kept");
	tnsr_convert(TNSR_BF16, h, TNSR_F32, nan32, 2);
	CHECK(h[0] == 0xffc1 && h[1] == 0x7fc0, "f32 NaN -> bf16: quiet, sign and leading payload kept");
	uint16_t snan = 0x7d00;
	float f;
	tnsr_convert(TNSR_F32, &f, TNSR_F16, &snan, 1);
	CHECK(f32_bits(f) == 0x7fe00000u, "signalling f16 NaN -> f32: quiet");
	uint16_t same;
	tnsr_convert(TNSR_F16, &same, TNSR_F16, &snan, 1);
	CHECK(same == 0x7d00, "f16 -> f16 keeps the bits (no conversion)");

	float c[8] = {0, 0, 0, 1, NAN, 0, -0.0f, 0};
	uint8_t b[4];
	tnsr_convert(TNSR_BOOL, b, TNSR_C64, c, 4);
	CHECK(b[0] == 0 && b[1] == 1 && b[2] == 1 && b[3] == 0, "c64 -> bool: either part nonzero; NaN is true; -0 false");
	uint8_t bools[3] = {0, 1, 7};
	double d[3];
	tnsr_convert(TNSR_F64, d, TNSR_BOOL, bools, 3);
	CHECK(d[0] == 0 && d[1] == 1 && d[2] == 1, "bool -> f64 gives 0/1 (any nonzero byte is true)");

	double keep[2] = {1, 2};
	tnsr_convert(TNSR_F64, keep, TNSR_I32, bools, 0);
	CHECK(keep[0] == 1 && keep[1] == 2, "n = 0 writes nothing");
}

static void test_byteswap(void)
{
	unsigned char b[33];
	for (int i = 0; i < 33; i++)
		b[i] = (unsigned char)i;
	tnsr_byteswap(TNSR_I16, b + 1, 2);
	CHECK(b[1] == 2 && b[2] == 1 && b[3] == 4 && b[4] == 3 && b[5] == 5, "i16: each element swapped (odd address)");
	for (int i = 0; i < 33; i++)
		b[i] = (unsigned char)i;
	tnsr_byteswap(TNSR_C64, b + 1, 2);
	CHECK(b[1] == 4 && b[4] == 1 && b[5] == 8 && b[8] == 5 && b[9] == 12 && b[16] == 13 && b[17] == 17,
	      "c64: each float part swapped");
	for (int i = 0; i < 33; i++)
		b[i] = (unsigned char)i;
	tnsr_byteswap(TNSR_C128, b, 1);
	CHECK(b[0] == 7 && b[7] == 0 && b[8] == 15 && b[15] == 8 && b[16] == 16, "c128: each double part swapped");
	tnsr_byteswap(TNSR_C128, b, 1);
	int same = 1;
	for (int i = 0; i < 33; i++)
		same &= b[i] == i;
	CHECK(same, "swapping twice restores");
	tnsr_byteswap(TNSR_U8, b, 33);
	tnsr_byteswap(TNSR_BOOL, b, 33);
	same = 1;
	for (int i = 0; i < 33; i++)
		same &= b[i] == i;
	CHECK(same, "one-byte dtypes are left alone");
	double x = 1.5;
	tnsr_byteswap(TNSR_F64, &x, 1);
	CHECK(f64_bits(x) == 0xf83f, "f64 1.5 swapped");
	float y = 1.0f;
	tnsr_byteswap(TNSR_F32, &y, 1);
	CHECK(f32_bits(y) == 0x803f, "f32 1.0 swapped");
}

int main(void)
{
	test_f16_to_f32();
	test_narrowing("f32_to_f16.bin", TNSR_F32, TNSR_C64, TNSR_F16, tnsr_f16_from_f64);
	test_narrowing("f64_to_f16.bin", TNSR_F64, TNSR_C128, TNSR_F16, tnsr_f16_from_f64);
	test_narrowing("f32_to_bf16.bin", TNSR_F32, TNSR_C64, TNSR_BF16, tnsr_bf16_from_f64);
	test_narrowing("f64_to_bf16.bin", TNSR_F64, TNSR_C128, TNSR_BF16, tnsr_bf16_from_f64);
	test_pairs();
	test_grid(TNSR_F16, 0x7bff, 0x0200, tnsr_f16_to_f32, tnsr_f16_from_f64);
	test_grid(TNSR_BF16, 0x7f7f, 0x0040, tnsr_bf16_to_f32, tnsr_bf16_from_f64);
	test_f32_sweep();
	test_int64_to_half();
	test_float_to_int();
	test_nan_and_bool();
	test_byteswap();
	return check_done();
}
