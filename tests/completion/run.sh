#!/usr/bin/env bash
# Shell completion: cli/completion/infrac.bash loaded into bash (complete
# -p, then COMP_WORDS/COMP_CWORD as bash sets them and _infrac called as
# bash calls it) and cli/completion/_infrac in a real interactive zsh
# under a pseudo-terminal (zcomplete.zsh); commands, options, phase, server
# and service names from the file, *.infra files and folders.
#
#   tests/completion/run.sh /abs/path/to/infrac
set -u
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
INFRAC=${1:?usage: run.sh INFRAC}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin" "$T/w/sub"
ln -s "$INFRAC" "$T/bin/infrac"
cp "$ROOT/examples/becker.infra" "$T/w/"
touch "$T/w/other.txt" "$T/w/a.infra"
printf 'phase first {\n}\nphase = = broken\nphase second {\n}\n' >"$T/w/broken.infra"
export PATH="$T/bin:$PATH"
cd "$T/w" || exit 1

# ---- bash ---------------------------------------------------------------------
BASH_SCRIPT=$ROOT/cli/completion/infrac.bash
check "bash: the script loads and registers _infrac" \
	test "$(bash --norc --noprofile -c '. "$1" && complete -p infrac' _ "$BASH_SCRIPT")" = \
	"complete -F _infrac infrac"

# bcomp WORD...: what bash offers for the last word, sorted, space-separated
bcomp() {
	bash --norc --noprofile -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_infrac infrac "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$BASH_SCRIPT" "$@" | sort | tr '\n' ' ' | sed 's/ $//'
}
# expect_b WANT WORD...
expect_b() {
	local want=$1 got
	shift
	got=$(bcomp "$@")
	if [ "$got" = "$want" ]; then ok "bash: $* -> $want"
	else not_ok "bash: $* -> $want" "got: $got"
	fi
}
expect_b "--help --version apply build check cost destroy exec fmt graph help logs lsp output plan prices recommend releases rollback ssh status unlock version" infrac ""
expect_b "--help --version" infrac --
expect_b "unlock" infrac help unl
expect_b "" infrac help plan ""
expect_b "graph" infrac g
expect_b "dev_test production" infrac plan becker.infra --phase ""
expect_b "production" infrac build becker.infra -o out --phase p
expect_b "dev_test production" infrac graph becker.infra --phase ""
expect_b "--help --json --no-color --prices --servers-only --svg" infrac cost becker.infra --
expect_b "--check" infrac fmt --ch
expect_b "--debug --help --no-color --yes" infrac unlock becker.infra --
expect_b "dev_test production" infrac output becker.infra --phase ""
expect_b "--allow-data-loss --at --debug --help --no-color --parallelism --phase --yes" infrac destroy becker.infra --
expect_b "odoo_dev odoo_prod odoo_test" infrac apply becker.infra --yes --redeploy odoo_
expect_b "a.infra becker.infra broken.infra sub" infrac check ""
expect_b "" infrac check becker.infra ""
expect_b "odoo_dev odoo_prod odoo_test" infrac logs becker.infra --tail 5 odoo_
expect_b "postgres" infrac logs becker.infra odoo_dev --phase dev_test p
expect_b "claude_code" infrac exec becker.infra cl
expect_b "" infrac exec becker.infra postgres ""
expect_b "main" infrac exec becker.infra postgres --server ""
expect_b "main" infrac ssh becker.infra --phase production ""
expect_b "main" infrac releases becker.infra ""
expect_b "api builtin" infrac cost becker.infra --prices ""
expect_b "dev_test production" infrac cost --prices api becker.infra --phase ""
expect_b "--at --debug --help --no-color --phase --server" infrac rollback becker.infra --
expect_b "sub" infrac build becker.infra -o ""
expect_b "first second" infrac plan broken.infra --phase ""
expect_b "" infrac plan missing.infra --phase ""

# ---- zsh ----------------------------------------------------------------------
if ! command -v zsh >/dev/null; then
	not_ok "zsh is installed (make deps-test installs it)"
	finish
	exit
fi
mapfile -t got < <(zsh -f "$HERE/zcomplete.zsh" "$ROOT/cli/completion" "$T/bin" "$T/w" \
	'infrac pl' \
	'infrac plan becker.infra --phase ' \
	'infrac cost becker.infra --' \
	'infrac check ' \
	'infrac apply becker.infra --redeploy odoo_' \
	'infrac ' \
	'infrac build becker.infra -o ' \
	'infrac plan broken.infra --phase ' \
	'infrac help o' \
	'infrac --' \
	'infrac logs becker.infra --tail 5 odoo_' \
	'infrac ssh becker.infra ')
want=("plan" "dev_test production" "--help --json --no-color --prices --servers-only --svg" "a.infra becker.infra broken.infra sub"
	"odoo_dev odoo_prod odoo_test" "apply build check cost destroy exec fmt graph help logs lsp output plan prices recommend releases rollback ssh status unlock version" "sub"
	"first second" "output" "--help --version" "odoo_dev odoo_prod odoo_test" "main")
what=("a command" "phases from the file" "options" "*.infra files and folders"
	"services after --redeploy" "every command" "folders for -o" "phases of a broken file"
	"a command after help" "--help and --version" "services after logs FILE"
	"a server after ssh FILE")
for i in "${!want[@]}"; do
	if [ "${got[i]:-}" = "${want[i]}" ]; then ok "zsh: ${what[i]}: ${want[i]}"
	else not_ok "zsh: ${what[i]}: ${want[i]}" "got: ${got[i]:-nothing}"
	fi
done
finish
