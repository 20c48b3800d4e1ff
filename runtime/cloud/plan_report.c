#include "plan_report.h"

#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "jsondoc.h"
#include "units.h"

static const char *const plan_report_sign[] = { "+", "~", "~", "-/+", "-" };
static const char *const plan_report_op[] = { "create", "update", "change_type", "replace", "destroy" };
static const char *const plan_report_kind[] = { "ssh_key", "firewall", "network", "server",
						 "rrset" };

/* Every difference of an action, one a line under it, when there is more
 * to say than its reason does. */
static void plan_report_details(const struct plan_action *x, FILE *out)
{
	if (x->ndetails < 2 && !(x->ndetails == 1 && x->details[0].aside))
		return;
	for (size_t i = 0; i < x->ndetails; i++)
		fprintf(out, "      %s: %s%s\n", x->details[i].subject, x->details[i].change,
			x->details[i].forces ? "  (forces replacement)" : "");
}

void plan_report_text(const struct plan *p, const char *file, FILE *out)
{
	const struct mdl_phase *ph = p->want->phase;
	char b1[UNITS_BUF], b2[UNITS_BUF];
	if (p->teardown)
		fprintf(out, "destroy %s, location %s\n", p->teardown, p->want->location);
	else
		fprintf(out, "phase %s (%s .. %s), location %s\n", ph->name,
			units_fmt_month(b1, ph->start), units_fmt_month(b2, ph->start + ph->months - 1),
			p->want->location);
	if (!p->nactions) {
		for (size_t i = 0; i < p->nwarnings; i++)
			fprintf(out, "warning: %s\n", p->warnings[i]);
		if (p->teardown)
			fprintf(out, "\nNothing to destroy: the project has none of it.\n");
		else
			fprintf(out, "\nNo changes. Infrastructure matches %s.\n", file);
		return;
	}
	fputc('\n', out);
	/* left column: sign, kind, name and summary, padded to the widest */
	int width = 0;
	char line[1024];
	for (size_t i = 0; i < p->nactions; i++) {
		const struct plan_action *x = &p->actions[i];
		int n = snprintf(line, sizeof(line), "%s %s %s%s%s", plan_report_sign[x->op], plan_report_kind[x->kind],
				 x->name, x->summary ? " " : "", x->summary ? x->summary : "");
		if (n > width)
			width = n;
	}
	for (size_t i = 0; i < p->nactions; i++) {
		const struct plan_action *x = &p->actions[i];
		snprintf(line, sizeof(line), "%s %s %s%s%s", plan_report_sign[x->op], plan_report_kind[x->kind],
			 x->name, x->summary ? " " : "", x->summary ? x->summary : "");
		fprintf(out, "  %-*s  %s\n", width, line, x->reason);
		plan_report_details(x, out);
	}
	if (p->nwarnings)
		fputc('\n', out);
	for (size_t i = 0; i < p->nwarnings; i++)
		fprintf(out, "warning: %s\n", p->warnings[i]);
	fprintf(out, "\nPlan: %d to add, %d to change, %d to replace, %d to destroy.\n", p->add,
		p->change, p->replace, p->destroy);
	fprintf(out, "Monthly cost: %s EUR -> %s EUR\n", units_fmt_money(b1, p->cost_before),
		units_fmt_money(b2, p->cost_after));
	if (p->teardown)
		fprintf(out, "Monthly saving: %s EUR (live prices of the servers; snapshots "
			"taken are kept and cost on)\n", units_fmt_money(b1, p->cost_before - p->cost_after));
}

static json_object *plan_report_desired(const struct plan_action *x, const char *project)
{
	json_object *o = json_object_new_object();
	json_object *labels = json_object_new_object();
	json_object_object_add(labels, STATE_LABEL_PROJECT, jsondoc_str(project));
	switch (x->kind) {
	case PLAN_SSH_KEY: {
		const struct desired_key *w = x->want;
		json_object_object_add(o, "public_key", jsondoc_str(w->public_key));
		json_object_object_add(labels, STATE_LABEL_KEY, jsondoc_str(w->key));
		break;
	}
	case PLAN_FIREWALL: {
		const struct desired_firewall *w = x->want;
		json_object *ports = json_object_new_array();
		for (size_t i = 0; i < w->nports; i++)
			json_object_array_add(ports, json_object_new_int(w->ports[i]));
		json_object_object_add(o, "inbound_tcp_ports", ports);
		json_object_object_add(labels, STATE_LABEL_SERVER, jsondoc_str(w->server));
		break;
	}
	case PLAN_NETWORK: {
		const struct desired *want = x->want;
		json_object *servers = json_object_new_object();
		json_object_object_add(o, "ip_range", jsondoc_str(want->network->ip_range));
		json_object_object_add(o, "subnet", jsondoc_str(want->network->subnet));
		json_object_object_add(o, "network_zone", jsondoc_str(want->network->zone));
		for (size_t i = 0; i < want->nservers; i++)
			json_object_object_add(servers, want->servers[i].name,
					       jsondoc_str(want->servers[i].private_ip));
		json_object_object_add(o, "servers", servers);
		break;
	}
	case PLAN_SERVER: {
		const struct desired_server *w = x->want;
		json_object_object_add(o, "server_type", jsondoc_str(w->type));
		json_object_object_add(o, "image", jsondoc_str(w->image));
		json_object_object_add(o, "location", jsondoc_str(w->location));
		json_object *keys = json_object_new_array();
		for (size_t i = 0; i < w->nkeys; i++)
			json_object_array_add(keys, jsondoc_str(w->keys[i]));
		json_object_object_add(o, "ssh_keys", keys);
		json_object_object_add(o, "firewall", jsondoc_str(w->firewall));
		json_object_object_add(labels, STATE_LABEL_ARTEFACTS, jsondoc_str(w->artefacts));
		json_object_object_add(labels, STATE_LABEL_SERVER, jsondoc_str(w->server));
		json_object_object_add(labels, STATE_LABEL_SSH_KEYS, jsondoc_str(w->keys_hash));
		for (size_t i = 0; i < x->nlabels; i++)
			json_object_object_add(labels, x->labels_keys[i],
					       jsondoc_str(x->labels_vals[i]));
		break;
	}
	case PLAN_RRSET: {
		const struct desired_dns *w = x->want;
		json_object_object_add(o, "type", jsondoc_str("A"));
		json_object_object_add(o, "server", jsondoc_str(w->server));
		json_object_object_add(o, "value", x->value ? jsondoc_str(x->value) : NULL);
		break;
	}
	}
	json_object_object_add(o, "labels", labels);
	return o;
}

/* The pre-flight errors and the warnings as every document has them
 * (docs/json.md): "diagnostics" of a severity and a message (about the
 * project, so no place in the file), then their counts. */
static void plan_report_diagnostics(const struct plan *p, json_object *o)
{
	json_object *d = json_object_new_array();
	for (size_t i = 0; i < p->nerrors + p->nwarnings; i++) {
		bool err = i < p->nerrors;
		json_object *x = json_object_new_object();
		json_object_object_add(x, "severity", jsondoc_str(err ? "error" : "warning"));
		json_object_object_add(x, "message", jsondoc_str(
					       err ? p->errors[i] : p->warnings[i - p->nerrors]));
		json_object_array_add(d, x);
	}
	json_object_object_add(o, "diagnostics", d);
	json_object_object_add(o, "errors", json_object_new_int64((int64_t)p->nerrors));
	json_object_object_add(o, "warnings", json_object_new_int64((int64_t)p->nwarnings));
}

/* The members after "format" and "file": project, source_sha256 and
 * state_fingerprint (when given), phase, online, destroy. */
static void plan_report_head(const struct plan *p, const char *source_sha,
			     const char *fingerprint, json_object *o)
{
	const struct mdl_phase *ph = p->want->phase;
	char b[UNITS_BUF];
	json_object_object_add(o, "project", jsondoc_str(p->want->project));
	if (source_sha)
		json_object_object_add(o, "source_sha256", jsondoc_str(source_sha));
	if (fingerprint)
		json_object_object_add(o, "state_fingerprint", jsondoc_str(fingerprint));
	json_object *jph = json_object_new_object();
	json_object_object_add(jph, "name", jsondoc_str(ph->name));
	json_object_object_add(jph, "start", jsondoc_str(units_fmt_month(b, ph->start)));
	json_object_object_add(jph, "end", jsondoc_str(units_fmt_month(b, ph->start + ph->months - 1)));
	json_object_object_add(o, "phase", jph);
	json_object_object_add(o, "online", json_object_new_boolean(p->state->online));
	if (p->teardown)
		json_object_object_add(o, "destroy", jsondoc_str(p->teardown));
}

static json_object *plan_report_action(const struct plan *p, const struct plan_action *x)
{
	json_object *a = json_object_new_object();
	json_object_object_add(a, "op", jsondoc_str(plan_report_op[x->op]));
	json_object_object_add(a, "kind", jsondoc_str(plan_report_kind[x->kind]));
	json_object_object_add(a, "name", jsondoc_str(x->name));
	json_object_object_add(a, "id", x->id ? json_object_new_int64(x->id) : NULL);
	if (x->zone)
		json_object_object_add(a, "zone", jsondoc_str(x->zone));
	json_object_object_add(a, "reason", jsondoc_str(x->reason));
	if (x->ndetails) {
		json_object *det = json_object_new_array();
		for (size_t k = 0; k < x->ndetails; k++) {
			json_object *dj = json_object_new_object();
			json_object_object_add(dj, "subject", jsondoc_str(x->details[k].subject));
			json_object_object_add(dj, "change", jsondoc_str(x->details[k].change));
			json_object_object_add(dj, "forces_replacement",
					       json_object_new_boolean(x->details[k].forces));
			json_object_object_add(dj, "service",
					       json_object_new_boolean(x->details[k].service));
			json_object_array_add(det, dj);
		}
		json_object_object_add(a, "changes", det);
	}
	if (x->kind == PLAN_SERVER && x->want) {
		json_object_object_add(a, "deploy", json_object_new_boolean(x->deploy));
		json_object_object_add(a, "protect", json_object_new_boolean(x->protect));
	}
	if (x->snapshot)
		json_object_object_add(a, "snapshot_eur_month", x->snapshot_cents < 0 ? NULL
				       : jsondoc_eur(x->snapshot_cents));
	json_object_object_add(a, "desired", x->want ? plan_report_desired(x, p->want->project) : NULL);
	return a;
}

/* The members after "actions": the diagnostics, summary, monthly_cost. */
static void plan_report_tail(const struct plan *p, json_object *o)
{
	plan_report_diagnostics(p, o);
	json_object *sum = json_object_new_object();
	json_object_object_add(sum, "add", json_object_new_int(p->add));
	json_object_object_add(sum, "change", json_object_new_int(p->change));
	json_object_object_add(sum, "replace", json_object_new_int(p->replace));
	json_object_object_add(sum, "destroy", json_object_new_int(p->destroy));
	json_object_object_add(o, "summary", sum);
	json_object *cost = json_object_new_object();
	json_object_object_add(cost, "before_eur", jsondoc_eur(p->cost_before));
	json_object_object_add(cost, "after_eur", jsondoc_eur(p->cost_after));
	json_object_object_add(o, "monthly_cost", cost);
}

json_object *plan_report_json(const struct plan *p, const char *file, const char *source_sha,
		       const char *fingerprint)
{
	json_object *o = jsondoc_new(file);
	plan_report_head(p, source_sha, fingerprint, o);
	json_object *acts = json_object_new_array();
	for (size_t i = 0; i < p->nactions; i++)
		json_object_array_add(acts, plan_report_action(p, &p->actions[i]));
	json_object_object_add(o, "actions", acts);
	plan_report_tail(p, o);
	return o;
}

void plan_report_print_json(const struct plan *p, const char *file, FILE *out)
{
	struct jsondoc_writer w;
	jsondoc_begin(&w, out, file);
	json_object *head = json_object_new_object();
	plan_report_head(p, NULL, NULL, head);
	jsondoc_put_members(&w, head);
	jsondoc_open(&w, "actions", '[');
	for (size_t i = 0; i < p->nactions; i++)
		jsondoc_put(&w, NULL, plan_report_action(p, &p->actions[i]));
	jsondoc_close(&w);
	json_object *tail = json_object_new_object();
	plan_report_tail(p, tail);
	jsondoc_put_members(&w, tail);
	jsondoc_end(&w);
}

bool plan_report_save(json_object *json, const char *path, struct error *err)
{
	struct strbuf text = STRBUF_INIT;
	strbuf_addstr(&text, json_object_to_json_string_ext(json, JSON_C_TO_STRING_PRETTY |
								     JSON_C_TO_STRING_SPACED |
								     JSON_C_TO_STRING_NOSLASHESCAPE));
	strbuf_addch(&text, '\n');
	bool ok = fileio_write_atomic(path, text.buf, text.len, 0600, err);
	strbuf_release(&text);
	return ok;
}
