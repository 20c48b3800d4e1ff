#!/usr/bin/env bash
# infrac status, logs, exec and ssh.  First against the Hetzner API
# simulator, with a real sshd on 127.0.0.1 whose stub `docker` answers
# what a server running shop.infra's phase live would (tests/apply/env.sh
# starts both): the text and JSON of status, its drift, logs with and
# without prefixes, exec and ssh with their exit statuses, each failing
# clearly (an unknown service or server, a server not at Hetzner, no
# container), and the user's ssh_config honoured by apply and ssh while
# the project's known_hosts stays the only one trusted.  Then, when this
# machine can (root), against a real Docker engine (tests/engine): one
# phase applied once, and status, logs, exec and ssh of it.
#   tests/day2/run.sh /abs/path/to/infrac
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
INFRAC=${1:?usage: run.sh ABSOLUTE_PATH_TO_INFRAC}
WORK=$(mktemp -d /tmp/infrac-day2.XXXXXX)
. "$HERE/../apply/env.sh"
trap env_cleanup EXIT

export HCLOUD_TOKEN=day2-token INFRAC_ACTION_POLL_MS=10 INFRAC_HEALTH_TIMEOUT=2
export INFRAC_TODAY=2026-03-01 NO_COLOR=1   # phase live
start_sshd
start_sim --action-seconds 0.02
cp "$HERE/shop.infra" "$WORK/"
FILE=$WORK/shop.infra
echo ok > "$WORK/mode"

# the stub docker: deploy's calls answered as tests/apply's stub does, and
# those of status (probe), logs and exec as web would; $WORK/mode says
# ok, drift (cache exited, app on another image), none (no containers),
# or slow and seq (the probe logs its start and end around 2 s or 0.5 s)
cat > "$WORK/stub/docker" <<STUB
#!/bin/sh
printf 'docker %s\n' "\$*" >> "$WORK/docker.log"
M=\$(cat "$WORK/mode")
case "\$*" in
"ps -aq "*) echo c1 c2 ;;
"ps -qa "* | "ps -q "*) [ "\$M" = none ] || echo c1 ;;
"inspect --format container"*)
	case "\$M" in slow) S=2 ;; seq) S=0.5 ;; *) S= ;; esac
	if [ -n "\$S" ]; then echo start >> "$WORK/probe.log"; sleep "\$S"; echo end >> "$WORK/probe.log"; fi
	up=\$(date -u -d @\$((\$(date +%s) - 3725)) +%Y-%m-%dT%H:%M:%S.123456789Z)
	if [ "\$M" = drift ]; then
		printf 'container\tapp\t/shop-app-1\trunning\thealthy\t0\t%s\tregistry.example/shop:1.3\n' "\$up"
		printf 'container\tcache\t/shop-cache-1\texited\t\t3\t%s\tredis:7\n' "\$up"
		printf 'container\told\t/shop-old-1\trunning\t\t0\t%s\tbusybox\n' "\$up"
	else
		printf 'container\tapp\t/shop-app-1\trunning\thealthy\t0\t%s\tregistry.example/shop:1.4\n' "\$up"
		printf 'container\tcache\t/shop-cache-1\trunning\thealthy\t1\t%s\tredis:7\n' "\$up"
	fi ;;
"inspect --format "*) echo "app|running|healthy|0"; echo "cache|running|healthy|0" ;;
"logs "*) echo "first known line"; echo "second known line" ;;
"exec -i c1 "* | "exec -it c1 "*) shift 3; exec "\$@" ;;
esac
exit 0
STUB

N_RUN=0
run() { # run infrac-args...: output in $WORK/out (stdout) and $WORK/err, status in $RC
	N_RUN=$((N_RUN + 1))
	timeout 60 "$INFRAC" "$@" < /dev/null > "$WORK/out" 2> "$WORK/err"
	RC=$?
}
has() { grep -qF -- "$2" "$WORK/$1"; }
expect() { # expect WHAT RC STREAM TEXT...
	local what=$1 rc=$2 s=$3 t good=1
	shift 3
	[ "$RC" = "$rc" ] || good=
	for t in "$@"; do has "$s" "$t" || good=; done
	if [ -n "$good" ]; then ok "$what"; else
		not_ok "$what" "exit $RC (want $rc); stdout: $(cat "$WORK/out"); stderr: $(cat "$WORK/err")"; fi
}

# ---- the apply, through the user's ssh_config -----------------------------------
cat > "$WORK/ssh_config" <<EOC
Host *
  PermitLocalCommand yes
  LocalCommand touch $WORK/config-read
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
EOC
export INFRAC_SSH_CONFIG=$WORK/ssh_config
run apply "$FILE" --yes
expect "apply of phase live" 0 out "shop-web"
[ -e "$WORK/config-read" ] && ok "apply's deploy reads the user's ssh_config" ||
	not_ok "apply's deploy reads the user's ssh_config" "no $WORK/config-read"
KH=$WORK/state/infrac/known_hosts/shop
grep -q "127.0.0.1" "$KH" 2>/dev/null && ok "apply records the host key in the project's known_hosts, not the config's" ||
	not_ok "apply records the host key in the project's known_hosts" "$(cat "$KH" 2>&1)"
REL=$(basename "$(readlink "$WORK/remote/shop/current")")

# ---- status ----------------------------------------------------------------------
run status "$FILE"
expect "status: the server at Hetzner and what runs on it" 0 out \
	"project shop, phase live: 1 server" "server web (shop-web): running, cpx22, public 127.0.0.1, private -" \
	"release $REL, deployed " "no drift: everything runs as the file says"
grep -Eq '^  app +shop-app-1 +running +healthy +0 +1h 2m$' "$WORK/out" &&
	grep -Eq '^  cache +shop-cache-1 +running +healthy +1 +1h 2m$' "$WORK/out" &&
	ok "status: a line per container with state, health, restarts, uptime" ||
	not_ok "status: a line per container" "$(cat "$WORK/out")"
run status "$FILE" --json
if [ "$RC" = 0 ] && python3 - "$WORK/out" "$REL" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["servers"][0]
assert d["format"] == 2 and d["project"] == "shop" and d["phase"] == "live", d
assert s["server"] == "web" and s["status"] == "running" and s["type"] == "cpx22", s
assert s["ipv4"] == "127.0.0.1" and s["private_ipv4"] is None and s["reached"] is True, s
assert s["release"]["id"] == sys.argv[2] and s["release"]["deployed_at"].endswith("Z"), s
c = {x["service"]: x for x in s["containers"]}
assert c["app"]["state"] == "running" and c["app"]["health"] == "healthy", c
assert c["cache"]["restarts"] == 1 and 3720 <= c["cache"]["uptime_seconds"] <= 3800, c
assert c["app"]["image"] == "registry.example/shop:1.4", c
assert d["drift"] == [], d
PY
then ok "status --json: servers, release, containers, no drift"; else
	not_ok "status --json" "exit $RC; $(cat "$WORK/out" "$WORK/err")"; fi
check "status --json: the shape of docs/json.md" python3 "$HERE/../json/shape.py" status \
	"$WORK/out" "$FILE"
echo drift > "$WORK/mode"
run status "$FILE"
expect "status: drift, one line per difference, exit 1" 1 out "drift (3):" \
	"server web: service app runs image registry.example/shop:1.3, the file says registry.example/shop:1.4" \
	"server web: service cache is exited, not running" \
	"server web: container shop-old-1 of service old, which the file does not run there"
echo ok > "$WORK/mode"
run status "$FILE" --phase later --json
if [ "$RC" = 1 ] && python3 - "$WORK/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
j = [s for s in d["servers"] if s["server"] == "jobs"][0]
assert j["status"] == "missing" and j["reached"] is False and j["containers"] is None, j
assert "server jobs: not at Hetzner (apply creates shop-jobs)" in d["drift"], d["drift"]
PY
then ok "status --phase later: a server not at Hetzner is drift"; else
	not_ok "status --phase later" "exit $RC; $(cat "$WORK/out" "$WORK/err")"; fi
HCLOUD_TOKEN= run status "$FILE"
expect "status without a token says so" 1 err "HCLOUD_TOKEN is not set"

# ---- logs ------------------------------------------------------------------------
: > "$WORK/docker.log"
run logs "$FILE" app --tail 5 --since 10m
expect "logs: the service's lines, unprefixed" 0 out "first known line"
head -1 "$WORK/out" | grep -qx "first known line" && grep -q "logs --since 10m --tail 5 c1" "$WORK/docker.log" &&
	ok "logs: --since and --tail reach docker logs" || not_ok "logs: --since and --tail" "$(cat "$WORK/docker.log")"
run logs "$FILE" app cache
expect "logs of two services: each line prefixed SERVICE@SERVER" 0 out \
	"app@web   | first known line" "cache@web | second known line"
run logs "$FILE" app cache --parallelism 1
expect "logs --parallelism 1: one session after the other, every line still there" 0 out \
	"app@web   | first known line" "cache@web | second known line"
run logs "$FILE" app cache -f --parallelism 1
expect "logs -f with more sessions than --parallelism: refused, as none would end" 1 err \
	"--follow keeps a session open for each of the 2 services and servers, more than --parallelism 1"
run status "$FILE" --parallelism 0
expect "status --parallelism 0: usage" 2 err "--parallelism takes 1..100"
run logs "$FILE" appp
expect "logs of an unknown service: the phase's services and a suggestion" 1 err \
	"no service 'appp' in phase live (it has app, cache); did you mean 'app'?"
run logs "$FILE" app --tail lots
expect "logs --tail that is not a number: usage" 2 err "--tail takes a number"
run logs "$FILE" worker --phase later
expect "logs of a service whose server is not at Hetzner" 1 err \
	"server jobs (shop-jobs) does not exist at Hetzner"

# ---- exec ------------------------------------------------------------------------
run exec "$FILE" app -- sh -c 'echo "in the container: $0"; exit 7' arg
expect "exec: the command runs, its output and exit status come back" 7 out "in the container: arg"
grep -q "exec -i c1 sh -c" "$WORK/docker.log" && ok "exec without a terminal: docker exec -i, no -t" ||
	not_ok "exec without a terminal" "$(grep exec "$WORK/docker.log")"
run exec "$FILE" -T cache -- echo quiet
expect "exec -T" 0 out "quiet"
run exec "$FILE" nope -- true
expect "exec of an unknown service" 1 err "no service 'nope' in phase live"
echo none > "$WORK/mode"
run exec "$FILE" app -- true
expect "exec when no container of the service runs" 1 err \
	"server web (127.0.0.1): no container of service app to use there"
echo ok > "$WORK/mode"

# ---- ssh -------------------------------------------------------------------------
rm -f "$WORK/config-read"
run ssh "$FILE" web -- echo 'on the server' '&&' exit 3
expect "ssh runs a command on the server, its status comes back" 3 out "on the server"
[ -e "$WORK/config-read" ] && ok "ssh reads the user's ssh_config" || not_ok "ssh reads the user's ssh_config"
run ssh "$FILE" webb
expect "ssh to an unknown server" 1 err "no server 'webb' in phase live (it has web); did you mean 'web'?"
run ssh "$FILE" jobs --phase later -- true
expect "ssh to a server not at Hetzner" 1 err "server jobs (shop-jobs) does not exist at Hetzner"
# the config says StrictHostKeyChecking no and another known_hosts: the
# project's stays the one that decides
mv "$KH" "$KH.saved"
: > "$KH"
run ssh "$FILE" web -- true
expect "a host key missing from the project's known_hosts is refused, whatever the config says" 1 err \
	"Host key verification failed" "ssh to server web (127.0.0.1) failed"
run status "$FILE"
expect "status of a server whose host key is not known: not reached" 1 out "not reached: ssh exited 255"
mv "$KH.saved" "$KH"
unset INFRAC_SSH_CONFIG

# ---- status asks every server at once ----------------------------------------------
# phase later's second server, made at the simulator by hand (apply would
# deploy to it); every server's docker takes 2 s to answer
curl -sS -o /dev/null -H "Authorization: Bearer $HCLOUD_TOKEN" -H 'Content-Type: application/json' \
	-d '{"name":"shop-jobs","server_type":"cpx22","image":"ubuntu-24.04","location":"nbg1","labels":{"infrac/project":"shop","infrac/server":"jobs"}}' \
	"$HCLOUD_ENDPOINT/servers"
sleep 0.3
echo slow > "$WORK/mode"
: > "$WORK/probe.log"
t0=$(date +%s%N)
run status "$FILE" --phase later --json
took=$(( ($(date +%s%N) - t0) / 1000000 ))
echo ok > "$WORK/mode"
echo "# day2: status of two servers whose docker answers in 2 s each: $took ms"
# asked one after the other, the log would be "start end start end"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert all(s["reached"] for s in d["servers"]) and len(d["servers"]) == 2' "$WORK/out" &&
	[ "$(tr '\n' ' ' < "$WORK/probe.log")" = "start start end end " ]; then
	ok "status asks the servers at once (the two probes overlap; $took ms)"
else not_ok "status asks the servers at once" "$(cat "$WORK/probe.log" "$WORK/out" "$WORK/err")"; fi
# capped at one session, the second server is asked when the first answered
echo seq > "$WORK/mode"
: > "$WORK/probe.log"
run status "$FILE" --phase later --json --parallelism 1
echo ok > "$WORK/mode"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert all(s["reached"] for s in d["servers"]) and len(d["servers"]) == 2' "$WORK/out" &&
	[ "$(tr '\n' ' ' < "$WORK/probe.log")" = "start end start end " ]; then
	ok "status --parallelism 1 asks one server at a time (the probes do not overlap)"
else not_ok "status --parallelism 1 asks one server at a time" "$(cat "$WORK/probe.log" "$WORK/out" "$WORK/err")"; fi
kill "$SIM_PID" "$SSHD_PID" 2>/dev/null
wait "$SIM_PID" "$SSHD_PID" 2>/dev/null
SIM_PID= SSHD_PID=

# ---- a real engine: one phase applied once, every command against it -------------
if [ "$(id -u)" != 0 ] || [ -n "${DAY2_NO_ENGINE:-}" ]; then
	echo "# day2: the real-engine part skipped (it needs root; DAY2_NO_ENGINE unset)"
	finish
	exit
fi
. "$HERE/../engine/engine.sh"
. "$HERE/../engine/images.sh"
trap 'engine_stop; env_cleanup' EXIT
T0=$(date +%s)
if ! { engine_start && engine_sshd_start && engine_registry_start && images_install_packages &&
	IMAGES_LOG=$WORK/images.log images_build redis && images_publish redis:7; }; then
	not_ok "the test engine starts" "$(tail -20 "$WORK/images.log" 2>/dev/null)"
	finish
	exit 1
fi
rm -f "$WORK/sim.port"
start_sim --action-seconds 0.02 --server-ip "$ENGINE_NS_IP"
export INFRAC_SSH_USER=root INFRAC_SSH_PORT=$ENGINE_SSH_PORT INFRAC_SSH_IDENTITY=$ENGINE_SSH_KEY
export INFRAC_REMOTE_ROOT=$WORK/engine-remote XDG_STATE_HOME=$WORK/engine-state
export INFRAC_REMOTE_AUTHORIZED_KEYS=$ENGINE_TMP/ssh/authorized_keys INFRAC_HEALTH_TIMEOUT=60
mkdir -p "$WORK/e/keys" "$INFRAC_REMOTE_ROOT"
cp "$HERE/engine.infra" "$WORK/e/"
cp "$HERE/../../examples/keys/ops.pub" "$WORK/e/keys/"
EFILE=$WORK/e/engine.infra
run apply "$EFILE" --yes
expect "engine: apply of phase live" 0 out "day2-box"
echo "# day2: engine ready and phase applied in $(($(date +%s) - T0)) s"

run status "$EFILE" --json
if [ "$RC" = 0 ] && python3 - "$WORK/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["servers"][0]
assert s["reached"] and s["status"] == "running" and s["release"]["id"], s
c = s["containers"]
assert len(c) == 1 and c[0]["service"] == "cache" and c[0]["state"] == "running", c
assert c[0]["health"] == "healthy" and c[0]["image"] == "redis:7" and c[0]["uptime_seconds"] >= 0, c
assert d["drift"] == [], d
PY
then ok "engine: status --json of the running phase"; else
	not_ok "engine: status --json" "exit $RC; $(cat "$WORK/out" "$WORK/err")"; fi
run status "$EFILE"
expect "engine: status text" 0 out "server box (day2-box): running, cpx22, public $ENGINE_NS_IP" \
	"no drift: everything runs as the file says"
# compose v2 names it day2-cache-1, Debian's docker-compose 1.29 day2_cache_1
CNAME=$(engine_docker ps --filter label=com.docker.compose.service=cache --format '{{.Names}}')
grep -Eq "^  cache +$CNAME +running +healthy +0 +[0-9]+[sm]" "$WORK/out" &&
	ok "engine: status shows the container running, healthy, its uptime" ||
	not_ok "engine: status container line" "$(cat "$WORK/out")"
run logs "$EFILE" cache --tail all
expect "engine: logs of the service show the lines it printed" 0 out \
	"day2 known line one" "day2 known line two"
run exec "$EFILE" cache -- redis-cli ping
expect "engine: exec runs a command in the container" 0 out "PONG"
run exec "$EFILE" cache -- sh -c 'exit 4'
expect "engine: exec gives back the command's status" 4 err
run ssh "$EFILE" box -- docker ps --format '{{.Names}}'
expect "engine: ssh runs a command on the server" 0 out "$CNAME"
engine_docker stop -t 1 "$CNAME" > /dev/null 2>&1
run status "$EFILE"
expect "engine: a stopped container is drift" 1 out "server box: service cache is exited, not running"
run exec "$EFILE" cache -- true
expect "engine: exec with no running container fails clearly" 1 err "no container of service cache to use there"
kill "$SIM_PID" 2>/dev/null
wait "$SIM_PID" 2>/dev/null
SIM_PID=
engine_stop
if left=$(engine_leftovers); then ok "engine: nothing of the engine left behind"
else not_ok "engine: nothing of the engine left behind" "$left"; fi
echo "# day2: engine part in $(($(date +%s) - T0)) s"
finish
