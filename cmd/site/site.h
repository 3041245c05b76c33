/*
 * site.h - sam-serve-static's parts: the store read into what the site
 * shows, the JSON API files, the HTML pages and their SVG chart, the
 * atomic publish of the built tree, and the preview server.
 */
#ifndef SITE_H
#define SITE_H

#include <stdint.h>

#include "sam.h"
#include "store.h"

/* An anomaly as the site shows it; line is the record as stored. */
struct anomaly {
	const char *line;	/* in one of the files read; no newline */
	uint32_t len;
	const char *ticker;	/* the ticker's name (struct ticker) */
	int64_t secs;
	int32_t ns;
	int16_t imin;		/* interval in minutes, 1d as 1440 */
	int8_t sev;		/* 0 low .. 3 critical */
	int8_t mock;		/* "source":"mock": invented */
	struct sam_anomaly an;	/* its fields, the signal's too */
};

struct ticker {
	char name[SAM_TICKER_MAX + 1];
	size_t first, n;	/* its anomalies: site.a[first .. first + n) */
	unsigned by_sev[SAM_SEVERITIES];
};

/* Where a bar's band comes from: the statistics sam-zscore stored with
 * it (of the close level, the return, or the return net of the market),
 * recomputed from the closes before it (a bar stored unscored), or
 * nowhere: a scored bar without statistics of its price (NONE), or one
 * whose band the --move floor leaves no close in (FLOORED: an anomaly
 * whatever the close).  On the chart a bar of CLOSE, RETURN or EXCESS
 * has its band. */
enum band_source { BAND_NONE, BAND_FLOORED, BAND_RECOMPUTED, BAND_CLOSE,
	BAND_RETURN, BAND_EXCESS, BAND_SOURCES };

/* A bar of the chart. */
struct site_bar {
	int64_t secs;
	int32_t ns;
	double close, volume;
	double lo, hi;		/* the band: close values with |z| <= t */
	int band;		/* lo and hi are set */
	int8_t source;		/* enum band_source */
	int8_t partial;		/* "final":false: in progress */
	const struct anomaly *mark;	/* the anomaly on this bar, if any */
};

/* A ticker's chart. */
struct chart {
	struct site_bar *bar;
	long n;
	char interval[8];	/* of the bars */
	double threshold;	/* of the band: a |z|, or a score when tail_df */
	double tail_df;		/* > 0: the threshold is a calibrated score */
	double move;		/* > 0: the --move floor, a fraction */
	struct anomaly *older;	/* anomalies on the chart before the window */
	size_t mock;		/* its bars and anomalies from the mock market */
	size_t nolder, older_cap;
};

/* The last run record (ROOT/runs/), as far as health needs it. */
struct site_run {
	int have;
	const char *line;	/* the record as stored */
	uint32_t len;
	int64_t start, end;	/* -1 when absent */
	int ok;			/* "status":"ok" */
	int partial;		/* a stage exited 1: records rejected */
};

struct site {
	/* settings */
	const char *out;	/* -o DIR */
	unsigned long days;	/* anomalies of the last N days */
	unsigned long window, min_periods, chart_bars;
	double threshold;
	double tail_df;		/* the calibration of the threshold; 0: none */
	double move;		/* sam-detect's --move floor; 0: none */
	unsigned long stale_grace;	/* seconds after a missed slot */
	const char *title;
	int64_t now;

	struct store st;
	int kindfd[STORE_KINDS];	/* ROOT/raw, ... as site_load opened them, or -1 */
	struct ticker *t;
	size_t nt, tcap;
	struct anomaly *a;	/* by ticker, then newest first */
	size_t na, acap;
	char **bufs;		/* the files read, which lines point into */
	size_t nbufs, bcap;
	int64_t latest;		/* the newest day in the store, or -1 */
	unsigned long dlq_depth;
	size_t mock;		/* anomalies and chart bars from the mock market */
	unsigned latest_by_sev[SAM_SEVERITIES];
	struct site_run run;
	int status;		/* exit status so far */
};

/* load.c: the store, read without its lock */
int site_load(struct site *);
void site_free(struct site *);
/* For the readers of the store: a damaged line or a link is reported
 * and counted (exit 1), another failure is fatal (-1); out of memory. */
int site_fail(struct site *, const char *what, const char *path);
int site_oom(struct site *);
void site_rejected(struct site *, const struct sam_input *);
/* A walk over the day files of one directory of the store
 * (store_walk): its line() gets the site_walk; a damaged line or file
 * is reported and counted (exit 1).  0, or -1 (reported). */
struct site_walk {
	struct store_walk w;	/* first: a line()'s ctx is both */
	struct site *s;		/* set by site_walk */
	void *ctx;		/* line()'s */
};
int site_walk(struct site *, int kindfd, struct site_walk *);
/* An anomaly from a stored line: 0, or -1 (reported through in). */
int site_anomaly(struct anomaly *, const char *ticker, struct sam_input *,
    const struct sam_rec *, const struct store_entry *);
/* Whether a record says "source":"mock": sam-fetch's invented market,
 * which every page built from it says in a banner. */
int site_is_mock(const struct sam_rec *);

/* bars.c: a ticker's chart: the last chart_bars bars of the interval
 * with the most bars, the band, the anomalies on them.  0 or -1. */
int chart_load(struct site *, const struct ticker *, struct chart *);
void chart_free(struct chart *);

/* api.c: the JSON files, and the health they report */
const char *site_health(const struct site *, int64_t *stale_after);
/* The newest day's anomalies at min_sev or above, newest first. */
const struct anomaly **site_latest(const struct site *, int min_sev, size_t *n);
void api_anomalies(const struct site *, int min_sev, struct sam_buf *);
void api_ticker(const struct site *, const struct ticker *, struct sam_buf *);
void api_health(const struct site *, struct sam_buf *);

/* html.c: the pages, every string from a record escaped */
void html_escape(struct sam_buf *, const char *, size_t);
void html_index(const struct site *, struct sam_buf *);
void html_ticker(const struct site *, const struct ticker *,
    const struct chart *, struct sam_buf *);
/* chart.c: the SVG of a ticker page */
void chart_svg(const struct ticker *, const struct chart *, struct sam_buf *);
/* Times as the pages show them: New York, date alone for daily bars. */
void show_time(struct sam_buf *, int64_t secs, int daily);
/* A price: two decimals, more below 1. */
void show_price(struct sam_buf *, double);
/* A return as a percent ("-8.3%"), a relative volume ("4.2x"), a
 * p-value ("0.0012"). */
void show_return(struct sam_buf *, double);
void show_rvol(struct sam_buf *, double);
void show_p(struct sam_buf *, double);
/* The caption under a chart: what is drawn and where its band is from. */
void chart_caption(const struct site *, const struct chart *, struct sam_buf *);

/* publish.c: the tree built beside DIR, then swapped in */
struct publish {
	const char *out;	/* DIR as given */
	char parent[4096];	/* its parent, for messages */
	int parentfd, lockfd;
	char base[256];		/* DIR's last component */
	char tmp[300];		/* .BASE.new-PID, beside it */
	int tmpfd;
	int exists;
};
int publish_begin(struct publish *, const char *out);
/* Writes PATH (relative, directories made on the way) in the new tree. */
int publish_file(struct publish *, const char *path, const struct sam_buf *);
int publish_data(struct publish *, const char *path, const void *, size_t);
int publish_commit(struct publish *);
void publish_abort(struct publish *);
#define SITE_MARKER ".sam-site"

/* assets.c (generated from share/site/) */
struct asset {
	const char *name;
	const unsigned char *data;
	size_t len;
};
extern const struct asset site_assets[];
extern const size_t site_nassets;

/* throttle.c: the preview server's token buckets, one for each client
 * address (in a table of THROTTLE_CLIENTS) and one for all together */
#define THROTTLE_CLIENTS 4096
struct throttle_client;
struct throttle {
	double rate, burst;	/* of all clients; rate 0: no throttle at all */
	double client_rate, client_burst;	/* of each; rate 0: none */
	struct { double tokens; int64_t last_us; } all;
	struct throttle_client *clients;
	uint64_t seed;
};
int throttle_init(struct throttle *, int64_t now_us);	/* -1: no memory */
void throttle_free(struct throttle *);
/* A request of the client at addr (AF_INET or AF_INET6, the bytes of
 * its address) takes a token of its bucket and one of all clients': 0,
 * or when either is empty, the seconds to wait (Retry-After), and
 * neither is taken. */
long throttle_take(struct throttle *, int family, const unsigned char addr[16],
    int64_t now_us);

/* serve.c */
int site_serve(int argc, char **argv);
/* sam-serve-static.c: the usage, and --help of the tool or a command */
extern const char site_usage[];
int site_help(void);
/* for sam_opt_common: the tool's --help whatever the command */
extern const struct sam_tool site_tool;

/* The Content-Security-Policy of every page, in its <meta> tag and in
 * the preview server's header. */
#define SITE_CSP "default-src 'none'; script-src 'self'; style-src 'self'; " \
	"img-src 'self' data:; connect-src 'self'; base-uri 'none'; " \
	"form-action 'none'"

/* How often a page reloads itself without the script (its <noscript>
 * refresh), in seconds and in words. */
#define SITE_REFRESH "300"
#define SITE_REFRESH_TEXT "5 minutes"

#endif
