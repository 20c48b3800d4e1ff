#!/usr/bin/env bash
# infrac plan end to end: offline, and against the API simulator
# (tests/sim/hcloud_sim.py) for an empty project, an exact match, drift
# made out of band, a phase switch, three pages of servers, 429 and 503
# bursts, pre-flight errors, the saved plan, and a token that never shows.
#   tests/plan/run.sh /abs/path/to/infrac
set -u
INFRAC=${1:?usage: run.sh INFRAC}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$HERE/../lib.sh"
cd "$REPO"

TMP=$(mktemp -d)
SIM_PID=
cleanup() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

EX=examples/becker.infra
TOKEN="tok-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')-secret"
ZONE=becker-sicherheit.de

# plan ARGS...: runs infrac plan, output in $TMP/out and $TMP/err, status in $RC
plan() {
	"$INFRAC" plan "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	cat "$TMP/out" "$TMP/err" >>"$TMP/all"
}
# expect WHAT RC [PATTERN...]: status is RC and stdout has every line pattern
expect() {
	local what=$1 want=$2
	shift 2
	if [ "$RC" != "$want" ]; then
		not_ok "$what" "exit $RC, wanted $want
$(cat "$TMP/out" "$TMP/err")"
		return
	fi
	for pat in "$@"; do
		if ! grep -qE -- "$pat" "$TMP/out"; then
			not_ok "$what" "no line matching: $pat
$(cat "$TMP/out" "$TMP/err")"
			return
		fi
	done
	ok "$what"
}

# ---- offline --------------------------------------------------------------
unset HCLOUD_TOKEN HCLOUD_ENDPOINT
plan "$EX" --phase production
expect "offline: says so first, plans everything to add" 2 \
	'^infrac plan: offline: HCLOUD_TOKEN is not set' \
	'^  \+ server becker-main \(cpx42, ubuntu-24\.04, nbg1\) +create: not in the project$' \
	'^  \+ firewall becker-main +create: inbound 22, 80, 443, 8070/tcp$' \
	'^Plan: 3 to add, 0 to change, 0 to replace, 0 to destroy\.$' \
	'^Monthly cost: 0\.00 EUR -> 19\.49 EUR$'
if [ "$(head -1 "$TMP/out")" = "infrac plan: offline: HCLOUD_TOKEN is not set, planning against an empty project" ]; then
	ok "offline: the first line"
else not_ok "offline: the first line" "$(head -1 "$TMP/out")"; fi

if diff -u "$HERE/expected/offline-production.txt" "$TMP/out" >"$TMP/diff"; then
	ok "offline: the whole plan as expected"
else not_ok "offline: the whole plan as expected" "$(cat "$TMP/diff")"; fi

INFRAC_TODAY=2026-03-10 plan "$EX"
expect "offline: INFRAC_TODAY picks dev_test" 2 '^phase dev_test \(2026-02 \.\. 2026-07\)' \
	'inbound 22, 80, 443, 8069, 8070/tcp'
plan "$EX" --at 2027-01-01
expect "--at picks production" 2 '^phase production '
INFRAC_TODAY=2031-01-01 plan "$EX"
expect "no phase today: error naming --phase" 1
grep -q 'choose one with --phase: dev_test production' "$TMP/err" && ok "no phase: message" ||
	not_ok "no phase: message" "$(cat "$TMP/err")"
plan "$EX" --phase nope
expect "unknown phase is an error" 1
plan "$EX" --phase production --at 2027-01
expect "--phase with --at is a usage error, exit 1 (2 means changes)" 1
plan "$EX" --no-such-option
expect "an unknown option is a usage error, exit 1 (2 means changes)" 1
plan
expect "no FILE is a usage error, exit 1 (2 means changes)" 1

plan "$EX" --phase production --json
expect "offline --json" 2
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["online"] is False and d["summary"]["add"] == 3, d' "$TMP/out" 2>"$TMP/py"; then
	ok "offline --json is the plan as data"
else not_ok "offline --json is the plan as data" "$(cat "$TMP/py")"; fi

sed 's/\bmain\b/main_/g; s|file("keys/ops.pub")|file("'"$REPO"'/examples/keys/ops.pub")|' "$EX" >"$TMP/label.infra"
plan "$TMP/label.infra" --phase production
expect "a name that cannot be a label value fails the plan" 1
# check proves it before plan reads the project (naming_cloud)
grep -q 'error\[E0109\]: server main_: the name cannot be used at Hetzner' "$TMP/err" &&
	ok "label value: message" || not_ok "label value: message" "$(cat "$TMP/err")"

HCLOUD_TOKEN="$(printf 'abc\r\nX-Injected: 1')" plan "$EX" --phase production
expect "a token with a line break is refused" 1
grep -q 'the token holds a space or a control character' "$TMP/err" && ! grep -q Injected "$TMP/err" &&
	ok "bad token: message without the token" || not_ok "bad token: message without the token" "$(cat "$TMP/err")"

HCLOUD_TOKEN=x HCLOUD_ENDPOINT=http://example.com/v1 plan "$EX" --phase production
expect "plain http to a non-loopback host is refused" 1
grep -q "refused" "$TMP/err" && ok "refusal says why" || not_ok "refusal says why" "$(cat "$TMP/err")"

# ---- the simulator --------------------------------------------------------
SIM="$REPO/tests/sim/hcloud_sim.py"
python3 "$SIM" --port 0 --port-file "$TMP/port" --token "$TOKEN" >"$TMP/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.05; done
if [ ! -s "$TMP/port" ]; then
	not_ok "simulator starts" "$(cat "$TMP/sim.log")"
	finish
	exit
fi
BASE="http://127.0.0.1:$(cat "$TMP/port")"
export HCLOUD_TOKEN=$TOKEN HCLOUD_ENDPOINT=$BASE/v1 INFRAC_HTTP_BACKOFF_MS=20
ctl() { python3 "$HERE/simctl.py" "$BASE" "$@"; }

ctl reset
ctl zone "$ZONE"
plan "$EX" --phase production --json
cp "$TMP/out" "$TMP/empty.json"
plan "$EX" --phase production
expect "empty project: everything to add, DNS records after apply" 2 \
	'^infrac plan: 0 servers, 0 firewalls and 0 ssh keys labelled infrac/project=becker$' \
	'^  \+ rrset odoo\.becker-sicherheit\.de +create: A after apply: known once the server has an address$' \
	'^Plan: 5 to add, 0 to change, 0 to replace, 0 to destroy\.$' \
	'^Monthly cost: 0\.00 EUR -> 19\.49 EUR$'

# seed what apply would create: an exact match
match() { ctl reset && ctl seed "$TMP/empty.json" zone=$ZONE "$@"; }
match
plan "$EX" --phase production
expect "exact match: no changes, exit 0" 0 \
	'^No changes\. Infrastructure matches becker\.infra\.$'
plan "$EX" --phase production --out "$TMP/saved.json"
expect "exact match with --out" 0
if [ "$(stat -c %a "$TMP/saved.json" 2>/dev/null)" = 600 ] &&
	python3 - "$TMP/saved.json" "$EX" <<'EOF'
import hashlib, json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == 2 and d["phase"]["name"] == "production", d
assert d["source_sha256"] == hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
assert len(d["state_fingerprint"]) == 64 and d["actions"] == []
EOF
then ok "saved plan: mode 0600, source hash, fingerprint"; else not_ok "saved plan: mode 0600, source hash, fingerprint" "$(cat "$TMP/saved.json")"; fi
FP1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["state_fingerprint"])' "$TMP/saved.json")

# drift: the type changed out of band
match type=cpx32
plan "$EX" --phase production --out "$TMP/saved2.json"
expect "drift: type changed -> change type with downtime" 2 \
	'^  ~ server becker-main \(cpx42, ubuntu-24\.04, nbg1\) +update: change type cpx32 -> cpx42: poweroff, change_type, poweron \(downtime\)$' \
	'^Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy\.$' \
	'^Monthly cost: 10\.49 EUR -> 19\.49 EUR$'
FP2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["state_fingerprint"])' "$TMP/saved2.json")
[ -n "$FP1" ] && [ "$FP1" != "$FP2" ] && ok "fingerprint changes with the state" ||
	not_ok "fingerprint changes with the state" "$FP1 $FP2"

match location=fsn1
plan "$EX" --phase production
expect "drift: location -> replace of a server with volumes: refused" 1 \
	'^  -/\+ server becker-main .* +replace: location fsn1 -> nbg1 forces a new server'
grep -q 'error: server becker-main holds the volumes .*: replacing it loses them; pass --allow-data-loss' "$TMP/err" &&
	ok "  ... naming its volumes and the flag" || not_ok "  ... naming its volumes and the flag" "$(cat "$TMP/err")"
plan "$EX" --phase production --allow-data-loss
expect "drift: location -> replace, says why (data loss allowed)" 2 \
	'^  -/\+ server becker-main .* +replace: location fsn1 -> nbg1 forces a new server' \
	'^  ~ rrset odoo\.becker-sicherheit\.de +update: A after apply: known once the server has an address$' \
	'^Plan: 0 to add, 2 to change, 1 to replace, 0 to destroy\.$'

match image=debian-12
plan "$EX" --phase production --allow-data-loss
expect "drift: image -> replace" 2 'replace: image debian-12 -> ubuntu-24\.04 forces a new server'

match nolabel=infrac/ssh-keys
plan "$EX" --phase production
expect "drift: other ssh keys -> updated over SSH, the server stays" 2 \
	'^  ~ server becker-main .* +update: update ssh keys over SSH \(the server stays\)$' \
	'^Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy\.$'

# a replace shows every other difference too, the forcing ones marked
match location=fsn1 type=cpx32 nolabel=infrac/ssh-keys
plan "$EX" --phase production --allow-data-loss
expect "drift: location, type and keys -> replace, every difference listed" 2 \
	'^  -/\+ server becker-main .* +replace: location fsn1 -> nbg1 forces a new server' \
	'^      location: fsn1 -> nbg1  \(forces replacement\)$' \
	'^      type: cpx32 -> cpx42: poweroff, change_type, poweron \(downtime\)$' \
	'^      ssh keys: now becker-ops: root.s authorized_keys updated over SSH, the server stays$'

match noserver
plan "$EX" --phase production
expect "drift: server deleted -> create" 2 \
	'^  \+ server becker-main \(cpx42, ubuntu-24\.04, nbg1\) +create: not in the project$' \
	'^Plan: 1 to add, 2 to change, 0 to replace, 0 to destroy\.$'

match nolabel=infrac/artefacts
plan "$EX" --phase production
expect "drift: label removed -> update in place" 2 \
	'^  ~ server becker-main .* +update: redeploy artefacts \(none -> [0-9a-f]{12}\)$' \
	'^Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy\.$'

match nolabel=infrac/project
plan "$EX" --phase production
expect "drift: project label removed -> found by name and labelled again" 2 \
	'^  ~ server becker-main .* +update: label infrac/project missing$' \
	'^Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy\.$' \
	'^Monthly cost: 19\.49 EUR -> 19\.49 EUR$'

match noserver foreign=becker-main
plan "$EX" --phase production
expect "a server name used by another infrac project: pre-flight error" 1
grep -q 'error: server name becker-main is used by infrac project other' "$TMP/err" &&
	ok "name of another project: message" || not_ok "name of another project: message" "$(cat "$TMP/err")"

match extra=becker-old
plan "$EX" --phase production
expect "drift: extra labelled server -> destroy" 2 \
	'^  - server becker-old \(cpx22, ubuntu-24\.04, nbg1\) +destroy: server old does not run in phase production$' \
	'^Plan: 0 to add, 0 to change, 0 to replace, 1 to destroy\.$' \
	'^Monthly cost: 25\.48 EUR -> 19\.49 EUR$'

# ssh keys uploaded without infrac: taken over, or in the way
PUB=$(cat examples/keys/ops.pub)
ctl reset
ctl key laptop "$PUB"
plan "$EX" --phase production
expect "a key uploaded by hand is taken over" 2 \
	'^  ~ ssh_key becker-ops +update: take over the key laptop \(same public key, not labelled by infrac\): rename, label$' \
	'^Plan: 2 to add, 1 to change, 0 to replace, 0 to destroy\.$'
ctl reset
ctl key becker-ops other
plan "$EX" --phase production
expect "the key's name taken by another key: pre-flight error" 1
grep -q 'error: ssh_key ops: the name becker-ops is taken by another public key' "$TMP/err" &&
	ok "taken key name: message" || not_ok "taken key name: message" "$(cat "$TMP/err")"
ctl reset
ctl key shop-ops "$PUB" shop
plan "$EX" --phase production
expect "the public key held by another infrac project: pre-flight error" 1
grep -q 'error: ssh_key ops: the key shop-ops belongs to infrac project shop' "$TMP/err" &&
	ok "key of another project: message" || not_ok "key of another project: message" "$(cat "$TMP/err")"

# phase switch: production exists, plan dev_test
match
plan "$EX" --phase dev_test
expect "phase switch: firewall, artefacts and DNS follow the phase" 2 \
	'^  ~ firewall becker-main +update: rules \+8069/tcp$' \
	'^  ~ server becker-main .* +update: redeploy artefacts' \
	'^  - rrset odoo\.becker-sicherheit\.de +destroy: no service of phase dev_test serves it$' \
	'^Plan: 0 to add, 2 to change, 0 to replace, 1 to destroy\.$'

# 429 and 503 bursts are ridden through
match
ctl fault '{"kind":"status","status":429,"count":3}'
plan "$EX" --phase production
expect "three 429s: plan rides through" 0 '^No changes\.'
ctl fault '{"kind":"status","status":503,"count":2,"path":"^/servers$"}'
ctl fault '{"kind":"status","status":502,"count":1}'
plan "$EX" --phase production
expect "503 and 502 bursts: plan rides through" 0 '^No changes\.'
ctl fault '{"kind":"drop","count":2}'
plan "$EX" --phase production
expect "dropped connections: plan rides through" 0 '^No changes\.'
ctl fault '{"kind":"status","status":409,"count":2,"path":"^/firewalls$"}'
ctl fault '{"kind":"status","status":504,"count":1,"path":"^/zones$"}'
plan "$EX" --phase production
expect "409 conflict and 504 timeout: plan rides through" 0 '^No changes\.'
ctl fault '{"kind":"status","status":409,"code":"uniqueness_error","count":1}'
plan "$EX" --phase production
expect "409 uniqueness_error is not retried" 1
ctl fault '{"kind":"status","status":503,"count":-1}'
plan "$EX" --phase production
expect "a lasting 503: error after bounded retries" 1
grep -q 'cannot read the project from the API: HTTP 503 unavailable' "$TMP/err" &&
	ok "lasting 503: the error says what the API said" ||
	not_ok "lasting 503: the error says what the API said" "$(cat "$TMP/err")"
ctl reset

# a small rate-limit bucket (3 requests, 10 more a second): plan paces
# itself instead of running into 429s
match
ctl config '{"rate_limit": 36000, "rate_burst": 3}'
plan "$EX" --phase production
statuses=$(ctl statuses)
expect "rate limit low: plan paces itself and succeeds" 0 '^No changes\.'
case " $statuses " in
*" 429 "*) not_ok "rate limit low: no 429 at all" "$statuses" ;;
*) ok "rate limit low: no 429 at all" ;;
esac
ctl reset

# pre-flight
match
ctl fault '{"kind":"type_unavailable","server_type":"cpx42","location":"nbg1"}'
plan "$EX" --phase production --out "$TMP/kept.json"
expect "type unavailable but the server exists: no changes" 0 '^No changes\.'
ctl reset
ctl zone "$ZONE"
ctl fault '{"kind":"type_unavailable","server_type":"cpx42","location":"nbg1"}'
plan "$EX" --phase production --out "$TMP/never.json"
expect "pre-flight: type not orderable fails the plan" 1
grep -q 'error: server type cpx42 cannot be ordered in nbg1' "$TMP/err" && [ ! -e "$TMP/never.json" ] &&
	ok "pre-flight: message, and no plan saved" ||
	not_ok "pre-flight: message, and no plan saved" "$(cat "$TMP/err")"
sed 's/image    = "ubuntu-24.04"/image    = "ubuntu-99.04"/; s|file("keys/ops.pub")|file("'"$REPO"'/examples/keys/ops.pub")|' \
	"$EX" >"$TMP/img.infra"
ctl reset
plan "$TMP/img.infra" --phase production
expect "pre-flight: missing image fails the plan" 1
grep -q 'error: image ubuntu-99.04 does not exist at Hetzner' "$TMP/err" &&
	ok "pre-flight: image message" || not_ok "pre-flight: image message" "$(cat "$TMP/err")"
sed 's/price   = 19.49 EUR\/month/price   = 18.00 EUR\/month/; s|file("keys/ops.pub")|file("'"$REPO"'/examples/keys/ops.pub")|' \
	"$EX" >"$TMP/price.infra"
plan "$TMP/price.infra" --phase production
expect "pre-flight: live price differs -> warning, live price used" 2 \
	'^warning: server type cpx42 costs 19\.49 EUR/month in nbg1 at Hetzner, the file says 18\.00 EUR/month$' \
	'^Monthly cost: 0\.00 EUR -> 19\.49 EUR$'

# a wrong token: a clear error, no retries
HCLOUD_TOKEN=wrong plan "$EX" --phase production
expect "401: clear error" 1
grep -q 'HTTP 401 unauthorized' "$TMP/err" && ok "401: message" || not_ok "401: message" "$(cat "$TMP/err")"

# 120 servers: three pages each of servers and firewalls
python3 "$HERE/gen.py" 120 >"$TMP/many.infra"
unset HCLOUD_TOKEN
"$INFRAC" plan "$TMP/many.infra" --phase all --json >"$TMP/many.json" 2>"$TMP/err"
export HCLOUD_TOKEN=$TOKEN
ctl reset
ctl seed "$TMP/many.json"
before=$(ctl requests)
plan "$TMP/many.infra" --phase all
after=$(ctl requests)
expect "120 servers: exact match over three pages" 0 '^No changes\.'
# server_types, locations, ssh_keys, 3 firewall pages, 3 server pages, networks,
# images, zones, and the apply lock (is an apply running?)
n=$((after - before))
[ "$n" -eq 13 ] && ok "120 servers: 13 requests, not one per server" ||
	not_ok "120 servers: 13 requests, not one per server" "$n requests"
ctl reset
ctl seed "$TMP/many.json" extra=many-x1
plan "$TMP/many.infra" --phase all
expect "120 servers + an extra one: destroy only the extra" 2 \
	'^  - server many-x1 ' '^Plan: 0 to add, 0 to change, 0 to replace, 1 to destroy\.$'

# --debug traces requests and redacts the token
match
plan "$EX" --phase production --debug
expect "--debug still plans" 0
grep -q '^debug: GET http://127.0.0.1:[0-9]*/v1/servers?label_selector=infrac%2Fproject%3Dbecker&page=1&per_page=50$' "$TMP/err" &&
	grep -q 'Authorization: Bearer <redacted>' "$TMP/err" &&
	ok "--debug: requests traced, Authorization redacted" ||
	not_ok "--debug: requests traced, Authorization redacted" "$(head -20 "$TMP/err")"

# the token never appears anywhere
cat "$TMP"/*.json >>"$TMP/all" 2>/dev/null
if grep -qF -- "$TOKEN" "$TMP/all"; then
	not_ok "the token appears in no output or saved plan" "$(grep -F -- "$TOKEN" "$TMP/all" | head -3)"
else ok "the token appears in no output or saved plan"; fi

finish
