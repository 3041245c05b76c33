#!/usr/bin/env bats
# sam-fetch: the mock market is never a surprise.  Unless a source is
# named (--source, SAM_SOURCE), it is the mock, and sam-fetch says so,
# once; named, the mock is quiet.  Every bar says where it came from.
# The hourly job with no SAM_SOURCE names none either.

bats_require_minimum_version 1.5.0

load test_helper
load http
load hourly	# its setup: loopback only, sam-hourly on PATH

WARNING="sam-fetch: warning: no source chosen: these are the built-in mock market's invented prices; set --source or SAM_SOURCE"

@test "no source chosen: the mock's bars, and one warning line, whatever the tickers" {
	run --separate-stderr sam-fetch -n 2 AAPL MSFT IBM
	assert_success
	assert_equal "$stderr" "$WARNING"
	assert_equal "${#lines[@]}" 6
	assert_output "$(sam-fetch --source mock -n 2 AAPL MSFT IBM)"
	# an empty SAM_SOURCE chooses nothing either
	SAM_SOURCE= run --separate-stderr sam-fetch -n 2 AAPL
	assert_success
	assert_equal "$stderr" "$WARNING"
}

@test "--source mock and SAM_SOURCE=mock are quiet" {
	run --separate-stderr sam-fetch --source mock -n 2 AAPL
	assert_success
	assert_equal "$stderr" ""
	run --separate-stderr sam-fetch -s mock -n 2 AAPL
	assert_success
	assert_equal "$stderr" ""
	SAM_SOURCE=mock run --separate-stderr sam-fetch -n 2 AAPL
	assert_success
	assert_equal "$stderr" ""
}

@test "the warning is a JSON line with --log-format json, level warning" {
	run --separate-stderr sam-fetch --log-format json -n 1 AAPL
	assert_success
	assert_equal "$stderr" '{"ts":"2026-11-25T21:00:00Z","level":"warning","tool":"sam-fetch","msg":"no source chosen: these are the built-in mock market'"'"'s invented prices; set --source or SAM_SOURCE"}'
}

@test "nothing fetched, nothing warned: a usage error, --slot" {
	run --separate-stderr sam-fetch -n 1
	assert_equal "$status" 2
	assert_equal "${stderr_lines[0]}" "sam-fetch: no tickers: name them, or use -f or SAM_TICKERS"
	[[ $stderr != *warning* ]]
	run --separate-stderr sam-fetch --slot --at 2026-11-25T10:30
	assert_success
	assert_equal "$stderr" ""
}

@test "every bar of the mock says \"source\":\"mock\", chosen or not" {
	sam-fetch -i 1h -n 2 AAPL SPY 2> /dev/null > unchosen
	sam-fetch -s mock -i 1h -n 2 AAPL SPY > chosen
	cmp unchosen chosen
	assert_equal "$(jq -r .source chosen | sort | uniq -c | tr -s ' ')" " 28 mock"
}

@test "sam-hourly with no SAM_SOURCE names no source: sam-fetch's warning is on its standard error, once a fetch; with SAM_SOURCE=mock, none" {
	sam_env HOURLY_BASE -SAM_SOURCE SAM_FETCH_DAYS=40 SAM_WINDOW=30
	hourly --force --at 2026-11-25T10:30
	assert_success
	assert_equal "$(grep -cxF "$WARNING" <<< "$stderr")" 1
	[[ $stderr != *"no source chosen"*"no source chosen"* ]]
	assert_equal "$(cat store/raw/*/*.ndjson | jq -r .source | sort -u)" mock
	sam_env HOURLY_BASE SAM_FETCH_DAYS=40 SAM_WINDOW=30
	hourly --force --at 2026-11-25T11:30
	assert_success
	[[ $stderr != *"no source chosen"* ]]
}
