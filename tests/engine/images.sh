# images.sh: the images the generated compose files name, built without a
# registry from this host's Debian packages.  Source it after engine.sh
# (it uses engine_apt_install) and engine_start (so that DOCKER_HOST is
# the test engine), then:
#
#   images_build_all        # every image below; skips one that exists
#   images_build nginx      # one: nginx postgres redis standin
#   images_publish          # pushes them to the test registry (engine_registry_start)
#
# Tags: nginx:1.27 (Debian nginx 1.22 + openssl CLI), postgres:16 (Debian
# PostgreSQL 15 + an entrypoint like the official image's), redis:7
# (Debian redis 7.0), odoo:17 and node:22 (stand-ins: standin.c beside
# this file: there is no Debian package of Odoo or of the Claude Code UI).
#
# Each image is a root filesystem assembled in a temp folder: the
# binaries, their shared libraries (from ldd), their data files, busybox
# for /bin/sh and the small tools, then `docker import` with the image's
# config (CMD, ENTRYPOINT, ENV, USER...) given as --change.
#
# IMAGES_LOG: where a build's output goes (default: stderr).
# IMAGES_TIMES: after images_build_all, "name seconds" lines.

IMAGES_DIR=${IMAGES_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
IMAGES_PG=15

images_log() { printf '[images %s] %s\n' "$(date +%T)" "$*" >&2; }
images_now() { printf '%s' "${EPOCHREALTIME:-$(date +%s.%N)}"; }

# The host packages the images are made of.
images_packages() {
	echo nginx openssl busybox-static postgresql-$IMAGES_PG postgresql-client-$IMAGES_PG \
		redis-server redis-tools curl util-linux gcc libc6-dev libpq-dev
}

images_install_packages() {
	local missing=() p
	for p in $(images_packages); do
		dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return 0
	images_log "apt-get install ${missing[*]}"
	engine_apt_install "${missing[@]}"
}

# ---- root filesystem helpers --------------------------------------------------

# A merged-/usr skeleton with /etc/passwd and /etc/group.
rootfs_init() {
	local r=$1
	mkdir -p "$r"/usr/bin "$r"/usr/sbin "$r"/usr/lib "$r"/usr/lib64 "$r"/usr/local/bin \
		"$r"/etc "$r"/tmp "$r"/run "$r"/var/tmp "$r"/var/lib "$r"/var/log "$r"/root "$r"/dev "$r"/proc "$r"/sys
	ln -s usr/bin "$r/bin"
	ln -s usr/sbin "$r/sbin"
	ln -s usr/lib "$r/lib"
	ln -s usr/lib64 "$r/lib64"
	ln -s ../run "$r/var/run"
	chmod 1777 "$r/tmp" "$r/var/tmp"
	chmod 700 "$r/root"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' > "$r/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' > "$r/etc/group"
	printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$r/etc/nsswitch.conf"
	: > "$r/etc/hosts"
	: > "$r/etc/resolv.conf"
}

rootfs_user() { # rootfs_user ROOT NAME UID HOME
	printf '%s:x:%s:%s:%s:%s:/bin/sh\n' "$2" "$3" "$3" "$2" "$4" >> "$1/etc/passwd"
	printf '%s:x:%s:\n' "$2" "$3" >> "$1/etc/group"
}

# Copies a file to the same place in ROOT, resolving the folder (so /lib/x
# lands in usr/lib/x) and the file's own symlinks (the copy is the file).
rootfs_copy() { # rootfs_copy ROOT PATH...
	local r=$1 f d
	shift
	for f in "$@"; do
		d=$(readlink -f "$(dirname "$f")")
		mkdir -p "$r$d"
		[ -e "$r$d/$(basename "$f")" ] || cp -L "$f" "$r$d/$(basename "$f")"
	done
}

# Binaries or shared objects, and every library they load.
rootfs_bin() { # rootfs_bin ROOT FILE...
	local r=$1
	shift
	rootfs_copy "$r" "$@"
	rootfs_libs "$r" "$@"
}

# Only the libraries FILE... load (FILE may be inside ROOT already).
rootfs_libs() { # rootfs_libs ROOT FILE...
	local r=$1
	shift
	local libs
	libs=$(ldd "$@" 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\// && $i !~ /:$/) print $i }' | sort -u)
	[ -n "$libs" ] && rootfs_copy "$r" $libs
}

# Busybox, and a link for each of its applets that ROOT does not have.
rootfs_busybox() {
	local r=$1 a
	cp /bin/busybox "$r/usr/bin/busybox"
	for a in $(busybox --list); do
		[ "$a" = busybox ] && continue
		if [ -e "$r/usr/bin/$a" ] || [ -L "$r/usr/bin/$a" ] || [ -e "$r/usr/sbin/$a" ] || [ -L "$r/usr/sbin/$a" ] \
			|| [ -e "$r/usr/local/bin/$a" ]; then
			continue
		fi
		ln -s busybox "$r/usr/bin/$a"
	done
}

# docker import ROOT as TAG, with Dockerfile-like config lines.
# STOPSIGNAL is no --change of docker import (20.10): ROOT_STOPSIGNAL=SIG
# adds a `docker build` of one metadata line on top.
rootfs_import() { # rootfs_import ROOT TAG [-c LINE]...
	local r=$1 tag=$2
	shift 2
	tar -C "$r" --numeric-owner -cf - . | docker import "$@" - "$tag" >/dev/null || return 1
	if [ -n "${ROOT_STOPSIGNAL:-}" ]; then
		printf 'FROM %s\nSTOPSIGNAL %s\n' "$tag" "$ROOT_STOPSIGNAL" \
			| DOCKER_BUILDKIT=0 docker build -q -t "$tag" - >/dev/null || return 1
	fi
}

# ---- the images --------------------------------------------------------------

image_nginx() {
	local r=$1
	rootfs_init "$r"
	rootfs_bin "$r" /usr/sbin/nginx /usr/bin/openssl
	# nginx's compiled-in user is nobody:nogroup; www-data as in Debian
	rootfs_user "$r" www-data 33 /var/www
	rootfs_user "$r" nginx 101 /nonexistent
	mkdir -p "$r/etc/ssl" "$r/usr/lib/ssl" "$r/etc/nginx/conf.d" "$r/var/lib/nginx" "$r/var/log/nginx" \
		"$r/usr/share/nginx/html" "$r/var/cache/nginx" "$r/etc/letsencrypt" "$r/var/www/acme"
	cp /etc/ssl/openssl.cnf "$r/etc/ssl/openssl.cnf"
	ln -s /etc/ssl/openssl.cnf "$r/usr/lib/ssl/openssl.cnf"
	cp /etc/nginx/mime.types "$r/etc/nginx/mime.types"
	ln -s /dev/stdout "$r/var/log/nginx/access.log"
	ln -s /dev/stderr "$r/var/log/nginx/error.log"
	echo '<!doctype html><title>nginx test image</title><p>nginx test image' > "$r/usr/share/nginx/html/index.html"
	cat > "$r/etc/nginx/nginx.conf" <<'EOF'
worker_processes auto;
error_log stderr warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    access_log /dev/stdout;
    server { listen 80 default_server; root /usr/share/nginx/html; }
    include /etc/nginx/conf.d/*.conf;
}
EOF
	rootfs_busybox "$r"
	ROOT_STOPSIGNAL=SIGQUIT rootfs_import "$r" nginx:1.27 \
		-c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		-c 'EXPOSE 80' \
		-c 'CMD ["nginx", "-g", "daemon off;"]'
}

image_postgres() {
	local r=$1 v=$IMAGES_PG
	local bin=/usr/lib/postgresql/$v/bin lib=/usr/lib/postgresql/$v/lib
	rootfs_init "$r"
	rootfs_bin "$r" $bin/postgres $bin/initdb $bin/pg_ctl $bin/pg_isready $bin/psql \
		$bin/pg_dump $bin/pg_dumpall $bin/pg_restore /usr/bin/setpriv
	# server modules (plpgsql, dict_snowball, conversions, contrib), not
	# the LLVM JIT: it would bring libLLVM (100 MB); without it jit is off
	rootfs_bin "$r" $(ls $lib/*.so | grep -v llvmjit)
	mkdir -p "$r/usr/share/postgresql"
	cp -a /usr/share/postgresql/$v "$r/usr/share/postgresql/"
	rm -rf "$r/usr/share/postgresql/$v/man"
	mkdir -p "$r/usr/share/zoneinfo/Etc"
	cp -L /usr/share/zoneinfo/UTC /usr/share/zoneinfo/GMT "$r/usr/share/zoneinfo/"
	cp -L /usr/share/zoneinfo/Etc/UTC /usr/share/zoneinfo/Etc/GMT "$r/usr/share/zoneinfo/Etc/"
	rootfs_user "$r" postgres 999 /var/lib/postgresql
	mkdir -p "$r/var/lib/postgresql/data" "$r/var/run/postgresql"
	chown -R 999:999 "$r/var/lib/postgresql" "$r/run/postgresql"
	chmod 700 "$r/var/lib/postgresql/data"
	chmod 2777 "$r/run/postgresql"
	cat > "$r/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
# The official image's behaviour for POSTGRES_USER, POSTGRES_PASSWORD,
# POSTGRES_DB: initdb into an empty $PGDATA as user postgres, then exec.
set -e
case $1 in -*) set -- postgres "$@" ;; esac
if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chown postgres:postgres "$PGDATA" /var/run/postgresql
	chmod 700 "$PGDATA"
	exec /usr/bin/setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
	if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
		echo "error: POSTGRES_PASSWORD is not set" >&2
		exit 1
	fi
	: "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=$POSTGRES_USER}"
	auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
	pw=$(mktemp)
	printf '%s\n' "$POSTGRES_PASSWORD" > "$pw"
	initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pw" -E UTF8 --locale=C \
		--auth-local=trust --auth-host="$auth" $POSTGRES_INITDB_ARGS >/dev/null
	rm -f "$pw"
	printf 'host all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"
	printf "listen_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
	if [ "$POSTGRES_DB" != postgres ]; then
		printf 'CREATE DATABASE "%s";\n' "$POSTGRES_DB" \
			| postgres --single -j -D "$PGDATA" postgres >/dev/null
	fi
	echo "initialised $PGDATA: user $POSTGRES_USER, database $POSTGRES_DB"
fi
exec "$@"
EOF
	chmod 755 "$r/usr/local/bin/docker-entrypoint.sh"
	# initdb runs `locale -a`; there are no locales but C
	printf '#!/bin/sh\n[ "$1" = -a ] && printf "C\\nPOSIX\\n"\nexit 0\n' > "$r/usr/bin/locale"
	chmod 755 "$r/usr/bin/locale"
	rootfs_busybox "$r"
	ROOT_STOPSIGNAL=SIGINT rootfs_import "$r" postgres:16 \
		-c "ENV PATH=/usr/lib/postgresql/$v/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
		-c 'ENV PGDATA=/var/lib/postgresql/data' -c 'ENV TZ=Etc/UTC' \
		-c 'VOLUME /var/lib/postgresql/data' -c 'EXPOSE 5432' \
		-c 'ENTRYPOINT ["docker-entrypoint.sh"]' -c 'CMD ["postgres"]'
}

image_redis() {
	local r=$1
	rootfs_init "$r"
	rootfs_bin "$r" /usr/bin/redis-server /usr/bin/redis-cli /usr/bin/setpriv
	rootfs_user "$r" redis 999 /data
	mkdir -p "$r/data"
	chown 999:999 "$r/data"
	cat > "$r/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
# As the official image: redis-server as user redis, protected mode off
# (the port is reached only on the compose network).
set -e
case $1 in -* | *.conf) set -- redis-server "$@" ;; esac
if [ "$1" = redis-server ]; then
	case " $* " in *" --protected-mode "*) ;; *) set -- "$@" --protected-mode no ;; esac
	if [ "$(id -u)" = 0 ]; then
		chown -R redis:redis /data 2>/dev/null || true
		exec /usr/bin/setpriv --reuid=redis --regid=redis --init-groups "$@"
	fi
fi
exec "$@"
EOF
	chmod 755 "$r/usr/local/bin/docker-entrypoint.sh"
	rootfs_busybox "$r"
	rootfs_import "$r" redis:7 \
		-c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		-c 'WORKDIR /data' -c 'VOLUME /data' -c 'EXPOSE 6379' \
		-c 'ENTRYPOINT ["docker-entrypoint.sh"]' -c 'CMD ["redis-server"]'
}

# odoo:17 and node:22: one root filesystem (busybox, curl, standin with
# libpq), two configs.
image_standin() {
	local r=$1
	rootfs_init "$r"
	gcc -O2 -Wall -o "$r/usr/local/bin/standin" "$IMAGES_DIR/standin.c" \
		-I"$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)" -lpq -lpthread || return 1
	strip "$r/usr/local/bin/standin"
	rootfs_bin "$r" /usr/bin/curl
	rootfs_libs "$r" "$r/usr/local/bin/standin"
	local n
	for n in odoo claude-code-ui npm node; do ln -s standin "$r/usr/local/bin/$n"; done
	rootfs_user "$r" odoo 101 /var/lib/odoo
	rootfs_user "$r" node 1000 /home/node
	mkdir -p "$r/var/lib/odoo/filestore" "$r/mnt/extra-addons" "$r/home/node" "$r/workspace"
	chown -R 101:101 "$r/var/lib/odoo" "$r/mnt/extra-addons"
	chown 1000:1000 "$r/home/node"
	rootfs_busybox "$r"
	local path='ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
	rootfs_import "$r" odoo:17 -c "$path" -c 'USER odoo' \
		-c 'VOLUME ["/var/lib/odoo", "/mnt/extra-addons"]' -c 'EXPOSE 8069' \
		-c 'CMD ["odoo"]' || return 1
	rootfs_import "$r" node:22 -c "$path" -c 'CMD ["node"]'
}

images_tags() {
	case $1 in
	nginx) echo nginx:1.27 ;;
	postgres) echo postgres:16 ;;
	redis) echo redis:7 ;;
	standin) echo odoo:17 node:22 ;;
	esac
}

# Builds image NAME unless all its tags exist in the engine.  Sets
# IMAGES_LAST_SECONDS (0.0 when skipped).
images_build() {
	local name=$1 t have=1
	for t in $(images_tags "$name"); do
		docker image inspect "$t" >/dev/null 2>&1 || have=0
	done
	IMAGES_LAST_SECONDS=0.0
	if [ $have = 1 ]; then
		images_log "$name: $(images_tags "$name") already in the engine, skipped"
		return 0
	fi
	local t0 r rc
	t0=$(images_now)
	r=$(mktemp -d /tmp/infrac-e2e-rootfs.XXXXXX) || return 1
	"image_$name" "$r/root" > "${IMAGES_LOG:-/dev/stderr}" 2>&1
	rc=$?
	rm -rf "$r"
	if [ $rc != 0 ]; then
		images_log "$name: build failed (status $rc)"
		return 1
	fi
	IMAGES_LAST_SECONDS=$(awk -v a="$t0" -v b="$(images_now)" 'BEGIN { printf "%.1f", b - a }')
	images_log "$name: built $(images_tags "$name") in ${IMAGES_LAST_SECONDS}s"
}

images_build_all() {
	images_install_packages || return 1
	IMAGES_TIMES=
	local n
	for n in nginx postgres redis standin; do
		images_build "$n" || return 1
		IMAGES_TIMES+="$n ${IMAGES_LAST_SECONDS}"$'\n'
	done
}

# "TAG SIZE" for the images built here.
images_sizes() {
	docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' \
		| grep -E '^(nginx:1.27|postgres:16|redis:7|odoo:17|node:22) '
}

# Pushes images to the engine's registry as Docker Hub names them
# (library/REPO:TAG), so that the deploy's `compose pull` finds them
# through dockerd's mirror: all of them, or the tags given.
images_publish() {
	local t
	for t in ${*:-nginx:1.27 postgres:16 redis:7 odoo:17 node:22}; do
		docker tag "$t" "127.0.0.1:5000/library/$t" &&
			docker push -q "127.0.0.1:5000/library/$t" >/dev/null &&
			docker rmi "127.0.0.1:5000/library/$t" >/dev/null || return 1
	done
}
