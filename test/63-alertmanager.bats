#!/usr/bin/env bats
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
# sam-alert --to alertmanager: the alerts of Alertmanager's API, first
# against a stand-in (the loopback server answering from
# fixtures/alertmanager), then against the real Alertmanager started on
# loopback, whose own webhook notifications reach the loopback server:
# each anomaly its own alert, its labels, endsAt and generatorURL read
# back through the API, the fingerprint of sam-alert's webhook payload
# the same as Alertmanager's, and a silence made through the API.

bats_require_minimum_version 1.5.0

load test_helper
load http
load alertmanager

ANOMALIES=$FIXTURES/alert/anomalies.ndjson	# ACME critical 2024-01-10, medium 2024-01-09
MIXED=$FIXTURES/alert/mixed.ndjson		# ^GSPC 1h, BRK.B 5m, EURUSD=X 1d
A10=ACME:1d:2024-01-10T14:30:00Z
A09=ACME:1d:2024-01-09T14:30:00Z
SITE=https://sam.example.com/

# ---- helpers ----

# serve 'PATTERN RESPONSE'...: the loopback server answers so, the
# responses named relative to fixtures/alertmanager (or absolute).
serve() {
	routes_from "$AMF" "$@"
}

# am_alerts [FILTER...]: Alertmanager's alerts (matching each label
# FILTER such as ticker="ACME"), sorted by the bar's time.
am_alerts() {
	local args=() f
	for f in "$@"; do
		args+=(--data-urlencode "filter=$f")
	done
	am_get /api/v2/alerts "${args[@]}" | jq -S 'sort_by(.labels.ts)'
}

# The number of notifications Alertmanager sent the receiver.
hooks() {
	httpd_requests '^/hook' | wc -l
}

# hook K: the body of the Kth notification.
hook() {
	httpd_body "$(awk -v k="$1" '$3 ~ /^\/hook/ && ++n == k { print NR }' "$HTTPD_LOG")"
}

# wait_hook FILTER: until a notification comes for which the jq FILTER
# is true, 15 s at most; HOOK is its number.  (A group of alerts whose
# startsAt is older than group_wait is sent at its first alert, so the
# alerts of one post may come in one notification or in two.)
wait_hook() {
	local i k
	for ((i = 0; i < 300; i++)); do
		for ((k = 1; k <= $(hooks); k++)); do
			[ "$(hook "$k" | jq "$1")" = true ] && { HOOK=$k; return 0; }
		done
		sleep 0.05
	done
	echo "no notification with $1 in 15 s; Alertmanager's log:"
	cat am.log
	return 1
}

# alert ARG...: sam-alert to Alertmanager on the store "store".
alert() {
	run --separate-stderr sam-alert -r store --to alertmanager --rate 100 "$@"
}

# sent ID SEVERITY [MESSAGE [ATTEMPTS]]: its result line.
sent() {
	printf '{"id":"%s","ticker":"%s","severity":"%s","result":"sent","to":"alertmanager","message":%s,"attempts":%s}\n' \
		"$1" "${1%%:*}" "$2" "${3:-1}" "${4:-1}"
}

# ---- the alerts, without Alertmanager ----

@test "--dry-run --to alertmanager writes the alerts of Alertmanager's API: labels that name the bar, endsAt --hold after now, generatorURL with a dashboard only" {
	run --separate-stderr sam-alert --dry-run --to alertmanager "$ANOMALIES"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 1
	assert_equal "$(jq -c . <<< "$output")" "$(jq -c . <<-'EOF'
		[{"labels":{"alertname":"StockAnomaly","ticker":"ACME","interval":"1d","ts":"2024-01-10T14:30:00Z","severity":"critical"},
		  "annotations":{"summary":"ACME 1d: volume z +4.60 (critical)",
		    "description":"critical anomaly of ACME, daily bar of Wed 2024-01-10: volume z +4.60, close z +0.30",
		    "metrics":"volume,close","score":"4.6","close":"101.5","volume":"5400000","z_volume":"4.6","z_close":"0.3"},
		  "startsAt":"2024-01-10T14:30:00Z","endsAt":"2026-11-26T21:00:00Z"},
		 {"labels":{"alertname":"StockAnomaly","ticker":"ACME","interval":"1d","ts":"2024-01-09T14:30:00Z","severity":"medium"},
		  "annotations":{"summary":"ACME 1d: close z -2.70 (medium)",
		    "description":"medium anomaly of ACME, daily bar of Tue 2024-01-09: close z -2.70, volume z +2.10",
		    "metrics":"close,volume","score":"2.7","close":"96","volume":"2100000","z_close":"-2.7","z_volume":"2.1"},
		  "startsAt":"2024-01-09T14:30:00Z","endsAt":"2026-11-26T21:00:00Z"}]
	EOF
	)"
	# the hold: --hold, else SAM_ALERT_HOLD, else the cooldown, else 24 h;
	# from the bar's start when that is later than now
	sed -n 1p "$ANOMALIES" | sed 's/2024-01-10T14:30:00Z/2026-11-26T14:30:00Z/g' > later
	local vars opts want got bad=0
	while IFS='|' read -r vars opts want; do
		# shellcheck disable=SC2086 # settings and options split on blanks
		run --separate-stderr env $vars sam-alert --dry-run --to alertmanager $opts "$ANOMALIES" later
		got=$(jq -r '[.[].endsAt] | join(" ")' <<< "$output")
		[ "$status" = 0 ] && [ "$got" = "${want# }" ] ||
			{ echo "$vars|$opts: exit $status, endsAt $got, not${want}: $stderr"; bad=1; }
	done <<-'EOF'
		 | | 2026-11-26T21:00:00Z 2026-11-26T21:00:00Z 2026-11-27T14:30:00Z
		 | --hold 2h | 2026-11-25T23:00:00Z 2026-11-25T23:00:00Z 2026-11-26T16:30:00Z
		SAM_ALERT_HOLD=90m | | 2026-11-25T22:30:00Z 2026-11-25T22:30:00Z 2026-11-26T16:00:00Z
		SAM_ALERT_HOLD=90m | --hold 1d | 2026-11-26T21:00:00Z 2026-11-26T21:00:00Z 2026-11-27T14:30:00Z
		 | --cooldown 6h | 2026-11-26T03:00:00Z 2026-11-26T03:00:00Z 2026-11-26T20:30:00Z
		SAM_COOLDOWN=0 | | 2026-11-26T21:00:00Z 2026-11-26T21:00:00Z 2026-11-27T14:30:00Z
	EOF
	[ "$bad" = 0 ]
	# the ticker's page with a dashboard (a market event's: its series')
	jq -c 'select(.severity == "critical") | .ticker = "MARKET" | .market = "SPY" |
		.event = "market" | .id = "MARKET:1d:2024-01-10T14:30:00Z"' "$ANOMALIES" > market
	run --separate-stderr sam-alert --dry-run --to alertmanager --dashboard-url "$SITE" "$MIXED" market
	assert_success
	assert_equal "$(jq -r '.[] | .generatorURL + " " + .annotations.dashboard' <<< "$output")" \
		"${SITE}ticker/%5EGSPC.html ${SITE}ticker/%5EGSPC.html
${SITE}ticker/BRK.B.html ${SITE}ticker/BRK.B.html
${SITE}ticker/EURUSD%3DX.html ${SITE}ticker/EURUSD%3DX.html
${SITE}ticker/SPY.html ${SITE}ticker/SPY.html"
	# every label name as Alertmanager wants them, every value a string
	assert_equal "$(jq -r '[.[].labels | keys[] | test("^[a-zA-Z_][a-zA-Z0-9_]*$")] | all' <<< "$output")" true
	assert_equal "$(jq -c '[.[] | (.labels, .annotations) | .[] | type] | unique' <<< "$output")" '["string"]'
}

# ---- a stand-in for Alertmanager ----

@test "the address: SAM_ALERTMANAGER_URL or --url-file, completed with /api/v2/alerts; plain http only to loopback" {
	serve '^/ ok.http'
	sed -n 1p "$ANOMALIES" > one
	local url n=0
	for url in "$HTTPD_URL" "$HTTPD_URL/" "$HTTPD_URL/am/" "$HTTPD_URL/am/api/v2/alerts" \
		"$HTTPD_URL/am/api/v2/alerts/" "$HTTPD_URL/am?x=1"; do
		n=$((n + 1))
		SAM_ALERTMANAGER_URL=$url alert -r "s$n" one
		assert_success
		assert_output "$(sent "$A10" critical)"
	done
	( umask 077 && echo "$HTTPD_URL/file" > am-url )
	alert -r s7 --url-file am-url one
	assert_success
	assert_equal "$(httpd_requests)" '/api/v2/alerts
/api/v2/alerts
/am/api/v2/alerts
/am/api/v2/alerts
/am/api/v2/alerts
/am/api/v2/alerts?x=1
/file/api/v2/alerts'
	assert_equal "$(httpd_header 1 Content-Type)" 'application/json; charset=utf-8'
	assert_equal "$(httpd_body 1 | jq -c '[type, length, .[0].labels.ts]')" '["array",1,"2024-01-10T14:30:00Z"]'
	# no address, or plain http elsewhere
	error_table <<-EOF
		2 | - | sam-alert --to alertmanager one | sam-alert: no address to send to: set SAM_ALERTMANAGER_URL, or give --url-file (or --dry-run)
		2 | - | SAM_ALERTMANAGER_URL=http://10.0.0.1:9093 sam-alert --to alertmanager one | sam-alert: SAM_ALERTMANAGER_URL: the Alertmanager's address is plain http to a host that is not loopback (use https, or --allow-http)
		2 | - | SAM_ALERT_TO=alertmanager SAM_WEBHOOK_URL=$HTTPD_URL sam-alert one | sam-alert: no address to send to: set SAM_ALERTMANAGER_URL, or give --url-file (or --dry-run)
	EOF
}

@test "a refused post is a dead letter with Alertmanager's reason in full, scrubbed of the address's password; a 503 is tried again" {
	local reason='HTTP 400 "\"start time must be before end time; invalid label set: invalid name \\\"1ticker\\\"\""'
	serve '^/refused/ refused.http' '^/echo/ refused-echo.http' '^/busy/ busy.http ok.http'
	SAM_ALERTMANAGER_URL=$HTTPD_URL/refused alert "$ANOMALIES"
	assert_failure 3
	assert_equal "$stderr" "sam-alert: message 1 (2 anomalies): $reason: 2 dead letters in store/dlq/2026-11-25.ndjson"
	assert_equal "$(jq -r '.error' <<< "$output" | sort -u)" "$reason"
	assert_equal "$(jq -r '.id + " " + .to + " " + (.attempts | tostring)' store/dlq/2026-11-25.ndjson)" \
		"$A10 alertmanager 1
$A09 alertmanager 1"
	assert_equal "$(jq -r .error store/dlq/2026-11-25.ndjson | sort -u)" "$reason"
	# a proxy in front that echoes the request: its path is shown,
	# Alertmanager's API's, its password never
	SAM_ALERTMANAGER_URL=http://sam:Pa55word4AM@127.0.0.1:$HTTPD_PORT/echo alert -r s2 "$ANOMALIES"
	assert_failure 3
	assert_equal "$stderr" 'sam-alert: message 1 (2 anomalies): HTTP 400 "refused /echo/api/v2/alerts from Basic REDACTED": 2 dead letters in s2/dlq/2026-11-25.ndjson'
	! grep -r -q -e Pa55word4AM -e "$(printf sam:Pa55word4AM | base64)" s2
	# an answer longer than 1000 characters is cut there
	{ printf '400 Bad Request\nContent-Type: text/plain\n\n'; printf 'x%.0s' {1..1500}; } > long.http
	serve "^/ $PWD/long.http"
	SAM_ALERTMANAGER_URL=$HTTPD_URL alert -r s3 "$ANOMALIES"
	assert_failure 3
	assert_equal "$(jq -r '.error' <<< "$output" | sort -u)" "HTTP 400 \"$(printf 'x%.0s' {1..1000})...\""
	# 503, then taken
	serve '^/ busy.http ok.http'
	SAM_ALERTMANAGER_URL=$HTTPD_URL alert -r s4 "$ANOMALIES"
	assert_success
	assert_equal "$stderr" 'sam-alert: warning: message 1 (2 anomalies): HTTP 503 "busy", retrying in 1 s (attempt 2 of 3)'
	assert_output "$(sent "$A10" critical 1 2; sent "$A09" medium 1 2)"
}

# ---- the real Alertmanager ----

@test "Alertmanager keeps each anomaly as its own alert: its labels, endsAt --hold after sending, generatorURL the ticker's page, the webhook's fingerprint" {
	serve "^/hook $FIXTURES/alert/webhook-200.http"
	am_start
	now
	export SAM_ALERTMANAGER_URL=$AM_URL
	alert --hold 2h --dashboard-url "$SITE" "$ANOMALIES" "$MIXED"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(sent "$A10" critical; sent "$A09" medium
		sent '^GSPC:1h:2024-07-10T13:30:00Z' high; sent BRK.B:5m:2024-01-10T20:55:00Z low
		sent EURUSD=X:1d:2024-03-11T13:30:00Z critical)"
	am_alerts > alerts.json
	local ends
	ends=$(date -u -d "@$((NOW_S + 7200))" +%FT%T.000Z)
	# five alerts, the two of ACME apart
	assert_equal "$(jq -r --arg ends "$ends" '.[] | [.labels.ticker, .labels.interval, .labels.ts,
		.labels.severity, .labels.alertname, .startsAt, .endsAt == $ends, .generatorURL,
		.status.state, (.labels | keys | join(","))] | @tsv' alerts.json)" \
		"ACME	1d	2024-01-09T14:30:00Z	medium	StockAnomaly	2024-01-09T14:30:00.000Z	true	${SITE}ticker/ACME.html	active	alertname,interval,severity,ticker,ts
ACME	1d	2024-01-10T14:30:00Z	critical	StockAnomaly	2024-01-10T14:30:00.000Z	true	${SITE}ticker/ACME.html	active	alertname,interval,severity,ticker,ts
BRK.B	5m	2024-01-10T20:55:00Z	low	StockAnomaly	2024-01-10T20:55:00.000Z	true	${SITE}ticker/BRK.B.html	active	alertname,interval,severity,ticker,ts
EURUSD=X	1d	2024-03-11T13:30:00Z	critical	StockAnomaly	2024-03-11T13:30:00.000Z	true	${SITE}ticker/EURUSD%3DX.html	active	alertname,interval,severity,ticker,ts
^GSPC	1h	2024-07-10T13:30:00Z	high	StockAnomaly	2024-07-10T13:30:00.000Z	true	${SITE}ticker/%5EGSPC.html	active	alertname,interval,severity,ticker,ts"
	# the annotations as posted
	run --separate-stderr sam-alert --dry-run --to alertmanager --dashboard-url "$SITE" "$ANOMALIES" "$MIXED"
	assert_equal "$(jq -S -c '.[].annotations' alerts.json)" \
		"$(jq -S -c 'sort_by(.labels.ts)[] | .annotations' <<< "$output")"
	# Alertmanager's fingerprints are those of sam-alert's webhook payload
	run --separate-stderr sam-alert --dry-run --to webhook --batch 5 "$ANOMALIES" "$MIXED"
	assert_equal "$(jq -r '.[].fingerprint' alerts.json)" \
		"$(jq -r '.alerts | sort_by(.labels.ts)[] | .fingerprint' <<< "$output")"
	assert_equal "$(jq -r '.[].fingerprint' alerts.json | sort -u | wc -l)" 5
	# sent again within the cooldown: skipped, nothing posted
	alert "$ANOMALIES"
	assert_success
	assert_equal "$(jq -r .reason <<< "$output")" 'cooldown
cooldown'
	assert_equal "$(am_alerts | jq length)" 5
}

@test "Alertmanager's own webhook notification reaches the loopback receiver: the alerts as sam-alert --to webhook writes them" {
	serve "^/hook $FIXTURES/alert/webhook-200.http"
	am_start
	now
	SAM_ALERTMANAGER_URL=$AM_URL alert --dashboard-url "$SITE" "$ANOMALIES"
	assert_success
	wait_hook '.alerts | length == 2'
	hook "$HOOK" > notified.json
	assert_equal "$(jq -r '[.receiver, .status, .groupKey, (.alerts | length)] | @tsv' notified.json)" \
		'hook	firing	{}:{alertname="StockAnomaly"}	2'
	# the same as sam-alert's own webhook payload, but for the names of
	# the receiver and of Alertmanager
	run --separate-stderr sam-alert --dry-run --to webhook --dashboard-url "$SITE" "$ANOMALIES"
	assert_success
	assert_equal "$(jq -S -c 'del(.receiver, .externalURL) | .alerts |= sort_by(.labels.ts)' notified.json)" \
		"$(jq -S -c 'del(.receiver, .externalURL) | .alerts |= sort_by(.labels.ts)' <<< "$output")"
	assert_equal "$(jq -r '.alerts[] | .labels.ts + " " + .fingerprint' notified.json | sort)" \
		'2024-01-09T14:30:00Z ea4f604ac78a6a16
2024-01-10T14:30:00Z 24315a2db5e434ce'
}

@test "a silence created through Alertmanager's API suppresses the next anomaly of its ticker" {
	serve "^/hook $FIXTURES/alert/webhook-200.http"
	am_start
	now
	export SAM_ALERTMANAGER_URL=$AM_URL
	alert "$ANOMALIES"
	assert_success
	wait_hook '[.alerts[].labels.ticker] == ["ACME", "ACME"]'
	# ACME silenced for an hour
	local silence
	silence=$(jq -n -c --arg from "$SAM_NOW" --arg to "$(date -u -d "@$((NOW_S + 3600))" +%FT%TZ)" \
		'{matchers: [{name: "ticker", value: "ACME", isRegex: false, isEqual: true}],
		  startsAt: $from, endsAt: $to, createdBy: "63-alertmanager.bats", comment: "known"}' |
		curl -s -f -m 5 -X POST -H 'Content-Type: application/json' --data-binary @- \
			"$AM_URL/api/v2/silences" | jq -r .silenceID)
	[[ $silence =~ ^[0-9a-f-]{36}$ ]]
	# the next ACME anomaly and one of BRK.B, in one post, ACME first
	{ sed -n 1p "$ANOMALIES" | sed 's/2024-01-10/2024-01-11/g'; sed -n 2p "$MIXED"; } > next
	alert next
	assert_success
	assert_output "$(sent ACME:1d:2024-01-11T14:30:00Z critical; sent BRK.B:5m:2024-01-10T20:55:00Z low)"
	# the group's next notification has BRK.B alone, and none the new ACME
	wait_hook 'any(.alerts[]; .labels.ticker == "BRK.B")'
	assert_equal "$(hook "$HOOK" | jq -r '[.alerts[].labels | .ticker + " " + .ts] | join(", ")')" \
		'BRK.B 2024-01-10T20:55:00Z'
	local k
	for ((k = 1; k <= $(hooks); k++)); do
		assert_equal "$(hook "$k" | jq 'any(.alerts[]; .labels.ts == "2024-01-11T14:30:00Z")')" false
	done
	# and Alertmanager holds the new one, suppressed by that silence
	assert_equal "$(am_alerts 'ticker="ACME"' | jq -r --arg id "$silence" \
		'.[] | [.labels.ts, .status.state, .status.silencedBy == [$id]] | @tsv')" \
		"2024-01-09T14:30:00Z	suppressed	true
2024-01-10T14:30:00Z	suppressed	true
2024-01-11T14:30:00Z	suppressed	true"
	assert_equal "$(am_alerts 'ticker="BRK.B"' | jq -r '.[].status.state')" active
}

@test "an escalation is another alert in Alertmanager, and the alert it escalates is resolved at once" {
	serve "^/hook $FIXTURES/alert/webhook-200.http"
	am_start
	now
	export SAM_ALERTMANAGER_URL=$AM_URL
	sed -n 2p "$ANOMALIES" > medium
	sed 's/"medium"/"critical"/' medium > critical
	alert medium
	assert_success
	assert_equal "$(am_alerts | jq -r '.[] | .labels.severity + " " + .status.state')" 'medium active'
	# the same bar graded critical: the medium alert ends now
	run --separate-stderr sam-alert -r store --dry-run --to alertmanager critical
	assert_success
	assert_equal "$(jq -r --arg now "$SAM_NOW" '.[] | [.labels.severity, .annotations.summary, .endsAt == $now] | @tsv' <<< "$output")" \
		"critical	ACME 1d: close z -2.70 (critical, escalated from medium)	false
medium	ACME 1d: escalated from medium to critical	true"
	alert critical
	assert_success
	assert_equal "$(jq -c '[.result, .escalation, .previous_severity]' <<< "$output")" '["sent",true,"medium"]'
	assert_equal "$(am_alerts | jq -r '.[] | .labels.severity + " " + .status.state')" 'critical active'
}

@test "Alertmanager's API refuses the webhook payload with HTTP 400: the dead letters say why, in its words" {
	serve "^/hook $FIXTURES/alert/webhook-200.http"
	am_start
	now
	SAM_WEBHOOK_URL=$AM_URL/api/v2/alerts run --separate-stderr sam-alert -r store --to webhook "$ANOMALIES"
	assert_failure 3
	# the webhook's path is its secret: "alerts" goes
	local reason='HTTP 400 "{\"code\":400,\"message\":\"parsing REDACTED body from \\\"\\\" failed, because json: cannot unmarshal object into Go value of type models.PostableAlerts\"}"'
	assert_equal "$stderr" "sam-alert: message 1 (2 anomalies): $reason: 2 dead letters in store/dlq/$NOW_DAY.ndjson"
	# replayed to its API, they are taken
	SAM_ALERTMANAGER_URL=$AM_URL alert --replay-dlq
	assert_success
	assert_output "$(sent "$A10" critical; sent "$A09" medium)"
	[ ! -e "store/dlq/$NOW_DAY.ndjson" ]
	assert_equal "$(am_alerts | jq -r '.[].labels.ts')" '2024-01-09T14:30:00Z
2024-01-10T14:30:00Z'
}

@test "dead letters of an Alertmanager that is down are replayed to it, and the outbox is delivered to it" {
	serve "^/hook $FIXTURES/alert/webhook-200.http"
	am_start
	now
	local day=$NOW_DAY
	SAM_ALERTMANAGER_URL=http://127.0.0.1:$(closed_port) alert --retries 0 "$ANOMALIES"
	assert_failure 3
	assert_equal "$(jq -r '.result + " " + .to' <<< "$output")" 'dead alertmanager
dead alertmanager'
	assert_equal "$(wc -l < "store/dlq/$day.ndjson")" 2
	export SAM_ALERTMANAGER_URL=$AM_URL
	alert --replay-dlq
	assert_success
	assert_output "$(sent "$A10" critical; sent "$A09" medium)"
	[ ! -e "store/dlq/$day.ndjson" ]
	# the outbox sam-store put --outbox fills
	sam-store -r store put --outbox "$MIXED" > /dev/null
	alert --outbox
	assert_success
	assert_equal "$(jq -r '.result + " " + .ticker' <<< "$output")" 'sent BRK.B
sent EURUSD=X
sent ^GSPC'
	assert_equal "$(am_alerts | jq -r '[.[].labels.ticker] | join(" ")')" 'ACME ACME BRK.B EURUSD=X ^GSPC'
	assert_equal "$(jq -r '.to' "store/alerts/$day.ndjson" | sort | uniq -c | awk '{ print $1, $2 }')" '5 alertmanager'
}
