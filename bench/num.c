/*
 * num.c - ns per number of libz's sam_parse_number and sam_format_double.
 *
 * usage: num [-r reps] [file]
 *
 * Reads numbers, one a line (stdin without a file), into memory, then
 * times passes over all of them: sam_parse_number of each line's text,
 * and sam_format_double of each double read.  Prints the best pass of
 * each (ns a number), and the bytes written (with each text's first
 * byte), a checksum that the compiler cannot skip and that two builds
 * must agree on.
 *
 * Build against a libsam.a (see bench/README.md):
 *   cc -O2 -Ilibz -o num bench/num.c build/libz/libsam.a -lm
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sam.h"

struct nums {
	char *text;		/* the lines, each NUL-terminated */
	size_t *off, *len;
	double *val;
	size_t n, cap;
};

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int
nums_add(struct nums *s, size_t off, size_t len)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 4096;
		size_t *o = realloc(s->off, cap * sizeof *o);
		size_t *l = o ? realloc(s->len, cap * sizeof *l) : NULL;
		if (o)
			s->off = o;
		if (!l)
			return -1;
		s->len = l;
		s->cap = cap;
	}
	s->off[s->n] = off;
	s->len[s->n++] = len;
	return 0;
}

/* Slurps the file and splits it at newlines in place. */
static int
nums_read(struct nums *s, FILE *f)
{
	size_t size = 0, cap = 1 << 20, got, i, start = 0;

	if (!(s->text = malloc(cap)))
		return -1;
	while ((got = fread(s->text + size, 1, cap - size, f)) > 0) {
		size += got;
		if (size == cap) {
			char *p = realloc(s->text, cap *= 2);
			if (!p)
				return -1;
			s->text = p;
		}
	}
	if (ferror(f))
		return -1;
	for (i = 0; i < size; i++) {
		if (s->text[i] != '\n')
			continue;
		s->text[i] = '\0';
		if (i > start && nums_add(s, start, i - start) < 0)
			return -1;
		start = i + 1;
	}
	if (size > start) {	/* a last line without its newline */
		s->text[size] = '\0';	/* size < cap: fits */
		if (nums_add(s, start, size - start) < 0)
			return -1;
	}
	return (s->val = malloc((s->n ? s->n : 1) * sizeof *s->val)) ? 0 : -1;
}

static void
nums_free(struct nums *s)
{
	free(s->text);
	free(s->off);
	free(s->len);
	free(s->val);
}

/* One pass of reading: ns for all; *bad counts what is not a number. */
static double
pass_parse(struct nums *s, size_t *bad)
{
	double t = now();
	size_t i;

	*bad = 0;
	for (i = 0; i < s->n; i++)
		if (sam_parse_number(s->text + s->off[i], s->len[i], 0, &s->val[i]) != 0) {
			s->val[i] = 0;
			++*bad;
		}
	return now() - t;
}

/* One pass of writing: ns for all; *bytes is what was written. */
static double
pass_format(const struct nums *s, uint64_t *bytes)
{
	char buf[SAM_NUM_MAX];
	double t = now();
	size_t i;

	*bytes = 0;
	for (i = 0; i < s->n; i++)
		*bytes += sam_format_double(buf, s->val[i]) + (unsigned char)buf[0];
	return now() - t;
}

int
main(int argc, char **argv)
{
	struct nums s = { 0 };
	FILE *f = stdin;
	long reps = 5, r;
	double best_parse = 0, best_format = 0;
	uint64_t sum = 0;
	size_t bad = 0;
	int c;

	while ((c = getopt(argc, argv, "r:")) != -1) {
		if (c != 'r' || (reps = atol(optarg)) < 1) {
			fprintf(stderr, "usage: num [-r reps] [file]\n");
			return 2;
		}
	}
	if (optind < argc && !(f = fopen(argv[optind], "r"))) {
		perror(argv[optind]);
		return 1;
	}
	if (nums_read(&s, f) < 0 || s.n == 0) {
		fprintf(stderr, "num: no numbers read\n");
		nums_free(&s);
		return 1;
	}
	if (f != stdin)
		fclose(f);
	for (r = 0; r < reps; r++) {
		double tp = pass_parse(&s, &bad), tf = pass_format(&s, &sum);
		if (r == 0 || tp < best_parse)
			best_parse = tp;
		if (r == 0 || tf < best_format)
			best_format = tf;
	}
	printf("%zu numbers (%zu not read), best of %ld passes\n", s.n, bad, reps);
	printf("parse  %6.1f ns/number\n", best_parse / (double)s.n);
	printf("format %6.1f ns/number (checksum %llu)\n", best_format / (double)s.n,
	    (unsigned long long)sum);
	nums_free(&s);
	return 0;
}
