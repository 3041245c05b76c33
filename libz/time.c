/*
 * time.c - civil dates, RFC 3339 timestamps and New York time.
 *
 * Dates are day numbers since 1970-01-01 in the proleptic Gregorian
 * calendar; instants are seconds since the epoch, UTC.  New York's
 * offset follows the US daylight-saving rules in code rather than the
 * system's zoneinfo, so results do not depend on TZ or on tzdata.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sam.h"

/* Day numbers from and to civil dates: the 400-year era method. */
int64_t
sam_days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
sam_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int
sam_weekday(int64_t days)
{
	int64_t w = (days + 4) % 7;	/* 1970-01-01 was a Thursday */

	return (int)(w < 0 ? w + 7 : w);
}

static int
days_in_month(int y, int m)
{
	static const int len[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 ? 28 + leap : len[m - 1];
}

int
sam_parse_digits(const char *s, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
sam_make_date(int y, int m, int d, int64_t *days)
{
	if (y < 0 || y > 9999 || m < 1 || m > 12 || d < 1 ||
	    d > days_in_month(y, m))
		return -1;
	*days = sam_days_from_civil(y, m, d);
	return 0;
}

int
sam_parse_date(const char *s, size_t len, int64_t *days)
{
	int y, m, d;

	if (len != 10 || s[4] != '-' || s[7] != '-' || sam_parse_digits(s, 4, &y) ||
	    sam_parse_digits(s + 5, 2, &m) || sam_parse_digits(s + 8, 2, &d))
		return -1;
	return sam_make_date(y, m, d, days);
}

int
sam_parse_ts(const char *s, size_t len, int64_t *secs, long *ns)
{
	int64_t days;
	int hh, mm, ss;
	long frac = 0;
	size_t i = 19;

	if (len < 20 || sam_parse_date(s, 10, &days) < 0 || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || sam_parse_digits(s + 11, 2, &hh) ||
	    sam_parse_digits(s + 14, 2, &mm) || sam_parse_digits(s + 17, 2, &ss) ||
	    hh > 23 || mm > 59 || ss > 59)
		return -1;
	if (s[i] == '.') {
		long scale = 100000000;
		size_t start = ++i;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (i - start == 9)
				return -1;
			frac += (s[i] - '0') * scale;
			scale /= 10;
		}
		if (i == start)
			return -1;
	}
	if (i + 1 != len || s[i] != 'Z')
		return -1;
	*secs = days * 86400 + hh * 3600 + mm * 60 + ss;
	if (ns)
		*ns = frac;
	return 0;
}

void
sam_format_date(char buf[11], int64_t days)
{
	int y, m, d;

	sam_civil_from_days(days, &y, &m, &d);
	buf[0] = (char)('0' + y / 1000 % 10);
	buf[1] = (char)('0' + y / 100 % 10);
	buf[2] = (char)('0' + y / 10 % 10);
	buf[3] = (char)('0' + y % 10);
	buf[4] = '-';
	buf[5] = (char)('0' + m / 10);
	buf[6] = (char)('0' + m % 10);
	buf[7] = '-';
	buf[8] = (char)('0' + d / 10);
	buf[9] = (char)('0' + d % 10);
	buf[10] = '\0';
}

void
sam_format_ts(char buf[21], int64_t secs)
{
	int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	int sod = (int)(secs - days * 86400);

	sam_format_date(buf, days);
	buf[10] = 'T';
	buf[11] = (char)('0' + sod / 36000);
	buf[12] = (char)('0' + sod / 3600 % 10);
	buf[13] = ':';
	buf[14] = (char)('0' + sod / 600 % 6);
	buf[15] = (char)('0' + sod / 60 % 10);
	buf[16] = ':';
	buf[17] = (char)('0' + sod % 60 / 10);
	buf[18] = (char)('0' + sod % 10);
	buf[19] = 'Z';
	buf[20] = '\0';
}

/* The n-th (1-based) weekday wd (0 = Sunday) of a month; the last if n is 0. */
int64_t
sam_nth_weekday(int y, int m, int wd, int n)
{
	int64_t first = sam_days_from_civil(y, m, 1), last;

	if (n > 0)
		return first + (wd - sam_weekday(first) + 7) % 7 + 7 * (n - 1);
	last = first + days_in_month(y, m) - 1;
	return last - (sam_weekday(last) - wd + 7) % 7;
}

/*
 * Daylight saving time in New York: since 2007 from the second Sunday
 * of March to the first Sunday of November; 1987-2006 from the first
 * Sunday of April; 1967-1986 from the last Sunday of April, both to the
 * last Sunday of October.  Clocks change at 02:00 local time.
 */
int
sam_ny_offset(int64_t utc)
{
	int64_t days = utc >= 0 ? utc / 86400 : -((-utc + 86399) / 86400);
	int y, m, d;
	int64_t start, end;

	sam_civil_from_days(days, &y, &m, &d);
	if (y >= 2007) {
		start = sam_nth_weekday(y, 3, 0, 2);
		end = sam_nth_weekday(y, 11, 0, 1);
	} else if (y >= 1987) {
		start = sam_nth_weekday(y, 4, 0, 1);
		end = sam_nth_weekday(y, 10, 0, 0);
	} else if (y >= 1967) {
		start = sam_nth_weekday(y, 4, 0, 0);
		end = sam_nth_weekday(y, 10, 0, 0);
	} else {
		return -5 * 3600;
	}
	/* 02:00 EST = 07:00 UTC; 02:00 EDT = 06:00 UTC */
	if (utc >= start * 86400 + 7 * 3600 && utc < end * 86400 + 6 * 3600)
		return -4 * 3600;
	return -5 * 3600;
}

int64_t
sam_ny_to_utc(int64_t days, int minute_of_day)
{
	int64_t local = days * 86400 + (int64_t)minute_of_day * 60;
	int64_t utc = local + 5 * 3600;

	if (sam_ny_offset(utc) == -4 * 3600)
		utc = local + 4 * 3600;
	return utc;
}

int64_t
sam_ny_date(int64_t utc)
{
	int64_t local = utc + sam_ny_offset(utc);

	return local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
}

/*
 * The current time; SAM_NOW (an RFC 3339 UTC instant) stands in for
 * the clock, so tests and replays of a past day are reproducible.
 */
int64_t
sam_now(void)
{
	const char *env = getenv("SAM_NOW");
	int64_t t;

	if (env && *env && sam_parse_ts(env, strlen(env), &t, NULL) == 0)
		return t;
	return (int64_t)time(NULL);
}

int64_t
sam_mono_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

int64_t
sam_mono_ms(void)
{
	return sam_mono_us() / 1000;
}
