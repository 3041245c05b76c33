# shellcheck shell=bash
# bench/common.sh - what the benchmark scripts share; sourced first.
# Sets here (bench/), root (the repository) and bin (where the binaries
# are: $SAM_BIN, or the root).

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=test/poll.bash
. "$root/test/poll.bash"
# shellcheck disable=SC2034 # used by the scripts that source this
bin=${SAM_BIN:-$root}

# pin: the command words that put a process on the first core (taskset),
# none where that cannot be done.
# shellcheck disable=SC2034 # used by the scripts that source this
pin=()
# shellcheck disable=SC2034
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
	pin=(taskset -c 0)
fi

# mid: the median of the numbers on standard input, one a line.
mid() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# min A B: the smaller number (A when B is empty: the first of a series).
min() {
	awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a + 0 < b + 0) ? a : b }'
}

# bench_no_operands "$@": the options were all there is (usage() is
# the calling script's).
bench_no_operands() {
	if [ $# -ne 0 ]; then
		usage >&2
		exit 2
	fi
}

# bench_need PROG BINARY...: the binaries are built, and GNU time is
# there to time them; else a message and exit 2.
bench_need() {
	local prog=$1 b
	shift
	for b; do
		if [ ! -x "$bin/$b" ]; then
			echo "$prog: $bin/$b: not found; run make (or set SAM_BIN)" >&2
			exit 2
		fi
	done
	if [ ! -x /usr/bin/time ]; then
		echo "$prog: /usr/bin/time (Debian package time) is needed" >&2
		exit 2
	fi
}

# bench_counts PROG VALUE...: each VALUE is a whole number.
bench_counts() {
	local prog=$1 n
	shift
	for n; do
		case $n in
		'' | *[!0-9]*) echo "$prog: not a number: $n" >&2; exit 2 ;;
		esac
	done
}

# bench_serve PROG ROUTES: starts test/httpd.py (with $python) on
# ROUTES, logging to $tmp/httpd.log; sets spid, port and log, or says
# why not and exits 2.  Stop it with kill "$spid".
# shellcheck disable=SC2154,SC2034 # tmp and python are the caller's; port is for it
bench_serve() {
	local prog=$1 routes=$2
	log=$tmp/httpd.log
	rm -f "$tmp/port" "$tmp/port.tmp" "$log"
	"$python" "$root/test/httpd.py" "$routes" "$log" "$tmp/port" \
	    >/dev/null 2>"$tmp/httpd.err" &
	spid=$!
	if ! poll "$spid" test -s "$tmp/port"; then
		echo "$prog: test/httpd.py did not start:" >&2
		cat "$tmp/httpd.err" >&2
		exit 2
	fi
	port=$(cat "$tmp/port")
}
