#!/bin/sh
# The move suite's stand-in for docker on its two "servers" (the sessions
# of one sshd, told apart by the address they came in on): volumes are
# folders under @WORK@/srv/ADDRESS/volumes, their labels one line in
# srv/ADDRESS/labels, a running service a file in srv/ADDRESS/running.
# Every call is logged to @WORK@/docker.log as "ADDRESS docker ARGS".
ip=$(echo "$SSH_CONNECTION" | awk '{ print $3 }')
D=@WORK@/srv/$ip
echo "$ip docker $*" >> @WORK@/docker.log
eval "last=\${$#}"
case "$1 $2" in
"volume inspect")
	[ -d "$D/volumes/$last" ] || { echo "Error: No such volume: $last" >&2; exit 1; }
	case "$*" in
	*Mountpoint*)
		if [ -f "@WORK@/mountpoint-$ip" ]; then cat "@WORK@/mountpoint-$ip"
		else echo "$D/volumes/$last"; fi ;;
	*moved-from*) sed -n 's/.*infrac.moved-from=\([^ ]*\).*/\1/p' "$D/labels/$last" 2>/dev/null; echo ;;
	esac ;;
"volume create")
	mkdir -p "$D/volumes/$last" "$D/labels"
	labels=
	while [ $# -gt 1 ]; do [ "$1" = --label ] && labels="$labels${labels:+ }$2"; shift; done
	echo "$labels" > "$D/labels/$last"
	echo "$last" ;;
"ps -q")
	svc=$(echo "$*" | sed -n 's/.*com.docker.compose.service=\([^ ]*\).*/\1/p')
	[ ! -e "$D/running/$svc" ] || echo "c-$svc" ;;
"stop c-"*)
	shift
	for c in "$@"; do rm -f "$D/running/${c#c-}"; done ;;
*) echo "docker stand-in: $*: not played" >&2; exit 1 ;;
esac
exit 0
