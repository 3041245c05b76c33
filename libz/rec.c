/*
 * rec.c - what a tool does with a scanned record (json.c): finds its
 * fields by name, and writes it back with edits (values replaced where
 * the name exists, members appended where not), every other member as
 * it was read, byte for byte.
 */
#include <stdlib.h>
#include <string.h>

#include "sam.h"
#include "swar.h"

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
#define KEYS_BITS 7		/* of all the slots */
_Static_assert(sizeof ((struct sam_keys *)0)->slot == 1 << KEYS_BITS,
    "KEYS_BITS is the slots'");

/* Slots for n keys, at least twice as many, cleared. */
static void
keyset_init(struct sam_keys *ks, size_t n)
{
	ks->bits = 4;
	while ((size_t)1 << ks->bits < 2 * n)
		ks->bits++;
	memset(ks->slot, 0, (size_t)1 << ks->bits);
}

/* A name's hash, of its length and first and last bytes: its top bits
 * are the slot of the table, and the writer's filter (name_bit). */
static inline uint32_t
name_hash(const char *k, size_t klen)
{
	uint32_t h = (uint32_t)klen;

	if (klen)
		h ^= (uint32_t)(unsigned char)k[0] << 8 ^
		    (uint32_t)(unsigned char)k[klen - 1] << 16;
	return h * UINT32_C(0x9e3779b1);
}

static inline size_t
key_hash(const struct sam_keys *ks, const char *k, size_t klen)
{
	return name_hash(k, klen) >> (32 - ks->bits);
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
	/* every slot, not twice n: a prepared table is asked about every
	 * field of every record, most of them not in it, and an empty slot
	 * says so at the first probe (with sam-detect's twelve names, the
	 * 25 fields of a bar of the recommended profile probed 9 slots of
	 * other names in 32 slots, 3 in 128) */
	ks->bits = KEYS_BITS;
	memset(ks->slot, 0, sizeof ks->slot);
	for (j = 0; j < n; j++)
		keyset_add(ks, j, keys[j], strlen(keys[j]));
}

/* The fields and their count in locals: a store to out might be to r's
 * members, which the compiler would otherwise load again. */
int
sam_rec_find_keys(const struct sam_rec *r, const struct sam_keys *ks,
    const struct sam_field **out)
{
	const struct sam_field *f = r->f;
	size_t i, j, n = r->n;

	for (j = 0; j < ks->n; j++)
		out[j] = NULL;
	for (i = 0; i < n; i++) {
		int k = keyset_find(ks, f[i].key, f[i].klen);
		if (k < 0)
			continue;
		if (out[k])
			return k;
		out[k] = &f[i];
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

/* n bytes from s to d: names and numbers are short, and a call to
 * memcpy for each of a record's dozens of them costs more than copies
 * of a size the compiler knows, which overlap to cover any n. */
static inline void
put_bytes(char *d, const char *s, size_t n)
{
	if (n >= 8 && n <= 16) {
		memcpy(d, s, 8);
		memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 17 && n <= 32) {
		memcpy(d, s, 16);
		memcpy(d + n - 16, s + n - 16, 16);
	} else if (n >= 4 && n < 8) {
		memcpy(d, s, 4);
		memcpy(d + n - 4, s + n - 4, 4);
	} else if (n < 4) {
		for (; n; n--)
			*d++ = *s++;
	} else {
		memcpy(d, s, n);
	}
}

/*
 * A new edit's ,"key": with room for extra more bytes after it, in one
 * reservation; -1 if there is none (vals.err says so).  Each edit is
 * kept as it is written when appended, so that the edits a record does
 * not have (all of them, for a filter's new fields) go out in one copy;
 * a replaced value is taken from its offset.  The i-th edit's name is
 * most often the one it had in the record before: its length is kept.
 */
static int
edit_begin(struct sam_edits *e, const char *key, size_t extra)
{
	struct sam_buf *b = &e->vals;
	size_t i = e->n, klen;

	if (i == SAM_EDITS_MAX) {	/* a caller bug, not input */
		b->err = 1;
		return -1;
	}
	klen = e->e[i].key == key ? e->e[i].klen : strlen(key);
	e->e[i].key = key;
	e->e[i].klen = klen;
	e->e[i].pre = e->e[i].off = b->len;
	e->n++;
	if (sam_buf_reserve(b, klen + 4 + extra) < 0)
		return -1;
	b->p[b->len] = ',';
	b->p[b->len + 1] = '"';
	put_bytes(b->p + b->len + 2, key, klen);
	b->p[b->len + 2 + klen] = '"';
	b->p[b->len + 3 + klen] = ':';
	b->len += klen + 4;
	e->e[i].off = b->len;
	return 0;
}

struct sam_buf *
sam_edits_add(struct sam_edits *e, const char *key)
{
	edit_begin(e, key, 0);
	return &e->vals;
}

void
sam_edits_num(struct sam_edits *e, const char *key, double v)
{
	struct sam_buf *b = &e->vals;
	size_t i = e->n;

	if (edit_begin(e, key, SAM_NUM_MAX) < 0)
		return;
	/* the same bits (NAN's too) are the same text */
	if (!e->num[i].len || memcmp(&e->num[i].v, &v, sizeof v) != 0) {
		e->num[i].v = v;
		e->num[i].len = (unsigned char)sam_format_double(e->num[i].text, v);
	}
	/* the whole array, whose size is known: a copy of the text's own
	 * length compiles to rep movs, which starts slowly */
	memcpy(b->p + b->len, e->num[i].text, SAM_NUM_MAX);
	b->len += e->num[i].len;
}

void
sam_edits_raw(struct sam_edits *e, const char *key, const char *json, size_t n)
{
	struct sam_buf *b = &e->vals;

	if (edit_begin(e, key, n) < 0)
		return;
	put_bytes(b->p + b->len, json, n);
	b->len += n;
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
	put_bytes(out->p + out->len, rawkey, klen);
	out->len += klen;
	out->p[out->len++] = '"';
	out->p[out->len++] = ':';
	put_bytes(out->p + out->len, val, vlen);
	out->len += vlen;
}

/* Edits are appended in order, so a value ends where the next edit
 * begins. */
static size_t
edit_end(const struct sam_edits *e, size_t j)
{
	return j + 1 < e->n ? e->e[j + 1].pre : e->vals.len;
}

static size_t
edit_len(const struct sam_edits *e, size_t j)
{
	return edit_end(e, j) - e->e[j].off;
}

size_t
sam_rec_write_size(const struct sam_rec *r, const struct sam_edits *e)
{
	size_t i, need = 3;

	for (i = 0; i < r->n; i++)
		need += r->f[i].rawklen + r->f[i].vlen + 4;
	if (e)	/* every edit as appended, a replaced one's name twice */
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

/* A name's bit of 256 in the writer's filter: a record's fields and the
 * names a filter adds seldom share one ("source" and "sd_close" share a
 * first byte, not a length). */
static inline unsigned
name_bit(const char *key, size_t klen)
{
	return name_hash(key, klen) >> 24;
}

/*
 * A compact record none of whose names is an edit's: its members as they
 * stand in the line, then the edits as appended.  The names are asked
 * all at once, without a branch a field.  0 if the record is not one.
 */
static int
write_appended(const struct sam_rec *r, const struct sam_edits *e,
    const uint64_t *bits, struct sam_buf *out)
{
	const struct sam_field *f = r->f;
	const char *from, *to;
	size_t i, n = r->n, pre = e && e->n ? e->e[0].pre : 0;
	size_t vlen = e && e->n ? e->vals.len - pre : 0;
	uint64_t hit = 0;

	if (!r->compact || n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned b = name_bit(f[i].key, f[i].klen);
		hit |= bits[b >> 6] >> (b & 63);
	}
	if (hit & 1)
		return 0;
	from = f[0].rawkey - 1;
	to = f[n - 1].val + f[n - 1].vlen;
	if (sam_buf_reserve(out, (size_t)(to - from) + vlen + 3) < 0)
		return 1;
	out->p[out->len++] = '{';
	memcpy(out->p + out->len, from, (size_t)(to - from));
	out->len += (size_t)(to - from);
	if (vlen)
		memcpy(out->p + out->len, e->vals.p + pre, vlen);
	out->len += vlen;
	out->p[out->len++] = '}';
	out->p[out->len++] = '\n';
	return 1;
}

/* Any record: its members one by one, an edit's value in place of the
 * value of a field of its name (the first of them), the edits left
 * appended. */
static void
write_edited(const struct sam_rec *r, const struct sam_edits *e,
    const uint64_t *bits, struct sam_buf *out)
{
	unsigned char used[SAM_EDITS_MAX] = { 0 };
	struct sam_keys ks;
	struct run run = { NULL, NULL };
	size_t i, j, past, n = e ? e->n : 0;
	int first = 1, built = 0;

	if (sam_buf_reserve(out, sam_rec_write_size(r, e)) < 0)
		return;
	out->p[out->len++] = '{';
	for (i = 0; i < r->n; i++) {
		const struct sam_field *f = &r->f[i];
		unsigned b = name_bit(f->key, f->klen);
		int k = -1;
		if (bits[b >> 6] >> (b & 63) & 1) {
			if (!built) {
				keyset_init(&ks, n);
				for (j = 0; j < n; j++)
					keyset_add(&ks, j, e->e[j].key, e->e[j].klen);
				built = 1;
			}
			k = keyset_find(&ks, f->key, f->klen);
		}
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
	/* the edits not used, as they stand: a copy a run of them */
	for (j = 0; j < n; j = past) {
		size_t from, to;
		if (used[j]) {
			past = j + 1;
			continue;
		}
		for (past = j + 1; past < n && !used[past]; past++)
			;
		from = e->e[j].pre + (size_t)first;	/* the first member: no ',' */
		to = edit_end(e, past - 1);
		memcpy(out->p + out->len, e->vals.p + from, to - from);
		out->len += to - from;
		first = 0;
	}
	out->p[out->len++] = '}';
	out->p[out->len++] = '\n';
}

void
sam_rec_write(const struct sam_rec *r, const struct sam_edits *e,
    struct sam_buf *out)
{
	/* the edits' names, a bit each: a field whose bit is not set is no
	 * edit's, and is not looked up (the table is then never built) */
	uint64_t bits[4] = { 0 };
	size_t j, n = e ? e->n : 0;

	if (e && e->vals.err) {		/* an edit lost its value: say so */
		out->err = 1;
		return;
	}
	for (j = 0; j < n; j++) {
		unsigned b = name_bit(e->e[j].key, e->e[j].klen);
		bits[b >> 6] |= UINT64_C(1) << (b & 63);
	}
	if (!write_appended(r, e, bits, out))
		write_edited(r, e, bits, out);
}
