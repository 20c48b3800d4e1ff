#!/usr/bin/env bash
# Several servers on a real engine: tests/netns/duo.infra applied with
# `infrac apply` to two servers, a and b, each a network namespace of this
# test's with its own dockerd, sshd and image registry (tests/engine's
# engine.sh, once per server) and its own remote root (a mount namespace
# where its folder is over INFRAC_REMOTE_ROOT).  Each is joined to the host
# by a veth pair (its "public" address, which the simulator hands out by
# server name) and to a bridge in a third namespace of the test's (the
# private network, with the addresses infrac assigns).  Traffic goes only
# to these namespaces and to the simulator on 127.0.0.1.
#   tests/netns/run.sh /abs/path/to/infrac
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/../lib.sh"
. "$ROOT/tests/engine/engine.sh"
. "$ROOT/tests/engine/images.sh"
INFRAC=${1:?usage: run.sh INFRAC}
W=$(mktemp -d /tmp/infrac-netns.XXXXXX)
chmod 755 "$W"
HUB=infrac-nn-$$-hub
PRIV_A=10.214.0.2 PRIV_B=10.214.0.3
SIM_PID=
T0=$(date +%s)
say() { echo "# $(($(date +%s) - T0)) s: $*"; }

# the engines in the reverse order of their starts (engine.sh), then the
# private network's namespace; then what is left of either (LEFT)
netns_stop() {
	local n
	# an engine whose start was cut short is stopped as well
	[ -n "${ENGINE_TMP:-}" ] && [ -n "${ENGINE_NAME:-}" ] && engine_save "$ENGINE_NAME"
	for n in b a; do
		[ -n "${ENGINE_SAVED[$n]:-}" ] || continue
		engine_use "$n"
		engine_stop
		engine_save "$n-stopped"
		unset "ENGINE_SAVED[$n]"
	done
	[ -e "/run/netns/$HUB" ] && ip netns delete "$HUB"
	LEFT=
	for n in b a; do
		[ -n "${ENGINE_SAVED[$n-stopped]:-}" ] || continue
		engine_use "$n-stopped"
		LEFT+=$(engine_leftovers)
	done
	engine_forget
}
cleanup() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	SIM_PID=
	netns_stop
	rm -rf "$W"
}
trap cleanup EXIT
LEFT=

# ---- the two servers -----------------------------------------------------------
mkdir -p "$W/remote" "$W/remote-a" "$W/remote-b" "$W/state"
# engine_start NAME [registry storage]: a server, its folder over $W/remote
server_start() {
	engine_forget
	ENGINE_NAME=$1
	ENGINE_BIND=$W/remote-$1:$W/remote
	ENGINE_SSH_AUTHORIZED_KEYS=$W/remote/authorized_keys
	ENGINE_SSH_CLIENT_KEY=${KEY:-}
	engine_start && engine_sshd_start && engine_registry_start ${2:+"$2"}
	local rc=$?
	engine_save "$1"
	return $rc
}
fail_start() { not_ok "$1" "see the messages above"; finish; exit 1; }
server_start a || fail_start "server a starts"
KEY=$W/client_ed25519
cp "$ENGINE_SSH_KEY" "$KEY" && cp "$ENGINE_SSH_KEY.pub" "$KEY.pub"
IMAGES_LOG=$W/images.log
images_install_packages && images_build nginx && images_build postgres && images_build standin &&
	images_publish nginx:1.27 postgres:16 odoo:17 ||
	{ not_ok "the images build" "$(tail -30 "$W/images.log")"; finish; exit 1; }
SOCK_A=$ENGINE_SOCK NS_A=$ENGINE_NETNS IP_A=$ENGINE_NS_IP STORE=$ENGINE_REGISTRY_STORAGE
server_start b "$STORE" || fail_start "server b starts"
SOCK_B=$ENGINE_SOCK NS_B=$ENGINE_NETNS IP_B=$ENGINE_NS_IP
engine_forget

# the private network: a bridge in a namespace of its own, a veth pair to
# each server, which gets its private address on its end
priv_link() { # priv_link NAME NETNS ADDRESS: a server's end is "priv"
	ip link add "nn$1" netns "$HUB" type veth peer name priv netns "$2" &&
		ip -n "$HUB" link set "nn$1" master nnbr up &&
		ip -n "$2" addr add "$3/24" dev priv && ip -n "$2" link set priv up
}
ip netns add "$HUB" && ip -n "$HUB" link add nnbr type bridge && ip -n "$HUB" link set nnbr up &&
	priv_link a "$NS_A" "$PRIV_A" && priv_link b "$NS_B" "$PRIV_B" || fail_start "the private network is made"
say "servers a ($IP_A, $PRIV_A) and b ($IP_B, $PRIV_B) ready"

# ---- the simulator and what apply reads ----------------------------------------
python3 "$ROOT/tests/sim/hcloud_sim.py" --port 0 --port-file "$W/sim.port" --action-seconds 0.05 \
	--server-ips "duo-a=$IP_A,duo-b=$IP_B" > "$W/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 100); do [ -s "$W/sim.port" ] && break; sleep 0.05; done
export HCLOUD_TOKEN=netns-test HCLOUD_ENDPOINT=http://127.0.0.1:$(cat "$W/sim.port")/v1
export PG_PASSWORD=pg-$$-secret NO_COLOR=1
export INFRAC_SSH_USER=root INFRAC_SSH_PORT=$ENGINE_SSH_PORT INFRAC_SSH_IDENTITY=$KEY
# one root for infrac; each server sees its own folder there (ENGINE_BIND),
# root's authorized_keys among it
export INFRAC_REMOTE_ROOT=$W/remote XDG_STATE_HOME=$W/state INFRAC_ACTION_POLL_MS=20
unset INFRAC_REMOTE_AUTHORIZED_KEYS INFRAC_REMOTE_UNITS
mkdir -p "$W/f"
cp "$HERE/duo.infra" "$W/f/" && cp -a "$ROOT/examples/keys" "$W/f/"
DUO=$W/f/duo.infra DOMAIN=app.duo.test

apply() { # apply PHASE: the output in $W/out, the status in $RC
	timeout 400 "$INFRAC" apply "$DUO" --phase "$1" --yes > "$W/out" 2>&1
	RC=$?
}
dk() { # dk a|b ARGS...: docker on that server's engine
	local s=$1
	shift
	[ "$s" = a ] && s=$SOCK_A || s=$SOCK_B
	timeout 60 docker -H "unix://$s" "$@"
}
in_ns() { # in_ns a|b CMD...: in that server's network namespace
	local s=$1
	shift
	[ "$s" = a ] && s=$NS_A || s=$NS_B
	nsenter --net="/run/netns/$s" -- "$@"
}
cid() { dk "$1" ps -q --filter label=com.docker.compose.project=duo --filter "label=com.docker.compose.service=$2"; }
services() { # the project's running services on a server, sorted, on one line
	dk "$1" ps --filter label=com.docker.compose.project=duo --format '{{.Label "com.docker.compose.service"}}' |
		sort | tr '\n' ' '
}
app() { # app a|b METHOD PATH [curl options]: the app on that server, at its private address
	local ip=$PRIV_A s=$1 m=$2 path=$3
	[ "$s" = b ] && ip=$PRIV_B
	shift 3
	in_ns "$s" curl -s --max-time 10 "$@" -X "$m" "http://$ip:8069$path"
}
# N requests to the domain through nginx on a, over https: the status codes
domain_codes() {
	local i
	for i in $(seq "$1"); do
		in_ns a curl -sk --max-time 10 -o /dev/null -w '%{http_code} ' --resolve "$DOMAIN:443:127.0.0.1" \
			"https://$DOMAIN/"
	done
}
# a TCP connection from the host (or from a server's namespace: a|b first)
connects() { # connects [a|b] IP PORT
	local pre=()
	[ $# = 3 ] && { pre=(nsenter --net="/run/netns/$([ "$1" = a ] && echo "$NS_A" || echo "$NS_B")" --); shift; }
	timeout 5 "${pre[@]}" bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}
wait_for() { # wait_for SECONDS CMD...: until CMD succeeds
	local n=$1 i
	shift
	for i in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
	return 1
}
healthy() { [ "$(dk "$1" inspect -f '{{.State.Health.Status}}' "$(cid "$1" "$2")")" = healthy ]; }
has() { case "$2" in *"$3"*) ok "$1" ;; *) not_ok "$1" "'$3' not in: $2" ;; esac; }

check "infrac check accepts the two-server file with its declared move" "$INFRAC" check "$DUO"

# ---- phase p1: postgres on a, the app on both ----------------------------------
apply p1
[ "$RC" = 0 ] && ok "apply p1 to two servers, each its own engine" || not_ok "apply p1 to two servers" "exit $RC; $(tail -40 "$W/out")"
say "p1 applied"
check "  ... a runs nginx, the app and postgres" test "$(services a)" = "app nginx postgres "
check "  ... b runs the app, and no proxy" test "$(services b)" = "app "
check "each server has its own release in its own root" test -d "$W/remote-a/duo/current" -a -d "$W/remote-b/duo/current"
check "  ... and nothing is written to the root as the host sees it" test -z "$(ls -A "$W/remote")"
has "b's app names postgres at a's private address" "$(dk b exec "$(cid b app)" cat /etc/hosts)" "$PRIV_A"
app b POST "/test/row?value=row-$$" >/dev/null
has "the app on b writes a row to postgres on a, reached by its name" "$(app b GET /test/rows)" "row-$$"
has "  ... which the app on a reads" "$(app a GET /test/rows)" "row-$$"
pub=
connects "$IP_A" "$ENGINE_SSH_PORT" && pub=ssh
connects "$IP_A" 5432 && not_ok "5432 is not reachable on a's public address from the host" ||
	{ [ -n "$pub" ] && ok "5432 is not reachable on a's public address from the host (ssh is)" ||
		not_ok "5432 is not reachable on a's public address from the host" "ssh is not either"; }
connects b "$PRIV_A" 5432 && ok "  ... and is from b, on a's private address" ||
	not_ok "  ... and is from b, on a's private address"

# ---- the balanced domain, one copy stopped at a time -----------------------------
codes=$(domain_codes 6)
check "https $DOMAIN answers through nginx on a, balanced over a and b" test "$codes" = "200 200 200 200 200 200 "
dk b stop -t 2 "$(cid b app)" >/dev/null
codes=$(domain_codes 6)
[ "$codes" = "200 200 200 200 200 200 " ] && ok "  ... and keeps answering with b's app stopped" ||
	not_ok "  ... and keeps answering with b's app stopped" "$codes"
dk b start "$(dk b ps -aq --filter label=com.docker.compose.project=duo --filter label=com.docker.compose.service=app)" >/dev/null
# nginx leaves a backend that failed twice out for 10 s (fail_timeout),
# counted from its last failure with nginx's cached clock: b's app is back
# once its health answers 200 and 12 s have passed since it was stopped
wait_for 60 app b GET /web/health -f && sleep 12 && dk a stop -t 2 "$(cid a app)" >/dev/null
codes=$(domain_codes 6)
[ "$codes" = "200 200 200 200 200 200 " ] && ok "  ... and with a's app stopped and b's running again" ||
	not_ok "  ... and with a's app stopped and b's running again" "$codes; nginx on a:
$(dk a logs --tail 12 "$(cid a nginx)" 2>&1)"
dk a start "$(dk a ps -aq --filter label=com.docker.compose.project=duo --filter label=com.docker.compose.service=app)" >/dev/null
wait_for 60 healthy a app || not_ok "a's app is healthy again"
say "balancing checked"

# ---- phase p2: postgres moves to b, with its volume -------------------------------
dk a exec "$(cid a postgres)" sh -c "echo note-$$ > /var/lib/postgresql/data/netns-note.txt"
apply p2
[ "$RC" = 0 ] && ok "apply p2 moves postgres to b, as the phase declares" ||
	not_ok "apply p2 moves postgres to b, as the phase declares" "exit $RC; $(tail -40 "$W/out")"
say "p2 applied"
check "  ... a runs nginx and the app" test "$(services a)" = "app nginx "
check "  ... b runs the app and postgres" test "$(services b)" = "app postgres "
has "  ... the file put into the volume on a is there on b" \
	"$(dk b exec "$(cid b postgres)" cat /var/lib/postgresql/data/netns-note.txt 2>&1)" "note-$$"
has "a's app names postgres at b's private address" "$(dk a exec "$(cid a app)" cat /etc/hosts)" "$PRIV_B"
has "the app on a reads the row of p1 from postgres on b, reached by its name" "$(app a GET /test/rows)" "row-$$"
connects "$IP_B" 5432 && not_ok "5432 is not reachable on b's public address from the host" ||
	{ connects "$IP_B" "$ENGINE_SSH_PORT" && ok "5432 is not reachable on b's public address from the host (ssh is)" ||
		not_ok "5432 is not reachable on b's public address from the host" "ssh is not either"; }
connects a "$PRIV_B" 5432 && ok "  ... and is from a, on b's private address" ||
	not_ok "  ... and is from a, on b's private address"
listen=$(in_ns b ss -Hltn 'sport = :5432' | awk '{ print $4 }' | sort -u | tr '\n' ' ')
check "  ... where b listens on 5432, and nowhere else" test "$listen" = "$PRIV_B:5432 "

# ---- nothing left behind ----------------------------------------------------------
kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
SIM_PID=
netns_stop
[ -z "$LEFT" ] && ok "no dockerd, sshd, container, mount or namespace of either server left" ||
	not_ok "no dockerd, sshd, container, mount or namespace of either server left" "$LEFT"
ip netns list | grep -q "^$HUB" && not_ok "the private network's namespace is gone" || ok "the private network's namespace is gone"
say "done"
finish
