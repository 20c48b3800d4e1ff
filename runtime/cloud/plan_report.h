/*
 * plan_report: a plan for people (sorted, golden-testable text) and as
 * data (JSON), and the saved plan a later apply checks against.
 */
#ifndef INFRAC_PLAN_REPORT_H
#define INFRAC_PLAN_REPORT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "error.h"
#include "plan.h"

/* file: how the plan names the infra file ("becker.infra"). */
void plan_report_text(const struct plan *p, const char *file, FILE *out);

/* The plan as data (docs/json.md), file as the user gave it; source_sha
 * and fingerprint may be NULL (left out).  The caller owns the result. */
json_object *plan_report_json(const struct plan *p, const char *file, const char *source_sha,
		       const char *fingerprint);

/* plan_report_json(p, file, NULL, NULL) printed to out, one action at a
 * time: the same bytes as jsondoc_print of it, without the whole tree. */
void plan_report_print_json(const struct plan *p, const char *file, FILE *out);

/* Writes json to path atomically (aside, then renamed) with mode 0600;
 * false with err set, and path untouched. */
bool plan_report_save(json_object *json, const char *path, struct error *err);

#endif
