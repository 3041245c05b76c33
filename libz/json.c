/*
 * json.c - one NDJSON record, scanned in place.
 *
 * A record is a JSON object (RFC 8259) on one line.  The scanner checks
 * the whole line, including nested values, UTF-8 and escapes, but keeps
 * only the spans of the top-level members: a tool reads the few fields
 * it knows and writes every other member back byte for byte.  Numbers
 * of fields nobody touches are never re-printed, so nothing is lost.
 *
 * Every filter scans every record, so the scanner is written for speed:
 * the position lives in a local (a field of a struct reached through a
 * pointer is stored back on every step), string bodies and digit runs
 * are read eight bytes at a time, and the line is never read past its
 * end (it is not NUL-terminated, and the caller's buffer may end there).
 */
#include <stdlib.h>
#include <string.h>

#include "sam.h"
#include "swar.h"

#define DEPTH_MAX 256

/* The line's end, the first error with where it is, and whether a
 * string had escapes (set by scan_string, cleared by whoever asks). */
struct scanner {
	const char *end;
	const char *err, *at;
	int escaped;
};

static const char *
fail(struct scanner *sc, const char *at, const char *why)
{
	sc->err = why;
	sc->at = at;
	return NULL;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
is_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && is_ws(*p))
		p++;
	return p;
}

/*
 * Eight bytes at a time (SWAR).  The masks below flag, in the high bit
 * of each byte, the bytes of a kind; a borrow or carry can flag a byte
 * wrongly, but only above a byte rightly flagged, so the lowest flag is
 * exact, and swar_load8 puts the first byte lowest.  Without a builtin to
 * count trailing zeros, a flagged word is read again a byte at a time.
 */
#define ONES	UINT64_C(0x0101010101010101)
#define HIGHS	UINT64_C(0x8080808080808080)
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FIRST_FLAGGED(m)	((size_t)__builtin_ctzll(m) >> 3)
#endif

/* The bytes that end plain string text: '"', '\\' and controls. */
static uint64_t
string_stops(uint64_t w)
{
	uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');

	return (((q - ONES) & ~q) | ((b - ONES) & ~b) |
	    ((w - ONES * 0x20) & ~w)) & HIGHS;
}

/* The bytes that are not digits: x = w ^ '0' is 0 to 9 for a digit. */
static uint64_t
nondigits(uint64_t w)
{
	uint64_t x = w ^ (ONES * '0');

	return ((x + ONES * 0x76) | x) & HIGHS;
}

/*
 * Past the bytes that stops() leaves unflagged, eight at a time, then
 * one at a time (a byte alone in a word: a flag carries or borrows only
 * upwards, so the low byte's own is exact).  Inlined with its stops().
 */
static inline const char *
skip_while(const char *p, const char *end, uint64_t (*stops)(uint64_t))
{
	while (end - p >= 8) {
		uint64_t m = stops(swar_load8(p));
		if (m) {
#ifdef FIRST_FLAGGED
			return p + FIRST_FLAGGED(m);
#else
			break;
#endif
		}
		p += 8;
	}
	while (p < end && !(stops((unsigned char)*p) & 0x80))
		p++;
	return p;
}

/* Past the plain text of a string body: at a '"', '\\', control or the end. */
static inline const char *
skip_plain(const char *p, const char *end)
{
	return skip_while(p, end, string_stops);
}

static inline const char *
skip_digits(const char *p, const char *end)
{
	return skip_while(p, end, nondigits);
}

/* The value of four hex digits, or -1.  (A value, not an out-parameter:
 * a local whose address is taken gets a stack guard in every function
 * this is inlined into, scan_string among them.) */
static long
hex4(const char *p)
{
	long v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* A \u escape, p after the 'u': surrogates must pair. */
static const char *
scan_uescape(struct scanner *sc, const char *p)
{
	const char *start = p - 2;	/* the backslash */
	long u, lo;

	if (sc->end - p < 4 || (u = hex4(p)) < 0)
		return fail(sc, start, "invalid \\u escape");
	p += 4;
	if (u >= 0xdc00 && u <= 0xdfff)
		return fail(sc, start, "unpaired surrogate in \\u escape");
	if (u >= 0xd800 && u <= 0xdbff) {
		if (sc->end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
		    (lo = hex4(p + 2)) < 0xdc00 || lo > 0xdfff)
			return fail(sc, start, "unpaired surrogate in \\u escape");
		p += 6;
	}
	return p;
}

/* An escape, p at the backslash. */
static const char *
scan_escape(struct scanner *sc, const char *p)
{
	if (p + 1 >= sc->end)
		return fail(sc, sc->end, "unterminated string");
	switch (p[1]) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n':
	case 'r': case 't':
		return p + 2;
	case 'u':
		return scan_uescape(sc, p + 2);
	default:
		return fail(sc, p, "invalid escape");
	}
}

/* A string, p after the opening quote (the line's UTF-8 is already
 * checked); returns the position past the closing quote. */
static const char *
scan_string(struct scanner *sc, const char *p)
{
	for (;;) {
		p = skip_plain(p, sc->end);
		if (p == sc->end)
			return fail(sc, p, "unterminated string");
		if (*p == '"')
			return p + 1;
		if (*p != '\\')
			return fail(sc, p, "control character in string");
		sc->escaped = 1;
		if (!(p = scan_escape(sc, p)))
			return NULL;
	}
}

/* Past the number at p (its '-' or first digit), or NULL if it is not
 * one: every number error is reported at the number's start. */
static const char *
number_end(const char *p, const char *end)
{
	const char *d;

	if (*p == '-')
		p++;
	if (p == end || !is_digit(*p))
		return NULL;
	if (*p == '0') {
		if (++p < end && is_digit(*p))
			return NULL;	/* no leading zeros */
	} else
		p = skip_digits(p + 1, end);
	if (p < end && *p == '.') {
		d = p + 1;
		if ((p = skip_digits(d, end)) == d)
			return NULL;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		d = p;
		if ((p = skip_digits(d, end)) == d)
			return NULL;
	}
	return p;
}

static const char *
scan_number(struct scanner *sc, const char *p)
{
	const char *q = number_end(p, sc->end);

	return q ? q : fail(sc, p, "invalid number");
}

static const char *
scan_word(struct scanner *sc, const char *p, const char *w, size_t n)
{
	if ((size_t)(sc->end - p) < n || memcmp(p, w, n) != 0)
		return fail(sc, p, "invalid literal");
	return p + n;
}

/* A string, number or literal, p at its first byte (not the end). */
static const char *
scan_scalar(struct scanner *sc, const char *p, int *type)
{
	switch (*p) {
	case '"':
		*type = SAM_JSTRING;
		return scan_string(sc, p + 1);
	case 't':
		*type = SAM_JTRUE;
		return scan_word(sc, p, "true", 4);
	case 'f':
		*type = SAM_JFALSE;
		return scan_word(sc, p, "false", 5);
	case 'n':
		*type = SAM_JNULL;
		return scan_word(sc, p, "null", 4);
	default:
		if (*p != '-' && !is_digit(*p))
			return fail(sc, p, "expected a value");
		*type = SAM_JNUMBER;
		return scan_number(sc, p);
	}
}

/* A member's name and its ':', p at the name's quote or what stands
 * there instead; returns the position after the ':'. */
static const char *
scan_name(struct scanner *sc, const char *p)
{
	if (p == sc->end || *p != '"')
		return fail(sc, p, "expected a member name");
	if (!(p = scan_string(sc, p + 1)))
		return NULL;
	p = skip_ws(p, sc->end);
	if (p == sc->end || *p != ':')
		return fail(sc, p, "expected ':'");
	return p + 1;
}

/*
 * An array or object, nested ones included, without recursion: a stack
 * of the open containers ('{' or '['), bounded by DEPTH_MAX.  p is at
 * the opening bracket.
 */
static const char *
scan_container(struct scanner *sc, const char *p)
{
	const char *end = sc->end;
	char stack[DEPTH_MAX];
	int depth = 0, type;

	for (;;) {
		p = skip_ws(p, end);
		if (p == end)
			return fail(sc, p, "unexpected end of line");
		if (*p == '{' || *p == '[') {
			if (depth == DEPTH_MAX)
				return fail(sc, p, "nesting too deep");
			stack[depth++] = *p;
			p = skip_ws(p + 1, end);
			if (p < end && *p == (stack[depth - 1] == '{' ? '}' : ']')) {
				p++;
				depth--;
			} else if (stack[depth - 1] == '{') {
				if (!(p = scan_name(sc, p)))
					return NULL;
				continue;
			} else
				continue;
		} else if (!(p = scan_scalar(sc, p, &type)))
			return NULL;
		/* after a value: close containers, or a ',' and the next */
		for (;;) {
			char close;
			if (depth == 0)
				return p;
			close = stack[depth - 1] == '{' ? '}' : ']';
			p = skip_ws(p, end);
			if (p == end)
				return fail(sc, p, "unexpected end of line");
			if (*p == close) {
				p++;
				depth--;
				continue;
			}
			if (*p != ',')
				return fail(sc, p, close == '}' ?
				    "expected ',' or '}'" : "expected ',' or ']'");
			p = skip_ws(p + 1, end);
			if (close == ']')
				break;
			if (!(p = scan_name(sc, p)))
				return NULL;
			break;
		}
	}
}

/* A member's value, p at its first byte or the end. */
static const char *
scan_value(struct scanner *sc, const char *p, int *type)
{
	if (p == sc->end)
		return fail(sc, p, "unexpected end of line");
	if (*p == '{' || *p == '[') {
		*type = *p == '{' ? SAM_JOBJECT : SAM_JARRAY;
		return scan_container(sc, p);
	}
	return scan_scalar(sc, p, type);
}

/* Decodes a validated JSON string body (no quotes) into out. */
static size_t
decode_string(const char *s, size_t n, char *out)
{
	size_t i = 0, o = 0;

	while (i < n) {
		unsigned u, lo;
		if (s[i] != '\\') {
			out[o++] = s[i++];
			continue;
		}
		i++;
		switch (s[i++]) {
		case 'b': out[o++] = '\b'; continue;
		case 'f': out[o++] = '\f'; continue;
		case 'n': out[o++] = '\n'; continue;
		case 'r': out[o++] = '\r'; continue;
		case 't': out[o++] = '\t'; continue;
		case 'u': break;
		default: out[o++] = s[i - 1]; continue;
		}
		u = (unsigned)hex4(s + i);
		i += 4;
		if (u >= 0xd800 && u <= 0xdbff) {
			lo = (unsigned)hex4(s + i + 2);
			i += 6;
			u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
		}
		if (u < 0x80) {
			out[o++] = (char)u;
		} else if (u < 0x800) {
			out[o++] = (char)(0xc0 | u >> 6);
			out[o++] = (char)(0x80 | (u & 0x3f));
		} else if (u < 0x10000) {
			out[o++] = (char)(0xe0 | u >> 12);
			out[o++] = (char)(0x80 | ((u >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (u & 0x3f));
		} else {
			out[o++] = (char)(0xf0 | u >> 18);
			out[o++] = (char)(0x80 | ((u >> 12) & 0x3f));
			out[o++] = (char)(0x80 | ((u >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (u & 0x3f));
		}
	}
	return o;
}

static int
rec_grow(struct sam_rec *r)
{
	size_t cap = r->cap ? r->cap * 2 : 32;
	struct sam_field *f = realloc(r->f, cap * sizeof *f);

	if (!f)
		return -1;
	r->f = f;
	r->cap = cap;
	return 0;
}

static inline struct sam_field *
rec_push(struct sam_rec *r)
{
	if (r->n == r->cap && rec_grow(r) < 0)
		return NULL;
	return &r->f[r->n++];
}

/* ---- the fast path: compact records ---- */

/*
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
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>

#define FAST_MIN 64		/* a block: shorter lines take the scanner */

/*
 * The quotes of a line, one block of 64 bytes at a time.  Its helpers
 * are inlined into fast_parse, so that the compiler keeps the walk in
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
		if (*p != '-' && !is_digit(*p))
			return -1;
		return plain_number(p, end, limit) || number_end(p, end) == end ?
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
		struct scanner sc = { s + qs->len, NULL, NULL, 0 };
		const char *end = scan_container(&sc, s + v);
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

/* The members of a compact record of at least FAST_MIN bytes, from
 * quote to quote.  -1: the line is for the scanner. */
static int
fast_parse(struct sam_rec *r, const char *s, size_t len)
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
		    !(f = rec_push(r)))
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

/* A top-level member, p at its name's quote or what stands there
 * instead: the next field.  Returns the position after the value. */
static const char *
parse_member(struct sam_rec *r, struct scanner *sc, const char *p,
    size_t *keyused)
{
	struct sam_field *f;
	const char *k = p;
	int type = SAM_JNULL;

	if (p == sc->end || *p != '"')
		return fail(sc, p, "expected a member name");
	sc->escaped = 0;
	if (!(p = scan_string(sc, p + 1)))
		return NULL;
	if (!(f = rec_push(r)))
		return fail(sc, p, "out of memory");
	f->rawkey = k + 1;
	f->rawklen = (uint32_t)(p - k - 2);
	f->key = f->rawkey;
	f->klen = f->rawklen;
	if (sc->escaped) {
		char *dst = r->keybuf + *keyused;
		f->klen = (uint32_t)decode_string(f->rawkey, f->rawklen, dst);
		f->key = dst;
		*keyused += f->klen;
	}
	p = skip_ws(p, sc->end);
	if (p == sc->end || *p != ':')
		return fail(sc, p, "expected ':'");
	p = skip_ws(p + 1, sc->end);
	f->val = p;
	if (!(p = scan_value(sc, p, &type)))
		return NULL;
	f->vlen = (uint32_t)(p - f->val);
	f->type = (uint8_t)type;
	return p;
}

/* The members of the top-level object, p after its '{'; returns the
 * position after its '}'. */
static const char *
parse_members(struct sam_rec *r, struct scanner *sc, const char *p)
{
	const char *end = sc->end;
	size_t keyused = 0;

	p = skip_ws(p, end);
	if (p < end && *p == '}')
		return p + 1;
	for (;;) {
		if (!(p = parse_member(r, sc, p, &keyused)))
			return NULL;
		p = skip_ws(p, end);
		if (p < end && *p == ',') {
			p = skip_ws(p + 1, end);
			continue;
		}
		if (p < end && *p == '}')
			return p + 1;
		return fail(sc, p, p < end ? "expected ',' or '}'" :
		    "unexpected end of line");
	}
}

int
sam_rec_parse(struct sam_rec *r, const char *line, size_t len,
    const char **err, size_t *at)
{
	struct scanner sc = { line + len, NULL, line, 0 };
	const char *p;
	size_t bad;

	r->n = 0;
	if (len > UINT32_MAX) {
		fail(&sc, line, "line too long");
		goto bad;
	}
#ifdef FAST_MIN
	if (len >= FAST_MIN && fast_parse(r, line, len) == 0)
		return 0;
	r->n = 0;
#endif
	if (!sam_valid_utf8(line, len, &bad)) {
		fail(&sc, line + bad, "invalid UTF-8");
		goto bad;
	}
	/* Decoded names are never longer than the line. */
	if (r->keycap < len) {
		char *kb = realloc(r->keybuf, len);
		if (!kb) {
			fail(&sc, line, "out of memory");
			goto bad;
		}
		r->keybuf = kb;
		r->keycap = len;
	}
	p = skip_ws(line, sc.end);
	if (p == sc.end || *p != '{') {
		fail(&sc, p, "not a JSON object");
		goto bad;
	}
	if (!(p = parse_members(r, &sc, p + 1)))
		goto bad;
	p = skip_ws(p, sc.end);
	if (p != sc.end) {
		fail(&sc, p, "trailing characters after the object");
		goto bad;
	}
	return 0;
bad:
	*err = sc.err;
	*at = (size_t)(sc.at - line) + 1;
	return -1;
}

void
sam_rec_free(struct sam_rec *r)
{
	free(r->f);
	free(r->keybuf);
	memset(r, 0, sizeof *r);
}

static inline uint32_t
load4(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* n bytes of a and b the same: names are short, and a call to memcmp
 * for each would cost more than the comparison.  Words that overlap
 * at the end cover any length from 4 up. */
static inline int
same_bytes(const char *a, const char *b, size_t n)
{
	size_t i;

	if (n >= 8) {
		for (i = 0; i + 8 < n; i += 8)
			if (swar_load8(a + i) != swar_load8(b + i))
				return 0;
		return swar_load8(a + n - 8) == swar_load8(b + n - 8);
	}
	if (n >= 4)
		return load4(a) == load4(b) && load4(a + n - 4) == load4(b + n - 4);
	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static int
key_is(const struct sam_field *f, const char *key, size_t klen)
{
	return f->klen == klen && same_bytes(f->key, key, klen);
}

const struct sam_field *
sam_rec_get(const struct sam_rec *r, const char *key)
{
	size_t i, klen = strlen(key);

	for (i = 0; i < r->n; i++)
		if (key_is(&r->f[i], key, klen))
			return &r->f[i];
	return NULL;
}

/*
 * The names a caller looks for, in a small open-addressing table: each
 * field of a record is then looked up once instead of compared with
 * every name.  The hash is of the length and the first and last bytes,
 * which tell the names of a record apart well enough.
 */
#define KEYS_MAX SAM_KEYS_MAX	/* SAM_EDITS_MAX fits */

/* Slots for n keys, at least twice as many, cleared. */
static void
keyset_init(struct sam_keys *ks, size_t n)
{
	ks->bits = 4;
	while ((size_t)1 << ks->bits < 2 * n)
		ks->bits++;
	memset(ks->slot, 0, (size_t)1 << ks->bits);
}

static inline size_t
key_hash(const struct sam_keys *ks, const char *k, size_t klen)
{
	uint32_t h = (uint32_t)klen;

	if (klen)
		h ^= (uint32_t)(unsigned char)k[0] << 8 ^
		    (uint32_t)(unsigned char)k[klen - 1] << 16;
	return (h * UINT32_C(0x9e3779b1)) >> (32 - ks->bits);
}

/* The index of the key named k, or -1. */
static inline int
keyset_find(const struct sam_keys *ks, const char *k, size_t klen)
{
	size_t i = key_hash(ks, k, klen), mask = ((size_t)1 << ks->bits) - 1;

	for (; ks->slot[i]; i = (i + 1) & mask) {
		int j = ks->slot[i] - 1;
		if (ks->klen[j] == klen && same_bytes(ks->key[j], k, klen))
			return j;
	}
	return -1;
}

/* Key j, in the first free slot from its hash: of two keys of one
 * name the first is found first, as a search one by one would. */
static void
keyset_add(struct sam_keys *ks, size_t j, const char *k, size_t klen)
{
	size_t i = key_hash(ks, k, klen), mask = ((size_t)1 << ks->bits) - 1;

	ks->key[j] = k;
	ks->klen[j] = klen;
	while (ks->slot[i])
		i = (i + 1) & mask;
	ks->slot[i] = (unsigned char)(j + 1);
}

void
sam_keys_init(struct sam_keys *ks, const char *const *keys, size_t n)
{
	size_t j;

	if (n > KEYS_MAX)
		n = KEYS_MAX;
	ks->n = n;
	keyset_init(ks, n);
	for (j = 0; j < n; j++)
		keyset_add(ks, j, keys[j], strlen(keys[j]));
}

int
sam_rec_find_keys(const struct sam_rec *r, const struct sam_keys *ks,
    const struct sam_field **out)
{
	size_t i, j;

	for (j = 0; j < ks->n; j++)
		out[j] = NULL;
	for (i = 0; i < r->n; i++) {
		const struct sam_field *f = &r->f[i];
		int k = keyset_find(ks, f->key, f->klen);
		if (k < 0)
			continue;
		if (out[k])
			return k;
		out[k] = f;
	}
	return -1;
}

int
sam_rec_find(const struct sam_rec *r, const char *const *keys, size_t n,
    const struct sam_field **out)
{
	struct sam_keys ks;

	sam_keys_init(&ks, keys, n);
	return sam_rec_find_keys(r, &ks, out);
}

const char *
sam_jtype_name(int type)
{
	static const char *const names[] = {
		[SAM_JNULL] = "null", [SAM_JFALSE] = "false",
		[SAM_JTRUE] = "true", [SAM_JNUMBER] = "number",
		[SAM_JSTRING] = "string", [SAM_JARRAY] = "array",
		[SAM_JOBJECT] = "object",
	};
	return type >= 0 && type <= SAM_JOBJECT ? names[type] : "?";
}

int
sam_jstr_decode(const struct sam_field *f, char *dst, size_t dstsize,
    size_t *len)
{
	const char *body = f->val + 1;
	size_t n = f->vlen - 2;

	if (f->type != SAM_JSTRING || n >= dstsize)
		return -1;
	if (memchr(body, '\\', n)) {
		n = decode_string(body, n, dst);
	} else {
		memcpy(dst, body, n);
	}
	dst[n] = '\0';
	*len = n;
	return 0;
}

int
sam_field_number(const struct sam_field *f, double *out)
{
	if (f->type != SAM_JNUMBER)
		return -1;
	return sam_parse_number(f->val, f->vlen, 0, out) == 0 ? 0 : -2;
}

/* ---- edits ---- */

void
sam_edits_reset(struct sam_edits *e)
{
	e->n = 0;
	e->vals.len = 0;
}

void
sam_edits_free(struct sam_edits *e)
{
	sam_buf_free(&e->vals);
	e->n = 0;
}

struct sam_buf *
sam_edits_add(struct sam_edits *e, const char *key)
{
	if (e->n == SAM_EDITS_MAX) {	/* a caller bug, not input */
		e->vals.err = 1;
		return &e->vals;
	}
	e->e[e->n].key = key;
	e->e[e->n].klen = strlen(key);
	e->e[e->n].off = e->vals.len;
	e->n++;
	return &e->vals;
}

void
sam_edits_num(struct sam_edits *e, const char *key, double v)
{
	size_t i = e->n;
	struct sam_buf *b = sam_edits_add(e, key);

	if (i == SAM_EDITS_MAX || sam_buf_reserve(b, SAM_NUM_MAX) < 0)
		return;
	/* the same bits (NAN's too) are the same text */
	if (!e->num[i].len || memcmp(&e->num[i].v, &v, sizeof v) != 0) {
		e->num[i].v = v;
		e->num[i].len = (unsigned char)sam_format_double(e->num[i].text, v);
	}
	memcpy(b->p + b->len, e->num[i].text, e->num[i].len);
	b->len += e->num[i].len;
}

void
sam_edits_raw(struct sam_edits *e, const char *key, const char *json, size_t n)
{
	sam_buf_put(sam_edits_add(e, key), json, n);
}

/* Room is reserved by the caller for the whole record. */
static void
put_member(struct sam_buf *out, int *first, const char *rawkey, size_t klen,
    const char *val, size_t vlen)
{
	if (!*first)
		out->p[out->len++] = ',';
	*first = 0;
	out->p[out->len++] = '"';
	memcpy(out->p + out->len, rawkey, klen);
	out->len += klen;
	out->p[out->len++] = '"';
	out->p[out->len++] = ':';
	memcpy(out->p + out->len, val, vlen);
	out->len += vlen;
}

/* Values are appended in order, so each ends where the next begins. */
static size_t
edit_len(const struct sam_edits *e, size_t j)
{
	return (j + 1 < e->n ? e->e[j + 1].off : e->vals.len) - e->e[j].off;
}

size_t
sam_rec_write_size(const struct sam_rec *r, const struct sam_edits *e)
{
	size_t i, j, need = 3;

	for (i = 0; i < r->n; i++)
		need += r->f[i].rawklen + r->f[i].vlen + 4;
	for (j = 0; e && j < e->n; j++)
		need += e->e[j].klen + 4;
	if (e)
		need += e->vals.len;
	return need;
}

/*
 * Members kept as they are, gathered while they stand side by side in
 * the line as they would be written ("name":value, one ',' between):
 * a record without whitespace goes out in a copy a run of them, not
 * two a member.
 */
struct run {
	const char *from, *to;
};

static void
run_flush(struct sam_buf *out, int *first, struct run *run)
{
	if (!run->from)
		return;
	if (!*first)
		out->p[out->len++] = ',';
	*first = 0;
	memcpy(out->p + out->len, run->from, (size_t)(run->to - run->from));
	out->len += (size_t)(run->to - run->from);
	run->from = NULL;
}

static void
run_add(struct sam_buf *out, int *first, struct run *run,
    const struct sam_field *f)
{
	if (f->val != f->rawkey + f->rawklen + 2) {	/* "name" : value */
		run_flush(out, first, run);
		put_member(out, first, f->rawkey, f->rawklen, f->val, f->vlen);
		return;
	}
	if (run->from && run->to + 1 != f->rawkey - 1)
		run_flush(out, first, run);
	if (!run->from)
		run->from = f->rawkey - 1;
	run->to = f->val + f->vlen;
}

void
sam_rec_write(const struct sam_rec *r, const struct sam_edits *e,
    struct sam_buf *out)
{
	unsigned char used[SAM_EDITS_MAX] = { 0 };
	struct sam_keys ks;
	struct run run = { NULL, NULL };
	size_t i, j, n = e ? e->n : 0;
	int first = 1;

	if (e && e->vals.err) {		/* an edit lost its value: say so */
		out->err = 1;
		return;
	}
	if (sam_buf_reserve(out, sam_rec_write_size(r, e)) < 0)
		return;
	keyset_init(&ks, n);
	for (j = 0; j < n; j++)
		keyset_add(&ks, j, e->e[j].key, e->e[j].klen);
	out->p[out->len++] = '{';
	for (i = 0; i < r->n; i++) {
		const struct sam_field *f = &r->f[i];
		int k = n ? keyset_find(&ks, f->key, f->klen) : -1;
		if (k < 0) {
			run_add(out, &first, &run, f);
		} else if (!used[k]) {	/* a repeated key is written once */
			used[k] = 1;
			run_flush(out, &first, &run);
			put_member(out, &first, f->rawkey, f->rawklen,
			    e->vals.p + e->e[k].off, edit_len(e, (size_t)k));
		}
	}
	run_flush(out, &first, &run);
	for (j = 0; j < n; j++)
		if (!used[j])
			put_member(out, &first, e->e[j].key, e->e[j].klen,
			    e->vals.p + e->e[j].off, edit_len(e, j));
	out->p[out->len++] = '}';
	out->p[out->len++] = '\n';
}
