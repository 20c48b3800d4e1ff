#!/usr/bin/env bash
# The real-engine suite: examples/becker.infra, as it is, deployed with
# `infrac apply` to a server that is a network namespace of this test's
# with its own dockerd, sshd and image registry (engine.sh), running
# images built from Debian's packages (images.sh; stand-ins for Odoo and
# the Claude Code UI, which Debian does not package: standin.c).  The
# Hetzner API simulator hands out the namespace's address.  Traffic goes
# only to that namespace, and to the simulator and a second registry
# process (the namespace's storage, for infrac's digest lookups) on
# 127.0.0.1.
#   tests/engine/run.sh /abs/path/to/infrac
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/../lib.sh"
. "$HERE/engine.sh"
. "$HERE/images.sh"
INFRAC=${1:?usage: run.sh INFRAC}
W=$(mktemp -d /tmp/infrac-engine.XXXXXX)
chmod 755 "$W"
SIM_PID= LOAD_PID=
cleanup() {
	[ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null && wait "$LOAD_PID" 2>/dev/null
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	SIM_PID=
	engine_stop
	rm -rf "$W"
}
trap cleanup EXIT
T0=$(date +%s)
say() { echo "# $(($(date +%s) - T0)) s: $*"; }

engine_start && engine_sshd_start && engine_registry_start && engine_registry_mirror_start || {
	not_ok "the test engine starts" "see the messages above"
	finish
	exit 1
}
IMAGES_LOG=$W/images.log images_build_all && images_publish ||
	{ not_ok "the images build" "$(tail -30 "$W/images.log")"; finish; exit 1; }
say "engine, sshd, registry and images ready${IMAGES_TIMES:+: $(echo $IMAGES_TIMES)}"

# ---- the simulator and what apply reads ----------------------------------------
python3 "$ROOT/tests/sim/hcloud_sim.py" --port 0 --port-file "$W/sim.port" \
	--action-seconds 0.05 --server-ip "$ENGINE_NS_IP" > "$W/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 100); do [ -s "$W/sim.port" ] && break; sleep 0.05; done
export HCLOUD_TOKEN=engine-test HCLOUD_ENDPOINT=http://127.0.0.1:$(cat "$W/sim.port")/v1
export PG_PASSWORD=pg-$$-secret ANTHROPIC_API_KEY=ak-$$-secret
export INFRAC_SSH_USER=root INFRAC_SSH_PORT=$ENGINE_SSH_PORT INFRAC_SSH_IDENTITY=$ENGINE_SSH_KEY
export INFRAC_REMOTE_ROOT=$W/remote XDG_STATE_HOME=$W/state INFRAC_ACTION_POLL_MS=20
# root's authorized_keys on the "server": the one the test's sshd reads
export INFRAC_REMOTE_AUTHORIZED_KEYS=$ENGINE_TMP/ssh/authorized_keys
export NO_COLOR=1
# plan and apply ask the registry what each tag points to: the host's view
# of the one dockerd pulls from (engine_registry_mirror_start)
unset INFRAC_REGISTRY
export INFRAC_REGISTRY_MIRROR=$ENGINE_REGISTRY_MIRROR
mkdir -p "$W/remote" "$W/state"
# ENGINE_BECKER: another file to deploy in its place (to see the suite fail
# when a wiring of becker.infra is broken on purpose)
cp -a "${ENGINE_BECKER:-$ROOT/examples/becker.infra}" "$W/becker.infra"
cp -a "$ROOT/examples/keys" "$W/"
BECKER=$W/becker.infra
ODOO=odoo.becker-sicherheit.de CLAUDE=claude.becker-sicherheit.de
P=$W/remote/becker

# apply FILE PHASE [options]: the output in $W/out, the status in $RC
apply() {
	local f=$1 ph=$2
	shift 2
	timeout 400 "$INFRAC" apply "$f" --phase "$ph" --yes "$@" > "$W/out" 2>&1
	RC=$?
}
expect_apply() { # expect_apply WHAT RC FILE PHASE
	apply "$3" "$4"
	if [ "$RC" = "$2" ]; then ok "$1"; else not_ok "$1" "exit $RC; $(tail -40 "$W/out")"; fi
}
# in the server's namespace, as a client of that server would be
https() { engine_in_ns curl -sk --max-time 10 --resolve "$1:443:127.0.0.1" "https://$1$2"; }
http() { # http PORT PATH [curl options...]
	local port=$1 path=$2
	shift 2
	engine_in_ns curl -s --max-time 10 "$@" "http://127.0.0.1:$port$path"
}
# SERVICE|STATE|HEALTH of the project's containers, sorted
states() {
	local ids
	ids=$(docker ps -aq --filter label=com.docker.compose.project=becker) && [ -n "$ids" ] &&
		docker inspect --format '{{index .Config.Labels "com.docker.compose.service"}}|{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}' \
			$ids | sort
}
current() { readlink "$P/current"; }
# waits (at most 120 s) until every container of the project is running
# and healthy where it has a check
wait_healthy() {
	local i s
	for i in $(seq 120); do
		s=$(states) && ! printf '%s\n' "$s" | grep -qv '|running|healthy$\||running|$' && return 0
		sleep 1
	done
	return 1
}
has() { case "$2" in *"$3"*) ok "$1" ;; *) not_ok "$1" "'$3' not in: $2" ;; esac; }

# ---- dev_test: the first apply ---------------------------------------------------
expect_apply "apply dev_test: becker.infra as it is, on a real engine" 0 "$BECKER" dev_test
say "dev_test applied"
want="claude_code|running|
nginx|running|healthy
odoo_dev|running|healthy
odoo_test|running|healthy
postgres|running|healthy
redis|running|healthy"
if [ "$(states)" = "$want" ]; then ok "dev_test: every container running, healthy where it has a check"
else not_ok "dev_test: every container running, healthy where it has a check" "$(states)"; fi
has "odoo_dev answers on 8069, on its own database" "$(http 8069 /)" "database=dev"
has "odoo_test answers on host port 8070 (Odoo's 8069 inside)" "$(http 8070 /)" "database=test"
has "odoo_test reached PostgreSQL as HOST, USER, PASSWORD say" "$(http 8070 /web/health)" '"database": "test"'
has "https $CLAUDE reaches claude_code through nginx" "$(https "$CLAUDE" /)" "claude-code-ui"
cn=$(engine_in_ns sh -c "openssl s_client -connect 127.0.0.1:443 -servername $CLAUDE </dev/null 2>/dev/null | openssl x509 -noout -subject")
has "nginx answers with the certificate of the name asked for (SNI)" "$cn" "CN = $CLAUDE"
has "http $CLAUDE redirects to https" "$(engine_in_ns curl -s -o /dev/null -w '%{http_code} %{redirect_url}' \
	--resolve "$CLAUDE:80:127.0.0.1" "http://$CLAUDE/x")" "301 https://$CLAUDE/x"
check "the release runs from releases/, current points at it" test -d "$P/$(current)"
R1=$(current)

# data that must outlive every redeploy: a row in odoo_test's database (the
# pgdata volume) and a file in its filestore (odoo_test_files)
http 8070 "/test/row?value=row-$$" -X POST >/dev/null
http 8070 /test/file/note.txt -X PUT --data-binary "file-$$" >/dev/null
has "a row is written to PostgreSQL through odoo_test" "$(http 8070 /test/rows)" "row-$$"
has "a file is written to odoo_test's filestore" "$(http 8070 /test/file/note.txt)" "file-$$"

# ---- a redeploy that recreates postgres and odoo_test ---------------------------
sed -e 's/^    POSTGRES_USER     = "odoo"$/&\n    TZ                = "Europe\/Berlin"/' \
	-e '/^service odoo_test {$/,/^}$/s/^    USER     = "odoo"$/&\n    TZ       = "Europe\/Berlin"/' \
	"$BECKER" > "$W/becker-tz.infra"
ids_before=$(docker ps -q --filter label=com.docker.compose.service=postgres)$(docker ps -q --filter label=com.docker.compose.service=odoo_test)
expect_apply "a changed dev_test deploys a new release" 0 "$W/becker-tz.infra" dev_test
say "dev_test redeployed"
ids_after=$(docker ps -q --filter label=com.docker.compose.service=postgres)$(docker ps -q --filter label=com.docker.compose.service=odoo_test)
[ -n "$ids_after" ] && [ "$ids_before" != "$ids_after" ] && ok "the redeploy recreated postgres and odoo_test" ||
	not_ok "the redeploy recreated postgres and odoo_test" "$ids_before / $ids_after"
has "the row survives the redeploy" "$(http 8070 /test/rows)" "row-$$"
has "the file survives the redeploy" "$(http 8070 /test/file/note.txt)" "file-$$"
check "current moved to the new release" test "$(current)" != "$R1"

# ---- the switch to production ------------------------------------------------------
expect_apply "apply production: the switch from dev_test" 0 "$BECKER" production
say "production applied"
R2=$(current)
want="claude_code|running|
nginx|running|healthy
odoo_prod|running|healthy
odoo_test|running|healthy
postgres|running|healthy
redis|running|healthy"
if [ "$(states)" = "$want" ]; then ok "production: odoo_prod runs, odoo_dev is gone"
else not_ok "production: odoo_prod runs, odoo_dev is gone" "$(states)"; fi
has "https $ODOO reaches odoo_prod, on the prod database" "$(https "$ODOO" /)" "database=prod"
has "https $CLAUDE still reaches claude_code" "$(https "$CLAUDE" /)" "claude-code-ui"
has "the row survives the switch" "$(http 8070 /test/rows)" "row-$$"
has "the file survives the switch" "$(http 8070 /test/file/note.txt)" "file-$$"
# max_upload = 128 MB: nginx takes a 70 MB body for odoo_prod's domain, and
# refuses it (413, its default 64 MB) for claude's
head -c $((70 << 20)) /dev/zero > "$W/big"
up() { engine_in_ns curl -sk --max-time 60 -o /dev/null -w '%{http_code}' -X POST --data-binary "@$W/big" \
	--resolve "$1:443:127.0.0.1" "https://$1/test/upload"; }
code=$(up "$ODOO")
[ "$code" != 413 ] && [ "$code" != 000 ] && ok "a 70 MB upload passes the proxy to odoo_prod (max_upload 128 MB): $code" ||
	not_ok "a 70 MB upload passes the proxy to odoo_prod (max_upload 128 MB)" "status $code"
has "  ... and is refused for claude, where the default 64 MB holds" "$(up "$CLAUDE")" 413
rm -f "$W/big"

# ---- the deploy installs the release's units ----------------------------------------
U=$W/remote/systemd
check "the deploy installed the release's systemd units (stack, certificates, timer)" \
	test -f "$U/infrac-becker.service" -a -f "$U/infrac-becker-certs.service" -a -f "$U/infrac-becker-certs.timer"
check "  ... as the current release has them" cmp "$U/infrac-becker.service" "$P/current/infrac-becker.service"
check "the proxy reads the current release's nginx.conf" cmp "$P/proxy/nginx.conf" "$P/current/nginx.conf"

# ---- a rotated secret ----------------------------------------------------------------
export ANTHROPIC_API_KEY=ak-$$-rotated
timeout 100 "$INFRAC" plan "$BECKER" --phase production > "$W/plan" 2>&1
has "plan: a rotated secret redeploys the service that reads it, and says why" "$(cat "$W/plan")" \
	"claude_code: is handed over without downtime: secret ANTHROPIC_API_KEY rotated"
grep -q -- "-rotated" "$W/plan" && not_ok "  ... without showing the value" || ok "  ... without showing the value"
expect_apply "apply deploys the rotated secret" 0 "$BECKER" production
check "  ... to the current release's .env" grep -qx "ANTHROPIC_API_KEY='ak-$$-rotated'" "$P/current/.env"
cenv=$(docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' $(docker ps -q --filter label=com.docker.compose.service=claude_code))
has "  ... and to claude_code's environment" "$cenv" "ANTHROPIC_API_KEY=ak-$$-rotated"
labels=$(curl -s -H "Authorization: Bearer $HCLOUD_TOKEN" "$HCLOUD_ENDPOINT/servers?name=becker-main")
has "  ... recorded in the server's labels as a salted fingerprint" "$labels" '"infrac/secret.ANTHROPIC_API_KEY"'
case $labels in *ak-$$*) not_ok "  ... which hold no value" "$labels" ;; *) ok "  ... which hold no value" ;; esac
timeout 100 "$INFRAC" plan "$BECKER" --phase production > "$W/plan" 2>&1
check "  ... so the next plan has no changes" test $? = 0
R2=$(current)
say "rotation checked"

# ---- a backend that answers only through nginx's 502, behind TLS -----------------------
sed '/^service odoo_prod {$/,/^}$/s/^  port       = 8069$/  port       = 8068/' "$BECKER" > "$W/becker-502.infra"
INFRAC_HEALTH_TIMEOUT=20 expect_apply "a release whose domain gets nginx's 502 over https fails the apply" 1 \
	"$W/becker-502.infra" production
has "  ... which says the answer was nginx's, not the service's" "$(cat "$W/out")" \
	"$ODOO answered 502 over https"
has "  ... and switched back" "$(cat "$W/out")" "switched back to release ${R2#releases/}"
wait_healthy && has "  ... where odoo_prod answers over https again" "$(https "$ODOO" /)" "database=prod" ||
	not_ok "  ... where odoo_prod answers over https again" "$(states)"
say "TLS health checked"

# ---- an added ssh key: the server stays, the key logs in --------------------------------
sid() { curl -s -H "Authorization: Bearer $HCLOUD_TOKEN" "$HCLOUD_ENDPOINT/servers?name=becker-main" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["servers"][0]["id"])'; }
ssh_as() { timeout 20 ssh -i "$1" -p "$ENGINE_SSH_PORT" -o BatchMode=yes -o IdentitiesOnly=yes \
	-o UserKnownHostsFile="$ENGINE_TMP/ssh/known_hosts" -o StrictHostKeyChecking=yes \
	-o ConnectTimeout=5 -o LogLevel=ERROR "root@$ENGINE_NS_IP" true; }
ssh-keygen -q -t ed25519 -N '' -C extra -f "$W/keys/extra"
sed -e 's/^ssh_key ops {$/ssh_key extra {\n  public_key = file("keys\/extra.pub")\n}\n&/' \
	-e 's/ssh_keys = \[ops\]/ssh_keys = [ops, extra]/' "$BECKER" > "$W/becker-keys.infra"
before=$(sid)
ssh_as "$W/keys/extra" && not_ok "the new key does not log in before" || ok "the new key does not log in before"
expect_apply "adding an ssh key applies" 0 "$W/becker-keys.infra" production
has "  ... replacing nothing" "$(cat "$W/out")" "0 replaced, 0 destroyed"
check "  ... the server is the one it was" test "$(sid)" = "$before"
check "  ... and the new key logs in" ssh_as "$W/keys/extra"
expect_apply "removing the key again applies" 0 "$BECKER" production
ssh_as "$W/keys/extra" && not_ok "  ... and the removed key no longer logs in" ||
	ok "  ... and the removed key no longer logs in"
check "  ... while a key the project does not manage still does" ssh_as "$ENGINE_SSH_KEY"
say "keys checked"

# ---- a redeploy under load drops no request -----------------------------------------------
# odoo_prod's image changes under the same tag: plan sees it in the
# registry, and apply, without --redeploy, hands odoo_prod over while 25
# requests a second go to its domain over https
printf 'FROM odoo:17\nENV STANDIN_VERSION=2\n' | docker build -q -t odoo:17 - >/dev/null &&
	images_publish odoo:17 || not_ok "a second odoo:17 is built and published"
timeout 100 "$INFRAC" plan "$BECKER" --phase production > "$W/plan" 2>&1
has "plan: odoo:17 pushed again hands odoo_prod over, though the file did not change" "$(cat "$W/plan")" \
	"odoo_prod: is handed over without downtime: image odoo:17 now points to sha256:"
rm -f "$W/stop"
engine_in_ns python3 "$HERE/load.py" "$ODOO" 127.0.0.1 25 200 "$W/stop" > "$W/load.json" 2>&1 &
LOAD_PID=$!
sleep 3
apply "$BECKER" production
sleep 3
touch "$W/stop"
wait "$LOAD_PID"
LOAD_PID=
[ "$RC" = 0 ] && ok "apply (no --redeploy) hands odoo_prod over under load" ||
	not_ok "apply (no --redeploy) hands odoo_prod over under load" "$(tail -30 "$W/out")"
echo "# redeploy under load: $(cat "$W/load.json")"
/usr/bin/python3 - "$W/load.json" <<'PY' && ok "  ... drops no request at 20 or more a second, and the new image answers" ||
import json, sys
d = json.load(open(sys.argv[1]))
assert d["failed"] == 0 and d["rate"] >= 20, d
assert any("version=2" in b for b in d["bodies"]) and any("version=1" in b for b in d["bodies"]), d
PY
	not_ok "  ... drops no request at 20 or more a second, and the new image answers" "$(cat "$W/load.json")"
has "  ... and answers with the new image after it" "$(https "$ODOO" /)" "version=2"
timeout 100 "$INFRAC" plan "$BECKER" --phase production > "$W/plan" 2>&1
check "  ... whose digest the labels record: the next plan has no changes" test $? = 0
R2=$(current)
say "handover checked"

# ---- a release whose health check fails is rolled back --------------------------
sed '/^service odoo_prod {$/,/^}$/s/^  port       = 8069$/&\n  healthcheck = "exit 1"/' "$BECKER" > "$W/becker-broken.infra"
INFRAC_HEALTH_TIMEOUT=25 expect_apply "a release whose health check fails fails the apply" 1 "$W/becker-broken.infra" production
has "  ... which says it switched back" "$(cat "$W/out")" "switched back to release ${R2#releases/}"
check "current points at the previous release again" test "$(current)" = "$R2"
wait_healthy && ok "the previous release's containers are healthy again" ||
	not_ok "the previous release's containers are healthy again" "$(states)"
has "  ... and odoo_prod answers again" "$(https "$ODOO" /)" "database=prod"
say "rollback checked"

# ---- releases, and a rollback to a kept release ------------------------------------
# a release whose odoo_prod answers with another version (its environment
# overrides the image's STANDIN_VERSION=2)
sed '/^service odoo_prod {$/,/^}$/s/^    PASSWORD = secret("PG_PASSWORD")$/&\n    STANDIN_VERSION = "3"/' \
	"$BECKER" > "$W/becker-v3.infra"
expect_apply "a release that serves version 3 deploys" 0 "$W/becker-v3.infra" production
R3=$(current)
has "  ... and odoo_prod answers with it" "$(https "$ODOO" /)" "version=3"
timeout 60 "$INFRAC" releases "$W/becker-v3.infra" --phase production > "$W/out" 2>&1
has "releases marks the new release current, with what changed" "$(cat "$W/out")" \
	"* ${R3#releases/}  20"
has "  ... and lists the one before it" "$(grep -v '^server' "$W/out")" "  ${R2#releases/}  20"
has "  ... with what changed" "$(grep -F "${R3#releases/}  20" "$W/out")" "production  changed "
has "  ... docker-compose.yml among it" "$(grep -F "${R3#releases/}  20" "$W/out")" "docker-compose.yml"
timeout 300 "$INFRAC" rollback "$W/becker-v3.infra" --phase production > "$W/out" 2>&1
RC=$?
[ "$RC" = 0 ] && ok "rollback to the previous release" || not_ok "rollback to the previous release" "exit $RC; $(tail -30 "$W/out")"
check "  ... which current points at again" test "$(current)" = "$R2"
has "  ... through the handover and the health and domain checks" "$(tr '\n' ' ' < "$W/out")" \
	"stage   pull   switch   up   handover   reload   health   domains   host"
has "  ... and odoo_prod answers with the old version" "$(https "$ODOO" /)" "version=2"
wait_healthy && ok "  ... every container healthy" || not_ok "  ... every container healthy" "$(states)"
timeout 100 "$INFRAC" plan "$W/becker-v3.infra" --phase production > "$W/plan" 2>&1
has "plan says the server was rolled back and what apply would do" "$(cat "$W/plan")" \
	"rolled back to ${R2#releases/}; apply redeploys ${R3#releases/}"
timeout 100 "$INFRAC" rollback "$BECKER" no-such-release --phase production > "$W/out" 2>&1
RC=$?
check "rollback to a release not kept fails with exit 1" test "$RC" = 1
has "  ... saying so" "$(cat "$W/out")" "release no-such-release is not kept on server main"
check "  ... and leaves the current one running" test "$(current)" = "$R2"
has "  ... serving" "$(https "$ODOO" /)" "version=2"
say "releases and rollback checked"

# ---- the engine stops and starts again ---------------------------------------------
engine_dockerd_restart && wait_healthy && ok "after the engine restarts, every container is back and healthy" ||
	not_ok "after the engine restarts, every container is back and healthy" "$(states)"
has "  ... running the current release (production), not the first one" "$(https "$ODOO" /)" "database=prod"
[ -z "$(docker ps -q --filter label=com.docker.compose.service=odoo_dev)" ] &&
	ok "  ... and odoo_dev of the first release stays gone" || not_ok "  ... and odoo_dev of the first release stays gone"
has "the row survives the engine's restart" "$(http 8070 /test/rows)" "row-$$"
say "engine restart checked"

# ---- a reboot: the unit stops the stack, and at boot starts the current release --------
# the unit's own commands, with the test's root and the compose this machine has
COMPOSE=docker-compose
"${ENGINE_SSH[@]}" 'docker compose version' >/dev/null 2>&1 && COMPOSE='docker compose'
unit_cmd() { sed -n "s/^$1=//p" "$U/infrac-becker.service" |
	sed -e "s|/opt/infrac|$W/remote|g" -e "s|/usr/bin/docker compose|$COMPOSE|g"; }
timeout 120 "${ENGINE_SSH[@]}" "$(unit_cmd ExecStop)" > "$W/out" 2>&1
[ -z "$(docker ps -q --filter label=com.docker.compose.project=becker)" ] &&
	ok "the unit's stop takes the stack down" || not_ok "the unit's stop takes the stack down" "$(states)"
rm -f "$P/proxy/nginx.conf"
timeout 300 "${ENGINE_SSH[@]}" "$(unit_cmd ExecStartPre) && $(unit_cmd ExecStart)" > "$W/out" 2>&1
wait_healthy && ok "at boot the unit brings every container back, healthy" ||
	not_ok "at boot the unit brings every container back, healthy" "$(states); $(tail "$W/out")"
has "  ... of the current release, with its secrets" "$(https "$ODOO" /)" "database=prod"
check "  ... and the proxy's configuration of that release" cmp "$P/proxy/nginx.conf" "$P/current/nginx.conf"
check "  ... current unchanged" test "$(current)" = "$R2"
has "the row survives the reboot" "$(http 8070 /test/rows)" "row-$$"
say "reboot checked"

# ---- nothing left behind ----------------------------------------------------------------
kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
SIM_PID=
engine_stop
if left=$(engine_leftovers); then ok "no dockerd, container, network, mount or namespace left behind"
else not_ok "no dockerd, container, network, mount or namespace left behind" "$left"; fi
say "done"
finish
