/*
 * deploy: runs ssh with the remote script (script.h) on its stdin and
 * reads the progress lines back.  See deploy.h for the steps and the
 * contract.
 */
#include "deploy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "progress.h"
#include "script.h"
#include "xalloc.h"

#define DEPLOY_TIMEOUT 3600
#define DEPLOY_REDACTED "[redacted]"

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
		strbuf_addf(&m, "%s release %s %s %s failed at step %s; ",
			    rq->kept ? "rollback to" : "deploy of", rq->release,
			    rq->kept ? "on" : "to", t->host, progress_step_name(pr->failed));
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

/* The test knobs: a root elsewhere keeps the units and the keys there too,
 * unless they are pointed elsewhere themselves. */
static void deploy_paths(struct script_paths *p, struct strbuf *units, struct strbuf *keys)
{
	const char *root = getenv("INFRAC_REMOTE_ROOT");
	p->root = root && *root ? root : NULL;
	p->units = getenv("INFRAC_REMOTE_UNITS");
	p->authorized_keys = getenv("INFRAC_REMOTE_AUTHORIZED_KEYS");
	if (p->root && !(p->units && *p->units)) {
		strbuf_addf(units, "%s/systemd", p->root);
		p->units = units->buf;
	}
	if (p->root && !(p->authorized_keys && *p->authorized_keys)) {
		strbuf_addf(keys, "%s/authorized_keys", p->root);
		p->authorized_keys = keys->buf;
	}
}

bool deploy_release(const struct ssh_target *t, const struct deploy_request *rq,
		    struct deploy_result *res, struct error *err)
{
	*res = (struct deploy_result){ 0 };
	char nonce[17];
	char *script = NULL;
	struct script_paths paths;
	struct strbuf units = STRBUF_INIT, keys = STRBUF_INIT;
	deploy_paths(&paths, &units, &keys);
	if (ssh_target_check(t, err)) {
		if (!deploy_nonce(nonce))
			error_set(err, "cannot read random bytes");
		else
			script = script_build(rq, &paths, nonce, err);
	}
	strbuf_release(&units);
	strbuf_release(&keys);
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
