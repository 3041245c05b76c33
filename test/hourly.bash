# test/hourly.bash: what the tests of sam-hourly share (load hourly,
# after test_helper and http: its setup is this one).

# shellcheck disable=SC2034 # for the test files
USAGE='usage: sam-hourly [--config file] [--force] [--at time] [--gate-only]
                  [--backfill days]
       sam-hourly [--config file] --replay from to [--source source]
       sam-hourly [--config file] --notify-failure unit'

# The settings every test's sam.env starts from: AAPL, MSFT and IBM on
# the mock source (named: unnamed, sam-fetch warns of it), the store in
# store/ and the site in site/.
# shellcheck disable=SC2034 # for the test files' conf
HOURLY_BASE=('SAM_TICKERS=AAPL,MSFT,IBM' SAM_SOURCE=mock SAM_STORE=store SAM_SITE=site)

# Each test in a fresh directory, with no network and sam-hourly on PATH.
setup() {
	sam_setup
	http_jail
	PATH=$SAM_ROOT/cron:$PATH
}

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
