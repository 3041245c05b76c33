# A loopback HTTP server for the network tests: load after test_helper,
# start it with httpd_start ROUTES in a test (or setup) and call
# httpd_stop from teardown.  Formats: fixtures/http/README.
# shellcheck shell=bash

HTTP_TEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export HTTP_FIXTURES=$HTTP_TEST_DIR/fixtures/http
HTTPD_PID=

# The interpreter itself, found once a run: a version manager's python3
# shim can take most of a second to start.
if [ -z "${HTTP_PYTHON:-}" ]; then
	if [ -s "${BATS_RUN_TMPDIR:-}/http-python" ]; then
		HTTP_PYTHON=$(< "$BATS_RUN_TMPDIR/http-python")
	else
		HTTP_PYTHON=$(python3 -c 'import sys; print(sys.executable)') || HTTP_PYTHON=python3
		if [ -d "${BATS_RUN_TMPDIR:-}" ]; then
			echo "$HTTP_PYTHON" > "$BATS_RUN_TMPDIR/http-python.$$"
			mv -f "$BATS_RUN_TMPDIR/http-python.$$" "$BATS_RUN_TMPDIR/http-python"
		fi
	fi
fi

# http_jail: loopback only from here on: a request for any other host
# goes to a proxy that is not there and fails, where it would otherwise
# reach the network.  For a test's setup.
http_jail() {
	local jail=http://127.0.0.1:9
	export http_proxy=$jail https_proxy=$jail all_proxy=$jail
	export HTTPS_PROXY=$jail ALL_PROXY=$jail
	export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
}

# http_table < TABLE: the rows "CASE | RESPONSE... | ..." of a table of
# cases (blank and # lines skipped) in HTTP_ROWS, and in HTTP_ROUTES
# a route for each: case n is served under /n/, so one server takes
# the whole table.
http_table() {
	local line
	HTTP_ROWS=()
	HTTP_ROUTES=()
	while IFS= read -r line; do
		case $line in '' | '#'*) continue ;; esac
		HTTP_ROWS+=("$line")
		line=${line#* | }
		HTTP_ROUTES+=("^/${#HTTP_ROUTES[@]}/ ${line%% | *}")
	done
}

# httpd_start ROUTES: starts the server on a free port of 127.0.0.1 and
# sets HTTPD_PORT, HTTPD_URL, HTTPD_ROUTES (ROUTES) and HTTPD_LOG (one
# line per request; the headers and body of the request on line N in
# HTTPD_LOG.d/N.headers and N.body).  One server at a time; run it
# directly, not under `run`.
httpd_start() {
	local routes=$1 portfile=$BATS_TEST_TMPDIR/httpd.port
	[ -f "$routes" ] || { echo "httpd_start: no routes file '$routes'" >&2; return 1; }
	[ -z "$HTTPD_PID" ] || httpd_stop
	HTTPD_LOG=$BATS_TEST_TMPDIR/httpd.log
	rm -f "$portfile" "$portfile.tmp"
	# fd 3 closed, or bats waits for the server at the end of the test.
	"$HTTP_PYTHON" "$HTTP_TEST_DIR/httpd.py" "$routes" "$HTTPD_LOG" "$portfile" \
		> /dev/null 2> "$BATS_TEST_TMPDIR/httpd.err" 3>&- &
	HTTPD_PID=$!
	if ! poll "$HTTPD_PID" test -s "$portfile"; then
		echo "httpd_start: the server did not start" >&2
		cat "$BATS_TEST_TMPDIR/httpd.err" >&2
		httpd_stop
		return 1
	fi
	HTTPD_PORT=$(< "$portfile")
	HTTPD_URL=http://127.0.0.1:$HTTPD_PORT
	HTTPD_ROUTES=$routes
	export HTTPD_PORT HTTPD_URL HTTPD_LOG HTTPD_ROUTES
}

# httpd_stop: stops the server and waits for it; safe to call twice, or
# when none was started.
httpd_stop() {
	stop_pid "$HTTPD_PID"
	HTTPD_PID=
}

# httpd_requests [REGEX]: the request targets (path?query) the server
# logged, in order, a line each; only those matching REGEX (grep -E) if
# given.  Always succeeds: count with `| wc -l`.
httpd_requests() {
	[ -f "${HTTPD_LOG:-}" ] || return 0
	if [ $# -gt 0 ]; then
		awk '{ print $3 }' "$HTTPD_LOG" | grep -E -- "$1" || true
	else
		awk '{ print $3 }' "$HTTPD_LOG"
	fi
}

# httpd_routes ROUTES: the running server answers from these routes
# from its next request on, each route counting its requests from 0: a
# file started once (in setup_file, say) serves test after test.  The
# file replaces HTTPD_ROUTES whole, so the server never reads half of it.
httpd_routes() {
	cp "$1" "$HTTPD_ROUTES.new" && mv -f "$HTTPD_ROUTES.new" "$HTTPD_ROUTES"
}

# httpd_body N: the body of the Nth request, exactly as received (the
# Nth line of the log, counted from the first server of the test).
httpd_body() {
	cat "$HTTPD_LOG.d/$1.body"
}

# httpd_header N NAME: the value of the header NAME (any case) of the
# Nth request, a line for each time it came; nothing if it did not.
httpd_header() {
	awk -v name="$2" '
		{ i = index($0, ": ") }
		i && tolower(substr($0, 1, i - 1)) == tolower(name) { print substr($0, i + 2) }
	' "$HTTPD_LOG.d/$1.headers"
}

# closed_port: a TCP port of 127.0.0.1 that was just free and nothing
# listens on, for "connection refused".
closed_port() {
	"$HTTP_PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# httpd_file_start, from setup_file: one server for a whole test file,
# its routes file $BATS_FILE_TMPDIR/routes (empty; each test writes its
# own); httpd_file_stop from teardown_file.
httpd_file_start() {
	# shellcheck disable=SC2034 # where httpd_start keeps its files
	local BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR
	: > "$BATS_FILE_TMPDIR/routes"
	httpd_start "$BATS_FILE_TMPDIR/routes"
	echo "$HTTPD_PID" > "$BATS_FILE_TMPDIR/httpd.pid"
}

httpd_file_stop() {
	HTTPD_PID=$(< "$BATS_FILE_TMPDIR/httpd.pid")
	httpd_stop
}
