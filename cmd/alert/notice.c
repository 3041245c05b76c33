/*
 * notice.c - sam-alert --notice: one notice about the job itself (a run
 * failed, a due run is missing, a unit failed, dead letters are about
 * to be dropped), read as one JSON object and sent once through the
 * target, retried as a message is.
 *
 * A notice needs no store: the caller rate-limits and, when it was not
 * delivered, sends it again at its next run, so no dead letter is kept.
 * Every text of the input is shown escaped (Slack's markup, JSON), so a
 * summary cannot post a link or a mention.
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
#define ALERTNAME "SamJobNotice"

static const char *const events[] = { "run_failed", "run_missing", "unit_failed",
    "dead_letters_dropping" };
#define EVENTS (sizeof events / sizeof events[0])

struct notice {
	int event;
	struct sam_buf summary, detail, host, unit;	/* NUL-terminated; len 0: none */
	int64_t secs;
	char ts[21];
};

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
	for (i = 0; i < EVENTS; i++)
		if (f->vlen - 2 == strlen(events[i]) && memcmp(f->val + 1, events[i], f->vlen - 2) == 0) {
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

static void
notice_free(struct notice *n)
{
	sam_buf_free(&n->summary);
	sam_buf_free(&n->detail);
	sam_buf_free(&n->host);
	sam_buf_free(&n->unit);
}

/* ---- the payloads ---- */

/* Slack: the summary marked as a notice, the detail in a code block, and
 * a context of the event, host, unit and time. */
static void
payload_slack_notice(const struct alert *al, const struct notice *n, struct sam_buf *b)
{
	static const char *const sep = " \xc2\xb7 ";
	struct sam_buf t = { 0 };

	sam_buf_puts(&t, ":rotating_light: sam: ");
	text_mrkdwn(&t, n->summary.p);
	sam_buf_puts(b, "{\"text\":");
	sam_buf_jstr(b, t.p, t.len);
	sam_buf_puts(b, ",\"blocks\":[{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":");
	sam_buf_jstr(b, t.p, t.len);
	sam_buf_puts(b, "}}");
	if (n->detail.len) {
		t.len = 0;
		sam_buf_puts(&t, "```");
		text_mrkdwn(&t, n->detail.p);
		sam_buf_puts(&t, "```");
		sam_buf_puts(b, ",{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":");
		sam_buf_jstr(b, t.p, t.len);
		sam_buf_puts(b, "}}");
	}
	t.len = 0;
	sam_buf_puts(&t, events[n->event]);
	if (n->host.len) {
		sam_buf_printf(&t, "%shost ", sep);
		text_mrkdwn(&t, n->host.p);
	}
	if (n->unit.len) {
		sam_buf_printf(&t, "%sunit ", sep);
		text_mrkdwn(&t, n->unit.p);
	}
	sam_buf_printf(&t, "%s%s%ssam-alert %s", sep, n->ts, sep, SAM_VERSION);
	if (al->dashboard) {
		sam_buf_printf(&t, "%s<", sep);
		text_mrkdwn(&t, al->dashboard);
		sam_buf_puts(&t, "|dashboard>");
	}
	sam_buf_puts(b, ",{\"type\":\"context\",\"elements\":[{\"type\":\"mrkdwn\",\"text\":");
	sam_buf_jstr(b, t.p, t.len);
	sam_buf_puts(b, "}]}]}");
	if (t.err)
		b->err = 1;
	sam_buf_free(&t);
}

/* The labels: what tells one notice from another in Alertmanager, so
 * that the same failure notified again updates its alert. */
static void
labels(const struct notice *n, struct kv *kv)
{
	struct sam_buf t = { 0 };

#define KV(name, s) (t.len = 0, sam_buf_puts(&t, s), kv_add(kv, name, &t))
	KV("alertname", ALERTNAME);
	KV("event", events[n->event]);
	KV("severity", "critical");
	if (n->host.len)
		KV("host", n->host.p);
	if (n->unit.len)
		KV("unit", n->unit.p);
#undef KV
	sam_buf_free(&t);
}

/* "labels":{...},"annotations":{...},"startsAt":"TS" */
static void
alert_body(const struct notice *n, const struct kv *kv, struct sam_buf *b)
{
	sam_buf_puts(b, "\"labels\":");
	kv_write(b, kv, 1, sizeof *kv);
	sam_buf_puts(b, ",\"annotations\":{\"summary\":");
	sam_buf_jstr(b, n->summary.p, n->summary.len);
	if (n->detail.len) {
		sam_buf_puts(b, ",\"description\":");
		sam_buf_jstr(b, n->detail.p, n->detail.len);
	}
	sam_buf_printf(b, "},\"startsAt\":\"%s\"", n->ts);
}

static void
payload_webhook_notice(const struct alert *al, const struct notice *n, struct sam_buf *b)
{
	const char *site = al->dashboard ? al->dashboard : "";
	struct kv kv = { 0 };

	labels(n, &kv);
	sam_buf_puts(b, "{\"version\":\"4\",\"groupKey\":\"{}:{alertname=\\\"" ALERTNAME "\\\"}\","
	    "\"truncatedAlerts\":0,\"status\":\"firing\",\"receiver\":\"sam\","
	    "\"groupLabels\":{\"alertname\":\"" ALERTNAME "\"},\"commonLabels\":");
	kv_write(b, &kv, 1, sizeof kv);
	sam_buf_puts(b, ",\"commonAnnotations\":{\"summary\":");
	sam_buf_jstr(b, n->summary.p, n->summary.len);
	if (n->detail.len) {
		sam_buf_puts(b, ",\"description\":");
		sam_buf_jstr(b, n->detail.p, n->detail.len);
	}
	sam_buf_puts(b, "},\"externalURL\":");
	sam_buf_jstr(b, site, strlen(site));
	sam_buf_puts(b, ",\"alerts\":[{\"status\":\"firing\",");
	alert_body(n, &kv, b);
	sam_buf_puts(b, ",\"endsAt\":\"0001-01-01T00:00:00Z\",\"generatorURL\":");
	sam_buf_jstr(b, site, strlen(site));
	sam_buf_printf(b, ",\"fingerprint\":\"%016llx\"}]}",
	    (unsigned long long)am_fingerprint(&kv));
}

/* Alertmanager's API: the alert fires --hold after the notice's time. */
static void
payload_alertmanager_notice(const struct alert *al, const struct notice *n, struct sam_buf *b)
{
	struct kv kv = { 0 };
	char ends[21];

	labels(n, &kv);
	sam_format_ts(ends, n->secs + (int64_t)al->hold);
	sam_buf_puts(b, "[{");
	alert_body(n, &kv, b);
	sam_buf_printf(b, ",\"endsAt\":\"%s\"", ends);
	if (al->dashboard) {
		sam_buf_puts(b, ",\"generatorURL\":");
		sam_buf_jstr(b, al->dashboard, strlen(al->dashboard));
	}
	sam_buf_puts(b, "}]");
}

/* ---- the run ---- */

static void
result_line(const struct alert *al, const struct notice *n, int ok, unsigned attempts,
    const char *error, struct sam_buf *b)
{
	sam_buf_printf(b, "{\"notice\":\"%s\",\"ts\":\"%s\",\"result\":\"%s\",\"to\":\"%s\","
	    "\"attempts\":%u", events[n->event], n->ts, ok ? "sent" : "failed",
	    target_names[al->to], attempts);
	if (!ok) {
		sam_buf_puts(b, ",\"error\":");
		sam_buf_jstr(b, error, strlen(error));
	}
	sam_buf_puts(b, "}\n");
}

static int
deliver(struct alert *al, const struct notice *n, const struct sam_buf *payload)
{
	char error[REASON_MAX + 160], what[64], note[40] = "";
	unsigned attempts = 0;
	int ok;

	if (send_init(al) < 0)
		return SAM_EXIT_RUNTIME;
	snprintf(what, sizeof what, "notice %s", events[n->event]);
	ok = send_message(al, what, payload, &attempts, error, sizeof error);
	result_line(al, n, ok, attempts, error, sam_out());
	if (ok)
		return SAM_EXIT_OK;
	if (attempts > 1)
		snprintf(note, sizeof note, " after %u attempts", attempts);
	sam_log(SAM_ERROR, NULL, 0, "%s: %s%s: not delivered (a notice is not kept as "
	    "a dead letter)", what, error, note);
	return SAM_EXIT_RUNTIME;
}

int
notice_main(struct alert *al, char **files, int nfiles)
{
	struct notice_source src = { nfiles ? files[0] : "-", NULL };
	struct sam_buf in = { 0 }, payload = { 0 };
	struct sam_rec rec = { 0 };
	struct notice n = { 0 };
	int r, status;

	if ((r = read_whole(src.file, &in)) == 0) {
		terminate(&in);
		src.text = in.p;
		if ((r = parse(&src, in.len, &rec)) == 0)
			r = get_fields(&src, &rec, al->now, &n);
	}
	sam_rec_free(&rec);
	sam_buf_free(&in);
	if (r < 0) {
		notice_free(&n);
		return r == -1 ? SAM_EXIT_REJECT : SAM_EXIT_RUNTIME;
	}
	if (al->to == TO_SLACK)
		payload_slack_notice(al, &n, &payload);
	else if (al->to == TO_WEBHOOK)
		payload_webhook_notice(al, &n, &payload);
	else
		payload_alertmanager_notice(al, &n, &payload);
	if (payload.err) {
		oom();
		status = SAM_EXIT_RUNTIME;
	} else if (al->dry_run) {
		sam_buf_put(sam_out(), payload.p, payload.len);
		sam_buf_putc(sam_out(), '\n');
		status = SAM_EXIT_OK;
	} else {
		status = deliver(al, &n, &payload);
	}
	sam_buf_free(&payload);
	notice_free(&n);
	return status;
}
