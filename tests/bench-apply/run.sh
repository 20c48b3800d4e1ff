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
# the simulator's figures only: no image registry is asked (docs/plan.md)
export INFRAC_REGISTRY=off
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
	# first poll) and the rest (the deploy queue, the deploy and the
	# labels), medians
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
# a redeploy under load, on the real-engine harness (needs root)
handover=$("$HERE/handover.sh" "$INFRAC")
printf '%s\n' "$handover"
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
	echo "it until the server is done (waiting for a free deploy worker, the deploy over SSH and"
	echo "the label update)."
	echo
	echo "The floor: each of the P API workers creates a server's firewall (whose"
	echo "set_firewall_rules action runs on) and the server with the firewall in the create,"
	echo "then waits once for all three actions (set_firewall_rules, create_server and its next"
	echo "action start_server, which run together, ${ACTION_S} s), and hands the server to the deploy"
	echo "workers (P of them) to take the next one.  So ceil($N/P) x ${ACTION_S} s is the least any"
	echo "apply that waits for every action can take.  Above it: the polls (timed by the"
	echo "progress the actions report), the requests (about 5 per server), and the deploys"
	echo "after the last wave, or all along when the deploys cannot keep up: here the ssh"
	echo "clients, the sshd and the simulator share this machine's cores, and each ssh session's"
	echo "key exchange takes a tenth of a second of CPU on the client alone.  No request was"
	echo "answered 429: apply stays under the rate limit."
	echo
	echo "## A redeploy under load"
	echo
	echo "Measured by \`make bench\` (tests/bench-apply/handover.sh): examples/becker.infra's"
	echo "production phase deployed to the real-engine harness of tests/engine (its own dockerd,"
	echo "sshd and registry in a network namespace, the odoo stand-in image), then odoo_prod's"
	echo "image changed under the same tag and \`infrac apply --redeploy odoo_prod\` run while"
	echo "25 requests a second, each on a new connection, go to odoo.becker-sicherheit.de over"
	echo "https (tests/engine/load.py).  A request fails when it gets no answer within 10 s or a"
	echo "status of 500 or more; the longest gap is the longest time without a successful answer."
	echo "\"handover\" is the default (docs/deploy.md: the new container beside the old one, the"
	echo "proxy pinned to it, the old one drained); \"in place\" is INFRAC_HANDOVER=off, compose"
	echo "recreating the container."
	echo
	printf '%s\n' "$handover"
	echo
	echo "In place, compose stops the old container before it starts the new one, and"
	echo "requests fail until the new one listens; longer when the new container gets another"
	echo "address, since nginx keeps the old one from Docker's resolver for up to 10 s (the run"
	echo "with the longest gap above).  The stand-in listens within a fraction of a second of"
	echo "its start; Odoo needs several seconds, and in place every request of those seconds"
	echo "fails, while the handover serves them from the old container until the new one is"
	echo "healthy.  The handover's apply is longer by the time the new container takes to"
	echo "become healthy beside the old one (its health check runs every 10 s) and the drain."
} > "$REPO/docs/bench-apply.md"
