/*
 * help.c - --help and --version: the usage, every option with its
 * default, the man page to read; written to standard output and
 * checked, so that a full disk is an error and not a success.
 */
#include <stdio.h>
#include <string.h>

#include "sam.h"

#define HELP_COLUMN 24		/* where an option's text starts */

/* "text\nmore" with each line after the first indented to the column. */
static void
put_text(const char *text)
{
	const char *nl;

	while ((nl = strchr(text, '\n'))) {
		printf("%.*s\n%*s", (int)(nl - text), text, HELP_COLUMN, "");
		text = nl + 1;
	}
	printf("%s\n", text);
}

void
sam_help_options(const char *title, const struct sam_help *opts)
{
	printf("\n%s:\n", title);
	for (; opts->opt; opts++) {
		int n = printf("  %s", opts->opt);

		if (n < 0 || n > HELP_COLUMN - 2)
			printf("\n%*s", HELP_COLUMN, "");
		else
			printf("%*s", HELP_COLUMN - n, "");
		put_text(opts->text);
	}
}

int
sam_help_end(const char *page)
{
	printf("\nSee %s.\n", page);
	return sam_out_finish(SAM_EXIT_OK);
}

int
sam_help(const char *usage, const struct sam_help *opts, const char *page)
{
	fputs(usage, stdout);
	sam_help_options("Options", opts);
	return sam_help_end(page);
}

int
sam_version(const char *tool)
{
	printf("%s %s\n", tool, SAM_VERSION);
	return sam_out_finish(SAM_EXIT_OK);
}
