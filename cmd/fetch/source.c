/*
 * source.c - the data providers sam-fetch reaches over HTTPS, and the
 * run that turns a watch list into their requests.
 *
 * Alpha Vantage, Stooq and csv:https answer in CSV, which csv.c reads;
 * Yahoo (yahoo.c) and Polygon (polygon.c) answer in JSON.  Alpha
 * Vantage and Stooq report errors and throttling with HTTP 200 and a
 * body that is not CSV: those bodies are errors, never data.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "fetch.h"

#define AGENT "sam-fetch/" SAM_VERSION
/* Yahoo answers clients that look like scripts with 429 at once. */
#define BROWSER "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

void
source_stamp(const struct fetch *f, struct bar *b, int64_t instant)
{
	b->date = sam_ny_date(instant);
	b->ts = f->minutes ? instant : sam_ny_to_utc(b->date, SAM_NYSE_OPEN_MINUTE);
}

int
source_wanted(const struct fetch *f, const struct bar *b)
{
	int64_t minute;

	if (!fetch_in_range(f, b->date) || b->ts > f->now)
		return 0;
	if (f->minutes == 0)
		return 1;
	minute = (b->ts - sam_ny_to_utc(b->date, 0)) / 60;
	return minute >= SAM_NYSE_OPEN_MINUTE && minute < sam_nyse_close(b->date, NULL);
}

int
source_add(struct fetch *f, struct job *j, const struct bar *b)
{
	char why_buf[128], where[21];
	const char *why;
	struct bar *nb;

	if ((why = fetch_check_bar(b, why_buf, sizeof why_buf))) {
		sam_format_ts(where, b->ts);	/* only when it is said */
		net_reject(f, j, "%s: %s", where, why);
		return 0;
	}
	if (!(nb = fetch_add_bar(f)))
		return net_fail(f, j, "out of memory"), -1;
	*nb = *b;
	if (fetch_ticker_index(f, j->ticker, &nb->ticker) < 0) {
		f->nbars--;
		return net_fail(f, j, "out of memory"), -1;
	}
	j->nbars++;
	return 0;
}

/* A member of a JSON object; NULL if o is not one or has none. */
cJSON *
source_get(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

/* ---- URLs ---- */

void
source_put_date(struct sam_buf *b, int64_t days, int dashes)
{
	char d[11];

	sam_format_date(d, days);
	if (dashes) {
		sam_buf_puts(b, d);
	} else {
		sam_buf_put(b, d, 4);
		sam_buf_put(b, d + 5, 2);
		sam_buf_put(b, d + 8, 2);
	}
}

char *
source_url_done(struct sam_buf *b)
{
	sam_buf_putc(b, '\0');
	if (b->err) {
		sam_buf_free(b);
		return NULL;
	}
	return b->p;
}

/*
 * Alpha Vantage: TIME_SERIES_DAILY keeps the latest 100 days on the
 * free tier ("compact"); "full" history is a premium feature, asked for
 * only when the range reaches further back.
 */
static char *
alphavantage_url(const struct fetch *f, const char *ticker)
{
	struct sam_buf b = { 0 };
	int64_t d, n = 0;

	sam_buf_puts(&b, f->net.base);
	if (f->minutes == 0) {
		for (d = sam_ny_date(f->now); d > f->from && n <= 100; d = sam_nyse_prev(d - 1))
			n++;
		sam_buf_puts(&b, "/query?function=TIME_SERIES_DAILY&symbol=");
		sam_buf_urlpart(&b, ticker);
		sam_buf_printf(&b, "&outputsize=%s", n > 100 ? "full" : "compact");
	} else {
		sam_buf_puts(&b, "/query?function=TIME_SERIES_INTRADAY&symbol=");
		sam_buf_urlpart(&b, ticker);
		sam_buf_printf(&b, "&interval=%dmin&outputsize=full&extended_hours=false",
		    f->minutes);
	}
	sam_buf_puts(&b, "&datatype=csv&apikey=");
	sam_buf_urlpart(&b, f->net.key);
	return source_url_done(&b);
}

/* Stooq names US shares AAPL.US and indices ^SPX, all lower case. */
static char *
stooq_url(const struct fetch *f, const char *ticker)
{
	struct sam_buf b = { 0 };
	char sym[SAM_TICKER_MAX + 4];
	size_t i;

	for (i = 0; ticker[i]; i++)
		sym[i] = (char)tolower((unsigned char)ticker[i]);
	sym[i] = '\0';
	if (ticker[0] != '^' && !strchr(ticker, '.'))
		strcat(sym, ".us");
	sam_buf_puts(&b, f->net.base);
	sam_buf_puts(&b, "/q/d/l/?s=");
	sam_buf_urlpart(&b, sym);
	sam_buf_puts(&b, "&i=d&d1=");
	source_put_date(&b, f->from, 0);
	sam_buf_puts(&b, "&d2=");
	source_put_date(&b, f->to, 0);
	sam_buf_puts(&b, "&apikey=");
	sam_buf_urlpart(&b, f->net.key);
	return source_url_done(&b);
}

/* ---- bodies ---- */

static const char *
skip_space(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* Alpha Vantage's JSON instead of CSV: Error Message, Note (throttled)
 * or Information (daily limit, premium only). */
static int
alphavantage_parse(struct fetch *f, struct job *j)
{
	static const char *const keys[] = { "Error Message", "Note", "Information", NULL };
	char ex[SAM_QUOTE_MAX];
	cJSON *root, *v;
	int k;

	if (*skip_space(j->body.p) != '{')
		return csv_parse_mem(f, j, "alphavantage");
	if (!(root = cJSON_ParseWithLength(j->body.p, j->body.len))) {
		sam_excerpt_scrubbed(ex, sizeof ex, j->body.p, j->body.len, 0);
		return net_fail(f, j, "HTTP %ld: neither CSV nor JSON: %s", j->status, ex);
	}
	for (k = 0; keys[k]; k++)
		if ((v = cJSON_GetObjectItemCaseSensitive(root, keys[k])) &&
		    cJSON_IsString(v)) {
			net_fail(f, j, "HTTP %ld: %s: %s", j->status, keys[k], v->valuestring);
			cJSON_Delete(root);
			return PARSE_FAIL;
		}
	cJSON_Delete(root);
	sam_excerpt_scrubbed(ex, sizeof ex, j->body.p, j->body.len, 0);
	return net_fail(f, j, "HTTP %ld: JSON instead of CSV: %s", j->status, ex);
}

/* Stooq's CSV starts with its header; anything else is a message: "No
 * data", "Exceeded the daily hits limit", or a page asking for a key. */
static int
stooq_parse(struct fetch *f, struct job *j)
{
	const char *s = skip_space(j->body.p);
	char ex[SAM_QUOTE_MAX];

	if (strncmp(s, "Date,", 5) == 0)
		return csv_parse_mem(f, j, "stooq");
	sam_excerpt_scrubbed(ex, sizeof ex, s, strlen(s), 0);
	if (strstr(s, "apikey"))
		return net_fail(f, j, "HTTP %ld: stooq asks for an API key (is "
		    "the key right?): %s", j->status, ex);
	if (*s == '<')
		return net_fail(f, j, "HTTP %ld: an HTML page, not CSV: %s", j->status, ex);
	return net_fail(f, j, "HTTP %ld: %s", j->status, ex);
}

static int
csv_https_parse(struct fetch *f, struct job *j)
{
	return csv_parse_mem(f, j, j->shown);
}

/* ---- the table ---- */

static const struct source sources[] = {
	{ "yahoo", "https://query1.finance.yahoo.com", "SAM_YAHOO_URL", NULL, "30/m", BROWSER, 0,
	  yahoo_url, yahoo_parse, yahoo_why },
	{ "alphavantage", "https://www.alphavantage.co", "SAM_ALPHAVANTAGE_URL",
	  "SAM_ALPHAVANTAGE_KEY",
	  "5/m", AGENT, 0, alphavantage_url, alphavantage_parse, NULL },
	{ "polygon", "https://api.polygon.io", "SAM_POLYGON_URL", "SAM_POLYGON_KEY", "5/m", AGENT, 0,
	  polygon_url, polygon_parse, polygon_why },
	{ "stooq", "https://stooq.com", "SAM_STOOQ_URL", "SAM_STOOQ_KEY", "60/m", AGENT, 1,
	  stooq_url, stooq_parse, NULL },
	{ "csv", NULL, NULL, NULL, "none", AGENT, 0, NULL, csv_https_parse, NULL },
};

const char source_names[] = "mock, yahoo, alphavantage, polygon, stooq, "
    "csv:PATH or csv:https://URL";

const struct source *
source_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof sources / sizeof sources[0]; i++)
		if (strcmp(sources[i].name, name) == 0)
			return &sources[i];
	return NULL;
}

/* ---- the run ---- */

static void
free_jobs(struct job *jobs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(jobs[i].url);
		free(jobs[i].shown);
		free(jobs[i].seen);
		sam_buf_free(&jobs[i].body);
	}
	free(jobs);
}

/* Every named ticker's request (or the file's), run to the end. */
int
source_fetch(struct fetch *f, const char *url)
{
	const struct source *src = f->net.src;
	size_t n = url ? 1 : f->nwant, i;
	struct job *jobs = calloc(n ? n : 1, sizeof *jobs);
	char from[11], to[11];

	if (!jobs || curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		free(jobs);
		sam_fatal_errno("set up libcurl");
		return f->status = SAM_EXIT_RUNTIME;
	}
	for (i = 0; i < n; i++) {
		struct job *j = &jobs[i];
		j->ticker = url ? NULL : f->want[i];
		j->url = url ? strdup(url) : src->url(f, j->ticker);
		if (!j->url || (url && !(j->shown = sam_url_shown(url)))) {
			sam_fatal_errno("build a request");
			f->status = SAM_EXIT_RUNTIME;
			goto out;
		}
	}
	if (net_run(f, jobs, n) < 0) {
		sam_fatal_errno("run the requests");
		f->status = SAM_EXIT_RUNTIME;
		goto out;
	}
	sam_format_date(from, f->from);
	sam_format_date(to, f->to);
	for (i = 0; i < n; i++)
		if (jobs[i].ticker && !jobs[i].failed && jobs[i].nbars == 0)
			net_fail(f, &jobs[i], "no bars from %s to %s", from, to);
out:
	free_jobs(jobs, n);
	curl_global_cleanup();
	return f->status;
}

/* ---- the key ---- */

/* A key goes into a URL or a header: printable ASCII, no blank.  The
 * providers' keys are 16 to 32 characters; a short one is a mistake,
 * and could not be hidden in messages without mangling them. */
static int
key_ok(const char *k)
{
	if (strlen(k) < 8)
		return 0;
	for (; *k; k++)
		if (*k <= ' ' || *k > '~')
			return 0;
	return 1;
}

int
source_key(struct fetch *f, const char *key_file)
{
	const struct source *src = f->net.src;
	const char *env;
	char header[600];

	if (!src->key_env) {
		if (key_file)
			sam_log(SAM_ERROR, NULL, 0, "--key-file: %s takes no key", src->name);
		return key_file ? SAM_EXIT_USAGE : 0;
	}
	if (key_file) {
		if (!(f->net.key = sam_read_secret(key_file, "key file")))
			return SAM_EXIT_USAGE;
		env = key_file;
	} else if ((env = getenv(src->key_env)) && *env) {
		if (!(f->net.key = strdup(env))) {
			sam_fatal_errno("read %s", src->key_env);
			return SAM_EXIT_RUNTIME;
		}
		env = src->key_env;
	} else {
		sam_log(SAM_ERROR, NULL, 0, "%s needs an API key: set %s, or "
		    "give --key-file", src->name, src->key_env);
		return SAM_EXIT_USAGE;
	}
	if (!key_ok(f->net.key)) {
		sam_log(SAM_ERROR, NULL, 0, "%s: the key is shorter than 8 "
		    "characters or holds blanks or control characters", env);
		return SAM_EXIT_USAGE;
	}
	if (sam_secret_add(f->net.key, strlen(f->net.key)) < 0) {
		sam_fatal_errno("read the key");
		return SAM_EXIT_RUNTIME;
	}
	if (strcmp(src->name, "polygon") == 0) {
		struct curl_slist *h;
		snprintf(header, sizeof header, "Authorization: Bearer %s", f->net.key);
		if (!(h = curl_slist_append(NULL, header))) {
			sam_fatal_errno("read the key");
			return SAM_EXIT_RUNTIME;
		}
		f->net.headers = h;
	}
	return 0;
}

void
source_free(struct fetch *f)
{
	sam_free_secret(f->net.key);
	sam_secrets_clear();
	curl_slist_free_all(f->net.headers);
}
