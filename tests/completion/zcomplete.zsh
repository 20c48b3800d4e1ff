#!/usr/bin/env zsh
# Completes command lines in a real interactive zsh, in a pseudo-terminal
# (zsh/zpty), with the real _infrac, compinit and _files, and prints the
# matches each offers, space-separated, one line a command line.  The
# matches are seen by a compadd that reports what it adds, then adds it.
#
#   zcomplete.zsh FPATH_DIR BIN_DIR WORK_DIR 'infrac pl' 'infrac plan x --phase ' ...
emulate -L zsh
zmodload zsh/zpty || exit 3
local fdir=$1 bdir=$2 wdir=$3
shift 3
zpty z zsh -f -i || exit 3
{
  zpty -w z "PROMPT='%% '; cd ${(q)wdir}; fpath=(${(q)fdir} \$fpath); path=(${(q)bdir} \$path)"
  zpty -w z 'autoload -U compinit; compinit -u -D; bindkey "^I" complete-word'
  zpty -w z 'compadd() { if (( ${@[(I)-[OAD]]} )); then builtin compadd "$@"; return; fi;' \
    'local -a m; builtin compadd -A m "$@"; print -rn -- "<m>"${^m}"</m>"; builtin compadd "$@"; }'
  local line out chunk
  integer n=0
  # wait_for MARK: reads what the shell writes up to MARK (30 s at most: a loaded machine is slow, a hung one fails)
  wait_for() {
    out=
    local deadline=$(( SECONDS + 30 ))
    while (( SECONDS < deadline )) && [[ $out != *"$1"* ]]; do
      if zpty -r -t z chunk; then out+=$chunk; else sleep 0.05; fi
    done
    [[ $out == *"$1"* ]]
  }
  zpty -w z "print READY''READY"
  wait_for READYREADY || { print -r -- "TIMEOUT"; exit 1; }
  for line in "$@"; do
    n+=1
    # the line, Tab, then erase it and print a mark the echo of the
    # input does not hold: what came before the mark is the answer
    zpty -w -n z "$line"$'\t'$'\x15'"print END$n''END"$'\n'
    wait_for "END${n}END" || { print -r -- "TIMEOUT"; continue; }
    local -a found
    found=(${(M)${(s:</m>:)out}##*<m>*})
    found=(${found##*<m>})
    print -r -- ${(j: :)${(ou)found}}
  done
} always {
  zpty -d z
}
