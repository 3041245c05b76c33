#!/usr/bin/env bats
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
# The hourly job's metrics (SAM_METRICS_FILE, sam-hourly(8) METRICS):
# the file a run writes, line for line; the figures a run not due
# refreshes; the dead man's time over a holiday and a weekend; failing
# runs, dead letters, retries and failures per provider, rejected rows;
# bad settings; no secret in the file; the real node_exporter serving
# it on loopback; and the alerting rules of share/prometheus, checked
# and unit-tested by promtool (test/fixtures/metrics/sam.rules.test.yml).

bats_require_minimum_version 1.5.0

load test_helper
load http
load hourly
load nginx	# free_port

MF=$FIXTURES/metrics
HF=$FIXTURES/hourly
RULES=$SAM_ROOT/share/prometheus/sam.rules.yml
SECRET=SECRETtoken123
AT=2026-11-25T10:30	# a Wednesday, the day before Thanksgiving; 15:30Z
NODE_PID=

setup_file() {
	httpd_file_start
}

teardown_file() {
	httpd_file_stop
}

teardown() {
	node_exporter_stop
}

# ---- helpers ----

# conf [KEY=VALUE | -KEY | LINE]...: sam.env as in test/80-hourly.bats,
# with the metrics file in prom/ (made here).
conf() {
	# shellcheck disable=SC2034 # for sam_env, by name
	local base=("${HOURLY_BASE[@]}" SAM_FETCH_DAYS=40 SAM_WINDOW=30 SAM_METRICS_FILE=prom/sam.prom)
	mkdir -p prom
	sam_env base "$@"
}

# receive RESPONSE: the loopback Slack answers with RESPONSE (a file of
# fixtures/hourly); slack-url (chmod 600) holds its address.
receive() {
	echo "^/services/ $HF/$1" > routes
	httpd_routes routes
	echo "$HTTPD_URL/services/T000/B000/$SECRET" > slack-url
	chmod 600 slack-url
}

# The samples of the file (no # lines), or of the families named.
samples() {	# [FAMILY...]
	local f
	if [ $# -eq 0 ]; then
		grep -v '^#' prom/sam.prom
	else
		for f; do grep -E "^${f}[{ ]" prom/sam.prom; done
	fi
}

epoch() {
	date -u -d "$1" +%s
}

# bytes KIND: the bytes of the store's files of KIND.
bytes() {
	find "store/$1" -type f -printf '%s\n' 2> /dev/null | awk '{ n += $1 } END { print n + 0 }'
}

# Each sample's value as a whole number, as awk reads it.
numbers() {
	awk '{ printf "%s %.0f\n", $1, $2 }'
}

# promtool check metrics on the file: clean, nothing said.
metrics_clean() {
	run promtool check metrics < prom/sam.prom
	assert_success
	assert_output ""
}

# node_exporter_start DIR: the real node_exporter on a free port of
# 127.0.0.1, with only its textfile collector, reading DIR; sets
# NODE_URL.  Run it directly, not under `run`.
node_exporter_start() {
	local dir=$1 port try
	command -v prometheus-node-exporter > /dev/null || skip "prometheus-node-exporter is not installed"
	for ((try = 0; try < 5; try++)); do
		port=$(free_port) || return 1
		# fd 3 closed, or bats waits for it at the end of the test.
		prometheus-node-exporter --web.listen-address="127.0.0.1:$port" \
			--collector.disable-defaults --collector.textfile \
			--collector.textfile.directory="$dir" --web.disable-exporter-metrics \
			> node.log 2>&1 3>&- &
		NODE_PID=$!
		if poll "$NODE_PID" curl -sf -o /dev/null "http://127.0.0.1:$port/metrics"; then
			NODE_URL=http://127.0.0.1:$port
			return 0
		fi
		node_exporter_stop
		grep -q 'address already in use' node.log || break
	done
	echo "node_exporter did not start" >&2
	cat node.log >&2
	return 1
}

# Stops the node_exporter this test started, by its pid.
node_exporter_stop() {
	stop_pid "$NODE_PID"
	NODE_PID=
}

# ---- the file a run writes ----

@test "a due run writes the metrics file: every family with HELP and TYPE, counters of the run, times, the next slot, the expected-by time, the store's bytes" {
	receive slack-ok.http
	conf SAM_WEBHOOK_URL_FILE=slack-url
	hourly --at "$AT"
	assert_success
	d=$(jq .duration_s store/runs/2026-11-25.ndjson)
	sed -e "s/@DURATION@/$d/" -e "s/@RAW@/$(bytes raw)/" -e "s/@ANOMALIES@/$(bytes anomalies)/" \
		-e "s/@ALERTS@/$(bytes alerts)/" -e "s/@RUNS@/$(bytes runs)/" "$MF/run.prom" > want.prom
	diff -u want.prom prom/sam.prom
	# the times: the run's end, 11:30 New York the next slot, and that
	# slot with SAM_RUN_DEADLINE (50m) the time a run is expected by
	assert_equal "$(epoch 2026-11-25T15:30:00Z) $(epoch 2026-11-25T16:30:00Z) $(($(epoch 2026-11-25T16:30:00Z) + 3000))" \
		"1795620600 1795624200 1795627200"
	# the counts are those of the run record
	assert_equal "$(jq -c '[.bars, .anomalies_new, .alerts_sent]' store/runs/2026-11-25.ndjson)" '[120,11,11]'
	metrics_clean
	# written whole, readable by node_exporter's user, nothing left beside it
	assert_equal "$(stat -c %a prom/sam.prom)" 644
	assert_equal "$(ls -A prom)" sam.prom
}

@test "the counters add up across runs, and a second run in the slot moves the last run time, not the expected-by time's slot" {
	conf
	hourly --at "$AT"
	assert_success
	hourly --at 2026-11-25T10:40
	assert_success
	assert_equal "$(samples sam_runs_total sam_fetch_bars_total sam_anomalies_new_total)" \
'sam_runs_total{status="failed"} 0
sam_runs_total{status="ok"} 2
sam_fetch_bars_total 240
sam_anomalies_new_total{severity="critical"} 0
sam_anomalies_new_total{severity="high"} 1
sam_anomalies_new_total{severity="low"} 5
sam_anomalies_new_total{severity="medium"} 7'
	assert_equal "$(samples sam_last_run_timestamp_seconds sam_last_success_timestamp_seconds sam_run_expected_by_timestamp_seconds)" \
"sam_last_run_timestamp_seconds $(epoch 2026-11-25T15:40:00Z)
sam_last_success_timestamp_seconds $(epoch 2026-11-25T15:40:00Z)
sam_run_expected_by_timestamp_seconds $(($(epoch 2026-11-25T16:30:00Z) + 3000))"
	# the state the counters are kept in, in the store: "SERIES VALUE"
	# lines, each a sample of the file
	[ -s store/.hourly-metrics ]
	assert_equal "$(LC_ALL=C sort store/.hourly-metrics | LC_ALL=C comm -23 - <(samples | LC_ALL=C sort))" ""
	metrics_clean
}

@test "a run not due rewrites the file: the next slot moves on, the counters and the expected-by time stay, no run is counted" {
	conf
	hourly --at "$AT"
	assert_success
	samples > after-run
	ino=$(stat -c %i prom/sam.prom)
	# 13:00: between slots, the 11:30 and 12:30 runs missed (said once)
	hourly --at 2026-11-25T13:00
	assert_success
	assert_output ""
	assert_equal "$stderr" "sam-hourly: no run has succeeded since 2026-11-25T15:30:00Z: one was due by 2026-11-25T17:20:00Z"
	samples > not-due
	run diff after-run not-due
	assert_output "31c31
< sam_next_slot_timestamp_seconds $(epoch 2026-11-25T16:30:00Z)
---
> sam_next_slot_timestamp_seconds $(epoch 2026-11-25T18:30:00Z)"
	# a new file, renamed over the old one
	[ "$(stat -c %i prom/sam.prom)" != "$ino" ]
	assert_equal "$(ls -A prom)" sam.prom
	metrics_clean
}

@test "before any run the file has every counter at 0, no last run, and the next slot as the time a run is expected by" {
	conf
	hourly --at 2026-11-25T08:00
	assert_success
	[ ! -e store/runs ]
	assert_equal "$(samples sam_runs_total sam_last_run_success sam_next_slot_timestamp_seconds sam_run_expected_by_timestamp_seconds sam_dlq_depth)" \
"sam_runs_total{status=\"failed\"} 0
sam_runs_total{status=\"ok\"} 0
sam_next_slot_timestamp_seconds $(epoch 2026-11-25T14:30:00Z)
sam_run_expected_by_timestamp_seconds $(($(epoch 2026-11-25T14:30:00Z) + 3000))
sam_dlq_depth 0"
	assert_equal "$(samples | grep -c .)" 36
	metrics_clean
}

@test "the expected-by time skips Thanksgiving and the weekend: after Wednesday's last run, Friday 09:30; after Friday's 13:30 early close, Monday 09:30" {
	conf SAM_RUN_DEADLINE=20m
	hourly --at 2026-11-25T16:30
	assert_success
	fri=$(epoch 2026-11-27T14:30:00Z)
	assert_equal "$(samples sam_next_slot_timestamp_seconds sam_run_expected_by_timestamp_seconds)" \
"sam_next_slot_timestamp_seconds $fri
sam_run_expected_by_timestamp_seconds $((fri + 1200))"
	# Thanksgiving noon, not due: the same times
	hourly --at 2026-11-26T12:00
	assert_success
	assert_equal "$(samples sam_next_slot_timestamp_seconds sam_run_expected_by_timestamp_seconds)" \
"sam_next_slot_timestamp_seconds $fri
sam_run_expected_by_timestamp_seconds $((fri + 1200))"
	# Friday: the runs stopped at 12:30; at 13:40 the 13:30 slot is due
	# and nobody ran it: the expected-by time is 13:30, and it stays
	hourly --at 2026-11-27T12:30
	assert_success
	hourly --at 2026-11-27T14:00
	assert_success
	assert_equal "$(samples sam_run_expected_by_timestamp_seconds)" \
		"sam_run_expected_by_timestamp_seconds $(($(epoch 2026-11-27T18:30:00Z) + 1200))"
	# the early close's last run: Monday 09:30 next
	hourly --at 2026-11-27T13:30
	assert_success
	mon=$(epoch 2026-11-30T14:30:00Z)
	assert_equal "$(samples sam_next_slot_timestamp_seconds sam_run_expected_by_timestamp_seconds)" \
"sam_next_slot_timestamp_seconds $mon
sam_run_expected_by_timestamp_seconds $((mon + 1200))"
	# Saturday: the same
	hourly --at 2026-11-28T10:30
	assert_success
	assert_equal "$(samples sam_run_expected_by_timestamp_seconds)" \
		"sam_run_expected_by_timestamp_seconds $((mon + 1200))"
}

@test "the expected-by time counts from the start of the last success, or of the first run when none succeeded, whatever the runs' ends" {
	conf
	mkdir -p store/runs
	# the 15:30 slot's run took 65 minutes, past 16:30
	jq -nc '{start: "2026-11-25T20:30:00Z", end: "2026-11-25T21:35:00Z", duration_s: 3900, status: "ok"}' \
		> store/runs/2026-11-25.ndjson
	hourly --at 2026-11-25T17:10
	assert_success
	assert_equal "$(samples sam_last_run_timestamp_seconds sam_last_run_duration_seconds sam_last_run_success sam_last_success_timestamp_seconds sam_run_expected_by_timestamp_seconds)" \
"sam_last_run_timestamp_seconds $(epoch 2026-11-25T21:35:00Z)
sam_last_run_duration_seconds 3900
sam_last_run_success 1
sam_last_success_timestamp_seconds $(epoch 2026-11-25T21:35:00Z)
sam_run_expected_by_timestamp_seconds $(($(epoch 2026-11-25T21:30:00Z) + 3000))"
	# runs that all failed, from 10:30 on: expected by 11:30 and the deadline
	{
		jq -nc '{start: "2026-11-24T15:30:00Z", end: "2026-11-24T15:31:00Z", duration_s: 60, status: "failed"}'
		jq -nc '{start: "2026-11-24T16:30:00Z", end: "2026-11-24T16:31:00Z", duration_s: 60, status: "failed"}'
	} > store/runs/2026-11-24.ndjson
	rm store/runs/2026-11-25.ndjson
	hourly --at 2026-11-25T17:10
	assert_success
	assert_equal "$(samples sam_last_run_timestamp_seconds sam_last_run_success sam_last_success_timestamp_seconds sam_run_expected_by_timestamp_seconds)" \
"sam_last_run_timestamp_seconds $(epoch 2026-11-24T16:31:00Z)
sam_last_run_success 0
sam_run_expected_by_timestamp_seconds $(($(epoch 2026-11-24T16:30:00Z) + 3000))"
	metrics_clean
}

# ---- failures ----

@test "a failing run: failed counted, the stage named, dead letters and the oldest one's time, the last success kept, the expected-by time not moved" {
	receive slack-ok.http
	conf SAM_WEBHOOK_URL_FILE=slack-url SAM_TICKERS=AAPL,MSFT
	hourly --at "$AT"
	assert_success
	ok=$(epoch 2026-11-25T15:30:00Z)
	receive slack-400.http
	conf SAM_WEBHOOK_URL_FILE=slack-url
	hourly --at 2026-11-25T11:30
	assert_failure 3
	dead=$(jq -s length store/dlq/2026-11-25.ndjson)
	[ "$dead" -gt 0 ]
	assert_equal "$(samples sam_runs_total sam_alerts_total sam_last_run_success sam_last_success_timestamp_seconds sam_run_expected_by_timestamp_seconds sam_dlq_depth sam_dlq_oldest_timestamp_seconds)" \
"sam_runs_total{status=\"failed\"} 1
sam_runs_total{status=\"ok\"} 1
sam_alerts_total{result=\"dead\"} $dead
sam_alerts_total{result=\"sent\"} 5
sam_alerts_total{result=\"skipped\"} 1
sam_last_run_success 0
sam_last_success_timestamp_seconds $ok
sam_run_expected_by_timestamp_seconds $(($(epoch 2026-11-25T16:30:00Z) + 3000))
sam_dlq_depth $dead
sam_dlq_oldest_timestamp_seconds $(epoch 2026-11-25T16:30:00Z)"
	assert_equal "$(samples sam_run_stage_failures_total | grep -v ' 0$')" \
		'sam_run_stage_failures_total{stage="alert"} 1'
	grep -qx '# TYPE sam_dlq_oldest_timestamp_seconds gauge' prom/sam.prom
	metrics_clean
}

@test "retries and failures per provider: a 429 retried is throttled, a 500 retried an error, a ticker with no bars a failure; the label is the provider, never its address" {
	{
		echo "/chart/AAPL $HTTP_FIXTURES/yahoo/429.http $HTTP_FIXTURES/yahoo/aapl-1d.http"
		echo "/chart/MSFT $HTTP_FIXTURES/yahoo/500.http $HTTP_FIXTURES/yahoo/msft-1d.http"
		echo "/chart/IBM $HTTP_FIXTURES/yahoo/notfound.http"
	} > routes
	httpd_routes routes
	conf SAM_SOURCE=yahoo
	SAM_YAHOO_URL=$HTTPD_URL hourly --at "$AT"
	assert_failure 3
	assert_equal "$(samples sam_fetch_failures_total sam_fetch_retries_total sam_run_stage_failures_total | grep -v ' 0$')" \
'sam_fetch_failures_total{provider="yahoo"} 1
sam_fetch_retries_total{provider="yahoo",reason="error"} 1
sam_fetch_retries_total{provider="yahoo",reason="throttled"} 1
sam_run_stage_failures_total{stage="fetch"} 1'
	assert_equal "$(samples sam_fetch_bars_total)" "sam_fetch_bars_total $(jq -s length < <(cat store/raw/*/*.ndjson))"
	# the failure is not a rejected row
	assert_equal "$(samples sam_rejected_rows_total | grep -v ' 0$')" ""
	run ! grep -e 127.0.0.1 -e http prom/sam.prom
	metrics_clean
}

@test "rows a stage rejects are counted by stage, and a csv source's label is csv, not its path" {
	SAM_NOW=2026-11-25T15:30:00Z sam-fetch -n 40 AAPL MSFT |
		jq -r '[.date, .ticker, .open, .high, .low, .close, .volume] | @csv' |
		sed '1i date,ticker,open,high,low,close,volume' | sed -e '5s/,[0-9]*$/,-5/' -e '9s/,[0-9]*$/,-7/' > "bars-$SECRET.csv"
	conf SAM_TICKERS=AAPL,MSFT "SAM_SOURCE=csv:bars-$SECRET.csv"
	hourly --at "$AT"
	assert_failure 1
	assert_equal "$(samples sam_rejected_rows_total sam_fetch_failures_total sam_fetch_bars_total)" \
'sam_rejected_rows_total{stage="alert"} 0
sam_rejected_rows_total{stage="detect"} 0
sam_rejected_rows_total{stage="fetch"} 2
sam_rejected_rows_total{stage="store"} 0
sam_rejected_rows_total{stage="store_raw"} 0
sam_rejected_rows_total{stage="zscore"} 0
sam_fetch_failures_total{provider="csv"} 0
sam_fetch_bars_total 78'
	run ! grep -e "$SECRET" -e bars- prom/sam.prom
	metrics_clean
	# the same counts from the tools' JSON logs
	samples sam_rejected_rows_total > text.counts
	rm -rf store site prom/sam.prom
	SAM_LOG_FORMAT=json hourly --at "$AT"
	assert_failure 1
	assert_equal "$(jq -r .level <<< "$stderr" | sort | uniq -c | awk '{ print $1, $2 }')" $'2 error\n2 info'
	assert_equal "$(samples sam_rejected_rows_total)" "$(< text.counts)"
}

@test "a reader of NDJSON that says how many lines it rejected adds them to its own stage's count" {
	# sam-detect, as if it had rejected 3 lines: the tools of SAM_BIN
	# but for it
	mkdir bin
	for t in sam-fetch sam-zscore sam-store sam-alert sam-serve-static; do
		ln -s "$SAM_BIN/$t" bin/$t
	done
	printf '#!/bin/sh\n"%s/sam-detect" "$@"\necho "sam-detect: 3 of 120 input lines rejected" >&2\nexit 1\n' \
		"$SAM_BIN" > bin/sam-detect
	chmod 755 bin/sam-detect
	conf
	SAM_BIN=$PWD/bin hourly --at "$AT"
	assert_failure 1
	assert_equal "${stderr_lines[1]}" "sam-detect: 3 of 120 input lines rejected"
	SAM_BIN=$PWD/bin hourly --at 2026-11-25T11:30
	assert_failure 1
	assert_equal "$(samples sam_rejected_rows_total | grep -v ' 0$')" 'sam_rejected_rows_total{stage="detect"} 6'
}

@test "the webhook's address is nowhere in the metrics file or the counters' state" {
	receive slack-400.http
	conf SAM_WEBHOOK_URL_FILE=slack-url
	hourly --at "$AT"
	assert_failure 3
	run ! grep -r -e "$SECRET" -e services prom store/.hourly-metrics
	[ -s prom/sam.prom ]
}

# ---- configuration ----

@test "a bad SAM_METRICS_FILE stops the job before anything runs: exit 2 and one message naming it" {
	mkdir -p prom prom/dir.prom
	conf
	error_table <<-'EOF'
		2 | - | SAM_METRICS_FILE=prom/sam.txt sam-hourly --config sam.env --at 2026-11-25T10:30 | sam-hourly: SAM_METRICS_FILE: the textfile collector reads only names ending in .prom: prom/sam.txt
		2 | - | SAM_METRICS_FILE=prom/.prom sam-hourly --config sam.env --at 2026-11-25T10:30 | sam-hourly: SAM_METRICS_FILE: the textfile collector reads only names ending in .prom: prom/.prom
		2 | - | SAM_METRICS_FILE=nodir/sam.prom sam-hourly --config sam.env --at 2026-11-25T10:30 | sam-hourly: SAM_METRICS_FILE: no such directory: nodir
		2 | - | SAM_METRICS_FILE=prom/ sam-hourly --config sam.env --at 2026-11-25T10:30 | sam-hourly: SAM_METRICS_FILE: a file, not a directory: prom/
		2 | - | SAM_METRICS_FILE=prom/dir.prom sam-hourly --config sam.env --at 2026-11-25T10:30 | sam-hourly: SAM_METRICS_FILE: a file, not a directory: prom/dir.prom
	EOF
	[ ! -e store ]
	assert_equal "$(ls -A prom)" dir.prom
}

@test "without SAM_METRICS_FILE no file is written and no counters are kept" {
	conf -SAM_METRICS_FILE
	hourly --at "$AT"
	assert_success
	assert_equal "$(ls -A prom)" ""
	[ ! -e store/.hourly-metrics ]
}

@test "a metrics file that cannot be written fails the run and the runs not due, exit 3, and says why" {
	conf SAM_METRICS_FILE=/proc/sam.prom
	hourly --at "$AT"
	assert_failure 3
	assert_equal "$stderr" "sam-hourly: run: 2026-11-25 10:30 New York (2026-11-25T15:30:00Z): run slot 10:30
sam-hourly: the metrics file /proc/sam.prom could not be written: no temporary file in /proc
sam-hourly: run failed (no metrics): 120 bars, 11 new anomalies, 0 alerts sent, 0 dead letters"
	# the run itself was done and recorded
	assert_equal "$(jq -r .status store/runs/2026-11-25.ndjson)" ok
	hourly --at 2026-11-25T13:00
	assert_failure 3
	assert_equal "$stderr" "sam-hourly: the metrics file /proc/sam.prom could not be written: no temporary file in /proc"
}

# ---- node_exporter ----

@test "the real node_exporter serves the file after a run: sam's samples as written, and no textfile error" {
	receive slack-ok.http
	conf SAM_WEBHOOK_URL_FILE=slack-url
	node_exporter_start "$PWD/prom"
	hourly --at "$AT"
	assert_success
	run curl -sfS "$NODE_URL/metrics"
	assert_success
	printf '%s\n' "$output" > scraped
	# sam's samples, as in the file (node_exporter sorts each family's,
	# and writes 1795620600 as 1.7956206e+09)
	assert_equal "$(grep '^sam_' scraped | numbers | sort)" "$(samples | numbers | sort)"
	assert_equal "$(grep -c '^sam_' scraped)" 40
	assert_equal "$(grep -E '^sam_(runs_total\{status="ok"\}|fetch_bars_total|alerts_total\{result="sent"\}|last_run_success) ' scraped)" \
'sam_alerts_total{result="sent"} 11
sam_fetch_bars_total 120
sam_last_run_success 1
sam_runs_total{status="ok"} 1'
	grep -qx '# TYPE sam_runs_total counter' scraped
	grep -qx '# HELP sam_dlq_depth Dead letters in the store'"'"'s dlq/.' scraped
	assert_equal "$(grep '^node_textfile_scrape_error' scraped)" "node_textfile_scrape_error 0"
	assert_equal "$(grep '^node_scrape_collector_success' scraped)" 'node_scrape_collector_success{collector="textfile"} 1'
	# the one file it read is sam.prom, nothing beside it
	assert_equal "$(grep '^node_textfile_mtime_seconds' scraped | cut -d' ' -f1)" \
		"node_textfile_mtime_seconds{file=\"$PWD/prom/sam.prom\"}"
	# the next invocation, not due: served at the next scrape
	hourly --at 2026-11-25T13:00
	assert_success
	run curl -sfS "$NODE_URL/metrics"
	assert_equal "$(grep '^sam_next_slot_timestamp_seconds' <<< "$output")" \
		"sam_next_slot_timestamp_seconds 1.7956314e+09"
	assert_equal "$(epoch 2026-11-25T18:30:00Z)" 1795631400

	# scraped while the job writes it again and again, the file is
	# always whole: 40 samples, no error
	(for i in 1 2 3 4 5 6; do sam-hourly --config sam.env --at 2026-11-25T13:0$i || exit 1; done) 3>&- &
	writer=$!
	scrapes=0 bad=0
	while kill -0 "$writer" 2> /dev/null || [ "$scrapes" -eq 0 ]; do
		curl -sfS "$NODE_URL/metrics" > scrape || { bad=$((bad + 1)); continue; }
		scrapes=$((scrapes + 1))
		[ "$(grep -c '^sam_' scrape)" -eq 40 ] && grep -qx 'node_textfile_scrape_error 0' scrape ||
			{ bad=$((bad + 1)); cat scrape; }
	done
	wait "$writer"
	echo "$scrapes scrapes, $bad bad"
	[ "$bad" -eq 0 ]
	assert_equal "$(ls -A prom)" sam.prom
	node_exporter_stop
}

@test "sam-hourly(8) METRICS names every family of the file, with its type and labels" {
	man=$(sed -n 's/^\.It Li \(sam_[a-z_]*\)\({[a-z,]*}\)\{0,1\} Pq \(counter\|gauge\)$/\1\2 \3/p' "$SAM_ROOT/man/sam-hourly.8")
	# the families of a run's file, their labels from their first sample
	file=$(awk '/^# TYPE / { t[$3] = $4; next }
		!/^#/ { f = $1; sub(/[{ ].*/, "", f); if (seen[f]++) next
			l = ""; s = $1
			while (match(s, /[a-z_]+="/)) { l = l (l ? "," : "") substr(s, RSTART, RLENGTH - 2); s = substr(s, RSTART + RLENGTH) }
			print f (l ? "{" l "}" : "") " " t[f] }' "$MF/run.prom")
	assert_equal "$(wc -l <<< "$file")" 16
	# and the one a run with no dead letter has not: the oldest's time
	assert_equal "$(grep -vx 'sam_dlq_oldest_timestamp_seconds gauge' <<< "$man")" "$file"
	assert_equal "$(grep -c . <<< "$man")" 17
	# (which a failing run writes: see its test)
}

# ---- the alerting rules ----

@test "promtool check rules: share/prometheus/sam.rules.yml has 7 rules and no error" {
	run promtool check rules "$RULES"
	assert_success
	assert_output "Checking $RULES
  SUCCESS: 7 rules found"
}

@test "promtool test rules: every rule fires and stays quiet as its unit tests say" {
	cd "$MF"
	run promtool test rules sam.rules.test.yml
	assert_success
	assert_output "Unit Testing:  sam.rules.test.yml
  SUCCESS"
}

@test "every rule of sam.rules.yml has a unit test that fires it and one that does not" {
	local name
	names=$(sed -n 's/^ *- alert: //p' "$RULES")
	assert_equal "$(wc -l <<< "$names")" 7
	for name in $names; do
		# the alert_rule_test entries of NAME: one with alerts, one without
		awk -v n="$name" '
			/alertname:/ { cur = $2 }
			cur == n && /exp_alerts: \[\]/ { quiet++ }
			cur == n && /exp_alerts:$/ { fires++ }
			END { if (!quiet || !fires) { print n ": quiet " quiet + 0 ", fires " fires + 0; exit 1 } }
		' "$MF/sam.rules.test.yml"
	done
}

@test "the unit tests catch a dead man's switch that forgets the weekend, and a dead-letter alarm that waits for five" {
	mkdir -p rules/a/b/c rules/share/prometheus
	cp "$MF/sam.rules.test.yml" rules/a/b/c/
	# a rule that fires a day before the expected-by time fires over the weekend
	sed 's/time() - sam_run_expected_by_timestamp_seconds > 900/time() - sam_run_expected_by_timestamp_seconds > -90000/' \
		"$RULES" > rules/share/prometheus/sam.rules.yml
	run ! cmp -s "$RULES" rules/share/prometheus/sam.rules.yml
	run promtool test rules rules/a/b/c/sam.rules.test.yml
	assert_failure
	[[ $output == *"alertname: SamRunsStopped, time: 1d20h,"* ]]
	sed 's/sam_dlq_depth > 0/sam_dlq_depth > 5/' "$RULES" > rules/share/prometheus/sam.rules.yml
	run ! cmp -s "$RULES" rules/share/prometheus/sam.rules.yml
	run promtool test rules rules/a/b/c/sam.rules.test.yml
	assert_failure
	[[ $output == *"alertname: SamDeadLetters, time: 1h30m,"* ]]
}
