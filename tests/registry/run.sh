#!/usr/bin/env bash
# Image digests from a registry: infrac plan against the API simulator and
# Debian's real docker-registry (the distribution registry) on 127.0.0.1,
# with its own storage in a temp dir.  Images are pushed through the
# registry's HTTP API (regtool.py push); pushing a tag again must change
# what plan records and report it.  The Bearer-token flow runs against a
# stand-in (regtool.py standin: a token realm and a front that demands its
# token, passing on to the real registry), as Debian packages no token
# server.  Failing lookups only warn.  Nothing leaves 127.0.0.1.
#   tests/registry/run.sh /abs/path/to/infrac
set -u
INFRAC=${1:?usage: run.sh INFRAC}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$HERE/../lib.sh"
cd "$REPO"
unset INFRAC_REGISTRY INFRAC_REGISTRY_MIRROR

TMP=$(mktemp -d /tmp/infrac-registry.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

if ! command -v docker-registry >/dev/null; then
	not_ok "docker-registry is installed (make deps-test installs it)"
	finish
	exit 1
fi

# wait_for WHAT CMD...: CMD succeeds within 10 s
wait_for() {
	local what=$1 i
	shift
	for i in $(seq 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	not_ok "$what starts" "$(cat "$TMP"/*.log 2>/dev/null | tail -20)"
	finish
	exit 1
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ---- the registry, the simulator -------------------------------------------------
RPORT=$(free_port)
mkdir -p "$TMP/data"
printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:%s\n' \
	"$TMP/data" "$RPORT" > "$TMP/registry.yml"
docker-registry serve "$TMP/registry.yml" > "$TMP/registry.log" 2>&1 &
PIDS+=($!)
REG=http://127.0.0.1:$RPORT
wait_for "the registry" curl -fs "$REG/v2/"

python3 tests/sim/hcloud_sim.py --port 0 --port-file "$TMP/sim.port" > "$TMP/sim.log" 2>&1 &
PIDS+=($!)
wait_for "the simulator" test -s "$TMP/sim.port"
export HCLOUD_TOKEN=reg-$$-token HCLOUD_ENDPOINT=http://127.0.0.1:$(cat "$TMP/sim.port")/v1
export INFRAC_HTTP_BACKOFF_MS=10 INFRAC_TODAY=2027-01-01 NO_COLOR=1

push() { python3 "$HERE/regtool.py" push "$REG" "$1" "$2" "$3"; }
for img in odoo:17 nginx:1.27 postgres:16 redis:7 node:22; do
	push "library/${img%%:*}" "${img#*:}" "$img-1" > "$TMP/digest.${img%%:*}" ||
		not_ok "push $img" "$(cat "$TMP/registry.log")"
done
D1=$(cat "$TMP/digest.odoo")

EX=examples/becker.infra
# plan ARGS...: stdout in $TMP/out, stderr in $TMP/err, status in $RC
plan() {
	timeout 60 "$INFRAC" plan "$EX" --phase production "$@" > "$TMP/out" 2> "$TMP/err"
	RC=$?
	cat "$TMP/out" "$TMP/err" >> "$TMP/all"
}
# the label plan wants on becker-main for a service, from plan --json
label() { python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
s = [a for a in p["actions"] if a["kind"] == "server"][0]
print(s["desired"]["labels"].get("infrac/image." + sys.argv[2], "none"))' "$TMP/out" "$1"; }
has() { case "$2" in *"$3"*) ok "$1" ;; *) not_ok "$1" "'$3' not in: $2" ;; esac; }
lacks() { case "$2" in *"$3"*) not_ok "$1" "'$3' in: $2" ;; *) ok "$1" ;; esac; }
warnings() { grep -c '^warning: image digests' "$TMP/out"; }

# ---- the digest a tag points to ---------------------------------------------------
export INFRAC_REGISTRY_MIRROR=$REG
plan --json
[ "$RC" = 2 ] && [ "$(label odoo_prod)" = "${D1:7:12}" ] &&
	ok "plan records the digest odoo:17 points to in the registry (infrac/image.odoo_prod)" ||
	not_ok "plan records the digest odoo:17 points to in the registry (infrac/image.odoo_prod)" \
		"exit $RC, label $(label odoo_prod), pushed $D1; $(cat "$TMP/err")"
[ "$(label nginx)" = "$(cut -c8-19 "$TMP/digest.nginx")" ] && [ "$(label claude_code)" = "$(cut -c8-19 "$TMP/digest.node")" ] &&
	ok "  ... and of every other image, each its own" ||
	not_ok "  ... and of every other image, each its own" "$(cat "$TMP/out")"
cp "$TMP/out" "$TMP/plan1.json"

# the server as apply leaves it: the labels the plan above records
python3 - "$TMP/plan1.json" "$HCLOUD_ENDPOINT" "$HCLOUD_TOKEN" <<'PY' > "$TMP/create.log" 2>&1 &&
import json, sys, urllib.request
p = json.load(open(sys.argv[1]))
s = [a for a in p["actions"] if a["kind"] == "server"][0]["desired"]
body = {"name": "becker-main", "server_type": s["server_type"], "image": s["image"],
        "location": s["location"], "labels": s["labels"]}
req = urllib.request.Request(sys.argv[2] + "/servers", json.dumps(body).encode(), method="POST",
                             headers={"Authorization": "Bearer " + sys.argv[3],
                                      "Content-Type": "application/json"})
print(urllib.request.urlopen(req, timeout=10).status)
PY
	ok "a server labelled as that plan would deploy it is made" ||
	not_ok "a server labelled as that plan would deploy it is made" "$(cat "$TMP/create.log")"
plan
lacks "while the tags stay, plan redeploys no service" "$(cat "$TMP/out")" "now points to"

# odoo:17 is pushed again: another image under the same tag
D2=$(push library/odoo 17 odoo:17-2)
[ -n "$D2" ] && [ "$D2" != "$D1" ] && ok "odoo:17 is pushed again as another image" ||
	not_ok "odoo:17 is pushed again as another image" "$D1 / $D2"
plan
has "plan: odoo_prod is handed over because odoo:17 now points to the new digest" "$(cat "$TMP/out")" \
	"odoo_prod: is handed over without downtime: image odoo:17 now points to ${D2:0:19}"
has "  ... and odoo_test, which runs the same tag, restarts (it publishes a port)" "$(cat "$TMP/out")" \
	"odoo_test: restarts: image odoo:17 now points to ${D2:0:19}"
has "  ... in a redeploy of the server" "$(cat "$TMP/out")" "redeploy: 2 services change"
lacks "  ... and only those two" "$(cat "$TMP/out")" "postgres: "
plan --json
[ "$(label odoo_prod)" = "${D2:7:12}" ] && ok "  ... and the labels it would record name the new digest" ||
	not_ok "  ... and the labels it would record name the new digest" "$(label odoo_prod) / $D2"

# ---- a token realm (the stand-in) ---------------------------------------------------
# standin NAME ARGS...: a stand-in in front of the registry; its port in SP
standin() {
	local name=$1
	shift
	python3 "$HERE/regtool.py" standin --backend "$REG" --port-file "$TMP/$name.port" \
		--log "$TMP/$name.jsonl" "$@" > "$TMP/$name.log" 2>&1 &
	PIDS+=($!)
	wait_for "the stand-in $name" test -s "$TMP/$name.port"
	SP=$(cat "$TMP/$name.port")
}
standin auth --strip-digest library/redis --canary "$HCLOUD_TOKEN"
export INFRAC_REGISTRY_MIRROR=http://127.0.0.1:$SP
plan --json --debug
[ "$RC" = 2 ] && [ "$(label odoo_prod)" = "${D2:7:12}" ] && [ "$(warnings)" = 0 ] &&
	ok "behind a Bearer challenge: an anonymous token from the realm, then the digest" ||
	not_ok "behind a Bearer challenge: an anonymous token from the realm, then the digest" \
		"exit $RC $(label odoo_prod); $(cat "$TMP/out" "$TMP/err" | tail -30)"
python3 - "$TMP/auth.jsonl" <<'PY' && ok "  ... a token for pulling each repository, for the realm's service, and one challenge" ||
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
scopes = sorted(l["scope"] for l in lines if l["kind"] == "token")
assert scopes == ["repository:library/%s:pull" % r for r in ("nginx", "node", "odoo", "postgres", "redis")], scopes
assert all(l["service"] == "standin-registry" for l in lines if l["kind"] == "token"), lines
assert sum(1 for l in lines if l["kind"] == "front" and not l["token"]) == 1, lines
PY
	not_ok "  ... a token for pulling each repository, for the realm's service, and one challenge" "$(cat "$TMP/auth.jsonl")"
[ "$(label redis)" = "$(cut -c8-19 "$TMP/digest.redis")" ] &&
	ok "  ... without Docker-Content-Digest, the digest is the manifest's SHA-256" ||
	not_ok "  ... without Docker-Content-Digest, the digest is the manifest's SHA-256" "$(label redis)"
has "  ... the token shows in --debug only as <redacted>" "$(cat "$TMP/err")" "Authorization: Bearer <redacted>"
lacks "  ... never as itself" "$(cat "$TMP/err" "$TMP/out")" '"tk-'
lacks "  ... and the Hetzner token never shows" "$(cat "$TMP/err" "$TMP/out")" "$HCLOUD_TOKEN"
grep -q '"leak"' "$TMP/auth.jsonl" && not_ok "the registry and its realm never see the Hetzner token" ||
	ok "the registry and its realm never see the Hetzner token"

# an image named by its registry (not Docker Hub, not the mirror), on this
# machine, so asked over plain http
cp -a examples/keys "$TMP/"
sed "s|image = \"redis:7\"|image = \"127.0.0.1:$SP/library/redis:7\"|" "$EX" > "$TMP/host.infra"
EX=$TMP/host.infra plan --json
[ "$(label redis)" = "$(cut -c8-19 "$TMP/digest.redis")" ] && [ "$(warnings)" = 0 ] &&
	ok "an image with a registry host is asked there" ||
	not_ok "an image with a registry host is asked there" "$(label redis); $(cat "$TMP/out" | tail)"
# a digest in the reference is its own: not asked
sed "s|image = \"redis:7\"|image = \"redis@$D1\"|" "$EX" > "$TMP/pinned.infra"
: > "$TMP/auth.jsonl"
EX=$TMP/pinned.infra plan --json
[ "$(label redis)" = "${D1:7:12}" ] && ! grep -q redis "$TMP/auth.jsonl" &&
	ok "an image pinned by digest is its own digest, and not looked up" ||
	not_ok "an image pinned by digest is its own digest, and not looked up" "$(label redis); $(cat "$TMP/auth.jsonl")"

# ---- lookups that fail only warn ------------------------------------------------------
standin private1 --private library/redis
export INFRAC_REGISTRY_MIRROR=http://127.0.0.1:$SP
plan --json
[ "$(label odoo_prod)" = "${D2:7:12}" ] &&
	ok "one private repository of a registry: the others are still looked up there" ||
	not_ok "one private repository of a registry: the others are still looked up there" \
		"$(label odoo_prod); $(cat "$TMP/out" | tail -5)"
has "  ... and the warning names it alone" "$(cat "$TMP/out")" \
	"image digests not checked for redis:7: 127.0.0.1:$SP: no anonymous token (HTTP 401): needs credentials"
[ "$(label redis)" = "$(cut -c8-19 "$TMP/digest.redis")" ] &&
	ok "  ... whose label keeps the digest the server recorded" ||
	not_ok "  ... whose label keeps the digest the server recorded" "$(label redis)"

standin private --private all
export INFRAC_REGISTRY_MIRROR=http://127.0.0.1:$SP
plan
[ "$RC" = 2 ] && [ "$(warnings)" = 1 ] && ok "a registry that wants credentials: the plan goes on, with one warning" ||
	not_ok "a registry that wants credentials: the plan goes on, with one warning" "exit $RC; $(cat "$TMP/out" "$TMP/err")"
has "  ... naming every image and why" "$(cat "$TMP/out")" \
	"warning: image digests not checked for nginx:1.27, node:22, odoo:17, postgres:16, redis:7: 127.0.0.1:$SP: no anonymous token (HTTP 401): needs credentials"
lacks "  ... and no service is redeployed for an image not checked" "$(cat "$TMP/out")" "now points to"

DEAD=$(free_port)
export INFRAC_REGISTRY_MIRROR=http://127.0.0.1:$DEAD
t0=$(date +%s%N)
plan
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$RC" = 2 ] && [ "$(warnings)" = 1 ] && [ ! -s "$TMP/err" ] &&
	ok "a registry that does not answer: one warning, no error (${ms} ms)" ||
	not_ok "a registry that does not answer: one warning, no error" "exit $RC; $(cat "$TMP/out" "$TMP/err")"
has "  ... which says why" "$(cat "$TMP/out")" \
	"warning: image digests not checked for nginx:1.27, node:22, odoo:17, postgres:16, redis:7: 127.0.0.1:$DEAD: gave up after"
[ "$ms" -lt 10000 ] && ok "  ... asked once for all its images, not once each" || not_ok "  ... asked once for all its images" "$ms ms"

export INFRAC_REGISTRY_MIRROR=$REG
curl -fs -X DELETE "$REG/v2/library/node/manifests/$(cat "$TMP/digest.node")" > /dev/null 2>&1
plan
has "an image not in the registry: warned about, the others checked" "$(cat "$TMP/out")" \
	"warning: image digests not checked for node:22: 127.0.0.1:$RPORT: not found (HTTP 404)"
[ "$(warnings)" = 1 ] && ok "  ... in one line" || not_ok "  ... in one line" "$(cat "$TMP/out")"

export INFRAC_REGISTRY_MIRROR=http://10.213.0.1:5000
plan
has "a mirror that is neither https nor on this machine is refused" "$(cat "$TMP/out")" \
	"node:22, odoo:17, postgres:16, redis:7: INFRAC_REGISTRY_MIRROR: endpoint 'http://10.213.0.1:5000' refused"

# ---- when plan does not ask ------------------------------------------------------------
export INFRAC_REGISTRY_MIRROR=http://127.0.0.1:$DEAD
INFRAC_REGISTRY=off plan
[ "$RC" = 2 ] && [ "$(warnings)" = 0 ] && ok "INFRAC_REGISTRY=off: no lookup, no warning" ||
	not_ok "INFRAC_REGISTRY=off: no lookup, no warning" "$(cat "$TMP/out")"
env -u HCLOUD_TOKEN "$INFRAC" plan "$EX" --phase production > "$TMP/out" 2>&1
[ "$(warnings)" = 0 ] && ok "an offline plan asks no registry" || not_ok "an offline plan asks no registry" "$(cat "$TMP/out")"

finish
