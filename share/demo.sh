#!/bin/sh
# share/demo.sh - one cycle of the job on the built-in mock source:
# fetch the watch list, score it, keep the anomalies, and summarise.
# Run by "make demo" from the top of the tree; output goes to demo/.
set -eu
cd "$(dirname "$0")/.."
PATH=$(pwd):$PATH
out=demo
days=${DEMO_DAYS:-90}
mkdir -p "$out"

sam-fetch --source mock --days "$days" -f share/tickers.example > "$out/bars.ndjson"
sam-zscore "$out/bars.ndjson" > "$out/scored.ndjson"
sam-detect "$out/scored.ndjson" > "$out/anomalies.ndjson"

jq -rn --slurpfile bars "$out/bars.ndjson" --slurpfile a "$out/anomalies.ndjson" '
	def count(s): [$a[] | select(.severity == s)] | length;
	($bars | map(.ticker) | unique | length) as $tickers
	| "sam demo: \($tickers) tickers x \($bars | map(.date) | unique | length) trading days (\($bars[0].date) to \($bars | map(.date) | max)), mock source",
	  "  \($bars | length) bars -> \($a | length) anomalies: \(count("critical")) critical, \(count("high")) high, \(count("medium")) medium, \(count("low")) low",
	  "  the strongest:",
	  ($a | sort_by(-.score) | .[:8][]
	   | "    \(.date)  \(.ticker | . + "      " | .[:6])  \(.severity | . + "        " | .[:8])  |z| \(.score * 100 | round / 100)  \(.metrics | join(","))")'
echo "  files: $out/bars.ndjson $out/scored.ndjson $out/anomalies.ndjson"
echo "  try: jq -c '{ticker, date, severity, score}' $out/anomalies.ndjson"
