#!/usr/bin/env bash
# Prices from the API: `infrac prices` and `--prices api` against the
# simulator (tests/sim/hcloud_sim.py), which serves /pricing and
# /server_types for the whole line-up with fixture prices.  The snapshot
# it writes must be tests/golden-cost/sim-prices.json byte for byte (the
# golden cost and recommend outputs there are made with that file), and
# costing with the API must give what costing with the snapshot gives.
# Then the failures: no token, an API that fails, a file that cannot be
# written or read, and a server_type block the API contradicts.
#   tests/prices/run.sh /abs/path/to/infrac
set -u
INFRAC=${1:?usage: run.sh INFRAC}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$HERE/../lib.sh"
cd "$REPO"
export NO_COLOR=1 INFRAC_TODAY=2026-07-03 INFRAC_HTTP_BACKOFF_MS=10 INFRAC_HTTP_DEADLINE_MS=2000

TMP=$(mktemp -d)
SIM_PID=
cleanup() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

SNAP=tests/golden-cost/sim-prices.json
EX=examples/becker.infra
# run WHAT WANT CMD...: exit status WANT; output in $TMP/out and $TMP/err
run() {
	local what=$1 want=$2
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	local got=$?
	if [ "$got" = "$want" ]; then ok "$what"; else
		not_ok "$what" "exit $got, want $want: $(cat "$TMP/out" "$TMP/err")"; fi
}
has() { # has WHAT FILE TEXT
	if grep -qF -- "$3" "$2"; then ok "$1"; else not_ok "$1" "no '$3' in: $(cat "$2")"; fi
}

# ---- without the API ----------------------------------------------------------
unset HCLOUD_TOKEN HCLOUD_ENDPOINT
run "--prices api without a token fails" 1 "$INFRAC" cost "$EX" --prices api
has "and says the token is missing" "$TMP/err" "infrac cost: error: HCLOUD_TOKEN is not set"
run "infrac prices without a token fails" 1 "$INFRAC" prices "$TMP/p.json"
[ ! -e "$TMP/p.json" ] && ok "and writes nothing" || not_ok "and writes nothing" "$TMP/p.json exists"
run "--prices with a file that is not there fails" 1 "$INFRAC" recommend "$EX" --prices "$TMP/none.json"
has "and names it" "$TMP/err" "--prices $TMP/none.json"
run "a pinned snapshot needs no network" 0 "$INFRAC" recommend tests/golden-cost/fits-cx43.infra
has "and says where its prices are from" "$TMP/out" \
	"prices: snapshot sim-prices.json (Hetzner Cloud API), nbg1, EUR/month, as of 2026-07-03"

# ---- the simulator -----------------------------------------------------------
TOKEN="tok-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
python3 tests/sim/hcloud_sim.py --port 0 --port-file "$TMP/port" --token "$TOKEN" \
	>"$TMP/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.05; done
if [ ! -s "$TMP/port" ]; then
	not_ok "simulator starts" "$(cat "$TMP/sim.log")"
	finish
	exit
fi
BASE="http://127.0.0.1:$(cat "$TMP/port")"
export HCLOUD_TOKEN=$TOKEN HCLOUD_ENDPOINT=$BASE/v1
ctl() { python3 tests/plan/simctl.py "$BASE" "$@"; }

run "infrac prices saves a snapshot" 0 "$INFRAC" prices "$TMP/p.json"
has "and says what it saved" "$TMP/out" \
	"infrac prices: 19 server types in 3 locations, as of 2026-07-03, saved to $TMP/p.json"
if cmp -s "$TMP/p.json" "$SNAP"; then ok "the snapshot is $SNAP byte for byte"; else
	not_ok "the snapshot is $SNAP byte for byte" "$(diff "$SNAP" "$TMP/p.json" | head -20)"; fi
grep -q token "$TMP/p.json" "$TMP/out" && not_ok "no token in the snapshot" || ok "no token in the snapshot"
if grep -q "$TOKEN" "$TMP/p.json" "$TMP/out"; then not_ok "the token is never written"; else
	ok "the token is never written"; fi

for cmd in cost recommend check; do
	"$INFRAC" $cmd "$EX" --prices api >"$TMP/api.$cmd" 2>&1
	"$INFRAC" $cmd "$EX" --prices "$SNAP" >"$TMP/snap.$cmd" 2>&1
	if diff <(grep -v '^prices: ' "$TMP/api.$cmd") <(grep -v '^prices: ' "$TMP/snap.$cmd") \
		>"$TMP/diff"; then ok "$cmd: the API and its snapshot give the same figures"; else
		not_ok "$cmd: the API and its snapshot give the same figures" "$(cat "$TMP/diff")"; fi
done
has "cost names the API and the day" "$TMP/api.cost" \
	"prices: Hetzner Cloud API, nbg1, EUR/month, as of 2026-07-03; cpx42 from examples/becker.infra:21"
has "check reports with the API's prices" "$TMP/api.check" \
	"prices: Hetzner Cloud API, nbg1, EUR/month, as of 2026-07-03"
has "recommend on the API names the cx43" "$TMP/api.recommend" "  server main  cx43  8.99 EUR/month"

# a pin and the command line: the command line wins, and says so
sed 's|start    = 2026-02 |prices   = "'"$REPO/$SNAP"'"\n  start    = 2026-02 |; s|file("keys/ops.pub")|file("'"$REPO"'/examples/keys/ops.pub")|' \
	"$EX" >"$TMP/pinned.infra"
run "--prices api over a pinned file" 0 "$INFRAC" cost "$TMP/pinned.infra" --prices api
has "says what it replaced" "$TMP/out" "(--prices api, not the file's $REPO/$SNAP)"
run "--prices builtin over a pinned file" 0 "$INFRAC" cost "$TMP/pinned.infra" --prices builtin
has "the seed's figures again" "$TMP/out" "as written: 36 x 19.49 = 701.64 EUR"

# a server_type block the API contradicts: the block wins, and the report says so
sed 's/price   = 19.49 EUR\/month/price   = 18.00 EUR\/month/; s|file("keys/ops.pub")|file("'"$REPO"'/examples/keys/ops.pub")|' \
	"$EX" >"$TMP/cheaper.infra"
run "a block against the API" 0 "$INFRAC" cost "$TMP/cheaper.infra" --prices api
has "the block wins and the report says so" "$TMP/out" \
	"cpx42 from $TMP/cheaper.infra:21 (its 18.00 wins over 19.49 from Hetzner Cloud API)"
has "the block's price is the one counted" "$TMP/out" "as written: 36 x 18.00 + IPv4 18.00"

# ---- failures ------------------------------------------------------------------
run "a snapshot that cannot be written" 1 "$INFRAC" prices "$TMP/no/such/dir/p.json"
has "says so" "$TMP/err" "infrac prices: error: cannot write $TMP/no/such/dir/p.json"
ctl fault '{"kind": "status", "status": 500, "path": "/pricing", "count": -1}' >/dev/null
run "an API that fails on /pricing" 1 "$INFRAC" cost "$EX" --prices api
has "says which request failed" "$TMP/err" "cannot read the prices (GET /pricing)"
ctl reset >/dev/null
run "and works once it answers again" 0 "$INFRAC" cost "$EX" --prices api

finish
