#!/usr/bin/env bash
# make bench: throughput and peak memory of `infrac check` on generated
# inputs at two sizes (bench.py), then every command at about 1, 10 and
# 100 MB with a linearity and memory verdict each (commands.py).  Not a
# test: it prints figures (see docs/bench.md).
#   tests/bench/run.sh path/to/infrac
set -eu
here=$(cd "$(dirname "$0")" && pwd)
python3 "$here/bench.py" "${1:?usage: run.sh INFRAC}" --runs "${RUNS:-9}"
echo
python3 "$here/commands.py" "$1" --sizes "${SIZES:-1,10,100}" --runs "${CMD_RUNS:-3}"
