#!/bin/bash
# site.sh - sam-serve-static: building the site of a big store, and serving it
# (latency at a fixed rate, throughput) against nginx.
#
# usage: bench/site.sh [-t tickers] [-d days] [-r runs] [-D seconds] [-s seed]
#                      [-q] [-M] [-N] [-K]
#
#   -t N  tickers T0001 ... (default 2000)
#   -d N  trading days of daily bars a ticker (default 250)
#   -r N  runs of each build; the median is reported (default 3)
#   -D N  seconds of each fixed-rate run and of each wrk run (default 20)
#   -s N  mock-source seed (default 1)
#   -q    quick, to try it: -t 200 -d 60 -r 1 -D 3 (options given win)
#   -M    skip the builds on tmpfs (/dev/shm)
#   -N    skip nginx;  -K  skip the cold build (needs root for drop_caches)
#
# Makes the store with the pipeline on the mock source (sam-fetch |
# sam-store put --kind raw --tee | sam-zscore | sam-detect | sam-store put),
# adds run records and dead letters, times sam-serve-static build, then
# serves the site with sam-serve-static serve and nginx on 127.0.0.1 and
# measures them with bench/loadgen.c (compiled here with cc -O2; pinned
# to core 0 and run SCHED_FIFO with chrt when allowed) and wrk.
# Everything lives in a mktemp -d directory under $TMPDIR (default /tmp),
# removed on exit with the servers started here.  Binaries come from
# $SAM_BIN (default: the repository root, built by make).  See
# bench/README.md.
set -eu

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
tickers='' days='' runs='' dur=''
seed=1
quick=0
do_shm=1
do_nginx=1
do_cold=1
end=2026-11-25		# SAM_NOW's New York date: the newest trading day

usage() {
	sed -n '4,15s/^# \{0,1\}//p' "$0"
}

while getopts t:d:r:D:s:qMNKh opt; do
	case $opt in
	t) tickers=$OPTARG ;;
	d) days=$OPTARG ;;
	r) runs=$OPTARG ;;
	D) dur=$OPTARG ;;
	s) seed=$OPTARG ;;
	q) quick=1 ;;
	M) do_shm=0 ;;
	N) do_nginx=0 ;;
	K) do_cold=0 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
bench_no_operands "$@"
if [ "$quick" = 1 ]; then
	: "${tickers:=200}" "${days:=60}" "${runs:=1}" "${dur:=3}"
else
	: "${tickers:=2000}" "${days:=250}" "${runs:=3}" "${dur:=20}"
fi
bench_counts site.sh "$tickers" "$days" "$runs" "$dur" "$seed"
if [ "$tickers" -lt 1 ] || [ "$tickers" -gt 9999 ] || [ "$days" -lt 2 ] ||
    [ "$runs" -lt 1 ] || [ "$dur" -lt 1 ]; then
	echo "site.sh: -t must be 1 to 9999, -d at least 2, -r and -D at least 1" >&2
	exit 2
fi

bench_need site.sh sam-fetch sam-store sam-zscore sam-detect sam-serve-static
for p in cc curl; do
	if ! command -v "$p" >/dev/null 2>&1; then
		echo "site.sh: $p is needed" >&2
		exit 2
	fi
done
have_wrk=1
if ! command -v wrk >/dev/null 2>&1; then
	echo "site.sh: wrk not found (Debian package wrk): no throughput runs" >&2
	have_wrk=0
fi
nginx=$(command -v nginx || ls /usr/sbin/nginx 2>/dev/null || true)
if [ "$do_nginx" = 1 ] && [ -z "$nginx" ]; then
	echo "site.sh: nginx not found (Debian package nginx): no comparison" >&2
	do_nginx=0
fi
shm=/dev/shm
if [ "$do_shm" = 1 ] && { [ "$(stat -f -c %T "$shm" 2>/dev/null)" != tmpfs ] ||
    [ ! -w "$shm" ]; }; then
	echo "site.sh: no writable tmpfs at $shm: no tmpfs builds" >&2
	do_shm=0
fi
drop='sync; echo 3 > /proc/sys/vm/drop_caches'
if [ "$do_cold" = 1 ] && ! sh -c "$drop" 2>/dev/null; then
	do_cold=n/a
fi

# Two cores or more: the servers on core 1, the load generators on core
# 0.  loadgen runs SCHED_FIFO where it may (chrt -f 10): it sleeps between
# sends and answers, and wakes on time even when other processes share
# its core.  The servers and wrk run as ordinary processes.
srv_pin=() gen_pin=() gen_rt=()
pinning="none (one core, or taskset did not work)"
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null 2>&1 &&
    taskset -c 0 true 2>/dev/null && taskset -c 1 true 2>/dev/null; then
	srv_pin=(taskset -c 1) gen_pin=(taskset -c 0)
	pinning="servers on core 1 (taskset -c 1), loadgen and wrk on core 0 (taskset -c 0); builds not pinned"
fi
if command -v chrt >/dev/null 2>&1 && chrt -f 10 true 2>/dev/null; then
	gen_rt=(chrt -f 10)
	pinning="$pinning; loadgen SCHED_FIFO (chrt -f 10)"
fi

export SAM_NOW=${end}T21:00:00Z
export LC_ALL=C
unset SAM_STORE SAM_SITE SAM_THRESHOLD SAM_WINDOW SAM_LOG_FORMAT
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sam-bench.XXXXXX")
chmod 711 "$tmp"	# nginx's worker (nobody, when started as root) goes through it
shmtmp=
spid=
cleanup() {
	if [ -n "$spid" ]; then
		kill "$spid" 2>/dev/null || true
		wait "$spid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
	if [ -n "$shmtmp" ]; then
		rm -rf "$shmtmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
script_start=$(date +%s)
fails=()
fail() {
	echo "site.sh: CHECK FAILED: $*" >&2
	fails+=("$*")
}

pressure() {
	local r
	for r in cpu io; do
		printf '%s %s%%  ' "$r" "$(sed -n 's/^some .*avg60=\([0-9.]*\).*/\1/p' "/proc/pressure/$r" 2>/dev/null)"
	done
}
load1() { cut -d' ' -f1 /proc/loadavg; }

cc -O2 -std=c11 -Wall -Wextra -o "$tmp/loadgen" "$here/loadgen.c"

echo "sam benchmark: sam-serve-static build and serve"
echo "  binary:    $bin/sam-serve-static ($("$bin/sam-serve-static" --version | cut -d' ' -f2)," \
    "sha256 $(sha256sum "$bin/sam-serve-static" | cut -c1-12))"
if [ "$bin" = "$root" ]; then
	echo "  tree:      commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
	    "$(git -C "$root" diff --quiet HEAD -- cmd libz Makefile 2>/dev/null || echo "(with changes to cmd/, libz/ or the Makefile)")"
else
	echo "  tree:      binaries from SAM_BIN; the scripts' tree at commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
fi
echo "  data:      $tickers tickers x $days trading days of daily bars, mock source, --seed $seed, SAM_NOW=$SAM_NOW"
echo "  disk:      $tmp: $(df -T "$tmp" | awk 'NR == 2 { print $2 " on " $1 }'), mounted $(findmnt -n -o OPTIONS -T "$tmp" 2>/dev/null || echo '(unknown)')"
echo "  pinning:   $pinning"
echo "  tools:     $(cc --version | head -n 1); libmicrohttpd $(dpkg-query -W -f '${Version}' libmicrohttpd12 2>/dev/null || echo '?');" \
    "$( [ -n "$nginx" ] && "$nginx" -v 2>&1 | sed 's/.*: //'); $( [ "$have_wrk" = 1 ] && wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2)"
echo "  load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the start; pressure: $(pressure)"
echo "  machine:   $(nproc) cores, $(uname -sr), $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
    "$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
echo

# ---- 1. The store ----
store=$tmp/store
for ((i = 1; i <= tickers; i++)); do
	printf 'T%04d\n' "$i"
done >"$tmp/watchlist"
echo "making the store: sam-fetch --seed $seed --days $days -f watchlist | sam-store put --kind raw --tee |"
echo "  sam-zscore | sam-detect | sam-store put ..."
t0=$(date +%s.%N)
"$bin/sam-fetch" --source mock --seed "$seed" --days "$days" -f "$tmp/watchlist" |
    "$bin/sam-store" -r "$store" put --kind raw --tee | "$bin/sam-zscore" | "$bin/sam-detect" |
    "$bin/sam-store" -r "$store" put >"$tmp/new-anomalies"
st=("${PIPESTATUS[@]}")
gen_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
if [ "${st[*]}" != "0 0 0 0 0" ]; then
	echo "site.sh: the pipeline failed (exit statuses ${st[*]})" >&2
	exit 1
fi

# Run records (two days of hourly runs, the last at 15:30 New York) and
# three dead letters: the health is then "degraded" (dead letters wait;
# the last run is ok; the next slot, 16:30, is not due at 16:00), or
# "ok" when there was no anomaly to make dead letters of (-d 30 or less).
prev=$(date -u -d "$end - 1 day" +%F)
[ "$(date -u -d "$prev" +%u)" -le 5 ] || prev=$(date -u -d "$end - 3 days" +%F)
mkdir -m 750 "$store/runs" "$store/dlq"
run_line() {	# DATE HH:MM
	printf '{"start":"%sT%s:00Z","end":"%sT%s:38Z","status":"ok","stages":{"fetch":0,"store_raw":0,"zscore":0,"detect":0,"store":0,"alert":0},"tickers":%d}\n' \
	    "$1" "$2" "$1" "$2" "$tickers"
}
for h in 14:30 15:30 16:30 17:30 18:30 19:30 20:30 21:30; do
	run_line "$prev" "$h"
done >"$store/runs/$prev.ndjson"
for h in 14:30 15:30 16:30 17:30 18:30 19:30 20:30; do
	run_line "$end" "$h"
done >"$store/runs/$end.ndjson"
cat "$store"/anomalies/*/"$end".ndjson 2>/dev/null | head -n 3 | while IFS= read -r a; do
	id=$(printf '%s' "$a" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
	t=$(printf '%s' "$a" | sed -n 's/^{"ticker":"\([^"]*\)".*/\1/p')
	printf '{"id":"%s","ticker":"%s","to":"slack","error":"HTTP 503 after 3 attempts","attempts":3,"first_attempt":"%sT19:30:41Z","last_attempt":"%sT19:30:44Z","anomaly":%s}\n' \
	    "$id" "$t" "$end" "$end" "$a"
done >"$store/dlq/$end.ndjson"
chmod 640 "$store"/runs/* "$store"/dlq/*

# What the site must show, from the store's files.
raw_files=$(find "$store/raw" -type f -name '*.ndjson' | wc -l)
anom_files=$(find "$store/anomalies" -type f -name '*.ndjson' | wc -l)
anomalies=$(wc -l <"$tmp/new-anomalies")
latest=$(find "$store/raw" "$store/anomalies" -type f -name '*.ndjson' -printf '%f\n' | sort | tail -n 1)
latest=${latest%.ndjson}
from=$(date -u -d "$latest - 29 days" +%F)
cat "$store"/anomalies/*/"$latest".ndjson 2>/dev/null >"$tmp/latest.ndjson" || true
latest_total=$(wc -l <"$tmp/latest.ndjson")
declare -A sev_latest
for s in low medium high critical; do
	sev_latest[$s]=$(grep -c "\"severity\":\"$s\"" "$tmp/latest.ndjson" || true)
done
window_total=$(find "$store/anomalies" -type f -name '*.ndjson' -printf '%p %f\n' |
    awk -v from="$from" 'substr($2, 1, 10) >= from { print $1 }' | xargs -r cat | wc -l)
dlq_depth=$(wc -l <"$store/dlq/$end.ndjson")
health=degraded
[ "$dlq_depth" -gt 0 ] || health=ok
# T0001's chart: every anomaly on its last N bars is marked.
t1_anoms() {	# N: T0001's anomalies on its last N daily bars
	local first
	first=$(find "$store/raw/T0001" -name '*.ndjson' -printf '%f\n' | sort | tail -n "$1" | head -n 1)
	find "$store/anomalies/T0001" -name '*.ndjson' -printf '%p %f\n' 2>/dev/null |
	    awk -v f="$first" '$2 >= f { print $1 }' | xargs -r cat | wc -l
}
t1_marks_250=$(t1_anoms 250)
t1_marks_60=$(t1_anoms 60)
site_files=$((2 * tickers + 10))
store_mib=$(du -sm "$store" | cut -f1)
echo "  made in $gen_s s: $raw_files raw day files ($raw_files bars), $anom_files anomaly day files" \
    "($anomalies anomalies, $((100 * anomalies / raw_files)) % of the bars), $store_mib MiB on disk"
echo "  $latest: $latest_total anomalies (low ${sev_latest[low]}, medium ${sev_latest[medium]}," \
    "high ${sev_latest[high]}, critical ${sev_latest[critical]}); $from .. $latest: $window_total"
echo "  runs/: $(cat "$store"/runs/*.ndjson | wc -l) run records ($prev, $latest); dlq/: $dlq_depth dead letters"
echo

# ---- 2. Builds ----
# timed_build ROOT OUT [OPTION...]: one build under GNU time; sets secs,
# user, sys, cpu, rss (KiB), rd and wr (MiB read from / written to the
# disk: rusage's blocks in and out).  A failed build ends the benchmark.
timed_build() {
	local r=$1 out=$2 rc=0 in ob
	shift 2
	/usr/bin/time -o "$tmp/time" -f '%e %M %U %S %I %O' "$bin/sam-serve-static" build \
	    -r "$r" -o "$out" "$@" >/dev/null 2>"$tmp/build.err" || rc=$?
	if [ "$rc" != 0 ]; then
		echo "site.sh: sam-serve-static build -r $r -o $out $* exited with $rc:" >&2
		tail -n 5 "$tmp/build.err" >&2
		fails+=("build exited with $rc")
		exit 1
	fi
	read -r secs rss user sys in ob < <(tail -n 1 "$tmp/time")
	cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
	rd=$(awk -v b="$in" 'BEGIN { printf "%.1f", b * 512 / 1048576 }')
	wr=$(awk -v b="$ob" 'BEGIN { printf "%.1f", b * 512 / 1048576 }')
}

# site_size DIR: sets files and bytes (of the regular files under DIR).
site_size() {
	read -r files bytes < <(find "$1" -type f -printf '%s\n' | awk '{ n++; b += $1 } END { print n + 0, b + 0 }')
}

declare -A rowtxt
# build_case KEY NAME MODE ROOT OUT N [OPTION...]: N timed builds; MODE new:
# into OUT-1 ... OUT-N (new directories; all but the first removed after
# their run), same: into OUT each time.  rowtxt[KEY] gets the medians
# (RSS: the largest).
build_case() {
	local key=$1 name=$2 mode=$3 r=$4 out=$5 n=$6 i o note
	local walls=() users=() syss=() cpus=() rds=() wrs=() maxrss=0
	shift 6
	for ((i = 1; i <= n; i++)); do
		o=$out
		[ "$mode" = new ] && o=$out-$i
		timed_build "$r" "$o" "$@"
		walls+=("$secs") users+=("$user") syss+=("$sys") cpus+=("$cpu") rds+=("$rd") wrs+=("$wr")
		[ "$rss" -gt "$maxrss" ] && maxrss=$rss
		site_size "$o"
		if [ "$mode" = new ] && [ "$i" -gt 1 ]; then
			rm -rf "$o"
		fi
	done
	note="median of $n"
	[ "$n" = 1 ] && note="one run"
	rowtxt[$key]=$(printf '%-44s %7.2f %6.2f %6.2f %6.2f %7.1f %7.1f %7.1f %6d %8.1f  %s' "$name" \
	    "$(printf '%s\n' "${walls[@]}" | mid)" "$(printf '%s\n' "${users[@]}" | mid)" \
	    "$(printf '%s\n' "${syss[@]}" | mid)" "$(printf '%s\n' "${cpus[@]}" | mid)" \
	    "$(awk -v k="$maxrss" 'BEGIN { printf "%.1f", k / 1024 }')" \
	    "$(printf '%s\n' "${rds[@]}" | mid)" "$(printf '%s\n' "${wrs[@]}" | mid)" \
	    "$files" "$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')" "$note; $*")
	rowtxt[$key]=${rowtxt[$key]%; }
}

# check_site DIR BARS: what the site says against the store.
check_site() {
	local d=$1 bars=$2 h v s want
	site_size "$d"
	[ "$files" = "$site_files" ] || fail "$d: $files files, expected $site_files"
	# the last run record (which has a "status" too) left out
	h=$(sed 's/"last_run":{.*},"last_run_age_s"/"last_run":{},"last_run_age_s"/' "$d/health.json")
	for kv in "status \"$health\"" "tickers $tickers" "latest_date \"$latest\"" \
	    "latest_total $latest_total" "window_total $window_total" "dlq_depth $dlq_depth"; do
		read -r s want <<<"$kv"
		v=$(printf '%s' "$h" | sed -n "s/.*[{,]\"$s\":\(\"[^\"]*\"\|[0-9]*\)[,}].*/\1/p")
		[ "$v" = "$want" ] || fail "$d/health.json: $s is $v, expected $want"
	done
	for s in low medium high critical; do
		v=$(printf '%s' "$h" | sed -n "s/.*\"latest\":{[^}]*\"$s\":\([0-9]*\).*/\1/p")
		[ "$v" = "${sev_latest[$s]}" ] || fail "$d/health.json: latest $s is $v, expected ${sev_latest[$s]}"
	done
	v=$(sed -n 's/.*"count":\([0-9]*\).*/\1/p' "$d/anomalies.json" | head -n 1)
	[ "$v" = "$latest_total" ] || fail "$d/anomalies.json: count $v, expected $latest_total"
	v=$(grep -c '<circle class="marker' "$d/ticker/T0001.html" || true)
	want=$t1_marks_250
	[ "$bars" = 60 ] && want=$t1_marks_60
	[ "$v" = "$want" ] || fail "$d/ticker/T0001.html: $v markers, expected $want"
}

# builds WHERE ROOT DIR LABEL: the build cases with the store ROOT, the
# sites under DIR.
builds() {
	local where=$1 r=$2 dir=$3 label=$4 p
	mkdir -p "$dir"
	# an untimed build first: the store's pages read once (the first
	# read after the put also writes the files' access times)
	timed_build "$r" "$dir/warm-up"
	rm -rf "$dir/warm-up" "$dir/.warm-up.prev"
	build_case "$where new" "build into a new directory$label" new "$r" "$dir/new" "$runs"
	build_case "$where second" "second build: swap in, keep .prev$label" same "$r" "$dir/new-1" 1
	build_case "$where later" "later builds: drop .prev, swap in$label" same "$r" "$dir/new-1" "$runs"
	build_case "$where c60" "build --chart-bars 60, new directory$label" new "$r" "$dir/c60" "$runs" --chart-bars 60
	for p in "$dir"/.new-1.new-*; do
		[ -e "$p" ] && fail "$p left behind"
	done
	[ -d "$dir/.new-1.prev" ] || fail "$dir/.new-1.prev: the site before was not kept"
	check_site "$dir/new-1" 250
	check_site "$dir/c60-1" 60
}

echo "builds ($runs runs each) ..."
sites=$tmp/sites
t0=$(date +%s)
builds disk "$store" "$sites/disk" ""
if [ "$do_cold" = 1 ]; then
	sh -c "$drop"
	build_case "disk cold" "cold: after drop_caches, new directory" new "$store" "$sites/disk/cold" 1
	if ! diff -rq "$sites/disk/new-1" "$sites/disk/cold-1" >"$tmp/diff" 2>&1; then
		fail "two builds of the same store differ: $(head -n 3 "$tmp/diff")"
	fi
	rm -rf "$sites/disk/cold-1"
fi
echo "  on disk: $(($(date +%s) - t0)) s"
if [ "$do_shm" = 1 ]; then
	need=$(du -sk "$store" | cut -f1)
	avail=$(df -k --output=avail "$shm" | tail -n 1)
	if [ "$avail" -lt $((need * 2)) ]; then
		echo "  no tmpfs builds: $shm has $((avail / 1024)) MiB free, the store needs about $((need / 1024))"
		do_shm=0
	fi
fi
if [ "$do_shm" = 1 ]; then
	shmtmp=$(mktemp -d "$shm/sam-bench.XXXXXX")
	t0=$(date +%s)
	cp -a "$store" "$shmtmp/store"
	echo "  store copied to tmpfs in $(($(date +%s) - t0)) s"
	t0=$(date +%s)
	builds tmpfs "$shmtmp/store" "$shmtmp/sites" " (tmpfs)"
	if ! diff -rq "$sites/disk/new-1" "$shmtmp/sites/new-1" >"$tmp/diff" 2>&1; then
		fail "the site built on tmpfs differs from the one on disk: $(head -n 3 "$tmp/diff")"
	fi
	rm -rf "$shmtmp"
	shmtmp=
	echo "  on tmpfs: $(($(date +%s) - t0)) s"
fi
echo

site=$sites/disk/new-1
# The same store twice gives the same site, byte for byte (SAM_NOW fixed).
if [ "$runs" -ge 1 ] && [ -d "$sites/disk/c60-1" ]; then
	# --chart-bars changes the ticker pages only
	if ! diff -rq -x ticker "$site" "$sites/disk/c60-1" >"$tmp/diff" 2>&1; then
		fail "--chart-bars 60 changed more than the ticker pages: $(head -n 3 "$tmp/diff")"
	fi
fi
sz() { stat -c %s "$1"; }
kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }
tsum() { find "$1" -type f -printf '%s\n' | awk '{ b += $1 } END { print b + 0 }'; }
tp=$(tsum "$site/ticker") ta=$(tsum "$site/anomalies")
tp60=$(tsum "$sites/disk/c60-1/ticker")
echo "builds: $tickers tickers x $days days; store: $raw_files + $anom_files day files; SAM_NOW=$SAM_NOW"
printf '%-44s %7s %6s %6s %6s %7s %7s %7s %6s %8s  %s\n' case 'wall s' user sys 'cpu s' 'RSS MiB' \
    'MiB rd' 'MiB wr' files 'site MiB' note
for where in disk tmpfs; do
	for c in new second later c60 cold; do
		if [ -n "${rowtxt[$where $c]:-}" ]; then
			printf '%s\n' "${rowtxt[$where $c]}"
		fi
	done
done
echo "  MiB rd / wr: read from and written to the disk by the build (rusage blocks in / out);"
echo "  before each set of runs an untimed build reads the store once (warm page cache)."
echo "  the site: index.html $(kib "$(sz "$site/index.html")"), anomalies.json $(kib "$(sz "$site/anomalies.json")")," \
    "health.json $(sz "$site/health.json") B; $tickers ticker pages $(kib $((tp / tickers))) each" \
    "($(kib $((tp60 / tickers))) with --chart-bars 60), $tickers anomalies/TICKER.json $(kib $((ta / tickers))) each on average"
echo

# ---- 3. Serving ----
# The routes, each class as often: "CLASS PATH FILE".
{
	echo "/ / $site/index.html"
	echo "/health /health $site/health.json"
	echo "/anomalies /anomalies $site/anomalies.json"
	for f in "$site"/ticker/*.html; do
		t=$(basename "$f" .html)
		echo "/anomalies/TICKER /anomalies/$t $site/anomalies/$t.json"
		echo "/ticker/TICKER /ticker/$t $f"
	done
} >"$tmp/urls"
# For the byte-for-byte check: the fixed routes and 10 tickers.
{
	echo "/ $site/index.html"
	echo "/health $site/health.json"
	echo "/anomalies $site/anomalies.json"
	echo "/style.css $site/style.css"
	echo "/app.js $site/app.js"
	awk -v seed="$seed" '$1 == "/ticker/TICKER" { t[n++] = $2 } END {
	    srand(seed); for (i = 0; i < 10 && i < n; i++) { p = t[int(rand() * n)]; sub(/^\/ticker\//, "", p); print p } }' "$tmp/urls" |
	    while read -r t; do
		echo "/ticker/$t $site/ticker/$t.html"
		echo "/anomalies/$t $site/anomalies/$t.json"
	    done
} >"$tmp/checks"
# Only the API's own routes (sam-serve-static; share/nginx/sam.conf).
cat >"$tmp/checks-api" <<EOF
/anomalies?severity=high $site/anomalies/severity/high.json
/anomalies/severity/critical $site/anomalies/severity/critical.json
EOF

cat >"$tmp/mix.lua" <<'EOF'
-- The route mix of bench/site.sh for wrk: a class at random, then one
-- of its paths; 20,000 requests made in advance and sent in turn.
local reqs, n, i = {}, 0, 0
function init(args)
  local classes, order = {}, {}
  for line in io.lines(args[1]) do
    local c, p = line:match("^(%S+)%s+(%S+)")
    if c then
      if not classes[c] then classes[c] = {}; order[#order + 1] = c end
      table.insert(classes[c], p)
    end
  end
  math.randomseed(tonumber(args[2] or "1"))
  for k = 1, 20000 do
    local ps = classes[order[math.random(#order)]]
    reqs[k] = wrk.format("GET", ps[math.random(#ps)])
  end
  n = #reqs
end
function request()
  i = i % n + 1
  return reqs[i]
end
EOF

# nginx: one worker, as sam-serve-static has one thread; the same routes
# and headers; no throttle, no access log, no open-file cache.
ngx=$tmp/nginx
mkdir -p "$ngx/tmp"
ngx_head() {	# LOG: the main context, the events and the start of http
	cat <<EOF
worker_processes 1;
daemon off;
pid $ngx/nginx.pid;
error_log $ngx/error.log warn;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $1;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    server_tokens off;
    client_body_temp_path $ngx/tmp/body;
    proxy_temp_path $ngx/tmp/proxy;
    fastcgi_temp_path $ngx/tmp/fastcgi;
    uwsgi_temp_path $ngx/tmp/uwsgi;
    scgi_temp_path $ngx/tmp/scgi;
EOF
}
write_nginx_min() {	# PORT
	{
		ngx_head off
		cat <<EOF
    server {
        listen 127.0.0.1:$1;
        root $site;
        add_header Cache-Control "public, max-age=300";
        add_header X-Content-Type-Options nosniff;
        add_header Referrer-Policy no-referrer;
        add_header X-Frame-Options DENY;
        add_header Content-Security-Policy "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        location = / { try_files /index.html =404; }
        location = /health { default_type application/json; try_files /health.json =404; }
        location / { try_files \$uri \$uri.json \$uri.html =404; }
    }
}
EOF
	} >"$ngx/min.conf"
}
# share/nginx/sam.conf, where it exists: root and listen substituted; a
# server block (or more) goes into the http block above, a whole
# configuration is used as it is, less its pid and daemon lines.  With
# FREE set, less its limit_req lines: no throttle.
samconf=$root/share/nginx/sam.conf
write_nginx_sam() {	# PORT CONF LOG FREE
	local body drop='^$'
	[ "$4" = 1 ] && drop='^[[:space:]]*limit_req[[:space:]]'
	body=$(sed -e "s|^\([[:space:]]*root[[:space:]]\)[^;]*;|\1$site;|" \
	    -e "s|^\([[:space:]]*listen[[:space:]]\)[^;]*;|\1127.0.0.1:$1;|" "$samconf" | grep -v "$drop")
	if printf '%s\n' "$body" | grep -q '^[[:space:]]*http[[:space:]]*{'; then
		{
			echo "daemon off;"
			echo "pid $ngx/nginx.pid;"
			printf '%s\n' "$body" | grep -v '^[[:space:]]*\(pid\|daemon\)[[:space:]]'
		} >"$2"
	else
		{ ngx_head "$3"; printf '%s\n' "$body"; echo "}"; } >"$2"
	fi
}

servers=(sam-fast sam-default)
declare -A label throttled api
label[sam-fast]="sam-serve-static --rate 0 --quiet"
label[sam-default]="sam-serve-static, throttle, log"
throttled[sam-fast]=0 throttled[sam-default]=1
api[sam-fast]=1 api[sam-default]=1
samconf_note=
if [ "$do_nginx" = 1 ]; then
	servers+=(nginx)
	label[nginx]="nginx, minimal config"
	throttled[nginx]=0 api[nginx]=0
	if [ -f "$samconf" ]; then
		write_nginx_sam 8080 "$ngx/sam.conf" /dev/null 0
		if "$nginx" -t -q -p "$ngx/" -c "$ngx/sam.conf" -e "$ngx/error.log" 2>"$tmp/nginx-t"; then
			servers+=(nginx-sam)
			samconf_note="share/nginx/sam.conf: sha256 $(sha256sum "$samconf" | cut -c1-12)$(git -C "$root" diff --quiet HEAD -- "$samconf" 2>/dev/null &&
			    git -C "$root" ls-files --error-unmatch "$samconf" >/dev/null 2>&1 || echo ", not as committed"); root and listen substituted"
			api[nginx-sam]=1 throttled[nginx-sam]=0
			label[nginx-sam]="nginx, sam.conf, log"
			if grep -q '^[[:space:]]*limit_req[[:space:]]' "$samconf"; then
				throttled[nginx-sam]=1
				label[nginx-sam]="nginx, sam.conf (throttle), log"
				servers+=(nginx-sam-free)
				label[nginx-sam-free]="nginx, sam.conf less limit_req"
				api[nginx-sam-free]=1 throttled[nginx-sam-free]=0
			fi
		else
			samconf_note="share/nginx/sam.conf: nginx -t failed with root and listen substituted: $(head -n 2 "$tmp/nginx-t" | tr '\n' ' ')"
			echo "site.sh: $samconf_note" >&2
		fi
	else
		samconf_note="share/nginx/sam.conf: not in the tree; nginx ran the minimal configuration only"
	fi
fi

# start_server KEY: sets spid and port, and waits until /health answers.
start_server() {
	local key=$1
	port=$("$tmp/loadgen" -F)
	case $key in
	sam-fast)
		"${srv_pin[@]}" "$bin/sam-serve-static" serve -d "$site" -l "127.0.0.1:$port" \
		    --rate 0 --quiet 2>"$tmp/server.err" &
		;;
	sam-default)	# the access log to /dev/null
		"${srv_pin[@]}" "$bin/sam-serve-static" serve -d "$site" -l "127.0.0.1:$port" \
		    2>/dev/null &
		;;
	nginx)
		write_nginx_min "$port"
		"${srv_pin[@]}" "$nginx" -p "$ngx/" -c "$ngx/min.conf" -e "$ngx/error.log" 2>"$tmp/server.err" &
		;;
	nginx-sam)	# as sam-serve-static's default: throttle, access log to /dev/null
		write_nginx_sam "$port" "$ngx/sam.conf" /dev/null 0
		"${srv_pin[@]}" "$nginx" -p "$ngx/" -c "$ngx/sam.conf" -e "$ngx/error.log" 2>"$tmp/server.err" &
		;;
	nginx-sam-free)	# as --rate 0 --quiet
		write_nginx_sam "$port" "$ngx/sam-free.conf" off 1
		"${srv_pin[@]}" "$nginx" -p "$ngx/" -c "$ngx/sam-free.conf" -e "$ngx/error.log" 2>"$tmp/server.err" &
		;;
	esac
	spid=$!
	poll "$spid" curl -s -o /dev/null "http://127.0.0.1:$port/health" && return 0
	echo "site.sh: ${label[$key]} did not start:" >&2
	cat "$tmp/server.err" "$ngx/error.log" 2>/dev/null | tail -n 5 >&2
	exit 1
}
stop_server() {
	local rc=0
	kill -TERM "$spid" 2>/dev/null || true
	wait "$spid" || rc=$?
	spid=
	[ "$rc" = 0 ] || fail "the server exited with $rc after SIGTERM"
}
# The server's processes: its pid and its children (nginx's worker).
srv_pids() {
	echo "$spid"
	awk -v pp="$spid" '{ sub(/.*\) /, ""); if ($2 == pp) { f = FILENAME; gsub(/[^0-9]/, "", f); print f } }' \
	    /proc/[0-9]*/stat 2>/dev/null || true
}
srv_ticks() {	# user + system clock ticks of the server's processes
	local p s=0
	for p in $(srv_pids); do
		s=$((s + $(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$s"
}
srv_rss() {	# the largest peak RSS of its processes, MiB
	local p m=0 v
	for p in $(srv_pids); do
		v=$(awk '/^VmHWM/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
		[ "${v:-0}" -gt "$m" ] && m=$v
	done
	awk -v k="$m" 'BEGIN { printf "%.1f", k / 1024 }'
}
# check_served KEY: the answers are the files, byte for byte.
check_served() {
	local key=$1 path file code n=0
	{ cat "$tmp/checks"; [ "${api[$key]}" = 1 ] && cat "$tmp/checks-api"; } >"$tmp/checks-now"
	while read -r path file; do
		code=$(curl -s -o "$tmp/body" -w '%{http_code}' "http://127.0.0.1:$port$path")
		if [ "$code" != 200 ] || ! cmp -s "$tmp/body" "$file"; then
			fail "${label[$key]}: GET $path: status $code, body $(wc -c <"$tmp/body") bytes, not the file ${file#"$tmp"/}"
		fi
		n=$((n + 1))
	done <"$tmp/checks-now"
	if [ "${api[$key]}" = 1 ]; then
		for path in /.sam-site /nope /ticker/NOPE /anomalies/..%2fhealth; do
			code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")
			[ "$code" = 404 ] || fail "${label[$key]}: GET $path: status $code, expected 404"
			n=$((n + 1))
		done
	fi
	checked[$key]=$n
}
warm_site() {	# the site's pages in the page cache
	find "$site" -type f -exec cat {} + >/dev/null
}
to_ms() {	# wrk's 1.41ms, 526.45us, 1.02s
	awk -v x="$1" 'BEGIN { v = x + 0
	    if (x ~ /us$/) v /= 1000; else if (x ~ /ms$/) v += 0; else if (x ~ /m$/) v *= 60000;
	    else if (x ~ /s$/) v *= 1000; printf "%.2f", v }'
}

declare -A lrow wrow crow checked p99
chead=
rates=(100 1000)
echo "serving the site on 127.0.0.1 (the disk's; its files read once before each run) ..."
t0=$(date +%s)
for key in "${servers[@]}"; do
	for phase in "${rates[@]}" wrk; do
		[ "$phase" = wrk ] && [ "$have_wrk" = 0 ] && continue
		warm_site
		start_server "$key"
		[ -n "${checked[$key]:-}" ] || check_served "$key"
		ld=$(load1)
		c0=$(srv_ticks)
		w0=$(date +%s.%N)
		if [ "$phase" != wrk ]; then
			"${gen_rt[@]}" "${gen_pin[@]}" "$tmp/loadgen" -p "$port" -r "$phase" -d "$dur" -w 1 \
			    -s "$seed" "$tmp/urls" >"$tmp/lg.out" 2>"$tmp/lg.err" ||
			    { cat "$tmp/lg.err" >&2; fail "${label[$key]}: loadgen at $phase req/s failed"; }
		else
			"${gen_pin[@]}" wrk -t1 -c50 -d"${dur}s" --latency -s "$tmp/mix.lua" \
			    "http://127.0.0.1:$port/" -- "$tmp/urls" "$seed" >"$tmp/wrk.out" 2>&1 ||
			    fail "${label[$key]}: wrk failed: $(tail -n 2 "$tmp/wrk.out")"
		fi
		c1=$(srv_ticks)
		w1=$(date +%s.%N)
		rss=$(srv_rss)
		stop_server
		pct=$(awk -v a="$c0" -v b="$c1" -v t="$(getconf CLK_TCK)" -v x="$w0" -v y="$w1" \
		    'BEGIN { printf "%.0f", 100 * (b - a) / t / (y - x) }')
		if [ "$phase" != wrk ]; then
			declare -A r=()
			read -ra kvs < <(head -n 1 "$tmp/lg.out")
			for kv in "${kvs[@]}"; do
				r[${kv%%=*}]=${kv#*=}
			done
			bad=$((r[errors] + r[unfinished] + r[badbody] + r[s4xx] + r[s5xx]))
			if [ "${throttled[$key]}" = 1 ]; then
				bad=$((r[errors] + r[unfinished] + r[badbody] + r[s4xx]))	# 429 and 503 expected
			elif [ "${r[s429]}" != 0 ]; then
				bad=$((bad + r[s429]))
			fi
			[ "$bad" = 0 ] || fail "${label[$key]} at $phase req/s: errors ${r[errors]}," \
			    "unfinished ${r[unfinished]}, bad bodies ${r[badbody]}, 4xx ${r[s4xx]}, 5xx ${r[s5xx]}, 429 ${r[s429]}"
			lrow[$key $phase]=$(printf '%-34s %5s %6s %6s %5s %4s %6.2f %6.2f %6.2f %7.2f %7.2f %6s %4s%% %6.1f %5.2f %5s' \
			    "${label[$key]}" "$phase" "${r[measured]}" "$((r[s2xx] + r[s3xx]))" "${r[s429]}" \
			    "$((r[errors] + r[unfinished] + r[badbody] + r[s4xx] + r[s5xx]))" \
			    "${r[p50]}" "${r[p90]}" "${r[p99]}" "${r[p999]}" "${r[max]}" "${r[conns]}" "$pct" "$rss" \
			    "${r[lag_p99]}" "$ld")
			p99[$key $phase]=${r[p99]}
			crow[$key $phase]=$(awk -v l="${label[$key]}" -v rate="$phase" '
			    NR > 1 { split($0, f, " "); c = substr(f[1], 7)
				for (i = 2; i in f; i++) { split(f[i], kv, "="); v[kv[1]] = kv[2] }
				s = s sprintf(" %13s", sprintf("%.2f/%.2f", v["p50"], v["p99"])) }
			    END { printf "%-34s %5s%s", l, rate, s }' "$tmp/lg.out")
			[ -n "${chead:-}" ] || chead=$(awk 'NR > 1 { split($1, f, "="); printf " %13s", f[2] }' "$tmp/lg.out")
			unset r
		else
			w_rps=$(awk '/^Requests\/sec:/ { print $2 }' "$tmp/wrk.out")
			w_tr=$(awk '/^Transfer\/sec:/ { print $2 }' "$tmp/wrk.out")
			w_n=$(awk '/ requests in / { print $1 }' "$tmp/wrk.out")
			w_non2=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$tmp/wrk.out")
			w_sock=$(sed -n 's/.*Socket errors: //p' "$tmp/wrk.out")
			w_max=$(awk '$1 == "Latency" && NF >= 4 { print $4; exit }' "$tmp/wrk.out")
			declare -A wl=()
			while read -r pc v; do
				wl[$pc]=$(to_ms "$v")
			done < <(awk '/Latency Distribution/ { on = 1; next } on && $1 ~ /%$/ { print $1, $2 } on && $1 !~ /%$/ { on = 0 }' "$tmp/wrk.out")
			: "${w_non2:=0}"
			if [ "${throttled[$key]}" = 0 ] && [ "$w_non2" != 0 ]; then
				fail "${label[$key]}: wrk: $w_non2 answers not 2xx or 3xx"
			fi
			wrow[$key]=$(printf '%-34s %9s %9s %9s %6s %6s %6s %6s %8s %4s%% %6.1f  %s' "${label[$key]}" \
			    "$w_rps" "$w_tr" "$w_n" "${wl[50%]:-}" "${wl[90%]:-}" "${wl[99%]:-}" "$(to_ms "${w_max:-0}")" \
			    "$w_non2" "$pct" "$rss" "${w_sock:+socket errors: $w_sock}")
			unset wl
		fi
	done
	echo "  ${label[$key]}: done ($(($(date +%s) - t0)) s so far)"
done
echo

echo "fixed rate: bench/loadgen.c, open loop (request i sent at t0 + i / rate; latency from that"
echo "time to the answer's last byte), keep-alive connections opened as needed, 1 s of warm-up"
echo "then $dur s measured; the routes$(printf '%s' "${chead:-}" | tr -s ' ' | sed 's/^ / /; s/ \([^ ]\)/, \1/g; s/^,//') each a fifth of"
echo "the requests, random tickers"
printf '%-34s %5s %6s %6s %5s %4s %6s %6s %6s %7s %7s %6s %5s %6s %5s %5s\n' server 'req/s' reqs \
    2xx/3xx 429 err p50 p90 p99 p99.9 max conns 'cpu' 'RSS' 'lag' load
for key in "${servers[@]}"; do
	for rate in "${rates[@]}"; do
		[ -n "${lrow[$key $rate]:-}" ] && printf '%s\n' "${lrow[$key $rate]}"
	done
done
echo "  reqs: requests measured (the warm-up's not counted); latencies in ms; err: connection errors,"
echo "  unanswered, bodies not the file's (warm-up included), other 4xx/5xx;"
echo "  conns: connections opened (keep-alive: a new one only when all are busy);"
echo "  cpu: the server's user + system time over the run's wall time (of one core); RSS: its peak, MiB;"
echo "  lag: the generator's p99 delay in sending (ms), its own overhead; load: 1-min load average before."
echo
echo "by route, p50/p99 ms:"
printf '%-34s %5s%s\n' server 'req/s' "${chead:-}"
for key in "${servers[@]}"; do
	for rate in "${rates[@]}"; do
		[ -n "${crow[$key $rate]:-}" ] && printf '%s\n' "${crow[$key $rate]}"
	done
done
echo
if [ "$have_wrk" = 1 ]; then
	echo "max throughput: wrk -t1 -c50 -d${dur}s --latency, the same route mix (closed loop: its latencies"
	echo "are those of 50 connections kept busy, not of a fixed rate)"
	printf '%-34s %9s %9s %9s %6s %6s %6s %6s %8s %5s %6s\n' server 'req/s' 'bytes/s' requests p50 p90 p99 max \
	    'non-2xx' cpu RSS
	for key in "${servers[@]}"; do
		[ -n "${wrow[$key]:-}" ] && printf '%s\n' "${wrow[$key]}"
	done
	echo
fi
for key in "${servers[@]}"; do
	echo "  ${label[$key]}: ${checked[$key]:-0} routes checked with curl before its runs (bodies byte for byte," \
	    "$( [ "${api[$key]}" = 1 ] && echo "severity routes, 404s)" || echo "no severity query or 404 checks: a minimal config)")"
done
[ -n "$samconf_note" ] && echo "  $samconf_note"
echo

echo "targets (the original cloud design: 354 ms cached, 1,064 ms uncached):"
for key in "${servers[@]}"; do
	for rate in "${rates[@]}"; do
		v=${p99[$key $rate]:-}
		[ -n "$v" ] || continue
		printf '  p99 < 5 ms, %-34s at %4s req/s: %7s ms, %s\n' "${label[$key]}" "$rate" "$v" \
		    "$(awk -v v="$v" 'BEGIN { print (v < 5 ? "met" : "MISSED") }')"
	done
done
echo

echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg); pressure: $(pressure)"
n=$(find "$tmp" -type f | wc -l)
echo "removing $n files under $tmp ..."
t0=$(date +%s)
rm -rf "$tmp/store" "$tmp/sites"
echo "removed in $(($(date +%s) - t0)) s; whole run $(($(date +%s) - script_start)) s"
if [ ${#fails[@]} -gt 0 ]; then
	echo
	echo "${#fails[@]} check(s) FAILED:"
	printf '  %s\n' "${fails[@]}"
	exit 1
fi
