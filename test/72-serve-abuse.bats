#!/usr/bin/env bats
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
# sam-serve-static serve under abuse, on loopback: one client address
# holding a thousand slow connections (test/slowloris.py, from
# 127.0.0.1) while another (127.0.0.2) is answered; the deadline of a
# request that comes slowly or not at all; the answers libmicrohttpd
# gives itself to a request it cannot parse.  Each test is bounded:
# a few seconds, no sleep, the server stopped by its PID.

bats_require_minimum_version 1.5.0

load test_helper
load site

# shellcheck disable=SC2034 # for usage_table
USAGE=$(usage_of sam-serve-static)	# its text is checked in 70-site.bats

# A site of one file is enough to be answered.
setup() {
	sam_setup
	mkdir site
	echo '{"status":"ok"}' > site/health.json
	touch site/.sam-site
}

teardown() {
	site_server_stop
}

# need_fds: the attacker's thousand sockets need a limit of open files
# that can be raised past 1,064.
need_fds() {
	local hard
	hard=$(ulimit -Hn)
	[ "$hard" = unlimited ] || [ "$hard" -ge 1064 ] ||
		skip "the hard limit of open files is $hard, under 1,064"
}

slowloris() {
	python3 "$SAM_ROOT/test/slowloris.py" "$@"
}

# flood_check OUTPUT HELD CONNS: slowloris flood's output says that the
# attacker held HELD of CONNS connections and that the other client had
# every answer, 200, within 100 ms; prints the worst time.
flood_check() {
	local out=$1 held=$2 conns=$3 n ok worst
	[[ $out =~ attacker:\ held\ ([0-9]+)\ of\ ([0-9]+)\ connections ]] &&
		[ "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}" = "$held $conns" ] ||
		{ echo "not held $held of $conns: $out"; return 1; }
	[[ $out =~ client:\ ([0-9]+)\ requests,\ ([0-9]+)\ answered\ 200,\ worst\ ([0-9]+)\.[0-9]\ ms ]] ||
		{ echo "no client line: $out"; return 1; }
	n=${BASH_REMATCH[1]} ok=${BASH_REMATCH[2]} worst=${BASH_REMATCH[3]}
	[ "$n" -ge 20 ] && [ "$ok" -eq "$n" ] && [ "$worst" -lt 100 ] ||
		{ echo "the other client: $out"; return 1; }
}

# ---- one address, many slow connections ----

@test "one address holding 1,000 slow connections gets 64 of them; another address has every answer within 100 ms" {
	need_fds
	site_server_start site --quiet
	run slowloris flood "$SITE_URL/health" 127.0.0.1 127.0.0.2 1000 3
	assert_success
	flood_check "$output" 64 1000
	sed 's/^/# /' <<< "$output" >&3	# the figures, for the record
}

@test "--per-address 3: the address holds 3 connections, the others are closed unanswered, another address is answered" {
	site_server_start site --quiet --per-address 3
	run slowloris flood "$SITE_URL/health" 127.0.0.1 127.0.0.2 10 1.5 0.25
	assert_success
	flood_check "$output" 3 10
	# the refused are closed without a word, and again each round
	[[ $output =~ held\ 3\ of\ 10\ connections,\ ([0-9]+)\ refused ]]
	[ "${BASH_REMATCH[1]}" -ge 14 ]
}

@test "with no limit and no deadline, 1,000 slow connections of one address leave nobody else answered (the bounds matter)" {
	need_fds
	site_server_start site --quiet --per-address 0 --request-timeout 0
	run slowloris flood "$SITE_URL/health" 127.0.0.1 127.0.0.2 1000 1.5 0.5
	assert_success
	assert_line -n 0 "attacker: held 1000 of 1000 connections, 0 refused or closed"
	assert_regex "${lines[1]}" '^client: [0-9]+ requests, 0 answered 200, worst [0-9.]+ ms$'
}

# ---- the deadline of a request ----

@test "--request-timeout 1: a header that never ends, a body that never ends, an idle kept connection: each closed after 1 s, logged" {
	site_server_start site --request-timeout 1
	local kind min max
	for kind in header body idle; do
		run slowloris deadline "$SITE_URL/health" "$kind" 10
		assert_success
		[[ $output =~ ^closed\ 10\ of\ 10\ after\ ([0-9]+)\ to\ ([0-9]+)\ ms$ ]] ||
			{ echo "$kind: $output"; return 1; }
		min=${BASH_REMATCH[1]} max=${BASH_REMATCH[2]}
		# kept to a quarter of the timeout, and the client's own 0.1 s;
		# an idle connection's clock starts at the server's last answer,
		# a little before the client's (999 ms has been seen)
		[ "$min" -ge 980 ] && [ "$max" -le 1500 ] || { echo "$kind: $output"; return 1; }
	done
	site_server_stop
	run grep -c -x 'sam-serve-static: 127.0.0.1: no whole request within 1 s: connection closed' "$SITE_LOG"
	assert_output 30
	# nothing else but the ten answers of idle and the ten aborted POSTs
	# (and, as the client's close and the deadline race, libmicrohttpd's
	# own word on a body cut short, when it sees the close first)
	run grep -v -e ': no whole request within 1 s: connection closed$' \
		-e '^sam-serve-static: serving site on ' -e '^sam-serve-static: stopped (SIGTERM)$' \
		-e '^sam-serve-static: warning: libmicrohttpd: Socket has been disconnected when reading request\.$' \
		"$SITE_LOG"
	printf "%s\n" "${lines[@]}"
	assert_equal "${#lines[@]}" 20
	assert_equal "$(grep -c -E '^sam-serve-static: 127\.0\.0\.1 "POST /health" 0 0 [0-9.]+ ms \(aborted\)$' "$SITE_LOG")" 10
	assert_equal "$(grep -c -E '^sam-serve-static: 127\.0\.0\.1 "GET /health" 200 16 [0-9.]+ ms$' "$SITE_LOG")" 10
}

@test "a request that comes whole in time is answered, and the connection kept for the next" {
	site_server_start site --request-timeout 0.5
	run python3 "$FIXTURES/serve/client.py" reuse "$SITE_URL" /health
	assert_output "one connection"
}

@test "--quiet logs no closed connection" {
	site_server_start site --quiet --request-timeout 0.2
	run slowloris deadline "$SITE_URL/health" header 3
	assert_regex "$output" '^closed 3 of 3 after [0-9]+ to [0-9]+ ms$'
	site_server_stop
	run cat "$SITE_LOG"
	assert_output "sam-serve-static: serving site on http://127.0.0.1:$SITE_PORT/
sam-serve-static: stopped (SIGTERM)"
}

# ---- what libmicrohttpd answers itself ----

@test "libmicrohttpd's own 400, 414, 431 and 505 have exactly Date, Connection: close and Content-Length, no security header, and close" {
	site_server_start site
	local big
	big=$(head -c 40000 /dev/zero | tr '\0' a)
	run slowloris request "$SITE_URL" < <(printf 'GET /health HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n')
	assert_output $'HTTP/1.1 400 Bad Request\nDate: D\nConnection: close\nContent-Length: 117\nclosed'
	run slowloris request "$SITE_URL" < <(printf 'GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n')
	assert_output $'HTTP/1.1 400 Bad Request\nDate: D\nConnection: close\nContent-Length: 138\nclosed'
	run slowloris request "$SITE_URL" < <(printf 'GET /%s HTTP/1.1\r\nHost: x\r\n\r\n' "$big")
	assert_output $'HTTP/1.1 414 URI Too Long\nDate: D\nConnection: close\nContent-Length: 143\nclosed'
	run slowloris request "$SITE_URL" < <(printf 'GET /health HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n' "$big")
	assert_output $'HTTP/1.1 431 Request Header Fields Too Large\nDate: D\nConnection: close\nContent-Length: 143\nclosed'
	run slowloris request "$SITE_URL" < <(printf 'GET /health HTTP/2.5\r\nHost: x\r\n\r\n')
	assert_output $'HTTP/1.1 505 HTTP Version Not Supported\nDate: D\nConnection: close\nContent-Length: 133\nclosed'
	# and the server's own answers, even to a request on the edge, have them
	run slowloris request "$SITE_URL" < <(printf 'GET /nope HTTP/1.0\r\n\r\n')
	assert_line -n 0 'HTTP/1.1 404 Not Found'
	assert_line 'X-Content-Type-Options: nosniff'
	assert_line 'X-Frame-Options: DENY'
	assert_line 'Referrer-Policy: no-referrer'
}

# ---- usage ----

@test "bad --per-address and --request-timeout are usage errors with their own messages" {
	local p='sam-serve-static: --per-address: not a number of connections from 0 (no limit) to 1000:'
	local t='sam-serve-static: --request-timeout: not a number of seconds from 0 (none) to 3600:'
	usage_table timeout 10 sam-serve-static serve -d site <<-EOF
		--per-address | sam-serve-static: option '--per-address' requires an argument
		--per-address -1 | $p -1
		--per-address 1001 | $p 1001
		--per-address 1.5 | $p 1.5
		--per-address many | $p many
		--request-timeout | sam-serve-static: option '--request-timeout' requires an argument
		--request-timeout -1 | $t -1
		--request-timeout 3601 | $t 3601
		--request-timeout 1e9 | $t 1e9
		--request-timeout nan | $t nan
		--request-timeout 10s | $t 10s
	EOF
}
