/*
 * html.c - the pages: the index (the newest day's anomalies by
 * severity, health, the tickers) and a page per ticker.
 *
 * Every string that comes from the store goes through html_escape, even
 * those checked already (tickers, metric names), so that a change to a
 * check can never open a hole here.  The pages work without JavaScript:
 * app.js adds sorting and the filter box, and keeps the health and the
 * freshness notice current (see freshness()).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "site.h"

void
html_escape(struct sam_buf *b, const char *s, size_t n)
{
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		const char *rep;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		sam_buf_put(b, s + run, i - run);
		sam_buf_puts(b, rep);
		run = i + 1;
	}
	sam_buf_put(b, s + run, n - run);
}

static void
esc(struct sam_buf *b, const char *s)
{
	html_escape(b, s, strlen(s));
}

/* "2026-11-24" for a daily bar, "2026-11-24 10:30" otherwise. */
void
show_time(struct sam_buf *b, int64_t secs, int daily)
{
	int64_t local = secs + sam_ny_offset(secs), days = sam_ny_date(secs);
	int64_t sod = local - days * 86400;
	char date[11];

	sam_format_date(date, days);
	sam_buf_puts(b, date);
	if (!daily)
		sam_buf_printf(b, " %02d:%02d", (int)(sod / 3600), (int)(sod / 60 % 60));
}

/* A price as people read it: two decimals, more below 1. */
void
show_price(struct sam_buf *b, double v)
{
	if (fabs(v) >= 1 || v == 0)
		sam_buf_printf(b, "%.2f", v);
	else
		sam_buf_printf(b, "%.4g", v);
}

/* "-8.3%": a return as a percent, one decimal, signed; no "-0.0%". */
void
show_return(struct sam_buf *b, double r)
{
	double pct = r * 100;

	if (fabs(pct) < 0.05)
		sam_buf_puts(b, "0.0%");
	else if (fabs(pct) < 1e6)
		sam_buf_printf(b, "%+.1f%%", pct);
	else
		sam_buf_printf(b, "%+.3g%%", pct);
}

/* "4.2x": volume against its usual level; two digits below 0.1, none
 * from 1000 on. */
void
show_rvol(struct sam_buf *b, double v)
{
	if (v >= 0.1 && v < 999.95)
		sam_buf_printf(b, "%.1fx", v);
	else if (v >= 999.95 && v < 1e6)
		sam_buf_printf(b, "%.0fx", v);
	else
		sam_buf_printf(b, "%.2gx", v);
}

/* "0.0012", "3.4e-05": two significant digits. */
void
show_p(struct sam_buf *b, double p)
{
	sam_buf_printf(b, "%.2g", p);
}

/* ---- the frame of a page ---- */

static void
head(const struct site *s, struct sam_buf *b, const char *up, const char *title)
{
	sam_buf_puts(b, "<!doctype html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"" SITE_CSP "\">\n"
	    "<meta name=\"referrer\" content=\"no-referrer\">\n"
	    "<meta name=\"color-scheme\" content=\"light dark\">\n"
	    "<noscript><meta http-equiv=\"refresh\" content=\"" SITE_REFRESH "\"></noscript>\n"
	    "<title>");
	esc(b, title);
	sam_buf_puts(b, " \xc2\xb7 ");
	esc(b, s->title);
	sam_buf_printf(b, "</title>\n<link rel=\"stylesheet\" href=\"%sstyle.css\">\n"
	    "<script src=\"%sapp.js\" defer></script>\n</head>\n<body>\n"
	    "<header class=\"top\">\n<p class=\"brand\"><a href=\"%sindex.html\">", up, up, up);
	esc(b, s->title);
	sam_buf_puts(b, "</a></p>\n");
}

static void
health_line(const struct site *s, struct sam_buf *b)
{
	int64_t stale_after;
	const char *status = site_health(s, &stale_after);

	sam_buf_printf(b, "<p class=\"health health-%s\" id=\"health\">"
	    "<strong>%s</strong>", status, status);
	if (s->run.have) {
		sam_buf_puts(b, " \xc2\xb7 last run ");
		show_time(b, s->run.start, 0);
		sam_buf_printf(b, " New York, %s", s->run.ok ? "ok" : "failed");
	} else {
		sam_buf_puts(b, " \xc2\xb7 no run on record");
	}
	sam_buf_printf(b, " \xc2\xb7 %lu dead letter%s</p>\n", s->dlq_depth,
	    s->dlq_depth == 1 ? "" : "s");
}

/* A time as "2026-11-25 16:00 UTC (11:00 New York)", New York's date
 * too when it is not the same. */
static void
show_utc(struct sam_buf *b, int64_t t)
{
	int64_t local = t + sam_ny_offset(t), sod = local - sam_ny_date(t) * 86400;
	char ts[21];

	sam_format_ts(ts, t);
	sam_buf_printf(b, "%.10s %.5s UTC (", ts, ts + 11);
	if (sam_ny_date(t) != (t >= 0 ? t / 86400 : -((-t + 86399) / 86400)))
		show_time(b, t, 0);
	else
		sam_buf_printf(b, "%02d:%02d", (int)(sod / 3600), (int)(sod / 60 % 60));
	sam_buf_puts(b, " New York)");
}

/*
 * The notice of when the page was built and until when it is current,
 * which a reader without the script must not miss: the page cannot
 * know the time it is read at, so it says the time after which it is
 * out of date, and reloads itself (the <noscript> refresh).  Its data
 * attributes are the health of the build, which app.js starts from;
 * it then reads health.json (data-health, relative to the page, so a
 * site under a prefix works) and puts the status as of now here and
 * in the health line.
 */
static void
freshness(const struct site *s, struct sam_buf *b, const char *up)
{
	int64_t stale_after, last = s->run.end >= 0 ? s->run.end : s->run.start;
	const char *status = site_health(s, &stale_after);
	char ts[21];

	sam_format_ts(ts, s->now);
	sam_buf_printf(b, "<div class=\"freshness\" id=\"freshness\" role=\"status\" "
	    "data-health=\"%shealth.json\" data-status=\"%s\" data-generated-at=\"%s\"",
	    up, status, ts);
	if (s->run.have) {
		sam_buf_printf(b, " data-last-run-ok=\"%d\"", s->run.ok);
		if (last >= 0) {
			sam_buf_puts(b, " data-last-run-age-s=\"");
			sam_buf_int(b, s->now - last);
			sam_buf_putc(b, '"');
		}
		sam_format_ts(ts, stale_after);
		sam_buf_printf(b, " data-stale-after=\"%s\"", ts);
	}
	sam_buf_printf(b, " data-dlq-depth=\"%lu\">\n<p><strong>Built ", s->dlq_depth);
	show_utc(b, s->now);
	sam_buf_puts(b, "</strong>");
	if (!s->run.have) {
		sam_buf_puts(b, ". No run on record: the hourly job has not run, "
		    "or does not record its runs.");
	} else if (strcmp(status, "stale") == 0) {
		sam_buf_puts(b, ", already out of date then: the last run was at ");
		show_time(b, s->run.start, 0);
		sam_buf_puts(b, " New York, and the next was due by ");
		show_utc(b, stale_after);
		sam_buf_puts(b, ". The monitor may have stopped.");
	} else {
		sam_buf_puts(b, ", from the run of ");
		show_time(b, s->run.start, 0);
		sam_buf_printf(b, " New York%s. <strong>Out of date from ",
		    s->run.ok ? "" : ", which failed");
		show_utc(b, stale_after);
		sam_buf_puts(b, "</strong>, when the next run is due: if it is "
		    "later than that now, the monitor has missed a run and may "
		    "have stopped.");
	}
	sam_buf_puts(b, " This page reloads itself every " SITE_REFRESH_TEXT
	    ".</p>\n</div>\n");
}

/* The end of the header: the health line, the freshness notice, and
 * when the page shows bars or anomalies of the mock market (mock: how
 * many), a banner that says they are invented: never a surprise. */
static void
health_top(const struct site *s, struct sam_buf *b, const char *up, size_t mock)
{
	health_line(s, b);
	sam_buf_puts(b, "</header>\n");
	freshness(s, b, up);
	if (mock)
		sam_buf_puts(b, "<div class=\"mock-banner\" id=\"mock-banner\" "
		    "role=\"note\"><strong>Mock data:</strong> the prices here are "
		    "invented by sam-fetch's built-in mock market, not a provider's; "
		    "alerts from them name real tickers. Set SAM_SOURCE to a provider "
		    "(sam.env(5)).</div>\n");
	sam_buf_puts(b, "<main>\n");
}

static void
foot(const struct site *s, struct sam_buf *b, const char *up)
{
	char ts[21];

	sam_format_ts(ts, s->now);
	sam_buf_printf(b, "</main>\n<footer>\n<p>Built %s by sam-serve-static %s "
	    "from the store; times are New York time. JSON: "
	    "<a href=\"%shealth.json\">health</a>, "
	    "<a href=\"%sanomalies.json\">anomalies</a>.</p>\n</footer>\n"
	    "</body>\n</html>\n", ts, SAM_VERSION, up, up);
}

/* ---- tables ---- */

/* A market event's label: the move is the market's, not a ticker's. */
static void
market_name(struct sam_buf *b, const struct anomaly *a)
{
	sam_buf_puts(b, " <span class=\"market\">market-wide move");
	if (a->an.market[0]) {
		sam_buf_puts(b, " (");
		esc(b, a->an.market);
		sam_buf_putc(b, ')');
	}
	sam_buf_puts(b, "</span>");
}

/* The metrics with their z; a market event's name where the table has
 * no ticker column to say it. */
static void
metrics_cell(struct sam_buf *b, const struct anomaly *a, int market)
{
	unsigned i;

	sam_buf_puts(b, "<td>");
	for (i = 0; i < a->an.nmetrics; i++) {
		const struct sam_metric *m = &a->an.metric[i];
		if (i)
			sam_buf_puts(b, ", ");
		esc(b, m->name);
		if (m->has_z)
			sam_buf_printf(b, " z\xc2\xa0%+.2f", m->z);
	}
	if (market)
		market_name(b, a);
	sam_buf_puts(b, "</td>");
}

/* The columns of a table of anomalies: ticker and severity as the page
 * wants them; p, return and relative volume where a row has them. */
struct columns {
	int ticker, severity, p, ret, rvol;
};

static void
columns_add(struct columns *c, const struct anomaly *a)
{
	c->p |= a->an.has_p;
	c->ret |= a->an.has_ret;
	c->rvol |= a->an.has_rvol;
}

static void
anomaly_head(struct sam_buf *b, const struct columns *c)
{
	sam_buf_puts(b, "<table class=\"anomalies sortable\">\n<thead><tr>"
	    "<th scope=\"col\">Time</th>");
	if (c->ticker)
		sam_buf_puts(b, "<th scope=\"col\">Ticker</th>");
	if (c->severity)
		sam_buf_puts(b, "<th scope=\"col\">Severity</th>");
	sam_buf_puts(b, "<th scope=\"col\" class=\"num\">Score</th>");
	if (c->p)
		sam_buf_puts(b, "<th scope=\"col\" class=\"num\">p</th>");
	sam_buf_puts(b, "<th scope=\"col\">Metrics</th><th scope=\"col\" class=\"num\">Close</th>");
	if (c->ret)
		sam_buf_puts(b, "<th scope=\"col\" class=\"num\">Return</th>");
	sam_buf_puts(b, "<th scope=\"col\" class=\"num\">Volume</th>");
	if (c->rvol)
		sam_buf_puts(b, "<th scope=\"col\" class=\"num\">Rel. volume</th>");
	sam_buf_puts(b, "</tr></thead>\n<tbody>\n");
}

/* A cell of an optional number: its text, and its value to sort by. */
static void
number_cell(struct sam_buf *b, int has, double v, void (*show)(struct sam_buf *, double))
{
	if (!has) {
		sam_buf_puts(b, "<td class=\"num\"></td>");
		return;
	}
	sam_buf_puts(b, "<td class=\"num\" data-sort=\"");
	sam_buf_num(b, v);
	sam_buf_puts(b, "\">");
	show(b, v);
	sam_buf_puts(b, "</td>");
}

static void
anomaly_row(struct sam_buf *b, const struct anomaly *a, const char *up,
    const struct columns *c)
{
	sam_buf_puts(b, "<tr data-ticker=\"");
	esc(b, a->ticker);
	sam_buf_printf(b, "\" class=\"sev-%s%s\"><td data-sort=\"%lld\">",
	    sam_severity_names[a->sev], a->an.market_event ? " market" : "",
	    (long long)a->secs);
	show_time(b, a->secs, a->imin == 1440);
	if (a->imin != 1440) {
		sam_buf_puts(b, " <span class=\"iv\">");
		esc(b, a->an.key.interval);
		sam_buf_puts(b, "</span>");
	}
	if (a->an.unfinished)
		sam_buf_puts(b, " <span class=\"partial\">in progress</span>");
	sam_buf_puts(b, "</td>");
	if (c->ticker) {
		sam_buf_printf(b, "<td><a href=\"%sticker/", up);
		sam_buf_urlpart(b, a->ticker);
		sam_buf_puts(b, ".html\">");
		esc(b, a->ticker);
		sam_buf_puts(b, "</a>");
		if (a->an.market_event)
			market_name(b, a);
		sam_buf_puts(b, "</td>");
	}
	if (c->severity)
		sam_buf_printf(b, "<td data-sort=\"%d\"><span class=\"badge sev-%s\">%s</span></td>",
		    a->sev, sam_severity_names[a->sev], sam_severity_names[a->sev]);
	sam_buf_printf(b, "<td class=\"num\">%.2f</td>", a->an.score);
	if (c->p)
		number_cell(b, a->an.has_p, a->an.p, show_p);
	metrics_cell(b, a, c->ticker ? 0 : a->an.market_event);
	sam_buf_puts(b, "<td class=\"num\">");
	if (a->an.has_close)
		show_price(b, a->an.close);
	sam_buf_puts(b, "</td>");
	if (c->ret)
		number_cell(b, a->an.has_ret, a->an.ret, show_return);
	sam_buf_puts(b, "<td class=\"num\">");
	if (a->an.has_volume)
		sam_buf_grouped(b, a->an.volume);
	sam_buf_puts(b, "</td>");
	if (c->rvol)
		number_cell(b, a->an.has_rvol, a->an.rvol, show_rvol);
	sam_buf_puts(b, "</tr>\n");
}

/* ---- the index ---- */

static void
summary(const struct site *s, struct sam_buf *b)
{
	int i;

	sam_buf_puts(b, "<ul class=\"summary\" aria-label=\"Anomalies by severity\">\n");
	for (i = SAM_SEVERITIES - 1; i >= 0; i--)
		sam_buf_printf(b, "<li><a class=\"count sev-%s\" href=\"#%s\">"
		    "<span class=\"n\">%u</span> %s</a></li>\n", sam_severity_names[i],
		    sam_severity_names[i], s->latest_by_sev[i], sam_severity_names[i]);
	sam_buf_puts(b, "</ul>\n");
}

static void
tickers_table(const struct site *s, struct sam_buf *b)
{
	size_t i;
	int k;

	sam_buf_printf(b, "<section id=\"tickers\">\n<h2>Tickers</h2>\n<p>Anomalies of "
	    "the last %lu days, by severity.</p>\n<table class=\"tickers sortable\">\n"
	    "<thead><tr><th scope=\"col\">Ticker</th><th scope=\"col\" class=\"num\">"
	    "All</th>", s->days);
	for (k = SAM_SEVERITIES - 1; k >= 0; k--)
		sam_buf_printf(b, "<th scope=\"col\" class=\"num\">%s</th>", sam_severity_names[k]);
	sam_buf_puts(b, "<th scope=\"col\">Latest</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < s->nt; i++) {
		const struct ticker *t = &s->t[i];
		sam_buf_puts(b, "<tr data-ticker=\"");
		esc(b, t->name);
		sam_buf_puts(b, "\"><td><a href=\"ticker/");
		sam_buf_urlpart(b, t->name);
		sam_buf_puts(b, ".html\">");
		esc(b, t->name);
		sam_buf_printf(b, "</a></td><td class=\"num\">%zu</td>", t->n);
		for (k = SAM_SEVERITIES - 1; k >= 0; k--)
			sam_buf_printf(b, "<td class=\"num\">%u</td>", t->by_sev[k]);
		if (t->n) {
			const struct anomaly *a = &s->a[t->first];
			sam_buf_printf(b, "<td data-sort=\"%lld\">", (long long)a->secs);
			show_time(b, a->secs, a->imin == 1440);
		} else {
			sam_buf_puts(b, "<td data-sort=\"0\">");
		}
		sam_buf_puts(b, "</td></tr>\n");
	}
	sam_buf_puts(b, "</tbody>\n</table>\n</section>\n");
}

/* A market event of the day, above the tables: the one move that the
 * tickers' own anomalies are judged net of. */
static void
market_banner(struct sam_buf *b, const struct anomaly *a)
{
	sam_buf_printf(b, "<p class=\"market-event\"><span class=\"badge sev-%s\">%s</span> "
	    "Market-wide move ", sam_severity_names[a->sev], sam_severity_names[a->sev]);
	show_time(b, a->secs, a->imin == 1440);
	if (a->an.unfinished)
		sam_buf_puts(b, " (in progress)");
	sam_buf_puts(b, ": ");
	if (strcmp(a->an.market, "cross") == 0)
		sam_buf_puts(b, "the watch list\xe2\x80\x99s median return");
	else if (a->an.market[0])
		esc(b, a->an.market);
	else
		sam_buf_puts(b, "the market");
	if (a->an.has_ret) {
		sam_buf_putc(b, ' ');
		show_return(b, a->an.ret);
	}
	sam_buf_printf(b, ", score %.2f.</p>\n", a->an.score);
}

void
html_index(const struct site *s, struct sam_buf *b)
{
	const struct anomaly **v;
	char date[11] = "";
	size_t n, i, j;
	int k;

	if (s->latest >= 0)
		sam_format_date(date, s->latest);
	v = site_latest(s, 0, &n);
	if (s->na && !v)
		b->err = 1;
	head(s, b, "", s->latest >= 0 ? date : "no data");
	health_top(s, b, "", s->mock);
	sam_buf_puts(b, "<h1>");
	if (s->latest >= 0)
		sam_buf_printf(b, "Anomalies of %s", date);
	else
		sam_buf_puts(b, "No data in the store yet");
	sam_buf_puts(b, "</h1>\n");
	summary(s, b);
	for (i = 0; i < n; i++)
		if (v[i]->an.market_event)
			market_banner(b, v[i]);
	sam_buf_puts(b, "<p class=\"filter\" hidden><label for=\"filter\">Filter "
	    "tickers</label> <input id=\"filter\" type=\"search\" "
	    "placeholder=\"AAPL\" autocomplete=\"off\" spellcheck=\"false\"></p>\n");
	for (k = SAM_SEVERITIES - 1; k >= 0; k--) {
		if (!s->latest_by_sev[k])
			continue;
		sam_buf_printf(b, "<section id=\"%s\" class=\"severity\">\n<h2><span "
		    "class=\"badge sev-%s\">%s</span> %u</h2>\n", sam_severity_names[k],
		    sam_severity_names[k], sam_severity_names[k], s->latest_by_sev[k]);
		struct columns c = { .ticker = 1 };
		for (i = 0; i < n; i++)
			if (v[i]->sev == k)
				columns_add(&c, v[i]);
		anomaly_head(b, &c);
		for (i = 0; i < n; i++)
			if (v[i]->sev == k)
				anomaly_row(b, v[i], "", &c);
		sam_buf_puts(b, "</tbody>\n</table>\n</section>\n");
	}
	for (j = 0, k = 0; k < SAM_SEVERITIES; k++)
		j += s->latest_by_sev[k];
	if (j == 0)
		sam_buf_printf(b, "<p class=\"none\">No anomalies%s%s.</p>\n",
		    s->latest >= 0 ? " on " : "", date);
	free(v);
	tickers_table(s, b);
	foot(s, b, "");
}

/* ---- a ticker ---- */

static int
all_market_events(const struct site *s, const struct ticker *t)
{
	size_t i;

	for (i = t->first; i < t->first + t->n; i++)
		if (!s->a[i].an.market_event)
			return 0;
	return 1;
}

/* Of the bands: "|z| of the close" and how it is judged, calibrated or
 * not. */
static void
band_rule(const struct chart *c, struct sam_buf *b)
{
	if (c->tail_df > 0)
		sam_buf_printf(b, ", calibrated to a score (Student t, at most %g "
		    "degrees of freedom),", c->tail_df);
	sam_buf_printf(b, " stays within %.2f", c->threshold);
}

void
chart_caption(const struct site *s, const struct chart *c, struct sam_buf *b)
{
	static const char *const what[BAND_SOURCES] = {
		[BAND_CLOSE] = "the close",
		[BAND_RETURN] = "the return",
		[BAND_EXCESS] = "the return net of the market (less beta times "
		    "the market\xe2\x80\x99s return)",
	};
	long i, by_source[BAND_SOURCES] = { 0 }, partial = 0, stored = 0, listed = 0;
	int k;

	for (i = 0; i < c->n; i++) {
		by_source[c->bar[i].source]++;
		partial += c->bar[i].partial;
	}
	for (k = BAND_CLOSE; k < BAND_SOURCES; k++)
		stored += by_source[k];
	sam_buf_printf(b, "<figcaption>The last %ld ", c->n);
	esc(b, c->interval);
	sam_buf_puts(b, " bars in the store: close, volume, anomalies marked");
	if (partial == 1)
		sam_buf_puts(b, ", the hollow one still in progress");
	else if (partial > 1)
		sam_buf_printf(b, ", the %ld hollow ones still in progress", partial);
	if (stored) {
		sam_buf_puts(b, "; the band is the detector\xe2\x80\x99s, from the "
		    "statistics stored with each bar: the closes at which |z| of ");
		for (k = BAND_SOURCES - 1; k >= BAND_CLOSE; k--)
			if (by_source[k]) {
				sam_buf_puts(b, listed++ ? " or of " : "");
				sam_buf_puts(b, what[k]);
			}
		band_rule(c, b);
		if (c->move > 0)
			sam_buf_printf(b, " and the return less the market\xe2\x80\x99s "
			    "within %g%% (the --move floor)", c->move * 100);
	}
	if (by_source[BAND_RECOMPUTED]) {
		sam_buf_puts(b, stored ? "; on the bars stored without statistics, "
		    "recomputed: where" : "; the band is where");
		sam_buf_printf(b, " |z| of the close against the %lu bars before it",
		    s->window);
		band_rule(c, b);
	}
	if (by_source[BAND_FLOORED])
		sam_buf_printf(b, "; no band on the %ld bar%s where the band and "
		    "the --move floor leave no close between them",
		    by_source[BAND_FLOORED], by_source[BAND_FLOORED] == 1 ? "" : "s");
	if (by_source[BAND_NONE] == 1)
		sam_buf_puts(b, "; no band on the bar without price statistics");
	else if (by_source[BAND_NONE] > 1)
		sam_buf_printf(b, "; no band on the %ld bars without price statistics",
		    by_source[BAND_NONE]);
	sam_buf_puts(b, ".</figcaption>\n");
}

void
html_ticker(const struct site *s, const struct ticker *t, const struct chart *c,
    struct sam_buf *b)
{
	size_t i, mock = c->mock;

	for (i = 0; i < t->n; i++)
		mock += (size_t)s->a[t->first + i].mock;
	head(s, b, "../", t->name);
	health_top(s, b, "../", mock);
	sam_buf_puts(b, "<p class=\"back\"><a href=\"../index.html\">"
	    "\xe2\x86\x90 All anomalies</a></p>\n<h1>");
	esc(b, t->name);
	sam_buf_puts(b, "</h1>\n");
	if (t->n && all_market_events(s, t))
		sam_buf_puts(b, "<p class=\"market-note\">Market-wide moves: bars where "
		    "the market itself moved past the threshold, reported once here "
		    "rather than as an anomaly of every ticker.</p>\n");
	if (c->n > 0) {
		sam_buf_printf(b, "<figure class=\"chart\">\n");
		chart_svg(t, c, b);
		chart_caption(s, c, b);
		sam_buf_puts(b, "</figure>\n");
	} else {
		sam_buf_puts(b, "<p class=\"none\">No bars of ");
		esc(b, t->name);
		sam_buf_puts(b, " in the store.</p>\n");
	}
	sam_buf_printf(b, "<section id=\"anomalies\">\n<h2>Anomalies of the last %lu "
	    "days <span class=\"n\">%zu</span></h2>\n", s->days, t->n);
	if (t->n) {
		struct columns cols = { .severity = 1 };
		for (i = 0; i < t->n; i++)
			columns_add(&cols, &s->a[t->first + i]);
		anomaly_head(b, &cols);
		for (i = 0; i < t->n; i++)
			anomaly_row(b, &s->a[t->first + i], "../", &cols);
		sam_buf_puts(b, "</tbody>\n</table>\n");
	} else {
		sam_buf_puts(b, "<p class=\"none\">None.</p>\n");
	}
	sam_buf_puts(b, "<p>JSON: <a href=\"../anomalies/");
	sam_buf_urlpart(b, t->name);
	sam_buf_puts(b, ".json\">anomalies of ");
	esc(b, t->name);
	sam_buf_puts(b, "</a>.</p>\n</section>\n");
	foot(s, b, "../");
}
