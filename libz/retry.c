/*
 * retry.c - which failed HTTP requests are tried again, and when.
 *
 * The one policy of every tool that talks HTTP (sam-fetch, sam-alert),
 * as DESIGN says: a failure that may pass (a timeout, a refused or
 * dropped connection, HTTP 408, 429 or 5xx) is tried again after 1 s,
 * then 2 s, each wait twice the one before; a 429's Retry-After is
 * honoured instead, up to SAM_RETRY_AFTER_CAP seconds, and one that
 * asks for more is not waited for at all.  Every wait gets 0 to 10 %
 * more, at random, so that requests that failed together (sam-fetch's
 * parallel jobs, two timers' runs) do not all come back in the same
 * instant; a wait is never shorter than the policy or the server said.
 *
 * Only libcurl's result codes are read here (its header, not the
 * library): the tools hand in what an attempt came to, and Retry-After
 * as url.c's sam_curl_retry_after() read it (seconds or an HTTP date).
 */
#include <unistd.h>

#include <curl/curl.h>

#include "sam.h"

#define SHIFT_MAX 16	/* the doubling stops there: the wait stays finite */
#define SECS_MAX (INT64_MAX / 1000)	/* of a Retry-After, in ms */

int
sam_retry_may_pass(int code, long status)
{
	if (code == 0)
		return status == 408 || status == 429 || status / 100 == 5;
	switch (code) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

enum sam_retry_verdict
sam_retry_next(const struct sam_retry *r, unsigned attempt, int code, long status,
    long retry_after, int64_t *wait_ms)
{
	unsigned shift = attempt > 1 ? attempt - 1 : 0;

	if (!sam_retry_may_pass(code, status) || attempt > r->retries)
		return SAM_RETRY_NO;
	if (code == 0 && status == 429 && retry_after > 0) {
		/* what was asked, for the message, as long as it fits */
		*wait_ms = (int64_t)(retry_after < SECS_MAX ? retry_after : SECS_MAX) * 1000;
		return retry_after > SAM_RETRY_AFTER_CAP ? SAM_RETRY_TOO_LONG : SAM_RETRY_AFTER;
	}
	*wait_ms = (int64_t)r->wait_ms << (shift < SHIFT_MAX ? shift : SHIFT_MAX);
	return SAM_RETRY_AGAIN;
}

/* xorshift32, seeded from the clock and the process: no two processes
 * started together draw the same waits. */
static unsigned
draw(void)
{
	static unsigned s;

	if (!s)
		s = ((unsigned)sam_mono_ms() ^ (unsigned)getpid() << 16) | 1;
	s ^= s << 13;
	s ^= s >> 17;
	s ^= s << 5;
	return s;
}

int64_t
sam_retry_jitter(int64_t wait_ms)
{
	return wait_ms + (int64_t)(wait_ms * ((draw() % 1000) / 10000.0));
}
