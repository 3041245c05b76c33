/*
 * json.c - one NDJSON record, scanned in place.
 *
 * A record is a JSON object (RFC 8259) on one line.  The scanner checks
 * the whole line, including nested values, UTF-8 and escapes, but keeps
 * only the spans of the top-level members: a tool reads the few fields
 * it knows and writes every other member back byte for byte.  Numbers
 * of fields nobody touches are never re-printed, so nothing is lost.
 */
#include <stdlib.h>
#include <string.h>

#include "sam.h"

#define DEPTH_MAX 256

struct scanner {
	const char *s, *end, *p;
	const char *err;
};

static void
skip_ws(struct scanner *sc)
{
	while (sc->p < sc->end && (*sc->p == ' ' || *sc->p == '\t' ||
	    *sc->p == '\n' || *sc->p == '\r'))
		sc->p++;
}

static int
fail(struct scanner *sc, const char *why)
{
	if (!sc->err)
		sc->err = why;
	return -1;
}

static int
hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* A \u escape at p (after the backslash and 'u'): surrogates must pair. */
static int
scan_uescape(struct scanner *sc)
{
	const char *start = sc->p - 2;	/* the backslash */
	unsigned u, lo;

	if (sc->end - sc->p < 4 || hex4(sc->p, &u) < 0) {
		sc->p = start;
		return fail(sc, "invalid \\u escape");
	}
	sc->p += 4;
	if (u >= 0xdc00 && u <= 0xdfff) {
		sc->p = start;
		return fail(sc, "unpaired surrogate in \\u escape");
	}
	if (u >= 0xd800 && u <= 0xdbff) {
		if (sc->end - sc->p < 6 || sc->p[0] != '\\' || sc->p[1] != 'u' ||
		    hex4(sc->p + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff) {
			sc->p = start;
			return fail(sc, "unpaired surrogate in \\u escape");
		}
		sc->p += 6;
	}
	return 0;
}

/* A string starting at the opening quote (the line's UTF-8 is already
 * checked); *escaped tells if it had any escapes. */
static int
scan_string(struct scanner *sc, int *escaped)
{
	*escaped = 0;
	sc->p++;
	for (;;) {
		while (sc->p < sc->end) {
			unsigned char c = (unsigned char)*sc->p;
			if (c == '"' || c == '\\' || c < 0x20)
				break;
			sc->p++;
		}
		if (sc->p >= sc->end)
			return fail(sc, "unterminated string");
		if (*sc->p == '"') {
			sc->p++;
			return 0;
		}
		if (*sc->p != '\\')
			return fail(sc, "control character in string");
		*escaped = 1;
		if (++sc->p >= sc->end)
			return fail(sc, "unterminated string");
		switch (*sc->p++) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n':
		case 'r': case 't':
			break;
		case 'u':
			if (scan_uescape(sc) < 0)
				return -1;
			break;
		default:
			sc->p -= 2;
			return fail(sc, "invalid escape");
		}
	}
}

static int
scan_number(struct scanner *sc)
{
	const char *start = sc->p;
	struct scanner q = *sc;

	if (*q.p == '-')
		q.p++;
	if (q.p >= sc->end || *q.p < '0' || *q.p > '9')
		return fail(sc, "invalid number");
	if (*q.p == '0') {
		if (++q.p < sc->end && *q.p >= '0' && *q.p <= '9')
			goto bad;	/* no leading zeros */
	} else
		while (q.p < sc->end && *q.p >= '0' && *q.p <= '9')
			q.p++;
	if (q.p < sc->end && *q.p == '.') {
		const char *f = ++q.p;
		while (q.p < sc->end && *q.p >= '0' && *q.p <= '9')
			q.p++;
		if (q.p == f)
			goto bad;
	}
	if (q.p < sc->end && (*q.p == 'e' || *q.p == 'E')) {
		const char *x;
		q.p++;
		if (q.p < sc->end && (*q.p == '+' || *q.p == '-'))
			q.p++;
		for (x = q.p; q.p < sc->end && *q.p >= '0' && *q.p <= '9'; )
			q.p++;
		if (q.p == x)
			goto bad;
	}
	sc->p = q.p;
	return 0;
bad:
	sc->p = start;
	return fail(sc, "invalid number");
}

static int
scan_word(struct scanner *sc, const char *w, size_t n)
{
	if ((size_t)(sc->end - sc->p) < n || memcmp(sc->p, w, n) != 0)
		return fail(sc, "invalid literal");
	sc->p += n;
	return 0;
}

/*
 * Any value, nested ones included, without recursion: a stack of the
 * open containers ('{' or '['), bounded by DEPTH_MAX.
 */
static int
scan_value(struct scanner *sc, int *type)
{
	char stack[DEPTH_MAX];
	int depth = 0, esc;

	for (;;) {
		skip_ws(sc);
		if (sc->p >= sc->end)
			return fail(sc, "unexpected end of line");
		switch (*sc->p) {
		case '{':
		case '[':
			if (depth == DEPTH_MAX)
				return fail(sc, "nesting too deep");
			if (depth == 0)
				*type = *sc->p == '{' ? SAM_JOBJECT : SAM_JARRAY;
			stack[depth++] = *sc->p++;
			skip_ws(sc);
			if (sc->p < sc->end && *sc->p == (stack[depth - 1] == '{' ? '}' : ']')) {
				sc->p++;
				depth--;
				goto after_value;
			}
			if (stack[depth - 1] == '{')
				goto member_name;
			continue;
		case '"':
			if (scan_string(sc, &esc) < 0)
				return -1;
			if (depth == 0)
				*type = SAM_JSTRING;
			break;
		case 't':
			if (scan_word(sc, "true", 4) < 0)
				return -1;
			if (depth == 0)
				*type = SAM_JTRUE;
			break;
		case 'f':
			if (scan_word(sc, "false", 5) < 0)
				return -1;
			if (depth == 0)
				*type = SAM_JFALSE;
			break;
		case 'n':
			if (scan_word(sc, "null", 4) < 0)
				return -1;
			if (depth == 0)
				*type = SAM_JNULL;
			break;
		default:
			if (*sc->p != '-' && (*sc->p < '0' || *sc->p > '9'))
				return fail(sc, "expected a value");
			if (scan_number(sc) < 0)
				return -1;
			if (depth == 0)
				*type = SAM_JNUMBER;
		}
after_value:
		for (;;) {
			if (depth == 0)
				return 0;
			skip_ws(sc);
			if (sc->p >= sc->end)
				return fail(sc, "unexpected end of line");
			if (*sc->p == (stack[depth - 1] == '{' ? '}' : ']')) {
				sc->p++;
				depth--;
				continue;
			}
			if (*sc->p != ',')
				return fail(sc, stack[depth - 1] == '{' ?
				    "expected ',' or '}'" : "expected ',' or ']'");
			sc->p++;
			if (stack[depth - 1] == '[')
				break;
member_name:
			skip_ws(sc);
			if (sc->p >= sc->end || *sc->p != '"')
				return fail(sc, "expected a member name");
			if (scan_string(sc, &esc) < 0)
				return -1;
			skip_ws(sc);
			if (sc->p >= sc->end || *sc->p != ':')
				return fail(sc, "expected ':'");
			sc->p++;
			break;
		}
	}
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
		hex4(s + i, &u);
		i += 4;
		if (u >= 0xd800 && u <= 0xdbff) {
			hex4(s + i + 2, &lo);
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

static struct sam_field *
rec_push(struct sam_rec *r)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		struct sam_field *f = realloc(r->f, cap * sizeof *f);
		if (!f)
			return NULL;
		r->f = f;
		r->cap = cap;
	}
	return &r->f[r->n++];
}

static int
parse_member(struct sam_rec *r, struct scanner *sc, size_t *keyused)
{
	struct sam_field *f;
	const char *k;
	int esc, type = SAM_JNULL;

	skip_ws(sc);
	if (sc->p >= sc->end || *sc->p != '"')
		return fail(sc, "expected a member name");
	k = sc->p;
	if (scan_string(sc, &esc) < 0)
		return -1;
	if (!(f = rec_push(r)))
		return fail(sc, "out of memory");
	f->rawkey = k + 1;
	f->rawklen = (uint32_t)(sc->p - k - 2);
	f->key = f->rawkey;
	f->klen = f->rawklen;
	if (esc) {
		char *dst = r->keybuf + *keyused;
		f->klen = (uint32_t)decode_string(f->rawkey, f->rawklen, dst);
		f->key = dst;
		*keyused += f->klen;
	}
	skip_ws(sc);
	if (sc->p >= sc->end || *sc->p != ':')
		return fail(sc, "expected ':'");
	sc->p++;
	skip_ws(sc);
	f->val = sc->p;
	if (scan_value(sc, &type) < 0)
		return -1;
	f->vlen = (uint32_t)(sc->p - f->val);
	f->type = (uint8_t)type;
	return 0;
}

int
sam_rec_parse(struct sam_rec *r, const char *line, size_t len,
    const char **err, size_t *at)
{
	struct scanner sc = { line, line + len, line, NULL };
	size_t keyused = 0, bad;

	r->n = 0;
	if (len > UINT32_MAX) {
		sc.err = "line too long";
		goto bad;
	}
	if (!sam_valid_utf8(line, len, &bad)) {
		sc.p = line + bad;
		sc.err = "invalid UTF-8";
		goto bad;
	}
	/* Decoded names are never longer than the line. */
	if (r->keycap < len) {
		char *kb = realloc(r->keybuf, len);
		if (!kb) {
			sc.err = "out of memory";
			goto bad;
		}
		r->keybuf = kb;
		r->keycap = len;
	}
	skip_ws(&sc);
	if (sc.p >= sc.end || *sc.p != '{') {
		sc.err = "not a JSON object";
		goto bad;
	}
	sc.p++;
	skip_ws(&sc);
	if (sc.p < sc.end && *sc.p == '}') {
		sc.p++;
	} else {
		for (;;) {
			if (parse_member(r, &sc, &keyused) < 0)
				goto bad;
			skip_ws(&sc);
			if (sc.p < sc.end && *sc.p == ',') {
				sc.p++;
				continue;
			}
			if (sc.p < sc.end && *sc.p == '}') {
				sc.p++;
				break;
			}
			fail(&sc, sc.p < sc.end ? "expected ',' or '}'" :
			    "unexpected end of line");
			goto bad;
		}
	}
	skip_ws(&sc);
	if (sc.p != sc.end) {
		sc.err = "trailing characters after the object";
		goto bad;
	}
	return 0;
bad:
	*err = sc.err;
	*at = (size_t)(sc.p - line) + 1;
	return -1;
}

void
sam_rec_free(struct sam_rec *r)
{
	free(r->f);
	free(r->keybuf);
	memset(r, 0, sizeof *r);
}

static int
key_is(const struct sam_field *f, const char *key, size_t klen)
{
	return f->klen == klen && memcmp(f->key, key, klen) == 0;
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

int
sam_rec_find(const struct sam_rec *r, const char *const *keys, size_t n,
    const struct sam_field **out)
{
	size_t i, j, klen[64];

	for (j = 0; j < n && j < 64; j++) {
		out[j] = NULL;
		klen[j] = strlen(keys[j]);
	}
	for (i = 0; i < r->n; i++) {
		const struct sam_field *f = &r->f[i];
		for (j = 0; j < n && j < 64; j++) {
			if (!key_is(f, keys[j], klen[j]))
				continue;
			if (out[j])
				return (int)j;
			out[j] = f;
			break;
		}
	}
	return -1;
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
	sam_buf_num(sam_edits_add(e, key), v);
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

void
sam_rec_write(const struct sam_rec *r, const struct sam_edits *e,
    struct sam_buf *out)
{
	unsigned char used[SAM_EDITS_MAX] = { 0 };
	size_t i, j;
	int first = 1;

	if (e && e->vals.err) {		/* an edit lost its value: say so */
		out->err = 1;
		return;
	}
	if (sam_buf_reserve(out, sam_rec_write_size(r, e)) < 0)
		return;
	out->p[out->len++] = '{';
	for (i = 0; i < r->n; i++) {
		const struct sam_field *f = &r->f[i];
		for (j = 0; e && j < e->n; j++)
			if (key_is(f, e->e[j].key, e->e[j].klen))
				break;
		if (!e || j == e->n) {
			put_member(out, &first, f->rawkey, f->rawklen, f->val,
			    f->vlen);
		} else if (!used[j]) {	/* a repeated key is written once */
			used[j] = 1;
			put_member(out, &first, f->rawkey, f->rawklen,
			    e->vals.p + e->e[j].off, edit_len(e, j));
		}
	}
	for (j = 0; e && j < e->n; j++)
		if (!used[j])
			put_member(out, &first, e->e[j].key, e->e[j].klen,
			    e->vals.p + e->e[j].off, edit_len(e, j));
	out->p[out->len++] = '}';
	out->p[out->len++] = '\n';
}
