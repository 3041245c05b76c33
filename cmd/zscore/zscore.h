/*
 * zscore.h - sam-zscore's options and its market series (market.c).
 */
#ifndef ZSCORE_H
#define ZSCORE_H

#include <math.h>
#include <stdint.h>

#include "sam.h"

enum zscore_metric { M_CLOSE, M_VOLUME, M_RETURN, M_LVOLUME, M_EXCESS, M_COUNT };

struct zscore_opts {
	size_t window, min_periods;
	int ddof, robust, strict;
	int metrics[M_COUNT];	/* selected metrics, in output order */
	int nmetrics;
	unsigned selected;	/* bit m: metric m is among them */
	/* output field names, per metric: center, scale, z */
	char names[M_COUNT][3][24];
};

/* The market's return at one bar time, and its z. */
struct market_point {
	double r, z;		/* z: NAN while the window is short */
	double v;		/* log relative volume (median); NAN: none */
	/* r, z and exp(v) as JSON numbers: every ticker's bar of the time
	 * writes them, so they are formatted once */
	char text[3][SAM_NUM_MAX];
	unsigned char len[3];
	int minutes;		/* its time: the interval, ts */
	int64_t secs;
	long ns;
	size_t at;		/* its place in the market's order */
};

struct market {
	char ticker[SAM_TICKER_MAX + 1];	/* --market-ticker; "" for the median */
	const char *name;	/* what bars show: the ticker, or "cross" */
	struct sam_map at;	/* (interval, ts) -> struct market_point */
	struct market_point **order;	/* the points in time order, */
	size_t n, cap;		/* each interval's after the one before */
	struct market_point *block;	/* the points of FILE's bars, one block;
					 * NULL: a series', one calloc each */
	char series[SAM_TICKER_MAX + 1];	/* FILE is a series of this market */
};

/* Reads FILE's bars, or the series market_write wrote, into mk; -1
 * after the reason was reported. */
int market_load(struct market *, const char *path, const struct zscore_opts *);
/* The market at a bar time, or NULL.  *hint: where the series' last
 * bar found it (0 at first), for the next bar of the series, which is
 * most often the next point. */
const struct market_point *market_at(const struct market *, int minutes,
    int64_t secs, long ns, size_t *hint);
/* The series on standard output, a record a time: what --market reads
 * back as FILE in place of its bars (sam-zscore --market-only). */
void market_write(const struct market *);
void market_free(struct market *);

#endif
