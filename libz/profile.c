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
#include <stdlib.h>
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

int
sam_profile_choose(const char *opt, const char *usage,
    const struct sam_profile **out)
{
	const char *env = getenv("SAM_PROFILE"), *name = opt;

	*out = NULL;
	if (!name && env && *env)
		name = env;
	if (name && !(*out = sam_profile_find(name)))
		return sam_usage_error(usage, "%s: no such profile (original, "
		    "recommended): %s", opt ? "--profile" : "SAM_PROFILE", name);
	return 0;
}

int
sam_parse_tail_df(const char *s, double *df)
{
	return sam_parse_number(s, strlen(s), 1, df) == 0 &&
	    (*df == 0 || (*df > 2 && *df <= 1e6)) ? 0 : -1;
}

int
sam_parse_floor(const char *s, double *v)
{
	return sam_parse_number(s, strlen(s), 1, v) == 0 && *v >= 0 ? 0 : -1;
}

int
sam_parse_threshold(const char *s, double *v)
{
	/* finite: sam_parse_number refuses what overflows */
	return sam_parse_number(s, strlen(s), 1, v) == 0 && *v > 0 ? 0 : -1;
}
