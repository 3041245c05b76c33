#!/usr/bin/env bats
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
# sam-alert against a loopback receiver (test/http.bash) scripted per
# case: delivery to Slack and to an Alertmanager webhook, retries and
# their waits, dead letters and their replay, dedup and the cooldown,
# batches and the rate, the payloads, the secret address kept out of
# sight, bad input and usage.  Canned answers and anomalies are in
# fixtures/alert.

bats_require_minimum_version 1.5.0

load test_helper
load http

USAGE='usage: sam-alert [--to slack|webhook|alertmanager] [-r root] [--url-file file]
                 [--batch n] [--rate per-second] [--cooldown time]
                 [--hold time] [--per-ticker] [--dashboard-url url]
                 [--timeout seconds] [--connect-timeout seconds] [--retries n]
                 [--allow-http] [-w seconds] [--dry-run] [--strict]
                 [--log-format text|json] [file ...]
       sam-alert --outbox [options]
       sam-alert --replay-dlq [options]
       sam-alert --notice [options] [file]'

AF=$FIXTURES/alert
ANOMALIES=$AF/anomalies.ndjson	# the two of sam-alert.1's examples
MIXED=$AF/mixed.ndjson		# ^GSPC 1h in July, BRK.B 5m in January, EURUSD=X 1d
A10=ACME:1d:2024-01-10T14:30:00Z	# critical
A09=ACME:1d:2024-01-09T14:30:00Z	# medium
GSPC='^GSPC:1h:2024-07-10T13:30:00Z'	# high
BRKB=BRK.B:5m:2024-01-10T20:55:00Z	# low
EURX=EURUSD=X:1d:2024-03-11T13:30:00Z	# critical
# The part of the address that must never be shown.
SECRET=SECRETtoken123

setup() {
	sam_setup
	http_jail
}

# One receiver for the file, faster than one a test: each test gives it
# its routes (serve) and reads only its own requests from the log.
setup_file() {
	httpd_file_start
}

teardown_file() {
	httpd_file_stop
}

# ---- helpers ----

# serve 'PATTERN RESPONSE...' ...: the receiver answers with these
# routes, the responses named relative to fixtures/alert, and both
# addresses point at it: Slack's under /services/, the webhook's under
# /hooks/.  BASE is the number of requests of the tests before.
serve() {
	printf '%s\n' "$@" | awk -v d="$AF" '
		{ for (i = 2; i <= NF; i++) $i = d "/" $i; print }' > routes
	httpd_routes routes
	BASE=$(wc -l < "$HTTPD_LOG")
	export SAM_SLACK_WEBHOOK=$HTTPD_URL/services/T000/B000/$SECRET
	export SAM_WEBHOOK_URL=$HTTPD_URL/hooks/B000/$SECRET
}

# The log lines of this test's requests.
logged() {
	tail -n +$((${BASE:-0} + 1)) "$HTTPD_LOG"
}

# paths: the request targets of this test, a line each.
paths() {
	logged | awk '{ print $3 }'
}

# body K, header K NAME: the body, or a header, of this test's Kth request.
body() {
	httpd_body $((BASE + $1))
}

header() {
	httpd_header $((BASE + $1)) "$2"
}

# point PREFIX: both addresses under /PREFIX/ of the receiver.
point() {
	export SAM_SLACK_WEBHOOK=$HTTPD_URL/$1/services/T000/B000/$SECRET
	export SAM_WEBHOOK_URL=$HTTPD_URL/$1/hooks/B000/$SECRET
}

# alert ARG...: sam-alert on the store "store" with no rate limit to
# speak of (an option given later wins).  Sets status, output, stderr
# and elapsed (ms).
alert() {
	local t0=${EPOCHREALTIME/./}
	run --separate-stderr sam-alert -r store --rate 100 "$@"
	elapsed=$(((${EPOCHREALTIME/./} - t0) / 1000))
}

# The number of requests the receiver took, or of those under /PREFIX/.
requests() {
	paths | grep -c -E -- "${1:+^/$1/}"
}

# up_requests N: the webhook has had N requests.
up_requests() {
	[ "$(requests up)" -eq "$1" ]
}

# Milliseconds between the arrivals of the ith and the jth request.
gap() {
	logged | awk '{ print $1 }' | sort -n |
		awk -v i="$1" -v j="$2" '{ t[NR] = $1 } END { print t[j] - t[i] }'
}

# between N LOW HIGH: LOW <= N <= HIGH, or says what N was.
between() {
	[ "$1" -ge "$2" ] && [ "$1" -le "$3" ] ||
		{ echo "$1 is not between $2 and $3"; return 1; }
}

# quote S: REPLY is S in a JSON string, without its quotes (ids and
# tickers need none; errors have no control characters).
quote() {
	REPLY=${1//\\/\\\\}
	REPLY=${REPLY//\"/\\\"}
}

# Result lines.  sent ID SEVERITY MESSAGE [ATTEMPTS [TO]]
sent() {
	printf '{"id":"%s","ticker":"%s","severity":"%s","result":"sent","to":"%s","message":%s,"attempts":%s}\n' \
		"$1" "${1%%:*}" "$2" "${5:-slack}" "$3" "${4:-1}"
}

# dead ID SEVERITY MESSAGE ATTEMPTS ERROR [TO [DLQ_DATE]]
dead() {
	quote "$5"
	printf '{"id":"%s","ticker":"%s","severity":"%s","result":"dead","to":"%s","message":%s,"attempts":%s,"error":"%s","dlq":"%s"}\n' \
		"$1" "${1%%:*}" "$2" "${6:-slack}" "$3" "$4" "$REPLY" "${7:-2026-11-25}"
}

# skipped ID SEVERITY REASON [ALERTED_AT]
skipped() {
	printf '{"id":"%s","ticker":"%s","severity":"%s","result":"skipped","reason":"%s"%s}\n' \
		"$1" "${1%%:*}" "$2" "$3" "${4:+,\"alerted_at\":\"$4\"}"
}

# alerted ID SEVERITY ALERTED_AT [TO]: a line of ROOT/alerts/.
alerted() {
	printf '{"id":"%s","ticker":"%s","severity":"%s","to":"%s","alerted_at":"%s"}\n' \
		"$1" "${1%%:*}" "$2" "${4:-slack}" "$3"
}

# letter FILE LINE ERROR ATTEMPTS FIRST LAST [TO]: a line of ROOT/dlq/
# for the anomaly on line LINE of FILE, exactly as read.
letter() {
	local rec id
	rec=$(sed -n "$2p" "$1")
	[[ $rec =~ \"id\":\"([^\"]*)\" ]] && id=${BASH_REMATCH[1]}
	quote "$3"
	printf '{"id":"%s","ticker":"%s","to":"%s","error":"%s","attempts":%s,"first_attempt":"%s","last_attempt":"%s","anomaly":%s}\n' \
		"$id" "${id%%:*}" "${7:-slack}" "$REPLY" "$4" "$5" "$6" "$rec"
}

# anomaly TICKER [DAY [SEVERITY [METRICS]]]: a daily anomaly of TICKER
# on DAY of January 2024 (10 by default).
anomaly() {
	local t=$1 d=${2:-10} sev=${3:-critical} m=${4:-'["volume","close"]'} ts
	printf -v ts '2024-01-%02dT14:30:00Z' "$d"
	printf '{"ticker":"%s","interval":"1d","ts":"%s","date":"%s","close":101.5,"volume":5400000,"z_close":0.3,"z_volume":4.6,"anomaly":true,"score":4.6,"severity":"%s","metrics":%s,"threshold":2,"id":"%s:1d:%s"}\n' \
		"$t" "$ts" "${ts%%T*}" "$sev" "$m" "$t" "$ts"
}

# file_is PATH < CONTENT: the file holds exactly CONTENT.
file_is() {
	diff -u - "$1"
}

# no_secret: the secret part of the address is in none of output,
# stderr and the files of the store; nor is its path.
no_secret() {
	local s
	for s in "$SECRET" B000; do
		if [[ $output == *"$s"* || $stderr == *"$s"* ]]; then
			echo "the address is shown: $s"
			return 1
		fi
		if [ -e store ] && grep -r -l -F -e "$s" store; then
			echo "the address is in the store: $s"
			return 1
		fi
	done
}

# sam-alert's version, as its User-Agent and Slack's context show it.
version() {
	sam-alert --version | cut -d' ' -f2
}

# sections N: the texts of the sections of the Nth request's payload.
sections() {
	body "$1" | jq -r '.blocks[] | select(.type == "section") | .text.text'
}

# ---- delivery ----

@test "two anomalies go to Slack in one message: a result line each, the state recorded, exit 0" {
	serve '^/services/ slack-ok.http'
	alert "$ANOMALIES"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(sent "$A10" critical 1; sent "$A09" medium 1)"
	assert_equal "$(paths)" "/services/T000/B000/$SECRET"
	assert_equal "$(logged | cut -d' ' -f2)" POST
	[[ $(header 1 Content-Type) == application/json* ]]
	assert_equal "$(header 1 User-Agent)" "sam-alert/$(version)"
	# what was sent is what --dry-run shows
	assert_equal "$(body 1)" "$(sam-alert --dry-run "$ANOMALIES")"
	file_is store/alerts/2026-11-25.ndjson <<-EOF
		$(alerted "$A10" critical 2026-11-25T21:00:00Z)
		$(alerted "$A09" medium 2026-11-25T21:00:00Z)
	EOF
	[ ! -e store/dlq ]
	no_secret
}

@test "the store is -r, else SAM_STORE, else ./sam-store; its day files are New York dates" {
	serve '^/services/ slack-ok.http' '^/down/ slack-400.http'
	run --separate-stderr sam-alert --rate 100 < "$ANOMALIES"
	assert_success
	assert_output "$(sent "$A10" critical 1; sent "$A09" medium 1)"
	[ -f sam-store/alerts/2026-11-25.ndjson ]
	SAM_STORE=fromenv run --separate-stderr sam-alert --rate 100 - < "$MIXED"
	assert_success
	[ -f fromenv/alerts/2026-11-25.ndjson ]
	# 22:30 on the 25th in New York
	export SAM_NOW=2026-11-26T03:30:00Z
	SAM_STORE=fromenv run --separate-stderr sam-alert -r store --rate 100 "$ANOMALIES"
	assert_success
	file_is store/alerts/2026-11-25.ndjson <<-EOF
		$(alerted "$A10" critical 2026-11-26T03:30:00Z)
		$(alerted "$A09" medium 2026-11-26T03:30:00Z)
	EOF
	[ "$(grep -c ACME fromenv/alerts/2026-11-25.ndjson)" -eq 0 ]
	assert_equal "$(requests)" 3
	point down
	alert "$MIXED"
	assert_failure 3
	assert_equal "$(jq -r .dlq <<< "$output" | sort -u)" 2026-11-25
	assert_equal "$(cd store && find . -name '*.ndjson' | sort)" "./alerts/2026-11-25.ndjson
./dlq/2026-11-25.ndjson"
}

@test "a webhook takes any 2xx answer; SAM_ALERT_TO=webhook chooses it, --to slack wins over it" {
	serve '^/1/ webhook-200.http' '^/2/ webhook-202.http' '^/3/ webhook-204.http' '^/4/ slack-ok.http'
	point 1
	alert --to webhook "$ANOMALIES"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(sent "$A10" critical 1 1 webhook; sent "$A09" medium 1 1 webhook)"
	file_is store/alerts/2026-11-25.ndjson <<-EOF
		$(alerted "$A10" critical 2026-11-25T21:00:00Z webhook)
		$(alerted "$A09" medium 2026-11-25T21:00:00Z webhook)
	EOF
	point 2
	SAM_ALERT_TO=webhook run --separate-stderr sam-alert -r s2 --rate 100 "$ANOMALIES"
	assert_success
	assert_output "$(sent "$A10" critical 1 1 webhook; sent "$A09" medium 1 1 webhook)"
	point 3
	alert --to webhook -r s3 "$ANOMALIES"
	assert_success
	assert_output "$(sent "$A10" critical 1 1 webhook; sent "$A09" medium 1 1 webhook)"
	assert_equal "$(paths)" "/1/hooks/B000/$SECRET
/2/hooks/B000/$SECRET
/3/hooks/B000/$SECRET"
	point 4
	SAM_ALERT_TO=webhook run --separate-stderr sam-alert -r s4 --rate 100 --to slack "$ANOMALIES"
	assert_success
	assert_output "$(sent "$A10" critical 1; sent "$A09" medium 1)"
	assert_equal "$(requests 4)" 1
	assert_equal "$(body 4 | jq -r '.blocks[0].type')" header
}

# Runs a table of final answers on stdin, one case a line:
#	TO | RESPONSE | ERROR
# Each case, served under /N/, must take one request, end both
# anomalies of ANOMALIES dead with ERROR, report it in one line and
# leave both in its own store's dead-letter file, the address unseen.
finals() {
	local line to response err n bad=0 want letters
	http_table
	serve "${HTTP_ROUTES[@]}"
	for n in "${!HTTP_ROWS[@]}"; do
		line=${HTTP_ROWS[n]}
		to=${line%% | *}; line=${line#* | }
		response=${line%% | *}; err=${line#* | }
		point "$n"
		run --separate-stderr sam-alert --to "$to" -r "s$n" --rate 100 "$ANOMALIES"
		want=$(dead "$A10" critical 1 1 "$err" "$to"; dead "$A09" medium 1 1 "$err" "$to")
		quote "$err"
		letters=$(grep -c -F ",\"error\":\"$REPLY\",\"attempts\":1," "s$n/dlq/2026-11-25.ndjson")
		if [ "$status" != 3 ] || [ "$output" != "$want" ] || [ "$letters" != 2 ] ||
		    [ "$stderr" != "sam-alert: message 1 (2 anomalies): $err: 2 dead letters in s$n/dlq/2026-11-25.ndjson" ] ||
		    grep -r -q -F "$SECRET" "s$n"; then
			printf '%s %s\n  expected exit 3, 2 dead letters, %s and:\n%s\n  got exit %s, %s dead letters and:\n%s\n%s\n' \
				"$to" "$response" "$err" "$want" "$status" "$letters" "$stderr" "$output"
			bad=$((bad + 1))
		fi
	done
	# one request a case
	assert_equal "$(paths | cut -d/ -f2 | sort -n | uniq -c | awk '{ print $2, $1 }')" \
		"$(for n in "${!HTTP_ROWS[@]}"; do echo "$n 1"; done)"
	echo "${#HTTP_ROWS[@]} cases, $bad failed"
	[ "${#HTTP_ROWS[@]}" -gt 0 ] && [ "$bad" -eq 0 ]
}

@test "an answer that is final, or a Retry-After of more than 60 s, ends the attempts: one request, dead letters" {
	finals <<-'EOF'
		slack | slack-400.http | HTTP 400 "invalid_payload"
		slack | slack-403.http | HTTP 403 "action_prohibited"
		slack | slack-404.http | HTTP 404 "no_service"
		slack | slack-410.http | HTTP 410 "channel_is_archived"
		slack | slack-200-page.http | HTTP 200 "Sign in"
		slack | webhook-202.http | HTTP 202 ""
		webhook | webhook-400.http | HTTP 400 "{\"error\":\"unknown field \\\"truncatedAlerts\\\"\"}"
		webhook | webhook-302.http | HTTP 302 ""
		slack | slack-429-hour.http | HTTP 429 "rate_limited", and Retry-After asks for 3600 s (more than 60 s)
	EOF
	# the redirect is not followed
	assert_equal "$(requests elsewhere)" 0
}

@test "a dead letter is the anomaly as read, with the error, the attempts and their times" {
	serve '^/services/ slack-400.http'
	alert "$ANOMALIES"
	assert_failure 3
	assert_output "$(dead "$A10" critical 1 1 'HTTP 400 "invalid_payload"'
		dead "$A09" medium 1 1 'HTTP 400 "invalid_payload"')"
	assert_equal "$stderr" 'sam-alert: message 1 (2 anomalies): HTTP 400 "invalid_payload": 2 dead letters in store/dlq/2026-11-25.ndjson'
	file_is store/dlq/2026-11-25.ndjson <<-EOF
		$(letter "$ANOMALIES" 1 'HTTP 400 "invalid_payload"' 1 2026-11-25T21:00:00Z 2026-11-25T21:00:00Z)
		$(letter "$ANOMALIES" 2 'HTTP 400 "invalid_payload"' 1 2026-11-25T21:00:00Z 2026-11-25T21:00:00Z)
	EOF
	[ ! -e store/alerts/2026-11-25.ndjson ]
	# a later failure appends to the day's file; with a line rejected
	# too, the exit status is still 3
	{ cat "$MIXED"; echo '[]'; } > in
	SAM_NOW=2026-11-25T22:00:00Z alert in
	assert_failure 3
	assert_equal "$(head -n 2 <<< "$stderr")" 'sam-alert: in:4: not a JSON object
sam-alert: 1 of 4 input lines rejected'
	assert_equal "$(jq -r '[.id, .last_attempt] | join(" ")' store/dlq/2026-11-25.ndjson)" "$A10 2026-11-25T21:00:00Z
$A09 2026-11-25T21:00:00Z
$GSPC 2026-11-25T22:00:00Z
$BRKB 2026-11-25T22:00:00Z
$EURX 2026-11-25T22:00:00Z"
	assert_equal "$(jq -c .anomaly store/dlq/2026-11-25.ndjson | tail -n 3)" "$(jq -c . "$MIXED")"
	no_secret
}

# ---- retries ----

@test "500, 500, then 200: delivered at the third attempt, after waits of about 1 s and 2 s" {
	serve '^/services/ slack-500.http slack-500.http slack-ok.http'
	alert "$ANOMALIES"
	assert_success
	assert_output "$(sent "$A10" critical 1 3; sent "$A09" medium 1 3)"
	assert_equal "$stderr" 'sam-alert: warning: message 1 (2 anomalies): HTTP 500 "rollup_error", retrying in 1 s (attempt 2 of 3)
sam-alert: warning: message 1 (2 anomalies): HTTP 500 "rollup_error", retrying in 2 s (attempt 3 of 3)'
	assert_equal "$(requests)" 3
	between "$(gap 1 2)" 950 1600
	between "$(gap 2 3)" 1950 2700
	# the same message each time
	assert_equal "$(body 3)" "$(body 1)"
	[ -f store/alerts/2026-11-25.ndjson ]
	[ ! -e store/dlq ]
	no_secret
}

@test "a 429's Retry-After replaces the wait: 1 s where 2 s was due" {
	serve '^/services/ slack-500.http slack-429.http slack-ok.http'
	alert "$ANOMALIES"
	assert_success
	assert_output "$(sent "$A10" critical 1 3; sent "$A09" medium 1 3)"
	assert_equal "$stderr" 'sam-alert: warning: message 1 (2 anomalies): HTTP 500 "rollup_error", retrying in 1 s (attempt 2 of 3)
sam-alert: warning: message 1 (2 anomalies): HTTP 429 "rate_limited", retrying in 1 s (Retry-After) (attempt 3 of 3)'
	assert_equal "$(requests)" 3
	between "$(gap 1 2)" 950 1600
	between "$(gap 2 3)" 950 1600
}

@test "a refused connection is retried, then the anomalies are dead letters (the messages here in JSON)" {
	local port
	port=$(closed_port)
	export SAM_SLACK_WEBHOOK=http://127.0.0.1:$port/services/T000/B000/$SECRET
	alert --retries 1 --log-format json "$ANOMALIES"
	assert_failure 3
	local err='cannot connect (refused or unreachable)'
	assert_output "$(dead "$A10" critical 1 2 "$err"; dead "$A09" medium 1 2 "$err")"
	assert_equal "$stderr" '{"ts":"2026-11-25T21:00:00Z","level":"warning","tool":"sam-alert","msg":"message 1 (2 anomalies): cannot connect (refused or unreachable), retrying in 1 s (attempt 2 of 2)"}
{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-alert","msg":"message 1 (2 anomalies): cannot connect (refused or unreachable) after 2 attempts: 2 dead letters in store/dlq/2026-11-25.ndjson"}'
	file_is store/dlq/2026-11-25.ndjson <<-EOF
		$(letter "$ANOMALIES" 1 "$err" 2 2026-11-25T21:00:00Z 2026-11-25T21:00:00Z)
		$(letter "$ANOMALIES" 2 "$err" 2 2026-11-25T21:00:00Z 2026-11-25T21:00:00Z)
	EOF
	[ "$elapsed" -ge 950 ]
	no_secret
}

@test "with --retries 0, a receiver that never answers, a dropped connection or a 5xx get one attempt" {
	serve '^/1/ never.http slack-ok.http' '^/2/ close.http slack-ok.http' '^/3/ webhook-500.http slack-ok.http'
	point 1
	alert --timeout 0.5 --retries 0 "$ANOMALIES"
	assert_failure 3
	local err='timed out (--timeout 0.5 s)'
	assert_output "$(dead "$A10" critical 1 1 "$err"; dead "$A09" medium 1 1 "$err")"
	assert_equal "$stderr" "sam-alert: message 1 (2 anomalies): $err: 2 dead letters in store/dlq/2026-11-25.ndjson"
	assert_equal "$(requests 1)" 1
	# the answer would take 30 s
	between "$elapsed" 450 3000
	point 2
	alert -r s2 --retries 0 "$ANOMALIES"
	assert_failure 3
	err='the server closed the connection without a reply'
	assert_output "$(dead "$A10" critical 1 1 "$err"; dead "$A09" medium 1 1 "$err")"
	assert_equal "$stderr" "sam-alert: message 1 (2 anomalies): $err: 2 dead letters in s2/dlq/2026-11-25.ndjson"
	assert_equal "$(requests 2)" 1
	point 3
	alert -r s3 --to webhook --retries 0 "$ANOMALIES"
	assert_failure 3
	err='HTTP 500 "{\"error\":\"database unavailable\"}"'
	assert_output "$(dead "$A10" critical 1 1 "$err" webhook; dead "$A09" medium 1 1 "$err" webhook)"
	assert_equal "$(requests 3)" 1
	no_secret
}

# ---- --replay-dlq ----

# dead_store FILE [NOW]: FILE's anomalies dead in store/dlq/ (HTTP 400),
# at NOW, and the addresses left at /up/.  The first call of a test
# gives the receiver its routes: /down/ (400) and /up/ (ok, or the
# answers in UP, set before).
dead_store() {
	[ -n "${BASE:-}" ] || serve '^/down/ slack-400.http' "^/up/ ${UP:-slack-ok.http}"
	point down
	SAM_NOW=${2:-$SAM_NOW} run --separate-stderr sam-alert -r store --rate 100 "$1"
	[ "$status" -eq 3 ] || { echo "dead_store: exit $status: $stderr"; return 1; }
	point up
}

@test "--replay-dlq sends the dead letters once the receiver is back, drops those alerted since, removes the emptied file" {
	dead_store "$ANOMALIES"
	dead_store "$MIXED"
	# one is alerted meanwhile
	sed -n 1p "$MIXED" > gspc
	alert gspc
	assert_success
	export SAM_NOW=2026-11-26T15:00:00Z
	alert --replay-dlq
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(sent "$A10" critical 1; sent "$A09" medium 1
		skipped "$GSPC" high cooldown 2026-11-25T21:00:00Z
		sent "$BRKB" low 1; sent "$EURX" critical 1)"
	assert_equal "$(requests up)" 2
	assert_equal "$(body 4 | jq -r '.blocks[1:-1][] | .text.text | split("  ")[1]')" $'`ACME`\n`ACME`\n`BRK.B`\n`EURUSD=X`'
	[ ! -e store/dlq/2026-11-25.ndjson ]
	file_is store/alerts/2026-11-26.ndjson <<-EOF
		$(alerted "$A10" critical 2026-11-26T15:00:00Z)
		$(alerted "$A09" medium 2026-11-26T15:00:00Z)
		$(alerted "$BRKB" low 2026-11-26T15:00:00Z)
		$(alerted "$EURX" critical 2026-11-26T15:00:00Z)
	EOF
	# nothing left to replay, and the anomalies count as alerted
	alert --replay-dlq
	assert_equal "$stderr" ""
	assert_success
	assert_output ""
	alert "$ANOMALIES"
	assert_equal "$stderr" ""
	assert_success
	assert_output "$(skipped "$A10" critical cooldown 2026-11-26T15:00:00Z
		skipped "$A09" medium cooldown 2026-11-26T15:00:00Z)"
	assert_equal "$(requests up)" 2
	no_secret
}

@test "--replay-dlq keeps a dead letter that fails again, its attempts, error and last attempt brought up to date" {
	UP='slack-ok.http slack-403.http'
	dead_store "$ANOMALIES"
	export SAM_NOW=2026-11-26T15:00:00Z
	alert --replay-dlq --batch 1
	assert_failure 3
	assert_output "$(sent "$A10" critical 1
		dead "$A09" medium 2 1 'HTTP 403 "action_prohibited"')"
	assert_equal "$stderr" 'sam-alert: message 2 (1 anomaly): HTTP 403 "action_prohibited": left in store/dlq/'
	file_is store/dlq/2026-11-25.ndjson <<-EOF
		$(letter "$ANOMALIES" 2 'HTTP 403 "action_prohibited"' 2 2026-11-25T21:00:00Z 2026-11-26T15:00:00Z)
	EOF
	file_is store/alerts/2026-11-26.ndjson <<-EOF
		$(alerted "$A10" critical 2026-11-26T15:00:00Z)
	EOF
	# and again: the count goes on
	SAM_NOW=2026-11-26T16:00:00Z alert --replay-dlq
	assert_failure 3
	assert_output "$(dead "$A09" medium 1 1 'HTTP 403 "action_prohibited"')"
	assert_equal "$(jq -c '[.attempts, .first_attempt, .last_attempt]' store/dlq/2026-11-25.ndjson)" \
		'[3,"2026-11-25T21:00:00Z","2026-11-26T16:00:00Z"]'
}

@test "--replay-dlq reads every file, oldest first, and leaves the lines it cannot use" {
	dead_store "$MIXED" 2026-11-24T21:00:00Z
	dead_store "$ANOMALIES"
	printf 'not json\n' >> store/dlq/2026-11-25.ndjson
	alert --replay-dlq --batch 2
	assert_failure 1
	assert_equal "$stderr" 'sam-alert: store/dlq/2026-11-25.ndjson:3: not a JSON object at byte 1'
	assert_output "$(sent "$GSPC" high 1; sent "$BRKB" low 1; sent "$EURX" critical 2
		sent "$A10" critical 2; sent "$A09" medium 3)"
	[ ! -e store/dlq/2026-11-24.ndjson ]
	file_is store/dlq/2026-11-25.ndjson <<< 'not json'
}

@test "--replay-dlq keeps the lines added to a file while it sends" {
	UP='slack-ok-slow.http'
	dead_store "$ANOMALIES"
	anomaly LATE > late
	sam-alert -r store --rate 100 --replay-dlq > out 2> err &
	local pid=$!
	poll "$pid" up_requests 1 || true
	# the answer takes 0.5 s: meanwhile a dead letter comes in
	point down
	SAM_NOW=2026-11-25T21:30:00Z run --separate-stderr sam-alert -r store --rate 100 -w 10 late
	assert_failure 3
	wait "$pid" && status=0 || status=$?
	assert_equal "$status" 0
	assert_equal "$(cat out)" "$(sent "$A10" critical 1; sent "$A09" medium 1)"
	assert_equal "$(cat err)" ""
	assert_equal "$(jq -r .id store/dlq/2026-11-25.ndjson)" LATE:1d:2024-01-10T14:30:00Z
}

# ---- dedup and the cooldown ----

@test "an id is sent once: again in the same input it is a repeat, in a later run within the cooldown skipped" {
	serve '^/services/ slack-ok.http'
	{ cat "$ANOMALIES"; sed -n 1p "$ANOMALIES"; } > in
	alert in
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(sent "$A10" critical 1; sent "$A09" medium 1; skipped "$A10" critical repeat)"
	assert_equal "$(sections 1 | grep -c ACME)" 2
	assert_equal "$(wc -l < store/alerts/2026-11-25.ndjson)" 2
	SAM_NOW=2026-11-26T09:00:00Z alert "$ANOMALIES" "$MIXED"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(skipped "$A10" critical cooldown 2026-11-25T21:00:00Z
		skipped "$A09" medium cooldown 2026-11-25T21:00:00Z
		sent "$GSPC" high 1; sent "$BRKB" low 1; sent "$EURX" critical 1)"
	assert_equal "$(requests)" 2
	assert_equal "$(sections 2 | grep -c ACME)" 0
	# nothing due: no request at all
	SAM_NOW=2026-11-26T10:00:00Z alert "$ANOMALIES"
	assert_equal "$stderr" ""
	assert_success
	assert_equal "$(jq -r .result <<< "$output")" $'skipped\nskipped'
	assert_equal "$(requests)" 2
}

@test "an id comes back once its cooldown has passed: 24 h, or --cooldown, or SAM_COOLDOWN" {
	serve '^/services/ slack-ok.http'
	anomaly ACME 10 > in
	alert in
	assert_success
	SAM_NOW=2026-11-26T20:59:59Z alert in
	assert_output "$(skipped "$A10" critical cooldown 2026-11-25T21:00:00Z)"
	# 25 h later
	SAM_NOW=2026-11-26T22:00:00Z alert in
	assert_success
	assert_output "$(sent "$A10" critical 1)"
	file_is store/alerts/2026-11-26.ndjson <<< "$(alerted "$A10" critical 2026-11-26T22:00:00Z)"
	assert_equal "$(requests)" 2
	export SAM_NOW=2026-11-26T23:00:00Z SAM_COOLDOWN=90m
	alert in
	assert_output "$(skipped "$A10" critical cooldown 2026-11-26T22:00:00Z)"
	alert --cooldown 1h in
	assert_output "$(sent "$A10" critical 1)"
	alert --cooldown 3600s in
	assert_output "$(skipped "$A10" critical cooldown 2026-11-26T23:00:00Z)"
	alert --cooldown 0 in
	assert_output "$(sent "$A10" critical 1)"
	assert_equal "$(requests)" 4
}

@test "--cooldown and --hold take a fraction of a unit (1.5h), --timeout a unit (.01m), as every duration does" {
	# one grammar of durations (libz): --cooldown refused "1.5h" and
	# --timeout "30s"; a cooldown is still whole seconds
	serve '^/services/ slack-ok.http' '^/1/ never.http'
	anomaly ACME 10 > in
	alert in
	assert_success
	SAM_NOW=2026-11-25T22:29:59Z alert --cooldown 1.5h --hold .5d in
	assert_output "$(skipped "$A10" critical cooldown 2026-11-25T21:00:00Z)"
	SAM_NOW=2026-11-25T22:31:00Z alert --cooldown 1.5h in
	assert_success
	assert_output "$(sent "$A10" critical 1)"
	point 1
	alert --timeout .01m --connect-timeout 1s --retries 0 --cooldown 0 "$ANOMALIES"
	assert_failure 3
	local err='timed out (--timeout 0.6 s)'
	assert_output "$(dead "$A10" critical 1 1 "$err"; dead "$A09" medium 1 1 "$err")"
}

@test "--per-ticker sends each ticker's first anomaly, and skips its others, in this run and the next" {
	serve '^/services/ slack-ok.http'
	{ sed -n 1p "$ANOMALIES"; sed -n 1p "$MIXED"; sed -n 2p "$ANOMALIES"; } > in
	alert --per-ticker in
	assert_success
	assert_output "$(sent "$A10" critical 1; sent "$GSPC" high 1; skipped "$A09" medium ticker)"
	assert_equal "$(sections 1 | grep -c ACME)" 1
	{ anomaly ACME 11; sed -n 2p "$MIXED"; } > in2
	SAM_NOW=2026-11-25T22:00:00Z alert --per-ticker in2
	assert_success
	assert_output "$(skipped ACME:1d:2024-01-11T14:30:00Z critical ticker 2026-11-25T21:00:00Z
		sent "$BRKB" low 1)"
	# without it, another anomaly of ACME goes
	SAM_NOW=2026-11-25T22:00:00Z alert in2
	assert_success
	assert_output "$(sent ACME:1d:2024-01-11T14:30:00Z critical 1; skipped "$BRKB" low cooldown 2026-11-25T22:00:00Z)"
	assert_equal "$(requests)" 3
}

@test "lines of the alert state that cannot be used are reported and left, the rest used; exit 1" {
	mkdir -p store/alerts
	{ echo garbage; echo '{"id":"x"}'; alerted "$A09" medium 2026-11-25T20:00:00Z; } > store/alerts/2026-11-25.ndjson
	cp store/alerts/2026-11-25.ndjson before
	run --separate-stderr sam-alert -r store --dry-run "$ANOMALIES"
	assert_failure 1
	assert_equal "$stderr" 'sam-alert: store/alerts/2026-11-25.ndjson:1: not a JSON object at byte 1
sam-alert: store/alerts/2026-11-25.ndjson:2: field "ticker": missing or not a string'
	assert_equal "$(jq -r '.blocks[0].text.text' <<< "$output")" '1 stock anomaly: 1 critical'
	cmp before store/alerts/2026-11-25.ndjson
}

# ---- messages, batches and the rate ----

@test "45 anomalies go in three messages of 20, 20 and 5" {
	serve '^/services/ slack-ok.http'
	local i
	for i in $(seq -w 1 45); do anomaly "T$i"; done > in
	alert in
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -r '"\(.ticker) \(.result) \(.message)"' <<< "$output")" \
		"$(for i in $(seq -w 1 45); do echo "T$i sent $(((10#$i + 19) / 20))"; done)"
	assert_equal "$(requests)" 3
	assert_equal "$(for i in 1 2 3; do body "$i" | jq -c '[(.blocks | length), .blocks[0].text.text]'; done)" \
		'[22,"20 stock anomalies: 20 critical"]
[22,"20 stock anomalies: 20 critical"]
[7,"5 stock anomalies: 5 critical"]'
	# in input order
	assert_equal "$(for i in 1 2 3; do sections "$i" | grep -o '`T[0-9]*`'; done | tr -d '`' | tr '\n' ' ')" \
		"$(seq -f 'T%02g' 1 45 | tr '\n' ' ')"
	assert_equal "$(wc -l < store/alerts/2026-11-25.ndjson)" 45
}

@test "--batch 48 fills a message's 50 blocks; --batch 1 sends one anomaly a message" {
	local i
	for i in $(seq -w 1 49); do anomaly "T$i"; done > in
	run --separate-stderr sam-alert --dry-run --batch 48 in
	assert_success
	assert_equal "$(jq -c '[(.blocks | length), ([.blocks[] | .type] | unique)]' <<< "$output")" \
		'[50,["context","header","section"]]
[3,["context","header","section"]]'
	run --separate-stderr sam-alert --dry-run --batch 1 "$ANOMALIES"
	assert_success
	assert_equal "$(jq -r '.blocks[0].text.text' <<< "$output")" '1 stock anomaly: 1 critical
1 stock anomaly: 1 medium'
}

@test "--rate 2: the third of three messages starts a second after the first" {
	serve '^/services/ slack-ok.http'
	alert --rate 2 --batch 1 "$MIXED"
	assert_success
	assert_output "$(sent "$GSPC" high 1; sent "$BRKB" low 2; sent "$EURX" critical 3)"
	assert_equal "$(requests)" 3
	[ "$(gap 1 3)" -ge 950 ]
}

# ---- the payloads ----

@test "a Slack message: a header counting by severity, a section per anomaly as sam-alert.1 shows, a context, a text fallback" {
	run --separate-stderr sam-alert --dry-run "$ANOMALIES"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 1
	assert_equal "$(jq -r 'keys_unsorted | join(" ")' <<< "$output")" 'text blocks'
	assert_equal "$(jq -c '[.blocks[] | [.type, .text.type // .elements[0].type, .text.emoji]]' <<< "$output")" \
		'[["header","plain_text",true],["section","mrkdwn",null],["section","mrkdwn",null],["context","mrkdwn",null]]'
	assert_equal "$(jq -r '.blocks[-1].elements[0].text' <<< "$output")" "sam-alert $(version) · 2026-11-25T21:00:00Z"
	assert_equal "$(jq -c '.blocks[] | .text.text // .type' <<< "$output")" \
		'"2 stock anomalies: 1 critical, 1 medium"
":red_circle: *critical*  `ACME`  daily bar of Wed 2024-01-10\n`volume` z +4.60  ·  `close` z +0.30\nclose 101.5  ·  volume 5,400,000"
":large_yellow_circle: *medium*  `ACME`  daily bar of Tue 2024-01-09\n`close` z -2.70  ·  `volume` z +2.10\nclose 96  ·  volume 2,100,000"
"context"'
	assert_equal "$(jq -r '.text' <<< "$output")" \
		'2 stock anomalies: 1 critical, 1 medium — ACME critical (volume z +4.60, close z +0.30), ACME medium (close z -2.70, volume z +2.10)'
}

@test "a section shows the bar's time in New York, a daily bar's date alone, and with --dashboard-url a link" {
	run --separate-stderr sam-alert --dry-run "$MIXED"
	assert_success
	assert_equal "$(jq -r '.blocks[0].text.text' <<< "$output")" '3 stock anomalies: 1 critical, 1 high, 1 low'
	assert_equal "$(jq -r '.blocks[1:-1][] | .text.text | split("\n") | .[0], .[2]' <<< "$output")" \
		':large_orange_circle: *high*  `^GSPC`  1h bar at Wed 2024-07-10 09:30 EDT
close 5633.91  ·  volume 1,234,567,890
:white_circle: *low*  `BRK.B`  5m bar at Wed 2024-01-10 15:55 EST
close 362.08  ·  volume 48,210
:red_circle: *critical*  `EURUSD=X`  daily bar of Mon 2024-03-11
close 1.0927  ·  volume 0'
	# the ticker's page, its name escaped for a URL; SAM_DASHBOARD_URL alike
	run --separate-stderr sam-alert --dry-run --dashboard-url https://sam.example.com/site "$MIXED"
	assert_success
	assert_equal "$(jq -r '.blocks[1:-1][] | .text.text | split("\n")[2]' <<< "$output")" \
		'close 5633.91  ·  volume 1,234,567,890  ·  <https://sam.example.com/site/ticker/%5EGSPC.html|chart>
close 362.08  ·  volume 48,210  ·  <https://sam.example.com/site/ticker/BRK.B.html|chart>
close 1.0927  ·  volume 0  ·  <https://sam.example.com/site/ticker/EURUSD%3DX.html|chart>'
	assert_equal "$(jq -r '.blocks[-1].elements[0].text' <<< "$output")" \
		"sam-alert $(version) · 2026-11-25T21:00:00Z · <https://sam.example.com/site|dashboard>"
	local with_option=$output
	SAM_DASHBOARD_URL=https://sam.example.com/site run --separate-stderr sam-alert --dry-run "$MIXED"
	assert_success
	assert_output "$with_option"
	# without either, no links
	run --separate-stderr sam-alert --dry-run "$MIXED"
	[[ $output != *sam.example.com* ]]
}

@test "every Slack message keeps to Slack's limits: 50 blocks, 3000 characters a section, 150 a header" {
	local i dash
	dash=https://sam.example.com/$(head -c 960 /dev/zero | tr '\0' d)
	for i in $(seq -w 1 48); do
		anomaly "T$i^ABCDEFGHIJKLMNOP" 10 critical '["close","volume","return","a","b","c","d","e"]'
	done > in
	run --separate-stderr sam-alert --dry-run --batch 48 --dashboard-url "$dash" in
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq '.blocks | length' <<< "$output")" 50
	assert_equal "$(jq '[.blocks[] | select(.type == "section") | .text.text | length <= 3000] | all' <<< "$output")" true
	assert_equal "$(jq '.blocks[0].text.text | length <= 150' <<< "$output")" true
	# the section is whole: every metric, and the link
	assert_equal "$(jq -r '.blocks[1].text.text | split("\n") | (.[1] | endswith("`return`  ·  `a`  ·  `b`  ·  `c`  ·  `d`  ·  `e`")), (.[2] | endswith("|chart>"))' <<< "$output")" \
		$'true\ntrue'
}

@test "the webhook message is Alertmanager's payload, version 4" {
	run --separate-stderr sam-alert --dry-run --to webhook "$ANOMALIES"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 1
	assert_equal "$(jq -c . <<< "$output")" "$(jq -c . <<-'EOF'
		{"version":"4","groupKey":"{}:{alertname=\"StockAnomaly\"}","truncatedAlerts":0,
		 "status":"firing","receiver":"sam","groupLabels":{"alertname":"StockAnomaly"},
		 "commonLabels":{"alertname":"StockAnomaly","ticker":"ACME","interval":"1d"},
		 "commonAnnotations":{},"externalURL":"",
		 "alerts":[
		  {"status":"firing",
		   "labels":{"alertname":"StockAnomaly","ticker":"ACME","interval":"1d","ts":"2024-01-10T14:30:00Z","severity":"critical"},
		   "annotations":{"summary":"ACME 1d: volume z +4.60 (critical)",
		     "description":"critical anomaly of ACME, daily bar of Wed 2024-01-10: volume z +4.60, close z +0.30",
		     "metrics":"volume,close","score":"4.6","close":"101.5","volume":"5400000","z_volume":"4.6","z_close":"0.3"},
		   "startsAt":"2024-01-10T14:30:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"",
		   "fingerprint":"24315a2db5e434ce"},
		  {"status":"firing",
		   "labels":{"alertname":"StockAnomaly","ticker":"ACME","interval":"1d","ts":"2024-01-09T14:30:00Z","severity":"medium"},
		   "annotations":{"summary":"ACME 1d: close z -2.70 (medium)",
		     "description":"medium anomaly of ACME, daily bar of Tue 2024-01-09: close z -2.70, volume z +2.10",
		     "metrics":"close,volume","score":"2.7","close":"96","volume":"2100000","z_close":"-2.7","z_volume":"2.1"},
		   "startsAt":"2024-01-09T14:30:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"",
		   "fingerprint":"ea4f604ac78a6a16"}]}
	EOF
	)"
	# every label and annotation a string
	assert_equal "$(jq '[.alerts[] | (.labels, .annotations) | .[] | type] | unique' -c <<< "$output")" '["string"]'
}

@test "a webhook alert: one alone has all its labels common, --dashboard-url gives the links, the fingerprint is Alertmanager's, of the labels" {
	sed -n 1p "$MIXED" > one
	run --separate-stderr sam-alert --dry-run --to webhook --dashboard-url https://sam.example.com/ one
	assert_success
	assert_equal "$(jq -c '[.commonLabels == .alerts[0].labels, .commonAnnotations == .alerts[0].annotations]' <<< "$output")" '[true,true]'
	assert_equal "$(jq -r '.externalURL, .alerts[0].generatorURL, .alerts[0].annotations.dashboard' <<< "$output")" \
		'https://sam.example.com/
https://sam.example.com/ticker/%5EGSPC.html
https://sam.example.com/ticker/%5EGSPC.html'
	assert_equal "$(jq -c '.alerts[0].labels' <<< "$output")" \
		'{"alertname":"StockAnomaly","ticker":"^GSPC","interval":"1h","ts":"2024-07-10T13:30:00Z","severity":"high"}'
	# fingerprints: 16 hexadecimal digits, one for each anomaly
	cat "$ANOMALIES" "$MIXED" > in
	run --separate-stderr sam-alert --dry-run --to webhook in
	assert_success
	jq -r '.alerts[].fingerprint' <<< "$output" > fp
	assert_equal "$(grep -c -E '^[0-9a-f]{16}$' fp)" 5
	assert_equal "$(sort -u fp | wc -l)" 5
	# the first with other numbers and metrics has its fingerprint (they
	# are annotations); at another severity it is another alert, as an
	# escalation is in Alertmanager
	sed -n 1p "$ANOMALIES" | sed 's/"close":101.5/"close":7/; s/"metrics":\["volume","close"\]/"metrics":["close"]/' > other
	sed 's/"critical"/"low"/' other > lower
	run --separate-stderr sam-alert --dry-run --cooldown 0 --to webhook other lower
	assert_success
	assert_equal "$(jq -r '.alerts[] | .labels.severity + " " + .annotations.metrics + " " + .fingerprint' <<< "$output")" "critical close $(sed -n 1p fp)
low close e056d582d8ff5581"
}

# ---- --dry-run ----

@test "--dry-run writes the payloads, needs no address, leaves out what would be skipped, changes nothing" {
	run --separate-stderr sam-alert --dry-run --batch 2 "$ANOMALIES" "$MIXED"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -r '.blocks[0].text.text' <<< "$output")" '2 stock anomalies: 1 critical, 1 medium
2 stock anomalies: 1 high, 1 low
1 stock anomaly: 1 critical'
	run --separate-stderr sam-alert --dry-run --to webhook "$ANOMALIES"
	assert_success
	assert_equal "$(jq -r '.alerts | length' <<< "$output")" 2
	[ ! -e sam-store ]
	# with a store: one sent, three dead
	serve '^/services/ slack-ok.http' '^/down/ slack-400.http'
	sed -n 1p "$ANOMALIES" > a10
	alert a10
	assert_success
	point down
	alert "$MIXED"
	assert_failure 3
	find store -printf '%p %s %T@\n' | sort > before
	run --separate-stderr sam-alert -r store --dry-run "$ANOMALIES"
	assert_success
	assert_equal "$(jq -r '.blocks[1:-1][] | .text.text | split("\n")[0]' <<< "$output")" \
		':large_yellow_circle: *medium*  `ACME`  daily bar of Tue 2024-01-09'
	run --separate-stderr sam-alert -r store --dry-run --replay-dlq
	assert_success
	assert_equal "$(jq -r '.blocks[0].text.text' <<< "$output")" '3 stock anomalies: 1 critical, 1 high, 1 low'
	find store -printf '%p %s %T@\n' | sort > after
	cmp before after
	assert_equal "$(requests)" 2
}

# ---- the address ----

@test "a URL on the command line is refused before anything else, and not repeated" {
	export SAM_SLACK_WEBHOOK=http://127.0.0.1:9/services/T000/B000/$SECRET
	local msg='a URL: a webhook'"'"'s address on the command line can be read by every user of this machine; put it in SAM_SLACK_WEBHOOK, SAM_WEBHOOK_URL or SAM_ALERTMANAGER_URL, or in a file given to --url-file'
	error_table <<-EOF
		2 | + | sam-alert https://hooks.slack.com/services/T0/B0/SECRETx | sam-alert: argument 1 is $msg
		2 | + | sam-alert --dry-run HTTP://hooks.slack.com/services/T0/B0/SECRETx | sam-alert: argument 2 is $msg
		2 | + | sam-alert -r https://hooks.slack.com/services/T0/B0/SECRETx | sam-alert: argument 2 is $msg
		2 | + | sam-alert --url-file=https://hooks.slack.com/services/T0/B0/SECRETx | sam-alert: argument 1 is $msg
		2 | + | sam-alert --batch 2 --to webhook http://127.0.0.1:9/hooks/SECRETx | sam-alert: argument 5 is $msg
		2 | + | sam-alert --bogus https://hooks.slack.com/services/T0/B0/SECRETx | sam-alert: argument 2 is $msg
	EOF
	[ ! -e sam-store ]
	# --dashboard-url takes one, as its value only
	run --separate-stderr sam-alert --dry-run --dashboard-url https://sam.example.com "$ANOMALIES"
	assert_success
	run --separate-stderr sam-alert --dry-run --dashboard-url=https://sam.example.com "$ANOMALIES"
	assert_success
}

@test "a URL after -- is refused too, and not repeated" {
	export SAM_SLACK_WEBHOOK=http://127.0.0.1:9/services/T000/B000/$SECRET
	run --separate-stderr sam-alert -- "https://hooks.slack.com/services/T0/B0/SECRETx"
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" "sam-alert: argument 2 is a URL: a webhook's address on the command line can be read by every user of this machine; put it in SAM_SLACK_WEBHOOK, SAM_WEBHOOK_URL or SAM_ALERTMANAGER_URL, or in a file given to --url-file
$USAGE"
	[[ $stderr != *SECRETx* ]]
}

@test "--url-file and SAM_WEBHOOK_URL_FILE: a file only its owner may use gives the address" {
	serve '^/file/ slack-ok.http' '^/env/ slack-ok.http'
	printf '%s/file/services/T000/B000/%s\nsecond line\n' "$HTTPD_URL" "$SECRET" > url
	chmod 600 url
	export SAM_SLACK_WEBHOOK=$HTTPD_URL/env/services/T000/B000/$SECRET
	# the file before the variable
	alert --url-file url "$ANOMALIES"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(paths)" "/file/services/T000/B000/$SECRET"
	no_secret
	# the variable before SAM_WEBHOOK_URL_FILE
	SAM_WEBHOOK_URL_FILE=url alert -r s2 "$ANOMALIES"
	assert_success
	assert_equal "$(paths | tail -n 1)" "/env/services/T000/B000/$SECRET"
	unset SAM_SLACK_WEBHOOK SAM_WEBHOOK_URL
	SAM_WEBHOOK_URL_FILE=url alert -r s3 "$ANOMALIES"
	assert_success
	assert_equal "$(paths | tail -n 1)" "/file/services/T000/B000/$SECRET"
	assert_equal "$(requests)" 3
}

@test "no address, plain http to a host that is not loopback, another scheme, a file others may use: refused" {
	local u=http://127.0.0.1:9/services/T000/B000/$SECRET m
	for m in 644 640 604 620 602; do
		printf '%s\n' "$u" > "u$m"
		chmod "$m" "u$m"
	done
	: > empty
	printf '\n' > blank
	printf 'ftp://127.0.0.1/%s\n' "$SECRET" > ftp
	chmod 600 empty blank ftp
	mkdir dir
	chmod 700 dir
	cp "$ANOMALIES" in
	error_table <<-'EOF'
		2 | - | sam-alert in | sam-alert: no address to send to: set SAM_SLACK_WEBHOOK, or give --url-file (or --dry-run)
		2 | - | SAM_SLACK_WEBHOOK= sam-alert in | sam-alert: no address to send to: set SAM_SLACK_WEBHOOK, or give --url-file (or --dry-run)
		2 | - | SAM_SLACK_WEBHOOK=http://127.0.0.1:9/x sam-alert --to webhook in | sam-alert: no address to send to: set SAM_WEBHOOK_URL, or give --url-file (or --dry-run)
		2 | - | SAM_SLACK_WEBHOOK=http://example.com/services/SECRETx sam-alert in | sam-alert: SAM_SLACK_WEBHOOK: the webhook's address is plain http to a host that is not loopback (use https, or --allow-http)
		2 | - | SAM_WEBHOOK_URL=http://10.0.0.1:8080/SECRETx sam-alert --to webhook in | sam-alert: SAM_WEBHOOK_URL: the webhook's address is plain http to a host that is not loopback (use https, or --allow-http)
		2 | - | SAM_WEBHOOK_URL=ftp://127.0.0.1/SECRETx sam-alert --to webhook in | sam-alert: SAM_WEBHOOK_URL: the webhook's address is not an http or https URL
		2 | - | SAM_WEBHOOK_URL=ftp://127.0.0.1/SECRETx sam-alert --allow-http --to webhook in | sam-alert: SAM_WEBHOOK_URL: the webhook's address is not an http or https URL
		2 | - | SAM_SLACK_WEBHOOK=hooks.slack.com/SECRETx sam-alert in | sam-alert: SAM_SLACK_WEBHOOK: the webhook's address is not a URL
		2 | - | sam-alert --url-file u644 in | sam-alert: u644: URL file is readable by group or others: chmod 600 it
		2 | - | sam-alert --url-file u640 in | sam-alert: u640: URL file is readable by group or others: chmod 600 it
		2 | - | sam-alert --url-file u604 in | sam-alert: u604: URL file is readable by group or others: chmod 600 it
		2 | - | sam-alert --url-file u620 in | sam-alert: u620: URL file is readable by group or others: chmod 600 it
		2 | - | sam-alert --url-file u602 in | sam-alert: u602: URL file is readable by group or others: chmod 600 it
		2 | - | SAM_WEBHOOK_URL_FILE=u644 sam-alert in | sam-alert: u644: URL file is readable by group or others: chmod 600 it
		2 | - | SAM_SLACK_WEBHOOK=http://127.0.0.1:9/x sam-alert --url-file u644 in | sam-alert: u644: URL file is readable by group or others: chmod 600 it
		2 | - | sam-alert --url-file empty in | sam-alert: empty: URL file is empty
		2 | - | sam-alert --url-file blank in | sam-alert: blank: the webhook's address is not a URL
		2 | - | sam-alert --url-file ftp in | sam-alert: ftp: the webhook's address is not an http or https URL
		2 | - | sam-alert --url-file dir in | sam-alert: dir: URL file is not a regular file
		2 | - | sam-alert --url-file missing in | sam-alert: fatal: unable to open URL file missing: No such file or directory
	EOF
	[ ! -e sam-store ]
}

# ---- bad input ----

@test "lines that are not anomalies are reported with file and line and skipped, the rest delivered; exit 1" {
	serve '^/services/ slack-ok.http'
	local a
	a=$(sed -n 1p "$ANOMALIES")
	{
		echo "$a"
		echo 'not json'
		echo "${a/\"anomaly\":true/\"anomaly\":false}"
		echo "${a//ACME/..\/etc}"
		echo "${a/\"critical\"/\"severe\"}"
		echo "${a/\"id\":\"ACME:1d:2024-01-10T14:30:00Z\"/\"id\":\"ACME:1d:2024-01-11T14:30:00Z\"}"
		echo "${a/\"interval\":\"1d\"/\"interval\":\"2d\"}"
		echo "${a/\"ts\":\"2024-01-10T14:30:00Z\"/\"ts\":\"2024-01-10\"}"
		echo "${a/\"score\":4.6/\"score\":\"high\"}"
		echo "${a/\[\"volume\",\"close\"\]/[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"]}"
		echo "${a/\[\"volume\",\"close\"\]/\"volume\"}"
		echo "${a/\"anomaly\":true,/}"
		echo '[1]'
		sed -n 2p "$ANOMALIES"
	} > in
	alert in
	assert_failure 1
	assert_output "$(sent "$A10" critical 1; sent "$A09" medium 1)"
	assert_equal "$(requests)" 1
	assert_equal "$(sections 1 | grep -c ACME)" 2
	[ ! -e store/dlq ]
	assert_equal "$stderr" 'sam-alert: in:2: not a JSON object
sam-alert: in:3: not an anomaly ("anomaly" is not true)
sam-alert: in:4: field "ticker": invalid ticker "../etc"
sam-alert: in:5: field "severity": not low, medium, high or critical: "severe"
sam-alert: in:6: field "id": not ACME:1d:2024-01-10T14:30:00Z: "ACME:1d:2024-01-11T14:30:00Z"
sam-alert: in:7: field "interval": invalid interval "2d"
sam-alert: in:8: field "ts": invalid timestamp "2024-01-10"
sam-alert: in:9: field "score": expected a number, got string
sam-alert: in:10: field "metrics": not an array of up to 8 metric names
sam-alert: in:11: field "metrics": not an array of up to 8 metric names
sam-alert: in:12: not an anomaly ("anomaly" is not true)
sam-alert: in:13: not a JSON object
sam-alert: 12 of 14 input lines rejected'
}

@test "--strict stops at the first line that is not an anomaly, before anything is sent" {
	# nothing listens there: a message sent would be a dead letter
	export SAM_SLACK_WEBHOOK=http://127.0.0.1:9/services/T000/B000/$SECRET
	{ cat "$ANOMALIES"; echo '[]'; cat "$MIXED"; } > in
	alert --strict in
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" 'sam-alert: in:3: not a JSON object
sam-alert: 1 of 3 input lines rejected'
	[ ! -e store ]
}

@test "empty input sends nothing, and blank and CR LF lines are read" {
	# nothing listens there: a message sent would be a dead letter
	export SAM_SLACK_WEBHOOK=http://127.0.0.1:9/services/T000/B000/$SECRET
	check_empty_input sam-alert -r store
	{ printf '\r\n'; sed -n 1p "$ANOMALIES" | tr -d '\n'; printf '\r\n \t \n'; sed -n 2p "$ANOMALIES"; } > in
	run --separate-stderr sam-alert --dry-run in
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -r '.blocks[0].text.text' <<< "$output")" '2 stock anomalies: 1 critical, 1 medium'
}

# ---- usage, diagnostics, failures ----

@test "-h and --help print the usage and --version the version, on standard output" {
	check_help_and_version sam-alert
	[ ! -e sam-store ]
}

@test "each bad option or setting is a usage error with its own message" {
	export SAM_SLACK_WEBHOOK=http://127.0.0.1:9/services/T000/B000/$SECRET
	cp "$ANOMALIES" in
	usage_table sam-alert -r store in <<-'EOF'
		--bogus | sam-alert: unrecognized option '--bogus'
		-q | sam-alert: invalid option -- 'q'
		--batch | sam-alert: option '--batch' requires an argument
		--batch 0 | sam-alert: --batch: not a number from 1 to 48: 0
		--batch 49 | sam-alert: --batch: not a number from 1 to 48: 49
		--rate 0 | sam-alert: --rate: not a number of requests a second above 0 and up to 1000: 0
		--rate 1001 | sam-alert: --rate: not a number of requests a second above 0 and up to 1000: 1001
		--to email | sam-alert: --to: must be slack, webhook or alertmanager: email
		--cooldown bogus | sam-alert: --cooldown: not a time such as 24h, 90m or 3600s: bogus
		--cooldown 5x | sam-alert: --cooldown: not a time such as 24h, 90m or 3600s: 5x
		--hold 0 | sam-alert: --hold: not a time above 0 such as 24h, 90m or 3600s: 0
		--hold 1w | sam-alert: --hold: not a time above 0 such as 24h, 90m or 3600s: 1w
		--timeout 0.05 | sam-alert: --timeout: not a number of seconds from 0.1 to 600: 0.05
		--timeout 601 | sam-alert: --timeout: not a number of seconds from 0.1 to 600: 601
		--timeout 11m | sam-alert: --timeout: not a number of seconds from 0.1 to 600: 11m
		--cooldown 0.5 | sam-alert: --cooldown: not a time such as 24h, 90m or 3600s: 0.5
		--hold 1.5s | sam-alert: --hold: not a time above 0 such as 24h, 90m or 3600s: 1.5s
		--connect-timeout 0 | sam-alert: --connect-timeout: not a number of seconds from 0.1 to 600: 0
		--retries 11 | sam-alert: --retries: not a number from 0 to 10: 11
		-w -1 | sam-alert: -w: not a number of seconds from 0 to 86400: -1
		--lock-wait 1.5 | sam-alert: -w: not a number of seconds from 0 to 86400: 1.5
		--log-format xml | sam-alert: --log-format: must be text or json: xml
		--replay-dlq | sam-alert: --replay-dlq reads the dead-letter files, not: in
		--dashboard-url ftp://sam.example.com | sam-alert: --dashboard-url: not an http or https URL without blanks, quotes or <>|: ftp://sam.example.com
		--dashboard-url https://sam.example.com/a<b> | sam-alert: --dashboard-url: not an http or https URL without blanks, quotes or <>|: https://sam.example.com/a<b>
		SAM_ALERT_TO=email | sam-alert: SAM_ALERT_TO: must be slack, webhook or alertmanager: email
		SAM_COOLDOWN=soon | sam-alert: SAM_COOLDOWN: not a time such as 24h, 90m or 3600s: soon
		SAM_ALERT_HOLD=0s | sam-alert: SAM_ALERT_HOLD: not a time above 0 such as 24h, 90m or 3600s: 0s
		SAM_DASHBOARD_URL=sam.example.com | sam-alert: SAM_DASHBOARD_URL: not an http or https URL without blanks, quotes or <>|: sam.example.com
		SAM_LOG_FORMAT=xml | sam-alert: SAM_LOG_FORMAT: must be text or json: xml
	EOF
	[ ! -e store ]
}

@test "--log-format json, or SAM_LOG_FORMAT=json, writes each diagnostic as one JSON object a line" {
	serve '^/services/ slack-ok.http'
	{ cat "$ANOMALIES"; echo '[]'; echo '{"ticker":"A/B","anomaly":true}'; } > in
	check_json_log sam-alert -r store --rate 100 <<-'EOF'
		{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-alert","msg":"not a JSON object","file":"in","line":3}
		{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-alert","msg":"field \"ticker\": invalid ticker \"A/B\"","file":"in","line":4}
		{"ts":"2026-11-25T21:00:00Z","level":"fatal","tool":"sam-alert","msg":"unable to open missing: No such file or directory"}
		{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-alert","msg":"2 of 4 input lines rejected"}
	EOF
}

@test "standard output that cannot be written is a runtime failure, exit 3" {
	serve '^/services/ slack-ok.http'
	check_full_stdout sam-alert "$ANOMALIES"
	# the message went, and is recorded
	assert_equal "$(requests)" 1
	assert_equal "$(wc -l < sam-store/alerts/2026-11-25.ndjson)" 2
}

@test "a store locked by another writer past -w: exit 3, and the next run sends the message again" {
	command -v flock > /dev/null || skip "flock(1) is not installed"
	serve '^/services/ slack-ok.http'
	mkdir store
	run --separate-stderr flock store/.lock sam-alert -r store --rate 100 -w 0 "$ANOMALIES"
	assert_failure 3
	assert_equal "$stderr" 'sam-alert: fatal: unable to lock store/.lock: another writer held it for 0 s'
	assert_output "$(sent "$A10" critical 1; sent "$A09" medium 1)"
	assert_equal "$(ls -A store)" .lock
	alert "$ANOMALIES"
	assert_success
	assert_output "$(sent "$A10" critical 1; sent "$A09" medium 1)"
	assert_equal "$(requests)" 2
}
