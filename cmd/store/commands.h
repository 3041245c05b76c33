/*
 * commands.h - sam-store's commands, each over the store library
 * (libstore/store.h), and the options they share: the tool's names
 * are cmd_ and CMD_ (store_ and STORE_ are the library's).
 */
#ifndef STORE_COMMANDS_H
#define STORE_COMMANDS_H

#include <getopt.h>

#include "store.h"

/* ---- the commands ---- */

int cmd_put(struct store *, int argc, char **argv);
int cmd_get(struct store *, int argc, char **argv);
int cmd_prune(struct store *, int argc, char **argv);
int cmd_fsck(struct store *, int argc, char **argv);
int cmd_stats(struct store *, int argc, char **argv);
int cmd_append(struct store *, int argc, char **argv);

/* The usage text of sam-store, for every command's errors. */
extern const char cmd_usage[];
/* The options every command takes, to end its table of long options. */
#define CMD_OPTIONS \
	{ "root", required_argument, NULL, 'r' }, \
	SAM_OPT_LOG_FORMAT, \
	SAM_OPT_HELP, \
	{ NULL, 0, NULL, 0 }
/* getopt_long over a command's options, taking -r, and --log-format,
 * --help and --version through sam_opt_common() (--help and --version
 * exit once written).  Returns the next other option, or -1 at the
 * end; on an option error returns '?' with *status set. */
int cmd_getopt(int argc, char **argv, const char *optstring,
    const struct option *, struct store *, int *status);

#endif
