#!/usr/bin/env bats
# sam-fetch: tickers, ranges, the mock market, the CSV source, errors.

bats_require_minimum_version 1.5.0

load test_helper

# The mock market where a test names no source: named, so that
# sam-fetch does not warn of it (test/14-fetch-mock-notice.bats).
setup() {
	sam_setup
	export SAM_SOURCE=mock
}

FETCH=$FIXTURES/fetch

USAGE='usage: sam-fetch [-s source] [-i interval] [-n days] [--from date] [--to date]
                 [-f file] [-j jobs] [--rate n/unit] [--timeout seconds]
                 [--retries n] [--retry-wait seconds] [--deadline seconds]
                 [--base-url url] [--allow-http] [--key-file file] [--seed n]
                 [--mark-injected] [--strict] [--log-format text|json]
                 [ticker ...]
       sam-fetch --slot [--at time]'

HEADER=date,open,high,low,close,volume
GOOD_ROW=2024-01-02,1,2,0.5,1.5,100
GOOD_BAR='{"ticker":"X","interval":"1d","ts":"2024-01-02T14:30:00Z","date":"2024-01-02","open":1,"high":2,"low":0.5,"close":1.5,"volume":100,"source":"csv"}'

# One field of each bar on stdin, a line each.  sed, not jq: a hundred
# jq start-ups would cost seconds, and the goldens check the format.
field() {
	sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p"
}

# Runs a table of bad CSV rows on stdin, one a line:  ROW | MESSAGE
# Each goes into t.csv after the header and a good row; sam-fetch must
# write the good row, report line 3 with the message, and exit 1.
row_table() {
	local line row msg n=0 bad=0
	while IFS= read -r line; do
		case $line in '' | '#'*) continue ;; esac
		row=${line%% | *}; msg=${line#* | }
		printf '%s\n%s\n%s\n' "$HEADER" "$GOOD_ROW" "$row" > t.csv
		n=$((n + 1))
		run --separate-stderr sam-fetch -s csv:t.csv X < /dev/null
		if [ "$status" != 1 ] || [ "$stderr" != "sam-fetch: t.csv:3: $msg" ] ||
		    [ "$output" != "$GOOD_BAR" ]; then
			printf 'row %s\n  expected: t.csv:3: %s\n  got exit %s and:\n%s\n  stdout:\n%s\n' \
				"$row" "$msg" "$status" "$stderr" "$output"
			bad=$((bad + 1))
		fi
	done
	echo "$n cases, $bad failed"
	[ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
}

# ---- options and tickers ----

@test "--help prints the usage and --version the version, on standard output" {
	check_help_and_version sam-fetch
}

@test "tickers are upper-cased, deduplicated and written in sorted order" {
	run --separate-stderr sam-fetch --from 2024-07-01 --to 2024-07-01 msft AAPL,aapl 'ibm brk.b'
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(field ticker <<< "$output")" $'AAPL\nBRK.B\nIBM\nMSFT'
}

@test "a watch list gives one ticker a line, with comments and blank lines" {
	fixture watch.txt <<-'EOF'
		# the watch list
		aapl
		  msft   # Microsoft

		^GSPC
	EOF
	run --separate-stderr sam-fetch -f watch.txt --from 2024-07-01 --to 2024-07-01 ibm
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(field ticker <<< "$output")" $'AAPL\nIBM\nMSFT\n^GSPC'
}

@test "a watch list can come from standard input" {
	run --separate-stderr sam-fetch -f - --from 2024-07-01 --to 2024-07-01 <<< $'aapl\r\nmsft\r'
	assert_success
	assert_equal "$(field ticker <<< "$output")" $'AAPL\nMSFT'
}

@test "SAM_TICKERS names the tickers when none is given, and only then" {
	SAM_TICKERS='msft, aapl' run --separate-stderr sam-fetch --from 2024-07-01 --to 2024-07-01
	assert_success
	assert_equal "$(field ticker <<< "$output")" $'AAPL\nMSFT'
	SAM_TICKERS='msft, aapl' run --separate-stderr sam-fetch --from 2024-07-01 --to 2024-07-01 ibm
	assert_success
	assert_equal "$(field ticker <<< "$output")" IBM
}

@test "usage and configuration errors exit 2 with an exact message" {
	printf 'aapl\n# fine\n\n../etc\n' > bad-watch.txt
	printf 'AAPL MSFT\n' > two-watch.txt
	printf '%s\n%s\n' "$HEADER" "$GOOD_ROW" > prices.csv
	error_table <<-'EOF'
		2 | - | sam-fetch ../etc | sam-fetch: invalid ticker "../etc"
		2 | - | sam-fetch A..B | sam-fetch: invalid ticker "A..B"
		2 | - | sam-fetch ABCDEFGHIJKLMNOPQRSTU | sam-fetch: invalid ticker "ABCDEFGHIJKLMNOPQRSTU"
		2 | - | sam-fetch .A | sam-fetch: invalid ticker ".A"
		2 | - | sam-fetch AAPL 'MSFT brk/b' | sam-fetch: invalid ticker "brk/b"
		2 | - | sam-fetch $'A\tB\x01' | sam-fetch: invalid ticker "B\x01"
		2 | - | sam-fetch -f bad-watch.txt | sam-fetch: bad-watch.txt:4: invalid ticker "../etc"
		2 | - | sam-fetch -f two-watch.txt | sam-fetch: two-watch.txt:1: expected TICKER or TICKER THRESHOLD (a positive number)
		2 | - | sam-fetch -f missing.txt | sam-fetch: fatal: unable to open missing.txt: No such file or directory
		2 | - | SAM_TICKERS='aapl,x/y' sam-fetch | sam-fetch: SAM_TICKERS: invalid ticker "x/y"
		2 | + | sam-fetch | sam-fetch: no tickers: name them, or use -f or SAM_TICKERS
		2 | + | sam-fetch '' | sam-fetch: no tickers: name them, or use -f or SAM_TICKERS
		2 | + | sam-fetch -i 2h AAPL | sam-fetch: --interval: one of 1d, 1h, 30m, 15m, 5m, 1m: 2h
		2 | + | sam-fetch -n 0 AAPL | sam-fetch: --days: not a number of days: 0
		2 | + | sam-fetch --days 1w AAPL | sam-fetch: --days: not a number of days: 1w
		2 | + | sam-fetch --days 100001 AAPL | sam-fetch: --days: not a number of days: 100001
		2 | + | sam-fetch --from 2024-07-08 --to 2024-07-01 AAPL | sam-fetch: --from 2024-07-08 is after --to
		2 | + | sam-fetch --from 2024-02-30 AAPL | sam-fetch: --from: not a date (YYYY-MM-DD): 2024-02-30
		2 | + | sam-fetch --to 07/01/2024 AAPL | sam-fetch: --to: not a date (YYYY-MM-DD): 07/01/2024
		2 | + | sam-fetch --days 5 --from 2024-07-01 AAPL | sam-fetch: --days and --from exclude each other
		2 | + | sam-fetch --seed -1 AAPL | sam-fetch: --seed: not a number: -1
		2 | + | sam-fetch --seed 4294967296 AAPL | sam-fetch: --seed: not a number: 4294967296
		2 | + | sam-fetch --log-format xml AAPL | sam-fetch: --log-format: must be text or json: xml
		2 | + | SAM_LOG_FORMAT=xml sam-fetch AAPL | sam-fetch: SAM_LOG_FORMAT: must be text or json: xml
		2 | + | SAM_MAX_LINE=0 sam-fetch AAPL | sam-fetch: SAM_MAX_LINE: not a number of bytes from 1 to 1073741824: 0
		2 | + | SAM_NOW=yesterday sam-fetch AAPL | sam-fetch: SAM_NOW: not an RFC 3339 UTC time: yesterday
		2 | + | SAM_NOW=2026-11-25T16:00:00-05:00 sam-fetch AAPL | sam-fetch: SAM_NOW: not an RFC 3339 UTC time: 2026-11-25T16:00:00-05:00
		2 | + | sam-fetch -s bloomberg AAPL | sam-fetch: --source: one of mock, yahoo, alphavantage, polygon, stooq, csv:PATH or csv:https://URL: bloomberg
		2 | + | SAM_SOURCE=csv sam-fetch AAPL | sam-fetch: --source: one of mock, yahoo, alphavantage, polygon, stooq, csv:PATH or csv:https://URL: csv
		2 | + | sam-fetch -s csv: AAPL | sam-fetch: --source: one of mock, yahoo, alphavantage, polygon, stooq, csv:PATH or csv:https://URL: csv:
		2 | + | sam-fetch -s csv:file://example.com/x.csv AAPL | sam-fetch: --source: one of mock, yahoo, alphavantage, polygon, stooq, csv:PATH or csv:https://URL: csv:file://example.com/x.csv
		2 | + | sam-fetch --bogus | sam-fetch: unrecognized option '--bogus'
		2 | + | sam-fetch -x | sam-fetch: invalid option -- 'x'
		2 | + | sam-fetch AAPL -s | sam-fetch: option requires an argument -- 's'
		2 | - | sam-fetch -s csv:prices.csv | sam-fetch: prices.csv: no ticker column: name the ticker on the command line
		2 | - | sam-fetch -s csv:prices.csv A B | sam-fetch: prices.csv: no ticker column: name only one ticker on the command line
		2 | - | SAM_TICKERS=A,B sam-fetch -s csv:prices.csv | sam-fetch: prices.csv: no ticker column: name only one ticker on the command line
	EOF
}

@test "options come before the environment" {
	SAM_SOURCE=yahoo SAM_LOG_FORMAT=xml run --separate-stderr \
		sam-fetch -s mock --log-format text --from 2024-07-01 --to 2024-07-01 AAPL
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(field source <<< "$output")" mock
}

# ---- ranges ----

@test "--days N ends at the last trading day on or before --to, today by default" {
	run --separate-stderr sam-fetch --days 3 --to 2024-07-07 AAPL
	assert_success
	assert_equal "$(field date <<< "$output")" $'2024-07-02\n2024-07-03\n2024-07-05'
	run --separate-stderr sam-fetch -n 3 AAPL
	assert_success
	assert_equal "$(field date <<< "$output")" $'2026-11-23\n2026-11-24\n2026-11-25'
}

@test "SAM_NOW decides what today is in New York, not in UTC" {
	# 2026-11-27T02:00Z is still Thanksgiving evening in New York
	SAM_NOW=2026-11-27T02:00:00Z run --separate-stderr sam-fetch -n 2 AAPL
	assert_success
	assert_equal "$(field date <<< "$output")" $'2026-11-24\n2026-11-25'
}

@test "mock writes 60 trading days, up to --to or today, when no range is given" {
	run --separate-stderr sam-fetch AAPL
	assert_success
	assert_equal "$(wc -l <<< "$output")" 60
	assert_equal "$(field date <<< "$output" | sed -n '1p;$p')" $'2026-09-02\n2026-11-25'
	run --separate-stderr sam-fetch --to 2024-07-07 AAPL
	assert_success
	assert_equal "$(wc -l <<< "$output")" 60
	assert_equal "$(field date <<< "$output" | tail -n 1)" 2024-07-05
}

@test "--from without --to runs to today" {
	run --separate-stderr sam-fetch --from 2026-11-20 AAPL
	assert_success
	assert_equal "$(field date <<< "$output")" $'2026-11-20\n2026-11-23\n2026-11-24\n2026-11-25'
}

@test "a range of holidays and weekends gives no bars and success" {
	run --separate-stderr sam-fetch --from 2024-12-25 --to 2024-12-25 AAPL
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
}

# ---- the mock market ----

@test "mock bars for a week are exactly these" {
	run --separate-stderr sam-fetch --from 2024-07-01 --to 2024-07-08 AAPL
	assert_success
	assert_output "$(cat "$FETCH/mock-daily.expected")"
	assert_equal "$stderr" ""
}

@test "mock hourly bars on an early-close day are exactly these" {
	run --separate-stderr sam-fetch -i 1h --mark-injected --from 2024-07-03 --to 2024-07-03 aapl
	assert_success
	assert_output "$(cat "$FETCH/mock-hourly.expected")"
}

@test "a ticker's mock bars do not depend on the other tickers asked for" {
	sam-fetch --from 2024-01-02 --to 2024-12-31 AAPL > alone
	sam-fetch --from 2024-01-02 --to 2024-12-31 MSFT AAPL A > together
	[ "$(wc -l < alone)" -eq 252 ]
	grep '"AAPL"' together | diff alone -
	[ "$(grep -c '"MSFT"' together)" -eq 252 ]
	[ "$(grep '"MSFT"' together | sed 's/MSFT/AAPL/')" != "$(cat alone)" ]
}

@test "a ticker's mock bars do not depend on the range asked for" {
	sam-fetch --from 2024-03-01 --to 2024-03-31 AAPL > short
	sam-fetch --from 2020-01-01 --to 2025-12-31 AAPL > long
	[ "$(wc -l < short)" -eq 20 ]
	grep '"date":"2024-03-' long | diff short -
	sam-fetch -i 1h --from 2024-03-08 --to 2024-03-08 AAPL > short
	sam-fetch -i 1h --from 2024-03-04 --to 2024-03-15 AAPL > long
	[ "$(wc -l < short)" -eq 7 ]
	grep '"date":"2024-03-08"' long | diff short -
}

@test "the same seed gives the same bars, a different seed different ones" {
	sam-fetch --seed 42 --days 20 AAPL > a
	sam-fetch --seed 42 --days 20 AAPL > b
	sam-fetch --seed 43 --days 20 AAPL > c
	sam-fetch --days 20 AAPL > default
	sam-fetch --seed 1 --days 20 AAPL > one
	diff a b
	diff default one
	[ "$(field date < a)" = "$(field date < c)" ]
	[ "$(field close < a | sort -u | wc -l)" -gt 10 ]
	[ "$(field close < a)" != "$(field close < c)" ]
	[ "$(field volume < a)" != "$(field volume < c)" ]
}

@test "mock trades on NYSE days only: no weekends, no holidays" {
	run --separate-stderr sam-fetch --from 2024-06-28 --to 2024-07-09 AAPL
	assert_success
	assert_equal "$(field date <<< "$output")" \
		$'2024-06-28\n2024-07-01\n2024-07-02\n2024-07-03\n2024-07-05\n2024-07-08\n2024-07-09'
	run --separate-stderr sam-fetch --from 2024-11-25 --to 2024-12-02 AAPL
	assert_equal "$(field date <<< "$output")" \
		$'2024-11-25\n2024-11-26\n2024-11-27\n2024-11-29\n2024-12-02'
	# Good Friday, Juneteenth, Christmas, New Year's Day; the year's count
	run --separate-stderr sam-fetch --from 2024-01-01 --to 2024-12-31 AAPL
	assert_equal "$(wc -l <<< "$output")" 252
	refute_output --partial '"date":"2024-03-29"'
	refute_output --partial '"date":"2024-06-19"'
	refute_output --partial '"date":"2024-12-25"'
	refute_output --partial '"date":"2024-01-01"'
}

@test "a daily bar starts at 09:30 New York time, across the DST switches" {
	run --separate-stderr sam-fetch --from 2024-03-08 --to 2024-03-11 AAPL
	assert_equal "$(field ts <<< "$output")" $'2024-03-08T14:30:00Z\n2024-03-11T13:30:00Z'
	run --separate-stderr sam-fetch --from 2024-11-01 --to 2024-11-04 AAPL
	assert_equal "$(field ts <<< "$output")" $'2024-11-01T13:30:00Z\n2024-11-04T14:30:00Z'
	assert_equal "$(field date <<< "$output")" $'2024-11-01\n2024-11-04'
}

@test "hourly mock bars cover the session: seven a day from 09:30 New York, four on early closes" {
	run --separate-stderr sam-fetch -i 1h --from 2024-03-08 --to 2024-03-11 AAPL
	assert_success
	assert_equal "$(field ts <<< "$output")" "$(printf '%s\n' \
		2024-03-08T14:30:00Z 2024-03-08T15:30:00Z 2024-03-08T16:30:00Z \
		2024-03-08T17:30:00Z 2024-03-08T18:30:00Z 2024-03-08T19:30:00Z \
		2024-03-08T20:30:00Z \
		2024-03-11T13:30:00Z 2024-03-11T14:30:00Z 2024-03-11T15:30:00Z \
		2024-03-11T16:30:00Z 2024-03-11T17:30:00Z 2024-03-11T18:30:00Z \
		2024-03-11T19:30:00Z)"
	assert_equal "$(field interval <<< "$output" | sort -u)" 1h
	# early-close days: four bars, the last ending at 13:00
	run --separate-stderr sam-fetch -i 1h --from 2024-11-29 --to 2024-11-29 AAPL
	assert_equal "$(field ts <<< "$output")" \
		$'2024-11-29T14:30:00Z\n2024-11-29T15:30:00Z\n2024-11-29T16:30:00Z\n2024-11-29T17:30:00Z'
	run --separate-stderr sam-fetch -i 1h --from 2024-07-03 --to 2024-07-03 AAPL
	assert_equal "$(wc -l <<< "$output")" 4
}

@test "every intraday interval fills the session and no more" {
	local row iv n early last
	# interval, bars on a full day and on an early-close day, the last bar
	for row in 30m:13:7:16:30 15m:26:14:16:45 5m:78:42:16:55 1m:390:210:16:59; do
		IFS=: read -r iv n early last <<< "$row"
		sam-fetch -i "$iv" --from 2024-07-02 --to 2024-07-03 AAPL > bars
		# bars a day, the first and last start, and whether starts ever repeat
		# or go back
		assert_equal "$(field ts < bars | awk '
			NR == 1 { first = $0 }
			$0 <= prev { order = "unordered" }
			{ day[substr($0, 1, 10)]++; prev = $0 }
			END { print day["2024-07-02"], day["2024-07-03"], first, prev, order }')" \
			"$n $early 2024-07-02T13:30:00Z 2024-07-03T$last:00Z "
	done
}

@test "no bar starts after now, and before the open --days counts back from yesterday" {
	SAM_NOW=2026-11-25T14:29:59Z run --separate-stderr sam-fetch -n 2 AAPL
	assert_equal "$(field date <<< "$output")" $'2026-11-23\n2026-11-24'
	SAM_NOW=2026-11-25T14:29:59Z run --separate-stderr sam-fetch --from 2026-11-24 AAPL
	assert_equal "$(field date <<< "$output")" 2026-11-24
	SAM_NOW=2026-11-25T14:30:00Z run --separate-stderr sam-fetch -n 2 AAPL
	assert_equal "$(field date <<< "$output")" $'2026-11-24\n2026-11-25'
	SAM_NOW=2026-11-25T16:15:00Z run --separate-stderr sam-fetch -i 1h --from 2026-11-25 AAPL
	assert_equal "$(field ts <<< "$output")" $'2026-11-25T14:30:00Z\n2026-11-25T15:30:00Z'
	SAM_NOW=2026-11-25T16:15:00Z run --separate-stderr sam-fetch -i 1h --from 2026-11-25 --to 2026-12-31 AAPL
	assert_equal "$(wc -l <<< "$output")" 2
}

@test "mock starts on 2000-01-03, whatever range is asked for" {
	run --separate-stderr sam-fetch --from 1999-12-01 --to 2000-01-05 AAPL
	assert_success
	assert_equal "$(field date <<< "$output")" $'2000-01-03\n2000-01-04\n2000-01-05'
}

@test "--mark-injected lists the injected jumps and spikes in each mock bar" {
	sam-fetch --mark-injected --from 2010-01-01 --to 2026-11-25 AAPL MSFT > marked
	sam-fetch --from 2010-01-01 --to 2026-11-25 AAPL MSFT > plain
	jq -c 'del(.injected)' marked | diff plain -
	[ "$(grep -c injected plain)" -eq 0 ]
	jq -e -s 'all(.[]; .injected | . == [] or . == ["price"] or
	    . == ["volume"] or . == ["price", "volume"])' marked > /dev/null
	[ "$(grep -c '"injected":\["price"' marked)" -gt 20 ]
	[ "$(grep -c '"volume"\]' marked)" -gt 40 ]
	[ "$(grep -c '"injected":\[\]' marked)" -gt 8000 ]
	printf '%s\n%s\n' "$HEADER" "$GOOD_ROW" > prices.csv
	run --separate-stderr sam-fetch --mark-injected -s csv:prices.csv X
	assert_success
	assert_output "$GOOD_BAR"
}

@test "a large mock output keeps the contract: prices ordered, keys sorted and unique" {
	{
		sam-fetch --seed 3 --from 2000-01-01 AAPL ^GSPC BRK.B
		sam-fetch --seed 3 -i 5m --from 2026-11-01 AAPL MSFT
		sam-fetch --seed 3 -i 1m --days 3 XYZ
	} > big
	[ "$(wc -l < big)" -gt 20000 ]
	jq -e -s '
		length > 20000 and
		all(.[]; .low <= .open and .low <= .close and .high >= .open and
		    .high >= .close and .low > 0 and .volume >= 0 and
		    (.volume | floor) == .volume and .source == "mock" and
		    (.ts | test("^[0-9-]{10}T[0-9:]{8}Z$")) and
		    (.interval != "1d" or (.ts[0:10] == .date and
		        (.ts[11:] == "13:30:00Z" or .ts[11:] == "14:30:00Z"))) and
		    (.date | strptime("%Y-%m-%d") | mktime | strftime("%a")) as $d |
		    ($d != "Sat" and $d != "Sun")) and
		(map(select(.interval == "1d")) | map([.ticker, .ts])) as $k |
		    $k == ($k | unique) and
		(map(select(.interval == "5m")) | map([.ticker, .ts])) as $k |
		    $k == ($k | unique)' big > /dev/null
}

# ---- the CSV source ----

@test "a CSV with quoted cells, thousands separators, slashed dates, CRLF and newest first" {
	grep -q $'\r$' "$FETCH/quoted.csv"
	run --separate-stderr sam-fetch -s "csv:$FETCH/quoted.csv" tsla
	assert_success
	assert_output "$(cat "$FETCH/quoted.expected")"
	assert_equal "$stderr" ""
}

@test "a CSV with a ticker column writes every ticker, sorted, unless tickers are named" {
	run --separate-stderr sam-fetch -s "csv:$FETCH/tickers.csv"
	assert_success
	assert_output "$(cat "$FETCH/tickers.expected")"
	assert_equal "$stderr" ""
	# named tickers select, in any case
	run --separate-stderr sam-fetch -s "csv:$FETCH/tickers.csv" MSFT ibm
	assert_success
	assert_output "$(grep -v AAPL "$FETCH/tickers.expected")"
}

@test "a named ticker with no rows is reported, the others written, exit 3" {
	cp "$FETCH/tickers.csv" .
	run --separate-stderr sam-fetch -s csv:tickers.csv GOOG IBM ZZZ
	assert_equal "$status" 3
	assert_output "$(grep IBM "$FETCH/tickers.expected")"
	assert_equal "$stderr" $'sam-fetch: tickers.csv: no rows for ticker GOOG\nsam-fetch: tickers.csv: no rows for ticker ZZZ'
}

@test "ticker-prefixed columns make one group of bars per ticker" {
	run --separate-stderr sam-fetch -s "csv:$FETCH/prefixed.csv"
	assert_success
	assert_output "$(cat "$FETCH/prefixed.expected")"
	run --separate-stderr sam-fetch -s "csv:$FETCH/prefixed.csv" msft
	assert_success
	assert_output "$(grep MSFT "$FETCH/prefixed.expected")"
}

@test "a bad cell in one ticker's columns rejects only that ticker's bar" {
	fixture p.csv <<-'EOF'
		Date,AAPL.Open,AAPL.High,AAPL.Low,AAPL.Close,AAPL.Volume,MSFT.Open,MSFT.High,MSFT.Low,MSFT.Close,MSFT.Volume
		2024-01-02,1,2,0.5,1.5,100,1,2,0.5,,100
	EOF
	run --separate-stderr sam-fetch -s csv:p.csv
	assert_equal "$status" 1
	assert_output "${GOOD_BAR/\"X\"/\"AAPL\"}"
	assert_equal "$stderr" "sam-fetch: p.csv:2: empty MSFT.Close cell"
}

@test "a CSV without a ticker column takes the one ticker named" {
	printf '%s\n%s\n' "$HEADER" "$GOOD_ROW" > prices.csv
	run --separate-stderr sam-fetch -s csv:prices.csv x
	assert_success
	assert_output "$GOOD_BAR"
	SAM_TICKERS=x run --separate-stderr sam-fetch -s csv:prices.csv
	assert_success
	assert_output "$GOOD_BAR"
}

@test "SAM_SOURCE names the source; csv:file:// URLs and - work too" {
	printf '%s\n%s\n' "$HEADER" "$GOOD_ROW" > prices.csv
	SAM_SOURCE=csv:prices.csv run --separate-stderr sam-fetch X
	assert_success
	assert_output "$GOOD_BAR"
	run --separate-stderr sam-fetch -s "csv:file://$PWD/prices.csv" X
	assert_success
	assert_output "$GOOD_BAR"
	run --separate-stderr sam-fetch -s "csv:file://localhost$PWD/prices.csv" X
	assert_success
	assert_output "$GOOD_BAR"
	run --separate-stderr sam-fetch -s csv:- X < prices.csv
	assert_success
	assert_output "$GOOD_BAR"
}

@test "CSV dates may be written in several ways, with or without a time" {
	fixture d.csv <<-'EOF'
		Open;High;Low;Close;Volume;Timestamp
		1;2;0.5;1.5;100;2024-01-02
		1;2;0.5;1.5;100;2024/01/03
		1;2;0.5;1.5;100;01/04/2024
		1;2;0.5;1.5;100;20240105
		1;2;0.5;1.5;100;2024-01-08T00:00:00Z
		1;2;0.5;1.5;100;2024-01-09 16:00:00-05:00
		1;2;0.5;1.5;100;2024-01-10 09:30
		1;2;0.5;1.5;100;2024-07-01T23:59:59.5+09:00
	EOF
	run --separate-stderr sam-fetch -s csv:d.csv X
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -r '"\(.date) \(.ts)"' <<< "$output")" "$(printf '%s\n' \
		'2024-01-02 2024-01-02T14:30:00Z' '2024-01-03 2024-01-03T14:30:00Z' \
		'2024-01-04 2024-01-04T14:30:00Z' '2024-01-05 2024-01-05T14:30:00Z' \
		'2024-01-08 2024-01-08T14:30:00Z' '2024-01-09 2024-01-09T14:30:00Z' \
		'2024-01-10 2024-01-10T14:30:00Z' '2024-07-01 2024-07-01T13:30:00Z')"
}

@test "intraday CSV rows keep their time: New York unless the cell names a zone" {
	fixture h.csv <<-'EOF'
		datetime	open	high	low	close	volume
		2024-07-02 10:30	1	2	0.5	1.5	100
		2024-07-02T13:30:00Z	1	2	0.5	1.5	100
		2024-01-02 10:30:00-05:00	1	2	0.5	1.5	100
		2024-07-03	1	2	0.5	1.5	100
	EOF
	run --separate-stderr sam-fetch -i 1h -s csv:h.csv X
	assert_equal "$status" 1
	assert_equal "$(jq -r '"\(.interval) \(.date) \(.ts)"' <<< "$output")" "$(printf '%s\n' \
		'1h 2024-01-02 2024-01-02T15:30:00Z' '1h 2024-07-02 2024-07-02T13:30:00Z' \
		'1h 2024-07-02 2024-07-02T14:30:00Z')"
	assert_equal "$stderr" 'sam-fetch: h.csv:5: date "2024-07-03" has no time of day (interval 1h)'
}

@test "a CSV's rows are limited by --from, --to and --days, and all taken without" {
	run --separate-stderr sam-fetch -s "csv:$FETCH/tickers.csv" --from 2017-12-28 --to 2017-12-28
	assert_success
	assert_output "$(grep 2017-12-28 "$FETCH/tickers.expected")"
	run --separate-stderr sam-fetch -s "csv:$FETCH/tickers.csv" --to 2017-12-28 AAPL
	assert_success
	assert_equal "$(field date <<< "$output")" $'2017-12-27\n2017-12-28'
	run --separate-stderr sam-fetch -s "csv:$FETCH/tickers.csv" --days 2 --to 2017-12-31 AAPL
	assert_success
	assert_equal "$(field date <<< "$output")" $'2017-12-28\n2017-12-29'
	run --separate-stderr sam-fetch -s "csv:$FETCH/quoted.csv" X
	assert_success
	assert_equal "$(wc -l <<< "$output")" 4
}

@test "a byte-order mark before a quoted header is no part of it" {
	printf '\xef\xbb\xbf"date","open","high","low","close","volume"\r\n%s\r\n' "$GOOD_ROW" > bom.csv
	run --separate-stderr sam-fetch -s csv:bom.csv X
	assert_success
	assert_output "$GOOD_BAR"
}

@test "bad CSV rows are reported with file and line, skipped, exit 1" {
	row_table <<-'EOF'
		2024-01-03,1,2,0.5,1.5, | empty volume cell
		2024-01-03,,2,0.5,1.5,100 | empty open cell
		2024-01-03,1,2,0.5,1.5 | 5 cells, the header needs 6
		2024-01-03 | 1 cells, the header needs 6
		,1,2,0.5,1.5,100 | empty date cell
		11:34,1,2,0.5,1.5,100 | unrecognized date "11:34"
		2024-02-30,1,2,0.5,1.5,100 | unrecognized date "2024-02-30"
		2024-01-03 25:00,1,2,0.5,1.5,100 | unrecognized date "2024-01-03 25:00"
		1799-01-03,1,2,0.5,1.5,100 | unrecognized date "1799-01-03"
		2024-01-03,1,2,0.5,abc,100 | close is not a number: "abc"
		2024-01-03,1,2,0.5,1.5,1e999 | volume is not a number: "1e999"
		2024-01-03,1,2,0.5,1.5,"1,00" | volume is not a number: "1,00"
		2024-01-03,1,2,0.5,1.5,"1,000,00" | volume is not a number: "1,000,00"
		2024-01-03,1,2,0.5,1.5,0x10 | volume is not a number: "0x10"
		2024-01-03,1,2,0.5,1.5,nan | volume is not a number: "nan"
		2024-01-03,1,2,1.2,1.5,100 | low 1.2 is above open 1
		2024-01-03,1.7,2,1.6,1.5,100 | low 1.6 is above close 1.5
		2024-01-03,2.5,2,0.5,1.5,100 | high 2 is below open 2.5
		2024-01-03,1,2,0.5,2.5,100 | high 2 is below close 2.5
		2024-01-03,1,2,0.5,1.5,-5 | volume is negative
		2024-01-03,1,2,0.5,1.5,1"00 | malformed CSV: a quote inside an unquoted cell or after a closing quote
		2024-01-03,1,2,0.5,1.5,"100"x | malformed CSV: a quote inside an unquoted cell or after a closing quote
		2024-01-03,1,2,0.5,1.5,"100 | malformed CSV: a quoted cell is not closed
		2024-01-02,1,2,0.5,1.5,100 | duplicate row for X 2024-01-02T14:30:00Z (first at line 2)
		2024-01-02 12:00,3,4,2.5,3.5,300 | duplicate row for X 2024-01-02T14:30:00Z (first at line 2)
	EOF
}

@test "bad tickers in a CSV's ticker column are reported, the row skipped" {
	fixture t.csv <<-'EOF'
		date,open,high,low,close,volume,symbol
		2024-01-02,1,2,0.5,1.5,100,x
		2024-01-02,1,2,0.5,1.5,100,
		2024-01-02,1,2,0.5,1.5,100,BRK/B
		2024-01-02,1,2,0.5,1.5,100,ABCDEFGHIJKLMNOPQRSTU
	EOF
	run --separate-stderr sam-fetch -s csv:t.csv
	assert_equal "$status" 1
	assert_output "$GOOD_BAR"
	assert_equal "$stderr" 'sam-fetch: t.csv:3: empty ticker cell
sam-fetch: t.csv:4: invalid ticker "BRK/B"
sam-fetch: t.csv:5: invalid ticker "ABCDEFGHIJKLMNOPQRSTU"'
}

@test "a CSV whose header cannot be used is a runtime failure, exit 3" {
	local header msg n=0 bad=0
	while IFS= read -r line; do
		header=${line%% | *}; msg=${line#* | }
		printf '%s\n%s\n' "$header" "$GOOD_ROW" > t.csv
		n=$((n + 1))
		run --separate-stderr sam-fetch -s csv:t.csv X
		if [ "$status" != 3 ] || [ "$stderr" != "sam-fetch: t.csv:1: $msg" ] || [ -n "$output" ]; then
			printf 'header %s\n  expected: %s\n  got exit %s: %s\n' "$header" "$msg" "$status" "$stderr"
			bad=$((bad + 1))
		fi
	done <<-'EOF'
		open,high,low,close,volume | no date or timestamp column in the header
		date,open,high,low,close | no volume column in the header
		date,price | no open, high, low, close and volume columns in the header
		date,price,volume | no open column in the header
		date,open,high,low,close,volume,Close | two close columns
		date,AAPL.open,AAPL.high,AAPL.low,AAPL.close | no AAPL.volume column in the header
		date,AAPL.open,AAPL.high,AAPL.low,AAPL.close,AAPL.volume,open | columns with and without a ticker prefix
		date",open,high,low,close,volume | malformed CSV: a quote inside an unquoted cell or after a closing quote
	EOF
	[ "$n" -eq 8 ] && [ "$bad" -eq 0 ]
}

@test "an empty CSV, an unreadable one, a missing one: exit 3" {
	: > empty.csv
	mkdir dir.csv
	error_table <<-'EOF'
		3 | - | sam-fetch -s csv:empty.csv X | sam-fetch: empty.csv: empty file: no header
		3 | - | sam-fetch -s csv:dir.csv X | sam-fetch: fatal: unable to read dir.csv: Is a directory
		3 | - | sam-fetch -s csv:missing.csv X | sam-fetch: fatal: unable to open missing.csv: No such file or directory
		3 | - | sam-fetch -s csv:file:///nonexistent/x.csv X | sam-fetch: fatal: unable to open /nonexistent/x.csv: No such file or directory
	EOF
}

@test "blank lines in a CSV are skipped and counted" {
	printf '%s\n\n%s\n\n2024-01-03,1,2,0.5,1.5,\n' "$HEADER" "$GOOD_ROW" > t.csv
	run --separate-stderr sam-fetch -s csv:t.csv X
	assert_equal "$status" 1
	assert_output "$GOOD_BAR"
	assert_equal "$stderr" "sam-fetch: t.csv:5: empty volume cell"
}

@test "--strict stops at the first bad row and writes nothing" {
	printf '%s\n%s\n2024-01-03,1,2,0.5,1.5,\n2024-01-04,,2,0.5,1.5,1\n' "$HEADER" "$GOOD_ROW" > t.csv
	run --separate-stderr sam-fetch --strict -s csv:t.csv X
	assert_equal "$status" 1
	assert_output ""
	assert_equal "$stderr" "sam-fetch: t.csv:3: empty volume cell"
	printf '%s\n%s\n%s\n%s\n' "$HEADER" "$GOOD_ROW" "$GOOD_ROW" 2024-01-03,1,2,0.5,1.5, > t.csv
	run --separate-stderr sam-fetch --strict -s csv:t.csv X
	assert_equal "$status" 1
	assert_output ""
	assert_equal "$stderr" "sam-fetch: t.csv:4: empty volume cell"
	printf '%s\n%s\n%s\n' "$HEADER" "$GOOD_ROW" "$GOOD_ROW" > t.csv
	run --separate-stderr sam-fetch --strict -s csv:t.csv X
	assert_equal "$status" 1
	assert_output ""
	assert_equal "$stderr" "sam-fetch: t.csv:3: duplicate row for X 2024-01-02T14:30:00Z (first at line 2)"
}

@test "a line longer than SAM_MAX_LINE is reported and skipped" {
	printf '%s\n%s\n2024-01-03,1,2,0.5,1.5,100000000000000\n' "$HEADER" "$GOOD_ROW" > t.csv
	SAM_MAX_LINE=32 run --separate-stderr sam-fetch -s csv:t.csv X
	assert_equal "$status" 1
	assert_output "$GOOD_BAR"
	assert_equal "$stderr" "sam-fetch: t.csv:3: line too long (more than 32 bytes)"
}

@test "--log-format json and SAM_LOG_FORMAT=json write diagnostics as JSON" {
	printf '%s\n%s\n2024-01-03,1,2,0.5,1.5,\n' "$HEADER" "$GOOD_ROW" > t.csv
	local want='{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-fetch","msg":"empty volume cell","file":"t.csv","line":3}'
	run --separate-stderr sam-fetch --log-format json -s csv:t.csv X
	assert_equal "$status" 1
	assert_equal "$stderr" "$want"
	SAM_LOG_FORMAT=json run --separate-stderr sam-fetch -s csv:t.csv X
	assert_equal "$stderr" "$want"
	SAM_LOG_FORMAT=json run --separate-stderr sam-fetch ../etc
	assert_equal "$status" 2
	assert_equal "$stderr" '{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-fetch","msg":"invalid ticker \"../etc\""}'
}

# Fails until libz's sam_usage_error() stops appending the plain-text
# usage in JSON mode (see the report on libz/log.c).
@test "with --log-format json every diagnostic line is JSON, a usage error's too" {
	run --separate-stderr sam-fetch --log-format json -i 2h AAPL
	assert_equal "$status" 2
	run jq -r .msg <<< "$stderr"
	assert_success
	assert_output "--interval: one of 1d, 1h, 30m, 15m, 5m, 1m: 2h"
}

@test "a write error on standard output is a runtime failure" {
	[ -w /dev/full ] || skip "no /dev/full"
	run --separate-stderr bash -c 'sam-fetch --days 10 AAPL > /dev/full'
	assert_equal "$status" 3
	assert_equal "$stderr" "sam-fetch: fatal: unable to write standard output: No space left on device"
}

# ---- real-world CSV files from ../shared/data ----

@test "tesla-stock-price.csv: quoted, newest first, one row stamped 11:34" {
	need_shared_data tesla-stock-price.csv
	ln -s "$SHARED_DATA/tesla-stock-price.csv" .
	run --separate-stderr sam-fetch -s csv:tesla-stock-price.csv tsla
	assert_equal "$status" 1
	assert_equal "$stderr" 'sam-fetch: tesla-stock-price.csv:2: unrecognized date "11:34"'
	assert_equal "$(wc -l <<< "$output")" 756
	assert_equal "$(sed -n '1p;$p' <<< "$output")" \
'{"ticker":"TSLA","interval":"1d","ts":"2015-10-15T13:30:00Z","date":"2015-10-15","open":216.43,"high":221.73,"low":213.7,"close":221.31,"volume":2835920,"source":"csv"}
{"ticker":"TSLA","interval":"1d","ts":"2018-10-15T13:30:00Z","date":"2018-10-15","open":259.06,"high":263.28,"low":254.5367,"close":259.59,"volume":6189026,"source":"csv"}'
	run --separate-stderr sam-fetch -s csv:tesla-stock-price.csv
	assert_equal "$status" 2
	assert_output ""
	assert_equal "$stderr" "sam-fetch: tesla-stock-price.csv: no ticker column: name the ticker on the command line"
}

@test "finance-charts-apple.csv: AAPL.-prefixed columns among others" {
	need_shared_data finance-charts-apple.csv
	run --separate-stderr sam-fetch -s "csv:$SHARED_DATA/finance-charts-apple.csv"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(wc -l <<< "$output")" 506
	assert_equal "$(field ticker <<< "$output" | sort -u)" AAPL
	assert_equal "$(sed -n '1p;$p' <<< "$output")" \
'{"ticker":"AAPL","interval":"1d","ts":"2015-02-17T14:30:00Z","date":"2015-02-17","open":127.489998,"high":128.880005,"low":126.919998,"close":127.830002,"volume":63152400,"source":"csv"}
{"ticker":"AAPL","interval":"1d","ts":"2017-02-16T14:30:00Z","date":"2017-02-16","open":135.669998,"high":135.899994,"low":134.839996,"close":135.350006,"volume":22118000,"source":"csv"}'
}

@test "dash-stock-ticker-demo.csv: index column, float volumes, Stock column, newest first" {
	need_shared_data dash-stock-ticker-demo.csv
	run --separate-stderr sam-fetch -s "csv:$SHARED_DATA/dash-stock-ticker-demo.csv"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(field ticker <<< "$output" | uniq -c | awk '{ print $2, $1 }')" \
		$'AAPL 753\nCOKE 754\nGOOGL 754\nTSLA 754\nYHOO 619'
	assert_equal "$(sed -n '1p;$p' <<< "$output")" \
'{"ticker":"AAPL","interval":"1d","ts":"2015-01-02T14:30:00Z","date":"2015-01-02","open":111.39,"high":111.44,"low":107.35,"close":109.33,"volume":53204626,"source":"csv"}
{"ticker":"YHOO","interval":"1d","ts":"2017-06-16T13:30:00Z","date":"2017-06-16","open":52.79,"high":53.3,"low":51.9,"close":52.5892,"volume":251032146,"source":"csv"}'
	assert_equal "$(grep -c '"date":"2017-12-29"' <<< "$output")" 4
	run --separate-stderr sam-fetch -s "csv:$SHARED_DATA/dash-stock-ticker-demo.csv" --from 2017-12-29 tsla
	assert_success
	assert_output '{"ticker":"TSLA","interval":"1d","ts":"2017-12-29T14:30:00Z","date":"2017-12-29","open":316.18,"high":316.41,"low":310,"close":311.35,"volume":3727621,"source":"csv"}'
}

@test "all_stocks_5yr.csv: 619,040 rows, 505 tickers, the bad rows reported by line" {
	need_shared_data all_stocks_5yr.csv
	ln -s "$SHARED_DATA/all_stocks_5yr.csv" .
	sam-fetch -s csv:all_stocks_5yr.csv > out 2> err && status=0 || status=$?
	[ "$status" -eq 1 ]
	diff "$FETCH/all_stocks_5yr.stderr" err
	[ "$(wc -l < out)" -eq 619017 ]
	[ "$(cut -d'"' -f4 out | uniq | wc -l)" -eq 505 ]
	cut -d'"' -f4,12 out | sort -c -u
	assert_equal "$(sed -n '1p;$p' out)" \
'{"ticker":"A","interval":"1d","ts":"2013-02-08T14:30:00Z","date":"2013-02-08","open":45.07,"high":45.35,"low":45,"close":45.08,"volume":1824755,"source":"csv"}
{"ticker":"ZTS","interval":"1d","ts":"2018-02-07T14:30:00Z","date":"2018-02-07","open":72.7,"high":75,"low":72.69,"close":73.86,"volume":4534912,"source":"csv"}'
	assert_equal "$(grep -c '"volume":0,' out)" 0
}

@test "all_stocks_5yr.csv: one ticker selected, its bad row reported" {
	need_shared_data all_stocks_5yr.csv
	ln -s "$SHARED_DATA/all_stocks_5yr.csv" .
	run --separate-stderr sam-fetch -s csv:all_stocks_5yr.csv --from 2016-01-01 --to 2016-12-31 dhr
	assert_equal "$status" 1
	assert_equal "$stderr" "sam-fetch: all_stocks_5yr.csv:165859: empty open cell"
	assert_equal "$(wc -l <<< "$output")" 250
}

@test "a CSV with separate Date and Time columns gives intraday bars in New York time" {
	printf '%s\r\n' 'Date,Time,Open,High,Low,Close,Volume' \
		'2024-01-02,09:30,10,11,9,10.5,100' \
		'2024-01-02,10:30:00,10.5,11,10,10.7,200' \
		'2024-07-02,09:30,10,11,9,10.5,300' > dt.csv
	run --separate-stderr sam-fetch -s csv:dt.csv -i 1h X
	assert_success
	assert_equal "$(jq -c '[.ts, .date, .volume]' <<< "$output")" \
		'["2024-01-02T14:30:00Z","2024-01-02",100]
["2024-01-02T15:30:00Z","2024-01-02",200]
["2024-07-02T13:30:00Z","2024-07-02",300]'
	assert_equal "$stderr" ""
}
