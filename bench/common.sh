# shellcheck shell=bash
# bench/common.sh - option checks the benchmark scripts share; sourced
# after each script's getopts loop and its usage().

# bench_no_operands "$@": the options were all there is.
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
