#!/usr/bin/env bash
# Benchmark of infrac plan against the API simulator: requests and wall
# time for projects of 10, 100 and 1,000 servers that exist exactly as the
# file says (the plan finds no changes, after reading everything).
# Prints a table and writes it to docs/bench-plan.md.
#   tests/bench-plan/run.sh path/to/infrac
set -eu
INFRAC=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
cd "$REPO"
# the simulator's figures only: no image registry is asked (docs/plan.md)
export INFRAC_REGISTRY=off
TMP=$(mktemp -d)
SIM_PID=
trap '[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null; rm -rf "$TMP"' EXIT

python3 tests/sim/hcloud_sim.py --port 0 --port-file "$TMP/port" >"$TMP/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.05; done
BASE="http://127.0.0.1:$(cat "$TMP/port")"
ctl() { python3 tests/plan/simctl.py "$BASE" "$@"; }
ms() { date +%s%3N; }

rows=""
for n in 10 100 1000; do
	python3 tests/plan/gen.py "$n" >"$TMP/b.infra"
	env -u HCLOUD_TOKEN "$INFRAC" plan "$TMP/b.infra" --phase all --json >"$TMP/b.json" || [ $? = 2 ]
	ctl reset
	ctl seed "$TMP/b.json"
	before=$(ctl requests)
	t0=$(ms)
	rc=0
	TIMEFORMAT='%3U %3S'
	{ time HCLOUD_TOKEN=bench HCLOUD_ENDPOINT="$BASE/v1" "$INFRAC" plan "$TMP/b.infra" \
		--phase all >"$TMP/out" 2>&1 || rc=$?; } 2>"$TMP/cpu"
	t1=$(ms)
	cpu=$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$TMP/cpu")
	after=$(ctl requests)
	if [ "$rc" != 0 ]; then
		echo "bench-plan: plan of $n servers exited $rc:" >&2
		cat "$TMP/out" >&2
		exit 1
	fi
	rows="$rows| $n | $((after - before)) | $((t1 - t0)) | $cpu |
"
done

table="| servers | API requests | wall time (ms) | infrac CPU time (ms) |
|---:|---:|---:|---:|
$rows"
printf '%s' "$table"
{
	echo "# infrac plan: requests and time"
	echo
	echo "Measured by \`make bench\` (tests/bench-plan/run.sh) against the API simulator on"
	echo "the loopback interface: a project of N servers (each with its firewall, one shared"
	echo "ssh key) that matches the file, so plan reads everything and finds no changes."
	echo
	printf '%s' "$table"
	echo
	echo "The requests are: server types, locations, ssh keys, one image lookup, DNS zones,"
	echo "the apply lock (is an apply running?), and ceil(N/50) pages each of firewalls and"
	echo "servers: O(N/50), not one request per resource. Wall time includes process start"
	echo "and compiling the file, and is mostly the simulator's: it answers a page of"
	echo "servers more slowly the more servers and firewalls it holds. CPU time is infrac's"
	echo "own (user + system). Against the real API each request costs a network round trip."
} >docs/bench-plan.md
