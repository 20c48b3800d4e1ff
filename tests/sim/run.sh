#!/usr/bin/env bash
# Runs all simulator tests: the simulator's own tests (test_sim.py) and the
# cross-check with the official clients (test_official_clients.sh).
# Ends with "N passed, M failed" summed over both; non-zero exit on failure.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python3}
export PYTHON

total_passed=0
total_failed=0
status=0

run() { # run NAME COMMAND...
    local name=$1 out rc last
    shift
    echo "# $name"
    out=$(mktemp)
    "$@" 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n1)
    rm -f "$out"
    if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
        total_passed=$((total_passed + BASH_REMATCH[1]))
        total_failed=$((total_failed + BASH_REMATCH[2]))
    else
        echo "not ok - $name did not report a summary"
        total_failed=$((total_failed + 1))
    fi
    if [ "$rc" -ne 0 ]; then
        status=1
    fi
}

run "simulator tests" "$PYTHON" "$HERE/test_sim.py"
run "official clients" bash "$HERE/test_official_clients.sh"

echo "$total_passed passed, $total_failed failed"
if [ "$total_failed" -ne 0 ]; then
    status=1
fi
exit "$status"
