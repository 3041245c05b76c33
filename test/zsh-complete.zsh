# zsh -f test/zsh-complete.zsh FPATH-DIR LINE...: for each LINE, the
# matches zsh's completion adds at its end, "LINE|MATCH" a line: an
# interactive zsh on a pseudo-terminal (zpty) types LINE and a tab, its
# compadd printing what it adds besides adding it.  For
# test/97-completion.bats.
zmodload zsh/zpty
dir=$1
shift
zpty z zsh -f -i
zpty -w z "PS1= RPS1= PROMPT_EOL_MARK=; fpath=(${(q)dir} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'compadd() { local -a m; builtin compadd -A m "$@"; (( $#m )) && { print; print -rl -- "${(@)m/#/@@}"; }; builtin compadd "$@"; }'

# read_to MARK: the terminal's output up to MARK into $out, at most 20 s
read_to() {
  local chunk
  integer n=0
  out=
  while zpty -r -t z chunk || { sleep 0.05; true; }; do
    out+=$chunk
    [[ $out == *$1* ]] && return 0
    (( ++n > 400 )) && { print -u2 "zsh-complete: no $1 in: $out"; return 1; }
  done
}

# the marks are typed in two parts: their echo is not them
zpty -w z "print -r -- __rea''dy__"
read_to __ready__ || exit 1
for line; do
  # the line and a tab; then the line killed and a mark
  zpty -w -n z "$line"$'\t'$'\C-u'"print -r -- __do''ne__"$'\n'
  read_to __done__ || exit 1
  for m in ${(f)out//$'\r'/}; do
    [[ $m == @@* ]] && print -r -- "$line|${m#@@}"
  done
done
zpty -d z
