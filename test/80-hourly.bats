#!/usr/bin/env bats
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
# sam-hourly, the hourly job (cron/sam-hourly): the NYSE gate at New
# York times; a run on the mock source into a store here, alerting a
# loopback Slack receiver (test/http.bash); the same slot again; failing
# stages; the lock; the configuration and its errors; per-ticker
# thresholds; --backfill; the runs not due and the site's health; the
# daily prune; JSON logs; the crontab line and the systemd timer.
# Every run takes its clock from --at, so every record is exact.

bats_require_minimum_version 1.5.0

load test_helper
load http
load hourly

HF=$FIXTURES/hourly
# The secret part of the webhook's address, never to be shown.
SECRET=SECRETtoken123
DAY=2026-11-25		# a Wednesday; 10:30 New York is 15:30Z
AT=2026-11-25T10:30	# a due slot

# One receiver for the file: each test gives it its routes (receive)
# and reads only its own requests from the log.
setup_file() {
	httpd_file_start
}

teardown_file() {
	httpd_file_stop
}

# ---- helpers ----

# conf [KEY=VALUE | -KEY | LINE]...: writes sam.env: the base settings
# (AAPL, MSFT and IBM on 40 days of the mock source, a 30-bar window,
# the store in store/ and the site in site/, five lines) with KEY=VALUE
# in place of KEY's base line, -KEY's left out, and every argument but
# the -KEYs added at the end, in order.
conf() {
	local base=("${HOURLY_BASE[@]}" SAM_FETCH_DAYS=40 SAM_WINDOW=30)
	sam_env base "$@"
}

# receive RESPONSE: the receiver answers every message to Slack's
# address with RESPONSE (a file of fixtures/hourly), slack-url (chmod
# 600) holds the address, and BASE counts the requests of the tests before.
receive() {
	echo "^/services/ $HF/$1" > routes
	httpd_routes routes
	BASE=$(wc -l < "$HTTPD_LOG")
	echo "$HTTPD_URL/services/T000/B000/$SECRET" > slack-url
	chmod 600 slack-url
}

# The log lines of this test's requests.
logged() {
	tail -n +$((${BASE:-0} + 1)) "$HTTPD_LOG"
}

# The anomalies in the Slack messages of this test, "TICKER DATE" a
# line, sorted: a section of a message is an anomaly.
alerted_anomalies() {
	local n i
	n=$(logged | wc -l)
	for ((i = 1; i <= n; i++)); do
		httpd_body $((BASE + i)) | jq -r '.blocks[] | select(.type == "section") | .text.text' |
			sed -n 's/.*`\([A-Z0-9.^=_-]*\)`.* bar of [A-Z][a-z]* \([0-9-]*\).*/\1 \2/p'
	done | sort
}

# The anomalies in the store, "TICKER DATE" a line, sorted; and their ids.
stored_anomalies() {
	cat store/anomalies/*/*.ndjson 2> /dev/null | jq -r '"\(.ticker) \(.date)"' | sort
}

stored_ids() {
	cat store/anomalies/*/*.ndjson 2> /dev/null | jq -r .id | sort
}

# record N [DATE]: the Nth run record of DATE ($DAY).
record() {
	sed -n "${1}p" "store/runs/${2:-$DAY}.ndjson"
}

# is_record N [DATE] <<< JSON: the Nth record of DATE is exactly JSON
# (keys in this order) with two fields added: after "end", the record's
# own "duration_s" (a whole number, 0 to 60), and at the end "host",
# this machine's name.
is_record() {
	local got want d
	got=$(record "$@")
	d=$(jq -r .duration_s <<< "$got")
	[[ $d =~ ^[0-9]+$ ]] && [ "$d" -le 60 ] || { echo "duration_s: $d"; return 1; }
	want=$(jq -c --argjson d "$d" --arg host "$(hostname 2> /dev/null || echo unknown)" '
		to_entries | map(if .key == "end" then ., {key: "duration_s", value: $d} else . end)
		| from_entries + {host: $host}')
	assert_equal "$got" "$want"
}

# runs [DATE]: how many run records DATE ($DAY) has.
runs() {
	if [ -f "store/runs/${1:-$DAY}.ndjson" ]; then wc -l < "store/runs/${1:-$DAY}.ndjson"; else echo 0; fi
}

# health FILTER: FILTER applied to site/health.json, compact.
health() {
	jq -c "$1" site/health.json
}

# raw_dates TICKER: the dates of TICKER's day files of bars, a line each.
raw_dates() {
	ls store/raw/"$1" | sed 's/\.ndjson$//'
}

# no_secret: the secret part of the address is in none of stdout,
# stderr, the store and the site.
no_secret() {
	if [[ $output == *"$SECRET"* || $stderr == *"$SECRET"* ]]; then
		echo "the address is shown"
		return 1
	fi
	! grep -r -l -F -e "$SECRET" store site 2> /dev/null
}

# gate_table < ROWS: each row "TIME | STATUS | LINE": both
# sam-hourly --gate-only --at TIME and sam-fetch --slot --at TIME print
# LINE and exit STATUS, with nothing on standard error.  Every row
# runs; each that differs is shown.
gate_table() {
	local row at want line n=0 bad=0 tool
	conf
	while IFS= read -r row; do
		case $row in '' | '#'*) continue ;; esac
		at=${row%% | *}; row=${row#* | }
		want=${row%% | *}; line=${row#* | }
		n=$((n + 1))
		for tool in sam-hourly sam-fetch; do
			if [ "$tool" = sam-hourly ]; then
				run --separate-stderr sam-hourly --config sam.env --gate-only --at "$at"
			else
				run --separate-stderr sam-fetch --slot --at "$at"
			fi
			if [ "$status" != "$want" ] || [ "$output" != "$line" ] || [ -n "$stderr" ]; then
				printf '%s --at %s\n  expected exit %s and: %s\n  got exit %s and: %s\n  stderr: %s\n' \
					"$tool" "$at" "$want" "$line" "$status" "$output" "$stderr"
				bad=$((bad + 1))
			fi
		done
	done
	echo "$n rows, $bad failed"
	# the gate runs nothing
	[ "$n" -gt 0 ] && [ "$bad" -eq 0 ] && [ ! -e store ] && [ ! -e site ]
}

# ---- the gate ----

@test "a run is due from each slot for 30 minutes: 09:30 to 15:30, then 16:30, 30 minutes after the close" {
	gate_table <<-'EOF'
		2024-06-12T00:00 | 1 | not due: 2024-06-12 00:00 New York (2024-06-12T04:00:00Z): before the first run slot, 09:30
		2024-06-12T09:29 | 1 | not due: 2024-06-12 09:29 New York (2024-06-12T13:29:00Z): before the first run slot, 09:30
		2024-06-12T09:30 | 0 | due: 2024-06-12 09:30 New York (2024-06-12T13:30:00Z): run slot 09:30
		2024-06-12T09:30:59 | 0 | due: 2024-06-12 09:30 New York (2024-06-12T13:30:59Z): run slot 09:30
		2024-06-12T09:59 | 0 | due: 2024-06-12 09:59 New York (2024-06-12T13:59:00Z): run slot 09:30
		2024-06-12T10:00 | 1 | not due: 2024-06-12 10:00 New York (2024-06-12T14:00:00Z): between run slots: the next is 10:30
		2024-06-12T10:30 | 0 | due: 2024-06-12 10:30 New York (2024-06-12T14:30:00Z): run slot 10:30
		2024-06-12T15:30 | 0 | due: 2024-06-12 15:30 New York (2024-06-12T19:30:00Z): run slot 15:30
		2024-06-12T15:59 | 0 | due: 2024-06-12 15:59 New York (2024-06-12T19:59:00Z): run slot 15:30
		2024-06-12T16:00 | 1 | not due: 2024-06-12 16:00 New York (2024-06-12T20:00:00Z): between run slots: the next is 16:30
		2024-06-12T16:30 | 0 | due: 2024-06-12 16:30 New York (2024-06-12T20:30:00Z): run slot 16:30, 30 minutes after the close
		2024-06-12T16:59 | 0 | due: 2024-06-12 16:59 New York (2024-06-12T20:59:00Z): run slot 16:30, 30 minutes after the close
		2024-06-12T17:00 | 1 | not due: 2024-06-12 17:00 New York (2024-06-12T21:00:00Z): after the last run slot, 16:30
		2024-06-12T23:59 | 1 | not due: 2024-06-12 23:59 New York (2024-06-13T03:59:00Z): after the last run slot, 16:30
		# an RFC 3339 UTC time; its New York date may be the day before
		2024-06-12T13:30:00Z | 0 | due: 2024-06-12 09:30 New York (2024-06-12T13:30:00Z): run slot 09:30
		2024-06-12T14:00:00Z | 1 | not due: 2024-06-12 10:00 New York (2024-06-12T14:00:00Z): between run slots: the next is 10:30
		2024-06-13T02:00:00Z | 1 | not due: 2024-06-12 22:00 New York (2024-06-13T02:00:00Z): after the last run slot, 16:30
	EOF
}

@test "the gate keeps New York time across both 2024 switches: 09:30 is 14:30Z in winter and 13:30Z in summer" {
	gate_table <<-'EOF'
		# Friday before the spring switch (EST), Sunday, Monday after (EDT)
		2024-03-08T09:30 | 0 | due: 2024-03-08 09:30 New York (2024-03-08T14:30:00Z): run slot 09:30
		2024-03-08T16:30 | 0 | due: 2024-03-08 16:30 New York (2024-03-08T21:30:00Z): run slot 16:30, 30 minutes after the close
		2024-03-10T10:30 | 1 | not due: 2024-03-10 10:30 New York (2024-03-10T14:30:00Z): the exchange is closed: Sunday
		2024-03-11T09:30 | 0 | due: 2024-03-11 09:30 New York (2024-03-11T13:30:00Z): run slot 09:30
		2024-03-11T16:30 | 0 | due: 2024-03-11 16:30 New York (2024-03-11T20:30:00Z): run slot 16:30, 30 minutes after the close
		# the original cloud schedule in UTC: in summer its first run missed the open, its last came at 17:30
		2024-03-11T14:30:00Z | 0 | due: 2024-03-11 10:30 New York (2024-03-11T14:30:00Z): run slot 10:30
		2024-03-11T21:30:00Z | 1 | not due: 2024-03-11 17:30 New York (2024-03-11T21:30:00Z): after the last run slot, 16:30
		# Friday before the autumn switch (EDT), Sunday, Monday after (EST)
		2024-11-01T09:30 | 0 | due: 2024-11-01 09:30 New York (2024-11-01T13:30:00Z): run slot 09:30
		2024-11-03T10:30 | 1 | not due: 2024-11-03 10:30 New York (2024-11-03T15:30:00Z): the exchange is closed: Sunday
		2024-11-04T09:30 | 0 | due: 2024-11-04 09:30 New York (2024-11-04T14:30:00Z): run slot 09:30
	EOF
	run sam-hourly --config sam.env --gate-only --at 2024-03-08T09:30
	winter=$(sed 's/.*T\([0-9:]*\)Z.*/\1/' <<< "$output")
	run sam-hourly --config sam.env --gate-only --at 2024-03-11T09:30
	summer=$(sed 's/.*T\([0-9:]*\)Z.*/\1/' <<< "$output")
	assert_equal "$winter $summer" "14:30:00 13:30:00"
}

@test "the gate is shut on the ten NYSE holidays of 2024, which it names, on observed holidays and on weekends" {
	gate_table <<-'EOF'
		2024-01-01T10:30 | 1 | not due: 2024-01-01 10:30 New York (2024-01-01T15:30:00Z): the exchange is closed: New Year's Day
		2024-01-15T10:30 | 1 | not due: 2024-01-15 10:30 New York (2024-01-15T15:30:00Z): the exchange is closed: Martin Luther King, Jr. Day
		2024-02-19T10:30 | 1 | not due: 2024-02-19 10:30 New York (2024-02-19T15:30:00Z): the exchange is closed: Washington's Birthday
		2024-03-29T10:30 | 1 | not due: 2024-03-29 10:30 New York (2024-03-29T14:30:00Z): the exchange is closed: Good Friday
		2024-05-27T10:30 | 1 | not due: 2024-05-27 10:30 New York (2024-05-27T14:30:00Z): the exchange is closed: Memorial Day
		2024-06-19T10:30 | 1 | not due: 2024-06-19 10:30 New York (2024-06-19T14:30:00Z): the exchange is closed: Juneteenth National Independence Day
		2024-07-04T10:30 | 1 | not due: 2024-07-04 10:30 New York (2024-07-04T14:30:00Z): the exchange is closed: Independence Day
		2024-09-02T10:30 | 1 | not due: 2024-09-02 10:30 New York (2024-09-02T14:30:00Z): the exchange is closed: Labor Day
		2024-11-28T10:30 | 1 | not due: 2024-11-28 10:30 New York (2024-11-28T15:30:00Z): the exchange is closed: Thanksgiving Day
		2024-12-25T10:30 | 1 | not due: 2024-12-25 10:30 New York (2024-12-25T15:30:00Z): the exchange is closed: Christmas Day
		# the days around them trade
		2024-03-28T10:30 | 0 | due: 2024-03-28 10:30 New York (2024-03-28T14:30:00Z): run slot 10:30
		2024-07-05T10:30 | 0 | due: 2024-07-05 10:30 New York (2024-07-05T14:30:00Z): run slot 10:30
		2024-12-26T10:30 | 0 | due: 2024-12-26 10:30 New York (2024-12-26T15:30:00Z): run slot 10:30
		# a Saturday holiday on the Friday before, a Sunday one on the Monday after;
		# New Year's Day on a Saturday is not observed
		2026-07-03T10:30 | 1 | not due: 2026-07-03 10:30 New York (2026-07-03T14:30:00Z): the exchange is closed: Independence Day
		2022-12-26T10:30 | 1 | not due: 2022-12-26 10:30 New York (2022-12-26T15:30:00Z): the exchange is closed: Christmas Day
		2027-12-31T10:30 | 0 | due: 2027-12-31 10:30 New York (2027-12-31T15:30:00Z): run slot 10:30
		# weekends
		2024-07-06T10:30 | 1 | not due: 2024-07-06 10:30 New York (2024-07-06T14:30:00Z): the exchange is closed: Saturday
		2024-07-07T16:30 | 1 | not due: 2024-07-07 16:30 New York (2024-07-07T20:30:00Z): the exchange is closed: Sunday
	EOF
}

@test "on the 13:00 early closes of 2024 the last slot is 13:30, 30 minutes after the close" {
	gate_table <<-'EOF'
		2024-07-03T12:30 | 0 | due: 2024-07-03 12:30 New York (2024-07-03T16:30:00Z): run slot 12:30
		2024-07-03T13:00 | 1 | not due: 2024-07-03 13:00 New York (2024-07-03T17:00:00Z): between run slots: the next is 13:30
		2024-07-03T13:30 | 0 | due: 2024-07-03 13:30 New York (2024-07-03T17:30:00Z): run slot 13:30, 30 minutes after the 13:00 early close
		2024-07-03T13:59 | 0 | due: 2024-07-03 13:59 New York (2024-07-03T17:59:00Z): run slot 13:30, 30 minutes after the 13:00 early close
		2024-07-03T14:30 | 1 | not due: 2024-07-03 14:30 New York (2024-07-03T18:30:00Z): after the last run slot, 13:30
		2024-11-29T12:30 | 0 | due: 2024-11-29 12:30 New York (2024-11-29T17:30:00Z): run slot 12:30
		2024-11-29T13:30 | 0 | due: 2024-11-29 13:30 New York (2024-11-29T18:30:00Z): run slot 13:30, 30 minutes after the 13:00 early close
		2024-11-29T14:30 | 1 | not due: 2024-11-29 14:30 New York (2024-11-29T19:30:00Z): after the last run slot, 13:30
		2024-12-24T12:30 | 0 | due: 2024-12-24 12:30 New York (2024-12-24T17:30:00Z): run slot 12:30
		2024-12-24T13:30 | 0 | due: 2024-12-24 13:30 New York (2024-12-24T18:30:00Z): run slot 13:30, 30 minutes after the 13:00 early close
		2024-12-24T14:30 | 1 | not due: 2024-12-24 14:30 New York (2024-12-24T19:30:00Z): after the last run slot, 13:30
		2024-12-24T16:30 | 1 | not due: 2024-12-24 16:30 New York (2024-12-24T21:30:00Z): after the last run slot, 13:30
	EOF
}

@test "a bad --at is a usage error: exit 2, the message and the usage, nothing run" {
	conf
	error_table <<-'EOF'
		2 | + | sam-hourly --config sam.env --gate-only --at bad | sam-hourly: --at: not YYYY-MM-DDTHH:MM (New York time) or an RFC 3339 UTC time: bad
		2 | + | sam-hourly --config sam.env --at 2024-02-30T10:30 | sam-hourly: --at: not YYYY-MM-DDTHH:MM (New York time) or an RFC 3339 UTC time: 2024-02-30T10:30
		2 | + | sam-hourly --config sam.env --gate-only --at=2024-07-05T24:00 | sam-hourly: --at: not YYYY-MM-DDTHH:MM (New York time) or an RFC 3339 UTC time: 2024-07-05T24:00
		2 | + | sam-hourly --config sam.env --force --at '2024-07-05 10:30' | sam-hourly: --at: not YYYY-MM-DDTHH:MM (New York time) or an RFC 3339 UTC time: 2024-07-05 10:30
		2 | + | sam-hourly --config sam.env --gate-only --at 2024-07-05 | sam-hourly: --at: not YYYY-MM-DDTHH:MM (New York time) or an RFC 3339 UTC time: 2024-07-05
		2 | + | sam-hourly --config sam.env --gate-only --at | sam-hourly: option '--at' requires an argument
	EOF
	run --separate-stderr sam-fetch --slot --at bad
	assert_failure 2
	assert_output ""
	assert_equal "${stderr%%$'\n'*}" "sam-fetch: --at: not YYYY-MM-DDTHH:MM (New York time) or an RFC 3339 UTC time: bad"
	[ ! -e store ]
	[ ! -e site ]
}

@test "an empty --at is an error, as it is for sam-fetch --slot, not the clock" {
	conf
	run --separate-stderr sam-fetch --slot --at ''
	assert_failure 2
	hourly --gate-only --at ''
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" "sam-hourly: --at: not YYYY-MM-DDTHH:MM (New York time) or an RFC 3339 UTC time: 
$USAGE"
}

@test "--gate-only without --at asks the clock (SAM_NOW), prints why and runs nothing" {
	conf
	hourly --gate-only
	assert_failure 1
	assert_output "not due: 2026-11-25 16:00 New York (2026-11-25T21:00:00Z): between run slots: the next is 16:30"
	assert_equal "$stderr" ""
	SAM_NOW=2026-11-25T21:30:00Z hourly --gate-only
	assert_success
	assert_output "due: 2026-11-25 16:30 New York (2026-11-25T21:30:00Z): run slot 16:30, 30 minutes after the close"
	[ ! -e store ]
	[ ! -e site ]
}

# ---- a run ----

@test "a due run stores bars and anomalies, alerts each new anomaly once, records the run and publishes the site" {
	receive slack-ok.http
	conf SAM_WEBHOOK_URL_FILE=slack-url
	hourly --at "$AT"
	assert_success
	assert_output ""
	assert_equal "$stderr" "sam-hourly: run: 2026-11-25 10:30 New York (2026-11-25T15:30:00Z): run slot 10:30
sam-hourly: run ok: 120 bars, 11 new anomalies, 11 alerts sent, 0 dead letters"

	# the store: 40 days of bars a ticker, the anomalies of two of them
	for t in AAPL MSFT IBM; do
		# 40 days fetched, all within SAM_RAW_DAYS (130 dates, today included)
		assert_equal "$(raw_dates $t | head -n 1) $(raw_dates $t | wc -l)" "2026-10-01 40"
		assert_equal "$(cat store/raw/$t/*.ndjson | jq -r .ticker | sort -u)" "$t"
		[ -f store/raw/$t/2026-11-25.ndjson ]
	done
	assert_equal "$(ls store/anomalies)" $'IBM\nMSFT'
	assert_equal "$(stored_anomalies | wc -l)" 11
	assert_equal "$(cat store/anomalies/*/*.ndjson | jq -r 'select(.anomaly != true or .threshold != 2) | .id')" ""

	# one message to Slack's address, its anomalies those of the store
	assert_equal "$(logged | cut -d' ' -f2,3)" "POST /services/T000/B000/$SECRET"
	[[ $(httpd_header $((BASE + 1)) Content-Type) == application/json* ]]
	assert_equal "$(alerted_anomalies)" "$(stored_anomalies)"
	# the alert state: each anomaly alerted now
	assert_equal "$(jq -r .id store/alerts/$DAY.ndjson | sort)" "$(stored_ids)"
	assert_equal "$(jq -r '[.to, .alerted_at] | join(" ")' store/alerts/$DAY.ndjson | sort -u)" \
		"slack 2026-11-25T15:30:00Z"
	[ ! -e store/dlq ]

	# the run record, every field
	assert_equal "$(runs)" 1
	is_record 1 <<-'EOF'
		{"start":"2026-11-25T15:30:00Z","end":"2026-11-25T15:30:00Z","slot":"due: 2026-11-25 10:30 New York: run slot 10:30","forced":false,"tickers":3,"bars":120,"anomalies_new":11,"alerts_sent":11,"alerts_skipped":0,"alerts_dead":0,"stages":{"fetch":0,"store_raw":0,"zscore":0,"detect":0,"store":0,"alert":0,"prune":0},"status":"ok"}
	EOF
	assert_equal "$(jq .anomalies_new <<< "$(record 1)")" "$(alerted_anomalies | wc -l)"

	# the site
	assert_equal "$(health .status)" '"ok"'
	assert_equal "$(health .last_run)" "$(record 1)"
	assert_equal "$(health '[.generated_at, .stale_after, .dlq_depth, .tickers]')" \
		'["2026-11-25T15:30:00Z","2026-11-25T17:00:00Z",0,3]'
	[ -s site/index.html ]
	no_secret
}

@test "the header of the Slack message counts the anomalies the run record calls new" {
	receive slack-ok.http
	conf SAM_WEBHOOK_URL_FILE=slack-url
	hourly --at "$AT"
	assert_success
	new=$(jq .anomalies_new <<< "$(record 1)")
	assert_equal "$(httpd_body $((BASE + 1)) | jq -r '.blocks[0].text.text' | cut -d' ' -f1-3)" \
		"$new stock anomalies:"
}

@test "a second run in the same slot alerts nothing new and appends a second run record" {
	receive slack-ok.http
	conf SAM_WEBHOOK_URL_FILE=slack-url
	hourly --at "$AT"
	assert_success
	cp store/alerts/$DAY.ndjson alerts.before
	hourly --at 2026-11-25T10:40
	assert_success
	# today's bars, in progress, moved in ten minutes: their two anomalies
	# are stored again, changed, and skipped, as no severity rose
	assert_equal "$stderr" "sam-hourly: run: 2026-11-25 10:40 New York (2026-11-25T15:40:00Z): run slot 10:30
sam-hourly: run ok: 120 bars, 2 new anomalies, 0 alerts sent, 0 dead letters"
	assert_equal "$(logged | wc -l)" 1
	cmp alerts.before store/alerts/$DAY.ndjson
	assert_equal "$(runs)" 2
	is_record 2 <<-'EOF'
		{"start":"2026-11-25T15:40:00Z","end":"2026-11-25T15:40:00Z","slot":"due: 2026-11-25 10:40 New York: run slot 10:30","forced":false,"tickers":3,"bars":120,"anomalies_new":2,"alerts_sent":0,"alerts_skipped":2,"alerts_dead":0,"stages":{"fetch":0,"store_raw":0,"zscore":0,"detect":0,"store":0,"alert":0,"prune":null},"status":"ok"}
	EOF
	assert_equal "$(cat store/anomalies/*/$DAY.ndjson | jq -r 'select(.final == false) | .ticker' | wc -l)" 2
	assert_equal "$(jq -c '{anomalies_new, alerts_sent}' <<< "$(record 1)")" '{"anomalies_new":11,"alerts_sent":11}'
	assert_equal "$(health .last_run)" "$(record 2)"
	assert_equal "$(health .status)" '"ok"'
}

@test "without SAM_WEBHOOK_URL_FILE nothing is sent, even with an address in the environment: stages.alert is null" {
	receive slack-ok.http
	conf
	SAM_SLACK_WEBHOOK=$(< slack-url) SAM_WEBHOOK_URL=$(< slack-url) hourly --at "$AT"
	assert_success
	assert_equal "$(logged | wc -l)" 0
	assert_equal "$(jq -c '[.alerts_sent, .stages.alert, .status]' <<< "$(record 1)")" '[0,null,"ok"]'
	[ ! -e store/alerts ]
}

# ---- failing stages ----

@test "the receiver refusing the alerts fails the run: dead letters, stages.alert 3, health failing, exit 3 naming the stage" {
	receive slack-400.http
	conf SAM_WEBHOOK_URL_FILE=slack-url
	hourly --at "$AT"
	assert_failure 3
	assert_output ""
	# the failure's notice is tried too, and refused as well
	assert_equal "$stderr" "sam-hourly: run: 2026-11-25 10:30 New York (2026-11-25T15:30:00Z): run slot 10:30
sam-alert: message 1 (11 anomalies): HTTP 400 \"invalid_payload\": 11 dead letters in store/dlq/2026-11-25.ndjson
sam-hourly: run failed (alert exited 3): 120 bars, 11 new anomalies, 0 alerts sent, 11 dead letters
sam-alert: notice run_failed: HTTP 400 \"invalid_payload\": not delivered (a notice is not kept as a dead letter)
sam-hourly: the notice of run_failed could not be sent"
	assert_equal "$(logged | wc -l)" 2
	is_record 1 <<-'EOF'
		{"start":"2026-11-25T15:30:00Z","end":"2026-11-25T15:30:00Z","slot":"due: 2026-11-25 10:30 New York: run slot 10:30","forced":false,"tickers":3,"bars":120,"anomalies_new":11,"alerts_sent":0,"alerts_skipped":0,"alerts_dead":11,"stages":{"fetch":0,"store_raw":0,"zscore":0,"detect":0,"store":0,"alert":3,"prune":0},"status":"failed"}
	EOF
	assert_equal "$(jq -r .id store/dlq/$DAY.ndjson | sort)" "$(stored_ids)"
	assert_equal "$(jq -r '.error' store/dlq/$DAY.ndjson | sort -u)" 'HTTP 400 "invalid_payload"'
	[ ! -e store/alerts ]
	assert_equal "$(health '[.status, .dlq_depth]')" '["failing",11]'
	assert_equal "$(health .last_run)" "$(record 1)"
	no_secret
}

@test "a source that cannot be read fails the run at the fetch stage, exit 3" {
	conf SAM_SOURCE=csv:missing.csv
	hourly --at "$AT"
	assert_failure 3
	assert_equal "$stderr" "sam-hourly: run: 2026-11-25 10:30 New York (2026-11-25T15:30:00Z): run slot 10:30
sam-fetch: fatal: unable to open missing.csv: No such file or directory
sam-hourly: run failed (fetch exited 3): 0 bars, 0 new anomalies, 0 alerts sent, 0 dead letters"
	assert_equal "$(jq -c '[.bars, .stages, .status]' <<< "$(record 1)")" \
		'[0,{"fetch":3,"store_raw":0,"zscore":0,"detect":0,"store":0,"alert":null,"prune":0},"failed"]'
	assert_equal "$(health .status)" '"failing"'
}

@test "a stage that rejects some records leaves the run ok, the site degraded, and exits 1" {
	# the mock's bars as a CSV file, the fifth line with a negative volume
	SAM_NOW=2026-11-25T15:30:00Z sam-fetch -n 40 AAPL MSFT |
		jq -r '[.date, .ticker, .open, .high, .low, .close, .volume] | @csv' |
		sed '1i date,ticker,open,high,low,close,volume' | sed '5s/,[0-9]*$/,-5/' > bars.csv
	conf SAM_TICKERS=AAPL,MSFT SAM_SOURCE=csv:bars.csv
	hourly --at "$AT"
	assert_failure 1
	assert_equal "$stderr" "sam-hourly: run: 2026-11-25 10:30 New York (2026-11-25T15:30:00Z): run slot 10:30
sam-fetch: bars.csv:5: volume is negative
sam-hourly: run ok: 79 bars, 5 new anomalies, 0 alerts sent, 0 dead letters"
	assert_equal "$(jq -c '[.bars, .stages.fetch, .status]' <<< "$(record 1)")" '[79,1,"ok"]'
	assert_equal "$(health .status)" '"degraded"'
}

@test "a site that cannot be built fails the run and the runs not due, exit 3, and the last line says what failed" {
	touch afile
	conf SAM_SITE=afile/site
	hourly --at "$AT"
	assert_failure 3
	assert_equal "${stderr_lines[1]}" "sam-serve-static: fatal: unable to open afile: Not a directory"
	assert_equal "${stderr_lines[2]}" "sam-hourly: the site in afile/site could not be built"
	[[ ${stderr_lines[3]} == "sam-hourly: run failed "* ]]
	# no empty reason: "run failed (): ..."
	[[ ${stderr_lines[3]} != *"()"* ]]
	assert_equal "${#stderr_lines[@]}" 4
	# and the run due at 11:30 never came (the 10:30 one has its record,
	# ok, as the site failed after it): said once
	hourly --at 2026-11-25T13:00
	assert_failure 3
	assert_equal "$stderr" "sam-serve-static: fatal: unable to open afile: Not a directory
sam-hourly: no run has succeeded since 2026-11-25T15:30:00Z: one was due by 2026-11-25T17:20:00Z"
	hourly --at 2026-11-25T14:00
	assert_failure 3
	assert_equal "$stderr" "sam-serve-static: fatal: unable to open afile: Not a directory"
}

@test "a webhook address file others can read stops the job before anything is stored, so no anomaly goes unalerted" {
	receive slack-ok.http
	chmod 644 slack-url
	conf SAM_WEBHOOK_URL_FILE=slack-url
	hourly --at "$AT"
	assert_failure
	[[ $stderr == *slack-url* ]]
	# once the file is mended, the next run alerts what it finds
	chmod 600 slack-url
	hourly --at 2026-11-25T11:30
	assert_success
	assert_equal "$(alerted_anomalies | wc -l)" 11
}

# ---- the lock ----

@test "while another run holds the lock a due run exits 3 at once, one not due exits 0 silently, and neither writes a record" {
	conf
	mkdir store
	exec {lock}> store/.hourly.lock
	flock -n "$lock"
	hourly --at "$AT"
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "sam-hourly: another run holds store/.hourly.lock: not starting (is the one before still running?)"
	hourly --at 2026-11-25T13:00
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	hourly --backfill 5
	assert_failure 3
	assert_equal "$stderr" "sam-hourly: another run holds store/.hourly.lock: not starting (is the one before still running?)"
	# the gate needs no lock
	hourly --gate-only --at "$AT"
	assert_success
	[ ! -e store/runs ]
	[ ! -e store/raw ]
	[ ! -e store/anomalies ]
	exec {lock}>&-
	hourly --at "$AT"
	assert_success
	assert_equal "$(runs)" 1
}

# ---- the configuration ----

@test "a stage that passes SAM_RUN_DEADLINE is stopped: the run is recorded as failed at that stage, the lock is free and the next run runs" {
	printf '200 OK\nContent-Type: text/csv\nX-Test-Delay: 30\n\nDate,Close\n' > slow.http
	echo "^/slow $PWD/slow.http" > routes
	httpd_routes routes
	conf "SAM_SOURCE=csv:$HTTPD_URL/slow.csv" SAM_RUN_DEADLINE=2s
	SECONDS=0
	hourly --at "$AT"
	assert_failure 3
	[ "$SECONDS" -lt 15 ]
	assert_equal "$(sed -n 2p <<< "$stderr")" \
		"sam-hourly: fetch: stopped at the run's deadline (SAM_RUN_DEADLINE=2s)"
	assert_equal "$(jq -c '[.stages.fetch, .status]' <<< "$(record 1)")" '[3,"failed"]'
	conf
	hourly --at "$AT"
	assert_success
	assert_equal "$(jq -r .status <<< "$(record 2)")" ok
}

@test "killed at random moments of every stage (SIGKILL), then run once more: every anomaly stored is in the receiver's log or a dead letter exactly once (or twice, taken in the instant before sam-alert's kill), and the outbox is empty" {
	run python3 "$SAM_ROOT/test/crash.py" --runs 10 --tickers 10 --seed 7 crash
	echo "$output"
	assert_success
	assert_equal "$(jq -c '[.lost, .unexplained, .unknown, .outbox, .clean_run]' <<< "$output")" \
		'[0,0,0,0,0]'
	# the kills happened, and anomalies were there to lose (a stage that
	# ends before its random moment is a miss, and how many do depends
	# on the machine's speed: 5 of 10 have been seen)
	[ "$(jq .kills <<< "$output")" -ge 4 ]
	[ "$(jq .stored <<< "$output")" -ge 10 ]
	# and messages were refused: dead letters, which later runs replay
	[ "$(jq .refused <<< "$output")" -ge 1 ]
}

@test "a bad setting, in the file or the environment, stops everything: exit 2 and one message naming the line or the setting" {
	printf 'AAPL\nMSFT\n' > tickers
	printf 'AAPL\nMSFT 0\n' > zero-tickers
	printf '# three words\nAAPL 2 3\n' > three-tickers
	printf 'AAPL\nBAD/T\n' > slash-tickers
	error_table <<-'EOF'
		# the file's lines
		2 | - | conf SAM_TRESHOLD=3; sam-hourly --config sam.env --force | sam-hourly: sam.env:7: unknown setting SAM_TRESHOLD
		2 | - | conf 'SAM_WINDOW 30'; sam-hourly --config sam.env --force | sam-hourly: sam.env:7: expected KEY=VALUE: SAM_WINDOW 30
		2 | - | conf 'sam_window=30'; sam-hourly --config sam.env --force | sam-hourly: sam.env:7: unknown setting sam_window
		2 | - | sam-hourly --config missing.env --force | sam-hourly: missing.env: no configuration file there (give --config or set SAM_CONFIG)
		2 | - | SAM_CONFIG=missing.env sam-hourly --force | sam-hourly: missing.env: no configuration file there (give --config or set SAM_CONFIG)
		2 | - | mkdir -p dir.env; sam-hourly --config dir.env --force | sam-hourly: dir.env: no configuration file there (give --config or set SAM_CONFIG)
		# the watch list
		2 | - | conf SAM_TICKERS=AAPL,BAD/T; sam-hourly --config sam.env --force | sam-hourly: SAM_TICKERS: not a ticker: BAD/T
		2 | - | conf 'SAM_TICKERS="AAPL MS..FT"'; sam-hourly --config sam.env --force | sam-hourly: SAM_TICKERS: not a ticker: MS..FT
		2 | - | conf SAM_TICKERS_FILE=tickers; sam-hourly --config sam.env --force | sam-hourly: SAM_TICKERS and SAM_TICKERS_FILE: set one of them
		2 | - | conf -SAM_TICKERS; sam-hourly --config sam.env --force | sam-hourly: no tickers: set SAM_TICKERS or SAM_TICKERS_FILE in sam.env
		2 | - | conf SAM_TICKERS=; sam-hourly --config sam.env --force | sam-hourly: no tickers: set SAM_TICKERS or SAM_TICKERS_FILE in sam.env
		2 | - | conf -SAM_TICKERS SAM_TICKERS_FILE=missing; sam-hourly --config sam.env --force | sam-hourly: SAM_TICKERS_FILE: no such file: missing
		2 | - | conf -SAM_TICKERS SAM_TICKERS_FILE=zero-tickers; sam-hourly --config sam.env --force | sam-detect: zero-tickers:2: expected TICKER or TICKER THRESHOLD (a positive number)
		2 | - | conf -SAM_TICKERS SAM_TICKERS_FILE=three-tickers; sam-hourly --config sam.env --force | sam-detect: three-tickers:2: expected TICKER or TICKER THRESHOLD (a positive number)
		2 | - | conf -SAM_TICKERS SAM_TICKERS_FILE=slash-tickers; sam-hourly --config sam.env --force | sam-detect: slash-tickers:2: invalid ticker "BAD/T"
		# the values
		2 | - | conf SAM_SOURCE=bloomberg; sam-hourly --config sam.env --force | sam-hourly: SAM_SOURCE: one of mock, yahoo, alphavantage, polygon, stooq, csv:PATH|URL: bloomberg
		2 | - | conf SAM_SOURCE=csv:; sam-hourly --config sam.env --force | sam-hourly: SAM_SOURCE: one of mock, yahoo, alphavantage, polygon, stooq, csv:PATH|URL: csv:
		2 | - | conf SAM_KEY_FILE=missing.key; sam-hourly --config sam.env --force | sam-hourly: SAM_KEY_FILE: no such file: missing.key
		2 | - | conf SAM_INTERVAL=2h; sam-hourly --config sam.env --force | sam-hourly: SAM_INTERVAL: one of 1d, 1h, 30m, 15m, 5m, 1m: 2h
		2 | - | conf SAM_WINDOW=1; sam-hourly --config sam.env --force | sam-hourly: SAM_WINDOW: a whole number from 2 to 1000000: 1
		2 | - | conf SAM_WINDOW=thirty; sam-hourly --config sam.env --force | sam-hourly: SAM_WINDOW: a whole number from 2 to 1000000: thirty
		2 | - | conf SAM_WINDOW=1000001; sam-hourly --config sam.env --force | sam-hourly: SAM_WINDOW: a whole number from 2 to 1000000: 1000001
		2 | - | conf SAM_FETCH_DAYS=0; sam-hourly --config sam.env --force | sam-hourly: SAM_FETCH_DAYS: a number of days from 1 to 100000: 0
		2 | - | conf SAM_FETCH_DAYS=-5; sam-hourly --config sam.env --force | sam-hourly: SAM_FETCH_DAYS: a number of days from 1 to 100000: -5
		2 | - | conf SAM_THRESHOLD=0; sam-hourly --config sam.env --force | sam-hourly: SAM_THRESHOLD: not a positive number: 0
		2 | - | conf SAM_THRESHOLD=0.0; sam-hourly --config sam.env --force | sam-hourly: SAM_THRESHOLD: not a positive number: 0.0
		2 | - | conf SAM_THRESHOLD=-1; sam-hourly --config sam.env --force | sam-hourly: SAM_THRESHOLD: not a positive number: -1
		2 | - | conf SAM_THRESHOLD=abc; sam-hourly --config sam.env --force | sam-hourly: SAM_THRESHOLD: not a positive number: abc
		2 | - | conf SAM_METRICS=close,high; sam-hourly --config sam.env --force | sam-hourly: SAM_METRICS: close, volume, return, lvolume and excess, comma-separated: close,high
		2 | - | conf SAM_METRICS=close,; sam-hourly --config sam.env --force | sam-hourly: SAM_METRICS: close, volume, return, lvolume and excess, comma-separated: close,
		2 | - | conf SAM_STORE=; sam-hourly --config sam.env --force | sam-hourly: SAM_STORE: where the store is (a directory)
		2 | - | conf -SAM_SITE; sam-hourly --config sam.env --force | sam-hourly: SAM_SITE: where the site goes (a directory)
		2 | - | conf SAM_ALERT_TO=email; sam-hourly --config sam.env --force | sam-hourly: SAM_ALERT_TO: slack, webhook or alertmanager: email
		2 | - | conf SAM_WEBHOOK_URL_FILE=missing-url; sam-hourly --config sam.env --force | sam-hourly: SAM_WEBHOOK_URL_FILE: no such file: missing-url
		2 | - | conf SAM_DASHBOARD_URL=sam.example.com; sam-hourly --config sam.env --force | sam-hourly: SAM_DASHBOARD_URL: an http or https URL: sam.example.com
		2 | - | conf SAM_COOLDOWN=1w; sam-hourly --config sam.env --force | sam-hourly: SAM_COOLDOWN: a time such as 24h, 90m or 3600s: 1w
		2 | - | conf SAM_COOLDOWN=-1h; sam-hourly --config sam.env --force | sam-hourly: SAM_COOLDOWN: a time such as 24h, 90m or 3600s: -1h
		2 | - | conf SAM_ALERT_HOLD=0; sam-hourly --config sam.env --force | sam-hourly: SAM_ALERT_HOLD: a time such as 24h, 90m or 3600s: 0
		2 | - | conf SAM_ALERT_HOLD=1w; sam-hourly --config sam.env --force | sam-hourly: SAM_ALERT_HOLD: a time such as 24h, 90m or 3600s: 1w
		2 | - | conf SAM_NOTICE_EVERY=0s; sam-hourly --config sam.env --force | sam-hourly: SAM_NOTICE_EVERY: a time such as 6h, 90m or 3600s: 0s
		2 | - | conf SAM_NOTICE_EVERY=often; sam-hourly --config sam.env --force | sam-hourly: SAM_NOTICE_EVERY: a time such as 6h, 90m or 3600s: often
		2 | - | conf SAM_RAW_DAYS=0; sam-hourly --config sam.env --force | sam-hourly: SAM_RAW_DAYS: a number of days from 1 to 100000: 0
		2 | - | conf SAM_DLQ_DAYS=x; sam-hourly --config sam.env --force | sam-hourly: SAM_DLQ_DAYS: a number of days from 1 to 100000: x
		2 | - | conf SAM_LOG_FORMAT=xml; sam-hourly --config sam.env --force | sam-hourly: SAM_LOG_FORMAT: text or json: xml
		2 | - | conf SAM_RUN_DEADLINE=0; sam-hourly --config sam.env --force | sam-hourly: SAM_RUN_DEADLINE: a time such as 50m or 3000s: 0
		2 | - | conf SAM_RUN_DEADLINE=1w; sam-hourly --config sam.env --force | sam-hourly: SAM_RUN_DEADLINE: a time such as 50m or 3000s: 1w
		2 | - | conf SAM_FETCH_DEADLINE=30m; sam-hourly --config sam.env --force | sam-hourly: SAM_FETCH_DEADLINE: a number of seconds from 1 to 604800: 30m
		# the environment wins over a good file, and is checked the same
		2 | - | conf; SAM_WINDOW=1 sam-hourly --config sam.env --force | sam-hourly: SAM_WINDOW: a whole number from 2 to 1000000: 1
		2 | - | conf; SAM_THRESHOLD=abc sam-hourly --config sam.env --force | sam-hourly: SAM_THRESHOLD: not a positive number: abc
		2 | - | conf; SAM_TICKERS_FILE=tickers sam-hourly --config sam.env --force | sam-hourly: SAM_TICKERS and SAM_TICKERS_FILE: set one of them
		2 | - | conf; SAM_TICKERS=A/B sam-hourly --config sam.env --force | sam-hourly: SAM_TICKERS: not a ticker: A/B
		# even the gate is not asked with a bad setting
		2 | - | conf SAM_RAW_DAYS=0; sam-hourly --config sam.env --gate-only --at 2026-11-25T10:30 | sam-hourly: SAM_RAW_DAYS: a number of days from 1 to 100000: 0
	EOF
	# nothing ran
	[ ! -e store ]
	[ ! -e site ]
}

@test "option errors print the message and the usage and exit 2" {
	conf
	error_table <<-'EOF'
		2 | + | sam-hourly --bogus | sam-hourly: unrecognized argument '--bogus'
		2 | + | sam-hourly -x | sam-hourly: unrecognized argument '-x'
		2 | + | sam-hourly --config sam.env AAPL | sam-hourly: unrecognized argument 'AAPL'
		2 | + | sam-hourly --config | sam-hourly: option '--config' requires an argument
		2 | + | sam-hourly --config '' --force | sam-hourly: --config: an empty name
		2 | + | sam-hourly --config sam.env --backfill | sam-hourly: option '--backfill' requires an argument
		2 | + | sam-hourly --config sam.env --backfill abc | sam-hourly: --backfill: a number of days from 1 to 100000: abc
		2 | + | sam-hourly --config sam.env --backfill 0 | sam-hourly: --backfill: a number of days from 1 to 100000: 0
		2 | + | sam-hourly --config sam.env --backfill=100001 | sam-hourly: --backfill: a number of days from 1 to 100000: 100001
		2 | + | sam-hourly --config sam.env --backfill -3 | sam-hourly: --backfill: a number of days from 1 to 100000: -3
	EOF
	[ ! -e store ]
	[ ! -e site ]
}

@test "values the tools refuse are refused by the configuration check, before anything runs" {
	printf 'AAPL 1.\n' > dot-tickers
	error_table <<-'EOF'
		2 | - | conf SAM_COOLDOWN=3651d; sam-hourly --config sam.env --at 2026-11-25T10:30 | sam-hourly: SAM_COOLDOWN: a time such as 24h, 90m or 3600s: 3651d
		2 | - | conf SAM_THRESHOLD=1.; sam-hourly --config sam.env --at 2026-11-25T10:30 | sam-hourly: SAM_THRESHOLD: not a positive number: 1.
		2 | - | conf SAM_THRESHOLD=1e999; sam-hourly --config sam.env --at 2026-11-25T10:30 | sam-hourly: SAM_THRESHOLD: not a positive number: 1e999
		2 | - | conf -SAM_TICKERS SAM_TICKERS_FILE=dot-tickers; sam-hourly --config sam.env --at 2026-11-25T10:30 | sam-detect: dot-tickers:1: expected TICKER or TICKER THRESHOLD (a positive number)
	EOF
	[ ! -e store/runs ]
}

@test "a watch list with no ticker in it, only commas and blanks or only comments, is 'no tickers': exit 2, nothing run" {
	conf 'SAM_TICKERS=" , "'
	hourly --at "$AT"
	assert_failure 2
	assert_equal "$stderr" "sam-hourly: no tickers: set SAM_TICKERS or SAM_TICKERS_FILE in sam.env"
	printf '# none yet\n\n' > tickers
	conf -SAM_TICKERS SAM_TICKERS_FILE=tickers
	hourly --at "$AT"
	assert_failure 2
	[[ $stderr == "sam-hourly: "*"no tickers"* ]]
	assert_equal "$(wc -l <<< "$stderr")" 1
	[ ! -e store ]
}

@test "an edit of the configuration changes the next run: one ticker more, one more in its record" {
	conf SAM_TICKERS=AAPL,MSFT
	hourly --at "$AT"
	assert_success
	conf SAM_TICKERS=AAPL,MSFT,IBM
	hourly --at 2026-11-25T11:30
	assert_success
	assert_equal "$(jq -c '[.tickers, .bars]' "store/runs/$DAY.ndjson")" $'[2,80]\n[3,120]'
	assert_equal "$(ls store/raw)" $'AAPL\nIBM\nMSFT'
}

@test "quotes around a value are taken off, blanks and CR LF around a line ignored, and nothing in a value is expanded or run" {
	{
		printf '%s\n' '# a comment' '' '  SAM_TICKERS="aapl MSFT"  '
		printf '%s\r\n' "	SAM_WINDOW='30'"
		printf '%s\n' 'SAM_FETCH_DAYS=40' 'SAM_STORE='\''st`touch pwned1`'\''' \
			'SAM_SITE="$(touch pwned2)"' 'SAM_DASHBOARD_URL=https://sam.example.com/?a=${HOME}'
	} > sam.env
	hourly --at "$AT"
	assert_success
	[ ! -e pwned1 ]
	[ ! -e pwned2 ]
	run jq -c '[.tickers, .bars, .status]' 'st`touch pwned1`/runs/2026-11-25.ndjson'
	assert_output '[2,80,"ok"]'
	assert_equal "$(ls 'st`touch pwned1`/raw')" $'AAPL\nMSFT'
	assert_equal "$(jq -r .status '$(touch pwned2)/health.json')" ok
	[ ! -e store ]
	[ ! -e site ]
}

@test "a variable in the environment wins over the file" {
	conf SAM_TICKERS=AAPL,MSFT
	SAM_TICKERS=IBM SAM_STORE=elsewhere hourly --at "$AT"
	assert_success
	assert_equal "$(jq -c '[.tickers, .bars]' elsewhere/runs/$DAY.ndjson)" '[1,40]'
	assert_equal "$(ls elsewhere/raw)" IBM
	[ ! -e store ]
}

@test "SAM_CONFIG names the configuration when --config is not given" {
	conf
	mv sam.env other.env
	SAM_CONFIG=other.env run --separate-stderr sam-hourly --gate-only --at "$AT"
	assert_success
	assert_output "due: 2026-11-25 10:30 New York (2026-11-25T15:30:00Z): run slot 10:30"
	SAM_CONFIG=missing.env run --separate-stderr sam-hourly --config other.env --gate-only --at "$AT"
	assert_success
}

@test "a setting given twice in the file takes the last line, as sh and systemd's EnvironmentFile= do" {
	conf SAM_TICKERS=AAPL
	echo 'SAM_TICKERS=AAPL,MSFT' >> sam.env
	hourly --at "$AT"
	assert_success
	assert_equal "$(jq -c '[.tickers, .bars]' <<< "$(record 1)")" '[2,80]'
}

@test "a ticker named twice in the watch list is one ticker of the run" {
	conf 'SAM_TICKERS=AAPL,MSFT,aapl'
	hourly --at "$AT"
	assert_success
	assert_equal "$(jq -c '[.tickers, .bars]' <<< "$(record 1)")" '[2,80]'
	assert_equal "$(health .tickers)" 2
}

@test "the thresholds of SAM_TICKERS_FILE reach sam-detect: each ticker's anomalies carry its own, the rest SAM_THRESHOLD" {
	conf -SAM_TICKERS SAM_TICKERS_FILE="$HF/thresholds" SAM_THRESHOLD=2
	hourly --at "$AT"
	assert_success
	assert_equal "$(jq -c '[.tickers, .bars, .status]' <<< "$(record 1)")" '[3,120,"ok"]'
	run jq -r '"\(.ticker) \(.threshold)"' store/anomalies/*/*.ndjson
	assert_equal "$(sort -u <<< "$output")" $'AAPL 1.5\nIBM 2.5\nMSFT 2'
	# every one past its own threshold, none missed below the default
	assert_equal "$(cat store/anomalies/*/*.ndjson | jq -r 'select(.score <= .threshold) | .id')" ""
	[ "$(cat store/anomalies/AAPL/*.ndjson | jq -r 'select(.score < 2) | .id' | wc -l)" -gt 0 ]
}

# ---- --backfill ----

@test "--backfill DAYS fills ROOT/raw/ with DAYS trading days of bars and does nothing else" {
	receive slack-ok.http
	conf SAM_TICKERS=AAPL,MSFT SAM_WEBHOOK_URL_FILE=slack-url
	hourly --backfill 5
	assert_success
	assert_output ""
	assert_equal "$stderr" "sam-hourly: backfilled 5 days of 2 tickers into store"
	for t in AAPL MSFT; do
		assert_equal "$(raw_dates $t)" $'2026-11-19\n2026-11-20\n2026-11-23\n2026-11-24\n2026-11-25'
		assert_equal "$(cat store/raw/$t/*.ndjson | jq -r .ticker | uniq -c | awk '{ print $1, $2 }')" "5 $t"
	done
	assert_equal "$(cd store && find . -type f ! -path './raw/*' ! -name '.*lock')" ""
	[ ! -e store/runs ]
	[ ! -e store/anomalies ]
	[ ! -e store/.hourly-pruned ]
	[ ! -e site ]
	assert_equal "$(logged | wc -l)" 0
	# --at sets its clock too: the trading days up to 2024-07-05, the 4th a holiday
	hourly --backfill 3 --at 2024-07-05T10:30
	assert_success
	assert_equal "$(raw_dates AAPL | head -n 3)" $'2024-07-02\n2024-07-03\n2024-07-05'
}

# ---- not due ----

@test "not due: exit 0, nothing printed, no record, the site rebuilt; health turns stale once the next slot and 30 minutes have passed" {
	conf
	# no run yet: stale
	hourly
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_equal "$(health '[.status, .last_run, .stale_after]')" '["stale",null,null]'
	[ ! -e store/runs ]
	hourly --at "$AT"
	assert_success
	assert_equal "$(health '[.status, .stale_after]')" '["ok","2026-11-25T17:00:00Z"]'
	# 12:00: the 11:30 slot was missed, but its 30 minutes have not passed
	hourly --at 2026-11-25T12:00
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_equal "$(health '[.status, .generated_at]')" '["ok","2026-11-25T17:00:00Z"]'
	# 13:00: they have, and the run's deadline too: said once (no
	# address for a notice), exit 0 all the same
	hourly --at 2026-11-25T13:00
	assert_success
	assert_output ""
	assert_equal "$stderr" "sam-hourly: no run has succeeded since 2026-11-25T15:30:00Z: one was due by 2026-11-25T17:20:00Z"
	assert_equal "$(health '[.status, .generated_at, .stale_after]')" \
		'["stale","2026-11-25T18:00:00Z","2026-11-25T17:00:00Z"]'
	assert_equal "$(health .last_run)" "$(record 1)"
	assert_equal "$(runs)" 1
	hourly --at 2026-11-25T14:00
	assert_success
	assert_equal "$stderr" ""
}

@test "--force runs when no slot is due, even on a holiday, and records forced true; in a due slot forced stays false" {
	conf SAM_TICKERS=AAPL,MSFT
	hourly --at 2026-11-25T13:00 --force
	assert_success
	assert_equal "$stderr" "sam-hourly: run: 2026-11-25 13:00 New York (2026-11-25T18:00:00Z): between run slots: the next is 13:30 (forced)
sam-hourly: run ok: 80 bars, 5 new anomalies, 0 alerts sent, 0 dead letters"
	is_record 1 <<-'EOF'
		{"start":"2026-11-25T18:00:00Z","end":"2026-11-25T18:00:00Z","slot":"not due: 2026-11-25 13:00 New York: between run slots: the next is 13:30","forced":true,"tickers":2,"bars":80,"anomalies_new":5,"alerts_sent":0,"alerts_skipped":0,"alerts_dead":0,"stages":{"fetch":0,"store_raw":0,"zscore":0,"detect":0,"store":0,"alert":null,"prune":0},"status":"ok"}
	EOF
	assert_equal "$(health .status)" '"ok"'
	hourly --at 2026-11-25T13:30 --force
	assert_success
	assert_equal "$(jq -c '[.forced, .slot]' <<< "$(record 2)")" \
		'[false,"due: 2026-11-25 13:30 New York: run slot 13:30"]'
	# Thanksgiving
	hourly --at 2026-11-26T10:30 --force
	assert_success
	assert_equal "$(jq -c '[.forced, .slot, .stages.prune]' <<< "$(record 1 2026-11-26)")" \
		'[true,"not due: 2026-11-26 10:30 New York: the exchange is closed: Thanksgiving Day",0]'
}

# ---- the daily prune ----

@test "the first run of a New York day prunes, the others that day do not, and bars older than SAM_RAW_DAYS are gone" {
	conf SAM_TICKERS=AAPL,MSFT SAM_RAW_DAYS=10 SAM_DLQ_DAYS=14
	mkdir -p store/dlq
	echo '{"id":"OLD:1d:2026-10-30T13:30:00Z","ticker":"OLD","to":"slack","error":"HTTP 500","attempts":3,"first_attempt":"2026-11-01T15:30:00Z","last_attempt":"2026-11-01T15:30:00Z","anomaly":{}}' \
		> store/dlq/2026-11-01.ndjson
	hourly --at "$AT"
	assert_success
	assert_equal "$(jq .stages.prune <<< "$(record 1)")" 0
	assert_equal "$(cat store/.hourly-pruned)" "$DAY"
	# ten dates, today included: 2026-11-16 on
	for t in AAPL MSFT; do
		assert_equal "$(raw_dates $t | tr '\n' ' ')" "2026-11-16 2026-11-17 2026-11-18 2026-11-19 2026-11-20 2026-11-23 2026-11-24 2026-11-25 "
	done
	# the old dead letter was never delivered, and with no address no
	# notice can say it goes: it stays
	[ -s store/dlq/2026-11-01.ndjson ]
	assert_equal "${stderr_lines[1]}" "sam-hourly: warning: 1 dead letters older than 14 days kept: no notice of their dropping could be sent"

	# older bars again, then a second run that day: no prune
	hourly --backfill 40
	assert_success
	hourly --at 2026-11-25T11:30
	assert_success
	assert_equal "$(jq .stages.prune <<< "$(record 2)")" null
	assert_equal "$(cat store/.hourly-pruned)" "$DAY"
	assert_equal "$(raw_dates AAPL | wc -l)" 40

	# the next trading day (Thanksgiving is the 26th): the first run prunes again
	hourly --at 2026-11-27T10:30
	assert_success
	assert_equal "$(jq -c '[.slot, .stages.prune]' <<< "$(record 1 2026-11-27)")" \
		'["due: 2026-11-27 10:30 New York: run slot 10:30",0]'
	assert_equal "$(cat store/.hourly-pruned)" 2026-11-27
	assert_equal "$(runs 2026-11-27)" 1
	assert_equal "$(raw_dates MSFT | head -n 1)" 2026-11-18
	assert_equal "$(raw_dates MSFT | tail -n 1)" 2026-11-27
}

# ---- logs ----

@test "SAM_LOG_FORMAT=json in the configuration makes every line on stderr a JSON object with ts, level, tool and msg" {
	receive slack-400.http
	conf SAM_WEBHOOK_URL_FILE=slack-url SAM_LOG_FORMAT=json
	hourly --at "$AT"
	assert_failure 3
	printf '%s\n' "$stderr" > log
	run jq -c '{level, tool, msg}' log
	assert_success
	assert_output - <<-'EOF'
		{"level":"info","tool":"sam-hourly","msg":"run: 2026-11-25 10:30 New York (2026-11-25T15:30:00Z): run slot 10:30"}
		{"level":"error","tool":"sam-alert","msg":"message 1 (11 anomalies): HTTP 400 \"invalid_payload\": 11 dead letters in store/dlq/2026-11-25.ndjson"}
		{"level":"error","tool":"sam-hourly","msg":"run failed (alert exited 3): 120 bars, 11 new anomalies, 0 alerts sent, 11 dead letters"}
		{"level":"error","tool":"sam-alert","msg":"notice run_failed: HTTP 400 \"invalid_payload\": not delivered (a notice is not kept as a dead letter)"}
		{"level":"error","tool":"sam-hourly","msg":"the notice of run_failed could not be sent"}
	EOF
	run jq -r 'select((.ts | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")) and
		(keys - ["file", "line"] == ["level", "msg", "tool", "ts"])) | .tool' log
	assert_equal "$(wc -l <<< "$output")" 5
	# a setting's error too, without the usage
	SAM_WINDOW=1 hourly --at "$AT"
	assert_failure 2
	assert_equal "$(jq -c '{level, tool, msg}' <<< "$stderr")" \
		'{"level":"error","tool":"sam-hourly","msg":"SAM_WINDOW: a whole number from 2 to 1000000: 1"}'
}

@test "SAM_LOG_FORMAT=json in the environment makes a usage error one JSON line, as for every tool" {
	conf
	SAM_LOG_FORMAT=json run --separate-stderr sam-hourly --bogus
	assert_failure 2
	assert_equal "$(jq -c '{level, tool, msg}' <<< "$stderr")" \
		'{"level":"error","tool":"sam-hourly","msg":"unrecognized argument '\''--bogus'\''"}'
}

# ---- notices of the job's failures; dead letters again ----

# notices: the notices among this test's requests, "EVENT: SUMMARY" a
# line (Slack's text: ":rotating_light: sam: SUMMARY", the event in the
# context block).
notices() {
	local n i
	n=$(logged | wc -l)
	for ((i = 1; i <= n; i++)); do
		httpd_body $((BASE + i)) | jq -r 'select(.text | startswith(":rotating_light: sam: ")) |
			"\(.blocks[1].elements[0].text | split(" · ")[0]): \(.text | ltrimstr(":rotating_light: sam: "))"'
	done
}

@test "a failed run sends one notice through the alert target, none again within SAM_NOTICE_EVERY, and one after it" {
	receive slack-ok.http
	conf SAM_WEBHOOK_URL_FILE=slack-url SAM_SOURCE=csv:missing.csv
	hourly --at "$AT"
	assert_failure 3
	assert_equal "$(notices)" "run_failed: run failed (fetch exited 3): 0 bars, 0 new anomalies, 0 alerts sent, 0 dead letters"
	assert_equal "$(logged | wc -l)" 1
	# an hour later it fails again: told already
	hourly --at 2026-11-25T11:30
	assert_failure 3
	assert_equal "$(logged | wc -l)" 1
	# six hours after the notice, it is told again
	hourly --at 2026-11-25T16:30
	assert_failure 3
	assert_equal "$(logged | wc -l)" 2
	# the address is in no notice, log or file
	no_secret
}

@test "--notify-failure UNIT (OnFailure=) sends one notice naming the unit and why its run failed, unless the job's own went out within SAM_NOTICE_EVERY" {
	receive slack-ok.http
	conf SAM_WEBHOOK_URL_FILE=slack-url SAM_SOURCE=csv:missing.csv SAM_NOTICE_EVERY=1h
	hourly --at "$AT"
	assert_failure 3
	assert_equal "$(logged | wc -l)" 1
	# the unit's notice comes right after the job's: one failure, one notice
	SAM_NOW=2026-11-25T15:31:00Z hourly --notify-failure sam-hourly.service
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(logged | wc -l)" 1
	# killed before it could say so itself: the unit's notice says why
	SAM_NOW=2026-11-25T16:40:00Z hourly --notify-failure sam-hourly.service
	assert_success
	assert_output ""
	assert_equal "$(notices | tail -n 1)" \
		"unit_failed: sam-hourly.service failed: the run of 2026-11-25T15:30:00Z failed (fetch exited 3)"
	assert_equal "$(logged | wc -l)" 2
	# a notice that cannot be delivered: exit 3, for systemctl --failed
	receive slack-400.http
	SAM_NOW=2026-11-25T18:00:00Z hourly --notify-failure sam-hourly.service
	assert_failure 3
	assert_equal "${stderr_lines[1]}" "sam-hourly: the notice of unit_failed could not be sent"
	# a configuration bad elsewhere (the job stopped at it, exit 2) still
	# lets the unit's failure be told
	receive slack-ok.http
	conf SAM_WEBHOOK_URL_FILE=slack-url SAM_SOURCE=nowhere SAM_NOTICE_EVERY=1h
	SAM_NOW=2026-11-25T20:00:00Z hourly --notify-failure sam-hourly.service
	assert_success
	assert_equal "$(notices)" "unit_failed: sam-hourly.service failed: the run of 2026-11-25T15:30:00Z failed (fetch exited 3)"
	# not with another mode, and only a unit's name
	hourly --notify-failure 'x; rm -rf /'
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "sam-hourly: --notify-failure: not a unit name: x; rm -rf /"
	hourly --notify-failure sam-hourly.service --force
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "sam-hourly: --notify-failure: not with --force, --at, --gate-only, --backfill or --replay"
}

@test "a run not due that finds the due run missing sends a run_missing notice, once in SAM_NOTICE_EVERY" {
	receive slack-ok.http
	conf SAM_WEBHOOK_URL_FILE=slack-url
	hourly --at "$AT"
	assert_success
	n=$(logged | wc -l)
	# 13:00: the 11:30 run never came; it was due by 12:20 (50m deadline)
	hourly --at 2026-11-25T13:00
	assert_success
	assert_equal "$stderr" "sam-hourly: no run has succeeded since 2026-11-25T15:30:00Z: one was due by 2026-11-25T17:20:00Z"
	assert_equal "$(notices)" "run_missing: no run has succeeded since 2026-11-25T15:30:00Z: one was due by 2026-11-25T17:20:00Z"
	assert_equal "$(logged | wc -l)" $((n + 1))
	hourly --at 2026-11-25T14:00
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(logged | wc -l)" $((n + 1))
	# a run that succeeds ends it
	hourly --at 2026-11-25T14:30
	assert_success
	hourly --at 2026-11-25T15:00
	assert_equal "$stderr" ""
}

@test "dead letters are replayed by the job: at once, then after 2 h, 4 h ... while the receiver refuses them; delivered, they are gone" {
	local t
	t=$(date -u -d 2026-11-25T15:30:00Z +%s)
	receive slack-400.http
	conf SAM_WEBHOOK_URL_FILE=slack-url
	hourly --at "$AT"
	assert_failure 3
	assert_equal "$(wc -l < store/dlq/$DAY.ndjson)" 11
	# the slot again (nothing new to alert): the replay is refused too
	hourly --at "$AT"
	assert_success
	assert_equal "$(grep -E '[0-9] dead letters(:| replayed)' <<< "$stderr")" \
		"sam-hourly: warning: 11 dead letters: the replay failed (11 still dead); again in 120 minutes at most"
	assert_equal "$(cat store/.hourly-dlq-replay)" "1 $t"
	# an hour after that failure: not tried (the second waits two)
	echo "1 $((t - 3600))" > store/.hourly-dlq-replay
	n=$(logged | wc -l)
	hourly --at "$AT"
	assert_success
	assert_equal "$(logged | wc -l)" "$n"
	assert_equal "$(grep -E '[0-9] dead letters(:| replayed)' <<< "$stderr")" "sam-hourly: 11 dead letters: replayed again after 60 minutes"
	# two hours after it: tried, refused, the wait doubles
	echo "1 $((t - 7200))" > store/.hourly-dlq-replay
	hourly --at "$AT"
	assert_success
	assert_equal "$(logged | wc -l)" $((n + 1))
	assert_equal "$(cat store/.hourly-dlq-replay)" "2 $t"
	# past four failures the wait stops doubling at a day, and says so
	echo "4 $((t - 86400))" > store/.hourly-dlq-replay
	hourly --at "$AT"
	assert_success
	assert_equal "$(grep -E '[0-9] dead letters(:| replayed)' <<< "$stderr")" \
		"sam-hourly: warning: 11 dead letters: the replay failed (11 still dead); again in 1440 minutes at most"
	assert_equal "$(cat store/.hourly-dlq-replay)" "5 $t"
	# the receiver takes them, four hours on: delivered, gone
	receive slack-ok.http
	echo "2 $((t - 14400))" > store/.hourly-dlq-replay
	hourly --at "$AT"
	assert_success
	assert_equal "$(grep -E '[0-9] dead letters(:| replayed)' <<< "$stderr")" "sam-hourly: 11 dead letters replayed: 11 sent, 0 skipped"
	assert_equal "$(alerted_anomalies | wc -l)" 11
	[ ! -e store/dlq/$DAY.ndjson ]
	[ ! -e store/.hourly-dlq-replay ]
}

@test "the daily prune drops dead letters past SAM_DLQ_DAYS only once a notice saying so is delivered" {
	mkdir -p store/dlq
	echo '{"id":"OLD:1d:2026-10-30T13:30:00Z","ticker":"OLD","to":"slack","error":"HTTP 500","attempts":3,"first_attempt":"2026-11-01T15:30:00Z","last_attempt":"2026-11-01T15:30:00Z","anomaly":{}}' \
		> store/dlq/2026-11-01.ndjson
	# their replay waits (it failed 3 times, the last just now)
	echo "3 $(date -u -d 2026-11-25T15:00:00Z +%s)" > store/.hourly-dlq-replay
	receive slack-400.http
	conf SAM_WEBHOOK_URL_FILE=slack-url SAM_DLQ_DAYS=14
	hourly --at "$AT"
	assert_failure 3
	# the notice was refused: kept
	[ -s store/dlq/2026-11-01.ndjson ]
	[[ $stderr == *"sam-hourly: warning: 1 dead letters older than 14 days kept: no notice of their dropping could be sent"* ]]
	# the next day's first run: the notice goes out, then they go
	receive slack-ok.http
	echo "3 $(date -u -d 2026-11-27T15:00:00Z +%s)" > store/.hourly-dlq-replay
	hourly --at 2026-11-27T10:30
	assert_success
	assert_equal "$(notices | grep dead_letters)" \
		"dead_letters_dropping: 1 dead letters older than 14 days were never delivered and are dropped now"
	[ ! -e store/dlq/2026-11-01.ndjson ]
}

@test "SAM_CLOSURES_FILE closes the exchange on its days for the job too, and a bad line stops it with the file's own message" {
	unset SAM_CLOSURES_FILE	# the tests' own: the environment wins
	printf '2026-11-25 Storm\n' > closures
	conf SAM_CLOSURES_FILE=closures
	hourly --gate-only --at "$AT"
	assert_failure 1
	assert_output "not due: 2026-11-25 10:30 New York (2026-11-25T15:30:00Z): the exchange is closed: Storm"
	printf '2026-11-31\n' > closures
	hourly --at "$AT"
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" "sam-fetch: closures:1: no such date: 2026-11-31"
	[ ! -e store/runs ]
}

# ---- the schedule ----

@test "cron/sam.crontab has one job: at :30 of every hour, as user sam, sam-hourly with the installed configuration" {
	local crontab=$SAM_ROOT/cron/sam.crontab
	# cron ignores a last line without a newline
	assert_equal "$(tail -c 1 "$crontab" | od -An -c | tr -d ' ')" '\n'
	run awk '!/^[ \t]*(#|$)/ && !/^[A-Za-z_]+=/ { $1 = $1; print }' "$crontab"
	assert_output "$(< "$HF/crontab.expected")"
	# the variables cron sets for it
	assert_equal "$(grep -E '^[A-Za-z_]+=' "$crontab" | cut -d= -f1 | tr '\n' ' ')" "SHELL PATH MAILTO "
	# the configuration it names is the script's default, and the service's
	default=$(sed -n 's/^default_config=\([^[:space:]]*\).*/\1/p' "$SAM_ROOT/cron/sam-hourly")
	assert_equal "$(sed -n 's/.* --config \([^ ;]*\).*/\1/p' "$HF/crontab.expected")" "$default"
	assert_equal "$(sed -n 's/^ExecStart=.* --config //p' "$SAM_ROOT/share/systemd/sam-hourly.service")" "$default"
}

@test "the systemd timer fires on weekdays at 09:30 .. 16:30 New York time, across the switch to summer time, each a due slot" {
	command -v systemd-analyze > /dev/null || skip "no systemd-analyze"
	systemd-analyze calendar --help 2>&1 | grep -q -- --base-time || skip "systemd-analyze calendar has no --base-time"
	run sed -n 's/^OnCalendar=//p' "$SAM_ROOT/share/systemd/sam-hourly.timer"
	assert_equal "${#lines[@]}" 1
	cal=$output
	TZ=America/New_York run systemd-analyze calendar --iterations=16 --base-time='2024-03-08 00:00:00' "$cal"
	assert_success
	assert_equal "$(sed -n 's/^ *\(Next elapse\|Iter\. #[0-9]*\): //p' <<< "$output")" "$(
		for h in 09 10 11 12 13 14 15 16; do echo "Fri 2024-03-08 $h:30:00 EST"; done
		for h in 09 10 11 12 13 14 15 16; do echo "Mon 2024-03-11 $h:30:00 EDT"; done)"
	utc=$(sed -n 's/^ *(in UTC): [A-Z][a-z]* \([0-9-]*\) \([0-9:]*\) UTC$/\1T\2Z/p' <<< "$output")
	assert_equal "$(head -n 1 <<< "$utc") $(sed -n 9p <<< "$utc")" "2024-03-08T14:30:00Z 2024-03-11T13:30:00Z"
	for t in $utc; do
		sam-fetch --slot --at "$t" > /dev/null || { echo "not due at $t"; return 1; }
	done
	grep -q '^Persistent=false$' "$SAM_ROOT/share/systemd/sam-hourly.timer"
}

# ---- usage ----

@test "--help and -h print the usage and the options on stdout and exit 0, with no configuration; --version the version of the tools" {
	for opt in --help -h; do
		run --separate-stderr sam-hourly "$opt"
		assert_success
		check_help "sam-hourly(8)"
		assert_equal "$stderr" ""
	done
	run --separate-stderr sam-hourly --version
	assert_success
	assert_output "sam-hourly $(sam-fetch --version | cut -d' ' -f2)"
	check_full sam-hourly --help
	check_full sam-hourly --version
}
