#!/usr/bin/env bats
# sam-fetch's network sources against the loopback server (test/http.bash):
# each provider's answers and errors, retries, the rate, -j, keys and the
# http policy.  The responses and the bars expected of them are in
# fixtures/http, for the trading days 2026-11-16 .. 2026-11-24.

bats_require_minimum_version 1.5.0

load test_helper
load http

USAGE='usage: sam-fetch [-s source] [-i interval] [-n days] [--from date] [--to date]
                 [-f file] [-j jobs] [--rate n/unit] [--timeout seconds]
                 [--retries n] [--retry-wait seconds] [--deadline seconds]
                 [--base-url url] [--allow-http] [--key-file file] [--seed n]
                 [--mark-injected] [--strict] [--log-format text|json]
                 [ticker ...]
       sam-fetch --slot [--at time]'

RANGE=(--from 2026-11-16 --to 2026-11-24)
NO_BARS='no bars from 2026-11-16 to 2026-11-24'

setup() {
	sam_setup
	http_jail
}

teardown() {
	httpd_stop
}

# serve 'PATTERN RESPONSE...' ...: starts the server with these routes,
# the responses named relative to fixtures/http.
serve() {
	printf '%s\n' "$@" | awk -v d="$HTTP_FIXTURES" '
		{ for (i = 2; i <= NF; i++) $i = d "/" $i; print }' > routes
	httpd_start routes
	# one log a server: a table's cases count their own requests
	: > "$HTTPD_LOG"
}

# fetch SOURCE ARG...: runs sam-fetch -s SOURCE against the server, over
# the fixtures' week, with no rate limit and short retry waits (later
# options win).  Sets status, output, stderr and elapsed (ms).
fetch() {
	local source=$1 t0=${EPOCHREALTIME/./}
	shift
	run --separate-stderr sam-fetch -s "$source" --base-url "$HTTPD_URL" \
		--rate none --retry-wait 0.05 "${RANGE[@]}" "$@"
	elapsed=$(((${EPOCHREALTIME/./} - t0) / 1000))
}

# sam-fetch's version, as its User-Agent shows it.
version() {
	sam-fetch --version | cut -d' ' -f2
}

# The bars expected of a response, from fixtures/http.
expected() {
	cat "$HTTP_FIXTURES/$1"
}

# The expected bars of AAPL on stdin, as those of ticker $1.
as_ticker() {
	sed "s/\"ticker\":\"AAPL\"/\"ticker\":\"$1\"/"
}

# The nth request: its path, then its query's parameters sorted, a line
# each.
request() {
	httpd_requests | sed -n "$1p" | tr '?&' '\n\n' | {
		read -r path
		echo "$path"
		sort
	}
}

# A header of each request as the server logged it: auth, ae or ua.
sent() {
	local n
	case $1 in auth) n=1 ;; ae) n=2 ;; ua) n=3 ;; esac
	sed "s/^[0-9]* [A-Z]* [^ ]* auth=\(.*\) ae=\(.*\) ua=\(.*\)\$/\\$n/" "$HTTPD_LOG"
}

# Milliseconds between the arrivals of the ith and the jth request (in
# order of arrival).
gap() {
	awk '{ print $1 }' "$HTTPD_LOG" | sort -n |
		awk -v i="$1" -v j="$2" '{ t[NR] = $1 } END { print t[j] - t[i] }'
}

# Runs a table of failing answers on stdin, one case a line:
#	SOURCE | RESPONSE | REQUESTS | MESSAGE
# The server gives RESPONSE to every request of the case; sam-fetch -s
# SOURCE AAPL must write no bar, exit 3 with "sam-fetch: MESSAGE" as its
# only line, after REQUESTS requests.  Every case runs; each that differs
# is shown.
failures() {
	local line source response want msg got n bad=0
	# One server for the table, faster than one a case: case n is
	# served under /n/, a prefix of its --base-url.
	http_table
	serve "${HTTP_ROUTES[@]}"
	for n in "${!HTTP_ROWS[@]}"; do
		line=${HTTP_ROWS[n]}
		source=${line%% | *}; line=${line#* | }
		response=${line%% | *}; line=${line#* | }
		want=${line%% | *}; msg=sam-fetch:\ ${line#* | }
		fetch "$source" --base-url "$HTTPD_URL/$n" AAPL
		got=$(httpd_requests "^/$n/" | wc -l)
		if [ "$status" != 3 ] || [ "$stderr" != "$msg" ] || [ -n "$output" ] ||
		    [ "$got" != "$want" ]; then
			printf '%s %s\n  expected exit 3, %s requests and:\n%s\n  got exit %s, %s requests and:\n%s\n  stdout:\n%s\n' \
				"$source" "$response" "$want" "$msg" "$status" "$got" "$stderr" "$output"
			bad=$((bad + 1))
		fi
	done
	echo "${#HTTP_ROWS[@]} cases, $bad failed"
	[ "${#HTTP_ROWS[@]}" -gt 0 ] && [ "$bad" -eq 0 ]
}

# ---- each provider's bars, and its requests ----

@test "yahoo: daily bars stamped 09:30 New York, from period1 to period2, as a browser" {
	serve '/v8/finance/chart/AAPL yahoo/aapl-1d.http'
	fetch yahoo aapl
	assert_success
	assert_output "$(expected yahoo/aapl-1d.expected)"
	assert_equal "$stderr" ""
	# period1 is midnight New York of --from, period2 of the day after --to
	assert_equal "$(request 1)" '/v8/finance/chart/AAPL
includePrePost=false
interval=1d
period1=1794805200
period2=1795582800'
	assert_equal "$(httpd_requests | wc -l)" 1
	assert_equal "$(sent auth)" -
	assert_equal "$(sent ua | cut -c1-13)" 'Mozilla/5.0 ('
	[[ $(sent ua) != *sam-fetch* ]]
}

@test "yahoo: hourly bars keep their start time" {
	serve '/v8/finance/chart/AAPL yahoo/aapl-1h.http'
	fetch yahoo -i 1h --from 2026-11-23 AAPL
	assert_success
	assert_output "$(expected yahoo/aapl-1h.expected)"
	assert_equal "$stderr" ""
	assert_equal "$(request 1)" '/v8/finance/chart/AAPL
includePrePost=false
interval=1h
period1=1795410000
period2=1795582800'
}

@test "alphavantage: a newest-first daily CSV comes out oldest first; full history only when needed" {
	export SAM_ALPHAVANTAGE_KEY=AVKEY0001
	serve 'function=TIME_SERIES_DAILY alphavantage/ibm-daily.http'
	fetch alphavantage IBM
	assert_success
	assert_output "$(expected alphavantage/ibm-daily.expected)"
	assert_equal "$stderr" ""
	assert_equal "$(request 1)" '/query
apikey=AVKEY0001
datatype=csv
function=TIME_SERIES_DAILY
outputsize=compact
symbol=IBM'
	assert_equal "$(sent ua)" "sam-fetch/$(version)"
	assert_equal "$(sent auth)" -
	# compact is the last 100 trading days
	fetch alphavantage --from 2026-03-02 IBM
	assert_success
	assert_output "$(expected alphavantage/ibm-daily.expected)"
	assert_equal "$(request 2 | grep outputsize)" outputsize=full
}

@test "alphavantage: 5-minute bars, New York times, in the regular session" {
	export SAM_ALPHAVANTAGE_KEY=AVKEY0001
	serve 'function=TIME_SERIES_INTRADAY alphavantage/ibm-5min.http'
	fetch alphavantage -i 5m IBM
	assert_success
	assert_output "$(expected alphavantage/ibm-5min.expected)"
	assert_equal "$stderr" ""
	assert_equal "$(request 1)" '/query
apikey=AVKEY0001
datatype=csv
extended_hours=false
function=TIME_SERIES_INTRADAY
interval=5min
outputsize=full
symbol=IBM'
}

@test "polygon: next_url pages are followed, the key only ever in the Authorization header" {
	export SAM_POLYGON_KEY=PGKEY0001
	serve 'cursor= polygon/aapl-page2.http' '/v2/aggs/ticker/AAPL/ polygon/aapl-page1.http'
	fetch polygon AAPL
	assert_success
	assert_output "$(expected polygon/aapl.expected)"
	assert_equal "$stderr" ""
	assert_equal "$(httpd_requests)" \
		"/v2/aggs/ticker/AAPL/range/1/day/2026-11-16/2026-11-24?adjusted=true&sort=asc&limit=50000
/v2/aggs/ticker/AAPL/range/1/day/1795150800000/1795496400000?cursor=bGltaXQ9NCZzb3J0PWFzYw"
	assert_equal "$(sent auth)" $'Bearer PGKEY0001\nBearer PGKEY0001'
	assert_equal "$(httpd_requests PGKEY | wc -l)" 0
	assert_equal "$(sent ua | sort -u)" "sam-fetch/$(version)"
}

@test "polygon: a next_url to another host is not followed, and the ticker fails" {
	export SAM_POLYGON_KEY=PGKEY0001
	serve 'cursor= polygon/aapl-page2.http' '/v2/aggs/ticker/AAPL/ polygon/aapl-page1-elsewhere.http'
	fetch polygon AAPL
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "sam-fetch: polygon: AAPL: next_url leads to another host: not followed"
	assert_equal "$(httpd_requests | wc -l)" 1
}

@test "polygon: when a later page fails, the bars of the earlier ones are not written" {
	export SAM_POLYGON_KEY=PGKEY0001
	serve 'cursor= polygon/429.http' '/v2/aggs/ticker/AAPL/ polygon/aapl-page1.http'
	fetch polygon --retries 0 AAPL
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "sam-fetch: polygon: AAPL: HTTP 429: ERROR: You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue. https://polygon.io/pricing (the provider limits requests: lower --rate or -j, or wait)"
	assert_equal "$(httpd_requests | wc -l)" 2
}

@test "stooq: daily bars of aapl.us from d1 to d2" {
	export SAM_STOOQ_KEY=STKEY0001
	serve '/q/d/l/ stooq/aapl.http'
	fetch stooq AAPL
	assert_success
	assert_output "$(expected stooq/aapl.expected)"
	assert_equal "$stderr" ""
	assert_equal "$(request 1)" '/q/d/l/
apikey=STKEY0001
d1=20261116
d2=20261124
i=d
s=aapl.us'
	assert_equal "$(sent ua)" "sam-fetch/$(version)"
}

@test "csv:http://127.0.0.1 reads a multi-ticker CSV; named tickers select, a missing one fails" {
	serve '^/prices\.csv$ csv/prices.http'
	run --separate-stderr sam-fetch -s "csv:$HTTPD_URL/prices.csv" "${RANGE[@]}"
	assert_success
	assert_output "$(expected csv/prices.expected)"
	assert_equal "$stderr" ""
	run --separate-stderr sam-fetch -s "csv:$HTTPD_URL/prices.csv" msft
	assert_success
	assert_output "$(grep MSFT "$HTTP_FIXTURES/csv/prices.expected")"
	assert_equal "$stderr" ""
	run --separate-stderr sam-fetch -s "csv:$HTTPD_URL/prices.csv" AAPL GOOG
	assert_failure 3
	assert_output "$(grep AAPL "$HTTP_FIXTURES/csv/prices.expected")"
	assert_equal "$stderr" "sam-fetch: $HTTPD_URL/prices.csv: no rows for ticker GOOG"
	assert_equal "$(httpd_requests)" $'/prices.csv\n/prices.csv\n/prices.csv'
	assert_equal "$(sent ua | sort -u)" "sam-fetch/$(version)"
}

@test "a gzip-encoded answer gives the same bars" {
	serve '/v8/finance/chart/AAPL yahoo/gzip.http'
	fetch yahoo AAPL
	assert_success
	assert_output "$(expected yahoo/aapl-1d.expected)"
	assert_equal "$stderr" ""
	assert_equal "$(sent ae | grep -c gzip)" 1
}

# ---- answers with no bars, or some bars left out ----

@test "an answer with no bars in the range is an error for the ticker" {
	export SAM_POLYGON_KEY=PGKEY0001
	failures <<-EOF
		yahoo | yahoo/empty.http | 1 | yahoo: AAPL: $NO_BARS
		polygon | polygon/empty.http | 1 | polygon: AAPL: $NO_BARS
		polygon | polygon/null-results.http | 1 | polygon: AAPL: $NO_BARS
	EOF
}

@test "yahoo's bars with null quotes are skipped with one warning, the others written" {
	serve '/v8/finance/chart/AAPL yahoo/aapl-nulls.http'
	fetch yahoo AAPL
	assert_success
	assert_output "$(grep -v -e '"date":"2026-11-19"' -e '"date":"2026-11-20"' \
		"$HTTP_FIXTURES/yahoo/aapl-1d.expected")"
	assert_equal "$stderr" "sam-fetch: warning: yahoo: AAPL: 2 bars with null quotes skipped (the first 2026-11-19T14:30:00Z)"
	# Null bars outside the range asked for are not counted.
	run --separate-stderr sam-fetch -s yahoo --base-url "$HTTPD_URL" --rate none \
		--from 2026-11-20 --to 2026-11-24 AAPL
	assert_success
	assert_equal "$stderr" "sam-fetch: warning: yahoo: AAPL: 1 bar with null quotes skipped (the first 2026-11-20T14:30:00Z)"
}

@test "yahoo: days before 1970 come with negative timestamps" {
	serve '/v8/finance/chart/IBM yahoo/ibm-1969.http'
	run --separate-stderr sam-fetch -s yahoo --base-url "$HTTPD_URL" --rate none \
		--from 1969-12-30 --to 1970-01-02 IBM
	assert_success
	assert_equal "$stderr" ""
	assert_output '{"ticker":"IBM","interval":"1d","ts":"1969-12-30T14:30:00Z","date":"1969-12-30","open":2.93,"high":2.96,"low":2.9,"close":2.95,"volume":395200,"source":"yahoo"}
{"ticker":"IBM","interval":"1d","ts":"1969-12-31T14:30:00Z","date":"1969-12-31","open":2.95,"high":3,"low":2.94,"close":2.99,"volume":520000,"source":"yahoo"}
{"ticker":"IBM","interval":"1d","ts":"1970-01-02T14:30:00Z","date":"1970-01-02","open":3,"high":3.05,"low":2.98,"close":3.02,"volume":387200,"source":"yahoo"}'
	assert_equal "$(httpd_requests)" "/v8/finance/chart/IBM?interval=1d&period1=-154800&period2=190800&includePrePost=false"
}

@test "a bar with a high below its open is rejected, the others written, exit 1" {
	serve '/v8/finance/chart/AAPL yahoo/bad-ohlc.http'
	fetch yahoo AAPL
	assert_failure 1
	assert_output "$(grep -v '"date":"2026-11-18"' "$HTTP_FIXTURES/yahoo/aapl-1d.expected")"
	assert_equal "$stderr" "sam-fetch: yahoo: AAPL: 2026-11-18T14:30:00Z: high 227.10000610351563 is below open 229.10000610351563"
}

# ---- errors ----

@test "errors sent with HTTP 200 are errors, never data, and are not retried" {
	export SAM_ALPHAVANTAGE_KEY=SAMTESTAVKEY0001 SAM_STOOQ_KEY=STKEY0001
	failures <<-'EOF'
		yahoo | yahoo/error-200.http | 1 | yahoo: AAPL: HTTP 200: Bad Request: Invalid input - interval=2m is not supported
		yahoo | yahoo/outage-200.http | 1 | yahoo: AAPL: HTTP 200: not JSON (an outage page?): "Yahoo"
		alphavantage | alphavantage/error.http | 1 | alphavantage: AAPL: HTTP 200: Error Message: Invalid API call. Please retry or visit the documentation (https://www.alphavantage.co/documentation/) for TIME_SERIES_DAILY.
		alphavantage | alphavantage/note.http | 1 | alphavantage: AAPL: HTTP 200: Note: Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute and 500 calls per day. Please visit https://www.alphavantage.co/premium/ if you would like to target a higher API call frequency.
		alphavantage | alphavantage/information.http | 1 | alphavantage: AAPL: HTTP 200: Information: We have detected your API key as REDACTED and our standard API rate limit is 25 requests per day. Please subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to instantly remove all daily rate limits.
		stooq | stooq/nodata.http | 1 | stooq: AAPL: HTTP 200: "No data"
		stooq | stooq/limit.http | 1 | stooq: AAPL: HTTP 200: "Exceeded the daily hits limit"
		stooq | stooq/html.http | 1 | stooq: AAPL: HTTP 200: stooq asks for an API key (is the key right?): "Stooq"
		stooq | stooq/apikey.http | 1 | stooq: AAPL: HTTP 200: stooq asks for an API key (is the key right?): "Get your apikey: 1. Open https://stooq.c..."
	EOF
}

@test "404, 401 and 403 are reported with what the answer says, and not retried" {
	export SAM_POLYGON_KEY=PGKEY0001
	failures <<-'EOF'
		yahoo | yahoo/notfound.http | 1 | yahoo: AAPL: HTTP 404: Not Found: No data found, symbol may be delisted
		polygon | polygon/unauthorized.http | 1 | polygon: AAPL: HTTP 401: ERROR: Unknown API Key
		polygon | polygon/forbidden.http | 1 | polygon: AAPL: HTTP 403: NOT_AUTHORIZED: You are not entitled to this data. Please upgrade your plan at https://polygon.io/pricing
	EOF
}

@test "one ticker's failure does not stop the others; -j 1 reports in ticker order" {
	serve '/chart/AAPL yahoo/aapl-1d.http' '/chart/MSFT yahoo/msft-1d.http' '/chart/ yahoo/notfound.http'
	fetch yahoo AAPL ZZZZ MSFT
	assert_failure 3
	assert_output "$(expected yahoo/aapl-1d.expected; expected yahoo/msft-1d.expected)"
	assert_equal "$stderr" "sam-fetch: yahoo: ZZZZ: HTTP 404: Not Found: No data found, symbol may be delisted"
	# one at a time, in ticker order
	: > "$HTTPD_LOG"
	fetch yahoo -j 1 ZZZZ MSFT QQQQ
	assert_failure 3
	assert_output "$(expected yahoo/msft-1d.expected)"
	assert_equal "$stderr" "sam-fetch: yahoo: QQQQ: HTTP 404: Not Found: No data found, symbol may be delisted
sam-fetch: yahoo: ZZZZ: HTTP 404: Not Found: No data found, symbol may be delisted"
	assert_equal "$(httpd_requests | cut -d'?' -f1)" '/v8/finance/chart/MSFT
/v8/finance/chart/QQQQ
/v8/finance/chart/ZZZZ'
}

@test "a truncated answer is retried, then the ticker fails with none of its bars" {
	serve '/chart/AAPL yahoo/truncated.http' '/chart/MSFT yahoo/msft-1d.http'
	fetch yahoo AAPL MSFT
	assert_failure 3
	assert_output "$(expected yahoo/msft-1d.expected)"
	assert_equal "$stderr" "sam-fetch: warning: yahoo: AAPL: truncated response (200 bytes, then the connection closed), retrying in 0.05 s (attempt 2 of 3)
sam-fetch: warning: yahoo: AAPL: truncated response (200 bytes, then the connection closed), retrying in 0.1 s (attempt 3 of 3)
sam-fetch: yahoo: AAPL: truncated response (200 bytes, then the connection closed) after 3 attempts"
	assert_equal "$(httpd_requests /AAPL | wc -l)" 3
}

@test "a connection closed without a reply is an error" {
	serve '/chart/AAPL yahoo/close.http'
	fetch yahoo --retries 1 AAPL
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "sam-fetch: warning: yahoo: AAPL: the server closed the connection without a reply, retrying in 0.05 s (attempt 2 of 2)
sam-fetch: yahoo: AAPL: the server closed the connection without a reply after 2 attempts"
	assert_equal "$(httpd_requests | wc -l)" 2
}

@test "a port nothing listens on: cannot connect, after the retries" {
	local port
	port=$(closed_port)
	run --separate-stderr sam-fetch -s yahoo --base-url "http://127.0.0.1:$port" \
		--retry-wait 0.05 "${RANGE[@]}" AAPL
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "sam-fetch: warning: yahoo: AAPL: cannot connect (refused or unreachable), retrying in 0.05 s (attempt 2 of 3)
sam-fetch: warning: yahoo: AAPL: cannot connect (refused or unreachable), retrying in 0.1 s (attempt 3 of 3)
sam-fetch: yahoo: AAPL: cannot connect (refused or unreachable) after 3 attempts"
}

@test "--timeout gives up on a slow answer" {
	serve '/chart/AAPL yahoo/slow.http'
	fetch yahoo --timeout 0.5 --retries 0 AAPL
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "sam-fetch: yahoo: AAPL: timed out (--timeout 0.5 s)"
	# the answer would take 3 s
	[ "$elapsed" -lt 3000 ]
	[ "$elapsed" -ge 500 ]
}

@test "--log-format json writes a provider's warnings and errors as JSON" {
	serve '/chart/AAPL yahoo/500.http'
	fetch yahoo --retries 1 --log-format json AAPL
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" '{"ts":"2026-11-25T21:00:00Z","level":"warning","tool":"sam-fetch","msg":"yahoo: AAPL: HTTP 500, retrying in 0.05 s (attempt 2 of 2)"}
{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-fetch","msg":"yahoo: AAPL: HTTP 500 after 2 attempts: \"Yahoo\""}'
}

# ---- retries ----

@test "a 500 is retried: one warning a retry, then the bars" {
	serve '/chart/AAPL yahoo/500.http yahoo/aapl-1d.http'
	fetch yahoo AAPL
	assert_success
	assert_output "$(expected yahoo/aapl-1d.expected)"
	assert_equal "$stderr" "sam-fetch: warning: yahoo: AAPL: HTTP 500, retrying in 0.05 s (attempt 2 of 3)"
	assert_equal "$(httpd_requests | wc -l)" 2
}

@test "a 500 every time: three attempts, each wait twice the last, or one with --retries 0" {
	serve '/chart/AAPL yahoo/500.http'
	fetch yahoo AAPL
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" 'sam-fetch: warning: yahoo: AAPL: HTTP 500, retrying in 0.05 s (attempt 2 of 3)
sam-fetch: warning: yahoo: AAPL: HTTP 500, retrying in 0.1 s (attempt 3 of 3)
sam-fetch: yahoo: AAPL: HTTP 500 after 3 attempts: "Yahoo"'
	assert_equal "$(httpd_requests | wc -l)" 3
	[ "$(gap 1 2)" -ge 45 ]
	[ "$(gap 2 3)" -ge 95 ]
	: > "$HTTPD_LOG"
	fetch yahoo --retries 0 AAPL
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" 'sam-fetch: yahoo: AAPL: HTTP 500: "Yahoo"'
	assert_equal "$(httpd_requests | wc -l)" 1
}

@test "the first retry waits 1 s by default" {
	serve '/chart/AAPL yahoo/500.http yahoo/aapl-1d.http'
	run --separate-stderr sam-fetch -s yahoo --base-url "$HTTPD_URL" --rate none \
		--retries 1 "${RANGE[@]}" AAPL
	assert_success
	assert_output "$(expected yahoo/aapl-1d.expected)"
	assert_equal "$stderr" "sam-fetch: warning: yahoo: AAPL: HTTP 500, retrying in 1 s (attempt 2 of 2)"
	[ "$(gap 1 2)" -ge 950 ]
}

@test "a 429 with Retry-After: 1 waits a second, not --retry-wait, then succeeds" {
	serve '/chart/AAPL yahoo/429.http yahoo/aapl-1d.http'
	fetch yahoo AAPL
	assert_success
	assert_output "$(expected yahoo/aapl-1d.expected)"
	assert_equal "$stderr" "sam-fetch: warning: yahoo: AAPL: HTTP 429, retrying in 1 s (Retry-After) (attempt 2 of 3)"
	assert_equal "$(httpd_requests | wc -l)" 2
	[ "$(gap 1 2)" -ge 950 ]
}

@test "a 429 that persists says the provider limits requests" {
	serve '/chart/AAPL yahoo/429-noretry.http'
	fetch yahoo AAPL
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" 'sam-fetch: warning: yahoo: AAPL: HTTP 429, retrying in 0.05 s (attempt 2 of 3)
sam-fetch: warning: yahoo: AAPL: HTTP 429, retrying in 0.1 s (attempt 3 of 3)
sam-fetch: yahoo: AAPL: HTTP 429 after 3 attempts: "Too Many Requests" (the provider limits requests: lower --rate or -j, or wait)'
	assert_equal "$(httpd_requests | wc -l)" 3
}

@test "a Retry-After of more than a minute is not waited for" {
	serve '/chart/AAPL yahoo/429-hour.http yahoo/aapl-1d.http'
	fetch yahoo AAPL
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" 'sam-fetch: warning: yahoo: AAPL: HTTP 429, and Retry-After asks for 3600 s (more than 60 s): not retrying
sam-fetch: yahoo: AAPL: HTTP 429: "Too Many Requests" (the provider limits requests: lower --rate or -j, or wait)'
	assert_equal "$(httpd_requests | wc -l)" 1
	[ "$elapsed" -lt 3000 ]
}

# ---- the rate and -j ----

@test "--rate 2/s starts two requests at once, the third a second after the first" {
	serve '/chart/ yahoo/aapl-1d.http'
	fetch yahoo --rate 2/s -j 4 AAPL MSFT IBM ORCL
	assert_success
	assert_output "$(for t in AAPL IBM MSFT ORCL; do as_ticker $t < "$HTTP_FIXTURES/yahoo/aapl-1d.expected"; done)"
	assert_equal "$stderr" ""
	assert_equal "$(httpd_requests | wc -l)" 4
	[ "$(gap 1 2)" -lt 500 ]
	[ "$(gap 1 3)" -ge 900 ]
	[ "$(gap 2 4)" -ge 900 ]
}

@test "retries count against --rate" {
	serve '/chart/AAPL yahoo/500.http yahoo/500.http yahoo/aapl-1d.http'
	fetch yahoo --rate 2/s AAPL
	assert_success
	assert_output "$(expected yahoo/aapl-1d.expected)"
	assert_equal "$(httpd_requests | wc -l)" 3
	[ "$(gap 1 3)" -ge 900 ]
}

@test "-j 2 keeps at most two requests in flight" {
	serve '/chart/ yahoo/aapl-1d-delay.http'
	fetch yahoo -j 2 AAPL MSFT IBM ORCL
	assert_success
	assert_output "$(for t in AAPL IBM MSFT ORCL; do as_ticker $t < "$HTTP_FIXTURES/yahoo/aapl-1d.expected"; done)"
	assert_equal "$stderr" ""
	# each answer takes 0.3 s: two rounds of two
	[ "$(gap 1 2)" -lt 250 ]
	[ "$(gap 1 3)" -ge 290 ]
	[ "$(gap 2 4)" -ge 290 ]
	[ "$elapsed" -ge 600 ]
}

@test "bad --rate, -j, --timeout, --retries and --retry-wait values are usage errors" {
	usage_table sam-fetch -s yahoo --retries 0 "${RANGE[@]}" AAPL <<-'EOF'
		--rate 0/s | sam-fetch: --rate: N/s, N/m, N/h, N/d or none: 0/s
		--rate 2/w | sam-fetch: --rate: N/s, N/m, N/h, N/d or none: 2/w
		--rate 2 | sam-fetch: --rate: N/s, N/m, N/h, N/d or none: 2
		--rate fast | sam-fetch: --rate: N/s, N/m, N/h, N/d or none: fast
		--rate -1/s | sam-fetch: --rate: N/s, N/m, N/h, N/d or none: -1/s
		--rate 100001/s | sam-fetch: --rate: N/s, N/m, N/h, N/d or none: 100001/s
		-j 0 | sam-fetch: --jobs: not a number from 1 to 64: 0
		--jobs 65 | sam-fetch: --jobs: not a number from 1 to 64: 65
		-j 1.5 | sam-fetch: --jobs: not a number from 1 to 64: 1.5
		--timeout 0 | sam-fetch: --timeout: not a number of seconds (0.001 to 3600): 0
		--timeout -1 | sam-fetch: --timeout: not a number of seconds (0.001 to 3600): -1
		--timeout 3601 | sam-fetch: --timeout: not a number of seconds (0.001 to 3600): 3601
		--timeout 2h | sam-fetch: --timeout: not a number of seconds (0.001 to 3600): 2h
		--timeout 5w | sam-fetch: --timeout: not a number of seconds (0.001 to 3600): 5w
		--timeout -.5 | sam-fetch: --timeout: not a number of seconds (0.001 to 3600): -.5
		--retries 11 | sam-fetch: --retries: not a number from 0 to 10: 11
		--retries -1 | sam-fetch: --retries: not a number from 0 to 10: -1
		--retries two | sam-fetch: --retries: not a number from 0 to 10: two
		--retry-wait 0 | sam-fetch: --retry-wait: not a number of seconds (0.001 to 3600): 0
		--retry-wait x | sam-fetch: --retry-wait: not a number of seconds (0.001 to 3600): x
	EOF
	# Checked whatever the source, as the other options are.
	usage_table sam-fetch --from 2026-11-24 --to 2026-11-24 AAPL <<-'EOF'
		--rate fast | sam-fetch: --rate: N/s, N/m, N/h, N/d or none: fast
		-j 0 | sam-fetch: --jobs: not a number from 1 to 64: 0
	EOF
}

# ---- keys ----

@test "a provider's key missing, or in a file others can read, is a configuration error" {
	printf 'FILEKEY0001\n' > key600
	printf 'FILEKEY0001\n' > key644
	printf 'FILEKEY0001\n' > key640
	: > empty.key
	chmod 600 key600 empty.key
	chmod 644 key644
	chmod 640 key640
	error_table <<-'EOF'
		2 | - | sam-fetch -s alphavantage AAPL | sam-fetch: alphavantage needs an API key: set SAM_ALPHAVANTAGE_KEY, or give --key-file
		2 | - | sam-fetch -s polygon AAPL | sam-fetch: polygon needs an API key: set SAM_POLYGON_KEY, or give --key-file
		2 | - | sam-fetch -s stooq AAPL | sam-fetch: stooq needs an API key: set SAM_STOOQ_KEY, or give --key-file
		2 | - | SAM_POLYGON_KEY= sam-fetch -s polygon AAPL | sam-fetch: polygon needs an API key: set SAM_POLYGON_KEY, or give --key-file
		2 | - | SAM_POLYGON_KEY='PG KEY' sam-fetch -s polygon AAPL | sam-fetch: SAM_POLYGON_KEY: the key is shorter than 8 characters or holds blanks or control characters
		2 | - | sam-fetch -s polygon --key-file key644 AAPL | sam-fetch: key644: key file is readable by group or others: chmod 600 it
		2 | - | sam-fetch -s stooq --key-file key640 AAPL | sam-fetch: key640: key file is readable by group or others: chmod 600 it
		2 | - | SAM_POLYGON_KEY=ENVKEY0001 sam-fetch -s polygon --key-file key644 AAPL | sam-fetch: key644: key file is readable by group or others: chmod 600 it
		2 | - | SAM_POLYGON_KEY=short12 sam-fetch -s polygon AAPL | sam-fetch: SAM_POLYGON_KEY: the key is shorter than 8 characters or holds blanks or control characters
		2 | - | sam-fetch -s polygon --key-file empty.key AAPL | sam-fetch: empty.key: key file is empty
		2 | - | sam-fetch -s polygon --key-file missing.key AAPL | sam-fetch: fatal: unable to open key file missing.key: No such file or directory
		2 | - | sam-fetch -s yahoo --key-file key600 AAPL | sam-fetch: --key-file: yahoo takes no key
	EOF
}

@test "--key-file with mode 600 gives the key, before the environment's" {
	printf 'FILEKEY0001\n' > polygon.key
	chmod 600 polygon.key
	export SAM_POLYGON_KEY=ENVKEY0001
	serve 'cursor= polygon/aapl-page2.http' '/v2/aggs/ticker/AAPL/ polygon/aapl-page1.http'
	fetch polygon --key-file polygon.key AAPL
	assert_success
	assert_output "$(expected polygon/aapl.expected)"
	assert_equal "$stderr" ""
	assert_equal "$(sent auth)" $'Bearer FILEKEY0001\nBearer FILEKEY0001'
}

@test "a key a provider echoes back is REDACTED in the message" {
	export SAM_ALPHAVANTAGE_KEY=SAMTESTAVKEY0001
	serve '/query alphavantage/information.http'
	fetch alphavantage IBM
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "sam-fetch: alphavantage: IBM: HTTP 200: Information: We have detected your API key as REDACTED and our standard API rate limit is 25 requests per day. Please subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to instantly remove all daily rate limits."
	assert_equal "$(httpd_requests apikey=SAMTESTAVKEY0001 | wc -l)" 1
	fetch alphavantage --log-format json IBM
	assert_failure 3
	[[ $stderr != *SAMTESTAVKEY0001* ]]
	assert_equal "$(jq -r .msg <<< "$stderr")" "alphavantage: IBM: HTTP 200: Information: We have detected your API key as REDACTED and our standard API rate limit is 25 requests per day. Please subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to instantly remove all daily rate limits."
}

@test "csv:http: a token in the URL is sent, but REDACTED in every message" {
	serve '^/prices\.csv yahoo/notfound.http'
	run --separate-stderr sam-fetch -s "csv:$HTTPD_URL/prices.csv?token=SECRET0001&x=1" --retries 0
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" 'sam-fetch: '"$HTTPD_URL"'/prices.csv?token=REDACTED&x=1: HTTP 404: "{\"chart\":{\"result\":null,\"error\":{\"code\":..."'
	assert_equal "$(httpd_requests)" /prices.csv?token=SECRET0001\&x=1
	local port
	port=$(closed_port)
	run --separate-stderr sam-fetch -s "csv:http://user:SECRET0002@127.0.0.1:$port/p.csv?apikey=SECRET0003" \
		--retries 1 --retry-wait 0.05
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "sam-fetch: warning: http://REDACTED@127.0.0.1:$port/p.csv?apikey=REDACTED: cannot connect (refused or unreachable), retrying in 0.05 s (attempt 2 of 2)
sam-fetch: http://REDACTED@127.0.0.1:$port/p.csv?apikey=REDACTED: cannot connect (refused or unreachable) after 2 attempts"
	# Signed URLs, as object stores share private files.
	run --separate-stderr sam-fetch --retries 0 -s \
		"csv:http://127.0.0.1:$port/p.csv?X-Amz-Credential=C1&X-Amz-Date=20261125&X-Amz-Signature=S1&sig=S2&api-key=S3&Secret=S4&Session_Token=S5"
	assert_failure 3
	assert_equal "$stderr" "sam-fetch: http://127.0.0.1:$port/p.csv?X-Amz-Credential=REDACTED&X-Amz-Date=20261125&X-Amz-Signature=REDACTED&sig=REDACTED&api-key=REDACTED&Secret=REDACTED&Session_Token=REDACTED: cannot connect (refused or unreachable)"
}

# ---- the http policy ----

@test "plain http to a host that is not loopback, or another scheme, is refused before any request" {
	usage_table sam-fetch -s yahoo --retries 0 "${RANGE[@]}" AAPL <<-'EOF'
		--base-url http://example.com | sam-fetch: --base-url: plain http to a host that is not loopback (use https, or --allow-http): http://example.com
		--base-url http://user:pw@example.com/?apikey=SECRET | sam-fetch: --base-url: plain http to a host that is not loopback (use https, or --allow-http): http://REDACTED@example.com/?apikey=REDACTED
		--base-url ftp://127.0.0.1/ | sam-fetch: --base-url: not an http or https URL: ftp://127.0.0.1/
		--allow-http --base-url ftp://127.0.0.1/ | sam-fetch: --base-url: not an http or https URL: ftp://127.0.0.1/
		--base-url example.com | sam-fetch: --base-url: not a URL: example.com
		-s csv:http://example.com/prices.csv?token=SECRET | sam-fetch: --source: plain http to a host that is not loopback (use https, or --allow-http): http://example.com/prices.csv?token=REDACTED
		-s csv:http://127.0.0.1/p.csv --base-url http://127.0.0.1 | sam-fetch: --base-url: csv:URL names its URL itself
		-s stooq -i 1h | sam-fetch: --interval: stooq has daily bars only: 1h
		SAM_YAHOO_URL=http://example.com | sam-fetch: SAM_YAHOO_URL: plain http to a host that is not loopback (use https, or --allow-http): http://example.com
		SAM_STOOQ_URL=ftp://127.0.0.1 -s stooq | sam-fetch: SAM_STOOQ_URL: not an http or https URL: ftp://127.0.0.1
	EOF
}

@test "SAM_YAHOO_URL replaces the provider's address, and --base-url replaces both" {
	serve '/v8/finance/chart/AAPL yahoo/aapl-1d.http'
	SAM_YAHOO_URL=$HTTPD_URL run --separate-stderr sam-fetch -s yahoo --rate none "${RANGE[@]}" AAPL
	assert_success
	assert_output "$(expected yahoo/aapl-1d.expected)"
	assert_equal "$stderr" ""
	SAM_YAHOO_URL=http://127.0.0.1:$(closed_port) run --separate-stderr \
		sam-fetch -s yahoo --base-url "$HTTPD_URL" --rate none --retries 0 "${RANGE[@]}" AAPL
	assert_success
	assert_output "$(expected yahoo/aapl-1d.expected)"
	assert_equal "$stderr" ""
	assert_equal "$(httpd_requests | wc -l)" 2
}

@test "--timeout, --retry-wait and --deadline read a duration as sam-alert does: .5, 1.5, 30s, 2m" {
	# one grammar of durations (libz): sam-fetch refused ".5" and "30s"
	serve '/chart/AAPL yahoo/slow.http'
	fetch yahoo --timeout .5 --retries 0 AAPL
	assert_failure 3
	assert_equal "$stderr" "sam-fetch: yahoo: AAPL: timed out (--timeout 0.5 s)"
	fetch yahoo --timeout 0.01m --retries 1 --retry-wait .05s --deadline 2m AAPL
	assert_failure 3
	assert_equal "$stderr" "sam-fetch: warning: yahoo: AAPL: timed out (--timeout 0.6 s), retrying in 0.05 s (attempt 2 of 2)
sam-fetch: yahoo: AAPL: timed out (--timeout 0.6 s) after 2 attempts"
	SAM_FETCH_DEADLINE=.3 fetch yahoo --timeout 30s AAPL
	assert_failure 3
	assert_equal "$stderr" "sam-fetch: yahoo: AAPL: not done when the deadline passed (--deadline 0.3 s)"
}

# ---- the deadline, and pages that never end ----

@test "--deadline: the tickers not done are named, the bars of those done written, exit 3" {
	# AAPL and IBM start at once; the rate holds MSFT back a minute
	serve '/chart/ yahoo/aapl-1d.http'
	fetch yahoo --rate 2/m --deadline 0.5 AAPL IBM MSFT
	assert_failure 3
	assert_output "$(for t in AAPL IBM; do as_ticker $t < "$HTTP_FIXTURES/yahoo/aapl-1d.expected"; done)"
	assert_equal "$stderr" "sam-fetch: yahoo: MSFT: not done when the deadline passed (--deadline 0.5 s)"
	assert_equal "$(httpd_requests | wc -l)" 2
	[ "$elapsed" -ge 500 ]
	[ "$elapsed" -lt 2500 ]
}

@test "--deadline stops an answer in flight, and a retry not yet due" {
	serve '/chart/AAPL yahoo/aapl-1d.http' '/chart/MSFT yahoo/slow.http' '/chart/IBM yahoo/500.http'
	fetch yahoo --deadline 0.5 --timeout 10 --retry-wait 5 --log-format json AAPL IBM MSFT
	assert_failure 3
	assert_output "$(expected yahoo/aapl-1d.expected)"
	assert_equal "$stderr" '{"ts":"2026-11-25T21:00:00Z","level":"warning","tool":"sam-fetch","msg":"yahoo: IBM: HTTP 500, retrying in 5 s (attempt 2 of 3)"}
{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-fetch","msg":"yahoo: IBM: not done when the deadline passed (--deadline 0.5 s)"}
{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-fetch","msg":"yahoo: MSFT: not done when the deadline passed (--deadline 0.5 s)"}'
	# the slow answer would take 3 s, the retry 5 s
	[ "$elapsed" -lt 2500 ]
}

@test "SAM_FETCH_DEADLINE sets the deadline, --deadline wins over it" {
	serve '/chart/AAPL yahoo/aapl-1d.http' '/chart/MSFT yahoo/slow.http'
	SAM_FETCH_DEADLINE=0.4 fetch yahoo AAPL MSFT
	assert_failure 3
	assert_output "$(expected yahoo/aapl-1d.expected)"
	assert_equal "$stderr" "sam-fetch: yahoo: MSFT: not done when the deadline passed (--deadline 0.4 s)"
	[ "$elapsed" -lt 2500 ]
	SAM_FETCH_DEADLINE=600 fetch yahoo --deadline 0.3 AAPL MSFT
	assert_failure 3
	assert_equal "$stderr" "sam-fetch: yahoo: MSFT: not done when the deadline passed (--deadline 0.3 s)"
	[ "$elapsed" -lt 2500 ]
	# a bad value in the environment is ignored when the option is given
	SAM_FETCH_DEADLINE=soon fetch yahoo --deadline 0.3 AAPL MSFT
	assert_failure 3
	assert_equal "$stderr" "sam-fetch: yahoo: MSFT: not done when the deadline passed (--deadline 0.3 s)"
}

@test "bad --deadline and SAM_FETCH_DEADLINE values are usage errors, whatever the source" {
	usage_table sam-fetch -s yahoo "${RANGE[@]}" AAPL <<-'EOF'
		--deadline 0 | sam-fetch: --deadline: not a number of seconds (0.001 to 604800): 0
		--deadline -5 | sam-fetch: --deadline: not a number of seconds (0.001 to 604800): -5
		--deadline 604801 | sam-fetch: --deadline: not a number of seconds (0.001 to 604800): 604801
		--deadline 8d | sam-fetch: --deadline: not a number of seconds (0.001 to 604800): 8d
		--deadline 1.s | sam-fetch: --deadline: not a number of seconds (0.001 to 604800): 1.s
		SAM_FETCH_DEADLINE=never | sam-fetch: SAM_FETCH_DEADLINE: not a number of seconds (0.001 to 604800): never
		SAM_FETCH_DEADLINE=0 | sam-fetch: SAM_FETCH_DEADLINE: not a number of seconds (0.001 to 604800): 0
	EOF
	usage_table sam-fetch --from 2026-11-24 --to 2026-11-24 AAPL <<-'EOF'
		--deadline 0 | sam-fetch: --deadline: not a number of seconds (0.001 to 604800): 0
		SAM_FETCH_DEADLINE=never | sam-fetch: SAM_FETCH_DEADLINE: not a number of seconds (0.001 to 604800): never
	EOF
}

@test "polygon: a next_url back to a page already fetched is a loop, reported and not followed" {
	export SAM_POLYGON_KEY=PGKEY0001
	serve 'cursor= polygon/loop-back.http' '/v2/aggs/ticker/AAPL/ polygon/aapl-page1.http'
	fetch polygon AAPL
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "sam-fetch: polygon: AAPL: next_url of page 2 leads back to page 1: a loop, not followed"
	assert_equal "$(httpd_requests | wc -l)" 2
}

@test "polygon: a page with the same bars as one before, under a new cursor, is a loop" {
	export SAM_POLYGON_KEY=PGKEY0001
	serve 'cursor= polygon/same-bars.http' '/v2/aggs/ticker/AAPL/ polygon/aapl-page1.http'
	fetch polygon AAPL
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "sam-fetch: polygon: AAPL: page 2 holds the same bars as page 1: a loop, not followed"
	assert_equal "$(httpd_requests)" "/v2/aggs/ticker/AAPL/range/1/day/2026-11-16/2026-11-24?adjusted=true&sort=asc&limit=50000
/v2/aggs/ticker/AAPL/range/1/day/1795150800000/1795496400000?cursor=bGltaXQ9NCZzb3J0PWFzYw"
}

@test "polygon: pages without end, each waiting for the rate, stop at the deadline" {
	export SAM_POLYGON_KEY=PGKEY0001
	# no bars, and a next_url never the same: only the deadline ends it
	serve '/v2/aggs/ticker/ polygon/endless.http'
	# two pages at once, two a second later, the fifth would wait till 2 s
	fetch polygon --rate 2/s --deadline 1.5 AAPL
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "sam-fetch: polygon: AAPL: not done when the deadline passed (--deadline 1.5 s), after 4 pages"
	assert_equal "$(httpd_requests | wc -l)" 4
	[ "$elapsed" -ge 1500 ]
	[ "$elapsed" -lt 3000 ]
}

@test "polygon: a page that does not come by the deadline fails the ticker, whose earlier pages are not written" {
	export SAM_POLYGON_KEY=PGKEY0001
	serve 'cursor= polygon/slow-page.http' '/v2/aggs/ticker/AAPL/ polygon/aapl-page1.http' \
		'/v2/aggs/ticker/MSFT/ polygon/aapl-all.http'
	fetch polygon --deadline 0.5 AAPL MSFT
	assert_failure 3
	assert_output "$(as_ticker MSFT < "$HTTP_FIXTURES/polygon/aapl.expected")"
	assert_equal "$stderr" "sam-fetch: polygon: AAPL: not done when the deadline passed (--deadline 0.5 s), after 1 page"
	[ "$elapsed" -lt 3000 ]
}
