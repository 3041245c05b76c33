#!/usr/bin/env bats
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
# sam-alert --notice: one notice about the job, read as one JSON object,
# sent once to Slack, to a webhook (Alertmanager's payload) and to the
# real Alertmanager on loopback, the loopback server (test/http.bash)
# catching the requests; bad notices, a failed delivery, --dry-run,
# markup that must not reach Slack as markup.  The notice and the exact
# bodies it makes are in fixtures/notice.

bats_require_minimum_version 1.5.0

load test_helper
load http
load alertmanager

NF=$FIXTURES/notice
NOTICE=$NF/run_failed.json
SECRET=SECRETtoken123

# serve 'PATTERN RESPONSE'...: the loopback server answers so (responses
# relative to fixtures/, or absolute); the three addresses point at it.
serve() {
	routes_from "$FIXTURES" "$@"
	export SAM_SLACK_WEBHOOK=$HTTPD_URL/services/T000/B000/$SECRET
	export SAM_WEBHOOK_URL=$HTTPD_URL/hooks/B000/$SECRET
	export SAM_ALERTMANAGER_URL=$HTTPD_URL/am
}

# want TARGET: the body fixtures/notice has for the notice to TARGET.
want() {
	sed "s/@VERSION@/$(sam-alert --version | cut -d' ' -f2)/" "$NF/$1.json"
}

# result RESULT TO ATTEMPTS [ERROR]: the result line of the notice.
result() {
	printf '{"notice":"run_failed","ts":"2026-12-06T15:30:00Z","result":"%s","to":"%s","attempts":%s%s}\n' \
		"$1" "$2" "$3" "${4:+,\"error\":$(jq -R . <<< "$4")}"
}

@test "a notice to Slack: the summary marked, the detail in a code block, the event, host, unit and time in a context; no store" {
	serve '^/services/ alert/slack-ok.http'
	export SAM_STORE=$PWD/none/store
	run --separate-stderr sam-alert --notice < "$NOTICE"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(result sent slack 1)"
	assert_equal "$(httpd_requests)" /services/T000/B000/$SECRET
	assert_equal "$(httpd_body 1)" "$(want slack)"
	assert_equal "$(httpd_header 1 Content-Type)" 'application/json; charset=utf-8'
	[ ! -e none ]
	# what --dry-run shows is what was sent, and needs no address
	run --separate-stderr env -u SAM_SLACK_WEBHOOK sam-alert --notice --dry-run "$NOTICE"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(want slack)"
	assert_equal "$(httpd_requests | wc -l)" 1
}

@test "a notice to a webhook: Alertmanager's payload with one SamJobNotice alert, its labels, annotations and fingerprint" {
	serve '^/hooks/ alert/webhook-200.http'
	run --separate-stderr sam-alert --notice --to webhook -r "$PWD/none" "$NOTICE"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(result sent webhook 1)"
	assert_equal "$(httpd_body 1)" "$(want webhook)"
	[ ! -e none ]
	# the fingerprint is Alertmanager's: FNV-1a of the sorted labels
	assert_equal "$(httpd_body 1 | jq -r '.alerts[0].fingerprint')" 879667479f3ca15a
	# one notice of each event, each its own alert; without ts, now
	local e
	for e in run_failed run_missing unit_failed dead_letters_dropping; do
		printf '{"event":"%s","summary":"s","host":"h"}' "$e" |
			sam-alert --notice --dry-run --to webhook | jq -r '.alerts[0] | [.labels.event, .startsAt, .fingerprint] | @tsv'
	done > each
	assert_equal "$(cut -f1,2 each)" 'run_failed	2026-11-25T21:00:00Z
run_missing	2026-11-25T21:00:00Z
unit_failed	2026-11-25T21:00:00Z
dead_letters_dropping	2026-11-25T21:00:00Z'
	assert_equal "$(cut -f3 each | sort -u | wc -l)" 4
}

@test "a notice to the real Alertmanager: one alert, read back through its API, endsAt --hold after its time, the webhook's fingerprint" {
	serve "^/hook alert/webhook-200.http"
	am_start
	now
	SAM_ALERTMANAGER_URL=$AM_URL run --separate-stderr sam-alert --notice --to alertmanager --hold 2h <<-'EOF'
		{"event":"unit_failed","summary":"sam-hourly.service failed",
		 "detail":"Main process exited, code=exited, status=3",
		 "host":"sam1","unit":"sam-hourly.service"}
	EOF
	assert_success
	assert_equal "$stderr" ""
	assert_output "{\"notice\":\"unit_failed\",\"ts\":\"$SAM_NOW\",\"result\":\"sent\",\"to\":\"alertmanager\",\"attempts\":1}"
	am_get /api/v2/alerts --data-urlencode 'filter=alertname="SamJobNotice"' > alerts.json
	assert_equal "$(jq -c '[.[] | [.labels, .annotations, .startsAt, .endsAt, .status.state]]' alerts.json)" \
		"$(jq -n -c --arg starts "${SAM_NOW%Z}.000Z" --arg ends "$(date -u -d "@$((NOW_S + 7200))" +%FT%T.000Z)" \
		'[[{"alertname":"SamJobNotice","event":"unit_failed","host":"sam1","severity":"critical","unit":"sam-hourly.service"},
		   {"description":"Main process exited, code=exited, status=3","summary":"sam-hourly.service failed"},
		   $starts, $ends, "active"]]')"
	# the fingerprint sam-alert's webhook payload gives the same notice
	run --separate-stderr sam-alert --notice --dry-run --to webhook <<-'EOF'
		{"event":"unit_failed","summary":"another summary","host":"sam1","unit":"sam-hourly.service"}
	EOF
	assert_equal "$(jq -r '.[0].fingerprint' alerts.json)" "$(jq -r '.alerts[0].fingerprint' <<< "$output")"
}

@test "--dry-run --to alertmanager: the alert of Alertmanager's API, endsAt --hold (or SAM_ALERT_HOLD, the cooldown, 24h) after ts" {
	run --separate-stderr sam-alert --notice --dry-run --to alertmanager "$NOTICE"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(want alertmanager)"
	local vars opts want got bad=0
	while IFS='|' read -r vars opts want; do
		# shellcheck disable=SC2086 # settings and options split on blanks
		got=$(env $vars sam-alert --notice --dry-run --to alertmanager $opts "$NOTICE" | jq -r '.[0].endsAt')
		[ "$got" = "${want# }" ] || { echo "$vars|$opts: endsAt $got, not$want"; bad=1; }
	done <<-'EOF'
		 | --hold 2h | 2026-12-06T17:30:00Z
		SAM_ALERT_HOLD=90m | | 2026-12-06T17:00:00Z
		 | --cooldown 6h | 2026-12-06T21:30:00Z
		SAM_COOLDOWN=0 | | 2026-12-07T15:30:00Z
	EOF
	[ "$bad" = 0 ]
	# with a dashboard: its address is generatorURL (and externalURL)
	run --separate-stderr sam-alert --notice --dry-run --to alertmanager --dashboard-url https://sam.example.com/ "$NOTICE"
	assert_equal "$(jq -r '.[0].generatorURL' <<< "$output")" https://sam.example.com/
	# without host, the machine's name
	run --separate-stderr sam-alert --notice --dry-run --to alertmanager <<< '{"event":"run_missing","summary":"no run at 10:30"}'
	assert_success
	assert_equal "$(jq -c '.[0].labels' <<< "$output")" \
		"{\"alertname\":\"SamJobNotice\",\"event\":\"run_missing\",\"severity\":\"critical\",\"host\":\"$(hostname)\"}"
}

@test "markup in a notice is escaped for Slack; its summary is one line of at most 200 characters" {
	local long
	long=$(printf 'x%.0s' {1..250})
	printf '%s\n' '{"event":"dead_letters_dropping","summary":"<!channel> 3 <https://evil.example|letters> & *more*\ndropped","detail":"<@U123> `x` & </pre>","host":"<b>","unit":"a&b"}' > markup
	run --separate-stderr sam-alert --notice --dry-run markup
	assert_success
	assert_equal "$(jq -r '.text, (.blocks[] | .text.text // .elements[0].text)' <<< "$output")" \
		":rotating_light: sam: &lt;!channel&gt; 3 &lt;https://evil.example|letters&gt; &amp; *more* dropped
:rotating_light: sam: &lt;!channel&gt; 3 &lt;https://evil.example|letters&gt; &amp; *more* dropped
\`\`\`&lt;@U123&gt; \`x\` &amp; &lt;/pre&gt;\`\`\`
dead_letters_dropping · host &lt;b&gt; · unit a&amp;b · 2026-11-25T21:00:00Z · sam-alert $(sam-alert --version | cut -d' ' -f2)"
	# the webhook takes the text as it is, in JSON
	run --separate-stderr sam-alert --notice --dry-run --to webhook markup
	assert_equal "$(jq -r '.alerts[0].annotations.summary, .alerts[0].labels.host' <<< "$output")" \
		'<!channel> 3 <https://evil.example|letters> & *more* dropped
<b>'
	# a long summary is cut, blanks around it dropped
	printf '{"event":"run_failed","summary":"  %s  "}' "$long" > long
	run --separate-stderr sam-alert --notice --dry-run --to webhook long
	assert_equal "$(jq -r '.alerts[0].annotations.summary' <<< "$output")" "${long:0:200}..."
}

@test "a notice that cannot be delivered: the usual retries, exit 3 with the reason, a failed result line, no dead letter" {
	serve '^/services/ alert/slack-500.http' '^/hooks/ alert/webhook-400.http'
	local t0=${EPOCHREALTIME/./}
	run --separate-stderr sam-alert --notice -r store "$NOTICE"
	assert_failure 3
	assert_equal "$stderr" 'sam-alert: warning: notice run_failed: HTTP 500 "rollup_error", retrying in 1 s (attempt 2 of 3)
sam-alert: warning: notice run_failed: HTTP 500 "rollup_error", retrying in 2 s (attempt 3 of 3)
sam-alert: notice run_failed: HTTP 500 "rollup_error" after 3 attempts: not delivered (a notice is not kept as a dead letter)'
	assert_output "$(result failed slack 3 'HTTP 500 "rollup_error"')"
	assert_equal "$(httpd_requests | wc -l)" 3
	[ $(((${EPOCHREALTIME/./} - t0) / 1000)) -ge 2900 ]
	[ ! -e store ]
	# a final answer: one attempt
	local reason='HTTP 400 "{\"error\":\"unknown field \\\"truncatedAlerts\\\"\"}"'
	run --separate-stderr sam-alert --notice --to webhook "$NOTICE"
	assert_failure 3
	assert_equal "$stderr" "sam-alert: notice run_failed: $reason: not delivered (a notice is not kept as a dead letter)"
	assert_output "$(result failed webhook 1 "$reason")"
	assert_equal "$(httpd_requests | wc -l)" 4
	[[ $output$stderr != *"$SECRET"* && $output$stderr != *B000* ]]
}

@test "a bad notice is reported by file and line, exit 1, and nothing is sent; a bad use of --notice exit 2" {
	# nothing listens there: a notice sent would exit 3
	export SAM_SLACK_WEBHOOK=http://127.0.0.1:9/services/T000/B000/$SECRET
	USAGE=$(usage_of sam-alert)
	printf '{"event":"run_failed","summary":"a"}\n{"event":"run_failed","summary":"b"}\n' > two
	printf '{\n  "event": "run_failed",\n  "summary": "a",\n  "ts": "yesterday"\n}\n' > pretty
	printf '{\n  "event": "run_failed",\n  "summary": "a" \n  "host": "h"\n}\n' > broken
	while IFS=' ' read -r name json; do
		printf '%s\n' "$json" > "$name"
	done <<-'EOF'
		ok {"event":"run_failed","summary":"a"}
		nosummary {"event":"run_failed","detail":"d"}
		blank {"event":"run_failed","summary":" \n "}
		array {"event":"run_failed","summary":["a"]}
		unknown {"event":"run_exploded","summary":"a"}
		noevent {"summary":"a"}
		twice {"event":"run_failed","event":"unit_failed","summary":"a"}
		text run failed
		cut {"event":"run_failed",
		host {"event":"run_failed","summary":"a","host":"a\nb"}
		unit {"event":"run_failed","summary":"a","unit":""}
	EOF
	error_table <<-'EOF'
		1 | - | sam-alert --notice < nosummary | sam-alert: -:1: missing field "summary"
		1 | - | sam-alert --notice blank | sam-alert: blank:1: field "summary": empty
		1 | - | sam-alert --notice array | sam-alert: array:1: field "summary": expected a string, got array
		1 | - | sam-alert --notice unknown | sam-alert: unknown:1: field "event": not run_failed, run_missing, unit_failed or dead_letters_dropping: "run_exploded"
		1 | - | sam-alert --notice noevent | sam-alert: noevent:1: missing field "event"
		1 | - | sam-alert --notice twice | sam-alert: twice:1: field "event" comes twice
		1 | - | sam-alert --notice text | sam-alert: text:1: not a JSON object
		1 | - | sam-alert --notice cut | sam-alert: cut:1: invalid JSON: the object ends too soon
		1 | - | sam-alert --notice two | sam-alert: two:2: a second JSON object: a notice is one object
		1 | - | sam-alert --notice < /dev/null | sam-alert: -: no notice: the input is empty
		1 | - | sam-alert --notice pretty | sam-alert: pretty:4: field "ts": invalid timestamp "yesterday"
		1 | - | sam-alert --notice broken | sam-alert: broken:4: invalid JSON at byte 3: expected ',' or '}'
		1 | - | sam-alert --notice host | sam-alert: host:1: field "host": not a name of 1 to 255 bytes without control characters
		1 | - | sam-alert --notice unit | sam-alert: unit:1: field "unit": not a name of 1 to 255 bytes without control characters
		1 | - | SAM_MAX_LINE=20 sam-alert --notice ok | sam-alert: ok: more than 20 bytes: a notice is one JSON object
		3 | - | sam-alert --notice missing | sam-alert: fatal: unable to open missing: No such file or directory
		2 | + | sam-alert --notice ok two | sam-alert: --notice reads one notice, from one file or standard input, not also: two
		2 | + | sam-alert --notice --outbox | sam-alert: --notice and --outbox: one at a time
		2 | + | sam-alert --notice --replay-dlq ok | sam-alert: --notice and --replay-dlq: one at a time
		2 | - | SAM_SLACK_WEBHOOK= sam-alert --notice ok | sam-alert: no address to send to: set SAM_SLACK_WEBHOOK, or give --url-file (or --dry-run)
	EOF
	# in a JSON log, the file and the line
	run --separate-stderr sam-alert --notice --log-format json pretty
	assert_failure 1
	assert_equal "$(jq -c 'del(.ts)' <<< "$stderr")" \
		'{"level":"error","tool":"sam-alert","msg":"field \"ts\": invalid timestamp \"yesterday\"","file":"pretty","line":4}'
}
