#!/usr/bin/env bash
# The API client (runtime/cloud/hcloud.c) against the simulator, through
# tests/cloud/tool_cloud: server protection set and waited for, and read
# back from the server; snapshots made with labels and waited for, listed
# by label, a failed one reported; placement groups created, found, got,
# and a name taken twice; the apply lock (runtime/cloud/teamlock.c) taken
# by eight processes at once, exactly one of which holds it, and taken
# over from a holder killed on this machine.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
INFRAC=${1:?usage: run.sh ABSOLUTE_PATH_TO_INFRAC}
TOOL=$(dirname "$INFRAC")/tests/cloud/tool_cloud
[ -x "$TOOL" ] || { echo "cloud: $TOOL missing (make builds it)"; exit 1; }
WORK=$(mktemp -d /tmp/infrac-cloud.XXXXXX)
SIM_PID= PIDS=
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

python3 "$HERE/../sim/hcloud_sim.py" --port 0 --port-file "$WORK/port" --action-seconds 0.2 \
	> "$WORK/sim.out" 2> "$WORK/sim.err" &
SIM_PID=$!
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.05; done
[ -s "$WORK/port" ] || { cat "$WORK/sim.err"; echo "simulator did not start"; exit 1; }
SIM=http://127.0.0.1:$(cat "$WORK/port")/_sim
export HCLOUD_ENDPOINT=http://127.0.0.1:$(cat "$WORK/port")/v1 HCLOUD_TOKEN=token-$$ INFRAC_HTTP_BACKOFF_MS=5
sim() { curl -sS -X "$1" "$SIM/$2" ${3:+-d "$3"}; }
jq_state() { sim GET state | python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
nreq() { sim GET health | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])'; }
paths() { # METHOD PATH of each request since $1
	sim GET "requests?since=$1" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["requests"]: print(r["method"], r["path"].split("?")[0])'
}
# tool ARGS...: stdout in $OUT, stderr in $ERR, status in $RC
tool() {
	"$TOOL" "$@" > "$WORK/out" 2> "$WORK/err"
	RC=$?
	OUT=$(cat "$WORK/out") ERR=$(cat "$WORK/err")
}
expect() { # expect WHAT RC STDOUT [STDERR-PART]
	if [ "$RC" = "$2" ] && [ "$OUT" = "$3" ] && [[ "$ERR" == *"${4:-}"* ]]; then ok "$1"
	else not_ok "$1" "exit $RC; stdout: $OUT; stderr: $ERR"; fi
}

sim POST seed '{"servers":[{"name":"db1","server_type":"cpx22"}]}' > /dev/null
SID=100001

# ---- protection -------------------------------------------------------------------
tool server $SID
expect "a new server is not protected" 0 "protect delete=0 rebuild=0"
sim POST config '{"command_seconds": {"change_protection": 0.5}}' > /dev/null
before=$(nreq)
tool protect $SID 1 1
expect "protect: delete and rebuild" 0 "protected"
check "  ... waited for its action: POST, then polls of /actions" \
	test "$(paths "$before" | sort -u | tr '\n' ' ')" = "GET /v1/actions POST /v1/servers/$SID/actions/change_protection "
check "  ... the action is done when it returns" \
	test "$(jq_state '[a["status"] for a in d["actions"] if a["command"] == "change_protection"]')" = "['success']"
tool server $SID
expect "  ... read back from the server's protection" 0 "protect delete=1 rebuild=1"
tool protect $SID 1 0
expect "protect with delete and rebuild apart: the API's 422" 1 "" "HTTP 422 invalid_input"
sim POST faults '{"kind":"action_error","command":"change_protection","message":"host busy"}' > /dev/null
tool protect $SID 0 0
expect "a failed change_protection action is an error" 1 "" "action change_protection failed: host busy"
sim POST config '{"command_seconds": {}}' > /dev/null
tool protect $SID 0 0
tool server $SID
expect "  ... and unprotecting works" 0 "protect delete=0 rebuild=0"

# ---- snapshots ---------------------------------------------------------------------
before=$(nreq)
tool snapshot $SID "before change" infrac/project=becker infrac/server=db1
expect "snapshot: the image's id once its action is done" 0 "image 600001"
check "  ... as the server's create_image, then polls" \
	test "$(paths "$before" | sort -u | tr '\n' ' ')" = "GET /v1/actions POST /v1/servers/$SID/actions/create_image "
check "  ... a snapshot, available, with its description and labels" \
	test "$(jq_state '[(i["type"], i["status"], i["description"], i["labels"]) for i in d["images"]]')" = \
	"[('snapshot', 'available', 'before change', {'infrac/project': 'becker', 'infrac/server': 'db1'})]"
tool snapshots infrac/project=becker
expect "listed by label: id, status, size in MB, disk in GB, server, description" 0 \
	"600001 available 4000 80 $SID before change"
tool snapshots "infrac/project=other"
expect "  ... not by another label" 0 ""
sim POST faults '{"kind":"action_error","command":"create_image","message":"disk busy"}' > /dev/null
tool snapshot $SID "doomed"
expect "a failed create_image: the error, and the id the API named" 1 "image 600002" \
	"action create_image failed: disk busy"
tool snapshots
expect "  ... the failed snapshot is not listed" 0 "600001 available 4000 80 $SID before change"
tool snapshot 100999 "nothing"
expect "a snapshot of a server that is not there: 404, no image" 1 "image 0" "HTTP 404 not_found"

# ---- placement groups -------------------------------------------------------------------
tool group-create becker-x team=db
expect "placement group create" 0 "group 700001 becker-x spread 0 team=db"
tool group-create becker-x
expect "  ... a second of that name: uniqueness_error" 1 "" "HTTP 409 uniqueness_error"
tool group-find becker-x
expect "  ... found by name" 0 "group 700001 becker-x spread 0 team=db"
tool group-find becker-y
expect "  ... an unknown name: none" 0 "none"
tool group-get 700001
expect "  ... got by id" 0 "group 700001 becker-x spread 0 team=db"
tool group-get 700999
expect "  ... an unknown id: 404" 1 "" "HTTP 404 not_found"

# ---- the apply lock: eight at once ------------------------------------------------------
PIDS=
for i in 1 2 3 4 5 6 7 8; do
	"$TOOL" lock race 3 > "$WORK/race$i.out" 2> "$WORK/race$i.err" &
	PIDS="$PIDS $!"
done
fails=0
for p in $PIDS; do wait "$p" || fails=$((fails + 1)); done
PIDS=
held=$(cat "$WORK"/race*.out | grep -c '^locked ')
refused=$(cat "$WORK"/race*.err | grep -c 'apply of race is running: held by ')
if [ "$held" = 1 ] && [ "$refused" = 7 ] && [ "$fails" = 7 ]; then
	ok "eight processes take the lock at once: one holds it, seven are refused"
else
	not_ok "eight processes take the lock at once: one holds it, seven are refused" \
		"held $held, refused $refused, failed $fails; $(cat "$WORK"/race*.err)"
fi
check "  ... and it is released" test "$(jq_state 'len(d["placement_groups"])')" = 1   # becker-x
"$TOOL" lock gone 30 > "$WORK/gone.out" 2>&1 &
GONE=$!
PIDS=$GONE
for _ in $(seq 100); do grep -q locked "$WORK/gone.out" && break; sleep 0.05; done
{ kill -9 "$GONE"; wait "$GONE"; } 2> /dev/null   # (bash would report the kill)
PIDS=
tool lock gone 0
if [ "$RC" = 0 ] && [[ "$OUT" == "locked "* ]] && [[ "$ERR" == *"took over the apply lock of gone left by "*"(pid $GONE)"*"which did not finish"* ]]; then
	ok "a lock whose holder was killed on this machine is taken over, and said so"
else
	not_ok "a lock whose holder was killed on this machine is taken over, and said so" "exit $RC; $OUT; $ERR"
fi
check "  ... and released" test "$(jq_state 'len(d["placement_groups"])')" = 1

finish
