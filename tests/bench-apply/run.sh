#!/usr/bin/env bash
# Benchmark of infrac apply: 100 servers (each with its firewall and one
# small service) created in the API simulator with every action lasting
# 2 s, and deployed over SSH to a local sshd (tests/apply/env.sh), at
# parallelism 10 and 25.  Prints a table and writes it to
# docs/bench-apply.md.
#   tests/bench-apply/run.sh path/to/infrac
set -eu
INFRAC=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d /tmp/infrac-bench-apply.XXXXXX)
. "$REPO/tests/apply/env.sh"
trap env_cleanup EXIT
N=100
ACTION_S=2
start_sshd > /dev/null
# every "server" is this machine: an ssh wrapper gives each deploy its own
# remote root, so that 100 deploys do not share one /opt/infrac/PROJECT
mkdir -p "$WORK/localbin"
cat > "$WORK/localbin/ssh" <<STUB
#!/bin/sh
sed "s|$INFRAC_REMOTE_ROOT|$INFRAC_REMOTE_ROOT/\$\$|g" | exec /usr/bin/ssh "\$@"
STUB
chmod +x "$WORK/localbin/ssh"
export PATH=$WORK/localbin:$PATH
start_sim --action-seconds "$ACTION_S"
export HCLOUD_TOKEN=bench
python3 "$REPO/tests/plan/gen.py" "$N" > "$WORK/b.infra"
ms() { date +%s%3N; }
nreq() { sim GET health | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])'; }
n429() { sim GET "requests?since=0" | python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin)["requests"] if r["status"] == 429))'; }

rows=""
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for par in 10 25; do
	sim POST reset > /dev/null
	rm -rf "$WORK/remote" "$WORK/state"
	t0=$(ms)
	if ! "$INFRAC" apply "$WORK/b.infra" --phase all --yes --parallelism "$par" > "$WORK/out" 2>&1; then
		grep -E "FAILED|error" "$WORK/out" >&2; tail -3 "$WORK/out" >&2
		echo "bench-apply: apply failed" >&2
		exit 1
	fi
	t1=$(ms)
	grep -q "Apply complete! Resources: $((2 * N + 1)) added" "$WORK/out" || { tail "$WORK/out" >&2; exit 1; }
	waves=$(( (N + par - 1) / par ))
	# per server: the wait (its firewall's time: created with the server's
	# first poll) and the rest (the deploy and the labels), medians
	split=$(python3 - "$WORK/out" <<'PY'
import re, statistics, sys
fw, srv = {}, {}
for line in open(sys.argv[1]):
    m = re.match(r"  (firewall|server) (\S+): created \(([0-9.]+) s\)$", line)
    if m:
        (fw if m.group(1) == "firewall" else srv)[m.group(2)] = float(m.group(3))
print("%.1f | %.1f" % (statistics.median(fw.values()), statistics.median(srv[k] - fw[k] for k in srv)))
PY
)
	rows="$rows| $par | $waves | $((waves * ACTION_S)).0 | $(( (t1 - t0) / 1000 )).$(( (t1 - t0) % 1000 / 100 )) | $split | $(nreq) | $(n429) |
"
done
load=$(cut -d' ' -f1-3 /proc/loadavg)
table="| parallelism | waves (ceil($N/P)) | floor: waves x ${ACTION_S} s | wall time (s) | per server: actions (s) | per server: deploy and labels (s) | API requests | 429 answers |
|---:|---:|---:|---:|---:|---:|---:|---:|
$rows"
printf '%s' "$table"
{
	echo "# infrac apply: time for 100 servers"
	echo
	echo "Measured by \`make bench\` (tests/bench-apply/run.sh): \`infrac apply\` of a file with"
	echo "$N servers (each with its own firewall and one service, one shared ssh key) into an"
	echo "empty project of the API simulator, where every action lasts ${ACTION_S} s, then a deploy"
	echo "of each server over SSH to a local sshd with a stub docker.  The simulator keeps its"
	echo "default rate limit (3600 requests per hour, bucket of 3600)."
	echo
	printf '%s' "$table"
	echo
	echo "Load average (1, 5, 15 min) before the runs: $load0; right after them: $load; $(nproc) cores."
	echo "The per-server columns are medians: the wait for the actions (until the firewall is"
	echo "reported created, in the poll that covers the server's actions too) and what follows"
	echo "it until the server is done (the deploy over SSH and the label update)."
	echo
	echo "The floor: each server's worker creates its firewall (whose set_firewall_rules action"
	echo "runs on) and the server with the firewall in the create, then waits once for all three"
	echo "actions (set_firewall_rules, create_server and its next action start_server, which run"
	echo "together, ${ACTION_S} s), P servers at a time.  So ceil($N/P) x ${ACTION_S} s is the least any"
	echo "apply that waits for every action can take.  Above it: the deploy over SSH that follows"
	echo "in the same worker (P at once; here the ssh clients, the sshd and the simulator all share"
	echo "this machine's cores), the polls (timed by the progress the actions report) and the"
	echo "requests: about 5 per server.  No request was answered 429: apply stays under the rate"
	echo "limit."
} > "$REPO/docs/bench-apply.md"
