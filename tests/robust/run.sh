#!/usr/bin/env bash
# Robustness: every byte-wise prefix of examples/becker.infra and a few
# thousand seeded mutations of it through the given (sanitized) infrac.
# Each run must exit 0 or 1: no crash, no sanitizer report, no hang.
#   tests/robust/run.sh /abs/path/to/infrac     (MUTANTS=N, SEED=S to vary)
set -u
. "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
infrac=${1:?usage: run.sh INFRAC}
save=${TMPDIR:-/tmp}

if out=$(python3 "$here/mutate.py" "$infrac" "$root/examples/becker.infra" \
	"$root/examples/keys" --mutants "${MUTANTS:-3000}" --seed "${SEED:-20260205}" \
	--jobs 2 --save "$save" 2>&1); then
	echo "$out"
	ok "prefixes and mutants of becker.infra"
else
	not_ok "prefixes and mutants of becker.infra" "$out"
fi
finish
