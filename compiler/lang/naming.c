#include "naming.h"

#include <string.h>

#include "ascii.h"
#include "symtab.h"

/* Hetzner's limit on a label value and on a server's host name. */
#define NAMING_MAX 63
/* The deploy's limit on a compose service name. */
#define NAMING_SERVICE_MAX 64

const char *naming_cloud(struct arena *a, const char *project, const char *name)
{
	char *s = arena_printf(a, "%s-%s", project, name);
	for (char *p = s; *p; p++)
		*p = *p == '_' ? '-' : (char)ascii_tolower(*p);
	return s;
}

/* The name with its shape fixed, for a help line: lower case if asked,
 * letters or digits at both ends, at most max characters. */
static const char *naming_fixed(struct arena *a, const char *name, bool lower, size_t max)
{
	size_t n = strlen(name), from = 0;
	while (from < n && !ascii_alpha(name[from]))
		from++;
	while (n > from && !ascii_alnum(name[n - 1]))
		n--;
	if (n - from > max)
		n = from + max;
	while (n > from && !ascii_alnum(name[n - 1]))
		n--;
	char *s = arena_strndup(a, name + from, n - from);
	for (char *p = s; lower && *p; p++)
		*p = (char)ascii_tolower(*p);
	return *s ? s : NULL;
}

/* E0109 when a name is not of the shape Hetzner's labels and the server
 * take; kind and name say which it is ("server web"). */
static void naming_shape(struct diag_list *dl, const struct mdl_project *p, struct loc loc,
			 const char *kind, const char *name, bool lower, size_t max)
{
	size_t n = strlen(name);
	bool ok = n <= max && ascii_alpha(name[0]) && (ascii_alnum(name[n - 1]) || !lower);
	for (size_t i = 0; ok && lower && i < n; i++)
		ok = !ascii_upper(name[i]);
	if (ok)
		return;
	struct diag *d = diag_add(dl, DIAG_E0109, p->src, loc, "%s %s: the name cannot be used %s",
				  kind, name, lower ? "at Hetzner and on the servers"
					      : "on the server, where the deploy hands it to compose");
	if (lower)
		diag_note(d, dl, "a project name is lower-case letters, digits, '-' and '_', "
			  "starts with a letter, ends with a letter or digit and has at most %zu "
			  "characters", max);
	else
		diag_note(d, dl, "a service's name starts with a letter and has at most %zu "
			  "characters", max);
	const char *fix = naming_fixed(dl->arena, name, lower, max);
	if (fix)
		diag_help(d, dl, "rename it, for example to %s", fix);
}

/* Server and key names are label values too: a letter or digit last. */
static void naming_label(struct diag_list *dl, const struct mdl_project *p, struct loc loc,
			 const char *kind, const char *name)
{
	size_t n = strlen(name);
	if (n <= NAMING_MAX && ascii_alpha(name[0]) && ascii_alnum(name[n - 1]))
		return;
	struct diag *d = diag_add(dl, DIAG_E0109, p->src, loc,
				  "%s %s: the name cannot be used at Hetzner", kind, name);
	diag_note(d, dl, "Hetzner labels every resource with it: a letter first, a letter or "
		  "digit last, at most %d characters", NAMING_MAX);
	const char *fix = naming_fixed(dl->arena, name, false, NAMING_MAX);
	if (fix)
		diag_help(d, dl, "rename it, for example to %s", fix);
}

/* Servers (host names: at most 63 characters) and keys at Hetzner: one
 * name each.  seen maps a Hetzner name to the first loc that took it. */
static void naming_unique(struct diag_list *dl, const struct mdl_project *p, struct symtab *seen,
			  const char *kind, const char *name, const struct loc *loc, bool host)
{
	const char *cloud = naming_cloud(dl->arena, p->name, name);
	if (host && strlen(cloud) > NAMING_MAX) {
		struct diag *d = diag_add(dl, DIAG_E0109, p->src, *loc,
					  "server %s is %s at Hetzner: %zu characters, and a server's "
					  "name has at most %d", name, cloud, strlen(cloud), NAMING_MAX);
		diag_help(d, dl, "shorten the server's or the project's name");
	}
	const struct loc *first = symtab_put(seen, cloud, (void *)loc);
	if (!first)
		return;
	struct diag *d = diag_add(dl, DIAG_E0104, p->src, *loc,
				  "%s %s has the same name at Hetzner as the %s on line %u: %s",
				  kind, name, kind, first->line, cloud);
	diag_note(d, dl, "at Hetzner a name is PROJECT-NAME in lower case, with '_' as '-'");
	diag_help(d, dl, "rename one of them");
}

/* E1003: compose has one namespace of volumes per file; infrac's are per
 * service. */
static void naming_volumes(struct diag_list *dl, const struct mdl_project *p,
			   const struct mdl_phase *ph, const struct mdl_placement *pl,
			   struct symtab *seen)
{
	size_t nvol = 0;
	for (size_t i = 0; i < pl->nservices; i++)
		nvol += pl->services[i]->nvolumes;
	if (nvol < 2)
		return; /* most servers: nothing to compare, no table to clear */
	symtab_clear(seen);
	for (size_t i = 0; i < pl->nservices; i++) {
		const struct mdl_service *s = pl->services[i];
		for (size_t j = 0; j < s->nvolumes; j++) {
			const struct mdl_volume *v = &s->volumes[j];
			const struct mdl_service *other = symtab_put(seen, v->name, (void *)s);
			if (!other)
				continue;
			struct diag *d = diag_add(dl, DIAG_E1003, p->src, v->loc,
						  "volume %s of %s is a second volume of that name on "
						  "server %s in phase %s (the other is %s's)", v->name,
						  s->name, pl->server->name, ph->name, other->name);
			diag_note(d, dl, "compose has one namespace of volumes per server");
			diag_help(d, dl, "give each volume its own name");
		}
	}
}

void naming_check(struct diag_list *dl, const struct mdl_project *p)
{
	naming_shape(dl, p, p->loc, "project", p->name, true, NAMING_MAX);
	struct symtab seen;
	symtab_init(&seen, dl->arena);
	for (size_t i = 0; i < p->nservers; i++) {
		const struct mdl_server *s = &p->servers[i];
		naming_label(dl, p, s->loc, "server", s->name);
		naming_unique(dl, p, &seen, "server", s->name, &s->loc, true);
	}
	symtab_clear(&seen);
	for (size_t i = 0; i < p->nkeys; i++) {
		const struct mdl_ssh_key *k = &p->keys[i];
		naming_label(dl, p, k->loc, "ssh_key", k->name);
		naming_unique(dl, p, &seen, "ssh_key", k->name, &k->loc, false);
	}
	for (size_t i = 0; i < p->nservices; i++) {
		const struct mdl_service *s = &p->services[i];
		naming_shape(dl, p, s->loc, s->proxy ? "proxy" : "service", s->name, false,
			     NAMING_SERVICE_MAX);
	}
	/* a table of its own: cleared for every server, it stays as small as
	 * the most volumes one server has */
	struct symtab volumes;
	symtab_init(&volumes, dl->arena);
	for (size_t i = 0; i < p->nphases; i++)
		for (size_t k = 0; k < p->phases[i].nplacements; k++)
			naming_volumes(dl, p, &p->phases[i], &p->phases[i].placements[k], &volumes);
}
