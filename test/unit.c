/*
 * unit.c - drives libz directly for test/00-libz.bats.
 *
 *   unit format              numbers on stdin -> sam_format_double
 *   unit roundtrip N SEED    random doubles: format, read back, compare
 *   unit formatdiff N SEED   doubles of every kind: format vs the old Grisu2
 *   unit parse N SEED        decimal text of every kind: sam_parse_number vs strtod
 *   unit duration            durations on stdin -> milliseconds and whole seconds, or -
 *   unit retry               "RETRIES ATTEMPT CODE STATUS RETRY-AFTER" on stdin -> verdict, wait
 *   unit jitter N            N jittered waits of 1 s and 60 s -> their least and most
 *   unit urlpart             lines on stdin -> percent-encoded (sam_buf_urlpart)
 *   unit utf8                hex byte strings on stdin -> valid / invalid at
 *   unit json                lines on stdin -> members or the error
 *   unit edits               lines on stdin -> written with edits b, z and n
 *   unit lines MAX           lines on stdin -> LINENO:LENGTH or LINENO:LONG
 *   unit roll MODE W N SEED  rolling stats vs a long double two-pass
 *   unit parsesmall N SEED   19-digit numbers, halfway ones too, vs strtod
 *   unit bound N SEED        number texts of every kind: sam_field_abs_bound vs strtod
 *   unit robust W N SEED     rolling median and MAD (a window kept sorted) vs sorting
 *   unit cal YEAR            the year's NYSE closures and early closes
 *   unit ny                  RFC 3339 instants on stdin -> New York offset, date
 *   unit tz-libc [ZONE]      the zone reader vs glibc's localtime_r and mktime
 *   unit tz-oracle           tzdata vs the US rules in code, 1900-2100
 *   unit tz-bench N          ns per sam_ny_offset: tzdata, the rules, localtime_r
 *   unit tz-next FROM TO     tzdata's transitions in [FROM, TO) (RFC 3339)
 *   unit tz-mangle N SEED    the zone file damaged N ways: read or refused
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sam.h"
#include "pow10.h"

static uint64_t rng_state;

static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static double
uniform(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static double
gauss(void)
{
	double u = uniform(), v = uniform();

	return sqrt(-2 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

static int
cmd_format(void)
{
	char line[256], out[SAM_NUM_MAX];

	while (fgets(line, sizeof line, stdin)) {
		line[strcspn(line, "\n")] = '\0';
		sam_format_double(out, strtod(line, NULL));
		printf("%s\n", out);
	}
	return 0;
}

static size_t
shortest_len(double v)
{
	char buf[40];
	int p;

	for (p = 1; p <= 17; p++) {
		snprintf(buf, sizeof buf, "%.*e", p - 1, v);
		if (strtod(buf, NULL) == v)
			return (size_t)p;
	}
	return 17;
}

static size_t
digit_count(const char *s)
{
	size_t n = 0;
	int leading = 1;

	for (; *s && *s != 'e'; s++) {
		if (*s < '0' || *s > '9')
			continue;
		if (leading && *s == '0')
			continue;
		leading = 0;
		n++;
	}
	/* trailing zeros of an integer are not significant digits */
	return n;
}

static int
cmd_roundtrip(long n)
{
	long i, bad = 0, longer = 0;
	char out[SAM_NUM_MAX];

	for (i = 0; i < n; i++) {
		uint64_t bits = rnd();
		double v, back;
		memcpy(&v, &bits, sizeof v);
		if (!isfinite(v))
			continue;
		if (i % 4 == 0)		/* plenty of everyday magnitudes too */
			v = (uniform() - 0.5) * pow(10, (int)(rnd() % 24) - 8);
		sam_format_double(out, v);
		back = strtod(out, NULL);
		if (memcmp(&back, &v, sizeof v) != 0) {
			if (bad++ < 5)
				printf("mismatch: %.17g -> %s\n", v, out);
		}
		if (!strchr(out, 'e') && fabs(v) >= 1e16)
			continue;	/* integers print every digit */
		if (digit_count(out) > shortest_len(v))
			longer++;
	}
	printf("%ld round trips, %ld failed; %ld longer than the shortest\n",
	    n, bad, longer);
	return bad != 0;
}

/*
 * The oracle of formatdiff: libz/num.c's Grisu2 as it was before its
 * digit generation was made fast (commit 786ef50), kept verbatim but
 * for the ref_ prefix.  sam_format_double must write the same bytes
 * for every double; "the same digits" is the promise, not "digits that
 * read back", since Grisu2 is not always the shortest.
 */
struct ref_diyfp {
	uint64_t f;
	int e;
};

static struct ref_diyfp
ref_mul(struct ref_diyfp x, struct ref_diyfp y)
{
	const uint64_t m32 = 0xffffffffu;
	uint64_t a = x.f >> 32, b = x.f & m32, c = y.f >> 32, d = y.f & m32;
	uint64_t ac = a * c, bc = b * c, ad = a * d, bd = b * d;
	uint64_t mid = (bd >> 32) + (ad & m32) + (bc & m32) + (UINT64_C(1) << 31);
	struct ref_diyfp r = { ac + (ad >> 32) + (bc >> 32) + (mid >> 32), x.e + y.e + 64 };
	return r;
}

static struct ref_diyfp
ref_normalize(struct ref_diyfp x)
{
	int shift = __builtin_clzll(x.f);
	x.f <<= shift;
	x.e -= shift;
	return x;
}

static void
ref_boundaries(double v, struct ref_diyfp *w, struct ref_diyfp *mm, struct ref_diyfp *mp)
{
	uint64_t bits, frac;
	int bexp;
	struct ref_diyfp x, plus, minus;

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
	plus = ref_normalize(plus);
	if (frac == 0 && bexp > 1) {
		minus.f = (x.f << 2) - 1;
		minus.e = x.e - 2;
	} else {
		minus.f = (x.f << 1) - 1;
		minus.e = x.e - 1;
	}
	minus.f <<= minus.e - plus.e;
	minus.e = plus.e;
	*w = ref_normalize(x);
	*mp = plus;
	*mm = minus;
}

enum { REF_ALPHA = -60 };

static int
ref_cached_power(int e, struct ref_diyfp *c)
{
	int k = (int)ceil((REF_ALPHA - e - 1) * 0.30102999566398114);
	int i = (k - SAM_POW10_FIRST + SAM_POW10_STEP - 1) / SAM_POW10_STEP;

	while (i > 0 && sam_pow10[i - 1].e + e + 64 >= REF_ALPHA)
		i--;
	while (sam_pow10[i].e + e + 64 < REF_ALPHA)
		i++;
	c->f = sam_pow10[i].f;
	c->e = sam_pow10[i].e;
	return sam_pow10[i].q;
}

static const uint32_t ref_pow10_u32[] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000,
};

static void
ref_round_weed(char *buf, int len, uint64_t dist, uint64_t delta, uint64_t rest,
    uint64_t ten_k)
{
	while (rest < dist && delta - rest >= ten_k &&
	    (rest + ten_k < dist || dist - rest > rest + ten_k - dist)) {
		buf[len - 1]--;
		rest += ten_k;
	}
}

static int
ref_digit_gen(struct ref_diyfp w, struct ref_diyfp mp, uint64_t delta, char *buf,
    int *kappa)
{
	struct ref_diyfp one = { UINT64_C(1) << -mp.e, mp.e };
	uint64_t dist = mp.f - w.f, p2 = mp.f & (one.f - 1);
	uint32_t p1 = (uint32_t)(mp.f >> -one.e);
	int len = 0, n = 10;

	while (n > 0 && p1 < ref_pow10_u32[n - 1])
		n--;
	while (n > 0) {
		uint32_t d = p1 / ref_pow10_u32[n - 1];
		uint64_t rest;
		p1 %= ref_pow10_u32[n - 1];
		n--;
		if (d || len)
			buf[len++] = (char)('0' + d);
		rest = ((uint64_t)p1 << -one.e) + p2;
		if (rest <= delta) {
			*kappa = n;
			ref_round_weed(buf, len, dist, delta, rest,
			    (uint64_t)ref_pow10_u32[n] << -one.e);
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
			ref_round_weed(buf, len, dist, delta, p2, one.f);
			return len;
		}
	}
}

static size_t
ref_layout(char *out, const char *digits, int n, int k)
{
	int point = n + k;
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

static size_t
ref_format_double(char *buf, double v)
{
	struct ref_diyfp w, mm, mp, c;
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
	ref_boundaries(v, &w, &mm, &mp);
	q = ref_cached_power(mp.e, &c);
	w = ref_mul(w, c);
	mm = ref_mul(mm, c);
	mp = ref_mul(mp, c);
	mm.f++;
	mp.f--;
	n = ref_digit_gen(w, mp, mp.f - mm.f, digits, &kappa);
	return o + ref_layout(buf + o, digits, n, kappa - q);
}

/* A double of the kind class c names: the shapes that take different
 * ways through Grisu2 and the layout, and the data sam writes. */
static double
format_case(int c)
{
	static const double ends[] = {
		5e-324, 1e-323, 2.2250738585072009e-308, 2.2250738585072014e-308,
		1.7976931348623157e308, 1e21, 1e-6, 1e-7, 9.999999999999999e20,
		999999.9999999999, 0.1, 0.3, 1, 100, 1e15, 1e16, 9007199254740992.0,
	};
	uint64_t bits = rnd(), k = rnd();
	double v;

	switch (c) {
	case 0:			/* any bits at all */
		memcpy(&v, &bits, sizeof v);
		return v;
	case 1:
		return (uniform() - 0.5) * 20;
	case 2:
		return uniform() * 1e9;
	case 3:			/* prices and the like: few digits */
		return (double)(k % 10000000) / pow(10, (int)(bits % 9));
	case 4:			/* every binary exponent, every boundary shape */
		return ldexp(1 + (double)(k % 4) * 0x1p-52, (int)(bits % 2098) - 1074);
	case 5:
		return pow(10, (int)(bits % 640) - 323) * (k % 2 ? 1 : 1 + 0x1p-52);
	case 6:			/* subnormals */
		bits &= (UINT64_C(1) << 52) - 1;
		memcpy(&v, &bits, sizeof v);
		return v;
	case 7:			/* the neighbours of the ends */
		v = ends[k % (sizeof ends / sizeof ends[0])];
		return nextafter(v, bits % 3 == 0 ? 0 : bits % 3 == 1 ? INFINITY : v);
	case 8:			/* z-scores, returns, volumes */
		v = gauss() * pow(10, (int)(bits % 12) - 4);
		return k % 3 ? v : floor(fabs(v) * 1e4);
	default:		/* a 1 to 17 digit decimal and its neighbours */
		v = (double)(k % UINT64_C(100000000000000000)) / pow(10, (int)(bits % 40) - 10);
		v = v > 0 ? v : 1;
		return bits % 3 == 0 ? v : nextafter(v, bits % 3 == 1 ? 0 : INFINITY);
	}
}

/* Old and new Grisu2 over n doubles of every class: the same bytes? */
static int
cmd_formatdiff(long n)
{
	char a[SAM_NUM_MAX + 8], b[SAM_NUM_MAX + 8];
	long i, bad = 0;

	for (i = 0; i < n; i++) {
		double v = format_case((int)(i % 10));
		size_t la, lb;
		memset(b, 'X', sizeof b);
		la = ref_format_double(a, v);
		lb = sam_format_double(b, v);
		if (la != lb || memcmp(a, b, la + 1) != 0 ||
		    memcmp(b + SAM_NUM_MAX, "XXXXXXXX", 8) != 0) {	/* and no byte past its room */
			if (bad++ < 5)
				printf("mismatch: %a: %s, was %s\n", v, b, a);
		}
	}
	printf("%ld doubles formatted, %ld differ from the old Grisu2\n", n, bad);
	return bad != 0;
}

/* Writes D x 10^q (D a digit string, no leading zero) in one of the
 * ways JSON allows: the point anywhere, leading and trailing zeros,
 * an exponent or none, e or E, with or without its sign. */
static int
render(char *s, const char *d, int q)
{
	int len = (int)strlen(d), t = (int)(rnd() % (unsigned)(len + 7)) - 3, o = 0, e;

	if (rnd() % 2)
		s[o++] = '-';
	if (t <= 0) {
		o += sprintf(s + o, "0.%.*s%s", -t, "000", d);
	} else if (t < len) {
		o += sprintf(s + o, "%.*s.%s", t, d, d + t);
		if (rnd() % 4 == 0)
			o += sprintf(s + o, "000");
	} else {
		o += sprintf(s + o, "%s%.*s", d, t - len, "000");
	}
	e = q + len - t;
	if (e != 0 || rnd() % 2)
		o += sprintf(s + o, "%c%s%d", rnd() % 2 ? 'e' : 'E',
		    e >= 0 && rnd() % 2 ? "+" : "", e);
	return o;
}

/* The digits and exponent of a %e text: "1.25e-07" -> "125", -9. */
static void
sci_digits(const char *sci, char *d, int *q)
{
	int n = 0, frac = 0;

	for (; *sci && *sci != 'e'; sci++) {
		if (*sci == '.')
			frac = 1;
		else if (*sci >= '0' && *sci <= '9')
			d[n++] = *sci, frac += frac > 0;
	}
	d[n] = '\0';
	*q = atoi(sci + 1) - (frac ? frac - 1 : 0);
}

/* One decimal text of class c for cmd_parse: random digits, a double's
 * 15 to 19 digits, or the middle between two doubles (exactly, or in
 * 16 to 40 digits), the cases where rounding is hard. */
static int
parse_case(char *s, int c)
{
	char d[64], sci[80];
	int q;

	if (c == 1) {
		double v = fabs(format_case((int)(rnd() % 10)));
		if (!isfinite(v) || v == 0)
			v = 1;
		snprintf(sci, sizeof sci, "%.*e", 14 + (int)(rnd() % 5), v);
	} else if (c == 2) {
		double v = fabs(format_case((int)(rnd() % 10)));
		long double mid;
		if (!isfinite(v) || v >= 1.7976931348623157e308)
			v = 1;
		mid = ((long double)v + nextafter(v, INFINITY)) / 2;
		snprintf(sci, sizeof sci, "%.*Le", 15 + (int)(rnd() % 25), mid);
	} else if (c == 3) {		/* a 54-bit odd number times 2^p: a tie */
		uint64_t o = (UINT64_C(1) << 53) | rnd() >> 11 | 1;
		int p = (int)(rnd() % 14) - 3, k;
		if (p < 0)
			for (k = 0; k < -p; k++)
				o *= 5;
		else
			o <<= p;
		o += rnd() % 3 == 0 ? (uint64_t)(rnd() % 3) - 1 : 0;	/* or next to one */
		snprintf(d, sizeof d, "%llu", (unsigned long long)o);
		return render(s, d, p < 0 ? p : 0);
	} else {
		int nd = 1 + (int)(rnd() % 25), k, o = 0, point = (int)(rnd() % (unsigned)(nd + 1));
		if (rnd() % 2)
			s[o++] = '-';
		for (k = 0; k < nd; k++) {
			if (k == point && k > 0)
				s[o++] = '.';
			s[o++] = (char)('0' + (k == 0 ? 1 + rnd() % 9 : rnd() % 10));
		}
		if (rnd() % 2)
			o += sprintf(s + o, "e%d", (int)(rnd() % 700) - 350);
		s[o] = '\0';
		return o;
	}
	sci_digits(sci, d, &q);
	return render(s, d, q);
}

/* Decimal text of every kind: sam_parse_number against strtod. */
static int
cmd_parse(long n)
{
	long i, bad = 0;
	char s[128];
	int verbose = getenv("UNIT_VERBOSE") != NULL;

	for (i = 0; i < n; i++) {
		int o = parse_case(s, (int)(i % 4));
		double a, b;
		if (verbose)
			printf("%s\n", s);
		if (sam_parse_number(s, (size_t)o, 0, &a) != 0)
			a = HUGE_VAL;
		b = strtod(s, NULL);
		if (memcmp(&a, &b, sizeof a) != 0 && !(isinf(a) && isinf(b))) {
			if (bad++ < 5)
				printf("mismatch: %s: %.17g, strtod %.17g\n", s, a, b);
		}
	}
	printf("%ld numbers parsed, %ld differ from strtod\n", n, bad);
	return bad != 0;
}

/* Numbers of up to 19 digits and |exponent| <= 19, which
 * sam_parse_number() reads with a 64 x 128-bit product, half of them
 * integers halfway between two doubles (2^53 + odd: ties go to even),
 * against strtod. */
static int
cmd_parse_small(long n)
{
	long i, bad = 0;
	char s[64];

	for (i = 0; i < n; i++) {
		uint64_t m;
		int e, o = 0;
		double a, b;
		if (i % 2) {
			m = (UINT64_C(1) << 53) + 2 * (rnd() % (UINT64_C(1) << 40)) + 1;
			e = 0;
		} else {
			m = rnd() % UINT64_C(10000000000000000000);
			e = (int)(rnd() % 39) - 19;
		}
		if (rnd() % 2)
			s[o++] = '-';
		o += sprintf(s + o, "%llue%d", (unsigned long long)m, e);
		b = strtod(s, NULL);
		if (sam_parse_number(s, (size_t)o, 0, &a) != 0 || memcmp(&a, &b, sizeof a) != 0) {
			if (bad++ < 5)
				printf("mismatch: %s: %.17g, strtod %.17g\n", s, a, b);
		}
	}
	printf("%ld numbers parsed, %ld differ from strtod\n", n, bad);
	return bad != 0;
}

/* A random JSON number text into s: up to 20 integer and 20 fraction
 * digits, an exponent at times (with leading zeros at times); its
 * length. */
static int
random_number_text(char *s)
{
	int o = 0, i, ni = (int)(rnd() % 21), nf = rnd() % 3 ? (int)(rnd() % 21) : 0;

	if (rnd() % 2)
		s[o++] = '-';
	if (ni == 0 || rnd() % 4 == 0) {
		s[o++] = '0';
	} else {
		s[o++] = (char)('1' + rnd() % 9);
		for (i = 1; i < ni; i++)
			s[o++] = (char)('0' + rnd() % 10);
	}
	if (nf) {
		int zeros = rnd() % 2 ? (int)(rnd() % nf) : 0;
		s[o++] = '.';
		for (i = 0; i < nf; i++)
			s[o++] = (char)(i < zeros ? '0' : '0' + rnd() % 10);
	}
	if (rnd() % 5 == 0)
		o += sprintf(s + o, "%s%s%d", rnd() % 2 ? "e" : "E",
		    rnd() % 3 == 0 ? "-" : rnd() % 2 ? "+" : "", rnd() % 3 ? (int)(rnd() % 30) : 0);
	s[o] = '\0';
	if (rnd() % 10 == 0 && strpbrk(s, "eE"))
		o += sprintf(s + o, "%s", "0");	/* e.g. e+70: 70, not 7 */
	return o;
}

/*
 * sam_field_abs_bound on random number texts, in records the fast path
 * reads and in short ones the scanner reads: never at or below |value|
 * (as strtod reads it), within 1e-4 of it for a plain number of up to
 * 15 integer digits, and infinite for every other number and for the
 * scanner's (and for one that overflows, of course).
 */
static int
cmd_bound(long n)
{
	struct sam_rec r = { 0 };
	const char *err;
	long i, bad = 0;
	size_t at;

	for (i = 0; i < n; i++) {
		char num[80], line[160];
		int len = random_number_text(num), ll, exp_ = strpbrk(num, "eE") != NULL;
		const char *digits = num + (num[0] == '-');
		int intd = (int)strcspn(digits, ".eE"), fast;
		double x = fabs(strtod(num, NULL)), b;
		for (fast = 0; fast < 2; fast++) {
			ll = fast ? snprintf(line, sizeof line, "{\"pad\":\"%s\",\"v\":%s}",
			    "0123456789012345678901234567890123456789012345678901234567", num) :
			    snprintf(line, sizeof line, "{\"v\":%s}", num);
			if (sam_rec_parse(&r, line, (size_t)ll, &err, &at) < 0) {
				if (bad++ < 5)
					printf("not parsed: %s: %s\n", line, err);
				continue;
			}
			b = sam_field_abs_bound(&r.f[r.n - 1]);
			if (!(b > x || (isinf(x) && isinf(b))) || (fast && !exp_ && len - (num[0] == '-') <= 32 &&
			    intd <= 15 ? !(b <= (x + 1e-4) * (1 + 1e-11)) : !isinf(b))) {
				if (bad++ < 5)
					printf("%s (%s path): bound %.17g\n", num,
					    fast ? "fast" : "scanner", b);
			}
		}
	}
	sam_rec_free(&r);
	printf("%ld numbers bound, %ld wrong\n", n, bad);
	return bad != 0;
}

/* sam_parse_duration_ms (0 to 2e6 s) and sam_parse_duration of each line. */
static int
cmd_duration(void)
{
	char line[128];
	unsigned long secs;
	long ms;

	while (fgets(line, sizeof line, stdin)) {
		line[strcspn(line, "\n")] = '\0';
		printf("%s", line);
		if (sam_parse_duration_ms(line, 0, 2e6, &ms) == 0)
			printf(" %ld ms", ms);
		else
			printf(" - ms");
		if (sam_parse_duration(line, &secs) == 0)
			printf(" %lu s\n", secs);
		else
			printf(" - s\n");
	}
	return 0;
}

/* libz/retry.c's verdicts, the first wait 1 s. */
static int
cmd_retry(void)
{
	static const char *const names[] = { "no", "again", "after", "too-long" };
	char line[128];
	unsigned long retries;
	unsigned attempt;
	int code;
	long status, after;
	int64_t wait;

	while (fgets(line, sizeof line, stdin)) {
		struct sam_retry r = { 0, SAM_RETRY_WAIT_MS };
		enum sam_retry_verdict v;
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%lu %u %d %ld %ld", &retries, &attempt, &code, &status,
		    &after) != 5) {
			printf("%s: bad line\n", line);
			continue;
		}
		r.retries = retries;
		wait = -1;
		v = sam_retry_next(&r, attempt, code, status, after, &wait);
		printf("%s: %s", line, names[v]);
		if (v != SAM_RETRY_NO)
			printf(" %lld", (long long)wait);
		printf("\n");
	}
	return 0;
}

/* The one percent-encoder, of each line. */
static int
cmd_urlpart(void)
{
	char line[256];

	while (fgets(line, sizeof line, stdin)) {
		struct sam_buf b = { 0 };
		line[strcspn(line, "\n")] = '\0';
		sam_buf_urlpart(&b, line);
		printf("%.*s\n", b.err ? 0 : (int)b.len, b.err ? "" : b.p);
		sam_buf_free(&b);
	}
	return 0;
}

/* The jitter stays within 0 to 10 % more, and varies. */
static int
cmd_jitter(long n)
{
	static const int64_t waits[] = { 1000, 60000 };
	int k;

	for (k = 0; k < 2; k++) {
		int64_t lo = INT64_MAX, hi = 0, w;
		long i;
		for (i = 0; i < n; i++) {
			w = sam_retry_jitter(waits[k]);
			lo = w < lo ? w : lo;
			hi = w > hi ? w : hi;
		}
		printf("%lld: %lld to %lld\n", (long long)waits[k], (long long)lo, (long long)hi);
	}
	return 0;
}

static int
cmd_utf8(void)
{
	char line[1024], bytes[512];
	size_t n, bad;

	while (fgets(line, sizeof line, stdin)) {
		char *p = line;
		unsigned v;
		for (n = 0; sscanf(p, "%2x", &v) == 1 && n < sizeof bytes; p += 2) {
			bytes[n++] = (char)v;
			while (*(p + 2) == ' ')
				p++;
		}
		if (sam_valid_utf8(bytes, n, &bad))
			printf("valid\n");
		else
			printf("invalid at %zu\n", bad);
	}
	return 0;
}

/* Each line of stdin scanned: fn(record, ctx), or the error. */
static int
each_record(void (*fn)(const struct sam_rec *, void *), void *ctx)
{
	struct sam_lines l;
	struct sam_rec r = { 0 };
	char *line;
	size_t len, at;
	const char *why;

	sam_lines_open(&l, "-", SAM_LINE_MAX_DEFAULT);
	while (sam_lines_next(&l, &line, &len) == SAM_LINE_OK) {
		if (sam_rec_parse(&r, line, len, &why, &at) < 0)
			printf("error at %zu: %s\n", at, why);
		else
			fn(&r, ctx);
	}
	sam_rec_free(&r);
	sam_lines_close(&l);
	return 0;
}

static void
print_members(const struct sam_rec *r, void *ctx)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < r->n; i++)
		printf("%s[%.*s]%s=%.*s", i ? " " : "", (int)r->f[i].klen,
		    r->f[i].key, sam_jtype_name(r->f[i].type),
		    (int)r->f[i].vlen, r->f[i].val);
	printf("%s\n", r->n ? "" : "{}");
}

static int
cmd_json(void)
{
	return each_record(print_members, NULL);
}

/* A record written with three edits: b replaced or added (the number
 * 2), z (a string), n (a number that repeats). */
static void
write_edited(const struct sam_rec *r, void *ctx)
{
	struct sam_edits *e = ctx;
	struct sam_buf out = { 0 };

	sam_edits_reset(e);
	sam_edits_num(e, "b", 2);
	sam_buf_puts(sam_edits_add(e, "z"), "\"x\"");
	sam_edits_num(e, "n", 1.5);
	sam_rec_write(r, e, &out);
	fwrite(out.p, 1, out.len, stdout);
	sam_buf_free(&out);
}

static int
cmd_edits(void)
{
	struct sam_edits e = { 0 };
	int status = each_record(write_edited, &e);

	sam_edits_free(&e);
	return status;
}

static int
cmd_lines(unsigned long max)
{
	struct sam_lines l;
	char *line;
	size_t len;
	int r;

	sam_lines_open(&l, "-", max);
	while ((r = sam_lines_next(&l, &line, &len)) != SAM_LINE_EOF) {
		if (r == SAM_LINE_LONG)
			printf("%lu:LONG\n", l.lineno);
		else if (r == SAM_LINE_OK)
			printf("%lu:%zu:%s\n", l.lineno, len, len < 40 ? line : "...");
		else
			return 1;
	}
	sam_lines_close(&l);
	return 0;
}

/* The series a roll test feeds: the kinds of data that break naive sums. */
static double
series(const char *mode, long i, double *walk)
{
	if (strcmp(mode, "walk") == 0)
		return *walk *= exp(0.02 * gauss());
	if (strcmp(mode, "tiny") == 0)		/* 1e6 with a 1e-4 spread */
		return 1e6 + ldexp((double)(rnd() % 1024), -23);
	if (strcmp(mode, "jumps") == 0)		/* a huge value now and then */
		return (i % 97 == 50 ? 1e12 : 100) + gauss();
	if (strcmp(mode, "trend") == 0)		/* drifts far from any shift */
		return 1e3 + 1e-3 * (double)i * (double)i + gauss();
	if (strcmp(mode, "steps") == 0)		/* constant runs */
		return (double)(i / 40 % 3);
	return gauss();
}

static int
cmd_roll(const char *mode, size_t w, long n)
{
	struct sam_roll r;
	double *hist = malloc((size_t)n * sizeof *hist), walk = 100, worst = 0;
	long i, checked = 0, nulls = 0;

	sam_roll_init(&r, w);
	for (i = 0; i < n; i++) {
		double x = series(mode, i, &walk), mean, sd, dev;
		hist[i] = x;
		if (r.n == w && sam_roll_stats(&r, 1, x, &mean, &sd, &dev) == 0) {
			/* two passes over exact differences from one value */
			long double x0 = hist[i - 1], s = 0, ss = 0, dm, m, var, z, err;
			size_t k;
			for (k = 0; k < w; k++)
				s += hist[i - 1 - (long)k] - x0;
			dm = s / w;
			m = x0 + dm;
			for (k = 0; k < w; k++) {
				long double d = hist[i - 1 - (long)k] - x0 - dm;
				ss += d * d;
			}
			var = ss / (w - 1);
			if (var == 0 || sd == 0) {
				nulls++;
				if ((var == 0) != (sd == 0))
					printf("zero sd disagrees at %ld\n", i);
			} else {
				z = ((x - x0) - dm) / sqrtl(var);
				err = fabsl((long double)dev / sd - z) / fmaxl(1, fabsl(z));
				err = fmaxl(err, fabsl(sd - sqrtl(var)) / sqrtl(var));
				if (fabsl(mean - m) > (fabsl(m) + sqrtl(var)) * 1e-14L)
					err = 1;	/* the mean is off by more than a few ulps */
				if (err > worst)
					worst = (double)err;
				checked++;
			}
		}
		sam_roll_push(&r, x);
	}
	printf("%s: %ld windows, %ld with sd 0, worst relative error %s\n", mode,
	    checked, nulls, worst < 1e-9 ? "below 1e-9" : "ABOVE 1e-9");
	if (getenv("UNIT_VERBOSE") || worst >= 1e-9)
		printf("worst %.3g\n", worst);
	sam_roll_free(&r);
	free(hist);
	return worst >= 1e-9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
sorted_median(double *a, size_t n)
{
	qsort(a, n, sizeof *a, cmp_double);
	return n % 2 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
}

static int
cmd_robust(size_t w, long n)
{
	struct sam_roll r;
	double *hist = malloc((size_t)n * sizeof *hist);
	double *tmp = malloc(w * sizeof *tmp);
	long i, bad = 0, checked = 0;

	sam_roll_init(&r, w);
	r.keep_sorted = 1;	/* a robust window keeps its values in order */
	for (i = 0; i < n; i++) {
		double x = (rnd() % 3 ? gauss() : (double)(rnd() % 5)), med, mad, m, d;
		size_t k, have = r.n;
		hist[i] = x;
		if (have && sam_roll_robust(&r, &med, &mad) == 0) {
			for (k = 0; k < have; k++)
				tmp[k] = hist[i - 1 - (long)k];
			m = sorted_median(tmp, have);
			for (k = 0; k < have; k++)
				tmp[k] = fabs(hist[i - 1 - (long)k] - m);
			d = 1.4826 * sorted_median(tmp, have);
			if (med != m || fabs(mad - d) > 1e-15 * fabs(d))
				bad++;
			/* its mean too, though its pushes keep no sums */
			if (sam_roll_stats(&r, 0, 0, &m, &d, &mad) == 0) {
				double sum = 0;
				for (k = 0; k < have; k++)
					sum += hist[i - 1 - (long)k];
				if (fabs(m - sum / (double)have) > 1e-12 * (1 + fabs(m)))
					bad++;
			}
			checked++;
		}
		sam_roll_push(&r, x);
	}
	printf("%ld windows, %ld differ from sorting\n", checked, bad);
	sam_roll_free(&r);
	free(hist);
	free(tmp);
	return bad != 0;
}

static int
cmd_cal(int year)
{
	int64_t d, last = sam_days_from_civil(year, 12, 31);
	char date[11];

	if (sam_nyse_init() != 0)
		return 2;
	for (d = sam_days_from_civil(year, 1, 1); d <= last; d++) {
		const char *name;
		int close = sam_nyse_close(d, &name), wd = sam_weekday(d);
		sam_format_date(date, d);
		if (close == 0 && wd != 0 && wd != 6)
			printf("%s closed %s\n", date, name);
		else if (close == 13 * 60)
			printf("%s early 13:00\n", date);
	}
	return 0;
}

static int
cmd_ny(void)
{
	char line[128], date[11];
	int64_t t;

	if (sam_nyse_init() != 0)
		return 2;

	while (fgets(line, sizeof line, stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (sam_parse_ts(line, strlen(line), &t, NULL) < 0) {
			printf("%s invalid\n", line);
			continue;
		}
		sam_format_date(date, sam_ny_date(t));
		printf("%s %+d %s\n", line, sam_ny_offset(t) / 3600, date);
	}
	return 0;
}

/*
 * The US daylight-saving rules as sam computed them in code before it
 * read tzdata, kept as an oracle: since 2007 from the second Sunday of
 * March to the first Sunday of November; 1987-2006 from the first
 * Sunday of April; 1967-1986 from the last Sunday of April, both to the
 * last Sunday of October; at 02:00 local time.  Before 1967: standard
 * time all year.  oracle_next() is the first change after t.
 */
static void
oracle_year(int y, int64_t *start, int64_t *end)
{
	if (y >= 2007) {
		*start = sam_nth_weekday(y, 3, 0, 2);
		*end = sam_nth_weekday(y, 11, 0, 1);
	} else if (y >= 1987) {
		*start = sam_nth_weekday(y, 4, 0, 1);
		*end = sam_nth_weekday(y, 10, 0, 0);
	} else {
		*start = sam_nth_weekday(y, 4, 0, 0);
		*end = sam_nth_weekday(y, 10, 0, 0);
	}
	/* 02:00 EST = 07:00 UTC; 02:00 EDT = 06:00 UTC */
	*start = *start * 86400 + 7 * 3600;
	*end = *end * 86400 + 6 * 3600;
}

static int
oracle_offset(int64_t utc)
{
	int64_t days = utc >= 0 ? utc / 86400 : -((-utc + 86399) / 86400);
	int64_t start, end;
	int y, m, d;

	sam_civil_from_days(days, &y, &m, &d);
	if (y < 1967)
		return -5 * 3600;
	oracle_year(y, &start, &end);
	return utc >= start && utc < end ? -4 * 3600 : -5 * 3600;
}

static int64_t
oracle_next(int64_t t)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400), start, end;
	int y, m, d, i;

	sam_civil_from_days(days, &y, &m, &d);
	for (i = y < 1967 ? 1967 : y; ; i++) {
		oracle_year(i, &start, &end);
		if (start > t)
			return start;
		if (end > t)
			return end;
	}
}

/*
 * Where tzdata's America/New_York and the oracle disagree, 1900-2100:
 * every one listed, with why.  tz-oracle fails on any other, and on any
 * of these it no longer finds.  Offsets are tzdata's; the oracle says
 * -5 (EST) in each.
 */
static const struct {
	const char *from, *to;
	int offset;
} tz_known[] = {
	/* 1918-1919: US federal DST, the Standard Time Act of 1918 */
	{ "1918-03-31T07:00:00Z", "1918-10-27T06:00:00Z", -4 },
	{ "1919-03-30T07:00:00Z", "1919-10-26T06:00:00Z", -4 },
	/* 1920: New York City DST by local law, March to October */
	{ "1920-03-28T07:00:00Z", "1920-10-31T06:00:00Z", -4 },
	/* 1921-1941: New York City DST by local law, April to September */
	{ "1921-04-24T07:00:00Z", "1921-09-25T06:00:00Z", -4 },
	{ "1922-04-30T07:00:00Z", "1922-09-24T06:00:00Z", -4 },
	{ "1923-04-29T07:00:00Z", "1923-09-30T06:00:00Z", -4 },
	{ "1924-04-27T07:00:00Z", "1924-09-28T06:00:00Z", -4 },
	{ "1925-04-26T07:00:00Z", "1925-09-27T06:00:00Z", -4 },
	{ "1926-04-25T07:00:00Z", "1926-09-26T06:00:00Z", -4 },
	{ "1927-04-24T07:00:00Z", "1927-09-25T06:00:00Z", -4 },
	{ "1928-04-29T07:00:00Z", "1928-09-30T06:00:00Z", -4 },
	{ "1929-04-28T07:00:00Z", "1929-09-29T06:00:00Z", -4 },
	{ "1930-04-27T07:00:00Z", "1930-09-28T06:00:00Z", -4 },
	{ "1931-04-26T07:00:00Z", "1931-09-27T06:00:00Z", -4 },
	{ "1932-04-24T07:00:00Z", "1932-09-25T06:00:00Z", -4 },
	{ "1933-04-30T07:00:00Z", "1933-09-24T06:00:00Z", -4 },
	{ "1934-04-29T07:00:00Z", "1934-09-30T06:00:00Z", -4 },
	{ "1935-04-28T07:00:00Z", "1935-09-29T06:00:00Z", -4 },
	{ "1936-04-26T07:00:00Z", "1936-09-27T06:00:00Z", -4 },
	{ "1937-04-25T07:00:00Z", "1937-09-26T06:00:00Z", -4 },
	{ "1938-04-24T07:00:00Z", "1938-09-25T06:00:00Z", -4 },
	{ "1939-04-30T07:00:00Z", "1939-09-24T06:00:00Z", -4 },
	{ "1940-04-28T07:00:00Z", "1940-09-29T06:00:00Z", -4 },
	{ "1941-04-27T07:00:00Z", "1941-09-28T06:00:00Z", -4 },
	/* 1942-1945: US War Time all year, Peace Time from 1945-08-14 */
	{ "1942-02-09T07:00:00Z", "1945-09-30T06:00:00Z", -4 },
	/* 1946-1954: New York City DST by local law again, April to September */
	{ "1946-04-28T07:00:00Z", "1946-09-29T06:00:00Z", -4 },
	{ "1947-04-27T07:00:00Z", "1947-09-28T06:00:00Z", -4 },
	{ "1948-04-25T07:00:00Z", "1948-09-26T06:00:00Z", -4 },
	{ "1949-04-24T07:00:00Z", "1949-09-25T06:00:00Z", -4 },
	{ "1950-04-30T07:00:00Z", "1950-09-24T06:00:00Z", -4 },
	{ "1951-04-29T07:00:00Z", "1951-09-30T06:00:00Z", -4 },
	{ "1952-04-27T07:00:00Z", "1952-09-28T06:00:00Z", -4 },
	{ "1953-04-26T07:00:00Z", "1953-09-27T06:00:00Z", -4 },
	{ "1954-04-25T07:00:00Z", "1954-09-26T06:00:00Z", -4 },
	/* 1955-1966: New York City DST by local law, April to October */
	{ "1955-04-24T07:00:00Z", "1955-10-30T06:00:00Z", -4 },
	{ "1956-04-29T07:00:00Z", "1956-10-28T06:00:00Z", -4 },
	{ "1957-04-28T07:00:00Z", "1957-10-27T06:00:00Z", -4 },
	{ "1958-04-27T07:00:00Z", "1958-10-26T06:00:00Z", -4 },
	{ "1959-04-26T07:00:00Z", "1959-10-25T06:00:00Z", -4 },
	{ "1960-04-24T07:00:00Z", "1960-10-30T06:00:00Z", -4 },
	{ "1961-04-30T07:00:00Z", "1961-10-29T06:00:00Z", -4 },
	{ "1962-04-29T07:00:00Z", "1962-10-28T06:00:00Z", -4 },
	{ "1963-04-28T07:00:00Z", "1963-10-27T06:00:00Z", -4 },
	{ "1964-04-26T07:00:00Z", "1964-10-25T06:00:00Z", -4 },
	{ "1965-04-25T07:00:00Z", "1965-10-31T06:00:00Z", -4 },
	{ "1966-04-24T07:00:00Z", "1966-10-30T06:00:00Z", -4 },
	/* 1974-1975: emergency DST (the Emergency Daylight Saving Time Energy
	 * Conservation Act of 1973): from January 1974, from February 1975 */
	{ "1974-01-06T07:00:00Z", "1974-04-28T07:00:00Z", -4 },
	{ "1975-02-23T07:00:00Z", "1975-04-27T07:00:00Z", -4 },
};

static struct sam_tz *
tz_ny(void)
{
	const char *why;
	struct sam_tz *z = sam_tz_load(sam_ny_path(), &why);

	if (!z)
		fprintf(stderr, "unit: %s: %s\n", sam_ny_path(), why);
	return z;
}

#define TZ_FROM -2208988800LL	/* 1900-01-01T00:00:00Z */
#define TZ_TO 4133980800LL	/* 2101-01-01T00:00:00Z */

static int
cmd_tz_oracle(void)
{
	struct sam_tz *z = tz_ny();
	size_t nknown = sizeof tz_known / sizeof tz_known[0], k = 0, i;
	int64_t t, next, run = 0, hours = 0, bad = 0, from, to;
	int tzoff, oroff, runoff = 0;
	char a[21], b[21];

	if (!z)
		return 2;
	/* the segments between the transitions of either, each compared */
	for (t = TZ_FROM; t < TZ_TO; t = next) {
		int64_t n1 = sam_tz_next(z, t), n2 = oracle_next(t);
		next = n1 < n2 ? n1 : n2;
		if (next > TZ_TO)
			next = TZ_TO;
		tzoff = sam_tz_offset(z, t), oroff = oracle_offset(t);
		/* ±1 s around each boundary too, both sides must agree with the segment */
		if (sam_tz_offset(z, next - 1) != tzoff || oracle_offset(next - 1) != oroff) {
			sam_format_ts(a, next - 1);
			printf("segment not constant at %s\n", a);
			bad++;
		}
		if (tzoff != oroff && (run == 0 || runoff != tzoff)) {
			if (run)
				goto close_run;
			from = t, run = 1, runoff = tzoff;
		} else if (tzoff == oroff && run) {
close_run:
			to = t;
			sam_format_ts(a, from), sam_format_ts(b, to);
			if (k < nknown && strcmp(tz_known[k].from, a) == 0 &&
			    strcmp(tz_known[k].to, b) == 0 && tz_known[k].offset * 3600 == runoff)
				k++;
			else {
				printf("unexpected: %s %s tzdata %+d oracle -5\n", a, b, runoff / 3600);
				bad++;
			}
			run = 0;
			if (tzoff != oroff)
				from = t, run = 1, runoff = tzoff;
		}
	}
	for (i = k; i < nknown; i++) {
		printf("listed but not found: %s %s\n", tz_known[i].from, tz_known[i].to);
		bad++;
	}
	/* every hour, as a check of the segments */
	for (t = TZ_FROM, i = 0; t < TZ_TO; t += 3600) {
		if (sam_tz_offset(z, t) == oracle_offset(t))
			continue;
		hours++;
		sam_format_ts(a, t);
		while (i < nknown && strcmp(tz_known[i].to, a) <= 0)
			i++;
		if ((i == nknown || strcmp(tz_known[i].from, a) > 0) && bad++ < 10)
			printf("unexpected hour: %s\n", a);
	}
	printf("%zu known differences, %lld hours; %lld others\n", nknown, (long long)hours,
	    (long long)bad);
	sam_tz_free(z);
	return bad != 0;
}

/* The offset glibc gives at t with TZ=America/New_York. */
static int
libc_offset(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	return (int)((sam_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400 +
	    tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec) - t);
}

/*
 * A zone (New York's unless named) read by tz.c vs glibc reading the
 * same file: every hour 1900-2100 and each transition, a second
 * before and after; for New York, sam_ny_to_utc() vs mktime() too.
 */
static int
cmd_tz_libc(const char *zone)
{
	char path[4096], tz[256], a[21];
	const char *why;
	struct sam_tz *z;
	int64_t t, n, d, checked = 0, bad = 0;
	int k;

	snprintf(path, sizeof path, "%s/%s", sam_tz_dir(), zone);
	snprintf(tz, sizeof tz, ":%s", zone);
	if (!(z = sam_tz_load(path, &why))) {
		fprintf(stderr, "unit: %s: %s\n", path, why);
		return 2;
	}
	if (setenv("TZ", tz, 1) < 0 || (strcmp(zone, SAM_NY_ZONE) == 0 && sam_nyse_init() != 0))
		return 2;
	tzset();
	for (t = TZ_FROM; t < TZ_TO; t += 3600, checked++)
		if (sam_tz_offset(z, t) != libc_offset(t) && bad++ < 10) {
			sam_format_ts(a, t);
			printf("offset at %s: %d, glibc %d\n", a, sam_tz_offset(z, t), libc_offset(t));
		}
	for (t = TZ_FROM; (n = sam_tz_next(z, t)) < TZ_TO; t = n)
		for (d = -1; d <= 1; d++, checked++)
			if (sam_tz_offset(z, n + d) != libc_offset(n + d) && bad++ < 10) {
				sam_format_ts(a, n + d);
				printf("offset at %s: %d, glibc %d\n", a, sam_tz_offset(z, n + d),
				    libc_offset(n + d));
			}
	/* wall-clock times to UTC: midnight, the open, the last slot */
	for (d = TZ_FROM / 86400; strcmp(zone, SAM_NY_ZONE) == 0 && d < TZ_TO / 86400; d++) {
		static const int minutes[] = { 0, 570, 990 };
		for (k = 0; k < 3; k++, checked++) {
			struct tm tm = { 0 };
			int y, m, dd;
			sam_civil_from_days(d, &y, &m, &dd);
			tm.tm_year = y - 1900, tm.tm_mon = m - 1, tm.tm_mday = dd;
			tm.tm_hour = minutes[k] / 60, tm.tm_min = minutes[k] % 60, tm.tm_isdst = -1;
			if ((int64_t)mktime(&tm) != sam_ny_to_utc(d, minutes[k]) && bad++ < 10) {
				sam_format_ts(a, sam_ny_to_utc(d, minutes[k]));
				printf("to UTC: %s, mktime %lld\n", a, (long long)mktime(&tm));
			}
		}
	}
	printf("%lld checked, %lld differ\n", (long long)checked, (long long)bad);
	sam_tz_free(z);
	return bad != 0;
}

static int
cmd_tz_next(const char *from, const char *to)
{
	struct sam_tz *z = tz_ny();
	int64_t t, end, n;
	char a[21];

	if (!z || sam_parse_ts(from, strlen(from), &t, NULL) < 0 ||
	    sam_parse_ts(to, strlen(to), &end, NULL) < 0)
		return 2;
	for (; (n = sam_tz_next(z, t)) < end; t = n) {
		sam_format_ts(a, n);
		printf("%s %+d\n", a, sam_tz_offset(z, n));
	}
	sam_tz_free(z);
	return 0;
}

/*
 * The zone file with bytes changed, cut or both, n times: tz.c either
 * refuses it or answers for any instant (ASan, UBSan watching).
 */
static int
cmd_tz_mangle(long n)
{
	static unsigned char orig[1 << 16], buf[1 << 16];
	FILE *fp = fopen(sam_ny_path(), "rb");
	size_t len, cut, k;
	long i, ok = 0;
	const char *why;
	struct sam_tz *z;
	int64_t t;

	if (!fp)
		return 2;
	len = fread(orig, 1, sizeof orig, fp);
	fclose(fp);
	for (i = 0; i < n; i++) {
		memcpy(buf, orig, len);
		cut = rnd() % 4 == 0 ? (size_t)(rnd() % (len + 1)) : len;
		for (k = rnd() % 4; k > 0 && cut > 0; k--)
			buf[rnd() % cut] = (unsigned char)rnd();
		if (!(z = sam_tz_parse(buf, cut, &why)))
			continue;
		ok++;
		for (k = 0; k < 20; k++) {
			t = (int64_t)(rnd() % ((uint64_t)1 << 42)) - ((int64_t)1 << 41);
			(void)sam_tz_offset(z, t);
			(void)sam_tz_next(z, t);
		}
		sam_tz_free(z);
	}
	printf("%ld mangled, %ld read\n", n, ok);
	return 0;
}

/* ns per call over hourly instants of 1990-2030, three ways. */
static int
cmd_tz_bench(long rounds)
{
	int64_t t, from = 631152000, to = 1893456000, t0;
	long r, calls = 0;
	long long sum = 0;
	double ns_tz, ns_oracle, ns_libc;

	if (sam_nyse_init() != 0)
		return 2;
	t0 = sam_mono_us();
	for (r = 0; r < rounds; r++)
		for (t = from; t < to; t += 3600, calls++)
			sum += sam_ny_offset(t);
	ns_tz = (double)(sam_mono_us() - t0) * 1000 / (double)calls;
	t0 = sam_mono_us();
	for (r = 0; r < rounds; r++)
		for (t = from; t < to; t += 3600)
			sum += oracle_offset(t);
	ns_oracle = (double)(sam_mono_us() - t0) * 1000 / (double)calls;
	setenv("TZ", ":" SAM_NY_ZONE, 1);
	tzset();
	t0 = sam_mono_us();
	for (r = 0; r < rounds; r++)
		for (t = from; t < to; t += 3600)
			sum += libc_offset(t);
	ns_libc = (double)(sam_mono_us() - t0) * 1000 / (double)calls;
	printf("ns per call: tzdata %.1f, rules in code %.1f, localtime_r %.1f (%lld)\n",
	    ns_tz, ns_oracle, ns_libc, sum);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";

	sam_log_init("unit");
	rng_state = argc > 4 ? strtoull(argv[argc - 1], NULL, 10) : 1;
	if (strcmp(c, "format") == 0)
		return cmd_format();
	if (strcmp(c, "roundtrip") == 0 && argc == 4)
		return rng_state = strtoull(argv[3], NULL, 10), cmd_roundtrip(atol(argv[2]));
	if (strcmp(c, "formatdiff") == 0 && argc == 4)
		return rng_state = strtoull(argv[3], NULL, 10), cmd_formatdiff(atol(argv[2]));
	if (strcmp(c, "parse") == 0 && argc == 4)
		return rng_state = strtoull(argv[3], NULL, 10), cmd_parse(atol(argv[2]));
	if (strcmp(c, "bound") == 0 && argc == 4)
		return rng_state = strtoull(argv[3], NULL, 10), cmd_bound(atol(argv[2]));
	if (strcmp(c, "parsesmall") == 0 && argc == 4)
		return rng_state = strtoull(argv[3], NULL, 10), cmd_parse_small(atol(argv[2]));
	if (strcmp(c, "duration") == 0)
		return cmd_duration();
	if (strcmp(c, "retry") == 0)
		return cmd_retry();
	if (strcmp(c, "jitter") == 0 && argc == 3)
		return cmd_jitter(atol(argv[2]));
	if (strcmp(c, "urlpart") == 0)
		return cmd_urlpart();
	if (strcmp(c, "utf8") == 0)
		return cmd_utf8();
	if (strcmp(c, "json") == 0)
		return cmd_json();
	if (strcmp(c, "edits") == 0)
		return cmd_edits();
	if (strcmp(c, "lines") == 0 && argc == 3)
		return cmd_lines(strtoul(argv[2], NULL, 10));
	if (strcmp(c, "roll") == 0 && argc == 6)
		return cmd_roll(argv[2], strtoul(argv[3], NULL, 10), atol(argv[4]));
	if (strcmp(c, "robust") == 0 && argc == 5)
		return cmd_robust(strtoul(argv[2], NULL, 10), atol(argv[3]));
	if (strcmp(c, "cal") == 0 && argc == 3)
		return cmd_cal(atoi(argv[2]));
	if (strcmp(c, "ny") == 0)
		return cmd_ny();
	if (strcmp(c, "tz-libc") == 0 && argc <= 3)
		return cmd_tz_libc(argc == 3 ? argv[2] : SAM_NY_ZONE);
	if (strcmp(c, "tz-oracle") == 0)
		return cmd_tz_oracle();
	if (strcmp(c, "tz-bench") == 0 && argc == 3)
		return cmd_tz_bench(atol(argv[2]));
	if (strcmp(c, "tz-mangle") == 0 && argc == 4)
		return rng_state = strtoull(argv[3], NULL, 10), cmd_tz_mangle(atol(argv[2]));
	if (strcmp(c, "tz-next") == 0 && argc == 4)
		return cmd_tz_next(argv[2], argv[3]);
	fprintf(stderr, "usage: see the comment at the top of test/unit.c\n");
	return 2;
}
