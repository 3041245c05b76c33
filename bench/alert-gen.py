#!/usr/bin/env python3
"""Anomalies and alert state for bench/alert.sh, as NDJSON files.

usage: alert-gen.py OUTDIR TICKERS DAYS END SEED DELIVER

Tickers are T0001 ... (TICKERS of them, at most 4999); trading days
are the DAYS weekdays (holidays are not skipped) up to and including
END (YYYY-MM-DD).  A daily bar starts at 09:30 New York: 13:30Z while
New York keeps EDT, 14:30Z in EST (from 2026-11-01).  Writes into
OUTDIR:

  anomalies.ndjson   one anomaly per ticker and day (TICKERS x DAYS,
                     every id distinct), as sam-fetch | sam-zscore |
                     sam-detect writes them: the bar (open, high, low,
                     close, volume, source), sam-zscore's n, mean_M,
                     sd_M and z_M for close and volume, and sam-detect's
                     "anomaly":true, score, severity, metrics (|z| > 2,
                     largest |z| first), threshold 2 and id; sorted by
                     ticker, then time
  alerts.ndjson      an alert state (sam-alert(1), FILES) of TICKERS x
                     DAYS lines for ROOT/alerts/END.ndjson: the ids of
                     every other anomaly (the 1st, 3rd ...), and as many
                     ids of tickers beyond TICKERS (same days), in a
                     shuffled order, alerted_at rising in steps of
                     20 lines from END 05:01Z to 20:59Z (END's New York
                     day, all within 24 h of END 21:00Z); to "slack"
  deliver.ndjson     the first DELIVER anomalies that alerts.ndjson does
                     not hold (the 2nd, 4th ...): a run with that state
                     sends them all
  stats              key=value lines: anomalies, alerted (of them in
                     alerts.ndjson), state_lines, deliver, first, last
                     (dates), severity_low ... severity_critical,
                     two_metrics (anomalies with both metrics)

Severities are drawn 50/25/15/10 % low/medium/high/critical, the score
uniform in the band (low (2, 2.5), medium [2.5, 3), high [3, 4),
critical [4, 7)), its sign and metric at random; the other z is uniform
in (-2.2, 2.2), so about 1 in 11 anomalies has both metrics.  The same
arguments always give the same bytes (random.Random(SEED)).  Standard
library only.
"""

import datetime
import os
import random
import sys

from benchgen import NY, UTC, SEVERITIES, SEVERITY_WEIGHTS, trading_days


def open_ts(date):
    """09:30 New York on date, as an RFC 3339 UTC string."""
    t = datetime.datetime.combine(date, datetime.time(9, 30), NY).astimezone(UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def num(x):
    """A number as sam writes it: shortest repr, no trailing .0."""
    s = repr(x)
    return s[:-2] if s.endswith(".0") else s


def severity(score):
    for name, lo, hi in SEVERITIES:
        if score < hi or name == "critical":
            return name
    return "critical"


def anomaly(rng, t, d, ts, price):
    """One anomaly line of ticker t on date d; returns (line, severity,
    number of metrics, next price)."""
    o = round(price, 2)
    c = round(max(0.01, o * (1 + rng.gauss(0, 0.02))), 2)
    h = round(max(o, c) * (1 + abs(rng.gauss(0, 0.006))), 2)
    lo = round(min(o, c) * (1 - abs(rng.gauss(0, 0.006))), 2)
    v = rng.randint(100000, 50000000)
    sev, zlo, zhi = rng.choices(SEVERITIES, SEVERITY_WEIGHTS)[0]
    score = rng.uniform(zlo, zhi)
    if score <= 2.0:
        score = 2.0000001
    z = {"close": rng.choice((-1, 1)) * score, "volume": rng.uniform(-2.2, 2.2)}
    if rng.random() < 0.5:
        z["close"], z["volume"] = z["volume"], z["close"]
    metrics = sorted((m for m in z if abs(z[m]) > 2.0), key=lambda m: -abs(z[m]))
    score = abs(z[metrics[0]])
    sev = severity(score)
    sd_c = c * 0.012
    sd_v = v * 0.1
    rec = ('{"ticker":"%s","interval":"1d","ts":"%s","date":"%s","open":%s,'
           '"high":%s,"low":%s,"close":%s,"volume":%d,"source":"bench",'
           '"n":30,"mean_close":%s,"sd_close":%s,"z_close":%s,'
           '"mean_volume":%s,"sd_volume":%s,"z_volume":%s,'
           '"anomaly":true,"score":%s,"severity":"%s","metrics":[%s],'
           '"threshold":2,"id":"%s:1d:%s"}\n'
           % (t, ts, d.isoformat(), num(o), num(h), num(lo), num(c), v,
              num(c - z["close"] * sd_c), num(sd_c), num(z["close"]),
              num(v - z["volume"] * sd_v), num(sd_v), num(z["volume"]),
              num(score), sev, ",".join('"%s"' % m for m in metrics), t, ts))
    return rec, sev, len(metrics), c


def main(argv):
    if len(argv) != 7:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    outdir = argv[1]
    ntick, ndays = int(argv[2]), int(argv[3])
    end = datetime.date.fromisoformat(argv[4])
    seed, ndeliver = int(argv[5]), int(argv[6])
    if not 1 <= ntick <= 4999:
        sys.stderr.write("alert-gen.py: TICKERS must be 1 to 4999\n")
        return 2
    os.makedirs(outdir, exist_ok=True)
    rng = random.Random("%s/alert" % seed)
    days = trading_days(end, ndays)
    ts = {d: open_ts(d) for d in days}
    tickers = ["T%04d" % i for i in range(1, ntick + 1)]
    sevs = {name: 0 for name, _, _ in SEVERITIES}
    state = []		# (id, ticker, severity)
    deliver = []
    n = two = 0
    with open(os.path.join(outdir, "anomalies.ndjson"), "w") as f:
        for t in tickers:
            price = rng.uniform(10, 500)
            for d in days:
                rec, sev, nm, price = anomaly(rng, t, d, ts[d], price)
                f.write(rec)
                sevs[sev] += 1
                two += nm == 2
                if n % 2 == 0:
                    state.append(("%s:1d:%s" % (t, ts[d]), t, sev))
                elif len(deliver) < ndeliver:
                    deliver.append(rec)
                n += 1
    alerted = len(state)
    # As many ids again that the input does not hold: the tickers after
    # the last one, on the same days.
    k = ntick + 1
    while len(state) < n:
        t = "T%04d" % k
        for d in days:
            if len(state) == n:
                break
            state.append(("%s:1d:%s" % (t, ts[d]), t,
                          rng.choices(SEVERITIES, SEVERITY_WEIGHTS)[0][0]))
        k += 1
    rng.shuffle(state)
    start = datetime.datetime.combine(end, datetime.time(5, 1), UTC)
    span = (20 * 3600 + 59 * 60) - (5 * 3600 + 60)	# 05:01 .. 20:59
    groups = (len(state) + 19) // 20
    with open(os.path.join(outdir, "alerts.ndjson"), "w") as f:
        for i, (aid, t, sev) in enumerate(state):
            at = start + datetime.timedelta(seconds=(i // 20) * span // max(groups, 1))
            f.write('{"id":"%s","ticker":"%s","severity":"%s","to":"slack",'
                    '"alerted_at":"%s"}\n'
                    % (aid, t, sev, at.strftime("%Y-%m-%dT%H:%M:%SZ")))
    with open(os.path.join(outdir, "deliver.ndjson"), "w") as f:
        f.writelines(deliver)
    with open(os.path.join(outdir, "stats"), "w") as f:
        f.write("anomalies=%d\nalerted=%d\nstate_lines=%d\ndeliver=%d\n"
                "first=%s\nlast=%s\ntwo_metrics=%d\n"
                % (n, alerted, len(state), len(deliver), days[0], days[-1], two))
        for name, _, _ in SEVERITIES:
            f.write("severity_%s=%d\n" % (name, sevs[name]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
