#!/usr/bin/env bash
# The Debian package: cli/debian-package/build.sh (what `make deb` runs)
# builds it with dpkg-buildpackage -us -uc -b from a staged copy of the
# tree; lintian reports no error; the package holds the binary, the man
# pages, the completion and the syntax files, depends on the libraries the
# binary links, and what it installs runs.  About 20 s of CPU time.
#
#   tests/deb/run.sh /abs/path/to/infrac     (the binary is not used: the
#                                             package builds its own)
set -u
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

if ! "$ROOT/cli/debian-package/build.sh" "$T/out" >"$T/build.out" 2>&1; then
	not_ok "dpkg-buildpackage -us -uc -b builds the package, lintian without errors" \
		"$(tail -20 "$T/build.out")"
	finish
	exit
fi
ok "dpkg-buildpackage -us -uc -b: $(tail -1 "$T/build.out" | sed 's/^build.sh: //')"
DEB=$(ls "$T"/out/infrac_*_*.deb)
check "lintian: no error" test "$(grep -c '^E: ' "$T/out/lintian.txt")" = 0
grep '^W: ' "$T/out/lintian.txt" | sed 's/^/# lintian warning: /'
dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ {print $6}' | sort >"$T/files"
cat >"$T/want" <<'LIST'
./usr/bin/infrac
./usr/share/bash-completion/completions/infrac
./usr/share/doc/infrac/changelog.gz
./usr/share/doc/infrac/copyright
./usr/share/infrac/infrac.tmLanguage.json
./usr/share/man/man1/infrac.1.gz
./usr/share/man/man5/infrac.5.gz
./usr/share/vim/vimfiles/ftdetect/infrac.vim
./usr/share/vim/vimfiles/ftplugin/infrac.vim
./usr/share/vim/vimfiles/syntax/infrac.vim
./usr/share/zsh/vendor-completions/_infrac
LIST
check "the package holds binary, man pages, completion and syntax files" diff -u "$T/want" "$T/files"
deps=$(dpkg-deb -f "$DEB" Depends)
check "it depends on the libraries infrac links (found by dpkg-shlibdeps)" \
	test -n "$(echo "$deps" | grep libcurl)" -a -n "$(echo "$deps" | grep libjson-c)" -a \
	-n "$(echo "$deps" | grep libyaml)"
dpkg-deb -x "$DEB" "$T/root"
check "the packaged infrac checks becker.infra" "$T/root/usr/bin/infrac" check "$ROOT/examples/becker.infra"
check "the packaged infrac names the package's version" \
	test "$("$T/root/usr/bin/infrac" --version)" = "infrac $(dpkg-deb -f "$DEB" Version)"
check "the packaged man page renders" sh -c 'MANWIDTH=80 man -l "$1" 2>/dev/null | grep -q "infrac fmt"' \
	_ "$T/root/usr/share/man/man1/infrac.1.gz"
check "built with Debian's hardening (full RELRO, PIE)" \
	test "$(readelf -d "$T/root/usr/bin/infrac" | grep -c 'BIND_NOW\|PIE')" -ge 2
finish
