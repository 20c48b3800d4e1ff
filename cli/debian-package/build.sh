#!/bin/sh
# Builds the Debian package of the tree this script is in:
#   cli/debian-package/build.sh OUTDIR
# The tree (without build/ and .git) is staged into a temporary folder,
# this folder's debian/ becomes its debian/, dpkg-buildpackage -us -uc -b
# builds there; OUTDIR gets the .deb, the build's log and lintian's
# report (lintian.txt).  Exit 1 when the build fails or lintian reports
# an error.
set -eu
out=$(realpath -m "${1:?usage: build.sh OUTDIR}")
root=$(cd "$(dirname "$0")/../.." && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/infrac" "$out"
rm -f "$out"/*.deb
(cd "$root" && tar --exclude=./build --exclude=./.git -cf - .) | tar -xf - -C "$stage/infrac"
cp -r "$root/cli/debian-package/debian" "$stage/infrac/debian"
# no -dbgsym package (nothing ships it); the compiler on every core
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-noddebs parallel=$(nproc)}"
if ! (cd "$stage/infrac" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1; then
	tail -30 "$out/build.log"
	echo "build.sh: dpkg-buildpackage failed; the log is $out/build.log" >&2
	exit 1
fi
cp "$stage"/*.deb "$out/"
lintian --tag-display-limit 0 "$stage"/*.changes >"$out/lintian.txt" 2>&1 || true
if grep -q '^E: ' "$out/lintian.txt"; then
	cat "$out/lintian.txt"
	echo "build.sh: lintian reports errors" >&2
	exit 1
fi
echo "build.sh: $(cd "$out" && ls *.deb); lintian: $(grep -c '^W: ' "$out/lintian.txt") warnings"
