#!/usr/bin/env bats
# The tools together: sam-fetch | sam-zscore | sam-detect.

load test_helper

# The mock market where a test names no source: named, so that
# sam-fetch does not warn of it (test/14-fetch-mock-notice.bats).
setup() {
	sam_setup
	export SAM_SOURCE=mock
}

# Per 100 bars past the warm-up: what share of the mock's injected
# anomalies the default pipeline finds, by the metric that should see it.
recall() {
	jq -s '
		map(select(.n == 30)) as $b
		| ($b | map(select(.injected | index("volume")))) as $v
		| ($b | map(select(.injected | index("price")))) as $p
		| {volume: ($v | length), volume_found: ($v | map(select(.metrics | index("volume"))) | length),
		   price: ($p | length), price_found_close: ($p | map(select(.metrics | index("close"))) | length),
		   price_found_return: ($p | map(select(.metrics | index("return"))) | length)}'
}

@test "a quarter of three mock tickers gives the expected anomalies" {
	sam-fetch --from 2024-04-01 --to 2024-06-28 AAPL MSFT NVDA | sam-zscore | sam-detect |
		jq -c '{id, severity, score, metrics}' > out
	diff -u "$FIXTURES/pipeline/q2-2024.expected" out
}

@test "the pipeline gives the same output on every run" {
	sam-fetch --days 250 AAPL MSFT | sam-zscore | sam-detect --all > one
	sam-fetch --days 250 AAPL MSFT | sam-zscore | sam-detect --all > two
	[ -s one ]
	cmp one two
}

@test "a ticker's anomalies do not depend on the other tickers fetched" {
	sam-fetch --days 120 NVDA | sam-zscore | sam-detect > alone
	sam-fetch --days 120 AAPL NVDA ZZZ | sam-zscore | sam-detect | jq -c 'select(.ticker == "NVDA")' > among
	[ -s alone ]
	cmp alone among
}

@test "zscore and detect find most of the mock's injected volume spikes and price jumps" {
	seq -f 'T%03g' 1 50 > watchlist
	sam-fetch --mark-injected --from 2022-01-03 --to 2024-12-31 -f watchlist > bars
	sam-zscore bars | sam-detect --all | recall > default
	sam-zscore -m close,volume,return bars | sam-detect --all | recall > returns
	run jq -r '"# recall, default metrics: volume spikes \(.volume_found)/\(.volume), price jumps by z_close \(.price_found_close)/\(.price)"' default
	echo "$output" >&3
	# volume spikes: at least 95 %; price jumps seen in the close: 70 %
	jq -e '.volume > 200 and .volume_found >= 0.95 * .volume' default
	jq -e '.price > 100 and .price_found_close >= 0.70 * .price' default
	# price jumps seen in the return: 95 %
	jq -e '.price_found_return >= 0.95 * .price' returns
}
