#!/usr/bin/env bash
# json: one schema across commands (docs/json.md).  Runs every command that
# writes JSON (check, cost, recommend, build, plan, plan --destroy and the
# plan plan --out saves, a document of diagnostics only; output and the
# price snapshot of `infrac prices` against the simulator) on files that
# give each its variants, and checks each document's shape with shape.py:
# every key of its kind and no other, "format" first, money as numbers,
# and "file" the path as the command was given it (relative to another
# folder too).  Nothing leaves 127.0.0.1.
#   tests/json/run.sh /abs/path/to/infrac
set -u
INFRAC=${1:?usage: run.sh INFRAC}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/../lib.sh"
unset HCLOUD_TOKEN HCLOUD_ENDPOINT
export NO_COLOR=1 INFRAC_TODAY=2026-09-01 INFRAC_REGISTRY=off
TMP=$(mktemp -d)
SIM_PID=
cleanup() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
SIM=tests/golden-cost/sim-prices.json
n=0

# doc WANT-EXIT KIND GIVEN CMD...: runs CMD (from the current folder),
# wants that exit status, and the shape of KIND, with "file" GIVEN
# ("-": no file to compare)
doc() {
	local want=$1 kind=$2 given=$3
	shift 3
	n=$((n + 1))
	local out=$TMP/$n.json
	"$@" >"$out" 2>"$TMP/$n.err"
	local got=$?
	local what="$kind: ${*:2}"
	what=${what//$TMP/TMP}
	if [ "$got" != "$want" ]; then
		not_ok "$what" "exit $got, want $want: $(head -5 "$TMP/$n.err")"
		return
	fi
	if [ "$given" = - ]; then set -- python3 "$HERE/shape.py" "$kind" "$out"
	else set -- python3 "$HERE/shape.py" "$kind" "$out" "$given"; fi
	check "$what" "$@"
}

cd "$ROOT" || exit 1
EX=examples/becker.infra
G=tests/golden-cost
# ---- check, cost, recommend: the built-in catalog, the line-up, charges -----
doc 0 check $EX "$INFRAC" check $EX --json
doc 0 check ./$EX "$INFRAC" check ./$EX --json --prices $SIM
doc 1 diagnostics - "$INFRAC" check $G/overbudget.infra --json
doc 0 cost $EX "$INFRAC" cost $EX --json
doc 0 cost $EX "$INFRAC" cost $EX --json --prices $SIM
doc 0 cost $G/charges.infra "$INFRAC" cost $G/charges.infra --json
doc 1 cost $G/overbudget.infra "$INFRAC" cost $G/overbudget.infra --json
doc 0 cost $G/dedicated.infra "$INFRAC" cost $G/dedicated.infra --json
doc 0 recommend $EX "$INFRAC" recommend $EX --json
doc 0 recommend $EX "$INFRAC" recommend $EX --json --no-resize --prices $SIM
doc 0 recommend $G/midphase.infra "$INFRAC" recommend $G/midphase.infra --json
doc 1 recommend $G/overbudget.infra "$INFRAC" recommend $G/overbudget.infra --json
doc 1 recommend $G/arm-only.infra "$INFRAC" recommend $G/arm-only.infra --json
doc 1 diagnostics - "$INFRAC" cost $G/broken.infra --json

# ---- build and plan -----------------------------------------------------------
doc 0 build - "$INFRAC" build $EX -o "$TMP/out/" --json
if python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["files"] and all(f["path"].startswith(sys.argv[2] + "/") and "//" not in f["path"]
                          for f in d["files"]), d["files"][:2]' "$TMP/$n.json" "$TMP/out" 2>"$TMP/py"
then ok "build: each path is DIR as given, then the file"
else not_ok "build: each path is DIR as given, then the file" "$(cat "$TMP/py")"; fi
doc 2 plan $EX "$INFRAC" plan $EX --phase production --json
if python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))["monthly_cost"]
assert c == {"before_eur": 0, "after_eur": 19.49}, c' "$TMP/$n.json" 2>"$TMP/py"
then ok "plan: the monthly cost as numbers (0 -> 19.49)"
else not_ok "plan: the monthly cost as numbers (0 -> 19.49)" "$(cat "$TMP/py")"; fi
"$INFRAC" plan $EX --phase production --out "$TMP/saved.json" >/dev/null 2>&1
check "saved-plan: plan --out" python3 "$HERE/shape.py" saved-plan "$TMP/saved.json" $EX
doc 1 diagnostics - "$INFRAC" plan $G/broken.infra --json
doc 0 plan $EX "$INFRAC" plan $EX --destroy --json

# ---- against the simulator: output, and the snapshot infrac prices writes -----
python3 tests/sim/hcloud_sim.py --port 0 --port-file "$TMP/port" --token json-token \
	>"$TMP/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.05; done
if [ -s "$TMP/port" ]; then
	ok "simulator starts"
	export HCLOUD_TOKEN=json-token HCLOUD_ENDPOINT=http://127.0.0.1:$(cat "$TMP/port")/v1
	# an empty project: every server missing (exit 1), the document all the same
	doc 1 output ./$EX "$INFRAC" output ./$EX --phase production --json
	"$INFRAC" prices "$TMP/prices.json" >/dev/null 2>&1
	check "prices: what infrac prices writes" python3 "$HERE/shape.py" prices "$TMP/prices.json"
	unset HCLOUD_TOKEN HCLOUD_ENDPOINT
else
	not_ok "simulator starts" "$(cat "$TMP/sim.log")"
fi

# ---- paths as given, from another folder ---------------------------------------
cd "$HERE" || exit 1
doc 0 check ../../$EX "$INFRAC" check ../../$EX --json
doc 0 cost ../golden-cost/resize.infra "$INFRAC" cost ../golden-cost/resize.infra --json
doc 0 recommend "$ROOT/$EX" "$INFRAC" recommend "$ROOT/$EX" --json
check "prices: the snapshot $SIM" python3 "$HERE/shape.py" prices "$ROOT/$SIM"

# ---- the checker checks: a document of the old shape fails -----------------------
sed 's/"after_eur": 19.49/"after_eur": "19.49"/; s/"format": 2/"format": 1/' \
	"$TMP/saved.json" >"$TMP/old.json"
if python3 "$HERE/shape.py" saved-plan "$TMP/old.json" >"$TMP/py" 2>&1; then
	not_ok "shape.py refuses money as a string and format 1" "it passed"
elif grep -q 'money as "19.49"' "$TMP/py" && grep -q 'format is 1' "$TMP/py"; then
	ok "shape.py refuses money as a string and format 1"
else not_ok "shape.py refuses money as a string and format 1" "$(cat "$TMP/py")"; fi

finish
