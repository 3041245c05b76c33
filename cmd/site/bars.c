/*
 * bars.c - what a ticker's chart needs from the store: its last bars of
 * one interval (raw/), the band around their closes, and the anomalies
 * that fall on them, those of the window and any older ones the chart
 * reaches back to.
 *
 * The band is the detector's: the raw store keeps the bars as
 * sam-zscore scored them, and a bar's band is drawn from the statistics
 * stored with it (mean and sd, or median and MAD), with sam-detect's
 * threshold, calibration and floor, never recomputed from the fewer
 * bars the store may hold.  Only a bar stored unscored (a store from
 * before) has its band recomputed from the closes before it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "site.h"

struct rawbar {
	int64_t secs;
	int32_t ns;
	int16_t imin;
	int8_t source;		/* enum band_source: the statistics it has */
	int8_t robust;		/* median and MAD, not mean and sd */
	int8_t partial;
	int8_t mock;		/* "source":"mock" */
	int8_t tests;		/* its z fields that are numbers: sam-detect's tests */
	double close, volume;
	double n;		/* bars in its window */
	double center, scale;	/* of its price metric (mean and sd, or
				 * median and MAD); NAN: null */
	double ret;		/* its return as stored; NAN: none */
	double beta, mret;	/* the market model's, for excess */
	double excess;
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

/* The fields of a raw bar the chart reads: then the statistics of each
 * price metric, the most refined first, as sam-zscore names them (mean
 * and sd; median and MAD with --robust). */
enum {
	F_CLOSE, F_VOLUME, F_FINAL, F_N, F_RETURN, F_EXCESS, F_BETA,
	F_MARKET_RETURN, F_STATS, F_FIELDS = F_STATS + 12
};
static const char *const bar_keys[F_FIELDS] = {
	"close", "volume", "final", "n", "return", "excess", "beta", "market_return",
	"mean_excess", "sd_excess", "median_excess", "mad_excess",
	"mean_return", "sd_return", "median_return", "mad_return",
	"mean_close", "sd_close", "median_close", "mad_close",
};
static const int8_t stat_source[3] = { BAND_EXCESS, BAND_RETURN, BAND_CLOSE };

/* An optional number: NAN when absent or null; 0, or -1 (reported). */
static int
optional(struct sam_input *in, const struct sam_field *f, const char *name, double *v)
{
	int has;

	if (sam_get_number_opt(in, f, name, v, &has) < 0)
		return -1;
	if (!has)
		*v = NAN;
	return 0;
}

/* Whether sam-zscore scored the bar ("n" or a z field), and how many
 * z it has that sam-detect tests (numbers, not null): a calibrated
 * score is corrected for that many chances. */
static int
scored(const struct sam_rec *rec, const struct sam_field *n, struct rawbar *b)
{
	size_t i;
	int any = n != NULL;

	b->tests = 0;
	for (i = 0; i < rec->n; i++)
		if (rec->f[i].klen > 2 && memcmp(rec->f[i].key, "z_", 2) == 0) {
			any = 1;
			b->tests += rec->f[i].type == SAM_JNUMBER && b->tests < INT8_MAX;
		}
	return any;
}

/* The statistics of the bar's price metric, the most refined it has:
 * the return net of the market, the return, the close level.  A bar
 * that sam-zscore scored but that has none of them gets no band; one
 * it never saw gets a recomputed band. */
static int
bar_stats(struct sam_input *in, const struct sam_rec *rec,
    const struct sam_field *const *f, struct rawbar *b)
{
	const struct sam_field *const *st;
	int k, robust, any = scored(rec, f[F_N], b);

	b->center = b->scale = NAN;
	if (optional(in, f[F_N], "n", &b->n) < 0 ||
	    optional(in, f[F_RETURN], "return", &b->ret) < 0 ||
	    optional(in, f[F_EXCESS], "excess", &b->excess) < 0 ||
	    optional(in, f[F_BETA], "beta", &b->beta) < 0 ||
	    optional(in, f[F_MARKET_RETURN], "market_return", &b->mret) < 0)
		return -1;
	for (k = 0; k < 3; k++) {
		st = f + F_STATS + 4 * k;
		if (st[0] || st[1] || st[2] || st[3])
			break;
	}
	if (k == 3) {
		b->source = any ? BAND_NONE : BAND_RECOMPUTED;
		return 0;
	}
	b->source = stat_source[k];
	robust = !st[0] && !st[1];
	b->robust = robust;
	return optional(in, st[2 * robust], bar_keys[F_STATS + 4 * k + 2 * robust],
	    &b->center) < 0 || optional(in, st[2 * robust + 1],
	    bar_keys[F_STATS + 4 * k + 2 * robust + 1], &b->scale) < 0 ? -1 : 0;
}

/* A bar: its close, volume and statistics; the walk stops after the
 * file where one interval has as many as the chart wants. */
static int
on_bar(struct sam_input *in, const struct sam_rec *rec, const struct store_entry *e, void *wv)
{
	static const int16_t imins[6] = { 1, 5, 15, 30, 60, 1440 };
	struct site_walk *w = wv;
	struct bars *bs = w->ctx;
	const struct sam_field *f[F_FIELDS];
	struct rawbar *b;
	int k;

	if (sam_grow(&bs->v, &bs->cap, bs->n + 1, sizeof *bs->v) < 0)
		return site_oom(w->s);
	b = &bs->v[bs->n];
	sam_rec_find(rec, bar_keys, F_FIELDS, f);
	if (sam_get_number(in, f[F_CLOSE], "close", &b->close) < 0 ||
	    sam_get_number(in, f[F_VOLUME], "volume", &b->volume) < 0 ||
	    bar_stats(in, rec, f, b) < 0)
		return 0;	/* reported */
	b->partial = f[F_FINAL] && f[F_FINAL]->type == SAM_JFALSE;
	b->mock = (int8_t)site_is_mock(rec);
	b->secs = e->secs;
	b->ns = e->ns;
	b->imin = e->imin;
	bs->n++;
	for (k = 0; k < 6; k++)
		if (e->imin == imins[k] && ++bs->count[k] >= bs->want)
			w->w.stop = 1;
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

/*
 * The |z| at the threshold, as sam-detect judges a bar of a window of n
 * bars with `tests` z fields: the threshold itself, or with a
 * calibration the |z| whose score is the threshold, the tail
 * probability shared among the tests (Bonferroni); a bar without a
 * window size of 2 or more is taken at the tail df alone, as there.
 */
static double
z_at_threshold(const struct chart *c, double n, int tests, int robust)
{
	if (!(c->tail_df > 0))
		return c->threshold;
	if (!(n >= 2))
		n = 1e9;
	return sam_calib_z_at(c->threshold, n, tests, c->tail_df, robust);
}

/* A bar stored unscored: its band recomputed, the closes whose z
 * against the W bars before stays within the threshold, where at least
 * min_periods of them are there.  A bar in progress is not one of the
 * W, as sam-zscore keeps it out of its window. */
static int
recomputed_band(struct site *s, const struct chart *c, const struct rawbar *v,
    size_t from, size_t to, size_t first, struct site_bar *out)
{
	struct sam_roll r;
	size_t i;

	if (sam_roll_init(&r, s->window) < 0)
		return site_oom(s);
	for (i = first >= from + s->window ? first - s->window : from; i < to; i++) {
		double mean, sd, dev, t;
		if (i >= first && v[i].source == BAND_RECOMPUTED && r.n >= s->min_periods &&
		    sam_roll_stats(&r, 1, v[i].close, &mean, &sd, &dev) == 0) {
			t = z_at_threshold(c, (double)r.n, 1, 0);
			out[i - first].lo = mean - t * sd;
			out[i - first].hi = mean + t * sd;
			out[i - first].band = 1;
		}
		if (!v[i].partial && sam_roll_push(&r, v[i].close) < 0) {
			sam_roll_free(&r);
			return site_oom(s);
		}
	}
	sam_roll_free(&r);
	return 0;
}

/* The bar's return: as stored, else its excess plus the market's part. */
static double
bar_return(const struct rawbar *b)
{
	return isnan(b->ret) ? b->excess + b->beta * b->mret : b->ret;
}

/* The close a bar's return is from: the one its own return says
 * (close / (1 + return)), else the last full bar before it. */
static double
prev_close(const struct rawbar *v, size_t i, size_t from)
{
	double r = bar_return(&v[i]), base = 1 + r;

	if (!isnan(r) && base != 0 && isfinite(v[i].close / base))
		return v[i].close / base;
	while (i-- > from)
		if (!v[i].partial)
			return v[i].close;
	return NAN;
}

/* prev * (1 + r), the low and the high one in order (a negative price
 * turns them round). */
static void
closes_at(double prev, double rlo, double rhi, double *lo, double *hi)
{
	*lo = prev * (1 + rlo);
	*hi = prev * (1 + rhi);
	if (*lo > *hi) {
		double t = *lo;
		*lo = *hi;
		*hi = t;
	}
}

/*
 * The band of a scored bar, from the statistics stored with it: for the
 * close level center +- T scale; for the return the closes whose return
 * from the previous close is center +- T scale; for the excess return
 * the same with the market's part, beta times its return, added.  None
 * (BAND_NONE) where the statistics are null.  With a --move floor, a bar
 * with a return is an anomaly too when it moved that much against the
 * market (its return less the market's): the band ends there as well,
 * and none is left (BAND_FLOORED) when the two leave no close between
 * them.
 */
static void
stored_band(const struct chart *c, const struct rawbar *v, size_t i, size_t from,
    struct site_bar *out)
{
	const struct rawbar *b = &v[i];
	double t, prev, mid, lo, hi, flo, fhi, mret;

	if (b->source < BAND_CLOSE)
		return;
	out->source = BAND_NONE;	/* until its band is drawn */
	if (isnan(b->center) || isnan(b->scale))
		return;
	t = z_at_threshold(c, b->n, b->tests, b->robust);
	prev = prev_close(v, i, from);
	if (b->source == BAND_CLOSE) {
		lo = b->center - t * b->scale;
		hi = b->center + t * b->scale;
	} else {
		mid = b->center;
		if (b->source == BAND_EXCESS)
			mid += b->beta * b->mret;
		if (isnan(mid) || isnan(prev))
			return;
		closes_at(prev, mid - t * b->scale, mid + t * b->scale, &lo, &hi);
	}
	if (c->move > 0 && !isnan(b->ret) && !isnan(prev)) {
		mret = isnan(b->mret) ? 0 : b->mret;
		closes_at(prev, mret - c->move, mret + c->move, &flo, &fhi);
		lo = fmax(lo, flo);
		hi = fmin(hi, fhi);
		if (!(lo <= hi)) {
			out->source = BAND_FLOORED;
			return;
		}
	}
	out->source = b->source;
	out->lo = lo;
	out->hi = hi;
	out->band = 1;
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
		const struct site_bar *b = &c->bar[mid];
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
on_older(struct sam_input *in, const struct sam_rec *rec, const struct store_entry *e,
    void *wv)
{
	struct site_walk *w = wv;
	struct chart *c = w->ctx;

	if (sam_grow(&c->older, &c->older_cap, c->nolder + 1, sizeof *c->older) < 0)
		return site_oom(w->s);
	if (site_anomaly(&c->older[c->nolder], w->w.ticker, in, rec, e) == 0)
		c->older[c->nolder++].line = NULL;	/* its file is freed */
	return 0;
}

int
chart_load(struct site *s, const struct ticker *t, struct chart *c)
{
	struct bars bs = { .want = s->chart_bars + s->window };
	struct site_walk raw = { .w = { .kind = STORE_RAW, .ticker = t->name,
	    .from = INT64_MIN, .to = INT64_MAX, .newest_first = 1, .line = on_bar },
	    .ctx = &bs };
	struct site_walk older = { .w = { .kind = STORE_ANOMALIES, .ticker = t->name,
	    .line = on_older }, .ctx = c };
	struct rawbar *v;
	size_t i, from, to, first;
	int64_t window_from = s->latest - (int64_t)s->days + 1;
	int r;

	memset(c, 0, sizeof *c);
	strcpy(c->interval, "1d");
	c->threshold = s->threshold;
	c->tail_df = s->tail_df;
	c->move = s->move;
	for (i = t->first; i < t->first + t->n; i++)	/* the newest says */
		if (s->a[i].an.has_threshold) {
			c->threshold = s->a[i].an.threshold;
			break;
		}
	if (s->kindfd[STORE_RAW] < 0)
		return 0;
	if ((r = site_walk(s, s->kindfd[STORE_RAW], &raw)) < 0 || bs.n == 0) {
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
		struct site_bar *b = &c->bar[i - first];
		b->secs = v[i].secs;
		b->ns = v[i].ns;
		b->close = v[i].close;
		b->volume = v[i].volume;
		b->source = v[i].source;
		b->partial = v[i].partial;
		c->mock += (size_t)v[i].mock;
		stored_band(c, v, i, from, b);
	}
	s->mock += c->mock;	/* the index, built last, says it too */
	if (v[from].imin == 1440 || v[from].imin == 60)
		strcpy(c->interval, v[from].imin == 60 ? "1h" : "1d");
	else
		snprintf(c->interval, sizeof c->interval, "%dm", v[from].imin);
	r = recomputed_band(s, c, v, from, to, first, c->bar);
	older.w.from = sam_ny_date(v[first].secs);
	older.w.to = window_from - 1;
	if (r == 0 && older.w.from <= older.w.to && s->kindfd[STORE_ANOMALIES] >= 0)
		r = site_walk(s, s->kindfd[STORE_ANOMALIES], &older);
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
