# Loaded by every test file: bats-support and bats-assert, the binaries
# under test first on PATH, a clean environment, a fresh directory.
# shellcheck shell=bash
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run

bats_require_minimum_version 1.5.0	# run --separate-stderr
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

SAM_ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
SAM_BIN=${SAM_BIN:-$SAM_ROOT}
FIXTURES=$BATS_TEST_DIRNAME/fixtures
SHARED_DATA=${SAM_SHARED_DATA:-$SAM_ROOT/../shared/data}
PATH=$SAM_BIN:$PATH
export LC_ALL=C SAM_ROOT SAM_BIN FIXTURES SHARED_DATA PATH
load poll

# Every test starts in its own empty directory, with no SAM_ setting
# from the caller's environment and a fixed "now".
sam_setup() {
	local v
	for v in $(env | sed -n 's/^\(SAM_[A-Z_]*\)=.*/\1/p'); do
		case $v in SAM_BIN | SAM_ROOT | SAM_SHARED_DATA) ;; *) unset "$v" ;; esac
	done
	export SAM_NOW=2026-11-25T21:00:00Z
	# the NYSE's own calendar, whatever closures file this machine has
	export SAM_CLOSURES_FILE=/dev/null
	cd "$BATS_TEST_TMPDIR" || return 1
}

setup() {
	sam_setup
}

# stop_pid PID: stops a process this test started, by its PID (never a
# pattern): TERM, up to 5 s for it to go, then KILL; reaped.
stop_pid() {
	local i
	[ -n "${1:-}" ] || return 0
	kill "$1" 2> /dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$1" 2> /dev/null || break
		sleep 0.05
	done
	kill -9 "$1" 2> /dev/null || true
	wait "$1" 2> /dev/null || true
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

# padded_record DAY BYTES FIELDS: a record of AAA on day DAY of January
# 2024 with FIELDS, padded by a "pad" string to BYTES bytes (no newline
# counted), then a newline.
padded_record() {
	local head tail='"}'
	head=$(printf '{"ticker":"AAA","interval":"1d","ts":"2024-01-%02dT14:30:00Z",%s,"pad":"' "$1" "$3")
	printf '%s' "$head"
	head -c $(($2 - ${#head} - ${#tail})) /dev/zero | tr '\0' x
	printf '%s\n' "$tail"
}

# The line limit every NDJSON reader shares: lines over SAM_MAX_LINE (or
# the default 1 MiB) are reported and skipped, and the next line is read.
# TOOL reads records made by padded_record with FIELDS.
check_line_limits() {
	local tool=$1 fields=$2
	{ padded_record 2 100 "$fields"; padded_record 3 101 "$fields"
	  padded_record 4 70000 "$fields"; padded_record 5 99 "$fields"; } > in
	SAM_MAX_LINE=100 run --separate-stderr "$tool" in
	assert_failure 1
	assert_equal "$stderr" "$tool: in:2: line too long (more than 100 bytes)
$tool: in:3: line too long (more than 100 bytes)
$tool: 2 of 4 input lines rejected"
	assert_equal "$(jq -r .ts <<<"$output")" $'2024-01-02T14:30:00Z\n2024-01-05T14:30:00Z'

	{ padded_record 2 1048576 "$fields"; padded_record 3 1048577 "$fields"
	  padded_record 4 200 "$fields"; } > in
	run --separate-stderr "$tool" in
	assert_failure 1
	assert_equal "$stderr" "$tool: in:2: line too long (more than 1048576 bytes)
$tool: 1 of 3 input lines rejected"
	assert_equal "$(jq -r .ts <<<"$output")" $'2024-01-02T14:30:00Z\n2024-01-04T14:30:00Z'
}

# A 1,000,000-byte record passes TOOL unchanged but for ADDED, the
# members TOOL appends before the closing brace.
check_huge_record() {
	local tool=$1 fields=$2 added=$3
	padded_record 2 1000100 "$fields" > in
	run --separate-stderr "$tool" in
	assert_success
	assert_equal "$stderr" ""
	head -c -2 in > want
	printf '%s\n' "$output" | head -c "$(wc -c < want)" > got
	cmp want got
	assert_equal "$(printf '%s\n' "$output" | tail -c +$(($(wc -c < want) + 1)))" "$added}"
}

# -h and --help print $USAGE and the options on stdout, --version
# "TOOL X.Y.Z"; exit 0; either on a full disk: exit 3.
check_help_and_version() {
	local tool=$1 page=${2:-$1(1)} opt
	for opt in -h --help; do
		run --separate-stderr "$tool" "$opt"
		assert_success
		check_help "$page"
		assert_equal "$stderr" ""
	done
	run --separate-stderr "$tool" --version
	assert_success
	assert_output --regexp "^$tool [0-9]+\\.[0-9]+\\.[0-9]+\$"
	assert_equal "$stderr" ""
	check_full "$tool" --help
	check_full "$tool" --version
}

# $output is a --help: $USAGE, a blank line, "Options:" (or "Options of
# build:" and so on), a line for each
# option ("  -x, --long arg   what it does"), a blank line, "See PAGE."
check_help() {
	local page=$1
	[[ $output == "$USAGE"$'\n\nOptions'*$':\n  '* ]] ||
		{ echo "no usage and Options: $output"; return 1; }
	[[ $output == *$'\n\nSee '"$page." ]] ||
		{ echo "no See $page. at the end: $output"; return 1; }
}

# TOOL ARGS... > /dev/full: exit status 3 and the usual message.
check_full() {
	local tool=$1
	[ -w /dev/full ] || skip "no /dev/full"
	run --separate-stderr bash -c '"$@" > /dev/full' _ "$@"
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "$tool: fatal: unable to write standard output: No space left on device"
}

# The usage part of TOOL --help ARGS...: up to its first blank line.
usage_of() {
	"$@" --help | sed '/^$/,$d'
}

# Empty input, as a file and on stdin: no output, no message, exit 0.
check_empty_input() {
	local tool=$1
	shift
	: > empty
	run --separate-stderr "$tool" "$@" empty
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run --separate-stderr "$tool" "$@" < /dev/null
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
}

# TOOL INPUT with standard output on /dev/full: one message, exit 3.
check_full_stdout() {
	check_full "$1" "$2"
}

# Runs the cases of a table on stdin, one a line:
#	STATUS | U | COMMAND | STANDARD ERROR
# where U is "+" when the usage text follows the message ($USAGE, set
# by the test file).  Standard
# output must be empty.  Every case runs; each that differs is shown.
error_table() {
	local line want cmd msg usage expected n=0 bad=0
	while IFS= read -r line; do
		case $line in '' | '#'*) continue ;; esac
		want=${line%% | *}; line=${line#* | }
		usage=${line%% | *}; line=${line#* | }
		cmd=${line%% | *}; msg=${line#* | }
		expected=$msg
		if [ "$usage" = + ]; then expected+=$'\n'$USAGE; fi
		n=$((n + 1))
		run --separate-stderr eval "$cmd" < /dev/null
		if [ "$status" != "$want" ] || [ "$stderr" != "$expected" ] || [ -n "$output" ]; then
			printf '%s\n  expected exit %s and:\n%s\n  got exit %s and:\n%s\n  stdout:\n%s\n' \
				"$cmd" "$want" "$expected" "$status" "$stderr" "$output"
			bad=$((bad + 1))
		fi
	done
	echo "$n cases, $bad failed"
	[ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
}

# check_json_log TOOL [ARG...] <<< EXPECTED: TOOL ARG... --log-format json
# on the file "in" (two good records, then two bad lines) and a missing
# file writes the two records, exits 3, and logs EXPECTED, one JSON
# object a line (as jq -c prints it); SAM_LOG_FORMAT=json logs the same.
check_json_log() {
	local tool=$1 expected
	shift
	expected=$(cat)
	run --separate-stderr "$tool" "$@" --log-format json in missing
	assert_failure 3
	assert_equal "${#lines[@]}" 2
	printf '%s\n' "$stderr" > log
	assert_equal "$(wc -l < log)" "$(wc -l <<< "$expected")"
	run jq -c . log
	assert_success
	assert_output "$expected"
	SAM_LOG_FORMAT=json "$tool" "$@" in missing 2> env.log || true
	cmp log env.log
}
