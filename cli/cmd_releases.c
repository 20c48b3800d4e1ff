#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_fleet.h"
#include "jsondoc.h"
#include "release.h"
#include "usage.h"
#include "xalloc.h"

/* "server main (becker-main, 203.0.113.7)" */
static const char *cmd_releases_name(struct pipeline *pl, const struct fleet_server *fs,
				     const char *host)
{
	return arena_printf(&pl->c.arena, "server %s (%s%s%s)", fs->want->server, fs->want->name,
			    host ? ", " : "", host ? host : "");
}

/* One server's releases into l (empty when not read) and *name its
 * label; false with err set when they cannot be read. */
static bool cmd_releases_read(struct cli_fleet *f, const struct fleet_server *fs,
			      const char **name, struct release_list *l, struct error *err)
{
	memset(l, 0, sizeof(*l));
	const char *host = fleet_address(fs, err);
	*name = cmd_releases_name(&f->pl, fs, host);
	if (!host)
		return false;
	struct ssh_target t = sshenv_target(&f->se, host);
	return release_list(&t, f->pl.want.project, 0, l, err) || error_wrap(err, "%s", *name);
}

static void cmd_releases_text(const char *name, const struct fleet_server *fs,
			      const struct release_list *l)
{
	if (!l->n) {
		printf("%s: no releases\n", name);
		return;
	}
	const struct release *mine = release_find(l, fs->want->artefacts);
	printf("%s: %zu release%s kept, current %s; the file's release %s%s\n", name, l->n,
	       l->n == 1 ? "" : "s", l->current ? l->current : "none", fs->want->artefacts,
	       mine ? (mine->current ? " runs" : " is kept") : " is not deployed");
	for (size_t i = 0; i < l->n; i++) {
		const struct release *x = &l->v[i];
		printf("  %c %-12s  %s  %-10s  %s%s%s%s\n", x->current ? '*' : ' ', x->id, x->time,
		       x->phase ? x->phase : "-", x->failed ? "FAILED at step " : "",
		       x->failed ? x->failed : "", x->failed ? "; " : "",
		       x->changed ? x->changed
				  : x->recorded ? "-" : "(not recorded: the first boot's, "
							"or an earlier version's)");
	}
}

static json_object *cmd_releases_jrelease(const struct release *x)
{
	json_object *j = json_object_new_object();
	json_object_object_add(j, "id", jsondoc_str(x->id));
	json_object_object_add(j, "current", json_object_new_boolean(x->current));
	json_object_object_add(j, "deployed_at", jsondoc_str(x->time));
	json_object_object_add(j, "recorded", json_object_new_boolean(x->recorded));
	json_object_object_add(j, "phase", jsondoc_str(x->phase));
	json_object_object_add(j, "source_sha256", jsondoc_str(x->source));
	json_object_object_add(j, "previous", jsondoc_str(x->previous));
	json_object_object_add(j, "changed", jsondoc_str(x->changed));
	json_object_object_add(j, "failed_step", jsondoc_str(x->failed));
	return j;
}

/* One server of the document; err: why its releases were not read. */
static json_object *cmd_releases_jserver(const struct fleet_server *fs,
					 const struct release_list *l, const struct error *err)
{
	const struct hc_server *h = fs->have;
	json_object *j = json_object_new_object(), *rs = NULL;
	struct strbuf why = STRBUF_INIT;
	if (error_failed(err))
		error_format(err, &why);
	json_object_object_add(j, "server", jsondoc_str(fs->want->server));
	json_object_object_add(j, "name", jsondoc_str(fs->want->name));
	json_object_object_add(j, "ipv4", jsondoc_str(h ? h->ipv4 : NULL));
	json_object_object_add(j, "reached", json_object_new_boolean(!error_failed(err)));
	json_object_object_add(j, "unreachable", jsondoc_str(why.len ? why.buf : NULL));
	json_object_object_add(j, "file_release", jsondoc_str(fs->want->artefacts));
	json_object_object_add(j, "current", jsondoc_str(l->current));
	if (!error_failed(err)) {
		rs = json_object_new_array();
		for (size_t i = 0; i < l->n; i++)
			json_object_array_add(rs, cmd_releases_jrelease(&l->v[i]));
	}
	json_object_object_add(j, "releases", rs);
	strbuf_release(&why);
	return j;
}

/* Every server of fs, as text (an error on stderr for each one not read)
 * or one JSON document; CLI_ERRORS when one was not read. */
static int cmd_releases_print(struct cli_fleet *f, const char *file,
			      const struct fleet_server *fs, size_t n, bool json)
{
	json_object *doc = json ? jsondoc_new(file) : NULL, *servers = json_object_new_array();
	int rc = CLI_OK;
	for (size_t i = 0; i < n; i++) {
		struct error err = ERROR_INIT;
		struct release_list l;
		const char *name;
		bool ok = cmd_releases_read(f, &fs[i], &name, &l, &err);
		if (json)
			json_object_array_add(servers, cmd_releases_jserver(&fs[i], &l, &err));
		else if (ok)
			cmd_releases_text(name, &fs[i], &l);
		else
			cli_error("releases", &err);
		rc = ok ? rc : CLI_ERRORS;
		release_list_release(&l);
		error_release(&err);
	}
	if (!json) {
		json_object_put(servers);
		return rc;
	}
	json_object_object_add(doc, "project", jsondoc_str(f->pl.want.project));
	json_object_object_add(doc, "phase", jsondoc_str(f->pl.phase->name));
	json_object_object_add(doc, "servers", servers);
	jsondoc_print(doc, stdout);
	return rc;
}

int cmd_releases(int argc, char **argv)
{
	bool debug = false, json = false;
	const char *file, *phase = NULL, *at = NULL, *server;
	int rc;
	const struct cli_opt opts[] = {
		{ "--json", false, NULL, &json },  { "--debug", false, NULL, &debug },
		{ "--phase", true, &phase, NULL }, { "--at", true, &at, NULL },
		{ NULL, false, NULL, NULL },
	};
	if (!cli_fleet_arg(argc, argv, opts, usage_text("releases"), "SERVER", &file, &server, &rc))
		return rc;
	struct cli_fleet f;
	rc = CLI_ERRORS;
	if (cli_fleet_open(&f, file, phase, at, debug, json)) {
		struct fleet_server *fs = xcalloc(f.pl.want.nservers + 1, sizeof(*fs));
		size_t n = server ? fleet_server(&f.pl, server, fs, &f.err) : fleet_all(&f.pl, fs);
		if (n)
			rc = cmd_releases_print(&f, file, fs, n, json);
		free(fs);
	}
	return cli_fleet_close(&f, "releases", rc);
}
