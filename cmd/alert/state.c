/*
 * state.c - what sam-alert keeps in the store: the anomalies alerted
 * (ROOT/alerts/DATE.ndjson, for the cooldown) and the dead letters
 * (ROOT/dlq/DATE.ndjson); with --outbox, the outbox lines settled.
 *
 * An anomaly of the outbox leaves it in the same commit that records
 * its outcome, and after it (the batch renames in order): a kill at any
 * moment leaves it either pending or settled, and one settled whose
 * outbox file was not yet rewritten is skipped by its alerts/ line.
 * The window left is a message the receiver took whose outcome was not
 * yet committed.  To narrow it to the request in flight, the ids of a
 * message taken are appended to ROOT/outbox/.sent by one write(2) the
 * moment the answer comes, before the commit and its syncs: a write
 * survives the process (not a power cut, which the commit is for), and
 * the next run finds those ids there and settles them as sent
 * ("recovered") instead of sending them again.  Only a kill between the
 * receiver's taking the request and that write sends a message twice:
 * delivery is at least once.
 *
 * The state is read without the lock (files are only ever replaced
 * whole).  After each message the lock is taken just long enough to
 * append to, or rewrite, the day files that message changed, through
 * libstore's atomic batches; holding it for the whole run would stall
 * the sam-store put that feeds us in a pipeline.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"

#define THIS_RUN INT64_MIN	/* chosen in this run, not yet alerted */

/* An id alerted within the cooldown: when last, and the highest
 * severity it was alerted at (SEV_UNKNOWN when a line had none). */
struct seen {
	int64_t at;		/* 0: in this run only */
	int sev;
	int this_run;		/* chosen in this run too */
};

static struct sam_map by_id;		/* -> struct seen * */
static struct sam_map by_ticker;	/* -> int64_t *: alerted at */
static struct sam_map journal;		/* "ID SEVERITY" or "ID" of outbox/.sent -> (void *)1 */
static struct sam_map parked;		/* --outbox: "ID SEVERITY" in dlq/ -> int64_t *: date */
#define JOURNAL "outbox/.sent"

/* Notes that key was alerted at t (or THIS_RUN); keeps the latest. */
static int
remember(struct sam_map *m, const char *key, int64_t t)
{
	int isnew;
	void **slot = sam_map_put(m, key, strlen(key), &isnew);
	int64_t *v;

	if (!slot)
		return -1;
	if (!*slot) {
		if (!(v = malloc(sizeof *v)))
			return -1;
		*v = t;
		*slot = v;
	} else if (*(v = *slot) < t) {
		*v = t;
	}
	return 0;
}

static const int64_t *
recall(const struct sam_map *m, const char *key)
{
	return sam_map_get(m, key, strlen(key));
}

/* Notes that id was alerted at t (or THIS_RUN) at severity sev; keeps
 * the latest time and the highest severity. */
static int
remember_id(const char *id, int64_t t, int sev)
{
	int isnew;
	void **slot = sam_map_put(&by_id, id, strlen(id), &isnew);
	struct seen *v;

	if (!slot || (!*slot && !(*slot = calloc(1, sizeof *v))))
		return -1;
	v = *slot;
	if (t == THIS_RUN)
		v->this_run = 1;
	else if (v->at < t)
		v->at = t;
	if (isnew || v->sev < sev)
		v->sev = sev;
	return 0;
}

/* "ID SEVERITY", the key of the journal and of the parked. */
static void
id_sev(char *key, size_t size, const char *id, int sev)
{
	snprintf(key, size, "%s %s", id, sam_severity_names[sev]);
}

/* One line of an alerts file.  A line without a severity was written
 * before lines had one: its id counts as alerted at a severity nothing
 * escalates, so that an upgrade sends no id twice within its cooldown;
 * so does a line whose severity is not one of the four (reported). */
static int
load_line(struct alert *al, struct sam_input *in, const struct sam_rec *rec)
{
	static const char *const keys[] = { "id", "ticker", "alerted_at", "severity" };
	const struct sam_field *f[4];
	char id[ID_MAX + 1], ticker[SAM_TICKER_MAX + 1], at[40], sev[16];
	size_t len;
	int64_t t;
	int k, s = SEV_UNKNOWN;

	if (sam_rec_find(rec, keys, 4, f) >= 0)
		return sam_reject(in, "a field comes twice");
	for (k = 0; k < 3; k++)
		if (!f[k] || f[k]->type != SAM_JSTRING)
			return sam_reject(in, "field \"%s\": missing or not a string", keys[k]);
	if (sam_jstr_decode(f[0], id, sizeof id, &len) < 0 || len == 0 ||
	    sam_jstr_decode(f[1], ticker, sizeof ticker, &len) < 0 ||
	    !sam_valid_ticker(ticker, len) ||
	    sam_jstr_decode(f[2], at, sizeof at, &len) < 0 ||
	    sam_parse_ts(at, len, &t, NULL) < 0)
		return sam_reject(in, "not an alert record (id, ticker, alerted_at)");
	if (al->now - t >= (int64_t)al->cooldown)
		return 0;
	if (f[3] && (f[3]->type != SAM_JSTRING ||
	    sam_jstr_decode(f[3], sev, sizeof sev, &len) < 0 ||
	    (s = sam_severity_parse(sev, len)) < 0)) {
		s = SEV_UNKNOWN;
		sam_reject(in, "field \"severity\": not " SAM_SEVERITY_LIST "; "
		    "its id is not escalated");
	}
	if (remember_id(id, t, s) < 0 || remember(&by_ticker, ticker, t) < 0) {
		sam_log(SAM_FATAL, NULL, 0, "out of memory");
		return -2;
	}
	return 0;
}

/* A walk of each_state_line.  The lines are split here, not by
 * store_day_parse: they have no key, and one that is not a JSON object
 * is reported in sam-alert's own words. */
struct state_walk {
	struct store_walk w;	/* first: the walk's callbacks get both */
	struct alert *al;
	state_line_fn *fn;
};

static int
state_file(struct store_walk *w, struct store_day *d, int64_t date)
{
	struct state_walk *sw = (struct state_walk *)w;
	size_t k = 0;

	for (w->in.line = 1; k < d->len; w->in.line++) {
		char *line = d->buf + k, *nl = memchr(line, '\n', d->len - k);
		size_t len = nl ? (size_t)(nl - line) : d->len - k;
		const char *why;
		size_t at;
		k += len + 1;
		if (len == 0)
			continue;
		if (sam_rec_parse(&w->rec, line, len, &why, &at) < 0)
			sam_reject(&w->in, "%s at byte %zu", why, at);
		else if (sw->fn(sw->al, &w->in, &w->rec, line, len, date) == -2)
			return -1;
	}
	return 0;
}

/* A directory named as a day file is none: skipped; any other failure
 * to read the state is fatal. */
static int
state_fail(struct store_walk *w, const char *verb, const char *path)
{
	if (w->at && w->at->type == STORE_ENT_DIR)
		return 0;
	sam_fatal_errno("%s %s", verb, path);
	return -1;
}

int
each_state_line(struct alert *al, const char *kind, int64_t from, state_line_fn *fn)
{
	struct state_walk sw = { .w = { .kind = store_kind_parse(kind), .from = from,
	    .to = INT64_MAX, .file = state_file, .fail = state_fail }, .al = al, .fn = fn };
	int r = store_walk(&al->st, -1, &sw.w);

	al->bad_state += sw.w.in.rejected;
	return r;
}

static int
on_alert(struct alert *al, struct sam_input *in, struct sam_rec *rec,
    const char *line, size_t len, int64_t date)
{
	(void)line, (void)len, (void)date;
	return load_line(al, in, rec);
}

/* The lines of outbox/.sent, "ID SEVERITY" each (or "ID", as runs
 * before escalation wrote them); a last line without its newline was
 * cut by a kill and is not one. */
static int
journal_load(struct alert *al)
{
	struct store_day d = { 0 };
	size_t k = 0;
	int r, isnew;

	if ((r = store_day_read(al->st.fd, JOURNAL, &d)) < 0) {
		sam_fatal_errno("read %s", store_path(&al->st, JOURNAL, NULL, NULL));
		return -1;
	}
	while (r == 0 && k < d.len) {
		char *line = d.buf + k, *nl = memchr(line, '\n', d.len - k);
		void **slot;
		if (!nl)
			break;
		k += (size_t)(nl - line) + 1;
		if (nl == line)
			continue;
		if (!(slot = sam_map_put(&journal, line, (size_t)(nl - line), &isnew))) {
			sam_log(SAM_FATAL, NULL, 0, "out of memory");
			r = -1;
		} else {
			*slot = (void *)1;
		}
	}
	store_day_free(&d);
	return r < 0 ? -1 : 0;
}

/* Whether a run killed before it recorded so sent a: its id at its
 * severity is in the journal, or its id alone (a journal of a run
 * before escalation, whose line fits any severity). */
static int
journaled(const struct alert_anomaly *a, const char *key)	/* its "ID SEVERITY" */
{
	return sam_map_get(&journal, key, strlen(key)) ||
	    sam_map_get(&journal, a->an.id, strlen(a->an.id));
}

/* A dead letter's id and severity, for --outbox: an anomaly of the
 * outbox that is parked already, at the same severity, was parked by a
 * run killed between renaming the dead-letter file and the outbox file
 * (one parked at a lower severity is a dead letter of its own, and the
 * higher one still goes). */
static int
on_parked(struct alert *al, struct sam_input *in, struct sam_rec *rec,
    const char *line, size_t len, int64_t date)
{
	const struct sam_field *f = sam_rec_get(rec, "id"), *an = sam_rec_get(rec, "anomaly");
	struct sam_rec inner = { 0 };
	const struct sam_field *sf;
	char id[ID_MAX + 1], sev[16], key[ID_MAX + 16];
	const char *why;
	size_t n, at;
	int s = -1;

	(void)al, (void)line, (void)len, (void)in;
	if (!f || f->type != SAM_JSTRING || sam_jstr_decode(f, id, sizeof id, &n) < 0 ||
	    !an || an->type != SAM_JOBJECT)
		return 0;	/* replay reports it */
	if (sam_rec_parse(&inner, an->val, an->vlen, &why, &at) == 0 &&
	    (sf = sam_rec_get(&inner, "severity")) && sf->type == SAM_JSTRING &&
	    sam_jstr_decode(sf, sev, sizeof sev, &n) == 0)
		s = sam_severity_parse(sev, n);
	sam_rec_free(&inner);
	if (s < 0)
		return 0;	/* not an anomaly: replay reports it */
	id_sev(key, sizeof key, id, s);
	if (remember(&parked, key, date) < 0) {
		sam_log(SAM_FATAL, NULL, 0, "out of memory");
		return -2;
	}
	return 0;
}

int
state_load(struct alert *al)
{
	/* the parked are only looked up for what the outbox holds */
	if (al->outbox && al->have_store && al->n && (journal_load(al) < 0 ||
	    each_state_line(al, "dlq", INT64_MIN, on_parked) < 0))
		return -1;
	if (!al->have_store || al->cooldown == 0)
		return 0;
	return each_state_line(al, "alerts", sam_ny_date(al->now - (int64_t)al->cooldown),
	    on_alert);
}

void
state_journal_add(struct alert *al, struct alert_anomaly *const *v, size_t n)
{
	struct sam_buf b = { 0 };
	size_t i;
	int fd;

	if (!al->outbox)
		return;
	/* the severity too: an escalation of an id the journal holds
	 * from an earlier message is not that message */
	for (i = 0; i < n; i++)
		sam_buf_printf(&b, "%s %s\n", v[i]->an.id, sam_severity_names[v[i]->an.sev]);
	fd = openat(al->st.fd, JOURNAL, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0640);
	/* one write: a kill leaves it whole, or its last line cut */
	if (b.err || fd < 0 || write(fd, b.p, b.len) != (ssize_t)b.len)
		sam_log(SAM_WARNING, NULL, 0, "%s: not written (%s): a kill before "
		    "the outcome is stored would send the message again",
		    store_path(&al->st, JOURNAL, NULL, NULL),
		    b.err ? "out of memory" : strerror(errno));
	if (fd >= 0)
		close(fd);
	sam_buf_free(&b);
}

void
state_journal_done(struct alert *al)
{
	if (!al->outbox || !al->have_store || al->dry_run || store_lock(&al->st) != 0)
		return;
	/* what it holds is in alerts/ now, each outcome committed */
	if (unlinkat(al->st.fd, JOURNAL, 0) < 0 && errno != ENOENT)
		sam_fatal_errno("remove %s", store_path(&al->st, JOURNAL, NULL, NULL));
	store_unlock(&al->st);
}

static void
skip(struct alert_anomaly *a, const char *reason, int64_t t)
{
	a->result = R_SKIPPED;
	a->reason = reason;
	a->alerted_at = t;
}

/* Whether a is sent: not when its id was alerted within the cooldown
 * (in an earlier run, or earlier in this one) at its severity or a
 * higher one; when at a lower one only, it is sent as an escalation. */
static int
due(struct alert *al, struct alert_anomaly *a)
{
	const struct seen *s;

	if (!al->cooldown || !(s = sam_map_get(&by_id, a->an.id, strlen(a->an.id))))
		return 1;
	if (a->an.sev <= s->sev) {
		skip(a, s->this_run ? "repeat" : "cooldown", s->this_run ? 0 : s->at);
		return 0;
	}
	a->escalation = 1;
	a->prev_sev = s->sev;
	return 1;
}

void
state_decide(struct alert *al)
{
	char key[ID_MAX + 16];
	size_t i;

	for (i = 0; i < al->n; i++) {
		struct alert_anomaly *a = &al->a[i];
		const int64_t *t;
		if (!due(al, a))
			continue;
		id_sev(key, sizeof key, a->an.id, a->an.sev);
		if (a->src_line && journaled(a, key)) {
			a->result = R_SENT;	/* by a run killed before it said so */
			a->recovered = 1;
		} else if (a->src_line && (t = recall(&parked, key))) {
			a->result = R_DEAD;	/* parked by a run killed */
			a->recovered = 1;
			a->dlq_date = *t;
			a->error = strdup("parked already, by a run stopped before it "
			    "took it out of the outbox");
			if (!a->error)
				al->status = SAM_EXIT_RUNTIME;
		} else if (al->per_ticker && !a->escalation &&
		    (t = recall(&by_ticker, a->an.key.ticker))) {
			/* an escalation is of the alert its ticker had */
			skip(a, "ticker", *t == THIS_RUN ? 0 : *t);
			continue;
		} else if (remember(&by_ticker, a->an.key.ticker, THIS_RUN) < 0) {
			al->status = SAM_EXIT_RUNTIME;	/* it is sent: no harm */
		}
		if (remember_id(a->an.id, THIS_RUN, a->an.sev) < 0)
			al->status = SAM_EXIT_RUNTIME;
	}
}

void
state_free(void)
{
	sam_map_free(&by_id, free);
	sam_map_free(&by_ticker, free);
	sam_map_free(&journal, NULL);
	sam_map_free(&parked, free);
}

/* ---- after a message ---- */

static void
put_time(struct sam_buf *b, const char *name, int64_t t)
{
	char ts[21];

	sam_format_ts(ts, t);
	sam_buf_printf(b, ",\"%s\":\"%s\"", name, ts);
}


static void
alert_line(const struct alert *al, const struct alert_anomaly *a, int64_t now, struct sam_buf *b)
{
	sam_buf_puts(b, "{\"id\":");
	sam_buf_jstr(b, a->an.id, strlen(a->an.id));
	sam_buf_printf(b, ",\"ticker\":\"%s\",\"severity\":\"%s\",\"to\":\"%s\"",
	    a->an.key.ticker, sam_severity_names[a->an.sev], target_names[al->to]);
	put_time(b, "alerted_at", now);
	sam_buf_puts(b, "}\n");
}

static void
dead_letter_line(const struct alert *al, const struct alert_anomaly *a, int64_t now,
    struct sam_buf *b)
{
	sam_buf_puts(b, "{\"id\":");
	sam_buf_jstr(b, a->an.id, strlen(a->an.id));
	sam_buf_printf(b, ",\"ticker\":\"%s\",\"to\":\"%s\",\"error\":", a->an.key.ticker,
	    target_names[al->to]);
	sam_buf_jstr(b, a->error ? a->error : "", a->error ? strlen(a->error) : 0);
	sam_buf_printf(b, ",\"attempts\":%u", a->prior_attempts + a->attempts);
	put_time(b, "first_attempt", a->first_attempt ? a->first_attempt : now);
	put_time(b, "last_attempt", now);
	sam_buf_puts(b, ",\"anomaly\":");
	sam_buf_put(b, a->rec, a->len);
	sam_buf_puts(b, "}\n");
}

/* The next version of a dead-letter or outbox file: the lines it has,
 * less the settled anomalies in v (a dead letter still dead is changed,
 * not removed).  An empty result removes the file.  (New lines are
 * appended with store_batch_append.) */
struct change {
	struct store *s;
	struct store_batch *b;
	const char *kind;
	int dirfd;
	unsigned gen;
};

/* A batch's done callback: a source file the commit left empty (its
 * tag is its date + 1) is removed, if it is empty still (a dead letter
 * of today may have joined it in the same batch). */
static void
remove_emptied(uint32_t tag, void *ctx)
{
	const struct change *c = ctx;
	char name[24];
	struct stat st;

	if (tag == 0)
		return;
	sam_format_date(name, (int64_t)tag - 1);
	strcat(name, ".ndjson");
	if (fstatat(c->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && st.st_size == 0 && unlinkat(c->dirfd, name, 0) < 0)
		sam_fatal_errno("remove %s", store_path(c->s, c->kind, name, NULL));
}

static int
rewrite(struct change *c, int64_t date, struct alert_anomaly *const *v, size_t n,
    int64_t now, const struct alert *al)
{
	char name[24];
	const char *shown;
	struct store_day d = { 0 };
	struct sam_buf out = { 0 };
	size_t k = 0, i;
	int r;

	sam_format_date(name, date);
	strcat(name, ".ndjson");
	shown = store_path(c->s, c->kind, name, NULL);
	if ((r = store_day_read(c->dirfd, name, &d)) < 0) {
		sam_fatal_errno("read %s", shown);
		return -1;
	}
	while (r == 0 && k < d.len) {
		char *line = d.buf + k, *nl = memchr(line, '\n', d.len - k);
		size_t len = nl ? (size_t)(nl - line) : d.len - k;
		struct alert_anomaly *hit = NULL;
		k += len + 1;
		for (i = 0; i < n && !hit; i++)	/* each replayed line once */
			if (v[i]->src_line && v[i]->src_len == len &&
			    memcmp(v[i]->src_line, line, len) == 0)
				hit = v[i];
		if (!hit) {
			sam_buf_put(&out, line, len);
			sam_buf_putc(&out, '\n');
		} else if (hit->result == R_DEAD && al->replay) {
			dead_letter_line(al, hit, now, &out);
		}
		if (hit)	/* settled: it matches no other line */
			hit->src_len = (size_t)-1;
	}
	if (out.err) {
		sam_log(SAM_FATAL, NULL, 0, "out of memory");
		r = -1;
	} else if (r == 0 && store_day_changes(&d, &out)) {
		/* emptied, it is replaced by an empty file in the batch and
		 * removed after the commit: removing it now would lose its
		 * lines if a kill came before their outcome is committed */
		r = store_batch_add(c->b, c->dirfd, c->gen, name, shown, &out,
		    out.len ? 0 : (uint32_t)(date + 1), remove_emptied, c);
	}
	store_day_free(&d);
	sam_buf_free(&out);
	return r;
}

static int
open_kind(struct change *c, const char *kind)
{
	c->kind = kind;
	c->gen++;
	if (c->dirfd >= 0)
		close(c->dirfd);
	if ((c->dirfd = store_subdir(c->s->fd, kind, 1)) < 0) {
		sam_fatal_errno("open %s", store_path(c->s, kind, NULL, NULL));
		return -1;
	}
	return 0;
}

/* Settles the lines of v in their files. */
static int
settle_source(struct alert *al, struct change *c, struct alert_anomaly *const *v,
    size_t n, int64_t now)
{
	size_t f, i;

	for (f = 0; f < al->nsrc; f++) {
		int any = 0;
		for (i = 0; i < n; i++)
			any |= v[i]->src_day == (int)f;
		if (any && rewrite(c, al->src_days[f], v, n, now, al) < 0)
			return -1;
	}
	return 0;
}

int
state_record(struct alert *al, struct alert_anomaly *const *v, size_t n)
{
	struct store_batch b = { .s = &al->st };
	struct change c = { .s = &al->st, .b = &b, .dirfd = -1 };
	struct sam_buf sent = { 0 }, dead = { 0 };
	int64_t now = sam_now(), today = sam_ny_date(now);
	size_t i;
	int r = -1;

	for (i = 0; i < n; i++) {
		if (v[i]->result == R_SENT)
			alert_line(al, v[i], now, &sent);
		else if (v[i]->result == R_DEAD && !al->replay && !v[i]->recovered)
			dead_letter_line(al, v[i], now, &dead);
		if (v[i]->result == R_DEAD && !v[i]->recovered)
			v[i]->dlq_date = !al->replay ? today : al->src_days[v[i]->src_day];
	}
	if (sent.err || dead.err) {
		sam_log(SAM_FATAL, NULL, 0, "out of memory");
		goto out;
	}
	if (store_lock(&al->st) != 0)
		goto out;
	/* the outcome first, then the outbox (renamed in this order) */
	if ((sent.len && (open_kind(&c, "alerts") < 0 ||
	    store_batch_append(&b, c.dirfd, c.gen, c.kind, today, &sent) < 0)) ||
	    ((dead.len || al->replay) && open_kind(&c, "dlq") < 0) ||
	    (al->replay && settle_source(al, &c, v, n, now) < 0) ||
	    (dead.len && store_batch_append(&b, c.dirfd, c.gen, c.kind, today, &dead) < 0) ||
	    (al->outbox && (open_kind(&c, "outbox") < 0 ||
	    settle_source(al, &c, v, n, now) < 0)) ||
	    store_batch_commit(&b, remove_emptied, &c) < 0) {
		store_batch_abort(&b);
		goto out;
	}
	store_batch_abort(&b);	/* frees it; nothing is left to throw away */
	r = 0;
out:
	if (c.dirfd >= 0)
		close(c.dirfd);
	store_unlock(&al->st);
	sam_buf_free(&sent);
	sam_buf_free(&dead);
	if (r < 0)
		for (i = 0; i < n; i++)
			if (v[i]->result == R_DEAD && !al->replay && !v[i]->recovered)
				v[i]->dlq_date = -1;
	return r;
}
