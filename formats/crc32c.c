/* crc32c.c: CRC-32C for the .tnsr format.  On x86-64 with SSE4.2 the crc32 instruction
 * runs three independent streams at once (its latency is 3 cycles, its throughput 1)
 * and joins them with a table-driven "shift by N zero bytes"; elsewhere slice-by-8
 * tables.  zlib's crc32 (a different polynomial) has no x86 hardware path in 1.2.x:
 * formats/tnsr.md gives the measured speeds behind this choice. */
#include <pthread.h>
#include <string.h>

#include "crc32c.h"

#define POLY 0x82f63b78u /* Castagnoli, bit-reflected */

enum { LONG = 8192, SHORT = 256 }; /* bytes per stream in the 3-way loops */

static uint32_t sw_table[8][256];
static uint32_t long_shift[4][256], short_shift[4][256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
static int have_hw;

/* A*B modulo POLY, both polynomials bit-reflected (x^0 is the top bit), as in zlib. */
static uint32_t multmodp(uint32_t a, uint32_t b)
{
	uint32_t m = (uint32_t)1 << 31, p = 0;
	for (;;) {
		if (a & m) {
			p ^= b;
			if ((a & (m - 1)) == 0)
				break;
		}
		m >>= 1;
		b = b & 1 ? (b >> 1) ^ POLY : b >> 1;
	}
	return p;
}

/* x^(8 N) modulo POLY: appending N zero bytes multiplies a CRC register by it. */
static uint32_t x8nmodp(size_t n)
{
	uint32_t p = (uint32_t)1 << 31, sq = (uint32_t)1 << 30; /* x^0, x^1 */
	for (int k = 0; k < 3; k++) /* x^8 */
		sq = multmodp(sq, sq);
	for (; n; n >>= 1) {
		if (n & 1)
			p = multmodp(sq, p);
		sq = multmodp(sq, sq);
	}
	return p;
}

/* TABLE[k][b] = OP * (b << 8k): a register times OP, one byte at a time. */
static void shift_table(uint32_t table[4][256], size_t nbytes)
{
	uint32_t op = x8nmodp(nbytes);
	for (int k = 0; k < 4; k++)
		for (uint32_t b = 0; b < 256; b++)
			table[k][b] = multmodp(op, b << (8 * k));
}

static uint32_t shift(uint32_t table[4][256], uint32_t crc)
{
	return table[0][crc & 0xff] ^ table[1][(crc >> 8) & 0xff] ^ table[2][(crc >> 16) & 0xff] ^ table[3][crc >> 24];
}

static void init_tables(void)
{
	for (uint32_t b = 0; b < 256; b++) {
		uint32_t c = b;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
		sw_table[0][b] = c;
	}
	for (uint32_t b = 0; b < 256; b++)
		for (int k = 1; k < 8; k++)
			sw_table[k][b] = (sw_table[k - 1][b] >> 8) ^ sw_table[0][sw_table[k - 1][b] & 0xff];
	shift_table(long_shift, LONG);
	shift_table(short_shift, SHORT);
#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	have_hw = __builtin_cpu_supports("sse4.2") != 0;
#endif
}

static uint64_t load64le(const unsigned char *p)
{
	uint64_t x;
	memcpy(&x, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	return x;
}

/* Slice-by-8 over the raw register (no inversion). */
static uint32_t sw_update(uint32_t crc, const unsigned char *p, size_t n)
{
	for (; n >= 8; p += 8, n -= 8) {
		uint64_t x = load64le(p) ^ crc;
		crc = sw_table[7][x & 0xff] ^ sw_table[6][(x >> 8) & 0xff] ^ sw_table[5][(x >> 16) & 0xff] ^
		      sw_table[4][(x >> 24) & 0xff] ^ sw_table[3][(x >> 32) & 0xff] ^ sw_table[2][(x >> 40) & 0xff] ^
		      sw_table[1][(x >> 48) & 0xff] ^ sw_table[0][x >> 56];
	}
	while (n--)
		crc = (crc >> 8) ^ sw_table[0][(crc ^ *p++) & 0xff];
	return crc;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <nmmintrin.h>

/* Three streams of LEN bytes each at P, P+LEN, P+2*LEN, joined into CRC. */
__attribute__((target("sse4.2"))) static uint32_t hw_three(uint32_t crc, const unsigned char *p, size_t len,
							    uint32_t table[4][256])
{
	uint64_t c0 = crc, c1 = 0, c2 = 0;
	for (const unsigned char *end = p + len; p < end; p += 8) {
		c0 = _mm_crc32_u64(c0, load64le(p));
		c1 = _mm_crc32_u64(c1, load64le(p + len));
		c2 = _mm_crc32_u64(c2, load64le(p + 2 * len));
	}
	crc = shift(table, (uint32_t)c0) ^ (uint32_t)c1;
	return shift(table, crc) ^ (uint32_t)c2;
}

__attribute__((target("sse4.2"))) static uint32_t hw_update(uint32_t crc, const unsigned char *p, size_t n)
{
	for (; n && ((uintptr_t)p & 7); n--)
		crc = _mm_crc32_u8(crc, *p++);
	for (; n >= 3 * LONG; p += 3 * LONG, n -= 3 * LONG)
		crc = hw_three(crc, p, LONG, long_shift);
	for (; n >= 3 * SHORT; p += 3 * SHORT, n -= 3 * SHORT)
		crc = hw_three(crc, p, SHORT, short_shift);
	uint64_t c = crc;
	for (; n >= 8; p += 8, n -= 8)
		c = _mm_crc32_u64(c, load64le(p));
	crc = (uint32_t)c;
	for (; n; n--)
		crc = _mm_crc32_u8(crc, *p++);
	return crc;
}
#else
static uint32_t hw_update(uint32_t crc, const unsigned char *p, size_t n) { return sw_update(crc, p, n); }
#endif

uint32_t tnsr_crc32c_sw(uint32_t crc, const void *data, size_t n)
{
	pthread_once(&tables_once, init_tables);
	return ~sw_update(~crc, data, n);
}

uint32_t tnsr_crc32c(uint32_t crc, const void *data, size_t n)
{
	pthread_once(&tables_once, init_tables);
	return have_hw ? ~hw_update(~crc, data, n) : ~sw_update(~crc, data, n);
}

int tnsr_crc32c_hw_available(void)
{
	pthread_once(&tables_once, init_tables);
	return have_hw;
}
