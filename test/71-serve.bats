#!/usr/bin/env bats
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
# sam-serve-static serve, the preview server, on loopback: the routes,
# caching, methods, the paths that must not leave the site, the security
# headers, the throttle, rebuilds under load, the access log, usage; and
# nginx with share/nginx/sam.conf answering the same requests the same
# way.  The requests and the answers both must give are in
# fixtures/serve (requests, answers.expected); client.py there sends
# them and checks what a shell cannot.

bats_require_minimum_version 1.5.0

load test_helper
load site
load nginx

# shellcheck disable=SC2034 # for usage_table and error_table
USAGE=$(usage_of sam-serve-static)	# its text is checked in 70-site.bats

SF=$FIXTURES/serve
CSP="default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
NOT_FOUND='{"status":404,"error":"not found"}'
SECRET='TOP SECRET, outside the site'

# One store and its site for the whole file: each test gets a copy.
# Beside the site, a file that must never be served; in it, links out
# and in, a dotfile and a FIFO.
setup_file() {
	# shellcheck disable=SC2034 # where sam_setup goes
	local BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR
	sam_setup
	site_store st 2024-01-02 2024-03-28 ACME BRK.B '^GSPC' EURUSD=X
	sam-serve-static build -r st -o site
	echo "$SECRET" > secret
	ln -s ../secret site/outside
	ln -s /etc/passwd site/passwd
	ln -s health.json site/inside.json
	ln -s ticker site/linked
	echo "$SECRET, a dotfile" > site/.hidden
	echo "$SECRET, a dotfile too" > site/anomalies/.hidden
	mkfifo site/fifo
}

setup() {
	sam_setup
	cp -a "$BATS_FILE_TMPDIR/st" "$BATS_FILE_TMPDIR/site" "$BATS_FILE_TMPDIR/secret" .
}

teardown() {
	local failed=0
	site_server_stop || failed=1
	nginx_stop || failed=1
	return "$failed"
}

# ---- helpers ----

client() {
	python3 "$SF/client.py" "$@"
}

# section NAME FILE: the lines of section "## NAME" of FILE.
section() {
	awk -v s="## $1" '/^## / { on = $0 == s } on' "$2"
}

# answers URL SECTION: the answers of URL to the requests of SECTION (all
# when none), as client.py table prints them, must be answers.expected's.
answers() {
	local url=$1
	if [ -n "${2:-}" ]; then
		section "$2" "$SF/requests" > requests
		section "$2" "$SF/answers.expected" > expected
	else
		cp "$SF/requests" requests
		cp "$SF/answers.expected" expected
	fi
	client table "$url" site < requests > got
	diff -u expected got
}

# headers URL [CURL ARG...]: the status and the headers of the answer, a
# line each, sorted, but for those of the connection (Date, Server,
# Connection, Keep-Alive); the ETag's value is shown as E, the reason
# phrase left out.
headers() {
	curl -s --path-as-is -o /dev/null -D - "$@" | tr -d '\r' | awk '
		NR == 1 { print $1, $2; next }
		/^$/ { next }
		tolower($0) ~ /^(date|server|connection|keep-alive):/ { next }
		tolower($0) ~ /^etag:/ { print "ETag: E"; next }
		{ print }' | sort
}

# etag URL: the ETag of URL's answer.
etag() {
	curl -s -o /dev/null -w '%header{etag}' "$1"
}

# The paths of the site's files and the files they answer with.
ROUTES='/ index.html
/health health.json
/anomalies anomalies.json
/anomalies?severity=low anomalies/severity/low.json
/anomalies?severity=medium anomalies/severity/medium.json
/anomalies/severity/high anomalies/severity/high.json
/anomalies/severity/critical anomalies/severity/critical.json
/anomalies/ACME anomalies/ACME.json
/anomalies/BRK.B anomalies/BRK.B.json
/anomalies/%5EGSPC anomalies/^GSPC.json
/anomalies/EURUSD=X anomalies/EURUSD=X.json
/ticker/ACME ticker/ACME.html
/ticker/BRK.B.html ticker/BRK.B.html
/ticker/%5EGSPC ticker/^GSPC.html
/ticker/EURUSD=X ticker/EURUSD=X.html
/style.css style.css
/app.js app.js'

# etags URL: "PATH ETAG" for each path of ROUTES, from one curl.
etags() {
	local path args=()
	while read -r path _; do
		args+=(-o /dev/null "$1$path")
	done <<< "$ROUTES"
	curl -s -w '%{url} %header{etag}\n' "${args[@]}" | sed "s|^$1||"
}

# tag_of FILE PATH: the ETag of PATH in FILE, as etags wrote it.
tag_of() {
	awk -v p="$2" '$1 == p { print $2 }' "$1"
}

# server_log: the server's log with each request's milliseconds as MS,
# once every request line has been checked to have them as N.NNN.
server_log() {
	local bad
	bad=$(grep '^sam-serve-static: [0-9a-f.:]* "' "$SITE_LOG" |
		grep -Ev '^sam-serve-static: [0-9a-f.:]+ "[^"]*" [0-9]{3} [0-9]+ [0-9]+\.[0-9]{3} ms$') &&
		{ echo "not in the format of the access log: $bad"; return 1; }
	sed -E 's/ [0-9]+\.[0-9]{3} ms$/ MS ms/' "$SITE_LOG"
}

# json_server_start DIR [OPTION...]: site_server_start for a server
# that logs in JSON (--log-format json among the options, or
# SAM_LOG_FORMAT=json): the same variables, the same site_server_stop.
json_server_start() {
	local dir=$1
	shift
	SITE_LOG=$BATS_TEST_TMPDIR/serve.log
	SITE_PORT=
	: > "$SITE_LOG"
	# fd 3 closed, or bats waits for the server at the end of the test.
	sam-serve-static serve -d "$dir" -l 127.0.0.1:0 "$@" 2> "$SITE_LOG" 3>&- &
	SITE_SERVER_PID=$!
	poll "$SITE_SERVER_PID" site_port "$SITE_LOG" \
	    '^{.*"msg":"serving .* on http://127\.0\.0\.1:\([0-9]*\)/"}$' ||
		{ cat "$SITE_LOG"; site_server_stop; return 1; }
	SITE_URL=http://127.0.0.1:$SITE_PORT
}

# hammer_start [--pause SECONDS] URL: client.py hammer in the background
# on five paths, /health first, once it has been round them once.
hammer_start() {
	local i
	python3 "$SF/client.py" hammer "$@" stop /health / /anomalies /ticker/ACME /anomalies/BRK.B \
		> hammer 3>&- &
	HAMMER_PID=$!
	for ((i = 0; i < 500; i++)); do
		[ ! -e stop.ready ] || return 0
		kill -0 "$HAMMER_PID" 2> /dev/null || break
		sleep 0.01
	done
	cat hammer
	return 1
}

# hammer_end: stops it; every answer was whole, and it saw at least 3
# versions of /health: it ran through the builds.
hammer_end() {
	touch stop
	wait "$HAMMER_PID"
	run tail -n 1 hammer
	[[ $output =~ ^([0-9]+)\ answers,\ 0\ bad,\ ([0-9]+)\ bodies\ of\ /health$ ]] &&
		[ "${BASH_REMATCH[2]}" -ge 3 ] && [ "$(wc -l < hammer)" -eq 1 ] ||
		{ cat hammer; return 1; }
}

# rebuilds N [SECONDS]: N builds of the site (a pause after each), each
# with a run more in the store and a minute later: every file changes.
rebuilds() {
	local i
	mkdir -p st/runs
	for ((i = 1; i <= $1; i++)); do
		printf '{"start":"2026-11-25T20:%02d:00Z","end":"2026-11-25T20:%02d:30Z","status":"ok","stages":{}}\n' \
			"$i" "$i" >> st/runs/2026-11-25.ndjson
		SAM_NOW=$(printf '2026-11-25T21:%02d:00Z' "$i") sam-serve-static build -r st -o site ||
			{ kill "$HAMMER_PID"; return 1; }
		sleep "${2:-0}"
	done
}

# size FILE: its bytes.
size() {
	wc -c < "$1" | tr -d ' '
}

# ---- routes ----

@test "every route answers with its file, status and Content-Type, to GET and to HEAD (same headers, no body)" {
	site_server_start site
	answers "$SITE_URL" routes
}

@test "/anomalies?severity=LEVEL answers the anomalies of LEVEL and above, with min_severity LEVEL" {
	site_server_start site
	local level
	for level in low medium high critical; do
		curl -s -o body "$SITE_URL/anomalies?severity=$level"
		cmp body "site/anomalies/severity/$level.json"
		assert_equal "$level $(jq -r .min_severity body)" "$level $level"
	done
	curl -s -o body "$SITE_URL/anomalies"
	assert_equal "$(jq -r .min_severity body)" null
}

@test "an unknown ticker, file or severity, or a bad escape: a JSON error, exactly, that is not cached" {
	site_server_start site
	answers "$SITE_URL" errors
	# and what the client saw, through curl
	run curl -s -D headers "$SITE_URL/ticker/NOPE"
	assert_output "$NOT_FOUND"
	tr -d '\r' < headers > h
	grep -qx 'HTTP/1.1 404 Not Found' h
	grep -qx 'Content-Type: application/json' h
	grep -qx 'Cache-Control: no-store' h
	grep -qx "Content-Length: $((${#NOT_FOUND} + 1))" h
}

# ---- caching ----

@test "every file has a strong ETag of its own and Cache-Control: public, max-age=300; the same file by two routes, the same tag" {
	site_server_start site
	etags "$SITE_URL" > tags
	assert_equal "$(wc -l < tags)" "$(wc -l <<< "$ROUTES")"
	run grep -Ev '^[^ ]+ "[0-9a-f]{16}"$' tags
	assert_output ""
	# a tag per content: as many tags as different files, each file one tag
	local file files ntags pairs
	while read -r _ file; do
		md5sum < "site/$file"
	done <<< "$ROUTES" | paste -d' ' - tags > pairs
	files=$(cut -d' ' -f1 pairs | sort -u | wc -l)
	ntags=$(cut -d' ' -f5 pairs | sort -u | wc -l)
	pairs=$(cut -d' ' -f1,5 pairs | sort -u | wc -l)
	assert_equal "$files $ntags $pairs" "$files $files $files"
	assert_equal "$(etag "$SITE_URL/health.json")" "$(etag "$SITE_URL/health")"
	assert_equal "$(etag "$SITE_URL/ticker/%5EGSPC.html")" "$(tag_of tags /ticker/%5EGSPC)"
	while read -r path _; do
		curl -s -o /dev/null -w "$path %header{cache-control}\n" "$SITE_URL$path"
	done <<< "$ROUTES" > cc
	run grep -v ' public, max-age=300$' cc
	assert_output ""
}

@test "If-None-Match with the ETag, in a list, weak or *, gets 304 and no body; another tag gets the file" {
	site_server_start site
	answers "$SITE_URL" caching
}

@test "a 304 has no body, and no Content-Length but the file's" {
	site_server_start site
	local tag
	tag=$(etag "$SITE_URL/health")
	curl -s -D headers -o body -H "If-None-Match: $tag" "$SITE_URL/health"
	tr -d '\r' < headers > h
	grep -qx 'HTTP/1.1 304 Not Modified' h
	[ ! -s body ]
	# RFC 9110 8.6: a Content-Length in a 304 is the 200's, or none
	run sed -n 's/^Content-Length: //Ip' h
	[ -z "$output" ] || assert_output "$(size site/health.json)"
}

@test "a rebuild that changes nothing keeps every ETag; one that changes a file changes its ETag, and the others keep theirs" {
	site_server_start site
	etags "$SITE_URL" > before
	sam-serve-static build -r st -o site
	[ -d .site.prev ]
	etags "$SITE_URL" > same
	diff -u before same

	mv .site.prev old
	mkdir -p st/runs
	echo '{"start":"2026-11-25T20:30:00Z","end":"2026-11-25T20:31:00Z","status":"ok","stages":{}}' \
		> st/runs/2026-11-25.ndjson
	SAM_NOW=2026-11-25T21:10:00Z sam-serve-static build -r st -o site
	etags "$SITE_URL" > after
	local path file old new changed=0 kept=0
	while read -r path file; do
		old=$(tag_of before "$path")
		new=$(tag_of after "$path")
		if cmp -s "old/$file" "site/$file"; then
			assert_equal "$path $new" "$path $old"
			kept=$((kept + 1))
		else
			[ "$new" != "$old" ] || { echo "$path: changed, same ETag $new"; return 1; }
			changed=$((changed + 1))
		fi
	done <<< "$ROUTES"
	[ "$changed" -gt 0 ]
	[ "$kept" -gt 0 ]
	# the old tag of a changed file gets the new file; of a kept one, 304
	curl -s -o body -w '%{http_code}\n' -H "If-None-Match: $(tag_of before /health)" \
		"$SITE_URL/health" > code
	assert_equal "$(< code)" 200
	cmp body site/health.json
	run curl -s -w '%{http_code}' -H "If-None-Match: $(tag_of before /style.css)" \
		"$SITE_URL/style.css"
	assert_output 304
}

# ---- methods ----

@test "POST, PUT, DELETE, OPTIONS and PATCH get 405 with Allow: GET, HEAD and a JSON body" {
	site_server_start site
	answers "$SITE_URL" methods
	# with a body to upload, too
	run curl -s -D headers -X POST --data-binary @site/health.json "$SITE_URL/health"
	assert_output '{"status":405,"error":"method not allowed"}'
	tr -d '\r' < headers > h
	grep -qx 'HTTP/1.1 405 Method Not Allowed' h
	grep -qx 'Allow: GET, HEAD' h
	grep -qx 'Content-Type: application/json' h
}

# ---- nothing outside the site ----

@test "no path leaves the site: dot segments plain or encoded, //, dotfiles, links out or in, NUL, a FIFO" {
	site_server_start site
	answers "$SITE_URL" outside
	# the same through curl, which sends the path as it is
	local path want
	while read -r path want; do
		curl -s --path-as-is -o body -w '%{http_code}\n' "$SITE_URL$path" > code
		assert_equal "$path $(< code)" "$path $want"
		if grep -q -e "$SECRET" -e 'root:' body; then
			echo "$path: served what is outside the site"
			return 1
		fi
		if [ "$want" = 404 ]; then
			assert_equal "$path $(< body)" "$path $NOT_FOUND"
		fi
	done <<-'EOF'
		/../secret 404
		/../../../../etc/passwd 404
		/%2e%2e/secret 404
		/%2E%2E%2Fsecret 404
		/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd 404
		/anomalies/..%2f..%2fetc/passwd 404
		/anomalies/..%2f..%2fsecret 404
		/ticker/%2e%2e/%2e%2e/secret 404
		//etc/passwd 404
		/.sam-site 404
		/.hidden 404
		/outside 404
		/passwd 404
		/inside.json 404
		/linked/ACME.html 404
		/fifo 404
		/%00 400
		/secret%00 400
		/%zz 400
		/%2 400
	EOF
}

@test "a directory is not found, never listed" {
	site_server_start site
	local path
	for path in /ticker/ /ticker /anomalies/ /anomalies/severity /anomalies/severity/ /linked/; do
		run curl -s --path-as-is -w '%{http_code}' "$SITE_URL$path"
		assert_output "$NOT_FOUND"$'\n'404
	done
}

# ---- security headers ----

@test "every answer has the security headers, exactly: a file, a 304, 400, 404, 405 and 429" {
	site_server_start site --rate 1 --burst 1
	local sec too_many='{"status":429,"error":"too many requests"}'
	sec="Content-Security-Policy: $CSP
Referrer-Policy: no-referrer
X-Content-Type-Options: nosniff
X-Frame-Options: DENY"
	headers "$SITE_URL/health" > got
	sort > want <<-EOF
		HTTP/1.1 200
		Content-Type: application/json
		Content-Length: $(size site/health.json)
		Cache-Control: public, max-age=300
		ETag: E
		Access-Control-Allow-Origin: *
		$sec
	EOF
	diff -u want got
	headers "$SITE_URL/health" > got
	sort > want <<-EOF
		HTTP/1.1 429
		Content-Type: application/json
		Content-Length: $((${#too_many} + 1))
		Cache-Control: no-store
		Retry-After: 1
		$sec
	EOF
	diff -u want got
	site_server_start site
	local args tag
	tag=$(etag "$SITE_URL/")
	for args in "/ -H If-None-Match:$tag" /nope /%zz "/health -X DELETE"; do
		# shellcheck disable=SC2086 # the path and curl's options
		headers "$SITE_URL"$args > got
		grep -E '^(Content-Security-Policy|Referrer-Policy|X-Content-Type-Options|X-Frame-Options):' got > sec.got
		diff -u - sec.got <<< "$sec"
	done
}

# ---- the throttle ----

@test "a burst of 400 GETs: the first 200 pass, then 429 with Retry-After: 1 and a JSON body; no more pass than the bucket refills" {
	# the bucket of all clients alone (each client's: 76-throttle-fair.bats)
	site_server_start site --quiet --client-rate 0
	client burst "$SITE_URL" /health 400 > burst
	local elapsed ok refused
	elapsed=$(sed -n 's/^elapsed //p' burst)
	sed -i '$d' burst
	assert_equal "$(wc -l < burst)" 400
	run sed -n '1,200{/^200$/!p}' burst
	assert_output ""
	ok=$(grep -c '^200$' burst)
	refused=$(grep -c -v '^200$' burst)
	[ "$refused" -ge 1 ]
	# 100 a second come back: at most elapsed/10 + 1 more than 200
	[ "$ok" -le $((200 + elapsed / 10 + 1)) ] || { echo "$ok passed in $elapsed ms"; return 1; }
	run grep -v -x -F -e 200 -e '429 | application/json | no-store | Retry-After: 1 | {"status":429,"error":"too many requests"}\n' burst
	assert_output ""
}

@test "--rate 0 turns the throttle off: 300 GETs, 300 answers 200" {
	site_server_start site --rate 0 --quiet
	client burst "$SITE_URL" /health 300 > burst
	assert_equal "$(grep -c -x 200 burst)" 300
}

@test "--rate 5 --burst 2: two pass at once, the third gets 429; a fifth of a second later one more passes, the next does not" {
	site_server_start site --rate 5 --burst 2
	run client burst "$SITE_URL" /health 3 0.21 2
	assert_success
	assert_equal "$(sed '$d' <<< "$output")" '200
200
429 | application/json | no-store | Retry-After: 1 | {"status":429,"error":"too many requests"}\n
200
429 | application/json | no-store | Retry-After: 1 | {"status":429,"error":"too many requests"}\n'
}

# ---- rebuilds ----

@test "GETs during 20 rebuilds all get 200 and a whole file: never a 404, a short body or a mix" {
	site_server_start site --rate 0 --quiet
	hammer_start "$SITE_URL"
	rebuilds 20
	hammer_end
	# and the last is served
	curl -s -o body "$SITE_URL/health"
	cmp body site/health.json
	assert_equal "$(jq -r .last_run.start body)" 2026-11-25T20:20:00Z
}

# ---- the access log ----

@test "the access log: a line per request on standard error, client \"METHOD PATH\" status bytes ms" {
	site_server_start site
	local tag
	curl -s -o /dev/null -D headers "$SITE_URL/health"
	tag=$(tr -d '\r' < headers | sed -n 's/^ETag: //p')
	curl -s -o /dev/null "$SITE_URL/ticker/%5EGSPC"
	curl -s -o /dev/null "$SITE_URL/nope"
	curl -s -o /dev/null -d 'a=1' "$SITE_URL/health"
	curl -s -o /dev/null "$SITE_URL/%zz"
	curl -s -o /dev/null -H "If-None-Match: $tag" "$SITE_URL/health"
	site_server_stop
	run server_log
	assert_success
	assert_output "sam-serve-static: serving site on http://127.0.0.1:$SITE_PORT/
sam-serve-static: 127.0.0.1 \"GET /health\" 200 $(size site/health.json) MS ms
sam-serve-static: 127.0.0.1 \"GET /ticker/%5EGSPC\" 200 $(size 'site/ticker/^GSPC.html') MS ms
sam-serve-static: 127.0.0.1 \"GET /nope\" 404 35 MS ms
sam-serve-static: 127.0.0.1 \"POST /health\" 405 44 MS ms
sam-serve-static: 127.0.0.1 \"GET /%zz\" 400 42 MS ms
sam-serve-static: 127.0.0.1 \"GET /health\" 304 0 MS ms
sam-serve-static: stopped (SIGTERM)"
}

@test "a HEAD is logged with the bytes of the body it sent: none" {
	site_server_start site
	curl -s -I -o /dev/null "$SITE_URL/"
	site_server_stop
	run server_log
	assert_line -n 1 'sam-serve-static: 127.0.0.1 "HEAD /" 200 0 MS ms'
}

@test "--log-format json, or SAM_LOG_FORMAT=json: a JSON object per line, with remote, method, path, status, bytes and ms" {
	json_server_start site --log-format json
	curl -s -o /dev/null "$SITE_URL/health"
	curl -s -o /dev/null "$SITE_URL/nope"
	curl -s -o /dev/null -X DELETE "$SITE_URL/health"
	site_server_stop
	run jq -c 'del(.ms) | .msg |= sub(" [0-9]+\\.[0-9]{3} ms$"; " MS ms")' "$SITE_LOG"
	assert_success
	assert_output '{"ts":"2026-11-25T21:00:00Z","level":"info","tool":"sam-serve-static","msg":"serving site on http://127.0.0.1:'"$SITE_PORT"'/"}
{"ts":"2026-11-25T21:00:00Z","level":"info","tool":"sam-serve-static","msg":"127.0.0.1 \"GET /health\" 200 '"$(size site/health.json)"' MS ms","remote":"127.0.0.1","method":"GET","path":"/health","status":200,"bytes":'"$(size site/health.json)"'}
{"ts":"2026-11-25T21:00:00Z","level":"info","tool":"sam-serve-static","msg":"127.0.0.1 \"GET /nope\" 404 35 MS ms","remote":"127.0.0.1","method":"GET","path":"/nope","status":404,"bytes":35}
{"ts":"2026-11-25T21:00:00Z","level":"info","tool":"sam-serve-static","msg":"127.0.0.1 \"DELETE /health\" 405 44 MS ms","remote":"127.0.0.1","method":"DELETE","path":"/health","status":405,"bytes":44}
{"ts":"2026-11-25T21:00:00Z","level":"info","tool":"sam-serve-static","msg":"stopped (SIGTERM)"}'
	# ms: a number, the one in msg
	run jq -r 'select(.path) | [(.ms | type), (.ms | tostring | test("^[0-9]+(\\.[0-9]+)?$")), (.msg | test(" [0-9]+\\.[0-9]{3} ms$"))] | @tsv' "$SITE_LOG"
	assert_output $'number\ttrue\ttrue\nnumber\ttrue\ttrue\nnumber\ttrue\ttrue'
	SAM_LOG_FORMAT=json json_server_start site
	curl -s -o /dev/null "$SITE_URL/health"
	site_server_stop
	run jq -c '[.level, .method, .path, .status]' "$SITE_LOG"
	assert_output '["info",null,null,null]
["info","GET","/health",200]
["info",null,null,null]'
}

@test "control characters, quotes and bytes over 0x7e in a path are escaped in the log, text and JSON alike; a long path is cut" {
	local path='/a\x01b\x1b[31m"\\\xc3\xa9\x7f' logged='/a\x01b\x1b[31m\x22\x5c\xc3\xa9\x7f' long
	long=$(printf '/%0100d' 0 0 0 0 0)
	site_server_start site
	run client raw "$SITE_URL" "$path"
	assert_output 'HTTP/1.1 404 Not Found'
	client raw "$SITE_URL" "$long" > /dev/null
	site_server_stop
	# no raw control character reaches the log
	run grep -c $'[\x01-\x08\x0b-\x1f\x7f]' "$SITE_LOG"
	assert_output 0
	run server_log
	assert_equal "${#lines[@]}" 4
	assert_line -n 1 "sam-serve-static: 127.0.0.1 \"GET $logged\" 404 35 MS ms"
	assert_regex "${lines[2]}" '^sam-serve-static: 127\.0\.0\.1 "GET (/0{100}){1,2}/0{1,99}\.\.\." 404 35 MS ms$'

	json_server_start site --log-format json
	client raw "$SITE_URL" "$path" > /dev/null
	client raw "$SITE_URL" "$long" > /dev/null
	site_server_stop
	run grep -c $'[\x01-\x08\x0b-\x1f\x7f]' "$SITE_LOG"
	assert_output 0
	# one JSON object a line, the path as the text log shows it
	run jq -r 'select(.path) | .path' "$SITE_LOG"
	assert_success
	assert_line -n 0 "$logged"
	assert_regex "${lines[1]}" '^(/0{100}){1,2}/0{1,99}\.\.\.$'
}

@test "a name too long for the file system is not found, and what it holds stays out of the log" {
	local name forged='%0asam-serve-static:%20127.0.0.1%20%22GET%20/forged%22%20200%201%200.001%20ms%1b%5b31m'
	name=$(printf '%0300d' 0)
	site_server_start site
	run curl -s -w ' %{http_code}' "$SITE_URL/$name"
	assert_output "$NOT_FOUND"$'\n 404'
	run curl -s -w ' %{http_code}' "$SITE_URL/$name$forged"
	assert_output "$NOT_FOUND"$'\n 404'
	site_server_stop
	run grep -c $'[\x01-\x08\x0b-\x1f\x7f]' "$SITE_LOG"
	assert_output 0
	run server_log
	assert_equal "${#lines[@]}" 4
	refute_output --partial forged
}

@test "--quiet logs no requests, only the start and the stop" {
	site_server_start site --quiet
	curl -s -o /dev/null "$SITE_URL/health"
	curl -s -o /dev/null "$SITE_URL/nope"
	site_server_stop
	run cat "$SITE_LOG"
	assert_output "sam-serve-static: serving site on http://127.0.0.1:$SITE_PORT/
sam-serve-static: stopped (SIGTERM)"
}

# ---- usage, listening, signals ----

@test "bad -l, --rate, --burst and other options are usage errors with their own messages" {
	local l='sam-serve-static: -l: not ADDRESS:PORT, [IPV6]:PORT or PORT:'
	local r='sam-serve-static: --rate: not a number of requests a second from 0 (no limit) to 1000000:'
	local b='sam-serve-static: --burst: not a number from 1 to 1000000:'
	# timeout: a row that is no error would serve until stopped
	usage_table timeout 10 sam-serve-static serve -d site <<-EOF
		--bogus | sam-serve-static: unrecognized option '--bogus'
		-x | sam-serve-static: invalid option -- 'x'
		-l | sam-serve-static: option requires an argument -- 'l'
		--rate | sam-serve-static: option '--rate' requires an argument
		-l bogus | $l bogus
		-l 127.0.0.1: | $l 127.0.0.1:
		-l 127.0.0.1:65536 | $l 127.0.0.1:65536
		-l 127.0.0.1:-1 | $l 127.0.0.1:-1
		-l 127.0.0.1:80x | $l 127.0.0.1:80x
		-l 65536 | $l 65536
		-l :8080 | $l :8080
		-l localhost:8080 | $l localhost:8080
		-l 256.0.0.1:8080 | $l 256.0.0.1:8080
		--listen [::1] | $l [::1]
		-l [::1]: | $l [::1]:
		-l [::1:8080 | $l [::1:8080
		--rate -1 | $r -1
		--rate 1.5 | $r 1.5
		--rate 1000001 | $r 1000001
		--rate many | $r many
		--burst 0 | $b 0
		--burst -1 | $b -1
		--burst 1000001 | $b 1000001
		--log-format xml | sam-serve-static: --log-format: must be text or json: xml
		extra | sam-serve-static: serve: unexpected argument: extra
		SAM_LOG_FORMAT=xml | sam-serve-static: SAM_LOG_FORMAT: must be text or json: xml
	EOF
}

@test "-l takes an IPv6 address in brackets only, an IPv4 address without" {
	local l='sam-serve-static: -l: not ADDRESS:PORT, [IPV6]:PORT or PORT:'
	usage_table timeout 1 sam-serve-static serve -d site <<-EOF
		-l ::1:0 | $l ::1:0
		-l [127.0.0.1]:0 | $l [127.0.0.1]:0
	EOF
}

@test "a -d that does not exist or is a file, or no site at all: exit 2 with the reason" {
	error_table <<-'EOF'
		2 | - | timeout 10 sam-serve-static serve -d nope | sam-serve-static: nope: No such file or directory
		2 | - | timeout 10 sam-serve-static serve -d site/health.json | sam-serve-static: site/health.json: not a directory
		2 | - | SAM_SITE=nope timeout 10 sam-serve-static serve | sam-serve-static: nope: No such file or directory
		2 | - | timeout 10 sam-serve-static serve -d site/index.html/x | sam-serve-static: site/index.html/x: Not a directory
		2 | + | timeout 10 sam-serve-static serve | sam-serve-static: serve: which site? give -d DIR or set SAM_SITE
		2 | + | SAM_SITE= timeout 10 sam-serve-static serve | sam-serve-static: serve: which site? give -d DIR or set SAM_SITE
	EOF
}

@test "an empty -d is a usage error, as an empty -o is" {
	error_table <<-'EOF'
		2 | + | timeout 1 sam-serve-static serve -d '' | sam-serve-static: -d: an empty name
	EOF
}

@test "a port in use: exit 3 and one message that names it" {
	site_server_start site
	run --separate-stderr timeout 10 sam-serve-static serve -d site -l "127.0.0.1:$SITE_PORT"
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "sam-serve-static: fatal: unable to listen on 127.0.0.1:$SITE_PORT: Address already in use"
	# the first one serves on
	curl -s -o body "$SITE_URL/health"
	cmp body site/health.json
}

@test "SIGTERM and SIGINT stop it with exit 0; SIGHUP does not stop it" {
	site_server_start site
	kill -HUP "$SITE_SERVER_PID"
	curl -s -o body "$SITE_URL/health"
	cmp body site/health.json
	site_server_stop
	assert_equal "$(tail -n 1 "$SITE_LOG")" "sam-serve-static: stopped (SIGTERM)"
	site_server_start site
	local pid=$SITE_SERVER_PID status=0
	SITE_SERVER_PID=
	kill -INT "$pid"
	wait "$pid" || status=$?
	assert_equal "$status" 0
	assert_equal "$(tail -n 1 "$SITE_LOG")" "sam-serve-static: stopped (SIGINT)"
}

@test "-l [::1]:0 serves on the IPv6 loopback, and logs the client as ::1" {
	python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2> /dev/null ||
		skip "no IPv6 loopback here"
	SITE_LOG=$BATS_TEST_TMPDIR/serve.log
	: > "$SITE_LOG"	# there before the server's shell opens it
	sam-serve-static serve -d site -l '[::1]:0' 2> "$SITE_LOG" 3>&- &
	SITE_SERVER_PID=$!
	poll "$SITE_SERVER_PID" site_port "$SITE_LOG" \
	    '^sam-serve-static: serving site on http://\[::1\]:\([0-9]*\)/$' ||
		{ cat "$SITE_LOG"; return 1; }
	curl -s -g -o body "http://[::1]:$SITE_PORT/health"
	cmp body site/health.json
	site_server_stop
	run server_log
	assert_line -n 1 "sam-serve-static: ::1 \"GET /health\" 200 $(size site/health.json) MS ms"
}

@test "a client keeps its connection between requests" {
	site_server_start site
	run client reuse "$SITE_URL" /health
	assert_output "one connection"
}

# ---- nginx with share/nginx/sam.conf ----

@test "share/nginx/sam.conf as shipped passes nginx -t: on 127.0.0.1:8080, the site in /var/lib/sam/site" {
	command -v nginx > /dev/null || skip "nginx is not installed"
	local conf=$SAM_ROOT/share/nginx/sam.conf
	mkdir tmp
	nginx_main "$PWD" "$conf" > nginx.conf
	run nginx -t -q -p "$PWD/" -c "$PWD/nginx.conf" -e "$PWD/error.log"
	assert_success
	assert_output ""
	grep -Eqx $'[ \t]*listen 127\\.0\\.0\\.1:8080;[ \t]*# sam: listen' "$conf"
	grep -Eqx $'[ \t]*root /var/lib/sam/site;[ \t]*# sam: root' "$conf"
	# the header says how to install it
	sed -n '1,/^[^#]/p' "$conf" | grep -q '/etc/nginx/conf.d/sam.conf'
}

@test "nginx with sam.conf gives the answers of the preview server to every request of the table" {
	nginx_start "$PWD/site"
	# each section from an address of its own, as each of the preview
	# server's has a server of its own: the table is more than one
	# client's burst (100)
	local section n=1
	for section in routes errors caching methods outside; do
		CLIENT_ADDRESS=127.0.0.$((++n)) answers "$NGINX_URL" "$section"
	done
	[ "$(grep -c '^## ' "$SF/requests")" -eq 5 ]
}

@test "nginx with sam.conf sends the headers of the preview server, but for Date, Server and Connection" {
	nginx_start "$PWD/site"
	site_server_start site
	local args url
	while IFS= read -r args; do
		url=$SITE_URL
		eval "headers $url$args" > preview.h
		url=$NGINX_URL
		eval "headers $url$args" > nginx.h
		# a 304 may or may not repeat the file's Content-Length (RFC 9110 8.6)
		if grep -qx 'HTTP/1.1 304' preview.h; then
			sed -i '/^Content-Length:/d' preview.h nginx.h
		fi
		diff -u preview.h nginx.h > /dev/null ||
			{ echo "$args:"; diff -u preview.h nginx.h; return 1; }
	done <<-'EOF'
		/
		/health
		/anomalies?severity=high
		/ticker/%5EGSPC
		/style.css
		/app.js
		/health -I
		/health -H "If-None-Match: $(etag $url/health)"
		/ticker/ACME -H "If-None-Match: $(etag $url/ticker/ACME)"
		/nope
		/nope.html
		/anomalies?severity=bogus
		/%zz
		/../secret
		/health -X POST
		/ticker/ -X OPTIONS
	EOF
}

@test "nginx's throttle: the first 100 of a client's burst pass (its bucket), then 429 with Retry-After: 1 and the preview server's body" {
	nginx_start "$PWD/site"
	client burst "$NGINX_URL" /health 400 > burst
	local elapsed ok
	elapsed=$(sed -n 's/^elapsed //p' burst)
	sed -i '$d' burst
	run sed -n '1,100{/^200$/!p}' burst
	assert_output ""
	ok=$(grep -c '^200$' burst)
	[ "$ok" -lt 400 ]
	[ "$ok" -le $((101 + elapsed / 20 + 1)) ] || { echo "$ok passed in $elapsed ms"; return 1; }
	run grep -v -x -F -e 200 -e '429 | application/json | no-store | Retry-After: 1 | {"status":429,"error":"too many requests"}\n' burst
	assert_output ""
}

@test "nginx with sam.conf serves whole files through 20 rebuilds" {
	nginx_start "$PWD/site"
	# under its throttle: 5 paths a round, a round each 120 ms (42
	# requests a second, under a client's 50)
	hammer_start --pause 0.12 "$NGINX_URL"
	rebuilds 20 0.02
	hammer_end
}

@test "nginx with sam.conf has the preview server's bounds against slow clients: 64 connections an address, 10 s for a header and for an idle kept connection" {
	local conf=$SAM_ROOT/share/nginx/sam.conf
	grep -Eqx $'[ \t]*limit_conn_zone \\$binary_remote_addr zone=sam_address:[0-9]+m;' "$conf"
	grep -Eqx $'[ \t]*limit_conn sam_address 64;' "$conf"
	grep -Eqx $'[ \t]*client_header_timeout 10s;' "$conf"
	grep -Eqx $'[ \t]*client_body_timeout 10s;' "$conf"
	grep -Eqx $'[ \t]*keepalive_timeout 10s;' "$conf"
	# the same numbers as the preview server's defaults, in its page
	grep -A2 -x '.It Fl \\-per-address Ar n' "$SAM_ROOT/man/sam-serve-static.1" | grep -q 'default 64;'
	grep -A3 -x '.It Fl \\-request-timeout Ar seconds' "$SAM_ROOT/man/sam-serve-static.1" | grep -q 'default 10;'
	# nginx keeps them as a deadline: with 1 s, a header sent a line
	# every 0.1 s, and a kept connection left idle, are closed after 1 s
	# (from nginx's accept, a little before the client starts its clock)
	mkdir -p root/share/nginx
	sed -e 's/^\([[:space:]]*client_header_timeout\) 10s;/\1 1s;/' \
		-e 's/^\([[:space:]]*keepalive_timeout\) 10s;/\1 1s;/' "$conf" > root/share/nginx/sam.conf
	SAM_ROOT=$PWD/root nginx_start "$PWD/site"
	local kind
	for kind in header idle; do
		run python3 "$SAM_ROOT/test/slowloris.py" deadline "$NGINX_URL/health" "$kind" 10
		[[ $output =~ ^closed\ 10\ of\ 10\ after\ ([0-9]+)\ to\ ([0-9]+)\ ms$ ]] &&
			[ "${BASH_REMATCH[1]}" -ge 950 ] && [ "${BASH_REMATCH[2]}" -le 1500 ] ||
			{ echo "$kind: $output"; return 1; }
	done
}
