/*
 * walk.c - the one walk over a kind's day files: sam-store's get,
 * stats, prune and fsck, sam-serve-static's loading and sam-alert's
 * state all go through it, without the lock (writers only ever rename
 * whole files into place) unless the caller holds it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

static int
walk_fail(struct store_walk *w, const char *verb, const char *path)
{
	if (w->fail)
		return w->fail(w, verb, path);
	sam_fatal_errno("%s %s", verb, path);
	return -1;
}

/* A day file read (r from store_day_read): handed to file(), its lines
 * to line().  0 (a file gone meanwhile too), or -1 (reported). */
static int
walk_file(struct store_walk *w, int r, int64_t day, struct store_day *d)
{
	if (r != 0)
		return r > 0 ? 0 : walk_fail(w, "read", w->in.file);
	if (w->file)
		r = w->file(w, d, day);
	if (r == 0 && w->line)
		r = store_day_parse_each(d, &w->in, &w->rec, w->ticker, day, w->line, w);
	if (r == 0 && w->line && STORE_KEYED(w->kind))
		store_day_check_order(d, &w->in, 0);
	w->in.line = 0;
	if (!w->keep)
		free(d->buf);
	d->buf = NULL;
	return r;
}

/* One date of one ticker: TICKER/DATE.ndjson read straight, in one
 * system call where the kernel has openat2. */
static int
walk_one(struct store_walk *w, int kfd, struct store_day *d)
{
	const char *kind = store_kind_names[w->kind];
	char name[24];
	struct stat st;
	int r;

	sam_format_date(name, w->from);
	strcpy(name + 10, ".ndjson");
	if ((r = store_day_read_at(kfd, w->ticker, name, d)) < 0 && errno == ENOTDIR)
		r = 1;		/* no ticker's directory: no file */
	w->in.file = store_path(w->s, kind, w->ticker, name);
	if (r < 0 && errno == ELOOP && fstatat(kfd, w->ticker, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode)) {	/* the link is the ticker's directory */
		errno = ELOOP;
		return walk_fail(w, "open", store_path(w->s, kind, w->ticker, NULL));
	}
	return walk_file(w, r, w->from, d);
}

/* The entries of dir fd, a day file's read and handed on, another's to
 * other(). */
static int
walk_dir(struct store_walk *w, int fd, struct store_day *d)
{
	const char *kind = store_kind_names[w->kind];
	struct store_names n = { 0 };
	int64_t day;
	size_t k, i;
	int r = 0;

	if (store_names_list(fd, &n) < 0)
		return walk_fail(w, "list", store_path(w->s, kind, w->ticker, NULL));
	w->dirfd = fd;
	for (k = 0; k < n.n && r == 0 && !w->stop; k++) {
		i = w->newest_first ? n.n - 1 - k : k;	/* names sort by date */
		w->at = &n.v[i];
		if (store_day_name(n.v[i].s, &day) < 0) {
			if (w->other)
				r = w->other(w);
		} else if (day >= w->from && day <= w->to && w->unread) {
			r = w->file(w, NULL, day);
		} else if (day >= w->from && day <= w->to) {
			w->in.file = store_path(w->s, kind, w->ticker ? w->ticker : n.v[i].s,
			    w->ticker ? n.v[i].s : NULL);
			r = walk_file(w, store_day_read(fd, n.v[i].s, d), day, d);
		}
	}
	w->at = NULL;
	w->dirfd = -1;
	store_names_free(&n);
	return r;
}

int
store_walk(struct store *s, int kindfd, struct store_walk *w)
{
	const char *kind = store_kind_names[w->kind];
	struct store_day d = { 0 };
	int kfd = kindfd, fd, r;

	w->s = s;
	w->stop = 0;
	w->at = NULL;
	w->dirfd = -1;
	if (kfd < 0 && (kfd = store_subdir(s->fd, kind, 0)) < 0)
		return errno == ENOENT ? 0 : walk_fail(w, "open", store_path(s, kind, NULL, NULL));
	if (!w->ticker)
		r = walk_dir(w, kfd, &d);
	else if (w->from == w->to && !w->unread)
		r = walk_one(w, kfd, &d);
	else if ((fd = store_subdir(kfd, w->ticker, 0)) < 0)	/* none: no files */
		r = errno == ENOENT || errno == ENOTDIR ? 0 :
		    walk_fail(w, "open", store_path(s, kind, w->ticker, NULL));
	else {
		r = walk_dir(w, fd, &d);
		close(fd);
	}
	if (kfd != kindfd)
		close(kfd);
	store_day_free(&d);
	sam_rec_free(&w->rec);
	return r;
}
