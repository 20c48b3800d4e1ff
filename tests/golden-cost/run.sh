#!/usr/bin/env bash
# golden-cost: `infrac cost` and `infrac recommend` on examples/becker.infra
# and on the files here.  For each NAME.infra the expected outputs sit
# beside it:
#   NAME.cost.out, NAME.cost.json, NAME.recommend.out, NAME.no-resize.out,
#   NAME.recommend.json   stdout of each command
#   NAME.err              stderr of `infrac cost` (absent when empty)
#   NAME.exit             the exit status of every command
# becker.* holds those of examples/becker.infra, run from the repository
# root; becker-sim.* the same with the simulator's whole line-up
# (sim-prices.json, which tests/prices checks `infrac prices` writes from
# the simulator).  Files that pin sim-prices.json are costed against the
# whole line-up without a network.  Beyond the golden files: the seed's
# figures (with the built-in catalog, and with --servers-only on the
# line-up), cost and recommend naming the same cheapest option, the
# arithmetic of every JSON document, and the SVG chart (well-formed XML,
# and rendered by headless Chromium to a PNG that is not blank).
#
#   UPDATE=1 tests/golden-cost/run.sh build/infrac   rewrites the expected
#   files; review every one of them by hand.
set -u
INFRAC=$1
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/../lib.sh"
export NO_COLOR=1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# compare WHAT EXPECTED ACTUAL: an absent expected file means "empty"
compare() {
	if [ -n "${UPDATE:-}" ]; then
		if [ -s "$3" ] || [[ "$2" != *.err ]]; then cp "$3" "$2"; else rm -f "$2"; fi
		ok "$1 (updated)"
		return
	fi
	local want=$2
	[ -e "$want" ] || want=/dev/null
	if diff -u "$want" "$3" >"$TMP/diff" 2>&1; then ok "$1"; else not_ok "$1" "$(cat "$TMP/diff")"; fi
}

# run_case NAME DIR FILE [ARGS...]: runs every command on FILE from DIR,
# each with ARGS
run_case() {
	local name=$1 dir=$2 file=$3 out=$TMP/$1
	shift 3
	mkdir -p "$out"
	(
		cd "$dir" || exit 1
		"$INFRAC" check "$file" "$@" >/dev/null 2>&1; echo "check $?"
		"$INFRAC" cost "$file" "$@" >"$out/cost.out" 2>"$out/err"; echo "cost $?"
		"$INFRAC" cost "$file" "$@" --json >"$out/cost.json" 2>/dev/null; echo "cost --json $?"
		"$INFRAC" cost "$file" "$@" --svg "$out/chart.svg" >/dev/null 2>&1; echo "cost --svg $?"
		"$INFRAC" recommend "$file" "$@" >"$out/recommend.out" 2>/dev/null; echo "recommend $?"
		"$INFRAC" recommend "$file" "$@" --no-resize >"$out/no-resize.out" 2>/dev/null
		echo "recommend --no-resize $?"
		"$INFRAC" recommend "$file" "$@" --json >"$out/recommend.json" 2>/dev/null
		echo "recommend --json $?"
	) >"$out/exit"
	for part in cost.out cost.json recommend.out no-resize.out recommend.json err exit; do
		compare "$name $part" "$HERE/$name.$part" "$out/$part"
	done
	if grep -q '"options"' "$out/cost.json"; then
		check "$name cost JSON adds up" python3 "$HERE/check_json.py" "$out/cost.json"
		check "$name SVG is well-formed XML" python3 -c \
			'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$out/chart.svg"
	fi
}

run_case becker "$ROOT" examples/becker.infra
run_case becker-sim "$ROOT" examples/becker.infra --prices tests/golden-cost/sim-prices.json
for f in "$HERE"/*.infra; do
	run_case "$(basename "$f" .infra)" "$HERE" "$(basename "$f")"
done
compare "becker chart.svg" "$HERE/becker.svg" "$TMP/becker/chart.svg"

# ---- the seed's figures, whatever the golden files say ---------------------
B=$TMP/becker
has() { # has WHAT FILE TEXT
	if grep -qF -- "$3" "$2"; then ok "$1"; else not_ok "$1" "no '$3' in $(basename "$2")"; fi
}
has "as written 36 x 19.49" "$B/cost.out" "as written: 36 x 19.49 = 701.64 EUR"
has "start_small 902.64" "$B/cost.out" "6 x 10.49 + 30 x 27.99 = 62.94 + 839.70 = 902.64 EUR"
has "grow_later 752.64" "$B/cost.out" "30 x 19.49 + 6 x 27.99 = 584.70 + 167.94 = 752.64 EUR"
has "averages 19.49 25.07 20.91" "$B/cost.out" "average EUR/month        19.49       25.07                  20.91"
has "start_small does not fit at 86% of a cpx32" "$B/cost.out" \
	"server main as cpx32 (2026-02 .. 2026-07): RAM needs 6.9 GB of 6.4 GB usable (86% of 8 GB)"
has "start_small over budget from 2026-08" "$B/cost.out" "over the budget of 25.00 EUR/month from 2026-08"
has "grow_later over budget from 2028-08" "$B/cost.out" "over the budget of 25.00 EUR/month from 2028-08"
has "saves 201.00 against start_small" "$B/cost.out" "it saves 201.00 EUR against start_small"
has "recommend cpx42 with resize" "$B/recommend.out" "$(printf 'scenario recommended {\n  main = cpx42\n}')"
for f in recommend.out no-resize.out; do
	n=$(grep -c '^  server main  cpx42  19.49 EUR/month$\|^server main  cpx42  19.49 EUR/month in every phase' "$B/$f")
	want=2; [ $f = no-resize.out ] && want=1
	if [ "$n" = "$want" ]; then ok "recommend $f: cpx42 for main"; else not_ok "recommend $f: cpx42 for main" "$n lines"; fi
done
has "check becker passes" "$B/exit" "check 0"
# the seed's option "production on its own server": 6 x 19.49 + 30 x (19.49 + 10.49)
has "split_production 1016.34" "$B/cost.out" \
	"36 x 19.49 (main) + 30 x 10.49 (prod) = 701.64 + 314.70 = 1016.34 EUR"
check "split_production fits" python3 -c '
import json, sys
o = [o for o in json.load(open(sys.argv[1]))["options"] if o["name"] == "split_production"][0]
sys.exit(0 if o["fits"] and o["total_eur"] == 1016.34 else 1)' "$B/cost.json"
has "recommend: growing beats splitting" "$B/recommend.out" \
	"growing is cheaper: the recommendation costs 701.64 EUR, 44.70 EUR less"

# ---- the seed's comparison on today's line-up, without the charges --------
(cd "$ROOT" && "$INFRAC" cost examples/becker.infra --prices tests/golden-cost/sim-prices.json \
	--servers-only) >"$TMP/servers-only.out" 2>&1
S=$TMP/servers-only.out
has "--servers-only: as written 701.64" "$S" "as written: 36 x 19.49 = 701.64 EUR"
has "--servers-only: start_small 902.64" "$S" "6 x 10.49 + 30 x 27.99 = 62.94 + 839.70 = 902.64 EUR"
has "--servers-only: grow_later 752.64" "$S" "30 x 19.49 + 6 x 27.99 = 584.70 + 167.94 = 752.64 EUR"
has "--servers-only says so" "$S" "; servers only, no charges (--servers-only)"

# ---- the whole line-up ------------------------------------------------------
has "becker on the line-up: recommend names the cx43" "$TMP/becker-sim/recommend.out" \
	"$(printf 'scenario recommended {\n  main = cx43\n}')"
has "becker on the line-up: and what it saves" "$TMP/becker-sim/recommend.out" \
	"as written: 719.64 EUR; the recommendation saves 378.00 EUR"
has "written for a cpx42, fits a cx43: recommend names it" "$TMP/fits-cx43/recommend.out" \
	"  server web  cx43  8.99 EUR/month"
has "written for a cpx42, fits a cx43: and its saving" "$TMP/fits-cx43/recommend.out" \
	"as written: 239.88 EUR; the recommendation saves 126.00 EUR"
# cost and recommend name the same cheapest: the recommendation costs what
# cost's cheapest option costs, or less
for c in becker becker-sim fits-cx43 midphase charges dedicated resize several override; do
	cheap=$(sed -n 's/^cheapest that passes every check: [^,]*, \([0-9.]*\) EUR.*/\1/p' \
		"$TMP/$c/cost.out")
	rec=$(sed -n 's/^recommended: .* = \([0-9.]*\) EUR, .*/\1/p' "$TMP/$c/recommend.out")
	if [ -n "$rec" ] && { [ -z "$cheap" ] || python3 -c 'import sys; from decimal import Decimal as D
sys.exit(0 if D(sys.argv[1]) <= D(sys.argv[2]) else 1)' "$rec" "$cheap"; }; then
		ok "$c: recommend ($rec) is never dearer than cost's cheapest (${cheap:-none})"
	else
		not_ok "$c: recommend and cost agree" "recommend '$rec', cost's cheapest '$cheap'"
	fi
done
has "a mid-phase scenario and recommend agree" "$TMP/midphase/recommend.out" \
	"recommended: 14 x 4.99 + 10 x 8.99 + IPv4 12.00 = 69.86 + 89.90 + 12.00 = 171.76 EUR"

# ---- the chart in a browser -------------------------------------------------
render() { # render NAME COLOURS...
	local name=$1
	shift
	local png=$TMP/$name.png
	timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$TMP/chrome-$name" --screenshot="$png" \
		--window-size=900,600 "file://$TMP/$name/chart.svg" >"$TMP/chrome-$name.log" 2>&1
	if [ ! -s "$png" ]; then
		not_ok "$name chart renders in Chromium" "$(tail -5 "$TMP/chrome-$name.log")"
		return
	fi
	check "$name chart renders in Chromium, not blank" python3 "$HERE/pngcheck.py" "$png" "$@"
	[ -n "${KEEP_PNG:-}" ] && cp "$png" "$KEEP_PNG/$name.png"
}
render becker '#1f77b4' '#d62728' '#2ca02c'
render several '#1f77b4' '#d62728' '#2ca02c' '#ff7f0e'

# ---- usage ------------------------------------------------------------------
code() { # code WHAT WANT CMD...
	local what=$1 want=$2
	shift 2
	"$@" >"$TMP/usage.out" 2>&1
	local got=$?
	if [ $got = "$want" ]; then ok "$what"; else not_ok "$what" "exit $got, want $want: $(cat "$TMP/usage.out")"; fi
}
code "cost without FILE" 2 "$INFRAC" cost
code "cost --svg without a value" 2 "$INFRAC" cost "$ROOT/examples/becker.infra" --svg
code "recommend with an unknown option" 2 "$INFRAC" recommend "$ROOT/examples/becker.infra" --resize
code "cost --svg to a folder that does not exist" 1 "$INFRAC" cost "$ROOT/examples/becker.infra" \
	--svg "$TMP/no/such/dir/x.svg"
has "says it cannot write the SVG" "$TMP/usage.out" "infrac cost: cannot write $TMP/no/such/dir/x.svg"
code "cost --help" 0 "$INFRAC" cost --help
code "recommend --help" 0 "$INFRAC" recommend --help

finish
