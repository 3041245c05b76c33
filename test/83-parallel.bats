#!/usr/bin/env bats
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
# All cores through GNU parallel (sam(7), "Using all cores and many
# machines"): a file of bars cut into shards of whole tickers
# (--pipe-part --group-by on the ticker), a job each, gives what one
# process gives, for the original profile and the recommended one with
# a market; sam-hourly's SAM_JOBS shards a backfill and a replay so.

bats_require_minimum_version 1.5.0

load test_helper
load http
load hourly

# GNU parallel's own files in the test's directory, not in $HOME
setup() {
	sam_setup
	http_jail
	PATH=$SAM_ROOT/cron:$PATH
	export PARALLEL_HOME=$BATS_TEST_TMPDIR/.parallel
}

# the ticker of a record, for --group-by: a record's "ticker" field
# shellcheck disable=SC2016 # perl's
GROUP='$_ = /"ticker":"([^"]*)"/ ? $1 : ""'

# bars N [MARKET]: N tickers (T001 ...) of 200 mock days in bars, the
# MARKET ticker first when given.
bars() {
	{
		[ -z "${2:-}" ] || echo "$2"
		seq -f 'T%03g' "$1"
	} > watch
	sam-fetch --source mock --days 200 -f watch > bars
}

# shards JOBS CMD...: CMD over bars in JOBS shards of whole tickers, in
# the file's order (sam(7)'s command).
shards() {
	local jobs=$1
	shift
	parallel --will-cite -j "$jobs" --pipe-part -a bars --block -1 --group-by "$GROUP" -k "$@"
}

@test "the original profile: sam-zscore | sam-detect in 2 and 3 shards of whole tickers writes what one process writes" {
	bars 40
	sam-zscore bars | sam-detect > one
	[ "$(wc -l < one)" -gt 1000 ]
	shards 2 'sam-zscore | sam-detect' > two
	cmp one two
	shards 3 'sam-zscore | sam-detect' > three
	cmp one three
	# without -k in another order, the same after a sort
	parallel --will-cite -j 2 --pipe-part -a bars --block -2 --group-by "$GROUP" 'sam-zscore | sam-detect' > any
	cmp <(sort one) <(sort any)
}

@test "shards cut between lines and not between tickers differ: the grouping by ticker is what keeps a series whole" {
	bars 40
	sam-zscore bars | sam-detect > one
	parallel --will-cite -j 2 --pipe-part -a bars --block -1 -k 'sam-zscore | sam-detect' > lines
	! cmp -s <(sort one) <(sort lines)
}

@test "the recommended profile with SPY as the market: shards of sam-zscore, each given the whole file as --market, then one sam-detect, write what one process writes" {
	bars 40 SPY
	sam-zscore --profile recommended --market bars --market-ticker SPY bars |
		sam-detect --profile recommended > one
	[ "$(wc -l < one)" -gt 10 ]
	shards 2 -q sam-zscore --profile recommended --market bars --market-ticker SPY |
		sam-detect --profile recommended > two
	cmp one two
	# sam-detect in the shards judges each shard's slots alone (its false
	# discovery rate, its market events): not the same anomalies
	shards 2 'sam-zscore --profile recommended --market bars --market-ticker SPY | sam-detect --profile recommended' > each
	! cmp -s <(sort one) <(sort each)
}

@test "the recommended profile with the cross-section as the market: the same from shards as from one process" {
	bars 40
	sam-zscore --profile recommended --market bars bars | sam-detect --profile recommended > one
	shards 2 -q sam-zscore --profile recommended --market bars | sam-detect --profile recommended > two
	cmp one two
}

@test "SAM_JOBS=2: --backfill stores the same files as SAM_JOBS=1, for both profiles" {
	local t=T01,T02,T03,T04,T05,T06
	sam_env HOURLY_BASE SAM_TICKERS=$t SAM_SOURCE=mock SAM_STORE=store1
	hourly --backfill 40
	assert_success
	sam_env HOURLY_BASE SAM_TICKERS=$t SAM_SOURCE=mock SAM_STORE=store2 SAM_JOBS=2
	hourly --backfill 40
	assert_success
	assert_equal "$stderr" "sam-hourly: backfilled 40 days of 6 tickers into store2"
	diff -r store1/raw store2/raw
	sam_env HOURLY_BASE SAM_TICKERS=$t SAM_SOURCE=mock SAM_STORE=store3 SAM_PROFILE=recommended SAM_MARKET=SPY
	hourly --backfill 40
	assert_success
	sam_env HOURLY_BASE SAM_TICKERS=$t SAM_SOURCE=mock SAM_STORE=store4 SAM_PROFILE=recommended SAM_MARKET=SPY SAM_JOBS=3
	hourly --backfill 40
	assert_success
	diff -r store3/raw store4/raw
	[ -d store4/raw/SPY ]
	# the market was in every shard's bars: excess returns throughout
	assert_equal "$(cat store4/raw/T03/*.ndjson | jq -r 'select(.market != "SPY") | .ts')" ""
}

@test "SAM_JOBS=2: --replay prints the alerts SAM_JOBS=1 prints, for both profiles" {
	local t=T01,T02,T03,T04,T05,T06,T07,T08,T09,T10,T11,T12
	sam_env HOURLY_BASE SAM_TICKERS=$t SAM_SOURCE=mock
	hourly --replay 2026-10-26 2026-11-20
	assert_success
	[ -n "$output" ]
	echo "$output" > one
	sam_env HOURLY_BASE SAM_TICKERS=$t SAM_SOURCE=mock SAM_JOBS=2
	hourly --replay 2026-10-26 2026-11-20
	assert_success
	assert_output "$(< one)"
	sam_env HOURLY_BASE SAM_TICKERS=$t SAM_SOURCE=mock SAM_PROFILE=recommended SAM_MARKET=SPY
	hourly --replay 2026-10-26 2026-11-20
	assert_success
	[ -n "$output" ]
	echo "$output" > one
	sam_env HOURLY_BASE SAM_TICKERS=$t SAM_SOURCE=mock SAM_PROFILE=recommended SAM_MARKET=SPY SAM_JOBS=2
	hourly --replay 2026-10-26 2026-11-20
	assert_success
	assert_output "$(< one)"
}

@test "SAM_JOBS is checked before anything runs: exit 2 and the setting named" {
	error_table <<-'EOF'
		2 | - | sam_env HOURLY_BASE SAM_JOBS=0; sam-hourly --config sam.env --backfill 5 | sam-hourly: SAM_JOBS: a number of jobs from 1 to 1024: 0
		2 | - | sam_env HOURLY_BASE SAM_JOBS=two; sam-hourly --config sam.env --backfill 5 | sam-hourly: SAM_JOBS: a number of jobs from 1 to 1024: two
		2 | - | sam_env HOURLY_BASE SAM_JOBS=1025; sam-hourly --config sam.env --replay 2026-11-16 2026-11-20 | sam-hourly: SAM_JOBS: a number of jobs from 1 to 1024: 1025
	EOF
	[ ! -e store ]
}
