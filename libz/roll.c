/*
 * roll.c - statistics of the last W values of a series.
 *
 * The window keeps S1 = sum(x - shift) and S2 = sum((x - shift)^2) as
 * compensated (Neumaier) sums, so a push costs O(1).  The shift is a
 * value of the window, which makes x - shift exact for nearby values
 * and keeps S2 - S1^2/n free of the cancellation that ruins the
 * textbook formula for prices near 1e6 with a tiny spread.
 *
 * Two things can still cost precision, and both are watched: the
 * series drifting far from the shift (R = S1^2/n / M2 grows; the error
 * in the variance is about R ulps), and large values passing through
 * the sums (a jump that has left the window).  Either one triggers a
 * refresh: the sums are rebuilt from the window around its newest
 * value, which bounds R by n.  So the results stay within a few
 * hundred ulps of an exact two-pass computation, whatever the input.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sam.h"

int
sam_roll_init(struct sam_roll *r, size_t w)
{
	memset(r, 0, sizeof *r);
	r->w = w;
	return w ? 0 : -1;
}

void
sam_roll_free(struct sam_roll *r)
{
	free(r->x);
	free(r->sorted);
	memset(r, 0, sizeof *r);
}

static void
neumaier(double *s, double *c, double t)
{
	double sum = *s + t;

	if (fabs(*s) >= fabs(t))
		*c += (*s - sum) + t;
	else
		*c += (t - sum) + *s;
	*s = sum;
}

static void
add_term(struct sam_roll *r, double v, double sign)
{
	double d = v - r->shift, t = d * d;

	neumaier(&r->s1, &r->c1, sign * d);
	neumaier(&r->s2, &r->c2, sign * t);
	r->mag += t;
}

/* The i-th oldest value of the window. */
static double
at(const struct sam_roll *r, size_t i)
{
	size_t k = r->head + i;

	return r->x[k >= r->w ? k - r->w : k];
}

static void
refresh(struct sam_roll *r)
{
	size_t i;

	r->shift = at(r, r->n - 1);
	r->s1 = r->c1 = r->s2 = r->c2 = r->mag = 0;
	for (i = 0; i < r->n; i++)
		add_term(r, at(r, i), 1);
}

/* The first place in the sorted window of a value not below v. */
static size_t
lower_bound(const double *s, size_t n, double v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The sorted window: out leaves (n values before), in comes. */
static void
sorted_replace(struct sam_roll *r, size_t n, int has_out, double out, double in)
{
	double *s = r->sorted;
	size_t i;

	if (has_out) {
		i = lower_bound(s, n, out);
		memmove(s + i, s + i + 1, (n - i - 1) * sizeof *s);
		n--;
	}
	i = lower_bound(s, n, in);
	memmove(s + i + 1, s + i, (n - i) * sizeof *s);
	s[i] = in;
}

/* Values are stored as they come; memory grows to w doubles at most,
 * so a series with few bars costs few bytes even for a wide window. */
int
sam_roll_push(struct sam_roll *r, double v)
{
	r->fresh = 0;
	if (r->n < r->w) {
		if (r->n == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 8;
			double *x;
			if (cap > r->w)
				cap = r->w;
			if (!(x = realloc(r->x, cap * sizeof *x)))
				return -1;
			r->x = x;
			if (r->keep_sorted) {
				if (!(x = realloc(r->sorted, cap * sizeof *x)))
					return -1;
				r->sorted = x;
			}
			r->cap = cap;
		}
		if (r->n == 0)
			r->shift = v;
		if (r->keep_sorted)
			sorted_replace(r, r->n, 0, 0, v);
		r->x[r->n++] = v;
		add_term(r, v, 1);
		return 0;
	}
	if (r->keep_sorted)
		sorted_replace(r, r->n, 1, r->x[r->head], v);
	add_term(r, r->x[r->head], -1);
	r->x[r->head] = v;
	if (++r->head == r->w)
		r->head = 0;
	add_term(r, v, 1);
	return 0;
}

int
sam_roll_stats(struct sam_roll *r, int ddof, double x, double *mean,
    double *sd, double *dev)
{
	double n = (double)r->n, s1, s2, m1, m2;

	if (r->n < (size_t)ddof + 1)
		return -1;
	for (;;) {
		s1 = r->s1 + r->c1;
		s2 = r->s2 + r->c2;
		m1 = s1 / n;
		m2 = s2 - s1 * m1;
		if (r->fresh || (m2 == 0 && r->mag == 0))	/* all exact */
			break;
		if (m2 > 0 && s1 * m1 <= (4 * n + 1e4) * m2 && r->mag <= 1e6 * s2)
			break;
		refresh(r);
		r->fresh = 1;
	}
	if (m2 < 0)
		m2 = 0;
	*mean = r->shift + m1;
	*sd = sqrt(m2 / (n - ddof));
	*dev = (x - r->shift) - m1;
	return 0;
}

/* Wirth's selection (Hoare's FIND): afterwards a[k] holds the k-th
 * smallest value, with no larger value before it. */
static void
select_kth(double *a, size_t n, size_t k)
{
	long lo = 0, hi = (long)n - 1, kk = (long)k;

	while (lo < hi) {
		double pivot = a[kk], t;
		long i = lo, j = hi;
		do {
			while (a[i] < pivot)
				i++;
			while (pivot < a[j])
				j--;
			if (i <= j) {
				t = a[i];
				a[i] = a[j];
				a[j] = t;
				i++;
				j--;
			}
		} while (i <= j);
		if (j < kk)
			lo = i;
		if (kk < i)
			hi = j;
	}
}

double
sam_median(double *a, size_t n)
{
	size_t k = n / 2, i;
	double lower;

	select_kth(a, n, k);
	if (n % 2)
		return a[k];
	lower = a[0];
	for (i = 1; i < k; i++)
		if (a[i] > lower)
			lower = a[i];
	return (lower + a[k]) / 2;
}

/*
 * Median and MAD of the sorted window, the same values sam_median()
 * gives: the deviations below the median (m - s[i], falling with i) and
 * from it up (s[i] - m, rising) are two sorted runs, merged outward from
 * the median to the middle one or two.
 */
void
sam_sorted_robust(const double *s, size_t n, double *med, double *mad)
{
	size_t k = n / 2, lo, hi, i;
	double m, d = 0, prev = 0;

	m = n % 2 ? s[k] : (s[k - 1] + s[k]) / 2;
	hi = lower_bound(s, n, m);	/* s[hi..] >= m: deviations rising */
	lo = hi;			/* s[..lo) < m: deviations rising downwards */
	for (i = 0; i <= k; i++) {
		prev = d;
		if (lo > 0 && (hi == n || fabs(s[lo - 1] - m) < fabs(s[hi] - m)))
			d = fabs(s[--lo] - m);
		else
			d = fabs(s[hi++] - m);
	}
	*med = m;
	*mad = 1.4826 * (n % 2 ? d : (prev + d) / 2);
}

int
sam_roll_robust(const struct sam_roll *r, double *med, double *mad)
{
	if (r->n == 0 || !r->sorted)
		return -1;
	sam_sorted_robust(r->sorted, r->n, med, mad);
	return 0;
}
