/*
 * fdr.c - the false discovery rate across a scan (sam-detect --fdr).
 *
 * A watch list of 500 tickers scanned at one bar time makes 500 tests;
 * at a fixed threshold it raises 20 times the false alarms of a list of
 * 25.  Benjamini-Hochberg at rate Q keeps the expected share of false
 * alarms among the alarms of a slot at Q whatever the list's length.
 * Its verdict on a bar needs the whole slot, so the bars that may pass
 * (p <= Q) are held to the end of the input; a bar with p > Q has
 * q > Q whatever the rest, and only its count is kept.  A held bar that
 * cannot be written (no score past its threshold, no floor) is held for
 * its p alone: it is a rank in the slot, not a line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"

struct detect_slot *
detect_slot(struct detect_fdr *fd, const struct sam_key *k)
{
	int isnew;

	return sam_when_find(&fd->slots, k->minutes, k->secs, k->ns, &fd->last,
	    sizeof(struct detect_slot), &isnew);
}

int
detect_hold(struct detect_fdr *fd, struct detect_slot *slot, double p,
    const char *text, size_t len, const double *cal, size_t ncal)
{
	struct detect_held *h;
	size_t at = (len + 1 + sizeof(double) - 1) / sizeof(double) * sizeof(double);

	if (fd->n == fd->cap) {
		size_t cap = fd->cap ? 2 * fd->cap : 256;
		if (!(h = realloc(fd->held, cap * sizeof *h)))
			return -1;
		fd->held = h;
		fd->cap = cap;
	}
	h = &fd->held[fd->n];
	h->text = NULL;
	h->cal = NULL;
	if (text) {	/* the text, then the doubles, aligned */
		if (!(h->text = malloc(at + ncal * sizeof *cal)))
			return -1;
		memcpy(h->text, text, len);
		h->text[len] = '\0';
		if (ncal)
			h->cal = memcpy(h->text + at, cal, ncal * sizeof *cal);
	}
	h->len = len;
	h->seq = fd->seq++;
	h->slot = slot;
	h->p = p;
	h->q = 1;
	fd->n++;
	return 0;
}

static int
by_slot_p(const void *a, const void *b)
{
	const struct detect_held *x = a, *y = b;

	uintptr_t a_slot = (uintptr_t)x->slot, b_slot = (uintptr_t)y->slot;

	if (a_slot != b_slot)
		return a_slot < b_slot ? -1 : 1;
	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
by_seq(const void *a, const void *b)
{
	const struct detect_held *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* q of the i-th smallest p of m: min over j >= i of p_j m / j. */
static void
bh(struct detect_held *h, size_t n, size_t m)
{
	double run = 1;
	size_t i;

	for (i = n; i-- > 0;) {
		double q = h[i].p * (double)m / (double)(i + 1);
		if (q < run)
			run = q;
		h[i].q = run;
	}
}

void
detect_fdr_finish(struct detect_fdr *fd)
{
	size_t i, j;

	qsort(fd->held, fd->n, sizeof *fd->held, by_slot_p);
	for (i = 0; i < fd->n; i = j) {
		for (j = i + 1; j < fd->n && fd->held[j].slot == fd->held[i].slot; j++)
			;
		if (fd->held[i].slot) {
			size_t k = i;	/* the tests: p <= 1, sorted first */
			while (k < j && fd->held[k].p <= 1)
				k++;
			bh(&fd->held[i], k - i, fd->held[i].slot->tests);
		}
	}
	qsort(fd->held, fd->n, sizeof *fd->held, by_seq);
}

void
detect_fdr_free(struct detect_fdr *fd)
{
	size_t i;

	for (i = 0; i < fd->n; i++)
		free(fd->held[i].text);
	free(fd->held);
	sam_map_free(&fd->slots, free);
	memset(fd, 0, sizeof *fd);
}
