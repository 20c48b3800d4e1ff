#!/usr/bin/env bash
# infrac against a hostile API (tests/hostile/hostile.py, one mode a run):
# lists that never end, error messages that echo the token, a keep-alive
# connection closed under a POST, answers over 64 MiB, an endpoint that
# never answers; and a PATH without ssh.  HCLOUD_TOKEN is a canary that
# must show nowhere; times are measured here, request counts come from the
# server's own log.
#   tests/hostile/run.sh /abs/path/to/infrac
# (tool_http and tool_ssh, built next to infrac, drive the HTTP layer and
# ssh_run directly)
set -u
INFRAC=${1:?usage: run.sh INFRAC}
HERE=$(cd "$(dirname "$0")" && pwd)
TOOL_HTTP=$(dirname "$INFRAC")/tests/hostile/tool_http
TOOL_SSH=$(dirname "$INFRAC")/tests/hostile/tool_ssh
. "$HERE/../lib.sh"

TMP=$(mktemp -d)
SRV_PID=
stop_server() {
	if [ -n "$SRV_PID" ]; then
		kill "$SRV_PID" 2>/dev/null
		wait "$SRV_PID" 2>/dev/null
		SRV_PID=
	fi
}
trap 'stop_server; rm -rf "$TMP"' EXIT

CANARY="canary-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')-token"
export HCLOUD_TOKEN=$CANARY INFRAC_HTTP_BACKOFF_MS=20
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

# serve MODE: (re)starts the hostile server in MODE; sets HCLOUD_ENDPOINT
# and LOG (its request log).  Fails (after a not_ok) when it does not listen.
serve() {
	stop_server
	rm -f "$TMP/port"
	LOG=$TMP/$1.log
	python3 "$HERE/hostile.py" "$1" --port-file "$TMP/port" --log "$LOG" \
		--lifetime 300 >"$TMP/$1.srv" 2>&1 &
	SRV_PID=$!
	for _ in $(seq 100); do
		[ -s "$TMP/port" ] && break
		sleep 0.05
	done
	if [ ! -s "$TMP/port" ]; then
		not_ok "hostile server starts in mode $1" "$(cat "$TMP/$1.srv")"
		return 1
	fi
	export HCLOUD_ENDPOINT="http://127.0.0.1:$(cat "$TMP/port")/v1"
}

# plan [ARGS...]: infrac plan of one.infra, killed after LIMIT seconds
# (default 60); output in $TMP/out and $TMP/err, status in RC, time in MS
plan() {
	local t0
	t0=$(date +%s%N)
	timeout -k 5 "${LIMIT:-60}" "$INFRAC" plan "$HERE/one.infra" --phase all "$@" \
		>"$TMP/out" 2>"$TMP/err"
	RC=$?
	MS=$((($(date +%s%N) - t0) / 1000000))
	cat "$TMP/out" "$TMP/err" >>"$TMP/all"
}

# expect WHAT RC PATTERN: status RC and a line of stderr matching PATTERN
expect() {
	if [ "$RC" = "$2" ] && grep -qE -- "$3" "$TMP/err"; then
		ok "$1"
	else
		not_ok "$1" "exit $RC (wanted $2) after $MS ms, no line matching: $3
$(head -c 2000 "$TMP/err")"
	fi
}

# requests PATTERN: how many logged requests match
requests() { grep -cE -- "$1" "$LOG"; }

# ---- a well-behaved answer, for comparison --------------------------------
if serve ok; then
	plan
	if [ "$RC" = 2 ] && grep -q '^Plan: 3 to add' "$TMP/out"; then
		ok "ok: plan gets through the project"
	else not_ok "ok: plan gets through the project" "exit $RC; $(cat "$TMP/out" "$TMP/err")"; fi
	# plain http goes to this machine only, never through a proxy
	http_proxy=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 plan
	[ "$RC" = 2 ] && ok "plain http ignores http_proxy" ||
		not_ok "plain http ignores http_proxy" "exit $RC; $(cat "$TMP/err")"
fi

# ---- lists that do not end -------------------------------------------------
if serve endless-pages; then
	plan
	expect "endless pages: an error naming the list" 1 \
		'GET /servers: the servers list goes on past 1000 pages of 50'
	n=$(requests '^GET /v1/servers\?')
	[ "$n" -eq 1000 ] && ok "endless pages: stops at page 1000" ||
		not_ok "endless pages: stops at page 1000" "$n requests for /servers"
fi
if serve empty-pages; then
	plan
	expect "empty pages naming a next one: an error" 1 \
		'GET /servers: page 1 of the servers list is empty but names page 2 next'
	n=$(requests '^GET /v1/servers\?')
	[ "$n" -eq 1 ] && ok "empty pages: one request" || not_ok "empty pages: one request" "$n requests"
fi
if serve same-page; then
	plan
	expect "a next page that is not after the current one: an error" 1 \
		'GET /servers: page 1 of the servers list names page 1 next, not a later one'
fi

# ---- an error answer that echoes the token, with escapes and line breaks ---
if serve token-echo; then
	for debug in "" --debug; do
		plan $debug
		what="token echoed in an error${debug:+ ($debug)}"
		expect "$what: the API's error is shown" 1 'HTTP 401 unauthorized'
		if grep -qF -- "$CANARY" "$TMP/err"; then
			not_ok "$what: not the token" "$(grep -F -- "$CANARY" "$TMP/err" | head -3)"
		else ok "$what: not the token"; fi
		if grep -q "$(printf '\033')" "$TMP/err"; then
			not_ok "$what: no raw escape character" "$(grep "$(printf '\033')" "$TMP/err" | od -c | head)"
		else ok "$what: no raw escape character"; fi
		grep -qF 'error: cannot read the project from the API: HTTP 401 unauthorized\x1b[2JAuthorization: Bearer <redacted>: invalid token in Authorization: Bearer <redacted>\x1b[2J\nforged: after the line break (Authorization: Bearer <redacted>\r\n: \x1b[31mAuthorization: Bearer <redacted>)' "$TMP/err" &&
			ok "$what: one line, escapes shown as text" ||
			not_ok "$what: one line, escapes shown as text" "$(cat -A "$TMP/err" | head -20)"
	done
fi

# ---- a reused connection the server closed: a POST is sent once ----------
if serve close-keepalive; then
	timeout -k 5 60 "$TOOL_HTTP" GET /ssh_keys POST /ssh_keys \
		'{"name":"k","public_key":"ssh-ed25519 AAAA k"}' GET /ssh_keys >"$TMP/tool" 2>&1
	RC=$?
	n=$(requests '^POST /v1/ssh_keys ')
	if [ "$RC" = 0 ] && [ "$n" = 1 ] && grep -q '^POST /ssh_keys 201$' "$TMP/tool"; then
		ok "a POST is sent once, on a fresh connection"
	else
		not_ok "a POST is sent once, on a fresh connection" "exit $RC, $n POSTs received
$(cat "$TMP/tool" "$LOG")"
	fi
fi

# ---- an answer over 64 MiB is refused once, not downloaded again ------------
for mode in huge huge-unsized; do
	serve $mode || continue
	plan
	expect "$mode: a 65 MiB answer is refused" 1 'GET /server_types: no answer from the API: answer larger than 64 MiB'
	n=$(requests '^GET /v1/server_types\?')
	[ "$n" = 1 ] && ok "$mode: asked once, not retried" || not_ok "$mode: asked once, not retried" "$n requests"
done

# ---- a dead endpoint: the whole request, retries included, has a deadline --
# each try 1.5 s, 4 s in all: 3 tries at most where 5 would take 7.5 s
if serve blackhole; then
	INFRAC_HTTP_TIMEOUT_MS=1500 INFRAC_HTTP_DEADLINE_MS=4000 LIMIT=30 plan
	expect "blackhole: gives up and says why" 1 \
		'GET /server_types: no answer from the API: gave up after [23] tries in [0-9.]+ s: .*[Tt]imed out'
	# generous: another engineer's tests may load the machine
	[ "$MS" -ge 3900 ] && [ "$MS" -lt 15000 ] && ok "blackhole: gives up near the deadline ($MS ms)" ||
		not_ok "blackhole: gives up near the deadline" "$MS ms"
	n=$(requests '^GET /v1/server_types\?')
	[ "$n" -ge 2 ] && [ "$n" -le 3 ] && ok "blackhole: the tries' time counts ($n tries)" ||
		not_ok "blackhole: the tries' time counts" "$n tries"
fi

stop_server

# ---- ssh not on PATH: said at once, as an error, not as ssh's output -------
mkdir -p "$TMP/nossh"
t0=$(date +%s%N)
timeout -k 5 30 env PATH="$TMP/nossh" "$TOOL_SSH" 127.0.0.1 9 "$TMP/known_hosts" >"$TMP/ssh" 2>&1
RC=$?
MS=$((($(date +%s%N) - t0) / 1000000))
if [ "$RC" = 1 ] && grep -q '^error: cannot run ssh: No such file or directory$' "$TMP/ssh" &&
	[ "$MS" -lt 10000 ]; then
	ok "ssh not on PATH: cannot run ssh, at once ($MS ms)"
else
	not_ok "ssh not on PATH: cannot run ssh, at once" "exit $RC after $MS ms: $(cat "$TMP/ssh")"
fi

# and on PATH it runs, its errors reaching the output (port 9: nothing listens)
timeout -k 5 30 "$TOOL_SSH" 127.0.0.1 9 "$TMP/known_hosts" >"$TMP/ssh" 2>&1
RC=$?
[ "$RC" = 0 ] && grep -q '^status 255$' "$TMP/ssh" && grep -q 'port 9: Connection refused' "$TMP/ssh" &&
	ok "ssh on PATH: runs, its stderr in the output" ||
	not_ok "ssh on PATH: runs, its stderr in the output" "exit $RC: $(cat "$TMP/ssh")"

if grep -qF -- "$CANARY" "$TMP/all"; then
	not_ok "the token appears in no output" "$(grep -F -- "$CANARY" "$TMP/all" | head -3)"
else ok "the token appears in no output"; fi
finish
