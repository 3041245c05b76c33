/*
 * calib.c - a z-score as a rarity: the tail probability it stands for,
 * and the normal deviate of the same rarity.
 *
 * z = (x - center) / scale, both from a window of n values, is wider
 * than a normal deviate for two reasons, and the model takes both:
 *
 * - the window estimates its center and scale: with a mean and a
 *   sample standard deviation of normal values, z / sqrt(1 + 1/n)
 *   follows Student's t with n - 1 degrees of freedom; with a median
 *   and 1.4826 MAD (--robust), far noisier, z / sqrt(1 + 3/n) is close
 *   to a t with 0.41 (n - 1) (fitted by simulation of normal windows of
 *   10 to 100 values: the tails past 2 to 5 within 10 %);
 * - the series has fat tails: with tail_df below those degrees of
 *   freedom, the values are a t of tail_df standardized to unit
 *   variance, and the t's scale is shrunk by sqrt((tail_df - 2) /
 *   tail_df) (daily equity returns match about 3 between 3 and 4
 *   sigma).
 *
 * sam-detect grades the normal equivalent of that probability, so a
 * threshold or band of k reads "as rare as k sigma" whatever the
 * ticker, the metric or the window's length.  Links GSL.
 */
#include <float.h>
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "sam.h"

/* The t (degrees of freedom, scale) that z follows. */
static void
model(double n, double tail_df, int robust, double *dof, double *scale)
{
	double v = robust ? 0.41 * (n - 1) : n - 1;

	*scale = sqrt(1 + (robust ? 3 : 1) / n);
	if (v < 1)
		v = 1;
	if (tail_df > 2 && tail_df < v) {
		v = tail_df;
		*scale *= sqrt((tail_df - 2) / tail_df);
	}
	*dof = v;
}

double
sam_calib_p(double absz, double n, double tail_df, int robust)
{
	double v, c, p;

	if (isnan(absz))
		return NAN;
	model(n, tail_df, robust, &v, &c);
	p = 2 * gsl_cdf_tdist_Q(fabs(absz) / c, v);
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
sam_calib_z(double score, double n, double tail_df, int robust)
{
	double v, c;

	model(n, tail_df, robust, &v, &c);
	return gsl_cdf_tdist_Qinv(gsl_cdf_ugaussian_Q(score), v) * c;
}

double
sam_calib_z_of_p(double p, double n, double tail_df, int robust)
{
	return sam_calib_z(sam_calib_score(p), n, tail_df, robust);
}

double
sam_calib_z_at(double score, double n, int tests, double tail_df, int robust)
{
	if (tests <= 1)
		return sam_calib_z(score, n, tail_df, robust);
	return sam_calib_z_of_p(erfc(score / sqrt(2.0)) / tests, n, tail_df, robust);
}
