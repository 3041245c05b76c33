/*
 * prune.c - sam-store prune: the retention rules.
 *
 * raw day files are kept --raw-days (30) days, today (in New York)
 * included; dead letters --dlq-days (14); a dedup file of alerts/ until
 * the last alert it can hold is past --cooldown (24h).  Anomalies and
 * run records are kept.  Each file removed is a line on stdout.
 *
 * A dead-letter file holds only letters never delivered (sam-alert
 * --replay-dlq takes out the ones it delivers), so one past its keeping
 * is not removed without --drop-dead-letters: it is listed, kept and
 * named on stderr, so that whoever runs prune (sam-hourly) can tell
 * someone before the letters go.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

struct prune {
	struct store *s;
	int64_t today, now;
	unsigned long raw_days, dlq_days, cooldown;	/* cooldown in seconds */
	int dry_run, drop_dlq;
	unsigned long removed, kept_letters;
};

/* The lines of a dead-letter file: its letters; -1 if unreadable. */
static long
count_letters(int dirfd, const char *name)
{
	char buf[65536];
	long lines = 0;
	ssize_t n, i;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
		for (i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return n < 0 ? -1 : lines;
}

/* Whether the day file of KIND dated DAY is past its keeping. */
static int
expired(const struct prune *p, int kind, int64_t day)
{
	switch (kind) {
	case STORE_RAW: return day <= p->today - (int64_t)p->raw_days;
	case STORE_DLQ: return day <= p->today - (int64_t)p->dlq_days;
	case STORE_ALERTS: return sam_ny_to_utc(day + 1, 0) + (int64_t)p->cooldown <= p->now;
	default: return 0;
	}
}

/* A walk of one directory's day files, unread. */
struct prune_walk {
	struct store_walk w;	/* first: the walk's callbacks get both */
	struct prune *p;
};

/* Removes the day file w->at if it is past its keeping (a link or
 * anything but a file is fsck's business); -1 after reporting. */
static int
prune_file(struct store_walk *w, struct store_day *unread, int64_t day)
{
	struct prune *p = ((struct prune_walk *)w)->p;
	struct sam_buf *out = sam_out();
	const char *name = w->at->s, *ticker = w->ticker;
	const char *kind = store_kind_names[w->kind];
	char date[11];
	long letters = 0;
	int keep;

	(void)unread;
	if (w->at->type != STORE_ENT_FILE || !expired(p, w->kind, day))
		return 0;
	if (w->kind == STORE_DLQ && (letters = count_letters(w->dirfd, name)) < 0) {
		sam_fatal_errno("read %s", store_path(p->s, kind, NULL, name));
		return -1;
	}
	keep = w->kind == STORE_DLQ && letters > 0 && !p->drop_dlq;
	if (keep) {
		p->kept_letters += (unsigned long)letters;
		sam_log(SAM_WARNING, NULL, 0, "%s: %ld undelivered dead "
		    "letter%s past --dlq-days kept: deliver with sam-alert "
		    "--replay-dlq, or drop with prune --drop-dead-letters",
		    store_path(p->s, kind, NULL, name), letters, letters == 1 ? "" : "s");
	} else if (!p->dry_run && unlinkat(w->dirfd, name, 0) < 0) {
		sam_fatal_errno("remove %s", store_path(p->s, kind, ticker, name));
		return -1;
	}
	p->removed += !keep;
	sam_format_date(date, day);
	sam_buf_printf(out, "{\"kind\":\"%s\",", kind);
	if (ticker)
		sam_buf_printf(out, "\"ticker\":\"%s\",", ticker);
	sam_buf_printf(out, "\"date\":\"%s\",\"path\":", date);
	if (ticker)
		sam_buf_printf(out, "\"%s/%s/%s\"", kind, ticker, name);
	else
		sam_buf_printf(out, "\"%s/%s\"", kind, name);
	if (w->kind == STORE_DLQ)
		sam_buf_printf(out, ",\"letters\":%ld", letters);
	sam_buf_puts(out, p->dry_run || keep ? ",\"removed\":false}\n" :
	    ",\"removed\":true}\n");
	sam_out_maybe_flush();
	return 0;
}

/* Removes the expired day files of the kind (of the ticker for a keyed
 * kind); -1 after reporting. */
static int
prune_dir(struct prune *p, int kind, int kindfd, const char *ticker)
{
	struct prune_walk pw = { .w = { .kind = kind, .ticker = ticker, .from = INT64_MIN,
	    .to = INT64_MAX, .unread = 1, .file = prune_file }, .p = p };

	return store_walk(p->s, kindfd, &pw.w);
}

static int
prune_kind(struct prune *p, int kind)
{
	struct store_names n = { 0 };
	size_t i;
	int r = 0, fd = store_subdir(p->s->fd, store_kind_names[kind], 0);

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || (STORE_KEYED(kind) && store_names_list(fd, &n) < 0)) {
		sam_fatal_errno("open %s", store_path(p->s, store_kind_names[kind], NULL, NULL));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!STORE_KEYED(kind))
		r = prune_dir(p, kind, fd, NULL);
	for (i = 0; i < n.n && r == 0; i++) {
		const char *t = n.v[i].s;
		if (n.v[i].type != STORE_ENT_DIR || !sam_valid_ticker(t, strlen(t)))
			continue;	/* fsck's business */
		r = prune_dir(p, kind, fd, t);
		if (r == 0 && !p->dry_run)
			unlinkat(fd, t, AT_REMOVEDIR);	/* if now empty */
	}
	store_names_free(&n);
	close(fd);
	return r;
}

static int
parse_days(const char *what, const char *s, unsigned long *out)
{
	if (sam_parse_ulong(s, 1, 100000, out) < 0)
		return sam_usage_error(cmd_usage, "%s: not a number of days from "
		    "1 to 100000: %s", what, s);
	return 0;
}

static const struct option longopts[] = {
	{ "raw-days", required_argument, NULL, 'R' },
	{ "dlq-days", required_argument, NULL, 'D' },
	{ "cooldown", required_argument, NULL, 'C' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "drop-dead-letters", no_argument, NULL, 'X' },
	CMD_OPTIONS,
};

int
cmd_prune(struct store *s, int argc, char **argv)
{
	struct prune p = { .s = s, .raw_days = 30, .dlq_days = 14, .cooldown = 86400 };
	const char *raw = getenv("SAM_RAW_DAYS"), *dlq = getenv("SAM_DLQ_DAYS");
	const char *cool = getenv("SAM_COOLDOWN"), *cool_from = "SAM_COOLDOWN";
	const char *raw_from = "SAM_RAW_DAYS", *dlq_from = "SAM_DLQ_DAYS";
	int c, kind, status = 0;

	while ((c = cmd_getopt(argc, argv, "nr:", longopts, s, &status)) != -1) {
		switch (c) {
		case 'R': raw = optarg; raw_from = "--raw-days"; break;
		case 'D': dlq = optarg; dlq_from = "--dlq-days"; break;
		case 'C': cool = optarg; cool_from = "--cooldown"; break;
		case 'n': p.dry_run = 1; break;
		case 'X': p.drop_dlq = 1; break;
		default: return status;
		}
	}
	/* an empty variable is unset; an empty option is an error */
	if ((raw && (*raw || *raw_from == '-') &&
	    (status = parse_days(raw_from, raw, &p.raw_days)) != 0) ||
	    (dlq && (*dlq || *dlq_from == '-') &&
	    (status = parse_days(dlq_from, dlq, &p.dlq_days)) != 0))
		return status;
	if (cool && (*cool || *cool_from == '-') && sam_parse_duration(cool, &p.cooldown) < 0)
		return sam_usage_error(cmd_usage, "%s: not a time such as 24h, "
		    "90m or 3600s: %s", cool_from, cool);
	if (optind < argc)
		return sam_usage_error(cmd_usage, "prune: unexpected argument: %s",
		    argv[optind]);
	p.now = sam_now();
	p.today = sam_ny_date(p.now);
	if ((status = store_open(s, s->root, 0)) != 0 ||
	    (!p.dry_run && (status = store_lock(s)) != 0)) {
		store_close(s);
		return status;
	}
	for (kind = 0; kind < STORE_KINDS && status == 0; kind++)
		if (prune_kind(&p, kind) < 0)
			status = SAM_EXIT_RUNTIME;
	if (p.removed && !p.dry_run && store_sync(s) < 0) {
		sam_fatal_errno("sync the store %s", s->root);
		status = SAM_EXIT_RUNTIME;
	}
	store_close(s);
	return sam_out_finish(status);
}
