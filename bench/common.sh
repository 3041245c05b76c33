# shellcheck shell=bash
# bench/common.sh - what the benchmark scripts share; sourced first.
# Sets here (bench/), root (the repository) and bin (where the binaries
# are: $SAM_BIN, or the root).

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck disable=SC2034 # used by the scripts that source this
bin=${SAM_BIN:-$root}

# bench_no_operands "$@": the options were all there is (usage() is
# the calling script's).
bench_no_operands() {
	if [ $# -ne 0 ]; then
		usage >&2
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
