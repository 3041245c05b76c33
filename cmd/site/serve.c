/*
 * serve.c - sam-serve-static serve: a preview server for a built site
 * (libmicrohttpd, one thread), with the API's routes, the caching and
 * the throttle the original API Gateway had (throttle.c).
 *
 * Every request opens DIR afresh and the file beneath it with openat2
 * (no link followed, nothing outside DIR), so a build that swaps a new
 * site in is seen at once and a request never mixes the two.  A file is
 * read whole and sent from memory; its ETag is a hash of its bytes, so a
 * rebuild that changes nothing keeps every client's cache valid.
 *
 * Against a client that holds connections open (slow headers, a
 * "slow loris"), two bounds: connections per client address, and a
 * deadline for each request to arrive whole, kept by the main thread,
 * which shuts down the socket of a connection past it.
 */
#define _GNU_SOURCE		/* syscall */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/openat2.h>
#include <sys/syscall.h>
#endif

#include <microhttpd.h>

#include "site.h"

#define PATH_MAX_LEN 1024
#define FILE_MAX (64L << 20)
#define CACHE_CONTROL "public, max-age=300"
/* Files this large go out by sendfile from their descriptor once their
 * ETag is known; smaller ones are read and sent with the headers in one
 * write, which is faster for them (measured: /health 117k against 90k
 * requests a second). */
#define SENDFILE_MIN (64L << 10)
/* Connections at once, of all clients; at most so many of one address
 * (--per-address), each request whole within so many seconds
 * (--request-timeout): see "The preview server" in the man page. */
#define CONNECTIONS_MAX 1000
#define PER_ADDRESS 64
#define REQUEST_TIMEOUT 10.0

/* A connection, from its start to its close (MHD's socket context). */
struct conn {
	struct conn *prev, *next;
	int fd;
	int family;		/* AF_INET or AF_INET6: the client's address */
	unsigned char addr[16];
	int64_t deadline_us;	/* for its next request to be whole; 0: none */
};

struct server {
	const char *dir;
	int quiet;
	struct throttle throttle;	/* per address and of all clients */
	unsigned long per_address;	/* connections; 0: no limit */
	double request_timeout;		/* seconds; 0: none */
	/* the open connections: the server's thread adds and removes
	 * them, the main thread closes those past their deadline */
	pthread_mutex_t lock;
	struct conn *conns;
};

/* One request, for the access log. */
struct req {
	int64_t start_us;
	unsigned status;
	size_t bytes;		/* of the body sent: none for HEAD or 304 */
	int answered, head;
	char method[12];
	char path[200];		/* as received, made safe to log */
};

/* ---- connections: per address, and their deadlines ---- */

/* The address of sa, as family and bytes; 0, or -1 for neither v4 nor v6. */
static int
addr_of(const struct sockaddr *sa, int *family, unsigned char addr[16])
{
	memset(addr, 0, 16);
	*family = sa ? sa->sa_family : AF_UNSPEC;
	if (*family == AF_INET)
		memcpy(addr, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	else if (*family == AF_INET6)
		memcpy(addr, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
	else
		return -1;
	return 0;
}

/* libmicrohttpd's accept policy: a client address that holds
 * per_address connections already gets no more.  Called on the
 * server's thread, as connection_event is, so the count is exact; the
 * refused connection is closed at once, without an answer. */
static enum MHD_Result
accept_client(void *cls, const struct sockaddr *sa, socklen_t len)
{
	struct server *sv = cls;
	const struct conn *k;
	unsigned char addr[16];
	unsigned long n = 0;
	int family;

	(void)len;
	if (sv->per_address == 0 || addr_of(sa, &family, addr) < 0)
		return MHD_YES;
	pthread_mutex_lock(&sv->lock);
	for (k = sv->conns; k && n < sv->per_address; k = k->next)
		n += k->family == family && memcmp(k->addr, addr, 16) == 0;
	pthread_mutex_unlock(&sv->lock);
	return n < sv->per_address ? MHD_YES : MHD_NO;
}

/* The deadline of a connection's next request, from now. */
static int64_t
deadline(const struct server *sv)
{
	return sv->request_timeout > 0 ?
	    sam_mono_us() + (int64_t)(sv->request_timeout * 1e6) : 0;
}

/* A connection opens (into the list, its first deadline set) or closes
 * (out of it: libmicrohttpd closes its socket only after this). */
static void
connection_event(void *cls, struct MHD_Connection *c, void **ctx,
    enum MHD_ConnectionNotificationCode code)
{
	struct server *sv = cls;
	struct conn *k = *ctx;
	const union MHD_ConnectionInfo *fd, *ci;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (!fd || !(k = calloc(1, sizeof *k))) {
			/* unwatched, it could be held for ever: closed instead */
			if (fd)
				shutdown(fd->connect_fd, SHUT_RDWR);
			return;
		}
		k->fd = fd->connect_fd;
		addr_of(ci ? ci->client_addr : NULL, &k->family, k->addr);
		k->deadline_us = deadline(sv);
		pthread_mutex_lock(&sv->lock);
		if ((k->next = sv->conns))
			k->next->prev = k;
		sv->conns = k;
		pthread_mutex_unlock(&sv->lock);
		*ctx = k;
	} else if (k) {
		pthread_mutex_lock(&sv->lock);
		if (k->prev)
			k->prev->next = k->next;
		else
			sv->conns = k->next;
		if (k->next)
			k->next->prev = k->prev;
		pthread_mutex_unlock(&sv->lock);
		free(k);
		*ctx = NULL;
	}
}

/* Sets the deadline of the connection's next request (0: none). */
static void
connection_deadline(struct server *sv, struct MHD_Connection *c, int64_t when)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *k = ci ? ci->socket_context : NULL;

	if (!k)
		return;
	pthread_mutex_lock(&sv->lock);
	k->deadline_us = when;
	pthread_mutex_unlock(&sv->lock);
}

/* The throttle's answer to a request on connection c, from its client's
 * address: 0, or the seconds to wait.  The throttle is only used on the
 * server's thread. */
static long
throttle(struct server *sv, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	unsigned char addr[16];
	int family;

	if (addr_of(ci ? ci->client_addr : NULL, &family, addr) < 0)
		family = AF_UNSPEC;	/* all clients' bucket alone */
	return throttle_take(&sv->throttle, family, addr, sam_mono_us());
}

/* Shuts down the connections past their deadline, logging each;
 * libmicrohttpd then reads the end of the stream and closes them.
 * The lock keeps a socket from being closed (and its number reused)
 * meanwhile. */
static void
close_late(struct server *sv)
{
	struct { int family; unsigned char addr[16]; } late[16];
	int64_t now = sam_mono_us();
	struct conn *k;
	char addr[INET6_ADDRSTRLEN];
	size_t i, n = 0, more = 0;

	pthread_mutex_lock(&sv->lock);
	for (k = sv->conns; k; k = k->next) {
		if (k->deadline_us == 0 || now < k->deadline_us)
			continue;
		k->deadline_us = 0;
		shutdown(k->fd, SHUT_RDWR);
		if (n == sizeof late / sizeof late[0]) {
			more++;
			continue;
		}
		late[n].family = k->family;
		memcpy(late[n++].addr, k->addr, 16);
	}
	pthread_mutex_unlock(&sv->lock);
	/* logged without the lock: a slow stderr holds up nothing else */
	for (i = 0; i < n && !sv->quiet; i++)
		if (inet_ntop(late[i].family, late[i].addr, addr, sizeof addr))
			sam_log(SAM_INFO, NULL, 0, "%s: no whole request within %g s: "
			    "connection closed", addr, sv->request_timeout);
	if (more && !sv->quiet)
		sam_log(SAM_INFO, NULL, 0, "%zu more connections with no whole "
		    "request within %g s: closed", more, sv->request_timeout);
}

/* ---- paths ---- */

/* %XX decoded into dst; -1 for a bad escape or a NUL. */
static int
percent_decode(char *dst, size_t size, const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		int c = (unsigned char)*s;
		if (c == '%') {
			int hi = sam_hexval(s[1]), lo = hi < 0 ? -1 : sam_hexval(s[2]);
			if (lo < 0 || (c = hi * 16 + lo) == 0)
				return -1;
			s += 2;
		}
		if (n + 1 >= size)
			return -1;
		dst[n++] = (char)c;
	}
	dst[n] = '\0';
	return 0;
}

/* No empty segment, none that starts with a dot ("..", ".sam-site"). */
static int
path_allowed(const char *p)
{
	if (*p != '/')
		return 0;
	for (; *p; p++)
		if (*p == '/' && (p[1] == '/' || p[1] == '.'))
			return 0;
	return 1;
}

/*
 * The routes of the original API over the site's files:
 *   /                          index.html
 *   /health                    health.json
 *   /anomalies[?severity=S]    anomalies.json, anomalies/severity/S.json
 *   /anomalies/severity/S      anomalies/severity/S.json
 *   /anomalies/TICKER          anomalies/TICKER.json
 *   /ticker/TICKER             ticker/TICKER.html
 * and every other path as the file of that name.  Returns the HTTP
 * status to answer with when it is not a file's (400 for a bad
 * severity), else 0 with the file's path relative to DIR in rel.
 */
static unsigned
route(const char *path, const char *severity, char *rel, size_t size)
{
	const char *rest;

	if (strcmp(path, "/") == 0) {
		snprintf(rel, size, "index.html");
	} else if (strcmp(path, "/health") == 0) {
		snprintf(rel, size, "health.json");
	} else if (strcmp(path, "/anomalies") == 0) {
		if (!severity)
			snprintf(rel, size, "anomalies.json");
		else if (sam_severity_parse(severity, strlen(severity)) < 0)
			return MHD_HTTP_BAD_REQUEST;
		else
			snprintf(rel, size, "anomalies/severity/%s.json", severity);
	} else if (strncmp(path, "/anomalies/severity/", 20) == 0 &&
	    sam_severity_parse(path + 20, strlen(path + 20)) >= 0) {
		snprintf(rel, size, "%s.json", path + 1);
	} else if (strncmp(path, "/anomalies/", 11) == 0 &&
	    sam_valid_ticker(rest = path + 11, strlen(path + 11))) {
		snprintf(rel, size, "anomalies/%s.json", rest);
	} else if (strncmp(path, "/ticker/", 8) == 0 &&
	    sam_valid_ticker(rest = path + 8, strlen(path + 8))) {
		snprintf(rel, size, "ticker/%s.html", rest);
	} else {
		snprintf(rel, size, "%s", path + 1);
	}
	return 0;
}

static const char *
content_type(const char *rel)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".txt", "text/plain; charset=utf-8" },
	};
	size_t i, len = strlen(rel);

	for (i = 0; i < sizeof types / sizeof types[0]; i++) {
		size_t n = strlen(types[i].ext);
		if (len > n && strcmp(rel + len - n, types[i].ext) == 0)
			return types[i].type;
	}
	return "application/octet-stream";
}

/* Opens REL beneath DIR: no symbolic link followed, no way out. */
static int
open_beneath(const char *dir, const char *rel)
{
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd, saved;

	if (dirfd < 0)
		return -1;
#ifdef SYS_openat2
	struct open_how how = { .flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC,
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
	fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof how);
	if (fd >= 0 || errno != ENOSYS)
		goto done;
#endif
	{	/* one component at a time, none a link */
		char buf[PATH_MAX_LEN], *seg = buf, *slash;
		int at = dirfd;
		snprintf(buf, sizeof buf, "%s", rel);
		fd = -1;
		while ((slash = strchr(seg, '/'))) {
			*slash = '\0';
			fd = openat(at, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (at != dirfd)
				close(at);
			if (fd < 0)
				goto done;
			at = fd;
			seg = slash + 1;
		}
		fd = openat(at, seg, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (at != dirfd)
			close(at);
	}
done:
	saved = errno;
	close(dirfd);
	errno = saved;
	return fd;
}

/* REL, a regular file beneath DIR: its descriptor and st, or -1 with
 * errno (EISDIR for anything else, EFBIG). */
static int
open_file(const char *dir, const char *rel, struct stat *st)
{
	int fd = open_beneath(dir, rel), saved;

	/* a swap between opening DIR and the file: DIR again is the new one */
	if (fd < 0 && errno == ENOENT)
		fd = open_beneath(dir, rel);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0)
		goto fail;
	errno = !S_ISREG(st->st_mode) ? EISDIR : st->st_size > FILE_MAX ? EFBIG : 0;
	if (errno == 0)
		return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* The open file whole, malloc'ed; NULL with errno. */
static char *
read_all(int fd, size_t size, size_t *len)
{
	char *buf = malloc(size + 1);
	size_t got = 0;

	while (buf && got < size) {
		ssize_t r = read(fd, buf + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	*len = got;
	return buf;
}

/* If-None-Match: a list of entity tags, weak or not, or "*". */
static int
etag_matches(const char *header, const char *etag)
{
	size_t len = strlen(etag);
	const char *p = header;

	while (p && *p) {
		p += strspn(p, " \t,");
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, len) == 0 && (p[len] == '\0' || p[len] == ',' ||
		    p[len] == ' ' || p[len] == '\t'))
			return 1;
		p = strchr(p, ',');
	}
	return 0;
}

/* A request's text for the log: printable ASCII, the rest as \xHH. */
static void
loggable(char *dst, size_t size, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (; *s && n + 5 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			dst[n++] = (char)c;
		} else {
			dst[n++] = '\\';
			dst[n++] = 'x';
			dst[n++] = hex[c >> 4];
			dst[n++] = hex[c & 15];
		}
	}
	if (*s && n + 4 <= size) {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
}

/* ---- responses ---- */

/* The server's clock ahead of the system's: SAM_NOW at the start, so
 * that a test can show the pages' script a time of its choosing. */
static int64_t clock_offset;

/* Date, as an IMF-fixdate of the server's clock (it replaces
 * libmicrohttpd's): the pages' script reads the time from it. */
static void
date_header(struct MHD_Response *r)
{
	static const char days[][4] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
	static const char months[][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int64_t t = (int64_t)time(NULL) + clock_offset, day, sod;
	char date[11], value[40];

	day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	sod = t - day * 86400;
	sam_format_date(date, day);
	snprintf(value, sizeof value, "%s, %.2s %s %.4s %02d:%02d:%02d GMT",
	    days[((day % 7) + 7) % 7], date + 8, months[(date[5] - '0') * 10 + date[6] - '1'],
	    date, (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
	MHD_add_response_header(r, MHD_HTTP_HEADER_DATE, value);
}

static void
security_headers(struct MHD_Response *r)
{
	date_header(r);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Content-Security-Policy",
	    SITE_CSP "; frame-ancestors 'none'");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
}

static enum MHD_Result
respond(struct MHD_Connection *c, struct req *rq, unsigned status, struct MHD_Response *r)
{
	enum MHD_Result ok;

	if (!r)
		return MHD_NO;
	security_headers(r);
	ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	rq->status = status;
	return ok;
}

static enum MHD_Result
send_error(struct MHD_Connection *c, struct req *rq, unsigned status, const char *error)
{
	struct sam_buf b = { 0 };
	struct MHD_Response *r;

	sam_buf_printf(&b, "{\"status\":%u,\"error\":", status);
	sam_buf_jstr(&b, error, strlen(error));
	sam_buf_puts(&b, "}\n");
	if (b.err)
		return MHD_NO;
	rq->bytes = rq->head ? 0 : b.len;
	r = MHD_create_response_from_buffer(b.len, b.p, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(b.p);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, "Allow", "GET, HEAD");
	return respond(c, rq, status, r);
}

/*
 * ETags: a hash of a file's bytes, remembered by device, inode, size and
 * time of change, so that a file is read and hashed once, and then sent
 * from its descriptor (build writes each file once and never changes
 * it: a new build makes new inodes).
 */
static struct sam_map etags;

static int
etag_key(const struct stat *st, char *key, size_t size)
{
	return snprintf(key, size, "%llx:%llx:%llx:%lld.%ld",
	    (unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
	    (unsigned long long)st->st_size, (long long)st->st_ctim.tv_sec,
	    (long)st->st_ctim.tv_nsec);
}

static void
etag_remember(const struct stat *st, const char etag[24])
{
	char key[96];
	size_t klen = (size_t)etag_key(st, key, sizeof key);
	void **slot;
	int isnew;

	if (etags.n > 100000)	/* rebuilds leave old inodes behind */
		sam_map_free(&etags, free);
	if ((slot = sam_map_put(&etags, key, klen, &isnew)) && !*slot &&
	    (*slot = malloc(24)))
		memcpy(*slot, etag, 24);
}

static const char *
etag_recall(const struct stat *st)
{
	char key[96];
	size_t klen = (size_t)etag_key(st, key, sizeof key);

	return sam_map_get(&etags, key, klen);
}

static enum MHD_Result
send_file(struct server *sv, struct MHD_Connection *c, struct req *rq, const char *rel)
{
	struct MHD_Response *r;
	struct stat st;
	const char *inm, *known;
	char etag[24], *body;
	size_t len = 0;
	int fd = open_file(sv->dir, rel, &st);

	if (fd < 0 && (errno == ENOENT || errno == EISDIR || errno == ENOTDIR ||
	    errno == ELOOP || errno == EXDEV || errno == EINVAL || errno == ENAMETOOLONG))
		return send_error(c, rq, MHD_HTTP_NOT_FOUND, "not found");
	known = fd >= 0 ? etag_recall(&st) : NULL;
	if (known && st.st_size >= SENDFILE_MIN) {
		memcpy(etag, known, sizeof etag);
		len = (size_t)st.st_size;
		r = MHD_create_response_from_fd((uint64_t)len, fd);	/* it owns fd */
		if (!r)
			close(fd);
	} else if (fd >= 0 && (body = read_all(fd, (size_t)st.st_size, &len))) {
		close(fd);
		if (known) {
			memcpy(etag, known, sizeof etag);
		} else {
			snprintf(etag, sizeof etag, "\"%016llx\"",
			    (unsigned long long)sam_hash(body, len, 0));
			etag_remember(&st, etag);
		}
		r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
		if (!r)
			free(body);
	} else {
		char why[128], shown[200];
		snprintf(why, sizeof why, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		loggable(shown, sizeof shown, rel);
		sam_log(SAM_ERROR, NULL, 0, "unable to read %s/%s: %s", sv->dir, shown, why);
		return send_error(c, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "unable to read the file");
	}
	if (!r)
		return MHD_NO;
	inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
	/* a 304 is sent without its body, but with its length */
	rq->status = inm && etag_matches(inm, etag) ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK;
	rq->bytes = rq->status == MHD_HTTP_OK && !rq->head ? len : 0;
	if (rq->status == MHD_HTTP_OK)
		MHD_add_response_header(r, "Content-Type", content_type(rel));
	MHD_add_response_header(r, "ETag", etag);
	MHD_add_response_header(r, "Cache-Control", CACHE_CONTROL);
	if (strcmp(content_type(rel), "application/json") == 0)
		MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
	return respond(c, rq, rq->status, r);
}

static enum MHD_Result
answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **req_cls)
{
	struct server *sv = cls;
	struct req *rq = *req_cls;
	char path[PATH_MAX_LEN], rel[PATH_MAX_LEN + 32], severity[16];
	const char *sev;
	unsigned status;
	long wait;

	(void)version;
	(void)upload;
	/* The first call only sees the headers; answering then would make
	 * libmicrohttpd close the connection.  A body is read and dropped;
	 * the answer goes with the last call. */
	if (!rq) {
		if (!(rq = calloc(1, sizeof *rq)))
			return MHD_NO;
		*req_cls = rq;
		rq->start_us = sam_mono_us();
		rq->head = strcmp(method, "HEAD") == 0;
		loggable(rq->method, sizeof rq->method, method);
		loggable(rq->path, sizeof rq->path, url);
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->answered)
		return MHD_YES;
	rq->answered = 1;
	connection_deadline(sv, c, 0);	/* the request is whole */
	if ((wait = throttle(sv, c)) > 0) {
		char after[24];
		struct sam_buf b = { 0 };
		struct MHD_Response *r;
		sam_buf_puts(&b, "{\"status\":429,\"error\":\"too many requests\"}\n");
		if (b.err || !(r = MHD_create_response_from_buffer(b.len, b.p, MHD_RESPMEM_MUST_FREE))) {
			free(b.p);
			return MHD_NO;
		}
		rq->bytes = rq->head ? 0 : b.len;
		snprintf(after, sizeof after, "%ld", wait);
		MHD_add_response_header(r, "Retry-After", after);
		MHD_add_response_header(r, "Content-Type", "application/json");
		MHD_add_response_header(r, "Cache-Control", "no-store");
		return respond(c, rq, MHD_HTTP_TOO_MANY_REQUESTS, r);
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return send_error(c, rq, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
	if (percent_decode(path, sizeof path, url) < 0)
		return send_error(c, rq, MHD_HTTP_BAD_REQUEST, "bad request path");
	if (!path_allowed(path))
		return send_error(c, rq, MHD_HTTP_NOT_FOUND, "not found");
	sev = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "severity");
	if (sev && percent_decode(severity, sizeof severity, sev) < 0)
		return send_error(c, rq, MHD_HTTP_BAD_REQUEST,
		    "severity must be " SAM_SEVERITY_LIST);
	if ((status = route(path, sev ? severity : NULL, rel, sizeof rel)) != 0)
		return send_error(c, rq, status, "severity must be " SAM_SEVERITY_LIST);
	return send_file(sv, c, rq, rel);
}

/* The access log: a line a request, when it is done. */
static void
completed(void *cls, struct MHD_Connection *c, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct server *sv = cls;
	struct req *rq = *req_cls;
	const union MHD_ConnectionInfo *ci;
	char addr[INET6_ADDRSTRLEN] = "-";
	double ms;

	/* the next request on this connection has its own time */
	connection_deadline(sv, c, deadline(sv));
	if (!rq)
		return;
	*req_cls = NULL;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr,
		    addr, sizeof addr);
	else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)ci->client_addr)->sin6_addr,
		    addr, sizeof addr);
	ms = (double)(sam_mono_us() - rq->start_us) / 1000.0;
	if (!sv->quiet) {
		struct sam_buf fields = { 0 };
		sam_buf_printf(&fields, "\"remote\":\"%s\",\"method\":", addr);
		sam_buf_jstr(&fields, rq->method, strlen(rq->method));
		sam_buf_puts(&fields, ",\"path\":");
		sam_buf_jstr(&fields, rq->path, strlen(rq->path));
		sam_buf_printf(&fields, ",\"status\":%u,\"bytes\":%zu,\"ms\":%.3f%s",
		    rq->status, rq->bytes, ms,
		    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : ",\"aborted\":true");
		sam_buf_putc(&fields, '\0');
		sam_log_fields(SAM_INFO, fields.err ? "" : fields.p, "%s \"%s %s\" %u %zu %.3f ms%s", addr,
		    rq->method, rq->path, rq->status, rq->bytes, ms,
		    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
		sam_buf_free(&fields);
	}
	free(rq);
}

/* An identity unescaper: the path is decoded in answer(), which refuses
 * a %00 where libmicrohttpd's own decoder would cut the path short. */
static size_t
keep_escapes(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

static _Atomic int starting;	/* MHD's messages then are ours to say better */

static void mhd_log(void *, const char *, va_list) SAM_PRINTF(2, 0);

/* libmicrohttpd's own messages, as ours. */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	if (starting)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	/* a client that goes, or that the deadline sends away, is no fault
	 * of the server's: the access log and close_late() say so */
	if (strncmp(msg, "Connection was closed by remote side", 36) == 0 ||
	    strncmp(msg, "Connection socket is closed when reading request", 48) == 0)
		return;
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	sam_log(SAM_WARNING, NULL, 0, "libmicrohttpd: %s", msg);
}

/* ---- the command ---- */

/* ADDRESS:PORT, [IPV6]:PORT or PORT (on 127.0.0.1). */
static int
parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon = strrchr(s, ':'), *port = colon ? colon + 1 : s;
	unsigned long p;
	size_t hlen = colon ? (size_t)(colon - s) : 0;

	memset(ss, 0, sizeof *ss);
	if (sam_parse_ulong(port, 0, 65535, &p) < 0 || hlen >= sizeof host)
		return -1;
	int bracketed = hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']';
	if (!colon) {
		strcpy(host, "127.0.0.1");
	} else if (bracketed) {
		memcpy(host, s + 1, hlen - 2);
		host[hlen - 2] = '\0';
	} else {
		memcpy(host, s, hlen);
		host[hlen] = '\0';
	}
	struct sockaddr_in *in4 = (struct sockaddr_in *)(void *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)ss;
	if (!bracketed && inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)p);
		*len = sizeof *in4;
	} else if (bracketed && inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		*len = sizeof *in6;
	} else {
		return -1;
	}
	return 0;
}

static const struct option serve_options[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "listen", required_argument, NULL, 'l' },
	{ "rate", required_argument, NULL, 'R' },
	{ "burst", required_argument, NULL, 'B' },
	{ "client-rate", required_argument, NULL, 'r' },
	{ "client-burst", required_argument, NULL, 'b' },
	{ "per-address", required_argument, NULL, 'P' },
	{ "request-timeout", required_argument, NULL, 'T' },
	{ "quiet", no_argument, NULL, 'q' },
	SAM_OPT_LOG_FORMAT,
	SAM_OPT_HELP,
	{ NULL, 0, NULL, 0 }
};

static int
serve_settings(struct server *sv, int argc, char **argv, const char **listen)
{
	const char *env;
	unsigned long v;
	double secs;
	struct stat st;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:l:qh", serve_options, NULL)) != -1) {
		switch (c) {
		case 'd': sv->dir = optarg; break;
		case 'l': *listen = optarg; break;
		case 'R':
			if (sam_parse_ulong(optarg, 0, 1000000, &v) < 0)
				return sam_usage_error(site_usage, "--rate: not a number of "
				    "requests a second from 0 (no limit) to 1000000: %s", optarg);
			sv->throttle.rate = (double)v;
			break;
		case 'B':
			if (sam_parse_ulong(optarg, 1, 1000000, &v) < 0)
				return sam_usage_error(site_usage, "--burst: not a number "
				    "from 1 to 1000000: %s", optarg);
			sv->throttle.burst = (double)v;
			break;
		case 'r':
			if (sam_parse_ulong(optarg, 0, 1000000, &v) < 0)
				return sam_usage_error(site_usage, "--client-rate: not a number of "
				    "requests a second from 0 (no limit) to 1000000: %s", optarg);
			sv->throttle.client_rate = (double)v;
			break;
		case 'b':
			if (sam_parse_ulong(optarg, 1, 1000000, &v) < 0)
				return sam_usage_error(site_usage, "--client-burst: not a number "
				    "from 1 to 1000000: %s", optarg);
			sv->throttle.client_burst = (double)v;
			break;
		case 'P':
			if (sam_parse_ulong(optarg, 0, CONNECTIONS_MAX, &v) < 0)
				return sam_usage_error(site_usage, "--per-address: not a "
				    "number of connections from 0 (no limit) to %d: %s",
				    CONNECTIONS_MAX, optarg);
			sv->per_address = v;
			break;
		case 'T':
			if (sam_parse_number(optarg, strlen(optarg), 0, &secs) < 0 ||
			    !(secs >= 0 && secs <= 3600))
				return sam_usage_error(site_usage, "--request-timeout: not "
				    "a number of seconds from 0 (none) to 3600: %s", optarg);
			sv->request_timeout = secs;
			break;
		case 'q': sv->quiet = 1; break;
		default:	/* --log-format, --help, errors */
			if ((c = sam_opt_common(c, argv, &site_tool)) == SAM_OPT_NEXT)
				break;
			return c == SAM_EXIT_OK ? -1 : c;	/* -1: --help written */
		}
	}
	if (optind < argc)
		return sam_usage_error(site_usage, "serve: unexpected argument: %s", argv[optind]);
	if ((c = sam_check_env(site_usage)) != 0)
		return c;
	if (sv->dir && !*sv->dir)
		return sam_usage_error(site_usage, "-d: an empty name");
	if (!sv->dir && (env = getenv("SAM_SITE")) && *env)
		sv->dir = env;
	if (!sv->dir)
		return sam_usage_error(site_usage, "serve: which site? give -d DIR or set SAM_SITE");
	if (stat(sv->dir, &st) < 0) {
		sam_log(SAM_ERROR, sv->dir, 0, "%s", strerror(errno));
		return SAM_EXIT_USAGE;
	}
	if (!S_ISDIR(st.st_mode)) {
		sam_log(SAM_ERROR, sv->dir, 0, "not a directory");
		return SAM_EXIT_USAGE;
	}
	return 0;
}

int
site_serve(int argc, char **argv)
{
	struct server sv = { .throttle = { .rate = 100, .burst = 200, .client_rate = 50,
	    .client_burst = 100 }, .per_address = PER_ADDRESS,
	    .request_timeout = REQUEST_TIMEOUT, .lock = PTHREAD_MUTEX_INITIALIZER };
	struct timespec tick;
	struct sockaddr_storage ss;
	socklen_t sslen;
	const char *listen = "127.0.0.1:8080";
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;
	sigset_t sigs;
	char host[INET6_ADDRSTRLEN];
	int sig, r;

	if ((r = serve_settings(&sv, argc, argv, &listen)) != 0)
		return r < 0 ? sam_out_finish(SAM_EXIT_OK) : r;
	if (parse_listen(listen, &ss, &sslen) < 0)
		return sam_usage_error(site_usage, "-l: not ADDRESS:PORT, [IPV6]:PORT "
		    "or PORT: %s", listen);
	if (throttle_init(&sv.throttle, sam_mono_us()) < 0) {
		sam_fatal_errno("start the throttle");
		return SAM_EXIT_RUNTIME;
	}
	clock_offset = sam_now() - (int64_t)time(NULL);
	/* the server's thread inherits this: signals come to sigwait only */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	starting = 1;
	errno = 0;
	d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
	    (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0), 0, accept_client, &sv, answer, &sv,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, &sv,
	    MHD_OPTION_NOTIFY_CONNECTION, connection_event, &sv,
	    MHD_OPTION_UNESCAPE_CALLBACK, keep_escapes, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS_MAX,
	    MHD_OPTION_END);
	starting = 0;
	if (!d) {
		sam_log(SAM_FATAL, NULL, 0, "unable to listen on %s: %s", listen,
		    errno ? strerror(errno) : "libmicrohttpd could not start");
		throttle_free(&sv.throttle);
		return SAM_EXIT_RUNTIME;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)&ss)->sin_addr, host, sizeof host);
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)&ss)->sin6_addr, host, sizeof host);
	sam_log(SAM_INFO, NULL, 0, "serving %s on http://%s%s%s:%u/", sv.dir,
	    ss.ss_family == AF_INET6 ? "[" : "", host, ss.ss_family == AF_INET6 ? "]" : "",
	    info ? (unsigned)info->port : 0);
	/* the deadlines are kept to a quarter of the timeout, at most 0.25 s
	 * and at least 10 ms late */
	tick.tv_sec = 0;
	tick.tv_nsec = sv.request_timeout > 0 && sv.request_timeout < 1 ?
	    (long)(sv.request_timeout * 0.25e9) + 1 : 250000000L;
	if (tick.tv_nsec < 10000000L)
		tick.tv_nsec = 10000000L;
	while ((sig = sigtimedwait(&sigs, NULL, &tick)) < 0 || sig == SIGHUP)
		close_late(&sv);
	MHD_stop_daemon(d);
	throttle_free(&sv.throttle);
	sam_log(SAM_INFO, NULL, 0, "stopped (%s)", sig == SIGINT ? "SIGINT" : "SIGTERM");
	return SAM_EXIT_OK;
}
