#include "catalog.h"

#include "units.h"

/*
 * Hetzner Cloud's CPX line as priced on 5 February 2026 (net, EUR/month,
 * one IPv4 included), the table the Becker decision was made with.
 * Hetzner raised prices on 2026-04-01 and 2026-06-15: every report names
 * this date so no one mistakes these for today's prices; `server_type`
 * blocks, `--prices api` or a pinned snapshot supply current ones.
 */
const char catalog_source[] = "built-in catalog: Hetzner Cloud CPX line, EUR/month, as of 2026-02-05";

/* in every location ("*"), 20 TB of traffic included, its excess not priced */
#define CATALOG_LOC(price_cents) \
	{ { "*", price_cents, 20 * UNITS_TIB, -1, true } }

static struct prices_loc catalog_cpx22[] = CATALOG_LOC(599);
static struct prices_loc catalog_cpx32[] = CATALOG_LOC(1049);
static struct prices_loc catalog_cpx42[] = CATALOG_LOC(1949);
static struct prices_loc catalog_cpx52[] = CATALOG_LOC(2799);
static struct prices_loc catalog_cpx62[] = CATALOG_LOC(3849);

#define CATALOG_TYPE(n, cpu, ramgb, diskgb, locs) \
	{ n, (cpu) * UNITS_ONE, (ramgb) * UNITS_GIB, (diskgb) * UNITS_GIB, PRICES_AMD64, \
	  false, false, locs, 1 }

/* sorted by name, as prices_type expects */
static struct prices_type catalog_types[] = {
	CATALOG_TYPE("cpx22", 2, 4, 80, catalog_cpx22),
	CATALOG_TYPE("cpx32", 4, 8, 160, catalog_cpx32),
	CATALOG_TYPE("cpx42", 8, 16, 320, catalog_cpx42),
	CATALOG_TYPE("cpx52", 12, 24, 480, catalog_cpx52),
	CATALOG_TYPE("cpx62", 16, 32, 640, catalog_cpx62),
};

static const struct prices catalog_table = {
	.source = "built-in catalog: Hetzner Cloud CPX line",
	.date = "2026-02-05",
	.origin = "built-in",
	.builtin = true,
	.types = catalog_types,
	.ntypes = sizeof(catalog_types) / sizeof(catalog_types[0]),
	/* the seed's prices include one IPv4; nothing else is priced */
	.ipv4 = NULL,
	.nipv4 = 0,
	.backup_bp = -1,
	.image_gb = -1,
	.volume_gb = -1,
};

const struct prices *catalog_builtin(void)
{
	return &catalog_table;
}
