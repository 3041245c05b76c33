#!/usr/bin/env bats
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
# No part of a key or of a webhook's secret reaches any output, whatever
# a hostile server echoes of the request (test/httpd.py's X-Test-Echo):
# in its body, its headers or a Location, as written, percent-encoded
# once or twice, JSON-, \u- or HTML-escaped, at any place an excerpt or
# a message may cut.  Every provider of sam-fetch and both targets of
# sam-alert; stdout, stderr in text and JSON, and every file written are
# searched for every 6-character substring of every form of each secret.

bats_require_minimum_version 1.5.0

load test_helper
load http

RANGE=(--from 2026-11-16 --to 2026-11-24)
# Keys with the characters a URL encodes, and one that starts an escape.
AV_KEY='Kq7+Zx/9=Wv%3mRtP8'
PG_KEY='Pg5+Yh/2=Nb%4cLsQ7'
ST_KEY='Sq8+Tu/6=Jm%2eHxW3'
# User info in a base URL (yahoo has no key): sent as Basic auth.
YH_USER='sam:Yh00+Pass%2Fw0rdZ'
# A token in the query of a csv:http URL.
CSV_TOKEN='Cs+v%2FZ0qj=99Qa'
# The secret parts of the webhooks' paths.
SLACK_PATH='T0HOSTILE1/B0HOSTILE2/Xy+Tok%2Fen9=Qw'
HOOK_PATH='Wh00kSecret+=Zz9/Lm%3D8'

setup() {
	sam_setup
	http_jail
	mkdir -p h out
}

teardown() {
	httpd_stop
}

# forms SECRET...: every 6-character substring of every form a secret
# may take, a line each: as given, percent-decoded, percent-encoded,
# JSON-escaped ("/" as "\/"), and base64 (Basic auth).
forms() {
	"$HTTP_PYTHON" - "$@" <<-'EOF'
		import base64, json, sys, urllib.parse
		subs = set()
		for s in sys.argv[1:]:
		    d = urllib.parse.unquote(s)
		    for f in (s, d, urllib.parse.quote(d, safe=""), urllib.parse.quote(s, safe=""),
		              json.dumps(d)[1:-1].replace("/", "\\/"), base64.b64encode(d.encode()).decode()):
		        subs.update(f[i:i + 6] for i in range(len(f) - 5))
		print("\n".join(sorted(subs)))
	EOF
}

# leaks SECRET...: no file under out/ (or the directories named in
# DIRS) holds any part of the secrets; otherwise shows where.
leaks() {
	forms "$@" > subs
	[ "$(wc -l < subs)" -gt 20 ]
	if grep -r -n -F -f subs out "${DIRS[@]}"; then
		echo "a secret leaked (above)"
		return 1
	fi
	# the search finds what it looks for
	printf 'x%sx\n' "$1" > probe
	grep -q -F -f subs probe
}

# response NAME STATUS HEADERS BODY: writes h/NAME.http, an echoing answer.
response() {
	printf '%s\nX-Test-Echo: yes\n%b\n%b' "$2" "$3" "$4" > "h/$1.http"
}

# The answers every provider gets: the request echoed every way, where
# an excerpt cuts (pads of 25 to 39 characters before it, or before a
# key or token of the query, as Alpha Vantage echoes it), in a title,
# a header and a Location, retried and final.
common_answers() {
	local n
	response 404 '404 Not Found' 'Content-Type: text/plain\nX-Echo: @HEADERS@\nLocation: @TARGET@\n' \
		'@TARGET@ @TARGET_DECODED@ @AUTH@'
	response 302 '302 Found' 'Location: @TARGET_DECODED@\n' '<title>moved to @TARGET_DECODED@</title>'
	response 500 '500 Oops' 'Retry-After: 0\n' '@TARGET_TWICE@ @AUTH@'
	response json '400 Bad Request' 'Content-Type: application/json\n' '{"error":"@TARGET_JSON@"}'
	response u '401 Unauthorized' '' '"@TARGET_U@"'
	response html '403 Forbidden' 'Content-Type: text/html\n' '<p>@TARGET_HTML@</p>'
	for n in 25 29 31 33 35 37 39; do
		response "pad$n" '404 Not Found' '' "$(printf '%*s' "$n" '' | tr ' ' x)@AUTH@@TARGET_DECODED@"
		response "tail$n" '404 Not Found' '' "$(printf '%*s' "$n" '' | tr ' ' x)@QUERY_LAST@ @TARGET@"
	done
	ANSWERS=(404 302 500 json u html pad25 pad29 pad31 pad33 pad35 pad37 pad39
		tail25 tail29 tail31 tail33 tail35 tail37 tail39)
}

# serve_answers: the server answers /N/... with the Nth of ANSWERS.
serve_answers() {
	local n routes=()
	for n in "${!ANSWERS[@]}"; do
		routes+=("^/$n/ $PWD/h/${ANSWERS[n]}.http")
	done
	printf '%s\n' "${routes[@]}" > routes
	httpd_start routes
}

# fetch_each ARG...: sam-fetch ARG... (@N@ in them the answer's number)
# against each answer in ANSWERS, in text and JSON logs, its stdout and
# stderr kept in out/.  Every run fails (exit 3) or rejects bars (1),
# within its deadline.
fetch_each() {
	local n fmt a args bad=0
	for n in "${!ANSWERS[@]}"; do
		args=()
		for a; do
			args+=("${a//@N@/$n}")
		done
		for fmt in text json; do
			run --separate-stderr sam-fetch --retries 1 --retry-wait 0.01 --deadline 10 \
				--log-format "$fmt" "${args[@]}"
			printf '%s\n' "$output" > "out/$n.$fmt.out"
			printf '%s\n' "$stderr" > "out/$n.$fmt.err"
			if [ "$status" != 3 ] && [ "$status" != 1 ]; then
				echo "${ANSWERS[n]} ($fmt): exit $status: $stderr"
				bad=1
			fi
		done
	done
	[ "$bad" = 0 ]
}

# with_base SOURCE ARG...: fetch_each -s SOURCE ARG..., the answer N
# served under /N/ (base_url N is --base-url).
with_base() {
	local source=$1
	shift
	serve_answers
	fetch_each -s "$source" --rate none "${RANGE[@]}" --base-url "$(base_url @N@)" "$@"
	[ "$(httpd_requests | wc -l)" -ge $((2 * ${#ANSWERS[@]})) ]
}

base_url() {
	echo "$HTTPD_URL/$1"
}

@test "alphavantage: no part of its key, however the server echoes it" {
	export SAM_ALPHAVANTAGE_KEY=$AV_KEY
	common_answers
	response info '200 OK' 'Content-Type: application/json\n' \
		'{"Information":"your key @TARGET@ is @TARGET_JSON@ or @TARGET_U@ or @TARGET_TWICE@"}'
	response csvcell '200 OK' 'Content-Type: text/csv\n' \
		'timestamp,open,high,low,close,volume\n@TARGET_DECODED@,1,2,0.5,1.5,100\n2026-11-17,1,2,@TARGET@,1.5,100\n@QUERY_LAST@,1,2,0.5,1.5,100\n2026-11-18,1,2,0.5,1.5,x@TARGET_JSON@'
	response long '200 OK' 'Content-Type: application/json\n' \
		"{\"Note\":\"$(printf '%*s' 1450 '' | tr ' ' y)@TARGET_DECODED@\"}"
	ANSWERS+=(info csvcell long)
	with_base alphavantage AAPL
	leaks "$AV_KEY"
}

@test "polygon: no part of its key, from the Authorization header or anywhere" {
	export SAM_POLYGON_KEY=$PG_KEY
	common_answers
	response err '200 OK' 'Content-Type: application/json\n' \
		'{"status":"ERROR","error":"@AUTH@ @HEADERS@"}'
	response why '401 Unauthorized' 'Content-Type: application/json\n' \
		"{\"status\":\"ERROR\",\"message\":\"$(printf '%*s' 490 '' | tr ' ' y)@AUTH@\"}"
	response loop '200 OK' 'Content-Type: application/json\n' \
		'{"results":[],"next_url":"http://127.0.0.1:@PORT@@TARGET@","status":"@AUTH@"}'
	ANSWERS+=(err why loop)
	with_base polygon AAPL
	leaks "$PG_KEY"
}

@test "stooq: no part of its key, in a message or a CSV cell" {
	export SAM_STOOQ_KEY=$ST_KEY
	common_answers
	response msg '200 OK' 'Content-Type: text/plain\n' 'Get your apikey: @TARGET_DECODED@'
	response csvcell '200 OK' 'Content-Type: text/csv\n' \
		'Date,Open,High,Low,Close,Volume\n@TARGET_DECODED@,1,2,0.5,1.5,100\n2026-11-17,@TARGET_JSON@,2,0.5,1.5,100\n@QUERY_LAST@,1,2,0.5,1.5,100'
	ANSWERS+=(msg csvcell)
	with_base stooq AAPL
	leaks "$ST_KEY"
}

@test "yahoo: no part of the user info of its base URL (no key, checked anyway)" {
	common_answers
	response err '200 OK' 'Content-Type: application/json\n' \
		'{"chart":{"result":null,"error":{"code":"@AUTH@","description":"@HEADERS@ @TARGET@"}}}'
	response notjson '200 OK' 'Content-Type: text/html\n' '<title>@AUTH@</title>'
	ANSWERS+=(err notjson)
	base_url() {
		echo "http://$YH_USER@127.0.0.1:$HTTPD_PORT/$1"
	}
	with_base yahoo AAPL
	leaks "$YH_USER" "${YH_USER#sam:}"
	# the server was sent the password
	grep -q 'auth=Basic ' "$HTTPD_LOG"
}

@test "csv over http: no part of the token in its URL" {
	common_answers
	response csvcell '200 OK' 'Content-Type: text/csv\n' \
		'date,ticker,open,high,low,close,volume\n@TARGET_DECODED@,AAPL,1,2,0.5,1.5,100\n2026-11-17,@TARGET@,1,2,0.5,1.5,100'
	response header '200 OK' 'Content-Type: text/csv\n' '@TARGET_DECODED@,open\n1,2'
	ANSWERS+=(csvcell header)
	serve_answers
	fetch_each -s "csv:$HTTPD_URL/@N@/prices.csv?x=1&token=$CSV_TOKEN"
	leaks "$CSV_TOKEN"
	# the token was sent, and the URL is shown without it
	[ "$(httpd_requests | grep -c -F "token=$CSV_TOKEN")" -ge "${#ANSWERS[@]}" ]
	grep -q -F "$HTTPD_URL/0/prices.csv?x=1&token=REDACTED: HTTP 404: " out/0.text.err
}

# ---- sam-alert ----

# alert_hostile TO PATH: sam-alert --to TO against each answer, its
# address $HTTPD_URL/N/PATH, the store s/N; stdout and stderr in out/.
alert_hostile() {
	local to=$1 path=$2 n fmt bad=0 url
	serve_answers
	for n in "${!ANSWERS[@]}"; do
		url=$HTTPD_URL/$n/$path
		for fmt in text json; do
			if [ "$to" = slack ]; then
				export SAM_SLACK_WEBHOOK=$url
			else
				export SAM_WEBHOOK_URL=$url
			fi
			run --separate-stderr sam-alert --to "$to" -r "s/$n.$fmt" --rate 1000 \
				--retries 0 --log-format "$fmt" "$FIXTURES/alert/anomalies.ndjson"
			printf '%s\n' "$output" > "out/$n.$fmt.out"
			printf '%s\n' "$stderr" > "out/$n.$fmt.err"
			[ "$status" = 3 ] || { echo "${ANSWERS[n]} ($fmt): exit $status: $stderr"; bad=1; }
			# and the dead letters replayed, to the same answer
			run --separate-stderr sam-alert --to "$to" -r "s/$n.$fmt" --rate 1000 \
				--retries 0 --log-format "$fmt" --replay-dlq
			printf '%s\n' "$output" > "out/$n.$fmt.replay.out"
			printf '%s\n' "$stderr" > "out/$n.$fmt.replay.err"
			[ "$status" = 3 ] || { echo "${ANSWERS[n]} ($fmt) replay: exit $status: $stderr"; bad=1; }
		done
	done
	[ "$bad" = 0 ]
	# every store holds its dead letters, each with its error
	[ "$(cat s/*/dlq/*.ndjson | wc -l)" -ge $((2 * 2 * ${#ANSWERS[@]})) ]
	DIRS=(s)
}

@test "slack: no part of the webhook's token, however the receiver echoes the path" {
	local n
	common_answers
	response ok '200 OK' 'Content-Type: text/plain\n' 'no_service @TARGET@'
	ANSWERS+=(ok)
	alert_hostile slack "services/$SLACK_PATH"
	leaks "$SLACK_PATH"
	# Slack's own words are still shown, the token never
	n=$((${#ANSWERS[@]} - 1))
	assert_equal "$(< "out/$n.text.err")" "sam-alert: message 1 (2 anomalies): HTTP 200 \"no_service /$n/services/REDACTED\": 2 dead letters in s/$n.text/dlq/2026-11-25.ndjson"
}

@test "webhook: no part of the receiver's secret path" {
	common_answers
	alert_hostile webhook "hooks/$HOOK_PATH"
	leaks "$HOOK_PATH"
}

# ---- the hourly job ----

@test "the hourly job: no part of a key or the webhook's token in its log, run records, dead letters or site" {
	local fmt
	PATH=$SAM_ROOT/cron:$PATH
	response fetch '404 Not Found' 'Location: @TARGET@\n' "$(printf '%*s' 31 '' | tr ' ' x)@AUTH@ @TARGET_JSON@"
	response hook '404 Not Found' 'Location: @TARGET@\n' '<title>no_service @TARGET_DECODED@</title>'
	printf '%s\n' "^/v2/ $PWD/h/fetch.http" "^/services/ $PWD/h/hook.http" > routes
	httpd_start routes
	mkdir store site
	( umask 077
	  echo "$HTTPD_URL/services/$SLACK_PATH" > slack-url
	  echo "$PG_KEY" > pg.key )
	export SAM_POLYGON_URL=$HTTPD_URL
	for fmt in text json; do
		# the mock market's anomalies, dead at the receiver
		printf '%s\n' SAM_TICKERS=AAPL,MSFT,IBM SAM_SOURCE=mock "SAM_STORE=store/$fmt" "SAM_SITE=site/$fmt" \
			SAM_FETCH_DAYS=40 SAM_WINDOW=30 SAM_WEBHOOK_URL_FILE=slack-url > sam.env
		SAM_LOG_FORMAT=$fmt run --separate-stderr sam-hourly --config sam.env --force --at 2026-11-25T10:30
		assert_failure
		printf '%s\n' "$output" > "out/mock.$fmt.out"
		printf '%s\n' "$stderr" > "out/mock.$fmt.err"
		# and polygon's answers, every ticker failing
		printf '%s\n' SAM_SOURCE=polygon SAM_KEY_FILE=pg.key >> sam.env
		SAM_LOG_FORMAT=$fmt run --separate-stderr sam-hourly --config sam.env --force --at 2026-11-25T11:30
		assert_failure
		printf '%s\n' "$output" > "out/polygon.$fmt.out"
		printf '%s\n' "$stderr" > "out/polygon.$fmt.err"
	done
	# what was written: dead letters, run records, the site
	[ "$(cat store/*/dlq/*.ndjson | wc -l)" -ge 20 ]
	[ "$(cat store/*/runs/*.ndjson | wc -l)" -eq 4 ]
	[ -f site/text/index.html ] && [ -f site/json/index.html ]
	grep -q "polygon: AAPL: HTTP 404: " out/polygon.text.err
	grep -q -F 'HTTP 404 \"no_service /services/REDACTED\"' out/mock.json.err
	DIRS=(store site)
	leaks "$SLACK_PATH"
	leaks "$PG_KEY"
	# the server had both
	assert_equal "$(grep -c -F "auth=Bearer $PG_KEY" "$HTTPD_LOG")" 6
	[ "$(grep -c -F "/services/$SLACK_PATH" "$HTTPD_LOG")" -ge 2 ]
}
