#!/usr/bin/env bats
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
# Escalation: an anomaly whose id was alerted within the cooldown goes
# again only at a higher severity than the highest alerted for it, and
# says so (issue 16, point 7); through the outbox, its journal and the
# dead letters too.  And the messages of the recommended profile's
# anomalies: return, relative volume, excess, p, market events, bars in
# progress.  Against the loopback receiver of 60-alert.bats.

bats_require_minimum_version 1.5.0

load test_helper
load http

AF=$FIXTURES/alert
ID=ACME:1d:2024-01-10T14:30:00Z
OUTBOX=store/outbox/2026-11-25.ndjson	# the New York date of SAM_NOW

setup() {
	sam_setup
	http_jail
}

setup_file() {
	httpd_file_start
}

teardown_file() {
	httpd_file_stop
}

# ---- helpers ----

# serve: the receiver says ok, Slack's address under /services/ and the
# webhook's under /hooks/ (answers from fixtures/alert); BASE is the
# number of requests of the tests before.
serve() {
	printf '^/services/ %s\n^/hooks/ %s\n' "$AF/slack-ok.http" "$AF/webhook-200.http" > routes
	httpd_routes routes
	BASE=$(wc -l < "$HTTPD_LOG")
	export SAM_SLACK_WEBHOOK=$HTTPD_URL/services/T000/B000/SECRETtoken123
	export SAM_WEBHOOK_URL=$HTTPD_URL/hooks/B000/SECRETtoken123
}

requests() {
	echo $(($(wc -l < "$HTTPD_LOG") - BASE))
}

# body K: the body of this test's Kth request.
body() {
	httpd_body $((BASE + $1))
}

# alert ARG...: sam-alert on the store "store", no rate limit to speak of.
alert() {
	run --separate-stderr sam-alert -r store --rate 100 "$@"
}

# anomaly SEVERITY [DAY [TICKER]]: a daily anomaly of the recommended
# profile (return and log volume), of ACME on 2024-01-10 by default.
anomaly() {
	local ts
	printf -v ts '2024-01-%02dT14:30:00Z' "${2:-10}"
	printf '{"ticker":"%s","interval":"1d","ts":"%s","date":"%s","close":101.5,"volume":5400000,"return":-0.083,"z_return":-5.1,"z_lvolume":3.2,"rvol":4.2,"anomaly":true,"score":4.4,"severity":"%s","metrics":["return","lvolume"],"threshold":2,"p":1.2e-05,"id":"%s:1d:%s"}\n' \
		"${3:-ACME}" "$ts" "${ts%%T*}" "$1" "${3:-ACME}" "$ts"
}

# Result lines.  sent ID SEVERITY MESSAGE [PREVIOUS [TO]]: with PREVIOUS,
# an escalation from that severity.
sent() {
	printf '{"id":"%s","ticker":"%s","severity":"%s","result":"sent","to":"%s","message":%s,"attempts":1%s}\n' \
		"$1" "${1%%:*}" "$2" "${5:-slack}" "$3" "${4:+,\"escalation\":true,\"previous_severity\":\"$4\"}"
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

# file_is PATH < CONTENT: the file holds exactly CONTENT.
file_is() {
	diff -u - "$1"
}

# texts: the fallback text and each block's text of the Slack payloads
# in output, a JSON string a line.
texts() {
	jq -c '.text, (.blocks[1:-1][] | .text.text)' <<< "$output"
}

# ---- escalation ----

@test "low, then high of the same bar within the cooldown: sent twice, the second an escalation whose message says so; critical escalates from the highest" {
	serve
	anomaly low > low
	anomaly high > high
	anomaly critical > critical
	anomaly medium > medium
	alert low
	assert_success
	assert_output "$(sent "$ID" low 1)"
	SAM_NOW=2026-11-25T22:00:00Z alert high
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(sent "$ID" high 1 low)"
	assert_equal "$(requests)" 2
	assert_equal "$(body 2 | jq -c '.text, (.blocks[] | .text.text // .type)')" \
		'"1 stock anomaly: 1 high (1 escalated) — ACME escalated from low to high (return -8.3%, volume 4.2x usual; return z -5.10, lvolume z +3.20, p 1.2e-05)"
"1 stock anomaly: 1 high (1 escalated)"
":large_orange_circle: *high*  `ACME`  daily bar of Wed 2024-01-10  ·  escalated from low to high\nreturn -8.3%  ·  volume 4.2x usual\n`return` z -5.10  ·  `lvolume` z +3.20  ·  p 1.2e-05\nclose 101.5  ·  volume 5,400,000"
"context"'
	# what was sent is what --dry-run shows, before the run
	SAM_NOW=2026-11-25T22:00:00Z run sam-alert -r store --dry-run critical
	local dry=$output
	# the highest alerted is high: critical escalates from it
	SAM_NOW=2026-11-25T23:00:00Z alert critical
	assert_success
	assert_output "$(sent "$ID" critical 1 high)"
	[[ $dry == *'escalated from high to critical'* ]]
	# below the highest: skipped, the last alert's time shown
	SAM_NOW=2026-11-26T00:00:00Z alert medium
	assert_success
	assert_output "$(skipped "$ID" medium cooldown 2026-11-25T23:00:00Z)"
	assert_equal "$(requests)" 3
	file_is store/alerts/2026-11-25.ndjson <<-EOF
		$(alerted "$ID" low 2026-11-25T21:00:00Z)
		$(alerted "$ID" high 2026-11-25T22:00:00Z)
		$(alerted "$ID" critical 2026-11-25T23:00:00Z)
	EOF
}

@test "high, then low or high again: sent once, the others skipped, in a later run (cooldown) and in the same input (repeat)" {
	serve
	{ anomaly high; anomaly low; anomaly high; } > in
	alert in
	assert_success
	assert_output "$(sent "$ID" high 1; skipped "$ID" low repeat; skipped "$ID" high repeat)"
	SAM_NOW=2026-11-26T09:00:00Z alert in
	assert_success
	assert_output "$(skipped "$ID" high cooldown 2026-11-25T21:00:00Z
		skipped "$ID" low cooldown 2026-11-25T21:00:00Z
		skipped "$ID" high cooldown 2026-11-25T21:00:00Z)"
	assert_equal "$(requests)" 1
	file_is store/alerts/2026-11-25.ndjson <<< "$(alerted "$ID" high 2026-11-25T21:00:00Z)"
}

@test "in the same input, low then high of one bar: the high goes too, as an escalation of the low" {
	serve
	{ anomaly low; anomaly medium 9; anomaly high; anomaly medium; } > in
	alert in
	assert_success
	assert_output "$(sent "$ID" low 1; sent ACME:1d:2024-01-09T14:30:00Z medium 1
		sent "$ID" high 1 low; skipped "$ID" medium repeat)"
	assert_equal "$(requests)" 1
	assert_equal "$(body 1 | jq -r '.blocks[0].text.text')" '3 stock anomalies: 1 high, 1 medium, 1 low (1 escalated)'
}

@test "once the cooldown has passed the bar is alerted again as a new alert, not an escalation" {
	serve
	anomaly low > low
	anomaly high > high
	alert low
	assert_success
	SAM_NOW=2026-11-26T21:00:00Z alert high
	assert_success
	assert_output "$(sent "$ID" high 1)"
	[[ $(body 2) != *escalated* ]]
	# and with --cooldown 0 every anomaly goes, none an escalation
	alert --cooldown 0 low
	assert_output "$(sent "$ID" low 1)"
}

@test "an alerts/ line without a severity (written by another hand) blocks every severity of its id within the cooldown; one with a severity that is none of the four too, reported" {
	mkdir -p store/alerts
	printf '{"id":"%s","ticker":"ACME","to":"slack","alerted_at":"2026-11-25T20:00:00Z"}\n' "$ID" \
		> store/alerts/2026-11-25.ndjson
	printf '{"id":"%s","ticker":"ACME","severity":"severe","to":"slack","alerted_at":"2026-11-25T20:30:00Z"}\n' \
		ACME:1d:2024-01-09T14:30:00Z >> store/alerts/2026-11-25.ndjson
	cp store/alerts/2026-11-25.ndjson before
	serve
	{ anomaly critical; anomaly critical 9; anomaly critical 8; } > in
	alert in
	assert_failure 1
	assert_equal "$stderr" 'sam-alert: store/alerts/2026-11-25.ndjson:2: field "severity": not low, medium, high or critical; its id is not escalated'
	assert_output "$(skipped "$ID" critical cooldown 2026-11-25T20:00:00Z
		skipped ACME:1d:2024-01-09T14:30:00Z critical cooldown 2026-11-25T20:30:00Z
		sent ACME:1d:2024-01-08T14:30:00Z critical 1)"
	assert_equal "$(requests)" 1
	assert_equal "$(head -n 2 store/alerts/2026-11-25.ndjson)" "$(cat before)"
}

@test "--per-ticker lets the escalation of the bar alerted through, and still skips the ticker's other bars" {
	serve
	anomaly low > low
	alert --per-ticker low
	assert_success
	{ anomaly high 11; anomaly high; } > in
	SAM_NOW=2026-11-25T22:00:00Z alert --per-ticker in
	assert_success
	assert_output "$(skipped ACME:1d:2024-01-11T14:30:00Z high ticker 2026-11-25T21:00:00Z
		sent "$ID" high 1 low)"
}

@test "--to webhook: an escalation says so in its summary, description and previous_severity; it is another alert, its fingerprint of its labels, the severity one of them" {
	serve
	anomaly medium > medium
	anomaly critical > critical
	alert --to webhook medium
	assert_success
	SAM_NOW=2026-11-25T22:00:00Z alert --to webhook critical
	assert_success
	assert_output "$(sent "$ID" critical 1 medium webhook)"
	assert_equal "$(body 2 | jq -c '.alerts[0] | [.labels.severity, .annotations.summary, .annotations.description, .annotations.previous_severity]')" \
		'["critical","ACME 1d: return z -5.10 (critical, escalated from medium)","critical anomaly of ACME, daily bar of Wed 2024-01-10, escalated from medium to critical: return -8.3%, volume 4.2x usual; return z -5.10, lvolume z +3.20, p 1.2e-05","medium"]'
	# as Alertmanager has it: the bar's labels, another severity
	assert_equal "$(body 2 | jq -c '.alerts[0].labels | del(.severity)')" "$(body 1 | jq -c '.alerts[0].labels | del(.severity)')"
	assert_equal "$(body 1 | jq -r '.alerts[0] | .labels.severity + " " + .fingerprint')" 'medium c34575cd88d5007c'
	assert_equal "$(body 2 | jq -r '.alerts[0] | .labels.severity + " " + .fingerprint')" 'critical 24315a2db5e434ce'
	[ "$(body 1 | jq -r '.alerts[0].annotations.previous_severity')" = null ]
}

# ---- through the outbox, its journal and the dead letters ----

@test "--outbox: the bar stored again at a higher severity (put --outbox queues it, changed) is sent as an escalation; one stored again at the same severity is not" {
	serve
	anomaly low | sam-store -r store put --outbox > /dev/null
	alert --outbox
	assert_success
	assert_output "$(sent "$ID" low 1)"
	# the bar completed: high now; and a score that changed alone
	anomaly high | sam-store -r store put --outbox > /dev/null
	SAM_NOW=2026-11-25T22:00:00Z alert --outbox
	assert_success
	assert_output "$(sent "$ID" high 1 low)"
	anomaly high | sed 's/"score":4.4/"score":4.5/' | sam-store -r store put --outbox > /dev/null
	assert_equal "$(wc -l < "$OUTBOX")" 1
	SAM_NOW=2026-11-25T22:30:00Z alert --outbox
	assert_success
	assert_output "$(skipped "$ID" high cooldown 2026-11-25T22:00:00Z)"
	[ ! -e "$OUTBOX" ] && [ ! -e store/outbox/.sent ]
	assert_equal "$(requests)" 2
	file_is store/alerts/2026-11-25.ndjson <<-EOF
		$(alerted "$ID" low 2026-11-25T21:00:00Z)
		$(alerted "$ID" high 2026-11-25T22:00:00Z)
	EOF
}

@test "--outbox: the journal names each anomaly of a message taken with its severity, so an earlier message's line does not settle an escalation, and its own does" {
	command -v flock > /dev/null || skip "flock(1) is not installed"
	serve
	anomaly low | sam-store -r store put --outbox > /dev/null
	alert --outbox
	assert_success
	anomaly high | sam-store -r store put --outbox > /dev/null
	# a run whose outcome cannot be stored keeps its journal
	SAM_NOW=2026-11-25T22:00:00Z run --separate-stderr flock store/.lock \
		sam-alert -r store --rate 100 -w 0 --outbox
	assert_failure 3
	assert_equal "$(cat store/outbox/.sent)" "$ID high"
	assert_equal "$(requests)" 2
	# the journal of a run that sent the low one and was killed after
	# its commit: the escalation still goes
	echo "$ID low" > store/outbox/.sent
	SAM_NOW=2026-11-25T22:00:00Z alert --outbox
	assert_success
	assert_output "$(sent "$ID" high 1 low)"
	assert_equal "$(requests)" 3
	[ ! -e store/outbox/.sent ]
	# the journal of a run that sent the escalation and was killed
	# before its commit: settled as sent, recovered, not sent again
	anomaly critical | sam-store -r store put --outbox > /dev/null
	echo "$ID critical" > store/outbox/.sent
	SAM_NOW=2026-11-25T23:00:00Z alert --outbox
	assert_success
	assert_output "{\"id\":\"$ID\",\"ticker\":\"ACME\",\"severity\":\"critical\",\"result\":\"sent\",\"to\":\"slack\",\"message\":0,\"attempts\":0,\"recovered\":true,\"escalation\":true,\"previous_severity\":\"high\"}"
	assert_equal "$(requests)" 3
	assert_equal "$(jq -r .severity store/alerts/2026-11-25.ndjson)" $'low\nhigh\ncritical'
	[ ! -e "$OUTBOX" ] && [ ! -e store/outbox/.sent ]
}

@test "--outbox: a bar parked in dlq/ at a lower severity is a dead letter of its own; the higher one goes" {
	serve
	anomaly low | sam-store -r store put --outbox > /dev/null
	export SAM_SLACK_WEBHOOK=$HTTPD_URL/down/services/T000/B000/SECRETtoken123
	printf '^/down/ %s\n' "$AF/slack-400.http" >> routes
	httpd_routes routes
	alert --outbox
	assert_failure 3
	assert_equal "$(jq -r .anomaly.severity store/dlq/2026-11-25.ndjson)" low
	serve
	anomaly high | sam-store -r store put --outbox > /dev/null
	alert --outbox
	assert_success
	assert_output "$(sent "$ID" high 1)"
	assert_equal "$(requests)" 1
	assert_equal "$(jq -r .id store/dlq/2026-11-25.ndjson)" "$ID"
	# replayed within the cooldown, the low one is below the high: skipped
	alert --replay-dlq
	assert_success
	assert_output "$(skipped "$ID" low cooldown 2026-11-25T21:00:00Z)"
	[ ! -e store/dlq/2026-11-25.ndjson ]
}

@test "--replay-dlq: an escalation that failed goes as one when it is replayed within the cooldown" {
	serve
	anomaly medium > medium
	anomaly high > high
	alert medium
	assert_success
	export SAM_SLACK_WEBHOOK=$HTTPD_URL/down/services/T000/B000/SECRETtoken123
	printf '^/down/ %s\n' "$AF/slack-400.http" >> routes
	httpd_routes routes
	SAM_NOW=2026-11-25T22:00:00Z alert high
	assert_failure 3
	assert_equal "$(jq -c '[.result, .escalation, .previous_severity]' <<< "$output")" '["dead",true,"medium"]'
	serve
	SAM_NOW=2026-11-25T23:00:00Z alert --replay-dlq
	assert_success
	assert_output "$(sent "$ID" high 1 medium)"
	[[ $(body 1) == *'escalated from medium to high'* ]]
}

# ---- the signal in messages ----

@test "an anomaly with return, excess, relative volume and p: Slack's section and fallback, and the webhook's annotations, exact" {
	anomaly critical > in
	jq -c '.ts = "2024-01-11T14:30:00Z" | .date = "2024-01-11" | .id = "ACME:1d:2024-01-11T14:30:00Z" |
		.return = 0.004 | .excess = -0.061 | .market = "SPY" | .rvol = 0.35 | .p = 0.0009 |
		.metrics = ["excess"] | .z_excess = -3.3 | .severity = "high"' in >> in
	jq -c '.id = "ACME:1d:2024-01-12T14:30:00Z" | .ts = "2024-01-12T14:30:00Z" | .date = "2024-01-12" |
		.return = 0.2 | .rvol = 23.4 | .market = "cross" | .excess = 0.15 | .p = null' in | sed -n 2p >> in
	run --separate-stderr sam-alert --dry-run in
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(texts)" '"3 stock anomalies: 1 critical, 2 high — ACME critical (return -8.3%, volume 4.2x usual; return z -5.10, lvolume z +3.20, p 1.2e-05), ACME high (return +0.40%, excess -6.1% vs SPY, volume 0.35x usual; excess z -3.30, p 0.0009), ACME high (return +20.0%, excess +15.0% vs watch-list median, volume 23x usual; excess z -3.30)"
":red_circle: *critical*  `ACME`  daily bar of Wed 2024-01-10\nreturn -8.3%  ·  volume 4.2x usual\n`return` z -5.10  ·  `lvolume` z +3.20  ·  p 1.2e-05\nclose 101.5  ·  volume 5,400,000"
":large_orange_circle: *high*  `ACME`  daily bar of Thu 2024-01-11\nreturn +0.40%  ·  excess -6.1% vs SPY  ·  volume 0.35x usual\n`excess` z -3.30  ·  p 0.0009\nclose 101.5  ·  volume 5,400,000"
":large_orange_circle: *high*  `ACME`  daily bar of Fri 2024-01-12\nreturn +20.0%  ·  excess +15.0% vs watch-list median  ·  volume 23x usual\n`excess` z -3.30\nclose 101.5  ·  volume 5,400,000"'
	run --separate-stderr sam-alert --dry-run --to webhook in
	assert_success
	assert_equal "$(jq -c '.alerts[] | .annotations' <<< "$output")" \
		'{"summary":"ACME 1d: return z -5.10 (critical)","description":"critical anomaly of ACME, daily bar of Wed 2024-01-10: return -8.3%, volume 4.2x usual; return z -5.10, lvolume z +3.20, p 1.2e-05","metrics":"return,lvolume","score":"4.4","close":"101.5","volume":"5400000","return":"-0.083","rvol":"4.2","p":"0.000012","z_return":"-5.1","z_lvolume":"3.2"}
{"summary":"ACME 1d: excess z -3.30 (high)","description":"high anomaly of ACME, daily bar of Thu 2024-01-11: return +0.40%, excess -6.1% vs SPY, volume 0.35x usual; excess z -3.30, p 0.0009","metrics":"excess","score":"4.4","close":"101.5","volume":"5400000","return":"0.004","excess":"-0.061","rvol":"0.35","market":"SPY","p":"0.0009","z_excess":"-3.3"}
{"summary":"ACME 1d: excess z -3.30 (high)","description":"high anomaly of ACME, daily bar of Fri 2024-01-12: return +20.0%, excess +15.0% vs watch-list median, volume 23x usual; excess z -3.30","metrics":"excess","score":"4.4","close":"101.5","volume":"5400000","return":"0.2","excess":"0.15","rvol":"23.4","market":"cross","z_excess":"-3.3"}'
}

@test "a market event reads as a market-wide move: its series and return, in Slack's section and fallback and the webhook's alert; the link is the series' page" {
	printf '%s\n' \
		'{"ticker":"MARKET","interval":"1d","ts":"2015-08-24T13:30:00Z","date":"2015-08-24","market":"SPY","return":-0.039,"z_market":-4.8,"event":"market","anomaly":true,"score":4.1,"severity":"critical","metrics":["market"],"threshold":2,"p":4e-05,"id":"MARKET:1d:2015-08-24T13:30:00Z"}' \
		'{"ticker":"MARKET","interval":"1d","ts":"2018-02-05T14:30:00Z","date":"2018-02-05","market":"cross","return":-0.0412,"z_market":-3.9,"event":"market","anomaly":true,"score":3.6,"severity":"high","metrics":["market"],"threshold":2,"id":"MARKET:1d:2018-02-05T14:30:00Z"}' > in
	run --separate-stderr sam-alert --dry-run --dashboard-url https://sam.example.com in
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(texts)" '"2 stock anomalies: 1 critical, 1 high — market-wide move: SPY -3.9% critical (market z -4.80, p 4e-05), market-wide move: watch-list median -4.1% high (market z -3.90)"
":red_circle: *critical*  market-wide move: SPY -3.9%  daily bar of Mon 2015-08-24\n`market` z -4.80  ·  p 4e-05\n<https://sam.example.com/ticker/SPY.html|chart>"
":large_orange_circle: *high*  market-wide move: watch-list median -4.1%  daily bar of Mon 2018-02-05\n`market` z -3.90"'
	run --separate-stderr sam-alert --dry-run --to webhook --dashboard-url https://sam.example.com in
	assert_success
	assert_equal "$(jq -c '.alerts[] | [.labels.ticker, .annotations.summary, .annotations.description, .annotations.market, .annotations.return, .generatorURL]' <<< "$output")" \
		'["MARKET","market-wide move: SPY -3.9% (critical)","critical market-wide move, daily bar of Mon 2015-08-24: SPY -3.9%; market z -4.80, p 4e-05","SPY","-0.039","https://sam.example.com/ticker/SPY.html"]
["MARKET","market-wide move: watch-list median -4.1% (high)","high market-wide move, daily bar of Mon 2018-02-05: watch-list median -4.1%; market z -3.90","cross","-0.0412",""]'
}

@test "a bar in progress (\"final\":false) is marked so, its volume unjudged (rvol null) left out" {
	anomaly low | jq -c '.rvol = null | .final = false | .metrics = ["return"]' > in
	run --separate-stderr sam-alert --dry-run in
	assert_success
	assert_equal "$(texts)" '"1 stock anomaly: 1 low — ACME low (return -8.3%; return z -5.10, p 1.2e-05)"
":white_circle: *low*  `ACME`  daily bar of Wed 2024-01-10 (in progress)\nreturn -8.3%\n`return` z -5.10  ·  p 1.2e-05\nclose 101.5  ·  volume 5,400,000"'
	run --separate-stderr sam-alert --dry-run --to webhook in
	assert_success
	assert_equal "$(jq -c '.alerts[0].annotations | [.description, .final, .rvol]' <<< "$output")" \
		'["low anomaly of ACME, daily bar of Wed 2024-01-10 (in progress): return -8.3%; return z -5.10, p 1.2e-05","false",null]'
}

@test "a signal field that is not a number, or a market that is not a ticker or cross, rejects the record: nothing it carries reaches a message unchecked" {
	local a
	a=$(anomaly high)
	{
		echo "${a/\"return\":-0.083/\"return\":\"-8%\"}"
		echo "${a/\"rvol\":4.2/\"rvol\":[4.2]}"
		echo "${a/\"p\":1.2e-05/\"p\":true}"
		echo "${a/\"p\":1.2e-05/\"excess\":{\}}"
		echo "${a/\"p\":1.2e-05/\"market\":\"<!channel>\"}"
		echo "${a/\"p\":1.2e-05/\"market\":\"S\&P\"}"
		echo "${a/\"p\":1.2e-05/\"market\":500}"
		echo "${a/\"p\":1.2e-05/\"return\":0.1}"
		echo "${a/\"p\":1.2e-05/\"market\":null,\"excess\":null}"
	} > in
	run --separate-stderr sam-alert --dry-run in
	assert_failure 1
	assert_equal "$stderr" 'sam-alert: in:1: field "return": expected a number, got string
sam-alert: in:2: field "rvol": expected a number, got array
sam-alert: in:3: field "p": expected a number, got true
sam-alert: in:4: field "excess": expected a number, got object
sam-alert: in:5: field "market": invalid market "<!channel>"
sam-alert: in:6: field "market": invalid market "S&P"
sam-alert: in:7: field "market": expected a string, got number
sam-alert: in:8: duplicate field "return"
sam-alert: 8 of 9 input lines rejected'
	assert_equal "$(jq -r '.blocks[1].text.text | split("\n")[1]' <<< "$output")" 'return -8.3%  ·  volume 4.2x usual'
	[[ $output != *'<!channel>'* && $output != *'S&P'* ]]
}

@test "a return under 0.005% reads 0.00%, without a sign; one, or a relative volume, no market makes reads in a few digits" {
	anomaly low | jq -c '.return = -0.00000004 | .excess = 12345.6 | .rvol = 2345678' > in
	run --separate-stderr sam-alert --dry-run in
	assert_success
	assert_equal "$(jq -r '.blocks[1].text.text | split("\n")[1]' <<< "$output")" \
		'return 0.00%  ·  excess +1.2e+06%  ·  volume 2.3e+06x usual'
}
