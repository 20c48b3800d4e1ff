#!/usr/bin/env bash
# infrac releases and infrac rollback end to end, on the apply suite's
# harness (tests/apply/env.sh): the Hetzner API simulator hands out
# 127.0.0.1, where a real sshd with a stub docker plays the server.  Two
# releases of becker's dev_test that differ, the list of them, a rollback
# to the previous one, what plan then says, a release not kept, a server
# not in the phase, and the next apply.  tests/engine proves the same on
# a real Docker engine, with the old content served and its health check.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
INFRAC=${1:?usage: run.sh ABSOLUTE_PATH_TO_INFRAC}
WORK=$(mktemp -d /tmp/infrac-rollback.XXXXXX)
. "$HERE/../apply/env.sh"
trap env_cleanup EXIT

export PG_PASSWORD=pg-$$ ANTHROPIC_API_KEY=ak-$$ HCLOUD_TOKEN=token-$$ NO_COLOR=1
export INFRAC_ACTION_POLL_MS=10 INFRAC_HTTP_BACKOFF_MS=5 INFRAC_HEALTH_TIMEOUT=2
export INFRAC_TODAY=2026-03-01   # phase dev_test
start_sshd
start_sim --action-seconds 0.05
mkdir -p "$WORK/ex"
cp -r "$HERE/../../examples/." "$WORK/ex/"
FILE=$WORK/ex/becker.infra
V3=$WORK/ex/becker-v3.infra
sed '/^service odoo_dev {$/,/^}$/s/^    PASSWORD = secret("PG_PASSWORD")$/&\n    STANDIN_VERSION = "3"/' \
	"$FILE" > "$V3"
sim POST seed '{"zones":[{"name":"becker-sicherheit.de","mode":"primary"}]}' > /dev/null
P=$WORK/remote/becker
current() { readlink "$P/current"; }

run releases "$FILE" main jobs
expect "releases takes one SERVER: a second is a usage error" 2 "infrac releases: one SERVER only"
run rollback "$FILE" r1 r2
expect "rollback takes one RELEASE: a second is a usage error" 2 "infrac rollback: one RELEASE only"

run apply "$FILE" --yes
[ "$RC" = 0 ] && ok "the first release is applied" || not_ok "the first release is applied" "$(cat "$WORK/out")"
R1=$(current)
R1=${R1#releases/}
run apply "$V3" --yes
[ "$RC" = 0 ] && ok "a second, different release is applied" ||
	not_ok "a second, different release is applied" "$(cat "$WORK/out")"
R2=$(current)
R2=${R2#releases/}
check "  ... with its own id" test -n "$R1" -a "$R1" != "$R2"

run releases "$V3"
expect "releases lists the current release, marked" 0 "  * $R2  20"
expect "  ... and the one before it" 0 "    $R1  20"
expect "  ... with what changed against it" 0 "dev_test    changed "
expect "  ... and says the file's release runs" 0 "the file's release $R2 runs"
check "  ... changing nothing" test "$(current)" = "releases/$R2"
"$INFRAC" releases "$V3" --json < /dev/null > "$WORK/rel.json" 2> "$WORK/rel.err"
if [ $? = 0 ] && python3 - "$WORK/rel.json" "$R1" "$R2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r1, r2 = sys.argv[2], sys.argv[3]
assert (d["format"], d["project"], d["phase"]) == (2, "becker", "dev_test"), d
s, = d["servers"]
assert s["server"] == "main" and s["reached"] and s["unreachable"] is None, s
assert s["current"] == r2 and s["file_release"] == r2 and s["ipv4"] == "127.0.0.1", s
new, old = s["releases"][:2]
assert new["id"] == r2 and new["current"] and new["previous"] == r1, new
assert new["phase"] == "dev_test" and new["changed"] and new["deployed_at"].endswith("Z"), new
assert len(new["source_sha256"]) == 64 and new["failed_step"] is None, new
assert old["id"] == r1 and not old["current"] and old["recorded"], old
PY
then ok "releases --json: the server's releases, newest first, the current one marked"
else not_ok "releases --json" "$(cat "$WORK/rel.json" "$WORK/rel.err")"; fi
check "  ... in the shape of docs/json.md" python3 "$HERE/../json/shape.py" releases "$WORK/rel.json" "$V3"
KH=$WORK/state/infrac/known_hosts/becker
mv "$KH" "$KH.saved" && : > "$KH"
"$INFRAC" releases "$V3" --json < /dev/null > "$WORK/rel.json" 2> "$WORK/rel.err"
rc=$?
mv "$KH.saved" "$KH"
if [ $rc = 1 ] && python3 - "$WORK/rel.json" <<'PY'
import json, sys
s, = json.load(open(sys.argv[1]))["servers"]
assert not s["reached"] and s["releases"] is None, s
assert "server main (becker-main, 127.0.0.1)" in s["unreachable"], s
PY
then ok "releases --json of a server that cannot be asked: in the document, not reached, exit 1"
else not_ok "releases --json of a server not reached" "exit $rc; $(cat "$WORK/rel.json" "$WORK/rel.err")"; fi
run releases "$V3" nosuch
expect "releases of a server the phase does not run: exit 1" 1 "no server 'nosuch' in phase dev_test"

: > "$WORK/docker.log"
run rollback "$V3"
expect "rollback goes back to the previous release" 0 "Rolled back server main (127.0.0.1) to release $R1"
check "  ... which current points at" test "$(current)" = "releases/$R1"
expect "  ... through a deploy's steps, without an upload" 0 "  stage"
has "  health" && has "  domains" && ok "  ... with its health and domain checks" ||
	not_ok "  ... with its health and domain checks" "$(cat "$WORK/out")"
check "  ... which ran compose up in the old release" grep -q "^$R1 docker compose -p becker up -d" "$WORK/docker.log"
check "  ... whose .env holds this environment's secret" grep -qx "PG_PASSWORD='pg-$$'" "$P/releases/$R1/.env"
run plan "$V3"
expect "plan says the server was rolled back and what apply does" 2 \
	"rolled back to $R1; apply redeploys $R2"
run releases "$FILE"
expect "releases marks the rolled-back release current" 0 "  * $R1  20"

run rollback "$FILE" no-such-release
expect "a rollback to a release not kept fails" 1 "release no-such-release is not kept on server main"
check "  ... and leaves the current one" test "$(current)" = "releases/$R1"
run rollback "$FILE" --server nosuch
expect "a rollback of a server the phase does not run fails" 1 "no server 'nosuch' in phase dev_test"

run apply "$V3" --yes
[ "$RC" = 0 ] && ok "the next apply deploys the file's release again" ||
	not_ok "the next apply deploys the file's release again" "$(cat "$WORK/out")"
check "  ... current -> it" test "$(current)" = "releases/$R2"
run plan "$V3"
expect "  ... after which plan has no changes (the rollback label is gone)" 0 ""
finish
