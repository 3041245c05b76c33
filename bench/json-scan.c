/*
 * json-scan.c - libz's record scanner alone, in nanoseconds a record:
 * sam_valid_utf8 over the line, sam_rec_parse, sam_rec_parse and the
 * sam_rec_find of sam-detect's twelve fields, and sam_rec_write with
 * sam-detect's edits of an anomaly.
 *
 * usage: json-scan [-n lines] [-r reps] records.ndjson
 *
 *   cc -O2 -Ilibz -o /tmp/json-scan bench/json-scan.c libz/libsam.a -lm
 *
 * The file is read into memory before anything is timed; each line is
 * handed over without its newline, as sam_lines does.  Each test runs
 * over every line reps times (default 5) and the best pass in CPU time
 * is reported, so that a busy machine shows what the code costs.  With
 * -n, only the first lines are read: a few thousand stay in the cache,
 * as a tool's input does (it is read in blocks and scanned at once).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sam.h"

struct line {
	const char *p;
	size_t len;
};

static struct line *lines;
static size_t nlines, nbytes;
static volatile size_t sink;	/* keeps the work from being optimised away */

/* sam-detect's judge(): every field it reads, in one call. */
static const char *const detect_keys[] = {
	"ticker", "interval", "ts", "n", "return", "market_return",
	"rvol", "z_excess", "market_z", "market", "date", "final"
};
#define NKEYS (sizeof detect_keys / sizeof detect_keys[0])

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static _Noreturn void
die(const char *what, const char *why)
{
	fprintf(stderr, "json-scan: %s: %s\n", what, why);
	exit(1);
}

static void
load(const char *path, size_t max)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long size;
	size_t cap = 0, i, start = 0;

	if (!fp || fseek(fp, 0, SEEK_END) < 0 || (size = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) < 0)
		die(path, strerror(errno));
	if (!(buf = malloc((size_t)size + 1)) ||
	    fread(buf, 1, (size_t)size, fp) != (size_t)size)
		die(path, "cannot read it");
	fclose(fp);
	for (i = 0; i < (size_t)size && nlines < max; i++) {
		if (buf[i] != '\n')
			continue;
		if (nlines == cap) {
			cap = cap ? cap * 2 : 1024;
			if (!(lines = realloc(lines, cap * sizeof *lines)))
				die(path, "out of memory");
		}
		lines[nlines].p = buf + start;
		lines[nlines++].len = i - start;
		nbytes += i - start;
		start = i + 1;
	}
}

static void
pass_utf8(struct sam_rec *r)
{
	size_t i, bad, n = 0;

	(void)r;
	for (i = 0; i < nlines; i++)
		n += (size_t)sam_valid_utf8(lines[i].p, lines[i].len, &bad);
	sink = n;
}

static void
pass_parse(struct sam_rec *r)
{
	size_t i, at, n = 0;
	const char *err;

	for (i = 0; i < nlines; i++)
		if (sam_rec_parse(r, lines[i].p, lines[i].len, &err, &at) == 0)
			n += r->n;
	sink = n;
}

static void
pass_find(struct sam_rec *r)
{
	const struct sam_field *f[NKEYS];
	size_t i, at, n = 0;
	const char *err;

	for (i = 0; i < nlines; i++) {
		if (sam_rec_parse(r, lines[i].p, lines[i].len, &err, &at) < 0)
			continue;
		n += (size_t)(sam_rec_find(r, detect_keys, NKEYS, f) + 1);
		n += f[0] != NULL;
	}
	sink = n;
}

/* sam-detect's write_bar() of an anomaly: eight edits, four appended. */
static void
pass_write(struct sam_rec *r)
{
	static struct sam_edits e;
	struct sam_buf out = { 0 };
	size_t i, at, n = 0;
	const char *err;

	sam_edits_reset(&e);
	sam_edits_raw(&e, "anomaly", "true", 4);
	sam_edits_num(&e, "score", 4.25);
	sam_edits_num(&e, "p", 1e-6);
	sam_edits_raw(&e, "severity", "\"high\"", 6);
	sam_edits_raw(&e, "metrics", "[\"excess\"]", 10);
	sam_edits_num(&e, "threshold", 4);
	sam_edits_raw(&e, "id", "\"A:1d:2013-02-08T14:30:00Z\"", 27);
	sam_edits_num(&e, "z_excess", 4.25);
	for (i = 0; i < nlines; i++) {
		if (sam_rec_parse(r, lines[i].p, lines[i].len, &err, &at) < 0)
			continue;
		out.len = 0;
		sam_rec_write(r, &e, &out);
		n += out.len;
	}
	sink = n;
	sam_buf_free(&out);
}

static void
run(const char *name, void (*pass)(struct sam_rec *), int reps)
{
	struct sam_rec r = { 0 };
	double best = 0;
	int k;

	for (k = 0; k < reps; k++) {
		double t0 = now(), t;
		pass(&r);
		t = now() - t0;
		if (k == 0 || t < best)
			best = t;
	}
	printf("%-12s %8.1f ns/record %7.3f ns/byte\n", name,
	    best * 1e9 / (double)nlines, best * 1e9 / (double)nbytes);
	sam_rec_free(&r);
}

static int
usage(void)
{
	fprintf(stderr, "usage: json-scan [-n lines] [-r reps] records.ndjson\n");
	return 2;
}

int
main(int argc, char **argv)
{
	unsigned long reps = 5, max = (unsigned long)-1;
	int c;

	while ((c = getopt(argc, argv, "n:r:")) != -1) {
		if (c == 'n' && sam_parse_ulong(optarg, 1, (unsigned long)-1, &max) == 0)
			continue;
		if (c == 'r' && sam_parse_ulong(optarg, 1, 100000, &reps) == 0)
			continue;
		return usage();
	}
	if (optind + 1 != argc)
		return usage();
	load(argv[optind], max);
	printf("%zu records, %.0f bytes each\n", nlines,
	    nlines ? (double)nbytes / (double)nlines : 0.0);
	run("utf8", pass_utf8, (int)reps);
	run("parse", pass_parse, (int)reps);
	run("parse+find", pass_find, (int)reps);
	run("parse+write", pass_write, (int)reps);
	return 0;
}
