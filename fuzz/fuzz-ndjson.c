/*
 * fuzz-ndjson.c - the NDJSON scanner (sam_rec_parse) and the record
 * writer (sam_rec_write with edits), as every filter uses them.
 *
 * The input's first line is the record; the bytes after the newline
 * choose edits.  Properties, for a line that parses:
 *   - written back without edits it is the same members, byte for byte,
 *     and parses again;
 *   - written with edits (numbers of any bit pattern, another member's
 *     JSON, a decoded string encoded again) it parses again, each edited
 *     key holds its new value once, every other member is unchanged;
 *   - a string member decoded and encoded again decodes to the same
 *     bytes; a number member reads as a finite double or fails cleanly,
 *     and its bound (sam_field_abs_bound) is above its magnitude.
 * And for every line: with a space before it it parses alike, the same
 * members or the same error, one byte further.  A line led by '{' of
 * 64 bytes or more may take the scanner's fast path for compact
 * records, the spaced one never does: the two paths agree.
 */
#include <math.h>

#include "fuzz.h"

static const char *const edit_keys[] = {
	"close", "volume", "z_close", "anomaly", "severity", "metrics", "n",
	"ticker", "score", "x",
};
#define NKEYS (sizeof edit_keys / sizeof edit_keys[0])

/* A compact record (the fast path's) is written in one copy when none
 * of its names is an edit's: the same bytes as written member by
 * member, as a record that is not compact is. */
static void
same_ways(struct sam_rec *r, const struct sam_edits *e, const struct sam_buf *b)
{
	struct sam_buf slow = { 0 };
	int compact = r->compact;

	if (!compact)
		return;
	r->compact = 0;
	sam_rec_write(r, e, &slow);
	r->compact = compact;
	fuzz_assert(!slow.err && !b->err);
	if (slow.len != b->len || memcmp(slow.p, b->p, b->len) != 0)
		fuzz_fail("a compact record written in one copy is not as written member by member");
	sam_buf_free(&slow);
}

/* The line written by sam_rec_write, parsed again into out. */
static void
reparse(const struct sam_buf *b, struct sam_rec *out)
{
	const char *why;
	size_t at;

	fuzz_assert(!b->err);
	fuzz_assert(b->len >= 3 && b->p[b->len - 1] == '\n');
	fuzz_assert(memchr(b->p, '\n', b->len - 1) == NULL);
	if (sam_rec_parse(out, b->p, b->len - 1, &why, &at) < 0)
		fuzz_fail("written record does not parse (%s at %zu): %.*s",
		    why, at, (int)b->len - 1, b->p);
}

static int
same_member(const struct sam_field *a, const struct sam_field *b)
{
	return a->rawklen == b->rawklen && a->vlen == b->vlen && a->type == b->type &&
	    memcmp(a->rawkey, b->rawkey, a->rawklen) == 0 &&
	    memcmp(a->val, b->val, a->vlen) == 0;
}

/* The line with a space before it: what the scanner makes of the line
 * (rc, why, at and r), one byte further. */
static void
same_spaced(const char *line, size_t len, int rc, const char *why, size_t at,
    const struct sam_rec *r)
{
	static struct sam_rec s;
	char *spaced = malloc(len + 1);
	const char *why2;
	size_t at2, i;

	fuzz_assert(spaced);
	spaced[0] = ' ';
	if (len)
		memcpy(spaced + 1, line, len);
	if (sam_rec_parse(&s, spaced, len + 1, &why2, &at2) != rc)
		fuzz_fail("a space before the line changes whether it parses");
	if (rc < 0 && (strcmp(why, why2) != 0 || at2 != at + 1))
		fuzz_fail("a space before the line changes its error: %s at %zu, "
		    "then %s at %zu", why, at, why2, at2);
	for (i = 0; rc == 0 && i < r->n; i++) {
		const struct sam_field *a = &r->f[i], *b = &s.f[i];
		fuzz_assert(s.n == r->n);
		if (b->rawkey - spaced != a->rawkey - line + 1 ||
		    b->val - spaced != a->val - line + 1 ||
		    a->rawklen != b->rawklen || a->vlen != b->vlen ||
		    a->type != b->type || a->klen != b->klen ||
		    memcmp(a->key, b->key, a->klen) != 0)
			fuzz_fail("a space before the line changes member %zu", i);
	}
	free(spaced);
}

/* Every string member: decoded, encoded, decoded again, the same. */
static void
strings_round_trip(const struct sam_rec *r, size_t linelen)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct sam_field *f = &r->f[i];
		struct sam_buf b = { 0 };
		struct sam_rec r2 = { 0 };
		char *dec, *dec2;
		size_t len, len2;
		double d;

		if (f->type == SAM_JNUMBER) {
			int rc = sam_field_number(f, &d);
			fuzz_assert(rc == 0 || rc == -2);
			/* the bound from its first digits is above it */
			fuzz_assert(sam_field_abs_bound(f) > fabs(d) ||
			    (rc != 0 && isinf(sam_field_abs_bound(f))));
			if (rc == 0) {
				char num[SAM_NUM_MAX];
				double back;
				size_t n = sam_format_double(num, d);
				fuzz_assert(sam_parse_number(num, n, 0, &back) == 0);
				fuzz_assert(memcmp(&back, &d, sizeof d) == 0);
			}
		}
		if (f->type != SAM_JSTRING)
			continue;
		dec = malloc(linelen + 1);
		fuzz_assert(dec);
		fuzz_assert(sam_jstr_decode(f, dec, linelen + 1, &len) == 0);
		fuzz_assert(len <= (size_t)f->vlen - 2);
		sam_buf_puts(&b, "{\"s\":");
		sam_buf_jstr(&b, dec, len);
		sam_buf_puts(&b, "}\n");
		reparse(&b, &r2);
		fuzz_assert(r2.n == 1 && r2.f[0].type == SAM_JSTRING);
		/* the decoder wants room for the escaped text */
		dec2 = malloc(r2.f[0].vlen);
		fuzz_assert(dec2);
		fuzz_assert(sam_jstr_decode(&r2.f[0], dec2, r2.f[0].vlen, &len2) == 0);
		if (len2 != len || memcmp(dec, dec2, len) != 0)
			fuzz_fail("string does not round-trip: %.*s", (int)f->vlen, f->val);
		sam_rec_free(&r2);
		sam_buf_free(&b);
		free(dec);
		free(dec2);
	}
}

/* Edits chosen by the bytes in ctl: each byte an edit of a key, the
 * kind of value from its high bits. */
static void
make_edits(struct sam_edits *e, const struct sam_rec *r, const uint8_t *ctl,
    size_t n, char *scratch, size_t scratchsize)
{
	size_t i;

	for (i = 0; i < n && e->n < 8; i++) {
		const char *key = edit_keys[ctl[i] % NKEYS];
		size_t j;
		for (j = 0; j < e->n && strcmp(e->e[j].key, key) != 0; j++)
			;
		if (j < e->n)	/* a tool edits a key once */
			continue;
		switch (ctl[i] >> 6) {
		case 0: {	/* a double of any bit pattern, NaN and inf too */
			uint64_t bits = 0;
			double d;
			size_t k = n - i - 1 < 8 ? n - i - 1 : 8;
			memcpy(&bits, ctl + i + 1, k);
			i += k;
			memcpy(&d, &bits, sizeof d);
			sam_edits_num(e, key, d);
			break;
		}
		case 1:		/* another member's JSON */
			if (r->n) {
				const struct sam_field *f = &r->f[ctl[i] % r->n];
				sam_edits_raw(e, key, f->val, f->vlen);
			} else {
				sam_edits_raw(e, key, "null", 4);
			}
			break;
		case 2:		/* a string member, decoded, as a string */
			if (r->n && r->f[ctl[i] % r->n].type == SAM_JSTRING) {
				size_t len;
				const struct sam_field *f = &r->f[ctl[i] % r->n];
				fuzz_assert(sam_jstr_decode(f, scratch, scratchsize, &len) == 0);
				sam_buf_jstr(sam_edits_add(e, key), scratch, len);
			} else {
				sam_edits_raw(e, key, "true", 4);
			}
			break;
		default:	/* a whole number */
			sam_buf_int(sam_edits_add(e, key), (long long)(int8_t)ctl[i] * 1000003LL);
			break;
		}
	}
}

/* After edits: the edited keys hold their values, the rest is kept. */
static void
check_edited(const struct sam_rec *r, const struct sam_edits *e,
    const struct sam_rec *w)
{
	size_t i, j, k = 0;

	for (i = 0; i < r->n; i++) {
		const struct sam_field *f = &r->f[i];
		for (j = 0; j < e->n; j++)
			if (f->klen == e->e[j].klen && memcmp(f->key, e->e[j].key, f->klen) == 0)
				break;
		if (j < e->n)
			continue;
		/* unedited members come first in w, in order, unless an
		 * edited one sits between them */
		while (k < w->n && !same_member(f, &w->f[k]))
			k++;
		if (k == w->n)
			fuzz_fail("member %.*s lost in writing", (int)f->rawklen, f->rawkey);
		k++;
	}
	for (j = 0; j < e->n; j++) {
		const struct sam_field *got = NULL;
		size_t n = 0;
		for (i = 0; i < w->n; i++)
			if (w->f[i].klen == e->e[j].klen &&
			    memcmp(w->f[i].key, e->e[j].key, w->f[i].klen) == 0) {
				got = &w->f[i];
				n++;
			}
		if (n != 1)
			fuzz_fail("edited key %s written %zu times", e->e[j].key, n);
		{
			/* a value ends where the next edit's ,"key": begins */
			size_t end = j + 1 < e->n ? e->e[j + 1].pre : e->vals.len;
			size_t vlen = end - e->e[j].off;
			if (got->vlen != vlen || memcmp(got->val, e->vals.p + e->e[j].off, vlen) != 0)
				fuzz_fail("edited key %s has another value", e->e[j].key);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sam_rec r, w;	/* kept, as the tools keep them */
	const uint8_t *nl = memchr(data, '\n', size);
	size_t len = nl ? (size_t)(nl - data) : size, i;
	char *line = fuzz_string(data, len), *scratch = malloc(len + 1);
	struct sam_edits e = { 0 };
	struct sam_buf b = { 0 };
	const char *why;
	size_t at;

	fuzz_assert(scratch);
	if (sam_rec_parse(&r, line, len, &why, &at) < 0) {
		fuzz_assert(why && at >= 1 && at <= len + 1);
		same_spaced(line, len, -1, why, at, &r);
		goto out;
	}
	same_spaced(line, len, 0, NULL, 0, &r);
	for (i = 0; i < r.n; i++) {
		fuzz_assert(r.f[i].key && r.f[i].val >= line && r.f[i].val + r.f[i].vlen <= line + len);
		fuzz_assert(r.f[i].type <= SAM_JOBJECT);
	}
	for (i = 0; i < NKEYS; i++) {	/* the first member of that name */
		const struct sam_field *f = sam_rec_get(&r, edit_keys[i]);
		size_t k, klen = strlen(edit_keys[i]);
		for (k = 0; k < r.n; k++)
			if (r.f[k].klen == klen && memcmp(r.f[k].key, edit_keys[i], klen) == 0)
				break;
		fuzz_assert(f == (k < r.n ? &r.f[k] : NULL));
	}
	/* as it was */
	sam_rec_write(&r, NULL, &b);
	same_ways(&r, NULL, &b);
	reparse(&b, &w);
	fuzz_assert(w.n == r.n);
	for (i = 0; i < r.n; i++)
		if (!same_member(&r.f[i], &w.f[i]))
			fuzz_fail("member %zu changed in writing", i);
	/* with edits */
	if (nl) {
		b.len = 0;
		make_edits(&e, &r, nl + 1, size - len - 1, scratch, len + 1);
		fuzz_assert(sam_rec_write_size(&r, &e) >= 3);
		sam_rec_write(&r, &e, &b);
		same_ways(&r, &e, &b);
		reparse(&b, &w);
		check_edited(&r, &e, &w);
	}
	strings_round_trip(&r, len);
	{
		static const char *const keys[] = { "ticker", "interval", "ts", "date" };
		const struct sam_field *f[4];
		(void)sam_rec_find(&r, keys, 4, f);
	}
out:
	sam_edits_free(&e);
	sam_buf_free(&b);
	free(scratch);
	free(line);
	return 0;
}
