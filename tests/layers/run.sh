#!/usr/bin/env bash
# The layers of the tree (docs/architecture.md): every folder compiles
# with the include paths of its own layer and those below, so a header of
# a layer above (or beside) it cannot be included.  For every pair of
# layers this compiles a file in the lower one that includes a header of
# the other: it must fail where the other is not below, and compile where
# it is.  Every #include "..." of the tree must also name a header its
# folder may see.
#   tests/layers/run.sh INFRAC   (INFRAC is not used: this is about the source)
set -u
. "$(dirname "$0")/../lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
CC=${CC:-cc}
PC=$(pkg-config --cflags json-c libcurl yaml-0.1 2>/dev/null)

layers=$(make -s --no-print-directory print-layers BUILD="$WORK/build")
names=$(echo "$layers" | cut -d' ' -f1)
dir_of() { echo "$layers" | awk -v l="$1" '$1 == l { print $2 }'; }
flags_of() { echo "$layers" | awk -v l="$1" '$1 == l { $1 = ""; $2 = ""; print }'; }
# the include path of another layer's folder in layer $1's flags
sees() { flags_of "$1" | tr ' ' '\n' | grep -qx -- "-I$(dir_of "$2")"; }

# a header of each layer that includes nothing from above it: the first
# one that compiles with its own layer's flags
header_of() {
	local d h
	d=$(dir_of "$1")
	for h in "$d"/*.h; do
		[ -e "$h" ] || continue
		printf '#include "%s"\n' "$(basename "$h")" > "$WORK/own.c"
		# shellcheck disable=SC2046
		if $CC -std=c17 -D_GNU_SOURCE -fsyntax-only $(flags_of "$1") $PC "$WORK/own.c" \
			2> /dev/null; then
			basename "$h"
			return
		fi
	done
}

for low in $names; do
	for high in $names; do
		[ "$low" = "$high" ] && continue
		h=$(header_of "$high")
		[ -n "$h" ] || continue
		printf '#include "%s"\n' "$h" > "$WORK/probe.c"
		# shellcheck disable=SC2046
		if $CC -std=c17 -D_GNU_SOURCE -fsyntax-only $(flags_of "$low") $PC "$WORK/probe.c" \
			> "$WORK/out" 2>&1; then compiled=yes; else compiled=no; fi
		if sees "$low" "$high"; then
			if [ $compiled = yes ]; then ok "$low includes $high's $h"
			else not_ok "$low may include $high's $h, but it does not compile" "$(cat "$WORK/out")"; fi
		elif [ $compiled = no ] && grep -q "$h" "$WORK/out"; then
			ok "$low cannot include $high's $h"
		else
			not_ok "$low includes $high's $h although $high is not below it" "$(cat "$WORK/out")"
		fi
	done
done

# every quoted include of every folder names a header it may see
for l in $names; do
	d=$(dir_of "$l")
	bad=""
	for f in "$d"/*.[chly]; do
		[ -e "$f" ] || continue
		for inc in $(sed -n 's/^#include "\(.*\)"$/\1/p' "$f"); do
			found=no
			for p in $(flags_of "$l" | tr ' ' '\n' | sed -n 's/^-I//p'); do
				[ -e "$p/$inc" ] && found=yes
			done
			case $inc in parser.h) found=yes ;; esac # generated into the build folder
			[ $found = yes ] || bad="$bad $f:$inc"
		done
	done
	if [ -z "$bad" ]; then ok "$d includes only what its layer sees"
	else not_ok "$d includes headers of layers above it" "$bad"; fi
done
finish
