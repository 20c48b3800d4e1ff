#include "capacity.h"

#include "units.h"

void capacity_of(const struct mdl_project *p, const struct mdl_phase *ph,
		 const struct mdl_placement *pl, const struct mdl_type *type,
		 struct capacity *c)
{
	c->ram_lo = c->ram_hi = pl->reserve;
	c->cpus = c->cpus_max = 0;
	c->disk = 0;
	int end = ph->start + ph->months; /* first month after the phase */
	c->disk_month = end - 1;
	for (size_t i = 0; i < pl->nservices; i++) {
		const struct mdl_service *s = pl->services[i];
		c->ram_lo = units_add_sat(c->ram_lo, s->ram_lo);
		c->ram_hi = units_add_sat(c->ram_hi, s->ram_hi);
		c->cpus = units_add_sat(c->cpus, s->cpus);
		if (s->cpus > c->cpus_max)
			c->cpus_max = s->cpus;
		int since = s->data_since >= 0 ? s->data_since
			    : s->decl->first_month >= 0 ? s->decl->first_month : ph->start;
		int64_t months = end > since ? end - since : 0;
		for (size_t v = 0; v < s->nvolumes; v++) {
			const struct mdl_volume *vol = &s->volumes[v];
			c->disk = units_add_sat(c->disk, vol->size);
			c->disk = units_add_sat(c->disk, units_mul_sat(vol->growth, months));
		}
	}
	c->ram_total = type->ram;
	/* floor: a fraction of a unit of headroom is never given away */
	c->ram_usable = units_mul_sat(type->ram, 100 * UNITS_PERCENT_ONE - p->headroom) /
			(100 * UNITS_PERCENT_ONE);
	c->cpu_limit = units_mul_sat(type->vcpu, p->cpu_overcommit) / UNITS_ONE;
	c->disk_total = type->disk;
	c->ram_ok = c->ram_hi <= c->ram_usable;
	c->cpu_ok = c->cpus <= c->cpu_limit && c->cpus_max <= type->vcpu;
	c->disk_ok = c->disk <= c->disk_total;
	c->arch = model_arch(p, pl);
	const struct mdl_server *s = pl->server;
	if (!(type->arch & c->arch))
		c->kind = CAPACITY_ARCH;
	else if (s->cpu == MDL_CPU_DEDICATED && !type->dedicated)
		c->kind = CAPACITY_WANTS_DEDICATED;
	else if (s->cpu == MDL_CPU_SHARED && type->dedicated)
		c->kind = CAPACITY_WANTS_SHARED;
	else if (type->listed && !prices_at(type->listed, s->location))
		c->kind = CAPACITY_NOT_SOLD;
	else
		c->kind = CAPACITY_KIND_OK;
	c->kind_ok = c->kind == CAPACITY_KIND_OK;
}

const char *capacity_kind_why(const struct capacity *c)
{
	switch (c->kind) {
	case CAPACITY_KIND_OK: return NULL;
	case CAPACITY_ARCH:
		return c->arch == PRICES_ARM64 ? "its images run on arm64 only"
					       : "its images run on amd64 only";
	case CAPACITY_WANTS_DEDICATED: return "the server asks for dedicated vCPUs";
	case CAPACITY_WANTS_SHARED: return "the server asks for shared vCPUs";
	case CAPACITY_NOT_SOLD: return "not sold in the server's location";
	}
	return NULL;
}

bool capacity_candidate(const struct mdl_server *s, const struct mdl_type *t, bool dedicated)
{
	if (t->listed && (t->listed->deprecated || !model_orderable(t, s->location)))
		return false;
	if (s->cpu == MDL_CPU_DEDICATED)
		return t->dedicated;
	return !t->dedicated || (dedicated && s->cpu == MDL_CPU_ANY);
}

const struct mdl_type *capacity_cheapest_fit(const struct mdl_project *p,
					     const struct mdl_phase *ph,
					     const struct mdl_placement *pl)
{
	/* types are sorted cheapest first; shared ones, then dedicated */
	for (int dedicated = 0; dedicated < 2; dedicated++)
		for (size_t i = 0; i < p->ntypes; i++) {
			struct capacity c;
			if (!capacity_candidate(pl->server, &p->types[i], dedicated))
				continue;
			capacity_of(p, ph, pl, &p->types[i], &c);
			if (capacity_fits(&c))
				return &p->types[i];
		}
	return NULL;
}
