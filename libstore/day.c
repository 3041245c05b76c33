/*
 * day.c - a day file: read whole, split into lines, each checked
 * against the file's place in the store.
 *
 * A keyed day file (raw, anomalies) holds records of one ticker whose
 * bars start on one New York date, one line per key (ticker,
 * interval, ts), sorted by ts and then by interval, longest first.
 */
#define _GNU_SOURCE		/* syscall */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/openat2.h>
#include <sys/syscall.h>
#endif

#include "store.h"

int
store_interval_order(const char *interval)
{
	int m = sam_interval_minutes(interval, strlen(interval));

	return m == 0 ? 1440 : m;
}

int
store_entry_cmp(const struct store_entry *a, const struct store_entry *b)
{
	if (a->secs != b->secs)
		return a->secs < b->secs ? -1 : 1;
	if (a->ns != b->ns)
		return a->ns < b->ns ? -1 : 1;
	return (a->imin < b->imin) - (a->imin > b->imin);	/* longest first */
}

int
store_record_key(struct sam_input *in, const struct sam_rec *rec, struct sam_key *k,
    int64_t *day)
{
	static const char *const keys[] = { "ticker", "interval", "ts", "date" };
	const struct sam_field *f[4];
	char date[16], want[11];
	size_t len;
	int dup;

	if ((dup = sam_rec_find(rec, keys, 4, f)) >= 0)
		return sam_reject(in, "duplicate field \"%s\"", keys[dup]);
	if (sam_get_key(in, f, k) < 0)
		return -1;
	*day = sam_ny_date(k->secs);
	if (*day < sam_days_from_civil(0, 1, 1))	/* no YYYY for it */
		return sam_reject(in, "ts %s is before 0000-01-01 in New York",
		    k->ts);
	if (!f[3])
		return 0;
	sam_format_date(want, *day);
	if (f[3]->type != SAM_JSTRING)
		return sam_reject(in, "field \"date\": expected a string, got %s",
		    sam_jtype_name(f[3]->type));
	if (sam_jstr_decode(f[3], date, sizeof date, &len) < 0 || strcmp(date, want) != 0) {
		char q[SAM_QUOTE_MAX];
		return sam_reject(in, "field \"date\": %s is not %s, the New "
		    "York date of ts %s", sam_quote(q, sizeof q, f[3]->val + 1,
		    f[3]->vlen - 2), want, k->ts);
	}
	return 0;
}

/* O_NONBLOCK: a FIFO in a day file's place must not hang the reader */
#define DAY_OPEN (O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)

/* Reads the open file fd whole into d, and closes it. */
static int
read_fd(int fd, struct store_day *d)
{
	struct stat st;
	size_t got = 0;
	int saved;

	if (fd < 0)
		return errno == ENOENT ? 1 : -1;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	if (!(d->buf = malloc((size_t)st.st_size + 1)))
		goto fail;
	while (got < (size_t)st.st_size) {	/* a file that grows is read to its size then */
		ssize_t r = read(fd, d->buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	d->len = got;
	close(fd);
	return 0;
fail:
	saved = errno;
	close(fd);
	free(d->buf);
	d->buf = NULL;
	errno = saved;
	return -1;
}

/* Empties d for the next file, keeping its array of entries. */
static void
day_reset(struct store_day *d)
{
	d->buf = NULL;
	d->len = d->n = d->bad = d->disorder = 0;
}

int
store_day_read(int dirfd, const char *name, struct store_day *d)
{
	day_reset(d);
	return read_fd(openat(dirfd, name, DAY_OPEN), d);
}

int
store_day_read_at(int kindfd, const char *ticker, const char *name, struct store_day *d)
{
	char path[SAM_TICKER_MAX + 32];
	int fd, r, saved;

	day_reset(d);
	snprintf(path, sizeof path, "%s/%s", ticker, name);
#ifdef SYS_openat2
	{	/* one call, no link followed on the way */
		struct open_how how = { .flags = DAY_OPEN,
		    .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH };
		fd = (int)syscall(SYS_openat2, kindfd, path, &how, sizeof how);
		if (fd >= 0 || errno != ENOSYS)
			return read_fd(fd, d);
	}
#endif
	if ((fd = store_subdir(kindfd, ticker, 0)) < 0)
		return errno == ENOENT ? 1 : -1;
	r = read_fd(openat(fd, name, DAY_OPEN), d);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

static struct store_entry *
day_push(struct store_day *d)
{
	if (sam_grow(&d->e, &d->cap, d->n + 1, sizeof *d->e) < 0)
		return NULL;
	memset(&d->e[d->n], 0, sizeof d->e[0]);
	return &d->e[d->n++];
}

/* The key of a stored line, which must agree with the file's place. */
static int
check_line(struct sam_input *in, const struct sam_rec *rec, struct store_entry *e,
    const char *ticker, int64_t day)
{
	const struct sam_field *sev;
	struct sam_key k;
	int64_t kday;
	char want[11];

	if (store_record_key(in, rec, &k, &kday) < 0)
		return -1;
	if (strcmp(k.ticker, ticker) != 0)
		return sam_reject(in, "ticker %s does not belong in the "
		    "directory of %s", k.ticker, ticker);
	if (kday != day) {
		sam_format_date(want, kday);
		return sam_reject(in, "ts %s is on %s in New York: not this "
		    "file's date", k.ts, want);
	}
	e->secs = k.secs;
	e->ns = (int32_t)k.ns;
	e->imin = (int16_t)store_interval_order(k.interval);
	e->sev = -1;
	if ((sev = sam_rec_get(rec, "severity")) && sev->type == SAM_JSTRING)
		e->sev = (int8_t)sam_severity_parse(sev->val + 1, sev->vlen - 2);
	return 0;
}

int
store_day_parse(struct store_day *d, struct sam_input *in, struct sam_rec *rec,
    const char *ticker, int64_t day)
{
	return store_day_parse_each(d, in, rec, ticker, day, NULL, NULL);
}

int
store_day_parse_each(struct store_day *d, struct sam_input *in, struct sam_rec *rec,
    const char *ticker, int64_t day, store_line_fn *fn, void *ctx)
{
	struct sam_lines l;
	struct store_entry *e;
	const char *why;
	char *line;
	size_t len, at;
	int r;

	/* the stored lines are read whole, whatever SAM_MAX_LINE says */
	sam_lines_open_mem(&l, in->file, d->buf ? d->buf : (char *)"", d->len,
	    SAM_LINE_MAX_LIMIT);
	while ((r = sam_lines_next(&l, &line, &len)) == SAM_LINE_OK) {
		if (!(e = day_push(d)))
			return -1;
		e->line = line;
		e->len = (uint32_t)len;
		e->lineno = (uint32_t)(in->line = l.lineno);
		e->sev = -1;
		if (sam_rec_parse(rec, line, len, &why, &at) < 0) {
			if (strcmp(why, "out of memory") == 0)
				return -1;
			if (strcmp(why, "invalid UTF-8") == 0)
				sam_reject(in, "invalid UTF-8 at byte %zu", at);
			else if (strcmp(why, "not a JSON object") == 0)
				sam_reject(in, "not a JSON object");
			else
				sam_reject(in, "invalid JSON at byte %zu: %s", at, why);
			e->bad = 1;
		} else if (ticker && check_line(in, rec, e, ticker, day) < 0) {
			e->bad = 1;
		} else if (fn && fn(in, rec, e, ctx) < 0) {
			return -1;
		}
		d->bad += e->bad;
	}
	in->line = 0;
	return 0;
}

void
store_day_check_order(struct store_day *d, struct sam_input *in, int quiet)
{
	const struct store_entry *prev = NULL;
	size_t i, j;

	for (i = 0; i < d->n; i++) {
		struct store_entry *e = &d->e[i];
		int c;
		if (e->bad)
			continue;
		if (!prev || (c = store_entry_cmp(prev, e)) < 0) {
			prev = e;
			continue;
		}
		/* out of order: is the key new, or one already seen? */
		for (j = 0; j < i; j++)
			if (!d->e[j].bad && store_entry_cmp(&d->e[j], e) == 0)
				break;
		in->line = e->lineno;
		if (!quiet && j < i)
			sam_reject(in, "key repeats line %u", d->e[j].lineno);
		else if (!quiet)
			sam_reject(in, "out of order: its key sorts before "
			    "line %u's", prev->lineno);
		d->disorder++;
	}
	in->line = 0;
}

void
store_day_free(struct store_day *d)
{
	free(d->buf);
	free(d->e);
	memset(d, 0, sizeof *d);
}

/* The next line of p[0..n) from *at as sam_lines reads it (LF or CR LF
 * ends it; a blank one is none), or NULL at the end. */
static const char *
next_line(const char *p, size_t n, size_t *at, size_t *len)
{
	while (*at < n) {
		const char *s = p + *at, *nl = memchr(s, '\n', n - *at);
		size_t l = nl ? (size_t)(nl - s) : n - *at, i;
		*at += l + (nl != NULL);
		if (l && s[l - 1] == '\r')
			l--;
		for (i = 0; i < l && (s[i] == ' ' || s[i] == '\t'); i++)
			;
		if (i < l) {
			*len = l;
			return s;
		}
	}
	return NULL;
}

int
store_day_changes(const struct store_day *d, const struct sam_buf *next)
{
	size_t i = 0, at = 0, dat = 0, len, dlen = 0;
	const char *line, *dline;

	/* parsed, the lines are its entries (sam_lines ended each with a
	 * NUL in the buffer); else they are read from the buffer */
	if (!d->n && d->len && next->len == d->len && memcmp(next->p, d->buf, d->len) == 0)
		return 0;
	do {
		if (d->n) {
			dline = i < d->n ? d->e[i].line : NULL;
			dlen = i < d->n ? d->e[i].len : 0;
			i++;
		} else {
			dline = d->len ? next_line(d->buf, d->len, &dat, &dlen) : NULL;
		}
		line = next->len ? next_line(next->p, next->len, &at, &len) : NULL;
		if (!line || !dline)
			return line != dline;
	} while (len == dlen && memcmp(line, dline, len) == 0);
	return 1;
}
