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

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static void
reseed(gsl_rng *r, uint64_t h, uint64_t a, int64_t b)
{
	uint64_t s = mix(h ^ mix(a + UINT64_C(0x9e3779b97f4a7c15)) ^
	    mix((uint64_t)b + UINT64_C(0x632be59bd9b4e019)));

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

static int
emit(struct fetch *f, uint32_t ticker, int64_t ts, int64_t date,
    const struct day *d)
{
	struct bar *b;

	if (ts > f->now)
		return 0;
	if (!(b = fetch_add_bar(f)))
		return -1;
	b->ticker = ticker;
	b->ts = ts;
	b->date = date;
	b->open = d->open;
	b->high = d->high;
	b->low = d->low;
	b->close = d->close;
	b->volume = d->volume;
	b->injected = d->injected;
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
		if (emit(f, ticker, start, date, &bars[k]) < 0)
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
			if (emit(f, ticker, sam_ny_to_utc(date, SAM_NYSE_OPEN_MINUTE),
			    date, &d) < 0)
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
	for (i = 0; i < f->nwant && rc == 0; i++)
		rc = one_ticker(f, r, f->want[i]);
	gsl_rng_free(r);
	return rc;
}
