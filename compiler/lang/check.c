#include "check.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "capacity.h"
#include "charges.h"
#include "imageref.h"
#include "naming.h"
#include "symtab.h"
#include "units.h"

struct ck {
	struct diag_list *dl;
	struct mdl_project *p;
	struct arena *a;
	/* per phase: index+1 of the placement running each declaration */
	size_t *where;
	/* ck_ports' table, reused by every placement: one per placement
	 * would keep thousands of dead tables alive in the arena */
	struct ck_owner { int port; const struct mdl_service *s; } *owners;
	size_t owners_cap;
	const struct mdl_scenario *sc; /* while a scenario's placements are checked */
};

static size_t ck_index(const struct ck *c, const struct mdl_service *s)
{
	return (size_t)(s->decl - c->p->services);
}

__attribute__((format(printf, 4, 5)))
static struct diag *ck_err(struct ck *c, enum diag_code code, struct loc loc,
			   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct diag *d = diag_addv(c->dl, code, c->p->src, loc, fmt, ap);
	va_end(ap);
	if (c->sc)
		diag_note(d, c->dl, "in scenario %s", c->sc->name);
	return d;
}

/* ---- phases in time ---------------------------------------------------- */

static void ck_phases(struct ck *c)
{
	const struct mdl_project *p = c->p;
	int end = p->start + p->horizon;
	char a[UNITS_BUF], b[UNITS_BUF], d1[UNITS_BUF];

	/* a phase whose start or months was an error is in no place in
	 * time: an overlap or a gap would follow from that error */
	bool broken = false;
	for (size_t i = 0; i < p->nphases; i++)
		broken |= p->phases[i].broken;
	for (size_t i = 0; i < p->nphases; i++) {
		const struct mdl_phase *ph = &p->phases[i];
		int ph_end = ph->start + ph->months;
		if (ph->broken || (i > 0 && p->phases[i - 1].broken))
			continue;
		if (ph->months == 0) {
			struct diag *d = ck_err(c, DIAG_E0502, ph->loc,
						"phase %s has no months: the next phase starts %s",
						ph->name, units_fmt_month(a, ph->start));
			(void)d;
		} else if (ph->start < p->start || ph_end > end) {
			struct diag *d = ck_err(c, DIAG_E0502, ph->loc,
						"phase %s (%s .. %s) is outside the horizon",
						ph->name, units_fmt_month(a, ph->start),
						units_fmt_month(b, ph_end - 1));
			diag_note(d, c->dl, "project %s runs %s .. %s (%d months)", p->name,
				  units_fmt_month(a, p->start), units_fmt_month(b, end - 1),
				  p->horizon);
		}
		if (i > 0) {
			const struct mdl_phase *prev = &p->phases[i - 1];
			int prev_end = prev->start + prev->months;
			if (ph->start < prev_end) {
				struct diag *d = ck_err(c, DIAG_E0501, ph->loc,
							"phase %s starts %s, before phase %s ends",
							ph->name, units_fmt_month(a, ph->start),
							prev->name);
				diag_note(d, c->dl, "%s runs %s .. %s", prev->name,
					  units_fmt_month(b, prev->start),
					  units_fmt_month(d1, prev_end - 1));
				diag_help(d, c->dl, "start %s at %s or shorten %s", ph->name,
					  units_fmt_month(a, prev_end), prev->name);
			}
		}
	}

	if (broken)
		return;
	/* months of the horizon no phase covers: nothing runs then */
	int m = p->start;
	size_t i = 0;
	while (m < end) {
		while (i < p->nphases && p->phases[i].start + p->phases[i].months <= m)
			i++;
		int next = i < p->nphases ? p->phases[i].start : end;
		if (next > end)
			next = end;
		if (next > m) {
			/* at the phase after the gap; a gap at the end of the
			 * horizon at the last phase, so gaps sort in time order */
			struct loc at = i < p->nphases ? p->phases[i].loc
				      : p->nphases ? p->phases[p->nphases - 1].loc : p->loc;
			struct diag *d = diag_add(c->dl, DIAG_W0503, p->src, at,
						  "%s .. %s (%d month%s) of the horizon %s in no phase",
						  units_fmt_month(a, m), units_fmt_month(b, next - 1),
						  next - m, next - m == 1 ? "" : "s",
						  next - m == 1 ? "is" : "are");
			diag_note(d, c->dl, "no server runs and nothing is billed in those months");
			m = next;
		}
		if (i >= p->nphases)
			break;
		int ph_end = p->phases[i].start + p->phases[i].months;
		if (ph_end > m)
			m = ph_end;
		i++;
	}
}

/* ---- placement and dependencies ---------------------------------------- */

/* A scenario's `new NAME` runs beside the plan's instance on another
 * server, never twice on one. */
static void ck_instance_once(struct ck *c, const struct mdl_placement *pl, size_t j)
{
	const struct mdl_service *s = pl->services[j];
	for (size_t e = 0; e < pl->nservices; e++) {
		const struct mdl_service *x = pl->services[e];
		if (e == j || x->decl != s->decl || (x->instance && e > j))
			continue;
		ck_err(c, DIAG_E0404, model_service_loc(pl, j), "%s is listed twice in `run on %s`",
		       s->name, pl->server->name);
		return;
	}
}

/* A service runs once per phase, but one without volumes may run on
 * several servers (the proxies balance across them); never twice on one. */
static void ck_placement_once(struct ck *c, const struct mdl_phase *ph)
{
	for (size_t k = 0; k < ph->nplacements; k++) {
		const struct mdl_placement *pl = &ph->placements[k];
		for (size_t j = 0; j < pl->nservices; j++) {
			if (pl->services[j]->instance) {
				ck_instance_once(c, pl, j);
				continue;
			}
			const struct mdl_service *s = pl->services[j];
			size_t idx = ck_index(c, s);
			if (!c->where[idx]) {
				c->where[idx] = k + 1;
				continue;
			}
			const struct mdl_placement *first = &ph->placements[c->where[idx] - 1];
			bool twice = false;
			for (size_t i = 0; i < j; i++)
				twice |= !pl->services[i]->instance && pl->services[i]->decl == s->decl;
			if (!twice && first != pl && !s->nvolumes)
				continue;
			struct diag *d;
			if (twice)
				d = ck_err(c, DIAG_E0404, model_service_loc(pl, j),
					   "%s is listed twice in `run on %s`",
					   s->name, pl->server->name);
			else
				d = ck_err(c, DIAG_E0404, model_service_loc(pl, j),
					   "%s runs on %s and on %s in phase %s",
					   s->name, first->server->name,
					   pl->server->name, ph->name);
			if (twice)
				continue;
			diag_note(d, c->dl, "%s has volumes: its data lives on one server, so it "
				  "runs on one server per phase", s->name);
			diag_help(d, c->dl, "declare a second service to run a copy with data of "
				  "its own");
			if (c->sc)
				diag_help(d, c->dl, "in a scenario, `new %s` on %s runs an instance "
					  "of its own", s->name, pl->server->name);
		}
	}
}

static void ck_needs_placed(struct ck *c, const struct mdl_phase *ph)
{
	for (size_t k = 0; k < ph->nplacements; k++) {
		const struct mdl_placement *pl = &ph->placements[k];
		for (size_t j = 0; j < pl->nservices; j++) {
			const struct mdl_service *s = pl->services[j];
			for (size_t n = 0; n < s->nneeds; n++) {
				if (model_runs(pl, s->needs[n]))
					continue;
				const struct mdl_placement *o = model_remote(ph, pl, s->needs[n]);
				const struct mdl_service *t = o ? model_copy_on(o, s->needs[n]) : NULL;
				if (t && t->port && !t->proxy)
					continue;
				struct diag *d = ck_err(c, DIAG_E0402, s->needs_locs[n],
					"%s needs %s, which does not run on %s in phase %s",
					s->name, s->needs[n]->name, pl->server->name, ph->name);
				if (t)
					diag_note(d, c->dl, "%s runs on %s in this phase; a service on "
						  "another server is reached over the private network "
						  "at its `port`, and %s has none", t->name,
						  o->server->name, t->name);
				if (t && !t->proxy)
					diag_help(d, c->dl, "give %s a `port`, or add it to `run on %s`",
						  t->name, pl->server->name);
				else
					diag_help(d, c->dl, "add %s to `run on %s` in phase %s",
						  s->needs[n]->name, pl->server->name, ph->name);
			}
		}
	}
}

/* The names of s's volumes, "a, b" */
static const char *ck_volume_names(struct ck *c, const struct mdl_service *s)
{
	const char *v = s->volumes[0].name;
	for (size_t i = 1; i < s->nvolumes; i++)
		v = arena_printf(c->a, "%s, %s", v, s->volumes[i].name);
	return v;
}

static void ck_move_report(struct ck *c, const struct mdl_phase *ph,
			   const struct mdl_placement *pl, size_t j, const struct mdl_server *from)
{
	const struct mdl_service *s = pl->services[j];
	struct diag *d = ck_err(c, DIAG_E0406, model_service_loc(pl, j),
				"phase %s moves %s from %s to %s, away from its data", ph->name,
				s->name, from->name, pl->server->name);
	diag_note(d, c->dl, "%s keeps its data in volume%s %s on %s; on %s it would start "
		  "empty", s->name, s->nvolumes == 1 ? "" : "s", ck_volume_names(c, s),
		  from->name, pl->server->name);
	diag_help(d, c->dl, "when the data goes with it, declare the move in phase %s: "
		  "`%s %s { moves_data = true }`", ph->name, s->proxy ? "proxy" : "service",
		  s->name);
}

/*
 * E0406: a service with volumes that a phase runs on another server than
 * the last phase that ran it leaves its data behind, unless the phase
 * declares the move (moves_data); its disk then counts on the new server
 * from the month the data began (capacity.c).  Of a scenario only the
 * moves into or out of the phases it places are its own.
 */
static void ck_moves(struct ck *c)
{
	const struct mdl_project *p = c->p;
	const struct mdl_server **last = arena_calloc(c->a, p->nservices + 1, sizeof(*last));
	bool *last_own = arena_calloc(c->a, p->nservices + 1, sizeof(*last_own));
	for (size_t i = 0; i < p->nphases; i++) {
		const struct mdl_phase *ph = model_scenario_phase(p, c->sc, i);
		bool own = !c->sc || model_scenario_places(p, c->sc, i);
		for (size_t k = 0; k < ph->nplacements; k++) {
			const struct mdl_placement *pl = &ph->placements[k];
			for (size_t j = 0; j < pl->nservices; j++) {
				const struct mdl_service *s = pl->services[j];
				size_t idx = ck_index(c, s);
				const struct mdl_server *from = last[idx];
				if (!s->instance && s->nvolumes && from && from != pl->server &&
				    !s->moves_data && (own || last_own[idx]) &&
				    !(model_placement(ph, from) && model_runs(model_placement(ph, from), s)))
					ck_move_report(c, ph, pl, j, from);
			}
		}
		for (size_t k = 0; k < ph->nplacements; k++)
			for (size_t j = 0; j < ph->placements[k].nservices; j++) {
				const struct mdl_service *s = ph->placements[k].services[j];
				if (s->instance)
					continue;
				last[ck_index(c, s)] = ph->placements[k].server;
				last_own[ck_index(c, s)] = own;
			}
	}
}

/*
 * Cycles in needs, by depth-first search over one view of the graph:
 * eff[i] is the service (declaration or a phase's copy) for declaration i.
 * A cycle is reported at the edge that closes it, once per source spot.
 */
struct ck_cycle {
	struct ck *c;
	const struct mdl_service **eff;
	unsigned char *color; /* 0 new, 1 on the path, 2 done */
	size_t *path;
	size_t *next; /* per path position: the next edge to follow */
	size_t depth;
	struct symtab *reported;
};

static void ck_cycle_report(struct ck_cycle *cy, size_t from, size_t edge)
{
	const struct mdl_service *s = cy->eff[from];
	struct loc at = s->needs_locs[edge];
	char *key = arena_printf(cy->c->a, "%u", at.off);
	if (symtab_put(cy->reported, key, key))
		return;
	size_t target = ck_index(cy->c, s->needs[edge]);
	size_t start = cy->depth;
	while (start > 0 && cy->path[start - 1] != target)
		start--;
	if (start > 0)
		start--;
	size_t len = 0;
	for (size_t i = start; i < cy->depth; i++)
		len += strlen(cy->eff[cy->path[i]]->name) + 4;
	len += strlen(s->needs[edge]->name) + 1;
	char *chain = arena_alloc(cy->c->a, len);
	char *w = chain;
	for (size_t i = start; i < cy->depth; i++)
		w += sprintf(w, "%s -> ", cy->eff[cy->path[i]]->name);
	strcpy(w, s->needs[edge]->name);
	struct diag *d = ck_err(cy->c, DIAG_E0403, at, "dependency cycle: %s", chain);
	diag_help(d, cy->c->dl, "services must start in some order: remove one of these needs");
}

static void ck_cycles_from(struct ck_cycle *cy, size_t root)
{
	/* iterative DFS: path[] holds nodes, next[] their next edge */
	size_t *next = cy->next;
	cy->depth = 0;
	cy->path[cy->depth++] = root;
	cy->color[root] = 1;
	next[0] = 0;
	while (cy->depth) {
		size_t top = cy->depth - 1;
		size_t u = cy->path[top];
		const struct mdl_service *s = cy->eff[u];
		if (next[top] >= s->nneeds) {
			cy->color[u] = 2;
			cy->depth--;
			continue;
		}
		size_t e = next[top]++;
		size_t v = ck_index(cy->c, s->needs[e]);
		if (cy->color[v] == 1) {
			ck_cycle_report(cy, u, e);
		} else if (cy->color[v] == 0) {
			cy->color[v] = 1;
			next[cy->depth] = 0;
			cy->path[cy->depth++] = v;
		}
	}
}

static void ck_cycles(struct ck *c, const struct mdl_service **eff, struct symtab *reported)
{
	size_t n = c->p->nservices;
	struct ck_cycle cy = {
		.c = c, .eff = eff, .reported = reported,
		.color = arena_calloc(c->a, n + 1, 1),
		.path = arena_calloc(c->a, n + 1, sizeof(size_t)),
		.next = arena_calloc(c->a, n + 1, sizeof(size_t)),
	};
	for (size_t i = 0; i < n; i++)
		if (!cy.color[i] && eff[i]->nneeds)
			ck_cycles_from(&cy, i);
}

/* ---- capacity ---------------------------------------------------------- */

enum ck_resource { CK_RAM, CK_CPU, CK_DISK };

/* The cheapest type that carries the placement, described by the
 * resource that did not fit. */
static void ck_fit_help(struct ck *c, struct diag *d, const struct mdl_phase *ph,
			const struct mdl_placement *pl, enum ck_resource res)
{
	const struct mdl_type *t = capacity_cheapest_fit(c->p, ph, pl);
	char a[UNITS_BUF], b[UNITS_BUF];
	if (!t) {
		diag_help(d, c->dl, "no server type in the catalog carries this; "
			  "move services to another server");
		return;
	}
	struct capacity cap;
	capacity_of(c->p, ph, pl, t, &cap);
	if (res == CK_CPU)
		diag_help(d, c->dl, "a %s (%s vCPU, %s EUR/month) fits at %lld%%", t->name,
			  units_fmt_number(a, t->vcpu), units_fmt_money(b, t->price),
			  (long long)units_percent_of(cap.cpus, cap.cpu_limit));
	else if (res == CK_DISK)
		diag_help(d, c->dl, "a %s (%s disk, %s EUR/month) fits at %lld%%", t->name,
			  units_fmt_mem(a, t->disk), units_fmt_money(b, t->price),
			  (long long)units_percent_of(cap.disk, cap.disk_total));
	else
		diag_help(d, c->dl, "a %s (%s, %s EUR/month) fits at %lld%%", t->name,
			  units_fmt_mem(a, t->ram), units_fmt_money(b, t->price),
			  (long long)units_percent_of(cap.ram_hi, cap.ram_total));
}

static const char *ck_range(char *buf, int64_t lo, int64_t hi)
{
	char a[UNITS_BUF], b[UNITS_BUF];
	if (lo == hi)
		snprintf(buf, UNITS_BUF * 2, "%s GB", units_fmt_gb(a, hi));
	else
		snprintf(buf, UNITS_BUF * 2, "%s..%s GB", units_fmt_gb(a, lo), units_fmt_gb(b, hi));
	return buf;
}

/* E0304: the type cannot be what the server is: the images' architecture,
 * the vCPUs it asks for, or not sold where it is. */
static void ck_kind(struct ck *c, const struct mdl_phase *ph, const struct mdl_placement *pl,
		    const struct capacity *cap)
{
	const struct mdl_type *t = pl->type;
	const struct mdl_server *s = pl->server;
	struct diag *d;
	if (cap->kind == CAPACITY_ARCH) {
		d = ck_err(c, DIAG_E0304, pl->type_loc, "server %s is a %s (%s), but in phase %s "
			   "its images run on %s", s->name, t->name, model_arch_name(t->arch),
			   ph->name, model_arch_name(cap->arch));
		diag_note(d, c->dl, "`arch` on the project or a service says what its images run "
			  "on; without it, amd64");
	} else if (cap->kind == CAPACITY_NOT_SOLD) {
		d = ck_err(c, DIAG_E0304, pl->type_loc, "server %s is a %s, which is not sold in %s",
			   s->name, t->name, s->location);
		diag_note(d, c->dl, "prices: %s", c->p->price_source);
	} else {
		bool ded = cap->kind == CAPACITY_WANTS_DEDICATED;
		d = ck_err(c, DIAG_E0304, pl->type_loc, "server %s asks for %s vCPUs (cpu = %s), "
			   "a %s has %s ones", s->name, ded ? "dedicated" : "shared",
			   ded ? "dedicated" : "shared", t->name, ded ? "shared" : "dedicated");
	}
	ck_fit_help(c, d, ph, pl, CK_RAM);
}

/* E0302 for each container that declares more vCPUs than its server
 * has: docker refuses to start it, whatever cpu_overcommit allows the sum. */
static void ck_cpus_each(struct ck *c, const struct mdl_phase *ph,
			 const struct mdl_placement *pl)
{
	const struct mdl_type *t = pl->type;
	char a[UNITS_BUF], b[UNITS_BUF];
	for (size_t j = 0; j < pl->nservices; j++) {
		const struct mdl_service *s = pl->services[j];
		if (s->cpus <= t->vcpu)
			continue;
		struct diag *d = ck_err(c, DIAG_E0302, model_service_loc(pl, j),
					"phase %s runs %s on server %s with %s vCPU, %s has %s",
					ph->name, s->name, pl->server->name,
					units_fmt_number(a, s->cpus), t->name,
					units_fmt_number(b, t->vcpu));
		diag_note(d, c->dl, "docker gives a container at most the vCPUs of its server; "
			  "cpu_overcommit shares them among containers, it does not add any");
		ck_fit_help(c, d, ph, pl, CK_CPU);
	}
}

static void ck_capacity(struct ck *c, const struct mdl_phase *ph,
			const struct mdl_placement *pl)
{
	if (!pl->type || pl->type->broken)
		return; /* its error is reported; a second one would follow from it */
	struct capacity cap;
	capacity_of(c->p, ph, pl, pl->type, &cap);
	char a[UNITS_BUF], b[UNITS_BUF], r[UNITS_BUF * 2];
	const struct mdl_type *t = pl->type;

	if (!cap.ram_ok) {
		struct diag *d = ck_err(c, DIAG_E0301, pl->loc,
					"phase %s overloads server %s: %s of %s GB usable",
					ph->name, pl->server->name,
					ck_range(r, cap.ram_lo, cap.ram_hi),
					units_fmt_gb(a, cap.ram_usable));
		diag_note(d, c->dl, "%s has %s; headroom %s leaves %s GB; reserve %s",
			  t->name, units_fmt_mem(a, t->ram),
			  units_fmt_percent(b, c->p->headroom),
			  units_fmt_gb(r, cap.ram_usable), units_fmt_mem(r + UNITS_BUF, pl->reserve));
		if (cap.ram_lo != cap.ram_hi)
			diag_note(d, c->dl, "ranges are checked at their upper bound");
		ck_fit_help(c, d, ph, pl, CK_RAM);
	}
	if (!cap.cpu_ok && cap.cpus_max > t->vcpu) {
		ck_cpus_each(c, ph, pl);
	} else if (!cap.cpu_ok) {
		struct diag *d = ck_err(c, DIAG_E0302, pl->loc,
					"phase %s overloads server %s: services declare %s vCPU, "
					"%s allows %s",
					ph->name, pl->server->name, units_fmt_number(a, cap.cpus),
					t->name, units_fmt_number(b, cap.cpu_limit));
		if (c->p->cpu_overcommit != UNITS_ONE)
			diag_note(d, c->dl, "%s has %s vCPU; cpu_overcommit %s",
				  t->name, units_fmt_number(a, t->vcpu),
				  units_fmt_number(b, c->p->cpu_overcommit));
		else
			diag_note(d, c->dl, "%s has %s vCPU; set limits.cpu_overcommit to share them",
				  t->name, units_fmt_number(a, t->vcpu));
		ck_fit_help(c, d, ph, pl, CK_CPU);
	}
	if (!cap.disk_ok) {
		char m[UNITS_BUF];
		struct diag *d = ck_err(c, DIAG_E0303, pl->loc,
					"phase %s overloads server %s: volumes grow to %s by %s, "
					"%s has %s of disk",
					ph->name, pl->server->name, units_fmt_mem(a, cap.disk),
					units_fmt_month(m, cap.disk_month), t->name,
					units_fmt_mem(b, cap.disk_total));
		diag_note(d, c->dl, "a volume's size grows by its growth every month it is in use");
		ck_fit_help(c, d, ph, pl, CK_DISK);
	}
	if (!cap.kind_ok)
		ck_kind(c, ph, pl, &cap);
}

/* ---- ports and domains ------------------------------------------------- */

static void ck_ports(struct ck *c, const struct mdl_phase *ph,
		     const struct mdl_placement *pl)
{
	/* host port -> who has it; few ports per server, so a linear list */
	size_t n = 0, cap = 2;
	for (size_t j = 0; j < pl->nservices; j++)
		cap += pl->services[j]->npublish + 2;
	if (cap > c->owners_cap) {
		c->owners_cap = cap * 2;
		c->owners = arena_calloc(c->a, c->owners_cap, sizeof(*c->owners));
	}
	struct ck_owner *own = c->owners;
	bool have_proxy = false;
	for (size_t j = 0; j < pl->nservices; j++) {
		const struct mdl_service *s = pl->services[j];
		int proxy_ports[] = { 80, 443 };
		if (s->proxy) {
			if (have_proxy) {
				struct diag *d = ck_err(c, DIAG_E0602, model_service_loc(pl, j),
							"two proxies on server %s in phase %s",
							pl->server->name, ph->name);
				diag_note(d, c->dl, "a proxy publishes ports 80 and 443; "
					  "one proxy serves every domain of its server");
				continue;
			}
			have_proxy = true;
			for (int k = 0; k < 2; k++)
				own[n++] = (struct ck_owner){ proxy_ports[k], s };
		}
		size_t np = s->npublish + 1;
		for (size_t k = 0; k < np; k++) {
			int port = k < s->npublish ? s->publish[k].host
						   : model_private_port(ph, pl, s);
			if (!port)
				continue;
			if ((port == 80 || port == 443) && !s->proxy) {
				struct diag *d = ck_err(c, DIAG_E0603,
							k < s->npublish ? s->publish_loc : s->loc,
							"%s publishes port %d, which belongs to the proxy",
							s->name, port);
				diag_help(d, c->dl, "give %s a `domain` and a `port`: the proxy "
					  "serves it on 80 and 443", s->name);
				continue;
			}
			const struct mdl_service *prev = NULL;
			for (size_t i = 0; i < n; i++)
				if (own[i].port == port)
					prev = own[i].s;
			if (prev) {
				if (prev == s && s->proxy)
					continue;
				struct diag *d = ck_err(c, DIAG_E0602,
							k < s->npublish ? s->publish_loc : s->loc,
							"port %d is published by %s and %s on server %s in phase %s",
							port, prev->name, s->name, pl->server->name, ph->name);
				if (k == s->npublish)
					diag_note(d, c->dl, "%s publishes its port on the private address "
						  "for the other servers", s->name);
				diag_note(d, c->dl, "%s publishes it on line %u", prev->name,
					  prev->publish_loc.line);
				continue;
			}
			own[n++] = (struct ck_owner){ port, s };
		}
	}
}

static bool ck_has_proxy(const struct mdl_placement *pl)
{
	for (size_t j = 0; j < pl->nservices; j++)
		if (pl->services[j]->proxy)
			return true;
	return false;
}

/* Is there a proxy on one of the servers of ph that run s (on pl)?  pl's
 * own first: the others only when it has none. */
static bool ck_proxied(const struct mdl_phase *ph, const struct mdl_placement *pl,
		       const struct mdl_service *s)
{
	if (ck_has_proxy(pl))
		return true;
	for (size_t k = 0; k < ph->nplacements; k++)
		if (model_runs(&ph->placements[k], s) && ck_has_proxy(&ph->placements[k]))
			return true;
	return false;
}

static void ck_domains(struct ck *c, const struct mdl_phase *ph, struct symtab *domains)
{
	for (size_t k = 0; k < ph->nplacements; k++) {
		const struct mdl_placement *pl = &ph->placements[k];
		for (size_t j = 0; j < pl->nservices; j++) {
			const struct mdl_service *s = pl->services[j];
			if (!s->domain)
				continue;
			const struct mdl_service *prev = symtab_put(domains, s->domain, (void *)s);
			if (prev && prev->decl == s->decl)
				continue; /* the same service on another server */
			if (prev) {
				struct diag *d = ck_err(c, DIAG_E0605, s->domain_loc,
							"domain %s is served by %s and %s in phase %s",
							s->domain, prev->name, s->name, ph->name);
				diag_note(d, c->dl, "%s declares it on line %u; each domain is "
					  "served by one service", prev->name, prev->domain_loc.line);
			}
			if (!ck_proxied(ph, pl, s)) {
				struct diag *d = ck_err(c, DIAG_E0606, s->domain_loc,
							"%s serves %s, but no proxy runs on %s in phase %s",
							s->name, s->domain, pl->server->name, ph->name);
				diag_help(d, c->dl, "declare a `proxy` and add it to `run on %s`",
					  pl->server->name);
			}
			if (!model_service_port(s)) {
				struct diag *d = ck_err(c, DIAG_E0607, s->domain_loc,
							"%s serves %s but has no port for the proxy",
							s->name, s->domain);
				diag_help(d, c->dl, "add `port = N`, the port %s listens on", s->name);
			}
		}
	}
}

/* ---- secrets and images ------------------------------------------------ */

bool check_is_secret_name(const char *key)
{
	static const char *const words[] = { "PASSWORD", "PASSWD", "TOKEN", "KEY",
					     "SECRET", "APIKEY", NULL };
	/* whole words between underscores, in any case: API_KEY, db_password */
	const char *p = key;
	while (*p) {
		size_t len = strcspn(p, "_");
		for (size_t i = 0; words[i]; i++)
			if (len == strlen(words[i]) && !strncasecmp(p, words[i], len))
				return true;
		p += len;
		if (*p == '_')
			p++;
	}
	return false;
}

static void ck_env(struct ck *c, const struct mdl_service *s)
{
	for (size_t i = 0; i < s->nenv; i++) {
		const struct mdl_env *e = &s->env[i];
		if (e->kind != MDL_ENV_LITERAL || !*e->value || !check_is_secret_name(e->key))
			continue;
		/* a phase copy inherits its declaration's entries: report once */
		if (s != s->decl) {
			bool inherited = false;
			for (size_t j = 0; j < s->decl->nenv; j++)
				if (s->decl->env[j].loc.off == e->loc.off)
					inherited = true;
			if (inherited)
				continue;
		}
		struct diag *d = ck_err(c, DIAG_E0701, e->loc,
					"%s of %s looks like a secret but is written in the file",
					e->key, s->name);
		d->hide_source = true; /* quoting the line would print the secret again */
		diag_help(d, c->dl, "write %s = secret(\"%s\") and set %s when you apply",
			  e->key, e->key, e->key);
		diag_note(d, c->dl, "infra files are committed and shared; secrets are not");
	}
}

static void ck_image(struct ck *c, const struct mdl_service *s)
{
	if (!s->image || (s != s->decl && s->image == s->decl->image))
		return;
	const char *why = imageref_check(s->image);
	if (why) {
		/* docker would refuse to pull it, on the server, after the order */
		struct diag *d = ck_err(c, DIAG_E0903, s->image_loc, "image '%s' of %s %s",
					s->image, s->name, why);
		diag_help(d, c->dl, "an image is [REGISTRY/]NAME[:TAG][@DIGEST], the name in "
			  "lower case: \"ghcr.io/acme/shop:1.4\", \"nginx:1.27\"");
		return;
	}
	if (strchr(s->image, '@'))
		return; /* pinned by digest */
	const char *slash = strrchr(s->image, '/');
	const char *colon = strrchr(slash ? slash : s->image, ':');
	if (colon && strcmp(colon + 1, "latest"))
		return;
	struct diag *d = diag_add(c->dl, DIAG_W0901, c->p->src, s->image_loc,
				  colon ? "image %s of %s uses the moving tag 'latest'"
					: "image %s of %s has no tag",
				  s->image, s->name);
	diag_help(d, c->dl, "pin a version such as \"%.*s:1.2\" so that every apply "
		  "runs the same software", colon ? (int)(colon - s->image) : (int)strlen(s->image),
		  s->image);
}

/* Do two absolute paths name one place, as docker cleans them ("/d",
 * "/d/", "//d")? */
static bool ck_same_path(const char *a, const char *b)
{
	for (;;) {
		a += strspn(a, "/");
		b += strspn(b, "/");
		size_t na = strcspn(a, "/"), nb = strcspn(b, "/");
		if (na != nb || strncmp(a, b, na))
			return false;
		if (!na)
			return true;
		a += na;
		b += nb;
	}
}

/* E1003: compose mounts one volume at a path of a container. */
static void ck_mounts(struct ck *c, const struct mdl_service *s)
{
	for (size_t i = 1; i < s->nvolumes; i++) {
		const struct mdl_volume *v = &s->volumes[i];
		for (size_t j = 0; j < i && v->path; j++) {
			const struct mdl_volume *w = &s->volumes[j];
			if (!w->path || !ck_same_path(v->path, w->path))
				continue;
			struct diag *d = ck_err(c, DIAG_E1003, v->loc, "volume %s of %s is mounted "
						"at %s, where volume %s is", v->name, s->name,
						v->path, w->name);
			diag_note(d, c->dl, "compose refuses a container with two volumes at one path");
			diag_help(d, c->dl, "mount each volume at a path of its own");
			break;
		}
	}
}

/* W0609: a database's well-known port open to the internet. */
static void ck_public_db(struct ck *c, const struct mdl_service *s)
{
	static const struct { int port; const char *what; } dbs[] = {
		{ 5432, "PostgreSQL" }, { 3306, "MySQL" }, { 6379, "Redis" },
		{ 27017, "MongoDB" },
	};
	for (size_t k = 0; k < s->npublish; k++)
		for (size_t i = 0; i < sizeof(dbs) / sizeof(*dbs); i++) {
			if (s->publish[k].host != dbs[i].port)
				continue;
			struct diag *d = diag_add(c->dl, DIAG_W0609, c->p->src, s->publish_loc,
						  "%s publishes %d (%s) on the server's public "
						  "address and in its firewall", s->name,
						  dbs[i].port, dbs[i].what);
			diag_help(d, c->dl, "give %s `port = %d` instead: a service that "
				  "needs it on another server of the phase reaches it over "
				  "the private network", s->name, s->publish[k].container);
		}
}

/* E0608: max_upload limits what the proxy accepts for a domain. */
static void ck_upload(struct ck *c, const struct mdl_service *s)
{
	if (!s->max_upload || s->domain)
		return;
	struct diag *d = ck_err(c, DIAG_E0608, s->max_upload_loc,
				"%s sets max_upload but has no domain", s->name);
	diag_note(d, c->dl, "max_upload is the largest request the proxy passes on to the "
		  "service's domain (nginx's client_max_body_size)");
	diag_help(d, c->dl, "give %s a `domain`, or remove max_upload", s->name);
}

/* ---- money ------------------------------------------------------------- */

/* What the plan as written pays in a month of phase ph: its servers'
 * prices and their charges (the same in every month of a phase while
 * Volumes cost nothing); -1 when a server has no type (an error reported
 * already). */
static int64_t ck_phase_monthly(const struct mdl_project *p, const struct mdl_phase *ph)
{
	int64_t sum = 0;
	for (size_t k = 0; k < ph->nplacements; k++) {
		const struct mdl_placement *pl = &ph->placements[k];
		if (!pl->type)
			return -1;
		sum = units_add_sat(sum, charges_month(p, pl, pl->type, ph->start));
	}
	return sum;
}

/* Does phase ph own a month of the horizon (overlaps yield to the earlier
 * phase, as in the cost engine)? */
static bool ck_phase_billed(const struct mdl_project *p, const struct mdl_phase *ph)
{
	for (int m = ph->start; m < ph->start + ph->months; m++)
		if (m >= p->start && m < p->start + p->horizon && model_phase_at(p, m) == ph)
			return true;
	return false;
}

/* "main cpx52 27.99 + db cpx22 5.99 = 33.98 EUR/month", each server's
 * charges after it ("main cpx52 27.99 + IPv4 0.50") */
static const char *ck_month_sum(const struct mdl_project *p, struct arena *a,
				const struct mdl_phase *ph, int64_t sum)
{
	char b[UNITS_BUF];
	const char *s = "";
	size_t terms = 0;
	for (size_t k = 0; k < ph->nplacements; k++) {
		const struct mdl_placement *pl = &ph->placements[k];
		s = arena_printf(a, "%s%s%s %s %s", s, *s ? " + " : "", pl->server->name,
				 pl->type->name,
				 units_fmt_money(b, model_price(pl->type, pl->server->location)));
		terms++;
		struct charges ch;
		charges_of(p, pl, pl->type, ph->start, &ch);
		for (int c = 0; c < CHARGES_N; c++) {
			if (ch.amount[c] <= 0)
				continue;
			s = arena_printf(a, "%s + %s %s", s, charges_name((enum charges_kind)c),
					 units_fmt_money(b, ch.amount[c]));
			terms++;
		}
	}
	if (terms == 1)
		return arena_printf(a, "%s EUR/month", s);
	return arena_printf(a, "%s = %s EUR/month", s, units_fmt_money(b, sum));
}

static void ck_budget_help(struct ck *c, struct diag *d, const struct mdl_phase *ph)
{
	char b[UNITS_BUF];
	int64_t sum = 0;
	const char *which = "";
	for (size_t k = 0; k < ph->nplacements; k++) {
		const struct mdl_type *t = capacity_cheapest_fit(c->p, ph, &ph->placements[k]);
		if (!t) {
			diag_help(d, c->dl, "no server type carries server %s in this phase; "
				  "move services or raise limits.budget",
				  ph->placements[k].server->name);
			return;
		}
		sum = units_add_sat(sum, charges_month(c->p, &ph->placements[k], t, ph->start));
		which = arena_printf(c->a, "%s%s%s %s", which, *which ? ", " : "",
				     ph->placements[k].server->name, t->name);
	}
	if (sum <= c->p->budget)
		diag_help(d, c->dl, "the cheapest types that carry this phase cost %s EUR/month "
			  "(%s); `infrac recommend` shows them", units_fmt_money(b, sum), which);
	else
		diag_help(d, c->dl, "even the cheapest types that carry this phase cost %s "
			  "EUR/month (%s): raise limits.budget or run less",
			  units_fmt_money(b, sum), which);
}

/* E0801: no month of the plan as written above limits.budget.  A month
 * costs the prices of the servers of the phase running then. */
static void ck_budget(struct ck *c)
{
	const struct mdl_project *p = c->p;
	if (p->budget < 0 || p->horizon <= 0)
		return;
	for (size_t i = 0; i < p->nphases; i++)
		if (ck_phase_monthly(p, &p->phases[i]) < 0 && ck_phase_billed(p, &p->phases[i]))
			return;
	char b[UNITS_BUF], m[UNITS_BUF], e[UNITS_BUF], f[UNITS_BUF];
	for (size_t i = 0; i < p->nphases; i++) {
		const struct mdl_phase *ph = &p->phases[i];
		int64_t month = ck_phase_monthly(p, ph);
		int first = -1, last = -1, count = 0;
		for (int x = ph->start; month > p->budget && x < ph->start + ph->months; x++) {
			if (x < p->start || x >= p->start + p->horizon || model_phase_at(p, x) != ph)
				continue;
			if (first < 0)
				first = x;
			last = x;
			count++;
		}
		if (first < 0)
			continue;
		struct diag *d = ck_err(c, DIAG_E0801, ph->loc,
					"phase %s costs %s EUR/month, %s over the budget of %s EUR/month",
					ph->name, units_fmt_money(b, month),
					units_fmt_money(m, month - p->budget),
					units_fmt_money(e, p->budget));
		diag_note(d, c->dl, "%s .. %s (%d month%s): %s", units_fmt_month(e, first),
			  units_fmt_month(f, last), count, count == 1 ? "" : "s",
			  ck_month_sum(p, c->a, ph, month));
		diag_note(d, c->dl, "limits.budget = %s EUR/month on line %u holds for every month",
			  units_fmt_money(b, p->budget), p->budget_loc.line);
		ck_budget_help(c, d, ph);
	}
}

/* ---- scenarios --------------------------------------------------------- */

/* The rules of a phase's placement on the phases a scenario places: who
 * runs where, needs, domains, ports, and moves of data.  Whether they fit
 * is the cost engine's verdict, as for a scenario's types. */
static void ck_scenarios(struct ck *c, struct symtab *domains)
{
	const struct mdl_project *p = c->p;
	for (size_t s = 0; s < p->nscenarios; s++) {
		c->sc = &p->scenarios[s];
		for (size_t i = 0; c->sc->phases && i < p->nphases; i++) {
			if (!model_scenario_places(p, c->sc, i))
				continue;
			const struct mdl_phase *ph = &c->sc->phases[i];
			memset(c->where, 0, (p->nservices + 1) * sizeof(*c->where));
			ck_placement_once(c, ph);
			ck_needs_placed(c, ph);
			symtab_clear(domains);
			ck_domains(c, ph, domains);
			for (size_t k = 0; k < ph->nplacements; k++)
				ck_ports(c, ph, &ph->placements[k]);
		}
		if (c->sc->phases)
			ck_moves(c);
	}
	c->sc = NULL;
}

/* ---- what apply does not make yet ---------------------------------------- */

/* W1102: the file asks for something infrac costs as asked but apply
 * does not create yet, so the bill and the servers differ until it does. */
static void ck_undeployed(struct ck *c)
{
	const struct mdl_project *p = c->p;
	for (size_t i = 0; i < p->nservers; i++) {
		const struct mdl_server *s = &p->servers[i];
		if (!s->ipv6_only)
			continue;
		struct diag *d = diag_add(c->dl, DIAG_W1102, p->src, s->ipv4_loc,
					  "apply does not make IPv6-only servers yet: server %s "
					  "gets a primary IPv4 all the same", s->name);
		diag_note(d, c->dl, "infrac cost leaves its IPv4 out, as the file says; apply "
			  "deploys over IPv4");
	}
	for (size_t i = 0; i < p->nservices; i++)
		for (size_t v = 0; v < p->services[i].nvolumes; v++) {
			const struct mdl_volume *vol = &p->services[i].volumes[v];
			if (!vol->hetzner)
				continue;
			struct diag *d = diag_add(c->dl, DIAG_W1102, p->src, vol->storage_loc,
						  "apply does not make Hetzner Volumes yet: volume "
						  "%s stays on the server's disk", vol->name);
			diag_note(d, c->dl, "it is checked against the disk and costs nothing "
				  "more until apply creates Volumes; infrac cost shows its price");
		}
}

/* ---- all --------------------------------------------------------------- */

void check_project(struct diag_list *dl, struct mdl_project *p)
{
	struct ck c = { .dl = dl, .p = p, .a = dl->arena };
	/* after resolve errors a run block may have been dropped: "never
	 * runs" would then blame a service for the error that hid its run */
	bool warn_unused = dl->errors == 0;
	size_t n = p->nservices;
	c.where = arena_calloc(c.a, n + 1, sizeof(*c.where));

	/* derived: the first month each service runs, for volume growth */
	for (size_t i = 0; i < p->nphases; i++) {
		struct mdl_phase *ph = &p->phases[i];
		for (size_t k = 0; k < ph->nplacements; k++)
			for (size_t j = 0; j < ph->placements[k].nservices; j++) {
				struct mdl_service *decl =
					&p->services[ck_index(&c, ph->placements[k].services[j])];
				if (decl->first_month < 0 || ph->start < decl->first_month)
					decl->first_month = ph->start;
			}
	}

	if (p->horizon > 0 && !p->broken_time)
		ck_phases(&c);

	struct symtab reported;
	symtab_init(&reported, c.a);
	const struct mdl_service **eff = arena_calloc(c.a, n + 1, sizeof(*eff));
	for (size_t i = 0; i < n; i++)
		eff[i] = &p->services[i];
	ck_cycles(&c, eff, &reported);

	/* one table for every phase's domains: a new one per phase would
	 * leave a dead table per phase in the arena */
	struct symtab domains;
	symtab_init(&domains, c.a);
	for (size_t i = 0; i < p->nphases; i++) {
		const struct mdl_phase *ph = &p->phases[i];
		memset(c.where, 0, (n + 1) * sizeof(*c.where));
		ck_placement_once(&c, ph);
		ck_needs_placed(&c, ph);

		/* a phase that overrides needs may close a cycle of its own */
		bool own_needs = false;
		for (size_t k = 0; k < ph->nplacements; k++)
			for (size_t j = 0; j < ph->placements[k].nservices; j++) {
				const struct mdl_service *s = ph->placements[k].services[j];
				if (s != s->decl && s->needs != s->decl->needs)
					own_needs = true;
			}
		if (own_needs) {
			for (size_t k = 0; k < ph->nplacements; k++)
				for (size_t j = 0; j < ph->placements[k].nservices; j++) {
					const struct mdl_service *s = ph->placements[k].services[j];
					eff[ck_index(&c, s)] = s;
				}
			ck_cycles(&c, eff, &reported);
			for (size_t k = 0; k < n; k++)
				eff[k] = &p->services[k];
		}

		symtab_clear(&domains);
		ck_domains(&c, ph, &domains);
		for (size_t k = 0; k < ph->nplacements; k++) {
			const struct mdl_placement *pl = &ph->placements[k];
			ck_capacity(&c, ph, pl);
			ck_ports(&c, ph, pl);
			for (size_t j = 0; j < pl->nservices; j++) {
				const struct mdl_service *s = pl->services[j];
				if (s != s->decl) {
					ck_env(&c, s);
					ck_image(&c, s);
					ck_upload(&c, s);
					if (s->publish != s->decl->publish)
						ck_public_db(&c, s);
				}
			}
		}
	}

	for (size_t i = 0; i < n; i++) {
		const struct mdl_service *s = &p->services[i];
		ck_env(&c, s);
		ck_image(&c, s);
		ck_upload(&c, s);
		ck_mounts(&c, s);
		ck_public_db(&c, s);
		if (s->first_month < 0 && warn_unused)
			diag_add(dl, DIAG_W0902, p->src, s->loc,
				 "%s %s is declared but no phase runs it",
				 s->proxy ? "proxy" : "service", s->name);
	}
	for (size_t i = 0; i < p->nservers; i++) {
		const struct mdl_server *srv = &p->servers[i];
		bool used = false;
		for (size_t k = 0; k < p->nphases && !used; k++)
			used = model_placement(&p->phases[k], srv) != NULL;
		if (!used && warn_unused)
			diag_add(dl, DIAG_W0902, p->src, srv->loc,
				 "server %s is declared but no phase runs anything on it",
				 srv->name);
	}
	ck_moves(&c);
	ck_undeployed(&c);
	ck_budget(&c);
	ck_scenarios(&c, &domains);
	naming_check(dl, p);
}
