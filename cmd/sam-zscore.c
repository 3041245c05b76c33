/*
 * sam-zscore - trailing z-scores of price and volume per ticker.
 *
 * For each bar, the window is the W bars of the same ticker and
 * interval before it (never the bar itself); z = (x - mean) / sd.
 * State is per series, O(series x W) whatever the input length.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zscore/zscore.h"

static const char *const metric_names[M_COUNT] = {
	"close", "volume", "return", "lvolume", "excess"
};

/* The (return, market return) pairs of the excess metric's window. */
struct pairs {
	double *r, *m;
	size_t n, head, w;
	/* --robust: the window's slots in the order of their excess
	 * returns at the last bar (beta moves little from bar to bar, so
	 * an insertion sort of that order is nearly free) */
	size_t *perm;
};

struct series {
	int64_t last_secs;
	long last_ns;
	char last_ts[40];
	double prev_close;
	int have_prev;
	int minutes;		/* the interval; 0 for 1d */
	unsigned long bars;	/* final bars seen so far */
	struct sam_roll roll[M_COUNT];
	struct sam_roll *slots;	/* lvolume of intraday bars: a window a session slot */
	size_t nslots;
	/* with a market: the same windows of ln(1 + volume) as it is, for
	 * rvol, the volume against its own usual level */
	struct sam_roll rawlv, *rawslots;
	struct pairs ex;
	size_t market_hint;	/* where the last bar's market time was */
};

struct state {
	const struct zscore_opts *o;
	struct market *market;
	struct sam_map series;
	struct series *last;	/* the last record's, and its key: */
	char last_key[64];	/* records come a ticker at a time */
	size_t last_klen;
	struct sam_edits edits;
	struct sam_keys keys;	/* the fields a bar is read for: bar_keys */
	double *scratch;	/* robust statistics work space */
	struct sam_buf market_json;	/* the market's name, quoted once */
};

#define SELECTED(o, m) ((o)->selected & 1u << (m))

static const char usage[] =
    "usage: sam-zscore [-w window] [-p min-periods] [-m metrics] [--ddof 0|1]\n"
    "                  [--robust] [--profile name] [--market file [--market-ticker ticker]]\n"
    "                  [--market-only] [--strict] [--log-format text|json] [file ...]\n";

static const struct sam_help help[] = {
	{ "-w, --window window", "the bars before each bar that make its window,\n"
	    "2 to 1000000 (default SAM_WINDOW, else 30)" },
	{ "-p, --min-periods min-periods",
	    "the fewest bars in the window for a z-score,\n"
	    "1 to the window (default: the window)" },
	{ "-m, --metrics metrics", "the metrics: close, volume, return, lvolume,\n"
	    "excess (default SAM_METRICS, else the profile's)" },
	{ "--ddof 0|1", "1: sample standard deviation (default); 0: population" },
	{ "--robust", "median and 1.4826 x MAD, not mean and sd (default off)" },
	{ "--profile name", "the metrics of a profile, when -m names none: original\n"
	    "(close,volume) or recommended (default SAM_PROFILE,\n"
	    "else original)" },
	{ "--market file", "a market series: each bar gets the market's return,\n"
	    "the cross-sectional median of file (default none)" },
	{ "--market-ticker ticker", "the market is this ticker of file, not the median" },
	{ "--market-only", "write the market series of file, a record a bar time,\n"
	    "and read no bars: what --market reads back in place\n"
	    "of file (the shards of one file share it)" },
	{ "--strict", "a bad input line is fatal (default: skipped, exit 1)" },
	{ "--log-format text|json", "diagnostics' format (default SAM_LOG_FORMAT, else text)" },
	{ "-h, --help", "this help" },
	{ "--version", "the version" },
	{ NULL, NULL }
};

static const struct sam_tool tool = { "sam-zscore", usage, help, "sam-zscore(1)", NULL };

/* "close,volume" -> the metric list; -1 on an unknown or repeated name. */
static int
parse_metrics(struct zscore_opts *o, const char *list)
{
	const char *p = list;

	o->nmetrics = 0;
	o->selected = 0;
	while (*p) {
		size_t n = strcspn(p, ","), i;
		for (i = 0; i < M_COUNT; i++)
			if (strlen(metric_names[i]) == n &&
			    strncmp(p, metric_names[i], n) == 0)
				break;
		if (i == M_COUNT)
			return -1;
		if (o->selected & (1u << i))
			return -1;		/* named twice */
		o->selected |= 1u << i;
		o->metrics[o->nmetrics++] = (int)i;
		p += n;
		if (*p == ',' && *++p == '\0')
			return -1;
	}
	return o->nmetrics ? 0 : -1;
}

static void
name_fields(struct zscore_opts *o)
{
	int i;

	for (i = 0; i < M_COUNT; i++) {
		const char *m = metric_names[i];
		snprintf(o->names[i][0], sizeof o->names[i][0], "%s_%s",
		    o->robust ? "median" : "mean", m);
		snprintf(o->names[i][1], sizeof o->names[i][1], "%s_%s",
		    o->robust ? "mad" : "sd", m);
		snprintf(o->names[i][2], sizeof o->names[i][2], "z_%s", m);
	}
}

static void
free_series(void *p)
{
	struct series *s = p;
	size_t i;

	if (!s)
		return;
	for (i = 0; i < M_COUNT; i++)
		sam_roll_free(&s->roll[i]);
	for (i = 0; i < s->nslots; i++) {
		sam_roll_free(&s->slots[i]);
		if (s->rawslots)
			sam_roll_free(&s->rawslots[i]);
	}
	free(s->slots);
	free(s->rawslots);
	sam_roll_free(&s->rawlv);
	free(s->ex.r);
	free(s->ex.m);
	free(s->ex.perm);
	free(s);
}

/* A window; robust ones keep their values in order too (a median and
 * MAD a bar cost a binary search, not two selections). */
static void
init_window(const struct state *st, struct sam_roll *r)
{
	sam_roll_init(r, st->o->window);
	r->keep_sorted = st->o->robust;
}

static struct series *
remember_series(struct state *st, const char *key, size_t klen, struct series *s)
{
	memcpy(st->last_key, key, klen);
	st->last_klen = klen;
	return st->last = s;
}

static struct series *
lookup_series(struct state *st, const struct sam_key *k)
{
	char key[64];
	size_t tl = strlen(k->ticker), il = strlen(k->interval), i;
	void **slot;
	int isnew;
	struct series *s;

	memcpy(key, k->ticker, tl);
	key[tl] = '\0';
	memcpy(key + tl + 1, k->interval, il);
	if (st->last && st->last_klen == tl + 1 + il &&
	    memcmp(st->last_key, key, tl + 1 + il) == 0)
		return st->last;
	if (!(slot = sam_map_put(&st->series, key, tl + 1 + il, &isnew)))
		return NULL;
	if (!isnew)
		return remember_series(st, key, tl + 1 + il, *slot);
	if (!(s = calloc(1, sizeof *s)))
		return NULL;
	*slot = s;
	for (i = 0; i < M_COUNT; i++)
		init_window(st, &s->roll[i]);
	init_window(st, &s->rawlv);
	s->minutes = k->minutes;
	s->ex.w = st->o->window;
	if (s->minutes > 0 && SELECTED(st->o, M_LVOLUME)) {
		/* the session's slots, and one for bars outside it */
		s->nslots = (size_t)(390 + s->minutes - 1) / (size_t)s->minutes + 1;
		if (!(s->slots = calloc(s->nslots, sizeof *s->slots)) ||
		    (st->market && !(s->rawslots = calloc(s->nslots, sizeof *s->rawslots))))
			return NULL;
		for (i = 0; i < s->nslots; i++) {
			init_window(st, &s->slots[i]);
			if (s->rawslots)
				init_window(st, &s->rawslots[i]);
		}
	}
	return s;
}

/* The window lvolume is judged against: the series', or for intraday
 * bars the same session slot's on the days before (the open and the
 * close trade more every day: that is not news). */
static size_t
volume_slot(const struct series *s, int64_t secs)
{
	int64_t local;
	int minute;

	if (!s->slots)
		return 0;
	local = secs + sam_ny_offset(secs);
	minute = (int)((local % 86400 + 86400) % 86400 / 60) - SAM_NYSE_OPEN_MINUTE;
	if (minute < 0 || minute >= 390)
		return s->nslots - 1;
	return (size_t)(minute / s->minutes);
}

/* The window of the slot: of lvolume as judged (after the market's), or
 * raw, of ln(1 + volume) as it is. */
static struct sam_roll *
volume_window(struct series *s, size_t slot, int raw)
{
	if (!s->slots)
		return raw ? &s->rawlv : &s->roll[M_LVOLUME];
	return raw ? &s->rawslots[slot] : &s->slots[slot];
}

/* rvol: the volume against the center of its own window (with a
 * market, the window of the volumes as they are, not of the ones
 * judged: "5x its usual" is what a trader reads). */
static double
relative_volume(struct state *st, struct sam_roll *raw, double lv)
{
	double center, scale, dev;

	if (raw->n < st->o->min_periods)
		return NAN;
	if (st->o->robust ? sam_roll_robust(raw, &center, &scale) :
	    sam_roll_stats(raw, 0, lv, &center, &scale, &dev))
		return NAN;
	return exp(lv - center);
}

/* The statistics of one metric's window, as output fields; the center
 * is returned.  judge 0: the value is not scored (z null). */
static double
emit_metric(struct state *st, int m, struct sam_roll *r, int judge, double x)
{
	const struct zscore_opts *o = st->o;
	double center = NAN, scale = NAN, z = NAN, dev;

	if (r->n >= o->min_periods) {
		if (o->robust) {
			if (sam_roll_robust(r, &center, &scale) == 0 &&
			    scale > 0 && judge)
				z = (x - center) / scale;
		} else if (sam_roll_stats(r, o->ddof, x, &center, &scale, &dev) == 0) {
			if (scale > 0 && judge)
				z = dev / scale;
		} else if (sam_roll_stats(r, 0, x, &center, &scale, &dev) == 0) {
			scale = NAN;	/* one value: a mean, but no sample sd */
		}
	}
	sam_edits_num(&st->edits, o->names[m][0], center);
	sam_edits_num(&st->edits, o->names[m][1], scale);
	sam_edits_num(&st->edits, o->names[m][2], z);
	return center;
}

static double
pair_at(const double *a, const struct pairs *p, size_t i)
{
	size_t k = p->head + i;

	return a[k >= p->w ? k - p->w : k];
}

/* The window's excess returns under beta, in increasing order, into
 * sorted.  perm keeps the slots in the order of the bar before, which
 * a small change of beta hardly upsets: the insertion sort has little
 * to move, and moves the values beside their slots. */
static void
sort_excess(struct pairs *p, double beta, double *sorted)
{
	size_t i, j, b;
	double last = -INFINITY;

	/* Whether a value moves at all is known before any moves: the
	 * last of the sorted values before i is the greater of the last
	 * before i - 1 and value i - 1 (by the sort's own comparison, so
	 * even for a NaN).  Only the values that move are visited, from a
	 * mask of 64 at a time: the sort's guess at each one, whether it
	 * moves, was a coin toss for a quarter of them (7.4 of 30 a bar
	 * on real.nd). */
	for (b = 0; b < p->n; b += 64) {
		size_t end = p->n - b < 64 ? p->n : b + 64;
		uint64_t moves = 0;
		for (i = b; i < end; i++) {	/* slots 0..n are the window */
			size_t slot = p->perm[i];
			double v = p->r[slot] - beta * p->m[slot];
			sorted[i] = v;
			moves |= (uint64_t)(last > v) << (i - b);
			last = last > v ? last : v;
		}
		while (moves) {
			int bit = __builtin_ctzll(moves);
			size_t slot;
			double v;
			moves &= moves - 1;
			i = b + (size_t)bit;
			slot = p->perm[i];
			v = sorted[i];
			for (j = i; j > 0 && sorted[j - 1] > v; j--) {
				sorted[j] = sorted[j - 1];
				p->perm[j] = p->perm[j - 1];
			}
			sorted[j] = v;
			p->perm[j] = slot;
		}
	}
}

/* The market model over the window: beta by least squares of the
 * ticker's returns on the market's, the excess return r - beta * rm,
 * and its z against the window's excess returns under the same beta. */
static void
emit_excess(struct state *st, struct pairs *p, int have, double r, double rm)
{
	const struct zscore_opts *o = st->o;
	double beta = NAN, e = NAN, mean = NAN, sd = NAN, z = NAN;
	double mr = 0, mm = 0, cov = 0, var = 0, ss = 0, n = (double)p->n;
	size_t i, need = o->min_periods < 3 ? 3 : o->min_periods;

	if (p->n >= need) {
		for (i = 0; i < p->n; i++) {
			mr += pair_at(p->r, p, i);
			mm += pair_at(p->m, p, i);
		}
		mr /= n;
		mm /= n;
		for (i = 0; i < p->n; i++) {
			double dr = pair_at(p->r, p, i) - mr, dm = pair_at(p->m, p, i) - mm;
			cov += dr * dm;
			var += dm * dm;
		}
		/* 30 bars estimate beta poorly, and on a day the market moves
		 * 4 % a beta 0.5 too high is a 2 % excess: Blume's adjustment
		 * (two thirds of the estimate, one third of 1) damps it */
		beta = (var > 0 ? cov / var : 0) * 2 / 3 + 1.0 / 3;
		if (o->robust) {	/* median and 1.4826 MAD of the excess returns */
			sort_excess(p, beta, st->scratch);
			sam_sorted_robust(st->scratch, p->n, &mean, &sd);
		} else {
			mean = mr - beta * mm;
			for (i = 0; i < p->n; i++) {
				double d = pair_at(p->r, p, i) - beta * pair_at(p->m, p, i) - mean;
				ss += d * d;
			}
			sd = sqrt(ss / (n - o->ddof));
		}
		if (have) {
			e = r - beta * rm;
			if (sd > 0)
				z = (e - mean) / sd;
		}
	}
	sam_edits_num(&st->edits, "beta", beta);
	sam_edits_num(&st->edits, "excess", e);
	sam_edits_num(&st->edits, o->names[M_EXCESS][0], mean);
	sam_edits_num(&st->edits, o->names[M_EXCESS][1], sd);
	sam_edits_num(&st->edits, o->names[M_EXCESS][2], z);
}

static int
pairs_push(struct pairs *p, double r, double m)
{
	size_t k;

	if (!p->r && (!(p->r = malloc(p->w * sizeof *p->r)) ||
	    !(p->m = malloc(p->w * sizeof *p->m)) ||
	    !(p->perm = malloc(p->w * sizeof *p->perm))))
		return -1;
	if (p->n < p->w) {
		k = p->head + p->n++;
		k = k >= p->w ? k - p->w : k;
		p->perm[p->n - 1] = k;	/* a new slot, put in order at the next sort */
	} else {
		k = p->head;
		if (++p->head == p->w)
			p->head = 0;
	}
	p->r[k] = r;
	p->m[k] = m;
	return 0;
}

/* What one bar brings: its values, which of them it has, whether it is
 * final, and the market at its time. */
struct bar_values {
	double v[M_COUNT];
	int have[M_COUNT];
	int partial;
	const struct market_point *mp;
	double mv;		/* the market's log relative volume, taken out */
};

static int
read_values(struct sam_input *in, const struct zscore_opts *o,
    const struct sam_field *const f[6], struct bar_values *bv)
{
	memset(bv, 0, sizeof *bv);
	if ((SELECTED(o, M_CLOSE) || SELECTED(o, M_RETURN) || SELECTED(o, M_EXCESS)) &&
	    sam_get_number(in, f[3], "close", &bv->v[M_CLOSE]) < 0)
		return -1;
	if (SELECTED(o, M_VOLUME) || SELECTED(o, M_LVOLUME)) {
		if (sam_get_number(in, f[4], "volume", &bv->v[M_VOLUME]) < 0)
			return -1;
		if (bv->v[M_VOLUME] < 0)
			return sam_reject(in, "field \"volume\": negative");
		if (SELECTED(o, M_LVOLUME))	/* log1p is dear: only where it is read */
			bv->v[M_LVOLUME] = log1p(bv->v[M_VOLUME]);
	}
	if (f[5] && f[5]->type != SAM_JFALSE && f[5]->type != SAM_JTRUE)
		return sam_reject(in, "field \"final\": expected true or false, got %s",
		    sam_jtype_name(f[5]->type));
	bv->partial = f[5] && f[5]->type == SAM_JFALSE;
	bv->have[M_CLOSE] = bv->have[M_VOLUME] = bv->have[M_LVOLUME] = 1;
	return 0;
}

static int
check_order(struct sam_input *in, struct series *s, const struct sam_key *k)
{
	char q1[SAM_QUOTE_MAX], q2[SAM_QUOTE_MAX];

	if (s->last_ts[0] && (k->secs < s->last_secs ||
	    (k->secs == s->last_secs && k->ns <= s->last_ns)))
		return sam_reject(in, "ts %s is not after the previous %s %s "
		    "bar (%s)", sam_quote(q1, sizeof q1, k->ts, strlen(k->ts)),
		    k->ticker, k->interval,
		    sam_quote(q2, sizeof q2, s->last_ts, strlen(s->last_ts)));
	return 0;
}

/* Every selected metric's fields, in the order the metrics were named. */
static void
emit_all(struct state *st, struct series *s, const struct sam_key *k,
    struct bar_values *bv, size_t *vslot)
{
	const struct zscore_opts *o = st->o;
	int i;

	*vslot = volume_slot(s, k->secs);
	for (i = 0; i < o->nmetrics; i++) {
		int m = o->metrics[i];
		/* an unfinished bar's volume so far is no day's volume */
		int judge = bv->have[m] && !(bv->partial && (m == M_VOLUME || m == M_LVOLUME));
		double center;
		if (m == M_EXCESS) {
			emit_excess(st, &s->ex, bv->have[M_EXCESS], bv->v[M_RETURN],
			    bv->mp ? bv->mp->r : NAN);
		} else if (m == M_LVOLUME) {
			center = emit_metric(st, m, volume_window(s, *vslot, 0), judge, bv->v[m]);
			if (!judge)
				center = NAN;
			else if (st->market)
				center = relative_volume(st, volume_window(s, *vslot, 1),
				    bv->v[m] + bv->mv);
			else
				center = exp(bv->v[m] - center);
			sam_edits_num(&st->edits, "rvol", center);
		} else {
			emit_metric(st, m, &s->roll[m], judge, bv->v[m]);
		}
	}
}

/* A final bar joins the windows; an unfinished one never does. */
static int
push_all(struct state *st, struct series *s, const struct bar_values *bv,
    size_t vslot)
{
	const struct zscore_opts *o = st->o;
	int i;

	if (bv->partial)
		return 0;
	s->bars++;
	s->prev_close = bv->v[M_CLOSE];
	s->have_prev = 1;
	for (i = 0; i < o->nmetrics; i++) {
		int m = o->metrics[i];
		if (!bv->have[m])
			continue;
		if (m == M_EXCESS) {
			if (pairs_push(&s->ex, bv->v[M_RETURN], bv->mp->r) < 0)
				return -1;
		} else if (m == M_LVOLUME) {
			if (sam_roll_push(volume_window(s, vslot, 0), bv->v[m]) < 0 ||
			    (st->market && sam_roll_push(volume_window(s, vslot, 1),
			    bv->v[m] + bv->mv) < 0))
				return -1;
		} else if (sam_roll_push(&s->roll[m], bv->v[m]) < 0) {
			return -1;
		}
	}
	return 0;
}

static const char *const bar_keys[] = { "ticker", "interval", "ts", "close",
    "volume", "final" };

static int
on_record(struct sam_input *in, struct sam_rec *rec, void *ctx)
{
	const struct sam_field *f[6];
	struct state *st = ctx;
	const struct zscore_opts *o = st->o;
	struct sam_key k;
	struct bar_values bv;
	size_t vslot;
	struct series *s;
	int dup;

	if ((dup = sam_rec_find_keys(rec, &st->keys, f)) >= 0)
		return sam_reject(in, "duplicate field \"%s\"", bar_keys[dup]);
	if (sam_get_key(in, f, &k) < 0 || read_values(in, o, f, &bv) < 0)
		return -1;
	if (!(s = lookup_series(st, &k))) {
		sam_log(SAM_FATAL, NULL, 0, "out of memory");
		return -2;
	}
	if (check_order(in, s, &k) < 0)
		return -1;
	if (!bv.partial) {	/* the final bar may follow its unfinished self */
		s->last_secs = k.secs;
		s->last_ns = k.ns;
		memcpy(s->last_ts, k.ts, sizeof k.ts);
	}
	if (st->market)
		bv.mp = market_at(st->market, s->minutes, k.secs, k.ns, &s->market_hint);
	if (bv.mp && !isnan(bv.mp->v) && !bv.partial) {
		bv.mv = bv.mp->v;	/* a market-wide surge is not this ticker's */
		bv.v[M_LVOLUME] -= bv.mv;
	}
	if (s->have_prev && s->prev_close != 0) {
		/* (c - p) / p: exact subtraction for nearby prices, one rounding */
		bv.v[M_RETURN] = (bv.v[M_CLOSE] - s->prev_close) / s->prev_close;
		bv.have[M_RETURN] = isfinite(bv.v[M_RETURN]);
		bv.have[M_EXCESS] = bv.have[M_RETURN] && bv.mp;
	}

	sam_edits_reset(&st->edits);
	if (SELECTED(o, M_RETURN) || SELECTED(o, M_EXCESS))
		sam_edits_num(&st->edits, "return", bv.have[M_RETURN] ? bv.v[M_RETURN] : NAN);
	if (bv.mp) {
		sam_edits_raw(&st->edits, "market", st->market_json.p, st->market_json.len);
		sam_edits_raw(&st->edits, "market_return", bv.mp->text[0], bv.mp->len[0]);
		sam_edits_raw(&st->edits, "market_z", bv.mp->text[1], bv.mp->len[1]);
		if (SELECTED(o, M_LVOLUME))
			sam_edits_raw(&st->edits, "market_rvol", bv.mp->text[2], bv.mp->len[2]);
	}
	sam_edits_num(&st->edits, "n", (double)(s->bars < o->window ?
	    s->bars : o->window));
	emit_all(st, s, &k, &bv, &vslot);
	if (push_all(st, s, &bv, vslot) < 0) {
		sam_log(SAM_FATAL, NULL, 0, "out of memory");
		return -2;
	}
	sam_rec_write(rec, &st->edits, sam_out());
	return 0;
}

static const struct option longopts[] = {
	{ "window", required_argument, NULL, 'w' },
	{ "min-periods", required_argument, NULL, 'p' },
	{ "metrics", required_argument, NULL, 'm' },
	{ "ddof", required_argument, NULL, 'D' },
	{ "robust", no_argument, NULL, 'R' },
	{ "profile", required_argument, NULL, 'P' },
	{ "market", required_argument, NULL, 'M' },
	{ "market-ticker", required_argument, NULL, 'K' },
	{ "market-only", no_argument, NULL, 'O' },
	{ "strict", no_argument, NULL, 'S' },
	SAM_OPTS_COMMON
};

struct args {
	const char *metrics, *minp, *profile, *market, *market_ticker;
	int market_only;
	int have_window;
};

/* Options > SAM_METRICS > the profile's metrics (its market ones with
 * --market) > close,volume. */
static int
choose_metrics(struct zscore_opts *o, const struct args *a)
{
	const struct sam_profile *prof;
	const char *env;
	int status;

	if ((status = sam_profile_choose(a->profile, usage, &prof)) != 0)
		return status;
	if (a->metrics) {
		if (parse_metrics(o, a->metrics) < 0)
			return sam_usage_error(usage, "-m: metrics are close, volume, "
			    "return, lvolume and excess, comma-separated: %s", a->metrics);
	} else if ((env = getenv("SAM_METRICS")) && *env) {
		if (parse_metrics(o, env) < 0)
			return sam_usage_error(usage, "SAM_METRICS: metrics are close, "
			    "volume, return, lvolume and excess, comma-separated: %s", env);
	} else {
		parse_metrics(o, !prof ? "close,volume" :
		    a->market ? prof->market_metrics : prof->metrics);
	}
	if (prof && prof->robust)
		o->robust = 1;
	if (SELECTED(o, M_EXCESS) && !a->market)
		return sam_usage_error(usage, "the excess metric needs --market");
	return 0;
}

static int
parse_args(int argc, char **argv, struct zscore_opts *o, struct args *a)
{
	unsigned long v;
	int c, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":w:p:m:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			if (sam_parse_ulong(optarg, 2, 1000000, &v) < 0)
				return sam_usage_error(usage, "-w: window must be 2 to 1000000: %s", optarg);
			o->window = v;
			a->have_window = 1;
			break;
		case 'p': a->minp = optarg; break;
		case 'm': a->metrics = optarg; break;
		case 'D':
			if (strcmp(optarg, "0") && strcmp(optarg, "1"))
				return sam_usage_error(usage, "--ddof: must be 0 or 1: %s", optarg);
			o->ddof = optarg[0] - '0';
			break;
		case 'R': o->robust = 1; break;
		case 'P': a->profile = optarg; break;
		case 'M': a->market = optarg; break;
		case 'K':
			if (!sam_valid_ticker(optarg, strlen(optarg)))
				return sam_usage_error(usage, "--market-ticker: not a ticker: %s", optarg);
			a->market_ticker = optarg;
			break;
		case 'O': a->market_only = 1; break;
		case 'S': o->strict = 1; break;
		default:	/* --log-format, --help, --version, errors */
			if ((status = sam_opt_common(c, argv, &tool)) == SAM_OPT_NEXT)
				break;
			if (c == 'h' || c == 'V')	/* written: the run is over */
				exit(status);
			return status;
		}
	}
	return 0;
}

static int
configure(int argc, char **argv, struct zscore_opts *o, struct args *a)
{
	const char *env;
	unsigned long v;
	int status;

	if ((status = parse_args(argc, argv, o, a)) != 0)
		return status;
	/* the environment only counts where no option was given */
	if ((status = sam_check_env(usage)) != 0)
		return status;
	if (!a->have_window && (env = getenv("SAM_WINDOW")) && *env) {
		if (sam_parse_ulong(env, 2, 1000000, &v) < 0)
			return sam_usage_error(usage, "SAM_WINDOW: window must be 2 to 1000000: %s", env);
		o->window = v;
	}
	if ((status = choose_metrics(o, a)) != 0)
		return status;
	if (a->market_ticker && !a->market)
		return sam_usage_error(usage, "--market-ticker needs --market");
	if (a->market_only && !a->market)
		return sam_usage_error(usage, "--market-only needs --market");
	if (a->market_only && optind < argc)
		return sam_usage_error(usage, "--market-only reads no bars: %s", argv[optind]);
	o->min_periods = o->window;
	if (a->minp && (sam_parse_ulong(a->minp, 1, o->window, &v) < 0))
		return sam_usage_error(usage, "-p: min-periods must be 1 to the window: %s", a->minp);
	if (a->minp)
		o->min_periods = v;
	name_fields(o);
	return 0;
}

int
main(int argc, char **argv)
{
	struct zscore_opts o = { .window = 30, .ddof = 1 };
	struct sam_input in = { 0 };
	struct state st = { .o = &o };
	struct market market = { .name = "cross" };
	struct args a = { 0 };
	int status;

	sam_log_init(argv[0]);
	sam_keys_init(&st.keys, bar_keys, 6);
	if ((status = configure(argc, argv, &o, &a)) != 0)
		return status;
	in.strict = o.strict;
	if (o.robust && !(st.scratch = malloc(o.window * sizeof *st.scratch))) {
		sam_fatal_errno("allocate the window");
		return SAM_EXIT_RUNTIME;
	}
	if (a.market) {
		if (a.market_ticker) {
			snprintf(market.ticker, sizeof market.ticker, "%s", a.market_ticker);
			market.name = market.ticker;
		}
		if (market_load(&market, a.market, &o) < 0) {
			sam_log(SAM_FATAL, a.market, 0, "unable to read the market series");
			market_free(&market);
			free(st.scratch);
			return SAM_EXIT_RUNTIME;
		}
		st.market = &market;
		sam_buf_jstr(&st.market_json, market.name, strlen(market.name));
		if (st.market_json.err) {
			sam_fatal_errno("allocate the market's name");
			market_free(&market);
			free(st.scratch);
			return SAM_EXIT_RUNTIME;
		}
	}

	if (a.market_only)	/* a write error: sam_out_finish tells it */
		market_write(&market);
	else
		status = sam_input_run(&in, argv + optind, argc - optind, on_record, &st);
	status = sam_out_finish(status);
	sam_map_free(&st.series, free_series);
	sam_edits_free(&st.edits);
	sam_buf_free(&st.market_json);
	market_free(&market);
	free(st.scratch);
	return status;
}
