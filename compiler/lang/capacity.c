#include "capacity.h"

#include "units.h"

void capacity_of(const struct mdl_project *p, const struct mdl_phase *ph,
		 const struct mdl_placement *pl, const struct mdl_type *type,
		 struct capacity *c)
{
	c->ram_lo = c->ram_hi = pl->reserve;
	c->cpus = 0;
	c->disk = 0;
	int end = ph->start + ph->months; /* first month after the phase */
	c->disk_month = end - 1;
	for (size_t i = 0; i < pl->nservices; i++) {
		const struct mdl_service *s = pl->services[i];
		c->ram_lo = units_add_sat(c->ram_lo, s->ram_lo);
		c->ram_hi = units_add_sat(c->ram_hi, s->ram_hi);
		c->cpus = units_add_sat(c->cpus, s->cpus);
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
	c->cpu_ok = c->cpus <= c->cpu_limit;
	c->disk_ok = c->disk <= c->disk_total;
}

const struct mdl_type *capacity_cheapest_fit(const struct mdl_project *p,
					     const struct mdl_phase *ph,
					     const struct mdl_placement *pl)
{
	/* types are sorted cheapest first */
	for (size_t i = 0; i < p->ntypes; i++) {
		struct capacity c;
		capacity_of(p, ph, pl, &p->types[i], &c);
		if (capacity_fits(&c))
			return &p->types[i];
	}
	return NULL;
}
