#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "rotate.h"
#include "strv.h"
#include "units.h"

struct plan_differ {
	struct arena *a;
	const struct desired *want;
	const struct state *s;
	struct plan *p;
	size_t cap_w, cap_e;
};

static void plan_note(struct plan_differ *d, bool error, const char *msg)
{
	const char ***list = error ? &d->p->errors : &d->p->warnings;
	size_t *n = error ? &d->p->nerrors : &d->p->nwarnings;
	size_t *cap = error ? &d->cap_e : &d->cap_w;
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*list)[i], msg))
			return;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		const char **nl = arena_calloc(d->a, *cap, sizeof(*nl));
		if (*n)
			memcpy(nl, *list, *n * sizeof(*nl));
		*list = nl;
	}
	(*list)[(*n)++] = msg;
}

static struct plan_action *plan_act(struct plan_differ *d, enum plan_op op, enum plan_kind kind,
			       const char *name, int64_t id, const void *want, const char *reason)
{
	struct plan *p = d->p;
	if (p->nactions == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		struct plan_action *na = arena_calloc(d->a, p->cap, sizeof(*na));
		if (p->nactions)
			memcpy(na, p->actions, p->nactions * sizeof(*na));
		p->actions = na;
	}
	struct plan_action *x = &p->actions[p->nactions++];
	memset(x, 0, sizeof(*x));
	x->op = op;
	x->kind = kind;
	x->name = name;
	x->id = id;
	x->want = want;
	x->reason = reason;
	switch (op) {
	case PLAN_CREATE: p->add++; break;
	case PLAN_UPDATE:
	case PLAN_CHANGE_TYPE: p->change++; break;
	case PLAN_REPLACE: p->replace++; break;
	case PLAN_DESTROY: p->destroy++; break;
	}
	return x;
}

/* Appends "; part" to a reason being built. */
static const char *plan_join(struct arena *a, const char *acc, const char *part)
{
	return acc ? arena_printf(a, "%s; %s", acc, part) : part;
}

/* The label differences of have against want, as "labels: k missing, k a -> b". */
static const char *plan_label_diff(struct arena *a, const struct hc_labels *have,
			      const char *const *keys, const char *const *vals, size_t n)
{
	const char *acc = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *v = hcloud_label(have, keys[i]);
		if (!v)
			acc = plan_join(a, acc, arena_printf(a, "label %s missing", keys[i]));
		else if (strcmp(v, vals[i]))
			acc = plan_join(a, acc, arena_printf(a, "label %s %s -> %s", keys[i], v, vals[i]));
	}
	return acc;
}

/* The key type and blob of an OpenSSH public key line, without the comment. */
static const char *plan_key_core(struct arena *a, const char *k)
{
	while (*k == ' ')
		k++;
	size_t t = strcspn(k, " ");
	const char *b = k + t;
	while (*b == ' ')
		b++;
	size_t bl = strcspn(b, " \n");
	return arena_printf(a, "%.*s %.*s", (int)t, k, (int)bl, b);
}

/*
 * A key the project lacks.  Hetzner refuses a second key with the same
 * name or the same public key, so one uploaded without infrac's labels
 * is taken over instead, and one of another infrac project is an error.
 */
static void plan_diff_new_key(struct plan_differ *d, const struct desired_key *w)
{
	const char *core = plan_key_core(d->a, w->public_key);
	for (size_t j = 0; j < d->s->nother_keys; j++) {
		const struct hc_ssh_key *o = &d->s->other_keys[j];
		bool same_key = !strcmp(plan_key_core(d->a, o->public_key), core);
		if (!same_key && strcmp(o->name, w->name))
			continue;
		const char *lp = hcloud_label(&o->labels, STATE_LABEL_PROJECT);
		if (lp)
			plan_note(d, true, arena_printf(d->a, "ssh_key %s: the key %s belongs to infrac "
							 "project %s and has the same %s; Hetzner "
							 "holds a public key once", w->key, o->name, lp,
						   same_key ? "public key" : "name"));
		else if (!same_key)
			plan_note(d, true, arena_printf(d->a, "ssh_key %s: the name %s is taken by another "
							 "public key infrac does not manage; rename "
							 "or delete that key", w->key, w->name));
		else
			plan_act(d, PLAN_UPDATE, PLAN_SSH_KEY, w->name, o->id, w,
			    strcmp(o->name, w->name)
				    ? arena_printf(d->a, "update: take over the key %s (same public "
							 "key, not labelled by infrac): rename, label",
						   o->name)
				    : "update: take over the key (not labelled by infrac): label");
		return;
	}
	plan_act(d, PLAN_CREATE, PLAN_SSH_KEY, w->name, 0, w, "create: not in the project");
}

static void plan_diff_keys(struct plan_differ *d)
{
	const char *proj = d->want->project;
	for (size_t i = 0; i < d->want->nkeys; i++) {
		const struct desired_key *w = &d->want->keys[i];
		const struct hc_ssh_key *h = NULL;
		for (size_t j = 0; j < d->s->nkeys; j++)
			if (!strcmp(d->s->keys[j].name, w->name))
				h = &d->s->keys[j];
		if (!h) {
			plan_diff_new_key(d, w);
			continue;
		}
		if (strcmp(plan_key_core(d->a, h->public_key), plan_key_core(d->a, w->public_key))) {
			plan_act(d, PLAN_REPLACE, PLAN_SSH_KEY, w->name, h->id, w,
			    "replace: public key changed");
			continue;
		}
		const char *keys[] = { STATE_LABEL_KEY, STATE_LABEL_PROJECT };
		const char *vals[] = { w->key, proj };
		const char *ld = plan_label_diff(d->a, &h->labels, keys, vals, 2);
		if (ld)
			plan_act(d, PLAN_UPDATE, PLAN_SSH_KEY, w->name, h->id, w,
			    arena_printf(d->a, "update: %s", ld));
	}
	for (size_t j = 0; j < d->s->nkeys; j++) {
		bool wanted = false;
		for (size_t i = 0; i < d->want->nkeys; i++)
			wanted |= !strcmp(d->s->keys[j].name, d->want->keys[i].name);
		if (!wanted)
			plan_act(d, PLAN_DESTROY, PLAN_SSH_KEY, d->s->keys[j].name, d->s->keys[j].id, NULL,
			    arena_printf(d->a, "destroy: no server of phase %s uses it",
					 d->want->phase->name));
	}
}

/*
 * The existing server of that name: the project's, else one without any
 * project label (it lost it, or was made by hand), which the plan adopts
 * and labels.  One of another infrac project is never adopted.
 */
static const struct hc_server *plan_have_server(const struct state *s, const char *name)
{
	const struct hc_server *h = state_server(s, name);
	if (h)
		return h;
	for (size_t i = 0; i < s->nother_servers; i++)
		if (!strcmp(s->other_servers[i].name, name) &&
		    !hcloud_label(&s->other_servers[i].labels, STATE_LABEL_PROJECT))
			return &s->other_servers[i];
	return NULL;
}

static const struct hc_firewall *plan_have_firewall(const struct state *s, const char *name)
{
	for (size_t i = 0; i < s->nfirewalls; i++)
		if (!strcmp(s->firewalls[i].name, name))
			return &s->firewalls[i];
	for (size_t i = 0; i < s->nother_firewalls; i++)
		if (!strcmp(s->other_firewalls[i].name, name) &&
		    !hcloud_label(&s->other_firewalls[i].labels, STATE_LABEL_PROJECT))
			return &s->other_firewalls[i];
	return NULL;
}

/* A name Hetzner would refuse because another infrac project uses it. */
static void plan_name_taken(struct plan_differ *d, const char *kind, const char *name, const char *have,
		       const struct hc_labels *l)
{
	const char *lp = hcloud_label(l, STATE_LABEL_PROJECT);
	if (lp && !strcmp(have, name))
		plan_note(d, true, arena_printf(d->a, "%s name %s is used by infrac project %s", kind,
					   name, lp));
}

static const struct desired_server *plan_want_server(const struct desired *w, const char *name)
{
	for (size_t i = 0; i < w->nservers; i++)
		if (!strcmp(w->servers[i].name, name))
			return &w->servers[i];
	return NULL;
}

static const char *plan_ports_text(struct arena *a, const int *ports, size_t n)
{
	const char *acc = "";
	for (size_t i = 0; i < n; i++)
		acc = arena_printf(a, "%s%s%d", acc, i ? ", " : "", ports[i]);
	return arena_printf(a, "%s/tcp", acc);
}

/* Rules as comparable strings: "in tcp 22 0.0.0.0/0,::/0". */
static const char *plan_rule_text(struct arena *a, const struct hc_rule *r)
{
	const char *ips = "";
	for (size_t i = 0; i < r->nips; i++)
		ips = arena_printf(a, "%s%s%s", ips, i ? "," : "", r->ips[i]);
	return arena_printf(a, "%s %s %s %s", r->direction, r->protocol, r->port ? r->port : "-",
			    ips);
}

#define PLAN_ANYWHERE "0.0.0.0/0,::/0"

/* A rule, shown the way the file would say it: "8070/tcp" when it is ours. */
static const char *plan_rule_short(struct arena *a, const char *text)
{
	char dir[8], proto[8], port[16], ips[256];
	if (sscanf(text, "%7s %7s %15s %255s", dir, proto, port, ips) == 4 &&
	    !strcmp(dir, "in") && !strcmp(ips, PLAN_ANYWHERE))
		return arena_printf(a, "%s/%s", port, proto);
	return arena_printf(a, "[%s]", text);
}

static void plan_diff_firewalls(struct plan_differ *d)
{
	const char *proj = d->want->project;
	for (size_t i = 0; i < d->want->nfirewalls; i++) {
		const struct desired_firewall *w = &d->want->firewalls[i];
		const struct hc_firewall *h = plan_have_firewall(d->s, w->name);
		if (!h) {
			for (size_t j = 0; j < d->s->nother_firewalls; j++)
				plan_name_taken(d, "firewall", w->name, d->s->other_firewalls[j].name,
					   &d->s->other_firewalls[j].labels);
			plan_act(d, PLAN_CREATE, PLAN_FIREWALL, w->name, 0, w,
			    arena_printf(d->a, "create: inbound %s",
					 plan_ports_text(d->a, w->ports, w->nports)));
			continue;
		}
		const char **want_r = arena_calloc(d->a, w->nports ? w->nports : 1, sizeof(char *));
		const char **have_r = arena_calloc(d->a, h->nrules ? h->nrules : 1, sizeof(char *));
		for (size_t k = 0; k < w->nports; k++)
			want_r[k] = arena_printf(d->a, "in tcp %d " PLAN_ANYWHERE, w->ports[k]);
		for (size_t k = 0; k < h->nrules; k++)
			have_r[k] = plan_rule_text(d->a, &h->rules[k]);
		const char *acc = NULL, *plus = NULL, *minus = NULL;
		for (size_t k = 0; k < w->nports; k++) {
			bool found = false;
			for (size_t m = 0; m < h->nrules; m++)
				found |= !strcmp(want_r[k], have_r[m]);
			if (!found)
				plus = arena_printf(d->a, "%s%s+%s", plus ? plus : "", plus ? ", " : "",
						    plan_rule_short(d->a, want_r[k]));
		}
		for (size_t m = 0; m < h->nrules; m++) {
			bool found = false;
			for (size_t k = 0; k < w->nports; k++)
				found |= !strcmp(want_r[k], have_r[m]);
			if (!found)
				minus = arena_printf(d->a, "%s%s-%s", minus ? minus : "",
						     minus ? ", " : "", plan_rule_short(d->a, have_r[m]));
		}
		if (plus || minus)
			acc = arena_printf(d->a, "rules %s%s%s", plus ? plus : "",
					   plus && minus ? ", " : "", minus ? minus : "");
		const char *keys[] = { STATE_LABEL_PROJECT, STATE_LABEL_SERVER };
		const char *vals[] = { proj, w->server };
		const char *ld = plan_label_diff(d->a, &h->labels, keys, vals, 2);
		if (ld)
			acc = plan_join(d->a, acc, ld);
		/* a server created or replaced gets the firewall in its create request */
		const struct hc_server *hs = plan_have_server(d->s, w->name);
		bool applied = false;
		for (size_t k = 0; hs && k < h->nservers; k++)
			applied |= h->servers[k] == hs->id;
		if (hs && !applied)
			acc = plan_join(d->a, acc, arena_printf(d->a, "apply to server %s", w->name));
		if (acc)
			plan_act(d, PLAN_UPDATE, PLAN_FIREWALL, w->name, h->id, w,
			    arena_printf(d->a, "update: %s", acc));
	}
	for (size_t j = 0; j < d->s->nfirewalls; j++) {
		bool wanted = false;
		for (size_t i = 0; i < d->want->nfirewalls; i++)
			wanted |= !strcmp(d->s->firewalls[j].name, d->want->firewalls[i].name);
		if (!wanted)
			plan_act(d, PLAN_DESTROY, PLAN_FIREWALL, d->s->firewalls[j].name,
			    d->s->firewalls[j].id, NULL,
			    arena_printf(d->a, "destroy: no server of phase %s uses it",
					 d->want->phase->name));
	}
}

/* ---- the private network ----------------------------------------------------- */

static const struct hc_network *plan_have_network(const struct state *s, const char *name)
{
	for (size_t i = 0; i < s->nnetworks; i++)
		if (!strcmp(s->networks[i].name, name))
			return &s->networks[i];
	return NULL;
}

/* "web1 10.0.0.2, db 10.0.0.3": where the servers are on it; of many,
 * the first and the last (plan --json lists them all) */
static const char *plan_network_members(struct arena *a, const struct desired *w)
{
	struct strbuf b = STRBUF_INIT;
	if (w->nservers > 6) {
		strbuf_addf(&b, "%zu servers, %s %s .. %s %s", w->nservers, w->servers[0].server,
			    w->servers[0].private_ip, w->servers[w->nservers - 1].server,
			    w->servers[w->nservers - 1].private_ip);
		return arena_take(a, &b);
	}
	for (size_t i = 0; i < w->nservers; i++)
		strbuf_addf(&b, "%s%s %s", i ? ", " : "", w->servers[i].server,
			    w->servers[i].private_ip);
	return arena_take(a, &b);
}

/* What an existing network lacks: its subnet in the zone, its labels. */
static const char *plan_network_update(struct plan_differ *d, const struct desired_network *w,
				       const struct hc_network *h)
{
	bool subnet = false;
	for (size_t k = 0; k < h->nsubnets; k++)
		subnet |= !strcmp(h->subnets[k].ip_range, w->subnet) &&
			  !strcmp(h->subnets[k].network_zone, w->zone);
	const char *acc = subnet ? NULL : arena_printf(d->a, "add subnet %s (%s)", w->subnet, w->zone);
	const char *keys[] = { STATE_LABEL_PROJECT };
	const char *vals[] = { d->want->project };
	const char *ld = plan_label_diff(d->a, &h->labels, keys, vals, 1);
	return ld ? plan_join(d->a, acc, ld) : acc;
}

/* One network when the phase runs several servers, none otherwise; a
 * network is deleted only after its servers are detached (converge). */
static void plan_diff_network(struct plan_differ *d)
{
	const struct desired_network *w = d->want->network;
	const struct hc_network *h = w ? plan_have_network(d->s, w->name) : NULL;
	struct plan_action *x = NULL;
	if (w && !h) {
		x = plan_act(d, PLAN_CREATE, PLAN_NETWORK, w->name, 0, d->want,
			     arena_printf(d->a, "create: subnet %s (%s); %s", w->subnet, w->zone,
					  plan_network_members(d->a, d->want)));
	} else if (w && strcmp(h->ip_range, w->ip_range)) {
		x = plan_act(d, PLAN_REPLACE, PLAN_NETWORK, w->name, h->id, d->want,
			     arena_printf(d->a, "replace: range %s -> %s: its servers are "
					  "detached, it is deleted and made anew", h->ip_range,
					  w->ip_range));
	} else if (w) {
		const char *acc = plan_network_update(d, w, h);
		if (acc)
			x = plan_act(d, PLAN_UPDATE, PLAN_NETWORK, w->name, h->id, d->want,
				     arena_printf(d->a, "update: %s", acc));
	}
	if (x)
		x->summary = arena_printf(d->a, "(%s)", w->ip_range);
	for (size_t i = 0; i < d->s->nnetworks; i++) {
		const struct hc_network *o = &d->s->networks[i];
		if (w && !strcmp(o->name, w->name))
			continue;
		x = plan_act(d, PLAN_DESTROY, PLAN_NETWORK, o->name, o->id, NULL,
			     w ? "destroy: not the project's network"
			       : arena_printf(d->a, "destroy: phase %s runs one server; its servers "
					      "are detached first", d->want->phase->name));
		x->summary = arena_printf(d->a, "(%s)", o->ip_range);
		if (o->protect_delete)
			plan_note(d, true, arena_printf(d->a, "network %s is protected against delete: "
							 "remove its protection first", o->name));
	}
}

static const char *plan_money(struct arena *a, int64_t cents)
{
	char b[UNITS_BUF];
	return arena_strdup(a, units_fmt_money(b, cents));
}

/* Pre-flight: can this server be ordered as the file says (online only)? */
static void plan_preflight_server(struct plan_differ *d, const struct desired_server *w, bool ordering)
{
	if (!d->s->online)
		return;
	if (!state_has_location(d->s, w->location)) {
		plan_note(d, true, arena_printf(d->a, "location %s does not exist at Hetzner", w->location));
		return;
	}
	const struct hc_server_type *t = state_type(d->s, w->type);
	if (!t) {
		plan_note(d, true, arena_printf(d->a, "server type %s is not offered by Hetzner (not in "
						 "the API's server types)", w->type));
		return;
	}
	const struct hc_type_loc *tl = state_type_loc(t, w->location);
	if (ordering && (!tl || !tl->listed || !tl->available))
		plan_note(d, true, arena_printf(d->a, "server type %s cannot be ordered in %s "
						 "(not available there)", w->type, w->location));
	else if (tl && (tl->deprecated || t->deprecated))
		plan_note(d, false, arena_printf(d->a, "server type %s is deprecated in %s", w->type,
					    w->location));
	if (tl && tl->monthly >= 0 && tl->monthly != w->price)
		plan_note(d, false, arena_printf(d->a, "server type %s costs %s EUR/month in %s at Hetzner, "
						  "the file says %s EUR/month", w->type,
					    plan_money(d->a, tl->monthly), w->location,
					    plan_money(d->a, w->price)));
	const struct hc_image *img = state_image(d->s, w->image);
	if (ordering && !img)
		plan_note(d, true, arena_printf(d->a, "image %s does not exist at Hetzner", w->image));
	else if (img && img->deprecated)
		plan_note(d, false, arena_printf(d->a, "image %s is deprecated", w->image));
}

/* The labels of what w runs that a plan can know (no salt, no value). */
static void plan_server_labels(struct plan_differ *d, struct plan_action *x,
			       const struct desired_server *w, const struct hc_server *h)
{
	size_t cap = rotate_nlabels(w);
	x->labels_keys = arena_calloc(d->a, cap, sizeof(*x->labels_keys));
	x->labels_vals = arena_calloc(d->a, cap, sizeof(*x->labels_vals));
	x->nlabels = rotate_labels(d->a, d->want, w, NULL, h ? &h->labels : NULL, x->labels_keys,
				   x->labels_vals);
}

/* A server's differences, as details and as the reason's words. */
struct plan_server_diff {
	struct plan_detail *det;
	size_t n;
	const char *force, *acc;  /* the reason's words: forcing, in place */
	bool deploy, protect;
};

static void plan_detail(struct plan_server_diff *sd, const char *subject, const char *change,
			bool forces)
{
	sd->det[sd->n++] = (struct plan_detail){ subject, change, forces, false, false };
}

/* ---- the data guard -------------------------------------------------------- */

/* The data on h's disk as its labels record it ("the volumes pgdata
 * (postgres)"), else what its protection guards; NULL: none known. */
static const char *plan_data_on(struct plan_differ *d, const struct hc_server *h)
{
	const struct mdl_service **svcs;
	size_t n = rotate_recorded(d->a, &h->labels, d->want->model, &svcs);
	struct strbuf v = STRBUF_INIT, who = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < svcs[i]->nvolumes; j++)
			strbuf_addf(&v, "%s%s", v.len ? ", " : "", svcs[i]->volumes[j].name);
		if (svcs[i]->nvolumes)
			strbuf_addf(&who, "%s%s", who.len ? ", " : "", svcs[i]->name);
	}
	const char *data = v.len ? arena_printf(d->a, "the volumes %s (%s)", v.buf, who.buf)
		: h->protect_delete ? "data: it is protected against deletion" : NULL;
	strbuf_release(&v);
	strbuf_release(&who);
	return data;
}

/*
 * A server with data on its disk that the plan would delete (how:
 * "replacing", "destroying"): refused, unless the operator allows data
 * loss; then apply snapshots the disk first, and the plan says what that
 * costs a month.
 */
static void plan_guard(struct plan_differ *d, struct plan_action *x, const struct hc_server *h,
		       const char *how, struct plan_server_diff *sd)
{
	const char *data = plan_data_on(d, h);
	if (!data)
		return;
	if (!d->want->allow_data_loss) {
		plan_note(d, true, arena_printf(d->a, "server %s holds %s: %s it loses them; pass "
						 "--allow-data-loss to go on after a snapshot of "
						 "its disk", h->name, data, how));
		return;
	}
	const struct hc_server_type *t = state_type(d->s, h->type);
	int64_t gb = t ? t->disk_gb : 0, price = d->s->snapshot_price;
	x->snapshot = true;
	x->snapshot_cents = gb > 0 && price >= 0 ? (gb * price + 99) / 100 : -1;
	char money[UNITS_BUF];
	plan_detail(sd, "snapshot", x->snapshot_cents < 0
		    ? arena_printf(d->a, "of its disk first (%s): its price was not read", data)
		    : arena_printf(d->a, "of its disk first (%s): at most %lld GB, at most %s EUR a "
				   "month at Hetzner's %lld.%04lld EUR per GB", data, (long long)gb,
				   units_fmt_money(money, x->snapshot_cents), (long long)(price / 10000),
				   (long long)(price % 10000)), false);
	sd->det[sd->n - 1].aside = true;
	if (x->snapshot_cents > 0)
		d->p->cost_after += x->snapshot_cents;
}

/* Do h's labels record svc as running there? */
static bool plan_records(struct plan_differ *d, const struct hc_server *h,
			 const struct mdl_service *svc)
{
	const struct mdl_service **svcs;
	size_t n = h ? rotate_recorded(d->a, &h->labels, d->want->model, &svcs) : 0;
	for (size_t k = 0; k < n; k++)
		if (svcs[k] == svc)
			return true;
	return false;
}

static struct plan_action *plan_server_action(struct plan_differ *d, const char *name)
{
	for (size_t i = 0; i < d->p->nactions; i++) {
		struct plan_action *x = &d->p->actions[i];
		if (x->kind == PLAN_SERVER && x->op != PLAN_DESTROY && !strcmp(x->name, name))
			return x;
	}
	return NULL;
}

/* svc, recorded on h, runs on w now: w's deploy brings its volumes over
 * first, unless h's disk goes in this apply (then the data guard's
 * refusal) or w has run it since. */
static void plan_data_move(struct plan_differ *d, const struct hc_server *h,
			   const struct desired_server *w, const struct mdl_service *svc)
{
	if (plan_records(d, plan_have_server(d->s, w->name), svc))
		return;
	struct plan_action *x = plan_server_action(d, w->name), *xh = plan_server_action(d, h->name);
	const char *why = xh && xh->op == PLAN_REPLACE ? "is replaced in this apply"
			  : !h->ipv4 || !x ? "has no public IPv4 address to copy them from" : NULL;
	if (why) {
		plan_note(d, !d->want->allow_data_loss, arena_printf(
			d->a, "service %s moves from %s to %s, but %s %s: its volumes are lost, and "
			"on %s it starts with empty ones%s", svc->name, h->name, w->name, h->name, why,
			w->name, d->want->allow_data_loss ? ""
			: "; move it in an apply of its own first, or pass --allow-data-loss"));
		return;
	}
	struct plan_move *all = arena_calloc(d->a, x->nmoves + 1, sizeof(*all));
	if (x->nmoves)
		memcpy(all, x->moves, x->nmoves * sizeof(*all));
	struct plan_move *m = &all[x->nmoves++];
	x->moves = all;
	m->service = svc->name;
	m->from = h->name;
	m->from_ip = h->ipv4;
	m->volumes = arena_calloc(d->a, svc->nvolumes, sizeof(*m->volumes));
	struct strbuf names = STRBUF_INIT;
	for (size_t i = 0; i < svc->nvolumes; i++) {
		m->volumes[m->nvolumes++] = svc->volumes[i].name;
		strbuf_addf(&names, "%s%s", i ? ", " : "", svc->volumes[i].name);
	}
	struct plan_detail *det = arena_calloc(d->a, x->ndetails + 1, sizeof(*det));
	if (x->ndetails)
		memcpy(det, x->details, x->ndetails * sizeof(*det));
	det[x->ndetails++] = (struct plan_detail){
		svc->name, arena_printf(d->a, "moves here from %s: stopped there, its volumes %s "
				       "copied through this machine (%s keeps its copy)", h->name,
				       names.buf, h->name), false, true, false };
	x->details = det;
	x->reason = arena_printf(d->a, "%s; move %s from %s with its data", x->reason, svc->name,
				 h->name);
	x->deploy = true;
	strbuf_release(&names);
}

/* Stateful services that this phase runs on another server than the one
 * whose disk holds their volumes. */
static void plan_data_moves(struct plan_differ *d)
{
	for (size_t i = 0; i < d->s->nservers; i++) {
		const struct hc_server *h = &d->s->servers[i];
		const struct mdl_service **svcs;
		size_t n = rotate_recorded(d->a, &h->labels, d->want->model, &svcs);
		for (size_t k = 0; k < n; k++)
			for (size_t j = 0; svcs[k]->nvolumes && j < d->want->nservers; j++) {
				const struct desired_server *w = &d->want->servers[j];
				bool runs = false;
				for (size_t m = 0; m < w->nservices; m++)
					runs |= !strcmp(w->services[m].name, svcs[k]->name);
				if (runs && strcmp(w->name, h->name))
					plan_data_move(d, h, w, svcs[k]);
			}
	}
}

/* An existing server's place on the network: attached at its address. */
static void plan_server_network(struct plan_differ *d, const struct desired_server *w,
				const struct hc_server *h, struct plan_server_diff *sd)
{
	if (!w->private_ip)
		return;
	const struct hc_network *net = plan_have_network(d->s, d->want->network->name);
	const char *had = NULL;
	for (size_t k = 0; net && !strcmp(net->ip_range, d->want->network->ip_range) &&
			   k < h->nprivate_net; k++)
		if (h->private_net[k].network == net->id)
			had = h->private_net[k].ip;
	if (had && !strcmp(had, w->private_ip))
		return;
	const char *c = had ? arena_printf(d->a, "%s -> %s (detach, attach)", had, w->private_ip)
			    : arena_printf(d->a, "attach at %s", w->private_ip);
	plan_detail(sd, "private network", c, false);
	sd->acc = plan_join(d->a, sd->acc, arena_printf(d->a, "network %s: %s",
							 d->want->network->name, c));
}

/* Location and image force a new server; type, power and keys do not. */
static void plan_server_attributes(struct plan_differ *d, const struct desired_server *w,
				   const struct hc_server *h, struct plan_server_diff *sd)
{
	struct arena *a = d->a;
	if (strcmp(h->location, w->location)) {
		const char *c = arena_printf(a, "%s -> %s", h->location, w->location);
		plan_detail(sd, "location", c, true);
		sd->force = plan_join(a, sd->force, arena_printf(a, "location %s", c));
	}
	if (!h->image || strcmp(h->image, w->image)) {
		const char *c = arena_printf(a, "%s -> %s", h->image ? h->image : "(none)", w->image);
		plan_detail(sd, "image", c, true);
		sd->force = plan_join(a, sd->force, arena_printf(a, "image %s", c));
	}
	if (strcmp(h->type, w->type)) {
		plan_detail(sd, "type", arena_printf(a, "%s -> %s: poweroff, change_type, poweron "
						    "(downtime)", h->type, w->type), false);
		sd->acc = plan_join(a, sd->acc, arena_printf(a, "change type %s -> %s: poweroff, "
							    "change_type, poweron (downtime)",
							    h->type, w->type));
	}
	/* left off by an interrupted type change, or by hand */
	if (h->status && !strcmp(h->status, "off")) {
		plan_detail(sd, "status", "off -> running", false);
		sd->acc = plan_join(a, sd->acc, "power on (status off)");
	}
	const char *vols = desired_volumes(a, w);
	if (vols && !(h->protect_delete && h->protect_rebuild)) {
		plan_detail(sd, "protection", arena_printf(a, "off -> delete and rebuild: it holds "
							     "the volumes %s", vols), false);
		sd->acc = plan_join(a, sd->acc, "protect against delete and rebuild (it holds data)");
		sd->protect = true;
	}
	const char *hk = hcloud_label(&h->labels, STATE_LABEL_SSH_KEYS);
	if (!hk || strcmp(hk, w->keys_hash)) {
		struct strbuf names = STRBUF_INIT;
		for (size_t k = 0; k < w->nkeys; k++)
			strbuf_addf(&names, "%s%s", k ? ", " : "", w->keys[k]);
		plan_detail(sd, "ssh keys", arena_printf(a, "now %s: root's authorized_keys "
						       "updated over SSH, the server stays",
						       names.len ? names.buf : "none"), false);
		strbuf_release(&names);
		sd->acc = plan_join(a, sd->acc, "update ssh keys over SSH (the server stays)");
		sd->deploy = true;
	}
}

/* The release and the services whose containers change. */
static void plan_server_release(struct plan_differ *d, const struct desired_server *w,
				const struct hc_server *h, struct plan_server_diff *sd)
{
	struct arena *a = d->a;
	const char *ha = hcloud_label(&h->labels, STATE_LABEL_ARTEFACTS);
	const char *rb = hcloud_label(&h->labels, STATE_LABEL_ROLLED_BACK);
	if (rb) {
		/* said, never undone in silence: even the release the file
		 * wants again is deployed anew, which records what runs */
		plan_detail(sd, "release", arena_printf(a, "%s (rolled back) -> %s", rb, w->artefacts),
			    false);
		sd->acc = plan_join(a, sd->acc, arena_printf(a, "rolled back to %s; apply redeploys "
							   "%s", rb, w->artefacts));
		sd->deploy = true;
	} else if (!ha || strcmp(ha, w->artefacts)) {
		plan_detail(sd, "release", arena_printf(a, "%s -> %s", ha ? ha : "none", w->artefacts),
			    false);
		sd->acc = plan_join(a, sd->acc, arena_printf(a, "redeploy artefacts (%s -> %s)",
							   ha ? ha : "none", w->artefacts));
		sd->deploy = true;
	}
	for (size_t i = 0; i < d->want->nsecrets; i++)
		if (!d->want->secrets[i].value)
			plan_note(d, false, arena_printf(a, "secret %s is not set in this environment: "
							 "whether it was rotated is not checked (apply "
							 "needs it)", d->want->secrets[i].name));
	struct rotate_change *rc;
	bool stale;
	size_t nrc = rotate_diff(a, d->want, w, &h->labels, &rc, &stale);
	for (size_t i = 0; i < nrc; i++) {
		plan_detail(sd, rc[i].service, arena_printf(a, "%s: %s", rc[i].effect, rc[i].why),
			    false);
		sd->det[sd->n - 1].service = sd->det[sd->n - 1].aside = true;
	}
	if (!rb && ha && !strcmp(ha, w->artefacts) && (nrc || stale)) {
		sd->acc = plan_join(a, sd->acc, stale ? "redeploy: what runs was not recorded "
							"(deployed by an earlier version)"
						      : arena_printf(a, "redeploy: %zu service%s "
								    "change%s", nrc,
								    nrc == 1 ? "" : "s",
								    nrc == 1 ? "s" : ""));
		sd->deploy = true;
	}
}

/* An existing server of the project against what the file wants. */
static void plan_diff_server(struct plan_differ *d, const struct desired_server *w,
			     const struct hc_server *h, const char *summary)
{
	struct plan_server_diff sd = { 0 };
	sd.det = arena_calloc(d->a, 10 + w->nservices + h->labels.n, sizeof(*sd.det));
	plan_server_attributes(d, w, h, &sd);
	struct plan_action *x;
	if (sd.force) {
		plan_preflight_server(d, w, true);
		x = plan_act(d, PLAN_REPLACE, PLAN_SERVER, w->name, h->id, w,
			     arena_printf(d->a, "replace: %s forces a new server (data on its disk "
						"is lost)", sd.force));
		plan_guard(d, x, h, "replacing", &sd);
		x->protect = desired_volumes(d->a, w) != NULL;
	} else {
		plan_server_release(d, w, h, &sd);
		plan_server_network(d, w, h, &sd);
		const char *keys[] = { STATE_LABEL_PROJECT, STATE_LABEL_SERVER };
		const char *vals[] = { d->want->project, w->server };
		const char *ld = plan_label_diff(d->a, &h->labels, keys, vals, 2);
		if (ld)
			sd.acc = plan_join(d->a, sd.acc, ld);
		bool retype = strcmp(h->type, w->type) != 0;
		plan_preflight_server(d, w, retype);
		if (!sd.acc)
			return;
		x = plan_act(d, retype ? PLAN_CHANGE_TYPE : PLAN_UPDATE, PLAN_SERVER, w->name, h->id,
			     w, arena_printf(d->a, "update: %s", sd.acc));
		x->deploy = sd.deploy;
		x->protect = sd.protect;
	}
	x->summary = summary;
	x->details = sd.det;
	x->ndetails = sd.n;
	plan_server_labels(d, x, w, h);
}

static void plan_diff_servers(struct plan_differ *d)
{
	const char *proj = d->want->project;
	for (size_t i = 0; i < d->want->nservers; i++) {
		const struct desired_server *w = &d->want->servers[i];
		const struct hc_server *h = plan_have_server(d->s, w->name);
		d->p->cost_after += state_monthly(d->s, w->type, w->location, w->price);
		const char *summary = arena_printf(d->a, "(%s, %s, %s)", w->type, w->image,
						   w->location);
		if (h && !hcloud_label(&h->labels, STATE_LABEL_PROJECT))
			/* adopted: it costs already, though not listed as the project's */
			d->p->cost_before += state_monthly(d->s, h->type, h->location, 0);
		struct plan_action *x;
		if (!h) {
			for (size_t j = 0; j < d->s->nother_servers; j++)
				plan_name_taken(d, "server", w->name, d->s->other_servers[j].name,
					   &d->s->other_servers[j].labels);
			plan_preflight_server(d, w, true);
			x = plan_act(d, PLAN_CREATE, PLAN_SERVER, w->name, 0, w, "create: not in the project");
			x->summary = summary;
			x->deploy = true;
			x->protect = desired_volumes(d->a, w) != NULL;
			plan_server_labels(d, x, w, NULL);
			continue;
		}
		plan_diff_server(d, w, h, summary);
	}
	for (size_t j = 0; j < d->s->nservers; j++) {
		const struct hc_server *h = &d->s->servers[j];
		d->p->cost_before += state_monthly(d->s, h->type, h->location, 0);
		if (plan_want_server(d->want, h->name))
			continue;
		const char *srv = hcloud_label(&h->labels, STATE_LABEL_SERVER);
		struct plan_action *x = plan_act(
			d, PLAN_DESTROY, PLAN_SERVER, h->name, h->id, NULL,
			srv ? arena_printf(d->a, "destroy: server %s does not run in phase %s", srv,
					   d->want->phase->name)
			    : arena_printf(d->a, "destroy: labelled %s=%s but not in the file",
					   STATE_LABEL_PROJECT, proj));
		x->summary = arena_printf(d->a, "(%s, %s, %s)", h->type, h->image ? h->image : "-",
					  h->location);
		struct plan_server_diff sd = { arena_calloc(d->a, 1, sizeof(*sd.det)), 0, NULL, NULL,
					       false, false };
		plan_guard(d, x, h, "destroying", &sd);
		x->details = sd.det;
		x->ndetails = sd.n;
	}
	plan_data_moves(d);
}

static void plan_diff_dns(struct plan_differ *d)
{
	const char *proj = d->want->project;
	if (!d->s->online) {
		if (d->want->ndns)
			plan_note(d, false, arena_printf(d->a, "offline: DNS zones are not known, the A "
							  "records of %zu domain%s are not planned",
						    d->want->ndns, d->want->ndns == 1 ? "" : "s"));
		return;
	}
	/* which rrsets the file wants, to find the labelled ones it no longer does */
	const char **wanted = arena_calloc(d->a, d->want->ndns ? d->want->ndns : 1, sizeof(char *));
	for (size_t i = 0; i < d->want->ndns; i++) {
		const struct desired_dns *w = &d->want->dns[i];
		const struct state_zone *z = state_zone_of(d->s, w->domain);
		if (!z) {
			plan_note(d, false, arena_printf(d->a, "%s: no DNS zone for it in the Hetzner "
							  "project; point its A record at %s yourself",
						    w->domain, w->server));
			continue;
		}
		wanted[i] = w->domain;
		const char *name = hcloud_rrset_name(d->a, w->domain, z->zone.name);
		const struct hc_rrset *h = NULL;
		for (size_t k = 0; k < z->nrrsets; k++)
			if (!strcmp(z->rrsets[k].name, name))
				h = &z->rrsets[k];
		/* the address is known only if the server exists and stays */
		const struct hc_server *hs = plan_have_server(d->s, w->server);
		const char *ip = hs ? hs->ipv4 : NULL;
		for (size_t k = 0; ip && k < d->p->nactions; k++)
			if (d->p->actions[k].kind == PLAN_SERVER && d->p->actions[k].op == PLAN_REPLACE &&
			    !strcmp(d->p->actions[k].name, w->server))
				ip = NULL;
		const char *target = ip ? ip : "after apply: known once the server has an address";
		struct plan_action *x = NULL;
		if (!h) {
			x = plan_act(d, PLAN_CREATE, PLAN_RRSET, w->domain, 0, w,
				arena_printf(d->a, "create: A %s", target));
		} else {
			const char *acc = NULL;
			if (!ip)
				acc = arena_printf(d->a, "A %s", target);
			else if (h->nrecords != 1 || strcmp(h->records[0], ip))
				acc = arena_printf(d->a, "A %s -> %s",
						   h->nrecords ? h->records[0] : "(empty)", ip);
			const char *keys[] = { STATE_LABEL_PROJECT, STATE_LABEL_SERVER };
			const char *srv = plan_want_server(d->want, w->server)->server;
			const char *vals[] = { proj, srv };
			if (!hcloud_label(&h->labels, STATE_LABEL_PROJECT))
				acc = plan_join(d->a, acc, "take over the record (not labelled by infrac)");
			else if (plan_label_diff(d->a, &h->labels, keys, vals, 2))
				acc = plan_join(d->a, acc, plan_label_diff(d->a, &h->labels, keys, vals, 2));
			if (acc)
				x = plan_act(d, PLAN_UPDATE, PLAN_RRSET, w->domain, 0, w,
					arena_printf(d->a, "update: %s", acc));
		}
		if (x) {
			x->zone = z->zone.name;
			x->value = ip;
		}
	}
	for (size_t i = 0; i < d->s->nzones; i++) {
		const struct state_zone *z = &d->s->zones[i];
		for (size_t k = 0; k < z->nrrsets; k++) {
			const struct hc_rrset *h = &z->rrsets[k];
			const char *lp = hcloud_label(&h->labels, STATE_LABEL_PROJECT);
			if (!lp || strcmp(lp, proj))
				continue;
			const char *domain = state_rrset_domain(d->a, z, h);
			bool want = false;
			for (size_t j = 0; j < d->want->ndns; j++)
				want |= wanted[j] && !strcmp(wanted[j], domain);
			if (!want) {
				struct plan_action *x = plan_act(d, PLAN_DESTROY, PLAN_RRSET, domain, 0, NULL,
							    arena_printf(d->a, "destroy: no service of "
									       "phase %s serves it",
									 d->want->phase->name));
				x->zone = z->zone.name;
			}
		}
	}
}

static int plan_cmp_action(const void *x, const void *y)
{
	const struct plan_action *a = x, *b = y;
	if (a->kind != b->kind)
		return (int)a->kind - (int)b->kind;
	return strcmp(a->name, b->name);
}

void plan_diff(struct arena *a, const struct desired *want, const struct state *s,
	       struct plan *out)
{
	memset(out, 0, sizeof(*out));
	out->want = want;
	out->state = s;
	struct plan_differ d = { a, want, s, out, 0, 0 };
	/* names become label values, which the API restricts more than the language */
	if (!hcloud_label_value_ok(want->project))
		plan_note(&d, true, arena_printf(a, "project name %s cannot be a label value (at most 63 "
					       "characters, a letter or digit at both ends)",
					    want->project));
	for (size_t i = 0; i < want->nservers; i++)
		if (!hcloud_label_value_ok(want->servers[i].server))
			plan_note(&d, true, arena_printf(a, "server name %s cannot be a label value (at "
						       "most 63 characters, a letter or digit at "
						       "both ends)", want->servers[i].server));
	for (size_t i = 0; i < want->nkeys; i++)
		if (!hcloud_label_value_ok(want->keys[i].key))
			plan_note(&d, true, arena_printf(a, "ssh_key name %s cannot be a label value (at "
						       "most 63 characters, a letter or digit at "
						       "both ends)", want->keys[i].key));
	plan_diff_keys(&d);
	plan_diff_firewalls(&d);
	plan_diff_network(&d);
	plan_diff_servers(&d);
	plan_diff_dns(&d);
	if (out->nactions)
		qsort(out->actions, out->nactions, sizeof(*out->actions), plan_cmp_action);
	if (out->nwarnings)
		qsort(out->warnings, out->nwarnings, sizeof(char *), strv_cmp);
	if (out->nerrors)
		qsort(out->errors, out->nerrors, sizeof(char *), strv_cmp);
}

bool plan_has_changes(const struct plan *p)
{
	return p->nactions > 0;
}

