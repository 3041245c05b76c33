/*
 * market.c - sam-zscore's market series (--market FILE).
 *
 * FILE holds bars.  With --market-ticker T the market's return at a bar
 * time is T's; without it, the cross-sectional median of the returns of
 * every ticker in FILE at that time (interval and ts), which needs no
 * index at hand and is robust to the few tickers with news of their
 * own.  The file is read whole before the input, so the input can
 * stream in any order; memory is one point per bar of FILE.  Each
 * time's return also gets its z against the market's W returns before
 * it (the market's own move, for sam-detect's market events).
 *
 * Volume has a market factor too: on a selloff day the whole list
 * trades twice its usual.  The market's log relative volume at a time
 * is the median, over FILE's tickers, of ln(1 + volume) less the mean
 * of the ticker's W bars before (one window a ticker of FILE).
 */
#include <stdlib.h>
#include <string.h>

#include "zscore.h"

struct point {
	int64_t secs;
	long ns;
	int minutes;		/* the interval, sam_interval_minutes() */
	int partial;		/* an unfinished bar: scored, never in a window */
	double r;
	double dv;		/* log relative volume; NAN: none */
};

struct prev {
	int64_t secs;
	long ns;
	double close;
	struct sam_roll lv;	/* the ticker's log volumes */
	size_t partial_at;	/* 1 + the point of an unfinished bar; 0: none */
};

struct loader {
	struct market *mk;
	size_t window, min_periods;
	struct sam_map prev;	/* ticker\0interval -> struct prev */
	struct point *pts;
	size_t n, cap;
};

static int
on_bar(struct sam_input *in, struct sam_rec *rec, void *ctx)
{
	static const char *const keys[] = { "ticker", "interval", "ts", "close",
	    "final", "volume" };
	const struct sam_field *f[6];
	struct loader *ld = ctx;
	struct sam_key k;
	struct prev *pv;
	char key[SAM_TICKER_MAX + 10];
	size_t tl, il;
	double close, volume = NAN, lv = NAN, mean, sd, dev;
	void **slot;
	int isnew, dup, partial, has_volume;

	if ((dup = sam_rec_find(rec, keys, 6, f)) >= 0)
		return sam_reject(in, "duplicate field \"%s\"", keys[dup]);
	if (sam_get_key(in, f, &k) < 0 || sam_get_number(in, f[3], "close", &close) < 0)
		return -1;
	if (ld->mk->ticker[0] && strcmp(k.ticker, ld->mk->ticker) != 0)
		return 0;
	if (sam_get_number_opt(in, f[5], "volume", &volume, &has_volume) < 0)
		return -1;
	if (has_volume && volume >= 0)
		lv = log1p(volume);
	partial = f[4] && f[4]->type == SAM_JFALSE;
	tl = strlen(k.ticker);
	il = strlen(k.interval);
	memcpy(key, k.ticker, tl + 1);
	memcpy(key + tl + 1, k.interval, il);
	if (!(slot = sam_map_put(&ld->prev, key, tl + 1 + il, &isnew)) ||
	    (isnew && !(*slot = calloc(1, sizeof *pv))))
		return -2;
	pv = *slot;
	if (isnew)
		sam_roll_init(&pv->lv, ld->window);
	if (!isnew && (k.secs < pv->secs || (k.secs == pv->secs && k.ns <= pv->ns)))
		return sam_reject(in, "ts is not after the previous %s %s bar",
		    k.ticker, k.interval);
	if (!isnew && pv->close != 0) {
		struct point *p;
		if (pv->partial_at && ld->pts[pv->partial_at - 1].secs == k.secs &&
		    ld->pts[pv->partial_at - 1].ns == k.ns) {
			ld->n--;	/* the final bar replaces its unfinished self */
			if (pv->partial_at - 1 != ld->n)
				ld->pts[pv->partial_at - 1] = ld->pts[ld->n];
		}
		pv->partial_at = 0;
		if (ld->n == ld->cap) {
			size_t cap = ld->cap ? 2 * ld->cap : 1024;
			if (!(p = realloc(ld->pts, cap * sizeof *p)))
				return -2;
			ld->pts = p;
			ld->cap = cap;
		}
		p = &ld->pts[ld->n++];
		p->secs = k.secs;
		p->ns = k.ns;
		p->minutes = sam_interval_minutes(k.interval, il);
		p->partial = partial;
		p->r = (close - pv->close) / pv->close;
		p->dv = NAN;
		if (partial)
			pv->partial_at = ld->n;	/* its index + 1 */
		if (!partial && !isnan(lv) && pv->lv.n >= ld->min_periods &&
		    sam_roll_stats(&pv->lv, 0, lv, &mean, &sd, &dev) == 0)
			p->dv = dev;
	}
	if (!partial) {
		pv->secs = k.secs;
		pv->ns = k.ns;
		pv->close = close;
		if (!isnan(lv) && sam_roll_push(&pv->lv, lv) < 0)
			return -2;
	}
	return 0;
}

static void
free_prev(void *p)
{
	struct prev *pv = p;

	if (pv)
		sam_roll_free(&pv->lv);
	free(pv);
}

static int
by_time(const void *a, const void *b)
{
	const struct point *x = a, *y = b;

	if (x->minutes != y->minutes)
		return x->minutes < y->minutes ? -1 : 1;
	if (x->secs != y->secs)
		return x->secs < y->secs ? -1 : 1;
	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	return (x->r > y->r) - (x->r < y->r);	/* a group sorted: its median */
}

static size_t
make_key(char *key, int minutes, int64_t secs, long ns)
{
	memcpy(key, &minutes, sizeof minutes);
	memcpy(key + sizeof minutes, &secs, sizeof secs);
	memcpy(key + sizeof minutes + sizeof secs, &ns, sizeof ns);
	return sizeof minutes + sizeof secs + sizeof ns;
}

/* One time's market return, its z against the window of the ones
 * before, then (when final) into the window. */
/* The median of the group's log relative volumes, NAN if none. */
static double
median_dv(const struct point *g, size_t n, double *scratch)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (!isnan(g[i].dv))
			scratch[k++] = g[i].dv;
	return k ? sam_median(scratch, k) : NAN;
}

static int
add_time(struct market *mk, struct sam_roll *roll, const struct point *g,
    size_t n, const struct zscore_opts *o, double *scratch)
{
	struct market_point *mp;
	char key[32];
	double mean, sd, dev;
	size_t i;
	int partial = 0, isnew;
	void **slot;

	for (i = 0; i < n; i++)
		partial |= g[i].partial;
	if (!(mp = calloc(1, sizeof *mp)))
		return -1;
	mp->r = n % 2 ? g[n / 2].r : (g[n / 2 - 1].r + g[n / 2].r) / 2;
	mp->v = median_dv(g, n, scratch);
	mp->z = NAN;
	if (roll->n >= o->min_periods &&
	    sam_roll_stats(roll, o->ddof, mp->r, &mean, &sd, &dev) == 0 && sd > 0)
		mp->z = dev / sd;
	if (!(slot = sam_map_put(&mk->at, key, make_key(key, g->minutes, g->secs, g->ns), &isnew))) {
		free(mp);
		return -1;
	}
	*slot = mp;
	return partial ? 0 : sam_roll_push(roll, mp->r);
}

int
market_load(struct market *mk, const char *path, const struct zscore_opts *o)
{
	struct loader ld = { .mk = mk, .window = o->window, .min_periods = o->min_periods };
	struct sam_input in = { 0 };
	char *files[1] = { (char *)path };
	struct sam_roll roll;
	double *scratch;
	size_t i, j, nscratch = 0;
	int status;

	status = sam_input_run(&in, files, 1, on_bar, &ld);
	sam_map_free(&ld.prev, free_prev);
	if (status > SAM_EXIT_REJECT || (in.rejected && o->strict)) {
		free(ld.pts);
		return -1;
	}
	qsort(ld.pts, ld.n, sizeof *ld.pts, by_time);
	sam_roll_init(&roll, o->window);
	scratch = NULL;
	for (i = 0; i < ld.n; i = j) {
		for (j = i + 1; j < ld.n && ld.pts[j].minutes == ld.pts[i].minutes &&
		    ld.pts[j].secs == ld.pts[i].secs && ld.pts[j].ns == ld.pts[i].ns; j++)
			;
		if (i > 0 && ld.pts[i].minutes != ld.pts[i - 1].minutes) {
			sam_roll_free(&roll);	/* another interval: another series */
			sam_roll_init(&roll, o->window);
		}
		if (j - i > nscratch) {
			free(scratch);
			if (!(scratch = malloc((j - i) * sizeof *scratch)))
				break;
			nscratch = j - i;
		}
		if (add_time(mk, &roll, &ld.pts[i], j - i, o, scratch) < 0)
			break;
	}
	sam_roll_free(&roll);
	free(ld.pts);
	free(scratch);
	if (i < ld.n) {
		sam_log(SAM_FATAL, NULL, 0, "out of memory");
		return -1;
	}
	mk->loaded = 1;
	return 0;
}

const struct market_point *
market_at(const struct market *mk, int minutes, int64_t secs, long ns)
{
	char key[32];

	return sam_map_get(&mk->at, key, make_key(key, minutes, secs, ns));
}

void
market_free(struct market *mk)
{
	sam_map_free(&mk->at, free);
}
