/*
 * store.h - the parts of sam-store: the root and its lock, day files,
 * atomic batches of writes, and one function per command.
 *
 * Layout (sam-store(5)):
 *   ROOT/raw/TICKER/YYYY-MM-DD.ndjson        keyed by (ticker, interval, ts)
 *   ROOT/anomalies/TICKER/YYYY-MM-DD.ndjson
 *   ROOT/dlq|alerts|runs/YYYY-MM-DD.ndjson   lines of JSON, no key
 *   ROOT/outbox/YYYY-MM-DD.ndjson   anomalies stored, not yet alerted
 *   ROOT/.lock      flock()ed by every writer
 *   ROOT/tmp/       a writer's temporary files; emptied under the lock
 *   ROOT/quarantine/   lines fsck --repair took out of a file
 */
#ifndef STORE_H
#define STORE_H

#include <getopt.h>
#include <stdint.h>

#include "sam.h"

enum kind { KIND_RAW, KIND_ANOMALIES, KIND_DLQ, KIND_ALERTS, KIND_RUNS, KIND_OUTBOX,
	KIND_N };
#define KIND_KEYED(k) ((k) <= KIND_ANOMALIES)	/* TICKER/DATE files */
extern const char *const kind_names[KIND_N];
int kind_parse(const char *name);	/* -1 if none */


/* ---- root.c ---- */

struct store {
	const char *root;	/* as the user gave it, for messages */
	int fd;			/* ROOT */
	int lockfd;		/* -1 until store_lock() */
	int tmpfd;		/* ROOT/tmp, once locked */
	unsigned long tmpseq;
	unsigned long lock_wait;	/* seconds */
};

/* Opens ROOT (creating it, and its parents, when create is set) and
 * refuses one anyone may write to.  0 or an exit status, reported. */
int store_open(struct store *, const char *root, int create);
void store_close(struct store *);
/* The writers' lock: waits up to lock_wait seconds, then empties
 * ROOT/tmp of what a killed writer left.  0 or SAM_EXIT_RUNTIME. */
int store_lock(struct store *);
void store_unlock(struct store *);	/* for a writer that goes on */
/* Opens dir NAME in dirfd without following a symbolic link, creating
 * it (mode 0750) when create is set.  -1 with errno. */
int store_subdir(int dirfd, const char *name, int create);
/* Grows the array *vp of elements of size bytes to hold need of them
 * (vp is the address of the array's pointer).  0, or -1 (ENOMEM). */
int store_grow(void *vp, size_t *cap, size_t need, size_t size);
/* Makes what was written durable (every file of the store). */
int store_sync(struct store *);
/* "ROOT/a/b/c" for messages, in a static buffer of a few slots. */
const char *store_path(const struct store *, const char *a, const char *b,
    const char *c);

/* The entries of a directory, sorted by name. */
enum { ENT_FILE, ENT_DIR, ENT_LINK, ENT_OTHER };
struct names {
	struct name {
		char *s;
		int type;
	} *v;
	size_t n, cap;
};
int names_list(int dirfd, struct names *);	/* -1 with errno */
void names_free(struct names *);
/* "YYYY-MM-DD.ndjson" -> days; -1 if the name is not one. */
int day_file_name(const char *name, int64_t *days);

/* ---- day.c: one day file ---- */

struct entry {
	const char *line;	/* in the day's buffer, no newline */
	uint32_t len, lineno;
	int64_t secs;
	int32_t ns;
	int16_t imin;		/* interval in minutes, 1d as 1440 */
	int8_t sev;		/* severity 0..3, -1 when none */
	uint8_t bad;		/* failed a check */
};

struct day {
	char *buf;
	size_t len;
	struct entry *e;
	size_t n, cap;
	unsigned long bad;	/* lines failing a check */
	unsigned long disorder;	/* lines out of order or repeating a key */
};

/* Reads NAME from dirfd whole.  1 when there is no such file, 0, or
 * -1 with errno (ELOOP for a symbolic link: never followed).  d must
 * start zeroed; its array of entries is kept from file to file. */
int day_read(int dirfd, const char *name, struct day *);
/* The same for TICKER/NAME in kindfd, in one system call where the
 * kernel has openat2 (a link in the ticker's place is ELOOP too). */
int day_read_at(int kindfd, const char *ticker, const char *name, struct day *);
/* Splits and checks the lines: JSON objects, and for a keyed kind a
 * valid key whose ticker is TICKER and whose New York date is DAY.
 * A bad line is reported through in (file set by the caller) and
 * marked.  Returns -1 on running out of memory. */
int day_parse(struct day *, struct sam_input *in, struct sam_rec *,
    const char *ticker, int64_t day);
/* The same, calling fn for each good line while rec holds it parsed
 * (so that a reader of the fields parses a line once); fn returns 0, or
 * -1 to stop (its error reported), which day_parse_each returns.  The
 * entry's pointer is not kept: the array may move. */
typedef int day_line_fn(struct sam_input *, const struct sam_rec *,
    const struct entry *, void *ctx);
int day_parse_each(struct day *, struct sam_input *in, struct sam_rec *,
    const char *ticker, int64_t day, day_line_fn *, void *ctx);
/* Counts (and reports unless quiet) lines out of key order or whose
 * key came before; for keyed kinds, after day_parse. */
void day_check_order(struct day *, struct sam_input *in, int quiet);
void day_free(struct day *);
int entry_cmp(const struct entry *, const struct entry *);
int interval_order(const char *interval);	/* imin for entry_cmp */
/* The key fields of a record: ticker, interval, ts, and the New York
 * date the record belongs to (which a "date" field must agree with). */
int record_key(struct sam_input *, const struct sam_rec *, struct sam_key *,
    int64_t *day);

/* ---- batch.c: day files replaced atomically, many at a time ---- */

/* Files are written to ROOT/tmp, made durable together, then renamed
 * into place, and the directories made durable: one sync for many
 * files instead of two fsyncs each. */
struct batch {
	struct store *s;
	struct pending {
		char tmp[24];
		char name[24];
		char *shown;
		int dir;	/* index in dirs */
		uint32_t tag;	/* the caller's, passed back on commit */
	} *p;
	size_t n, cap, bytes;
	int dirs[256];
	unsigned dirgen[256];
	size_t ndirs;
	/* Called first by each commit of a batch that is not empty, to
	 * make something durable before any of the batch is renamed (put's
	 * outbox); 0, or -1 after reporting, which fails the commit. */
	int (*before_commit)(void *ctx);
	void *hook_ctx;
};

/* Writes content as the next version of NAME in dirfd.  dirgen names
 * the directory (the same number for the same open directory).  May
 * commit the batch first, calling done.  0, or -1 after reporting. */
typedef void batch_done_fn(uint32_t tag, void *ctx);
int batch_add(struct batch *, int dirfd, unsigned dirgen, const char *name,
    const char *shown, const struct sam_buf *content, uint32_t tag,
    batch_done_fn *, void *ctx);
/* The next version of KIND/DATE.ndjson in dirfd: the lines it has,
 * then more.  0, or -1 after reporting. */
int batch_append(struct batch *, int dirfd, unsigned dirgen, const char *kind,
    int64_t date, const struct sam_buf *more);
/* Renames everything into place; done(tag) for each file in it.  0,
 * or -1 after reporting (then nothing more is renamed). */
int batch_commit(struct batch *, batch_done_fn *, void *ctx);
/* Throws away what was not committed, temporary files included, and
 * frees the batch. */
void batch_abort(struct batch *);

/* ---- the commands ---- */

int cmd_put(struct store *, int argc, char **argv);
int cmd_get(struct store *, int argc, char **argv);
int cmd_prune(struct store *, int argc, char **argv);
int cmd_fsck(struct store *, int argc, char **argv);
int cmd_stats(struct store *, int argc, char **argv);
int cmd_append(struct store *, int argc, char **argv);

/* The usage text of sam-store, for every command's errors. */
extern const char store_usage[];
/* The options every command takes, to end its table of long options. */
#define STORE_OPTIONS \
	{ "root", required_argument, NULL, 'r' }, \
	{ "log-format", required_argument, NULL, 'L' }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ NULL, 0, NULL, 0 }
/* getopt_long over a command's options, taking -r, --log-format and
 * --help (printing the usage and exiting).  Returns the next other
 * option, or -1 at the end; on an option error returns '?' with
 * *status set. */
int store_getopt(int argc, char **argv, const char *optstring,
    const struct option *, struct store *, int *status);

#endif
