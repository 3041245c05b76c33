#!/usr/bin/env bats
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
# sam-hourly's side of the signal work: the chain it runs (the bars
# fetched whole, scored, then stored raw; the profile, the metrics and
# the market passed on), its new settings and defaults, --backfill of
# scored bars, and --replay: the alerts a past period would have had,
# printed, sent nowhere, the live store only read.  Every expected
# output is made again here with the tools themselves, by hand.

bats_require_minimum_version 1.5.0

load test_helper
load http
load hourly

AT=2026-11-25T10:30	# a due slot, a Wednesday (SAM_NOW is 16:00 that day)
FROM=2026-11-16		# a week in winter time: each run after the close
TO=2026-11-20		# is at 16:30 New York, 21:30Z
# for the recommended profile, which flags far fewer bars: eight tickers
# over 16 weeks, from summer time (16:30 is 20:30Z) to winter time
EIGHT=AAPL,MSFT,IBM,NVDA,AMZN,GOOGL,META,TSLA
LONG_FROM=2026-08-03

teardown() {
	httpd_stop
}

# ---- helpers ----

# conf [KEY=VALUE | -KEY]...: sam.env with AAPL, MSFT and IBM on the
# mock source, the store in store/ and the site in site/; KEY=VALUE in
# place of KEY's line (or added), -KEY's line left out.
conf() {
	sam_env HOURLY_BASE "$@"
}


# by_hand FROM TO "TICKERS" "ZSCORE ARGS" "DETECT ARGS" [ALERT ARG...]:
# what a replay of FROM to TO prints, made with the tools: the mock's
# bars of TICKERS (comma-separated) from the warm-up sam-hourly(8) gives
# a window of 30 (31 + 15 + 10 = 56 calendar days before FROM: the same
# bars, so the same sums to the last bit) to TO in hand-bars, scored and
# judged; the anomalies of each day from FROM to TO, in their order,
# given to sam-alert --dry-run at 16:30 New York that day, a store of
# its own.
by_hand() {
	local from=$1 to=$2 tickers=$3 zargs=$4 dargs=$5 d at
	shift 5
	# shellcheck disable=SC2046 # the tickers, a word each
	sam-fetch --from "$(date -u -d "$from - 56 days" +%F)" --to "$to" $(tr ',' ' ' <<< "$tickers") > hand-bars
	# shellcheck disable=SC2086 # the words of the arguments
	sam-zscore -w 30 $zargs hand-bars | sam-detect $dargs > hand-anomalies
	for d in $(jq -r .date hand-anomalies | sort -u); do
		[[ $d < $from || $d > $to ]] && continue
		grep -F "\"date\":\"$d\"" hand-anomalies > hand-slot
		# New York's summer time ends on 2026-11-01
		if [[ $d < 2026-11-01 ]]; then at=${d}T20:30:00Z; else at=${d}T21:30:00Z; fi
		SAM_NOW=$at sam-alert --dry-run -r hand-store "$@" hand-slot
	done
}

# sections < MESSAGES: "TICKER DATE SEVERITY METRIC,..." for each
# anomaly of the Slack messages, in order (MARKET for a market event).
sections() {
	jq -r '.blocks[] | select(.type == "section") | .text.text
		| (split("\n")[0]) as $head
		| [($head | capture("`(?<t>[^`]+)`").t) // "MARKET", ($head | split(" ")[-1]),
		   ($head | capture("\\*(?<s>[a-z]+)\\*").s), ([scan("`([a-z_]+)` z")[0]] | join(","))]
		| join(" ")'
}

# tree: every file of store/ with its SHA-256, and every directory.
tree() {
	find store -type d | sort
	find store -type f -print0 | sort -z | xargs -0 sha256sum
}

# ---- --replay ----

@test "--replay prints, slot by slot, the messages the chain would have sent after each day's close: those of the same chain run by hand" {
	conf
	hourly --replay "$FROM" "$TO"
	assert_success
	by_hand "$FROM" "$TO" AAPL,MSFT,IBM "" "" > expected
	[ -s expected ]
	assert_output "$(< expected)"
	assert_equal "$stderr" "sam-hourly: replay of $FROM to $TO: 5 slots, $(sections < expected | wc -l) anomalies, $(wc -l < expected) messages, nothing sent"
	# one message a day with anomalies, stamped with that day's 16:30
	assert_equal "$(jq -r '.blocks[-1].elements[0].text' <<< "$output" | sed 's/.* · //')" \
		"$(jq -r 'select(.date >= "'$FROM'" and .date <= "'$TO'") | .date + "T21:30:00Z"' hand-anomalies | sort -u)"
	# nothing of it stays
	[ ! -e store ]
	[ ! -e site ]
}

@test "the alerts of a replay, exactly: the original rule on the mock's week of 2026-11-16, a message on Thursday and one on Friday" {
	conf
	hourly --replay "$FROM" "$TO"
	assert_success
	assert_equal "$(sections <<< "$output")" "$(cat <<-'EOF'
		IBM 2026-11-19 low close
		MSFT 2026-11-19 medium close
		IBM 2026-11-20 medium close
		MSFT 2026-11-20 medium close
	EOF
	)"
	assert_equal "$(jq -r .blocks[0].text.text <<< "$output")" $'2 stock anomalies: 1 medium, 1 low\n2 stock anomalies: 2 medium'
	assert_equal "$stderr" "sam-hourly: replay of $FROM to $TO: 5 slots, 4 anomalies, 2 messages, nothing sent"
}

@test "a replay sends nothing, even with an address to alert, and leaves the live store byte for byte as it was, its alert state unread" {
	echo "^/services/ $FIXTURES/hourly/slack-ok.http" > routes
	httpd_start routes
	echo "$HTTPD_URL/services/T000/B000/SECRETtoken123" > slack-url
	chmod 600 slack-url
	conf SAM_WEBHOOK_URL_FILE=slack-url SAM_FETCH_DAYS=80 SAM_COOLDOWN=3650d
	# the live job alerted the week already
	hourly --at "$AT"
	assert_success
	sent=$(wc -l < "$HTTPD_LOG")
	[ "$sent" -ge 1 ]
	tree > before
	hourly --replay "$FROM" "$TO"
	assert_success
	[ -n "$output" ]
	assert_equal "$(wc -l < "$HTTPD_LOG")" "$sent"
	tree > after
	cmp before after
	# the week's alerts again, as from a new store: the live state is not consulted
	assert_output "$(by_hand "$FROM" "$TO" AAPL,MSFT,IBM "" "")"
	# nor the address, in the Slack and the webhook format alike
	conf SAM_WEBHOOK_URL_FILE=slack-url SAM_ALERT_TO=webhook
	hourly --replay "$FROM" "$TO"
	assert_success
	assert_output "$(by_hand "$FROM" "$TO" AAPL,MSFT,IBM "" "" --to webhook)"
	assert_equal "$(jq -r .alerts[].labels.ticker <<< "$output" | sort -u | tr '\n' ' ')" "IBM MSFT "
	assert_equal "$(wc -l < "$HTTPD_LOG")" "$sent"
	tree > after
	cmp before after
}

@test "a replay takes no lock and asks no gate: it runs while the job holds its lock, and on a Sunday" {
	conf
	mkdir store
	exec {lock}> store/.hourly.lock
	flock -n "$lock"
	SAM_NOW=2026-11-22T15:00:00Z hourly --replay "$FROM" "$TO"
	exec {lock}>&-
	assert_success
	assert_output "$(by_hand "$FROM" "$TO" AAPL,MSFT,IBM "" "")"
	assert_equal "$(ls -A store)" .hourly.lock
}

@test "--source store replays the scored bars of the live raw store as the bars they were: the same alerts as from the source, whatever profile stored them" {
	# the live job stored 160 days scored by the original rule, and kept them
	conf SAM_TICKERS=$EIGHT SAM_FETCH_DAYS=160 SAM_RAW_DAYS=250 SAM_PROFILE=original
	hourly --at "$AT"
	assert_success
	[ "$(cat store/raw/AAPL/$TO.ndjson | jq 'has("z_close")')" = true ]
	tree > before
	for profile in original recommended; do
		conf SAM_TICKERS=$EIGHT SAM_FETCH_DAYS=160 SAM_RAW_DAYS=250 SAM_PROFILE=$profile
		hourly --replay "$LONG_FROM" "$TO"
		assert_success
		[ -n "$output" ]
		from_source=$output
		hourly --replay "$LONG_FROM" "$TO" --source store
		assert_success
		assert_equal "$output" "$from_source"
		[[ $stderr == "sam-hourly: replay of $LONG_FROM to $TO: 79 slots, "*" messages, nothing sent" ]]
	done
	tree > after
	cmp before after
}

@test "--source store with fewer days stored than the window needs warns, and replays what there is" {
	conf SAM_FETCH_DAYS=30
	hourly --at "$AT"
	assert_success
	hourly --replay "$FROM" "$TO" --source store
	assert_success
	assert_equal "${stderr%%$'\n'*}" "sam-hourly: warning: 22 days of bars before $FROM, where the window needs 31: the first days of the period are scored on fewer"
}

@test "--source csv:PATH replays a file; a day that closes at 13:00 is replayed at 13:30" {
	# AAPL flat but for a jump on the day after Thanksgiving, an early close
	SAM_NOW=2026-12-04T21:00:00Z sam-fetch -n 60 --to 2026-11-30 AAPL | jq -r .date |
		awk 'BEGIN { print "date,ticker,open,high,low,close,volume" }
			{ c = $1 == "2026-11-27" ? 13 : 10 + NR % 7 / 100
			  printf "%s,AAPL,%s,%s,%s,%s,1000000\n", $1, c, c, c, c }' > prices.csv
	conf SAM_TICKERS=AAPL
	SAM_NOW=2026-12-04T21:00:00Z hourly --replay 2026-11-23 2026-11-30 --source csv:prices.csv
	assert_success
	assert_equal "$(sections <<< "$output")" "AAPL 2026-11-27 critical close"
	assert_equal "$(jq -r '.blocks[-1].elements[0].text' <<< "$output")" "sam-alert 0.1.0 · 2026-11-27T18:30:00Z"
	assert_equal "$stderr" "sam-hourly: replay of 2026-11-23 to 2026-11-30: 5 slots, 1 anomaly, 1 message, nothing sent"
}

@test "a replay up to today, in the session, judges today's bar as it stands, at the time of now" {
	conf
	SAM_NOW=2026-11-25T15:30:00Z hourly --replay 2026-11-25 2026-11-25
	assert_success
	assert_equal "$(jq -r '.blocks[-1].elements[0].text' <<< "$output" | sort -u)" "sam-alert 0.1.0 · 2026-11-25T15:30:00Z"
}

@test "a replay whose source fails exits 3 and says which stage failed" {
	conf SAM_SOURCE=csv:missing.csv
	hourly --replay "$FROM" "$TO"
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "sam-fetch: fatal: unable to open missing.csv: No such file or directory
sam-hourly: replay of $FROM to $TO: 0 slots, 0 anomalies, 0 messages, nothing sent; failed (fetch exited 3)"
}

@test "bad dates and options of --replay: exit 2, the message and the usage, nothing run" {
	conf
	error_table <<-'EOF'
		2 | + | sam-hourly --config sam.env --replay 2026-11-16 | sam-hourly: option '--replay' requires two dates: from and to
		2 | + | sam-hourly --config sam.env --replay | sam-hourly: option '--replay' requires two dates: from and to
		2 | + | sam-hourly --config sam.env --replay 2026-02-30 2026-03-02 | sam-hourly: --replay: not a date (YYYY-MM-DD): 2026-02-30
		2 | + | sam-hourly --config sam.env --replay 2026-11-16 20261120 | sam-hourly: --replay: not a date (YYYY-MM-DD): 20261120
		2 | + | sam-hourly --config sam.env --replay 2026-11-16T10:30 2026-11-20 | sam-hourly: --replay: not a date (YYYY-MM-DD): 2026-11-16T10:30
		2 | + | sam-hourly --config sam.env --replay 2026-11-16 '' | sam-hourly: --replay: not a date (YYYY-MM-DD): 
		2 | + | sam-hourly --config sam.env --replay 2026-11-20 2026-11-16 | sam-hourly: --replay: 2026-11-20 is after 2026-11-16
		2 | + | sam-hourly --config sam.env --replay 2026-11-16 2026-11-26 | sam-hourly: --replay: 2026-11-26 is after today, 2026-11-25
		2 | + | sam-hourly --config sam.env --replay 2026-11-16 2026-11-20 --source bloomberg | sam-hourly: --source: store, mock, yahoo, alphavantage, polygon, stooq or csv:PATH|URL: bloomberg
		2 | + | sam-hourly --config sam.env --replay 2026-11-16 2026-11-20 --source | sam-hourly: option '--source' requires an argument
		2 | + | sam-hourly --config sam.env --source store | sam-hourly: --source: only with --replay
		2 | + | sam-hourly --config sam.env --force --replay 2026-11-16 2026-11-20 | sam-hourly: --replay: not with --force, --at, --gate-only or --backfill
		2 | + | sam-hourly --config sam.env --replay 2026-11-16 2026-11-20 --at 2026-11-25T10:30 | sam-hourly: --replay: not with --force, --at, --gate-only or --backfill
		2 | + | sam-hourly --config sam.env --replay 2026-11-16 2026-11-20 --backfill 5 | sam-hourly: --replay: not with --force, --at, --gate-only or --backfill
		2 | - | sam-hourly --config sam.env --replay 2026-11-16 2026-11-20 --source store | sam-hourly: --source store: no store at store
	EOF
	[ ! -e store ]
	[ ! -e site ]
}

# ---- profiles and the market ----

@test "SAM_PROFILE original and recommended both replay, each as sam-zscore and sam-detect with that --profile, and judge their own metrics" {
	local profile
	for profile in original recommended; do
		conf SAM_TICKERS=$EIGHT SAM_PROFILE=$profile
		hourly --replay "$LONG_FROM" "$TO"
		assert_success
		by_hand "$LONG_FROM" "$TO" "$EIGHT" "--profile $profile" "--profile $profile" > expected
		[ -s expected ]
		assert_output "$(< expected)"
		sections <<< "$output" > "$profile.sections"
	done
	assert_equal "$(cut -d' ' -f4 original.sections | tr ',' '\n' | sort -u | tr '\n' ' ')" "close volume "
	assert_equal "$(cut -d' ' -f4 recommended.sections | tr ',' '\n' | sort -u | tr '\n' ' ')" "lvolume return "
	# the recommended profile: far fewer
	[ "$(wc -l < recommended.sections)" -lt "$(($(wc -l < original.sections) / 3))" ]
}

@test "SAM_METRICS, when set, goes to both tools as -m over the profile; SAM_THRESHOLD as -t" {
	conf SAM_PROFILE=original SAM_METRICS=return SAM_THRESHOLD=1.5
	hourly --replay "$FROM" "$TO"
	assert_success
	by_hand "$FROM" "$TO" AAPL,MSFT,IBM "--profile original -m return" "--profile original -m return -t 1.5" > expected
	[ -s expected ]
	assert_output "$(< expected)"
	assert_equal "$(sections <<< "$output" | cut -d' ' -f4 | sort -u)" return
	# a score from 1.5 up, below the default 2
	[ "$(jq -r '.blocks[] | select(.type == "section") | .text.text' <<< "$output" | grep -c 'z [-+]1\.')" -gt 0 ]
}

@test "SAM_MARKET=SPY fetches SPY with the watch list and gives the bars to sam-zscore as --market with --market-ticker SPY: market events, excess returns" {
	conf SAM_TICKERS=$EIGHT SAM_PROFILE=recommended SAM_MARKET=spy
	hourly --replay "$LONG_FROM" "$TO"
	assert_success
	by_hand "$LONG_FROM" "$TO" "$EIGHT,SPY" "--profile recommended --market hand-bars --market-ticker SPY" "--profile recommended" > expected
	assert_output "$(< expected)"
	sections <<< "$output" > got
	# the market's own days reach the high band rarely on the mock (its
	# SPY is one more random ticker): market events are those of the
	# chain by hand, above; the tickers' price anomalies are excess ones
	grep -q ' excess$' got
	[ "$(grep -c ' return$' got)" -eq 0 ]
}

@test "SAM_MARKET=cross gives sam-zscore the watch list's bars as --market, no ticker added" {
	conf SAM_TICKERS=$EIGHT SAM_PROFILE=recommended SAM_MARKET=cross
	hourly --replay "$LONG_FROM" "$TO"
	assert_success
	by_hand "$LONG_FROM" "$TO" "$EIGHT" "--profile recommended --market hand-bars" "--profile recommended" > expected
	assert_output "$(< expected)"
	sections <<< "$output" > got
	grep -q ' excess$' got
	assert_equal "$(grep -c '^SPY ' got)" 0
	# not what the same profile sends without a market
	conf SAM_TICKERS=$EIGHT SAM_PROFILE=recommended
	hourly --replay "$LONG_FROM" "$TO"
	assert_success
	[ "$output" != "$(< expected)" ]
}

@test "a run with the recommended profile and SPY as the market: SPY fetched and stored, the raw store keeps the scored bars, the run record counts four tickers" {
	conf SAM_FETCH_DAYS=60 SAM_PROFILE=recommended SAM_MARKET=SPY
	hourly --at "$AT"
	assert_success
	assert_equal "$(ls store/raw | tr '\n' ' ')" "AAPL IBM MSFT SPY "
	assert_equal "$(jq -c '[.tickers, .bars, .stages]' store/runs/2026-11-25.ndjson)" \
		'[4,240,{"fetch":0,"store_raw":0,"zscore":0,"detect":0,"store":0,"alert":null,"prune":0}]'
	# the bars stored are those sam-zscore wrote: the market's return, the statistics of the band
	SAM_NOW=2026-11-25T15:30:00Z sam-fetch -n 60 AAPL MSFT IBM SPY > bars
	sam-zscore -w 30 --profile recommended --market bars --market-ticker SPY bars |
		grep -F '"ticker":"MSFT"' | grep -F '"date":"2026-11-20"' > want
	cmp want store/raw/MSFT/2026-11-20.ndjson
	grep -q '"market_return":' want
	grep -q '"z_lvolume":' want
}

# ---- settings and defaults ----

@test "by default a run fetches what SAM_RAW_DAYS (130) holds and a window and a bar before: 125 trading days; SAM_RAW_DAYS and SAM_WINDOW move it" {
	conf
	hourly --at "$AT"
	assert_success
	assert_equal "$(jq -c '[.tickers, .bars]' store/runs/2026-11-25.ndjson)" '[3,375]'
	# 30 days: four weeks and 2 days, 22 trading days at most; a window of 20
	conf SAM_RAW_DAYS=30 SAM_WINDOW=20 SAM_STORE=store2
	hourly --at "$AT"
	assert_success
	assert_equal "$(jq -c '[.tickers, .bars]' store2/runs/2026-11-25.ndjson)" '[3,129]'
	# given, it wins
	conf SAM_FETCH_DAYS=45 SAM_STORE=store3
	hourly --at "$AT"
	assert_success
	assert_equal "$(jq -c .bars store3/runs/2026-11-25.ndjson)" 135
}

@test "--backfill stores DAYS trading days of scored bars, each scored on a full window" {
	conf SAM_TICKERS=AAPL,MSFT
	hourly --backfill 20
	assert_success
	assert_equal "$stderr" "sam-hourly: backfilled 20 days of 2 tickers into store"
	assert_equal "$(ls store/raw/AAPL | wc -l) $(ls store/raw/MSFT | wc -l)" "20 20"
	assert_equal "$(cat store/raw/*/*.ndjson | jq -c 'select(.n != 30 or .z_close == null) | .ts')" ""
	# as the chain scores them
	sam-fetch -n 51 AAPL MSFT | sam-zscore -w 30 | grep -F '"date":"2026-11-25"' | grep -F '"ticker":"AAPL"' > want
	cmp want store/raw/AAPL/2026-11-25.ndjson
}

@test "the new settings are checked before anything runs: exit 2 and the setting named" {
	error_table <<-'EOF'
		2 | - | conf SAM_PROFILE=tuned; sam-hourly --config sam.env --force | sam-hourly: SAM_PROFILE: original or recommended: tuned
		2 | - | conf SAM_PROFILE=Recommended; sam-hourly --config sam.env --force | sam-hourly: SAM_PROFILE: original or recommended: Recommended
		2 | - | conf SAM_MARKET=S/P; sam-hourly --config sam.env --force | sam-hourly: SAM_MARKET: a ticker, cross or nothing: S/P
		2 | - | conf SAM_METRICS=close,excess; sam-hourly --config sam.env --force | sam-hourly: SAM_METRICS: excess needs a market (SAM_MARKET): close,excess
		2 | - | conf SAM_METRICS=rvol; sam-hourly --config sam.env --force | sam-hourly: SAM_METRICS: close, volume, return, lvolume and excess, comma-separated: rvol
		2 | - | conf SAM_PROFILE=tuned; sam-hourly --config sam.env --replay 2026-11-16 2026-11-20 | sam-hourly: SAM_PROFILE: original or recommended: tuned
	EOF
	[ ! -e store ]
}

@test "share/sam.env.example selects the recommended profile and SPY as the market; SAM_PROFILE=original is the one line of the original rule" {
	local example=$SAM_ROOT/share/sam.env.example
	assert_equal "$(grep -E '^SAM_(PROFILE|MARKET|METRICS|THRESHOLD|RAW_DAYS|FETCH_DAYS)=' "$example" | tr '\n' ' ')" \
		"SAM_PROFILE=recommended SAM_MARKET=SPY SAM_RAW_DAYS=130 "
	grep -q 'SAM_PROFILE=original' "$example"
	# it runs as it is, but for its provider (the mock here), with SPY fetched
	grep -qx 'SAM_SOURCE=yahoo' "$example"
	sed -e "s|^SAM_STORE=.*|SAM_STORE=store|" -e "s|^SAM_SITE=.*|SAM_SITE=site|" \
		-e "s|^SAM_SOURCE=.*|SAM_SOURCE=mock|" "$example" > sam.env
	hourly --at "$AT"
	assert_success
	assert_equal "$(jq -c '[.tickers, .bars, .status]' store/runs/2026-11-25.ndjson)" '[11,1375,"ok"]'
	[ -d store/raw/SPY ]
	hourly --replay "$FROM" "$TO"
	assert_success
}
