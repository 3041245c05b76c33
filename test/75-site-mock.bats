#!/usr/bin/env bats
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
# sam-serve-static build: every page built from bars or anomalies of the
# mock market ("source":"mock") says, in a banner under the freshness
# notice, that their prices are invented; a page of a provider's data
# has none.  The banner is the page's own (no script needed), and no
# text of a record's "source" reaches it.

bats_require_minimum_version 1.5.0

load test_helper
load site

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
BANNER='<div class="mock-banner" id="mock-banner" role="note"><strong>Mock data:</strong> the prices here are invented by sam-fetch'"'"'s built-in mock market, not a provider'"'"'s; alerts from them name real tickers. Set SAM_SOURCE to a provider (sam.env(5)).</div>'

teardown() {
	site_server_stop
}

# store ROOT SOURCE TICKER...: the hourly chain's store of the mock's
# bars, their "source" made SOURCE (a provider's bars, as far as the
# site can tell), or left out for "-".
store() {
	local root=$1 source=$2
	shift 2
	sam-fetch -s mock --from 2026-06-01 --to 2026-11-25 "$@" |
		if [ "$source" = - ]; then jq -c 'del(.source)'; else jq -c --arg s "$source" '.source = $s'; fi |
		sam-store -r "$root" put --kind raw --tee | sam-zscore | sam-detect | sam-store -r "$root" put > /dev/null
}

# banners PAGE...: for each page, its name and how many banners it has;
# and the line after the freshness notice where there is one.
banners() {
	local page
	for page; do
		echo "${page#site/} $(grep -cF 'mock-banner' "$page")"
	done
}

@test "every page of a store of the mock's bars has the banner, right after the freshness notice" {
	store st mock AAA BBB
	SAM_NOW=2026-11-25T21:00:00Z sam-serve-static build -r st -o site
	run banners site/index.html site/ticker/*.html
	assert_output 'index.html 1
ticker/AAA.html 1
ticker/BBB.html 1'
	for page in site/index.html site/ticker/AAA.html; do
		assert_equal "$(awk '/<div class="freshness/ { on = 1 } on && /<\/div>/ { getline; print; exit }' "$page")" "$BANNER"
	done
}

@test "no banner on pages of a provider's bars, or of bars that name no source" {
	store st yahoo AAA BBB
	store st2 - AAA
	SAM_NOW=2026-11-25T21:00:00Z sam-serve-static build -r st -o site
	run banners site/index.html site/ticker/*.html
	assert_output 'index.html 0
ticker/AAA.html 0
ticker/BBB.html 0'
	SAM_NOW=2026-11-25T21:00:00Z sam-serve-static build -r st2 -o site
	run banners site/index.html site/ticker/*.html
	assert_output 'index.html 0
ticker/AAA.html 0'
}

@test "a store of both: the mock ticker's page and the index have the banner, the provider's ticker's page has not" {
	store st mock AAA
	store st yahoo BBB
	SAM_NOW=2026-11-25T21:00:00Z sam-serve-static build -r st -o site
	run banners site/index.html site/ticker/*.html
	assert_output 'index.html 1
ticker/AAA.html 1
ticker/BBB.html 0'
	# the anomalies alone say it too: a ticker with no bars left
	rm -r st/raw/AAA
	SAM_NOW=2026-11-25T21:00:00Z sam-serve-static build -r st -o site
	run banners site/index.html site/ticker/*.html
	assert_output 'index.html 1
ticker/AAA.html 1
ticker/BBB.html 0'
}

@test "a source that is not exactly the string mock is not the mock's, and its text never reaches a page" {
	store st '<b>mock</b>' AAA
	store st2 MOCK AAA
	for root in st st2; do
		SAM_NOW=2026-11-25T21:00:00Z sam-serve-static build -r "$root" -o site
		run banners site/index.html site/ticker/AAA.html
		assert_output 'index.html 0
ticker/AAA.html 0'
		run grep -rlF -e '<b>' -e MOCK site --include '*.html'
		assert_failure
	done
}

@test "Chromium shows the banner, with the script and without it, and none on a provider's site" {
	[ -x "$CHROMIUM" ] || skip "chromium is not installed"
	store st mock AAA
	SAM_NOW=2026-11-25T21:00:00Z sam-serve-static build -r st -o site
	SAM_NOW=2026-11-25T21:00:00Z site_server_start site
	site_chromium --dump-dom "$SITE_URL/" > live.dom
	site_chromium --no-script --dump-dom "$SITE_URL/ticker/AAA" > static.dom
	for dom in live.dom static.dom; do
		assert_equal "$(grep -cF "$BANNER" "$dom")" 1
	done
	site_server_stop
	store yst yahoo AAA
	SAM_NOW=2026-11-25T21:00:00Z sam-serve-static build -r yst -o ysite
	SAM_NOW=2026-11-25T21:00:00Z site_server_start ysite
	site_chromium --dump-dom "$SITE_URL/" > yahoo.dom
	grep -qF 'id="freshness"' yahoo.dom
	assert_equal "$(grep -c 'mock-banner' yahoo.dom)" 0
}
