/*
 * bars.c - what a ticker's chart needs from the store: its last bars of
 * one interval (raw/), the band around their closes, and the anomalies
 * that fall on them, those of the window and any older ones the chart
 * reaches back to.
 */
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

/* What the walk over raw/TICKER collects. */
struct bars {
	struct rawbar *v;
	size_t n, cap;
	size_t count[6];	/* of each interval */
	size_t want;		/* enough of one interval */
};

/* A bar: its close and volume; the walk stops after the file where one
 * interval has as many as the chart wants. */
static int
on_bar(struct sam_input *in, const struct sam_rec *rec, const struct entry *e, void *wv)
{
	static const char *const keys[] = { "close", "volume" };
	static const int16_t imins[6] = { 1, 5, 15, 30, 60, 1440 };
	struct walk *w = wv;
	struct bars *bs = w->ctx;
	const struct sam_field *f[2];
	struct rawbar *b;
	int k;

	if (store_grow(&bs->v, &bs->cap, bs->n + 1, sizeof *bs->v) < 0)
		return site_oom(w->s);
	b = &bs->v[bs->n];
	sam_rec_find(rec, keys, 2, f);
	if (sam_get_number(in, f[0], "close", &b->close) < 0 ||
	    sam_get_number(in, f[1], "volume", &b->volume) < 0)
		return 0;	/* reported */
	b->secs = e->secs;
	b->ns = e->ns;
	b->imin = e->imin;
	bs->n++;
	for (k = 0; k < 6; k++)
		if (e->imin == imins[k] && ++bs->count[k] >= bs->want)
			w->stop = 1;
	return 0;
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

/* An anomaly before the window that the chart reaches back to. */
static int
on_older(struct sam_input *in, const struct sam_rec *rec, const struct entry *e,
    void *wv)
{
	struct walk *w = wv;
	struct chart *c = w->ctx;

	if (store_grow(&c->older, &c->older_cap, c->nolder + 1, sizeof *c->older) < 0)
		return site_oom(w->s);
	if (site_anomaly(&c->older[c->nolder], w->ticker, in, rec, e) == 0)
		c->older[c->nolder++].line = NULL;	/* its file is freed */
	return 0;
}

int
chart_load(struct site *s, const struct ticker *t, struct chart *c)
{
	struct bars bs = { .want = s->chart_bars + s->window };
	struct walk raw = { .kind = KIND_RAW, .ticker = t->name, .from = INT64_MIN,
	    .to = INT64_MAX, .newest_first = 1, .line = on_bar, .ctx = &bs };
	struct walk older = { .kind = KIND_ANOMALIES, .ticker = t->name,
	    .line = on_older, .ctx = c };
	struct rawbar *v;
	size_t i, from, to, first;
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
	if (s->kindfd[KIND_RAW] < 0)
		return 0;
	if ((r = site_walk(s, s->kindfd[KIND_RAW], &raw)) < 0 || bs.n == 0) {
		free(bs.v);
		return r;
	}
	v = bs.v;
	qsort(v, bs.n, sizeof *v, rawbar_cmp);
	main_interval(v, bs.n, &from, &to);
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
	older.from = sam_ny_date(v[first].secs);
	older.to = window_from - 1;
	if (r == 0 && older.from <= older.to && s->kindfd[KIND_ANOMALIES] >= 0)
		r = site_walk(s, s->kindfd[KIND_ANOMALIES], &older);
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
