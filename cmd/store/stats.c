/*
 * stats.c - sam-store stats: what each kind holds, one NDJSON line a
 * kind.  Like get, it reads without the lock.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

struct count {
	unsigned long tickers, files, records;
	unsigned long long bytes;
	int64_t *dates;
	size_t nd, dcap;
};

/* A walk of one directory's day files, counted. */
struct count_walk {
	struct store_walk w;	/* first: the walk's callbacks get both */
	struct count *c;
};

static int
count_file(struct store_walk *w, struct store_day *d, int64_t day)
{
	struct count *c = ((struct count_walk *)w)->c;
	size_t i;

	c->files++;
	c->bytes += d->len;
	for (i = 0; i < d->len; i++)
		c->records += d->buf[i] == '\n';
	if (d->len && d->buf[d->len - 1] != '\n')
		c->records++;
	if (sam_grow(&c->dates, &c->dcap, c->nd + 1, sizeof *c->dates) < 0)
		return -1;
	c->dates[c->nd++] = day;
	return 0;
}

/* What is not a regular file (a link, a FIFO) is no day file: not
 * counted; any other failure stops the count. */
static int
count_fail(struct store_walk *w, const char *verb, const char *path)
{
	(void)w, (void)verb, (void)path;
	return errno == ELOOP || errno == EINVAL ? 0 : -1;
}

/* The day files of the kind (of the ticker for a keyed kind). */
static int
count_dir(struct store *s, struct count *c, int kind, int kindfd, const char *ticker)
{
	struct count_walk cw = { .w = { .kind = kind, .ticker = ticker, .from = INT64_MIN,
	    .to = INT64_MAX, .file = count_file, .fail = count_fail }, .c = c };

	return store_walk(s, kindfd, &cw.w);
}

static int
count_kind(struct store *s, int kind, struct count *c)
{
	struct store_names n = { 0 };
	size_t i;
	int fd = store_subdir(s->fd, store_kind_names[kind], 0), r = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (!STORE_KEYED(kind)) {
		r = count_dir(s, c, kind, fd, NULL);
	} else if ((r = store_names_list(fd, &n)) == 0) {
		for (i = 0; i < n.n && r == 0; i++) {
			if (n.v[i].type != STORE_ENT_DIR || !sam_valid_ticker(n.v[i].s, strlen(n.v[i].s)))
				continue;
			c->tickers++;
			r = count_dir(s, c, kind, fd, n.v[i].s);
		}
		store_names_free(&n);
	}
	close(fd);
	return r;
}

static int
date_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void
put_date(struct sam_buf *b, const char *key, const int64_t *day)
{
	char date[11];

	sam_buf_printf(b, ",\"%s\":", key);
	if (!day) {
		sam_buf_puts(b, "null");
		return;
	}
	sam_format_date(date, *day);
	sam_buf_jstr(b, date, 10);
}

static void
print_count(int kind, struct count *c)
{
	struct sam_buf *b = sam_out();
	size_t i, days = 0;

	if (c->nd)
		qsort(c->dates, c->nd, sizeof *c->dates, date_cmp);
	for (i = 0; i < c->nd; i++)
		days += i == 0 || c->dates[i] != c->dates[i - 1];
	sam_buf_printf(b, "{\"kind\":\"%s\"", store_kind_names[kind]);
	if (STORE_KEYED(kind))
		sam_buf_printf(b, ",\"tickers\":%lu", c->tickers);
	sam_buf_printf(b, ",\"days\":%zu,\"files\":%lu,\"records\":%lu,\"bytes\":%llu",
	    days, c->files, c->records, c->bytes);
	put_date(b, "first", c->nd ? &c->dates[0] : NULL);
	put_date(b, "last", c->nd ? &c->dates[c->nd - 1] : NULL);
	sam_buf_puts(b, "}\n");
}

static const struct option longopts[] = {
	CMD_OPTIONS,
};

int
cmd_stats(struct store *s, int argc, char **argv)
{
	int c, kind, status = 0;

	if ((c = cmd_getopt(argc, argv, "r:", longopts, s, &status)) != -1)
		return status;
	if (optind < argc)
		return sam_usage_error(cmd_usage, "stats: unexpected argument: %s",
		    argv[optind]);
	if ((status = store_open(s, s->root, 0)) != 0)
		return status;
	for (kind = 0; kind < STORE_KINDS && status == 0; kind++) {
		struct count cnt = { 0 };
		if (count_kind(s, kind, &cnt) < 0) {
			sam_fatal_errno("read %s", store_path(s, store_kind_names[kind], NULL, NULL));
			status = SAM_EXIT_RUNTIME;
		} else {
			print_count(kind, &cnt);
		}
		free(cnt.dates);
	}
	store_close(s);
	return sam_out_finish(status);
}
