#!/usr/bin/env bats
# HACKING's map of the files: every file it names exists, and every
# source file of cmd/, libz/ and libstore/ has its line.

load test_helper

# The files the map names: the first word of each of its lines.
mapped() {
	sed -n '/^Architecture$/,$ s/^    \([^ ]*\)  .*/\1/p' "$SAM_ROOT/HACKING"
}

@test "every file HACKING's map names exists" {
	run mapped
	assert_success
	[ "${#lines[@]}" -gt 80 ]	# the map is read: a line a file
	grep -qx libstore/walk.c <<< "$output"
	grep -qx libz/opt.c <<< "$output"
	run bash -c 'cd "$SAM_ROOT" && while read -r f; do [ -e "$f" ] || echo "$f: named in HACKING, not in the tree"; done' <<< "$output"
	assert_output ""
}

@test "every source file of cmd/, libz/ and libstore/ has its line in HACKING's map" {
	local map
	map=$(mapped)
	run bash -c 'cd "$SAM_ROOT" && for f in cmd/*.c cmd/*/*.[ch] cmd/*/*.sh libz/*.[ch] libz/*.py libstore/*.[ch]; do
		[ "$f" = cmd/site/assets.c ] && continue	# made from share/site/ by a build in place
		grep -qxF "$f" <<< "$1" || echo "$f: not in HACKING'"'"'s map"
	done' _ "$map"
	assert_output ""
}
