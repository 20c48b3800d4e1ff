#!/usr/bin/env bash
# infrac apply end to end: the Hetzner API simulator (tests/sim) hands out
# 127.0.0.1 as every server's address, where a real sshd with a stub
# docker plays the server (tests/apply/env.sh).  Covers the first apply of
# becker dev_test (off a terminal, and on a pseudo-terminal with the live
# view), a second apply that does nothing, saved plans and their
# refusals, the switch to production, a type change, a failed health check
# rolled back, the lock, three servers at --parallelism 1 (a deploy while
# the next server is created, on a terminal too), and every fault point of
# a first apply: for each
# request k a 500 after the work was done, a 429 storm, a dropped answer
# and a SIGKILL of apply right after request k, each followed by a rerun
# that must converge; and a 500 and a SIGKILL at each request of the
# switch from dev_test to production on a bigger type (poweroff,
# change_type, poweron, redeploy), and of the first apply of the three
# servers.  Secrets and the token must appear
# nowhere but .env.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
INFRAC=${1:?usage: run.sh ABSOLUTE_PATH_TO_INFRAC}
WORK=$(mktemp -d /tmp/infrac-apply.XXXXXX)
. "$HERE/env.sh"
trap env_cleanup EXIT

CANARY="pg-canary-$$-Zq9x"
export PG_PASSWORD=$CANARY ANTHROPIC_API_KEY=ak-canary-$$-second
export HCLOUD_TOKEN=token-canary-$$-abcdef
export INFRAC_ACTION_POLL_MS=10 INFRAC_HTTP_BACKOFF_MS=5 INFRAC_HEALTH_TIMEOUT=2
export INFRAC_TODAY=2026-03-01   # phase dev_test
start_sshd
start_sim --action-seconds 0.05
mkdir -p "$WORK/ex" "$WORK/logs"
cp -r "$HERE/../../examples/." "$WORK/ex/"
FILE=$WORK/ex/becker.infra
ZONE='{"zones":[{"name":"becker-sicherheit.de","mode":"primary"}]}'
fresh() { # a new, empty Hetzner project (with the DNS zone) and a new server
	sim POST reset > /dev/null
	sim POST seed "$ZONE" > /dev/null
	rm -rf "$WORK/remote" "$WORK/state"
	: > "$WORK/docker.log"
}
N_RUN=0
# run NAME infrac-args...: output in $WORK/out, status in $RC
run() {
	local name=$1
	shift
	N_RUN=$((N_RUN + 1))
	"$INFRAC" "$@" < /dev/null > "$WORK/out" 2>&1
	RC=$?
	cp "$WORK/out" "$WORK/logs/$N_RUN-$name"
}
# state: one line summarising what the simulator holds
state() {
	sim GET state | python3 -c '
import json, sys
s = json.load(sys.stdin)
servers = ["%s %s %s %s %s" % (x["name"], x["server_type"]["name"], x["status"], x["labels"].get("infrac/artefacts", "-"),
                               x["labels"].get("infrac/project")) for x in s["servers"]]
fws = ["%s %s" % (f["name"], ",".join(str(a["server"]["id"]) for a in f["applied_to"] if a["type"] == "server")) for f in s["firewalls"]]
keys = [k["name"] for k in s["ssh_keys"]]
rr = ["%s %s" % (r["name"], ",".join(v["value"] for v in r["records"])) for z in s["zones"] for r in z["rrsets"] if r["type"] == "A"]
print("servers=%s firewalls=%s keys=%s a=%s" % (sorted(servers), sorted(fws), sorted(keys), sorted(rr)))'
}
state_has() { state | grep -qF -- "$1"; }
server_id() { sim GET state | python3 -c 'import json,sys; print(" ".join(str(x["id"]) for x in json.load(sys.stdin)["servers"]))'; }
ops() { # the mutating requests since request $1, but those of the apply lock (tests/lock)
	sim GET "requests?since=$1" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["requests"]:
    if r["method"] != "GET" and not r["path"].startswith("/v1/placement_groups"):
        print(r["method"], r["path"].split("?")[0], r["status"])'
}
lock_ops() { # the requests of the apply lock since request $1
	sim GET "requests?since=$1" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["requests"]:
    if r["path"].startswith("/v1/placement_groups"): print(r["method"], r["path"].split("?")[0], r["status"])'
}
no_lock() { sim GET state | python3 -c 'import json,sys; sys.exit(1 if json.load(sys.stdin)["placement_groups"] else 0)'; }

# ---- refusals before anything changes -----------------------------------------
fresh
run no-tty apply "$FILE"
expect "apply without a terminal and without --yes refuses" 1 "no terminal to confirm on"
check "  ... and shows the plan first" grep -qF "Plan: 4 to add" "$WORK/out"
check "  ... and creates nothing" test "$(ops 0)" = ""
check "  ... but the apply lock, taken before the project was read, and removed" \
	test "$(lock_ops 0 | tr '\n' ' ')" = "POST /v1/placement_groups 201 DELETE /v1/placement_groups/700001 204 "
( unset ANTHROPIC_API_KEY; "$INFRAC" apply "$FILE" --yes > "$WORK/out" 2>&1; echo $? > "$WORK/rc" )
RC=$(cat "$WORK/rc")
expect "a missing secret is an error before anything changes" 1 "ANTHROPIC_API_KEY"
check "  ... nothing was created" test "$(ops 0)" = ""
( unset HCLOUD_TOKEN; "$INFRAC" apply "$FILE" --yes > "$WORK/out" 2>&1; echo $? > "$WORK/rc" )
RC=$(cat "$WORK/rc")
expect "apply needs HCLOUD_TOKEN" 1 "HCLOUD_TOKEN is not set"
run usage apply "$FILE" --parallelism 0
expect "--parallelism 0 is a usage error" 2 "--parallelism takes 1..100"

# ---- the live view on a terminal ----------------------------------------------------
# actions of 1 s, so that the status block is drawn a few times
live() { # live NAME [env...]: a first apply on a pseudo-terminal
	local name=$1
	shift
	fresh
	sim POST config '{"action_seconds": 1}' > /dev/null
	env "$@" python3 "$HERE/pty_run.py" "$WORK/logs/$name.raw" "$WORK/logs/$name.screen" \
		"$INFRAC" apply "$FILE" --yes ${LIVE_ARGS:-}
	RC=$?
	sim POST config '{"action_seconds": 0.05}' > /dev/null
}
events() { # the event lines of an apply's output, times and order left out
	grep -E '^  (ssh_key|firewall|server|rrset) ' "$1" | sed 's/ ([0-9.]* s)$//' | sort
}
live tty
check "on a terminal, apply succeeds" test "$RC" = 0
check "  ... the status block was drawn: counter and what each waits for" \
	bash -c "grep -qF '0/1 servers done, 1 in progress' '$WORK/logs/tty.raw' &&
		grep -qF 'server becker-main: ' '$WORK/logs/tty.raw' &&
		grep -qF ', waiting for action create_server, start_server' '$WORK/logs/tty.raw'"
check "  ... redrawn in place: cursor up and erase" grep -qF $'\e[' "$WORK/logs/tty.raw"
check "  ... the counter in bold" grep -qF $'\e[1m  0/1 servers done' "$WORK/logs/tty.raw"
check "  ... the final screen ends with the summary" \
	bash -c "tail -1 '$WORK/logs/tty.screen' | grep -qx 'Apply complete! Resources: 4 added, 0 changed, 0 replaced, 0 destroyed.'"
check "  ... and holds no line of the block" \
	bash -c "! grep -qE 'servers done|waiting for' '$WORK/logs/tty.screen'"
TTY_EVENTS=$(events "$WORK/logs/tty.screen")
check "  ... but every event line" test "$(echo "$TTY_EVENTS" | wc -l)" = 10
live tty-narrow PTY_COLS=40
check "on a terminal of 40 columns the block's lines are cut, not wrapped: the screen ends clean" \
	bash -c "[ $RC = 0 ] && grep -qF 'servers done' '$WORK/logs/tty-narrow.raw' &&
		! grep -qE 'servers done|waiting|in progress|_server|_rules' '$WORK/logs/tty-narrow.screen'"
live tty-nocolor NO_COLOR=1
check "with NO_COLOR the live view has no bold" \
	bash -c "[ $RC = 0 ] && grep -qF 'servers done' '$WORK/logs/tty-nocolor.raw' && ! grep -qF $'\e[1m' '$WORK/logs/tty-nocolor.raw'"
live tty-dumb PTY_TERM=dumb
check "with TERM=dumb there is no live view: not one escape" \
	bash -c "[ $RC = 0 ] && ! grep -qF $'\e' '$WORK/logs/tty-dumb.raw'"
LIVE_ARGS=--debug live tty-debug
check "with --debug there is no live view either: its trace would tear the block" \
	bash -c "[ $RC = 0 ] && grep -qE 'debug: POST [^ ]*/v1/servers' '$WORK/logs/tty-debug.raw' && ! grep -qF $'\e' '$WORK/logs/tty-debug.raw'"

# ---- first apply of dev_test ---------------------------------------------------
fresh
t0=$(date +%s%N)
run first apply "$FILE" --yes
FIRST_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
FIRST_REQ=$(nreq)
echo "# first apply of becker dev_test: $FIRST_MS ms, $FIRST_REQ API requests"
expect "first apply succeeds" 0 "Apply complete! Resources: 4 added, 0 changed, 0 replaced, 0 destroyed."
for line in "ssh_key becker-ops: created (" "firewall becker-main: created (" \
	"server becker-main: created (" "rrset claude.becker-sicherheit.de: created ("; do
	check "  progress: $line" grep -qF "  $line" "$WORK/out"
done
WANT_DEV=$(state)
first_poll_ids() { # how many action ids the first poll of the project asked for
	sim GET "requests?since=0" | python3 -c '
import json, sys
polls = [r["path"] for r in json.load(sys.stdin)["requests"] if r["path"].startswith("/v1/actions?")]
print(polls[0].count("id=") if polls else 0)'
}
check "  the server's actions and its firewall's are polled together, in one request" \
	test "$(first_poll_ids)" = 3
check "  ... in few requests: at most 26 (22 when each wait takes two polls; 2 of them the lock's)" \
	test "$FIRST_REQ" -le 26
check "  ... and leaves no lock behind" no_lock
check "  off a terminal: not one escape" bash -c "! grep -qF $'\e' '$WORK/out'"
check "  ... and the same event lines as on a terminal" test "$(events "$WORK/out")" = "$TTY_EVENTS"
check "  the project holds exactly the file's resources" python3 - "$WANT_DEV" <<'PY'
import sys, re
s = sys.argv[1]
assert "servers=['becker-main cpx42 running " in s and " becker']" in s, s
assert "firewalls=['becker-main 100001']" in s and "keys=['becker-ops']" in s, s
assert "a=['claude 127.0.0.1']" in s, s
PY
REL=$(ls "$WORK/remote/becker/releases")
check "  the server got its artefacts label, after the deploy" state_has "becker-main cpx42 running $REL becker"
if [ "$(ops 0 | grep /servers | tail -2 | tr '\n' ';')" = "PUT /v1/servers/100001 200;POST /v1/servers/100001/actions/change_protection 201;" ]; then
	ok "  ... as the server's last change but its protection, which holds volumes"
else not_ok "  ... as the server's last change but its protection, which holds volumes" "$(ops 0)"; fi
check "  one release uploaded, current points at it" test "$(readlink "$WORK/remote/becker/current")" = "releases/$REL"
check "  .env holds the secrets, mode 0600" test "$(stat -c %a "$WORK/remote/becker/releases/$REL/.env")" = 600
check "  .env holds the canary" grep -qF "PG_PASSWORD='$CANARY'" "$WORK/remote/becker/releases/$REL/.env"
check "  docker compose pull and up -d --remove-orphans ran" \
	bash -c "grep -q ' docker compose -p becker pull' '$WORK/docker.log' && grep -q '^$REL docker compose -p becker up -d --remove-orphans' '$WORK/docker.log'"
check "  the domain was checked through nginx, over https with its name (SNI)" grep -qF -- "--resolve claude.becker-sicherheit.de:443:127.0.0.1 https://claude.becker-sicherheit.de/" "$WORK/docker.log"
check "  the release holds docker-compose.yml" test -s "$WORK/remote/becker/releases/$REL/docker-compose.yml"
check "  the project's own known_hosts got the host key" grep -q "^\[127.0.0.1\]:$SSH_PORT ssh-ed25519" "$WORK/state/infrac/known_hosts/becker"

# ---- a second apply does nothing ------------------------------------------------
before=$(nreq)
: > "$WORK/docker.log"
run plan-after plan "$FILE"
expect "plan after apply: no changes (exit 0)" 0 "No changes. Infrastructure matches becker.infra."
run second apply "$FILE"
expect "second apply does nothing, without asking" 0 "Apply complete! Resources: 0 added, 0 changed, 0 replaced, 0 destroyed."
check "  ... no mutating request" test "$(ops "$before")" = ""
check "  ... no deploy" test ! -s "$WORK/docker.log"

# ---- saved plans ----------------------------------------------------------------
run plan-out plan "$FILE" --phase production --out "$WORK/prod.plan"
expect "plan --out saves the production plan" 2 "Plan: 1 to add, 2 to change"
cp "$FILE" "$WORK/orig.infra"
echo "# edited" >> "$FILE"
before=$(nreq)
run stale-src apply "$WORK/prod.plan"
expect "a saved plan is refused when the file changed" 1 "becker.infra changed since the plan was saved"
cp "$WORK/orig.infra" "$FILE"
ssh-keygen -q -t ed25519 -N '' -C x -f "$WORK/intruder"
sim POST seed "{\"ssh_keys\":[{\"name\":\"intruder\",\"public_key\":\"$(cat "$WORK/intruder.pub")\",\"labels\":{\"infrac/project\":\"becker\",\"infrac/key\":\"intruder\"}}]}" > /dev/null
run stale-state apply "$WORK/prod.plan"
expect "a saved plan is refused when the project changed" 1 "the project changed since the plan was saved"
check "  ... and nothing was changed by either" test "$(ops "$before")" = ""
curl -sS -X DELETE -H "Authorization: Bearer $HCLOUD_TOKEN" "$HCLOUD_ENDPOINT/ssh_keys/200002" > /dev/null
run plan-out2 plan "$FILE" --phase production --out "$WORK/prod.plan"
ID0=$(server_id)
: > "$WORK/docker.log"
run production apply "$WORK/prod.plan"
expect "the saved production plan applies without asking" 0 "Apply complete! Resources: 1 added, 2 changed, 0 replaced, 0 destroyed."
check "  ... the server is kept" test "$(server_id)" = "$ID0"
check "  ... the artefacts were redeployed" grep -q "up -d --remove-orphans" "$WORK/docker.log"
check "  ... two releases on the server now" test "$(ls "$WORK/remote/becker/releases" | wc -l)" = 2
check "  ... odoo's A record was created" state_has "'odoo 127.0.0.1'"
run plan-prod plan "$FILE" --phase production
expect "  ... and production plans clean" 0 "No changes."

# ---- a type change -------------------------------------------------------------
sed -e 's/^  type     = cpx42/  type     = cpx52/' -e 's/budget   = 25 EUR/budget   = 100 EUR/' "$FILE" > "$WORK/ex/bigger.infra"
before=$(nreq)
run retype apply "$WORK/ex/bigger.infra" --phase production --yes
expect "a type change applies" 0 "Apply complete! Resources: 0 added, 1 changed, 0 replaced, 0 destroyed."
got=$(ops "$before" | grep -E 'poweroff|change_type|poweron' | awk '{print $2}' | sed 's|.*/||' | tr '\n' ' ')
if [ "$got" = "poweroff change_type poweron " ]; then ok "  ... as poweroff, change_type, poweron"; else not_ok "  ... as poweroff, change_type, poweron" "$got"; fi
check "  ... the same server, now cpx52 and running" state_has "becker-main cpx52 running"
check "  ... the server is kept" test "$(server_id)" = "$ID0"

# ---- a failed health check is rolled back --------------------------------------
GOOD=$(readlink "$WORK/remote/becker/current")
sed -e 's/redis:7/redis:7.2/' "$WORK/ex/bigger.infra" > "$WORK/ex/next.infra"
echo unhealthy > "$WORK/mode"
run unhealthy apply "$WORK/ex/next.infra" --phase production --yes
expect "a failed health check fails the apply" 1 "failed at step health; switched back to release ${GOOD#releases/}"
check "  ... current points at the previous release again" test "$(readlink "$WORK/remote/becker/current")" = "$GOOD"
check "  ... the artefacts label was left alone" state_has "cpx52 running ${GOOD#releases/} becker"
echo healthy > "$WORK/mode"
run healthy-again apply "$WORK/ex/next.infra" --phase production --yes
expect "  ... and the next apply converges" 0 "Apply complete! Resources: 0 added, 1 changed"

# ---- back to dev_test: a downgrade and a destroy ---------------------------------
run back apply "$FILE" --phase dev_test --yes
expect "back to dev_test: the type goes down again, odoo's record is destroyed" 0 \
	"Apply complete! Resources: 0 added, 2 changed, 0 replaced, 1 destroyed."
check "  ... rrset odoo destroyed last" bash -c "grep -n 'rrset odoo.becker-sicherheit.de: destroyed' '$WORK/out' | cut -d: -f1 | xargs test \$(grep -n 'server becker-main: type changed' '$WORK/out' | cut -d: -f1) -lt"
check "  ... the project is as after the first apply, the server kept" \
	test "$(state | sed 's/ running [0-9a-f]* / running X /')" = "$(echo "$WANT_DEV" | sed 's/ running [0-9a-f]* / running X /')"

# ---- the switch to production with a bigger type, as the fault sweep runs it ------
BIG=$WORK/ex/bigger.infra
before=$(nreq)
: > "$WORK/docker.log"
run switch apply "$BIG" --phase production --yes
PROD_REQ=$(( $(nreq) - before ))
WANT_PROD=$(state)
echo "# switch from dev_test to production on cpx52: $PROD_REQ API requests"
expect "dev_test to production on a bigger type" 0 "Apply complete! Resources: 1 added, 2 changed, 0 replaced, 0 destroyed."
got=$(ops "$before" | grep -E 'poweroff|change_type|poweron' | awk '{print $2}' | sed 's|.*/||' | tr '\n' ' ')
if [ "$got" = "poweroff change_type poweron " ]; then ok "  ... poweroff, change_type, poweron"; else not_ok "  ... poweroff, change_type, poweron" "$got"; fi
check "  ... and a redeploy" grep -q "up -d --remove-orphans" "$WORK/docker.log"
check "  ... the server kept, now cpx52" bash -c "[ '$(server_id)' = '$ID0' ] && echo '$WANT_PROD' | grep -qF 'becker-main cpx52 running'"

# ---- the lock --------------------------------------------------------------------
mkdir -p "$WORK/state/infrac/locks"
python3 -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
os.write(fd, b"pid 4242\nwho tester@box\nsince 2026-11-27T03:00:00Z\ncommand infrac apply becker.infra\n")
open(sys.argv[2], "w").close()
time.sleep(30)' "$WORK/state/infrac/locks/becker.lock" "$WORK/locked" &
HOLDER=$!
for _ in $(seq 50); do [ -e "$WORK/locked" ] && break; sleep 0.1; done
run locked apply "$WORK/ex/next.infra" --phase production --yes
expect "a second apply of the project is refused while one runs" 1 "apply of becker is running"
kill -9 $HOLDER; wait $HOLDER 2>/dev/null
run lock-free apply "$WORK/ex/next.infra" --phase production --yes
expect "  ... a killed holder does not block" 0 "Apply complete!"

# ---- two stages: the next server's create while a server deploys ------------------
# three servers at --parallelism 1: one API stage and one deploy at a time
# (the three deploys share this machine's remote root, one after another;
# three servers share a network: one more resource than servers, firewalls and key)
fresh
python3 "$HERE/../plan/gen.py" 3 > "$WORK/ex/three.infra"
line_of() { grep -nF -- "$1" "$WORK/out" | head -1 | cut -d: -f1; }
before_line() { # before_line A B: A is printed, and before B
	local a b
	a=$(line_of "$1") b=$(line_of "$2")
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
}
echo unhealthy > "$WORK/mode"
# on a terminal first: while one server's deploy waits out its health
# check, the next one, ready, waits for the deploy worker and says so
python3 "$HERE/pty_run.py" "$WORK/logs/three.raw" "$WORK/logs/three.screen" \
	"$INFRAC" apply "$WORK/ex/three.infra" --phase all --yes --parallelism 1
RC=$?
check "on a terminal, a server ready while another deploys waits for a deploy slot, and says so" \
	bash -c "[ $RC = 1 ] && grep -qF 'server many-s2: ' '$WORK/logs/three.raw' &&
		grep -qF ', waiting for a free deploy slot' '$WORK/logs/three.raw' &&
		grep -qF ', waiting for health check' '$WORK/logs/three.raw'"
check "  ... and the final screen holds no line of the block" \
	bash -c "grep -qx 'Apply failed. Resources: 5 added, 0 changed, 0 replaced, 0 destroyed, 3 failed.' '$WORK/logs/three.screen' &&
		! grep -qE 'servers done|, waiting for ' '$WORK/logs/three.screen'"
fresh
run three-unhealthy apply "$WORK/ex/three.infra" --phase all --yes --parallelism 1
expect "three servers whose health checks fail: apply fails" 1 \
	"Apply failed. Resources: 5 added, 0 changed, 0 replaced, 0 destroyed, 3 failed."
check "  ... each server reports its failed deploy" \
	test "$(grep -c '^  server many-s[123]: FAILED: deploy failed at step health' "$WORK/out")" = 3
check "  ... and keeps no artefacts label" test "$(state | grep -o ' running - many' | wc -l)" = 3
check "  ... a server's deploy overlaps the next server's create" \
	before_line "server many-s2: creating" "server many-s1: FAILED"
check "  ... deploys one at a time, in the order the servers got ready" \
	before_line "server many-s1: FAILED" "server many-s2: deploying release"
echo healthy > "$WORK/mode"
run three apply "$WORK/ex/three.infra" --phase all --yes --parallelism 1
expect "  ... the rerun deploys all three" 0 "Apply complete! Resources: 0 added, 3 changed"
run three-plan plan "$WORK/ex/three.infra" --phase all
expect "  ... and plans clean" 0 "No changes."
# what the fault sweep's three-server points converge to
THREE=$WORK/ex/three.infra
fresh
run three-clean apply "$THREE" --phase all --yes --parallelism 1
THREE_REQ=$(nreq)
WANT_THREE=$(state)
expect "three servers at --parallelism 1, healthy: apply succeeds" 0 "Apply complete! Resources: 8 added"

# ---- every fault point -----------------------------------------------------------
# converged FILE PHASE WANT [one]: exactly the resources of the file,
# deployed, and a clean plan; with "one" (a single server, so the remote
# root is its own), the release current on the server is the one its
# artefacts label names, not only labelled
converged() {
	local s label rel
	s=$(state)
	[ "$s" = "$3" ] || { echo "state: $s"; echo "want:  $3"; return 1; }
	no_lock || { echo "the apply lock is left: $(sim GET state)"; return 1; }
	"$INFRAC" plan "$1" --phase "$2" > "$WORK/plan.out" 2>&1 || { cat "$WORK/plan.out"; return 1; }
	[ "${4:-}" = one ] || return 0
	label=$(printf '%s' "$s" | grep -o "becker-main [^ ]* running [^ ]*" | cut -d' ' -f4)
	rel=$(readlink "$WORK/remote/becker/current")
	[ -n "$label" ] && [ "$rel" = "releases/$label" ] ||
		{ echo "current release: $rel; artefacts label: $label"; return 1; }
}
# one fault point: fault KIND at request K of the apply of PHASE, apply,
# clear the faults, apply again; prints "ok" or "FAIL" and why.  PHASE
# dev_test: a first apply; production: the switch from dev_test to
# production on a bigger type (dev_test applied first, without faults);
# three: a first apply of three servers at --parallelism 1, so that the
# faults hit servers in either stage, and between them
fault_point() {
	local phase=$1 kind=$2 k=$3 pid rc want=$WANT_DEV file=$FILE
	local args=(--phase "$phase" --yes)
	fresh
	if [ "$phase" = three ]; then
		want=$WANT_THREE file=$THREE args=(--phase all --yes --parallelism 1)
	elif [ "$phase" = production ]; then
		want=$WANT_PROD file=$BIG
		"$INFRAC" apply "$FILE" --phase dev_test --yes > "$WORK/fault.out" 2>&1 < /dev/null ||
			{ echo "FAIL $phase:$kind@$k"; echo "#   dev_test did not apply"; return; }
		k=$(( $(nreq) + k ))
	fi
	case $kind in
	500) sim POST faults "{\"kind\":\"status\",\"status\":500,\"when\":\"after\",\"at_request\":$k}" > /dev/null ;;
	429) sim POST faults "{\"faults\":[{\"kind\":\"status\",\"status\":429,\"at_request\":$k},{\"kind\":\"status\",\"status\":429,\"at_request\":$((k+1))},{\"kind\":\"status\",\"status\":429,\"at_request\":$((k+2))}]}" > /dev/null ;;
	drop) sim POST faults "{\"kind\":\"drop\",\"when\":\"after\",\"at_request\":$k}" > /dev/null ;;
	esac
	if [ "$kind" = kill ]; then
		killed_at "$k" "$INFRAC" apply "$file" "${args[@]}"
	else
		"$INFRAC" apply "$file" "${args[@]}" > "$WORK/fault.out" 2>&1 < /dev/null
	fi
	cat "$WORK/fault.out" >> "$LOGS/faults"
	sim DELETE faults > /dev/null   # the first run may not have reached request k
	"$INFRAC" apply "$file" "${args[@]}" > "$WORK/fault.out" 2>&1 < /dev/null
	rc=$?
	cat "$WORK/fault.out" >> "$LOGS/faults"
	local one=one
	[ "$phase" = three ] && one=
	if [ $rc = 0 ] && converged "$file" "${args[1]}" "$want" $one > "$WORK/why" 2>&1; then echo "ok $phase:$kind@$k"
	else echo "FAIL $phase:$kind@$k"; sed 's/^/#   /' "$WORK/why" "$WORK/fault.out" | head -30; fi
}
# the points run on SWEEP_JOBS pairs of simulator and sshd at once: each
# point mostly waits (actions, ssh handshakes)
LOGS=$WORK/logs
t_sweep=$(date +%s)
JOBS=${SWEEP_JOBS:-4}
for w in $(seq 1 "$JOBS"); do
	(
		WORK=$WORK/sweep$w
		LOGS=$LOGS/sweep$w
		mkdir -p "$WORK" "$LOGS"
		SIM_PID= SSHD_PID=
		trap '[ -n "$SSHD_PID" ] && kill $SSHD_PID; [ -n "$SIM_PID" ] && kill $SIM_PID' EXIT
		start_sshd > /dev/null
		# a fast refill: after a 429 apply waits for one request's worth of it
		start_sim --action-seconds 0.05 --rate-limit 3600000
		i=0
		points() { # points PHASE N KIND...: this simulator's share of PHASE's points
			local phase=$1 n=$2 k kind
			shift 2
			for k in $(seq 1 "${FAULT_LIMIT:-$n}"); do
				for kind in "$@"; do
					i=$((i + 1))
					[ $((i % JOBS + 1)) = "$w" ] && fault_point "$phase" "$kind" "$k"
				done
			done
		}
		{
			points dev_test "$FIRST_REQ" 500 429 drop kill
			# the switch to production: a type change and a redeploy
			points production "$PROD_REQ" 500 kill
			# three servers: the API and the deploy stage
			points three "$THREE_REQ" 500 kill
		} > "$LOGS/result"
	) &
	workers="${workers:-} $!"
done
wait $workers
tried=$(cat "$LOGS"/sweep*/result | grep -cE '^(ok|FAIL) ')
conv=$(cat "$LOGS"/sweep*/result | grep -c '^ok ')
failed_points=$(cat "$LOGS"/sweep*/result | grep '^FAIL ' | cut -d' ' -f2 | tr '\n' ' ')
for phase in dev_test production three; do
	echo "# fault points of $phase: $(cat "$LOGS"/sweep*/result | grep -cE "^(ok|FAIL) $phase:") tried, $(cat "$LOGS"/sweep*/result | grep -c "^ok $phase:") converged"
done
echo "# fault points: $tried tried, $conv converged in $(( $(date +%s) - t_sweep )) s on $JOBS simulators (first apply of dev_test: requests 1..${FAULT_LIMIT:-$FIRST_REQ} x 500-after, 429 storm, drop-after, SIGKILL; switch to production: requests 1..${FAULT_LIMIT:-$PROD_REQ} x 500-after, SIGKILL; three servers: requests 1..${FAULT_LIMIT:-$THREE_REQ} x 500-after, SIGKILL)"
if [ "$tried" -gt 0 ] && [ "$conv" = "$tried" ]; then ok "every fault point converges on rerun ($conv of $tried)"
else not_ok "every fault point converges on rerun ($conv of $tried)" "failed: $failed_points
$(grep -h -A30 '^FAIL' "$LOGS"/sweep*/result | head -40)"; fi

# ---- secrets ------------------------------------------------------------------------
sim GET "requests?since=0" > "$WORK/logs/sim-requests"
cp "$WORK/sim.err" "$WORK/sshd.log" "$WORK/docker.log" "$WORK/logs/" 2>/dev/null
leaks=$(grep -rlF -e "$CANARY" -e "$ANTHROPIC_API_KEY" -e "$HCLOUD_TOKEN" "$WORK" \
	--exclude=.env 2>/dev/null | grep -v '/remote/becker/releases/[^/]*/\.env$' || true)
if [ -z "$leaks" ]; then ok "no secret and no token in any output, log or file outside .env"
else not_ok "no secret and no token in any output, log or file outside .env" "$leaks"; fi

finish
