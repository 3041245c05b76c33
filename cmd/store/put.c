/*
 * put.c - sam-store put: upsert records by key into their day files.
 *
 * The input is read whole first, without the lock, grouped by day
 * file.  Then, under the lock, each day file is read, merged with its
 * group and, if store_day_changes() says so, written once (libstore's
 * batches).  Only then
 * is a record written to stdout, and only if its day file was stored:
 * what comes out has been stored, and what was not stored comes out of
 * the next put that stores it.
 *
 * stdout is not a promise to a reader that may die (sam-alert killed,
 * a broken pipe) or to a put killed after its commit.  With --outbox,
 * the new and changed anomalies of each batch are appended to
 * ROOT/outbox/DATE.ndjson, and that is made durable before any day file
 * of the batch is renamed: an anomaly in the store is in the outbox
 * until sam-alert --outbox settles it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

enum { REC_NEW, REC_CHANGED, REC_SAME };
enum { GROUP_PENDING, GROUP_STORED, GROUP_FAILED };
#define NONE UINT32_MAX
#define CHUNK (4u << 20)

struct prec {
	struct store_entry e;		/* e.line: in a chunk, with its newline after;
				 * e.lineno: the record's place in the input */
	uint32_t group, next;	/* next record of the group */
	uint8_t status;
};

struct put_group {
	int64_t day;
	uint32_t head, tail, n;
	uint8_t kind, state;
	char ticker[SAM_TICKER_MAX + 1];
};

struct put {
	struct store *s;
	int kind;		/* --kind, or -1 */
	int tee, outbox;
	uint32_t *inbatch;	/* the groups in the batch not yet committed */
	size_t ninbatch, inbatchcap;
	struct sam_buf *chunks;	/* the records' lines; a chunk never moves */
	size_t nchunks, chunkcap;
	struct prec *r;
	size_t n, cap;
	struct put_group *g;
	size_t ng, gcap;
	struct sam_map groups;	/* "KIND/TICKER/DAYS" -> group index + 1 */
	uint32_t *idx;		/* one group's records, by key */
	size_t idxcap;
	struct sam_buf content;
	struct sam_rec rec;	/* for the day files */
	unsigned long unstored;
};

static int
oom(void)
{
	sam_log(SAM_FATAL, NULL, 0, "out of memory");
	return -2;
}

static uint32_t
group_of(struct put *p, int kind, const struct sam_key *k, int64_t day)
{
	char gk[64];
	int len = snprintf(gk, sizeof gk, "%d/%s/%lld", kind, k->ticker, (long long)day);
	int isnew;
	void **slot = sam_map_put(&p->groups, gk, (size_t)len, &isnew);
	struct put_group *g;

	if (!slot)
		return NONE;
	if (!isnew)
		return (uint32_t)((uintptr_t)*slot - 1);
	if (sam_grow(&p->g, &p->gcap, p->ng + 1, sizeof *p->g) < 0)
		return NONE;
	g = &p->g[p->ng];
	memset(g, 0, sizeof *g);
	g->day = day;
	g->kind = (uint8_t)kind;
	g->head = g->tail = NONE;
	strcpy(g->ticker, k->ticker);
	*slot = (void *)(uintptr_t)(p->ng + 1);
	return (uint32_t)p->ng++;
}

/* The chunk with room for the record written compact, so that
 * sam_rec_write never has to move the chunk (growing one big buffer
 * was 16 % of a put, in memmove). */
static struct sam_buf *
chunk_for(struct put *p, const struct sam_rec *rec)
{
	size_t need = sam_rec_write_size(rec, NULL);
	struct sam_buf *c = p->nchunks ? &p->chunks[p->nchunks - 1] : NULL;

	if (c && c->cap - c->len >= need)
		return c;
	if (sam_grow(&p->chunks, &p->chunkcap, p->nchunks + 1, sizeof *p->chunks) < 0)
		return NULL;
	c = &p->chunks[p->nchunks];
	memset(c, 0, sizeof *c);
	if (sam_buf_reserve(c, need > CHUNK ? need : CHUNK) < 0)
		return NULL;
	p->nchunks++;
	return c;
}

static int
on_record(struct sam_input *in, struct sam_rec *rec, void *ctx)
{
	struct put *p = ctx;
	const struct sam_field *anomaly = sam_rec_get(rec, "anomaly");
	int is_anomaly = anomaly && anomaly->type == SAM_JTRUE;
	int kind = p->kind < 0 ? (is_anomaly ? STORE_ANOMALIES : STORE_RAW) : p->kind;
	struct sam_key k;
	struct sam_buf *chunk;
	struct prec *r;
	struct put_group *g;
	int64_t day;
	uint32_t gi;

	if (store_record_key(in, rec, &k, &day) < 0)
		return -1;
	if (kind == STORE_ANOMALIES && !is_anomaly)
		return sam_reject(in, "not an anomaly (\"anomaly\" is not true); "
		    "--kind raw stores it as a bar");
	if (p->n >= NONE - 1 || sam_grow(&p->r, &p->cap, p->n + 1, sizeof *p->r) < 0 ||
	    (gi = group_of(p, kind, &k, day)) == NONE)
		return oom();
	r = &p->r[p->n];
	memset(r, 0, sizeof *r);
	if (!(chunk = chunk_for(p, rec)))
		return oom();
	r->e.line = chunk->p + chunk->len;
	sam_rec_write(rec, NULL, chunk);
	r->e.len = (uint32_t)(chunk->p + chunk->len - r->e.line - 1);
	r->e.lineno = (uint32_t)p->n;
	r->e.secs = k.secs;
	r->e.ns = (int32_t)k.ns;
	r->e.imin = (int16_t)store_interval_order(k.interval);
	r->group = gi;
	r->next = NONE;
	g = &p->g[gi];
	if (g->tail == NONE)
		g->head = (uint32_t)p->n;
	else
		p->r[g->tail].next = (uint32_t)p->n;
	g->tail = (uint32_t)p->n;
	g->n++;
	p->n++;
	return 0;
}

/* ---- merging a group into its day file ---- */

static struct put *sorting;

static int
by_group(const void *a, const void *b)
{
	const struct put_group *x = &sorting->g[*(const uint32_t *)a];
	const struct put_group *y = &sorting->g[*(const uint32_t *)b];
	int c;

	if (x->kind != y->kind)
		return x->kind - y->kind;
	if ((c = strcmp(x->ticker, y->ticker)) != 0)
		return c;
	return (x->day > y->day) - (x->day < y->day);
}

static int
by_key(const void *a, const void *b)
{
	const struct store_entry *x = &sorting->r[*(const uint32_t *)a].e;
	const struct store_entry *y = &sorting->r[*(const uint32_t *)b].e;
	int c = store_entry_cmp(x, y);

	return c ? c : (x->lineno > y->lineno) - (x->lineno < y->lineno);
}

static int
same_line(const struct store_entry *a, const struct store_entry *b)
{
	return a->len == b->len && memcmp(a->line, b->line, a->len) == 0;
}

static void
put_line(struct sam_buf *b, const struct store_entry *e)
{
	sam_buf_put(b, e->line, e->len);
	sam_buf_putc(b, '\n');
}

/* Merges the group's records (idx[0..m), sorted by key, input order
 * among equals) with the day's entries into p->content, the file's next
 * version; sets each record's status. */
static void
merge(struct put *p, const struct store_day *d, size_t m)
{
	size_t i = 0, j = 0;

	p->content.len = 0;
	while (i < d->n || j < m) {
		const struct store_entry *old = NULL, *prev;
		struct prec *last;
		if (j == m || (i < d->n && store_entry_cmp(&d->e[i], &p->r[p->idx[j]].e) < 0)) {
			put_line(&p->content, &d->e[i++]);
			continue;
		}
		if (i < d->n && store_entry_cmp(&d->e[i], &p->r[p->idx[j]].e) == 0)
			old = &d->e[i++];
		prev = old;
		do {	/* each record against the one it replaces */
			last = &p->r[p->idx[j++]];
			last->status = !prev ? REC_NEW : same_line(prev, &last->e) ?
			    REC_SAME : REC_CHANGED;
			prev = &last->e;
		} while (j < m && store_entry_cmp(&last->e, &p->r[p->idx[j]].e) == 0);
		put_line(&p->content, &last->e);
	}
}

static void
stored(uint32_t gi, void *ctx)
{
	struct put *p = ctx;

	p->g[gi].state = GROUP_STORED;
}

/* The batch's hook: its new and changed anomalies appended to today's
 * outbox file and made durable, in a batch of their own, before the
 * batch's day files are renamed.  0, or -1 after reporting. */
static int
to_outbox(void *ctx)
{
	struct put *p = ctx;
	struct store_batch ob = { .s = p->s };
	struct sam_buf lines = { 0 };
	size_t i;
	uint32_t ri;
	int fd, r = 0;

	for (i = 0; i < p->ninbatch; i++) {
		const struct put_group *g = &p->g[p->inbatch[i]];
		for (ri = g->head; g->kind == STORE_ANOMALIES && ri != NONE; ri = p->r[ri].next)
			if (p->r[ri].status != REC_SAME)
				sam_buf_put(&lines, p->r[ri].e.line, p->r[ri].e.len + 1);
	}
	p->ninbatch = 0;
	if (lines.err) {
		oom();
		return -1;
	}
	if (lines.len == 0)
		return 0;
	if ((fd = store_subdir(p->s->fd, store_kind_names[STORE_OUTBOX], 1)) < 0) {
		sam_fatal_errno("open %s", store_path(p->s, store_kind_names[STORE_OUTBOX], NULL, NULL));
		r = -1;
	} else if (store_batch_append(&ob, fd, 0, store_kind_names[STORE_OUTBOX],
	    sam_ny_date(sam_now()), &lines) < 0 || store_batch_commit(&ob, NULL, NULL) < 0) {
		r = -1;
	}
	store_batch_abort(&ob);
	if (fd >= 0)
		close(fd);
	sam_buf_free(&lines);
	return r;
}

/* A day file the records of g cannot go into. */
static void
refuse(struct put_group *g, const char *shown, const char *why)
{
	sam_log(SAM_ERROR, shown, 0, "%s: %u record%s for it not stored", why,
	    g->n, g->n == 1 ? "" : "s");
	g->state = GROUP_FAILED;
}

/* The same for the groups order[i...] of a ticker whose directory is a
 * link or a file; returns the index of the last of them. */
static size_t
refuse_ticker(struct put *p, const uint32_t *order, size_t i, const char *why)
{
	const struct put_group *first = &p->g[order[i]];
	unsigned long n = 0;
	size_t j;

	for (j = i; j < p->ng && p->g[order[j]].kind == first->kind &&
	    strcmp(p->g[order[j]].ticker, first->ticker) == 0; j++) {
		p->g[order[j]].state = GROUP_FAILED;
		n += p->g[order[j]].n;
	}
	sam_log(SAM_ERROR, store_path(p->s, store_kind_names[first->kind], first->ticker,
	    NULL), 0, "%s: %lu record%s for it not stored", why, n, n == 1 ? "" : "s");
	return j - 1;
}

/* One day file: 0, or -1 when the put must stop. */
static int
merge_group(struct put *p, struct store_batch *b, uint32_t gi, int dirfd, unsigned dirgen)
{
	struct put_group *g = &p->g[gi];
	struct sam_input in = { 0 };
	struct store_day d = { 0 };
	char name[24], date[11];
	const char *shown;
	size_t m = 0;
	uint32_t ri;
	int r;

	sam_format_date(date, g->day);
	snprintf(name, sizeof name, "%s.ndjson", date);
	shown = store_path(p->s, store_kind_names[g->kind], g->ticker, name);
	if ((r = store_day_read(dirfd, name, &d)) < 0 && (errno == ELOOP || errno == EINVAL)) {
		refuse(g, shown, errno == ELOOP ? "a symbolic link, not followed" :
		    "not a regular file");
		return 0;
	}
	if (r < 0) {
		sam_fatal_errno("read %s", shown);
		return -1;
	}
	in.file = shown;
	if (r == 0 && store_day_parse(&d, &in, &p->rec, g->ticker, g->day) < 0) {
		store_day_free(&d);
		return oom();
	}
	if (r == 0)
		store_day_check_order(&d, &in, 0);
	if (d.bad || d.disorder) {	/* merging would lose or reorder lines */
		refuse(g, shown, "damaged, left as it is (sam-store fsck --repair "
		    "puts it right)");
		store_day_free(&d);
		return 0;
	}
	if (sam_grow(&p->idx, &p->idxcap, g->n, sizeof *p->idx) < 0) {
		store_day_free(&d);
		return oom();
	}
	for (ri = g->head; ri != NONE; ri = p->r[ri].next)
		p->idx[m++] = ri;
	sorting = p;
	qsort(p->idx, m, sizeof *p->idx, by_key);
	merge(p, &d, m);
	if (p->content.err) {
		r = oom();
	} else if (!store_day_changes(&d, &p->content)) {
		g->state = GROUP_STORED;	/* nothing to write */
		r = 0;
	} else if ((r = store_batch_add(b, dirfd, dirgen, name, shown, &p->content, gi,
	    stored, p)) == 0) {
		if (sam_grow(&p->inbatch, &p->inbatchcap, p->ninbatch + 1,
		    sizeof *p->inbatch) < 0)
			r = oom();
		else
			p->inbatch[p->ninbatch++] = gi;
	}
	store_day_free(&d);
	return r;
}

/* Stores every group; returns 0 or -1 after a failure that stopped it. */
static int
put_groups(struct put *p)
{
	struct store_batch b = { .s = p->s, .before_commit = p->outbox ? to_outbox : NULL,
	    .hook_ctx = p };
	uint32_t *order = malloc((p->ng ? p->ng : 1) * sizeof *order);
	const struct put_group *prev = NULL;
	int kindfd = -1, dirfd = -1, r = 0;
	unsigned dirgen = 0;
	size_t i;

	if (!order)
		return oom();
	for (i = 0; i < p->ng; i++)
		order[i] = (uint32_t)i;
	sorting = p;
	qsort(order, p->ng, sizeof *order, by_group);	/* a directory at a time */
	for (i = 0; i < p->ng && r == 0; i++) {
		const struct put_group *g = &p->g[order[i]];
		if (!prev || g->kind != prev->kind) {
			if (kindfd >= 0)
				close(kindfd);
			if ((kindfd = store_subdir(p->s->fd, store_kind_names[g->kind], 1)) < 0) {
				sam_fatal_errno("open %s", store_path(p->s,
				    store_kind_names[g->kind], NULL, NULL));
				r = -1;
				break;
			}
		}
		if (!prev || g->kind != prev->kind || strcmp(g->ticker, prev->ticker) != 0) {
			if (dirfd >= 0)
				close(dirfd);
			dirgen++;
			dirfd = store_subdir(kindfd, g->ticker, 1);
			if (dirfd < 0 && errno != ELOOP && errno != ENOTDIR) {
				sam_fatal_errno("open %s", store_path(p->s,
				    store_kind_names[g->kind], g->ticker, NULL));
				r = -1;
				break;
			}
		}
		prev = g;
		if (dirfd < 0)	/* a link or a file in the ticker's place */
			i = refuse_ticker(p, order, i, errno == ELOOP ?
			    "a symbolic link, not followed" : "not a directory");
		else
			r = merge_group(p, &b, order[i], dirfd, dirgen);
	}
	if (r == 0)
		r = store_batch_commit(&b, stored, p);
	store_batch_abort(&b);
	if (dirfd >= 0)
		close(dirfd);
	if (kindfd >= 0)
		close(kindfd);
	free(order);
	return r;
}

/* Writes the stored records out, in input order. */
static void
write_out(struct put *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct prec *r = &p->r[i];
		if (p->g[r->group].state != GROUP_STORED) {
			p->unstored++;
			continue;
		}
		if (p->tee || r->status != REC_SAME)
			sam_buf_put(sam_out(), r->e.line, r->e.len + 1);
		if (sam_out_maybe_flush() < 0)
			break;		/* reported at the close */
	}
}

static const struct option longopts[] = {
	{ "kind", required_argument, NULL, 'k' },
	{ "tee", no_argument, NULL, 'T' },
	{ "outbox", no_argument, NULL, 'O' },
	{ "strict", no_argument, NULL, 'S' },
	CMD_OPTIONS,
};

int
cmd_put(struct store *s, int argc, char **argv)
{
	struct put p = { .s = s, .kind = -1 };
	struct sam_input in = { 0 };
	int c, status = 0;
	size_t i;

	while ((c = cmd_getopt(argc, argv, "k:r:", longopts, s, &status)) != -1) {
		switch (c) {
		case 'k':
			if ((p.kind = store_kind_parse(optarg)) < 0 || !STORE_KEYED(p.kind))
				return sam_usage_error(cmd_usage,
				    "--kind: must be raw or anomalies: %s", optarg);
			break;
		case 'T': p.tee = 1; break;
		case 'O': p.outbox = 1; break;
		case 'S': in.strict = 1; break;
		default: return status;
		}
	}
	if (status)
		return status;
	/* the whole input first: the lock is not held while it trickles in;
	 * a file that cannot be read does not keep the others out */
	status = sam_input_run(&in, argv + optind, argc - optind, on_record, &p);
	if ((in.strict && in.rejected) || p.n == 0)
		goto out;
	if ((c = store_open(s, s->root, 1)) != 0 || (c = store_lock(s)) != 0 ||
	    (c = put_groups(&p) < 0 ? SAM_EXIT_RUNTIME : 0) != 0)
		status = c;
	store_close(s);		/* the lock too */
	write_out(&p);
	if (p.unstored && status != SAM_EXIT_USAGE) {	/* else nothing was tried */
		sam_log(SAM_ERROR, NULL, 0, "%lu of %zu records not stored",
		    p.unstored, p.n);
		status = SAM_EXIT_RUNTIME;
	}
out:
	status = sam_out_finish(status);
	sam_map_free(&p.groups, NULL);
	sam_rec_free(&p.rec);
	for (i = 0; i < p.nchunks; i++)
		sam_buf_free(&p.chunks[i]);
	free(p.chunks);
	sam_buf_free(&p.content);
	free(p.r);
	free(p.g);
	free(p.idx);
	free(p.inbatch);
	return status;
}
