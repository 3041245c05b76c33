#!/bin/bash
# hourly.sh - a due run of cron/sam-hourly at scale, end to end, on the
# mock source: where the time goes, stage by stage, and whether a stage
# grows faster than the watch list.
#
# usage: bench/hourly.sh [-d tickers] [-i tickers] [-f days] [-p profile]
#
#   -d N  tickers of 1d bars (default 2000); also run at N/2
#   -i N  tickers of 5m bars (default 500); also run at N/2; 0 skips them
#   -f N  SAM_FETCH_DAYS (default: the job's own, 125 trading days)
#   -p P  SAM_PROFILE (default recommended, with SPY as the market, as
#         share/sam.env.example; original: no market)
#
# Each case is a fresh store and four due runs (--at): 10:30 New York on
# 2026-11-25 (the store empty: every day file new), then 11:30, 12:30
# and 13:30 (what a run does every hour: the median of the three).  The tools are run through small
# wrappers that time each with GNU time, so each stage's wall and CPU
# seconds and its peak RSS are the tools' own; the run's total is
# sam-hourly's (GNU time, and sam_last_run_duration_seconds of
# SAM_METRICS_FILE).  Binaries come from $SAM_BIN (default: the
# repository root; cron/sam-hourly from the repository, copied at the
# start; run the script of a snapshot to measure one commit).  Temporary
# files under $TMPDIR (default /tmp), removed on exit.  See
# bench/README.md.
set -eu

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
daily=2000
intraday=500
fetch_days=
profile=recommended

usage() {
	sed -n '6,12s/^# \{0,1\}//p' "$0"
}

while getopts d:i:f:p:h opt; do
	case $opt in
	d) daily=$OPTARG ;;
	i) intraday=$OPTARG ;;
	f) fetch_days=$OPTARG ;;
	p) profile=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
bench_no_operands "$@"
bench_counts hourly.sh "$daily" "$intraday" "${fetch_days:-0}"
case $profile in
original | recommended) ;;
*) echo "hourly.sh: -p: original or recommended: $profile" >&2; exit 2 ;;
esac
if [ "$daily" -lt 2 ] || [ "$daily" -gt 9999 ] || [ "$intraday" -gt 9999 ]; then
	echo "hourly.sh: -d must be 2 to 9999, -i 0 to 9999" >&2
	exit 2
fi
bench_need hourly.sh sam-fetch sam-zscore sam-detect sam-store sam-alert sam-serve-static

export LC_ALL=C
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sam-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

# The job as it is now, once: an edit of the tree while this runs does
# not change it.
cp "$root/cron/sam-hourly" "$tmp/sam-hourly"

# The wrappers: each tool through GNU time, a line each in $times:
# TOOL START WALL USER SYS RSS-KiB :: ARGS.
mkdir "$tmp/wrap"
for t in sam-fetch sam-zscore sam-detect sam-store sam-alert sam-serve-static; do
	cat >"$tmp/wrap/$t" <<-EOF
		#!/bin/sh
		exec /usr/bin/time -a -o "\$SAM_BENCH_TIMES" -f "$t \$(date +%s.%N) %e %U %S %M :: \$*" \\
		    "$bin/$t" "\$@"
	EOF
	chmod +x "$tmp/wrap/$t"
done

# stage(TOOL, ARGS): the stage of a wrapper's line (gate: sam-fetch
# --slot, the calendar; other: the check of the watch list).
# shellcheck disable=SC2016 # awk's
classify='
	function stage(tool, args) {
		if (tool == "sam-fetch" && args !~ /--slot/) return "fetch"
		if (tool == "sam-store" && args ~ /put --kind raw/) return "store raw"
		if (tool == "sam-store" && args ~ / put /) return "store"
		if (tool == "sam-zscore") return "score"
		if (tool == "sam-detect" && args ~ /--profile/) return "detect"
		if (tool == "sam-serve-static") return "site"
		if (tool == "sam-alert") return "alert"
		if (tool == "sam-store" && args ~ / prune /) return "prune"
		if (tool == "sam-store" && args ~ / append runs /) return "run record"
		if (tool == "sam-fetch") return "gate"
		return "other"
	}'

# run_case NAME INTERVAL TICKERS: a fresh store, the four due runs; a
# table of the stages of the first two, and the figures for the summary
# in $tmp/NAME.RUN.sum (STAGE CPU WALL) and NAME.steady.sum.
run_case() {
	local name=$1 interval=$2 n=$3 dir=$tmp/$1 at run secs rss user sys bars
	mkdir -p "$dir"
	{
		[ "$profile" = original ] || echo SPY
		awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "T%04d\n", i }'
	} >"$dir/tickers"
	{
		echo "SAM_TICKERS_FILE=$dir/tickers"
		echo "SAM_SOURCE=mock"
		echo "SAM_INTERVAL=$interval"
		echo "SAM_PROFILE=$profile"
		[ "$profile" = original ] || echo "SAM_MARKET=SPY"
		[ -z "$fetch_days" ] || echo "SAM_FETCH_DAYS=$fetch_days"
		echo "SAM_STORE=$dir/store"
		echo "SAM_SITE=$dir/site"
		echo "SAM_METRICS_FILE=$dir/sam.prom"
		echo "SAM_RUN_DEADLINE=50m"
	} >"$dir/sam.env"
	for at in 10:30 11:30 12:30 13:30; do
		run=${at%%:*}
		export SAM_BENCH_TIMES=$dir/times.$run
		: >"$SAM_BENCH_TIMES"
		env -u SAM_NOW SAM_BIN="$tmp/wrap" SAM_CLOSURES_FILE=/dev/null \
		    /usr/bin/time -o "$dir/time.$run" -f '%e %M %U %S' \
		    "$tmp/sam-hourly" --config "$dir/sam.env" --at "2026-11-25T$at" \
		    >/dev/null 2>"$dir/log.$run" || {
			echo "hourly.sh: the run of $name at $at failed:" >&2
			cat "$dir/log.$run" >&2
			exit 3
		}
		read -r secs rss user sys <"$dir/time.$run"
		bars=$(jq -r .bars "$dir/store/runs/2026-11-25.ndjson" | tail -n 1)
		exec 3>&1
		[ "$run" -le 11 ] || exec >/dev/null	# 12:30 and 13:30: for the median
		echo "$name, run at $at New York: $bars bars, $(awk -v s="$secs" 'BEGIN { printf "%.2f", s }') s" \
		    "(sam_last_run_duration_seconds $(sed -n 's/^sam_last_run_duration_seconds //p' "$dir/sam.prom")," \
		    "whole seconds), cpu $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }') s," \
		    "sam-hourly's own peak RSS $(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }') MB"
		awk -v jobcpu="$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$classify"'
			{
				split($0, parts, " :: "); args = parts[2]
				s = stage($1, args)
				cpu[s] += $4 + $5
				if (!(s in first) || $2 < first[s]) first[s] = $2
				if ($2 + $3 > last[s]) last[s] = $2 + $3
				if ($6 > rss[s]) rss[s] = $6
				calls[s]++
				if (!t0 || $2 < t0) t0 = $2
			}
			END {
				split("gate,fetch,store raw,score,detect,store,alert,prune,run record,site,other", order, ",")
				for (s in cpu) tools += cpu[s]
				printf "  %-10s %6s %9s %9s %9s %8s\n", "stage", "calls", "from s", "to s", "cpu s", "RSS MB"
				for (i = 1; i <= 11; i++) {
					s = order[i]
					if (!(s in calls)) continue
					printf "  %-10s %6d %9.2f %9.2f %9.2f %8.1f\n", s, calls[s],
					    first[s] - t0, last[s] - t0, cpu[s], rss[s] / 1024
					printf "%s\t%.2f\t%.2f\n", s, cpu[s], last[s] - first[s] > "/dev/stderr"
				}
				# the shell, jq, awk, sed of sam-hourly itself
				printf "  %-10s %6s %9s %9s %9.2f\n", "the job", "", "", "", jobcpu - tools
				printf "the job\t%.2f\t0\n", jobcpu - tools > "/dev/stderr"
			}' "$SAM_BENCH_TIMES" 2>"$tmp/$name.$run.sum"
		printf 'total\t%.2f\t%.2f\n' "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" \
		    "$secs" >>"$tmp/$name.$run.sum"
		exec 1>&3 3>&-
	done
	# the hour after, the median of three (11:30, 12:30, 13:30)
	cat "$tmp/$name".1[123].sum | sort -t "$(printf '\t')" -k 1,1 -k 2,2n | awk -F '\t' '
		$1 != s { if (s != "") print s "\t" v[2] "\t-"; s = $1; n = 0 }
		{ v[++n] = $2 }
		END { print s "\t" v[2] "\t-" }' >"$tmp/$name.steady.sum"
	echo "  the hour after, median of the runs at 11:30, 12:30 and 13:30, CPU seconds:"
	awk -F '\t' '{ printf "    %-10s %8.2f\n", $1, $2 }' "$tmp/$name.steady.sum"
	echo
}

# growth SMALL LARGE: each stage's CPU seconds at twice the watch list
# against once, the first run and the hour after (the median); a ratio
# past 2.4 where the larger is 0.5 s or more is flagged.
growth() {
	local run
	echo "growth from $1 to $2 (2x the tickers): CPU seconds, and the ratio (2.00 is linear)"
	for run in 10 steady; do
		join -t "$(printf '\t')" <(sort "$tmp/$1.$run.sum") <(sort "$tmp/$2.$run.sum") |
		    awk -F '\t' -v run="$([ "$run" = 10 ] && echo 'first run' || echo 'hour after')" '
			{ r = ($2 > 0.05 ? sprintf("%.2f", $4 / $2) : "-")
			  printf "  %s  %-10s %8.2f -> %8.2f  %s%s\n", run, $1, $2, $4, r,
			      (r != "-" && r + 0 > 2.4 && $4 >= 0.5 ? "  ABOVE LINEAR" : "") }'
	done
	echo
}

echo "sam benchmark: a due run of sam-hourly, end to end, on the mock source"
echo "  binaries:  $bin, cron/sam-hourly of $root"
echo "  profile:   $profile$([ "$profile" = original ] || echo ', SPY as the market'), SAM_FETCH_DAYS ${fetch_days:-default (125)}"
echo "  load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the start"
echo "  machine:   $(nproc) cores, $(uname -sr), $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo "  runs:      10:30 (store empty), then 11:30, 12:30, 13:30 (the hour after), 2026-11-25 New York"
echo "  stages:    from/to: seconds from the first tool's start; the stages of a run overlap (a pipeline)"
echo

half=$((daily / 2))
run_case "1d-$half" 1d "$half"
run_case "1d-$daily" 1d "$daily"
growth "1d-$half" "1d-$daily"
if [ "$intraday" -gt 1 ]; then
	ihalf=$((intraday / 2))
	run_case "5m-$ihalf" 5m "$ihalf"
	run_case "5m-$intraday" 5m "$intraday"
	growth "5m-$ihalf" "5m-$intraday"
fi
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
