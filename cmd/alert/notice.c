/*
 * notice.c - sam-alert --notice: one notice of the job (a run failed, a
 * due run missing, a unit failed, dead letters about to be dropped).
 */
#include "alert.h"

int notice_placeholder(void);

int
notice_placeholder(void)
{
	return 0;
}
