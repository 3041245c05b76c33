/*
 * fetch.h - sam-fetch's sources and the bars they produce.
 *
 * A source appends bars to the request's list; sam-fetch sorts them by
 * ticker and time and writes them as NDJSON.  Sources report bad rows
 * themselves (FILE:LINE) and raise the exit status.
 */
#ifndef FETCH_H
#define FETCH_H

#include <stdint.h>

#include "sam.h"

enum { INJECT_PRICE = 1, INJECT_VOLUME = 2 };

struct bar {
	int64_t ts;		/* start of the bar, UTC seconds */
	int64_t date;		/* trading date in New York, days */
	double open, high, low, close, volume;
	uint32_t ticker;	/* index into the ticker names */
	uint8_t injected;	/* mock: INJECT_* */
	unsigned long line;	/* csv: the row's line, for messages */
};

struct fetch {
	/* the request */
	char **want;		/* tickers asked for, sorted, unique */
	size_t nwant;
	const char *interval;	/* "1d", "1h", ... */
	int minutes;		/* bar length; 0 for 1d */
	int ranged;		/* from/to given or derived */
	int64_t from, to;	/* dates, inclusive */
	int64_t now;		/* no bar starts after this instant */
	unsigned long seed;
	int mark_injected;
	int strict;
	const char *source;	/* "mock", "csv" */
	const char *file;	/* csv: the path, for messages */
	/* the result */
	struct bar *bars;
	size_t nbars, capbars;
	char **names;		/* ticker index -> name */
	size_t nnames, capnames;
	struct sam_map name_index;
	int status;		/* exit status so far */
	unsigned long rejected;	/* rows reported and skipped */
};

/* bars.c */
struct bar *fetch_add_bar(struct fetch *);
int fetch_ticker_index(struct fetch *, const char *name, uint32_t *idx);
/* The index of a ticker in the sorted request, -1 if not named. */
int fetch_want_index(const struct fetch *, const char *name);
/* Upper-cases and validates a ticker; 0, or -1 if it is not one. */
int fetch_ticker_name(const char *s, size_t len, char out[SAM_TICKER_MAX + 1]);
int fetch_in_range(const struct fetch *, int64_t date);
int fetch_write(struct fetch *);	/* -1: no memory to sort */
void fetch_free(struct fetch *);
/* Checks a bar's numbers; on failure returns the reason (maybe in buf). */
const char *fetch_check_bar(const struct bar *, char *buf, size_t size);

/* mock.c */
int mock_fetch(struct fetch *);
#define MOCK_ORIGIN_Y 2000	/* the mock market opens on 2000-01-03 */

/* cells.c: 0, or why the cell cannot be used */
enum { CELL_BAD = 1, CELL_NO_TIME = 2 };
int cell_day(const char *s, int64_t *days);	/* length, 0 if none */
int cell_time(const char *s, int *secs, long *zone, int *has_zone);
int cell_when(const char *raw, int minutes, int64_t *date, int64_t *ts);
int cell_number(const char *s, size_t len, double *out);

/* csv.c */
int csv_fetch(struct fetch *, const char *spec);
const char *csv_path(const char *spec);

#endif
