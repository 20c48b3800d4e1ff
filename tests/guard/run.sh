#!/usr/bin/env bash
# The data guard, end to end against the Hetzner API simulator and a real
# sshd with a stub docker (tests/apply/env.sh): a server that holds
# volumes gets delete and rebuild protection; a plan that would replace
# or destroy it, or move a stateful service away from its data, is
# refused (exit 1, nothing changed) unless --allow-data-loss; with it,
# apply snapshots the disk first, and the plan says what the snapshot
# costs a month.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
INFRAC=${1:?usage: run.sh ABSOLUTE_PATH_TO_INFRAC}
WORK=$(mktemp -d /tmp/infrac-guard.XXXXXX)
. "$HERE/../apply/env.sh"
trap env_cleanup EXIT

start_becker guard

# the simulator's view of the servers: "NAME ID LOCATION protected|open"
servers() {
	sim GET state | python3 -c '
import json, sys
for x in json.load(sys.stdin)["servers"]:
    p = x["protection"]
    print(x["name"], x["id"], x["datacenter"]["location"]["name"],
          "protected" if p["delete"] and p["rebuild"] else "open")' | sort
}

# ---- protection -------------------------------------------------------------------
run apply "$FILE" --phase production --yes
expect "production applies" 0 "protected against delete and rebuild"
case $(servers) in "becker-main "*" nbg1 protected") ok "  ... and the server, which holds volumes, is protected" ;;
*) not_ok "  ... and the server, which holds volumes, is protected" "$(servers)" ;; esac
ID=$(servers | cut -d' ' -f2)
run plan "$FILE" --phase production
expect "  ... the next plan has no changes" 0 "No changes."

# ---- infrac output, on the same project ---------------------------------------------
run output "$FILE" --phase production
expect "output names the server, its status and address" 0 "server main: becker-main running 127.0.0.1"
expect "  ... and each domain's A record, in the project's zone" 0 \
	"domain odoo.becker-sicherheit.de: A 127.0.0.1 (becker-main), in zone becker-sicherheit.de, set by apply"
run output "$FILE" --phase production --json
python3 - "$WORK/out" "$ID" <<'PY' && ok "  ... and as JSON" || not_ok "  ... and as JSON" "$(cat "$WORK/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == 2 and d["project"] == "becker" and d["phase"] == "production", d
assert d["servers"] == [{"server": "main", "name": "becker-main", "id": int(sys.argv[2]),
                         "status": "running", "type": "cpx42", "ipv4": "127.0.0.1"}], d
assert {x["domain"]: x["a"] for x in d["domains"]} == {"odoo.becker-sicherheit.de": "127.0.0.1",
                                                      "claude.becker-sicherheit.de": "127.0.0.1"}, d
PY
( unset HCLOUD_TOKEN; "$INFRAC" output "$FILE" > "$WORK/out" 2>&1; echo $? > "$WORK/rc" )
RC=$(cat "$WORK/rc")
expect "output needs the token" 1 "HCLOUD_TOKEN is not set"

# ---- a replace is refused without the flag ---------------------------------------
sed 's/^  location = "nbg1"$/  location = "fsn1"/' "$FILE" > "$WORK/ex/moved.infra"
grep -q 'location = "fsn1"' "$WORK/ex/moved.infra" || not_ok "the test file moves the project to fsn1"
run plan "$WORK/ex/moved.infra" --phase production
expect "plan: replacing a server with volumes is refused" 1 \
	"server becker-main holds the volumes"
expect "  ... naming the volumes and the flag" 1 "replacing it loses them; pass --allow-data-loss"
has "pgdata" && ok "  ... pgdata among them" || not_ok "  ... pgdata among them" "$(cat "$WORK/out")"
before=$(nreq)
run apply "$WORK/ex/moved.infra" --phase production --yes
expect "apply refuses it too" 1 "--allow-data-loss"
check "  ... and changes nothing" test -z "$(mutations "$before")"
check "  ... the server is still there, protected" test "$(servers)" = "becker-main $ID nbg1 protected"

# ---- allowed: the plan says what the snapshot costs, apply takes it first ----------
run plan "$WORK/ex/moved.infra" --phase production --allow-data-loss
expect "plan --allow-data-loss shows the replace" 2 "replace: location nbg1 -> fsn1 forces a new server"
expect "  ... with the snapshot first and its price a month" 2 \
	"snapshot: of its disk first (the volumes"
has "at most 320 GB, at most 4.58 EUR a month at Hetzner's 0.0143 EUR per GB" &&
	ok "  ... at most the disk of a cpx42 at the simulator's price" || not_ok "  ... at most the disk of a cpx42 at the simulator's price" "$(cat "$WORK/out")"
run plan "$WORK/ex/moved.infra" --phase production --allow-data-loss --json
python3 - "$WORK/out" <<'PY' && ok "  ... and in --json" || not_ok "  ... and in --json" "$(cat "$WORK/out")"
import json, sys
d = json.load(open(sys.argv[1]))
x = [a for a in d["actions"] if a["kind"] == "server"][0]
assert x["op"] == "replace" and x["snapshot_eur_month"] == 4.58 and x["protect"], x
assert any(c["subject"] == "location" and c["forces_replacement"] for c in x["changes"]), x
PY
before=$(nreq)
run apply "$WORK/ex/moved.infra" --phase production --yes --allow-data-loss
expect "apply --allow-data-loss replaces the server" 0 "snapshot of its disk before it goes"
check "  ... after a snapshot of the old one" test "$(snapshots)" = "infrac: becker-main before it was deleted of=$ID"
order=$(mutations "$before" | grep -E "create_image|change_protection|DELETE /v1/servers|POST /v1/servers$" | tr '\n' ';')
check "  ... in this order: snapshot, protection off, delete, create, protection on" test "$order" = \
	"POST /v1/servers/$ID/actions/create_image;POST /v1/servers/$ID/actions/change_protection;DELETE /v1/servers/$ID;POST /v1/servers;POST /v1/servers/$((ID + 1))/actions/change_protection;"
case $(servers) in "becker-main "*" fsn1 protected") ok "  ... the new server in fsn1 is protected" ;;
*) not_ok "  ... the new server in fsn1 is protected" "$(servers)" ;; esac

# ---- destroy and move, on two servers ----------------------------------------------
ssh-keygen -q -t ed25519 -N '' -C pair -f "$WORK/ex/keys/pair"
cp "$HERE/../apply/pair.infra" "$WORK/ex/two.infra"
# one deploy at a time: both servers are 127.0.0.1 with one remote folder here
run apply "$WORK/ex/two.infra" --phase split --yes --parallelism 1
expect "a project of two servers applies" 0 "Apply complete!"
run plan "$WORK/ex/two.infra" --phase merged
expect "moving pg to another server: plan copies its volumes" 1 \
	"pg: moves here from pair-db: stopped there, its volumes pgdata copied through this machine (pair-db keeps its copy)"
expect "  ... and destroying the server that holds its data is refused" 1 \
	"server pair-db holds the volumes pgdata (pg): destroying it loses them"
before=$(nreq)
run apply "$WORK/ex/two.infra" --phase merged --yes --parallelism 1
expect "apply refuses the destroy" 1 "--allow-data-loss"
check "  ... and changes nothing" test -z "$(mutations "$before")"
mkdir -p "$WORK/volumes/pair_pgdata"
run apply "$WORK/ex/two.infra" --phase merged --yes --allow-data-loss --parallelism 1
expect "allowed, apply moves pg and destroys the old server" 0 "Apply complete!"
expect "  ... after copying its volume through this machine" 0 "moved pg from pair-db: 10240 bytes of volumes"
grep -qF "docker ps -q --filter label=com.docker.compose.project=pair --filter label=com.docker.compose.service=pg" \
	"$WORK/docker.log" && ok "  ... having looked for pg's containers on pair-db to stop them first" ||
	not_ok "  ... having looked for pg's containers on pair-db to stop them first" "$(cat "$WORK/docker.log")"
snapshots | grep -q "infrac: pair-db before it was deleted" && ok "  ... the destroyed server was snapshotted first" ||
	not_ok "  ... the destroyed server was snapshotted first" "$(snapshots)"
run plan "$WORK/ex/two.infra" --phase merged
expect "  ... and then plans clean: pg is recorded on pair-app" 0 "No changes."
# back to split: pg moves to a new db; a volume of other data there stops
# the move before anything of the old server is touched
echo "not pg's" > "$WORK/volumes/pair_pgdata/other"
: > "$WORK/docker.log"
run apply "$WORK/ex/two.infra" --phase split --yes --parallelism 1
expect "a volume of other data on the new server stops the move" 1 \
	"volume pair_pgdata already holds data that did not come from pair-app"
check "  ... before pg's containers on pair-app are stopped" \
	test -z "$(grep -F "ps -q --filter label=com.docker.compose.project=pair --filter label=com.docker.compose.service=pg" "$WORK/docker.log")"
case $(cat "$WORK/out") in *"server pair-app: deploying"*) not_ok "  ... and pair-app, which still records pg, is not deployed" "$(cat "$WORK/out")" ;;
*) ok "  ... and pair-app, which still records pg, is not deployed" ;; esac
rm "$WORK/volumes/pair_pgdata/other"
run apply "$WORK/ex/two.infra" --phase split --yes --parallelism 1
expect "  ... and with the volume emptied, the rerun moves pg" 0 "moved pg from pair-app: 10240 bytes of volumes"
# a move whose old server is replaced in the same apply: its disk goes
sed -e '/^server db {/a\  image    = "debian-12"' -e '/^phase merged/,$d' "$WORK/ex/two.infra" |
	awk '/^  run on app \{/ { print; print "    pg"; next } /^  run on db \{/ { print; getline; print "    web"; next } { print }' \
	> "$WORK/ex/swap.infra"
run plan "$WORK/ex/swap.infra" --phase split
expect "a move from a server that is replaced is refused, naming why" 1 \
	"service pg moves from pair-db to pair-app, but pair-db is replaced in this apply: its volumes are lost"
finish
