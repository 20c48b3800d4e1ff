/*
 * script: builds the program deploy_release runs on the server.  See
 * script.h for the quoting contract and deploy.h for the steps.
 */
#include "script.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "layout.h"
#include "xalloc.h"

#define SCRIPT_WAIT 120
#define SCRIPT_KEEP 5
#define SCRIPT_UNITS "/etc/systemd/system"

/* ---- validation ------------------------------------------------------------ */

static bool script_valid_project(const char *s)
{
	if (!s || !(ascii_lower(s[0]) || ascii_digit(s[0])) || strlen(s) > 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!ascii_lower(*p) && !ascii_digit(*p) && *p != '-' && *p != '_')
			return false;
	return true;
}

/* A release id, and a compose service name: [A-Za-z0-9][A-Za-z0-9._-]*. */
static bool script_valid_word(const char *s)
{
	if (!s || !ascii_alnum(s[0]) || strlen(s) > 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!ascii_alnum(*p) && *p != '-' && *p != '_' && *p != '.')
			return false;
	return true;
}

static bool script_valid_env_name(const char *s)
{
	if (!s || !s[0] || ascii_digit(s[0]))
		return false;
	for (const char *p = s; *p; p++)
		if (!ascii_alnum(*p) && *p != '_')
			return false;
	return true;
}

/* Relative, no "." or ".." component, no control characters, not .env. */
static bool script_valid_file_name(const char *s)
{
	if (!s || !s[0] || s[0] == '/' || !strcmp(s, ".env"))
		return false;
	for (const char *p = s; *p; p++)
		if (ascii_cntrl((unsigned char)*p))
			return false;
	for (const char *c = s; c;) {
		const char *slash = strchr(c, '/');
		size_t n = slash ? (size_t)(slash - c) : strlen(c);
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c = slash ? slash + 1 : NULL;
	}
	return true;
}

/* One line of printable ASCII (an authorized_keys entry). */
static bool script_valid_line(const char *s)
{
	if (!s || !s[0])
		return false;
	for (const char *p = s; *p; p++)
		if (ascii_cntrl((unsigned char)*p) || (unsigned char)*p >= 0x7f)
			return false;
	return true;
}

static void script_check_services(const struct deploy_request *rq, struct strbuf *b)
{
	for (size_t i = 0; !b->len && i < rq->nswitched; i++)
		if (!script_valid_word(rq->switched[i].service) || rq->switched[i].port < 1 ||
		    rq->switched[i].port > 65535)
			strbuf_addstr(b, "a switched service is not a compose service name and port");
	for (size_t i = 0; !b->len && i < rq->nrecreate; i++)
		if (!script_valid_word(rq->recreate[i]))
			strbuf_addstr(b, "a service to recreate is not a compose service name");
	for (size_t i = 0; !b->len && i < rq->ndomains; i++)
		if (!rq->domains[i].name || !rq->domains[i].name[0])
			strbuf_addstr(b, "empty domain");
	const char *k = rq->authorized_keys;
	for (const char *nl; !b->len && k && *k; k = nl + 1) {
		nl = strchr(k, '\n');
		char *line = xstrndup(k, nl ? (size_t)(nl - k) : strlen(k));
		if (!script_valid_line(line))
			strbuf_addstr(b, "an authorized key is not one line of printable text");
		free(line);
		if (!nl)
			break;
	}
	for (size_t i = 0; !b->len && i < rq->nrevoked; i++)
		if (!script_valid_line(rq->revoked[i]))
			strbuf_addstr(b, "a revoked key is not one line of printable text");
}

/* false with err naming what is wrong; never quotes a secret value. */
static bool script_check(const struct deploy_request *rq, struct error *err)
{
	struct strbuf b = STRBUF_INIT;
	if (!script_valid_project(rq->project))
		strbuf_addstr(&b, "project name must be lowercase letters, digits, '-' or '_' "
			     "(at most 64), starting with a letter or digit");
	else if (!script_valid_word(rq->release))
		strbuf_addstr(&b, "release id must be letters, digits, '.', '-' or '_' "
			     "(at most 64), starting with a letter or digit");
	else if (rq->proxy && !script_valid_word(rq->proxy))
		strbuf_addstr(&b, "proxy service name is not a compose service name");
	else if (rq->health_timeout < 0 || rq->keep < 0 || rq->timeout < 0)
		strbuf_addstr(&b, "health_timeout, keep and timeout must not be negative");
	else if (rq->kept && (rq->nfiles || rq->authorized_keys))
		strbuf_addstr(&b, "a rollback to a kept release sends no files and no keys");
	else if ((rq->source && !script_valid_word(rq->source)) ||
		 (rq->phase && !script_valid_word(rq->phase)))
		strbuf_addstr(&b, "the source digest and the phase must be words");
	for (size_t i = 0; !b.len && i < rq->nfiles; i++)
		if (!script_valid_file_name(rq->files[i].name) || rq->files[i].mode > 07777 ||
		    (rq->files[i].len && !rq->files[i].data))
			strbuf_addstr(&b, "artefact file names must be relative paths without "
				     "'.', '..' or control characters, and not .env");
	for (size_t i = 0; !b.len && i < rq->nenv; i++)
		if (!script_valid_env_name(rq->env[i].name))
			strbuf_addstr(&b, "a .env name is not a variable name");
		else if (!secrets_value_ok(rq->env[i].value))
			strbuf_addf(&b, "the value of %s is empty or holds a quote or a "
				       "line break, which .env cannot hold", rq->env[i].name);
	if (!b.len)
		script_check_services(rq, &b);
	bool ok = !b.len || error_set(err, "%s", b.buf);
	strbuf_release(&b);
	return ok;
}

/* ---- data ------------------------------------------------------------------ */

static const char script_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 in lines of 76, then the heredoc's end.  The end word holds '_',
 * which base64 never does, so no data line can end the heredoc. */
static void script_base64_heredoc(struct strbuf *b, const unsigned char *d, size_t n)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)d[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)d[i + 1] << 8;
		if (i + 2 < n)
			v |= d[i + 2];
		char q[4] = { script_b64[v >> 18 & 63], script_b64[v >> 12 & 63],
			      i + 1 < n ? script_b64[v >> 6 & 63] : '=', i + 2 < n ? script_b64[v & 63] : '=' };
		strbuf_add(b, q, 4);
		if ((col += 4) == 76) {
			strbuf_addstr(b, "\n");
			col = 0;
		}
	}
	if (col)
		strbuf_addstr(b, "\n");
	strbuf_addstr(b, "INFRAC_EOF\n");
}

/* `NAME=` and the words, each quoted, separated by blanks */
static void script_words(struct strbuf *b, const char *name, const char *const *w, size_t n)
{
	strbuf_addf(b, "%s=", name);
	struct strbuf v = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&v, "%s%s", i ? " " : "", w[i]);
	strbuf_add_shell_quoted(b, v.buf);
	strbuf_release(&v);
	strbuf_addstr(b, "\n");
}

/* A file of the release, from base64, with its mode. */
static void script_file(struct strbuf *b, const char *dir_var, const char *name,
			const unsigned char *data, size_t len, unsigned mode)
{
	const char *slash = strrchr(name, '/');
	if (slash) {
		char *dir = xstrndup(name, (size_t)(slash - name));
		strbuf_addf(b, "mkdir -p \"$%s\"/", dir_var);
		strbuf_add_shell_quoted(b, dir);
		strbuf_addstr(b, " || die\n");
		free(dir);
	}
	strbuf_addf(b, "base64 -d > \"$%s\"/", dir_var);
	strbuf_add_shell_quoted(b, name);
	strbuf_addstr(b, " <<'INFRAC_EOF' || die\n");
	script_base64_heredoc(b, data, len);
	strbuf_addf(b, "chmod %o \"$%s\"/", mode, dir_var);
	strbuf_add_shell_quoted(b, name);
	strbuf_addstr(b, " || die\n");
}

static bool script_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* ---- the program ----------------------------------------------------------- */

/* Functions the steps share.  $S is the running step; every progress
 * line is "@@NONCE WORD ARGS" so command output cannot pass for one. */
static const char script_functions[] =
	"mark() { printf '@@%s %s\\n' \"$N\" \"$*\"; }\n"
	"step() { S=$1; mark step \"$1\"; }\n"
	/* before anything runs differently: drop what was staged, stop */
	"die() { mark failed \"$S\"; rm -rf \"$T\"; exit 1; }\n"
	/* compose v2 (the plugin) where it is, else Debian 12's
	 * docker-compose 1.29: both take the same commands used here */
	"find_compose() { if docker compose version >/dev/null 2>&1; then DC='docker compose';"
	" elif command -v docker-compose >/dev/null 2>&1; then DC=docker-compose;"
	" else echo 'neither docker compose nor docker-compose is installed'; return 1; fi; }\n"
	"dc() { $DC -p \"$P\" \"$@\"; }\n"
	/* the project's containers as SERVICE|STATE|HEALTH|EXIT, from the
	 * engine rather than from `compose ps`, whose output differs by version */
	"states() { ids=$(docker ps -aq --filter \"label=com.docker.compose.project=$P\""
	" --filter label=com.docker.compose.oneoff=False) && [ -n \"$ids\" ] &&"
	" docker inspect --format '{{index .Config.Labels \"com.docker.compose.service\"}}|"
	"{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}|{{.State.ExitCode}}'"
	" $ids; }\n"
	/* the containers of compose service $1, one short id a line */
	"cids() { docker ps -aq --filter \"label=com.docker.compose.project=$P\""
	" --filter \"label=com.docker.compose.service=$1\""
	" --filter label=com.docker.compose.oneoff=False; }\n"
	"switch_to() { rm -f \"$B/.current.tmp\" && ln -s \"releases/$1\" \"$B/.current.tmp\" &&"
	" mv -T \"$B/.current.tmp\" \"$B/current\"; }\n"
	/* release $1's nginx.conf where the proxy reads it */
	"proxy_conf() { [ -z \"$PROXY\" ] || [ ! -f \"$REL/$1/nginx.conf\" ] || { mkdir -p \"$PX/pin\" &&"
	" cp \"$REL/$1/nginx.conf\" \"$PX/.nginx.conf.tmp\" && mv -f \"$PX/.nginx.conf.tmp\" \"$PX/nginx.conf\"; }; }\n"
	"reload() { [ -z \"$PROXY\" ] || dc exec -T \"$PROXY\" sh -c"
	" 'nginx -t -q -c \"$0\" && nginx -s reload -c \"$0\"' \"$CONF\" 2>&1; }\n"
	/* the proxy sends service $1's requests to address $2 only, or again
	 * to whatever Docker's resolver answers for the name */
	"pin() { printf 'set $backend %s;\\n' \"$2\" > \"$PX/pin/.$1.tmp\" &&"
	" mv -f \"$PX/pin/.$1.tmp\" \"$PX/pin/$1.conf\" && reload; }\n"
	"unpin() { rm -f \"$PX/pin/$1.conf\" && reload; }\n"
	"unpin_all() { [ ! -d \"$PX/pin\" ] || find \"$PX/pin\" -type f -exec rm -f {} +; }\n"
	"ip_of() { docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}'"
	" \"$1\" | awk '{ print $1 }'; }\n"
	"ready() { case $(docker inspect -f '{{.State.Status}}|{{if .State.Health}}"
	"{{.State.Health.Status}}{{end}}' \"$1\" 2>/dev/null) in 'running|healthy'|'running|')"
	" return 0;; esac; return 1; }\n"
	/* would `up -d` recreate container $2 of service $1: its definition
	 * or its image changed */
	"changed() {\n"
	"  want=$(dc config --hash \"$1\" 2>/dev/null | awk '{ print $2 }')\n"
	"  have=$(docker inspect -f '{{index .Config.Labels \"com.docker.compose.config-hash\"}}' \"$2\")\n"
	"  if [ -z \"$want\" ] || [ \"$want\" != \"$have\" ]; then return 0; fi\n"
	"  img=$(docker inspect -f '{{.Config.Image}}' \"$2\") &&"
	" [ \"$(docker image inspect -f '{{.Id}}' \"$img\" 2>/dev/null)\" != "
	"\"$(docker inspect -f '{{.Image}}' \"$2\")\" ]\n"
	"}\n"
	"forced() { [ -n \"$FORCE_ALL\" ] && return 0; case \" $FORCE \" in *\" $1 \"*) return 0;; esac;"
	" return 1; }\n"
	"handed() { case \" $SW \" in *\" $1:\"*) return 0;; esac; return 1; }\n"
	/* until nginx's workers of the configuration before the last reload
	 * finished their requests, at most 30 s */
	"drain() { pc=$(cids \"$PROXY\" | head -n 1); i=0; while [ -n \"$pc\" ] && [ \"$i\" -lt 30 ] &&"
	" docker top \"$pc\" 2>/dev/null | grep -q 'shutting down'; do sleep 1; i=$((i + 1)); done; }\n"
	"expired() { [ \"$(date +%s)\" -ge \"$DEADLINE\" ]; }\n"
	/* every container running, healthy where it has a check; one-shot
	 * containers that exited 0 are fine */
	"healthy() { [ -n \"$1\" ] && printf '%s\\n' \"$1\" | awk -F'|' '"
	"{ if (!(($2 == \"running\" && ($3 == \"\" || $3 == \"healthy\")) ||"
	" ($2 == \"exited\" && $4 == \"0\"))) bad = 1 } END { exit bad }'; }\n";

/* The zero-downtime handover of one service (step 5). */
static const char script_handover[] =
	/* service $1 on port $2, running as container $3: a second container
	 * of the new definition beside it, healthy, then the proxy moves to
	 * it and $3 stops; false (and $3 serving again) when it fails */
	"handover() {\n"
	"  svc=$1 port=$2 old=$3\n"
	"  ip=$(ip_of \"$old\") && [ -n \"$ip\" ] && pin \"$svc\" \"$ip:$port\" || return 1\n"
	"  if ! dc up -d --no-deps --no-recreate --scale \"$svc=2\" \"$svc\" 2>&1; then"
	" unpin \"$svc\"; return 1; fi\n"
	"  DEADLINE=$(( $(date +%s) + WAIT ))\n"
	"  new=\n"
	"  until [ -n \"$new\" ] && ready \"$new\"; do\n"
	"    if expired; then\n"
	"      echo \"the new container of $svc did not become healthy within $WAIT s\"\n"
	"      [ -z \"$new\" ] || docker rm -f \"$new\" >/dev/null 2>&1\n"
	"      unpin \"$svc\"\n"
	"      return 1\n"
	"    fi\n"
	"    sleep 1\n"
	"    new=$(cids \"$svc\" | grep -vx \"$old\" | head -n 1)\n"
	"  done\n"
	"  ip=$(ip_of \"$new\") && [ -n \"$ip\" ] && pin \"$svc\" \"$ip:$port\" ||"
	" { docker rm -f \"$new\" >/dev/null 2>&1; unpin \"$svc\"; return 1; }\n"
	"  drain\n"
	"  docker stop -t 30 \"$old\" >/dev/null 2>&1\n"
	"  docker rm -f \"$old\" >/dev/null 2>&1\n"
	"  unpin \"$svc\"\n"
	"}\n";

/* The host's part (step 9): units and authorized_keys. */
static const char script_host[] =
	/* the project's block of authorized_keys rewritten; its keys and the
	 * revoked ones dropped from the rest of the file */
	"keys() {\n"
	"  k=$REL/$R/.authorized_keys\n"
	"  mkdir -p \"$(dirname \"$AK\")\" && touch \"$AK\" || return 1\n"
	"  { awk -v b=\"# infrac $P keys\" -v e=\"# infrac $P keys end\" -v k1=\"$k\""
	" -v k2=\"$REL/$R/.revoked_keys\" '\n"
	"      function blob(l,   f, n, i) { n = split(l, f, \" \"); for (i = 1; i < n; i++)"
	" if (f[i] ~ /^(ssh-|ecdsa-|sk-)/) return f[i + 1]; return \"\" }\n"
	"      BEGIN { while ((getline l < k1) > 0) drop[blob(l)] = 1;"
	" while ((getline l < k2) > 0) drop[blob(l)] = 1; delete drop[\"\"] }\n"
	"      $0 == b { skip = 1; next }\n"
	"      $0 == e { skip = 0; next }\n"
	"      skip || (blob($0) in drop) { next }\n"
	"      { print }' \"$AK\"\n"
	"    echo \"# infrac $P keys\"; cat \"$k\"; echo \"# infrac $P keys end\"; }"
	" > \"$AK.infrac.tmp\" &&\n"
	"  chmod 600 \"$AK.infrac.tmp\" && mv -f \"$AK.infrac.tmp\" \"$AK\"\n"
	"}\n"
	"units() {\n"
	"  new=\n"
	"  for u in $UNITFILES; do\n"
	"    cmp -s \"$REL/$R/$u\" \"$UNITS/$u\" 2>/dev/null && continue\n"
	"    mkdir -p \"$UNITS\" && cp \"$REL/$R/$u\" \"$UNITS/.$u.tmp\" && chmod 644 \"$UNITS/.$u.tmp\" &&"
	" mv -f \"$UNITS/.$u.tmp\" \"$UNITS/$u\" || return 1\n"
	"    new=1\n"
	"  done\n"
	"  [ -n \"$SYSTEMD\" ] && [ -d /run/systemd/system ] || return 0\n"
	"  [ -z \"$new\" ] || systemctl daemon-reload 2>&1 || return 1\n"
	"  for u in $UNITFILES; do\n"
	"    case $u in\n"
	"    *-certs.service) systemctl start --no-block \"$u\" 2>&1 ;;\n"
	"    *.timer) systemctl enable --now \"$u\" 2>&1 || return 1 ;;\n"
	"    *) systemctl enable \"$u\" 2>&1 || return 1 ;;\n"
	"    esac\n"
	"  done\n"
	"}\n";

/* What a new release records of itself (layout.h), and the pull, which
 * for a rollback may use the images the server has. */
static const char script_release[] =
	/* what the files of $T change against the release in folder $1 */
	"differs() {\n"
	"  c= a= r=\n"
	"  for f in $(cd \"$T\" && find . -type f ! -name '.*' | sort); do\n"
	"    f=${f#./}\n"
	"    if [ ! -f \"$1/$f\" ]; then a=\"$a, $f\"; elif ! cmp -s \"$T/$f\" \"$1/$f\"; then"
	" c=\"$c, $f\"; fi\n"
	"  done\n"
	"  for f in $(cd \"$1\" && find . -type f ! -name '.*' | sort); do\n"
	"    f=${f#./}\n"
	"    [ -f \"$T/$f\" ] || r=\"$r, $f\"\n"
	"  done\n"
	"  s=\n"
	"  [ -z \"$c\" ] || s=\"$s; changed ${c#, }\"\n"
	"  [ -z \"$a\" ] || s=\"$s; added ${a#, }\"\n"
	"  [ -z \"$r\" ] || s=\"$s; removed ${r#, }\"\n"
	"  printf '%s\\n' \"${s:-; the same files (secrets or images changed)}\" | cut -c3-\n"
	"}\n"
	"meta() {\n"
	"  p=$(readlink \"$B/current\" 2>/dev/null) && p=${p#releases/} || p=\n"
	"  printf 'artefacts=%s\\ntime=%s\\n' \"$R\" \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"\n"
	"  [ -z \"$SRC\" ] || printf 'source=%s\\n' \"$SRC\"\n"
	"  [ -z \"$PHASE\" ] || printf 'phase=%s\\n' \"$PHASE\"\n"
	"  if [ -n \"$p\" ] && [ -d \"$REL/$p\" ]; then\n"
	"    printf 'previous=%s\\nchanged=%s\\n' \"$p\" \"$(differs \"$REL/$p\")\"\n"
	"  else echo 'changed=first release'; fi\n"
	"}\n"
	"pull() {\n"
	"  dc pull 2>&1 && return 0\n"
	"  [ -n \"$KEPT\" ] || return 1\n"
	"  cfg=$(dc config 2>&1) || { printf '%s\\n' \"$cfg\"; return 1; }\n"
	"  m=\n"
	"  for i in $(printf '%s\\n' \"$cfg\" | awk '$1 == \"image:\" { gsub(/[\"\\047]/, \"\", $2);"
	" print $2 }' | sort -u); do\n"
	"    docker image inspect \"$i\" >/dev/null 2>&1 || m=\"$m $i\"\n"
	"  done\n"
	"  if [ -n \"$m\" ]; then echo \"the images of release $R are not on this server and cannot"
	" be pulled:$m\"; return 1; fi\n"
	"  echo \"the pull failed; the images of release $R are on this server\"\n"
	"}\n";

/* After current moved: put the previous release back and run it. */
static const char script_rollback[] =
	"rollback() {\n"
	"  mark failed \"$S\"\n"
	"  if [ \"$PREV\" = \"$R\" ] && [ -d \"$OLD\" ]; then\n"
	"    rm -rf \"$REL/.$R.bad\" && mv \"$REL/$R\" \"$REL/.$R.bad\" && mv \"$OLD\" \"$REL/$R\" &&"
	" rm -rf \"$REL/.$R.bad\"\n"
	"  fi\n"
	"  rm -rf \"$T\" \"$OLD\"\n"
	/* a new release that failed says so (a kept one stays as it was) */
	"  [ -n \"$KEPT\" ] || [ \"$PREV\" = \"$R\" ] || [ ! -f \"$REL/$R/" LAYOUT_RELEASE_META "\" ] ||"
	" echo \"failed=$S\" >> \"$REL/$R/" LAYOUT_RELEASE_META "\"\n"
	"  unpin_all\n"
	"  if [ -z \"$PREV\" ] || [ ! -d \"$REL/$PREV\" ]; then mark norollback; exit 1; fi\n"
	"  step rollback\n"
	"  if switch_to \"$PREV\" && proxy_conf \"$PREV\" && cd \"$REL/$PREV\" &&"
	" dc up -d --remove-orphans 2>&1; then\n"
	"    reload || true\n"
	"    mark rolledback \"$PREV\"\n"
	"  else\n"
	"    mark rollbackfailed \"$PREV\"\n"
	"  fi\n"
	"  exit 1\n"
	"}\n";

/* Steps 2-4: pull, switch, up (with what the handover keeps aside). */
static const char script_steps_up[] =
	"sync || die\n"
	"step pull\n"
	"cd \"$T\" && find_compose && pull || die\n"
	"step switch\n"
	"PREV=$(readlink \"$B/current\" 2>/dev/null) || PREV=\n"
	"PREV=${PREV#releases/}\n"
	"mark previous \"$PREV\"\n"
	"if [ -e \"$REL/$R\" ]; then rm -rf \"$OLD\" && mv \"$REL/$R\" \"$OLD\" || rollback; fi\n"
	"mv \"$T\" \"$REL/$R\" && touch \"$REL/$R\" && switch_to \"$R\" && proxy_conf \"$R\" || rollback\n"
	/* compose runs in the release's own directory, not through the
	 * symlink: bind mounts of release files then change path with each
	 * release, so compose recreates the containers that use them */
	"cd \"$REL/$R\" || rollback\n"
	"step up\n"
	"SW=\n"
	"for sp in $SWITCH; do\n"
	"  svc=${sp%:*} port=${sp##*:}\n"
	"  old=$(cids \"$svc\")\n"
	"  [ \"$(printf '%s\\n' \"$old\" | awk 'NF { n++ } END { print n + 0 }')\" = 1 ] &&"
	" ready \"$old\" || continue\n"
	"  forced \"$svc\" || changed \"$svc\" \"$old\" || continue\n"
	"  SW=\"$SW $svc:$port:$old\"\n"
	"done\n"
	"all=$(dc config --services) || rollback\n"
	"again=\n"
	"rest=\n"
	"for svc in $all; do\n"
	"  handed \"$svc\" && continue\n"
	"  rest=\"$rest $svc\"\n"
	"  forced \"$svc\" && again=\"$again $svc\"\n"
	"done\n"
	"[ -z \"$again\" ] || dc up -d --no-deps --force-recreate $again 2>&1 || rollback\n"
	"if [ -z \"$SW\" ]; then dc up -d --remove-orphans 2>&1 || rollback\n"
	"elif [ -n \"$rest\" ]; then dc up -d --no-deps --remove-orphans $rest 2>&1 || rollback; fi\n";

/* Steps 5-9 and the prune. */
static const char script_steps_rest[] =
	"step handover\n"
	"for sp in $SW; do\n"
	"  svc=${sp%%:*} tail=${sp#*:}\n"
	"  handover \"$svc\" \"${tail%%:*}\" \"${tail#*:}\" || rollback\n"
	"done\n"
	"step reload\n"
	"reload || rollback\n"
	"step health\n"
	"DEADLINE=$(( $(date +%s) + WAIT ))\n"
	"while :; do\n"
	"  out=$(states 2>&1) && healthy \"$out\" && break\n"
	"  if expired; then printf '%s\\n' \"${out:-no containers}\"; rollback; fi\n"
	"  sleep 1\n"
	"done\n"
	"step domains\n"
	"while [ $# -gt 1 ]; do\n"
	"  until check_domain \"$1\" \"$2\" 2>&1; do\n"
	"    if expired; then echo \"$1 does not answer over $2 through nginx\"; rollback; fi\n"
	"    sleep 1\n"
	"  done\n"
	"  shift 2\n"
	"done\n"
	"step host\n"
	"units || rollback\n"
	"[ -z \"$MANAGE_KEYS\" ] || keys || rollback\n"
	"step prune\n"
	"rm -rf \"$OLD\"\n"
	/* what interrupted deploys of other releases staged or moved aside */
	"for r in $(ls -1A \"$REL\"); do\n"
	"  case $r in .*.tmp|.*.old|.*.bad) rm -rf \"$REL/$r\";; esac\n"
	"done\n"
	"n=0\n"
	"for r in $(ls -1t \"$REL\"); do\n"
	"  n=$((n + 1))\n"
	"  if [ \"$n\" -gt \"$KEEP\" ] && [ \"$r\" != \"$R\" ]; then rm -rf \"$REL/$r\"; fi\n"
	"done\n"
	"mark ok\n"
	"}\n"
	"main \"$@\"\n"
	"} </dev/null\n";

/* A domain answers over its scheme with a status below 400 that the
 * service gave: nginx names it in X-Infrac-Upstream when asked (its own
 * redirect to https or its 502 never match). */
static const char script_check_domain[] =
	"  port=80; [ \"$2\" = http ] || port=443\n"
	"  h=$(curl -sS -k -o /dev/null -D - --max-time 10 -H 'X-Infrac-Health: 1'"
	" --resolve \"$1:$port:127.0.0.1\" \"$2://$1/\" 2>&1) || { printf '%s\\n' \"$h\"; return 1; }\n"
	"  code=$(printf '%s\\n' \"$h\" | awk 'NR == 1 { print $2 }')\n"
	"  up=$(printf '%s\\n' \"$h\" | tr -d '\\r' | awk 'tolower($1) == \"x-infrac-upstream:\""
	" { print $NF }')\n"
	"  case $code in [123]?\?) ;; *) echo \"$1 answered $code over $2\"; return 1;; esac\n"
	"  [ \"$up\" = \"$code\" ] || { echo \"$1: the answer $code over $2 came from nginx, not from"
	" the service (its answer: ${up:-none})\"; return 1; }\n";

static void script_var(struct strbuf *b, const char *name, const char *value)
{
	strbuf_addf(b, "%s=", name);
	strbuf_add_shell_quoted(b, value ? value : "");
	strbuf_addstr(b, "\n");
}

/* The variables the steps read. */
static void script_header(struct strbuf *b, const struct deploy_request *rq,
			  const struct script_paths *paths, const char *nonce)
{
	/* set -f: the loops split words and ls output, which must not glob */
	strbuf_addstr(b, "{\nset -uf\numask 022\nDC=\nDEADLINE=0\n");
	script_var(b, "N", nonce);
	script_var(b, "P", rq->project);
	script_var(b, "R", rq->release);
	script_var(b, "ROOT", paths->root ? paths->root : LAYOUT_ROOT);
	script_var(b, "UNITS", paths->units ? paths->units : SCRIPT_UNITS);
	strbuf_addf(b, "SYSTEMD=%s\n", paths->units ? "" : "1");
	if (paths->authorized_keys)
		script_var(b, "AK", paths->authorized_keys);
	else
		strbuf_addstr(b, "AK=\"$HOME/.ssh/authorized_keys\"\n");
	strbuf_addf(b, "MANAGE_KEYS=%s\n", rq->authorized_keys ? "1" : "");
	script_var(b, "PROXY", rq->proxy);
	script_var(b, "CONF", LAYOUT_PROXY_CONF);
	script_var(b, "SRC", rq->source);
	script_var(b, "PHASE", rq->phase);
	strbuf_addf(b, "KEPT=%s\n", rq->kept ? "1" : "");
	strbuf_addf(b, "WAIT=%d\nKEEP=%d\n", rq->health_timeout ? rq->health_timeout : SCRIPT_WAIT,
		    rq->keep ? rq->keep : SCRIPT_KEEP);
	const char **w = xcalloc(rq->nfiles + rq->nswitched + 1, sizeof(*w));
	size_t n = 0;
	for (size_t i = 0; i < rq->nfiles; i++)
		if (!strchr(rq->files[i].name, '/') && (script_ends_with(rq->files[i].name, ".service") ||
							script_ends_with(rq->files[i].name, ".timer")))
			w[n++] = rq->files[i].name;
	script_words(b, "UNITFILES", w, n);
	struct strbuf sw = STRBUF_INIT;
	for (size_t i = 0; i < rq->nswitched; i++)
		strbuf_addf(&sw, "%s%s:%d", i ? " " : "", rq->switched[i].service, rq->switched[i].port);
	script_var(b, "SWITCH", sw.buf);
	strbuf_release(&sw);
	free(w);
	script_words(b, "FORCE", rq->recreate, rq->nrecreate);
	strbuf_addf(b, "FORCE_ALL=%s\n", rq->recreate_all ? "1" : "");
	strbuf_addstr(b, "B=\"$ROOT/$P\"\nREL=\"$B/releases\"\nT=\"$REL/.$R.tmp\"\n"
		     "OLD=\"$REL/.$R.old\"\nPX=\"$B/" LAYOUT_PROXY_DIR "\"\nS=connect\nPREV=\n");
	strbuf_addstr(b, "set --");
	for (size_t i = 0; i < rq->ndomains; i++) {
		strbuf_addstr(b, " ");
		strbuf_add_shell_quoted(b, rq->domains[i].name);
		strbuf_addstr(b, rq->domains[i].https ? " https" : " http");
	}
	strbuf_addstr(b, "\ncheck_domain() {\n");
	strbuf_addstr(b, rq->domain_check ? rq->domain_check : script_check_domain);
	strbuf_addstr(b, "\n}\n");
}

/* A rollback's step 1: the kept release copied to the staging folder,
 * without its .env; its units are what it holds. */
static const char script_stage[] =
	"main() {\nmark begin\nstep stage\n"
	"[ -d \"$REL/$R\" ] || { echo \"release $R is not kept on this server (kept: $(ls -1 \"$REL\""
	" 2>/dev/null | grep -v '^[.]' | tr '\\n' ' '))\"; die; }\n"
	"rm -rf \"$T\" && cp -a \"$REL/$R\" \"$T\" && rm -f \"$T/.env\" || die\n"
	"for f in $(ls -1 \"$T\"); do case $f in *.service|*.timer) UNITFILES=\"$UNITFILES $f\";; esac;"
	" done\n";

/* Step 1: the files, the keys and the release's record into the staging
 * folder (the .env follows). */
static void script_upload(struct strbuf *b, const struct deploy_request *rq)
{
	strbuf_addstr(b, "main() {\nmark begin\nstep upload\nmkdir -p \"$REL\" && rm -rf \"$T\" && "
		     "mkdir \"$T\" || die\n");
	for (size_t i = 0; i < rq->nfiles; i++)
		script_file(b, "T", rq->files[i].name, rq->files[i].data, rq->files[i].len,
			    rq->files[i].mode);
	if (rq->authorized_keys) {
		struct strbuf k = STRBUF_INIT;
		strbuf_addstr(&k, rq->authorized_keys);
		if (k.len && k.buf[k.len - 1] != '\n')
			strbuf_addch(&k, '\n');
		script_file(b, "T", ".authorized_keys", (const unsigned char *)k.buf, k.len, 0644);
		strbuf_reset(&k);
		for (size_t i = 0; i < rq->nrevoked; i++)
			strbuf_addf(&k, "%s\n", rq->revoked[i]);
		script_file(b, "T", ".revoked_keys", (const unsigned char *)k.buf, k.len, 0644);
		strbuf_release(&k);
	}
	strbuf_addstr(b, "meta > \"$T/" LAYOUT_RELEASE_META "\" || die\n");
}

/* The .env of the staged release: the values only ever exist on the
 * server inside this file. */
static void script_env(struct strbuf *b, const struct deploy_request *rq)
{
	struct strbuf env = STRBUF_INIT;
	for (size_t i = 0; i < rq->nenv; i++)
		strbuf_addf(&env, "%s='%s'\n", rq->env[i].name, rq->env[i].value);
	strbuf_addstr(b, "(umask 077 && base64 -d > \"$T/.env\" <<'INFRAC_EOF'\n");
	script_base64_heredoc(b, (const unsigned char *)env.buf, env.len);
	strbuf_addstr(b, ") && chmod 600 \"$T/.env\" || die\n");
	strbuf_wipe(&env);
}

char *script_build(const struct deploy_request *rq, const struct script_paths *paths,
		   const char *nonce, struct error *err)
{
	if (!script_check(rq, err))
		return NULL;
	struct strbuf b = STRBUF_INIT;
	script_header(&b, rq, paths, nonce);
	strbuf_addstr(&b, script_functions);
	strbuf_addstr(&b, script_handover);
	strbuf_addstr(&b, script_host);
	strbuf_addstr(&b, script_rollback);
	strbuf_addstr(&b, script_release);
	/* a function, so `set --` above gives "$@" to the domain loop */
	if (rq->kept)
		strbuf_addstr(&b, script_stage);
	else
		script_upload(&b, rq);
	script_env(&b, rq);
	strbuf_addstr(&b, script_steps_up);
	strbuf_addstr(&b, script_steps_rest);
	return strbuf_detach(&b, NULL);
}
