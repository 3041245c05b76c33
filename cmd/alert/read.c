/*
 * read.c - the anomalies to deliver: read from the input, from the
 * dead-letter files for --replay-dlq or from the outbox for --outbox,
 * and checked before anything is
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

/* A message would carry the market's name: a record whose "market" is
 * not a ticker or "cross" is rejected, not sent without it. */
static int
check_market(struct sam_input *in, const struct sam_rec *rec)
{
	const struct sam_field *f = sam_rec_get(rec, "market");
	char name[SAM_TICKER_MAX + 1];

	if (!f || f->type == SAM_JNULL)
		return 0;
	return sam_get_string(in, f, "market", name, sizeof name,
	    sam_valid_market, "market");
}

/* Appends the record as the next anomaly: 0, -1 rejected, -2 no memory. */
static int
add_anomaly(struct alert *al, struct sam_input *in, const struct sam_rec *rec)
{
	struct sam_buf b = { 0 };
	struct alert_anomaly *a;

	if (sam_grow(&al->a, &al->cap, al->n + 1, sizeof *al->a) < 0)
		return oom(in);
	a = &al->a[al->n];
	memset(a, 0, sizeof *a);
	a->src_day = -1;
	a->dlq_date = -1;
	if (sam_anomaly_parse(in, rec, &a->an) < 0 || check_market(in, rec) < 0)
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

/* The last anomaly came from line of the file src_days[day]. */
static int
add_source(struct alert *al, struct sam_input *in, const char *line, size_t len,
    size_t day)
{
	struct alert_anomaly *a = &al->a[al->n - 1];

	if (!(a->src_line = malloc(len + 1)))
		return oom(in);
	memcpy(a->src_line, line, len);
	a->src_line[len] = '\0';
	a->src_len = len;
	a->src_day = (int)day;
	return 0;
}

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
	if (r < 0 || (r = add_source(al, in, line, len, day)) < 0)
		return r;
	al->a[al->n - 1].prior_attempts = f[1] ? (unsigned)n : 0;
	al->a[al->n - 1].first_attempt = first;
	return 0;
}

/* The file of the line being read, as an index in src_days. */
static int
source_day(struct alert *al, struct sam_input *in, int64_t date, size_t *day)
{
	if (al->nsrc == 0 || al->src_days[al->nsrc - 1] != date) {
		if (sam_grow(&al->src_days, &al->src_cap, al->nsrc + 1,
		    sizeof *al->src_days) < 0)
			return oom(in);
		al->src_days[al->nsrc++] = date;
	}
	*day = al->nsrc - 1;
	return 0;
}

static int
on_dead_letter(struct alert *al, struct sam_input *in, struct sam_rec *rec,
    const char *line, size_t len, int64_t date)
{
	size_t day;

	return source_day(al, in, date, &day) < 0 ? -2 :
	    add_dead_letter(al, in, rec, line, len, day);
}

/* Reads every ROOT/dlq/DATE.ndjson, oldest first.  An unusable line is
 * reported and stays where it is. */
int
read_dlq(struct alert *al)
{
	return each_state_line(al, "dlq", INT64_MIN, on_dead_letter);
}

/* ---- --outbox ---- */

static int
on_outbox(struct alert *al, struct sam_input *in, struct sam_rec *rec,
    const char *line, size_t len, int64_t date)
{
	size_t day;
	int r;

	if (source_day(al, in, date, &day) < 0)
		return -2;
	if ((r = add_anomaly(al, in, rec)) < 0)
		return r;
	return add_source(al, in, line, len, day);
}

/* Reads every ROOT/outbox/DATE.ndjson, oldest first: the anomalies
 * sam-store put --outbox stored and nobody settled yet.  An unusable
 * line is reported and stays where it is. */
int
read_outbox(struct alert *al)
{
	return each_state_line(al, "outbox", INT64_MIN, on_outbox);
}

const char *
read_source_kind(const struct alert *al)
{
	return al->replay ? "dlq" : al->outbox ? "outbox" : NULL;
}

void
alert_free(struct alert *al)
{
	size_t i;

	for (i = 0; i < al->n; i++) {
		free(al->a[i].rec);
		free(al->a[i].src_line);
		free(al->a[i].error);
	}
	free(al->a);
	free(al->src_days);
	sam_free_secret(al->url);
}
