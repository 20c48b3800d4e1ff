#include "plan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "units.h"

/* ---- desired state -------------------------------------------------------- */

const char *plan_resource_name(struct arena *a, const char *project, const char *name)
{
	char *s = arena_printf(a, "%s-%s", project, name);
	for (char *p = s; *p; p++) {
		if (*p == '_')
			*p = '-';
		else if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	}
	return s;
}

static void hash_short(struct digest_buf *d, char out[PLAN_HASH_LEN + 1])
{
	char hex[DIGEST_HEX];
	digest_finish(d, hex);
	memcpy(out, hex, PLAN_HASH_LEN);
	out[PLAN_HASH_LEN] = '\0';
}

void plan_artefact_hash(const struct emit_output *art, const char *phase,
			const char *server, char out[PLAN_HASH_LEN + 1])
{
	/* the files apply deploys over SSH; cloud-init.yaml carries the same
	 * files but only matters when a server is created */
	size_t plen = strlen(phase), slen = strlen(server);
	struct digest_buf d = { 0 };
	digest_put(&d, "infrac-artefacts-2");
	for (size_t i = 0; i < art->n; i++) {
		const struct emit_file *f = &art->files[i];
		const char *rest = f->path;
		if (strncmp(rest, phase, plen) || rest[plen] != '/')
			continue;
		rest += plen + 1;
		if (strncmp(rest, server, slen) || rest[slen] != '/')
			continue;
		rest += slen + 1;
		if (!strcmp(rest, "cloud-init.yaml"))
			continue;
		char hex[DIGEST_HEX];
		digest_sha256_hex(f->data, f->len, hex);
		digest_put(&d, rest);
		digest_put(&d, hex);
	}
	hash_short(&d, out);
}

static int cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;
	return (a > b) - (a < b);
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static void want_firewall(struct arena *a, const struct mdl_placement *pl,
			  struct plan_want_firewall *fw)
{
	size_t cap = 1;
	for (size_t i = 0; i < pl->nservices; i++)
		cap += pl->services[i]->npublish + (pl->services[i]->proxy ? 2 : 0);
	fw->ports = arena_calloc(a, cap, sizeof(int));
	fw->ports[fw->nports++] = 22;
	for (size_t i = 0; i < pl->nservices; i++) {
		const struct mdl_service *s = pl->services[i];
		if (s->proxy) {
			fw->ports[fw->nports++] = 80;
			fw->ports[fw->nports++] = 443;
		}
		for (size_t j = 0; j < s->npublish; j++)
			fw->ports[fw->nports++] = s->publish[j];
	}
	qsort(fw->ports, fw->nports, sizeof(int), cmp_int);
	size_t w = 0;
	for (size_t i = 0; i < fw->nports; i++)
		if (!w || fw->ports[w - 1] != fw->ports[i])
			fw->ports[w++] = fw->ports[i];
	fw->nports = w;
}

void plan_desired(struct arena *a, const struct mdl_project *p, const struct mdl_phase *ph,
		  const struct emit_output *art, struct plan_desired *out)
{
	memset(out, 0, sizeof(*out));
	out->project = p->name;
	out->phase = ph;
	out->location = p->location;
	size_t n = ph->nplacements, ndomains = 0;
	out->servers = arena_calloc(a, n ? n : 1, sizeof(*out->servers));
	out->firewalls = arena_calloc(a, n ? n : 1, sizeof(*out->firewalls));
	out->keys = arena_calloc(a, p->nkeys ? p->nkeys : 1, sizeof(*out->keys));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < ph->placements[i].nservices; j++)
			ndomains += ph->placements[i].services[j]->domain != NULL;
	out->dns = arena_calloc(a, ndomains ? ndomains : 1, sizeof(*out->dns));

	for (size_t i = 0; i < n; i++) {
		const struct mdl_placement *pl = &ph->placements[i];
		const struct mdl_server *srv = pl->server;
		struct plan_want_server *w = &out->servers[out->nservers++];
		w->server = srv->name;
		w->name = plan_resource_name(a, p->name, srv->name);
		w->type = pl->type->name;
		w->image = pl->image;
		w->location = srv->location ? srv->location : p->location;
		w->price = pl->type->price;
		w->firewall = w->name;
		w->nkeys = srv->nssh_keys;
		w->keys = arena_calloc(a, w->nkeys ? w->nkeys : 1, sizeof(*w->keys));
		struct digest_buf kd = { 0 };
		for (size_t k = 0; k < srv->nssh_keys; k++)
			w->keys[k] = plan_resource_name(a, p->name, srv->ssh_keys[k]->name);
		qsort(w->keys, w->nkeys, sizeof(*w->keys), cmp_str);
		for (size_t k = 0; k < srv->nssh_keys; k++) {
			const struct mdl_ssh_key *key = NULL;
			for (size_t m = 0; m < srv->nssh_keys; m++)
				if (!strcmp(plan_resource_name(a, p->name, srv->ssh_keys[m]->name),
					    w->keys[k]))
					key = srv->ssh_keys[m];
			digest_put(&kd, w->keys[k]);
			digest_put(&kd, key ? key->public_key : NULL);
		}
		hash_short(&kd, w->keys_hash);
		plan_artefact_hash(art, ph->name, srv->name, w->artefacts);

		struct plan_want_firewall *fw = &out->firewalls[out->nfirewalls++];
		fw->name = w->name;
		fw->server = srv->name;
		want_firewall(a, pl, fw);

		for (size_t j = 0; j < pl->nservices; j++)
			if (pl->services[j]->domain) {
				out->dns[out->ndns].domain = pl->services[j]->domain;
				out->dns[out->ndns++].server = w->name;
			}
		/* keys: those the servers of this phase use */
		for (size_t k = 0; k < srv->nssh_keys; k++) {
			const char *kn = plan_resource_name(a, p->name, srv->ssh_keys[k]->name);
			bool have = false;
			for (size_t m = 0; m < out->nkeys; m++)
				have |= !strcmp(out->keys[m].name, kn);
			if (!have) {
				out->keys[out->nkeys].name = kn;
				out->keys[out->nkeys].key = srv->ssh_keys[k]->name;
				out->keys[out->nkeys++].public_key = srv->ssh_keys[k]->public_key;
			}
		}
	}
}

/* ---- the diff ------------------------------------------------------------- */

struct differ {
	struct arena *a;
	const struct plan_desired *want;
	const struct state *s;
	struct plan *p;
	size_t cap_w, cap_e;
};

static void note(struct differ *d, bool error, const char *msg)
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

static struct plan_action *act(struct differ *d, enum plan_op op, enum plan_kind kind,
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
static const char *join(struct arena *a, const char *acc, const char *part)
{
	return acc ? arena_printf(a, "%s; %s", acc, part) : part;
}

/* The label differences of have against want, as "labels: k missing, k a -> b". */
static const char *label_diff(struct arena *a, const struct hc_labels *have,
			      const char *const *keys, const char *const *vals, size_t n)
{
	const char *acc = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *v = hcloud_label(have, keys[i]);
		if (!v)
			acc = join(a, acc, arena_printf(a, "label %s missing", keys[i]));
		else if (strcmp(v, vals[i]))
			acc = join(a, acc, arena_printf(a, "label %s %s -> %s", keys[i], v, vals[i]));
	}
	return acc;
}

/* The key type and blob of an OpenSSH public key line, without the comment. */
static const char *key_core(struct arena *a, const char *k)
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
static void diff_new_key(struct differ *d, const struct plan_want_key *w)
{
	const char *core = key_core(d->a, w->public_key);
	for (size_t j = 0; j < d->s->nother_keys; j++) {
		const struct hc_ssh_key *o = &d->s->other_keys[j];
		bool same_key = !strcmp(key_core(d->a, o->public_key), core);
		if (!same_key && strcmp(o->name, w->name))
			continue;
		const char *lp = hcloud_label(&o->labels, STATE_LABEL_PROJECT);
		if (lp)
			note(d, true, arena_printf(d->a, "ssh_key %s: the key %s belongs to infrac "
							 "project %s and has the same %s; Hetzner "
							 "holds a public key once", w->key, o->name, lp,
						   same_key ? "public key" : "name"));
		else if (!same_key)
			note(d, true, arena_printf(d->a, "ssh_key %s: the name %s is taken by another "
							 "public key infrac does not manage; rename "
							 "or delete that key", w->key, w->name));
		else
			act(d, PLAN_UPDATE, PLAN_SSH_KEY, w->name, o->id, w,
			    strcmp(o->name, w->name)
				    ? arena_printf(d->a, "update: take over the key %s (same public "
							 "key, not labelled by infrac): rename, label",
						   o->name)
				    : "update: take over the key (not labelled by infrac): label");
		return;
	}
	act(d, PLAN_CREATE, PLAN_SSH_KEY, w->name, 0, w, "create: not in the project");
}

static void diff_keys(struct differ *d)
{
	const char *proj = d->want->project;
	for (size_t i = 0; i < d->want->nkeys; i++) {
		const struct plan_want_key *w = &d->want->keys[i];
		const struct hc_ssh_key *h = NULL;
		for (size_t j = 0; j < d->s->nkeys; j++)
			if (!strcmp(d->s->keys[j].name, w->name))
				h = &d->s->keys[j];
		if (!h) {
			diff_new_key(d, w);
			continue;
		}
		if (strcmp(key_core(d->a, h->public_key), key_core(d->a, w->public_key))) {
			act(d, PLAN_REPLACE, PLAN_SSH_KEY, w->name, h->id, w,
			    "replace: public key changed");
			continue;
		}
		const char *keys[] = { STATE_LABEL_KEY, STATE_LABEL_PROJECT };
		const char *vals[] = { w->key, proj };
		const char *ld = label_diff(d->a, &h->labels, keys, vals, 2);
		if (ld)
			act(d, PLAN_UPDATE, PLAN_SSH_KEY, w->name, h->id, w,
			    arena_printf(d->a, "update: %s", ld));
	}
	for (size_t j = 0; j < d->s->nkeys; j++) {
		bool wanted = false;
		for (size_t i = 0; i < d->want->nkeys; i++)
			wanted |= !strcmp(d->s->keys[j].name, d->want->keys[i].name);
		if (!wanted)
			act(d, PLAN_DESTROY, PLAN_SSH_KEY, d->s->keys[j].name, d->s->keys[j].id, NULL,
			    arena_printf(d->a, "destroy: no server of phase %s uses it",
					 d->want->phase->name));
	}
}

/*
 * The existing server of that name: the project's, else one without any
 * project label (it lost it, or was made by hand), which the plan adopts
 * and labels.  One of another infrac project is never adopted.
 */
static const struct hc_server *have_server(const struct state *s, const char *name)
{
	for (size_t i = 0; i < s->nservers; i++)
		if (!strcmp(s->servers[i].name, name))
			return &s->servers[i];
	for (size_t i = 0; i < s->nother_servers; i++)
		if (!strcmp(s->other_servers[i].name, name) &&
		    !hcloud_label(&s->other_servers[i].labels, STATE_LABEL_PROJECT))
			return &s->other_servers[i];
	return NULL;
}

static const struct hc_firewall *have_firewall(const struct state *s, const char *name)
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
static void name_taken(struct differ *d, const char *kind, const char *name, const char *have,
		       const struct hc_labels *l)
{
	const char *lp = hcloud_label(l, STATE_LABEL_PROJECT);
	if (lp && !strcmp(have, name))
		note(d, true, arena_printf(d->a, "%s name %s is used by infrac project %s", kind,
					   name, lp));
}

static const struct plan_want_server *want_server(const struct plan_desired *w, const char *name)
{
	for (size_t i = 0; i < w->nservers; i++)
		if (!strcmp(w->servers[i].name, name))
			return &w->servers[i];
	return NULL;
}

static const char *ports_text(struct arena *a, const int *ports, size_t n)
{
	const char *acc = "";
	for (size_t i = 0; i < n; i++)
		acc = arena_printf(a, "%s%s%d", acc, i ? ", " : "", ports[i]);
	return arena_printf(a, "%s/tcp", acc);
}

/* Rules as comparable strings: "in tcp 22 0.0.0.0/0,::/0". */
static const char *rule_text(struct arena *a, const struct hc_rule *r)
{
	const char *ips = "";
	for (size_t i = 0; i < r->nips; i++)
		ips = arena_printf(a, "%s%s%s", ips, i ? "," : "", r->ips[i]);
	return arena_printf(a, "%s %s %s %s", r->direction, r->protocol, r->port ? r->port : "-",
			    ips);
}

#define ANYWHERE "0.0.0.0/0,::/0"

/* A rule, shown the way the file would say it: "8070/tcp" when it is ours. */
static const char *rule_short(struct arena *a, const char *text)
{
	char dir[8], proto[8], port[16], ips[256];
	if (sscanf(text, "%7s %7s %15s %255s", dir, proto, port, ips) == 4 &&
	    !strcmp(dir, "in") && !strcmp(ips, ANYWHERE))
		return arena_printf(a, "%s/%s", port, proto);
	return arena_printf(a, "[%s]", text);
}

static void diff_firewalls(struct differ *d)
{
	const char *proj = d->want->project;
	for (size_t i = 0; i < d->want->nfirewalls; i++) {
		const struct plan_want_firewall *w = &d->want->firewalls[i];
		const struct hc_firewall *h = have_firewall(d->s, w->name);
		if (!h) {
			for (size_t j = 0; j < d->s->nother_firewalls; j++)
				name_taken(d, "firewall", w->name, d->s->other_firewalls[j].name,
					   &d->s->other_firewalls[j].labels);
			act(d, PLAN_CREATE, PLAN_FIREWALL, w->name, 0, w,
			    arena_printf(d->a, "create: inbound %s",
					 ports_text(d->a, w->ports, w->nports)));
			continue;
		}
		const char **want_r = arena_calloc(d->a, w->nports ? w->nports : 1, sizeof(char *));
		const char **have_r = arena_calloc(d->a, h->nrules ? h->nrules : 1, sizeof(char *));
		for (size_t k = 0; k < w->nports; k++)
			want_r[k] = arena_printf(d->a, "in tcp %d " ANYWHERE, w->ports[k]);
		for (size_t k = 0; k < h->nrules; k++)
			have_r[k] = rule_text(d->a, &h->rules[k]);
		const char *acc = NULL, *plus = NULL, *minus = NULL;
		for (size_t k = 0; k < w->nports; k++) {
			bool found = false;
			for (size_t m = 0; m < h->nrules; m++)
				found |= !strcmp(want_r[k], have_r[m]);
			if (!found)
				plus = arena_printf(d->a, "%s%s+%s", plus ? plus : "", plus ? ", " : "",
						    rule_short(d->a, want_r[k]));
		}
		for (size_t m = 0; m < h->nrules; m++) {
			bool found = false;
			for (size_t k = 0; k < w->nports; k++)
				found |= !strcmp(want_r[k], have_r[m]);
			if (!found)
				minus = arena_printf(d->a, "%s%s-%s", minus ? minus : "",
						     minus ? ", " : "", rule_short(d->a, have_r[m]));
		}
		if (plus || minus)
			acc = arena_printf(d->a, "rules %s%s%s", plus ? plus : "",
					   plus && minus ? ", " : "", minus ? minus : "");
		const char *keys[] = { STATE_LABEL_PROJECT, STATE_LABEL_SERVER };
		const char *vals[] = { proj, w->server };
		const char *ld = label_diff(d->a, &h->labels, keys, vals, 2);
		if (ld)
			acc = join(d->a, acc, ld);
		/* a server created or replaced gets the firewall in its create request */
		const struct hc_server *hs = have_server(d->s, w->name);
		bool applied = false;
		for (size_t k = 0; hs && k < h->nservers; k++)
			applied |= h->servers[k] == hs->id;
		if (hs && !applied)
			acc = join(d->a, acc, arena_printf(d->a, "apply to server %s", w->name));
		if (acc)
			act(d, PLAN_UPDATE, PLAN_FIREWALL, w->name, h->id, w,
			    arena_printf(d->a, "update: %s", acc));
	}
	for (size_t j = 0; j < d->s->nfirewalls; j++) {
		bool wanted = false;
		for (size_t i = 0; i < d->want->nfirewalls; i++)
			wanted |= !strcmp(d->s->firewalls[j].name, d->want->firewalls[i].name);
		if (!wanted)
			act(d, PLAN_DESTROY, PLAN_FIREWALL, d->s->firewalls[j].name,
			    d->s->firewalls[j].id, NULL,
			    arena_printf(d->a, "destroy: no server of phase %s uses it",
					 d->want->phase->name));
	}
}

static const char *money(struct arena *a, int64_t cents)
{
	char b[UNITS_BUF];
	return arena_strdup(a, units_fmt_money(b, cents));
}

/* Pre-flight: can this server be ordered as the file says (online only)? */
static void preflight_server(struct differ *d, const struct plan_want_server *w, bool ordering)
{
	if (!d->s->online)
		return;
	if (!state_has_location(d->s, w->location)) {
		note(d, true, arena_printf(d->a, "location %s does not exist at Hetzner", w->location));
		return;
	}
	const struct hc_server_type *t = state_type(d->s, w->type);
	if (!t) {
		note(d, true, arena_printf(d->a, "server type %s is not offered by Hetzner (not in "
						 "the API's server types)", w->type));
		return;
	}
	const struct hc_type_loc *tl = state_type_loc(t, w->location);
	if (ordering && (!tl || !tl->listed || !tl->available))
		note(d, true, arena_printf(d->a, "server type %s cannot be ordered in %s "
						 "(not available there)", w->type, w->location));
	else if (tl && (tl->deprecated || t->deprecated))
		note(d, false, arena_printf(d->a, "server type %s is deprecated in %s", w->type,
					    w->location));
	if (tl && tl->monthly >= 0 && tl->monthly != w->price)
		note(d, false, arena_printf(d->a, "server type %s costs %s EUR/month in %s at Hetzner, "
						  "the file says %s EUR/month", w->type,
					    money(d->a, tl->monthly), w->location,
					    money(d->a, w->price)));
	const struct hc_image *img = state_image(d->s, w->image);
	if (ordering && !img)
		note(d, true, arena_printf(d->a, "image %s does not exist at Hetzner", w->image));
	else if (img && img->deprecated)
		note(d, false, arena_printf(d->a, "image %s is deprecated", w->image));
}

/* Live monthly price of type in location, else fallback. */
static int64_t live_price(const struct state *s, const char *type, const char *loc, int64_t fallback)
{
	const struct hc_type_loc *tl = state_type_loc(state_type(s, type), loc);
	return tl && tl->monthly >= 0 ? tl->monthly : fallback;
}

static void diff_servers(struct differ *d)
{
	const char *proj = d->want->project;
	for (size_t i = 0; i < d->want->nservers; i++) {
		const struct plan_want_server *w = &d->want->servers[i];
		const struct hc_server *h = have_server(d->s, w->name);
		d->p->cost_after += live_price(d->s, w->type, w->location, w->price);
		const char *summary = arena_printf(d->a, "(%s, %s, %s)", w->type, w->image,
						   w->location);
		if (h && !hcloud_label(&h->labels, STATE_LABEL_PROJECT))
			/* adopted: it costs already, though not listed as the project's */
			d->p->cost_before += live_price(d->s, h->type, h->location, 0);
		struct plan_action *x;
		if (!h) {
			for (size_t j = 0; j < d->s->nother_servers; j++)
				name_taken(d, "server", w->name, d->s->other_servers[j].name,
					   &d->s->other_servers[j].labels);
			preflight_server(d, w, true);
			x = act(d, PLAN_CREATE, PLAN_SERVER, w->name, 0, w, "create: not in the project");
			x->summary = summary;
			continue;
		}
		const char *force = NULL;
		if (strcmp(h->location, w->location))
			force = join(d->a, force, arena_printf(d->a, "location %s -> %s", h->location,
							       w->location));
		if (!h->image || strcmp(h->image, w->image))
			force = join(d->a, force, arena_printf(d->a, "image %s -> %s",
							       h->image ? h->image : "(none)",
							       w->image));
		const char *hk = hcloud_label(&h->labels, STATE_LABEL_SSH_KEYS);
		if (!hk || strcmp(hk, w->keys_hash))
			force = join(d->a, force, "ssh keys changed");
		if (force) {
			preflight_server(d, w, true);
			x = act(d, PLAN_REPLACE, PLAN_SERVER, w->name, h->id, w,
				arena_printf(d->a, "replace: %s forces a new server (data on its "
						   "disk is lost)", force));
			x->summary = summary;
			continue;
		}
		const char *acc = NULL;
		bool retype = strcmp(h->type, w->type) != 0;
		if (retype)
			acc = arena_printf(d->a, "change type %s -> %s: poweroff, change_type, poweron "
						 "(downtime)", h->type, w->type);
		/* left off by an interrupted type change, or by hand */
		if (h->status && !strcmp(h->status, "off"))
			acc = join(d->a, acc, "power on (status off)");
		const char *ha = hcloud_label(&h->labels, STATE_LABEL_ARTEFACTS);
		if (!ha || strcmp(ha, w->artefacts))
			acc = join(d->a, acc, arena_printf(d->a, "redeploy artefacts (%s -> %s)",
							   ha ? ha : "none", w->artefacts));
		const char *keys[] = { STATE_LABEL_PROJECT, STATE_LABEL_SERVER };
		const char *vals[] = { proj, w->server };
		const char *ld = label_diff(d->a, &h->labels, keys, vals, 2);
		if (ld)
			acc = join(d->a, acc, ld);
		preflight_server(d, w, retype);
		if (acc) {
			x = act(d, retype ? PLAN_CHANGE_TYPE : PLAN_UPDATE, PLAN_SERVER, w->name, h->id,
				w, arena_printf(d->a, "update: %s", acc));
			x->summary = summary;
		}
	}
	for (size_t j = 0; j < d->s->nservers; j++) {
		const struct hc_server *h = &d->s->servers[j];
		d->p->cost_before += live_price(d->s, h->type, h->location, 0);
		if (want_server(d->want, h->name))
			continue;
		const char *srv = hcloud_label(&h->labels, STATE_LABEL_SERVER);
		struct plan_action *x = act(
			d, PLAN_DESTROY, PLAN_SERVER, h->name, h->id, NULL,
			srv ? arena_printf(d->a, "destroy: server %s does not run in phase %s", srv,
					   d->want->phase->name)
			    : arena_printf(d->a, "destroy: labelled %s=%s but not in the file",
					   STATE_LABEL_PROJECT, proj));
		x->summary = arena_printf(d->a, "(%s, %s, %s)", h->type, h->image ? h->image : "-",
					  h->location);
	}
}

/* The zone holding domain: the longest zone name it ends in. */
static const struct state_zone *zone_of(const struct state *s, const char *domain)
{
	const struct state_zone *best = NULL;
	size_t dl = strlen(domain);
	for (size_t i = 0; i < s->nzones; i++) {
		const char *z = s->zones[i].zone.name;
		size_t zl = strlen(z);
		bool match = !strcmp(domain, z) ||
			     (dl > zl && domain[dl - zl - 1] == '.' && !strcmp(domain + dl - zl, z));
		if (match && (!best || zl > strlen(best->zone.name)))
			best = &s->zones[i];
	}
	return best;
}

static const char *rr_name(struct arena *a, const char *domain, const char *zone)
{
	size_t dl = strlen(domain), zl = strlen(zone);
	return dl == zl ? "@" : arena_strndup(a, domain, dl - zl - 1);
}

static void diff_dns(struct differ *d)
{
	const char *proj = d->want->project;
	if (!d->s->online) {
		if (d->want->ndns)
			note(d, false, arena_printf(d->a, "offline: DNS zones are not known, the A "
							  "records of %zu domain%s are not planned",
						    d->want->ndns, d->want->ndns == 1 ? "" : "s"));
		return;
	}
	/* which rrsets the file wants, to find the labelled ones it no longer does */
	const char **wanted = arena_calloc(d->a, d->want->ndns ? d->want->ndns : 1, sizeof(char *));
	for (size_t i = 0; i < d->want->ndns; i++) {
		const struct plan_want_dns *w = &d->want->dns[i];
		const struct state_zone *z = zone_of(d->s, w->domain);
		if (!z) {
			note(d, false, arena_printf(d->a, "%s: no DNS zone for it in the Hetzner "
							  "project; point its A record at %s yourself",
						    w->domain, w->server));
			continue;
		}
		wanted[i] = w->domain;
		const char *name = rr_name(d->a, w->domain, z->zone.name);
		const struct hc_rrset *h = NULL;
		for (size_t k = 0; k < z->nrrsets; k++)
			if (!strcmp(z->rrsets[k].name, name))
				h = &z->rrsets[k];
		/* the address is known only if the server exists and stays */
		const struct hc_server *hs = have_server(d->s, w->server);
		const char *ip = hs ? hs->ipv4 : NULL;
		for (size_t k = 0; ip && k < d->p->nactions; k++)
			if (d->p->actions[k].kind == PLAN_SERVER && d->p->actions[k].op == PLAN_REPLACE &&
			    !strcmp(d->p->actions[k].name, w->server))
				ip = NULL;
		const char *target = ip ? ip : "after apply: known once the server has an address";
		struct plan_action *x = NULL;
		if (!h) {
			x = act(d, PLAN_CREATE, PLAN_RRSET, w->domain, 0, w,
				arena_printf(d->a, "create: A %s", target));
		} else {
			const char *acc = NULL;
			if (!ip)
				acc = arena_printf(d->a, "A %s", target);
			else if (h->nrecords != 1 || strcmp(h->records[0], ip))
				acc = arena_printf(d->a, "A %s -> %s",
						   h->nrecords ? h->records[0] : "(empty)", ip);
			const char *keys[] = { STATE_LABEL_PROJECT, STATE_LABEL_SERVER };
			const char *srv = want_server(d->want, w->server)->server;
			const char *vals[] = { proj, srv };
			if (!hcloud_label(&h->labels, STATE_LABEL_PROJECT))
				acc = join(d->a, acc, "take over the record (not labelled by infrac)");
			else if (label_diff(d->a, &h->labels, keys, vals, 2))
				acc = join(d->a, acc, label_diff(d->a, &h->labels, keys, vals, 2));
			if (acc)
				x = act(d, PLAN_UPDATE, PLAN_RRSET, w->domain, 0, w,
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
			const char *domain = !strcmp(h->name, "@")
						     ? z->zone.name
						     : arena_printf(d->a, "%s.%s", h->name, z->zone.name);
			bool want = false;
			for (size_t j = 0; j < d->want->ndns; j++)
				want |= wanted[j] && !strcmp(wanted[j], domain);
			if (!want) {
				struct plan_action *x = act(d, PLAN_DESTROY, PLAN_RRSET, domain, 0, NULL,
							    arena_printf(d->a, "destroy: no service of "
									       "phase %s serves it",
									 d->want->phase->name));
				x->zone = z->zone.name;
			}
		}
	}
}

static int cmp_action(const void *x, const void *y)
{
	const struct plan_action *a = x, *b = y;
	if (a->kind != b->kind)
		return (int)a->kind - (int)b->kind;
	return strcmp(a->name, b->name);
}

void plan_diff(struct arena *a, const struct plan_desired *want, const struct state *s,
	       struct plan *out)
{
	memset(out, 0, sizeof(*out));
	out->want = want;
	out->state = s;
	struct differ d = { a, want, s, out, 0, 0 };
	/* names become label values, which the API restricts more than the language */
	if (!hcloud_label_value_ok(want->project))
		note(&d, true, arena_printf(a, "project name %s cannot be a label value (at most 63 "
					       "characters, a letter or digit at both ends)",
					    want->project));
	for (size_t i = 0; i < want->nservers; i++)
		if (!hcloud_label_value_ok(want->servers[i].server))
			note(&d, true, arena_printf(a, "server name %s cannot be a label value (at "
						       "most 63 characters, a letter or digit at "
						       "both ends)", want->servers[i].server));
	for (size_t i = 0; i < want->nkeys; i++)
		if (!hcloud_label_value_ok(want->keys[i].key))
			note(&d, true, arena_printf(a, "ssh_key name %s cannot be a label value (at "
						       "most 63 characters, a letter or digit at "
						       "both ends)", want->keys[i].key));
	diff_keys(&d);
	diff_firewalls(&d);
	diff_servers(&d);
	diff_dns(&d);
	if (out->nactions)
		qsort(out->actions, out->nactions, sizeof(*out->actions), cmp_action);
	if (out->nwarnings)
		qsort(out->warnings, out->nwarnings, sizeof(char *), cmp_str);
	if (out->nerrors)
		qsort(out->errors, out->nerrors, sizeof(char *), cmp_str);
}

bool plan_has_changes(const struct plan *p)
{
	return p->nactions > 0;
}

/* ---- rendering ------------------------------------------------------------ */

static const char *const op_sign[] = { "+", "~", "~", "-/+", "-" };
static const char *const op_name[] = { "create", "update", "change_type", "replace", "destroy" };
static const char *const kind_name[] = { "ssh_key", "firewall", "server", "rrset" };

void plan_text(const struct plan *p, const char *file, FILE *out)
{
	const struct mdl_phase *ph = p->want->phase;
	char b1[UNITS_BUF], b2[UNITS_BUF];
	fprintf(out, "phase %s (%s .. %s), location %s\n", ph->name, units_fmt_month(b1, ph->start),
		units_fmt_month(b2, ph->start + ph->months - 1), p->want->location);
	if (!p->nactions) {
		for (size_t i = 0; i < p->nwarnings; i++)
			fprintf(out, "warning: %s\n", p->warnings[i]);
		fprintf(out, "\nNo changes. Infrastructure matches %s.\n", file);
		return;
	}
	fputc('\n', out);
	/* left column: sign, kind, name and summary, padded to the widest */
	int width = 0;
	char line[1024];
	for (size_t i = 0; i < p->nactions; i++) {
		const struct plan_action *x = &p->actions[i];
		int n = snprintf(line, sizeof(line), "%s %s %s%s%s", op_sign[x->op], kind_name[x->kind],
				 x->name, x->summary ? " " : "", x->summary ? x->summary : "");
		if (n > width)
			width = n;
	}
	for (size_t i = 0; i < p->nactions; i++) {
		const struct plan_action *x = &p->actions[i];
		snprintf(line, sizeof(line), "%s %s %s%s%s", op_sign[x->op], kind_name[x->kind],
			 x->name, x->summary ? " " : "", x->summary ? x->summary : "");
		fprintf(out, "  %-*s  %s\n", width, line, x->reason);
	}
	if (p->nwarnings)
		fputc('\n', out);
	for (size_t i = 0; i < p->nwarnings; i++)
		fprintf(out, "warning: %s\n", p->warnings[i]);
	fprintf(out, "\nPlan: %d to add, %d to change, %d to replace, %d to destroy.\n", p->add,
		p->change, p->replace, p->destroy);
	fprintf(out, "Monthly cost: %s EUR -> %s EUR\n", units_fmt_money(b1, p->cost_before),
		units_fmt_money(b2, p->cost_after));
}

static json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *want_json(const struct plan_action *x, const char *project)
{
	json_object *o = json_object_new_object();
	json_object *labels = json_object_new_object();
	json_object_object_add(labels, STATE_LABEL_PROJECT, jstr(project));
	switch (x->kind) {
	case PLAN_SSH_KEY: {
		const struct plan_want_key *w = x->want;
		json_object_object_add(o, "public_key", jstr(w->public_key));
		json_object_object_add(labels, STATE_LABEL_KEY, jstr(w->key));
		break;
	}
	case PLAN_FIREWALL: {
		const struct plan_want_firewall *w = x->want;
		json_object *ports = json_object_new_array();
		for (size_t i = 0; i < w->nports; i++)
			json_object_array_add(ports, json_object_new_int(w->ports[i]));
		json_object_object_add(o, "inbound_tcp_ports", ports);
		json_object_object_add(labels, STATE_LABEL_SERVER, jstr(w->server));
		break;
	}
	case PLAN_SERVER: {
		const struct plan_want_server *w = x->want;
		json_object_object_add(o, "server_type", jstr(w->type));
		json_object_object_add(o, "image", jstr(w->image));
		json_object_object_add(o, "location", jstr(w->location));
		json_object *keys = json_object_new_array();
		for (size_t i = 0; i < w->nkeys; i++)
			json_object_array_add(keys, jstr(w->keys[i]));
		json_object_object_add(o, "ssh_keys", keys);
		json_object_object_add(o, "firewall", jstr(w->firewall));
		json_object_object_add(labels, STATE_LABEL_ARTEFACTS, jstr(w->artefacts));
		json_object_object_add(labels, STATE_LABEL_SERVER, jstr(w->server));
		json_object_object_add(labels, STATE_LABEL_SSH_KEYS, jstr(w->keys_hash));
		break;
	}
	case PLAN_RRSET: {
		const struct plan_want_dns *w = x->want;
		json_object_object_add(o, "type", jstr("A"));
		json_object_object_add(o, "server", jstr(w->server));
		json_object_object_add(o, "value", x->value ? jstr(x->value) : NULL);
		break;
	}
	}
	json_object_object_add(o, "labels", labels);
	return o;
}

json_object *plan_json(const struct plan *p, const char *file, const char *source_sha,
		       const char *fingerprint)
{
	json_object *o = json_object_new_object();
	const struct mdl_phase *ph = p->want->phase;
	char b[UNITS_BUF];
	json_object_object_add(o, "format", json_object_new_int(PLAN_FORMAT));
	json_object_object_add(o, "project", jstr(p->want->project));
	json_object_object_add(o, "file", jstr(file));
	if (source_sha)
		json_object_object_add(o, "source_sha256", jstr(source_sha));
	if (fingerprint)
		json_object_object_add(o, "state_fingerprint", jstr(fingerprint));
	json_object *jph = json_object_new_object();
	json_object_object_add(jph, "name", jstr(ph->name));
	json_object_object_add(jph, "start", jstr(units_fmt_month(b, ph->start)));
	json_object_object_add(jph, "end", jstr(units_fmt_month(b, ph->start + ph->months - 1)));
	json_object_object_add(o, "phase", jph);
	json_object_object_add(o, "online", json_object_new_boolean(p->state->online));
	json_object *acts = json_object_new_array();
	for (size_t i = 0; i < p->nactions; i++) {
		const struct plan_action *x = &p->actions[i];
		json_object *a = json_object_new_object();
		json_object_object_add(a, "op", jstr(op_name[x->op]));
		json_object_object_add(a, "kind", jstr(kind_name[x->kind]));
		json_object_object_add(a, "name", jstr(x->name));
		json_object_object_add(a, "id", x->id ? json_object_new_int64(x->id) : NULL);
		if (x->zone)
			json_object_object_add(a, "zone", jstr(x->zone));
		json_object_object_add(a, "reason", jstr(x->reason));
		json_object_object_add(a, "desired", x->want ? want_json(x, p->want->project) : NULL);
		json_object_array_add(acts, a);
	}
	json_object_object_add(o, "actions", acts);
	json_object *w = json_object_new_array(), *e = json_object_new_array();
	for (size_t i = 0; i < p->nwarnings; i++)
		json_object_array_add(w, jstr(p->warnings[i]));
	for (size_t i = 0; i < p->nerrors; i++)
		json_object_array_add(e, jstr(p->errors[i]));
	json_object_object_add(o, "warnings", w);
	json_object_object_add(o, "errors", e);
	json_object *sum = json_object_new_object();
	json_object_object_add(sum, "add", json_object_new_int(p->add));
	json_object_object_add(sum, "change", json_object_new_int(p->change));
	json_object_object_add(sum, "replace", json_object_new_int(p->replace));
	json_object_object_add(sum, "destroy", json_object_new_int(p->destroy));
	json_object_object_add(o, "summary", sum);
	json_object *cost = json_object_new_object();
	json_object_object_add(cost, "currency", jstr("EUR"));
	json_object_object_add(cost, "before", jstr(units_fmt_money(b, p->cost_before)));
	json_object_object_add(cost, "after", jstr(units_fmt_money(b, p->cost_after)));
	json_object_object_add(o, "monthly_cost", cost);
	return o;
}

bool plan_save(json_object *json, const char *path)
{
	const char *text = json_object_to_json_string_ext(json, JSON_C_TO_STRING_PRETTY |
								JSON_C_TO_STRING_SPACED |
								JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t pl = strlen(path) + 16;
	char *tmp = malloc(pl);
	if (!tmp)
		return false;
	snprintf(tmp, pl, "%s.tmp%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(tmp);
		return false;
	}
	size_t len = strlen(text), off = 0;
	bool ok = true;
	while (ok && off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		ok = w > 0;
		if (ok)
			off += (size_t)w;
	}
	ok = ok && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
	int err = errno;
	ok = close(fd) == 0 && ok;
	if (ok && rename(tmp, path) != 0) {
		err = errno;
		ok = false;
	}
	if (!ok)
		unlink(tmp);
	free(tmp);
	errno = err;
	return ok;
}
