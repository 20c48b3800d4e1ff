# Sourced by tests/apply/run.sh and tests/bench-apply/run.sh: a Hetzner API
# simulator and a real sshd on 127.0.0.1 (Debian's openssh-server) with
# throwaway host and user keys, whose sessions find a stub `docker` and
# `curl` on their PATH.  The stubs log what apply ran to $WORK/docker.log
# (docker's volumes are folders in $WORK/volumes)
# and play healthy or unhealthy after $WORK/mode.  Needs WORK set; sets
# SIM (the control URL) and exports what infrac apply reads.
HERE_ENV=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE_ENV/../sshd.sh"
SIM_PID= SSHD_PID=
env_cleanup() {
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null
	rm -rf "$WORK"
}

start_sshd() {
	mkdir -p "$WORK/stub"
	ssh-keygen -q -t ed25519 -N '' -C host -f "$WORK/hostkey"
	ssh-keygen -q -t ed25519 -N '' -C user -f "$WORK/userkey"
	cp "$WORK/userkey.pub" "$WORK/authorized_keys"
	echo healthy > "$WORK/mode"
	cat > "$WORK/stub/docker" <<STUB
#!/bin/sh
printf '%s docker %s\n' "\$(basename "\$(pwd -P)")" "\$*" >> "$WORK/docker.log"
case "\$*" in
"ps -aq "*) echo c1 c2 ;;
# volumes are folders under \$WORK/volumes (one for every server here)
"volume inspect "*)
	eval "n=\\\${\$#}"
	[ -d "$WORK/volumes/\$n" ] || exit 1
	case "\$*" in *Mountpoint*) echo "$WORK/volumes/\$n" ;; *Labels*) echo ;; esac ;;
"volume create "*) eval "n=\\\${\$#}"; mkdir -p "$WORK/volumes/\$n" ;;
"inspect --format "*)
	echo "nginx|running||0"
	if [ "\$(cat "$WORK/mode")" = unhealthy ]; then echo "app|running|unhealthy|0"
	else echo "app|running|healthy|0"; fi ;;
esac
exit 0
STUB
	# curl plays nginx passing on the service's 200
	cat > "$WORK/stub/curl" <<STUB
#!/bin/sh
printf 'curl %s\n' "\$*" >> "$WORK/docker.log"
printf 'HTTP/1.1 200 OK\r\nX-Infrac-Upstream: 200\r\n\r\n'
exit 0
STUB
	chmod +x "$WORK/stub/docker" "$WORK/stub/curl"
	sshd_start
	SSH_PORT=$PORT
	export INFRAC_SSH_PORT=$SSH_PORT INFRAC_SSH_IDENTITY=$WORK/userkey
	export INFRAC_SSH_USER=$(id -un)
	export INFRAC_REMOTE_ROOT=$WORK/remote
	export XDG_STATE_HOME=$WORK/state
}

# start_sim [simulator options...]
start_sim() {
	python3 "$HERE_ENV/../sim/hcloud_sim.py" --port 0 --port-file "$WORK/sim.port" "$@" \
		> "$WORK/sim.out" 2> "$WORK/sim.err" &
	SIM_PID=$!
	for _ in $(seq 100); do [ -s "$WORK/sim.port" ] && break; sleep 0.05; done
	[ -s "$WORK/sim.port" ] || { cat "$WORK/sim.err"; echo "simulator did not start"; exit 1; }
	SIM=http://127.0.0.1:$(cat "$WORK/sim.port")/_sim
	export HCLOUD_ENDPOINT=http://127.0.0.1:$(cat "$WORK/sim.port")/v1
}

sim() { curl -sS -X "$1" "$SIM/$2" ${3:+-d "$3"}; }
# the number of requests the simulator has answered
nreq() { sim GET health | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])'; }
# the changing requests since request $1, the lock's left out
mutations() {
	sim GET "requests?since=$1" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["requests"]:
    if r["method"] != "GET" and not r["path"].startswith("/v1/placement_groups"):
        print(r["method"], r["path"].split("?")[0])'
}
# "DESCRIPTION of=SERVER_ID" of each snapshot image
snapshots() {
	sim GET state | python3 -c '
import json, sys
for i in json.load(sys.stdin)["images"]:
    if i["type"] == "snapshot":
        print(i["description"], "of=%s" % i["labels"].get("infrac/snapshot-of"))'
}
# run infrac-args...: output in $WORK/out, status in $RC (a suite may
# define its own); has TEXT: is it in the output; expect WHAT RC TEXT
run() {
	"$INFRAC" "$@" < /dev/null > "$WORK/out" 2>&1
	RC=$?
}
has() { grep -qF -- "$1" "$WORK/out"; }
expect() {
	if [ "$RC" = "$2" ] && has "$3"; then ok "$1"; else not_ok "$1" "exit $RC; $(cat "$WORK/out")"; fi
}

# killed_at K COMMAND...: runs COMMAND (an infrac apply) until the
# simulator kills it at request K; its output in $WORK/fault.out.  It is
# stopped before its first request, so that the fault names its pid in
# time (a CONT that came before the STOP would leave it stopped for good).
killed_at() {
	local k=$1 pid
	shift
	sh -c 'kill -STOP $$; exec "$@"' sh "$@" > "$WORK/fault.out" 2>&1 < /dev/null &
	pid=$!
	for _ in $(seq 500); do
		[ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" = T ] && break
		sleep 0.01
	done
	sim POST faults "{\"kind\":\"kill\",\"pid\":$pid,\"at_request\":$k}" > /dev/null
	kill -CONT $pid
	wait $pid 2> /dev/null
}
# start_becker NAME: fake secrets and token named after the suite, fast
# actions, the sshd and the simulator, the examples copied to $WORK/ex
# (FILE is becker.infra there) and becker's DNS zone in the project
start_becker() {
	export PG_PASSWORD=pg-$$-$1 ANTHROPIC_API_KEY=ak-$$-$1 HCLOUD_TOKEN=token-$$-$1
	export INFRAC_ACTION_POLL_MS=10 INFRAC_HTTP_BACKOFF_MS=5 INFRAC_HEALTH_TIMEOUT=2
	start_sshd
	start_sim --action-seconds 0.05
	mkdir -p "$WORK/ex"
	cp -r "$HERE_ENV/../../examples/." "$WORK/ex/"
	FILE=$WORK/ex/becker.infra
	sim POST seed '{"zones":[{"name":"becker-sicherheit.de","mode":"primary"}]}' > /dev/null
}
