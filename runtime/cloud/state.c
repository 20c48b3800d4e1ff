#include "state.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void state_offline(struct state *s)
{
	memset(s, 0, sizeof(*s));
	s->snapshot_price = -1;
}

/* Lists path and decodes each item with dec into a new array of size elem. */
typedef bool (*state_decode_fn)(struct arena *, json_object *, void *);

static bool state_fetch_list(struct arena *a, struct http_client *c, const char *path, const char *query,
		       const char *key, size_t elem, state_decode_fn dec, void **out, size_t *n,
		       struct error *e)
{
	json_object *items;
	if (!hcloud_list(c, path, query, key, &items, e))
		return false;
	size_t len = json_object_array_length(items);
	char *arr = arena_calloc(a, len ? len : 1, elem);
	*n = 0;
	for (size_t i = 0; i < len; i++) {
		if (!dec(a, json_object_array_get_idx(items, i), arr + *n * elem)) {
			json_object_put(items);
			return error_http(e, 200, NULL,
					  "GET %s: item %zu of '%s' is not what the API documents",
					  path, i, key);
		}
		(*n)++;
	}
	json_object_put(items);
	*out = arr;
	return true;
}

/* decode_fn adapters of the typed decoders */
#define DEC(T, fn)                                                        \
	static bool state_dec_##T(struct arena *a, json_object *o, void *out)     \
	{                                                                   \
		return fn(a, o, out);                                       \
	}
DEC(server_type, hcloud_decode_server_type)
DEC(location, hcloud_decode_location)
DEC(image, hcloud_decode_image)
DEC(ssh_key, hcloud_decode_ssh_key)
DEC(firewall, hcloud_decode_firewall)
DEC(server, hcloud_decode_server)
DEC(zone, hcloud_decode_zone)
DEC(rrset, hcloud_decode_rrset)
DEC(network, hcloud_decode_network)

#define FETCH(a, c, path, query, key, T, arr, n, e) \
	state_fetch_list(a, c, path, query, key, sizeof(*(arr)), state_dec_##T, (void **)&(arr), &(n), e)

/* comparators by name, for the lists the plan walks in order */
#define SORT_BY_NAME(arr, n, T) qsort(arr, n, sizeof(struct T), state_cmp_##T)
#define NAME_CMP(T)                                                             \
	static int state_cmp_##T(const void *x, const void *y)                          \
	{                                                                         \
		const struct T *a = x, *b = y;                                    \
		return strcmp(a->name ? a->name : "", b->name ? b->name : "");    \
	}
NAME_CMP(hc_server_type)
NAME_CMP(hc_location)
NAME_CMP(hc_ssh_key)
NAME_CMP(hc_firewall)
NAME_CMP(hc_server)
NAME_CMP(hc_rrset)
NAME_CMP(hc_network)

static int state_cmp_zone(const void *x, const void *y)
{
	const struct state_zone *a = x, *b = y;
	return strcmp(a->zone.name, b->zone.name);
}

/* Is some name missing from the n resources of arr (elem bytes each, the
 * name at byte offset off)? */
static bool state_missing(const void *arr, size_t n, size_t elem, size_t off, const char *const *names,
		    size_t nnames)
{
	for (size_t i = 0; i < nnames; i++) {
		bool found = false;
		for (size_t j = 0; j < n && !found; j++) {
			const char *name;
			memcpy(&name, (const char *)arr + j * elem + off, sizeof(name));
			found = !strcmp(name, names[i]);
		}
		if (!found)
			return true;
	}
	return false;
}

/* Keeps the resources whose infrac/project label is not project; n updated. */
#define KEEP_OTHERS(arr, n, project)                                                     \
	do {                                                                             \
		size_t kept_ = 0;                                                        \
		for (size_t i_ = 0; i_ < (n); i_++) {                                    \
			const char *lp_ = hcloud_label(&(arr)[i_].labels, STATE_LABEL_PROJECT); \
			if (!lp_ || strcmp(lp_, project))                                \
				(arr)[kept_++] = (arr)[i_];                              \
		}                                                                        \
		(n) = kept_;                                                             \
	} while (0)

/* The servers and firewalls of the Hetzner project without this project's
 * label, listed only when a wanted name is missing from this project's:
 * one that lost its label, or a name taken by something else. */
static bool state_fetch_others(struct state *s, struct arena *a, struct http_client *c,
			       const char *project, const char *const *names, size_t nnames,
			       struct error *e)
{
	if (state_missing(s->servers, s->nservers, sizeof(*s->servers),
			  offsetof(struct hc_server, name), names, nnames)) {
		if (!FETCH(a, c, "/servers", NULL, "servers", server, s->other_servers,
			   s->nother_servers, e))
			return false;
		KEEP_OTHERS(s->other_servers, s->nother_servers, project);
		SORT_BY_NAME(s->other_servers, s->nother_servers, hc_server);
	}
	if (state_missing(s->firewalls, s->nfirewalls, sizeof(*s->firewalls),
			  offsetof(struct hc_firewall, name), names, nnames)) {
		if (!FETCH(a, c, "/firewalls", NULL, "firewalls", firewall, s->other_firewalls,
			   s->nother_firewalls, e))
			return false;
		KEEP_OTHERS(s->other_firewalls, s->nother_firewalls, project);
		SORT_BY_NAME(s->other_firewalls, s->nother_firewalls, hc_firewall);
	}
	return true;
}

/* Every key, split into the project's and the others. */
static void state_split_keys(struct state *s, struct arena *a, const char *project)
{
	s->keys = arena_calloc(a, s->nother_keys ? s->nother_keys : 1, sizeof(*s->keys));
	size_t others = 0;
	for (size_t i = 0; i < s->nother_keys; i++) {
		const char *lp = hcloud_label(&s->other_keys[i].labels, STATE_LABEL_PROJECT);
		if (lp && !strcmp(lp, project))
			s->keys[s->nkeys++] = s->other_keys[i];
		else
			s->other_keys[others++] = s->other_keys[i];
	}
	s->nother_keys = others;
	SORT_BY_NAME(s->keys, s->nkeys, hc_ssh_key);
	SORT_BY_NAME(s->other_keys, s->nother_keys, hc_ssh_key);
}

/* The OS images asked for, one lookup by name each. */
static bool state_fetch_images(struct state *s, struct arena *a, struct http_client *c,
			       const char *const *images, size_t nimages, struct error *e)
{
	s->images = arena_calloc(a, nimages ? nimages : 1, sizeof(*s->images));
	for (size_t i = 0; i < nimages; i++) {
		if (state_image(s, images[i]))
			continue;
		struct hc_image *found;
		size_t nfound;
		char *q = arena_printf(a, "name=%s&include_deprecated=true",
				       hcloud_query_escape(a, images[i]));
		if (!FETCH(a, c, "/images", q, "images", image, found, nfound, e))
			return false;
		/* the first of one name per architecture; x86 is what infrac orders */
		for (size_t j = 0; j < nfound; j++)
			if (found[j].name && !strcmp(found[j].name, images[i]) &&
			    (!found[j].architecture || !strcmp(found[j].architecture, "x86"))) {
				s->images[s->nimages++] = found[j];
				break;
			}
	}
	return true;
}

/* Every zone, and the A rrsets of each primary one. */
static bool state_fetch_zones(struct state *s, struct arena *a, struct http_client *c,
			      struct error *e)
{
	struct hc_zone *zones;
	size_t nzones;
	if (!FETCH(a, c, "/zones", NULL, "zones", zone, zones, nzones, e))
		return false;
	s->zones = arena_calloc(a, nzones ? nzones : 1, sizeof(*s->zones));
	for (size_t i = 0; i < nzones; i++) {
		struct state_zone *z = &s->zones[s->nzones++];
		z->zone = zones[i];
		/* secondary zones hold no records infrac could set */
		if (z->zone.mode && strcmp(z->zone.mode, "primary"))
			continue;
		char *path = arena_printf(a, "/zones/%lld/rrsets", (long long)zones[i].id);
		if (!FETCH(a, c, path, "type=A", "rrsets", rrset, z->rrsets, z->nrrsets, e))
			return false;
		SORT_BY_NAME(z->rrsets, z->nrrsets, hc_rrset);
	}
	qsort(s->zones, s->nzones, sizeof(*s->zones), state_cmp_zone);
	return true;
}

bool state_fetch(struct state *s, struct arena *a, struct http_client *c, const char *project,
		 const char *const *images, size_t nimages, const char *const *names,
		 size_t nnames, struct error *e)
{
	memset(s, 0, sizeof(*s));
	s->online = true;
	s->snapshot_price = -1;
	const char *sel = hcloud_label_selector(a, STATE_LABEL_PROJECT, project);
	if (!FETCH(a, c, "/server_types", NULL, "server_types", server_type,
		   s->types, s->ntypes, e) ||
	    !FETCH(a, c, "/locations", NULL, "locations", location, s->locations,
		   s->nlocations, e) ||
	    !FETCH(a, c, "/ssh_keys", NULL, "ssh_keys", ssh_key, s->other_keys, s->nother_keys, e) ||
	    !FETCH(a, c, "/firewalls", sel, "firewalls", firewall, s->firewalls,
		   s->nfirewalls, e) ||
	    !FETCH(a, c, "/servers", sel, "servers", server, s->servers, s->nservers, e) ||
	    !FETCH(a, c, "/networks", sel, "networks", network, s->networks, s->nnetworks, e))
		return false;
	SORT_BY_NAME(s->networks, s->nnetworks, hc_network);
	SORT_BY_NAME(s->types, s->ntypes, hc_server_type);
	SORT_BY_NAME(s->locations, s->nlocations, hc_location);
	state_split_keys(s, a, project);
	SORT_BY_NAME(s->firewalls, s->nfirewalls, hc_firewall);
	SORT_BY_NAME(s->servers, s->nservers, hc_server);
	return state_fetch_others(s, a, c, project, names, nnames, e) &&
	       state_fetch_images(s, a, c, images, nimages, e) && state_fetch_zones(s, a, c, e);
}

bool state_fetch_snapshot_price(struct state *s, struct http_client *c, struct error *e)
{
	struct arena a;
	struct hc_pricing hp;
	arena_init(&a);
	bool ok = hcloud_get_pricing(c, &a, &hp, e);
	if (ok && hp.image_gb < 0)
		ok = error_set(e, "GET /pricing: no net image price per GB and month");
	if (ok)
		s->snapshot_price = (hp.image_gb + 50) / 100; /* micro-euros, half up */
	arena_release(&a);
	return ok;
}

const struct hc_server_type *state_type(const struct state *s, const char *name)
{
	for (size_t i = 0; i < s->ntypes; i++)
		if (!strcmp(s->types[i].name, name))
			return &s->types[i];
	return NULL;
}

const struct hc_type_loc *state_type_loc(const struct hc_server_type *t, const char *location)
{
	for (size_t i = 0; t && i < t->nlocs; i++)
		if (!strcmp(t->locs[i].location, location))
			return &t->locs[i];
	return NULL;
}

const char *state_rrset_domain(struct arena *a, const struct state_zone *z,
			       const struct hc_rrset *r)
{
	return !strcmp(r->name, "@") ? z->zone.name : arena_printf(a, "%s.%s", r->name, z->zone.name);
}

int64_t state_monthly(const struct state *s, const char *type, const char *location,
		      int64_t fallback)
{
	const struct hc_type_loc *tl = state_type_loc(state_type(s, type), location);
	return tl && tl->monthly >= 0 ? tl->monthly : fallback;
}

const struct hc_image *state_image(const struct state *s, const char *name)
{
	for (size_t i = 0; i < s->nimages; i++)
		if (s->images[i].name && !strcmp(s->images[i].name, name))
			return &s->images[i];
	return NULL;
}

const struct hc_server *state_server(const struct state *s, const char *name)
{
	for (size_t i = 0; i < s->nservers; i++)
		if (!strcmp(s->servers[i].name, name))
			return &s->servers[i];
	return NULL;
}

const struct state_zone *state_zone_of(const struct state *s, const char *domain)
{
	const struct state_zone *best = NULL;
	size_t dl = strlen(domain);
	for (size_t i = 0; i < s->nzones; i++) {
		const char *z = s->zones[i].zone.name;
		size_t zl = strlen(z);
		bool match = !strcmp(domain, z) ||
			     (dl > zl && domain[dl - zl - 1] == '.' && !strcmp(domain + dl - zl, z));
		if (match && (!best || zl > strlen(best->zone.name)))
			best = &s->zones[i];
	}
	return best;
}

bool state_has_location(const struct state *s, const char *name)
{
	for (size_t i = 0; i < s->nlocations; i++)
		if (!strcmp(s->locations[i].name, name))
			return true;
	return false;
}

/* ---- fingerprint ---------------------------------------------------------- */

static void state_put_labels(struct strbuf *d, const struct hc_labels *l)
{
	digest_put_int(d, (long long)l->n);
	for (size_t i = 0; i < l->n; i++) {
		digest_put(d, l->keys[i]);
		digest_put(d, l->vals[i]);
	}
}

void state_fingerprint(const struct state *s, char out[DIGEST_HEX])
{
	struct strbuf d = STRBUF_INIT;
	digest_put(&d, s->online ? "online" : "offline");
	digest_put(&d, "servers");
	for (size_t i = 0; i < s->nservers + s->nother_servers; i++) {
		const struct hc_server *v =
			i < s->nservers ? &s->servers[i] : &s->other_servers[i - s->nservers];
		digest_put_int(&d, v->id);
		digest_put(&d, v->name);
		digest_put(&d, v->type);
		digest_put(&d, v->image);
		digest_put(&d, v->location);
		digest_put(&d, v->ipv4);
		state_put_labels(&d, &v->labels);
		for (size_t k = 0; k < v->nprivate_net; k++) {
			digest_put_int(&d, v->private_net[k].network);
			digest_put(&d, v->private_net[k].ip);
		}
	}
	if (s->nnetworks)
		digest_put(&d, "networks");
	for (size_t i = 0; i < s->nnetworks; i++) {
		const struct hc_network *n = &s->networks[i];
		digest_put_int(&d, n->id);
		digest_put(&d, n->name);
		digest_put(&d, n->ip_range);
		state_put_labels(&d, &n->labels);
		for (size_t k = 0; k < n->nsubnets; k++)
			digest_put(&d, n->subnets[k].ip_range);
	}
	digest_put(&d, "ssh_keys");
	for (size_t i = 0; i < s->nkeys + s->nother_keys; i++) {
		const struct hc_ssh_key *k = i < s->nkeys ? &s->keys[i] : &s->other_keys[i - s->nkeys];
		digest_put_int(&d, k->id);
		digest_put(&d, k->name);
		digest_put(&d, k->public_key);
		state_put_labels(&d, &k->labels);
	}
	digest_put(&d, "firewalls");
	for (size_t i = 0; i < s->nfirewalls + s->nother_firewalls; i++) {
		const struct hc_firewall *f = i < s->nfirewalls
						      ? &s->firewalls[i]
						      : &s->other_firewalls[i - s->nfirewalls];
		digest_put_int(&d, f->id);
		digest_put(&d, f->name);
		state_put_labels(&d, &f->labels);
		for (size_t r = 0; r < f->nrules; r++) {
			digest_put(&d, f->rules[r].direction);
			digest_put(&d, f->rules[r].protocol);
			digest_put(&d, f->rules[r].port);
			for (size_t k = 0; k < f->rules[r].nips; k++)
				digest_put(&d, f->rules[r].ips[k]);
		}
		for (size_t k = 0; k < f->nservers; k++)
			digest_put_int(&d, f->servers[k]);
	}
	digest_put(&d, "zones");
	for (size_t i = 0; i < s->nzones; i++) {
		digest_put(&d, s->zones[i].zone.name);
		for (size_t r = 0; r < s->zones[i].nrrsets; r++) {
			const struct hc_rrset *rr = &s->zones[i].rrsets[r];
			digest_put(&d, rr->name);
			for (size_t k = 0; k < rr->nrecords; k++)
				digest_put(&d, rr->records[k]);
			state_put_labels(&d, &rr->labels);
		}
	}
	digest_finish(&d, out);
}
