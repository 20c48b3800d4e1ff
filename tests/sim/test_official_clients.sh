#!/usr/bin/env bash
# Cross-checks the simulator with the official clients packaged by Debian:
# the hcloud CLI (hcloud-cli) and the python module (python3-hcloud).
# Each check prints "ok - ..." or "not ok - ..."; the last line is
# "N passed, M failed" and the exit status is non-zero on any failure.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python3}           # runs the simulator; any python3 will do
CLIENT_PYTHON=/usr/bin/python3      # python3-hcloud is installed for this one only

WORK=$(mktemp -d)
SIM_PID=""
cleanup() {
    if [ -n "$SIM_PID" ]; then
        kill "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# No ~/.config/hcloud/cli.toml may leak in: the CLI takes endpoint and token from the env.
export HOME="$WORK/home"
mkdir -p "$HOME"

passed=0
failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() {
    echo "not ok - $1"
    failed=$((failed + 1))
    if [ -n "${2:-}" ]; then
        sed 's/^/    /' <<<"$2" | head -20 # indented detail
    fi
}
check() { # check DESCRIPTION COMMAND... ; passes when the command succeeds
    local what=$1
    shift
    if "$@"; then ok "$what"; else not_ok "$what"; fi
}
summary() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# ---------------------------------------------------------------- prerequisites
missing=""
command -v hcloud >/dev/null 2>&1 || missing="$missing hcloud-cli"
"$CLIENT_PYTHON" -c 'import hcloud' 2>/dev/null || missing="$missing python3-hcloud"
if [ -n "$missing" ]; then
    not_ok "official clients installed (apt-get install -y$missing)"
    summary || exit 1
fi

# ---------------------------------------------------------------- simulator
"$PYTHON" "$HERE/hcloud_sim.py" --port 0 --port-file "$WORK/port" --action-seconds 0.2 \
    >"$WORK/sim.out" 2>"$WORK/sim.err" &
SIM_PID=$!
for _ in $(seq 100); do
    [ -s "$WORK/port" ] && break
    sleep 0.05
done
if [ ! -s "$WORK/port" ]; then
    not_ok "simulator starts" "$(cat "$WORK/sim.err")"
    summary || exit 1
fi
PORT=$(cat "$WORK/port")
ok "simulator starts ($(head -n1 "$WORK/sim.out"))"

export HCLOUD_ENDPOINT="http://127.0.0.1:$PORT/v1"
HCLOUD_TOKEN=$(printf 'c%.0s' $(seq 64))
export HCLOUD_TOKEN

# simctl METHOD PATH [JSON] -> prints the JSON answer of the control API
simctl() {
    "$PYTHON" - "http://127.0.0.1:$PORT/_sim/$2" "$1" "${3:-}" <<'EOF'
import sys, urllib.request
url, method, body = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request(url, data=body.encode() if body else None, method=method)
print(urllib.request.urlopen(req, timeout=10).read().decode())
EOF
}

# jq-free JSON probing: jsonq EXPRESSION reads JSON on stdin as `d` and prints eval(EXPRESSION)
jsonq() { "$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

# Requests logged after request number $1, one "STATUS METHOD PATH" per line.
requests_since() {
    simctl GET "requests?since=$1" | jsonq '"\n".join("%s %s %s" % (r["status"], r["method"], r["path"]) for r in d["requests"])'
}
request_count() { simctl GET requests | jsonq 'd["count"]'; }

# hc ARGS... -> runs the CLI, output in $out, exit status in $rc
hc() {
    rc=0
    out=$(hcloud --poll-interval 100ms "$@" 2>&1) || rc=$?
}

# ---------------------------------------------------------------- hcloud CLI
"$PYTHON" - >"$WORK/key.pub" <<'EOF'
import base64
blob = b"\x00\x00\x00\x0bssh-ed25519" + b"\x00\x00\x00\x20" + bytes(range(100, 132))
print("ssh-ed25519 " + base64.b64encode(blob).decode() + " cli@test")
EOF
printf '#cloud-config\nruncmd:\n  - [touch, /root/simulated]\n' >"$WORK/user-data.yaml"

hc ssh-key create --name cli-key --public-key-from-file "$WORK/key.pub"
check "cli: ssh-key create" [ "$rc" -eq 0 ]
if [[ "$out" == "SSH key 200001 created" ]]; then
    ok "cli: ssh-key create prints the new id"
else
    not_ok "cli: ssh-key create prints the new id" "$out"
fi

n0=$(request_count)
hc server create --name web1 --type cpx22 --image ubuntu-24.04 --location nbg1 \
    --label env=prod --label role=web --user-data-from-file "$WORK/user-data.yaml" --ssh-key cli-key
if [ "$rc" -eq 0 ] && [[ "$out" == *"Server 100001 created"* ]] && [[ "$out" == *"IPv4: 127.0.0.1"* ]]; then
    ok "cli: server create (waits for create_server and start_server)"
else
    not_ok "cli: server create (waits for create_server and start_server)" "$out"
fi
posted=$(simctl GET "requests?since=$n0" | jsonq '[r["body"] for r in d["requests"] if r["method"] == "POST" and r["path"] == "/v1/servers"][0]')
body_ok=$(simctl GET "requests?since=$n0" | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
b = [r["body"] for r in d["requests"] if r["method"] == "POST" and r["path"] == "/v1/servers"][0]
ok = (b["server_type"] == "cpx22" and isinstance(b["image"], int) and b["location"] == "nbg1"
      and b["labels"] == {"env": "prod", "role": "web"} and b["ssh_keys"] == [200001]
      and b["user_data"] == open(sys.argv[1]).read() and b["start_after_create"] is True)
print("yes" if ok else "no")' "$WORK/user-data.yaml")
if [ "$body_ok" = yes ]; then
    ok "cli: create body carries type, image id, labels, ssh key id and user data"
else
    not_ok "cli: create body carries type, image id, labels, ssh key id and user data" "$posted"
fi
status=$(simctl GET state | jsonq '[s["status"] for s in d["servers"] if s["name"] == "web1"][0]')
check "cli: server is running once the CLI returns" [ "$status" = running ]

hc server create --name db1 --type cpx22 --image debian-12 --location fsn1 --label env=dev --label role=db
check "cli: second server create" [ "$rc" -eq 0 ]

hc server list -o columns=name,type,status,location -o noheader
lines=$(printf '%s\n' "$out" | awk '{print $1, $2, $3, $4}')
if [ "$rc" -eq 0 ] && [ "$lines" = $'web1 cpx22 running nbg1\ndb1 cpx22 running fsn1' ]; then
    ok "cli: server list with columns"
else
    not_ok "cli: server list with columns" "$out"
fi

hc server list -l 'env=prod,role!=db' -o columns=name -o noheader
if [ "$rc" -eq 0 ] && [ "$(printf '%s' "$out" | tr -d ' ')" = web1 ]; then
    ok "cli: server list -l label selector"
else
    not_ok "cli: server list -l label selector" "$out"
fi

hc server list -l 'role in (db,cache)' -o columns=name -o noheader
if [ "$rc" -eq 0 ] && [ "$(printf '%s' "$out" | tr -d ' ')" = db1 ]; then
    ok "cli: server list -l set-based selector"
else
    not_ok "cli: server list -l set-based selector" "$out"
fi

hc server list -o json
names=$(printf '%s' "$out" | jsonq '",".join("%s:%s:%s" % (s["name"], s["server_type"]["name"], s["labels"].get("env")) for s in d)' 2>/dev/null || true)
if [ "$rc" -eq 0 ] && [ "$names" = "web1:cpx22:prod,db1:cpx22:dev" ]; then
    ok "cli: server list -o json"
else
    not_ok "cli: server list -o json" "$out"
fi

hc server describe web1
if [ "$rc" -eq 0 ] && grep -Eq '^Name:[[:space:]]+web1$' <<<"$out" && grep -Eq '^Status:[[:space:]]+running$' <<<"$out" \
    && grep -Eq '^    Name:[[:space:]]+nbg1$' <<<"$out" && grep -Eq '^Server Type:[[:space:]]+cpx22' <<<"$out" \
    && grep -Eq '^  Name:[[:space:]]+nbg1-dc3$' <<<"$out" && grep -Eq '^  Included:[[:space:]]+20 TiB$' <<<"$out" \
    && grep -Eq '^  env: prod$' <<<"$out"; then
    ok "cli: server describe"
else
    not_ok "cli: server describe" "$out"
fi

hc server change-type web1 cpx32
if [ "$rc" -ne 0 ] && [[ "$out" == *"(server_not_stopped)"* ]]; then
    ok "cli: change-type on a running server fails with server_not_stopped"
else
    not_ok "cli: change-type on a running server fails with server_not_stopped" "$out"
fi

hc server poweroff web1
if [ "$rc" -eq 0 ] && [[ "$out" == *"Server 100001 stopped"* ]]; then
    ok "cli: server poweroff"
else
    not_ok "cli: server poweroff" "$out"
fi

hc server change-type web1 cpx32
if [ "$rc" -eq 0 ] && [[ "$out" == *"changed to type cpx32"* ]]; then
    ok "cli: server change-type"
else
    not_ok "cli: server change-type" "$out"
fi

hc server list -o columns=name,type,status,primary_disk_size -o noheader
row=$(printf '%s\n' "$out" | awk '$1 == "web1" {print $2, $3, $4}')
if [ "$row" = "cpx32 off 160" ]; then
    ok "cli: listed type and disk after change-type"
else
    not_ok "cli: listed type and disk after change-type" "$out"
fi

hc server change-type web1 cpx22 --keep-disk
if [ "$rc" -ne 0 ] && [[ "$out" == *"(invalid_server_type)"* ]]; then
    ok "cli: downgrade after a disk upgrade fails with invalid_server_type"
else
    not_ok "cli: downgrade after a disk upgrade fails with invalid_server_type" "$out"
fi

hc server poweron web1
if [ "$rc" -eq 0 ] && [[ "$out" == *"Server 100001 started"* ]]; then
    ok "cli: server poweron"
else
    not_ok "cli: server poweron" "$out"
fi
hc server list -o columns=name,status -o noheader
if [ "$(printf '%s\n' "$out" | awk '$1 == "web1" {print $2}')" = running ]; then
    ok "cli: running again after poweron"
else
    not_ok "cli: running again after poweron" "$out"
fi

# 409 conflict is retried by the CLI (hcloud-go 1.35 retries it with backoff).
n0=$(request_count)
simctl POST faults '{"kind":"status","status":409,"count":2,"path":"^/servers$"}' >/dev/null
hc server list -o columns=name -o noheader
seen=$(requests_since "$n0" | awk '{print $1}' | tr '\n' ' ')
if [ "$rc" -eq 0 ] && [ "$seen" = "409 409 200 " ] && [[ "$out" == *web1* ]]; then
    ok "cli: 409 conflict is retried until it succeeds"
else
    not_ok "cli: 409 conflict is retried until it succeeds" "rc=$rc seen=$seen $out"
fi

# 500 and 429 are not retried by this CLI version; the error code is shown.
for fault in "500 server_error" "429 rate_limit_exceeded" "503 unavailable"; do
    set -- ${fault} # status, code
    n0=$(request_count)
    simctl POST faults "{\"kind\":\"status\",\"status\":$1}" >/dev/null
    hc server list
    seen=$(requests_since "$n0" | awk '{print $1}' | tr '\n' ' ')
    if [ "$rc" -eq 1 ] && [[ "$out" == *"($2)"* ]] && [ "$seen" = "$1 " ]; then
        ok "cli: $1 gives a clean '($2)' error without retry"
    else
        not_ok "cli: $1 gives a clean '($2)' error without retry" "rc=$rc seen=$seen $out"
    fi
done

hc server describe 999999
if [ "$rc" -eq 1 ] && [ "$out" = "hcloud: server not found: 999999" ]; then
    ok "cli: unknown server id gives a clean not-found error"
else
    not_ok "cli: unknown server id gives a clean not-found error" "$out"
fi
if [[ "$(requests_since "$(( $(request_count) - 1 ))")" == "404 GET /v1/servers/999999" ]]; then
    ok "cli: the lookup was answered 404"
else
    not_ok "cli: the lookup was answered 404" "$(requests_since 0 | tail -3)"
fi

hc server delete no-such-server
if [ "$rc" -eq 1 ] && [ "$out" = "hcloud: Server not found: no-such-server" ]; then
    ok "cli: delete of an unknown name fails cleanly"
else
    not_ok "cli: delete of an unknown name fails cleanly" "$out"
fi

simctl POST faults '{"kind":"action_error","command":"stop_server","message":"hypervisor unreachable"}' >/dev/null
hc server poweroff db1
if [ "$rc" -ne 0 ] && [[ "$out" == *"hypervisor unreachable"* ]]; then
    ok "cli: a failed action is reported with its error"
else
    not_ok "cli: a failed action is reported with its error" "rc=$rc $out"
fi

hc server delete web1
if [ "$rc" -eq 0 ] && [[ "$out" == *"Server web1 deleted"* ]]; then
    ok "cli: server delete"
else
    not_ok "cli: server delete" "$out"
fi
hc server list -o columns=name -o noheader
if [ "$rc" -eq 0 ] && [ "$(printf '%s' "$out" | tr -d ' ')" = db1 ]; then
    ok "cli: deleted server no longer listed"
else
    not_ok "cli: deleted server no longer listed" "$out"
fi

# ---------------------------------------------------------------- placement groups and snapshots
hc placement-group create --name cli-lock --type spread --label infrac/lock-holder=alice
if [ "$rc" -eq 0 ] && [ "$out" = "Placement group 700001 created" ]; then
    ok "cli: placement-group create"
else
    not_ok "cli: placement-group create" "$out"
fi
hc placement-group create --name cli-lock --type spread
if [ "$rc" -eq 1 ] && [[ "$out" == *"(uniqueness_error)"* ]]; then
    ok "cli: a second placement group of the same name is a uniqueness_error"
else
    not_ok "cli: a second placement group of the same name is a uniqueness_error" "$out"
fi
hc placement-group add-label cli-lock infrac/lock-pid=42
check "cli: placement-group add-label" [ "$rc" -eq 0 ]
hc placement-group list -l infrac/lock-holder=alice -o columns=id,name,type -o noheader
if [ "$rc" -eq 0 ] && [ "$(printf '%s' "$out" | tr -s ' ')" = "700001 cli-lock spread" ]; then
    ok "cli: placement-group list -l label selector"
else
    not_ok "cli: placement-group list -l label selector" "$out"
fi
hc placement-group describe cli-lock
if [ "$rc" -eq 0 ] && grep -Eq '^Type:[[:space:]]+spread$' <<<"$out" && grep -Eq '^  infrac/lock-pid: 42$' <<<"$out" \
    && grep -Eq '^  infrac/lock-holder: alice$' <<<"$out"; then
    ok "cli: placement-group describe (by name) shows the labels"
else
    not_ok "cli: placement-group describe (by name) shows the labels" "$out"
fi
hc server create --name pg1 --type cpx22 --image debian-12 --placement-group cli-lock
hc placement-group list -o columns=name,servers -o noheader
if [ "$rc" -eq 0 ] && [ "$(printf '%s' "$out" | tr -s ' ')" = "cli-lock 1 server" ]; then
    ok "cli: a server created in the placement group is listed in it"
else
    not_ok "cli: a server created in the placement group is listed in it" "$out"
fi
hc server enable-protection pg1 delete rebuild
hc server describe pg1
if grep -Eq '^  Delete:[[:space:]]+yes$' <<<"$out" && grep -Eq '^  Rebuild:[[:space:]]+yes$' <<<"$out"; then
    ok "cli: server enable-protection"
else
    not_ok "cli: server enable-protection" "$out"
fi
hc server create-image --type snapshot --description before-change --label infrac/project=becker pg1
if [ "$rc" -eq 0 ] && [ "$out" = "Image 600001 created from server $(simctl GET state | jsonq '[s["id"] for s in d["servers"] if s["name"] == "pg1"][0]')" ]; then
    ok "cli: server create-image waits for create_image"
else
    not_ok "cli: server create-image waits for create_image" "$out"
fi
hc image list -t snapshot -l infrac/project=becker -o columns=id,type,description,image_size,disk_size -o noheader
if [ "$rc" -eq 0 ] && [ "$(printf '%s' "$out" | tr -s ' ')" = "600001 snapshot before-change 4.00 GB 80 GB" ]; then
    ok "cli: image list -t snapshot -l shows the available snapshot"
else
    not_ok "cli: image list -t snapshot -l shows the available snapshot" "$out"
fi
hc server delete pg1
if [ "$rc" -ne 0 ] && [[ "$out" == *"(protected)"* ]]; then
    ok "cli: a protected server is not deleted"
else
    not_ok "cli: a protected server is not deleted" "$out"
fi
hc image delete 600001
check "cli: image delete" [ "$rc" -eq 0 ]
hc placement-group delete cli-lock
if [ "$rc" -eq 0 ] && [ "$out" = "placement group cli-lock deleted" ]; then
    ok "cli: placement-group delete (no body, no JSON)"
else
    not_ok "cli: placement-group delete (no body, no JSON)" "$out"
fi
left=$(simctl GET state | jsonq 'len(d["placement_groups"]) + len(d["images"])')
check "cli: no placement group and no snapshot left" [ "$left" = 0 ]

# ---------------------------------------------------------------- networks
hc network create --name cli-net --ip-range 10.0.0.0/16 --label infrac/project=becker
if [ "$rc" -eq 0 ] && [ "$out" = "Network 800001 created" ]; then
    ok "cli: network create"
else
    not_ok "cli: network create" "$out"
fi
hc network add-subnet cli-net --type cloud --network-zone eu-central --ip-range 10.0.0.0/24
check "cli: network add-subnet waits for add_subnet" [ "$rc" -eq 0 ]
hc network add-subnet cli-net --type cloud --network-zone eu-central --ip-range 10.1.0.0/24
if [ "$rc" -ne 0 ] && [[ "$out" == *"(invalid_input)"* ]]; then
    ok "cli: a subnet outside the network's range is invalid_input"
else
    not_ok "cli: a subnet outside the network's range is invalid_input" "$out"
fi
hc server create --name net1 --type cpx22 --image debian-12 --location fsn1
hc server attach-to-network --network cli-net --ip 10.0.0.2 net1
check "cli: server attach-to-network waits for attach_to_network" [ "$rc" -eq 0 ]
hc server create --name net2 --type cpx22 --image debian-12 --location fsn1
hc server attach-to-network --network cli-net --ip 10.0.0.2 net2
if [ "$rc" -ne 0 ] && [[ "$out" == *"(ip_not_available)"* ]]; then
    ok "cli: an address in use is ip_not_available"
else
    not_ok "cli: an address in use is ip_not_available" "$out"
fi
hc network create --name cli-net2 --ip-range 10.0.0.0/8
hc network add-subnet cli-net2 --type cloud --network-zone eu-central --ip-range 10.200.0.0/24
hc server attach-to-network --network cli-net2 net1
if [ "$rc" -ne 0 ] && [[ "$out" == *"(networks_overlap)"* ]]; then
    ok "cli: a second network overlapping the server's is networks_overlap"
else
    not_ok "cli: a second network overlapping the server's is networks_overlap" "$out"
fi
hc server describe net1
if [ "$rc" -eq 0 ] && grep -Eq '^    IP:[[:space:]]+10\.0\.0\.2$' <<<"$out"; then
    ok "cli: server describe shows the private address"
else
    not_ok "cli: server describe shows the private address" "$out"
fi
hc network describe cli-net
if [ "$rc" -eq 0 ] && grep -Eq 'IP Range:[[:space:]]+10\.0\.0\.0/24' <<<"$out" && grep -Eq 'Gateway:[[:space:]]+10\.0\.0\.1' <<<"$out"; then
    ok "cli: network describe shows the subnet and its gateway"
else
    not_ok "cli: network describe shows the subnet and its gateway" "$out"
fi
hc network enable-protection cli-net delete
hc network delete cli-net
if [ "$rc" -ne 0 ] && [[ "$out" == *"(protected)"* ]]; then
    ok "cli: a protected network is not deleted"
else
    not_ok "cli: a protected network is not deleted" "$out"
fi
hc network disable-protection cli-net delete
hc server detach-from-network --network cli-net net1
check "cli: server detach-from-network waits for detach_from_network" [ "$rc" -eq 0 ]
hc network delete cli-net
check "cli: network delete" [ "$rc" -eq 0 ]
hc network delete cli-net2
left=$(simctl GET state | jsonq 'len(d["networks"]) + sum(len(s["private_net"]) for s in d["servers"])')
check "cli: no network and no attachment left" [ "$left" = 0 ]
hc server delete net1
hc server delete net2

# ---------------------------------------------------------------- python3-hcloud
simctl POST reset >/dev/null
py_out="$WORK/python.out"
py_rc=0
"$CLIENT_PYTHON" "$HERE/test_python_client.py" "http://127.0.0.1:$PORT" >"$py_out" 2>"$WORK/python.err" || py_rc=$?
{ grep -E '^(not )?ok - ' "$py_out" || true; } | sed 's/^\(not \)\{0,1\}ok - /&python: /'
last=$(tail -n1 "$py_out")
if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
    if [ "$py_rc" -ne 0 ] && [ "${BASH_REMATCH[2]}" -eq 0 ]; then
        not_ok "python: test_python_client.py exit status" "$(tail -20 "$WORK/python.err")"
    fi
else
    not_ok "python: test_python_client.py ran to the end" "$(tail -20 "$WORK/python.err")"
fi
if [ "${BASH_REMATCH[2]:-1}" != 0 ] && [ -s "$WORK/python.err" ]; then
    sed 's/^/    /' "$WORK/python.err" | tail -30
fi

summary
