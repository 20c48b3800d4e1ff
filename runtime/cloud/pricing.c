#include "pricing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hcloud.h"
#include "units.h"

/* bytes as units.h memory (1/1000 MiB), rounded down */
static int64_t pricing_bytes(int64_t bytes)
{
	return bytes / 1048576 * UNITS_MIB + bytes % 1048576 * UNITS_MIB / 1048576;
}

/* One location of a type: sold there when it has a price; orderable when
 * listed, available and neither it nor the type is deprecated. */
static void pricing_loc(const struct hc_server_type *h, const struct hc_type_loc *hl,
			struct prices_loc *l)
{
	l->location = hl->location;
	l->monthly = hl->monthly;
	l->traffic = hl->included_traffic >= 0 ? pricing_bytes(hl->included_traffic) : 0;
	l->traffic_tb = hl->traffic_tb;
	l->orderable = hl->listed && hl->available && !hl->deprecated && !h->deprecated;
}

static bool pricing_type(struct arena *a, const struct hc_server_type *h, struct prices_type *t,
			 struct error *e)
{
	t->name = h->name;
	if (!h->memory || !h->architecture || h->cores <= 0 || h->disk_gb <= 0 ||
	    units_parse_decimal(h->memory, UNITS_GIB, &t->ram) != UNITS_OK)
		return error_set(e, "server type %s has no cores, memory, disk or architecture",
				 h->name);
	if (strcmp(h->architecture, "x86") && strcmp(h->architecture, "arm"))
		return error_set(e, "server type %s has an unknown architecture '%s'", h->name,
				 h->architecture);
	t->vcpu = h->cores * UNITS_ONE;
	t->disk = h->disk_gb * UNITS_GIB;
	t->arch = !strcmp(h->architecture, "arm") ? PRICES_ARM64 : PRICES_AMD64;
	t->dedicated = h->cpu_type && !strcmp(h->cpu_type, "dedicated");
	t->deprecated = h->deprecated;
	t->locs = arena_calloc(a, h->nlocs + 1, sizeof(*t->locs));
	for (size_t i = 0; i < h->nlocs; i++)
		if (h->locs[i].monthly >= 0)
			pricing_loc(h, &h->locs[i], &t->locs[t->nlocs++]);
	return true;
}

/* GET /pricing: the charges beside the servers' prices. */
static bool pricing_charges(struct http_client *c, struct arena *a, struct prices *out,
			    struct error *e)
{
	struct hc_pricing hp;
	if (!hcloud_get_pricing(c, a, &hp, e))
		return false;
	out->backup_bp = hp.backup_bp;
	out->image_gb = hp.image_gb;
	out->volume_gb = hp.volume_gb;
	out->ipv4 = arena_calloc(a, hp.nipv4 + 1, sizeof(*out->ipv4));
	for (size_t i = 0; i < hp.nipv4; i++)
		out->ipv4[out->nipv4++] = (struct prices_ip){ hp.ipv4[i].location, hp.ipv4[i].monthly };
	return true;
}

bool pricing_fetch(struct http_client *c, struct arena *a, const char *date, struct prices *out,
		   struct error *e)
{
	memset(out, 0, sizeof(*out));
	out->source = "Hetzner Cloud API";
	out->origin = "api";
	out->date = arena_strdup(a, date);
	if (!pricing_charges(c, a, out, e))
		return false;
	json_object *items = NULL;
	if (!hcloud_list(c, "/server_types", NULL, "server_types", &items, e))
		return error_wrap(e, "cannot read the server types (GET /server_types)");
	size_t n = json_object_array_length(items);
	out->types = arena_calloc(a, n + 1, sizeof(*out->types));
	bool ok = true;
	for (size_t i = 0; ok && i < n; i++) {
		struct hc_server_type h;
		if (!hcloud_decode_server_type(a, json_object_array_get_idx(items, i), &h))
			ok = error_set(e, "GET /server_types: item %zu is not a server type", i);
		else
			ok = pricing_type(a, &h, &out->types[out->ntypes++], e);
	}
	json_object_put(items);
	if (ok)
		prices_sort(out);
	return ok;
}

const char *pricing_today(struct arena *a, struct error *e)
{
	const char *today = getenv("INFRAC_TODAY");
	int y, m, d = 1, n = 0;
	if (today && *today) {
		if (!((sscanf(today, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && !today[n]) ||
		      (n = 0, d = 1, sscanf(today, "%4d-%2d%n", &y, &m, &n) == 2 && !today[n])) ||
		    y < 1970 || m < 1 || m > 12 || d < 1 || d > 31) {
			error_set(e, "INFRAC_TODAY '%s' is not a date (YYYY-MM-DD)", today);
			return NULL;
		}
	} else {
		time_t t = time(NULL);
		struct tm tm;
		gmtime_r(&t, &tm);
		y = tm.tm_year + 1900, m = tm.tm_mon + 1, d = tm.tm_mday;
	}
	return arena_printf(a, "%04d-%02d-%02d", y, m, d);
}
