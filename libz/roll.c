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

/* The sorted window: out leaves (n values before), in comes.  Only the
 * values between the two places move, by one, in a short loop (two
 * memmove calls of up to the whole window cost more on 30 values); in
 * goes where lower_bound() puts it, before the values equal to it. */
static void
sorted_replace(struct sam_roll *r, size_t n, int has_out, double out, double in)
{
	double *s = r->sorted;
	size_t i, j;

	if (!has_out) {
		i = lower_bound(s, n, in);
		memmove(s + i + 1, s + i, (n - i) * sizeof *s);
		s[i] = in;
		return;
	}
	if (n <= 64) {
		/* a window of a few dozen: where out is, counted with no
		 * branch on each value (the search's were coin tosses); the
		 * same place for sorted values.  Not in lower_bound: the
		 * median's search there takes the same path bar after bar,
		 * and counted, --robust was 2.6 % slower */
		for (i = 0, j = 0; j < n; j++)
			i += s[j] < out;
	} else {
		i = lower_bound(s, n, out);	/* s[i] == out */
	}
	if (in >= out) {	/* up: the ones after i that are below in */
		for (j = i; j + 1 < n && s[j + 1] < in; j++)
			s[j] = s[j + 1];
	} else {		/* down: the ones before i not below in */
		for (j = i; j > 0 && s[j - 1] >= in; j--)
			s[j] = s[j - 1];
	}
	s[j] = in;
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
		r->x[r->n++] = v;
		if (r->keep_sorted)	/* its sums are made when asked for */
			sorted_replace(r, r->n - 1, 0, 0, v);
		else
			add_term(r, v, 1);
		return 0;
	}
	if (r->keep_sorted) {
		sorted_replace(r, r->n, 1, r->x[r->head], v);
	} else {
		add_term(r, r->x[r->head], -1);
		add_term(r, v, 1);
	}
	r->x[r->head] = v;
	if (++r->head == r->w)
		r->head = 0;
	return 0;
}

int
sam_roll_stats(struct sam_roll *r, int ddof, double x, double *mean,
    double *sd, double *dev)
{
	double n = (double)r->n, s1, s2, m1, m2;

	if (r->n < (size_t)ddof + 1)
		return -1;
	if (r->keep_sorted && !r->fresh) {	/* pushes kept no sums */
		refresh(r);
		r->fresh = 1;
	}
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
 * gives.  The deviations below the median (m - s[i], rising as i goes
 * down from the median) and from it up (s[i] - m, rising) are two
 * sorted runs; the MAD is their middle one (or the mean of the middle
 * two), found by the binary search for the t-th smallest of two sorted
 * arrays: a few steps where the merge took n/2 unpredictable branches.
 */
struct runs {
	const double *s;
	double m;
	size_t below, above;	/* the lengths of the two runs */
};

/* The i-th (0-based) deviation of the run below and of the run above. */
static double
dev_below(const struct runs *r, size_t i)
{
	return r->m - r->s[r->below - 1 - i];
}

static double
dev_above(const struct runs *r, size_t j)
{
	return r->s[r->below + j] - r->m;
}

/* The t-th and (t-1)-th smallest (t >= 2, 1-based) of both runs. */
static void
two_smallest(const struct runs *r, size_t t, double *tth, double *before)
{
	size_t lo = t > r->above ? t - r->above : 0;
	size_t hi = t < r->below ? t : r->below, i, j;
	double a1, b1, low;
	int has_a, has_b;

	if (hi - lo <= 64) {
		/* a window of a few dozen: count the splits that would rather
		 * take one more from below; the count is the split, with no
		 * branch on each toss of the search.  Any split where both
		 * runs agree gives the same two values, whichever is found */
		size_t c = 0;
		for (i = lo; i < hi; i++)
			c += dev_below(r, i) < dev_above(r, t - 1 - i);
		i = lo + c;
	} else {
		for (;;) {
			i = lo + (hi - lo) / 2;	/* i from the run below, j from above */
			j = t - i;
			if (i < r->below && j > 0 && dev_above(r, j - 1) > dev_below(r, i))
				lo = i + 1;
			else if (i > 0 && j < r->above && dev_below(r, i - 1) > dev_above(r, j))
				hi = i - 1;
			else
				break;
		}
	}
	j = t - i;
	has_a = i > 0;
	has_b = j > 0;
	a1 = has_a ? dev_below(r, i - 1) : 0;
	b1 = has_b ? dev_above(r, j - 1) : 0;
	if (has_a && has_b) {
		*tth = a1 > b1 ? a1 : b1;
		low = a1 > b1 ? b1 : a1;
	} else {
		*tth = has_a ? a1 : b1;
		low = -1;
	}
	/* the one before: the lesser of the two last ones taken, or the
	 * one before either */
	if (i > 1 && dev_below(r, i - 2) > low)
		low = dev_below(r, i - 2);
	if (j > 1 && dev_above(r, j - 2) > low)
		low = dev_above(r, j - 2);
	*before = low;
}

void
sam_sorted_robust(const double *s, size_t n, double *med, double *mad)
{
	size_t k = n / 2;
	struct runs r;
	double d, prev;

	r.s = s;
	r.m = n % 2 ? s[k] : (s[k - 1] + s[k]) / 2;
	r.below = lower_bound(s, n, r.m);	/* s[..below) < m */
	r.above = n - r.below;
	*med = r.m;
	if (n == 1) {
		*mad = 0;
		return;
	}
	two_smallest(&r, k + 1, &d, &prev);
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
