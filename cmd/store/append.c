/*
 * append.c - sam-store append runs: records added to the end of
 * ROOT/runs/DATE.ndjson, DATE the New York date of each record's
 * "start", each file rewritten whole under the lock like every day file.
 *
 * The hourly job writes its run records through it, so that a run
 * record is never half written and two writers never lose one.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

struct append {
	struct sam_buf lines[64];	/* by date, in order of first use */
	int64_t dates[64];
	size_t ndates;
	unsigned long n;
};

static int
on_record(struct sam_input *in, struct sam_rec *rec, void *ctx)
{
	struct append *a = ctx;
	const struct sam_field *f = sam_rec_get(rec, "start");
	int64_t start, date;
	size_t i;

	if (!f)
		return sam_reject(in, "missing field \"start\"");
	if (f->type != SAM_JSTRING || sam_parse_ts(f->val + 1, f->vlen - 2, &start, NULL) < 0)
		return sam_reject(in, "field \"start\": not an RFC 3339 UTC time");
	date = sam_ny_date(start);
	for (i = 0; i < a->ndates && a->dates[i] != date; i++)
		;
	if (i == a->ndates) {
		if (a->ndates == sizeof a->dates / sizeof a->dates[0])
			return sam_reject(in, "more than %zu dates in one input",
			    sizeof a->dates / sizeof a->dates[0]);
		a->dates[a->ndates++] = date;
	}
	sam_rec_write(rec, NULL, &a->lines[i]);
	if (a->lines[i].err) {
		sam_log(SAM_FATAL, in->file, in->line, "out of memory");
		return -2;
	}
	a->n++;
	return 0;
}

static const struct option longopts[] = {
	{ "strict", no_argument, NULL, 'S' },
	CMD_OPTIONS,
};

int
cmd_append(struct store *s, int argc, char **argv)
{
	struct append a = { 0 };
	struct sam_input in = { 0 };
	struct store_batch b = { .s = s };
	int c, status = 0, dirfd = -1;
	size_t i;

	while ((c = cmd_getopt(argc, argv, "r:", longopts, s, &status)) != -1) {
		switch (c) {
		case 'S': in.strict = 1; break;
		default: return status;
		}
	}
	if (status)
		return status;
	if (optind == argc)
		return sam_usage_error(cmd_usage, "append: which records? runs");
	if (strcmp(argv[optind], "runs") != 0)
		return sam_usage_error(cmd_usage, "append: only runs are appended: %s",
		    argv[optind]);
	optind++;
	status = sam_input_run(&in, argv + optind, argc - optind, on_record, &a);
	if ((in.strict && in.rejected) || a.n == 0 || status == SAM_EXIT_RUNTIME)
		goto out;
	if ((c = store_open(s, s->root, 1)) != 0 || (c = store_lock(s)) != 0) {
		status = c;
		goto out;
	}
	if ((dirfd = store_subdir(s->fd, "runs", 1)) < 0) {
		sam_fatal_errno("open %s", store_path(s, "runs", NULL, NULL));
		status = SAM_EXIT_RUNTIME;
	}
	for (i = 0; i < a.ndates && status != SAM_EXIT_RUNTIME; i++)
		if (store_batch_append(&b, dirfd, 1, "runs", a.dates[i], &a.lines[i]) < 0)
			status = SAM_EXIT_RUNTIME;
	if (status != SAM_EXIT_RUNTIME && store_batch_commit(&b, NULL, NULL) < 0)
		status = SAM_EXIT_RUNTIME;
	store_batch_abort(&b);
	if (status == SAM_EXIT_RUNTIME)
		sam_log(SAM_ERROR, NULL, 0, "%lu records not stored", a.n);
out:
	if (dirfd >= 0)
		close(dirfd);
	store_close(s);
	for (i = 0; i < a.ndates; i++)
		sam_buf_free(&a.lines[i]);
	return sam_out_finish(status);
}
