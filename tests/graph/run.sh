#!/usr/bin/env bash
# infrac graph: the DOT of becker.infra and two.infra as expected
# (becker.dot, two.dot), the same bytes every run, rendered by Debian's
# graphviz (`dot -Tsvg`) without a word on stderr, for every valid golden
# file too; --phase, an unknown phase, a file with errors.
#
#   tests/graph/run.sh /abs/path/to/infrac
set -u
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
INFRAC=${1:?usage: run.sh INFRAC}
export NO_COLOR=1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# render NAME FILE.dot: dot turns it into SVG, silently
render() {
	if dot -Tsvg -o "$T/$1.svg" "$2" 2>"$T/dot.err" && [ ! -s "$T/dot.err" ]; then
		ok "$1: dot -Tsvg renders it"
	else
		not_ok "$1: dot -Tsvg renders it" "$(cat "$T/dot.err")"
	fi
}

(cd "$ROOT" && "$INFRAC" graph examples/becker.infra >"$T/becker.dot")
check "becker.infra: the expected graph" diff -u "$HERE/becker.dot" "$T/becker.dot"
(cd "$ROOT" && "$INFRAC" graph examples/becker.infra >"$T/again.dot")
check "becker.infra: the same bytes twice" cmp "$T/becker.dot" "$T/again.dot"
render becker "$T/becker.dot"
# what a reader sees: a cluster per phase and server, the arrows
for title in cluster_dev_test cluster_production cluster/production/main \
	'production/main/odoo_prod&#45;&gt;production/main/postgres' \
	'production/domain/odoo.becker&#45;sicherheit.de&#45;&gt;production/main/odoo_prod' \
	'dev_test/main/odoo_dev&#45;&gt;dev_test/main/redis'; do
	check "becker.svg has $title" grep -q "<title>$title</title>" "$T/becker.svg"
done
check "becker.svg: the RAM of each phase" \
	grep -q 'RAM 8.1..9.1 GB of 16 GB (51..57%)' "$T/becker.svg"

(cd "$HERE" && "$INFRAC" graph two.infra >"$T/two.dot")
check "two.infra: the expected graph" diff -u "$HERE/two.dot" "$T/two.dot"
render two "$T/two.dot"
check "two.svg: an image with a registry port in a label" grep -q 'reg.example.com:5000/odd/app:1' "$T/two.svg"

(cd "$HERE" && "$INFRAC" graph two.infra --phase live >"$T/live.dot")
check "--phase live: only that phase" \
	test "$(grep -c 'subgraph' "$T/live.dot"):$(grep -c pilot "$T/live.dot")" = "3:0"
render live "$T/live.dot"
(cd "$HERE" && "$INFRAC" graph two.infra --phase lve >"$T/out" 2>"$T/err")
check "--phase with a typo: exit 2, a suggestion, no graph" \
	test "$?:$(cat "$T/err"):$(wc -c <"$T/out")" = "2:infrac graph: error: no phase 'lve' (did you mean 'live'?); phases: pilot live:0"

# every valid golden file, and one that only overloads its server
for f in "$ROOT"/tests/golden/check/valid-*.infra "$ROOT"/tests/golden-cost/*.infra; do
	name=$(basename "$f" .infra)
	(cd "$(dirname "$f")" && "$INFRAC" graph "$(basename "$f")" >"$T/$name.dot" 2>/dev/null)
	rc=$?
	if (cd "$(dirname "$f")" && "$INFRAC" check "$(basename "$f")" >/dev/null 2>&1); then
		check "$name: exit 0" test $rc = 0
	fi
	render "$name" "$T/$name.dot"
done
(cd "$ROOT/tests/golden/check" && "$INFRAC" graph e0301-out-of-memory.infra >"$T/over.dot" 2>"$T/err")
check "an overloaded server: drawn, exit 1, the error shown" \
	test "$?:$(grep -c 'error\[E0301\]' "$T/err"):$(grep -c 'RAM 3..4 GB of 4 GB (75..100%)' "$T/over.dot")" = "1:1:1"
(cd "$ROOT/tests/golden/check" && "$INFRAC" graph e0401-unknown-service.infra >"$T/out" 2>"$T/err")
check "other errors: exit 1, no graph" test "$?:$(wc -c <"$T/out")" = "1:0"
finish
