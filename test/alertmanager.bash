# test/alertmanager.bash: the real Alertmanager on loopback, for the
# tests of sam-alert --to alertmanager and --notice (load it after http:
# its receiver is the loopback server's /hook).

# shellcheck disable=SC2034 # for the test files
ALERTMANAGER=/usr/bin/prometheus-alertmanager
AMF=$FIXTURES/alertmanager

# Each test in a fresh directory with no network but loopback; what it
# started (Alertmanager, the loopback server) stopped at its end.
setup() {
	sam_setup
	http_jail
	AM_PID=
}

teardown() {
	am_stop
	httpd_stop
}

# routes_from DIR 'PATTERN RESPONSE'...: the loopback server started,
# answering so, the responses named relative to DIR (or absolute).
routes_from() {
	local d=$1
	shift
	printf '%s\n' "$@" | awk -v d="$d" '
		{ for (i = 2; i <= NF; i++) if ($i !~ /^\//) $i = d "/" $i; print }' > routes
	httpd_start routes
}

# am_start: the real Alertmanager on a free port of 127.0.0.1, its
# receiver the loopback server's /hook (started first), its data here;
# AM_URL, AM_PID.  Waits for it to be ready, 10 s at most.
am_start() {
	local i
	[ -x "$ALERTMANAGER" ] || skip "no $ALERTMANAGER (share/deps.sh --test installs it)"
	sed "s|@HOOK@|$HTTPD_URL/hook|" "$AMF/am.yml" > am.yml
	AM_PORT=$(closed_port)
	AM_URL=http://127.0.0.1:$AM_PORT
	# fd 3 closed, or bats waits for it at the end of the test
	"$ALERTMANAGER" --config.file=am.yml --storage.path=am-data \
		--web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= \
		> am.log 2>&1 3>&- &
	AM_PID=$!
	for ((i = 0; i < 200; i++)); do
		[ "$(curl -s -m 1 -o /dev/null -w '%{http_code}' "$AM_URL/-/ready")" = 200 ] && return 0
		kill -0 "$AM_PID" 2> /dev/null || break
		sleep 0.05
	done
	echo "Alertmanager did not start:"
	cat am.log
	return 1
}

# am_stop: stops the Alertmanager this test started, by its PID.
am_stop() {
	stop_pid "${AM_PID:-}"
	AM_PID=
}

# am_get PATH [CURL-ARG...]: Alertmanager's answer to GET PATH.
am_get() {
	local path=$1
	shift
	curl -s -f -m 5 -G "$@" "$AM_URL$path"
}

# now: SAM_NOW the clock's second (Alertmanager judges endsAt by its
# clock), NOW_S the same in seconds, NOW_DAY its date in New York (the
# day of a dead-letter file: from 00:00 UTC to New York's midnight, the
# day before SAM_NOW's).
now() {
	NOW_S=$(date -u +%s)
	SAM_NOW=$(date -u -d "@$NOW_S" +%FT%TZ)
	NOW_DAY=$(TZ=America/New_York date -d "@$NOW_S" +%F)
	export SAM_NOW
}
