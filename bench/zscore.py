#!/usr/bin/python3
"""zscore.py - sam-zscore | sam-detect, written in pandas, for bench/zscore.sh.

    /usr/bin/python3 bench/zscore.py [bars.ndjson] > anomalies.ndjson

Reads NDJSON bars (a file, or stdin), groups them by (ticker, interval)
in input order, and for close and volume computes the mean and sample
standard deviation (ddof 1) of the 30 bars BEFORE each bar (rolling(30)
shifted by one bar within the series), z = (x - mean) / sd (NaN while
fewer than 30 bars are in the window or when sd is 0), and writes the
bars with |z| > 2 for either metric as NDJSON.  Like sam-zscore it does
not need the input sorted, only each series in time order.
"""
import sys

import numpy as np
import pandas as pd

W = 30
THRESHOLD = 2.0
KEYS = ["ticker", "interval"]


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else sys.stdin
    df = pd.read_json(src, lines=True, convert_dates=False,
                      dtype={"ticker": str, "interval": str, "ts": str,
                             "date": str})
    g = df.groupby(KEYS, sort=False)
    df["n"] = np.minimum(g.cumcount(), W)
    keep = np.zeros(len(df), dtype=bool)
    for m in ("close", "volume"):
        x = df[m].astype("float64")
        # The window ends at the previous bar of the same series.
        prev = x.groupby([df[k] for k in KEYS], sort=False).shift(1)
        roll = prev.groupby([df[k] for k in KEYS], sort=False).rolling(
            W, min_periods=W)
        mean = roll.mean().reset_index(level=[0, 1], drop=True).sort_index()
        sd = roll.std(ddof=1).reset_index(level=[0, 1], drop=True).sort_index()
        z = ((x - mean) / sd).replace([np.inf, -np.inf], np.nan)
        df["mean_" + m] = mean
        df["sd_" + m] = sd
        df["z_" + m] = z
        keep |= (z.abs() > THRESHOLD).to_numpy()
    out = df[keep]
    # pandas 1.5 ends lines=True output with a newline; 1.4 did not.
    text = out.to_json(orient="records", lines=True, double_precision=15)
    sys.stdout.write(text if not text or text.endswith("\n") else text + "\n")


if __name__ == "__main__":
    main()
