/*
 * sam-alert - deliver anomalies to Slack, a webhook or Alertmanager,
 * with retries, dead letters and dedup; and, with --notice, a notice
 * about the job itself (cmd/alert/notice.c).
 *
 * The input is read to the end first: sam-store put, upstream, may hold
 * the store's lock while it writes to us, and we take that lock after
 * each message.  Then the anomalies already alerted are skipped, the
 * rest go out in messages of --batch, and each one ends sent, skipped
 * or dead (in the dead-letter file), with a result line on stdout.
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "alert/alert.h"

static const char usage[] =
    "usage: sam-alert [--to slack|webhook|alertmanager] [-r root] [--url-file file]\n"
    "                 [--batch n] [--rate per-second] [--cooldown time]\n"
    "                 [--hold time] [--per-ticker] [--dashboard-url url]\n"
    "                 [--timeout seconds] [--connect-timeout seconds] [--retries n]\n"
    "                 [--allow-http] [-w seconds] [--dry-run] [--strict]\n"
    "                 [--log-format text|json] [file ...]\n"
    "       sam-alert --outbox [options]\n"
    "       sam-alert --replay-dlq [options]\n"
    "       sam-alert --notice [options] [file]\n";

static const struct sam_help help[] = {
	{ "--to slack|webhook|alertmanager", "where to deliver (default SAM_ALERT_TO, else slack)" },
	{ "-r, --root root", "the store of the alert state and the dead letters\n"
	    "(default SAM_STORE, else ./sam-store)" },
	{ "--url-file file", "the webhook's address from file, mode 600\n"
	    "(default SAM_SLACK_WEBHOOK, SAM_WEBHOOK_URL\n"
	    "or SAM_ALERTMANAGER_URL, by --to)" },
	{ "--batch n", "at most n anomalies a message, 1 to 48 (default 20)" },
	{ "--rate per-second", "at most this many requests a second (default 1)" },
	{ "--cooldown time", "skip an id alerted less than time ago, unless it\n"
	    "escalates (default SAM_COOLDOWN, else 24h)" },
	{ "--hold time", "with --to alertmanager, how long an alert fires\n"
	    "(default SAM_ALERT_HOLD, else the cooldown, else 24h)" },
	{ "--per-ticker", "alert each ticker at most once a cooldown (default off)" },
	{ "--dashboard-url url", "link messages to the dashboard at url\n"
	    "(default SAM_DASHBOARD_URL, else no links)" },
	{ "--timeout seconds", "the most a request may take, 0.1 to 600 (default 10)" },
	{ "--connect-timeout seconds", "the most connecting may take, 0.1 to 600\n"
	    "(default 5)" },
	{ "--retries n", "attempts after the first, 0 to 10 (default 2)" },
	{ "--allow-http", "plain http to hosts other than loopback (default off)" },
	{ "-w, --lock-wait seconds", "how long to wait for the store's lock (default 60)" },
	{ "--dry-run", "send nothing, change nothing: write the payloads" },
	{ "--outbox", "deliver the store's outbox instead of reading anomalies" },
	{ "--replay-dlq", "send the dead letters again instead of reading anomalies" },
	{ "--notice", "send the one notice of file or standard input" },
	{ "--strict", "a line that is not an anomaly is fatal, before anything\n"
	    "is sent (default: reported and skipped, exit 1)" },
	{ "--log-format text|json", "diagnostics' format (default SAM_LOG_FORMAT, else text)" },
	{ "-h, --help", "this help" },
	{ "--version", "the version" },
	{ NULL, NULL }
};

static const struct sam_tool tool = { "sam-alert", usage, help, "sam-alert(1)", NULL };

static const struct option longopts[] = {
	{ "to", required_argument, NULL, 'T' },
	{ "root", required_argument, NULL, 'r' },
	{ "url-file", required_argument, NULL, 'U' },
	{ "batch", required_argument, NULL, 'b' },
	{ "rate", required_argument, NULL, 'R' },
	{ "cooldown", required_argument, NULL, 'C' },
	{ "hold", required_argument, NULL, 'H' },
	{ "per-ticker", no_argument, NULL, 'P' },
	{ "dashboard-url", required_argument, NULL, 'D' },
	{ "timeout", required_argument, NULL, 't' },
	{ "connect-timeout", required_argument, NULL, 'c' },
	{ "retries", required_argument, NULL, 'n' },
	{ "allow-http", no_argument, NULL, 'A' },
	{ "lock-wait", required_argument, NULL, 'w' },
	{ "dry-run", no_argument, NULL, 'd' },
	{ "replay-dlq", no_argument, NULL, 'Y' },
	{ "outbox", no_argument, NULL, 'O' },
	{ "notice", no_argument, NULL, 'N' },
	{ "strict", no_argument, NULL, 'S' },
	SAM_OPTS_COMMON
};

const char *const target_names[] = { "slack", "webhook", "alertmanager" };
static const char *const url_vars[] = { "SAM_SLACK_WEBHOOK", "SAM_WEBHOOK_URL",
    "SAM_ALERTMANAGER_URL" };

/* ---- the address: a secret ---- */

static int
looks_like_url(const char *s)
{
	const char *eq = strchr(s, '=');

	if (s[0] == '-' && eq)	/* --option=VALUE */
		s = eq + 1;
	return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

/* --dashboard-url, or a prefix of it getopt_long takes (--dash), with
 * or without =VALUE: the one option whose value is a URL. */
static int
dashboard_option(const char *arg)
{
	size_t len = strcspn(arg, "=");

	return len >= 4 && strncmp(arg, "--dashboard-url", len) == 0 &&
	    len <= strlen("--dashboard-url");
}

/* An address on the command line is in every user's ps(1): refuse it
 * before anything else, without repeating it. */
static int
refuse_urls(int argc, char **argv)
{
	int i, operands = 0;

	for (i = 1; i < argc; i++) {
		if (!operands && strcmp(argv[i], "--") == 0) {
			operands = 1;
			continue;
		}
		if (!operands && dashboard_option(argv[i])) {
			i += strchr(argv[i], '=') == NULL;	/* its value follows */
			continue;
		}
		if (!looks_like_url(argv[i]))
			continue;
		return sam_usage_error(usage, "argument %d is a URL: a webhook's address "
		    "on the command line can be read by every user of this machine; "
		    "put it in SAM_SLACK_WEBHOOK, SAM_WEBHOOK_URL or SAM_ALERTMANAGER_URL, "
		    "or in a file given to --url-file", i);
	}
	return 0;
}

static int
get_url(struct alert *al, const char *file)
{
	const char *var = url_vars[al->to], *env = getenv(var), *from = var, *why;

	if (!file && !(env && *env) && (file = getenv("SAM_WEBHOOK_URL_FILE")) && !*file)
		file = NULL;
	if (file) {
		if (!(al->url = sam_read_secret(file, "URL file")))
			return SAM_EXIT_USAGE;
		from = file;
	} else if (env && *env) {
		if (!(al->url = strdup(env))) {
			sam_fatal_errno("read %s", var);
			return SAM_EXIT_RUNTIME;
		}
	} else {
		sam_log(SAM_ERROR, NULL, 0, "no address to send to: set %s, or give "
		    "--url-file (or --dry-run)", var);
		return SAM_EXIT_USAGE;
	}
	if ((why = sam_url_check(al->url, al->allow_http))) {
		sam_log(SAM_ERROR, NULL, 0, "%s: the %s address is %s", from,
		    al->to == TO_ALERTMANAGER ? "Alertmanager's" : "webhook's", why);
		return SAM_EXIT_USAGE;
	}
	if (al->to == TO_ALERTMANAGER) {
		char *api = alertmanager_endpoint(al->url);
		if (!api) {
			sam_log(SAM_FATAL, NULL, 0, "out of memory");
			return SAM_EXIT_RUNTIME;
		}
		sam_free_secret(al->url);
		al->url = api;
	}
	sam_url_origin(al->url, al->origin, sizeof al->origin);
	return 0;
}

/* ---- options ---- */

/* The dashboard's address goes into links: http(s), and none of the
 * characters that end a link in Slack's markup or in JSON. */
static int
dashboard_ok(const char *s)
{
	const char *p;

	if (strlen(s) > 1000 || sam_url_check(s, 1))
		return 0;
	for (p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || strchr("<>|\"\\`", *p))
			return 0;
	return 1;
}

static int
parse_target(const char *s, enum target *to)
{
	if (strcmp(s, "slack") == 0)
		*to = TO_SLACK;
	else if (strcmp(s, "webhook") == 0)
		*to = TO_WEBHOOK;
	else if (strcmp(s, "alertmanager") == 0)
		*to = TO_ALERTMANAGER;
	else
		return -1;
	return 0;
}

/* The settings from the environment, where no option gave them. */
static int
from_env(struct alert *al, const char *root, int set_to, int set_cool)
{
	const char *env;

	if (!set_to && (env = getenv("SAM_ALERT_TO")) && *env && parse_target(env, &al->to) < 0)
		return sam_usage_error(usage, "SAM_ALERT_TO: must be slack, webhook or "
		    "alertmanager: %s", env);
	if (!set_cool && (env = getenv("SAM_COOLDOWN")) && *env &&
	    sam_parse_duration(env, &al->cooldown) < 0)
		return sam_usage_error(usage, "SAM_COOLDOWN: not a time such as 24h, "
		    "90m or 3600s: %s", env);
	if (!al->dashboard && (env = getenv("SAM_DASHBOARD_URL")) && *env)
		al->dashboard = env;
	if (al->dashboard && !dashboard_ok(al->dashboard))
		return sam_usage_error(usage, "%s: not an http or https URL without "
		    "blanks, quotes or <>|: %s", getenv("SAM_DASHBOARD_URL") == al->dashboard ?
		    "SAM_DASHBOARD_URL" : "--dashboard-url", al->dashboard);
	if (!al->hold && (env = getenv("SAM_ALERT_HOLD")) && *env &&
	    (sam_parse_duration(env, &al->hold) < 0 || al->hold == 0))
		return sam_usage_error(usage, "SAM_ALERT_HOLD: not a time above 0 such "
		    "as 24h, 90m or 3600s: %s", env);
	if (!al->hold)	/* as long as the anomaly is not sent again */
		al->hold = al->cooldown ? al->cooldown : 86400;
	al->st.root = root ? root : (env = getenv("SAM_STORE")) && *env ? env : "sam-store";
	return 0;
}

static int
parse_options(struct alert *al, int argc, char **argv, const char **url_file, int *strict)
{
	const char *root = NULL;
	unsigned long v;
	double rate;
	int c, status, set_to = 0, set_cool = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:w:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'T':
			if (parse_target(optarg, &al->to) < 0)
				return sam_usage_error(usage, "--to: must be slack, webhook or "
				    "alertmanager: %s", optarg);
			set_to = 1;
			break;
		case 'r': root = optarg; break;
		case 'U': *url_file = optarg; break;
		case 'b':
			if (sam_parse_ulong(optarg, 1, BATCH_MAX, &v) < 0)
				return sam_usage_error(usage, "--batch: not a number from 1 to %d: %s",
				    BATCH_MAX, optarg);
			al->batch = (unsigned)v;
			break;
		case 'R':
			if (sam_parse_number(optarg, strlen(optarg), 1, &rate) < 0 ||
			    !(rate > 0 && rate <= 1000))
				return sam_usage_error(usage, "--rate: not a number of requests "
				    "a second above 0 and up to 1000: %s", optarg);
			al->rate = rate;
			break;
		case 'C':
			if (sam_parse_duration(optarg, &al->cooldown) < 0)
				return sam_usage_error(usage, "--cooldown: not a time such as 24h, "
				    "90m or 3600s: %s", optarg);
			set_cool = 1;
			break;
		case 'H':
			if (sam_parse_duration(optarg, &al->hold) < 0 || al->hold == 0)
				return sam_usage_error(usage, "--hold: not a time above 0 such "
				    "as 24h, 90m or 3600s: %s", optarg);
			break;
		case 'P': al->per_ticker = 1; break;
		case 'D': al->dashboard = optarg; break;
		case 't':
			if (sam_parse_duration_ms(optarg, 0.1, 600, &al->timeout_ms) < 0)
				return sam_usage_error(usage, "--timeout: not a number of seconds "
				    "from 0.1 to 600: %s", optarg);
			break;
		case 'c':
			if (sam_parse_duration_ms(optarg, 0.1, 600, &al->connect_ms) < 0)
				return sam_usage_error(usage, "--connect-timeout: not a number of "
				    "seconds from 0.1 to 600: %s", optarg);
			break;
		case 'n':
			if (sam_parse_ulong(optarg, 0, 10, &v) < 0)
				return sam_usage_error(usage, "--retries: not a number from 0 to 10: %s",
				    optarg);
			al->retries = (unsigned)v;
			break;
		case 'A': al->allow_http = 1; break;
		case 'w':
			if (sam_parse_ulong(optarg, 0, 86400, &v) < 0)
				return sam_usage_error(usage, "-w: not a number of seconds from 0 "
				    "to 86400: %s", optarg);
			al->st.lock_wait = v;
			break;
		case 'd': al->dry_run = 1; break;
		case 'Y': al->replay = 1; break;
		case 'O': al->outbox = 1; break;
		case 'N': al->notice = 1; break;
		case 'S': *strict = 1; break;
		default:	/* --log-format, --help, --version, errors */
			if ((status = sam_opt_common(c, argv, &tool)) == SAM_OPT_NEXT)
				break;
			if (c == 'h' || c == 'V')	/* written: the run is over */
				exit(status);
			return status;
		}
	}
	if (al->replay && al->outbox)
		return sam_usage_error(usage, "--replay-dlq and --outbox: one at a time");
	if (al->notice && (al->replay || al->outbox))
		return sam_usage_error(usage, "--notice and %s: one at a time",
		    al->replay ? "--replay-dlq" : "--outbox");
	if (al->notice && optind + 1 < argc)
		return sam_usage_error(usage, "--notice reads one notice, from one file "
		    "or standard input, not also: %s", argv[optind + 1]);
	if (al->replay && optind < argc)
		return sam_usage_error(usage, "--replay-dlq reads the dead-letter files, "
		    "not: %s", argv[optind]);
	if (al->outbox && optind < argc)
		return sam_usage_error(usage, "--outbox reads the store's outbox, "
		    "not: %s", argv[optind]);
	if ((c = sam_check_env(usage)) != 0)
		return c;
	return from_env(al, root, set_to, set_cool);
}

/* ---- results ---- */

static void
result_line(const struct alert *al, const struct alert_anomaly *a, struct sam_buf *b)
{
	static const char *const names[] = { "due", "sent", "skipped", "dead" };
	char ts[21], date[11];

	sam_buf_puts(b, "{\"id\":");
	sam_buf_jstr(b, a->an.id, strlen(a->an.id));
	sam_buf_printf(b, ",\"ticker\":\"%s\",\"severity\":\"%s\",\"result\":\"%s\"",
	    a->an.key.ticker, sam_severity_names[a->an.sev], names[a->result]);
	if (a->result == R_SKIPPED) {
		sam_buf_printf(b, ",\"reason\":\"%s\"", a->reason);
		if (a->alerted_at) {
			sam_format_ts(ts, a->alerted_at);
			sam_buf_printf(b, ",\"alerted_at\":\"%s\"", ts);
		}
	} else {
		sam_buf_printf(b, ",\"to\":\"%s\",\"message\":%u,\"attempts\":%u",
		    target_names[al->to], a->message, a->attempts);
		if (a->recovered)
			sam_buf_puts(b, ",\"recovered\":true");
		if (a->escalation)
			sam_buf_printf(b, ",\"escalation\":true,\"previous_severity\":\"%s\"",
			    sam_severity_names[a->prev_sev]);
	}
	if (a->result == R_DEAD) {
		sam_buf_puts(b, ",\"error\":");
		sam_buf_jstr(b, a->error ? a->error : "", a->error ? strlen(a->error) : 0);
		if (a->dlq_date >= 0) {
			sam_format_date(date, a->dlq_date);
			sam_buf_printf(b, ",\"dlq\":\"%s\"", date);
		} else {
			sam_buf_puts(b, ",\"dlq\":null");
		}
	}
	sam_buf_puts(b, "}\n");
}

void
results_flush(struct alert *al)
{
	if (al->dry_run)
		return;
	while (al->printed < al->n && al->a[al->printed].result != R_DUE)
		result_line(al, &al->a[al->printed++], sam_out());
	if (sam_out_flush() < 0)
		al->status = SAM_EXIT_RUNTIME;	/* reported at the end */
}

/* ---- messages ---- */

static void
report_dead(struct alert *al, unsigned number, struct alert_anomaly *const *v, size_t n)
{
	char where[11], note[40] = "";

	if (v[0]->attempts > 1)
		snprintf(note, sizeof note, " after %u attempts", v[0]->attempts);
	if (v[0]->dlq_date < 0) {
		sam_log(SAM_ERROR, NULL, 0, "message %u (%zu anomal%s): %s%s: and the "
		    "dead letters could not be written; the anomalies are in the input "
		    "only", number, n, n == 1 ? "y" : "ies", v[0]->error, note);
		return;
	}
	sam_format_date(where, v[0]->dlq_date);
	if (al->replay)
		sam_log(SAM_ERROR, NULL, 0, "message %u (%zu anomal%s): %s%s: left "
		    "in %s/dlq/", number, n, n == 1 ? "y" : "ies", v[0]->error, note,
		    al->st.root);
	else
		sam_log(SAM_ERROR, NULL, 0, "message %u (%zu anomal%s): %s%s: %zu dead "
		    "letter%s in %s/dlq/%s.ndjson", number, n, n == 1 ? "y" : "ies",
		    v[0]->error, note, n, n == 1 ? "" : "s", al->st.root, where);
}

/* Sends one message of n anomalies; 0, or -1 when out of memory. */
static int
deliver(struct alert *al, unsigned number, struct alert_anomaly **v, size_t n)
{
	struct sam_buf payload = { 0 };
	char error[REASON_MAX + 160], what[64];
	unsigned attempts = 0;
	int64_t started = sam_now();
	int ok;
	size_t i;

	if (al->to == TO_SLACK)
		payload_slack(al, v, n, &payload);
	else if (al->to == TO_WEBHOOK)
		payload_webhook(al, v, n, &payload);
	else
		payload_alertmanager(al, v, n, &payload);
	if (payload.err) {
		sam_buf_free(&payload);
		sam_log(SAM_FATAL, NULL, 0, "out of memory");
		return -1;
	}
	if (al->dry_run) {
		sam_buf_put(sam_out(), payload.p, payload.len);
		sam_buf_putc(sam_out(), '\n');
		sam_buf_free(&payload);
		if (sam_out_maybe_flush() < 0)
			al->status = SAM_EXIT_RUNTIME;	/* reported at the end */
		return 0;
	}
	snprintf(what, sizeof what, "message %u (%zu anomal%s)", number, n, n == 1 ? "y" : "ies");
	ok = send_message(al, what, &payload, &attempts, error, sizeof error);
	if (ok)
		state_journal_add(al, v, n);
	sam_buf_free(&payload);
	for (i = 0; i < n; i++) {
		v[i]->result = ok ? R_SENT : R_DEAD;
		v[i]->message = number;
		v[i]->attempts = attempts;
		if (!v[i]->first_attempt)
			v[i]->first_attempt = started;
		if (!ok && !(v[i]->error = strdup(error))) {
			sam_log(SAM_FATAL, NULL, 0, "out of memory");
			return -1;
		}
	}
	if (state_record(al, v, n) < 0) {
		al->status = SAM_EXIT_RUNTIME;
		al->unrecorded = 1;
	}
	if (!ok) {
		report_dead(al, number, v, n);
		al->status = SAM_EXIT_RUNTIME;
	}
	results_flush(al);
	return 0;
}

static int
run(struct alert *al)
{
	struct alert_anomaly **v = calloc(al->n > al->batch ? al->n : al->batch, sizeof *v);
	unsigned number = 0;
	size_t i, n;

	if (!v) {
		sam_log(SAM_FATAL, NULL, 0, "out of memory");
		return -1;
	}
	/* skipped dead letters and outbox lines, and those a killed run
	 * sent, leave their files now, all at once */
	for (i = n = 0; read_source_kind(al) && i < al->n; i++)
		if (al->a[i].result == R_SKIPPED || al->a[i].recovered)
			v[n++] = &al->a[i];
	if (n && !al->dry_run && state_record(al, v, n) < 0) {
		al->status = SAM_EXIT_RUNTIME;
		al->unrecorded = 1;
	}
	results_flush(al);
	for (i = 0; i < al->n; ) {
		for (n = 0; i < al->n && n < al->batch; i++)
			if (al->a[i].result == R_DUE)
				v[n++] = &al->a[i];
		if (n && deliver(al, ++number, v, n) < 0)
			break;
	}
	free(v);
	return i < al->n ? -1 : 0;
}

static int
open_store(struct alert *al)
{
	int r;

	if (al->dry_run && access(al->st.root, F_OK) < 0)
		return 0;	/* reads what is there, creates nothing */
	if ((r = store_open(&al->st, al->st.root, !al->dry_run)) != 0)
		return r;
	al->have_store = 1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct alert al = { .batch = 20, .rate = 1, .cooldown = 86400,
	    .timeout_ms = 10000, .connect_ms = 5000, .retries = 2,
	    .st = { .fd = -1, .lockfd = -1, .tmpfd = -1, .lock_wait = 60 } };
	const char *url_file = NULL;
	int strict = 0, status;

	sam_log_init(argv[0]);
	signal(SIGPIPE, SIG_IGN);	/* a closed socket or stdout is an error */
	if ((status = refuse_urls(argc, argv)) != 0 ||
	    (status = parse_options(&al, argc, argv, &url_file, &strict)) != 0)
		return status;
	if (!al.dry_run && (status = get_url(&al, url_file)) != 0)
		goto out;
	al.now = sam_now();
	if (al.notice) {	/* no store: the caller keeps what it needs */
		status = notice_main(&al, argv + optind, argc - optind);
		goto out;
	}
	if (!read_source_kind(&al)) {
		status = read_input(&al, argv + optind, argc - optind, strict);
		if (strict && status != SAM_EXIT_OK)
			goto out;
	}
	al.status = status;
	if ((read_source_kind(&al) || al.n) && (status = open_store(&al)) != 0)
		goto out;
	if ((al.replay && al.have_store && read_dlq(&al) < 0) ||
	    (al.outbox && al.have_store && read_outbox(&al) < 0) || state_load(&al) < 0) {
		status = SAM_EXIT_RUNTIME;
		goto out;
	}
	state_decide(&al);
	if (al.n && !al.dry_run && send_init(&al) < 0) {
		status = SAM_EXIT_RUNTIME;
		goto out;
	}
	if (run(&al) < 0) {
		al.status = SAM_EXIT_RUNTIME;
		al.unrecorded = 1;
	}
	if (!al.unrecorded)
		state_journal_done(&al);
	status = al.status;
	if (al.bad_state && status == SAM_EXIT_OK)
		status = SAM_EXIT_REJECT;
out:
	status = sam_out_finish(status);
	send_free();
	state_free();
	store_close(&al.st);
	alert_free(&al);
	return status;
}
