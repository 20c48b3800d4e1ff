#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "ast.h"
#include "xalloc.h"

int64_t model_price(const struct mdl_type *t, const char *location)
{
	const struct prices_loc *l = t->block_price ? NULL : prices_at(t->listed, location);
	return l ? l->monthly : t->price;
}

bool model_orderable(const struct mdl_type *t, const char *location)
{
	if (!t->listed)
		return true;
	const struct prices_loc *l = prices_at(t->listed, location);
	return l && l->orderable;
}

unsigned model_arch(const struct mdl_project *p, const struct mdl_placement *pl)
{
	unsigned a = PRICES_AMD64 | PRICES_ARM64;
	for (size_t i = 0; i < pl->nservices; i++)
		a &= pl->services[i]->arch ? pl->services[i]->arch : p->arch;
	return pl->nservices ? a : p->arch;
}

const char *model_arch_name(unsigned arch)
{
	if (arch == (PRICES_AMD64 | PRICES_ARM64))
		return "amd64 or arm64";
	if (arch == PRICES_ARM64)
		return "arm64";
	return arch == PRICES_AMD64 ? "amd64" : "no one architecture";
}

const struct mdl_phase *model_phase_at(const struct mdl_project *p, int month)
{
	for (size_t i = 0; i < p->nphases; i++)
		if (month >= p->phases[i].start &&
		    month < p->phases[i].start + p->phases[i].months)
			return &p->phases[i];
	return NULL;
}

const struct mdl_type *model_type(const struct mdl_project *p, const char *name)
{
	for (size_t i = 0; i < p->ntypes; i++)
		if (!strcmp(p->types[i].name, name))
			return &p->types[i];
	return NULL;
}

const struct mdl_server *model_server(const struct mdl_project *p, const char *name)
{
	for (size_t i = 0; i < p->nservers; i++)
		if (!strcmp(p->servers[i].name, name))
			return &p->servers[i];
	return NULL;
}

const struct mdl_phase *model_phase(const struct mdl_project *p, const char *name)
{
	for (size_t i = 0; i < p->nphases; i++)
		if (!strcmp(p->phases[i].name, name))
			return &p->phases[i];
	return NULL;
}

const struct mdl_placement *model_placement(const struct mdl_phase *ph,
					    const struct mdl_server *s)
{
	if (ph->by_server)
		return s->index < ph->nby_server ? ph->by_server[s->index] : NULL;
	for (size_t i = 0; i < ph->nplacements; i++)
		if (ph->placements[i].server == s)
			return &ph->placements[i];
	return NULL;
}

const struct mdl_phase *model_scenario_phase(const struct mdl_project *p,
					     const struct mdl_scenario *sc, size_t i)
{
	return sc && sc->phases ? &sc->phases[i] : &p->phases[i];
}

bool model_scenario_places(const struct mdl_project *p, const struct mdl_scenario *sc,
			   size_t i)
{
	return sc && sc->phases && sc->phases[i].placements != p->phases[i].placements;
}

bool model_runs(const struct mdl_placement *pl, const struct mdl_service *s)
{
	for (size_t j = 0; j < pl->nservices; j++)
		if (pl->services[j]->decl == s->decl)
			return true;
	return false;
}

int model_service_port(const struct mdl_service *svc)
{
	if (svc->port)
		return svc->port;
	return svc->npublish ? svc->publish[0].container : 0;
}

struct loc model_service_loc(const struct mdl_placement *pl, size_t j)
{
	if (!pl->service_items) /* the tree was released (compile_drop_tree) */
		return pl->loc;
	/* `new NAME` in a scenario: the whole line */
	const struct ast_item *it = pl->service_items[j];
	return it->kind == AST_WORDS ? it->loc : ast_name_loc(it);
}

bool model_serves_domain(const struct mdl_service *s)
{
	return s->domain && !s->proxy && model_service_port(s);
}

bool model_wants_certificates(const struct mdl_placement *pl)
{
	bool proxy = false, domain = false;
	for (size_t i = 0; i < pl->nservices; i++) {
		const struct mdl_service *s = pl->services[i];
		proxy |= s->proxy && s->tls == MDL_TLS_LETSENCRYPT;
		domain |= model_serves_domain(s);
	}
	return proxy && domain;
}

bool model_networked(const struct mdl_phase *ph)
{
	return ph->nplacements > 1;
}

const struct mdl_service *model_copy_on(const struct mdl_placement *pl,
					const struct mdl_service *decl)
{
	for (size_t i = 0; i < pl->nservices; i++)
		if (pl->services[i]->decl == decl->decl)
			return pl->services[i];
	return NULL;
}

size_t model_placements_of(const struct mdl_phase *ph, const struct mdl_service *decl,
			   const struct mdl_placement **out)
{
	size_t n = 0;
	for (size_t i = 0; i < ph->nplacements; i++)
		if (model_runs(&ph->placements[i], decl))
			out[n++] = &ph->placements[i];
	return n;
}

void model_phase_index(struct arena *a, struct mdl_phase *ph, size_t nservices)
{
	if (ph->nplacements >= (1u << 29) - 1)
		return; /* beyond what the index counts: model_* search */
	struct mdl_phase_use *u = arena_calloc(a, nservices + 1, sizeof(*u));
	/* mark[i]: the last placement (+ 1) seen running declaration i */
	uint32_t *mark = xcalloc(nservices + 1, sizeof(*mark));
	for (uint32_t k = 0; k < ph->nplacements; k++) {
		const struct mdl_placement *pl = &ph->placements[k];
		for (size_t j = 0; j < pl->nservices; j++) {
			size_t i = pl->services[j]->decl->index;
			if (mark[i] == k + 1)
				continue;
			mark[i] = k + 1;
			if (u[i].first)
				u[i].several = 1;
			else
				u[i].first = k + 1;
		}
		/* the marks now say what pl runs */
		for (size_t j = 0; j < pl->nservices; j++) {
			const struct mdl_service *s = pl->services[j];
			for (size_t n = 0; n < s->nneeds; n++)
				if (mark[s->needs[n]->index] != k + 1)
					u[s->needs[n]->index].needed_remote = 1;
		}
	}
	free(mark);
	ph->uses = u;
}

bool model_runs_several(const struct mdl_phase *ph, const struct mdl_service *decl)
{
	if (ph->uses)
		return ph->uses[decl->decl->index].several;
	size_t n = 0;
	for (size_t k = 0; k < ph->nplacements; k++)
		n += model_runs(&ph->placements[k], decl);
	return n > 1;
}

/* The first placement of ph that runs decl, or NULL. */
static const struct mdl_placement *model_first(const struct mdl_phase *ph,
					      const struct mdl_service *decl)
{
	if (ph->uses) {
		unsigned first = ph->uses[decl->decl->index].first;
		return first ? &ph->placements[first - 1] : NULL;
	}
	for (size_t i = 0; i < ph->nplacements; i++)
		if (model_runs(&ph->placements[i], decl))
			return &ph->placements[i];
	return NULL;
}

const struct mdl_placement *model_remote(const struct mdl_phase *ph,
					 const struct mdl_placement *pl,
					 const struct mdl_service *decl)
{
	return model_runs(pl, decl) ? NULL : model_first(ph, decl);
}

/* Does a service on another placement of ph need s (it runs on pl)? */
static bool model_needed_across(const struct mdl_phase *ph, const struct mdl_placement *pl,
				const struct mdl_service *s)
{
	if (ph->uses)
		return ph->uses[s->decl->index].needed_remote &&
		       model_first(ph, s) == pl;
	for (size_t k = 0; k < ph->nplacements; k++) {
		const struct mdl_placement *o = &ph->placements[k];
		for (size_t j = 0; o != pl && j < o->nservices; j++)
			for (size_t n = 0; n < o->services[j]->nneeds; n++)
				if (o->services[j]->needs[n] == s->decl &&
				    model_remote(ph, o, s->decl) == pl)
					return true;
	}
	return false;
}

int model_private_port(const struct mdl_phase *ph, const struct mdl_placement *pl,
		       const struct mdl_service *s)
{
	if (!s->port || s->proxy || !model_networked(ph))
		return 0;
	for (size_t i = 0; i < s->npublish; i++)
		if (s->publish[i].host == s->port)
			return 0;
	if (model_runs_several(ph, s) && model_serves_domain(s))
		return s->port;
	return model_needed_across(ph, pl, s) ? s->port : 0;
}

const char *model_fmt_ip(char buf[16], uint32_t ip)
{
	snprintf(buf, 16, "%u.%u.%u.%u", (unsigned)(ip >> 24), (unsigned)(ip >> 16 & 255),
		 (unsigned)(ip >> 8 & 255), (unsigned)(ip & 255));
	return buf;
}

const char *model_fmt_cidr(char buf[20], uint32_t base, int prefix)
{
	char ip[16];
	snprintf(buf, 20, "%s/%d", model_fmt_ip(ip, base), prefix);
	return buf;
}

bool model_parse_cidr(const char *s, uint32_t *base, int *prefix)
{
	uint32_t ip = 0;
	for (int part = 0; part < 5; part++) {
		if (!ascii_digit((unsigned char)*s))
			return false;
		unsigned v = 0;
		int digits = 0;
		while (ascii_digit((unsigned char)*s) && digits++ < 3)
			v = v * 10 + (unsigned)(*s++ - '0');
		if (part < 4) {
			if (v > 255 || *s != (part < 3 ? '.' : '/'))
				return false;
			ip = ip << 8 | v;
			s++;
		} else {
			if (v > 32 || *s)
				return false;
			*prefix = (int)v;
		}
	}
	*base = ip;
	return true;
}
