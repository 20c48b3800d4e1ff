#include "hcloud.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "clock.h"
#include "prices.h"
#include "strv.h"
#include "units.h"

/* ---- small json-c accessors ---------------------------------------------- */

static json_object *hcloud_get(json_object *o, const char *key)
{
	json_object *v;
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const char *hcloud_get_str(struct arena *a, json_object *o, const char *key)
{
	json_object *v = hcloud_get(o, key);
	if (!v || !json_object_is_type(v, json_type_string))
		return NULL;
	return arena_strdup(a, json_object_get_string(v));
}

static bool hcloud_get_int(json_object *o, const char *key, int64_t *out)
{
	json_object *v = hcloud_get(o, key);
	if (!v)
		return false;
	if (json_object_is_type(v, json_type_int)) {
		*out = json_object_get_int64(v);
		return true;
	}
	/* ids come as numbers; tolerate numeric strings as the API accepts them */
	if (json_object_is_type(v, json_type_string)) {
		char *end;
		const char *s = json_object_get_string(v);
		long long n = strtoll(s, &end, 10);
		if (*s && !*end) {
			*out = n;
			return true;
		}
	}
	return false;
}

static bool hcloud_get_bool(json_object *o, const char *key)
{
	json_object *v = hcloud_get(o, key);
	return v && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static json_object *hcloud_get_array(json_object *o, const char *key)
{
	json_object *v = hcloud_get(o, key);
	return v && json_object_is_type(v, json_type_array) ? v : NULL;
}

static void hcloud_decode_labels(struct arena *a, json_object *o, struct hc_labels *l)
{
	memset(l, 0, sizeof(*l));
	json_object *lab = hcloud_get(o, "labels");
	if (!lab || !json_object_is_type(lab, json_type_object))
		return;
	size_t n = (size_t)json_object_object_length(lab), i = 0;
	const char **pairs = arena_calloc(a, n ? n * 2 : 1, sizeof(*pairs));
	json_object_object_foreach(lab, k, v) {
		if (!json_object_is_type(v, json_type_string))
			continue;
		pairs[2 * i] = arena_strdup(a, k);
		pairs[2 * i + 1] = arena_strdup(a, json_object_get_string(v));
		i++;
	}
	/* sort pairs by key: keys are unique, an insertion sort is plenty */
	for (size_t x = 1; x < i; x++)
		for (size_t y = x; y > 0 && strcmp(pairs[2 * y - 2], pairs[2 * y]) > 0; y--) {
			const char *tk = pairs[2 * y], *tv = pairs[2 * y + 1];
			pairs[2 * y] = pairs[2 * y - 2];
			pairs[2 * y + 1] = pairs[2 * y - 1];
			pairs[2 * y - 2] = tk;
			pairs[2 * y - 1] = tv;
		}
	l->n = i;
	l->keys = arena_calloc(a, i ? i : 1, sizeof(*l->keys));
	l->vals = arena_calloc(a, i ? i : 1, sizeof(*l->vals));
	for (size_t x = 0; x < i; x++) {
		l->keys[x] = pairs[2 * x];
		l->vals[x] = pairs[2 * x + 1];
	}
}

const char *hcloud_label(const struct hc_labels *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->keys[i], key))
			return l->vals[i];
	return NULL;
}

/* ---- errors --------------------------------------------------------------- */

/*
 * Appends text taken from an API answer to m as one line: the token
 * removed (an API that echoes the request's headers would print it) and
 * every control character escaped, newlines included, so the text can
 * neither show the token nor move the cursor, clear the screen or forge
 * a line of output.
 */
static void hcloud_add_api_text(struct strbuf *m, const char *text, const char *secret)
{
	struct strbuf red = STRBUF_INIT;
	http_redact_secret(text, secret, &red);
	strbuf_add_escaped(m, red.buf, red.len);
	strbuf_release(&red);
}

/* " (name: why, why; name: why)" of an invalid_input envelope */
static void hcloud_add_fields(struct strbuf *m, json_object *fields, const char *secret)
{
	size_t nf = fields ? json_object_array_length(fields) : 0;
	for (size_t i = 0; i < nf; i++) {
		json_object *f = json_object_array_get_idx(fields, i);
		json_object *name = hcloud_get(f, "name"), *msgs = hcloud_get_array(f, "messages");
		if (!name)
			break;
		strbuf_addstr(m, i ? "; " : " (");
		hcloud_add_api_text(m, json_object_get_string(name), secret);
		for (size_t j = 0; msgs && j < json_object_array_length(msgs); j++) {
			strbuf_addstr(m, j ? ", " : ": ");
			hcloud_add_api_text(m, json_object_get_string(json_object_array_get_idx(msgs, j)),
					    secret);
		}
		if (i + 1 == nf)
			strbuf_addch(m, ')');
	}
}

bool hcloud_error_decode(long status, const char *body, const char *secret, struct error *e)
{
	json_object *o = body ? json_tokener_parse(body) : NULL;
	json_object *err = hcloud_get(o, "error");
	json_object *code = hcloud_get(err, "code"), *msg = hcloud_get(err, "message");
	const char *cs = code && json_object_is_type(code, json_type_string)
				 ? json_object_get_string(code) : NULL;
	struct strbuf m = STRBUF_INIT;
	strbuf_addf(&m, "HTTP %ld", status);
	if (cs) {
		strbuf_addch(&m, ' ');
		hcloud_add_api_text(&m, cs, secret);
	}
	if (msg && json_object_is_type(msg, json_type_string)) {
		strbuf_addstr(&m, ": ");
		hcloud_add_api_text(&m, json_object_get_string(msg), secret);
	}
	hcloud_add_fields(&m, hcloud_get_array(hcloud_get(err, "details"), "fields"), secret);
	if (!code && !msg)
		strbuf_addstr(&m, status == 0 ? "no answer" : " (no error envelope in the answer)");
	/* the code is kept as given, for error_code_is; only m is ever shown */
	error_http(e, status, cs, "%s", m.buf);
	strbuf_release(&m);
	if (o)
		json_object_put(o);
	return false;
}

/* ---- labels and queries --------------------------------------------------- */

char *hcloud_query_escape(struct arena *a, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = arena_alloc(a, n * 3 + 1), *w = out;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (ascii_alnum(*p) || strchr("-_.~", *p)) {
			*w++ = (char)*p;
		} else {
			*w++ = '%';
			*w++ = hex[*p >> 4];
			*w++ = hex[*p & 15];
		}
	}
	*w = '\0';
	return out;
}

char *hcloud_label_selector(struct arena *a, const char *key, const char *value)
{
	char *sel = arena_printf(a, "%s=%s", key, value);
	return arena_printf(a, "label_selector=%s", hcloud_query_escape(a, sel));
}

bool hcloud_label_value_ok(const char *v)
{
	size_t n = strlen(v);
	if (n == 0)
		return true;
	if (n > 63 || !ascii_alnum(v[0]) || !ascii_alnum(v[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!ascii_alnum(v[i]) && !strchr("-_.", v[i]))
			return false;
	return true;
}

bool hcloud_parse_decimal(const char *s, int places, int64_t *out)
{
	int64_t whole = 0, scale = 1;
	const char *p = s;
	if (!*p || *p == '.' || places < 0 || places > 9)
		return false;
	for (int i = 0; i < places; i++)
		scale *= 10;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > INT64_MAX / 10 / scale)
			return false;
		whole = whole * 10 + (*p - '0');
	}
	int64_t frac = 0;
	int digits = 0;
	bool up = false;
	if (*p == '.') {
		p++;
		for (; *p >= '0' && *p <= '9'; p++, digits++) {
			if (digits < places)
				frac = frac * 10 + (*p - '0');
			else if (digits == places)
				up = *p >= '5';
		}
	}
	if (*p)
		return false;
	for (; digits < places; digits++)
		frac *= 10;
	*out = whole * scale + frac + (up ? 1 : 0);
	return true;
}

bool hcloud_parse_money(const char *s, int64_t *cents)
{
	return hcloud_parse_decimal(s, 2, cents);
}

bool hcloud_parse_micro(const char *s, int64_t *micro)
{
	return hcloud_parse_decimal(s, 6, micro);
}

/* ---- decoders ------------------------------------------------------------- */

/* Clears out (size bytes) and reads the name and id every resource has. */
static bool hcloud_named(struct arena *a, json_object *o, void *out, size_t size, const char **name,
		  int64_t *id)
{
	memset(out, 0, size);
	*name = hcloud_get_str(a, o, "name");
	return *name && hcloud_get_int(o, "id", id);
}

static struct hc_type_loc *hcloud_type_loc(struct arena *a, struct hc_server_type *t, const char *name,
				    size_t cap)
{
	for (size_t i = 0; i < t->nlocs; i++)
		if (!strcmp(t->locs[i].location, name))
			return &t->locs[i];
	if (t->nlocs >= cap)
		return NULL;
	struct hc_type_loc *l = &t->locs[t->nlocs++];
	l->location = arena_strdup(a, name);
	l->monthly = -1;
	l->included_traffic = -1;
	l->traffic_tb = -1;
	return l;
}

bool hcloud_decode_server_type(struct arena *a, json_object *o, struct hc_server_type *out)
{
	if (!hcloud_named(a, o, out, sizeof(*out), &out->name, &out->id))
		return false;
	hcloud_get_int(o, "cores", &out->cores);
	hcloud_get_int(o, "disk", &out->disk_gb);
	out->architecture = hcloud_get_str(a, o, "architecture");
	out->cpu_type = hcloud_get_str(a, o, "cpu_type");
	json_object *mem = hcloud_get(o, "memory");
	if (mem) {
		out->memory_mib = (int64_t)(json_object_get_double(mem) * 1024 + 0.5);
		/* the text as sent: exact, where a double is not */
		out->memory = arena_strdup(a, json_object_get_string(mem));
	}
	json_object *dep = hcloud_get(o, "deprecation");
	out->deprecated = hcloud_get_bool(o, "deprecated") || (dep && !json_object_is_type(dep, json_type_null));
	json_object *prices = hcloud_get_array(o, "prices"), *locs = hcloud_get_array(o, "locations");
	size_t cap = (prices ? json_object_array_length(prices) : 0) +
		     (locs ? json_object_array_length(locs) : 0);
	out->locs = arena_calloc(a, cap ? cap : 1, sizeof(*out->locs));
	for (size_t i = 0; prices && i < json_object_array_length(prices); i++) {
		json_object *p = json_object_array_get_idx(prices, i);
		const char *loc = hcloud_get_str(a, p, "location");
		json_object *net = hcloud_get(hcloud_get(p, "price_monthly"), "net");
		int64_t cents;
		if (!loc || !net || !hcloud_parse_money(json_object_get_string(net), &cents))
			return false;
		struct hc_type_loc *tl = hcloud_type_loc(a, out, loc, cap);
		tl->monthly = cents;
		hcloud_get_int(p, "included_traffic", &tl->included_traffic);
		json_object *tb = hcloud_get(hcloud_get(p, "price_per_tb_traffic"), "net");
		if (tb && !hcloud_parse_micro(json_object_get_string(tb), &tl->traffic_tb))
			return false;
	}
	for (size_t i = 0; locs && i < json_object_array_length(locs); i++) {
		json_object *l = json_object_array_get_idx(locs, i);
		const char *name = hcloud_get_str(a, l, "name");
		if (!name)
			return false;
		struct hc_type_loc *tl = hcloud_type_loc(a, out, name, cap);
		tl->listed = true;
		tl->available = hcloud_get_bool(l, "available");
		json_object *d = hcloud_get(l, "deprecation");
		tl->deprecated = d && !json_object_is_type(d, json_type_null);
	}
	if (!locs)
		/* an API without locations[]: a price means orderable */
		for (size_t i = 0; i < out->nlocs; i++)
			out->locs[i].available = out->locs[i].listed = true;
	return true;
}

/* "net" of key's price object as micro-euros; -1 when absent */
static bool hcloud_net_micro(json_object *o, const char *key, int64_t *out)
{
	json_object *net = hcloud_get(hcloud_get(o, key), "net");
	*out = -1;
	return !net || hcloud_parse_micro(json_object_get_string(net), out);
}

bool hcloud_decode_pricing(struct arena *a, json_object *o, struct hc_pricing *out)
{
	memset(out, 0, sizeof(*out));
	out->currency = hcloud_get_str(a, o, "currency");
	out->backup_bp = -1;
	json_object *pct = hcloud_get(hcloud_get(o, "server_backup"), "percentage");
	if (pct && units_parse_decimal(json_object_get_string(pct), UNITS_PERCENT_ONE,
				       &out->backup_bp) != UNITS_OK)
		return false;
	if (!out->currency || !hcloud_net_micro(hcloud_get(o, "image"), "price_per_gb_month",
						&out->image_gb) ||
	    !hcloud_net_micro(hcloud_get(o, "volume"), "price_per_gb_month", &out->volume_gb))
		return false;
	json_object *ips = hcloud_get_array(o, "primary_ips");
	for (size_t i = 0; ips && i < json_object_array_length(ips); i++) {
		json_object *ip = json_object_array_get_idx(ips, i);
		const char *type = hcloud_get_str(a, ip, "type");
		json_object *prices = hcloud_get_array(ip, "prices");
		if (!type || strcmp(type, "ipv4") || !prices)
			continue;
		size_t n = json_object_array_length(prices);
		out->ipv4 = arena_calloc(a, n + 1, sizeof(*out->ipv4));
		for (size_t k = 0; k < n; k++) {
			json_object *pr = json_object_array_get_idx(prices, k);
			json_object *net = hcloud_get(hcloud_get(pr, "price_monthly"), "net");
			struct hc_ip_price *x = &out->ipv4[out->nipv4];
			x->location = hcloud_get_str(a, pr, "location");
			if (!x->location || !net ||
			    !hcloud_parse_money(json_object_get_string(net), &x->monthly))
				return false;
			out->nipv4++;
		}
	}
	return true;
}

bool hcloud_decode_location(struct arena *a, json_object *o, struct hc_location *out)
{
	return hcloud_named(a, o, out, sizeof(*out), &out->name, &out->id);
}

bool hcloud_decode_image(struct arena *a, json_object *o, struct hc_image *out)
{
	memset(out, 0, sizeof(*out));
	out->name = hcloud_get_str(a, o, "name");
	out->architecture = hcloud_get_str(a, o, "architecture");
	out->status = hcloud_get_str(a, o, "status");
	json_object *dep = hcloud_get(o, "deprecated");
	out->deprecated = dep && !json_object_is_type(dep, json_type_null);
	return hcloud_get_int(o, "id", &out->id);
}

bool hcloud_decode_ssh_key(struct arena *a, json_object *o, struct hc_ssh_key *out)
{
	memset(out, 0, sizeof(*out));
	out->name = hcloud_get_str(a, o, "name");
	out->fingerprint = hcloud_get_str(a, o, "fingerprint");
	out->public_key = hcloud_get_str(a, o, "public_key");
	hcloud_decode_labels(a, o, &out->labels);
	return out->name && out->public_key && hcloud_get_int(o, "id", &out->id);
}

static const char **hcloud_str_array(struct arena *a, json_object *arr, size_t *n)
{
	*n = arr ? json_object_array_length(arr) : 0;
	const char **v = arena_calloc(a, *n ? *n : 1, sizeof(*v));
	for (size_t i = 0; i < *n; i++)
		v[i] = arena_strdup(a, json_object_get_string(json_object_array_get_idx(arr, i)));
	qsort(v, *n, sizeof(*v), strv_cmp);
	return v;
}

bool hcloud_decode_firewall(struct arena *a, json_object *o, struct hc_firewall *out)
{
	if (!hcloud_named(a, o, out, sizeof(*out), &out->name, &out->id))
		return false;
	hcloud_decode_labels(a, o, &out->labels);
	json_object *rules = hcloud_get_array(o, "rules");
	out->nrules = rules ? json_object_array_length(rules) : 0;
	out->rules = arena_calloc(a, out->nrules ? out->nrules : 1, sizeof(*out->rules));
	for (size_t i = 0; i < out->nrules; i++) {
		json_object *r = json_object_array_get_idx(rules, i);
		struct hc_rule *h = &out->rules[i];
		h->direction = hcloud_get_str(a, r, "direction");
		h->protocol = hcloud_get_str(a, r, "protocol");
		h->port = hcloud_get_str(a, r, "port");
		if (!h->direction || !h->protocol)
			return false;
		h->ips = hcloud_str_array(a, hcloud_get_array(r, !strcmp(h->direction, "in") ? "source_ips"
									       : "destination_ips"),
				   &h->nips);
	}
	json_object *applied = hcloud_get_array(o, "applied_to");
	size_t n = applied ? json_object_array_length(applied) : 0;
	out->servers = arena_calloc(a, n ? n : 1, sizeof(*out->servers));
	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(applied, i);
		json_object *type = hcloud_get(t, "type");
		int64_t id;
		if (type && !strcmp(json_object_get_string(type), "server") &&
		    hcloud_get_int(hcloud_get(t, "server"), "id", &id))
			out->servers[out->nservers++] = id;
	}
	return true;
}

bool hcloud_decode_server(struct arena *a, json_object *o, struct hc_server *out)
{
	memset(out, 0, sizeof(*out));
	out->name = hcloud_get_str(a, o, "name");
	out->status = hcloud_get_str(a, o, "status");
	out->type = hcloud_get_str(a, hcloud_get(o, "server_type"), "name");
	out->image = hcloud_get_str(a, hcloud_get(o, "image"), "name");
	out->location = hcloud_get_str(a, hcloud_get(o, "location"), "name");
	if (!out->location)
		out->location = hcloud_get_str(a, hcloud_get(hcloud_get(o, "datacenter"), "location"), "name");
	out->ipv4 = hcloud_get_str(a, hcloud_get(hcloud_get(o, "public_net"), "ipv4"), "ip");
	hcloud_decode_labels(a, o, &out->labels);
	json_object *prot = hcloud_get(o, "protection");
	out->protect_delete = hcloud_get_bool(prot, "delete");
	out->protect_rebuild = hcloud_get_bool(prot, "rebuild");
	json_object *priv = hcloud_get_array(o, "private_net");
	size_t np = priv ? json_object_array_length(priv) : 0;
	out->private_net = arena_calloc(a, np ? np : 1, sizeof(*out->private_net));
	for (size_t i = 0; i < np; i++) {
		json_object *pn = json_object_array_get_idx(priv, i);
		struct hc_private_net *h = &out->private_net[out->nprivate_net];
		h->ip = hcloud_get_str(a, pn, "ip");
		if (h->ip && hcloud_get_int(pn, "network", &h->network))
			out->nprivate_net++;
	}
	out->private_ip = out->nprivate_net ? out->private_net[0].ip : NULL;
	return out->name && out->type && out->location && hcloud_get_int(o, "id", &out->id);
}

bool hcloud_decode_network(struct arena *a, json_object *o, struct hc_network *out)
{
	if (!hcloud_named(a, o, out, sizeof(*out), &out->name, &out->id))
		return false;
	out->ip_range = hcloud_get_str(a, o, "ip_range");
	hcloud_decode_labels(a, o, &out->labels);
	out->protect_delete = hcloud_get_bool(hcloud_get(o, "protection"), "delete");
	json_object *subs = hcloud_get_array(o, "subnets");
	size_t n = subs ? json_object_array_length(subs) : 0;
	out->subnets = arena_calloc(a, n ? n : 1, sizeof(*out->subnets));
	for (size_t i = 0; i < n; i++) {
		json_object *sn = json_object_array_get_idx(subs, i);
		struct hc_subnet *h = &out->subnets[out->nsubnets];
		h->ip_range = hcloud_get_str(a, sn, "ip_range");
		h->network_zone = hcloud_get_str(a, sn, "network_zone");
		h->type = hcloud_get_str(a, sn, "type");
		if (h->ip_range && h->network_zone)
			out->nsubnets++;
	}
	json_object *srv = hcloud_get_array(o, "servers");
	n = srv ? json_object_array_length(srv) : 0;
	out->servers = arena_calloc(a, n ? n : 1, sizeof(*out->servers));
	for (size_t i = 0; i < n; i++)
		out->servers[out->nservers++] = json_object_get_int64(json_object_array_get_idx(srv, i));
	return out->ip_range != NULL;
}

bool hcloud_decode_zone(struct arena *a, json_object *o, struct hc_zone *out)
{
	if (!hcloud_named(a, o, out, sizeof(*out), &out->name, &out->id))
		return false;
	out->mode = hcloud_get_str(a, o, "mode");
	return true;
}

bool hcloud_decode_rrset(struct arena *a, json_object *o, struct hc_rrset *out)
{
	memset(out, 0, sizeof(*out));
	out->name = hcloud_get_str(a, o, "name");
	out->type = hcloud_get_str(a, o, "type");
	hcloud_decode_labels(a, o, &out->labels);
	json_object *recs = hcloud_get_array(o, "records");
	out->nrecords = recs ? json_object_array_length(recs) : 0;
	out->records = arena_calloc(a, out->nrecords ? out->nrecords : 1, sizeof(*out->records));
	for (size_t i = 0; i < out->nrecords; i++) {
		out->records[i] = hcloud_get_str(a, json_object_array_get_idx(recs, i), "value");
		if (!out->records[i])
			return false;
	}
	qsort(out->records, out->nrecords, sizeof(*out->records), strv_cmp);
	return out->name && out->type;
}

bool hcloud_decode_snapshot(struct arena *a, json_object *o, struct hc_snapshot *out)
{
	memset(out, 0, sizeof(*out));
	const char *type = hcloud_get_str(a, o, "type");
	out->description = hcloud_get_str(a, o, "description");
	out->status = hcloud_get_str(a, o, "status");
	out->created = hcloud_get_str(a, o, "created");
	/* GB as a JSON number, null until the snapshot is available */
	json_object *size = hcloud_get(o, "image_size");
	out->image_size_mb = -1;
	if (size && (json_object_is_type(size, json_type_double) ||
		     json_object_is_type(size, json_type_int)))
		out->image_size_mb = (int64_t)(json_object_get_double(size) * 1000 + 0.5);
	json_object *disk = hcloud_get(o, "disk_size");
	if (disk && (json_object_is_type(disk, json_type_double) ||
		     json_object_is_type(disk, json_type_int)))
		out->disk_size_gb = (int64_t)(json_object_get_double(disk) + 0.5);
	json_object *from = hcloud_get(o, "created_from");
	hcloud_get_int(from, "id", &out->server);
	out->server_name = hcloud_get_str(a, from, "name");
	out->protect_delete = hcloud_get_bool(hcloud_get(o, "protection"), "delete");
	hcloud_decode_labels(a, o, &out->labels);
	return type && !strcmp(type, "snapshot") && out->status && hcloud_get_int(o, "id", &out->id);
}

bool hcloud_decode_placement_group(struct arena *a, json_object *o, struct hc_placement_group *out)
{
	if (!hcloud_named(a, o, out, sizeof(*out), &out->name, &out->id))
		return false;
	out->type = hcloud_get_str(a, o, "type");
	out->created = hcloud_get_str(a, o, "created");
	hcloud_decode_labels(a, o, &out->labels);
	json_object *servers = hcloud_get_array(o, "servers");
	out->nservers = servers ? json_object_array_length(servers) : 0;
	return true;
}

bool hcloud_decode_action(struct arena *a, json_object *o, struct hc_action *out)
{
	memset(out, 0, sizeof(*out));
	out->command = hcloud_get_str(a, o, "command");
	const char *status = hcloud_get_str(a, o, "status");
	if (!out->command || !status || !hcloud_get_int(o, "id", &out->id))
		return false;
	hcloud_get_int(o, "progress", &out->progress);
	if (!strcmp(status, "running")) {
		out->status = HC_ACTION_RUNNING;
	} else if (!strcmp(status, "success")) {
		out->status = HC_ACTION_SUCCESS;
	} else {
		out->status = HC_ACTION_ERROR;
		json_object *err = hcloud_get(o, "error");
		out->error_code = hcloud_get_str(a, err, "code");
		out->error_message = hcloud_get_str(a, err, "message");
		if (!out->error_message)
			out->error_message = arena_printf(a, "action ended with status '%s'", status);
	}
	return true;
}

/* ---- lists ---------------------------------------------------------------- */

long hcloud_next_page(json_object *answer)
{
	json_object *np = hcloud_get(hcloud_get(hcloud_get(answer, "meta"), "pagination"), "next_page");
	if (!np || !json_object_is_type(np, json_type_int))
		return 0;
	return (long)json_object_get_int64(np);
}

/*
 * May the list go on from page (which held n items, total so far) to
 * next?  A hostile or broken server that never stops paging would keep
 * plan and apply going forever, their memory growing: an empty page that
 * still names a next one, a next page not after this one, more than
 * HCLOUD_MAX_PAGES pages or more items than they hold is an error.
 */
static bool hcloud_page_next_ok(const char *path, const char *key, long page, long next,
				size_t n, size_t total, struct error *e)
{
	if (n == 0)
		return error_http(e, 200, NULL, "GET %s: page %ld of the %s list is empty but names "
				  "page %ld next", path, page, key, next);
	if (next <= page)
		return error_http(e, 200, NULL, "GET %s: page %ld of the %s list names page %ld next, "
				  "not a later one", path, page, key, next);
	if (next > HCLOUD_MAX_PAGES || total > (size_t)HCLOUD_MAX_PAGES * HCLOUD_PER_PAGE)
		return error_http(e, 200, NULL, "GET %s: the %s list goes on past %d pages of %d",
				  path, key, HCLOUD_MAX_PAGES, HCLOUD_PER_PAGE);
	return true;
}

bool hcloud_list(struct http_client *c, const char *path, const char *query, const char *key,
		 json_object **items, struct error *e)
{
	*items = json_object_new_array();
	long page = 1;
	struct strbuf url = STRBUF_INIT;
	bool ok = true;
	while (ok && page > 0) {
		strbuf_reset(&url);
		strbuf_addf(&url, "%s?%s%spage=%ld&per_page=%d", path, query ? query : "",
			    query && *query ? "&" : "", page, HCLOUD_PER_PAGE);
		struct http_response r;
		json_object *ans = NULL, *arr = NULL;
		if (!http_request(c, "GET", url.buf, NULL, &r, e))
			ok = error_wrap(e, "GET %s: no answer from the API", path);
		else if (r.status != 200)
			ok = hcloud_error_decode(r.status, r.body.buf, c->token, e);
		else if (!(arr = hcloud_get_array(ans = json_tokener_parse(r.body.buf), key)))
			ok = error_http(e, 200, NULL, "GET %s: the answer has no '%s' list", path, key);
		http_response_release(&r);
		size_t n = ok ? json_object_array_length(arr) : 0;
		for (size_t i = 0; i < n; i++)
			json_object_array_add(*items, json_object_get(json_object_array_get_idx(arr, i)));
		long next = ok ? hcloud_next_page(ans) : 0;
		if (ans)
			json_object_put(ans);
		if (next && !hcloud_page_next_ok(path, key, page, next, n,
						 json_object_array_length(*items), e))
			ok = false;
		page = next;
	}
	strbuf_release(&url);
	if (!ok) {
		json_object_put(*items);
		*items = NULL;
	}
	return ok;
}

/* ---- mutations ------------------------------------------------------------ */

static void hcloud_action_add(struct hc_actions *acts, json_object *a)
{
	int64_t id;
	if (!acts || !a || !hcloud_get_int(a, "id", &id) || acts->n >= HC_MAX_ACTIONS)
		return;
	json_object *cmd = hcloud_get(a, "command");
	snprintf(acts->commands[acts->n], sizeof(acts->commands[0]), "%s",
		 cmd && json_object_is_type(cmd, json_type_string) ? json_object_get_string(cmd)
								   : "");
	acts->ids[acts->n++] = id;
}

void hcloud_actions_add(struct hc_actions *dst, const struct hc_actions *src)
{
	for (size_t i = 0; i < src->n && dst->n < HC_MAX_ACTIONS; i++, dst->n++) {
		dst->ids[dst->n] = src->ids[i];
		memcpy(dst->commands[dst->n], src->commands[i], sizeof(dst->commands[0]));
	}
}

static void hcloud_collect_actions(json_object *ans, struct hc_actions *acts)
{
	hcloud_action_add(acts, hcloud_get(ans, "action"));
	const char *lists[] = { "actions", "next_actions" };
	for (size_t k = 0; k < 2; k++) {
		json_object *arr = hcloud_get_array(ans, lists[k]);
		for (size_t i = 0; arr && i < json_object_array_length(arr); i++)
			hcloud_action_add(acts, json_object_array_get_idx(arr, i));
	}
}

bool hcloud_call(struct http_client *c, const char *method, const char *path, json_object *body,
		 json_object **answer, struct hc_actions *acts, struct error *e)
{
	if (answer)
		*answer = NULL;
	if (acts)
		acts->n = 0;
	const char *text = body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
								     JSON_C_TO_STRING_NOSLASHESCAPE)
				: NULL;
	struct http_response r;
	bool got = http_request(c, method, path, text, &r, e);
	if (body)
		json_object_put(body);
	if (!got) {
		http_response_release(&r);
		return error_wrap(e, "%s %s: no answer from the API", method, path);
	}
	if (r.status < 200 || r.status > 299) {
		hcloud_error_decode(r.status, r.body.buf, c->token, e);
		http_response_release(&r);
		return false;
	}
	json_object *ans = r.body.len ? json_tokener_parse(r.body.buf) : NULL;
	http_response_release(&r);
	hcloud_collect_actions(ans, acts);
	if (answer)
		*answer = ans;
	else if (ans)
		json_object_put(ans);
	return true;
}

json_object *hcloud_labels_json(const struct hc_labels *l)
{
	json_object *o = json_object_new_object();
	for (size_t i = 0; l && i < l->n; i++)
		json_object_object_add(o, l->keys[i], json_object_new_string(l->vals[i]));
	return o;
}

bool hcloud_find_name(struct http_client *c, const char *path, const char *key,
		      const char *name, json_object **item, struct error *e)
{
	*item = NULL;
	char q[512];
	struct arena a;
	arena_init(&a);
	snprintf(q, sizeof(q), "name=%s", hcloud_query_escape(&a, name));
	arena_release(&a);
	json_object *items;
	if (!hcloud_list(c, path, q, key, &items, e))
		return false;
	if (json_object_array_length(items))
		*item = json_object_get(json_object_array_get_idx(items, 0));
	json_object_put(items);
	return true;
}

static bool hcloud_decoded(bool ok, json_object *ans, const char *what, struct error *e)
{
	if (ans)
		json_object_put(ans);
	return ok || error_http(e, 200, NULL, "the API's answer holds no valid %s", what);
}

bool hcloud_create_server(struct http_client *c, struct arena *a,
			  const struct hc_server_create *rq, struct hc_server *out,
			  struct hc_actions *acts, struct error *e)
{
	json_object *b = json_object_new_object();
	json_object_object_add(b, "name", json_object_new_string(rq->name));
	json_object_object_add(b, "server_type", json_object_new_string(rq->type));
	json_object_object_add(b, "image", json_object_new_string(rq->image));
	json_object_object_add(b, "location", json_object_new_string(rq->location));
	json_object *keys = json_object_new_array();
	for (size_t i = 0; i < rq->nssh_keys; i++)
		json_object_array_add(keys, json_object_new_string(rq->ssh_keys[i]));
	json_object_object_add(b, "ssh_keys", keys);
	if (rq->firewall) {
		json_object *fws = json_object_new_array(), *fw = json_object_new_object();
		json_object_object_add(fw, "firewall", json_object_new_int64(rq->firewall));
		json_object_array_add(fws, fw);
		json_object_object_add(b, "firewalls", fws);
	}
	if (rq->user_data)
		json_object_object_add(b, "user_data", json_object_new_string(rq->user_data));
	json_object_object_add(b, "labels", hcloud_labels_json(rq->labels));
	json_object_object_add(b, "start_after_create", json_object_new_boolean(true));
	json_object *ans;
	if (!hcloud_call(c, "POST", "/servers", b, &ans, acts, e))
		return false;
	return hcloud_decoded(hcloud_decode_server(a, hcloud_get(ans, "server"), out), ans, "server", e);
}

/* GET /KIND/ID into *ans; false with e set. */
static bool hcloud_get_by_id(struct http_client *c, const char *kind, int64_t id,
			     json_object **ans, struct error *e)
{
	char path[96];
	snprintf(path, sizeof(path), "/%s/%lld", kind, (long long)id);
	return hcloud_call(c, "GET", path, NULL, ans, NULL, e);
}

bool hcloud_get_server(struct http_client *c, struct arena *a, int64_t id,
		       struct hc_server *out, struct error *e)
{
	json_object *ans;
	if (!hcloud_get_by_id(c, "servers", id, &ans, e))
		return false;
	return hcloud_decoded(hcloud_decode_server(a, hcloud_get(ans, "server"), out), ans, "server", e);
}

bool hcloud_get_pricing(struct http_client *c, struct arena *a, struct hc_pricing *out,
			struct error *e)
{
	json_object *ans = NULL, *pr = NULL;
	if (!hcloud_call(c, "GET", "/pricing", NULL, &ans, NULL, e))
		return error_wrap(e, "cannot read the prices (GET /pricing)");
	bool ok = ans && json_object_object_get_ex(ans, "pricing", &pr) &&
		  hcloud_decode_pricing(a, pr, out);
	if (ans)
		json_object_put(ans);
	if (!ok)
		return error_set(e, "GET /pricing: the answer is not a price list");
	if (strcmp(out->currency, "EUR"))
		return error_set(e, "GET /pricing: prices in %s, infrac counts in EUR", out->currency);
	return true;
}

bool hcloud_server_action(struct http_client *c, int64_t id, const char *op,
			  const char *server_type, struct hc_actions *acts, struct error *e)
{
	char path[96];
	snprintf(path, sizeof(path), "/servers/%lld/actions/%s", (long long)id, op);
	json_object *b = NULL;
	if (server_type) {
		b = json_object_new_object();
		json_object_object_add(b, "server_type", json_object_new_string(server_type));
		json_object_object_add(b, "upgrade_disk", json_object_new_boolean(false));
	}
	return hcloud_call(c, "POST", path, b, NULL, acts, e);
}

bool hcloud_server_protect(struct http_client *c, int64_t id, bool delete, bool rebuild,
			   long poll_ms, long timeout_s, struct error *e)
{
	char path[96];
	snprintf(path, sizeof(path), "/servers/%lld/actions/change_protection", (long long)id);
	json_object *b = json_object_new_object();
	json_object_object_add(b, "delete", json_object_new_boolean(delete));
	json_object_object_add(b, "rebuild", json_object_new_boolean(rebuild));
	struct hc_actions acts;
	return hcloud_call(c, "POST", path, b, NULL, &acts, e) &&
	       hcloud_wait_actions(c, &acts, poll_ms, timeout_s, e);
}

bool hcloud_create_snapshot(struct http_client *c, int64_t id, const char *description,
			    const struct hc_labels *labels, long poll_ms, long timeout_s,
			    int64_t *image, struct error *e)
{
	*image = 0;
	char path[96];
	snprintf(path, sizeof(path), "/servers/%lld/actions/create_image", (long long)id);
	json_object *b = json_object_new_object(), *ans;
	json_object_object_add(b, "type", json_object_new_string("snapshot"));
	if (description)
		json_object_object_add(b, "description", json_object_new_string(description));
	json_object_object_add(b, "labels", hcloud_labels_json(labels));
	struct hc_actions acts;
	if (!hcloud_call(c, "POST", path, b, &ans, &acts, e))
		return false;
	bool named = hcloud_get_int(hcloud_get(ans, "image"), "id", image);
	json_object_put(ans);
	if (!named || !acts.n)
		return error_http(e, 201, NULL, "the API's answer to create_image names no %s",
				  named ? "action" : "image");
	return hcloud_wait_actions(c, &acts, poll_ms, timeout_s, e);
}

bool hcloud_list_snapshots(struct http_client *c, struct arena *a, const char *selector,
			   struct hc_snapshot **out, size_t *n, struct error *e)
{
	const char *q = selector ? arena_printf(a, "type=snapshot&label_selector=%s",
						hcloud_query_escape(a, selector))
				 : "type=snapshot";
	json_object *items;
	*out = NULL;
	*n = 0;
	if (!hcloud_list(c, "/images", q, "images", &items, e))
		return false;
	size_t len = json_object_array_length(items);
	*out = arena_calloc(a, len ? len : 1, sizeof(**out));
	for (size_t i = 0; i < len; i++)
		if (!hcloud_decode_snapshot(a, json_object_array_get_idx(items, i), &(*out)[(*n)++])) {
			json_object_put(items);
			return error_http(e, 200, NULL, "GET /images: item %zu is not a snapshot", i);
		}
	json_object_put(items);
	return true;
}

bool hcloud_server_running_actions(struct http_client *c, int64_t id, struct hc_actions *acts,
				   struct error *e)
{
	char path[96];
	snprintf(path, sizeof(path), "/servers/%lld/actions?status=running", (long long)id);
	json_object *ans;
	if (!hcloud_call(c, "GET", path, NULL, &ans, NULL, e))
		return false;
	acts->n = 0;
	json_object *arr = hcloud_get_array(ans, "actions");
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++)
		hcloud_action_add(acts, json_object_array_get_idx(arr, i));
	json_object_put(ans);
	return true;
}

bool hcloud_create_ssh_key(struct http_client *c, struct arena *a, const char *name,
			   const char *public_key, const struct hc_labels *labels,
			   struct hc_ssh_key *out, struct error *e)
{
	json_object *b = json_object_new_object();
	json_object_object_add(b, "name", json_object_new_string(name));
	json_object_object_add(b, "public_key", json_object_new_string(public_key));
	json_object_object_add(b, "labels", hcloud_labels_json(labels));
	json_object *ans;
	if (!hcloud_call(c, "POST", "/ssh_keys", b, &ans, NULL, e))
		return false;
	return hcloud_decoded(hcloud_decode_ssh_key(a, hcloud_get(ans, "ssh_key"), out), ans, "ssh key", e);
}

static json_object *hcloud_rules_json(const int *ports, size_t nports)
{
	json_object *rules = json_object_new_array();
	for (size_t i = 0; i < nports; i++) {
		json_object *r = json_object_new_object(), *ips = json_object_new_array();
		char port[16];
		snprintf(port, sizeof(port), "%d", ports[i]);
		json_object_array_add(ips, json_object_new_string("0.0.0.0/0"));
		json_object_array_add(ips, json_object_new_string("::/0"));
		json_object_object_add(r, "direction", json_object_new_string("in"));
		json_object_object_add(r, "protocol", json_object_new_string("tcp"));
		json_object_object_add(r, "port", json_object_new_string(port));
		json_object_object_add(r, "source_ips", ips);
		json_object_array_add(rules, r);
	}
	return rules;
}

bool hcloud_create_firewall(struct http_client *c, struct arena *a, const char *name,
			    const int *ports, size_t nports, const struct hc_labels *labels,
			    struct hc_firewall *out, struct hc_actions *acts, struct error *e)
{
	json_object *b = json_object_new_object();
	json_object_object_add(b, "name", json_object_new_string(name));
	json_object_object_add(b, "labels", hcloud_labels_json(labels));
	json_object_object_add(b, "rules", hcloud_rules_json(ports, nports));
	json_object *ans;
	if (!hcloud_call(c, "POST", "/firewalls", b, &ans, acts, e))
		return false;
	return hcloud_decoded(hcloud_decode_firewall(a, hcloud_get(ans, "firewall"), out), ans, "firewall", e);
}

bool hcloud_firewall_set_rules(struct http_client *c, int64_t id, const int *ports,
			       size_t nports, struct hc_actions *acts, struct error *e)
{
	char path[96];
	snprintf(path, sizeof(path), "/firewalls/%lld/actions/set_rules", (long long)id);
	json_object *b = json_object_new_object();
	json_object_object_add(b, "rules", hcloud_rules_json(ports, nports));
	return hcloud_call(c, "POST", path, b, NULL, acts, e);
}

bool hcloud_firewall_apply(struct http_client *c, int64_t id, int64_t server,
			   struct hc_actions *acts, struct error *e)
{
	char path[96];
	snprintf(path, sizeof(path), "/firewalls/%lld/actions/apply_to_resources", (long long)id);
	json_object *b = json_object_new_object(), *to = json_object_new_array();
	json_object *r = json_object_new_object(), *s = json_object_new_object();
	json_object_object_add(s, "id", json_object_new_int64(server));
	json_object_object_add(r, "type", json_object_new_string("server"));
	json_object_object_add(r, "server", s);
	json_object_array_add(to, r);
	json_object_object_add(b, "apply_to", to);
	if (hcloud_call(c, "POST", path, b, NULL, acts, e))
		return true;
	return error_code_is(e, "firewall_already_applied");
}

bool hcloud_update(struct http_client *c, const char *path, const char *name,
		   const struct hc_labels *labels, struct error *e)
{
	json_object *b = json_object_new_object();
	if (name)
		json_object_object_add(b, "name", json_object_new_string(name));
	json_object_object_add(b, "labels", hcloud_labels_json(labels));
	return hcloud_call(c, "PUT", path, b, NULL, NULL, e);
}

bool hcloud_delete(struct http_client *c, const char *path, struct hc_actions *acts,
		   struct error *e)
{
	if (hcloud_call(c, "DELETE", path, NULL, NULL, acts, e))
		return true;
	return error_status(e) == 404;
}

bool hcloud_create_placement_group(struct http_client *c, struct arena *a, const char *name,
				   const struct hc_labels *labels, struct hc_placement_group *out,
				   struct hc_actions *acts, struct error *e)
{
	json_object *b = json_object_new_object(), *ans;
	json_object_object_add(b, "name", json_object_new_string(name));
	json_object_object_add(b, "type", json_object_new_string("spread"));
	json_object_object_add(b, "labels", hcloud_labels_json(labels));
	if (!hcloud_call(c, "POST", "/placement_groups", b, &ans, acts, e))
		return false;
	return hcloud_decoded(hcloud_decode_placement_group(a, hcloud_get(ans, "placement_group"), out),
			      ans, "placement group", e);
}

bool hcloud_find_placement_group(struct http_client *c, struct arena *a, const char *name,
				 struct hc_placement_group *out, bool *found, struct error *e)
{
	json_object *item;
	*found = false;
	if (!hcloud_find_name(c, "/placement_groups", "placement_groups", name, &item, e))
		return false;
	if (!item)
		return true;
	*found = true;
	return hcloud_decoded(hcloud_decode_placement_group(a, item, out), item, "placement group", e);
}

bool hcloud_get_placement_group(struct http_client *c, struct arena *a, int64_t id,
				struct hc_placement_group *out, struct error *e)
{
	json_object *ans;
	if (!hcloud_get_by_id(c, "placement_groups", id, &ans, e))
		return false;
	return hcloud_decoded(hcloud_decode_placement_group(a, hcloud_get(ans, "placement_group"), out),
			      ans, "placement group", e);
}

/* {type "cloud", ip_range, network_zone} */
static json_object *hcloud_subnet_json(const char *subnet, const char *zone)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("cloud"));
	json_object_object_add(o, "ip_range", json_object_new_string(subnet));
	json_object_object_add(o, "network_zone", json_object_new_string(zone));
	return o;
}

bool hcloud_create_network(struct http_client *c, struct arena *a, const char *name,
			   const char *ip_range, const char *subnet, const char *zone,
			   const struct hc_labels *labels, struct hc_network *out, struct error *e)
{
	json_object *b = json_object_new_object(), *subs = json_object_new_array(), *ans;
	json_object_object_add(b, "name", json_object_new_string(name));
	json_object_object_add(b, "ip_range", json_object_new_string(ip_range));
	json_object_array_add(subs, hcloud_subnet_json(subnet, zone));
	json_object_object_add(b, "subnets", subs);
	json_object_object_add(b, "labels", hcloud_labels_json(labels));
	if (!hcloud_call(c, "POST", "/networks", b, &ans, NULL, e))
		return false;
	return hcloud_decoded(hcloud_decode_network(a, hcloud_get(ans, "network"), out), ans,
			      "network", e);
}

bool hcloud_get_network(struct http_client *c, struct arena *a, int64_t id,
			struct hc_network *out, struct error *e)
{
	json_object *ans;
	if (!hcloud_get_by_id(c, "networks", id, &ans, e))
		return false;
	return hcloud_decoded(hcloud_decode_network(a, hcloud_get(ans, "network"), out), ans,
			      "network", e);
}

bool hcloud_network_add_subnet(struct http_client *c, int64_t id, const char *subnet,
			       const char *zone, struct hc_actions *acts, struct error *e)
{
	char path[96];
	snprintf(path, sizeof(path), "/networks/%lld/actions/add_subnet", (long long)id);
	return hcloud_call(c, "POST", path, hcloud_subnet_json(subnet, zone), NULL, acts, e);
}

bool hcloud_server_attach(struct http_client *c, int64_t server, int64_t network,
			  const char *ip, struct hc_actions *acts, struct error *e)
{
	char path[96];
	snprintf(path, sizeof(path), "/servers/%lld/actions/attach_to_network", (long long)server);
	json_object *b = json_object_new_object();
	json_object_object_add(b, "network", json_object_new_int64(network));
	json_object_object_add(b, "ip", json_object_new_string(ip));
	return hcloud_call(c, "POST", path, b, NULL, acts, e);
}

bool hcloud_server_detach(struct http_client *c, int64_t server, int64_t network,
			  struct hc_actions *acts, struct error *e)
{
	char path[96];
	snprintf(path, sizeof(path), "/servers/%lld/actions/detach_from_network", (long long)server);
	json_object *b = json_object_new_object();
	json_object_object_add(b, "network", json_object_new_int64(network));
	if (hcloud_call(c, "POST", path, b, NULL, acts, e))
		return true;
	/* not attached (any more): the server is gone or was detached */
	return error_status(e) == 404 || error_code_is(e, "invalid_input");
}

static json_object *hcloud_a_records(const char *ip)
{
	json_object *recs = json_object_new_array(), *r = json_object_new_object();
	json_object_object_add(r, "value", json_object_new_string(ip));
	json_object_array_add(recs, r);
	return recs;
}

bool hcloud_rrset_put_a(struct http_client *c, const char *zone, const char *name,
			const char *ip, const struct hc_labels *labels, struct hc_actions *acts,
			struct error *e)
{
	struct arena a;
	arena_init(&a);
	const char *z = hcloud_query_escape(&a, zone), *n = hcloud_query_escape(&a, name);
	char path[768];
	snprintf(path, sizeof(path), "/zones/%s/rrsets", z);
	json_object *b = json_object_new_object();
	json_object_object_add(b, "name", json_object_new_string(name));
	json_object_object_add(b, "type", json_object_new_string("A"));
	json_object_object_add(b, "records", hcloud_a_records(ip));
	json_object_object_add(b, "labels", hcloud_labels_json(labels));
	bool ok = hcloud_call(c, "POST", path, b, NULL, acts, e);
	if (!ok && error_code_is(e, "uniqueness_error")) {
		error_release(e);
		/* it exists (maybe from an apply that lost the answer): set it */
		snprintf(path, sizeof(path), "/zones/%s/rrsets/%s/A", z, n);
		ok = hcloud_update(c, path, NULL, labels, e);
		snprintf(path, sizeof(path), "/zones/%s/rrsets/%s/A/actions/set_records", z, n);
		json_object *sb = json_object_new_object();
		json_object_object_add(sb, "records", hcloud_a_records(ip));
		ok = ok && hcloud_call(c, "POST", path, sb, NULL, acts, e);
	}
	arena_release(&a);
	return ok;
}

const char *hcloud_rrset_name(struct arena *a, const char *domain, const char *zone)
{
	size_t dl = strlen(domain), zl = strlen(zone);
	return dl == zl ? "@" : arena_strndup(a, domain, dl - zl - 1);
}

/* What the last poll saw: each action's progress, and when. */
struct hcloud_poll_seen {
	int64_t progress[HC_MAX_ACTIONS]; /* by index in acts; -1 = not seen yet */
	int64_t at;                       /* when it was seen */
};

/* The longest time left of the running actions, extrapolated from each
 * one's progress since the poll before (or since the wait began); -1
 * when none advanced. */
static int64_t hcloud_time_left(const struct hcloud_poll_seen *before, const int64_t *now_progress,
			 size_t n, int64_t now)
{
	int64_t left = -1;
	for (size_t i = 0; i < n; i++) {
		int64_t p0 = before->progress[i] < 0 ? 0 : before->progress[i], p1 = now_progress[i];
		if (p1 < 0 || p1 >= 100)
			continue;
		if (p1 <= p0)
			continue; /* no rate to extrapolate from; another one may have one */
		int64_t l = (now - before->at) * (100 - p1) / (p1 - p0);
		if (l > left)
			left = l;
	}
	return left;
}

/* e says that action x failed, in the API's words made one line without
 * the token (hcloud_add_api_text).  Returns true: it failed. */
static bool hcloud_action_failed(const struct hc_action *x, const char *secret, struct error *e)
{
	struct strbuf m = STRBUF_INIT;
	strbuf_addstr(&m, "action ");
	hcloud_add_api_text(&m, x->command, secret);
	strbuf_addstr(&m, " failed: ");
	hcloud_add_api_text(&m, x->error_message, secret);
	error_http(e, 200, x->error_code ? x->error_code : "action_failed", "%s", m.buf);
	strbuf_release(&m);
	return true;
}

bool hcloud_wait_actions(struct http_client *c, const struct hc_actions *acts, long poll_ms,
			 long timeout_s, struct error *e)
{
	if (!acts->n)
		return true;
	char path[64 + HC_MAX_ACTIONS * 24];
	size_t w = (size_t)snprintf(path, sizeof(path), "/actions?");
	for (size_t i = 0; i < acts->n; i++)
		w += (size_t)snprintf(path + w, sizeof(path) - w, "%sid=%lld", i ? "&" : "",
				      (long long)acts->ids[i]);
	int64_t begin = clock_mono_ms();
	struct hcloud_poll_seen seen = { .at = begin };
	for (size_t i = 0; i < HC_MAX_ACTIONS; i++)
		seen.progress[i] = -1;
	long wait = poll_ms > 0 ? poll_ms : 1, backoff = wait;
	for (;;) {
		clock_sleep_ms(wait);
		json_object *ans;
		if (!hcloud_call(c, "GET", path, NULL, &ans, NULL, e))
			return false;
		int64_t now = clock_mono_ms();
		json_object *arr = hcloud_get_array(ans, "actions");
		size_t done = 0;
		int64_t progress[HC_MAX_ACTIONS];
		for (size_t i = 0; i < HC_MAX_ACTIONS; i++)
			progress[i] = -1;
		struct arena a;
		arena_init(&a);
		bool failed = false;
		for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
			struct hc_action x;
			if (!hcloud_decode_action(&a, json_object_array_get_idx(arr, i), &x))
				continue;
			for (size_t k = 0; k < acts->n; k++)
				if (acts->ids[k] == x.id)
					progress[k] = x.status == HC_ACTION_RUNNING ? x.progress : 100;
			if (x.status == HC_ACTION_SUCCESS) {
				done++;
			} else if (x.status == HC_ACTION_ERROR && !failed) {
				failed = hcloud_action_failed(&x, c->token, e);
			}
		}
		arena_release(&a);
		json_object_put(ans);
		if (failed)
			return false;
		if (done == acts->n)
			return true;
		if ((now - begin) / 1000 >= timeout_s)
			return error_set(e, "actions still running after %ld s", timeout_s);
		int64_t left = hcloud_time_left(&seen, progress, acts->n, now);
		backoff = backoff + backoff / 2 + 1;
		if (backoff > 2000)
			backoff = 2000;
		if (left >= 0) {
			/* just after the estimated end: progress is a whole percent */
			left += left / 20 + 20;
			long lo = poll_ms < 100 ? poll_ms : 100;
			wait = left < lo ? lo : left > 5000 ? 5000 : (long)left;
		} else {
			wait = backoff;
		}
		memcpy(seen.progress, progress, sizeof(progress));
		seen.at = now;
	}
}
