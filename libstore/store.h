/*
 * store.h - libstore, the store's layer, one prefix (store_, STORE_)
 * for every name: the root and its lock, the kinds and their paths, day
 * files (names, reading, keys), atomic batches of writes, the one walk
 * over a kind's day files and the one rule for rewriting a day file.
 * sam-store's commands, sam-alert's state and sam-serve-static's
 * loading all go through it.
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

#include <stdint.h>

#include "sam.h"

enum store_kind { STORE_RAW, STORE_ANOMALIES, STORE_DLQ, STORE_ALERTS, STORE_RUNS,
	STORE_OUTBOX, STORE_KINDS };
#define STORE_KEYED(k) ((k) <= STORE_ANOMALIES)	/* TICKER/DATE files */
extern const char *const store_kind_names[STORE_KINDS];
int store_kind_parse(const char *name);	/* -1 if none */

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
/* Makes what was written durable (every file of the store). */
int store_sync(struct store *);
/* "ROOT/a/b/c" for messages, in a static buffer of a few slots. */
const char *store_path(const struct store *, const char *a, const char *b,
    const char *c);

/* The entries of a directory, sorted by name. */
enum { STORE_ENT_FILE, STORE_ENT_DIR, STORE_ENT_LINK, STORE_ENT_OTHER };
struct store_names {
	struct store_name {
		char *s;
		int type;
	} *v;
	size_t n, cap;
};
int store_names_list(int dirfd, struct store_names *);	/* -1 with errno */
void store_names_free(struct store_names *);
/* "YYYY-MM-DD.ndjson" -> days; -1 if the name is not one. */
int store_day_name(const char *name, int64_t *days);

/* ---- day.c: one day file ---- */

struct store_entry {
	const char *line;	/* in the day's buffer, no newline */
	uint32_t len, lineno;
	int64_t secs;
	int32_t ns;
	int16_t imin;		/* interval in minutes, 1d as 1440 */
	int8_t sev;		/* severity 0..3, -1 when none */
	uint8_t bad;		/* failed a check */
};

struct store_day {
	char *buf;
	size_t len;
	struct store_entry *e;
	size_t n, cap;
	unsigned long bad;	/* lines failing a check */
	unsigned long disorder;	/* lines out of order or repeating a key */
};

/* Reads NAME from dirfd whole.  1 when there is no such file, 0, or
 * -1 with errno (ELOOP for a symbolic link: never followed).  d must
 * start zeroed; its array of entries is kept from file to file. */
int store_day_read(int dirfd, const char *name, struct store_day *);
/* The same for TICKER/NAME in kindfd, in one system call where the
 * kernel has openat2 (a link in the ticker's place is ELOOP too). */
int store_day_read_at(int kindfd, const char *ticker, const char *name, struct store_day *);
/* Splits and checks the lines: JSON objects, and for a keyed kind a
 * valid key whose ticker is TICKER and whose New York date is DAY.
 * A bad line is reported through in (file set by the caller) and
 * marked.  Returns -1 on running out of memory. */
int store_day_parse(struct store_day *, struct sam_input *in, struct sam_rec *,
    const char *ticker, int64_t day);
/* The same, calling fn for each good line while rec holds it parsed
 * (so that a reader of the fields parses a line once); fn returns 0, or
 * -1 to stop (its error reported), which store_day_parse_each returns.  The
 * entry's pointer is not kept: the array may move. */
typedef int store_line_fn(struct sam_input *, const struct sam_rec *,
    const struct store_entry *, void *ctx);
int store_day_parse_each(struct store_day *, struct sam_input *in, struct sam_rec *,
    const char *ticker, int64_t day, store_line_fn *, void *ctx);
/* Counts (and reports unless quiet) lines out of key order or whose
 * key came before; for keyed kinds, after store_day_parse. */
void store_day_check_order(struct store_day *, struct sam_input *in, int quiet);
void store_day_free(struct store_day *);
/* Whether next, the next version of the day file read into d (d->len
 * 0: there is none), changes it: the one rule by which every writer
 * (put, fsck --repair, append, sam-alert's state) rewrites a day file,
 * or leaves it.  Lines are compared as the store reads them, parsed by
 * store_day_parse or not: a blank line, a CR before the LF or a last
 * line without one is not a change, a line added, removed, moved or
 * altered is. */
int store_day_changes(const struct store_day *d, const struct sam_buf *next);
int store_entry_cmp(const struct store_entry *, const struct store_entry *);
int store_interval_order(const char *interval);	/* imin for store_entry_cmp */
/* The key fields of a record: ticker, interval, ts, and the New York
 * date the record belongs to (which a "date" field must agree with). */
int store_record_key(struct sam_input *, const struct sam_rec *, struct sam_key *,
    int64_t *day);

/* ---- batch.c: day files replaced atomically, many at a time ---- */

/* Files are written to ROOT/tmp, made durable together, then renamed
 * into place, and the directories made durable: one sync for many
 * files instead of two fsyncs each. */
struct store_batch {
	struct store *s;
	struct store_pending {
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
typedef void store_batch_done_fn(uint32_t tag, void *ctx);
int store_batch_add(struct store_batch *, int dirfd, unsigned dirgen, const char *name,
    const char *shown, const struct sam_buf *content, uint32_t tag,
    store_batch_done_fn *, void *ctx);
/* The next version of KIND/DATE.ndjson in dirfd: the lines it has,
 * then more.  0, or -1 after reporting. */
int store_batch_append(struct store_batch *, int dirfd, unsigned dirgen, const char *kind,
    int64_t date, const struct sam_buf *more);
/* Renames everything into place; done(tag) for each file in it.  0,
 * or -1 after reporting (then nothing more is renamed). */
int store_batch_commit(struct store_batch *, store_batch_done_fn *, void *ctx);
/* Throws away what was not committed, temporary files included, and
 * frees the batch. */
void store_batch_abort(struct store_batch *);

/* ---- walk.c: the day files of one directory, oldest or newest first ---- */

/* Each day file of w->kind (of w->ticker for a keyed kind) dated
 * from..to is read whole and handed to file(), then its lines, parsed
 * and checked (store_day_parse_each), to line(), whose ctx is the walk;
 * an entry not named as a day file goes to other().  One date of a
 * ticker (from == to) is read straight, its directory not listed.  A
 * caller that needs more state embeds the walk as the first member of
 * a struct of its own and casts back. */
struct store_walk;
/* A day file read: 0, or -1 to stop (reported).  With keep, the
 * file's buffer is the callee's, kept or freed, even on failure. */
typedef int store_file_fn(struct store_walk *, struct store_day *, int64_t day);
/* A directory or file that could not be opened, listed or read (errno
 * set; w->at is the directory entry of a file): 0 to go on without it,
 * or -1 to stop, after reporting.  NULL: a fatal error. */
typedef int store_fail_fn(struct store_walk *, const char *verb, const char *path);
/* An entry not named YYYY-MM-DD.ndjson (w->at): 0, or -1 to stop. */
typedef int store_other_fn(struct store_walk *);
struct store_walk {
	int kind;		/* enum store_kind */
	const char *ticker;	/* a keyed kind's ticker; NULL for the others */
	int64_t from, to;	/* days */
	int newest_first;
	int keep;		/* the buffers outlive the walk: see file() */
	int unread;		/* file() gets each day file unread (d NULL),
				 * named by w->at in w->dirfd */
	store_file_fn *file;	/* or NULL */
	store_line_fn *line;	/* or NULL: the lines are not parsed */
	store_fail_fn *fail;
	store_other_fn *other;	/* or NULL: such entries are skipped */
	/* set by the walk */
	struct store *s;
	const struct store_name *at;	/* the entry being read; NULL for one date */
	int dirfd;		/* its directory (a writer's, to replace it); -1 */
	struct sam_input in;	/* in.file: its path; in.rejected: lines so far */
	struct sam_rec rec;
	int stop;		/* file() or line() sets it: no file after this one */
};
/* 0 (also when the directory does not exist), or -1, reported.  kindfd
 * is ROOT/KIND open, or -1 to open it for the walk. */
int store_walk(struct store *, int kindfd, struct store_walk *);

#endif
