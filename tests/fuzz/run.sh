#!/usr/bin/env bash
# The fuzz target's corpus replayed once: every golden and example file and
# every input in tests/fuzz/corpus (crashes found by `make fuzz`, kept once
# fixed) through compile, the diagnostics' text and JSON, and build, with
# the target's invariants (tests/fuzz/tool_fuzz.c) under the sanitizers.
#   tests/fuzz/run.sh /abs/path/to/infrac    (tool_fuzz is built beside it)
set -u
. "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
infrac=${1:?usage: run.sh INFRAC}
tool=$(dirname "$infrac")/tests/fuzz/tool_fuzz
shopt -s nullglob
inputs=("$root"/tests/golden/check/*.infra "$root"/examples/*.infra "$here"/corpus/*)
if out=$("$tool" "${inputs[@]}" 2>&1); then
	ok "corpus of ${#inputs[@]} inputs replayed"
else
	not_ok "corpus of ${#inputs[@]} inputs replayed" "$out"
fi
finish
