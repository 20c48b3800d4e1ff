#!/usr/bin/env bash
# Deploy over SSH against a real sshd on 127.0.0.1, and the apply lock.
#
# sshd (Debian's openssh-server) runs from a temp dir with throwaway host
# and user keys; its sessions get a PATH whose `docker` and `curl` are
# stubs that log every call and play healthy, unhealthy or failing
# according to $WORK/mode.  The remote root is $WORK/remote
# (INFRAC_REMOTE_ROOT), so the test reads the "server's" files directly.
# A local `ssh` wrapper logs the argv infrac gives ssh.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
. "$HERE/../sshd.sh"
INFRAC=${1:?usage: run.sh ABSOLUTE_PATH_TO_INFRAC}
TOOL=$(dirname "$INFRAC")/tests/deploy/tool_deploy
EXAMPLE=$HERE/../../examples/becker.infra
[ -x "$TOOL" ] || { echo "deploy: $TOOL missing (make builds it)"; exit 1; }

WORK=$(mktemp -d /tmp/infrac-deploy.XXXXXX)
SSHD_PID=
cleanup() {
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null
	[ -n "${HOLDER:-}" ] && kill "$HOLDER" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

CANARY="canary-$$-Zq9x\$(touch $WORK/pwned)\"\`id\`"
export PG_PASSWORD=$CANARY
export ANTHROPIC_API_KEY=sk-canary-$$-second
export HCLOUD_TOKEN=token-canary-$$
export INFRAC_REMOTE_ROOT=$WORK/remote
export XDG_STATE_HOME=$WORK/state
REL=$WORK/remote/becker/releases

# ---- sshd ---------------------------------------------------------------
mkdir -p "$WORK/stub" "$WORK/localbin" /run/sshd
ssh-keygen -q -t ed25519 -N '' -C host -f "$WORK/hostkey"
ssh-keygen -q -t ed25519 -N '' -C other -f "$WORK/otherkey"
ssh-keygen -q -t ed25519 -N '' -C user -f "$WORK/userkey"
cp "$WORK/userkey.pub" "$WORK/authorized_keys"
echo healthy > "$WORK/mode"

cat > "$WORK/stub/docker" <<STUB
#!/bin/sh
# logs "RELEASE-DIR docker ARGS", plays the mode in $WORK/mode
mode=\$(cat "$WORK/mode")
printf '%s docker %s\n' "\$(basename "\$(pwd -P)")" "\$*" >> "$WORK/docker.log"
case "\$*" in
*" pull") [ "\$mode" = hang ] && sleep 4
	case \$mode in pullfail|gone) echo "pull access denied for example/app"; exit 1;; esac ;;
*" config") printf 'services:\n  app:\n    image: "example/app:1"\n' ;;
"image inspect "*) [ "\$mode" = gone ] && { echo "No such image"; exit 1; } ;;
*" up -d --remove-orphans") [ "\$mode" = upfail ] && [ "\$(basename "\$(pwd -P)")" != "\$(cat "$WORK/good" 2>/dev/null)" ] && { echo "port is already allocated"; exit 1; } ;;
"ps -aq "*) echo c1 c2 c3 ;;
"inspect --format "*)
	echo "nginx|running||0"
	echo "migrate|exited||0"
	if [ "\$mode" = unhealthy ]; then
		echo "app|running|unhealthy|0"
		# a careless tool printing its environment: must come back redacted
		cat .env
	else
		echo "app|running|healthy|0"
	fi ;;
esac
exit 0
STUB
# curl plays nginx: a 502 of its own in mode nodomain, else the service's 200
cat > "$WORK/stub/curl" <<STUB
#!/bin/sh
printf 'curl %s\n' "\$*" >> "$WORK/docker.log"
if [ "\$(cat "$WORK/mode")" = nodomain ]; then
	printf 'HTTP/1.1 502 Bad Gateway\r\nX-Infrac-Upstream: 502\r\n\r\n'
else
	printf 'HTTP/1.1 200 OK\r\nX-Infrac-Upstream: 200\r\n\r\n'
fi
exit 0
STUB
cat > "$WORK/localbin/ssh" <<STUB
#!/bin/sh
printf '%s\n' "\$*" >> "$WORK/ssh-argv.log"
env >> "$WORK/ssh-env.log"
exec /usr/bin/ssh "\$@"
STUB
chmod +x "$WORK/stub/docker" "$WORK/stub/curl" "$WORK/localbin/ssh"
export PATH=$WORK/localbin:$PATH

sshd_start

printf 'services:\n  app:\n    image: example/app:1\n    env_file: .env\n' > "$WORK/compose.yml"
printf 'events {}\nhttp { server { listen 80; } }\n' > "$WORK/nginx.conf"
printf '#!/bin/sh\necho hook\n' > "$WORK/hook.sh"

KH=$WORK/known_hosts
# tool RELEASE [extra args]: output in $WORK/out, status in $RC
tool() {
	local rel=$1
	shift
	"$TOOL" deploy --host 127.0.0.1 --port "$PORT" --user root \
		--identity "$WORK/userkey" --known-hosts "$KH" --project becker --release "$rel" \
		--proxy nginx --https-domain odoo.example.test --domain claude.example.test \
		--wait 3 "$@" > "$WORK/out" 2>&1
	RC=$?
	cat "$WORK/out" >> "$WORK/all-output"
}
# deploy RELEASE [extra args]: the three files; rollback RELEASE: the kept one
deploy() {
	local rel=$1
	shift
	tool "$rel" --file docker-compose.yml 644 "$WORK/compose.yml" \
		--file nginx/nginx.conf 644 "$WORK/nginx.conf" --file hooks/run.sh 755 "$WORK/hook.sh" "$@"
}
rollback() {
	local rel=$1
	shift
	tool "$rel" --kept "$@"
}
has() { grep -qF -- "$2" "$1"; }
current() { readlink "$WORK/remote/becker/current"; }

# ---- first deploy -----------------------------------------------------------
: > "$WORK/docker.log"
t0=$(date +%s%N)
deploy r1 --accept-new --secret PG_PASSWORD --secret ANTHROPIC_API_KEY
echo "# first deploy over ssh to 127.0.0.1 (3 files, 2 secrets, stub docker): $(( ($(date +%s%N) - t0) / 1000000 )) ms"
if [ $RC = 0 ]; then ok "first deploy succeeds"; else not_ok "first deploy succeeds" "$(cat "$WORK/out")"; fi
check "first deploy: each step told as the server began it" \
	test "$(grep '^step ' "$WORK/out" | tr '\n' ' ')" = "step upload step pull step switch step up step handover step reload step health step domains step host step prune "
check "first deploy: current -> releases/r1" test "$(current)" = releases/r1
check "first deploy: files uploaded byte for byte" cmp "$WORK/compose.yml" "$REL/r1/docker-compose.yml"
check "first deploy: file in a subdirectory" cmp "$WORK/nginx.conf" "$REL/r1/nginx/nginx.conf"
check "first deploy: modes 644/755" test "$(stat -c %a "$REL/r1/docker-compose.yml") $(stat -c %a "$REL/r1/hooks/run.sh")" = "644 755"
check "first deploy: .env is 0600" test "$(stat -c %a "$REL/r1/.env")" = 600
check "first deploy: .env holds the secrets, single-quoted" \
	test "$(cat "$REL/r1/.env")" = "PG_PASSWORD='$CANARY'
ANTHROPIC_API_KEY='$ANTHROPIC_API_KEY'"
check "first deploy: the new host key was recorded" grep -q "^\[127.0.0.1\]:$PORT ssh-ed25519" "$KH"
check "first deploy: no staging directory left" test -z "$(ls -A "$REL" | grep -v '^r1$')"
expected=".r1.tmp docker compose version
.r1.tmp docker compose -p becker pull
r1 docker compose -p becker config --services
r1 docker compose -p becker up -d --remove-orphans
r1 docker compose -p becker exec -T nginx sh -c nginx -t -q -c \"\$0\" && nginx -s reload -c \"\$0\" /etc/nginx/infrac/nginx.conf
r1 docker ps -aq --filter label=com.docker.compose.project=becker --filter label=com.docker.compose.oneoff=False
r1 docker inspect --format {{index .Config.Labels \"com.docker.compose.service\"}}|{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}|{{.State.ExitCode}} c1 c2 c3
curl -sS -k -o /dev/null -D - --max-time 10 -H X-Infrac-Health: 1 --resolve odoo.example.test:443:127.0.0.1 https://odoo.example.test/
curl -sS -k -o /dev/null -D - --max-time 10 -H X-Infrac-Health: 1 --resolve claude.example.test:80:127.0.0.1 http://claude.example.test/"
if [ "$(cat "$WORK/docker.log")" = "$expected" ]; then ok "first deploy: pull, up, reload, health, domains in order"
else not_ok "first deploy: pull, up, reload, health, domains in order" "$(diff <(echo "$expected") "$WORK/docker.log")"; fi
check "ssh: BatchMode" grep -qF -- "-o BatchMode=yes" "$WORK/ssh-argv.log"
check "ssh: accept-new when asked, the project's known_hosts" \
	grep -qF -- "-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=\"$KH\" " "$WORK/ssh-argv.log"

# ---- same release again -----------------------------------------------------
: > "$WORK/docker.log"
deploy r1 --secret PG_PASSWORD --secret ANTHROPIC_API_KEY
if [ $RC = 0 ] && has "$WORK/out" "previous: r1"; then ok "redeploy of r1 succeeds"; else not_ok "redeploy of r1 succeeds" "$(cat "$WORK/out")"; fi
check "redeploy: still one release, no leftovers" test "$(ls -A "$REL")" = r1
check "redeploy: current -> releases/r1" test "$(current)" = releases/r1
check "redeploy: files intact" cmp "$WORK/nginx.conf" "$REL/r1/nginx/nginx.conf"
check "redeploy: ssh insisted on the known key" grep -q "StrictHostKeyChecking=yes" "$WORK/ssh-argv.log"

# ---- second release, then an unhealthy third ---------------------------------
deploy r2 --secret PG_PASSWORD
if [ $RC = 0 ] && has "$WORK/out" "previous: r1"; then ok "second release deploys"; else not_ok "second release deploys" "$(cat "$WORK/out")"; fi
check "second release: current -> releases/r2" test "$(current)" = releases/r2
echo unhealthy > "$WORK/mode"
: > "$WORK/docker.log"
start=$(date +%s)
deploy r3 --secret PG_PASSWORD --secret ANTHROPIC_API_KEY
took=$(( $(date +%s) - start ))
if [ $RC = 1 ]; then ok "unhealthy release fails"; else not_ok "unhealthy release fails" "$(cat "$WORK/out")"; fi
check "unhealthy: error names the step and the rollback" \
	has "$WORK/out" "deploy of release r3 to 127.0.0.1 failed at step health; switched back to release r2"
check "unhealthy: output tail shows the unhealthy container" has "$WORK/out" "app|running|unhealthy|0"
check "unhealthy: a secret printed by the server comes back redacted" has "$WORK/out" "PG_PASSWORD='[redacted]'"
check "unhealthy: rolled back: current -> releases/r2" test "$(current)" = releases/r2
check "unhealthy: up -d re-run in r2 after the failure" \
	test "$(grep ' up -d' "$WORK/docker.log" | cut -d' ' -f1 | tr '\n' ' ')" = "r3 r2 "
check "unhealthy: the health wait is bounded (3 s asked, took ${took}s)" test "$took" -le 8
check "unhealthy: tool reports rolled back" has "$WORK/out" "rolled back: yes"

# ---- a domain that does not answer ------------------------------------------
echo nodomain > "$WORK/mode"
deploy r4 --secret PG_PASSWORD
check "domain check failure rolls back" has "$WORK/out" "failed at step domains; switched back to release r2"
check "domain check failure: the output names the domain and the scheme" has "$WORK/out" "odoo.example.test does not answer over https through nginx"
check "domain check failure: nginx's own 502 is not the service's answer" has "$WORK/out" "odoo.example.test answered 502 over https"
check "domain check failure: current -> releases/r2" test "$(current)" = releases/r2

# ---- a failed pull touches nothing ------------------------------------------
echo pullfail > "$WORK/mode"
: > "$WORK/docker.log"
deploy r5 --secret PG_PASSWORD
check "failed pull: reported with its output" has "$WORK/out" "failed at step pull; the running release was not touched"
check "failed pull: the registry's message is shown" has "$WORK/out" "pull access denied"
check "failed pull: no up, no switch" test "$(grep -c ' up ' "$WORK/docker.log")$(current)" = "0releases/r2"
check "failed pull: nothing staged is left" test ! -e "$REL/.r5.tmp" -a ! -e "$REL/r5"

# ---- a hung step is stopped by the session timeout ---------------------------
echo hang > "$WORK/mode"
start=$(date +%s)
# 3 s: the steps before pull (ssh, upload, stage) must fit in it on a busy machine
deploy r8 --secret PG_PASSWORD --timeout 3
took=$(( $(date +%s) - start ))
check "hung pull: stopped after the timeout (took ${took}s)" test "$took" -le 6
check "hung pull: the message names the step and asks for a rerun" \
	has "$WORK/out" "did not finish within 3 s and was stopped during step pull; rerun to converge"
check "hung pull: current unchanged" test "$(current)" = releases/r2
# the server's shell loses its client: it must not go on to switch
sleep 4
check "hung pull: the orphaned remote script did not switch" test "$(current)" = releases/r2

# ---- failed redeploy of the live release id restores its files ----------------
echo unhealthy > "$WORK/mode"
printf 'services: {}\n# changed\n' > "$WORK/compose2.yml"
"$TOOL" deploy --host 127.0.0.1 --port "$PORT" --user root --identity "$WORK/userkey" \
	--known-hosts "$KH" --project becker --release r2 --file docker-compose.yml 644 "$WORK/compose2.yml" \
	--wait 2 > "$WORK/out" 2>&1
check "failed redeploy of r2: rolled back to r2" has "$WORK/out" "failed at step health; switched back to release r2"
check "failed redeploy of r2: r2's previous files are back" cmp "$WORK/compose.yml" "$REL/r2/docker-compose.yml"
check "failed redeploy of r2: no leftovers" test -z "$(ls -A "$REL" | grep '^\.r2\.')"
echo healthy > "$WORK/mode"

# ---- what each release records, and a rollback to a kept one --------------------
# r1 and r2 are kept; r3 and r4 failed their health and domain checks
tool - --list
check "list: the kept releases, newest first, current marked; previous skips the failed" \
	test "$(cut -d' ' -f1,2 "$WORK/out" | tr '\n' ' ')" = "- r4 - r3 * r2 - r1 previous r1 "
has "$WORK/out" "* r2 20" && has "$WORK/out" "| the same files (secrets or images changed)" &&
	ok "list: the time of each deploy and what changed against the one before" ||
	not_ok "list: the time of each deploy and what changed against the one before" "$(cat "$WORK/out")"
check "list: a release that failed says at which step" grep -qx "failed=health" "$REL/r3/.release"
check "list: a redeploy of the same files says so" grep -qx "previous=r1" "$REL/r1/.release"
: > "$WORK/docker.log"
before=$(cat "$REL/r1/.release")
rollback r1 --secret PG_PASSWORD --secret ANTHROPIC_API_KEY
if [ $RC = 0 ] && has "$WORK/out" "previous: r2"; then ok "rollback to the kept r1 succeeds"; else not_ok "rollback to the kept r1 succeeds" "$(cat "$WORK/out")"; fi
check "rollback: steps stage, pull, switch, up ... health, domains" \
	test "$(grep '^step ' "$WORK/out" | tr '\n' ' ')" = "step stage step pull step switch step up step handover step reload step health step domains step host step prune "
check "rollback: current -> releases/r1, with r1's files" \
	test "$(current)" = releases/r1 -a "$(cat "$REL/r1/docker-compose.yml")" = "$(cat "$WORK/compose.yml")"
check "rollback: the .env holds this environment's secrets" \
	test "$(cat "$REL/r1/.env")" = "PG_PASSWORD='$CANARY'
ANTHROPIC_API_KEY='$ANTHROPIC_API_KEY'"
check "rollback: r1's record is its deploy's" test "$(cat "$REL/r1/.release")" = "$before"
check "rollback: nothing uploaded, pulled and started in r1" \
	test "$(grep -c '^\.r1\.tmp docker compose -p becker pull$' "$WORK/docker.log") $(grep -c '^r1 .* up -d' "$WORK/docker.log")" = "1 1"
snap=$(cd "$REL" && find . | sort)
rollback r9 --secret PG_PASSWORD
check "rollback to a release not kept: fails at step stage, touching nothing" \
	test "$RC $(current)" = "1 releases/r1" -a "$(cd "$REL" && find . | sort)" = "$snap"
check "  ... and names the kept ones" has "$WORK/out" "release r9 is not kept on this server (kept: r1 r2 r3 r4 )"
echo pullfail > "$WORK/mode"
rollback r2 --secret PG_PASSWORD
check "rollback when the registry fails: the images on the server do" test "$RC $(current)" = "0 releases/r2"
echo gone > "$WORK/mode"
rollback r1 --secret PG_PASSWORD
check "rollback to a release whose images are gone: refused at step pull" \
	has "$WORK/out" "rollback to release r1 on 127.0.0.1 failed at step pull; the running release was not touched"
check "  ... naming the images" has "$WORK/out" "the images of release r1 are not on this server and cannot be pulled: example/app:1"
check "  ... r2 still current" test "$(current)" = releases/r2
rollback r3 --file x 644 "$WORK/compose.yml"
check "a rollback sends no files" has "$WORK/out" "a rollback to a kept release sends no files and no keys"
echo healthy > "$WORK/mode"

# ---- hostile names are data --------------------------------------------------
printf 'x\n' > "$WORK/plain"
deploy r6 --secret PG_PASSWORD --file "we'ird \$(touch $WORK/pwned2) \`id\` \"n\".txt" 600 "$WORK/plain"
check "hostile file name deploys" test $RC = 0
check "  ... and its release records the file added" grep -q "^changed=added we'ird" "$REL/r6/.release"
check "a successful deploy removes what interrupted ones staged" test ! -e "$REL/.r8.tmp"
check "hostile file name: stored under its exact name, mode 600" \
	test "$(stat -c %a "$REL/r6/we'ird \$(touch $WORK/pwned2) \`id\` \"n\".txt")" = 600
check "hostile file name and secret: nothing ran" test ! -e "$WORK/pwned" -a ! -e "$WORK/pwned2"
deploy 'r7;touch' --secret PG_PASSWORD
check "release id with shell characters refused before connecting" has "$WORK/out" "release id must be"

# ---- pruning -----------------------------------------------------------------
for r in p1 p2 p3; do deploy "$r" --secret PG_PASSWORD --keep 2; sleep 1; done
check "prune keeps the last 2 releases" test "$(ls "$REL" | sort | tr '\n' ' ')" = "p2 p3 "

# ---- first deploy of a project that fails: nothing to return to ---------------
echo unhealthy > "$WORK/mode"
"$TOOL" deploy --host 127.0.0.1 --port "$PORT" --user root --identity "$WORK/userkey" \
	--known-hosts "$KH" --project fresh --release f1 --file docker-compose.yml 644 "$WORK/compose.yml" \
	--wait 1 > "$WORK/out" 2>&1
check "failed first deploy says there is no previous release" \
	has "$WORK/out" "failed at step health; there is no previous release to switch back to"
echo healthy > "$WORK/mode"

# ---- missing secrets: all named, nothing changed -----------------------------
snapshot() { (cd "$WORK/remote" && find . -printf '%p %T@\n' | sort; cat "$WORK/docker.log" "$WORK/ssh-argv.log") | md5sum; }
before=$(snapshot)
(unset PG_PASSWORD ANTHROPIC_API_KEY
 "$TOOL" deploy --host 127.0.0.1 --port "$PORT" --user root --identity "$WORK/userkey" \
	--known-hosts "$KH" --project becker --release m1 --file docker-compose.yml 644 "$WORK/compose.yml" \
	--secrets-of "$EXAMPLE" production main) > "$WORK/out" 2>&1
rc=$?
check "missing secrets: fails" test $rc = 1
check "missing secrets: every missing name listed" \
	has "$WORK/out" "secrets for server main not set in the environment: ANTHROPIC_API_KEY, PG_PASSWORD"
check "missing secrets: nothing changed on the server, ssh never ran" test "$(snapshot)" = "$before"
(unset ANTHROPIC_API_KEY
 "$TOOL" deploy --host 127.0.0.1 --port "$PORT" --user root --identity "$WORK/userkey" \
	--known-hosts "$KH" --project becker --release m1 --file docker-compose.yml 644 "$WORK/compose.yml" \
	--secrets-of "$EXAMPLE" production main) > "$WORK/out" 2>&1
check "one missing secret: only that one named" has "$WORK/out" "environment: ANTHROPIC_API_KEY"$'\n'
deploy m2 --secrets-of "$EXAMPLE" production main
check "secrets from the model: deployed" test $RC = 0
check "secrets from the model: .env holds both" test "$(cut -d= -f1 "$REL/m2/.env" | tr '\n' ' ')" = "ANTHROPIC_API_KEY PG_PASSWORD "

# ---- host keys ---------------------------------------------------------------
before=$(snapshot)
KH=$WORK/empty_known_hosts
: > "$KH"
deploy h1 --secret PG_PASSWORD
check "unknown host key of a server not just created: refused" test $RC = 1
check "unknown host key: says it could not connect, nothing changed" has "$WORK/out" "nothing changed on the server"
check "unknown host key: ssh's reason shown" has "$WORK/out" "Host key verification failed"
check "unknown host key: not recorded" test ! -s "$KH"
KH=$WORK/wrong_known_hosts
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$WORK/otherkey.pub")" > "$KH"
deploy h2 --secret PG_PASSWORD --accept-new
check "changed host key: refused even for a new server" test $RC = 1
check "changed host keys: nothing changed on the server" test "$(snapshot | head -c 0)$(cd "$WORK/remote" && ls becker/releases | grep -c '^h')" = 0
KH=$WORK/no/such/dir/known_hosts
deploy h3 --secret PG_PASSWORD --accept-new
check "accept-new with a known_hosts file that cannot be written: refused before connecting" \
	has "$WORK/out" "cannot write the known_hosts file $KH"
KH=$WORK/known_hosts

# ---- key and known_hosts paths with blanks and %-tokens ----------------------
mkdir -p "$WORK/my keys %h"
cp "$WORK/userkey" "$WORK/my keys %h/id"
cp "$WORK/known_hosts" "$WORK/my keys %h/known hosts"
"$TOOL" deploy --host 127.0.0.1 --port "$PORT" --user root --identity "$WORK/my keys %h/id" \
	--known-hosts "$WORK/my keys %h/known hosts" --project spaced --release s1 \
	--file docker-compose.yml 644 "$WORK/compose.yml" > "$WORK/out" 2>&1
check "paths with blanks and % reach ssh intact" test "$?$(readlink "$WORK/remote/spaced/current")" = 0releases/s1
check "the first release of a project says so" grep -qx "changed=first release" "$WORK/remote/spaced/releases/s1/.release"

# ---- secrets never leak --------------------------------------------------------
leaks=$(grep -rlF --exclude=.env -- "$CANARY" "$WORK" 2>/dev/null; grep -lF -- "$CANARY" "$WORK"/all-output "$WORK"/ssh-argv.log "$WORK"/sshd.log 2>/dev/null)
if [ -z "$leaks" ]; then ok "canary secret in no file but the remote .env (and no output)"; else not_ok "canary secret in no file but the remote .env (and no output)" "$leaks"; fi
check "canary secret is in the remote .env" grep -qF -- "$CANARY" "$REL/m2/.env"
check "ssh ran without the secrets and the token in its environment" \
	test -s "$WORK/ssh-env.log" -a -z "$(grep -E "^(PG_PASSWORD|ANTHROPIC_API_KEY|HCLOUD_TOKEN)=" "$WORK/ssh-env.log")"
check "the token in no file and no output" test -z "$(grep -rlF -- "token-canary-$$" "$WORK")"
check "second secret in no output" test -z "$(grep -rlF --exclude=.env -- "sk-canary-$$-second" "$WORK")"

# ---- the secrets' buffers are wiped where the optimiser cannot drop it ----------
# a shim before libc records each explicit_bzero of a buffer that holds the
# deploy script (its heredocs' end word) or a secret in clear (the .env
# lines); a memset before free would be dropped by the compiler, and the
# shim would see nothing
cat > "$WORK/wipe.c" <<'SHIM'
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
void explicit_bzero(void *p, size_t n)
{
	const char *log = getenv("WIPE_LOG"), *canary = getenv("WIPE_CANARY");
	const char *what = !n ? NULL : memmem(p, n, "INFRAC_EOF", 10) ? "script"
		: canary && memmem(p, n, canary, strlen(canary)) ? "secret" : NULL;
	FILE *f = what && log ? fopen(log, "a") : NULL;
	if (f) {
		fprintf(f, "%s\n", what);
		fclose(f);
	}
	volatile unsigned char *q = p;
	while (n--)
		*q++ = 0;
}
SHIM
if gcc -shared -fPIC -O2 -o "$WORK/wipe.so" "$WORK/wipe.c"; then
	: > "$WORK/wipe.log"
	WIPE_LOG=$WORK/wipe.log WIPE_CANARY=sk-canary-$$-second LD_PRELOAD=$WORK/wipe.so \
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		deploy w1 --secret PG_PASSWORD --secret ANTHROPIC_API_KEY
	check "a deploy with the shim succeeds" test $RC = 0
	check "the deploy script, which carries the secrets, is wiped with explicit_bzero" \
		grep -qx script "$WORK/wipe.log"
	check "the .env text, with a secret in clear, is wiped with explicit_bzero" grep -qx secret "$WORK/wipe.log"
else
	not_ok "the wipe shim compiles"
fi

# ---- the lock -------------------------------------------------------------------
"$TOOL" lock becker 30 > "$WORK/lock1" 2>&1 &
HOLDER=$!
for _ in $(seq 50); do grep -q locked "$WORK/lock1" && break; sleep 0.1; done
"$TOOL" lock becker 0 > "$WORK/lock2" 2>&1
rc=$?
check "lock: a second apply fails at once" test $rc = 1
check "lock: the message names the holder" \
	grep -qE "^infrac: apply of becker is running: pid $HOLDER \\($(id -un)@$(hostname)\\) since 20[0-9-]+T[0-9:]+Z: infrac apply test.infra" "$WORK/lock2"
"$TOOL" lock other 0 > "$WORK/lock3" 2>&1
check "lock: another project is not blocked" test $? = 0
{ kill -KILL "$HOLDER" && wait "$HOLDER"; } 2>/dev/null
"$TOOL" lock becker 0 > "$WORK/lock4" 2>&1
check "lock: a SIGKILLed holder does not block" test $? = 0
check "lock: the takeover is reported" grep -q "took over the lock of becker left by pid $HOLDER " "$WORK/lock4"
HOLDER=
"$TOOL" lock becker 0 > "$WORK/lock5" 2>&1
check "lock: after a clean release no takeover is reported" test "$(cat "$WORK/lock5")" = locked
check "lock: the file lives under XDG_STATE_HOME" test -f "$WORK/state/infrac/locks/becker.lock"

finish
