#!/usr/bin/env bash
# Editor syntax: grammar/editors/vim (syntax, ftdetect, ftplugin) and
# grammar/editors/infrac.tmLanguage.json know every word of the front
# end's tables (vocab.py); Debian's vim, headless, loads them on every
# golden and example file without an error and shows at each place
# probes.py picks the group its class calls for; vscode-textmate with
# Oniguruma (from npm, cached next to the binary) tokenizes the same files
# with the same result; gq in vim formats through `infrac fmt`.
# Without npm, the grammar's regexes are only compiled by Python's re,
# and the suite says so.
#
#   tests/editors/run.sh /abs/path/to/infrac
set -u
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
INFRAC=${1:?usage: run.sh INFRAC}
ED=$ROOT/grammar/editors
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$ROOT" || exit 1

# ---- every word of the language -------------------------------------------------
python3 "$HERE/vocab.py" "$ROOT" >"$T/vocab" || { not_ok "vocab.py reads the tables"; finish; exit; }
missing_vim= missing_tm=
while read -r kind word; do
	re="(^|[^A-Za-z0-9_/-])$(printf '%s' "$word" | sed 's/[%/]/\\&/g')([^A-Za-z0-9_/-]|$)"
	grep -Eq "$re" "$ED/vim/syntax/infrac.vim" || missing_vim+=" $kind:$word"
	grep -Eq "$re" "$ED/infrac.tmLanguage.json" || missing_tm+=" $kind:$word"
done <"$T/vocab"
n=$(wc -l <"$T/vocab")
[ -z "$missing_vim" ] && ok "vim syntax knows the $n words of the front end" ||
	not_ok "vim syntax knows the $n words of the front end" "missing:$missing_vim"
[ -z "$missing_tm" ] && ok "TextMate grammar knows the $n words of the front end" ||
	not_ok "TextMate grammar knows the $n words of the front end" "missing:$missing_tm"

# ---- the probes -------------------------------------------------------------
# text files only: the front end's own cases of binary bytes, control
# characters and broken UTF-8 are not what an editor's grammar is for
ls tests/golden/check/*.infra tests/golden-cost/*.infra examples/*.infra \
	tests/fmt/comments.infra tests/graph/two.infra | python3 -c '
import re, sys
for p in sys.stdin.read().split():
    try:
        t = open(p, "rb").read().decode("utf-8")
    except UnicodeDecodeError:
        continue
    if not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", t):
        print(p)' >"$T/files"
python3 "$HERE/probes.py" "$T/vocab" $(cat "$T/files") >"$T/probes.json"
nfiles=$(wc -l <"$T/files")

EDITORS=$ED PROBES=$T/probes.json OUT=$T/vim.out \
	timeout 120 vim -es -N -u NONE -i NONE -S "$HERE/vim_check.vim" </dev/null >/dev/null 2>&1
if grep -q '^done [1-9]' "$T/vim.out" 2>/dev/null && [ "$(wc -l <"$T/vim.out")" = 1 ]; then
	ok "vim: $nfiles files load without error, $(sed 's/done //' "$T/vim.out") places highlighted as expected"
else
	not_ok "vim: files load without error, places highlighted as expected" "$(head -20 "$T/vim.out" 2>/dev/null)"
fi

check "the TextMate grammar is JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' \
	"$ED/infrac.tmLanguage.json"
MODULES=$(dirname "$INFRAC")/npm-editors
if [ ! -d "$MODULES/node_modules/vscode-textmate" ] && command -v npm >/dev/null; then
	mkdir -p "$MODULES"
	timeout 120 npm install --prefix "$MODULES" --no-audit --no-fund --silent \
		vscode-textmate@9 vscode-oniguruma@2 >/dev/null 2>&1
fi
if [ -d "$MODULES/node_modules/vscode-textmate" ] && command -v node >/dev/null; then
	timeout 60 node "$HERE/tm_check.js" "$MODULES/node_modules" "$ED/infrac.tmLanguage.json" \
		"$T/probes.json" >"$T/tm.out" 2>&1
	if grep -q '^done [1-9]' "$T/tm.out" && [ "$(wc -l <"$T/tm.out")" = 1 ]; then
		ok "vscode-textmate: $nfiles files, $(sed 's/done //' "$T/tm.out") places scoped as expected"
	else
		not_ok "vscode-textmate: places scoped as expected" "$(head -20 "$T/tm.out")"
	fi
else
	check "no npm: the grammar's regexes compile (Python's re; tokenizing skipped)" python3 -c '
import json, re, sys
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k in ("match", "begin", "end"): re.compile(v)
            else: walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
walk(json.load(open(sys.argv[1])))' "$ED/infrac.tmLanguage.json"
fi

# ---- gq formats through infrac fmt --------------------------------------------
mkdir -p "$T/bin"
ln -s "$INFRAC" "$T/bin/infrac"
cp "$ROOT/tests/fmt/comments.infra" "$T/messy.infra"
PATH=$T/bin:$PATH timeout 60 vim -es -N -u NONE -i NONE \
	-c "set rtp^=$ED/vim" -c 'filetype plugin on' -c "edit $T/messy.infra" \
	-c 'normal gggqG' -c 'write' -c 'qa!' </dev/null >/dev/null 2>&1
check "vim: gq formats with infrac fmt" cmp "$T/messy.infra" "$ROOT/tests/fmt/comments.expected"
finish
