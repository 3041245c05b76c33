#!/usr/bin/env bats
# Signal quality (issue 16), sam-zscore and sam-detect: log volume and
# relative volume, session slots, unfinished bars, the market factor,
# profiles, calibrated scores, the false discovery rate, materiality
# floors and market events.  Expected values come from
# fixtures/signal/ref.py (an independent reference in python3) or are
# worked out in the comments.

# shellcheck disable=SC2154,SC2034 # status, output, stderr: set by run; USAGE: read by usage_table
load test_helper
bats_require_minimum_version 1.5.0

SF=$FIXTURES/signal
ZUSAGE='usage: sam-zscore [-w window] [-p min-periods] [-m metrics] [--ddof 0|1]
                  [--robust] [--profile name] [--market file [--market-ticker ticker]]
                  [--market-only] [--strict] [--log-format text|json] [file ...]'
DUSAGE='usage: sam-detect [-t threshold] [-m metrics] [-b bands] [-T file] [--all]
                  [--profile name] [--tail-df df] [--fdr rate] [--move fraction]
                  [--rvol ratio] [--strict] [--log-format text|json] [file ...]'

# pycheck ARG... <<'EOF' python EOF: runs the python with ref.py loaded
# and sys.argv[1:] = ARG...; an assert that fails fails the test.
pycheck() {
	python3 -c "$(cat "$SF/ref.py"; echo; cat)" "$@"
}

# ---- lvolume and rvol ----

@test "lvolume is the z of ln(1 + volume); rvol = exp(x - mean); 5x and 1/5x are equally far" {
	sam-zscore -w 5 -m lvolume "$SF/volume.ndjson" > out
	pycheck out <<-'EOF'
	out = records(sys.argv[1])
	assert len(out) == 12
	# 1 + volume of the first five bars: 800, 1250, 1000, 800, 1250 (geometric mean 1000)
	lv = [math.log1p(v) for v in (799, 1249, 999, 799, 1249)]
	m, sd = mean_sd(lv)
	for r in out:
	    if r["ts"] != "2024-01-09T14:30:00Z":
	        assert r["z_lvolume"] is None and r["rvol"] is None, r
	        continue
	    assert r["n"] == 5
	    assert near(r["mean_lvolume"], m) and near(r["sd_lvolume"], sd), r
	    x = math.log1p(r["volume"])
	    assert near(r["z_lvolume"], (x - m) / sd), r
	    assert near(r["rvol"], math.exp(x - m)), r
	    assert near(r["rvol"], {"HI": 5.0, "LO": 0.2}[r["ticker"]]), r
	hi = [r for r in out if r["ticker"] == "HI"][-1]
	lo = [r for r in out if r["ticker"] == "LO"][-1]
	assert abs(hi["z_lvolume"] + lo["z_lvolume"]) < 1e-12 * hi["z_lvolume"], (hi, lo)
	assert near(hi["z_lvolume"], math.log(5) / sd)
	EOF
}

@test "lvolume with --robust: median and MAD of the log volumes, exactly" {
	sam-zscore -w 5 --robust -m lvolume "$SF/volume.ndjson" > out
	pycheck out <<-'EOF'
	out = records(sys.argv[1])
	c, s = robust([math.log1p(v) for v in (799, 1249, 999, 799, 1249)])
	for r in out[5], out[11]:
	    x = math.log1p(r["volume"])
	    assert set(r) >= {"median_lvolume", "mad_lvolume"} and "mean_lvolume" not in r
	    assert r["median_lvolume"] == c and r["mad_lvolume"] == s, r
	    assert r["z_lvolume"] == (x - c) / s, r
	    assert r["rvol"] == math.exp(x - c), r
	EOF
}

@test "an intraday bar's volume is judged against the same session slot of earlier days" {
	# 5m bars at 09:30, 09:35 and 09:40 New York on 4 days; the open is
	# always about ten times the rest, which is no anomaly
	sam-zscore -w 3 -m lvolume "$SF/intraday.ndjson" > out
	pycheck out <<-'EOF'
	out = records(sys.argv[1])
	last = out[9:]
	want = {"14:30": (9000, 11000, 10000), "14:35": (1000, 900, 1050), "14:40": (1100, 1200, 950)}
	for r in last:
	    m, sd = mean_sd([math.log1p(v) for v in want[r["ts"][11:16]]])
	    assert near(r["mean_lvolume"], m) and near(r["sd_lvolume"], sd), r
	    assert near(r["z_lvolume"], (math.log1p(r["volume"]) - m) / sd), r
	assert abs(last[0]["z_lvolume"]) < 1, last[0]
	# days 1-3: each slot's window holds fewer than 3 days
	assert all(r["z_lvolume"] is None for r in out[:9])
	EOF
	run --separate-stderr sam-detect -m lvolume out
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
}

@test "the session slot follows New York time across the change to summer time" {
	# 09:30 New York is 14:30Z on Friday 8 March 2024 and 13:30Z on Monday 11 March
	fixture in <<-'EOF'
	{"ticker":"AAA","interval":"15m","ts":"2024-03-08T14:30:00Z","close":10,"volume":5000}
	{"ticker":"AAA","interval":"15m","ts":"2024-03-08T14:45:00Z","close":10,"volume":700}
	{"ticker":"AAA","interval":"15m","ts":"2024-03-11T13:30:00Z","close":10,"volume":6000}
	{"ticker":"AAA","interval":"15m","ts":"2024-03-11T13:45:00Z","close":10,"volume":800}
	EOF
	sam-zscore -w 2 -p 1 -m lvolume in > out
	pycheck out <<-'EOF'
	out = records(sys.argv[1])
	assert out[2]["mean_lvolume"] == math.log1p(5000), out[2]
	assert out[3]["mean_lvolume"] == math.log1p(700), out[3]
	assert out[2]["rvol"] == math.exp(math.log1p(6000) - math.log1p(5000)), out[2]
	EOF
}

# ---- unfinished bars ----

# HI's first five bars, an unfinished sixth, its final version, a seventh.
unfinished_streams() {
	head -5 "$SF/volume.ndjson" > full
	echo '{"ticker":"HI","interval":"1d","ts":"2024-01-09T14:30:00Z","date":"2024-01-09","close":104,"volume":300,"final":false}' > partial
	sed -n 6p "$SF/volume.ndjson" >> full
	echo '{"ticker":"HI","interval":"1d","ts":"2024-01-10T14:30:00Z","date":"2024-01-10","close":101,"volume":1100}' >> full
	{ head -5 full; cat partial; tail -2 full; } > with-partial
}

@test "an unfinished bar never enters a window: the bars after it are scored as without it" {
	unfinished_streams
	sam-zscore -w 4 -m close,volume,return,lvolume full > want
	run --separate-stderr sam-zscore -w 4 -m close,volume,return,lvolume with-partial
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 8
	printf '%s\n' "$output" | sed 6d > got
	diff -u want got
	# and a stream that ends on an unfinished bar (never replaced)
	{ head -5 full; cat partial; tail -1 full; } > never
	sam-zscore -w 4 -m close,volume,return,lvolume never | sed 6d > got
	{ head -5 full; tail -1 full; } | sam-zscore -w 4 -m close,volume,return,lvolume > want
	diff -u want got
}

@test "an unfinished bar's volume is not judged, its return is" {
	unfinished_streams
	sam-zscore -w 4 -m close,volume,return,lvolume with-partial | sed -n 6p > out
	pycheck out <<-'EOF'
	r = records(sys.argv[1])[0]
	assert r["final"] is False
	assert r["z_volume"] is None and r["z_lvolume"] is None and r["rvol"] is None, r
	# the statistics are the window's all the same
	m, sd = mean_sd([math.log1p(v) for v in (1249, 999, 799, 1249)])
	assert near(r["mean_lvolume"], m) and near(r["sd_lvolume"], sd), r
	# return against the last final close (102), window: the 4 returns before
	assert r["return"] == (104 - 102) / 102, r
	rets = [(101 - 100) / 100, (99.5 - 101) / 101, (100.5 - 99.5) / 99.5, (102 - 100.5) / 100.5]
	m, sd = mean_sd(rets)
	assert near(r["z_return"], (r["return"] - m) / sd), r
	m, sd = mean_sd([101, 99.5, 100.5, 102])
	assert near(r["z_close"], (104 - m) / sd), r
	EOF
}

@test "\"final\":true is a final bar" {
	unfinished_streams
	sed '6s/}$/,"final":true}/' full > true
	sam-zscore -w 4 -m return,lvolume full > want
	sam-zscore -w 4 -m return,lvolume true | sed '6s/,"final":true//' > got
	diff -u want got
}

@test "a \"final\" that is not a boolean is rejected" {
	fixture in <<-'EOF'
	{"ticker":"HI","interval":"1d","ts":"2024-01-08T14:30:00Z","close":104,"volume":300,"final":"no"}
	{"ticker":"HI","interval":"1d","ts":"2024-01-09T14:30:00Z","close":104,"volume":300,"final":0}
	{"ticker":"HI","interval":"1d","ts":"2024-01-10T14:30:00Z","close":104,"volume":300,"final":null}
	{"ticker":"HI","interval":"1d","ts":"2024-01-11T14:30:00Z","close":105,"volume":300,"final":false}
	EOF
	run --separate-stderr sam-zscore -w 2 -m close in
	assert_failure 1
	assert_equal "$stderr" 'sam-zscore: in:1: field "final": expected true or false, got string
sam-zscore: in:2: field "final": expected true or false, got number
sam-zscore: in:3: field "final": expected true or false, got null
sam-zscore: 3 of 4 input lines rejected'
	assert_output '{"ticker":"HI","interval":"1d","ts":"2024-01-11T14:30:00Z","close":105,"volume":300,"final":false,"n":0,"mean_close":null,"sd_close":null,"z_close":null}'
}

# ---- the market ----

@test "--market-ticker: the market return is that ticker's, market_z its z" {
	sam-zscore -w 5 -m return --market "$SF/market.ndjson" --market-ticker SPY "$SF/market.ndjson" > out
	pycheck out "$SF/market.ndjson" <<-'EOF'
	out, bars = records(sys.argv[1]), records(sys.argv[2])
	spy = [b["close"] for b in bars if b["ticker"] == "SPY"]
	mr = [(spy[i] - spy[i - 1]) / spy[i - 1] for i in range(1, len(spy))]
	assert len(out) == 36
	for r in out:
	    day = [b["ts"] for b in bars if b["ticker"] == "SPY"].index(r["ts"])
	    if day == 0:
	        assert "market" not in r, r
	        continue
	    assert r["market"] == "SPY" and r["market_return"] == mr[day - 1], r
	    win = mr[max(0, day - 6):day - 1]
	    if len(win) < 5:
	        assert r["market_z"] is None, r
	    else:
	        m, sd = mean_sd(win)
	        assert near(r["market_z"], (mr[day - 1] - m) / sd), r
	assert out[-1]["market_z"] < -7
	EOF
}

@test "without --market-ticker the market return is the cross-sectional median" {
	sam-zscore -w 5 -m return --market "$SF/market.ndjson" "$SF/market.ndjson" > out
	pycheck out "$SF/market.ndjson" <<-'EOF'
	out, bars = records(sys.argv[1]), records(sys.argv[2])
	days = sorted({b["ts"] for b in bars})
	c = {(b["ticker"], b["ts"]): b["close"] for b in bars}
	mr = {}
	for i in range(1, len(days)):
	    rs = [(c[t, days[i]] - c[t, days[i - 1]]) / c[t, days[i - 1]] for t in ("SPY", "AAA", "BBB", "CCC")]
	    mr[days[i]] = median(rs)
	series = [mr[d] for d in days[1:]]
	for r in out:
	    if r["ts"] == days[0]:
	        assert "market" not in r
	        continue
	    assert r["market"] == "cross" and r["market_return"] == mr[r["ts"]], r
	    k = days.index(r["ts"]) - 1
	    if k >= 5:
	        m, sd = mean_sd(series[k - 5:k])
	        assert near(r["market_z"], (series[k] - m) / sd), r
	    else:
	        assert r["market_z"] is None
	EOF
}

@test "excess: beta is Blume-adjusted OLS over the window, excess = return - beta x market" {
	sam-zscore -w 5 -m excess --market "$SF/market.ndjson" --market-ticker SPY "$SF/market.ndjson" > out
	pycheck out "$SF/market.ndjson" <<-'EOF'
	out, bars = records(sys.argv[1]), records(sys.argv[2])
	def rets(t):
	    cs = [b["close"] for b in bars if b["ticker"] == t]
	    return [(cs[i] - cs[i - 1]) / cs[i - 1] for i in range(1, len(cs))]
	m = rets("SPY")
	checked = 0
	for t in ("AAA", "BBB", "CCC"):
	    r = rets(t)
	    rows = [o for o in out if o["ticker"] == t]
	    for k in range(len(r)):
	        o = rows[k + 1]
	        assert o["return"] == r[k] and o["market_return"] == m[k], o
	        if k < 5:
	            assert o["beta"] is None and o["z_excess"] is None, o
	            continue
	        wr, wm = r[k - 5:k], m[k - 5:k]
	        mr, mm = sum(wr) / 5, sum(wm) / 5
	        ols = sum((a - mr) * (b - mm) for a, b in zip(wr, wm)) / sum((b - mm) ** 2 for b in wm)
	        beta = 2 / 3 * ols + 1 / 3
	        ex = [a - beta * b for a, b in zip(wr, wm)]
	        em, esd = mean_sd(ex)
	        e = r[k] - beta * m[k]
	        assert near(o["beta"], beta) and near(o["excess"], e), (o, beta, e)
	        assert near(o["mean_excess"], em) and near(o["sd_excess"], esd), o
	        assert near(o["z_excess"], (e - em) / esd), o
	        checked += 1
	assert checked == 9
	EOF
}

@test "with a market, lvolume is judged after the market's log relative volume" {
	sam-zscore -w 5 -m lvolume --market "$SF/market.ndjson" "$SF/market.ndjson" > out
	pycheck out "$SF/market.ndjson" <<-'EOF'
	out, bars = records(sys.argv[1]), records(sys.argv[2])
	days = sorted({b["ts"] for b in bars})
	lv = {(b["ticker"], b["ts"]): math.log1p(b["volume"]) for b in bars}
	tk = ("SPY", "AAA", "BBB", "CCC")
	mv = {}
	for i in range(5, len(days)):	# once a ticker's own window holds 5 bars
	    mv[days[i]] = median([lv[t, days[i]] - sum(lv[t, d] for d in days[i - 5:i]) / 5 for t in tk])
	last = [o for o in out if o["ts"] == days[-1]]
	for o in last:
	    assert near(o["market_rvol"], math.exp(mv[days[-1]])), o
	    t = o["ticker"]
	    # the ticker's window: its log volumes less the market's (days 1-5 have none)
	    win = [lv[t, d] - mv[d] for d in days[5:8]] + [lv[t, d] for d in days[3:5]]
	    m, sd = mean_sd(win)
	    assert near(o["mean_lvolume"], m) and near(o["sd_lvolume"], sd), o
	    x = lv[t, days[-1]] - mv[days[-1]]
	    assert near(o["z_lvolume"], (x - m) / sd), o
	    # rvol: against the ticker's own window of volumes as they are
	    raw = sum(lv[t, d] for d in days[-6:-1]) / 5
	    assert near(o["rvol"], math.exp(lv[t, days[-1]] - raw)), o
	EOF
}

@test "the market options' usage errors" {
	USAGE=$ZUSAGE
	usage_table sam-zscore /dev/null <<-EOF
		--market-ticker SPY | sam-zscore: --market-ticker needs --market
		-m return,excess | sam-zscore: the excess metric needs --market
		SAM_METRICS=excess | sam-zscore: the excess metric needs --market
		--market $SF/market.ndjson --market-ticker s\$y | sam-zscore: --market-ticker: not a ticker: s\$y
		--market-only | sam-zscore: --market-only needs --market
		--market $SF/market.ndjson --market-only | sam-zscore: --market-only reads no bars: /dev/null
	EOF
}

@test "a market file that cannot be read is exit status 3" {
	run --separate-stderr sam-zscore --market nosuch "$SF/volume.ndjson"
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" 'sam-zscore: fatal: unable to open nosuch: No such file or directory
sam-zscore: nosuch: fatal: unable to read the market series'
}

@test "a market bar followed by its final version: the market return is the final bar's" {
	grep SPY "$SF/market.ndjson" > spy
	{ head -8 spy; sed -n 9p spy | sed 's/"close":460/"close":465/; s/}$/,"final":false}/'; sed -n 9p spy; } > spy-partial
	grep AAA "$SF/market.ndjson" > aaa
	sam-zscore -w 5 -m return --market spy --market-ticker SPY aaa > want
	sam-zscore -w 5 -m return --market spy-partial --market-ticker SPY aaa > got
	diff -u want got
}

@test "--market-only writes the market series, a record a bar time, with the numbers the bars carry" {
	sam-zscore -w 5 --market "$SF/market.ndjson" --market-ticker SPY --market-only > series
	assert_equal "$(wc -l < series)" 8
	# each point's numbers are the text its time's bars were given
	sam-zscore -w 5 -m return --market "$SF/market.ndjson" --market-ticker SPY "$SF/market.ndjson" |
		jq -c 'select(.ticker == "AAA") | {market, interval, ts, market_return, market_z}' |
		sed -n '2,$p' > want
	jq -c '{market, interval, ts, market_return, market_z}' series > got
	diff -u want got
	run jq -r '[.market_lvolume | type] | .[]' series
	assert_output "$(printf 'null\nnull\nnull\nnull\nnumber\nnumber\nnumber\nnumber')"
}

@test "a market series read back by --market scores the bars as their file does: cross, a ticker, the recommended profile" {
	local args
	for args in "-w 5" "-w 5 --market-ticker SPY" "-w 5 --profile recommended" \
	    "-w 5 --profile recommended --market-ticker SPY"; do
		# shellcheck disable=SC2086 # the words of args
		sam-zscore $args --market "$SF/market.ndjson" --market-only > series
		# shellcheck disable=SC2086
		sam-zscore $args --market "$SF/market.ndjson" "$SF/market.ndjson" > want
		# shellcheck disable=SC2086
		sam-zscore ${args% --market-ticker SPY} --market series "$SF/market.ndjson" > got
		cmp want got || { echo "with $args"; return 1; }
	done
}

@test "a market series' errors: --market-ticker with one, a second point of a time, another market, a missing number" {
	sam-zscore -w 5 --market "$SF/market.ndjson" --market-ticker SPY --market-only > series
	run --separate-stderr sam-zscore --market series --market-ticker SPY "$SF/market.ndjson"
	assert_failure 3
	assert_equal "$stderr" 'sam-zscore: series: fatal: a market series, of SPY: --market-ticker does not apply
sam-zscore: series: fatal: unable to read the market series'
	{ head -2 series; sed -n 2p series; sed -n 3p series | sed 's/"market":"SPY"/"market":"cross"/'
	  sed -n 4p series | sed 's/,"market_return":[^,]*//'; } > bad
	run --separate-stderr sam-zscore --market bad < /dev/null
	assert_success
	assert_equal "$stderr" 'sam-zscore: bad:3: a second point of 1d 2024-01-04T14:30:00Z
sam-zscore: bad:4: market cross after SPY: a series is of one market
sam-zscore: bad:5: missing field "market_return"
sam-zscore: 3 of 5 input lines rejected'
}

# ---- profiles ----

@test "--profile original and SAM_PROFILE=original give the bytes of no profile" {
	sam-zscore -w 3 "$SF/market.ndjson" > want
	sam-zscore -w 3 --profile original "$SF/market.ndjson" > got
	cmp want got
	SAM_PROFILE=original sam-zscore -w 3 "$SF/market.ndjson" > got
	cmp want got
	run jq -c 'keys_unsorted[6:]' want
	assert_line --index 0 '["n","mean_close","sd_close","z_close","mean_volume","sd_volume","z_volume"]'
}

@test "--profile recommended: return and lvolume, robust; excess and lvolume with --market" {
	sam-zscore -w 5 --profile recommended "$SF/market.ndjson" > out
	run jq -c 'keys_unsorted[6:]' out
	assert_line --index 0 '["return","n","median_return","mad_return","z_return","median_lvolume","mad_lvolume","z_lvolume","rvol"]'
	sam-zscore -w 5 -m return,lvolume --robust "$SF/market.ndjson" > want
	cmp want out
	sam-zscore -w 5 --profile recommended --market "$SF/market.ndjson" --market-ticker SPY "$SF/market.ndjson" > out
	run jq -c 'keys_unsorted[6:]' out
	assert_line --index 0 '["return","n","beta","excess","median_excess","mad_excess","z_excess","median_lvolume","mad_lvolume","z_lvolume","rvol"]'
	assert_line --index 4 '["return","market","market_return","market_z","market_rvol","n","beta","excess","median_excess","mad_excess","z_excess","median_lvolume","mad_lvolume","z_lvolume","rvol"]'
	sam-zscore -w 5 -m excess,lvolume --robust --market "$SF/market.ndjson" --market-ticker SPY "$SF/market.ndjson" > want
	cmp want out
}

@test "the robust excess: median and 1.4826 MAD of the window's excess returns" {
	sam-zscore -w 5 --profile recommended --market "$SF/market.ndjson" --market-ticker SPY "$SF/market.ndjson" > out
	pycheck out <<-'EOF'
	out = records(sys.argv[1])
	for t in ("AAA", "BBB", "CCC"):
	    rows = [o for o in out if o["ticker"] == t]
	    o = rows[-1]
	    wr = [x["return"] for x in rows[-6:-1]]
	    wm = [x["market_return"] for x in rows[-6:-1]]
	    ex = [a - o["beta"] * b for a, b in zip(wr, wm)]
	    c, s = robust(ex)
	    assert o["median_excess"] == c and near(o["mad_excess"], s), (o, c, s)
	    assert near(o["z_excess"], (o["excess"] - c) / s), o
	EOF
}

@test "SAM_PROFILE selects the profile; --profile and -m override it" {
	sam-zscore -w 5 --profile recommended "$SF/volume.ndjson" > want
	SAM_PROFILE=recommended sam-zscore -w 5 "$SF/volume.ndjson" > got
	cmp want got
	SAM_PROFILE=recommended sam-zscore -w 5 --profile original "$SF/volume.ndjson" > got
	sam-zscore -w 5 "$SF/volume.ndjson" > want
	cmp want got
	sam-zscore -w 5 --profile recommended -m close "$SF/volume.ndjson" > got
	run jq -c 'keys_unsorted[6:]' got
	assert_line --index 0 '["n","median_close","mad_close","z_close"]'
	SAM_METRICS=volume sam-zscore -w 5 --profile recommended "$SF/volume.ndjson" > got
	run jq -c 'keys_unsorted[6:]' got
	assert_line --index 0 '["n","median_volume","mad_volume","z_volume"]'
}

@test "an unknown profile is a usage error, in sam-zscore and sam-detect" {
	USAGE=$ZUSAGE
	usage_table sam-zscore /dev/null <<-'EOF'
		--profile foo | sam-zscore: --profile: no such profile (original, recommended): foo
		--profile Recommended | sam-zscore: --profile: no such profile (original, recommended): Recommended
		SAM_PROFILE=bar | sam-zscore: SAM_PROFILE: no such profile (original, recommended): bar
	EOF
	USAGE=$DUSAGE
	usage_table sam-detect /dev/null <<-'EOF'
		--profile foo | sam-detect: --profile: no such profile (original, recommended): foo
		SAM_PROFILE=bar | sam-detect: SAM_PROFILE: no such profile (original, recommended): bar
		--tail-df 2 | sam-detect: --tail-df: must be 0 (off) or above 2: 2
		--fdr 1 | sam-detect: --fdr: must be 0 (off) to below 1: 1
		--move -0.1 | sam-detect: --move: not a fraction of 0 (off) or more: -0.1
		--rvol x | sam-detect: --rvol: not a ratio of 0 (off) or more: x
	EOF
}

@test "sam-detect --profile recommended: tail df 30, FDR 0.1, floors 8 % and 5x" {
	cat "$SF/fdr.ndjson" "$SF/floors.ndjson" "$SF/events.ndjson" > in
	sam-detect --tail-df 30 --fdr 0.1 --move 0.08 --rvol 5 in > want
	[ "$(wc -l < want)" -ge 5 ]
	sam-detect --profile recommended in > got
	cmp want got
	SAM_PROFILE=recommended sam-detect in > got
	cmp want got
	sam-detect --profile original in > got
	sam-detect in > want
	cmp want got
	# an option beats the profile
	sam-detect --profile recommended --fdr 0 --move 0 --rvol 0 in > got
	sam-detect --tail-df 30 in > want
	cmp want got
}

# ---- calibrated scores ----

@test "--tail-df: p and score are a Student t tail and its normal equivalent" {
	sam-detect --all --tail-df 4 "$SF/scores.ndjson" > out4
	sam-detect --all --tail-df 30 "$SF/scores.ndjson" > out30
	pycheck out4 out30 <<-'EOF'
	# the reference itself: t with 1 df is Cauchy, with many it is normal
	assert abs(t_two_sided(1, 1) - 0.5) < 1e-12
	assert abs(t_two_sided(1.959963984540054, 1e7) - 0.05) < 1e-6
	for path, df in (sys.argv[1], 4), (sys.argv[2], 30):
	    for r in records(path):
	        zs = [abs(v) for k, v in r.items() if k.startswith("z_") and v is not None]
	        p = calib_p(max(zs), r.get("n", 1e9), df, len(zs))
	        assert near(r["p"], p), (df, r, p)
	        assert near(r["score"], calib_score(p)), (df, r, calib_score(p))
	        assert r["anomaly"] == (calib_score(p) > 2), r
	EOF
	run jq -c '[.ticker, .score, .severity, .metrics]' out4
	assert_output '["A",2.6427286024769456,"medium",["return"]]
["B",2.1313957599442803,"low",["return"]]
["C",1.9825237167483953,null,[]]
["D",2.197570626828658,"low",["return"]]
["E",2.45752366893152,"low",["return"]]
["F",4.983542344527805,"critical",["return"]]
["G",2.1211361605258734,"low",["lvolume"]]'
}

@test "--tail-df: the score falls with fewer bars and rises with |z|" {
	for n in 4 6 11 31 1000; do
		for z in 1 2 2.5 3 4 6 10; do
			printf '{"ticker":"A","interval":"1d","ts":"2024-01-09T14:30:00Z","n":%s,"z_return":%s}\n' "$n" "$z"
		done
	done > in
	sam-detect --all --tail-df 30 in > out
	pycheck out <<-'EOF'
	out = records(sys.argv[1])
	assert len(out) == 35
	by = {(r["n"], r["z_return"]): r for r in out}
	for n in 4, 6, 11, 31, 1000:
	    s = [by[n, z]["score"] for z in (1, 2, 2.5, 3, 4, 6, 10)]
	    assert s == sorted(s) and len(set(s)) == len(s), (n, s)
	    # a fat tail: past 3 the calibrated score is below |z|
	    assert all(by[n, z]["score"] < z for z in (3, 4, 6, 10)), s
	for z in 3, 4, 6:
	    s = [by[n, z]["score"] for n in (4, 6, 11, 31)]
	    assert s == sorted(s), (z, s)
	    # n = 1000: the window's error is small, the tail of df 30 takes over
	    assert near(by[1000, z]["p"], calib_p(z, 1000, 30))
	    assert near(by[31, z]["p"], calib_p(z, 31, 30)) and near(by[4, z]["p"], calib_p(z, 4, 30))
	EOF
}

@test "--tail-df 0 scores |z| and adds no p: the bytes of no --tail-df" {
	sam-detect --all "$SF/scores.ndjson" > want
	sam-detect --all --tail-df 0 "$SF/scores.ndjson" > got
	cmp want got
	run jq -c '[.score, has("p")]' got
	assert_output '[3.5,false]
[3.5,false]
[2,false]
[3,false]
[3,false]
[40,false]
[2.9,false]'
}

# ---- false discovery rate ----

@test "--fdr: Benjamini-Hochberg within each (interval, ts) slot, exact q, input order" {
	run --separate-stderr sam-detect --tail-df 30 --fdr 0.05 "$SF/fdr.ndjson"
	assert_success
	assert_equal "$stderr" ""
	printf '%s\n' "$output" > out
	pycheck out "$SF/fdr.ndjson" <<-'EOF'
	out, inp = records(sys.argv[1]), records(sys.argv[2])
	want = []
	slots = {}
	for r in inp:
	    slots.setdefault(r["ts"], []).append(r)
	q = {}
	for ts, rs in slots.items():
	    ps = [calib_p(abs(r["z_return"]), 31, 30) for r in rs]
	    for r, qq in zip(rs, bh(ps)):
	        q[r["ticker"], ts] = qq
	kept = [r for r in inp if q[r["ticker"], r["ts"]] <= 0.05 and calib_score(calib_p(abs(r["z_return"]), 31, 30)) > 2]
	assert [(r["ticker"], r["ts"]) for r in out] == [(r["ticker"], r["ts"]) for r in kept], out
	for r in out:
	    assert near(r["q"], q[r["ticker"], r["ts"]]), (r, q[r["ticker"], r["ts"]])
	    assert r["anomaly"] is True
	EOF
	# slot 15:30: T1 T3 T6 T8 T9 pass; T0 (z 2.3) has q 0.052, T4 (z 2.1)
	# 0.068; slot 16:30 (3 tests): T0 (z 2.7) passes, T2 (z 2.2) has q 0.058
	run jq -r '"\(.ticker) \(.ts[11:16])"' out
	assert_output 'T0 16:30
T1 15:30
T3 15:30
T6 15:30
T8 15:30
T9 15:30'
}

@test "--fdr with --all writes every bar with its q; anomaly needs q <= rate" {
	sam-detect --all --tail-df 30 --fdr 0.05 "$SF/fdr.ndjson" > out
	pycheck out "$SF/fdr.ndjson" <<-'EOF'
	out, inp = records(sys.argv[1]), records(sys.argv[2])
	assert [(r["ticker"], r["ts"]) for r in out] == [(r["ticker"], r["ts"]) for r in inp]
	for ts in {r["ts"] for r in inp}:
	    rs = [r for r in out if r["ts"] == ts]
	    ps = [calib_p(abs(r["z_return"]), 31, 30) for r in rs]
	    for r, p, q in zip(rs, ps, bh(ps)):
	        assert near(r["p"], p) and near(r["q"], q), (r, p, q)
	        assert r["anomaly"] == (q <= 0.05 and calib_score(p) > 2), r
	        assert (r["severity"] is None) == (not r["anomaly"]), r
	EOF
}

@test "--fdr with --all: a bar without a score does not count in a slot's q-values" {
	fixture in <<-'EOF'
	{"ticker":"A","interval":"1d","ts":"2024-01-09T14:30:00Z","n":31,"z_return":3.4}
	{"ticker":"B","interval":"1d","ts":"2024-01-09T14:30:00Z","n":31,"z_return":0.1}
	{"ticker":"C","interval":"1d","ts":"2024-01-09T14:30:00Z","n":31,"z_return":null}
	EOF
	sam-detect --all --tail-df 30 --fdr 0.05 in > out
	pycheck out <<-'EOF'
	out = records(sys.argv[1])
	ps = [calib_p(3.4, 31, 30), calib_p(0.1, 31, 30)]
	q = bh(ps)
	assert near(out[0]["q"], q[0]) and near(out[1]["q"], q[1]), (out, q)
	assert out[2]["q"] is None
	EOF
}

@test "--fdr without --tail-df does not silently drop every anomaly" {
	echo '{"ticker":"A","interval":"1d","ts":"2024-01-09T14:30:00Z","n":31,"z_return":40}' > in
	run --separate-stderr sam-detect --fdr 0.05 in
	if [ "$status" -eq 0 ]; then
		assert_equal "$(jq -c '[.ticker, .anomaly]' <<<"$output")" '["A",true]'
	else
		assert_equal "$status" 2
		assert_output ""
	fi
}

# ---- materiality floors ----

@test "--move and --rvol: a large move or volume is an anomaly below the threshold" {
	run --separate-stderr sam-detect --move 0.08 --rvol 5 "$SF/floors.ndjson"
	assert_success
	assert_equal "$stderr" ""
	run jq -c '[.ticker, .anomaly, .score, .severity, .metrics]' <<<"$output"
	# A: |0.09 - 0.005| with a market: excess; B: |-0.085| without: return;
	# C: rvol 5 (D's 4.99 is not); E: lvolume past the threshold, then the
	# move; F: return past the threshold, not named twice; G: |0.07 + 0.01| = 0.08
	assert_output '["A",true,0.5,"low",["excess"]]
["B",true,0.5,"low",["return"]]
["C",true,1.1,"low",["lvolume"]]
["E",true,3.1,"high",["lvolume","return"]]
["F",true,2.5,"medium",["return"]]
["G",true,0.5,"low",["excess"]]'
}

@test "the floors are off by default and each one alone" {
	run sam-detect "$SF/floors.ndjson"
	run jq -r .ticker <<<"$output"
	assert_output $'E\nF'
	run sam-detect --move 0.08 "$SF/floors.ndjson"
	run jq -c '[.ticker, .metrics]' <<<"$output"
	assert_output '["A",["excess"]]
["B",["return"]]
["E",["lvolume","return"]]
["F",["return"]]
["G",["excess"]]'
	run sam-detect --rvol 5 "$SF/floors.ndjson"
	run jq -c '[.ticker, .metrics]' <<<"$output"
	assert_output '["C",["lvolume"]]
["E",["lvolume"]]
["F",["return"]]'
	# the floor is inclusive: B's 0.085 passes 0.085, A's 0.09 - 0.005 (just below) does not
	run sam-detect --move 0.085 "$SF/floors.ndjson"
	run jq -r .ticker <<<"$output"
	assert_output $'B\nE\nF'
}

@test "a floor passes --fdr: it is no test" {
	run --separate-stderr sam-detect --tail-df 30 --fdr 0.01 --move 0.08 "$SF/floors.ndjson"
	assert_success
	run jq -c '[.ticker, .metrics, .q]' <<<"$output"
	assert_line --index 0 '["A",["excess"],1]'
	assert_line --index 1 '["B",["return"],1]'
	assert_equal "${#lines[@]}" 5
}

# ---- market events ----

@test "one MARKET event a slot whose market_z passes, before the bar; none otherwise" {
	run --separate-stderr sam-detect "$SF/events.ndjson"
	assert_success
	assert_equal "$stderr" ""
	assert_output '{"ticker":"MARKET","interval":"1d","ts":"2024-01-12T14:30:00Z","date":"2024-01-12","market":"SPY","return":-0.0295,"z_market":-3.2,"n":30,"event":"market","anomaly":true,"score":3.2,"severity":"high","metrics":["market"],"threshold":2,"id":"MARKET:1d:2024-01-12T14:30:00Z"}
{"ticker":"BBB","interval":"1d","ts":"2024-01-12T14:30:00Z","date":"2024-01-12","return":-0.03,"market":"SPY","market_return":-0.0295,"market_z":-3.2,"n":30,"z_excess":-2.4,"anomaly":true,"score":2.4,"severity":"low","metrics":["excess"],"threshold":2,"id":"BBB:1d:2024-01-12T14:30:00Z"}'
	run sam-detect -t 3.5 "$SF/events.ndjson"
	assert_output ""
}

@test "a market event needs the high band as well as the threshold" {
	fixture in <<-'EOF'
	{"ticker":"AAA","interval":"1d","ts":"2024-01-12T14:30:00Z","market":"cross","market_return":0.021,"market_z":2.9,"z_return":0.1}
	EOF
	run --separate-stderr sam-detect in
	assert_success
	assert_output ""
	run --separate-stderr sam-detect -b 2.2,2.9,3.5 in
	assert_success
	assert_output '{"ticker":"MARKET","interval":"1d","ts":"2024-01-12T14:30:00Z","market":"cross","return":0.021,"z_market":2.9,"event":"market","anomaly":true,"score":2.9,"severity":"high","metrics":["market"],"threshold":2,"id":"MARKET:1d:2024-01-12T14:30:00Z"}'
	run sam-detect -b 2.2,2.91,3.5 in
	assert_output ""
	run sam-detect -t 2.9 -b 2.2,2.8,3.5 in
	assert_output ""
}

@test "a market event's score is calibrated with --tail-df, and held in order with --fdr" {
	# t(4) makes |z| 3.2 a score of 2.56: below the high band of 3
	run --separate-stderr sam-detect --tail-df 4 "$SF/events.ndjson"
	assert_success
	refute_output --partial MARKET
	run --separate-stderr sam-detect --tail-df 4 -b 2.2,2.5,4 "$SF/events.ndjson"
	assert_success
	printf '%s\n' "${lines[0]}" > event
	pycheck event <<-'EOF'
	e = records(sys.argv[1])[0]
	p = calib_p(3.2, 30, 4)
	assert near(e["p"], p) and near(e["score"], calib_score(p)), e
	assert e["ticker"] == "MARKET" and e["severity"] == "high", e
	assert e["id"] == "MARKET:1d:2024-01-12T14:30:00Z"
	EOF
	run sam-detect --tail-df 4 -b 2.2,2.5,4 --fdr 0.05 --all "$SF/events.ndjson"
	run jq -r '.ticker + " " + .ts[5:10]' <<<"$output"
	assert_output 'MARKET 01-12
AAA 01-12
BBB 01-12
AAA 01-15
AAA 01-16'
}

@test "sam-zscore --market | sam-detect: the market's day is one event" {
	sam-zscore -w 5 -m excess --market "$SF/market.ndjson" --market-ticker SPY "$SF/market.ndjson" > scored
	run --separate-stderr sam-detect scored
	assert_success
	run jq -c 'select(.ticker == "MARKET") | [.ts, .market, .score > 7, .severity]' <<<"$output"
	assert_output '["2024-01-12T14:30:00Z","SPY",true,"critical"]'
	[ "$(sam-detect scored | grep -c '"event":"market"')" -eq 1 ]
}
