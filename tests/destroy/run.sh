#!/usr/bin/env bash
# infrac destroy, end to end against the Hetzner API simulator and a real
# sshd with a stub docker (tests/apply/env.sh): `plan --destroy` shows what
# goes and the monthly saving; destroy asks (or needs --yes), keeps the
# data guard, removes only what one phase alone has with --phase, and
# everything the project labelled without; a destroy stopped by a fault
# converges when run again, and one that meets a dropped connection retries.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
INFRAC=${1:?usage: run.sh ABSOLUTE_PATH_TO_INFRAC}
WORK=$(mktemp -d /tmp/infrac-destroy.XXXXXX)
. "$HERE/../apply/env.sh"
trap env_cleanup EXIT

start_becker destroy

# what the project holds at the simulator, one line: "servers: ...; firewalls: ...;
# keys: ...; records: ...; locks: N"
holds() {
	sim GET state | python3 -c '
import json, sys
s = json.load(sys.stdin)
names = lambda k: " ".join(sorted(x["name"] for x in s[k]))
recs = " ".join(sorted("%s.%s" % (r["name"], z["name"]) for z in s["zones"] for r in z["rrsets"]
                       if r["type"] == "A"))
print("servers: %s; firewalls: %s; keys: %s; records: %s; locks: %d" % (names("servers"),
      names("firewalls"), names("ssh_keys"), recs, len(s["placement_groups"])))'
}

# ---- a phase's own server: two servers in one phase, one in the other ----------------
ssh-keygen -q -t ed25519 -N '' -C pair -f "$WORK/ex/keys/pair"
cp "$HERE/../apply/pair.infra" "$WORK/ex/two.infra"
TWO=$WORK/ex/two.infra
# (the two deploys share this machine's remote root: one at a time)
run apply "$TWO" --phase split --yes --parallelism 1
expect "a project of two servers applies" 0 "Apply complete!"
APPLIED=$(holds)

run plan "$TWO" --phase split --destroy
expect "plan --destroy --phase: what only that phase has" 1 "destroy what only phase split has"
expect "  ... the server and firewall only it has" 1 "- server pair-db"
has "pair-app" && not_ok "  ... not the server the other phase runs too" "$(cat "$WORK/out")" ||
	ok "  ... not the server the other phase runs too"
expect "  ... and the data guard stops it" 1 "server pair-db holds the volumes pgdata (pg): destroying it loses them"
run plan "$TWO" --phase split --destroy --allow-data-loss
# the phase's two servers share a network, which the other phase does not want
expect "  ... allowed, it is a plan of destroys" 2 "Plan: 0 to add, 0 to change, 0 to replace, 3 to destroy."
expect "  ... with the monthly saving at the live price" 2 "Monthly saving:"
run plan "$TWO" --phase split --destroy --allow-data-loss --json
python3 - "$WORK/out" <<'PY' && ok "  ... and as JSON" || not_ok "  ... and as JSON" "$(cat "$WORK/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["destroy"] == "what only phase split has", d
assert sorted((a["op"], a["kind"], a["name"]) for a in d["actions"]) == [
    ("destroy", "firewall", "pair-db"), ("destroy", "network", "pair-private"),
    ("destroy", "server", "pair-db")], d["actions"]
PY
run plan "$TWO" --destroy --out "$WORK/p.json"
expect "plan --destroy cannot be saved" 1 "--destroy and --out exclude each other"

before=$(nreq)
run destroy "$TWO" --phase split --allow-data-loss
expect "destroy without a terminal needs --yes" 1 "no terminal to confirm on"
run destroy "$TWO" --phase split --yes
expect "destroy keeps the data guard" 1 "pass --allow-data-loss"
check "  ... and neither changed anything" test -z "$(mutations "$before")"
check "  ... the project holds what it held" test "$(holds)" = "$APPLIED"

# a fault in the middle, then the same command again
k=$(( $(nreq) + 12 ))
sim POST faults "{\"kind\":\"status\",\"status\":500,\"when\":\"after\",\"at_request\":$k}" > /dev/null
run destroy "$TWO" --phase split --yes --allow-data-loss
cp "$WORK/out" "$WORK/first.out"
expect "a fault stops destroy --phase" 1 "run it again to converge"
sim DELETE faults > /dev/null
run destroy "$TWO" --phase split --yes --allow-data-loss
expect "destroy --phase converges when run again after a fault" 0 "Destroy complete!"
check "  ... only phase split's server and firewall are gone" test "$(holds)" = \
	"servers: pair-app; firewalls: pair-app; keys: pair-ops; records: ; locks: 0"
snapshots | grep -q "infrac: pair-db before it was deleted" && ok "  ... after a snapshot of its disk" ||
	not_ok "  ... after a snapshot of its disk" "$(snapshots); first run: $(cat "$WORK/first.out")"
run destroy "$TWO" --phase split --yes
expect "  ... and run once more, there is nothing left to do" 0 "Nothing to destroy"

run destroy "$TWO" --yes
expect "destroy without --phase removes the rest" 0 "Destroy complete! Resources: 3 destroyed."
check "  ... the project holds nothing" test "$(holds)" = \
	"servers: ; firewalls: ; keys: ; records: ; locks: 0"

# ---- everything of becker, with its DNS records, through a dropped connection ------
run apply "$FILE" --phase production --yes
expect "becker's production applies" 0 "Apply complete!"
run plan "$FILE" --destroy --allow-data-loss
expect "plan --destroy: every resource of the project" 2 "destroy every resource of project becker"
expect "  ... its A records among them" 2 "odoo.becker-sicherheit.de"
k=$(( $(nreq) + 9 ))
sim POST faults "{\"kind\":\"drop\",\"when\":\"after\",\"at_request\":$k}" > /dev/null
run destroy "$FILE" --yes --allow-data-loss
expect "destroy rides out a dropped connection (the request is retried)" 0 "Destroy complete!"
check "  ... the fault was hit" test "$(sim GET faults | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["faults"]))')" = 0
sim DELETE faults > /dev/null
check "  ... servers, firewalls, keys, records and the lock are gone" test "$(holds)" = \
	"servers: ; firewalls: ; keys: ; records: ; locks: 0"
run plan "$FILE" --phase production
expect "  ... and a plan would create it all again" 2 "+ server becker-main"
finish
