/*
 * time.c - civil dates, RFC 3339 timestamps and New York time.
 *
 * Dates are day numbers since 1970-01-01 in the proleptic Gregorian
 * calendar; instants are seconds since the epoch, UTC.  New York's
 * offset comes from the system's tzdata (tz.c reads the zone file), so
 * a change of the law reaches sam with the tzdata package; TZ, the
 * machine's own zone, plays no part.
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
 * New York's zone, read from tzdata the first time it is wanted.  A
 * tool calls sam_ny_init() (through sam_nyse_init()) before any work so
 * that a missing zone file is an error it reports; a caller that did
 * not gets the error logged once, and standard time, from then on.
 */
static struct sam_tz *ny_zone;
static int ny_failed;
static char ny_path[4096];

const char *
sam_ny_path(void)
{
	if (!ny_path[0])
		snprintf(ny_path, sizeof ny_path, "%s/%s", sam_tz_dir(), SAM_NY_ZONE);
	return ny_path;
}

int
sam_ny_init(void)
{
	const char *why;

	if (ny_zone || ny_failed)
		return ny_zone ? 0 : -1;
	if ((ny_zone = sam_tz_load(sam_ny_path(), &why)) == NULL) {
		ny_failed = 1;
		sam_log(SAM_FATAL, NULL, 0, "unable to read %s: %s (New York time "
		    "comes from tzdata: install it, or set TZDIR)", sam_ny_path(), why);
		return -1;
	}
	return 0;
}

int
sam_ny_offset(int64_t utc)
{
	if (!ny_zone && sam_ny_init() < 0)
		return -5 * 3600;
	return sam_tz_offset(ny_zone, utc);
}

/*
 * A New York wall-clock time to UTC.  Where the clock repeats an hour
 * (daylight time ending) it is the later instant, in the offset of
 * the hour after; where it skips one, the earlier offset's reading.
 * The offsets on either side are those 14 hours around, as no zone
 * changes twice in a day.
 */
int64_t
sam_ny_to_utc(int64_t days, int minute_of_day)
{
	int64_t local = days * 86400 + (int64_t)minute_of_day * 60;
	int before = sam_ny_offset(local - 14 * 3600);
	int after = sam_ny_offset(local + 14 * 3600);
	int lo = before < after ? before : after, hi = before < after ? after : before;
	int64_t utc = local - lo;

	if (lo != hi && sam_ny_offset(utc) != lo)
		utc = local - hi;
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
