/*
 * cost_report: what `infrac cost` prints.  The plan as written and every
 * scenario side by side (type and cost per phase, total, average, the
 * difference to the cheapest option that passes every check, fit and
 * budget), then each option's arithmetic and the reasons it fails.  Text
 * for people, JSON (exact decimals) for machines.
 */
#ifndef INFRAC_COST_REPORT_H
#define INFRAC_COST_REPORT_H

#include <stdio.h>

#include "arena.h"
#include "cost.h"
#include "diag.h"
#include "model.h"

/* The cost table for people; scratch memory from a. */
void cost_report_text(struct arena *a, const struct mdl_project *p,
		      const struct cost_table *t, FILE *out);
/* diags: the diagnostics to include (may be NULL) */
void cost_report_json(struct arena *a, const struct mdl_project *p,
		      const struct cost_table *t, const struct diag_list *diags, FILE *out);

/* "phase dev_test, server main as cpx32 (2026-02 .. 2026-07)" */
const char *cost_report_where(struct arena *a, const struct cost_segment *s);

/* The part of the JSON that recommend reuses: option o as the member
 * key of w's open object (the next element of its open array: key NULL),
 * written segment by segment.  cheapest: what vs_cheapest_eur is measured
 * against (NULL: null).  Scratch memory from a. */
struct jsondoc_writer;
void cost_report_option_write(struct jsondoc_writer *w, const char *key, struct arena *a,
			      const struct mdl_project *p, const struct cost_option *cheapest,
			      const struct cost_option *o);

#endif
