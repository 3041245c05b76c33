/*
 * alert.h - sam-alert's parts: anomalies read and checked, the payloads
 * for Slack, for Alertmanager's webhook receivers and for Alertmanager's
 * API, delivery over HTTP, the state it keeps in the store (alerts
 * sent, dead letters), and the notices of --notice.
 */
#ifndef ALERT_H
#define ALERT_H

#include <stdint.h>

#include "sam.h"
#include "store.h"

#define BATCH_MAX 48		/* header + 48 sections + context = 50 blocks */
#define ID_MAX SAM_ID_MAX
#define REASON_MAX 1000		/* characters of a receiver's answer shown */

enum result { R_DUE, R_SENT, R_SKIPPED, R_DEAD };
enum target { TO_SLACK, TO_WEBHOOK, TO_ALERTMANAGER };
/* "slack", "webhook", "alertmanager": the --to words, in results and state */
extern const char *const target_names[];

/* The severity of an alert recorded without one (before alerts/ lines
 * had it): above critical, so that nothing escalates it. */
#define SEV_UNKNOWN SAM_SEVERITIES

struct alert_anomaly {
	char *rec;		/* the record as read, no newline */
	size_t len;
	struct sam_anomaly an;	/* its fields, checked */

	/* a line of the store being settled: a dead letter replayed, or an
	 * anomaly of the outbox */
	int src_day;		/* index in the files read (src_days), or -1 */
	char *src_line;		/* its line as it stands in the file */
	size_t src_len;
	unsigned prior_attempts;
	int64_t first_attempt;	/* 0: not yet */

	/* what became of it */
	enum result result;
	const char *reason;	/* skipped: cooldown, ticker, repeat */
	int escalation;		/* due or sent above the severity alerted: */
	int prev_sev;		/* the highest alerted for its id */
	int64_t alerted_at;	/* skipped: when it (or its ticker) was */
	unsigned message, attempts;
	int recovered;		/* sent by a run killed before it recorded so */
	char *error;		/* dead: why (malloc'ed) */
	int64_t dlq_date;	/* dead: the dead-letter file's date, -1 if none */
};

struct alert {
	/* settings */
	enum target to;
	char *url;		/* secret: never shown */
	char origin[256];	/* what messages show of it */
	unsigned batch;
	double rate;
	unsigned long cooldown;
	unsigned long hold;	/* --to alertmanager: seconds an alert fires */
	int per_ticker, dry_run, replay, outbox, notice, allow_http;
	const char *dashboard;
	long timeout_ms, connect_ms;
	unsigned retries;
	int64_t now;

	struct store st;
	int have_store;
	struct alert_anomaly *a;
	size_t n, cap;
	int64_t *src_days;	/* --replay-dlq, --outbox: the files read, by date */
	size_t nsrc, src_cap;
	unsigned long bad_state;	/* unusable lines in alerts/ and dlq/ */
	size_t printed;		/* result lines written so far */
	int unrecorded;		/* an outcome could not be stored */
	int status;
};

/* read.c: anomalies from input and from the dead-letter files */
int read_input(struct alert *, char **files, int nfiles, int strict);
int read_dlq(struct alert *);
int read_outbox(struct alert *);
/* The kind whose lines are settled: "dlq", "outbox" or NULL. */
const char *read_source_kind(const struct alert *);
void alert_free(struct alert *);

/* payload.c: Slack's message, and an anomaly in words */
void payload_slack(const struct alert *, struct alert_anomaly *const *, size_t,
    struct sam_buf *);
/* s in Slack's mrkdwn: &, < and > are its only escapes. */
void text_mrkdwn(struct sam_buf *, const char *s);
/* The ticker's page on the dashboard, or "" without --dashboard-url. */
void dashboard_link(const struct alert *, const char *ticker, struct sam_buf *);
void text_double(struct sam_buf *, double);
void text_volume(struct sam_buf *, double, int grouped);	/* 5,400,000 */
/* "daily bar of Wed 2024-01-10", "30m bar at Wed 2024-01-10 10:00 EST" */
void text_when(struct sam_buf *, const struct alert_anomaly *);
/* "SPY -3.9%": a market event's series and move; returns the items */
int text_move(struct sam_buf *, const struct alert_anomaly *, int mrkdwn);
/* "market-wide move: SPY -3.9%" */
void text_market_move(struct sam_buf *, const struct alert_anomaly *, int mrkdwn);
/* "return -8.3%<sep>excess ...<sep>volume 4.2x usual"; returns the items */
int text_signal(struct sam_buf *, const struct alert_anomaly *, int mrkdwn, const char *sep);
/* "`volume` z +4.60<sep>..." (names bare when plain), then p */
void text_metrics(struct sam_buf *, const struct alert_anomaly *, int plain, const char *sep);
/* The ticker whose page a message links to, or NULL. */
const char *text_page_ticker(const struct alert_anomaly *);

/* alertmanager.c: Alertmanager's webhook payload (version 4), and the
 * alerts its API takes (POST /api/v2/alerts) */
#define KV_MAX 24		/* labels or annotations of an alert */
#define KV_VALUE_MAX 640	/* bytes of a value, its NUL included */
struct kv {
	size_t n;
	struct {
		char k[SAM_METRIC_NAME_MAX + 3];	/* z_METRIC at the longest */
		char v[KV_VALUE_MAX];
	} e[KV_MAX];
};
/* Appends the pair k: v (cut at KV_VALUE_MAX - 1 bytes); none past KV_MAX. */
void kv_add(struct kv *, const char *k, const struct sam_buf *v);
/* Writes, as a JSON object, the pairs of kv[0] that each of the n kv
 * (stride bytes apart) has too: all of them for n = 1. */
void kv_write(struct sam_buf *, const struct kv *, size_t n, size_t stride);
/* Alertmanager's fingerprint of a label set (see alertmanager.c); a
 * label with an empty value counts as absent, as Alertmanager drops it. */
uint64_t am_fingerprint(const struct kv *labels);
void payload_webhook(const struct alert *, struct alert_anomaly *const *, size_t,
    struct sam_buf *);
void payload_alertmanager(const struct alert *, struct alert_anomaly *const *, size_t,
    struct sam_buf *);
/* The address of POST /api/v2/alerts for Alertmanager's address url
 * (its path completed unless it ends so already); malloc'ed, or NULL. */
char *alertmanager_endpoint(const char *url);

/* send.c: one message to the receiver, retried; what names it in the
 * warnings ("message 2 (20 anomalies)").  Returns 1 when it was
 * delivered; otherwise why in error. */
int send_init(struct alert *);
void send_free(void);
int send_message(struct alert *, const char *what, const struct sam_buf *payload,
    unsigned *attempts, char *error, size_t size);

/* state.c: the alerts already sent, and what each message changed */
/* Calls fn for each line of ROOT/KIND/DATE.ndjson, DATE >= from, oldest
 * first; fn returns 0, -1 (rejected), or -2 to stop (reported).  Lines
 * that are not JSON objects are reported and counted in bad_state.
 * 0, or -1 on an error reported. */
typedef int state_line_fn(struct alert *, struct sam_input *, struct sam_rec *,
    const char *line, size_t len, int64_t date);
int each_state_line(struct alert *, const char *kind, int64_t from, state_line_fn *);
int state_load(struct alert *);
void state_decide(struct alert *);
/* With --outbox: the ids of a message the receiver took, appended to
 * ROOT/outbox/.sent at once; and that file removed at the end of a run
 * whose every outcome is stored. */
void state_journal_add(struct alert *, struct alert_anomaly *const *, size_t);
void state_journal_done(struct alert *);
/* Records the outcome of a message: state for the sent, dead letters
 * for the failed, and the replayed lines settled.  0, or -1 (reported). */
int state_record(struct alert *, struct alert_anomaly *const *, size_t);
void state_free(void);

/* notice.c: --notice, the notice read from files[0] (or standard input)
 * sent, or written with --dry-run; returns the exit status. */
int notice_main(struct alert *, char **files, int nfiles);

/* noticeread.c: a notice as read and checked */
#define NOTICE_EVENTS 4
extern const char *const notice_events[NOTICE_EVENTS];	/* run_failed ... */
struct notice {
	int event;		/* in notice_events */
	struct sam_buf summary, detail, host, unit;	/* NUL-terminated; len 0: none */
	int64_t secs;
	char ts[21];
};
/* The notice in file ("-": standard input), its ts defaulting to now:
 * 0, -1 rejected or -2 a runtime failure (reported, n to be freed). */
int notice_read(const char *file, int64_t now, struct notice *);
void notice_free(struct notice *);

/* results: the lines on stdout, in input order, as far as decided */
void results_flush(struct alert *);

#endif
