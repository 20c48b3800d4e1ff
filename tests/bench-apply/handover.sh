#!/usr/bin/env bash
# Benchmark of a redeploy under load: examples/becker.infra's production
# phase on the real-engine harness (tests/engine: a network namespace with
# its own dockerd, sshd and registry), then odoo_prod's image changed
# under the same tag and `infrac apply --redeploy odoo_prod` run while
# 25 requests a second go to its domain over https (tests/engine/load.py):
# RUNS times with the zero-downtime handover, RUNS times with
# INFRAC_HANDOVER=off (the container recreated in place).  Prints a
# markdown table (failed requests, the longest time without an answer,
# the apply's wall time) on stdout; progress on stderr.
#   tests/bench-apply/handover.sh path/to/infrac
set -u
INFRAC=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ENG=$REPO/tests/engine
. "$ENG/engine.sh"
. "$ENG/images.sh"
RUNS=${RUNS:-3}
W=$(mktemp -d /tmp/infrac-bench-handover.XXXXXX)
chmod 755 "$W"
SIM_PID= LOAD_PID=
cleanup() {
	[ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null && wait "$LOAD_PID" 2>/dev/null
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	engine_stop
	rm -rf "$W"
}
trap cleanup EXIT
fail() { echo "bench-handover: $*" >&2; exit 1; }

engine_start && engine_sshd_start && engine_registry_start || fail "the engine did not start"
IMAGES_LOG=$W/images.log images_build_all && images_publish || fail "the images did not build"
python3 "$REPO/tests/sim/hcloud_sim.py" --port 0 --port-file "$W/sim.port" \
	--action-seconds 0.05 --server-ip "$ENGINE_NS_IP" > "$W/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 100); do [ -s "$W/sim.port" ] && break; sleep 0.05; done
export HCLOUD_TOKEN=bench HCLOUD_ENDPOINT=http://127.0.0.1:$(cat "$W/sim.port")/v1
export PG_PASSWORD=pg-$$-bench ANTHROPIC_API_KEY=ak-$$-bench
export INFRAC_SSH_USER=root INFRAC_SSH_PORT=$ENGINE_SSH_PORT INFRAC_SSH_IDENTITY=$ENGINE_SSH_KEY
export INFRAC_REMOTE_ROOT=$W/remote XDG_STATE_HOME=$W/state INFRAC_ACTION_POLL_MS=20
export INFRAC_REMOTE_AUTHORIZED_KEYS=$ENGINE_TMP/ssh/authorized_keys NO_COLOR=1
mkdir -p "$W/remote" "$W/state"
cp -a "$REPO/examples/becker.infra" "$REPO/examples/keys" "$W/"
ODOO=odoo.becker-sicherheit.de
timeout 400 "$INFRAC" apply "$W/becker.infra" --phase production --yes > "$W/out" 2>&1 ||
	fail "the first apply failed: $(tail -20 "$W/out")"

# one redeploy under load: MODE (handover|in place) N; prints a table row
redeploy() {
	local mode=$1 n=$2 t0 t1
	printf 'FROM odoo:17\nENV STANDIN_VERSION=%s\n' "$n" | docker build -q -t odoo:17 - >/dev/null &&
		images_publish odoo:17 || fail "image $n"
	rm -f "$W/stop"
	engine_in_ns python3 "$ENG/load.py" "$ODOO" 127.0.0.1 25 300 "$W/stop" > "$W/load.json" 2>&1 &
	LOAD_PID=$!
	sleep 2
	t0=$(date +%s%N)
	if [ "$mode" = handover ]; then
		timeout 400 "$INFRAC" apply "$W/becker.infra" --phase production --yes --redeploy odoo_prod
	else
		INFRAC_HANDOVER=off timeout 400 "$INFRAC" apply "$W/becker.infra" --phase production \
			--yes --redeploy odoo_prod
	fi > "$W/out" 2>&1 || fail "apply ($mode) failed: $(tail -20 "$W/out")"
	t1=$(date +%s%N)
	# until the new image answers, at most 30 s more of load
	for _ in $(seq 30); do
		engine_in_ns curl -sk --max-time 5 --resolve "$ODOO:443:127.0.0.1" "https://$ODOO/" |
			grep -q "version=$n" && break
		sleep 1
	done
	sleep 2
	touch "$W/stop"
	wait "$LOAD_PID"
	LOAD_PID=
	python3 - "$W/load.json" "$mode" "$(( (t1 - t0) / 1000000 ))" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("| %s | %d | %d | %.1f | %d | %.1f |" % (sys.argv[2], d["sent"], d["failed"], d["rate"],
      d["longest_gap_ms"], int(sys.argv[3]) / 1000))
PY
}

echo "| redeploy of odoo_prod | requests sent | failed | requests/s | longest gap (ms) | apply (s) |"
echo "|---|---:|---:|---:|---:|---:|"
n=1
for mode in handover "in place"; do
	for _ in $(seq "$RUNS"); do
		n=$((n + 1))
		redeploy "$mode" "$n"
		echo "bench-handover: $mode run done" >&2
	done
done
