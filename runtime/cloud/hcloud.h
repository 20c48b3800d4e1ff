/*
 * hcloud: the Hetzner Cloud API as infrac uses it.
 *
 * Decodes the resources (json-c) into plain structs whose strings live in
 * the caller's arena, pages through lists (per_page=50 until next_page is
 * null, at most HCLOUD_MAX_PAGES pages) and turns the error envelope into one clear message.  Names and
 * ids are taken as the API gives them; nothing here knows about infrac's
 * labels or the plan.
 */
#ifndef INFRAC_HCLOUD_H
#define INFRAC_HCLOUD_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "error.h"
#include "http.h"

struct hc_labels {
	const char **keys;   /* sorted by key */
	const char **vals;
	size_t n;
};

/* A server type in one location: price and whether it can be ordered. */
struct hc_type_loc {
	const char *location;
	int64_t monthly;     /* cents, net, rounded half up; -1 = no price */
	bool listed;         /* in locations[] */
	bool available;
	bool deprecated;     /* locations[].deprecation set */
	int64_t included_traffic; /* bytes a month; -1 = not given */
	int64_t traffic_tb;  /* price_per_tb_traffic, net, micro-euros; -1 = not given */
};

struct hc_server_type {
	int64_t id;
	const char *name;
	int64_t cores;
	int64_t memory_mib;
	const char *memory;      /* GB as the API writes it ("16", "0.5"); NULL = absent */
	int64_t disk_gb;         /* its local disk */
	const char *architecture; /* "x86", "arm"; NULL = absent */
	const char *cpu_type;    /* "shared", "dedicated"; NULL = absent */
	bool deprecated;
	struct hc_type_loc *locs;
	size_t nlocs;
};

/* GET /pricing, the parts infrac counts: net prices in EUR. */
struct hc_pricing {
	const char *currency;
	int64_t backup_bp;       /* server_backup.percentage, basis points; -1 = absent */
	int64_t image_gb;        /* image.price_per_gb_month, micro-euros; -1 = absent */
	int64_t volume_gb;       /* volume.price_per_gb_month, micro-euros; -1 = absent */
	struct hc_ip_price {
		const char *location;
		int64_t monthly;     /* cents */
	} *ipv4;                 /* primary_ips[type=ipv4].prices */
	size_t nipv4;
};

struct hc_location {
	int64_t id;
	const char *name;
};

struct hc_image {
	int64_t id;
	const char *name;          /* NULL for snapshots */
	const char *architecture;
	const char *status;
	bool deprecated;
};

struct hc_ssh_key {
	int64_t id;
	const char *name;
	const char *fingerprint;
	const char *public_key;
	struct hc_labels labels;
};

struct hc_rule {
	const char *direction;     /* "in" | "out" */
	const char *protocol;
	const char *port;          /* NULL for icmp & co. */
	const char **ips;          /* source_ips (in) or destination_ips (out) */
	size_t nips;
};

struct hc_firewall {
	int64_t id;
	const char *name;
	struct hc_labels labels;
	struct hc_rule *rules;
	size_t nrules;
	int64_t *servers;          /* applied directly, by id */
	size_t nservers;
};

/* A server's place on a private network: private_net[] of a server. */
struct hc_private_net {
	int64_t network;
	const char *ip;
};

struct hc_server {
	int64_t id;
	const char *name;
	const char *status;
	const char *type;          /* server_type.name */
	const char *image;         /* image.name; NULL when the image is gone or unnamed */
	const char *location;      /* location.name (or datacenter.location.name) */
	const char *ipv4;          /* NULL without one */
	struct hc_labels labels;
	bool protect_delete;       /* protection.delete: DELETE gives 423 protected */
	bool protect_rebuild;      /* protection.rebuild */
	const char *private_ip;    /* private_net[0].ip; NULL in no network */
	struct hc_private_net *private_net; /* the networks it is attached to */
	size_t nprivate_net;
};

/* A subnet of a network: where servers of a network zone get addresses. */
struct hc_subnet {
	const char *ip_range;      /* "10.0.0.0/24" */
	const char *network_zone;  /* "eu-central" */
	const char *type;          /* "cloud" */
};

/* A private network; its servers' addresses are in their private_net. */
struct hc_network {
	int64_t id;
	const char *name;
	const char *ip_range;      /* "10.0.0.0/16" */
	struct hc_subnet *subnets;
	size_t nsubnets;
	int64_t *servers;          /* attached servers, by id */
	size_t nservers;
	bool protect_delete;
	struct hc_labels labels;
};

/* An image of type snapshot: a copy of a server's disk, billed per GB and month. */
struct hc_snapshot {
	int64_t id;
	const char *description;
	const char *status;        /* "creating", "available" */
	const char *created;       /* RFC 3339, as the API gives it */
	int64_t image_size_mb;     /* what is billed, in MB (GB / 1000); -1 while unknown */
	int64_t disk_size_gb;      /* the disk it holds */
	int64_t server;            /* created_from.id; 0 when not given */
	const char *server_name;   /* created_from.name; NULL when not given */
	bool protect_delete;
	struct hc_labels labels;
};

/* A placement group: infrac uses one, empty, as the project's apply lock. */
struct hc_placement_group {
	int64_t id;
	const char *name;
	const char *type;          /* "spread" */
	const char *created;       /* RFC 3339 */
	struct hc_labels labels;
	size_t nservers;           /* servers in it */
};

struct hc_zone {
	int64_t id;
	const char *name;
	const char *mode;
};

struct hc_rrset {
	const char *name;          /* relative, "@" = apex */
	const char *type;
	const char **records;      /* sorted */
	size_t nrecords;
	struct hc_labels labels;
};

enum hc_action_status { HC_ACTION_RUNNING, HC_ACTION_SUCCESS, HC_ACTION_ERROR };

struct hc_action {
	int64_t id;
	const char *command;       /* "create_server" */
	enum hc_action_status status;
	int64_t progress;          /* percent */
	const char *error_code;    /* status error: "action_failed" */
	const char *error_message;
};

/* The public API; HCLOUD_ENDPOINT overrides it. */
#define HCLOUD_ENDPOINT_DEFAULT "https://api.hetzner.cloud/v1"

/*
 * Turns an error answer into e: status, the envelope's code, and one line
 * "HTTP 409 uniqueness_error: message (field: why)".  The API's words are
 * shown with every occurrence of secret (the client's token; may be NULL)
 * replaced by "<redacted>" and with control characters escaped (newlines
 * too: the message is one line).  e owns its copy.  Returns false.
 */
bool hcloud_error_decode(long status, const char *body, const char *secret, struct error *e);

/* Label helpers.  Value of key, or NULL. */
const char *hcloud_label(const struct hc_labels *l, const char *key);
/* Percent-encodes s for a query string (RFC 3986 unreserved kept). */
char *hcloud_query_escape(struct arena *a, const char *s);
/* "label_selector=<escaped k=v>" */
char *hcloud_label_selector(struct arena *a, const char *key, const char *value);
/* Is v a label value the API accepts (<= 63, [a-z0-9A-Z] at both ends, -_. inside)? */
bool hcloud_label_value_ok(const char *v);

/* "19.4900000000" -> 1949 cents, half up; false when not a decimal. */
bool hcloud_parse_money(const char *s, int64_t *cents);
/* A decimal in units of 10^-places, half up ("0.0143", 4 -> 143); false
 * when s is not a decimal or does not fit. */
bool hcloud_parse_decimal(const char *s, int places, int64_t *out);

/* "0.0143000000" -> 14300 micro-euros, half up; false when not a decimal. */
bool hcloud_parse_micro(const char *s, int64_t *micro);

/* Decoders: false when a required field is missing or of the wrong type. */
bool hcloud_decode_server_type(struct arena *a, json_object *o, struct hc_server_type *out);
/* The object under "pricing" of GET /pricing. */
bool hcloud_decode_pricing(struct arena *a, json_object *o, struct hc_pricing *out);
bool hcloud_decode_location(struct arena *a, json_object *o, struct hc_location *out);
bool hcloud_decode_image(struct arena *a, json_object *o, struct hc_image *out);
bool hcloud_decode_ssh_key(struct arena *a, json_object *o, struct hc_ssh_key *out);
bool hcloud_decode_firewall(struct arena *a, json_object *o, struct hc_firewall *out);
bool hcloud_decode_server(struct arena *a, json_object *o, struct hc_server *out);
bool hcloud_decode_zone(struct arena *a, json_object *o, struct hc_zone *out);
bool hcloud_decode_rrset(struct arena *a, json_object *o, struct hc_rrset *out);
bool hcloud_decode_snapshot(struct arena *a, json_object *o, struct hc_snapshot *out);
bool hcloud_decode_placement_group(struct arena *a, json_object *o, struct hc_placement_group *out);
bool hcloud_decode_network(struct arena *a, json_object *o, struct hc_network *out);
/* An unknown status is an error: apply must not take it for success. */
bool hcloud_decode_action(struct arena *a, json_object *o, struct hc_action *out);

/* next_page of a list answer's meta.pagination; 0 when null or absent. */
long hcloud_next_page(json_object *answer);

/*
 * Lists are read HCLOUD_PER_PAGE items a page (the most Hetzner gives)
 * and end after HCLOUD_MAX_PAGES pages: 50,000 resources of one kind, far
 * above any real project (Hetzner's limits are counted in tens or
 * hundreds of servers), so a longer list is a server that never stops.
 */
#define HCLOUD_PER_PAGE 50
#define HCLOUD_MAX_PAGES 1000

/*
 * GET path?query&page=N&per_page=50 for every page; key is the array in
 * the answer ("servers").  *items gets a new array holding every item
 * (json_object_put it; NULL on failure).  false with e set on an error
 * answer, and on a list that does not end: an empty page that names a
 * next one, a next page not after the current one, or more than
 * HCLOUD_MAX_PAGES pages (the message names the path and the list).
 */
bool hcloud_list(struct http_client *c, const char *path, const char *query, const char *key,
		 json_object **items, struct error *e);

/* ---- mutations (apply) ------------------------------------------------------
 *
 * Each sends one request (the http layer retries what is safe to retry)
 * and fills e on an error answer or when no answer came.  acts gets the
 * ids of the action the answer names and of its next_actions, in order,
 * for hcloud_wait_actions.  Bodies are built with json-c.
 */
#define HC_MAX_ACTIONS 8

struct hc_actions {
	int64_t ids[HC_MAX_ACTIONS];
	char commands[HC_MAX_ACTIONS][32]; /* "create_server"; "" when not given */
	size_t n;
};

/* Appends the actions of src to dst (as many as fit). */
void hcloud_actions_add(struct hc_actions *dst, const struct hc_actions *src);

/*
 * method path with body (consumed; NULL = none).  On a 2xx answer true,
 * *answer the parsed body (NULL for an empty one; may be NULL to drop it)
 * and acts (may be NULL) the actions it names.
 */
bool hcloud_call(struct http_client *c, const char *method, const char *path, json_object *body,
		 json_object **answer, struct hc_actions *acts, struct error *e);

/* The name of domain's rrset in zone (domain ends in zone): relative,
 * "@" for the apex; in a. */
const char *hcloud_rrset_name(struct arena *a, const char *domain, const char *zone);

/* The labels as a json-c object. */
json_object *hcloud_labels_json(const struct hc_labels *l);

/* The one item of GET path?name=NAME (key: "servers"), or *item NULL when
 * there is none.  Used before creating: an earlier apply that was
 * interrupted may have created it without learning so. */
bool hcloud_find_name(struct http_client *c, const char *path, const char *key,
		      const char *name, json_object **item, struct error *e);

struct hc_server_create {
	const char *name, *type, *image, *location;
	const char *const *ssh_keys;   /* names */
	size_t nssh_keys;
	int64_t firewall;              /* 0 = none */
	const char *user_data;         /* NULL = none */
	const struct hc_labels *labels;
};

/* Server CRUD: out's strings live in a; false with e set. */
bool hcloud_create_server(struct http_client *c, struct arena *a,
			  const struct hc_server_create *rq, struct hc_server *out,
			  struct hc_actions *acts, struct error *e);
bool hcloud_get_server(struct http_client *c, struct arena *a, int64_t id,
		       struct hc_server *out, struct error *e);
/* POST /servers/ID/actions/OP: "poweron", "poweroff", or "change_type"
 * with server_type (the disk is kept, so a later downgrade stays possible). */
bool hcloud_server_action(struct http_client *c, int64_t id, const char *op,
			  const char *server_type, struct hc_actions *acts, struct error *e);
/* GET /pricing decoded into out (strings in a): the one read of the
 * charges, for the price table (pricing.h) and a plan's snapshots
 * (state.h).  false with e set when the request failed, the answer is
 * not a price list, or its prices are not in EUR. */
bool hcloud_get_pricing(struct http_client *c, struct arena *a, struct hc_pricing *out,
			struct error *e);

/*
 * POST /servers/ID/actions/change_protection {delete, rebuild} and waits
 * for its action (hcloud_wait_actions with poll_ms and timeout_s).  The
 * API wants both the same for now: different values give 422
 * invalid_input.  false with e set.
 */
bool hcloud_server_protect(struct http_client *c, int64_t id, bool delete, bool rebuild,
			   long poll_ms, long timeout_s, struct error *e);

/*
 * A snapshot of server id: POST /servers/ID/actions/create_image {type
 * "snapshot", description (NULL: the API makes one up), labels}, then
 * waits for its action as hcloud_server_protect does.  *image gets the
 * new image's id once it is available.  When the wait fails the image
 * may exist (creating, or gone with the action's error): *image is set
 * as soon as the API named it, 0 before.  false with e set.
 */
bool hcloud_create_snapshot(struct http_client *c, int64_t id, const char *description,
			    const struct hc_labels *labels, long poll_ms, long timeout_s,
			    int64_t *image, struct error *e);

/* The snapshots whose labels match selector (a label_selector, unescaped;
 * NULL: all of them), by id; in a.  false with e set. */
bool hcloud_list_snapshots(struct http_client *c, struct arena *a, const char *selector,
			   struct hc_snapshot **out, size_t *n, struct error *e);

/* The ids of the actions running on server id. */
bool hcloud_server_running_actions(struct http_client *c, int64_t id, struct hc_actions *acts,
				   struct error *e);

/* Uploads a public key under name with labels; out in a. */
bool hcloud_create_ssh_key(struct http_client *c, struct arena *a, const char *name,
			   const char *public_key, const struct hc_labels *labels,
			   struct hc_ssh_key *out, struct error *e);

/* Rules: inbound tcp on each port from anywhere (IPv4 and IPv6). */
bool hcloud_create_firewall(struct http_client *c, struct arena *a, const char *name,
			    const int *ports, size_t nports, const struct hc_labels *labels,
			    struct hc_firewall *out, struct hc_actions *acts, struct error *e);
bool hcloud_firewall_set_rules(struct http_client *c, int64_t id, const int *ports,
			       size_t nports, struct hc_actions *acts, struct error *e);
/* Already applied counts as done. */
bool hcloud_firewall_apply(struct http_client *c, int64_t id, int64_t server,
			   struct hc_actions *acts, struct error *e);

/* PUT path {name (when not NULL), labels}: the labels are replaced. */
bool hcloud_update(struct http_client *c, const char *path, const char *name,
		   const struct hc_labels *labels, struct error *e);
/* DELETE path; one that is gone already (404) counts as done. */
bool hcloud_delete(struct http_client *c, const char *path, struct hc_actions *acts,
		   struct error *e);

/*
 * Placement groups.  Create: POST /placement_groups {name, type "spread",
 * labels}; a name that exists gives an error whose code is
 * uniqueness_error (error_code_is).  acts gets an action when the answer
 * names one (the API sends none today).  Find: the one of that name, or
 * *found false.  Get: by id; a 404 is an error (error_status).  Strings in a.
 */
bool hcloud_create_placement_group(struct http_client *c, struct arena *a, const char *name,
				   const struct hc_labels *labels, struct hc_placement_group *out,
				   struct hc_actions *acts, struct error *e);
bool hcloud_find_placement_group(struct http_client *c, struct arena *a, const char *name,
				 struct hc_placement_group *out, bool *found, struct error *e);
bool hcloud_get_placement_group(struct http_client *c, struct arena *a, int64_t id,
				struct hc_placement_group *out, struct error *e);

/*
 * Networks.  Create: POST /networks {name, ip_range, labels, subnets: one
 * of type cloud, subnet in zone}; no action.  Add subnet: POST
 * /networks/ID/actions/add_subnet, its action in acts.  Attach: POST
 * /servers/ID/actions/attach_to_network {network, ip}; detach: POST
 * /servers/ID/actions/detach_from_network {network}, a server that is not
 * attached counting as detached.  Strings in a; false with e set.
 */
bool hcloud_create_network(struct http_client *c, struct arena *a, const char *name,
			   const char *ip_range, const char *subnet, const char *zone,
			   const struct hc_labels *labels, struct hc_network *out, struct error *e);
bool hcloud_get_network(struct http_client *c, struct arena *a, int64_t id,
			struct hc_network *out, struct error *e);
bool hcloud_network_add_subnet(struct http_client *c, int64_t id, const char *subnet,
			       const char *zone, struct hc_actions *acts, struct error *e);
bool hcloud_server_attach(struct http_client *c, int64_t server, int64_t network,
			  const char *ip, struct hc_actions *acts, struct error *e);
bool hcloud_server_detach(struct http_client *c, int64_t server, int64_t network,
			  struct hc_actions *acts, struct error *e);

/* The A rrset NAME of zone holding exactly ip: created with labels, or,
 * when it exists, its records set and labels replaced. */
bool hcloud_rrset_put_a(struct http_client *c, const char *zone, const char *name,
			const char *ip, const struct hc_labels *labels, struct hc_actions *acts,
			struct error *e);

/*
 * Waits until every action of acts has finished: GET /actions?id=..
 * (all of them in one request), first after poll_ms, at most timeout_s
 * seconds.  The next poll is timed by the progress the actions report:
 * when it advances, the time left is extrapolated from its rate and the
 * next poll comes just after the slowest one should end (at least
 * 100 ms and at most 5 s later); without progress the wait grows by half
 * up to 2 s.  false with e set when one ends in error (its message) or
 * the time runs out.
 */
bool hcloud_wait_actions(struct http_client *c, const struct hc_actions *acts, long poll_ms,
			 long timeout_s, struct error *e);

#endif
