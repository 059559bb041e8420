/* repr_float.c: NumPy's float digits.  NumPy prints floats with Dragon4 (Steele & White,
 * Burger & Dybvig, as adapted by Ryan Juckett and NumPy): the shortest digits that
 * identify a value among those of its own type, cut at a precision and rounded half to
 * even.  This is the same algorithm over exact big integers, so that every digit, every
 * tie and every padding space comes out as NumPy 1.24 prints it. */
#include <math.h>
#include <string.h>

#include "repr.h"

/* ---------------------------------------------------------------- big integers */

/* Unsigned, little-endian 32-bit blocks.  The largest number Dragon4 builds for a double
 * (a subnormal scaled by 10^324, or 2^1024 with its margins, then normalised) has about
 * 1130 bits; 48 blocks leave room to spare. */
enum { BIG_BLOCKS = 48 };

typedef struct big {
	int n;                  /* blocks in use; 0 for zero; the top one is non-zero */
	uint32_t b[BIG_BLOCKS];
} big;

static void big_trim(big *x)
{
	while (x->n > 0 && x->b[x->n - 1] == 0)
		x->n--;
}

static void big_set(big *x, uint64_t v)
{
	x->b[0] = (uint32_t)v;
	x->b[1] = (uint32_t)(v >> 32);
	x->n = 2;
	big_trim(x);
}

/* x = 2^e */
static void big_pow2(big *x, int e)
{
	int blk = e / 32;
	memset(x->b, 0, sizeof(uint32_t) * (size_t)(blk + 1));
	x->b[blk] = (uint32_t)1 << (e % 32);
	x->n = blk + 1;
}

static void big_mul_small(big *x, uint32_t m)
{
	uint64_t carry = 0;
	for (int i = 0; i < x->n; i++) {
		uint64_t p = (uint64_t)x->b[i] * m + carry;
		x->b[i] = (uint32_t)p;
		carry = p >> 32;
	}
	if (carry && x->n < BIG_BLOCKS)
		x->b[x->n++] = (uint32_t)carry;
}

static void big_mul_pow10(big *x, int e)
{
	static const uint32_t pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
					 100000000, 1000000000};
	for (; e >= 9; e -= 9)
		big_mul_small(x, pow10[9]);
	if (e > 0)
		big_mul_small(x, pow10[e]);
}

static void big_shift_left(big *x, int shift)
{
	int blocks = shift / 32, bits = shift % 32;
	if (x->n == 0)
		return;
	int n = x->n + blocks + 1;
	if (n > BIG_BLOCKS)
		n = BIG_BLOCKS;
	for (int i = n - 1; i >= 0; i--) {
		int src = i - blocks;
		uint32_t hi = src >= 0 && src < x->n ? x->b[src] : 0;
		uint32_t lo = src - 1 >= 0 && src - 1 < x->n ? x->b[src - 1] : 0;
		x->b[i] = bits ? (hi << bits) | (lo >> (32 - bits)) : hi;
	}
	x->n = n;
	big_trim(x);
}

static int big_cmp(const big *a, const big *b)
{
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	for (int i = a->n - 1; i >= 0; i--)
		if (a->b[i] != b->b[i])
			return a->b[i] < b->b[i] ? -1 : 1;
	return 0;
}

/* r = a + b */
static void big_add(big *r, const big *a, const big *b)
{
	const big *lng = a->n >= b->n ? a : b, *sht = a->n >= b->n ? b : a;
	uint64_t carry = 0;
	int i;
	for (i = 0; i < lng->n; i++) {
		uint64_t s = (uint64_t)lng->b[i] + (i < sht->n ? sht->b[i] : 0) + carry;
		r->b[i] = (uint32_t)s;
		carry = s >> 32;
	}
	r->n = lng->n;
	if (carry && r->n < BIG_BLOCKS)
		r->b[r->n++] = (uint32_t)carry;
}

/* a -= q * d, where the result is known to be >= 0. */
static void big_sub_mul(big *a, const big *d, uint32_t q)
{
	uint64_t carry = 0, borrow = 0;
	for (int i = 0; i < a->n; i++) {
		uint64_t p = (i < d->n ? (uint64_t)d->b[i] * q : 0) + carry;
		carry = p >> 32;
		uint64_t diff = (uint64_t)a->b[i] - (uint32_t)p - borrow;
		a->b[i] = (uint32_t)diff;
		borrow = (diff >> 32) & 1;
	}
	big_trim(a);
}

/* The next digit: q = floor(num / den) (at most 9), num becomes the remainder.  DEN's top
 * block is normalised to [2^27, 2^28), so the estimate from the top blocks is at most
 * one short; the loop makes it exact whatever the inputs. */
static uint32_t big_divmod_digit(big *num, const big *den)
{
	if (num->n < den->n)
		return 0;
	uint64_t top = num->b[den->n - 1];
	if (num->n > den->n)
		top |= (uint64_t)num->b[den->n] << 32;
	uint32_t q = (uint32_t)(top / ((uint64_t)den->b[den->n - 1] + 1));
	if (q)
		big_sub_mul(num, den, q);
	while (big_cmp(num, den) >= 0) {
		big_sub_mul(num, den, 1);
		q++;
	}
	return q;
}

static int log2_u32(uint32_t v) { return 31 - __builtin_clz(v); }

/* ---------------------------------------------------------------- Dragon4 */

typedef struct dragon_in {
	uint64_t mantissa;   /* value = mantissa * 2^exponent */
	int exponent;
	int mantissa_bit;    /* index of the top set bit of mantissa */
	bool unequal;        /* the gap above is twice the gap below (a power of two) */
} dragon_in;

typedef struct dragon_cut {
	bool unique;
	bool fraction;       /* cutoffs count digits after the point, else all digits */
	int cutoff_max;      /* stop after this many digits; -1: none */
	int cutoff_min;      /* unique mode: go on to at least this many; -1: none */
} dragon_cut;

/* Writes the decimal digits of V into DIGITS (at most SIZE, no NUL) and the power of ten
 * of the first one into *EXP10; returns how many. */
static int dragon4(const dragon_in *v, const dragon_cut *c, char *digits, int size, int *exp10)
{
	big scale, value, margin_low, margin_high_store, high_sum;
	big *margin_high = v->unequal ? &margin_high_store : &margin_low;

	if (v->mantissa == 0) {
		digits[0] = '0';
		*exp10 = 0;
		return 1;
	}
	bool even = (v->mantissa & 1) == 0;

	/* value/scale is the number; margin/scale half the gap to each neighbour.  Everything
	 * carries an extra factor 2 (4 with unequal margins) so the margins are integers. */
	big_set(&value, v->mantissa);
	int extra = v->unequal ? 2 : 1;
	if (v->exponent > 0) {
		big_shift_left(&value, v->exponent + extra);
		big_set(&scale, (uint64_t)1 << extra);
		big_pow2(&margin_low, v->exponent);
	} else {
		big_shift_left(&value, extra);
		big_pow2(&scale, -v->exponent + extra);
		big_set(&margin_low, 1);
	}
	if (v->unequal) {
		margin_high_store = margin_low;
		big_shift_left(margin_high, 1);
	}

	/* floor(log10(v)) + 1, or one less: corrected below by one comparison. */
	int digit_exp = (int)ceil((double)(v->mantissa_bit + v->exponent) * 0.30102999566398119521 - 0.69);
	/* A value below the last fractional digit wanted only needs rounding at that digit. */
	if (c->cutoff_max >= 0 && c->fraction && digit_exp <= -c->cutoff_max)
		digit_exp = -c->cutoff_max + 1;

	if (digit_exp > 0) {
		big_mul_pow10(&scale, digit_exp);
	} else if (digit_exp < 0) {
		big_mul_pow10(&value, -digit_exp);
		big_mul_pow10(&margin_low, -digit_exp);
	}
	if (big_cmp(&value, &scale) >= 0) {
		digit_exp++;
	} else {
		big_mul_small(&value, 10);
		big_mul_small(&margin_low, 10);
	}
	if (v->unequal) {
		margin_high_store = margin_low;
		big_shift_left(margin_high, 1);
	}

	int cut_max = digit_exp - size;
	if (c->cutoff_max >= 0) {
		int want = c->fraction ? -c->cutoff_max : digit_exp - c->cutoff_max;
		if (want > cut_max)
			cut_max = want;
	}
	int cut_min = digit_exp;
	if (c->cutoff_min >= 0) {
		int want = c->fraction ? -c->cutoff_min : digit_exp - c->cutoff_min;
		if (want < cut_min)
			cut_min = want;
	}
	*exp10 = digit_exp - 1;

	/* Put the top bit of the scale at bit 27 of its top block: the digit estimate is then
	 * nearly exact and a digit times the scale never needs a new block. */
	uint32_t hi = scale.b[scale.n - 1];
	if (hi < 8 || hi > 429496729) {
		int shift = (32 + 27 - log2_u32(hi)) % 32;
		big_shift_left(&scale, shift);
		big_shift_left(&value, shift);
		big_shift_left(&margin_low, shift);
		if (v->unequal) {
			margin_high_store = margin_low;
			big_shift_left(margin_high, 1);
		}
	}

	int n = 0;
	uint32_t digit;
	bool low = false, high = false;
	for (;;) {
		digit_exp--;
		digit = big_divmod_digit(&value, &scale);
		if (c->unique) {
			/* Stop once the digits so far (rounded down, or up) identify the value. */
			big_add(&high_sum, &value, margin_high);
			int lo_cmp = big_cmp(&value, &margin_low), hi_cmp = big_cmp(&high_sum, &scale);
			low = even ? lo_cmp <= 0 : lo_cmp < 0;
			high = even ? hi_cmp >= 0 : hi_cmp > 0;
			if (((low || high) && digit_exp <= cut_min) || digit_exp == cut_max)
				break;
		} else if (value.n == 0 || digit_exp == cut_max) {
			break;
		}
		digits[n++] = (char)('0' + digit);
		big_mul_small(&value, 10);
		if (c->unique) {
			big_mul_small(&margin_low, 10);
			if (v->unequal) {
				margin_high_store = margin_low;
				big_shift_left(margin_high, 1);
			}
		}
	}

	/* The last digit: down when only rounding down identifies the value, up when only
	 * rounding up does, otherwise to the nearer, ties to even. */
	bool round_down = low;
	if (low == high) {
		big_shift_left(&value, 1);
		int cmp = big_cmp(&value, &scale);
		round_down = cmp < 0 || (cmp == 0 && (digit & 1) == 0);
	}
	if (round_down) {
		digits[n++] = (char)('0' + digit);
	} else if (digit < 9) {
		digits[n++] = (char)('0' + digit + 1);
	} else {
		/* Carry through the nines; all nines become "1" one decade up. */
		while (n > 0 && digits[n - 1] == '9')
			n--;
		if (n == 0) {
			digits[n++] = '1';
			*exp10 += 1;
		} else {
			digits[n - 1]++;
		}
	}
	return n;
}

/* ---------------------------------------------------------------- formatting */

/* IEEE layout of each floating dtype NumPy-style printing knows. */
static void decompose(double x, tnsr_dtype dtype, dragon_in *v, bool *negative)
{
	uint64_t bits;
	int mbits, ebits;
	switch (dtype) {
	case TNSR_F16:
		bits = tnsr_f16_from_f64(x);
		mbits = 10, ebits = 5;
		break;
	case TNSR_BF16:
		bits = tnsr_bf16_from_f64(x);
		mbits = 7, ebits = 8;
		break;
	case TNSR_F32: {
		float f = (float)x;
		uint32_t b32;
		memcpy(&b32, &f, sizeof b32);
		bits = b32;
		mbits = 23, ebits = 8;
		break;
	}
	default:
		memcpy(&bits, &x, sizeof bits);
		mbits = 52, ebits = 11;
		break;
	}
	int bias = (1 << (ebits - 1)) - 1;
	uint64_t frac = bits & (((uint64_t)1 << mbits) - 1);
	int biased = (int)((bits >> mbits) & ((1u << ebits) - 1));
	*negative = (bits >> (mbits + ebits)) & 1;
	if (biased != 0) {
		v->mantissa = frac | (uint64_t)1 << mbits;
		v->exponent = biased - bias - mbits;
		v->mantissa_bit = mbits;
		v->unequal = biased != 1 && frac == 0;
	} else {
		v->mantissa = frac;
		v->exponent = 1 - bias - mbits;
		v->mantissa_bit = frac ? 63 - __builtin_clzll(frac) : 0;
		v->unequal = false;
	}
}

/* Appends, never past the end (callers size BUF for the worst case). */
typedef struct sbuf {
	char *s;
	size_t len, cap;
} sbuf;

static void sb_putc(sbuf *b, char c)
{
	if (b->len + 1 < b->cap)
		b->s[b->len++] = c;
}

static void sb_fill(sbuf *b, char c, int n)
{
	for (int i = 0; i < n; i++)
		sb_putc(b, c);
}

/* Trailing zeros after the point go; the point stays (trim='.'). */
static int trim_zeros(sbuf *b, int nfrac)
{
	while (nfrac > 0 && b->s[b->len - 1] == '0') {
		b->len--;
		nfrac--;
	}
	return nfrac;
}

enum { MAX_DIGITS = 1100 }; /* every digit a double can have, and then some */

static int format_positional(sbuf *b, const dragon_in *v, char sign, const repr_dragon4_opts *o)
{
	char digits[MAX_DIGITS];
	int exp10;
	dragon_cut cut = {o->unique, true, o->precision, o->unique ? o->min_digits : -1};
	int nd = dragon4(v, &cut, digits, MAX_DIGITS, &exp10);

	char body[MAX_DIGITS * 2 + 8];
	sbuf t = {body, 0, sizeof body};
	int has_sign = sign != 0, whole, nfrac = 0;
	if (sign)
		sb_putc(&t, sign);
	if (exp10 >= 0) {
		whole = exp10 + 1;
		for (int i = 0; i < nd && i < whole; i++)
			sb_putc(&t, digits[i]);
		if (nd <= whole) {
			sb_fill(&t, '0', whole - nd);
			sb_putc(&t, '.');
		} else {
			sb_putc(&t, '.');
			for (int i = whole; i < nd; i++, nfrac++)
				sb_putc(&t, digits[i]);
		}
	} else {
		whole = 1;
		sb_putc(&t, '0');
		sb_putc(&t, '.');
		sb_fill(&t, '0', -(exp10 + 1));
		nfrac = -(exp10 + 1);
		for (int i = 0; i < nd; i++, nfrac++)
			sb_putc(&t, digits[i]);
	}
	int want = o->unique ? o->min_digits : o->precision;
	if (want < 0)
		want = 0;
	if (!o->trim_zeros && want > nfrac) {
		sb_fill(&t, '0', want - nfrac);
		nfrac = want;
	}
	if (o->trim_zeros)
		nfrac = trim_zeros(&t, nfrac);
	if (o->pad_right >= nfrac)
		sb_fill(&t, ' ', o->pad_right - nfrac);
	if (o->pad_left > whole + has_sign)
		sb_fill(b, ' ', o->pad_left - (whole + has_sign));
	for (size_t i = 0; i < t.len; i++)
		sb_putc(b, body[i]);
	return 0;
}

static int format_scientific(sbuf *b, const dragon_in *v, char sign, const repr_dragon4_opts *o)
{
	char digits[MAX_DIGITS];
	int exp10;
	dragon_cut cut = {o->unique, false, o->precision < 0 ? -1 : o->precision + 1,
			  o->unique && o->min_digits >= 0 ? o->min_digits + 1 : -1};
	int nd = dragon4(v, &cut, digits, MAX_DIGITS, &exp10);

	int leftchars = 1 + (sign != 0);
	if (o->pad_left > leftchars)
		sb_fill(b, ' ', o->pad_left - leftchars);
	if (sign)
		sb_putc(b, sign);
	sb_putc(b, digits[0]);
	sb_putc(b, '.');
	int nfrac = nd - 1;
	for (int i = 1; i < nd; i++)
		sb_putc(b, digits[i]);
	int want = o->unique ? o->min_digits : o->precision;
	if (want < 0)
		want = 0;
	if (!o->trim_zeros && want > nfrac)
		sb_fill(b, '0', want - nfrac);
	if (o->trim_zeros)
		trim_zeros(b, nfrac);

	int exp_digits = o->exp_digits < 0 ? 2 : o->exp_digits > 5 ? 5 : o->exp_digits;
	char ebuf[16];
	int e = exp10 < 0 ? -exp10 : exp10, ne = 0;
	do {
		ebuf[ne++] = (char)('0' + e % 10);
		e /= 10;
	} while (e);
	sb_putc(b, 'e');
	sb_putc(b, exp10 < 0 ? '-' : '+');
	sb_fill(b, '0', exp_digits - ne);
	while (ne > 0)
		sb_putc(b, ebuf[--ne]);
	return 0;
}

int repr_dragon4(char *buf, size_t size, double x, tnsr_dtype dtype, const repr_dragon4_opts *o)
{
	dragon_in v;
	bool negative;
	decompose(x, dtype, &v, &negative);
	char sign = negative ? '-' : o->sign ? '+' : 0;
	sbuf b = {buf, 0, size};
	if (o->scientific)
		format_scientific(&b, &v, sign, o);
	else
		format_positional(&b, &v, sign, o);
	buf[b.len] = '\0';
	return (int)b.len;
}
