#!/usr/bin/env bats
# sam-fetch: bars whose period has not ended at now ("final":false), from
# every source, and the mock market's session: close, range and volume
# so far.

bats_require_minimum_version 1.5.0

load test_helper
load http

# The mock market where a test names no source: named, so that
# sam-fetch does not warn of it (test/14-fetch-mock-notice.bats).
setup() {
	sam_setup
	export SAM_SOURCE=mock
}

teardown() {
	httpd_stop
}

# One field of each bar on stdin, a line each (as in 10-fetch.bats).
field() {
	sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p"
}

# The UTC instant of New York time HH:MM[:SS] on 2026-11-25 (winter:
# New York is UTC-5).
at() {
	local hh=${1%%:*} rest=${1#*:}
	printf '2026-11-25T%02d:%s' $((10#$hh + 5)) "$rest"
	[ ${#rest} -eq 2 ] && printf ':00'
	printf 'Z\n'
}

# The mock's bar of AAPL on 2026-11-25, asked for at New York time $1.
mock_at() {
	SAM_NOW=$(at "$1") sam-fetch --from 2026-11-25 --to 2026-11-25 "${@:2}" AAPL
}

# ---- the mock's daily bar ----

@test "mock: at 10:30 the day's bar is the session so far, marked final:false as the last field" {
	SAM_NOW=$(at 10:30) run --separate-stderr sam-fetch -n 2 AAPL
	assert_success
	assert_equal "$stderr" ""
	assert_output '{"ticker":"AAPL","interval":"1d","ts":"2026-11-24T14:30:00Z","date":"2026-11-24","open":45.7,"high":47.02,"low":45.6,"close":46.76,"volume":5594627,"source":"mock"}
{"ticker":"AAPL","interval":"1d","ts":"2026-11-25T14:30:00Z","date":"2026-11-25","open":46.79,"high":46.79,"low":46.22,"close":46.27,"volume":1182015,"source":"mock","final":false}'
	# after "injected", when it is written
	SAM_NOW=$(at 10:30) run --separate-stderr sam-fetch --mark-injected -n 1 AAPL
	assert_output '{"ticker":"AAPL","interval":"1d","ts":"2026-11-25T14:30:00Z","date":"2026-11-25","open":46.79,"high":46.79,"low":46.22,"close":46.27,"volume":1182015,"source":"mock","injected":[],"final":false}'
}

@test "mock: at 16:30 the day's bar is final and the full day's bar, which the 10:30 one is part of" {
	run --separate-stderr mock_at 16:30
	assert_success
	assert_output '{"ticker":"AAPL","interval":"1d","ts":"2026-11-25T14:30:00Z","date":"2026-11-25","open":46.79,"high":46.93,"low":45.98,"close":46.08,"volume":4793965,"source":"mock"}'
	# the same bar a week later
	SAM_NOW=2026-12-02T21:00:00Z run --separate-stderr sam-fetch --from 2026-11-25 --to 2026-11-25 AAPL
	assert_output "$(mock_at 16:30)"
	# 10:30: the same open, less volume, a range inside the day's
	mock_at 10:30 | jq -e --argjson day "$(mock_at 16:30)" '
		.final == false and .open == $day.open and .volume < $day.volume / 2 and
		.low <= .close and .close <= .high and .low <= .open and .open <= .high and
		.high <= $day.high and .low >= $day.low'
}

@test "mock: the bar is final from the close to the second, and starts at 09:30 with the open and no volume" {
	assert_equal "$(mock_at 15:59:59 | grep -c '"final":false}$')" 1
	assert_equal "$(mock_at 16:00:00)" "$(mock_at 16:30)"
	run --separate-stderr mock_at 09:30:00
	assert_output '{"ticker":"AAPL","interval":"1d","ts":"2026-11-25T14:30:00Z","date":"2026-11-25","open":46.79,"high":46.79,"low":46.79,"close":46.79,"volume":0,"source":"mock","final":false}'
	run --separate-stderr mock_at 09:29:59
	assert_success
	assert_output ""
}

@test "mock: on an early-close day the bar is final at 13:00" {
	# 2026-11-27, the day after Thanksgiving, closes at 13:00
	SAM_NOW=2026-11-27T17:59:59Z run --separate-stderr sam-fetch -n 1 AAPL
	assert_output '{"ticker":"AAPL","interval":"1d","ts":"2026-11-27T14:30:00Z","date":"2026-11-27","open":46,"high":46.27,"low":44.79,"close":45.46,"volume":5949822,"source":"mock","final":false}'
	SAM_NOW=2026-11-27T18:30:00Z run --separate-stderr sam-fetch -n 1 AAPL
	assert_output '{"ticker":"AAPL","interval":"1d","ts":"2026-11-27T14:30:00Z","date":"2026-11-27","open":46,"high":46.27,"low":44.79,"close":45.43,"volume":5950947,"source":"mock"}'
	SAM_NOW=2026-11-27T18:00:00Z run --separate-stderr sam-fetch -n 1 AAPL
	assert_output "$(SAM_NOW=2026-12-02T21:00:00Z sam-fetch --from 2026-11-27 --to 2026-11-27 AAPL)"
}

@test "mock: a bar in progress depends on the seed, ticker, date and now, not on the other tickers or the range" {
	SAM_NOW=$(at 11:17) sam-fetch AAPL MSFT IBM > three
	SAM_NOW=$(at 11:17) sam-fetch -n 1 MSFT > one
	assert_equal "$(grep '"final"' three | grep -c .)" 3
	assert_equal "$(grep MSFT three | tail -n 1)" "$(cat one)"
	SAM_NOW=$(at 11:17) sam-fetch -n 1 MSFT | cmp - one
	SAM_NOW=$(at 11:17) sam-fetch --seed 2 -n 1 MSFT > seed2
	run -1 cmp -s one seed2
	assert_equal "$(grep -c '"final":false' seed2)" 1
}

# The mock's session, asked for at 09:31, every 5 minutes from 09:35 to
# 15:55, then at 15:58, 15:59 and 16:00 (81 lines): the volume as a share
# of the day's, open, close, high, low, the day's high and low, and
# whether the bar is in progress, as TSV, for $1 (AAPL by default).
session() {
	local t day
	day=$(SAM_NOW=$(at 16:30) sam-fetch --from 2026-11-25 --to 2026-11-25 "${1:-AAPL}")
	for t in 09:31 $(seq -f '%04g' 935 5 1555 | sed -n '/[0-5][05]$/s/^\(..\)/\1:/p') 15:58 15:59 16:00; do
		SAM_NOW=$(at "$t") sam-fetch --from 2026-11-25 --to 2026-11-25 "${1:-AAPL}"
	done | jq -r --argjson day "$day" '[.volume / $day.volume, .open, .close, .high, .low,
		$day.high, $day.low, .final == false] | @tsv'
}

@test "mock: across the session the volume so far rises from near 0 at 09:31 to the day's at 16:00" {
	local t
	for t in AAPL MSFT; do
		session "$t" > s
		assert_equal "$(wc -l < s)" 81
		awk -F '\t' '
			NR == 1 && !($1 > 0 && $1 < 0.01) { print "09:31: share " $1; bad = 1 }
			NR > 1 && $1 <= prev { print "line " NR ": share " $1 " after " prev; bad = 1 }
			NR < 81 && $8 != "true" { print "line " NR ": final"; bad = 1 }
			NR < 81 && !($1 < 1) { print "line " NR ": share " $1; bad = 1 }
			{ prev = $1 }
			END { if (!($1 == 1 && $8 == "false")) { print "16:00: " $0; bad = 1 }; exit bad }' s
	done
}

@test "mock: the volume curve is a U, the first half hour trading near 3 times the midday rate" {
	local open half noon
	session > s
	# 10:00 is line 7 (09:31, 09:35 ... 10:00); 12:30 and 13:00 are 37 and 43
	open=$(sed -n 7p s | cut -f1)
	half=$(awk -F '\t' 'NR == 37 { a = $1 } NR == 43 { print $1 - a }' s)
	noon=$(awk -v o="$open" -v h="$half" 'BEGIN { printf "%.2f", o / h }')
	[ "$(awk -v r="$noon" 'BEGIN { print (r >= 2.5 && r <= 3.2) }')" = 1 ] ||
		{ echo "first half hour / midday: $noon"; false; }
	# about a quarter by 10:30 (line 13), the last half hour above midday
	awk -F '\t' 'NR == 13 && !($1 > 0.2 && $1 < 0.3) { print "10:30: " $1; exit 1 }
		NR == 73 { a = $1 } NR == 81 { last = $1 - a }
		NR == 43 { m = $1 } NR == 37 { n = $1 }
		END { if (!(last > 1.8 * (m - n))) { print "last half hour " last; exit 1 } }' s
}

@test "mock: the range so far only widens, within the day's, and holds the open and the close" {
	session > s
	awk -F '\t' '
		!($5 <= $2 && $2 <= $4 && $5 <= $3 && $3 <= $4) { print "line " NR ": " $0; bad = 1 }
		!($4 <= $6 && $5 >= $7) { print "line " NR ": outside the day: " $0; bad = 1 }
		NR > 1 && ($4 < hi || $5 > lo) { print "line " NR ": narrower: " $0; bad = 1 }
		{ hi = $4; lo = $5 }
		END { if (!($4 == $6 && $5 == $7)) { print "16:00: " $0; bad = 1 }; exit bad }' s
	# the close moves on through the day
	[ "$(cut -f3 s | sort -u | wc -l)" -gt 40 ]
}

# ---- the mock's intraday bars ----

@test "mock: an hourly bar in progress is final:false, the ones before it final" {
	SAM_NOW=$(at 10:45) run --separate-stderr sam-fetch -i 1h -n 1 AAPL
	assert_success
	assert_output '{"ticker":"AAPL","interval":"1h","ts":"2026-11-25T14:30:00Z","date":"2026-11-25","open":46.79,"high":46.99,"low":46.45,"close":46.68,"volume":1151444,"source":"mock"}
{"ticker":"AAPL","interval":"1h","ts":"2026-11-25T15:30:00Z","date":"2026-11-25","open":46.68,"high":46.71,"low":46.57,"close":46.58,"volume":182913,"source":"mock","final":false}'
	# the first bar is the one written after the close
	assert_equal "$(head -n 1 <<< "$output")" "$(SAM_NOW=$(at 16:30) sam-fetch -i 1h -n 1 AAPL | head -n 1)"
	# the last hourly bar, 15:30 to 16:00, ends at the close
	SAM_NOW=$(at 15:59:59) run --separate-stderr sam-fetch -i 1h -n 1 AAPL
	assert_equal "$(grep -c '"final":false' <<< "$output")" 1
	assert_equal "$(tail -n 1 <<< "$output" | field ts)" 2026-11-25T20:30:00Z
	SAM_NOW=$(at 16:00) run --separate-stderr sam-fetch -i 1h -n 1 AAPL
	assert_equal "$(grep -c final <<< "$output")" 0
	assert_equal "$(wc -l <<< "$output")" 7
}

@test "mock: a 5-minute bar in progress is final:false, and its volume rises within it" {
	SAM_NOW=$(at 10:47:30) run --separate-stderr sam-fetch -i 5m -n 1 AAPL
	assert_success
	assert_equal "$(wc -l <<< "$output")" 16
	assert_equal "$(grep -c final <<< "$output")" 1
	assert_equal "$(tail -n 2 <<< "$output")" '{"ticker":"AAPL","interval":"5m","ts":"2026-11-25T15:40:00Z","date":"2026-11-25","open":46.54,"high":46.56,"low":46.39,"close":46.43,"volume":67251,"source":"mock"}
{"ticker":"AAPL","interval":"5m","ts":"2026-11-25T15:45:00Z","date":"2026-11-25","open":46.43,"high":46.45,"low":46.42,"close":46.44,"volume":43137,"source":"mock","final":false}'
	local t prev=-1 v
	for t in 10:45 10:46 10:47 10:48 10:49 10:49:59 10:50; do
		v=$(SAM_NOW=$(at "$t") sam-fetch -i 5m -n 1 AAPL | grep 'T15:45:00Z' | field volume)
		[ "$v" -gt "$prev" ] || [ "$t" = 10:45 ] || { echo "$t: $v after $prev"; false; }
		prev=$v
	done
	# at 10:50 it is the full bar
	assert_equal "$(SAM_NOW=$(at 10:50) sam-fetch -i 5m -n 1 AAPL | grep 'T15:45:00Z')" \
		"$(SAM_NOW=$(at 16:30) sam-fetch -i 5m -n 1 AAPL | grep 'T15:45:00Z')"
}

# ---- CSV files ----

@test "csv: a row for today, with now inside the session, is final:false" {
	fixture t.csv <<-'EOF'
		date,open,high,low,close,volume
		2026-11-24,10,11,9,10.5,1000
		2026-11-25,10.5,10.8,10.2,10.6,300
	EOF
	SAM_NOW=$(at 10:30) run --separate-stderr sam-fetch -s csv:t.csv X
	assert_success
	assert_equal "$stderr" ""
	assert_output '{"ticker":"X","interval":"1d","ts":"2026-11-24T14:30:00Z","date":"2026-11-24","open":10,"high":11,"low":9,"close":10.5,"volume":1000,"source":"csv"}
{"ticker":"X","interval":"1d","ts":"2026-11-25T14:30:00Z","date":"2026-11-25","open":10.5,"high":10.8,"low":10.2,"close":10.6,"volume":300,"source":"csv","final":false}'
	SAM_NOW=$(at 16:00) run --separate-stderr sam-fetch -s csv:t.csv X
	assert_output '{"ticker":"X","interval":"1d","ts":"2026-11-24T14:30:00Z","date":"2026-11-24","open":10,"high":11,"low":9,"close":10.5,"volume":1000,"source":"csv"}
{"ticker":"X","interval":"1d","ts":"2026-11-25T14:30:00Z","date":"2026-11-25","open":10.5,"high":10.8,"low":10.2,"close":10.6,"volume":300,"source":"csv"}'
}

@test "csv: when a row's period ends, early closes, closed days and rows after now" {
	fixture t.csv <<-'EOF'
		date,open,high,low,close,volume
		2026-11-27,1,1,1,1,1
		2026-11-28,1,1,1,1,1
		2026-11-30,1,1,1,1,1
	EOF
	# now, then the rows marked final:false, by date
	while IFS='|' read -r now want; do
		got=$(SAM_NOW=$now sam-fetch -s csv:t.csv X | grep '"final":false}$' | field date | tr '\n' ' ')
		[ "$got" = "$want" ] || { echo "$now: $got, not $want"; false; }
	done <<-'EOF'
		2026-11-27T17:59:59Z|2026-11-27 2026-11-28 2026-11-30 
		2026-11-27T18:00:00Z|2026-11-28 2026-11-30 
		2026-11-28T20:59:59Z|2026-11-28 2026-11-30 
		2026-11-28T21:00:00Z|2026-11-30 
		2026-11-30T21:00:00Z|
	EOF
}

@test "csv: intraday rows, the one in progress final:false, the last one ending at the close" {
	fixture t.csv <<-'EOF'
		ticker,date,open,high,low,close,volume
		X,2026-11-25 14:30,1,1,1,1,10
		X,2026-11-25 15:30,1,1,1,1,20
		X,2026-11-25 16:30,1,1,1,1,30
		X,2026-11-27 12:30,1,1,1,1,40
	EOF
	# New York times: 14:30 runs to 15:30, 15:30 to the close at 16:00,
	# 16:30 (after the close) to 17:30, and 12:30 on the early-close day
	# to 13:00
	while IFS='|' read -r now want; do
		got=$(SAM_NOW=$now sam-fetch -s csv:t.csv -i 1h | grep '"final":false}$' | field volume | tr '\n' ' ')
		[ "$got" = "$want" ] || { echo "$now: $got, not $want"; false; }
	done <<-'EOF'
		2026-11-25T20:29:59Z|10 20 30 40 
		2026-11-25T20:30:00Z|20 30 40 
		2026-11-25T20:59:59Z|20 30 40 
		2026-11-25T21:00:00Z|30 40 
		2026-11-25T22:29:59Z|30 40 
		2026-11-25T22:30:00Z|40 
		2026-11-27T17:59:59Z|40 
		2026-11-27T18:00:00Z|
	EOF
}

# ---- the providers, on the loopback server ----

# The bars of a fixture's answer (fixtures/http) with those of
# 2026-11-24 marked final:false: what each provider writes at 10:30 on
# 2026-11-24, the last day of its answer.
today_open() {
	sed '/"date":"2026-11-24"/s/}$/,"final":false}/' "$HTTP_FIXTURES/$1"
}

@test "providers: the last daily bar of an answer, today's at 10:30, is final:false" {
	local n row source expected
	export SAM_ALPHAVANTAGE_KEY=AVKEY0001 SAM_POLYGON_KEY=PGKEY0001 SAM_STOOQ_KEY=STKEY0001
	http_table <<-'EOF'
		yahoo | yahoo/aapl-1d.http | yahoo/aapl-1d.expected
		alphavantage | alphavantage/ibm-daily.http | alphavantage/ibm-daily.expected
		polygon | polygon/aapl-all.http | polygon/aapl.expected
		stooq | stooq/aapl.http | stooq/aapl.expected
		csv | csv/prices.http | csv/prices.expected
	EOF
	assert_equal "${#HTTP_ROWS[@]}" 5
	printf '%s\n' "${HTTP_ROUTES[@]}" | awk -v d="$HTTP_FIXTURES" '{ $2 = d "/" $2; print }' > routes
	httpd_start routes
	for n in "${!HTTP_ROWS[@]}"; do
		row=${HTTP_ROWS[n]}
		source=${row%% | *}
		expected=${row##* | }
		if [ "$source" = csv ]; then
			set -- -s "csv:$HTTPD_URL/$n/prices.csv"
		else
			set -- -s "$source" --base-url "$HTTPD_URL/$n" "$(grep -o '"ticker":"[A-Z]*"' \
				"$HTTP_FIXTURES/$expected" | head -n 1 | cut -d'"' -f4)"
		fi
		SAM_NOW=2026-11-24T15:30:00Z run --separate-stderr sam-fetch --rate none \
			--from 2026-11-16 "$@"
		if [ "$status" -ne 0 ] || [ -n "$stderr" ] || [ "$output" != "$(today_open "$expected")" ]; then
			printf '%s: exit %s\n%s\n%s\n' "$source" "$status" "$stderr" "$output"
			return 1
		fi
		# the same answer after the close: as before
		SAM_NOW=2026-11-24T21:00:00Z run --separate-stderr sam-fetch --rate none \
			--from 2026-11-16 "$@"
		assert_output "$(cat "$HTTP_FIXTURES/$expected")"
	done
	# and it was marked: one bar a ticker
	assert_equal "$(today_open csv/prices.expected | grep -c final)" 2
}

@test "yahoo: the hourly bar in progress is final:false, the hours before it final" {
	echo '/v8/finance/chart/AAPL yahoo/aapl-1h.http' |
		awk -v d="$HTTP_FIXTURES" '{ $2 = d "/" $2; print }' > routes
	httpd_start routes
	SAM_NOW=2026-11-24T17:00:00Z run --separate-stderr sam-fetch -s yahoo -i 1h \
		--base-url "$HTTPD_URL" --rate none --from 2026-11-24 AAPL
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(sed -n '8,9p' "$HTTP_FIXTURES/yahoo/aapl-1h.expected")
$(sed -n '10s/}$/,"final":false}/p' "$HTTP_FIXTURES/yahoo/aapl-1h.expected")"
	assert_equal "$(tail -n 1 <<< "$output" | field ts)" 2026-11-24T16:30:00Z
}

@test "alphavantage: the 5-minute bar in progress before the close is final:false, at the close none" {
	export SAM_ALPHAVANTAGE_KEY=AVKEY0001
	echo 'function=TIME_SERIES_INTRADAY alphavantage/ibm-5min.http' |
		awk -v d="$HTTP_FIXTURES" '{ $2 = d "/" $2; print }' > routes
	httpd_start routes
	SAM_NOW=2026-11-24T20:57:00Z run --separate-stderr sam-fetch -s alphavantage -i 5m \
		--base-url "$HTTPD_URL" --rate none --from 2026-11-24 IBM
	assert_success
	assert_output "$(sed '$s/}$/,"final":false}/' "$HTTP_FIXTURES/alphavantage/ibm-5min.expected")"
	SAM_NOW=2026-11-24T21:00:00Z run --separate-stderr sam-fetch -s alphavantage -i 5m \
		--base-url "$HTTPD_URL" --rate none --from 2026-11-24 IBM
	assert_output "$(cat "$HTTP_FIXTURES/alphavantage/ibm-5min.expected")"
}
