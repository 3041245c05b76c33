/*
 * fuzzfetch.c - what the harnesses of sam-fetch's sources share: an
 * answer, as net.c hands it to a parser (the body with a NUL after it,
 * HTTP 200), parsed in each mode the source has, then written out as
 * sam-fetch writes bars.
 *
 * Property: every bar written is a valid record - it parses, its key is
 * valid, its date is the New York date of its ts and in the range asked
 * for, its prices and volume are finite numbers with volume >= 0 and
 * low <= open, close <= high - and nothing leaks.
 */
#define _GNU_SOURCE		/* memfd_create */
#include <fcntl.h>
#include <math.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "../cmd/fetch/fetch.h"

/* Never in a message: net.c scrubs it (tried on every message). */
static char key[] = "FUZZ-KEY-0123456789abcdef";

struct mode {
	const char *interval;
	const char *ticker;	/* the job's ticker; NULL: a whole file */
	const char *want[3];	/* tickers asked for, sorted */
	int file;		/* csv: a local file, read by csv_fetch */
};

void
fuzz_fetch_init(const char *prog)
{
	int fd = open("/dev/null", O_WRONLY);

	sam_log_init(prog);
	/* the bars go to stdout when the buffer fills */
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
		abort();
	close(fd);
}

/* The bars in sam_out(), written by fetch_write. */
static void
check_output(const struct fetch *f)
{
	static const char *const keys[] = { "ticker", "interval", "ts", "date",
	    "open", "high", "low", "close", "volume", "source" };
	static struct sam_rec rec;
	struct sam_buf *o = sam_out();
	struct sam_input in = { .file = "output" };
	struct sam_lines l;
	char *line, date[11];
	size_t len, at;
	const char *why;
	int r;

	sam_buf_putc(o, '\0');
	fuzz_assert(!o->err);
	o->len--;
	sam_lines_open_mem(&l, "output", o->p, o->len, SAM_LINE_MAX_DEFAULT);
	while ((r = sam_lines_next(&l, &line, &len)) != SAM_LINE_EOF) {
		const struct sam_field *v[10];
		struct sam_key k;
		double x[5];
		int i;
		fuzz_assert(r == SAM_LINE_OK);
		in.line = l.lineno;
		if (sam_rec_parse(&rec, line, len, &why, &at) < 0)
			fuzz_fail("bar does not parse (%s at %zu): %s", why, at, line);
		fuzz_assert(rec.n == 10 && sam_rec_find(&rec, keys, 10, v) < 0);
		if (sam_get_key(&in, v, &k) < 0)
			fuzz_fail("bar with a bad key: %s", line);
		for (i = 0; i < 5; i++)
			if (sam_get_number(&in, v[4 + i], keys[4 + i], &x[i]) < 0 || !isfinite(x[i]))
				fuzz_fail("bar with a bad %s: %s", keys[4 + i], line);
		fuzz_assert(strcmp(k.interval, f->interval) == 0);
		sam_format_date(date, sam_ny_date(k.secs));
		fuzz_assert(v[3]->vlen == 12 && memcmp(v[3]->val + 1, date, 10) == 0);
		fuzz_assert(fetch_in_range(f, sam_ny_date(k.secs)));
		/* a provider's bar has begun; a file's rows are taken as they are */
		fuzz_assert(k.secs <= f->now || strcmp(f->source, "csv") == 0);
		if (!(x[2] <= x[0] && x[2] <= x[3] && x[1] >= x[0] && x[1] >= x[3] && x[4] >= 0))
			fuzz_fail("bar out of order: %s", line);
	}
	sam_lines_close(&l);
	o->len = 0;
}

static void
run(const struct source *src, const struct mode *m, const uint8_t *data, size_t size)
{
	struct fetch f = { 0 };
	struct job j = { 0 };
	int i, r;

	f.interval = m->interval;
	f.minutes = sam_interval_minutes(m->interval, strlen(m->interval));
	f.ranged = 1;
	f.from = sam_days_from_civil(1900, 1, 1);
	f.to = sam_days_from_civil(2026, 11, 24);
	f.now = sam_ny_to_utc(f.to + 1, 0);
	f.source = src->name;
	f.net.src = src;
	f.net.base = "https://fuzz.example";
	f.net.key = key;
	for (i = 0; m->want[i]; i++)
		;
	if (i && !(f.want = calloc((size_t)i, sizeof *f.want)))
		abort();
	for (f.nwant = 0; m->want[f.nwant]; f.nwant++)
		if (!(f.want[f.nwant] = strdup(m->want[f.nwant])))
			abort();

	if (m->file) {	/* csv:PATH */
		static int fd = -1;
		static char path[64];	/* f.file points here until the end */
		if (fd < 0 && (fd = memfd_create("fuzz-csv", 0)) < 0)
			abort();
		if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
			abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		f.source = "csv";
		csv_fetch(&f, path);
	} else {
		j.ticker = m->ticker;
		j.status = 200;
		if (!(j.url = strdup("https://fuzz.example/v2/aggs/ticker/X/range/1/day/a/b")) ||
		    (!m->ticker && !(j.shown = strdup("https://fuzz.example/prices.csv"))))
			abort();
		j.body.p = fuzz_string(data, size);
		j.body.len = size;
		j.body.cap = size + 1;
		r = src->parse(&f, &j);
		fuzz_assert(r == PARSE_DONE || r == PARSE_NEXT || r == PARSE_FAIL);
		fuzz_assert((r == PARSE_FAIL) == (j.failed != 0));
		if (j.failed)
			fuzz_assert(j.nbars == 0);
		if (src->why) {		/* an error answer in words, as net.c says it */
			char why[256];
			cJSON *root = cJSON_ParseWithLength(j.body.p, j.body.len);
			if (root)
				src->why(root, why, sizeof why);
			cJSON_Delete(root);
		}
	}
	fuzz_assert(fetch_write(&f) == 0);
	check_output(&f);
	fetch_free(&f);
	free(j.url);
	free(j.shown);
	sam_buf_free(&j.body);
}

void
fuzz_fetch(const char *source, const uint8_t *data, size_t size)
{
	static const struct mode daily = { "1d", "AAPL", { "AAPL", NULL }, 0 };
	static const struct mode hourly = { "1h", "AAPL", { "AAPL", NULL }, 0 };
	static const struct mode fivemin = { "5m", "IBM", { "IBM", NULL }, 0 };
	static const struct mode csv_url = { "1d", NULL, { NULL }, 0 };
	static const struct mode csv_two = { "1d", NULL, { "AAPL", "MSFT", NULL }, 1 };
	static const struct mode csv_one = { "1d", NULL, { "TSLA", NULL }, 1 };
	const struct source *src = source_find(source);

	fuzz_assert(src);
	if (strcmp(source, "csv") == 0) {
		run(src, &csv_url, data, size);
		run(src, &csv_two, data, size);
		run(src, &csv_one, data, size);
	} else if (strcmp(source, "stooq") == 0) {	/* daily only */
		run(src, &daily, data, size);
	} else {
		run(src, &daily, data, size);
		run(src, strcmp(source, "alphavantage") == 0 ? &fivemin : &hourly, data, size);
	}
}
