#!/usr/bin/env bats
# sam-zscore: trailing z-scores per ticker and interval.

load test_helper
bats_require_minimum_version 1.5.0

ZF=$FIXTURES/zscore
USAGE='usage: sam-zscore [-w window] [-p min-periods] [-m metrics] [--ddof 0|1]
                  [--robust] [--profile name] [--market file [--market-ticker ticker]]
                  [--market-only] [--strict] [--log-format text|json] [file ...]'

# ---- an independent reference, in awk ----

# The statistics sam-zscore should find, from "ticker interval close
# volume" lines (TSV): per ticker and interval, the window of the W values
# before each bar; mean and standard deviation by the two-pass formula
# (around the window's first value, so that nearby values subtract
# exactly), or median and 1.4826 x MAD.  Prints, per bar, n, the return
# when it is a metric, and centre, scale and z of each metric.
REF_AWK='
function num(v) { return v == "" ? "null" : sprintf("%.17g", v) }
function median(a, n,    i, j, t) {
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[int(n / 2)] : (a[n / 2 - 1] + a[n / 2]) / 2
}
# the statistics of series-metric s (values h[s * 1e6 + i]) for x
function stats(s, x, have,    len, lo, hi, i, t, s0, sum, ss, m, sd, med, mad, a, c) {
	len = hn[s]; lo = len > W ? len - W : 0; c = len - lo
	if (c < P)
		return "null\tnull\tnull"
	lo += s * 1e6; hi = s * 1e6 + len
	if (ROBUST) {
		for (i = lo; i < hi; i++) a[i - lo] = h[i]
		med = median(a, c)
		for (i = 0; i < c; i++) a[i] = a[i] < med ? med - a[i] : a[i] - med
		mad = 1.4826 * median(a, c)
		return num(med) "\t" num(mad) "\t" (mad > 0 && have ? num((x - med) / mad) : "null")
	}
	s0 = h[lo]; sum = 0
	for (i = lo; i < hi; i++) sum += h[i] - s0
	m = sum / c; ss = 0
	for (i = lo; i < hi; i++) { t = (h[i] - s0) - m; ss += t * t }
	if (c - DDOF < 1)
		return num(s0 + m) "\tnull\tnull"
	sd = sqrt(ss / (c - DDOF))
	return num(s0 + m) "\t" num(sd) "\t" (sd > 0 && have ? num(((x - s0) - m) / sd) : "null")
}
BEGIN { FS = "\t"; nm = split(M, met, ",") }
{
	key = $1 SUBSEP $2; x["close"] = $3 + 0; x["volume"] = $4 + 0
	has["close"] = has["volume"] = 1
	has["return"] = (key in prev) && prev[key] != 0
	x["return"] = has["return"] ? (x["close"] - prev[key]) / prev[key] : 0
	line = (bars[key] < W ? bars[key] + 0 : W)
	if (M ~ /return/)
		line = line "\t" (has["return"] ? num(x["return"]) : "null")
	for (i = 1; i <= nm; i++) {
		m = met[i]
		if (!((key, m) in id)) id[key, m] = nid++
		s = id[key, m]
		line = line "\t" stats(s, x[m], has[m])
	}
	for (i = 1; i <= nm; i++) {
		m = met[i]; s = id[key, m]
		if (has[m]) h[s * 1e6 + hn[s]++] = x[m]
	}
	prev[key] = x["close"]; bars[key]++
	print line
}
'

# reference W P DDOF ROBUST METRICS < bars.ndjson
reference() {
	jq -r '[.ticker, .interval, .close, .volume] | @tsv' |
		awk -v W="$1" -v P="$2" -v DDOF="$3" -v ROBUST="$4" -v M="$5" "$REF_AWK"
}

# The same columns from sam-zscore's output: columns ROBUST METRICS < out
columns() {
	local robust=$1 metrics=$2 m cols=.n c=mean s=sd
	[ "$robust" = 1 ] && c=median s=mad
	case ,$metrics, in *,return,*) cols+=,.return ;; esac
	for m in ${metrics//,/ }; do
		cols+=",.${c}_$m,.${s}_$m,.z_$m"
	done
	jq -r "[$cols] | map(if . == null then \"null\" else . end) | @tsv"
}

# Compares two TSV files of numbers: the same shape, null in the same
# places, and |tool - ref| <= 1e-9 * max(1, |ref|) everywhere else.
agree() {
	local ref=$1 tool=$2
	[ "$(wc -l < "$ref")" -eq "$(wc -l < "$tool")" ] ||
		{ echo "line counts differ: $ref $tool"; return 1; }
	paste "$ref" "$tool" | awk -F'\t' '
	{
		h = NF / 2
		for (i = 1; i <= h; i++) {
			r = $i; t = $(i + h)
			if (r == "null" || t == "null") {
				if (r != t) { print NR ": column " i ": ref " r ", tool " t; bad++ }
				continue
			}
			d = t - r; if (d < 0) d = -d
			a = r < 0 ? -r : r; if (a < 1) a = 1
			if (d > 1e-9 * a) { print NR ": column " i ": ref " r ", tool " t; bad++ }
			checked++
		}
	}
	END { printf "%d values checked\n", checked; exit bad > 0 || checked == 0 }'
}

# check_reference FILE W P DDOF ROBUST METRICS [options...]
check_reference() {
	local file=$1 w=$2 p=$3 ddof=$4 robust=$5 metrics=$6 opts
	shift 6
	opts=(-w "$w" -p "$p" --ddof "$ddof" -m "$metrics" "$@")
	[ "$robust" = 1 ] && opts+=(--robust)
	reference "$w" "$p" "$ddof" "$robust" "$metrics" < "$file" > ref.tsv
	sam-zscore "${opts[@]}" "$file" > out
	columns "$robust" "$metrics" < out > tool.tsv
	agree ref.tsv tool.tsv
}

# 1m bars of one series: ts for the i-th minute of January 2024 (i from 0).
minute_bars_awk='
function ts(i) { return sprintf("2024-01-%02dT%02d:%02d:00Z", 1 + int(i / 1440), int(i % 1440 / 60), i % 60) }
function bar(t, i, c, v) { printf "{\"ticker\":\"%s\",\"interval\":\"1m\",\"ts\":\"%s\",\"close\":%s,\"volume\":%s}\n", t, ts(i), c, v }'

# ---- golden outputs ----

@test "sam-zscore writes the expected statistics for interleaved tickers and intervals" {
	run --separate-stderr sam-zscore -w 3 -p 2 "$ZF/bars.ndjson"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(cat "$ZF/w3p2.expected")"
}

@test "sam-zscore --robust writes the expected medians and scaled MADs" {
	run --separate-stderr sam-zscore -w 4 -p 2 --robust "$ZF/bars.ndjson"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(cat "$ZF/robust.expected")"
}

@test "sam-zscore -m close,volume,return --ddof 0 writes the expected returns and statistics" {
	run --separate-stderr sam-zscore -w 3 -p 2 --ddof 0 -m close,volume,return "$ZF/bars.ndjson"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(cat "$ZF/return.expected")"
}

@test "the default window is 30 bars and the default minimum is the whole window" {
	awk "$minute_bars_awk"' BEGIN { for (i = 0; i < 40; i++) bar("AAA", i, 100 + (i * 7) % 11, 1000 + (i * 13) % 17) }' > bars
	sam-zscore bars > out
	run jq -c '[.n, (.z_close != null), (.z_volume != null)]' out
	assert_line --index 0 '[0,false,false]'
	assert_line --index 29 '[29,false,false]'
	assert_line --index 30 '[30,true,true]'
	assert_line --index 39 '[30,true,true]'
	reference 30 30 1 0 close,volume < bars > ref.tsv
	columns 0 close,volume < out > tool.tsv
	agree ref.tsv tool.tsv
}

@test "SAM_WINDOW sets the window and -w overrides it" {
	awk "$minute_bars_awk"' BEGIN { for (i = 0; i < 12; i++) bar("AAA", i, 100 + i * i, 1000) }' > bars
	SAM_WINDOW=5 sam-zscore -p 5 bars | jq -c '[.n, .mean_close]' > env.out
	sam-zscore -w 5 -p 5 bars | jq -c '[.n, .mean_close]' > opt
	cmp env.out opt
	SAM_WINDOW=nonsense sam-zscore -w 5 -p 5 bars | jq -c '[.n, .mean_close]' > both
	cmp opt both
	run jq -s -c 'map(.[0]) | max' env.out
	assert_output 5
}

@test "SAM_METRICS chooses the metrics and -m overrides it" {
	SAM_METRICS=volume sam-zscore -w 2 "$ZF/bars.ndjson" > out
	run jq -c -s 'map(keys_unsorted[-4:]) | unique' out
	assert_output '[["n","mean_volume","sd_volume","z_volume"]]'
	SAM_METRICS=volume sam-zscore -w 2 -m close "$ZF/bars.ndjson" > out
	run jq -c -s 'map(keys_unsorted[-4:]) | unique' out
	assert_output '[["n","mean_close","sd_close","z_close"]]'
}

@test "with -p 1 a window of one value has a mean but no sample standard deviation" {
	run sam-zscore -w 3 -p 1 -m close "$FIXTURES/man/closes.ndjson"
	assert_success
	run jq -c '[.n, .mean_close, .sd_close, .z_close]' <<<"$output"
	assert_output - <<-'EOF'
		[0,null,null,null]
		[1,10,null,null]
		[2,11,1.4142135623730951,2.1213203435596424]
		[3,12,2,4]
	EOF
	run sam-zscore -w 3 -p 1 --ddof 0 -m close "$FIXTURES/man/closes.ndjson"
	run jq -c '[.n, .mean_close, .sd_close, .z_close]' <<<"$output"
	assert_line --index 1 '[1,10,0,null]'
	assert_line --index 2 '[2,11,1,3]'
}

@test "a window with no spread gives a z-score of null, not an infinity" {
	awk "$minute_bars_awk"' BEGIN { for (i = 0; i < 5; i++) bar("AAA", i, 7, 100); bar("AAA", 5, 8, 100) }' > bars
	run sam-zscore -w 3 bars
	assert_success
	run jq -c '[.sd_close, .z_close, .sd_volume, .z_volume]' <<<"$output"
	assert_line --index 5 '[0,null,0,null]'
	refute_output --partial inf
}

@test "the return of the first bar of a series and after a zero close is null" {
	run jq -c 'select(.ticker == "ZERO") | [.close, .return]' "$ZF/return.expected"
	assert_output - <<-'EOF'
		[0,null]
		[5,null]
		[5,0]
		[6,0.2]
		[4,-0.3333333333333333]
		[5,0.25]
	EOF
}

# ---- exactness against the reference ----

@test "z-scores of interleaved series match a two-pass computation in awk" {
	check_reference "$ZF/bars.ndjson" 3 2 1 0 close,volume
	check_reference "$ZF/bars.ndjson" 4 1 0 0 volume,close
	check_reference "$ZF/bars.ndjson" 2 2 1 0 close
	check_reference "$ZF/bars.ndjson" 3 1 1 0 close,volume
	check_reference "$ZF/bars.ndjson" 3 2 1 0 close,volume,return
	check_reference "$ZF/bars.ndjson" 3 2 0 0 close,volume,return
	check_reference "$ZF/bars.ndjson" 5 3 0 0 return,close
}

@test "robust z-scores match a median and MAD computed in awk" {
	check_reference "$ZF/bars.ndjson" 4 2 1 1 close,volume
	check_reference "$ZF/bars.ndjson" 3 1 1 1 close,volume,return
	check_reference "$ZF/bars.ndjson" 5 5 1 1 volume
}

@test "z-scores of 3 series of 1,500 bars with jumps over 15 orders of magnitude match awk" {
	awk "$minute_bars_awk"' BEGIN {
		x = 99
		for (i = 0; i < 1500; i++)
			for (s = 0; s < 3; s++) {
				x = (x * 16807) % 2147483647
				if (s == 0) c = x % 100 < 3 ? 1e12 + x % 7 : 1 + (x % 5) / 1024
				else if (s == 1) c = int(i / 300) % 2 ? 1048576 + (x % 9) / 1024 : 0.001 * (x % 13)
				else c = (x % 50 == 0 ? 1e15 : 3) + (x % 11) / 64
				bar(s == 0 ? "ONE" : s == 1 ? "TWO" : "THREE", i, sprintf("%.17g", c), x % 1000 < 5 ? 1e13 : x % 2000)
			}
	}' > bars
	check_reference bars 25 5 1 0 close,volume
	check_reference bars 7 7 0 0 close,volume
	check_reference bars 200 100 1 0 close,volume
}

@test "z-scores of prices near 1e6 with a tiny spread match an exact computation in bc" {
	# closes 1048576 + k/1024 are exact in binary and in decimal; two bars
	# at 1e9 pass through the window and leave it again
	awk "$minute_bars_awk"' BEGIN {
		x = 12345
		for (i = 0; i < 160; i++) {
			x = (x * 16807) % 2147483647
			c = i == 30 || i == 31 ? "1000000000" : sprintf("%.10f", 1048576 + (x % 17 - 8) / 1024)
			bar("BIG", i, c, 1)
		}
	}' > bars
	for ddof in 1 0; do
		jq -r .close bars | awk -v W=20 -v D=$ddof '
			{ printf "a[%d] = %s\n", NR - 1, $1 }
			END {
				print "scale = 60; w = " W
				print "for (i = w; i < " NR "; i++) {"
				print "  s = 0; for (j = i - w; j < i; j++) s += a[j]; m = s / w"
				print "  q = 0; for (j = i - w; j < i; j++) q += (a[j] - m)^2"
				print "  d = sqrt(q / (w - " D ")); print m, \"\\t\", d, \"\\t\", (a[i] - m) / d, \"\\n\""
				print "}"
			}' | BC_LINE_LENGTH=0 bc -l > ref.tsv
		sam-zscore -w 20 --ddof $ddof -m close bars | jq -r 'select(.n == 20) | [.mean_close, .sd_close, .z_close] | @tsv' > tool.tsv
		[ "$(wc -l < ref.tsv)" -eq 140 ]
		agree ref.tsv tool.tsv
	done
}

@test "z-scores over a window of 10,000 bars match a two-pass computation in awk" {
	# a random walk near 1e6 in steps of 1/1024, after 200 bars near 1e9;
	# volumes with spikes of 1e12 in the first 400 bars only
	awk "$minute_bars_awk"' BEGIN {
		x = 4242; c = 1048576
		for (i = 0; i < 10400; i++) {
			x = (x * 16807) % 2147483647
			c += (x % 9 - 4) / 1024
			x = (x * 16807) % 2147483647
			v = i < 400 && i % 50 == 0 ? 1e12 + x % 1000 : 1000000 + x % 1000
			bar("WIDE", i, sprintf("%.10f", i < 200 ? c + 1e9 : c), v)
		}
	}' > bars
	check_reference bars 10000 10000 1 0 close,volume
}

# ---- per-series state ----

@test "each ticker and interval keeps its own window whatever the interleaving" {
	sam-zscore -w 3 -p 2 "$ZF/bars.ndjson" > together
	for key in AAA/1d AAA/1h BBB/1d ZERO/1d; do
		jq -c --arg t "${key%/*}" --arg i "${key#*/}" 'select(.ticker == $t and .interval == $i)' "$ZF/bars.ndjson" > alone.in
		sam-zscore -w 3 -p 2 alone.in > alone
		jq -c --arg t "${key%/*}" --arg i "${key#*/}" 'select(.ticker == $t and .interval == $i)' together > picked
		[ -s alone ]
		cmp alone picked
	done
}

@test "a bar whose ts is not after its series' previous bar is reported and leaves the window as it was" {
	head -n 6 "$ZF/bars.ndjson" > with-bad
	# AAA 1d at 2024-01-03 again, then at 2024-01-01: both rejected
	jq -c 'select(.ticker == "AAA" and .interval == "1d") | .close = 999' "$ZF/bars.ndjson" | sed -n 2p >> with-bad
	jq -c 'select(.ticker == "AAA" and .interval == "1d") | .close = 999 | .ts = "2024-01-01T14:30:00Z"' "$ZF/bars.ndjson" | sed -n 2p >> with-bad
	tail -n +7 "$ZF/bars.ndjson" >> with-bad
	run --separate-stderr sam-zscore -w 3 -p 2 with-bad
	assert_failure 1
	assert_output "$(cat "$ZF/w3p2.expected")"
	assert_equal "$stderr" 'sam-zscore: with-bad:7: ts "2024-01-03T14:30:00Z" is not after the previous AAA 1d bar ("2024-01-03T14:30:00Z")
sam-zscore: with-bad:8: ts "2024-01-01T14:30:00Z" is not after the previous AAA 1d bar ("2024-01-03T14:30:00Z")
sam-zscore: 2 of 26 input lines rejected'
}

@test "bars at the same ts in different series are not out of order" {
	fixture in <<-'EOF'
		{"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z","close":1,"volume":1}
		{"ticker":"AAA","interval":"1h","ts":"2024-01-02T14:30:00Z","close":1,"volume":1}
		{"ticker":"BBB","interval":"1d","ts":"2024-01-02T14:30:00Z","close":1,"volume":1}
		{"ticker":"AAA","interval":"1h","ts":"2024-01-02T14:30:00.5Z","close":1,"volume":1}
	EOF
	run --separate-stderr sam-zscore in
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 4
}

# ---- bad input ----


# check_bad INPUT STATUS MESSAGE: the bad line (printf %b) goes between two
# good bars of AAA; both good bars come out, the bad one is reported.
check_bad() {
	local input=$1 want=$2 message=$3 expected got out
	{
		echo '{"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z","close":10,"volume":1000}'
		printf '%b\n' "$input"
		echo '{"ticker":"AAA","interval":"1d","ts":"2024-01-04T14:30:00Z","close":12,"volume":1100}'
	} > in.ndjson
	expected="sam-zscore: in.ndjson:2: $message
sam-zscore: 1 of 3 input lines rejected"
	# not "run": 50 rows of it take seconds
	sam-zscore -w 2 -p 1 in.ndjson > out 2> err && got=0 || got=$?
	mapfile -t out < out
	if [ "$got" -ne "$want" ] || [ "$(cat err)" != "$expected" ] || [ "${#out[@]}" -ne 2 ] ||
		[[ ${out[0]} != '{"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z",'* ]] ||
		[[ ${out[1]} != '{"ticker":"AAA","interval":"1d","ts":"2024-01-04T14:30:00Z",'* ]]; then
		printf 'input:  %s\nstatus: %s, expected %s\nstderr: %s\nexpected: %s\noutput: %s\n\n' \
			"$input" "$got" "$want" "$(cat err)" "$expected" "$(cat out)"
		return 1
	fi
}

# The table: input line | exit status | the message after "FILE:LINE: ".
# Inputs go through printf %b: \xff is a byte, \\ a backslash.
@test "each kind of bad record is reported with its file, line and reason, and skipped" {
	local row failed=0
	while IFS= read -r row; do
		[ -z "$row" ] && continue
		input=${row%% | *}; rest=${row#* | }
		check_bad "$input" "${rest%% | *}" "${rest#* | }" || failed=1
	done <<-'EOF'
		{"ticker":"AAA" | 1 | invalid JSON at byte 16: unexpected end of line
		{"ticker":"AAA",} | 1 | invalid JSON at byte 17: expected a member name
		{"ticker":"AAA" "interval":"1d"} | 1 | invalid JSON at byte 17: expected ',' or '}'
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":900} {} | 1 | invalid JSON at byte 86: trailing characters after the object
		not json | 1 | not a JSON object
		[1,2] | 1 | not a JSON object
		"AAA" | 1 | not a JSON object
		{"interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":900} | 1 | missing field "ticker"
		{"ticker":"AAA","ts":"2024-01-03T14:30:00Z","close":11,"volume":900} | 1 | missing field "interval"
		{"ticker":"AAA","interval":"1d","close":11,"volume":900} | 1 | missing field "ts"
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","volume":900} | 1 | missing field "close"
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11} | 1 | missing field "volume"
		{"ticker":7,"interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":900} | 1 | field "ticker": expected a string, got number
		{"ticker":"AAA","interval":["1d"],"ts":"2024-01-03T14:30:00Z","close":11,"volume":900} | 1 | field "interval": expected a string, got array
		{"ticker":"AAA","interval":"1d","ts":null,"close":11,"volume":900} | 1 | field "ts": expected a string, got null
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":"11","volume":900} | 1 | field "close": expected a number, got string
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":{"v":11},"volume":900} | 1 | field "close": expected a number, got object
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":true} | 1 | field "volume": expected a number, got true
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":NaN,"volume":900} | 1 | invalid JSON at byte 69: expected a value
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":"NaN","volume":900} | 1 | field "close": expected a number, got string
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":Infinity,"volume":900} | 1 | invalid JSON at byte 69: expected a value
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":1e999,"volume":900} | 1 | field "close": number out of range
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":-1e999} | 1 | field "volume": number out of range
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":-1} | 1 | field "volume": negative
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":011,"volume":900} | 1 | invalid JSON at byte 69: invalid number
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11.,"volume":900} | 1 | invalid JSON at byte 69: invalid number
		{"ticker":"../etc","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":900} | 1 | field "ticker": invalid ticker "../etc"
		{"ticker":"A/B","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":900} | 1 | field "ticker": invalid ticker "A/B"
		{"ticker":"A..B","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":900} | 1 | field "ticker": invalid ticker "A..B"
		{"ticker":"aaa","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":900} | 1 | field "ticker": invalid ticker "aaa"
		{"ticker":"","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":900} | 1 | field "ticker": invalid ticker ""
		{"ticker":"ABCDEFGHIJKLMNOPQRSTU","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":900} | 1 | field "ticker": invalid ticker "ABCDEFGHIJKLMNOPQRSTU"
		{"ticker":"AAA\\u0000","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":900} | 1 | field "ticker": invalid ticker "AAA\\u0000"
		{"ticker":"AAA","interval":"2d","ts":"2024-01-03T14:30:00Z","close":11,"volume":900} | 1 | field "interval": invalid interval "2d"
		{"ticker":"AAA","interval":"1D","ts":"2024-01-03T14:30:00Z","close":11,"volume":900} | 1 | field "interval": invalid interval "1D"
		{"ticker":"AAA","interval":"","ts":"2024-01-03T14:30:00Z","close":11,"volume":900} | 1 | field "interval": invalid interval ""
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03","close":11,"volume":900} | 1 | field "ts": invalid timestamp "2024-01-03"
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00","close":11,"volume":900} | 1 | field "ts": invalid timestamp "2024-01-03T14:30:00"
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00+00:00","close":11,"volume":900} | 1 | field "ts": invalid timestamp "2024-01-03T14:30:00+00:00"
		{"ticker":"AAA","interval":"1d","ts":"2024-02-30T14:30:00Z","close":11,"volume":900} | 1 | field "ts": invalid timestamp "2024-02-30T14:30:00Z"
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03 14:30:00Z","close":11,"volume":900} | 1 | field "ts": invalid timestamp "2024-01-03 14:30:00Z"
		{"ticker":"AAA","interval":"1d","ts":"yesterday","close":11,"volume":900} | 1 | field "ts": invalid timestamp "yesterday"
		{"ticker":"AAA","interval":"1d","ts":"2024-01-01T14:30:00Z","close":11,"volume":900} | 1 | ts "2024-01-01T14:30:00Z" is not after the previous AAA 1d bar ("2024-01-02T14:30:00Z")
		{"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z","close":11,"volume":900} | 1 | ts "2024-01-02T14:30:00Z" is not after the previous AAA 1d bar ("2024-01-02T14:30:00Z")
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"close":12,"volume":900} | 1 | duplicate field "close"
		{"ticker":"AAA","ticker":"BBB","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":900} | 1 | duplicate field "ticker"
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"\\u0063lose":12,"volume":900} | 1 | duplicate field "close"
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":900,"note":"\xff"} | 1 | invalid UTF-8 at byte 93
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":900,"note":"\xc0\xaf"} | 1 | invalid UTF-8 at byte 93
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":900,"note":"\xed\xa0\x80"} | 1 | invalid UTF-8 at byte 93
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":900,"note":"\\q"} | 1 | invalid JSON at byte 93: invalid escape
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":900,"note":"\\ud800"} | 1 | invalid JSON at byte 93: unpaired surrogate in \u escape
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":900,"note":"a\tb"} | 1 | invalid JSON at byte 94: control character in string
	EOF
	[ "$failed" -eq 0 ]
}

BAR='"close":10,"volume":1000'

@test "lines over SAM_MAX_LINE or the default 1 MiB are reported and skipped, the next line processed" {
	check_line_limits sam-zscore "$BAR"
}

@test "the CR of a CR LF line end does not count against SAM_MAX_LINE" {
	padded_record 2 100 "$BAR" > lf
	padded_record 2 100 "$BAR" | sed 's/$/\r/' > crlf
	SAM_MAX_LINE=100 run --separate-stderr sam-zscore lf
	assert_success
	SAM_MAX_LINE=100 run --separate-stderr sam-zscore crlf
	assert_success
	assert_equal "$stderr" ""
}

@test "a valid record with a 1,000,000-byte string passes through unchanged" {
	check_huge_record sam-zscore "$BAR" ',"n":0,"mean_close":null,"sd_close":null,"z_close":null,"mean_volume":null,"sd_volume":null,"z_volume":null'
}

@test "empty input gives no output and exit status 0" {
	check_empty_input sam-zscore
}

@test "blank lines and CR LF line ends are accepted, and line numbers still count them" {
	printf '\n   \n%s\r\n\r\n\t\n%s\r\n{"ticker":"AAA"}\r\n' \
		'{"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z","close":10,"volume":1000}' \
		'{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":1000}' > in
	run --separate-stderr sam-zscore -w 2 -p 1 -m close in
	assert_failure 1
	assert_equal "$stderr" 'sam-zscore: in:7: missing field "interval"
sam-zscore: 1 of 3 input lines rejected'
	assert_output '{"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z","close":10,"volume":1000,"n":0,"mean_close":null,"sd_close":null,"z_close":null}
{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"volume":1000,"n":1,"mean_close":10,"sd_close":null,"z_close":null}'
	refute_output --partial $'\r'
}

@test "a last line without a newline is still a record" {
	printf '%s' '{"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z","close":10,"volume":1000}' > in
	run sam-zscore -m close in
	assert_success
	assert_output '{"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z","close":10,"volume":1000,"n":0,"mean_close":null,"sd_close":null,"z_close":null}'
}

@test "--strict stops at the first bad line" {
	{ sed -n 1,3p "$ZF/bars.ndjson"; echo '{"ticker":"AAA"}'; sed -n 4,6p "$ZF/bars.ndjson"; } > in
	run --separate-stderr sam-zscore --strict in "$ZF/bars.ndjson"
	assert_failure 1
	assert_equal "$stderr" 'sam-zscore: in:4: missing field "interval"
sam-zscore: 1 of 4 input lines rejected'
	assert_equal "${#lines[@]}" 3
	run --separate-stderr sam-zscore in
	assert_failure 1
	assert_equal "${#lines[@]}" 6
}

@test "--log-format json writes each diagnostic as one JSON object a line" {
	{ sed -n 1,2p "$ZF/bars.ndjson"; echo '{"ticker":"../etc"}'; printf 'x\xffy\n'; } > in
	check_json_log sam-zscore <<-'EOF'
		{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-zscore","msg":"field \"ticker\": invalid ticker \"../etc\"","file":"in","line":3}
		{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-zscore","msg":"invalid UTF-8 at byte 2","file":"in","line":4}
		{"ts":"2026-11-25T21:00:00Z","level":"fatal","tool":"sam-zscore","msg":"unable to open missing: No such file or directory"}
		{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-zscore","msg":"2 of 4 input lines rejected"}
	EOF
	SAM_LOG_FORMAT=json sam-zscore --log-format text in 2> text.log || true
	assert_equal "$(head -n 1 text.log)" 'sam-zscore: in:3: field "ticker": invalid ticker "../etc"'
}

@test "with SAM_LOG_FORMAT=json a usage error is JSON too" {
	SAM_LOG_FORMAT=json run --separate-stderr sam-zscore -w 1
	assert_failure 2
	printf '%s\n' "$stderr" > log
	run jq -c '{level, msg}' log
	assert_success
	assert_output '{"level":"error","msg":"-w: window must be 2 to 1000000: 1"}'
}

# ---- pass-through ----

@test "unknown fields survive byte for byte and in order, and known ones keep their text" {
	fixture in <<-'EOF'
		{"meta":{"a":[1,2,{"b":null}],"c":{}},"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z","note":"tab\there \"q\" \u00e9 \ud83d\ude00 é 😀 \/ \\","close":1.50,"volume":1e2,"x":-0.0,"y":1E+2,"z":123456789012345678901234567890,"arr":[ 1 , [ ] , "]" ],"t":true,"f":false,"nul":null,"empty":""}
		{ "ticker" : "AAA" , "interval":"1d","ts":"2024-01-03T14:30:00Z","close":1.5e0,"volume":100.000 ,"\u0063lose2":1, "k" : [ ] }
	EOF
	run --separate-stderr sam-zscore -m close in
	assert_success
	assert_equal "$stderr" ""
	assert_output - <<-'EOF'
		{"meta":{"a":[1,2,{"b":null}],"c":{}},"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z","note":"tab\there \"q\" \u00e9 \ud83d\ude00 é 😀 \/ \\","close":1.50,"volume":1e2,"x":-0.0,"y":1E+2,"z":123456789012345678901234567890,"arr":[ 1 , [ ] , "]" ],"t":true,"f":false,"nul":null,"empty":"","n":0,"mean_close":null,"sd_close":null,"z_close":null}
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":1.5e0,"volume":100.000,"\u0063lose2":1,"k":[ ],"n":1,"mean_close":null,"sd_close":null,"z_close":null}
	EOF
}

@test "running sam-zscore on its own output gives the same output" {
	for opts in "-w 3 -p 2" "-w 4 -p 1 --robust" "-w 3 -p 2 -m close,volume,return --ddof 0" "-w 2 -m return"; do
		# shellcheck disable=SC2086
		sam-zscore $opts "$ZF/bars.ndjson" > once
		# shellcheck disable=SC2086
		sam-zscore $opts once > twice
		cmp once twice
	done
}

@test "fields sam-zscore writes replace the input's fields of the same name in place" {
	echo '{"z_close":"old","ticker":"AAA","n":-1,"interval":"1d","ts":"2024-01-02T14:30:00Z","close":1,"volume":1,"k":1}' > in
	run sam-zscore -m close in
	assert_output '{"z_close":null,"ticker":"AAA","n":0,"interval":"1d","ts":"2024-01-02T14:30:00Z","close":1,"volume":1,"k":1,"mean_close":null,"sd_close":null}'
}

# ---- options ----

@test "-h and --help print the usage and --version the version, on standard output" {
	check_help_and_version sam-zscore
}

# The table: options | message.  Each exits 2, writes nothing on standard
# output, and the message and the usage on standard error.
@test "each bad option value is a usage error with its own message" {
	usage_table sam-zscore /dev/null <<-'EOF'
		-w 1 | sam-zscore: -w: window must be 2 to 1000000: 1
		-w 1000001 | sam-zscore: -w: window must be 2 to 1000000: 1000001
		-w 99999999999999999999999 | sam-zscore: -w: window must be 2 to 1000000: 99999999999999999999999
		-w x | sam-zscore: -w: window must be 2 to 1000000: x
		-w -5 | sam-zscore: -w: window must be 2 to 1000000: -5
		-w 3.5 | sam-zscore: -w: window must be 2 to 1000000: 3.5
		-w +3 | sam-zscore: -w: window must be 2 to 1000000: +3
		--window=0 | sam-zscore: -w: window must be 2 to 1000000: 0
		-p 0 | sam-zscore: -p: min-periods must be 1 to the window: 0
		-p 31 | sam-zscore: -p: min-periods must be 1 to the window: 31
		-w 5 -p 6 | sam-zscore: -p: min-periods must be 1 to the window: 6
		-p 6 -w 5 | sam-zscore: -p: min-periods must be 1 to the window: 6
		-p x | sam-zscore: -p: min-periods must be 1 to the window: x
		-m foo | sam-zscore: -m: metrics are close, volume, return, lvolume and excess, comma-separated: foo
		-m close, | sam-zscore: -m: metrics are close, volume, return, lvolume and excess, comma-separated: close,
		-m ,close | sam-zscore: -m: metrics are close, volume, return, lvolume and excess, comma-separated: ,close
		-m close,,volume | sam-zscore: -m: metrics are close, volume, return, lvolume and excess, comma-separated: close,,volume
		-m close,close | sam-zscore: -m: metrics are close, volume, return, lvolume and excess, comma-separated: close,close
		-m CLOSE | sam-zscore: -m: metrics are close, volume, return, lvolume and excess, comma-separated: CLOSE
		--metrics=open | sam-zscore: -m: metrics are close, volume, return, lvolume and excess, comma-separated: open
		--ddof 2 | sam-zscore: --ddof: must be 0 or 1: 2
		--ddof 01 | sam-zscore: --ddof: must be 0 or 1: 01
		--log-format xml | sam-zscore: --log-format: must be text or json: xml
		SAM_WINDOW=1 | sam-zscore: SAM_WINDOW: window must be 2 to 1000000: 1
		SAM_WINDOW=ten | sam-zscore: SAM_WINDOW: window must be 2 to 1000000: ten
		SAM_WINDOW=5 -p 6 | sam-zscore: -p: min-periods must be 1 to the window: 6
		SAM_METRICS=open | sam-zscore: SAM_METRICS: metrics are close, volume, return, lvolume and excess, comma-separated: open
		SAM_LOG_FORMAT=xml | sam-zscore: SAM_LOG_FORMAT: must be text or json: xml
		SAM_MAX_LINE=0 | sam-zscore: SAM_MAX_LINE: not a number of bytes from 1 to 1073741824: 0
		SAM_MAX_LINE=1MiB | sam-zscore: SAM_MAX_LINE: not a number of bytes from 1 to 1073741824: 1MiB
		SAM_MAX_LINE=1073741825 | sam-zscore: SAM_MAX_LINE: not a number of bytes from 1 to 1073741824: 1073741825
		-q | sam-zscore: invalid option -- 'q'
		--bogus | sam-zscore: unrecognized option '--bogus'
		--robust=yes | sam-zscore: option '--robust' doesn't allow an argument
		-w | sam-zscore: option requires an argument -- 'w'
	EOF
}

@test "an empty -m is a usage error" {
	run --separate-stderr sam-zscore -m '' /dev/null
	assert_failure 2
	assert_equal "$stderr" "sam-zscore: -m: metrics are close, volume, return, lvolume and excess, comma-separated: "$'\n'"$USAGE"
}

@test "a bad environment variable does not matter when its option is given" {
	SAM_WINDOW=1 SAM_METRICS=open SAM_LOG_FORMAT=xml run --separate-stderr \
		sam-zscore -w 3 -p 2 -m close --log-format text "$FIXTURES/man/closes.ndjson"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 4
}

# ---- files and exit status 3 ----

@test "a file that does not exist gives exit status 3 and the other files are still read" {
	sed -n 1,2p "$ZF/bars.ndjson" > one
	sed -n 3,4p "$ZF/bars.ndjson" > two
	run --separate-stderr sam-zscore -w 3 -p 2 one missing two
	assert_failure 3
	assert_equal "$stderr" 'sam-zscore: fatal: unable to open missing: No such file or directory'
	assert_output "$(sed -n 1,4p "$ZF/w3p2.expected")"
}

@test "a directory among the files gives exit status 3 and the other files are still read" {
	mkdir adir
	run --separate-stderr sam-zscore -w 3 -p 2 adir "$ZF/bars.ndjson"
	assert_failure 3
	assert_equal "$stderr" 'sam-zscore: fatal: unable to read adir: Is a directory'
	assert_output "$(cat "$ZF/w3p2.expected")"
}

@test "a missing file wins over rejected records: exit status 3" {
	echo '{}' > bad
	run --separate-stderr sam-zscore bad missing
	assert_failure 3
}

@test "- reads standard input among the files, and the state carries across files" {
	sed -n 1,10p "$ZF/bars.ndjson" > one
	sed -n 21,24p "$ZF/bars.ndjson" > three
	sed -n 11,20p "$ZF/bars.ndjson" | sam-zscore -w 3 -p 2 one - three > out
	sed -n 1,24p "$ZF/bars.ndjson" | sam-zscore -w 3 -p 2 > want
	cmp want out
	run --separate-stderr sam-zscore - < <(echo '{}')
	assert_equal "$stderr" $'sam-zscore: -:1: missing field "ticker"\nsam-zscore: 1 of 1 input lines rejected'
}

@test "standard output on /dev/full gives exit status 3" {
	check_full_stdout sam-zscore "$ZF/bars.ndjson"
}

@test "standard output on /dev/full stops a long run with exit status 3" {
	awk "$minute_bars_awk"' BEGIN { for (i = 0; i < 20000; i++) bar("AAA", i, 100 + i % 7, 1000) }' > bars
	check_full_stdout sam-zscore bars
}
