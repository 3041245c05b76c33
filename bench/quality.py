#!/usr/bin/python3
"""quality.py - the figures of bench/quality.sh (python3, standard library).

    quality.py figures BARS [NAME ALERTS ALL]... > figures.json
    quality.py unfinished SESSION-DATE [SLOT BARS ALERTS]... > unfinished.json
    quality.py table META.json FIGURES.json... > table.md

figures: BARS is sam-fetch's NDJSON (sorted by ticker, then ts); for each
profile NAME, ALERTS is what sam-detect wrote (the alerts) and ALL what
sam-detect --all wrote (every bar with its score).  Prints a JSON object
{"bars": {...}, "profiles": {NAME: {...}}}.

  - Eligible bars: a bar with at least W + 1 = 31 earlier bars in its
    series (a full window of 30 returns).  Every figure but calibration
    is over the eligible bars; alerts on earlier bars are counted apart.
  - Days: the dates holding an eligible bar; a day without alerts
    counts 0.
  - An alert is an anomaly record of a ticker bar; records of ticker
    "MARKET" are market events, counted per date.
  - Extreme bar: an eligible bar whose simple return (close / previous
    close - 1) is 8 % or more away from that date's cross-sectional
    median return (of all bars with a return that date), or whose volume
    is 5 times or more the median volume of its series' 30 previous bars.
  - Calibration: of the ticker bars whose score is not null in ALL, the
    share with score > 2, 3, 4; bars with an injected anomaly are left
    out (on the mock, the rest is the null the scores are calibrated to).
  - Injected (mock with --mark-injected): a flagged eligible bar is a
    true positive when its "injected" array is not empty; recall is over
    the eligible bars with a non-empty "injected".

unfinished: for each run at SLOT (a label) of the session SESSION-DATE,
BARS is what sam-fetch wrote and ALERTS what sam-detect kept; counts the
bars with "final":false and the volume anomalies (metrics holding
"volume" or "lvolume") on them, and the same for the bars of the session
date that carry no "final" (unmarked).

table: the Markdown table of bench/quality.sh from the figures of each
input and META (throughput, unfinished, names), with the targets.
"""
import json
import statistics
import sys
from collections import Counter, defaultdict, deque

W = 30
EXTREME_MOVE = 0.08
EXTREME_VOLUME = 5.0
SELLOFFS = ("2015-08-24", "2018-02-05")
CAL = ((2, 0.0455), (3, 0.0027), (4, 0.000063))
EXAMPLES = 12


def records(path):
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def pct(values, q):
    """Nearest-rank percentile of a sorted list."""
    if not values:
        return None
    k = max(1, -(-len(values) * q // 100))
    return values[int(k) - 1]


def read_bars(path):
    series = {}
    warm = set()
    elig_dates = Counter()
    selloff_tickers = {d: 0 for d in SELLOFFS}
    rets = defaultdict(list)
    cand = []
    injected = {}
    n = 0
    for r in records(path):
        n += 1
        key = (r["ticker"], r["interval"])
        bid = "%s:%s:%s" % (r["ticker"], r["interval"], r["ts"])
        s = series.get(key)
        if s is None:
            s = series[key] = [0, None, deque(maxlen=W)]
        count, prev, vols = s
        close = r["close"]
        vol = r["volume"]
        ret = None
        if prev is not None and prev != 0:
            ret = close / prev - 1
            rets[r["date"]].append(ret)
        if count < W + 1:
            warm.add(bid)
        else:
            d = r["date"]
            elig_dates[d] += 1
            if d in selloff_tickers:
                selloff_tickers[d] += 1
            vmed = statistics.median(vols)
            vratio = vol / vmed if vmed > 0 else None
            cand.append((bid, r["ticker"], d, ret, vratio))
            inj = r.get("injected")
            if inj:
                injected[bid] = list(inj)
        if r.get("final") is not False:
            s[0] = count + 1
            s[1] = close
            vols.append(vol)
    med = {d: statistics.median(v) for d, v in rets.items()}
    extreme = {}
    for bid, ticker, d, ret, vratio in cand:
        move = ret is not None and abs(ret - med[d]) >= EXTREME_MOVE
        spike = vratio is not None and vratio >= EXTREME_VOLUME
        if move or spike:
            extreme[bid] = {"ticker": ticker, "date": d, "return": ret,
                            "median_return": med[d], "rvol30": vratio,
                            "move": move, "spike": spike}
    return {"n": n, "series": len(series), "warm": warm,
            "elig_dates": elig_dates, "selloff_tickers": selloff_tickers,
            "extreme": extreme, "injected": injected}


def summary(r):
    """The fields of a scored record that say why it was or was not kept."""
    keep = ("score", "threshold", "p", "q", "return", "market_return",
            "beta", "excess", "rvol", "n")
    out = {k: r[k] for k in keep if k in r}
    for k, v in r.items():
        if k.startswith("z_"):
            out[k] = v
    return out


def profile(bars, alerts_path, all_path):
    days = sorted(bars["elig_dates"])
    per_day = Counter()
    flagged = 0
    warm_alerts = 0
    market = Counter()
    selloff_flagged = {d: set() for d in SELLOFFS}
    ext_flagged = set()
    inj_flagged = set()
    tp = 0
    extreme = bars["extreme"]
    injected = bars["injected"]
    for r in records(alerts_path):
        if r.get("anomaly") is not True:
            continue
        if r["ticker"] == "MARKET":
            market[r["date"]] += 1
            continue
        bid = r["id"]
        if bid in bars["warm"]:
            warm_alerts += 1
            continue
        flagged += 1
        per_day[r["date"]] += 1
        if r["date"] in selloff_flagged:
            selloff_flagged[r["date"]].add(r["ticker"])
        if bid in extreme:
            ext_flagged.add(bid)
        if r.get("injected"):
            tp += 1
        if bid in injected:
            inj_flagged.add(bid)
    counts = sorted(per_day[d] for d in days)
    scored = 0
    above = [0] * len(CAL)
    ext_scored = {}
    for r in records(all_path):
        if r["ticker"] == "MARKET":
            continue
        sc = r.get("score")
        if sc is not None and not r.get("injected"):
            scored += 1
            for i, (k, _) in enumerate(CAL):
                if sc > k:
                    above[i] += 1
        if r["id"] in extreme:
            ext_scored[r["id"]] = summary(r)
    elig = sum(bars["elig_dates"].values())
    out = {
        "days": len(days),
        "eligible_bars": elig,
        "alerts": flagged,
        "alerts_in_warmup": warm_alerts,
        "per_day": {"median": statistics.median(counts) if counts else None,
                    "p90": pct(counts, 90),
                    "max": counts[-1] if counts else None,
                    "zero_days": sum(1 for c in counts if c == 0)},
        "share_flagged": flagged / elig if elig else None,
        "market_events": sum(market.values()),
        "market_days": len(market),
        "selloff": {},
        "calibration": {"scored": scored,
                        "above": {str(k): (above[i] / scored if scored
                                           else None)
                                  for i, (k, _) in enumerate(CAL)}},
    }
    for d in SELLOFFS:
        nt = bars["selloff_tickers"][d]
        out["selloff"][d] = {
            "tickers": nt, "flagged": len(selloff_flagged[d]),
            "share": len(selloff_flagged[d]) / nt if nt else None,
            "market_events": market.get(d, 0)}
    ext = {"n": len(extreme), "flagged": len(ext_flagged)}
    for kind in ("move", "spike"):
        ids = [b for b, e in extreme.items() if e[kind]]
        ext["n_" + kind] = len(ids)
        ext["flagged_" + kind] = sum(1 for b in ids if b in ext_flagged)
    ext["recall"] = ext["flagged"] / ext["n"] if ext["n"] else None
    causes = Counter()
    missed = []
    for bid, e in extreme.items():
        if bid in ext_flagged:
            continue
        s = ext_scored.get(bid, {})
        sc = s.get("score")
        if sc is None:
            cause = "no score"
        elif "threshold" in s and sc <= s["threshold"]:
            cause = "score at or below the threshold"
        elif s.get("q") is not None:
            cause = "over the threshold, not kept by the FDR"
        else:
            cause = "over the threshold, not kept"
        causes[cause] += 1
        m = dict(e)
        m["id"] = bid
        m["cause"] = cause
        m["scored"] = s
        missed.append(m)

    def size(m):
        mv = abs(m["return"] - m["median_return"]) / EXTREME_MOVE \
            if m["move"] else 0
        sp = (m["rvol30"] or 0) / EXTREME_VOLUME if m["spike"] else 0
        return -max(mv, sp)
    missed.sort(key=size)
    ext["missed_causes"] = dict(causes)
    ext["missed_examples"] = missed[:EXAMPLES]
    out["extreme"] = ext
    if injected:
        ninj = len(injected)
        inj = {"n": ninj, "tp": tp,
               "precision": tp / flagged if flagged else None,
               "recall": len(inj_flagged) / ninj}
        for kind in ("price", "volume"):
            ids = [b for b, k in injected.items() if kind in k]
            inj["n_" + kind] = len(ids)
            inj["recall_" + kind] = (sum(1 for b in ids if b in inj_flagged)
                                     / len(ids) if ids else None)
        out["injected"] = inj
    return out


def cmd_figures(args):
    if len(args) < 1 or (len(args) - 1) % 3:
        sys.exit("usage: quality.py figures BARS [NAME ALERTS ALL]...")
    bars = read_bars(args[0])
    out = {"bars": {"bars": bars["n"], "series": bars["series"],
                    "eligible": sum(bars["elig_dates"].values()),
                    "days": len(bars["elig_dates"]),
                    "extreme": len(bars["extreme"]),
                    "injected": len(bars["injected"])},
           "profiles": {}}
    rest = args[1:]
    for i in range(0, len(rest), 3):
        out["profiles"][rest[i]] = profile(bars, rest[i + 1], rest[i + 2])
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


def cmd_unfinished(args):
    if len(args) < 4 or (len(args) - 1) % 3:
        sys.exit("usage: quality.py unfinished SESSION-DATE "
                 "[SLOT BARS ALERTS]...")
    session = args[0]
    out = {"session": session, "slots": {}, "anomalies": 0,
           "marked": 0}
    for i in range(1, len(args), 3):
        slot, bars, alerts = args[i:i + 3]
        c = Counter()
        for r in records(bars):
            if r.get("final") is False:
                c["final_false"] += 1
            elif r.get("date") == session:
                c["session_unmarked"] += 1
        for r in records(alerts):
            if r["ticker"] == "MARKET" or r.get("anomaly") is not True:
                continue
            vol = any("volume" in m for m in r.get("metrics", []))
            if r.get("final") is False:
                c["anomalies"] += vol
            elif r.get("date") == session:
                c["unmarked_volume_anomalies"] += vol
        out["slots"][slot] = dict(c)
        out["anomalies"] += c["anomalies"]
        out["marked"] += c["final_false"]
    json.dump(out, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")


def fmt_pct(x, digits=1):
    return "-" if x is None else "%.*f %%" % (digits, 100 * x)


def fmt_num(x):
    if x is None:
        return "-"
    if isinstance(x, float) and not x.is_integer():
        return "%.1f" % x
    return "{:,}".format(int(x))


def cmd_table(args):
    if len(args) < 2:
        sys.exit("usage: quality.py table META FIGURES...")
    with open(args[0]) as f:
        meta = json.load(f)
    figs = {}
    for path, inp in zip(args[1:], meta["inputs"]):
        with open(path) as f:
            figs[inp] = json.load(f)
    cols = [(i, p) for i in meta["inputs"] for p in ("original", "recommended")]

    def prof(i, p):
        return figs.get(i, {}).get("profiles", {}).get(p)

    def get(i, p, *path):
        v = prof(i, p)
        for k in path:
            if v is None:
                return None
            v = v.get(k) if isinstance(v, dict) else None
        return v

    rec = prof("real", "recommended") is not None \
        or prof("mock", "recommended") is not None

    def mark(ok):
        if not rec or ok is None:
            return "n/a"
        return "**PASS**" if ok else "**FAIL**"

    rows = []

    def row(name, cell, target=""):
        rows.append([name] + [cell(i, p) for i, p in cols] + [target])

    def fig(*path, f=fmt_num):
        return lambda i, p: f(get(i, p, *path)) if prof(i, p) else "-"

    med = get("real", "recommended", "per_day", "median")
    row("alerts a day, median", fig("per_day", "median"),
        "<= 10 (real): %s" % mark(None if med is None else med <= 10))
    row("alerts a day, p90", fig("per_day", "p90"))
    row("alerts a day, max", fig("per_day", "max"))
    row("days without an alert", fig("per_day", "zero_days"))
    row("bars flagged", fig("share_flagged", f=fmt_pct))
    row("market events (days)", lambda i, p: "-" if not prof(i, p) else
        "%s (%s)" % (fmt_num(get(i, p, "market_events")),
                     fmt_num(get(i, p, "market_days"))))
    for d in SELLOFFS:
        share = get("real", "recommended", "selloff", d, "share")
        ev = get("real", "recommended", "selloff", d, "market_events")
        ok = None if share is None else (share <= 0.15 and ev == 1)

        def cell(i, p, d=d):
            if not prof(i, p) or not get(i, p, "selloff", d, "tickers"):
                return "-"
            return "%s, %d market event%s" % (
                fmt_pct(get(i, p, "selloff", d, "share")),
                get(i, p, "selloff", d, "market_events"),
                "" if get(i, p, "selloff", d, "market_events") == 1 else "s")
        row("tickers flagged on %s" % d, cell,
            "<= 15 %% and 1 market event (real): %s" % mark(ok))

    def ext(kind):
        def cell(i, p):
            if not prof(i, p):
                return "-"
            n = get(i, p, "extreme", "n" + kind)
            k = get(i, p, "extreme", "flagged" + kind)
            return "%s (%d of %d)" % (fmt_pct(k / n if n else None), k, n)
        return cell
    er = get("real", "recommended", "extreme", "recall")
    row("extreme bars flagged", ext(""),
        ">= 99 %% (real): %s" % mark(None if er is None else er >= 0.99))
    row("- moved >= 8 % against the median", ext("_move"))
    row("- volume >= 5x the median of 30", ext("_spike"))
    for k, normal in CAL:
        row("score > %d (normal: %s)" % (k, fmt_pct(normal, 4 if k == 4
                                                    else 2)),
            fig("calibration", "above", str(k),
                f=lambda x: fmt_pct(x, 4 if x is not None and x < 0.001
                                    else 2)))
    pr = get("mock", "recommended", "injected", "precision")
    rc = get("mock", "recommended", "injected", "recall")
    row("injected: precision", fig("injected", "precision", f=fmt_pct),
        ">= 80 %% at recall >= 95 %% (mock): %s"
        % mark(None if pr is None else pr >= 0.8 and rc >= 0.95))
    row("injected: recall", fig("injected", "recall", f=fmt_pct))
    row("- price jumps", fig("injected", "recall_price", f=fmt_pct))
    row("- volume spikes", fig("injected", "recall_volume", f=fmt_pct))

    unf = meta.get("unfinished", {})

    def ucell(i, p):
        u = unf.get(p)
        if i != "mock" or u is None:
            return "-"
        if not u["marked"]:
            return "n/a (no bar marked \"final\":false)"
        return "%d (of %d unfinished bars)" % (u["anomalies"], u["marked"])
    ur = unf.get("recommended")
    row("unfinished-bar volume anomalies, 8 run slots", ucell,
        "0 (mock): %s" % mark(None if not ur or not ur["marked"]
                              else ur["anomalies"] == 0))
    thr = meta.get("throughput", {})

    def tcell(kind):
        def cell(i, p):
            t = thr.get(i, {}).get(p)
            return "-" if t is None else "{:,.0f}".format(t[kind])
        return cell
    # the mark: against today's tools (-B) when they were timed
    ref = "today" if all(thr.get(i, {}).get("today")
                         for i in meta["inputs"]) else "original"
    ok = None
    if all(thr.get(i, {}).get("recommended") for i in meta["inputs"]):
        ok = all(thr[i]["recommended"]["cpu"]
                 >= 0.95 * thr[i][ref]["cpu"]
                 for i in meta["inputs"])
    row("zscore \\| detect, bars a second (one core)", tcell("wall"))
    if ref == "today":
        row("zscore \\| detect, bars a CPU second", tcell("cpu"))

        def today(i, p):
            return ("{:,.0f}".format(thr[i]["today"]["cpu"])
                    if p == "original" else "-")
        row("today's tools (-B), bars a CPU second", today,
            ">= today's original (5 %% noise allowed): %s" % mark(ok))
    else:
        row("zscore \\| detect, bars a CPU second", tcell("cpu"),
            ">= original's (5 %% noise allowed): %s" % mark(ok))

    head = ["figure"] + ["%s / %s" % c for c in cols] + ["target (recommended)"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    notes(meta, figs, cols)


def notes(meta, figs, cols):
    print()
    for i in meta["inputs"]:
        b = figs[i]["bars"]
        print("- %s: %s bars, %s series; %s eligible bars (after 31 bars "
              "of warm-up) on %s days; %s extreme bars%s"
              % (i, fmt_num(b["bars"]), fmt_num(b["series"]),
                 fmt_num(b["eligible"]), fmt_num(b["days"]),
                 fmt_num(b["extreme"]),
                 "; %s injected anomalies" % fmt_num(b["injected"])
                 if b["injected"] else ""))
    for i, p in cols:
        f = figs[i]["profiles"].get(p)
        if not f:
            continue
        e = f["extreme"]
        causes = ", ".join("%d %s" % (n, c) for c, n in
                           sorted(e["missed_causes"].items(),
                                  key=lambda x: -x[1]))
        print("- %s / %s: %s alerts (%s more in the warm-up); extreme bars "
              "missed: %d%s" % (i, p, fmt_num(f["alerts"]),
                                fmt_num(f["alerts_in_warmup"]),
                                e["n"] - e["flagged"],
                                " (%s)" % causes if causes else ""))
    for p in ("original", "recommended"):
        u = meta.get("unfinished", {}).get(p)
        if not u:
            continue
        print("- unfinished bars, %s, mock session %s, per run slot "
              "(New York): volume anomalies / bars \"final\":false "
              "[unmarked bars of the session day: volume anomalies / bars]:"
              % (p, u["session"]))
        print("  " + "; ".join(
            "%s %d/%d [%d/%d]" % (slot, c.get("anomalies", 0),
                                  c.get("final_false", 0),
                                  c.get("unmarked_volume_anomalies", 0),
                                  c.get("session_unmarked", 0))
            for slot, c in sorted(u["slots"].items())))
    for i, p in cols:
        f = figs[i]["profiles"].get(p)
        if not f or not f["extreme"]["missed_examples"]:
            continue
        print()
        print("The largest extreme bars %s / %s missed:" % (i, p))
        print()
        print("| bar | return | median return | volume / median of 30 "
              "| why | scored |")
        print("|---|---|---|---|---|---|")
        for m in f["extreme"]["missed_examples"]:
            sc = ", ".join("%s %s" % (k, fmt_val(v))
                           for k, v in m["scored"].items())
            print("| %s %s | %s | %s | %s | %s | %s |"
                  % (m["ticker"], m["date"], fmt_pct(m["return"]),
                     fmt_pct(m["median_return"]),
                     "-" if m["rvol30"] is None else "%.1fx" % m["rvol30"],
                     m["cause"], sc))


def fmt_val(v):
    if isinstance(v, float):
        return "%.3g" % v
    return "null" if v is None else str(v)


def main():
    cmds = {"figures": cmd_figures, "unfinished": cmd_unfinished,
            "table": cmd_table}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit("usage: quality.py figures|unfinished|table ...")
    cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
