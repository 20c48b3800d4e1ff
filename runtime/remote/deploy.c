/*
 * deploy: builds the remote script, runs ssh with it on stdin and reads
 * the progress lines back.  See deploy.h for the steps and the contract.
 *
 * The script is one brace group ending in `</dev/null`: the remote sh
 * parses all of it (heredocs included) before running anything, so no
 * command it runs can read the rest of the script from stdin, and an
 * upload cut short by a dropped connection never runs half a deploy.
 */
#include "deploy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "ascii.h"
#include "progress.h"
#include "xalloc.h"

#define DEPLOY_ROOT "/opt/infrac"
#define DEPLOY_WAIT 120
#define DEPLOY_KEEP 5
#define DEPLOY_TIMEOUT 3600
#define DEPLOY_REDACTED "[redacted]"

/* ---- validation ------------------------------------------------------------ */

static bool deploy_valid_project(const char *s)
{
	if (!s || !(ascii_lower(s[0]) || ascii_digit(s[0])) || strlen(s) > 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!ascii_lower(*p) && !ascii_digit(*p) && *p != '-' && *p != '_')
			return false;
	return true;
}

static bool deploy_valid_release(const char *s)
{
	if (!s || !ascii_alnum(s[0]) || strlen(s) > 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!ascii_alnum(*p) && *p != '-' && *p != '_' && *p != '.')
			return false;
	return true;
}

static bool deploy_valid_env_name(const char *s)
{
	if (!s || !s[0] || ascii_digit(s[0]))
		return false;
	for (const char *p = s; *p; p++)
		if (!ascii_alnum(*p) && *p != '_')
			return false;
	return true;
}

/* Relative, no "." or ".." component, no control characters, not .env. */
static bool deploy_valid_file_name(const char *s)
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

/* false with err naming what is wrong; never quotes a secret value. */
static bool deploy_request_check(const struct deploy_request *rq, struct error *err)
{
	struct strbuf b = STRBUF_INIT;
	if (!deploy_valid_project(rq->project))
		strbuf_addstr(&b, "project name must be lowercase letters, digits, '-' or '_' "
			     "(at most 64), starting with a letter or digit");
	else if (!deploy_valid_release(rq->release))
		strbuf_addstr(&b, "release id must be letters, digits, '.', '-' or '_' "
			     "(at most 64), starting with a letter or digit");
	else if (rq->proxy && !deploy_valid_release(rq->proxy))
		strbuf_addstr(&b, "proxy service name is not a compose service name");
	else if (rq->health_timeout < 0 || rq->keep < 0 || rq->timeout < 0)
		strbuf_addstr(&b, "health_timeout, keep and timeout must not be negative");
	for (size_t i = 0; !b.len && i < rq->nfiles; i++)
		if (!deploy_valid_file_name(rq->files[i].name) || rq->files[i].mode > 07777 ||
		    (rq->files[i].len && !rq->files[i].data))
			strbuf_addstr(&b, "artefact file names must be relative paths without "
				     "'.', '..' or control characters, and not .env");
	for (size_t i = 0; !b.len && i < rq->nenv; i++)
		if (!deploy_valid_env_name(rq->env[i].name))
			strbuf_addstr(&b, "a .env name is not a variable name");
		else if (!secrets_value_ok(rq->env[i].value))
			strbuf_addf(&b, "the value of %s is empty or holds a quote or a "
				       "line break, which .env cannot hold", rq->env[i].name);
	for (size_t i = 0; !b.len && i < rq->ndomains; i++)
		if (!rq->domains[i] || !rq->domains[i][0])
			strbuf_addstr(&b, "empty domain");
	bool ok = !b.len || error_set(err, "%s", b.buf);
	strbuf_release(&b);
	return ok;
}

/* ---- the script ------------------------------------------------------------ */

static const char deploy_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 in lines of 76, then the heredoc's end.  The end word holds '_',
 * which base64 never does, so no data line can end the heredoc. */
static void deploy_base64_heredoc(struct strbuf *b, const unsigned char *d, size_t n)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)d[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)d[i + 1] << 8;
		if (i + 2 < n)
			v |= d[i + 2];
		char q[4] = { deploy_b64[v >> 18 & 63], deploy_b64[v >> 12 & 63],
			      i + 1 < n ? deploy_b64[v >> 6 & 63] : '=', i + 2 < n ? deploy_b64[v & 63] : '=' };
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

/* Functions the steps share.  $S is the running step; every progress
 * line is "@@NONCE WORD ARGS" so command output cannot pass for one. */
static const char deploy_functions[] =
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
	"switch_to() { rm -f \"$B/.current.tmp\" && ln -s \"releases/$1\" \"$B/.current.tmp\" &&"
	" mv -T \"$B/.current.tmp\" \"$B/current\"; }\n"
	"reload() { [ -z \"$PROXY\" ] || dc exec -T \"$PROXY\" nginx -s reload 2>&1; }\n"
	/* every container running, healthy where it has a check; one-shot
	 * containers that exited 0 are fine */
	"healthy() { [ -n \"$1\" ] && printf '%s\\n' \"$1\" | awk -F'|' '"
	"{ if (!(($2 == \"running\" && ($3 == \"\" || $3 == \"healthy\")) ||"
	" ($2 == \"exited\" && $4 == \"0\"))) bad = 1 } END { exit bad }'; }\n"
	"expired() { [ \"$(date +%s)\" -ge \"$DEADLINE\" ]; }\n"
	/* after current moved: put the previous release back and run it */
	"rollback() {\n"
	"  mark failed \"$S\"\n"
	"  if [ \"$PREV\" = \"$R\" ] && [ -d \"$OLD\" ]; then\n"
	"    rm -rf \"$REL/.$R.bad\" && mv \"$REL/$R\" \"$REL/.$R.bad\" && mv \"$OLD\" \"$REL/$R\" &&"
	" rm -rf \"$REL/.$R.bad\"\n"
	"  fi\n"
	"  rm -rf \"$T\" \"$OLD\"\n"
	"  if [ -z \"$PREV\" ] || [ ! -d \"$REL/$PREV\" ]; then mark norollback; exit 1; fi\n"
	"  step rollback\n"
	"  if switch_to \"$PREV\" && cd \"$REL/$PREV\" && dc up -d --remove-orphans 2>&1; then\n"
	"    reload || true\n"
	"    mark rolledback \"$PREV\"\n"
	"  else\n"
	"    mark rollbackfailed \"$PREV\"\n"
	"  fi\n"
	"  exit 1\n"
	"}\n";

static const char deploy_steps[] =
	"sync || die\n"
	"step pull\n"
	"cd \"$T\" && find_compose && dc pull 2>&1 || die\n"
	"step switch\n"
	"PREV=$(readlink \"$B/current\" 2>/dev/null) || PREV=\n"
	"PREV=${PREV#releases/}\n"
	"mark previous \"$PREV\"\n"
	"if [ -e \"$REL/$R\" ]; then rm -rf \"$OLD\" && mv \"$REL/$R\" \"$OLD\" || rollback; fi\n"
	"mv \"$T\" \"$REL/$R\" && touch \"$REL/$R\" && switch_to \"$R\" || rollback\n"
	/* compose runs in the release's own directory, not through the
	 * symlink: bind mounts of release files then change path with each
	 * release, so compose recreates the containers that use them */
	"cd \"$REL/$R\" || rollback\n"
	"step up\n"
	"dc up -d --remove-orphans 2>&1 || rollback\n"
	"step reload\n"
	"reload || rollback\n"
	"step health\n"
	"DEADLINE=$(( $(date +%s) + WAIT ))\n"
	"while :; do\n"
	"  out=$(states 2>&1) &&"
	" healthy \"$out\" && break\n"
	"  if expired; then printf '%s\\n' \"${out:-no containers}\"; rollback; fi\n"
	"  sleep 1\n"
	"done\n"
	"step domains\n"
	"for d in \"$@\"; do\n"
	"  until check_domain \"$d\" 2>&1; do\n"
	"    if expired; then echo \"$d does not answer through nginx\"; rollback; fi\n"
	"    sleep 1\n"
	"  done\n"
	"done\n"
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

static void deploy_mkdirs(struct strbuf *b, const char *name)
{
	const char *slash = strrchr(name, '/');
	if (!slash)
		return;
	char *dir = xstrndup(name, (size_t)(slash - name));
	strbuf_addstr(b, "mkdir -p \"$T\"/");
	strbuf_add_shell_quoted(b, dir);
	strbuf_addstr(b, " || die\n");
	free(dir);
}

char *deploy_script(const struct deploy_request *rq, const char *root, const char *nonce,
		    struct error *err)
{
	if (!deploy_request_check(rq, err))
		return NULL;
	struct strbuf b = STRBUF_INIT;
	/* set -f: the prune loop splits ls output, which must not glob */
	strbuf_addstr(&b, "{\nset -uf\numask 022\nDC=\nN=");
	strbuf_add_shell_quoted(&b, nonce);
	strbuf_addstr(&b, "\nP=");
	strbuf_add_shell_quoted(&b, rq->project);
	strbuf_addstr(&b, "\nR=");
	strbuf_add_shell_quoted(&b, rq->release);
	strbuf_addstr(&b, "\nROOT=");
	strbuf_add_shell_quoted(&b, root && root[0] ? root : DEPLOY_ROOT);
	strbuf_addstr(&b, "\nPROXY=");
	strbuf_add_shell_quoted(&b, rq->proxy ? rq->proxy : "");
	strbuf_addf(&b, "\nWAIT=%d\nKEEP=%d\n",
		   rq->health_timeout ? rq->health_timeout : DEPLOY_WAIT,
		   rq->keep ? rq->keep : DEPLOY_KEEP);
	strbuf_addstr(&b, "B=\"$ROOT/$P\"\nREL=\"$B/releases\"\nT=\"$REL/.$R.tmp\"\n"
		     "OLD=\"$REL/.$R.old\"\nS=connect\nPREV=\n");
	strbuf_addstr(&b, "set --");
	for (size_t i = 0; i < rq->ndomains; i++) {
		strbuf_addstr(&b, " ");
		strbuf_add_shell_quoted(&b, rq->domains[i]);
	}
	strbuf_addstr(&b, "\ncheck_domain() {\n");
	strbuf_addstr(&b, rq->domain_check ? rq->domain_check
		 : "curl -fsS -o /dev/null --max-time 10 -H \"Host: $1\" http://127.0.0.1/");
	strbuf_addstr(&b, "\n}\n");
	strbuf_addstr(&b, deploy_functions);
	/* a function, so `set --` above gives "$@" to the domain loop */
	strbuf_addstr(&b, "main() {\nmark begin\nstep upload\nmkdir -p \"$REL\" && rm -rf \"$T\" && "
		     "mkdir \"$T\" || die\n");
	for (size_t i = 0; i < rq->nfiles; i++) {
		const struct deploy_file *f = &rq->files[i];
		deploy_mkdirs(&b, f->name);
		strbuf_addstr(&b, "base64 -d > \"$T\"/");
		strbuf_add_shell_quoted(&b, f->name);
		strbuf_addstr(&b, " <<'INFRAC_EOF' || die\n");
		deploy_base64_heredoc(&b, f->data, f->len);
		strbuf_addf(&b, "chmod %o \"$T\"/", f->mode);
		strbuf_add_shell_quoted(&b, f->name);
		strbuf_addstr(&b, " || die\n");
	}
	/* the values only ever exist on the server inside this file */
	struct strbuf env = STRBUF_INIT;
	for (size_t i = 0; i < rq->nenv; i++)
		strbuf_addf(&env, "%s='%s'\n", rq->env[i].name, rq->env[i].value);
	strbuf_addstr(&b, "(umask 077 && base64 -d > \"$T/.env\" <<'INFRAC_EOF'\n");
	deploy_base64_heredoc(&b, (const unsigned char *)env.buf, env.len);
	strbuf_addstr(&b, ") && chmod 600 \"$T/.env\" || die\n");
	strbuf_wipe(&env);
	strbuf_addstr(&b, deploy_steps);
	return strbuf_detach(&b, NULL);
}

/* ---- redaction ------------------------------------------------------------- */

void deploy_redact(struct strbuf *s, const struct secret *env, size_t nenv)
{
	for (size_t i = 0; i < nenv; i++) {
		const char *v = env[i].value;
		size_t vn = v ? strlen(v) : 0;
		if (!vn || !strstr(s->buf, v))
			continue;
		struct strbuf b = STRBUF_INIT;
		const char *p = s->buf, *hit;
		while ((hit = strstr(p, v))) {
			strbuf_add(&b, p, (size_t)(hit - p));
			strbuf_addstr(&b, DEPLOY_REDACTED);
			p = hit + vn;
		}
		strbuf_addstr(&b, p);
		strbuf_release(s);
		*s = b;
	}
}

/* ---- running it ------------------------------------------------------------ */

static bool deploy_nonce(char out[17])
{
	unsigned char r[8];
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		return false;
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	return true;
}

/* What deploy_release tells ssh_run's output to: the steps as they come. */
struct deploy_watch {
	const struct deploy_request *rq;
	const char *nonce;
	size_t scanned;
};

static void deploy_on_output(void *ctx, const struct strbuf *out)
{
	struct deploy_watch *w = ctx;
	if (w->rq->on_step)
		progress_tell(out, w->nonce, &w->scanned, w->rq->on_step, w->rq->step_ctx);
}

/* The failure of a run, for people, into err (secret values redacted). */
static void deploy_failure(const struct ssh_target *t, const struct deploy_request *rq, int rc,
			   int timed_out_after, struct progress *pr, struct deploy_result *res,
			   struct error *err)
{
	struct strbuf m = STRBUF_INIT;
	if (timed_out_after) {
		res->failed = PROGRESS_CONNECT;
		strbuf_addf(&m, "the deploy of release %s to %s did not finish within %d s and "
			    "was stopped during step %s; rerun to converge\n", rq->release,
			    t->host, timed_out_after, pr->step[0] ? pr->step : "connect");
	} else if (!pr->begun) {
		res->failed = PROGRESS_CONNECT;
		strbuf_addf(&m, "cannot reach %s@%s port %d over ssh (exit status %d); "
			    "nothing changed on the server\n",
			    t->user, t->host, t->port ? t->port : 22, rc);
	} else if (!pr->failed) {
		/* the connection ended before the script said how it went */
		res->failed = PROGRESS_CONNECT;
		strbuf_addf(&m, "the connection to %s ended during the deploy of release %s "
			    "(exit status %d); rerun to converge\n", t->host, rq->release, rc);
	} else {
		res->failed = pr->failed;
		strbuf_addf(&m, "deploy of release %s to %s failed at step %s; ",
			    rq->release, t->host, progress_step_name(pr->failed));
		if (pr->failed <= PROGRESS_PULL)
			strbuf_addstr(&m, "the running release was not touched\n");
		else if (pr->rollbackfailed)
			strbuf_addf(&m, "switching back to release %s FAILED as well\n",
				    pr->previous ? pr->previous : "?");
		else if (pr->norollback || !pr->previous)
			strbuf_addstr(&m, "there is no previous release to switch back to\n");
		else
			strbuf_addf(&m, "switched back to release %s\n", pr->previous);
	}
	res->rolled_back = !timed_out_after && pr->failed > PROGRESS_PULL && !pr->rollbackfailed &&
			   !pr->norollback && pr->previous;
	if (pr->failed_out.len) {
		strbuf_addf(&m, "output of %s (last lines):\n",
			    !pr->begun ? "ssh" : timed_out_after ? pr->step
								: progress_step_name(res->failed));
		progress_tail(&m, pr->failed_out.buf, pr->failed_out.len);
	}
	if (pr->rollbackfailed && pr->rollback_out.len) {
		strbuf_addstr(&m, "output of the switch back (last lines):\n");
		progress_tail(&m, pr->rollback_out.buf, pr->rollback_out.len);
	}
	deploy_redact(&m, rq->env, rq->nenv);
	/* the lines end with a newline; the record's message does not */
	strbuf_setlen(&m, m.len - 1);
	error_set(err, "%s", m.buf);
	strbuf_release(&m);
}

bool deploy_release(const struct ssh_target *t, const struct deploy_request *rq,
		    struct deploy_result *res, struct error *err)
{
	*res = (struct deploy_result){ 0 };
	char nonce[17];
	char *script = NULL;
	if (ssh_target_check(t, err)) {
		if (!deploy_nonce(nonce))
			error_set(err, "cannot read random bytes");
		else
			script = deploy_script(rq, getenv("INFRAC_REMOTE_ROOT"), nonce, err);
	}
	if (!script) {
		res->failed = PROGRESS_REQUEST;
		return false;
	}
	struct strbuf out = STRBUF_INIT;
	bool timed_out = false;
	int timeout = rq->timeout ? rq->timeout : DEPLOY_TIMEOUT;
	struct deploy_watch watch = { rq, nonce, 0 };
	struct error serr = ERROR_INIT;
	int rc = ssh_run(t, "sh -s", script, timeout, deploy_on_output, &watch, &out, &timed_out,
			 &serr);
	explicit_bzero(script, strlen(script));
	free(script);
	struct progress pr;
	progress_read(out.buf, nonce, &pr);
	strbuf_release(&out);
	bool ok = pr.ok && rc == 0 && !pr.failed;
	if (!ok && rc < 0 && !timed_out && !pr.begun) {
		error_move(err, &serr); /* ssh could not even be run */
		res->failed = PROGRESS_CONNECT;
	} else if (!ok) {
		deploy_failure(t, rq, rc, timed_out ? timeout : 0, &pr, res, err);
	}
	error_release(&serr);
	res->previous = pr.previous;
	pr.previous = NULL;
	progress_release(&pr);
	return ok;
}

void deploy_result_release(struct deploy_result *res)
{
	free(res->previous);
	*res = (struct deploy_result){ 0 };
}
