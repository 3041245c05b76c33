/*
 * mock.c - the built-in synthetic market.
 *
 * Prices follow geometric Brownian motion with a daily volatility of
 * 1 to 2.5 % (each ticker its own), opening gaps and intraday ranges;
 * a weak pull of the log price toward the ticker's level (half-life
 * about two years) keeps a 26-year walk at prices that look real,
 * without changing a month's behaviour;
 * volumes are log-normal around a per-ticker level and rise with the
 * size of the day's move.  Rarely, a price jump (6 to 10 sigma, which
 * persists) or a volume spike (4 to 8 times) is injected; --mark-injected
 * lists them in each bar so that tests can measure recall.
 *
 * A bar still in progress at now is the full bar as far as it has come:
 * the close and range of a path through the bar's open, high, low and
 * close at that moment, and the volume that a U-shaped intraday curve
 * says has traded by then.  Once the bar's period is over it is the full
 * bar, the same whenever it is asked for.
 *
 * Every random draw comes from GSL's taus2 generator seeded from
 * (seed, ticker, bar), and the walk starts on the first trading day of
 * 2000 whatever range is asked for: a bar depends only on the seed, its
 * ticker and its date, never on the other tickers or the range.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "fetch.h"

#define P_JUMP 0.006		/* chance of an injected price jump, per bar */
#define P_SPIKE 0.010		/* chance of an injected volume spike */

#define REVERSION 0.0014		/* per day: ln 2 / 500 trading days */
/* The stream of a bar in progress: apart from the bars' own */
#define TAG_PARTIAL (UINT64_C(1) << 40)

struct model {
	uint64_t hash;
	double sigma, mu, volume;
	double level;		/* log price the walk is pulled toward */
};

struct day {
	double open, high, low, close, volume;
	double z;		/* the standardised move */
	uint8_t injected;
};

static void
reseed(gsl_rng *r, uint64_t h, uint64_t a, int64_t b)
{
	uint64_t s = sam_mix64(h ^ sam_mix64(a + UINT64_C(0x9e3779b97f4a7c15)) ^
	    sam_mix64((uint64_t)b + UINT64_C(0x632be59bd9b4e019)));

	gsl_rng_set(r, (unsigned long)(s >> 32) | 1);
}

/* Cents at and above one dollar, hundredths of a cent below. */
static double
round_price(double p)
{
	double scale = p >= 1 ? 100 : 10000;
	double v = round(p * scale) / scale;

	return v > 0 ? v : 1 / scale;
}

/* One bar's shape around its open and close: the same number of draws
 * on every path, so the stream never shifts. */
static void
shape(gsl_rng *r, double sigma, double vol, struct day *d)
{
	double up = fabs(gsl_ran_gaussian_ziggurat(r, 0.5 * sigma));
	double down = fabs(gsl_ran_gaussian_ziggurat(r, 0.5 * sigma));
	double vz = gsl_ran_gaussian_ziggurat(r, 0.25);
	double u = gsl_rng_uniform(r), spike = gsl_ran_flat(r, 4, 8);

	d->open = round_price(d->open);
	d->close = round_price(d->close);
	d->high = round_price(fmax(d->open, d->close) * exp(up));
	d->low = round_price(fmin(d->open, d->close) * exp(-down));
	d->volume = vol * exp(vz + 0.12 * fabs(d->z));
	if (u < P_SPIKE) {
		d->volume *= spike;
		d->injected |= INJECT_VOLUME;
	}
	d->volume = round(d->volume);
}

/* A price move of sigma, maybe with an injected jump. */
static double
move(gsl_rng *r, double mu, double sigma, struct day *d)
{
	double z = gsl_ran_gaussian_ziggurat(r, 1.0);
	double u = gsl_rng_uniform(r), size = gsl_ran_flat(r, 6, 10);
	double sign = gsl_rng_uniform(r) < 0.5 ? -1 : 1;
	double ret = mu - sigma * sigma / 2 + sigma * z;

	d->z = z;
	if (u < P_JUMP) {
		ret += sign * size * sigma;
		d->injected |= INJECT_PRICE;
		d->z = z + sign * size;
	}
	return ret;
}

static void
daily(gsl_rng *r, const struct model *m, int64_t date, double prev,
    struct day *d)
{
	double pull = REVERSION * (m->level - log(prev));

	reseed(r, m->hash, 1, date);
	memset(d, 0, sizeof *d);
	d->open = prev * exp(gsl_ran_gaussian_ziggurat(r, 0.25 * m->sigma));
	d->close = prev * exp(pull + move(r, m->mu, m->sigma, d));
	shape(r, m->sigma, m->volume, d);
}

/*
 * The session's volume curve: the rate of trading at the fraction t of
 * the session is 1 + OPEN_A e^(-t/OPEN_T) + CLOSE_A e^(-(1-t)/CLOSE_T)
 * times the midday rate, a U: 4.5 times it at the open, about 2.8 times
 * over the first half hour, 2.2 over the last, 3.1 at the close.  This
 * is its integral from 0 to t; a share of the day's volume is a ratio
 * of two of them.
 */
#define OPEN_A 3.5
#define OPEN_T 0.05
#define CLOSE_A 2.1
#define CLOSE_T 0.06

static double
traded_by(double t)
{
	return t + OPEN_A * OPEN_T * -expm1(-t / OPEN_T) +
	    CLOSE_A * CLOSE_T * (exp(-(1 - t) / CLOSE_T) - exp(-1 / CLOSE_T));
}

#define STEPS_MAX 1600

/* v folded into [low, high]: reflected at the bounds, as a path that
 * touches the day's high turns back from it. */
static double
fold(double v, double low, double high)
{
	double w = high - low, t;

	if (!(w > 0))
		return low;
	t = fmod(v - low, 2 * w);
	if (t < 0)
		t += 2 * w;
	return low + (t <= w ? t : 2 * w - t);
}

/* Steps a to b of y, from y[a] to y[b] as given: a random walk bent
 * linearly to end at y[b] (a Brownian bridge), reflected into
 * [low, high]. */
static void
bridge(gsl_rng *r, double *y, int a, int b, double step, double low, double high)
{
	double end = y[b], walk = 0;
	int i;

	for (i = a + 1; i <= b; i++)
		y[i] = (walk += gsl_ran_gaussian_ziggurat(r, step));
	for (i = a + 1; i < b; i++) {
		double frac = (double)(i - a) / (b - a);
		y[i] = fold(y[a] + (end - y[a]) * frac + y[i] - walk * frac, low, high);
	}
	y[b] = end;
}

/*
 * The bar d as far as it has come, done of its time gone and share of
 * its volume traded.  Its path, in n steps, goes from the open to the
 * high and the low, at times drawn at random, and on to the close, a
 * Brownian bridge between each two reflected into the bar's range;
 * drawn from a stream of its own (tag), so the full bar's draws are
 * untouched.
 * The close so far is the path's point now, the high and low so far
 * its extremes up to now: they only widen, never past the full bar's,
 * and the full bar is where the path ends.
 */
static void
in_progress(gsl_rng *r, uint64_t hash, uint64_t tag, int64_t date, double sigma,
    int n, double done, double share, struct day *d)
{
	double y[STEPS_MAX + 1], hi = log(d->high), lo = log(d->low);
	double step = 0.5 * sigma / sqrt(n), seen_hi, seen_lo;
	int knot[4], i, k = (int)(done * n);

	reseed(r, hash, tag, date);
	knot[0] = 0;
	knot[1] = 1 + (int)(gsl_rng_uniform(r) * (n - 1));	/* the high */
	knot[2] = 1 + (int)(gsl_rng_uniform(r) * (n - 2));	/* the low */
	knot[2] += knot[2] >= knot[1];
	knot[3] = n;
	y[0] = log(d->open);
	y[knot[1]] = hi;
	y[knot[2]] = lo;
	y[n] = log(d->close);
	if (knot[2] < knot[1]) {	/* the low came first */
		int t = knot[1];
		knot[1] = knot[2];
		knot[2] = t;
	}
	for (i = 0; i < 3; i++)
		bridge(r, y, knot[i], knot[i + 1], step, lo, hi);
	for (seen_hi = seen_lo = y[0], i = 1; i <= k; i++) {
		seen_hi = fmax(seen_hi, y[i]);
		seen_lo = fmin(seen_lo, y[i]);
	}
	d->close = round_price(exp(y[k]));
	d->high = fmax(round_price(exp(seen_hi)), fmax(d->open, d->close));
	d->low = fmin(round_price(exp(seen_lo)), fmin(d->open, d->close));
	d->volume = round(d->volume * share);
}

/* A bar that has started by now; one in progress as far as it has come. */
static int
emit(struct fetch *f, gsl_rng *r, const struct model *m, uint32_t ticker,
    int64_t ts, int64_t date, uint64_t tag, double sigma, const struct day *d)
{
	struct day now = *d;
	struct bar *b;

	if (ts > f->now)
		return 0;
	if (!fetch_bar_final(f, ts, date)) {
		int64_t end = fetch_bar_end(f, ts, date);
		int64_t open = sam_ny_to_utc(date, SAM_NYSE_OPEN_MINUTE);
		double session = (double)(sam_ny_to_utc(date, sam_nyse_close(date, NULL)) - open);
		/* a minute a step for a day, a quarter of one within a bar */
		int step = f->minutes ? 15 : 60, n = (int)((end - ts + step - 1) / step);
		double t0 = (double)(ts - open) / session, t1 = (double)(end - open) / session;
		double tn = (double)(f->now - open) / session;
		n = n < 3 ? 3 : n < STEPS_MAX ? n : STEPS_MAX;
		in_progress(r, m->hash, tag, date, sigma, n,
		    (double)(f->now - ts) / (double)(end - ts),
		    (traded_by(tn) - traded_by(t0)) / (traded_by(t1) - traded_by(t0)), &now);
	}
	if (!(b = fetch_add_bar(f)))
		return -1;
	b->ticker = ticker;
	b->ts = ts;
	b->date = date;
	b->open = now.open;
	b->high = now.high;
	b->low = now.low;
	b->close = now.close;
	b->volume = now.volume;
	b->injected = now.injected;
	return 0;
}

/*
 * The day's intraday bars: a random walk from the day's open, bent
 * linearly (a Brownian bridge) to end at the day's close, with a
 * U-shaped volume profile that sums to about the day's volume.
 */
static int
intraday(struct fetch *f, gsl_rng *r, const struct model *m, uint32_t ticker,
    int64_t date, const struct day *day)
{
	int close_min = sam_nyse_close(date, NULL), iv = f->minutes;
	int k, nbars = (close_min - SAM_NYSE_OPEN_MINUTE + iv - 1) / iv;
	double sigma = m->sigma * sqrt(iv / 390.0), level[400], wsum = 0;
	double end, bend;
	struct day bars[400];

	if (nbars > 390)
		return -1;
	level[0] = log(day->open);
	for (k = 0; k < nbars; k++) {
		double t = (k + 0.5) / nbars;
		reseed(r, m->hash, ((uint64_t)iv << 32) | (uint64_t)k, date);
		memset(&bars[k], 0, sizeof bars[k]);
		level[k + 1] = level[k] + move(r, 0, sigma, &bars[k]);
		bars[k].volume = 1 + 1.5 * (2 * t - 1) * (2 * t - 1);
		wsum += bars[k].volume;
	}
	end = level[nbars];
	bend = log(day->close) - end;
	for (k = 0; k < nbars; k++) {
		int64_t start = sam_ny_to_utc(date, SAM_NYSE_OPEN_MINUTE + k * iv);
		double w = bars[k].volume / wsum;
		reseed(r, m->hash, ((uint64_t)iv << 32) | (uint64_t)k | (UINT64_C(1) << 31), date);
		bars[k].open = exp(level[k] + bend * k / nbars);
		bars[k].close = exp(level[k + 1] + bend * (k + 1) / nbars);
		shape(r, sigma, day->volume * w, &bars[k]);
		if (emit(f, r, m, ticker, start, date, TAG_PARTIAL | ((uint64_t)iv << 32) |
		    (uint64_t)k, sigma, &bars[k]) < 0)
			return -1;
	}
	return 0;
}

static int
one_ticker(struct fetch *f, gsl_rng *r, const char *name)
{
	int64_t date = sam_nyse_next(sam_days_from_civil(MOCK_ORIGIN_Y, 1, 1));
	int64_t last = sam_ny_date(f->now);
	struct model m;
	struct day d;
	double price;
	uint32_t ticker;

	if (fetch_ticker_index(f, name, &ticker) < 0)
		return -1;
	if (f->ranged && f->to < last)
		last = f->to;
	m.hash = sam_hash(name, strlen(name), f->seed);
	reseed(r, m.hash, 0, 0);
	m.level = gsl_ran_flat(r, log(15), log(400));
	price = exp(m.level);
	m.sigma = gsl_ran_flat(r, 0.010, 0.025);
	m.mu = gsl_ran_gaussian(r, 0.0002);
	m.volume = exp(log(4e6) + gsl_ran_gaussian(r, 0.8));
	for (; date <= last; date = sam_nyse_next(date + 1)) {
		daily(r, &m, date, price, &d);
		price = d.close;
		if (!fetch_in_range(f, date))
			continue;
		if (f->minutes == 0) {
			if (emit(f, r, &m, ticker, sam_ny_to_utc(date, SAM_NYSE_OPEN_MINUTE),
			    date, TAG_PARTIAL, m.sigma, &d) < 0)
				return -1;
		} else if (intraday(f, r, &m, ticker, date, &d) < 0) {
			return -1;
		}
	}
	return 0;
}

int
mock_fetch(struct fetch *f)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
	size_t i;
	int rc = 0;

	if (!r)
		return -1;
	/* Invented prices of real tickers must not pass for real ones. */
	if (f->unchosen)
		sam_log(SAM_WARNING, NULL, 0, "no source chosen: these are the "
		    "built-in mock market's invented prices; set --source or SAM_SOURCE");
	for (i = 0; i < f->nwant && rc == 0; i++)
		rc = one_ticker(f, r, f->want[i]);
	gsl_rng_free(r);
	return rc;
}
