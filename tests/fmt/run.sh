#!/usr/bin/env bash
# infrac fmt: on every golden and example file it never changes meaning
# (`infrac check --json` before and after the same, save for positions,
# and every diagnostic at the same token), it is idempotent, and a file
# with syntax errors is left untouched; comments.infra becomes
# comments.expected; --check, --diff (applied by patch), stdin, in-place
# rewriting with the file's mode kept.
#
#   tests/fmt/run.sh /abs/path/to/infrac
set -u
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
INFRAC=${1:?usage: run.sh INFRAC}
export NO_COLOR=1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# ---- the corpus: golden, golden-cost, example and other suites' files --------
mkdir -p "$T/orig" "$T/fmt"
cp -a "$ROOT/tests/golden/check" "$T/orig/golden"
cp -a "$ROOT/tests/golden-cost" "$T/orig/cost"
cp -a "$ROOT/examples" "$T/orig/examples"
mkdir -p "$T/orig/other"
cp "$ROOT/tests/graph/two.infra" "$ROOT/tests/hostile/one.infra" "$T/orig/other/"
cp -a "$T/orig/." "$T/fmt/"
mapfile -t files < <(cd "$T/fmt" && ls golden/*.infra cost/*.infra examples/*.infra other/*.infra)
# one run over all of them, in place: files with syntax errors are named
# on stderr and left alone, the run exits 1 for them
(cd "$T/fmt" && "$INFRAC" fmt "${files[@]}" >"$T/written" 2>"$T/errors")
rc=$?
# check --json of each original tells the files with syntax errors
# (E0001..E0005) and the files that are not text (E0007..E0009) from the
# others, independently of fmt
nsyntax=0 nchanged=0 pairs=() tidy=()
for f in "${files[@]}"; do
	d=$(dirname "$f") b=$(basename "$f")
	(cd "$T/orig/$d" && "$INFRAC" check --json "$b" >"$T/orig/$f.json" 2>/dev/null)
	if grep -q '"code": "E000[1-57-9]"' "$T/orig/$f.json"; then
		nsyntax=$((nsyntax + 1))
		if cmp -s "$T/orig/$f" "$T/fmt/$f" && grep -q "^$f:[0-9]*:[0-9]*: error\[E000" "$T/errors"
		then ok "$f: syntax errors shown, file untouched"
		else not_ok "$f: syntax errors shown, file untouched" "$(grep "$f" "$T/errors" | head -3)"
		fi
		continue
	fi
	cmp -s "$T/orig/$f" "$T/fmt/$f" || nchanged=$((nchanged + 1))
	tidy+=("$f")
	(cd "$T/fmt/$d" && "$INFRAC" check --json "$b" >"$T/fmt/$f.json" 2>/dev/null)
	pairs+=("$T/orig/$f" "$T/fmt/$f" "$T/orig/$f.json" "$T/fmt/$f.json")
done
# idempotent: fmt --check over all the formatted files names none
(cd "$T/fmt" && "$INFRAC" fmt --check "${tidy[@]}" >"$T/again" 2>&1)
check "idempotent: fmt --check on the ${#tidy[@]} formatted files: exit 0, silent" \
	test "$?:$(head -5 "$T/again")" = "0:"
# one python for all of them: "same FILE" or "differs FILE: why"
while read -r verdict path why; do
	f=${path#"$T/orig/"}
	if [ "$verdict" = same ]; then ok "$f: check --json the same"
	else not_ok "$f: check --json the same" "$why"
	fi
done < <(python3 "$HERE/same_meaning.py" "${pairs[@]}")
[ $rc = 1 ] && [ $nsyntax -gt 5 ] && [ $nchanged -gt 20 ] &&
	ok "corpus: ${#files[@]} files, $nchanged reformatted, $nsyntax with syntax errors (exit 1)" ||
	not_ok "corpus" "exit $rc, $nsyntax syntax, $nchanged changed of ${#files[@]}"
if [ "$(sort "$T/written")" = "$(cd "$T/orig" && for f in "${files[@]}"; do
	cmp -s "$f" "$T/fmt/$f" || echo "$f"; done | sort)" ]
then ok "names exactly the files it rewrote"
else not_ok "names exactly the files it rewrote" "$(head -5 "$T/written")"
fi

# ---- the layout ---------------------------------------------------------------
"$INFRAC" fmt <"$HERE/comments.infra" >"$T/c.out" 2>&1
check "comments.infra becomes comments.expected" diff -u "$HERE/comments.expected" "$T/c.out"
check "comments.expected is a fixed point" "$INFRAC" fmt --check "$HERE/comments.expected"
# the reference file: one comment is a column off its own layout
(cd "$ROOT" && "$INFRAC" fmt --diff examples/becker.infra >"$T/becker.diff")
check "becker.infra: the one change is a comment's column" diff -u "$HERE/becker.diff" "$T/becker.diff"
printf 'project x {\r\n  a=1   \r\n}' >"$T/crlf.infra"
check "CRLF and no final newline" \
	test "$("$INFRAC" fmt - <"$T/crlf.infra" | od -An -c | tr -s ' ')" = "$(printf 'project x {\n  a = 1\n}\n' | od -An -c | tr -s ' ')"

# ---- the command line ---------------------------------------------------------
mkdir -p "$T/cli"
cp "$HERE/comments.infra" "$T/cli/messy.infra"
cp "$HERE/comments.expected" "$T/cli/tidy.infra"
chmod 640 "$T/cli/messy.infra"
cp "$T/cli/messy.infra" "$T/cli/messy.orig"
(cd "$T/cli" && "$INFRAC" fmt --check tidy.infra messy.infra >"$T/out" 2>&1)
rc=$?
check "--check: exit 1, names what would change" test "$rc:$(cat "$T/out")" = "1:messy.infra"
check "--check: writes nothing" cmp "$T/cli/messy.orig" "$T/cli/messy.infra"
(cd "$T/cli" && "$INFRAC" fmt --check tidy.infra >"$T/out" 2>&1)
check "--check on a tidy file: exit 0, silent" test "$?:$(cat "$T/out")" = "0:"
(cd "$T/cli" && "$INFRAC" fmt --diff messy.infra >"$T/d.diff")
check "--diff: exit 0, writes nothing" cmp "$T/cli/messy.orig" "$T/cli/messy.infra"
check "--diff: patch applies it" patch -s -o "$T/patched" "$T/cli/messy.infra" "$T/d.diff"
check "--diff: patched is formatted" cmp "$T/patched" "$HERE/comments.expected"
(cd "$T/cli" && "$INFRAC" fmt --check --diff messy.infra >"$T/out")
check "--check --diff: exit 1, name and diff" \
	test "$?:$(head -2 "$T/out")" = "1:messy.infra"$'\n'"--- messy.infra"
check "stdin: no FILE and - are the same" \
	test "$("$INFRAC" fmt <"$T/cli/messy.infra")" = "$("$INFRAC" fmt - <"$T/cli/messy.infra")"
echo 'server x {type=cpx22}' | "$INFRAC" fmt --check >"$T/out"
check "stdin --check: exit 1, names <stdin>" test "$?:$(cat "$T/out")" = "1:<stdin>"
ln -s messy.infra "$T/cli/link.infra"
(cd "$T/cli" && "$INFRAC" fmt link.infra >"$T/out" 2>&1)
check "in place: names the file" test "$?:$(cat "$T/out")" = "0:link.infra"
check "in place: formatted" cmp "$T/cli/messy.infra" "$HERE/comments.expected"
check "in place: the link is kept, the mode too" \
	test "$(stat -c '%F %a' "$T/cli/link.infra" "$T/cli/messy.infra" | tr '\n' ' ')" = \
	"symbolic link 777 regular file 640 "
(cd "$T/cli" && "$INFRAC" fmt messy.infra >"$T/out" 2>&1)
check "in place again: nothing to do" test "$?:$(cat "$T/out")" = "0:"
printf 'project x {\n  a = = 1\n}\n' >"$T/cli/bad.infra"
cp "$T/cli/bad.infra" "$T/cli/bad.orig"
(cd "$T/cli" && "$INFRAC" fmt bad.infra >"$T/out" 2>"$T/err")
check "syntax error: exit 1, the error shown" \
	test "$?:$(head -1 "$T/err")" = "1:bad.infra:2:7: error[E0001]: unexpected '=', expected a name, a number, a string, a date or '['"
check "syntax error: file untouched, nothing on stdout" \
	test "$(cmp "$T/cli/bad.orig" "$T/cli/bad.infra" && cat "$T/out")" = ""
"$INFRAC" fmt "$T/cli/none.infra" >/dev/null 2>"$T/err"
check "a missing file: exit 1" test "$?:$(grep -c 'cannot read' "$T/err")" = "1:1"
"$INFRAC" fmt --chek >/dev/null 2>"$T/err"
check "an unknown option: exit 2, a suggestion" test "$?:$(grep -c 'did you mean --check' "$T/err")" = "2:1"
finish
