/*
 * input.c - the input loop of the NDJSON filters.
 *
 * Every filter reads its files (or stdin) a line at a time, rejects a
 * bad line with "prog: FILE:LINE: reason", counts it, and goes on; the
 * exit status says whether anything was rejected (1) or failed (3).
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "sam.h"

int
sam_reject(struct sam_input *in, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sam_vlog(SAM_ERROR, in->file, in->line, fmt, ap);
	va_end(ap);
	in->rejected++;
	if (in->status == SAM_EXIT_OK)
		in->status = SAM_EXIT_REJECT;
	return -1;
}

static int
runtime_failure(struct sam_input *in)
{
	in->status = SAM_EXIT_RUNTIME;
	return -1;
}

/* One file; returns -1 when the whole run must stop. */
static int
run_file(struct sam_input *in, const char *path, struct sam_rec *rec,
    sam_record_fn *fn, void *ctx)
{
	struct sam_lines lines;
	char *line;
	size_t len, at;
	const char *why;
	int r, stop = 0;

	if (sam_lines_open(&lines, path, sam_line_max()) < 0) {
		sam_fatal_errno("open %s", path);
		in->status = SAM_EXIT_RUNTIME;
		return 0;	/* the other files are still read */
	}
	in->file = path;
	while (!stop && (r = sam_lines_next(&lines, &line, &len)) != SAM_LINE_EOF) {
		in->line = lines.lineno;
		if (r == SAM_LINE_ERROR) {
			sam_fatal_errno("read %s", path);
			in->status = SAM_EXIT_RUNTIME;
			break;
		}
		in->records++;
		if (r == SAM_LINE_LONG)
			r = sam_reject(in, "line too long (more than %zu bytes)",
			    lines.max);
		else if (sam_rec_parse(rec, line, len, &why, &at) == 0)
			r = fn(in, rec, ctx);
		else if (strcmp(why, "out of memory") == 0)
			r = -2, sam_log(SAM_FATAL, path, in->line, "out of memory");
		else if (strcmp(why, "not a JSON object") == 0)
			r = sam_reject(in, "not a JSON object");
		else if (strcmp(why, "invalid UTF-8") == 0)
			r = sam_reject(in, "invalid UTF-8 at byte %zu", at);
		else
			r = sam_reject(in, "invalid JSON at byte %zu: %s", at, why);
		if (r == -2) {
			stop = runtime_failure(in);
		} else if (r == -1 && in->strict) {
			stop = 1;
		} else if (sam_out_maybe_flush() < 0) {
			stop = runtime_failure(in);	/* reported at the close */
		}
	}
	sam_lines_close(&lines);
	in->file = NULL;
	in->line = 0;
	return stop ? -1 : 0;
}

int
sam_input_run(struct sam_input *in, char *const *files, int nfiles,
    sam_record_fn *fn, void *ctx)
{
	struct sam_rec rec = { 0 };
	int i;

	if (nfiles == 0)
		run_file(in, "-", &rec, fn, ctx);
	for (i = 0; i < nfiles; i++)
		if (run_file(in, files[i], &rec, fn, ctx) < 0)
			break;
	sam_rec_free(&rec);
	if (in->rejected)
		sam_log(SAM_ERROR, NULL, 0, "%lu of %lu input lines rejected",
		    in->rejected, in->records);
	return in->status;
}

/* ---- the fields every filter checks ---- */

int
sam_get_string(struct sam_input *in, const struct sam_field *f,
    const char *name, char *buf, size_t size,
    int (*valid)(const char *, size_t), const char *what)
{
	char q[SAM_QUOTE_MAX];
	size_t len;

	if (!f)
		return sam_reject(in, "missing field \"%s\"", name);
	if (f->type != SAM_JSTRING)
		return sam_reject(in, "field \"%s\": expected a string, got %s",
		    name, sam_jtype_name(f->type));
	if (sam_jstr_decode(f, buf, size, &len) < 0 || !valid(buf, len))
		return sam_reject(in, "field \"%s\": invalid %s %s", name, what,
		    sam_quote(q, sizeof q, f->val + 1, f->vlen - 2));
	return 0;
}

int
sam_get_number(struct sam_input *in, const struct sam_field *f,
    const char *name, double *out)
{
	if (!f)
		return sam_reject(in, "missing field \"%s\"", name);
	if (f->type != SAM_JNUMBER)
		return sam_reject(in, "field \"%s\": expected a number, got %s",
		    name, sam_jtype_name(f->type));
	if (sam_field_number(f, out) < 0)
		return sam_reject(in, "field \"%s\": number out of range", name);
	return 0;
}

int
sam_get_number_opt(struct sam_input *in, const struct sam_field *f,
    const char *name, double *out, int *has)
{
	*has = 0;
	if (!f || f->type == SAM_JNULL)
		return 0;
	if (sam_get_number(in, f, name, out) < 0)
		return -1;
	*has = 1;
	return 0;
}

/* Is the field's text the one remembered in seen (len bytes)? */
static int
same_text(const struct sam_field *f, const char *seen, size_t len)
{
	return f && len && f->vlen == len && memcmp(f->val, seen, len) == 0;
}

static void
remember(const struct sam_field *f, char *seen, size_t size, unsigned char *len)
{
	*len = 0;
	if (f->vlen <= size) {
		memcpy(seen, f->val, f->vlen);
		*len = (unsigned char)f->vlen;
	}
}

int
sam_get_key(struct sam_input *in, const struct sam_field *const f[3],
    struct sam_key *k)
{
	/* the ticker and interval of the record before, when unescaped
	 * (quotes and all, the text is the value) */
	if (same_text(f[0], in->seen.ticker, in->seen.tlen) &&
	    same_text(f[1], in->seen.interval, in->seen.ilen)) {
		memcpy(k->ticker, f[0]->val + 1, f[0]->vlen - 2);
		k->ticker[f[0]->vlen - 2] = '\0';
		memcpy(k->interval, f[1]->val + 1, f[1]->vlen - 2);
		k->interval[f[1]->vlen - 2] = '\0';
		k->minutes = in->seen.minutes;
	} else if (sam_get_string(in, f[0], "ticker", k->ticker, sizeof k->ticker,
	    sam_valid_ticker, "ticker") < 0 ||
	    sam_get_string(in, f[1], "interval", k->interval,
	    sizeof k->interval, sam_valid_interval, "interval") < 0) {
		return -1;
	} else {
		k->minutes = sam_interval_minutes(k->interval, strlen(k->interval));
		if (!memchr(f[0]->val, '\\', f[0]->vlen) &&
		    !memchr(f[1]->val, '\\', f[1]->vlen)) {
			remember(f[0], in->seen.ticker, sizeof in->seen.ticker, &in->seen.tlen);
			remember(f[1], in->seen.interval, sizeof in->seen.interval, &in->seen.ilen);
			in->seen.minutes = k->minutes;
		}
	}
	/* an unescaped ts is read once, the rest checked as any string */
	if (f[2] && f[2]->type == SAM_JSTRING && f[2]->vlen - 2 < sizeof k->ts &&
	    !memchr(f[2]->val + 1, '\\', f[2]->vlen - 2)) {
		memcpy(k->ts, f[2]->val + 1, f[2]->vlen - 2);
		k->ts[f[2]->vlen - 2] = '\0';
		if (sam_parse_ts(k->ts, f[2]->vlen - 2, &k->secs, &k->ns) == 0)
			return 0;
	}
	if (sam_get_string(in, f[2], "ts", k->ts, sizeof k->ts, sam_valid_ts,
	    "timestamp") < 0)
		return -1;
	sam_parse_ts(k->ts, strlen(k->ts), &k->secs, &k->ns);
	return 0;
}
