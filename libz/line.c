/*
 * line.c - reading NDJSON a line at a time.
 *
 * Lines may be of any length up to a limit (SAM_MAX_LINE, 1 MiB by
 * default); a longer one is reported and skipped without being held in
 * memory, so a stream without newlines cannot exhaust it.  LF and CR LF
 * both end a line; a last line without one is still a line; blank lines
 * are skipped but counted, so line numbers match the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sam.h"

#define CHUNK (256 * 1024)	/* a read: four pipefuls of Linux's default */

size_t
sam_line_max(void)
{
	const char *env = getenv("SAM_MAX_LINE");
	unsigned long v;

	if (env && sam_parse_ulong(env, 1, SAM_LINE_MAX_LIMIT, &v) == 0)
		return v;
	return SAM_LINE_MAX_DEFAULT;
}

int
sam_lines_open(struct sam_lines *l, const char *path, size_t max)
{
	memset(l, 0, sizeof *l);
	l->name = path;
	l->max = max;
	if (strcmp(path, "-") == 0) {
		l->fd = STDIN_FILENO;
	} else if ((l->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		return -1;
	}
	l->cap = CHUNK;
	if (!(l->buf = malloc(l->cap))) {
		if (l->fd != STDIN_FILENO)
			close(l->fd);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
sam_lines_open_mem(struct sam_lines *l, const char *name, char *buf,
    size_t len, size_t max)
{
	memset(l, 0, sizeof *l);
	l->fd = -1;
	l->name = name;
	l->max = max;
	l->buf = buf;
	l->cap = len + 1;
	l->end = len;
	l->eof = 1;		/* all of it is here: fill() is never called */
	l->borrowed = 1;
}

void
sam_lines_close(struct sam_lines *l)
{
	if (l->fd > STDIN_FILENO)
		close(l->fd);
	if (!l->borrowed)
		free(l->buf);
	l->buf = NULL;
}

static int
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/* Makes room after end: moves the pending bytes down, or grows. */
static int
make_room(struct sam_lines *l)
{
	if (l->start > 0) {
		memmove(l->buf, l->buf + l->start, l->end - l->start);
		l->end -= l->start;
		l->start = 0;
	}
	if (l->end + 1 < l->cap)
		return 0;
	if (l->discarding || l->cap > l->max + 2) {	/* too long already */
		int started = !l->discarding;
		l->discarding = 1;
		l->start = l->end = 0;
		return started;
	}
	{
		size_t cap = l->cap * 2;
		char *p;
		if (cap > l->max + 3)	/* the line, CR, LF and a NUL */
			cap = l->max + 3;
		if (!(p = realloc(l->buf, cap))) {
			errno = ENOMEM;
			return -1;
		}
		l->buf = p;
		l->cap = cap;
	}
	return 0;
}

static int
fill(struct sam_lines *l)
{
	ssize_t n;

	do
		n = read(l->fd, l->buf + l->end, l->cap - 1 - l->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0)
		l->eof = 1;
	l->end += (size_t)n;
	return 0;
}

int
sam_lines_next(struct sam_lines *l, char **line, size_t *len)
{
	for (;;) {
		char *s = l->buf + l->start, *nl;
		size_t n, avail = l->end - l->start;
		int r;

		nl = memchr(s, '\n', avail);
		if (!nl && !(l->eof && avail)) {
			if (l->eof)
				return SAM_LINE_EOF;
			if ((r = make_room(l)) < 0)
				return SAM_LINE_ERROR;
			if (r == 1) {	/* discard the rest of a long line */
				l->lineno++;
				return SAM_LINE_LONG;
			}
			if (fill(l) < 0)
				return SAM_LINE_ERROR;
			continue;
		}
		n = nl ? (size_t)(nl - s) : avail;
		l->start += n + (nl != NULL);
		if (l->discarding) {
			l->discarding = 0;
			continue;
		}
		l->lineno++;
		if (n && s[n - 1] == '\r')
			n--;
		if (n > l->max)
			return SAM_LINE_LONG;
		if (!l->keep_blank && blank(s, n))
			continue;
		s[n] = '\0';
		*line = s;
		*len = n;
		return SAM_LINE_OK;
	}
}
