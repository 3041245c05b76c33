#!/bin/bash
# json-libs.sh - the JSON library choice, measured: cJSON, jansson and
# libz's in-place scanner on the same bar records.
#
# usage: bench/json-libs.sh [-t tickers] [-d days] [-s seed] [-r reps]
#
#   -t N  tickers (default 300)    -d N  daily bars each (default 1000)
#   -s N  mock source seed (default 1)
#   -r N  passes over the records per test; the best is reported (default 5)
#
# Compiles bench/json-libs.c with cc -O2 into a temporary directory
# against libz/libsam.a (built by make), libcjson and jansson (Debian
# libcjson-dev, libjansson-dev; found with pkg-config), makes the bars
# with sam-fetch's mock source, and runs the program pinned to one core.
# Binaries and libsam.a come from $SAM_BIN (default: the repository
# root).  See bench/README.md.
set -eu

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
tickers=300
days=1000
seed=1
reps=5

usage() {
	sed -n '5,10s/^# \{0,1\}//p' "$0"
}

while getopts t:d:s:r:h opt; do
	case $opt in
	t) tickers=$OPTARG ;;
	d) days=$OPTARG ;;
	s) seed=$OPTARG ;;
	r) reps=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
bench_no_operands "$@"
bench_counts json-libs.sh "$tickers" "$days" "$seed" "$reps"
if [ "$tickers" -lt 1 ] || [ "$tickers" -gt 9999 ] || [ "$reps" -lt 1 ]; then
	echo "json-libs.sh: -t must be 1 to 9999 and -r at least 1" >&2
	exit 2
fi

# libsam.a and sam.h from $SAM_BIN/libz when it has them (a separate
# build tree), else from this tree.
lib=$bin/libz/libsam.a
inc=$bin/libz
[ -f "$lib" ] || lib=$root/libz/libsam.a
[ -f "$inc/sam.h" ] || inc=$root/libz
for f in "$bin/sam-fetch" "$lib"; do
	if [ ! -e "$f" ]; then
		echo "json-libs.sh: $f: not found; run make (or set SAM_BIN)" >&2
		exit 2
	fi
done
for p in libcjson jansson; do
	if ! pkg-config --exists "$p"; then
		echo "json-libs.sh: pkg-config knows no $p (apt-get install libcjson-dev libjansson-dev)" >&2
		exit 2
	fi
done

export SAM_NOW=2026-11-25T21:00:00Z
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sam-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

# Word splitting of pkg-config's output is intended.
read -r -a cflags <<<"$(pkg-config --cflags libcjson jansson)"
read -r -a libs <<<"$(pkg-config --libs libcjson jansson)"
cc -O2 -std=c11 -Wall -Wextra -I"$inc" "${cflags[@]}" \
    -o "$tmp/json-libs" "$here/json-libs.c" "$lib" "${libs[@]}" -lm

awk -v n="$tickers" 'BEGIN { for (i = 1; i <= n; i++) printf "T%04d\n", i }' \
    >"$tmp/watchlist"
"$bin/sam-fetch" --source mock --seed "$seed" --days "$days" -f "$tmp/watchlist" \
    >"$tmp/bars.ndjson"

echo "JSON libraries on sam bars: $tickers tickers x $days days, mock source," \
    "--seed $seed, SAM_NOW=$SAM_NOW"
echo "compiled with: cc -O2 $(pkg-config --cflags libcjson jansson) ... $(pkg-config --libs libcjson jansson)"
if [ ${#pin[@]} -gt 0 ]; then
	echo "pinned: ${pin[*]}"
fi
echo "parse+read: parse the line, read close and volume as doubles, free"
echo "parse+write: the same, add \"z\" = close / 3, write the record compact"
echo "  (cJSON_PrintUnformatted; json_dumps(JSON_COMPACT); sam_edits_num + sam_rec_write)"
echo
"${pin[@]}" "$tmp/json-libs" -r "$reps" "$tmp/bars.ndjson"
