/*
 * tool_cloud: drives the API client (runtime/cloud/hcloud.c) and the
 * project's apply lock (runtime/cloud/teamlock.c) from the cloud suite,
 * against HCLOUD_ENDPOINT with HCLOUD_TOKEN.  Prints what it got on
 * stdout, an error as "error: MESSAGE" on stderr with exit status 1.
 *
 *   tool_cloud server ID                  "protect delete=B rebuild=B"
 *   tool_cloud protect ID DELETE REBUILD  (0 or 1 each) waits for the action
 *   tool_cloud snapshot ID DESC [K=V...]  "image N" once it is available
 *   tool_cloud snapshots [SELECTOR]       "ID STATUS SIZE_MB DISK_GB SERVER DESC" each
 *   tool_cloud group-create NAME [K=V...] "group ID NAME"
 *   tool_cloud group-find NAME            "group ID NAME TYPE SERVERS K=V..." or "none"
 *   tool_cloud group-get ID               likewise
 *   tool_cloud lock PROJECT SECONDS       takes the apply lock, prints "locked ID",
 *                                         holds it SECONDS, releases it
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hcloud.h"
#include "teamlock.h"

static struct hc_labels tool_labels(struct arena *a, int n, char **kv)
{
	struct hc_labels l = { arena_calloc(a, (size_t)n + 1, sizeof(char *)),
			       arena_calloc(a, (size_t)n + 1, sizeof(char *)), 0 };
	for (int i = 0; i < n; i++) {
		char *eq = strchr(kv[i], '=');
		if (!eq)
			continue;
		l.keys[l.n] = arena_strndup(a, kv[i], (size_t)(eq - kv[i]));
		l.vals[l.n++] = eq + 1;
	}
	return l;
}

static void tool_group(const struct hc_placement_group *g)
{
	printf("group %lld %s %s %zu", (long long)g->id, g->name, g->type ? g->type : "-",
	       g->nservers);
	for (size_t i = 0; i < g->labels.n; i++)
		printf(" %s=%s", g->labels.keys[i], g->labels.vals[i]);
	putchar('\n');
}

static int tool_lock(struct http_client *c, const char *project, int seconds, struct error *e)
{
	struct teamlock l = TEAMLOCK_INIT;
	struct strbuf notice = STRBUF_INIT;
	bool ok = teamlock_acquire(&l, c, project, "infrac unlock test.infra", &notice, e);
	if (notice.len)
		fprintf(stderr, "notice: %s\n", notice.buf);
	strbuf_release(&notice);
	if (!ok)
		return 1;
	printf("locked %lld\n", (long long)l.id);
	fflush(stdout);
	sleep((unsigned)seconds);
	return teamlock_release(&l, c, e) ? 0 : 1;
}

static int tool_snapshots(struct http_client *c, struct arena *a, const char *sel,
			  struct error *e)
{
	struct hc_snapshot *s;
	size_t n;
	if (!hcloud_list_snapshots(c, a, sel, &s, &n, e))
		return 1;
	for (size_t i = 0; i < n; i++)
		printf("%lld %s %lld %lld %lld %s\n", (long long)s[i].id, s[i].status,
		       (long long)s[i].image_size_mb, (long long)s[i].disk_size_gb,
		       (long long)s[i].server, s[i].description ? s[i].description : "-");
	return 0;
}

static int tool_run(struct http_client *c, struct arena *a, int argc, char **argv,
		    struct error *e)
{
	const char *cmd = argv[1];
	long long id = argc > 2 ? atoll(argv[2]) : 0;
	long poll = 20, timeout = 30;
	if (!strcmp(cmd, "server") && argc == 3) {
		struct hc_server s;
		if (!hcloud_get_server(c, a, id, &s, e))
			return 1;
		printf("protect delete=%d rebuild=%d\n", s.protect_delete, s.protect_rebuild);
	} else if (!strcmp(cmd, "protect") && argc == 5) {
		if (!hcloud_server_protect(c, id, atoi(argv[3]), atoi(argv[4]), poll, timeout, e))
			return 1;
		puts("protected");
	} else if (!strcmp(cmd, "snapshot") && argc >= 4) {
		struct hc_labels l = tool_labels(a, argc - 4, argv + 4);
		int64_t image;
		bool ok = hcloud_create_snapshot(c, id, argv[3], &l, poll, timeout, &image, e);
		printf("image %lld\n", (long long)image);
		return ok ? 0 : 1;
	} else if (!strcmp(cmd, "snapshots") && argc <= 3) {
		return tool_snapshots(c, a, argc == 3 ? argv[2] : NULL, e);
	} else if (!strcmp(cmd, "group-create") && argc >= 3) {
		struct hc_labels l = tool_labels(a, argc - 3, argv + 3);
		struct hc_placement_group g;
		struct hc_actions acts;
		if (!hcloud_create_placement_group(c, a, argv[2], &l, &g, &acts, e))
			return 1;
		tool_group(&g);
	} else if (!strcmp(cmd, "group-find") && argc == 3) {
		struct hc_placement_group g;
		bool found;
		if (!hcloud_find_placement_group(c, a, argv[2], &g, &found, e))
			return 1;
		if (found)
			tool_group(&g);
		else
			puts("none");
	} else if (!strcmp(cmd, "group-get") && argc == 3) {
		struct hc_placement_group g;
		if (!hcloud_get_placement_group(c, a, id, &g, e))
			return 1;
		tool_group(&g);
	} else if (!strcmp(cmd, "lock") && argc == 4) {
		return tool_lock(c, argv[2], atoi(argv[3]), e);
	} else {
		fprintf(stderr, "usage: see tests/cloud/tool_cloud.c\n");
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	struct http_client c;
	struct error e = ERROR_INIT;
	struct arena a;
	arena_init(&a);
	int rc = 1;
	if (http_client_init(&c, getenv("HCLOUD_ENDPOINT"), getenv("HCLOUD_TOKEN"), &e)) {
		rc = tool_run(&c, &a, argc, argv, &e);
		http_client_release(&c);
	}
	if (error_failed(&e)) {
		struct strbuf m = STRBUF_INIT;
		error_format(&e, &m);
		fprintf(stderr, "error: %s\n", m.buf);
		strbuf_release(&m);
	}
	error_release(&e);
	arena_release(&a);
	return rc;
}
