#!/usr/bin/env bash
# The command line's habits: --version and `version`, `help COMMAND`, a
# "did you mean" for a mistyped command, --no-color on every command and
# TERM=dumb honoured (on a pseudo-terminal, where colour would be on), and
# plan's exit status for a usage error (1: 2 means changes).
#   tests/cli/run.sh /abs/path/to/infrac
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
INFRAC=${1:?usage: run.sh INFRAC}
EX=$HERE/../../examples/becker.infra
PTY=$HERE/../apply/pty_run.py
W=$(mktemp -d /tmp/infrac-cli.XXXXXX)
trap 'rm -rf "$W"' EXIT
out() { "$INFRAC" "$@" > "$W/out" 2>&1; RC=$?; }

out --version
grep -qE '^infrac [0-9a-z.+~-]+$' "$W/out" && [ $RC = 0 ] && ok "--version names the build" ||
	not_ok "--version names the build" "exit $RC; $(cat "$W/out")"
v=$(cat "$W/out")
out version
check "  ... and so does \`infrac version\`" test "$(cat "$W/out")" = "$v"
out help plan
"$INFRAC" plan --help > "$W/want" 2>&1
check "help COMMAND is the command's --help" cmp "$W/out" "$W/want"
out help nosuch
check "help of an unknown command is a usage error" test $RC = 2
out aply "$EX"
grep -qF "unknown command 'aply' (did you mean 'apply'?)" "$W/out" && [ $RC = 2 ] &&
	ok "a mistyped command gets a suggestion" || not_ok "a mistyped command gets a suggestion" "$(cat "$W/out")"

# colour: check's report is in colour on a terminal, and not with these
esc() { grep -q $'\e\[' "$1"; }
python3 "$PTY" "$W/raw" "$W/screen" "$INFRAC" check "$EX" > /dev/null
esc "$W/raw" && ok "on a terminal, check's report has colour" || not_ok "on a terminal, check's report has colour"
for cmd in check cost recommend; do
	python3 "$PTY" "$W/raw" "$W/screen" "$INFRAC" "$cmd" "$EX" --no-color > /dev/null
	esc "$W/raw" && not_ok "$cmd --no-color: no escape sequence" "$(head -c 300 "$W/raw" | od -c | head)" ||
		ok "$cmd --no-color: no escape sequence"
done
PTY_TERM=dumb python3 "$PTY" "$W/raw" "$W/screen" "$INFRAC" check "$EX" > /dev/null
esc "$W/raw" && not_ok "TERM=dumb: no escape sequence" || ok "TERM=dumb: no escape sequence"
NO_COLOR=1 python3 "$PTY" "$W/raw" "$W/screen" "$INFRAC" check "$EX" > /dev/null
esc "$W/raw" && not_ok "NO_COLOR=1: no escape sequence" || ok "NO_COLOR=1: no escape sequence"
out build "$EX" -o "$W/b" --no-color
check "build takes --no-color" test $RC = 0

out plan
check "plan without FILE: exit 1, not 2 (2 means changes)" test $RC = 1
out plan "$EX" --bogus
check "plan with an unknown option: exit 1" test $RC = 1
out check "$EX" --bogus
check "other commands keep 2 for a usage error" test $RC = 2
finish
