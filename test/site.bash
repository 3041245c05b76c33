# The site's tests: a store made by the pipeline on the mock source, and
# the preview server started and stopped.  Load after test_helper; call
# site_server_stop from teardown.
# shellcheck shell=bash

SITE_SERVER_PID=

# site_store ROOT FROM TO TICKER...: the hourly chain's store, raw bars
# and anomalies, for the tickers on the mock source from FROM to TO.
site_store() {
	local root=$1 from=$2 to=$3
	shift 3
	sam-fetch -s mock --from "$from" --to "$to" "$@" | sam-store -r "$root" put --kind raw --tee |
		sam-zscore | sam-detect | sam-store -r "$root" put > /dev/null
}

# site_port LOG PATTERN: the port that sed's PATTERN (its \1) finds in
# LOG, the server's announcement, into SITE_PORT; 1 while there is none.
site_port() {
	SITE_PORT=$(sed -n "s|$2|\1|p" "$1")
	[ -n "$SITE_PORT" ]
}

# site_server_start DIR [OPTION...]: sam-serve-static serve on a free
# port of 127.0.0.1; sets SITE_URL, SITE_PORT and SITE_LOG (its stderr,
# the access log).  Run it directly, not under `run`.
site_server_start() {
	local dir=$1
	shift
	[ -z "$SITE_SERVER_PID" ] || site_server_stop
	SITE_LOG=$BATS_TEST_TMPDIR/serve.log
	: > "$SITE_LOG"
	# fd 3 closed, or bats waits for the server at the end of the test.
	sam-serve-static serve -d "$dir" -l 127.0.0.1:0 "$@" 2> "$SITE_LOG" 3>&- &
	SITE_SERVER_PID=$!
	if ! poll "$SITE_SERVER_PID" site_port "$SITE_LOG" '.* on http://127\.0\.0\.1:\([0-9]*\)/$'; then
		echo "site_server_start: the server did not start" >&2
		cat "$SITE_LOG" >&2
		site_server_stop
		return 1
	fi
	SITE_URL=http://127.0.0.1:$SITE_PORT
	export SITE_URL SITE_PORT SITE_LOG
}

# site_server_stop: SIGTERM, and the exit status must be 0.
site_server_stop() {
	local pid=$SITE_SERVER_PID status=0
	[ -n "$pid" ] || return 0
	SITE_SERVER_PID=
	kill -TERM "$pid" 2> /dev/null || return 0
	wait "$pid" || status=$?
	[ "$status" -eq 0 ] || { echo "sam-serve-static serve exited $status" >&2; return 1; }
}

# points ELEMENT FILE: the points of each ELEMENT (polyline.close,
# polygon.band) of the chart in FILE, a line each.
points() {
	local tag=${1%%.*} class=${1#*.}
	sed -n "s/^<$tag class=\"$class\" points=\"\\([^\"]*\\)\".*/\\1/p" "$2"
}

# band_follows_z T PAGE: the 80 closes of PAGE's chart are inside its
# band (y grows downwards) exactly when the |z| on the same line of the
# file z is at most T; a close within 0.05 sd of the edge may round
# either way.  Under run: prints how many are outside, fails otherwise.
band_follows_z() {
	points polyline.close "$2" | tr ' ' '\n' | cut -d, -f2 > y
	points polygon.band "$2" | tr ' ' '\n' | cut -d, -f2 > band
	[ "$(wc -l < band)" -eq 160 ] || { echo "band: $(wc -l < band) points"; return 1; }
	head -n 80 band > hi
	tail -n 80 band | tac > lo
	awk -v t="$1" '
		{ z = $1 < 0 ? -$1 : $1; inside = $2 >= $3 && $2 <= $4
		  if ((z <= t) != inside && (z - t > 0.05 || t - z > 0.05)) { print NR ": " $0; bad++ }
		  if (z > t) out++ }
		END { print out " outside"; exit bad > 0 }' <(paste z y hi lo)
}

# site_chromium [--no-script] [--budget MS] [--limit S] ARG...: headless
# Chromium with a fresh profile, JavaScript off with --no-script (a
# setting of the profile: --blink-settings=scriptEnabled=false makes
# headless Chromium load nothing), MS of virtual time (default 3000, so
# that the pages' script has read health.json before the page is dumped
# or shot), and S seconds at most (default 60); its standard error
# (dbus noise) is dropped.
site_chromium() {
	local profile budget=3000 limit=60
	profile=$(mktemp -d "$BATS_TEST_TMPDIR/chromium.XXXXXX")
	while :; do
		case $1 in
		--no-script)
			mkdir "$profile/Default"
			echo '{"profile":{"default_content_setting_values":{"javascript":2}}}' \
				> "$profile/Default/Preferences"
			shift ;;
		--budget) budget=$2; shift 2 ;;
		--limit) limit=$2; shift 2 ;;
		*) break ;;
		esac
	done
	timeout "$limit" "${CHROMIUM:-/usr/bin/chromium}" --headless --no-sandbox --disable-gpu \
		--disable-dev-shm-usage --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--virtual-time-budget="$budget" --user-data-dir="$profile" "$@" 2> /dev/null
}

# freshness FILE: the freshness notice of the page or DOM dump FILE, from
# its <div> to the line that closes it.
freshness() {
	awk '/<div class="freshness/ { on = 1 } on { print } on && /<\/div>/ { exit }' "$1"
}

# live DOM: what the script made of the page: the title, the health
# line's class and word, the notice's class and its text.
live() {
	sed -n 's|.*<title>\(.*\)</title>.*|\1|p' "$1"
	grep -o '<p class="health[^"]*" id="health"><strong>[^<]*</strong>' "$1"
	sed -n 's|.*<div class="\(freshness[^"]*\)" id="freshness"[^>]*>\(.*\)</div>.*|\1 \2|p' "$1" |
		sed 's/<[^>]*>//g'
}
