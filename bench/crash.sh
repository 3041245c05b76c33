#!/bin/bash
# crash.sh - the hourly job killed at random moments, N times: is every
# stored anomaly alerted, parked or skipped exactly once?
#
# usage: bench/crash.sh [-n runs] [-s seed] [-t tickers]
#
#   -n N  runs of cron/sam-hourly, each with one stage killed (default 1000)
#   -s N  seed of the kills' choice and moments (default 1)
#   -t N  tickers of the mock market (default 20)
#
# Runs test/crash.py in a mktemp -d directory under $TMPDIR (default
# /tmp), removed on exit: each run is on the next day of the mock
# market, against a loopback Alertmanager-style receiver that answers
# 400 one run in five; the stage killed (SIGKILL) goes round fetch,
# store_raw, zscore, detect, store, alert, prune, record, site and the
# job itself, a random time after it starts.  Then one run that nobody
# kills, and the accounts: the JSON line of test/crash.py (kills, missed,
# stored, sent, dead, lost, duplicated, ...) and the time it took.
# Binaries come from $SAM_BIN (default: the repository root, built by
# make).  See bench/README.md.
set -eu

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
runs=1000 seed=1 tickers=20

usage() {
	echo "usage: bench/crash.sh [-n runs] [-s seed] [-t tickers]"
}

while getopts n:s:t: opt; do
	case $opt in
	n) runs=$OPTARG ;;
	s) seed=$OPTARG ;;
	t) tickers=$OPTARG ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
bench_no_operands "$@"
bench_counts crash.sh "$runs" "$seed" "$tickers"
bench_need crash.sh sam-fetch sam-store sam-zscore sam-detect sam-alert sam-serve-static

work=$(mktemp -d "${TMPDIR:-/tmp}/sam-crash.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
status=0
SAM_BIN=$bin PATH=$bin:$PATH python3 "$root/test/crash.py" --runs "$runs" --seed "$seed" \
	--tickers "$tickers" "$work/run" || status=$?
echo "crash.sh: $runs runs in $(($(date +%s) - start)) s (seed $seed, $tickers tickers)"
exit "$status"
