#!/usr/bin/env bats
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
# The dashboard knows when it is stale: a page says when it was built
# and until when it is current, and reloads itself, without the script;
# with it (headless Chromium through serve, whose clock SAM_NOW sets),
# the health as of now: STALE once stale_after has passed though the
# files were built while it was ok, FAILING when the last run failed.
# The store is fixtures/site-stale/store: runs at 13:30 and 14:30 UTC
# on 2026-11-25, both ok, and an anomaly of AAA; the site is built at
# 14:32 and turns stale after 16:00 (the 15:30 slot and 30 minutes).

bats_require_minimum_version 1.5.0

load test_helper
load site

SF=$FIXTURES/site-stale
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
BUILT=2026-11-25T14:32:00Z
REFRESH='<noscript><meta http-equiv="refresh" content="300"></noscript>'

teardown() {
	site_server_stop
}

# lacks GREP-ARG...: grep GREP-ARG... finds nothing; what it finds is shown.
lacks() {
	if grep "$@"; then
		return 1
	fi
}

need_chromium() {
	[ -x "$CHROMIUM" ] || skip "chromium is not installed"
}

# site_at TIME [RUN...]: ./site built at TIME from the fixture store,
# its runs RUN... instead when given, one line each.
site_at() {
	rm -rf st
	cp -r "$SF/store" st
	[ $# -lt 2 ] || printf '%s\n' "${@:2}" > st/runs/2026-11-25.ndjson
	SAM_NOW=$1 sam-serve-static build -r st -o site
}

# dom TIME PATH: the DOM of PATH after the script, served at TIME.
dom() {
	SAM_NOW=$1 site_server_start site
	site_chromium --dump-dom "$SITE_URL$2"
	site_server_stop
}

# expected NAME [UP]: fixtures/site-stale/expected/NAME, for a page UP
# (../) from the top.
expected() {
	sed "s|data-health=\"health.json\"|data-health=\"${2-}health.json\"|" "$SF/expected/$1"
}

# ---- without the script ----

@test "a page built while the health is ok says when it was built and when it goes out of date, and reloads itself" {
	site_at $BUILT
	assert_equal "$(jq -c '[.status, .generated_at, .stale_after]' site/health.json)" \
		'["ok","2026-11-25T14:32:00Z","2026-11-25T16:00:00Z"]'
	diff -u <(expected ok.html) <(freshness site/index.html)
	diff -u <(expected ok.html ../) <(freshness site/ticker/AAA.html)
	for page in site/index.html site/ticker/AAA.html; do
		# the refresh in the head, once; the notice right after the header
		assert_equal "$(sed -n '/<\/head>/q;p' "$page" | grep -cFx "$REFRESH")" 1
		assert_equal "$(grep -cF '<meta http-equiv="refresh"' "$page")" 1
		assert_equal "$(grep -A1 -Fx '</header>' "$page" | tail -n 1 | cut -c1-38)" '<div class="freshness" id="freshness" '
	done
}

@test "the notice of a page built past stale_after, after a failed run, with dead letters, or with no run on record" {
	site_at 2026-11-25T16:00:01Z
	assert_equal "$(jq -r .status site/health.json)" stale
	diff -u <(expected stale.html) <(freshness site/index.html)
	site_at $BUILT '{"start":"2026-11-25T14:30:00Z","end":"2026-11-25T14:31:10Z","status":"failed","stages":{"fetch":3}}'
	assert_equal "$(jq -r .status site/health.json)" failing
	diff -u <(expected failing.html) <(freshness site/index.html)
	site_at $BUILT '{"start":"2026-11-25T14:30:00Z","status":"ok"}'
	mkdir st/dlq
	echo '{"id":"AAA:1d:2026-11-25T14:30:00Z","error":"HTTP 500"}' > st/dlq/2026-11-25.ndjson
	SAM_NOW=$BUILT sam-serve-static build -r st -o site
	assert_equal "$(jq -r .status site/health.json)" degraded
	diff -u <(expected degraded.html) <(freshness site/index.html)
	rm -r st/runs st/dlq
	SAM_NOW=$BUILT sam-serve-static build -r st -o site
	diff -u <(expected none.html) <(freshness site/index.html)
}

@test "Chromium without the script shows the notice as built, and reloads the page every 5 minutes" {
	need_chromium
	site_at $BUILT
	SAM_NOW=2026-11-25T16:30:00Z site_server_start site
	site_chromium --no-script --dump-dom "$SITE_URL/" > static.dom
	lacks -F '"GET /app.js"' "$SITE_LOG"
	grep -qFx "$REFRESH" static.dom
	diff -u <(expected ok.html) <(freshness static.dom)
	grep -qF '<p class="health health-ok" id="health"><strong>ok</strong>' static.dom
	# 400 s of virtual time: the refresh after 300 reloads the page (and
	# again, in the same virtual time: a time limit of 5 s ends it)
	: > "$SITE_LOG"
	site_chromium --no-script --budget 400000 --limit 5 --dump-dom "$SITE_URL/" > /dev/null || true
	[ "$(grep -cE '"GET /" (200|304)' "$SITE_LOG")" -ge 2 ] || { cat "$SITE_LOG"; return 1; }
	# with the script, the <noscript> refresh is not one: in 400 s the
	# page is not reloaded, and reads health.json every minute instead
	: > "$SITE_LOG"
	site_chromium --budget 400000 --limit 20 --dump-dom "$SITE_URL/" > live.dom
	assert_equal "$(grep -c '"GET /" ' "$SITE_LOG")" 1
	assert_equal "$(grep -c '"GET /health.json" 200' "$SITE_LOG")" 7
	run live live.dom
	assert_line -n 1 '<p class="health health-stale" id="health"><strong>stale</strong>'
}

# ---- with the script ----

@test "Chromium shows OK before stale_after and STALE after it, on the index and a ticker page, though health.json still says ok" {
	need_chromium
	site_at $BUILT
	cp site/health.json built.json
	dom 2026-11-25T14:40:00Z / > ok.dom
	dom 2026-11-25T14:40:00Z /ticker/AAA > ok-aaa.dom
	run live ok.dom
	assert_output '2026-11-25 · sam
<p class="health health-ok" id="health"><strong>ok</strong>
freshness live freshness-ok OK: the last run was 8 min ago; the next is due by 2026-11-25 11:00 New York.'
	run live ok-aaa.dom
	assert_line -n 0 'AAA · sam'
	assert_equal "${lines[*]:1}" "$(live ok.dom | tail -n +2 | tr '\n' ' ' | sed 's/ $//')"
	dom 2026-11-25T16:30:00Z / > stale.dom
	dom 2026-11-25T16:30:00Z /ticker/AAA > stale-aaa.dom
	# the ticker page's ../health.json
	grep -qF '"GET /health.json" 200' "$SITE_LOG"
	run live stale.dom
	assert_output 'STALE · 2026-11-25 · sam
<p class="health health-stale" id="health"><strong>stale</strong>
freshness live freshness-stale STALE: no run for 1 h 58 min; one was due by 2026-11-25 11:00 New York. The monitor may have stopped: the data here are as of 2026-11-25 09:32 New York.'
	run live stale-aaa.dom
	assert_line -n 0 'STALE · AAA · sam'
	assert_line -n 2 "$(live stale.dom | tail -n 1)"
	# the files did not change: the status is the script's, at now
	cmp built.json site/health.json
	assert_equal "$(jq -r .status site/health.json)" ok
	# without SAM_NOW, serve's clock is the system's (after 2026-11-25)
	unset SAM_NOW
	site_server_start site
	site_chromium --dump-dom "$SITE_URL/" > now.dom
	run live now.dom
	assert_line -n 1 '<p class="health health-stale" id="health"><strong>stale</strong>'
	assert_line -n 2 --regexp '^freshness live freshness-stale STALE: no run for [0-9]+ d [0-9]+ h; one was due by 2026-11-25 11:00 New York\.'
}

@test "an open page turns STALE as soon as stale_after passes, with no reload and no new read of health.json" {
	need_chromium
	site_at $BUILT
	# serve's clock starts at 15:59:50; the script works the status out
	# again every 10 s (of virtual time), and reads health.json again
	# after 60 s only
	SAM_NOW=2026-11-25T15:59:50Z site_server_start site
	site_chromium --dump-dom "$SITE_URL/" > before.dom
	: > "$SITE_LOG"
	site_chromium --budget 25000 --dump-dom "$SITE_URL/" > after.dom
	assert_equal "$(grep -c '"GET /" ' "$SITE_LOG")" 1
	assert_equal "$(grep -c '"GET /health.json" ' "$SITE_LOG")" 1
	run live before.dom
	assert_line -n 2 'freshness live freshness-ok OK: the last run was 1 h 28 min ago; the next is due by 2026-11-25 11:00 New York.'
	run live after.dom
	assert_output 'STALE · 2026-11-25 · sam
<p class="health health-stale" id="health"><strong>stale</strong>
freshness live freshness-stale STALE: no run for 1 h 29 min; one was due by 2026-11-25 11:00 New York. The monitor may have stopped: the data here are as of 2026-11-25 09:32 New York.'
}

@test "Chromium shows FAILING after a failed run, DEGRADED with dead letters, STALE over both once stale_after has passed" {
	need_chromium
	site_at $BUILT '{"start":"2026-11-25T14:30:00Z","end":"2026-11-25T14:31:10Z","status":"failed","stages":{"fetch":3}}'
	dom 2026-11-25T14:40:00Z / > failing.dom
	run live failing.dom
	assert_output 'FAILING · 2026-11-25 · sam
<p class="health health-failing" id="health"><strong>failing</strong>
freshness live freshness-failing FAILING: the last run, 8 min ago, failed; the next is due by 2026-11-25 11:00 New York.'
	dom 2026-11-25T16:30:00Z / > stale.dom
	run live stale.dom
	assert_line -n 1 '<p class="health health-stale" id="health"><strong>stale</strong>'
	site_at $BUILT
	mkdir st/dlq
	echo '{"id":"AAA:1d:2026-11-25T14:30:00Z","error":"HTTP 500"}' > st/dlq/2026-11-25.ndjson
	SAM_NOW=$BUILT sam-serve-static build -r st -o site
	dom 2026-11-25T14:40:00Z / > degraded.dom
	run live degraded.dom
	assert_output '2026-11-25 · sam
<p class="health health-degraded" id="health"><strong>degraded</strong>
freshness live freshness-degraded DEGRADED: the last run, 8 min ago, rejected records, or dead letters wait (1); the next is due by 2026-11-25 11:00 New York.'
	dom 2026-11-25T16:00:30Z / > stale.dom
	run live stale.dom
	assert_line -n 2 'freshness live freshness-stale STALE: no run for 1 h 29 min; one was due by 2026-11-25 11:00 New York. The monitor may have stopped: the data here are as of 2026-11-25 09:32 New York.'
	# a site built stale says so from the start; with no run on record too
	site_at 2026-11-25T16:30:00Z
	dom 2026-11-25T16:31:00Z / > built-stale.dom
	run live built-stale.dom
	assert_line -n 2 'freshness live freshness-stale STALE: no run for 1 h 59 min; one was due by 2026-11-25 11:00 New York. The monitor may have stopped: the data here are as of 2026-11-25 11:30 New York.'
	rm -r st/runs
	SAM_NOW=$BUILT sam-serve-static build -r st -o site
	dom 2026-11-25T14:40:00Z / > none.dom
	run live none.dom
	assert_output 'STALE · 2026-11-25 · sam
<p class="health health-stale" id="health"><strong>stale</strong>
freshness live freshness-stale STALE: no run on record: the hourly job has not run, or does not record its runs.'
}

@test "health.json that cannot be read: the page's own health at now, and why" {
	need_chromium
	site_at $BUILT
	rm site/health.json
	dom 2026-11-25T14:40:00Z / > ok.dom
	run live ok.dom
	assert_line -n 2 'freshness live freshness-ok OK: the last run was 8 min ago; the next is due by 2026-11-25 11:00 New York. (health.json could not be read: HTTP 404; as of this page.)'
	dom 2026-11-25T16:30:00Z / > stale.dom
	run live stale.dom
	assert_line -n 2 'freshness live freshness-stale STALE: no run for 1 h 58 min; one was due by 2026-11-25 11:00 New York. The monitor may have stopped: the data here are as of 2026-11-25 09:32 New York. (health.json could not be read: HTTP 404; as of this page.)'
	echo '{"status":"ok"' > site/health.json
	dom 2026-11-25T14:40:00Z / > bad.dom
	run live bad.dom
	assert_line -n 2 --regexp '^freshness live freshness-ok OK: .* \(health\.json could not be read: .*JSON.*; as of this page\.\)$'
}

@test "markup in a run record or in health.json reaches the page as text, never as markup" {
	need_chromium
	site_at $BUILT '{"start":"2026-11-25T14:30:00Z","end":"2026-11-25T14:31:10Z","status":"<img src=x onerror=alert(1)>","x":"</script><b>"}'
	lacks -e '<img' -e '<b>' site/index.html
	grep -qF '"status":"<img src=x onerror=alert(1)>"' site/health.json
	dom 2026-11-25T14:40:00Z / > failing.dom
	lacks -e '<img' -e '<b>' failing.dom
	run live failing.dom
	assert_line -n 1 '<p class="health health-failing" id="health"><strong>failing</strong>'
	# a health.json whose status or times are not sam's is not used
	jq -c '.status = "<img src=x onerror=alert(1)>"' site/health.json > h && mv h site/health.json
	dom 2026-11-25T14:40:00Z / > bad.dom
	lacks -e '<img' -e '<b>' bad.dom
	run live bad.dom
	assert_line -n 1 '<p class="health health-failing" id="health"><strong>failing</strong>'
	assert_line -n 2 --partial '(health.json could not be read: not a health file; as of this page.)'
	jq -c '.status = "ok" | .stale_after = "<b>2030-01-01T00:00:00Z</b>" | .generated_at = "2026-11-25T14:32:00Z"' \
		site/health.json > h && mv h site/health.json
	dom 2026-11-25T16:30:00Z / > ok.dom
	lacks -e '<img' -e '<b>' ok.dom
	run live ok.dom
	assert_line -n 2 'freshness live freshness-ok OK: the last run was 1 h 58 min ago.'
}

@test "a newer build than the page's reloads the page, once" {
	need_chromium
	site_at $BUILT
	cp -r st st2
	echo '{"start":"2026-11-25T15:30:00Z","end":"2026-11-25T15:31:00Z","status":"ok"}' >> st2/runs/2026-11-25.ndjson
	SAM_NOW=2026-11-25T15:32:00Z sam-serve-static build -r st2 -o site2
	# the page of 14:32 with the health of 15:32, as a cache might hold it
	cp site2/health.json site/health.json
	dom 2026-11-25T15:40:00Z / > reloaded.dom
	# the page, again (revalidated), health.json twice, and no more
	assert_equal "$(grep -c '"GET /" \(200\|304\)' "$SITE_LOG")" 2
	assert_equal "$(grep -cF '"GET /health.json" 200' "$SITE_LOG")" 2
	run live reloaded.dom
	assert_line -n 2 'freshness live freshness-ok OK: the last run was 9 min ago; the next is due by 2026-11-25 12:00 New York.'
}

@test "a site under a prefix reads its own health.json" {
	need_chromium
	site_at $BUILT
	mkdir pub
	mv site pub/sam
	SAM_NOW=2026-11-25T16:30:00Z site_server_start pub
	site_chromium --dump-dom "$SITE_URL/sam/index.html" > index.dom
	site_chromium --dump-dom "$SITE_URL/sam/ticker/AAA.html" > aaa.dom
	assert_equal "$(grep -cF '"GET /sam/health.json" 200' "$SITE_LOG")" 2
	lacks -F '"GET /health.json"' "$SITE_LOG"
	for f in index.dom aaa.dom; do
		run live "$f"
		assert_line -n 1 '<p class="health health-stale" id="health"><strong>stale</strong>'
	done
}

@test "headless Chromium takes screenshots of a stale page, with and without the script" {
	need_chromium
	site_at $BUILT
	SAM_NOW=2026-11-25T16:30:00Z site_server_start site
	shots=$SAM_ROOT/test/screenshots
	mkdir -p "$shots"
	rm -f "$shots/stale.png" "$shots/stale-noscript.png"
	site_chromium --screenshot="$shots/stale.png" --window-size=1280,800 "$SITE_URL/"
	site_chromium --no-script --screenshot="$shots/stale-noscript.png" --window-size=1280,800 "$SITE_URL/"
	for png in "$shots/stale.png" "$shots/stale-noscript.png"; do
		# the signature, then IHDR: 1280 by 800
		assert_equal "$(head -c 24 "$png" | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a0000000d494844520000050000000320
	done
	run cmp -s "$shots/stale.png" "$shots/stale-noscript.png"
	assert_failure 1
}
