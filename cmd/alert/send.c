/*
 * send.c - one message to the receiver over HTTP, with libcurl.
 *
 * Messages go one at a time on one connection.  A failure that may pass
 * is tried again as libz/retry.c's one policy says (after 1 s, then 2 s,
 * or what a 429's Retry-After asks, up to a cap; each with jitter); any
 * other answer is final.  No more than --rate requests start in a
 * second, retries included.  The address is never shown, only its
 * origin (al->origin); an answer refused is shown whole (up to
 * REASON_MAX), scrubbed of the address's secrets: Alertmanager says in
 * its body which alert it refused and why.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "alert.h"

#define ANSWER_MAX 4096		/* of a response body, kept for messages */

static CURL *easy;
static struct curl_slist *headers;
static int64_t last_start = -1;	/* monotonic ms of the last request */

static void
sleep_until(int64_t when)
{
	int64_t now;

	while ((now = sam_mono_ms()) < when) {
		struct timespec d = { (when - now) / 1000, (long)((when - now) % 1000) * 1000000 };
		if (nanosleep(&d, NULL) < 0 && errno != EINTR)
			break;
	}
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct sam_buf *b = arg;
	size_t room = b->len < ANSWER_MAX ? ANSWER_MAX - b->len : 0;

	n *= size;
	/* the rest is dropped: one byte more than kept tells it was cut */
	sam_buf_put(b, data, n < room + 1 ? n : room + 1);
	return n;
}

int
send_init(struct alert *al)
{
	int plain = strncmp(al->url, "http:", 5) == 0;

	/* What a receiver may echo of the address (its path: Slack's
	 * T.../B.../token) no message shows; Alertmanager's path is its
	 * API's, no secret, and its reasons name it. */
	if (sam_url_secrets(al->url, al->to != TO_ALERTMANAGER) < 0 ||
	    curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(easy = curl_easy_init()) ||
	    !(headers = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8")) ||
	    !(headers = curl_slist_append(headers, "Expect:"))) {
		sam_log(SAM_FATAL, NULL, 0, "unable to set up libcurl");
		return -1;
	}
	curl_easy_setopt(easy, CURLOPT_URL, al->url);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);	/* SIGPIPE is ignored */
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, plain ? "http" : "https");
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);	/* the body stays here */
	curl_easy_setopt(easy, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, al->connect_ms);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, al->timeout_ms);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "sam-alert/" SAM_VERSION);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
	return 0;
}

void
send_free(void)
{
	if (easy) {
		curl_easy_setopt(easy, CURLOPT_URL, "");	/* no copy of it left */
		curl_easy_cleanup(easy);
	}
	curl_slist_free_all(headers);
	curl_global_cleanup();
	sam_secrets_clear();
	easy = NULL;
	headers = NULL;
}

/* The words of an answer as a message shows them: an HTML page's
 * title, or the whole body, its runs of blanks made one, quoted with
 * escapes as sam_quote() does, cut at REASON_MAX characters ("..."). */
static void
reason(const struct sam_buf *body, struct sam_buf *out)
{
	struct sam_buf clean = { 0 };
	const char *s, *t, *e;
	size_t len, i, start;
	int blank = 0;

	len = body->len < ANSWER_MAX ? body->len : ANSWER_MAX;
	/* scrubbed whole, before anything is cut */
	if (sam_scrub_buf(&clean, body->p ? body->p : "", len, body->len > ANSWER_MAX) < 0 ||
	    sam_buf_reserve(&clean, 1) < 0) {
		out->err = 1;
		return;
	}
	clean.p[clean.len] = '\0';
	s = clean.p;
	len = clean.len;
	if ((t = strstr(s, "<title>")) && (e = strstr(t, "</title>")) && e > t + 7) {
		s = t + 7;
		len = (size_t)(e - s);
	}
	sam_buf_putc(out, '"');
	start = out->len;
	for (i = 0; i < len && out->len - start < REASON_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isspace(c)) {
			blank = out->len > start;	/* none leading */
			continue;
		}
		if (blank)
			sam_buf_putc(out, ' ');
		blank = 0;
		if (c == '"' || c == '\\')
			sam_buf_printf(out, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			sam_buf_putc(out, (char)c);
		else
			sam_buf_printf(out, "\\x%02x", c);
	}
	for (; i < len && isspace((unsigned char)s[i]); i++)
		;
	if (i < len || body->len > ANSWER_MAX)
		sam_buf_puts(out, "...");
	sam_buf_putc(out, '"');
	sam_buf_free(&clean);
}

/* 1 if the message was delivered; else what went wrong, in words in
 * what (whether it is tried again is libz/retry.c's to say). */
static int
judge(const struct alert *al, CURLcode rc, long status, const struct sam_buf *body,
    char *what, size_t size)
{
	struct sam_buf words = { 0 };

	if (rc != CURLE_OK) {
		sam_curl_error(rc, al->timeout_ms, what, size);
		return 0;
	}
	if (status / 100 == 2 && (al->to != TO_SLACK ||
	    (status == 200 && body->len >= 2 && memcmp(body->p, "ok", 2) == 0 &&
	    body->len - 2 == strspn(body->p + 2, " \r\n"))))
		return 1;
	reason(body, &words);
	snprintf(what, size, "HTTP %ld %.*s", status, words.err ? 0 : (int)words.len,
	    words.err ? "" : words.p);
	if (words.err)
		snprintf(what, size, "HTTP %ld (its answer not shown: out of memory)", status);
	sam_buf_free(&words);
	return 0;
}

int
send_message(struct alert *al, const char *what, const struct sam_buf *payload,
    unsigned *attempts, char *error, size_t size)
{
	const struct sam_retry policy = { al->retries, SAM_RETRY_WAIT_MS };
	struct sam_buf body = { 0 };
	int64_t gap = (int64_t)(1000.0 / al->rate + 0.5), wait;
	int delivered = 0;

	curl_easy_setopt(easy, CURLOPT_POSTFIELDS, payload->p);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)payload->len);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, &body);
	for (*attempts = 0; ; ) {
		long status = 0;
		CURLcode rc;
		enum sam_retry_verdict v;
		if (last_start >= 0)
			sleep_until(last_start + gap);
		last_start = sam_mono_ms();
		++*attempts;
		body.len = 0;
		body.err = 0;
		rc = curl_easy_perform(easy);
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
		if (sam_buf_reserve(&body, 1) == 0)
			body.p[body.len] = '\0';
		if (judge(al, rc, status, &body, error, size)) {
			delivered = 1;
			break;
		}
		v = sam_retry_next(&policy, *attempts, rc, status, sam_curl_retry_after(easy), &wait);
		if (v == SAM_RETRY_NO)
			break;
		if (v == SAM_RETRY_TOO_LONG) {
			size_t len = strlen(error);
			snprintf(error + len, size - len, ", and Retry-After asks for "
			    "%lld s (more than %d s)", (long long)wait / 1000, SAM_RETRY_AFTER_CAP);
			break;
		}
		sam_log(SAM_WARNING, NULL, 0, "%s: %s, retrying in %g s%s (attempt %u "
		    "of %u)", what, error, wait / 1000.0,
		    v == SAM_RETRY_AFTER ? " (Retry-After)" : "", *attempts + 1, al->retries + 1);
		sleep_until(sam_mono_ms() + sam_retry_jitter(wait));
	}
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, NULL);
	sam_buf_free(&body);
	return delivered;
}
