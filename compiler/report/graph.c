#include "graph.h"

#include <string.h>

#include "capacity.h"
#include "units.h"

/* A DOT string's contents: '"' and '\' escaped, control characters
 * (which no label should hold) shown as '?'.  check lets none of them
 * into a model (names are identifiers, images Docker references,
 * domains hostnames); escaped all the same, so that the DOT stays whole
 * whatever model it is given (tests/unit/test_graph.c). */
static void graph_str(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fputc('\\', out);
		fputc(c < 0x20 || c == 0x7F ? '?' : c, out);
	}
}

/* "PHASE/SERVER/SERVICE", quoted. */
static void graph_id(FILE *out, const char *a, const char *b, const char *c)
{
	fputc('"', out);
	graph_str(out, a);
	fputc('/', out);
	graph_str(out, b);
	fputc('/', out);
	graph_str(out, c);
	fputc('"', out);
}

/* The placement that runs the declaration decl in phase ph, or NULL. */
static const struct mdl_placement *graph_where(const struct mdl_phase *ph,
					       const struct mdl_service *decl)
{
	for (size_t i = 0; i < ph->nplacements; i++)
		for (size_t j = 0; j < ph->placements[i].nservices; j++)
			if (ph->placements[i].services[j]->decl == decl)
				return &ph->placements[i];
	return NULL;
}

/* "1.5 GB" or "2 GB .. 3 GB" */
static void graph_ram(FILE *out, const struct mdl_service *s)
{
	char lo[UNITS_BUF], hi[UNITS_BUF];
	fputs(units_fmt_mem(lo, s->ram_lo), out);
	if (s->ram_hi != s->ram_lo)
		fprintf(out, " .. %s", units_fmt_mem(hi, s->ram_hi));
}

static void graph_service(FILE *out, const struct mdl_phase *ph, const struct mdl_placement *pl,
			  const struct mdl_service *s)
{
	fputs("      ", out);
	graph_id(out, ph->name, pl->server->name, s->name);
	fputs(" [label=\"", out);
	graph_str(out, s->name);
	fputs(s->proxy ? " (proxy)\\n" : "\\n", out);
	graph_str(out, s->image ? s->image : "");
	fputs("\\n", out);
	graph_ram(out, s);
	fprintf(out, "\"%s];\n", s->proxy ? ", shape=hexagon" : "");
}

/* "RAM 8.1..9.1 GB of 16 GB (51..57%)", as check reports it */
static void graph_usage(FILE *out, const struct capacity *cap)
{
	char lo[UNITS_BUF], hi[UNITS_BUF], total[UNITS_BUF];
	long long plo = (long long)units_percent_of(cap->ram_lo, cap->ram_total);
	long long phi = (long long)units_percent_of(cap->ram_hi, cap->ram_total);
	units_fmt_gb(lo, cap->ram_lo);
	units_fmt_gb(hi, cap->ram_hi);
	units_fmt_gb(total, cap->ram_total);
	if (cap->ram_lo == cap->ram_hi)
		fprintf(out, "RAM %s GB of %s GB (%lld%%)", hi, total, phi);
	else
		fprintf(out, "RAM %s..%s GB of %s GB (%lld..%lld%%)", lo, hi, total, plo, phi);
}

static void graph_server(FILE *out, const struct mdl_project *p, const struct mdl_phase *ph,
			 const struct mdl_placement *pl)
{
	struct capacity cap;
	char cpus[UNITS_BUF], ram[UNITS_BUF];
	capacity_of(p, ph, pl, pl->type, &cap);
	fputs("    subgraph ", out);
	graph_id(out, "cluster", ph->name, pl->server->name);
	fputs(" {\n      label=\"server ", out);
	graph_str(out, pl->server->name);
	fputs("\\n", out);
	graph_str(out, pl->type->name);
	fprintf(out, ": %s vCPU, %s\\n", units_fmt_number(cpus, pl->type->vcpu),
		units_fmt_mem(ram, pl->type->ram));
	graph_usage(out, &cap);
	fputs("\";\n", out);
	for (size_t j = 0; j < pl->nservices; j++)
		graph_service(out, ph, pl, pl->services[j]);
	fputs("    }\n", out);
}

/* The arrows of a service: its needs, and its domain through the proxy. */
static void graph_edges(FILE *out, const struct mdl_phase *ph, const struct mdl_placement *pl,
			const struct mdl_service *s)
{
	for (size_t k = 0; k < s->nneeds; k++) {
		const struct mdl_placement *to = graph_where(ph, s->needs[k]);
		if (!to)
			continue; /* check says why */
		fputs("    ", out);
		graph_id(out, ph->name, pl->server->name, s->name);
		fputs(" -> ", out);
		graph_id(out, ph->name, to->server->name, s->needs[k]->name);
		fputs(";\n", out);
	}
	if (!s->domain || !model_serves_domain(s))
		return;
	const char *proxy = NULL;
	for (size_t j = 0; j < pl->nservices && !proxy; j++)
		proxy = pl->services[j]->proxy ? pl->services[j]->name : NULL;
	fputs("    ", out);
	graph_id(out, ph->name, "domain", s->domain);
	fputs(" -> ", out);
	graph_id(out, ph->name, pl->server->name, s->name);
	fputs(" [style=dashed, label=\"", out);
	graph_str(out, proxy ? proxy : "no proxy");
	fprintf(out, " :%d\"];\n", model_service_port(s));
}

static void graph_phase(FILE *out, const struct mdl_project *p, const struct mdl_phase *ph)
{
	char from[UNITS_BUF], to[UNITS_BUF];
	fputs("  subgraph \"cluster_", out);
	graph_str(out, ph->name);
	fputs("\" {\n    label=\"phase ", out);
	graph_str(out, ph->name);
	fprintf(out, "\\n%s .. %s (%d month%s)\";\n", units_fmt_month(from, ph->start),
		units_fmt_month(to, ph->start + ph->months - 1), ph->months,
		ph->months == 1 ? "" : "s");
	for (size_t i = 0; i < ph->nplacements; i++)
		graph_server(out, p, ph, &ph->placements[i]);
	for (size_t i = 0; i < ph->nplacements; i++)
		for (size_t j = 0; j < ph->placements[i].nservices; j++) {
			const struct mdl_service *s = ph->placements[i].services[j];
			if (!s->domain || !model_serves_domain(s))
				continue;
			fputs("    ", out);
			graph_id(out, ph->name, "domain", s->domain);
			fputs(" [label=\"", out);
			graph_str(out, s->domain);
			fputs("\", shape=ellipse];\n", out);
		}
	for (size_t i = 0; i < ph->nplacements; i++)
		for (size_t j = 0; j < ph->placements[i].nservices; j++)
			graph_edges(out, ph, &ph->placements[i], ph->placements[i].services[j]);
	fputs("  }\n", out);
}

void graph_dot(const struct mdl_project *p, const struct mdl_phase *only, FILE *out)
{
	fputs("digraph \"", out);
	graph_str(out, p->name);
	fputs("\" {\n  graph [rankdir=LR, fontname=\"Helvetica\", labelloc=t, label=\"project ", out);
	graph_str(out, p->name);
	fputs(": needs are solid arrows, domains dashed\"];\n"
	      "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
	      "  edge [fontname=\"Helvetica\"];\n", out);
	for (size_t i = 0; i < p->nphases; i++)
		if (!only || &p->phases[i] == only)
			graph_phase(out, p, &p->phases[i]);
	fputs("}\n", out);
}
