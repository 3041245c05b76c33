/*
 * net.c - requests to a data provider with libcurl's multi interface.
 *
 * Every ticker is one job (csv:https is one job for the whole file).
 * Up to -j jobs are in flight at once, and no more than --rate requests
 * start in any window of the rate's period, retries included, so a
 * free tier's limit holds however the jobs interleave.  A job that
 * fails for a reason that may pass is tried again as libz/retry.c's
 * one policy says (after 1 s and 2 s, or what a 429's Retry-After
 * asks, up to a cap; each with jitter).  A job's bars stand only if every
 * page of it arrived and parsed: a failed job takes its bars back out.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "fetch.h"

#define BODY_MAX (64L * 1024 * 1024)	/* a bigger response is refused */
#define REDIRECTS_MAX 5

/* ---- messages: every one names the provider and the ticker, and none
 * ever shows the key ---- */

static void say(struct fetch *, const struct job *, enum sam_level,
    const char *fmt, va_list) SAM_PRINTF(4, 0);

static void
say(struct fetch *f, const struct job *j, enum sam_level level,
    const char *fmt, va_list ap)
{
	char msg[1536];
	int n = vsnprintf(msg, sizeof msg, fmt, ap);

	/* the logger scrubs every message; a cut one only this function
	 * knows to be cut, so that a secret's first bytes at its end go */
	if (n < 0 || (size_t)n >= sizeof msg)
		sam_scrub(msg, sizeof msg, 1);
	if (j->ticker)
		sam_log(level, NULL, 0, "%s: %s: %s", f->net.src->name, j->ticker, msg);
	else
		sam_log(level, NULL, 0, "%s: %s", j->shown, msg);
}

void
net_warn(struct fetch *f, const struct job *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(f, j, SAM_WARNING, fmt, ap);
	va_end(ap);
}

void
net_reject(struct fetch *f, const struct job *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(f, j, SAM_ERROR, fmt, ap);
	va_end(ap);
	f->rejected++;
	if (f->status == SAM_EXIT_OK)
		f->status = SAM_EXIT_REJECT;
}

int
net_fail(struct fetch *f, struct job *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(f, j, SAM_ERROR, fmt, ap);
	va_end(ap);
	j->failed = 1;
	if (j->ticker)
		fetch_drop_ticker(f, j->ticker);
	else
		f->nbars = 0;	/* the file's one job */
	j->nbars = 0;
	if (f->status < SAM_EXIT_RUNTIME)
		f->status = SAM_EXIT_RUNTIME;
	return PARSE_FAIL;
}

void
net_scrub_why(char *why, size_t size)
{
	sam_scrub(why, size, strlen(why) + 1 >= size);
}

/* ---- pages ---- */

#define PAGES_MAX 1000

int
net_next_page(struct fetch *f, struct job *j, const char *next, uint64_t page)
{
	uint64_t url = sam_hash(next, strlen(next), 0), *seen;
	unsigned k, n = j->pages + 1;	/* this page's number */
	char *copy;

	if (!sam_url_same_origin(next, j->url))
		return net_fail(f, j, "next_url leads to another host: not followed");
	if (n >= PAGES_MAX)
		return net_fail(f, j, "more than %d pages", PAGES_MAX);
	if (!(seen = realloc(j->seen, 2 * n * sizeof *seen)))
		return net_fail(f, j, "out of memory");
	j->seen = seen;
	seen[2 * (n - 1)] = sam_hash(j->url, strlen(j->url), 0);
	seen[2 * (n - 1) + 1] = page;
	for (k = 0; k < n; k++)
		if (seen[2 * k] == url)
			return net_fail(f, j, "next_url of page %u leads back to "
			    "page %u: a loop, not followed", n, k + 1);
	for (k = 0; page && k + 1 < n; k++)
		if (seen[2 * k + 1] == page)
			return net_fail(f, j, "page %u holds the same bars as page "
			    "%u: a loop, not followed", n, k + 1);
	if (!(copy = strdup(next)))
		return net_fail(f, j, "out of memory");
	free(j->url);
	j->url = copy;
	return PARSE_NEXT;
}

/* ---- one attempt ---- */

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct job *j = arg;

	n *= size;
	if (j->body.len + n > (size_t)BODY_MAX) {
		j->too_big = 1;
		return 0;	/* libcurl stops: CURLE_WRITE_ERROR */
	}
	sam_buf_put(&j->body, data, n);
	return j->body.err ? 0 : n;
}

static CURL *
start(struct fetch *f, CURLM *multi, struct job *j)
{
	const struct net *net = &f->net;
	int plain = strncmp(j->url, "http:", 5) == 0;
	CURL *e = curl_easy_init();

	if (!e)
		return NULL;
	j->body.len = 0;
	j->body.err = 0;
	j->too_big = 0;
	j->status = 0;
	curl_easy_setopt(e, CURLOPT_URL, j->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	/* Signals on: libcurl then ignores SIGPIPE while it writes to a
	 * socket the server closed.  Its resolver is threaded (AsynchDNS),
	 * so no alarm is used for DNS timeouts. */
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 0L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, plain ? "http" : "https");
	/* A redirect never leaves https; plain http is not followed. */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, plain ? 0L : 1L);
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)REDIRECTS_MAX);
	curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, net->connect_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, net->timeout_ms);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)BODY_MAX);
	curl_easy_setopt(e, CURLOPT_USERAGENT, net->src->user_agent);
	if (net->headers)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, net->headers);
	if (curl_multi_add_handle(multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		return NULL;
	}
	j->attempts++;
	return e;
}

/* ---- the outcome of an attempt ---- */

/* What went wrong in a transfer, in a user's words. */
static void
transfer_error(const struct fetch *f, const struct job *j, CURLcode rc,
    char *buf, size_t size)
{
	switch (rc) {
	case CURLE_PARTIAL_FILE:
		snprintf(buf, size, "truncated response (%zu bytes, then the "
		    "connection closed)", j->body.len);
		break;
	case CURLE_FILESIZE_EXCEEDED:
	case CURLE_WRITE_ERROR:
		if (j->too_big || rc == CURLE_FILESIZE_EXCEEDED)
			snprintf(buf, size, "response larger than %ld MiB", BODY_MAX >> 20);
		else
			snprintf(buf, size, "out of memory");
		break;
	default:
		sam_curl_error(rc, f->net.timeout_ms, buf, size);
		break;
	}
}

static void
attempts_note(const struct job *j, char *buf, size_t size)
{
	if (j->attempts > 1)
		snprintf(buf, size, " after %u attempts", j->attempts);
	else
		buf[0] = '\0';
}

/* Schedules another attempt, as libz/retry.c's policy says, or says
 * why not; 1 if one is scheduled. */
static int
retry(struct fetch *f, struct job *j, const char *what, CURLcode rc, CURL *e)
{
	const struct net *net = &f->net;
	const struct sam_retry policy = { net->retries, net->retry_wait_ms };
	enum sam_retry_verdict v;
	int64_t wait;

	v = sam_retry_next(&policy, j->attempts, rc, j->status, sam_curl_retry_after(e), &wait);
	if (v == SAM_RETRY_NO)
		return 0;
	if (v == SAM_RETRY_TOO_LONG) {
		net_warn(f, j, "%s, and Retry-After asks for %lld s (more than "
		    "%d s): not retrying", what, (long long)wait / 1000, SAM_RETRY_AFTER_CAP);
		return 0;
	}
	net_warn(f, j, "%s, retrying in %g s%s (attempt %u of %lu)", what,
	    wait / 1000.0, v == SAM_RETRY_AFTER ? " (Retry-After)" : "", j->attempts + 1,
	    net->retries + 1);
	j->not_before = sam_mono_ms() + sam_retry_jitter(wait);
	return 1;
}

static void
finished(struct fetch *f, struct job *j, CURL *e, CURLcode rc)
{
	char what[256], note[32], ex[SAM_QUOTE_MAX], why[256];
	int r;

	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &j->status);
	if (rc != CURLE_OK) {
		transfer_error(f, j, rc, what, sizeof what);
		if (retry(f, j, what, rc, e))
			return;
		attempts_note(j, note, sizeof note);
		net_fail(f, j, "%s%s", what, note);
		j->done = 1;
		return;
	}
	sam_buf_putc(&j->body, '\0');	/* parsers get a string */
	j->body.len--;
	if (j->body.err) {
		net_fail(f, j, "out of memory");
		j->done = 1;
		return;
	}
	if (j->status / 100 != 2) {
		snprintf(what, sizeof what, "HTTP %ld", j->status);
		if (retry(f, j, what, rc, e))
			return;
		attempts_note(j, note, sizeof note);
		why[0] = '\0';
		if (f->net.src->why) {
			cJSON *root = cJSON_ParseWithLength(j->body.p, j->body.len);
			if (root)
				f->net.src->why(root, why, sizeof why);
			cJSON_Delete(root);
			net_scrub_why(why, sizeof why);
		}
		if (!why[0]) {
			sam_excerpt_scrubbed(ex, sizeof ex, j->body.p, j->body.len, 0);
			snprintf(why, sizeof why, "%s", ex);
		}
		net_fail(f, j, "%s%s: %s%s", what, note, why, j->status == 429 ?
		    " (the provider limits requests: lower --rate or -j, or wait)" : "");
		j->done = 1;
		return;
	}
	r = f->net.src->parse(f, j);
	if (r == PARSE_NEXT) {		/* j->url is the next page */
		j->attempts = 0;
		j->pages++;
		j->not_before = 0;
		return;
	}
	j->done = 1;
}

/* ---- the loop ---- */

/* The deadline passed: every job not done fails, by name, its
 * transfer stopped; the jobs done keep their bars. */
static void
deadline_passed(struct fetch *f, CURLM *multi, struct job *jobs, size_t njobs)
{
	char pages[48];
	size_t i;

	for (i = 0; i < njobs; i++) {
		struct job *j = &jobs[i];
		if (j->done)
			continue;
		if (j->easy) {
			curl_multi_remove_handle(multi, j->easy);
			curl_easy_cleanup(j->easy);
			j->easy = NULL;
		}
		pages[0] = '\0';
		if (j->pages)
			snprintf(pages, sizeof pages, ", after %u page%s", j->pages,
			    j->pages == 1 ? "" : "s");
		net_fail(f, j, "not done when the deadline passed (--deadline %g s)%s",
		    f->net.deadline_ms / 1000.0, pages);
		j->done = 1;
	}
}

/* The earliest time the rate lets another request start. */
static int64_t
rate_next(const struct net *net, const int64_t *starts, size_t nstarts)
{
	if (!net->rate_n || nstarts < net->rate_n)
		return 0;
	return starts[nstarts % net->rate_n] + net->rate_ms;
}

/* Runs every job to the end. 0, or -1 if libcurl could not be set up. */
int
net_run(struct fetch *f, struct job *jobs, size_t njobs)
{
	const struct net *net = &f->net;
	CURLM *multi = curl_multi_init();
	int64_t *starts = calloc(net->rate_n ? net->rate_n : 1, sizeof *starts);
	size_t nstarts = 0, left = njobs, running = 0, i;
	int still, status = 0;
	int64_t deadline = net->deadline_ms ? sam_mono_ms() + net->deadline_ms : 0;

	if (!multi || !starts) {
		curl_multi_cleanup(multi);
		free(starts);
		return -1;
	}
	while (left) {
		int64_t now = sam_mono_ms(), wake = now + 1000, slot;
		CURLMsg *m;
		if (deadline && now >= deadline) {
			deadline_passed(f, multi, jobs, njobs);
			break;
		}
		if (deadline && deadline < wake)
			wake = deadline;
		for (i = 0; i < njobs && running < net->jobs; i++) {
			struct job *j = &jobs[i];
			if (j->done || j->easy || j->not_before > now)
				continue;
			if ((slot = rate_next(net, starts, nstarts)) > now) {
				if (slot < wake)
					wake = slot;
				break;
			}
			if (!(j->easy = start(f, multi, j))) {
				status = -1;
				goto out;
			}
			starts[nstarts++ % (net->rate_n ? net->rate_n : 1)] = now;
			running++;
		}
		for (i = 0; i < njobs; i++)
			if (!jobs[i].done && !jobs[i].easy && jobs[i].not_before > now &&
			    jobs[i].not_before < wake)
				wake = jobs[i].not_before;
		curl_multi_perform(multi, &still);
		while ((m = curl_multi_info_read(multi, &still))) {
			struct job *j;
			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
			curl_multi_remove_handle(multi, m->easy_handle);
			finished(f, j, m->easy_handle, m->data.result);
			curl_easy_cleanup(m->easy_handle);
			j->easy = NULL;
			running--;
			if (j->done)
				left--;
			wake = now;	/* another may start at once */
		}
		if (left && wake > now)
			curl_multi_poll(multi, NULL, 0, (int)(wake - now), NULL);
	}
out:
	for (i = 0; i < njobs; i++)
		if (jobs[i].easy) {
			curl_multi_remove_handle(multi, jobs[i].easy);
			curl_easy_cleanup(jobs[i].easy);
			jobs[i].easy = NULL;
		}
	curl_multi_cleanup(multi);
	free(starts);
	return status;
}
