#!/usr/bin/env bash
# Robustness: every byte-wise prefix of examples/becker.infra and a few
# thousand seeded mutations of it through the given (sanitized) infrac.
# Each run must exit 0 or 1: no crash, no sanitizer report, no hang.
# Then the files a user hands it by mistake (inputs.py): binary files,
# control characters, invalid UTF-8, FIFOs, /dev/zero, a directory, a file
# over the size cap and a 10 MB broken line, each one bounded error.
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
if out=$(python3 "$here/inputs.py" "$infrac" "$root/examples/becker.infra" 2>&1); then
	echo "$out" | tail -1
	ok "hostile files: one bounded, escaped error each"
else
	not_ok "hostile files: one bounded, escaped error each" "$out"
fi
finish
