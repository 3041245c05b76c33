/*
 * loadgen.c - an open-loop HTTP/1.1 load generator for bench/site.sh.
 *
 * Sends GET requests to one server on a fixed schedule, request i at
 * t0 + i / rate, over keep-alive connections, and measures each one
 * from its scheduled time to the last byte of its answer.  A request
 * that has to wait (for a free connection, behind a slow answer, for
 * the generator itself) counts the wait: a stalled server cannot slow
 * the generator down and hide its stall (no coordinated omission).
 * The body of every 200 answer is compared with the file it should be.
 *
 * usage: loadgen -p port -r rate -d seconds [-a address] [-w seconds]
 *                [-c maxconns] [-i conns] [-s seed] [-t seconds] [-b] urls
 *        loadgen -F
 *
 *   -p  port on 127.0.0.1 (or -a address, IPv4)
 *   -r  requests a second;  -d  seconds measured
 *   -w  seconds of warm-up before them: sent and checked, not measured
 *       (default 1)
 *   -c  most connections open at once (default 256); -i  connections
 *       opened before the clock starts (default 4)
 *   -s  seed of the route choice (default 1)
 *   -t  seconds to wait for the last answers (default 5)
 *   -b  busy-poll (epoll_wait that never waits, the clock read in a
 *       loop) instead of sleeping until the next send or answer: on an
 *       idle core of its own its wake-ups then add nothing to the times;
 *       on a shared one it loses whole time slices (site.sh runs it
 *       sleeping, SCHED_FIFO, instead)
 *
 *   -F  print a free TCP port of 127.0.0.1 (for a server to listen on)
 *       and exit
 *
 * urls: lines "CLASS PATH FILE" (FILE "-": no body check).  A request
 * picks a class at random, each class as often, then a line of it.
 *
 * Prints a line "key=value ..." (latencies in ms, and the statuses, of
 * the measured requests; sent, done, errors, unfinished, badbody,
 * retries, connfail and conns of all, warm-up included), then one
 * "class=CLASS ..." line per class.  Exit status 0, or 2
 * for a usage error or a server that cannot be reached.  Built by
 * bench/site.sh with cc -O2; Linux only (epoll, timerfd).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MAX 16384

struct url {
	int cls;
	char *path;
	char *req;		/* the request, ready to send */
	size_t reqlen;
	char *data;		/* the file's bytes, or NULL */
	size_t len;
};

struct cls {
	char *name;
	int *urls;
	size_t n, cap;
};

enum { C_FREE, C_CONNECTING, C_IDLE, C_BUSY };

struct conn {
	int fd, state, used;	/* used: requests sent on it */
	long req;		/* the request it carries, when busy */
	char head[HEAD_MAX];
	size_t hlen;
	int have_head, close_after, body_ok, status;
	long long clen, got;	/* clen -1: until the server closes */
};

static struct url *urls;
static size_t nurls, urlcap;
static struct cls *classes;
static size_t ncls;

static struct conn *conns;
static int maxconns, *idle, nidle;
static int epfd;

/* The schedule: request i at t0 + i * 1e9 / rate. */
static long total, warm, next_req;
static double rate;
static int64_t t0;
static int *req_url;		/* the url of each request */
static int64_t *lat;		/* ns from its scheduled time to done; -1 */
static int64_t *lag;		/* ns from its scheduled time to sent */
static short *rstatus;		/* its answer's status, 0 for none */
static long *pending;		/* requests waiting for a connection */
static long phead, ptail;
static long *retry;		/* resent after a closed keep-alive connection */
static long nretry;

static long n_sent, n_done, n_errors, n_badbody, n_retries, n_opened,
    n_connfail, outstanding;

static void
die(const char *msg)
{
	fprintf(stderr, "loadgen: %s\n", msg);
	exit(2);
}

/* A port the kernel would give now: a server started next takes it. */
static int
free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		die("no free port");
	printf("%d\n", ntohs(a.sin_port));
	close(fd);
	return 0;
}

static void *
xrealloc(void *p, size_t n)
{
	if (!(p = realloc(p, n ? n : 1)))
		die("out of memory");
	return p;
}

static int64_t
mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t
sched(long i)
{
	return t0 + (int64_t)((double)i * 1e9 / rate);
}

static uint64_t rng_state;

static uint64_t
rng(void)			/* splitmix64 */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static char *
slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "loadgen: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	buf = xrealloc(NULL, (size_t)st.st_size);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r <= 0) {
			fprintf(stderr, "loadgen: %s: short read\n", path);
			exit(2);
		}
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return buf;
}

static void
read_urls(const char *file, const char *host)
{
	FILE *f = fopen(file, "r");
	char line[4096], c[256], p[2048], fn[2048];
	size_t i;

	if (!f)
		die("cannot open the urls file");
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "%255s %2047s %2047s", c, p, fn) != 3)
			continue;
		for (i = 0; i < ncls && strcmp(classes[i].name, c) != 0; i++)
			;
		if (i == ncls) {
			classes = xrealloc(classes, (ncls + 1) * sizeof *classes);
			memset(&classes[ncls], 0, sizeof *classes);
			classes[ncls++].name = strdup(c);
		}
		if (nurls == urlcap)
			urls = xrealloc(urls, (urlcap = urlcap ? 2 * urlcap : 1024) * sizeof *urls);
		struct url *u = &urls[nurls];
		memset(u, 0, sizeof *u);
		u->cls = (int)i;
		u->path = strdup(p);
		u->reqlen = (size_t)asprintf(&u->req, "GET %s HTTP/1.1\r\nHost: %s\r\n"
		    "User-Agent: sam-loadgen\r\nAccept: */*\r\n\r\n", p, host);
		if (strcmp(fn, "-") != 0)
			u->data = slurp(fn, &u->len);
		struct cls *k = &classes[i];
		if (k->n == k->cap)
			k->urls = xrealloc(k->urls, (k->cap = k->cap ? 2 * k->cap : 16) * sizeof *k->urls);
		k->urls[k->n++] = (int)nurls++;
	}
	fclose(f);
	if (!nurls)
		die("no urls");
}

/* ---- connections ---- */

static struct sockaddr_in addr;

static void
conn_close(struct conn *c)
{
	if (c->state == C_IDLE) {	/* out of the idle stack */
		int k, me = (int)(c - conns);
		for (k = 0; k < nidle; k++)
			if (idle[k] == me) {
				idle[k] = idle[--nidle];
				break;
			}
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = C_FREE;
}

static void
conn_open(struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLIN | EPOLLRDHUP };
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		die("socket");
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) {
		close(c->fd);
		c->fd = -1;
		n_connfail++;
		return;
	}
	c->state = C_CONNECTING;
	c->used = 0;
	ev.data.u32 = (uint32_t)(c - conns);
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		die("epoll_ctl");
	n_opened++;
}

static void
conn_idle(struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP,
	    .data.u32 = (uint32_t)(c - conns) };

	if (c->state == C_CONNECTING)
		epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
	c->state = C_IDLE;
	idle[nidle++] = (int)(c - conns);
}

static void
send_req(struct conn *c, long i)
{
	const struct url *u = &urls[req_url[i]];
	ssize_t w;

	c->state = C_BUSY;
	c->req = i;
	c->hlen = 0;
	c->have_head = c->close_after = c->status = 0;
	c->body_ok = 1;
	c->clen = -1;
	c->got = 0;
	c->used++;
	lag[i] = mono_ns() - sched(i);
	/* A request of some 100 bytes on an idle connection: one write. */
	w = send(c->fd, u->req, u->reqlen, MSG_NOSIGNAL);
	if (w != (ssize_t)u->reqlen) {
		if (c->used > 1 && w < 0 && (errno == EPIPE || errno == ECONNRESET)) {
			retry[nretry++] = i;	/* the server closed it meanwhile */
			n_retries++;
		} else {
			n_errors++;
			outstanding--;
		}
		conn_close(c);
		return;
	}
	n_sent++;
}

static int
pending_n(void)
{
	return (int)(ptail - phead + nretry);
}

static void
dispatch(void)
{
	int k, connecting = 0;

	while (pending_n() > 0 && nidle > 0) {
		struct conn *c = &conns[idle[--nidle]];
		long i = nretry ? retry[--nretry] : pending[phead++];
		send_req(c, i);
	}
	if (pending_n() == 0)
		return;
	for (k = 0; k < maxconns; k++)
		connecting += conns[k].state == C_CONNECTING;
	for (k = 0; k < maxconns && connecting < pending_n(); k++)
		if (conns[k].state == C_FREE) {
			conn_open(&conns[k]);
			connecting += conns[k].state == C_CONNECTING;
		}
}

/* ---- answers ---- */

static void
finish(struct conn *c)
{
	long i = c->req;
	int64_t now = mono_ns();

	outstanding--;
	n_done++;
	rstatus[i] = (short)(c->status > 0 && c->status < 600 ? c->status : 599);
	if (!c->body_ok) {
		n_badbody++;
		if (n_badbody <= 3)
			fprintf(stderr, "loadgen: %s: the body is not the file's\n",
			    urls[req_url[i]].path);
	}
	lat[i] = now - sched(i);
	if (c->close_after) {
		conn_close(c);
	} else {
		conn_idle(c);
	}
}

/* The head in c->head[0 .. end): status, Content-Length, Connection. */
static int
parse_head(struct conn *c, size_t end)
{
	char *p = c->head, *eol, *lim = c->head + end;

	if (end < 12 || strncmp(p, "HTTP/1.", 7) != 0)
		return -1;
	c->status = atoi(p + 9);
	if (p[7] == '0')
		c->close_after = 1;
	while ((eol = memmem(p, (size_t)(lim - p), "\r\n", 2)) && eol < lim) {
		p = eol + 2;
		if (p >= lim)
			break;
		if (strncasecmp(p, "content-length:", 15) == 0)
			c->clen = atoll(p + 15);
		else if (strncasecmp(p, "connection:", 11) == 0 &&
		    strncasecmp(p + 11 + strspn(p + 11, " \t"), "close", 5) == 0)
			c->close_after = 1;
		else if (strncasecmp(p, "transfer-encoding:", 18) == 0)
			return -1;	/* not chunked: nothing here sends it */
	}
	if (c->clen < 0 && (c->status == 304 || c->status == 204))
		c->clen = 0;
	return 0;
}

static void
body(struct conn *c, const char *p, size_t n)
{
	const struct url *u = &urls[req_url[c->req]];

	if (c->status == 200 && u->data) {
		if ((size_t)c->got + n > u->len || memcmp(u->data + c->got, p, n) != 0)
			c->body_ok = 0;
	}
	c->got += (long long)n;
}

static void
on_error(struct conn *c)
{
	if (c->state == C_BUSY) {
		if (c->used > 1 && c->hlen == 0 && !c->have_head) {
			retry[nretry++] = c->req;	/* closed before it answered */
			n_retries++;
		} else {
			n_errors++;
			outstanding--;
		}
	} else if (c->state == C_CONNECTING) {
		n_connfail++;
	}
	conn_close(c);
}

static void
on_readable(struct conn *c)
{
	char buf[65536];

	for (;;) {
		ssize_t r = recv(c->fd, buf, sizeof buf, 0);
		size_t off = 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0) {	/* closed */
			if (c->state == C_BUSY && c->have_head && c->clen < 0) {
				c->close_after = 1;
				finish(c);
			} else {
				on_error(c);
			}
			return;
		}
		if (c->state != C_BUSY) {	/* bytes nobody asked for */
			on_error(c);
			return;
		}
		if (!c->have_head) {
			size_t take = (size_t)r < HEAD_MAX - c->hlen ? (size_t)r : HEAD_MAX - c->hlen;
			size_t before = c->hlen, from = before > 3 ? before - 3 : 0;
			char *e;
			memcpy(c->head + c->hlen, buf, take);
			c->hlen += take;
			e = memmem(c->head + from, c->hlen - from, "\r\n\r\n", 4);
			if (!e) {
				if (c->hlen == HEAD_MAX)
					on_error(c);
				continue;
			}
			size_t end = (size_t)(e - c->head) + 4;
			if (parse_head(c, end) < 0) {
				on_error(c);
				return;
			}
			c->have_head = 1;
			off = end - before;	/* where the body starts in buf */
		}
		if ((size_t)r > off)
			body(c, buf + off, (size_t)r - off);
		if (c->clen >= 0 && c->got > c->clen) {
			on_error(c);	/* more than it said */
			return;
		}
		if (c->clen >= 0 && c->got == c->clen) {
			if (c->status == 200 && urls[req_url[c->req]].data &&
			    (size_t)c->got != urls[req_url[c->req]].len)
				c->body_ok = 0;
			finish(c);
			return;
		}
	}
}

static void
on_writable(struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (c->state != C_CONNECTING)
		return;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
		on_error(c);
		return;
	}
	conn_idle(c);
}

/* The requests whose time has come, to the queue. */
static void
enqueue_due(int64_t now)
{
	while (next_req < total && sched(next_req) <= now) {
		pending[ptail++] = next_req++;
		outstanding++;
	}
}

/* ---- results ---- */

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static double
pct(const int64_t *v, long n, double p)
{
	long k;

	if (n == 0)
		return 0;
	k = (long)((double)n * p / 100.0 + 0.999999) - 1;	/* nearest rank */
	if (k < 0)
		k = 0;
	if (k >= n)
		k = n - 1;
	return (double)v[k] / 1e6;
}

static void
report(double secs)
{
	int64_t *v = xrealloc(NULL, (size_t)total * sizeof *v);
	int64_t *g = xrealloc(NULL, (size_t)total * sizeof *g);
	long n = 0, ng = 0, i, s2 = 0, s3 = 0, s4 = 0, s429 = 0, s5 = 0;
	double sum = 0;
	size_t k;
	struct rusage ru;

	for (i = warm; i < total; i++) {
		if (lat[i] >= 0) {
			v[n++] = lat[i];
			sum += (double)lat[i];
		}
		if (lag[i] >= 0)
			g[ng++] = lag[i];
	}
	qsort(v, (size_t)n, sizeof *v, cmp64);
	qsort(g, (size_t)ng, sizeof *g, cmp64);
	for (i = warm; i < total; i++) {
		int st = rstatus[i];
		if (st == 429)
			s429++;
		else if (st >= 200 && st < 300)
			s2++;
		else if (st >= 300 && st < 400)
			s3++;
		else if (st >= 400 && st < 500)
			s4++;
		else if (st >= 500)
			s5++;
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("scheduled=%ld measured=%ld sent=%ld done=%ld s2xx=%ld s3xx=%ld s429=%ld "
	    "s4xx=%ld s5xx=%ld errors=%ld unfinished=%ld badbody=%ld retries=%ld "
	    "connfail=%ld conns=%ld rate=%.1f p50=%.3f p90=%.3f p99=%.3f p999=%.3f "
	    "max=%.3f mean=%.3f lag_p99=%.3f lag_max=%.3f cpu=%.2f\n",
	    total, total - warm, n_sent, n_done, s2, s3, s429, s4, s5, n_errors,
	    outstanding, n_badbody, n_retries, n_connfail, n_opened,
	    (double)n / secs, pct(v, n, 50), pct(v, n, 90), pct(v, n, 99),
	    pct(v, n, 99.9), pct(v, n, 100), n ? sum / (double)n / 1e6 : 0,
	    pct(g, ng, 99), pct(g, ng, 100),
	    (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	for (k = 0; k < ncls; k++) {
		double bytes = 0;
		n = 0;
		for (i = warm; i < total; i++)
			if (urls[req_url[i]].cls == (int)k && lat[i] >= 0) {
				v[n++] = lat[i];
				bytes += (double)urls[req_url[i]].len;
			}
		qsort(v, (size_t)n, sizeof *v, cmp64);
		printf("class=%s n=%ld p50=%.3f p99=%.3f max=%.3f bytes=%.0f\n", classes[k].name,
		    n, pct(v, n, 50), pct(v, n, 99), pct(v, n, 100), n ? bytes / (double)n : 0);
	}
	free(v);
	free(g);
}

int
main(int argc, char **argv)
{
	const char *host = "127.0.0.1";
	double secs = 0, wsecs = 1, tmo = 5;
	int port = 0, init = 4, opt, tfd = -1, k, busy = 0;
	char hostport[64];
	struct epoll_event ev, evs[256];
	struct itimerspec its = { 0 };
	int64_t deadline = 0;
	long i;

	rng_state = 1;
	maxconns = 256;
	while ((opt = getopt(argc, argv, "p:a:r:d:w:c:i:s:t:bF")) != -1) {
		switch (opt) {
		case 'p': port = atoi(optarg); break;
		case 'a': host = optarg; break;
		case 'r': rate = atof(optarg); break;
		case 'd': secs = atof(optarg); break;
		case 'w': wsecs = atof(optarg); break;
		case 'c': maxconns = atoi(optarg); break;
		case 'i': init = atoi(optarg); break;
		case 's': rng_state = strtoull(optarg, NULL, 10); break;
		case 't': tmo = atof(optarg); break;
		case 'b': busy = 1; break;
		case 'F': return free_port();
		default: die("usage: loadgen -p port -r rate -d seconds [-a address] "
		    "[-w seconds] [-c maxconns] [-i conns] [-s seed] [-t seconds] [-b] urls");
		}
	}
	if (optind + 1 != argc || port <= 0 || rate <= 0 || secs <= 0 || wsecs < 0 ||
	    maxconns < 1 || init < 0 || init > maxconns)
		die("usage: loadgen -p port -r rate -d seconds [-a address] "
		    "[-w seconds] [-c maxconns] [-i conns] [-s seed] [-t seconds] [-b] urls");
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1)
		die("-a: not an IPv4 address");
	snprintf(hostport, sizeof hostport, "%s:%d", host, port);
	read_urls(argv[optind], hostport);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

	warm = (long)(wsecs * rate);
	total = warm + (long)(secs * rate);
	req_url = xrealloc(NULL, (size_t)total * sizeof *req_url);
	lat = xrealloc(NULL, (size_t)total * sizeof *lat);
	lag = xrealloc(NULL, (size_t)total * sizeof *lag);
	rstatus = xrealloc(NULL, (size_t)total * sizeof *rstatus);
	pending = xrealloc(NULL, (size_t)total * sizeof *pending);
	retry = xrealloc(NULL, (size_t)total * sizeof *retry);
	for (i = 0; i < total; i++) {
		const struct cls *c = &classes[rng() % ncls];
		req_url[i] = c->urls[rng() % c->n];
		lat[i] = lag[i] = -1;
		rstatus[i] = 0;
	}
	conns = xrealloc(NULL, (size_t)maxconns * sizeof *conns);
	idle = xrealloc(NULL, (size_t)maxconns * sizeof *idle);
	for (k = 0; k < maxconns; k++) {
		conns[k].fd = -1;
		conns[k].state = C_FREE;
	}
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll_create1");

	/* The first connections, open before the clock starts. */
	for (k = 0; k < init; k++)
		conn_open(&conns[k]);
	{
		int64_t until = mono_ns() + 2000000000LL;
		while (nidle < init && mono_ns() < until) {
			int n = epoll_wait(epfd, evs, 256, 100);
			for (k = 0; k < n; k++) {
				struct conn *c = &conns[evs[k].data.u32];
				if (evs[k].events & (EPOLLERR | EPOLLHUP))
					on_error(c);
				else if (evs[k].events & EPOLLOUT)
					on_writable(c);
			}
		}
		if (nidle < init)
			die("cannot connect to the server");
	}
	n_opened = init;

	t0 = mono_ns() + 10000000;	/* 10 ms from now */
	if (!busy) {
		if ((tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0)
			die("timerfd_create");
		ev.events = EPOLLIN;
		ev.data.u32 = UINT32_MAX;
		epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev);
		its.it_value.tv_sec = t0 / 1000000000;
		its.it_value.tv_nsec = t0 % 1000000000;
		timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
	}

	for (;;) {
		int timeout = -1, n;
		if (busy) {	/* no sleeping: the schedule from the clock itself */
			enqueue_due(mono_ns());
			timeout = 0;
		}
		if (next_req == total) {
			int64_t left;
			if (!deadline)
				deadline = mono_ns() + (int64_t)(tmo * 1e9);
			left = deadline - mono_ns();
			if (outstanding == 0 && pending_n() == 0)
				break;
			if (left <= 0)
				break;
			if (!busy)
				timeout = (int)(left / 1000000) + 1;
		}
		n = epoll_wait(epfd, evs, 256, timeout);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("epoll_wait");
		for (k = 0; k < n; k++) {
			if (evs[k].data.u32 == UINT32_MAX) {
				uint64_t x;
				if (read(tfd, &x, sizeof x) < 0 && errno != EAGAIN)
					die("timerfd");
				enqueue_due(mono_ns());
				if (next_req < total) {
					int64_t at = sched(next_req);
					its.it_value.tv_sec = at / 1000000000;
					its.it_value.tv_nsec = at % 1000000000;
					timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
				}
				continue;
			}
			struct conn *c = &conns[evs[k].data.u32];
			if (c->state == C_FREE)
				continue;	/* closed by an earlier event */
			if (evs[k].events & EPOLLIN)
				on_readable(c);
			else if (evs[k].events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP))
				on_error(c);
			else if (evs[k].events & EPOLLOUT)
				on_writable(c);
			if (c->state == C_CONNECTING && (evs[k].events & EPOLLOUT))
				on_writable(c);
		}
		if (n_connfail > 100)
			die("cannot connect to the server");
		dispatch();
	}
	report(secs);
	return 0;
}
