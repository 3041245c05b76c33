/*
 * profile.c - detection profiles: the one table of what sam-zscore
 * scores and how sam-detect judges it, by name (--profile, SAM_PROFILE).
 *
 * original: the literal rule of the cloud design, z of the close level
 * and of volume past 2.0.  Measured on five years of the S&P 500 it
 * flags a fifth of all bars, mostly trends (bench/quality.sh).
 * recommended: returns (after the market, when a market is given),
 * volume in log space, tail probabilities from a fat-tailed model and
 * a false discovery rate across each scan.  See sam(7).
 */
#include <string.h>

#include "sam.h"

static const struct sam_profile profiles[] = {
	{ "original", "close,volume", "close,volume", 0, 2.0, 0, 0, 0, 0 },
	{ "recommended", "return,lvolume", "excess,lvolume", 1, 2.0, 30, 0.1, 0.08, 5 },
};

const struct sam_profile *
sam_profile_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof profiles / sizeof profiles[0]; i++)
		if (strcmp(profiles[i].name, name) == 0)
			return &profiles[i];
	return NULL;
}
