/*
 * notice.c - sam-alert --notice: one notice about the job itself (a run
 * failed, a due run is missing, a unit failed, dead letters are about
 * to be dropped), read as one JSON object (noticeread.c) and sent once
 * through the target, retried as a message is.
 *
 * A notice needs no store: the caller rate-limits and, when it was not
 * delivered, sends it again at its next run, so no dead letter is kept.
 * Every text of the input is shown escaped (Slack's markup, JSON), so a
 * summary cannot post a link or a mention.
 */
#include <stdio.h>
#include <string.h>

#include "alert.h"

#define ALERTNAME "SamJobNotice"

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
	sam_buf_puts(&t, notice_events[n->event]);
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
	KV("event", notice_events[n->event]);
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
	    "\"attempts\":%u", notice_events[n->event], n->ts, ok ? "sent" : "failed",
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
	snprintf(what, sizeof what, "notice %s", notice_events[n->event]);
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
	struct sam_buf payload = { 0 };
	struct notice n = { 0 };
	int r, status;

	if ((r = notice_read(nfiles ? files[0] : "-", al->now, &n)) < 0) {
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
		sam_log(SAM_FATAL, NULL, 0, "out of memory");
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
