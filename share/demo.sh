#!/bin/sh
# share/demo.sh - one cycle of the hourly job on the built-in mock
# source: the raw store backfilled so that z-scores have history, one
# forced run of sam-hourly into ./demo-store, the site into ./demo-site,
# and a summary.  Run by "make demo" from the top of the tree.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
PATH=$top:$top/cron:$PATH
store=demo-store
site=demo-site
config=$(mktemp "${TMPDIR:-/tmp}/sam-demo.XXXXXX")
trap 'rm -f "$config"' EXIT

# The example configuration, pointed at the demo's store and site, on
# the mock market (named: the example's provider is a real one).
sed -e "s|^SAM_STORE=.*|SAM_STORE=$top/$store|" -e "s|^SAM_SITE=.*|SAM_SITE=$top/$site|" \
	-e "s|^SAM_SOURCE=.*|SAM_SOURCE=mock|" share/sam.env.example > "$config"
SAM_BIN=$top
export SAM_BIN

sam-hourly --config "$config" --backfill "${DEMO_DAYS:-90}"
sam-hourly --config "$config" --force

last_runs=$(find "$store/runs" -name '*.ndjson' | sort | tail -n 1)
sam-store -r "$store" get anomalies | jq -rs --slurpfile run "$last_runs" '
	def count(s): map(select(.severity == s)) | length;
	$run[-1] as $r
	| "sam demo: \($r.tickers) tickers, mock source, \($r.bars) bars fetched in \($r.duration_s) s, run \($r.status)",
	  "  anomalies in the store: \(length): \(count("critical")) critical, \(count("high")) high, \(count("medium")) medium, \(count("low")) low",
	  "  the strongest:",
	  (sort_by(-.score) | .[:5][]
	   | "    \(.date)  \(.ticker | . + "      " | .[:6])  \(.severity | . + "        " | .[:8])  score \(.score * 100 | round / 100)  \(.metrics | join(","))")'
echo "  alerts: none sent (set SAM_WEBHOOK_URL_FILE, see sam.env(5)); sam-alert --dry-run shows them"
echo "  store: $store (sam-store -r $store stats); run records in $store/runs/"
echo "  site: $site/index.html, health $(jq -r .status "$site/health.json")"
echo "  preview: ./sam-serve-static serve -d $site   then open http://127.0.0.1:8080/"
