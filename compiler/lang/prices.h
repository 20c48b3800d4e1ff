/*
 * prices: a price table, the data every figure of cost, recommend and
 * the budget rule is made of.
 *
 * Nothing here fetches anything.  A table comes from one of three places:
 * the built-in catalog (catalog.c, the seed's snapshot of 2026-02-05),
 * the Hetzner Cloud API (the runtime reads /pricing and /server_types and
 * fills one: runtime/cloud/prices.c), or a snapshot file that `infrac
 * prices FILE.json` wrote and `project { prices = "FILE.json" }` pins.
 * The snapshot's format is read and written here, so it lives in one
 * place (docs/cost.md describes it).
 *
 * Money: server prices in cents a month; rates smaller than a cent (per
 * GB, per TB) in micro-euros (PRICES_MICRO per cent).  Sizes in the units
 * of units.h.  Every price is net of VAT, in EUR.
 */
#ifndef INFRAC_PRICES_H
#define INFRAC_PRICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "error.h"
#include "strbuf.h"

/* micro-euros in a cent */
#define PRICES_MICRO ((int64_t)10000)

/* Architectures, as bits: a set of them says what an image runs on. */
enum prices_arch { PRICES_AMD64 = 1, PRICES_ARM64 = 2 };

/* A type in one location ("*": in every location). */
struct prices_loc {
	const char *location;
	int64_t monthly;      /* cents */
	int64_t traffic;      /* outgoing traffic included a month (units.h memory) */
	int64_t traffic_tb;   /* micro-euros per TB beyond it; -1 = not known */
	bool orderable;       /* can be ordered there now */
};

struct prices_type {
	const char *name;
	int64_t vcpu;         /* 1/1000 vCPU */
	int64_t ram, disk;    /* units.h memory */
	unsigned arch;        /* one PRICES_* bit */
	bool dedicated;       /* dedicated vCPUs (else shared) */
	bool deprecated;
	struct prices_loc *locs; /* sorted by location */
	size_t nlocs;
};

/* The primary IPv4 of a server in a location, cents a month. */
struct prices_ip {
	const char *location;
	int64_t monthly;
};

struct prices {
	/* for reports: "Hetzner Cloud API", "built-in catalog: Hetzner
	 * Cloud CPX line"; and the day the prices are of, "2026-02-05" */
	const char *source;
	const char *date;
	/* how a report names a price from this table: "built-in", "api",
	 * or the snapshot's path */
	const char *origin;
	bool builtin;
	struct prices_type *types;  /* sorted by name */
	size_t ntypes;
	/* primary IPv4 by location, sorted; a location without one
	 * includes the address in the server's price */
	struct prices_ip *ipv4;
	size_t nipv4;
	int64_t backup_bp;          /* backups: basis points of the server's price; -1 = not known */
	int64_t image_gb;           /* snapshots: micro-euros per GB a month; -1 = not known */
	int64_t volume_gb;          /* volumes: micro-euros per GB a month; -1 = not known */
};

/* The type called name, or NULL. */
const struct prices_type *prices_type(const struct prices *t, const char *name);
/* The type in location (its own entry, else the "*" one), or NULL when
 * it is not sold there. */
const struct prices_loc *prices_at(const struct prices_type *t, const char *location);
/* The primary IPv4 in location, cents a month; 0 when the table lists
 * none there (included, or not known: see nipv4). */
int64_t prices_ipv4(const struct prices *t, const char *location);

/* Sorts types (and each type's locations) and the IPv4 list by name, as
 * the lookups expect; for tables built by hand or from the API. */
void prices_sort(struct prices *t);

/*
 * The snapshot file.  prices_write appends the table as a JSON document
 * (docs/json.md: format JSONDOC_FORMAT, money as exact decimal numbers, sorted, one
 * date) to out.  prices_read parses text (len bytes) into out, strings in
 * a; origin is what reports call it (its path).  false with e saying what
 * is wrong (a word of where, then why) when it is not such a document.
 */
void prices_write(const struct prices *t, struct strbuf *out);
bool prices_read(struct arena *a, const char *text, size_t len, const char *origin,
		 struct prices *out, struct error *e);

/* "0.0143": micro-euros as EUR, at least two decimals, trailing zeros
 * dropped; buf has room for UNITS_BUF bytes. */
const char *prices_fmt_micro(char *buf, int64_t micro);

#endif
