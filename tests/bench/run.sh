#!/usr/bin/env bash
# make bench: throughput and peak memory of `infrac check` on generated
# inputs at two sizes.  Not a test: it prints figures (see docs/bench.md).
#   tests/bench/run.sh path/to/infrac
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/bench.py" "${1:?usage: run.sh INFRAC}" --runs "${RUNS:-9}"
