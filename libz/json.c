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
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sam.h"
#include "swar.h"
#include "jscan.h"

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
const char *
sam_json_number_end(const char *p, const char *end)
{
	const char *d;

	if (*p == '-')
		p++;
	if (p == end || !sam_json_is_digit(*p))
		return NULL;
	if (*p == '0') {
		if (++p < end && sam_json_is_digit(*p))
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
	const char *q = sam_json_number_end(p, sc->end);

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
		if (*p != '-' && !sam_json_is_digit(*p))
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
const char *
sam_json_container_end(const char *p, const char *end)
{
	struct scanner sc = { end, NULL, NULL, 0 };

	return scan_container(&sc, p);
}

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

int
sam_json_rec_grow(struct sam_rec *r)
{
	size_t cap = r->cap ? r->cap * 2 : 32;
	struct sam_field *f = realloc(r->f, cap * sizeof *f);

	if (!f)
		return -1;
	r->f = f;
	r->cap = cap;
	return 0;
}


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
	if (!(f = sam_json_rec_push(r)))
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
	f->plain = 0;		/* not known: the fast path's to tell */
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
	r->compact = 0;
	if (len > UINT32_MAX) {
		fail(&sc, line, "line too long");
		goto bad;
	}
#ifdef JSON_FAST_MIN
	if (len >= JSON_FAST_MIN && sam_json_fast_parse(r, line, len) == 0)
		return 0;
	r->n = 0;
	r->compact = 0;
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

/*
 * A bound on |value| from the number's first digits: its integer part
 * and four fraction digits, the rest counted as one more unit of the
 * last.  A filter that only compares a field with a threshold (a z
 * below the quiet level, a return below the move floor) then reads
 * five digits where the parse reads 17 and rounds them.  Only for the
 * numbers the fast path found plain (jfast.c): no exponent.  The bound
 * is inflated by 1e-12, above the value and the double it reads as
 * alike, so "bound < t" proves "value < t".
 */
double
sam_field_abs_bound(const struct sam_field *f)
{
	const char *p = f->val, *end = p + f->vlen;
	uint64_t m = 0;
	int digits = 0, i;

	if (f->type != SAM_JNUMBER || !f->plain)
		return INFINITY;
	p += *p == '-';
	for (; p < end && *p != '.'; p++, digits++)
		m = m * 10 + (uint64_t)(*p - '0');
	if (digits > 15)
		return INFINITY;	/* rare: the parse knows */
	p += p < end;		/* the '.' */
	for (i = 0; i < 4; i++)	/* short fractions as if padded with 0s */
		m = m * 10 + (uint64_t)(p + i < end ? p[i] - '0' : 0);
	return (double)(m + 1) * 1e-4 * (1 + 1e-12);
}
