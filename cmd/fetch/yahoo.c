/*
 * yahoo.c - Yahoo Finance's chart API (v8), no key.
 *
 *   BASE/v8/finance/chart/SYM?interval=1d&period1=T0&period2=T1&includePrePost=false
 *
 * The answer is {"chart":{"result":[R],"error":null}} where R holds
 * "timestamp" (UTC seconds, each bar's start) and, in
 * indicators.quote[0], the arrays open, high, low, close and volume.
 * A bar Yahoo has no trade for is null in those arrays: it is skipped
 * with a warning.  Failures come as {"chart":{"result":null,"error":
 * {"code":...,"description":...}}}, with HTTP 200 as well as 404.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fetch.h"

char *
yahoo_url(const struct fetch *f, const char *ticker)
{
	struct sam_buf b = { 0 };

	sam_buf_puts(&b, f->net.base);
	sam_buf_puts(&b, "/v8/finance/chart/");
	sam_buf_urlpart(&b, ticker);
	sam_buf_printf(&b, "?interval=%s&period1=%lld&period2=%lld&includePrePost=false",
	    f->interval, (long long)sam_ny_to_utc(f->from, 0),
	    (long long)sam_ny_to_utc(f->to + 1, 0));
	return source_url_done(&b);
}

/* chart.error as "code: description"; empty if there is none. */
void
yahoo_why(const cJSON *root, char *buf, size_t size)
{
	const cJSON *e = source_get(source_get(root, "chart"), "error");
	const cJSON *code, *desc;

	buf[0] = '\0';
	if (!cJSON_IsObject(e))
		return;
	code = source_get(e, "code");
	desc = source_get(e, "description");
	snprintf(buf, size, "%s: %s",
	    cJSON_IsString(code) ? code->valuestring : "error",
	    cJSON_IsString(desc) ? desc->valuestring : "(no description)");
}

enum { Q_OPEN, Q_HIGH, Q_LOW, Q_CLOSE, Q_VOLUME, Q_N };
static const char *const qnames[Q_N] = { "open", "high", "low", "close", "volume" };

/* The bars of one result; 0, or -1 after net_fail(). */
static int
bars(struct fetch *f, struct job *j, const cJSON *result)
{
	const cJSON *stamps = source_get(result, "timestamp"), *quote, *col[Q_N], *t;
	const cJSON *cell[Q_N];
	char where[21];
	int64_t first_null = 0;
	unsigned long nulls = 0;
	int n, i, k;

	if (!stamps)		/* no bar in the range */
		return 0;
	quote = cJSON_GetArrayItem(source_get(source_get(result, "indicators"), "quote"), 0);
	if (!cJSON_IsArray(stamps) || !cJSON_IsObject(quote))
		return net_fail(f, j, "HTTP %ld: no timestamp array or no "
		    "indicators.quote", j->status), -1;
	n = cJSON_GetArraySize(stamps);
	for (k = 0; k < Q_N; k++)
		if (!cJSON_IsArray(col[k] = source_get(quote, qnames[k])) ||
		    cJSON_GetArraySize(col[k]) != n)
			return net_fail(f, j, "HTTP %ld: indicators.quote %s is "
			    "missing or not as long as timestamp", j->status,
			    qnames[k]), -1;
	/* The arrays are walked side by side: cJSON_GetArrayItem() would
	 * walk each list from its head, once a bar. */
	for (k = 0; k < Q_N; k++)
		cell[k] = col[k]->child;
	for (i = 0, t = stamps->child; t; t = t->next, i++) {
		struct bar b = { 0 };
		double v[Q_N];
		int null = 0, wanted;
		/* Yahoo stamps days before 1970 with negative seconds. */
		if (!cJSON_IsNumber(t) || t->valuedouble < -4e9 || t->valuedouble > 4e12)
			return net_fail(f, j, "HTTP %ld: timestamp %d is not a time",
			    j->status, i), -1;
		/* Yahoo stamps a day with its open, or the last trade while
		 * it is open. */
		source_stamp(f, &b, (int64_t)t->valuedouble);
		wanted = source_wanted(f, &b);
		for (k = 0; k < Q_N; k++) {
			const cJSON *x = cell[k];
			cell[k] = x->next;
			if (!wanted || null == 2)
				continue;
			if (cJSON_IsNull(x)) {
				null = 1;
			} else if (cJSON_IsNumber(x)) {
				v[k] = x->valuedouble;
			} else {
				sam_format_ts(where, b.ts);
				net_reject(f, j, "%s: %s is not a number", where, qnames[k]);
				null = 2;
			}
		}
		if (wanted && null == 1 && nulls++ == 0)
			first_null = b.ts;
		if (!wanted || null)
			continue;
		b.open = v[Q_OPEN];
		b.high = v[Q_HIGH];
		b.low = v[Q_LOW];
		b.close = v[Q_CLOSE];
		b.volume = v[Q_VOLUME];
		if (source_add(f, j, &b) < 0)
			return -1;
	}
	if (nulls) {
		sam_format_ts(where, first_null);
		net_warn(f, j, "%lu bar%s with null quotes skipped (the first %s)",
		    nulls, nulls == 1 ? "" : "s", where);
	}
	return 0;
}

int
yahoo_parse(struct fetch *f, struct job *j)
{
	cJSON *root = cJSON_ParseWithLength(j->body.p, j->body.len);
	const cJSON *result;
	char why[512], ex[SAM_QUOTE_MAX];

	if (!root) {
		sam_excerpt_scrubbed(ex, sizeof ex, j->body.p, j->body.len, 0);
		return net_fail(f, j, "HTTP %ld: not JSON (an outage page?): %s",
		    j->status, ex);
	}
	yahoo_why(root, why, sizeof why);
	net_scrub_why(why, sizeof why);
	result = cJSON_GetArrayItem(source_get(source_get(root, "chart"), "result"), 0);
	if (why[0])
		net_fail(f, j, "HTTP %ld: %s", j->status, why);
	else if (!cJSON_IsObject(result))
		net_fail(f, j, "HTTP %ld: no chart.result in the response", j->status);
	else
		bars(f, j, result);
	cJSON_Delete(root);
	return j->failed ? PARSE_FAIL : PARSE_DONE;
}
