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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zscore.h"

/* The points of one bar time (interval, ts): each ticker's return and
 * log relative volume there, for the medians.  They are dealt to their
 * time as they are read: a gather of all the points afterwards cost
 * three arrays of them (their page faults) and a scatter across one. */
struct group {
	struct sam_when when;	/* its bar time: first, for sam_when_find */
	size_t partial;		/* its points of unfinished bars: scored, never in a window */
	double *r, *dv;		/* the returns; the log relative volumes there are */
	size_t n, ndv, cap, capdv;
};

struct prev {
	int64_t secs;
	long ns;
	double close;
	struct sam_roll lv;	/* the ticker's log volumes */
	struct sam_when *g;	/* the time of its last point */
	struct group *partial_g;	/* an unfinished bar's time, and */
	size_t partial_i;	/* its point there; partial_g NULL: none */
};

struct loader {
	struct market *mk;
	size_t window, min_periods;
	struct sam_map prev;	/* ticker\0interval -> struct prev */
	char last_key[SAM_TICKER_MAX + 10];	/* the last bar's, and its prev: */
	size_t last_klen;	/* FILE comes a ticker at a time */
	struct prev *last;
	struct sam_keys keys;	/* bar_keys */
	struct sam_map at;	/* bar time -> struct group (sam_when_find) */
	struct group **gs;	/* the groups, as they came */
	size_t ng, capg;
	enum { BARS = 1, SERIES } kind;	/* what FILE holds; 0: not known yet */
};

/* The ticker's state, found once for its run of bars. */
static struct prev *
find_prev(struct loader *ld, const struct sam_key *k, int *isnew)
{
	char key[SAM_TICKER_MAX + 10];
	size_t tl = strlen(k->ticker), il = strlen(k->interval);
	void **slot;

	memcpy(key, k->ticker, tl + 1);
	memcpy(key + tl + 1, k->interval, il);
	*isnew = 0;
	if (ld->last && ld->last_klen == tl + 1 + il &&
	    memcmp(ld->last_key, key, tl + 1 + il) == 0)
		return ld->last;
	if (!(slot = sam_map_put(&ld->prev, key, tl + 1 + il, isnew)) ||
	    (*isnew && !(*slot = calloc(1, sizeof(struct prev)))))
		return NULL;
	if (*isnew)
		sam_roll_init(&((struct prev *)*slot)->lv, ld->window);
	memcpy(ld->last_key, key, tl + 1 + il);
	ld->last_klen = tl + 1 + il;
	return ld->last = *slot;
}

static const char *const bar_keys[] = { "ticker", "interval", "ts", "close",
    "final", "volume", "market", "market_return", "market_z", "market_lvolume" };
enum { BK_COUNT = 10 };

/*
 * Keeps the market's point of a time, with its numbers as every bar of
 * the time writes them, by time and in the order they come.  0; 1 when
 * the time has a point already; -1 when out of memory.  mp is the
 * market's on 0 only.
 */
static int
keep_point(struct market *mk, struct market_point *mp)
{
	char key[SAM_WHEN_KEY];
	void **slot;
	int isnew;

	if (sam_grow(&mk->order, &mk->cap, mk->n + 1, sizeof *mk->order) < 0)
		return -1;
	if (!(slot = sam_map_put(&mk->at, key, sam_when_key(key, mp->minutes, mp->secs, mp->ns), &isnew)))
		return -1;
	if (!isnew)
		return 1;
	mp->len[0] = (unsigned char)sam_format_double(mp->text[0], mp->r);
	mp->len[1] = (unsigned char)sam_format_double(mp->text[1], mp->z);
	mp->len[2] = (unsigned char)sam_format_double(mp->text[2], exp(mp->v));
	*slot = mp;
	mp->at = mk->n;
	mk->order[mk->n++] = mp;
	return 0;
}

/* What a series' points name their market: a ticker, or "cross" for
 * the cross-sectional median. */
static int
name_ok(const char *s, size_t len)
{
	return (len == 5 && memcmp(s, "cross", 5) == 0) || sam_valid_ticker(s, len);
}

/* A point of a market series, as market_write wrote it. */
static int
on_point(struct sam_input *in, struct loader *ld, const struct sam_field *const *f)
{
	struct market *mk = ld->mk;
	struct market_point *mp;
	char interval[8], ts[40], name[SAM_TICKER_MAX + 1];
	int has_z, has_v, kept;

	if (sam_get_string(in, f[6], "market", name, sizeof name, name_ok,
	    "market name") < 0 ||
	    sam_get_string(in, f[1], "interval", interval, sizeof interval,
	    sam_valid_interval, "interval") < 0 ||
	    sam_get_string(in, f[2], "ts", ts, sizeof ts, sam_valid_ts, "timestamp") < 0)
		return -1;
	if (mk->series[0] && strcmp(name, mk->series) != 0)
		return sam_reject(in, "market %s after %s: a series is of one market",
		    name, mk->series);
	if (!(mp = calloc(1, sizeof *mp)))
		return -2;
	if (sam_get_number(in, f[7], "market_return", &mp->r) < 0 ||
	    sam_get_number_opt(in, f[8], "market_z", &mp->z, &has_z) < 0 ||
	    sam_get_number_opt(in, f[9], "market_lvolume", &mp->v, &has_v) < 0) {
		free(mp);
		return -1;
	}
	if (!has_z)
		mp->z = NAN;
	if (!has_v)
		mp->v = NAN;
	mp->minutes = sam_interval_minutes(interval, strlen(interval));
	sam_parse_ts(ts, strlen(ts), &mp->secs, &mp->ns);
	if ((kept = keep_point(mk, mp)) != 0) {
		free(mp);
		return kept < 0 ? -2 :
		    sam_reject(in, "a second point of %s %s", interval, ts);
	}
	if (!mk->series[0]) {
		memcpy(mk->series, name, sizeof name);
		mk->name = mk->series;
	}
	return 0;
}

/* v at the end of a group's array a of *n values (of room for *cap). */
static int
push_value(double **a, size_t *n, size_t *cap, double v)
{
	if (*n == *cap && sam_grow(a, cap, *n + 1, sizeof **a) < 0)
		return -1;
	(*a)[(*n)++] = v;
	return 0;
}

/* The group of a bar time, made when new (and listed); NULL when out
 * of memory. */
static struct group *
group_of(struct loader *ld, struct prev *pv, const struct sam_key *k)
{
	struct group *g;
	int isnew;

	if (!(g = sam_when_find(&ld->at, k->minutes, k->secs, k->ns, &pv->g,
	    sizeof *g, &isnew)) || !isnew)
		return g;
	if (sam_grow(&ld->gs, &ld->capg, ld->ng + 1, sizeof *ld->gs) < 0)
		return NULL;	/* g is the map's, freed with it */
	return ld->gs[ld->ng++] = g;
}

static int
on_bar(struct sam_input *in, struct sam_rec *rec, void *ctx)
{
	const struct sam_field *f[BK_COUNT];
	struct loader *ld = ctx;
	struct sam_key k;
	struct prev *pv;
	double close, volume = NAN, lv = NAN, mean, sd, dev;
	int isnew, dup, partial, has_volume;

	if ((dup = sam_rec_find_keys(rec, &ld->keys, f)) >= 0)
		return sam_reject(in, "duplicate field \"%s\"", bar_keys[dup]);
	if (!ld->kind)	/* the first record tells what the file holds */
		ld->kind = f[7] && !f[3] ? SERIES : BARS;
	if (ld->kind == SERIES)
		return on_point(in, ld, f);
	if (sam_get_key(in, f, &k) < 0 || sam_get_number(in, f[3], "close", &close) < 0)
		return -1;
	if (ld->mk->ticker[0] && strcmp(k.ticker, ld->mk->ticker) != 0)
		return 0;
	if (sam_get_number_opt(in, f[5], "volume", &volume, &has_volume) < 0)
		return -1;
	if (has_volume && volume >= 0)
		lv = log1p(volume);
	partial = f[4] && f[4]->type == SAM_JFALSE;
	if (!(pv = find_prev(ld, &k, &isnew)))
		return -2;
	if (!isnew && (k.secs < pv->secs || (k.secs == pv->secs && k.ns <= pv->ns)))
		return sam_reject(in, "ts is not after the previous %s %s bar",
		    k.ticker, k.interval);
	if (!isnew && pv->close != 0) {
		struct group *g;
		size_t i;
		if (!(g = group_of(ld, pv, &k)))
			return -2;
		if (pv->partial_g == g) {	/* the final bar replaces its unfinished self */
			i = pv->partial_i;
			g->partial--;
		} else if (push_value(&g->r, &g->n, &g->cap, 0) < 0) {
			return -2;
		} else {
			i = g->n - 1;
		}
		g->r[i] = (close - pv->close) / pv->close;
		pv->partial_g = NULL;
		if (partial) {
			g->partial++;
			pv->partial_g = g;
			pv->partial_i = i;
		}
		if (!partial && !isnan(lv) && pv->lv.n >= ld->min_periods &&
		    sam_roll_stats(&pv->lv, 0, lv, &mean, &sd, &dev) == 0 &&
		    !isnan(dev) && push_value(&g->dv, &g->ndv, &g->capdv, dev) < 0)
			return -2;	/* (an infinite volume's dev is NaN: none) */
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
	const struct sam_when *x = &(*(struct group *const *)a)->when;
	const struct sam_when *y = &(*(struct group *const *)b)->when;

	if (x->minutes != y->minutes)
		return x->minutes < y->minutes ? -1 : 1;
	if (x->secs != y->secs)
		return x->secs < y->secs ? -1 : 1;
	return (x->ns > y->ns) - (x->ns < y->ns);
}

static void
free_group(void *p)
{
	struct group *g = p;

	free(g->r);
	free(g->dv);
	free(g);
}

static void
free_groups(struct loader *ld)
{
	sam_map_free(&ld->at, free_group);
	free(ld->gs);
}

/* One time's market return (the median of its points'), its z against
 * the window of the ones before, then (when final) into the window:
 * into mp, which is kept.  The group's values are reordered. */
static int
add_time(struct market *mk, struct sam_roll *roll, struct group *g,
    const struct zscore_opts *o, struct market_point *mp)
{
	double mean, sd, dev;

	mp->r = sam_median(g->r, g->n);
	mp->v = g->ndv ? sam_median(g->dv, g->ndv) : NAN;
	mp->z = NAN;
	if (roll->n >= o->min_periods &&
	    sam_roll_stats(roll, o->ddof, mp->r, &mean, &sd, &dev) == 0 && sd > 0)
		mp->z = dev / sd;
	mp->minutes = g->when.minutes;
	mp->secs = g->when.secs;
	mp->ns = g->when.ns;
	if (keep_point(mk, mp) != 0)	/* the groups' times are distinct */
		return -1;
	return g->partial ? 0 : sam_roll_push(roll, mp->r);
}

int
market_load(struct market *mk, const char *path, const struct zscore_opts *o)
{
	struct loader ld = { .mk = mk, .window = o->window, .min_periods = o->min_periods };
	struct sam_input in = { 0 };
	char *files[1] = { (char *)path };
	struct sam_roll roll;
	struct group **gs;
	size_t i;
	int status;

	sam_keys_init(&ld.keys, bar_keys, BK_COUNT);
	status = sam_input_run(&in, files, 1, on_bar, &ld);
	sam_map_free(&ld.prev, free_prev);
	if (status > SAM_EXIT_REJECT || (in.rejected && o->strict)) {
		free_groups(&ld);
		return -1;
	}
	if (ld.kind == SERIES) {	/* its points are kept as read */
		free_groups(&ld);	/* none */
		if (mk->ticker[0]) {
			sam_log(SAM_FATAL, path, 0, "a market series, of %s: "
			    "--market-ticker does not apply", mk->name);
			return -1;
		}
		return 0;
	}
	/* the few distinct times in time order (a sort of every point was
	 * a tenth of the market's cost) */
	gs = ld.gs;
	if (ld.ng)	/* qsort wants an array, even of none */
		qsort(gs, ld.ng, sizeof *gs, by_time);
	/* the points in one block, in time order: the input's bars walk
	 * them so (one calloc each landed in the holes the groups' arrays
	 * left, and market_at missed the cache at every bar) */
	mk->block = calloc(ld.ng ? ld.ng : 1, sizeof *mk->block);
	sam_roll_init(&roll, o->window);
	for (i = 0; mk->block && i < ld.ng; i++) {
		if (i > 0 && gs[i]->when.minutes != gs[i - 1]->when.minutes) {
			sam_roll_free(&roll);	/* another interval: another series */
			sam_roll_init(&roll, o->window);
		}
		if (add_time(mk, &roll, gs[i], o, &mk->block[i]) < 0)
			break;
	}
	sam_roll_free(&roll);
	status = !mk->block || i < ld.ng;
	free_groups(&ld);
	if (status) {
		sam_log(SAM_FATAL, NULL, 0, "out of memory");
		return -1;
	}
	return 0;
}

static int
is_at(const struct market_point *mp, int minutes, int64_t secs, long ns)
{
	return mp->secs == secs && mp->ns == ns && mp->minutes == minutes;
}

const struct market_point *
market_at(const struct market *mk, int minutes, int64_t secs, long ns,
    size_t *hint)
{
	struct market_point *mp;
	char key[SAM_WHEN_KEY];

	if (*hint + 1 < mk->n && is_at(mk->order[*hint + 1], minutes, secs, ns))
		return mk->order[++*hint];
	if (!(mp = sam_map_get(&mk->at, key, sam_when_key(key, minutes, secs, ns))))
		return NULL;
	*hint = mp->at;
	return mp;
}

/* "2013-02-11T14:30:00Z", with the nanoseconds when there are some. */
static void
put_ts(struct sam_buf *b, int64_t secs, long ns)
{
	char t[21], frac[16];
	size_t n;

	sam_format_ts(t, secs);
	if (!ns) {
		sam_buf_jstr(b, t, strlen(t));
		return;
	}
	n = (size_t)snprintf(frac, sizeof frac, "%09ld", ns);
	while (frac[n - 1] == '0')
		n--;
	sam_buf_putc(b, '"');
	sam_buf_put(b, t, 19);
	sam_buf_putc(b, '.');
	sam_buf_put(b, frac, n);
	sam_buf_puts(b, "Z\"");
}

void
market_write(const struct market *mk)
{
	struct sam_buf *b = sam_out();
	size_t i;

	for (i = 0; i < mk->n; i++) {
		const struct market_point *mp = mk->order[i];
		sam_buf_puts(b, "{\"market\":");
		sam_buf_jstr(b, mk->name, strlen(mk->name));
		sam_buf_puts(b, ",\"interval\":\"");
		sam_buf_puts(b, sam_interval_name(mp->minutes));	/* no escapes */
		sam_buf_puts(b, "\",\"ts\":");
		put_ts(b, mp->secs, mp->ns);
		sam_buf_puts(b, ",\"market_return\":");
		sam_buf_num(b, mp->r);
		sam_buf_puts(b, ",\"market_z\":");
		sam_buf_num(b, mp->z);
		sam_buf_puts(b, ",\"market_lvolume\":");
		sam_buf_num(b, mp->v);
		sam_buf_puts(b, "}\n");
		if (sam_out_maybe_flush() < 0)
			break;	/* sam_out_finish() tells why */
	}
}

void
market_free(struct market *mk)
{
	sam_map_free(&mk->at, mk->block ? NULL : free);
	free(mk->block);
	free(mk->order);
}
