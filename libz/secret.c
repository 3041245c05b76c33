/*
 * secret.c - API keys and webhook addresses read from files.
 *
 * A secret never comes from the command line, where every user sees it
 * (ps, /proc/PID/cmdline); a file holding one must be the owner's alone.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sam.h"

char *
sam_read_secret(const char *path, const char *what)
{
	FILE *fp = fopen(path, "r");
	char line[4096], *secret = NULL;
	struct stat st;

	if (!fp) {
		sam_fatal_errno("open %s %s", what, path);
		return NULL;
	}
	if (fstat(fileno(fp), &st) < 0) {
		sam_fatal_errno("stat %s %s", what, path);
	} else if (!S_ISREG(st.st_mode)) {
		sam_log(SAM_ERROR, path, 0, "%s is not a regular file", what);
	} else if (st.st_mode & 077) {
		sam_log(SAM_ERROR, path, 0, "%s is readable by group or "
		    "others: chmod 600 it", what);
	} else if (!fgets(line, sizeof line, fp)) {
		sam_log(SAM_ERROR, path, 0, "%s is empty", what);
	} else {
		line[strcspn(line, "\r\n")] = '\0';
		if (!(secret = strdup(line)))
			sam_fatal_errno("read %s %s", what, path);
	}
	memset(line, 0, sizeof line);
	fclose(fp);
	return secret;
}

void
sam_free_secret(char *s)
{
	if (s) {
		volatile char *p = s;
		while (*p)
			*p++ = '\0';
	}
	free(s);
}
