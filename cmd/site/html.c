/*
 * html.c - the pages: the index (the newest day's anomalies by
 * severity, health, the tickers) and a page per ticker.
 *
 * Every string that comes from the store goes through html_escape, even
 * those checked already (tickers, metric names), so that a change to a
 * check can never open a hole here.  The pages work without JavaScript:
 * app.js only adds sorting and the filter box.
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
static void
show_price(struct sam_buf *b, double v)
{
	if (fabs(v) >= 1 || v == 0)
		sam_buf_printf(b, "%.2f", v);
	else
		sam_buf_printf(b, "%.4g", v);
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
	    "<meta name=\"color-scheme\" content=\"light dark\">\n<title>");
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

static void
metrics_cell(struct sam_buf *b, const struct anomaly *a)
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
	sam_buf_puts(b, "</td>");
}

static void
anomaly_head(struct sam_buf *b, int with_ticker, int with_severity)
{
	sam_buf_puts(b, "<table class=\"anomalies sortable\">\n<thead><tr>"
	    "<th scope=\"col\">Time</th>");
	if (with_ticker)
		sam_buf_puts(b, "<th scope=\"col\">Ticker</th>");
	if (with_severity)
		sam_buf_puts(b, "<th scope=\"col\">Severity</th>");
	sam_buf_puts(b, "<th scope=\"col\" class=\"num\">Score</th>"
	    "<th scope=\"col\">Metrics</th><th scope=\"col\" class=\"num\">Close</th>"
	    "<th scope=\"col\" class=\"num\">Volume</th></tr></thead>\n<tbody>\n");
}

static void
anomaly_row(struct sam_buf *b, const struct anomaly *a, const char *up,
    int with_ticker, int with_severity)
{
	sam_buf_puts(b, "<tr data-ticker=\"");
	esc(b, a->ticker);
	sam_buf_printf(b, "\" class=\"sev-%s\"><td data-sort=\"%lld\">",
	    sam_severity_names[a->sev], (long long)a->secs);
	show_time(b, a->secs, a->imin == 1440);
	if (a->imin != 1440) {
		sam_buf_puts(b, " <span class=\"iv\">");
		esc(b, a->an.key.interval);
		sam_buf_puts(b, "</span>");
	}
	sam_buf_puts(b, "</td>");
	if (with_ticker) {
		sam_buf_printf(b, "<td><a href=\"%sticker/", up);
		sam_buf_urlpart(b, a->ticker);
		sam_buf_puts(b, ".html\">");
		esc(b, a->ticker);
		sam_buf_puts(b, "</a></td>");
	}
	if (with_severity)
		sam_buf_printf(b, "<td data-sort=\"%d\"><span class=\"badge sev-%s\">%s</span></td>",
		    a->sev, sam_severity_names[a->sev], sam_severity_names[a->sev]);
	sam_buf_printf(b, "<td class=\"num\">%.2f</td>", a->an.score);
	metrics_cell(b, a);
	sam_buf_puts(b, "<td class=\"num\">");
	if (a->an.has_close)
		show_price(b, a->an.close);
	sam_buf_puts(b, "</td><td class=\"num\">");
	if (a->an.has_volume)
		sam_buf_grouped(b, a->an.volume);
	sam_buf_puts(b, "</td></tr>\n");
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
	health_line(s, b);
	sam_buf_puts(b, "</header>\n<main>\n<h1>");
	if (s->latest >= 0)
		sam_buf_printf(b, "Anomalies of %s", date);
	else
		sam_buf_puts(b, "No data in the store yet");
	sam_buf_puts(b, "</h1>\n");
	summary(s, b);
	sam_buf_puts(b, "<p class=\"filter\" hidden><label for=\"filter\">Filter "
	    "tickers</label> <input id=\"filter\" type=\"search\" "
	    "placeholder=\"AAPL\" autocomplete=\"off\" spellcheck=\"false\"></p>\n");
	for (k = SAM_SEVERITIES - 1; k >= 0; k--) {
		if (!s->latest_by_sev[k])
			continue;
		sam_buf_printf(b, "<section id=\"%s\" class=\"severity\">\n<h2><span "
		    "class=\"badge sev-%s\">%s</span> %u</h2>\n", sam_severity_names[k],
		    sam_severity_names[k], sam_severity_names[k], s->latest_by_sev[k]);
		anomaly_head(b, 1, 0);
		for (i = 0; i < n; i++)
			if (v[i]->sev == k)
				anomaly_row(b, v[i], "", 1, 0);
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

void
html_ticker(const struct site *s, const struct ticker *t, const struct chart *c,
    struct sam_buf *b)
{
	size_t i;

	head(s, b, "../", t->name);
	health_line(s, b);
	sam_buf_puts(b, "</header>\n<main>\n<p class=\"back\"><a href=\"../index.html\">"
	    "\xe2\x86\x90 All anomalies</a></p>\n<h1>");
	esc(b, t->name);
	sam_buf_puts(b, "</h1>\n");
	if (c->n > 0) {
		sam_buf_printf(b, "<figure class=\"chart\">\n");
		chart_svg(t, c, b);
		sam_buf_printf(b, "<figcaption>The last %ld ", c->n);
		esc(b, c->interval);
		sam_buf_printf(b, " bars in the store: close, volume, anomalies "
		    "marked; the band is where |z| of the close against the %lu "
		    "bars before it stays within %.2f.</figcaption>\n</figure>\n",
		    s->window, c->threshold);
	} else {
		sam_buf_puts(b, "<p class=\"none\">No bars of ");
		esc(b, t->name);
		sam_buf_puts(b, " in the store.</p>\n");
	}
	sam_buf_printf(b, "<section id=\"anomalies\">\n<h2>Anomalies of the last %lu "
	    "days <span class=\"n\">%zu</span></h2>\n", s->days, t->n);
	if (t->n) {
		anomaly_head(b, 0, 1);
		for (i = 0; i < t->n; i++)
			anomaly_row(b, &s->a[t->first + i], "../", 0, 1);
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
