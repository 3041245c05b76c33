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

/* Keeps a file's buffer for as long as the site: lines point into it. */
static int
keep(struct site *s, char *buf)
{
	if (store_grow(&s->bufs, &s->bcap, s->nbufs + 1, sizeof *s->bufs) < 0) {
		free(buf);
		return site_oom(s);
	}
	s->bufs[s->nbufs++] = buf;
	return 0;
}

/* Reads NAME from dirfd, a directory of KIND (of TICKER, for a keyed
 * kind), whole and splits it; 1 when there is no such file, 0, or -1
 * (reported).  The file's buffer is kept with the site when keep is set,
 * else it is the caller's to free. */
int
site_read_day(struct site *s, int dirfd, int kind, const char *ticker,
    const char *name, int64_t day, struct day *d, struct sam_input *in,
    struct sam_rec *rec, int keep_buf)
{
	int r = day_read(dirfd, name, d);

	in->file = store_path(&s->st, kind_names[kind], ticker ? ticker : name,
	    ticker ? name : NULL);
	if (r != 0)
		return r > 0 ? 1 : site_fail(s, "read", in->file) < 0 ? -1 : 1;
	if (keep_buf && keep(s, d->buf) < 0)
		return -1;
	if (day_parse(d, in, rec, ticker, day) < 0)
		return site_oom(s);
	if (KIND_KEYED(kind))
		day_check_order(d, in, 0);
	site_rejected(s, in);
	return 0;
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
	struct names n = { 0 };
	int64_t day;
	size_t j;
	int fd;

	*newest = -1;
	if ((fd = store_subdir(kindfd, ticker, 0)) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : site_fail(s, "open",
		    store_path(&s->st, kind_names[kind], ticker, NULL));
	if (names_list(fd, &n) < 0) {
		close(fd);
		return site_fail(s, "list", store_path(&s->st, kind_names[kind], ticker, NULL));
	}
	close(fd);
	for (j = n.n; j-- > 0 && *newest < 0;)	/* sorted: the newest is last */
		if (day_file_name(n.v[j].s, &day) == 0)
			*newest = day;
	names_free(&n);
	return 0;
}

/* The tickers: every directory of raw/ and anomalies/ named as one,
 * sorted, and the newest day of either (s->latest). */
static int
list_tickers(struct site *s, int kindfd[2])
{
	struct names n = { 0 };
	size_t i, j;
	int k;

	for (k = 0; k < 2; k++, names_free(&n)) {
		if (kindfd[k] < 0)
			continue;
		if (names_list(kindfd[k], &n) < 0)
			return site_fail(s, "list", store_path(&s->st, kind_names[k], NULL, NULL));
		for (i = 0; i < n.n; i++) {
			if (!sam_valid_ticker(n.v[i].s, strlen(n.v[i].s)) ||
			    n.v[i].type == ENT_FILE || n.v[i].type == ENT_OTHER)
				continue;
			if (n.v[i].type == ENT_LINK) {
				errno = ELOOP;
				site_fail(s, "open", store_path(&s->st, kind_names[k], n.v[i].s, NULL));
				continue;
			}
			if (store_grow(&s->t, &s->tcap, s->nt + 1, sizeof *s->t) < 0) {
				names_free(&n);
				return site_oom(s);
			}
			memset(&s->t[s->nt], 0, sizeof s->t[0]);
			strcpy(s->t[s->nt++].name, n.v[i].s);
		}
	}
	names_free(&n);
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
    const struct sam_rec *rec, const struct entry *e)
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
	return r;
}

static int
add_anomaly(struct site *s, struct ticker *t, struct sam_input *in,
    const struct sam_rec *rec, const struct entry *e)
{
	if (store_grow(&s->a, &s->acap, s->na + 1, sizeof *s->a) < 0)
		return site_oom(s);
	if (site_anomaly(&s->a[s->na], t->name, in, rec, e) < 0)
		return 0;	/* reported */
	t->by_sev[s->a[s->na++].sev]++;
	return 0;
}

/* The anomalies of a ticker from s->latest - days + 1 on, newest first. */
static int
load_anomalies(struct site *s, int kindfd, struct ticker *t, struct day *d,
    struct sam_rec *rec)
{
	struct names n = { 0 };
	struct sam_input in = { 0 };
	int64_t day, from = s->latest - (int64_t)s->days + 1;
	size_t i, k;
	int fd, r = 0;

	t->first = s->na;
	if ((fd = store_subdir(kindfd, t->name, 0)) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 :
		    site_fail(s, "open", store_path(&s->st, "anomalies", t->name, NULL));
	if (names_list(fd, &n) < 0) {
		close(fd);
		return site_fail(s, "list", store_path(&s->st, "anomalies", t->name, NULL));
	}
	for (i = 0; i < n.n && r == 0; i++) {
		if (day_file_name(n.v[i].s, &day) < 0 || day < from)
			continue;
		if ((r = site_read_day(s, fd, KIND_ANOMALIES, t->name, n.v[i].s, day, d, &in,
		    rec, 1)) != 0) {
			r = r < 0 ? -1 : 0;
			continue;
		}
		for (k = 0; k < d->n && r == 0; k++) {
			const char *why;
			size_t at;
			if (d->e[k].bad)
				continue;
			if (sam_rec_parse(rec, d->e[k].line, d->e[k].len, &why, &at) < 0)
				r = site_oom(s);	/* parsed once already: only memory fails */
			else
				r = add_anomaly(s, t, &in, rec, &d->e[k]);
		}
		site_rejected(s, &in);
	}
	names_free(&n);
	close(fd);
	t->n = s->na - t->first;
	if (t->n)
		qsort(s->a + t->first, t->n, sizeof *s->a, anomaly_cmp_desc);
	return r < 0 ? -1 : 0;
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

/* The last line of the newest runs/ file that is a run record. */
static int
load_run(struct site *s, int runsfd, struct day *d, struct sam_rec *rec)
{
	struct names n = { 0 };
	struct sam_input in = { 0 };
	int64_t day;
	size_t i, k;
	int r;

	if (names_list(runsfd, &n) < 0)
		return site_fail(s, "list", store_path(&s->st, "runs", NULL, NULL));
	for (i = n.n; i-- > 0 && !s->run.have;) {
		if (day_file_name(n.v[i].s, &day) < 0)
			continue;
		if ((r = site_read_day(s, runsfd, KIND_RUNS, NULL, n.v[i].s, day, d, &in, rec, 1)) < 0) {
			names_free(&n);
			return -1;
		}
		for (k = d->n; r == 0 && k-- > 0 && !s->run.have;) {
			const struct sam_field *st;
			const char *why;
			size_t at;
			if (d->e[k].bad || sam_rec_parse(rec, d->e[k].line, d->e[k].len, &why, &at) < 0)
				continue;
			if (get_time(rec, "start", &s->run.start) < 0) {
				in.line = d->e[k].lineno;	/* reported, as the other bad lines */
				sam_reject(&in, "not a run record: no \"start\" time");
				in.line = 0;
				site_rejected(s, &in);
				continue;
			}
			get_time(rec, "end", &s->run.end);
			st = sam_rec_get(rec, "status");
			s->run.ok = st && st->vlen == 4 && memcmp(st->val, "\"ok\"", 4) == 0;
			s->run.partial = any_stage_partial(sam_rec_get(rec, "stages"));
			s->run.line = d->e[k].line;
			s->run.len = d->e[k].len;
			s->run.have = 1;
		}
	}
	names_free(&n);
	return 0;
}

/* Dead letters waiting: the lines of every dlq/ file. */
static int
count_dlq(struct site *s, int dlqfd, struct day *d, struct sam_rec *rec)
{
	struct names n = { 0 };
	struct sam_input in = { 0 };
	int64_t day;
	size_t i, k;

	if (names_list(dlqfd, &n) < 0)
		return site_fail(s, "list", store_path(&s->st, "dlq", NULL, NULL));
	for (i = 0; i < n.n; i++) {
		if (day_file_name(n.v[i].s, &day) < 0)
			continue;
		if (site_read_day(s, dlqfd, KIND_DLQ, NULL, n.v[i].s, day, d, &in, rec, 0) < 0) {
			names_free(&n);
			return -1;
		}
		for (k = 0; k < d->n; k++)
			s->dlq_depth += !d->e[k].bad;
		free(d->buf);
		d->buf = NULL;
	}
	names_free(&n);
	return 0;
}

/* ---- the whole store ---- */

static int
open_kind(struct site *s, int kind)
{
	int fd = store_subdir(s->st.fd, kind_names[kind], 0);

	if (fd < 0 && errno != ENOENT)
		return site_fail(s, "open", store_path(&s->st, kind_names[kind], NULL, NULL)) < 0 ? -2 : -1;
	return fd;
}

int
site_load(struct site *s)
{
	struct day d = { 0 };
	struct sam_rec rec = { 0 };
	int fd[KIND_N], k, r = 0;
	size_t i;

	s->latest = -1;
	for (k = 0; k < KIND_N; k++)
		if ((fd[k] = open_kind(s, k)) == -2)
			r = -1;
	if (r == 0)
		r = list_tickers(s, fd);
	for (i = 0; i < s->nt && r == 0 && fd[KIND_ANOMALIES] >= 0; i++)
		r = load_anomalies(s, fd[KIND_ANOMALIES], &s->t[i], &d, &rec);
	if (r == 0 && fd[KIND_RUNS] >= 0)
		r = load_run(s, fd[KIND_RUNS], &d, &rec);
	if (r == 0 && fd[KIND_DLQ] >= 0)
		r = count_dlq(s, fd[KIND_DLQ], &d, &rec);
	for (i = 0; i < s->na; i++)
		if (sam_ny_date(s->a[i].secs) == s->latest)
			s->latest_by_sev[s->a[i].sev]++;
	for (k = 0; k < KIND_N; k++)
		if (fd[k] >= 0)
			close(fd[k]);
	d.buf = NULL;		/* kept in s->bufs */
	day_free(&d);
	sam_rec_free(&rec);
	return r;
}

void
site_free(struct site *s)
{
	size_t i;

	for (i = 0; i < s->nbufs; i++)
		free(s->bufs[i]);
	free(s->bufs);
	free(s->t);
	free(s->a);
}
