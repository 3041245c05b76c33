/*
 * publish.c - the site is built in a directory beside DIR and swapped
 * in with one rename, so a reader sees the old site or the new one,
 * whole, never a mix and never nothing; a failed build leaves the old
 * site as it was.
 *
 *   PARENT/DIR               the site
 *   PARENT/.DIR.new-PID      being built
 *   PARENT/.DIR.prev         the site before, kept until the next build
 *                            so that a request already inside it ends well
 *
 * The swap is renameat2(RENAME_EXCHANGE); where the file system lacks
 * it, two renames with a moment without DIR between them.  Builds are
 * serialized by a flock on PARENT.  A DIR that holds anything but a
 * site built here (SITE_MARKER) is never replaced.
 */
#define _GNU_SOURCE		/* renameat2, syncfs */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "site.h"

#define LOCK_WAIT_MS 60000

/* "prog: fatal: unable to WHAT PARENT/NAME: reason" */
static void
say(const struct publish *p, const char *what, const char *name)
{
	sam_fatal_errno("%s %s%s%s", what, p->parent,
	    *name && strcmp(p->parent, "/") != 0 ? "/" : "", name);
}

/* Removes NAME in dirfd and everything under it, following no link. */
static int
rm_tree(int dirfd, const char *name)
{
	struct store_names n = { 0 };
	size_t i;
	int fd, r = 0, saved;

	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if (store_names_list(fd, &n) < 0)
		r = -1;
	for (i = 0; i < n.n && r == 0; i++)
		r = rm_tree(fd, n.v[i].s);
	saved = errno;
	store_names_free(&n);
	close(fd);
	errno = saved;
	if (r == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -1;
	return r;
}

/* DIR's parent, which must exist, and last component. */
static int
split(struct publish *p, const char *out)
{
	char *parent = p->parent;
	size_t len = strlen(out);
	const char *slash;

	while (len > 1 && out[len - 1] == '/')
		len--;
	if (len >= sizeof p->parent) {
		sam_log(SAM_ERROR, NULL, 0, "-o: the name is too long");
		return SAM_EXIT_USAGE;
	}
	memcpy(parent, out, len);
	parent[len] = '\0';
	slash = strrchr(parent, '/');
	len = strlen(slash ? slash + 1 : parent);
	if (len == 0 || len >= sizeof p->base - 16 || strcmp(slash ? slash + 1 : parent, ".") == 0 ||
	    strcmp(slash ? slash + 1 : parent, "..") == 0) {
		sam_log(SAM_ERROR, NULL, 0, "-o: not a directory name to build into: %s", out);
		return SAM_EXIT_USAGE;
	}
	memcpy(p->base, slash ? slash + 1 : parent, len + 1);
	if (!slash)
		strcpy(parent, ".");
	else if (slash == parent)
		parent[1] = '\0';
	else
		parent[slash - parent] = '\0';
	if ((p->parentfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		sam_fatal_errno("open %s", parent);
		return SAM_EXIT_RUNTIME;
	}
	return 0;
}

static int
lock_parent(struct publish *p)
{
	long waited = 0;
	struct timespec pause = { 0, 20 * 1000 * 1000 };

	if ((p->lockfd = dup(p->parentfd)) < 0) {
		sam_fatal_errno("lock the directory of %s", p->out);
		return SAM_EXIT_RUNTIME;
	}
	while (flock(p->lockfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			sam_fatal_errno("lock the directory of %s", p->out);
			return SAM_EXIT_RUNTIME;
		}
		if (waited >= LOCK_WAIT_MS) {
			sam_log(SAM_FATAL, NULL, 0, "unable to lock the directory of %s: "
			    "another build held it for %d s", p->out, LOCK_WAIT_MS / 1000);
			return SAM_EXIT_RUNTIME;
		}
		nanosleep(&pause, NULL);
		waited += 20;
	}
	return 0;
}

/* DIR may be replaced if it is absent, empty, or a site built here. */
static int
check_out(struct publish *p)
{
	struct store_names n = { 0 };
	struct stat st;
	int fd, ours;

	if (fstatat(p->parentfd, p->base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		sam_fatal_errno("stat %s", p->out);
		return SAM_EXIT_RUNTIME;
	}
	if (!S_ISDIR(st.st_mode)) {
		sam_log(SAM_ERROR, p->out, 0, "not a directory%s; refusing to replace it",
		    S_ISLNK(st.st_mode) ? " (a symbolic link: give the directory "
		    "itself)" : "");
		return SAM_EXIT_USAGE;
	}
	p->exists = 1;
	if ((fd = openat(p->parentfd, p->base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    store_names_list(fd, &n) < 0) {
		sam_fatal_errno("read %s", p->out);
		if (fd >= 0)
			close(fd);
		return SAM_EXIT_RUNTIME;
	}
	ours = faccessat(fd, SITE_MARKER, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	close(fd);
	if (n.n && !ours) {
		store_names_free(&n);
		sam_log(SAM_ERROR, p->out, 0, "not a site built by sam-serve-static "
		    "(no %s in it); refusing to replace it", SITE_MARKER);
		return SAM_EXIT_USAGE;
	}
	store_names_free(&n);
	return 0;
}

/* What an earlier build left: its tree in the making, the site before. */
static int
clean_leftovers(struct publish *p)
{
	struct store_names n = { 0 };
	char prefix[300];
	size_t i, len;

	len = (size_t)snprintf(prefix, sizeof prefix, ".%s.", p->base);
	if (store_names_list(p->parentfd, &n) < 0) {
		say(p, "list the directory of", "");
		return -1;
	}
	for (i = 0; i < n.n; i++) {
		const char *rest = n.v[i].s + len;
		if (strncmp(n.v[i].s, prefix, len) != 0 ||
		    (strncmp(rest, "new-", 4) != 0 && strcmp(rest, "prev") != 0))
			continue;
		if (rm_tree(p->parentfd, n.v[i].s) < 0) {
			say(p, "remove", n.v[i].s);
			store_names_free(&n);
			return -1;
		}
	}
	store_names_free(&n);
	return 0;
}

int
publish_begin(struct publish *p, const char *out)
{
	int r;

	memset(p, 0, sizeof *p);
	p->out = out;
	p->parentfd = p->lockfd = p->tmpfd = -1;
	if ((r = split(p, out)) != 0 || (r = lock_parent(p)) != 0 ||
	    (r = check_out(p)) != 0)
		return r;
	if (clean_leftovers(p) < 0)
		return SAM_EXIT_RUNTIME;
	snprintf(p->tmp, sizeof p->tmp, ".%s.new-%ld", p->base, (long)getpid());
	if (mkdirat(p->parentfd, p->tmp, 0755) < 0) {
		say(p, "create", p->tmp);
		p->tmp[0] = '\0';	/* nothing to remove */
		return SAM_EXIT_RUNTIME;
	}
	if ((p->tmpfd = openat(p->parentfd, p->tmp, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0) {
		say(p, "open", p->tmp);
		return SAM_EXIT_RUNTIME;
	}
	return 0;
}

/* Opens the directory of PATH's last component in the new tree. */
static int
open_dirs(struct publish *p, char *path, const char **name)
{
	char *slash, *seg = path;
	int fd = dup(p->tmpfd), next;

	while (fd >= 0 && (slash = strchr(seg, '/'))) {
		*slash = '\0';
		if (mkdirat(fd, seg, 0755) < 0 && errno != EEXIST)
			next = -1;
		else
			next = openat(fd, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		*slash = '/';
		close(fd);
		fd = next;
		seg = slash + 1;
	}
	*name = seg;
	return fd;
}

int
publish_data(struct publish *p, const char *path, const void *data, size_t len)
{
	char rel[1024];
	const char *name, *at = data;
	int dirfd, fd = -1, saved;

	snprintf(rel, sizeof rel, "%s", path);
	if ((dirfd = open_dirs(p, rel, &name)) >= 0)
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
	while (fd >= 0 && len > 0) {
		ssize_t w = write(fd, at, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		at += w;
		len -= (size_t)w;
	}
	saved = errno;
	if (fd >= 0 && close(fd) < 0 && len == 0) {
		saved = errno;
		len = 1;
	}
	if (dirfd >= 0)
		close(dirfd);
	if (fd < 0 || len > 0) {
		char shown[1400];
		snprintf(shown, sizeof shown, "%s/%s", p->tmp, path);
		errno = saved;
		say(p, "write", shown);
		return -1;
	}
	return 0;
}

int
publish_file(struct publish *p, const char *path, const struct sam_buf *b)
{
	if (b->err) {
		sam_log(SAM_FATAL, NULL, 0, "out of memory");
		return -1;
	}
	return publish_data(p, path, b->p, b->len);
}

int
publish_commit(struct publish *p)
{
	static const char marker[] = "sam-serve-static " SAM_VERSION "\n";
	char prev[300];

	if (publish_data(p, SITE_MARKER, marker, sizeof marker - 1) < 0)
		return -1;
	if (syncfs(p->tmpfd) < 0) {
		say(p, "sync", p->tmp);
		return -1;
	}
	snprintf(prev, sizeof prev, ".%s.prev", p->base);
	if (!p->exists) {
		if (renameat2(p->parentfd, p->tmp, p->parentfd, p->base, RENAME_NOREPLACE) < 0 &&
		    (errno != EINVAL || renameat(p->parentfd, p->tmp, p->parentfd, p->base) < 0)) {
			say(p, "rename into place", p->tmp);
			return -1;
		}
	} else if (renameat2(p->parentfd, p->tmp, p->parentfd, p->base, RENAME_EXCHANGE) == 0) {
		if (renameat(p->parentfd, p->tmp, p->parentfd, prev) < 0)
			say(p, "keep the site before as", prev);	/* built all the same */
	} else if (errno == EINVAL || errno == ENOSYS) {	/* no exchange here */
		if (renameat(p->parentfd, p->base, p->parentfd, prev) < 0) {
			say(p, "move aside", p->base);
			return -1;
		}
		if (renameat(p->parentfd, p->tmp, p->parentfd, p->base) < 0) {
			say(p, "rename into place", p->tmp);
			renameat(p->parentfd, prev, p->parentfd, p->base);	/* the old one back */
			return -1;
		}
	} else {
		say(p, "swap in", p->tmp);
		return -1;
	}
	p->tmp[0] = '\0';
	if (fsync(p->parentfd) < 0) {
		say(p, "sync the directory of", "");
		return -1;
	}
	return 0;
}

void
publish_abort(struct publish *p)
{
	if (p->tmpfd >= 0)
		close(p->tmpfd);
	if (p->tmp[0] && p->parentfd >= 0 && rm_tree(p->parentfd, p->tmp) < 0)
		say(p, "remove", p->tmp);
	if (p->lockfd >= 0)
		close(p->lockfd);
	if (p->parentfd >= 0)
		close(p->parentfd);
	p->tmpfd = p->lockfd = p->parentfd = -1;
}
