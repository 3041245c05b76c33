#!/usr/bin/env bats
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
# The throttle is fair: a bucket for each client address inside the one
# for all clients together, in the preview server (sam-serve-static
# serve) and in nginx with share/nginx/sam.conf, so that one client's
# burst cannot make another get 429.  The clients are addresses of
# loopback: Linux routes all of 127/8 to lo, and curl --interface binds
# one.

bats_require_minimum_version 1.5.0

load test_helper
load site
load nginx

# shellcheck disable=SC2034 # for usage_table
USAGE=$(usage_of sam-serve-static)
SF=$FIXTURES/serve
TOO_MANY='429 | application/json | no-store | Retry-After: 1 | {"status":429,"error":"too many requests"}\n'

setup_file() {
	# shellcheck disable=SC2034 # where sam_setup goes
	local BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR
	sam_setup
	site_store st 2024-01-02 2024-02-28 ACME
	sam-serve-static build -r st -o site
}

setup() {
	sam_setup
	cp -a "$BATS_FILE_TMPDIR/site" .
}

teardown() {
	local failed=0
	site_server_stop || failed=1
	nginx_stop || failed=1
	return "$failed"
}

# from ADDRESS N URL: N GETs of URL over one connection from ADDRESS
# of loopback; their statuses, one a line.
from() {
	local i urls=()
	for ((i = 0; i < $2; i++)); do
		urls+=(-o /dev/null "$3")
	done
	curl -s -g --interface "$1" -w '%{http_code}\n' "${urls[@]}"
}

# fair_burst URL EXTRA: 250 GETs of URL/health at once from one client:
# its first 100 pass, at most EXTRA + 1 more than 100 and the 50 a
# second that come back over the burst's time, the rest are 429s; then
# 20 GETs from a second address of loopback all pass.
fair_burst() {
	local elapsed ok
	python3 "$SF/client.py" burst "$1" /health 250 > burst
	elapsed=$(sed -n 's/^elapsed //p' burst)
	sed -i '$d' burst
	run sed -n '1,100{/^200$/!p}' burst
	assert_output ""
	ok=$(grep -c '^200$' burst)
	[ "$ok" -le $((100 + $2 + elapsed / 20 + 1)) ] || { echo "$ok passed in $elapsed ms"; return 1; }
	run grep -v -x -F -e 200 -e "$TOO_MANY" burst
	assert_output ""
	run from 127.0.0.2 20 "$1/health"
	assert_output "$(printf '200\n%.0s' {1..20})"
}

# counts: the lines of stdin counted, as uniq -c, on one line.
counts() {
	sort | uniq -c | awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 } END { print "" }'
}

@test "one client's burst: it gets 429 past its own bucket of 100, while a second address still gets 200s" {
	site_server_start site --quiet
	# the all clients' bucket (200) has room left: another client is served
	fair_burst "$SITE_URL" 0
}

@test "--client-rate 1 --client-burst 4 inside --rate 1 --burst 10: each address its 4, and all of them 10; a refused request takes no token" {
	site_server_start site --quiet --rate 1 --burst 10 --client-rate 1 --client-burst 4
	assert_equal "$(from 127.0.0.1 6 "$SITE_URL/health" | counts)" "200 x4, 429 x2"
	assert_equal "$(from 127.0.0.2 6 "$SITE_URL/health" | counts)" "200 x4, 429 x2"
	# 8 of the 10 taken, the 4 refused took none: 2 left for a third
	assert_equal "$(from 127.0.0.3 6 "$SITE_URL/health" | counts)" "200 x2, 429 x4"
}

@test "--client-rate 0: one bucket for all clients, as the original gateway alone; --rate 0: no throttle at all" {
	site_server_start site --quiet --rate 1 --burst 4 --client-rate 0
	assert_equal "$(from 127.0.0.1 5 "$SITE_URL/health" | counts)" "200 x4, 429 x1"
	assert_equal "$(from 127.0.0.2 1 "$SITE_URL/health")" 429
	site_server_start site --quiet --rate 0 --client-rate 1 --client-burst 1
	assert_equal "$(from 127.0.0.1 150 "$SITE_URL/health" | counts)" "200 x150"
}

@test "an IPv6 client has its bucket too" {
	SITE_LOG=$BATS_TEST_TMPDIR/serve.log
	sam-serve-static serve -d site -l '[::1]:0' --quiet --client-rate 1 --client-burst 2 2> "$SITE_LOG" 3>&- &
	SITE_SERVER_PID=$!
	poll "$SITE_SERVER_PID" site_port "$SITE_LOG" \
	    '^sam-serve-static: serving site on http://\[::1\]:\([0-9]*\)/$' ||
		{ cat "$SITE_LOG"; return 1; }
	assert_equal "$(from ::1 3 "http://[::1]:$SITE_PORT/health" | counts)" "200 x2, 429 x1"
}

@test "the clients' buckets are a table of 4096 that does not grow: after 12,000 other addresses, a client that had emptied its bucket has lost its slot, and starts again full" {
	site_server_start site --quiet --rate 1000000 --burst 1000000 --client-rate 1 --client-burst 1000
	# 127.0.0.1 takes its 1000; 12,000 addresses of 127.1/16 one each
	# (its slot survives them about once in a million runs); then
	# 127.0.0.1 again: kept, its bucket would hold a token for each
	# second since (a few), not 100
	run python3 - "$SITE_PORT" <<-'EOF'
		import socket, sys
		port = int(sys.argv[1])
		def get(source):
		    s = socket.socket()
		    s.bind((source, 0))
		    s.connect(("127.0.0.1", port))
		    s.sendall(b"GET /health HTTP/1.1\r\nHost: sam\r\nConnection: close\r\n\r\n")
		    answer = b""
		    while chunk := s.recv(65536):
		        answer += chunk
		    s.close()
		    return answer[9:12].decode()
		def count(codes):
		    return " ".join("%s x%d" % (c, codes.count(c)) for c in sorted(set(codes)))
		first = [get("127.0.0.1") for _ in range(1000)]
		print(count(first))
		others = [get("127.1.%d.%d" % (i // 250, i % 250 + 1)) for i in range(12000)]
		print(count(others))
		print(count([get("127.0.0.1") for _ in range(100)]))
	EOF
	assert_output '200 x1000
200 x12000
200 x100'
}

@test "bad --client-rate and --client-burst are usage errors with their own messages" {
	local r='sam-serve-static: --client-rate: not a number of requests a second from 0 (no limit) to 1000000:'
	local b='sam-serve-static: --client-burst: not a number from 1 to 1000000:'
	usage_table timeout 10 sam-serve-static serve -d site <<-EOF
		--client-rate | sam-serve-static: option '--client-rate' requires an argument
		--client-burst | sam-serve-static: option '--client-burst' requires an argument
		--client-rate -1 | $r -1
		--client-rate 2.5 | $r 2.5
		--client-rate 1000001 | $r 1000001
		--client-burst 0 | $b 0
		--client-burst many | $b many
	EOF
}

@test "nginx with sam.conf: one client's burst gets 429 past its bucket of 100, while a second address still gets 200s" {
	# the preview server's defaults, in its page
	grep -Eqx $'limit_req_zone \\$binary_remote_addr zone=sam_client:10m rate=50r/s;' \
		"$SAM_ROOT/share/nginx/sam.conf"
	grep -Eqx $'[ \t]*limit_req zone=sam_client burst=100 nodelay;' "$SAM_ROOT/share/nginx/sam.conf"
	grep -A2 -x '.It Fl \\-client-rate Ar n' "$SAM_ROOT/man/sam-serve-static.1" | grep -q 'default 50;'
	grep -A1 -x '.It Fl \\-client-burst Ar n' "$SAM_ROOT/man/sam-serve-static.1" | grep -q 'default 100\.'
	nginx_start "$PWD/site"
	fair_burst "$NGINX_URL" 1
}
