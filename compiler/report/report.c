#include "report.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "capacity.h"
#include "jsondoc.h"
#include "units.h"
#include "xalloc.h"

#define BAR_CELLS 20

const char *report_price_origin(char *buf, size_t size, const struct mdl_project *p,
				const struct mdl_type *t)
{
	if (t->builtin)
		snprintf(buf, size, "%s", p->prices->origin);
	else
		snprintf(buf, size, "%s:%u", p->src->path, t->loc.line);
	return buf;
}

void report_prices(const struct mdl_project *p, FILE *out)
{
	char o[256], b[UNITS_BUF], c[UNITS_BUF];
	fprintf(out, "prices: %s", p->price_source);
	for (size_t i = 0; i < p->ntypes; i++) {
		const struct mdl_type *t = &p->types[i];
		if (t->builtin)
			continue;
		fprintf(out, "; %s from %s", t->name, report_price_origin(o, sizeof(o), p, t));
		if (t->table_price >= 0)
			fprintf(out, " (its %s wins over %s from %s)", units_fmt_money(b, t->price),
				units_fmt_money(c, t->table_price), p->prices->source);
	}
	if (p->servers_only)
		fputs("; servers only, no charges (--servers-only)", out);
	fputc('\n', out);
}

/* ---- text -------------------------------------------------------------- */

/*
 * The text report goes through one buffer and is formatted without
 * printf: the report of a large file is larger than the file, and stdio's
 * formatting was most of the time `check` took on it.
 */
struct report_out {
	FILE *f;
	size_t n;
	/* a service's ram by its bounds: a large file has tens of
	 * thousands of services but few distinct amounts */
	struct report_memo {
		int64_t lo, hi;
		size_t len;
		char text[3 * UNITS_BUF];
	} memo[64];
	char b[1 << 16];
};

static void report_flush(struct report_out *o)
{
	fwrite(o->b, 1, o->n, o->f);
	o->n = 0;
}

static void report_put_slow(struct report_out *o, const char *s, size_t n)
{
	report_flush(o);
	if (n > sizeof(o->b)) {
		fwrite(s, 1, n, o->f);
		return;
	}
	memcpy(o->b + o->n, s, n);
	o->n += n;
}

/* inline, so that the copy of a constant length is a few moves */
static inline __attribute__((always_inline)) void report_put(struct report_out *o,
							     const char *s, size_t n)
{
	if (n > sizeof(o->b) - o->n) {
		report_put_slow(o, s, n);
		return;
	}
	memcpy(o->b + o->n, s, n);
	o->n += n;
}

static void report_puts(struct report_out *o, const char *s)
{
	report_put(o, s, strlen(s));
}

static void report_int(struct report_out *o, int64_t v)
{
	char d[24];
	size_t n = sizeof(d);
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		d[--n] = (char)('0' + m % 10);
		m /= 10;
	} while (m);
	if (v < 0)
		d[--n] = '-';
	report_put(o, d + n, sizeof(d) - n);
}

/* [#######===...|.....]: '#' up to the lower bound, '=' up to the upper
 * bound of a range, '|' where the headroom begins. */
static void report_bar(struct report_out *o, int64_t lo, int64_t hi, int64_t limit,
		       int64_t total)
{
	if (total <= 0)
		total = 1;
	int64_t clo = (lo * BAR_CELLS + total / 2) / total;
	int64_t chi = (hi * BAR_CELLS + total / 2) / total;
	int64_t climit = limit >= 0 ? limit * BAR_CELLS / total : -1;
	char bar[BAR_CELLS + 4];
	bar[0] = '[';
	for (int64_t i = 0; i < BAR_CELLS; i++) {
		char ch = i < clo ? '#' : i < chi ? '=' : '.';
		if (i == climit && ch == '.')
			ch = '|';
		bar[i + 1] = ch;
	}
	memcpy(bar + BAR_CELLS + 1, "]  ", 3);
	report_put(o, bar, sizeof(bar));
}

/* "6.9" or "8.1..9.1" */
static void report_gb_range(struct report_out *o, int64_t lo, int64_t hi)
{
	char a[UNITS_BUF];
	if (lo != hi) {
		report_puts(o, units_fmt_gb(a, lo));
		report_put(o, "..", 2);
	}
	report_puts(o, units_fmt_gb(a, hi));
}

/* a service's ram: "1.5 GB", "2..3 GB", "64 MB", "512 MB .. 1.5 GB" */
static void report_mem_range(struct report_out *o, int64_t lo, int64_t hi)
{
	uint64_t h = ((uint64_t)lo * 0x9E3779B97F4A7C15ULL ^ (uint64_t)hi) * 0x9E3779B97F4A7C15ULL;
	struct report_memo *m = &o->memo[h >> 58];
	if (m->len && m->lo == lo && m->hi == hi) {
		report_put(o, m->text, m->len);
		return;
	}
	char a[UNITS_BUF], b[UNITS_BUF];
	units_fmt_mem(a, lo);
	units_fmt_mem(b, hi);
	const char *ua = strrchr(a, ' '), *ub = strrchr(b, ' ');
	char *buf = m->text;
	if (lo == hi) {
		strcpy(buf, b);
	} else if (ua && ub && !strcmp(ua, ub)) { /* one unit: "2..3 GB" */
		size_t n = (size_t)(ua - a);
		memcpy(buf, a, n);
		strcpy(buf + n, "..");
		strcat(buf, b);
	} else {
		strcpy(buf, a);
		strcat(buf, " .. ");
		strcat(buf, b);
	}
	m->lo = lo;
	m->hi = hi;
	m->len = strlen(buf);
	report_put(o, m->text, m->len);
}

static void report_percent_range(struct report_out *o, int64_t lo, int64_t hi, int64_t total)
{
	int64_t plo = units_percent_of(lo, total), phi = units_percent_of(hi, total);
	if (plo != phi) {
		report_int(o, plo);
		report_put(o, "..", 2);
	}
	report_int(o, phi);
	report_put(o, "%", 1);
}

/* "    ram   [...]  ..." and the cpu and disk lines */
static void report_capacity_text(struct report_out *o, const struct mdl_project *p,
				 const struct capacity *c)
{
	char a[UNITS_BUF];
	report_put(o, "    ram   ", 10);
	report_bar(o, c->ram_lo, c->ram_hi, c->ram_usable, c->ram_total);
	report_gb_range(o, c->ram_lo, c->ram_hi);
	report_put(o, " GB of ", 7);
	report_puts(o, units_fmt_gb(a, c->ram_total));
	report_put(o, " GB (", 5);
	report_percent_range(o, c->ram_lo, c->ram_hi, c->ram_total);
	report_put(o, "), usable ", 10);
	report_puts(o, units_fmt_gb(a, c->ram_usable));
	report_put(o, " GB", 3);
	if (p->headroom) {
		report_put(o, " with ", 6);
		report_puts(o, units_fmt_percent(a, p->headroom));
		report_put(o, " headroom", 9);
	}
	report_put(o, "\n", 1);

	report_put(o, "    cpu   ", 10);
	report_bar(o, c->cpus, c->cpus, -1, c->cpu_limit);
	report_puts(o, units_fmt_number(a, c->cpus));
	report_put(o, " of ", 4);
	report_puts(o, units_fmt_number(a, c->cpu_limit));
	report_put(o, " vCPU declared (", 16);
	report_int(o, units_percent_of(c->cpus, c->cpu_limit));
	report_put(o, "%)\n", 3);

	report_put(o, "    disk  ", 10);
	report_bar(o, c->disk, c->disk, -1, c->disk_total);
	report_puts(o, units_fmt_mem(a, c->disk));
	report_put(o, " of ", 4);
	report_puts(o, units_fmt_mem(a, c->disk_total));
	report_put(o, " at the end of ", 15);
	report_puts(o, units_fmt_month(a, c->disk_month));
	report_put(o, " (", 2);
	report_int(o, units_percent_of(c->disk, c->disk_total));
	report_put(o, "%)\n", 3);

}

/* "    ports 80, 443 (nginx); 8069 (odoo)": published ports in the order
 * of the run block, the proxy's first */
static void report_ports_text(struct report_out *o, const struct mdl_placement *pl)
{
	bool any = false;
	report_put(o, "    ports", 9);
	for (size_t j = 0; j < pl->nservices; j++) {
		const struct mdl_service *s = pl->services[j];
		if (!s->proxy)
			continue;
		report_puts(o, any ? "; 80, 443 (" : " 80, 443 (");
		report_puts(o, s->name);
		report_put(o, ")", 1);
		any = true;
	}
	for (size_t j = 0; j < pl->nservices; j++) {
		const struct mdl_service *s = pl->services[j];
		if (s->proxy || !s->npublish)
			continue;
		if (any)
			report_put(o, ";", 1);
		for (size_t k = 0; k < s->npublish; k++) {
			report_puts(o, k ? ", " : " ");
			report_int(o, s->publish[k].host);
			if (s->publish[k].container != s->publish[k].host) {
				report_put(o, ":", 1);
				report_int(o, s->publish[k].container);
			}
		}
		report_put(o, " (", 2);
		report_puts(o, s->name);
		report_put(o, ")", 1);
		any = true;
	}
	report_puts(o, any ? "\n" : " none published\n");

}

/* "    private 10.0.0.2, 5432 (postgres)": the server's address on the
 * project's network and what it publishes there, when the phase has one */
static void report_private_text(struct report_out *o, const struct mdl_phase *ph,
				const struct mdl_placement *pl)
{
	char ip[16];
	if (!model_networked(ph))
		return;
	report_put(o, "    private ", 12);
	report_puts(o, model_fmt_ip(ip, pl->server->private_ip));
	for (size_t j = 0; j < pl->nservices; j++) {
		int port = model_private_port(ph, pl, pl->services[j]);
		if (!port)
			continue;
		report_put(o, ", ", 2);
		report_int(o, port);
		report_put(o, " (", 2);
		report_puts(o, pl->services[j]->name);
		report_put(o, ")", 1);
	}
	report_put(o, "\n", 1);
}

static void report_placement_text(struct report_out *o, const struct mdl_project *p,
				  const struct mdl_phase *ph, const struct mdl_placement *pl)
{
	const struct mdl_type *t = pl->type;
	char a[UNITS_BUF];
	struct capacity cap;
	capacity_of(p, ph, pl, t, &cap);

	report_put(o, "  server ", 9);
	report_puts(o, pl->server->name);
	report_put(o, "  ", 2);
	report_puts(o, t->name);
	report_put(o, ": ", 2);
	report_puts(o, units_fmt_number(a, t->vcpu));
	report_put(o, " vCPU, ", 7);
	report_puts(o, units_fmt_mem(a, t->ram));
	report_put(o, " RAM, ", 6);
	report_puts(o, units_fmt_mem(a, t->disk));
	report_put(o, " disk, ", 7);
	report_puts(o, units_fmt_money(a, model_price(t, pl->server->location)));
	report_put(o, " EUR/month\n", 11);
	report_capacity_text(o, p, &cap);
	report_ports_text(o, pl);
	report_private_text(o, ph, pl);
	for (size_t j = 0; j < pl->nservices; j++) {
		const struct mdl_service *s = pl->services[j];
		if (!s->domain)
			continue;
		report_put(o, "    domain ", 11);
		report_puts(o, s->domain);
		report_put(o, " -> ", 4);
		report_puts(o, s->name);
		report_put(o, ":", 1);
		report_int(o, model_service_port(s));
		if (s->max_upload) {
			report_puts(o, ", uploads up to ");
			report_puts(o, units_fmt_mem(a, s->max_upload));
		}
		report_put(o, "\n", 1);
	}

	report_put(o, "    runs ", 9);
	for (size_t j = 0; j < pl->nservices; j++) {
		const struct mdl_service *s = pl->services[j];
		report_puts(o, j ? ", " : " ");
		report_puts(o, s->name);
		report_put(o, " ", 1);
		report_mem_range(o, s->ram_lo, s->ram_hi);
	}
	report_puts(o, pl->nservices ? "; reserve " : " reserve ");
	report_puts(o, units_fmt_mem(a, pl->reserve));
	report_put(o, "\n", 1);
}

static struct report_out *report_out_new(FILE *out)
{
	struct report_out *o = xmalloc(sizeof(*o));
	o->f = out;
	o->n = 0;
	for (size_t i = 0; i < sizeof(o->memo) / sizeof(o->memo[0]); i++)
		o->memo[i].len = 0;
	return o;
}

void report_placement(const struct mdl_project *p, const struct mdl_phase *ph,
		      const struct mdl_placement *pl, FILE *out)
{
	struct report_out *o = report_out_new(out);
	report_placement_text(o, p, ph, pl);
	report_flush(o);
	free(o);
}

void report_text(const struct mdl_project *p, FILE *out, bool color)
{
	char a[UNITS_BUF], b[UNITS_BUF];
	size_t nsvc = 0, nproxy = 0;
	for (size_t i = 0; i < p->nservices; i++)
		if (p->services[i].proxy)
			nproxy++;
		else
			nsvc++;
	fprintf(out, "%s%s%s: ok: project %s, %zu server%s, %zu service%s, %zu prox%s, "
		"%zu phase%s\n",
		color ? "\033[1;32m" : "", p->src->path, color ? "\033[0m" : "", p->name,
		p->nservers, p->nservers == 1 ? "" : "s", nsvc, nsvc == 1 ? "" : "s",
		nproxy, nproxy == 1 ? "y" : "ies", p->nphases, p->nphases == 1 ? "" : "s");
	fprintf(out, "horizon %s .. %s (%d months)\n", units_fmt_month(a, p->start),
		units_fmt_month(b, p->start + p->horizon - 1), p->horizon);
	report_prices(p, out);

	struct report_out *o = report_out_new(out);
	for (size_t i = 0; i < p->nphases; i++) {
		const struct mdl_phase *ph = &p->phases[i];
		report_put(o, "\nphase ", 7);
		report_puts(o, ph->name);
		report_put(o, "  ", 2);
		report_puts(o, units_fmt_month(a, ph->start));
		report_put(o, " .. ", 4);
		report_puts(o, units_fmt_month(a, ph->start + ph->months - 1));
		report_put(o, " (", 2);
		report_int(o, ph->months);
		report_puts(o, ph->months == 1 ? " month)\n" : " months)\n");
		if (!ph->nplacements)
			report_puts(o, "  no server runs in this phase\n");
		for (size_t k = 0; k < ph->nplacements; k++)
			report_placement_text(o, p, ph, &ph->placements[k]);
	}
	report_flush(o);
	free(o);
}

/* ---- JSON -------------------------------------------------------------- */

json_object *report_json_phase(const struct mdl_phase *ph)
{
	json_object *po = json_object_new_object();
	json_object_object_add(po, "name", json_object_new_string(ph->name));
	json_object_object_add(po, "start", report_json_month(ph->start));
	json_object_object_add(po, "end", report_json_month(ph->start + ph->months - 1));
	json_object_object_add(po, "months", json_object_new_int(ph->months));
	return po;
}

/* memory in MiB, exact (the model keeps 1/1000 MiB) */
json_object *report_json_mib(int64_t mem) { return jsondoc_decimal(mem, UNITS_MIB, 3); }
json_object *report_json_vcpu(int64_t milli) { return jsondoc_decimal(milli, UNITS_ONE, 3); }

json_object *report_json_month(int m)
{
	char buf[UNITS_BUF];
	return json_object_new_string(units_fmt_month(buf, m));
}

json_object *report_json_capacity(const struct capacity *c)
{
	json_object *o = json_object_new_object();
	json_object *ram = json_object_new_object();
	json_object_object_add(ram, "used_min_mib", report_json_mib(c->ram_lo));
	json_object_object_add(ram, "used_max_mib", report_json_mib(c->ram_hi));
	json_object_object_add(ram, "usable_mib", report_json_mib(c->ram_usable));
	json_object_object_add(ram, "total_mib", report_json_mib(c->ram_total));
	json_object_object_add(ram, "percent_min",
			       json_object_new_int64(units_percent_of(c->ram_lo, c->ram_total)));
	json_object_object_add(ram, "percent_max",
			       json_object_new_int64(units_percent_of(c->ram_hi, c->ram_total)));
	json_object_object_add(ram, "fits", json_object_new_boolean(c->ram_ok));
	json_object_object_add(o, "ram", ram);
	json_object *cpu = json_object_new_object();
	json_object_object_add(cpu, "declared_vcpu", report_json_vcpu(c->cpus));
	json_object_object_add(cpu, "limit_vcpu", report_json_vcpu(c->cpu_limit));
	json_object_object_add(cpu, "fits", json_object_new_boolean(c->cpu_ok));
	json_object_object_add(o, "cpu", cpu);
	json_object *disk = json_object_new_object();
	json_object_object_add(disk, "used_mib", report_json_mib(c->disk));
	json_object_object_add(disk, "total_mib", report_json_mib(c->disk_total));
	json_object_object_add(disk, "at_end_of", report_json_month(c->disk_month));
	json_object_object_add(disk, "fits", json_object_new_boolean(c->disk_ok));
	json_object_object_add(o, "disk", disk);
	json_object *kind = json_object_new_object();
	json_object_object_add(kind, "fits", json_object_new_boolean(c->kind_ok));
	json_object_object_add(kind, "reason", c->kind_ok ? NULL :
			       json_object_new_string(capacity_kind_why(c)));
	json_object_object_add(o, "kind", kind);
	return o;
}

void report_json_begin(struct jsondoc_writer *w, const struct mdl_project *p, FILE *out)
{
	jsondoc_begin(w, out, p->src->path);
	json_object *root = json_object_new_object();
	json_object_object_add(root, "project", json_object_new_string(p->name));
	json_object *h = json_object_new_object();
	json_object_object_add(h, "start", report_json_month(p->start));
	json_object_object_add(h, "end", report_json_month(p->start + p->horizon - 1));
	json_object_object_add(h, "months", json_object_new_int(p->horizon));
	json_object_object_add(root, "horizon", h);
	json_object_object_add(root, "price_source", json_object_new_string(p->price_source));
	json_object_object_add(root, "price_date", json_object_new_string(p->prices->date));
	json_object_object_add(root, "headroom_percent",
			       jsondoc_decimal(p->headroom, UNITS_PERCENT_ONE, 2));
	json_object_object_add(root, "budget_eur_month",
			       p->budget >= 0 ? jsondoc_eur(p->budget) : NULL);
	jsondoc_put_members(w, root);
}

static json_object *report_placement_json(const struct mdl_project *p,
					  const struct mdl_phase *ph,
					  const struct mdl_placement *pl)
{
	struct capacity cap;
	capacity_of(p, ph, pl, pl->type, &cap);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "server", json_object_new_string(pl->server->name));
	json_object_object_add(o, "type", json_object_new_string(pl->type->name));
	json_object_object_add(o, "price_eur_month",
			       jsondoc_eur(model_price(pl->type, pl->server->location)));

	json_object_object_add(o, "reserve_mib", report_json_mib(pl->reserve));
	json_object_object_add(o, "capacity", report_json_capacity(&cap));

	json_object *ports = json_object_new_array();
	json_object *domains = json_object_new_array();
	json_object *services = json_object_new_array();
	for (size_t j = 0; j < pl->nservices; j++) {
		const struct mdl_service *s = pl->services[j];
		json_object *so = json_object_new_object();
		json_object_object_add(so, "name", json_object_new_string(s->name));
		json_object_object_add(so, "kind", json_object_new_string(s->proxy ? "proxy" : "service"));
		json_object_object_add(so, "ram_min_mib", report_json_mib(s->ram_lo));
		json_object_object_add(so, "ram_max_mib", report_json_mib(s->ram_hi));
		json_object_array_add(services, so);
		if (s->proxy) {
			for (int port = 80; port <= 443; port += 363) {
				json_object *po = json_object_new_object();
				json_object_object_add(po, "port", json_object_new_int(port));
				json_object_object_add(po, "container_port", json_object_new_int(port));
				json_object_object_add(po, "service", json_object_new_string(s->name));
				json_object_array_add(ports, po);
			}
		}
		for (size_t k = 0; k < s->npublish; k++) {
			json_object *po = json_object_new_object();
			json_object_object_add(po, "port", json_object_new_int(s->publish[k].host));
			json_object_object_add(po, "container_port",
					       json_object_new_int(s->publish[k].container));
			json_object_object_add(po, "service", json_object_new_string(s->name));
			json_object_array_add(ports, po);
		}
		if (s->domain) {
			json_object *d = json_object_new_object();
			json_object_object_add(d, "domain", json_object_new_string(s->domain));
			json_object_object_add(d, "service", json_object_new_string(s->name));
			json_object_object_add(d, "port", json_object_new_int(model_service_port(s)));
			json_object_object_add(d, "max_upload_mib",
					       s->max_upload ? report_json_mib(s->max_upload) : NULL);
			json_object_array_add(domains, d);
		}
	}
	json_object_object_add(o, "ports", ports);
	json_object_object_add(o, "domains", domains);
	json_object_object_add(o, "services", services);
	if (model_networked(ph)) {
		char ip[16];
		json_object *priv = json_object_new_array();
		for (size_t j = 0; j < pl->nservices; j++) {
			int port = model_private_port(ph, pl, pl->services[j]);
			if (!port)
				continue;
			json_object *po = json_object_new_object();
			json_object_object_add(po, "port", json_object_new_int(port));
			json_object_object_add(po, "service",
					       json_object_new_string(pl->services[j]->name));
			json_object_array_add(priv, po);
		}
		json_object_object_add(o, "private_address", json_object_new_string(
						model_fmt_ip(ip, pl->server->private_ip)));
		json_object_object_add(o, "private_ports", priv);
	}
	return o;
}

void report_json(const struct mdl_project *p, const struct diag_list *diags, FILE *out)
{
	struct jsondoc_writer w;
	report_json_begin(&w, p, out);
	jsondoc_put(&w, "valid", json_object_new_boolean(1));
	jsondoc_open(&w, "phases", '[');
	for (size_t i = 0; i < p->nphases; i++) {
		const struct mdl_phase *ph = &p->phases[i];
		jsondoc_open(&w, NULL, '{');
		jsondoc_put_members(&w, report_json_phase(ph));
		jsondoc_open(&w, "servers", '[');
		for (size_t k = 0; k < ph->nplacements; k++)
			jsondoc_put(&w, NULL, report_placement_json(p, ph, &ph->placements[k]));
		jsondoc_close(&w);
		jsondoc_close(&w);
	}
	jsondoc_close(&w);
	diag_json_end(&w, diags);
}
