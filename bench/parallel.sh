#!/bin/bash
# parallel.sh - sam-zscore | sam-detect on one core, on all cores and on
# two "hosts" over ssh, through GNU parallel (sam(7), "Using all cores
# and many machines").
#
# usage: bench/parallel.sh [-t tickers] [-d days] [-s seed] [-j jobs]
#                          [-r runs] [-R] [-S]
#
#   -t N  tickers (default 2000: T0001 ...)
#   -d N  daily bars per ticker (default 1000)
#   -s N  mock source seed (default 1)
#   -j N  jobs on this machine (default: its cores)
#   -r N  runs of each measurement; the median is reported (default 3)
#   -R    skip the recommended profile (with SPY as the market)
#   -S    skip the two hosts over ssh (an sshd of its own on 127.0.0.1
#         and 127.0.0.2, throwaway keys; needs openssh-server and rsync)
#
# Binaries come from $SAM_BIN (default: the repository root).  Every
# output is checked against one process's, byte for byte.  Temporary
# files go under $TMPDIR (default /tmp) and are removed on exit.  See
# bench/README.md.
set -eu

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=test/sshd.bash
. "$(dirname "$0")/../test/sshd.bash"
tickers=2000
days=1000
seed=1
jobs=$(nproc)
runs=3
do_rec=1
do_ssh=1

usage() {
	sed -n '6,15s/^# \{0,1\}//p' "$0"
}

while getopts t:d:s:j:r:RSh opt; do
	case $opt in
	t) tickers=$OPTARG ;;
	d) days=$OPTARG ;;
	s) seed=$OPTARG ;;
	j) jobs=$OPTARG ;;
	r) runs=$OPTARG ;;
	R) do_rec=0 ;;
	S) do_ssh=0 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
bench_no_operands "$@"
bench_counts parallel.sh "$tickers" "$days" "$seed" "$jobs" "$runs"
if [ "$tickers" -lt 1 ] || [ "$tickers" -gt 9999 ] || [ "$runs" -lt 1 ] || [ "$jobs" -lt 1 ]; then
	echo "parallel.sh: -t must be 1 to 9999, -j and -r at least 1" >&2
	exit 2
fi
bench_need parallel.sh sam-fetch sam-zscore sam-detect
if ! parallel --version 2>/dev/null | grep -q '^GNU parallel'; then
	echo "parallel.sh: GNU parallel (the Debian package parallel) is needed" >&2
	exit 2
fi
if [ "$do_ssh" = 1 ] && ! { [ -x /usr/sbin/sshd ] && command -v rsync >/dev/null 2>&1; }; then
	echo "parallel.sh: no /usr/sbin/sshd or no rsync: skipping the two hosts" >&2
	do_ssh=0
fi

export SAM_NOW=2026-11-25T21:00:00Z
export LC_ALL=C
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sam-bench.XXXXXX")
export PARALLEL_HOME=$tmp/parallel-home
sshd_pid=
cleanup() {
	if [ -n "$sshd_pid" ]; then
		kill "$sshd_pid" 2>/dev/null || true
		wait "$sshd_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# The ticker of a line, for --group-by.
# shellcheck disable=SC2016 # perl's
group='$_ = /"ticker":"([^"]*)"/ ? $1 : ""'

# timed OUT CMD...: runs CMD once, stdout to OUT; sets secs (wall) and
# cpu (user + system of the whole tree, parallel's own included) and
# rss (KiB, its largest process).
timed() {
	local out=$1 user sys
	shift
	/usr/bin/time -o "$tmp/time" -f '%e %M %U %S' "$@" </dev/null >"$out"
	read -r secs rss user sys <"$tmp/time"
	cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
}

# measure NAME REFERENCE CMD...: CMD $runs times, its output checked
# against the file REFERENCE (sorted, and byte for byte); a row of the
# table with the medians.
rows=()
measure() {
	local name=$1 ref=$2 i walls=() cpus=() same maxrss=0
	shift 2
	for ((i = 0; i < runs; i++)); do
		timed "$tmp/out" "$@"
		walls+=("$secs")
		cpus+=("$cpu")
		[ "$rss" -le "$maxrss" ] || maxrss=$rss
	done
	secs=$(printf '%s\n' "${walls[@]}" | mid)
	cpu=$(printf '%s\n' "${cpus[@]}" | mid)
	if [ "$ref" = - ]; then
		same="-"
	elif cmp -s "$tmp/out" "$ref"; then
		same="same bytes"
	elif cmp -s <(sort "$tmp/out") <(sort "$ref"); then
		same="same lines"
	else
		same="DIFFERENT"
	fi
	rate=$(awk -v b="$bars" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? b / s : 0) }')
	rows+=("$(printf '%-46s %8.2f %7.2f %11s %7.1f  %s' "$name" "$secs" "$cpu" "$rate" \
	    "$(awk -v k="$maxrss" 'BEGIN { printf "%.1f", k / 1024 }')" "$same")")
}

echo "sam benchmark: sam-zscore | sam-detect on one core, on $jobs cores, on two hosts (GNU parallel)"
echo "  binaries:  $bin"
echo "  data:      $tickers tickers x $days daily bars, mock source, --seed $seed, SAM_NOW=$SAM_NOW"
echo "  parallel:  $(parallel --version | head -n 1), -j $jobs"
echo "  load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the start"
echo "  machine:   $(nproc) cores, $(uname -sr), $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo

cd "$tmp"
{
	[ "$do_rec" = 0 ] || echo SPY
	awk -v n="$tickers" 'BEGIN { for (i = 1; i <= n; i++) printf "T%04d\n", i }'
} >watchlist
"$bin/sam-fetch" --source mock --seed "$seed" --days "$days" -f watchlist >bars.ndjson
cat bars.ndjson >/dev/null
bars=$(wc -l <bars.ndjson)
echo "made $bars bars ($(($(wc -c <bars.ndjson) / 1048576)) MiB)"

z=$bin/sam-zscore d=$bin/sam-detect
"$z" bars.ndjson | "$d" >one.out
measure "original: one core" one.out "${pin[@]}" sh -c '"$1" bars.ndjson | "$2"' sh "$z" "$d"
one=$secs
measure "original: $jobs jobs" one.out parallel --will-cite -j "$jobs" --pipe-part -a bars.ndjson \
    --block -1 --group-by "$group" -k "$z | $d"
all=$secs
measure "original: $jobs jobs, 2 parts a job" one.out parallel --will-cite -j "$jobs" \
    --pipe-part -a bars.ndjson --block -2 --group-by "$group" -k "$z | $d"
measure "original: $jobs jobs, sam-detect once" one.out sh -c 'parallel --will-cite -j "$1" \
    --pipe-part -a bars.ndjson --block -1 --group-by "$2" -k "$3" | "$4"' sh "$jobs" "$group" "$z" "$d"
# What the engine costs by itself, and what the cores give without one:
# its parts given to cat; the file cut beforehand at tickers' borders
# into as many parts, a pipeline each, pinned to a core of its own
# (when taskset is there), the outputs then written in order.
measure "GNU parallel alone: its $jobs parts to cat" - parallel --will-cite -j "$jobs" \
    --pipe-part -a bars.ndjson --block -1 --group-by "$group" -k 'cat > /dev/null'
engine=$secs
awk -v n="$jobs" -v total="$bars" '
	{
		s = substr($0, index($0, "\"ticker\":\"") + 10)
		t = substr(s, 1, index(s, "\"") - 1)
		if (part == 0 || (part < n && NR - 1 >= part * total / n && t != last))
			part++
		print > ("part." part)
		last = t
	}' bars.ndjson
measure "original: $jobs parts cut beforehand, no engine" one.out bash -c '
	n=$1 z=$2 d=$3 cores=$(nproc)
	for ((i = 1; i <= n; i++)); do
		if [ -e "part.$i" ]; then
			if [ "$4" = 1 ]; then
				taskset -c $(((i - 1) % cores)) sh -c "\"\$1\" part.$i | \"\$2\" > out.$i" sh "$z" "$d" &
			else
				sh -c "\"\$1\" part.$i | \"\$2\" > out.$i" sh "$z" "$d" &
			fi
		fi
	done
	wait
	for ((i = 1; i <= n; i++)); do
		[ ! -e "part.$i" ] || cat "out.$i"
	done' bash "$jobs" "$z" "$d" "${#pin[@]}"
ideal=$secs
rm -f part.* out.*
if [ "$do_ssh" = 1 ]; then
	sshd_start "$tmp/ssh" || { echo "parallel.sh: sshd did not start" >&2; exit 2; }
	sshd_pid=$SSHD_PID ssh=$SSH
	measure "original: two hosts by ssh, $jobs jobs each" one.out parallel --will-cite \
	    --ssh "$ssh" -S "$jobs/127.0.0.1,$jobs/127.0.0.2" --pipe-part -a bars.ndjson \
	    --block -1 --group-by "$group" -k "$z | $d"
	measure "original: two hosts by ssh, 1 job each" one.out parallel --will-cite \
	    --ssh "$ssh" -S "1/127.0.0.1,1/127.0.0.2" --pipe-part -a bars.ndjson \
	    --block -1 --group-by "$group" -k "$z | $d"
fi

if [ "$do_rec" = 1 ]; then
	rz=(--profile recommended --market bars.ndjson --market-ticker SPY)
	"$z" "${rz[@]}" bars.ndjson | "$d" --profile recommended >rec.out
	measure "recommended, SPY: one core" rec.out "${pin[@]}" sh -c \
	    '"$1" --profile recommended --market bars.ndjson --market-ticker SPY bars.ndjson |
	    "$2" --profile recommended' sh "$z" "$d"
	rone=$secs
	measure "recommended, SPY: $jobs jobs, each the whole file as market" rec.out sh -c \
	    'parallel --will-cite -j "$1" --pipe-part -a bars.ndjson --block -1 --group-by "$2" \
	    -k -q "$3" --profile recommended --market bars.ndjson --market-ticker SPY |
	    "$4" --profile recommended' sh "$jobs" "$group" "$z" "$d"
	measure "recommended, SPY: $jobs jobs, the market series once" rec.out sh -c \
	    '"$3" --profile recommended --market bars.ndjson --market-ticker SPY --market-only \
	    >market.ndjson && parallel --will-cite -j "$1" --pipe-part -a bars.ndjson --block -1 \
	    --group-by "$2" -k -q "$3" --profile recommended --market market.ndjson |
	    "$4" --profile recommended' sh "$jobs" "$group" "$z" "$d"
	rall=$secs
	measure "recommended, SPY: sam-zscore alone" - "${pin[@]}" "$z" "${rz[@]}" bars.ndjson
	"$z" "${rz[@]}" bars.ndjson >rec.z
	measure "recommended: sam-detect alone" - "${pin[@]}" "$d" --profile recommended rec.z
	rm -f rec.z
fi

echo
printf '%-46s %8s %7s %11s %7s  %s\n' run seconds 'cpu s' 'bars/s' 'RSS MB' 'output against one process'
printf '%s\n' "${rows[@]}"
echo
echo "speedup on $jobs jobs, wall time against one core:"
echo "  original: $(awk -v a="$one" -v b="$all" 'BEGIN { printf "%.2fx", a / b }') (target 1.8x on 2 cores)"
echo "  original, the file cut beforehand, no engine: $(awk -v a="$one" -v b="$ideal" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }')"
echo "  GNU parallel's own time, its parts to cat: $engine s, $(awk -v a="$one" -v b="$engine" 'BEGIN { printf "%.0f", (a > 0 ? 100 * b / a : 0) }') % of the one-core run"
if [ "$do_rec" = 1 ]; then
	echo "  recommended with SPY: $(awk -v a="$rone" -v b="$rall" 'BEGIN { printf "%.2fx", a / b }')"
fi
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
