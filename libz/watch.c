/*
 * watch.c - a watch list file, and the one reader of it.
 *
 * A ticker a line, in any case (it is upper-cased), and after it, if
 * wanted, the ticker's own threshold; '#' starts a comment, blank lines
 * are skipped.  sam-fetch -f takes its tickers, sam-detect -T its
 * thresholds, and sam-hourly checks its SAM_TICKERS_FILE through
 * sam-detect: one file serves all three, read one way.
 */
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "sam.h"

int
sam_ticker_fold(const char *s, size_t len, char out[SAM_TICKER_MAX + 1])
{
	size_t i;

	if (len == 0 || len > SAM_TICKER_MAX)
		return -1;
	for (i = 0; i < len; i++)
		out[i] = (char)toupper((unsigned char)s[i]);
	out[len] = '\0';
	return sam_valid_ticker(out, len) ? 0 : -1;
}

/* The next blank-separated word of *p, its length in *len; NULL at the end. */
static char *
word(char **p, size_t *len)
{
	char *w = *p + strspn(*p, " \t");

	if (!*w)
		return NULL;
	*len = strcspn(w, " \t");
	*p = w + *len;
	return w;
}

/* One line: 0, or the exit status after reporting it. */
static int
watch_line(const char *path, unsigned long lineno, char *line,
    sam_watch_fn *fn, void *ctx)
{
	char t[SAM_TICKER_MAX + 1], q[SAM_QUOTE_MAX], *p = line, *w;
	double threshold = NAN;
	size_t len;

	line[strcspn(line, "#")] = '\0';
	if (!(w = word(&p, &len)))
		return 0;
	if (sam_ticker_fold(w, len, t) < 0) {
		sam_log(SAM_ERROR, path, lineno, "invalid ticker %s",
		    sam_quote(q, sizeof q, w, len));
		return SAM_EXIT_USAGE;
	}
	if ((w = word(&p, &len))) {
		char num[64];
		if (len >= sizeof num || (memcpy(num, w, len), num[len] = '\0',
		    sam_parse_threshold(num, &threshold) < 0) || word(&p, &len)) {
			sam_log(SAM_ERROR, path, lineno, "expected TICKER or TICKER "
			    "THRESHOLD (a positive number)");
			return SAM_EXIT_USAGE;
		}
	}
	if (fn(ctx, t, threshold) < 0) {
		sam_log(SAM_FATAL, NULL, 0, "out of memory");
		return SAM_EXIT_RUNTIME;
	}
	return 0;
}

int
sam_watch_read(const char *path, sam_watch_fn *fn, void *ctx)
{
	struct sam_lines lines;
	char *line;
	size_t len;
	int r, status = 0;

	if (sam_lines_open(&lines, path, 4096) < 0) {
		sam_fatal_errno("open %s", path);
		return SAM_EXIT_USAGE;
	}
	while (status == 0 && (r = sam_lines_next(&lines, &line, &len)) != SAM_LINE_EOF) {
		if (r != SAM_LINE_OK) {
			if (r == SAM_LINE_ERROR)
				sam_fatal_errno("read %s", path);
			else
				sam_log(SAM_ERROR, path, lines.lineno, "line too long");
			status = r == SAM_LINE_ERROR ? SAM_EXIT_RUNTIME : SAM_EXIT_USAGE;
			break;
		}
		status = watch_line(path, lines.lineno, line, fn, ctx);
	}
	sam_lines_close(&lines);
	return status;
}
