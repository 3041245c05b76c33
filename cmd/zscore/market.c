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

/* The points of one bar time, gathered before the medians. */
struct group {
	int64_t secs;
	long ns;
	int minutes;
	size_t n, at;		/* its points, from at in the gathered order */
	struct market_point *mp;
	struct group *next;	/* the group of the point after one of this */
};

struct loader {
	struct market *mk;
	size_t window, min_periods;
	struct sam_map prev;	/* ticker\0interval -> struct prev */
	char last_key[SAM_TICKER_MAX + 10];	/* the last bar's, and its prev: */
	size_t last_klen;	/* FILE comes a ticker at a time */
	struct prev *last;
	struct sam_keys keys;	/* bar_keys */
	struct point *pts;
	size_t n, cap;
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

static size_t
make_key(char *key, int minutes, int64_t secs, long ns)
{
	memcpy(key, &minutes, sizeof minutes);
	memcpy(key + sizeof minutes, &secs, sizeof secs);
	memcpy(key + sizeof minutes + sizeof secs, &ns, sizeof ns);
	return sizeof minutes + sizeof secs + sizeof ns;
}

/*
 * Keeps the market's point of a time, with its numbers as every bar of
 * the time writes them, by time and in the order they come.  0; 1 when
 * the time has a point already; -1 when out of memory.  mp is the
 * market's on 0 only.
 */
static int
keep_point(struct market *mk, struct market_point *mp)
{
	struct market_point **grown;
	char key[32];
	void **slot;
	int isnew;

	if (mk->n == mk->cap) {
		size_t cap = mk->cap ? 2 * mk->cap : 256;
		if (!(grown = realloc(mk->order, cap * sizeof *grown)))
			return -1;
		mk->order = grown;
		mk->cap = cap;
	}
	if (!(slot = sam_map_put(&mk->at, key, make_key(key, mp->minutes, mp->secs, mp->ns), &isnew)))
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
		p->minutes = sam_interval_minutes(k.interval, strlen(k.interval));
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
	const struct group *x = *(struct group *const *)a, *y = *(struct group *const *)b;

	if (x->minutes != y->minutes)
		return x->minutes < y->minutes ? -1 : 1;
	if (x->secs != y->secs)
		return x->secs < y->secs ? -1 : 1;
	return (x->ns > y->ns) - (x->ns < y->ns);
}

/*
 * The points by bar time, in time order: a hash of the times counts
 * each one's points, the few distinct times are sorted, and the points
 * are dealt into place (a sort of every point was a tenth of the
 * market's cost).  Returns the groups, *ngroups of them; pts is
 * reordered.  NULL when out of memory.
 */
static struct group **
gather(struct point **pts, size_t n, size_t *ngroups)
{
	struct sam_map at = { 0 };
	struct group **gs = NULL, **of = NULL;
	struct point *out = NULL;
	size_t i, ng = 0, cap = 0, at_ = 0;
	char key[32];

	if (!(of = malloc((n ? n : 1) * sizeof *of)) ||
	    !(out = malloc((n ? n : 1) * sizeof *out)))
		goto fail;
	for (i = 0; i < n; i++) {
		const struct point *p = &(*pts)[i];
		/* a ticker's bars are at the times of the one before it: the
		 * group after the last point's is most often this one's, and
		 * the hash is asked only when it is not */
		struct group *g = i > 0 ? of[i - 1]->next : NULL;
		if (!g || g->secs != p->secs || g->ns != p->ns || g->minutes != p->minutes) {
			int isnew;
			void **slot = sam_map_put(&at, key,
			    make_key(key, p->minutes, p->secs, p->ns), &isnew);
			if (!slot)
				goto fail;
			if (isnew) {
				struct group **grown;
				if (ng == cap) {
					cap = cap ? 2 * cap : 256;
					if (!(grown = realloc(gs, cap * sizeof *gs)))
						goto fail;
					gs = grown;
				}
				if (!(g = calloc(1, sizeof *g)))
					goto fail;
				g->secs = p->secs;
				g->ns = p->ns;
				g->minutes = p->minutes;
				gs[ng++] = *slot = g;
			}
			g = *slot;
			if (i > 0 && !of[i - 1]->next)
				of[i - 1]->next = g;
		}
		of[i] = g;
		g->n++;
	}
	qsort(gs, ng, sizeof *gs, by_time);
	for (i = 0; i < ng; i++) {
		gs[i]->at = at_;
		at_ += gs[i]->n;
		gs[i]->n = 0;
	}
	for (i = 0; i < n; i++)
		out[of[i]->at + of[i]->n++] = (*pts)[i];
	sam_map_free(&at, NULL);
	free(of);
	free(*pts);
	*pts = out;
	*ngroups = ng;
	return gs;
fail:
	sam_map_free(&at, NULL);
	for (i = 0; i < ng; i++)
		free(gs[i]);
	free(gs);
	free(of);
	free(out);
	return NULL;
}

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

/* One time's market return (the median of its points'), its z against
 * the window of the ones before, then (when final) into the window. */
static int
add_time(struct market *mk, struct sam_roll *roll, const struct group *gr,
    const struct point *g, const struct zscore_opts *o, double *scratch)
{
	struct market_point *mp;
	double mean, sd, dev;
	size_t i, n = gr->n;
	int partial = 0;

	for (i = 0; i < n; i++) {
		partial |= g[i].partial;
		scratch[i] = g[i].r;
	}
	if (!(mp = calloc(1, sizeof *mp)))
		return -1;
	mp->r = sam_median(scratch, n);
	mp->v = median_dv(g, n, scratch);
	mp->z = NAN;
	if (roll->n >= o->min_periods &&
	    sam_roll_stats(roll, o->ddof, mp->r, &mean, &sd, &dev) == 0 && sd > 0)
		mp->z = dev / sd;
	mp->minutes = gr->minutes;
	mp->secs = gr->secs;
	mp->ns = gr->ns;
	if (keep_point(mk, mp) != 0) {	/* the groups' times are distinct */
		free(mp);
		return -1;
	}
	return partial ? 0 : sam_roll_push(roll, mp->r);
}

int
market_load(struct market *mk, const char *path, const struct zscore_opts *o)
{
	struct loader ld = { .mk = mk, .window = o->window, .min_periods = o->min_periods };
	struct sam_input in = { 0 };
	char *files[1] = { (char *)path };
	struct sam_roll roll;
	struct group **gs;
	double *scratch = NULL;
	size_t i, ng = 0, nscratch = 0;
	int status;

	sam_keys_init(&ld.keys, bar_keys, BK_COUNT);
	status = sam_input_run(&in, files, 1, on_bar, &ld);
	sam_map_free(&ld.prev, free_prev);
	if (status > SAM_EXIT_REJECT || (in.rejected && o->strict)) {
		free(ld.pts);
		return -1;
	}
	if (ld.kind == SERIES) {	/* its points are kept as read */
		if (mk->ticker[0]) {
			sam_log(SAM_FATAL, path, 0, "a market series, of %s: "
			    "--market-ticker does not apply", mk->name);
			return -1;
		}
		return 0;
	}
	if (!(gs = gather(&ld.pts, ld.n, &ng))) {
		free(ld.pts);
		sam_log(SAM_FATAL, NULL, 0, "out of memory");
		return -1;
	}
	sam_roll_init(&roll, o->window);
	for (i = 0; i < ng; i++) {
		if (i > 0 && gs[i]->minutes != gs[i - 1]->minutes) {
			sam_roll_free(&roll);	/* another interval: another series */
			sam_roll_init(&roll, o->window);
		}
		if (gs[i]->n > nscratch) {
			free(scratch);
			if (!(scratch = malloc(gs[i]->n * sizeof *scratch)))
				break;
			nscratch = gs[i]->n;
		}
		if (add_time(mk, &roll, gs[i], &ld.pts[gs[i]->at], o, scratch) < 0)
			break;
	}
	sam_roll_free(&roll);
	free(ld.pts);
	free(scratch);
	status = i < ng;
	for (i = 0; i < ng; i++)
		free(gs[i]);
	free(gs);
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
	char key[32];

	if (*hint + 1 < mk->n && is_at(mk->order[*hint + 1], minutes, secs, ns))
		return mk->order[++*hint];
	if (!(mp = sam_map_get(&mk->at, key, make_key(key, minutes, secs, ns))))
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
	sam_map_free(&mk->at, free);
	free(mk->order);
}
