/*
 * catalog: the built-in server types and their prices, with their source.
 * A `server_type` block in the file adds a type or overrides one of these.
 */
#ifndef INFRAC_CATALOG_H
#define INFRAC_CATALOG_H

#include <stddef.h>

#include "model.h"

/* "Hetzner Cloud CPX line, EUR/month, as of 2026-02-05" */
extern const char catalog_source[];
extern const struct mdl_type catalog_types[];
extern const size_t catalog_ntypes;

#endif
