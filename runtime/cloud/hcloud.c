#include "hcloud.h"


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

/* ---- small json-c accessors ---------------------------------------------- */

static json_object *get(json_object *o, const char *key)
{
	json_object *v;
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const char *get_str(struct arena *a, json_object *o, const char *key)
{
	json_object *v = get(o, key);
	if (!v || !json_object_is_type(v, json_type_string))
		return NULL;
	return arena_strdup(a, json_object_get_string(v));
}

static bool get_int(json_object *o, const char *key, int64_t *out)
{
	json_object *v = get(o, key);
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

static bool get_bool(json_object *o, const char *key)
{
	json_object *v = get(o, key);
	return v && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static json_object *get_array(json_object *o, const char *key)
{
	json_object *v = get(o, key);
	return v && json_object_is_type(v, json_type_array) ? v : NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void decode_labels(struct arena *a, json_object *o, struct hc_labels *l)
{
	memset(l, 0, sizeof(*l));
	json_object *lab = get(o, "labels");
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

void hcloud_error_decode(long status, const char *body, struct hc_error *e)
{
	memset(e, 0, sizeof(*e));
	e->status = status;
	json_object *o = body ? json_tokener_parse(body) : NULL;
	json_object *err = get(o, "error");
	json_object *code = get(err, "code"), *msg = get(err, "message");
	if (code && json_object_is_type(code, json_type_string))
		snprintf(e->code, sizeof(e->code), "%s", json_object_get_string(code));
	size_t w = (size_t)snprintf(e->message, sizeof(e->message), "HTTP %ld%s%s", status,
				    e->code[0] ? " " : "", e->code);
	if (msg && json_object_is_type(msg, json_type_string) && w < sizeof(e->message))
		w += (size_t)snprintf(e->message + w, sizeof(e->message) - w, ": %s",
				      json_object_get_string(msg));
	json_object *fields = get_array(get(err, "details"), "fields");
	for (size_t i = 0; fields && i < json_object_array_length(fields); i++) {
		json_object *f = json_object_array_get_idx(fields, i);
		json_object *name = get(f, "name"), *msgs = get_array(f, "messages");
		if (!name || w >= sizeof(e->message))
			break;
		w += (size_t)snprintf(e->message + w, sizeof(e->message) - w, "%s%s",
				      i ? "; " : " (", json_object_get_string(name));
		for (size_t j = 0; msgs && j < json_object_array_length(msgs) && w < sizeof(e->message); j++)
			w += (size_t)snprintf(e->message + w, sizeof(e->message) - w, "%s%s",
					      j ? ", " : ": ",
					      json_object_get_string(json_object_array_get_idx(msgs, j)));
		if (i + 1 == json_object_array_length(fields) && w < sizeof(e->message))
			w += (size_t)snprintf(e->message + w, sizeof(e->message) - w, ")");
	}
	if (!code && !msg && w < sizeof(e->message))
		snprintf(e->message + w, sizeof(e->message) - w, "%s",
			 status == 0 ? "no answer" : " (no error envelope in the answer)");
	if (o)
		json_object_put(o);
}

/* ---- labels and queries --------------------------------------------------- */

char *hcloud_query_escape(struct arena *a, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = arena_alloc(a, n * 3 + 1), *w = out;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-_.~", *p)) {
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

static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool hcloud_label_value_ok(const char *v)
{
	size_t n = strlen(v);
	if (n == 0)
		return true;
	if (n > 63 || !alnum(v[0]) || !alnum(v[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!alnum(v[i]) && !strchr("-_.", v[i]))
			return false;
	return true;
}

bool hcloud_parse_money(const char *s, int64_t *cents)
{
	int64_t whole = 0;
	const char *p = s;
	if (!*p || *p == '.')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > INT64_MAX / 1000)
			return false;
		whole = whole * 10 + (*p - '0');
	}
	int64_t frac = 0;
	int digits = 0;
	bool up = false;
	if (*p == '.') {
		p++;
		for (; *p >= '0' && *p <= '9'; p++, digits++) {
			if (digits < 2)
				frac = frac * 10 + (*p - '0');
			else if (digits == 2)
				up = *p >= '5';
		}
	}
	if (*p)
		return false;
	while (digits < 2) {
		frac *= 10;
		digits++;
	}
	*cents = whole * 100 + frac + (up ? 1 : 0);
	return true;
}

/* ---- decoders ------------------------------------------------------------- */

/* Clears out (size bytes) and reads the name and id every resource has. */
static bool named(struct arena *a, json_object *o, void *out, size_t size, const char **name,
		  int64_t *id)
{
	memset(out, 0, size);
	*name = get_str(a, o, "name");
	return *name && get_int(o, "id", id);
}

static struct hc_type_loc *type_loc(struct arena *a, struct hc_server_type *t, const char *name,
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
	return l;
}

bool hcloud_decode_server_type(struct arena *a, json_object *o, struct hc_server_type *out)
{
	if (!named(a, o, out, sizeof(*out), &out->name, &out->id))
		return false;
	get_int(o, "cores", &out->cores);
	json_object *mem = get(o, "memory");
	if (mem)
		out->memory_mib = (int64_t)(json_object_get_double(mem) * 1024 + 0.5);
	json_object *dep = get(o, "deprecation");
	out->deprecated = get_bool(o, "deprecated") || (dep && !json_object_is_type(dep, json_type_null));
	json_object *prices = get_array(o, "prices"), *locs = get_array(o, "locations");
	size_t cap = (prices ? json_object_array_length(prices) : 0) +
		     (locs ? json_object_array_length(locs) : 0);
	out->locs = arena_calloc(a, cap ? cap : 1, sizeof(*out->locs));
	for (size_t i = 0; prices && i < json_object_array_length(prices); i++) {
		json_object *p = json_object_array_get_idx(prices, i);
		const char *loc = get_str(a, p, "location");
		json_object *net = get(get(p, "price_monthly"), "net");
		int64_t cents;
		if (!loc || !net || !hcloud_parse_money(json_object_get_string(net), &cents))
			return false;
		type_loc(a, out, loc, cap)->monthly = cents;
	}
	for (size_t i = 0; locs && i < json_object_array_length(locs); i++) {
		json_object *l = json_object_array_get_idx(locs, i);
		const char *name = get_str(a, l, "name");
		if (!name)
			return false;
		struct hc_type_loc *tl = type_loc(a, out, name, cap);
		tl->listed = true;
		tl->available = get_bool(l, "available");
		json_object *d = get(l, "deprecation");
		tl->deprecated = d && !json_object_is_type(d, json_type_null);
	}
	if (!locs)
		/* an API without locations[]: a price means orderable */
		for (size_t i = 0; i < out->nlocs; i++)
			out->locs[i].available = out->locs[i].listed = true;
	return true;
}

bool hcloud_decode_location(struct arena *a, json_object *o, struct hc_location *out)
{
	return named(a, o, out, sizeof(*out), &out->name, &out->id);
}

bool hcloud_decode_image(struct arena *a, json_object *o, struct hc_image *out)
{
	memset(out, 0, sizeof(*out));
	out->name = get_str(a, o, "name");
	out->architecture = get_str(a, o, "architecture");
	out->status = get_str(a, o, "status");
	json_object *dep = get(o, "deprecated");
	out->deprecated = dep && !json_object_is_type(dep, json_type_null);
	return get_int(o, "id", &out->id);
}

bool hcloud_decode_ssh_key(struct arena *a, json_object *o, struct hc_ssh_key *out)
{
	memset(out, 0, sizeof(*out));
	out->name = get_str(a, o, "name");
	out->fingerprint = get_str(a, o, "fingerprint");
	out->public_key = get_str(a, o, "public_key");
	decode_labels(a, o, &out->labels);
	return out->name && out->public_key && get_int(o, "id", &out->id);
}

static const char **str_array(struct arena *a, json_object *arr, size_t *n)
{
	*n = arr ? json_object_array_length(arr) : 0;
	const char **v = arena_calloc(a, *n ? *n : 1, sizeof(*v));
	for (size_t i = 0; i < *n; i++)
		v[i] = arena_strdup(a, json_object_get_string(json_object_array_get_idx(arr, i)));
	qsort(v, *n, sizeof(*v), cmp_str);
	return v;
}

bool hcloud_decode_firewall(struct arena *a, json_object *o, struct hc_firewall *out)
{
	if (!named(a, o, out, sizeof(*out), &out->name, &out->id))
		return false;
	decode_labels(a, o, &out->labels);
	json_object *rules = get_array(o, "rules");
	out->nrules = rules ? json_object_array_length(rules) : 0;
	out->rules = arena_calloc(a, out->nrules ? out->nrules : 1, sizeof(*out->rules));
	for (size_t i = 0; i < out->nrules; i++) {
		json_object *r = json_object_array_get_idx(rules, i);
		struct hc_rule *h = &out->rules[i];
		h->direction = get_str(a, r, "direction");
		h->protocol = get_str(a, r, "protocol");
		h->port = get_str(a, r, "port");
		if (!h->direction || !h->protocol)
			return false;
		h->ips = str_array(a, get_array(r, !strcmp(h->direction, "in") ? "source_ips"
									       : "destination_ips"),
				   &h->nips);
	}
	json_object *applied = get_array(o, "applied_to");
	size_t n = applied ? json_object_array_length(applied) : 0;
	out->servers = arena_calloc(a, n ? n : 1, sizeof(*out->servers));
	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(applied, i);
		json_object *type = get(t, "type");
		int64_t id;
		if (type && !strcmp(json_object_get_string(type), "server") &&
		    get_int(get(t, "server"), "id", &id))
			out->servers[out->nservers++] = id;
	}
	return true;
}

bool hcloud_decode_server(struct arena *a, json_object *o, struct hc_server *out)
{
	memset(out, 0, sizeof(*out));
	out->name = get_str(a, o, "name");
	out->status = get_str(a, o, "status");
	out->type = get_str(a, get(o, "server_type"), "name");
	out->image = get_str(a, get(o, "image"), "name");
	out->location = get_str(a, get(o, "location"), "name");
	if (!out->location)
		out->location = get_str(a, get(get(o, "datacenter"), "location"), "name");
	out->ipv4 = get_str(a, get(get(o, "public_net"), "ipv4"), "ip");
	decode_labels(a, o, &out->labels);
	return out->name && out->type && out->location && get_int(o, "id", &out->id);
}

bool hcloud_decode_zone(struct arena *a, json_object *o, struct hc_zone *out)
{
	if (!named(a, o, out, sizeof(*out), &out->name, &out->id))
		return false;
	out->mode = get_str(a, o, "mode");
	return true;
}

bool hcloud_decode_rrset(struct arena *a, json_object *o, struct hc_rrset *out)
{
	memset(out, 0, sizeof(*out));
	out->name = get_str(a, o, "name");
	out->type = get_str(a, o, "type");
	decode_labels(a, o, &out->labels);
	json_object *recs = get_array(o, "records");
	out->nrecords = recs ? json_object_array_length(recs) : 0;
	out->records = arena_calloc(a, out->nrecords ? out->nrecords : 1, sizeof(*out->records));
	for (size_t i = 0; i < out->nrecords; i++) {
		out->records[i] = get_str(a, json_object_array_get_idx(recs, i), "value");
		if (!out->records[i])
			return false;
	}
	qsort(out->records, out->nrecords, sizeof(*out->records), cmp_str);
	return out->name && out->type;
}

bool hcloud_decode_action(struct arena *a, json_object *o, struct hc_action *out)
{
	memset(out, 0, sizeof(*out));
	out->command = get_str(a, o, "command");
	const char *status = get_str(a, o, "status");
	if (!out->command || !status || !get_int(o, "id", &out->id))
		return false;
	get_int(o, "progress", &out->progress);
	if (!strcmp(status, "running")) {
		out->status = HC_ACTION_RUNNING;
	} else if (!strcmp(status, "success")) {
		out->status = HC_ACTION_SUCCESS;
	} else {
		out->status = HC_ACTION_ERROR;
		json_object *err = get(o, "error");
		out->error_code = get_str(a, err, "code");
		out->error_message = get_str(a, err, "message");
		if (!out->error_message)
			out->error_message = arena_printf(a, "action ended with status '%s'", status);
	}
	return true;
}

/* ---- lists ---------------------------------------------------------------- */

long hcloud_next_page(json_object *answer)
{
	json_object *np = get(get(get(answer, "meta"), "pagination"), "next_page");
	if (!np || !json_object_is_type(np, json_type_int))
		return 0;
	return (long)json_object_get_int64(np);
}

bool hcloud_list(struct http_client *c, const char *path, const char *query, const char *key,
		 json_object **items, struct hc_error *e)
{
	*items = json_object_new_array();
	long page = 1;
	char url[2048];
	while (page > 0) {
		snprintf(url, sizeof(url), "%s?%s%spage=%ld&per_page=50", path,
			 query ? query : "", query && *query ? "&" : "", page);
		struct http_response r;
		bool got = http_request(c, "GET", url, NULL, &r);
		if (!got || r.status != 200) {
			hcloud_error_decode(r.status, r.body, e);
			if (!got)
				snprintf(e->message, sizeof(e->message), "no answer from the API: %s",
					 c->errbuf);
			http_response_free(&r);
			json_object_put(*items);
			*items = NULL;
			return false;
		}
		json_object *ans = json_tokener_parse(r.body);
		http_response_free(&r);
		json_object *arr = get_array(ans, key);
		if (!arr) {
			memset(e, 0, sizeof(*e));
			e->status = 200;
			snprintf(e->message, sizeof(e->message),
				 "GET %s: the answer has no '%s' list", path, key);
			if (ans)
				json_object_put(ans);
			json_object_put(*items);
			*items = NULL;
			return false;
		}
		for (size_t i = 0; i < json_object_array_length(arr); i++)
			json_object_array_add(*items, json_object_get(json_object_array_get_idx(arr, i)));
		long next = hcloud_next_page(ans);
		json_object_put(ans);
		/* a server that pages backwards would loop forever */
		page = next > page ? next : 0;
	}
	return true;
}

/* ---- mutations ------------------------------------------------------------ */

static void add_action_id(struct hc_actions *acts, json_object *a)
{
	int64_t id;
	if (!acts || !a || !get_int(a, "id", &id) || acts->n >= HC_MAX_ACTIONS)
		return;
	json_object *cmd = get(a, "command");
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

static void collect_actions(json_object *ans, struct hc_actions *acts)
{
	add_action_id(acts, get(ans, "action"));
	const char *lists[] = { "actions", "next_actions" };
	for (size_t k = 0; k < 2; k++) {
		json_object *arr = get_array(ans, lists[k]);
		for (size_t i = 0; arr && i < json_object_array_length(arr); i++)
			add_action_id(acts, json_object_array_get_idx(arr, i));
	}
}

static void no_answer(struct http_client *c, const char *method, const char *path,
		      struct hc_error *e)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->message, sizeof(e->message), "%s %s: no answer from the API: %s", method,
		 path, c->errbuf);
}

bool hcloud_call(struct http_client *c, const char *method, const char *path, json_object *body,
		 json_object **answer, struct hc_actions *acts, struct hc_error *e)
{
	if (answer)
		*answer = NULL;
	if (acts)
		acts->n = 0;
	const char *text = body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
								     JSON_C_TO_STRING_NOSLASHESCAPE)
				: NULL;
	struct http_response r;
	bool got = http_request(c, method, path, text, &r);
	if (body)
		json_object_put(body);
	if (!got) {
		no_answer(c, method, path, e);
		http_response_free(&r);
		return false;
	}
	if (r.status < 200 || r.status > 299) {
		hcloud_error_decode(r.status, r.body, e);
		http_response_free(&r);
		return false;
	}
	json_object *ans = r.body && r.len ? json_tokener_parse(r.body) : NULL;
	http_response_free(&r);
	collect_actions(ans, acts);
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
		      const char *name, json_object **item, struct hc_error *e)
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

static bool decoded(bool ok, json_object *ans, const char *what, struct hc_error *e)
{
	if (ans)
		json_object_put(ans);
	if (!ok) {
		memset(e, 0, sizeof(*e));
		snprintf(e->message, sizeof(e->message), "the API's answer holds no valid %s", what);
	}
	return ok;
}

bool hcloud_create_server(struct http_client *c, struct arena *a,
			  const struct hc_server_create *rq, struct hc_server *out,
			  struct hc_actions *acts, struct hc_error *e)
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
	return decoded(hcloud_decode_server(a, get(ans, "server"), out), ans, "server", e);
}

bool hcloud_get_server(struct http_client *c, struct arena *a, int64_t id,
		       struct hc_server *out, struct hc_error *e)
{
	char path[64];
	snprintf(path, sizeof(path), "/servers/%lld", (long long)id);
	json_object *ans;
	if (!hcloud_call(c, "GET", path, NULL, &ans, NULL, e))
		return false;
	return decoded(hcloud_decode_server(a, get(ans, "server"), out), ans, "server", e);
}

bool hcloud_server_action(struct http_client *c, int64_t id, const char *op,
			  const char *server_type, struct hc_actions *acts, struct hc_error *e)
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

bool hcloud_server_running_actions(struct http_client *c, int64_t id, struct hc_actions *acts,
				   struct hc_error *e)
{
	char path[96];
	snprintf(path, sizeof(path), "/servers/%lld/actions?status=running", (long long)id);
	json_object *ans;
	if (!hcloud_call(c, "GET", path, NULL, &ans, NULL, e))
		return false;
	acts->n = 0;
	json_object *arr = get_array(ans, "actions");
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++)
		add_action_id(acts, json_object_array_get_idx(arr, i));
	json_object_put(ans);
	return true;
}

bool hcloud_create_ssh_key(struct http_client *c, struct arena *a, const char *name,
			   const char *public_key, const struct hc_labels *labels,
			   struct hc_ssh_key *out, struct hc_error *e)
{
	json_object *b = json_object_new_object();
	json_object_object_add(b, "name", json_object_new_string(name));
	json_object_object_add(b, "public_key", json_object_new_string(public_key));
	json_object_object_add(b, "labels", hcloud_labels_json(labels));
	json_object *ans;
	if (!hcloud_call(c, "POST", "/ssh_keys", b, &ans, NULL, e))
		return false;
	return decoded(hcloud_decode_ssh_key(a, get(ans, "ssh_key"), out), ans, "ssh key", e);
}

static json_object *rules_json(const int *ports, size_t nports)
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
			    struct hc_firewall *out, struct hc_actions *acts, struct hc_error *e)
{
	json_object *b = json_object_new_object();
	json_object_object_add(b, "name", json_object_new_string(name));
	json_object_object_add(b, "labels", hcloud_labels_json(labels));
	json_object_object_add(b, "rules", rules_json(ports, nports));
	json_object *ans;
	if (!hcloud_call(c, "POST", "/firewalls", b, &ans, acts, e))
		return false;
	return decoded(hcloud_decode_firewall(a, get(ans, "firewall"), out), ans, "firewall", e);
}

bool hcloud_firewall_set_rules(struct http_client *c, int64_t id, const int *ports,
			       size_t nports, struct hc_actions *acts, struct hc_error *e)
{
	char path[96];
	snprintf(path, sizeof(path), "/firewalls/%lld/actions/set_rules", (long long)id);
	json_object *b = json_object_new_object();
	json_object_object_add(b, "rules", rules_json(ports, nports));
	return hcloud_call(c, "POST", path, b, NULL, acts, e);
}

bool hcloud_firewall_apply(struct http_client *c, int64_t id, int64_t server,
			   struct hc_actions *acts, struct hc_error *e)
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
	return !strcmp(e->code, "firewall_already_applied");
}

bool hcloud_update(struct http_client *c, const char *path, const char *name,
		   const struct hc_labels *labels, struct hc_error *e)
{
	json_object *b = json_object_new_object();
	if (name)
		json_object_object_add(b, "name", json_object_new_string(name));
	json_object_object_add(b, "labels", hcloud_labels_json(labels));
	return hcloud_call(c, "PUT", path, b, NULL, NULL, e);
}

bool hcloud_delete(struct http_client *c, const char *path, struct hc_actions *acts,
		   struct hc_error *e)
{
	if (hcloud_call(c, "DELETE", path, NULL, NULL, acts, e))
		return true;
	return e->status == 404;
}

static json_object *a_records(const char *ip)
{
	json_object *recs = json_object_new_array(), *r = json_object_new_object();
	json_object_object_add(r, "value", json_object_new_string(ip));
	json_object_array_add(recs, r);
	return recs;
}

bool hcloud_rrset_put_a(struct http_client *c, const char *zone, const char *name,
			const char *ip, const struct hc_labels *labels, struct hc_actions *acts,
			struct hc_error *e)
{
	struct arena a;
	arena_init(&a);
	const char *z = hcloud_query_escape(&a, zone), *n = hcloud_query_escape(&a, name);
	char path[768];
	snprintf(path, sizeof(path), "/zones/%s/rrsets", z);
	json_object *b = json_object_new_object();
	json_object_object_add(b, "name", json_object_new_string(name));
	json_object_object_add(b, "type", json_object_new_string("A"));
	json_object_object_add(b, "records", a_records(ip));
	json_object_object_add(b, "labels", hcloud_labels_json(labels));
	bool ok = hcloud_call(c, "POST", path, b, NULL, acts, e);
	if (!ok && !strcmp(e->code, "uniqueness_error")) {
		/* it exists (maybe from an apply that lost the answer): set it */
		snprintf(path, sizeof(path), "/zones/%s/rrsets/%s/A", z, n);
		ok = hcloud_update(c, path, NULL, labels, e);
		snprintf(path, sizeof(path), "/zones/%s/rrsets/%s/A/actions/set_records", z, n);
		json_object *sb = json_object_new_object();
		json_object_object_add(sb, "records", a_records(ip));
		ok = ok && hcloud_call(c, "POST", path, sb, NULL, acts, e);
	}
	arena_release(&a);
	return ok;
}

/* What the last poll saw: each action's progress, and when. */
struct poll_seen {
	int64_t progress[HC_MAX_ACTIONS]; /* by index in acts; -1 = not seen yet */
	int64_t at;                       /* when it was seen */
};

/* The longest time left of the running actions, extrapolated from each
 * one's progress since the poll before (or since the wait began); -1
 * when none advanced. */
static int64_t time_left(const struct poll_seen *before, const int64_t *now_progress,
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

bool hcloud_wait_actions(struct http_client *c, const struct hc_actions *acts, long poll_ms,
			 long timeout_s, struct hc_error *e)
{
	if (!acts->n)
		return true;
	char path[64 + HC_MAX_ACTIONS * 24];
	size_t w = (size_t)snprintf(path, sizeof(path), "/actions?");
	for (size_t i = 0; i < acts->n; i++)
		w += (size_t)snprintf(path + w, sizeof(path) - w, "%sid=%lld", i ? "&" : "",
				      (long long)acts->ids[i]);
	int64_t begin = clock_mono_ms();
	struct poll_seen seen = { .at = begin };
	for (size_t i = 0; i < HC_MAX_ACTIONS; i++)
		seen.progress[i] = -1;
	long wait = poll_ms > 0 ? poll_ms : 1, backoff = wait;
	for (;;) {
		clock_sleep_ms(wait);
		json_object *ans;
		if (!hcloud_call(c, "GET", path, NULL, &ans, NULL, e))
			return false;
		int64_t now = clock_mono_ms();
		json_object *arr = get_array(ans, "actions");
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
				failed = true;
				memset(e, 0, sizeof(*e));
				e->status = 200;
				snprintf(e->code, sizeof(e->code), "%s",
					 x.error_code ? x.error_code : "action_failed");
				snprintf(e->message, sizeof(e->message), "action %s failed: %s",
					 x.command, x.error_message);
			}
		}
		arena_release(&a);
		json_object_put(ans);
		if (failed)
			return false;
		if (done == acts->n)
			return true;
		if ((now - begin) / 1000 >= timeout_s) {
			memset(e, 0, sizeof(*e));
			snprintf(e->message, sizeof(e->message),
				 "actions still running after %ld s", timeout_s);
			return false;
		}
		int64_t left = time_left(&seen, progress, acts->n, now);
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
