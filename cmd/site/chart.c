/*
 * chart.c - a ticker's chart as inline SVG, drawn here, with no script:
 * the close as a line over the band of closes that would not be
 * anomalous, volume as bars below, a marker on each anomaly, and a bar
 * still in progress hollow and labelled.
 *
 * Bars are spaced evenly (nights, weekends and holidays take no room).
 * Colours come from classes in style.css, so the chart follows the
 * light or dark scheme; the CSP forbids inline styles.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "site.h"

#define W 800.0			/* the viewBox */
#define H 360.0
#define LEFT 64.0		/* room for the price labels */
#define RIGHT 8.0
#define PRICE_TOP 12.0
#define PRICE_BOTTOM 238.0
#define VOL_TOP 256.0
#define VOL_BOTTOM 332.0

struct scale {
	double lo, hi;		/* prices shown */
	double vmax;		/* the highest volume */
	long n;
};

static double
x_of(const struct scale *sc, long i)
{
	return LEFT + (W - LEFT - RIGHT) * ((double)i + 0.5) / (double)sc->n;
}

/*
 * Prices may be any finite numbers, and two of them can be further apart
 * than the largest double (1e-300 and 1.7e308 are not, but -1e308 and
 * 1e308 are): the scale works with half the range, hi / 2 - lo / 2,
 * which is always finite, and sums that would overflow stop at
 * +-DBL_MAX.  For prices of any ordinary size this is the same
 * arithmetic, bit for bit, as with the whole range (halving is exact).
 */
static double
half_range(double lo, double hi)
{
	return hi / 2 - lo / 2;
}

static double
add_bounded(double a, double d)
{
	double r = a + d;

	return r > DBL_MAX ? DBL_MAX : r < -DBL_MAX ? -DBL_MAX : r;
}

/* The y of a price: the price clamped to the scale; one that is not a
 * number (a band out of range) in the middle. */
static double
y_of(const struct scale *sc, double price)
{
	double num, den;

	if (isnan(price))
		price = sc->lo / 2 + sc->hi / 2;
	if (price < sc->lo)
		price = sc->lo;
	if (price > sc->hi)
		price = sc->hi;
	num = half_range(sc->lo, price);
	den = half_range(sc->lo, sc->hi);
	if (!(den > 0))		/* prices a few denormals apart */
		return (PRICE_BOTTOM + PRICE_TOP) / 2;
	if (num < DBL_MAX / 256)
		return PRICE_BOTTOM - (PRICE_BOTTOM - PRICE_TOP) * num / den;
	return PRICE_BOTTOM - (PRICE_BOTTOM - PRICE_TOP) * (num / den);
}

/* A band to draw: the window's statistics of closes near DBL_MAX can
 * overflow to a NaN. */
static int
has_band(const struct site_bar *b)
{
	return b->band && !isnan(b->lo) && !isnan(b->hi);
}

/* Half the range from lo to hi with room for a line at the middle
 * when they are the same. */
static double
half_room(double lo, double hi)
{
	double half = half_range(lo, hi);

	if (!(half > 0))
		half = fabs(hi) > 0 ? fabs(hi) * 0.01 : 0.5;
	return half;
}

/* The price range: the closes with some room, and as much of the band
 * as fits in half the closes' range again on each side. */
static void
scale_of(struct scale *sc, const struct site_bar *b, long n)
{
	double lo = INFINITY, hi = -INFINITY, half, blo, bhi;
	long i;

	sc->n = n;
	sc->vmax = 0;
	for (i = 0; i < n; i++) {
		lo = fmin(lo, b[i].close);
		hi = fmax(hi, b[i].close);
		sc->vmax = fmax(sc->vmax, b[i].volume);
	}
	half = half_room(lo, hi);
	blo = add_bounded(lo, -half);
	bhi = add_bounded(hi, half);
	for (i = 0; i < n; i++)
		if (has_band(&b[i])) {
			lo = fmin(lo, fmax(b[i].lo, blo));
			hi = fmax(hi, fmin(b[i].hi, bhi));
		}
	half = half_room(lo, hi);
	sc->lo = add_bounded(lo, -half * 0.1);
	sc->hi = add_bounded(hi, half * 0.1);
}

/* v with places (1 or 2) decimals, as %.1f or %.2f would write it but
 * without printf: the coordinates are most of a chart, and glibc's
 * exact float printing was a quarter of a build. */
static void
put_fixed(struct sam_buf *b, double v, int places)
{
	long scale = places == 1 ? 10 : 100;
	long long t;

	/* coordinates are within the viewBox; this keeps llround defined */
	if (!(fabs(v) < 1e9))
		v = isnan(v) ? 0 : v < 0 ? -1e9 : 1e9;
	t = llround(v * (double)scale);

	if (t < 0) {
		sam_buf_putc(b, '-');
		t = -t;
	}
	sam_buf_int(b, t / scale);
	sam_buf_putc(b, '.');
	if (places == 2)
		sam_buf_putc(b, (char)('0' + t / 10 % 10));
	sam_buf_putc(b, (char)('0' + t % 10));
}

static void
pt(struct sam_buf *b, double x, double y)
{
	put_fixed(b, x, 1);
	sam_buf_putc(b, ',');
	put_fixed(b, y, 1);
	sam_buf_putc(b, ' ');
}

/* Drops the blank after the last point. */
static void
trim(struct sam_buf *b)
{
	if (b->len && b->p[b->len - 1] == ' ')
		b->len--;
}

/* One polygon for each run of bars that have a band. */
static void
draw_band(struct sam_buf *b, const struct scale *sc, const struct site_bar *v, long n)
{
	long i, j, k;

	for (i = 0; i < n; i = j) {
		if (!has_band(&v[i])) {
			j = i + 1;
			continue;
		}
		for (j = i; j < n && has_band(&v[j]); j++)
			;
		sam_buf_puts(b, "<polygon class=\"band\" points=\"");
		for (k = i; k < j; k++)
			pt(b, x_of(sc, k), y_of(sc, v[k].hi));
		for (k = j; k-- > i;)
			pt(b, x_of(sc, k), y_of(sc, v[k].lo));
		trim(b);
		sam_buf_puts(b, "\"/>\n");
	}
}

static void
draw_axes(struct sam_buf *b, const struct scale *sc, const struct site_bar *v, long n,
    int daily)
{
	double mid = sc->lo / 2 + sc->hi / 2;
	double ticks[3] = { sc->hi, mid, sc->lo };
	long at[3] = { 0, n / 2, n - 1 };
	int i;

	for (i = 0; i < 3; i++) {
		double y = y_of(sc, ticks[i]);
		sam_buf_printf(b, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		    "y2=\"%.1f\"/>\n<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"end\">", LEFT, y, W - RIGHT, y, LEFT - 6, y + 4);
		/* "%.2f" of 1e308 would be 309 digits */
		sam_buf_printf(b, fabs(ticks[i]) >= 1 && fabs(ticks[i]) < 1e15 ?
		    "%.2f" : "%.4g", ticks[i]);
		sam_buf_puts(b, "</text>\n");
	}
	for (i = 0; i < 3 && n > 0; i++) {
		if (i > 0 && at[i] == at[i - 1])
			continue;
		sam_buf_printf(b, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"%s\">", x_of(sc, at[i]), H - 8,
		    i == 0 ? "start" : i == 1 ? "middle" : "end");
		show_time(b, v[at[i]].secs, daily);
		sam_buf_puts(b, "</text>\n");
	}
	sam_buf_printf(b, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">"
	    "volume</text>\n", LEFT - 6, VOL_TOP + 10);
}

static void
draw_volume(struct sam_buf *b, const struct scale *sc, const struct site_bar *v, long n)
{
	double w = (W - LEFT - RIGHT) / (double)n * 0.7;
	long i;

	sam_buf_puts(b, "<g class=\"volume\">\n");
	for (i = 0; i < n; i++) {
		double h = !(sc->vmax > 0) ? 0 : v[i].volume < DBL_MAX / 128 ?
		    (VOL_BOTTOM - VOL_TOP) * v[i].volume / sc->vmax :
		    (VOL_BOTTOM - VOL_TOP) * (v[i].volume / sc->vmax);
		sam_buf_puts(b, v[i].mark ? "<rect class=\"vol anom" : "<rect class=\"vol");
		sam_buf_puts(b, v[i].partial ? " partial\" x=\"" : "\" x=\"");
		put_fixed(b, x_of(sc, i) - w / 2, 2);
		sam_buf_puts(b, "\" y=\"");
		put_fixed(b, VOL_BOTTOM - h, 1);
		sam_buf_puts(b, "\" width=\"");
		put_fixed(b, w, 2);
		sam_buf_puts(b, "\" height=\"");
		put_fixed(b, h, 1);
		sam_buf_puts(b, "\"/>\n");
	}
	sam_buf_puts(b, "</g>\n");
}

/* A bar in progress: a hollow circle on its close so far, and a label
 * over its volume. */
static void
draw_partial(struct sam_buf *b, const struct scale *sc, const struct site_bar *v,
    long n, int daily)
{
	long i;

	for (i = 0; i < n; i++) {
		if (!v[i].partial)
			continue;
		sam_buf_printf(b, "<circle class=\"partial\" cx=\"%.1f\" cy=\"%.1f\" "
		    "r=\"4\"><title>", x_of(sc, i), y_of(sc, v[i].close));
		show_time(b, v[i].secs, daily);
		sam_buf_puts(b, ": in progress, close so far ");
		show_price(b, v[i].close);
		sam_buf_printf(b, "</title></circle>\n<text class=\"axis now\" x=\"%.1f\" "
		    "y=\"%.1f\" text-anchor=\"%s\">in progress</text>\n", x_of(sc, i),
		    VOL_TOP - 6, x_of(sc, i) > W / 2 ? "end" : "start");
	}
}

/* What a marker's tooltip says of its anomaly besides the metrics: the
 * return, relative volume and p-value, and the band it stood against
 * when the detector's statistics drew it. */
static void
marker_details(struct sam_buf *b, const struct site_bar *bar, const struct anomaly *a)
{
	if (a->an.has_ret) {
		sam_buf_puts(b, ", return ");
		show_return(b, a->an.ret);
	}
	if (a->an.has_rvol) {
		sam_buf_puts(b, ", volume ");
		show_rvol(b, a->an.rvol);
	}
	if (a->an.has_p) {
		sam_buf_puts(b, ", p ");
		show_p(b, a->an.p);
	}
	if (bar->band && bar->source >= BAND_CLOSE) {
		sam_buf_puts(b, ", band ");
		show_price(b, bar->lo);
		sam_buf_puts(b, " to ");
		show_price(b, bar->hi);
	}
	if (bar->partial)
		sam_buf_puts(b, ", in progress");
}

static void
draw_markers(struct sam_buf *b, const struct scale *sc, const struct site_bar *v,
    long n, int daily)
{
	long i;

	sam_buf_puts(b, "<g class=\"markers\">\n");
	for (i = 0; i < n; i++) {
		const struct anomaly *a;
		unsigned k, shown = 0;
		if (!(a = v[i].mark))
			continue;
		sam_buf_printf(b, "<circle class=\"marker sev-%s%s\" cx=\"%.1f\" cy=\"%.1f\" "
		    "r=\"5\"><title>", sam_severity_names[a->sev],
		    v[i].partial ? " partial" : "", x_of(sc, i), y_of(sc, v[i].close));
		show_time(b, a->secs, daily);
		sam_buf_printf(b, ": %s, score %.2f", sam_severity_names[a->sev], a->an.score);
		for (k = 0; k < a->an.nmetrics; k++)
			if (a->an.metric[k].has_z) {
				sam_buf_puts(b, shown++ ? ", " : " (");
				html_escape(b, a->an.metric[k].name, strlen(a->an.metric[k].name));
				sam_buf_printf(b, " z %+.2f", a->an.metric[k].z);
			}
		if (shown)
			sam_buf_putc(b, ')');
		marker_details(b, &v[i], a);
		sam_buf_puts(b, "</title></circle>\n");
	}
	sam_buf_puts(b, "</g>\n");
}

void
chart_svg(const struct ticker *t, const struct chart *c, struct sam_buf *b)
{
	const struct site_bar *v = c->bar;
	const char *interval = c->interval;
	struct scale sc;
	int daily = strcmp(interval, "1d") == 0;
	long i, n = c->n, marks = 0, partial = 0;

	scale_of(&sc, v, n);
	for (i = 0; i < n; i++) {
		marks += v[i].mark != NULL;
		partial += v[i].partial;
	}
	sam_buf_printf(b, "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
	    "aria-labelledby=\"chart-title\" xmlns=\"http://www.w3.org/2000/svg\">\n"
	    "<title id=\"chart-title\">", W, H);
	html_escape(b, t->name, strlen(t->name));
	sam_buf_printf(b, ": %ld ", n);
	html_escape(b, interval, strlen(interval));
	sam_buf_puts(b, " bars, ");
	if (partial)
		sam_buf_printf(b, "%ld in progress, ", partial);
	sam_buf_printf(b, "%ld anomal%s marked, band %s &lt;= %.2f</title>\n",
	    marks, marks == 1 ? "y" : "ies", c->tail_df > 0 ? "score" : "|z|",
	    c->threshold);
	draw_axes(b, &sc, v, n, daily);
	draw_band(b, &sc, v, n);
	sam_buf_puts(b, "<polyline class=\"close\" points=\"");
	for (i = 0; i < n; i++)
		pt(b, x_of(&sc, i), y_of(&sc, v[i].close));
	trim(b);
	sam_buf_puts(b, "\"/>\n");
	draw_volume(b, &sc, v, n);
	draw_partial(b, &sc, v, n, daily);
	draw_markers(b, &sc, v, n, daily);
	sam_buf_puts(b, "</svg>\n");
}
