/*
 * read.c - the anomalies to deliver: read from the input, or from the
 * dead-letter files for --replay-dlq, and checked before anything is
 * sent, so that a message never carries a field it cannot show safely.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"

static int
oom(struct sam_input *in)
{
	sam_log(SAM_FATAL, in->file, in->line, "out of memory");
	return -2;
}

static int
metric_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* "metrics": an array of up to METRICS_MAX names of [a-z0-9_], as
 * sam-detect writes it.  0, or -1 if it is anything else. */
static int
parse_metrics(struct anomaly *a, const char *p, const char *end)
{
	const char *ws = " \t\r\n";

	a->nmetrics = 0;
	p++;			/* '[' */
	p += strspn(p, ws);
	if (p < end && *p == ']')
		return 0;
	for (;;) {
		const char *name;
		size_t len;
		if (p >= end || *p != '"' || a->nmetrics == METRICS_MAX)
			return -1;
		for (name = ++p; p < end && metric_char(*p); p++)
			;
		len = (size_t)(p - name);
		if (p >= end || *p != '"' || len == 0 || len > METRIC_NAME_MAX)
			return -1;
		memcpy(a->metric[a->nmetrics].name, name, len);
		a->metric[a->nmetrics++].name[len] = '\0';
		p++;
		p += strspn(p, ws);
		if (p < end && *p == ']')
			return 0;
		if (p >= end || *p != ',')
			return -1;
		p++;
		p += strspn(p, ws);
	}
}

/* An optional number: absent and null are "none". */
static int
get_optional(struct sam_input *in, const struct sam_rec *rec, const char *name,
    double *v, int *has)
{
	const struct sam_field *f = sam_rec_get(rec, name);

	*has = 0;
	if (!f || f->type == SAM_JNULL)
		return 0;
	if (sam_get_number(in, f, name, v) < 0)
		return -1;
	*has = 1;
	return 0;
}

/* A field's value for a message: a string's contents, else its JSON. */
static const char *
quoted(char *q, size_t size, const struct sam_field *f)
{
	if (f->type == SAM_JSTRING)
		return sam_quote(q, size, f->val + 1, f->vlen - 2);
	return sam_quote(q, size, f->val, f->vlen);
}

/* Checks a record and fills a: 0, or -1 after sam_reject(). */
static int
parse_anomaly(struct sam_input *in, const struct sam_rec *rec, struct anomaly *a)
{
	static const char *const keys[] = { "ticker", "interval", "ts",
	    "anomaly", "severity", "score", "metrics", "id" };
	const struct sam_field *f[8];
	char sev[16], id[ID_MAX + 2], q[SAM_QUOTE_MAX];
	size_t len;
	int dup;
	unsigned i;

	if ((dup = sam_rec_find(rec, keys, 8, f)) >= 0)
		return sam_reject(in, "duplicate field \"%s\"", keys[dup]);
	if (!f[3] || f[3]->type != SAM_JTRUE)
		return sam_reject(in, "not an anomaly (\"anomaly\" is not true)");
	if (sam_get_key(in, f, &a->key) < 0)
		return -1;
	snprintf(a->id, sizeof a->id, "%s:%s:%s", a->key.ticker,
	    a->key.interval, a->key.ts);
	if (!f[4])
		return sam_reject(in, "missing field \"severity\"");
	if (f[4]->type != SAM_JSTRING || sam_jstr_decode(f[4], sev, sizeof sev, &len) < 0 ||
	    (a->sev = severity_parse(sev, len)) < 0)
		return sam_reject(in, "field \"severity\": not low, medium, high "
		    "or critical: %s", quoted(q, sizeof q, f[4]));
	if (sam_get_number(in, f[5], "score", &a->score) < 0)
		return -1;
	if (f[6] && (f[6]->type != SAM_JARRAY ||
	    parse_metrics(a, f[6]->val, f[6]->val + f[6]->vlen) < 0))
		return sam_reject(in, "field \"metrics\": not an array of up to "
		    "%d metric names", METRICS_MAX);
	if (f[7] && (f[7]->type != SAM_JSTRING ||
	    sam_jstr_decode(f[7], id, sizeof id, &len) < 0 || len != strlen(a->id) ||
	    memcmp(id, a->id, len) != 0))
		return sam_reject(in, "field \"id\": not %s: %s", a->id,
		    quoted(q, sizeof q, f[7]));
	for (i = 0; i < a->nmetrics; i++) {
		char name[METRIC_NAME_MAX + 3];
		snprintf(name, sizeof name, "z_%s", a->metric[i].name);
		if (get_optional(in, rec, name, &a->metric[i].z, &a->metric[i].has_z) < 0)
			return -1;
	}
	if (get_optional(in, rec, "close", &a->close, &a->has_close) < 0 ||
	    get_optional(in, rec, "volume", &a->volume, &a->has_volume) < 0)
		return -1;
	return 0;
}

/* Appends the record as the next anomaly: 0, -1 rejected, -2 no memory. */
static int
add_anomaly(struct alert *al, struct sam_input *in, const struct sam_rec *rec)
{
	struct sam_buf b = { 0 };
	struct anomaly *a;

	if (store_grow(&al->a, &al->cap, al->n + 1, sizeof *al->a) < 0)
		return oom(in);
	a = &al->a[al->n];
	memset(a, 0, sizeof *a);
	a->dlq_day = -1;
	a->dlq_date = -1;
	if (parse_anomaly(in, rec, a) < 0)
		return -1;
	sam_rec_write(rec, NULL, &b);
	if (b.err)
		return oom(in);
	a->rec = b.p;
	a->len = b.len - 1;	/* without its newline */
	al->n++;
	return 0;
}

static int
on_input(struct sam_input *in, struct sam_rec *rec, void *ctx)
{
	return add_anomaly(ctx, in, rec);
}

int
read_input(struct alert *al, char **files, int nfiles, int strict)
{
	struct sam_input in = { .strict = strict };

	return sam_input_run(&in, files, nfiles, on_input, al);
}

/* ---- --replay-dlq ---- */

/* A dead letter: its anomaly, and the attempts and first attempt so far. */
static int
add_dead_letter(struct alert *al, struct sam_input *in, struct sam_rec *rec,
    const char *line, size_t len, size_t day)
{
	static const char *const keys[] = { "anomaly", "attempts", "first_attempt" };
	const struct sam_field *f[3];
	struct sam_rec inner = { 0 };
	const char *why;
	size_t at;
	double n;
	int64_t first = 0;
	int r;

	if (sam_rec_find(rec, keys, 3, f) >= 0 || !f[0] || f[0]->type != SAM_JOBJECT)
		return sam_reject(in, "not a dead letter (no \"anomaly\" object)");
	if (f[1] && (f[1]->type != SAM_JNUMBER || sam_field_number(f[1], &n) < 0 ||
	    n < 0 || n > 1e6 || n != floor(n)))
		return sam_reject(in, "field \"attempts\": not a count");
	if (f[2] && (f[2]->type != SAM_JSTRING ||
	    sam_parse_ts(f[2]->val + 1, f[2]->vlen - 2, &first, NULL) < 0))
		return sam_reject(in, "field \"first_attempt\": not a timestamp");
	if (sam_rec_parse(&inner, f[0]->val, f[0]->vlen, &why, &at) < 0) {
		sam_rec_free(&inner);
		return sam_reject(in, "field \"anomaly\": %s", why);
	}
	r = add_anomaly(al, in, &inner);
	sam_rec_free(&inner);
	if (r < 0)
		return r;
	struct anomaly *a = &al->a[al->n - 1];
	if (!(a->dlq_line = malloc(len + 1)))
		return oom(in);
	memcpy(a->dlq_line, line, len);
	a->dlq_line[len] = '\0';
	a->dlq_len = len;
	a->dlq_day = (int)day;
	a->prior_attempts = f[1] ? (unsigned)n : 0;
	a->first_attempt = first;
	return 0;
}

static int
on_dead_letter(struct alert *al, struct sam_input *in, struct sam_rec *rec,
    const char *line, size_t len, int64_t date)
{
	if (al->ndlq == 0 || al->dlq_days[al->ndlq - 1] != date) {
		if (store_grow(&al->dlq_days, &al->dlq_cap, al->ndlq + 1,
		    sizeof *al->dlq_days) < 0)
			return oom(in);
		al->dlq_days[al->ndlq++] = date;
	}
	return add_dead_letter(al, in, rec, line, len, al->ndlq - 1);
}

/* Reads every ROOT/dlq/DATE.ndjson, oldest first.  An unusable line is
 * reported and stays where it is. */
int
read_dlq(struct alert *al)
{
	return each_state_line(al, "dlq", INT64_MIN, on_dead_letter);
}

void
alert_free(struct alert *al)
{
	size_t i;

	for (i = 0; i < al->n; i++) {
		free(al->a[i].rec);
		free(al->a[i].dlq_line);
		free(al->a[i].error);
	}
	free(al->a);
	free(al->dlq_days);
	sam_free_secret(al->url);
}
