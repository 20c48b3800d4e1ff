#!/usr/bin/env bash
# infrac lsp: the JSON-RPC script (every method through pipes, malformed
# messages) and a real client, neovim's built-in LSP client headless.
#   tests/lsp/run.sh INFRAC
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
infrac=${1:?usage: run.sh INFRAC}
passed=0
failed=0
run() { # run NAME COMMAND...: adds the command's "N passed, N failed"
	local name=$1 out last
	shift
	out=$("$@" 2>&1)
	printf '%s\n' "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
	last=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n1)
	if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		passed=$((passed + BASH_REMATCH[1]))
		failed=$((failed + BASH_REMATCH[2]))
	else
		echo "not ok - $name did not finish"
		failed=$((failed + 1))
	fi
}
run rpc timeout 300 python3 "$here/test_rpc.py" "$infrac" "$top/examples"
run neovim timeout 300 python3 "$here/test_nvim.py" "$infrac" "$top/examples"
echo "lsp: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
