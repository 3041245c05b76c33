/*
 * num.c - numbers in and out, exactly.
 *
 * Reading: decimal text to the nearest double.  Most numbers in bar
 * records have few digits, so they take Clinger's fast path (an exact
 * integer times an exact power of ten rounds once).  Those of up to 19
 * significant digits, the 17-digit z-scores sam-zscore writes among
 * them, are a 64 x 128-bit product with a table of powers of ten, as
 * in Lemire's "Number Parsing at a Gigabyte per Second" (2021): the
 * product tells the rounding but next to a tie.  The rest go to strtod.
 *
 * Writing: the shortest digits that read back as the same double, by
 * Loitsch's Grisu2 ("Printing floating-point numbers quickly and
 * accurately with integers", PLDI 2010).  Grisu2 always produces digits
 * inside the rounding interval of the double, so the text round-trips;
 * in rare cases it is one digit longer than the shortest.  snprintf
 * with %.17g and a read-back loop is about ten times slower.  What it
 * writes for a double is part of sam's output (the store, the site), so
 * the same bytes, always: test/unit formatdiff holds this code to the
 * first version.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sam.h"
#include "swar.h"
#include "pow10.h"
#include "pow10x.h"

/* ---- 64-bit pieces ---- */

/* The high 64 bits of a x b; *lo the low ones. */
static uint64_t
mul64(uint64_t a, uint64_t b, uint64_t *lo)
{
#if defined(__SIZEOF_INT128__)
	__extension__ unsigned __int128 p = (unsigned __int128)a * b;

	*lo = (uint64_t)p;
	return (uint64_t)(p >> 64);
#else
	const uint64_t m32 = 0xffffffffu;
	uint64_t ah = a >> 32, al = a & m32, bh = b >> 32, bl = b & m32;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl;
	uint64_t mid = (ll >> 32) + (lh & m32) + (hl & m32);

	*lo = (mid << 32) | (ll & m32);
	return ah * bh + (lh >> 32) + (hl >> 32) + (mid >> 32);
#endif
}

/* Leading zero bits of x, which is not 0. */
static int
clz64(uint64_t x)
{
#if defined(__GNUC__)
	return __builtin_clzll(x);
#else
	int n = 0;

	for (; !(x >> 63); x <<= 1)
		n++;
	return n;
#endif
}

/* A function that the compiler is not to inline: a slow path, out of
 * the way of a fast one. */
#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

static const uint32_t pow10_u32[] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000,
};

/* ---- parsing ---- */

static const double exact_pow10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Whether all 8 bytes are '0' to '9': each has the high nibble 3, and
 * still has it with 6 added (no carry crosses bytes once the first
 * holds). */
static int
all_digits8(uint64_t x)
{
	const uint64_t hi = UINT64_C(0xf0f0f0f0f0f0f0f0);

	return ((x & hi) | ((x + UINT64_C(0x0606060606060606)) & hi) >> 4) ==
	    UINT64_C(0x3333333333333333);
}

/* The value of 8 digits (as swar_load8 gives them): pairs, then fours, then
 * the whole, each step a multiply that no lane overflows. */
static uint32_t
value8(uint64_t x)
{
	x -= UINT64_C(0x3030303030303030);
	x = (x * 10 + (x >> 8)) & UINT64_C(0x00ff00ff00ff00ff);
	x = (x * 100 + (x >> 16)) & UINT64_C(0x0000ffff0000ffff);
	return (uint32_t)((x & 0xffffffffu) * 10000 + (x >> 32));
}

/* Reads the digits at the start of s[0..len) onto *mant (modulo 2^64:
 * the caller counts them); returns how many there are. */
static size_t
read_digits(const char *s, size_t len, uint64_t *mant)
{
	uint64_t m = *mant, x;
	size_t i = 0;

	while (i + 8 <= len && all_digits8(x = swar_load8(s + i))) {
		m = m * 100000000 + value8(x);
		i += 8;
	}
	for (; i < len && is_digit(s[i]); i++)
		m = m * 10 + (uint64_t)(s[i] - '0');
	*mant = m;
	return i;
}

/* What the scan of a number finds: up to 19 significant digits. */
struct scan {
	uint64_t mant;
	int exp10, ndigits, truncated, neg;
};

/* Adds the n digits at s (the fraction's if frac) to the significand:
 * leading zeros skipped, the first 19 significant kept, whether any
 * after them is not 0 noted, the exponent moved to match.  For numbers
 * of more than 19 digits only. */
static void
take_digits(struct scan *sc, const char *s, size_t n, int frac)
{
	size_t k = 0, take;

	if (sc->mant == 0)
		while (k < n && s[k] == '0')
			k++;
	take = n - k < (size_t)(19 - sc->ndigits) ? n - k : (size_t)(19 - sc->ndigits);
	sc->ndigits += (int)take;
	for (; take > 0; take--, k++)
		sc->mant = sc->mant * 10 + (uint64_t)(s[k] - '0');
	if (frac)
		sc->exp10 -= (int)k;
	else
		sc->exp10 += (int)(n - k);
	for (; k < n && !sc->truncated; k++)
		sc->truncated = s[k] != '0';
}

/* The zeros before the first significant digit: 0.000123 has 4. */
static size_t
zeros_before(const char *intpart, size_t intdigits, const char *frac, size_t fracdigits)
{
	size_t z = 0, k = 0;

	while (z < intdigits && intpart[z] == '0')
		z++;
	if (z == intdigits && frac)
		while (k < fracdigits && frac[k] == '0')
			k++;
	return z + k;
}

/* Scans the number grammar.  The digits are read in one pass, which
 * is the significand when at most 19 of them are significant (leading
 * zeros add nothing to it); with more, they are read again, with care. */
static int
scan_number(const char *s, size_t len, int lax, struct scan *sc)
{
	size_t i = 0, intdigits, fracdigits = 0;
	const char *intpart, *fracpart = NULL;
	long e = 0;
	int eneg = 0;

	sc->mant = 0;
	sc->exp10 = sc->ndigits = sc->truncated = sc->neg = 0;
	if (i < len && s[i] == '-')
		sc->neg = 1, i++;
	else if (lax && i < len && s[i] == '+')
		i++;
	if (!lax && i < len && s[i] == '0' && i + 1 < len && is_digit(s[i + 1]))
		return -1;		/* JSON forbids leading zeros */
	intpart = s + i;
	intdigits = read_digits(s + i, len - i, &sc->mant);
	i += intdigits;
	if (i < len && s[i] == '.') {
		fracpart = s + ++i;
		fracdigits = read_digits(s + i, len - i, &sc->mant);
		if (fracdigits == 0)
			return -1;
		i += fracdigits;
	}
	if (intdigits == 0 && !(lax && fracdigits))
		return -1;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t start;
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		for (start = i; i < len && is_digit(s[i]); i++)
			if (e < 100000)
				e = e * 10 + (s[i] - '0');
		if (i == start)
			return -1;
	}
	if (i != len)
		return -1;
	if (intdigits + fracdigits <= 19 ||
	    intdigits + fracdigits - zeros_before(intpart, intdigits, fracpart, fracdigits) <= 19) {
		sc->exp10 = -(int)fracdigits;
	} else {
		sc->mant = 0;
		take_digits(sc, intpart, intdigits, 0);
		if (fracpart)
			take_digits(sc, fracpart, fracdigits, 1);
	}
	sc->exp10 += (int)(eneg ? -e : e);
	return 0;
}

/*
 * w x 10^q (w not 0) rounded to the nearest double, ties to even, into
 * *out; -1 if the product cannot tell or the double would not be a
 * normal one.  With w shifted to fill 64 bits and T the 128 bits of
 * 10^q (never above it, off by less than one unit), the top 128 bits H
 * of w x T differ from the exact product (in the same units) by less
 * than 2, or by less than 1 where T is exact (0 <= q <= 55).  So the
 * bits below the 53 of the result, compared with half of their range,
 * decide the rounding; only where they are half less one, with T not
 * exact, can the exact product be on either side, and where T is exact
 * the bits below H say whether it is a tie.
 */
static int
eisel_lemire(uint64_t w, int q, double *out)
{
	const uint64_t *t;
	uint64_t hi, lo, cross, below, m, rest_hi, half_hi, bits;
	int l, top, up, biased;

	if (q < SAM_POW10X_FIRST || q > SAM_POW10X_LAST)
		return -1;
	t = sam_pow10x[q - SAM_POW10X_FIRST];
	l = clz64(w);
	w <<= l;
	hi = mul64(w, t[0], &lo);
	cross = mul64(w, t[1], &below);
	lo += cross;
	hi += lo < cross;
	top = (int)(hi >> 63);			/* H has 128 bits, or 127 */
	m = hi >> (10 + top);			/* the 53 bits */
	rest_hi = hi & ((UINT64_C(1) << (10 + top)) - 1);	/* and the rest, with lo */
	half_hi = UINT64_C(1) << (9 + top);
	if (q >= 0 && q <= SAM_POW10X_EXACT_LAST)
		up = rest_hi > half_hi || (rest_hi == half_hi &&
		    (lo || below || (m & 1)));
	else if (rest_hi == half_hi - 1 && lo == UINT64_MAX)
		return -1;
	else
		up = rest_hi >= half_hi;
	m += (uint64_t)up;
	/* the double is m x 2^(74 + top + 64 + exponent of T - l) */
	biased = (int)(((int64_t)q + 65536) * 217706 >> 16) - 217706 - 127 +
	    138 + top - l + 52 + 1023;
	if (m >> 53) {				/* rounded up to 2^53 */
		m >>= 1;
		biased++;
	}
	if (biased < 1 || biased > 2046)
		return -1;
	bits = (uint64_t)biased << 52 | (m & ((UINT64_C(1) << 52) - 1));
	memcpy(out, &bits, sizeof bits);
	return 0;
}

/* The double the scan reads, where it is quick to find: 0 or -1. */
static int
scan_value(const struct scan *sc, double *out)
{
	double v, up;

	if (!sc->truncated && sc->mant <= (UINT64_C(1) << 53) &&
	    sc->exp10 >= -22 && sc->exp10 <= 22) {
		v = (double)sc->mant;
		*out = sc->exp10 >= 0 ? v * exact_pow10[sc->exp10] :
		    v / exact_pow10[-sc->exp10];
		return 0;
	}
	if (sc->mant == 0) {
		*out = 0;
		return 0;
	}
	if (eisel_lemire(sc->mant, sc->exp10, out) < 0)
		return -1;
	/* digits cut after the 19th: the value is between mant and mant + 1 */
	if (sc->truncated && (eisel_lemire(sc->mant + 1, sc->exp10, &up) < 0 ||
	    up != *out))
		return -1;
	return 0;
}

/* strtod of s[0..len), which is a number: 0, or -2 if it is too large.
 * Apart from sam_parse_number, whose way is short without the copy. */
NOINLINE static int
parse_strtod(const char *s, size_t len, double *out)
{
	char small[64], *copy;
	double v;

	copy = len < sizeof small ? small : malloc(len + 1);
	if (!copy)
		return -1;
	memcpy(copy, s, len);
	copy[len] = '\0';
	errno = 0;
	v = strtod(copy, NULL);
	if (copy != small)
		free(copy);
	if (isinf(v))
		return -2;
	*out = v;
	return 0;
}

int
sam_parse_number(const char *s, size_t len, int lax, double *out)
{
	struct scan sc;
	double v;

	if (scan_number(s, len, lax, &sc) < 0)
		return -1;
	if (scan_value(&sc, &v) < 0)
		return parse_strtod(s, len, out);
	*out = sc.neg ? -v : v;
	return 0;
}

int
sam_parse_ulong(const char *s, unsigned long lo, unsigned long hi,
    unsigned long *out)
{
	unsigned long v = 0;
	const char *p = s;

	if (!is_digit(*p))
		return -1;
	for (; is_digit(*p); p++) {
		if (v > (hi - (unsigned long)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (*p || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* ---- formatting: Grisu2 ---- */

struct diyfp {
	uint64_t f;
	int e;
};

/* The upper 64 bits of the 128-bit product, rounded (half up). */
static struct diyfp
diyfp_mul(struct diyfp x, struct diyfp y)
{
	uint64_t lo, hi = mul64(x.f, y.f, &lo);
	struct diyfp r = { hi + (lo >> 63), x.e + y.e + 64 };

	return r;
}

static struct diyfp
diyfp_normalize(struct diyfp x)
{
	int shift = clz64(x.f);

	x.f <<= shift;
	x.e -= shift;
	return x;
}

/* The double as f * 2^e, and the boundaries of its rounding interval
 * m- and m+, normalised to m+'s exponent.  A normal double's m+ has 54
 * bits and its f 53: no need to count them.  Returns whether it is
 * normal. */
static int
boundaries(double v, struct diyfp *w, struct diyfp *mm, struct diyfp *mp)
{
	uint64_t bits, frac;
	int bexp;
	struct diyfp x, plus, minus;

	memcpy(&bits, &v, sizeof bits);
	frac = bits & ((UINT64_C(1) << 52) - 1);
	bexp = (int)((bits >> 52) & 0x7ff);
	if (bexp) {
		x.f = frac | (UINT64_C(1) << 52);
		x.e = bexp - 1075;
		plus.f = ((x.f << 1) + 1) << 10;
		plus.e = x.e - 11;
		w->f = x.f << 11;
		w->e = x.e - 11;
	} else {
		x.f = frac;
		x.e = -1074;
		plus.f = (x.f << 1) + 1;
		plus.e = x.e - 1;
		plus = diyfp_normalize(plus);
		*w = diyfp_normalize(x);
	}
	if (frac == 0 && bexp > 1) {	/* the lower neighbour is closer */
		minus.f = (x.f << 2) - 1;
		minus.e = x.e - 2;
	} else {
		minus.f = (x.f << 1) - 1;
		minus.e = x.e - 1;
	}
	minus.f <<= minus.e - plus.e;
	minus.e = plus.e;
	*mp = plus;
	*mm = minus;
	return bexp != 0;
}

enum { ALPHA = -60, GAMMA = -32 };

/*
 * A cached power 10^q with ALPHA <= e + q's exponent + 64 <= GAMMA:
 * the first table entry whose exponent is at least ALPHA - 64 - e.
 * Entries are 8 x log2(10) = 26.58 binary exponents apart, so
 * t x 1233 / 2^15 (t / 26.58) is that entry or the one before it, for
 * every e a double has, and (t x 1233 + 31600) / 2^15 is that entry
 * for the e of every normal double (libz/gen-pow10.py checks them
 * all): no second look at the table where it counts, the first being
 * on the way to every digit.
 */
static int
cached_power(int e, int normal, struct diyfp *c)
{
	int t = ALPHA - 64 - e - sam_pow10[0].e;
	int i = (t * 1233 + (normal ? 31600 : 0)) >> 15;

	if (!normal)
		i += sam_pow10[i].e + e + 64 < ALPHA;
	c->f = sam_pow10[i].f;
	c->e = sam_pow10[i].e;
	return sam_pow10[i].q;
}

static const char digit_pairs[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* How many decimal digits x has (x not 0): from its bit length times
 * log10(2), one short at most, then one comparison. */
static int
decimal_length(uint32_t x)
{
	int t = (64 - clz64(x)) * 1233 >> 12;

	return t + (x >= pow10_u32[t]);
}

/* The n digits of x into buf, two at a time from the end: divisions by
 * a constant, which compilers turn into multiplications. */
static void
put_digits(char *buf, uint32_t x, int n)
{
	for (; n >= 2; n -= 2, x /= 100)
		memcpy(buf + n - 2, digit_pairs + 2 * (x % 100), 2);
	if (n)
		buf[0] = (char)('0' + x);
}

/* Moves the last digit toward w while it stays inside the interval. */
static void
round_weed(char *buf, int len, uint64_t dist, uint64_t delta, uint64_t rest,
    uint64_t ten_k)
{
	while (rest < dist && delta - rest >= ten_k &&
	    (rest + ten_k < dist || dist - rest > rest + ten_k - dist)) {
		buf[len - 1]--;
		rest += ten_k;
	}
}

/*
 * The same where the unit is 2^s (the cut among the fraction digits),
 * without a loop whose end is a coin toss: a step is taken while rest
 * + 2^s stays within delta and 2 (dist - rest) > 2^s (it moves nearer
 * w), each true for a first run of steps only, so their count is the
 * lesser of the runs' lengths, (delta - rest) / 2^s and (2 (dist -
 * rest) + 2^s - 1) / 2^(s+1).  No sum overflows: a digit before,
 * delta was below p2 < 2^s, so now delta < 10 x 2^s <= 10 x 2^60.
 */
static void
weed_fraction(char *buf, int len, uint64_t dist, uint64_t delta, uint64_t rest,
    int s)
{
	uint64_t room = (delta - rest) >> s;
	uint64_t near = (dist - rest + (UINT64_C(1) << (s - 1)) - 1) >> s;

	near &= -(uint64_t)(rest < dist);	/* else none */
	buf[len - 1] = (char)(buf[len - 1] - (int)(room < near ? room : near));
}

/*
 * Digits of the scaled upper boundary mp = p1 . p2 (integral and
 * fractional part), cut as soon as what is left is inside the interval
 * (at most delta).  p1 (len digits) is already in buf.  Returns the
 * digit count; *kappa the exponent.
 *
 * Grisu2 takes p1's digits one at a time, by divisions by a power of
 * ten that changes each time (slow), and stops after the first whose
 * rest (p1 mod 10^m, then p2) is at most delta.  That rest only grows
 * with m, so the same cut is the largest m below p1's length whose rest
 * is at most delta: p1 is written whole, and the rests are summed from
 * the last digit up until one is too large.
 */
static int
digit_gen(struct diyfp w, struct diyfp mp, uint64_t delta, char *buf,
    int len, int *kappa)
{
	int s = -mp.e, m = 0;
	uint64_t one = UINT64_C(1) << s, dist = mp.f - w.f, p2 = mp.f & (one - 1);
	uint64_t r = 0, r1;

	if (p2 <= delta) {
		for (; m + 1 < len; m++, r = r1) {
			r1 = r + (uint64_t)(buf[len - 1 - m] - '0') * pow10_u32[m];
			if ((r1 << s) + p2 > delta)
				break;
		}
		*kappa = m;
		round_weed(buf, len - m, dist, delta, (r << s) + p2,
		    (uint64_t)pow10_u32[m] << s);
		return len - m;
	}
	/*
	 * Two digits a step where p2 x 100 fits (s <= 57; delta < p2
	 * before a step), the cut tested after the second only: where the
	 * first would have done, so does the second (its rest is at most
	 * ten times the first's, delta ten times), so the cut is one digit
	 * late at most, and is taken back without a branch (its byte stays,
	 * past the end, for layout to write over).  Half the tests, and one
	 * multiplication a step on the way to the last digit, not two.
	 */
	if (s <= 57) {
		uint64_t p, d, di;
		int back;

		do {
			p = p2;
			d = delta;
			di = dist;
			p2 *= 100;
			delta *= 100;
			dist *= 100;
			memcpy(buf + len, digit_pairs + 2 * (p2 >> s), 2);
			len += 2;
			m -= 2;
			p2 &= one - 1;
		} while (p2 > delta);
		p = p * 10 & (one - 1);
		back = p <= d * 10;
		len -= back;
		*kappa = m + back;
		weed_fraction(buf, len, back ? di * 10 : dist, back ? d * 10 : delta,
		    back ? p : p2, s);
		return len;
	}
	for (;;) {
		p2 *= 10;
		delta *= 10;
		dist *= 10;
		buf[len++] = (char)('0' + (p2 >> s));
		p2 &= one - 1;
		m--;
		if (p2 <= delta) {
			*kappa = m;
			weed_fraction(buf, len, dist, delta, p2, s);
			return len;
		}
	}
}

/* "e+21", "e-7": the exponent e, |e| < 1000. */
static size_t
put_exponent(char *out, int e)
{
	size_t o = 0;
	unsigned u = (unsigned)(e < 0 ? -e : e);

	out[o++] = 'e';
	out[o++] = e < 0 ? '-' : '+';
	if (u >= 100)
		out[o++] = (char)('0' + u / 100);
	if (u >= 10)
		out[o++] = (char)('0' + u / 10 % 10);
	out[o++] = (char)('0' + u % 10);
	return o;
}

/*
 * Lays out the n digits at out + 1 (or, from -6 < point <= 0, already
 * at out + 2 - point), v = 0.d1d2..dn x 10^point, the way JavaScript
 * prints numbers: plain notation for 1e-6 <= |v| < 1e21, exponent
 * notation beyond.  The digits are where most numbers want them, so
 * little moves: the integral digits one to the left, for the point.
 */
static size_t
layout(char *out, int n, int point)
{
	int i;
	size_t o;

	if (point > -6 && point <= 0) {
		out[0] = '0';
		out[1] = '.';
		for (i = 2; i < 2 - point; i++)
			out[i] = '0';
		o = (size_t)(2 - point + n);
	} else if (point > 0 && point <= 21) {
		for (i = 0; i < point && i < n; i++)
			out[i] = out[i + 1];
		for (; i < point; i++)
			out[i] = '0';
		if (n > point)
			out[point] = '.';
		o = (size_t)(n > point ? n + 1 : point);
	} else {
		out[0] = out[1];
		o = 1;
		if (n > 1) {
			out[1] = '.';
			o = (size_t)n + 1;
		}
		o += put_exponent(out + o, point - 1);
	}
	out[o] = '\0';
	return o;
}

size_t
sam_format_double(char *buf, double v)
{
	struct diyfp w, mm, mp, c;
	int q, kappa = 0, n, len, point, at, normal;
	uint32_t p1;
	size_t o;

	if (!isfinite(v)) {
		memcpy(buf, "null", 5);
		return 4;
	}
	/* the sign without a branch: unpredictable in z-scores and returns */
	buf[0] = '-';
	o = signbit(v) != 0;
	v = fabs(v);
	if (v == 0) {
		buf[o++] = '0';
		buf[o] = '\0';
		return o;
	}
	normal = boundaries(v, &w, &mm, &mp);
	q = cached_power(mp.e, normal, &c);
	w = diyfp_mul(w, c);
	mm = diyfp_mul(mm, c);
	mp = diyfp_mul(mp, c);
	/* The products are off by up to one unit: keep strictly inside. */
	mm.f++;
	mp.f--;
	/* p1's first digit is the first one written (p1 >= 8: mp.f >= 2^63,
	 * -mp.e <= 60), so where the point goes is known before the digits */
	p1 = (uint32_t)(mp.f >> -mp.e);
	len = decimal_length(p1);
	point = len - q;
	at = point > -6 && point <= 0 ? 2 - point : 1;
	put_digits(buf + o + at, p1, len);
	n = digit_gen(w, mp, mp.f - mm.f, buf + o + at, len, &kappa);
	return o + layout(buf + o, n, point);
}

/* ---- durations: one grammar for every timeout, wait and cooldown ---- */

/* A number as sam_parse_number reads it with lax ("90", "0.5", ".5",
 * "1e3", "+2"; no '-'), and the unit after it, if any: s, m, h or d.
 * Its length in seconds. */
static int
parse_duration(const char *s, double *secs)
{
	static const struct { char unit; double secs; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	size_t len = strlen(s), i;
	double mult = 1, v;

	for (i = 0; len && i < sizeof units / sizeof units[0]; i++)
		if (s[len - 1] == units[i].unit) {
			mult = units[i].secs;
			len--;
			break;
		}
	if (len == 0 || s[0] == '-' || sam_parse_number(s, len, 1, &v) < 0)
		return -1;
	*secs = v * mult;
	return 0;
}

int
sam_parse_duration_ms(const char *s, double lo, double hi, long *ms)
{
	double v;

	if (parse_duration(s, &v) < 0 || !(v >= lo && v <= hi))
		return -1;
	*ms = (long)(v * 1000 + 0.5);
	return 0;
}

int
sam_parse_duration(const char *s, unsigned long *secs)
{
	double v;
	int64_t ms;

	if (parse_duration(s, &v) < 0 || !(v >= 0 && v <= 3650.0 * 86400))
		return -1;
	ms = (int64_t)(v * 1000 + 0.5);
	if (ms % 1000)
		return -1;	/* a cooldown is whole seconds: "0.5" is a mistake */
	*secs = (unsigned long)(ms / 1000);
	return 0;
}
