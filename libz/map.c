/*
 * map.c - a string-keyed hash map (open addressing, linear probing).
 *
 * Keys are copied.  The hash is also the tools' stable hash: sam-fetch's
 * mock source seeds each ticker's generator with it, so it must give
 * the same value on every machine and in every release.
 */
#include <stdlib.h>
#include <string.h>

#include "sam.h"

uint64_t
sam_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

/* FNV-1a over the bytes, then the splitmix64 finaliser to spread the
 * low bits that FNV leaves weak. */
uint64_t
sam_hash(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = UINT64_C(0xcbf29ce484222325) ^ seed;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= UINT64_C(0x100000001b3);
	}
	return sam_mix64(h);
}

static struct sam_map_entry *
find_slot(struct sam_map_entry *slot, size_t cap, const char *key,
    size_t klen, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	for (;; i = (i + 1) & (cap - 1)) {
		struct sam_map_entry *e = &slot[i];
		if (!e->key || (e->hash == h && e->klen == klen &&
		    memcmp(e->key, key, klen) == 0))
			return e;
	}
}

static int
grow(struct sam_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64, i;
	struct sam_map_entry *slot = calloc(cap, sizeof *slot);

	if (!slot)
		return -1;
	for (i = 0; i < m->cap; i++) {
		struct sam_map_entry *e = &m->slot[i];
		if (e->key)
			*find_slot(slot, cap, e->key, e->klen, e->hash) = *e;
	}
	free(m->slot);
	m->slot = slot;
	m->cap = cap;
	return 0;
}

void **
sam_map_put(struct sam_map *m, const char *key, size_t klen, int *isnew)
{
	uint64_t h = sam_hash(key, klen, 0);
	struct sam_map_entry *e;

	if ((m->n + 1) * 4 > m->cap * 3 && grow(m) < 0)
		return NULL;
	e = find_slot(m->slot, m->cap, key, klen, h);
	*isnew = !e->key;
	if (!e->key) {
		if (!(e->key = malloc(klen + 1)))
			return NULL;
		memcpy(e->key, key, klen);
		e->key[klen] = '\0';
		e->klen = klen;
		e->hash = h;
		e->val = NULL;
		m->n++;
	}
	return &e->val;
}

void *
sam_map_get(const struct sam_map *m, const char *key, size_t klen)
{
	struct sam_map_entry *e;

	if (!m->cap)
		return NULL;
	e = find_slot(m->slot, m->cap, key, klen, sam_hash(key, klen, 0));
	return e->key ? e->val : NULL;
}

void
sam_map_free(struct sam_map *m, void (*freeval)(void *))
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		if (!m->slot[i].key)
			continue;
		if (freeval)
			freeval(m->slot[i].val);
		free(m->slot[i].key);
	}
	free(m->slot);
	memset(m, 0, sizeof *m);
}

size_t
sam_when_key(char *key, int minutes, int64_t secs, long ns)
{
	memcpy(key, &minutes, sizeof minutes);
	memcpy(key + sizeof minutes, &secs, sizeof secs);
	memcpy(key + sizeof minutes + sizeof secs, &ns, sizeof ns);
	return sizeof minutes + sizeof secs + sizeof ns;
}

void *
sam_when_find(struct sam_map *m, int minutes, int64_t secs, long ns,
    struct sam_when **last, size_t size, int *isnew)
{
	struct sam_when *w = *last ? (*last)->next : NULL;
	char key[SAM_WHEN_KEY];
	void **slot;

	*isnew = 0;
	if (w && w->secs == secs && w->ns == ns && w->minutes == minutes)
		return *last = w;
	if (!(slot = sam_map_put(m, key, sam_when_key(key, minutes, secs, ns), isnew)))
		return NULL;
	if (*isnew) {
		if (!(w = calloc(1, size)))
			return NULL;
		w->secs = secs;
		w->ns = ns;
		w->minutes = minutes;
		*slot = w;
	}
	if (*last && !(*last)->next)
		(*last)->next = *slot;
	return *last = *slot;
}
