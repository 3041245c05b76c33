/*
 * alertmanager.c - an anomaly as an Alertmanager alert: its labels and
 * annotations, written as the payload of Alertmanager's webhook
 * receivers (--to webhook, version 4) or as the alerts its API takes
 * (--to alertmanager, POST /api/v2/alerts).
 *
 * The labels are what Alertmanager tells alerts apart by: two alerts
 * with equal labels are one alert, the later updating the earlier.  So
 * they name the bar (ticker, interval, ts) and the severity, and nothing
 * that changes while the bar is the same (the metrics, the numbers go
 * to the annotations).  An escalation has another severity, so it is
 * another alert, as a Prometheus rule's would be.
 *
 * The webhook's fingerprint is Alertmanager's: FNV-1a (64 bits) over
 * the label names in byte order, each name and its value followed by
 * the byte 0xff, written as 16 hexadecimal digits (prometheus/common,
 * model/signature.go), so that a receiver sees the same fingerprint for
 * an alert whether Alertmanager or sam-alert sent it.
 */
#include <stdlib.h>
#include <string.h>

#include "alert.h"

#define API_PATH "/api/v2/alerts"

void
kv_add(struct kv *kv, const char *k, const struct sam_buf *v)
{
	size_t len = v->len < KV_VALUE_MAX - 1 ? v->len : KV_VALUE_MAX - 1;

	if (kv->n == KV_MAX)
		return;
	snprintf(kv->e[kv->n].k, sizeof kv->e[kv->n].k, "%s", k);
	memcpy(kv->e[kv->n].v, v->p ? v->p : "", len);
	kv->e[kv->n++].v[len] = '\0';
}

void
kv_write(struct sam_buf *b, const struct kv *kv, size_t n, size_t stride)
{
	const struct kv *first = kv;
	size_t e, i, j;
	int comma = 0;

	sam_buf_putc(b, '{');
	for (e = 0; e < first->n; e++) {
		int common = 1;
		for (i = 1; i < n && common; i++) {
			const struct kv *o = (const struct kv *)((const char *)kv + i * stride);
			common = 0;
			for (j = 0; j < o->n; j++)
				if (strcmp(o->e[j].k, first->e[e].k) == 0 &&
				    strcmp(o->e[j].v, first->e[e].v) == 0)
					common = 1;
		}
		if (!common)
			continue;
		if (comma++)
			sam_buf_putc(b, ',');
		sam_buf_jstr(b, first->e[e].k, strlen(first->e[e].k));
		sam_buf_putc(b, ':');
		sam_buf_jstr(b, first->e[e].v, strlen(first->e[e].v));
	}
	sam_buf_putc(b, '}');
}

/* ---- the fingerprint ---- */

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

static uint64_t
fnv1a(uint64_t h, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= FNV_PRIME;
	}
	return h;
}

uint64_t
am_fingerprint(const struct kv *labels)
{
	static const char sep = (char)0xff;
	size_t order[KV_MAX], i, j, n = 0;
	uint64_t h = FNV_OFFSET;

	for (i = 0; i < labels->n; i++) {
		if (!labels->e[i].v[0])
			continue;
		/* insertion sort by name: a handful of labels */
		for (j = n; j > 0 && strcmp(labels->e[order[j - 1]].k, labels->e[i].k) > 0; j--)
			order[j] = order[j - 1];
		order[j] = i;
		n++;
	}
	for (i = 0; i < n; i++) {
		h = fnv1a(h, labels->e[order[i]].k, strlen(labels->e[order[i]].k));
		h = fnv1a(h, &sep, 1);
		h = fnv1a(h, labels->e[order[i]].v, strlen(labels->e[order[i]].v));
		h = fnv1a(h, &sep, 1);
	}
	return h;
}

/* ---- an anomaly's labels and annotations ---- */

struct am_alert {
	struct kv labels, notes;
};

/* "ACME 1d: volume z +4.60 (critical)", "market-wide move: SPY -3.9%
 * (critical)", "... (high, escalated from medium)" */
static void
summary(const struct alert_anomaly *a, struct sam_buf *t)
{
	const char *sev = sam_severity_names[a->an.sev];

	if (a->an.market_event)
		text_market_move(t, a, 0);
	else if (sam_buf_printf(t, "%s %s: ", a->an.key.ticker, a->an.key.interval),
	    a->an.nmetrics)
		sam_buf_printf(t, "%s z %+.2f", a->an.metric[0].name, a->an.metric[0].z);
	else
		sam_buf_printf(t, "score %.2f", a->an.score);
	sam_buf_printf(t, " (%s", sev);
	if (a->escalation)
		sam_buf_printf(t, ", escalated from %s", sam_severity_names[a->prev_sev]);
	sam_buf_putc(t, ')');
}

static void
description(const struct alert_anomaly *a, struct sam_buf *t)
{
	const char *sev = sam_severity_names[a->an.sev];

	if (a->an.market_event)
		sam_buf_printf(t, "%s market-wide move, ", sev);
	else
		sam_buf_printf(t, "%s anomaly of %s, ", sev, a->an.key.ticker);
	text_when(t, a);
	if (a->escalation)
		sam_buf_printf(t, ", escalated from %s to %s", sam_severity_names[a->prev_sev], sev);
	sam_buf_puts(t, ": ");
	if (a->an.market_event && text_move(t, a, 0))
		sam_buf_puts(t, "; ");
	if (text_signal(t, a, 0, ", "))
		sam_buf_puts(t, "; ");
	text_metrics(t, a, 1, ", ");
}

static void
describe(const struct alert *al, const struct alert_anomaly *a, struct am_alert *x)
{
	const char *page = text_page_ticker(a);
	struct sam_buf t = { 0 };
	unsigned i;

#define KV(kv, name, ...) (t.len = 0, __VA_ARGS__, kv_add(kv, name, &t))
	KV(&x->labels, "alertname", sam_buf_puts(&t, "StockAnomaly"));
	KV(&x->labels, "ticker", sam_buf_puts(&t, a->an.key.ticker));
	KV(&x->labels, "interval", sam_buf_puts(&t, a->an.key.interval));
	KV(&x->labels, "ts", sam_buf_puts(&t, a->an.key.ts));
	KV(&x->labels, "severity", sam_buf_puts(&t, sam_severity_names[a->an.sev]));

	KV(&x->notes, "summary", summary(a, &t));
	KV(&x->notes, "description", description(a, &t));
	if (a->an.nmetrics) {
		t.len = 0;
		for (i = 0; i < a->an.nmetrics; i++)
			sam_buf_printf(&t, "%s%s", i ? "," : "", a->an.metric[i].name);
		kv_add(&x->notes, "metrics", &t);
	}
	KV(&x->notes, "score", text_double(&t, a->an.score));
	if (a->escalation)
		KV(&x->notes, "previous_severity", sam_buf_puts(&t, sam_severity_names[a->prev_sev]));
	if (a->an.unfinished)
		KV(&x->notes, "final", sam_buf_puts(&t, "false"));
	if (a->an.has_close)
		KV(&x->notes, "close", text_double(&t, a->an.close));
	if (a->an.has_volume)
		KV(&x->notes, "volume", text_volume(&t, a->an.volume, 0));
	if (a->an.has_ret)
		KV(&x->notes, "return", text_double(&t, a->an.ret));
	if (a->an.has_excess)
		KV(&x->notes, "excess", text_double(&t, a->an.excess));
	if (a->an.has_rvol)
		KV(&x->notes, "rvol", text_double(&t, a->an.rvol));
	if (a->an.market[0])
		KV(&x->notes, "market", sam_buf_puts(&t, a->an.market));
	if (a->an.has_p)
		KV(&x->notes, "p", text_double(&t, a->an.p));
	for (i = 0; i < a->an.nmetrics; i++)
		if (a->an.metric[i].has_z) {
			char name[SAM_METRIC_NAME_MAX + 3];
			snprintf(name, sizeof name, "z_%s", a->an.metric[i].name);
			KV(&x->notes, name, text_double(&t, a->an.metric[i].z));
		}
	if (al->dashboard && page)
		KV(&x->notes, "dashboard", dashboard_link(al, page, &t));
#undef KV
	sam_buf_free(&t);
}

/* The labels and annotations of each of v, or NULL (b->err set). */
static struct am_alert *
describe_all(const struct alert *al, struct alert_anomaly *const *v, size_t n, struct sam_buf *b)
{
	struct am_alert *x = calloc(n ? n : 1, sizeof *x);
	size_t i;

	if (!x) {
		b->err = 1;
		return NULL;
	}
	for (i = 0; i < n; i++)
		describe(al, v[i], &x[i]);
	return x;
}

/* An alert's start, as both payloads have it: OPEN, then its labels,
 * annotations and startsAt (the bar's time). */
static void
alert_head(struct sam_buf *b, const char *open, const struct am_alert *x,
    const struct alert_anomaly *a)
{
	sam_buf_puts(b, open);
	sam_buf_puts(b, "\"labels\":");
	kv_write(b, &x->labels, 1, sizeof *x);
	sam_buf_puts(b, ",\"annotations\":");
	kv_write(b, &x->notes, 1, sizeof *x);
	sam_buf_puts(b, ",\"startsAt\":");
	sam_buf_jstr(b, a->an.key.ts, strlen(a->an.key.ts));
}

/* ,"generatorURL":"PAGE" when there is a page to link to; with
 * always set, "" when there is none (the webhook payload always has the
 * field; Alertmanager's API takes a URL or no field). */
static void
generator_url(const struct alert *al, const struct alert_anomaly *a, int always, struct sam_buf *b)
{
	const char *page = text_page_ticker(a);
	struct sam_buf t = { 0 };

	if (al->dashboard && page)
		dashboard_link(al, page, &t);
	if (!t.len && !always)
		return;
	sam_buf_puts(b, ",\"generatorURL\":");
	sam_buf_jstr(b, t.p ? t.p : "", t.len);
	sam_buf_free(&t);
}

/* ---- the webhook's payload ---- */

void
payload_webhook(const struct alert *al, struct alert_anomaly *const *v, size_t n,
    struct sam_buf *b)
{
	struct am_alert *x = describe_all(al, v, n, b);
	size_t i;

	if (!x)
		return;
	sam_buf_puts(b, "{\"version\":\"4\",\"groupKey\":\"{}:{alertname=\\\"StockAnomaly\\\"}\","
	    "\"truncatedAlerts\":0,\"status\":\"firing\",\"receiver\":\"sam\","
	    "\"groupLabels\":{\"alertname\":\"StockAnomaly\"},\"commonLabels\":");
	kv_write(b, &x[0].labels, n, sizeof *x);
	sam_buf_puts(b, ",\"commonAnnotations\":");
	kv_write(b, &x[0].notes, n, sizeof *x);
	sam_buf_puts(b, ",\"externalURL\":");
	sam_buf_jstr(b, al->dashboard ? al->dashboard : "", al->dashboard ? strlen(al->dashboard) : 0);
	sam_buf_puts(b, ",\"alerts\":[");
	for (i = 0; i < n; i++) {
		alert_head(b, i ? ",{\"status\":\"firing\"," : "{\"status\":\"firing\",", &x[i], v[i]);
		/* Alertmanager shows no end of a firing alert */
		sam_buf_puts(b, ",\"endsAt\":\"0001-01-01T00:00:00Z\"");
		generator_url(al, v[i], 1, b);
		sam_buf_printf(b, ",\"fingerprint\":\"%016llx\"}",
		    (unsigned long long)am_fingerprint(&x[i].labels));
	}
	sam_buf_puts(b, "]}");
	free(x);
}

/* ---- Alertmanager's API ---- */

/* An escalation ends the alert it escalates (the same labels, the
 * severity alerted before) at the moment the new one starts firing, so
 * that Alertmanager resolves it instead of firing both until the lower
 * one's endsAt. */
static void
resolve_escalated(const struct alert *al, const struct alert_anomaly *a, const struct am_alert *x,
    const char *at, struct sam_buf *b)
{
	struct sam_buf t = { 0 };
	size_t e;

	sam_buf_puts(b, ",{\"labels\":{");
	for (e = 0; e < x->labels.n; e++) {
		const char *k = x->labels.e[e].k, *v = x->labels.e[e].v;
		if (strcmp(k, "severity") == 0)
			v = sam_severity_names[a->prev_sev];
		sam_buf_puts(b, e ? "," : "");
		sam_buf_jstr(b, k, strlen(k));
		sam_buf_putc(b, ':');
		sam_buf_jstr(b, v, strlen(v));
	}
	sam_buf_printf(&t, "%s %s: escalated from %s to %s", a->an.key.ticker,
	    a->an.key.interval, sam_severity_names[a->prev_sev], sam_severity_names[a->an.sev]);
	sam_buf_puts(b, "},\"annotations\":{\"summary\":");
	sam_buf_jstr(b, t.p ? t.p : "", t.len);
	sam_buf_puts(b, "},\"startsAt\":");
	sam_buf_jstr(b, a->an.key.ts, strlen(a->an.key.ts));
	sam_buf_printf(b, ",\"endsAt\":\"%s\"", at);
	generator_url(al, a, 0, b);
	sam_buf_putc(b, '}');
	sam_buf_free(&t);
}

/* An alert fires until its endsAt: --hold after it was sent (or after
 * its bar's start, for a bar that starts later than now by the clock). */
void
payload_alertmanager(const struct alert *al, struct alert_anomaly *const *v, size_t n,
    struct sam_buf *b)
{
	struct am_alert *x = describe_all(al, v, n, b);
	char from_ts[21], ends[21];
	size_t i;

	if (!x)
		return;
	sam_buf_putc(b, '[');
	for (i = 0; i < n; i++) {
		int64_t from = v[i]->an.key.secs > al->now ? v[i]->an.key.secs : al->now;
		alert_head(b, i ? ",{" : "{", &x[i], v[i]);
		sam_format_ts(ends, from + (int64_t)al->hold);
		sam_buf_printf(b, ",\"endsAt\":\"%s\"", ends);
		generator_url(al, v[i], 0, b);
		sam_buf_putc(b, '}');
		/* not of a severity nothing escalates (SEV_UNKNOWN) */
		if (v[i]->escalation && v[i]->prev_sev < SAM_SEVERITIES) {
			sam_format_ts(from_ts, from);
			resolve_escalated(al, v[i], &x[i], from_ts, b);
		}
	}
	sam_buf_putc(b, ']');
	free(x);
}

char *
alertmanager_endpoint(const char *url)
{
	size_t scheme = strcspn(url, ":") + 3;	/* past "://"; sam_url_check saw it */
	size_t rest = scheme + strcspn(url + scheme, "?#");
	size_t path = rest, len = strlen(url), api = strlen(API_PATH);
	char *out;

	while (path > scheme && url[path - 1] == '/')
		path--;
	if (path - scheme >= api && memcmp(url + path - api, API_PATH, api) == 0)
		api = 0;	/* there already */
	if (!(out = malloc(len + api + 1)))
		return NULL;
	memcpy(out, url, path);
	memcpy(out + path, API_PATH, api);
	memcpy(out + path + api, url + rest, len - rest + 1);
	return out;
}
