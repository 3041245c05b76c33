/*
 * sam.h - the shared core of the sam tools.
 *
 * One header, sectioned by source file.  Every public name starts with
 * sam_ or SAM_.  The library reports errors by return value and never
 * calls exit(); the tools decide what an error means.
 */
#ifndef SAM_H
#define SAM_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifndef SAM_VERSION
#define SAM_VERSION "0.0.0"
#endif

/* Exit statuses shared by every tool (see sam(7)). */
enum sam_exit {
	SAM_EXIT_OK = 0,	/* success */
	SAM_EXIT_REJECT = 1,	/* some input records rejected */
	SAM_EXIT_USAGE = 2,	/* usage or configuration error */
	SAM_EXIT_RUNTIME = 3,	/* I/O, network, lock ... */
};

#define SAM_TICKER_MAX 20	/* bytes in a ticker */

#if defined(__GNUC__)
#define SAM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SAM_PRINTF(a, b)
#endif

/* ---- log.c: diagnostics in text or JSON ---- */

enum sam_level { SAM_FATAL, SAM_ERROR, SAM_WARNING, SAM_INFO };

void sam_log_init(const char *prog);
const char *sam_prog(void);
int sam_log_set_format(const char *name);	/* "text" or "json"; -1 if neither */
/* A diagnostic; every one is scrubbed of the secrets sam_secret_add()
 * registered, so none reaches a log whatever the message quotes. */
void sam_log(enum sam_level, const char *file, unsigned long line,
    const char *fmt, ...) SAM_PRINTF(4, 5);
void sam_vlog(enum sam_level, const char *file, unsigned long line,
    const char *fmt, va_list) SAM_PRINTF(4, 0);
/* A diagnostic with more to say in a JSON log: fields is a list of
 * JSON members ("k":v,...) added to the object; text shows msg alone. */
void sam_log_fields(enum sam_level, const char *fields, const char *fmt, ...)
    SAM_PRINTF(3, 4);
int sam_log_is_json(void);
/* Reports a usage error, prints the usage line; returns SAM_EXIT_USAGE. */
int sam_usage_error(const char *usage, const char *fmt, ...) SAM_PRINTF(2, 3);
/* For getopt_long's '?' and ':' (with opterr = 0, optstring ":..."). */
int sam_getopt_error(int c, char *const argv[], const char *usage);
/* After the options: SAM_LOG_FORMAT (unless --log-format was given),
 * SAM_MAX_LINE and SAM_NOW must be usable.  0 or SAM_EXIT_USAGE. */
int sam_check_env(const char *usage);
/* "prog: fatal: unable to WHAT: strerror(errno)" */
void sam_fatal_errno(const char *fmt, ...) SAM_PRINTF(1, 2);
/* Quote untrusted bytes for a message: "..." with escapes, cut at 40. */
const char *sam_quote(char *dst, size_t dstsize, const char *s, size_t len);
#define SAM_QUOTE_MAX 64
/* A short, quoted excerpt of a response body for a message: an HTML
 * page's title, or the first bytes with blanks squeezed. */
void sam_excerpt(char *dst, size_t size, const char *body, size_t len);

/* ---- help.c: --help and --version ---- */

/* One option in --help: "-w, --window n" and what it does, with its
 * default; a '\n' in text starts an indented line.  NULL opt ends. */
struct sam_help {
	const char *opt, *text;
};
/* usage, the options under a title, "See page."; the write to standard
 * output is checked: SAM_EXIT_OK, or SAM_EXIT_RUNTIME after the error. */
int sam_help(const char *usage, const struct sam_help *opts, const char *page);
void sam_help_options(const char *title, const struct sam_help *opts);
int sam_help_end(const char *page);	/* "See page.", then the check */
int sam_version(const char *tool);	/* "tool 0.1.0", checked the same */

/* ---- opt.c: the options every tool takes ---- */

/* Their long options, for a tool's table (getopt.h's struct option):
 * --log-format and --help in every tool and command, --version in
 * every tool; SAM_OPTS_COMMON is the three, and the table's end. */
#define SAM_OPT_LOG_FORMAT { "log-format", required_argument, NULL, 'L' }
#define SAM_OPT_HELP { "help", no_argument, NULL, 'h' }
#define SAM_OPT_VERSION { "version", no_argument, NULL, 'V' }
#define SAM_OPTS_COMMON SAM_OPT_LOG_FORMAT, SAM_OPT_HELP, SAM_OPT_VERSION, \
	{ NULL, 0, NULL, 0 }

/* What a tool's --help, --version and usage errors say. */
struct sam_tool {
	const char *name;		/* "sam-fetch", for --version */
	const char *usage;		/* the usage, for every usage error */
	const struct sam_help *help;	/* --help: usage, these options, page */
	const char *page;		/* "sam-fetch(1)" */
	/* else a help of its own, given the word before the options (a
	 * tool of commands: the command's name, or the tool's) */
	int (*own_help)(const char *word);
};

#define SAM_OPT_NEXT (-1)
/*
 * For the default: of a tool's getopt_long switch (opterr = 0, the
 * optstring starting with ':'): -L (--log-format), -h (--help), -V
 * (--version) and getopt's '?' and ':'.  SAM_OPT_NEXT after a good
 * --log-format, else the status to exit with: --help's and --version's
 * (SAM_EXIT_OK once written, SAM_EXIT_RUNTIME if not), or a usage
 * error's (SAM_EXIT_USAGE, the message and the usage on stderr).
 */
int sam_opt_common(int c, char *const argv[], const struct sam_tool *);

/* ---- buf.c: growable byte buffers and the stdout writer ---- */

struct sam_buf {
	char *p;
	size_t len, cap;
	int err;		/* sticky: set once an allocation failed */
};

/* Room for extra more bytes; -1 (and err) when there can be none.  The
 * test for room is inline: writers ask it for every member they put. */
int sam_buf_grow(struct sam_buf *, size_t extra);
static inline int
sam_buf_reserve(struct sam_buf *b, size_t extra)
{
	return !b->err && extra <= b->cap - b->len ? 0 : sam_buf_grow(b, extra);
}
/* Grows the array *vp of elements of size bytes to hold need of them
 * (vp is the address of the array's pointer), to twice what it had or
 * more.  0, or -1 (ENOMEM). */
int sam_grow(void *vp, size_t *cap, size_t need, size_t size);
void sam_buf_put(struct sam_buf *, const void *, size_t);
void sam_buf_putc(struct sam_buf *, char);
void sam_buf_puts(struct sam_buf *, const char *);
void sam_buf_printf(struct sam_buf *, const char *fmt, ...) SAM_PRINTF(2, 3);
void sam_buf_num(struct sam_buf *, double);	/* JSON number; null if not finite */
void sam_buf_int(struct sam_buf *, long long);
void sam_buf_jstr(struct sam_buf *, const char *, size_t);	/* quoted, escaped */
void sam_buf_grouped(struct sam_buf *, double);	/* 41,234,567 */
/* A path segment or query value: all but A-Z a-z 0-9 . _ - ~ as %XX. */
void sam_buf_urlpart(struct sam_buf *, const char *);
void sam_buf_free(struct sam_buf *);

/* Standard output: records gather in a buffer written out in large
 * blocks.  sam_out_close() flushes and reports any write error. */
struct sam_buf *sam_out(void);
int sam_out_maybe_flush(void);		/* 0, or -1 with errno */
int sam_out_flush(void);		/* now: 0, or -1 with errno */
int sam_out_close(void);		/* 0, or -1 with errno */
/* Closes standard output at the end of a run: a write error is
 * reported once, here, and turns the status into SAM_EXIT_RUNTIME. */
int sam_out_finish(int status);

/* ---- line.c: NDJSON line reading ---- */

#define SAM_LINE_MAX_DEFAULT (1024 * 1024)
#define SAM_LINE_MAX_LIMIT (1UL << 30)	/* the most SAM_MAX_LINE may say */

enum sam_line_status {
	SAM_LINE_OK = 1,
	SAM_LINE_EOF = 0,
	SAM_LINE_ERROR = -1,	/* read error, errno set */
	SAM_LINE_LONG = -2,	/* line over the limit: skipped */
};

struct sam_lines {
	int fd;
	const char *name;	/* as given; "-" for stdin */
	char *buf;
	size_t cap, start, end;
	size_t max;		/* longest line accepted, in bytes */
	unsigned long lineno;
	int eof, discarding;
	int keep_blank;		/* return blank lines too (CSV) */
	int borrowed;		/* buf is the caller's */
};

int sam_lines_open(struct sam_lines *, const char *path, size_t max);
/* Lines of text in memory: buf[len] must be writable (it may get a
 * NUL); buf is neither copied nor freed. */
void sam_lines_open_mem(struct sam_lines *, const char *name, char *buf,
    size_t len, size_t max);
/* Next non-blank line, NUL-terminated, CR LF and LF stripped. */
int sam_lines_next(struct sam_lines *, char **line, size_t *len);
void sam_lines_close(struct sam_lines *);
size_t sam_line_max(void);	/* SAM_MAX_LINE or the default */

/* ---- input.c: the loop over input files every filter shares ---- */

struct sam_rec;

struct sam_input {
	const char *file;	/* the file being read */
	unsigned long line;	/* and the line */
	unsigned long records, rejected;
	int strict;		/* --strict: the first rejection is fatal */
	int status;		/* the exit status so far */
	/* sam_get_key's last valid ticker and interval as they stood in
	 * the line (quotes and all): records come a ticker at a time, so
	 * most are checked once a run */
	struct {
		char ticker[SAM_TICKER_MAX + 3], interval[8];
		unsigned char tlen, ilen;	/* 0: none */
		int minutes;	/* the interval's */
	} seen;
};

/* Called for each record; returns 0, or -1 after sam_reject(), or -2 on
 * a runtime failure it has reported (the loop stops, exit status 3). */
typedef int sam_record_fn(struct sam_input *, struct sam_rec *, void *ctx);

/* Reads files (stdin when nfiles is 0) and returns the exit status. */
int sam_input_run(struct sam_input *, char *const *files, int nfiles,
    sam_record_fn *, void *ctx);
/* Reports the current record as rejected: "prog: FILE:LINE: reason".
 * Returns -1, for "return sam_reject(...)". */
int sam_reject(struct sam_input *, const char *fmt, ...) SAM_PRINTF(2, 3);

/* A bar's key (ticker, interval, ts), validated. */
struct sam_key {
	char ticker[SAM_TICKER_MAX + 1];
	char interval[8];
	int minutes;		/* the interval's, sam_interval_minutes() */
	char ts[40];
	int64_t secs;
	long ns;
};

struct sam_field;
/* Field checks that reject the record with a precise reason: missing,
 * wrong type, invalid value.  0 or -1. */
int sam_get_string(struct sam_input *, const struct sam_field *,
    const char *name, char *buf, size_t size,
    int (*valid)(const char *, size_t), const char *what);
int sam_get_number(struct sam_input *, const struct sam_field *,
    const char *name, double *out);
/* The same for an optional number: absent and null leave *has 0. */
int sam_get_number_opt(struct sam_input *, const struct sam_field *,
    const char *name, double *out, int *has);
/* f[] holds the ticker, interval and ts fields (NULL when absent). */
int sam_get_key(struct sam_input *, const struct sam_field *const f[3],
    struct sam_key *);

/* ---- json.c: one NDJSON record, scanned in place ---- */

enum sam_jtype {
	SAM_JNULL, SAM_JFALSE, SAM_JTRUE, SAM_JNUMBER, SAM_JSTRING,
	SAM_JARRAY, SAM_JOBJECT
};

/* A member of the top-level object.  key is the decoded name (for
 * comparison), rawkey/val the bytes as they stand in the line. */
struct sam_field {
	const char *key, *rawkey, *val;
	uint32_t klen, rawklen, vlen;
	uint8_t type;
	uint8_t plain;		/* a number without exponent, as the fast
				 * path found it; 0: not known */
};

struct sam_rec {
	struct sam_field *f;
	size_t n, cap;
	char *keybuf;		/* decoded names of escaped keys */
	size_t keycap;
	int compact;		/* the fast path's: the members side by side,
				 * one ',' between, from line + 1 to the '}' */
};

/* Parses one line as a JSON object.  On error returns -1 and sets
 * *err to a static reason and *at to the 1-based byte offset. */
int sam_rec_parse(struct sam_rec *, const char *line, size_t len,
    const char **err, size_t *at);
void sam_rec_free(struct sam_rec *);
const struct sam_field *sam_rec_get(const struct sam_rec *, const char *key);
/* Finds several keys in one pass: out[i] is NULL when key i is absent.
 * Returns the index of a key that occurs twice, or -1. */
int sam_rec_find(const struct sam_rec *, const char *const *keys, size_t n,
    const struct sam_field **out);
/* The same with the names prepared once, for a loop over records: a
 * small hash of them (up to SAM_KEYS_MAX). */
#define SAM_KEYS_MAX 64
struct sam_keys {
	const char *key[SAM_KEYS_MAX];
	size_t klen[SAM_KEYS_MAX];
	size_t n;
	unsigned bits;				/* of the slots in use */
	unsigned char slot[2 * SAM_KEYS_MAX];	/* index + 1; 0: empty */
};
void sam_keys_init(struct sam_keys *, const char *const *keys, size_t n);
int sam_rec_find_keys(const struct sam_rec *, const struct sam_keys *,
    const struct sam_field **out);
const char *sam_jtype_name(int type);
/* Decodes a JSON string value into dst (NUL-terminated); -1 if too long. */
int sam_jstr_decode(const struct sam_field *, char *dst, size_t dstsize,
    size_t *len);
int sam_field_number(const struct sam_field *, double *out);	/* -1: not finite */
/* Above |value| of a number field, from its first digits (json.c):
 * bound < t proves value < t without the parse; INFINITY when the
 * field is no number, or not known plain, or of over 15 integer
 * digits. */
double sam_field_abs_bound(const struct sam_field *);

/* Changes to a record: replace a field's value where the key exists,
 * append the field otherwise. */
#define SAM_EDITS_MAX 40
#define SAM_NUM_MAX 32		/* room for sam_format_double's text */
struct sam_edits {
	struct sam_buf vals;
	size_t n;
	struct {
		const char *key;
		size_t klen;
		size_t pre, off;	/* in vals: its ,"key": and its value */
	} e[SAM_EDITS_MAX];
	/* the number last written as the i-th edit, and its text: the
	 * records of one series repeat many (a window's median, "n") */
	struct {
		double v;
		unsigned char len;	/* 0: none yet */
		char text[SAM_NUM_MAX];
	} num[SAM_EDITS_MAX];
};

void sam_edits_reset(struct sam_edits *);
void sam_edits_free(struct sam_edits *);
/* Returns the buffer to write the new value of key into.  A key is a
 * name that does not change (a literal, a table filled once): the i-th
 * edit's length is kept from the record before when its address is the
 * same. */
struct sam_buf *sam_edits_add(struct sam_edits *, const char *key);
void sam_edits_num(struct sam_edits *, const char *key, double);
void sam_edits_raw(struct sam_edits *, const char *key, const char *json, size_t);
/* The most sam_rec_write() writes for the record and its edits: the
 * room it reserves, so that a buffer with that much free never moves. */
size_t sam_rec_write_size(const struct sam_rec *, const struct sam_edits *);
/* Writes the record with the edits applied, and a newline. */
void sam_rec_write(const struct sam_rec *, const struct sam_edits *,
    struct sam_buf *);

/* ---- num.c: numbers in and out ---- */

/* Parses a decimal number (JSON grammar; with lax != 0 also a leading
 * '+', leading zeros and ".5").  Returns 0, or -1 if the text is not a
 * number, -2 if it overflows to infinity. */
int sam_parse_number(const char *s, size_t len, int lax, double *out);
/* Shortest text that reads back as the same double; NUL-terminated.
 * buf needs SAM_NUM_MAX bytes (above).  Returns the length. */
size_t sam_format_double(char *buf, double);
/* Parses a whole non-negative decimal integer into [lo, hi]. */
int sam_parse_ulong(const char *s, unsigned long lo, unsigned long hi,
    unsigned long *out);
/* Durations, in one grammar: a number (as sam_parse_number with lax:
 * "90", "1.5", ".5", "1e3") of seconds, or with the unit s, m, h or d
 * after it ("90s", "1.5m", "24h", "2d").  Milliseconds, rounded, of a
 * duration from lo to hi seconds (hi at most 2e6): 0, or -1. */
int sam_parse_duration_ms(const char *s, double lo, double hi, long *ms);
/* Whole seconds, from 0 to 10 years ("1.5m" is 90; "0.5" is not whole). */
int sam_parse_duration(const char *s, unsigned long *secs);

/* ---- valid.c: the record contract's validators ---- */

int sam_valid_ticker(const char *s, size_t len);
int sam_valid_utf8(const char *s, size_t len, size_t *bad);	/* 1 if valid */
/* Interval name -> minutes (1d -> 0); -1 if unknown. */
int sam_interval_minutes(const char *s, size_t len);
/* The interval of so many minutes (0: 1d), "?" for none of them. */
const char *sam_interval_name(int minutes);
int sam_valid_interval(const char *s, size_t len);
int sam_valid_ts(const char *s, size_t len);	/* RFC 3339, sam_parse_ts */
/* The value of a hexadecimal digit, either case; -1 if c is not one. */
int sam_hexval(int c);

/* ---- time.c: civil dates, RFC 3339, America/New_York ---- */

/* Days since 1970-01-01 for a proleptic Gregorian date. */
int64_t sam_days_from_civil(int y, int m, int d);
void sam_civil_from_days(int64_t days, int *y, int *m, int *d);
int sam_weekday(int64_t days);		/* 0 = Sunday */
int64_t sam_nth_weekday(int y, int m, int wd, int n);	/* n 0: the last */
int sam_make_date(int y, int m, int d, int64_t *days);	/* -1: no such date */
int sam_parse_digits(const char *s, int n, int *out);	/* exactly n digits */
int sam_parse_date(const char *s, size_t len, int64_t *days);	/* YYYY-MM-DD */
/* YYYY-MM-DDTHH:MM:SS[.f]Z -> seconds; nanoseconds in *ns (may be NULL). */
int sam_parse_ts(const char *s, size_t len, int64_t *secs, long *ns);
void sam_format_date(char buf[11], int64_t days);
void sam_format_ts(char buf[21], int64_t secs);
/* New York time, from tzdata's America/New_York (see tz.c).  Before
 * the first of these, a tool calls sam_nyse_init(), which reads the
 * zone; without it the zone is read at the first use and a failure is
 * logged there, standard time (-5 h) standing in. */
#define SAM_NY_ZONE "America/New_York"
const char *sam_ny_path(void);		/* TZDIR or /usr/share/zoneinfo, + the zone */
int sam_ny_init(void);			/* 0, or -1 and the error logged */
int sam_ny_offset(int64_t utc);		/* UTC offset in seconds (-14400 EDT) */
/* A New York wall-clock time to UTC: a repeated hour's later instant. */
int64_t sam_ny_to_utc(int64_t days, int minute_of_day);
int64_t sam_ny_date(int64_t utc);	/* the New York date of an instant */
int64_t sam_now(void);			/* SAM_NOW or the clock */
int64_t sam_mono_ms(void);		/* a clock for waits: monotonic ms */
int64_t sam_mono_us(void);		/* the same in microseconds */

/* ---- tz.c: time zones from the system's tzdata (TZif files) ---- */

struct sam_tz;
const char *sam_tz_dir(void);		/* $TZDIR, else /usr/share/zoneinfo */
/* A zone from a TZif file or its bytes; NULL with *why saying why. */
struct sam_tz *sam_tz_load(const char *path, const char **why);
struct sam_tz *sam_tz_parse(const void *data, size_t len, const char **why);
void sam_tz_free(struct sam_tz *);
/* The UTC offset at an instant, seconds east; the last answer's
 * interval is kept, so a run of instants in one season costs little
 * (and a zone is one thread's at a time: the tools have one). */
int sam_tz_offset(struct sam_tz *, int64_t utc);
/* The first instant after utc where the offset changes; INT64_MAX if none. */
int64_t sam_tz_next(struct sam_tz *, int64_t utc);

/* ---- nyse.c: the NYSE trading calendar ---- */

/* Reads New York's zone and the closures file: SAM_CLOSURES_FILE, else
 * SAM_CLOSURES_DEFAULT if it exists ("YYYY-MM-DD [reason]" lines, '#'
 * comments).  Errors are logged ("FILE:LINE: reason"); returns 0 or
 * SAM_EXIT_USAGE.  Once is enough; later calls return the first answer. */
#ifndef SAM_SYSCONFDIR
#define SAM_SYSCONFDIR "/usr/local/etc"
#endif
#define SAM_CLOSURES_DEFAULT SAM_SYSCONFDIR "/sam/closures"
int sam_nyse_init(void);

/* Minute of the New York day the session closes: 960 (16:00), 780
 * (13:00) on early-close days, 0 when the exchange is closed.  If name
 * is given it receives the holiday's name or NULL. */
int sam_nyse_close(int64_t days, const char **name);
int sam_nyse_is_open(int64_t days);
#define SAM_NYSE_OPEN_MINUTE 570	/* 09:30 */
/* The last trading day on or before / after days. */
int64_t sam_nyse_prev(int64_t days);
int64_t sam_nyse_next(int64_t days);
/* The hourly job's run slots: 09:30, 10:30, ... while the session is
 * open and 30 minutes after the close, as minutes of the New York day. */
#define SAM_NYSE_SLOTS_MAX 9
int sam_nyse_slots(int64_t days, int slot[SAM_NYSE_SLOTS_MAX]);
int64_t sam_nyse_next_slot(int64_t utc);	/* the first slot after utc */
int64_t sam_nyse_prev_slot(int64_t utc);	/* the last slot at or before */
/* 1 when a run slot began at most window minutes before utc, else 0;
 * why gets the reason in words ("run slot 10:30", "the exchange is
 * closed: Good Friday"). */
int sam_nyse_due(int64_t utc, int window, char *why, size_t size);

/* ---- roll.c: rolling window statistics ---- */

/* The last W values of a series, with sums kept so that mean and
 * standard deviation cost O(1) and stay as exact as a two-pass
 * computation over the window. */
struct sam_roll {
	double *x;
	size_t w, cap, n, head;
	double shift;		/* sums are of x - shift */
	double s1, c1, s2, c2;	/* compensated sums */
	double mag;		/* magnitude moved through s2 since refresh */
	int fresh;		/* sums rebuilt since the last push */
	double *sorted;		/* with keep_sorted: the window in order */
	int keep_sorted;	/* set before the first push: O(1) medians;
				 * sums are then made by sam_roll_stats */
};

int sam_roll_init(struct sam_roll *, size_t w);
void sam_roll_free(struct sam_roll *);
int sam_roll_push(struct sam_roll *, double);	/* -1: out of memory */
/* Mean and standard deviation (ddof 0 or 1); *dev receives x - mean,
 * computed without cancellation.  Returns -1 if n - ddof < 1. */
int sam_roll_stats(struct sam_roll *, int ddof, double x, double *mean,
    double *sd, double *dev);
/* The median of a[0..n), n > 0; a is reordered. */
double sam_median(double *a, size_t n);
/* Median and 1.4826 x MAD of n > 0 values in increasing order. */
void sam_sorted_robust(const double *sorted, size_t n, double *median, double *mad);
/* The same of a window that keeps its values sorted (keep_sorted set
 * before its first push); -1 if empty or not sorted. */
int sam_roll_robust(const struct sam_roll *, double *median, double *mad);

/* ---- calib.c: z-scores as tail probabilities (links GSL) ---- */

/* Two-sided tail probability of |z| from a window of n values (a mean
 * and standard deviation, or with robust a median and MAD), with
 * tail_df (0: none) the degrees of freedom of a fat-tailed series. */
double sam_calib_p(double absz, double n, double tail_df, int robust);
/* The normal deviate as rare as p: Phi^-1(1 - p/2); 0 for p >= 1. */
double sam_calib_score(double p);
/* The |z| whose score is score: the inverse of the two above. */
double sam_calib_z(double score, double n, double tail_df, int robust);
/* The |z| whose two-sided tail probability is p. */
double sam_calib_z_of_p(double p, double n, double tail_df, int robust);
/* The |z| at which a bar of `tests` scored metrics reaches score, its
 * probability shared among them as sam-detect does (Bonferroni). */
double sam_calib_z_at(double score, double n, int tests, double tail_df,
    int robust);

/* ---- profile.c: detection profiles (sam(7)) ---- */

struct sam_profile {
	const char *name;
	const char *metrics;		/* sam-zscore -m */
	const char *market_metrics;	/* the same, with --market */
	int robust;			/* sam-zscore --robust */
	double threshold;		/* sam-detect -t */
	double tail_df;			/* --tail-df; 0: |z| as it is */
	double fdr;			/* --fdr; 0: none */
	double move;			/* --move: |return - market| floor; 0: none */
	double rvol;			/* --rvol: relative volume floor; 0: none */
};

const struct sam_profile *sam_profile_find(const char *name);	/* NULL: none */
/* The profile of --profile (opt, or NULL), else SAM_PROFILE, else none
 * (*out NULL): 0, or SAM_EXIT_USAGE after saying which name is unknown. */
int sam_profile_choose(const char *opt, const char *usage,
    const struct sam_profile **out);
/* --tail-df: 0 (off) or above 2, to 1e6; --move, --rvol: 0 (off) or
 * more.  0, or -1. */
int sam_parse_tail_df(const char *s, double *df);
int sam_parse_floor(const char *s, double *v);
/* A threshold (-t, SAM_THRESHOLD, a band): a number above 0.  0, or -1. */
int sam_parse_threshold(const char *s, double *v);

/* ---- watch.c: the watch list file ---- */

/* The ticker s (len bytes) upper-cased into out; -1 if not a ticker. */
int sam_ticker_fold(const char *s, size_t len, char out[SAM_TICKER_MAX + 1]);
/* Called for each ticker of the file, with its own threshold (NAN:
 * none); -1 when out of memory. */
typedef int sam_watch_fn(void *ctx, const char *ticker, double threshold);
/* Reads a watch list (a ticker a line, a threshold after it if wanted,
 * '#' comments; "-" is stdin): 0, or the exit status after a message
 * with FILE:LINE. */
int sam_watch_read(const char *path, sam_watch_fn *, void *ctx);

/* ---- anomaly.c: sam-detect's anomaly records, read back ---- */

/* The one table of severities, lowest first: their names, and the
 * default lower bounds of the bands above low (sam-detect -b). */
#define SAM_SEVERITIES 4
extern const char *const sam_severity_names[SAM_SEVERITIES];	/* low .. critical */
extern const double sam_severity_bands[SAM_SEVERITIES - 1];	/* 2.5, 3, 4 */
#define SAM_SEVERITY_LIST "low, medium, high or critical"	/* for messages */
int sam_severity_parse(const char *s, size_t len);	/* 0..3, -1 if none */
/* The severity of a score: the highest band whose bound it reaches. */
int sam_severity_of(double score, const double bands[SAM_SEVERITIES - 1]);
/* A market series' name as sam-zscore writes it: the ticker given to
 * --market-ticker, or "cross" for the cross-sectional median. */
int sam_valid_market(const char *s, size_t len);

#define SAM_METRICS_MAX 8	/* metrics shown for an anomaly */
#define SAM_METRIC_NAME_MAX 24
#define SAM_ID_MAX (SAM_TICKER_MAX + 8 + 40 + 2)

struct sam_anomaly {
	struct sam_key key;
	char id[SAM_ID_MAX + 1];	/* TICKER:INTERVAL:TS */
	int sev;		/* 0 low .. 3 critical */
	double score, close, volume, threshold;
	int has_close, has_volume, has_threshold;
	/* the signal of the recommended profile, where the record has it */
	double ret, rvol, excess, p;	/* "return", "rvol", "excess", "p" */
	int has_ret, has_rvol, has_excess, has_p;
	char market[SAM_TICKER_MAX + 1];	/* "market": a ticker, "cross" or "" */
	int market_event;	/* "event":"market": a market-wide move */
	int unfinished;		/* "final":false: the bar was in progress */
	unsigned nmetrics;	/* largest |z| first, as sam-detect lists them */
	struct sam_metric {
		char name[SAM_METRIC_NAME_MAX + 1];	/* [a-z0-9_] */
		double z;
		int has_z;
	} metric[SAM_METRICS_MAX];
};

/* Checks an anomaly record (key, anomaly:true, severity, score, metrics
 * and their z, id; close, volume, threshold and the signal's return,
 * rvol, excess, p, event and final when present; no field twice) and
 * fills a: 0, or -1 after sam_reject().  A market that is not
 * sam_valid_market() is left empty. */
int sam_anomaly_parse(struct sam_input *, const struct sam_rec *,
    struct sam_anomaly *);

/* ---- map.c: string-keyed hash map ---- */

struct sam_map_entry {
	char *key;
	size_t klen;
	uint64_t hash;
	void *val;
};

struct sam_map {
	struct sam_map_entry *slot;
	size_t cap, n;
};

/* Returns the value slot for key, inserting NULL when absent; NULL on
 * allocation failure.  *isnew tells whether it was inserted. */
void **sam_map_put(struct sam_map *, const char *key, size_t klen, int *isnew);
void *sam_map_get(const struct sam_map *, const char *key, size_t klen);
void sam_map_free(struct sam_map *, void (*freeval)(void *));
uint64_t sam_hash(const void *, size_t, uint64_t seed);
/*
 * A bar time (its interval in minutes, 0 for 1d, and its instant), the
 * first member of what a caller keeps for each time in a map, and the
 * time the first series to leave it went to next: a series' bars are
 * most often at the times of the series before it.
 */
struct sam_when {
	int64_t secs;
	long ns;
	int minutes;
	struct sam_when *next;
};
/* A bar time as a map's key, into key (SAM_WHEN_KEY bytes); its length. */
#define SAM_WHEN_KEY (sizeof(int) + sizeof(int64_t) + sizeof(long))
size_t sam_when_key(char *key, int minutes, int64_t secs, long ns);
/* The struct of a bar time in m (size bytes, a struct sam_when first),
 * made zeroed when new (*isnew).  *last is the series' time before: the
 * one after it is tried before the hash, and the result becomes *last.
 * NULL when out of memory. */
void *sam_when_find(struct sam_map *m, int minutes, int64_t secs, long ns,
    struct sam_when **last, size_t size, int *isnew);
/* SplitMix64's finalizer: 64 bits, each input bit spread over all of them. */
uint64_t sam_mix64(uint64_t);

/* ---- url.c: URLs (links libcurl) ---- */

/* 0, or a reason the URL may not be fetched: not http(s), or plain
 * http to a host that is not loopback unless allow_http. */
const char *sam_url_check(const char *url, int allow_http);
/* Same scheme, host and port. */
int sam_url_same_origin(const char *a, const char *b);
/* The URL as messages show it, credentials and the values of query
 * parameters that carry keys replaced; malloc'ed, NULL if no memory. */
char *sam_url_shown(const char *url);
/* "scheme://host[:port]" in buf, for an address whose path is secret. */
const char *sam_url_origin(const char *url, char *buf, size_t size);
/* Remembers the parts of a URL no message may show (sam_secret_add):
 * its user info, the values of the query parameters that carry keys,
 * and with path also its path and query from the first segment of 6
 * or more characters with a digit or a capital (a webhook's token:
 * "T0ABCDEF/B0ABCDEF/XXXX" of Slack's /services/T0ABCDEF/B0ABCDEF/XXXX),
 * or all of it if none has one and it is longer than 5.
 * 0, or -1 when out of room. */
int sam_url_secrets(const char *url, int path);
/* A failed transfer in a user's words ("timed out (--timeout 10 s)"). */
void sam_curl_error(int code, long timeout_ms, char *buf, size_t size);
/* The seconds the answer's Retry-After asks for, as libcurl read it
 * from the easy handle (a number or an HTTP date): the one reading of
 * it, for sam_retry_next(); -1 if none. */
long sam_curl_retry_after(void *easy);

/* ---- retry.c: which failed HTTP requests are tried again, and when ---- */

#define SAM_RETRY_WAIT_MS 1000	/* the first wait; each next one is twice it */
#define SAM_RETRY_AFTER_CAP 60	/* s: a 429 asking for longer is not retried */

/* 1 if what an attempt came to may pass when tried again: a transfer
 * that failed (code, a CURLcode, nonzero) by a timeout, a refused,
 * unresolved or dropped connection; or an answer (code 0) of HTTP 408,
 * 429 or 5xx.  Any other failure is final. */
int sam_retry_may_pass(int code, long status);

struct sam_retry {
	unsigned long retries;	/* attempts after the first (--retries) */
	long wait_ms;		/* the first wait: SAM_RETRY_WAIT_MS */
};

enum sam_retry_verdict {
	SAM_RETRY_NO,		/* final, or no attempt left */
	SAM_RETRY_AGAIN,	/* after *wait_ms */
	SAM_RETRY_AFTER,	/* after *wait_ms, as the 429's Retry-After asks */
	SAM_RETRY_TOO_LONG,	/* Retry-After asks for more than the cap */
};

/* After attempt number `attempt` (1 for the first) came to code and
 * status, whether to try again and how long to wait first, in *wait_ms
 * (as messages show it, before jitter): the first wait doubled for
 * each attempt before, or on a 429 the retry_after seconds of its
 * Retry-After (sam_curl_retry_after(); 0 or -1: none).  With
 * SAM_RETRY_TOO_LONG, *wait_ms is what Retry-After asked for. */
enum sam_retry_verdict sam_retry_next(const struct sam_retry *, unsigned attempt,
    int code, long status, long retry_after, int64_t *wait_ms);
/* The wait to sleep: wait_ms and 0 to 10 % more, at random, so that
 * requests that failed together are not tried again together. */
int64_t sam_retry_jitter(int64_t wait_ms);

/* ---- secret.c: secrets from files, and scrubbed from messages ---- */

/* The first line of PATH, a regular file its group and others have no
 * permission on; malloc'ed.  NULL after reporting why not (what names
 * the secret in messages: "key file", "URL file"). */
char *sam_read_secret(const char *path, const char *what);
/* Zeroes and frees a secret. */
void sam_free_secret(char *);
/* Remembers a secret no message may show (a key, a part of a URL);
 * 0, or -1 when out of memory. */
int sam_secret_add(const char *, size_t len);
void sam_secrets_clear(void);	/* zeroes and forgets them */
/* Appends text to out with every run that reads as 6 or more
 * characters of a secret (the whole of a shorter one) replaced by
 * REDACTED: as written, or with its %XX, %25XX, JSON or HTML escapes
 * read.  cut: the text was cut short, so a shorter run at its end goes
 * too.  0, or -1 when out of memory. */
int sam_scrub_buf(struct sam_buf *out, const char *text, size_t len, int cut);
/* The same, in place, for the string in a buffer of size bytes: the
 * result is cut to fit after it was scrubbed. */
void sam_scrub(char *s, size_t size, int cut);
/* sam_excerpt() of a body scrubbed first (cut: only part of the body
 * was kept). */
void sam_excerpt_scrubbed(char *dst, size_t size, const char *body, size_t len, int cut);
/* sam_quote() of untrusted bytes scrubbed first (a quote is cut short:
 * the logger would not see a secret's head at its end); returns dst. */
const char *sam_quote_scrubbed(char *dst, size_t size, const char *s, size_t len);

#endif
