/*
 * sam-detect - keep the anomalous bars and grade their severity.
 *
 * A bar is anomalous when the score of a selected metric M passes the
 * threshold: |z_M| itself, or with --tail-df the normal equivalent of
 * its tail probability (libz/calib.c).  With --fdr the bars of one scan
 * slot also pass Benjamini-Hochberg (cmd/detect/fdr.c).  Severity bands:
 * low (threshold, 2.5), medium [2.5, 3), high [3, 4), critical [4, inf)
 * by default.  Bars that carry the market's z make one market event a
 * slot when the market's own move passes the threshold.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"

#define METRICS_MAX 16
#define NAME_MAX_LEN 32

static const char usage[] =
    "usage: sam-detect [-t threshold] [-m metrics] [-b bands] [-T file] [--all]\n"
    "                  [--profile name] [--tail-df df] [--fdr rate] [--move fraction]\n"
    "                  [--rvol ratio] [--strict] [--log-format text|json] [file ...]\n";

static const struct sam_help help[] = {
	{ "-t, --threshold threshold", "a bar is anomalous when a score passes it\n"
	    "(default SAM_THRESHOLD, else the profile's, else 2.0)" },
	{ "-m, --metrics metrics", "the z_M fields to look at, such as close,volume\n"
	    "(default SAM_METRICS, else every z_ field)" },
	{ "-b, --bands bands", "the lower bounds of medium, high and critical\n"
	    "(default SAM_BANDS, else 2.5,3,4)" },
	{ "-T, --thresholds file", "thresholds for single tickers, \"TICKER value\"\n"
	    "a line (default none: -t for all)" },
	{ "--all", "write every bar, with anomaly true or false (default:\n"
	    "the anomalies only)" },
	{ "--profile name", "original or recommended (default SAM_PROFILE,\n"
	    "else original)" },
	{ "--tail-df df", "calibrate scores with a t of df degrees of freedom,\n"
	    "above 2 (default the profile's, else 0: |z|)" },
	{ "--fdr rate", "false discovery rate of each scan slot, above 0 to\n"
	    "below 1 (default the profile's, else 0: none)" },
	{ "--move fraction", "the move floor, 0.08 for 8 % (default the\n"
	    "profile's, else 0: none)" },
	{ "--rvol ratio", "the relative volume floor (default the profile's,\n"
	    "else 0: none)" },
	{ "--strict", "a bad input line is fatal (default: skipped, exit 1)" },
	{ "--log-format text|json", "diagnostics' format (default SAM_LOG_FORMAT, else text)" },
	{ "-h, --help", "this help" },
	{ "--version", "the version" },
	{ NULL, NULL }
};

static const struct sam_tool tool = { "sam-detect", usage, help, "sam-detect(1)", NULL };

struct opts {
	double threshold;
	double bands[SAM_SEVERITIES - 1];	/* lower bounds of medium, high, critical */
	struct sam_map tickers;	/* per-ticker thresholds */
	char metrics[METRICS_MAX][NAME_MAX_LEN + 3];	/* "z_close" */
	size_t metric_len[METRICS_MAX];
	int nmetrics;		/* 0: every z_ field present */
	int all;
	double tail_df;		/* 0: the score is |z| */
	double fdr;		/* 0: no false discovery rate */
	double move;		/* --move: |return - market_return| this large; 0: off */
	double rvol;		/* --rvol: relative volume this large; 0: off */
	struct sam_keys verdict_keys;	/* the fields a bar is read for */
};

struct hit {
	const char *name;	/* the metric, after "z_" */
	size_t len;
	const struct sam_field *f;	/* its z */
	double absz;		/* NAN: not read yet, only bound */
	double bound;		/* above |z| (sam_field_abs_bound) */
	double p, score;	/* p: NAN without --tail-df */
};

/* The fields sam-detect reads of a bar, found in one pass. */
enum {
	VF_TICKER, VF_INTERVAL, VF_TS, VF_N, VF_RETURN, VF_MARKET_RETURN,
	VF_RVOL, VF_Z_EXCESS, VF_MARKET_Z, VF_MARKET, VF_DATE, VF_FINAL, VF_COUNT
};
static const char *const verdict_keys[VF_COUNT] = {
	"ticker", "interval", "ts", "n", "return", "market_return",
	"rvol", "z_excess", "market_z", "market", "date", "final"
};

/* What sam-detect makes of one bar. */
struct verdict {
	const struct sam_field *f[VF_COUNT];
	struct sam_key k;
	struct hit hits[METRICS_MAX];	/* the largest first, once sorted */
	int nhits, nabove;
	int sorted;		/* hits are read and sorted; 0: in input order */
	int robust;		/* median and MAD windows: mad_ fields */
	int calibrated;		/* hits' p and score are known */
	const double *cal;	/* a held bar's p and score of each hit, or NULL */
	double n, threshold;
	const char *floors[2];	/* metrics past --move or --rvol */
	int nfloors;
};

struct detect_state {
	struct opts *o;
	struct sam_edits edits;
	struct sam_buf text;
	struct detect_fdr fdr;	/* the scan slots (and, with --fdr, held bars) */
	struct sam_rec held;	/* a held record, read again */
};

/* "2.5,3,4": exactly three increasing numbers, no empty item. */
static int
parse_bands(struct opts *o, const char *s)
{
	char buf[128], *p = buf, *comma;
	double b[SAM_SEVERITIES - 1];
	int i;

	if (strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	for (i = 0; i < SAM_SEVERITIES - 1; i++) {
		if ((comma = strchr(p, ',')))
			*comma = '\0';
		if ((i < SAM_SEVERITIES - 2) != (comma != NULL) || sam_parse_threshold(p, &b[i]) < 0 ||
		    (i > 0 && b[i] <= b[i - 1]))
			return -1;
		p = comma + 1;
	}
	memcpy(o->bands, b, sizeof b);
	return 0;
}

static int
parse_metrics(struct opts *o, const char *s)
{
	const char *p = s;

	o->nmetrics = 0;
	while (*p) {
		size_t n = strcspn(p, ","), i;
		int j;
		if (n == 0 || n > NAME_MAX_LEN || o->nmetrics == METRICS_MAX)
			return -1;
		for (i = 0; i < n; i++)
			if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '_'))
				return -1;
		snprintf(o->metrics[o->nmetrics], sizeof o->metrics[0],
		    "z_%.*s", (int)n, p);
		o->metric_len[o->nmetrics] = n + 2;
		for (j = 0; j < o->nmetrics; j++)	/* named twice */
			if (strcmp(o->metrics[j], o->metrics[o->nmetrics]) == 0)
				return -1;
		o->nmetrics++;
		p += n;
		if (*p == ',' && *++p == '\0')
			return -1;
	}
	return o->nmetrics ? 0 : -1;
}

/* A ticker's own threshold from the watch list file (sam_watch_read);
 * a ticker without one keeps the default. */
static int
own_threshold(void *ctx, const char *ticker, double threshold)
{
	struct opts *o = ctx;
	void **vp;
	int isnew;

	if (isnan(threshold))
		return 0;
	if (!(vp = sam_map_put(&o->tickers, ticker, strlen(ticker), &isnew)) ||
	    (isnew && !(*vp = malloc(sizeof threshold))))
		return -1;
	*(double *)*vp = threshold;
	return 0;
}

static const char *
severity(const struct opts *o, double score)
{
	return sam_severity_names[sam_severity_of(score, o->bands)];
}

/*
 * Collects the selected z fields, nulls dropped, in input order; each
 * only bound (sam_field_abs_bound): a bar whose every |z| is surely
 * below the quiet level needs none read (sort_hits reads them).  A
 * number the bound cannot tell is read here, where a bad one is
 * rejected in its turn.  -1 after rejecting the record.
 */
static int
collect(struct sam_input *in, const struct opts *o, const struct sam_rec *rec,
    struct verdict *v)
{
	struct {
		const char *name;
		size_t len;
	} seen[METRICS_MAX];		/* every selected z field, nulls too */
	unsigned named = 0;		/* bit j: o->metrics[j] was found */
	int nseen = 0, j, k;
	size_t f_i;

	v->nhits = 0;
	v->sorted = 0;
	v->robust = 0;
	for (f_i = 0; f_i < rec->n; f_i++) {
		const struct sam_field *f = &rec->f[f_i];
		const char *key = f->key;
		struct hit *h;
		/* sam-zscore --robust names its scales mad_ */
		if (f->klen > 4 && key[0] == 'm' && key[1] == 'a' && key[2] == 'd' &&
		    key[3] == '_')
			v->robust = 1;
		if (f->klen < 3 || key[0] != 'z' || key[1] != '_')
			continue;
		for (j = 0; j < o->nmetrics; j++)
			if (o->metric_len[j] == f->klen &&
			    memcmp(o->metrics[j], key, f->klen) == 0)
				break;
		if (o->nmetrics && j == o->nmetrics)
			continue;
		if (o->nmetrics)
			named |= 1u << j;
		for (k = 0; k < nseen; k++)	/* a z field twice: which one counts? */
			if (seen[k].len == f->klen - 2 &&
			    memcmp(seen[k].name, f->key + 2, seen[k].len) == 0)
				return sam_reject(in, "duplicate field \"%.*s\"",
				    (int)f->klen, f->key);
		if (nseen == METRICS_MAX)
			return sam_reject(in, "more than %d z fields", METRICS_MAX);
		if (f->type != SAM_JNULL && f->type != SAM_JNUMBER)
			return sam_reject(in, "field \"%.*s\": expected a number "
			    "or null, got %s", (int)f->klen, f->key,
			    sam_jtype_name(f->type));
		seen[nseen].name = f->key + 2;
		seen[nseen++].len = f->klen - 2;
		if (f->type == SAM_JNULL)
			continue;
		h = &v->hits[v->nhits++];
		h->name = f->key + 2;
		h->len = f->klen - 2;
		h->f = f;
		h->absz = NAN;
		if (isinf(h->bound = sam_field_abs_bound(f))) {
			if (sam_field_number(f, &h->absz) < 0)
				return sam_reject(in, "field \"%.*s\": number out of range",
				    (int)f->klen, f->key);
			h->bound = h->absz = fabs(h->absz);
		}
	}
	for (j = 0; j < o->nmetrics; j++)
		if (!(named & (1u << j)))
			return sam_reject(in, "missing field \"%s\"", o->metrics[j]);
	if (nseen == 0)
		return sam_reject(in, "no z_ fields (is the input from sam-zscore?)");
	return 0;
}

/* Reads the hits' z and sorts them, largest |z| first, input order on
 * ties.  A number the bound could tell is a plain one: it reads. */
static void
sort_hits(struct verdict *v)
{
	int i, k;

	if (v->sorted)
		return;
	v->sorted = 1;
	for (i = 0; i < v->nhits; i++) {	/* insertion sort, stable */
		struct hit h = v->hits[i];
		if (isnan(h.absz)) {
			(void)sam_field_number(h.f, &h.absz);
			h.absz = fabs(h.absz);
		}
		for (k = i; k > 0 && v->hits[k - 1].absz < h.absz; k--)
			v->hits[k] = v->hits[k - 1];
		v->hits[k] = h;
	}
}

/* The record's window length, for the calibration: "n", else as if
 * the window were long (the tail's own degrees of freedom). */
static double
window_n(const struct sam_field *f)
{
	double n;

	if (f && f->type == SAM_JNUMBER && sam_field_number(f, &n) == 0 && n >= 2)
		return n;
	return 1e9;
}

/*
 * The |z| below which a bar can be neither over its threshold nor under
 * the FDR's rate (z), and the one below which a score is not past the
 * threshold (zt), with a margin for the inverse's last bits: most bars
 * and most second metrics, which then need no t tail (GSL's incomplete
 * beta is the dearest thing sam-detect does), and with their bound
 * below it no z read at all.  Without --tail-df the score is |z|: zt is
 * the threshold.  Kept for the last few (n, tests, threshold).
 */
struct quiet {
	double z, zt;
};

static struct quiet
quiet_below(const struct opts *o, const struct verdict *v)
{
	static struct {
		double n, threshold;
		struct quiet q;
		int tests, robust;
	} cache[8];
	static unsigned next, used;
	struct quiet q;
	double zq;
	unsigned i;

	for (i = 0; i < used; i++)
		if (cache[i].n == v->n && cache[i].threshold == v->threshold &&
		    cache[i].tests == v->nhits && cache[i].robust == v->robust)
			return cache[i].q;
	if (o->tail_df > 0) {
		q.zt = q.z = sam_calib_z_at(v->threshold, v->n, v->nhits, o->tail_df, v->robust);
		zq = o->fdr > 0 ? sam_calib_z_of_p(o->fdr / v->nhits, v->n,
		    o->tail_df, v->robust) : INFINITY;
	} else {	/* the score is |z|, p the normal's tail (calibrate) */
		q.zt = q.z = v->threshold;
		zq = o->fdr > 0 ? sam_calib_score(o->fdr / v->nhits) : INFINITY;
	}
	if (zq < q.z)
		q.z = zq;
	q.z *= 1 - 1e-6;
	q.zt *= 1 - 1e-6;
	i = next++ % 8;
	if (used < 8)
		used++;
	cache[i].n = v->n;
	cache[i].threshold = v->threshold;
	cache[i].tests = v->nhits;
	cache[i].robust = v->robust;
	cache[i].q = q;
	return q;
}

/* Scores each metric: |z|, or the normal equivalent of its tail
 * probability, times the number of metrics tested (Bonferroni: two
 * metrics are two chances).  Past the first, whose p and score are
 * written, a metric only counts if its score passes the threshold:
 * one that cannot is left without (NAN), and so are the ones after. */
static void
calibrate(const struct opts *o, struct verdict *v)
{
	int i;

	v->calibrated = 1;
	sort_hits(v);
	for (i = 0; i < v->nhits; i++) {
		struct hit *h = &v->hits[i];
		if (v->cal) {	/* held: calibrated when it was read */
			h->p = v->cal[2 * i];
			h->score = v->cal[2 * i + 1];
		} else if (o->tail_df > 0 && i > 0 && h->absz < quiet_below(o, v).zt) {
			h->p = h->score = NAN;
		} else if (o->tail_df > 0) {
			h->p = sam_calib_p(h->absz, v->n, o->tail_df, v->robust) * v->nhits;
			if (h->p > 1)
				h->p = 1;
			h->score = sam_calib_score(h->p);
		} else {
			/* the normal's tail, for --fdr without --tail-df */
			h->p = o->fdr > 0 ? erfc(h->absz / sqrt(2)) * v->nhits : NAN;
			if (h->p > 1)
				h->p = 1;
			h->score = h->absz;
		}
	}
	v->nabove = 0;
	while (v->nabove < v->nhits && v->hits[v->nabove].score > v->threshold)
		v->nabove++;
}

/* Whether every |z| of the bar is surely below the quiet level: then
 * it has nothing to tell, and no z need be read. */
static int
quiet(const struct opts *o, const struct verdict *v)
{
	double below;
	int i;

	if (o->all || !v->nhits)
		return 0;
	below = quiet_below(o, v).z;
	for (i = 0; i < v->nhits; i++)
		if (!(v->hits[i].bound < below))
			return 0;
	return 1;
}

/* Scores the bar's metrics, or only finds that it has nothing to tell
 * (calibrated 0: p and score are computed if it is written after all,
 * by a floor). */
static void
score_hits(const struct opts *o, struct verdict *v)
{
	if (quiet(o, v)) {
		v->calibrated = 0;
		v->nabove = 0;
		return;
	}
	calibrate(o, v);
}

static int
has_hit(const struct verdict *v, int upto, const char *name)
{
	int i;

	for (i = 0; i < upto; i++)
		if (v->hits[i].len == strlen(name) &&
		    memcmp(v->hits[i].name, name, v->hits[i].len) == 0)
			return 1;
	return 0;
}

/* A bound on |field| (0 when absent or null, INFINITY when the bound
 * cannot tell, or the field is for sam_get_number_opt to reject). */
static double
bound_opt(const struct sam_field *f)
{
	return !f || f->type == SAM_JNULL ? 0 : sam_field_abs_bound(f);
}

/* Whether the bar is surely past no floor, from its fields' first
 * digits: most bars, whose three numbers then need no reading. */
static int
below_floors(const struct opts *o, const struct sam_field *const *f)
{
	double r = bound_opt(f[VF_RETURN]), rm = bound_opt(f[VF_MARKET_RETURN]);
	double rv = bound_opt(f[VF_RVOL]);

	return isfinite(r) && isfinite(rm) && isfinite(rv) &&
	    (o->move <= 0 || r + rm < o->move) && (o->rvol <= 0 || rv < o->rvol);
}

/*
 * Materiality floors: a move of --move against the market or a volume
 * of --rvol times the usual is news whatever the ticker's own history
 * (a stock that swings 5 % a day makes an 8 % move ordinary to its z).
 * They name the metric they stand for, after the ones past the
 * threshold, and need no false discovery rate: they are not tests.
 */
static int
floors(struct sam_input *in, const struct opts *o, struct verdict *v)
{
	const struct sam_field *const *f = v->f;
	double r = NAN, rm = 0, rv = NAN;
	int has_r, has_rm, has_rv;

	v->nfloors = 0;
	if ((o->move <= 0 && o->rvol <= 0) || v->nhits == 0)
		return 0;	/* a score first: the window has filled */
	if (below_floors(o, f))
		return 0;
	if (sam_get_number_opt(in, f[VF_RETURN], "return", &r, &has_r) < 0 ||
	    sam_get_number_opt(in, f[VF_MARKET_RETURN], "market_return", &rm, &has_rm) < 0 ||
	    sam_get_number_opt(in, f[VF_RVOL], "rvol", &rv, &has_rv) < 0)
		return -1;
	if (o->move > 0 && has_r && fabs(r - (has_rm ? rm : 0)) >= o->move)
		v->floors[v->nfloors++] = f[VF_Z_EXCESS] ? "excess" : "return";
	if (o->rvol > 0 && has_rv && rv >= o->rvol)
		v->floors[v->nfloors++] = "lvolume";
	return 0;
}

static int
judge(struct sam_input *in, const struct opts *o, const struct sam_rec *rec,
    struct verdict *v)
{
	double *t;
	int dup;

	/* every field it reads, in one pass: a bar is read once */
	if ((dup = sam_rec_find_keys(rec, &o->verdict_keys, v->f)) >= 0)
		return sam_reject(in, "duplicate field \"%s\"", verdict_keys[dup]);
	if (sam_get_key(in, v->f, &v->k) < 0 ||
	    collect(in, o, rec, v) < 0)
		return -1;
	v->threshold = o->threshold;
	if ((t = sam_map_get(&o->tickers, v->k.ticker, strlen(v->k.ticker))))
		v->threshold = *t;
	v->n = window_n(v->f[VF_N]);
	score_hits(o, v);
	return floors(in, o, v);
}

/* Writes the bar when it is an anomaly (or with --all); q: its
 * Benjamini-Hochberg q-value with --fdr. */
static int
write_bar(struct detect_state *st, const struct sam_rec *rec, struct verdict *v,
    double q)
{
	const struct opts *o = st->o;
	int nabove = o->fdr > 0 && !(q <= o->fdr) ? 0 : v->nabove, i;
	int anomaly = nabove + v->nfloors > 0;
	struct sam_buf *b;

	if (!anomaly && !o->all)
		return 0;
	if (!v->calibrated)
		calibrate(o, v);
	sam_edits_reset(&st->edits);
	sam_edits_raw(&st->edits, "anomaly", anomaly ? "true" : "false",
	    anomaly ? 4 : 5);
	sam_edits_num(&st->edits, "score", v->nhits ? v->hits[0].score : NAN);
	if (o->tail_df > 0)
		sam_edits_num(&st->edits, "p", v->nhits ? v->hits[0].p : NAN);
	if (o->fdr > 0)
		sam_edits_num(&st->edits, "q", v->nhits ? q : NAN);
	b = sam_edits_add(&st->edits, "severity");
	if (anomaly) {
		const char *sev = severity(o, v->nhits ? v->hits[0].score : 0);
		sam_buf_jstr(b, sev, strlen(sev));
	} else
		sam_buf_puts(b, "null");
	b = sam_edits_add(&st->edits, "metrics");
	sam_buf_putc(b, '[');
	for (i = 0; i < nabove; i++) {
		if (i)
			sam_buf_putc(b, ',');
		sam_buf_jstr(b, v->hits[i].name, v->hits[i].len);
	}
	for (i = 0; i < v->nfloors; i++) {
		if (has_hit(v, nabove, v->floors[i]))
			continue;
		if (b->p[b->len - 1] != '[')
			sam_buf_putc(b, ',');
		sam_buf_jstr(b, v->floors[i], strlen(v->floors[i]));
	}
	sam_buf_putc(b, ']');
	sam_edits_num(&st->edits, "threshold", v->threshold);
	/* the key's parts are checked: nothing in them needs escaping */
	b = sam_edits_add(&st->edits, "id");
	sam_buf_putc(b, '"');
	sam_buf_puts(b, v->k.ticker);
	sam_buf_putc(b, ':');
	sam_buf_puts(b, v->k.interval);
	sam_buf_putc(b, ':');
	sam_buf_puts(b, v->k.ts);
	sam_buf_putc(b, '"');
	if (st->edits.vals.err) {
		sam_log(SAM_FATAL, NULL, 0, "out of memory");
		return -2;
	}
	sam_rec_write(rec, &st->edits, sam_out());
	return 0;
}

static void
put_raw(struct sam_buf *b, const char *key, const struct sam_field *f)
{
	if (!f)
		return;
	sam_buf_printf(b, ",\"%s\":", key);
	sam_buf_put(b, f->val, f->vlen);
}

/* Whether the bar carries its market's move (sam-zscore --market). */
static int
has_market(const struct verdict *v)
{
	const struct sam_field *const *f = v->f;

	return f[VF_MARKET_Z] && f[VF_MARKET_Z]->type == SAM_JNUMBER &&
	    f[VF_MARKET] && f[VF_MARKET]->type == SAM_JSTRING;
}

/*
 * The market's own move at the bar's time, once a slot: an event of its
 * own, so that a market-wide day is one alert and not hundreds (the
 * tickers' anomalies judge their excess over the market).
 */
static int
market_event(struct detect_state *st, const struct verdict *v, struct detect_slot *slot)
{
	const struct sam_field *const *f = v->f;
	const struct opts *o = st->o;
	struct sam_buf *b = &st->text;
	double z, p = NAN, score;
	const char *sev;

	if (!has_market(v) || slot->market_done ||
	    sam_field_number(f[VF_MARKET_Z], &z) < 0)
		return 0;
	slot->market_done = 1;
	score = fabs(z);
	if (o->tail_df > 0)
		score = sam_calib_score(p = sam_calib_p(score, v->n, o->tail_df, v->robust));
	/* the index moves past 2 sigma twice a month: a market event is
	 * news from the high band up */
	if (!(score > o->threshold && score >= o->bands[1]))
		return 0;
	b->len = 0;
	sam_buf_puts(b, "{\"ticker\":\"MARKET\",\"interval\":");
	sam_buf_jstr(b, v->k.interval, strlen(v->k.interval));
	sam_buf_puts(b, ",\"ts\":");
	sam_buf_jstr(b, v->k.ts, strlen(v->k.ts));
	put_raw(b, "date", f[VF_DATE] && f[VF_DATE]->type == SAM_JSTRING ? f[VF_DATE] : NULL);
	put_raw(b, "market", f[VF_MARKET]);
	put_raw(b, "return", f[VF_MARKET_RETURN]);
	put_raw(b, "z_market", f[VF_MARKET_Z]);
	if (v->n < 1e9) {
		sam_buf_puts(b, ",\"n\":");
		sam_buf_num(b, v->n);
	}
	if (f[VF_FINAL] && f[VF_FINAL]->type == SAM_JFALSE)
		sam_buf_puts(b, ",\"final\":false");
	sam_buf_puts(b, ",\"event\":\"market\",\"anomaly\":true,\"score\":");
	sam_buf_num(b, score);
	if (o->tail_df > 0) {
		sam_buf_puts(b, ",\"p\":");
		sam_buf_num(b, p);
	}
	sev = severity(o, score);
	sam_buf_printf(b, ",\"severity\":\"%s\",\"metrics\":[\"market\"],\"threshold\":", sev);
	sam_buf_num(b, o->threshold);
	sam_buf_printf(b, ",\"id\":\"MARKET:%s:", v->k.interval);
	sam_buf_put(b, v->k.ts, strlen(v->k.ts));	/* valid: no escapes */
	sam_buf_puts(b, "\"}\n");
	if (b->err)
		return -1;
	if (o->fdr > 0)
		return detect_hold(&st->fdr, NULL, 0, b->p, b->len, NULL, 0) ? 0 : -1;
	sam_buf_put(sam_out(), b->p, b->len);
	return 0;
}

/* With --fdr: the bars that may pass are held to the end. */
static int
hold_bar(struct detect_state *st, const struct sam_rec *rec, struct verdict *v,
    struct detect_slot *slot)
{
	const struct opts *o = st->o;
	struct detect_held *h;
	double p, cal[2 * METRICS_MAX];
	int i;

	if (!v->calibrated && v->nfloors)
		calibrate(o, v);	/* its q is written */
	p = !v->nhits ? NAN : v->calibrated ? v->hits[0].p : 1;

	if (v->nhits)
		slot->tests++;
	if (!((v->nhits && p <= o->fdr) || v->nfloors || o->all))
		return 0;
	if (!(v->nabove || v->nfloors || o->all))	/* a rank, never a line */
		return detect_hold(&st->fdr, slot, p, NULL, 0, NULL, 0) ? 0 : -1;
	st->text.len = 0;
	sam_rec_write(rec, NULL, &st->text);	/* as read */
	if (st->text.err)
		return -1;
	/* its scores' tail probabilities, kept: they are dear */
	for (i = 0; v->calibrated && i < v->nhits; i++) {
		cal[2 * i] = v->hits[i].p;
		cal[2 * i + 1] = v->hits[i].score;
	}
	/* a bar without a score is no test: held (--all) past every p */
	if (!(h = detect_hold(&st->fdr, slot, v->nhits ? p : 2, st->text.p,
	    st->text.len - 1, cal, v->calibrated ? 2 * (size_t)v->nhits : 0)))
		return -1;
	h->sure = v->nfloors || o->all;
	return 0;
}

static int
on_record(struct sam_input *in, struct sam_rec *rec, void *ctx)
{
	struct detect_state *st = ctx;
	struct detect_slot *slot;
	struct verdict v;

	v.cal = NULL;
	if (judge(in, st->o, rec, &v) < 0)
		return -1;
	/* a bar's slot, only for what needs one: a hash a bar otherwise */
	if (st->o->fdr > 0 || has_market(&v)) {
		if (!(slot = detect_slot(&st->fdr, &v.k)) || market_event(st, &v, slot) < 0 ||
		    (st->o->fdr > 0 && hold_bar(st, rec, &v, slot) < 0)) {
			sam_log(SAM_FATAL, NULL, 0, "out of memory");
			return -2;
		}
		if (st->o->fdr > 0)
			return 0;
	}
	return write_bar(st, rec, &v, NAN);
}

/* The held bars, judged again with their q-values, in input order. */
static int
write_held(struct detect_state *st)
{
	struct sam_input in = { .file = "(held)" };
	struct verdict v;
	const char *err;
	size_t i, at;

	if (detect_fdr_finish(&st->fdr) < 0) {
		sam_log(SAM_FATAL, NULL, 0, "out of memory");
		return SAM_EXIT_RUNTIME;
	}
	for (i = 0; i < st->fdr.n; i++) {
		struct detect_held *h = &st->fdr.held[i];
		v.cal = h->cal;
		if (!h->text || (h->slot && !h->sure && !(h->q <= st->o->fdr))) {
			continue;	/* a rank, or past the rate: not written */
		} else if (!h->slot) {
			sam_buf_put(sam_out(), h->text, h->len);
		} else if (sam_rec_parse(&st->held, h->text, h->len, &err, &at) < 0 ||
		    judge(&in, st->o, &st->held, &v) < 0 ||
		    write_bar(st, &st->held, &v, h->q) < 0) {
			return SAM_EXIT_RUNTIME;
		}
		if (sam_out_maybe_flush() < 0)
			break;	/* sam_out_finish() tells why */
	}
	return 0;
}

static const struct option longopts[] = {
	{ "threshold", required_argument, NULL, 't' },
	{ "metrics", required_argument, NULL, 'm' },
	{ "bands", required_argument, NULL, 'b' },
	{ "thresholds", required_argument, NULL, 'T' },
	{ "all", no_argument, NULL, 'a' },
	{ "profile", required_argument, NULL, 'P' },
	{ "tail-df", required_argument, NULL, 'F' },
	{ "fdr", required_argument, NULL, 'Q' },
	{ "move", required_argument, NULL, 'O' },
	{ "rvol", required_argument, NULL, 'X' },
	{ "strict", no_argument, NULL, 'S' },
	SAM_OPTS_COMMON
};

int
main(int argc, char **argv)
{
	struct opts o = { .threshold = 2.0 };
	struct sam_input in = { 0 };
	struct detect_state st = { .o = &o };
	const char *env, *tfile = NULL, *profile = NULL;
	const struct sam_profile *prof;
	int c, status, set_t = 0, set_m = 0, set_b = 0, set_df = 0, set_fdr = 0;
	int set_move = 0, set_rvol = 0;

	sam_log_init(argv[0]);
	memcpy(o.bands, sam_severity_bands, sizeof o.bands);
	sam_keys_init(&o.verdict_keys, verdict_keys, VF_COUNT);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:m:b:T:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (sam_parse_threshold(optarg, &o.threshold) < 0)
				return sam_usage_error(usage, "-t: not a positive number: %s", optarg);
			set_t = 1;
			break;
		case 'm':
			if (parse_metrics(&o, optarg) < 0)
				return sam_usage_error(usage, "-m: not a metric list: %s", optarg);
			set_m = 1;
			break;
		case 'b':
			if (parse_bands(&o, optarg) < 0)
				return sam_usage_error(usage, "-b: expected three increasing numbers: %s", optarg);
			set_b = 1;
			break;
		case 'T': tfile = optarg; break;
		case 'a': o.all = 1; break;
		case 'P': profile = optarg; break;
		case 'F':
			if (sam_parse_tail_df(optarg, &o.tail_df) < 0)
				return sam_usage_error(usage, "--tail-df: must be 0 (off) or above 2: %s", optarg);
			set_df = 1;
			break;
		case 'Q':
			if (sam_parse_number(optarg, strlen(optarg), 1, &o.fdr) < 0 ||
			    !(o.fdr >= 0 && o.fdr < 1))
				return sam_usage_error(usage, "--fdr: must be 0 (off) to below 1: %s", optarg);
			set_fdr = 1;
			break;
		case 'O':
			if (sam_parse_floor(optarg, &o.move) < 0)
				return sam_usage_error(usage, "--move: not a fraction of 0 (off) or more: %s", optarg);
			set_move = 1;
			break;
		case 'X':
			if (sam_parse_floor(optarg, &o.rvol) < 0)
				return sam_usage_error(usage, "--rvol: not a ratio of 0 (off) or more: %s", optarg);
			set_rvol = 1;
			break;
		case 'S': in.strict = 1; break;
		default:	/* --log-format, --help, --version, errors */
			if ((status = sam_opt_common(c, argv, &tool)) != SAM_OPT_NEXT)
				return status;
			break;
		}
	}
	/* the environment only counts where no option was given */
	if ((status = sam_check_env(usage)) != 0)
		return status;
	if ((status = sam_profile_choose(profile, usage, &prof)) != 0)
		return status;
	if (prof) {	/* under the options and the other variables */
		if (!set_t)
			o.threshold = prof->threshold;
		if (!set_df)
			o.tail_df = prof->tail_df;
		if (!set_fdr)
			o.fdr = prof->fdr;
		if (!set_move)
			o.move = prof->move;
		if (!set_rvol)
			o.rvol = prof->rvol;
	}
	if (!set_t && (env = getenv("SAM_THRESHOLD")) && *env &&
	    sam_parse_threshold(env, &o.threshold) < 0)
		return sam_usage_error(usage, "SAM_THRESHOLD: not a positive number: %s", env);
	if (!set_b && (env = getenv("SAM_BANDS")) && *env && parse_bands(&o, env) < 0)
		return sam_usage_error(usage, "SAM_BANDS: expected three increasing numbers: %s", env);
	if (!set_m && (env = getenv("SAM_METRICS")) && *env && parse_metrics(&o, env) < 0)
		return sam_usage_error(usage, "SAM_METRICS: not a metric list: %s", env);
	if (tfile && (status = sam_watch_read(tfile, own_threshold, &o)) != 0) {
		sam_map_free(&o.tickers, free);
		return status;
	}

	status = sam_input_run(&in, argv + optind, argc - optind, on_record, &st);
	if (o.fdr > 0 && status < SAM_EXIT_USAGE && write_held(&st) != 0)
		status = SAM_EXIT_RUNTIME;
	status = sam_out_finish(status);
	sam_map_free(&o.tickers, free);
	sam_edits_free(&st.edits);
	sam_buf_free(&st.text);
	sam_rec_free(&st.held);
	detect_fdr_free(&st.fdr);
	return status;
}
