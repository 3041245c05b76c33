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

/* A block's odd and high bytes, apart: for the rare block with either. */
static struct block
odd_high(const char *p, uint64_t quotes)
{
	const __m128i bslash = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1f);
	__m128i odd = _mm_setzero_si128(), high = odd;
	struct block b = { quotes, 0, 0 };
	int i;

	for (i = 0; i < 4; i++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
		odd = _mm_or_si128(odd, _mm_cmpeq_epi8(v, bslash));
		odd = _mm_or_si128(odd, _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v));
		high = _mm_or_si128(high, v);
	}
	b.odd = (unsigned)_mm_movemask_epi8(odd);
	b.high = (unsigned)_mm_movemask_epi8(high);
	return b;
}

/* The quotes of the block at p.  Whether any byte is odd or high is
 * asked once for both, a signed comparison with ' ' finding controls
 * and bytes above 0x7f alike: a block of a record has neither.  Written
 * out, not a loop: GCC does not unroll one at -O2, and the loop's
 * shifts by 16 i cost 6 % of a record. */
static struct block
block_at(const char *p)
{
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i space = _mm_set1_epi8(' ');
	__m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
	__m128i v2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
	__m128i v3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
	__m128i rare = _mm_or_si128(
	    _mm_or_si128(_mm_cmplt_epi8(v0, space), _mm_cmpeq_epi8(v0, bslash)),
	    _mm_or_si128(_mm_cmplt_epi8(v1, space), _mm_cmpeq_epi8(v1, bslash)));
	struct block b = { 0, 0, 0 };

	rare = _mm_or_si128(rare,
	    _mm_or_si128(_mm_cmplt_epi8(v2, space), _mm_cmpeq_epi8(v2, bslash)));
	rare = _mm_or_si128(rare,
	    _mm_or_si128(_mm_cmplt_epi8(v3, space), _mm_cmpeq_epi8(v3, bslash)));
	b.quotes = (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v0, quote)) |
	    (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v1, quote)) << 16 |
	    (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v2, quote)) << 32 |
	    (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v3, quote)) << 48;
	return _mm_movemask_epi8(rare) ? odd_high(p, b.quotes) : b;
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

/* The offset of the next quote, or the line's length if there is none.
 * A block's end is marked unlikely: GCC then moves next_block out of
 * the walk, which no longer spills around it (9 % fewer instructions
 * a record, 4 % less time; clang's code is 4 % slower with it). */
static inline size_t
next_quote(struct quotes *qs)
{
	while (__builtin_expect(!qs->left, 0))
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
 * A plain number [p, end), -?int(.frac)?, checked at once from a mask of
 * the bytes that are not digits: number_end's loops, a digit or a word
 * at a time, mispredict their exit at about every number, which costs
 * more than all the rest.  The 32 bytes read are those from p, or the
 * line's last 32 if p is closer to limit, its end (a line of the fast
 * path has 64).  Past the '-', the first byte not a digit must be the
 * end, or the one '.' (neither first nor last); no leading zero.  1 if
 * it is one; 0 if not, or if it is longer than 32 bytes: then
 * number_end decides.
 */
static inline int
plain_number(const char *p, const char *end, const char *limit)
{
	/* shifted so that the digits are the ten least signed bytes */
	const __m128i shift = _mm_set1_epi8((char)(0x80 - '0'));
	const __m128i nine = _mm_set1_epi8((char)(0x80 + 9 - 256));
	const char *w;
	__m128i d0, d1;
	uint32_t other;
	size_t n;
	unsigned d;

	p += *p == '-';
	n = (size_t)(end - p);
	if (n - 1 >= 32)		/* empty, or too long */
		return 0;
	w = limit - p >= 32 ? p : limit - 32;
	d0 = _mm_add_epi8(_mm_loadu_si128((const __m128i *)(const void *)w), shift);
	d1 = _mm_add_epi8(_mm_loadu_si128((const __m128i *)(const void *)(w + 16)), shift);
	other = (uint32_t)_mm_movemask_epi8(_mm_cmpgt_epi8(d0, nine)) |
	    (uint32_t)_mm_movemask_epi8(_mm_cmpgt_epi8(d1, nine)) << 16;
	/* those of the number, and d the first of them or n */
	other = (uint32_t)((uint64_t)(other >> (p - w)) & ((UINT64_C(1) << n) - 1));
	d = (unsigned)__builtin_ctzll((uint64_t)other | UINT64_C(1) << n);
	/* & not &&: one branch, not six */
	return !(other & (other - 1)) & (d != 0) &
	    ((d == n) | ((p[d] == '.') & (d + 1 != n))) &
	    !((p[0] == '0') & (d > 1));
}

/* The type of the number or literal [p, end), or -1: a number asked
 * first, the most common; *plain whether it is a plain one. */
static inline int
fast_scalar(const char *p, const char *end, const char *limit, int *plain)
{
	size_t n = (size_t)(end - p);

	if (n == 0)
		return -1;
	if (sam_json_is_digit(*p) || *p == '-')
		return (*plain = plain_number(p, end, limit)) ||
		    sam_json_number_end(p, end) == end ? SAM_JNUMBER : -1;
	switch (*p) {
	case 'n':
		return n == 4 && memcmp(p, "null", 4) == 0 ? SAM_JNULL : -1;
	case 't':
		return n == 4 && memcmp(p, "true", 4) == 0 ? SAM_JTRUE : -1;
	case 'f':
		return n == 5 && memcmp(p, "false", 5) == 0 ? SAM_JFALSE : -1;
	default:
		return -1;
	}
}

/* The end of the value at offset v, a name's ':' before it; *type its
 * type, *plain whether it is a plain number.  0 if the value is not for
 * the fast path. */
static inline size_t
fast_value(struct quotes *qs, size_t v, int *type, int *plain)
{
	const char *s = qs->line;
	size_t e;

	*plain = 0;		/* fast_scalar's to tell, for a number */
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
	return (*type = fast_scalar(s + v, s + e, s + qs->len, plain)) < 0 ? 0 : e;
}

/* The members of a compact record of at least JSON_FAST_MIN bytes, from
 * quote to quote.  The fields and their count are in locals until the
 * end: a field's type is a char, which may alias anything, and after
 * each store of one r's members would be loaded again.  -1: the line is
 * for the scanner. */
int
sam_json_fast_parse(struct sam_rec *r, const char *s, size_t len)
{
	struct block first = block_at(s);
	struct quotes qs = { s, len, 0, first.quotes, first.odd, first.high };
	struct sam_field *f = r->f;
	size_t p = 1, a, b, e, n = 0, cap = r->cap;
	int type, plain;

	if (s[0] != '{' || first.odd)
		return -1;
	for (;;) {
		if ((a = next_quote(&qs)) != p)
			return -1;
		take_quote(&qs);
		b = next_quote(&qs);
		take_quote(&qs);
		if (b + 2 >= len || s[b + 1] != ':' ||
		    !(e = fast_value(&qs, b + 2, &type, &plain)) || e >= len)
			return -1;
		if (n == cap) {
			if (sam_json_rec_grow(r) < 0)
				return -1;
			f = r->f;
			cap = r->cap;
		}
		f[n].key = f[n].rawkey = s + a + 1;
		f[n].klen = f[n].rawklen = (uint32_t)(b - a - 1);
		f[n].val = s + b + 2;
		f[n].vlen = (uint32_t)(e - b - 2);
		f[n].type = (uint8_t)type;
		f[n].plain = (uint8_t)plain;
		n++;
		if (s[e] == ',') {
			p = e + 1;
			continue;
		}
		if (s[e] != '}' || e + 1 != len || qs.odd)
			return -1;
		r->n = n;
		r->compact = 1;
		/* the UTF-8 of names and strings, which nothing else checks */
		return qs.high && !sam_valid_utf8(s, len, NULL) ? -1 : 0;
	}
}

#endif
