# engine.sh: a throwaway Docker engine (and sshd) inside a network
# namespace of its own.  Source it from bash, then:
#
#   trap engine_stop EXIT
#   engine_start          # netns + veth + dockerd; exports DOCKER_HOST
#   engine_sshd_start     # sshd in the netns; sets ENGINE_SSH (an ssh argv prefix)
#   engine_registry_start # Debian's docker-registry in the netns, on 127.0.0.1:5000,
#                         # which dockerd uses as its Docker Hub mirror: `pull
#                         # nginx:1.27` fetches what the test pushed there
#   engine_registry_mirror_start # a second registry on the host's 127.0.0.1,
#                         # the same storage read-only, for infrac's digest
#                         # lookups (ENGINE_REGISTRY_MIRROR: its URL)
#   engine_dockerd_restart  # stop and start dockerd on the same data root
#   engine_stop           # everything gone; idempotent
#
# Several engines in one shell (tests/netns): give each a name before its
# start (ENGINE_NAME=a), keep its variables with engine_save NAME, clear
# them with engine_forget before starting the next, and switch between
# them with engine_use NAME (DOCKER_HOST follows).  Stop them in the
# reverse order of their starts: the first one made the host paths
# (/run/netns...) and removes them when it goes.
#
# What it sets (all ENGINE_*):
#   ENGINE_TMP     the run's temp dir (/tmp/infrac-e2e.XXXXXX)
#   ENGINE_NETNS   netns name (infrac-e2e-PID)
#   ENGINE_HOST_IP / ENGINE_NS_IP   veth addresses, host side / netns side
#   ENGINE_SOCK    dockerd's socket; DOCKER_HOST=unix://$ENGINE_SOCK
#   ENGINE_SSH_PORT, ENGINE_SSH_KEY, ENGINE_SSH (array: ssh ... root@IP)
#
# Nothing touches another engine: own socket, data root, exec root,
# pidfile, config file, cgroup parent; dockerd and its bridge, iptables
# rules and published ports live in the netns.  dockerd is started with
# nsenter --net (not `ip netns exec`, which remounts /sys and so hides
# /sys/fs/cgroup from dockerd on this cgroup-v1 machine).
#
# ENGINE_BIND=SRC:DST: the engine gets a mount namespace of its own, in
# which SRC is bind-mounted over DST; dockerd, sshd, the registry and
# engine_in_ns run in it.  Two engines on one filesystem so each see their
# own DST (tests/netns: each server its own INFRAC_REMOTE_ROOT).  The
# namespace is kept in ENGINE_TMP/mnt/ns, as ip netns keeps a netns.
# ENGINE_SSH_AUTHORIZED_KEYS: the file sshd reads root's keys from (a path
# of the engine's mount namespace; default ENGINE_TMP/ssh/authorized_keys).
#
# Knobs: ENGINE_START_TIMEOUT (s, default 60), ENGINE_STOP_TIMEOUT (s, 30),
# ENGINE_LIVE_RESTORE (0/1, default 0; production's daemon.json sets 1),
# ENGINE_KEEP_LOGS (a folder: engine_stop copies dockerd.log, sshd.log there).

ENGINE_START_TIMEOUT=${ENGINE_START_TIMEOUT:-60}
ENGINE_STOP_TIMEOUT=${ENGINE_STOP_TIMEOUT:-30}
ENGINE_LIVE_RESTORE=${ENGINE_LIVE_RESTORE:-0}

engine_log() { printf '[engine %s] %s\n' "$(date +%T)" "$*" >&2; }

# Seconds since the epoch with milliseconds.
engine_now() { printf '%s' "${EPOCHREALTIME:-$(date +%s.%N)}"; }
engine_elapsed() { awk -v a="$1" -v b="$(engine_now)" 'BEGIN { printf "%.1f", b - a }'; }

# apt-get install, with services kept from starting on the host (a
# docker.io install must not start a system dockerd): a policy-rc.d that
# denies every start, for the time of the install, where there is none.
engine_apt_install() { # engine_apt_install PACKAGE...
	local prc=/usr/sbin/policy-rc.d made= rc=0
	if [ ! -e "$prc" ]; then
		printf '#!/bin/sh\nexit 101\n' > "$prc" && chmod 755 "$prc" && made=1
	fi
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; then
		apt-get update -qq >/dev/null 2>&1
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null || rc=1
	fi
	[ -n "$made" ] && rm -f "$prc"
	return $rc
}

engine_need() { # engine_need CMD PACKAGE...
	command -v "$1" >/dev/null 2>&1 && return 0
	shift
	engine_log "installing $*"
	engine_apt_install "$@"
}

# Runs a command inside the engine's netns (and its mount namespace, with
# ENGINE_BIND; else the host's).
# ENGINE_ENTER: the nsenter argv prefix, set by engine_start.
engine_in_ns() { "${ENGINE_ENTER[@]}" "$@"; }

# The variables of an engine, and DOCKER_HOST, kept under NAME.
engine_save() { # engine_save NAME
	local v
	ENGINE_SAVED["$1"]=$(for v in $(compgen -v ENGINE_) DOCKER_HOST; do
		case $v in ENGINE_SAVED) continue ;; esac
		declare -p "$v" 2>/dev/null
	done | sed 's/^declare -\([-a-zA-Z]*\)/declare -g\1/; s/^declare -g-/declare -g/')
}
# Back to the engine saved as NAME.
engine_use() { # engine_use NAME
	engine_forget
	eval "${ENGINE_SAVED[$1]}"
}
# Every variable of the current engine unset, the knobs kept.
engine_forget() {
	local v
	for v in $(compgen -v ENGINE_); do
		case $v in
		ENGINE_SAVED | ENGINE_*_TIMEOUT | ENGINE_LIVE_RESTORE | ENGINE_KEEP_LOGS | ENGINE_SSH_PORT) ;;
		*) unset "$v" ;;
		esac
	done
	unset DOCKER_HOST
}
declare -gA ENGINE_SAVED 2>/dev/null || ENGINE_SAVED=()

engine_docker() { timeout 60 docker -H "unix://$ENGINE_SOCK" "$@"; }

# ---- start -------------------------------------------------------------------

engine_start() {
	[ "$(id -u)" = 0 ] || { engine_log "needs root"; return 1; }
	engine_need dockerd docker.io || return 1
	engine_need docker-compose docker-compose || return 1
	engine_need nsenter util-linux || return 1
	engine_need ip iproute2 || return 1
	engine_need iptables iptables || return 1
	command -v docker >/dev/null || { engine_log "no docker client"; return 1; }

	local t0; t0=$(engine_now)
	ENGINE_TMP=$(mktemp -d /tmp/infrac-e2e.XXXXXX) || return 1
	ENGINE_NETNS=infrac-e2e-$$${ENGINE_NAME:+-$ENGINE_NAME}
	ENGINE_VETH_HOST=ie2e$$${ENGINE_NAME:-}h
	ENGINE_VETH_NS=ie2e$$${ENGINE_NAME:-}n
	# a /30 in 10.213.0.0/16 that no interface or route of the host uses
	local x i
	x=$(( $$ % 250 + 1 ))
	for i in $(seq 1 60); do
		if ! ip -4 route show | grep -q "^10\.213\.$x\." && ! ip -4 addr show | grep -q "inet 10\.213\.$x\."; then
			break
		fi
		x=$(( x % 250 + 1 ))
		[ "$i" = 60 ] && { engine_log "no free 10.213.X.0/30"; return 1; }
	done
	ENGINE_HOST_IP=10.213.$x.1
	ENGINE_NS_IP=10.213.$x.2
	export ENGINE_TMP ENGINE_NETNS ENGINE_HOST_IP ENGINE_NS_IP

	# host paths the engine may create outside its temp dir: /run/netns
	# (ip netns bind-mounts it on itself), /run/containerd/s (shim
	# sockets: a fixed path in containerd 1.6), /run/sshd, /run/mount
	# (util-linux umount's lock folder).  What did not
	# exist before is removed by engine_stop, when empty.
	ENGINE_HOST_DIRS_NEW=
	local hd
	for hd in /run/netns /run/containerd /run/containerd/s /run/sshd /run/mount /run/docker /run/docker/plugins; do
		[ -e "$hd" ] || ENGINE_HOST_DIRS_NEW="$ENGINE_HOST_DIRS_NEW $hd"
	done
	ENGINE_NETNS_MOUNT_NEW=1
	grep -q ' /run/netns ' /proc/self/mountinfo && ENGINE_NETNS_MOUNT_NEW=

	ip netns add "$ENGINE_NETNS" || return 1
	ENGINE_NETNS_CREATED=1
	ip link add "$ENGINE_VETH_HOST" type veth peer name "$ENGINE_VETH_NS" || return 1
	ip link set "$ENGINE_VETH_NS" netns "$ENGINE_NETNS" || return 1
	ip addr add "$ENGINE_HOST_IP/30" dev "$ENGINE_VETH_HOST" || return 1
	ip link set "$ENGINE_VETH_HOST" up || return 1
	ip -n "$ENGINE_NETNS" addr add "$ENGINE_NS_IP/30" dev "$ENGINE_VETH_NS" || return 1
	ip -n "$ENGINE_NETNS" link set "$ENGINE_VETH_NS" up || return 1
	ip -n "$ENGINE_NETNS" link set lo up || return 1
	# no default route in the netns: containers reach nothing outside it.
	# "dns": 127.0.0.1 below: Docker's embedded DNS forwards names it does
	# not know to 127.0.0.1:53 of the netns (nothing listens there), not
	# to the host's resolv.conf servers.  Unknown names time out (5 s).

	# containers' cgroups: under this shell's own memory cgroup (so the
	# sandbox still accounts for them), in a folder unique to the run
	local memcg
	memcg=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
	ENGINE_CGROUP_PARENT="${memcg%/}/$ENGINE_NETNS"
	: > "$ENGINE_TMP/cgroup-created"
	local h d rel
	for h in /sys/fs/cgroup/*/; do
		# remember which levels of the parent path do not exist yet
		rel=
		for d in $(printf '%s' "${ENGINE_CGROUP_PARENT#/}" | tr / ' '); do
			rel=$rel/$d
			[ -d "$h${rel#/}" ] || printf '%s\n' "$h${rel#/}" >> "$ENGINE_TMP/cgroup-created"
		done
	done
	ENGINE_CGROUP_CREATED=$(cat "$ENGINE_TMP/cgroup-created")

	ENGINE_SOCK=$ENGINE_TMP/docker.sock
	mkdir -p "$ENGINE_TMP/data" "$ENGINE_TMP/exec"
	local live=false
	[ "$ENGINE_LIVE_RESTORE" = 1 ] && live=true
	cat > "$ENGINE_TMP/daemon.json" <<EOF
{
  "live-restore": $live,
  "log-driver": "json-file",
  "log-opts": { "max-size": "10m", "max-file": "3" },
  "cgroup-parent": "$ENGINE_CGROUP_PARENT",
  "dns": ["127.0.0.1"],
  "registry-mirrors": ["http://127.0.0.1:5000"],
  "storage-driver": "overlay2"
}
EOF
	engine_mountns_start || return 1
	ENGINE_ENTER=(nsenter --net="/run/netns/$ENGINE_NETNS" ${ENGINE_MNTNS:+--mount="$ENGINE_MNTNS"} --)
	engine_dockerd_start || return 1
	export DOCKER_HOST="unix://$ENGINE_SOCK"
	ENGINE_START_SECONDS=$(engine_elapsed "$t0")
	engine_log "engine up in ${ENGINE_START_SECONDS}s: DOCKER_HOST=$DOCKER_HOST netns=$ENGINE_NETNS ns-ip=$ENGINE_NS_IP"
}

# With ENGINE_BIND=SRC:DST, a mount namespace where SRC is over DST, kept
# in a file (a bind mount of the namespace) on a private mount of its own.
engine_mountns_start() {
	[ -n "${ENGINE_BIND:-}" ] || return 0
	local src=${ENGINE_BIND%%:*} dst=${ENGINE_BIND#*:} d=$ENGINE_TMP/mnt
	[ -d "$src" ] && [ -d "$dst" ] || { engine_log "ENGINE_BIND: $src or $dst is no folder"; return 1; }
	mkdir -p "$d" && mount --bind "$d" "$d" && mount --make-private "$d" && : > "$d/ns" || return 1
	unshare --mount="$d/ns" --propagation private mount --bind "$src" "$dst" || return 1
	ENGINE_MNTNS=$d/ns
}

# dockerd alone, on the existing netns and data root.
engine_dockerd_start() {
	local log=$ENGINE_TMP/dockerd.log
	echo "---- dockerd start $(date +%T)" >> "$log"
	# setsid: its own session, so a ^C to the caller reaches it only
	# through engine_stop
	setsid "${ENGINE_ENTER[@]}" \
		dockerd --host "unix://$ENGINE_SOCK" \
		--data-root "$ENGINE_TMP/data" --exec-root "$ENGINE_TMP/exec" \
		--pidfile "$ENGINE_TMP/docker.pid" --config-file "$ENGINE_TMP/daemon.json" \
		>> "$log" 2>&1 < /dev/null &
	ENGINE_DOCKERD_PID=$!
	echo "$ENGINE_DOCKERD_PID" > "$ENGINE_TMP/dockerd.launcher.pid"
	local i gone=0 pid
	for i in $(seq 1 $(( ENGINE_START_TIMEOUT * 5 ))); do
		if [ -S "$ENGINE_SOCK" ] && timeout 5 docker -H "unix://$ENGINE_SOCK" info >/dev/null 2>&1; then
			return 0
		fi
		# dead: neither the launched process (setsid forks when the
		# caller has job control) nor the pidfile's is alive, for 2 s
		pid=$(cat "$ENGINE_TMP/docker.pid" 2>/dev/null)
		if ! kill -0 "$ENGINE_DOCKERD_PID" 2>/dev/null && ! { [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }; then
			gone=$((gone + 1))
			[ $gone -ge 10 ] && break
		fi
		sleep 0.2
	done
	engine_log "dockerd did not come up; its log:"
	tail -n 30 "$log" >&2
	return 1
}

# SIGTERM, bounded wait, SIGKILL.  Then no containerd or shim of ours,
# unless "keep" is given (a restart with live-restore: containers, their
# shims and containerd are meant to outlive dockerd).
engine_dockerd_stop() { # engine_dockerd_stop [keep]
	local pid
	pid=$(cat "$ENGINE_TMP/docker.pid" 2>/dev/null) || pid=${ENGINE_DOCKERD_PID:-}
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		local i
		for i in $(seq 1 $(( ENGINE_STOP_TIMEOUT * 5 ))); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		if kill -0 "$pid" 2>/dev/null; then
			engine_log "dockerd $pid ignored SIGTERM for ${ENGINE_STOP_TIMEOUT}s: SIGKILL"
			kill -KILL "$pid" 2>/dev/null
			sleep 0.5
		fi
	fi
	[ -n "${ENGINE_DOCKERD_PID:-}" ] && wait "$ENGINE_DOCKERD_PID" 2>/dev/null
	ENGINE_DOCKERD_PID=
	rm -f "$ENGINE_TMP/docker.pid"
	[ "${1:-}" = keep ] || engine_kill_ours engine
}

# PIDs of our processes.  engine: whose command line names the run's
# data or exec root (dockerd, containerd, containerd-shim-runc-v2);
# all: also anything naming the temp dir, or living in the netns (sshd).
engine_our_pids() {
	[ -n "${ENGINE_TMP:-}" ] || return 0
	local p cmd
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = "$$" ] && continue
		cmd=$( { tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null) || continue
		case $1:$cmd in
		*:*"$ENGINE_TMP/data"* | *:*"$ENGINE_TMP/exec"* | all:*"$ENGINE_TMP/"*) echo "${p#/proc/}" ;;
		esac
	done
	if [ "$1" = all ] && [ -n "${ENGINE_NETNS:-}" ] && [ -e "/run/netns/$ENGINE_NETNS" ]; then
		ip netns pids "$ENGINE_NETNS" 2>/dev/null
	fi
	# container processes (own pid and net namespaces): by their cgroup,
	# e.g. after a SIGKILLed dockerd or with live-restore
	if [ "$1" = all ] && [ -n "${ENGINE_CGROUP_PARENT:-}" ]; then
		local f
		for f in /sys/fs/cgroup/memory"${ENGINE_CGROUP_PARENT}"/*/cgroup.procs \
			/sys/fs/cgroup/pids"${ENGINE_CGROUP_PARENT}"/*/cgroup.procs; do
			[ -f "$f" ] && cat "$f" 2>/dev/null
		done
	fi
}

# TERM then KILL the processes of ours still there (by PID only).
engine_kill_ours() { # engine_kill_ours engine|all
	local pids p i
	pids=$(engine_our_pids "$1" | sort -u)
	[ -n "$pids" ] || return 0
	engine_log "stopping leftover processes ($1): $(echo $pids)"
	kill -TERM $pids 2>/dev/null
	for i in $(seq 1 25); do
		pids=$(for p in $pids; do kill -0 "$p" 2>/dev/null && echo "$p"; done)
		[ -n "$pids" ] || return 0
		sleep 0.2
	done
	kill -KILL $pids 2>/dev/null
	sleep 0.3
}

engine_dockerd_restart() {
	local t0; t0=$(engine_now)
	if [ "$ENGINE_LIVE_RESTORE" = 1 ]; then
		engine_dockerd_stop keep
		engine_log "dockerd stopped; processes of the engine still running (live-restore): $(engine_our_pids engine | wc -l)"
	else
		engine_dockerd_stop
	fi
	engine_dockerd_start || return 1
	engine_log "dockerd restarted in $(engine_elapsed "$t0")s"
}

# ---- sshd --------------------------------------------------------------------

engine_sshd_start() {
	engine_need sshd openssh-server || return 1
	engine_need ssh openssh-client || return 1
	local d=$ENGINE_TMP/ssh
	mkdir -p "$d" /run/sshd
	chmod 700 "$d"
	ssh-keygen -q -t ed25519 -N '' -C infrac-e2e-host -f "$d/host_ed25519" || return 1
	# ENGINE_SSH_CLIENT_KEY: the client key of an engine started before, so
	# one identity logs in to every engine
	if [ -n "${ENGINE_SSH_CLIENT_KEY:-}" ]; then
		cp "$ENGINE_SSH_CLIENT_KEY" "$d/client_ed25519" && cp "$ENGINE_SSH_CLIENT_KEY.pub" "$d/client_ed25519.pub" ||
			return 1
	else
		ssh-keygen -q -t ed25519 -N '' -C infrac-e2e-client -f "$d/client_ed25519" || return 1
	fi
	ENGINE_SSH_AUTHORIZED_KEYS=${ENGINE_SSH_AUTHORIZED_KEYS:-$d/authorized_keys}
	engine_in_ns sh -c 'mkdir -p "$(dirname "$1")" && cat > "$1"' sh "$ENGINE_SSH_AUTHORIZED_KEYS" \
		< "$d/client_ed25519.pub" || return 1
	ENGINE_SSH_PORT=${ENGINE_SSH_PORT:-2222}
	ENGINE_SSH_KEY=$d/client_ed25519
	cat > "$d/sshd_config" <<EOF
ListenAddress $ENGINE_NS_IP
Port $ENGINE_SSH_PORT
HostKey $d/host_ed25519
AuthorizedKeysFile $ENGINE_SSH_AUTHORIZED_KEYS
PidFile $d/sshd.pid
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
MaxStartups 50
MaxSessions 50
SetEnv DOCKER_HOST=unix://$ENGINE_SOCK PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin
EOF
	printf '[%s]:%s %s\n' "$ENGINE_NS_IP" "$ENGINE_SSH_PORT" "$(cut -d' ' -f1,2 "$d/host_ed25519.pub")" > "$d/known_hosts"
	setsid "${ENGINE_ENTER[@]}" /usr/sbin/sshd -D -e -f "$d/sshd_config" \
		> "$d/sshd.log" 2>&1 < /dev/null &
	ENGINE_SSHD_PID=$!
	ENGINE_SSH=(ssh -i "$ENGINE_SSH_KEY" -p "$ENGINE_SSH_PORT" -o BatchMode=yes
		-o UserKnownHostsFile="$d/known_hosts" -o StrictHostKeyChecking=yes
		-o ConnectTimeout=5 -o LogLevel=ERROR "root@$ENGINE_NS_IP")
	local i out
	for i in $(seq 1 50); do
		grep -qs 'Server listening' "$d/sshd.log" && break
		kill -0 "$ENGINE_SSHD_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! out=$(timeout 20 "${ENGINE_SSH[@]}" 'docker ps --format "{{.ID}}" >/dev/null && echo "ok $DOCKER_HOST"' 2>&1) \
		|| [ "$out" != "ok unix://$ENGINE_SOCK" ]; then
		engine_log "ssh root@$ENGINE_NS_IP docker ps failed: $out"
		cat "$d/sshd.log" >&2
		return 1
	fi
	engine_log "sshd on $ENGINE_NS_IP:$ENGINE_SSH_PORT; ssh ... docker ps works"
}

# ---- registry ------------------------------------------------------------------

# The distribution registry (Debian's docker-registry) in the netns, its
# storage in the temp dir; or, given STORAGE (another engine's
# ENGINE_REGISTRY_STORAGE), that storage read-only: a second engine pulls
# what was pushed to the first.  dockerd's registry-mirrors names it, so pulls
# of Docker Hub images (nginx:1.27 is docker.io/library/nginx:1.27) are
# served from what the test pushed, and nothing is asked of the network.
engine_registry_start() { # engine_registry_start [STORAGE]
	engine_need docker-registry docker-registry || return 1
	local d=$ENGINE_TMP/registry
	mkdir -p "$d/data"
	ENGINE_REGISTRY_STORAGE=${1:-$d/data}
	if [ -n "${1:-}" ]; then
		engine_registry_readonly_config "$1" 127.0.0.1:5000 > "$d/config.yml"
	else
		printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:5000\n' \
			"$d/data" > "$d/config.yml"
	fi
	setsid "${ENGINE_ENTER[@]}" docker-registry serve "$d/config.yml" \
		> "$d/registry.log" 2>&1 < /dev/null &
	ENGINE_REGISTRY_PID=$!
	engine_registry_wait "$ENGINE_REGISTRY_PID" "$d/registry.log" \
		engine_in_ns curl -fs -o /dev/null http://127.0.0.1:5000/v2/
}

# engine_registry_wait PID LOG CMD...: until CMD succeeds (at most 5 s)
# while the registry PID lives; else its LOG on stderr, status 1.
engine_registry_wait() {
	local pid=$1 log=$2 i
	shift 2
	for i in $(seq 1 50); do
		"$@" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	engine_log "the registry did not start; its log ($log):"
	cat "$log" >&2
	return 1
}

# The config of a registry serving STORAGE read-only at ADDR.  No
# storage.cache, so no blob descriptor cache keeps it from seeing what is
# pushed to the storage's writer, and no upload purging touches the
# writer's uploads.
engine_registry_readonly_config() { # engine_registry_readonly_config STORAGE ADDR
	printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\n  maintenance:\n    uploadpurging:\n      enabled: false\n    readonly:\n      enabled: true\nhttp:\n  addr: %s\n' \
		"$1" "$2"
}

# A second docker-registry in the host's namespace, on 127.0.0.1 at a free
# port, serving the first one's storage read-only: infrac runs in the
# host's namespace and cannot reach the netns's 127.0.0.1:5000, and asks
# this one for the digests of Docker Hub images (INFRAC_REGISTRY_MIRROR).
# Sets ENGINE_REGISTRY_MIRROR.
engine_registry_mirror_start() {
	local d=$ENGINE_TMP/registry port
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
		return 1
	engine_registry_readonly_config "$d/data" "127.0.0.1:$port" > "$d/mirror.yml"
	setsid docker-registry serve "$d/mirror.yml" > "$d/mirror.log" 2>&1 < /dev/null &
	ENGINE_REGISTRY_MIRROR_PID=$!
	ENGINE_REGISTRY_MIRROR=http://127.0.0.1:$port
	engine_registry_wait "$ENGINE_REGISTRY_MIRROR_PID" "$d/mirror.log" \
		curl -fs -o /dev/null "$ENGINE_REGISTRY_MIRROR/v2/"
}

# ---- stop --------------------------------------------------------------------

engine_stop() {
	local rc=$?
	if [ -z "${ENGINE_TMP:-}" ]; then # not started, or stopped already
		return $rc
	fi
	local t0; t0=$(engine_now)
	case $ENGINE_TMP in
	/tmp/infrac-e2e.*) ;;
	*) engine_log "refusing to clean unexpected temp dir '$ENGINE_TMP'"; return 1 ;;
	esac

	if [ -S "$ENGINE_SOCK" ] && timeout 5 docker -H "unix://$ENGINE_SOCK" info >/dev/null 2>&1; then
		local ids
		ids=$(engine_docker ps -aq)
		[ -n "$ids" ] && engine_docker rm -f -v $ids >/dev/null 2>&1
		ids=$(engine_docker volume ls -q)
		[ -n "$ids" ] && engine_docker volume rm -f $ids >/dev/null 2>&1
		engine_docker network prune -f >/dev/null 2>&1
	fi
	engine_dockerd_stop
	if [ -n "${ENGINE_KEEP_LOGS:-}" ]; then # dockerd's and sshd's logs, kept
		mkdir -p "$ENGINE_KEEP_LOGS"
		cp "$ENGINE_TMP/dockerd.log" "$ENGINE_KEEP_LOGS/" 2>/dev/null
		cp "$ENGINE_TMP/ssh/sshd.log" "$ENGINE_KEEP_LOGS/" 2>/dev/null
	fi
	if [ -n "${ENGINE_SSHD_PID:-}" ]; then
		local spid
		spid=$(cat "$ENGINE_TMP/ssh/sshd.pid" 2>/dev/null)
		kill -TERM $ENGINE_SSHD_PID $spid 2>/dev/null
		wait "$ENGINE_SSHD_PID" 2>/dev/null
		ENGINE_SSHD_PID=
	fi
	local rp
	for rp in ${ENGINE_REGISTRY_PID:-} ${ENGINE_REGISTRY_MIRROR_PID:-}; do
		kill -TERM "$rp" 2>/dev/null
		wait "$rp" 2>/dev/null
	done
	ENGINE_REGISTRY_PID= ENGINE_REGISTRY_MIRROR_PID=
	engine_kill_ours all

	# mounts under the temp dir (overlay, shm, netns files), deepest first
	local m i
	for i in 1 2 3; do
		m=$(awk -v t="$ENGINE_TMP/" 'index($5, t) == 1 { print length($5), $5 }' /proc/self/mountinfo \
			| sort -rn | cut -d' ' -f2-)
		[ -n "$m" ] || break
		printf '%s\n' "$m" | while IFS= read -r p; do
			umount -R "$p" 2>/dev/null || umount -l "$p" 2>/dev/null
		done
	done

	# cgroups the engine made: deepest first, only empty ones, and only
	# the parent levels that did not exist before engine_start
	if [ -n "${ENGINE_CGROUP_PARENT:-}" ]; then
		local h
		for h in /sys/fs/cgroup/*/; do
			[ -d "$h${ENGINE_CGROUP_PARENT#/}" ] || continue
			find "$h${ENGINE_CGROUP_PARENT#/}" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
		printf '%s\n' "${ENGINE_CGROUP_CREATED:-}" | sort -r | while IFS= read -r d; do
			[ -n "$d" ] && [ -d "$d" ] && rmdir "$d" 2>/dev/null
		done
	fi

	if [ -n "${ENGINE_NETNS:-}" ] && [ -e "/run/netns/$ENGINE_NETNS" ]; then
		ip netns delete "$ENGINE_NETNS" 2>/dev/null
	fi
	ip link show "${ENGINE_VETH_HOST:-none}" >/dev/null 2>&1 && ip link delete "$ENGINE_VETH_HOST" 2>/dev/null
	# the host paths made by this run, if nothing else uses them now
	if [ -n "${ENGINE_NETNS_MOUNT_NEW:-}" ] && [ -z "$(ls -A /run/netns 2>/dev/null)" ]; then
		umount /run/netns 2>/dev/null
	fi
	local hd
	for hd in $(printf '%s\n' ${ENGINE_HOST_DIRS_NEW:-} | sort -r); do
		[ -d "$hd" ] && ! grep -q " $hd " /proc/self/mountinfo && rmdir "$hd" 2>/dev/null
	done

	if awk -v t="$ENGINE_TMP/" 'index($5, t) == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo; then
		engine_log "mounts left under $ENGINE_TMP: not removing it"
	else
		rm -rf "$ENGINE_TMP"
	fi
	ENGINE_STOP_SECONDS=$(engine_elapsed "$t0")
	engine_log "engine stopped in ${ENGINE_STOP_SECONDS}s"
	ENGINE_LAST_TMP=$ENGINE_TMP ENGINE_LAST_NETNS=$ENGINE_NETNS
	ENGINE_TMP= ENGINE_NETNS_CREATED=
	unset DOCKER_HOST
	return $rc
}

# Prints what is left of the last run (nothing = clean); status 1 if any.
engine_leftovers() {
	local tmp=${ENGINE_LAST_TMP:-} ns=${ENGINE_LAST_NETNS:-} bad=0 p cmd h
	[ -n "$tmp" ] || return 0
	for p in /proc/[0-9]*; do
		cmd=$( { tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null) || continue
		case $cmd in
		*"$tmp/"*) echo "process left: ${p#/proc/} $(printf '%s' "$cmd" | cut -c1-120)"; bad=1 ;;
		esac
	done
	if grep -qF "$tmp/" /proc/self/mountinfo; then echo "mounts left under $tmp"; bad=1; fi
	if mount | grep -qF "$tmp"; then echo "mount shows $tmp"; bad=1; fi
	if [ -n "$ns" ] && ip netns list | grep -qw "$ns"; then echo "netns left: $ns"; bad=1; fi
	if ip link show "${ENGINE_VETH_HOST:-none}" >/dev/null 2>&1; then echo "veth left: $ENGINE_VETH_HOST"; bad=1; fi
	if [ -e "$tmp" ]; then echo "temp dir left: $tmp"; bad=1; fi
	for p in ${ENGINE_HOST_DIRS_NEW:-}; do
		if [ -e "$p" ]; then echo "host path left: $p"; bad=1; fi
	done
	if [ -n "${ENGINE_NETNS_MOUNT_NEW:-}" ] && grep -q ' /run/netns ' /proc/self/mountinfo; then
		echo "mount left: /run/netns"; bad=1
	fi
	for h in /sys/fs/cgroup/*/; do
		if [ -n "${ENGINE_CGROUP_PARENT:-}" ] && [ -d "$h${ENGINE_CGROUP_PARENT#/}" ]; then
			echo "cgroup left: $h${ENGINE_CGROUP_PARENT#/}"; bad=1
		fi
	done
	for p in ${ENGINE_CGROUP_CREATED:-}; do
		if [ -d "$p" ]; then echo "cgroup folder left: $p"; bad=1; fi
	done
	return $bad
}
