# Sourced by suites that need a real sshd (Debian's openssh-server) on
# 127.0.0.1.  sshd_start starts one on a free port with the host key
# $WORK/hostkey and the keys of $WORK/authorized_keys; its sessions get
# $WORK/stub first on their PATH.  Sets SSHD_PID and PORT; exits on failure.
# SSHD_ADDRS lists the loopback addresses it listens on (127.0.0.1).
sshd_start() {
	mkdir -p /run/sshd
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	{ for a in ${SSHD_ADDRS:-127.0.0.1}; do echo "ListenAddress $a"; done; } > "$WORK/sshd_config"
	cat >> "$WORK/sshd_config" <<EOC
Port $PORT
HostKey $WORK/hostkey
AuthorizedKeysFile $WORK/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
MaxStartups 200
MaxSessions 200
PidFile $WORK/sshd.pid
SetEnv PATH=$WORK/stub:/usr/local/bin:/usr/bin:/bin
EOC
	/usr/sbin/sshd -D -e -f "$WORK/sshd_config" 2> "$WORK/sshd.log" &
	SSHD_PID=$!
	for _ in $(seq 50); do grep -q 'Server listening' "$WORK/sshd.log" && break; sleep 0.1; done
	grep -q 'Server listening' "$WORK/sshd.log" || { cat "$WORK/sshd.log"; echo "sshd did not start"; exit 1; }
}
