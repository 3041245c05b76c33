#!/usr/bin/env bats
# sam-detect: keep the anomalous bars and grade their severity.

load test_helper
bats_require_minimum_version 1.5.0

DF=$FIXTURES/detect
USAGE='usage: sam-detect [-t threshold] [-m metrics] [-b bands] [-T file] [--all]
                  [--profile name] [--tail-df df] [--fdr rate] [--move fraction]
                  [--rvol ratio] [--strict] [--log-format text|json] [file ...]'

# ---- an independent reference, in jq ----

# What sam-detect --all should add to each bar, from its z_ fields (or
# the ones named in $metrics): anomalous when some |z| > threshold;
# metrics largest |z| first (input order on ties), score the largest |z|.
EXPECT_JQ='
def abs: if . < 0 then -. else . end;
def severity($s; $b): if $s >= $b[2] then "critical" elif $s >= $b[1] then "high"
	elif $s >= $b[0] then "medium" else "low" end;
($metrics | split(",") | map("z_" + .)) as $names
| [to_entries[] | select(.key | startswith("z_"))
   | select($metrics == "" or (.key as $k | $names | index([$k])))] as $z
| ($thresholds[.ticker] // $t) as $t
| ([$z[] | select(.value != null) | {m: .key[2:], a: (.value | abs)}] | to_entries
   | sort_by([-.value.a, .key]) | map(.value)) as $hits
| ($hits | map(select(.a > $t))) as $above
| {anomaly: ($above | length > 0),
   score: (if $hits == [] then null else $hits[0].a end),
   severity: (if $above == [] then null else severity($hits[0].a; $b) end),
   metrics: ($above | map(.m)), threshold: $t,
   id: "\(.ticker):\(.interval):\(.ts)"}'

# expect [-t T] [-m METRICS] [-b BANDS] [-T FILE] < in: the reference.
expect() {
	local t=2 metrics='' bands='[2.5,3,4]' thresholds='{}'
	while [ $# -gt 0 ]; do
		case $1 in
		-t) t=$2 ;;
		-m) metrics=$2 ;;
		-b) bands="[$2]" ;;
		-T) thresholds=$(sed 's/#.*//' "$2" | awk 'NF == 2 { print $1, $2 }' |
			jq -R -s 'split("\n") | map(select(. != "") | split(" ") | {(.[0]): (.[1] | tonumber)}) | add // {}') ;;
		esac
		shift 2
	done
	jq -c --argjson t "$t" --arg metrics "$metrics" --argjson b "$bands" \
		--argjson thresholds "$thresholds" "$EXPECT_JQ"
}

# check_against_reference FILE [options]: sam-detect --all agrees with jq.
check_against_reference() {
	local file=$1
	shift
	expect "$@" < "$file" > want
	sam-detect --all "$@" "$file" | jq -c '{anomaly, score, severity, metrics, threshold, id}' > got
	[ -s want ]
	diff -u want got
}

# ---- golden outputs ----

@test "sam-detect keeps the anomalous bars and grades them" {
	run --separate-stderr sam-detect "$DF/scored.ndjson"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(cat "$DF/default.expected")"
}

@test "sam-detect --all passes every bar with anomaly true or false" {
	run --separate-stderr sam-detect --all "$DF/scored.ndjson"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(cat "$DF/all.expected")"
	run jq -r '.anomaly' "$DF/all.expected"
	assert_output "$(printf 'false\nfalse\nfalse\n'; yes true | head -n 9)"
}

@test "-t sets the threshold" {
	run --separate-stderr sam-detect -t 3 "$DF/scored.ndjson"
	assert_success
	assert_output "$(cat "$DF/t3.expected")"
	run sam-detect --threshold=3 "$DF/scored.ndjson"
	assert_output "$(cat "$DF/t3.expected")"
}

@test "SAM_THRESHOLD sets the threshold and -t overrides it" {
	SAM_THRESHOLD=3 run sam-detect "$DF/scored.ndjson"
	assert_success
	assert_output "$(cat "$DF/t3.expected")"
	SAM_THRESHOLD=3 run sam-detect -t 2 "$DF/scored.ndjson"
	assert_output "$(cat "$DF/default.expected")"
	SAM_THRESHOLD=zero run sam-detect -t 2 "$DF/scored.ndjson"
	assert_success
	assert_output "$(cat "$DF/default.expected")"
}

@test "-m keeps to the named metrics, and SAM_METRICS does the same" {
	run --separate-stderr sam-detect -m volume "$DF/scored.ndjson"
	assert_success
	assert_output "$(cat "$DF/volume.expected")"
	SAM_METRICS=volume run sam-detect "$DF/scored.ndjson"
	assert_output "$(cat "$DF/volume.expected")"
	SAM_METRICS='return' run sam-detect --metrics volume "$DF/scored.ndjson"
	assert_output "$(cat "$DF/volume.expected")"
}

@test "-b moves the severity bands, and SAM_BANDS does the same" {
	run --separate-stderr sam-detect -b 2.2,2.8,3.5 "$DF/scored.ndjson"
	assert_success
	assert_output "$(cat "$DF/bands.expected")"
	SAM_BANDS=2.2,2.8,3.5 run sam-detect "$DF/scored.ndjson"
	assert_output "$(cat "$DF/bands.expected")"
	SAM_BANDS=9,8,7 run sam-detect --bands 2.2,2.8,3.5 "$DF/scored.ndjson"
	assert_output "$(cat "$DF/bands.expected")"
}

@test "-T gives tickers their own thresholds" {
	run --separate-stderr sam-detect -T "$DF/thresholds.txt" "$DF/scored.ndjson"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(cat "$DF/thresholds.expected")"
	run sam-detect --thresholds "$DF/thresholds.txt" "$DF/scored.ndjson"
	assert_output "$(cat "$DF/thresholds.expected")"
}

@test "a per-ticker threshold beats -t, and -t still applies to the other tickers" {
	echo 'CCC 3' > th
	run sam-detect -t 1.6 -T th "$DF/scored.ndjson"
	run jq -c '[.ticker, .threshold]' <<<"$output"
	assert_output - <<-'EOF'
		["AAA",1.6]
		["AAA",1.6]
		["AAA",1.6]
		["AAA",1.6]
		["AAA",1.6]
		["AAA",1.6]
		["AAA",1.6]
		["BBB",1.6]
		["BBB",1.6]
		["CCC",3]
	EOF
}

# ---- the rules, against jq ----

@test "anomaly, score, severity, metrics and id agree with jq on the fixture, whatever the options" {
	check_against_reference "$DF/scored.ndjson"
	check_against_reference "$DF/scored.ndjson" -t 3
	check_against_reference "$DF/scored.ndjson" -t 0.15
	check_against_reference "$DF/scored.ndjson" -m volume
	check_against_reference "$DF/scored.ndjson" -m volume,close
	check_against_reference "$DF/scored.ndjson" -b 2.2,2.8,3.5
	check_against_reference "$DF/scored.ndjson" -t 1 -b 1.5,2,2.0000000001
	check_against_reference "$DF/scored.ndjson" -T "$DF/thresholds.txt"
	check_against_reference "$DF/scored.ndjson" -t 2.5 -T "$DF/thresholds.txt"
}

@test "anomalies in sam-zscore's output of 900 random bars agree with jq" {
	awk 'BEGIN {
		x = 7
		for (i = 0; i < 300; i++)
			for (s = 0; s < 3; s++) {
				x = (x * 16807) % 2147483647
				c = 100 + s + (x % 1000) / 100 + (x % 37 == 0 ? 20 : 0)
				x = (x * 16807) % 2147483647
				v = 1000 + x % 500 + (x % 23 == 0 ? 5000 : 0)
				printf "{\"ticker\":\"T%d\",\"interval\":\"1h\",\"ts\":\"2024-02-%02dT%02d:00:00Z\",\"close\":%s,\"volume\":%d}\n",
					s, 1 + int(i / 24), i % 24, c, v
			}
	}' > bars
	sam-zscore -m close,volume,return bars > scored
	check_against_reference scored
	check_against_reference scored -t 2.5 -m return,volume
	sam-zscore -w 5 -p 3 --robust "$FIXTURES/zscore/bars.ndjson" > small
	check_against_reference small -t 1
}

@test "the severity bands are low (threshold, 2.5), medium [2.5, 3), high [3, 4), critical [4, inf)" {
	local z
	for z in 2.0000001 2.4999999 2.5 2.9999999 3 3.9999999 4 1e300; do
		printf '{"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z","z_close":%s}\n' "$z"
		printf '{"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z","z_close":-%s}\n' "$z"
	done > in
	run sam-detect in
	assert_success
	run jq -r '.severity' <<<"$output"
	assert_output "$(printf '%s\n' low low low low medium medium medium medium high high high high critical critical critical critical)"
}

@test "a z-score equal to the threshold is not an anomaly" {
	printf '{"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z","z_close":%s}\n' 2 -2 2.5 > in
	run sam-detect -t 2.5 --all in
	run jq -c '[.anomaly, .score]' <<<"$output"
	assert_output $'[false,2]\n[false,2]\n[false,2.5]'
}

@test "without --all the anomalies are those of --all, whatever the text of their numbers" {
	# sam-detect tells the quiet bars from their numbers' first digits
	# (--all reads every number whole): at the threshold's edge, with an
	# exponent, over 15 integer digits, over 32 bytes, these must agree
	local t=A z
	for z in 1.99999999999999989 2.0000000000000004 2e0 2.5E+0 0.25e1 \
	    2000e-3 123456789012345678 1234567890123456.5 -2.0001 1.9999 -0 \
	    1e-400 0.000000000000000000000000000000000002 1.99990000000000000000000000000001 \
	    1.99999; do
		printf '{"ticker":"%s","interval":"1d","ts":"2024-01-02T14:30:00Z","n":30,"z_close":%s,"z_volume":null}\n' "$t" "$z"
		t=$(tr A-Y B-Z <<<"$t")
	done > in
	run sam-detect in
	assert_success
	run jq -r .ticker <<<"$output"
	assert_output $'B\nD\nE\nG\nH\nI'
	# and a threshold between a number's first five digits and its value
	run sam-detect -t 1.99995 in
	run jq -r .ticker <<<"$output"
	assert_output $'A\nB\nC\nD\nE\nF\nG\nH\nI\nO'
	for opts in "" "-t 1.99995"; do
		sam-detect --all $opts in | jq -c 'select(.anomaly)' > want
		sam-detect $opts in | jq -c . > got
		diff -u want got
	done
	# the floors and the quiet level of a t tail with a false discovery
	# rate: a move of 0.08 in three texts, an rvol of 5 in two
	for r in 0.08 8e-2 0.0799999999999999999 0.07999; do
		for v in 5 5e0 4.99999999999999999 4.9999; do
			printf '{"ticker":"%s","interval":"1d","ts":"2024-01-02T14:30:00Z","n":30,"return":%s,"market_return":0,"rvol":%s,"z_return":1.5,"z_lvolume":0.25e1}\n' "$t" "$r" "$v"
			t=$(tr A-Y B-Z <<<"$t")
		done
	done > in
	for opts in "--move 0.08 --rvol 5" "--tail-df 4 --fdr 0.5 --move 0.08 --rvol 5" "--tail-df 30 -t 1.9"; do
		sam-detect --all $opts in | jq -c 'select(.anomaly)' > want
		sam-detect $opts in | jq -c . > got
		[ -s want ]
		diff -u want got
	done
}

@test "bars without z-scores are never anomalies" {
	fixture in <<-'EOF'
		{"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z","z_close":null,"z_volume":null}
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","z_close":null,"z_volume":0}
	EOF
	run --separate-stderr sam-detect -t 0.0001 in
	assert_success
	assert_output ""
	run sam-detect --all -t 0.0001 in
	assert_output - <<-'EOF'
		{"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z","z_close":null,"z_volume":null,"anomaly":false,"score":null,"severity":null,"metrics":[],"threshold":0.0001,"id":"AAA:1d:2024-01-02T14:30:00Z"}
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","z_close":null,"z_volume":0,"anomaly":false,"score":0,"severity":null,"metrics":[],"threshold":0.0001,"id":"AAA:1d:2024-01-03T14:30:00Z"}
	EOF
}

@test "metrics are listed largest |z| first, in input order on ties" {
	echo '{"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z","z_a":2.5,"z_b":-7,"z_c":3,"z_d":-3,"z_e":1,"z_f":null,"z_g":7}' > in
	run sam-detect in
	run jq -c '[.metrics, .score, .severity]' <<<"$output"
	assert_output '[["b","g","c","d","a"],7,"critical"]'
}

@test "the id is TICKER:INTERVAL:TS, with the ts as written" {
	echo '{"ts":"2024-01-02T14:30:00.250Z","interval":"15m","ticker":"BRK.B","z_close":9}' > in
	run sam-detect in
	run jq -r .id <<<"$output"
	assert_output 'BRK.B:15m:2024-01-02T14:30:00.250Z'
}

@test "sam-zscore piped into sam-detect finds the expected anomalies" {
	run bash -c 'sam-zscore -w 3 -p 2 "$1" | sam-detect | jq -c "{id, score, severity, metrics}"' _ "$FIXTURES/zscore/bars.ndjson"
	assert_success
	assert_output - <<-'EOF'
		{"id":"AAA:1d:2024-01-04T14:30:00Z","score":2.1213203435596424,"severity":"low","metrics":["volume"]}
		{"id":"AAA:1h:2024-01-02T16:30:00Z","score":6.363961030678928,"severity":"critical","metrics":["volume","close"]}
		{"id":"BBB:1d:2024-01-05T14:30:00Z","score":2.1821789023599236,"severity":"low","metrics":["close"]}
		{"id":"BBB:1d:2024-01-08T14:30:00Z","score":131.14895203183144,"severity":"critical","metrics":["volume","close"]}
		{"id":"AAA:1d:2024-01-09T14:30:00Z","score":25.96792893808309,"severity":"critical","metrics":["volume","close"]}
		{"id":"ZERO:1d:2024-01-08T14:30:00Z","score":2.309401076758494,"severity":"low","metrics":["close"]}
	EOF
}

# ---- bad input ----

# check_bad INPUT STATUS MESSAGE: the line (printf %b) goes between two
# anomalous bars of AAA; both of them come out, the bad one is reported.
check_bad() {
	local input=$1 want=$2 message=$3 expected n=2 got out
	{
		echo '{"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z","z_close":2.5,"z_volume":null}'
		printf '%b\n' "$input"
		echo '{"ticker":"AAA","interval":"1d","ts":"2024-01-04T14:30:00Z","z_close":null,"z_volume":-4}'
	} > in.ndjson
	expected="sam-detect: in.ndjson:2: $message
sam-detect: 1 of 3 input lines rejected"
	[ -z "$message" ] && expected='' n=3
	# not "run": 30 rows of it take seconds
	sam-detect in.ndjson > out 2> err && got=0 || got=$?
	mapfile -t out < out
	if [ "$got" -ne "$want" ] || [ "$(cat err)" != "$expected" ] || [ "${#out[@]}" -ne "$n" ] ||
		[[ ${out[0]} != *'"id":"AAA:1d:2024-01-02T14:30:00Z"}' ]] ||
		[[ ${out[n - 1]} != *'"id":"AAA:1d:2024-01-04T14:30:00Z"}' ]]; then
		printf 'input:  %s\nstatus: %s, expected %s\nstderr: %s\nexpected: %s\noutput: %s\n\n' \
			"$input" "$got" "$want" "$(cat err)" "$expected" "$(cat out)"
		return 1
	fi
}

# The table: input line | exit status | the message after "FILE:LINE: ".
# Inputs go through printf %b: \xe2 is a byte, \\ a backslash.
@test "each kind of bad record is reported with its file, line and reason, and skipped" {
	local row failed=0
	while IFS= read -r row; do
		input=${row%% | *}; rest=${row#* | }
		check_bad "$input" "${rest%% | *}" "${rest#* | }" || failed=1
	done <<-'EOF'
		{"ticker":"AAA" | 1 | invalid JSON at byte 16: unexpected end of line
		{"ticker":"AAA","z_close":} | 1 | invalid JSON at byte 27: expected a value
		[{"ticker":"AAA"}] | 1 | not a JSON object
		null | 1 | not a JSON object
		{"interval":"1d","ts":"2024-01-03T14:30:00Z","z_close":3,"z_volume":null} | 1 | missing field "ticker"
		{"ticker":"AAA","ts":"2024-01-03T14:30:00Z","z_close":3,"z_volume":null} | 1 | missing field "interval"
		{"ticker":"AAA","interval":"1d","z_close":3,"z_volume":null} | 1 | missing field "ts"
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z"} | 1 | no z_ fields (is the input from sam-zscore?)
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","close":11,"z_":3} | 1 | no z_ fields (is the input from sam-zscore?)
		{"ticker":["AAA"],"interval":"1d","ts":"2024-01-03T14:30:00Z","z_close":3,"z_volume":null} | 1 | field "ticker": expected a string, got array
		{"ticker":"AAA","interval":1,"ts":"2024-01-03T14:30:00Z","z_close":3,"z_volume":null} | 1 | field "interval": expected a string, got number
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","z_close":"3","z_volume":null} | 1 | field "z_close": expected a number or null, got string
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","z_close":3,"z_volume":false} | 1 | field "z_volume": expected a number or null, got false
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","z_close":[3],"z_volume":null} | 1 | field "z_close": expected a number or null, got array
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","z_close":NaN,"z_volume":null} | 1 | invalid JSON at byte 71: expected a value
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","z_close":"NaN","z_volume":null} | 1 | field "z_close": expected a number or null, got string
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","z_close":-Infinity,"z_volume":null} | 1 | invalid JSON at byte 71: invalid number
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","z_close":1e999,"z_volume":null} | 1 | field "z_close": number out of range
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","z_close":3,"z_volume":-1e999} | 1 | field "z_volume": number out of range
		{"ticker":"../etc","interval":"1d","ts":"2024-01-03T14:30:00Z","z_close":3,"z_volume":null} | 1 | field "ticker": invalid ticker "../etc"
		{"ticker":"AAA","interval":"1w","ts":"2024-01-03T14:30:00Z","z_close":3,"z_volume":null} | 1 | field "interval": invalid interval "1w"
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30Z","z_close":3,"z_volume":null} | 1 | field "ts": invalid timestamp "2024-01-03T14:30Z"
		{"ticker":"AAA","interval":"1d","ts":"2024-13-03T14:30:00Z","z_close":3,"z_volume":null} | 1 | field "ts": invalid timestamp "2024-13-03T14:30:00Z"
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","z_close":3,"z_volume":null,"z_close":1} | 1 | duplicate field "z_close"
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","interval":"1h","z_close":3,"z_volume":null} | 1 | duplicate field "interval"
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","z_close":3,"z_volume":null,"note":"\xe2\x82"} | 1 | invalid UTF-8 at byte 97
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","z_close":3,"z_volume":null,"note":"\\x41"} | 1 | invalid JSON at byte 97: invalid escape
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","z_close":3,"z_volume":null,"volume":-5} | 0 | 
		{"ticker":"AAA","interval":"1d","ts":"2024-01-01T14:30:00Z","z_close":3,"z_volume":null} | 0 | 
	EOF
	[ "$failed" -eq 0 ]
}

@test "with -m, a bar that lacks a named z field is rejected" {
	run --separate-stderr sam-detect -m close,return "$DF/scored.ndjson"
	assert_failure 1
	assert_equal "$(sed -n 1p <<<"$stderr")" "sam-detect: $DF/scored.ndjson:1: missing field \"z_return\""
	assert_equal "$(sed -n '$p' <<<"$stderr")" "sam-detect: 11 of 12 input lines rejected"
	run jq -r .id <<<"$output"
	assert_output 'BBB:1h:2024-01-02T16:30:00Z'
}

@test "a bar with more than 16 z fields is rejected" {
	printf '{"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z"' > in
	for i in $(seq 1 17); do printf ',"z_m%d":%d' "$i" "$i"; done >> in
	echo '}' >> in
	run --separate-stderr sam-detect in
	assert_failure 1
	assert_equal "$stderr" $'sam-detect: in:1: more than 16 z fields\nsam-detect: 1 of 1 input lines rejected'
	run --separate-stderr sam-detect -m m17 in
	assert_success
}

BAR='"z_close":9'

@test "lines over SAM_MAX_LINE or the default 1 MiB are reported and skipped, the next line processed" {
	check_line_limits sam-detect "$BAR"
}

@test "a valid record with a 1,000,000-byte string passes through unchanged" {
	check_huge_record sam-detect "$BAR" ',"anomaly":true,"score":9,"severity":"critical","metrics":["close"],"threshold":2,"id":"AAA:1d:2024-01-02T14:30:00Z"'
}

@test "empty input gives no output and exit status 0" {
	check_empty_input sam-detect --all
}

@test "blank lines and CR LF line ends are accepted, and line numbers still count them" {
	printf '\r\n%s\r\n \t \n\n%s\r\n{"ticker":"AAA"}\r\n' \
		'{"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z","z_close":3}' \
		'{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","z_close":1}' > in
	run --separate-stderr sam-detect --all in
	assert_failure 1
	assert_equal "$stderr" 'sam-detect: in:6: missing field "interval"
sam-detect: 1 of 3 input lines rejected'
	assert_output '{"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z","z_close":3,"anomaly":true,"score":3,"severity":"high","metrics":["close"],"threshold":2,"id":"AAA:1d:2024-01-02T14:30:00Z"}
{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","z_close":1,"anomaly":false,"score":1,"severity":null,"metrics":[],"threshold":2,"id":"AAA:1d:2024-01-03T14:30:00Z"}'
}

@test "--strict stops at the first bad line" {
	{ sed -n 1,5p "$DF/scored.ndjson"; echo '[]'; sed -n 6,12p "$DF/scored.ndjson"; } > in
	run --separate-stderr sam-detect --strict --all in "$DF/scored.ndjson"
	assert_failure 1
	assert_equal "$stderr" 'sam-detect: in:6: not a JSON object
sam-detect: 1 of 6 input lines rejected'
	assert_equal "${#lines[@]}" 5
	run --separate-stderr sam-detect --all in
	assert_failure 1
	assert_equal "${#lines[@]}" 12
}

@test "--log-format json writes each diagnostic as one JSON object a line" {
	{ sed -n 1,2p "$DF/scored.ndjson"; echo '{"ticker":"A/B"}'; printf '{"x":"\xc3"}\n'; } > in
	check_json_log sam-detect --all <<-'EOF'
		{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-detect","msg":"field \"ticker\": invalid ticker \"A/B\"","file":"in","line":3}
		{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-detect","msg":"invalid UTF-8 at byte 7","file":"in","line":4}
		{"ts":"2026-11-25T21:00:00Z","level":"fatal","tool":"sam-detect","msg":"unable to open missing: No such file or directory"}
		{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-detect","msg":"2 of 4 input lines rejected"}
	EOF
}

@test "with SAM_LOG_FORMAT=json a bad threshold file is reported as JSON" {
	echo 'AAA zero' > th
	SAM_LOG_FORMAT=json run --separate-stderr sam-detect -T th /dev/null
	assert_failure 2
	printf '%s\n' "$stderr" > log
	run jq -c '{level, msg, file, line}' log
	assert_success
	assert_output '{"level":"error","msg":"expected TICKER or TICKER THRESHOLD (a positive number)","file":"th","line":1}'
}

# ---- pass-through ----

@test "unknown fields survive byte for byte and in order" {
	fixture in <<-'EOF'
		{"meta":{"a":[1,2,{"b":null}],"c":{}},"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z","note":"tab\there \"q\" \u00e9 \ud83d\ude00 é 😀 \/ \\","close":1.50,"volume":1e2,"x":-0.0,"y":1E+2,"z":123456789012345678901234567890,"arr":[ 1 , [ ] , "]" ],"t":true,"f":false,"nul":null,"z_close":3.50,"empty":""}
		{ "ticker" : "AAA" , "interval":"1d","ts":"2024-01-03T14:30:00Z","z_volume" : -2.50e0 ,"\u0063lose2":1, "k" : [ ] }
	EOF
	run --separate-stderr sam-detect in
	assert_success
	assert_equal "$stderr" ""
	assert_output - <<-'EOF'
		{"meta":{"a":[1,2,{"b":null}],"c":{}},"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z","note":"tab\there \"q\" \u00e9 \ud83d\ude00 é 😀 \/ \\","close":1.50,"volume":1e2,"x":-0.0,"y":1E+2,"z":123456789012345678901234567890,"arr":[ 1 , [ ] , "]" ],"t":true,"f":false,"nul":null,"z_close":3.50,"empty":"","anomaly":true,"score":3.5,"severity":"high","metrics":["close"],"threshold":2,"id":"AAA:1d:2024-01-02T14:30:00Z"}
		{"ticker":"AAA","interval":"1d","ts":"2024-01-03T14:30:00Z","z_volume":-2.50e0,"\u0063lose2":1,"k":[ ],"anomaly":true,"score":2.5,"severity":"medium","metrics":["volume"],"threshold":2,"id":"AAA:1d:2024-01-03T14:30:00Z"}
	EOF
}

@test "running sam-detect on its own output gives the same output" {
	for opts in "" "--all" "-t 3 --all" "-m volume" "-T $DF/thresholds.txt --all"; do
		# shellcheck disable=SC2086
		sam-detect $opts "$DF/scored.ndjson" > once
		# shellcheck disable=SC2086
		sam-detect $opts once > twice
		cmp once twice
	done
}

@test "the fields sam-detect writes replace the input's fields of the same name in place" {
	echo '{"id":"x","ticker":"AAA","anomaly":false,"interval":"1d","ts":"2024-01-02T14:30:00Z","z_close":5,"k":1}' > in
	run sam-detect in
	assert_output '{"id":"AAA:1d:2024-01-02T14:30:00Z","ticker":"AAA","anomaly":true,"interval":"1d","ts":"2024-01-02T14:30:00Z","z_close":5,"k":1,"score":5,"severity":"critical","metrics":["close"],"threshold":2}'
}

# ---- options ----

@test "-h and --help print the usage and --version the version, on standard output" {
	check_help_and_version sam-detect
}

# The table: options | message.  Each exits 2, writes nothing on standard
# output, and the message and the usage on standard error.
@test "each bad option value is a usage error with its own message" {
	usage_table sam-detect "$DF/scored.ndjson" <<-'EOF'
		-t 0 | sam-detect: -t: not a positive number: 0
		-t -1 | sam-detect: -t: not a positive number: -1
		-t abc | sam-detect: -t: not a positive number: abc
		-t nan | sam-detect: -t: not a positive number: nan
		-t inf | sam-detect: -t: not a positive number: inf
		-t 1e999 | sam-detect: -t: not a positive number: 1e999
		-t 0x10 | sam-detect: -t: not a positive number: 0x10
		-t 2,5 | sam-detect: -t: not a positive number: 2,5
		--threshold=2x | sam-detect: -t: not a positive number: 2x
		-m Close | sam-detect: -m: not a metric list: Close
		-m close, | sam-detect: -m: not a metric list: close,
		-m ,close | sam-detect: -m: not a metric list: ,close
		-m close,,volume | sam-detect: -m: not a metric list: close,,volume
		-m close,close | sam-detect: -m: not a metric list: close,close
		-m z-close | sam-detect: -m: not a metric list: z-close
		-m aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | sam-detect: -m: not a metric list: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
		-m a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q | sam-detect: -m: not a metric list: a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q
		-b 2.5,3 | sam-detect: -b: expected three increasing numbers: 2.5,3
		-b 2.5,3,4,5 | sam-detect: -b: expected three increasing numbers: 2.5,3,4,5
		-b 2.5,,3,4 | sam-detect: -b: expected three increasing numbers: 2.5,,3,4
		-b ,2.5,3,4 | sam-detect: -b: expected three increasing numbers: ,2.5,3,4
		-b 2.5,3,4, | sam-detect: -b: expected three increasing numbers: 2.5,3,4,
		-b 3,2.5,4 | sam-detect: -b: expected three increasing numbers: 3,2.5,4
		-b 2.5,2.5,4 | sam-detect: -b: expected three increasing numbers: 2.5,2.5,4
		-b 0,1,2 | sam-detect: -b: expected three increasing numbers: 0,1,2
		-b 2.5,3,inf | sam-detect: -b: expected three increasing numbers: 2.5,3,inf
		--bands=a,b,c | sam-detect: -b: expected three increasing numbers: a,b,c
		--log-format xml | sam-detect: --log-format: must be text or json: xml
		SAM_THRESHOLD=0 | sam-detect: SAM_THRESHOLD: not a positive number: 0
		SAM_THRESHOLD=two | sam-detect: SAM_THRESHOLD: not a positive number: two
		SAM_BANDS=1,2 | sam-detect: SAM_BANDS: expected three increasing numbers: 1,2
		SAM_METRICS=Close | sam-detect: SAM_METRICS: not a metric list: Close
		SAM_LOG_FORMAT=xml | sam-detect: SAM_LOG_FORMAT: must be text or json: xml
		SAM_MAX_LINE=0 | sam-detect: SAM_MAX_LINE: not a number of bytes from 1 to 1073741824: 0
		SAM_MAX_LINE=big | sam-detect: SAM_MAX_LINE: not a number of bytes from 1 to 1073741824: big
		-q | sam-detect: invalid option -- 'q'
		--everything | sam-detect: unrecognized option '--everything'
		--all=yes | sam-detect: option '--all' doesn't allow an argument
		-t | sam-detect: option requires an argument -- 't'
	EOF
}

@test "empty -t, -m and -b values are usage errors" {
	run --separate-stderr sam-detect -t '' /dev/null
	assert_failure 2
	assert_equal "$stderr" "sam-detect: -t: not a positive number: "$'\n'"$USAGE"
	run --separate-stderr sam-detect -m '' /dev/null
	assert_failure 2
	assert_equal "$stderr" "sam-detect: -m: not a metric list: "$'\n'"$USAGE"
	run --separate-stderr sam-detect -b '' /dev/null
	assert_failure 2
	assert_equal "$stderr" "sam-detect: -b: expected three increasing numbers: "$'\n'"$USAGE"
}

@test "a bad environment variable does not matter when its option is given" {
	SAM_THRESHOLD=0 SAM_BANDS=x SAM_METRICS=X SAM_LOG_FORMAT=xml run --separate-stderr \
		sam-detect -t 2 -b 2.5,3,4 -m close,volume,return --log-format text "$DF/scored.ndjson"
	assert_failure 1
	assert_equal "$(sed -n 1p <<<"$stderr")" "sam-detect: $DF/scored.ndjson:1: missing field \"z_return\""
}

@test "a threshold file line that is not TICKER or TICKER THRESHOLD is a configuration error" {
	local row line message failed=0
	while IFS='|' read -r line message; do
		printf '# thresholds\n\nBBB 2.5  # a comment\n%s\n' "$line" > th
		run --separate-stderr sam-detect -T th "$DF/scored.ndjson"
		if [ "$status" -ne 2 ] || [ -n "$output" ] || [ "$stderr" != "sam-detect: th:4: $message" ]; then
			printf 'line: %s\nstatus: %s\nstderr: %s\n\n' "$line" "$status" "$stderr"
			failed=1
		fi
	done <<-'EOF'
		AAA 0|expected TICKER or TICKER THRESHOLD (a positive number)
		AAA -1|expected TICKER or TICKER THRESHOLD (a positive number)
		AAA two|expected TICKER or TICKER THRESHOLD (a positive number)
		AAA 1e999|expected TICKER or TICKER THRESHOLD (a positive number)
		AAA 3 4|expected TICKER or TICKER THRESHOLD (a positive number)
		3 AAA|expected TICKER or TICKER THRESHOLD (a positive number)
		../etc 3|invalid ticker "../etc"
	EOF
	[ "$failed" -eq 0 ]
}

@test "a threshold file is a watch list: a ticker without a threshold keeps the default, one in lower case is upper-cased" {
	printf 'AAA\nccc 9\n' > th
	run --separate-stderr sam-detect -T th "$DF/scored.ndjson"
	assert_success
	assert_output "$(sam-detect "$DF/scored.ndjson" | grep -v '"ticker":"CCC"')"
}

@test "a threshold file that does not exist is a configuration error" {
	run --separate-stderr sam-detect -T missing "$DF/scored.ndjson"
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" 'sam-detect: fatal: unable to open missing: No such file or directory'
}

@test "in a threshold file, tabs, CR LF, comments and blank lines are fine, and the last line for a ticker wins" {
	printf 'AAA\t9\r\n\n  # nothing\nAAA 3.5 # comment\r\n' > th
	run --separate-stderr sam-detect -T th "$DF/scored.ndjson"
	assert_success
	run jq -c 'select(.ticker == "AAA") | [.score, .threshold]' <<<"$output"
	assert_output '[3.9999,3.5]
[12.5,3.5]'
}

# ---- files and exit status 3 ----

@test "a file that does not exist gives exit status 3 and the other files are still read" {
	sed -n 1,6p "$DF/scored.ndjson" > one
	sed -n 7,12p "$DF/scored.ndjson" > two
	run --separate-stderr sam-detect one missing two
	assert_failure 3
	assert_equal "$stderr" 'sam-detect: fatal: unable to open missing: No such file or directory'
	assert_output "$(cat "$DF/default.expected")"
}

@test "- reads standard input among the files" {
	sed -n 1,6p "$DF/scored.ndjson" > one
	sed -n 7,12p "$DF/scored.ndjson" | sam-detect one - > out
	cmp "$DF/default.expected" out
}

@test "standard output on /dev/full gives exit status 3" {
	check_full_stdout sam-detect "$DF/scored.ndjson"
}

@test "standard output on /dev/full stops a long run with exit status 3" {
	for i in $(seq 10 59); do printf '{"ticker":"AAA","interval":"1m","ts":"2024-01-02T14:%02d:00Z","z_close":9}\n' "$i"; done > fifty
	for i in $(seq 1 400); do cat fifty; done > bars
	check_full_stdout sam-detect bars
}
