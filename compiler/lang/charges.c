#include "charges.h"

#include <string.h>

#include "units.h"

int64_t charges_cents(int64_t micro)
{
	return micro / PRICES_MICRO + (micro % PRICES_MICRO * 2 >= PRICES_MICRO ? 1 : 0);
}

/* whole GB of mem, a started one counted whole */
static int64_t charges_gb(int64_t mem)
{
	return mem <= 0 ? 0 : (mem - 1) / UNITS_GIB + 1;
}

/* Traffic above what t includes where pl's server is, in cents; sets
 * unpriced when there is some and the table has no price for it. */
static int64_t charges_traffic(const struct mdl_placement *pl, const struct mdl_type *t,
			       unsigned *unpriced)
{
	const struct prices_loc *l = prices_at(t->listed, pl->server->location);
	int64_t included = l ? l->traffic : t->traffic;
	int64_t over = pl->traffic - included;
	if (pl->traffic < 0 || over <= 0)
		return 0;
	if (!l || l->traffic_tb < 0) {
		*unpriced |= 1u << CHARGES_TRAFFIC;
		return 0;
	}
	/* whole GB x the price of a TB (1024 GB) */
	int64_t micro = units_mul_sat(charges_gb(over), l->traffic_tb) / 1024;
	return charges_cents(micro);
}

/* What pl's Hetzner Volumes will cost in month m, once apply makes them. */
static int64_t charges_volumes(const struct mdl_project *p, const struct mdl_placement *pl,
			       int m, unsigned *unpriced)
{
	int64_t cents = 0;
	for (size_t i = 0; i < pl->nservices; i++) {
		const struct mdl_service *s = pl->services[i];
		int since = s->decl->first_month >= 0 ? s->decl->first_month : m;
		int64_t months = m >= since ? m - since + 1 : 0;
		for (size_t v = 0; v < s->nvolumes; v++) {
			const struct mdl_volume *vol = &s->volumes[v];
			if (!vol->hetzner)
				continue;
			if (p->prices->volume_gb < 0) {
				*unpriced |= 1u << CHARGES_VOLUMES;
				continue;
			}
			int64_t size = units_add_sat(vol->size, units_mul_sat(vol->growth, months));
			int64_t gb = charges_gb(size);
			cents = units_add_sat(cents, charges_cents(units_mul_sat(
					      gb < 10 ? 10 : gb, p->prices->volume_gb)));
		}
	}
	return cents;
}

void charges_of(const struct mdl_project *p, const struct mdl_placement *pl,
		const struct mdl_type *t, int m, struct charges *out)
{
	memset(out, 0, sizeof(*out));
	if (p->servers_only)
		return;
	const struct mdl_server *s = pl->server;
	if (!s->ipv6_only)
		out->amount[CHARGES_IPV4] = prices_ipv4(p->prices, s->location);
	if (s->backups && p->prices->backup_bp < 0)
		out->unpriced |= 1u << CHARGES_BACKUPS;
	else if (s->backups)
		/* cents x basis points are micro-euros */
		out->amount[CHARGES_BACKUPS] = charges_cents(units_mul_sat(
			model_price(t, s->location), p->prices->backup_bp));
	out->amount[CHARGES_TRAFFIC] = charges_traffic(pl, t, &out->unpriced);
	/* Volumes are not made yet: they cost nothing, later says what they will */
	out->volumes_later = charges_volumes(p, pl, m, &out->unpriced);
	for (int k = 0; k < CHARGES_N; k++)
		out->total = units_add_sat(out->total, out->amount[k]);
}

int64_t charges_month(const struct mdl_project *p, const struct mdl_placement *pl,
		      const struct mdl_type *t, int m)
{
	struct charges c;
	charges_of(p, pl, t, m, &c);
	return units_add_sat(model_price(t, pl->server->location), c.total);
}

const char *charges_name(enum charges_kind k)
{
	static const char *const names[CHARGES_N] = { "IPv4", "backups", "traffic", "volumes" };
	return k < CHARGES_N ? names[k] : "?";
}
