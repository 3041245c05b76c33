/*
 * csv.c - bars from a CSV file, parsed with libcsv.
 *
 * The header names the columns, in any order and case: a date or
 * timestamp, open, high, low, close, volume, and optionally the ticker
 * (ticker, symbol, name or stock).  Columns may carry a ticker prefix
 * ("AAPL.Close"), one group per ticker.  Other columns are ignored.
 * Cells may be quoted and use thousands separators; dates may be
 * 2018-10-15, 2018/10/15, 10/15/2018 or 20181015, with an optional
 * time (New York time unless it names a zone).  Rows may come in any
 * order: sam-fetch sorts.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "fetch.h"

enum { C_OPEN, C_HIGH, C_LOW, C_CLOSE, C_VOLUME, C_N };
static const char *const field_names[C_N] = { "open", "high", "low", "close", "volume" };

struct csv_group {
	char ticker[SAM_TICKER_MAX + 1];	/* "" for unprefixed columns */
	char label[C_N][48];			/* header names, for messages */
	int col[C_N];
};

struct csvin {
	struct fetch *f;
	struct job *job;	/* a provider's response, or NULL */
	const char *path;
	const char *label;	/* a response's name in messages */
	unsigned long line;	/* the line being parsed */
	int header_done, fatal;
	/* the row being collected */
	struct sam_buf cells;
	size_t *off, ncells, capcells;
	/* the header */
	int date_col, time_col, ticker_col;
	struct csv_group *groups;
	size_t ngroups;
	const char *fixed_ticker;	/* from the command line */
	unsigned char *seen;		/* per wanted ticker */
};

static int
row_error(struct csvin *c, const char *fmt, ...) SAM_PRINTF(2, 3);

static int
row_error(struct csvin *c, const char *fmt, ...)
{
	va_list ap;

	char msg[1024];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof msg)	/* cut: the logger would not know */
		sam_scrub(msg, sizeof msg, 1);
	if (c->label)
		sam_log(SAM_ERROR, NULL, 0, "%s: line %lu: %s", c->label, c->line, msg);
	else
		sam_log(SAM_ERROR, c->path, c->line, "%s", msg);
	c->f->rejected++;
	if (c->f->status == SAM_EXIT_OK)
		c->f->status = SAM_EXIT_REJECT;
	if (c->f->strict)
		c->fatal = 1;
	return -1;
}

static const char *
cell(const struct csvin *c, size_t i)
{
	return c->cells.p + c->off[i];
}

/* Leading and trailing blanks off, in place. */
static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* ---- the header ---- */

static int
name_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return 1;
	return 0;
}

static int
field_index(const char *name)
{
	int i;

	if (strcmp(name, "vol") == 0)
		return C_VOLUME;
	for (i = 0; i < C_N; i++)
		if (strcmp(name, field_names[i]) == 0)
			return i;
	return -1;
}

static struct csv_group *
group_for(struct csvin *c, const char *ticker)
{
	size_t i;
	struct csv_group *g;

	for (i = 0; i < c->ngroups; i++)
		if (strcmp(c->groups[i].ticker, ticker) == 0)
			return &c->groups[i];
	g = realloc(c->groups, (c->ngroups + 1) * sizeof *g);
	if (!g)
		return NULL;
	c->groups = g;
	g = &g[c->ngroups++];
	memset(g, 0, sizeof *g);
	strcpy(g->ticker, ticker);
	for (i = 0; i < C_N; i++)
		g->col[i] = -1;
	return g;
}

/* One header cell: a role, or a ticker-prefixed field, or nothing. */
static int
header_cell(struct csvin *c, int i, const char *raw)
{
	static const char *const dates[] = { "date", "timestamp", "datetime", "ts", "day", NULL };
	static const char *const tickers[] = { "ticker", "symbol", "name", "stock", NULL };
	char name[64], prefix[SAM_TICKER_MAX + 1];
	const char *dot;
	struct csv_group *g;
	size_t k;
	int fi;

	snprintf(name, sizeof name, "%s", raw);
	for (k = 0; name[k]; k++)
		name[k] = (char)tolower((unsigned char)name[k]);
	if (name_in(name, dates)) {
		if (c->date_col < 0)
			c->date_col = i;
		return 0;
	}
	if (strcmp(name, "time") == 0) {	/* beside a date, or the dates */
		if (c->time_col < 0)
			c->time_col = i;
		return 0;
	}
	if (name_in(name, tickers)) {
		c->ticker_col = i;
		return 0;
	}
	prefix[0] = '\0';
	fi = field_index(name);
	if (fi < 0 && (dot = strrchr(raw, '.')) && (size_t)(dot - raw) <= SAM_TICKER_MAX &&
	    (fi = field_index(name + (dot - raw) + 1)) >= 0) {
		if (sam_ticker_fold(raw, (size_t)(dot - raw), prefix) < 0)
			return 0;
	}
	if (fi < 0)
		return 0;
	if (!(g = group_for(c, prefix)))
		return -1;
	if (g->col[fi] >= 0)
		return row_error(c, "two %s columns", field_names[fi]);
	g->col[fi] = i;
	snprintf(g->label[fi], sizeof g->label[fi], "%s", raw);
	return 0;
}

/* Checks what the header found; errors here make the file unusable. */
static int
header_check(struct csvin *c)
{
	struct fetch *f = c->f;
	size_t i;
	int k, prefixed = c->ngroups && c->groups[0].ticker[0];

	if (c->date_col < 0) {		/* "time" alone holds dates */
		c->date_col = c->time_col;
		c->time_col = -1;
	}
	if (c->date_col < 0)
		return row_error(c, "no date or timestamp column in the header");
	if (c->ngroups == 0)
		return row_error(c, "no open, high, low, close and volume "
		    "columns in the header");
	for (i = 0; i < c->ngroups; i++) {
		if ((c->groups[i].ticker[0] != 0) != prefixed)
			return row_error(c, "columns with and without a ticker prefix");
		for (k = 0; k < C_N; k++)
			if (c->groups[i].col[k] < 0)
				return row_error(c, "no %s%s%s column in the header",
				    c->groups[i].ticker, prefixed ? "." : "",
				    field_names[k]);
	}
	if (prefixed || c->ticker_col >= 0 || c->fixed_ticker)
		return 0;
	if (f->nwant != 1) {
		sam_log(SAM_ERROR, c->path, 0, "no ticker column: name %s ticker "
		    "on the command line", f->nwant ? "only one" : "the");
		f->status = SAM_EXIT_USAGE;
		c->fatal = 1;
		return -1;
	}
	c->fixed_ticker = f->want[0];
	return 0;
}

static int
header(struct csvin *c)
{
	size_t i;
	char *s;
	int r = 0;

	c->date_col = c->time_col = c->ticker_col = -1;
	for (i = 0; i < c->ncells && r == 0; i++) {
		s = trim(c->cells.p + c->off[i]);
		r = header_cell(c, (int)i, s);
	}
	c->header_done = 1;
	if (r < 0 || header_check(c) < 0) {
		c->fatal = 1;
		if (c->f->status < SAM_EXIT_USAGE)
			c->f->status = SAM_EXIT_RUNTIME;
		return -1;
	}
	return 0;
}

/* ---- cells: cells.c reads them, messages are worded here ---- */

static int
parse_when(struct csvin *c, const char *raw, int64_t *date, int64_t *ts)
{
	char q[SAM_QUOTE_MAX];
	int r;

	if (*raw == '\0')
		return row_error(c, "empty date cell");
	if ((r = cell_when(raw, c->f->minutes, date, ts)) == CELL_BAD)
		return row_error(c, "unrecognized date %s",
		    sam_quote_scrubbed(q, sizeof q, raw, strlen(raw)));
	if (r == CELL_NO_TIME)
		return row_error(c, "date %s has no time of day (interval %s)",
		    sam_quote_scrubbed(q, sizeof q, raw, strlen(raw)), c->f->interval);
	return 0;
}

/* A number cell: blanks and thousands separators allowed. */
static int
parse_cell_number(struct csvin *c, const char *raw, const char *label,
    double *out)
{
	char q[SAM_QUOTE_MAX];
	size_t len;

	while (*raw == ' ' || *raw == '\t')
		raw++;
	len = strlen(raw);
	while (len && (raw[len - 1] == ' ' || raw[len - 1] == '\t'))
		len--;
	if (len == 0)
		return row_error(c, "empty %s cell", label);
	if (cell_number(raw, len, out) == 0)
		return 0;
	return row_error(c, "%s is not a number: %s", label,
	    sam_quote_scrubbed(q, sizeof q, raw, len));
}

/* ---- rows ---- */

/* The ticker of a row's group; NULL (after a message) when unusable. */
static const char *
row_ticker(struct csvin *c, const struct csv_group *g, char *buf)
{
	char q[SAM_QUOTE_MAX];
	const char *raw;
	size_t n;

	if (g->ticker[0])
		return g->ticker;
	if (c->fixed_ticker)
		return c->fixed_ticker;
	raw = trim(c->cells.p + c->off[c->ticker_col]);
	if ((n = strlen(raw)) == 0) {
		row_error(c, "empty ticker cell");
		return NULL;
	}
	if (sam_ticker_fold(raw, n, buf) < 0) {
		row_error(c, "invalid ticker %s", sam_quote_scrubbed(q, sizeof q, raw, n));
		return NULL;
	}
	return buf;
}

static int
group_row(struct csvin *c, const struct csv_group *g, int64_t date, int64_t ts)
{
	struct fetch *f = c->f;
	char tbuf[SAM_TICKER_MAX + 1], why_buf[128];
	const char *ticker = row_ticker(c, g, tbuf), *why;
	double v[C_N];
	struct bar *b;
	int k, w;

	if (!ticker)
		return -1;
	if (f->nwant) {		/* named tickers select */
		if ((w = fetch_want_index(f, ticker)) < 0)
			return 0;
		c->seen[w] = 1;
	}
	if (c->job) {
		struct bar when = { .ts = ts, .date = date };
		if (!source_wanted(f, &when))
			return 0;
	} else if (!fetch_in_range(f, date)) {
		return 0;
	}
	for (k = 0; k < C_N; k++)
		if (parse_cell_number(c, cell(c, (size_t)g->col[k]), g->label[k], &v[k]) < 0)
			return -1;
	if (!(b = fetch_add_bar(f)) || fetch_ticker_index(f, ticker, &b->ticker) < 0) {
		sam_log(SAM_FATAL, c->path, c->line, "out of memory");
		f->status = SAM_EXIT_RUNTIME;
		c->fatal = 1;
		return -1;
	}
	b->ts = ts;
	b->date = date;
	b->open = v[C_OPEN];
	b->high = v[C_HIGH];
	b->low = v[C_LOW];
	b->close = v[C_CLOSE];
	b->volume = v[C_VOLUME];
	b->line = c->job ? 0 : c->line;	/* a response has no file */
	if ((why = fetch_check_bar(b, why_buf, sizeof why_buf))) {
		f->nbars--;
		return row_error(c, "%s", why);
	}
	if (c->job)
		c->job->nbars++;
	return 0;
}

/* The date cell, and the time cell after it when they are separate. */
static const char *
when(struct csvin *c, char *buf, size_t size)
{
	const char *date = trim(c->cells.p + c->off[c->date_col]);

	if (c->time_col < 0 || strpbrk(date, "T :"))	/* has its time */
		return date;
	snprintf(buf, size, "%s %s", date, trim(c->cells.p + c->off[c->time_col]));
	return buf;
}

static void
row(struct csvin *c)
{
	char when_buf[128];
	size_t need = 0, i;
	int64_t date = 0, ts = 0;
	int k;

	if (c->fatal)
		return;
	if (!c->header_done) {
		header(c);
		return;
	}
	for (i = 0; i < c->ngroups; i++)
		for (k = 0; k < C_N; k++)
			if ((size_t)c->groups[i].col[k] >= need)
				need = (size_t)c->groups[i].col[k] + 1;
	if ((size_t)c->date_col >= need)
		need = (size_t)c->date_col + 1;
	if (c->ticker_col >= 0 && (size_t)c->ticker_col >= need)
		need = (size_t)c->ticker_col + 1;
	if (c->time_col >= 0 && (size_t)c->time_col >= need)
		need = (size_t)c->time_col + 1;
	if (c->ncells < need) {
		row_error(c, "%zu cells, the header needs %zu", c->ncells, need);
		return;
	}
	if (parse_when(c, when(c, when_buf, sizeof when_buf), &date, &ts) < 0)
		return;
	for (i = 0; i < c->ngroups && !c->fatal; i++)
		group_row(c, &c->groups[i], date, ts);
}

/* libcsv callbacks: a cell, and the end of a row. */
static void
on_cell(void *s, size_t len, void *data)
{
	struct csvin *c = data;

	if (c->ncells == c->capcells) {
		size_t cap = c->capcells ? c->capcells * 2 : 32;
		size_t *off = realloc(c->off, cap * sizeof *off);
		if (!off) {
			c->cells.err = 1;
			return;
		}
		c->off = off;
		c->capcells = cap;
	}
	c->off[c->ncells++] = c->cells.len;
	sam_buf_put(&c->cells, s, len);
	sam_buf_putc(&c->cells, '\0');
}

static void
on_row(int term, void *data)
{
	struct csvin *c = data;

	(void)term;
	if (c->cells.err) {
		sam_log(SAM_FATAL, c->path, c->line, "out of memory");
		c->f->status = SAM_EXIT_RUNTIME;
		c->fatal = 1;
	}
	row(c);
	c->ncells = 0;
	c->cells.len = 0;
}

/* The delimiter: a comma, unless the header has none but has ; or tab. */
static unsigned char
delimiter(const char *header)
{
	if (strchr(header, ','))
		return ',';
	if (strchr(header, ';'))
		return ';';
	return strchr(header, '\t') ? '\t' : ',';
}

/* libcsv's reasons, in words that say what to look for in the file. */
static void
malformed(struct csvin *c, struct csv_parser *p, int at_end)
{
	int e = csv_error(p);

	if (e == CSV_EPARSE && at_end)
		row_error(c, "malformed CSV: a quoted cell is not closed");
	else if (e == CSV_EPARSE)
		row_error(c, "malformed CSV: a quote inside an unquoted cell "
		    "or after a closing quote");
	else
		row_error(c, "malformed CSV: %s", csv_strerror(e));
	if (!c->header_done) {	/* without a header no row can be read */
		c->fatal = 1;
		if (c->f->status < SAM_EXIT_USAGE)
			c->f->status = SAM_EXIT_RUNTIME;
	}
}

static int
parse_lines(struct csvin *c, struct sam_lines *lines)
{
	struct csv_parser p;
	char *line;
	size_t len;
	int r, first = 1;
	unsigned char delim = ',';

	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
		return -1;
	while (!c->fatal && (r = sam_lines_next(lines, &line, &len)) != SAM_LINE_EOF) {
		c->line = lines->lineno;
		if (r == SAM_LINE_ERROR) {
			sam_fatal_errno("read %s", c->path);
			c->f->status = SAM_EXIT_RUNTIME;
			c->fatal = 1;
			break;
		}
		if (r == SAM_LINE_LONG) {
			row_error(c, "line too long (more than %zu bytes)", lines->max);
			continue;
		}
		if (first && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
			line += 3;	/* a byte-order mark */
			len -= 3;
		}
		if (first)
			csv_set_delim(&p, delim = delimiter(line));
		first = 0;
		line[len] = '\n';	/* the reader's NUL, back to a newline */
		if (csv_parse(&p, line, len + 1, on_cell, on_row, c) != len + 1) {
			malformed(c, &p, 0);
			csv_free(&p);
			c->ncells = c->cells.len = 0;
			csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
			csv_set_delim(&p, delim);
		}
	}
	if (!c->fatal && csv_fini(&p, on_cell, on_row, c) != 0)
		malformed(c, &p, 1);
	csv_free(&p);
	return 0;
}

/* The path in what follows "csv:": PATH, file:///PATH or
 * file://localhost/PATH; NULL if it names none (or another host). */
const char *
csv_path(const char *spec)
{
	if (strncmp(spec, "file://localhost/", 17) == 0)
		return spec + 16;
	if (strncmp(spec, "file://", 7) == 0)
		return spec[7] == '/' ? spec + 7 : NULL;
	return *spec ? spec : NULL;
}

/* The rows of lines; the summary of the file at the end. */
static void
csv_run(struct csvin *c, struct sam_lines *lines)
{
	struct fetch *f = c->f;
	size_t i;

	lines->keep_blank = 1;
	if (!(c->seen = calloc(f->nwant + 1, 1))) {
		sam_fatal_errno("read %s", c->path);
		f->status = SAM_EXIT_RUNTIME;
		c->fatal = 1;
		return;
	}
	parse_lines(c, lines);
	if (!c->header_done && !c->fatal) {
		if (c->job)
			net_fail(f, c->job, "empty response");
		else
			sam_log(SAM_ERROR, c->path, 0, "empty file: no header");
		f->status = SAM_EXIT_RUNTIME;
		c->fatal = 1;
	}
	for (i = 0; i < f->nwant && !c->fixed_ticker && c->header_done && !c->fatal; i++) {
		if (c->seen[i])
			continue;
		sam_log(SAM_ERROR, c->path, 0, "no rows for ticker %s", f->want[i]);
		f->status = SAM_EXIT_RUNTIME;
	}
	sam_buf_free(&c->cells);
	free(c->off);
	free(c->groups);
	free(c->seen);
}

int
csv_fetch(struct fetch *f, const char *spec)
{
	struct csvin c = { .f = f };
	struct sam_lines lines;

	if (!(c.path = csv_path(spec))) {
		sam_log(SAM_ERROR, NULL, 0, "--source: not a path: csv:%s", spec);
		return f->status = SAM_EXIT_USAGE;
	}
	f->file = c.path;
	if (sam_lines_open(&lines, c.path, sam_line_max()) < 0) {
		sam_fatal_errno("open %s", c.path);
		return f->status = SAM_EXIT_RUNTIME;
	}
	csv_run(&c, &lines);
	sam_lines_close(&lines);
	return f->status;
}

int
csv_parse_mem(struct fetch *f, struct job *j, const char *label)
{
	struct csvin c = { .f = f, .job = j };
	struct sam_lines lines;

	c.path = j->shown ? j->shown : label;
	c.label = j->ticker ? label : NULL;
	c.fixed_ticker = j->ticker;
	f->file = c.path;
	sam_lines_open_mem(&lines, c.path, j->body.p, j->body.len, sam_line_max());
	csv_run(&c, &lines);
	sam_lines_close(&lines);
	if (c.fatal && !j->failed && !f->strict)
		net_fail(f, j, "the response is not usable CSV");
	return j->failed ? PARSE_FAIL : PARSE_DONE;
}
