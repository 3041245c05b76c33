/*
 * throttle.c - the preview server's throttle: a token bucket for each
 * client address and one for all clients together, as the original
 * API's gateway had (a usage plan's per-client limit under the
 * account's), so that one client's burst cannot make another get 429.
 *
 * The clients' buckets live in a table of fixed size (open addressing,
 * a few slots probed from the address's hash): a client not in it takes
 * a free slot, or the probed slot used longest ago.  However many
 * addresses an attacker has, the table stays the same size; an address
 * whose slot was taken starts again with a full bucket, which a bucket
 * left alone that long has mostly refilled anyway.  An IPv6 client is
 * known by its /64, which one host usually holds whole; an IPv4 address
 * mapped into IPv6 (a dual-stack socket) is the IPv4 address.
 */
#include <sys/socket.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "site.h"

#define PROBES 8		/* slots looked at for one address */

struct throttle_client {
	int64_t last_us;	/* when its bucket was last filled; 0: free */
	double tokens;
	unsigned char key[17];	/* family (4 or 6), then the address */
};

/* The key of an address: IPv4, or the /64 of an IPv6 address. */
static void
client_key(int family, const unsigned char addr[16], unsigned char key[17])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(key, 0, 17);
	if (family == AF_INET6 && memcmp(addr, mapped, 12) == 0) {
		key[0] = 4;
		memcpy(key + 1, addr + 12, 4);
	} else if (family == AF_INET6) {
		key[0] = 6;
		memcpy(key + 1, addr, 8);
	} else {
		key[0] = 4;
		memcpy(key + 1, addr, 4);
	}
}

/* The seed keeps a client from choosing addresses that share slots. */
static size_t
client_slot(const struct throttle *t, const unsigned char key[17])
{
	uint64_t h = t->seed, w;
	size_t i;

	for (i = 0; i < 17; i += 8) {
		w = 0;
		memcpy(&w, key + i, i + 8 <= 17 ? 8 : 17 - i);
		h = sam_mix64(h ^ w);
	}
	return (size_t)(h % THROTTLE_CLIENTS);
}

int
throttle_init(struct throttle *t, int64_t now_us)
{
	t->all.tokens = t->burst;
	t->all.last_us = now_us;
	t->seed = sam_mix64((uint64_t)now_us ^ ((uint64_t)getpid() << 32));
	t->clients = NULL;
	if (t->rate > 0 && t->client_rate > 0 &&
	    !(t->clients = calloc(THROTTLE_CLIENTS, sizeof *t->clients)))
		return -1;
	return 0;
}

void
throttle_free(struct throttle *t)
{
	free(t->clients);
	t->clients = NULL;
}

/* The bucket of a client: its slot, or a free one, or the one probed
 * that was used longest ago, emptied for it (full). */
static struct throttle_client *
client_bucket(struct throttle *t, int family, const unsigned char addr[16])
{
	unsigned char key[17];
	struct throttle_client *c, *oldest = NULL;
	size_t slot, i;

	client_key(family, addr, key);
	slot = client_slot(t, key);
	for (i = 0; i < PROBES; i++) {
		c = &t->clients[(slot + i) % THROTTLE_CLIENTS];
		if (c->last_us && memcmp(c->key, key, sizeof key) == 0)
			return c;
		if (!oldest || c->last_us < oldest->last_us)
			oldest = c;
	}
	memcpy(oldest->key, key, sizeof key);
	oldest->tokens = t->client_burst;
	oldest->last_us = 0;
	return oldest;
}

/* Fills a bucket for the time since it was last filled; the seconds
 * until it holds a token, 0 if it holds one. */
static double
fill(double *tokens, int64_t *last_us, double rate, double burst, int64_t now)
{
	if (*last_us)
		*tokens += (double)(now - *last_us) / 1e6 * rate;
	if (*tokens > burst)
		*tokens = burst;
	*last_us = now;
	return *tokens >= 1 ? 0 : (1 - *tokens) / rate;
}

long
throttle_take(struct throttle *t, int family, const unsigned char addr[16], int64_t now_us)
{
	struct throttle_client *c = NULL;
	double wait, client_wait = 0;

	if (t->rate <= 0)
		return 0;
	if (t->clients && (family == AF_INET || family == AF_INET6)) {
		c = client_bucket(t, family, addr);
		client_wait = fill(&c->tokens, &c->last_us, t->client_rate,
		    t->client_burst, now_us);
	}
	wait = fill(&t->all.tokens, &t->all.last_us, t->rate, t->burst, now_us);
	if (client_wait > wait)
		wait = client_wait;
	if (wait > 0)		/* refused: neither bucket pays for it */
		return (long)ceil(wait);
	t->all.tokens -= 1;
	if (c)
		c->tokens -= 1;
	return 0;
}
