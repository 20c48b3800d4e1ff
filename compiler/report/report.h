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

/* JSON for the reports of other commands (cost, recommend). */
struct json_object;
/* v / scale as an exact JSON number with at most `places` decimals:
 * json-c prints the given text verbatim, never a binary fraction. */
struct json_object *report_json_decimal(int64_t v, int64_t scale, int places);
/* The units every report writes: memory in MiB, money in EUR, vCPUs,
 * a month as "2026-02". */
struct json_object *report_json_mib(int64_t mem);
struct json_object *report_json_eur(int64_t cents);
struct json_object *report_json_vcpu(int64_t milli);
struct json_object *report_json_month(int month);
/* {"name", "start", "end", "months"} of a phase. */
struct json_object *report_json_phase(const struct mdl_phase *ph);
/* Prints root pretty, with a final newline, and releases it. */
void report_json_write(struct json_object *root, FILE *out);

#endif
