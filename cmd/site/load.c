/*
 * load.c - what the site shows, read from the store without its lock
 * (writers only ever rename whole files into place): the tickers, their
 * recent anomalies, the newest date, the last run and the dead letters.
 *
 * A damaged stored line is reported with its path and line, skipped,
 * and makes the exit status 1; the site is built from the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "site.h"

int
site_oom(struct site *s)
{
	sam_log(SAM_FATAL, NULL, 0, "out of memory");
	s->status = SAM_EXIT_RUNTIME;
	return -1;
}

/* A link or a FIFO where a file should be is skipped like a damaged
 * line; any other failure to read the store is fatal. */
int
site_fail(struct site *s, const char *what, const char *path)
{
	if (errno == ELOOP || errno == EINVAL) {
		sam_log(SAM_ERROR, path, 0, errno == ELOOP ?
		    "a symbolic link: not followed" : "not a regular file");
		if (s->status == SAM_EXIT_OK)
			s->status = SAM_EXIT_REJECT;
		return 0;
	}
	sam_fatal_errno("%s %s", what, path);
	s->status = SAM_EXIT_RUNTIME;
	return -1;
}

void
site_rejected(struct site *s, const struct sam_input *in)
{
	if (in->rejected && s->status == SAM_EXIT_OK)
		s->status = SAM_EXIT_REJECT;
}

/* A walk's file(): keeps the file's buffer for as long as the site,
 * since the lines point into it. */
static int
keep(struct store_walk *w, struct store_day *d, int64_t day)
{
	struct site *s = ((struct site_walk *)w)->s;

	(void)day;
	if (sam_grow(&s->bufs, &s->bcap, s->nbufs + 1, sizeof *s->bufs) < 0) {
		free(d->buf);
		return site_oom(s);
	}
	s->bufs[s->nbufs++] = d->buf;
	return 0;
}

static int
walk_fail(struct store_walk *w, const char *verb, const char *path)
{
	return site_fail(((struct site_walk *)w)->s, verb, path);
}

int
site_walk(struct site *s, int kindfd, struct site_walk *sw)
{
	int r;

	sw->s = s;
	sw->w.file = sw->w.keep ? keep : NULL;
	sw->w.fail = walk_fail;
	r = store_walk(&s->st, kindfd, &sw->w);
	if (r < 0 && s->status != SAM_EXIT_RUNTIME)	/* store_day_parse's own: memory */
		site_oom(s);
	site_rejected(s, &sw->w.in);
	return r;
}

/* ---- tickers ---- */

static int
ticker_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ticker *)a)->name, ((const struct ticker *)b)->name);
}

/* The newest day file in KIND/TICKER, or -1. */
static int
newest_day(struct site *s, int kindfd, int kind, const char *ticker, int64_t *newest)
{
	struct store_names n = { 0 };
	int64_t day;
	size_t j;
	int fd;

	*newest = -1;
	if ((fd = store_subdir(kindfd, ticker, 0)) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : site_fail(s, "open",
		    store_path(&s->st, store_kind_names[kind], ticker, NULL));
	if (store_names_list(fd, &n) < 0) {
		close(fd);
		return site_fail(s, "list", store_path(&s->st, store_kind_names[kind], ticker, NULL));
	}
	close(fd);
	for (j = n.n; j-- > 0 && *newest < 0;)	/* sorted: the newest is last */
		if (store_day_name(n.v[j].s, &day) == 0)
			*newest = day;
	store_names_free(&n);
	return 0;
}

/* The tickers: every directory of raw/ and anomalies/ named as one,
 * sorted, and the newest day of either (s->latest). */
static int
list_tickers(struct site *s, int kindfd[2])
{
	struct store_names n = { 0 };
	size_t i, j;
	int k;

	for (k = 0; k < 2; k++, store_names_free(&n)) {
		if (kindfd[k] < 0)
			continue;
		if (store_names_list(kindfd[k], &n) < 0)
			return site_fail(s, "list", store_path(&s->st, store_kind_names[k], NULL, NULL));
		for (i = 0; i < n.n; i++) {
			if (!sam_valid_ticker(n.v[i].s, strlen(n.v[i].s)) ||
			    n.v[i].type == STORE_ENT_FILE || n.v[i].type == STORE_ENT_OTHER)
				continue;
			if (n.v[i].type == STORE_ENT_LINK) {
				errno = ELOOP;
				site_fail(s, "open", store_path(&s->st, store_kind_names[k], n.v[i].s, NULL));
				continue;
			}
			if (sam_grow(&s->t, &s->tcap, s->nt + 1, sizeof *s->t) < 0) {
				store_names_free(&n);
				return site_oom(s);
			}
			memset(&s->t[s->nt], 0, sizeof s->t[0]);
			strcpy(s->t[s->nt++].name, n.v[i].s);
		}
	}
	store_names_free(&n);
	if (s->nt)
		qsort(s->t, s->nt, sizeof *s->t, ticker_cmp);
	for (i = j = 0; i < s->nt; i++)		/* in both: once */
		if (j == 0 || strcmp(s->t[j - 1].name, s->t[i].name) != 0)
			s->t[j++] = s->t[i];
	s->nt = j;
	for (i = 0; i < s->nt; i++)
		for (k = 0; k < 2; k++) {
			int64_t day;
			if (kindfd[k] >= 0 && newest_day(s, kindfd[k], k, s->t[i].name, &day) < 0)
				return -1;
			if (kindfd[k] >= 0 && day > s->latest)
				s->latest = day;
		}
	return 0;
}

/* ---- anomalies ---- */

static int
anomaly_cmp_desc(const void *pa, const void *pb)
{
	const struct anomaly *a = pa, *b = pb;

	if (a->secs != b->secs)
		return a->secs > b->secs ? -1 : 1;
	if (a->ns != b->ns)
		return a->ns > b->ns ? -1 : 1;
	return (a->imin < b->imin) - (a->imin > b->imin);	/* longest first */
}

int
site_anomaly(struct anomaly *a, const char *ticker, struct sam_input *in,
    const struct sam_rec *rec, const struct store_entry *e)
{
	int r;

	memset(a, 0, sizeof *a);
	in->line = e->lineno;
	r = sam_anomaly_parse(in, rec, &a->an);
	in->line = 0;
	a->line = e->line;
	a->len = e->len;
	a->ticker = ticker;
	a->secs = e->secs;
	a->ns = e->ns;
	a->imin = e->imin;
	a->sev = (int8_t)a->an.sev;
	a->mock = (int8_t)site_is_mock(rec);
	return r;
}

int
site_is_mock(const struct sam_rec *rec)
{
	const struct sam_field *f = sam_rec_get(rec, "source");

	return f && f->type == SAM_JSTRING && f->vlen == 6 &&
	    memcmp(f->val, "\"mock\"", 6) == 0;
}

static int
add_anomaly(struct site *s, struct ticker *t, struct sam_input *in,
    const struct sam_rec *rec, const struct store_entry *e)
{
	if (sam_grow(&s->a, &s->acap, s->na + 1, sizeof *s->a) < 0)
		return site_oom(s);
	if (site_anomaly(&s->a[s->na], t->name, in, rec, e) < 0)
		return 0;	/* reported */
	s->mock += s->a[s->na].mock;
	t->by_sev[s->a[s->na++].sev]++;
	return 0;
}


static int
on_anomaly(struct sam_input *in, const struct sam_rec *rec, const struct store_entry *e,
    void *wv)
{
	struct site_walk *w = wv;

	return add_anomaly(w->s, w->ctx, in, rec, e);
}

/* The anomalies of a ticker from s->latest - days + 1 on, newest first. */
static int
load_anomalies(struct site *s, int kindfd, struct ticker *t)
{
	struct site_walk w = { .w = { .kind = STORE_ANOMALIES, .ticker = t->name,
	    .keep = 1, .from = s->latest - (int64_t)s->days + 1, .to = INT64_MAX,
	    .line = on_anomaly }, .ctx = t };
	int r;

	t->first = s->na;
	r = site_walk(s, kindfd, &w);
	t->n = s->na - t->first;
	if (t->n)
		qsort(s->a + t->first, t->n, sizeof *s->a, anomaly_cmp_desc);
	return r;
}

/* ---- the alert side: runs and dead letters ---- */

static int
get_time(const struct sam_rec *rec, const char *name, int64_t *t)
{
	const struct sam_field *f = sam_rec_get(rec, name);

	*t = -1;
	if (f && f->type == SAM_JSTRING)
		return sam_parse_ts(f->val + 1, f->vlen - 2, t, NULL) < 0 ? (*t = -1) : 0;
	return -1;
}

/* A stage that exited 1 let some records through and rejected others:
 * "stages" is an object of exit statuses. */
static int
any_stage_partial(const struct sam_field *f)
{
	struct sam_rec stages = { 0 };
	const char *why;
	size_t at, i;
	int partial = 0;

	if (f && f->type == SAM_JOBJECT && sam_rec_parse(&stages, f->val, f->vlen, &why, &at) == 0)
		for (i = 0; i < stages.n; i++)
			partial |= stages.f[i].vlen == 1 && stages.f[i].val[0] == '1';
	sam_rec_free(&stages);
	return partial;
}

/* A run record; the file's last one is the run (the walk goes newest
 * file first and stops after the first file that has one). */
static int
on_run(struct sam_input *in, const struct sam_rec *rec, const struct store_entry *e, void *wv)
{
	struct site_walk *w = wv;
	struct site_run *run = &w->s->run;
	const struct sam_field *st;
	int64_t start;

	if (get_time(rec, "start", &start) < 0) {
		sam_reject(in, "not a run record: no \"start\" time");
		return 0;	/* the next line may be one */
	}
	run->start = start;
	get_time(rec, "end", &run->end);
	st = sam_rec_get(rec, "status");
	run->ok = st && st->vlen == 4 && memcmp(st->val, "\"ok\"", 4) == 0;
	run->partial = any_stage_partial(sam_rec_get(rec, "stages"));
	run->line = e->line;
	run->len = e->len;
	run->have = 1;
	w->w.stop = 1;
	return 0;
}

/* Dead letters waiting: the lines of every dlq/ file. */
static int
on_dead_letter(struct sam_input *in, const struct sam_rec *rec, const struct store_entry *e,
    void *wv)
{
	(void)in, (void)rec, (void)e;
	((struct site_walk *)wv)->s->dlq_depth++;
	return 0;
}

/* ---- the whole store ---- */

static int
open_kind(struct site *s, int kind)
{
	int fd = store_subdir(s->st.fd, store_kind_names[kind], 0);

	if (fd < 0 && errno != ENOENT)
		return site_fail(s, "open", store_path(&s->st, store_kind_names[kind], NULL, NULL)) < 0 ? -2 : -1;
	return fd;
}

int
site_load(struct site *s)
{
	struct site_walk runs = { .w = { .kind = STORE_RUNS, .from = INT64_MIN,
	    .to = INT64_MAX, .newest_first = 1, .keep = 1, .line = on_run } };
	struct site_walk dlq = { .w = { .kind = STORE_DLQ, .from = INT64_MIN,
	    .to = INT64_MAX, .line = on_dead_letter } };
	int *fd = s->kindfd, k, r = 0;
	size_t i;

	s->latest = -1;
	for (k = 0; k < STORE_KINDS; k++)
		if ((fd[k] = open_kind(s, k)) == -2)
			r = -1;
	if (r == 0)
		r = list_tickers(s, fd);
	for (i = 0; i < s->nt && r == 0 && fd[STORE_ANOMALIES] >= 0; i++)
		r = load_anomalies(s, fd[STORE_ANOMALIES], &s->t[i]);
	if (r == 0 && fd[STORE_RUNS] >= 0)
		r = site_walk(s, fd[STORE_RUNS], &runs);
	if (r == 0 && fd[STORE_DLQ] >= 0)
		r = site_walk(s, fd[STORE_DLQ], &dlq);
	for (i = 0; i < s->na; i++)
		if (sam_ny_date(s->a[i].secs) == s->latest)
			s->latest_by_sev[s->a[i].sev]++;
	return r;
}

void
site_free(struct site *s)
{
	size_t i;

	for (i = 0; i < STORE_KINDS; i++)
		if (s->kindfd[i] >= 0)
			close(s->kindfd[i]);
	for (i = 0; i < s->nbufs; i++)
		free(s->bufs[i]);
	free(s->bufs);
	free(s->t);
	free(s->a);
}
