#!/usr/bin/env bash
# Golden tests of `infrac check`: for each tests/golden/check/NAME.infra,
# runs `infrac check NAME.infra` in that directory (so messages name the
# file as NAME.infra) with NO_COLOR=1 and compares stdout, stderr and the
# exit status with NAME.stdout, NAME.stderr and NAME.exit (a missing
# .stdout or .stderr means empty).  NAME.json, when present, is the
# expected stdout of `infrac check --json NAME.infra`, whose exit status
# must match NAME.exit too.
# NAME.args holds the arguments (one per line) of a command-line test;
# NAME.stdin, when present, is its standard input (else /dev/null).
#
#   tests/golden/run.sh /abs/path/to/infrac
#   UPDATE=1 tests/golden/run.sh ...   rewrites the expected files (review them!)
set -u
. "$(dirname "$0")/../lib.sh"
dir=$(cd "$(dirname "$0")/check" && pwd)
infrac=${1:?usage: run.sh INFRAC}
export NO_COLOR=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# compare NAME EXPECTED-FILE ACTUAL-FILE
compare() {
	local want=$2 got=$3
	if [ -n "${UPDATE:-}" ]; then
		if [ -s "$got" ] || [ "${want##*.}" = exit ]; then
			cp "$got" "$want"
		else
			rm -f "$want"
		fi
		return 0
	fi
	if [ -f "$want" ]; then
		diff -u --label "$want" --label actual "$want" "$got"
	else
		diff -u --label "(empty)" --label actual /dev/null "$got"
	fi
}

# run_case NAME ARGS...: runs infrac in $dir, checks .stdout/.stderr/.exit
run_case() {
	local name=$1 out
	shift
	local in=/dev/null
	[ -f "$dir/$name.stdin" ] && in=$dir/$name.stdin
	(cd "$dir" && "$infrac" "$@" <"$in" >"$tmp/stdout" 2>"$tmp/stderr")
	echo $? >"$tmp/exit"
	if out=$(compare "$name" "$dir/$name.stdout" "$tmp/stdout" 2>&1 &&
		compare "$name" "$dir/$name.stderr" "$tmp/stderr" 2>&1 &&
		compare "$name" "$dir/$name.exit" "$tmp/exit" 2>&1); then
		ok "$name"
	else
		not_ok "$name" "$out"
	fi
}

for f in "$dir"/*.infra; do
	name=$(basename "$f" .infra)
	run_case "$name" check "$name.infra"
	# a NAME.json file (created empty to start one) asks for the --json run
	if [ -f "$dir/$name.json" ]; then
		(cd "$dir" && "$infrac" check --json "$name.infra" >"$tmp/json" 2>/dev/null)
		echo $? >"$tmp/json.exit"
		if out=$(compare "$name" "$dir/$name.json" "$tmp/json" 2>&1 &&
			diff "$dir/$name.exit" "$tmp/json.exit" 2>&1); then
			ok "$name --json"
		else
			not_ok "$name --json" "$out"
		fi
	fi
done

# command lines: NAME.args holds the arguments, one per line
for f in "$dir"/*.args; do
	name=$(basename "$f" .args)
	mapfile -t args <"$f"
	run_case "$name" "${args[@]}"
done
# every code of the diagnostics table is shown by a test: a golden file
# here, or the suite of the command that reports it (E0801 in
# tests/golden-cost, E1002 in tests/build)
root=$(cd "$dir/../../.." && pwd)
for code in $(grep -o 'X([EW][0-9]\{4\}' "$root/compiler/lang/diag.h" | cut -c3-); do
	if grep -rlq "\[$code\]" "$dir" "$root/tests/golden-cost" "$root/tests/build" 2>/dev/null; then
		ok "code $code is tested"
	else
		not_ok "code $code is tested" "no test under tests/ shows [$code]"
	fi
done
finish
