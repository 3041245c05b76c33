/*
 * bars.c - what a ticker's chart needs from the store: its last bars of
 * one interval (raw/), the band around their closes, and the anomalies
 * that fall on them, those of the window and any older ones the chart
 * reaches back to.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "site.h"

struct rawbar {
	int64_t secs;
	int32_t ns;
	int16_t imin;
	double close, volume;
};

static int
rawbar_cmp(const void *pa, const void *pb)
{
	const struct rawbar *a = pa, *b = pb;

	if (a->imin != b->imin)
		return a->imin < b->imin ? -1 : 1;
	if (a->secs != b->secs)
		return a->secs < b->secs ? -1 : 1;
	return (a->ns > b->ns) - (a->ns < b->ns);
}

/* The bars of one day file, appended to *v. */
static int
add_bars(struct site *s, struct day *d, struct sam_input *in, struct sam_rec *rec,
    struct rawbar **v, size_t *n, size_t *cap)
{
	static const char *const keys[] = { "close", "volume" };
	size_t k;

	for (k = 0; k < d->n; k++) {
		const struct sam_field *f[2];
		struct rawbar *b;
		const char *why;
		size_t at;
		if (d->e[k].bad)
			continue;
		if (sam_rec_parse(rec, d->e[k].line, d->e[k].len, &why, &at) < 0)
			return site_oom(s);	/* parsed once already: only memory fails */
		if (store_grow(v, cap, *n + 1, sizeof **v) < 0)
			return site_oom(s);
		in->line = d->e[k].lineno;
		b = &(*v)[*n];
		sam_rec_find(rec, keys, 2, f);
		if (sam_get_number(in, f[0], "close", &b->close) < 0 ||
		    sam_get_number(in, f[1], "volume", &b->volume) < 0)
			continue;
		b->secs = d->e[k].secs;
		b->ns = d->e[k].ns;
		b->imin = d->e[k].imin;
		(*n)++;
	}
	in->line = 0;
	site_rejected(s, in);
	return 0;
}

/* Opens KIND/TICKER and lists it: the directory, or -1 when there is
 * none (*status 0) or it cannot be read (*status -1 if fatal). */
static int
open_ticker_dir(struct site *s, const char *kind, const char *ticker,
    struct names *n, int *status)
{
	int kindfd = store_subdir(s->st.fd, kind, 0), fd = -1;

	*status = 0;
	if (kindfd >= 0)
		fd = store_subdir(kindfd, ticker, 0);
	if (fd >= 0 && names_list(fd, n) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0 && errno != ENOENT && errno != ENOTDIR)	/* a file: none */
		*status = site_fail(s, "read", store_path(&s->st, kind, ticker, NULL));
	if (kindfd >= 0)
		close(kindfd);
	return fd;
}

/* The bars of one interval, most of all: want of them are enough. */
static int
enough(const struct rawbar *v, size_t from, size_t to, size_t count[6], size_t want)
{
	static const int16_t imins[6] = { 1, 5, 15, 30, 60, 1440 };
	size_t i;
	int k;

	for (i = from; i < to; i++)
		for (k = 0; k < 6; k++)
			count[k] += v[i].imin == imins[k];
	for (k = 0; k < 6; k++)
		if (count[k] >= want)
			return 1;
	return 0;
}

/* The bars of raw/TICKER, newest files first, until one interval has
 * want bars; sorted by interval, then time. */
static int
read_bars(struct site *s, const char *ticker, size_t want, struct rawbar **v, size_t *nv)
{
	struct names n = { 0 };
	struct sam_input in = { 0 };
	struct sam_rec rec = { 0 };
	struct day d = { 0 };
	size_t cap = 0, i, count[6] = { 0 }, before;
	int64_t day;
	int fd, r, full = 0;

	*v = NULL;
	*nv = 0;
	if ((fd = open_ticker_dir(s, "raw", ticker, &n, &r)) < 0)
		return r;
	for (i = n.n; i-- > 0 && r == 0 && !full;) {
		if (day_file_name(n.v[i].s, &day) < 0)
			continue;
		if ((r = site_read_day(s, fd, KIND_RAW, ticker, n.v[i].s, day, &d, &in,
		    &rec, 0)) != 0) {
			r = r < 0 ? -1 : 0;
			continue;
		}
		before = *nv;
		r = add_bars(s, &d, &in, &rec, v, nv, &cap);
		free(d.buf);
		d.buf = NULL;
		full = r == 0 && enough(*v, before, *nv, count, want);
	}
	names_free(&n);
	close(fd);
	day_free(&d);
	sam_rec_free(&rec);
	if (*nv)
		qsort(*v, *nv, sizeof **v, rawbar_cmp);
	return r;
}

/* The interval with the most bars (the longest of those tied): where
 * its run starts and ends in v, sorted by interval, shortest first. */
static void
main_interval(const struct rawbar *v, size_t n, size_t *from, size_t *to)
{
	size_t i, j, best = 0;

	*from = *to = 0;
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && v[j].imin == v[i].imin; j++)
			;
		if (j - i >= best) {	/* >=: a longer interval wins a tie */
			best = j - i;
			*from = i;
			*to = j;
		}
	}
}

/* The band: the closes whose z against the W bars before stays within
 * the threshold, where at least min_periods of them are there. */
static int
band(struct site *s, const struct rawbar *v, size_t from, size_t to, size_t first,
    struct bar *out, double t)
{
	struct sam_roll r;
	size_t i;

	if (sam_roll_init(&r, s->window) < 0)
		return site_oom(s);
	for (i = first >= from + s->window ? first - s->window : from; i < to; i++) {
		double mean, sd, dev;
		if (i >= first && r.n >= s->min_periods &&
		    sam_roll_stats(&r, 1, v[i].close, &mean, &sd, &dev) == 0) {
			out[i - first].lo = mean - t * sd;
			out[i - first].hi = mean + t * sd;
			out[i - first].band = 1;
		}
		if (sam_roll_push(&r, v[i].close) < 0) {
			sam_roll_free(&r);
			return site_oom(s);
		}
	}
	sam_roll_free(&r);
	return 0;
}

/* Puts a on the bar it falls on, if it is on the chart. */
static void
mark(struct chart *c, int16_t imin, const struct anomaly *a)
{
	long lo = 0, hi = c->n;

	if (a->imin != imin)
		return;
	while (lo < hi) {
		long mid = lo + (hi - lo) / 2;
		const struct bar *b = &c->bar[mid];
		if (b->secs < a->secs || (b->secs == a->secs && b->ns < a->ns))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->n && c->bar[lo].secs == a->secs && c->bar[lo].ns == a->ns)
		c->bar[lo].mark = a;
}

/* The anomalies of the days from..to (before the window) into c->older. */
static int
read_older(struct site *s, const struct ticker *t, struct chart *c, int64_t from,
    int64_t to)
{
	struct names n = { 0 };
	struct sam_input in = { 0 };
	struct sam_rec rec = { 0 };
	struct day d = { 0 };
	size_t cap = 0, i, k;
	int64_t day;
	int fd, r;

	if ((fd = open_ticker_dir(s, "anomalies", t->name, &n, &r)) < 0)
		return r;
	for (i = 0; i < n.n && r == 0; i++) {
		if (day_file_name(n.v[i].s, &day) < 0 || day < from || day > to)
			continue;
		if ((r = site_read_day(s, fd, KIND_ANOMALIES, t->name, n.v[i].s, day, &d,
		    &in, &rec, 0)) != 0) {
			r = r < 0 ? -1 : 0;
			continue;
		}
		for (k = 0; k < d.n && r == 0; k++) {
			const char *why;
			size_t at;
			if (d.e[k].bad)
				continue;
			if (sam_rec_parse(&rec, d.e[k].line, d.e[k].len, &why, &at) < 0 ||
			    store_grow(&c->older, &cap, c->nolder + 1, sizeof *c->older) < 0)
				r = site_oom(s);
			else if (site_anomaly(&c->older[c->nolder], t->name, &in, &rec, &d.e[k]) == 0)
				c->older[c->nolder++].line = NULL;	/* its file is freed */
		}
		site_rejected(s, &in);
		free(d.buf);
		d.buf = NULL;
	}
	names_free(&n);
	close(fd);
	day_free(&d);
	sam_rec_free(&rec);
	return r;
}

int
chart_load(struct site *s, const struct ticker *t, struct chart *c)
{
	struct rawbar *v;
	size_t nv, i, from, to, first;
	int64_t window_from = s->latest - (int64_t)s->days + 1;
	int r;

	memset(c, 0, sizeof *c);
	strcpy(c->interval, "1d");
	c->threshold = s->threshold;
	for (i = t->first; i < t->first + t->n; i++)	/* the newest says */
		if (s->a[i].an.has_threshold) {
			c->threshold = s->a[i].an.threshold;
			break;
		}
	if ((r = read_bars(s, t->name, s->chart_bars + s->window, &v, &nv)) < 0 || nv == 0) {
		free(v);
		return r;
	}
	main_interval(v, nv, &from, &to);
	first = to - from > s->chart_bars ? to - s->chart_bars : from;
	c->n = (long)(to - first);
	if (!(c->bar = calloc((size_t)c->n, sizeof *c->bar))) {
		free(v);
		return site_oom(s);
	}
	for (i = first; i < to; i++) {
		c->bar[i - first].secs = v[i].secs;
		c->bar[i - first].ns = v[i].ns;
		c->bar[i - first].close = v[i].close;
		c->bar[i - first].volume = v[i].volume;
	}
	if (v[from].imin == 1440 || v[from].imin == 60)
		strcpy(c->interval, v[from].imin == 60 ? "1h" : "1d");
	else
		snprintf(c->interval, sizeof c->interval, "%dm", v[from].imin);
	r = band(s, v, from, to, first, c->bar, c->threshold);
	if (r == 0 && sam_ny_date(v[first].secs) < window_from)
		r = read_older(s, t, c, sam_ny_date(v[first].secs), window_from - 1);
	for (i = 0; r == 0 && i < c->nolder; i++)
		mark(c, v[from].imin, &c->older[i]);
	for (i = t->first; r == 0 && i < t->first + t->n; i++)
		mark(c, v[from].imin, &s->a[i]);
	free(v);
	return r;
}

void
chart_free(struct chart *c)
{
	free(c->bar);
	free(c->older);
	memset(c, 0, sizeof *c);
}
