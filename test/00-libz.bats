#!/usr/bin/env bats
# The shared library, driven directly by test/unit (built from test/unit.c).

load test_helper

unit() {
	"$SAM_BIN/test/unit" "$@"
}

@test "doubles print as the shortest text that reads back as the same double" {
	run unit format <<-'EOF'
		0
		-0
		1
		0.1
		0.3
		229.9
		41234567
		1e21
		1e-7
		123456789012345678
		0.000001
		5e-324
		1.7976931348623157e308
		2.2250738585072014e-308
		-1.5e-10
		0.30000000000000004
		100
		1e20
	EOF
	assert_success
	assert_output - <<-'EOF'
		0
		-0
		1
		0.1
		0.3
		229.9
		41234567
		1e+21
		1e-7
		123456789012345680
		0.000001
		5e-324
		1.7976931348623157e+308
		2.2250738585072014e-308
		-1.5e-10
		0.30000000000000004
		100
		100000000000000000000
	EOF
}

@test "not-a-number and infinities print as null" {
	run unit format <<<$'nan\ninf\n-inf'
	assert_output $'null\nnull\nnull'
}

@test "300,000 random doubles round-trip and almost all are the shortest" {
	run unit roundtrip 300000 7
	assert_success
	assert_output --regexp '^300000 round trips, 0 failed; [0-9]+ longer than the shortest$'
	longer=$(sed 's/.*failed; \([0-9]*\) longer.*/\1/' <<<"$output")
	[ "$longer" -lt 600 ]	# under 0.2 %
}

@test "doubles of every kind print the same bytes as the first Grisu2 did" {
	run unit formatdiff 1000000 9
	assert_success
	assert_output "1000000 doubles formatted, 0 differ from the old Grisu2"
}

@test "decimal text, ties and near ties too, parses to exactly what strtod gives" {
	run unit parse 1000000 3
	assert_success
	assert_output "1000000 numbers parsed, 0 differ from strtod"
}

@test "numbers of up to 19 digits and exponents to 19, halfway ones too, parse to what strtod gives" {
	run unit parsesmall 300000 5
	assert_success
	assert_output "300000 numbers parsed, 0 differ from strtod"
}

@test "a number's bound from its first digits is above its value, within 1e-4 when plain, else infinite" {
	# sam_field_abs_bound on texts of every kind, read by the fast path
	# and by the scanner; mutants that drop the last unit or take 16
	# integer digits fail it by thousands
	run unit bound 1000000 11
	assert_success
	assert_output "1000000 numbers bound, 0 wrong"
}

@test "durations: one grammar for timeouts, waits and cooldowns: a number, a fraction too, then s, m, h or d" {
	# sam_parse_duration_ms (here 0 to 2e6 s) and sam_parse_duration,
	# whose whole seconds take no fraction of a second
	run unit duration <<-'EOF'
		90
		.5
		0.5
		1.5m
		24h
		2d
		3600s
		+2
		1e3
		007
		-1
		-0
		s
		1.s
		5x
		1w
		3650d
		3651d
		0s
	EOF
	assert_success
	assert_output - <<-'EOF'
		90 90000 ms 90 s
		.5 500 ms - s
		0.5 500 ms - s
		1.5m 90000 ms 90 s
		24h 86400000 ms 86400 s
		2d 172800000 ms 172800 s
		3600s 3600000 ms 3600 s
		+2 2000 ms 2 s
		1e3 1000000 ms 1000 s
		007 7000 ms 7 s
		-1 - ms - s
		-0 - ms - s
		s - ms - s
		1.s - ms - s
		5x - ms - s
		1w - ms - s
		3650d - ms 315360000 s
		3651d - ms - s
		0s 0 ms 0 s
	EOF
}

@test "the retry policy: what may pass, 1 s then 2 s, a 429's Retry-After up to 60 s, no attempt past --retries" {
	# RETRIES ATTEMPT CURLCODE STATUS RETRY-AFTER: verdict and wait (ms;
	# too-long: the wait asked for)
	run unit retry <<-'EOF'
		2 1 0 503 -1
		2 2 0 503 -1
		2 3 0 503 -1
		2 1 0 500 -1
		2 1 0 408 -1
		2 1 0 404 -1
		2 1 0 200 -1
		2 1 0 429 -1
		2 1 0 429 0
		2 1 0 429 5
		2 2 0 429 60
		2 1 0 429 61
		2 3 0 429 61
		2 1 0 429 9223372036854775807
		2 1 0 503 5
		2 1 28 0 -1
		2 1 7 0 -1
		2 1 6 0 -1
		2 1 56 0 -1
		2 1 60 0 -1
		2 1 28 429 5
		10 10 0 500 -1
		0 1 0 500 -1
	EOF
	assert_success
	assert_output - <<-'EOF'
		2 1 0 503 -1: again 1000
		2 2 0 503 -1: again 2000
		2 3 0 503 -1: no
		2 1 0 500 -1: again 1000
		2 1 0 408 -1: again 1000
		2 1 0 404 -1: no
		2 1 0 200 -1: no
		2 1 0 429 -1: again 1000
		2 1 0 429 0: again 1000
		2 1 0 429 5: after 5000
		2 2 0 429 60: after 60000
		2 1 0 429 61: too-long 61000
		2 3 0 429 61: no
		2 1 0 429 9223372036854775807: too-long 9223372036854775000
		2 1 0 503 5: again 1000
		2 1 28 0 -1: again 1000
		2 1 7 0 -1: again 1000
		2 1 6 0 -1: again 1000
		2 1 56 0 -1: again 1000
		2 1 60 0 -1: no
		2 1 28 429 5: again 1000
		10 10 0 500 -1: again 512000
		0 1 0 500 -1: no
	EOF
}

@test "the retry policy's jitter adds 0 to 10 % to a wait, never less, and varies" {
	run unit jitter 20000
	assert_success
	[[ ${lines[0]} =~ ^1000:\ 1000\ to\ 10(9[0-9])$ ]]
	[[ ${lines[1]} =~ ^60000:\ 60[0-9]{3}\ to\ 6(5[0-9]{3}|6000)$ ]]
}

@test "the one percent-encoder keeps A-Z a-z 0-9 . _ - ~ and writes every other byte as %XX, as curl_easy_escape did" {
	run unit urlpart <<-'EOF'
		AAPL
		^GSPC
		BRK.B
		BF-B_x~
		a b/c?d=e&f#g
		Kq7+Zx/9=Wv%3mRtP8
		été
	EOF
	assert_success
	assert_output - <<-'EOF'
		AAPL
		%5EGSPC
		BRK.B
		BF-B_x~
		a%20b%2Fc%3Fd%3De%26f%23g
		Kq7%2BZx%2F9%3DWv%253mRtP8
		%C3%A9t%C3%A9
	EOF
}

@test "UTF-8 validation rejects overlongs, surrogates, truncation and bytes above U+10FFFF" {
	run unit utf8 <<-'EOF'
		41 42 43
		c3 a9
		e2 82 ac
		f0 9f 98 80
		f4 8f bf bf
		c0 af
		c1 bf
		e0 80 af
		ed a0 80
		f4 90 80 80
		f5 80 80 80
		ff
		80
		41 c3
		e2 82
		41 42 43 44 45 46 47 48 49 4a c3 28
	EOF
	assert_output - <<-'EOF'
		valid
		valid
		valid
		valid
		valid
		invalid at 0
		invalid at 0
		invalid at 0
		invalid at 0
		invalid at 0
		invalid at 0
		invalid at 0
		invalid at 0
		invalid at 1
		invalid at 0
		invalid at 10
	EOF
}

@test "a record is written with its edits: values replaced in place, the rest appended in order, a repeated name once" {
	run unit edits <<-'EOF'
		{}
		{"a":1}
		{"b":1,"a":1}
		{"a":1,"b":1,"b":3}
		{ "a" : 1 , "n" : 7 }
		{"n":0,"z":0,"b":0}
		{"z":1}
		{"a":[1,{"b":2}],"n":null}
	EOF
	assert_success
	assert_output - <<-'EOF'
		{"b":2,"z":"x","n":1.5}
		{"a":1,"b":2,"z":"x","n":1.5}
		{"b":2,"a":1,"z":"x","n":1.5}
		{"a":1,"b":2,"z":"x","n":1.5}
		{"a":1,"n":1.5,"b":2,"z":"x"}
		{"n":1.5,"z":"x","b":2}
		{"z":"x","b":2,"n":1.5}
		{"a":[1,{"b":2}],"n":1.5,"b":2,"z":"x"}
	EOF
}

@test "the record scanner keeps members as raw spans and names the first error" {
	run unit json <<-'EOF'
		{}
		{"a":1.50,"b":"x\"y","c":[1,{"d":null}],"e":true,"f":1e2}
		{"k\u0065y":-0}
		  {"a" : 1 }  
		[1]
		{"a":01}
		{"a":1,}
		{"a":"\x"}
		{"a":"\u12"}
		{"a":"\ud800"}
		{"a":1}x
		{"a":tru}
		{"a":[1,2}
		{"a":"b
	EOF
	assert_output - <<-'EOF'
		{}
		[a]number=1.50 [b]string="x\"y" [c]array=[1,{"d":null}] [e]true=true [f]number=1e2
		[key]number=-0
		[a]number=1
		error at 1: not a JSON object
		error at 6: invalid number
		error at 8: expected a member name
		error at 7: invalid escape
		error at 7: invalid \u escape
		error at 7: unpaired surrogate in \u escape
		error at 8: trailing characters after the object
		error at 6: invalid literal
		error at 10: expected ',' or ']'
		error at 8: unterminated string
	EOF
}

@test "objects nested 256 deep are accepted and 257 deep rejected" {
	deep() { printf '{"a":'; printf '[%.0s' $(seq "$1"); printf ']%.0s' $(seq "$1"); printf '}\n'; }
	run unit json < <(deep 256)
	assert_output --regexp '^\[a\]array='
	run unit json < <(deep 257)
	assert_output "error at 262: nesting too deep"
}

@test "lines: CR LF and LF end lines, blank lines are skipped but counted, a last line needs no newline" {
	run unit lines 100 < <(printf 'a\r\n\n  \t\nbb\nccc')
	assert_output - <<-'EOF'
		1:1:a
		4:2:bb
		5:3:ccc
	EOF
}

@test "lines: a line over the limit is reported once and skipped, the next is read" {
	run unit lines 10 < <(printf '0123456789\n01234567890\nok\n'; head -c 200000 /dev/zero | tr '\0' x; printf '\nlast\n')
	assert_output - <<-'EOF'
		1:10:0123456789
		2:LONG
		3:2:ok
		4:LONG
		5:4:last
	EOF
}

@test "rolling statistics match an exact two-pass computation over each window" {
	for mode in walk tiny jumps trend steps gauss; do
		run unit roll "$mode" 30 20000 5
		assert_success
		assert_output --regexp "^$mode: [0-9]+ windows, [0-9]+ with sd 0, worst relative error below 1e-9\$"
	done
}

@test "rolling statistics stay exact for windows of 10,000 values" {
	run unit roll tiny 10000 12000 1
	assert_output "tiny: 2000 windows, 0 with sd 0, worst relative error below 1e-9"
	run unit roll walk 10000 12000 2
	assert_output "walk: 2000 windows, 0 with sd 0, worst relative error below 1e-9"
}

@test "a window of equal values has a standard deviation of exactly 0" {
	run unit roll steps 30 2000 1
	assert_output "steps: 1421 windows, 549 with sd 0, worst relative error below 1e-9"
}

@test "the rolling median and MAD equal those found by sorting, even and odd windows" {
	for w in 4 30 31; do
		run unit robust "$w" 3000 2
		assert_output "2999 windows, 0 differ from sorting"
	done
}

# The published NYSE calendars (NYSE Group press releases of
# 2021-12-27 and 2024-11-08), with the 2025-01-09 day of mourning.
@test "the calendar closes on the NYSE holidays of 2022" {
	run unit cal 2022
	assert_output - <<-'EOF'
		2022-01-17 closed Martin Luther King, Jr. Day
		2022-02-21 closed Washington's Birthday
		2022-04-15 closed Good Friday
		2022-05-30 closed Memorial Day
		2022-06-20 closed Juneteenth National Independence Day
		2022-07-04 closed Independence Day
		2022-09-05 closed Labor Day
		2022-11-24 closed Thanksgiving Day
		2022-11-25 early 13:00
		2022-12-26 closed Christmas Day
	EOF
}

@test "the calendar closes on the NYSE holidays of 2023" {
	run unit cal 2023
	assert_output - <<-'EOF'
		2023-01-02 closed New Year's Day
		2023-01-16 closed Martin Luther King, Jr. Day
		2023-02-20 closed Washington's Birthday
		2023-04-07 closed Good Friday
		2023-05-29 closed Memorial Day
		2023-06-19 closed Juneteenth National Independence Day
		2023-07-03 early 13:00
		2023-07-04 closed Independence Day
		2023-09-04 closed Labor Day
		2023-11-23 closed Thanksgiving Day
		2023-11-24 early 13:00
		2023-12-25 closed Christmas Day
	EOF
}

@test "the calendar closes on the NYSE holidays of 2024" {
	run unit cal 2024
	assert_output - <<-'EOF'
		2024-01-01 closed New Year's Day
		2024-01-15 closed Martin Luther King, Jr. Day
		2024-02-19 closed Washington's Birthday
		2024-03-29 closed Good Friday
		2024-05-27 closed Memorial Day
		2024-06-19 closed Juneteenth National Independence Day
		2024-07-03 early 13:00
		2024-07-04 closed Independence Day
		2024-09-02 closed Labor Day
		2024-11-28 closed Thanksgiving Day
		2024-11-29 early 13:00
		2024-12-24 early 13:00
		2024-12-25 closed Christmas Day
	EOF
}

@test "the calendar knows 2025's day of mourning and 2026's Saturday Independence Day" {
	run unit cal 2025
	assert_line --index 0 "2025-01-01 closed New Year's Day"
	assert_line --index 1 "2025-01-09 closed National Day of Mourning (Carter)"
	assert_line "2025-07-03 early 13:00"
	run unit cal 2026
	assert_line "2026-07-03 closed Independence Day"
	refute_line "2026-07-02 early 13:00"
	assert_line "2026-11-27 early 13:00"
	assert_line "2026-12-24 early 13:00"
	run unit cal 2027
	assert_line "2027-06-18 closed Juneteenth National Independence Day"
	assert_line "2027-07-05 closed Independence Day"
	assert_line "2027-12-24 closed Christmas Day"
	refute_line --partial "2027-12-23"
}

@test "New York time follows daylight saving time, switching at 02:00 local" {
	run unit ny <<-'EOF'
		2024-03-10T06:59:59Z
		2024-03-10T07:00:00Z
		2024-11-03T05:59:59Z
		2024-11-03T06:00:00Z
		2024-01-01T04:59:59Z
		2024-07-01T03:59:59Z
		2006-04-02T07:00:00Z
		2006-10-29T06:00:00Z
		2024-02-30T00:00:00Z
		2024-01-01T24:00:00Z
		2024-01-01T00:00:00.123456789Z
		2024-01-01T00:00:00.Z
		2024-01-01 00:00:00Z
	EOF
	assert_output - <<-'EOF'
		2024-03-10T06:59:59Z -5 2024-03-10
		2024-03-10T07:00:00Z -4 2024-03-10
		2024-11-03T05:59:59Z -4 2024-11-03
		2024-11-03T06:00:00Z -5 2024-11-03
		2024-01-01T04:59:59Z -5 2023-12-31
		2024-07-01T03:59:59Z -4 2024-06-30
		2006-04-02T07:00:00Z -4 2006-04-02
		2006-10-29T06:00:00Z -5 2006-10-29
		2024-02-30T00:00:00Z invalid
		2024-01-01T24:00:00Z invalid
		2024-01-01T00:00:00.123456789Z -5 2023-12-31
		2024-01-01T00:00:00.Z invalid
		2024-01-01 00:00:00Z invalid
	EOF
}

@test "New York time is tzdata's: glibc reads the zone file the same, every hour 1900-2100" {
	run unit tz-libc
	assert_success
	assert_output --regexp '^[0-9]+ checked, 0 differ$'
}

@test "tzdata and the US rules written in code differ only where listed: before 1967, 1974-75" {
	run unit tz-oracle
	assert_success
	assert_output "48 known differences, 214634 hours; 0 others"
}

@test "zones with odd footers read as glibc reads them: half-hour DST, negative DST, rules at -1:00" {
	local z
	for z in Australia/Lord_Howe Europe/Dublin America/Nuuk America/Santiago Africa/Casablanca \
		Asia/Tehran UTC; do
		[ -f "/usr/share/zoneinfo/$z" ] || continue
		run unit tz-libc "$z"
		assert_success
		assert_output --regexp '^[0-9]+ checked, 0 differ$'
	done
}

@test "a slim zone file's footer rule gives the years after its last transition" {
	command -v zic > /dev/null || skip "no zic"
	zic -b slim -d tz "$FIXTURES/tz/us-rules.zi"
	TZDIR=$PWD/tz run unit tz-libc
	assert_success
	assert_output --regexp '^[0-9]+ checked, 0 differ$'
	TZDIR=$PWD/tz run unit tz-next 2006-06-01T00:00:00Z 2101-01-01T00:00:00Z
	assert_line --index 0 "2006-10-29T06:00:00Z -18000"
	assert_line --index 1 "2007-03-11T07:00:00Z -14400"
	assert_line "2100-11-07T06:00:00Z -18000"
	assert_equal "${#lines[@]}" 189
}

@test "bars of the 1960s and of 1974 get New York's daylight time of then" {
	run unit ny <<-'EOF'
		1965-07-01T13:30:00Z
		1965-07-01T04:30:00Z
		1965-12-01T14:30:00Z
		1944-01-03T14:30:00Z
		1974-02-01T14:30:00Z
		1975-03-03T14:30:00Z
		1899-12-31T23:00:00Z
	EOF
	assert_output - <<-'EOF'
		1965-07-01T13:30:00Z -4 1965-07-01
		1965-07-01T04:30:00Z -4 1965-07-01
		1965-12-01T14:30:00Z -5 1965-12-01
		1944-01-03T14:30:00Z -4 1944-01-03
		1974-02-01T14:30:00Z -4 1974-02-01
		1975-03-03T14:30:00Z -4 1975-03-03
		1899-12-31T23:00:00Z -5 1899-12-31
	EOF
	printf 'Date,Open,High,Low,Close,Volume\n1965-07-01,1,2,0.5,1.5,100\n1965-12-01,1,2,0.5,1.5,100\n' > old.csv
	run --separate-stderr sam-fetch -s csv:old.csv X
	assert_success
	assert_equal "$(jq -r '"\(.date) \(.ts)"' <<< "$output")" "$(printf '%s\n' \
		'1965-07-01 1965-07-01T13:30:00Z' '1965-12-01 1965-12-01T14:30:00Z')"
}

@test "a missing or damaged zone file is an error naming the file, exit 2" {
	mkdir -p tz/America
	TZDIR=$PWD/tz run --separate-stderr unit ny < /dev/null
	assert_equal "$status" 2
	assert_equal "$stderr" "unit: fatal: unable to read $PWD/tz/America/New_York: No such file or directory (New York time comes from tzdata: install it, or set TZDIR)"
	head -c 100 /usr/share/zoneinfo/America/New_York > tz/America/New_York
	TZDIR=$PWD/tz run --separate-stderr unit ny < /dev/null
	assert_equal "$status" 2
	assert_equal "$stderr" "unit: fatal: unable to read $PWD/tz/America/New_York: truncated or damaged (New York time comes from tzdata: install it, or set TZDIR)"
	echo 'America/New_York' > tz/America/New_York
	TZDIR=$PWD/tz run --separate-stderr unit ny < /dev/null
	assert_equal "$stderr" "unit: fatal: unable to read $PWD/tz/America/New_York: not a TZif file (New York time comes from tzdata: install it, or set TZDIR)"
}

@test "20,000 damaged copies of the zone file are each refused or read whole" {
	run unit tz-mangle 20000 7
	assert_success
	assert_output --regexp '^20000 mangled, [0-9]+ read$'
}

@test "a change of the law in tzdata reaches the calendar and the hourly gate" {
	command -v zic > /dev/null || skip "no zic"
	zic -d tz "$FIXTURES/tz/permanent-dst.zi"
	TZDIR=$PWD/tz run unit ny <<< $'2026-12-01T15:00:00Z\n2027-12-01T15:00:00Z'
	assert_output - <<-'EOF'
		2026-12-01T15:00:00Z -5 2026-12-01
		2027-12-01T15:00:00Z -4 2027-12-01
	EOF
	run sam-fetch --slot --at 2027-12-01T14:35:00Z
	assert_output "due: 2027-12-01 09:35 New York (2027-12-01T14:35:00Z): run slot 09:30"
	TZDIR=$PWD/tz run sam-fetch --slot --at 2027-12-01T14:35:00Z
	assert_output "due: 2027-12-01 10:35 New York (2027-12-01T14:35:00Z): run slot 10:30"
}

@test "extra closures come from SAM_CLOSURES_FILE: the calendar, the gate and the bars skip them" {
	SAM_CLOSURES_FILE=$FIXTURES/closures run --separate-stderr unit cal 2027
	assert_success
	assert_line "2027-01-12 closed National Day of Mourning (a test)"
	assert_line "2027-03-03 closed Hurricane Test"
	assert_line "2027-06-07 closed listed in $FIXTURES/closures"
	assert_equal "$stderr" ""
	SAM_CLOSURES_FILE=$FIXTURES/closures run --separate-stderr unit cal 2012
	assert_line "2012-10-29 closed Hurricane Sandy"
	run unit cal 2027
	refute_line --partial "2027-01-12"
	SAM_CLOSURES_FILE=$FIXTURES/closures run sam-fetch --slot --at 2027-03-03T10:31
	assert_equal "$status" 1
	assert_output "not due: 2027-03-03 10:31 New York (2027-03-03T15:31:00Z): the exchange is closed: Hurricane Test"
	SAM_CLOSURES_FILE=$FIXTURES/closures SAM_NOW=2027-03-05T22:00:00Z run sam-fetch -s mock --days 4 X
	assert_success
	assert_equal "$(jq -r .date <<< "$output" | tr '\n' ' ')" "2027-03-01 2027-03-02 2027-03-04 2027-03-05 "
}

@test "no closures file where SAM_CLOSURES_FILE is unset: only the rules' and the compiled closures" {
	SAM_CLOSURES_FILE= run --separate-stderr unit cal 2027
	assert_success
	assert_equal "$stderr" ""
	refute_line --partial "2027-03-03"
}

@test "bad lines of a closures file are errors with the file and line, every one, exit 2" {
	local row line message failed=0
	while IFS='|' read -r line message; do
		printf '# closures\n%b\n' "$line" > closures
		SAM_CLOSURES_FILE=closures run --separate-stderr unit cal 2027
		if [ "$status" != 2 ] || [ "$stderr" != "unit: closures:2: $message" ] || [ -n "$output" ]; then
			printf 'line %s\n  expected: %s\n  got exit %s: %s\n' "$line" "$message" "$status" "$stderr"
			failed=1
		fi
	done <<-'EOF'
		2027-13-01|no such date: 2027-13-01
		2027-02-29 not a leap year|no such date: 2027-02-29
		27-01-12|expected YYYY-MM-DD and a reason, if any: "27-01-12"
		2027-01-12x|expected YYYY-MM-DD and a reason, if any: "2027-01-12x"
		2027/01/12 storm|expected YYYY-MM-DD and a reason, if any: "2027/01/12"
		closed 2027-01-12|expected YYYY-MM-DD and a reason, if any: "closed"
		2027-01-12 storm\001|a control character in the reason, at byte 17
		2027-01-12 storm \377|invalid UTF-8 in the reason, at byte 18
		2027-01-12 storm\0|a NUL byte
		2027-01-12 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx|a reason longer than 100 bytes
	EOF
	[ "$failed" = 0 ]
	printf '2027-01-12\nJan 13\n2027-01-14 ok\n2027-02-30\n' > closures
	SAM_CLOSURES_FILE=closures run --separate-stderr unit cal 2027
	assert_equal "$status" 2
	assert_equal "$stderr" "$(printf '%s\n' \
		'unit: closures:2: expected YYYY-MM-DD and a reason, if any: "Jan"' \
		'unit: closures:4: no such date: 2027-02-30')"
	SAM_CLOSURES_FILE=no-such-file run --separate-stderr unit cal 2027
	assert_equal "$status" 2
	assert_equal "$stderr" "unit: fatal: unable to read no-such-file (SAM_CLOSURES_FILE): No such file or directory"
}

@test "a tool without New York's zone file, or with a bad closures file, says which file and exits 2" {
	mkdir tz
	TZDIR=$PWD/tz run --separate-stderr sam-fetch --slot
	assert_equal "$status" 2
	assert_equal "$output" ""
	assert_equal "$stderr" "sam-fetch: fatal: unable to read $PWD/tz/America/New_York: No such file or directory (New York time comes from tzdata: install it, or set TZDIR)"
	printf '2027-02-30\n' > closures
	SAM_CLOSURES_FILE=closures run --separate-stderr sam-zscore < /dev/null
	assert_equal "$status" 2
	assert_equal "$stderr" "sam-zscore: closures:1: no such date: 2027-02-30"
}
