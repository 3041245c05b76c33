/*
 * sam-store - the flat-file store: put, get, prune, fsck, stats.
 *
 * Records live in ROOT/KIND/TICKER/DATE.ndjson, one line per key, and
 * every change replaces a day file atomically under the store's lock;
 * see sam-store(1) and sam-store(5).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/commands.h"

/* The usage of each command: a line of the tool's usage, which --help
 * of the command prints with "usage:" in front. */
#define USAGE_PUT \
    "       sam-store put [--kind raw|anomalies] [--tee] [--outbox] [--strict]\n" \
    "                 [file ...]\n"
#define USAGE_GET \
    "       sam-store get raw|anomalies [-t ticker]... [-d date | --from date]\n" \
    "                 [--to date] [--days n] [-s level] [-n limit] [--desc]\n"
#define USAGE_PRUNE \
    "       sam-store prune [--raw-days n] [--dlq-days n] [--cooldown time] [--dry-run]\n" \
    "                 [--drop-dead-letters]\n"
#define USAGE_FSCK "       sam-store fsck [--repair]\n"
#define USAGE_STATS "       sam-store stats\n"
#define USAGE_APPEND "       sam-store append runs [--strict] [file ...]\n"

const char cmd_usage[] =
    "usage: sam-store [-r root] [-w seconds] [--log-format text|json] command ...\n"
    USAGE_PUT USAGE_GET USAGE_PRUNE USAGE_FSCK USAGE_STATS USAGE_APPEND;

static const struct sam_help top_help[] = {
	{ "-r, --root root", "the store's directory (default SAM_STORE, else\n"
	    "./sam-store); also after a command" },
	{ "-w, --lock-wait seconds", "how long a writer waits for the lock, 0 to 86400\n"
	    "(default 60)" },
	{ "--log-format text|json", "diagnostics' format (default SAM_LOG_FORMAT, else\n"
	    "text); also after a command" },
	{ "-h, --help", "this help; after a command, the command's" },
	{ "--version", "the version" },
	{ NULL, NULL }
};

/* what every command takes besides its own */
static const struct sam_help command_help[] = {
	{ "-r, --root root", "the store's directory (default SAM_STORE, else\n"
	    "./sam-store)" },
	{ "--log-format text|json", "diagnostics' format (default SAM_LOG_FORMAT, else text)" },
	{ "-h, --help", "this help" },
	{ NULL, NULL }
};

static const struct sam_help put_help[] = {
	{ "--kind raw|anomalies", "where the records go (default: anomalies for a\n"
	    "record with \"anomaly\":true, else raw)" },
	{ "--tee", "write every valid record once stored (default: the new\n"
	    "and changed ones only)" },
	{ "--outbox", "also queue the new and changed anomalies for\n"
	    "sam-alert --outbox (default off)" },
	{ "--strict", "stop at the first rejected record, store nothing\n"
	    "(default: reported and skipped, exit 1)" },
	{ NULL, NULL }
};

static const struct sam_help get_help[] = {
	{ "-t, --ticker ticker", "only this ticker; may be repeated (default all)" },
	{ "-d, --date date", "only this New York date, YYYY-MM-DD (default all)" },
	{ "--from date", "only from this date on (default: the first)" },
	{ "--to date", "only up to this date (default: the last)" },
	{ "--days n", "only the last n dates, today included (default all)" },
	{ "-s, --severity level", "only anomalies of level or higher: low, medium,\n"
	    "high or critical (default all)" },
	{ "-n, --limit limit", "at most limit records (default no limit)" },
	{ "--desc", "the newest first (default: the oldest first)" },
	{ NULL, NULL }
};

static const struct sam_help prune_help[] = {
	{ "--raw-days n", "keep n dates of bars (default SAM_RAW_DAYS, else 30)" },
	{ "--dlq-days n", "keep n dates of dead letters (default SAM_DLQ_DAYS,\n"
	    "else 14)" },
	{ "--cooldown time", "keep the dedup records of a date this long after it\n"
	    "(default SAM_COOLDOWN, else 24h)" },
	{ "--dry-run", "write what would be removed, remove nothing" },
	{ "--drop-dead-letters", "remove dead-letter files past their keeping even\n"
	    "when they hold letters (default: kept)" },
	{ NULL, NULL }
};

static const struct sam_help fsck_help[] = {
	{ "--repair", "put damaged files right, under the lock (default:\n"
	    "report only)" },
	{ NULL, NULL }
};

static const struct sam_help append_help[] = {
	{ "--strict", "stop at the first rejected record, append nothing\n"
	    "(default: reported and skipped, exit 1)" },
	{ NULL, NULL }
};

static const struct sam_help no_help[] = { { NULL, NULL } };

static const struct {
	const char *name;
	int (*fn)(struct store *, int, char **);
	const char *usage;
	const struct sam_help *help;
} commands[] = {
	{ "put", cmd_put, USAGE_PUT, put_help },
	{ "get", cmd_get, USAGE_GET, get_help },
	{ "prune", cmd_prune, USAGE_PRUNE, prune_help },
	{ "fsck", cmd_fsck, USAGE_FSCK, fsck_help },
	{ "stats", cmd_stats, USAGE_STATS, no_help },
	{ "append", cmd_append, USAGE_APPEND, append_help },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* --help of the command named name, or of sam-store when name is none:
 * the usage, then the options, then the page. */
static int
cmd_help(const char *name)
{
	char title[32];
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0) {
			/* "       sam-store put" -> "usage: sam-store put" */
			printf("usage:%s", commands[i].usage + 6);
			if (commands[i].help->opt)
				sam_help_options("Options", commands[i].help);
			sam_help_options("Options of every command", command_help);
			return sam_help_end("sam-store(1)");
		}
	fputs(cmd_usage, stdout);
	sam_help_options("Options", top_help);
	for (i = 0; i < NCOMMANDS; i++) {
		if (!commands[i].help->opt)
			continue;
		snprintf(title, sizeof title, "Options of %s", commands[i].name);
		sam_help_options(title, commands[i].help);
	}
	return sam_help_end("sam-store(1)");
}

static const struct sam_tool tool = { "sam-store", cmd_usage, NULL, NULL, cmd_help };

int
cmd_getopt(int argc, char **argv, const char *optstring,
    const struct option *longopts, struct store *s, int *status)
{
	char spec[64];
	int c, r;

	/* ':' first, after a '+' (stop at the command) if there is one */
	if (*optstring == '+')
		snprintf(spec, sizeof spec, "+:%sh", optstring + 1);
	else
		snprintf(spec, sizeof spec, ":%sh", optstring);
	opterr = 0;
	while ((c = getopt_long(argc, argv, spec, longopts, NULL)) != -1) {
		if (c == 'r') {
			s->root = optarg;
			continue;
		}
		if (!strchr("LhV?:", c))
			return c;	/* the command's own */
		/* --help: nothing is open yet; argv[0] is the command, if any */
		if ((r = sam_opt_common(c, argv, &tool)) == SAM_OPT_NEXT)
			continue;
		if (c == 'h' || c == 'V')	/* written: the run is over */
			exit(r);
		*status = r;
		return '?';
	}
	return -1;
}

static const struct option longopts[] = {
	{ "lock-wait", required_argument, NULL, 'w' },
	SAM_OPT_VERSION,
	CMD_OPTIONS,
};

int
main(int argc, char **argv)
{
	struct store s = { .fd = -1, .lockfd = -1, .tmpfd = -1, .lock_wait = 60 };
	const char *env;
	size_t i;
	int c, status = 0;

	sam_log_init(argv[0]);
	/* a file-size limit is an error to report (EFBIG), not a signal */
	signal(SIGXFSZ, SIG_IGN);
	while ((c = cmd_getopt(argc, argv, "+r:w:", longopts, &s, &status)) != -1) {
		switch (c) {
		case 'w':
			if (sam_parse_ulong(optarg, 0, 86400, &s.lock_wait) < 0)
				return sam_usage_error(cmd_usage, "-w: not a number "
				    "of seconds from 0 to 86400: %s", optarg);
			break;
		default: return status;
		}
	}
	if ((status = sam_check_env(cmd_usage)) != 0)
		return status;
	if (optind == argc)
		return sam_usage_error(cmd_usage, "no command given");
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			break;
	if (i == NCOMMANDS)
		return sam_usage_error(cmd_usage, "unknown command: %s", argv[optind]);
	if (!s.root)
		s.root = (env = getenv("SAM_STORE")) && *env ? env : "sam-store";
	else if (!*s.root)
		return sam_usage_error(cmd_usage, "-r: an empty name");
	argc -= optind;
	argv += optind;
	optind = 0;		/* glibc: start over on the command's arguments */
	return commands[i].fn(&s, argc, argv);
}
