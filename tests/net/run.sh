#!/usr/bin/env bash
# Several servers on the project's private network (docs/network.md):
# the artefacts of examples/split.infra against golden/ and the real tools
# (docker-compose config, nginx -t), the balancing nginx on loopback with
# one backend stopped, and plan and apply of the file against the
# simulator (networks, subnets, attachments), converging through faults.
#   run.sh PATH-TO-INFRAC        UPDATE=1 rewrites golden/ for review
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/../lib.sh"
INFRAC=${1:?usage: run.sh PATH-TO-INFRAC}
SPLIT=$ROOT/examples/split.infra
T=$(mktemp -d)
PIDS=()
# every process the suite started ends with it, on failure too
trap '[ ${#PIDS[@]} = 0 ] || kill "${PIDS[@]}" 2>/dev/null; wait; rm -rf "$T"' EXIT

holds() { # holds "what" HAYSTACK NEEDLE [!]: NEEDLE is in HAYSTACK (with !, is not)
	local found=no
	case "$2" in *"$3"*) found=yes ;; esac
	if [ "$found" = "$([ "${4:-}" = "!" ] && echo no || echo yes)" ]; then ok "$1"
	else not_ok "$1" "'$3' ${4:+not }expected in:
$2"; fi
}

# ---- build: golden, compose, nginx ----------------------------------------
check "build split.infra" "$INFRAC" build "$SPLIT" -o "$T/out"
if [ -n "${UPDATE:-}" ]; then
	rm -rf "$HERE/golden" && cp -a "$T/out" "$HERE/golden"
	echo "net: golden/ rewritten; review every line before committing"
fi
check "golden artefacts of split.infra" diff -r "$HERE/golden" "$T/out"

W1=$T/out/live/web1 W2=$T/out/live/web2 DB=$T/out/live/db
holds "the app reaches postgres by name at db's private address" \
	"$(cat "$W1/docker-compose.yml")" '- "postgres:10.10.0.4"'
holds "postgres is published on db's private address only" \
	"$(cat "$DB/docker-compose.yml")" '- "10.10.0.4:5432:5432"'
holds "the balanced app is published on its server's private address" \
	"$(cat "$W2/docker-compose.yml")" '- "10.10.0.3:8000:8000"'
holds "compose waits for no service of another server" "$(cat "$W1/docker-compose.yml")" depends_on !
for d in "$W1" "$W2" "$DB"; do
	check "docker-compose config: ${d#"$T/out/"}" env PG_PASSWORD=stand-in \
		docker-compose -f "$d/docker-compose.yml" config -q
done

# more servers than a /24 holds: the subnet grows within the range
python3 "$ROOT/tests/bench/gen.py" 300 300 1 > "$T/many.infra"
holds "300 servers: the 300th is at 10.0.1.45, past the first /24" \
	"$("$INFRAC" check "$T/many.infra" 2>&1)" "private 10.0.1.45"
sed 's|^  horizon  = 3 months|&\n  network  = "10.9.0.0/24"|' "$T/many.infra" > "$T/many24.infra"
holds "  ... and a /24 range refuses them" "$("$INFRAC" check "$T/many24.infra" 2>&1)" \
	'error[E0203]: network 10.9.0.0/24 holds 252 servers; the file declares 300'

# (tests/build checks the rest of cloud-init; here the file of a networked server)
check "cloud-init schema: live/db" cloud-init schema -c "$DB/cloud-init.yaml"
holds "a server of a networked phase may bind its private address before it is up" \
	"$(cat "$DB/cloud-init.yaml")" "net.ipv4.ip_nonlocal_bind = 1"

# nginx: the upstream's private addresses become two loopback backends
P80=28180 PA=28191 PB=28192
N=$T/nginx
mkdir -p "$N"
sed -e "s/listen 80/listen 127.0.0.1:$P80/" \
	-e "s/server 10.10.0.2:8000 /server 127.0.0.1:$PA /" \
	-e "s/server 10.10.0.3:8000 /server 127.0.0.1:$PB /" "$W1/nginx.conf" >"$N/nginx.conf"
check "nginx -t: the balancing proxy" nginx -t -q -e stderr -p "$N/" -c "$N/nginx.conf" \
	-g "pid $N/nginx.pid;"
nginx -e stderr -p "$N/" -c "$N/nginx.conf" -g "daemon off; pid $N/nginx.pid;" \
	>"$N/access.log" 2>"$N/error.log" &
PIDS+=($!)
/usr/bin/python3 "$ROOT/tests/build/backend.py" app-on-web1 "$PA" & PIDS+=($!)
/usr/bin/python3 "$ROOT/tests/build/backend.py" app-on-web2 "$PB" & B2=$!
PIDS+=($B2)
for p in $P80 $PA $PB; do
	for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$p/" && break; sleep 0.1; done
done
ask() { curl -s --max-time 5 -H 'Host: shop.example.com' "http://127.0.0.1:$P80/"; }
seen=
for _ in 1 2 3 4; do seen+=$(ask); done
holds "nginx balances the domain across web1 ..." "$seen" '"backend": "app-on-web1"'
holds "  ... and web2" "$seen" '"backend": "app-on-web2"'
kill "$B2" 2>/dev/null
wait "$B2" 2>/dev/null
codes=
for _ in 1 2 3 4 5 6; do
	codes+=$(curl -s --max-time 5 -o /dev/null -w '%{http_code} ' -H 'Host: shop.example.com' \
		"http://127.0.0.1:$P80/")
done
[ "$codes" = "200 200 200 200 200 200 " ] && ok "with web2's app stopped, every request is answered" ||
	not_ok "with web2's app stopped, every request is answered" "$codes; $(tail -5 "$N/error.log")"
kill "${PIDS[@]}" 2>/dev/null
wait "${PIDS[@]}" 2>/dev/null
PIDS=()

# ---- plan and apply against the simulator ---------------------------------
# tests/apply/env.sh: the simulator, and a real sshd on 127.0.0.1 with a
# stub docker playing every server (the simulator gives each 127.0.0.1)
WORK=$T/apply
mkdir -p "$WORK/ex" "$T/logs"
. "$ROOT/tests/apply/env.sh"
trap 'env_cleanup; [ ${#PIDS[@]} = 0 ] || kill "${PIDS[@]}" 2>/dev/null; wait; rm -rf "$T"' EXIT
export PG_PASSWORD=pg-canary-$$ HCLOUD_TOKEN=token-canary-$$
export INFRAC_ACTION_POLL_MS=10 INFRAC_HTTP_BACKOFF_MS=5 INFRAC_HEALTH_TIMEOUT=2
export INFRAC_TODAY=2026-04-01
start_sshd > /dev/null
start_sim --action-seconds 0.05 --rate-limit 3600000
cp -r "$ROOT/examples/." "$WORK/ex/"
FILE=$WORK/ex/split.infra
# two servers without data, then one: the network goes, its server detached first
SHRINK=$WORK/ex/shrink.infra
sed -e '/^server db {/,/^}/d' -e '/^  run on db {/,/^  }/d' -e '/^service postgres {/,/^}/d' \
	-e 's/  needs  = \[postgres\]//' "$FILE" > "$WORK/ex/pair.infra"
sed -e '/^  run on web2 {/,/^  }/d' -e '/^server web2 {/,/^}/d' "$WORK/ex/pair.infra" > "$SHRINK"

fresh() { sim POST reset > /dev/null; rm -rf "$WORK/remote" "$WORK/state"; }
# state: the servers with their addresses, the networks, the firewalls' rules
state() {
	sim GET state | python3 -c '
import json, sys
s = json.load(sys.stdin)
srv = sorted("%s %s %s" % (x["name"], ",".join(p["ip"] for p in x["private_net"]),
                           x["labels"].get("infrac/artefacts", "-")) for x in s["servers"])
net = sorted("%s %s %s servers=%d" % (n["name"], n["ip_range"], ",".join(sn["ip_range"] for sn in n["subnets"]),
                                      len(n["servers"])) for n in s["networks"])
fw = sorted("%s %s" % (f["name"], ",".join(r.get("port") or "" for r in f["rules"])) for f in s["firewalls"])
print("servers=%s networks=%s firewalls=%s" % (srv, net, fw))'
}
paths() { # the requests since $1: METHOD PATH STATUS
	sim GET "requests?since=$1" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["requests"]:
    print(r["method"], r["path"].split("?")[0], r["status"])'
}

fresh
run plan "$FILE"
expect "plan shows the network like any resource, with each server's address" 2 \
	"+ network split-private (10.10.0.0/16)"
holds "  ... its subnet in the location's network zone and the addresses" "$(cat "$WORK/out")" \
	"create: subnet 10.10.0.0/24 (eu-central); web1 10.10.0.2, web2 10.10.0.3, db 10.10.0.4"
run plan "$FILE" --json
holds "plan --json names the network's servers and addresses" "$(cat "$WORK/out")" \
	'"split-db": "10.10.0.4"'
run apply "$FILE" --yes --parallelism 1
expect "apply of three servers on a network" 0 "Apply complete! Resources: 8 added"
WANT=$(state)
holds "every server is attached at its fixed address" "$WANT" \
	"split-db 10.10.0.4"
holds "  ... web1 and web2 too" "$WANT" "split-web1 10.10.0.2"
holds "the network has its subnet and the three servers" "$WANT" \
	"split-private 10.10.0.0/16 10.10.0.0/24 servers=3"
holds "5432 is in no public firewall: db's lets in ssh only" "$WANT" "'split-db 22'"
[ "$(grep -c 'attach to the network' "$WORK/out")" = 3 ] && ok "apply attaches each server before its deploy" ||
	not_ok "apply attaches each server before its deploy" "$(cat "$WORK/out")"
line_of() { grep -nF -- "$1" "$WORK/out" | head -1 | cut -d: -f1; }
a=$(line_of "server split-db: created") b=$(line_of "server split-web1: deploying") c=$(line_of "server split-web2: deploying")
[ -n "$a" ] && [ -n "$b" ] && [ -n "$c" ] && [ "$a" -lt "$b" ] && [ "$a" -lt "$c" ] &&
	ok "deploy order follows needs across servers: db before the app's servers" ||
	not_ok "deploy order follows needs across servers: db before the app's servers" "$(cat "$WORK/out")"
n=$(grep -c "^curl .*https\?://shop.example.com/" "$WORK/docker.log")
[ "$n" = 1 ] && ok "the balanced domain is checked once, by web1's deploy through its proxy" ||
	not_ok "the balanced domain is checked once, by web1's deploy through its proxy" "$n checks: $(grep '^curl' "$WORK/docker.log")"
run plan "$FILE"
expect "  ... and then plans clean" 0 "No changes."
holds "  ... counting the network it found" "$(cat "$WORK/out")" "3 firewalls, 1 network and 1 ssh key"
FIRST_REQ=$(nreq)

# a server attached at another address is moved back to its own
sid=$(sim GET state | python3 -c 'import json,sys; print([x["id"] for x in json.load(sys.stdin)["servers"] if x["name"] == "split-web2"][0])')
curl -sS -X POST -H "Authorization: Bearer $HCLOUD_TOKEN" -d '{"network": 800001}' \
	"$HCLOUD_ENDPOINT/servers/$sid/actions/detach_from_network" > /dev/null
sleep 0.2
curl -sS -X POST -H "Authorization: Bearer $HCLOUD_TOKEN" -d '{"network": 800001, "ip": "10.10.0.77"}' \
	"$HCLOUD_ENDPOINT/servers/$sid/actions/attach_to_network" > /dev/null
sleep 0.2
run plan "$FILE"
expect "a server at another address: plan says so" 2 "network split-private: 10.10.0.77 -> 10.10.0.3 (detach, attach)"
run apply "$FILE" --yes --parallelism 1
[ "$RC" = 0 ] && [ "$(state)" = "$WANT" ] && ok "  ... and apply puts it back" ||
	not_ok "  ... and apply puts it back" "$(cat "$WORK/out"; state)"

# from two servers to one: web2 goes, then the network, web1 detached first
fresh
run apply "$WORK/ex/pair.infra" --yes --parallelism 1
expect "apply of two servers without data" 0 "Apply complete! Resources: 6 added"
before=$(nreq)
run plan "$SHRINK"
expect "one server again: plan destroys the network" 2 \
	"destroy: phase live runs one server; its servers are detached first"
run apply "$SHRINK" --yes --parallelism 1
expect "  ... and apply does" 0 "Resources: 0 added, 1 changed, 0 replaced, 3 destroyed."
order=$(paths "$before" | grep -E '^(POST|DELETE) ' | grep -E 'detach_from_network|/networks/|/servers/[0-9]+ ' |
	awk '{print $1, $2}' | sed 's/[0-9][0-9]*/N/g' | tr '\n' ';')
[ "$order" = "DELETE /vN/servers/N;POST /vN/servers/N/actions/detach_from_network;DELETE /vN/networks/N;" ] &&
	ok "  ... servers first, then detach, then the network's delete" ||
	not_ok "  ... servers first, then detach, then the network's delete" "$order"
SHRUNK=$(state)
holds "  ... leaving no network" "$SHRUNK" "networks=[]"

# ---- faults at the network's requests ---------------------------------------
# The requests that made the network, attached a server, detached one or
# deleted the network in a clean run; at each, a 500 after the work was
# done and (for the first apply) a SIGKILL of apply, then a rerun that
# must converge to the clean run's state and plan clean.
points_of() { # points_of SINCE: the numbers of the network requests since SINCE
	sim GET "requests?since=$1" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["requests"]:
    if r["method"] != "GET" and "network" in r["path"]: print(r["n"])'
}
fresh
"$INFRAC" apply "$FILE" --yes --parallelism 1 > /dev/null 2>&1 < /dev/null
GROW=$(points_of 0)
fresh
"$INFRAC" apply "$WORK/ex/pair.infra" --yes --parallelism 1 > /dev/null 2>&1 < /dev/null
base=$(nreq)
"$INFRAC" apply "$SHRINK" --yes --parallelism 1 > /dev/null 2>&1 < /dev/null
SHRINKS=$(points_of "$base" | while read -r n; do echo $((n - base)); done)
fault_point() { # fault_point grow|shrink 500|kill K: prints ok or FAIL and why
	local what=$1 kind=$2 k=$3 file=$FILE want=$WANT
	fresh
	if [ "$what" = shrink ]; then
		file=$SHRINK want=$SHRUNK
		"$INFRAC" apply "$WORK/ex/pair.infra" --yes --parallelism 1 > /dev/null 2>&1 < /dev/null
		k=$(( $(nreq) + k ))
	fi
	if [ "$kind" = kill ]; then
		killed_at "$k" "$INFRAC" apply "$file" --yes --parallelism 1
	else
		sim POST faults "{\"kind\":\"status\",\"status\":500,\"when\":\"after\",\"at_request\":$k}" > /dev/null
		"$INFRAC" apply "$file" --yes --parallelism 1 > "$WORK/fault.out" 2>&1 < /dev/null
	fi
	sim DELETE faults > /dev/null
	run apply "$file" --yes --parallelism 1
	local got
	got=$(state)
	if [ "$RC" = 0 ] && [ "$got" = "$want" ] && "$INFRAC" plan "$file" > "$WORK/plan.out" 2>&1; then
		echo "ok $what:$kind@$k"
	else
		echo "FAIL $what:$kind@$k"
		{ echo "state: $got"; echo "want:  $want"; cat "$WORK/fault.out" "$WORK/out" "$WORK/plan.out"; } |
			sed 's/^/#   /' | head -40
	fi
}
t0=$(date +%s)
workers=()
# two pairs of simulator and sshd take turns at the points: each point
# mostly waits (actions, ssh handshakes)
points() { # every point, one a line: grow|shrink KIND K
	local n=0
	for k in $GROW; do
		echo "grow 500 $k"
		n=$((n + 1))
		[ $n -le 2 ] && echo "grow kill $k"
	done
	for k in $SHRINKS; do echo "shrink 500 $k"; done
}
for w in 1 2; do
	(
		WORK=$T/sweep$w
		mkdir -p "$WORK"
		SIM_PID= SSHD_PID=
		trap '[ -n "$SSHD_PID" ] && kill $SSHD_PID; [ -n "$SIM_PID" ] && kill $SIM_PID' EXIT
		start_sshd > /dev/null
		start_sim --action-seconds 0.05 --rate-limit 3600000
		i=0
		points | while read -r what kind k; do
			i=$((i + 1))
			[ $((i % 2 + 1)) = "$w" ] && fault_point "$what" "$kind" "$k"
		done > "$T/logs/sweep$w"
	) &
	workers+=($!)
	PIDS+=($!)
done
wait "${workers[@]}"
cat "$T"/logs/sweep? > "$T/logs/sweep"
tried=$(grep -cE '^(ok|FAIL) ' "$T/logs/sweep")
conv=$(grep -c '^ok ' "$T/logs/sweep")
echo "# network fault points: $tried tried, $conv converged in $(( $(date +%s) - t0 )) s on two simulators" \
	"(first apply: requests $(echo $GROW) x 500-after, the first two x SIGKILL; to one server:" \
	"$(echo $SHRINKS) x 500-after)"
[ "$tried" -ge 6 ] && [ "$conv" = "$tried" ] && ok "every network fault point converges on rerun ($conv of $tried)" ||
	not_ok "every network fault point converges on rerun ($conv of $tried)" "$(grep -A40 '^FAIL' "$T/logs/sweep" | head -60)"

finish
