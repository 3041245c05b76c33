/*
 * tz.c - time zones read from the system's tzdata (TZif, RFC 8536).
 *
 * The zone file is read once, by this code, rather than through TZ and
 * localtime_r(): setenv("TZ") would change the zone of every other
 * localtime() user in the process, and glibc's mktime() stats the zone
 * file on each call.  A zone holds its transitions (UTC instants, each
 * with the UTC offset that starts there) and the POSIX TZ rule of its
 * footer, which says what happens after the last transition (2037 in
 * a "fat" file, 2007 in a "slim" one).  Lookups keep the interval of
 * the last answer, so a run of bars in one season costs a comparison.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sam.h"

#define TZ_FILE_MAX (1 << 20)	/* bytes: America/New_York has 3552 */
#define TZ_OFFSET_MAX (26 * 3600)
#define RULE_T_MAX ((int64_t)1 << 40)	/* seconds: some 35,000 years */

struct tz_rule {		/* the POSIX TZ footer */
	int has_dst;
	int32_t std, dst;	/* UTC offsets, seconds east */
	char kind[2];		/* 'J', 'n' (zero-based day) or 'M' */
	int mon[2], week[2], day[2];
	int32_t at[2];		/* seconds after local midnight */
};

struct sam_tz {
	int64_t *when;		/* transitions, ascending */
	int32_t *off;		/* the offset from when[i] on */
	size_t n;
	int32_t first;		/* the offset before when[0] */
	int has_rule;		/* a footer rule after when[n - 1] */
	struct tz_rule rule;
	int64_t lo, hi;		/* the last answer's interval [lo, hi) */
	int32_t cached;
};

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* ---- the footer: std offset [dst [offset] ,start[/time],end[/time]] ---- */

static const char *
rule_name(const char *s)
{
	const char *start = s;

	if (*s == '<') {
		while (*++s && *s != '>')
			;
		return *s == '>' && s - start >= 4 ? s + 1 : NULL;
	}
	while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
		s++;
	return s - start >= 3 ? s : NULL;
}

/* [+-]hh[:mm[:ss]], hh up to max; seconds in *out. */
static const char *
rule_hms(const char *s, int max, int32_t *out)
{
	int sign = 1, v[3] = { 0, 0, 0 }, i;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	for (i = 0; i < 3; i++) {
		if (i > 0 && *s != ':')
			break;
		s += i > 0;
		if (*s < '0' || *s > '9')
			return NULL;
		v[i] = *s++ - '0';
		if (*s >= '0' && *s <= '9')
			v[i] = v[i] * 10 + *s++ - '0';
		if (i == 0 && max > 99 && *s >= '0' && *s <= '9')
			v[i] = v[i] * 10 + *s++ - '0';
	}
	if (v[0] > max || v[1] > 59 || v[2] > 59)
		return NULL;
	*out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
	return s;
}

static const char *
rule_date(const char *s, struct tz_rule *r, int k)
{
	char *end;
	long a, b, c;

	r->at[k] = 2 * 3600;
	if (*s == 'M') {
		a = strtol(s + 1, &end, 10);
		if (*end != '.' || a < 1 || a > 12)
			return NULL;
		b = strtol(end + 1, &end, 10);
		if (*end != '.' || b < 1 || b > 5)
			return NULL;
		c = strtol(end + 1, &end, 10);
		if (c < 0 || c > 6)
			return NULL;
		r->kind[k] = 'M', r->mon[k] = (int)a, r->week[k] = (int)b, r->day[k] = (int)c;
	} else {
		int julian = *s == 'J';
		if ((s[julian] < '0' || s[julian] > '9'))
			return NULL;
		a = strtol(s + julian, &end, 10);
		if (a < julian || a > 365)
			return NULL;
		r->kind[k] = julian ? 'J' : 'n', r->day[k] = (int)a;
	}
	if (*end == '/' && !(end = (char *)rule_hms(end + 1, 167, &r->at[k])))
		return NULL;
	return end;
}

static int
rule_parse(const char *s, struct tz_rule *r)
{
	int32_t west;

	memset(r, 0, sizeof *r);
	if (!(s = rule_name(s)) || !(s = rule_hms(s, 24, &west)))
		return -1;
	r->std = r->dst = -west;
	if (*s == '\0')
		return 0;
	if (!(s = rule_name(s)))
		return -1;
	r->has_dst = 1;
	r->dst = r->std + 3600;
	if (*s != ',' && *s != '\0') {
		if (!(s = rule_hms(s, 24, &west)))
			return -1;
		r->dst = -west;
	}
	/* zic always writes the rule; POSIX leaves a missing one to the system */
	if (*s != ',' || !(s = rule_date(s + 1, r, 0)) || *s != ',' ||
	    !(s = rule_date(s + 1, r, 1)) || *s != '\0')
		return -1;
	return 0;
}

/* The day, in days since the epoch, a rule date falls on in year y. */
static int64_t
rule_day(const struct tz_rule *r, int k, int y)
{
	int64_t jan1 = sam_days_from_civil(y, 1, 1);
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	switch (r->kind[k]) {
	case 'J':
		return jan1 + r->day[k] - 1 + (leap && r->day[k] >= 60);
	case 'n':
		return jan1 + r->day[k];
	default:
		return sam_nth_weekday(y, r->mon[k], r->day[k], r->week[k] == 5 ? 0 : r->week[k]);
	}
}

/*
 * The offset the footer gives at t, and the interval of it around t:
 * the transitions of the years before, of and after t's, in order.
 */
static int32_t
rule_offset(const struct tz_rule *r, int64_t t, int64_t *lo, int64_t *hi)
{
	int64_t when[6], tmp, days = (t + r->std) / 86400 - ((t + r->std) % 86400 < 0);
	int32_t off[6], itmp, cur;
	int y, m, d, i, j, n = 0;

	*lo = INT64_MIN, *hi = INT64_MAX;
	if (!r->has_dst)
		return r->std;
	if (t < -RULE_T_MAX || t > RULE_T_MAX) {	/* past any year we name */
		if (t > 0)
			*lo = RULE_T_MAX + 1;
		else
			*hi = -RULE_T_MAX;
		return r->std;
	}
	sam_civil_from_days(days, &y, &m, &d);
	for (i = y - 1; i <= y + 1; i++) {
		/* DST starts at a standard time and ends at a daylight time */
		when[n] = rule_day(r, 0, i) * 86400 + r->at[0] - r->std;
		off[n++] = r->dst;
		when[n] = rule_day(r, 1, i) * 86400 + r->at[1] - r->dst;
		off[n++] = r->std;
	}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && when[j - 1] > when[j]; j--) {
			tmp = when[j], when[j] = when[j - 1], when[j - 1] = tmp;
			itmp = off[j], off[j] = off[j - 1], off[j - 1] = itmp;
		}
	cur = off[n - 1];	/* before the first: the year before's last */
	for (i = 0; i < n && when[i] <= t; i++)
		cur = off[i], *lo = when[i];
	if (i < n)
		*hi = when[i];
	return cur;
}

/* ---- the TZif file ---- */

struct tzif_counts {
	uint32_t isut, isstd, leap, time, type, chars;
};

static void
tzif_counts(const unsigned char *h, struct tzif_counts *c)
{
	c->isut = be32(h + 20), c->isstd = be32(h + 24), c->leap = be32(h + 28);
	c->time = be32(h + 32), c->type = be32(h + 36), c->chars = be32(h + 40);
}

/* Bytes of a data block after its header, for times of tsize bytes. */
static size_t
tzif_block(const struct tzif_counts *c, size_t tsize)
{
	return c->time * (tsize + 1) + c->type * 6 + c->chars +
	    c->leap * (tsize + 4) + c->isstd + c->isut;
}

/* The header's counts within bounds, and their block within the file. */
static int
tzif_sane(const struct tzif_counts *c, size_t tsize, size_t len)
{
	return c->time <= 100000 && c->type <= 256 && c->chars <= 1000 &&
	    c->leap <= 1000 && c->isstd <= 256 && c->isut <= 256 &&
	    44 + tzif_block(c, tsize) <= len;
}

static const char *
tzif_parse(struct sam_tz *z, const unsigned char *p, size_t len)
{
	struct tzif_counts c;
	const unsigned char *times, *idx, *types;
	size_t tsize = 4, i;
	const char *footer;

	if (len < 4 || memcmp(p, "TZif", 4) != 0)
		return "not a TZif file";
	if (len < 44)
		return "truncated or damaged";
	tzif_counts(p, &c);
	if (!tzif_sane(&c, 4, len))
		return "truncated or damaged";
	if (p[4] >= '2') {	/* skip the 32-bit data: the 64-bit follows */
		p += 44 + tzif_block(&c, 4), len -= 44 + tzif_block(&c, 4);
		if (len < 44 || memcmp(p, "TZif", 4) != 0)
			return "truncated or damaged";
		tzif_counts(p, &c);
		tsize = 8;
		if (!tzif_sane(&c, 8, len))
			return "truncated or damaged";
	}
	if (c.leap != 0)
		return "counts leap seconds (a right/ zone): not supported";
	if (c.type == 0)
		return "no local time types";
	times = p + 44, idx = times + c.time * tsize, types = idx + c.time;
	for (i = 0; i < c.type; i++) {
		int32_t off = (int32_t)be32(types + 6 * i);
		if (off < -TZ_OFFSET_MAX || off > TZ_OFFSET_MAX)
			return "a UTC offset out of range";
	}
	z->first = (int32_t)be32(types);
	if (c.time && (!(z->when = malloc(c.time * sizeof *z->when)) ||
	    !(z->off = malloc(c.time * sizeof *z->off))))
		return strerror(ENOMEM);
	for (i = 0; i < c.time; i++) {
		z->when[i] = tsize == 8 ? be64(times + 8 * i) : (int32_t)be32(times + 4 * i);
		if (idx[i] >= c.type || (i > 0 && z->when[i] <= z->when[i - 1]))
			return "truncated or damaged";
		z->off[i] = (int32_t)be32(types + 6 * idx[i]);
	}
	z->n = c.time;
	footer = (const char *)p + 44 + tzif_block(&c, tsize);
	len -= 44 + tzif_block(&c, tsize);
	if (tsize == 8 && len > 2 && footer[0] == '\n' && footer[1] != '\n') {
		char rule[128];
		const char *nl = memchr(footer + 1, '\n', len - 1);
		if (!nl || (size_t)(nl - footer - 1) >= sizeof rule)
			return "a damaged TZ rule at its end";
		memcpy(rule, footer + 1, (size_t)(nl - footer - 1));
		rule[nl - footer - 1] = '\0';
		if (rule_parse(rule, &z->rule) < 0)
			return "a TZ rule at its end that this reader does not know";
		z->has_rule = 1;
	}
	z->lo = 1, z->hi = 0;	/* nothing cached */
	return NULL;
}

struct sam_tz *
sam_tz_parse(const void *data, size_t len, const char **why)
{
	struct sam_tz *z = calloc(1, sizeof *z);

	if (!z) {
		*why = strerror(ENOMEM);
		return NULL;
	}
	if ((*why = tzif_parse(z, data, len)) != NULL) {
		sam_tz_free(z);
		return NULL;
	}
	return z;
}

const char *
sam_tz_dir(void)
{
	const char *dir = getenv("TZDIR");

	return dir && *dir ? dir : "/usr/share/zoneinfo";
}

struct sam_tz *
sam_tz_load(const char *path, const char **why)
{
	unsigned char *buf = NULL, *grown;
	struct sam_tz *z = NULL;
	size_t len = 0, cap = 0;
	ssize_t got = 1;
	int fd;

	*why = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		goto fail;
	/* 8 KB holds any zone of tzdata but a few; grown to 1 MB at most */
	while (got != 0 && cap <= TZ_FILE_MAX) {
		if (len == cap) {
			cap = cap ? cap * 2 : 8192;
			if (!(grown = realloc(buf, cap)))
				goto fail;
			buf = grown;
		}
		if ((got = read(fd, buf + len, cap - len)) < 0 && errno != EINTR)
			goto fail;
		len += got > 0 ? (size_t)got : 0;
		got = got < 0 ? 1 : got;
	}
	if (len > TZ_FILE_MAX)
		*why = "larger than a zone file can be";
	else
		z = sam_tz_parse(buf, len, why);
fail:
	if (!z && !*why)
		*why = strerror(errno);
	if (fd >= 0)
		close(fd);
	free(buf);
	return z;
}

void
sam_tz_free(struct sam_tz *z)
{
	if (z) {
		free(z->when);
		free(z->off);
		free(z);
	}
}

/* The offset at t and its interval [lo, hi), from the table or the rule. */
static int32_t
tz_find(const struct sam_tz *z, int64_t t, int64_t *lo, int64_t *hi)
{
	size_t a = 0, b = z->n, m;
	int32_t off;

	if (z->n == 0 || t < z->when[0]) {
		*lo = INT64_MIN, *hi = z->n ? z->when[0] : INT64_MAX;
		if (z->n == 0 && z->has_rule)
			return rule_offset(&z->rule, t, lo, hi);
		return z->first;
	}
	while (b - a > 1) {	/* when[a] <= t < when[b] */
		m = a + (b - a) / 2;
		if (z->when[m] <= t)
			a = m;
		else
			b = m;
	}
	*lo = z->when[a], *hi = b < z->n ? z->when[b] : INT64_MAX;
	if (b < z->n || !z->has_rule)
		return z->off[a];
	off = rule_offset(&z->rule, t, lo, hi);
	if (*lo < z->when[a])
		*lo = z->when[a];
	return off;
}

int
sam_tz_offset(struct sam_tz *z, int64_t t)
{
	if (t < z->lo || t >= z->hi)
		z->cached = tz_find(z, t, &z->lo, &z->hi);
	return z->cached;
}

int64_t
sam_tz_next(struct sam_tz *z, int64_t t)
{
	int64_t lo, hi;
	int32_t off = tz_find(z, t, &lo, &hi);

	/* a table entry or a rule's year may not change the offset */
	while (hi != INT64_MAX)
		if (tz_find(z, hi, &lo, &hi) != off)
			return lo;
	return INT64_MAX;
}
