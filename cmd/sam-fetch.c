/*
 * sam-fetch - OHLCV bars for tickers from a source, as NDJSON.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch/fetch.h"

#define DEFAULT_DAYS 60		/* daily bars, when no range is given */
#define DEFAULT_INTRADAY_DAYS 5
/* A fetch ends by then, whatever the provider answers: below the
 * hour, so that the hourly job's next run finds no run still going. */
#define DEFAULT_DEADLINE_S 1800
#define DEADLINE_MAX_S 604800	/* a week: a backfill at a free tier's rate */

static const char usage[] =
    "usage: sam-fetch [-s source] [-i interval] [-n days] [--from date] [--to date]\n"
    "                 [-f file] [-j jobs] [--rate n/unit] [--timeout seconds]\n"
    "                 [--retries n] [--retry-wait seconds] [--deadline seconds]\n"
    "                 [--base-url url] [--allow-http] [--key-file file] [--seed n]\n"
    "                 [--mark-injected] [--strict] [--log-format text|json]\n"
    "                 [ticker ...]\n"
    "       sam-fetch --slot [--at time]\n";

static const struct sam_help help[] = {
	{ "-s, --source source", "mock, yahoo, alphavantage, polygon, stooq, csv:path\n"
	    "or csv:https://... (default SAM_SOURCE, else mock)" },
	{ "-i, --interval interval", "1d (default), 1h, 30m, 15m, 5m or 1m" },
	{ "-n, --days days", "the last days trading days up to --to, 1 to 100000\n"
	    "(default: the source's)" },
	{ "--from date", "the first date, YYYY-MM-DD (default: from -n)" },
	{ "--to date", "the last date (default today in New York,\n"
	    "yesterday before 09:30)" },
	{ "-f, --file file", "read tickers from file, - for standard input,\n"
	    "one a line (default: the arguments, else SAM_TICKERS)" },
	{ "-j, --jobs jobs", "fetch up to jobs tickers at once, 1 to 64 (default 4)" },
	{ "--rate n/unit", "at most n requests a s, m, h or d, or none\n"
	    "(default: the provider's free tier)" },
	{ "--timeout seconds", "give up on an attempt after seconds (default 30)" },
	{ "--retries n", "retry a failed request n times, 0 to 10 (default 2)" },
	{ "--retry-wait seconds", "wait before the first retry, doubled after\n"
	    "(default 1)" },
	{ "--deadline seconds", "stop fetching after seconds, exit 3\n"
	    "(default SAM_FETCH_DEADLINE, else 1800)" },
	{ "--base-url url", "send the provider's requests to url\n"
	    "(default SAM_YAHOO_URL ..., else its own)" },
	{ "--allow-http", "plain http to hosts other than loopback (default off)" },
	{ "--key-file file", "the API key from file, mode 600 (default: from\n"
	    "SAM_ALPHAVANTAGE_KEY, SAM_POLYGON_KEY, SAM_STOOQ_KEY)" },
	{ "--seed n", "the mock market's seed, 0 to 4294967295 (default 1)" },
	{ "--mark-injected", "mark the mock market's injected anomalies (default off)" },
	{ "--strict", "a row that cannot be used is fatal, no bars written\n"
	    "(default: reported and skipped, exit 1)" },
	{ "--log-format text|json", "diagnostics' format (default SAM_LOG_FORMAT, else text)" },
	{ "--slot", "fetch nothing: exit 0 if the hourly job is due, else 1" },
	{ "--at time", "with --slot: ask about time, not now\n"
	    "(default SAM_NOW, else now)" },
	{ "-h, --help", "this help" },
	{ "--version", "the version" },
	{ NULL, NULL }
};

static const struct sam_tool tool = { "sam-fetch", usage, help, "sam-fetch(1)", NULL };

/* Adds a ticker (upper-cased) to the request; -1 if it is not valid. */
static int
want(struct fetch *f, const char *s, size_t len)
{
	char t[SAM_TICKER_MAX + 1], **w;

	if (sam_ticker_fold(s, len, t) < 0)
		return -1;
	if (!(w = realloc(f->want, (f->nwant + 1) * sizeof *w)) ||
	    !(w[f->nwant] = strdup(t))) {
		if (w)
			f->want = w;
		return -2;
	}
	f->want = w;
	f->nwant++;
	return 0;
}

static int
bad_ticker(const char *file, unsigned long line, const char *s, size_t len)
{
	char q[SAM_QUOTE_MAX];

	sam_log(SAM_ERROR, file, line, "invalid ticker %s", sam_quote(q, sizeof q, s, len));
	return SAM_EXIT_USAGE;
}

/* Tickers separated by commas or blanks (arguments, SAM_TICKERS). */
static int
want_list(struct fetch *f, const char *list, const char *origin)
{
	const char *p = list;

	while (*p) {
		size_t n;
		p += strspn(p, ", \t\n");
		n = strcspn(p, ", \t\n");
		if (n && want(f, p, n) < 0)
			return bad_ticker(origin, 0, p, n);
		p += n;
	}
	return 0;
}

/* A ticker of a watch list file (sam_watch_read), its threshold aside. */
static int
want_watched(void *ctx, const char *ticker, double threshold)
{
	(void)threshold;	/* sam-detect's */
	return want(ctx, ticker, strlen(ticker)) == -2 ? -1 : 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
sort_unique(struct fetch *f)
{
	size_t i, n = 0;

	if (f->nwant == 0)	/* want is NULL, which qsort may not get */
		return;
	qsort(f->want, f->nwant, sizeof *f->want, cmp_str);
	for (i = 0; i < f->nwant; i++) {
		if (n && strcmp(f->want[n - 1], f->want[i]) == 0)
			free(f->want[i]);
		else
			f->want[n++] = f->want[i];
	}
	f->nwant = n;
}

struct range_opts {
	const char *from, *to;
	unsigned long days;
};

/* The options of the network sources, checked once the source is known. */
struct net_opts {
	const char *base, *key_file, *rate;
	int jobs_given;
	int deadline;		/* --deadline given */
	int slot;		/* --slot: is the hourly job due? */
	const char *at;		/* --at: when */
};

/* --days N: N trading days ending at the last one on or before --to.
 * Without a range, a source that has one takes default_days. */
static int
resolve_range(struct fetch *f, const struct range_opts *r, unsigned long default_days)
{
	unsigned long days = r->days;

	/* Today, once its session has begun; before the open, yesterday. */
	f->to = sam_ny_date(f->now);
	if (f->now < sam_ny_to_utc(f->to, SAM_NYSE_OPEN_MINUTE))
		f->to--;
	if (r->to && sam_parse_date(r->to, strlen(r->to), &f->to) < 0)
		return sam_usage_error(usage, "--to: not a date (YYYY-MM-DD): %s", r->to);
	if (r->from && days)
		return sam_usage_error(usage, "--days and --from exclude each other");
	if (r->from) {
		if (sam_parse_date(r->from, strlen(r->from), &f->from) < 0)
			return sam_usage_error(usage, "--from: not a date (YYYY-MM-DD): %s", r->from);
		if (f->from > f->to)
			return sam_usage_error(usage, "--from %s is after --to", r->from);
		f->ranged = 1;
		return 0;
	}
	if (!days)
		days = default_days;
	if (days) {
		f->to = sam_nyse_prev(f->to);
		for (f->from = f->to; --days > 0; )
			f->from = sam_nyse_prev(f->from - 1);
		f->ranged = 1;
	} else if (r->to) {
		f->from = INT64_MIN / 2;
		f->ranged = 1;
	}
	return 0;
}

static const struct option longopts[] = {
	{ "source", required_argument, NULL, 's' },
	{ "interval", required_argument, NULL, 'i' },
	{ "days", required_argument, NULL, 'n' },
	{ "from", required_argument, NULL, 'F' },
	{ "to", required_argument, NULL, 'T' },
	{ "file", required_argument, NULL, 'f' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "rate", required_argument, NULL, 'R' },
	{ "timeout", required_argument, NULL, 't' },
	{ "retries", required_argument, NULL, 'r' },
	{ "retry-wait", required_argument, NULL, 'w' },
	{ "deadline", required_argument, NULL, 'D' },
	{ "base-url", required_argument, NULL, 'B' },
	{ "allow-http", no_argument, NULL, 'H' },
	{ "key-file", required_argument, NULL, 'K' },
	{ "seed", required_argument, NULL, 'e' },
	{ "mark-injected", no_argument, NULL, 'M' },
	{ "strict", no_argument, NULL, 'S' },
	{ "slot", no_argument, NULL, 'O' },
	{ "at", required_argument, NULL, 'A' },
	SAM_OPTS_COMMON
};

/* N/s, N/m or N/min, N/h, N/d: N requests in any window that long;
 * "none" for no limit. */
static int
parse_rate(const char *s, struct net *net)
{
	static const struct { const char *unit; long ms; } units[] = {
		{ "s", 1000 }, { "m", 60000 }, { "min", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	const char *slash = strchr(s, '/');
	char num[16];
	size_t i;

	if (strcmp(s, "none") == 0) {
		net->rate_n = 0;
		net->rate_ms = 0;
		return 0;
	}
	if (!slash || (size_t)(slash - s) >= sizeof num)
		return -1;
	memcpy(num, s, (size_t)(slash - s));
	num[slash - s] = '\0';
	if (sam_parse_ulong(num, 1, 100000, &net->rate_n) < 0)
		return -1;
	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(slash + 1, units[i].unit) == 0) {
			net->rate_ms = units[i].ms;
			return 0;
		}
	return -1;
}

static int
options(int argc, char **argv, struct fetch *f, struct range_opts *r,
    struct net_opts *n, const char **source)
{
	const char *env;
	int c, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:i:n:f:j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': *source = optarg; break;
		case 'i': f->interval = optarg; break;
		case 'n':
			if (sam_parse_ulong(optarg, 1, 100000, &r->days) < 0)
				return sam_usage_error(usage, "--days: not a number of days: %s", optarg);
			break;
		case 'F': r->from = optarg; break;
		case 'T': r->to = optarg; break;
		case 'f':
			if ((status = sam_watch_read(optarg, want_watched, f)) != 0)
				return status;
			break;
		case 'j':
			if (sam_parse_ulong(optarg, 1, 64, &f->net.jobs) < 0)
				return sam_usage_error(usage, "--jobs: not a number from 1 to 64: %s", optarg);
			break;
		case 'R':
			if (parse_rate(optarg, &f->net) < 0)
				return sam_usage_error(usage, "--rate: N/s, N/m, N/h, N/d or none: %s", optarg);
			n->rate = optarg;
			break;
		case 't':
			if (sam_parse_duration_ms(optarg, 0.001, 3600, &f->net.timeout_ms) < 0)
				return sam_usage_error(usage, "--timeout: not a number of seconds (0.001 to 3600): %s", optarg);
			break;
		case 'r':
			if (sam_parse_ulong(optarg, 0, 10, &f->net.retries) < 0)
				return sam_usage_error(usage, "--retries: not a number from 0 to 10: %s", optarg);
			break;
		case 'w':
			if (sam_parse_duration_ms(optarg, 0.001, 3600, &f->net.retry_wait_ms) < 0)
				return sam_usage_error(usage, "--retry-wait: not a number of seconds (0.001 to 3600): %s", optarg);
			break;
		case 'D':
			if (sam_parse_duration_ms(optarg, 0.001, DEADLINE_MAX_S, &f->net.deadline_ms) < 0)
				return sam_usage_error(usage, "--deadline: not a number of seconds (0.001 to %d): %s",
				    DEADLINE_MAX_S, optarg);
			n->deadline = 1;
			break;
		case 'B': n->base = optarg; break;
		case 'H': f->net.allow_http = 1; break;
		case 'K': n->key_file = optarg; break;
		case 'e':
			if (sam_parse_ulong(optarg, 0, 0xffffffffUL, &f->seed) < 0)
				return sam_usage_error(usage, "--seed: not a number: %s", optarg);
			break;
		case 'M': f->mark_injected = 1; break;
		case 'S': f->strict = 1; break;
		case 'O': n->slot = 1; break;
		case 'A': n->at = optarg; break;
		default:	/* --log-format, --help, --version, errors */
			if ((status = sam_opt_common(c, argv, &tool)) == SAM_OPT_NEXT)
				break;
			if (c == 'h' || c == 'V')	/* written: the run is over */
				exit(status);
			return status;
		}
	}
	env = getenv("SAM_FETCH_DEADLINE");
	if (!n->deadline && env && *env &&
	    sam_parse_duration_ms(env, 0.001, DEADLINE_MAX_S, &f->net.deadline_ms) < 0)
		return sam_usage_error(usage, "SAM_FETCH_DEADLINE: not a number of seconds (0.001 to %d): %s",
		    DEADLINE_MAX_S, env);
	return sam_check_env(usage);
}

enum kind { MOCK, CSV_FILE, NETWORK };

#define SLOT_WINDOW 30		/* minutes after a slot that a run is due */

/* --at: YYYY-MM-DDTHH:MM[:SS] New York time, or an RFC 3339 UTC time. */
static int
parse_at(const char *s, int64_t *t)
{
	size_t len = strlen(s);
	int64_t days;
	int hh, mm, ss = 0;

	if (len && s[len - 1] == 'Z')
		return sam_parse_ts(s, len, t, NULL);
	if ((len != 16 && len != 19) || s[10] != 'T' || s[13] != ':' ||
	    sam_parse_date(s, 10, &days) < 0 || sam_parse_digits(s + 11, 2, &hh) < 0 ||
	    sam_parse_digits(s + 14, 2, &mm) < 0 || hh > 23 || mm > 59 ||
	    (len == 19 && (s[16] != ':' || sam_parse_digits(s + 17, 2, &ss) < 0 || ss > 59)))
		return -1;
	*t = sam_ny_to_utc(days, hh * 60 + mm) + ss;
	return 0;
}

/* --slot: whether the hourly job is due now (or --at), from the NYSE
 * calendar: exit 0 if it is, 1 if not, and a line saying why. */
static int
slot_gate(const char *at)
{
	char why[160], ts[21], date[11];
	int64_t t = sam_now(), local;
	int due;

	if (at && parse_at(at, &t) < 0)
		return sam_usage_error(usage, "--at: not YYYY-MM-DDTHH:MM (New York "
		    "time) or an RFC 3339 UTC time: %s", at);
	due = sam_nyse_due(t, SLOT_WINDOW, why, sizeof why);
	local = t + sam_ny_offset(t);
	sam_format_ts(ts, t);
	sam_format_date(date, sam_ny_date(t));
	printf("%s: %s %02d:%02d New York (%s): %s\n", due ? "due" : "not due", date,
	    (int)(local / 3600 % 24 + 24) % 24, (int)(local / 60 % 60 + 60) % 60, ts, why);
	return sam_out_finish(due ? SAM_EXIT_OK : 1);
}

/* The network source's settings, checked now that it is known. */
static int
setup_network(struct fetch *f, const struct net_opts *n, const char *url,
    char *base, size_t size)
{
	const struct source *src = f->net.src;
	const char *why, *env, *from = url ? "--source" : "--base-url";
	size_t len;

	if (src->daily_only && f->minutes)
		return sam_usage_error(usage, "--interval: %s has daily bars only: %s",
		    src->name, f->interval);
	if (url && n->base)
		return sam_usage_error(usage, "--base-url: csv:URL names its URL itself");
	if (!url && !n->base && (env = getenv(src->base_env)) && *env)
		from = src->base_env;
	else
		env = url ? url : n->base ? n->base : src->base;
	len = (size_t)snprintf(base, size, "%s", env);
	if (len >= size)
		return sam_usage_error(usage, "%s: longer than %zu bytes", from, size - 1);
	if ((why = sam_url_check(base, f->net.allow_http))) {
		char *shown = sam_url_shown(env);
		int status = sam_usage_error(usage, "%s: %s: %s", from, why,
		    shown ? shown : "");
		free(shown);
		return status;
	}
	/* What a server may echo of the address: its user info, tokens */
	if (sam_url_secrets(base, 0) < 0) {
		sam_fatal_errno("read %s", from);
		return SAM_EXIT_RUNTIME;
	}
	while (!url && len > 0 && base[len - 1] == '/')
		base[--len] = '\0';
	f->net.base = base;
	if (!n->rate && parse_rate(src->rate, &f->net) < 0)
		return sam_usage_error(usage, "--rate: N/s, N/m, N/h, N/d or none: %s", src->rate);
	if (f->net.connect_ms > f->net.timeout_ms)
		f->net.connect_ms = f->net.timeout_ms;
	return source_key(f, n->key_file);
}

static int
is_http_url(const char *s)
{
	return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

int
main(int argc, char **argv)
{
	struct fetch f = { .interval = "1d", .seed = 1, .net = { .jobs = 4,
	    .timeout_ms = 30000, .connect_ms = 10000, .retries = 2,
	    .retry_wait_ms = SAM_RETRY_WAIT_MS, .deadline_ms = DEFAULT_DEADLINE_S * 1000L } };
	struct range_opts r = { 0 };
	struct net_opts n = { 0 };
	const char *source = getenv("SAM_SOURCE"), *env, *url = NULL;
	char base[2048];
	enum kind kind;
	int i, status;

	sam_log_init(argv[0]);
	if (source && !*source)
		source = NULL;
	if ((status = options(argc, argv, &f, &r, &n, &source)) != 0)
		goto out;
	if (!source) {		/* the mock, which says so (mock.c) */
		source = "mock";
		f.unchosen = 1;
	}
	if (n.at && !n.slot) {
		status = sam_usage_error(usage, "--at: only with --slot");
		goto out;
	}
	if (n.slot) {
		if (optind < argc)
			status = sam_usage_error(usage, "--slot: no tickers: %s", argv[optind]);
		else
			status = slot_gate(n.at);
		goto out;
	}
	for (i = optind; i < argc; i++)
		if ((status = want_list(&f, argv[i], NULL)) != 0)
			goto out;
	if (f.nwant == 0 && (env = getenv("SAM_TICKERS")) &&
	    (status = want_list(&f, env, "SAM_TICKERS")) != 0)
		goto out;
	sort_unique(&f);
	f.now = sam_now();
	if ((f.minutes = sam_interval_minutes(f.interval, strlen(f.interval))) < 0) {
		status = sam_usage_error(usage, "--interval: one of 1d, 1h, 30m, 15m, 5m, 1m: %s", f.interval);
		goto out;
	}
	if (strcmp(source, "mock") == 0) {
		kind = MOCK;
	} else if (strncmp(source, "csv:", 4) == 0 && is_http_url(source + 4)) {
		kind = NETWORK;
		url = source + 4;
		f.net.src = source_find("csv");
	} else if (strncmp(source, "csv:", 4) == 0 && csv_path(source + 4)) {
		kind = CSV_FILE;
	} else if (strcmp(source, "csv") != 0 && (f.net.src = source_find(source))) {
		kind = NETWORK;
	} else {
		status = sam_usage_error(usage, "--source: one of %s: %s", source_names, source);
		goto out;
	}
	if (kind != NETWORK && (n.base || n.key_file)) {
		status = sam_usage_error(usage, "--%s: only for network sources",
		    n.base ? "base-url" : "key-file");
		goto out;
	}
	if (f.nwant == 0 && (kind == MOCK || (kind == NETWORK && !url))) {
		status = sam_usage_error(usage, "no tickers: name them, or use -f or SAM_TICKERS");
		goto out;
	}
	if (kind == NETWORK && (status = setup_network(&f, &n, url, base, sizeof base)) != 0)
		goto out;
	if ((status = resolve_range(&f, &r, kind == CSV_FILE || url ? 0 : kind == MOCK ||
	    f.minutes == 0 ? DEFAULT_DAYS : DEFAULT_INTRADAY_DAYS)) != 0)
		goto out;
	f.source = kind == MOCK ? "mock" : kind == CSV_FILE || url ? "csv" : f.net.src->name;
	if (kind == MOCK) {
		if (mock_fetch(&f) < 0) {
			sam_fatal_errno("generate mock bars");
			f.status = SAM_EXIT_RUNTIME;
		}
	} else if (kind == CSV_FILE) {
		csv_fetch(&f, source + 4);
	} else {
		source_fetch(&f, url);
	}
	/* Writing finds the duplicate rows, which raise the status too. */
	if (f.status != SAM_EXIT_USAGE && fetch_write(&f) < 0) {
		sam_fatal_errno("sort the bars");
		f.status = SAM_EXIT_RUNTIME;
	}
	status = sam_out_finish(f.status);
out:
	source_free(&f);
	fetch_free(&f);
	return status;
}
