#!/bin/bash
# alert.sh - sam-alert: payloads built, dedup state read, delivery on loopback.
#
# usage: bench/alert.sh [-t tickers] [-d days] [-m messages] [-l lines,...]
#                       [-r runs] [-n lines] [-s seed] [-J] [-M]
#
#   -t N  tickers T0001 ... (default 2000)
#   -d N  trading days (default 50): t x d anomalies, as many state lines
#   -m N  messages of 20 anomalies to deliver (default 100)
#   -l L  alert-file sizes, in lines, the deliveries start from besides 0
#         (default 10000,100000; "" for none); each is one run
#   -r N  runs of the shorter measurements; the median is reported (default 3)
#   -n N  lines for jq's _nwise(20) variant (default 10000; 0 skips it)
#   -s N  generator seed (default 1)
#   -J    skip jq;  -M  skip the delivery on tmpfs (/dev/shm)
#
# Generates anomalies and an alert state with bench/alert-gen.py into a
# mktemp -d directory under $TMPDIR (default /tmp), which also holds the
# stores, serves a Slack webhook that answers 200 "ok" with test/httpd.py
# on 127.0.0.1, and removes it all on exit.  Binaries come from $SAM_BIN
# (default: the repository root, built by make).  See bench/README.md.
set -eu

# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
tickers=2000
days=50
messages=100
sizes=10000,100000
runs=3
nwise=10000
seed=1
do_jq=1
do_shm=1
batch=20
end=2026-11-25		# SAM_NOW's New York date: the alert file's

usage() {
	sed -n '4,15s/^# \{0,1\}//p' "$0"
}

while getopts t:d:m:l:r:n:s:JMh opt; do
	case $opt in
	t) tickers=$OPTARG ;;
	d) days=$OPTARG ;;
	m) messages=$OPTARG ;;
	l) sizes=$OPTARG ;;
	r) runs=$OPTARG ;;
	n) nwise=$OPTARG ;;
	s) seed=$OPTARG ;;
	J) do_jq=0 ;;
	M) do_shm=0 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
bench_no_operands "$@"
IFS=, read -ra size_list <<<"$sizes"
bench_counts alert.sh "$tickers" "$days" "$messages" "$runs" "$nwise" "$seed" \
    ${size_list[@]+"${size_list[@]}"}
total=$((tickers * days))
deliver=$((messages * batch))
if [ "$tickers" -lt 1 ] || [ "$tickers" -gt 4999 ] || [ "$days" -lt 1 ] ||
    [ "$runs" -lt 1 ] || [ "$messages" -lt 1 ] || [ "$deliver" -gt $((total / 2)) ]; then
	echo "alert.sh: -t must be 1 to 4999, -d, -r and -m at least 1, and" \
	    "-m x $batch at most half the anomalies (-t x -d / 2)" >&2
	exit 2
fi
for l in ${size_list[@]+"${size_list[@]}"}; do
	if [ "$l" -gt "$total" ]; then
		echo "alert.sh: -l $l: the state has $total lines (-t x -d)" >&2
		exit 2
	fi
done

bench_need alert.sh sam-alert
# The interpreter itself: a version manager's python3 shim is slow to start.
python=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || python=
if [ -z "$python" ] || ! "$python" -c 'import zoneinfo' 2>/dev/null; then
	echo "alert.sh: python3 (3.9 or newer, for zoneinfo) is needed" >&2
	exit 2
fi
if ! command -v hyperfine >/dev/null 2>&1; then
	echo "alert.sh: hyperfine is needed (share/deps.sh --bench)" >&2
	exit 2
fi
if ! command -v curl >/dev/null 2>&1; then
	echo "alert.sh: curl is needed (the receiver alone)" >&2
	exit 2
fi
if [ "$do_jq" = 1 ] && ! command -v jq >/dev/null 2>&1; then
	echo "alert.sh: jq not found: skipping it" >&2
	do_jq=0
fi
shm=/dev/shm
if [ "$do_shm" = 1 ] && { [ "$(stat -f -c %T "$shm" 2>/dev/null)" != tmpfs ] ||
    [ ! -w "$shm" ]; }; then
	echo "alert.sh: no writable tmpfs at $shm: no tmpfs delivery" >&2
	do_shm=0
fi

export SAM_NOW=${end}T21:00:00Z
export LC_ALL=C
unset SAM_STORE SAM_ALERT_TO SAM_COOLDOWN SAM_DASHBOARD_URL SAM_WEBHOOK_URL \
    SAM_WEBHOOK_URL_FILE SAM_SLACK_WEBHOOK SAM_LOG_FORMAT
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sam-bench.XXXXXX")
shmtmp=
spid=
cleanup() {
	if [ -n "$spid" ]; then
		kill "$spid" 2>/dev/null || true
		wait "$spid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
	if [ -n "$shmtmp" ]; then
		rm -rf "$shmtmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
script_start=$(date +%s)
hz=$(getconf CLK_TCK)
# shellcheck disable=SC2154 # bin: set by common.sh
alert=$bin/sam-alert
version=$("$alert" --version | awk '{ print $NF }')

# server_ticks: user + system clock ticks the server has used so far
# (0 with no server).
server_ticks() {
	if [ -n "$spid" ]; then
		awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$spid/stat"
	else
		echo 0
	fi
}

# requests: the requests the server has logged so far.
requests() {
	if [ -n "$spid" ]; then
		wc -l <"$log"
	else
		echo 0
	fi
}

# timed IN OUT CMD...: runs CMD once, stdin from IN, stdout to OUT,
# under GNU time; sets secs (wall), cpu (user + sys of CMD), rss (peak
# KiB), wkib (KiB it caused to be written to disk: rusage's blocks
# out), scpu (the server's CPU seconds meanwhile) and nreq (requests
# the server logged).  IN is read just before (this VM pages out file
# pages left alone for a minute), and a sync comes first so that the
# store's own syncs do not write out what others left dirty.  An exit
# status but 0 ends the benchmark.
timed() {
	local in=$1 out=$2 rc=0 t0 r0 user sys blocks
	shift 2
	cat "$in" >/dev/null
	sync
	t0=$(server_ticks)
	r0=$(requests)
	/usr/bin/time -o "$tmp/time" -f '%e %M %U %S %O' "$@" <"$in" >"$out" \
	    2>"$tmp/err" || rc=$?
	if [ "$rc" != 0 ]; then
		echo "alert.sh: $* exited with $rc:" >&2
		tail -n 5 "$tmp/err" >&2
		exit 1
	fi
	read -r secs rss user sys blocks < <(tail -n 1 "$tmp/time")
	cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
	wkib=$((blocks / 2))
	scpu=$(awk -v a="$t0" -v b="$(server_ticks)" -v hz="$hz" \
	    'BEGIN { printf "%.2f", (b - a) / hz }')
	nreq=$(($(requests) - r0))
}

# timed_runs N [PREPARE] -- IN OUT CMD...: timed, N times, each after
# running the command PREPARE (a string, untimed) when it is not empty;
# secs, cpu, scpu and nreq are medians, rss and wkib the largest.
timed_runs() {
	local n=$1 prep=$2 i walls=() cpus=() scpus=() reqs=() maxrss=0 maxw=0
	shift 3
	for ((i = 0; i < n; i++)); do
		if [ -n "$prep" ]; then
			eval "$prep"
		fi
		timed "$@"
		walls+=("$secs") cpus+=("$cpu") scpus+=("$scpu") reqs+=("$nreq")
		[ "$rss" -gt "$maxrss" ] && maxrss=$rss
		[ "$wkib" -gt "$maxw" ] && maxw=$wkib
	done
	secs=$(printf '%s\n' "${walls[@]}" | mid)
	cpu=$(printf '%s\n' "${cpus[@]}" | mid)
	scpu=$(printf '%s\n' "${scpus[@]}" | mid)
	nreq=$(printf '%s\n' "${reqs[@]}" | mid)
	rss=$maxrss
	wkib=$maxw
}

# commas N: N with thousands separators.
commas() {
	awk -v x="$1" 'BEGIN { s = sprintf("%.0f", x)
	    while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]([,]|$)/, ",&", s)
	    print s }'
}

# serve ROUTES: starts test/httpd.py on ROUTES; sets spid, port, url, log.
serve() {
	bench_serve alert.sh "$1"
	url=http://127.0.0.1:$port/services/bench/ok
	: >>"$log"
}

echo "sam benchmark: sam-alert, payloads (--dry-run), dedup state, delivery to a loopback receiver"
echo "  binary:    $alert ($version, built $(date -u -r "$alert" +%Y-%m-%dT%H:%M:%SZ)," \
    "sha256 $(sha256sum "$alert" | cut -c1-12))"
if git -C "$root" rev-parse --short HEAD >/dev/null 2>&1; then
	dirty=$(git -C "$root" status --porcelain -- cmd libz Makefile 2>/dev/null | wc -l)
	echo "  tree:      commit $(git -C "$root" rev-parse --short HEAD)$(
	    [ "$dirty" -gt 0 ] && echo ", $dirty files changed in cmd/ libz/ Makefile (uncommitted)")"
fi
echo "  data:      $tickers tickers x $days trading days to $end, one anomaly each;" \
    "alert-gen.py, seed $seed, SAM_NOW=$SAM_NOW"
echo "  store:     under $tmp: $(df -T "$tmp" | awk 'NR == 2 { print $2 " on " $1 }')," \
    "mounted $(findmnt -n -o OPTIONS -T "$tmp" 2>/dev/null || echo "?")"
echo "  server:    test/httpd.py ($("$python" -c 'import platform; print("Python", platform.python_version())')), one thread per request, Connection: close"
echo "  tools:     $(jq --version 2>/dev/null || echo "no jq"), $(curl --version | head -n 1 | cut -d' ' -f1-2), $(hyperfine --version)"
echo "  load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the start; wall times suffer from other load"
echo "  machine:   $(nproc) cores, $(uname -sr), $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo

# 1. The input, made before anything is timed.
data=$tmp/data
start=$(date +%s)
# shellcheck disable=SC2154 # set by common.sh
"$python" "$here/alert-gen.py" "$data" "$tickers" "$days" "$end" "$seed" "$deliver"
declare -A st
while IFS='=' read -r k v; do
	st[$k]=$v
done <"$data/stats"
mib() { awk -v b="$(wc -c <"$1")" 'BEGIN { printf "%.1f", b / 1048576 }'; }
bpl() { awk -v b="$(wc -c <"$1")" -v n="$(wc -l <"$1")" 'BEGIN { printf "%.0f", b / n }'; }
echo "made the input in $(($(date +%s) - start)) s:"
echo "  anomalies.ndjson  ${st[anomalies]} anomalies ($(mib "$data/anomalies.ndjson") MiB," \
    "$(bpl "$data/anomalies.ndjson") bytes a line), ${st[first]} .. ${st[last]}; low/medium/high/critical" \
    "${st[severity_low]}/${st[severity_medium]}/${st[severity_high]}/${st[severity_critical]}," \
    "${st[two_metrics]} with both metrics"
echo "  alerts.ndjson     ${st[state_lines]} lines of alert state ($(mib "$data/alerts.ndjson") MiB," \
    "$(bpl "$data/alerts.ndjson") bytes a line): ${st[alerted]} ids of the input (every other one)," \
    "the rest of other tickers"
echo "  deliver.ndjson    the first ${st[deliver]} anomalies the state does not hold"
echo

# 2. Payloads: --dry-run over every anomaly, no store (-r names none).
declare -A row
nostore=$tmp/no-store
echo "payloads (runs: $runs) ..."
t0=$(date +%s)
for to in slack webhook; do
	timed_runs "$runs" "" -- "$data/anomalies.ndjson" "$tmp/dry-$to.ndjson" \
	    "$alert" --dry-run -r "$nostore" --to "$to"
	row[dry $to]="$secs $cpu $rss"
done
dry_msgs=$(wc -l <"$tmp/dry-slack.ndjson")
dry_sections=$(grep -o '"type":"section"' "$tmp/dry-slack.ndjson" | wc -l)
dry_alerts=$(grep -o '"status":"firing","labels"' "$tmp/dry-webhook.ndjson" | wc -l)
dry_wmsgs=$(wc -l <"$tmp/dry-webhook.ndjson")
echo "  $(($(date +%s) - t0)) s"

# The same Slack payloads in jq: one per 20 anomalies, byte for byte
# sam-alert's (tickers cannot hold Slack's & < >, so no escaping).
# shellcheck disable=SC2016  # jq's variables
jq_slack='
def emoji: {low: ":white_circle:", medium: ":large_yellow_circle:",
            high: ":large_orange_circle:", critical: ":red_circle:"}[.];
def z2: (. * 100 | round) as $c | ($c | fabs) as $a
      | (if $c < 0 then "-" else "+" end) + ($a / 100 | floor | tostring)
        + "." + (($a % 100 + 100) | tostring | .[1:]);
def commas: tostring as $s | ($s | length) as $n
      | [range(0; $n) | (if . > 0 and ($n - .) % 3 == 0 then "," else "" end) + $s[.:.+1]]
      | join("");
def counts: length as $n
      | "\($n) stock anomal\(if $n == 1 then "y" else "ies" end):"
        + ([group_by(.severity)[] | {s: .[0].severity, n: length}]
           | sort_by({critical: 0, high: 1, medium: 2, low: 3}[.s])
           | map(" \(.n) \(.s)") | join(","));
def metrics($sep; $tick): . as $a
      | [.metrics[] | "\($tick)\(.)\($tick) z " + ($a["z_" + .] | z2)] | join($sep);
def section:
      "\(.severity | emoji) *\(.severity)*  `\(.ticker)`  daily bar of "
      + (.date | strptime("%Y-%m-%d") | strftime("%a")) + " \(.date)\n"
      + metrics("  \u00b7  "; "`") + "\nclose \(.close)  \u00b7  volume \(.volume | commas)";
def payload:
      {text: (counts + " \u2014 "
              + (map("\(.ticker) \(.severity) (" + metrics(", "; "") + ")") | join(", "))),
       blocks: ([{type: "header", text: {type: "plain_text", text: counts, emoji: true}}]
                + map({type: "section", text: {type: "mrkdwn", text: section}})
                + [{type: "context", elements: [{type: "mrkdwn",
                     text: "sam-alert \($version) \u00b7 \($now)"}]}])};
'
jq_range='range(0; length; 20) as $i | .[$i:$i + 20] | payload'
jq_nwise='_nwise(20) | payload'
jq_same=-
nwise_same=-
if [ "$do_jq" = 1 ]; then
	echo "jq ..."
	t0=$(date +%s)
	jqa=(jq -c -s --arg now "$SAM_NOW" --arg version "$version")
	timed "$data/anomalies.ndjson" "$tmp/jq.ndjson" "${jqa[@]}" "$jq_slack $jq_range"
	row[jq]="$secs $cpu $rss"
	if cmp -s "$tmp/jq.ndjson" "$tmp/dry-slack.ndjson"; then
		jq_same="byte for byte sam-alert's"
	else
		jq_same="DIFFERENT from sam-alert's ($(diff "$tmp/jq.ndjson" "$tmp/dry-slack.ndjson" |
		    grep -c '^<' || true) of $dry_msgs lines)"
	fi
	if [ "$nwise" -gt 0 ]; then
		head -n "$nwise" "$data/anomalies.ndjson" >"$tmp/head.ndjson"
		nw=$(wc -l <"$tmp/head.ndjson")
		timed "$tmp/head.ndjson" "$tmp/jq-head.ndjson" "${jqa[@]}" "$jq_slack $jq_range"
		row[jq head]="$secs $cpu $rss"
		timed "$tmp/head.ndjson" "$tmp/jq-nwise.ndjson" "${jqa[@]}" "$jq_slack $jq_nwise"
		row[jq nwise]="$secs $cpu $rss"
		if cmp -s "$tmp/jq-nwise.ndjson" "$tmp/jq-head.ndjson"; then
			nwise_same=same
		else
			nwise_same=DIFFERENT
		fi
	fi
	echo "  $(($(date +%s) - t0)) s"
fi

# 3. The dedup state: ROOT/alerts/END.ndjson of every state line; the
# dry run reads it, skips the alerted half and builds the rest.  Then
# the state alone: one anomaly (alerted already) read against it.
echo "dedup state ..."
t0=$(date +%s)
sroot=$tmp/state-store
mkdir -p "$sroot/alerts"
cp "$data/alerts.ndjson" "$sroot/alerts/$end.ndjson"
find "$sroot" | sort >"$tmp/state-before"
timed_runs "$runs" "" -- "$data/anomalies.ndjson" "$tmp/dry-state.ndjson" \
    "$alert" --dry-run -r "$sroot"
row[state]="$secs $cpu $rss"
state_sections=$(grep -o '"type":"section"' "$tmp/dry-state.ndjson" | wc -l)
head -n 1 "$data/anomalies.ndjson" >"$tmp/one.ndjson"
hyperfine -N -w 1 -r "$((runs > 3 ? runs : 3))" --export-json "$tmp/hf.json" \
    "$alert --dry-run -r $sroot $tmp/one.ndjson" >/dev/null 2>"$tmp/hf.err" || {
	echo "alert.sh: hyperfine failed:" >&2
	cat "$tmp/hf.err" >&2
	exit 1
}
read -r load_mean load_sd load_user load_sys < <("$python" -c 'import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(*("%.3f" % (r[k] or 0) for k in ("mean", "stddev", "user", "system")))' "$tmp/hf.json")
timed "$tmp/one.ndjson" "$tmp/dry-one.ndjson" "$alert" --dry-run -r "$sroot"
load_rss=$rss
one_out=$(wc -c <"$tmp/dry-one.ndjson")
find "$sroot" | sort >"$tmp/state-after"
if cmp -s "$tmp/state-before" "$tmp/state-after"; then
	state_untouched="nothing created"
else
	state_untouched="FILES CREATED: $(comm -13 "$tmp/state-before" "$tmp/state-after" | head -n 3 | tr '\n' ' ')"
fi
echo "  $(($(date +%s) - t0)) s"

# 4. Delivery: a Slack webhook on loopback that answers 200 "ok".
echo "delivery: $messages messages of $batch ($deliver anomalies), --rate 1000 ..."
t0=$(date +%s)
mkdir -p "$tmp/http"
printf '200 OK\nContent-Type: text/plain\n\nok' >"$tmp/http/ok.http"
printf '# bench/alert.sh: a Slack incoming webhook that takes every message\n/services/bench/ok ok.http\n' \
    >"$tmp/http/ok.routes"
serve "$tmp/http/ok.routes"
export SAM_SLACK_WEBHOOK=$url	# a secret, even on loopback: not on argv

# The receiver alone: the same payloads, from one curl process, one
# after another (a new connection each, as for sam-alert).
"$alert" --dry-run -r "$nostore" --batch "$batch" "$data/deliver.ndjson" >"$tmp/payloads.ndjson"
mkdir "$tmp/payloads"
split -l 1 -a 6 -d "$tmp/payloads.ndjson" "$tmp/payloads/m"
for f in "$tmp/payloads"/m*; do
	printf 'next\nurl = "%s"\ndata-binary = "@%s"\nheader = "Content-Type: application/json; charset=utf-8"\nheader = "Expect:"\noutput = "/dev/null"\nfail\nsilent\n' \
	    "$url" "$f"
done | tail -n +2 >"$tmp/curl.cfg"
timed_runs "$runs" "" -- /dev/null /dev/null curl -K "$tmp/curl.cfg"
row[curl]="$secs $cpu $rss $scpu $nreq - -"
curl_secs=$secs

# deliver_runs KEY N DIR LINES: N runs of sam-alert into the store DIR
# (emptied first), whose alerts file holds LINES lines of the state
# before each; row KEY.  Checks every anomaly was sent and the file's
# lines.
deliver_runs() {
	local key=$1 n=$2 dir=$3 lines=$4 prep
	prep="rm -rf '$dir'; mkdir -p '$dir/alerts'"
	if [ "$lines" -gt 0 ]; then
		prep="$prep; head -n $lines '$data/alerts.ndjson' >'$dir/alerts/$end.ndjson'"
	fi
	timed_runs "$n" "$prep" -- "$data/deliver.ndjson" "$tmp/results.ndjson" \
	    "$alert" -r "$dir" --rate 1000 --batch "$batch"
	sent=$(grep -c '"result":"sent"' "$tmp/results.ndjson" || true)
	after=$(wc -l <"$dir/alerts/$end.ndjson")
	check=ok
	if [ "$sent" != "$deliver" ] || [ "$after" != $((lines + deliver)) ] ||
	    [ "$nreq" != "$messages" ]; then
		check="WRONG: $sent sent, $nreq requests, $after lines"
	fi
	row[$key]="$secs $cpu $rss $scpu $nreq $wkib $after $check"
	rm -rf "$dir"
}
deliver_runs "d 0" "$runs" "$tmp/deliver-store" 0
if [ "$do_shm" = 1 ]; then
	shmtmp=$(mktemp -d "$shm/sam-bench.XXXXXX")
	deliver_runs "d 0 shm" "$runs" "$shmtmp/store" 0
fi
for l in ${size_list[@]+"${size_list[@]}"}; do
	[ "$l" -gt 0 ] || continue
	deliver_runs "d $l" 1 "$tmp/deliver-store" "$l"
done
kill "$spid" 2>/dev/null || true
wait "$spid" 2>/dev/null || true
spid=
echo "  $(($(date +%s) - t0)) s"
echo

# The tables.
n=${st[anomalies]}
echo "payloads: sam-alert --dry-run over $(commas "$n") anomalies ($(mib "$data/anomalies.ndjson") MiB), no store"
printf '%-38s %9s %7s %6s %10s %8s %7s  %s\n' case anomalies 'wall s' 'cpu s' 'anomalies/s' 'us/anom' 'RSS MiB' note
# prow NAME COUNT "secs cpu rss" NOTE
prow() {
	local s c r
	read -r s c r <<<"$3"
	awk -v t="$1" -v b="$2" -v s="$s" -v c="$c" -v m="$r" -v n="$4" -v rb="$(commas "$(awk -v b="$2" -v s="$s" 'BEGIN { print (s > 0 ? b / s : 0) }')")" '
	    BEGIN { printf "%-38s %9s %7.2f %6.2f %10s %8.1f %7.1f  %s\n", t, b, s, c, rb,
		(b > 0 ? c * 1e6 / b : 0), m / 1024, n }'
}
prow "sam-alert --dry-run --to slack" "$n" "${row[dry slack]}" \
    "median of $runs; $dry_msgs messages ($(mib "$tmp/dry-slack.ndjson") MiB), $dry_sections sections"
prow "sam-alert --dry-run --to webhook" "$n" "${row[dry webhook]}" \
    "median of $runs; $dry_wmsgs messages ($(mib "$tmp/dry-webhook.ndjson") MiB), $dry_alerts alerts"
if [ "$do_jq" = 1 ]; then
	prow "jq -c -s, range(0; length; 20)" "$n" "${row[jq]}" "one run; $jq_same"
	if [ "$nwise" -gt 0 ]; then
		prow "jq -c -s, range(0; length; 20)" "$nw" "${row[jq head]}" "one run; the first $nw lines"
		prow "jq -c -s, _nwise(20)" "$nw" "${row[jq nwise]}" "one run; the first $nw lines; $nwise_same payloads as range()"
	fi
fi
echo "  us/anom: CPU microseconds (user + sys) per anomaly read; RSS: peak"
echo

echo "dedup state: ROOT/alerts/$end.ndjson of $(commas "${st[state_lines]}") lines ($(mib "$data/alerts.ndjson") MiB), cooldown 24h"
printf '%-38s %9s %7s %6s %10s %8s %7s  %s\n' case anomalies 'wall s' 'cpu s' 'anomalies/s' 'us/anom' 'RSS MiB' note
prow "sam-alert --dry-run -r ROOT" "$n" "${row[state]}" \
    "median of $runs; $state_sections sections (expected $((n - st[alerted]))); $state_untouched"
awk -v m="$load_mean" -v sd="$load_sd" -v u="$load_user" -v s="$load_sys" -v r="$load_rss" -v o="$one_out" '
    BEGIN { printf "%-38s %9s %7.2f %6.2f %10s %8s %7.1f  %s\n", "the state alone: 1 anomaly, alerted", 1, m,
	u + s, "-", "-", r / 1024, sprintf("hyperfine -N: mean %.3f s, sd %.3f; %d bytes out (skipped)", m, sd, o) }'
echo

echo "delivery: $deliver anomalies, --batch $batch --rate 1000 (= $messages messages) to test/httpd.py on 127.0.0.1, answer 200 \"ok\""
printf '%-38s %6s %7s %7s %7s %7s %6s %6s %7s %8s %7s  %s\n' case msgs 'wall s' 'msg/s' 'ms/msg' \
    '+ms/msg' 'cpu s' 'srv s' 'RSS MiB' 'MiB wrt' 'lines' note
# drow NAME KEY NOTE
drow() {
	local s c r sc q w after check
	read -r s c r sc q w after check <<<"${row[$2]}"
	awk -v t="$1" -v s="$s" -v c="$c" -v r="$r" -v sc="$sc" -v q="$q" -v w="$w" \
	    -v a="$after" -v cs="$curl_secs" -v k="$2" -v n="$3${check:+; $check}" '
	    BEGIN { printf "%-38s %6d %7.2f %7.1f %7.1f %7s %6.2f %6.2f %7.1f %8s %7s  %s\n",
		t, q, s, (s > 0 ? q / s : 0), (q > 0 ? 1000 * s / q : 0),
		(k == "curl" ? "-" : sprintf("%.1f", 1000 * (s - cs) / q)), c, sc, r / 1024,
		(w == "-" ? "-" : sprintf("%.1f", w / 1024)), a, n }'
}
drow "receiver alone: curl -K" curl "median of $runs; the same $messages payloads, one curl process"
drow "sam-alert, no alerts file yet" "d 0" "median of $runs; store on disk"
if [ "$do_shm" = 1 ]; then
	drow "sam-alert, no alerts file yet (tmpfs)" "d 0 shm" "median of $runs; store on tmpfs"
fi
for l in ${size_list[@]+"${size_list[@]}"}; do
	[ "$l" -gt 0 ] || continue
	drow "sam-alert, $(commas "$l")-line alerts file" "d $l" "one run; store on disk"
done
echo "  ms/msg: wall ms per message; +ms/msg: beyond the receiver alone (curl's);"
echo "  cpu s: sam-alert's (or curl's) user + sys; srv s: test/httpd.py's CPU meanwhile;"
echo "  MiB wrt: written to disk by the process (rusage blocks out; 0 on tmpfs);"
echo "  lines: the alerts file's lines at the end (each message rewrites it whole)."
# The cost of the alerts file's size: sam-alert's CPU per message, and
# its growth per 10,000 lines the file held at the start.
read -r _ c0 _ <<<"${row[d 0]}"
for l in ${size_list[@]+"${size_list[@]}"}; do
	[ "$l" -gt 0 ] || continue
	read -r _ c _ <<<"${row[d $l]}"
	awk -v l="$l" -v c="$c" -v c0="$c0" -v m="$messages" -v b="$batch" -v bpl="$(bpl "$data/alerts.ndjson")" '
	    BEGIN { avg = l + m * b / 2		# lines the file held, on average
		printf "  %7d lines at the start: %6.1f ms of sam-alert CPU a message (%.1f with none):" \
		    " +%.1f ms per 10,000 lines the file held, %.1f ms per MiB\n", l, 1000 * c / m,
		    1000 * c0 / m, 1e7 * (c - c0) / m / avg, 1000 * 1048576 * (c - c0) / m / (avg * bpl) }'
done
echo
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg); whole run $(($(date +%s) - script_start)) s"
