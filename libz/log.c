/*
 * log.c - diagnostics on stderr, as text or as one JSON object a line.
 *
 * Text:  prog: FILE:LINE: message        (a rejected input record)
 *        prog: warning: message
 *        prog: fatal: unable to open x: No such file or directory
 * JSON:  {"ts":"...","level":"error","tool":"prog","msg":"...",
 *         "file":"FILE","line":LINE}
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sam.h"

static const char *prog_name = "sam";
static int log_json;
static int format_from_option;	/* --log-format was given */
static const char *bad_env_format;	/* SAM_LOG_FORMAT, if unusable */

static int set_format(const char *);

static const char *const level_names[] = {
	[SAM_FATAL] = "fatal", [SAM_ERROR] = "error",
	[SAM_WARNING] = "warning", [SAM_INFO] = "info",
};

void
sam_log_init(const char *prog)
{
	const char *slash = strrchr(prog, '/');
	const char *env = getenv("SAM_LOG_FORMAT");

	prog_name = slash ? slash + 1 : prog;
	/* Applied at once, so that even usage errors come out as JSON; an
	 * unusable value is an error later, unless an option overrides it. */
	if (env && *env && set_format(env) < 0)
		bad_env_format = env;
}

const char *
sam_prog(void)
{
	return prog_name;
}

static int
set_format(const char *name)
{
	if (strcmp(name, "text") == 0)
		log_json = 0;
	else if (strcmp(name, "json") == 0)
		log_json = 1;
	else
		return -1;
	return 0;
}

int
sam_log_set_format(const char *name)
{
	format_from_option = 1;
	return set_format(name);
}

static void
log_text(enum sam_level level, const char *file, unsigned long line,
    const char *msg)
{
	char where[512] = "";

	if (file && line)
		snprintf(where, sizeof where, "%s:%lu: ", file, line);
	else if (file)
		snprintf(where, sizeof where, "%s: ", file);
	if (level == SAM_ERROR || level == SAM_INFO)
		fprintf(stderr, "%s: %s%s\n", prog_name, where, msg);
	else
		fprintf(stderr, "%s: %s%s: %s\n", prog_name, where,
		    level_names[level], msg);
}

static void
log_json_line(enum sam_level level, const char *file, unsigned long line,
    const char *msg, const char *fields)
{
	struct sam_buf b = { 0 };
	char ts[21];

	sam_format_ts(ts, sam_now());
	sam_buf_puts(&b, "{\"ts\":\"");
	sam_buf_puts(&b, ts);
	sam_buf_puts(&b, "\",\"level\":\"");
	sam_buf_puts(&b, level_names[level]);
	sam_buf_puts(&b, "\",\"tool\":");
	sam_buf_jstr(&b, prog_name, strlen(prog_name));
	sam_buf_puts(&b, ",\"msg\":");
	sam_buf_jstr(&b, msg, strlen(msg));
	if (file) {
		sam_buf_puts(&b, ",\"file\":");
		sam_buf_jstr(&b, file, strlen(file));
	}
	if (line) {
		sam_buf_puts(&b, ",\"line\":");
		sam_buf_int(&b, (long long)line);
	}
	if (fields && *fields) {
		sam_buf_putc(&b, ',');
		sam_buf_puts(&b, fields);
	}
	sam_buf_puts(&b, "}\n");
	if (!b.err)
		fwrite(b.p, 1, b.len, stderr);
	else
		fprintf(stderr, "%s: %s\n", prog_name, msg);
	sam_buf_free(&b);
}

void
sam_vlog(enum sam_level level, const char *file, unsigned long line,
    const char *fmt, va_list ap)
{
	char msg[2048];
	int n = vsnprintf(msg, sizeof msg, fmt, ap);

	/* every message, of every tool: no secret registered with
	 * sam_secret_add() reaches the log (cut: a run at its end goes) */
	sam_scrub(msg, sizeof msg, n < 0 || (size_t)n >= sizeof msg);
	if (log_json)
		log_json_line(level, file, line, msg, NULL);
	else
		log_text(level, file, line, msg);
}

void
sam_log_fields(enum sam_level level, const char *fields, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sam_scrub(msg, sizeof msg, n < 0 || (size_t)n >= sizeof msg);
	if (log_json)
		log_json_line(level, NULL, 0, msg, fields);
	else
		log_text(level, NULL, 0, msg);
}

int
sam_log_is_json(void)
{
	return log_json;
}

void
sam_log(enum sam_level level, const char *file, unsigned long line,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sam_vlog(level, file, line, fmt, ap);
	va_end(ap);
}

int
sam_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sam_vlog(SAM_ERROR, NULL, 0, fmt, ap);
	va_end(ap);
	if (!log_json)		/* a JSON log stays one object a line */
		fputs(usage, stderr);
	return SAM_EXIT_USAGE;
}

/*
 * getopt_long's own messages go straight to stderr, as text, under the
 * name the program was called by; with opterr = 0 and a leading ':' in
 * the option string the tools report them here instead, in glibc's words.
 */
int
sam_getopt_error(int c, char *const argv[], const char *usage)
{
	const char *arg = argv[optind - 1];
	size_t n = strcspn(arg, "=");

	if (strncmp(arg, "--", 2) == 0) {
		if (c == ':')
			return sam_usage_error(usage, "option '%s' requires an argument", arg);
		if (optopt && arg[n] == '=')
			return sam_usage_error(usage, "option '%.*s' doesn't allow an argument", (int)n, arg);
		return sam_usage_error(usage, "unrecognized option '%s'", arg);
	}
	if (c == ':')
		return sam_usage_error(usage, "option requires an argument -- '%c'", optopt);
	return sam_usage_error(usage, "invalid option -- '%c'", optopt);
}

int
sam_check_env(const char *usage)
{
	const char *env;
	unsigned long v;
	int64_t t;

	if (bad_env_format && !format_from_option)
		return sam_usage_error(usage, "SAM_LOG_FORMAT: must be text or json: %s",
		    bad_env_format);
	if ((env = getenv("SAM_MAX_LINE")) && *env &&
	    sam_parse_ulong(env, 1, SAM_LINE_MAX_LIMIT, &v) < 0)
		return sam_usage_error(usage, "SAM_MAX_LINE: not a number of bytes "
		    "from 1 to %lu: %s", SAM_LINE_MAX_LIMIT, env);
	if ((env = getenv("SAM_NOW")) && *env &&
	    sam_parse_ts(env, strlen(env), &t, NULL) < 0)
		return sam_usage_error(usage, "SAM_NOW: not an RFC 3339 UTC time: %s", env);
	/* New York's zone (tzdata) and the closures file: their errors,
	 * with file and line, are logged by it; no usage line */
	if (sam_nyse_init() != 0)
		return SAM_EXIT_USAGE;
	return 0;
}

void
sam_fatal_errno(const char *fmt, ...)
{
	char what[1024];
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	sam_log(SAM_FATAL, NULL, 0, "unable to %s: %s", what, strerror(saved));
}

/*
 * Untrusted bytes go into messages quoted, with everything outside
 * printable ASCII escaped (so a terminal or a JSON log never sees raw
 * control or invalid bytes), and cut short so a 1 MB field cannot
 * flood the log.
 */
const char *
sam_quote(char *dst, size_t dstsize, const char *s, size_t len)
{
	size_t o = 0, i;
	const size_t cut = 40;

	if (dstsize < 8) {
		if (dstsize)
			dst[0] = '\0';
		return dst;
	}
	dst[o++] = '"';
	for (i = 0; i < len && i < cut && o + 6 < dstsize; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			dst[o++] = (char)c;
		} else {
			o += (size_t)snprintf(dst + o, dstsize - o, "\\x%02x", c);
		}
	}
	if (i < len && o + 4 < dstsize) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o++] = '"';
	dst[o] = '\0';
	return dst;
}

/* A short, printable excerpt of a body: the title of an HTML page, or
 * its first bytes with runs of white space made one blank. */
void
sam_excerpt(char *dst, size_t size, const char *body, size_t len)
{
	char flat[128];
	const char *t, *e;
	size_t n = 0, i;

	if ((t = strstr(body, "<title>")) && (e = strstr(t, "</title>")) && e > t + 7) {
		body = t + 7;
		len = (size_t)(e - body);
	}
	for (i = 0; i < len && n < sizeof flat - 1; i++) {
		unsigned char c = (unsigned char)body[i];
		if (isspace(c)) {
			if (n && flat[n - 1] != ' ')
				flat[n++] = ' ';
		} else {
			flat[n++] = (char)c;
		}
	}
	while (n && flat[n - 1] == ' ')
		n--;
	sam_quote(dst, size, flat, n);
}
