/*
 * split_report: the part of `infrac recommend` that sets splitting beside
 * growing: for each scenario with a placement of its own, its servers'
 * cheapest types (split.h), their cost, and which of the two is cheaper
 * than the recommendation for the plan's placement.
 */
#ifndef INFRAC_SPLIT_REPORT_H
#define INFRAC_SPLIT_REPORT_H

#include <json-c/json.h>
#include <stdio.h>

#include "arena.h"
#include "model.h"
#include "recommend.h"

/* Prints the comparison after the recommendation r; nothing when no
 * scenario places services (scratch memory from a). */
void split_report_text(struct arena *a, const struct mdl_project *p,
		       const struct recommend *r, FILE *out);

/* The same as the JSON array "splits" of w's open object (empty when no
 * scenario places services). */
struct jsondoc_writer;
void split_report_write(struct jsondoc_writer *w, struct arena *a,
			const struct mdl_project *p, const struct recommend *r);

#endif
