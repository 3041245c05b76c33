/*
 * fuzz-line.c - the line reader (line.c), from a file and from memory.
 *
 * The input's first byte chooses the longest line (1 to 256 bytes, or
 * the default), whether blank lines are kept, and how many times the
 * rest is repeated (up to 64, so that the file reader also meets lines
 * longer than its first 64 KiB buffer).  Property: both readers return
 * what a plain split of the bytes says - each line, LF or CR LF
 * stripped, numbered from 1, blank ones skipped unless kept, one
 * longer than the limit reported as long and skipped.
 */
#define _GNU_SOURCE		/* memfd_create */
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

struct want {
	const char *s;
	size_t len;
	unsigned long lineno;
	int status;
};

/* The model: the lines of buf as the readers must return them. */
static size_t
model(const char *buf, size_t len, size_t max, int keep_blank, struct want *w)
{
	size_t n = 0, start = 0;
	unsigned long lineno = 0;

	while (start < len) {
		const char *nl = memchr(buf + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - buf) : len, l = end - start, i;
		int blank = 1;
		lineno++;
		if (l && buf[start + l - 1] == '\r')
			l--;
		for (i = 0; i < l; i++)
			if (buf[start + i] != ' ' && buf[start + i] != '\t')
				blank = 0;
		if (l > max) {
			w[n++] = (struct want){ NULL, 0, lineno, SAM_LINE_LONG };
		} else if (!blank || keep_blank) {
			w[n++] = (struct want){ buf + start, l, lineno, SAM_LINE_OK };
		}
		start = end + 1;
	}
	return n;
}

static void
compare(struct sam_lines *l, const struct want *w, size_t n, const char *what)
{
	size_t i;
	char *line;
	size_t len;
	int r;

	for (i = 0; (r = sam_lines_next(l, &line, &len)) != SAM_LINE_EOF; i++) {
		if (r == SAM_LINE_ERROR)
			fuzz_fail("%s: read error", what);
		if (i >= n)
			fuzz_fail("%s: line %lu more than the %zu expected", what,
			    l->lineno, n);
		if (r != w[i].status || l->lineno != w[i].lineno)
			fuzz_fail("%s: result %zu: status %d line %lu, expected %d line %lu",
			    what, i, r, l->lineno, w[i].status, w[i].lineno);
		if (r == SAM_LINE_OK && (len != w[i].len || line[len] != '\0' ||
		    memcmp(line, w[i].s, len) != 0))
			fuzz_fail("%s: line %lu: other bytes", what, l->lineno);
	}
	if (i != n)
		fuzz_fail("%s: %zu results, expected %zu", what, i, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	size_t max, reps, len, i, nw;
	int keep_blank;
	char *buf, *copy, path[64];
	struct want *w;
	struct sam_lines l;

	if (size < 1)
		return 0;
	max = data[0] & 0x80 ? SAM_LINE_MAX_DEFAULT : (size_t)(data[0] & 0x3f) * 4 + 1;
	keep_blank = (data[0] >> 6) & 1;
	data++, size--;
	reps = size ? (size_t)data[0] % 64 + 1 : 1;
	if (size * reps > (size_t)1 << 20)
		reps = 1;
	len = size * reps;
	if (!(buf = malloc(len + 1)) || !(copy = malloc(len + 1)) ||
	    !(w = calloc(len + 1, sizeof *w)))
		abort();
	for (i = 0; i < reps; i++)
		memcpy(buf + i * size, data, size);
	buf[len] = '\0';
	nw = model(buf, len, max, keep_blank, w);

	/* from memory: the buffer is the caller's */
	memcpy(copy, buf, len + 1);
	sam_lines_open_mem(&l, "mem", copy, len, max);
	l.keep_blank = keep_blank;
	compare(&l, w, nw, "memory");
	sam_lines_close(&l);

	/* from a file, read in blocks */
	if (fd < 0 && (fd = memfd_create("fuzz-line", 0)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, len, 0) != (ssize_t)len)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (sam_lines_open(&l, path, max) < 0)
		abort();
	l.keep_blank = keep_blank;
	compare(&l, w, nw, "file");
	sam_lines_close(&l);

	free(w);
	free(copy);
	free(buf);
	return 0;
}
