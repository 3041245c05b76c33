/*
 * anomaly.c - sam-detect's anomaly records read back: the fields that
 * sam-alert's messages and sam-serve-static's pages show, each checked
 * so that nothing shown can carry markup or a surprise.
 */
#include <string.h>

#include "sam.h"

const char *const sam_severity_names[SAM_SEVERITIES] = {
	"low", "medium", "high", "critical"
};

const double sam_severity_bands[SAM_SEVERITIES - 1] = { 2.5, 3, 4 };

int
sam_severity_of(double score, const double bands[SAM_SEVERITIES - 1])
{
	int i = 0;

	while (i < SAM_SEVERITIES - 1 && score >= bands[i])
		i++;
	return i;
}

int
sam_severity_parse(const char *s, size_t len)
{
	int i;

	for (i = 0; i < SAM_SEVERITIES; i++)
		if (strlen(sam_severity_names[i]) == len &&
		    memcmp(s, sam_severity_names[i], len) == 0)
			return i;
	return -1;
}

static int
metric_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* "metrics": an array of up to SAM_METRICS_MAX names of [a-z0-9_], as
 * sam-detect writes it.  0, or -1 if it is anything else. */
static int
parse_metrics(struct sam_anomaly *a, const char *p, const char *end)
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
		if (p >= end || *p != '"' || a->nmetrics == SAM_METRICS_MAX)
			return -1;
		for (name = ++p; p < end && metric_char(*p); p++)
			;
		len = (size_t)(p - name);
		if (p >= end || *p != '"' || len == 0 || len > SAM_METRIC_NAME_MAX)
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

int
sam_valid_market(const char *s, size_t len)
{
	return (len == 5 && memcmp(s, "cross", 5) == 0) || sam_valid_ticker(s, len);
}

/* A field's value for a message: a string's contents, else its JSON. */
static const char *
quoted(char *q, size_t size, const struct sam_field *f)
{
	if (f->type == SAM_JSTRING)
		return sam_quote(q, size, f->val + 1, f->vlen - 2);
	return sam_quote(q, size, f->val, f->vlen);
}

int
sam_anomaly_parse(struct sam_input *in, const struct sam_rec *rec,
    struct sam_anomaly *a)
{
	static const char *const keys[] = { "ticker", "interval", "ts",
	    "anomaly", "severity", "score", "metrics", "id", "close", "volume",
	    "threshold", "return", "rvol", "excess", "p", "market", "event", "final" };
	const struct sam_field *f[18];
	char sev[16], id[SAM_ID_MAX + 2], q[SAM_QUOTE_MAX];
	size_t len;
	int dup;
	unsigned i;

	memset(a, 0, sizeof *a);
	if ((dup = sam_rec_find(rec, keys, 18, f)) >= 0)
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
	    (a->sev = sam_severity_parse(sev, len)) < 0)
		return sam_reject(in, "field \"severity\": not " SAM_SEVERITY_LIST
		    ": %s", quoted(q, sizeof q, f[4]));
	if (sam_get_number(in, f[5], "score", &a->score) < 0)
		return -1;
	if (f[6] && (f[6]->type != SAM_JARRAY ||
	    parse_metrics(a, f[6]->val, f[6]->val + f[6]->vlen) < 0))
		return sam_reject(in, "field \"metrics\": not an array of up to "
		    "%d metric names", SAM_METRICS_MAX);
	if (f[7] && (f[7]->type != SAM_JSTRING ||
	    sam_jstr_decode(f[7], id, sizeof id, &len) < 0 || len != strlen(a->id) ||
	    memcmp(id, a->id, len) != 0))
		return sam_reject(in, "field \"id\": not %s: %s", a->id,
		    quoted(q, sizeof q, f[7]));
	for (i = 0; i < a->nmetrics; i++) {
		char name[SAM_METRIC_NAME_MAX + 3];
		snprintf(name, sizeof name, "z_%s", a->metric[i].name);
		if (sam_get_number_opt(in, sam_rec_get(rec, name), name,
		    &a->metric[i].z, &a->metric[i].has_z) < 0)
			return -1;
	}
	if (sam_get_number_opt(in, f[8], "close", &a->close, &a->has_close) < 0 ||
	    sam_get_number_opt(in, f[9], "volume", &a->volume, &a->has_volume) < 0 ||
	    sam_get_number_opt(in, f[10], "threshold", &a->threshold, &a->has_threshold) < 0 ||
	    sam_get_number_opt(in, f[11], "return", &a->ret, &a->has_ret) < 0 ||
	    sam_get_number_opt(in, f[12], "rvol", &a->rvol, &a->has_rvol) < 0 ||
	    sam_get_number_opt(in, f[13], "excess", &a->excess, &a->has_excess) < 0 ||
	    sam_get_number_opt(in, f[14], "p", &a->p, &a->has_p) < 0)
		return -1;
	/* a name that is not one is left out here: sam-alert, which would
	 * send it, rejects the record (sam_valid_market) */
	if (!f[15] || f[15]->type != SAM_JSTRING ||
	    sam_jstr_decode(f[15], a->market, sizeof a->market, &len) < 0 ||
	    !sam_valid_market(a->market, len))
		a->market[0] = '\0';
	a->market_event = f[16] && f[16]->type == SAM_JSTRING && f[16]->vlen == 8 &&
	    memcmp(f[16]->val, "\"market\"", 8) == 0;
	a->unfinished = f[17] && f[17]->type == SAM_JFALSE;
	return 0;
}
