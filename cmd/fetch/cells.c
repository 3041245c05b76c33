/*
 * cells.c - the values of CSV cells: dates, times and numbers as
 * people and spreadsheets write them.  Pure functions; csv.c words the
 * messages.
 */
#include <string.h>

#include "fetch.h"

/* Leading digits (1 to max of them); returns how many, 0 if none. */
static int
number_prefix(const char *s, int max, int *out)
{
	int n = 0;

	while (n < max && s[n] >= '0' && s[n] <= '9')
		n++;
	if (n == 0 || sam_parse_digits(s, n, out) < 0)
		return 0;
	return n;
}

/* 2018-10-15, 2018/10/15, 10/15/2018 or 20181015; returns the length. */
int
cell_day(const char *s, int64_t *days)
{
	int y = 0, m = 0, d = 0, n, k, j;

	if ((n = number_prefix(s, 8, &y)) == 8) {
		m = y / 100 % 100;
		d = y % 100;
		y /= 10000;
	} else if (n == 4 && (s[4] == '-' || s[4] == '/') &&
	    (k = number_prefix(s + 5, 2, &m)) && s[5 + k] == s[4] &&
	    (j = number_prefix(s + 6 + k, 2, &d))) {
		n = 6 + k + j;			/* year first */
	} else if ((n == 1 || n == 2) && s[n] == '/' &&
	    (k = number_prefix(s + n + 1, 2, &d)) && s[n + 1 + k] == '/' &&
	    number_prefix(s + n + 2 + k, 4, &y) == 4) {
		number_prefix(s, n, &m);	/* US: month/day/year */
		n += 2 + k + 4;
	} else {
		return 0;
	}
	if (y < 1800 || y > 2200)
		return 0;
	return sam_make_date(y, m, d, days) == 0 ? n : 0;
}

/* [T ]HH:MM[:SS[.fff]] then Z, +HH:MM, -HHMM or nothing.  Returns the
 * length (0 when there is no time, -1 when it is malformed), *secs the
 * time of day, *zone the offset and *has_zone whether there was one. */
int
cell_time(const char *s, int *secs, long *zone, int *has_zone)
{
	int hh, mm, ss = 0, n = 0, zh, zm;

	if (s[0] != 'T' && s[0] != ' ')
		return 0;
	n = 1;
	if (sam_parse_digits(s + n, 2, &hh) < 0 || s[n + 2] != ':' ||
	    sam_parse_digits(s + n + 3, 2, &mm) < 0)
		return -1;
	n += 5;
	if (s[n] == ':') {
		if (sam_parse_digits(s + n + 1, 2, &ss) < 0)
			return -1;
		n += 3;
		if (s[n] == '.')
			for (n++; s[n] >= '0' && s[n] <= '9'; n++)
				;
	}
	if (hh > 23 || mm > 59 || ss > 59)
		return -1;
	*secs = hh * 3600 + mm * 60 + ss;
	*has_zone = 0;
	if (s[n] == 'Z') {
		*zone = 0;
		*has_zone = 1;
		n++;
	} else if ((s[n] == '+' || s[n] == '-') && sam_parse_digits(s + n + 1, 2, &zh) == 0) {
		int k = s[n + 3] == ':' ? 4 : 3;
		if (sam_parse_digits(s + n + k, 2, &zm) < 0)
			return -1;
		*zone = (s[n] == '-' ? -1 : 1) * (zh * 3600L + zm * 60L);
		*has_zone = 1;
		n += k + 2;
	}
	return n;
}

/* A date cell: the bar's trading date and start.  Daily bars start at
 * 09:30 New York time on the date the cell names, whatever time of day
 * (and zone) it adds: a daily bar stamped at midnight UTC is that day's
 * bar, not the previous evening's in New York. */
int
cell_when(const char *raw, int minutes, int64_t *date, int64_t *ts)
{
	int n, secs = -1, has_zone = 0, k;
	long zone = 0;
	int64_t day, local;

	if (!(n = cell_day(raw, &day)))
		return CELL_BAD;
	if ((k = cell_time(raw + n, &secs, &zone, &has_zone)) < 0 ||
	    raw[n + k] != '\0')
		return CELL_BAD;
	if (k == 0 && minutes)
		return CELL_NO_TIME;
	if (minutes == 0) {
		*date = day;
		*ts = sam_ny_to_utc(day, SAM_NYSE_OPEN_MINUTE);
		return 0;
	}
	local = day * 86400 + secs;
	if (has_zone)
		*ts = local - zone;
	else
		*ts = sam_ny_to_utc(day, secs / 60) + secs % 60;
	*date = sam_ny_date(*ts);
	return 0;
}

/* -1,234,567.89: digits in groups of three between the commas. */
static int
has_thousands(const char *s, size_t len)
{
	size_t i = 0, run = 0, groups = 0;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	for (; i < len && s[i] != '.'; i++) {
		if (s[i] == ',') {
			if (run == 0 || run > 3 || (groups && run != 3))
				return 0;
			groups++;
			run = 0;
		} else if (s[i] >= '0' && s[i] <= '9') {
			run++;
		} else {
			return 0;
		}
	}
	return groups > 0 && run == 3;
}

/* A number with thousands separators allowed; s has no blanks around it. */
int
cell_number(const char *s, size_t len, double *out)
{
	char buf[64];
	size_t n = 0, i;
	int sep = has_thousands(s, len);

	for (i = 0; i < len && n < sizeof buf; i++)
		if (!(sep && s[i] == ','))
			buf[n++] = s[i];
	if (i < len)
		return -1;
	return sam_parse_number(buf, n, 1, out) == 0 ? 0 : -1;
}
