#include <string.h>

#include "teardown.h"

/* Does w name a resource of that kind called name? */
static bool teardown_names(const struct desired *w, enum plan_kind kind, const char *name)
{
	bool has = false;
	switch (kind) {
	case PLAN_SSH_KEY:
		for (size_t i = 0; i < w->nkeys && !has; i++)
			has = !strcmp(w->keys[i].name, name);
		break;
	case PLAN_FIREWALL:
		for (size_t i = 0; i < w->nfirewalls && !has; i++)
			has = !strcmp(w->firewalls[i].name, name);
		break;
	case PLAN_SERVER:
		for (size_t i = 0; i < w->nservers && !has; i++)
			has = !strcmp(w->servers[i].name, name);
		break;
	case PLAN_NETWORK:
		has = w->network && !strcmp(w->network->name, name);
		break;
	case PLAN_RRSET:
		for (size_t i = 0; i < w->ndns && !has; i++)
			has = !strcmp(w->dns[i].domain, name);
		break;
	}
	return has;
}

/* The narrowing: want and the other phases, or NULL for everything. */
struct teardown_scope {
	const struct desired *want, *others;
	size_t nothers;
};

/* Does the resource go? */
static bool teardown_goes(const struct teardown_scope *sc, enum plan_kind kind, const char *name)
{
	if (!sc->others)
		return true;
	if (!teardown_names(sc->want, kind, name))
		return false;
	for (size_t i = 0; i < sc->nothers; i++)
		if (teardown_names(&sc->others[i], kind, name))
			return false;
	return true;
}

/* The observed servers, keys and firewalls that go, into f. */
static void teardown_narrow(struct arena *a, const struct teardown_scope *sc,
			    const struct state *s, struct state *f)
{
	f->nservers = f->nkeys = f->nfirewalls = 0;
	f->servers = arena_calloc(a, s->nservers + 1, sizeof(*f->servers));
	f->keys = arena_calloc(a, s->nkeys + 1, sizeof(*f->keys));
	f->firewalls = arena_calloc(a, s->nfirewalls + 1, sizeof(*f->firewalls));
	for (size_t i = 0; i < s->nservers; i++)
		if (teardown_goes(sc, PLAN_SERVER, s->servers[i].name))
			f->servers[f->nservers++] = s->servers[i];
	for (size_t i = 0; i < s->nkeys; i++)
		if (teardown_goes(sc, PLAN_SSH_KEY, s->keys[i].name))
			f->keys[f->nkeys++] = s->keys[i];
	for (size_t i = 0; i < s->nfirewalls; i++)
		if (teardown_goes(sc, PLAN_FIREWALL, s->firewalls[i].name))
			f->firewalls[f->nfirewalls++] = s->firewalls[i];
	/* the network goes with the last phase that runs several servers */
	f->nnetworks = 0;
	f->networks = arena_calloc(a, s->nnetworks + 1, sizeof(*f->networks));
	for (size_t i = 0; i < s->nnetworks; i++)
		if (teardown_goes(sc, PLAN_NETWORK, s->networks[i].name))
			f->networks[f->nnetworks++] = s->networks[i];
}

/* The zones with only the A records that go (the plan destroys the
 * project's labelled ones among them). */
static void teardown_narrow_dns(struct arena *a, const struct teardown_scope *sc,
				const struct state *s, struct state *f)
{
	f->zones = arena_calloc(a, s->nzones + 1, sizeof(*f->zones));
	for (size_t i = 0; i < s->nzones; i++) {
		const struct state_zone *z = &s->zones[i];
		struct state_zone *fz = &f->zones[i];
		fz->zone = z->zone;
		fz->rrsets = arena_calloc(a, z->nrrsets + 1, sizeof(*fz->rrsets));
		fz->nrrsets = 0;
		for (size_t k = 0; k < z->nrrsets; k++)
			if (teardown_goes(sc, PLAN_RRSET, state_rrset_domain(a, z, &z->rrsets[k])))
				fz->rrsets[fz->nrrsets++] = z->rrsets[k];
	}
}

void teardown_plan(struct arena *a, const struct desired *want, const struct desired *others,
		   size_t nothers, const struct state *s, struct plan *out)
{
	struct teardown_scope sc = { want, others, nothers };
	struct desired *none = arena_calloc(a, 1, sizeof(*none));
	*none = *want;
	none->nkeys = none->nfirewalls = none->nservers = none->ndns = 0;
	none->network = NULL;
	struct state *f = arena_calloc(a, 1, sizeof(*f));
	*f = *s;
	teardown_narrow(a, &sc, s, f);
	teardown_narrow_dns(a, &sc, s, f);
	plan_diff(a, none, f, out);
	/* plan_diff priced what goes as "before" and nothing after */
	int64_t all = 0;
	for (size_t i = 0; i < s->nservers; i++)
		all += state_monthly(s, s->servers[i].type, s->servers[i].location, 0);
	out->cost_after = all - out->cost_before;
	out->cost_before = all;
	out->teardown = others ? arena_printf(a, "what only phase %s has", want->phase->name)
			       : arena_printf(a, "every resource of project %s", want->project);
	for (size_t i = 0; i < out->nactions; i++)
		out->actions[i].reason = others ? arena_printf(a, "destroy: only phase %s has it",
							       want->phase->name)
						: "destroy: infrac destroy removes the project";
}
