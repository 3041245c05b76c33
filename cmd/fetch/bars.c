/*
 * bars.c - the bars a source produced: ticker names, checks, and the
 * NDJSON output sorted by ticker, then time.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch.h"

struct bar *
fetch_add_bar(struct fetch *f)
{
	if (f->nbars == f->capbars) {
		size_t cap = f->capbars ? f->capbars * 2 : 1024;
		struct bar *b = realloc(f->bars, cap * sizeof *b);
		if (!b)
			return NULL;
		f->bars = b;
		f->capbars = cap;
	}
	memset(&f->bars[f->nbars], 0, sizeof f->bars[0]);
	return &f->bars[f->nbars++];
}

int
fetch_ticker_index(struct fetch *f, const char *name, uint32_t *idx)
{
	size_t len = strlen(name);
	void **slot;
	int isnew;

	if (!(slot = sam_map_put(&f->name_index, name, len, &isnew)))
		return -1;
	if (isnew) {
		if (f->nnames == f->capnames) {
			size_t cap = f->capnames ? f->capnames * 2 : 64;
			char **n = realloc(f->names, cap * sizeof *n);
			if (!n)
				return -1;
			f->names = n;
			f->capnames = cap;
		}
		if (!(f->names[f->nnames] = strdup(name)))
			return -1;
		*slot = (void *)(uintptr_t)(f->nnames + 1);
		f->nnames++;
	}
	*idx = (uint32_t)((uintptr_t)*slot - 1);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
fetch_want_index(const struct fetch *f, const char *name)
{
	char **w = f->nwant ? bsearch(&name, f->want, f->nwant, sizeof *f->want,
	    cmp_str) : NULL;

	return w ? (int)(w - f->want) : -1;
}

/* Takes a failed ticker's bars back out. */
void
fetch_drop_ticker(struct fetch *f, const char *name)
{
	void *v = sam_map_get(&f->name_index, name, strlen(name));
	uint32_t idx;
	size_t i, n = 0;

	if (!v)
		return;
	idx = (uint32_t)((uintptr_t)v - 1);
	for (i = 0; i < f->nbars; i++)
		if (f->bars[i].ticker != idx)
			f->bars[n++] = f->bars[i];
	f->nbars = n;
}

int
fetch_in_range(const struct fetch *f, int64_t date)
{
	return !f->ranged || (date >= f->from && date <= f->to);
}

static const char *
compare(char *buf, size_t size, const char *a, double va, const char *rel,
    const char *b, double vb)
{
	char na[SAM_NUM_MAX], nb[SAM_NUM_MAX];

	sam_format_double(na, va);
	sam_format_double(nb, vb);
	snprintf(buf, size, "%s %s is %s %s %s", a, na, rel, b, nb);
	return buf;
}

const char *
fetch_check_bar(const struct bar *b, char *buf, size_t size)
{
	if (!isfinite(b->open) || !isfinite(b->high) || !isfinite(b->low) ||
	    !isfinite(b->close) || !isfinite(b->volume))
		return "a value is not a finite number";
	if (b->volume < 0)
		return "volume is negative";
	if (b->low > b->open)
		return compare(buf, size, "low", b->low, "above", "open", b->open);
	if (b->low > b->close)
		return compare(buf, size, "low", b->low, "above", "close", b->close);
	if (b->high < b->open)
		return compare(buf, size, "high", b->high, "below", "open", b->open);
	if (b->high < b->close)
		return compare(buf, size, "high", b->high, "below", "close", b->close);
	return NULL;
}

/* qsort has no context argument; the ranks of the names stand here. */
static const uint32_t *sort_rank;

static int
cmp_bar(const void *pa, const void *pb)
{
	const struct bar *a = pa, *b = pb;

	if (a->ticker != b->ticker)
		return sort_rank[a->ticker] < sort_rank[b->ticker] ? -1 : 1;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return (a->line > b->line) - (a->line < b->line);
}

static int
sort_bars(struct fetch *f)
{
	uint32_t *rank;
	char **sorted;
	size_t i;

	if (f->nbars == 0)	/* nor names: memcpy and qsort want pointers */
		return 0;
	rank = malloc((f->nnames + 1) * sizeof *rank);
	sorted = malloc((f->nnames + 1) * sizeof *sorted);
	if (!rank || !sorted) {
		free(rank);
		free(sorted);
		return -1;
	}
	memcpy(sorted, f->names, f->nnames * sizeof *sorted);
	qsort(sorted, f->nnames, sizeof *sorted, cmp_str);
	for (i = 0; i < f->nnames; i++) {
		uint32_t idx = (uint32_t)((uintptr_t)sam_map_get(&f->name_index,
		    sorted[i], strlen(sorted[i])) - 1);
		rank[idx] = (uint32_t)i;
	}
	sort_rank = rank;
	qsort(f->bars, f->nbars, sizeof *f->bars, cmp_bar);
	free(rank);
	free(sorted);
	return 0;
}

/*
 * When a bar's period ends: a daily bar at the NYSE close of its date
 * (16:00 New York, 13:00 on early-close days, and 16:00 on a date the
 * exchange is closed, which a CSV file may hold); an intraday bar one
 * interval after its start, or at the close if that comes first.  A
 * bar that starts at or after the close (a CSV file's late rows) runs
 * its whole interval.
 */
int64_t
fetch_bar_end(const struct fetch *f, int64_t ts, int64_t date)
{
	int close = sam_nyse_close(date, NULL);
	int64_t at = sam_ny_to_utc(date, close ? close : 16 * 60), end;

	if (f->minutes == 0)
		return at;
	end = ts + (int64_t)f->minutes * 60;
	return ts < at && end > at ? at : end;
}

int
fetch_bar_final(const struct fetch *f, int64_t ts, int64_t date)
{
	/* No period is longer than a regular session or an interval: most
	 * bars are over without a look at the calendar. */
	int64_t longest = (f->minutes ? f->minutes : 16 * 60 - SAM_NYSE_OPEN_MINUTE) * 60;

	if (f->now - ts >= longest)
		return 1;
	return fetch_bar_end(f, ts, date) <= f->now;
}

static void
put_num(struct sam_buf *o, const char *key, double v)
{
	sam_buf_puts(o, key);
	sam_buf_num(o, v);
}

static void
write_bar(struct fetch *f, const struct bar *b)
{
	struct sam_buf *o = sam_out();
	char ts[21], date[11];

	sam_format_ts(ts, b->ts);
	sam_format_date(date, b->date);
	sam_buf_puts(o, "{\"ticker\":\"");
	sam_buf_puts(o, f->names[b->ticker]);
	sam_buf_puts(o, "\",\"interval\":\"");
	sam_buf_puts(o, f->interval);
	sam_buf_puts(o, "\",\"ts\":\"");
	sam_buf_puts(o, ts);
	sam_buf_puts(o, "\",\"date\":\"");
	sam_buf_puts(o, date);
	sam_buf_putc(o, '"');
	put_num(o, ",\"open\":", b->open);
	put_num(o, ",\"high\":", b->high);
	put_num(o, ",\"low\":", b->low);
	put_num(o, ",\"close\":", b->close);
	put_num(o, ",\"volume\":", b->volume);
	sam_buf_puts(o, ",\"source\":\"");
	sam_buf_puts(o, f->source);
	sam_buf_putc(o, '"');
	if (f->mark_injected && strcmp(f->source, "mock") == 0) {
		/* a CSV file's bars were not made here: "[]" would claim
		 * to know they hold no anomaly */
		sam_buf_puts(o, ",\"injected\":[");
		if (b->injected & INJECT_PRICE)
			sam_buf_puts(o, "\"price\"");
		if (b->injected == (INJECT_PRICE | INJECT_VOLUME))
			sam_buf_putc(o, ',');
		if (b->injected & INJECT_VOLUME)
			sam_buf_puts(o, "\"volume\"");
		sam_buf_putc(o, ']');
	}
	/* The one place every source's bars are judged: a bar still in
	 * progress at now holds the prices and volume so far, which a
	 * reader must not take for the bar's.  Final bars say nothing. */
	if (!fetch_bar_final(f, b->ts, b->date))
		sam_buf_puts(o, ",\"final\":false");
	sam_buf_puts(o, "}\n");
}

/*
 * Two rows with the same key (a CSV with a repeated date) are reported
 * and the later line is dropped: which one is right cannot be known
 * here, and writing both would break the key.  The bars are sorted.
 */
static void
drop_duplicates(struct fetch *f)
{
	size_t i, n = 0;
	char ts[21];

	for (i = 0; i < f->nbars; i++) {
		const struct bar *b = &f->bars[i], *prev = n ? &f->bars[n - 1] : NULL;
		if (prev && b->ticker == prev->ticker && b->ts == prev->ts) {
			sam_format_ts(ts, b->ts);
			if (b->line)
				sam_log(SAM_ERROR, f->file, b->line, "duplicate row "
				    "for %s %s (first at line %lu)", f->names[b->ticker],
				    ts, prev->line);
			else
				sam_log(SAM_ERROR, NULL, 0, "%s: %s: duplicate bar %s",
				    f->source, f->names[b->ticker], ts);
			f->rejected++;
			if (f->status == SAM_EXIT_OK)
				f->status = SAM_EXIT_REJECT;
			if (f->strict)
				return;
			continue;
		}
		f->bars[n++] = *b;
	}
	f->nbars = n;
}

/*
 * The output, sorted by ticker, then time.  Under --strict a rejected
 * row writes nothing at all: the output is sorted, so what was read
 * before the bad row is not a prefix of it, only an arbitrary part.
 */
int
fetch_write(struct fetch *f)
{
	size_t i;

	if (f->strict && f->rejected)
		return 0;
	if (sort_bars(f) < 0)
		return -1;
	drop_duplicates(f);
	if (f->strict && f->rejected)
		return 0;
	for (i = 0; i < f->nbars; i++) {
		write_bar(f, &f->bars[i]);
		if (sam_out_maybe_flush() < 0)
			break;		/* sam_out_finish() reports it */
	}
	return 0;
}

void
fetch_free(struct fetch *f)
{
	size_t i;

	for (i = 0; i < f->nnames; i++)
		free(f->names[i]);
	free(f->names);
	free(f->bars);
	sam_map_free(&f->name_index, NULL);
	for (i = 0; i < f->nwant; i++)
		free(f->want[i]);
	free(f->want);
}
