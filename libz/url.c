/*
 * url.c - checking URLs, and showing them without their secrets.
 *
 * URLs are read as libcurl reads them (curl_url), so what is checked is
 * what is fetched.  Only the tools that talk to the network link this.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "sam.h"

/* A query parameter that may carry a secret: apikey, api-key, token,
 * X-Amz-Signature, sig, secret, password, auth, credential ... */
static int
secret_name(const char *name, size_t len)
{
	static const char *const parts[] = { "key", "token", "sig", "secret",
	    "pass", "auth", "cred", "session", NULL };
	char low[64];
	size_t i;
	int k;

	if (len >= sizeof low)
		return 1;	/* a name that long hides nothing, or is odd */
	for (i = 0; i < len; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[len] = '\0';
	for (k = 0; parts[k]; k++)
		if (strstr(low, parts[k]))
			return 1;
	return 0;
}

/* The spans of url no message may show: its user info (userinfo 1)
 * and the values of the query parameters that carry keys, in order;
 * fn(ctx, start, len, userinfo) for each, stopping at a nonzero. */
typedef int url_span_fn(void *ctx, const char *, size_t, int userinfo);

static int
each_secret_span(const char *url, url_span_fn *fn, void *ctx)
{
	const char *scheme = strstr(url, "://"), *rest = url, *q, *p;
	int r;

	if (scheme) {
		size_t auth = strcspn(scheme + 3, "/?#");
		const char *at = memchr(scheme + 3, '@', auth);
		if (at && (r = fn(ctx, scheme + 3, (size_t)(at - scheme - 3), 1)))
			return r;
		rest = scheme + 3 + auth;
	}
	q = rest + strcspn(rest, "?#");
	for (p = *q == '?' ? q + 1 : ""; *p; ) {
		size_t n = strcspn(p, "&#"), name = strcspn(p, "=&#");
		if (name < n && secret_name(p, name) &&
		    (r = fn(ctx, p + name + 1, n - name - 1, 0)))
			return r;
		p += n;
		if (*p != '&')
			break;
		p++;
	}
	return 0;
}

struct shown {
	struct sam_buf b;
	const char *from;	/* what is not copied yet */
};

static int
redact_span(void *ctx, const char *s, size_t len, int userinfo)
{
	struct shown *w = ctx;

	(void)userinfo;
	sam_buf_put(&w->b, w->from, (size_t)(s - w->from));
	sam_buf_puts(&w->b, "REDACTED");
	w->from = s + len;
	return 0;
}

/* The URL as messages show it: credentials and the values of query
 * parameters that carry keys replaced. */
char *
sam_url_shown(const char *url)
{
	struct shown w = { .from = url };

	each_secret_span(url, redact_span, &w);
	sam_buf_puts(&w.b, w.from);
	sam_buf_putc(&w.b, '\0');
	if (w.b.err) {
		sam_buf_free(&w.b);
		return NULL;
	}
	return w.b.p;
}

/* User info as libcurl sends it, in "Authorization: Basic" (base64),
 * which a server may echo back. */
static int
secret_base64(const char *s, size_t len)
{
	static const char digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char out[1400];
	size_t i, o = 0;

	if (len > 1024)
		return 0;	/* never sent whole: nothing to hide */
	for (i = 0; i < len; i += 3) {
		unsigned long v = (unsigned long)(unsigned char)s[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long)(unsigned char)s[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)s[i + 2];
		out[o++] = digits[v >> 18 & 63];
		out[o++] = digits[v >> 12 & 63];
		out[o++] = i + 1 < len ? digits[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? digits[v & 63] : '=';
	}
	return sam_secret_add(out, o);
}

/* A secret as written in the URL, and percent-decoded if that differs:
 * a server may echo either (user info also as base64). */
static int
secret_both(const char *s, size_t len, int userinfo)
{
	char *d;
	int n, r;

	if (sam_secret_add(s, len) < 0)
		return -1;
	if (!(d = curl_easy_unescape(NULL, s, (int)len, &n)))
		return -1;
	r = sam_secret_add(d, (size_t)n);
	if (r == 0 && userinfo)
		r = secret_base64(d, (size_t)n);
	memset(d, 0, (size_t)n);
	curl_free(d);
	return r;
}

/* Where the secret part of a webhook's path starts: at the first
 * segment of 6 characters or more with a digit, a capital or an
 * escape, as a token is and a word like "services" or "hooks" is not;
 * else at the path's start. */
static const char *
path_secret(const char *path, const char *end)
{
	const char *seg = path, *p;
	int token;

	while (seg < end) {
		seg += strspn(seg, "/");
		for (p = seg, token = 0; p < end && *p != '/'; p++)
			token |= isdigit((unsigned char)*p) || isupper((unsigned char)*p) || *p == '%';
		if (token && p - seg >= 6)
			return seg;
		seg = p;
	}
	return path;
}

static int
register_span(void *ctx, const char *s, size_t len, int userinfo)
{
	(void)ctx;
	return secret_both(s, len, userinfo) < 0 ? -1 : 0;
}

int
sam_url_secrets(const char *url, int path)
{
	const char *scheme = strstr(url, "://"), *rest = url, *q, *p;
	int r = 0;

	if (scheme)
		rest = scheme + 3 + strcspn(scheme + 3, "/?#");
	q = rest + strcspn(rest, "?#");
	/* A path of a few letters ("/hook") is no secret, and would take
	 * the same letters out of every message. */
	if (path && strlen(p = path_secret(rest, q)) > 5)
		r |= secret_both(p, strlen(p), 0);
	r |= each_secret_span(url, register_span, NULL);
	return r ? -1 : 0;
}

/* Plain http is for loopback, where no one else can listen in. */
static int
loopback(const char *host)
{
	return strcmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 ||
	    strcmp(host, "::1") == 0 || strncmp(host, "127.", 4) == 0;
}

/* A URL's scheme, host and port (the scheme's default if none is
 * written), as libcurl reads it; -1 if it is not a URL.  The parts
 * are the caller's to curl_free(). */
static int
url_origin(const char *url, char *part[3])
{
	static const CURLUPart which[3] = { CURLUPART_SCHEME, CURLUPART_HOST,
	    CURLUPART_PORT };
	CURLU *u = curl_url();
	int k, r = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK ? 0 : -1;

	for (k = 0; k < 3; k++) {
		part[k] = NULL;
		if (r == 0 && curl_url_get(u, which[k], &part[k], CURLU_DEFAULT_PORT) != CURLUE_OK)
			r = -1;
	}
	curl_url_cleanup(u);
	return r;
}

static void
origin_free(char *part[3])
{
	int k;

	for (k = 0; k < 3; k++)
		curl_free(part[k]);
}

/* 0, or a reason the URL may not be fetched. */
const char *
sam_url_check(const char *url, int allow_http)
{
	char *o[3];
	const char *why = NULL;

	if (url_origin(url, o) < 0)
		why = "not a URL";
	else if (strcmp(o[0], "https") != 0 && strcmp(o[0], "http") != 0)
		why = "not an http or https URL";
	else if (strcmp(o[0], "http") == 0 && !allow_http && !loopback(o[1]))
		why = "plain http to a host that is not loopback (use https, or --allow-http)";
	origin_free(o);
	return why;
}

/* Same scheme, host and port: a next page may get the key, another
 * host may not. */
int
sam_url_same_origin(const char *a, const char *b)
{
	char *oa[3], *ob[3];
	int ra = url_origin(a, oa), rb = url_origin(b, ob);	/* both set */
	int same = ra == 0 && rb == 0 && strcmp(oa[0], ob[0]) == 0 &&
	    strcasecmp(oa[1], ob[1]) == 0 && strcmp(oa[2], ob[2]) == 0;

	origin_free(oa);
	origin_free(ob);
	return same;
}


/* "scheme://host[:port]" of a URL in buf: all of it a message may show
 * of a webhook's address, whose path is the secret. */
const char *
sam_url_origin(const char *url, char *buf, size_t size)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;

	snprintf(buf, size, "(not a URL)");
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
			port = NULL;
		snprintf(buf, size, "%s://%s%s%s", scheme, host, port ? ":" : "",
		    port ? port : "");
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return buf;
}

/* ---- transfers ---- */

long
sam_curl_retry_after(void *easy)
{
	curl_off_t after = -1;

	if (curl_easy_getinfo((CURL *)easy, CURLINFO_RETRY_AFTER, &after) != CURLE_OK)
		return -1;
	return after > 0 ? (long)after : -1;
}

void
sam_curl_error(int rc, long timeout_ms, char *buf, size_t size)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(buf, size, "timed out (--timeout %g s)", timeout_ms / 1000.0);
		break;
	case CURLE_COULDNT_CONNECT:
		snprintf(buf, size, "cannot connect (refused or unreachable)");
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(buf, size, "cannot resolve the host name");
		break;
	case CURLE_PARTIAL_FILE:
		snprintf(buf, size, "truncated response (the connection closed)");
		break;
	case CURLE_GOT_NOTHING:
		snprintf(buf, size, "the server closed the connection without a reply");
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		snprintf(buf, size, "TLS certificate verification failed");
		break;
	case CURLE_BAD_CONTENT_ENCODING:
		snprintf(buf, size, "response body not decodable (bad gzip)");
		break;
	default:
		snprintf(buf, size, "%s", curl_easy_strerror((CURLcode)rc));
		break;
	}
}
