#!/usr/bin/env bats
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
# sam-store: the flat-file store (put, get, prune, fsck, stats), its
# layout, its atomic writes under the lock, and its failures.

load test_helper
bats_require_minimum_version 1.5.0

USAGE=$(usage_of sam-store)

# Interval names, longest first, as the store sorts them.
ORDER='{"1d":0,"1h":1,"30m":2,"15m":3,"5m":4,"1m":5}'

teardown() {
	# a test may leave directories without write permission behind
	chmod -R u+rwX "$BATS_TEST_TMPDIR" 2> /dev/null || true
}

# ---- helpers ----

# rec N TICKER INTERVAL TS [FIELDS]: a record in compact form, ending
# with "n":N so that pick can find it.
rec() {
	printf '{"ticker":"%s","interval":"%s","ts":"%s",%s"n":%s}\n' "$2" "$3" "$4" "${5:+$5,}" "$1"
}

# pick FILE N...: the lines of FILE made by rec with these N, in this order.
pick() {
	local file=$1
	shift
	awk -v want="$*" '
		match($0, /"n":[^,}]*}$/) { line[substr($0, RSTART + 4, RLENGTH - 5)] = $0 }
		END { n = split(want, w, " "); for (i = 1; i <= n; i++) if (w[i] in line) print line[w[i]] }' "$file"
}

# sorted FILE JQ: the lines of FILE, unchanged, sorted (stably) on the
# string the jq expression JQ makes of each; $o is ORDER.
sorted() {
	paste <(jq -r --argjson o "$ORDER" "$2" "$1") "$1" | sort -s -t "$(printf '\t')" -k1,1 | cut -f2-
}

# The order of get, and the order of the day files of a store read
# file after file.
GET_ORDER='"\(.ts) \(.ticker) \($o[.interval])"'
FILE_ORDER='"\(.ticker) \(.date) \(.ts) \($o[.interval])"'

# snapshot DIR: each entry with its type, mode, size, inode and mtime;
# two equal snapshots mean nothing was written, replaced or touched.
snapshot() {
	find "$1" -printf '%p %y %m %s %i %T@\n' | sort
}

# tree DIR: the entries under DIR with their type and mode.
tree() {
	find "$1" -printf '%y %m %p\n' | sort -k3
}

# file_is PATH < CONTENT: the file holds exactly CONTENT.
file_is() {
	diff -u - "$1"
}

# The summary line of fsck.
summary() {
	printf '{"files":%s,"records":%s,"problems":%s,"repaired":%s,"quarantined":%s}' "$@"
}

# need_userns: sets UNSHARE to a command that makes a mount namespace
# (as root: unshare -m, which also works in a chroot; else with a user
# namespace: unshare -rm), or skips.
need_userns() {
	command -v unshare > /dev/null || skip "unshare is not installed"
	UNSHARE="unshare -rm"
	[ "$(id -u)" -ne 0 ] || UNSHARE="unshare -m"
	$UNSHARE true 2> /dev/null || skip "$UNSHARE is not permitted here"
}

# as_other CMD...: runs CMD as a user whom permissions stop: nobody when
# the tests run as root, else the current user.
as_other() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
	else
		"$@"
	fi
}

# A store of raw bars and anomalies for the get tests: records 1..11
# and 21..27, put in shuffled order.  In get's order (ts, ticker,
# interval longest first) they are 1..11 and 21 22 23 24 27 26 25.
get_store() {
	{
		rec 1 AAA 1d 2026-11-20T14:30:00Z
		rec 2 AAA 1h 2026-11-20T14:30:00Z
		rec 3 BBB 1d 2026-11-20T14:30:00Z
		rec 4 AAA 1h 2026-11-20T15:30:00Z
		rec 5 AAA 1d 2026-11-23T14:30:00Z
		rec 6 BBB 1d 2026-11-23T14:30:00Z
		rec 7 CCC 1d 2026-11-24T14:30:00Z
		rec 8 AAA 1d 2026-11-25T14:30:00Z
		rec 9 AAA 5m 2026-11-25T14:30:00Z
		rec 10 BBB 1d 2026-11-25T14:30:00Z
		rec 11 AAA 1h 2026-11-26T01:30:00Z	# 20:30 on the 25th in New York
	} > raw
	{
		rec 21 AAA 1d 2026-11-20T14:30:00Z '"anomaly":true,"severity":"low"'
		rec 22 BBB 1d 2026-11-20T14:30:00Z '"anomaly":true,"severity":"critical"'
		rec 23 AAA 1d 2026-11-23T14:30:00Z '"anomaly":true,"severity":"medium"'
		rec 24 CCC 1d 2026-11-24T14:30:00Z '"anomaly":true,"severity":"high"'
		rec 25 AAA 1h 2026-11-25T15:30:00Z '"anomaly":true,"severity":"critical"'
		rec 26 BBB 1d 2026-11-25T14:30:00Z '"anomaly":true,"severity":"high"'
		rec 27 DDD 1d 2026-11-24T14:30:00Z '"anomaly":true'
	} > anomalies
	cat raw anomalies | awk '{ print (NR * 7) % 18, $0 }' | sort -n | cut -d' ' -f2- > shuffled
	sam-store put shuffled > /dev/null
}

# check_get KIND N... -- OPTION...: get KIND OPTION... writes exactly the
# records N..., and nothing on standard error.
check_get() {
	local kind=$1 want=() st
	shift
	while [ "$1" != -- ]; do
		want+=("$1")
		shift
	done
	shift
	# not "run": it is slower, and this runs often
	sam-store get "$kind" "$@" > got 2> err && st=0 || st=$?
	pick "$kind" "${want[@]}" > want
	if [ "$st" -ne 0 ] || [ -s err ] || ! cmp -s want got; then
		printf 'get %s %s\n  status %s, stderr: %s\n  expected n: %s\n  got:\n%s\n' "$kind" "$*" \
			"$st" "$(cat err)" "${want[*]}" "$(cat got)"
		return 1
	fi
}

# ---- options and usage ----

@test "-h and --help print the usage and --version the version, on standard output" {
	assert_equal "$USAGE" 'usage: sam-store [-r root] [-w seconds] [--log-format text|json] command ...
       sam-store put [--kind raw|anomalies] [--tee] [--outbox] [--strict]
                 [file ...]
       sam-store get raw|anomalies [-t ticker]... [-d date | --from date]
                 [--to date] [--days n] [-s level] [-n limit] [--desc]
       sam-store prune [--raw-days n] [--dlq-days n] [--cooldown time] [--dry-run]
                 [--drop-dead-letters]
       sam-store fsck [--repair]
       sam-store stats
       sam-store append runs [--strict] [file ...]'
	check_help_and_version sam-store
	for cmd in "put -h" "put --help" "prune --help" "fsck -h" "stats --help" "append --help"; do
		# shellcheck disable=SC2086 # the command's words
		run --separate-stderr sam-store $cmd
		assert_success
		check_command_help "${cmd%% *}"
		assert_equal "$stderr" ""
	done
	check_full sam-store put --help
	[ ! -e sam-store ]
}

# $output is the --help of command NAME: its lines of $USAGE with
# "usage:" in front, its options, those of every command, the page.
check_command_help() {
	local name=$1 usage
	usage=$(printf '%s\n' "$USAGE" | awk -v c="sam-store $name" '
		index($0, c " ") == 8 || substr($0, 8) == c { on = 1; sub(/^      /, "usage:"); print; next }
		/^       sam-store / { on = 0 }
		on && NR > 1')
	[[ $output == "$usage"$'\n\n'* ]] || { echo "not the usage of $name: $output"; return 1; }
	[[ $output == *$'\nOptions of every command:\n'*$'\n\nSee sam-store(1).' ]]
}

@test "-h and --help after get print the usage, and do nothing else" {
	get_store
	for cmd in "get raw --help" "get raw -h" "get -h" "get anomalies -t AAA --help"; do
		# shellcheck disable=SC2086 # the command's words
		run --separate-stderr sam-store $cmd < /dev/null
		assert_success
		check_command_help get
		assert_equal "$stderr" ""
	done
	rm -r sam-store
	run --separate-stderr sam-store get raw --help
	assert_success
	check_command_help get
	assert_equal "$stderr" ""
}

@test "no command is a usage error" {
	run --separate-stderr sam-store
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" "sam-store: no command given"$'\n'"$USAGE"
	run --separate-stderr sam-store -r st -w 3
	assert_failure 2
	assert_equal "$stderr" "sam-store: no command given"$'\n'"$USAGE"
}

@test "each bad global option, command or environment variable is a usage error with its own message" {
	usage_table sam-store <<-'EOF'
		foo | sam-store: unknown command: foo
		-w x put | sam-store: -w: not a number of seconds from 0 to 86400: x
		-w 86401 put | sam-store: -w: not a number of seconds from 0 to 86400: 86401
		-w -1 put | sam-store: -w: not a number of seconds from 0 to 86400: -1
		--lock-wait=1.5 put | sam-store: -w: not a number of seconds from 0 to 86400: 1.5
		--log-format xml stats | sam-store: --log-format: must be text or json: xml
		-q stats | sam-store: invalid option -- 'q'
		--bogus stats | sam-store: unrecognized option '--bogus'
		--root | sam-store: option '--root' requires an argument
		-w | sam-store: option requires an argument -- 'w'
		--version=1 | sam-store: option '--version' doesn't allow an argument
		SAM_LOG_FORMAT=xml stats | sam-store: SAM_LOG_FORMAT: must be text or json: xml
		SAM_NOW=yesterday stats | sam-store: SAM_NOW: not an RFC 3339 UTC time: yesterday
		SAM_MAX_LINE=0 put | sam-store: SAM_MAX_LINE: not a number of bytes from 1 to 1073741824: 0
	EOF
	[ ! -e sam-store ]
}

@test "each bad option of put is a usage error, and nothing is read or stored" {
	rec 1 AAA 1d 2024-01-02T14:30:00Z > in
	usage_table sam-store put <<-'EOF'
		--kind dlq in | sam-store: --kind: must be raw or anomalies: dlq
		--kind=alerts in | sam-store: --kind: must be raw or anomalies: alerts
		--kind RAW in | sam-store: --kind: must be raw or anomalies: RAW
		--kind | sam-store: option '--kind' requires an argument
		-x in | sam-store: invalid option -- 'x'
		--tee=1 in | sam-store: option '--tee' doesn't allow an argument
		--strict=yes in | sam-store: option '--strict' doesn't allow an argument
		--log-format=yaml in | sam-store: --log-format: must be text or json: yaml
	EOF
	[ ! -e sam-store ]
}

@test "each bad option or argument of get is a usage error" {
	mkdir sam-store
	usage_table sam-store get <<-'EOF'
		dlq | sam-store: get: must be raw or anomalies: dlq
		raw extra | sam-store: get: unexpected argument: extra
		raw -d 2026-13-01 | sam-store: -d: not a date (YYYY-MM-DD): 2026-13-01
		raw --date=2026-02-29 | sam-store: -d: not a date (YYYY-MM-DD): 2026-02-29
		raw --from 2026-11-1 | sam-store: --from: not a date (YYYY-MM-DD): 2026-11-1
		raw --to 2026-11-25T00:00:00Z | sam-store: --to: not a date (YYYY-MM-DD): 2026-11-25T00:00:00Z
		raw -d 2026-11-25 --from 2026-11-01 | sam-store: -d, --from/--to and --days: give one of them
		raw --days 3 -d 2026-11-25 | sam-store: -d, --from/--to and --days: give one of them
		raw --days 3 --from 2026-11-01 | sam-store: -d, --from/--to and --days: give one of them
		raw --from 2026-11-26 --to 2026-11-25 | sam-store: --from is after --to
		raw --days 0 | sam-store: --days: not a number from 1 to 100000: 0
		raw --days 100001 | sam-store: --days: not a number from 1 to 100000: 100001
		raw -s low | sam-store: -s: only anomalies have a severity
		anomalies -s LOW | sam-store: -s: must be low, medium, high or critical: LOW
		anomalies --severity=extreme | sam-store: -s: must be low, medium, high or critical: extreme
		raw -n 0 | sam-store: -n: not a number above 0: 0
		raw --limit=-1 | sam-store: -n: not a number above 0: -1
		raw -t ../x | sam-store: -t: not a valid ticker: ../x
		raw --ticker=A/B | sam-store: -t: not a valid ticker: A/B
		raw --desc=1 | sam-store: option '--desc' doesn't allow an argument
		raw -t | sam-store: option requires an argument -- 't'
	EOF
	run --separate-stderr sam-store get
	assert_failure 2
	assert_equal "$stderr" "sam-store: get: which records? raw or anomalies"$'\n'"$USAGE"
}

@test "each bad option or environment variable of prune is a usage error, and nothing is removed" {
	mkdir -p sam-store/raw/AAA
	echo '{}' > sam-store/raw/AAA/2020-01-02.ndjson
	usage_table sam-store prune <<-'EOF'
		--raw-days 0 | sam-store: --raw-days: not a number of days from 1 to 100000: 0
		--raw-days=100001 | sam-store: --raw-days: not a number of days from 1 to 100000: 100001
		--dlq-days x | sam-store: --dlq-days: not a number of days from 1 to 100000: x
		--cooldown 1w | sam-store: --cooldown: not a time such as 24h, 90m or 3600s: 1w
		--cooldown -1h | sam-store: --cooldown: not a time such as 24h, 90m or 3600s: -1h
		--cooldown 3651d | sam-store: --cooldown: not a time such as 24h, 90m or 3600s: 3651d
		--cooldown 1.5s | sam-store: --cooldown: not a time such as 24h, 90m or 3600s: 1.5s
		--dry-run=yes | sam-store: option '--dry-run' doesn't allow an argument
		extra | sam-store: prune: unexpected argument: extra
		SAM_RAW_DAYS=0 | sam-store: SAM_RAW_DAYS: not a number of days from 1 to 100000: 0
		SAM_DLQ_DAYS=two | sam-store: SAM_DLQ_DAYS: not a number of days from 1 to 100000: two
		SAM_COOLDOWN=soon | sam-store: SAM_COOLDOWN: not a time such as 24h, 90m or 3600s: soon
	EOF
	[ -f sam-store/raw/AAA/2020-01-02.ndjson ]
}

@test "an empty --raw-days, --dlq-days or --cooldown is a usage error" {
	mkdir -p sam-store/raw/AAA
	echo '{}' > sam-store/raw/AAA/2020-01-02.ndjson
	run --separate-stderr sam-store prune --raw-days ''
	assert_failure 2
	assert_equal "$stderr" "sam-store: --raw-days: not a number of days from 1 to 100000: "$'\n'"$USAGE"
	run --separate-stderr sam-store prune --dlq-days ''
	assert_failure 2
	assert_equal "$stderr" "sam-store: --dlq-days: not a number of days from 1 to 100000: "$'\n'"$USAGE"
	run --separate-stderr sam-store prune --cooldown ''
	assert_failure 2
	assert_equal "$stderr" "sam-store: --cooldown: not a time such as 24h, 90m or 3600s: "$'\n'"$USAGE"
	[ -f sam-store/raw/AAA/2020-01-02.ndjson ]
}

@test "fsck and stats take no arguments" {
	mkdir sam-store
	usage_table sam-store <<-'EOF'
		fsck extra | sam-store: fsck: unexpected argument: extra
		fsck --repair=yes | sam-store: option '--repair' doesn't allow an argument
		fsck -x | sam-store: invalid option -- 'x'
		stats raw | sam-store: stats: unexpected argument: raw
		stats --all | sam-store: unrecognized option '--all'
	EOF
}

@test "a bad environment variable does not matter when its option is given" {
	get_store
	SAM_LOG_FORMAT=xml run --separate-stderr sam-store --log-format text get raw -t CCC
	assert_success
	assert_output "$(pick raw 7)"
	mkdir -p sam-store/dlq
	: > sam-store/dlq/2026-11-01.ndjson
	SAM_RAW_DAYS=0 SAM_DLQ_DAYS=x SAM_COOLDOWN=y run --separate-stderr \
		sam-store prune --raw-days 30 --dlq-days 14 --cooldown 1d
	assert_success
	assert_equal "$stderr" ""
	assert_output '{"kind":"dlq","date":"2026-11-01","path":"dlq/2026-11-01.ndjson","letters":0,"removed":true}'
}

@test "prune keeps an old dead-letter file that holds letters, and says so, until --drop-dead-letters" {
	mkdir -p sam-store/dlq
	printf '%s\n' '{"id":"A:1d:x"}' '{"id":"B:1d:x"}' > sam-store/dlq/2026-11-01.ndjson
	printf '%s\n' '{"id":"C:1d:x"}' > sam-store/dlq/2026-11-02.ndjson
	printf '%s\n' '{"id":"D:1d:x"}' > sam-store/dlq/2026-11-24.ndjson
	: > sam-store/dlq/2026-10-30.ndjson
	run --separate-stderr sam-store prune --dlq-days 14
	assert_success
	assert_output '{"kind":"dlq","date":"2026-10-30","path":"dlq/2026-10-30.ndjson","letters":0,"removed":true}
{"kind":"dlq","date":"2026-11-01","path":"dlq/2026-11-01.ndjson","letters":2,"removed":false}
{"kind":"dlq","date":"2026-11-02","path":"dlq/2026-11-02.ndjson","letters":1,"removed":false}'
	assert_equal "$stderr" "sam-store: warning: sam-store/dlq/2026-11-01.ndjson: 2 undelivered dead letters past --dlq-days kept: deliver with sam-alert --replay-dlq, or drop with prune --drop-dead-letters
sam-store: warning: sam-store/dlq/2026-11-02.ndjson: 1 undelivered dead letter past --dlq-days kept: deliver with sam-alert --replay-dlq, or drop with prune --drop-dead-letters"
	[ ! -e sam-store/dlq/2026-10-30.ndjson ]
	[ -s sam-store/dlq/2026-11-01.ndjson ] && [ -s sam-store/dlq/2026-11-02.ndjson ]
	# told: dropped
	run --separate-stderr sam-store prune --dlq-days 14 --drop-dead-letters
	assert_success
	assert_equal "$stderr" ""
	assert_output '{"kind":"dlq","date":"2026-11-01","path":"dlq/2026-11-01.ndjson","letters":2,"removed":true}
{"kind":"dlq","date":"2026-11-02","path":"dlq/2026-11-02.ndjson","letters":1,"removed":true}'
	run ls sam-store/dlq
	assert_output 2026-11-24.ndjson
}

# ---- the root ----

@test "the store is ./sam-store, else SAM_STORE, else -r or --root" {
	rec 1 AAA 1d 2026-11-24T14:30:00Z > in
	run --separate-stderr sam-store put in
	assert_success
	[ -f sam-store/raw/AAA/2026-11-24.ndjson ]
	SAM_STORE=envstore run --separate-stderr sam-store put in
	assert_success
	assert_output "$(cat in)"
	[ -f envstore/raw/AAA/2026-11-24.ndjson ]
	SAM_STORE=envstore run --separate-stderr sam-store -r opt put in
	assert_output "$(cat in)"
	[ -f opt/raw/AAA/2026-11-24.ndjson ]
	SAM_STORE=envstore run --separate-stderr sam-store --root=long put in
	assert_output "$(cat in)"
	[ -f long/raw/AAA/2026-11-24.ndjson ]
	SAM_STORE='' run --separate-stderr sam-store put in
	assert_success
	assert_output ""
	for root in sam-store envstore opt long; do
		run --separate-stderr sam-store -r "$root" get raw
		assert_success
		assert_output "$(cat in)"
	done
	# a root with slashes at its end is shown without them
	echo garbage >> opt/raw/AAA/2026-11-24.ndjson
	run --separate-stderr sam-store -r opt// get raw
	assert_failure 1
	assert_equal "$stderr" "sam-store: opt/raw/AAA/2026-11-24.ndjson:2: not a JSON object"
}

@test "-r and --log-format may follow get, prune, fsck and stats" {
	get_store
	mv sam-store st
	run --separate-stderr sam-store get raw -t CCC -r st
	assert_success
	assert_output "$(pick raw 7)"
	run --separate-stderr sam-store get raw --root=st -t CCC
	assert_output "$(pick raw 7)"
	run --separate-stderr sam-store fsck --root st
	assert_success
	assert_output "$(summary 14 18 0 0 0)"
	run --separate-stderr sam-store stats -r st
	assert_success
	assert_equal "$(jq -r .records <<< "$output" | paste -sd' ')" "11 7 0 0 0 0"
	run --separate-stderr sam-store prune --dry-run -r st
	assert_success
	assert_output ""
	run --separate-stderr sam-store get raw -r nowhere --log-format json
	assert_failure 3
	assert_equal "$(jq -c '{level, msg}' <<< "$stderr")" '{"level":"fatal","msg":"unable to open the store nowhere: No such file or directory"}'
}

@test "-r and --log-format may follow put" {
	rec 1 AAA 1d 2026-11-24T14:30:00Z > in
	run --separate-stderr sam-store put -r st in
	assert_success
	assert_output "$(cat in)"
	file_is st/raw/AAA/2026-11-24.ndjson < in
	run --separate-stderr sam-store put --root=st2 in
	assert_success
	assert_output "$(cat in)"
	file_is st2/raw/AAA/2026-11-24.ndjson < in
	echo '[]' > bad
	run --separate-stderr sam-store put --log-format json bad
	assert_failure 1
	assert_equal "$(jq -c '{level, msg, file, line}' <<< "$stderr" | head -n 1)" '{"level":"error","msg":"not a JSON object","file":"bad","line":1}'
}

@test "put creates the store and its parents, directories 0750 and files 0640 under umask 022" {
	umask 022
	{ rec 1 AAA 1d 2026-11-24T14:30:00Z; rec 2 BBB 1d 2026-11-24T14:30:00Z '"anomaly":true'; } > in
	run --separate-stderr sam-store -r a/b/st put in
	assert_success
	assert_equal "$(tree a)" "d 750 a
d 750 a/b
d 750 a/b/st
f 640 a/b/st/.lock
d 750 a/b/st/anomalies
d 750 a/b/st/anomalies/BBB
f 640 a/b/st/anomalies/BBB/2026-11-24.ndjson
d 750 a/b/st/raw
d 750 a/b/st/raw/AAA
f 640 a/b/st/raw/AAA/2026-11-24.ndjson
d 750 a/b/st/tmp"
	echo garbage >> a/b/st/raw/AAA/2026-11-24.ndjson
	run --separate-stderr sam-store -r a/b/st fsck --repair
	assert_failure 1
	assert_equal "$(tree a/b/st/quarantine)" "d 750 a/b/st/quarantine
d 750 a/b/st/quarantine/raw
d 750 a/b/st/quarantine/raw/AAA
f 640 a/b/st/quarantine/raw/AAA/2026-11-24.ndjson"
	assert_equal "$(stat -c %a a/b/st/raw/AAA/2026-11-24.ndjson)" 640
}

@test "a store that anyone may write to is refused by every command, and left as it is" {
	get_store
	rec 30 AAA 1d 2026-11-24T14:30:00Z > in
	echo junk > sam-store/tmp/leftover
	for mode in 0777 1777 0702; do
		chmod "$mode" sam-store
		snapshot sam-store > before
		cmds=("put in" "get raw" prune "prune --dry-run" fsck "fsck --repair" stats)
		[ "$mode" = 0777 ] || cmds=("put in" "get anomalies")
		for cmd in "${cmds[@]}"; do
			# shellcheck disable=SC2086 # the command's words
			run --separate-stderr sam-store $cmd
			assert_failure 2
			assert_output ""
			assert_equal "$stderr" "sam-store: sam-store: anyone may write to the store (mode $mode); refusing to use it (chmod o-w sam-store)"
		done
		snapshot sam-store > after
		cmp before after
	done
	chmod 0770 sam-store
	run --separate-stderr sam-store get raw -t CCC
	assert_success
	assert_output "$(pick raw 7)"
}

@test "a store that does not exist is an error for every command but put, and is not created" {
	for cmd in "get raw" prune "prune --dry-run" fsck "fsck --repair" stats; do
		# shellcheck disable=SC2086 # the command's words
		run --separate-stderr sam-store -r st $cmd
		assert_failure 3
		assert_output ""
		assert_equal "$stderr" "sam-store: fatal: unable to open the store st: No such file or directory"
	done
	echo x > file
	run --separate-stderr sam-store -r file get raw
	assert_failure 3
	assert_equal "$stderr" "sam-store: fatal: unable to open the store file: Not a directory"
	rec 1 AAA 1d 2026-11-24T14:30:00Z > in
	run --separate-stderr sam-store -r file put in
	assert_failure 3
	assert_equal "$(head -n 1 <<< "$stderr")" "sam-store: fatal: unable to open the store file: Not a directory"
	assert_equal "$(ls --ignore='separate-stderr-*')" "file
in"
}

# ---- put ----

@test "put stores bars by ticker and New York date, and get gives them back byte for byte" {
	sam-fetch -s mock --from 2026-11-02 --to 2026-11-24 AAA BBB > bars
	sam-fetch -s mock -i 1h --from 2026-11-23 --to 2026-11-24 AAA BBB >> bars
	sam-fetch -s mock -i 15m --from 2026-11-24 --to 2026-11-24 BBB >> bars
	run --separate-stderr sam-store put bars
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(cat bars)"
	# the files: one a ticker and date, and in them the bars sorted
	assert_equal "$(cd sam-store && find raw -type f | sort)" \
		"$(jq -r '"raw/\(.ticker)/\(.date).ndjson"' bars | sort -u)"
	sorted bars "$FILE_ORDER" > want
	find sam-store/raw -type f | sort | xargs cat > got
	cmp want got
	# get: everything, sorted by ts, then ticker, then interval
	sorted bars "$GET_ORDER" > want
	run --separate-stderr sam-store get raw
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(cat want)"
	# 2 tickers: 17 days, 2 days of 7 hours; 1 day of 26 quarters for one
	[ "$(wc -l < bars)" -eq 88 ]
}

@test "put stores anomalies apart, and get gives them back byte for byte" {
	sam-fetch -s mock --from 2026-05-01 --to 2026-11-24 AAA BBB | sam-zscore | sam-detect > found
	[ "$(wc -l < found)" -gt 20 ]
	run --separate-stderr sam-store put found
	assert_success
	assert_output "$(cat found)"
	[ ! -e sam-store/raw ]
	run --separate-stderr sam-store get anomalies
	assert_success
	assert_output "$(sorted found "$GET_ORDER")"
}

@test "put stores a record in compact form, every member and its bytes in their order" {
	fixture in <<-'EOF'
		 { "ticker" : "AAA" , "interval":"1d" ,"ts": "2024-01-02T14:30:00Z","note":"tab\there \"q\" \u00e9 é 😀 \/ \\" , "close" : 1.50,"v":1E+2, "arr":[ 1 , [ ] , "]" ], "o" : { "a" : null } , "\u0063":-0.0 } 
	EOF
	compact='{"ticker":"AAA","interval":"1d","ts":"2024-01-02T14:30:00Z","note":"tab\there \"q\" \u00e9 é 😀 \/ \\","close":1.50,"v":1E+2,"arr":[ 1 , [ ] , "]" ],"o":{ "a" : null },"\u0063":-0.0}'
	run --separate-stderr sam-store put in
	assert_success
	assert_output "$compact"
	file_is sam-store/raw/AAA/2024-01-02.ndjson <<< "$compact"
	run --separate-stderr sam-store get raw
	assert_output "$compact"
	# the same record, blanks and all, or compact: nothing new
	run --separate-stderr sam-store put in
	assert_success
	assert_output ""
	echo "$compact" > compact
	run --separate-stderr sam-store put compact
	assert_success
	assert_output ""
}

@test "a second put of the same records prints nothing and changes no file" {
	sam-fetch -s mock --from 2026-11-16 --to 2026-11-24 AAA BBB > bars
	sam-fetch -s mock -i 1h --from 2026-11-24 --to 2026-11-24 AAA >> bars
	sam-fetch -s mock --from 2026-05-01 --to 2026-11-24 AAA | sam-zscore | sam-detect >> bars
	sam-store put bars > /dev/null
	find sam-store -exec touch -h -d '2020-01-02 03:04:05' {} +
	snapshot sam-store > before
	cp -a sam-store copy
	run --separate-stderr sam-store put bars
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	snapshot sam-store > after
	cmp before after
	diff -r copy sam-store
	# so does a put of a part of them, in another order
	tac bars | sed -n '1~3p' > part
	run --separate-stderr sam-store put part
	assert_success
	assert_output ""
	snapshot sam-store > after
	cmp before after
	# and of them with --tee, which still writes them all
	run --separate-stderr sam-store put --tee part
	assert_output "$(cat part)"
	snapshot sam-store > after
	cmp before after
}

@test "a changed record is printed once and replaces the stored one, and the other files are not touched" {
	{
		rec 1 AAA 1d 2026-11-23T14:30:00Z '"close":1'
		rec 2 AAA 1d 2026-11-24T14:30:00Z '"close":2'
		rec 3 AAA 1h 2026-11-24T15:30:00Z '"close":3'
		rec 4 BBB 1d 2026-11-24T14:30:00Z '"close":4'
	} > in
	sam-store put in > /dev/null
	find sam-store -exec touch -h -d '2020-01-02 03:04:05' {} +
	snapshot sam-store/raw/AAA/2026-11-23.ndjson > aaa23
	snapshot sam-store/raw/BBB > bbb
	{
		rec 3 AAA 1h 2026-11-24T15:30:00Z '"close":3.5'
		rec 1 AAA 1d 2026-11-23T14:30:00Z '"close":1'
		rec 4 BBB 1d 2026-11-24T14:30:00Z '"close":4'
	} > in2
	run --separate-stderr sam-store put in2
	assert_success
	assert_equal "$stderr" ""
	assert_output '{"ticker":"AAA","interval":"1h","ts":"2026-11-24T15:30:00Z","close":3.5,"n":3}'
	file_is sam-store/raw/AAA/2026-11-24.ndjson <<-'EOF'
		{"ticker":"AAA","interval":"1d","ts":"2026-11-24T14:30:00Z","close":2,"n":2}
		{"ticker":"AAA","interval":"1h","ts":"2026-11-24T15:30:00Z","close":3.5,"n":3}
	EOF
	snapshot sam-store/raw/AAA/2026-11-23.ndjson | cmp aaa23 -
	snapshot sam-store/raw/BBB | cmp bbb -
	run --separate-stderr sam-store put in2
	assert_output ""
	# a key is (ticker, interval, ts): the same instant written otherwise is the same key
	rec 3 AAA 1h 2026-11-24T15:30:00.000Z '"close":3.5' > in3
	run --separate-stderr sam-store put in3
	assert_output "$(cat in3)"
	file_is sam-store/raw/AAA/2026-11-24.ndjson <<-'EOF'
		{"ticker":"AAA","interval":"1d","ts":"2026-11-24T14:30:00Z","close":2,"n":2}
		{"ticker":"AAA","interval":"1h","ts":"2026-11-24T15:30:00.000Z","close":3.5,"n":3}
	EOF
}

@test "records of one key in one input are applied in input order, each compared with the one before" {
	{
		rec 1 AAA 1d 2026-11-24T14:30:00Z '"close":1'
		rec 2 AAA 1d 2026-11-24T14:30:00Z '"close":1'
		rec 1 AAA 1d 2026-11-24T14:30:00Z '"close":1'
		rec 3 AAA 1d 2026-11-24T14:30:00Z '"close":2'
		rec 3 AAA 1d 2026-11-24T14:30:00Z '"close":2'
	} > in
	run --separate-stderr sam-store put in
	assert_success
	assert_output '{"ticker":"AAA","interval":"1d","ts":"2026-11-24T14:30:00Z","close":1,"n":1}
{"ticker":"AAA","interval":"1d","ts":"2026-11-24T14:30:00Z","close":1,"n":2}
{"ticker":"AAA","interval":"1d","ts":"2026-11-24T14:30:00Z","close":1,"n":1}
{"ticker":"AAA","interval":"1d","ts":"2026-11-24T14:30:00Z","close":2,"n":3}'
	file_is sam-store/raw/AAA/2026-11-24.ndjson <<-'EOF'
		{"ticker":"AAA","interval":"1d","ts":"2026-11-24T14:30:00Z","close":2,"n":3}
	EOF
	# against the stored one: the same first, then a change
	{
		rec 3 AAA 1d 2026-11-24T14:30:00Z '"close":2'
		rec 4 AAA 1d 2026-11-24T14:30:00Z '"close":4'
	} > in2
	run --separate-stderr sam-store put in2
	assert_output '{"ticker":"AAA","interval":"1d","ts":"2026-11-24T14:30:00Z","close":4,"n":4}'
	# a change, then back to what is stored: the file does not change
	snapshot sam-store > before
	{
		rec 5 AAA 1d 2026-11-24T14:30:00Z '"close":5'
		rec 4 AAA 1d 2026-11-24T14:30:00Z '"close":4'
	} > in3
	run --separate-stderr sam-store put in3
	assert_output "$(cat in3)"
	snapshot sam-store > after
	cmp before after
}

@test "put writes only new and changed records, in input order, and --tee every valid one" {
	{ rec 1 AAA 1d 2026-11-23T14:30:00Z; rec 2 BBB 1d 2026-11-24T14:30:00Z; rec 3 CCC 1d 2026-11-24T14:30:00Z; } > old
	sam-store put old > /dev/null
	{
		rec 4 CCC 1h 2026-11-24T15:30:00Z
		rec 2 BBB 1d 2026-11-24T14:30:00Z
		echo '{"ticker":"BAD"}'
		rec 5 AAA 1d 2026-11-23T14:30:00Z '"anomaly":true'
		rec 1 AAA 1d 2026-11-23T14:30:00Z '"changed":true'
		rec 3 CCC 1d 2026-11-24T14:30:00Z
		rec 6 AAA 1d 2026-11-20T14:30:00Z
	} > in
	cp -a sam-store copy
	run --separate-stderr sam-store put in
	assert_failure 1
	assert_equal "$stderr" 'sam-store: in:3: missing field "interval"
sam-store: 1 of 7 input lines rejected'
	assert_output "$(pick in 4 5 1 6)"
	rm -rf sam-store
	mv copy sam-store
	run --separate-stderr sam-store put --tee in
	assert_failure 1
	assert_output "$(pick in 4 2 5 1 3 6)"
	run --separate-stderr sam-store get anomalies
	assert_output "$(pick in 5)"
	run --separate-stderr sam-store get raw
	assert_output "$(pick in 6 1 2 3 4)"
}

@test "a day file is sorted by ts, then by interval from the longest" {
	for i in 1m 5m 15m 1h 30m 1d; do
		rec "$i" AAA "$i" 2026-11-24T14:30:00Z
	done | sed 's/"n":\([0-9a-z]*\)}/"n":"\1"}/' > same
	{
		rec 1 AAA 1m 2026-11-24T14:31:00Z
		rec 2 AAA 1m 2026-11-24T14:29:59.999Z
		rec 3 AAA 1d 2026-11-24T14:30:00.5Z
		cat same
		rec 4 AAA 1h 2026-11-24T14:30:00.000000001Z
		rec 5 AAA 1m 2026-11-24T05:00:00Z
	} > in
	run --separate-stderr sam-store put in
	assert_success
	file_is sam-store/raw/AAA/2026-11-24.ndjson <<-'EOF'
		{"ticker":"AAA","interval":"1m","ts":"2026-11-24T05:00:00Z","n":5}
		{"ticker":"AAA","interval":"1m","ts":"2026-11-24T14:29:59.999Z","n":2}
		{"ticker":"AAA","interval":"1d","ts":"2026-11-24T14:30:00Z","n":"1d"}
		{"ticker":"AAA","interval":"1h","ts":"2026-11-24T14:30:00Z","n":"1h"}
		{"ticker":"AAA","interval":"30m","ts":"2026-11-24T14:30:00Z","n":"30m"}
		{"ticker":"AAA","interval":"15m","ts":"2026-11-24T14:30:00Z","n":"15m"}
		{"ticker":"AAA","interval":"5m","ts":"2026-11-24T14:30:00Z","n":"5m"}
		{"ticker":"AAA","interval":"1m","ts":"2026-11-24T14:30:00Z","n":"1m"}
		{"ticker":"AAA","interval":"1h","ts":"2026-11-24T14:30:00.000000001Z","n":4}
		{"ticker":"AAA","interval":"1d","ts":"2026-11-24T14:30:00.5Z","n":3}
		{"ticker":"AAA","interval":"1m","ts":"2026-11-24T14:31:00Z","n":1}
	EOF
	run --separate-stderr sam-store fsck
	assert_success
	assert_output "$(summary 1 11 0 0 0)"
}

@test "a record's day file is the New York date of its ts, in summer time and in winter time" {
	{
		rec 1 AAA 1h 2026-07-01T03:59:59Z '"date":"2026-06-30"'
		rec 2 AAA 1h 2026-07-01T04:00:00Z '"date":"2026-07-01"'
		rec 3 AAA 1h 2026-11-25T04:59:59.999Z
		rec 4 AAA 1h 2026-11-25T05:00:00Z
		# summer time begins on 2026-03-08, ends on 2026-11-01
		rec 5 AAA 1h 2026-03-08T04:59:59Z
		rec 6 AAA 1h 2026-03-08T05:00:00Z
		rec 7 AAA 1h 2026-03-09T03:59:59Z
		rec 8 AAA 1h 2026-03-09T04:00:00Z
		rec 9 AAA 1h 2026-11-01T03:59:59Z
		rec 10 AAA 1h 2026-11-01T04:00:00Z
		rec 11 AAA 1h 2026-11-02T04:59:59Z
		rec 12 AAA 1h 2026-11-02T05:00:00Z
	} > in
	run --separate-stderr sam-store put in
	assert_success
	assert_equal "$stderr" ""
	run bash -c "grep -o '\"n\":[0-9]*' -r sam-store/raw/AAA | sort"
	assert_output - <<-'EOF'
		sam-store/raw/AAA/2026-03-07.ndjson:"n":5
		sam-store/raw/AAA/2026-03-08.ndjson:"n":6
		sam-store/raw/AAA/2026-03-08.ndjson:"n":7
		sam-store/raw/AAA/2026-03-09.ndjson:"n":8
		sam-store/raw/AAA/2026-06-30.ndjson:"n":1
		sam-store/raw/AAA/2026-07-01.ndjson:"n":2
		sam-store/raw/AAA/2026-10-31.ndjson:"n":9
		sam-store/raw/AAA/2026-11-01.ndjson:"n":10
		sam-store/raw/AAA/2026-11-01.ndjson:"n":11
		sam-store/raw/AAA/2026-11-02.ndjson:"n":12
		sam-store/raw/AAA/2026-11-24.ndjson:"n":3
		sam-store/raw/AAA/2026-11-25.ndjson:"n":4
	EOF
}

@test "a date field must be the New York date of ts" {
	{
		rec 1 AAA 1d 2026-11-24T14:30:00Z '"date":"2026-11-24"'
		rec 2 AAA 1h 2026-11-25T03:30:00Z '"date":"2026-11-25"'
		rec 3 AAA 1h 2026-11-25T03:30:00Z '"date":20261124'
		rec 4 AAA 1h 2026-11-25T03:30:00Z '"date":null'
		rec 5 AAA 1h 2026-11-25T03:30:00Z '"date":"2026-11-24 "'
		rec 6 AAA 1h 2026-11-25T03:30:00Z '"date":"2026-11-24","date":"2026-11-24"'
		rec 7 AAA 1h 2026-11-25T03:30:00Z '"date":"2026-11-24"'
	} > in
	run --separate-stderr sam-store put in
	assert_failure 1
	assert_equal "$stderr" 'sam-store: in:2: field "date": "2026-11-25" is not 2026-11-24, the New York date of ts 2026-11-25T03:30:00Z
sam-store: in:3: field "date": expected a string, got number
sam-store: in:4: field "date": expected a string, got null
sam-store: in:5: field "date": "2026-11-24 " is not 2026-11-24, the New York date of ts 2026-11-25T03:30:00Z
sam-store: in:6: duplicate field "date"
sam-store: 5 of 7 input lines rejected'
	assert_output "$(pick in 1 7)"
	file_is sam-store/raw/AAA/2026-11-24.ndjson < <(pick in 1 7)
}

@test "a record whose anomaly is true goes to anomalies, any other to raw, unless --kind says" {
	{
		rec 1 AAA 1d 2026-11-24T14:30:00Z '"anomaly":true'
		rec 2 AAA 1d 2026-11-24T14:30:00Z '"anomaly":false'
		rec 3 AAA 1h 2026-11-24T15:30:00Z '"anomaly":"true"'
		rec 4 AAA 1h 2026-11-24T16:30:00Z '"anomaly":1'
		rec 5 AAA 1h 2026-11-24T17:30:00Z
	} > in
	run --separate-stderr sam-store put in
	assert_success
	file_is sam-store/anomalies/AAA/2026-11-24.ndjson < <(pick in 1)
	file_is sam-store/raw/AAA/2026-11-24.ndjson < <(pick in 2 3 4 5)
	rm -rf sam-store
	run --separate-stderr sam-store put --kind raw in
	assert_success
	assert_output "$(pick in 1 2 3 4 5)"
	[ ! -e sam-store/anomalies ]
	file_is sam-store/raw/AAA/2026-11-24.ndjson < <(pick in 2 3 4 5)
	rm -rf sam-store
	run --separate-stderr sam-store put --kind=anomalies in
	assert_failure 1
	assert_equal "$stderr" 'sam-store: in:2: not an anomaly ("anomaly" is not true); --kind raw stores it as a bar
sam-store: in:3: not an anomaly ("anomaly" is not true); --kind raw stores it as a bar
sam-store: in:4: not an anomaly ("anomaly" is not true); --kind raw stores it as a bar
sam-store: in:5: not an anomaly ("anomaly" is not true); --kind raw stores it as a bar
sam-store: 4 of 5 input lines rejected'
	assert_output "$(pick in 1)"
	[ ! -e sam-store/raw ]
}

# The table: input line (printf %b) | the message after "FILE:LINE: ",
# or nothing for a line that is good.  The lines go, in this order,
# after a good record, into one input.
@test "each kind of bad record is reported with its file, line and reason, and skipped" {
	local row input message n=1 bad=0
	rec 1 AAA 1d 2026-11-23T14:30:00Z > in
	: > want.err
	while IFS= read -r row; do
		input=${row%% | *}
		message=${row#* | }
		printf '%b\n' "$input" >> in
		n=$((n + 1))
		if [ -n "$message" ]; then
			echo "sam-store: in:$n: $message" >> want.err
			bad=$((bad + 1))
		else
			printf '%b\n' "$input" >> want.out
		fi
	done <<-'EOF'
		{"ticker":"AAA" | invalid JSON at byte 16: unexpected end of line
		[{"ticker":"AAA"}] | not a JSON object
		"AAA" | not a JSON object
		{"interval":"1d","ts":"2026-11-24T15:30:00Z"} | missing field "ticker"
		{"ticker":"AAA","ts":"2026-11-24T15:30:00Z"} | missing field "interval"
		{"ticker":"AAA","interval":"1d"} | missing field "ts"
		{"ticker":["AAA"],"interval":"1d","ts":"2026-11-24T15:30:00Z"} | field "ticker": expected a string, got array
		{"ticker":"AAA","interval":60,"ts":"2026-11-24T15:30:00Z"} | field "interval": expected a string, got number
		{"ticker":"AAA","interval":"1d","ts":1764000000} | field "ts": expected a string, got number
		{"ticker":"AAA","interval":"1w","ts":"2026-11-24T15:30:00Z"} | field "interval": invalid interval "1w"
		{"ticker":"AAA","interval":"1d","ts":"2026-11-24T15:30Z"} | field "ts": invalid timestamp "2026-11-24T15:30Z"
		{"ticker":"AAA","interval":"1d","ts":"2026-11-24T15:30:00+01:00"} | field "ts": invalid timestamp "2026-11-24T15:30:00+01:00"
		{"ticker":"AAA","interval":"1d","ts":"2026-02-29T15:30:00Z"} | field "ts": invalid timestamp "2026-02-29T15:30:00Z"
		{"ticker":"AAA","interval":"1d","ts":"2026-11-24T15:30:00Z","ts":"2026-11-24T16:30:00Z"} | duplicate field "ts"
		{"ticker":"AAA","ticker":"BBB","interval":"1d","ts":"2026-11-24T15:30:00Z"} | duplicate field "ticker"
		{"ticker":"AAA","interval":"1d","ts":"2026-11-24T15:30:00Z","note":"\xe2\x82"} | invalid UTF-8 at byte 69
		{"ticker":"AAA","interval":"1d","ts":"2026-11-24T15:30:00Z","close":NaN} | invalid JSON at byte 69: expected a value
		{"ticker":"AAA","interval":"1d","ts":"2026-11-24T15:30:00Z"} | 
		{"ticker":"AAA","interval":"1m","ts":"2026-11-24T15:31:00.5Z","note":"\u00e9"} | 
	EOF
	echo "sam-store: $bad of $n input lines rejected" >> want.err
	run --separate-stderr sam-store put in
	assert_failure 1
	assert_equal "$stderr" "$(cat want.err)"
	assert_output "$(rec 1 AAA 1d 2026-11-23T14:30:00Z; cat want.out)"
	run --separate-stderr sam-store get raw
	assert_success
	assert_output "$(rec 1 AAA 1d 2026-11-23T14:30:00Z; cat want.out)"
}

@test "--strict stops at the first bad line, and nothing is stored" {
	{ rec 1 AAA 1d 2026-11-23T14:30:00Z; echo '[]'; rec 2 AAA 1d 2026-11-24T14:30:00Z; } > in
	rec 3 BBB 1d 2026-11-24T14:30:00Z > in2
	run --separate-stderr sam-store put --strict in in2
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" 'sam-store: in:2: not a JSON object
sam-store: 1 of 2 input lines rejected'
	[ ! -e sam-store ]
	get_store
	snapshot sam-store > before
	run --separate-stderr sam-store put --strict in in2
	assert_failure 1
	assert_output ""
	snapshot sam-store > after
	cmp before after
}

@test "blank lines and CR LF line ends are accepted, and line numbers count them" {
	printf '\r\n%s\r\n \t \n\n%s\r\n{"ticker":"AAA"}\r\n' \
		'{"ticker":"AAA","interval":"1d","ts":"2026-11-23T14:30:00Z","close":3}' \
		'{"ticker":"AAA","interval":"1d","ts":"2026-11-24T14:30:00Z","close":1}' > in
	run --separate-stderr sam-store put in
	assert_failure 1
	assert_equal "$stderr" 'sam-store: in:6: missing field "interval"
sam-store: 1 of 3 input lines rejected'
	assert_output '{"ticker":"AAA","interval":"1d","ts":"2026-11-23T14:30:00Z","close":3}
{"ticker":"AAA","interval":"1d","ts":"2026-11-24T14:30:00Z","close":1}'
	file_is sam-store/raw/AAA/2026-11-24.ndjson <<< '{"ticker":"AAA","interval":"1d","ts":"2026-11-24T14:30:00Z","close":1}'
}

@test "input lines over SAM_MAX_LINE are reported and skipped; stored lines are read whatever their length" {
	{ padded_record 2 100 '"close":1'; padded_record 3 101 '"close":1'; padded_record 4 99 '"close":1'; } > in
	SAM_MAX_LINE=100 run --separate-stderr sam-store put in
	assert_failure 1
	assert_equal "$stderr" 'sam-store: in:2: line too long (more than 100 bytes)
sam-store: 1 of 3 input lines rejected'
	assert_output "$(sed -n '1p;3p' in)"
	padded_record 5 5000 '"close":1' > long
	sam-store put long > /dev/null
	SAM_MAX_LINE=100 run --separate-stderr sam-store get raw
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(sed -n '1p;3p' in; cat long)"
	SAM_MAX_LINE=100 run --separate-stderr sam-store fsck
	assert_success
	assert_output "$(summary 3 3 0 0 0)"
	SAM_MAX_LINE=100 run --separate-stderr sam-store put long
	assert_failure 1
}

@test "a record with a 1,000,000-byte string is stored and read back unchanged" {
	padded_record 2 1000000 '"close":1' > big
	rec 1 AAA 1d 2024-01-02T15:30:00Z > small
	run --separate-stderr sam-store put big small
	assert_success
	assert_equal "$stderr" ""
	cat big small > want
	sam-store get raw > got
	cmp want got
	cmp want sam-store/raw/AAA/2024-01-02.ndjson
	run --separate-stderr sam-store put big small
	assert_output ""
}

@test "empty input stores nothing and creates no store" {
	check_empty_input sam-store put
	[ ! -e sam-store ]
	printf '\n \n\r\n' > blank
	run --separate-stderr sam-store put blank
	assert_success
	assert_output ""
	[ ! -e sam-store ]
}

@test "- reads standard input among the files" {
	rec 1 AAA 1d 2026-11-23T14:30:00Z > one
	rec 3 CCC 1d 2026-11-23T14:30:00Z > three
	run --separate-stderr bash -c 'sam-store put one - three <<< "$1"' _ "$(rec 2 BBB 1d 2026-11-23T14:30:00Z)"
	assert_success
	assert_output "$(cat one; rec 2 BBB 1d 2026-11-23T14:30:00Z; cat three)"
	run --separate-stderr sam-store get raw
	assert_output "$(cat one; rec 2 BBB 1d 2026-11-23T14:30:00Z; cat three)"
}

@test "an input file that does not exist gives exit status 3, and the other files are still stored" {
	rec 1 AAA 1d 2026-11-23T14:30:00Z > one
	rec 2 BBB 1d 2026-11-23T14:30:00Z > two
	run --separate-stderr sam-store put one missing two
	assert_failure 3
	assert_equal "$stderr" 'sam-store: fatal: unable to open missing: No such file or directory'
	assert_output "$(cat one two)"
	run --separate-stderr sam-store get raw
	assert_output "$(cat one two)"
}

@test "put --log-format json writes each diagnostic as one JSON object a line" {
	{ rec 1 AAA 1d 2026-11-23T14:30:00Z; rec 2 AAA 1d 2026-11-24T14:30:00Z
	  echo '{"ticker":"A/B"}'; printf '{"x":"\xc3"}\n'; } > in
	check_json_log sam-store put <<-'EOF'
		{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-store","msg":"field \"ticker\": invalid ticker \"A/B\"","file":"in","line":3}
		{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-store","msg":"invalid UTF-8 at byte 7","file":"in","line":4}
		{"ts":"2026-11-25T21:00:00Z","level":"fatal","tool":"sam-store","msg":"unable to open missing: No such file or directory"}
		{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-store","msg":"2 of 4 input lines rejected"}
	EOF
}

@test "--log-format json before the command, or SAM_LOG_FORMAT=json, writes each diagnostic as one JSON object a line" {
	{ rec 1 AAA 1d 2026-11-23T14:30:00Z; rec 2 AAA 1d 2026-11-24T14:30:00Z
	  echo '{"ticker":"A/B"}'; printf '{"x":"\xc3"}\n'; } > in
	run --separate-stderr sam-store --log-format json put in
	assert_failure 1
	assert_output "$(pick in 1 2)"
	printf '%s\n' "$stderr" > log
	run jq -c . log
	assert_success
	assert_output - <<-'EOF'
		{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-store","msg":"field \"ticker\": invalid ticker \"A/B\"","file":"in","line":3}
		{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-store","msg":"invalid UTF-8 at byte 7","file":"in","line":4}
		{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-store","msg":"2 of 4 input lines rejected"}
	EOF
	SAM_LOG_FORMAT=json sam-store put in > /dev/null 2> env.log || true
	cmp log env.log
	# fsck --repair: the problem, then what was done about it
	echo garbage >> sam-store/raw/AAA/2026-11-24.ndjson
	SAM_LOG_FORMAT=json run --separate-stderr sam-store fsck --repair
	assert_failure 1
	assert_output "$(summary 2 2 1 1 1)"
	printf '%s\n' "$stderr" > log
	run jq -c . log
	assert_output - <<-'EOF'
		{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-store","msg":"not a JSON object","file":"sam-store/raw/AAA/2026-11-24.ndjson","line":2}
		{"ts":"2026-11-25T21:00:00Z","level":"info","tool":"sam-store","msg":"repaired: 1 line moved to sam-store/quarantine/raw/AAA/2026-11-24.ndjson","file":"sam-store/raw/AAA/2026-11-24.ndjson"}
	EOF
	# a usage error: the message only, no usage text
	SAM_LOG_FORMAT=json run --separate-stderr sam-store get raw -n 0
	assert_failure 2
	assert_equal "$stderr" '{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-store","msg":"-n: not a number above 0: 0"}'
}

@test "standard output on /dev/full gives exit status 3, after the records are stored" {
	rec 1 AAA 1d 2026-11-24T14:30:00Z > in
	for cmd in "put in" "get raw" "fsck" "stats" "prune --dry-run --raw-days 1"; do
		run --separate-stderr bash -c "sam-store $cmd > /dev/full"
		assert_failure 3
		assert_equal "$stderr" "sam-store: fatal: unable to write standard output: No space left on device"
	done
	file_is sam-store/raw/AAA/2026-11-24.ndjson < in
}

@test "a damaged day file is left as it is, its records not stored, and the other files are stored" {
	{ rec 1 AAA 1d 2026-11-24T14:30:00Z; rec 2 BBB 1d 2026-11-24T14:30:00Z; } > in
	sam-store put in > /dev/null
	echo 'garbage' >> sam-store/raw/AAA/2026-11-24.ndjson
	cp sam-store/raw/AAA/2026-11-24.ndjson saved
	{
		rec 3 AAA 1d 2026-11-24T14:30:00Z
		rec 4 AAA 1h 2026-11-24T15:30:00Z
		rec 5 BBB 1d 2026-11-24T14:30:00Z
		rec 6 AAA 1d 2026-11-23T14:30:00Z
	} > in2
	run --separate-stderr sam-store put in2
	assert_failure 3
	assert_equal "$stderr" 'sam-store: sam-store/raw/AAA/2026-11-24.ndjson:2: not a JSON object
sam-store: sam-store/raw/AAA/2026-11-24.ndjson: damaged, left as it is (sam-store fsck --repair puts it right): 2 records for it not stored
sam-store: 2 of 4 records not stored'
	assert_output "$(pick in2 5 6)"
	cmp saved sam-store/raw/AAA/2026-11-24.ndjson
	file_is sam-store/raw/BBB/2026-11-24.ndjson < <(pick in2 5)
	file_is sam-store/raw/AAA/2026-11-23.ndjson < <(pick in2 6)
	assert_equal "$(ls -A sam-store/tmp)" ""
	# out of order, or a key twice, is damage too
	sam-store fsck --repair > /dev/null 2>&1 || true
	{ rec 7 AAA 1h 2026-11-24T16:30:00Z; cat sam-store/raw/AAA/2026-11-24.ndjson; } > reordered
	cp reordered sam-store/raw/AAA/2026-11-24.ndjson
	run --separate-stderr sam-store put in2
	assert_failure 3
	assert_equal "$stderr" "sam-store: sam-store/raw/AAA/2026-11-24.ndjson:2: out of order: its key sorts before line 1's
sam-store: sam-store/raw/AAA/2026-11-24.ndjson: damaged, left as it is (sam-store fsck --repair puts it right): 2 records for it not stored
sam-store: 2 of 4 records not stored"
	cmp reordered sam-store/raw/AAA/2026-11-24.ndjson
	{ cat sam-store/raw/BBB/2026-11-24.ndjson; rec 8 BBB 1d 2026-11-24T14:30:00Z; } > twice
	cp twice sam-store/raw/BBB/2026-11-24.ndjson
	run --separate-stderr sam-store put in2
	assert_failure 3
	assert_equal "$(sed -n 3p <<< "$stderr")" "sam-store: sam-store/raw/BBB/2026-11-24.ndjson:2: key repeats line 1"
	cmp twice sam-store/raw/BBB/2026-11-24.ndjson
}

@test "a ts whose New York date falls before the year 0000 is rejected, and never made a file name" {
	{
		echo '{"ticker":"AAA","interval":"1d","ts":"0000-01-01T04:56:01Z"}'
		rec 1 AAA 1d 2026-11-24T14:30:00Z
	} > in
	mkdir -p sam-store/raw/AAA/000
	run --separate-stderr sam-store put in
	assert_failure 1
	assert_equal "$stderr" "sam-store: in:1: ts 0000-01-01T04:56:01Z is before 0000-01-01 in New York
sam-store: 1 of 2 input lines rejected"
	assert_output "$(pick in 1)"
	assert_equal "$(cd sam-store/raw/AAA && find . | sort)" ".
./000
./2026-11-24.ndjson"
}

@test "a plain file where a ticker's directory should be holds no records for get, and fsck names it" {
	rec 1 AAA 1d 2026-11-24T14:30:00Z > in
	sam-store put in > /dev/null
	echo junk > sam-store/raw/XXX
	for range in "-d 2026-11-24" "--from 2026-11-01 --to 2026-11-30" ""; do
		# shellcheck disable=SC2086
		run --separate-stderr sam-store get raw -t XXX $range
		assert_success
		assert_output ""
		assert_equal "$stderr" ""
		# shellcheck disable=SC2086
		run --separate-stderr sam-store get raw -t XXX -t AAA $range
		assert_success
		assert_output "$(cat in)"
	done
	run --separate-stderr sam-store fsck
	assert_failure 1
	assert_equal "$stderr" "sam-store: sam-store/raw/XXX: not a ticker's directory: left alone"
}

@test "a FIFO named like a day file stops neither get nor put" {
	rec 1 AAA 1d 2026-11-24T14:30:00Z > in
	sam-store put in > /dev/null
	mkfifo sam-store/raw/AAA/2026-11-23.ndjson
	run --separate-stderr timeout 10 sam-store get raw
	[ "$status" -ne 124 ]
	[ "$status" -ne 0 ]
	assert_output "$(cat in)"
	[[ $stderr == *sam-store/raw/AAA/2026-11-23.ndjson* ]]
	rec 2 AAA 1d 2026-11-23T14:30:00Z > in2
	run --separate-stderr timeout 10 sam-store -w 0 put in2
	assert_failure 3
	[[ $stderr == *sam-store/raw/AAA/2026-11-23.ndjson* ]]
	[ -p sam-store/raw/AAA/2026-11-23.ndjson ]
	# and the lock is free again
	run --separate-stderr timeout 10 sam-store -w 0 prune --raw-days 100
	assert_success
}

# ---- the lock, ROOT/tmp, concurrent writers, kill -9 ----

@test "a writer waits up to -w seconds for the lock, then gives up with exit status 3" {
	command -v flock > /dev/null || skip "flock(1) is not installed"
	rec 1 AAA 1d 2026-11-24T14:30:00Z > in
	mkdir sam-store
	run --separate-stderr flock sam-store/.lock sam-store -w 0 put in
	assert_failure 3
	assert_output ""
	assert_equal "$(head -n 1 <<< "$stderr")" "sam-store: fatal: unable to lock sam-store/.lock: another writer held it for 0 s"
	run --separate-stderr flock sam-store/.lock sam-store --lock-wait=0 prune
	assert_failure 3
	assert_equal "$stderr" "sam-store: fatal: unable to lock sam-store/.lock: another writer held it for 0 s"
	run --separate-stderr flock sam-store/.lock sam-store -w 0 fsck --repair
	assert_failure 3
	assert_equal "$stderr" "sam-store: fatal: unable to lock sam-store/.lock: another writer held it for 0 s"
	assert_equal "$(ls -A sam-store)" ".lock"
	# readers take no lock
	run --separate-stderr flock sam-store/.lock sam-store -w 0 get raw
	assert_success
	run --separate-stderr flock sam-store/.lock sam-store -w 0 prune --dry-run
	assert_success
	# a writer that waits long enough gets it, once the other lets it go
	flock sam-store/.lock sh -c ': > held; sleep 0.3; : > released' &
	for _ in $(seq 100); do
		[ -e held ] && break
		sleep 0.05
	done
	run --separate-stderr sam-store -w 10 put in
	wait
	assert_success
	assert_output "$(cat in)"
	[ -e released ]
}

@test "every writer, once it holds the lock, empties ROOT/tmp; readers leave it" {
	get_store
	for cmd in "get raw" "get anomalies" stats fsck "prune --dry-run"; do
		echo left > sam-store/tmp/1.ndjson
		# shellcheck disable=SC2086 # the command's words
		sam-store $cmd > /dev/null
		[ -f sam-store/tmp/1.ndjson ]
	done
	rec 7 CCC 1d 2026-11-24T14:30:00Z > same
	for cmd in "put same" prune "fsck --repair"; do
		echo left > sam-store/tmp/1.ndjson
		echo left > sam-store/tmp/x
		# shellcheck disable=SC2086 # the command's words
		sam-store $cmd > /dev/null
		assert_equal "$(ls -A sam-store/tmp)" ""
	done
}

@test "two concurrent puts of overlapping sets lose nothing, and print each record once" {
	local round
	for round in 1 2 3; do
		sam-fetch -s mock -i 5m -n 12 --seed "$round" A B C D E F > a
		sam-fetch -s mock -i 5m -n 12 --seed "$round" D E F G H I > b
		sam-store put a > out.a 2> err.a &
		local pa=$!
		sam-store put b > out.b 2> err.b &
		local pb=$!
		wait "$pa"
		wait "$pb"
		[ ! -s err.a ]
		[ ! -s err.b ]
		sort -u a b > union
		[ "$(wc -l < union)" -eq 8424 ]
		sam-store get raw | sort > got
		cmp union got
		sort out.a out.b | cmp union -
		run --separate-stderr sam-store fsck
		assert_success
		assert_equal "$stderr" ""
		assert_output "$(summary 108 8424 0 0 0)"
	done
}

@test "a reader during a put sees each day file whole, old or new" {
	sam-fetch -s mock -i 1h -n 5 A > old
	sam-store put old > /dev/null
	day=$(sed -n '1s/.*"date":"\([^"]*\)".*/\1/p' old)
	sam-store get raw -t A -d "$day" > before
	sam-fetch -s mock -i 1m -n 5 A B C D E F G H > big
	sam-store put big > /dev/null &
	pid=$!
	n=0
	while kill -0 "$pid" 2> /dev/null && [ "$n" -lt 200 ]; do
		sam-store get raw -t A -d "$day" > "read.$n"
		n=$((n + 1))
	done
	wait "$pid"
	sam-store get raw -t A -d "$day" > after
	[ "$(wc -l < after)" -eq $(($(wc -l < before) + 390)) ]
	for ((i = 0; i < n; i++)); do
		cmp -s before "read.$i" || cmp -s after "read.$i" ||
			{ echo "read $i is neither the old file nor the new one"; return 1; }
	done
	echo "$n reads during the put"
	[ "$n" -gt 0 ]
}

# The checks after each kill, in one pass: every key of prev is in now,
# and every line of base; every line of now is in prev or in the set
# being put (big.CUR), once a key.  Prints what is wrong, and how many
# lines of now come from big.1 and from big.2.
KILL_AWK='
function key(line,    f) { split(line, f, ","); return f[1] "," f[2] "," f[3] }
FILENAME == "base" { base[$0] = 1; next }
FILENAME == "prev" { keys[key($0)] = 1; ok[$0] = 1; next }
FILENAME == "big.1" { b1[$0] = 1; if (cur == 1) ok[$0] = 1; next }
FILENAME == "big.2" { b2[$0] = 1; if (cur == 2) ok[$0] = 1; next }
{
	k = key($0)
	if (k in seen) print "key twice: " k
	seen[k] = 1
	if (!($0 in ok)) print "never put: " $0
	delete keys[k]
	delete base[$0]
	n1 += $0 in b1
	n2 += $0 in b2
}
END {
	for (k in keys) print "key lost: " k
	for (l in base) print "bar lost: " l
	print "from big.1: " n1 + 0 ", from big.2: " n2 + 0
}'

@test "kill -9 in the middle of a large put, ten times: fsck finds nothing and no stored record is lost" {
	# not "i": bats' run changes it
	local round cur pid st t0 t1 ms delay killed=0 mixed=0
	sam-fetch -s mock -i 1h -n 10 A B > base
	sam-store put base > /dev/null
	# two large sets of the same keys, with other values: each put of
	# one after the other rewrites every file
	sam-fetch -s mock -i 1m -n 10 --seed 1 A B > big.1
	sam-fetch -s mock -i 1m -n 10 --seed 2 A B > big.2
	# how long a whole put takes here
	t0=${EPOCHREALTIME/./}
	sam-store put big.2 > /dev/null
	t1=${EPOCHREALTIME/./}
	ms=$(((t1 - t0) / 1000 + 1))
	sam-store get raw > now
	RANDOM=42
	for round in 1 2 3 4 5 6 7 8 9 10; do
		mv now prev
		cur=$((round % 2 + 1))
		delay=$((RANDOM % (ms * 3 / 4 + 1)))
		sam-store put "big.$cur" > /dev/null 2>&1 &
		pid=$!
		sleep "$((delay / 1000)).$(printf %03d $((delay % 1000)))"
		kill -9 "$pid" 2> /dev/null || true
		wait "$pid" && st=0 || st=$?
		[ "$st" -eq 137 ] && killed=$((killed + 1))
		run --separate-stderr sam-store fsck
		assert_success
		assert_equal "$stderr" ""
		assert_output --regexp '^\{"files":20,"records":[0-9]+,"problems":0,"repaired":0,"quarantined":0\}$'
		sam-store get raw > now
		run awk -v cur="$cur" "$KILL_AWK" base prev big.1 big.2 now
		assert_success
		assert_output --regexp '^from big.1: [0-9]+, from big.2: [0-9]+$'
		# killed with some files written and others not
		[[ $output == *"from big.1: 0,"* || $output == *"from big.2: 0" ]] || mixed=$((mixed + 1))
	done
	echo "$killed of 10 puts killed, $mixed of them half way (a whole put: $ms ms)"
	[ "$killed" -gt 0 ]
	# the next writer cleans up what the killed ones left
	run --separate-stderr sam-store put big.1
	assert_success
	assert_equal "$(ls -A sam-store/tmp)" ""
	sort base big.1 | cmp - <(sam-store get raw | sort)
}

# ---- write failures: every file as it was, ROOT/tmp empty ----

# The old store: a small file and a 100,000-byte one; the new records
# change both, the second to 1,800,000 bytes (two records of 900,000).
failure_fixture() {
	rec 1 AAA 1d 2024-01-02T14:30:00Z > old
	padded_record 3 100000 '"close":1' >> old
	rec 2 AAA 1d 2024-01-02T14:30:00Z > new
	padded_record 3 900000 '"close":2' >> new
	padded_record 3 900000 '"close":3' | sed 's/"1d"/"1h"/' >> new
}

@test "no space left on the device: exit 3, every file as it was, ROOT/tmp empty" {
	need_userns
	failure_fixture
	mkdir mnt
	$UNSHARE sh -c 'mount -t tmpfs -o size=1m tmpfs mnt' 2> /dev/null ||
		skip "cannot mount a tmpfs in a user namespace"
	run --separate-stderr $UNSHARE sh -c '
		mount -t tmpfs -o size=1m tmpfs mnt && cd mnt || exit 99
		sam-store put ../old > /dev/null || exit 98
		cp -a sam-store ../before
		sam-store put ../new > ../out; s=$?
		cp -a sam-store ../after
		exit $s'
	assert_failure 3
	assert_equal "$stderr" "sam-store: fatal: unable to write sam-store/raw/AAA/2024-01-03.ndjson: No space left on device
sam-store: 3 of 3 records not stored"
	[ ! -s out ]
	diff -r before after
	file_is after/raw/AAA/2024-01-02.ndjson < <(sed -n 1p old)
	file_is after/raw/AAA/2024-01-03.ndjson < <(sed -n 2p old)
	assert_equal "$(ls -A after/tmp)" ""
}

@test "a file-size limit (EFBIG): exit 3, every file as it was, ROOT/tmp empty" {
	failure_fixture
	sam-store put old > /dev/null
	cp -a sam-store before
	run --separate-stderr bash -c 'ulimit -f 1024 && exec sam-store put new'
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "sam-store: fatal: unable to write sam-store/raw/AAA/2024-01-03.ndjson: File too large
sam-store: 3 of 3 records not stored"
	diff -r before sam-store
	assert_equal "$(ls -A sam-store/tmp)" ""
	run --separate-stderr sam-store put new
	assert_success
	assert_output "$(cat new)"
}

@test "no permission to write a ticker's directory (EACCES): exit 3, every file as it was, ROOT/tmp empty" {
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv > /dev/null || skip "setpriv is not installed"
		id nobody > /dev/null 2>&1 && getent group nogroup > /dev/null ||
			skip "no user nobody or group nogroup"
	fi
	# a directory of its own, where "nobody" may go (the test's may be closed to it)
	mkdir w
	chmod 0755 w
	cd w
	{ rec 1 AAA 1d 2026-11-24T14:30:00Z; rec 2 BBB 1d 2026-11-24T14:30:00Z; } > old
	sam-store put old > /dev/null
	[ "$(id -u)" -ne 0 ] || chown -R nobody:nogroup sam-store
	as_other sam-store --version > /dev/null || skip "user nobody cannot run $(command -v sam-store)"
	chmod 0550 sam-store/raw/AAA
	cp -a sam-store before
	{ rec 3 AAA 1d 2026-11-24T14:30:00Z; rec 4 BBB 1d 2026-11-24T14:30:00Z; rec 5 CCC 1d 2026-11-24T14:30:00Z; } > new
	run --separate-stderr as_other sam-store put < new
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "sam-store: fatal: unable to replace sam-store/raw/AAA/2026-11-24.ndjson: Permission denied
sam-store: 3 of 3 records not stored"
	diff -r before/raw/AAA sam-store/raw/AAA
	diff -r before/raw/BBB sam-store/raw/BBB
	assert_equal "$(ls -A sam-store/tmp)" ""
	# no permission to make a ticker's directory
	chmod 0750 sam-store/raw/AAA
	chmod 0550 sam-store/raw
	rec 6 DDD 1d 2026-11-24T14:30:00Z > new2
	run --separate-stderr as_other sam-store put < new2
	assert_failure 3
	assert_equal "$stderr" "sam-store: fatal: unable to open sam-store/raw/DDD: Permission denied
sam-store: 1 of 1 records not stored"
	assert_equal "$(ls -A sam-store/tmp)" ""
	chmod 0750 sam-store/raw
}

@test "a read-only store (EROFS): put exits 3 and changes nothing, get still reads it" {
	need_userns
	get_store
	cp -a sam-store before
	rec 30 AAA 1d 2026-11-24T14:30:00Z > new
	$UNSHARE sh -c 'mount --bind sam-store sam-store && mount -o remount,bind,ro sam-store' 2> /dev/null ||
		skip "cannot make a read-only bind mount in a user namespace"
	run --separate-stderr $UNSHARE sh -c '
		mount --bind sam-store sam-store && mount -o remount,bind,ro sam-store || exit 99
		sam-store put new > out 2> err; echo "put $?"
		sam-store prune > /dev/null 2>> err; echo "prune $?"
		sam-store fsck --repair > /dev/null 2>> err; echo "fsck --repair $?"
		sam-store get raw -t CCC; echo "get $?"
		sam-store fsck; echo "fsck $?"'
	assert_success
	assert_output "put 3
prune 3
fsck --repair 3
$(pick raw 7)
get 0
$(summary 14 18 0 0 0)
fsck 0"
	[ ! -s out ]
	assert_equal "$(sed -n 1p err)" "sam-store: fatal: unable to open sam-store/.lock: Read-only file system"
	assert_equal "$(grep -c 'Read-only file system' err)" 3
	diff -r before sam-store
}

@test "every exit status 3 of put says how many records were not stored" {
	command -v flock > /dev/null || skip "flock(1) is not installed"
	{ rec 1 AAA 1d 2026-11-24T14:30:00Z; rec 2 AAA 1d 2026-11-23T14:30:00Z; } > in
	mkdir sam-store
	run --separate-stderr flock sam-store/.lock sam-store -w 0 put in
	assert_failure 3
	assert_equal "$stderr" "sam-store: fatal: unable to lock sam-store/.lock: another writer held it for 0 s
sam-store: 2 of 2 records not stored"
	echo x > file
	run --separate-stderr sam-store -r file put in
	assert_failure 3
	assert_equal "$stderr" "sam-store: fatal: unable to open the store file: Not a directory
sam-store: 2 of 2 records not stored"
}

# ---- what may not leave the store ----

@test "tickers that could leave their directory are rejected, and nothing is made outside the store" {
	{
		rec 1 AAA 1d 2026-11-24T14:30:00Z
		for t in '../x' '..' '.' 'A/B' '/etc' 'a' 'Aa' '.x' '-X' '=X' 'A..B' 'A B' '' \
			'ABCDEFGHIJKLMNOPQRSTU' 'A\u0000B' '\u002e\u002e' 'A\u002fB' 'A\\B' '\u00c5'; do
			printf '{"ticker":"%s","interval":"1d","ts":"2026-11-24T14:30:00Z"}\n' "$t"
		done
		printf '{"ticker":"\xc3\x85","interval":"1d","ts":"2026-11-24T14:30:00Z"}\n'
		printf '{"ticker":"A\tB","interval":"1d","ts":"2026-11-24T14:30:00Z"}\n'
		rec 2 ABCDEFGHIJKLMNOPQRST 1d 2026-11-24T14:30:00Z
		rec 3 'BRK.B' 1d 2026-11-24T14:30:00Z
		rec 4 '^GSPC' 1d 2026-11-24T14:30:00Z
		rec 5 'ES=F' 1d 2026-11-24T14:30:00Z
		rec 6 'A_B-C' 1d 2026-11-24T14:30:00Z
	} > in
	run --separate-stderr sam-store put in
	assert_failure 1
	assert_equal "$stderr" 'sam-store: in:2: field "ticker": invalid ticker "../x"
sam-store: in:3: field "ticker": invalid ticker ".."
sam-store: in:4: field "ticker": invalid ticker "."
sam-store: in:5: field "ticker": invalid ticker "A/B"
sam-store: in:6: field "ticker": invalid ticker "/etc"
sam-store: in:7: field "ticker": invalid ticker "a"
sam-store: in:8: field "ticker": invalid ticker "Aa"
sam-store: in:9: field "ticker": invalid ticker ".x"
sam-store: in:10: field "ticker": invalid ticker "-X"
sam-store: in:11: field "ticker": invalid ticker "=X"
sam-store: in:12: field "ticker": invalid ticker "A..B"
sam-store: in:13: field "ticker": invalid ticker "A B"
sam-store: in:14: field "ticker": invalid ticker ""
sam-store: in:15: field "ticker": invalid ticker "ABCDEFGHIJKLMNOPQRSTU"
sam-store: in:16: field "ticker": invalid ticker "A\\u0000B"
sam-store: in:17: field "ticker": invalid ticker "\\u002e\\u002e"
sam-store: in:18: field "ticker": invalid ticker "A\\u002fB"
sam-store: in:19: field "ticker": invalid ticker "A\\\\B"
sam-store: in:20: field "ticker": invalid ticker "\\u00c5"
sam-store: in:21: field "ticker": invalid ticker "\xc3\x85"
sam-store: in:22: invalid JSON at byte 13: control character in string
sam-store: 21 of 27 input lines rejected'
	assert_output "$(pick in 1 2 3 4 5 6)"
	assert_equal "$(find . \( -path ./in -o -name 'separate-stderr-*' \) -prune -o -print | sort)" ".
./sam-store
./sam-store/.lock
./sam-store/raw
./sam-store/raw/AAA
./sam-store/raw/AAA/2026-11-24.ndjson
./sam-store/raw/ABCDEFGHIJKLMNOPQRST
./sam-store/raw/ABCDEFGHIJKLMNOPQRST/2026-11-24.ndjson
./sam-store/raw/A_B-C
./sam-store/raw/A_B-C/2026-11-24.ndjson
./sam-store/raw/BRK.B
./sam-store/raw/BRK.B/2026-11-24.ndjson
./sam-store/raw/ES=F
./sam-store/raw/ES=F/2026-11-24.ndjson
./sam-store/raw/^GSPC
./sam-store/raw/^GSPC/2026-11-24.ndjson
./sam-store/tmp"
}

@test "a date field is checked against ts and never used in a path" {
	{
		rec 1 AAA 1d 2026-11-24T14:30:00Z '"date":"../../etc"'
		rec 2 AAA 1d 2026-11-24T14:30:00Z '"date":"2026-11-24/../../x"'
		rec 3 AAA 1d 2026-11-24T14:30:00Z '"date":"2026-11-24\u0000"'
		rec 4 AAA 1d 2026-11-24T14:30:00Z '"date":"2026-11-24"'
	} > in
	run --separate-stderr sam-store put in
	assert_failure 1
	assert_equal "$stderr" 'sam-store: in:1: field "date": "../../etc" is not 2026-11-24, the New York date of ts 2026-11-24T14:30:00Z
sam-store: in:2: field "date": "2026-11-24/../../x" is not 2026-11-24, the New York date of ts 2026-11-24T14:30:00Z
sam-store: in:3: field "date": "2026-11-24\\u0000" is not 2026-11-24, the New York date of ts 2026-11-24T14:30:00Z
sam-store: 3 of 4 input lines rejected'
	assert_output "$(pick in 4)"
	assert_equal "$(find . \( -path ./in -o -name 'separate-stderr-*' \) -prune -o -print | sort)" ".
./sam-store
./sam-store/.lock
./sam-store/raw
./sam-store/raw/AAA
./sam-store/raw/AAA/2026-11-24.ndjson
./sam-store/tmp"
}

@test "a ticker's directory that is a symbolic link is not followed, on write or read" {
	{ rec 1 AAA 1d 2026-11-24T14:30:00Z; rec 2 BBB 1d 2026-11-24T14:30:00Z; } > in
	sam-store put in > /dev/null
	mkdir outside
	pick in 1 > outside/2026-11-24.ndjson
	rm -r sam-store/raw/AAA
	ln -s ../../outside sam-store/raw/AAA
	snapshot outside > before
	{ rec 3 AAA 1d 2026-11-24T14:30:00Z; rec 4 AAA 1d 2026-11-23T14:30:00Z; } > new
	run --separate-stderr sam-store put new
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "sam-store: sam-store/raw/AAA: a symbolic link, not followed: 2 records for it not stored
sam-store: 2 of 2 records not stored"
	snapshot outside | cmp before -
	file_is outside/2026-11-24.ndjson < <(pick in 1)
	run --separate-stderr sam-store get raw -t AAA
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "sam-store: sam-store/raw/AAA: a symbolic link: not followed"
	run --separate-stderr sam-store prune --raw-days 1
	assert_success
	assert_output '{"kind":"raw","ticker":"BBB","date":"2026-11-24","path":"raw/BBB/2026-11-24.ndjson","removed":true}'
	snapshot outside | cmp before -
	[ -L sam-store/raw/AAA ]
}

@test "a day file that is a symbolic link is not followed, on write or read" {
	{ rec 1 AAA 1d 2026-11-24T14:30:00Z; rec 2 BBB 1d 2026-11-24T14:30:00Z; } > in
	sam-store put in > /dev/null
	mkdir outside
	pick in 2 > outside/target
	ln -sf ../../../outside/target sam-store/raw/BBB/2026-11-24.ndjson
	snapshot outside > before
	rec 3 BBB 1d 2026-11-24T14:30:00Z > new
	run --separate-stderr sam-store put new
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "sam-store: sam-store/raw/BBB/2026-11-24.ndjson: a symbolic link, not followed: 1 record for it not stored
sam-store: 1 of 1 records not stored"
	snapshot outside | cmp before -
	file_is outside/target < <(pick in 2)
	[ -L sam-store/raw/BBB/2026-11-24.ndjson ]
	run --separate-stderr sam-store get raw -d 2026-11-24
	assert_failure 1
	assert_output "$(pick in 1)"
	assert_equal "$stderr" "sam-store: sam-store/raw/BBB/2026-11-24.ndjson: a symbolic link: not followed"
	run --separate-stderr sam-store prune --raw-days 1
	assert_output '{"kind":"raw","ticker":"AAA","date":"2026-11-24","path":"raw/AAA/2026-11-24.ndjson","removed":true}'
	snapshot outside | cmp before -
}

@test "symbolic links for ROOT/tmp, ROOT/.lock, a kind's or the quarantine directory are not followed" {
	rec 1 AAA 1d 2026-11-24T14:30:00Z > in
	sam-store put in > /dev/null
	mkdir outside
	echo precious > outside/1.ndjson
	echo precious > outside/lock
	snapshot outside > before
	rmdir sam-store/tmp
	ln -s ../outside sam-store/tmp
	run --separate-stderr sam-store put in
	assert_failure 3
	assert_equal "$(head -n 1 <<< "$stderr")" "sam-store: fatal: unable to open sam-store/tmp: Too many levels of symbolic links"
	run --separate-stderr sam-store prune
	assert_failure 3
	assert_equal "$stderr" "sam-store: fatal: unable to open sam-store/tmp: Too many levels of symbolic links"
	rm sam-store/tmp
	mv sam-store/.lock lock
	ln -s ../outside/lock sam-store/.lock
	run --separate-stderr sam-store put in
	assert_failure 3
	assert_equal "$(head -n 1 <<< "$stderr")" "sam-store: fatal: unable to open sam-store/.lock: Too many levels of symbolic links"
	mv lock sam-store/.lock
	rec 2 AAA 1d 2026-11-24T14:30:00Z '"anomaly":true' > anomaly
	ln -s ../outside sam-store/anomalies
	run --separate-stderr sam-store put anomaly
	assert_failure 3
	assert_equal "$stderr" "sam-store: fatal: unable to open sam-store/anomalies: Too many levels of symbolic links
sam-store: 1 of 1 records not stored"
	rm sam-store/anomalies
	echo garbage >> sam-store/raw/AAA/2026-11-24.ndjson
	cp sam-store/raw/AAA/2026-11-24.ndjson damaged
	ln -s ../outside sam-store/quarantine
	run --separate-stderr sam-store fsck --repair
	assert_failure 3
	assert_equal "$stderr" "sam-store: sam-store/raw/AAA/2026-11-24.ndjson:2: not a JSON object
sam-store: fatal: unable to write sam-store/quarantine/raw/AAA/2026-11-24.ndjson: Too many levels of symbolic links"
	assert_output "$(summary 1 1 1 0 0)"
	cmp damaged sam-store/raw/AAA/2026-11-24.ndjson
	snapshot outside | cmp before -
}

# ---- get ----

@test "get writes every record, sorted by ts, then ticker, then interval from the longest" {
	get_store
	check_get raw 1 2 3 4 5 6 7 8 9 10 11 --
	check_get anomalies 21 22 23 24 27 26 25 --
	assert_equal "$(sorted raw "$GET_ORDER")" "$(pick raw 1 2 3 4 5 6 7 8 9 10 11)"
}

@test "-t keeps the named tickers; -d one New York date; --from and --to a range, both ends included, each alone open" {
	get_store
	check_get raw 1 2 4 5 8 9 11 -- -t AAA
	check_get raw 3 6 7 10 -- -t BBB --ticker CCC -t BBB
	check_get raw 3 6 7 10 -- -t CCC -t BBB
	check_get raw -- -t ZZZ
	check_get anomalies 21 23 27 25 -- -t AAA -t DDD
	check_get raw 8 9 10 11 -- -d 2026-11-25
	check_get raw 1 2 3 4 -- --date=2026-11-20
	check_get raw -- -d 2026-11-21
	check_get raw 5 6 7 -- --from 2026-11-23 --to 2026-11-24
	check_get raw 5 6 7 -- --from 2026-11-21 --to 2026-11-24
	check_get raw 7 -- --from 2026-11-24 --to 2026-11-24
	check_get raw 7 8 9 10 11 -- --from 2026-11-24
	check_get raw 1 2 3 4 -- --to 2026-11-22
	check_get raw -- --from 2026-11-26
	check_get anomalies 24 27 26 25 -- --from 2026-11-24
}

@test "--days n keeps the last n dates, today in New York included; -s anomalies of a severity or higher" {
	get_store
	check_get raw 8 9 10 11 -- --days 1
	check_get raw 7 8 9 10 11 -- --days 2
	check_get raw 5 6 7 8 9 10 11 -- --days 5
	check_get raw 1 2 3 4 5 6 7 8 9 10 11 -- --days 6
	check_get raw 1 2 3 4 5 6 7 8 9 10 11 -- --days 100000
	# 23:59 in New York is still the 25th; 00:00 is the 26th
	SAM_NOW=2026-11-26T04:59:59Z check_get raw 8 9 10 11 -- --days 1
	SAM_NOW=2026-11-26T05:00:00Z check_get raw -- --days 1
	SAM_NOW=2026-11-26T05:00:00Z check_get raw 8 9 10 11 -- --days 2
	check_get anomalies 21 22 23 24 26 25 -- -s low
	check_get anomalies 22 23 24 26 25 -- -s medium
	check_get anomalies 22 24 26 25 -- --severity high
	check_get anomalies 22 25 -- -s critical
}

@test "-n keeps the first records, --desc puts the newest first, and the filters combine" {
	get_store
	check_get raw 1 2 3 -- -n 3
	check_get raw 1 2 3 4 5 6 7 8 9 10 11 -- --limit 11
	check_get raw 1 2 3 4 5 6 7 8 9 10 11 -- -n 1000
	check_get raw 11 10 9 8 7 6 5 4 3 2 1 -- --desc
	check_get raw 11 10 -- --desc -n 2
	check_get raw 11 -- -n 1 --desc
	check_get anomalies 25 26 27 24 23 22 21 -- --desc
	check_get raw 11 9 -- -t AAA --days 1 --desc -n 2
	check_get raw 1 2 -- -t AAA -d 2026-11-20 -n 2
	check_get raw 3 6 -- -t BBB --to 2026-11-24
	check_get raw 7 10 -- -t CCC -t BBB --from 2026-11-24
	check_get anomalies 22 23 -- -t AAA -t BBB --from 2026-11-20 --to 2026-11-24 -s medium
	check_get anomalies 23 -- -t AAA -t BBB --from 2026-11-20 --to 2026-11-24 -s medium --desc -n 1
	check_get anomalies 25 26 -- -s high --days 1 --desc
	check_get anomalies -- -t DDD -s low
}

@test "get reports damaged stored lines with their path and line, skips them, and exits 1" {
	get_store
	printf '%s\n' '{bad' "$(rec 12 AAA 1d 2026-11-26T14:30:00Z)" '[]' >> sam-store/raw/AAA/2026-11-20.ndjson
	rec 13 BBB 1d 2026-11-20T14:30:00Z >> sam-store/raw/CCC/2026-11-24.ndjson
	run --separate-stderr sam-store get raw
	assert_failure 1
	assert_equal "$stderr" "sam-store: sam-store/raw/AAA/2026-11-20.ndjson:4: invalid JSON at byte 2: expected a member name
sam-store: sam-store/raw/AAA/2026-11-20.ndjson:5: ts 2026-11-26T14:30:00Z is on 2026-11-26 in New York: not this file's date
sam-store: sam-store/raw/AAA/2026-11-20.ndjson:6: not a JSON object
sam-store: sam-store/raw/CCC/2026-11-24.ndjson:2: ticker BBB does not belong in the directory of CCC"
	assert_output "$(pick raw 1 2 3 4 5 6 7 8 9 10 11)"
	run --separate-stderr sam-store get raw -t CCC -d 2026-11-24
	assert_failure 1
	assert_equal "$stderr" "sam-store: sam-store/raw/CCC/2026-11-24.ndjson:2: ticker BBB does not belong in the directory of CCC"
	assert_output "$(pick raw 7)"
	run --separate-stderr sam-store get raw -t BBB
	assert_success
	assert_output "$(pick raw 3 6 10)"
}

@test "get leaves alone what is not a ticker's directory or a day file" {
	get_store
	mkdir -p sam-store/raw/lower sam-store/raw/.hidden
	rec 14 lower 1d 2026-11-20T14:30:00Z > sam-store/raw/lower/2026-11-20.ndjson
	echo junk > sam-store/raw/AAA/notes.txt
	echo junk > sam-store/raw/AAA/2026-11-31.ndjson
	echo junk > sam-store/raw/stray
	check_get raw 1 2 3 4 5 6 7 8 9 10 11 --
	check_get raw 1 2 4 5 8 9 11 -- -t AAA
}

@test "get on a store with nothing of that kind writes nothing, with exit status 0" {
	mkdir sam-store
	run --separate-stderr sam-store get raw
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run --separate-stderr sam-store get anomalies -t AAA -d 2026-11-24
	assert_success
	assert_output ""
	[ "$(ls -A sam-store)" = "" ]
}

# ---- prune ----

# prune_store: a store with files of every kind around the default limits.
prune_store() {
	local d f
	for f in raw/AAA/2026-10-25 raw/AAA/2026-10-26 raw/AAA/2026-10-27 raw/BBB/2026-10-01 \
		anomalies/AAA/2026-10-01 anomalies/AAA/2026-11-25 \
		dlq/2026-11-10 dlq/2026-11-11 dlq/2026-11-12 dlq/2026-11-25 \
		alerts/2026-11-22 alerts/2026-11-23 alerts/2026-11-24 alerts/2026-11-25 \
		runs/2020-01-01 runs/2026-11-24; do
		d=sam-store/${f%/*}
		mkdir -p "$d"
		echo '{"x":1}' > "sam-store/$f.ndjson"
	done
}

# pruned_by_default true|false: what prune --drop-dead-letters (or with
# --dry-run) writes for prune_store's files with the default retention.
pruned_by_default() {
	sed "s/@/$1/" <<-'EOF'
		{"kind":"raw","ticker":"AAA","date":"2026-10-25","path":"raw/AAA/2026-10-25.ndjson","removed":@}
		{"kind":"raw","ticker":"AAA","date":"2026-10-26","path":"raw/AAA/2026-10-26.ndjson","removed":@}
		{"kind":"raw","ticker":"BBB","date":"2026-10-01","path":"raw/BBB/2026-10-01.ndjson","removed":@}
		{"kind":"dlq","date":"2026-11-10","path":"dlq/2026-11-10.ndjson","letters":1,"removed":@}
		{"kind":"dlq","date":"2026-11-11","path":"dlq/2026-11-11.ndjson","letters":1,"removed":@}
		{"kind":"alerts","date":"2026-11-22","path":"alerts/2026-11-22.ndjson","removed":@}
		{"kind":"alerts","date":"2026-11-23","path":"alerts/2026-11-23.ndjson","removed":@}
	EOF
}

@test "prune keeps 30 dates of bars and 14 of dead letters, today included, and the alerts' cooldown is 24h" {
	prune_store
	run --separate-stderr sam-store prune --drop-dead-letters
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(pruned_by_default true)"
	# BBB's directory, left empty, is gone; anomalies and runs are kept
	assert_equal "$(cd sam-store && find . -name '*.ndjson' | sort)" "./alerts/2026-11-24.ndjson
./alerts/2026-11-25.ndjson
./anomalies/AAA/2026-10-01.ndjson
./anomalies/AAA/2026-11-25.ndjson
./dlq/2026-11-12.ndjson
./dlq/2026-11-25.ndjson
./raw/AAA/2026-10-27.ndjson
./runs/2020-01-01.ndjson
./runs/2026-11-24.ndjson"
	[ ! -e sam-store/raw/BBB ]
	[ -d sam-store/raw/AAA ]
	run --separate-stderr sam-store prune --drop-dead-letters
	assert_success
	assert_output ""
}

@test "prune --dry-run writes the same lines with removed false, and changes nothing" {
	prune_store
	snapshot sam-store > before
	run --separate-stderr sam-store prune --dry-run --drop-dead-letters
	assert_success
	assert_equal "$stderr" ""
	snapshot sam-store > after
	cmp before after
	assert_output "$(pruned_by_default false)"
	run --separate-stderr sam-store prune --drop-dead-letters
	assert_output "${output//false/true}"
}

@test "--raw-days and --dlq-days, or SAM_RAW_DAYS and SAM_DLQ_DAYS, set the retention, the options first" {
	prune_store
	run --separate-stderr sam-store prune --dry-run --raw-days 1 --dlq-days 100000 --cooldown 100d
	assert_success
	assert_output - <<-'EOF'
		{"kind":"raw","ticker":"AAA","date":"2026-10-25","path":"raw/AAA/2026-10-25.ndjson","removed":false}
		{"kind":"raw","ticker":"AAA","date":"2026-10-26","path":"raw/AAA/2026-10-26.ndjson","removed":false}
		{"kind":"raw","ticker":"AAA","date":"2026-10-27","path":"raw/AAA/2026-10-27.ndjson","removed":false}
		{"kind":"raw","ticker":"BBB","date":"2026-10-01","path":"raw/BBB/2026-10-01.ndjson","removed":false}
	EOF
	SAM_RAW_DAYS=1 SAM_DLQ_DAYS=100000 SAM_COOLDOWN=100d run --separate-stderr sam-store prune --dry-run
	assert_success
	assert_output "$(sam-store prune --dry-run --raw-days 1 --dlq-days 100000 --cooldown 100d)"
	run --separate-stderr sam-store prune --dry-run --raw-days 31 --dlq-days 1 --cooldown 100d
	assert_output - <<-'EOF'
		{"kind":"raw","ticker":"AAA","date":"2026-10-25","path":"raw/AAA/2026-10-25.ndjson","removed":false}
		{"kind":"raw","ticker":"BBB","date":"2026-10-01","path":"raw/BBB/2026-10-01.ndjson","removed":false}
		{"kind":"dlq","date":"2026-11-10","path":"dlq/2026-11-10.ndjson","letters":1,"removed":false}
		{"kind":"dlq","date":"2026-11-11","path":"dlq/2026-11-11.ndjson","letters":1,"removed":false}
		{"kind":"dlq","date":"2026-11-12","path":"dlq/2026-11-12.ndjson","letters":1,"removed":false}
	EOF
	SAM_RAW_DAYS=1 SAM_DLQ_DAYS=1 run --separate-stderr sam-store prune --dry-run --raw-days=31 --dlq-days=15 --cooldown 100d
	assert_output - <<-'EOF'
		{"kind":"raw","ticker":"AAA","date":"2026-10-25","path":"raw/AAA/2026-10-25.ndjson","removed":false}
		{"kind":"raw","ticker":"BBB","date":"2026-10-01","path":"raw/BBB/2026-10-01.ndjson","removed":false}
		{"kind":"dlq","date":"2026-11-10","path":"dlq/2026-11-10.ndjson","letters":1,"removed":false}
	EOF
	SAM_RAW_DAYS='' SAM_DLQ_DAYS='' SAM_COOLDOWN='' run --separate-stderr sam-store prune --dry-run
	assert_output "$(sam-store prune --dry-run --raw-days 30 --dlq-days 14 --cooldown 24h)"
}

@test "an alerts file goes once the end of its New York date plus the cooldown has passed" {
	prune_store
	# now is 16:00 on the 25th in New York: the 24th ended 16 hours ago
	for c in 57600 960m 16h; do
		run --separate-stderr sam-store prune --dry-run --raw-days 100 --dlq-days 100 --cooldown "$c"
		assert_success
		assert_equal "$(jq -r .path <<< "$output" | paste -sd' ')" "alerts/2026-11-22.ndjson alerts/2026-11-23.ndjson alerts/2026-11-24.ndjson"
	done
	for c in 57601s 17h 1d; do
		SAM_COOLDOWN=$c run --separate-stderr sam-store prune --dry-run --raw-days 100 --dlq-days 100
		assert_equal "$(jq -r .path <<< "$output" | paste -sd' ')" "alerts/2026-11-22.ndjson alerts/2026-11-23.ndjson"
	done
	# in summer time the 30th of June ends at 04:00 UTC
	mkdir -p summer/alerts
	echo '{}' > summer/alerts/2026-06-30.ndjson
	SAM_NOW=2026-07-01T03:59:59Z run --separate-stderr sam-store -r summer prune --cooldown 0
	assert_success
	assert_output ""
	SAM_NOW=2026-07-01T04:00:00Z run --separate-stderr sam-store -r summer prune --cooldown 0
	assert_success
	assert_output '{"kind":"alerts","date":"2026-06-30","path":"alerts/2026-06-30.ndjson","removed":true}'
	[ ! -e summer/alerts/2026-06-30.ndjson ]
}

@test "prune leaves alone what is not a day file or a ticker's directory" {
	prune_store
	mkdir -p sam-store/raw/lower sam-store/raw/AAA/sub
	echo x > sam-store/raw/lower/2020-01-01.ndjson
	echo x > sam-store/raw/AAA/2020-01-01.txt
	echo x > sam-store/raw/AAA/2020-02-30.ndjson
	echo x > sam-store/raw/2020-01-01.ndjson
	echo x > sam-store/dlq/old
	mkdir sam-store/dlq/2020-01-01.ndjson
	mkdir -p sam-store/quarantine/raw/AAA
	echo x > sam-store/quarantine/raw/AAA/2020-01-01.ndjson
	run --separate-stderr sam-store prune --raw-days 1 --dlq-days 1 --cooldown 0
	assert_success
	assert_equal "$(jq -r .path <<< "$output" | paste -sd' ')" "raw/AAA/2026-10-25.ndjson raw/AAA/2026-10-26.ndjson raw/AAA/2026-10-27.ndjson raw/BBB/2026-10-01.ndjson dlq/2026-11-10.ndjson dlq/2026-11-11.ndjson dlq/2026-11-12.ndjson alerts/2026-11-22.ndjson alerts/2026-11-23.ndjson alerts/2026-11-24.ndjson"
	[ -f sam-store/raw/lower/2020-01-01.ndjson ]
	[ -f sam-store/raw/AAA/2020-01-01.txt ]
	[ -f sam-store/raw/AAA/2020-02-30.ndjson ]
	[ -d sam-store/raw/AAA/sub ]
	[ -f sam-store/raw/2020-01-01.ndjson ]
	[ -f sam-store/dlq/old ]
	[ -d sam-store/dlq/2020-01-01.ndjson ]
	[ -f sam-store/quarantine/raw/AAA/2020-01-01.ndjson ]
}

# ---- fsck ----

@test "fsck on a sound store writes the summary, and nothing else, with exit status 0" {
	mkdir sam-store
	run --separate-stderr sam-store fsck
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(summary 0 0 0 0 0)"
	get_store
	mkdir sam-store/dlq sam-store/alerts sam-store/runs
	printf '{"id":1}\n{"id":2}\n' > sam-store/dlq/2026-11-24.ndjson
	echo '{"id":"AAA:1d:2026-11-24T14:30:00Z"}' > sam-store/alerts/2026-11-24.ndjson
	echo '{"run":1}' > sam-store/runs/2026-11-24.ndjson
	: > sam-store/runs/2026-11-25.ndjson
	snapshot sam-store > before
	run --separate-stderr sam-store fsck
	assert_success
	assert_equal "$stderr" ""
	# 14 day files of records, 4 of the others; 18 records and 4 lines
	assert_output "$(summary 18 22 0 0 0)"
	run --separate-stderr sam-store fsck --repair
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(summary 18 22 0 0 0)"
	snapshot sam-store > after
	cmp before after
}

# A damaged store: raw/AAA/2026-11-24.ndjson has a line out of order
# (2), a repeated key (3), invalid JSON (4), another ticker (5),
# another date (6), a line that is not an object (7); there is a
# symbolic link, a stray file, directories that are no tickers', and a
# bad line in dlq.
damaged_store() {
	mkdir -p sam-store/raw/AAA sam-store/raw/lower sam-store/anomalies/BBB sam-store/dlq
	fixture sam-store/raw/AAA/2026-11-24.ndjson <<-'EOF'
		{"ticker":"AAA","interval":"1h","ts":"2026-11-24T15:30:00Z","close":2}
		{"ticker":"AAA","interval":"1d","ts":"2026-11-24T14:30:00Z","close":1}
		{"ticker":"AAA","interval":"1h","ts":"2026-11-24T15:30:00Z","close":3}
		{"ticker":"AAA","interval":"1h","ts":"2026-11-24T16:30:00Z","close":4
		{"ticker":"BBB","interval":"1h","ts":"2026-11-24T17:30:00Z","close":5}
		{"ticker":"AAA","interval":"1h","ts":"2026-11-25T17:30:00Z","close":6}
		[7]
		{"ticker":"AAA","interval":"1h","ts":"2026-11-24T18:30:00Z","close":8}
	EOF
	rec 1 AAA 1d 2026-11-23T14:30:00Z > sam-store/raw/AAA/2026-11-23.ndjson
	ln -s 2026-11-23.ndjson sam-store/raw/AAA/2026-11-22.ndjson
	echo junk > sam-store/raw/AAA/notes.txt
	echo junk > sam-store/raw/stray
	rec 2 BBB 1d 2026-11-24T14:30:00Z '"anomaly":true' > sam-store/anomalies/BBB/2026-11-24.ndjson
	printf '{"id":1}\nnot json\n{"id":3}\n' > sam-store/dlq/2026-11-24.ndjson
}

DAMAGE='sam-store: sam-store/raw/AAA/2026-11-22.ndjson: a symbolic link: not followed
sam-store: sam-store/raw/AAA/2026-11-24.ndjson:4: invalid JSON at byte 70: unexpected end of line
sam-store: sam-store/raw/AAA/2026-11-24.ndjson:5: ticker BBB does not belong in the directory of AAA
sam-store: sam-store/raw/AAA/2026-11-24.ndjson:6: ts 2026-11-25T17:30:00Z is on 2026-11-25 in New York: not this file'"'"'s date
sam-store: sam-store/raw/AAA/2026-11-24.ndjson:7: not a JSON object
sam-store: sam-store/raw/AAA/2026-11-24.ndjson:2: out of order: its key sorts before line 1'"'"'s
sam-store: sam-store/raw/AAA/2026-11-24.ndjson:3: key repeats line 1'
STRAYS='sam-store: sam-store/raw/AAA/notes.txt: not a day file (YYYY-MM-DD.ndjson): left alone
sam-store: sam-store/raw/lower: not a ticker'"'"'s directory: left alone
sam-store: sam-store/raw/stray: not a ticker'"'"'s directory: left alone'

@test "fsck reports each problem with its path and line, changes nothing and exits 1" {
	damaged_store
	snapshot sam-store > before
	run --separate-stderr sam-store fsck
	assert_failure 1
	assert_equal "$stderr" "$DAMAGE
$STRAYS
sam-store: sam-store/dlq/2026-11-24.ndjson:2: not a JSON object"
	# 4 files read; the good lines counted; 6 + 1 + 3 + 1 problems
	assert_output "$(summary 4 8 11 0 0)"
	snapshot sam-store > after
	cmp before after
}

@test "fsck --repair keeps the good lines sorted, the last of a key, and moves the others to the quarantine" {
	damaged_store
	cp -a sam-store before
	run --separate-stderr sam-store fsck --repair
	assert_failure 1
	assert_equal "$stderr" "$DAMAGE
sam-store: sam-store/raw/AAA/2026-11-24.ndjson: repaired: 5 lines moved to sam-store/quarantine/raw/AAA/2026-11-24.ndjson
$STRAYS
sam-store: sam-store/dlq/2026-11-24.ndjson:2: not a JSON object
sam-store: sam-store/dlq/2026-11-24.ndjson: repaired: 1 line moved to sam-store/quarantine/dlq/2026-11-24.ndjson"
	assert_output "$(summary 4 8 11 2 6)"
	file_is sam-store/raw/AAA/2026-11-24.ndjson <<-'EOF'
		{"ticker":"AAA","interval":"1d","ts":"2026-11-24T14:30:00Z","close":1}
		{"ticker":"AAA","interval":"1h","ts":"2026-11-24T15:30:00Z","close":3}
		{"ticker":"AAA","interval":"1h","ts":"2026-11-24T18:30:00Z","close":8}
	EOF
	file_is sam-store/quarantine/raw/AAA/2026-11-24.ndjson <<-'EOF'
		{"ticker":"AAA","interval":"1h","ts":"2026-11-24T15:30:00Z","close":2}
		{"ticker":"AAA","interval":"1h","ts":"2026-11-24T16:30:00Z","close":4
		{"ticker":"BBB","interval":"1h","ts":"2026-11-24T17:30:00Z","close":5}
		{"ticker":"AAA","interval":"1h","ts":"2026-11-25T17:30:00Z","close":6}
		[7]
	EOF
	file_is sam-store/dlq/2026-11-24.ndjson <<-'EOF'
		{"id":1}
		{"id":3}
	EOF
	file_is sam-store/quarantine/dlq/2026-11-24.ndjson <<< 'not json'
	# what was sound, and what is no part of the store, is as it was
	for f in raw/AAA/2026-11-23.ndjson raw/AAA/notes.txt raw/stray anomalies/BBB/2026-11-24.ndjson; do
		cmp "before/$f" "sam-store/$f"
	done
	[ "$(readlink sam-store/raw/AAA/2026-11-22.ndjson)" = 2026-11-23.ndjson ]
	[ -d sam-store/raw/lower ]
	assert_equal "$(ls -A sam-store/tmp)" ""
	# the repaired store: only what was left alone is still reported
	run --separate-stderr sam-store fsck
	assert_failure 1
	assert_equal "$stderr" "sam-store: sam-store/raw/AAA/2026-11-22.ndjson: a symbolic link: not followed
$STRAYS"
	assert_output "$(summary 4 7 4 0 0)"
	rm sam-store/raw/AAA/2026-11-22.ndjson sam-store/raw/AAA/notes.txt sam-store/raw/stray
	rmdir sam-store/raw/lower
	run --separate-stderr sam-store fsck
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(summary 4 7 0 0 0)"
	# a quarantined record can be put back where it belongs
	run --separate-stderr sam-store put --tee sam-store/quarantine/raw/AAA/2026-11-24.ndjson
	assert_failure 1
	assert_output '{"ticker":"AAA","interval":"1h","ts":"2026-11-24T15:30:00Z","close":2}
{"ticker":"BBB","interval":"1h","ts":"2026-11-24T17:30:00Z","close":5}
{"ticker":"AAA","interval":"1h","ts":"2026-11-25T17:30:00Z","close":6}'
	run --separate-stderr sam-store fsck
	assert_success
}

@test "fsck --repair appends to the quarantine, and removes a file left with no good line" {
	mkdir -p sam-store/raw/AAA
	printf '%s\n' '{"bad":1' "$(rec 1 AAA 1d 2026-11-24T14:30:00Z)" > sam-store/raw/AAA/2026-11-24.ndjson
	sam-store fsck --repair > /dev/null 2>&1 || true
	printf '%s\n' '{"bad":2' "$(rec 1 AAA 1d 2026-11-24T14:30:00Z)" > sam-store/raw/AAA/2026-11-24.ndjson
	printf '%s\n' 'x' '[]' > sam-store/raw/AAA/2026-11-23.ndjson
	run --separate-stderr sam-store fsck --repair
	assert_failure 1
	assert_output "$(summary 2 1 3 2 3)"
	assert_equal "$stderr" "sam-store: sam-store/raw/AAA/2026-11-23.ndjson:1: not a JSON object
sam-store: sam-store/raw/AAA/2026-11-23.ndjson:2: not a JSON object
sam-store: sam-store/raw/AAA/2026-11-23.ndjson: repaired: 2 lines moved to sam-store/quarantine/raw/AAA/2026-11-23.ndjson
sam-store: sam-store/raw/AAA/2026-11-24.ndjson:1: invalid JSON at byte 9: unexpected end of line
sam-store: sam-store/raw/AAA/2026-11-24.ndjson: repaired: 1 line moved to sam-store/quarantine/raw/AAA/2026-11-24.ndjson"
	file_is sam-store/quarantine/raw/AAA/2026-11-24.ndjson <<-'EOF'
		{"bad":1
		{"bad":2
	EOF
	file_is sam-store/quarantine/raw/AAA/2026-11-23.ndjson <<-'EOF'
		x
		[]
	EOF
	[ ! -e sam-store/raw/AAA/2026-11-23.ndjson ]
	file_is sam-store/raw/AAA/2026-11-24.ndjson < <(rec 1 AAA 1d 2026-11-24T14:30:00Z)
	run --separate-stderr sam-store fsck
	assert_success
	assert_output "$(summary 1 1 0 0 0)"
}

@test "fsck --repair sorts a file that is only out of order, and quarantines nothing" {
	mkdir -p sam-store/raw/AAA
	{
		rec 1 AAA 1h 2026-11-23T14:30:00Z
		rec 2 AAA 1d 2026-11-23T14:30:00Z
		rec 3 AAA 1d 2026-11-23T15:30:00Z
	} > sam-store/raw/AAA/2026-11-23.ndjson
	run --separate-stderr sam-store fsck --repair
	assert_failure 1
	assert_equal "$stderr" "sam-store: sam-store/raw/AAA/2026-11-23.ndjson:2: out of order: its key sorts before line 1's
sam-store: sam-store/raw/AAA/2026-11-23.ndjson: repaired: sorted by key"
	assert_output "$(summary 1 3 1 1 0)"
	file_is sam-store/raw/AAA/2026-11-23.ndjson < <(rec 2 AAA 1d 2026-11-23T14:30:00Z; rec 1 AAA 1h 2026-11-23T14:30:00Z; rec 3 AAA 1d 2026-11-23T15:30:00Z)
	[ ! -e sam-store/quarantine ]
	run --separate-stderr sam-store fsck
	assert_success
	assert_output "$(summary 1 3 0 0 0)"
}

@test "fsck reports a kind's directory or a ticker's that is a symbolic link, and does not follow it" {
	get_store
	mkdir outside
	echo '[not json' > outside/2026-11-24.ndjson
	ln -s ../../outside sam-store/raw/ZZZ
	ln -s ../outside sam-store/dlq
	snapshot outside > before
	run --separate-stderr sam-store fsck --repair
	assert_failure 1
	assert_equal "$stderr" "sam-store: sam-store/raw/ZZZ: a symbolic link: not followed
sam-store: sam-store/dlq: a symbolic link: not followed"
	assert_output "$(summary 14 18 2 0 0)"
	snapshot outside | cmp before -
	[ ! -e sam-store/quarantine ]
}

@test "fsck leaves alone what else lives at the store's root (a site, notes)" {
	get_store
	echo x > sam-store/stray
	mkdir sam-store/other
	echo '{"not":"checked"' > sam-store/other/2026-11-24.ndjson
	run --separate-stderr sam-store fsck --repair
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(summary 14 18 0 0 0)"
	[ "$(cat sam-store/stray)" = x ]
	[ "$(cat sam-store/other/2026-11-24.ndjson)" = '{"not":"checked"' ]
}

# ---- stats ----

@test "stats writes a line for each kind: tickers, dates, files, records, bytes, first and last date" {
	mkdir sam-store
	run --separate-stderr sam-store stats
	assert_success
	assert_equal "$stderr" ""
	assert_output - <<-'EOF'
		{"kind":"raw","tickers":0,"days":0,"files":0,"records":0,"bytes":0,"first":null,"last":null}
		{"kind":"anomalies","tickers":0,"days":0,"files":0,"records":0,"bytes":0,"first":null,"last":null}
		{"kind":"dlq","days":0,"files":0,"records":0,"bytes":0,"first":null,"last":null}
		{"kind":"alerts","days":0,"files":0,"records":0,"bytes":0,"first":null,"last":null}
		{"kind":"runs","days":0,"files":0,"records":0,"bytes":0,"first":null,"last":null}
		{"kind":"outbox","days":0,"files":0,"records":0,"bytes":0,"first":null,"last":null}
	EOF
	get_store
	mkdir -p sam-store/dlq sam-store/runs sam-store/raw/lower
	printf '{"a":1}\n{"a":2}' > sam-store/dlq/2026-11-20.ndjson
	: > sam-store/runs/2026-11-25.ndjson
	echo '{}' > sam-store/runs/notes
	echo '{}' > sam-store/raw/lower/2026-11-01.ndjson
	echo '{}' > sam-store/raw/AAA/2026-11-31.ndjson
	run --separate-stderr sam-store stats
	assert_success
	assert_equal "$stderr" ""
	assert_output - <<-EOF
		{"kind":"raw","tickers":3,"days":4,"files":7,"records":11,"bytes":$(wc -c < raw),"first":"2026-11-20","last":"2026-11-25"}
		{"kind":"anomalies","tickers":4,"days":4,"files":7,"records":7,"bytes":$(wc -c < anomalies),"first":"2026-11-20","last":"2026-11-25"}
		{"kind":"dlq","days":1,"files":1,"records":2,"bytes":15,"first":"2026-11-20","last":"2026-11-20"}
		{"kind":"alerts","days":0,"files":0,"records":0,"bytes":0,"first":null,"last":null}
		{"kind":"runs","days":1,"files":1,"records":0,"bytes":0,"first":"2026-11-25","last":"2026-11-25"}
		{"kind":"outbox","days":0,"files":0,"records":0,"bytes":0,"first":null,"last":null}
	EOF
}

# ---- the pipeline ----

@test "the hourly chain stores bars and anomalies, and a second run stores and prints nothing" {
	sam-fetch -s mock --from 2026-05-01 --to 2026-11-24 AAA BBB > bars
	chain() {
		sam-store put --kind raw --tee < bars | sam-zscore | sam-detect | sam-store put
	}
	chain > first
	sam-zscore bars | sam-detect > want
	cmp want first
	[ "$(wc -l < first)" -gt 20 ]
	chain > second
	[ ! -s second ]
	run --separate-stderr sam-store get raw
	assert_output "$(sorted bars "$GET_ORDER")"
	run --separate-stderr sam-store get anomalies
	assert_output "$(sorted want "$GET_ORDER")"
	run --separate-stderr sam-store fsck
	assert_success
}

# damaged_store_big: damaged_store, and CCC's file of the 24th with one
# good line among 723 bad ones (truncated records, each its own).
damaged_store_big() {
	damaged_store
	mkdir -p sam-store/raw/CCC
	{
		rec 1 CCC 1d 2026-11-24T14:30:00Z
		seq 1 723 | sed 's/.*/{"ticker":"CCC","n":&/'
	} > sam-store/raw/CCC/2026-11-24.ndjson
}

# repair_readonly DIR...: fsck --repair with DIR... read-only (a bind
# mount in a namespace of its own): it quarantines the bad lines, then
# cannot replace or remove the damaged files, as if killed right then.
# Prints its exit status and its last message.
repair_readonly() {
	local script='' d
	for d in "$@"; do
		script="$script mount --bind $d $d && mount -o remount,bind,ro $d || exit 99;"
	done
	$UNSHARE sh -c "$script"' sam-store fsck --repair > /dev/null 2> err; echo "$?"; tail -n 1 err'
}

@test "fsck --repair stopped after its quarantine, before the day files are replaced, then run again: each bad line is quarantined once" {
	need_userns
	damaged_store_big
	$UNSHARE sh -c 'mount --bind sam-store/raw sam-store/raw && mount -o remount,bind,ro sam-store/raw' 2> /dev/null ||
		skip "cannot make a read-only bind mount in a namespace"
	cp -a sam-store before
	run repair_readonly sam-store/raw sam-store/dlq
	assert_success
	assert_line -n 0 3
	assert_regex "${lines[1]}" '^sam-store: fatal: unable to .*: (Read-only file system|Invalid cross-device link)$'
	# the lines are in the quarantine, and still in the day files
	for f in raw/AAA/2026-11-24.ndjson raw/CCC/2026-11-24.ndjson dlq/2026-11-24.ndjson; do
		cmp "before/$f" "sam-store/$f"
	done
	assert_equal "$(wc -l < sam-store/quarantine/raw/CCC/2026-11-24.ndjson)" 723
	# the next repair puts the files right and quarantines nothing twice
	run --separate-stderr sam-store fsck --repair
	assert_failure 1
	assert_output "$(summary 5 9 734 3 729)"
	file_is sam-store/quarantine/raw/AAA/2026-11-24.ndjson <<-'EOF'
		{"ticker":"AAA","interval":"1h","ts":"2026-11-24T15:30:00Z","close":2}
		{"ticker":"AAA","interval":"1h","ts":"2026-11-24T16:30:00Z","close":4
		{"ticker":"BBB","interval":"1h","ts":"2026-11-24T17:30:00Z","close":5}
		{"ticker":"AAA","interval":"1h","ts":"2026-11-25T17:30:00Z","close":6}
		[7]
	EOF
	seq 1 723 | sed 's/.*/{"ticker":"CCC","n":&/' | file_is sam-store/quarantine/raw/CCC/2026-11-24.ndjson
	file_is sam-store/quarantine/dlq/2026-11-24.ndjson <<< 'not json'
	file_is sam-store/raw/CCC/2026-11-24.ndjson < <(rec 1 CCC 1d 2026-11-24T14:30:00Z)
	# the message says why nothing was appended
	grep -qxF 'sam-store: sam-store/raw/AAA/2026-11-24.ndjson: repaired: 5 lines moved to sam-store/quarantine/raw/AAA/2026-11-24.ndjson (5 there already)' <<< "$stderr"
	grep -qxF 'sam-store: sam-store/raw/CCC/2026-11-24.ndjson: repaired: 723 lines moved to sam-store/quarantine/raw/CCC/2026-11-24.ndjson (723 there already)' <<< "$stderr"
	grep -qxF 'sam-store: sam-store/dlq/2026-11-24.ndjson: repaired: 1 line moved to sam-store/quarantine/dlq/2026-11-24.ndjson (1 there already)' <<< "$stderr"
	# and a third finds nothing to repair
	run --separate-stderr sam-store fsck --repair
	assert_output "$(summary 5 8 4 0 0)"
	[ "$(find sam-store/quarantine -type f -exec cat {} + | wc -l)" -eq 729 ]
}

@test "fsck --repair stopped before it removes a file of bad lines only, then run again: its lines are quarantined once" {
	need_userns
	mkdir -p sam-store/raw/AAA
	printf '%s\n' x '[]' x > sam-store/raw/AAA/2026-11-23.ndjson
	$UNSHARE sh -c 'mount --bind sam-store/raw sam-store/raw && mount -o remount,bind,ro sam-store/raw' 2> /dev/null ||
		skip "cannot make a read-only bind mount in a namespace"
	run repair_readonly sam-store/raw
	assert_output '3
sam-store: fatal: unable to remove sam-store/raw/AAA/2026-11-23.ndjson: Read-only file system'
	file_is sam-store/quarantine/raw/AAA/2026-11-23.ndjson <<< $'x\n[]\nx'
	# the same lines, as many times: each once more than it is there
	run --separate-stderr sam-store fsck --repair
	assert_failure 1
	assert_output "$(summary 1 0 3 1 3)"
	file_is sam-store/quarantine/raw/AAA/2026-11-23.ndjson <<< $'x\n[]\nx'
	assert_equal "${stderr##*$'\n'}" 'sam-store: sam-store/raw/AAA/2026-11-23.ndjson: repaired: 3 lines moved to sam-store/quarantine/raw/AAA/2026-11-23.ndjson (3 there already)'
	[ ! -e sam-store/raw/AAA/2026-11-23.ndjson ]
	# a line the quarantine holds, damaged again later: no copy more;
	# one more x than it holds: that one is appended
	printf '%s\n' '[]' x x x "$(rec 1 AAA 1d 2026-11-23T14:30:00Z)" > sam-store/raw/AAA/2026-11-23.ndjson
	run --separate-stderr sam-store fsck --repair
	assert_output "$(summary 1 1 4 1 4)"
	file_is sam-store/quarantine/raw/AAA/2026-11-23.ndjson <<< $'x\n[]\nx\nx'
	# a quarantine whose last line was cut short: the next line starts on a line of its own
	printf 'cut' >> sam-store/quarantine/raw/AAA/2026-11-23.ndjson
	printf '%s\n' y "$(rec 1 AAA 1d 2026-11-23T14:30:00Z)" > sam-store/raw/AAA/2026-11-23.ndjson
	run --separate-stderr sam-store fsck --repair
	assert_output "$(summary 1 1 1 1 1)"
	file_is sam-store/quarantine/raw/AAA/2026-11-23.ndjson <<< $'x\n[]\nx\nx\ncut\ny'
}
