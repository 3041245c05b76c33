/*
 * jfast.c - json.c's fast path: compact records.
 *
 * Nearly every record is written by sam's own tools: no whitespace, no
 * escapes.  What the scanner above spends on those is its chain of
 * steps, each waiting for the load of a byte the step before found.
 * The fast path finds the quotes of the line first, 16 bytes in a few
 * SSE2 instructions that wait on nothing, then walks the members from
 * quote to quote: a name or a string lies between two, and a number or
 * a literal ends at the ',' before the next name.  Whitespace, an
 * escape, a control character, a short line or any error sends the
 * line back to the scanner above, from its start, so the fast path
 * only ever accepts a line as that one would.
 */
#include <stdint.h>
#include <string.h>

#include "sam.h"
#include "jscan.h"

#ifdef JSON_FAST_MIN
#include <emmintrin.h>

/*
 * The quotes of a line, one block of 64 bytes at a time.  Its helpers
 * are inlined into sam_json_fast_parse, so that the compiler keeps the walk in
 * registers: in memory, every step would wait on the one before's store.
 */
struct quotes {
	const char *line;
	size_t len, base;	/* base: the offset of the block in left */
	uint64_t left;		/* its quotes not yet taken, a bit a byte */
	unsigned odd;		/* a '\\' or a control seen: not for us */
	unsigned high;		/* a byte above 0x7f seen: check the UTF-8 */
};

/* A block's quotes, and whether it has odd and high bytes. */
struct block {
	uint64_t quotes;
	unsigned odd, high;
};

static struct block
block_at(const char *p)
{
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i ctl = _mm_set1_epi8(0x1f);
	__m128i odd = _mm_setzero_si128(), high = odd;
	struct block b = { 0, 0, 0 };
	int i;

	for (i = 0; i < 4; i++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
		b.quotes |= (uint64_t)(unsigned)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(v, quote)) << (16 * i);
		odd = _mm_or_si128(odd, _mm_cmpeq_epi8(v, bslash));
		odd = _mm_or_si128(odd, _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v));
		high = _mm_or_si128(high, v);
	}
	b.odd = (unsigned)_mm_movemask_epi8(odd);
	b.high = (unsigned)_mm_movemask_epi8(high);
	return b;
}

/* The next block; the last, short one read as the line's last 64 bytes
 * (those before it again: only their quotes are dropped).  False at the
 * end of the line. */
static inline int
next_block(struct quotes *qs)
{
	struct block b;
	size_t rest;

	qs->left = 0;
	if ((qs->base += 64) >= qs->len)
		return 0;
	rest = qs->len - qs->base;
	b = block_at(qs->line + (rest >= 64 ? qs->base : qs->len - 64));
	qs->left = rest >= 64 ? b.quotes : b.quotes >> (64 - rest);
	qs->odd |= b.odd;
	qs->high |= b.high;
	return 1;
}

/* The offset of the next quote, or the line's length if there is none. */
static inline size_t
next_quote(struct quotes *qs)
{
	while (!qs->left)
		if (!next_block(qs))
			return qs->len;
	return qs->base + (size_t)__builtin_ctzll(qs->left);
}

/* Takes the quote next_quote found. */
static inline void
take_quote(struct quotes *qs)
{
	qs->left &= qs->left - 1;
}

/* Drops the quotes before offset to (past a nested value). */
static inline void
drop_quotes(struct quotes *qs, size_t to)
{
	while (to - qs->base >= 64)
		if (!next_block(qs))
			return;
	qs->left &= ~UINT64_C(0) << (to - qs->base);
}

/*
 * A plain number [p, end), -?int(.frac)?, checked at once from masks of
 * its digits and dots: number_end's loops, a digit or a word at a time,
 * mispredict their exit at about every number, which costs more than
 * all the rest.  1 if it is one; 0 if it is not, or is longer than 32
 * bytes, or closer than that to limit (the line's end): then
 * number_end decides.
 */
static inline int
plain_number(const char *p, const char *end, const char *limit)
{
	const __m128i zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9);
	const __m128i dot = _mm_set1_epi8('.');
	__m128i v0, v1, d0, d1;
	uint32_t digits, dots, span;
	size_t n;

	p += *p == '-';
	n = (size_t)(end - p);
	if (n == 0 || n > 32 || limit - p < 32)
		return 0;
	v0 = _mm_loadu_si128((const __m128i *)(const void *)p);
	v1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
	d0 = _mm_sub_epi8(v0, zero);
	d1 = _mm_sub_epi8(v1, zero);
	digits = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d0, nine), d0)) |
	    (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d1, nine), d1)) << 16;
	dots = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v0, dot)) |
	    (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v1, dot)) << 16;
	span = n == 32 ? ~UINT32_C(0) : (UINT32_C(1) << n) - 1;
	dots &= span;
	/* digits and at most one dot, not first nor last, no leading zero */
	return ((digits | dots) & span) == span && !(dots & (dots - 1)) &&
	    !(dots & (1 | UINT32_C(1) << (n - 1))) &&
	    !(p[0] == '0' && n > 1 && p[1] != '.');
}

/* The type of the number or literal [p, end), or -1. */
static inline int
fast_scalar(const char *p, const char *end, const char *limit)
{
	size_t n = (size_t)(end - p);

	if (n == 0)
		return -1;
	switch (*p) {
	case 'n':
		return n == 4 && memcmp(p, "null", 4) == 0 ? SAM_JNULL : -1;
	case 't':
		return n == 4 && memcmp(p, "true", 4) == 0 ? SAM_JTRUE : -1;
	case 'f':
		return n == 5 && memcmp(p, "false", 5) == 0 ? SAM_JFALSE : -1;
	default:
		if (*p != '-' && !sam_json_is_digit(*p))
			return -1;
		return plain_number(p, end, limit) || sam_json_number_end(p, end) == end ?
		    SAM_JNUMBER : -1;
	}
}

/* The end of the value at offset v, a name's ':' before it; *type its
 * type.  0 if the value is not for the fast path. */
static inline size_t
fast_value(struct quotes *qs, size_t v, int *type)
{
	const char *s = qs->line;
	size_t e;

	if (s[v] == '"') {
		next_quote(qs);		/* at v: its block may be the next */
		take_quote(qs);
		e = next_quote(qs);
		take_quote(qs);
		*type = SAM_JSTRING;
		return e < qs->len ? e + 1 : 0;
	}
	if (s[v] == '{' || s[v] == '[') {
		const char *end = sam_json_container_end(s + v, s + qs->len);
		if (!end)
			return 0;
		drop_quotes(qs, (size_t)(end - s));
		*type = s[v] == '{' ? SAM_JOBJECT : SAM_JARRAY;
		return (size_t)(end - s);
	}
	/* up to the ',' before the next name, or the closing '}' */
	e = next_quote(qs);
	e = e < qs->len ? e - 1 : qs->len - 1;
	return (*type = fast_scalar(s + v, s + e, s + qs->len)) < 0 ? 0 : e;
}

/* The members of a compact record of at least JSON_FAST_MIN bytes, from
 * quote to quote.  -1: the line is for the scanner. */
int
sam_json_fast_parse(struct sam_rec *r, const char *s, size_t len)
{
	struct block first = block_at(s);
	struct quotes qs = { s, len, 0, first.quotes, first.odd, first.high };
	size_t p = 1, a, b, e;
	int type;

	if (s[0] != '{' || first.odd)
		return -1;
	for (;;) {
		struct sam_field *f;
		if ((a = next_quote(&qs)) != p)
			return -1;
		take_quote(&qs);
		b = next_quote(&qs);
		take_quote(&qs);
		if (b + 2 >= len || s[b + 1] != ':' ||
		    !(e = fast_value(&qs, b + 2, &type)) || e >= len ||
		    !(f = sam_json_rec_push(r)))
			return -1;
		f->key = f->rawkey = s + a + 1;
		f->klen = f->rawklen = (uint32_t)(b - a - 1);
		f->val = s + b + 2;
		f->vlen = (uint32_t)(e - b - 2);
		f->type = (uint8_t)type;
		if (s[e] == ',') {
			p = e + 1;
			continue;
		}
		if (s[e] != '}' || e + 1 != len || qs.odd)
			return -1;
		/* the UTF-8 of names and strings, which nothing else checks */
		return qs.high && !sam_valid_utf8(s, len, NULL) ? -1 : 0;
	}
}

#endif
