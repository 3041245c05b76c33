#!/bin/bash
# store.sh - sam-store put and get on a real disk: records/s, files written.
#
# usage: bench/store.sh [-t tickers] [-d days] [-g days] [-r runs] [-w runs]
#                       [-s seed] [-S] [-M] [-C] [-K]
#
#   -t N  tickers T0001 ... (default 2000)
#   -d N  trading days of bars for the puts (default 30)
#   -g N  trading days of anomalies in the store for get (default 250)
#   -r N  runs of each put; the median is reported (default 3)
#   -w N  hyperfine runs of each warm get (default 20)
#   -s N  generator seed (default 1)
#   -S    sparse anomaly store: every ticker on the last day, 10 % of the rest
#   -M    skip the same puts on tmpfs (/dev/shm)
#   -C    skip the strace count of renames;  -K  skip the cold-cache gets
#
# Generates NDJSON bars and anomalies with bench/store-gen.py into a
# mktemp -d directory under $TMPDIR (default /tmp), which also holds the
# stores, and removes it on exit.  Binaries come from $SAM_BIN (default:
# the repository root, built by make).  See bench/README.md.
set -eu

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
tickers=2000
days=30
gdays=250
runs=3
wruns=20
seed=1
sparse=0
do_shm=1
do_strace=1
do_cold=1
end=2026-11-25		# the last trading day: SAM_NOW's New York date

usage() {
	sed -n '4,15s/^# \{0,1\}//p' "$0"
}

while getopts t:d:g:r:w:s:SMCKh opt; do
	case $opt in
	t) tickers=$OPTARG ;;
	d) days=$OPTARG ;;
	g) gdays=$OPTARG ;;
	r) runs=$OPTARG ;;
	w) wruns=$OPTARG ;;
	s) seed=$OPTARG ;;
	S) sparse=1 ;;
	M) do_shm=0 ;;
	C) do_strace=0 ;;
	K) do_cold=0 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
bench_no_operands "$@"
bench_counts store.sh "$tickers" "$days" "$gdays" "$runs" "$wruns" "$seed"
if [ "$tickers" -lt 1 ] || [ "$tickers" -gt 9999 ] || [ "$days" -lt 1 ] ||
    [ "$gdays" -lt 1 ] || [ "$runs" -lt 1 ] || [ "$wruns" -lt 2 ]; then
	echo "store.sh: -t must be 1 to 9999, -d, -g and -r at least 1, -w at least 2" >&2
	exit 2
fi

bench_need store.sh sam-store
if ! command -v hyperfine >/dev/null 2>&1; then
	echo "store.sh: hyperfine is needed (share/deps.sh --bench)" >&2
	exit 2
fi
# The interpreter itself: a version manager's python3 shim is slow to start.
python=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || python=
if [ -z "$python" ] || ! "$python" -c 'import zoneinfo' 2>/dev/null; then
	echo "store.sh: python3 (3.9 or newer, for zoneinfo) is needed" >&2
	exit 2
fi
if [ "$do_strace" = 1 ] && ! command -v strace >/dev/null 2>&1; then
	echo "store.sh: strace not found: renames not counted with it" >&2
	do_strace=0
fi
shm=/dev/shm
if [ "$do_shm" = 1 ] && { [ "$(stat -f -c %T "$shm" 2>/dev/null)" != tmpfs ] ||
    [ ! -w "$shm" ]; }; then
	echo "store.sh: no writable tmpfs at $shm: no tmpfs comparison" >&2
	do_shm=0
fi

export SAM_NOW=${end}T21:00:00Z
export LC_ALL=C
unset SAM_STORE
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sam-bench.XXXXXX")
shmtmp=
cleanup() {
	rm -rf "$tmp"
	if [ -n "$shmtmp" ]; then
		rm -rf "$shmtmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
script_start=$(date +%s)

# timed IN CMD...: runs CMD once, stdin from IN, stdout to /dev/null;
# sets secs (wall), user, sys, cpu (their sum) and rss (peak KiB).  A
# non-zero exit ends the benchmark.  IN is read just before (this VM's
# kernel pages out file pages left alone for a minute), and a sync
# comes first so that the put's own syncfs does not write out what
# others left dirty.
timed() {
	local in=$1 rc=0
	shift
	cat "$in" >/dev/null
	sync
	/usr/bin/time -o "$tmp/time" -f '%e %M %U %S' "$@" <"$in" >/dev/null \
	    2>"$tmp/err" || rc=$?
	if [ "$rc" != 0 ]; then
		echo "store.sh: $* exited with $rc:" >&2
		tail -n 5 "$tmp/err" >&2
		exit 1
	fi
	read -r secs rss user sys < <(tail -n 1 "$tmp/time")
	cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
}

# snapshot STORE FILE: "inode path" of every day file, sorted.
snapshot() {
	find "$1" -path "$1/tmp" -prune -o -type f -name '*.ndjson' -printf '%i %P\n' |
	    sort >"$2"
}

# written BEFORE AFTER: day files that are new or a new inode (a rename
# put them in place) in AFTER.
written() {
	comm -13 "$1" "$2" | wc -l
}

# put_runs NAME INPUT ALT STORE...: one put of INPUT into each STORE
# (one run each), or with ALT given, $runs puts into the one STORE of
# INPUT, ALT, INPUT ...  (each rewrites what the one before wrote).
# Sets secs, cpu, user, sys (medians), rss (the largest) and files
# (files written by each run: one number when they agree).
put_runs() {
	local name=$1 in=$2 alt=$3 i store f
	local walls=() cpus=() users=() syss=() nfiles=() maxrss=0
	shift 3
	for ((i = 0; i < runs; i++)); do
		store=$1
		f=$in
		if [ -z "$alt" ]; then
			shift
		elif [ $((i % 2)) = 1 ]; then
			f=$alt
		fi
		snapshot "$store" "$tmp/before" 2>/dev/null
		timed "$f" "$bin/sam-store" -r "$store" put
		snapshot "$store" "$tmp/after"
		walls+=("$secs") cpus+=("$cpu") users+=("$user") syss+=("$sys")
		nfiles+=("$(written "$tmp/before" "$tmp/after")")
		[ "$rss" -gt "$maxrss" ] && maxrss=$rss
		if [ -n "$(ls -A "$store/tmp")" ]; then
			echo "store.sh: $name: $store/tmp not empty after the put" >&2
		fi
	done
	secs=$(printf '%s\n' "${walls[@]}" | mid)
	cpu=$(printf '%s\n' "${cpus[@]}" | mid)
	user=$(printf '%s\n' "${users[@]}" | mid)
	sys=$(printf '%s\n' "${syss[@]}" | mid)
	rss=$maxrss
	files=$(printf '%s\n' "${nfiles[@]}" | sort -u | paste -sd/)
}

# row KEY NAME RECORDS NOTE: rowtxt[KEY] = a line of the put table
# from secs, cpu, user, sys, rss and files; sets rate (records per wall
# second).
row() {
	local key=$1
	shift
	rate=$(awk -v b="$2" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? b / s : 0) }')
	rowtxt[$key]="$(awk -v t="$1" -v b="$2" -v s="$secs" -v c="$cpu" -v u="$user" \
	    -v y="$sys" -v r="$rate" -v m="$rss" -v f="$files" -v n="$3" '
	    function commas(x,   s) {
		s = sprintf("%.0f", x)
		while (s ~ /[0-9][0-9][0-9][0-9]/)
			sub(/[0-9][0-9][0-9]([,]|$)/, ",&", s)
		return s
	    }
	    BEGIN { printf "%-36s %9s %6s %7.2f %6.2f %6.2f %6.2f %9s %9s %7.1f  %s", t,
		commas(b), f, s, u, y, c, commas(r), (c > 0 ? commas(b / c) : "-"),
		m / 1024, n }')"
}

echo "sam benchmark: sam-store put and get, flat files on a real disk"
echo "  binaries:  $bin"
echo "  data:      $tickers tickers x $days trading days of bars (1d; 30m, 13 a day);" \
    "$tickers x $gdays days of anomalies; store-gen.py, seed $seed, SAM_NOW=$SAM_NOW"
echo "  store:     under $tmp: $(df -T "$tmp" | awk 'NR == 2 { print $2 " on " $1 ", mounted on " $7 }')"
echo "             mount options: $(findmnt -n -o OPTIONS -T "$tmp" 2>/dev/null || echo unknown)"
dev=$(findmnt -n -o SOURCE -T "$tmp" 2>/dev/null || true)
if [ "$(df -T "$tmp" | awk 'NR == 2 { print $2 }')" = ext4 ] && [ -n "$dev" ]; then
	if ls -d /proc/fs/jbd2/"$(basename "$dev")"-* >/dev/null 2>&1; then
		echo "             ext4 with a journal"
	else
		echo "             ext4 without a journal (no /proc/fs/jbd2/$(basename "$dev")-*)"
	fi
fi
# pressure: the share of the last 60 s in which some task waited for
# the CPU (or the disk), from /proc/pressure.
pressure() {
	local r
	for r in cpu io; do
		printf '%s %s%%  ' "$r" "$(sed -n 's/^some .*avg60=\([0-9.]*\).*/\1/p' "/proc/pressure/$r" 2>/dev/null)"
	done
}
echo "  load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the start; wall times suffer from other load"
echo "  pressure:  $(pressure)(some task waiting, last 60 s)"
echo "  machine:   $(nproc) cores, $(uname -sr), $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo

# 1. The input, generated before anything is timed.
data=$tmp/data
start=$(date +%s)
# shellcheck disable=SC2154 # set by common.sh
"$python" "$here/store-gen.py" "$data" "$tickers" "$days" "$gdays" "$end" "$seed" "$sparse"
declare -A st
while IFS='=' read -r k v; do
	st[$k]=$v
done <"$data/stats"
sync
mib() { echo $(($(wc -c <"$1") / 1048576)); }
echo "made the input in $(($(date +%s) - start)) s:"
echo "  bars-1d.ndjson     ${st[bars_1d]} daily bars ($(mib "$data/bars-1d.ndjson") MiB), ${st[first_put]} .. ${st[last]}"
echo "  bars-30m.ndjson    ${st[bars_30m]} bars of 30 minutes ($(mib "$data/bars-30m.ndjson") MiB), 13 a day"
echo "  *-changed.ndjson   the same, one bar per ticker and day (the day's last) with another close and volume"
if [ "$sparse" = 1 ]; then
	echo "  anomalies.ndjson   ${st[anomalies]} anomalies ($(mib "$data/anomalies.ndjson") MiB), ${st[first_get]} .. ${st[last]}:" \
	    "every ticker on ${st[last]}, a random 10 % of the other days (-S)"
else
	echo "  anomalies.ndjson   ${st[anomalies]} anomalies ($(mib "$data/anomalies.ndjson") MiB), ${st[first_get]} .. ${st[last]}:" \
	    "every ticker on every day"
fi
echo

stores=$tmp/stores
mkdir "$stores"
ast=$stores/anomalies
# 2. get, on a store of anomalies built by one put.  First, before
# any put has replaced (so deleted) a file: ext4 without a journal
# passes over inodes freed in the last minutes when it allocates one,
# which makes creating files after many were deleted slower.
D=${st[last]}
echo "building the anomaly store: sam-store put of ${st[anomalies]} anomalies ..."
timed "$data/anomalies.ndjson" "$bin/sam-store" -r "$ast" put
afiles=$(find "$ast/anomalies" -type f | wc -l)
echo "  built in $secs s ($(awk -v n="${st[anomalies]}" -v s="$secs" 'BEGIN { printf "%.0f", n / s }') records/s;" \
    "user $user s, sys $sys s, peak RSS $((rss / 1024)) MiB): $afiles day files, $(du -sh "$ast" | cut -f1) on disk"

queries=("get anomalies --date $D" "get anomalies --date $D --severity high" "get anomalies -t T0001 --days 30")
expect=("$tickers" "${st[severity_high]}" "${st[anomalies_t1_30d]}")
if [ "$sparse" = 1 ]; then
	expect[2]="-"	# not known: T0001's 10 %
fi
# hyperfine_ms CMD HYPERFINE-OPTION...: runs hyperfine -N on CMD; sets
# mean, sd, min, max, hu and hs (mean user and system), in ms.
hyperfine_ms() {
	local cmd=$1
	shift
	if ! hyperfine -N "$@" --export-json "$tmp/hf.json" "$cmd" >/dev/null 2>"$tmp/hf.err"; then
		echo "store.sh: hyperfine failed:" >&2
		cat "$tmp/hf.err" >&2
		exit 1
	fi
	read -r mean sd min max hu hs < <("$python" -c 'import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(*("%.1f" % (1000 * (r[k] or 0)) for k in ("mean", "stddev", "min", "max", "user", "system")))' "$tmp/hf.json")
}

cold_runs=3
drop='sync; echo 3 > /proc/sys/vm/drop_caches'
if [ "$do_cold" = 1 ] && ! sh -c "$drop" 2>/dev/null; then
	do_cold=n/a
fi
grows=()
for qi in "${!queries[@]}"; do
	q=${queries[$qi]}
	read -ra qa <<<"$q"
	got=$("$bin/sam-store" -r "$ast" "${qa[@]}" | wc -l)
	check=ok
	if [ "${expect[$qi]}" != - ] && [ "$got" != "${expect[$qi]}" ]; then
		check="WRONG: expected ${expect[$qi]}"
	fi
	cold=-
	if [ "$do_cold" = 1 ]; then
		hyperfine_ms "$bin/sam-store -r $ast $q" -r "$cold_runs" --prepare "sh -c '$drop'"
		cold="$mean/$max"
	fi
	hyperfine_ms "$bin/sam-store -r $ast $q" -w 3 -r "$wruns"
	grows+=("$(printf '%-46s %7s %8s %6s %6s %6s %6s %6s %13s  %s' "$q" "$got" \
	    "$mean" "$sd" "$min" "$max" "$hu" "$hs" "$cold" "$check")")
	if [ "$qi" = 0 ]; then
		date_mean=$mean date_max=$max date_cold=$cold
		date_cpu=$(awk -v u="$hu" -v s="$hs" 'BEGIN { printf "%.1f", u + s }')
	fi
done
echo

# 3. The puts: into an empty store, the same again, then with one bar
# of each day file changed (every file rewritten).  All the puts into
# empty stores come first, then the others (see above: the changed
# puts delete the files they replace).
declare -A rates rowtxt
# put_phase PHASE NAME DIR WHERE: $runs puts of bars-NAME, PHASE
# empty (a new store DIR/NAME-i each), same or changed (into
# DIR/NAME-$runs, filled by the empty phase); WHERE is added to the
# row's name.  Sets rates[NAME PHASE WHERE] to the records/s.
put_phase() {
	local phase=$1 name=$2 dir=$3 where=$4 i n empties=() in=$data/bars-$2.ndjson
	n=${st[bars_$name]}
	case $phase in
	empty)
		for ((i = 1; i <= runs; i++)); do
			empties+=("$dir/$name-$i")
		done
		put_runs "$name empty" "$in" "" "${empties[@]}"
		row "$name empty$where" "put $name, empty store$where" "$n" "median of $runs, a new store each"
		;;
	same)
		put_runs "$name same" "$in" "$in" "$dir/$name-$runs"
		row "$name same$where" "put $name, same again$where" "$n" "median of $runs; nothing changes"
		;;
	changed)
		put_runs "$name changed" "$data/bars-$name-changed.ndjson" "$in" "$dir/$name-$runs"
		row "$name changed$where" "put $name, 1 bar/file changed$where" "$n" \
		    "median of $runs; every day file rewritten (runs alternate changed and original input)"
		;;
	esac
	rates[$name $phase$where]=$rate
}
echo "puts ($runs runs each; a sync before each) ..."
t0=$(date +%s)
for phase in empty same changed; do
	for name in 1d 30m; do
		put_phase "$phase" "$name" "$stores" ""
	done
done
echo "  on disk: $(($(date +%s) - t0)) s"
if [ "$do_shm" = 1 ]; then
	t0=$(date +%s)
	shmtmp=$(mktemp -d "$shm/sam-bench.XXXXXX")
	for phase in empty same changed; do
		for name in 1d 30m; do
			put_phase "$phase" "$name" "$shmtmp" " (tmpfs)"
		done
	done
	rm -rf "$shmtmp"
	shmtmp=
	echo "  on tmpfs: $(($(date +%s) - t0)) s"
fi

# The renames and syncs, counted by strace in runs of their own (not
# timed) on the full 1d store on disk: the input it holds again, then
# the other one (every file changes).
strace_rows=()
if [ "$do_strace" = 1 ]; then
	t0=$(date +%s)
	held=bars-1d other=bars-1d-changed
	if [ $((runs % 2)) = 1 ]; then	# the changed runs ended with the changed input
		held=bars-1d-changed other=bars-1d
	fi
	for f in "$held" "$other"; do
		strace -f -qq -c --seccomp-bpf -o "$tmp/strace" \
		    -e trace=rename,renameat,renameat2,syncfs,fsync,fdatasync \
		    "$bin/sam-store" -r "$stores/1d-$runs" put "$data/$f.ndjson" >"$tmp/out"
		# % time, seconds, usecs/call, calls, [errors], syscall
		strace_rows+=("$(awk -v f="$f.ndjson" -v out="$(wc -l <"$tmp/out")" '
		    $NF ~ /^rename/ { r += $4 } $NF ~ /sync/ { s += $4 }
		    END { printf "%-23s renames %6d  syncfs/fsync %3d  records written to stdout %7d",
			f, r, s, out }' "$tmp/strace")")
	done
	echo "  strace runs: $(($(date +%s) - t0)) s"
fi
echo

echo "puts: $tickers tickers x $days trading days; SAM_NOW=$SAM_NOW"
printf '%-36s %9s %6s %7s %6s %6s %6s %9s %9s %7s  %s\n' case records files 'wall s' user sys 'cpu s' 'records/s' 'rec/cpu-s' 'RSS MiB' note
for where in "" " (tmpfs)"; do
	for name in 1d 30m; do
		for phase in empty same changed; do
			if [ -n "${rowtxt[$name $phase$where]:-}" ]; then
				printf '%s\n' "${rowtxt[$name $phase$where]}"
			fi
		done
	done
done
echo "  files: day files written (new, or a new inode: renamed into place), from the"
echo "  inode numbers before and after; records/s: input records per wall second;"
echo "  rec/cpu-s: per CPU second (user + sys).  sys includes the discards of ext4's"
echo "  discard option when an old day file is replaced; the wait for the disk is in neither."
if [ ${#strace_rows[@]} -gt 0 ]; then
	echo "  strace -f -c --seccomp-bpf, put 1d into the full store, in runs of their own (not timed):"
	printf '    %s\n' "${strace_rows[@]}"
fi
echo
echo "gets: store of ${st[anomalies]} anomalies in $afiles day files ($tickers tickers, ${st[first_get]} .. ${st[last]})"
printf '%-46s %7s %8s %6s %6s %6s %6s %6s %13s  %s\n' query records 'mean ms' sd min max user sys 'cold mean/max' check
printf '%s\n' "${grows[@]}"
echo "  warm: hyperfine -N -w 3 -r $wruns: mean, sd, min, max; user and sys: their means (ms)"
case $do_cold in
0) echo "  cold: not measured (-K)" ;;
n/a) echo "  cold: not measured (could not write /proc/sys/vm/drop_caches)" ;;
*) echo "  cold: hyperfine -N -r $cold_runs --prepare \"sh -c '$drop'\": mean/max ms" ;;
esac
echo

verdict() { if [ "$1" = 1 ]; then echo met; else echo MISSED; fi; }
echo "targets:"
for c in "1d empty" "1d same" "1d changed" "30m empty" "30m same" "30m changed"; do
	r=${rates[$c]}
	printf '  put >= 200,000 records/s, %-11s %9s records/s, %s\n' "$c:" "$r" \
	    "$(verdict "$(awk -v r="$r" 'BEGIN { print (r >= 200000) }')")"
done
echo "  get --date across $tickers tickers < 50 ms, warm: mean $date_mean ms (cpu $date_cpu ms)" \
    "$(verdict "$(awk -v r="$date_mean" 'BEGIN { print (r < 50) }')"), max $date_max ms" \
    "$(verdict "$(awk -v r="$date_max" 'BEGIN { print (r < 50) }')");" \
    "$(if [ "$date_cold" = - ]; then echo "cold not measured"; else echo "cold (mean/max): $date_cold ms"; fi)"
echo

echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg); pressure: $(pressure)"
n=$(find "$tmp" -type f | wc -l)
echo "removing $n files under $tmp ..."
t0=$(date +%s)
rm -rf "$tmp"
echo "removed in $(($(date +%s) - t0)) s; whole run $(($(date +%s) - script_start)) s"
