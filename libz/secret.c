/*
 * secret.c - API keys and webhook addresses read from files, and kept
 * out of every message.
 *
 * A secret never comes from the command line, where every user sees it
 * (ps, /proc/PID/cmdline); a file holding one must be the owner's alone.
 * The secrets a tool holds are remembered here, and whatever a server
 * sent is scrubbed of them before a message, a log or a file shows it.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sam.h"

char *
sam_read_secret(const char *path, const char *what)
{
	FILE *fp = fopen(path, "r");
	char line[4096], *secret = NULL;
	struct stat st;

	if (!fp) {
		sam_fatal_errno("open %s %s", what, path);
		return NULL;
	}
	if (fstat(fileno(fp), &st) < 0) {
		sam_fatal_errno("stat %s %s", what, path);
	} else if (!S_ISREG(st.st_mode)) {
		sam_log(SAM_ERROR, path, 0, "%s is not a regular file", what);
	} else if (st.st_mode & 077) {
		sam_log(SAM_ERROR, path, 0, "%s is readable by group or "
		    "others: chmod 600 it", what);
	} else if (!fgets(line, sizeof line, fp)) {
		sam_log(SAM_ERROR, path, 0, "%s is empty", what);
	} else {
		line[strcspn(line, "\r\n")] = '\0';
		if (!(secret = strdup(line)))
			sam_fatal_errno("read %s %s", what, path);
	}
	memset(line, 0, sizeof line);
	fclose(fp);
	return secret;
}

void
sam_free_secret(char *s)
{
	if (s) {
		volatile char *p = s;
		while (*p)
			*p++ = '\0';
	}
	free(s);
}

/*
 * ---- scrubbing: what a message shows of a secret ----
 *
 * A server can echo a key or a webhook's path in an error body, a
 * header or a Location, whole or in part, as written or encoded.  Every
 * text a message, a dead letter or a log shows of an answer goes
 * through sam_scrub(): a run that reads as more than SHOWN_MAX
 * characters of a secret (a shorter secret: the whole of it) is
 * replaced, the text read three ways, as written, decoded once (%XX,
 * JSON's \uXXXX \/ \\ \", HTML's &#NN; &#xHH; &amp; &quot; &lt; &gt;
 * &apos;) and decoded twice (%252B).  Scrubbing comes before any cut,
 * and a text that was cut loses a run at its end that reads as part of
 * a secret, however short: no more than SHOWN_MAX characters of a
 * secret are ever shown in a row, and those only amid other text.
 */

#define SHOWN_MAX 5		/* characters of a secret a text may hold in a row */
#define EXCERPT_SCAN (64 * 1024)	/* of a body, read for its excerpt */

static char **secrets;
static size_t nsecrets;

int
sam_secret_add(const char *s, size_t len)
{
	char **grown;
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < nsecrets; i++)
		if (strlen(secrets[i]) == len && memcmp(secrets[i], s, len) == 0)
			return 0;
	if (!(grown = realloc(secrets, (nsecrets + 1) * sizeof *secrets)))
		return -1;
	secrets = grown;
	if (!(secrets[nsecrets] = strndup(s, len)))
		return -1;
	nsecrets++;
	return 0;
}

void
sam_secrets_clear(void)
{
	while (nsecrets)
		sam_free_secret(secrets[--nsecrets]);
	free(secrets);
	secrets = NULL;
}

/* A text as characters, each with the span of the original text it
 * was read from. */
struct view {
	unsigned char *c;
	size_t *from, *to;
	size_t n;
};

static void
view_free(struct view *v)
{
	free(v->c);
	free(v->from);
	free(v->to);
}

static int
view_alloc(struct view *v, size_t n)
{
	v->n = 0;
	v->c = malloc(n + 1);
	v->from = malloc((n + 1) * sizeof *v->from);
	v->to = malloc((n + 1) * sizeof *v->to);
	if (!v->c || !v->from || !v->to) {
		view_free(v);
		return -1;
	}
	return 0;
}

/* n hex digits at s (of which left remain) as a number; -1 if not. */
static long
hexnum(const unsigned char *s, size_t left, size_t n)
{
	long v = 0;
	size_t i;

	if (left < n)
		return -1;
	for (i = 0; i < n; i++) {
		int h = sam_hexval(s[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* The character an escape at s stands for, and its length in *len;
 * -1 if s starts no escape. */
static int
unescape(const unsigned char *s, size_t left, size_t *len)
{
	static const struct { const char *name; char c; } named[] = {
		{ "&amp;", '&' }, { "&quot;", '"' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&apos;", '\'' }, { "\\/", '/' }, { "\\\\", '\\' }, { "\\\"", '"' },
	};
	long v;
	size_t i, k;

	if (s[0] == '%' && (v = hexnum(s + 1, left - 1, 2)) >= 0)
		return *len = 3, (int)v;
	if (s[0] == '\\' && left >= 2 && s[1] == 'u' &&
	    (v = hexnum(s + 2, left - 2, 4)) >= 0 && v < 256)
		return *len = 6, (int)v;
	if (s[0] == '&' && left >= 4 && s[1] == '#') {
		int hex = s[2] == 'x' || s[2] == 'X';
		for (v = 0, i = 2 + (size_t)hex, k = i; i < left && i < k + 6; i++) {
			int d = hex ? sam_hexval(s[i]) : s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1;
			if (d < 0)
				break;
			v = v * (hex ? 16 : 10) + d;
		}
		if (i > k && i < left && s[i] == ';' && v < 256)
			return *len = i + 1, (int)v;
	}
	for (k = 0; k < sizeof named / sizeof named[0]; k++) {
		size_t n = strlen(named[k].name);
		if (left >= n && memcmp(s, named[k].name, n) == 0)
			return *len = n, (unsigned char)named[k].c;
	}
	return -1;
}

/* The text of v with its escapes read, each character keeping the span
 * it came from. */
static int
view_decode(const struct view *v, struct view *out)
{
	size_t k = 0, len;
	int c;

	if (view_alloc(out, v->n) < 0)
		return -1;
	while (k < v->n) {
		if ((c = unescape(v->c + k, v->n - k, &len)) < 0) {
			c = v->c[k];
			len = 1;
		}
		out->c[out->n] = (unsigned char)c;
		out->from[out->n] = v->from[k];
		out->to[out->n] = v->to[k + len - 1];
		out->n++;
		k += len;
	}
	return 0;
}

/* The longest run of v from p that reads as part of a secret. */
static size_t
longest_part(const struct view *v, size_t p, size_t *whole)
{
	size_t best = 0, i, q, l;

	*whole = 0;
	for (i = 0; i < nsecrets; i++) {
		const unsigned char *s = (const unsigned char *)secrets[i];
		size_t slen = strlen(secrets[i]);
		for (q = 0; q < slen; q++) {
			if (s[q] != v->c[p])
				continue;
			for (l = 1; p + l < v->n && q + l < slen && v->c[p + l] == s[q + l]; l++)
				;
			if (l > best || (l == best && l == slen)) {
				best = l;
				*whole = l == slen;
			}
		}
	}
	return best;
}

/* Marks in red the spans of the text that v shows as secrets; in[c]
 * says whether any secret holds the character c. */
static void
mark(const struct view *v, unsigned char *red, int cut, const unsigned char in[256])
{
	size_t p = 0, l, whole, b;

	while (p < v->n) {
		l = in[v->c[p]] ? longest_part(v, p, &whole) : 0;
		if (l > SHOWN_MAX || (l && whole) || (l && cut && p + l == v->n)) {
			for (b = v->from[p]; b <= v->to[p + l - 1]; b++)
				red[b] = 1;
			p += l;
		} else {
			p++;
		}
	}
}

int
sam_scrub_buf(struct sam_buf *out, const char *text, size_t len, int cut)
{
	struct view raw = { 0 }, once = { 0 }, twice = { 0 };
	unsigned char *red = NULL, in[256] = { 0 };
	size_t i, k;
	int r = -1;

	if (nsecrets == 0 || len == 0) {
		if (len)
			sam_buf_put(out, text, len);
		return out->err ? -1 : 0;
	}
	if (view_alloc(&raw, len) < 0 || !(red = calloc(len + 1, 1)))
		goto out;
	memcpy(raw.c, text, len);
	for (i = 0; i < len; i++)
		raw.from[i] = raw.to[i] = i;
	raw.n = len;
	if (view_decode(&raw, &once) < 0 || view_decode(&once, &twice) < 0)
		goto out;
	for (i = 0; i < nsecrets; i++)
		for (k = 0; secrets[i][k]; k++)
			in[(unsigned char)secrets[i][k]] = 1;
	mark(&raw, red, cut, in);
	if (once.n < raw.n)	/* an escape was read */
		mark(&once, red, cut, in);
	if (twice.n < once.n)
		mark(&twice, red, cut, in);
	for (i = 0; i < len; i++) {
		if (!red[i])
			sam_buf_putc(out, text[i]);
		else if (i == 0 || !red[i - 1])
			sam_buf_puts(out, "REDACTED");
	}
	r = out->err ? -1 : 0;
out:
	view_free(&raw);
	view_free(&once);
	view_free(&twice);
	free(red);
	return r;
}

void
sam_scrub(char *s, size_t size, int cut)
{
	struct sam_buf b = { 0 };
	size_t len = strlen(s);

	if (nsecrets == 0 || len == 0)
		return;
	if (sam_scrub_buf(&b, s, len, cut) < 0) {
		/* no memory to read it: show nothing of it */
		snprintf(s, size, "(a message not shown: out of memory)");
	} else {
		len = b.len < size - 1 ? b.len : size - 1;
		memcpy(s, b.p, len);
		s[len] = '\0';
	}
	if (b.p)
		memset(b.p, 0, b.cap);
	sam_buf_free(&b);
}

/* The first scan bytes of text scrubbed into b, NUL-terminated (cut:
 * the text goes on); -1 when out of memory. */
static int
scrub_head(struct sam_buf *b, const char *text, size_t len, size_t scan, int cut)
{
	if (len > scan) {
		len = scan;
		cut = 1;
	}
	if (sam_scrub_buf(b, text, len, cut) < 0)
		return -1;
	sam_buf_putc(b, '\0');
	return b->err ? -1 : 0;
}

void
sam_excerpt_scrubbed(char *dst, size_t size, const char *body, size_t len, int cut)
{
	struct sam_buf b = { 0 };

	if (scrub_head(&b, body, len, EXCERPT_SCAN, cut) < 0)
		sam_quote(dst, size, "(not shown: out of memory)", 26);
	else
		sam_excerpt(dst, size, b.p, b.len - 1);
	sam_buf_free(&b);
}

const char *
sam_quote_scrubbed(char *dst, size_t size, const char *s, size_t len)
{
	struct sam_buf b = { 0 };

	if (scrub_head(&b, s, len, 4096, 0) < 0)
		sam_quote(dst, size, s, 0);	/* out of memory: nothing of it */
	else
		sam_quote(dst, size, b.p, b.len - 1);
	sam_buf_free(&b);
	return dst;
}
