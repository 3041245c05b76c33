/*
 * sam-serve-static - the store as a static site: a dashboard in HTML
 * and the JSON API as files (build), and a preview server (serve).
 *
 * build reads the store without its lock, writes the whole site into a
 * directory beside DIR and swaps it in; see sam-serve-static(1).
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "site/site.h"

const char site_usage[] =
    "usage: sam-serve-static build [-r root] [-o dir] [--days n] [--window n]\n"
    "                              [--min-periods n] [--chart-bars n] [-t threshold]\n"
    "                              [--profile name] [--tail-df df] [--move fraction]\n"
    "                              [--stale-grace time] [--title text]\n"
    "                              [--log-format text|json]\n"
    "       sam-serve-static serve [-d dir] [-l address:port] [--rate n] [--burst n]\n"
    "                              [--client-rate n] [--client-burst n]\n"
    "                              [--per-address n] [--request-timeout seconds]\n"
    "                              [--quiet] [--log-format text|json]\n"
    "       sam-serve-static --version | --help\n";

static const struct sam_help build_help[] = {
	{ "-r, --root root", "the store (default SAM_STORE, else ./sam-store)" },
	{ "-o, --output dir", "where the site goes (default SAM_SITE)" },
	{ "--days n", "anomalies of the last n days of the store (default 30)" },
	{ "--window n", "bars a recomputed band is computed from\n"
	    "(default SAM_WINDOW, else 30)" },
	{ "--min-periods n", "the fewest of those for a band (default 5)" },
	{ "--chart-bars n", "bars on a chart (default 250, or the window + 60)" },
	{ "-t, --threshold threshold", "the band's threshold where an anomaly does not\n"
	    "say (default SAM_THRESHOLD, else the profile's, else 2)" },
	{ "--profile name", "original or recommended, as sam-detect's\n"
	    "(default SAM_PROFILE, else original)" },
	{ "--tail-df df", "as sam-detect's, 0 (off) or above 2\n"
	    "(default the profile's)" },
	{ "--move fraction", "as sam-detect's, 0 (off) or more (default the profile's)" },
	{ "--stale-grace time", "how long after a missed run slot the health turns\n"
	    "stale (default 30m)" },
	{ "--title text", "the site's name in its pages (default sam)" },
	{ NULL, NULL }
};

static const struct sam_help serve_help[] = {
	{ "-d, --dir dir", "the site (default SAM_SITE)" },
	{ "-l, --listen address:port", "where to listen; a port alone is on\n"
	    "127.0.0.1 (default 127.0.0.1:8080)" },
	{ "--rate n", "requests a second let through, of all clients,\n"
	    "0: all, whatever --client-rate says (default 100)" },
	{ "--burst n", "requests let through at once (default 200)" },
	{ "--client-rate n", "requests a second let through, of each client\n"
	    "address, 0: no limit but --rate's (default 50)" },
	{ "--client-burst n", "requests of one address let through at once\n"
	    "(default 100)" },
	{ "--per-address n", "connections a client address may hold, 0: no limit\n"
	    "(default 64)" },
	{ "--request-timeout seconds", "the time a request has to arrive whole, 0: none\n"
	    "(default 10)" },
	{ "--quiet", "no access log (default: one line a request)" },
	{ NULL, NULL }
};

static const struct sam_help both_help[] = {
	{ "--log-format text|json", "diagnostics' format (default SAM_LOG_FORMAT, else text)" },
	{ "-h, --help", "this help" },
	{ "--version", "the version" },
	{ NULL, NULL }
};

/* --help, of the tool or of either command: the usage, the options of
 * both commands and those they share. */
int
site_help(void)
{
	fputs(site_usage, stdout);
	sam_help_options("Options of build", build_help);
	sam_help_options("Options of serve", serve_help);
	sam_help_options("Options of both", both_help);
	return sam_help_end("sam-serve-static(1)");
}

/* the same help whatever the command */
static int
help_of(const char *word)
{
	(void)word;
	return site_help();
}

const struct sam_tool site_tool = { "sam-serve-static", site_usage, NULL, NULL, help_of };

static const struct option build_options[] = {
	{ "root", required_argument, NULL, 'r' },
	{ "output", required_argument, NULL, 'o' },
	{ "days", required_argument, NULL, 'D' },
	{ "window", required_argument, NULL, 'w' },
	{ "min-periods", required_argument, NULL, 'p' },
	{ "chart-bars", required_argument, NULL, 'n' },
	{ "threshold", required_argument, NULL, 't' },
	{ "profile", required_argument, NULL, 'P' },
	{ "tail-df", required_argument, NULL, 'F' },
	{ "move", required_argument, NULL, 'O' },
	{ "stale-grace", required_argument, NULL, 'G' },
	{ "title", required_argument, NULL, 'T' },
	SAM_OPT_LOG_FORMAT,
	SAM_OPT_HELP,
	{ NULL, 0, NULL, 0 }
};

/* A whole number option in [lo, hi]: 0, or the usage error. */
static int
count(const char *name, const char *s, unsigned long lo, unsigned long hi,
    unsigned long *v)
{
	if (sam_parse_ulong(s, lo, hi, v) < 0)
		return sam_usage_error(site_usage, "%s: not a whole number from %lu "
		    "to %lu: %s", name, lo, hi, s);
	return 0;
}

/*
 * What the band follows of sam-detect, as sam-detect reads it: the
 * threshold (-t, else SAM_THRESHOLD, else the profile's), its
 * calibration (--tail-df, else the profile's) and the --move floor
 * (else the profile's); the profile is --profile, else SAM_PROFILE,
 * else none: the original rule.
 */
static int
band_settings(struct site *s, const char *profile, const char *tail_df,
    const char *move, int set_t)
{
	const struct sam_profile *pr;
	const char *env;
	int status;

	if (tail_df && sam_parse_tail_df(tail_df, &s->tail_df) < 0)
		return sam_usage_error(site_usage, "--tail-df: must be 0 (off) or "
		    "above 2: %s", tail_df);
	if (move && sam_parse_floor(move, &s->move) < 0)
		return sam_usage_error(site_usage, "--move: not a fraction of 0 (off) "
		    "or more: %s", move);
	if ((status = sam_profile_choose(profile, site_usage, &pr)) != 0)
		return status;
	if (pr && !tail_df)
		s->tail_df = pr->tail_df;
	if (pr && !move)
		s->move = pr->move;
	if (pr && !set_t)
		s->threshold = pr->threshold;
	if (!set_t && (env = getenv("SAM_THRESHOLD")) && *env &&
	    sam_parse_threshold(env, &s->threshold) < 0)
		return sam_usage_error(site_usage, "SAM_THRESHOLD: not a positive "
		    "number: %s", env);
	return 0;
}

/* Options, then the environment where no option was given. */
static int
build_settings(struct site *s, int argc, char **argv, const char **root)
{
	const char *env, *window = NULL, *minp = NULL, *profile = NULL;
	const char *tail_df = NULL, *move = NULL;
	int c, r, set_t = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:o:t:h", build_options, NULL)) != -1) {
		r = 0;
		switch (c) {
		case 'r': *root = optarg; break;
		case 'o': s->out = optarg; break;
		case 'D': r = count("--days", optarg, 1, 3660, &s->days); break;
		case 'w': window = optarg; break;
		case 'p': minp = optarg; break;
		case 'n': r = count("--chart-bars", optarg, 2, 100000, &s->chart_bars); break;
		case 't':
			if (sam_parse_threshold(optarg, &s->threshold) < 0)
				return sam_usage_error(site_usage, "-t: not a positive "
				    "number: %s", optarg);
			set_t = 1;
			break;
		case 'P': profile = optarg; break;
		case 'F': tail_df = optarg; break;
		case 'O': move = optarg; break;
		case 'G':
			if (sam_parse_duration(optarg, &s->stale_grace) < 0)
				return sam_usage_error(site_usage, "--stale-grace: not a "
				    "time such as 30m or 1h: %s", optarg);
			break;
		case 'T': s->title = optarg; break;
		default:	/* --log-format, --help, errors */
			if ((r = sam_opt_common(c, argv, &site_tool)) == SAM_OPT_NEXT)
				r = 0;
			else if (c == 'h' && r == SAM_EXIT_OK)
				r = -1;		/* written: nothing to build */
			break;
		}
		if (r)
			return r;
	}
	if (optind < argc)
		return sam_usage_error(site_usage, "build: unexpected argument: %s", argv[optind]);
	if ((r = sam_check_env(site_usage)) != 0)
		return r;
	if ((r = band_settings(s, profile, tail_df, move, set_t)) != 0)
		return r;
	if (!window && (env = getenv("SAM_WINDOW")) && *env &&
	    (r = count("SAM_WINDOW", env, 2, 1000000, &s->window)) != 0)
		return r;
	if (window && (r = count("--window", window, 2, 1000000, &s->window)) != 0)
		return r;
	if (minp && (r = count("--min-periods", minp, 2, s->window, &s->min_periods)) != 0)
		return r;
	if (!minp && s->min_periods > s->window)
		s->min_periods = s->window;
	if (s->chart_bars == 0)		/* the window and 60 bars at least */
		s->chart_bars = s->window + 60 > 250 ? s->window + 60 : 250;
	if (!s->out && (env = getenv("SAM_SITE")) && *env)
		s->out = env;
	if (!s->out)
		return sam_usage_error(site_usage, "build: where to? give -o DIR or set SAM_SITE");
	if (!*s->out)
		return sam_usage_error(site_usage, "-o: an empty name");
	if (*root && !**root)
		return sam_usage_error(site_usage, "-r: an empty name");
	if (!*root && (env = getenv("SAM_STORE")) && *env)
		*root = env;
	if (!*root)
		*root = "sam-store";
	return 0;
}

/* Every file of the site, into the new tree. */
static int
write_site(struct site *s, struct publish *p)
{
	struct sam_buf b = { 0 };
	char path[64];
	size_t i;
	int k, r = 0;

	for (i = 0; i < site_nassets && r == 0; i++)
		r = publish_data(p, site_assets[i].name, site_assets[i].data, site_assets[i].len);
	if (r == 0) {
		api_health(s, &b);
		r = publish_file(p, "health.json", &b);
	}
	for (k = -1; k < SAM_SEVERITIES && r == 0; k++) {	/* -1: all of them */
		b.len = 0;
		api_anomalies(s, k, &b);
		if (k >= 0)
			snprintf(path, sizeof path, "anomalies/severity/%s.json",
			    sam_severity_names[k]);
		r = publish_file(p, k < 0 ? "anomalies.json" : path, &b);
	}
	for (i = 0; i < s->nt && r == 0; i++) {
		const struct ticker *t = &s->t[i];
		struct chart c;
		b.len = 0;
		api_ticker(s, t, &b);
		snprintf(path, sizeof path, "anomalies/%s.json", t->name);
		if ((r = publish_file(p, path, &b)) < 0 || (r = chart_load(s, t, &c)) < 0)
			break;
		b.len = 0;
		html_ticker(s, t, &c, &b);
		chart_free(&c);
		snprintf(path, sizeof path, "ticker/%s.html", t->name);
		r = publish_file(p, path, &b);
	}
	if (r == 0) {
		b.len = 0;
		html_index(s, &b);
		r = publish_file(p, "index.html", &b);
	}
	sam_buf_free(&b);
	return r;
}

static int
site_build(int argc, char **argv)
{
	struct site s = { .days = 30, .window = 30, .min_periods = 5,
	    .chart_bars = 0, .threshold = 2.0, .stale_grace = 1800,
	    .title = "sam", .st = { .fd = -1, .lockfd = -1, .tmpfd = -1 },
	    .kindfd = { -1, -1, -1, -1, -1 } };
	struct publish p;
	const char *root = NULL;
	int r;

	if ((r = build_settings(&s, argc, argv, &root)) != 0)
		return r < 0 ? SAM_EXIT_OK : r;	/* -1: --help */
	s.now = sam_now();
	signal(SIGXFSZ, SIG_IGN);	/* a file-size limit: EFBIG, reported */
	if ((r = store_open(&s.st, root, 0)) != 0)
		return r;
	if (site_load(&s) < 0) {
		r = s.status;
	} else if ((r = publish_begin(&p, s.out)) != 0) {
		publish_abort(&p);
	} else {
		if (write_site(&s, &p) < 0 || publish_commit(&p) < 0)
			r = SAM_EXIT_RUNTIME;
		publish_abort(&p);	/* what is left of it: nothing, after a commit */
		if (r == 0)
			r = s.status;
		if (r == SAM_EXIT_RUNTIME)
			sam_log(SAM_ERROR, NULL, 0, "the site in %s is left as it was", s.out);
	}
	site_free(&s);
	store_close(&s.st);
	return r;
}

int
main(int argc, char **argv)
{
	static const struct option top[] = { SAM_OPTS_COMMON };
	const char *cmd;
	int c, status;

	sam_log_init(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", top, NULL)) != -1)
		if ((status = sam_opt_common(c, argv, &site_tool)) != SAM_OPT_NEXT)
			return status;
	if (optind == argc)
		return sam_usage_error(site_usage, "no command given: build or serve");
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 0;		/* glibc: start over on the command's arguments */
	if (strcmp(cmd, "build") == 0)
		return site_build(argc, argv);
	if (strcmp(cmd, "serve") == 0)
		return site_serve(argc, argv);
	return sam_usage_error(site_usage, "unknown command: %s", cmd);
}
