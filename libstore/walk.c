/*
 * walk.c - the one walk over a kind's day files: sam-serve-static
 * loads the site through it and sam-alert its state, without the lock
 * (writers only ever rename whole files into place).
 */
#include <errno.h>
#include <stdlib.h>
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

/* One day file: read whole, handed to file(), its lines to line().
 * 0 (a file gone meanwhile too), or -1 (reported). */
static int
walk_file(struct store_walk *w, int dirfd, const char *name, int64_t day,
    struct store_day *d)
{
	int r = store_day_read(dirfd, name, d);

	w->in.file = store_path(w->s, store_kind_names[w->kind],
	    w->ticker ? w->ticker : name, w->ticker ? name : NULL);
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

int
store_walk(struct store *s, int kindfd, struct store_walk *w)
{
	const char *kind = store_kind_names[w->kind];
	struct store_names n = { 0 };
	struct store_day d = { 0 };
	int64_t day;
	size_t k, i;
	int kfd = kindfd, fd, r = 0;

	w->s = s;
	w->stop = 0;
	w->at = NULL;
	if (kfd < 0 && (kfd = store_subdir(s->fd, kind, 0)) < 0)
		return errno == ENOENT ? 0 : walk_fail(w, "open", store_path(s, kind, NULL, NULL));
	fd = kfd;
	if (w->ticker && (fd = store_subdir(kfd, w->ticker, 0)) < 0)
		r = errno == ENOENT || errno == ENOTDIR ? 0 : walk_fail(w, "open",
		    store_path(s, kind, w->ticker, NULL));
	else if (store_names_list(fd, &n) < 0)
		r = walk_fail(w, "list", store_path(s, kind, w->ticker, NULL));
	for (k = 0; k < n.n && r == 0 && !w->stop; k++) {
		i = w->newest_first ? n.n - 1 - k : k;	/* names sort by date */
		w->at = &n.v[i];
		if (store_day_name(n.v[i].s, &day) == 0 && day >= w->from && day <= w->to)
			r = walk_file(w, fd, n.v[i].s, day, &d);
	}
	w->at = NULL;
	store_names_free(&n);
	if (fd >= 0 && fd != kfd)
		close(fd);
	if (kfd != kindfd)
		close(kfd);
	store_day_free(&d);
	sam_rec_free(&w->rec);
	return r;
}
