/*
 * report: the capacity report `infrac check` prints for a valid file:
 * per phase and server, RAM used/usable/total, CPU, disk at the end of
 * the phase, ports and domains.  Text for people, JSON for machines.
 */
#ifndef INFRAC_REPORT_H
#define INFRAC_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "model.h"

/* The capacity report of every phase and server for people. */
void report_text(const struct mdl_project *p, FILE *out, bool color);
/* One server in one phase as report_text prints it: its type, the RAM,
 * CPU and disk bars, ports, domains and what it runs (for an editor's
 * hover). */
void report_placement(const struct mdl_project *p, const struct mdl_phase *ph,
		      const struct mdl_placement *pl, FILE *out);
/* diags: the warnings to include (may be NULL) */
void report_json(const struct mdl_project *p, const struct diag_list *diags, FILE *out);

/* Where a type's price comes from: "built-in" or "file.infra:LINE". */
const char *report_price_origin(char *buf, size_t size, const struct mdl_project *p,
				const struct mdl_type *t);

/* "prices: SOURCE AND DATE; cpx42 from file.infra:19" and a newline */
void report_prices(const struct mdl_project *p, FILE *out);

/* JSON for the reports of every command on a file (check, cost,
 * recommend), in the schema of docs/json.md; the caller owns each result. */
struct json_object;
struct capacity;
/* Starts the document w writes to out with its head: format, file (as
 * given), project, horizon, price_source, price_date, headroom_percent,
 * budget_eur_month; the caller ends it (diag_json_end). */
struct jsondoc_writer;
void report_json_begin(struct jsondoc_writer *w, const struct mdl_project *p, FILE *out);
/* {"ram", "cpu", "disk", "kind"}: what a server needs of a type and
 * whether it fits, the same keys in every command. */
struct json_object *report_json_capacity(const struct capacity *c);
/* The units every report writes: memory in MiB, vCPUs, exact decimals
 * (money: jsondoc_eur); a month as "2026-02". */
struct json_object *report_json_mib(int64_t mem);
struct json_object *report_json_vcpu(int64_t milli);
struct json_object *report_json_month(int month);
/* {"name", "start", "end", "months"} of a phase. */
struct json_object *report_json_phase(const struct mdl_phase *ph);

#endif
