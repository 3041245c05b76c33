#!/usr/bin/env bats
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
# The outbox: sam-store put --outbox keeps every anomaly it stores in
# ROOT/outbox/ until sam-alert --outbox settles it, so that a put killed
# after its commit, or a reader that died, loses no alert; sam-alert
# settles each one in the commit that records its outcome, journals a
# message the receiver took before that commit, and settles what a
# killed run left half done (sam-store(5), sam-alert(1)).

bats_require_minimum_version 1.5.0

load test_helper
load http

AF=$FIXTURES/alert
ANOMALIES=$AF/anomalies.ndjson	# ACME 2024-01-10 critical, 2024-01-09 medium
A10=ACME:1d:2024-01-10T14:30:00Z
A09=ACME:1d:2024-01-09T14:30:00Z
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

# answer RESPONSE: the receiver answers the webhook with RESPONSE (a
# file of fixtures/alert); BASE counts the requests of the tests before.
answer() {
	echo "^/hooks/ $AF/$1" > routes
	httpd_routes routes
	BASE=$(wc -l < "$HTTPD_LOG")
	export SAM_WEBHOOK_URL=$HTTPD_URL/hooks/B000/SECRETtoken123
}

# The ids in the messages of this test, a line each, in order.
sent_ids() {
	local n i
	n=$(($(wc -l < "$HTTPD_LOG") - BASE))
	for ((i = 1; i <= n; i++)); do
		httpd_body $((BASE + i)) |
			jq -r '.alerts[] | "\(.labels.ticker):\(.labels.interval):\(.startsAt)"'
	done
}

# The ids of FILE's lines (an anomaly's, or a dead letter's), a line each.
ids() {
	jq -r .id "$@"
}

outbox_alert() {
	run --separate-stderr sam-alert -r store --to webhook --rate 100 --outbox "$@"
}

# ---- sam-store put --outbox ----

@test "put --outbox appends the anomalies it stores as new or changed to ROOT/outbox/DATE.ndjson, as stored, and a put of the same input adds none" {
	run --separate-stderr sam-store -r store put --outbox "$ANOMALIES"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(ids <<< "$output")" "$A10"$'\n'"$A09"
	# a day file at a time: ACME's 2024-01-09 before its 2024-01-10
	assert_equal "$(cat "$OUTBOX")" "$(cat store/anomalies/ACME/2024-01-09.ndjson \
		store/anomalies/ACME/2024-01-10.ndjson)"
	run --separate-stderr sam-store -r store put --outbox "$ANOMALIES"
	assert_success
	assert_output ""
	assert_equal "$(ids "$OUTBOX")" "$A09"$'\n'"$A10"
	# a changed record is passed on, and queued, again
	jq -c 'if .id == "'"$A10"'" then .score = 5 else . end' "$ANOMALIES" |
		sam-store -r store put --outbox > changed
	assert_equal "$(ids changed)" "$A10"
	assert_equal "$(ids "$OUTBOX")" "$A09"$'\n'"$A10"$'\n'"$A10"
	assert_equal "$(jq -s 'map(.score)' -c "$OUTBOX")" "[2.7,4.6,5]"
}

@test "put --outbox whose reader died (sam-alert crashed: SIGPIPE) has stored and queued every anomaly; the same put again passes on nothing, and the outbox still has them" {
	sam-fetch --days 60 AAPL MSFT NVDA IBM | sam-zscore | sam-detect > a.ndjson
	n=$(wc -l < a.ndjson)
	[ "$n" -gt 10 ]
	# its standard output a pipe whose reader is gone before it starts
	run python3 -c 'import os, subprocess, sys
r, w = os.pipe()
os.close(r)
print(subprocess.call(sys.argv[1:], stdout=w, stderr=subprocess.DEVNULL))' \
		sam-store -r store put --outbox a.ndjson
	assert_output -13	# SIGPIPE
	run --separate-stderr sam-store -r store put --outbox a.ndjson
	assert_success
	assert_output ""
	assert_equal "$(ids "$OUTBOX" | sort)" "$(ids a.ndjson | sort)"
	assert_equal "$(cat store/anomalies/*/*.ndjson | wc -l)" "$n"
}

@test "put without --outbox, and put --outbox of bars, write no outbox" {
	sam-store -r store put "$ANOMALIES" > /dev/null
	sam-fetch --days 5 AAPL | sam-store -r store put --kind raw --outbox > /dev/null
	[ -d store/anomalies ] && [ -d store/raw ]
	[ ! -e store/outbox ]
}

# ---- sam-alert --outbox ----

@test "sam-alert --outbox delivers the outbox, records each one sent in alerts/ and empties the outbox; a second run sends nothing" {
	answer webhook-200.http
	sam-store -r store put --outbox "$ANOMALIES" > /dev/null
	outbox_alert
	assert_success
	assert_equal "$stderr" ""
	assert_output - <<-EOF
		{"id":"$A09","ticker":"ACME","severity":"medium","result":"sent","to":"webhook","message":1,"attempts":1}
		{"id":"$A10","ticker":"ACME","severity":"critical","result":"sent","to":"webhook","message":1,"attempts":1}
	EOF
	assert_equal "$(sent_ids)" "$A09"$'\n'"$A10"
	assert_equal "$(ids store/alerts/2026-11-25.ndjson)" "$A09"$'\n'"$A10"
	[ ! -e "$OUTBOX" ] && [ ! -e store/outbox/.sent ]
	outbox_alert
	assert_success
	assert_output ""
	assert_equal "$(sent_ids | wc -l)" 2
}

@test "sam-alert --outbox: a message that fails parks its anomalies in dlq/ and takes them out of the outbox, exit 3" {
	answer webhook-400.http
	sam-store -r store put --outbox "$ANOMALIES" > /dev/null
	outbox_alert --retries 0
	assert_failure 3
	assert_equal "$(jq -r .result <<< "$output" | sort -u)" dead
	assert_equal "$(ids store/dlq/2026-11-25.ndjson)" "$A09"$'\n'"$A10"
	[ ! -e "$OUTBOX" ]
	# and the next run finds nothing to do: the dead letters wait for --replay-dlq
	outbox_alert
	assert_success
	assert_output ""
}

@test "sam-alert --outbox: an id in outbox/.sent (a run killed after the receiver took its message, before it recorded so) is settled as sent, recovered, and not sent again" {
	answer webhook-200.http
	sam-store -r store put --outbox "$ANOMALIES" > /dev/null
	echo "$A10" > store/outbox/.sent
	outbox_alert
	assert_success
	assert_output - <<-EOF
		{"id":"$A09","ticker":"ACME","severity":"medium","result":"sent","to":"webhook","message":1,"attempts":1}
		{"id":"$A10","ticker":"ACME","severity":"critical","result":"sent","to":"webhook","message":0,"attempts":0,"recovered":true}
	EOF
	assert_equal "$(sent_ids)" "$A09"
	assert_equal "$(ids store/alerts/2026-11-25.ndjson | sort)" "$A09"$'\n'"$A10"
	[ ! -e "$OUTBOX" ] && [ ! -e store/outbox/.sent ]
}

@test "sam-alert --outbox: a last line of outbox/.sent without its newline (a write cut by a kill) names no id" {
	answer webhook-200.http
	sam-store -r store put --outbox "$ANOMALIES" > /dev/null
	printf '%s' "$A10" > store/outbox/.sent
	outbox_alert
	assert_success
	assert_equal "$(sent_ids)" "$A09"$'\n'"$A10"
}

@test "sam-alert --outbox: an anomaly whose id is parked already (a run killed between the dead-letter file and the outbox) is settled as dead, recovered, and not parked twice" {
	answer webhook-400.http
	sam-store -r store put --outbox "$ANOMALIES" > /dev/null
	cp "$OUTBOX" outbox.before
	outbox_alert --retries 0
	assert_failure 3
	cp outbox.before "$OUTBOX"	# as if the outbox had not been renamed
	answer webhook-200.http
	outbox_alert
	assert_success
	assert_equal "$(jq -c '[.result, .recovered, .dlq]' <<< "$output")" \
		'["dead",true,"2026-11-25"]'$'\n''["dead",true,"2026-11-25"]'
	assert_equal "$(sent_ids)" ""
	assert_equal "$(ids store/dlq/2026-11-25.ndjson)" "$A09"$'\n'"$A10"
	[ ! -e "$OUTBOX" ]
}

@test "sam-alert --outbox: an anomaly alerted already is skipped and leaves the outbox" {
	answer webhook-200.http
	sam-store -r store put "$ANOMALIES" | sam-alert -r store --to webhook > /dev/null
	jq -c '.score = 9' "$ANOMALIES" | sam-store -r store put --outbox > /dev/null
	outbox_alert
	assert_success
	assert_equal "$(jq -r '"\(.result) \(.reason)"' <<< "$output")" \
		"skipped cooldown"$'\n'"skipped cooldown"
	assert_equal "$(sent_ids | wc -l)" 2
	[ ! -e "$OUTBOX" ]
}

@test "sam-alert --outbox --dry-run shows the payloads and leaves the outbox as it is" {
	sam-store -r store put --outbox "$ANOMALIES" > /dev/null
	cp "$OUTBOX" before
	run --separate-stderr sam-alert -r store --to webhook --outbox --dry-run
	assert_success
	assert_equal "$(jq -r '.alerts[].labels.severity' <<< "$output")" "medium"$'\n'"critical"
	cmp before "$OUTBOX"
	[ ! -e store/alerts ]
}

@test "sam-alert --outbox: a line of the outbox that is not an anomaly is reported, stays, and the others go; exit 1" {
	answer webhook-200.http
	sam-store -r store put --outbox "$ANOMALIES" > /dev/null
	echo '{"ticker":"ACME"}' >> "$OUTBOX"
	outbox_alert
	assert_failure 1
	assert_equal "$(jq -r .result <<< "$output")" "sent"$'\n'"sent"
	assert_equal "$(cat "$OUTBOX")" '{"ticker":"ACME"}'
	[[ $stderr == "sam-alert: store/outbox/2026-11-25.ndjson:3: "* ]]
}

@test "sam-alert --outbox takes no files, and not --replay-dlq too" {
	run --separate-stderr sam-alert --outbox a.ndjson
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "sam-alert: --outbox reads the store's outbox, not: a.ndjson"
	run --separate-stderr sam-alert --outbox --replay-dlq
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "sam-alert: --replay-dlq and --outbox: one at a time"
}
