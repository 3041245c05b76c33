/*
 * nyse.c - the NYSE trading calendar.
 *
 * Regular session 09:30-16:00 New York time, Monday to Friday, except
 * the ten holidays of NYSE Rule 7.2 and the days the exchange closed
 * for events.  A holiday on a Saturday is observed on the Friday
 * before, on a Sunday the Monday after; New Year's Day on a Saturday is
 * not observed at all (the Friday closes a year's books).  Early closes
 * at 13:00: the day before Independence Day when it falls on Monday to
 * Thursday, the day after Thanksgiving, and Christmas Eve on Monday to
 * Thursday.  Closures the rules cannot know of (a day of mourning to
 * come, a storm) are read from a file: see sam_nyse_init().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sam.h"

enum { SUN = 0, MON = 1, THU = 4, SAT = 6 };

/* Closures outside the rules: national days of mourning, 9/11, Sandy. */
static const struct {
	int y, m, d;
	const char *name;
} closures[] = {
	{ 1994, 4, 27, "National Day of Mourning (Nixon)" },
	{ 2001, 9, 11, "September 11 attacks" },
	{ 2001, 9, 12, "September 11 attacks" },
	{ 2001, 9, 13, "September 11 attacks" },
	{ 2001, 9, 14, "September 11 attacks" },
	{ 2004, 6, 11, "National Day of Mourning (Reagan)" },
	{ 2007, 1, 2, "National Day of Mourning (Ford)" },
	{ 2012, 10, 29, "Hurricane Sandy" },
	{ 2012, 10, 30, "Hurricane Sandy" },
	{ 2018, 12, 5, "National Day of Mourning (G. H. W. Bush)" },
	{ 2025, 1, 9, "National Day of Mourning (Carter)" },
};

/* Closures from the file, in its order; few enough for a linear scan. */
static struct extra {
	int64_t day;
	char *name;
} *extra;
static size_t nextra;
static int extra_state;		/* 0 not read yet, 1 read, -1 failed */

#define REASON_MAX 100		/* bytes, as reason_error() says */

/* What is wrong with a reason, if anything; *at is the 0-based byte it
 * is at, or -1 when it is the whole. */
static const char *
reason_error(const char *s, long *at)
{
	size_t len = strlen(s), i, bad;

	*at = -1;
	if (len > REASON_MAX)
		return "a reason longer than 100 bytes";
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return *at = (long)i, "a control character in the reason";
	if (!sam_valid_utf8(s, len, &bad))
		return *at = (long)bad, "invalid UTF-8 in the reason";
	return NULL;
}

/* One line of the closures file; 0 if it holds nothing, -1 if bad. */
static int
closure_line(const char *path, unsigned long n, char *line, size_t len)
{
	char *p, *end, *name, shown[SAM_QUOTE_MAX], named[64 + 4096];
	const char *why;
	int64_t day;
	struct extra *grown;
	size_t tok;
	long at;
	int y, m, d;

	if (memchr(line, '\0', len))
		return sam_log(SAM_ERROR, path, n, "a NUL byte"), -1;
	if ((p = strchr(line, '#')))
		*p = '\0';
	for (p = line; *p == ' ' || *p == '\t'; p++)
		;
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' ||
	    end[-1] == '\n'))
		*--end = '\0';
	if (p == end)
		return 0;
	tok = strcspn(p, " \t");
	if (tok != 10 || p[4] != '-' || p[7] != '-' || sam_parse_digits(p, 4, &y) ||
	    sam_parse_digits(p + 5, 2, &m) || sam_parse_digits(p + 8, 2, &d))
		return sam_log(SAM_ERROR, path, n, "expected YYYY-MM-DD and a reason, "
		    "if any: %s", sam_quote(shown, sizeof shown, p, tok)), -1;
	if (sam_make_date(y, m, d, &day) < 0)
		return sam_log(SAM_ERROR, path, n, "no such date: %.10s", p), -1;
	for (name = p + 10; *name == ' ' || *name == '\t'; name++)
		;
	if ((why = reason_error(name, &at)) && at < 0)
		return sam_log(SAM_ERROR, path, n, "%s", why), -1;
	if (why)
		return sam_log(SAM_ERROR, path, n, "%s, at byte %ld", why,
		    (long)(name - line) + at + 1), -1;
	if (!(grown = realloc(extra, (nextra + 1) * sizeof *extra)))
		return sam_fatal_errno("read %s", path), -1;
	extra = grown;
	if (!*name) {
		snprintf(named, sizeof named, "listed in %s", path);
		name = named;
	}
	if (!(extra[nextra].name = strdup(name)))
		return sam_fatal_errno("read %s", path), -1;
	extra[nextra++].day = day;
	return 1;
}

/*
 * The extra closures: SAM_CLOSURES_FILE, which must then be there, else
 * SAM_CLOSURES_DEFAULT if it is.  Every bad line is reported.
 */
static int
closures_read(void)
{
	const char *env = getenv("SAM_CLOSURES_FILE"), *path;
	struct sam_lines lines;
	char *line;
	size_t len;
	int bad = 0, given, r;

	if (extra_state)
		return extra_state < 0 ? -1 : 0;
	extra_state = -1;
	given = env && *env;
	path = given ? env : SAM_CLOSURES_DEFAULT;
	/* a file named -, not standard input, which is the tools' data */
	if (sam_lines_open(&lines, strcmp(path, "-") ? path : "./-", 8192) < 0) {
		if (errno == ENOENT && !given)
			return extra_state = 1, 0;
		sam_fatal_errno("read %s%s", path, given ? " (SAM_CLOSURES_FILE)" : "");
		return -1;
	}
	while ((r = sam_lines_next(&lines, &line, &len)) != SAM_LINE_EOF) {
		if (r == SAM_LINE_ERROR) {
			sam_fatal_errno("read %s", path);
			bad = 1;
			break;
		}
		if (r == SAM_LINE_LONG)
			bad = 1, sam_log(SAM_ERROR, path, lines.lineno, "line too long");
		else if (closure_line(path, lines.lineno, line, len) < 0)
			bad = 1;
	}
	sam_lines_close(&lines);
	if (bad)
		return -1;
	return extra_state = 1, 0;
}

int
sam_nyse_init(void)
{
	int zone = sam_ny_init(), file = closures_read();

	return zone < 0 || file < 0 ? SAM_EXIT_USAGE : 0;
}

/* Easter Sunday (Gregorian), by the anonymous algorithm of 1876. */
static int64_t
easter(int y)
{
	int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
	int f = (b + 8) / 25, g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;
	int month = (h + l - 7 * m + 114) / 31;
	int day = (h + l - 7 * m + 114) % 31 + 1;

	return sam_days_from_civil(y, month, day);
}

/* A fixed-date holiday moved off the weekend. */
static int64_t
observed(int y, int m, int d)
{
	int64_t t = sam_days_from_civil(y, m, d);
	int wd = sam_weekday(t);

	return wd == SAT ? t - 1 : wd == SUN ? t + 1 : t;
}

static const char *
holiday(int64_t days, int y, int m, int d)
{
	size_t i;

	if (m == 1 && d <= 2) {
		int jan1 = sam_weekday(days - (d - 1));
		if ((d == 1 && jan1 != SAT && jan1 != SUN) || (d == 2 && jan1 == SUN))
			return "New Year's Day";
	}
	if (y >= 1998 && days == sam_nth_weekday(y, 1, MON, 3))
		return "Martin Luther King, Jr. Day";
	if (days == sam_nth_weekday(y, 2, MON, 3))
		return "Washington's Birthday";
	if (days == easter(y) - 2)
		return "Good Friday";
	if (days == sam_nth_weekday(y, 5, MON, 0))
		return "Memorial Day";
	if (y >= 2022 && days == observed(y, 6, 19))
		return "Juneteenth National Independence Day";
	if (days == observed(y, 7, 4))
		return "Independence Day";
	if (days == sam_nth_weekday(y, 9, MON, 1))
		return "Labor Day";
	if (days == sam_nth_weekday(y, 11, THU, 4))
		return "Thanksgiving Day";
	if (days == observed(y, 12, 25))
		return "Christmas Day";
	for (i = 0; i < sizeof closures / sizeof closures[0]; i++)
		if (closures[i].y == y && closures[i].m == m && closures[i].d == d)
			return closures[i].name;
	if (extra_state == 0)
		closures_read();
	for (i = 0; i < nextra; i++)
		if (extra[i].day == days)
			return extra[i].name;
	return NULL;
}

static int
early_close(int64_t days, int y, int m, int d)
{
	int wd = sam_weekday(days);

	if (m == 7 && d == 3 && wd >= MON && wd <= THU)
		return 1;
	if (m == 12 && d == 24 && wd >= MON && wd <= THU)
		return 1;
	return m == 11 && days == sam_nth_weekday(y, 11, THU, 4) + 1;
}

int
sam_nyse_close(int64_t days, const char **name)
{
	int y, m, d, wd = sam_weekday(days);
	const char *h;

	if (name)
		*name = NULL;
	if (wd == SAT || wd == SUN)
		return 0;
	sam_civil_from_days(days, &y, &m, &d);
	if ((h = holiday(days, y, m, d)) != NULL) {
		if (name)
			*name = h;
		return 0;
	}
	return early_close(days, y, m, d) ? 13 * 60 : 16 * 60;
}

int
sam_nyse_is_open(int64_t days)
{
	return sam_nyse_close(days, NULL) != 0;
}

int64_t
sam_nyse_prev(int64_t days)
{
	while (!sam_nyse_is_open(days))
		days--;
	return days;
}

int64_t
sam_nyse_next(int64_t days)
{
	while (!sam_nyse_is_open(days))
		days++;
	return days;
}

/*
 * The hourly job's run slots on a trading day, in minutes of the New
 * York day: 09:30, 10:30, ... while the session is open, then one slot
 * 30 minutes after the close for the final bar.  Returns how many were
 * written to slot[] (at most SAM_NYSE_SLOTS_MAX); 0 when closed.
 */
int
sam_nyse_slots(int64_t days, int slot[SAM_NYSE_SLOTS_MAX])
{
	int close = sam_nyse_close(days, NULL), m, n = 0;

	if (close == 0)
		return 0;
	for (m = SAM_NYSE_OPEN_MINUTE; m < close; m += 60)
		slot[n++] = m;
	slot[n++] = close + 30;
	return n;
}

int64_t
sam_nyse_next_slot(int64_t utc)
{
	int slot[SAM_NYSE_SLOTS_MAX], i, n;
	int64_t days, t;

	for (days = sam_ny_date(utc); ; days++)
		for (n = sam_nyse_slots(days, slot), i = 0; i < n; i++)
			if ((t = sam_ny_to_utc(days, slot[i])) > utc)
				return t;
}

int64_t
sam_nyse_prev_slot(int64_t utc)
{
	int slot[SAM_NYSE_SLOTS_MAX], i, n;
	int64_t days, t;

	for (days = sam_ny_date(utc); ; days--)
		for (n = sam_nyse_slots(days, slot), i = n - 1; i >= 0; i--)
			if ((t = sam_ny_to_utc(days, slot[i])) <= utc)
				return t;
}

static const char *const weekday_names[7] = { "Sunday", "Monday", "Tuesday",
    "Wednesday", "Thursday", "Friday", "Saturday" };

/*
 * Whether the hourly job is due at utc: a run slot began no more than
 * window minutes before.  why gets the reason, in words.
 */
int
sam_nyse_due(int64_t utc, int window, char *why, size_t size)
{
	int slot[SAM_NYSE_SLOTS_MAX], n, i, close, minute;
	int64_t days = sam_ny_date(utc), local = utc + sam_ny_offset(utc);
	const char *holiday_name;

	minute = (int)((local - days * 86400) / 60);
	if ((close = sam_nyse_close(days, &holiday_name)) == 0) {
		if (holiday_name)
			snprintf(why, size, "the exchange is closed: %s", holiday_name);
		else
			snprintf(why, size, "the exchange is closed: %s",
			    weekday_names[sam_weekday(days)]);
		return 0;
	}
	n = sam_nyse_slots(days, slot);
	for (i = n - 1; i >= 0 && slot[i] > minute; i--)
		;
	if (i >= 0 && minute - slot[i] < window) {
		if (i < n - 1)
			snprintf(why, size, "run slot %02d:%02d", slot[i] / 60, slot[i] % 60);
		else if (close == 16 * 60)
			snprintf(why, size, "run slot %02d:%02d, 30 minutes after the close",
			    slot[i] / 60, slot[i] % 60);
		else
			snprintf(why, size, "run slot %02d:%02d, 30 minutes after the "
			    "%02d:%02d early close", slot[i] / 60, slot[i] % 60,
			    close / 60, close % 60);
		return 1;
	}
	if (i < 0)
		snprintf(why, size, "before the first run slot, %02d:%02d",
		    slot[0] / 60, slot[0] % 60);
	else if (i == n - 1)
		snprintf(why, size, "after the last run slot, %02d:%02d",
		    slot[i] / 60, slot[i] % 60);
	else
		snprintf(why, size, "between run slots: the next is %02d:%02d",
		    slot[i + 1] / 60, slot[i + 1] % 60);
	return 0;
}
