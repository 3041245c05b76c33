#!/usr/bin/env bats
# shellcheck disable=SC2154 # status and output are set by bats' run
# Every tool's usage, the start of its --help, says what the SYNOPSIS of
# its man page says: the same invocations, with the same options and
# operands in the same order (OpenBSD's usage() matches it word for word).

load test_helper

setup() {
	sam_setup
	PATH=$SAM_ROOT/cron:$PATH
	command -v mandoc > /dev/null || skip "no mandoc"
}

# Blanks squeezed, none around "|": "text | json" is "text|json".
normalize() {
	sed 's/^ *//; s/  */ /g; s/ *| */|/g; s/ *$//'
}

# The SYNOPSIS of PAGE, an invocation a line.
synopsis() {
	mandoc -T ascii -O width=1000 "$SAM_ROOT/man/$1" | col -b |
		sed -n '/^SYNOPSIS$/,/^[A-Z]/{/^[A-Z]/d;/^ *$/d;p}' | normalize
}

# The usage that CMD... --help prints, an invocation a line: "usage: "
# dropped, each continuation line joined to its invocation's.
usage_lines() {
	"$@" --help | sed '/^$/,$d' | awk '
		{ sub(/^usage: /, "") }
		/^ *sam-/ { if (line != "") print line; line = $0; next }
		{ line = line " " $0 }
		END { if (line != "") print line }' | normalize
}

# Compares the usage of CMD... with the lines of PAGE's SYNOPSIS that
# start with PREFIX (all of them when PREFIX is empty).
check_synopsis() {
	local page=$1 prefix=$2
	shift 2
	usage_lines "$@" > got
	synopsis "$page" | awk -v p="$prefix" 'p == "" || index($0, p " ") == 1 || $0 == p' > want
	if [ ! -s got ] || [ ! -s want ]; then
		echo "no usage or no SYNOPSIS for $*"
		return 1
	fi
	diff -u --label "$page SYNOPSIS" want --label "$* --help" got
}

# Every option the usage of CMD... names has a line in its --help.
check_options_described() {
	"$@" --help > help
	sed '/^$/,$d' help | grep -oE '(^|[[ |])--?[a-z][-a-z]*' | sed 's/^[[ |]//' | sort -u > named
	sed '1,/^$/d' help | sed -n 's/^  \(-[^ ,]*\)\(, \(-[^ ]*\)\)\{0,1\}.*/\1\n\3/p' |
		sed '/^$/d' | sort -u > described
	if [ -n "$(comm -23 named described)" ]; then
		echo "$* --help describes no: $(comm -23 named described | tr '\n' ' ')"
		return 1
	fi
}

@test "every option in a tool's usage is described in its --help" {
	local cmd
	for cmd in sam-fetch sam-zscore sam-detect sam-store sam-alert sam-serve-static sam-hourly \
	    "sam-store put" "sam-store get" "sam-store prune" "sam-store fsck" "sam-store append"; do
		# shellcheck disable=SC2086 # the command's words
		check_options_described $cmd
	done
}

@test "the usage of sam-fetch is its SYNOPSIS" {
	check_synopsis sam-fetch.1 "" sam-fetch
}

@test "the usage of sam-zscore is its SYNOPSIS" {
	check_synopsis sam-zscore.1 "" sam-zscore
}

@test "the usage of sam-detect is its SYNOPSIS" {
	check_synopsis sam-detect.1 "" sam-detect
}

@test "the usage of sam-store is its SYNOPSIS" {
	check_synopsis sam-store.1 "" sam-store
}

@test "the usage of each sam-store command is its line of the SYNOPSIS" {
	local cmd
	for cmd in put get prune fsck stats append; do
		check_synopsis sam-store.1 "sam-store $cmd" sam-store "$cmd"
	done
}

@test "the usage of sam-alert is its SYNOPSIS" {
	check_synopsis sam-alert.1 "" sam-alert
}

@test "the usage of sam-serve-static and of its build command is its SYNOPSIS" {
	check_synopsis sam-serve-static.1 "" sam-serve-static
	check_synopsis sam-serve-static.1 "" sam-serve-static build
}

@test "the usage of sam-hourly is its SYNOPSIS" {
	check_synopsis sam-hourly.8 "" sam-hourly
}

@test "every page of a tool is checked here" {
	local page tool
	for page in "$SAM_ROOT"/man/sam-*.1 "$SAM_ROOT"/man/sam-*.8; do
		tool=$(basename "$page")
		grep -q "check_synopsis ${tool} " "$BATS_TEST_FILENAME" ||
			{ echo "$tool: no SYNOPSIS check"; return 1; }
	done
}
