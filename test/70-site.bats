#!/usr/bin/env bats
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
# sam-serve-static build: the JSON API files of a store written by hand
# (fixtures/site/store, the expected files in fixtures/site/expected),
# the health of the hourly job, markup in records, the pages and their
# chart (also as headless Chromium renders them through serve), the
# atomic publish and its failures, options and usage.

bats_require_minimum_version 1.5.0

load test_helper
load site

# The mock market where a test names no source: named, so that
# sam-fetch does not warn of it (test/14-fetch-mock-notice.bats).
setup() {
	sam_setup
	export SAM_SOURCE=mock
}

USAGE=$(usage_of sam-serve-static)
VERSION=$(sam-serve-static --version | cut -d' ' -f2)
SF=$FIXTURES/site
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

teardown() {
	site_server_stop
}

# ---- helpers ----

# fixture_store ROOT: the anomalies, runs and dead letters of
# fixtures/site/store, with raw bars from the mock source: AAA and BBB
# daily from 2026-10-01 (40 bars), BBB hourly for the last three days
# (21 bars), BRK.B every 5 minutes on the 25th (78 bars), ^GSPC daily
# from 2026-11-02 (18 bars).  CCC, DDD, EURUSD=X and FFF have no bars.
fixture_store() {
	cp -r "$SF/store" "$1"
	{
		sam-fetch --from 2026-10-01 --to 2026-11-25 AAA BBB
		sam-fetch -i 1h --from 2026-11-23 --to 2026-11-25 BBB
		sam-fetch -i 5m --from 2026-11-25 --to 2026-11-25 BRK.B
		sam-fetch --from 2026-11-02 --to 2026-11-25 '^GSPC'
	} | sam-store -r "$1" put --kind raw > /dev/null
}

# build ARG...: sam-serve-static build ARG..., under run.
build() {
	run --separate-stderr sam-serve-static build "$@"
}

# same_as_expected FILE...: each FILE of the site in ./site is byte for
# byte fixtures/site/expected/FILE (@VERSION@ standing for the tool's
# version); every difference is shown.
same_as_expected() {
	local f bad=0
	for f in "$@"; do
		sed "s/@VERSION@/$VERSION/" "$SF/expected/$f" | diff -u - "site/$f" || bad=1
	done
	[ "$bad" -eq 0 ]
}

# stored ID: the anomaly ID's line as it is in the store ./st.
stored() {
	grep -rhF "\"id\":\"$1\"" st/anomalies
}

# here: what the current directory holds, but the files in which bats'
# "run --separate-stderr" keeps standard error.
here() {
	find . -mindepth 1 -maxdepth 1 ! -name 'separate-stderr-*' -printf '%f\n' | sort
}

# snapshot DIR: each entry with its type, mode, size, inode and mtime.
snapshot() {
	find "$1" -printf '%p %y %m %s %i %T@\n' | sort
}

# rows HTML: the page's sections ("# id") and table rows, a cell's text
# after another, " | " between them.
rows() {
	sed -n -e 's/^<section id="\([a-z]*\)".*/# \1/p' \
		-e '/^<tr data-ticker=/{s/<\/td><td[^>]*>/ | /g;s/<[^>]*>//g;s/\xc2\xa0/ /g;p}' "$1"
}

# lacks GREP-ARG...: grep GREP-ARG... finds nothing; what it finds is shown.
lacks() {
	if grep "$@"; then
		return 1
	fi
}

# count PATTERN FILE: how many times the fixed string PATTERN occurs.
count() {
	grep -oF -- "$1" "$2" | wc -l
}

# npoints: the number of points of each line on standard input.
npoints() {
	awk '{ print NF }'
}

# health_store RUN...: a store ./st with no bars and RUN... the lines
# of st/runs/2026-11-25.ndjson.
health_store() {
	mkdir -p st/runs
	printf '%s\n' "$@" > st/runs/2026-11-25.ndjson
}

# health ARG...: builds ./site from ./st with ARG... and prints
# [status, stale_after] of its health.json.
# shellcheck disable=SC2120 # ARG... are given through bats' run
health() {
	sam-serve-static build -r st -o site "$@" || return
	jq -c '[.status, .stale_after]' site/health.json
}

# plus_seconds TS N: TS (RFC 3339 UTC) N seconds later.
plus_seconds() {
	date -u -d "@$(($(date -u -d "$1" +%s) + $2))" +%Y-%m-%dT%H:%M:%SZ
}

# need_userns: sets UNSHARE to a command that makes a mount namespace,
# or skips (as test/50-store.bats does).
need_userns() {
	command -v unshare > /dev/null || skip "unshare is not installed"
	UNSHARE="unshare -rm"
	[ "$(id -u)" -ne 0 ] || UNSHARE="unshare -m"
	$UNSHARE true 2> /dev/null || skip "$UNSHARE is not permitted here"
}

# big_store: ./big, the fixture store with one more anomaly of AAA on
# the 25th that carries 200 kB of padding: the newest day's JSON files
# and AAA's grow past 200 kB.
big_store() {
	fixture_store big
	printf '{"ticker":"AAA","interval":"1h","ts":"2026-11-25T16:30:00Z","date":"2026-11-25","anomaly":true,"score":2.2,"severity":"low","metrics":["close"],"z_close":2.2,"pad":"%s"}\n' \
		"$(head -c 200000 /dev/zero | tr '\0' x)" | sam-store -r big put > /dev/null
}

need_chromium() {
	[ -x "$CHROMIUM" ] || skip "chromium is not installed"
}

# chromium ARG...: headless Chromium with a fresh profile and a time
# limit; its standard error (dbus noise) is dropped.
chromium() {
	local profile
	profile=$(mktemp -d "$BATS_TEST_TMPDIR/chromium.XXXXXX")
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--disable-quic --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync --user-data-dir="$profile" "$@" 2> /dev/null
}

# charted_anomalies ROOT TICKER INTERVAL N: how many of the ticker's
# stored anomalies of INTERVAL fall on its last N bars of INTERVAL.
charted_anomalies() {
	sam-store -r "$1" get raw -t "$2" | jq -r --arg i "$3" 'select(.interval == $i) | .ts' |
		tail -n "$4" > charted.ts
	sam-store -r "$1" get anomalies -t "$2" | jq -r --arg i "$3" 'select(.interval == $i) | .ts' |
		grep -cFxf charted.ts || true
}

# ---- options and usage ----

@test "-h and --help print the usage and --version the version, on standard output" {
	assert_equal "$USAGE" 'usage: sam-serve-static build [-r root] [-o dir] [--days n] [--window n]
                              [--min-periods n] [--chart-bars n] [-t threshold]
                              [--profile name] [--tail-df df] [--move fraction]
                              [--stale-grace time] [--title text]
                              [--log-format text|json]
       sam-serve-static serve [-d dir] [-l address:port] [--rate n] [--burst n]
                              [--client-rate n] [--client-burst n]
                              [--per-address n] [--request-timeout seconds]
                              [--quiet] [--log-format text|json]
       sam-serve-static --version | --help'
	check_help_and_version sam-serve-static
	run sam-serve-static --help
	[[ $output == *$'\nOptions of build:\n'*$'\nOptions of serve:\n'* ]]
	for cmd in "build -h" "build --help" "build -r nowhere -o site --help" "serve --help" "serve -h"; do
		# shellcheck disable=SC2086 # the command's words
		run --separate-stderr sam-serve-static $cmd
		assert_success
		check_help "sam-serve-static(1)"
		assert_equal "$stderr" ""
	done
	check_full sam-serve-static build --help
	check_full sam-serve-static serve --help
	[ ! -e site ]
}

@test "no command, or an unknown one, is a usage error" {
	run --separate-stderr sam-serve-static
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" "sam-serve-static: no command given: build or serve"$'\n'"$USAGE"
	usage_table sam-serve-static <<-'EOF'
		frob | sam-serve-static: unknown command: frob
		--log-format xml build | sam-serve-static: --log-format: must be text or json: xml
		-x build | sam-serve-static: invalid option -- 'x'
		--days 3 build | sam-serve-static: unrecognized option '--days'
		--version=1 | sam-serve-static: option '--version' doesn't allow an argument
	EOF
}

@test "each bad option, argument or environment variable of build is a usage error with its own message" {
	fixture_store st
	usage_table sam-serve-static build -r st <<-'EOF'
		-o site --days 0 | sam-serve-static: --days: not a whole number from 1 to 3660: 0
		-o site --days 3661 | sam-serve-static: --days: not a whole number from 1 to 3660: 3661
		-o site --days=1.5 | sam-serve-static: --days: not a whole number from 1 to 3660: 1.5
		-o site --window 1 | sam-serve-static: --window: not a whole number from 2 to 1000000: 1
		-o site --window=x | sam-serve-static: --window: not a whole number from 2 to 1000000: x
		-o site --min-periods 1 | sam-serve-static: --min-periods: not a whole number from 2 to 30: 1
		-o site --min-periods 31 | sam-serve-static: --min-periods: not a whole number from 2 to 30: 31
		-o site --window 10 --min-periods 11 | sam-serve-static: --min-periods: not a whole number from 2 to 10: 11
		-o site --chart-bars 1 | sam-serve-static: --chart-bars: not a whole number from 2 to 100000: 1
		-o site --chart-bars 100001 | sam-serve-static: --chart-bars: not a whole number from 2 to 100000: 100001
		-o site -t 0 | sam-serve-static: -t: not a positive number: 0
		-o site -t -1 | sam-serve-static: -t: not a positive number: -1
		-o site --threshold=nan | sam-serve-static: -t: not a positive number: nan
		-o site -t inf | sam-serve-static: -t: not a positive number: inf
		-o site --stale-grace 1w | sam-serve-static: --stale-grace: not a time such as 30m or 1h: 1w
		-o site --stale-grace 1.5s | sam-serve-static: --stale-grace: not a time such as 30m or 1h: 1.5s
		-o site --stale-grace 3651d | sam-serve-static: --stale-grace: not a time such as 30m or 1h: 3651d
		-o site --log-format xml | sam-serve-static: --log-format: must be text or json: xml
		-o site --title | sam-serve-static: option '--title' requires an argument
		-o | sam-serve-static: option requires an argument -- 'o'
		-o site -x | sam-serve-static: invalid option -- 'x'
		-o site --bogus | sam-serve-static: unrecognized option '--bogus'
		-o site --help=1 | sam-serve-static: option '--help' doesn't allow an argument
		-o site extra | sam-serve-static: build: unexpected argument: extra
		--days 3 | sam-serve-static: build: where to? give -o DIR or set SAM_SITE
		SAM_SITE= --days 3 | sam-serve-static: build: where to? give -o DIR or set SAM_SITE
		SAM_THRESHOLD=0 -o site | sam-serve-static: SAM_THRESHOLD: not a positive number: 0
		SAM_THRESHOLD=x -o site | sam-serve-static: SAM_THRESHOLD: not a positive number: x
		SAM_WINDOW=1 -o site | sam-serve-static: SAM_WINDOW: not a whole number from 2 to 1000000: 1
		SAM_WINDOW=10 -o site --min-periods 11 | sam-serve-static: --min-periods: not a whole number from 2 to 10: 11
		SAM_LOG_FORMAT=xml -o site | sam-serve-static: SAM_LOG_FORMAT: must be text or json: xml
		SAM_NOW=yesterday -o site | sam-serve-static: SAM_NOW: not an RFC 3339 UTC time: yesterday
	EOF
	build -r st -o ''
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" "sam-serve-static: -o: an empty name"$'\n'"$USAGE"
	build -r '' -o site
	assert_failure 2
	assert_equal "$stderr" "sam-serve-static: -r: an empty name"$'\n'"$USAGE"
	[ ! -e site ]
	assert_equal "$(here)" st
}

@test "a bad environment variable does not matter when its option is given" {
	fixture_store st
	SAM_THRESHOLD=x SAM_WINDOW=1 SAM_LOG_FORMAT=xml SAM_SITE=elsewhere \
		build -r st -o site -t 2 --window 30 --log-format text
	assert_success
	assert_equal "$stderr" ""
	assert_output ""
	[ -f site/index.html ]
	[ ! -e elsewhere ]
}

@test "the store is -r, else SAM_STORE, else ./sam-store" {
	fixture_store st
	build -r st -o want
	assert_success
	mv st sam-store
	build -o site
	assert_success
	assert_equal "$stderr" ""
	diff -r want site
	mv sam-store envstore
	SAM_STORE=envstore build -o site2
	assert_success
	assert_equal "$stderr" ""
	diff -r want site2
	SAM_STORE=nowhere build -r envstore -o site3
	assert_success
	diff -r want site3
	SAM_STORE=nowhere build -o site4
	assert_failure 3
	assert_equal "$stderr" "sam-serve-static: fatal: unable to open the store nowhere: No such file or directory"
	[ ! -e site4 ]
}

@test "the site goes to SAM_SITE when -o is not given, and -o wins over it" {
	fixture_store st
	SAM_SITE=envsite build -r st
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	[ -f envsite/.sam-site ]
	[ -f envsite/index.html ]
	SAM_SITE=other build -r st -o optsite
	assert_success
	[ -f optsite/index.html ]
	[ ! -e other ]
}

@test "--log-format json and SAM_LOG_FORMAT=json turn the diagnostics into JSON lines" {
	fixture_store st
	printf '%s\n' '{"ticker":"AAA","interval":"1h","ts":"2026-11-25T20:30:00Z","anomaly":true,"score":2,"severity":"severe"}' \
		>> st/anomalies/AAA/2026-11-25.ndjson
	build -r st -o site --log-format json
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" '{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-serve-static","msg":"field \"severity\": not low, medium, high or critical: \"severe\"","file":"st/anomalies/AAA/2026-11-25.ndjson","line":3}'
	SAM_LOG_FORMAT=json build -r st -o site
	assert_failure 1
	assert_equal "$stderr" '{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-serve-static","msg":"field \"severity\": not low, medium, high or critical: \"severe\"","file":"st/anomalies/AAA/2026-11-25.ndjson","line":3}'
	cp "$SF/store/anomalies/AAA/2026-11-25.ndjson" st/anomalies/AAA/
	mkdir notes
	touch notes/todo
	build -r st -o notes --log-format json
	assert_failure 2
	assert_equal "$stderr" '{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-serve-static","msg":"not a site built by sam-serve-static (no .sam-site in it); refusing to replace it","file":"notes"}'
	SAM_LOG_FORMAT=json build -r nowhere -o site
	assert_failure 3
	assert_equal "$stderr" '{"ts":"2026-11-25T21:00:00Z","level":"fatal","tool":"sam-serve-static","msg":"unable to open the store nowhere: No such file or directory"}'
	# a usage error too is one JSON line
	run --separate-stderr sam-serve-static --log-format json build -o site --days 0
	assert_failure 2
	assert_equal "$stderr" '{"ts":"2026-11-25T21:00:00Z","level":"error","tool":"sam-serve-static","msg":"--days: not a whole number from 1 to 3660: 0"}'
}

@test "--days sets the days of the ticker pages, their JSON and the counts, counted back from the newest day" {
	fixture_store st
	for days in 1 2 30 60 90; do
		build -r st -o "site$days" --days "$days"
		assert_success
	done
	# [from, to, count, the ids sorted] of AAA; window_total; FFF's count
	summary() {
		jq -c '[.from, .to, .count, ([.anomalies[].id] | sort)]' "site$1/anomalies/AAA.json"
		jq -c '[.anomalies.days, .anomalies.latest_total, .anomalies.window_total]' "site$1/health.json"
		jq -c .count "site$1/anomalies/FFF.json"
	}
	assert_equal "$(summary 1)" '["2026-11-25","2026-11-25",2,["AAA:1d:2026-11-25T14:30:00Z","AAA:1h:2026-11-25T14:30:00Z"]]
[1,7,7]
0'
	assert_equal "$(summary 2)" '["2026-11-24","2026-11-25",3,["AAA:1d:2026-11-24T14:30:00Z","AAA:1d:2026-11-25T14:30:00Z","AAA:1h:2026-11-25T14:30:00Z"]]
[2,7,8]
0'
	assert_equal "$(summary 30)" '["2026-10-27","2026-11-25",4,["AAA:1d:2026-10-27T13:30:00Z","AAA:1d:2026-11-24T14:30:00Z","AAA:1d:2026-11-25T14:30:00Z","AAA:1h:2026-11-25T14:30:00Z"]]
[30,7,10]
0'
	assert_equal "$(summary 60)" '["2026-09-27","2026-11-25",5,["AAA:1d:2026-10-26T13:30:00Z","AAA:1d:2026-10-27T13:30:00Z","AAA:1d:2026-11-24T14:30:00Z","AAA:1d:2026-11-25T14:30:00Z","AAA:1h:2026-11-25T14:30:00Z"]]
[60,7,11]
0'
	assert_equal "$(summary 90)" '["2026-08-28","2026-11-25",5,["AAA:1d:2026-10-26T13:30:00Z","AAA:1d:2026-10-27T13:30:00Z","AAA:1d:2026-11-24T14:30:00Z","AAA:1d:2026-11-25T14:30:00Z","AAA:1h:2026-11-25T14:30:00Z"]]
[90,7,12]
1'
	# the newest day's files do not depend on it
	cmp site1/anomalies.json site90/anomalies.json
	# the pages say it, and count what they list
	grep -qFx '<h2>Anomalies of the last 2 days <span class="n">3</span></h2>' site2/ticker/AAA.html
	grep -qFx '<p>Anomalies of the last 2 days, by severity.</p>' site2/index.html
	assert_equal "$(rows site2/index.html | sed -n '/^# tickers/,$p' | sed 's/^\([^|]*| [^ ]*\).*/\1/')" '# tickers
AAA | 3
BBB | 2
BRK.B | 1
CCC | 1
DDD | 0
EURUSD=X | 1
FFF | 0
^GSPC | 0'
	assert_equal "$(rows site2/ticker/DDD.html)" '# anomalies'
	grep -qFx '<p class="none">None.</p>' site2/ticker/DDD.html
}

@test "--chart-bars sets the number of bars on a chart, the newest of them" {
	fixture_store st
	for n in 2 10 39 40 41 250; do
		build -r st -o site --chart-bars "$n"
		assert_success
		want=$((n < 40 ? n : 40))
		assert_equal "$(count '<rect class="vol' site/ticker/AAA.html)" "$want"
		assert_equal "$(points polyline.close site/ticker/AAA.html | npoints)" "$want"
		grep -qF "<title id=\"chart-title\">AAA: $want 1d bars, " site/ticker/AAA.html
		grep -qF "<figcaption>The last $want 1d bars in the store: " site/ticker/AAA.html
		# the axis ends with the newest bar
		grep -qF '">2026-11-25</text>' site/ticker/AAA.html
	done
	build -r st -o site --chart-bars 10
	# of AAA's anomalies only the two of the last ten bars are marked
	assert_equal "$(grep -o '<circle class="marker [^"]*"' site/ticker/AAA.html)" '<circle class="marker sev-critical"
<circle class="marker sev-medium"'
	assert_equal "$(count '<rect class="vol anom"' site/ticker/AAA.html)" 2
}

@test "--title names the site in every page, escaped" {
	fixture_store st
	build -r st -o site --title '<b>Desk & "Co"'"'s</b>"
	assert_success
	esc='&lt;b&gt;Desk &amp; &quot;Co&quot;&#39;s&lt;/b&gt;'
	for page in site/index.html site/ticker/*.html; do
		assert_equal "$(count "$esc" "$page")" 2
		lacks -F '<b>Desk' "$page"
	done
	grep -qFx "<title>2026-11-25 · $esc</title>" site/index.html
	grep -qFx "<title>AAA · $esc</title>" site/ticker/AAA.html
	grep -qFx "<p class=\"brand\"><a href=\"index.html\">$esc</a></p>" site/index.html
	build -r st -o site
	grep -qFx '<title>2026-11-25 · sam</title>' site/index.html
	grep -qFx '<p class="brand"><a href="../index.html">sam</a></p>' site/ticker/BBB.html
}

@test "SAM_THRESHOLD and SAM_WINDOW set the chart's band when -t and --window are not given" {
	fixture_store st
	caption() {
		sed -n 's/.*the band is where |z| of the close against the \([0-9]*\) bars before it stays within \([0-9.]*\)\..*/\1 \2/p' "site/ticker/$1.html"
	}
	build -r st -o site
	# ^GSPC has no anomaly to say; AAA's newest says 2, BBB's 2.5
	assert_equal "$(caption '^GSPC') $(caption AAA) $(caption BBB)" "30 2.00 30 2.00 30 2.50"
	grep -qF '<title id="chart-title">^GSPC: 18 1d bars, 0 anomalies marked, band |z| &lt;= 2.00</title>' site/ticker/^GSPC.html
	SAM_THRESHOLD=3.5 SAM_WINDOW=10 build -r st -o site
	assert_success
	assert_equal "$(caption '^GSPC') $(caption AAA) $(caption BBB)" "10 3.50 10 2.00 10 2.50"
	grep -qF '<title id="chart-title">^GSPC: 18 1d bars, 0 anomalies marked, band |z| &lt;= 3.50</title>' site/ticker/^GSPC.html
	SAM_THRESHOLD=3.5 SAM_WINDOW=10 build -r st -o site -t 1.25 --window 20
	assert_success
	assert_equal "$(caption '^GSPC') $(caption AAA)" "20 1.25 20 2.00"
	SAM_THRESHOLD=3.5 build -r st -o site --threshold=4
	assert_equal "$(caption '^GSPC')" "30 4.00"
	# the window moves where the band starts: at bar 5 (min-periods), or
	# at the window when it is shorter
	SAM_WINDOW=3 build -r st -o site
	assert_success
	assert_equal "$(points polygon.band site/ticker/^GSPC.html | npoints)" $((2 * (18 - 3)))
	SAM_WINDOW=8 build -r st -o site
	assert_equal "$(points polygon.band site/ticker/^GSPC.html | npoints)" $((2 * (18 - 5)))
}

# ---- the JSON API ----

@test "the site holds the pages, the JSON files, the assets and its mark, files 0644 and directories 0755 less the umask" {
	fixture_store st
	umask 022
	build -r st -o site
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	assert_equal "$(cd site && find . -printf '%y %m %p\n' | sort -k3)" "d 755 .
f 644 ./.sam-site
d 755 ./anomalies
f 644 ./anomalies.json
f 644 ./anomalies/AAA.json
f 644 ./anomalies/BBB.json
f 644 ./anomalies/BRK.B.json
f 644 ./anomalies/CCC.json
f 644 ./anomalies/DDD.json
f 644 ./anomalies/EURUSD=X.json
f 644 ./anomalies/FFF.json
f 644 ./anomalies/^GSPC.json
d 755 ./anomalies/severity
f 644 ./anomalies/severity/critical.json
f 644 ./anomalies/severity/high.json
f 644 ./anomalies/severity/low.json
f 644 ./anomalies/severity/medium.json
f 644 ./app.js
f 644 ./health.json
f 644 ./index.html
f 644 ./style.css
d 755 ./ticker
f 644 ./ticker/AAA.html
f 644 ./ticker/BBB.html
f 644 ./ticker/BRK.B.html
f 644 ./ticker/CCC.html
f 644 ./ticker/DDD.html
f 644 ./ticker/EURUSD=X.html
f 644 ./ticker/FFF.html
f 644 ./ticker/^GSPC.html"
	# the assets are share/site's, byte for byte
	cmp "$SAM_ROOT/share/site/app.js" site/app.js
	cmp "$SAM_ROOT/share/site/style.css" site/style.css
	assert_equal "$(cat site/.sam-site)" "sam-serve-static $VERSION"
	# nothing beside it but the store
	assert_equal "$(here)" "site
st"
	(umask 027 && sam-serve-static build -r st -o site027)
	assert_equal "$(find site027 -printf '%y %m\n' | sort -u)" "d 750
f 640"
	(umask 0 && sam-serve-static build -r st -o site0)
	assert_equal "$(find site0 -printf '%y %m\n' | sort -u)" "d 755
f 644"
	# the store was only read
	cp -r "$SF/store" fresh
	diff -r fresh/anomalies st/anomalies
	diff -r fresh/runs st/runs
	diff -r fresh/dlq st/dlq
}

@test "health.json reports the last run, its age, when it turns stale, the newest day, the counts and the dead letters, exactly" {
	fixture_store st
	build -r st -o site
	assert_success
	same_as_expected health.json
	# the last run is the line as stored
	assert_equal "$(jq -c .last_run site/health.json)" "$(tail -n 1 st/runs/2026-11-25.ndjson)"
	grep -qF "\"last_run\":$(tail -n 1 st/runs/2026-11-25.ndjson)," site/health.json
}

@test "anomalies.json lists the newest day's anomalies newest first, then by score, each as stored" {
	fixture_store st
	build -r st -o site
	assert_success
	same_as_expected anomalies.json
	# the records byte for byte: each is a stored line
	jq -r '.anomalies[].id' site/anomalies.json > ids
	assert_equal "$(wc -l < ids)" 7
	while read -r id; do
		grep -qF -- "$(stored "$id")" site/anomalies.json
	done < ids
	# the newest day in New York: EURUSD=X's bar at 01:30 UTC on the 26th is 20:30 on the 25th
	assert_equal "$(head -n 1 ids)" 'EURUSD=X:1h:2026-11-26T01:30:00Z'
}

@test "anomalies/severity/LEVEL.json lists the newest day's anomalies at LEVEL or above, with min_severity set" {
	fixture_store st
	build -r st -o site
	assert_success
	same_as_expected anomalies/severity/critical.json anomalies/severity/high.json \
		anomalies/severity/medium.json anomalies/severity/low.json
}

@test "anomalies/TICKER.json lists the ticker's anomalies of the last 30 days newest first, each as stored" {
	fixture_store st
	build -r st -o site
	assert_success
	same_as_expected anomalies/AAA.json anomalies/BBB.json anomalies/BRK.B.json anomalies/CCC.json \
		anomalies/DDD.json anomalies/EURUSD=X.json anomalies/FFF.json 'anomalies/^GSPC.json'
	for f in site/anomalies/*.json; do
		for id in $(jq -r '.anomalies[].id' "$f"); do
			grep -qF -- "$(stored "$id")" "$f"
		done
	done
}

@test "latest_date is the newest day of raw/ or anomalies/, and an empty store makes an empty site" {
	mkdir -p st
	build -r st -o site
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(cat site/health.json)" "{\"status\":\"stale\",\"generated_at\":\"2026-11-25T21:00:00Z\",\"last_run\":null,\"last_run_age_s\":null,\"stale_after\":null,\"latest_date\":null,\"tickers\":0,\"anomalies\":{\"latest\":{\"low\":0,\"medium\":0,\"high\":0,\"critical\":0},\"latest_total\":0,\"days\":30,\"window_total\":0},\"dlq_depth\":0,\"version\":\"$VERSION\"}"
	assert_equal "$(cat site/anomalies.json)" '{"date":null,"generated_at":"2026-11-25T21:00:00Z","min_severity":null,"count":0,"anomalies":[]}'
	grep -qFx '<h1>No data in the store yet</h1>' site/index.html
	assert_equal "$(cd site && find . | sort)" ".
./.sam-site
./anomalies
./anomalies.json
./anomalies/severity
./anomalies/severity/critical.json
./anomalies/severity/high.json
./anomalies/severity/low.json
./anomalies/severity/medium.json
./app.js
./health.json
./index.html
./style.css"
	# bars of a newer day than any anomaly: that day, with none
	fixture_store st2
	echo '{"ticker":"^GSPC","interval":"1d","ts":"2026-11-27T14:30:00Z","date":"2026-11-27","open":29.05,"high":29.29,"low":28.55,"close":28.56,"volume":7202496}' |
		sam-store -r st2 put --kind raw > /dev/null
	build -r st2 -o site2
	assert_success
	assert_equal "$(jq -c '[.latest_date, .anomalies]' site2/health.json)" '["2026-11-27",{"latest":{"low":0,"medium":0,"high":0,"critical":0},"latest_total":0,"days":30,"window_total":9}]'
	assert_equal "$(cat site2/anomalies.json)" '{"date":"2026-11-27","generated_at":"2026-11-25T21:00:00Z","min_severity":null,"count":0,"anomalies":[]}'
	assert_equal "$(jq -c '[.from, .to, .count]' site2/anomalies/AAA.json)" '["2026-10-29","2026-11-27",3]'
	grep -qFx '<p class="none">No anomalies on 2026-11-27.</p>' site2/index.html
}

# ---- the pages ----

@test "the index shows the newest day's anomalies by severity, most severe first, and every ticker with its counts" {
	fixture_store st
	build -r st -o site
	assert_success
	grep -qFx '<h1>Anomalies of 2026-11-25</h1>' site/index.html
	grep -qFx '<p class="health health-degraded" id="health"><strong>degraded</strong> · last run 2026-11-25 15:30 New York, ok · 2 dead letters</p>' site/index.html
	assert_equal "$(grep '^<li><a class="count' site/index.html | sed 's/<[^>]*>//g')" '1 critical
1 high
2 medium
3 low'
	assert_equal "$(rows site/index.html)" '# critical
2026-11-25 15:55 5m | BRK.B | 4.50 | volume z +4.50 | 22.02 | 213,580
# high
2026-11-25 | BBB | 3.32 | close z +3.32 | 58.86 | 1,916,550
# medium
2026-11-25 | AAA | 2.93 | close z +2.93 | 9.70 | 5,052,081
2026-11-25 09:30 1h | AAA | 2.93 | volume z +2.93 | 9.41 | 1,200,000
# low
2026-11-25 20:30 1h | EURUSD=X | 2.20 | close z -2.20 | 1.04 | 0
2026-11-25 10:30 1h | BBB | 2.10 | volume z -2.10 | 59.01 | 310,000
2026-11-25 10:30 1h | CCC | 2.10 | close z +2.10 | 0.5 | 1,000
# tickers
AAA | 4 | 1 | 0 | 2 | 1 | 2026-11-25
BBB | 2 | 0 | 1 | 0 | 1 | 2026-11-25 10:30
BRK.B | 1 | 1 | 0 | 0 | 0 | 2026-11-25 15:55
CCC | 1 | 0 | 0 | 0 | 1 | 2026-11-25 10:30
DDD | 1 | 0 | 1 | 0 | 0 | 2026-11-20
EURUSD=X | 1 | 0 | 0 | 0 | 1 | 2026-11-25 20:30
FFF | 0 | 0 | 0 | 0 | 0 | 
^GSPC | 0 | 0 | 0 | 0 | 0 | '
	# links to every ticker page, escaped for a URL, and the pages are there
	assert_equal "$(grep -o 'href="ticker/[^"]*"' site/index.html | sort -u)" 'href="ticker/%5EGSPC.html"
href="ticker/AAA.html"
href="ticker/BBB.html"
href="ticker/BRK.B.html"
href="ticker/CCC.html"
href="ticker/DDD.html"
href="ticker/EURUSD%3DX.html"
href="ticker/FFF.html"'
	# the filter box waits for the script; no inline script or style, nothing from another site
	grep -qFx '<p class="filter" hidden><label for="filter">Filter tickers</label> <input id="filter" type="search" placeholder="AAPL" autocomplete="off" spellcheck="false"></p>' site/index.html
	for page in site/index.html site/ticker/*.html; do
		grep -qF "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'\">" "$page"
		assert_equal "$(count '<script' "$page")" 1
		lacks -iE 'style=|<style|(src|href)="(https?:)?//| on[a-z]+=' "$page"
	done
}

@test "a ticker page lists its anomalies of the last --days newest first, and says when it has no bars or anomalies" {
	fixture_store st
	build -r st -o site
	assert_success
	grep -qFx '<h1>AAA</h1>' site/ticker/AAA.html
	assert_equal "$(rows site/ticker/AAA.html)" '# anomalies
2026-11-25 | medium | 2.93 | close z +2.93 | 9.70 | 5,052,081
2026-11-25 09:30 1h | medium | 2.93 | volume z +2.93 | 9.41 | 1,200,000
2026-11-24 | critical | 4.20 | volume z +4.20, close z -2.50 | 8.10 | 24,633,527
2026-10-27 | low | 2.05 | close z -2.05 | 7.66 | 5,087,512'
	grep -qFx '<h2>Anomalies of the last 30 days <span class="n">4</span></h2>' site/ticker/AAA.html
	grep -qFx '<p>JSON: <a href="../anomalies/AAA.json">anomalies of AAA</a>.</p>' site/ticker/AAA.html
	assert_equal "$(rows site/ticker/BBB.html)" '# anomalies
2026-11-25 10:30 1h | low | 2.10 | volume z -2.10 | 59.01 | 310,000
2026-11-25 | high | 3.32 | close z +3.32 | 58.86 | 1,916,550'
	# no bars: no chart
	for t in CCC DDD EURUSD=X FFF; do
		grep -qFx "<p class=\"none\">No bars of $t in the store.</p>" "site/ticker/$t.html"
		lacks -F '<svg' "site/ticker/$t.html"
	done
	# no anomalies
	grep -qFx '<p class="none">None.</p>' site/ticker/FFF.html
	grep -qFx '<p class="none">None.</p>' 'site/ticker/^GSPC.html'
	grep -qFx '<p>JSON: <a href="../anomalies/%5EGSPC.json">anomalies of ^GSPC</a>.</p>' 'site/ticker/^GSPC.html'
	assert_equal "$(rows site/ticker/EURUSD=X.html)" '# anomalies
2026-11-25 20:30 1h | low | 2.20 | close z -2.20 | 1.04 | 0'
}

# ---- health ----

@test "health is stale, with no stale_after, when no run is on record" {
	mkdir -p st/runs st/dlq
	: > st/runs/2026-11-25.ndjson
	echo '{"id":"x"}' > st/dlq/2026-11-25.ndjson
	build -r st -o site
	assert_success
	assert_equal "$(jq -c '[.status, .last_run, .last_run_age_s, .stale_after, .dlq_depth]' site/health.json)" '["stale",null,null,null,1]'
	grep -qF '<strong>stale</strong> · no run on record · 1 dead letter</p>' site/index.html
}

@test "health is ok after a good run, and stale once the next run slot and the grace have passed" {
	health_store '{"start":"2026-11-25T14:30:00Z","end":"2026-11-25T14:31:10Z","status":"ok","stages":{"fetch":0,"zscore":0}}'
	# 09:30 in New York: the next slot is 10:30 (15:30Z), stale from 16:00Z
	SAM_NOW=2026-11-25T14:31:10Z run health
	assert_success
	assert_output '["ok","2026-11-25T16:00:00Z"]'
	assert_equal "$(jq .last_run_age_s site/health.json)" 0
	SAM_NOW=2026-11-25T16:00:00Z run health
	assert_output '["ok","2026-11-25T16:00:00Z"]'
	assert_equal "$(jq .last_run_age_s site/health.json)" 5330
	grep -qFx '<p class="health health-ok" id="health"><strong>ok</strong> · last run 2026-11-25 09:30 New York, ok · 0 dead letters</p>' site/index.html
	SAM_NOW=2026-11-25T16:00:01Z run health
	assert_output '["stale","2026-11-25T16:00:00Z"]'
	assert_equal "$(jq .last_run_age_s site/health.json)" 5331
	grep -qF '<p class="health health-stale" id="health"><strong>stale</strong> · last run 2026-11-25 09:30 New York, ok' site/index.html
	# --stale-grace
	for g in '0s 2026-11-25T15:30:00Z' '0m 2026-11-25T15:30:00Z' '59s 2026-11-25T15:30:59Z' \
		'90m 2026-11-25T17:00:00Z' '2h 2026-11-25T17:30:00Z' '3600s 2026-11-25T16:30:00Z' \
		'1d 2026-11-26T15:30:00Z'; do
		SAM_NOW=2026-11-25T15:30:00Z run health --stale-grace "${g%% *}"
		assert_success
		assert_output "[\"ok\",\"${g#* }\"]"
		SAM_NOW=$(plus_seconds "${g#* }" 1) run health --stale-grace "${g%% *}"
		assert_output "[\"stale\",\"${g#* }\"]"
	done
	# no end: the age is from the start
	health_store '{"start":"2026-11-25T14:30:00Z","status":"ok"}'
	SAM_NOW=2026-11-25T15:00:00Z run health
	assert_output '["ok","2026-11-25T16:00:00Z"]'
	assert_equal "$(jq .last_run_age_s site/health.json)" 1800
}

@test "stale_after is the first NYSE run slot after the run's start, plus the grace: weekends, holidays, early closes, clocks" {
	mkdir -p st/runs
	failed=0
	while read -r start want why; do
		[ -n "$start" ] || continue
		printf '{"start":"%s","status":"ok"}\n' "$start" > st/runs/2026-11-25.ndjson
		got=$(SAM_NOW=$start health)
		got1=$(SAM_NOW=$want health)
		got2=$(SAM_NOW=$(plus_seconds "$want" 1) health)
		if [ "$got $got1" != "[\"ok\",\"$want\"] [\"ok\",\"$want\"]" ] ||
			[ "$got2" != "[\"stale\",\"$want\"]" ]; then
			echo "$start ($why): expected $want, got $got, $got1 then $got2"
			failed=1
		fi
	done <<-'EOF'
		2026-11-25T14:30:00Z 2026-11-25T16:00:00Z Wednesday 09:30, next 10:30
		2026-11-25T14:29:59Z 2026-11-25T15:00:00Z a second before the 09:30 slot
		2026-11-25T20:30:00Z 2026-11-25T22:00:00Z 15:30, next 16:30 after the close
		2026-11-25T20:45:00Z 2026-11-25T22:00:00Z 15:45 is no slot
		2026-11-25T21:30:00Z 2026-11-27T15:00:00Z 16:30 before Thanksgiving: Friday 09:30
		2026-11-27T17:30:00Z 2026-11-27T19:00:00Z Friday after Thanksgiving closes at 13:00: 13:30
		2026-11-27T18:30:00Z 2026-11-30T15:00:00Z after its 13:30 slot: Monday 09:30
		2026-11-20T21:30:00Z 2026-11-23T15:00:00Z Friday 16:30: Monday 09:30
		2026-11-21T12:00:00Z 2026-11-23T15:00:00Z a Saturday
		2026-10-30T20:30:00Z 2026-11-02T15:00:00Z Friday 16:30 EDT: Monday 09:30 EST
		2027-03-12T21:30:00Z 2027-03-15T14:00:00Z Friday 16:30 EST: Monday 09:30 EDT
		2026-12-24T17:30:00Z 2026-12-24T19:00:00Z Christmas Eve closes at 13:00
		2026-12-24T18:30:00Z 2026-12-28T15:00:00Z Christmas on Friday: Monday
		2026-12-31T21:30:00Z 2027-01-04T15:00:00Z New Year's Day on Friday: Monday
		2026-01-16T21:30:00Z 2026-01-20T15:00:00Z Martin Luther King Day: Tuesday
		2026-07-02T20:30:00Z 2026-07-06T14:00:00Z Independence Day observed on Friday the 3rd
		2027-03-25T20:30:00Z 2027-03-29T14:00:00Z Good Friday 2027
	EOF
	[ "$failed" -eq 0 ]
}

@test "health is failing when the last run's status is not ok, unless it is stale" {
	for run in '{"start":"2026-11-25T20:30:00Z","end":"2026-11-25T20:32:00Z","status":"failed","stages":{"fetch":3}}' \
		'{"start":"2026-11-25T20:30:00Z","status":"partial"}' \
		'{"start":"2026-11-25T20:30:00Z","status":"OK"}' \
		'{"start":"2026-11-25T20:30:00Z"}'; do
		health_store "$run"
		run health
		assert_success
		assert_output '["failing","2026-11-25T22:00:00Z"]'
	done
	health_store '{"start":"2026-11-25T20:30:00Z","status":"failed"}'
	run health
	grep -qFx '<p class="health health-failing" id="health"><strong>failing</strong> · last run 2026-11-25 15:30 New York, failed · 0 dead letters</p>' site/index.html
	# failing wins over degraded
	mkdir -p st/dlq
	echo '{"id":"x"}' > st/dlq/2026-11-25.ndjson
	health_store '{"start":"2026-11-25T20:30:00Z","status":"failed","stages":{"fetch":1}}'
	run health
	assert_output '["failing","2026-11-25T22:00:00Z"]'
	# stale wins over failing
	SAM_NOW=2026-11-25T22:00:01Z run health
	assert_output '["stale","2026-11-25T22:00:00Z"]'
}

@test "health is degraded when dead letters wait or a stage of the last run exited 1" {
	ok='{"start":"2026-11-25T20:30:00Z","end":"2026-11-25T20:31:00Z","status":"ok","stages":{"fetch":0,"zscore":0,"alert":0}}'
	health_store "$ok"
	run health
	assert_output '["ok","2026-11-25T22:00:00Z"]'
	assert_equal "$(jq .dlq_depth site/health.json)" 0
	for stages in '{"fetch":1}' '{"fetch":0,"zscore":1}' '{"fetch":0, "detect": 1 }' '{"a":0,"b":2,"c":1}'; do
		health_store "{\"start\":\"2026-11-25T20:30:00Z\",\"status\":\"ok\",\"stages\":$stages}"
		run health
		assert_output '["degraded","2026-11-25T22:00:00Z"]'
	done
	# other exit statuses, or a 1 that is no stage's status, are not "rejected some records"
	for stages in '{"fetch":0}' '{"fetch":2}' '{"fetch":10}' '{"fetch":3,"zscore":0}' '{"a:1":0}' \
		'{"x":"1"}' '{"x":[1]}' '{"x":{"y":1}}' '{"x":1.5}' '{"fetch":0,"alert":null}' '[1]' '1'; do
		health_store "{\"start\":\"2026-11-25T20:30:00Z\",\"status\":\"ok\",\"stages\":$stages}"
		run health
		assert_output '["ok","2026-11-25T22:00:00Z"]' || { echo "stages: $stages"; return 1; }
	done
	# dead letters: the lines of every day file of dlq/
	health_store "$ok"
	mkdir -p st/dlq
	printf '{"id":1}\n{"id":2}\n' > st/dlq/2026-11-20.ndjson
	printf '{"id":3}\n' > st/dlq/2026-11-24.ndjson
	echo '{"id":4}' > st/dlq/notes
	run health
	assert_output '["degraded","2026-11-25T22:00:00Z"]'
	assert_equal "$(jq .dlq_depth site/health.json)" 3
	grep -qF '<strong>degraded</strong> · last run 2026-11-25 15:30 New York, ok · 3 dead letters</p>' site/index.html
}

@test "the last run is the newest line of the newest runs file, as stored" {
	mkdir -p st/runs
	echo '{"start":"2026-11-25T14:30:00Z","status":"ok"}' > st/runs/2026-11-25.ndjson
	echo '{"start":"2026-11-26T15:30:00Z","status":"failed"}' > st/runs/2026-11-26.ndjson
	printf '%s\n' '{"start":"2026-11-27T14:30:00Z","status":"failed"}' \
		'{"start":"2026-11-27T15:30:00Z", "end":"2026-11-27T15:30:42Z", "status":"ok", "extra":[1,2]}' \
		> st/runs/2026-11-27.ndjson
	echo '{"start":"2026-11-28T14:30:00Z","status":"failed"}' > st/runs/notes.ndjson
	SAM_NOW=2026-11-27T16:00:00Z build -r st -o site
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.status, .stale_after, .last_run_age_s]' site/health.json)" '["ok","2026-11-27T17:00:00Z",1758]'
	grep -qF '"last_run":{"start":"2026-11-27T15:30:00Z", "end":"2026-11-27T15:30:42Z", "status":"ok", "extra":[1,2]},' site/health.json
}

# ---- markup and rejected lines ----

@test "markup in a record is escaped in the pages and kept byte for byte in the JSON" {
	fixture_store st
	# CCC's anomaly has a note and a source with markup; add more to AAA
	printf '%s\n' '{"ticker":"AAA","interval":"1h","ts":"2026-11-25T20:30:00Z","date":"2026-11-25","close":9.5,"volume":1,"z_close":2.2,"anomaly":true,"score":2.2,"severity":"low","metrics":["close"],"threshold":2,"id":"AAA:1h:2026-11-25T20:30:00Z","note":"</td></tr></table><script>alert(1)</script>","who":"\"'"'"'&<>","nested":{"html":"<img src=x onerror=alert(3)>"},"esc":"\u003cscript\u003e"}' |
		sam-store -r st put > /dev/null
	build -r st -o site
	assert_success
	assert_equal "$stderr" ""
	for page in site/index.html site/ticker/*.html; do
		# the one script is app.js's
		assert_equal "$(grep -o '<script[^>]*>' "$page")" "$(grep -o '<script src="[./]*app.js" defer>' "$page")"
		assert_equal "$(count '<script' "$page")" 1
		lacks -iE '<img|onerror|alert\(|</table><|<b>' "$page"
	done
	# the records are in the JSON as stored
	for id in CCC:1h:2026-11-25T15:30:00Z AAA:1h:2026-11-25T20:30:00Z; do
		line=$(stored "$id")
		[ -n "$line" ]
		for f in site/anomalies.json site/anomalies/severity/low.json "site/anomalies/${id%%:*}.json"; do
			grep -qF -- "$line" "$f"
		done
	done
	assert_equal "$(jq -r '.anomalies[] | select(.id == "CCC:1h:2026-11-25T15:30:00Z") | .note, .source' site/anomalies.json)" "<script>alert(1)</script>
\"'&<img src=x onerror=alert(2)>"
	# AAA's new anomaly is on the index, its fields in it plain text
	rows site/index.html | grep -qFx "2026-11-25 15:30 1h | AAA | 2.20 | close z +2.20 | 9.50 | 1"
}

@test "a stored line the site cannot use is reported with its path and line, left out, and the exit status is 1" {
	fixture_store st
	cp st/anomalies/CCC/2026-11-25.ndjson ccc.before
	# written by hand, past the store's checks
	cat >> st/anomalies/CCC/2026-11-25.ndjson <<-'EOF'
		{"ticker":"CCC","interval":"1h","ts":"2026-11-25T16:30:00Z","anomaly":true,"score":2.5,"severity":"low","metrics":["<script>alert(1)</script>"]}
		{"ticker":"CCC","interval":"1h","ts":"2026-11-25T17:30:00Z","anomaly":true,"score":2.5,"severity":"low","metrics":["Close"]}
		{"ticker":"CCC","interval":"1h","ts":"2026-11-25T18:30:00Z","anomaly":true,"score":2.5,"severity":"<i>","metrics":["close"]}
		{"ticker":"CCC","interval":"1h","ts":"2026-11-25T19:30:00Z","anomaly":true,"score":2.5,"severity":"low","metrics":["close"],"id":"<script>"}
		{"ticker":"CCC","interval":"1h","ts":"2026-11-25T20:30:00Z","anomaly":true,"score":"<b>","severity":"low","metrics":["close"]}
		{"ticker":"CCC","interval":"1h","ts":"2026-11-25T20:35:00Z","anomaly":true,"score":2.5,"severity":"low","metrics":["close"],"z_close":"<b>"}
		{"ticker":"CCC","interval":"1h","ts":"2026-11-25T20:40:00Z","anomaly":true,"score":2.5,"severity":"low","metrics":["close"],"close":"<b>"}
		{"ticker":"CCC","interval":"1h","ts":"2026-11-25T20:45:00Z","anomaly":false,"score":2.5,"severity":"low"}
		{"ticker":"CCC","interval":"1h","ts":"2026-11-25T20:50:00Z","anomaly":true,"score":2.5}
	EOF
	mkdir -p st/anomalies/GGG st/raw/GGG
	fixture st/anomalies/GGG/2026-11-25.ndjson <<-'EOF'
		{"ticker":"GGG","interval":"<b>","ts":"2026-11-25T15:30:00Z","anomaly":true,"score":2.5,"severity":"medium","metrics":["close"]}
		{"ticker":"<GGG>","interval":"1h","ts":"2026-11-25T16:30:00Z","anomaly":true,"score":2.5,"severity":"medium","metrics":["close"]}
		not json <script>
		{"ticker":"GGG","interval":"1d","ts":"2026-11-25T14:30:00Z","anomaly":true,"score":2.5,"severity":"medium","metrics":["close"]}
	EOF
	ln -s ../../../st/anomalies/AAA/2026-11-25.ndjson st/raw/GGG/2026-11-25.ndjson
	mkfifo st/raw/GGG/2026-11-24.ndjson
	build -r st -o site
	assert_failure 1
	assert_output ""
	assert_equal "$(sort <<< "$stderr")" "$(sort <<-'EOF'
		sam-serve-static: st/anomalies/CCC/2026-11-25.ndjson:2: field "metrics": not an array of up to 8 metric names
		sam-serve-static: st/anomalies/CCC/2026-11-25.ndjson:3: field "metrics": not an array of up to 8 metric names
		sam-serve-static: st/anomalies/CCC/2026-11-25.ndjson:4: field "severity": not low, medium, high or critical: "<i>"
		sam-serve-static: st/anomalies/CCC/2026-11-25.ndjson:5: field "id": not CCC:1h:2026-11-25T19:30:00Z: "<script>"
		sam-serve-static: st/anomalies/CCC/2026-11-25.ndjson:6: field "score": expected a number, got string
		sam-serve-static: st/anomalies/CCC/2026-11-25.ndjson:7: field "z_close": expected a number, got string
		sam-serve-static: st/anomalies/CCC/2026-11-25.ndjson:8: field "close": expected a number, got string
		sam-serve-static: st/anomalies/CCC/2026-11-25.ndjson:9: not an anomaly ("anomaly" is not true)
		sam-serve-static: st/anomalies/CCC/2026-11-25.ndjson:10: missing field "severity"
		sam-serve-static: st/anomalies/GGG/2026-11-25.ndjson:1: field "interval": invalid interval "<b>"
		sam-serve-static: st/anomalies/GGG/2026-11-25.ndjson:2: field "ticker": invalid ticker "<GGG>"
		sam-serve-static: st/anomalies/GGG/2026-11-25.ndjson:3: not a JSON object
		sam-serve-static: st/raw/GGG/2026-11-25.ndjson: a symbolic link: not followed
		sam-serve-static: st/raw/GGG/2026-11-24.ndjson: not a regular file
	EOF
	)"
	# left out; the rest is there
	assert_equal "$(jq -c '[.count, [.anomalies[].id]]' site/anomalies/CCC.json)" '[1,["CCC:1h:2026-11-25T15:30:00Z"]]'
	grep -qF -- "$(cat ccc.before)" site/anomalies/CCC.json
	assert_equal "$(jq -c '[.count, [.anomalies[].ts]]' site/anomalies/GGG.json)" '[1,["2026-11-25T14:30:00Z"]]'
	grep -qFx '<p class="none">No bars of GGG in the store.</p>' site/ticker/GGG.html
	assert_equal "$(jq -c .anomalies.latest site/health.json)" '{"low":3,"medium":3,"high":1,"critical":1}'
	lacks -riE '<i>|<b>|alert\(' site/index.html site/ticker
	same_as_expected anomalies/BBB.json anomalies/DDD.json
}

# ---- the chart ----

@test "a chart has one close line and one volume bar for each of its bars, a marker on each anomaly of them, with its tooltip" {
	fixture_store st
	# an anomaly of ^GSPC on none of its bars (14:31, not 14:30)
	echo '{"ticker":"^GSPC","interval":"1d","ts":"2026-11-24T14:31:00Z","date":"2026-11-24","anomaly":true,"score":2.5,"severity":"medium","metrics":["close"],"z_close":2.5}' |
		sam-store -r st put > /dev/null
	build -r st -o site
	assert_success
	f=site/ticker/AAA.html
	grep -qFx '<title id="chart-title">AAA: 40 1d bars, 4 anomalies marked, band |z| &lt;= 2.00</title>' "$f"
	assert_equal "$(count '<polyline class="close"' "$f")" 1
	assert_equal "$(points polyline.close "$f" | npoints)" 40
	assert_equal "$(count '<rect class="vol' "$f")" 40
	assert_equal "$(count '<rect class="vol anom"' "$f")" 4
	# AAA's 1d anomalies, the one before the 30 days too; not its 1h one
	assert_equal "$(grep '^<circle class="marker' "$f" | sed 's/ cx="[^"]*" cy="[^"]*"//')" '<circle class="marker sev-high" r="5"><title>2026-10-26: high, score 3.50 (close z +3.50)</title></circle>
<circle class="marker sev-low" r="5"><title>2026-10-27: low, score 2.05 (close z -2.05)</title></circle>
<circle class="marker sev-critical" r="5"><title>2026-11-24: critical, score 4.20 (volume z +4.20, close z -2.50)</title></circle>
<circle class="marker sev-medium" r="5"><title>2026-11-25: medium, score 2.93 (close z +2.93)</title></circle>'
	# a marker sits on its bar: at the 18th, 19th, 39th and 40th point of the line
	assert_equal "$(grep -o '^<circle class="marker [^>]*cx="[^"]*" cy="[^"]*"' "$f" | sed 's/.*cx="\([^"]*\)" cy="\([^"]*\)"/\1,\2/')" \
		"$(points polyline.close "$f" | tr ' ' '\n' | sed -n '18p;19p;39p;40p')"
	# the axis: first, middle and last bar
	assert_equal "$(grep -o '<text class="axis" x="[^"]*" y="352.0" text-anchor="[a-z]*">[^<]*' "$f" | sed 's/.*>//')" '2026-10-01
2026-10-29
2026-11-25'
	# BBB: its daily bars (40) over its hourly (21); the 1h anomaly is not on them
	grep -qFx '<title id="chart-title">BBB: 40 1d bars, 1 anomaly marked, band |z| &lt;= 2.50</title>' site/ticker/BBB.html
	# BRK.B: 5-minute bars, times in New York
	f=site/ticker/BRK.B.html
	grep -qFx '<title id="chart-title">BRK.B: 78 5m bars, 1 anomaly marked, band |z| &lt;= 2.00</title>' "$f"
	assert_equal "$(count '<rect class="vol' "$f")" 78
	grep -qF '<title>2026-11-25 15:55: critical, score 4.50 (volume z +4.50)</title>' "$f"
	grep -qF 'text-anchor="start">2026-11-25 09:30</text>' "$f"
	grep -qF 'text-anchor="end">2026-11-25 15:55</text>' "$f"
	# ^GSPC: bars, and no anomaly on them
	assert_equal "$(jq .count 'site/anomalies/^GSPC.json')" 1
	grep -qFx '<title id="chart-title">^GSPC: 18 1d bars, 0 anomalies marked, band |z| &lt;= 2.00</title>' 'site/ticker/^GSPC.html'
	assert_equal "$(count '<circle' 'site/ticker/^GSPC.html')" 0
}

@test "the band is drawn only where at least --min-periods bars precede, one polygon over those bars" {
	fixture_store st
	for mp in 2 5 10 29 30; do
		build -r st -o site --min-periods "$mp"
		assert_success
		f=site/ticker/AAA.html
		assert_equal "$(count '<polygon class="band"' "$f")" 1
		assert_equal "$(points polygon.band "$f" | npoints)" $((2 * (40 - mp)))
		# its upper edge runs over the bars from the (mp+1)th on, its lower edge back
		points polyline.close "$f" | tr ' ' '\n' | cut -d, -f1 | tail -n +$((mp + 1)) > want
		points polygon.band "$f" | tr ' ' '\n' | cut -d, -f1 | head -n $((40 - mp)) | diff - want
		points polygon.band "$f" | tr ' ' '\n' | cut -d, -f1 | tail -n $((40 - mp)) | tac | diff - want
	done
	# a longer window than the bars: --min-periods still decides
	build -r st -o site --window 100 --min-periods 39
	assert_equal "$(points polygon.band site/ticker/AAA.html | npoints)" 2
	build -r st -o site --window 100 --min-periods 41
	assert_success
	assert_equal "$(count '<polygon' site/ticker/AAA.html)" 0
	# fewer bars than --min-periods: no band at all
	assert_equal "$(count '<polygon' 'site/ticker/^GSPC.html')" 0
}

@test "the band holds the closes whose |z| against the window before stays within the threshold, as sam-zscore computes it" {
	# bars alone: no anomaly says its threshold, so -t does
	sam-fetch --from 2026-05-01 --to 2026-11-25 AAA | sam-store -r st put --kind raw > /dev/null
	for case in "30 2.00" "20 1.50 --window 20 -t 1.5" "10 1.00 --window 10 --min-periods 10 -t 1"; do
		read -r window t args <<< "$case"
		# shellcheck disable=SC2086 # the options' words
		build -r st -o site --chart-bars 80 $args
		assert_success
		grep -qF "the band is where |z| of the close against the $window bars before it stays within $t." site/ticker/AAA.html
		sam-store -r st get raw -t AAA | sam-zscore -w "$window" -m close | jq -r .z_close | tail -n 80 > z
		run band_follows_z "$t" site/ticker/AAA.html
		assert_success
		refute_output '0 outside'
	done
}

@test "a ticker with bars at two intervals charts the interval it has more bars of, whatever --chart-bars" {
	# AAA: 125 daily bars and 21 hourly; BBB: 18 daily and 126 hourly;
	# CCC: 7 of each, a tie that the longer interval wins
	{
		sam-fetch --from 2026-06-01 --to 2026-11-25 AAA
		sam-fetch -i 1h --from 2026-11-23 --to 2026-11-25 AAA
		sam-fetch --from 2026-11-02 --to 2026-11-25 BBB
		sam-fetch -i 1h --from 2026-11-02 --to 2026-11-25 BBB
		sam-fetch --from 2026-11-17 --to 2026-11-25 CCC
		sam-fetch -i 1h --from 2026-11-25 --to 2026-11-25 CCC
	} > bars
	sam-store -r st put --kind raw --tee bars | sam-zscore | sam-detect | sam-store -r st put > /dev/null
	failed=0
	for n in 250 100 40 10 5 2; do
		build -r st -o site --chart-bars "$n"
		assert_success
		for want in "AAA 1d 125" "BBB 1h 126" "CCC 1d 7"; do
			read -r ticker interval total <<< "$want"
			page=site/ticker/$ticker.html
			bars=$((total < n ? total : n))
			marks=$(charted_anomalies st "$ticker" "$interval" "$bars")
			title="<title id=\"chart-title\">$ticker: $bars $interval bars, $marks anomal$([ "$marks" -eq 1 ] && echo y || echo ies) marked, band"
			if ! grep -qF "$title" "$page" ||
				[ "$(count '<circle class="marker' "$page")" -ne "$marks" ] ||
				[ "$(count '<rect class="vol' "$page")" -ne "$bars" ]; then
				echo "--chart-bars $n: expected $title"
				grep -F '<title id="chart-title">' "$page"
				failed=1
			fi
		done
	done
	[ "$failed" -eq 0 ]
}

# ---- publishing ----

@test "a second build replaces the first, which stays as .DIR.prev, and no .DIR.new-* is left" {
	fixture_store st
	build -r st -o site
	assert_success
	cp -a site first
	inode=$(stat -c %i site)
	SAM_NOW=2026-11-25T21:30:00Z build -r st -o site
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(here)" ".site.prev
first
site
st"
	assert_equal "$(stat -c %i .site.prev)" "$inode"
	diff -r first .site.prev
	assert_equal "$(jq -r .generated_at site/health.json)" 2026-11-25T21:30:00Z
	cp -a site second
	# a third: the second is the one kept
	SAM_NOW=2026-11-25T22:00:00Z build -r st -o site
	assert_success
	diff -r second .site.prev
	assert_equal "$(here | grep -c '^\.site\.')" 1
	# a trailing slash, or a path through another directory, is the same site
	build -r st -o site/
	assert_success
	run diff -r second .site.prev
	assert_failure 1
	[ ! -e site/site ]
	mkdir sub
	build -r st -o sub/site
	assert_success
	build -r st -o "$PWD/sub/site"
	assert_success
	assert_equal "$(ls -A sub)" ".site.prev
site"
}

@test "a build clears what an earlier one left beside DIR, and nothing else" {
	fixture_store st
	build -r st -o site
	mkdir -p .site.new-12345/ticker .site.prev/old
	echo junk > .site.new-12345/ticker/x.html
	ln -s /etc .site.new-99
	mkdir .site.other .sitex.new-1 .site.new
	build -r st -o site
	assert_success
	assert_equal "$(here)" ".site.new
.site.other
.site.prev
.sitex.new-1
site
st"
	[ -f .site.prev/.sam-site ]
	[ ! -e .site.prev/old ]
	[ -d /etc ]
}

@test "a directory that is not a site is refused with exit status 2 and left untouched" {
	fixture_store st
	mkdir notes
	touch notes/todo
	snapshot notes > before
	build -r st -o notes
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" "sam-serve-static: notes: not a site built by sam-serve-static (no .sam-site in it); refusing to replace it"
	snapshot notes | diff before -
	build -r st -o notes/
	assert_failure 2
	assert_equal "$stderr" "sam-serve-static: notes/: not a site built by sam-serve-static (no .sam-site in it); refusing to replace it"
	# a directory with a hidden file only is not empty either
	mkdir dotted
	touch dotted/.keep
	build -r st -o dotted
	assert_failure 2
	assert_equal "$stderr" "sam-serve-static: dotted: not a site built by sam-serve-static (no .sam-site in it); refusing to replace it"
	[ -f dotted/.keep ]
	# a symbolic link, even to a site
	build -r st -o site
	ln -s site link
	snapshot site > before
	build -r st -o link
	assert_failure 2
	assert_equal "$stderr" "sam-serve-static: link: not a directory (a symbolic link: give the directory itself); refusing to replace it"
	[ "$(readlink link)" = site ]
	snapshot site | diff before -
	ln -s nowhere dangling
	build -r st -o dangling
	assert_failure 2
	assert_equal "$stderr" "sam-serve-static: dangling: not a directory (a symbolic link: give the directory itself); refusing to replace it"
	# a file
	echo keep > file
	build -r st -o file
	assert_failure 2
	assert_equal "$stderr" "sam-serve-static: file: not a directory; refusing to replace it"
	assert_equal "$(cat file)" keep
	# names that are no directory to build into
	for o in . .. / site/. site/..; do
		build -r st -o "$o"
		assert_failure 2
		assert_equal "$stderr" "sam-serve-static: -o: not a directory name to build into: $o"
	done
	# nothing was made beside them
	assert_equal "$(here)" "before
dangling
dotted
file
link
notes
site
st"
}

@test "an empty directory, or one that is not there yet, is built into" {
	fixture_store st
	mkdir empty
	build -r st -o empty
	assert_success
	assert_equal "$stderr" ""
	[ -f empty/.sam-site ]
	[ -f empty/index.html ]
	build -r st -o new
	assert_success
	[ -f new/index.html ]
	assert_equal "$(here)" ".empty.prev
empty
new
st"
	assert_equal "$(ls -A .empty.prev)" ""
	# not its parent, though
	build -r st -o missing/site
	assert_failure 3
	assert_equal "$stderr" "sam-serve-static: fatal: unable to open missing: No such file or directory"
	[ ! -e missing ]
}

@test "a build that cannot read the store exits 3 and leaves the old site byte for byte" {
	fixture_store st
	build -r st -o site
	cp -a site before
	snapshot site > snap
	build -r nowhere -o site
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "sam-serve-static: fatal: unable to open the store nowhere: No such file or directory"
	echo x > notdir
	build -r notdir -o site
	assert_failure 3
	assert_equal "$stderr" "sam-serve-static: fatal: unable to open the store notdir: Not a directory"
	# a kind's directory that is not one
	cp -r st broken
	rm -r broken/anomalies
	echo x > broken/anomalies
	build -r broken -o site
	assert_failure 3
	assert_equal "$stderr" "sam-serve-static: fatal: unable to open broken/anomalies: Not a directory"
	diff -r before site
	snapshot site | diff snap -
	assert_equal "$(here)" "before
broken
notdir
site
snap
st"
}

@test "no space left on the device: exit 3, the old site byte for byte, nothing left beside it" {
	need_userns
	fixture_store st
	big_store
	mkdir mnt
	$UNSHARE sh -c 'mount -t tmpfs -o size=320k tmpfs mnt' 2> /dev/null ||
		skip "cannot mount a tmpfs in a user namespace"
	run --separate-stderr $UNSHARE sh -c '
		mount -t tmpfs -o size=320k tmpfs mnt && cd mnt || exit 99
		sam-serve-static build -r ../st -o site || exit 98
		cp -a site ../before
		sam-serve-static build -r ../big -o site; s=$?
		cp -a site ../after
		ls -A > ../ls
		exit $s'
	assert_failure 3
	assert_equal "$(sed 's/\.new-[0-9]*/.new-PID/' <<< "$stderr")" "sam-serve-static: fatal: unable to write ./.site.new-PID/anomalies.json: No space left on device
sam-serve-static: the site in site is left as it was"
	diff -r before after
	assert_equal "$(cat ls)" site
}

@test "a read-only directory (EROFS): exit 3, the old site byte for byte, one message" {
	need_userns
	fixture_store st
	mkdir pub
	sam-serve-static build -r st -o pub/site
	cp -a pub before
	$UNSHARE sh -c 'mount --bind pub pub && mount -o remount,bind,ro pub' 2> /dev/null ||
		skip "cannot make a read-only bind mount in a user namespace"
	run --separate-stderr $UNSHARE sh -c '
		mount --bind pub pub && mount -o remount,bind,ro pub || exit 99
		exec sam-serve-static build -r st -o pub/site'
	assert_failure 3
	assert_output ""
	assert_equal "$(sed -n 1p <<< "$stderr" | sed 's/\.new-[0-9]*/.new-PID/')" "sam-serve-static: fatal: unable to create pub/.site.new-PID: Read-only file system"
	# no word of removing what was never made
	assert_equal "$(grep -c 'unable to remove' <<< "$stderr")" 0
	assert_equal "$(grep -c 'Read-only file system' <<< "$stderr")" 1
	diff -r before pub
}

@test "a file-size limit (EFBIG): exit 3, the old site byte for byte, nothing left beside it" {
	fixture_store st
	big_store
	build -r st -o site
	cp -a site before
	run --separate-stderr bash -c 'ulimit -f 100 && exec sam-serve-static build -r big -o site'
	assert_failure 3
	assert_output ""
	assert_equal "$(sed 's/\.new-[0-9]*/.new-PID/' <<< "$stderr")" "sam-serve-static: fatal: unable to write ./.site.new-PID/anomalies.json: File too large
sam-serve-static: the site in site is left as it was"
	diff -r before site
	assert_equal "$(here)" "before
big
site
st"
	# without the limit it is built
	build -r big -o site
	assert_success
	[ "$(wc -c < site/anomalies.json)" -gt 200000 ]
}

@test "builds into the same place wait for each other" {
	command -v flock > /dev/null || skip "flock(1) is not installed"
	fixture_store st
	build -r st -o site
	# hold the lock on the directory that holds the site for 0.6 s
	flock . sh -c 'touch locked; sleep 0.6; rm locked' 3>&- &
	holder=$!
	for ((i = 0; i < 100; i++)); do
		[ -e locked ] && break
		sleep 0.01
	done
	[ -e locked ]
	SAM_NOW=2026-11-25T21:30:00Z build -r st -o site
	assert_success
	# it built only once the lock was let go
	[ ! -e locked ]
	wait "$holder"
	assert_equal "$(jq -r .generated_at site/health.json)" 2026-11-25T21:30:00Z
}

# ---- in a browser ----

@test "headless Chromium runs the script on the pages served by serve, and shows the tables and the chart's markers" {
	need_chromium
	site_store st 2026-05-01 2026-11-25 AAA BBB
	build -r st -o site --chart-bars 60 --days 20
	assert_success
	# AAA's anomalies on its last 60 bars, some before the 20 days
	markers=$(charted_anomalies st AAA 1d 60)
	window=$(jq .count site/anomalies/AAA.json)
	all=$(sam-store -r st get anomalies -t AAA | wc -l)
	[ "$markers" -gt "$window" ]
	[ "$markers" -lt "$all" ]
	latest=$(jq .anomalies.latest_total site/health.json)
	site_server_start site
	chromium --dump-dom "$SITE_URL/" > index.dom
	chromium --dump-dom "$SITE_URL/ticker/AAA" > aaa.dom
	# the index: the script showed the filter box and made the tables sortable
	grep -qF '<html lang="en" class="js">' index.dom
	grep -qF '<p class="filter"><label for="filter">Filter tickers</label>' index.dom
	lacks -F '<p class="filter" hidden' index.dom
	assert_equal "$(count '<table class="anomalies sortable">' index.dom)" "$(jq '[.anomalies.latest[] | select(. > 0)] | length' site/health.json)"
	assert_equal "$(count '<table class="tickers sortable">' index.dom)" 1
	assert_equal "$(grep -o '<tr data-ticker="[^"]*"' index.dom | wc -l)" $((latest + 2))
	assert_equal "$(grep -o '<th [^>]*>' index.dom | grep -vc 'class="[^"]*sort[^"]*" tabindex="0"')" 0
	# the ticker page: the chart with its markers, and the table
	assert_equal "$(count '<circle class="marker' aaa.dom)" "$markers"
	assert_equal "$(count '<rect class="vol' aaa.dom)" 60
	assert_equal "$(count '<polyline class="close"' aaa.dom)" 1
	assert_equal "$(count '<table class="anomalies sortable">' aaa.dom)" 1
	assert_equal "$(grep -o '<tr data-ticker="AAA"' aaa.dom | wc -l)" "$window"
	grep -qF '<th scope="col" class="sort" tabindex="0">Time</th>' aaa.dom
	# the style sheet and the script were fetched, from the site itself
	grep -qF '"GET /style.css" 200' "$SITE_LOG"
	grep -qF '"GET /app.js" 200' "$SITE_LOG"
	grep -qF '"GET /ticker/AAA" 200' "$SITE_LOG"
}

@test "headless Chromium takes screenshots of the index and a ticker page" {
	need_chromium
	site_store st 2026-05-01 2026-11-25 AAA BBB
	build -r st -o site
	assert_success
	site_server_start site
	shots=$SAM_ROOT/test/screenshots
	mkdir -p "$shots"
	rm -f "$shots/index.png" "$shots/ticker-AAA.png"
	chromium --screenshot="$shots/index.png" --window-size=1280,1600 "$SITE_URL/"
	chromium --screenshot="$shots/ticker-AAA.png" --window-size=1280,1600 "$SITE_URL/ticker/AAA"
	for png in "$shots/index.png" "$shots/ticker-AAA.png"; do
		# the signature, then IHDR: 1280 by 1600
		assert_equal "$(head -c 24 "$png" | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a0000000d494844520000050000000640
		size=$(wc -c < "$png")
		[ "$size" -gt 20000 ] && [ "$size" -lt 5000000 ] || { echo "$png: $size bytes"; return 1; }
	done
	run cmp -s "$shots/index.png" "$shots/ticker-AAA.png"
	assert_failure 1
}

# svg_numbers FILE: the chart's coordinates in FILE, "x N" or "y N" a
# line each (the points of lines and polygons as x and y).
svg_numbers() {
	sed -n '/^<svg/,/^<\/svg>/p' "$1" | grep -oE ' (x|x1|x2|cx|width|y|y1|y2|cy|height|points)="[^"]*"' |
		awk -F'"' '{
			a = $1; sub(/^ /, "", a); sub(/=$/, "", a)
			if (a == "points") {
				n = split($2, p, /[ ,]/)
				for (i = 1; i <= n; i++) print (i % 2 ? "x " : "y ") p[i]
			} else print (a ~ /^(x|x1|x2|cx|width)$/ ? "x " : "y ") $2
		}'
}

@test "closes further apart than DBL_MAX, at DBL_MAX, or denormal: a chart with no NaN or infinity, every point inside it, higher closes higher" {
	# valid bars all: finite prices, low <= open, close <= high
	{
		for c in 1e-300 1.7e308 1.7976931348623157e308; do echo "HUGE $c 1"; done
		for c in -1e308 1e308 -1.7976931348623157e308 1.7976931348623157e308 \
			-1e308 1e308 -1.7976931348623157e308 1.7976931348623157e308; do echo "WIDE $c 1.7976931348623157e308"; done
		for c in 1e-300 1.7e308 1e-300 1.7e308 1e-300 1.7e308 1e-300 1.7e308 3 1.7e308; do echo "MIXD $c 0"; done
		for c in 1.7976931348623157e308 1.7976931348623157e308 1.7976931348623157e308 \
			1.7976931348623157e308 1.7976931348623157e308 1.7976931348623157e308; do echo "MAXD $c 1e308"; done
		for c in 5e-324 1e-323 2e-323 5e-324 1e-323 5e-324 2e-323; do echo "TINY $c 5e-324"; done
	} | awk '{ printf "{\"ticker\":\"%s\",\"interval\":\"1d\",\"ts\":\"2026-11-%02dT14:30:00Z\",\"date\":\"2026-11-%02d\",\"open\":%s,\"high\":%s,\"low\":%s,\"close\":%s,\"volume\":%s,\"source\":\"mock\"}\n",
		$1, 10 + (++n[$1]), 10 + n[$1], $2, $2, $2, $2, $3 }' > bars.ndjson
	sam-store -r st put --kind raw < bars.ndjson > /dev/null
	# an anomaly on the highest bar of HUGE: its marker too
	echo '{"ticker":"HUGE","interval":"1d","ts":"2026-11-13T14:30:00Z","date":"2026-11-13","anomaly":true,"score":2.5,"severity":"medium","metrics":["close"],"z_close":2.5}' |
		sam-store -r st put > /dev/null
	build -r st -o site
	assert_success
	assert_equal "$stderr" ""
	local t f
	for t in HUGE WIDE MIXD MAXD TINY; do
		f=site/ticker/$t.html
		grep -q '^<svg class="chart"' "$f"
		sed -n '/^<svg/,/^<\/svg>/p' "$f" > svg
		lacks -i -e nan -e inf svg
		# every coordinate a number with one or two decimals, inside the viewBox
		svg_numbers "$f" > numbers
		[ "$(wc -l < numbers)" -gt 20 ]
		run awk '!(($2 ~ /^-?[0-9]+\.[0-9][0-9]?$/ || $2 ~ /^[0-9]+$/) && $2 >= 0 &&
			($1 == "x" ? $2 <= 800 : $2 <= 360)) { print }' numbers
		assert_output ""
		# the price labels: short numbers
		run grep -oE '<text class="axis" x="58.0" y="[^"]*" text-anchor="end">[^<]*' svg
		assert_equal "${#lines[@]}" 4
		run grep -vE '>(-?[0-9]\.[0-9]{1,3}e[-+][0-9]{3}|-?[0-9]{1,15}\.[0-9]{2}|0|volume)$' <<< "$output"
		assert_output ""
	done
	# HUGE: 1e-300 at the foot, 1.7e308 a little below 1.797e308, at the top
	assert_equal "$(points polyline.close site/ticker/HUGE.html)" '185.3,227.2 428.0,23.7 670.7,12.0'
	grep -q '<circle class="marker sev-medium" cx="670.7" cy="12.0" r="5">' site/ticker/HUGE.html
	# WIDE: -DBL_MAX at the foot, +DBL_MAX at the top, -1e308 and 1e308 between, in order
	run points polyline.close site/ticker/WIDE.html
	assert_output '109.5,187.9 200.5,62.1 291.5,238.0 382.5,12.0 473.5,187.9 564.5,62.1 655.5,238.0 746.5,12.0'
}
