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
#include <stddef.h>
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

/* A block of the arena: the held texts, one after another (a malloc
 * each, and its free, were a tenth of what --fdr costs). */
struct detect_block {
	struct detect_block *next;
	size_t used, size;
	max_align_t data[];
};

/* size bytes of the arena, aligned for a double; NULL when out of
 * memory. */
static void *
arena_take(struct detect_fdr *fd, size_t size)
{
	struct detect_block *b = fd->arena;
	size_t align = sizeof(max_align_t), at;

	if (!b || b->size - b->used < size) {
		size_t room = size > ((size_t)1 << 20) ? size : (size_t)1 << 20;
		if (!(b = malloc(sizeof *b + room)))
			return NULL;
		b->next = fd->arena;
		b->used = 0;
		b->size = room;
		fd->arena = b;
	}
	at = b->used;
	b->used += (size + align - 1) / align * align;
	if (b->used > b->size)
		b->used = b->size;
	return (char *)b->data + at;
}

struct detect_held *
detect_hold(struct detect_fdr *fd, struct detect_slot *slot, double p,
    const char *text, size_t len, const double *cal, size_t ncal)
{
	struct detect_held *h;
	size_t at = (len + 1 + sizeof(double) - 1) / sizeof(double) * sizeof(double);

	if (sam_grow(&fd->held, &fd->cap, fd->n + 1, sizeof *fd->held) < 0)
		return NULL;
	h = &fd->held[fd->n];
	h->text = NULL;
	h->cal = NULL;
	if (text) {	/* the text, then the doubles, aligned */
		if (!(h->text = arena_take(fd, at + ncal * sizeof *cal)))
			return NULL;
		memcpy(h->text, text, len);
		h->text[len] = '\0';
		if (ncal)
			h->cal = memcpy(h->text + at, cal, ncal * sizeof *cal);
	}
	h->len = len;
	h->slot = slot;
	h->prev = 0;
	if (slot) {	/* the slot's held bars, a chain back from its last */
		h->prev = slot->last;
		slot->last = fd->n + 1;
	}
	h->p = p;
	h->q = 1;
	h->sure = 0;
	fd->n++;
	return h;
}

/* A slot's held bar: its p, and where it is held (input order). */
struct rank {
	double p;
	size_t at;
};

static int
by_p(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* q of the i-th smallest p of m: min over j >= i of p_j m / j, for the
 * n ranks of a slot, into their held bars. */
static void
bh(struct detect_held *held, const struct rank *r, size_t n, size_t m)
{
	double run = 1;
	size_t i;

	for (i = n; i-- > 0;) {
		double q = r[i].p * (double)m / (double)(i + 1);
		if (q < run)
			run = q;
		held[r[i].at].q = run;
	}
}

/* Each slot's held bars by p (a sort of each slot's few, not of them
 * all and then back to input order). */
int
detect_fdr_finish(struct detect_fdr *fd)
{
	struct rank *r = NULL;
	size_t i, cap = 0;

	for (i = 0; i < fd->n; i++) {
		struct detect_slot *slot = fd->held[i].slot;
		size_t k = 0, j, tests;
		if (!slot || !slot->last)
			continue;	/* a market event, or a slot ranked */
		for (j = slot->last; j; j = fd->held[j - 1].prev) {
			if (sam_grow(&r, &cap, k + 1, sizeof *r) < 0) {
				free(r);
				return -1;
			}
			r[k].p = fd->held[j - 1].p;
			r[k++].at = j - 1;
		}
		slot->last = 0;
		qsort(r, k, sizeof *r, by_p);
		for (tests = 0; tests < k && r[tests].p <= 1; tests++)
			;	/* the tests: p <= 1, sorted first */
		bh(fd->held, r, tests, slot->tests);
	}
	free(r);
	return 0;
}

void
detect_fdr_free(struct detect_fdr *fd)
{
	struct detect_block *b, *next;

	for (b = fd->arena; b; b = next) {
		next = b->next;
		free(b);
	}
	free(fd->held);
	sam_map_free(&fd->slots, free);
	memset(fd, 0, sizeof *fd);
}
