# Loaded by every test file: bats-support and bats-assert, the binaries
# under test first on PATH, a clean environment, a fresh directory.
# shellcheck shell=bash
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

SAM_ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
SAM_BIN=${SAM_BIN:-$SAM_ROOT}
FIXTURES=$BATS_TEST_DIRNAME/fixtures
SHARED_DATA=${SAM_SHARED_DATA:-$SAM_ROOT/../shared/data}
PATH=$SAM_BIN:$PATH
export LC_ALL=C SAM_ROOT SAM_BIN FIXTURES SHARED_DATA PATH

# Every test starts in its own empty directory, with no SAM_ setting
# from the caller's environment and a fixed "now".
sam_setup() {
	local v
	for v in $(env | sed -n 's/^\(SAM_[A-Z_]*\)=.*/\1/p'); do
		case $v in SAM_BIN | SAM_ROOT | SAM_SHARED_DATA) ;; *) unset "$v" ;; esac
	done
	export SAM_NOW=2026-11-25T21:00:00Z
	cd "$BATS_TEST_TMPDIR" || return 1
}

setup() {
	sam_setup
}

# Skips a test that needs ../shared/data when it is not there.
need_shared_data() {
	[ -f "$SHARED_DATA/${1:-all_stocks_5yr.csv}" ] ||
		skip "shared data not found at $SHARED_DATA"
}

# Writes stdin to a file; for fixtures written inline in a test.
fixture() {
	cat > "$1"
}

# usage_table TOOL ARG... < TABLE: each row "options | message" runs
# TOOL ARG... options (leading SAM_X=v words go to the environment) and
# must exit 2 with no output and the message and $USAGE on stderr.
usage_table() {
	local tool=$1 row opts message env failed=0
	shift
	while IFS= read -r row; do
		opts=${row%% | *}
		message=${row#* | }
		env=()
		while [[ $opts == SAM_* ]]; do
			env+=("${opts%% *}")
			[[ $opts == *' '* ]] && opts=${opts#* } || opts=
		done
		# shellcheck disable=SC2086 # options split on blanks
		run --separate-stderr env "${env[@]}" "$tool" "$@" $opts
		if [ "$status" -ne 2 ] || [ -n "$output" ] || [ "$stderr" != "$message"$'\n'"$USAGE" ]; then
			printf 'options: %s\nstatus: %s\nstderr: %s\n\n' "$row" "$status" "$stderr"
			failed=1
		fi
	done
	[ "$failed" -eq 0 ]
}
