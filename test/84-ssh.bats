#!/usr/bin/env bats
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
# Many machines through GNU parallel's --sshlogin (sam(7), "Using all
# cores and many machines"): the real sshd on loopback, listening on
# 127.0.0.1 and 127.0.0.2 (two "hosts"), with a throwaway host key and
# user key; the shards of a backfill go to both over ssh, the scored
# bars come back over the pipe to one sam-store put, and the store is
# what one process makes.

bats_require_minimum_version 1.5.0

load test_helper
load sshd

# the ticker of a record, for --group-by
# shellcheck disable=SC2016 # perl's
GROUP='$_ = /"ticker":"([^"]*)"/ ? $1 : ""'
setup() {
	sam_setup
	# GNU parallel's own files in the test's directory, not in $HOME
	export PARALLEL_HOME=$BATS_TEST_TMPDIR/.parallel
	sshd_start "$BATS_TEST_TMPDIR/ssh"
}

teardown() {
	stop_pid "$SSHD_PID"
}

# hosts JOBLOG: the hosts that ran a job, a line each.
hosts() {
	awk -F '\t' 'NR > 1 { print $2 }' "$1" | sort -u
}

@test "a backfill sharded over two hosts by ssh: the scored bars come back to one sam-store put, and the store is what one process makes" {
	seq -f 'T%03g' 12 > watch
	sam-fetch --source mock --days 60 -f watch > bars.ndjson
	sam-zscore bars.ndjson | sam-store -r store1 put --kind raw > /dev/null
	parallel --will-cite --ssh "$SSH" -S 1/127.0.0.1,1/127.0.0.2 --joblog jobs \
		--pipe-part -a bars.ndjson --block -2 --group-by "$GROUP" -k "$SAM_BIN/sam-zscore" |
		sam-store -r store2 put --kind raw > /dev/null
	assert_equal "$(hosts jobs)" "$(printf '127.0.0.1\n127.0.0.2')"
	diff -r store1 store2
	[ "$(find store2/raw -name '*.ndjson' | wc -l)" -eq 720 ]
}

@test "the recommended profile with SPY as the market over two hosts: the bars file sent to each as --basefile, its shards' scores judged by one sam-detect: the anomalies of one process" {
	{ echo SPY; seq -f 'T%03g' 30; } > watch
	sam-fetch --source mock --days 200 -f watch > bars.ndjson
	sam-zscore --profile recommended --market bars.ndjson --market-ticker SPY bars.ndjson |
		sam-detect --profile recommended > one
	[ "$(wc -l < one)" -gt 10 ]
	# on each host the jobs run in remote/, where --basefile puts the file
	mkdir remote
	parallel --will-cite --ssh "$SSH" -S 1/127.0.0.1,1/127.0.0.2 --joblog jobs \
		--wd "$PWD/remote" --basefile bars.ndjson --cleanup \
		--pipe-part -a bars.ndjson --block -1 --group-by "$GROUP" -k -q \
		"$SAM_BIN/sam-zscore" --profile recommended --market bars.ndjson --market-ticker SPY |
		sam-detect --profile recommended > two
	assert_equal "$(hosts jobs)" "$(printf '127.0.0.1\n127.0.0.2')"
	cmp one two
	# without it a host has no market series
	run --separate-stderr parallel --will-cite --ssh "$SSH" -S 1/127.0.0.2 --wd "$PWD/remote" \
		--pipe-part -a bars.ndjson --block -1 --group-by "$GROUP" -k -q \
		"$SAM_BIN/sam-zscore" --profile recommended --market bars.ndjson --market-ticker SPY
	assert_equal "$status" 1	# parallel's: one job failed
	assert_output ""
	assert_equal "$stderr" "sam-zscore: fatal: unable to open bars.ndjson: No such file or directory
sam-zscore: bars.ndjson: fatal: unable to read the market series"
}
