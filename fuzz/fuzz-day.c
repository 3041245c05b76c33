/*
 * fuzz-day.c - a store's day file (libstore/day.c), as get, put, fsck
 * and the site read one.
 *
 * The input is the file.  It is split and checked as an unkeyed file
 * (dlq, alerts, runs), then as a keyed one (raw, anomalies) in the
 * place of the first line that has a key - the directory of its ticker,
 * the file of its New York date - and its order checked.  Properties:
 * each line is an entry, numbered in order, pointing into the file;
 * entries that pass are JSON objects of that ticker and day; the counts
 * of bad and disordered lines are within the number of lines.
 */
#include "fuzz.h"
#include "store.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sam_log_init("fuzz-day");
	return 0;
}

/* Each good line: it holds the key of the file's place. */
static int
each(struct sam_input *in, const struct sam_rec *rec, const struct store_entry *e,
    void *ctx)
{
	const char *ticker = ctx;
	const struct sam_field *t = sam_rec_get(rec, "ticker");
	char name[SAM_TICKER_MAX + 1];
	size_t len;

	(void)in;
	fuzz_assert(!e->bad);
	fuzz_assert(t && sam_jstr_decode(t, name, sizeof name, &len) == 0);
	fuzz_assert(strcmp(name, ticker) == 0);
	fuzz_assert(e->imin >= 1 && e->imin <= 1440);
	fuzz_assert(e->sev >= -1 && e->sev < SAM_SEVERITIES);
	return 0;
}

static void
check_entries(const struct store_day *d)
{
	size_t i;

	fuzz_assert(d->bad <= d->n && d->disorder <= d->n);
	for (i = 0; i < d->n; i++) {
		const struct store_entry *e = &d->e[i];
		fuzz_assert(e->line >= d->buf && e->line + e->len <= d->buf + d->len);
		fuzz_assert(i == 0 || e->lineno > d->e[i - 1].lineno);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sam_rec rec;
	struct sam_input in = { .file = "fuzz/DAY.ndjson" };
	struct store_day d = { 0 };
	struct sam_key k;
	char ticker[SAM_TICKER_MAX + 1] = "";
	int64_t day = 0;
	size_t i;

	/* as store_day_read leaves it: the bytes and a spare byte */
	d.buf = fuzz_string(data, size);
	d.len = size;
	fuzz_assert(store_day_parse(&d, &in, &rec, NULL, 0) == 0);
	check_entries(&d);
	/* the first line with a key says where the file is */
	for (i = 0; i < d.n && !ticker[0]; i++) {
		const char *why;
		size_t at;
		struct sam_input quiet = { .file = "key" };
		if (d.e[i].bad || sam_rec_parse(&rec, d.e[i].line, d.e[i].len, &why, &at) < 0)
			continue;
		if (store_record_key(&quiet, &rec, &k, &day) == 0)
			snprintf(ticker, sizeof ticker, "%s", k.ticker);
	}
	free(d.buf);
	d.buf = NULL;
	if (ticker[0]) {
		d.buf = fuzz_string(data, size);
		d.len = size;
		d.n = d.bad = d.disorder = 0;
		fuzz_assert(store_day_parse_each(&d, &in, &rec, ticker, day, each, ticker) == 0);
		check_entries(&d);
		store_day_check_order(&d, &in, 0);
		check_entries(&d);
	}
	store_day_free(&d);
	return 0;
}
