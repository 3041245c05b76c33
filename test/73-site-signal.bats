#!/usr/bin/env bats
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
# sam-serve-static build shows what the detector sees: the chart's band
# drawn from the statistics sam-zscore stored with each scored bar
# (fixtures/site-signal: bars of RET scored on the return, LVL on the
# close level, EXC on the return net of the market), the calibrated
# threshold of a profile, the window and 60 bars on the chart, bars in
# progress, and the return, relative volume, p-value and market events
# in the tables.

bats_require_minimum_version 1.5.0

load test_helper
load site

# The mock market where a test names no source: named, so that
# sam-fetch does not warn of it (test/14-fetch-mock-notice.bats).
setup() {
	sam_setup
	export SAM_SOURCE=mock
}

USAGE=$(usage_of sam-serve-static)
SF=$FIXTURES/site-signal

# ---- helpers ----

# signal_store ROOT: the fixture's scored bars in raw/, its anomalies.
signal_store() {
	sam-store -r "$1" put --kind raw < "$SF/raw.ndjson" > /dev/null
	sam-store -r "$1" put < "$SF/anomalies.ndjson" > /dev/null
}

# build ARG...: sam-serve-static build ARG..., under run.
build() {
	run --separate-stderr sam-serve-static build "$@"
}


# count PATTERN FILE: how many times the fixed string PATTERN occurs.
count() {
	grep -oF -- "$1" "$2" | wc -l
}

# rows HTML: the page's table heads and rows, a cell's text after
# another, " | " between them.
rows() {
	sed -n -e '/^<thead>/{s/<\/th><th[^>]*>/ | /g;s/<[^>]*>//g;s/^/# /p}' \
		-e '/^<tr data-ticker=/{s/<\/td><td[^>]*>/ | /g;s/<[^>]*>//g;s/\xc2\xa0/ /g;p}' "$1"
}

# tooltips FILE: the text of each anomaly marker's tooltip.
tooltips() {
	sed -n 's/^<circle class="marker [^>]*><title>\(.*\)<\/title><\/circle>$/\1/p' "$1"
}

# caption FILE: the chart's caption.
caption() {
	sed -n 's/^<figcaption>\(.*\)<\/figcaption>$/\1/p' "$1"
}

# lacks GREP-ARG...: grep GREP-ARG... finds nothing; what it finds is shown.
lacks() {
	if grep "$@"; then
		return 1
	fi
}

# ---- the band ----

@test "a bar scored on its return has the detector's band: previous close x (1 + mean_return +- T sd_return), exactly" {
	signal_store st
	build -r st -o site
	assert_success
	assert_equal "$stderr" ""
	f=site/ticker/RET.html
	# From the stored statistics, T = 2 (the anomalies' threshold), the
	# previous close = close / (1 + return):
	#   11-18 102 x (1.005 -+ 0.02)  = 100.47 .. 104.55
	#   11-19 101 x (1.004 -+ 0.024) =  98.98 .. 103.828
	#   11-20 104 x (1.01 -+ 0.03)   = 101.92 .. 108.16
	#   11-23 103 x (1.005 -+ 0.04)  =  99.395 .. 107.635
	#   11-24  95 x (0.99 -+ 0.06)   =  88.35 .. 99.75
	#   11-25  96 x (0.995 -+ 0.06)  =  89.76 .. 101.28 (in progress)
	# The scale: closes 95..104, the band as far as half their range
	# beyond (90.5 .. 108.16), and 5 % of that on each side: 89.617 ..
	# 109.043; y = 238 - 226 (price - 89.617) / 19.426, 88.35 clamped
	# to the bottom; x = 64 + 728 (i + 0.5) / 8.
	assert_equal "$(points polygon.band "$f")" '291.5,64.3 382.5,72.7 473.5,22.3 564.5,28.4 655.5,120.1 746.5,102.3 746.5,236.3 655.5,238.0 564.5,124.2 473.5,94.9 382.5,129.1 291.5,111.7'
	assert_equal "$(points polyline.close "$f")" '109.5,117.2 200.5,93.9 291.5,105.6 382.5,70.7 473.5,82.3 564.5,175.4 655.5,163.7 746.5,82.3'
	grep -qFx '<text class="axis" x="58.0" y="16.0" text-anchor="end">109.04</text>' "$f"
	grep -qFx '<text class="axis" x="58.0" y="242.0" text-anchor="end">89.62</text>' "$f"
	# the anomalies' tooltips say the band they stood against
	assert_equal "$(tooltips "$f")" '2026-11-19: critical, score 6.30 (lvolume z -6.30, return z +2.14), return +3.0%, volume 0.5x, band 98.98 to 103.83
2026-11-23: high, score 3.24 (lvolume z +7.20, return z -4.13), return -7.8%, volume 4.2x, p 0.0012, band 99.39 to 107.63
2026-11-25: medium, score 2.60 (return z +2.60), return +7.3%, band 89.76 to 101.28, in progress'
	grep -qFx '<title id="chart-title">RET: 8 1d bars, 1 in progress, 3 anomalies marked, band |z| &lt;= 2.00</title>' "$f"
	assert_equal "$(caption "$f")" 'The last 8 1d bars in the store: close, volume, anomalies marked, the hollow one still in progress; the band is the detector’s, from the statistics stored with each bar: the closes at which |z| of the return stays within 2.00; no band on the 2 bars without price statistics.'
}

@test "level statistics give mean_close +- T sd_close, excess ones previous close x (1 + mean_excess + beta x market_return +- T sd_excess)" {
	signal_store st
	build -r st -o site
	assert_success
	# LVL: 50 -+ 2, 51 -+ 2, 50.5 -+ 3; scale 47.5 .. 56 less and plus
	# 0.425: y = 238 - 226 (price - 47.075) / 9.35
	assert_equal "$(points polygon.band site/ticker/LVL.html)" '337.0,119.0 519.0,94.8 701.0,82.7 701.0,227.7 519.0,191.5 337.0,215.6'
	assert_equal "$(tooltips site/ticker/LVL.html)" '2026-11-25: high, score 3.67 (close z +3.67, volume z +2.00), band 47.50 to 53.50'
	grep -qF 'the closes at which |z| of the close stays within 2.00; no band on the bar without price statistics.</figcaption>' site/ticker/LVL.html
	# EXC: 11-23 200 x (1 + 0.001 + 1.2 x -0.04 -+ 0.02) = 186.6 .. 194.6;
	# 11-24 (no "return": excess + beta x market_return = 0.0263..., the
	# previous close 190) 190 x (1 + 0 + 0.005 -+ 0.02) = 187.15 .. 194.75;
	# 11-25 195 x (1 + 0.0005 + 1.1 x 0.002 -+ 0.016) = 192.4065 .. 198.6465
	assert_equal "$(points polygon.band site/ticker/EXC.html)" '337.0,105.1 519.0,102.8 701.0,43.0 701.0,138.7 519.0,219.3 337.0,227.7'
	assert_equal "$(tooltips site/ticker/EXC.html)" '2026-11-24: low, score 2.13 (excess z +2.13), band 187.15 to 194.75'
	grep -qF 'the closes at which |z| of the return net of the market (less beta times the market’s return) stays within 2.00; no band on the bar without price statistics.</figcaption>' site/ticker/EXC.html
	# sam-zscore --robust names them median_ and mad_: the same bands
	sed -e 's/"mean_\([a-z]*\)":/"median_\1":/g' -e 's/"sd_\([a-z]*\)":/"mad_\1":/g' "$SF/raw.ndjson" > robust.ndjson
	assert_equal "$(grep -c median_ robust.ndjson)" 16
	lacks -E '"(mean|sd)_' robust.ndjson
	sam-store -r st2 put --kind raw < robust.ndjson > /dev/null
	sam-store -r st2 put < "$SF/anomalies.ndjson" > /dev/null
	build -r st2 -o site2
	assert_success
	for t in RET LVL EXC; do
		cmp "site/ticker/$t.html" "site2/ticker/$t.html"
	done
}

@test "a bar without statistics has no band, none is invented for it, and --window and --min-periods do not change a stored band" {
	signal_store st
	build -r st -o site
	want=$(points polygon.band site/ticker/RET.html)
	# the first two bars (null statistics) are not under the band
	assert_equal "$(tr ' ' '\n' <<< "$want" | cut -d, -f1 | sort -u | tr '\n' ' ')" '291.5 382.5 473.5 564.5 655.5 746.5 '
	build -r st -o site --window 2 --min-periods 2
	assert_success
	assert_equal "$(points polygon.band site/ticker/RET.html)" "$want"
	# a bar in the middle with null statistics splits the band in two
	mkdir st2
	jq -c 'if .ticker == "RET" and .date == "2026-11-20" then .mean_return = null | .sd_return = null | .z_return = null else . end' \
		"$SF/raw.ndjson" | sam-store -r st2 put --kind raw > /dev/null
	build -r st2 -o site2
	assert_success
	# (the scale is now 89.64325 .. 108.49175: 11-20's 108.16 is gone)
	assert_equal "$(points polygon.band site2/ticker/RET.html)" '291.5,59.3 382.5,67.9 382.5,126.0 291.5,108.2
564.5,22.3 655.5,116.8 746.5,98.5 746.5,236.6 655.5,238.0 564.5,121.1'
	assert_equal "$(count '<polygon' site2/ticker/RET.html)" 2
	grep -qF 'no band on the 3 bars without price statistics.</figcaption>' site2/ticker/RET.html
	# bars scored on their volume alone: no band at all
	sam-fetch --from 2026-06-01 --to 2026-11-25 AAA | sam-zscore -m volume |
		sam-store -r st3 put --kind raw > /dev/null
	build -r st3 -o site3
	assert_success
	assert_equal "$(count '<polygon' site3/ticker/AAA.html)" 0
	assert_equal "$(caption site3/ticker/AAA.html)" 'The last 125 1d bars in the store: close, volume, anomalies marked; no band on the 125 bars without price statistics.'
}

@test "the band is the one sam-zscore scored: a close is inside exactly when its |z| is within the threshold, for the return and the close, robust or not" {
	sam-fetch --from 2026-03-01 --to 2026-11-25 AAA > bars
	for case in "return 20 2" "return 10 1.5" "close 30 2" "close 15 1" "return 20 2 --robust" "close 10 1.5 --robust"; do
		read -r metric window t robust <<< "$case"
		rm -rf st site
		# shellcheck disable=SC2086 # --robust or nothing
		sam-zscore -m "$metric" -w "$window" $robust bars | sam-store -r st put --kind raw > /dev/null
		# --window and --min-periods are the recomputation's: no matter here
		build -r st -o site --chart-bars 80 -t "$t" --window 5 --min-periods 3
		assert_success
		sam-store -r st get raw -t AAA | jq -r ".z_$metric" | tail -n 80 > z
		run band_follows_z "$t" site/ticker/AAA.html
		assert_success
		refute_output '0 outside'
	done
}

@test "with the recommended profile end to end, a close is outside the band exactly when sam-detect flags its return" {
	sam-fetch --from 2026-01-01 --to 2026-11-25 AAA BBB CCC |
		sam-zscore --profile recommended | sam-store -r st put --kind raw --tee |
		sam-detect --profile recommended --fdr 0 | sam-store -r st put > /dev/null
	SAM_PROFILE=recommended build -r st -o site --chart-bars 150
	assert_success
	for t in AAA BBB CCC; do
		f=site/ticker/$t.html
		grep -qF "<title id=\"chart-title\">$t: 150 1d bars, " "$f"
		grep -qF 'the band is the detector’s, from the statistics stored with each bar: the closes at which |z| of the return, calibrated to a score' "$f"
		sam-store -r st get raw -t "$t" | jq -r .ts | tail -n 150 > ts
		sam-store -r st get anomalies -t "$t" | jq -r 'select(.metrics | index("return")) | .ts' > flagged
		[ -s flagged ]
		awk 'NR == FNR { f[$1] = 1; next } { print ($1 in f) }' flagged ts > want
		points polyline.close "$f" | tr ' ' '\n' | cut -d, -f2 > y
		points polygon.band "$f" | tr ' ' '\n' | cut -d, -f2 > band
		assert_equal "$(wc -l < band)" 300
		head -n 150 band > hi
		tail -n 150 band | tac > lo
		# outside the band (y grows downwards) exactly when flagged; a
		# close within 0.15 of the edge (rounding) may go either way
		run awk '
			{ out = $2 < $3 || $2 > $4; edge = ($3 - $2) ^ 2 < 0.0225 || ($2 - $4) ^ 2 < 0.0225
			  if (out != $1 && !edge) { print NR ": " $0; bad++ }
			  n += $1 }
			END { print n " flagged"; exit bad > 0 }' <(paste want y hi lo)
		assert_success
		refute_output '0 flagged'
	done
}

@test "with a calibration the band's |z| is the one whose score is the threshold, at each bar's n: --tail-df, the profile's" {
	signal_store st
	# --tail-df 4: T is the |z| whose score, as sam-detect grades it, is
	# the threshold: its tail probability under libz/calib.c's model (a
	# t of n - 1 degrees of freedom scaled by sqrt(1 + 1/n), the tail's
	# 4 when fewer), times the bar's 2 tests (z of the price and of the
	# volume), is that of 2 sigma.  For LVL's last bar (n 3) 7.52432...
	# (50.5 -+ 1.5 T), for RET's 11-23 (n 5) 3.94404...:
	# 103 x (1.005 -+ 0.0788807)
	build -r st -o site --tail-df 4
	assert_success
	assert_equal "$(tooltips site/ticker/LVL.html)" '2026-11-25: high, score 3.67 (close z +3.67, volume z +2.00), band 39.21 to 61.79'
	tooltips site/ticker/RET.html | grep -qFx '2026-11-23: high, score 3.24 (lvolume z +7.20, return z -4.13), return -7.8%, volume 4.2x, p 0.0012, band 95.39 to 111.64'
	# one test (the bar in progress: no z of its volume), n 7:
	# sam_calib_z(2, 7, 4, 0) = 2.16899..., 96 x (0.995 -+ 0.0650698)
	tooltips site/ticker/RET.html | grep -qF '2026-11-25: medium, score 2.60 (return z +2.60), return +7.3%, band 89.27 to 101.77, in progress'
	grep -qFx '<title id="chart-title">LVL: 4 1d bars, 1 anomaly marked, band score &lt;= 2.00</title>' site/ticker/LVL.html
	grep -qF 'the closes at which |z| of the close, calibrated to a score (Student t, at most 4 degrees of freedom), stays within 2.00;' site/ticker/LVL.html
	# the recommended profile calibrates with its own tail df and has
	# its own --move floor, as sam-detect does: the same pages as with
	# those options
	SAM_PROFILE=recommended build -r st -o site
	assert_success
	df=$(sed -n 's/.*calibrated to a score (Student t, at most \([0-9.]*\) degrees of freedom).*/\1/p' site/ticker/LVL.html)
	move=$(sed -n 's/.*the return less the market’s within \([0-9.]*\)% (the --move floor).*/\1/p' site/ticker/RET.html)
	[ -n "$df" ] && [ -n "$move" ]
	build -r st -o site2 --tail-df "$df" --move "$(awk -v m="$move" 'BEGIN { print m / 100 }')"
	for t in LVL RET EXC; do
		cmp "site/ticker/$t.html" "site2/ticker/$t.html"
	done
	build -r st -o site2 --profile recommended
	cmp site/ticker/LVL.html site2/ticker/LVL.html
	# --tail-df wins over the profile; 0 is the original rule, as is the
	# original profile
	for args in "--profile recommended --tail-df 0 --move 0" "--profile original" ""; do
		# shellcheck disable=SC2086 # the options' words
		build -r st -o site $args
		assert_success
		assert_equal "$(tooltips site/ticker/LVL.html)" '2026-11-25: high, score 3.67 (close z +3.67, volume z +2.00), band 47.50 to 53.50'
		lacks -F 'calibrated' site/ticker/LVL.html
		lacks -F 'floor' site/ticker/RET.html
	done
	# the threshold: the newest anomaly's, else -t, else SAM_THRESHOLD,
	# else the profile's (2 for both)
	build -r st -o site --profile original -t 3
	grep -qFx '<title id="chart-title">LVL: 4 1d bars, 1 anomaly marked, band |z| &lt;= 2.00</title>' site/ticker/LVL.html
	rm -r st/anomalies
	for t in "|z| 3.00 --profile original -t 3" "|z| 2.50 --profile original" "score 2.50 --profile recommended"; do
		read -r what want args <<< "$t"
		# shellcheck disable=SC2086 # the options' words
		SAM_THRESHOLD=2.5 build -r st -o site $args
		assert_success
		grep -qF "<title id=\"chart-title\">LVL: 4 1d bars, 0 anomalies marked, band $what &lt;= $want</title>" site/ticker/LVL.html
	done
	build -r st -o site --profile recommended
	grep -qF '<title id="chart-title">LVL: 4 1d bars, 0 anomalies marked, band score &lt;= 2.00</title>' site/ticker/LVL.html
}

@test "bars stored unscored (a store from before) keep their recomputed band, and the caption says which bars have which" {
	sam-fetch --from 2026-06-01 --to 2026-11-25 MIX > bars
	head -n 100 bars | sam-store -r st put --kind raw > /dev/null
	sam-zscore -m return -w 20 bars | tail -n +101 | sam-store -r st put --kind raw > /dev/null
	build -r st -o site --chart-bars 60
	assert_success
	assert_equal "$(caption site/ticker/MIX.html)" 'The last 60 1d bars in the store: close, volume, anomalies marked; the band is the detector’s, from the statistics stored with each bar: the closes at which |z| of the return stays within 2.00; on the bars stored without statistics, recomputed: where |z| of the close against the 30 bars before it stays within 2.00.'
	# one band over all 60: 35 recomputed, 25 stored
	assert_equal "$(points polygon.band site/ticker/MIX.html | wc -w)" 120
	# the stored ones are those of the return's z
	sam-store -r st get raw -t MIX | tail -n 25 | jq -r .z_return > z
	points polyline.close site/ticker/MIX.html | tr ' ' '\n' | cut -d, -f2 | tail -n 25 > y
	points polygon.band site/ticker/MIX.html | tr ' ' '\n' | cut -d, -f2 > band
	sed -n 36,60p band > hi
	sed -n 61,85p band | tac > lo
	run awk '{ z = $1 < 0 ? -$1 : $1; inside = $2 >= $3 && $2 <= $4
		if ((z <= 2) != inside && (z - 2 > 0.05 || 2 - z > 0.05)) bad++ }
		END { exit bad > 0 }' <(paste z y hi lo)
	assert_success
}

@test "with a --move floor the band ends where the return less the market's reaches it, as sam-detect flags that too" {
	signal_store st
	# RET, --move 0.05, no market: prev x (1 -+ 0.05) where that is
	# narrower: 11-24 95 x 0.95 = 90.25 (over 88.35), 11-25 96 x (0.95 ..
	# 1.05) = 91.20 .. 100.80 (within 89.76 .. 101.28)
	build -r st -o site --move 0.05
	assert_success
	assert_equal "$(tooltips site/ticker/RET.html | sed 's/.*band //')" '98.98 to 103.83
99.39 to 107.63
91.20 to 100.80, in progress'
	grep -qF 'the closes at which |z| of the return stays within 2.00 and the return less the market’s within 5% (the --move floor); no band on the 2 bars without price statistics.</figcaption>' site/ticker/RET.html
	# EXC: the floor is about the market's return: 11-24 190 x (1 + 0.005
	# -+ 0.02) over 190 x (1 + 0.005 -+ 0.03) is unchanged
	build -r st -o site --move 0.03
	tooltips site/ticker/EXC.html | grep -qF 'band 187.15 to 194.75'
	# ... at 0.01 it would be 190 x (0.995 .. 1.015), but the bar has no
	# "return" stored, and sam-detect has none to floor
	build -r st -o site --move 0.01
	tooltips site/ticker/EXC.html | grep -qF 'band 187.15 to 194.75'
	# with its return stored: 189.05 .. 192.85
	jq -c 'if .ticker == "EXC" and .date == "2026-11-24" then .return = 0.02631578947368421 else . end' "$SF/raw.ndjson" |
		sam-store -r st3 put --kind raw > /dev/null
	cp -r st/anomalies st3
	build -r st3 -o site --move 0.01
	tooltips site/ticker/EXC.html | grep -qF 'band 189.05 to 192.85'
	# the level statistics of LVL have no return to floor
	tooltips site/ticker/LVL.html | grep -qF 'band 47.50 to 53.50'
	# a floor that leaves no close inside the band: every close would
	# be an anomaly, and there is no band
	jq -c 'if .ticker == "RET" then .mean_return = (if .mean_return == null then null else 0.2 end) else . end' "$SF/raw.ndjson" |
		sam-store -r st2 put --kind raw > /dev/null
	build -r st2 -o site2 --move 0.05
	assert_success
	assert_equal "$(count '<polygon' site2/ticker/RET.html)" 0
	grep -qF 'no band on the 6 bars where the band and the --move floor leave no close between them; no band on the 2 bars without price statistics.</figcaption>' site2/ticker/RET.html
}

# ---- the chart's length ----

@test "the chart shows the window and 60 bars at least: 250 by default, the window + 60 when that is more, all the store has when fewer" {
	sam-fetch --from 2025-06-02 --to 2026-11-25 AAA | sam-zscore -m return > bars
	assert_equal "$(wc -l < bars)" 375
	sam-store -r st put --kind raw < bars > /dev/null
	for case in "30 250" "190 250" "200 260" "300 360"; do
		read -r window want <<< "$case"
		build -r st -o site --window "$window"
		assert_success
		grep -qF "<title id=\"chart-title\">AAA: $want 1d bars, " site/ticker/AAA.html
		assert_equal "$(points polyline.close site/ticker/AAA.html | wc -w)" "$want"
		assert_equal "$(count '<rect class="vol' site/ticker/AAA.html)" "$want"
	done
	SAM_WINDOW=200 build -r st -o site
	grep -qF '<title id="chart-title">AAA: 260 1d bars, ' site/ticker/AAA.html
	# the store's 90 bars (the hourly job keeps the window and 60): all
	tail -n 90 bars | sam-store -r st2 put --kind raw > /dev/null
	build -r st2 -o site
	grep -qF '<title id="chart-title">AAA: 90 1d bars, ' site/ticker/AAA.html
	# --chart-bars still decides when given
	build -r st -o site --window 200 --chart-bars 20
	grep -qF '<title id="chart-title">AAA: 20 1d bars, ' site/ticker/AAA.html
}

# ---- bars in progress ----

@test "a bar in progress is drawn hollow and labelled, and its anomaly says so in the tables" {
	signal_store st
	build -r st -o site
	f=site/ticker/RET.html
	assert_equal "$(grep '^<rect class="vol' "$f" | grep -c partial)" 1
	grep -qFx '<rect class="vol anom partial" x="714.65" y="326.6" width="63.70" height="5.4"/>' "$f"
	grep -qFx '<circle class="partial" cx="746.5" cy="82.3" r="4"><title>2026-11-25: in progress, close so far 103.00</title></circle>' "$f"
	grep -qFx '<text class="axis now" x="746.5" y="250.0" text-anchor="end">in progress</text>' "$f"
	# its anomaly's marker hollow too, the others filled
	assert_equal "$(grep -o '^<circle class="marker [^"]*"' "$f")" '<circle class="marker sev-critical"
<circle class="marker sev-high"
<circle class="marker sev-medium partial"'
	rows "$f" | grep -qFx '2026-11-25 in progress | medium | 2.60 |  | return z +2.60 | 103.00 | +7.3% | 300,000 | '
	rows site/index.html | grep -qFx '2026-11-25 in progress | RET | 2.60 | return z +2.60 | 103.00 | +7.3% | 300,000'
	# no bar in progress: none drawn
	for t in LVL EXC; do
		assert_equal "$(count 'partial' "site/ticker/$t.html")" 0
		lacks -F 'in progress' "site/ticker/$t.html"
	done
	# the hourly job's chain at 11:00 New York: today's bar is in progress
	export SAM_NOW=2026-11-25T16:00:00Z
	sam-fetch --from 2026-09-01 --to 2026-11-25 AAA | sam-zscore -m return |
		sam-store -r st2 put --kind raw > /dev/null
	build -r st2 -o site2
	assert_success
	f=site2/ticker/AAA.html
	grep -qFx '<title id="chart-title">AAA: 61 1d bars, 1 in progress, 0 anomalies marked, band |z| &lt;= 2.00</title>' "$f"
	# on the last point of the close
	grep -qFx "<circle class=\"partial\" cx=\"786.0\" cy=\"$(points polyline.close "$f" | tr ' ' '\n' | tail -n 1 | cut -d, -f2)\" r=\"4\"><title>2026-11-25: in progress, close so far 9.71</title></circle>" "$f"
	assert_equal "$(grep -c '^<rect class="vol partial"' "$f")" 1
	grep -qF 'anomalies marked, the hollow one still in progress; ' "$f"
}

# ---- the tables ----

@test "the tables show the return as a percent, the relative volume and the p-value where the records carry them, exactly" {
	signal_store st
	build -r st -o site
	assert_success
	assert_equal "$(rows site/ticker/RET.html)" '# Time | Severity | Score | p | Metrics | Close | Return | Volume | Rel. volume
2026-11-25 in progress | medium | 2.60 |  | return z +2.60 | 103.00 | +7.3% | 300,000 | 
2026-11-23 | high | 3.24 | 0.0012 | lvolume z +7.20, return z -4.13 | 95.00 | -7.8% | 4,200,000 | 4.2x
2026-11-19 | critical | 6.30 |  | lvolume z -6.30, return z +2.14 | 104.00 | +3.0% | 500,000 | 0.5x'
	# sorted by the value, not the text
	grep -qF '<td class="num" data-sort="-0.07766990291262135">-7.8%</td>' site/ticker/RET.html
	grep -qF '<td class="num" data-sort="4.2">4.2x</td>' site/ticker/RET.html
	grep -qF '<td class="num" data-sort="0.0012">0.0012</td>' site/ticker/RET.html
	# records without them: no such column
	assert_equal "$(rows site/ticker/LVL.html)" '# Time | Severity | Score | Metrics | Close | Volume
2026-11-25 | high | 3.67 | close z +3.67, volume z +2.00 | 56.00 | 12,000'
	assert_equal "$(rows site/index.html)" '# Time | Ticker | Score | Metrics | Close | Volume
2026-11-25 | LVL | 3.67 | close z +3.67, volume z +2.00 | 56.00 | 12,000
# Time | Ticker | Score | Metrics | Close | Return | Volume
2026-11-25 in progress | RET | 2.60 | return z +2.60 | 103.00 | +7.3% | 300,000
# Ticker | All | critical | high | medium | low | Latest
EXC | 1 | 0 | 0 | 0 | 1 | 2026-11-24
LVL | 1 | 0 | 1 | 0 | 0 | 2026-11-25
MARKET | 1 | 0 | 1 | 0 | 0 | 2026-11-23
RET | 3 | 1 | 1 | 1 | 0 | 2026-11-25'
	# how the numbers read at their edges
	while read -r day ret rvol p; do
		printf '{"ticker":"FMT","interval":"1d","ts":"2026-11-%sT14:30:00Z","date":"2026-11-%s","return":%s,"rvol":%s,"p":%s,"anomaly":true,"score":2.5,"severity":"low","metrics":[]}\n' \
			"$day" "$day" "$ret" "$rvol" "$p"
	done <<-'EOF' | sam-store -r st put > /dev/null
		16 -0.083 4.2 0.05
		17 0.0004 0.04 3.4e-05
		18 -0.0004 999.96 1
		19 12 1234567 0.00012345
		20 -1 1 null
		23 0.05 0.1 0.5
	EOF
	build -r st -o site
	assert_success
	assert_equal "$(rows site/ticker/FMT.html)" '# Time | Severity | Score | p | Metrics | Close | Return | Volume | Rel. volume
2026-11-23 | low | 2.50 | 0.5 |  |  | +5.0% |  | 0.1x
2026-11-20 | low | 2.50 |  |  |  | -100.0% |  | 1.0x
2026-11-19 | low | 2.50 | 0.00012 |  |  | +1200.0% |  | 1.2e+06x
2026-11-18 | low | 2.50 | 1 |  |  | 0.0% |  | 1000x
2026-11-17 | low | 2.50 | 3.4e-05 |  |  | 0.0% |  | 0.04x
2026-11-16 | low | 2.50 | 0.05 |  |  | -8.3% |  | 4.2x'
}

@test "a market event shows as a market-wide move: on the index above the tables and in them, and on the MARKET page" {
	signal_store st
	echo '{"ticker":"MARKET","interval":"1d","ts":"2026-11-25T14:30:00Z","date":"2026-11-25","market":"cross","return":-0.0412,"z_market":-4.4,"event":"market","anomaly":true,"score":4.4,"severity":"critical","metrics":["market"],"threshold":2,"id":"MARKET:1d:2026-11-25T14:30:00Z"}' |
		sam-store -r st put > /dev/null
	build -r st -o site
	assert_success
	grep -qFx '<p class="market-event"><span class="badge sev-critical">critical</span> Market-wide move 2026-11-25: the watch list’s median return -4.1%, score 4.40.</p>' site/index.html
	assert_equal "$(count 'class="market-event"' site/index.html)" 1
	rows site/index.html | grep -qFx '2026-11-25 | MARKET market-wide move (cross) | 4.40 | market z -4.40 |  | -4.1% | '
	grep -qF '<tr data-ticker="MARKET" class="sev-critical market">' site/index.html
	grep -qFx '<p class="market-note">Market-wide moves: bars where the market itself moved past the threshold, reported once here rather than as an anomaly of every ticker.</p>' site/ticker/MARKET.html
	assert_equal "$(rows site/ticker/MARKET.html)" '# Time | Severity | Score | Metrics | Close | Return | Volume
2026-11-25 | critical | 4.40 | market z -4.40 market-wide move (cross) |  | -4.1% | 
2026-11-23 | high | 3.90 | market z -3.90 market-wide move (SPY) |  | -4.0% | '
	# a ticker's page says nothing of the kind
	lacks -F 'market-' site/ticker/EXC.html
}

# ---- markup and bad values ----

@test "markup in the new fields stays escaped, a field that should be a number and is not is reported, and the JSON keeps each record as stored" {
	signal_store st
	cat >> st/anomalies/RET/2026-11-24.ndjson <<-'EOF'
		{"ticker":"RET","interval":"1d","ts":"2026-11-24T14:30:00Z","date":"2026-11-24","return":0.01,"rvol":"<b>4</b>","anomaly":true,"score":2.5,"severity":"low","metrics":["return"]}
	EOF
	cat >> st/raw/RET/2026-11-24.ndjson <<-'EOF'
		{"ticker":"RET","interval":"1h","ts":"2026-11-24T15:30:00Z","close":96,"volume":1,"n":3,"mean_return":"<script>","sd_return":0.1}
	EOF
	printf '%s\n' \
		'{"ticker":"MARKET","interval":"1d","ts":"2026-11-25T14:30:00Z","date":"2026-11-25","market":"<b>SPY</b>","return":-0.05,"event":"market","anomaly":true,"score":4.4,"severity":"critical","metrics":["market"],"note":"<script>alert(1)</script>","id":"MARKET:1d:2026-11-25T14:30:00Z"}' \
		'{"ticker":"EXC","interval":"1d","ts":"2026-11-25T14:30:00Z","date":"2026-11-25","market":"</td><script>","event":"<i>x</i>","return":0.005,"p":0.04,"anomaly":true,"score":2.1,"severity":"low","metrics":["excess"],"z_excess":2.1}' |
		sam-store -r st put > /dev/null
	build -r st -o site
	assert_failure 1
	assert_equal "$stderr" 'sam-serve-static: st/anomalies/RET/2026-11-24.ndjson:1: field "rvol": expected a number, got string
sam-serve-static: st/raw/RET/2026-11-24.ndjson:2: field "mean_return": expected a number, got string'
	for page in site/index.html site/ticker/*.html; do
		assert_equal "$(count '<script' "$page")" 1
		lacks -iE '<b>|<i>|alert\(|</td><script' "$page"
	done
	# a market name that is not one is not shown; an event that is not
	# "market" is no market event
	grep -qFx '<p class="market-event"><span class="badge sev-critical">critical</span> Market-wide move 2026-11-25: the market -5.0%, score 4.40.</p>' site/index.html
	rows site/index.html | grep -qFx '2026-11-25 | MARKET market-wide move | 4.40 | market |  | -5.0% | '
	rows site/index.html | grep -qFx '2026-11-25 | EXC | 2.10 | 0.04 | excess z +2.10 |  | +0.5% | '
	# the records as stored, in the JSON
	for id in MARKET:1d:2026-11-25T14:30:00Z; do
		line=$(grep -rhF "\"id\":\"$id\"" st/anomalies)
		grep -qF -- "$line" site/anomalies.json
		grep -qF -- "$line" site/anomalies/MARKET.json
	done
	line=$(grep -rhF '"market":"</td><script>"' st/anomalies)
	grep -qF -- "$line" site/anomalies/EXC.json
}

# ---- options ----

@test "a bad --profile, SAM_PROFILE, --tail-df or --move is a usage error with sam-detect's message" {
	signal_store st
	usage_table sam-serve-static build -r st -o site <<-'EOF'
		--profile fast | sam-serve-static: --profile: no such profile (original, recommended): fast
		--profile= | sam-serve-static: --profile: no such profile (original, recommended): 
		SAM_PROFILE=Recommended | sam-serve-static: SAM_PROFILE: no such profile (original, recommended): Recommended
		--tail-df -1 | sam-serve-static: --tail-df: must be 0 (off) or above 2: -1
		--tail-df 2 | sam-serve-static: --tail-df: must be 0 (off) or above 2: 2
		--tail-df 1000001 | sam-serve-static: --tail-df: must be 0 (off) or above 2: 1000001
		--tail-df x | sam-serve-static: --tail-df: must be 0 (off) or above 2: x
		--tail-df | sam-serve-static: option '--tail-df' requires an argument
		--move -0.1 | sam-serve-static: --move: not a fraction of 0 (off) or more: -0.1
		--move 8% | sam-serve-static: --move: not a fraction of 0 (off) or more: 8%
		--move inf | sam-serve-static: --move: not a fraction of 0 (off) or more: inf
	EOF
	# the messages are sam-detect's own
	for opt in "--profile fast" "--tail-df 2" "--move 8%"; do
		# shellcheck disable=SC2086 # the option's words
		run --separate-stderr sam-detect $opt
		assert_failure 2
		want=${stderr_lines[0]#sam-detect: }
		# shellcheck disable=SC2086
		build -r st -o site $opt
		assert_equal "${stderr_lines[0]#sam-serve-static: }" "$want"
	done
	[ ! -e site ]
	# a bad SAM_PROFILE does not matter when --profile is given; an
	# empty one is none
	SAM_PROFILE=fast build -r st -o site --profile original
	assert_success
	SAM_PROFILE= build -r st -o site
	assert_success
	grep -qF 'band |z| &lt;= 2.00</title>' site/ticker/LVL.html
}
