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

#include "sam.h"

enum metric { M_CLOSE, M_VOLUME, M_RETURN, M_COUNT };
static const char *const metric_names[M_COUNT] = { "close", "volume", "return" };

struct opts {
	size_t window, min_periods;
	int ddof, robust;
	int metrics[M_COUNT];	/* selected metrics, in output order */
	int nmetrics;
	unsigned selected;	/* bit m: metric m is among them */
	/* output field names, per metric: center, scale, z */
	char names[M_COUNT][3][24];
};

struct series {
	int64_t last_secs;
	long last_ns;
	char last_ts[40];
	double prev_close;
	int have_prev;
	unsigned long bars;	/* seen so far */
	struct sam_roll roll[M_COUNT];
};

struct state {
	const struct opts *o;
	struct sam_map series;
	struct sam_edits edits;
	double *scratch;	/* robust statistics work space */
};

static const char usage[] =
    "usage: sam-zscore [-w window] [-p min-periods] [-m metrics] [--ddof 0|1]\n"
    "                  [--robust] [--strict] [--log-format text|json] [file ...]\n";

/* "close,volume" -> the metric list; -1 on an unknown or repeated name. */
static int
parse_metrics(struct opts *o, const char *list)
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
name_fields(struct opts *o)
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
	int i;

	if (!s)
		return;
	for (i = 0; i < M_COUNT; i++)
		sam_roll_free(&s->roll[i]);
	free(s);
}

static struct series *
lookup_series(struct state *st, const char *ticker, const char *interval)
{
	char key[64];
	size_t tl = strlen(ticker), il = strlen(interval);
	void **slot;
	int isnew, i;

	memcpy(key, ticker, tl);
	key[tl] = '\0';
	memcpy(key + tl + 1, interval, il);
	if (!(slot = sam_map_put(&st->series, key, tl + 1 + il, &isnew)))
		return NULL;
	if (isnew) {
		struct series *s = calloc(1, sizeof *s);
		if (!s)
			return NULL;
		for (i = 0; i < M_COUNT; i++)
			sam_roll_init(&s->roll[i], st->o->window);
		*slot = s;
	}
	return *slot;
}

/* The statistics of one metric's window, as output fields. */
static void
emit_metric(struct state *st, int m, struct sam_roll *r, int have, double x)
{
	const struct opts *o = st->o;
	double center = NAN, scale = NAN, z = NAN, dev;

	if (r->n >= o->min_periods) {
		if (o->robust) {
			if (sam_roll_robust(r, st->scratch, &center, &scale) == 0 &&
			    scale > 0 && have)
				z = (x - center) / scale;
		} else if (sam_roll_stats(r, o->ddof, x, &center, &scale, &dev) == 0) {
			if (scale > 0 && have)
				z = dev / scale;
		} else if (sam_roll_stats(r, 0, x, &center, &scale, &dev) == 0) {
			scale = NAN;	/* one value: a mean, but no sample sd */
		}
	}
	sam_edits_num(&st->edits, o->names[m][0], center);
	sam_edits_num(&st->edits, o->names[m][1], scale);
	sam_edits_num(&st->edits, o->names[m][2], z);
}

static int
on_record(struct sam_input *in, struct sam_rec *rec, void *ctx)
{
	static const char *const keys[] = { "ticker", "interval", "ts", "close", "volume" };
	const struct sam_field *f[5];
	struct state *st = ctx;
	const struct opts *o = st->o;
	struct sam_key k;
	char q1[SAM_QUOTE_MAX], q2[SAM_QUOTE_MAX];
	double value[M_COUNT] = { 0 };
	int have[M_COUNT] = { 0 };
	struct series *s;
	int i, dup;

	if ((dup = sam_rec_find(rec, keys, 5, f)) >= 0)
		return sam_reject(in, "duplicate field \"%s\"", keys[dup]);
	if (sam_get_key(in, f, &k) < 0)
		return -1;
	if (((o->selected & 1u << M_CLOSE) || (o->selected & 1u << M_RETURN)) &&
	    sam_get_number(in, f[3], "close", &value[M_CLOSE]) < 0)
		return -1;
	if ((o->selected & 1u << M_VOLUME)) {
		if (sam_get_number(in, f[4], "volume", &value[M_VOLUME]) < 0)
			return -1;
		if (value[M_VOLUME] < 0)
			return sam_reject(in, "field \"volume\": negative");
	}
	if (!(s = lookup_series(st, k.ticker, k.interval))) {
		sam_log(SAM_FATAL, NULL, 0, "out of memory");
		return -2;
	}
	if (s->last_ts[0] && (k.secs < s->last_secs ||
	    (k.secs == s->last_secs && k.ns <= s->last_ns)))
		return sam_reject(in, "ts %s is not after the previous %s %s "
		    "bar (%s)", sam_quote(q1, sizeof q1, k.ts, strlen(k.ts)),
		    k.ticker, k.interval,
		    sam_quote(q2, sizeof q2, s->last_ts, strlen(s->last_ts)));
	s->last_secs = k.secs;
	s->last_ns = k.ns;
	memcpy(s->last_ts, k.ts, sizeof k.ts);

	have[M_CLOSE] = have[M_VOLUME] = 1;
	if ((o->selected & 1u << M_RETURN) && s->have_prev && s->prev_close != 0) {
		/* (c - p) / p: exact subtraction for nearby prices, one rounding */
		value[M_RETURN] = (value[M_CLOSE] - s->prev_close) / s->prev_close;
		have[M_RETURN] = isfinite(value[M_RETURN]);
	}
	s->prev_close = value[M_CLOSE];
	s->have_prev = 1;

	sam_edits_reset(&st->edits);
	if ((o->selected & 1u << M_RETURN))
		sam_edits_num(&st->edits, "return", have[M_RETURN] ?
		    value[M_RETURN] : NAN);
	sam_edits_num(&st->edits, "n", (double)(s->bars < o->window ?
	    s->bars : o->window));
	s->bars++;
	for (i = 0; i < o->nmetrics; i++) {
		int m = o->metrics[i];
		emit_metric(st, m, &s->roll[m], have[m], value[m]);
	}
	for (i = 0; i < o->nmetrics; i++) {
		int m = o->metrics[i];
		if (have[m] && sam_roll_push(&s->roll[m], value[m]) < 0) {
			sam_log(SAM_FATAL, NULL, 0, "out of memory");
			return -2;
		}
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
	{ "strict", no_argument, NULL, 'S' },
	{ "log-format", required_argument, NULL, 'L' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

int
main(int argc, char **argv)
{
	struct opts o = { .window = 30, .ddof = 1 };
	struct sam_input in = { 0 };
	struct state st = { .o = &o };
	const char *env, *metrics = NULL, *minp = NULL;
	unsigned long v;
	int c, status, have_window = 0;

	sam_log_init(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":w:p:m:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			if (sam_parse_ulong(optarg, 2, 1000000, &v) < 0)
				return sam_usage_error(usage, "-w: window must be 2 to 1000000: %s", optarg);
			o.window = v;
			have_window = 1;
			break;
		case 'p': minp = optarg; break;
		case 'm': metrics = optarg; break;
		case 'D':
			if (strcmp(optarg, "0") && strcmp(optarg, "1"))
				return sam_usage_error(usage, "--ddof: must be 0 or 1: %s", optarg);
			o.ddof = optarg[0] - '0';
			break;
		case 'R': o.robust = 1; break;
		case 'S': in.strict = 1; break;
		case 'L':
			if (sam_log_set_format(optarg) < 0)
				return sam_usage_error(usage, "--log-format: must be text or json: %s", optarg);
			break;
		case 'h': fputs(usage, stdout); return SAM_EXIT_OK;
		case 'V': printf("sam-zscore %s\n", SAM_VERSION); return SAM_EXIT_OK;
		default: return sam_getopt_error(c, argv, usage);
		}
	}
	/* the environment only counts where no option was given */
	if ((status = sam_check_env(usage)) != 0)
		return status;
	if (!have_window && (env = getenv("SAM_WINDOW")) && *env) {
		if (sam_parse_ulong(env, 2, 1000000, &v) < 0)
			return sam_usage_error(usage, "SAM_WINDOW: window must be 2 to 1000000: %s", env);
		o.window = v;
	}
	if (!metrics && (env = getenv("SAM_METRICS")) && *env) {
		if (parse_metrics(&o, env) < 0)
			return sam_usage_error(usage, "SAM_METRICS: metrics are close, "
			    "volume and return, comma-separated: %s", env);
	} else if (parse_metrics(&o, metrics ? metrics : "close,volume") < 0) {
		return sam_usage_error(usage, "-m: metrics are close, volume "
		    "and return, comma-separated: %s", metrics);
	}
	o.min_periods = o.window;
	if (minp && (sam_parse_ulong(minp, 1, o.window, &v) < 0))
		return sam_usage_error(usage, "-p: min-periods must be 1 to the window: %s", minp);
	if (minp)
		o.min_periods = v;
	name_fields(&o);
	if (o.robust && !(st.scratch = malloc(o.window * sizeof *st.scratch))) {
		sam_fatal_errno("allocate the window");
		return SAM_EXIT_RUNTIME;
	}

	status = sam_input_run(&in, argv + optind, argc - optind, on_record, &st);
	status = sam_out_finish(status);
	sam_map_free(&st.series, free_series);
	sam_edits_free(&st.edits);
	free(st.scratch);
	return status;
}
