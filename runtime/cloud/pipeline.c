#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hcloud.h"
#include "registry.h"
#include "strv.h"
#include "teardown.h"
#include "units.h"

bool pipeline_compile(struct pipeline *pl, const char *path)
{
	memset(pl, 0, sizeof(*pl));
	bool ok = compile_path(&pl->c, path);
	diag_list_init(&pl->art_diags, &pl->c.arena);
	if (pl->c.src.text)
		digest_sha256_hex(pl->c.src.text, pl->c.src.len, pl->src_sha);
	return ok;
}

/* "2026-08-15" or "2026-08" -> month index; -1 when malformed. */
static int pipeline_month(const char *s)
{
	int y, m, d, n = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && !s[n] && d >= 1 && d <= 31)
		;
	else if (n = 0, sscanf(s, "%4d-%2d%n", &y, &m, &n) == 2 && !s[n])
		;
	else
		return -1;
	if (y < 1970 || m < 1 || m > 12)
		return -1;
	return units_month_index(y, m);
}

/* " a b c": the phases, for messages */
static void pipeline_phase_list(const struct mdl_project *p, struct strbuf *sb)
{
	for (size_t i = 0; i < p->nphases; i++)
		strbuf_addf(sb, " %s", p->phases[i].name);
}

static bool pipeline_phase_named(struct pipeline *pl, const char *name, struct error *err)
{
	const struct mdl_project *p = pl->c.project;
	pl->phase = model_phase(p, name);
	if (pl->phase)
		return true;
	struct diag_suggest sg;
	diag_suggest_init(&sg, name);
	for (size_t i = 0; i < p->nphases; i++)
		diag_suggest_try(&sg, p->phases[i].name);
	const char *best = diag_suggest_result(&sg);
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "no phase '%s'", name);
	if (best)
		strbuf_addf(&sb, " (did you mean '%s'?)", best);
	strbuf_addstr(&sb, "; phases:");
	pipeline_phase_list(p, &sb);
	error_set(err, "%s", sb.buf);
	strbuf_release(&sb);
	return false;
}

bool pipeline_phase(struct pipeline *pl, const char *name, const char *at, struct error *err)
{
	const struct mdl_project *p = pl->c.project;
	if (name)
		return pipeline_phase_named(pl, name, err);
	const char *today = getenv("INFRAC_TODAY");
	int month;
	if (at) {
		if ((month = pipeline_month(at)) < 0)
			return error_set(err, "--at '%s' is not a date (YYYY-MM-DD)", at);
	} else if (today && *today) {
		if ((month = pipeline_month(today)) < 0)
			return error_set(err, "INFRAC_TODAY '%s' is not a date (YYYY-MM-DD)", today);
	} else {
		time_t t = time(NULL);
		struct tm tm;
		gmtime_r(&t, &tm);
		month = units_month_index(tm.tm_year + 1900, tm.tm_mon + 1);
	}
	pl->phase = model_phase_at(p, month);
	if (pl->phase)
		return true;
	char b[UNITS_BUF];
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "no phase runs in %s; choose one with --phase:", units_fmt_month(b, month));
	pipeline_phase_list(p, &sb);
	error_set(err, "%s", sb.buf);
	strbuf_release(&sb);
	return false;
}

bool pipeline_artefacts(struct pipeline *pl)
{
	return emit_build(&pl->c.arena, &pl->art_diags, pl->c.project, pl->phase, &pl->art);
}

void pipeline_desire(struct pipeline *pl)
{
	desired_build(&pl->c.arena, pl->c.project, pl->phase, &pl->art, &pl->want);
	pl->want.source = pl->src_sha;
}

bool pipeline_connect(struct pipeline *pl, const char *token, const char *endpoint,
		      FILE *trace, struct error *err)
{
	if (!http_client_init(&pl->hc, endpoint && *endpoint ? endpoint : HCLOUD_ENDPOINT_DEFAULT,
			      token, err))
		return false;
	pl->online = true;
	pl->hc.trace = trace;
	return true;
}

bool pipeline_observe(struct pipeline *pl, struct error *err)
{
	struct arena *a = &pl->c.arena;
	const struct desired *w = &pl->want;
	if (!pl->online) {
		state_offline(&pl->state);
	} else {
		/* the distinct OS images and the names the phase's servers use */
		const char **images = arena_calloc(a, w->nservers + 1, sizeof(*images));
		const char **names = arena_calloc(a, w->nservers + 1, sizeof(*names));
		size_t nimages = 0;
		for (size_t i = 0; i < w->nservers; i++) {
			images[i] = w->servers[i].image;
			names[i] = w->servers[i].name;
		}
		nimages = strv_sort_uniq(images, w->nservers);
		if (!state_fetch(&pl->state, a, &pl->hc, pl->c.project->name, images, nimages, names,
				 w->nservers, err) ||
		    (w->allow_data_loss && !state_fetch_snapshot_price(&pl->state, &pl->hc, err)))
			return error_wrap(err, "cannot read the project from the API");
	}
	state_fingerprint(&pl->state, pl->fingerprint);
	return true;
}

/* The distinct images of the phase's services, sorted; *n gets their count. */
static const char **pipeline_image_list(struct pipeline *pl, size_t *n)
{
	const struct desired *w = &pl->want;
	size_t total = 0;
	for (size_t i = 0; i < w->nservers; i++)
		total += w->servers[i].nservices;
	const char **images = arena_calloc(&pl->c.arena, total + 1, sizeof(*images));
	*n = 0;
	for (size_t i = 0; i < w->nservers; i++)
		for (size_t k = 0; k < w->servers[i].nservices; k++)
			images[(*n)++] = w->servers[i].services[k].image;
	*n = strv_sort_uniq(images, *n);
	return images;
}

/* "image digests not checked for A, B: WHY; C: WHY2": the images that
 * failed alike named together, in the order of images. */
static const char *pipeline_images_warning(struct arena *a, const char **images,
					   const char **why, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (!why[i])
			continue;
		bool first = true;
		strbuf_addstr(&sb, sb.len ? "; " : "image digests not checked for ");
		for (size_t j = i; j < n; j++) {
			if (!why[j] || (j > i && strcmp(why[j], why[i])))
				continue;
			strbuf_addf(&sb, "%s%s", first ? "" : ", ", images[j]);
			first = false;
			if (j > i)
				why[j] = NULL;
		}
		strbuf_addf(&sb, ": %s", why[i]);
	}
	return sb.len ? arena_take(a, &sb) : NULL;
}

void pipeline_images(struct pipeline *pl)
{
	const char *off = getenv("INFRAC_REGISTRY");
	if (!pl->online || (off && !strcmp(off, "off")))
		return;
	struct arena *a = &pl->c.arena;
	size_t n;
	const char **images = pipeline_image_list(pl, &n);
	const char **digests = arena_calloc(a, n + 1, sizeof(*digests));
	const char **why = arena_calloc(a, n + 1, sizeof(*why));
	struct registry r;
	registry_init(&r, a, getenv("INFRAC_REGISTRY_MIRROR"), pl->hc.trace, 30000);
	for (size_t i = 0; i < n; i++) {
		struct error err = ERROR_INIT;
		digests[i] = registry_digest(&r, images[i], &err);
		if (!digests[i]) {
			struct strbuf m = STRBUF_INIT, line = STRBUF_INIT;
			error_format(&err, &m);
			/* one line of the plan, whatever a registry or curl said */
			strbuf_add_escaped(&line, m.buf, m.len);
			why[i] = arena_take(a, &line);
			strbuf_release(&m);
		}
		error_release(&err);
	}
	registry_release(&r);
	if (pl->hc.trace)
		fprintf(pl->hc.trace, "debug: %ld registry requests for %zu images\n", r.requests, n);
	struct desired *w = &pl->want;
	for (size_t i = 0; i < w->nservers; i++)
		for (size_t k = 0; k < w->servers[i].nservices; k++) {
			struct desired_service *d = &w->servers[i].services[k];
			const char **hit = bsearch(&d->image, images, n, sizeof(*images), strv_cmp);
			d->digest = hit ? digests[hit - images] : NULL;
		}
	pl->images_warning = pipeline_images_warning(a, images, why, n);
}

void pipeline_plan(struct pipeline *pl)
{
	struct plan *p = &pl->plan;
	plan_diff(&pl->c.arena, &pl->want, &pl->state, p);
	if (!pl->images_warning)
		return;
	const char **w = arena_calloc(&pl->c.arena, p->nwarnings + 1, sizeof(*w));
	if (p->nwarnings)
		memcpy(w, p->warnings, p->nwarnings * sizeof(*w));
	w[p->nwarnings++] = pl->images_warning;
	qsort(w, p->nwarnings, sizeof(*w), strv_cmp);
	p->warnings = w;
}

void pipeline_teardown(struct pipeline *pl, bool only_phase)
{
	struct arena *a = &pl->c.arena;
	const struct mdl_project *m = pl->c.project;
	struct desired *others = NULL;
	size_t n = 0;
	if (only_phase) {
		/* their names only matter: the artefact hashes need no build */
		others = arena_calloc(a, m->nphases + 1, sizeof(*others));
		for (size_t i = 0; i < m->nphases; i++)
			if (&m->phases[i] != pl->phase)
				desired_build(a, m, &m->phases[i], &pl->art, &others[n++]);
	}
	teardown_plan(a, &pl->want, others, n, &pl->state, &pl->plan);
}

void pipeline_release(struct pipeline *pl)
{
	if (pl->online)
		http_client_release(&pl->hc);
	diag_list_release(&pl->art_diags);
	compile_release(&pl->c);
	memset(pl, 0, sizeof(*pl));
}
