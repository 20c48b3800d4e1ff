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

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"

#define DEFAULT_ROOT "/opt/infrac"
#define DEFAULT_WAIT 120
#define DEFAULT_KEEP 5
#define DEFAULT_TIMEOUT 3600
#define TAIL_LINES 20
#define REDACTED "[redacted]"

/* ---- growable strings ---------------------------------------------------- */

struct buf {
	char *s;
	size_t len, cap;
};

static void buf_grow(struct buf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *s = realloc(b->s, cap);
	if (!s) {
		fputs("infrac: out of memory\n", stderr);
		exit(1);
	}
	b->s = s;
	b->cap = cap;
}

static void buf_add(struct buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* s as one sh word: '...' with every ' written '\'' */
static void buf_quote(struct buf *b, const char *s)
{
	buf_puts(b, "'");
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			buf_puts(b, "'\\''");
		else
			buf_add(b, p, 1);
	}
	buf_puts(b, "'");
}

static char *buf_take(struct buf *b)
{
	if (!b->s) {
		buf_grow(b, 0);
		b->s[0] = '\0';
	}
	char *s = b->s;
	*b = (struct buf){ 0 };
	return s;
}

/* ---- validation ------------------------------------------------------------ */

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool valid_project(const char *s)
{
	if (!s || !is_lower_alnum(s[0]) || strlen(s) > 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!is_lower_alnum(*p) && *p != '-' && *p != '_')
			return false;
	return true;
}

static bool valid_release(const char *s)
{
	if (!s || !is_alnum(s[0]) || strlen(s) > 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!is_alnum(*p) && *p != '-' && *p != '_' && *p != '.')
			return false;
	return true;
}

static bool valid_env_name(const char *s)
{
	if (!s || !s[0] || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (const char *p = s; *p; p++)
		if (!is_alnum(*p) && *p != '_')
			return false;
	return true;
}

/* .env holds NAME='value' and compose reads single-quoted values as they
 * are, with no way to write a quote or a line break inside one. */
static bool valid_env_value(const char *s)
{
	return s && s[0] && !strpbrk(s, "'\n\r");
}

/* Relative, no "." or ".." component, no control characters, not .env. */
static bool valid_file_name(const char *s)
{
	if (!s || !s[0] || s[0] == '/' || !strcmp(s, ".env"))
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
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

/* A message naming what is wrong, or NULL; never quotes a secret value. */
static char *request_error(const struct deploy_request *rq)
{
	struct buf b = { 0 };
	if (!valid_project(rq->project))
		buf_puts(&b, "project name must be lowercase letters, digits, '-' or '_' "
			     "(at most 64), starting with a letter or digit");
	else if (!valid_release(rq->release))
		buf_puts(&b, "release id must be letters, digits, '.', '-' or '_' "
			     "(at most 64), starting with a letter or digit");
	else if (rq->proxy && !valid_release(rq->proxy))
		buf_puts(&b, "proxy service name is not a compose service name");
	else if (rq->health_timeout < 0 || rq->keep < 0 || rq->timeout < 0)
		buf_puts(&b, "health_timeout, keep and timeout must not be negative");
	for (size_t i = 0; !b.s && i < rq->nfiles; i++)
		if (!valid_file_name(rq->files[i].name) || rq->files[i].mode > 07777 ||
		    (rq->files[i].len && !rq->files[i].data))
			buf_puts(&b, "artefact file names must be relative paths without "
				     "'.', '..' or control characters, and not .env");
	for (size_t i = 0; !b.s && i < rq->nenv; i++)
		if (!valid_env_name(rq->env[i].name))
			buf_puts(&b, "a .env name is not a variable name");
		else if (!valid_env_value(rq->env[i].value))
			buf_printf(&b, "the value of %s is empty or holds a quote or a "
				       "line break, which .env cannot hold", rq->env[i].name);
	for (size_t i = 0; !b.s && i < rq->ndomains; i++)
		if (!rq->domains[i] || !rq->domains[i][0])
			buf_puts(&b, "empty domain");
	return b.s;
}

/* ---- the script ------------------------------------------------------------ */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 in lines of 76, then the heredoc's end.  The end word holds '_',
 * which base64 never does, so no data line can end the heredoc. */
static void buf_base64_heredoc(struct buf *b, const unsigned char *d, size_t n)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)d[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)d[i + 1] << 8;
		if (i + 2 < n)
			v |= d[i + 2];
		char q[4] = { b64[v >> 18 & 63], b64[v >> 12 & 63],
			      i + 1 < n ? b64[v >> 6 & 63] : '=', i + 2 < n ? b64[v & 63] : '=' };
		buf_add(b, q, 4);
		if ((col += 4) == 76) {
			buf_puts(b, "\n");
			col = 0;
		}
	}
	if (col)
		buf_puts(b, "\n");
	buf_puts(b, "INFRAC_EOF\n");
}

/* Functions the steps share.  $S is the running step; every progress
 * line is "@@NONCE WORD ARGS" so command output cannot pass for one. */
static const char script_functions[] =
	"mark() { printf '@@%s %s\\n' \"$N\" \"$*\"; }\n"
	"step() { S=$1; mark step \"$1\"; }\n"
	/* before anything runs differently: drop what was staged, stop */
	"die() { mark failed \"$S\"; rm -rf \"$T\"; exit 1; }\n"
	"dc() { docker compose -p \"$P\" \"$@\"; }\n"
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

static const char script_steps_pull[] =
	"sync || die\n"
	"step pull\n"
	"cd \"$T\" && dc pull 2>&1 || die\n"
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
	"  out=$(dc ps -a --format '{{.Service}}|{{.State}}|{{.Health}}|{{.ExitCode}}' 2>&1) &&"
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

static void script_mkdirs(struct buf *b, const char *name)
{
	const char *slash = strrchr(name, '/');
	if (!slash)
		return;
	char *dir = strndup(name, (size_t)(slash - name));
	if (!dir) {
		fputs("infrac: out of memory\n", stderr);
		exit(1);
	}
	buf_puts(b, "mkdir -p \"$T\"/");
	buf_quote(b, dir);
	buf_puts(b, " || die\n");
	free(dir);
}

char *deploy_script(const struct deploy_request *rq, const char *root, const char *nonce,
		    char **error)
{
	*error = request_error(rq);
	if (*error)
		return NULL;
	struct buf b = { 0 };
	/* set -f: the prune loop splits ls output, which must not glob */
	buf_puts(&b, "{\nset -uf\numask 022\nN=");
	buf_quote(&b, nonce);
	buf_puts(&b, "\nP=");
	buf_quote(&b, rq->project);
	buf_puts(&b, "\nR=");
	buf_quote(&b, rq->release);
	buf_puts(&b, "\nROOT=");
	buf_quote(&b, root && root[0] ? root : DEFAULT_ROOT);
	buf_puts(&b, "\nPROXY=");
	buf_quote(&b, rq->proxy ? rq->proxy : "");
	buf_printf(&b, "\nWAIT=%d\nKEEP=%d\n",
		   rq->health_timeout ? rq->health_timeout : DEFAULT_WAIT,
		   rq->keep ? rq->keep : DEFAULT_KEEP);
	buf_puts(&b, "B=\"$ROOT/$P\"\nREL=\"$B/releases\"\nT=\"$REL/.$R.tmp\"\n"
		     "OLD=\"$REL/.$R.old\"\nS=connect\nPREV=\n");
	buf_puts(&b, "set --");
	for (size_t i = 0; i < rq->ndomains; i++) {
		buf_puts(&b, " ");
		buf_quote(&b, rq->domains[i]);
	}
	buf_puts(&b, "\ncheck_domain() {\n");
	buf_puts(&b, rq->domain_check ? rq->domain_check
		 : "curl -fsS -o /dev/null --max-time 10 -H \"Host: $1\" http://127.0.0.1/");
	buf_puts(&b, "\n}\n");
	buf_puts(&b, script_functions);
	/* a function, so `set --` above gives "$@" to the domain loop */
	buf_puts(&b, "main() {\nmark begin\nstep upload\nmkdir -p \"$REL\" && rm -rf \"$T\" && "
		     "mkdir \"$T\" || die\n");
	for (size_t i = 0; i < rq->nfiles; i++) {
		const struct deploy_file *f = &rq->files[i];
		script_mkdirs(&b, f->name);
		buf_puts(&b, "base64 -d > \"$T\"/");
		buf_quote(&b, f->name);
		buf_puts(&b, " <<'INFRAC_EOF' || die\n");
		buf_base64_heredoc(&b, f->data, f->len);
		buf_printf(&b, "chmod %o \"$T\"/", f->mode);
		buf_quote(&b, f->name);
		buf_puts(&b, " || die\n");
	}
	/* the values only ever exist on the server inside this file */
	struct buf env = { 0 };
	for (size_t i = 0; i < rq->nenv; i++)
		buf_printf(&env, "%s='%s'\n", rq->env[i].name, rq->env[i].value);
	buf_puts(&b, "(umask 077 && base64 -d > \"$T/.env\" <<'INFRAC_EOF'\n");
	buf_base64_heredoc(&b, (const unsigned char *)env.s, env.len);
	buf_puts(&b, ") && chmod 600 \"$T/.env\" || die\n");
	if (env.s)
		memset(env.s, 0, env.len);
	free(env.s);
	buf_puts(&b, script_steps_pull);
	return buf_take(&b);
}

/* ---- redaction ------------------------------------------------------------- */

char *deploy_redact(char *s, const struct deploy_env *env, size_t nenv)
{
	for (size_t i = 0; s && i < nenv; i++) {
		const char *v = env[i].value;
		size_t vn = v ? strlen(v) : 0;
		if (!vn || !strstr(s, v))
			continue;
		struct buf b = { 0 };
		const char *p = s, *hit;
		while ((hit = strstr(p, v))) {
			buf_add(&b, p, (size_t)(hit - p));
			buf_puts(&b, REDACTED);
			p = hit + vn;
		}
		buf_puts(&b, p);
		free(s);
		s = buf_take(&b);
	}
	return s;
}

/* ---- running ssh ----------------------------------------------------------- */

static bool make_nonce(char out[17])
{
	unsigned char r[8];
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		return false;
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	return true;
}

/* KEY="PATH" with % doubled: ssh splits these options at blanks and
 * expands %-tokens in them.  deploy_release refuses paths with '"'. */
static void ssh_path_option(char *out, size_t outsz, const char *key, const char *path)
{
	struct buf b = { 0 };
	buf_printf(&b, "%s=\"", key);
	for (const char *p = path; *p; p++)
		buf_add(&b, *p == '%' ? "%%" : p, *p == '%' ? 2 : 1);
	buf_puts(&b, "\"");
	snprintf(out, outsz, "%s", b.s);
	free(b.s);
}

/* Tells rq->on_step of each "@@NONCE step NAME" line that arrived
 * whole since the last call; *scanned is how far out was read. */
static void tell_steps(const struct deploy_request *rq, const char *nonce, const struct buf *out,
		       size_t *scanned)
{
	char tag[32];
	size_t tn = (size_t)snprintf(tag, sizeof tag, "@@%s step ", nonce);
	for (;;) {
		const char *line = out->s + *scanned;
		const char *nl = memchr(line, '\n', out->len - *scanned);
		if (!nl)
			return;
		size_t n = (size_t)(nl - line);
		if (n > tn && n - tn < 16 && !strncmp(line, tag, tn)) {
			char step[16];
			snprintf(step, sizeof step, "%.*s", (int)(n - tn), line + tn);
			rq->on_step(rq->step_ctx, step);
		}
		*scanned += n + 1;
	}
}

/* Writes script to ssh's stdin while collecting its stdout and stderr
 * (one pipe, in order).  Returns ssh's exit status, or -1; stops ssh
 * after `seconds` and sets *timed_out. */
static int run_ssh(const struct deploy_target *t, const struct deploy_request *rq,
		   const char *nonce, const char *script, char **envp, int seconds,
		   struct buf *out, bool *timed_out)
{
	size_t scanned = 0;
	char port[16], hostkey[64], khosts[4200], ident[4200];
	snprintf(port, sizeof port, "%d", t->port ? t->port : 22);
	snprintf(hostkey, sizeof hostkey, "StrictHostKeyChecking=%s",
		 t->accept_new ? "accept-new" : "yes");
	ssh_path_option(khosts, sizeof khosts, "UserKnownHostsFile", t->known_hosts);
	ssh_path_option(ident, sizeof ident, "IdentityFile", t->identity);
	const char *argv[] = {
		"ssh", "-F", "none", "-T", "-p", port, "-l", t->user,
		"-o", "BatchMode=yes", "-o", "ConnectTimeout=15",
		"-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4",
		"-o", hostkey, "-o", khosts, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "CheckHostIP=no", "-o", "HashKnownHosts=no", "-o", "UpdateHostKeys=no",
		"-o", "IdentitiesOnly=yes", "-o", ident, "-o", "LogLevel=ERROR",
		"--", t->host, "sh -s", NULL,
	};
	int in[2], outp[2];
	/* a socket rather than a pipe, so a write after ssh died is an
	 * error (MSG_NOSIGNAL) instead of SIGPIPE */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0)
		return -1;
	if (pipe2(outp, O_CLOEXEC) < 0) {
		close(in[0]), close(in[1]);
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(in[0]), close(in[1]), close(outp[0]), close(outp[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(in[1], 0);
		dup2(outp[1], 1);
		dup2(outp[1], 2);
		execvpe("ssh", (char *const *)argv, envp);
		dprintf(2, "cannot run ssh: %s\n", strerror(errno));
		_exit(255);
	}
	close(in[1]);
	close(outp[1]);
	size_t off = 0, len = strlen(script);
	struct pollfd fds[2] = { { outp[0], POLLIN, 0 }, { in[0], POLLOUT, 0 } };
	long long end = clock_mono_ms() + (long long)seconds * 1000;
	for (;;) {
		nfds_t nfds = fds[1].fd >= 0 ? 2 : 1;
		long long left = end - clock_mono_ms();
		int pr = left > 0 ? poll(fds, nfds, left > 60000 ? 60000 : (int)left) : 0;
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			break;
		if (pr == 0) {
			if (clock_mono_ms() < end)
				continue;
			*timed_out = true;
			kill(pid, SIGTERM);
			break;
		}
		if (nfds == 2 && fds[1].revents) {
			ssize_t w = send(in[0], script + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w > 0)
				off += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || off == len) {
				close(in[0]);
				fds[1].fd = -1;
			}
		}
		if (fds[0].revents) {
			char chunk[4096];
			ssize_t r = read(outp[0], chunk, sizeof chunk);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			buf_add(out, chunk, (size_t)r);
			if (rq->on_step)
				tell_steps(rq, nonce, out, &scanned);
		}
	}
	if (fds[1].fd >= 0)
		close(in[0]);
	close(outp[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- reading the progress lines ------------------------------------------- */

static const char *const step_names[] = {
	[DEPLOY_STEP_NONE] = "none",     [DEPLOY_STEP_REQUEST] = "request",
	[DEPLOY_STEP_CONNECT] = "connect", [DEPLOY_STEP_UPLOAD] = "upload",
	[DEPLOY_STEP_PULL] = "pull",     [DEPLOY_STEP_SWITCH] = "switch",
	[DEPLOY_STEP_UP] = "up",         [DEPLOY_STEP_RELOAD] = "reload",
	[DEPLOY_STEP_HEALTH] = "health", [DEPLOY_STEP_DOMAINS] = "domains",
};

const char *deploy_step_name(enum deploy_step s)
{
	return (size_t)s < sizeof step_names / sizeof *step_names ? step_names[s] : "?";
}

static enum deploy_step step_from_name(const char *s, size_t n)
{
	for (size_t i = DEPLOY_STEP_UPLOAD; i < sizeof step_names / sizeof *step_names; i++)
		if (strlen(step_names[i]) == n && !strncmp(step_names[i], s, n))
			return (enum deploy_step)i;
	return DEPLOY_STEP_NONE;
}

/* The last TAIL_LINES lines of s[0..n). */
static void add_tail(struct buf *b, const char *s, size_t n)
{
	while (n && s[n - 1] == '\n')
		n--;
	size_t start = n, lines = 0;
	while (start > 0 && lines < TAIL_LINES)
		if (s[--start] == '\n' && ++lines == TAIL_LINES)
			start++;
	for (size_t i = start; i < n;) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) : n;
		buf_puts(b, "  | ");
		buf_add(b, s + i, e - i);
		buf_puts(b, "\n");
		i = e + 1;
	}
}

struct progress {
	bool begun, ok, norollback, rollbackfailed;
	enum deploy_step failed;
	char step[16];           /* the last step begun */
	char *previous;
	/* output of the failed step, or of everything when none failed */
	struct buf failed_out;
	struct buf rollback_out;
};

static void read_progress(const char *out, const char *nonce, struct progress *pr)
{
	char tag[24];
	size_t tn = (size_t)snprintf(tag, sizeof tag, "@@%s ", nonce);
	struct buf cur = { 0 };
	bool in_rollback = false;
	for (const char *line = out; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		if (n >= tn && !strncmp(line, tag, tn)) {
			const char *w = line + tn;
			size_t wn = n - tn;
			const char *arg = memchr(w, ' ', wn);
			size_t kn = arg ? (size_t)(arg - w) : wn;
			size_t an = arg ? wn - kn - 1 : 0;
			arg = arg ? arg + 1 : w + wn;
#define IS(k) (kn == strlen(k) && !strncmp(w, k, kn))
			if (IS("begin")) {
				pr->begun = true;
			} else if (IS("step")) {
				in_rollback = an == 8 && !strncmp(arg, "rollback", 8);
				snprintf(pr->step, sizeof pr->step, "%.*s", (int)an, arg);
				if (!pr->failed)
					cur.len = 0;
			} else if (IS("failed")) {
				pr->failed = step_from_name(arg, an);
				if (!pr->failed)
					pr->failed = DEPLOY_STEP_UPLOAD;
				buf_add(&pr->failed_out, cur.s ? cur.s : "", cur.len);
			} else if (IS("previous") && an) {
				free(pr->previous);
				pr->previous = strndup(arg, an);
			} else if (IS("ok")) {
				pr->ok = true;
			} else if (IS("norollback")) {
				pr->norollback = true;
			} else if (IS("rollbackfailed")) {
				pr->rollbackfailed = true;
			}
#undef IS
		} else {
			struct buf *to = in_rollback ? &pr->rollback_out : &cur;
			buf_add(to, line, n);
			buf_puts(to, "\n");
		}
		line = nl ? nl + 1 : NULL;
	}
	if (!pr->failed && !pr->ok)
		buf_add(&pr->failed_out, cur.s ? cur.s : "", cur.len);
	free(cur.s);
}

static void result_message(const struct deploy_target *t, const struct deploy_request *rq,
			   int rc, int timed_out_after, struct progress *pr, struct deploy_result *res)
{
	struct buf m = { 0 };
	if (timed_out_after) {
		res->failed = DEPLOY_STEP_CONNECT;
		buf_printf(&m, "the deploy of release %s to %s did not finish within %d s and "
			       "was stopped during step %s; rerun to converge\n", rq->release,
			   t->host, timed_out_after, pr->step[0] ? pr->step : "connect");
	} else if (!pr->begun) {
		res->failed = DEPLOY_STEP_CONNECT;
		buf_printf(&m, "cannot reach %s@%s port %d over ssh (exit status %d); "
			       "nothing changed on the server\n",
			   t->user, t->host, t->port ? t->port : 22, rc);
	} else if (!pr->failed) {
		/* the connection ended before the script said how it went */
		res->failed = DEPLOY_STEP_CONNECT;
		buf_printf(&m, "the connection to %s ended during the deploy of release %s "
			       "(exit status %d); rerun to converge\n", t->host, rq->release, rc);
	} else {
		res->failed = pr->failed;
		buf_printf(&m, "deploy of release %s to %s failed at step %s; ",
			   rq->release, t->host, deploy_step_name(pr->failed));
		if (pr->failed <= DEPLOY_STEP_PULL)
			buf_puts(&m, "the running release was not touched\n");
		else if (pr->rollbackfailed)
			buf_printf(&m, "switching back to release %s FAILED as well\n",
				   pr->previous ? pr->previous : "?");
		else if (pr->norollback || !pr->previous)
			buf_puts(&m, "there is no previous release to switch back to\n");
		else
			buf_printf(&m, "switched back to release %s\n", pr->previous);
	}
	res->rolled_back = !timed_out_after && pr->failed > DEPLOY_STEP_PULL && !pr->rollbackfailed &&
			   !pr->norollback && pr->previous;
	if (pr->failed_out.len) {
		buf_printf(&m, "output of %s (last lines):\n",
			   !pr->begun ? "ssh" : timed_out_after ? pr->step : deploy_step_name(res->failed));
		add_tail(&m, pr->failed_out.s, pr->failed_out.len);
	}
	if (pr->rollbackfailed && pr->rollback_out.len) {
		buf_puts(&m, "output of the switch back (last lines):\n");
		add_tail(&m, pr->rollback_out.s, pr->rollback_out.len);
	}
	res->message = deploy_redact(buf_take(&m), rq->env, rq->nenv);
}

extern char **environ;

/* The variables ssh is given; nothing else of infrac's environment, which
 * holds the secrets and the API token: a process's environment can be
 * read by its user (/proc/PID/environ) for as long as it runs. */
static const char *const ssh_keep_env[] = {
	"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR",
	"SSH_AUTH_SOCK", "XDG_RUNTIME_DIR",
};

static char **ssh_environment(void)
{
	size_t nkeep = sizeof ssh_keep_env / sizeof *ssh_keep_env, k = 0;
	char **envp = calloc(nkeep + 1, sizeof *envp);
	if (!envp) {
		fputs("infrac: out of memory\n", stderr);
		exit(1);
	}
	for (char **e = environ; *e && k < nkeep; e++) {
		const char *eq = strchr(*e, '=');
		for (size_t i = 0; eq && i < nkeep; i++)
			if (strlen(ssh_keep_env[i]) == (size_t)(eq - *e) &&
			    !strncmp(*e, ssh_keep_env[i], (size_t)(eq - *e)))
				envp[k++] = *e;
	}
	return envp;
}

/* What is wrong with the target, or NULL.  ssh records a new host key
 * only with a warning when it cannot write the file, and the next deploy
 * would then refuse the server: that fails here, before connecting. */
static char *target_error(const struct deploy_target *t)
{
	if (!t->host || !t->host[0] || t->host[0] == '-' || !t->user || !t->user[0] ||
	    t->user[0] == '-' || !t->identity || !t->known_hosts || strchr(t->identity, '"') ||
	    strchr(t->known_hosts, '"') || strlen(t->identity) > 2000 ||
	    strlen(t->known_hosts) > 2000)
		return strdup("the target needs a host, a user, an identity file and a "
			      "known_hosts file (paths without '\"')");
	if (!t->accept_new)
		return NULL;
	int fd = open(t->known_hosts, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
		return NULL;
	}
	struct buf b = { 0 };
	buf_printf(&b, "cannot write the known_hosts file %s: %s", t->known_hosts,
		   strerror(errno));
	return buf_take(&b);
}

bool deploy_release(const struct deploy_target *t, const struct deploy_request *rq,
		    struct deploy_result *res)
{
	*res = (struct deploy_result){ 0 };
	char nonce[17];
	char *err = target_error(t);
	char *script = NULL;
	if (!err && !make_nonce(nonce))
		err = strdup("cannot read random bytes");
	if (!err)
		script = deploy_script(rq, getenv("INFRAC_REMOTE_ROOT"), nonce, &err);
	if (!script) {
		res->failed = DEPLOY_STEP_REQUEST;
		res->message = err;
		return false;
	}
	struct buf out = { 0 };
	bool timed_out = false;
	int timeout = rq->timeout ? rq->timeout : DEFAULT_TIMEOUT;
	char **envp = ssh_environment();
	int rc = run_ssh(t, rq, nonce, script, envp, timeout, &out, &timed_out);
	free(envp);
	memset(script, 0, strlen(script));
	free(script);

	struct progress pr = { 0 };
	read_progress(out.s ? out.s : "", nonce, &pr);
	free(out.s);
	bool ok = pr.ok && rc == 0 && !pr.failed;
	if (!ok)
		result_message(t, rq, rc, timed_out ? timeout : 0, &pr, res);
	res->previous = pr.previous;
	free(pr.failed_out.s);
	free(pr.rollback_out.s);
	return ok;
}

void deploy_result_free(struct deploy_result *res)
{
	free(res->previous);
	free(res->message);
	*res = (struct deploy_result){ 0 };
}

/* ---- secrets --------------------------------------------------------------- */

static int env_cmp(const void *a, const void *b)
{
	return strcmp(((const struct deploy_env *)a)->name, ((const struct deploy_env *)b)->name);
}

bool deploy_secrets(struct arena *a, const struct mdl_placement *pl, struct deploy_env **env,
		    size_t *nenv, const char **error)
{
	size_t cap = 0, n = 0;
	for (size_t i = 0; i < pl->nservices; i++)
		cap += pl->services[i]->nenv;
	struct deploy_env *e = arena_calloc(a, cap ? cap : 1, sizeof *e);
	for (size_t i = 0; i < pl->nservices; i++) {
		const struct mdl_service *svc = pl->services[i];
		for (size_t j = 0; j < svc->nenv; j++)
			if (svc->env[j].kind == MDL_ENV_SECRET)
				e[n++].name = svc->env[j].value;
	}
	qsort(e, n, sizeof *e, env_cmp);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (!u || strcmp(e[u - 1].name, e[i].name))
			e[u++] = e[i];
	struct buf missing = { 0 }, bad = { 0 };
	for (size_t i = 0; i < u; i++) {
		const char *v = getenv(e[i].name);
		if (!v || !v[0]) {
			buf_printf(&missing, "%s%s", missing.len ? ", " : "", e[i].name);
		} else if (!valid_env_value(v)) {
			buf_printf(&bad, "%s%s", bad.len ? ", " : "", e[i].name);
		} else {
			e[i].value = arena_strdup(a, v);
		}
	}
	*env = e;
	*nenv = u;
	*error = NULL;
	if (missing.len || bad.len) {
		const char *srv = pl->server->name;
		if (missing.len && bad.len)
			*error = arena_printf(a, "secrets for server %s not set in the environment: "
					      "%s; and holding a quote or a line break: %s",
					      srv, missing.s, bad.s);
		else if (missing.len)
			*error = arena_printf(a, "secrets for server %s not set in the "
					      "environment: %s", srv, missing.s);
		else
			*error = arena_printf(a, "secrets for server %s hold a quote or a line "
					      "break, which .env cannot hold: %s", srv, bad.s);
	}
	free(missing.s);
	free(bad.s);
	return *error == NULL;
}
