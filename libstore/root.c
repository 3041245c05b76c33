/*
 * root.c - the store's root directory: opening it, the writers' lock,
 * directories walked without following symbolic links.
 */
#define _GNU_SOURCE		/* syncfs, flock, d_type */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

const char *const store_kind_names[STORE_KINDS] = { "raw", "anomalies", "dlq", "alerts", "runs",
	"outbox" };

int
store_kind_parse(const char *name)
{
	int k;

	for (k = 0; k < STORE_KINDS; k++)
		if (strcmp(name, store_kind_names[k]) == 0)
			return k;
	return -1;
}

const char *
store_path(const struct store *s, const char *a, const char *b, const char *c)
{
	static char slot[4][4096];
	static int next;
	const char *part[4] = { s->root, a, b, c };
	char *p = slot[next++ % 4];
	size_t at = 0, n, i;

	/* copied, not printf'd: a walk names every file it reads */
	for (i = 0; i < 4; i++) {
		if (!part[i])
			continue;
		if (i > 0 && at < sizeof slot[0] - 1)
			p[at++] = '/';
		n = strlen(part[i]);
		if (n > sizeof slot[0] - 1 - at)
			n = sizeof slot[0] - 1 - at;
		memcpy(p + at, part[i], n);
		at += n;
	}
	p[at] = '\0';
	return p;
}

/* mkdir -p, each new directory 0750 (less by the umask). */
static int
make_dirs(const char *path)
{
	char buf[4096], *p;

	if (!*path || strlen(path) >= sizeof buf) {
		errno = *path ? ENAMETOOLONG : ENOENT;
		return -1;
	}
	strcpy(buf, path);
	for (p = buf + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(buf, 0750) < 0 && errno != EEXIST)
				return -1;
			if ((*p = c) == '\0')
				break;
		}
	}
	return 0;
}

int
store_open(struct store *s, const char *root, int create)
{
	static char shown[4096];
	struct stat st;
	size_t len = strlen(root);

	/* "store/" is shown as "store", so that paths read store/raw/... */
	while (len > 1 && root[len - 1] == '/')
		len--;
	if (root != shown)
		snprintf(shown, sizeof shown, "%.*s", (int)len, root);
	s->root = shown;
	s->lockfd = s->tmpfd = -1;
	if ((s->fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 &&
	    errno == ENOENT && create) {
		if (make_dirs(root) < 0) {
			sam_fatal_errno("create the store %s", root);
			return SAM_EXIT_RUNTIME;
		}
		s->fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (s->fd < 0) {
		sam_fatal_errno("open the store %s", root);
		return SAM_EXIT_RUNTIME;
	}
	if (fstat(s->fd, &st) < 0) {
		sam_fatal_errno("stat the store %s", root);
		store_close(s);
		return SAM_EXIT_RUNTIME;
	}
	/* whoever may write here may rewrite the records and the alerts */
	if (st.st_mode & S_IWOTH) {
		sam_log(SAM_ERROR, root, 0, "anyone may write to the store "
		    "(mode %04o); refusing to use it (chmod o-w %s)",
		    (unsigned)(st.st_mode & 07777), root);
		store_close(s);
		return SAM_EXIT_USAGE;
	}
	return 0;
}

void
store_close(struct store *s)
{
	store_unlock(s);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

void
store_unlock(struct store *s)
{
	if (s->tmpfd >= 0)
		close(s->tmpfd);
	if (s->lockfd >= 0)
		close(s->lockfd);	/* releases the lock */
	s->lockfd = s->tmpfd = -1;
}

/* Empties ROOT/tmp: with the lock held, whatever is there was left by a
 * writer that died before renaming it into place. */
static int
clean_tmp(struct store *s)
{
	struct store_names n = { 0 };
	size_t i;

	if ((s->tmpfd = store_subdir(s->fd, "tmp", 1)) < 0 ||
	    store_names_list(s->tmpfd, &n) < 0) {
		sam_fatal_errno("open %s", store_path(s, "tmp", NULL, NULL));
		return -1;
	}
	for (i = 0; i < n.n; i++)
		if (n.v[i].type != STORE_ENT_DIR && unlinkat(s->tmpfd, n.v[i].s, 0) < 0) {
			sam_fatal_errno("remove %s", store_path(s, "tmp", n.v[i].s, NULL));
			store_names_free(&n);
			return -1;
		}
	store_names_free(&n);
	return 0;
}

int
store_lock(struct store *s)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	unsigned long waited_ms = 0;

	s->lockfd = openat(s->fd, ".lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (s->lockfd < 0) {
		sam_fatal_errno("open %s", store_path(s, ".lock", NULL, NULL));
		return SAM_EXIT_RUNTIME;
	}
	while (flock(s->lockfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			sam_fatal_errno("lock %s", store_path(s, ".lock", NULL, NULL));
			return SAM_EXIT_RUNTIME;
		}
		if (waited_ms >= s->lock_wait * 1000) {
			sam_log(SAM_FATAL, NULL, 0, "unable to lock %s: another "
			    "writer held it for %lu s", store_path(s, ".lock",
			    NULL, NULL), s->lock_wait);
			return SAM_EXIT_RUNTIME;
		}
		nanosleep(&pause, NULL);
		waited_ms += 10;
	}
	return clean_tmp(s) < 0 ? SAM_EXIT_RUNTIME : 0;
}

int
store_subdir(int dirfd, const char *name, int create)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(dirfd, name, 0750) < 0 && errno != EEXIST)
			return -1;
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0 && errno == ENOTDIR) {	/* O_NOFOLLOW on a link says so */
		struct stat st;
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
			errno = ELOOP;
	}
	return fd;
}

int
store_sync(struct store *s)
{
#ifdef __linux__
	return syncfs(s->fd);
#else
	(void)s;
	sync();
	return 0;
#endif
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct store_name *)a)->s, ((const struct store_name *)b)->s);
}

int
store_names_list(int dirfd, struct store_names *n)
{
	struct dirent *d;
	DIR *dir;
	int fd = dup(dirfd), saved;

	n->n = 0;
	if (fd < 0 || !(dir = fdopendir(fd))) {
		saved = errno;
		if (fd >= 0)
			close(fd);
		errno = saved;
		return -1;
	}
	rewinddir(dir);
	while (errno = 0, (d = readdir(dir))) {
		int type = d->d_type == DT_DIR ? STORE_ENT_DIR : d->d_type == DT_REG ?
		    STORE_ENT_FILE : d->d_type == DT_LNK ? STORE_ENT_LINK : STORE_ENT_OTHER;
		struct stat st;
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (d->d_type == DT_UNKNOWN) {
			if (fstatat(dirfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				break;
			type = S_ISDIR(st.st_mode) ? STORE_ENT_DIR : S_ISREG(st.st_mode) ?
			    STORE_ENT_FILE : S_ISLNK(st.st_mode) ? STORE_ENT_LINK : STORE_ENT_OTHER;
		}
		if (sam_grow(&n->v, &n->cap, n->n + 1, sizeof *n->v) < 0)
			break;
		if (!(n->v[n->n].s = strdup(d->d_name)))
			break;
		n->v[n->n++].type = type;
	}
	saved = d ? (errno ? errno : ENOMEM) : errno;
	closedir(dir);
	if (saved) {
		store_names_free(n);
		errno = saved;
		return -1;
	}
	if (n->n)	/* qsort(NULL, 0) is undefined */
		qsort(n->v, n->n, sizeof *n->v, name_cmp);
	return 0;
}

void
store_names_free(struct store_names *n)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		free(n->v[i].s);
	free(n->v);
	memset(n, 0, sizeof *n);
}

int
store_day_name(const char *name, int64_t *days)
{
	return strlen(name) == 17 && strcmp(name + 10, ".ndjson") == 0 &&
	    sam_parse_date(name, 10, days) == 0 ? 0 : -1;
}
