#!/usr/bin/env python3
"""Bars and anomalies for bench/store.sh, as NDJSON files.

usage: store-gen.py OUTDIR TICKERS PUT_DAYS GET_DAYS END SEED SPARSE

Tickers are T0001 ... (TICKERS of them, at most 9999).  Trading days
are the weekdays (holidays are not skipped) up to and including END
(YYYY-MM-DD); PUT_DAYS of them for the bars, GET_DAYS for the
anomalies.  Every bar starts at a New York time of day and its "date"
is that New York date: 09:30 is 13:30Z while New York keeps EDT and
14:30Z in EST (from 2026-11-01).  Writes into OUTDIR:

  bars-1d.ndjson           one daily bar per ticker and day (09:30)
  bars-1d-changed.ndjson   the same bars, each with another close and
                           volume (one bar per day file changed)
  bars-30m.ndjson          13 bars of 30 minutes per ticker and day,
                           09:30 ... 15:30
  bars-30m-changed.ndjson  the same, the last bar of every day changed
                           (as an hourly update changes the newest bar)
  anomalies.ndjson         daily anomalies as sam-detect writes them
                           ("anomaly":true, score, severity, metrics,
                           threshold, id), for GET_DAYS days: with SPARSE
                           0 every ticker has one on every day; with
                           SPARSE 1 every ticker on END and a random 10 %
                           of its other days
  stats                    key=value lines: bars_1d, bars_30m, anomalies,
                           first_put, first_get, last (dates), severity_high
                           (anomalies on END of severity high or critical),
                           anomalies_t1_30d (T0001's in the 30 days to END)

Files are sorted by ticker, then time, as sam-fetch writes them.  The
same arguments always give the same bytes (random.Random(SEED)).
Standard library only.
"""

import datetime
import os
import random
import sys

from benchgen import NY, UTC, SEVERITIES, SEVERITY_WEIGHTS, trading_days


def stamps(date, count, minutes):
    """ts strings of count bars of minutes each from 09:30 New York."""
    t = datetime.datetime.combine(date, datetime.time(9, 30), NY).astimezone(UTC)
    step = datetime.timedelta(minutes=minutes)
    return [(t + k * step).strftime("%Y-%m-%dT%H:%M:%SZ") for k in range(count)]


def num(x):
    """A price as sam-fetch writes it: shortest repr, no trailing .0."""
    s = repr(x)
    return s[:-2] if s.endswith(".0") else s


def bar(rng, price):
    """open, high, low, close, next price: a valid OHLC from price."""
    o = round(price, 2)
    c = round(max(0.01, o * (1 + rng.gauss(0, 0.01))), 2)
    h = round(max(o, c) * (1 + abs(rng.gauss(0, 0.004))), 2)
    lo = round(min(o, c) * (1 - abs(rng.gauss(0, 0.004))), 2)
    return o, h, lo, c


def line(t, interval, ts, date, o, h, lo, c, v, extra=""):
    return ('{"ticker":"%s","interval":"%s","ts":"%s","date":"%s","open":%s,'
            '"high":%s,"low":%s,"close":%s,"volume":%d,"source":"bench"%s}\n'
            % (t, interval, ts, date, num(o), num(h), num(lo), num(c), v, extra))


def changed(o, h, lo, c, v):
    """Another close (within low..high) and volume: the bar as it stands
    an hour later."""
    c2 = round((h + lo) / 2, 2)
    if c2 == c:
        c2 = h if c != h else lo
    return o, h, lo, c2, v + 137


def write_bars(outdir, name, tickers, days, per_day, minutes, interval, seed):
    """The bars and their changed copy; returns the number of bars."""
    rng = random.Random("%s/%s" % (seed, name))
    ts = {d: stamps(d, per_day, minutes) for d in days}
    n = 0
    with open(os.path.join(outdir, "bars-%s.ndjson" % name), "w") as f, \
            open(os.path.join(outdir, "bars-%s-changed.ndjson" % name), "w") as g:
        for t in tickers:
            price = rng.uniform(10, 500)
            for d in days:
                ds = d.isoformat()
                for k, s in enumerate(ts[d]):
                    o, h, lo, c = bar(rng, price)
                    price = c
                    v = rng.randint(100000, 5000000) // per_day
                    rec = line(t, interval, s, ds, o, h, lo, c, v)
                    f.write(rec)
                    if k == per_day - 1:
                        rec = line(t, interval, s, ds, *changed(o, h, lo, c, v))
                    g.write(rec)
                    n += 1
    return n


def write_anomalies(outdir, tickers, days, sparse, seed):
    """Daily anomalies; returns (count, high or worse on the last day,
    T0001's in the 30 calendar days to the last day)."""
    rng = random.Random("%s/anomalies" % seed)
    ts = {d: stamps(d, 1, 1440)[0] for d in days}
    last = days[-1]
    since = last - datetime.timedelta(days=29)
    n = high = t1 = 0
    with open(os.path.join(outdir, "anomalies.ndjson"), "w") as f:
        for t in tickers:
            price = rng.uniform(10, 500)
            for d in days:
                o, h, lo, c = bar(rng, price)
                price = c
                if sparse and d != last and rng.random() >= 0.10:
                    continue
                v = rng.randint(100000, 5000000)
                sev, zlo, zhi = rng.choices(SEVERITIES, SEVERITY_WEIGHTS)[0]
                score = rng.uniform(zlo, zhi)
                zc, zv = score, rng.uniform(-2, 2)
                metrics = '["close"]'
                if rng.random() < 0.5:
                    zc, zv = zv, score
                    metrics = '["volume"]'
                mc = c * (1 - 0.01 * zc)
                mv = v * (1 - 0.1 * zv)
                extra = (',"n":30,"mean_close":%r,"sd_close":%r,"z_close":%r,'
                         '"mean_volume":%r,"sd_volume":%r,"z_volume":%r,'
                         '"anomaly":true,"score":%r,"severity":"%s",'
                         '"metrics":%s,"threshold":2,"id":"%s:1d:%s"'
                         % (mc, c * 0.01, zc, mv, v * 0.1, zv, score, sev,
                            metrics, t, ts[d]))
                f.write(line(t, "1d", ts[d], d.isoformat(), o, h, lo, c, v, extra))
                n += 1
                if d == last and sev in ("high", "critical"):
                    high += 1
                if t == tickers[0] and d >= since:
                    t1 += 1
    return n, high, t1


def main(argv):
    if len(argv) != 8:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    outdir = argv[1]
    ntick, put_days, get_days = int(argv[2]), int(argv[3]), int(argv[4])
    end = datetime.date.fromisoformat(argv[5])
    seed, sparse = int(argv[6]), int(argv[7])
    if not 1 <= ntick <= 9999:
        sys.stderr.write("store-gen.py: TICKERS must be 1 to 9999\n")
        return 2
    os.makedirs(outdir, exist_ok=True)
    tickers = ["T%04d" % i for i in range(1, ntick + 1)]
    pdays = trading_days(end, put_days)
    gdays = trading_days(end, get_days)
    n1 = write_bars(outdir, "1d", tickers, pdays, 1, 1440, "1d", seed)
    n30 = write_bars(outdir, "30m", tickers, pdays, 13, 30, "30m", seed)
    na, high, t1 = write_anomalies(outdir, tickers, gdays, sparse, seed)
    with open(os.path.join(outdir, "stats"), "w") as f:
        f.write("bars_1d=%d\nbars_30m=%d\nanomalies=%d\nfirst_put=%s\n"
                "first_get=%s\nlast=%s\nseverity_high=%d\nanomalies_t1_30d=%d\n"
                % (n1, n30, na, pdays[0], gdays[0], gdays[-1], high, t1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
