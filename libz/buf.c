/*
 * buf.c - growable byte buffers and arrays, and standard output as one
 * of the buffers.
 *
 * Appends never fail visibly: an allocation failure sets a sticky err
 * flag that the owner checks once, where it can report it.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sam.h"

int
sam_buf_grow(struct sam_buf *b, size_t extra)
{
	size_t want, cap;
	char *p;

	if (b->err)
		return -1;
	if (extra <= b->cap - b->len)
		return 0;
	if (extra > SIZE_MAX / 2 - b->len)
		goto fail;
	want = b->len + extra;
	cap = b->cap ? b->cap : 256;
	while (cap < want)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		goto fail;
	b->p = p;
	b->cap = cap;
	return 0;
fail:
	b->err = 1;
	errno = ENOMEM;
	return -1;
}

void
sam_buf_put(struct sam_buf *b, const void *s, size_t n)
{
	if (n == 0 || sam_buf_reserve(b, n) < 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void
sam_buf_putc(struct sam_buf *b, char c)
{
	if (b->len < b->cap || sam_buf_reserve(b, 1) == 0)
		b->p[b->len++] = c;
}

void
sam_buf_puts(struct sam_buf *b, const char *s)
{
	sam_buf_put(b, s, strlen(s));
}

void
sam_buf_printf(struct sam_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || sam_buf_reserve(b, (size_t)n + 1) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
sam_buf_num(struct sam_buf *b, double v)
{
	if (sam_buf_reserve(b, SAM_NUM_MAX) < 0)
		return;
	b->len += sam_format_double(b->p + b->len, v);
}

void
sam_buf_int(struct sam_buf *b, long long v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof tmp, "%lld", v);

	sam_buf_put(b, tmp, (size_t)n);
}

/* JSON string: quotes, the two mandatory escapes and control bytes. */
void
sam_buf_jstr(struct sam_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	sam_buf_putc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sam_buf_put(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': sam_buf_put(b, "\\\"", 2); break;
		case '\\': sam_buf_put(b, "\\\\", 2); break;
		case '\n': sam_buf_put(b, "\\n", 2); break;
		case '\t': sam_buf_put(b, "\\t", 2); break;
		case '\r': sam_buf_put(b, "\\r", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			sam_buf_put(b, u, 6);
		}
		}
	}
	sam_buf_put(b, s + run, n - run);
	sam_buf_putc(b, '"');
}

/* A count as people read it, 41,234,567; other numbers as JSON. */
void
sam_buf_grouped(struct sam_buf *b, double v)
{
	char digits[32];
	size_t n, i;

	if (v != floor(v) || v < 0 || v >= 1e15) {
		sam_buf_num(b, v);
		return;
	}
	n = (size_t)snprintf(digits, sizeof digits, "%.0f", v);
	for (i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			sam_buf_putc(b, ',');
		sam_buf_putc(b, digits[i]);
	}
}

/* RFC 3986: everything but the unreserved characters as %XX. */
void
sam_buf_urlpart(struct sam_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '~') {
			sam_buf_putc(b, (char)c);
		} else {
			sam_buf_putc(b, '%');
			sam_buf_putc(b, hex[c >> 4]);
			sam_buf_putc(b, hex[c & 15]);
		}
	}
}

void
sam_buf_free(struct sam_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

int
sam_grow(void *vp, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 64;
	void *v, *nv;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	if (ncap > SIZE_MAX / size) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(&v, vp, sizeof v);
	if (!(nv = realloc(v, ncap * size)))
		return -1;
	memcpy(vp, &nv, sizeof nv);
	*cap = ncap;
	return 0;
}

/* ---- standard output ---- */

#define OUT_FLUSH_AT (256 * 1024)

static struct sam_buf out;
static int out_errno, out_sized;

/*
 * A pipeline of filters on one core switches from writer to reader
 * each time the pipe fills: Linux's 64 KiB pipe means a switch every
 * few hundred records.  Asking for a 1 MiB pipe (what an unprivileged
 * process may, by default) makes them rare.  Only Linux has the call;
 * a refusal changes nothing.
 */
static void
out_size_pipe(void)
{
#if defined(__linux__)
	struct stat st;

	out_sized = 1;
	if (fstat(STDOUT_FILENO, &st) == 0 && S_ISFIFO(st.st_mode))
		(void)fcntl(STDOUT_FILENO, 1031 /* F_SETPIPE_SZ */, 1 << 20);
#else
	out_sized = 1;
#endif
}

struct sam_buf *
sam_out(void)
{
	return &out;
}

static int
out_flush(void)
{
	size_t off = 0;

	if (out.err && !out_errno)
		out_errno = ENOMEM;
	if (!out_sized)
		out_size_pipe();
	while (off < out.len && !out_errno) {
		ssize_t w = write(STDOUT_FILENO, out.p + off, out.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			out_errno = errno;
		else
			off += (size_t)w;
	}
	out.len = 0;
	if (out_errno) {
		errno = out_errno;
		return -1;
	}
	return 0;
}

int
sam_out_maybe_flush(void)
{
	if (out.len < OUT_FLUSH_AT && !out.err)
		return out_errno ? (errno = out_errno, -1) : 0;
	return out_flush();
}

int
sam_out_flush(void)
{
	return out_flush();
}

int
sam_out_finish(int status)
{
	if (sam_out_close() < 0) {
		sam_fatal_errno("write standard output");
		return SAM_EXIT_RUNTIME;
	}
	return status;
}

int
sam_out_close(void)
{
	int r = out_flush();

	sam_buf_free(&out);
	if (r == 0 && fflush(stdout) == EOF)
		return -1;
	return r;
}
