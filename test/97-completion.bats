#!/usr/bin/env bats
# The bash and zsh completions (share/completions/): bash's completion
# asked for words as readline would, zsh's by an interactive zsh on a
# pseudo-terminal (test/zsh-complete.zsh), and the options each
# completes compared with the tools' --help, so that a new option fails
# here until the completions have it.

load test_helper

BASH_COMPLETION=/usr/share/bash-completion/bash_completion
COMPLETIONS=$SAM_ROOT/share/completions

setup() {
	sam_setup
	# shellcheck source=/dev/null
	. "$BASH_COMPLETION"
	# shellcheck source=../share/completions/bash/sam
	. "$COMPLETIONS/bash/sam"
}

# comp LINE: what bash completes at the end of LINE, a word a line.
# COMP_WORDS are split as readline splits them (blanks; = and : are
# words of their own), then the function the script registered runs.
comp() {
	local line=$1 w='' c i
	COMP_WORDS=()
	for ((i = 0; i < ${#line}; i++)); do
		c=${line:i:1}
		case $c in
		' ') [ -z "$w" ] || COMP_WORDS+=("$w"); w='' ;;
		= | :) [ -z "$w" ] || COMP_WORDS+=("$w"); COMP_WORDS+=("$c"); w='' ;;
		*) w+=$c ;;
		esac
	done
	[[ -n $w || $line == *' ' ]] && COMP_WORDS+=("$w")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$line COMP_POINT=${#line}
	COMPREPLY=()
	"$(complete -p "${COMP_WORDS[0]}" | sed 's/^complete -F \([^ ]*\) .*/\1/')" 2> /dev/null
	# sorted, as readline lists them
	((${#COMPREPLY[@]} == 0)) || printf '%s\n' "${COMPREPLY[@]}" | sort
}

# lines WORD...: the words a line each, sorted: what comp prints.
lines() {
	printf '%s\n' "$@" | sort
}

# help_options TOOL: TOOL's options in its --help, "SECTION OPTION" a
# line ("=" after one that takes a value; the section "" for Options:,
# the command for "Options of COMMAND:", "all" for "Options of both:").
help_options() {
	local tool=$1
	[ "$tool" = sam-hourly ] && tool=$SAM_ROOT/cron/sam-hourly
	"$tool" --help | awk '
		/^Options:$/ { sec = ""; next }
		/^Options of [a-z]+:$/ { sec = substr($3, 1, length($3) - 1); if (sec == "both") sec = "all"; next }
		/^  -/ {
			spec = substr($0, 3)
			if (i = index(spec, "  ")) spec = substr(spec, 1, i - 1)
			n = split(spec, part, /, /)
			value = split(part[n], w, / /) > 1 ? "=" : ""
			part[n] = w[1]
			for (i = 1; i <= n; i++) print sec " " part[i] value
		}' | sort -u
}

# The sections of a tool's options.
sections() {
	case $1 in
	sam-store) printf '%s\n' "" put get prune fsck stats append ;;
	sam-serve-static) printf '%s\n' build serve all ;;
	*) echo "" ;;
	esac
}

# bash_options TOOL: the bash completion's options of TOOL, as help_options.
bash_options() {
	local sec o
	while IFS= read -r sec; do
		for o in $(_sam_options "$1" "$sec"); do echo "$sec $o"; done
	done < <(sections "$1") | sort -u
}

# zsh_options TOOL: the zsh completion's, from its _arguments specs: the
# functions _TOOL (section "", "all" for sam-serve-static's) and
# _TOOL_COMMAND, one spec a line; "=" after an option whose spec ends in
# + or = or has an argument (":" after its description).
zsh_options() {
	awk -v want="$1" '
		/^_[a-z_-]+\(\) \{$/ {
			fn = substr($1, 2, length($1) - 3)
			tool = fn; sec = ""
			if ((i = index(fn, "_"))) { tool = substr(fn, 1, i - 1); sec = substr(fn, i + 1) }
			else if (fn == "sam-serve-static") sec = "all"
			next
		}
		tool == want {
			line = $0
			sub(/^ +/, "", line); sub(/ \\$/, "", line)
			# an exclusion list, a repeatable option'"'"'s *
			sub(/^\x27\([^)]*\)/, "\x27", line)
			sub(/^\x27\x27/, "", line); sub(/^\x27\*\x27/, "", line); sub(/^\x27/, "", line)
			if (line ~ /^\{/) {
				names = substr(line, 2, index(line, "}") - 2); gsub(/,/, " ", names)
				rest = substr(line, index(line, "}") + 1); sub(/^\x27/, "", rest)
			} else {
				names = line; sub(/\[.*/, "", names)
				rest = substr(line, length(names) + 1)
			}
			if (names !~ /^-/) next
			rest = substr(rest, index(rest, "]") + 1)
			n = split(names, nm, " ")
			for (i = 1; i <= n; i++) {
				o = nm[i]; v = (o ~ /[+=]$/ || rest ~ /^:/) ? "=" : ""
				sub(/[+=]$/, "", o)
				print sec " " o v
			}
		}' "$COMPLETIONS/zsh/_sam" | sort -u
}

TOOLS="sam-fetch sam-zscore sam-detect sam-store sam-alert sam-serve-static sam-hourly"

@test "the bash completion's options of each tool and command are those of its --help" {
	local tool failed=0
	for tool in $TOOLS; do
		run diff <(help_options "$tool") <(bash_options "$tool")
		[ "$status" -eq 0 ] || { echo "$tool (< --help, > completion):"; echo "$output"; failed=1; }
	done
	[ "$failed" -eq 0 ]
	# the parse finds what --help says
	run grep -c . <(help_options sam-store)
	assert_output 31
	run grep -e '^get -s=$' -e '^ --version$' -e '^put --tee$' <(help_options sam-store)
	assert_output - <<-'EOF'
		 --version
		get -s=
		put --tee
	EOF
}

@test "the zsh completion's options of each tool and command are the bash completion's" {
	local tool failed=0
	for tool in $TOOLS; do
		run diff <(bash_options "$tool") <(zsh_options "$tool")
		[ "$status" -eq 0 ] || { echo "$tool (< bash, > zsh):"; echo "$output"; failed=1; }
	done
	[ "$failed" -eq 0 ]
	run grep -c . <(zsh_options sam-alert)
	assert_output 25
}

@test "each value the completions offer is one the tool's --help names for that option" {
	local tool option help words w text failed=0
	# TOOL OPTION HELP-TOOL: the help that names the values (sam-detect
	# looks at the z_ fields sam-zscore's metrics make; sam-hourly's
	# sources are sam-fetch's)
	while read -r tool option help; do
		words=$(_sam_values "$tool" "$option")
		words=${words//<source>/$_sam_sources}
		words=${words//<metrics>/$_sam_metrics}
		# sam-hourly's own, store, is checked below
		[ "$tool" = sam-hourly ] && words=${words/store/}
		# the option's lines of --help: its own and those indented under it
		text=$("$help" --help | awk -v o="$option" '
			/^  -/ { on = 0; n = split($0, f, /[ ,]+/); for (i = 1; i <= n; i++) if (f[i] == o) on = 1 }
			!/^   / && !/^  -/ { on = 0 }
			on')
		for w in $words; do
			grep -q -F -e "$w" <<< "$text" || { echo "$tool $option: $w not in $help --help"; failed=1; }
		done
	done <<-'EOF'
		sam-fetch --source sam-fetch
		sam-fetch --interval sam-fetch
		sam-fetch --log-format sam-fetch
		sam-zscore --metrics sam-zscore
		sam-zscore --ddof sam-zscore
		sam-zscore --profile sam-zscore
		sam-detect --metrics sam-zscore
		sam-detect --profile sam-detect
		sam-store --kind sam-store
		sam-store --severity sam-store
		sam-alert --to sam-alert
		sam-serve-static --profile sam-serve-static
		sam-hourly --source sam-fetch
	EOF
	[ "$failed" -eq 0 ]
	run grep -c 'store, or a source' <("$SAM_ROOT/cron/sam-hourly" --help)
	assert_output 1
}

@test "bash: the commands of sam-store and sam-serve-static" {
	run comp 'sam-store '
	assert_output "$(lines put get prune fsck stats append)"
	run comp 'sam-store -r /tmp p'
	assert_output "$(lines put prune)"
	run comp 'sam-serve-static '
	assert_output "$(lines build serve)"
	# a command's own words: get's kind, append's records
	run comp 'sam-store get '
	assert_output "$(lines raw anomalies)"
	run comp 'sam-store append '
	assert_output runs
}

@test "bash: the options of a tool, of a command, and what a command takes besides" {
	run comp 'sam-zscore --'
	assert_output "$(lines --window --min-periods --metrics --ddof --robust --profile --market \
		--market-ticker --market-only --strict --log-format --help --version)"
	run comp 'sam-store -'
	assert_output "$(lines -r --root -w --lock-wait --log-format -h --help --version)"
	run comp 'sam-store put --'
	assert_output "$(lines --kind --tee --outbox --strict --root --log-format --help)"
	run comp 'sam-serve-static serve --'
	assert_output "$(lines --dir --listen --rate --burst --client-rate --client-burst --per-address \
		--request-timeout --quiet --log-format --help --version)"
	run comp 'sam-serve-static -'
	assert_output "$(lines --log-format -h --help --version)"
	run comp 'sam-hourly --re'
	assert_output --replay
}

@test "bash: the values of options: sources, intervals, metrics, kinds, severities, targets, profiles, formats" {
	run comp 'sam-fetch --source '
	assert_output "$(lines mock yahoo alphavantage polygon stooq csv:)"
	run comp 'sam-fetch -s y'
	assert_output yahoo
	run comp 'sam-fetch --source='
	assert_output "$(lines mock yahoo alphavantage polygon stooq csv:)"
	run comp 'sam-fetch -i '
	assert_output "$(lines 1d 1h 30m 15m 5m 1m)"
	run comp 'sam-zscore -m '
	assert_output "$(lines close volume return lvolume excess)"
	run comp 'sam-zscore --metrics return,'
	assert_output "$(lines return,close return,volume return,lvolume return,excess)"
	run comp 'sam-detect -m close,volume,e'
	assert_output close,volume,excess
	run comp 'sam-zscore --ddof '
	assert_output "$(lines 0 1)"
	run comp 'sam-detect --profile '
	assert_output "$(lines original recommended)"
	run comp 'sam-store put --kind '
	assert_output "$(lines raw anomalies)"
	run comp 'sam-store get anomalies -s '
	assert_output "$(lines low medium high critical)"
	run comp 'sam-store get anomalies --severity=h'
	assert_output high
	run comp 'sam-alert --to '
	assert_output "$(lines slack webhook alertmanager)"
	run comp 'sam-hourly --source '
	assert_output "$(lines store mock yahoo alphavantage polygon stooq csv:)"
	run comp 'sam-serve-static build --log-format '
	assert_output "$(lines text json)"
	# a free value: nothing offered
	run comp 'sam-fetch --days '
	assert_output ""
	run comp 'sam-hourly --replay 2024-01-02 '
	assert_output ""
}

@test "bash: files and directories where an option or a command names them" {
	mkdir store site
	touch prices.csv tickers
	run comp 'sam-store -r '
	assert_output "$(lines site store)"
	run comp 'sam-detect -T t'
	assert_output tickers
	run comp 'sam-zscore '
	assert_output "$(lines prices.csv site store tickers)"
	# csv:PATH: readline replaces what follows the colon
	run comp 'sam-fetch --source csv:pr'
	assert_output prices.csv
	run comp 'sam-fetch -f '
	assert_output "$(lines prices.csv site store tickers)"
	# tickers are free words
	run comp 'sam-fetch A'
	assert_output ""
}

@test "bash-completion finds each program's completion by its name, in the installed tree" {
	make -s -C "$SAM_ROOT" install O="$SAM_BIN" DESTDIR="$PWD/stage" PREFIX=/usr > /dev/null
	run bash -c '
		. "$1"
		BASH_COMPLETION_USER_DIR=/nonexistent XDG_DATA_DIRS=$2
		for t in sam-fetch sam-zscore sam-detect sam-store sam-alert sam-serve-static sam-hourly; do
			complete -r "$t" 2> /dev/null
			__load_completion "$t" && complete -p "$t"
		done' bash "$BASH_COMPLETION" "$PWD/stage/usr/share"
	assert_output - <<-'EOF'
		complete -F _sam sam-fetch
		complete -F _sam sam-zscore
		complete -F _sam sam-detect
		complete -F _sam sam-store
		complete -F _sam sam-alert
		complete -F _sam sam-serve-static
		complete -F _sam sam-hourly
	EOF
}

@test "zsh: the completion parses, and compinit gives each program _sam from the installed directory" {
	run zsh -n "$COMPLETIONS/zsh/_sam"
	assert_success
	assert_output ""
	make -s -C "$SAM_ROOT" install O="$SAM_BIN" DESTDIR="$PWD/stage" PREFIX=/usr > /dev/null
	run zsh -f -c 'fpath=("$1" $fpath); autoload -U compinit; compinit -u -d "$PWD/zcompdump"
		for t in sam-fetch sam-zscore sam-detect sam-store sam-alert sam-serve-static sam-hourly; do
			print -r -- "$t $_comps[$t]"
		done' zsh "$PWD/stage/usr/share/zsh/vendor-completions"
	assert_output - <<-'EOF'
		sam-fetch _sam
		sam-zscore _sam
		sam-detect _sam
		sam-store _sam
		sam-alert _sam
		sam-serve-static _sam
		sam-hourly _sam
	EOF
}

# zcomp LINE...: what zsh completes at the end of each LINE, "LINE|MATCH"
# a line, sorted, each match once.
zcomp() {
	zsh -f "$BATS_TEST_DIRNAME/zsh-complete.zsh" "$COMPLETIONS/zsh" "$@" | sort -u
}

@test "zsh: the long options it completes for each tool and command are bash's" {
	local line lines=() failed=0
	for line in sam-fetch sam-zscore sam-detect sam-store sam-alert sam-serve-static sam-hourly \
		'sam-store put' 'sam-store get raw' 'sam-store prune' 'sam-store fsck' 'sam-store stats' \
		'sam-store append runs' 'sam-serve-static build' 'sam-serve-static serve'; do
		lines+=("$line --")
	done
	zcomp "${lines[@]}" > zsh.out
	for line in "${lines[@]}"; do
		comp "$line" | sed "s/^/$line|/"
	done | sort -u > bash.out
	run diff bash.out zsh.out
	assert_success
	run grep -c . zsh.out
	assert_output 154
}

@test "zsh: commands, sources, intervals, metrics, kinds, severities, targets, profiles" {
	run zcomp 'sam-store ' 'sam-serve-static ' 'sam-fetch --source ' 'sam-hourly --source=' 'sam-fetch -i ' \
		'sam-zscore -m close,' 'sam-store put --kind ' 'sam-store get ' 'sam-store get anomalies -s ' \
		'sam-alert --to ' 'sam-detect --profile ' 'sam-fetch --log-format '
	assert_output "$(sort <<-'EOF'
		sam-alert --to |alertmanager
		sam-alert --to |slack
		sam-alert --to |webhook
		sam-detect --profile |original
		sam-detect --profile |recommended
		sam-fetch --log-format |json
		sam-fetch --log-format |text
		sam-fetch --source |alphavantage
		sam-fetch --source |csv:
		sam-fetch --source |mock
		sam-fetch --source |polygon
		sam-fetch --source |stooq
		sam-fetch --source |yahoo
		sam-fetch -i |15m
		sam-fetch -i |1d
		sam-fetch -i |1h
		sam-fetch -i |1m
		sam-fetch -i |30m
		sam-fetch -i |5m
		sam-hourly --source=|alphavantage
		sam-hourly --source=|csv:
		sam-hourly --source=|mock
		sam-hourly --source=|polygon
		sam-hourly --source=|stooq
		sam-hourly --source=|store
		sam-hourly --source=|yahoo
		sam-serve-static |build
		sam-serve-static |serve
		sam-store |append
		sam-store |fsck
		sam-store |get
		sam-store |prune
		sam-store |put
		sam-store |stats
		sam-store get |anomalies
		sam-store get |raw
		sam-store get anomalies -s |critical
		sam-store get anomalies -s |high
		sam-store get anomalies -s |low
		sam-store get anomalies -s |medium
		sam-store put --kind |anomalies
		sam-store put --kind |raw
		sam-zscore -m close,|excess
		sam-zscore -m close,|lvolume
		sam-zscore -m close,|return
		sam-zscore -m close,|volume
	EOF
	)"
	# a path after csv:, a directory for -r
	mkdir store
	touch prices.csv
	run zcomp 'sam-fetch --source csv:pr' 'sam-store -r '
	assert_output - <<-'EOF'
		sam-fetch --source csv:pr|prices.csv
		sam-store -r |store
	EOF
}
