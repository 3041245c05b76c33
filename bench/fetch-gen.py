#!/usr/bin/env python3
"""Yahoo chart-API answers made from a CSV of daily bars (used by fetch.sh).

usage: fetch-gen.py CSV OUTDIR TICKERS FROM TO
       fetch-gen.py --check CSV NDJSON TICKER...

CSV has the columns date,open,high,low,close,volume,Name (as
all_stocks_5yr.csv), each ticker's rows together and in date order.
For the first TICKERS tickers of the file (0: all) writes into OUTDIR:

  plain/T.http   one response file per ticker (test/fixtures/http/README):
                 the v8 chart answer {"chart":{"result":[R],"error":null}}
                 with meta, timestamp (09:30 New York of each date, in UTC
                 seconds), indicators.quote[0] and adjclose; an empty cell
                 of the CSV is null, the other cells are copied as written
  gzip/T.http    the same with X-Test-Gzip: yes (the server gzips it)
  plain.routes, gzip.routes
                 /v8/finance/chart/T\\? -> the file, for test/httpd.py
  body/T.json    the body alone (for jq without HTTP)
  watchlist      the tickers, one a line
  stats          key=value lines: tickers, rows, null_rows, null_cells,
                 bad_rows (all five numbers present but low > open or
                 close, or high < them), expect (rows in FROM..TO
                 without a null: the bars sam-fetch should write if it
                 rejects none), expect_good (expect - bad_rows in range),
                 bytes (of the plain bodies)

FROM and TO are dates YYYY-MM-DD.

With --check, compares the bars of each TICKER in NDJSON (sam-fetch's
output) with the CSV's rows of that ticker, as numbers (float): the
rows with no empty cell and low <= open, close <= high must be the
bars, date for date, with the same open, high, low, close and volume.
Prints one line per ticker and exits 1 if any differ.

Standard library only.
"""

import csv
import datetime
import json
import os
import re
import sys
import zoneinfo

NY = zoneinfo.ZoneInfo("America/New_York")
UTC = datetime.timezone.utc

HEAD = ("200\n"
        "Content-Type: application/json;charset=utf-8\n"
        "Cache-Control: public, max-age=10, stale-while-revalidate=20\n"
        "Vary: Origin,Accept-Encoding\n")


def ny(date, hour, minute):
    """UTC seconds of HOUR:MINUTE New York time on DATE."""
    t = datetime.datetime.combine(date, datetime.time(hour, minute), NY)
    return int(t.timestamp())


def num(cell):
    """The cell as a JSON number (as written), or null if empty."""
    cell = cell.strip()
    return cell if cell else "null"


def arr(cells):
    return "[" + ",".join(cells) + "]"


def body(ticker, rows):
    """The chart answer for ROWS: [(date, open, high, low, close, volume)]."""
    first, last = rows[0][0], rows[-1][0]
    lastoff = int(datetime.datetime.combine(last, datetime.time(12), NY)
                  .utcoffset().total_seconds())
    zone = "EDT" if lastoff == -14400 else "EST"
    closes = [r[4] for r in rows if r[4]]
    year = rows[-252:]
    highs = [float(r[2]) for r in year if r[2]]
    lows = [float(r[3]) for r in year if r[3]]
    lastrow = rows[-1]

    def period(h0, m0, h1, m1):
        return ('{"timezone":"%s","start":%d,"end":%d,"gmtoffset":%d}'
                % (zone, ny(last, h0, m0), ny(last, h1, m1), lastoff))

    meta = (
        '{"currency":"USD","symbol":"%s","exchangeName":"NYQ",'
        '"fullExchangeName":"NYSE","instrumentType":"EQUITY",'
        '"firstTradeDate":%d,"regularMarketTime":%d,'
        '"hasPrePostMarketData":true,"gmtoffset":%d,"timezone":"%s",'
        '"exchangeTimezoneName":"America/New_York","regularMarketPrice":%s,'
        '"fiftyTwoWeekHigh":%s,"fiftyTwoWeekLow":%s,'
        '"regularMarketDayHigh":%s,"regularMarketDayLow":%s,'
        '"regularMarketVolume":%s,"longName":"%s","shortName":"%s",'
        '"chartPreviousClose":%s,"priceHint":2,'
        '"currentTradingPeriod":{"pre":%s,"regular":%s,"post":%s},'
        '"dataGranularity":"1d","range":"",'
        '"validRanges":["1d","5d","1mo","3mo","6mo","1y","2y","5y","10y",'
        '"ytd","max"]}'
        % (ticker, ny(first, 9, 30), ny(last, 16, 0), lastoff, zone,
           closes[-1] if closes else "null",
           repr(max(highs)) if highs else "null",
           repr(min(lows)) if lows else "null",
           num(lastrow[2]), num(lastrow[3]), num(lastrow[5]),
           ticker, ticker, closes[0] if closes else "null",
           period(4, 0, 9, 30), period(9, 30, 16, 0), period(16, 0, 20, 0)))
    stamps = [str(ny(r[0], 9, 30)) for r in rows]
    col = {k: arr(num(r[i]) for r in rows)
           for k, i in (("open", 1), ("high", 2), ("low", 3), ("close", 4),
                        ("volume", 5))}
    return ('{"chart":{"result":[{"meta":%s,"timestamp":%s,'
            '"indicators":{"quote":[{"open":%s,"low":%s,"high":%s,'
            '"volume":%s,"close":%s}],"adjclose":[{"adjclose":%s}]}}],'
            '"error":null}}'
            % (meta, arr(stamps), col["open"], col["low"], col["high"],
               col["volume"], col["close"], col["close"]))


def check(path, ndjson, tickers):
    want = {t: {} for t in tickers}
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            if not row or row[6].strip() not in want:
                continue
            if any(not c.strip() for c in row[1:6]):
                continue
            o, h, l, c, v = (float(x) for x in row[1:6])
            if l > o or l > c or h < o or h < c:
                continue
            want[row[6].strip()][row[0]] = (o, h, l, c, v)
    got = {t: {} for t in tickers}
    with open(ndjson, encoding="utf-8") as f:
        for line in f:
            b = json.loads(line)
            if b["ticker"] in got:
                got[b["ticker"]][b["date"]] = tuple(
                    float(b[k]) for k in ("open", "high", "low", "close", "volume"))
    bad = 0
    for t in tickers:
        w, g = want[t], got[t]
        dates = sorted(set(w) | set(g))
        closes = sum(1 for d in dates if d in w and d in g and w[d][3] == g[d][3])
        other = sum(1 for d in dates if d in w and d in g and w[d] != g[d])
        missing = sum(1 for d in dates if d not in g)
        extra = sum(1 for d in dates if d not in w)
        ok = closes == len(w) == len(g) and not other
        bad += not ok
        print("  %-6s csv %5d bars, sam-fetch %5d; closes equal %5d; "
              "other OHLCV differing %d; missing %d, extra %d: %s"
              % (t, len(w), len(g), closes, other, missing, extra,
                 "ok" if ok else "DIFFERENT"))
    return 1 if bad else 0


def main(argv):
    if len(argv) >= 4 and argv[1] == "--check":
        sys.exit(check(argv[2], argv[3], argv[4:]))
    if len(argv) != 6:
        sys.exit("usage: fetch-gen.py CSV OUTDIR TICKERS FROM TO")
    path, out, limit = argv[1], argv[2], int(argv[3])
    lo = datetime.date.fromisoformat(argv[4])
    hi = datetime.date.fromisoformat(argv[5])
    series = {}
    order = []
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        header = [h.strip().lower() for h in next(r)]
        if header != ["date", "open", "high", "low", "close", "volume", "name"]:
            sys.exit("fetch-gen.py: %s: unexpected header %s" % (path, header))
        for row in r:
            if not row:
                continue
            t = row[6].strip()
            if t not in series:
                if limit and len(order) == limit:
                    continue
                series[t] = []
                order.append(t)
            series[t].append((datetime.date.fromisoformat(row[0]),) +
                             tuple(row[1:6]))
    for d in ("plain", "gzip", "body"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    st = dict(tickers=len(order), rows=0, null_rows=0, null_cells=0,
              bad_rows=0, expect=0, expect_good=0, bytes=0)
    with open(os.path.join(out, "plain.routes"), "w") as rp, \
         open(os.path.join(out, "gzip.routes"), "w") as rg, \
         open(os.path.join(out, "watchlist"), "w") as wl:
        for t in order:
            rows = series[t]
            for row in rows:
                st["rows"] += 1
                empty = sum(1 for c in row[1:] if not c.strip())
                st["null_cells"] += empty
                st["null_rows"] += empty > 0
                inrange = lo <= row[0] <= hi
                if empty:
                    continue
                o, h, l, c = (float(x) for x in row[1:5])
                bad = l > o or l > c or h < o or h < c
                st["bad_rows"] += bad
                st["expect"] += inrange
                st["expect_good"] += inrange and not bad
            b = body(t, rows).encode()
            st["bytes"] += len(b)
            name = re.sub(r"[^A-Za-z0-9.-]", "_", t)
            with open(os.path.join(out, "body", name + ".json"), "wb") as f:
                f.write(b)
            for d, extra in (("plain", ""), ("gzip", "X-Test-Gzip: yes\n")):
                with open(os.path.join(out, d, name + ".http"), "wb") as f:
                    f.write((HEAD + extra + "\n").encode() + b)
            pat = "/v8/finance/chart/%s\\?" % re.escape(t)
            rp.write("%s plain/%s.http\n" % (pat, name))
            rg.write("%s gzip/%s.http\n" % (pat, name))
            wl.write(t + "\n")
    with open(os.path.join(out, "stats"), "w") as f:
        for k, v in st.items():
            f.write("%s=%d\n" % (k, v))


if __name__ == "__main__":
    main(sys.argv)
