#!/bin/sh
# fuzz/seed.sh - the seed inputs of fuzz/corpus/NAME/, from the test
# fixtures (and, when it is there, the first lines of ../shared/data's
# CSV files).  Seeds are named seed-*; run from the top of the tree:
#
#   fuzz/seed.sh            writes the seeds, keeps what the fuzzer found
#
# then `make fuzz-merge` minimizes each corpus again.
set -eu

F=test/fixtures
C=fuzz/corpus

# The body of a canned HTTP response: what follows the first empty line.
body() {
	sed '1,/^\r*$/d' "$1"
}

seed() {	# NAME SEEDNAME < bytes
	mkdir -p "$C/$1"
	cat > "$C/$1/seed-$2"
}

for p in yahoo polygon alphavantage stooq csv; do
	for f in "$F"/http/"$p"/*.http; do
		[ -e "$f" ] || continue
		body "$f" | seed "$p" "$(basename "$f" .http)"
	done
done
for f in "$F"/fetch/*.csv "$F"/man/prices.csv "$F"/man/prices-bad.csv; do
	seed csv "$(basename "$f")" < "$f"
done
for f in ../shared/data/*.csv; do
	[ -e "$f" ] || continue
	head -n 40 "$f" | seed csv "data-$(basename "$f")"
done
# CSV answers of Alpha Vantage and Stooq are CSV files too.
seed alphavantage prices.csv < "$F"/man/prices.csv
seed stooq prices.csv < "$F"/man/prices.csv

# NDJSON: each file's first lines, for the readers of records.
for f in "$F"/zscore/bars.ndjson "$F"/detect/scored.ndjson "$F"/alert/anomalies.ndjson \
    "$F"/alert/mixed.ndjson "$F"/man/*.ndjson "$F"/site/store/runs/*.ndjson \
    "$F"/site/store/dlq/*.ndjson; do
	n=$(basename "$f" .ndjson)
	head -n 1 "$f" | seed ndjson "$n"
	head -n 20 "$f" | seed anomaly "$n"
done
for f in "$F"/site/store/anomalies/*/*.ndjson "$F"/site/store/runs/*.ndjson; do
	seed day "$(basename "$(dirname "$f")")-$(basename "$f" .ndjson)" < "$f"
done
for f in "$F"/site/store/anomalies/*/*.ndjson; do
	seed anomaly "$(basename "$(dirname "$f")")-$(basename "$f" .ndjson)" < "$f"
done
grep -h '^{' "$F"/zscore/bars.ndjson | head -n 12 | seed day bars
# A record with edits after it (see fuzz-ndjson.c).
printf '{"ticker":"AAPL","close":229.9,"s":"a\\u00e9\\ud83d\\ude00\\n"}\n\001\002\103\204\305\006' |
	seed ndjson edits

# Numbers: the decimal texts of the fixtures, and edge cases.
i=0
for x in 0 -0 1 -1 0.1 229.9 41234567 1e21 1e-7 5e-324 2.2250738585072014e-308 \
    1.7976931348623157e308 1e309 -1e400 0.30000000000000004 123456789012345678901234567890 \
    +1 01 .5 1. 1e 1e+ 9007199254740993 4.35 1.5e-5; do
	i=$((i + 1))
	printf '%s' "$x" | seed num "$i"
done

# Lines: a control byte (limit, blank lines kept, repeats), then text.
printf '\003{"a":1}\r\n\n  \t\nabcdefghijklmnopqrstuvwxyz\n{"b":2}' | seed line crlf
printf '\103\001x\n\n y\r\n' | seed line blank
printf '\200\077%s\n' "$(head -c 3000 /dev/zero | tr '\0' 'x')" | seed line long

# The preview server: the requests of test/71-serve.bats, and a few more.
i=0
grep -v '^#' "$F"/serve/requests | grep -v '^$' | while read -r method path; do
	i=$((i + 1))
	printf '%s %s HTTP/1.1\r\nHost: localhost\r\n\r\n' "$method" "$path" | seed serve "req$i"
done
printf 'GET /health HTTP/1.1\r\nHost: x\r\nIf-None-Match: W/"0000000000000000", *\r\n\r\n' |
	seed serve inm
printf 'GET /big.json HTTP/1.1\r\nHost: x\r\n\r\nHEAD /big.json HTTP/1.1\r\nHost: x\r\n\r\n' |
	seed serve pipelined
printf 'POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' | seed serve post
printf 'GET /anomalies?severity=%%68igh HTTP/1.0\r\n\r\n' | seed serve severity
