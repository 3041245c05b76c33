#!/bin/sh
# share/demo.sh - one cycle of the job on the built-in mock source:
# fetch the watch list into the store, score it, keep the anomalies in
# the store, and summarise.
# Run by "make demo" from the top of the tree; output goes to demo/.
set -eu
cd "$(dirname "$0")/.."
PATH=$(pwd):$PATH
out=demo
days=${DEMO_DAYS:-90}
mkdir -p "$out"

store=$out/store

# The hourly chain: bars stored and passed on, anomalies stored, and only
# those new to the store written out (what sam-alert sends).
sam-fetch --source mock --days "$days" -f share/tickers.example |
	sam-store -r "$store" put --kind raw --tee | tee "$out/bars.ndjson" |
	sam-zscore | tee "$out/scored.ndjson" | sam-detect |
	sam-store -r "$store" put > "$out/new.ndjson"
sam-store -r "$store" get anomalies > "$out/anomalies.ndjson"

jq -rn --slurpfile bars "$out/bars.ndjson" --slurpfile a "$out/anomalies.ndjson" '
	def count(s): [$a[] | select(.severity == s)] | length;
	($bars | map(.ticker) | unique | length) as $tickers
	| "sam demo: \($tickers) tickers x \($bars | map(.date) | unique | length) trading days (\($bars[0].date) to \($bars | map(.date) | max)), mock source",
	  "  \($bars | length) bars -> \($a | length) anomalies: \(count("critical")) critical, \(count("high")) high, \(count("medium")) medium, \(count("low")) low",
	  "  the strongest:",
	  ($a | sort_by(-.score) | .[:8][]
	   | "    \(.date)  \(.ticker | . + "      " | .[:6])  \(.severity | . + "        " | .[:8])  |z| \(.score * 100 | round / 100)  \(.metrics | join(","))")'
echo "  new to the store this run: $(wc -l < "$out/new.ndjson") anomalies (run it again: 0)"
# The alerts those new anomalies make, shown, not sent: sam-alert sends
# them when SAM_SLACK_WEBHOOK (or --url-file) says where.
sam-alert --dry-run -r "$store" "$out/new.ndjson" > "$out/slack.ndjson"
echo "  alerts: $(wc -l < "$out/slack.ndjson") Slack messages in $out/slack.ndjson (not sent: set SAM_SLACK_WEBHOOK, see sam-alert(1))"
# The dashboard and the JSON API, as static files.
sam-serve-static build -r "$store" -o "$out/site"
echo "  dashboard: $out/site/index.html ($(find "$out/site" -name '*.html' | wc -l) pages, JSON API beside them)"
echo "  preview: ./sam-serve-static serve -d $out/site   (then open http://127.0.0.1:8080/)"
echo "  store: $store ($(find "$store" -name '*.ndjson' | wc -l) day files; sam-store -r $store stats)"
echo "  files: $out/bars.ndjson $out/scored.ndjson $out/anomalies.ndjson"
echo "  try: jq -c '{ticker, date, severity, score}' $out/anomalies.ndjson"
