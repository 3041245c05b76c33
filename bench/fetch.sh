#!/bin/bash
# fetch.sh - sam-fetch's network path (-s yahoo) on loopback, on real data.
#
# usage: bench/fetch.sh [-t tickers] [-r runs] [-c tickers] [-J] [-K]
#
#   -t N  the first N tickers of all_stocks_5yr.csv only (default: all 505)
#   -r N  runs of each sam-fetch measurement; the median is reported (default 3)
#   -c N  tickers for the curl | jq loop (default 100: the first 100)
#   -J    skip jq: the curl | jq loop and jq alone
#   -K    skip the correctness checks
#
# Reads $SAM_DATA/all_stocks_5yr.csv (default ../shared/data beside the
# repository), writes one Yahoo chart answer per ticker under $TMPDIR
# (default /tmp; removed on exit), serves them with test/httpd.py and
# times sam-fetch -s yahoo against it.  Binaries come from $SAM_BIN
# (default: the repository root, built by make).  See bench/README.md.
set -eu

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
data=${SAM_DATA:-$(dirname "$0")/../../shared/data}
data=$(cd "$data" 2>/dev/null && pwd) || data=${SAM_DATA:-$(dirname "$0")/../../shared/data}
csv=$data/all_stocks_5yr.csv
tickers=0
runs=3
cj=100
do_cmp=1
do_check=1
from=2013-01-01
to=2018-12-31
jobs_list=(1 4 8)
gzip_jobs=8

usage() {
	sed -n '4,10s/^# \{0,1\}//p' "$0"
}

while getopts t:r:c:JKh opt; do
	case $opt in
	t) tickers=$OPTARG ;;
	r) runs=$OPTARG ;;
	c) cj=$OPTARG ;;
	J) do_cmp=0 ;;
	K) do_check=0 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
bench_no_operands "$@"
bench_counts fetch.sh "$tickers" "$runs" "$cj"
if [ "$runs" -lt 1 ]; then
	echo "fetch.sh: -r must be at least 1" >&2
	exit 2
fi

if [ ! -r "$csv" ]; then
	echo "fetch.sh: $csv: not found (set SAM_DATA to the directory of all_stocks_5yr.csv); skipping" >&2
	exit 0
fi
bench_need fetch.sh sam-fetch
# The interpreter itself: a version manager's python3 shim is slow to start.
python=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || python=
if [ -z "$python" ] || ! "$python" -c 'import zoneinfo' 2>/dev/null; then
	echo "fetch.sh: python3 (3.9 or newer, for zoneinfo) is needed" >&2
	exit 2
fi
have_curl=0 have_jq=0
command -v curl >/dev/null 2>&1 && have_curl=1
command -v jq >/dev/null 2>&1 && have_jq=1

export SAM_NOW=2026-11-25T21:00:00Z
export LC_ALL=C
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sam-bench.XXXXXX")
spid=
cleanup() {
	if [ -n "$spid" ]; then
		kill "$spid" 2>/dev/null || true
		wait "$spid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

hz=$(getconf CLK_TCK)

# serve ROUTES: starts test/httpd.py on ROUTES; sets spid, port, url, log.
serve() {
	stop
	bench_serve fetch.sh "$1"
	url=http://127.0.0.1:$port
	: >>"$log"
	# Every URL once, for curl -K.
	while read -r t; do
		printf 'url = "%s/v8/finance/chart/%s?%s"\noutput = "/dev/null"\n' \
		    "$url" "$t" "$path_q"
	done <"$work/watchlist" >"$tmp/curl.cfg"
}

# stop: stops the server started by serve, if any.
stop() {
	if [ -n "$spid" ]; then
		kill "$spid" 2>/dev/null || true
		wait "$spid" 2>/dev/null || true
		spid=
	fi
}

# server_ticks: user + system clock ticks the server has used so far.
server_ticks() {
	awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$spid/stat"
}

# requests: the requests the server has logged so far.
requests() {
	wc -l <"$log"
}

# timed OUT CMD...: runs CMD once, stdout to OUT, stderr to $tmp/err;
# sets secs (wall), cpu (user + system seconds of CMD and its children),
# rss (peak KiB of its largest process), rc, scpu (the server's CPU
# seconds meanwhile) and nreq (requests the server logged meanwhile).
timed() {
	local out=$1 user sys t0 r0
	shift
	t0=$(server_ticks)
	r0=$(requests)
	rc=0
	/usr/bin/time -o "$tmp/time" -f '%e %M %U %S' "$@" >"$out" 2>"$tmp/err" || rc=$?
	# GNU time puts "Command exited with non-zero status N" first.
	read -r secs rss user sys < <(tail -n 1 "$tmp/time")
	cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
	scpu=$(awk -v a="$t0" -v b="$(server_ticks)" -v hz="$hz" \
	    'BEGIN { printf "%.2f", (b - a) / hz }')
	nreq=$(($(requests) - r0))
}

# client CMD...: timed, for a client other than sam-fetch, to /dev/null;
# any exit status but 0 ends the benchmark.
client() {
	timed /dev/null "$@"
	if [ "$rc" != 0 ]; then
		echo "fetch.sh: $1 exited with $rc:" >&2
		tail -n 5 "$tmp/err" >&2
		exit 1
	fi
}

# fetch J: runs sam-fetch -j J against the server $runs times into
# $tmp/sam.ndjson; secs, cpu, scpu, nreq are medians, rss the largest;
# bars, rejected and nulls are the last run's.  An exit status other
# than 0 or 1 ends the benchmark.
fetch() {
	local j=$1 i maxrss=0
	local walls=() cpus=() scpus=() reqs=()
	for ((i = 0; i < runs; i++)); do
		timed "$tmp/sam.ndjson" "$bin/sam-fetch" -s yahoo --base-url "$url" \
		    --rate none --from "$from" --to "$to" -j "$j" -f "$work/watchlist"
		if [ "$rc" -gt 1 ]; then
			echo "fetch.sh: sam-fetch -j $j exited with $rc; its messages:" >&2
			tail -n 20 "$tmp/err" >&2
			exit 1
		fi
		walls+=("$secs")
		cpus+=("$cpu")
		scpus+=("$scpu")
		reqs+=("$nreq")
		[ "$rss" -gt "$maxrss" ] && maxrss=$rss
	done
	secs=$(printf '%s\n' "${walls[@]}" | mid)
	cpu=$(printf '%s\n' "${cpus[@]}" | mid)
	scpu=$(printf '%s\n' "${scpus[@]}" | mid)
	nreq=$(printf '%s\n' "${reqs[@]}" | mid)
	rss=$maxrss
	bars=$(wc -l <"$tmp/sam.ndjson")
	# "sam-fetch: yahoo: T: 2014-05-19T13:30:00Z: low ... is above close ..."
	rejected=$(grep -c '^sam-fetch: yahoo: [^ ]*: [0-9-]*T[0-9:]*Z: ' "$tmp/err" || true)
	# "sam-fetch: warning: yahoo: T: 2 bars with null quotes skipped ..."
	nulls=$(sed -n 's/^sam-fetch: warning: yahoo: [^ ]*: \([0-9]*\) bars\{0,1\} with null quotes skipped.*/\1/p' \
	    "$tmp/err" | awk '{ n += $1 } END { print n + 0 }')
	others=$(grep -v -c -e '^sam-fetch: yahoo: [^ ]*: [0-9-]*T[0-9:]*Z: ' \
	    -e 'with null quotes skipped' "$tmp/err" || true)
	exit_status=$rc
}

rows=()
# row NAME J BARS NOTE: one line of the table from secs, cpu, rss, scpu
# and nreq.
row() {
	rows+=("$(awk -v t="$1" -v j="$2" -v b="$3" -v s="$secs" -v c="$cpu" \
	    -v m="$rss" -v sc="$scpu" -v q="$nreq" -v n="$4" '
	    function commas(x,   s) {
		s = sprintf("%.0f", x)
		while (s ~ /[0-9][0-9][0-9][0-9]/)
			sub(/[0-9][0-9][0-9]([,]|$)/, ",&", s)
		return s
	    }
	    BEGIN {
		printf "%-26s %2s %7.2f %9s %9s %6.0f %6.2f %6s %7.1f %6.2f  %s",
		    t, j, s, (b > 0 ? commas(b) : "-"),
		    (b > 0 && s > 0 ? commas(b / s) : "-"),
		    (s > 0 ? q / s : 0), c, (b > 0 ? sprintf("%.2f", c * 1e6 / b) : "-"),
		    m / 1024, sc, n
	    }')")
}

echo "sam benchmark: sam-fetch -s yahoo over loopback HTTP, on real daily bars"
echo "  binaries:  $bin"
echo "  data:      $csv"
echo "  server:    test/httpd.py ($("$python" -c 'import platform; print("Python", platform.python_version())')), one thread per request, Connection: close"
echo "  load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the start"
echo "  machine:   $(nproc) cores, $(uname -sr), $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo

# 1. The responses.
work=$tmp/http
start=$(date +%s)
"$python" "$here/fetch-gen.py" "$csv" "$work" "$tickers" "$from" "$to"
# tickers rows null_rows null_cells bad_rows expect expect_good bytes
declare -A st
while IFS='=' read -r k v; do
	st[$k]=$v
done <"$work/stats"
echo "made ${st[tickers]} Yahoo chart answers ($((st[bytes] / 1048576)) MiB of JSON, ${st[rows]} CSV rows) in $(($(date +%s) - start)) s"
echo "  empty cells in the CSV, written as null: ${st[null_cells]}, in ${st[null_rows]} rows"
echo "  rows whose low/high do not hold open and close: ${st[bad_rows]} (sam-fetch should reject them)"
echo "  rows in $from .. $to without a null: ${st[expect]}; of them good: ${st[expect_good]}"
echo

# 2. sam-fetch, then the server alone.
# The query sam-fetch sends: midnight New York of --from and of the day after --to.
path_q="interval=1d&period1=$(TZ=America/New_York date -d "$from" +%s)&period2=$(TZ=America/New_York date -d "$to + 1 day" +%s)&includePrePost=false"
serve "$work/plain.routes"
for j in "${jobs_list[@]}"; do
	fetch "$j"
	row "sam-fetch" "$j" "$bars" "median of $runs; exit $exit_status, $rejected bars rejected, $nulls null bars skipped"
	if [ "$j" = "${jobs_list[0]}" ]; then
		first_bars=$bars first_rejected=$rejected first_nulls=$nulls first_others=$others
		cp "$tmp/sam.ndjson" "$tmp/sam-first.ndjson"
		cp "$tmp/err" "$tmp/sam-first.err"
	elif ! cmp -s "$tmp/sam.ndjson" "$tmp/sam-first.ndjson"; then
		echo "fetch.sh: sam-fetch -j $j wrote other bytes than -j ${jobs_list[0]}" >&2
	fi
done

# The server alone: every URL once, by one curl process (or urllib).
if [ "$have_curl" = 1 ]; then
	client curl -s -f -K "$tmp/curl.cfg"
	row "server alone: curl" 1 0 "one curl process, $nreq URLs one after another (client cpu s in 'cpu s')"
	if curl --help all 2>/dev/null | grep -q -e '--parallel-max'; then
		client curl -s -f -Z --parallel-max 8 -K "$tmp/curl.cfg"
		row "server alone: curl -Z" 8 0 "curl --parallel-max 8, $nreq URLs"
	fi
else
	sed -n 's/^url = "\(.*\)"$/\1/p' "$tmp/curl.cfg" >"$tmp/urls"
	client "$python" -c 'import sys, urllib.request
for u in open(sys.argv[1]):
    urllib.request.urlopen(u.strip()).read()' "$tmp/urls"
	row "server alone: urllib" 1 0 "no curl: python urllib, $nreq URLs one after another"
fi

# 3. What people use instead: curl | jq per ticker, and jq alone.
# The same bars as sam-fetch: 09:30 New York is the timestamp already;
# null quotes skipped; low <= open, close <= high.
# shellcheck disable=SC2016  # jq's variables
jqf='.chart.result[0] as $r | $r.indicators.quote[0] as $q
| range(0; $r.timestamp | length) as $i
| ($r.timestamp[$i] | todate) as $ts
| {ticker: $r.meta.symbol, interval: "1d", ts: $ts, date: $ts[0:10],
   open: $q.open[$i], high: $q.high[$i], low: $q.low[$i],
   close: $q.close[$i], volume: $q.volume[$i], source: "yahoo"}
| select(.open != null and .high != null and .low != null
         and .close != null and .volume != null)
| select(.low <= .open and .low <= .close and .high >= .open and .high >= .close)'
jq_same=
if [ "$do_cmp" = 1 ] && [ "$have_jq" = 1 ]; then
	if [ "$have_curl" = 1 ] && [ "$cj" -gt 0 ]; then
		# A curl and a jq per ticker, for the first $cj tickers: the
		# cost is per ticker, and all of them would take minutes.
		head -n "$cj" "$work/watchlist" >"$tmp/cj.list"
		ncj=$(wc -l <"$tmp/cj.list")
		# shellcheck disable=SC2016  # expanded by the inner bash
		timed "$tmp/curljq.ndjson" bash -c 'set -o pipefail
while read -r t; do
	curl -s -f "$1/v8/finance/chart/$t?$2" | jq -c "$3"
done <"$4"' sh "$url" "$path_q" "$jqf" "$tmp/cj.list"
		if [ "$rc" != 0 ]; then
			echo "fetch.sh: the curl | jq loop exited with $rc" >&2
			exit 1
		fi
		note="loop, a curl and a jq per ticker, first $ncj tickers"
		if [ "$ncj" -lt "${st[tickers]}" ]; then
			note="$note (all ${st[tickers]}: ~$(awk -v s="$secs" -v n="$ncj" -v t="${st[tickers]}" \
			    'BEGIN { printf "%.0f", s * t / n }') s)"
		fi
		row "shell: curl | jq" 1 "$(wc -l <"$tmp/curljq.ndjson")" "$note; cpu s: the loop's processes"
	else
		echo "fetch.sh: curl not found: no curl | jq loop" >&2
	fi
	# One jq over every saved answer: jq's own cost, without the 505
	# starts (jq 1.6 takes tens of ms to start) nor HTTP.
	mapfile -t files < <(sed "s|^|$work/body/|; s|\$|.json|" "$work/watchlist")
	timed "$tmp/jq.ndjson" jq -c "$jqf" "${files[@]}"
	row "jq alone (no HTTP)" 1 "$(wc -l <"$tmp/jq.ndjson")" "one jq over the ${#files[@]} saved answers"
	if sort "$tmp/jq.ndjson" | cmp -s - "$tmp/sam-first.ndjson"; then
		jq_same="jq's bars, sorted, are byte for byte sam-fetch's"
	else
		jq_same="jq's bars, sorted, DIFFER from sam-fetch's"
	fi
elif [ "$do_cmp" = 1 ]; then
	echo "fetch.sh: jq not found: no curl | jq or jq comparison" >&2
fi

# The gzip variant.
serve "$work/gzip.routes"
fetch "$gzip_jobs"
row "sam-fetch, gzip answers" "$gzip_jobs" "$bars" "median of $runs; the server gzips each answer as it sends it"
gzip_same=same
cmp -s "$tmp/sam.ndjson" "$tmp/sam-first.ndjson" || gzip_same=DIFFERENT
if [ "$have_curl" = 1 ]; then
	client curl -s -f --compressed -K "$tmp/curl.cfg"
	row "server alone: curl, gzip" 1 0 "one curl process, --compressed, $nreq URLs one after another"
fi
stop

printf '%-26s %2s %7s %9s %9s %6s %6s %6s %7s %6s  %s\n' tool j 'wall s' bars 'bars/s' 'req/s' \
    'cpu s' 'us/bar' 'RSS MiB' 'srv s' note
printf '%s\n' "${rows[@]}"
echo
echo "  wall s: median wall seconds; cpu s: user + system seconds of the client"
echo "  (sam-fetch alone, not the server); us/bar: its CPU microseconds per bar written;"
echo "  RSS MiB: peak RSS of the client; srv s: CPU seconds of test/httpd.py meanwhile."
echo

# 4. Correctness, once.
if [ "$do_check" = 1 ]; then
	echo "correctness (sam-fetch -j ${jobs_list[0]}):"
	verdict=ok
	if [ $((first_bars + first_rejected)) -ne "${st[expect]}" ]; then
		verdict=WRONG
	fi
	echo "  bars written $first_bars + rejected $first_rejected = $((first_bars + first_rejected));" \
	    "CSV rows in range without a null: ${st[expect]}: $verdict"
	verdict=ok
	if [ "$first_rejected" -ne "${st[bad_rows]}" ] || [ "$first_nulls" -ne "${st[null_rows]}" ]; then
		verdict=WRONG
	fi
	echo "  rejected $first_rejected (CSV rows with bad low/high: ${st[bad_rows]})," \
	    "null bars skipped $first_nulls (CSV rows with an empty cell: ${st[null_rows]}): $verdict"
	echo "  other messages on stderr: $first_others"
	echo "  gzip run's bars against the first run's: $gzip_same"
	if [ -n "$jq_same" ]; then
		echo "  $jq_same"
	fi
	n=3
	if [ "${st[tickers]}" -lt 3 ]; then
		n=${st[tickers]}
	fi
	mapfile -t pick < <(shuf -n "$n" "$work/watchlist")
	echo "  closes (and open, high, low, volume) of ${pick[*]} against the CSV, as numbers:"
	"$python" "$here/fetch-gen.py" --check "$csv" "$tmp/sam-first.ndjson" "${pick[@]}" || true
	echo
fi
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
