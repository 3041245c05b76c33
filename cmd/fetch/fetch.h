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

struct source;
struct curl_slist;
struct cJSON;

/* How sam-fetch talks to a provider (net.c). */
struct net {
	const struct source *src;
	const char *base;	/* --base-url, or the provider's */
	unsigned long jobs;	/* -j: requests in flight */
	long timeout_ms, connect_ms;
	unsigned long retries;	/* attempts after the first */
	long retry_wait_ms;	/* before the first retry; doubles */
	unsigned long rate_n;	/* at most rate_n requests ... */
	long rate_ms;		/* ... in any window this long; 0: no limit */
	int allow_http;		/* plain http to hosts not on loopback */
	long deadline_ms;	/* --deadline: every job done by then; 0: none */
	char *key;		/* the API key, or NULL: never shown */
	struct curl_slist *headers;	/* extra request headers */
};

/* One request, and its retries and next pages. */
struct job {
	char *url;		/* may hold the key: never shown */
	char *shown;		/* csv:https: the URL as messages show it */
	const char *ticker;	/* NULL for a whole file */
	unsigned attempts, pages;
	int64_t not_before;	/* monotonic ms: no attempt before */
	struct sam_buf body;
	long status;		/* HTTP status of the last attempt */
	size_t nbars;		/* bars kept, every page */
	uint64_t *seen;		/* per page: its URL's hash, its bars' hash */
	int too_big, failed, done;
	void *easy;		/* the transfer in flight */
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
	const char *source;	/* "mock", "csv", "yahoo", ... */
	int unchosen;		/* mock: no --source nor SAM_SOURCE named it */
	struct net net;
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
int fetch_in_range(const struct fetch *, int64_t date);
/* When the period of the bar that starts at ts on date ends, UTC
 * seconds; a bar is final once now has reached it, and is written
 * with "final":false until then. */
int64_t fetch_bar_end(const struct fetch *, int64_t ts, int64_t date);
int fetch_bar_final(const struct fetch *, int64_t ts, int64_t date);
int fetch_write(struct fetch *);	/* -1: no memory to sort */
void fetch_free(struct fetch *);
/* Checks a bar's numbers; on failure returns the reason (maybe in buf). */
const char *fetch_check_bar(const struct bar *, char *buf, size_t size);

void fetch_drop_ticker(struct fetch *, const char *name);

/* net.c */
enum { PARSE_DONE, PARSE_NEXT, PARSE_FAIL };
int net_run(struct fetch *, struct job *, size_t);
/* Messages about a job: "provider: TICKER: ...", the key never shown. */
void net_warn(struct fetch *, const struct job *, const char *fmt, ...) SAM_PRINTF(3, 4);
/* A bar left out: counted, exit status 1. */
void net_reject(struct fetch *, const struct job *, const char *fmt, ...) SAM_PRINTF(3, 4);
/* The job failed: none of its bars stand, exit status 3; PARSE_FAIL. */
int net_fail(struct fetch *, struct job *, const char *fmt, ...) SAM_PRINTF(3, 4);
/* Makes next, a page's next_url, the job's URL: PARSE_NEXT.  Fails the
 * job (PARSE_FAIL) if it leads to another host, back to a page already
 * fetched, or after a page with the same bars (page: a hash of them, 0
 * if none) as one before, or past the most pages there may be. */
int net_next_page(struct fetch *, struct job *, const char *next, uint64_t page);
/* Scrubs a provider's error text, which a fixed buffer may have cut. */
void net_scrub_why(char *why, size_t size);

/* source.c: the providers */
struct source {
	const char *name;
	const char *base;	/* default base URL */
	const char *base_env;	/* the variable that overrides it */
	const char *key_env;	/* the key's variable; NULL: no key */
	const char *rate;	/* default --rate: the free tier's limit */
	const char *user_agent;
	int daily_only;
	/* the URL of a ticker's request (ticker NULL: csv:https) */
	char *(*url)(const struct fetch *, const char *ticker);
	int (*parse)(struct fetch *, struct job *);	/* PARSE_* */
	/* an error answer's JSON body in words, or leaves buf empty */
	void (*why)(const struct cJSON *, char *buf, size_t size);
};
const struct source *source_find(const char *name);
extern const char source_names[];
int source_fetch(struct fetch *, const char *csv_url);
/* The provider's key from key_file or its variable; 0 or an exit status. */
int source_key(struct fetch *, const char *key_file);
void source_free(struct fetch *);
/* Keeps a wanted bar a provider sent (see source_wanted); a bad one is
 * reported and counted.  0, or -1 when the job failed (out of memory). */
int source_add(struct fetch *, struct job *, const struct bar *);
void source_put_date(struct sam_buf *, int64_t days, int dashes);
char *source_url_done(struct sam_buf *);	/* the string, or NULL */
/* A provider's instant as a bar's date and ts: a daily bar starts at
 * 09:30 New York time, whatever time the provider stamps it with. */
void source_stamp(const struct fetch *, struct bar *, int64_t instant);
/* In the range, begun, and for intraday bars in the regular session. */
int source_wanted(const struct fetch *, const struct bar *);

struct cJSON *source_get(const struct cJSON *, const char *name);

/* yahoo.c, polygon.c */
char *yahoo_url(const struct fetch *, const char *ticker);
int yahoo_parse(struct fetch *, struct job *);
void yahoo_why(const struct cJSON *, char *, size_t);
char *polygon_url(const struct fetch *, const char *ticker);
int polygon_parse(struct fetch *, struct job *);
void polygon_why(const struct cJSON *, char *, size_t);

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
/* CSV text in memory (a response); ticker names every row's ticker,
 * or NULL when the header says.  Messages name label. */
int csv_parse_mem(struct fetch *, struct job *, const char *label);
const char *csv_path(const char *spec);

#endif
