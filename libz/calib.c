/*
 * calib.c - a z-score as a rarity: the tail probability it stands for,
 * and the normal deviate of the same rarity.
 *
 * A window's z of a fat-tailed series is not normal: with daily returns
 * |z| > 4 comes about once in a few hundred bars, not once in 15,787.
 * The model here is the standardized Student t: z * sqrt(v / (v - 2))
 * follows t with v degrees of freedom, v = min(tail_df, n - 1), so a
 * short window (more estimation error) and a fat tail both widen it.
 * sam-detect grades the normal equivalent of that probability, so a
 * threshold or band of k reads "as rare as k sigma" whatever the
 * ticker, the metric or the window's length.  Links GSL.
 */
#include <float.h>
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "sam.h"

static double
dof(double n, double tail_df)
{
	double v = n - 1;

	return tail_df < v ? tail_df : v;
}

/* z -> t with v degrees of freedom, for v > 2; below that the t has no
 * variance to standardize, and z is taken as t. */
static double
t_scale(double v)
{
	return v > 2 ? sqrt(v / (v - 2)) : 1;
}

double
sam_calib_p(double absz, double n, double tail_df)
{
	double v = dof(n, tail_df), p;

	if (isnan(absz))
		return NAN;
	if (v < 1)
		v = 1;
	p = 2 * gsl_cdf_tdist_Q(fabs(absz) * t_scale(v), v);
	return p > 1 ? 1 : p;
}

double
sam_calib_score(double p)
{
	if (isnan(p))
		return NAN;
	if (p >= 1)
		return 0;
	if (p < DBL_MIN)
		p = DBL_MIN;	/* about 37.5 sigma: rarer is not told apart */
	return gsl_cdf_ugaussian_Qinv(p / 2);
}

double
sam_calib_z(double score, double n, double tail_df)
{
	double v = dof(n, tail_df), p;

	if (v < 1)
		v = 1;
	p = 2 * gsl_cdf_ugaussian_Q(score);
	return gsl_cdf_tdist_Qinv(p / 2, v) / t_scale(v);
}
