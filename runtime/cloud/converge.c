/*
 * converge: one resource of the plan made true.  See converge.h.
 */
#include "converge.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "deploy.h"
#include "move.h"
#include "rotate.h"
#include "state.h"

/* ---- labels ---------------------------------------------------------------- */

static void converge_labels2(struct hc_labels *l, const char **k, const char **v, const char *k1,
		    const char *v1, const char *k2, const char *v2)
{
	/* hc_labels is kept sorted by key */
	bool swap = strcmp(k1, k2) > 0;
	k[0] = swap ? k2 : k1, v[0] = swap ? v2 : v1;
	k[1] = swap ? k1 : k2, v[1] = swap ? v1 : v2;
	l->keys = k, l->vals = v, l->n = 2;
}

static void converge_sort_labels(const char **k, const char **v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(k[j - 1], k[j]) > 0; j--) {
			const char *t = k[j];
			k[j] = k[j - 1], k[j - 1] = t;
			t = v[j];
			v[j] = v[j - 1], v[j - 1] = t;
		}
}

/*
 * The server's labels after its deploy stage: the project's, the
 * artefacts hash and what runs (rotate.h) as just deployed, or as they
 * were when nothing was deployed.  false when no salt could be made.
 */
static bool converge_server_labels(struct apply_worker *wk, const struct apply_job *j,
				   struct hc_labels *l, struct error *e)
{
	const struct desired_server *w = j->x->want;
	size_t cap = 4 + rotate_nlabels(w) + j->have.n;
	const char **k = arena_calloc(&wk->a, cap, sizeof(*k));
	const char **v = arena_calloc(&wk->a, cap, sizeof(*v));
	size_t n = 0;
	k[n] = STATE_LABEL_ARTEFACTS, v[n++] = w->artefacts;
	k[n] = STATE_LABEL_PROJECT, v[n++] = wk->run->cfg->project;
	k[n] = STATE_LABEL_SERVER, v[n++] = w->server;
	k[n] = STATE_LABEL_SSH_KEYS, v[n++] = w->keys_hash;
	if (j->deploy) {
		const char *salt = hcloud_label(&j->have, ROTATE_LABEL_SALT);
		char *fresh = arena_calloc(&wk->a, ROTATE_SALT_LEN + 1, 1);
		if (!salt && !rotate_salt(fresh))
			return error_set(e, "cannot read random bytes for the server's salt");
		n += rotate_labels(&wk->a, wk->run->p->want, w, salt ? salt : fresh, &j->have,
				   k + n, v + n);
	} else {
		for (size_t i = 0; i < j->have.n; i++)
			if (!strncmp(j->have.keys[i], "infrac/", 7) &&
			    strcmp(j->have.keys[i], STATE_LABEL_ARTEFACTS) &&
			    strcmp(j->have.keys[i], STATE_LABEL_PROJECT) &&
			    strcmp(j->have.keys[i], STATE_LABEL_SERVER) &&
			    strcmp(j->have.keys[i], STATE_LABEL_SSH_KEYS))
				k[n] = j->have.keys[i], v[n++] = j->have.vals[i];
	}
	converge_sort_labels(k, v, n);
	l->keys = k, l->vals = v, l->n = n;
	return true;
}

/* ---- secrets -------------------------------------------------------------- */

const struct mdl_placement *converge_placement(const struct plan *p, const char *server)
{
	const struct mdl_phase *ph = p->want->phase;
	for (size_t i = 0; i < ph->nplacements; i++)
		if (!strcmp(ph->placements[i].server->name, server))
			return &ph->placements[i];
	return NULL;
}

/* ---- ssh keys and firewalls ---------------------------------------------- */

/*
 * The id of the resource called name (path "/ssh_keys", key "ssh_keys"),
 * 0 when there is none, -1 with e set when the lookup failed.  Asked
 * before a create and after one that failed: an interrupted apply, or a
 * lost answer, may have created it all the same.  A failed lookup after
 * a failed create keeps the create's error in e.
 */
static int64_t converge_found_id(struct http_client *c, const char *path, const char *key,
			const char *name, struct error *e)
{
	json_object *item, *id;
	struct error le = ERROR_INIT;
	if (!hcloud_find_name(c, path, key, name, &item, &le)) {
		if (!error_failed(e))
			error_move(e, &le);
		error_release(&le);
		return -1;
	}
	int64_t n = item && json_object_object_get_ex(item, "id", &id) ? json_object_get_int64(id) : 0;
	if (item)
		json_object_put(item);
	return n;
}

bool converge_key(struct apply_worker *wk, struct apply_job *j, struct error *e)
{
	struct apply_ctx *run = wk->run;
	const struct plan_action *x = j->x;
	struct http_client *c = &wk->c;
	const struct desired_key *w = x->want;
	const char *k[2], *v[2];
	struct hc_labels l;
	converge_labels2(&l, k, v, STATE_LABEL_KEY, w->key, STATE_LABEL_PROJECT, run->cfg->project);
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
	int64_t id = converge_found_id(c, "/ssh_keys", "ssh_keys", w->name, e);
	if (!id && hcloud_create_ssh_key(c, &wk->a, w->name, w->public_key, &l, &got, e))
		return true;
	if (!id)
		id = converge_found_id(c, "/ssh_keys", "ssh_keys", w->name, e);
	if (id <= 0)
		return false;
	snprintf(path, sizeof(path), "/ssh_keys/%lld", (long long)id);
	return hcloud_update(c, path, NULL, &l, e);
}

/* The firewall of that name, created when missing; *id gets it.  defer
 * (may be NULL) takes the actions of a new firewall instead of waiting
 * for them: a server may name a firewall whose rules are still being
 * set. */
bool converge_firewall(struct apply_worker *wk, struct apply_job *j, struct hc_actions *defer,
			      struct error *e)
{
	struct apply_ctx *run = wk->run;
	const struct plan_action *x = j->x;
	int64_t *id = &j->id;
	struct http_client *c = &wk->c;
	const struct desired_firewall *w = x->want;
	const char *k[2], *v[2];
	struct hc_labels l;
	converge_labels2(&l, k, v, STATE_LABEL_PROJECT, run->cfg->project, STATE_LABEL_SERVER, w->server);
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
				return apply_wait(wk, &acts, e);
			hcloud_actions_add(defer, &acts);
			return true;
		}
		*id = converge_found_id(c, "/firewalls", "firewalls", w->name, e);
		if (*id <= 0)
			return false;
		error_release(e);
	}
	/* taken as found: rules, labels and the server it guards made right */
	char path[64];
	snprintf(path, sizeof(path), "/firewalls/%lld", (long long)*id);
	if (!hcloud_update(c, path, NULL, &l, e) ||
	    !hcloud_firewall_set_rules(c, *id, w->ports, w->nports, &acts, e) ||
	    !apply_wait(wk, &acts, e))
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
		if (!hcloud_firewall_apply(c, *id, hs->id, &acts, e) || !apply_wait(wk, &acts, e))
			return false;
		break;
	}
	return true;
}

/* ---- servers (workers) ------------------------------------------------------ */

/* Waits for whatever runs on the server (an earlier apply's actions). */
static bool converge_server_idle(struct apply_worker *wk, int64_t id, struct error *e)
{
	struct hc_actions acts;
	return hcloud_server_running_actions(&wk->c, id, &acts, e) && apply_wait(wk, &acts, e);
}

static bool converge_server_op(struct apply_worker *wk, int64_t id, const char *op, const char *type,
		      struct error *e)
{
	struct hc_actions acts;
	return hcloud_server_action(&wk->c, id, op, type, &acts, e) && apply_wait(wk, &acts, e);
}

/* Waits for acts and, the first time, for the firewall's pending actions
 * with them: one poll for both. */
static bool converge_wait_with_fw(struct apply_worker *wk, struct apply_job *j, const struct hc_actions *acts,
			 struct error *e)
{
	if (!j->fw || j->fw_reported)
		return apply_wait(wk, acts, e);
	struct hc_actions all = *acts;
	hcloud_actions_add(&all, &j->fw_pending);
	bool ok = apply_wait(wk, &all, e);
	struct error fe = { 0 };
	/* when it failed, find out whose action it was: the firewall's are
	 * done by now, or failed */
	bool fw_ok = ok || apply_wait(wk, &j->fw_pending, &fe);
	apply_firewall_done(wk, j, fw_ok, &fe);
	return ok;
}

/* The server of that name, created when missing.  *fresh when this
 * apply's create answered: s is its answer, and its actions (create and
 * start) have been waited for. */
static bool converge_server_ensure(struct apply_worker *wk, struct apply_job *j, struct hc_server *s,
			  bool *fresh, struct error *e)
{
	struct apply_ctx *run = wk->run;
	const struct desired_server *w = j->x->want;
	*fresh = false;
	/* not deployed yet: no artefacts label, nothing of what runs */
	const char *k[] = { STATE_LABEL_PROJECT, STATE_LABEL_SERVER, STATE_LABEL_SSH_KEYS };
	const char *v[] = { run->cfg->project, w->server, w->keys_hash };
	struct hc_labels l = { k, v, 3 };
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
		return converge_wait_with_fw(wk, j, &acts, e);
	}
	json_object *item;
	struct error e2 = ERROR_INIT;
	bool found = hcloud_find_name(&wk->c, "/servers", "servers", w->name, &item, &e2);
	error_release(&e2);
	if (!found || !item)
		return false; /* the create's error stands */
	error_release(e);
	bool ok = hcloud_decode_server(&wk->a, item, s);
	json_object_put(item);
	return ok;
}

/* Files of the server's release: the phase's artefacts but cloud-init. */
static size_t converge_release_files(struct apply_worker *wk, const char *server, struct deploy_file **out)
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
static void converge_deploy_step(void *ctx, const char *step)
{
	struct apply_worker *wk = ctx;
	char what[64];
	if (!strcmp(step, "health") || !strcmp(step, "domains"))
		snprintf(what, sizeof(what), "health check");
	else if (!strcmp(step, "rollback"))
		snprintf(what, sizeof(what), "switch back to the previous release");
	else
		snprintf(what, sizeof(what), "ssh deploy (%s)", step);
	view_waiting(wk->run->view, wk->slot, what);
}

/* root's keys on the server: the file's keys of w, and the project's
 * other keys at Hetzner, revoked. */
static void converge_keys(struct apply_worker *wk, const struct desired_server *w,
			  struct deploy_request *rq)
{
	const struct desired *want = wk->run->p->want;
	const struct state *st = wk->run->p->state;
	struct strbuf b = STRBUF_INIT;
	for (size_t i = 0; i < w->nkeys; i++)
		for (size_t k = 0; k < want->nkeys; k++)
			if (!strcmp(want->keys[k].name, w->keys[i]))
				strbuf_addf(&b, "%s\n", want->keys[k].public_key);
	rq->authorized_keys = arena_take(&wk->a, &b);
	const char **revoked = arena_calloc(&wk->a, st->nkeys + 1, sizeof(*revoked));
	for (size_t i = 0; i < st->nkeys; i++) {
		bool wanted = false;
		for (size_t k = 0; k < w->nkeys; k++)
			wanted |= !strcmp(st->keys[i].name, w->keys[k]);
		if (!wanted && st->keys[i].public_key)
			revoked[rq->nrevoked++] = st->keys[i].public_key;
	}
	rq->revoked = revoked;
}

/* The services apply --redeploy recreates on w. */
static void converge_recreate(struct apply_worker *wk, const struct desired_server *w,
			      struct deploy_request *rq)
{
	const struct desired *want = wk->run->p->want;
	rq->recreate_all = want->redeploy_all;
	const char **names = arena_calloc(&wk->a, w->nservices + 1, sizeof(*names));
	for (size_t i = 0; !want->redeploy_all && i < w->nservices; i++)
		if (desired_redeploys(want, w->services[i].name))
			names[rq->nrecreate++] = w->services[i].name;
	rq->recreate = names;
}

static bool converge_server_deploy(struct apply_worker *wk, struct apply_job *j, const char *ip,
			  bool accept_new, struct error *e)
{
	struct apply_ctx *run = wk->run;
	const struct desired_server *w = j->x->want;
	struct deploy_request rq;
	if (!desired_deploy_request(&wk->a, run->p->want, w, run->cfg->no_handover, &rq, e))
		return false;
	struct deploy_file *files;
	rq.nfiles = converge_release_files(wk, w->server, &files);
	rq.files = files;
	if (w->nkeys)
		converge_keys(wk, w, &rq);
	converge_recreate(wk, w, &rq);
	rq.health_timeout = run->cfg->health_timeout;
	rq.on_step = converge_deploy_step;
	rq.step_ctx = wk;
	view_waiting(run->view, wk->slot, "ssh deploy (connect)");
	struct ssh_target tg = { ip, run->cfg->ssh_port, run->cfg->ssh_user,
				 run->cfg->ssh_identity, run->cfg->known_hosts, accept_new };
	struct deploy_result res;
	struct error derr = ERROR_INIT;
	bool ok = deploy_release(&tg, &rq, &res, &derr);
	if (!ok)
		error_set(e, "deploy failed at step %s: %s", progress_step_name(res.failed), derr.msg);
	error_release(&derr);
	deploy_result_release(&res);
	return ok;
}

/* ---- the data guard -------------------------------------------------------- */

/* The server of id as plan saw it, or NULL. */
static const struct hc_server *converge_seen(const struct apply_ctx *run, int64_t id)
{
	for (size_t i = 0; i < run->p->state->nservers; i++)
		if (run->p->state->servers[i].id == id)
			return &run->p->state->servers[i];
	return NULL;
}

/*
 * Before server x->id goes (replace, destroy): the snapshot the plan
 * asked for (one an interrupted apply took counts: found by its label),
 * then its protection off.  false with e set, and the server untouched
 * but for the snapshot.
 */
static bool converge_before_delete(struct apply_worker *wk, const struct plan_action *x,
				   struct error *e)
{
	struct apply_ctx *run = wk->run;
	const struct hc_server *h = converge_seen(run, x->id);
	long poll = run->cfg->poll_ms, limit = run->cfg->action_timeout_s;
	if (x->snapshot) {
		const char *id = arena_printf(&wk->a, "%lld", (long long)x->id);
		const char *k[] = { STATE_LABEL_PROJECT, "infrac/snapshot-of" };
		const char *v[] = { run->cfg->project, id };
		struct hc_labels l = { k, v, 2 };
		const char *sel = arena_printf(&wk->a, "%s=%s,infrac/snapshot-of=%s", k[0], v[0], id);
		struct hc_snapshot *have;
		size_t n;
		int64_t image;
		if (!hcloud_list_snapshots(&wk->c, &wk->a, sel, &have, &n, e))
			return false;
		if (!n) {
			apply_say(run, "server", x->name, -1, "snapshot of its disk before it goes");
			if (!hcloud_create_snapshot(&wk->c, x->id, arena_printf(&wk->a, "infrac: %s before "
						    "it was deleted", x->name), &l, poll, limit,
						    &image, e))
				return false;
			apply_say(run, "server", x->name, -1, "snapshot %lld taken", (long long)image);
		}
	}
	if (h && (h->protect_delete || h->protect_rebuild))
		return hcloud_server_protect(&wk->c, x->id, false, false, poll, limit, e);
	return true;
}

/* ---- the private network ----------------------------------------------------- */

/* Detaches every server of network id, one after the other, waiting for
 * each: a network is deleted only once nothing is attached.  A network
 * that is gone already counts as done. */
static bool converge_detach_all(struct apply_worker *wk, int64_t id, struct error *e)
{
	struct hc_network n;
	struct error ge = ERROR_INIT;
	if (!hcloud_get_network(&wk->c, &wk->a, id, &n, &ge)) {
		bool gone = error_status(&ge) == 404;
		if (!gone)
			error_move(e, &ge);
		error_release(&ge);
		return gone;
	}
	for (size_t i = 0; i < n.nservers; i++) {
		struct hc_actions acts = { .n = 0 };
		apply_say(wk->run, "network", n.name, -1, "detach server %lld",
			  (long long)n.servers[i]);
		if (!hcloud_server_detach(&wk->c, n.servers[i], id, &acts, e) ||
		    !apply_wait(wk, &acts, e))
			return false;
	}
	return true;
}

/* The network of that name with its subnet: found (an interrupted apply
 * may have made it) or created; its id, 0 with e set. */
static int64_t converge_network_made(struct apply_worker *wk, const struct desired_network *w,
				     struct error *e)
{
	const char *k[1] = { STATE_LABEL_PROJECT }, *v[1] = { wk->run->cfg->project };
	struct hc_labels l = { (const char **)k, (const char **)v, 1 };
	struct hc_network got;
	int64_t id = converge_found_id(&wk->c, "/networks", "networks", w->name, e);
	if (!id && hcloud_create_network(&wk->c, &wk->a, w->name, w->ip_range, w->subnet, w->zone,
					 &l, &got, e))
		return got.id;
	if (!id)
		id = converge_found_id(&wk->c, "/networks", "networks", w->name, e);
	return id > 0 ? id : 0;
}

bool converge_network(struct apply_worker *wk, struct apply_job *j, struct error *e)
{
	const struct plan_action *x = j->x;
	const struct desired_network *w = ((const struct desired *)x->want)->network;
	char path[64];
	snprintf(path, sizeof(path), "/networks/%lld", (long long)x->id);
	if (x->op == PLAN_REPLACE) {
		struct hc_actions acts = { .n = 0 };
		if (!converge_detach_all(wk, x->id, e) || !hcloud_delete(&wk->c, path, &acts, e) ||
		    !apply_wait(wk, &acts, e))
			return false;
	}
	if (x->op != PLAN_UPDATE) {
		j->id = converge_network_made(wk, w, e);
		return j->id != 0;
	}
	/* update: the subnet it lacks, and its labels */
	struct hc_network n;
	if (!hcloud_get_network(&wk->c, &wk->a, x->id, &n, e))
		return false;
	j->id = n.id;
	bool subnet = false;
	for (size_t i = 0; i < n.nsubnets; i++)
		subnet |= !strcmp(n.subnets[i].ip_range, w->subnet);
	struct hc_actions acts = { .n = 0 };
	if (!subnet && (!hcloud_network_add_subnet(&wk->c, n.id, w->subnet, w->zone, &acts, e) ||
			!apply_wait(wk, &acts, e)))
		return false;
	const char *k[1] = { STATE_LABEL_PROJECT }, *v[1] = { wk->run->cfg->project };
	struct hc_labels l = { (const char **)k, (const char **)v, 1 };
	return hcloud_update(&wk->c, path, NULL, &l, e);
}

/* Server s on the phase's network at its address, before its deploy: a
 * service of another server reaches it there.  Attached elsewhere on it,
 * it is detached first. */
static bool converge_attach(struct apply_worker *wk, const struct desired_server *w,
			    const struct hc_server *s, struct error *e)
{
	int64_t net = wk->run->network_id;
	if (!w->private_ip)
		return true;
	if (!net)
		return error_set(e, "the network %s was not made", wk->run->p->want->network->name);
	struct hc_actions acts = { .n = 0 };
	for (size_t i = 0; i < s->nprivate_net; i++) {
		if (s->private_net[i].network != net)
			continue;
		if (!strcmp(s->private_net[i].ip, w->private_ip))
			return true;
		apply_say(wk->run, "server", w->name, -1, "detach from the network (%s)",
			  s->private_net[i].ip);
		if (!hcloud_server_detach(&wk->c, s->id, net, &acts, e) || !apply_wait(wk, &acts, e))
			return false;
		acts.n = 0;
	}
	apply_say(wk->run, "server", w->name, -1, "attach to the network at %s", w->private_ip);
	return hcloud_server_attach(&wk->c, s->id, net, w->private_ip, &acts, e) &&
	       apply_wait(wk, &acts, e);
}

bool converge_server(struct apply_worker *wk, struct apply_job *j, struct error *e)
{
	struct apply_ctx *run = wk->run;
	const struct plan_action *x = j->x;
	const struct desired_server *w = j->x->want;
	struct http_client *c = &wk->c;
	struct hc_server s;
	bool fresh = false;
	const char *had = NULL; /* the artefacts label it had */
	if (x->op == PLAN_REPLACE) {
		char path[64];
		struct hc_actions acts;
		snprintf(path, sizeof(path), "/servers/%lld", (long long)x->id);
		if (!converge_server_idle(wk, x->id, e) || !converge_before_delete(wk, x, e) ||
		    !hcloud_delete(c, path, &acts, e) ||
		    !converge_wait_with_fw(wk, j, &acts, e))
			return false;
	}
	j->have = (struct hc_labels){ 0 };
	if (x->op == PLAN_CREATE || x->op == PLAN_REPLACE) {
		if (!converge_server_ensure(wk, j, &s, &fresh, e))
			return false;
		j->have = s.labels;
	} else {
		s.id = x->id;
		for (size_t i = 0; i < run->p->state->nservers; i++)
			if (run->p->state->servers[i].id == x->id)
				j->have = run->p->state->servers[i].labels;
	}
	had = hcloud_label(&j->have, STATE_LABEL_ARTEFACTS);
	struct hc_actions none = { .n = 0 };
	if (fresh)
		s.status = "running"; /* its start_server succeeded */
	else if (!converge_wait_with_fw(wk, j, &none, e) || !converge_server_idle(wk, s.id, e) ||
		 !hcloud_get_server(c, &wk->a, s.id, &s, e))
		return false;
	if (x->op == PLAN_CHANGE_TYPE && strcmp(s.type, w->type)) {
		if (strcmp(s.status, "off")) {
			apply_say(run, "server", w->name, -1, "poweroff");
			if (!converge_server_op(wk, s.id, "poweroff", NULL, e))
				return false;
		}
		apply_say(run, "server", w->name, -1, "change_type %s -> %s", s.type, w->type);
		if (!converge_server_op(wk, s.id, "change_type", w->type, e) ||
		    !hcloud_get_server(c, &wk->a, s.id, &s, e))
			return false;
	}
	if (!strcmp(s.status, "off")) {
		apply_say(run, "server", w->name, -1, "poweron");
		if (!converge_server_op(wk, s.id, "poweron", NULL, e) ||
		    !hcloud_get_server(c, &wk->a, s.id, &s, e))
			return false;
	}
	if (!s.ipv4) {
		return error_set(e, "the server has no public IPv4 address");
	}
	if (!converge_attach(wk, w, &s, e))
		return false;
	snprintf(j->ip, sizeof(j->ip), "%s", s.ipv4);
	j->sid = s.id;
	j->protected = s.protect_delete && s.protect_rebuild;
	j->deploy = x->deploy || !had || strcmp(had, w->artefacts);
	/* a host key is recorded on first contact only for a server this
	 * apply (or an interrupted one) created and never deployed to */
	j->accept_new = fresh || !had;
	return true;
}

/* Before w's deploy: the volumes of the services that come from another
 * server (plan.h), carried over by this machine. */
static bool converge_moves(struct apply_worker *wk, struct apply_job *j, struct error *e)
{
	struct apply_ctx *run = wk->run;
	const struct apply_config *cfg = run->cfg;
	for (size_t i = 0; i < j->x->nmoves; i++) {
		const struct plan_move *m = &j->x->moves[i];
		apply_say(run, "server", j->x->name, -1, "moving %s from %s: stopping it there, "
			  "copying its volumes", m->service, m->from);
		view_waiting(run->view, wk->slot, "copying volumes");
		struct ssh_target src = { m->from_ip, cfg->ssh_port, cfg->ssh_user, cfg->ssh_identity,
					  cfg->known_hosts, false };
		struct ssh_target dst = { j->ip, cfg->ssh_port, cfg->ssh_user, cfg->ssh_identity,
					  cfg->known_hosts, j->accept_new };
		struct move_request rq = { run->p->want->project, m->service, m->from, m->volumes,
					   m->nvolumes, run->p->want->allow_data_loss, 0 };
		int64_t bytes;
		if (!move_volumes(&src, &dst, &rq, &bytes, e))
			return error_wrap(e, "moving %s from %s", m->service, m->from);
		apply_say(run, "server", j->x->name, -1, "moved %s from %s: %lld bytes of volumes",
			  m->service, m->from, (long long)bytes);
	}
	return true;
}

/* The server's second stage, after server_converge: the deploy when its
 * artefacts changed, then the labels, the artefacts hash only now that
 * the deploy succeeded. */
bool converge_server_finish(struct apply_worker *wk, struct apply_job *j, struct error *e)
{
	struct apply_ctx *run = wk->run;
	const struct desired_server *w = j->x->want;
	if (j->deploy) {
		if (!converge_moves(wk, j, e))
			return false;
		apply_say(run, "server", w->name, -1, "deploying release %s to %s", w->artefacts, j->ip);
		if (!converge_server_deploy(wk, j, j->ip, j->accept_new, e))
			return false;
	}
	struct hc_labels l;
	if (!converge_server_labels(wk, j, &l, e))
		return false;
	char path[64];
	snprintf(path, sizeof(path), "/servers/%lld", (long long)j->sid);
	if (!hcloud_update(&wk->c, path, NULL, &l, e))
		return false;
	if (!j->x->protect || j->protected)
		return true;
	apply_say(run, "server", w->name, -1, "protected against delete and rebuild");
	return hcloud_server_protect(&wk->c, j->sid, true, true, run->cfg->poll_ms,
				     run->cfg->action_timeout_s, e);
}

/* ---- DNS and destroys ------------------------------------------------------- */

static const char *converge_server_ip(struct apply_ctx *run, const char *name)
{
	for (size_t i = 0; i < run->njobs; i++) {
		const struct apply_job *j = &run->jobs[i];
		if (j->x->kind == PLAN_SERVER && j->x->op != PLAN_DESTROY &&
		    !strcmp(j->x->name, name))
			return j->ok ? j->ip : NULL;
	}
	const struct hc_server *h = state_server(run->p->state, name);
	return h ? h->ipv4 : NULL;
}

bool converge_rrset(struct apply_worker *wk, struct apply_job *j, struct error *e)
{
	struct apply_ctx *run = wk->run;
	const struct plan_action *x = j->x;
	const struct desired_dns *w = x->want;
	const char *ip = converge_server_ip(run, w->server);
	if (!ip) {
		return error_set(e, "server %s has no address", w->server);
	}
	const char *srv = w->server;
	for (size_t i = 0; i < run->p->want->nservers; i++)
		if (!strcmp(run->p->want->servers[i].name, w->server))
			srv = run->p->want->servers[i].server;
	const char *k[2], *v[2];
	struct hc_labels l;
	converge_labels2(&l, k, v, STATE_LABEL_PROJECT, run->cfg->project, STATE_LABEL_SERVER, srv);
	struct hc_actions acts;
	return hcloud_rrset_put_a(&wk->c, x->zone, hcloud_rrset_name(&wk->a, x->name, x->zone), ip, &l,
				  &acts, e) &&
	       apply_wait(wk, &acts, e);
}

bool converge_destroy(struct apply_worker *wk, struct apply_job *j, struct error *e)
{
	const struct plan_action *x = j->x;
	struct http_client *c = &wk->c;
	struct arena *a = &wk->a;
	struct hc_actions acts = { .n = 0 };
	const char *path;
	switch (x->kind) {
	case PLAN_SERVER:
		if (!converge_server_idle(wk, x->id, e) || !converge_before_delete(wk, x, e))
			return false;
		path = arena_printf(a, "/servers/%lld", (long long)x->id);
		break;
	case PLAN_FIREWALL:
		path = arena_printf(a, "/firewalls/%lld", (long long)x->id);
		break;
	case PLAN_SSH_KEY:
		path = arena_printf(a, "/ssh_keys/%lld", (long long)x->id);
		break;
	case PLAN_NETWORK:
		if (!converge_detach_all(wk, x->id, e))
			return false;
		path = arena_printf(a, "/networks/%lld", (long long)x->id);
		break;
	default:
		path = arena_printf(a, "/zones/%s/rrsets/%s/A", hcloud_query_escape(a, x->zone),
				    hcloud_query_escape(a, hcloud_rrset_name(a, x->name, x->zone)));
		break;
	}
	return hcloud_delete(c, path, &acts, e) && apply_wait(wk, &acts, e);
}

