/*
 * fuzz-num.c - numbers in and out (num.c).
 *
 * Properties:
 *   - sam_parse_number accepts exactly the JSON number grammar (lax: also
 *     a leading '+', leading zeros and ".5"), and what it reads is the
 *     double strtod reads, bit for bit, or -2 where that is infinite;
 *   - sam_format_double of any double (the input's first 8 bytes, and
 *     each number read) writes a JSON number that reads back as the same
 *     double, in 17 significant digits at most, and never NaN or an
 *     infinity ("null" for those);
 *   - sam_parse_ulong and sam_parse_duration stay within their bounds.
 */
#include <math.h>

#include "fuzz.h"

static int
digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The grammar, written out again: 1 if s[0..len) is a number. */
static int
grammar(const char *s, size_t len, int lax)
{
	size_t i = 0, a, intdigits, frac = 0;

	if (i < len && (s[i] == '-' || (lax && s[i] == '+')))
		i++;
	for (a = i; i < len && digit(s[i]); i++)
		;
	intdigits = i - a;
	if (!lax && intdigits > 1 && s[a] == '0')
		return 0;
	if (i < len && s[i] == '.') {
		size_t b = ++i;
		for (; i < len && digit(s[i]); i++)
			;
		if ((frac = i - b) == 0)
			return 0;
	}
	if (intdigits == 0 && !(lax && frac))
		return 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t c;
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		for (c = i; i < len && digit(s[i]); i++)
			;
		if (i == c)
			return 0;
	}
	return i == len;
}

/* Significant digits of a number's text. */
static int
sig_digits(const char *s)
{
	int n = 0, zeros = 0, started = 0;

	for (; *s && *s != 'e' && *s != 'E'; s++) {
		if (!digit(*s))
			continue;
		if (*s == '0' && !started)
			continue;
		started = 1;
		if (*s == '0') {
			zeros++;
		} else {
			n += zeros + 1;
			zeros = 0;
		}
	}
	return n ? n : 1;
}

static void
check_format(double d)
{
	char buf[SAM_NUM_MAX + 8];
	size_t n;
	double back;

	memset(buf, 'X', sizeof buf);
	n = sam_format_double(buf, d);
	fuzz_assert(n < SAM_NUM_MAX && buf[n] == '\0' && strlen(buf) == n);
	if (!isfinite(d)) {
		fuzz_assert(strcmp(buf, "null") == 0);
		return;
	}
	if (!grammar(buf, n, 0))
		fuzz_fail("%a formatted as %s, not a JSON number", d, buf);
	if (sam_parse_number(buf, n, 0, &back) != 0 || memcmp(&back, &d, sizeof d) != 0)
		fuzz_fail("%a formatted as %s does not read back", d, buf);
	/* Grisu2 is not always shortest (it keeps strictly inside the
	 * rounding interval: 90407199254740992 is written in 16 digits
	 * where 9.0407199254741e16, on the edge, reads back too), but 17
	 * digits always do */
	if (sig_digits(buf) > 17)
		fuzz_fail("%a formatted as %s, %d digits", d, buf, sig_digits(buf));
}

static void
check_parse(const char *s, size_t len, int lax)
{
	double d = 0, ref;
	int r = sam_parse_number(s, len, lax, &d), g = grammar(s, len, lax);

	fuzz_assert(r == 0 || r == -1 || r == -2);
	if ((r != -1) != g)
		fuzz_fail("%s text \"%.*s\": parse %d, grammar %d", lax ? "lax" : "strict",
		    (int)len, s, r, g);
	if (r == -1)
		return;
	ref = strtod(s, NULL);
	if (r == -2) {
		fuzz_assert(isinf(ref));
		return;
	}
	if (memcmp(&ref, &d, sizeof d) != 0)
		fuzz_fail("\"%.*s\" read as %a, strtod reads %a", (int)len, s, d, ref);
	check_format(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	unsigned long v;

	check_parse(s, size, 0);
	check_parse(s, size, 1);
	if (size >= 8) {
		double d;
		memcpy(&d, data, sizeof d);
		check_format(d);
	}
	if (sam_parse_ulong(s, 5, 1000000, &v) == 0)
		fuzz_assert(v >= 5 && v <= 1000000);
	if (sam_parse_ulong(s, 0, (unsigned long)-1, &v) == 0)
		fuzz_assert(v == strtoul(s, NULL, 10) && strspn(s, "0123456789") == strlen(s));
	if (sam_parse_duration(s, &v) == 0)
		fuzz_assert(v <= 3650UL * 86400);
	free(s);
	return 0;
}
