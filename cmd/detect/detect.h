/*
 * detect.h - sam-detect's scan slots and the false discovery rate
 * (fdr.c).
 */
#ifndef DETECT_H
#define DETECT_H

#include "sam.h"

/* One scan slot: the bars of every ticker at one (interval, ts). */
struct detect_slot {
	struct sam_when when;	/* its bar time: first, for sam_when_find */
	size_t tests;		/* bars with a score: Benjamini-Hochberg's m */
	size_t last;		/* its last held bar's index + 1; 0: none
				 * (or detect_fdr_finish has ranked them) */
	int market_done;	/* its market event was judged */
};

/* Records held until the end of the input, when --fdr is given. */
struct detect_held {
	struct detect_slot *slot;	/* NULL: a market event, written as held */
	size_t prev;		/* the slot's held bar before, index + 1; 0: none */
	double p, q;
	int sure;		/* written whatever its q (a floor; --all) */
	char *text;		/* the record as read (or the event as written),
				 * in the arena; NULL: a rank only, never written */
	double *cal;		/* what the bar's scores were calibrated to, or NULL */
	size_t len;
};

struct detect_fdr {
	struct sam_map slots;	/* key -> struct detect_slot */
	struct sam_when *last;	/* the last bar's slot */
	struct detect_held *held;	/* in input order */
	size_t n, cap;
	struct detect_block *arena;	/* the held texts, block after block */
};

/* The slot of a bar; NULL when out of memory. */
struct detect_slot *detect_slot(struct detect_fdr *, const struct sam_key *);
/* Holds a copy of text (NULL: p alone) and of ncal doubles of cal;
 * NULL when out of memory. */
struct detect_held *detect_hold(struct detect_fdr *, struct detect_slot *, double p,
    const char *text, size_t len, const double *cal, size_t ncal);
/* Benjamini-Hochberg q-values of the held bars, slot by slot (exact for
 * every bar with q <= the rate, when every bar with p <= the rate is
 * held); they stay in input order.  -1 when out of memory. */
int detect_fdr_finish(struct detect_fdr *);
void detect_fdr_free(struct detect_fdr *);

#endif
