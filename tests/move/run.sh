#!/usr/bin/env bash
# A stateful service's volumes carried from one server to another through
# this machine (runtime/remote/move, docs/apply.md "Moving a service's
# data"), against a real sshd listening on two loopback addresses:
# 127.0.0.2 plays the old server, 127.0.0.3 the new one.  Their `docker`
# is a stub (tests/move/docker.sh) keeping each server's volumes as
# folders under $WORK/srv/ADDRESS, told apart by the address the session
# came in on; tar, ssh and sshd are the real ones.
#   run.sh PATH-TO-INFRAC     (the tool is built beside it)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
. "$HERE/../sshd.sh"
INFRAC=${1:?usage: run.sh PATH-TO-INFRAC}
TOOL=$(dirname "$INFRAC")/tests/move/tool_move
[ -x "$TOOL" ] || { echo "move: $TOOL missing (make builds it)"; exit 1; }
WORK=$(mktemp -d /tmp/infrac-move.XXXXXX)
SSHD_PID=
trap '[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null; wait; rm -rf "$WORK"' EXIT

OLD=127.0.0.2 NEW=127.0.0.3
mkdir -p "$WORK/stub"
ssh-keygen -q -t ed25519 -N '' -C host -f "$WORK/hostkey"
ssh-keygen -q -t ed25519 -N '' -C user -f "$WORK/userkey"
cp "$WORK/userkey.pub" "$WORK/authorized_keys"
sed "s|@WORK@|$WORK|g" "$HERE/docker.sh" > "$WORK/stub/docker"
# tar on the servers: the real one, which hangs when the test asks
printf '#!/bin/sh\n[ -e %s/hang ] && [ "$2" = -cf ] && sleep 4\nexec /bin/tar "$@"\n' "$WORK" > "$WORK/stub/tar"
chmod +x "$WORK/stub/docker" "$WORK/stub/tar"
SSHD_ADDRS="$OLD $NEW" sshd_start
for a in $OLD $NEW; do echo "[$a]:$PORT $(cut -d' ' -f1-2 "$WORK/hostkey.pub")"; done > "$WORK/known_hosts"

S_OLD=$WORK/srv/$OLD S_NEW=$WORK/srv/$NEW
VOL=shop_pgdata
# move [args...]: output in $WORK/out, status in $RC
move() {
	"$TOOL" --src $OLD --dst $NEW --port "$PORT" --user root --identity "$WORK/userkey" \
		--known-hosts "$WORK/known_hosts" --project shop --service postgres --from shop-db \
		--volume pgdata "$@" > "$WORK/out" 2>&1
	RC=$?
}
has() { # has "what" STATUS TEXT: the last move exited STATUS saying TEXT
	if [ "$RC" = "$2" ] && grep -qF -- "$3" "$WORK/out"; then ok "$1"
	else not_ok "$1" "exit $RC (want $2); '$3' expected in: $(cat "$WORK/out")"; fi
}
# what a volume holds: path, mode, owner, size, link target (not times)
listing() { (cd "$1" && find . -printf '%p %m %U:%G %s %l\n' | sort); }
fresh() { # the old server runs postgres with data; the new one has nothing
	rm -rf "$WORK/srv" "$WORK/hang"
	mkdir -p "$S_OLD/volumes/$VOL/base/16384" "$S_OLD/volumes/$VOL/empty" "$S_OLD/running" "$S_NEW"
	local v=$S_OLD/volumes/$VOL
	head -c 4000000 /dev/urandom > "$v/base/16384/2619"
	echo "row: the customer's order" > "$v/base/16384/pg_filenode.map"
	echo secret > "$v/server.key" && chmod 600 "$v/server.key" && chown 999:999 "$v/server.key"
	ln -s base/16384/pg_filenode.map "$v/link"
	touch "$S_OLD/running/postgres"
}

# ---- a copy, byte for byte ----------------------------------------------------
fresh
move
has "the volume moves from the old server to the new one" 0 "moved "
bytes=$(sed -n 's/^moved \([0-9]*\) bytes$/\1/p' "$WORK/out")
[ -n "$bytes" ] && [ "$bytes" -gt 4000000 ] && ok "  ... carrying its 4 MB ($bytes bytes)" ||
	not_ok "  ... carrying its 4 MB" "$(cat "$WORK/out")"
check "  ... every file the same" diff -r --no-dereference "$S_OLD/volumes/$VOL" "$S_NEW/volumes/$VOL"
check "  ... with modes, numeric owners and links kept" \
	test "$(listing "$S_OLD/volumes/$VOL")" = "$(listing "$S_NEW/volumes/$VOL")"
check "  ... postgres stopped on the old server first" test ! -e "$S_OLD/running/postgres"
check "  ... the old server keeps its copy" test -s "$S_OLD/volumes/$VOL/base/16384/2619"
check "  ... the new volume carries compose's labels and where it came from" test \
	"$(cat "$S_NEW/labels/$VOL")" = "com.docker.compose.project=shop com.docker.compose.volume=pgdata infrac.moved-from=shop-db"
order=$(grep -E " docker (stop|volume create)" "$WORK/docker.log" | awk '{print $1, $3, $4}' | tr '\n' ';')
check "  ... in this order: stop on the old server, then the volume made on the new one" \
	test "$order" = "$OLD stop c-postgres;$NEW volume create;"

# ---- a rerun of a failed move ---------------------------------------------------
echo stale > "$S_NEW/volumes/$VOL/half-copied"
touch "$S_OLD/running/postgres"
move
has "a volume an earlier attempt of the same move left is filled anew" 0 "moved "
check "  ... what that attempt left is gone" test ! -e "$S_NEW/volumes/$VOL/half-copied"
check "  ... and the copy is whole" diff -r --no-dereference "$S_OLD/volumes/$VOL" "$S_NEW/volumes/$VOL"

# ---- other data on the new server ---------------------------------------------
fresh
mkdir -p "$S_NEW/volumes/$VOL" && echo "another service's" > "$S_NEW/volumes/$VOL/other"
move
has "a volume of other data on the new server stops the move" 1 \
	"looking at the volumes on $NEW: volume shop_pgdata already holds data that did not come from shop-db"
check "  ... postgres still runs on the old server" test -e "$S_OLD/running/postgres"
check "  ... and the other data is untouched" test "$(cat "$S_NEW/volumes/$VOL/other")" = "another service's"
move --overwrite
has "  ... --allow-data-loss (overwrite) replaces it" 0 "moved "
check "  ... with the old server's data only" diff -r --no-dereference "$S_OLD/volumes/$VOL" "$S_NEW/volumes/$VOL"

# ---- nothing to carry, and failures -------------------------------------------
fresh
rm -rf "$S_OLD/volumes/$VOL"
move
has "a volume the old server never made: nothing to carry, it starts empty" 0 "moved 0 bytes"
check "  ... and no volume is made for it on the new server" test ! -e "$S_NEW/volumes/$VOL"

fresh
touch "$WORK/hang"
t0=$(date +%s)
move --idle 1
has "a copy that stalls fails when nothing moved for the idle time" 1 "nothing moved for 1 s"
[ $(( $(date +%s) - t0 )) -lt 4 ] && ok "  ... without waiting for the stalled sender" ||
	not_ok "  ... without waiting for the stalled sender" "took $(( $(date +%s) - t0 )) s"
rm -f "$WORK/hang"

fresh
# the old server's engine names a folder that is not there
echo /nonexistent/folder > "$WORK/mountpoint-$OLD"
move
rm -f "$WORK/mountpoint-$OLD"
has "a volume that cannot be read fails the move, naming the reading side" 1 "reading it failed"

fresh
"$TOOL" --src $OLD --dst 127.0.0.4 --port "$PORT" --user root --identity "$WORK/userkey" \
	--known-hosts "$WORK/known_hosts" --project shop --service postgres --from shop-db \
	--volume pgdata > "$WORK/out" 2>&1
RC=$?
has "a new server that cannot be reached stops the move before the old one is touched" 1 \
	"looking at the volumes on 127.0.0.4"
check "  ... postgres still runs on the old server" test -e "$S_OLD/running/postgres"

finish
