/*
 * get.c - sam-store get: records by ticker, date range and severity,
 * sorted by ts, then ticker, then interval (longest first).
 *
 * get reads without the lock: every day file it opens is a whole
 * version, old or new, since writers only ever rename files into place.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

#define TICKERS_MAX 4096

struct get_hit {
	const char *ticker;
	const char *line;	/* in one of the files read */
	uint32_t len;
	int16_t imin;
	int32_t ns;
	int64_t secs;
};

struct get {
	struct store *s;
	int kind, sev, desc;
	int64_t from, to;
	unsigned long limit;
	const char *tickers[TICKERS_MAX];
	size_t nt;
	char **bufs;		/* the files read, which the hits point into */
	size_t nbufs, bcap;
	struct get_hit *h;
	size_t nh, hcap;
	int status, oom;
};

static int
hit_cmp(const void *a, const void *b)
{
	const struct get_hit *x = a, *y = b;
	int c;

	if (x->secs != y->secs)
		return x->secs < y->secs ? -1 : 1;
	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	if ((c = strcmp(x->ticker, y->ticker)) != 0)
		return c;
	return (x->imin < y->imin) - (x->imin > y->imin);
}

static int
hit_cmp_desc(const void *a, const void *b)
{
	return hit_cmp(b, a);
}

/* A link or a FIFO in the store is skipped like a damaged line (exit 1); any
 * other failure to read is a runtime failure. */
static void
fail(struct get *g, const char *what, const char *path)
{
	if (errno == ELOOP || errno == EINVAL) {
		sam_log(SAM_ERROR, path, 0, errno == ELOOP ?
		    "a symbolic link: not followed" : "not a regular file");
		if (g->status == SAM_EXIT_OK)
			g->status = SAM_EXIT_REJECT;
		return;
	}
	sam_fatal_errno("%s %s", what, path);
	g->status = SAM_EXIT_RUNTIME;
}

/* A walk of one ticker's day files, whose buffers the hits point into. */
struct get_walk {
	struct store_walk w;	/* first: the walk's callbacks get both */
	struct get *g;
};

static int
walk_fail(struct store_walk *w, const char *verb, const char *path)
{
	fail(((struct get_walk *)w)->g, verb, path);
	return 0;
}

/* A day file read: its records that pass the filters kept; -1 when out
 * of memory. */
static int
load(struct store_walk *w, struct store_day *d, int64_t day)
{
	struct get *g = ((struct get_walk *)w)->g;
	size_t i;

	if (sam_grow(&g->bufs, &g->bcap, g->nbufs + 1, sizeof *g->bufs) < 0) {
		free(d->buf);
		return g->oom = -1;
	}
	g->bufs[g->nbufs++] = d->buf;
	if (store_day_parse(d, &w->in, &w->rec, w->ticker, day) < 0)
		return g->oom = -1;
	for (i = 0; i < d->n; i++) {
		const struct store_entry *e = &d->e[i];
		struct get_hit *h;
		if (e->bad || e->sev < g->sev)
			continue;
		if (sam_grow(&g->h, &g->hcap, g->nh + 1, sizeof *g->h) < 0)
			return g->oom = -1;
		h = &g->h[g->nh++];
		h->ticker = w->ticker;
		h->line = e->line;
		h->len = e->len;
		h->secs = e->secs;
		h->ns = e->ns;
		h->imin = e->imin;
	}
	return 0;
}

/* The ticker's day files from..to; -1 when out of memory. */
static int
load_ticker(struct get *g, int kindfd, const char *ticker)
{
	struct get_walk gw = { .w = { .kind = g->kind, .ticker = ticker, .from = g->from,
	    .to = g->to, .keep = 1, .file = load, .fail = walk_fail }, .g = g };

	store_walk(g->s, kindfd, &gw.w);
	if (gw.w.in.rejected && g->status == SAM_EXIT_OK)
		g->status = SAM_EXIT_REJECT;
	return g->oom;
}

static int
parse_day(const char *opt, const char *s, int64_t *day)
{
	if (sam_parse_date(s, strlen(s), day) < 0)
		return sam_usage_error(cmd_usage, "%s: not a date (YYYY-MM-DD): %s",
		    opt, s);
	return 0;
}

static const struct option longopts[] = {
	{ "ticker", required_argument, NULL, 't' },
	{ "date", required_argument, NULL, 'd' },
	{ "from", required_argument, NULL, 'F' },
	{ "to", required_argument, NULL, 'U' },
	{ "days", required_argument, NULL, 'D' },
	{ "severity", required_argument, NULL, 's' },
	{ "limit", required_argument, NULL, 'n' },
	{ "desc", no_argument, NULL, 'R' },
	CMD_OPTIONS,
};

/* The options; 0 or an exit status. */
static int
options(struct get *g, int argc, char **argv)
{
	int c, status = 0, date = 0, range = 0;
	unsigned long days = 0;
	size_t i;

	while ((c = cmd_getopt(argc, argv, "t:d:s:n:r:", longopts, g->s, &status)) != -1) {
		switch (c) {
		case 't':
			if (!sam_valid_ticker(optarg, strlen(optarg)))
				return sam_usage_error(cmd_usage, "-t: not a valid ticker: %s", optarg);
			for (i = 0; i < g->nt && strcmp(g->tickers[i], optarg) != 0; i++)
				;
			if (i == g->nt && g->nt == TICKERS_MAX)
				return sam_usage_error(cmd_usage, "-t: more than %d tickers", TICKERS_MAX);
			if (i == g->nt)
				g->tickers[g->nt++] = optarg;
			break;
		case 'd':
			if ((status = parse_day("-d", optarg, &g->from)) != 0)
				return status;
			g->to = g->from;
			date = 1;
			break;
		case 'F':
			if ((status = parse_day("--from", optarg, &g->from)) != 0)
				return status;
			range = 1;
			break;
		case 'U':
			if ((status = parse_day("--to", optarg, &g->to)) != 0)
				return status;
			range = 1;
			break;
		case 'D':
			if (sam_parse_ulong(optarg, 1, 100000, &days) < 0)
				return sam_usage_error(cmd_usage, "--days: not a number "
				    "from 1 to 100000: %s", optarg);
			break;
		case 's':
			if ((g->sev = sam_severity_parse(optarg, strlen(optarg))) < 0)
				return sam_usage_error(cmd_usage, "-s: must be "
				    SAM_SEVERITY_LIST ": %s", optarg);
			break;
		case 'n':
			if (sam_parse_ulong(optarg, 1, (unsigned long)-1 / 2, &g->limit) < 0)
				return sam_usage_error(cmd_usage, "-n: not a number "
				    "above 0: %s", optarg);
			break;
		case 'R': g->desc = 1; break;
		default: return status;
		}
	}
	if (date + range + (days > 0) > 1)
		return sam_usage_error(cmd_usage, "-d, --from/--to and --days: "
		    "give one of them");
	if (days) {
		g->to = sam_ny_date(sam_now());
		g->from = g->to - (int64_t)days + 1;
	}
	if (g->from > g->to)
		return sam_usage_error(cmd_usage, "--from is after --to");
	if (optind == argc)
		return sam_usage_error(cmd_usage, "get: which records? raw or anomalies");
	if ((g->kind = store_kind_parse(argv[optind])) < 0 || !STORE_KEYED(g->kind))
		return sam_usage_error(cmd_usage, "get: must be raw or anomalies: %s",
		    argv[optind]);
	if (optind + 1 < argc)
		return sam_usage_error(cmd_usage, "get: unexpected argument: %s",
		    argv[optind + 1]);
	if (g->sev >= 0 && g->kind != STORE_ANOMALIES)
		return sam_usage_error(cmd_usage, "-s: only anomalies have a severity");
	return 0;
}

int
cmd_get(struct store *s, int argc, char **argv)
{
	struct get g = { .s = s, .sev = -1, .from = INT64_MIN, .to = INT64_MAX };
	struct store_names n = { 0 };
	size_t i;
	int kindfd = -1, r = 0;

	if ((g.status = options(&g, argc, argv)) != 0 ||
	    (g.status = store_open(s, s->root, 0)) != 0)
		return g.status;
	if ((kindfd = store_subdir(s->fd, store_kind_names[g.kind], 0)) < 0) {
		if (errno != ENOENT)	/* none yet: no records */
			fail(&g, "open", store_path(s, store_kind_names[g.kind], NULL, NULL));
	} else if (g.nt == 0 && store_names_list(kindfd, &n) < 0) {
		fail(&g, "list", store_path(s, store_kind_names[g.kind], NULL, NULL));
	} else if (g.nt == 0) {
		for (i = 0; i < n.n && r == 0; i++)
			if ((n.v[i].type == STORE_ENT_DIR || n.v[i].type == STORE_ENT_LINK) &&
			    sam_valid_ticker(n.v[i].s, strlen(n.v[i].s)))
				r = load_ticker(&g, kindfd, n.v[i].s);
	} else {
		for (i = 0; i < g.nt && r == 0; i++)
			r = load_ticker(&g, kindfd, g.tickers[i]);
	}
	if (r < 0) {
		sam_log(SAM_FATAL, NULL, 0, "out of memory");
		g.status = SAM_EXIT_RUNTIME;
	}
	if (g.nh)
		qsort(g.h, g.nh, sizeof *g.h, g.desc ? hit_cmp_desc : hit_cmp);
	for (i = 0; i < g.nh && (!g.limit || i < g.limit) && r == 0; i++) {
		sam_buf_put(sam_out(), g.h[i].line, g.h[i].len);
		sam_buf_putc(sam_out(), '\n');
		if (sam_out_maybe_flush() < 0)
			break;
	}
	g.status = sam_out_finish(g.status);
	for (i = 0; i < g.nbufs; i++)
		free(g.bufs[i]);
	free(g.bufs);
	free(g.h);
	store_names_free(&n);
	if (kindfd >= 0)
		close(kindfd);
	store_close(s);
	return g.status;
}
