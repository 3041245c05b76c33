#!/usr/bin/env bats
# Names: each type and each external name means one thing across cmd/,
# libz/ and libstore/, and wears its module's prefix (sam_ for libz,
# store_ for libstore, one per tool among the tools), so that a grep
# for a name finds the one thing it names.

load test_helper

# "struct NAME", "enum NAME", "union NAME" and "typedef NAME" with the
# file that defines it, one a line.
types() {
	(cd "$SAM_ROOT" && grep -HE '^[[:space:]]*(typedef[[:space:]]+)?(struct|enum|union)[[:space:]]+[A-Za-z_][A-Za-z0-9_]*[[:space:]]*\{' \
		cmd/*.c cmd/*/*.[ch] libz/*.[ch] libstore/*.[ch] |
		sed -E 's/^([^:]*):[[:space:]]*(typedef[[:space:]]+)?(struct|enum|union)[[:space:]]+([A-Za-z0-9_]+).*/\3 \4 \1/'
	(cd "$SAM_ROOT" && grep -HE '^typedef[[:space:]].*[A-Za-z0-9_]+(\(|;)' \
		cmd/*.c cmd/*/*.[ch] libz/*.[ch] libstore/*.[ch] | grep -vE ':typedef[[:space:]]+(struct|enum|union)[[:space:]]+[A-Za-z0-9_]*[[:space:]]*\{' |
		sed -E 's/^([^:]*):typedef[[:space:]].*[^A-Za-z0-9_]\**([A-Za-z0-9_]+)[[:space:]]*(\(|;).*/typedef \2 \1/'))
}

# The module an object belongs to: libz, libstore, or the tool (the
# folder of its modules, which sam-NAME.c shares).
module() {
	case $1 in
	libz/*) echo libz ;;
	libstore/*) echo libstore ;;
	cmd/sam-serve-static.o) echo site ;;
	cmd/sam-*.o) local m=${1#cmd/sam-}; echo "${m%.o}" ;;
	cmd/*/*) local m=${1#cmd/}; echo "${m%%/*}" ;;
	esac
}

# "NAME MODULE OBJECT" for every external name an object defines
# (main aside: one a tool; and ASan's __odr_asan.NAME, a marker of NAME).
externals() {
	local o
	(cd "$SAM_BIN" && for o in libz/*.o libstore/*.o cmd/*.o cmd/*/*.o; do
		nm -g --defined-only "$o" | awk -v o="$o" -v m="$(module "$o")" \
			'NF == 3 && $3 != "main" && $3 !~ /^__odr_asan/ { print $3, m, o }'
	done) | sort
}

need_objects() {
	compgen -G "$SAM_BIN/libz/*.o" > /dev/null && compgen -G "$SAM_BIN/cmd/*/*.o" > /dev/null ||
		skip "no objects in $SAM_BIN"
}

@test "each struct, enum, union and typedef name is defined in one file" {
	run types
	assert_success
	[ "${#lines[@]}" -gt 100 ]	# the grep finds them: struct store, enum sam_exit ...
	grep -qx 'struct store libstore/store.h' <<< "$output"
	grep -qx 'enum sam_exit libz/sam.h' <<< "$output"
	grep -qx 'typedef store_file_fn libstore/store.h' <<< "$output"
	run awk '{ k = $1 " " $2 } seen[k] && seen[k] != $3 { print k ": " seen[k] " and " $3 } !seen[k] { seen[k] = $3 }' <<< "$output"
	assert_output ""
}

@test "each external name is defined by one object" {
	need_objects
	run externals
	assert_success
	grep -q '^sam_opt_common libz libz/opt.o$' <<< "$output"
	grep -q '^store_walk libstore libstore/walk.o$' <<< "$output"
	run awk 'seen[$1] { print $1 ": " seen[$1] " and " $3 } { seen[$1] = $3 }' <<< "$output"
	assert_output ""
}

@test "libz's external names start with sam_, libstore's with store_, and no tools share a prefix" {
	need_objects
	run externals
	assert_success
	run awk '$2 == "libz" && $1 !~ /^sam_/ { print $3 ": " $1 ": not sam_" }
		$2 == "libstore" && $1 !~ /^store_/ { print $3 ": " $1 ": not store_" }
		$2 != "libz" && $2 != "libstore" {
			p = $1; sub(/_.*/, "", p)
			if (p in owner && owner[p] != $2)
				print $1 " (" $2 "): the prefix " p "_ is " owner[p] "'"'"'s (" name[p] ")"
			else { owner[p] = $2; name[p] = $1 } }' <<< "$output"
	assert_output ""
}
