/*
 * api.c - the JSON API as files: /health, /anomalies (and by severity),
 * /anomalies/{ticker}.  Records go out as they are stored, byte for
 * byte; only the envelope around them is written here.
 */
#include <stdlib.h>
#include <string.h>

#include "site.h"

/*
 * Health, from the last run record: "stale" when a run slot passed
 * (with the grace) since the last run started, or there is no run on
 * record; else "failing" when it failed; else "degraded" when dead
 * letters wait or a stage rejected records; else "ok".
 */
const char *
site_health(const struct site *s, int64_t *stale_after)
{
	*stale_after = -1;
	if (!s->run.have)
		return "stale";
	*stale_after = sam_nyse_next_slot(s->run.start) + (int64_t)s->stale_grace;
	if (s->now > *stale_after)
		return "stale";
	if (!s->run.ok)
		return "failing";
	if (s->dlq_depth || s->run.partial)
		return "degraded";
	return "ok";
}

static void
put_ts(struct sam_buf *b, int64_t t)
{
	char ts[21];

	if (t < 0) {
		sam_buf_puts(b, "null");
		return;
	}
	sam_format_ts(ts, t);
	sam_buf_printf(b, "\"%s\"", ts);
}

static void
put_date(struct sam_buf *b, int64_t day)
{
	char date[11];

	if (day < 0) {
		sam_buf_puts(b, "null");
		return;
	}
	sam_format_date(date, day);
	sam_buf_printf(b, "\"%s\"", date);
}

static void
put_records(struct sam_buf *b, const struct anomaly *const *v, size_t n)
{
	size_t i;

	sam_buf_printf(b, "\"count\":%zu,\"anomalies\":[", n);
	for (i = 0; i < n; i++) {
		if (i)
			sam_buf_putc(b, ',');
		sam_buf_put(b, v[i]->line, v[i]->len);
	}
	sam_buf_puts(b, "]}\n");
}

/* Newest first; at the same time the highest score, then by ticker. */
static int
latest_cmp(const void *pa, const void *pb)
{
	const struct anomaly *a = *(const struct anomaly *const *)pa;
	const struct anomaly *b = *(const struct anomaly *const *)pb;

	if (a->secs != b->secs)
		return a->secs > b->secs ? -1 : 1;
	if (a->ns != b->ns)
		return a->ns > b->ns ? -1 : 1;
	if (a->an.score != b->an.score)
		return a->an.score > b->an.score ? -1 : 1;
	if (a->imin != b->imin)
		return a->imin > b->imin ? -1 : 1;
	return strcmp(a->ticker, b->ticker);
}

/* The anomalies of the newest day at min_sev or above, newest first;
 * malloc'ed, NULL (with *n 0) when there are none or no memory. */
const struct anomaly **
site_latest(const struct site *s, int min_sev, size_t *n)
{
	const struct anomaly **v;
	size_t i;

	*n = 0;
	if (!s->na || !(v = malloc(s->na * sizeof *v)))
		return NULL;
	for (i = 0; i < s->na; i++)
		if (s->a[i].sev >= min_sev && sam_ny_date(s->a[i].secs) == s->latest)
			v[(*n)++] = &s->a[i];
	if (*n)
		qsort(v, *n, sizeof *v, latest_cmp);
	return v;
}

void
api_anomalies(const struct site *s, int min_sev, struct sam_buf *b)
{
	size_t n;
	const struct anomaly **v = site_latest(s, min_sev, &n);

	if (s->na && !v)
		b->err = 1;
	sam_buf_puts(b, "{\"date\":");
	put_date(b, s->latest);
	sam_buf_puts(b, ",\"generated_at\":");
	put_ts(b, s->now);
	sam_buf_puts(b, ",\"min_severity\":");
	if (min_sev >= 0)
		sam_buf_printf(b, "\"%s\"", sam_severity_names[min_sev]);
	else
		sam_buf_puts(b, "null");
	sam_buf_putc(b, ',');
	put_records(b, v, n);
	free(v);
}

void
api_ticker(const struct site *s, const struct ticker *t, struct sam_buf *b)
{
	const struct anomaly **v = NULL;
	size_t i;

	if (t->n && !(v = malloc(t->n * sizeof *v)))
		b->err = 1;
	for (i = 0; v && i < t->n; i++)
		v[i] = &s->a[t->first + i];
	sam_buf_printf(b, "{\"ticker\":\"%s\",\"from\":", t->name);
	put_date(b, s->latest < 0 ? -1 : s->latest - (int64_t)s->days + 1);
	sam_buf_puts(b, ",\"to\":");
	put_date(b, s->latest);
	sam_buf_puts(b, ",\"generated_at\":");
	put_ts(b, s->now);
	sam_buf_putc(b, ',');
	put_records(b, v, v ? t->n : 0);
	free(v);
}

void
api_health(const struct site *s, struct sam_buf *b)
{
	int64_t stale_after, last;
	const char *status = site_health(s, &stale_after);
	unsigned long window = 0;
	int i;

	sam_buf_printf(b, "{\"status\":\"%s\",\"generated_at\":", status);
	put_ts(b, s->now);
	sam_buf_puts(b, ",\"last_run\":");
	if (s->run.have)
		sam_buf_put(b, s->run.line, s->run.len);
	else
		sam_buf_puts(b, "null");
	last = s->run.end >= 0 ? s->run.end : s->run.start;
	sam_buf_puts(b, ",\"last_run_age_s\":");
	if (s->run.have && last >= 0)
		sam_buf_int(b, s->now - last);
	else
		sam_buf_puts(b, "null");
	sam_buf_puts(b, ",\"stale_after\":");
	put_ts(b, stale_after);
	sam_buf_puts(b, ",\"latest_date\":");
	put_date(b, s->latest);
	sam_buf_printf(b, ",\"tickers\":%zu,\"anomalies\":{\"latest\":{", s->nt);
	for (i = 0; i < SAM_SEVERITIES; i++) {
		sam_buf_printf(b, "%s\"%s\":%u", i ? "," : "", sam_severity_names[i],
		    s->latest_by_sev[i]);
		window += s->latest_by_sev[i];
	}
	sam_buf_printf(b, "},\"latest_total\":%lu,\"days\":%lu,\"window_total\":%zu},"
	    "\"dlq_depth\":%lu,\"version\":\"%s\"}\n", window, s->days, s->na,
	    s->dlq_depth, SAM_VERSION);
}
