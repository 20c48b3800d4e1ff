/*
 * state: what exists, found without a state file.
 *
 * Everything infrac creates carries the label infrac/project=PROJECT, so
 * the servers and firewalls of a project are one paged list each with
 * that label selector, whatever their number.  ssh keys are few and are
 * listed whole, to see keys uploaded without infrac's labels.  The catalog
 * (server types, locations) is one list each; images are looked up by
 * name, one request per distinct image the file uses.  DNS: the zones of
 * the Hetzner project are listed, and the A rrsets of each zone (one
 * paged list per zone).
 *
 * Everything is sorted by name so that the plan and the fingerprint do
 * not depend on the order the API answers in.
 */
#ifndef INFRAC_STATE_H
#define INFRAC_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "digest.h"
#include "hcloud.h"
#include "http.h"

#define STATE_LABEL_PROJECT "infrac/project"
#define STATE_LABEL_SERVER "infrac/server"
#define STATE_LABEL_KEY "infrac/key"
#define STATE_LABEL_ARTEFACTS "infrac/artefacts"
#define STATE_LABEL_SSH_KEYS "infrac/ssh-keys"
/* set by `infrac rollback` with the artefacts label, both the release it
 * went back to; the next deploy drops it */
#define STATE_LABEL_ROLLED_BACK "infrac/rolled-back"

struct state_zone {
	struct hc_zone zone;
	struct hc_rrset *rrsets;   /* type A only, sorted by name */
	size_t nrrsets;
};

struct state {
	bool online;               /* false: offline, everything below empty */
	struct hc_server_type *types;
	size_t ntypes;
	struct hc_location *locations;
	size_t nlocations;
	struct hc_image *images;   /* the images asked for that exist */
	size_t nimages;
	struct hc_ssh_key *keys;   /* labelled infrac/project=PROJECT */
	size_t nkeys;
	/* every other key: Hetzner takes a public key once per project, so a
	 * key uploaded by hand (or by another infrac project) decides whether
	 * infrac can create its own */
	struct hc_ssh_key *other_keys;
	size_t nother_keys;
	struct hc_firewall *firewalls;
	size_t nfirewalls;
	struct hc_server *servers;
	size_t nservers;
	/* Listed only when a wanted name is missing above: every server or
	 * firewall without this project's label, to find one that lost its
	 * label or a name taken by something infrac does not manage. */
	struct hc_firewall *other_firewalls;
	size_t nother_firewalls;
	struct hc_server *other_servers;
	size_t nother_servers;
	/* labelled infrac/project=PROJECT: the project's private network */
	struct hc_network *networks;
	size_t nnetworks;
	struct state_zone *zones;  /* every zone of the Hetzner project */
	size_t nzones;
	/* a snapshot's net price per GB and month, in 1/10000 EUR; -1 when
	 * not read (state_fetch_snapshot_price) */
	int64_t snapshot_price;
};

/*
 * Fills s from the API.  images: the OS image names the plan needs;
 * names: the server (and firewall) names it wants.  Everything lives in
 * a.  false with e set when a request fails for good (s is then partly
 * filled and not to be used).
 */
bool state_fetch(struct state *s, struct arena *a, struct http_client *c, const char *project,
		 const char *const *images, size_t nimages, const char *const *names,
		 size_t nnames, struct error *e);

/* An empty, offline state. */
void state_offline(struct state *s);


/* Lookups in the observed catalog; NULL when absent. */
/* Reads s->snapshot_price (the image price of GET /pricing, as the price
 * table reads it: hcloud_get_pricing), for a plan that may take
 * snapshots.  false with e set. */
bool state_fetch_snapshot_price(struct state *s, struct http_client *c, struct error *e);

/* The zone of the project holding domain: the longest zone name it ends
 * in; NULL when there is none. */
const struct state_zone *state_zone_of(const struct state *s, const char *domain);

const struct hc_server_type *state_type(const struct state *s, const char *name);
const struct hc_type_loc *state_type_loc(const struct hc_server_type *t, const char *location);
/* The domain an rrset of zone z names ("@" is the zone's own), in a. */
const char *state_rrset_domain(struct arena *a, const struct state_zone *z,
			       const struct hc_rrset *r);

/* The live monthly price of type in location, in cents; fallback when
 * the catalog read has none. */
int64_t state_monthly(const struct state *s, const char *type, const char *location,
		      int64_t fallback);
const struct hc_image *state_image(const struct state *s, const char *name);
/* The project's server of that Hetzner name, or NULL (points into s). */
const struct hc_server *state_server(const struct state *s, const char *name);
bool state_has_location(const struct state *s, const char *name);

/*
 * sha256 over a canonical dump of the observed resources (ids, names,
 * attributes the plan compares, labels): two plans with the same
 * fingerprint saw the same infrastructure.
 */
void state_fingerprint(const struct state *s, char out[DIGEST_HEX]);

#endif
