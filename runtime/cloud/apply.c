#include "apply.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "state.h"
#include "view.h"

/* ---- shared run state ---------------------------------------------------- */

/* One action of the plan, carried out by a worker. */
struct job {
	const struct plan_action *x;
	int64_t id;                  /* firewalls: the id it has; servers: the
				      * firewall to attach on create (0 = none) */
	char ip[64];                 /* servers: the address */
	bool ok;
	/* A server's own firewall, carried out by the server's worker just
	 * before the server (bound then), so that no slot idles between the
	 * two; its actions are waited for with the server's first ones. */
	struct job *fw;
	bool bound;
	bool server_new;             /* bound firewall: its server is created */
	struct hc_actions fw_pending; /* the firewall's actions not waited for yet */
	bool fw_reported;
	int64_t fw_t0;
	int64_t t0;                  /* when it started (its firewall done) */
	/* servers: what the API stage leaves to the deploy stage */
	int64_t sid;                 /* the server's id */
	bool deploy;                 /* its artefacts label differs: deploy */
	bool accept_new;             /* a new host key may be recorded */
};

struct run {
	const struct plan *p;
	const struct apply_config *cfg;
	struct apply_result *r;
	pthread_mutex_t mu;          /* out, r, next, the deploy queue */
	struct job *jobs;            /* every action, in plan order */
	size_t njobs;
	/* the phase running: its jobs are those of kind and destroy or not */
	enum plan_kind kind;
	bool destroys;
	size_t next;
	struct view *view;           /* all output goes through it; a slot per job */
	/* The deploy queue of the server phase: servers whose API stage is
	 * done, in the order it finished, for the deploy workers.  feeders:
	 * the workers that may still add to it; deployers: the deploy
	 * workers running (none: each worker deploys its own servers). */
	pthread_cond_t cv;
	struct job **queue;
	size_t qhead, qtail;
	int feeders, deployers;
};

/* A thread of the pool: its own client (a curl handle is not
 * thread-safe) and arena. */
struct worker {
	struct run *run;
	struct http_client c;
	struct arena a;
	int slot;                    /* the live view's line of its job (the job's index) */
};

static const char *const kind_word[] = { "ssh_key", "firewall", "server", "rrset" };

/* One progress line: "  server becker-main: created (3.2 s)". */
static void say(struct run *run, const char *kind, const char *name, int64_t since,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void say(struct run *run, const char *kind, const char *name, int64_t since,
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

static void count(struct run *run, enum plan_op op, bool ok)
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

static bool wait_acts(struct worker *wk, const struct hc_actions *acts, struct hc_error *e)
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

/* ---- labels ---------------------------------------------------------------- */

static void labels2(struct hc_labels *l, const char **k, const char **v, const char *k1,
		    const char *v1, const char *k2, const char *v2)
{
	/* hc_labels is kept sorted by key */
	bool swap = strcmp(k1, k2) > 0;
	k[0] = swap ? k2 : k1, v[0] = swap ? v2 : v1;
	k[1] = swap ? k1 : k2, v[1] = swap ? v1 : v2;
	l->keys = k, l->vals = v, l->n = 2;
}

/* The server's labels; artefacts NULL leaves that label out (not deployed yet). */
static void server_labels(const char *project, const struct plan_want_server *w,
			  const char *artefacts, struct hc_labels *l, const char **k,
			  const char **v)
{
	size_t n = 0;
	if (artefacts)
		k[n] = STATE_LABEL_ARTEFACTS, v[n++] = artefacts;
	k[n] = STATE_LABEL_PROJECT, v[n++] = project;
	k[n] = STATE_LABEL_SERVER, v[n++] = w->server;
	k[n] = STATE_LABEL_SSH_KEYS, v[n++] = w->keys_hash;
	l->keys = k, l->vals = v, l->n = n;
}

/* ---- secrets -------------------------------------------------------------- */

static const struct mdl_placement *placement_of(const struct plan *p, const char *server)
{
	const struct mdl_phase *ph = p->want->phase;
	for (size_t i = 0; i < ph->nplacements; i++)
		if (!strcmp(ph->placements[i].server->name, server))
			return &ph->placements[i];
	return NULL;
}

bool apply_check_secrets(struct arena *a, const struct plan *p, const char **error)
{
	const char *acc = NULL;
	for (size_t i = 0; i < p->nactions; i++) {
		const struct plan_action *x = &p->actions[i];
		if (x->kind != PLAN_SERVER || x->op == PLAN_DESTROY)
			continue;
		const struct plan_want_server *w = x->want;
		struct deploy_env *env;
		size_t nenv;
		const char *err;
		if (!deploy_secrets(a, placement_of(p, w->server), &env, &nenv, &err))
			acc = acc ? arena_printf(a, "%s; server %s: %s", acc, w->server, err)
				  : arena_printf(a, "server %s: %s", w->server, err);
	}
	*error = acc;
	return !acc;
}

/* ---- ssh keys and firewalls ---------------------------------------------- */

/*
 * The id of the resource called name (path "/ssh_keys", key "ssh_keys"),
 * 0 when there is none, -1 with e set when the lookup failed.  Asked
 * before a create and after one that failed: an interrupted apply, or a
 * lost answer, may have created it all the same.  A failed lookup after
 * a failed create keeps the create's error in e.
 */
static int64_t found_id(struct http_client *c, const char *path, const char *key,
			const char *name, struct hc_error *e)
{
	json_object *item, *id;
	struct hc_error le;
	if (!hcloud_find_name(c, path, key, name, &item, &le)) {
		if (!e->message[0])
			*e = le;
		return -1;
	}
	int64_t n = item && json_object_object_get_ex(item, "id", &id) ? json_object_get_int64(id) : 0;
	if (item)
		json_object_put(item);
	return n;
}

static bool key_converge(struct worker *wk, struct job *j, struct hc_error *e)
{
	struct run *run = wk->run;
	const struct plan_action *x = j->x;
	struct http_client *c = &wk->c;
	const struct plan_want_key *w = x->want;
	const char *k[2], *v[2];
	struct hc_labels l;
	labels2(&l, k, v, STATE_LABEL_KEY, w->key, STATE_LABEL_PROJECT, run->cfg->project);
	char path[64];
	if (x->op == PLAN_UPDATE) {
		snprintf(path, sizeof(path), "/ssh_keys/%lld", (long long)x->id);
		return hcloud_update(c, path, w->name, &l, e);
	}
	if (x->op == PLAN_REPLACE) {
		snprintf(path, sizeof(path), "/ssh_keys/%lld", (long long)x->id);
		if (!hcloud_delete(c, path, NULL, e))
			return false;
	}
	struct hc_ssh_key got;
	int64_t id = found_id(c, "/ssh_keys", "ssh_keys", w->name, e);
	if (!id && hcloud_create_ssh_key(c, &wk->a, w->name, w->public_key, &l, &got, e))
		return true;
	if (!id)
		id = found_id(c, "/ssh_keys", "ssh_keys", w->name, e);
	if (id <= 0)
		return false;
	snprintf(path, sizeof(path), "/ssh_keys/%lld", (long long)id);
	return hcloud_update(c, path, NULL, &l, e);
}

/* The firewall of that name, created when missing; *id gets it.  defer
 * (may be NULL) takes the actions of a new firewall instead of waiting
 * for them: a server may name a firewall whose rules are still being
 * set. */
static bool firewall_converge(struct worker *wk, struct job *j, struct hc_actions *defer,
			      struct hc_error *e)
{
	struct run *run = wk->run;
	const struct plan_action *x = j->x;
	int64_t *id = &j->id;
	struct http_client *c = &wk->c;
	const struct plan_want_firewall *w = x->want;
	const char *k[2], *v[2];
	struct hc_labels l;
	labels2(&l, k, v, STATE_LABEL_PROJECT, run->cfg->project, STATE_LABEL_SERVER, w->server);
	struct hc_firewall fw;
	struct hc_actions acts;
	*id = x->id;
	if (x->op == PLAN_CREATE) {
		/* the plan saw no such firewall, under the lock: create at once,
		 * and look it up only when that fails (a lost answer) */
		if (hcloud_create_firewall(c, &wk->a, w->name, w->ports, w->nports, &l, &fw, &acts,
					   e)) {
			*id = fw.id;
			if (!defer)
				return wait_acts(wk, &acts, e);
			hcloud_actions_add(defer, &acts);
			return true;
		}
		*id = found_id(c, "/firewalls", "firewalls", w->name, e);
		if (*id <= 0)
			return false;
		memset(e, 0, sizeof(*e));
	}
	/* taken as found: rules, labels and the server it guards made right */
	char path[64];
	snprintf(path, sizeof(path), "/firewalls/%lld", (long long)*id);
	if (!hcloud_update(c, path, NULL, &l, e) ||
	    !hcloud_firewall_set_rules(c, *id, w->ports, w->nports, &acts, e) ||
	    !wait_acts(wk, &acts, e))
		return false;
	/* a server this apply creates gets its firewall in the create */
	if (defer && j->server_new)
		return true;
	const struct state *s = run->p->state;
	for (size_t i = 0; i < s->nservers + s->nother_servers; i++) {
		const struct hc_server *hs = i < s->nservers ? &s->servers[i]
							     : &s->other_servers[i - s->nservers];
		if (strcmp(hs->name, w->name))
			continue;
		for (size_t f = 0; f < s->nfirewalls; f++)
			for (size_t m = 0; s->firewalls[f].id == *id && m < s->firewalls[f].nservers; m++)
				if (s->firewalls[f].servers[m] == hs->id)
					return true;
		if (!hcloud_firewall_apply(c, *id, hs->id, &acts, e) || !wait_acts(wk, &acts, e))
			return false;
		break;
	}
	return true;
}

/* ---- servers (workers) ------------------------------------------------------ */

/* Waits for whatever runs on the server (an earlier apply's actions). */
static bool server_idle(struct worker *wk, int64_t id, struct hc_error *e)
{
	struct hc_actions acts;
	return hcloud_server_running_actions(&wk->c, id, &acts, e) && wait_acts(wk, &acts, e);
}

static bool server_op(struct worker *wk, int64_t id, const char *op, const char *type,
		      struct hc_error *e)
{
	struct hc_actions acts;
	return hcloud_server_action(&wk->c, id, op, type, &acts, e) && wait_acts(wk, &acts, e);
}

static const char *const op_done[] = { "created", "updated", "type changed", "replaced",
				       "destroyed" };

/* Reports the server's own firewall once its actions are done.  ok and
 * fe: how waiting for them went (or the firewall step itself). */
static void fw_report(struct worker *wk, struct job *j, bool ok, const struct hc_error *fe)
{
	struct run *run = wk->run;
	struct job *f = j->fw;
	if (!f || j->fw_reported)
		return;
	j->fw_reported = true;
	f->ok = ok;
	if (ok)
		say(run, "firewall", f->x->name, j->fw_t0, "%s", op_done[f->x->op]);
	else
		say(run, "firewall", f->x->name, j->fw_t0, "FAILED: %s",
		    fe->message[0] ? fe->message : "error");
	count(run, f->x->op, ok);
}

/* Waits for acts and, the first time, for the firewall's pending actions
 * with them: one poll for both. */
static bool wait_with_fw(struct worker *wk, struct job *j, const struct hc_actions *acts,
			 struct hc_error *e)
{
	if (!j->fw || j->fw_reported)
		return wait_acts(wk, acts, e);
	struct hc_actions all = *acts;
	hcloud_actions_add(&all, &j->fw_pending);
	bool ok = wait_acts(wk, &all, e);
	struct hc_error fe = { 0 };
	/* when it failed, find out whose action it was: the firewall's are
	 * done by now, or failed */
	bool fw_ok = ok || wait_acts(wk, &j->fw_pending, &fe);
	fw_report(wk, j, fw_ok, &fe);
	return ok;
}

/* The server of that name, created when missing.  *fresh when this
 * apply's create answered: s is its answer, and its actions (create and
 * start) have been waited for. */
static bool server_ensure(struct worker *wk, struct job *j, struct hc_server *s,
			  bool *fresh, struct hc_error *e)
{
	struct run *run = wk->run;
	const struct plan_want_server *w = j->x->want;
	*fresh = false;
	const char *k[4], *v[4];
	struct hc_labels l;
	server_labels(run->cfg->project, w, NULL, &l, k, v);
	const char *user_data = NULL;
	const char *path = arena_printf(&wk->a, "%s/%s/cloud-init.yaml",
					run->p->want->phase->name, w->server);
	for (size_t i = 0; i < run->cfg->art->n; i++)
		if (!strcmp(run->cfg->art->files[i].path, path))
			user_data = run->cfg->art->files[i].data;
	struct hc_server_create rq = {
		w->name, w->type, w->image, w->location, w->keys, w->nkeys, j->id,
		user_data, &l,
	};
	/* the plan saw no such server, under the lock: create at once, and
	 * look it up only when that fails (an answer lost on the way) */
	struct hc_actions acts;
	if (hcloud_create_server(&wk->c, &wk->a, &rq, s, &acts, e)) {
		/* start_after_create: start_server comes as the next action,
		 * running with create_server; both are waited for at once */
		*fresh = acts.n >= 2;
		return wait_with_fw(wk, j, &acts, e);
	}
	json_object *item;
	struct hc_error e2;
	if (!hcloud_find_name(&wk->c, "/servers", "servers", w->name, &item, &e2) || !item)
		return false;
	memset(e, 0, sizeof(*e));
	bool ok = hcloud_decode_server(&wk->a, item, s);
	json_object_put(item);
	return ok;
}

/* Files of the server's release: the phase's artefacts but cloud-init. */
static size_t release_files(struct worker *wk, const char *server, struct deploy_file **out)
{
	const struct emit_output *art = wk->run->cfg->art;
	const char *prefix = arena_printf(&wk->a, "%s/%s/", wk->run->p->want->phase->name, server);
	size_t pl = strlen(prefix), n = 0;
	*out = arena_calloc(&wk->a, art->n ? art->n : 1, sizeof(**out));
	for (size_t i = 0; i < art->n; i++) {
		const struct emit_file *f = &art->files[i];
		if (strncmp(f->path, prefix, pl) || !strcmp(f->path + pl, "cloud-init.yaml"))
			continue;
		(*out)[n++] = (struct deploy_file){ f->path + pl, (const unsigned char *)f->data,
						    f->len, f->mode };
	}
	return n;
}

/* The live view's word for a deploy step the server began. */
static void deploy_step_seen(void *ctx, const char *step)
{
	struct worker *wk = ctx;
	char what[64];
	if (!strcmp(step, "health") || !strcmp(step, "domains"))
		snprintf(what, sizeof(what), "health check");
	else if (!strcmp(step, "rollback"))
		snprintf(what, sizeof(what), "switch back to the previous release");
	else
		snprintf(what, sizeof(what), "ssh deploy (%s)", step);
	view_waiting(wk->run->view, wk->slot, what);
}

static bool server_deploy(struct worker *wk, struct job *j, const char *ip,
			  bool accept_new, struct hc_error *e)
{
	struct run *run = wk->run;
	const struct plan_want_server *w = j->x->want;
	const struct mdl_placement *pl = placement_of(run->p, w->server);
	struct deploy_env *env;
	size_t nenv;
	const char *err;
	if (!deploy_secrets(&wk->a, pl, &env, &nenv, &err)) {
		snprintf(e->message, sizeof(e->message), "%s", err);
		return false;
	}
	struct emit_target t = { run->cfg->model, run->p->want->phase, pl, NULL, NULL };
	const struct mdl_service **doms = arena_calloc(&wk->a, pl->nservices + 1, sizeof(*doms));
	size_t nd = emit_domains(&t, doms);
	const char **domains = arena_calloc(&wk->a, nd + 1, sizeof(*domains));
	for (size_t i = 0; i < nd; i++)
		domains[i] = doms[i]->domain;
	const char *proxy = NULL;
	for (size_t i = 0; i < pl->nservices; i++)
		if (pl->services[i]->proxy)
			proxy = pl->services[i]->name;
	struct deploy_request rq = { 0 };
	rq.project = run->cfg->project;
	rq.release = w->artefacts;
	struct deploy_file *files;
	rq.nfiles = release_files(wk, w->server, &files);
	rq.files = files;
	rq.env = env;
	rq.nenv = nenv;
	rq.proxy = proxy;
	rq.domains = domains;
	rq.ndomains = nd;
	rq.health_timeout = run->cfg->health_timeout;
	rq.on_step = deploy_step_seen;
	rq.step_ctx = wk;
	view_waiting(run->view, wk->slot, "ssh deploy (connect)");
	struct deploy_target tg = { ip, run->cfg->ssh_port, run->cfg->ssh_user,
				    run->cfg->ssh_identity, run->cfg->known_hosts, accept_new };
	struct deploy_result res;
	bool ok = deploy_release(&tg, &rq, &res);
	if (!ok)
		snprintf(e->message, sizeof(e->message), "deploy failed at step %s: %s%s",
			 deploy_step_name(res.failed), res.message ? res.message : "",
			 res.rolled_back ? " (switched back to the previous release)" : "");
	deploy_result_free(&res);
	return ok;
}

static bool server_converge(struct worker *wk, struct job *j, struct hc_error *e)
{
	struct run *run = wk->run;
	const struct plan_action *x = j->x;
	const struct plan_want_server *w = j->x->want;
	struct http_client *c = &wk->c;
	struct hc_server s;
	bool fresh = false;
	const char *had = NULL; /* the artefacts label it had */
	if (x->op == PLAN_REPLACE) {
		char path[64];
		struct hc_actions acts;
		snprintf(path, sizeof(path), "/servers/%lld", (long long)x->id);
		if (!server_idle(wk, x->id, e) || !hcloud_delete(c, path, &acts, e) ||
		    !wait_with_fw(wk, j, &acts, e))
			return false;
	}
	if (x->op == PLAN_CREATE || x->op == PLAN_REPLACE) {
		if (!server_ensure(wk, j, &s, &fresh, e))
			return false;
		had = hcloud_label(&s.labels, STATE_LABEL_ARTEFACTS);
	} else {
		s.id = x->id;
		for (size_t i = 0; i < run->p->state->nservers; i++)
			if (run->p->state->servers[i].id == x->id)
				had = hcloud_label(&run->p->state->servers[i].labels,
						   STATE_LABEL_ARTEFACTS);
	}
	struct hc_actions none = { .n = 0 };
	if (fresh)
		s.status = "running"; /* its start_server succeeded */
	else if (!wait_with_fw(wk, j, &none, e) || !server_idle(wk, s.id, e) ||
		 !hcloud_get_server(c, &wk->a, s.id, &s, e))
		return false;
	if (x->op == PLAN_CHANGE_TYPE && strcmp(s.type, w->type)) {
		if (strcmp(s.status, "off")) {
			say(run, "server", w->name, -1, "poweroff");
			if (!server_op(wk, s.id, "poweroff", NULL, e))
				return false;
		}
		say(run, "server", w->name, -1, "change_type %s -> %s", s.type, w->type);
		if (!server_op(wk, s.id, "change_type", w->type, e) ||
		    !hcloud_get_server(c, &wk->a, s.id, &s, e))
			return false;
	}
	if (!strcmp(s.status, "off")) {
		say(run, "server", w->name, -1, "poweron");
		if (!server_op(wk, s.id, "poweron", NULL, e) ||
		    !hcloud_get_server(c, &wk->a, s.id, &s, e))
			return false;
	}
	if (!s.ipv4) {
		snprintf(e->message, sizeof(e->message), "the server has no public IPv4 address");
		return false;
	}
	snprintf(j->ip, sizeof(j->ip), "%s", s.ipv4);
	j->sid = s.id;
	j->deploy = !had || strcmp(had, w->artefacts);
	/* a host key is recorded on first contact only for a server this
	 * apply (or an interrupted one) created and never deployed to */
	j->accept_new = fresh || !had;
	return true;
}

/* The server's second stage, after server_converge: the deploy when its
 * artefacts changed, then the labels, the artefacts hash only now that
 * the deploy succeeded. */
static bool server_finish(struct worker *wk, struct job *j, struct hc_error *e)
{
	struct run *run = wk->run;
	const struct plan_want_server *w = j->x->want;
	if (j->deploy) {
		say(run, "server", w->name, -1, "deploying release %s to %s", w->artefacts, j->ip);
		if (!server_deploy(wk, j, j->ip, j->accept_new, e))
			return false;
	}
	const char *k[4], *v[4];
	struct hc_labels l;
	server_labels(run->cfg->project, w, w->artefacts, &l, k, v);
	char path[64];
	snprintf(path, sizeof(path), "/servers/%lld", (long long)j->sid);
	return hcloud_update(&wk->c, path, NULL, &l, e);
}

/* ---- DNS and destroys ------------------------------------------------------- */

static const char *server_ip(struct run *run, const char *name)
{
	for (size_t i = 0; i < run->njobs; i++) {
		const struct job *j = &run->jobs[i];
		if (j->x->kind == PLAN_SERVER && j->x->op != PLAN_DESTROY &&
		    !strcmp(j->x->name, name))
			return j->ok ? j->ip : NULL;
	}
	const struct state *s = run->p->state;
	for (size_t i = 0; i < s->nservers; i++)
		if (!strcmp(s->servers[i].name, name))
			return s->servers[i].ipv4;
	return NULL;
}

static const char *rr_name(struct arena *a, const char *domain, const char *zone)
{
	size_t dl = strlen(domain), zl = strlen(zone);
	return dl == zl ? "@" : arena_strndup(a, domain, dl - zl - 1);
}

static bool rrset_converge(struct worker *wk, struct job *j, struct hc_error *e)
{
	struct run *run = wk->run;
	const struct plan_action *x = j->x;
	const struct plan_want_dns *w = x->want;
	const char *ip = server_ip(run, w->server);
	if (!ip) {
		snprintf(e->message, sizeof(e->message), "server %s has no address", w->server);
		return false;
	}
	const char *srv = w->server;
	for (size_t i = 0; i < run->p->want->nservers; i++)
		if (!strcmp(run->p->want->servers[i].name, w->server))
			srv = run->p->want->servers[i].server;
	const char *k[2], *v[2];
	struct hc_labels l;
	labels2(&l, k, v, STATE_LABEL_PROJECT, run->cfg->project, STATE_LABEL_SERVER, srv);
	struct hc_actions acts;
	return hcloud_rrset_put_a(&wk->c, x->zone, rr_name(&wk->a, x->name, x->zone), ip, &l,
				  &acts, e) &&
	       wait_acts(wk, &acts, e);
}

static bool destroy(struct worker *wk, struct job *j, struct hc_error *e)
{
	const struct plan_action *x = j->x;
	struct http_client *c = &wk->c;
	struct arena *a = &wk->a;
	struct hc_actions acts = { .n = 0 };
	const char *path;
	switch (x->kind) {
	case PLAN_SERVER:
		if (!server_idle(wk, x->id, e))
			return false;
		path = arena_printf(a, "/servers/%lld", (long long)x->id);
		break;
	case PLAN_FIREWALL:
		path = arena_printf(a, "/firewalls/%lld", (long long)x->id);
		break;
	case PLAN_SSH_KEY:
		path = arena_printf(a, "/ssh_keys/%lld", (long long)x->id);
		break;
	default:
		path = arena_printf(a, "/zones/%s/rrsets/%s/A", hcloud_query_escape(a, x->zone),
				    hcloud_query_escape(a, rr_name(a, x->name, x->zone)));
		break;
	}
	return hcloud_delete(c, path, &acts, e) && wait_acts(wk, &acts, e);
}

/* ---- the pool ------------------------------------------------------------------ */

static const char *const op_doing[] = { "creating", "updating", "changing type", "replacing",
					"destroying" };

static bool in_phase(const struct run *run, const struct job *j)
{
	return j->x->kind == run->kind && (j->x->op == PLAN_DESTROY) == run->destroys && !j->bound;
}

/* The server's own firewall, before the server: its actions are left
 * pending for the server's first wait.  false when it failed (then
 * reported). */
static bool bound_firewall(struct worker *wk, struct job *j)
{
	struct job *f = j->fw;
	struct hc_error fe;
	memset(&fe, 0, sizeof(fe));
	j->fw_t0 = clock_mono_ms();
	say(wk->run, "firewall", f->x->name, -1, "%s", op_doing[f->x->op]);
	if (!firewall_converge(wk, f, &j->fw_pending, &fe)) {
		fw_report(wk, j, false, &fe);
		return false;
	}
	if (f->id)
		j->id = f->id;
	return true;
}

/* The job's last line (done or FAILED, with its time), counted; its
 * line in the live view goes. */
static void job_end(struct worker *wk, struct job *j, const struct hc_error *e)
{
	struct run *run = wk->run;
	const struct plan_action *x = j->x;
	const char *kind = kind_word[x->kind];
	if (j->ok)
		say(run, kind, x->name, j->t0, "%s", op_done[x->op]);
	else
		say(run, kind, x->name, j->t0, "FAILED: %s", e->message[0] ? e->message : "error");
	count(run, x->op, j->ok);
	view_end(run->view, wk->slot, x->kind == PLAN_SERVER && x->op != PLAN_DESTROY);
}

/* Hands a server whose API stage is done to the deploy workers; false
 * when there are none (the caller deploys it). */
static bool deploy_enqueue(struct worker *wk, struct job *j)
{
	struct run *run = wk->run;
	if (!run->deployers)
		return false;
	view_waiting(run->view, wk->slot, "a free deploy slot");
	pthread_mutex_lock(&run->mu);
	run->queue[run->qtail++] = j;
	pthread_cond_signal(&run->cv);
	pthread_mutex_unlock(&run->mu);
	return true;
}

static void run_job(struct worker *wk, struct job *j)
{
	struct run *run = wk->run;
	const struct plan_action *x = j->x;
	const char *kind = kind_word[x->kind];
	struct hc_error e;
	memset(&e, 0, sizeof(e));
	bool server = x->kind == PLAN_SERVER && x->op != PLAN_DESTROY;
	wk->slot = (int)(j - run->jobs);
	view_begin(run->view, wk->slot, kind, x->name);
	if (j->fw && !bound_firewall(wk, j)) {
		/* a new server must not come up without its firewall */
		say(run, kind, x->name, -1, "FAILED: its firewall %s failed", j->fw->x->name);
		count(run, x->op, false);
		view_end(run->view, wk->slot, server);
		return;
	}
	j->t0 = clock_mono_ms();
	say(run, kind, x->name, -1, "%s", op_doing[x->op]);
	if (x->op == PLAN_DESTROY)
		j->ok = destroy(wk, j, &e);
	else if (x->kind == PLAN_SSH_KEY)
		j->ok = key_converge(wk, j, &e);
	else if (x->kind == PLAN_FIREWALL)
		j->ok = firewall_converge(wk, j, NULL, &e);
	else if (x->kind == PLAN_SERVER)
		j->ok = server_converge(wk, j, &e);
	else
		j->ok = rrset_converge(wk, j, &e);
	if (j->fw && !j->fw_reported) {
		/* the server failed before its first wait */
		struct hc_error fe;
		memset(&fe, 0, sizeof(fe));
		fw_report(wk, j, wait_acts(wk, &j->fw_pending, &fe), &fe);
	}
	if (server && j->ok) {
		/* the deploy stage finishes the server, freeing this worker for
		 * the next server's API stage; the labels alone are written here */
		if (j->deploy && deploy_enqueue(wk, j))
			return;
		j->ok = server_finish(wk, j, &e);
	}
	job_end(wk, j, &e);
}

/* An API worker: takes the phase's jobs in plan order until none is left. */
static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct run *run = wk->run;
	for (;;) {
		pthread_mutex_lock(&run->mu);
		while (run->next < run->njobs && !in_phase(run, &run->jobs[run->next]))
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
		run_job(wk, &run->jobs[i]);
	}
}

/* A deploy worker: deploys the servers of the queue and labels them,
 * until the queue is empty and no worker can add to it. */
static void *deployer_main(void *arg)
{
	struct worker *wk = arg;
	struct run *run = wk->run;
	for (;;) {
		pthread_mutex_lock(&run->mu);
		while (run->qhead == run->qtail && run->feeders > 0)
			pthread_cond_wait(&run->cv, &run->mu);
		struct job *j = run->qhead < run->qtail ? run->queue[run->qhead++] : NULL;
		pthread_mutex_unlock(&run->mu);
		if (!j)
			return NULL;
		wk->slot = (int)(j - run->jobs);
		view_waiting(run->view, wk->slot, "");
		struct hc_error e;
		memset(&e, 0, sizeof(e));
		j->ok = server_finish(wk, j, &e);
		job_end(wk, j, &e);
	}
}

/* Runs the jobs of one phase on up to parallelism threads, and for the
 * servers up to parallelism deploy threads besides; true when every one
 * succeeded. */
static bool run_phase(struct run *run, enum plan_kind kind, bool destroys)
{
	const struct apply_config *cfg = run->cfg;
	run->kind = kind;
	run->destroys = destroys;
	run->next = 0;
	run->qhead = run->qtail = 0;
	size_t todo = 0;
	for (size_t i = 0; i < run->njobs; i++)
		todo += in_phase(run, &run->jobs[i]);
	size_t n = cfg->parallelism < 1 ? 1 : (size_t)cfg->parallelism;
	if (n > todo)
		n = todo;
	if (!n)
		return true;
	/* as many deploy workers as API workers: the servers' two stages
	 * take turns, each bounded by parallelism */
	size_t m = kind == PLAN_SERVER && !destroys ? n : 0;
	struct worker *wk = calloc(n + m, sizeof(*wk));
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
		char err[512];
		wk[made].run = run;
		if (!http_client_init(&wk[made].c, cfg->endpoint, cfg->token, err, sizeof(err))) {
			fprintf(cfg->out, "infrac apply: error: %s\n", err);
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
		if (pthread_create(&th[ns + sd], NULL, deployer_main, &wk[ns + sd]))
			break;
	run->deployers = (int)sd;
	size_t ss = 0;
	for (; ss < ns; ss++)
		if (pthread_create(&th[ss], NULL, worker_main, &wk[ss]))
			break;
	pthread_mutex_lock(&run->mu);
	run->feeders -= (int)(ns - ss);
	if (!ss && ns)
		run->feeders = 1; /* this thread runs the API stage */
	pthread_cond_broadcast(&run->cv);
	pthread_mutex_unlock(&run->mu);
	if (!ss && ns)
		worker_main(&wk[0]);
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
		if (in_phase(run, &run->jobs[i]))
			ok = ok && run->jobs[i].ok;
	return ok;
}

static int64_t state_firewall_id(const struct state *s, const char *name)
{
	for (size_t i = 0; i < s->nfirewalls + s->nother_firewalls; i++) {
		const struct hc_firewall *f = i < s->nfirewalls ? &s->firewalls[i]
								: &s->other_firewalls[i - s->nfirewalls];
		if (!strcmp(f->name, name))
			return f->id;
	}
	return 0;
}

bool apply_run(const struct plan *p, const struct apply_config *cfg, struct apply_result *r)
{
	memset(r, 0, sizeof(*r));
	struct run run = { .p = p, .cfg = cfg, .r = r };
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
		struct job *j = &run.jobs[i];
		if (j->x->kind != PLAN_SERVER || j->x->op == PLAN_DESTROY)
			continue;
		const struct plan_want_server *w = j->x->want;
		for (size_t k = 0; k < run.njobs; k++) {
			struct job *f = &run.jobs[k];
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
	bool ok = run_phase(&run, PLAN_SSH_KEY, false) && run_phase(&run, PLAN_FIREWALL, false);
	for (size_t i = 0; ok && i < run.njobs; i++) {
		struct job *j = &run.jobs[i];
		if (j->x->kind != PLAN_SERVER || j->x->op == PLAN_DESTROY)
			continue;
		const struct plan_want_server *w = j->x->want;
		j->id = state_firewall_id(p->state, w->firewall);
		for (size_t k = 0; k < run.njobs; k++)
			if (run.jobs[k].x->kind == PLAN_FIREWALL && run.jobs[k].x->op != PLAN_DESTROY &&
			    !strcmp(run.jobs[k].x->name, w->firewall) && run.jobs[k].id)
				j->id = run.jobs[k].id;
	}
	/* then the servers, and the DNS records once they have addresses;
	 * destroys last, servers first so that their firewalls are free */
	ok = ok && run_phase(&run, PLAN_SERVER, false) && run_phase(&run, PLAN_RRSET, false);
	ok = ok && run_phase(&run, PLAN_SERVER, true) && run_phase(&run, PLAN_RRSET, true) &&
	     run_phase(&run, PLAN_FIREWALL, true) && run_phase(&run, PLAN_SSH_KEY, true);
	view_close(run.view);
	free(run.jobs);
	free(run.queue);
	pthread_mutex_destroy(&run.mu);
	pthread_cond_destroy(&run.cv);
	return ok;
}
