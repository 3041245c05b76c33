/*
 * noticeread.c - the notice of sam-alert --notice read: one JSON object
 * (event, summary, detail, host, unit, ts), every field checked, its
 * texts tidied and cut to their size; a bad one is reported where it is
 * in the input (file and line), for notice.c to send.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"

#define SUMMARY_MAX 200		/* characters of the summary, then "..." */
#define DETAIL_MAX 2000		/* of the detail */
#define NAME_MAX_BYTES 255	/* of host and unit */

const char *const notice_events[NOTICE_EVENTS] = { "run_failed", "run_missing",
    "unit_failed", "dead_letters_dropping" };

/* The input, for messages that say where in it something is wrong. */
struct notice_source {
	const char *file, *text;
};

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static unsigned long
line_of(const struct notice_source *src, const char *at)
{
	unsigned long line = 1;
	const char *p;

	for (p = src->text; p < at; p++)
		line += *p == '\n';
	return line;
}

static int SAM_PRINTF(3, 4)
reject(const struct notice_source *src, const char *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sam_vlog(SAM_ERROR, src->file, line_of(src, at), fmt, ap);
	va_end(ap);
	return -1;
}

static int
oom(void)
{
	sam_log(SAM_FATAL, NULL, 0, "out of memory");
	return -2;
}

/* ---- reading ---- */

/* The whole of path ("-": standard input) into b, up to SAM_MAX_LINE
 * bytes: 0, -1 too long (reported), -2 unreadable (reported). */
static int
read_whole(const char *path, struct sam_buf *b)
{
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	size_t max = sam_line_max();
	ssize_t n;
	int r = 0;

	if (fd < 0) {
		sam_fatal_errno("open %s", path);
		return -2;
	}
	for (;;) {
		if (sam_buf_reserve(b, 65536) < 0) {
			r = oom();
			break;
		}
		if ((n = read(fd, b->p + b->len, 65536)) < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sam_fatal_errno("read %s", path);
			r = -2;
			break;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		if (b->len > max) {
			sam_log(SAM_ERROR, path, 0, "more than %zu bytes: a notice is one "
			    "JSON object", max);
			r = -1;
			break;
		}
	}
	if (fd != 0)
		close(fd);
	return r;
}

/* The object, or where and why it is not one. */
static int
parse(const struct notice_source *src, size_t len, struct sam_rec *rec)
{
	const char *why;
	size_t at, col;
	const char *p, *start;

	for (p = src->text; p < src->text + len && is_blank(*p); p++)
		;
	if (p == src->text + len) {
		sam_log(SAM_ERROR, src->file, 0, "no notice: the input is empty");
		return -1;
	}
	if (sam_rec_parse(rec, src->text, len, &why, &at) == 0)
		return 0;
	p = src->text + at - 1;
	for (start = p; start > src->text && start[-1] != '\n'; start--)
		;
	col = (size_t)(p - start) + 1;
	if (strcmp(why, "out of memory") == 0)
		return oom();
	if (strspn(p, " \t\r\n") == len - (size_t)(p - src->text)) {
		while (p > src->text && is_blank(p[-1]))
			p--;
		return reject(src, p - 1, "invalid JSON: the object ends too soon");
	}
	if (strcmp(why, "trailing characters after the object") == 0 && *p == '{')
		return reject(src, p, "a second JSON object: a notice is one object");
	if (strcmp(why, "not a JSON object") == 0)
		return reject(src, p, "not a JSON object");
	if (strcmp(why, "invalid UTF-8") == 0)
		return reject(src, p, "invalid UTF-8 at byte %zu", col);
	return reject(src, p, "invalid JSON at byte %zu: %s", col, why);
}

/* Keeps t NUL-terminated after its len bytes. */
static void
terminate(struct sam_buf *t)
{
	sam_buf_putc(t, '\0');
	if (!t->err)
		t->len--;
}

/* A string field's text into t: 0, 1 when absent or null, -1 rejected,
 * -2 out of memory. */
static int
get_text(const struct notice_source *src, const struct sam_field *f, const char *name,
    struct sam_buf *t)
{
	if (!f || f->type == SAM_JNULL)
		return 1;
	if (f->type != SAM_JSTRING)
		return reject(src, f->val, "field \"%s\": expected a string, got %s", name,
		    sam_jtype_name(f->type));
	if (sam_buf_reserve(t, f->vlen) < 0)
		return oom();
	sam_jstr_decode(f, t->p, t->cap, &t->len);	/* never longer than its JSON */
	return 0;
}

/* Control characters, but newlines and tabs where keep_lines is set,
 * become blanks. */
static void
tidy(struct sam_buf *t, int keep_lines)
{
	size_t i;

	for (i = 0; i < t->len; i++) {
		unsigned char c = (unsigned char)t->p[i];
		if ((c < 0x20 || c == 0x7f) && !(keep_lines && (c == '\n' || c == '\t')))
			t->p[i] = ' ';
	}
}

/* Blanks around the text dropped, and the text cut at max characters,
 * "..." after. */
static void
trim_cut(struct sam_buf *t, size_t max)
{
	size_t start = 0, i, chars = 0;

	while (t->len && is_blank(t->p[t->len - 1]))
		t->len--;
	while (start < t->len && is_blank(t->p[start]))
		start++;
	if (start) {
		memmove(t->p, t->p + start, t->len - start);
		t->len -= start;
	}
	for (i = 0; i < t->len; i++)
		if (((unsigned char)t->p[i] & 0xc0) != 0x80 && ++chars > max) {
			t->len = i;
			sam_buf_puts(t, "...");
			break;
		}
	terminate(t);
}

/* host and unit: label values, so a line of text of a bounded length. */
static int
get_name(const struct notice_source *src, const struct sam_field *f, const char *name,
    struct sam_buf *t)
{
	int r = get_text(src, f, name, t);
	size_t i;

	if (r != 0)
		return r;
	for (i = 0; i < t->len; i++)
		if ((unsigned char)t->p[i] < 0x20 || t->p[i] == 0x7f)
			break;
	if (t->len == 0 || t->len > NAME_MAX_BYTES || i < t->len)
		return reject(src, f->val, "field \"%s\": not a name of 1 to %d bytes "
		    "without control characters", name, NAME_MAX_BYTES);
	terminate(t);
	return 0;
}

static int
get_event(const struct notice_source *src, const char *obj, const struct sam_field *f, int *event)
{
	char q[SAM_QUOTE_MAX];
	size_t i;

	if (!f)
		return reject(src, obj, "missing field \"event\"");
	if (f->type != SAM_JSTRING)
		return reject(src, f->val, "field \"event\": expected a string, got %s",
		    sam_jtype_name(f->type));
	for (i = 0; i < NOTICE_EVENTS; i++)
		if (f->vlen - 2 == strlen(notice_events[i]) && memcmp(f->val + 1, notice_events[i], f->vlen - 2) == 0) {
			*event = (int)i;
			return 0;
		}
	return reject(src, f->val, "field \"event\": not run_failed, run_missing, "
	    "unit_failed or dead_letters_dropping: %s", sam_quote(q, sizeof q, f->val + 1,
	    f->vlen - 2));
}

static int
get_fields(const struct notice_source *src, const struct sam_rec *rec, int64_t now,
    struct notice *n)
{
	static const char *const keys[] = { "event", "summary", "detail", "ts", "host", "unit" };
	const struct sam_field *f[6];
	const char *obj = src->text + strspn(src->text, " \t\r\n");
	char q[SAM_QUOTE_MAX], host[NAME_MAX_BYTES + 1];
	struct sam_buf ts = { 0 };
	int dup, r;

	if ((dup = sam_rec_find(rec, keys, 6, f)) >= 0)
		return reject(src, obj, "field \"%s\" comes twice", keys[dup]);
	if ((r = get_event(src, obj, f[0], &n->event)) < 0)
		return r;
	if ((r = get_text(src, f[1], "summary", &n->summary)) < 0)
		return r;
	if (r == 1)
		return reject(src, obj, "missing field \"summary\"");
	tidy(&n->summary, 0);
	trim_cut(&n->summary, SUMMARY_MAX);
	if (n->summary.len == 0)
		return reject(src, f[1]->val, "field \"summary\": empty");
	if ((r = get_text(src, f[2], "detail", &n->detail)) < 0)
		return r;
	tidy(&n->detail, 1);
	trim_cut(&n->detail, DETAIL_MAX);
	if ((r = get_name(src, f[4], "host", &n->host)) < 0 ||
	    (r = get_name(src, f[5], "unit", &n->unit)) < 0)
		return r;
	if (n->host.len == 0 && gethostname(host, sizeof host) == 0 && host[0]) {
		host[NAME_MAX_BYTES] = '\0';
		sam_buf_puts(&n->host, host);
		terminate(&n->host);
	}
	n->secs = now;
	if ((r = get_text(src, f[3], "ts", &ts)) == 0 &&
	    sam_parse_ts(ts.p, ts.len, &n->secs, NULL) < 0)
		r = reject(src, f[3]->val, "field \"ts\": invalid timestamp %s",
		    sam_quote(q, sizeof q, ts.p, ts.len));
	sam_buf_free(&ts);
	sam_format_ts(n->ts, n->secs);
	return r < 0 ? r : n->summary.err || n->detail.err || n->host.err ? oom() : 0;
}

void
notice_free(struct notice *n)
{
	sam_buf_free(&n->summary);
	sam_buf_free(&n->detail);
	sam_buf_free(&n->host);
	sam_buf_free(&n->unit);
}

int
notice_read(const char *file, int64_t now, struct notice *n)
{
	struct notice_source src = { file, NULL };
	struct sam_buf in = { 0 };
	struct sam_rec rec = { 0 };
	int r;

	if ((r = read_whole(src.file, &in)) == 0) {
		terminate(&in);
		src.text = in.p;
		if ((r = parse(&src, in.len, &rec)) == 0)
			r = get_fields(&src, &rec, now, n);
	}
	sam_rec_free(&rec);
	sam_buf_free(&in);
	return r;
}
