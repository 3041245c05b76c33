/*
 * fsck.c - sam-store fsck: every day file whole, valid and in its
 * place; --repair puts damaged files right.
 *
 * A problem is reported as "sam-store: PATH:LINE: what".  --repair
 * keeps the good lines of a damaged file, sorted, one per key (the last
 * one when a key repeats), and moves every other line to the same path
 * under ROOT/quarantine/ (appended there, never deleted).  What is not
 * a day file of the store (a stray file, a link) is reported and left.
 *
 * A repair that dies between its append to the quarantine and the
 * replacement of the day file leaves the lines in both; the next one
 * appends only the lines that the quarantine file does not hold yet
 * (as many times), so no line is quarantined twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

struct fsck {
	struct store *s;
	int repair, status;
	unsigned dirgen;
	unsigned long files, records, problems, repaired, quarantined;
	struct store_batch b;
	struct sam_buf good, bad, fresh;
	size_t *idx;
	size_t idxcap;
};

static void
problem(struct fsck *f, const char *path, const char *what)
{
	sam_log(SAM_ERROR, path, 0, "%s", what);
	f->problems++;
}

static const struct store_day *sorting;

static int
by_key_then_line(const void *a, const void *b)
{
	const struct store_entry *x = &sorting->e[*(const size_t *)a];
	const struct store_entry *y = &sorting->e[*(const size_t *)b];
	int c = store_entry_cmp(x, y);

	return c ? c : (x->lineno > y->lineno) - (x->lineno < y->lineno);
}

/* Counts each line of the open quarantine file (a last line without its
 * newline too) in held; *newline tells whether it ends with one.  0, or
 * -1 with errno. */
static int
quarantine_held(int fd, struct sam_map *held, int *newline)
{
	struct sam_buf q = { 0 };
	char chunk[65536];
	size_t at = 0;
	ssize_t r;
	int isnew;

	while ((r = read(fd, chunk, sizeof chunk)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		sam_buf_put(&q, chunk, (size_t)r);
	}
	if (q.err) {
		errno = ENOMEM;
		goto fail;
	}
	*newline = q.len == 0 || q.p[q.len - 1] == '\n';
	while (at < q.len) {
		const char *nl = memchr(q.p + at, '\n', q.len - at);
		size_t len = nl ? (size_t)(nl - (q.p + at)) : q.len - at;
		void **slot = sam_map_put(held, q.p + at, len, &isnew);
		if (!slot) {
			errno = ENOMEM;
			goto fail;
		}
		*slot = (void *)((uintptr_t)*slot + 1);
		at += len + 1;
	}
	sam_buf_free(&q);
	return 0;
fail:
	sam_buf_free(&q);
	return -1;
}

/* Of the lines of f->bad, those that the quarantine file does not hold
 * yet, into f->fresh (a newline first if its last line lacks one);
 * *already counts the others.  0, or -1 with errno. */
static int
quarantine_fresh(struct fsck *f, int fd, size_t *already)
{
	struct sam_map held = { 0 };
	size_t at = 0;
	int newline = 1;

	*already = 0;
	f->fresh.len = 0;
	if (quarantine_held(fd, &held, &newline) < 0) {
		sam_map_free(&held, NULL);
		return -1;
	}
	if (!newline)
		sam_buf_putc(&f->fresh, '\n');
	while (at < f->bad.len) {	/* each line ends with a newline */
		const char *nl = memchr(f->bad.p + at, '\n', f->bad.len - at);
		size_t len = (size_t)(nl - (f->bad.p + at));
		void **slot;
		uintptr_t n = (uintptr_t)sam_map_get(&held, f->bad.p + at, len);
		int isnew;

		if (n > 0 && (slot = sam_map_put(&held, f->bad.p + at, len, &isnew))) {
			*slot = (void *)(n - 1);
			++*already;
		} else {
			sam_buf_put(&f->fresh, f->bad.p + at, len + 1);
		}
		at += len + 1;
	}
	sam_map_free(&held, NULL);
	if (f->fresh.err) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* Appends the quarantined lines to ROOT/quarantine/KIND[/TICKER]/NAME,
 * durably, before the day file loses them: those it does not hold yet
 * (*already counts the others). */
static int
quarantine(struct fsck *f, int kind, const char *ticker, const char *name,
    const char *shown, size_t *already)
{
	int qfd, kfd = -1, tfd = -1, fd = -1, r = -1;

	if ((qfd = store_subdir(f->s->fd, "quarantine", 1)) >= 0 &&
	    (kfd = store_subdir(qfd, store_kind_names[kind], 1)) >= 0 &&
	    (!ticker || (tfd = store_subdir(kfd, ticker, 1)) >= 0)) {
		fd = openat(ticker ? tfd : kfd, name, O_RDWR | O_APPEND | O_CREAT |
		    O_NOFOLLOW | O_CLOEXEC, 0640);
		if (fd >= 0 && quarantine_fresh(f, fd, already) == 0 &&
		    (f->fresh.len == 0 || (write(fd, f->fresh.p, f->fresh.len) ==
		    (ssize_t)f->fresh.len && fsync(fd) == 0)))
			r = 0;
	}
	if (fd >= 0 && close(fd) < 0)
		r = -1;
	if (r < 0)
		sam_fatal_errno("write %s", shown);
	if (tfd >= 0)
		close(tfd);
	if (kfd >= 0)
		close(kfd);
	if (qfd >= 0)
		close(qfd);
	return r;
}

static int
put_right(struct fsck *f, int kind, int dirfd, const char *ticker,
    const char *name, const char *shown, struct store_day *d)
{
	char qshown[4096];
	size_t i, m = 0, nbad = 0, already = 0;

	if (sam_grow(&f->idx, &f->idxcap, d->n, sizeof *f->idx) < 0)
		return -1;
	for (i = 0; i < d->n; i++)
		if (!d->e[i].bad)
			f->idx[m++] = i;
	if (ticker) {	/* sorted, the last line of a key kept */
		sorting = d;
		if (m)
			qsort(f->idx, m, sizeof *f->idx, by_key_then_line);
		for (i = 0; i + 1 < m; i++)
			if (store_entry_cmp(&d->e[f->idx[i]], &d->e[f->idx[i + 1]]) == 0)
				d->e[f->idx[i]].bad = 1;
	}
	f->good.len = f->bad.len = 0;
	for (i = 0; i < m; i++) {
		const struct store_entry *e = &d->e[f->idx[i]];
		if (!e->bad) {
			sam_buf_put(&f->good, e->line, e->len);
			sam_buf_putc(&f->good, '\n');
		}
	}
	for (i = 0; i < d->n; i++)
		if (d->e[i].bad) {
			sam_buf_put(&f->bad, d->e[i].line, d->e[i].len);
			sam_buf_putc(&f->bad, '\n');
			nbad++;
		}
	if (f->good.err || f->bad.err)
		return -1;
	if (!store_day_changes(d, &f->good))	/* (a damaged file always does) */
		return 0;
	if (ticker)
		snprintf(qshown, sizeof qshown, "%s/quarantine/%s/%s/%s", f->s->root,
		    store_kind_names[kind], ticker, name);
	else
		snprintf(qshown, sizeof qshown, "%s/quarantine/%s/%s", f->s->root,
		    store_kind_names[kind], name);
	if (nbad && quarantine(f, kind, ticker, name, qshown, &already) < 0)
		return -2;
	if (f->good.len == 0 && unlinkat(dirfd, name, 0) < 0) {
		sam_fatal_errno("remove %s", shown);
		return -2;
	}
	if (f->good.len && store_batch_add(&f->b, dirfd, f->dirgen, name, shown,
	    &f->good, 0, NULL, NULL) < 0)
		return -2;
	if (nbad && already)	/* an earlier repair stopped halfway */
		sam_log(SAM_INFO, shown, 0, "repaired: %zu line%s moved to %s "
		    "(%zu there already)", nbad, nbad == 1 ? "" : "s", qshown, already);
	else if (nbad)
		sam_log(SAM_INFO, shown, 0, "repaired: %zu line%s moved to %s",
		    nbad, nbad == 1 ? "" : "s", qshown);
	else
		sam_log(SAM_INFO, shown, 0, "repaired: sorted by key");
	f->quarantined += nbad;
	f->repaired++;
	return 0;
}

/* A walk of one directory's day files, checked. */
struct fsck_walk {
	struct store_walk w;	/* first: the walk's callbacks get both */
	struct fsck *f;
	int r;			/* why the walk stopped: -1 out of memory, -2 reported */
};

static int
check_file(struct store_walk *w, struct store_day *d, int64_t day)
{
	struct fsck_walk *fw = (struct fsck_walk *)w;
	struct fsck *f = fw->f;
	unsigned long rejected = w->in.rejected;
	size_t i;

	f->files++;
	if (store_day_parse(d, &w->in, &w->rec, w->ticker, day) < 0)
		return fw->r = -1;
	if (w->ticker)
		store_day_check_order(d, &w->in, 0);
	for (i = 0; i < d->n; i++)
		f->records += !d->e[i].bad;
	rejected = w->in.rejected - rejected;
	f->problems += rejected;
	if (rejected && f->repair)
		fw->r = put_right(f, w->kind, w->dirfd, w->ticker, w->at->s, w->in.file, d);
	return fw->r;
}

/* A name that is no day file's, or a link. */
static int
check_other(struct store_walk *w)
{
	struct fsck *f = ((struct fsck_walk *)w)->f;

	problem(f, store_path(f->s, store_kind_names[w->kind], w->ticker, w->at->s),
	    w->at->type == STORE_ENT_LINK ? "a symbolic link: not followed" :
	    "not a day file (YYYY-MM-DD.ndjson): left alone");
	return 0;
}

/* A day file's name on what is no file (a directory, a FIFO), or a
 * link, is a problem; any other failure to read is fatal. */
static int
check_fail(struct store_walk *w, const char *verb, const char *path)
{
	struct fsck_walk *fw = (struct fsck_walk *)w;

	if (w->at && w->at->type != STORE_ENT_FILE && w->at->type != STORE_ENT_LINK)
		problem(fw->f, path, "not a day file (YYYY-MM-DD.ndjson): left alone");
	else if (errno == ELOOP || errno == EINVAL)
		problem(fw->f, path, errno == ELOOP ? "a symbolic link: not followed" :
		    "not a regular file");
	else {
		sam_fatal_errno("%s %s", verb, path);
		return fw->r = -2;
	}
	return 0;
}

/* The day files of the kind (of the ticker for a keyed kind); 0, -1
 * out of memory, or -2 reported. */
static int
check_dir(struct fsck *f, int kind, int kindfd, const char *ticker)
{
	struct fsck_walk fw = { .w = { .kind = kind, .ticker = ticker, .from = INT64_MIN,
	    .to = INT64_MAX, .file = check_file, .other = check_other, .fail = check_fail },
	    .f = f };

	f->dirgen++;
	return store_walk(f->s, kindfd, &fw.w) < 0 ? fw.r : 0;
}

static int
check_kind(struct fsck *f, int kind)
{
	struct store_names n = { 0 };
	size_t i;
	int r = 0, fd = store_subdir(f->s->fd, store_kind_names[kind], 0);
	const char *shown = store_path(f->s, store_kind_names[kind], NULL, NULL);

	if (fd < 0 && errno == ELOOP)
		problem(f, shown, "a symbolic link: not followed");
	if (fd < 0)
		return errno == ENOENT || errno == ELOOP ? 0 :
		    (sam_fatal_errno("open %s", shown), -2);
	if (!STORE_KEYED(kind)) {
		r = check_dir(f, kind, fd, NULL);
	} else if (store_names_list(fd, &n) < 0) {
		sam_fatal_errno("list %s", shown);
		r = -2;
	}
	for (i = 0; i < n.n && r == 0; i++) {
		const char *t = n.v[i].s;
		shown = store_path(f->s, store_kind_names[kind], t, NULL);
		if (n.v[i].type == STORE_ENT_LINK)
			problem(f, shown, "a symbolic link: not followed");
		else if (n.v[i].type != STORE_ENT_DIR || !sam_valid_ticker(t, strlen(t)))
			problem(f, shown, "not a ticker's directory: left alone");
		else
			r = check_dir(f, kind, fd, t);
	}
	store_names_free(&n);
	close(fd);
	return r;
}

static const struct option longopts[] = {
	{ "repair", no_argument, NULL, 'R' },
	CMD_OPTIONS,
};

int
cmd_fsck(struct store *s, int argc, char **argv)
{
	struct fsck f = { .s = s, .b = { .s = s } };
	int c, kind, r = 0, status = 0;

	while ((c = cmd_getopt(argc, argv, "r:", longopts, s, &status)) != -1) {
		switch (c) {
		case 'R': f.repair = 1; break;
		default: return status;
		}
	}
	if (optind < argc)
		return sam_usage_error(cmd_usage, "fsck: unexpected argument: %s",
		    argv[optind]);
	if ((status = store_open(s, s->root, 0)) != 0 ||
	    (f.repair && (status = store_lock(s)) != 0)) {
		store_close(s);
		return status;
	}
	for (kind = 0; kind < STORE_KINDS && r == 0; kind++)
		r = check_kind(&f, kind);
	if (r == 0 && f.repair)
		r = store_batch_commit(&f.b, NULL, NULL) < 0 ? -2 : 0;
	store_batch_abort(&f.b);
	if (r == -1)
		sam_log(SAM_FATAL, NULL, 0, "out of memory");
	sam_buf_printf(sam_out(), "{\"files\":%lu,\"records\":%lu,\"problems\":%lu,"
	    "\"repaired\":%lu,\"quarantined\":%lu}\n", f.files, f.records,
	    f.problems, f.repaired, f.quarantined);
	status = r < 0 ? SAM_EXIT_RUNTIME : f.problems ? SAM_EXIT_REJECT : SAM_EXIT_OK;
	store_close(s);
	sam_buf_free(&f.good);
	sam_buf_free(&f.bad);
	sam_buf_free(&f.fresh);
	free(f.idx);
	return sam_out_finish(status);
}
