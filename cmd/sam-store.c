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

const char store_usage[] =
    "usage: sam-store [-r root] [-w seconds] [--log-format text|json] command ...\n"
    "       sam-store put [--kind raw|anomalies] [--tee] [--outbox] [--strict]\n"
    "                 [file ...]\n"
    "       sam-store get raw|anomalies [-t ticker]... [-d date | --from date]\n"
    "                 [--to date] [--days n] [-s level] [-n limit] [--desc]\n"
    "       sam-store prune [--raw-days n] [--dlq-days n] [--cooldown time] [--dry-run]\n"
    "                 [--drop-dead-letters]\n"
    "       sam-store fsck [--repair]\n"
    "       sam-store stats\n"
    "       sam-store append runs [--strict] [file ...]\n";

static const struct {
	const char *name;
	int (*fn)(struct store *, int, char **);
} commands[] = {
	{ "put", cmd_put }, { "get", cmd_get }, { "prune", cmd_prune },
	{ "fsck", cmd_fsck }, { "stats", cmd_stats }, { "append", cmd_append },
};

int
store_getopt(int argc, char **argv, const char *optstring,
    const struct option *longopts, struct store *s, int *status)
{
	char spec[64];
	int c;

	/* ':' first, after a '+' (stop at the command) if there is one */
	if (*optstring == '+')
		snprintf(spec, sizeof spec, "+:%sh", optstring + 1);
	else
		snprintf(spec, sizeof spec, ":%sh", optstring);
	opterr = 0;
	while ((c = getopt_long(argc, argv, spec, longopts, NULL)) == 'r' ||
	    (c == 'L' && sam_log_set_format(optarg) == 0))
		if (c == 'r')
			s->root = optarg;
	switch (c) {
	case 'L':
		*status = sam_usage_error(store_usage,
		    "--log-format: must be text or json: %s", optarg);
		return '?';
	case 'h':	/* nothing is open yet */
		fputs(store_usage, stdout);
		exit(sam_out_finish(SAM_EXIT_OK));
	case '?':
	case ':':
		*status = sam_getopt_error(c, argv, store_usage);
		return '?';
	default:
		return c;
	}
}

static const struct option longopts[] = {
	{ "lock-wait", required_argument, NULL, 'w' },
	{ "version", no_argument, NULL, 'V' },
	STORE_OPTIONS,
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
	while ((c = store_getopt(argc, argv, "+r:w:", longopts, &s, &status)) != -1) {
		switch (c) {
		case 'w':
			if (sam_parse_ulong(optarg, 0, 86400, &s.lock_wait) < 0)
				return sam_usage_error(store_usage, "-w: not a number "
				    "of seconds from 0 to 86400: %s", optarg);
			break;
		case 'V': printf("sam-store %s\n", SAM_VERSION); return SAM_EXIT_OK;
		default: return status;
		}
	}
	if ((status = sam_check_env(store_usage)) != 0)
		return status;
	if (optind == argc)
		return sam_usage_error(store_usage, "no command given");
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			break;
	if (i == sizeof commands / sizeof commands[0])
		return sam_usage_error(store_usage, "unknown command: %s", argv[optind]);
	if (!s.root)
		s.root = (env = getenv("SAM_STORE")) && *env ? env : "sam-store";
	else if (!*s.root)
		return sam_usage_error(store_usage, "-r: an empty name");
	argc -= optind;
	argv += optind;
	optind = 0;		/* glibc: start over on the command's arguments */
	return commands[i].fn(&s, argc, argv);
}
