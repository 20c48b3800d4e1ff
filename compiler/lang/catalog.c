#include "catalog.h"

#include "units.h"

/*
 * Hetzner Cloud's CPX line as priced on 5 February 2026 (net, EUR/month,
 * one IPv4 included), the table the Becker decision was made with.
 * Hetzner raised prices on 2026-04-01 and 2026-06-15: every report names
 * this date so no one mistakes these for today's prices; `server_type`
 * blocks or `infrac plan` with a token supply current ones.
 */
const char catalog_source[] = "built-in catalog: Hetzner Cloud CPX line, EUR/month, as of 2026-02-05";

#define CAT(n, cpu, ramgb, diskgb, price_cents) \
	{ n, (cpu) * UNITS_ONE, (ramgb) * UNITS_GIB, (diskgb) * UNITS_GIB, \
	  20 * UNITS_TIB, price_cents, true, { 0, 0, 0, 0 } }

const struct mdl_type catalog_types[] = {
	CAT("cpx22", 2, 4, 80, 599),
	CAT("cpx32", 4, 8, 160, 1049),
	CAT("cpx42", 8, 16, 320, 1949),
	CAT("cpx52", 12, 24, 480, 2799),
	CAT("cpx62", 16, 32, 640, 3849),
};

const size_t catalog_ntypes = sizeof(catalog_types) / sizeof(catalog_types[0]);
