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

has() { # has "what" HAYSTACK NEEDLE [!]: NEEDLE is in HAYSTACK (with !, is not)
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
has "the app reaches postgres by name at db's private address" \
	"$(cat "$W1/docker-compose.yml")" '- "postgres:10.10.0.4"'
has "postgres is published on db's private address only" \
	"$(cat "$DB/docker-compose.yml")" '- "10.10.0.4:5432:5432"'
has "the balanced app is published on its server's private address" \
	"$(cat "$W2/docker-compose.yml")" '- "10.10.0.3:8000:8000"'
has "compose waits for no service of another server" "$(cat "$W1/docker-compose.yml")" depends_on !
for d in "$W1" "$W2" "$DB"; do
	check "docker-compose config: ${d#"$T/out/"}" env PG_PASSWORD=stand-in \
		docker-compose -f "$d/docker-compose.yml" config -q
done

for d in "$W1" "$W2" "$DB"; do
	check "cloud-init schema: ${d#"$T/out/"}" cloud-init schema -c "$d/cloud-init.yaml"
done
has "a server of a networked phase may bind its private address before it is up" \
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
has "nginx balances the domain across web1 ..." "$seen" '"backend": "app-on-web1"'
has "  ... and web2" "$seen" '"backend": "app-on-web2"'
kill "$B2" 2>/dev/null
wait "$B2" 2>/dev/null
codes=
for _ in 1 2 3 4 5 6; do
	codes+=$(curl -s --max-time 5 -o /dev/null -w '%{http_code} ' -H 'Host: shop.example.com' \
		"http://127.0.0.1:$P80/")
done
[ "$codes" = "200 200 200 200 200 200 " ] && ok "with web2's app stopped, every request is answered" ||
	not_ok "with web2's app stopped, every request is answered" "$codes; $(tail -5 "$N/error.log")"

finish
