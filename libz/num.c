/*
 * num.c - numbers in and out, exactly.
 *
 * Reading: decimal text to the nearest double.  Most numbers in bar
 * records have few digits, so they take Clinger's fast path (an exact
 * integer times an exact power of ten rounds once); the rest go to
 * strtod.
 *
 * Writing: the shortest digits that read back as the same double, by
 * Loitsch's Grisu2 ("Printing floating-point numbers quickly and
 * accurately with integers", PLDI 2010).  Grisu2 always produces digits
 * inside the rounding interval of the double, so the text round-trips;
 * in rare cases it is one digit longer than the shortest.  snprintf
 * with %.17g and a read-back loop is about ten times slower.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sam.h"
#include "pow10.h"

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

/* Scans the number grammar; collects up to 19 significant digits. */
struct scan {
	uint64_t mant;
	int exp10, ndigits, truncated, neg;
};

static int
scan_number(const char *s, size_t len, int lax, struct scan *sc)
{
	size_t i = 0, intdigits = 0, fracdigits = 0;
	long e = 0;
	int eneg = 0;

	memset(sc, 0, sizeof *sc);
	if (i < len && s[i] == '-')
		sc->neg = 1, i++;
	else if (lax && i < len && s[i] == '+')
		i++;
	if (!lax && i < len && s[i] == '0' && i + 1 < len && is_digit(s[i + 1]))
		return -1;		/* JSON forbids leading zeros */
	for (; i < len && is_digit(s[i]); i++, intdigits++) {
		if (sc->ndigits < 19) {
			if (sc->mant || s[i] != '0') {
				sc->mant = sc->mant * 10 + (uint64_t)(s[i] - '0');
				sc->ndigits++;
			}
		} else {
			sc->exp10++;
			sc->truncated |= s[i] != '0';
		}
	}
	if (i < len && s[i] == '.') {
		for (i++; i < len && is_digit(s[i]); i++, fracdigits++) {
			if (sc->ndigits < 19) {
				if (sc->mant || s[i] != '0') {
					sc->mant = sc->mant * 10 + (uint64_t)(s[i] - '0');
					sc->ndigits++;
				}
				sc->exp10--;
			} else {
				sc->truncated |= s[i] != '0';
			}
		}
		if (fracdigits == 0)
			return -1;
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
	sc->exp10 += (int)(eneg ? -e : e);
	return 0;
}

#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 u128;

static int
bits128(u128 x)
{
	uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;

	if (hi)
		return 128 - __builtin_clzll(hi);
	return lo ? 64 - __builtin_clzll(lo) : 0;
}

/*
 * mant x 10^exp10, rounded to the nearest double (ties to even), for
 * |exp10| <= 19: exactly, in 128-bit integers.  A product, or a
 * quotient scaled to 54 bits or more with its remainder, keeps every
 * bit the rounding needs: the 53 of the result, the one after them,
 * and whether anything below is not zero.  This is the 17-digit
 * number every shortest double of a z-score is, which strtod took a
 * fifth of sam-detect's time to read.  The results are normal doubles
 * (1e-19 to 2e38), so ldexp() is exact.
 */
static double
exact_small(uint64_t mant, int exp10)
{
	static const uint64_t p10[20] = {
		UINT64_C(1), UINT64_C(10), UINT64_C(100), UINT64_C(1000),
		UINT64_C(10000), UINT64_C(100000), UINT64_C(1000000),
		UINT64_C(10000000), UINT64_C(100000000), UINT64_C(1000000000),
		UINT64_C(10000000000), UINT64_C(100000000000),
		UINT64_C(1000000000000), UINT64_C(10000000000000),
		UINT64_C(100000000000000), UINT64_C(1000000000000000),
		UINT64_C(10000000000000000), UINT64_C(100000000000000000),
		UINT64_C(1000000000000000000), UINT64_C(10000000000000000000),
	};
	u128 n;
	uint64_t m;
	int e = 0, sticky = 0, shift, len;

	if (mant == 0)
		return 0;
	if (exp10 >= 0) {
		n = (u128)mant * p10[exp10];
	} else {
		u128 d = p10[-exp10];
		int s = 55 + bits128(d) - bits128(mant);	/* quotient >= 2^54 */
		if (s < 0)
			s = 0;
		n = (u128)mant << s;
		sticky = n % d != 0;
		n /= d;
		e = -s;
	}
	len = bits128(n);
	if (len <= 53)		/* only a product: exact */
		return ldexp((double)(uint64_t)n, e);
	shift = len - 54;
	m = (uint64_t)(n >> shift);	/* 54 bits: the 53 and the next */
	sticky |= shift > 0 && (n & (((u128)1 << shift) - 1)) != 0;
	if ((m & 1) && (sticky || (m & 2)))
		m += 2;		/* up; 2^54 still reads back as 2^53 x 2 */
	return ldexp((double)(m >> 1), e + shift + 1);
}
#endif

int
sam_parse_number(const char *s, size_t len, int lax, double *out)
{
	struct scan sc;
	char small[64], *copy;
	double v;

	if (scan_number(s, len, lax, &sc) < 0)
		return -1;
	if (!sc.truncated && sc.mant <= (UINT64_C(1) << 53) &&
	    sc.exp10 >= -22 && sc.exp10 <= 22) {
		v = (double)sc.mant;
		if (sc.exp10 >= 0)
			v *= exact_pow10[sc.exp10];
		else
			v /= exact_pow10[-sc.exp10];
		*out = sc.neg ? -v : v;
		return 0;
	}
#if defined(__SIZEOF_INT128__)
	if (!sc.truncated && sc.exp10 >= -19 && sc.exp10 <= 19) {
		v = exact_small(sc.mant, sc.exp10);
		*out = sc.neg ? -v : v;
		return 0;
	}
#endif
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

/* The upper 64 bits of the 128-bit product, rounded. */
static struct diyfp
diyfp_mul(struct diyfp x, struct diyfp y)
{
	const uint64_t m32 = 0xffffffffu;
	uint64_t a = x.f >> 32, b = x.f & m32, c = y.f >> 32, d = y.f & m32;
	uint64_t ac = a * c, bc = b * c, ad = a * d, bd = b * d;
	uint64_t mid = (bd >> 32) + (ad & m32) + (bc & m32) + (UINT64_C(1) << 31);
	struct diyfp r = { ac + (ad >> 32) + (bc >> 32) + (mid >> 32), x.e + y.e + 64 };
	return r;
}

static struct diyfp
diyfp_normalize(struct diyfp x)
{
	int shift = __builtin_clzll(x.f);
	x.f <<= shift;
	x.e -= shift;
	return x;
}

/* The double as f * 2^e, and the boundaries of its rounding interval
 * m- and m+, normalised to m+'s exponent. */
static void
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
	} else {
		x.f = frac;
		x.e = -1074;
	}
	plus.f = (x.f << 1) + 1;
	plus.e = x.e - 1;
	plus = diyfp_normalize(plus);
	if (frac == 0 && bexp > 1) {	/* the lower neighbour is closer */
		minus.f = (x.f << 2) - 1;
		minus.e = x.e - 2;
	} else {
		minus.f = (x.f << 1) - 1;
		minus.e = x.e - 1;
	}
	minus.f <<= minus.e - plus.e;
	minus.e = plus.e;
	*w = diyfp_normalize(x);
	*mp = plus;
	*mm = minus;
}

enum { ALPHA = -60, GAMMA = -32 };

/* A cached power 10^q with ALPHA <= e + q's exponent + 64 <= GAMMA. */
static int
cached_power(int e, struct diyfp *c)
{
	/* ceil((ALPHA - e - 1) * log10(2)), then the table entry at or above */
	int k = (int)ceil((ALPHA - e - 1) * 0.30102999566398114);
	int i = (k - SAM_POW10_FIRST + SAM_POW10_STEP - 1) / SAM_POW10_STEP;

	while (i > 0 && sam_pow10[i - 1].e + e + 64 >= ALPHA)
		i--;
	while (sam_pow10[i].e + e + 64 < ALPHA)
		i++;
	c->f = sam_pow10[i].f;
	c->e = sam_pow10[i].e;
	return sam_pow10[i].q;
}

static const uint32_t pow10_u32[] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000,
};

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

/* Digits of the scaled upper boundary, cut as soon as what is left is
 * inside the interval.  Returns the digit count; *kappa the exponent. */
static int
digit_gen(struct diyfp w, struct diyfp mp, uint64_t delta, char *buf,
    int *kappa)
{
	struct diyfp one = { UINT64_C(1) << -mp.e, mp.e };
	uint64_t dist = mp.f - w.f, p2 = mp.f & (one.f - 1);
	uint32_t p1 = (uint32_t)(mp.f >> -one.e);
	int len = 0, n = 10;

	while (n > 0 && p1 < pow10_u32[n - 1])
		n--;
	while (n > 0) {
		uint32_t d = p1 / pow10_u32[n - 1];
		uint64_t rest;
		p1 %= pow10_u32[n - 1];
		n--;
		if (d || len)
			buf[len++] = (char)('0' + d);
		rest = ((uint64_t)p1 << -one.e) + p2;
		if (rest <= delta) {
			*kappa = n;
			round_weed(buf, len, dist, delta, rest,
			    (uint64_t)pow10_u32[n] << -one.e);
			return len;
		}
	}
	for (;;) {
		p2 *= 10;
		delta *= 10;
		dist *= 10;
		buf[len++] = (char)('0' + (p2 >> -one.e));
		p2 &= one.f - 1;
		n--;
		if (p2 <= delta) {
			*kappa = n;
			round_weed(buf, len, dist, delta, p2, one.f);
			return len;
		}
	}
}

/* Lays out digits d1..dn times 10^k the way JavaScript prints numbers:
 * plain notation for 1e-6 <= |v| < 1e21, exponent notation beyond. */
static size_t
layout(char *out, const char *digits, int n, int k)
{
	int point = n + k;	/* v = 0.d1d2..dn x 10^point */
	size_t o = 0;

	if (k >= 0 && point <= 21) {
		memcpy(out, digits, (size_t)n);
		memset(out + n, '0', (size_t)k);
		o = (size_t)point;
	} else if (point > 0 && point <= 21) {
		memcpy(out, digits, (size_t)point);
		out[point] = '.';
		memcpy(out + point + 1, digits + point, (size_t)(n - point));
		o = (size_t)n + 1;
	} else if (point > -6 && point <= 0) {
		out[o++] = '0';
		out[o++] = '.';
		memset(out + o, '0', (size_t)-point);
		o += (size_t)-point;
		memcpy(out + o, digits, (size_t)n);
		o += (size_t)n;
	} else {
		int e = point - 1;
		out[o++] = digits[0];
		if (n > 1) {
			out[o++] = '.';
			memcpy(out + o, digits + 1, (size_t)n - 1);
			o += (size_t)n - 1;
		}
		o += (size_t)sprintf(out + o, "e%c%d", e < 0 ? '-' : '+',
		    e < 0 ? -e : e);
	}
	out[o] = '\0';
	return o;
}

size_t
sam_format_double(char *buf, double v)
{
	struct diyfp w, mm, mp, c;
	char digits[20];
	int q, kappa = 0, n;
	size_t o = 0;

	if (!isfinite(v)) {
		memcpy(buf, "null", 5);
		return 4;
	}
	if (signbit(v)) {
		buf[o++] = '-';
		v = -v;
	}
	if (v == 0) {
		buf[o++] = '0';
		buf[o] = '\0';
		return o;
	}
	boundaries(v, &w, &mm, &mp);
	q = cached_power(mp.e, &c);
	w = diyfp_mul(w, c);
	mm = diyfp_mul(mm, c);
	mp = diyfp_mul(mp, c);
	/* The products are off by up to one unit: keep strictly inside. */
	mm.f++;
	mp.f--;
	n = digit_gen(w, mp, mp.f - mm.f, digits, &kappa);
	return o + layout(buf + o, digits, n, kappa - q);
}

/* "90s", "30m", "24h", "2d"; a bare number is seconds. */
int
sam_parse_duration(const char *s, unsigned long *secs)
{
	static const struct { char unit; unsigned long mult; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	char num[32];
	size_t len = strlen(s), i;
	unsigned long mult = 1, v;

	if (len == 0 || len >= sizeof num)
		return -1;
	memcpy(num, s, len + 1);
	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (num[len - 1] == units[i].unit) {
			mult = units[i].mult;
			num[--len] = '\0';
			break;
		}
	if (sam_parse_ulong(num, 0, 3650UL * 86400 / mult, &v) < 0)
		return -1;
	*secs = v * mult;
	return 0;
}
