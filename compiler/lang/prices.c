#include "prices.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsondoc.h"

#include "units.h"

/* ---- lookups -------------------------------------------------------------- */

const struct prices_type *prices_type(const struct prices *t, const char *name)
{
	size_t lo = 0, hi = t->ntypes;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->types[mid].name, name);
		if (!c)
			return &t->types[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct prices_loc *prices_at(const struct prices_type *t, const char *location)
{
	const struct prices_loc *any = NULL;
	for (size_t i = 0; t && i < t->nlocs; i++) {
		if (location && !strcmp(t->locs[i].location, location))
			return &t->locs[i];
		if (!strcmp(t->locs[i].location, "*"))
			any = &t->locs[i];
	}
	return any;
}

int64_t prices_ipv4(const struct prices *t, const char *location)
{
	for (size_t i = 0; location && i < t->nipv4; i++)
		if (!strcmp(t->ipv4[i].location, location))
			return t->ipv4[i].monthly;
	return 0;
}

static int prices_type_cmp(const void *a, const void *b)
{
	return strcmp(((const struct prices_type *)a)->name, ((const struct prices_type *)b)->name);
}

static int prices_loc_cmp(const void *a, const void *b)
{
	return strcmp(((const struct prices_loc *)a)->location,
		      ((const struct prices_loc *)b)->location);
}

static int prices_ip_cmp(const void *a, const void *b)
{
	return strcmp(((const struct prices_ip *)a)->location, ((const struct prices_ip *)b)->location);
}

void prices_sort(struct prices *t)
{
	if (t->ntypes)
		qsort(t->types, t->ntypes, sizeof(*t->types), prices_type_cmp);
	for (size_t i = 0; i < t->ntypes; i++)
		if (t->types[i].nlocs)
			qsort(t->types[i].locs, t->types[i].nlocs, sizeof(*t->types[i].locs),
			      prices_loc_cmp);
	if (t->nipv4)
		qsort(t->ipv4, t->nipv4, sizeof(*t->ipv4), prices_ip_cmp);
}

const char *prices_fmt_micro(char *buf, int64_t micro)
{
	units_fmt_exact(buf, micro, 100 * PRICES_MICRO, 6);
	char *dot = strchr(buf, '.');
	size_t decimals = dot ? strlen(dot + 1) : 0;
	if (!dot)
		strcat(buf, ".");
	for (; decimals < 2; decimals++)
		strcat(buf, "0");
	return buf;
}

/* ---- writing ---------------------------------------------------------------- */

/* v / scale as an exact JSON number (json-c prints the text as given);
 * -1 (not known) as null. */
static json_object *prices_jtype(const struct prices_type *t)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(t->name));
	json_object_object_add(o, "vcpu", jsondoc_decimal(t->vcpu, UNITS_ONE, 3));
	json_object_object_add(o, "ram_gb", jsondoc_decimal(t->ram, UNITS_GIB, 3));
	json_object_object_add(o, "disk_gb", jsondoc_decimal(t->disk, UNITS_GIB, 3));
	json_object_object_add(o, "architecture", json_object_new_string(
				       t->arch == PRICES_ARM64 ? "arm64" : "amd64"));
	json_object_object_add(o, "cpu", json_object_new_string(t->dedicated ? "dedicated" : "shared"));
	json_object_object_add(o, "deprecated", json_object_new_boolean(t->deprecated));
	json_object *locs = json_object_new_array();
	for (size_t i = 0; i < t->nlocs; i++) {
		const struct prices_loc *l = &t->locs[i];
		json_object *lo = json_object_new_object();
		json_object_object_add(lo, "location", json_object_new_string(l->location));
		json_object_object_add(lo, "eur_month", jsondoc_decimal(l->monthly, 100, 2));
		json_object_object_add(lo, "traffic_tb", jsondoc_decimal(l->traffic, UNITS_TIB, 6));
		json_object_object_add(lo, "eur_tb_over", jsondoc_decimal(l->traffic_tb, 100 * PRICES_MICRO, 6));
		json_object_object_add(lo, "orderable", json_object_new_boolean(l->orderable));
		json_object_array_add(locs, lo);
	}
	json_object_object_add(o, "locations", locs);
	return o;
}

void prices_write(const struct prices *t, struct strbuf *out)
{
	json_object *root = jsondoc_new(NULL);
	json_object_object_add(root, "source", json_object_new_string(t->source));
	json_object_object_add(root, "date", json_object_new_string(t->date));
	json_object_object_add(root, "currency", json_object_new_string("EUR"));
	json_object_object_add(root, "backup_percent", jsondoc_decimal(t->backup_bp, UNITS_PERCENT_ONE, 2));
	json_object_object_add(root, "image_eur_gb_month", jsondoc_decimal(t->image_gb, 100 * PRICES_MICRO, 6));
	json_object_object_add(root, "volume_eur_gb_month",
			       jsondoc_decimal(t->volume_gb, 100 * PRICES_MICRO, 6));
	json_object *ip = json_object_new_object();
	for (size_t i = 0; i < t->nipv4; i++)
		json_object_object_add(ip, t->ipv4[i].location, jsondoc_decimal(t->ipv4[i].monthly, 100, 2));
	json_object_object_add(root, "primary_ipv4_eur_month", ip);
	json_object *types = json_object_new_array();
	for (size_t i = 0; i < t->ntypes; i++)
		json_object_array_add(types, prices_jtype(&t->types[i]));
	json_object_object_add(root, "server_types", types);
	jsondoc_text(root, out);
}

/* ---- reading ---------------------------------------------------------------- */

struct prices_rd {
	struct arena *a;
	struct error *e;
	const char *where;   /* "server type cx23", for messages */
};

static json_object *prices_get(json_object *o, const char *key)
{
	json_object *v = NULL;
	if (o && json_object_is_type(o, json_type_object))
		json_object_object_get_ex(o, key, &v);
	return v;
}

static bool prices_bad(struct prices_rd *r, const char *key, const char *want)
{
	return error_set(r->e, "%s: %s must be %s", r->where, key, want);
}

/* key as a non-negative decimal of scale units (null: -1 when nullable) */
static bool prices_num(struct prices_rd *r, json_object *o, const char *key, int64_t scale,
		       bool nullable, int64_t *out)
{
	json_object *v = prices_get(o, key);
	if (!v && nullable) {
		*out = -1;
		return true;
	}
	if (!v || !(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
		return prices_bad(r, key, nullable ? "a number or null" : "a number");
	if (units_parse_decimal(json_object_get_string(v), scale, out) != UNITS_OK)
		return prices_bad(r, key, "a non-negative decimal number");
	return true;
}

static bool prices_str(struct prices_rd *r, json_object *o, const char *key, const char **out)
{
	json_object *v = prices_get(o, key);
	if (!v || !json_object_is_type(v, json_type_string) || !*json_object_get_string(v))
		return prices_bad(r, key, "a string");
	*out = arena_strdup(r->a, json_object_get_string(v));
	return true;
}

static bool prices_bool(struct prices_rd *r, json_object *o, const char *key, bool *out)
{
	json_object *v = prices_get(o, key);
	if (!v || !json_object_is_type(v, json_type_boolean))
		return prices_bad(r, key, "true or false");
	*out = json_object_get_boolean(v);
	return true;
}

static bool prices_read_loc(struct prices_rd *r, json_object *o, struct prices_loc *l)
{
	return prices_str(r, o, "location", &l->location) &&
	       prices_num(r, o, "eur_month", 100, false, &l->monthly) &&
	       prices_num(r, o, "traffic_tb", UNITS_TIB, false, &l->traffic) &&
	       prices_num(r, o, "eur_tb_over", 100 * PRICES_MICRO, true, &l->traffic_tb) &&
	       prices_bool(r, o, "orderable", &l->orderable);
}

static bool prices_read_type(struct prices_rd *r, json_object *o, struct prices_type *t)
{
	const char *arch, *cpu;
	r->where = "a server type";
	if (!prices_str(r, o, "name", &t->name))
		return false;
	r->where = arena_printf(r->a, "server type %s", t->name);
	if (!prices_num(r, o, "vcpu", UNITS_ONE, false, &t->vcpu) ||
	    !prices_num(r, o, "ram_gb", UNITS_GIB, false, &t->ram) ||
	    !prices_num(r, o, "disk_gb", UNITS_GIB, false, &t->disk) ||
	    !prices_str(r, o, "architecture", &arch) || !prices_str(r, o, "cpu", &cpu) ||
	    !prices_bool(r, o, "deprecated", &t->deprecated))
		return false;
	if (strcmp(arch, "amd64") && strcmp(arch, "arm64"))
		return prices_bad(r, "architecture", "\"amd64\" or \"arm64\"");
	if (strcmp(cpu, "shared") && strcmp(cpu, "dedicated"))
		return prices_bad(r, "cpu", "\"shared\" or \"dedicated\"");
	t->arch = !strcmp(arch, "arm64") ? PRICES_ARM64 : PRICES_AMD64;
	t->dedicated = !strcmp(cpu, "dedicated");
	json_object *locs = prices_get(o, "locations");
	if (!locs || !json_object_is_type(locs, json_type_array))
		return prices_bad(r, "locations", "a list");
	t->nlocs = json_object_array_length(locs);
	t->locs = arena_calloc(r->a, t->nlocs + 1, sizeof(*t->locs));
	for (size_t i = 0; i < t->nlocs; i++)
		if (!prices_read_loc(r, json_object_array_get_idx(locs, i), &t->locs[i]))
			return false;
	return true;
}

/* The document's own fields: format, source, date, currency, charges. */
static bool prices_read_head(struct prices_rd *r, json_object *root, struct prices *out)
{
	const char *currency;
	r->where = "the document";
	if (!json_object_is_type(root, json_type_object))
		return error_set(r->e, "not a JSON object");
	json_object *format = prices_get(root, "format");
	if (!format || !json_object_is_type(format, json_type_int))
		return prices_bad(r, "format", "a number");
	if (json_object_get_int64(format) != JSONDOC_FORMAT)
		return error_set(r->e, "format is %s, this infrac reads %d",
				 json_object_to_json_string(format), JSONDOC_FORMAT);
	if (!prices_str(r, root, "source", &out->source) || !prices_str(r, root, "date", &out->date) ||
	    !prices_str(r, root, "currency", &currency))
		return false;
	int y, m, d;
	if (strlen(out->date) != 10 || sscanf(out->date, "%4d-%2d-%2d", &y, &m, &d) != 3 ||
	    m < 1 || m > 12 || d < 1 || d > 31)
		return prices_bad(r, "date", "a day, YYYY-MM-DD");
	if (strcmp(currency, "EUR"))
		return error_set(r->e, "prices are in %s: infrac counts in EUR", currency);
	return prices_num(r, root, "backup_percent", UNITS_PERCENT_ONE, true, &out->backup_bp) &&
	       prices_num(r, root, "image_eur_gb_month", 100 * PRICES_MICRO, true, &out->image_gb) &&
	       prices_num(r, root, "volume_eur_gb_month", 100 * PRICES_MICRO, true, &out->volume_gb);
}

static bool prices_read_doc(struct prices_rd *r, json_object *root, struct prices *out)
{
	if (!prices_read_head(r, root, out))
		return false;
	json_object *ip = prices_get(root, "primary_ipv4_eur_month");
	if (!ip || !json_object_is_type(ip, json_type_object))
		return prices_bad(r, "primary_ipv4_eur_month", "an object of locations");
	out->ipv4 = arena_calloc(r->a, (size_t)json_object_object_length(ip) + 1, sizeof(*out->ipv4));
	json_object_object_foreach(ip, loc, v) {
		(void)v;
		struct prices_ip *x = &out->ipv4[out->nipv4++];
		x->location = arena_strdup(r->a, loc);
		if (!prices_num(r, ip, loc, 100, false, &x->monthly))
			return false;
	}
	json_object *types = prices_get(root, "server_types");
	if (!types || !json_object_is_type(types, json_type_array))
		return prices_bad(r, "server_types", "a list");
	out->ntypes = json_object_array_length(types);
	out->types = arena_calloc(r->a, out->ntypes + 1, sizeof(*out->types));
	for (size_t i = 0; i < out->ntypes; i++)
		if (!prices_read_type(r, json_object_array_get_idx(types, i), &out->types[i]))
			return false;
	prices_sort(out);
	for (size_t i = 1; i < out->ntypes; i++)
		if (!strcmp(out->types[i - 1].name, out->types[i].name))
			return error_set(r->e, "server type %s is listed twice", out->types[i].name);
	return true;
}

bool prices_read(struct arena *a, const char *text, size_t len, const char *origin,
		 struct prices *out, struct error *e)
{
	memset(out, 0, sizeof(*out));
	out->origin = arena_strdup(a, origin);
	struct json_tokener *tok = json_tokener_new();
	json_object *root = json_tokener_parse_ex(tok, text, (int)(len < INT32_MAX ? len : INT32_MAX));
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (!root || jerr != json_tokener_success) {
		if (root)
			json_object_put(root);
		return error_set(e, "not JSON: %s", json_tokener_error_desc(jerr));
	}
	struct prices_rd r = { a, e, "the document" };
	bool ok = prices_read_doc(&r, root, out);
	json_object_put(root);
	return ok;
}
