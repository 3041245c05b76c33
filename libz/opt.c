/*
 * opt.c - the options every tool takes: --log-format, --help and
 * --version, and getopt_long's errors, read in one place for every
 * tool's getopt switch.
 */
#include <getopt.h>

#include "sam.h"

int
sam_opt_common(int c, char *const argv[], const struct sam_tool *tool)
{
	switch (c) {
	case 'L':
		if (sam_log_set_format(optarg) == 0)
			return SAM_OPT_NEXT;
		return sam_usage_error(tool->usage, "--log-format: must be text or json: %s",
		    optarg);
	case 'h':
		if (tool->own_help)
			return tool->own_help(argv[0]);
		return sam_help(tool->usage, tool->help, tool->page);
	case 'V':
		return sam_version(tool->name);
	default:
		return sam_getopt_error(c, argv, tool->usage);
	}
}
