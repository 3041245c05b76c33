#!/usr/bin/env bats
# Every example in every man page runs and prints what the page says.

load test_helper
load http

teardown() {
	httpd_stop
}

# Runs the examples of one page in a directory holding test/fixtures/man.
check_examples() {
	local page=$1 n=0 cmd expected actual status
	cp -R "$FIXTURES/man/." .
	# The examples that name no source are the mock market's, named
	# here: unnamed, sam-fetch warns of it, which they do not show.
	export SAM_SOURCE=mock
	while IFS= read -r -d '' block; do
		cmd=${block%%$'\n'*}
		expected=${block#"$cmd"}
		expected=${expected#$'\n'}
		expected=${expected%$'\n'}
		n=$((n + 1))
		actual=$(bash -o pipefail -c "$cmd" 2>&1) && status=0 || status=$?
		if [ "$status" -ne 0 ]; then
			echo "$page example $n exited $status: $cmd"
			echo "$actual"
			return 1
		fi
		if [ "${expected##*$'\n'}" = "..." ] || [ "$expected" = "..." ]; then
			expected=${expected%...}
			expected=${expected%$'\n'}
			actual=$(printf '%s\n' "$actual" | head -n "$(printf '%s\n' "$expected" | wc -l)")
		fi
		if [ -n "$expected" ] && [ "$actual" != "$expected" ]; then
			echo "$page example $n: $cmd"
			diff <(printf '%s\n' "$expected") <(printf '%s\n' "$actual")
			return 1
		fi
	done < <("$SAM_ROOT/test/man-examples" "$SAM_ROOT/man/$page" |
		awk 'NR > 1 && /^@@ / { printf "%c", 0 } /^@@ / { sub(/^@@ /, "") } { print } END { if (NR) printf "%c", 0 }')
	[ "$n" -gt 0 ] || { echo "$page has no runnable examples"; return 1; }
}

@test "every man page passes mandoc -T lint -W warning" {
	run mandoc -T lint -W warning "$SAM_ROOT"/man/*
	assert_success
	assert_output ""
}

@test "the examples in sam.7 run as shown" {
	check_examples sam.7
}

@test "the examples in sam-fetch.1 run as shown" {
	# The providers' examples are answered by the loopback server.
	httpd_start "$HTTP_FIXTURES/man.routes"
	export SAM_YAHOO_URL=$HTTPD_URL
	check_examples sam-fetch.1
}

@test "the examples in sam-zscore.1 run as shown" {
	check_examples sam-zscore.1
}

@test "the examples in sam-detect.1 run as shown" {
	check_examples sam-detect.1
}

@test "the examples in sam-store.1 run as shown" {
	check_examples sam-store.1
}

@test "the examples in sam-alert.1 run as shown" {
	local name
	httpd_start "$FIXTURES/man/http/alert.routes"
	for name in ok broken flaky; do
		(umask 077 && echo "$HTTPD_URL/services/$name/T000/B000/XXXXXXXX" > "$name-url")
	done
	mv ok-url slack-url
	check_examples sam-alert.1
}

@test "the examples in sam-serve-static.1 run as shown" {
	check_examples sam-serve-static.1
}

@test "the examples in sam-hourly.8 and sam.env.5 run as shown" {
	PATH=$SAM_ROOT/cron:$PATH
	check_examples sam-hourly.8
	check_examples sam.env.5
}

@test "the examples in sam-store.5 run as shown" {
	check_examples sam-store.5
}
