#!/usr/bin/env bash
# make bench: infrac lsp's change-to-diagnostics latency on a 10,000-line
# file.  Not a test: it prints figures (see docs/lsp.md).
#   tests/bench-lsp/run.sh path/to/infrac
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/bench.py" "${1:?usage: run.sh INFRAC}" --runs "${RUNS:-40}"
