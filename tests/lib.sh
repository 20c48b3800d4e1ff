# Shared by the test suites' run.sh scripts: TAP-like lines and the
# closing "N passed, N failed" line every suite ends with.
#   . "$(dirname "$0")/../lib.sh"
#   ok "what"  |  not_ok "what" "why"  |  check "what" cmd...  |  finish

# plan and apply ask the registries of the file's images for their digests
# (docs/plan.md); the suites ask none, but for tests/registry and
# tests/engine, which ask registries they start on 127.0.0.1
export INFRAC_REGISTRY=${INFRAC_REGISTRY:-off}

T_PASS=0
T_FAIL=0
T_SUITE=${T_SUITE:-$(basename "$(cd "$(dirname "$0")" && pwd)")}

ok() { T_PASS=$((T_PASS + 1)); [ -n "${VERBOSE:-}" ] && echo "ok - $1"; return 0; }
not_ok() {
	T_FAIL=$((T_FAIL + 1))
	echo "not ok - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/#   /' | head -40
	return 0
}
# check "what" command...: passes when the command exits 0
check() {
	local what=$1
	shift
	local out
	if out=$("$@" 2>&1); then ok "$what"; else not_ok "$what" "$out"; fi
}
finish() {
	echo "$T_SUITE: $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}
