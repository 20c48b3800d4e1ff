/*
 * release: the listing of a server's releases.  See release.h.
 */
#include "release.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "layout.h"
#include "progress.h"
#include "strbuf.h"
#include "xalloc.h"

#define RELEASE_TIMEOUT 60
#define RELEASE_TAG "@@infrac "

/* Every line it prints that matters is tagged, so that a banner or a
 * warning of the login cannot pass for one; `end` says it is whole. */
static const char release_script[] =
	"cd \"$R\" 2>/dev/null || { echo '" RELEASE_TAG "end'; exit 0; }\n"
	"c=$(readlink ../current 2>/dev/null) && echo \"" RELEASE_TAG "current ${c#releases/}\"\n"
	"for r in $(ls -1); do\n"
	"  [ -d \"$r\" ] || continue\n"
	"  echo \"" RELEASE_TAG "release $r $(stat -c %Y \"$r\")\"\n"
	"  [ ! -f \"$r/" LAYOUT_RELEASE_META "\" ] || sed 's/^/" RELEASE_TAG "meta /' \"$r/"
	LAYOUT_RELEASE_META "\"\n"
	"done\n"
	"echo '" RELEASE_TAG "end'\n";

static void release_set(char **field, const char *v, size_t n)
{
	free(*field);
	*field = xstrndup(v, n);
}

/* "KEY=VALUE" of a .release into r; unknown keys are left alone. */
static void release_meta(struct release *r, const char *s, size_t n)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "time", offsetof(struct release, time) },
		{ "source", offsetof(struct release, source) },
		{ "phase", offsetof(struct release, phase) },
		{ "previous", offsetof(struct release, previous) },
		{ "changed", offsetof(struct release, changed) },
		{ "failed", offsetof(struct release, failed) },
	};
	const char *eq = memchr(s, '=', n);
	if (!eq)
		return;
	size_t kn = (size_t)(eq - s);
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		if (strlen(keys[i].key) == kn && !strncmp(keys[i].key, s, kn)) {
			release_set((char **)((char *)r + keys[i].off), eq + 1, n - kn - 1);
			r->recorded = true;
		}
}

/* "ID MTIME": a new release, its time the folder's until .release says. */
static void release_add(struct release_list *l, const char *s, size_t n)
{
	const char *sp = memchr(s, ' ', n);
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	struct release *r = &l->v[l->n++];
	*r = (struct release){ 0 };
	r->id = xstrndup(s, sp ? (size_t)(sp - s) : n);
	time_t t = sp ? (time_t)strtoll(sp + 1, NULL, 10) : 0;
	struct tm tm;
	char buf[32] = "";
	if (gmtime_r(&t, &tm))
		strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	r->time = xstrdup(buf);
}

/* Newest first; within one second the release deployed over the other
 * (its previous) is the newer. */
static int release_cmp(const void *pa, const void *pb)
{
	const struct release *a = pa, *b = pb;
	int c = strcmp(b->time, a->time);
	if (c)
		return c;
	if (a->previous && !strcmp(a->previous, b->id))
		return -1;
	if (b->previous && !strcmp(b->previous, a->id))
		return 1;
	return strcmp(a->id, b->id);
}

bool release_parse(const char *out, struct release_list *l)
{
	*l = (struct release_list){ 0 };
	bool whole = false;
	const size_t tn = strlen(RELEASE_TAG);
	for (const char *p = out; p && *p;) {
		const char *nl = strchr(p, '\n'), *s = p;
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		p = nl ? nl + 1 : NULL;
		if (n < tn || strncmp(s, RELEASE_TAG, tn))
			continue;
		s += tn;
		size_t sn = n - tn;
		if (sn == 3 && !strncmp(s, "end", 3))
			whole = true;
		else if (sn > 8 && !strncmp(s, "current ", 8))
			release_set(&l->current, s + 8, sn - 8);
		else if (sn > 8 && !strncmp(s, "release ", 8))
			release_add(l, s + 8, sn - 8);
		else if (sn > 5 && !strncmp(s, "meta ", 5) && l->n)
			release_meta(&l->v[l->n - 1], s + 5, sn - 5);
	}
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), release_cmp);
	for (size_t i = 0; i < l->n; i++)
		l->v[i].current = l->current && !strcmp(l->v[i].id, l->current);
	return whole;
}

bool release_list(const struct ssh_target *t, const char *project, int seconds,
		  struct release_list *l, struct error *err)
{
	*l = (struct release_list){ 0 };
	if (!ssh_target_check(t, err))
		return false;
	const char *root = getenv("INFRAC_REMOTE_ROOT");
	struct strbuf script = STRBUF_INIT, path = STRBUF_INIT, out = STRBUF_INIT;
	strbuf_addf(&path, "%s/%s/releases", root && *root ? root : LAYOUT_ROOT, project);
	strbuf_addstr(&script, "set -f\nR=");
	strbuf_add_shell_quoted(&script, path.buf);
	strbuf_addf(&script, "\n%s", release_script);
	bool timed_out = false;
	int rc = ssh_run(t, "sh -s", script.buf, seconds ? seconds : RELEASE_TIMEOUT, NULL, NULL,
			 &out, &timed_out, err);
	bool ok = rc == 0 && release_parse(out.buf, l);
	if (!ok && !error_failed(err)) {
		struct strbuf m = STRBUF_INIT;
		strbuf_addf(&m, "cannot list the releases on %s over ssh (exit status %d)", t->host,
			    rc);
		if (out.len) {
			strbuf_addstr(&m, "; its output (last lines):\n");
			progress_tail(&m, out.buf, out.len);
			strbuf_setlen(&m, m.len - 1);
		}
		error_set(err, "%s", m.buf);
		strbuf_release(&m);
	}
	strbuf_release(&script);
	strbuf_release(&path);
	strbuf_release(&out);
	return ok;
}

void release_list_release(struct release_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct release *r = &l->v[i];
		free(r->id);
		free(r->time);
		free(r->source);
		free(r->phase);
		free(r->previous);
		free(r->changed);
		free(r->failed);
	}
	free(l->v);
	free(l->current);
	*l = (struct release_list){ 0 };
}

const struct release *release_find(const struct release_list *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].id, id))
			return &l->v[i];
	return NULL;
}

const struct release *release_previous(const struct release_list *l)
{
	size_t i = 0;
	while (i < l->n && !l->v[i].current)
		i++;
	while (++i < l->n)
		if (!l->v[i].failed)
			return &l->v[i];
	return NULL;
}
