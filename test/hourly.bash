# test/hourly.bash: what the tests of sam-hourly share (load hourly).

# sam_env BASE ARG...: writes sam.env: the lines of the array named BASE
# with KEY=VALUE in place of KEY's line, -KEY's left out, and every
# argument but the -KEYs added at the end, in order.
sam_env() {
	local -n lines=$1
	local drop=' ' arg
	shift
	for arg; do
		case $arg in
		-SAM_*) drop+="${arg#-} " ;;
		SAM_*=*) drop+="${arg%%=*} " ;;
		esac
	done
	{
		for arg in "${lines[@]}"; do
			[[ $drop == *" ${arg%%=*} "* ]] || printf '%s\n' "$arg"
		done
		for arg; do
			[[ $arg == -SAM_* ]] || printf '%s\n' "$arg"
		done
	} > sam.env
}

# hourly ARG...: sam-hourly --config sam.env ARG..., under run.
hourly() {
	run --separate-stderr sam-hourly --config sam.env "$@"
}
