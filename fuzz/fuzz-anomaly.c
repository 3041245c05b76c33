/*
 * fuzz-anomaly.c - the anomaly reader (anomaly.c), as sam-alert and the
 * site read sam-detect's records back.
 *
 * Each line of the input is parsed (json.c) and, if it is an object,
 * read as an anomaly.  Property, for a record taken: nothing it holds
 * can carry a surprise into a message or a page - the ticker and
 * interval are valid, the id is TICKER:INTERVAL:TS, the severity one of
 * the four, each metric name [a-z0-9_] and the numbers finite.
 */
#include <math.h>

#include "fuzz.h"

static void
check(const struct sam_anomaly *a)
{
	char id[sizeof a->id];
	unsigned i;

	fuzz_assert(sam_valid_ticker(a->key.ticker, strlen(a->key.ticker)));
	fuzz_assert(sam_valid_interval(a->key.interval, strlen(a->key.interval)));
	snprintf(id, sizeof id, "%s:%s:%s", a->key.ticker, a->key.interval, a->key.ts);
	fuzz_assert(strcmp(id, a->id) == 0);
	fuzz_assert(strlen(a->id) <= SAM_ID_MAX);
	fuzz_assert(a->sev >= 0 && a->sev < SAM_SEVERITIES);
	fuzz_assert(isfinite(a->score));
	fuzz_assert(a->nmetrics <= SAM_METRICS_MAX);
	for (i = 0; i < a->nmetrics; i++) {
		const char *n = a->metric[i].name;
		fuzz_assert(*n && strlen(n) <= SAM_METRIC_NAME_MAX);
		fuzz_assert(strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(n));
		fuzz_assert(!a->metric[i].has_z || isfinite(a->metric[i].z));
	}
	fuzz_assert(!a->has_close || isfinite(a->close));
	fuzz_assert(!a->has_volume || isfinite(a->volume));
	fuzz_assert(!a->has_threshold || isfinite(a->threshold));
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sam_log_init("fuzz-anomaly");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sam_rec rec;
	struct sam_input in = { .file = "fuzz" };
	struct sam_anomaly a;
	struct sam_lines l;
	char *buf = fuzz_string(data, size), *line;
	const char *why;
	size_t len, at;
	int r;

	sam_lines_open_mem(&l, "fuzz", buf, size, SAM_LINE_MAX_DEFAULT);
	while ((r = sam_lines_next(&l, &line, &len)) != SAM_LINE_EOF) {
		in.line = l.lineno;
		if (r != SAM_LINE_OK || sam_rec_parse(&rec, line, len, &why, &at) < 0)
			continue;
		memset(&a, 0xa5, sizeof a);	/* what the reader leaves unset shows */
		if (sam_anomaly_parse(&in, &rec, &a) == 0)
			check(&a);
	}
	sam_lines_close(&l);
	free(buf);
	return 0;
}
