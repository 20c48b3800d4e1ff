/*
 * hcloud: the Hetzner Cloud API as infrac uses it.
 *
 * Decodes the resources (json-c) into plain structs whose strings live in
 * the caller's arena, pages through lists (per_page=50 until next_page is
 * null) and turns the error envelope into one clear message.  Names and
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
};

struct hc_server_type {
	int64_t id;
	const char *name;
	int64_t cores;
	int64_t memory_mib;
	bool deprecated;
	struct hc_type_loc *locs;
	size_t nlocs;
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

struct hc_server {
	int64_t id;
	const char *name;
	const char *status;
	const char *type;          /* server_type.name */
	const char *image;         /* image.name; NULL when the image is gone or unnamed */
	const char *location;      /* location.name (or datacenter.location.name) */
	const char *ipv4;          /* NULL without one */
	struct hc_labels labels;
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

/* The error envelope, or a transport failure (status 0). */
struct hc_error {
	long status;
	char code[64];
	char message[512];         /* code, message and invalid_input fields, one line */
};

/* Decodes an error answer into e (always fills e->message). */
void hcloud_error_decode(long status, const char *body, struct hc_error *e);

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

/* Decoders: false when a required field is missing or of the wrong type. */
bool hcloud_decode_server_type(struct arena *a, json_object *o, struct hc_server_type *out);
bool hcloud_decode_location(struct arena *a, json_object *o, struct hc_location *out);
bool hcloud_decode_image(struct arena *a, json_object *o, struct hc_image *out);
bool hcloud_decode_ssh_key(struct arena *a, json_object *o, struct hc_ssh_key *out);
bool hcloud_decode_firewall(struct arena *a, json_object *o, struct hc_firewall *out);
bool hcloud_decode_server(struct arena *a, json_object *o, struct hc_server *out);
bool hcloud_decode_zone(struct arena *a, json_object *o, struct hc_zone *out);
bool hcloud_decode_rrset(struct arena *a, json_object *o, struct hc_rrset *out);
/* An unknown status is an error: apply must not take it for success. */
bool hcloud_decode_action(struct arena *a, json_object *o, struct hc_action *out);

/* next_page of a list answer's meta.pagination; 0 when null or absent. */
long hcloud_next_page(json_object *answer);

/*
 * GET path?query&page=N&per_page=50 for every page; key is the array in
 * the answer ("servers").  *items gets a new array holding every item
 * (json_object_put it).  false with e set on an error answer.
 */
bool hcloud_list(struct http_client *c, const char *path, const char *query, const char *key,
		 json_object **items, struct hc_error *e);

#endif
