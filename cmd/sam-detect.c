/*
 * sam-detect - keep the anomalous bars and grade their severity.
 *
 * A bar is anomalous when |z_M| > threshold for any selected metric M.
 * Severity bands: low (threshold, 2.5), medium [2.5, 3), high [3, 4),
 * critical [4, inf) by default.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sam.h"

#define METRICS_MAX 16
#define NAME_MAX_LEN 32

static const char usage[] =
    "usage: sam-detect [-t threshold] [-m metrics] [-b bands] [-T file] [--all]\n"
    "                  [--strict] [--log-format text|json] [file ...]\n";

static const char *const severities[] = { "low", "medium", "high", "critical" };

struct opts {
	double threshold;
	double bands[3];	/* lower bounds of medium, high, critical */
	struct sam_map tickers;	/* per-ticker thresholds */
	char metrics[METRICS_MAX][NAME_MAX_LEN + 3];	/* "z_close" */
	int nmetrics;		/* 0: every z_ field present */
	int all;
};

struct hit {
	const char *name;	/* the metric, after "z_" */
	size_t len;
	double absz;
};

struct state {
	struct opts *o;
	struct sam_edits edits;
	struct sam_buf scratch;
};

/* A threshold: a finite number above zero. */
static int
parse_positive(const char *s, double *out)
{
	return sam_parse_number(s, strlen(s), 1, out) == 0 && *out > 0 ? 0 : -1;
}

/* "2.5,3,4": exactly three increasing numbers, no empty item. */
static int
parse_bands(struct opts *o, const char *s)
{
	char buf[128], *p = buf, *comma;
	double b[3];
	int i;

	if (strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	for (i = 0; i < 3; i++) {
		if ((comma = strchr(p, ',')))
			*comma = '\0';
		if ((i < 2) != (comma != NULL) || parse_positive(p, &b[i]) < 0 ||
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

/* "TICKER THRESHOLD" lines, '#' comments.  Errors are configuration
 * errors: the run does not start with a half-read threshold file. */
static int
read_thresholds(struct opts *o, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, tick[64], val[64], extra[2];
	size_t cap = 0;
	unsigned long lineno = 0;
	int status = 0, n, isnew;

	if (!f) {
		sam_fatal_errno("open %s", path);
		return SAM_EXIT_USAGE;
	}
	while (status == 0 && getline(&line, &cap, f) >= 0) {
		double t, *slot;
		void **vp;
		lineno++;
		line[strcspn(line, "#\r\n")] = '\0';
		n = sscanf(line, "%63s %63s %1s", tick, val, extra);
		if (n <= 0)
			continue;
		if (n != 2 || !sam_valid_ticker(tick, strlen(tick)) ||
		    parse_positive(val, &t) < 0) {
			sam_log(SAM_ERROR, path, lineno,
			    "expected \"TICKER THRESHOLD\" (a positive number)");
			status = SAM_EXIT_USAGE;
		} else if (!(vp = sam_map_put(&o->tickers, tick, strlen(tick), &isnew)) ||
		    (isnew && !(*vp = malloc(sizeof t)))) {
			sam_fatal_errno("read %s", path);
			status = SAM_EXIT_RUNTIME;
		} else {
			slot = *vp;
			*slot = t;
		}
	}
	if (status == 0 && ferror(f)) {
		sam_fatal_errno("read %s", path);
		status = SAM_EXIT_RUNTIME;
	}
	free(line);
	fclose(f);
	return status;
}

static const char *
severity(const struct opts *o, double score)
{
	int i = 0;

	while (i < 3 && score >= o->bands[i])
		i++;
	return severities[i];
}

/* Collects the selected z fields, largest |z| first (input order on
 * ties), nulls dropped; -1 after rejecting the record. */
static int
collect(struct sam_input *in, const struct opts *o, const struct sam_rec *rec,
    struct hit *hits, int *nhits)
{
	struct hit seen[METRICS_MAX];	/* every selected z field, nulls too */
	unsigned named = 0;		/* bit j: o->metrics[j] was found */
	int nseen = 0, i, j, k;
	size_t f_i;

	*nhits = 0;
	for (f_i = 0; f_i < rec->n; f_i++) {
		const struct sam_field *f = &rec->f[f_i];
		double z = NAN;
		if (f->klen < 3 || memcmp(f->key, "z_", 2) != 0)
			continue;
		for (j = 0; j < o->nmetrics; j++)
			if (strlen(o->metrics[j]) == f->klen &&
			    memcmp(o->metrics[j], f->key, f->klen) == 0)
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
		if (f->type == SAM_JNUMBER && sam_field_number(f, &z) < 0)
			return sam_reject(in, "field \"%.*s\": number out of range",
			    (int)f->klen, f->key);
		seen[nseen].name = f->key + 2;
		seen[nseen].len = f->klen - 2;
		seen[nseen++].absz = fabs(z);
	}
	for (j = 0; j < o->nmetrics; j++)
		if (!(named & (1u << j)))
			return sam_reject(in, "missing field \"%s\"", o->metrics[j]);
	if (nseen == 0)
		return sam_reject(in, "no z_ fields (is the input from sam-zscore?)");
	for (i = 0; i < nseen; i++) {	/* insertion sort, stable */
		if (isnan(seen[i].absz))
			continue;
		for (k = *nhits; k > 0 && hits[k - 1].absz < seen[i].absz; k--)
			hits[k] = hits[k - 1];
		hits[k] = seen[i];
		(*nhits)++;
	}
	return 0;
}

static int
on_record(struct sam_input *in, struct sam_rec *rec, void *ctx)
{
	static const char *const keys[] = { "ticker", "interval", "ts" };
	const struct sam_field *f[3];
	struct state *st = ctx;
	struct opts *o = st->o;
	struct hit hits[METRICS_MAX];
	struct sam_key k;
	struct sam_buf *b;
	double threshold = o->threshold, *t;
	int nhits, nabove = 0, i, dup;

	if ((dup = sam_rec_find(rec, keys, 3, f)) >= 0)
		return sam_reject(in, "duplicate field \"%s\"", keys[dup]);
	if (sam_get_key(in, f, &k) < 0 || collect(in, o, rec, hits, &nhits) < 0)
		return -1;
	if ((t = sam_map_get(&o->tickers, k.ticker, strlen(k.ticker))))
		threshold = *t;
	while (nabove < nhits && hits[nabove].absz > threshold)
		nabove++;
	if (nabove == 0 && !o->all)
		return 0;

	sam_edits_reset(&st->edits);
	sam_edits_raw(&st->edits, "anomaly", nabove ? "true" : "false",
	    nabove ? 4 : 5);
	sam_edits_num(&st->edits, "score", nhits ? hits[0].absz : NAN);
	b = sam_edits_add(&st->edits, "severity");
	if (nabove) {
		const char *sev = severity(o, hits[0].absz);
		sam_buf_jstr(b, sev, strlen(sev));
	} else
		sam_buf_puts(b, "null");
	b = sam_edits_add(&st->edits, "metrics");
	sam_buf_putc(b, '[');
	for (i = 0; i < nabove; i++) {
		if (i)
			sam_buf_putc(b, ',');
		sam_buf_jstr(b, hits[i].name, hits[i].len);
	}
	sam_buf_putc(b, ']');
	sam_edits_num(&st->edits, "threshold", threshold);
	st->scratch.len = 0;
	sam_buf_printf(&st->scratch, "%s:%s:%s", k.ticker, k.interval, k.ts);
	b = sam_edits_add(&st->edits, "id");
	sam_buf_jstr(b, st->scratch.p, st->scratch.len);
	if (st->edits.vals.err || st->scratch.err) {
		sam_log(SAM_FATAL, NULL, 0, "out of memory");
		return -2;
	}
	sam_rec_write(rec, &st->edits, sam_out());
	return 0;
}

static const struct option longopts[] = {
	{ "threshold", required_argument, NULL, 't' },
	{ "metrics", required_argument, NULL, 'm' },
	{ "bands", required_argument, NULL, 'b' },
	{ "thresholds", required_argument, NULL, 'T' },
	{ "all", no_argument, NULL, 'a' },
	{ "strict", no_argument, NULL, 'S' },
	{ "log-format", required_argument, NULL, 'L' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

int
main(int argc, char **argv)
{
	struct opts o = { .threshold = 2.0, .bands = { 2.5, 3, 4 } };
	struct sam_input in = { 0 };
	struct state st = { .o = &o };
	const char *env, *tfile = NULL;
	int c, status, set_t = 0, set_m = 0, set_b = 0;

	sam_log_init(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:m:b:T:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (parse_positive(optarg, &o.threshold) < 0)
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
		case 'S': in.strict = 1; break;
		case 'L':
			if (sam_log_set_format(optarg) < 0)
				return sam_usage_error(usage, "--log-format: must be text or json: %s", optarg);
			break;
		case 'h': fputs(usage, stdout); return SAM_EXIT_OK;
		case 'V': printf("sam-detect %s\n", SAM_VERSION); return SAM_EXIT_OK;
		default: return sam_getopt_error(c, argv, usage);
		}
	}
	/* the environment only counts where no option was given */
	if ((status = sam_check_env(usage)) != 0)
		return status;
	if (!set_t && (env = getenv("SAM_THRESHOLD")) && *env &&
	    parse_positive(env, &o.threshold) < 0)
		return sam_usage_error(usage, "SAM_THRESHOLD: not a positive number: %s", env);
	if (!set_b && (env = getenv("SAM_BANDS")) && *env && parse_bands(&o, env) < 0)
		return sam_usage_error(usage, "SAM_BANDS: expected three increasing numbers: %s", env);
	if (!set_m && (env = getenv("SAM_METRICS")) && *env && parse_metrics(&o, env) < 0)
		return sam_usage_error(usage, "SAM_METRICS: not a metric list: %s", env);
	if (tfile && (status = read_thresholds(&o, tfile)) != 0) {
		sam_map_free(&o.tickers, free);
		return status;
	}

	status = sam_input_run(&in, argv + optind, argc - optind, on_record, &st);
	status = sam_out_finish(status);
	sam_map_free(&o.tickers, free);
	sam_edits_free(&st.edits);
	sam_buf_free(&st.scratch);
	return status;
}
