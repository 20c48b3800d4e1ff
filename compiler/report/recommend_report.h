/*
 * recommend_report: what `infrac recommend` prints: the type chosen for
 * each server (per phase, or for the horizon without resize), the cheaper
 * types rejected and why, the cost of the result beside the plan as
 * written, and the result as a `scenario` block to paste into the file.
 */
#ifndef INFRAC_RECOMMEND_REPORT_H
#define INFRAC_RECOMMEND_REPORT_H

#include <stdio.h>

#include "arena.h"
#include "diag.h"
#include "model.h"
#include "recommend.h"

/* The recommendation for people, or as JSON with the diagnostics
 * (scratch memory from a). */
void recommend_report_text(struct arena *a, const struct mdl_project *p,
			   const struct recommend *r, FILE *out);
void recommend_report_json(struct arena *a, const struct mdl_project *p,
			   const struct recommend *r, const struct diag_list *diags,
			   FILE *out);

#endif
