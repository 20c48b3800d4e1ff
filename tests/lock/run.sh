#!/usr/bin/env bash
# The project's apply lock (runtime/cloud/teamlock.c): a placement group
# PROJECT-lock in the Hetzner project, against the API simulator and a
# real sshd on 127.0.0.1 (tests/apply/env.sh).  Two applies from two
# HOMEs of one machine, which share no flock, exclude each other through
# the simulator; plan mentions a running apply; a lock left on another
# machine is reported with holder and age and removed by `infrac unlock`
# (refused without a terminal, cancelled, confirmed, --yes); a lock left
# by a killed apply on this machine is taken over; a placement group of
# that name that infrac did not make is left alone; SIGTERM, SIGINT and
# SIGHUP during an apply remove the lock, nohup's ignored SIGHUP stays
# ignored; a lost answer to the lock's create or delete leaves no lock.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
INFRAC=${1:?usage: run.sh ABSOLUTE_PATH_TO_INFRAC}
WORK=$(mktemp -d /tmp/infrac-lock.XXXXXX)
. "$HERE/../apply/env.sh"
BG=
cleanup() {
	[ -n "$BG" ] && kill -9 $BG 2>/dev/null
	env_cleanup
}
trap cleanup EXIT

export PG_PASSWORD=pg-canary-$$ ANTHROPIC_API_KEY=ak-canary-$$
export HCLOUD_TOKEN=token-canary-$$-lock
export INFRAC_ACTION_POLL_MS=10 INFRAC_HTTP_BACKOFF_MS=5 INFRAC_HEALTH_TIMEOUT=2
export INFRAC_TODAY=2026-03-01   # phase dev_test
start_sshd
start_sim --action-seconds 0.05
unset XDG_STATE_HOME             # each run below has a HOME of its own
mkdir -p "$WORK/ex" "$WORK/logs"
cp -r "$HERE/../../examples/." "$WORK/ex/"
FILE=$WORK/ex/becker.infra
ZONE='{"zones":[{"name":"becker-sicherheit.de","mode":"primary"}]}'
fresh() {
	sim POST reset > /dev/null
	sim POST seed "$ZONE" > /dev/null
	rm -rf "$WORK/remote" "$WORK"/home*
	mkdir -p "$WORK/home1" "$WORK/home2"
}
ops() { # the mutating requests since request $1
	sim GET "requests?since=$1" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["requests"]:
    if r["method"] != "GET": print(r["method"], r["path"].split("?")[0], r["status"])'
}
groups() { # the placement groups of the project: "NAME holder pid" each
	sim GET state | python3 -c '
import json, sys
for g in json.load(sys.stdin)["placement_groups"]:
    print(g["name"], g["labels"].get("infrac/lock-holder", "-"), g["labels"].get("infrac/lock-pid", "-"))'
}
# as HOME N: infrac with HOME=$WORK/homeN (its own flock, known_hosts)
as() {
	local n=$1
	shift
	HOME=$WORK/home$n "$INFRAC" "$@"
}
N_RUN=0
run() { # run NAME HOME infrac-args...: output in $WORK/out, status in $RC
	local name=$1 n=$2
	shift 2
	N_RUN=$((N_RUN + 1))
	as "$n" "$@" < /dev/null > "$WORK/out" 2>&1
	RC=$?
	cp "$WORK/out" "$WORK/logs/$N_RUN-$name"
}
wait_for() { # wait_for WHAT COMMAND...: up to 20 s until COMMAND succeeds
	local what=$1
	shift
	for _ in $(seq 200); do "$@" && return 0; sleep 0.1; done
	not_ok "$what" "timed out"
	return 1
}
holding() { groups | grep -q '^becker-lock '; }
server_made() { sim GET state | grep -q '"name": "becker-main"'; }
# start_apply HOME [env...]: apply --yes in the background as HOME, the
# server's create lasting 3 s; BG its pid, output in $WORK/bg.out
start_apply() {
	local n=$1
	shift
	sim POST config '{"command_seconds": {"create_server": 3}}' > /dev/null
	env HOME="$WORK/home$n" "$@" "$INFRAC" apply "$FILE" --yes < /dev/null > "$WORK/bg.out" 2>&1 &
	BG=$!
}
wait_bg() { # the background apply's status in $BG_RC
	wait "$BG"
	BG_RC=$?
	BG=
	cp "$WORK/bg.out" "$WORK/logs/bg-$N_RUN"
	sim POST config '{"command_seconds": {}}' > /dev/null
}
ME=$(id -un)

# ---- two HOMEs, one project: the second apply stops ------------------------------
fresh
start_apply 1
wait_for "the first apply takes the lock and creates its server" server_made
A=$BG
check "  ... the lock is a placement group becker-lock naming apply's user and pid" \
	test "$(groups)" = "becker-lock $ME $A"
before=$(nreq)
run second 2 apply "$FILE" --yes
expect "a second apply from another HOME is refused while the first runs" 1 \
	"infrac apply: error: apply of becker is running: held by $ME on "
check "  ... naming the holder's pid, the time and the age" \
	grep -qE "held by $ME on [^ ]+ \(pid $A\) since 20[0-9-]+T[0-9:]+Z \(age [0-9]+ s\); if that apply is gone, run \`infrac unlock $FILE\`" "$WORK/out"
check "  ... and changing nothing: its one mutating request is the refused create" \
	test "$(ops "$before")" = "POST /v1/placement_groups 409"
check "  ... it shares no flock with the first: no takeover notice" bash -c "! grep -q 'took over' '$WORK/out'"
run plan-while 2 plan "$FILE"
expect "plan while an apply runs says so" 2 "infrac plan: note: apply of becker is running (held by $ME on "
wait_bg
check "the first apply completes" test "$BG_RC" = 0
check "  ... and removes its lock" test -z "$(groups)"
run second-again 2 apply "$FILE" --yes
expect "then the second apply runs, and finds nothing to do" 0 \
	"Apply complete! Resources: 0 added, 0 changed, 0 replaced, 0 destroyed."
check "  ... and removes its lock too" test -z "$(groups)"
run plan-free 2 plan "$FILE"
expect "plan without a running apply notes nothing" 0 "No changes."
check "  ... not one line about a lock" bash -c "! grep -q 'apply of becker is running' '$WORK/out'"

# ---- a lock left on another machine ------------------------------------------------
stale() { # a lock of alice on otherbox, an hour old
	sim POST seed "{\"placement_groups\":[{\"name\":\"becker-lock\",\"type\":\"spread\",\"labels\":{
		\"infrac/lock-holder\":\"alice\",\"infrac/lock-host\":\"otherbox\",\"infrac/lock-boot\":\"0123abcd\",
		\"infrac/lock-pid\":\"4242\",\"infrac/lock-since\":\"$(( $(date +%s) - 3600 ))\",
		\"infrac/project\":\"becker\"}}]}" > /dev/null
}
stale
before=$(nreq)
run stale 1 apply "$FILE" --yes
expect "a lock from another machine stops apply with holder and age" 1 \
	"apply of becker is running: held by alice on otherbox (pid 4242) since "
check "  ... an hour old" grep -qF "(age 60 min); if that apply is gone, run \`infrac unlock $FILE\`" "$WORK/out"
check "  ... nothing changed" test "$(ops "$before")" = "POST /v1/placement_groups 409"
check "  ... the lock is left as it was" test "$(groups)" = "becker-lock alice 4242"
run unlock-notty 1 unlock "$FILE"
expect "unlock without a terminal and without --yes refuses" 1 \
	"infrac unlock: error: no terminal to confirm on: pass --yes to remove the lock"
check "  ... after showing holder and age" \
	grep -qF "The apply lock of becker (placement group becker-lock) is held by alice on otherbox (pid 4242) since " "$WORK/out"
check "  ... the lock stays" test "$(groups)" = "becker-lock alice 4242"
answer() { # answer NAME ANSWER infrac-args...: on a terminal, ANSWER typed at the prompt
	local name=$1 word=$2
	shift 2
	HOME=$WORK/home1 PTY_PROMPT="will be accepted: " PTY_ANSWER=$word \
		python3 "$HERE/../apply/pty_run.py" "$WORK/logs/$name" "$WORK/logs/$name.screen" "$INFRAC" "$@"
	RC=$?
}
answer unlock-no no unlock "$FILE"
check "unlock on a terminal, answered no: cancelled (exit 1), the lock stays" \
	bash -c "[ $RC = 1 ] && grep -q 'Unlock cancelled.' '$WORK/logs/unlock-no' && [ '$(groups)' = 'becker-lock alice 4242' ]"
answer unlock-yes yes unlock "$FILE"
check "unlock on a terminal, answered yes: the lock is removed" \
	bash -c "[ $RC = 0 ] && grep -q 'Do you want to remove this lock?' '$WORK/logs/unlock-yes' &&
		grep -q 'Removed the apply lock of becker.' '$WORK/logs/unlock-yes' && [ -z '$(groups)' ]"
run unlock-none 1 unlock "$FILE"
expect "unlock with no lock held says so (exit 0)" 0 "No apply lock is held for becker."
stale
run unlock-yes 1 unlock "$FILE" --yes
expect "unlock --yes removes a lock without asking" 0 "Removed the apply lock of becker."
check "  ... it is gone" test -z "$(groups)"
( unset HCLOUD_TOKEN; as 1 unlock "$FILE" --yes > "$WORK/out" 2>&1; echo $? > "$WORK/rc" )
RC=$(cat "$WORK/rc")
expect "unlock needs HCLOUD_TOKEN" 1 "HCLOUD_TOKEN is not set"
run unlock-usage 1 unlock
expect "unlock without FILE is a usage error" 2 "no FILE given"

# ---- a placement group of that name that infrac did not make ------------------------
sim POST seed '{"placement_groups":[{"name":"becker-lock","type":"spread","labels":{"team":"db"}}]}' > /dev/null
run foreign 1 apply "$FILE" --yes
expect "a foreign placement group of the lock's name stops apply" 1 \
	"the apply lock's name becker-lock is taken by a placement group infrac did not make (id 7000"
run unlock-foreign 1 unlock "$FILE" --yes
expect "  ... and unlock leaves it alone" 1 "was not made by infrac (it has no infrac/lock-holder label); not removing it"
check "  ... it is still there" test "$(groups)" = "becker-lock - -"
fresh

# ---- a lock left by a killed apply on this machine ----------------------------------
start_apply 1
wait_for "an apply to kill takes the lock" server_made
KILLED=$BG
{ kill -9 "$KILLED"; wait_bg; } 2> /dev/null   # (bash would report the kill)
check "  ... killed, it leaves its lock behind" test "$(groups)" = "becker-lock $ME $KILLED"
run takeover 2 apply "$FILE" --yes
expect "the next apply on this machine (another HOME) takes the lock over" 0 "Apply complete!"
check "  ... and says whose lock it took over" \
	grep -qE "infrac apply: took over the apply lock of becker left by $ME on [^ ]+ \(pid $KILLED\) since .*, which did not finish" "$WORK/out"
check "  ... and removes it at the end" test -z "$(groups)"

# ---- signals ---------------------------------------------------------------------------
for sig in TERM INT HUP; do
	fresh
	# a background job of a script ignores SIGINT: give it the default back
	start_apply 1 env --default-signal="$sig"
	wait_for "SIG$sig: an apply takes the lock" server_made
	{ kill -s "$sig" "$BG"; wait_bg; } 2> /dev/null
	want=$(( 128 + $(kill -l "$sig") ))
	if [ "$BG_RC" = "$want" ] && grep -qF "infrac apply: interrupted: removed the apply lock becker-lock" "$WORK/bg.out" &&
		[ -z "$(groups)" ]; then
		ok "SIG$sig during an apply removes the lock, then the process dies of it (status $want)"
	else
		not_ok "SIG$sig during an apply removes the lock, then the process dies of it (status $want)" \
			"exit $BG_RC; groups: $(groups); $(cat "$WORK/bg.out")"
	fi
	run after-$sig 2 apply "$FILE" --yes
	expect "  ... and the next apply converges" 0 "Apply complete!"
done
fresh
start_apply 1 env --ignore-signal=HUP
wait_for "nohup: an apply with SIGHUP ignored takes the lock" server_made
kill -s HUP "$BG"
wait_bg
check "  ... a SIGHUP leaves it running to the end, and the lock is removed" \
	bash -c "[ $BG_RC = 0 ] && [ -z '$(groups)' ] && grep -q 'Apply complete!' '$WORK/bg.out'"

# ---- lost answers -------------------------------------------------------------------------
for when in drop 500; do
	for method in POST DELETE; do
		fresh
		if [ "$when" = drop ]; then
			fault="{\"kind\":\"drop\",\"when\":\"after\",\"method\":\"$method\",\"path\":\"^/placement_groups\"}"
		else
			fault="{\"kind\":\"status\",\"status\":500,\"when\":\"after\",\"method\":\"$method\",\"path\":\"^/placement_groups\"}"
		fi
		sim POST faults "$fault" > /dev/null
		run "lost-$when-$method" 1 apply "$FILE" --yes
		if [ "$RC" = 0 ] && has "Apply complete!" && [ -z "$(groups)" ]; then
			ok "the lock's $method answered by a $when after it took effect: apply completes, no lock left"
		else
			not_ok "the lock's $method answered by a $when after it took effect: apply completes, no lock left" \
				"exit $RC; groups: $(groups); $(cat "$WORK/out")"
		fi
	done
done

finish
