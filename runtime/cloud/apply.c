#include "apply.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "converge.h"
#include "secrets.h"
#include "state.h"
#include "view.h"

static const char *const apply_kind_word[] = { "ssh_key", "firewall", "network", "server",
					       "rrset" };

bool apply_check_secrets(struct arena *a, const struct plan *p, struct error *err)
{
	struct strbuf acc = STRBUF_INIT;
	for (size_t i = 0; i < p->nactions; i++) {
		const struct plan_action *x = &p->actions[i];
		if (x->kind != PLAN_SERVER || x->op == PLAN_DESTROY)
			continue;
		const struct desired_server *w = x->want;
		struct secret *env;
		size_t nenv;
		struct error e = ERROR_INIT;
		if (!secrets_resolve(a, converge_placement(p, w->server), &env, &nenv, &e))
			strbuf_addf(&acc, "%sserver %s: %s", acc.len ? "; " : "", w->server, e.msg);
		error_release(&e);
	}
	bool ok = !acc.len || error_set(err, "%s", acc.buf);
	strbuf_release(&acc);
	return ok;
}

void apply_say(struct apply_ctx *run, const char *kind, const char *name, int64_t since,
		const char *fmt, ...)
{
	char msg[1024], line[1400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (since >= 0) {
		int64_t d = clock_mono_ms() - since;
		snprintf(line, sizeof(line), "  %s %s: %s (%lld.%lld s)", kind, name, msg,
			 (long long)(d / 1000), (long long)(d % 1000 / 100));
	} else {
		snprintf(line, sizeof(line), "  %s %s: %s", kind, name, msg);
	}
	view_line(run->view, line);
}

/* "  server NAME: FAILED: what (3.2 s)", the error's text escaped. */
static void apply_say_failed(struct apply_ctx *run, const char *kind, const char *name,
			     int64_t since, const struct error *e)
{
	struct strbuf m = STRBUF_INIT;
	error_format(e, &m);
	apply_say(run, kind, name, since, "FAILED: %s", m.len ? m.buf : "error");
	strbuf_release(&m);
}

void apply_count(struct apply_ctx *run, enum plan_op op, bool ok)
{
	pthread_mutex_lock(&run->mu);
	if (!ok)
		run->r->failed++;
	else if (op == PLAN_CREATE)
		run->r->added++;
	else if (op == PLAN_UPDATE || op == PLAN_CHANGE_TYPE)
		run->r->changed++;
	else if (op == PLAN_REPLACE)
		run->r->replaced++;
	else
		run->r->destroyed++;
	pthread_mutex_unlock(&run->mu);
}

bool apply_wait(struct apply_worker *wk, const struct hc_actions *acts, struct error *e)
{
	if (!acts->n)
		return true;
	char what[96];
	size_t w = (size_t)snprintf(what, sizeof(what), "action");
	for (size_t i = 0; i < acts->n && w < sizeof(what); i++)
		w += (size_t)snprintf(what + w, sizeof(what) - w, "%s %s", i ? "," : "",
				      acts->commands[i][0] ? acts->commands[i] : "?");
	view_waiting(wk->run->view, wk->slot, what);
	bool ok = hcloud_wait_actions(&wk->c, acts, wk->run->cfg->poll_ms,
				      wk->run->cfg->action_timeout_s, e);
	view_waiting(wk->run->view, wk->slot, "");
	return ok;
}

static const char *const apply_op_done[] = { "created", "updated", "type changed", "replaced",
				       "destroyed" };

static const char *const apply_op_doing[] = { "creating", "updating", "changing type", "replacing",
					"destroying" };

/* Reports the server's own firewall once its actions are done.  ok and
 * fe: how waiting for them went (or the firewall step itself). */
void apply_firewall_done(struct apply_worker *wk, struct apply_job *j, bool ok, const struct error *fe)
{
	struct apply_ctx *run = wk->run;
	struct apply_job *f = j->fw;
	if (!f || j->fw_reported)
		return;
	j->fw_reported = true;
	f->ok = ok;
	if (ok)
		apply_say(run, "firewall", f->x->name, j->fw_t0, "%s", apply_op_done[f->x->op]);
	else
		apply_say_failed(run, "firewall", f->x->name, j->fw_t0, fe);
	apply_count(run, f->x->op, ok);
}

static bool apply_in_phase(const struct apply_ctx *run, const struct apply_job *j)
{
	return j->x->kind == run->kind && (j->x->op == PLAN_DESTROY) == run->destroys && !j->bound &&
	       j->tier == run->tier;
}

/* The server's own firewall, before the server: its actions are left
 * pending for the server's first wait.  false when it failed (then
 * reported). */
static bool apply_bound_firewall(struct apply_worker *wk, struct apply_job *j)
{
	struct apply_job *f = j->fw;
	struct error fe = ERROR_INIT;
	j->fw_t0 = clock_mono_ms();
	apply_say(wk->run, "firewall", f->x->name, -1, "%s", apply_op_doing[f->x->op]);
	if (!converge_firewall(wk, f, &j->fw_pending, &fe)) {
		apply_firewall_done(wk, j, false, &fe);
		error_release(&fe);
		return false;
	}
	if (f->id)
		j->id = f->id;
	return true;
}

/* The job's last line (done or FAILED, with its time), counted; its
 * line in the live view goes. */
static void apply_job_end(struct apply_worker *wk, struct apply_job *j, const struct error *e)
{
	struct apply_ctx *run = wk->run;
	const struct plan_action *x = j->x;
	const char *kind = apply_kind_word[x->kind];
	if (j->ok)
		apply_say(run, kind, x->name, j->t0, "%s", apply_op_done[x->op]);
	else
		apply_say_failed(run, kind, x->name, j->t0, e);
	apply_count(run, x->op, j->ok);
	view_end(run->view, wk->slot, x->kind == PLAN_SERVER && x->op != PLAN_DESTROY);
}

/* Hands a server whose API stage is done to the deploy workers; false
 * when there are none (the caller deploys it). */
static bool apply_deploy_enqueue(struct apply_worker *wk, struct apply_job *j)
{
	struct apply_ctx *run = wk->run;
	if (!run->deployers)
		return false;
	view_waiting(run->view, wk->slot, "a free deploy slot");
	pthread_mutex_lock(&run->mu);
	run->queue[run->qtail++] = j;
	pthread_cond_signal(&run->cv);
	pthread_mutex_unlock(&run->mu);
	return true;
}

static void apply_run_job(struct apply_worker *wk, struct apply_job *j)
{
	struct apply_ctx *run = wk->run;
	const struct plan_action *x = j->x;
	const char *kind = apply_kind_word[x->kind];
	struct error e = ERROR_INIT;
	bool server = x->kind == PLAN_SERVER && x->op != PLAN_DESTROY;
	wk->slot = (int)(j - run->jobs);
	view_begin(run->view, wk->slot, kind, x->name);
	if (j->fw && !apply_bound_firewall(wk, j)) {
		/* a new server must not come up without its firewall */
		apply_say(run, kind, x->name, -1, "FAILED: its firewall %s failed", j->fw->x->name);
		apply_count(run, x->op, false);
		view_end(run->view, wk->slot, server);
		return;
	}
	j->t0 = clock_mono_ms();
	apply_say(run, kind, x->name, -1, "%s", apply_op_doing[x->op]);
	if (x->op == PLAN_DESTROY)
		j->ok = converge_destroy(wk, j, &e);
	else if (x->kind == PLAN_SSH_KEY)
		j->ok = converge_key(wk, j, &e);
	else if (x->kind == PLAN_FIREWALL)
		j->ok = converge_firewall(wk, j, NULL, &e);
	else if (x->kind == PLAN_NETWORK)
		j->ok = converge_network(wk, j, &e);
	else if (x->kind == PLAN_SERVER)
		j->ok = converge_server(wk, j, &e);
	else
		j->ok = converge_rrset(wk, j, &e);
	if (j->fw && !j->fw_reported) {
		/* the server failed before its first wait */
		struct error fe = ERROR_INIT;
		apply_firewall_done(wk, j, apply_wait(wk, &j->fw_pending, &fe), &fe);
		error_release(&fe);
	}
	if (server && j->ok) {
		/* the deploy stage finishes the server, freeing this worker for
		 * the next server's API stage; the labels alone are written here */
		if (j->deploy && apply_deploy_enqueue(wk, j))
			return;
		j->ok = converge_server_finish(wk, j, &e);
	}
	apply_job_end(wk, j, &e);
	error_release(&e);
}

/* An API worker: takes the phase's jobs in plan order until none is left. */
static void *apply_worker_main(void *arg)
{
	struct apply_worker *wk = arg;
	struct apply_ctx *run = wk->run;
	for (;;) {
		pthread_mutex_lock(&run->mu);
		while (run->next < run->njobs && !apply_in_phase(run, &run->jobs[run->next]))
			run->next++;
		size_t i = run->next < run->njobs ? run->next++ : run->njobs;
		if (i == run->njobs) {
			/* the deploy workers stop once no worker can feed them */
			run->feeders--;
			pthread_cond_broadcast(&run->cv);
		}
		pthread_mutex_unlock(&run->mu);
		if (i == run->njobs)
			return NULL;
		apply_run_job(wk, &run->jobs[i]);
	}
}

/* A deploy worker: deploys the servers of the queue and labels them,
 * until the queue is empty and no worker can add to it. */
static void *apply_deployer_main(void *arg)
{
	struct apply_worker *wk = arg;
	struct apply_ctx *run = wk->run;
	for (;;) {
		pthread_mutex_lock(&run->mu);
		while (run->qhead == run->qtail && run->feeders > 0)
			pthread_cond_wait(&run->cv, &run->mu);
		struct apply_job *j = run->qhead < run->qtail ? run->queue[run->qhead++] : NULL;
		pthread_mutex_unlock(&run->mu);
		if (!j)
			return NULL;
		wk->slot = (int)(j - run->jobs);
		view_waiting(run->view, wk->slot, "");
		struct error e = ERROR_INIT;
		j->ok = converge_server_finish(wk, j, &e);
		apply_job_end(wk, j, &e);
		error_release(&e);
	}
}

/* Runs the jobs of one phase on up to parallelism threads, and for the
 * servers up to parallelism deploy threads besides; true when every one
 * succeeded. */
static bool apply_run_phase(struct apply_ctx *run, enum plan_kind kind, bool destroys)
{
	const struct apply_config *cfg = run->cfg;
	run->kind = kind;
	run->destroys = destroys;
	run->next = 0;
	run->qhead = run->qtail = 0;
	size_t todo = 0;
	for (size_t i = 0; i < run->njobs; i++)
		todo += apply_in_phase(run, &run->jobs[i]);
	size_t n = cfg->parallelism < 1 ? 1 : (size_t)cfg->parallelism;
	if (n > todo)
		n = todo;
	if (!n)
		return true;
	/* as many deploy workers as API workers: the servers' two stages
	 * take turns, each bounded by parallelism */
	size_t m = kind == PLAN_SERVER && !destroys ? n : 0;
	struct apply_worker *wk = calloc(n + m, sizeof(*wk));
	pthread_t *th = calloc(n + m, sizeof(*th));
	if (!wk || !th) {
		free(wk), free(th);
		return false;
	}
	/* one client per worker, made before any thread runs; the phase
	 * goes on with the workers whose client could be made and reports
	 * failure */
	size_t made = 0;
	for (; made < n + m; made++) {
		struct error err = ERROR_INIT;
		wk[made].run = run;
		if (!http_client_init(&wk[made].c, cfg->endpoint, cfg->token, &err)) {
			struct strbuf msg = STRBUF_INIT;
			error_format(&err, &msg);
			fprintf(cfg->out, "infrac apply: error: %s\n", msg.buf);
			strbuf_release(&msg);
			error_release(&err);
			break;
		}
		arena_init(&wk[made].a);
		wk[made].c.retry = cfg->hc->retry;
		wk[made].c.trace = cfg->trace;
	}
	size_t ns = made < n ? made : n, nd = made - ns;
	/* deploy workers first: an API worker deploys itself when none runs */
	run->feeders = (int)ns;
	size_t sd = 0;
	for (; sd < nd; sd++)
		if (pthread_create(&th[ns + sd], NULL, apply_deployer_main, &wk[ns + sd]))
			break;
	run->deployers = (int)sd;
	size_t ss = 0;
	for (; ss < ns; ss++)
		if (pthread_create(&th[ss], NULL, apply_worker_main, &wk[ss]))
			break;
	pthread_mutex_lock(&run->mu);
	run->feeders -= (int)(ns - ss);
	if (!ss && ns)
		run->feeders = 1; /* this thread runs the API stage */
	pthread_cond_broadcast(&run->cv);
	pthread_mutex_unlock(&run->mu);
	if (!ss && ns)
		apply_worker_main(&wk[0]);
	for (size_t i = 0; i < ss; i++)
		pthread_join(th[i], NULL);
	for (size_t i = 0; i < sd; i++)
		pthread_join(th[ns + i], NULL);
	bool ok = made == n + m;
	for (size_t i = 0; i < made; i++) {
		cfg->hc->requests += wk[i].c.requests;
		http_client_release(&wk[i].c);
		arena_release(&wk[i].a);
	}
	free(wk);
	free(th);
	for (size_t i = 0; i < run->njobs; i++)
		if (apply_in_phase(run, &run->jobs[i]))
			ok = ok && run->jobs[i].ok;
	return ok;
}

static int64_t apply_firewall_id(const struct state *s, const char *name)
{
	for (size_t i = 0; i < s->nfirewalls + s->nother_firewalls; i++) {
		const struct hc_firewall *f = i < s->nfirewalls ? &s->firewalls[i]
								: &s->other_firewalls[i - s->nfirewalls];
		if (!strcmp(f->name, name))
			return f->id;
	}
	return 0;
}

/* Does server a run a service that needs one on server b (by the network)? */
static bool apply_needs_server(const struct plan *p, const char *a, const char *b)
{
	const struct mdl_placement *pa = converge_placement(p, a), *pb = converge_placement(p, b);
	for (size_t i = 0; pa && pb && pa != pb && i < pa->nservices; i++)
		for (size_t n = 0; n < pa->services[i]->nneeds; n++)
			if (model_remote(p->want->phase, pa, pa->services[i]->needs[n]) == pb)
				return true;
	return false;
}

/* Does b's deploy bring a service's data over from server a?  Then a,
 * whose deploy drops the service, waits for it: should the move fail, a
 * still records the service and the next plan moves it again. */
static bool apply_moves_from(const struct plan_action *b, const char *a)
{
	for (size_t i = 0; i < b->nmoves; i++)
		if (!strcmp(b->moves[i].from, a))
			return true;
	return false;
}

/*
 * Deploy order across servers: a server is deployed after the servers
 * that run what its services need, and after those its services' data
 * moves to.  Its tier is one more than theirs;
 * each tier is a step of its own.  Bounded by the number of servers (a
 * cycle between servers leaves the order within it as the plan's).
 * Returns the highest tier.
 */
static int apply_server_tiers(struct apply_ctx *run)
{
	int top = 0;
	for (size_t round = 0; round < run->njobs; round++) {
		bool moved = false;
		for (size_t i = 0; i < run->njobs; i++) {
			struct apply_job *a = &run->jobs[i];
			for (size_t k = 0; a->x->kind == PLAN_SERVER && a->x->op != PLAN_DESTROY &&
					   k < run->njobs; k++) {
				const struct apply_job *b = &run->jobs[k];
				if (b->x->kind != PLAN_SERVER || b->x->op == PLAN_DESTROY ||
				    a->tier > b->tier ||
				    !(apply_needs_server(run->p, ((const struct desired_server *)a->x->want)->server,
							 ((const struct desired_server *)b->x->want)->server) ||
				      apply_moves_from(b->x, a->x->name)))
					continue;
				a->tier = b->tier + 1;
				top = a->tier > top ? a->tier : top;
				moved = true;
			}
		}
		if (!moved)
			break;
	}
	return top;
}

/* The id of the phase's network: made by this apply, else found. */
static int64_t apply_network_id(const struct apply_ctx *run)
{
	const struct desired_network *w = run->p->want->network;
	if (!w)
		return 0;
	for (size_t i = 0; i < run->njobs; i++)
		if (run->jobs[i].x->kind == PLAN_NETWORK && run->jobs[i].x->op != PLAN_DESTROY)
			return run->jobs[i].ok ? run->jobs[i].id : 0;
	const struct state *s = run->p->state;
	for (size_t i = 0; i < s->nnetworks; i++)
		if (!strcmp(s->networks[i].name, w->name))
			return s->networks[i].id;
	return 0;
}

bool apply_run(const struct plan *p, const struct apply_config *cfg, struct apply_result *r)
{
	memset(r, 0, sizeof(*r));
	struct apply_ctx run = { .p = p, .cfg = cfg, .r = r };
	run.njobs = p->nactions;
	run.jobs = calloc(p->nactions + 1, sizeof(*run.jobs));
	run.queue = calloc(p->nactions + 1, sizeof(*run.queue));
	if (!run.jobs || !run.queue) {
		free(run.jobs), free(run.queue);
		return false;
	}
	pthread_mutex_init(&run.mu, NULL);
	pthread_cond_init(&run.cv, NULL);
	int servers = 0;
	for (size_t i = 0; i < p->nactions; i++) {
		run.jobs[i].x = &p->actions[i];
		servers += p->actions[i].kind == PLAN_SERVER && p->actions[i].op != PLAN_DESTROY;
	}
	/* a line of the live view per job: a server keeps its line from its
	 * firewall to its labels, across the two stages */
	run.view = view_open(cfg->out, cfg->live, (int)run.njobs, servers, cfg->bold);
	if (!run.view) {
		free(run.jobs), free(run.queue);
		pthread_mutex_destroy(&run.mu);
		pthread_cond_destroy(&run.cv);
		return false;
	}
	/* a server's firewall goes with it, on the same worker, just before it */
	for (size_t i = 0; i < run.njobs; i++) {
		struct apply_job *j = &run.jobs[i];
		if (j->x->kind != PLAN_SERVER || j->x->op == PLAN_DESTROY)
			continue;
		const struct desired_server *w = j->x->want;
		for (size_t k = 0; k < run.njobs; k++) {
			struct apply_job *f = &run.jobs[k];
			if (f->x->kind == PLAN_FIREWALL && f->x->op != PLAN_DESTROY &&
			    !strcmp(f->x->name, w->firewall)) {
				j->fw = f;
				f->bound = true;
				f->server_new = j->x->op == PLAN_CREATE || j->x->op == PLAN_REPLACE;
			}
		}
	}
	/* keys first, and the firewalls of no server in the plan: a new
	 * server names them */
	bool ok = apply_run_phase(&run, PLAN_SSH_KEY, false) && apply_run_phase(&run, PLAN_FIREWALL, false);
	for (size_t i = 0; ok && i < run.njobs; i++) {
		struct apply_job *j = &run.jobs[i];
		if (j->x->kind != PLAN_SERVER || j->x->op == PLAN_DESTROY)
			continue;
		const struct desired_server *w = j->x->want;
		j->id = apply_firewall_id(p->state, w->firewall);
		for (size_t k = 0; k < run.njobs; k++)
			if (run.jobs[k].x->kind == PLAN_FIREWALL && run.jobs[k].x->op != PLAN_DESTROY &&
			    !strcmp(run.jobs[k].x->name, w->firewall) && run.jobs[k].id)
				j->id = run.jobs[k].id;
	}
	/* the network before the servers, which are attached to it before
	 * their deploy */
	ok = ok && apply_run_phase(&run, PLAN_NETWORK, false);
	run.network_id = apply_network_id(&run);
	/* then the servers, and the DNS records once they have addresses;
	 * destroys last, servers first so that their firewalls are free, a
	 * network after them (its servers detached first) */
	int top = apply_server_tiers(&run);
	for (run.tier = 0; ok && run.tier <= top; run.tier++)
		ok = apply_run_phase(&run, PLAN_SERVER, false);
	run.tier = 0;
	ok = ok && apply_run_phase(&run, PLAN_RRSET, false);
	ok = ok && apply_run_phase(&run, PLAN_SERVER, true) && apply_run_phase(&run, PLAN_RRSET, true) &&
	     apply_run_phase(&run, PLAN_NETWORK, true) && apply_run_phase(&run, PLAN_FIREWALL, true) &&
	     apply_run_phase(&run, PLAN_SSH_KEY, true);
	view_close(run.view);
	free(run.jobs);
	free(run.queue);
	pthread_mutex_destroy(&run.mu);
	pthread_cond_destroy(&run.cv);
	return ok;
}
