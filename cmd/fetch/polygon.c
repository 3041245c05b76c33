/*
 * polygon.c - Polygon.io's aggregates (v2), with a key.
 *
 *   BASE/v2/aggs/ticker/T/range/1/day/FROM/TO?adjusted=true&sort=asc&limit=50000
 *
 * The key goes in an Authorization header, not the URL, so that no
 * log of a proxy or a next_url ever holds it.  The answer holds
 * "results": [{"t": ms, "o", "h", "l", "c", "v", ...}]; a missing or
 * null "results" means no bar.  A longer answer comes in pages, each
 * naming the next in "next_url", which is followed only on the same
 * host.  A daily bar's t is midnight New York of its date.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fetch.h"

char *
polygon_url(const struct fetch *f, const char *ticker)
{
	struct sam_buf b = { 0 };
	int mult = f->minutes ? (f->minutes % 60 ? f->minutes : f->minutes / 60) : 1;
	const char *span = f->minutes == 0 ? "day" : f->minutes % 60 ? "minute" : "hour";

	sam_buf_puts(&b, f->net.base);
	sam_buf_puts(&b, "/v2/aggs/ticker/");
	sam_buf_urlpart(&b, ticker);
	sam_buf_printf(&b, "/range/%d/%s/", mult, span);
	source_put_date(&b, f->from, 1);
	sam_buf_putc(&b, '/');
	source_put_date(&b, f->to, 1);
	sam_buf_puts(&b, "?adjusted=true&sort=asc&limit=50000");
	return source_url_done(&b);
}

/* "status: error" from {"status":"ERROR","error":...} or "message". */
void
polygon_why(const cJSON *root, char *buf, size_t size)
{
	const cJSON *st = source_get(root, "status"), *msg = source_get(root, "error");

	buf[0] = '\0';
	if (!cJSON_IsString(msg))
		msg = source_get(root, "message");
	if (cJSON_IsString(msg))
		snprintf(buf, size, "%s: %s", cJSON_IsString(st) ?
		    st->valuestring : "error", msg->valuestring);
}

static int
number(const cJSON *o, const char *name, double *v)
{
	const cJSON *x = source_get(o, name);

	if (!cJSON_IsNumber(x))
		return -1;
	*v = x->valuedouble;
	return 0;
}

/* One aggregate; 0, or -1 when the job failed. */
static int
aggregate(struct fetch *f, struct job *j, const cJSON *a, int i)
{
	struct bar b = { 0 };
	char where[21];
	double t;

	if (number(a, "t", &t) < 0 || t < -4e12 || t > 4e15) {
		net_reject(f, j, "results[%d]: no time (t)", i);
		return 0;
	}
	source_stamp(f, &b, (int64_t)(t / 1000));
	if (!source_wanted(f, &b))	/* before its prices are read */
		return 0;
	if (number(a, "o", &b.open) < 0 || number(a, "h", &b.high) < 0 ||
	    number(a, "l", &b.low) < 0 || number(a, "c", &b.close) < 0 ||
	    number(a, "v", &b.volume) < 0) {
		sam_format_ts(where, b.ts);
		net_reject(f, j, "%s: o, h, l, c or v missing or not a number", where);
		return 0;
	}
	return source_add(f, j, &b);
}

/* What tells a page's bars from another's: their numbers, hashed;
 * 0 for a page with none. */
static uint64_t
page_hash(const cJSON *results)
{
	static const char *const names[] = { "t", "o", "h", "l", "c", "v" };
	uint64_t h = 0;
	const cJSON *a;
	double v;
	size_t k;

	for (a = cJSON_IsArray(results) ? results->child : NULL; a; a = a->next)
		for (k = 0; k < sizeof names / sizeof names[0]; k++) {
			if (number(a, names[k], &v) < 0)
				v = -0.5;	/* no price is ever that */
			h = sam_hash(&v, sizeof v, h) | 1;
		}
	return h;
}

int
polygon_parse(struct fetch *f, struct job *j)
{
	cJSON *root = cJSON_ParseWithLength(j->body.p, j->body.len);
	const cJSON *results, *a, *next;
	char why[512], ex[SAM_QUOTE_MAX];
	int i = 0, r = PARSE_DONE;

	if (!root) {
		sam_excerpt_scrubbed(ex, sizeof ex, j->body.p, j->body.len, 0);
		return net_fail(f, j, "HTTP %ld: not JSON: %s", j->status, ex);
	}
	results = source_get(root, "results");
	polygon_why(root, why, sizeof why);
	net_scrub_why(why, sizeof why);
	if (why[0] && !results)
		r = net_fail(f, j, "HTTP %ld: %s", j->status, why);
	else if (results && !cJSON_IsNull(results) && !cJSON_IsArray(results))
		r = net_fail(f, j, "HTTP %ld: results is not an array", j->status);
	for (a = results ? results->child : NULL; a && r == PARSE_DONE; a = a->next, i++)
		if (aggregate(f, j, a, i) < 0)
			r = PARSE_FAIL;
	next = source_get(root, "next_url");
	if (r == PARSE_DONE && cJSON_IsString(next) && next->valuestring[0])
		r = net_next_page(f, j, next->valuestring, page_hash(results));
	cJSON_Delete(root);
	return r;
}
