#!/usr/bin/env bash
# make install into a temporary DESTDIR, with PREFIX; the man pages it
# installs checked with groff -ww and man --warnings (not a word on
# stderr), infrac(1) holding every command's --help (synopsis, every
# option and what it does) and infrac(5) every word of the language
# (tests/editors/vocab.py); the installed completion and vim files work
# from where they were put.
#
#   tests/install/run.sh /abs/path/to/infrac     (the binary of a build folder)
set -u
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
INFRAC=${1:?usage: run.sh INFRAC}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
D=$T/dest

# the binary given is the build's: install what that build made, under
# the version it names (the Makefile's git describe changes with the tree,
# and a new one would rebuild without the flags that build was made with)
version=$("$INFRAC" --version)
MK=(make -s -C "$ROOT" BUILD="$(dirname "$INFRAC")" VERSION="${version#infrac }")
"${MK[@]}" install DESTDIR="$D" PREFIX=/usr \
	>"$T/make.out" 2>&1
check "make install DESTDIR=... PREFIX=/usr" test $? = 0 -a ! -s "$T/make.out"
(cd "$D" && find . -type f | sort) >"$T/files"
cat >"$T/want" <<'LIST'
./usr/bin/infrac
./usr/share/bash-completion/completions/infrac
./usr/share/infrac/infrac.tmLanguage.json
./usr/share/man/man1/infrac.1
./usr/share/man/man5/infrac.5
./usr/share/vim/vimfiles/ftdetect/infrac.vim
./usr/share/vim/vimfiles/ftplugin/infrac.vim
./usr/share/vim/vimfiles/syntax/infrac.vim
./usr/share/zsh/site-functions/_infrac
LIST
check "installs the binary, man pages, completion and syntax files" diff -u "$T/want" "$T/files"
check "the installed binary runs" "$D/usr/bin/infrac" check "$ROOT/examples/becker.infra"
"${MK[@]}" install DESTDIR="$T/opt" PREFIX=/opt/infrac \
	ZSHCOMPDIR=/usr/share/zsh/vendor-completions >/dev/null 2>&1
check "PREFIX and a directory of its own" test -x "$T/opt/opt/infrac/bin/infrac" -a \
	-f "$T/opt/usr/share/zsh/vendor-completions/_infrac"
"${MK[@]}" uninstall DESTDIR="$D" PREFIX=/usr
check "make uninstall removes every file" test -z "$(find "$D" -type f)"
"${MK[@]}" install DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1

# ---- the man pages ---------------------------------------------------------------
M=$D/usr/share/man
for page in man1/infrac.1 man5/infrac.5; do
	groff -ww -z -man "$M/$page" 2>"$T/groff.err"
	check "$page: groff -ww -z: no warning" test $? = 0 -a ! -s "$T/groff.err"
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$M/$page" >/dev/null 2>"$T/man.err"
	if [ -s "$T/man.err" ]; then not_ok "$page: man --warnings: no warning" "$(cat "$T/man.err")"
	else ok "$page: man --warnings: no warning"; fi
done
# flat: the page as text, every run of white space one space
flat() { LC_ALL=C MANWIDTH=2000 man -l "$1" 2>/dev/null | col -b | tr -s ' \n\t' '   '; }
flat "$M/man1/infrac.1" >"$T/page1"
missing=
for cmd in $("$INFRAC" __complete commands); do
	# the synopsis forms and each option's text, from --help
	"$INFRAC" "$cmd" --help | python3 -c '
import re, sys
text = sys.stdin.read()
syn, rest = text.split("\n\n", 1)
for form in re.split(r"\n(?=\s*infrac )", syn.replace("usage: ", "", 1)):
    print(" ".join(form.split()))
for m in re.finditer(r"^  (-\S+(?: \S+)?)(?:\n| {2,})(.*(?:\n {4,}\S.*)*)", rest, re.M):
    print(" ".join(m.group(1).split()))
    print(" ".join(m.group(2).split()))
' >"$T/items"
	while IFS= read -r item; do
		grep -qF -- "$item" "$T/page1" || missing+=$'\n'"$cmd: $item"
	done <"$T/items"
done
[ -z "$missing" ] && ok "infrac(1) says what every command's --help says" ||
	not_ok "infrac(1) says what every command's --help says" "missing:$missing"
flat "$M/man5/infrac.5" >"$T/page5"
missing=
while read -r kind word; do
	grep -qF -- "$word" "$T/page5" || missing+=" $word"
done < <(python3 "$ROOT/tests/editors/vocab.py" "$ROOT")
[ -z "$missing" ] && ok "infrac(5) names every word of the language" ||
	not_ok "infrac(5) names every word of the language" "missing:$missing"

# ---- completion and vim from where they were installed ------------------------
check "bash: the installed completion registers" test \
	"$(bash --norc --noprofile -c '. "$1" && complete -p infrac' _ "$D/usr/share/bash-completion/completions/infrac")" \
	= "complete -F _infrac infrac"
cp "$ROOT/tests/graph/two.infra" "$T/x.infra"
timeout 60 vim -es -N -u NONE -i NONE --cmd "set rtp^=$D/usr/share/vim/vimfiles" \
	-c 'filetype plugin on' -c 'syntax on' -c "edit $T/x.infra" \
	-c "call writefile([&filetype, get(b:, 'current_syntax', ''), &formatprg], '$T/vim.out')" \
	-c 'qa!' </dev/null >/dev/null 2>&1
check "vim: the installed files set filetype, syntax and formatprg" \
	test "$(tr '\n' ' ' <"$T/vim.out" 2>/dev/null)" = "infrac infrac infrac fmt "
finish
