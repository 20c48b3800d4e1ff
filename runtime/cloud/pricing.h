/*
 * pricing: the price table from the Hetzner Cloud API.
 *
 * Reads GET /pricing (primary IPv4 per location, the backup percentage,
 * image and volume prices per GB) and GET /server_types (every type with
 * its vCPUs, RAM, disk, architecture, CPU kind, and per location its
 * price, included traffic, price of traffic beyond it and whether it can
 * be ordered) into a struct prices, the data the front end and the cost
 * layer take.  Net prices in EUR; an answer in another currency is an
 * error.  The table is dated with the day it was read.
 */
#ifndef INFRAC_PRICING_H
#define INFRAC_PRICING_H

#include <stdbool.h>

#include "arena.h"
#include "error.h"
#include "http.h"
#include "prices.h"

/* The table from the API behind c (strings in a), dated date
 * ("2026-07-03"); origin "api".  false with e set. */
bool pricing_fetch(struct http_client *c, struct arena *a, const char *date, struct prices *out,
		   struct error *e);

/* Today as "YYYY-MM-DD" (INFRAC_TODAY when set, as for the phase of
 * plan and apply), in a; NULL with e set when INFRAC_TODAY is not a day. */
const char *pricing_today(struct arena *a, struct error *e);

#endif
