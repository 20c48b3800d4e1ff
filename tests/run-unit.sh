#!/usr/bin/env bash
# Runs each cmocka binary given; cmocka prints its own summary per group.
set -u
. "$(dirname "$0")/lib.sh"
T_SUITE=unit
for bin in "$@"; do
	if out=$("$bin" 2>&1); then
		ok "$(basename "$bin")"
		[ -n "${VERBOSE:-}" ] && echo "$out"
	else
		not_ok "$(basename "$bin")" "$out"
	fi
done
finish
