/*
 * payload.c - the messages: Slack Block Kit with its plain-text
 * fallback, and the words every message uses for an anomaly (text_*,
 * which alertmanager.c uses too).
 *
 * Everything shown comes from fields read.c checked (tickers, intervals,
 * metric names of [a-z0-9_], numbers), and Slack's three markup
 * characters are escaped all the same, so a record cannot inject a link
 * or a mention into a channel.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"

#define SECTION_MAX 3000	/* Slack: characters in a section's text */
#define HEADER_MAX 150		/* Slack: characters in a header */
#define FALLBACK_MAX 3000	/* our bound for the notification text */

static const char *const emoji[4] = { ":white_circle:", ":large_yellow_circle:",
    ":large_orange_circle:", ":red_circle:" };
static const char *const weekday[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

void
text_mrkdwn(struct sam_buf *b, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': sam_buf_puts(b, "&amp;"); break;
		case '<': sam_buf_puts(b, "&lt;"); break;
		case '>': sam_buf_puts(b, "&gt;"); break;
		default: sam_buf_putc(b, *s);
		}
}

void
text_double(struct sam_buf *b, double v)
{
	char num[SAM_NUM_MAX];

	sam_format_double(num, v);
	sam_buf_puts(b, num);
}

/* A volume as people read it, 5,400,000, where grouped. */
void
text_volume(struct sam_buf *b, double v, int grouped)
{
	if (grouped)
		sam_buf_grouped(b, v);
	else
		text_double(b, v);
}

/* "daily bar of Wed 2024-01-10", "30m bar at Wed 2024-01-10 10:00 EST",
 * and " (in progress)" after a bar whose period has not ended */
void
text_when(struct sam_buf *b, const struct alert_anomaly *a)
{
	int off = sam_ny_offset(a->an.key.secs);
	int64_t local = a->an.key.secs + off, days = sam_ny_date(a->an.key.secs);
	int64_t sod = local - days * 86400;
	char date[11];

	sam_format_date(date, days);
	if (strcmp(a->an.key.interval, "1d") == 0)
		sam_buf_printf(b, "daily bar of %s %s", weekday[sam_weekday(days)], date);
	else
		sam_buf_printf(b, "%s bar at %s %s %02d:%02d %s", a->an.key.interval,
		    weekday[sam_weekday(days)], date, (int)(sod / 3600),
		    (int)(sod / 60 % 60), off == -4 * 3600 ? "EDT" : "EST");
	if (a->an.unfinished)
		sam_buf_puts(b, " (in progress)");
}

/* ---- the signal, as people read it ---- */

/* A simple return in percent, signed: -8.3%, +0.42% below 1% (and
 * +1.2e+06% for a number no price moves by, rather than its digits). */
static void
put_pct(struct sam_buf *b, double r)
{
	double pct = r * 100;

	if (fabs(pct) < 0.005)
		sam_buf_puts(b, "0.00%");	/* not -0.00% */
	else
		sam_buf_printf(b, fabs(pct) < 1 ? "%+.2f%%" : fabs(pct) < 1e5 ? "%+.1f%%" :
		    "%+.2g%%", pct);
}

/* A relative volume: 23x, 4.2x, 0.35x (and 1.2e+06x, as above). */
static void
put_rvol(struct sam_buf *b, double v)
{
	sam_buf_printf(b, v >= 1e5 ? "%.2gx" : v >= 9.95 ? "%.0fx" : v >= 0.995 ? "%.1fx" :
	    "%.2gx", v);
}

/* The market series' name as a message shows it, escaped for Slack when
 * mrkdwn is set (a ticker has none of its markup characters, but a
 * record is never trusted to that). */
static void
put_market(struct sam_buf *b, const struct sam_anomaly *sig, int mrkdwn)
{
	if (strcmp(sig->market, "cross") == 0)
		sam_buf_puts(b, "watch-list median");
	else if (mrkdwn)
		text_mrkdwn(b, sig->market);
	else
		sam_buf_puts(b, sig->market);
}

/* "SPY -3.9%", a market event's series and move as far as it has
 * them; returns the items written */
int
text_move(struct sam_buf *b, const struct alert_anomaly *a, int mrkdwn)
{
	int n = 0;

	if (a->an.market[0]) {
		put_market(b, &a->an, mrkdwn);
		n++;
	}
	if (a->an.has_ret) {
		if (n++)
			sam_buf_putc(b, ' ');
		put_pct(b, a->an.ret);
	}
	return n;
}

/* "market-wide move: SPY -3.9%", what a market event is about */
void
text_market_move(struct sam_buf *b, const struct alert_anomaly *a, int mrkdwn)
{
	size_t mark;

	sam_buf_puts(b, "market-wide move");
	mark = b->len;
	sam_buf_puts(b, ": ");
	if (!text_move(b, a, mrkdwn))
		b->len = mark;
}

/* "return -8.3%  ·  excess -6.1% vs SPY  ·  volume 4.2x usual", the
 * move and the volume a trader reads, as far as the record has them (a
 * market event's return is its headline).  Returns the items written. */
int
text_signal(struct sam_buf *b, const struct alert_anomaly *a, int mrkdwn, const char *sep)
{
	const struct sam_anomaly *sig = &a->an;
	int n = 0;

	if (sig->has_ret && !sig->market_event) {
		sam_buf_puts(b, "return ");
		put_pct(b, sig->ret);
		n++;
	}
	if (sig->has_excess) {
		sam_buf_printf(b, "%sexcess ", n++ ? sep : "");
		put_pct(b, sig->excess);
		if (sig->market[0]) {
			sam_buf_puts(b, " vs ");
			put_market(b, sig, mrkdwn);
		}
	}
	if (sig->has_rvol) {
		sam_buf_printf(b, "%svolume ", n++ ? sep : "");
		put_rvol(b, sig->rvol);
		sam_buf_puts(b, " usual");
	}
	return n;
}

/* "`volume` z +4.60" for each metric (names bare when plain is set),
 * then the tail probability */
void
text_metrics(struct sam_buf *b, const struct alert_anomaly *a, int plain, const char *sep)
{
	unsigned i;

	for (i = 0; i < a->an.nmetrics; i++) {
		const struct sam_metric *m = &a->an.metric[i];
		if (i)
			sam_buf_puts(b, sep);
		sam_buf_printf(b, plain ? "%s" : "`%s`", m->name);
		if (m->has_z)
			sam_buf_printf(b, " z %+.2f", m->z);
	}
	if (a->an.nmetrics == 0)
		sam_buf_printf(b, "score %.2f", a->an.score);
	if (a->an.has_p)
		sam_buf_printf(b, "%sp %.2g", sep, a->an.p);
}

/* The ticker whose page a message links to: a market event's market
 * series when it is a ticker; NULL for none. */
const char *
text_page_ticker(const struct alert_anomaly *a)
{
	if (!a->an.market_event)
		return a->an.key.ticker;
	return a->an.market[0] && strcmp(a->an.market, "cross") != 0 ? a->an.market : NULL;
}

void
dashboard_link(const struct alert *al, const char *ticker, struct sam_buf *b)
{
	if (!al->dashboard)
		return;
	sam_buf_puts(b, al->dashboard);
	if (!*al->dashboard || al->dashboard[strlen(al->dashboard) - 1] != '/')
		sam_buf_putc(b, '/');
	sam_buf_puts(b, "ticker/");
	sam_buf_urlpart(b, ticker);	/* ^ and = are not for paths */
	sam_buf_puts(b, ".html");
}

/* Characters as Slack counts them: UTF-8 lead bytes. */
static size_t
chars(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* ---- Slack ---- */

static void
slack_section(const struct alert *al, const struct alert_anomaly *a, struct sam_buf *b)
{
	static const char *const sep = "  \xc2\xb7  ";
	const char *page = text_page_ticker(a);
	struct sam_buf t = { 0 };
	size_t mark;

	sam_buf_printf(&t, "%s *%s*  ", emoji[a->an.sev], sam_severity_names[a->an.sev]);
	if (a->an.market_event) {
		text_market_move(&t, a, 1);
	} else {
		sam_buf_putc(&t, '`');
		text_mrkdwn(&t, a->an.key.ticker);
		sam_buf_putc(&t, '`');
	}
	sam_buf_puts(&t, "  ");
	text_when(&t, a);
	if (a->escalation)
		sam_buf_printf(&t, "%sescalated from %s to %s", sep,
		    sam_severity_names[a->prev_sev], sam_severity_names[a->an.sev]);
	sam_buf_putc(&t, '\n');
	mark = t.len;
	if (text_signal(&t, a, 1, sep))
		sam_buf_putc(&t, '\n');
	else
		t.len = mark;
	text_metrics(&t, a, 0, sep);
	if (a->an.has_close || a->an.has_volume || (al->dashboard && page))
		sam_buf_putc(&t, '\n');
	if (a->an.has_close) {
		sam_buf_puts(&t, "close ");
		text_double(&t, a->an.close);
	}
	if (a->an.has_volume) {
		sam_buf_puts(&t, a->an.has_close ? "  \xc2\xb7  volume " : "volume ");
		text_volume(&t, a->an.volume, 1);
	}
	if (al->dashboard && page) {
		if (a->an.has_close || a->an.has_volume)
			sam_buf_puts(&t, sep);
		struct sam_buf link = { 0 };
		dashboard_link(al, page, &link);
		sam_buf_putc(&link, '\0');
		sam_buf_putc(&t, '<');
		text_mrkdwn(&t, link.p ? link.p : "");
		sam_buf_puts(&t, "|chart>");
		sam_buf_free(&link);
	}
	/* Bounded by construction (tickers, 8 short metric names, numbers,
	 * a dashboard URL of at most 1000 bytes); cut all the same. */
	if (chars(t.p, t.len) > SECTION_MAX)
		t.len = SECTION_MAX;
	sam_buf_puts(b, "{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":");
	sam_buf_jstr(b, t.p ? t.p : "", t.len);
	sam_buf_puts(b, "}}");
	sam_buf_free(&t);
}

/* "3 stock anomalies: 1 critical, 2 high", and " (1 escalated)" */
static void
put_counts(struct sam_buf *b, struct alert_anomaly *const *v, size_t n)
{
	size_t count[4] = { 0 }, up = 0, i;
	int s, first = 1;

	for (i = 0; i < n; i++) {
		count[v[i]->an.sev]++;
		up += v[i]->escalation;
	}
	sam_buf_printf(b, "%zu stock anomal%s:", n, n == 1 ? "y" : "ies");
	for (s = 3; s >= 0; s--)
		if (count[s]) {
			sam_buf_printf(b, "%s %zu %s", first ? "" : ",", count[s],
			    sam_severity_names[s]);
			first = 0;
		}
	if (up)
		sam_buf_printf(b, " (%zu escalated)", up);
}

/* "ACME critical", "ACME escalated from medium to high",
 * "market-wide move: SPY -3.9% critical", in plain text */
static void
put_subject(struct sam_buf *b, const struct alert_anomaly *a, int mrkdwn)
{
	if (a->an.market_event)
		text_market_move(b, a, mrkdwn);
	else if (mrkdwn)
		text_mrkdwn(b, a->an.key.ticker);
	else
		sam_buf_puts(b, a->an.key.ticker);
	if (a->escalation)
		sam_buf_printf(b, " escalated from %s to %s", sam_severity_names[a->prev_sev],
		    sam_severity_names[a->an.sev]);
	else
		sam_buf_printf(b, " %s", sam_severity_names[a->an.sev]);
}

static void
slack_fallback(struct alert_anomaly *const *v, size_t n, struct sam_buf *b)
{
	struct sam_buf t = { 0 };
	size_t i, mark;

	put_counts(&t, v, n);
	for (i = 0; i < n; i++) {
		mark = t.len;
		sam_buf_puts(&t, i ? ", " : " \xe2\x80\x94 ");
		put_subject(&t, v[i], 1);
		sam_buf_puts(&t, " (");
		if (text_signal(&t, v[i], 1, ", "))
			sam_buf_puts(&t, "; ");
		text_metrics(&t, v[i], 1, ", ");
		sam_buf_putc(&t, ')');
		if (chars(t.p, t.len) > FALLBACK_MAX - 20) {
			t.len = mark;
			sam_buf_printf(&t, " and %zu more", n - i);
			break;
		}
	}
	sam_buf_jstr(b, t.p, t.len);
	sam_buf_free(&t);
}

void
payload_slack(const struct alert *al, struct alert_anomaly *const *v, size_t n,
    struct sam_buf *b)
{
	struct sam_buf t = { 0 };
	char now[21];
	size_t i;

	sam_buf_puts(b, "{\"text\":");
	slack_fallback(v, n, b);
	sam_buf_puts(b, ",\"blocks\":[{\"type\":\"header\",\"text\":{\"type\":\"plain_text\",\"text\":");
	put_counts(&t, v, n);	/* at most about 80 characters */
	sam_buf_jstr(b, t.p, t.len < HEADER_MAX ? t.len : HEADER_MAX);
	sam_buf_puts(b, ",\"emoji\":true}}");
	for (i = 0; i < n; i++) {
		sam_buf_putc(b, ',');
		slack_section(al, v[i], b);
	}
	t.len = 0;
	sam_format_ts(now, al->now);
	sam_buf_printf(&t, "sam-alert %s \xc2\xb7 %s", SAM_VERSION, now);
	if (al->dashboard) {
		sam_buf_puts(&t, " \xc2\xb7 <");
		text_mrkdwn(&t, al->dashboard);
		sam_buf_puts(&t, "|dashboard>");
	}
	sam_buf_puts(b, ",{\"type\":\"context\",\"elements\":[{\"type\":\"mrkdwn\",\"text\":");
	sam_buf_jstr(b, t.p, t.len);
	sam_buf_puts(b, "}]}]}");
	sam_buf_free(&t);
}
