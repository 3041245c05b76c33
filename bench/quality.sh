#!/bin/bash
# quality.sh - signal quality of sam-zscore | sam-detect (issue 16).
#
# usage: bench/quality.sh [-c csv] [-t tickers] [-d days] [-s seed]
#                         [-r runs] [-Z zscore-args] [-D detect-args] [-R] [-k]
#                         [-B dir]
#
#   -c FILE  the real market: a CSV sam-fetch reads (default
#            ../shared/data/all_stocks_5yr.csv beside the repository)
#   -t N     mock tickers (default 200: T0001 ...)
#   -d N     mock daily bars per ticker (default 1260, five years)
#   -s N     mock seed (default 1)
#   -r N     timed runs of each pipeline; the best is reported (default 3)
#   -Z ARGS  more sam-zscore options for the recommended profile
#   -D ARGS  more sam-detect options for the recommended profile (--fdr Q)
#   -R       the original profile only, even when the tools know --profile
#   -k       keep the work directory (its path is printed)
#   -B DIR   today's tools: the throughput target is the original profile
#            run by DIR's sam-zscore and sam-detect, timed in the same
#            turns (default: the original profile of these tools)
#
# Prints a Markdown table: for the real file and the mock market (with
# its injected anomalies), for the original profile (sam-zscore |
# sam-detect, defaults) and the recommended one (--profile recommended,
# the bars as --market), the alerts a day, the share of bars flagged,
# the selloff days, recall of extreme bars, calibration, precision and
# recall of injected anomalies, volume anomalies on unfinished bars and
# throughput; the issue's targets in the last column.  Binaries come from
# $SAM_BIN (default: the repository root).  Temporary files go under
# $TMPDIR (default /tmp) and are removed on exit.  See bench/README.md.
set -eu

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
csv=$root/../shared/data/all_stocks_5yr.csv
tickers=200
days=1260
seed=1
runs=3
zextra=()
dextra=()
want_rec=1
keep=0
base=
python=/usr/bin/python3

usage() {
	sed -n '3,18s/^# \{0,1\}//p' "$0"
}

while getopts c:t:d:s:r:Z:D:RkB:h opt; do
	case $opt in
	c) csv=$OPTARG ;;
	t) tickers=$OPTARG ;;
	d) days=$OPTARG ;;
	s) seed=$OPTARG ;;
	r) runs=$OPTARG ;;
	Z) read -ra zextra <<<"$OPTARG" ;;
	D) read -ra dextra <<<"$OPTARG" ;;
	R) want_rec=0 ;;
	k) keep=1 ;;
	B) base=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
bench_no_operands "$@"
bench_counts quality.sh "$tickers" "$days" "$seed" "$runs"
if [ "$tickers" -lt 1 ] || [ "$tickers" -gt 9999 ] || [ "$runs" -lt 1 ] ||
    [ "$days" -lt 40 ]; then
	echo "quality.sh: -t must be 1 to 9999, -d at least 40, -r at least 1" >&2
	exit 2
fi
bench_need quality.sh sam-fetch sam-zscore sam-detect
if [ ! -x "$python" ]; then
	echo "quality.sh: $python is needed" >&2
	exit 2
fi
if [ ! -r "$csv" ]; then
	echo "quality.sh: $csv: cannot be read (give the CSV with -c)" >&2
	exit 2
fi

# The tools' own defaults: no setting from the caller's environment.
unset SAM_PROFILE SAM_METRICS SAM_WINDOW SAM_THRESHOLD SAM_BANDS \
    SAM_MARKET SAM_SOURCE SAM_TICKERS
# After the close of 2026-11-25 (16:00 New York is 21:00 UTC): every
# bar of the main data sets is final.
now=2026-11-25T22:00:00Z
export SAM_NOW=$now
export LC_ALL=C
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sam-quality.XXXXXX")
if [ "$keep" = 1 ]; then
	trap 'echo "quality.sh: work directory kept: $tmp" >&2' EXIT
else
	trap 'rm -rf "$tmp"' EXIT
fi
trap 'exit 130' INT TERM HUP

# Does this build know the recommended profile (and --market)?
rec=0
if [ "$want_rec" = 1 ] &&
    "$bin/sam-zscore" --profile recommended --market /dev/null \
	</dev/null >/dev/null 2>&1 &&
    "$bin/sam-detect" --profile recommended </dev/null >/dev/null 2>&1; then
	rec=1
fi
profiles=(original)
[ "$rec" = 1 ] && profiles+=(recommended)

# zargs PROFILE BARS / dargs PROFILE: set args to the options of the
# profile's sam-zscore (the bars are its market) and sam-detect.
zargs() {
	args=()
	if [ "$1" = recommended ]; then
		args=(--profile recommended --market "$2" "${zextra[@]}")
	fi
}
dargs() {
	args=()
	if [ "$1" = recommended ]; then
		args=(--profile recommended "${dextra[@]}")
	fi
}

# pipeline PROFILE BARS SCRIPT [BIN]: writes SCRIPT, the profile's
# sam-zscore | sam-detect (BIN's, default $bin) from stdin to stdout,
# for timing.
pipeline() {
	local z d b=${4:-$bin}
	zargs "$1" "$2"
	z=$(printf ' %q' "$b/sam-zscore" "${args[@]}")
	dargs "$1"
	d=$(printf ' %q' "$b/sam-detect" "${args[@]}")
	printf 'set -o pipefail\n%s |%s\n' "$z" "$d" >"$3"
}

# score PROFILE BARS OUT: OUT.scored (sam-zscore), OUT.alerts
# (sam-detect) and OUT.all (sam-detect --all).
score() {
	zargs "$1" "$2"
	"$bin/sam-zscore" "${args[@]}" <"$2" >"$3.scored"
	dargs "$1"
	"$bin/sam-detect" "${args[@]}" <"$3.scored" >"$3.alerts"
	"$bin/sam-detect" "${args[@]}" --all <"$3.scored" >"$3.all"
	rm -f "$3.scored"
}

# timed BARS SCRIPT: runs SCRIPT once, pinned, to /dev/null; sets secs
# (wall) and cpu (user + system of the whole pipeline), to the
# millisecond: bash's time (time(1) has 10 ms, 1 % of a run here).
timed() {
	local user sys t TIMEFORMAT='%3R %3U %3S'
	t=$({ time "${pin[@]}" bash "$2" <"$1" >/dev/null 2>&3; } 3>&2 2>&1)
	read -r secs user sys <<<"$t"
	cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.3f", u + s }')
}

# rates INPUT: the profiles' pipelines on INPUT.bars, each run $runs
# times, the profiles taking turns (so that a change of load hits
# both); writes INPUT.PROFILE.rate: bars a wall second and bars a CPU
# second, of the fastest run each.
rates() {
	local i p n
	local -A wall=() cpus=()
	n=$(wc -l <"$tmp/$1.bars")
	for ((i = 0; i < runs; i++)); do
		for p in "${timings[@]}"; do
			timed "$tmp/$1.bars" "$tmp/pipe.$1.$p.sh"
			wall[$p]=$(min "$secs" "${wall[$p]:-}")
			cpus[$p]=$(min "$cpu" "${cpus[$p]:-}")
		done
	done
	for p in "${timings[@]}"; do
		awk -v n="$n" -v w="${wall[$p]}" -v c="${cpus[$p]}" 'BEGIN {
			printf "{\"wall\": %.0f, \"cpu\": %.0f}\n",
			    (w > 0 ? n / w : 0), (c > 0 ? n / c : 0) }' \
		    >"$tmp/$1.$p.rate"
	done
}

# What is timed: the profiles, and with -B today's tools' original.
timings=("${profiles[@]}")
if [ -n "$base" ]; then
	timings+=(today)
	for t in sam-zscore sam-detect; do
		if [ ! -x "$base/$t" ]; then
			echo "quality.sh: -B $base: no $t there" >&2
			exit 2
		fi
	done
fi

start=$(date +%s)
echo "sam signal quality: sam-zscore | sam-detect, profiles: ${profiles[*]}"
echo
echo "- binaries: \`$bin\`; the checkout: $(git -C "$root" describe --always --dirty 2>/dev/null || echo '?')"
if [ "$rec" = 0 ] && [ "$want_rec" = 1 ]; then
	echo "- recommended profile: not run (these tools do not take --profile recommended / --market)"
fi
[ ${#zextra[@]} -gt 0 ] && echo "- recommended sam-zscore options added: \`${zextra[*]}\`"
[ ${#dextra[@]} -gt 0 ] && echo "- recommended sam-detect options added: \`${dextra[*]}\`"
[ -n "$base" ] && echo "- today's tools (-B), timed with the original profile: \`$base\`"
if [ ${#pin[@]} -gt 0 ]; then
	echo "- throughput pinned with \`${pin[*]}\` (both processes on one core), best of $runs"
else
	echo "- throughput not pinned (no taskset), best of $runs"
fi
echo "- load at the start: $(cut -d' ' -f1-3 /proc/loadavg); machine: $(nproc) cores"

# The inputs.
rc=0
"$bin/sam-fetch" -s "csv:$csv" >"$tmp/real.bars" 2>"$tmp/real.err" || rc=$?
if [ "$rc" -gt 1 ]; then
	cat "$tmp/real.err" >&2
	exit 1
fi
echo "- real: \`sam-fetch -s csv:$(basename "$csv")\`: $(wc -l <"$tmp/real.bars") bars," \
    "$(wc -l <"$tmp/real.err") rows rejected by sam-fetch"
awk -v n="$tickers" 'BEGIN { for (i = 1; i <= n; i++) printf "T%04d\n", i }' \
    >"$tmp/watchlist"
"$bin/sam-fetch" --source mock --seed "$seed" --days "$days" --mark-injected \
    -f "$tmp/watchlist" >"$tmp/mock.bars"
echo "- mock: \`SAM_NOW=$now sam-fetch --source mock --seed $seed --days $days --mark-injected\`," \
    "$tickers tickers: $(wc -l <"$tmp/mock.bars") bars"

# Scores, alerts and throughput.
for input in real mock; do
	figs=()
	for p in "${profiles[@]}"; do
		score "$p" "$tmp/$input.bars" "$tmp/$input.$p"
		figs+=("$p" "$tmp/$input.$p.alerts" "$tmp/$input.$p.all")
		pipeline "$p" "$tmp/$input.bars" "$tmp/pipe.$input.$p.sh"
	done
	[ -n "$base" ] && pipeline original "$tmp/$input.bars" \
	    "$tmp/pipe.$input.today.sh" "$base"
	rates "$input"
	"$python" "$here/quality.py" figures "$tmp/$input.bars" "${figs[@]}" \
	    >"$tmp/$input.json"
	rm -f "$tmp/$input".*.all
done

# Unfinished bars: the run slots of one session of the mock market,
# 09:30 to 15:30 and 16:30 New York (EST: UTC - 5) on 2026-11-24.
session=2026-11-24
for h in 14 15 16 17 18 19 20 21; do
	SAM_NOW=${session}T$h:30:00Z "$bin/sam-fetch" --source mock --seed "$seed" \
	    --days 90 --mark-injected -f "$tmp/watchlist" >"$tmp/slot$h.bars"
done
for p in "${profiles[@]}"; do
	slots=()
	for h in 14 15 16 17 18 19 20 21; do
		f=$tmp/slot$h
		zargs "$p" "$f.bars"
		"$bin/sam-zscore" "${args[@]}" <"$f.bars" >"$f.scored"
		dargs "$p"
		"$bin/sam-detect" "${args[@]}" <"$f.scored" >"$f.$p"
		slots+=("$(printf "%02d:30" $((h - 5)))" "$f.bars" "$f.$p")
	done
	"$python" "$here/quality.py" unfinished "$session" "${slots[@]}" \
	    >"$tmp/unfinished.$p.json"
done

# The table.
{
	printf '{"inputs": ["real", "mock"], "throughput": {'
	sep=
	for input in real mock; do
		printf '%s"%s": {' "$sep" "$input"
		sep2=
		for p in "${timings[@]}"; do
			printf '%s"%s": %s' "$sep2" "$p" "$(cat "$tmp/$input.$p.rate")"
			sep2=", "
		done
		printf '}'
		sep=", "
	done
	printf '}, "unfinished": {'
	sep=
	for p in "${profiles[@]}"; do
		printf '%s"%s": %s' "$sep" "$p" "$(cat "$tmp/unfinished.$p.json")"
		sep=", "
	done
	printf '}}\n'
} >"$tmp/meta.json"
echo
"$python" "$here/quality.py" table "$tmp/meta.json" "$tmp/real.json" "$tmp/mock.json"
echo
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg); $(($(date +%s) - start)) s"
