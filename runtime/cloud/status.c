#include "status.h"

#include <stdarg.h>
#include <string.h>

#include "session.h"
#include "state.h"

/* One drift line, in the report's array of room *cap. */
static void status_drift(struct arena *a, struct status_report *r, size_t *cap,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void status_drift(struct arena *a, struct status_report *r, size_t *cap,
			 const char *fmt, ...)
{
	if (r->ndrift == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		const char **d = arena_calloc(a, *cap, sizeof(*d));
		if (r->ndrift)
			memcpy(d, r->drift, r->ndrift * sizeof(*d));
		r->drift = d;
	}
	va_list ap;
	va_start(ap, fmt);
	r->drift[r->ndrift++] = arena_vprintf(a, fmt, ap);
	va_end(ap);
}

/* The newest container of service on s, or NULL. */
static const struct probe_container *status_container(const struct probe *p, const char *service)
{
	const struct probe_container *best = NULL;
	for (size_t i = 0; i < p->ncontainers; i++)
		if (!strcmp(p->containers[i].service, service) &&
		    (!best || p->containers[i].started > best->started))
			best = &p->containers[i];
	return best;
}

static bool status_wanted(const struct desired_server *w, const char *service)
{
	for (size_t k = 0; k < w->nservices; k++)
		if (!strcmp(w->services[k].name, service))
			return true;
	return false;
}

/* The server's own drift: there, running, its type, what it last got. */
static void status_server_drift(struct arena *a, struct status_report *r, size_t *cap,
				const struct status_server *s)
{
	const struct desired_server *w = s->fs.want;
	const struct hc_server *h = s->fs.have;
	if (!h) {
		status_drift(a, r, cap, "server %s: not at Hetzner (apply creates %s)", w->server,
			     w->name);
		return;
	}
	if (strcmp(h->status, "running"))
		status_drift(a, r, cap, "server %s: %s at Hetzner, not running", w->server,
			     h->status);
	if (strcmp(h->type, w->type))
		status_drift(a, r, cap, "server %s: type %s at Hetzner, the file says %s",
			     w->server, h->type, w->type);
	const char *got = hcloud_label(&h->labels, STATE_LABEL_ARTEFACTS);
	if (!got)
		status_drift(a, r, cap, "server %s: never deployed", w->server);
	else if (strcmp(got, w->artefacts))
		status_drift(a, r, cap, "server %s: runs release %s, the file builds %s "
			     "(apply deploys it)", w->server, got, w->artefacts);
}

/* Each service of the file against the containers, then the strays. */
static void status_service_drift(struct arena *a, struct status_report *r, size_t *cap,
				 const struct status_server *s)
{
	const struct desired_server *w = s->fs.want;
	for (size_t k = 0; k < w->nservices; k++) {
		const struct desired_service *d = &w->services[k];
		const struct probe_container *c = status_container(&s->probe, d->name);
		if (!c)
			status_drift(a, r, cap, "server %s: service %s has no container", w->server,
				     d->name);
		else if (strcmp(c->state, "running"))
			status_drift(a, r, cap, "server %s: service %s is %s, not running",
				     w->server, d->name, c->state);
		else if (!strcmp(c->health, "unhealthy"))
			status_drift(a, r, cap, "server %s: service %s is unhealthy", w->server,
				     d->name);
		if (c && d->image && strcmp(c->image, d->image))
			status_drift(a, r, cap, "server %s: service %s runs image %s, the file "
				     "says %s", w->server, d->name, c->image, d->image);
	}
	for (size_t i = 0; i < s->probe.ncontainers; i++) {
		const struct probe_container *c = &s->probe.containers[i];
		if (!status_wanted(w, c->service))
			status_drift(a, r, cap, "server %s: container %s of service %s, which the "
				     "file does not run there", w->server, c->name, c->service);
	}
}

/* The sessions: one job a server that has an address, most at once. */
static void status_ask(struct pipeline *pl, const struct sshenv *se, size_t most, int seconds,
		       struct status_report *r)
{
	struct arena *a = &pl->c.arena;
	struct session_job *jobs = arena_calloc(a, r->nservers ? r->nservers : 1, sizeof(*jobs));
	size_t *of = arena_calloc(a, r->nservers ? r->nservers : 1, sizeof(*of)), n = 0;
	struct strbuf cmd = STRBUF_INIT;
	probe_command(&cmd, pl->want.project);
	for (size_t i = 0; i < r->nservers; i++) {
		struct error e = ERROR_INIT;
		const char *ip = fleet_address(&r->servers[i].fs, &e);
		error_release(&e);
		if (!ip)
			continue;
		jobs[n] = (struct session_job){ .target = sshenv_target(se, ip), .command = cmd.buf };
		of[n++] = i;
	}
	session_fanout(jobs, n, most, seconds, NULL, NULL);
	for (size_t j = 0; j < n; j++) {
		struct status_server *s = &r->servers[of[j]];
		struct strbuf why = STRBUF_INIT;
		if (error_failed(&jobs[j].err))
			error_format(&jobs[j].err, &why);
		else if (jobs[j].status != 0) {
			size_t len = jobs[j].out.len;
			while (len && jobs[j].out.buf[len - 1] == '\n')
				len--;
			strbuf_addf(&why, "ssh exited %d: ", jobs[j].status);
			strbuf_add_escaped(&why, jobs[j].out.buf, len);
		}
		if (why.len || jobs[j].status != 0) {
			s->unreachable = why.len ? arena_take(a, &why) : "ssh failed";
		} else {
			s->reached = true;
			probe_parse(&s->probe, jobs[j].out.buf, a);
		}
		strbuf_release(&why);
		session_job_release(&jobs[j]);
	}
	strbuf_release(&cmd);
}

bool status_gather(struct pipeline *pl, const struct sshenv *se, size_t most, int seconds,
		   struct status_report *r, struct error *err)
{
	struct arena *a = &pl->c.arena;
	memset(r, 0, sizeof(*r));
	if (!sshenv_usable(se, err))
		return false;
	r->servers = arena_calloc(a, pl->want.nservers ? pl->want.nservers : 1,
				  sizeof(*r->servers));
	struct fleet_server *fs = arena_calloc(a, pl->want.nservers ? pl->want.nservers : 1,
					       sizeof(*fs));
	r->nservers = fleet_all(pl, fs);
	for (size_t i = 0; i < r->nservers; i++)
		r->servers[i].fs = fs[i];
	status_ask(pl, se, most, seconds, r);
	size_t cap = 0;
	for (size_t i = 0; i < r->nservers; i++) {
		status_server_drift(a, r, &cap, &r->servers[i]);
		if (r->servers[i].reached)
			status_service_drift(a, r, &cap, &r->servers[i]);
	}
	return true;
}
