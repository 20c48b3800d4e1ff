#include "probe.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "layout.h"

/* The container line: one docker inspect template, tab-separated. */
#define PROBE_FORMAT                                                                   \
	"container\t{{index .Config.Labels \"com.docker.compose.service\"}}\t"          \
	"{{.Name}}\t{{.State.Status}}\t{{if .State.Health}}{{.State.Health.Status}}{{end}}" \
	"\t{{.RestartCount}}\t{{.State.StartedAt}}\t{{.Config.Image}}"

void probe_command(struct strbuf *out, const char *project)
{
	const char *root = getenv("INFRAC_REMOTE_ROOT");
	strbuf_addstr(out, "P=");
	strbuf_add_shell_quoted(out, project);
	strbuf_addstr(out, "; B=");
	strbuf_add_shell_quoted(out, root && *root ? root : LAYOUT_ROOT);
	strbuf_addstr(out,
		"/\"$P\"\n"
		"printf 'now\\t%s\\n' \"$(date +%s)\"\n"
		"if c=$(readlink \"$B/current\" 2>/dev/null); then\n"
		"  printf 'release\\t%s\\t%s\\n' \"${c##*/}\" \"$(stat -c %Y \"$B/current\" 2>/dev/null)\"\n"
		"fi\n"
		"if ! ids=$(docker ps -aq --filter \"label=com.docker.compose.project=$P\""
		" --filter label=com.docker.compose.oneoff=False 2>&1); then\n"
		"  printf 'error\\t%s\\n' \"$(printf '%s' \"$ids\" | head -n 1)\"\n"
		"elif [ -n \"$ids\" ]; then\n"
		"  docker inspect --format '" PROBE_FORMAT "' $ids 2>&1 |"
		" sed '/^container\t/!s/^/error\t/'\n"
		"fi\n");
}

/* Docker's RFC 3339 time (nanoseconds, Z) in seconds; 0 when it is not
 * one or is Go's zero time. */
static int64_t probe_time(const char *s)
{
	struct tm tm = { 0 };
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end || tm.tm_year < 100)
		return 0;
	return (int64_t)timegm(&tm);
}

static int probe_cmp(const void *a, const void *b)
{
	const struct probe_container *x = a, *y = b;
	int c = strcmp(x->service, y->service);
	return c ? c : strcmp(x->name, y->name);
}

/* The fields of one line, split at tabs, in a; their count (at most max). */
static size_t probe_fields(const char *line, size_t len, const char **f, size_t max,
			   struct arena *a)
{
	size_t n = 0, start = 0;
	for (size_t i = 0; i <= len && n < max; i++) {
		if (i < len && line[i] != '\t')
			continue;
		f[n++] = arena_strndup(a, line + start, i - start);
		start = i + 1;
	}
	return n;
}

/* One record into p; containers go to a growing array *cap long. */
static void probe_line(struct probe *p, const char **f, size_t n, size_t *cap, struct arena *a)
{
	if (n >= 2 && !strcmp(f[0], "now")) {
		p->now = strtoll(f[1], NULL, 10);
	} else if (n >= 3 && !strcmp(f[0], "release")) {
		p->release = f[1][0] ? f[1] : NULL;
		p->deployed = strtoll(f[2], NULL, 10);
	} else if (n >= 2 && !strcmp(f[0], "error")) {
		p->error = p->error ? p->error : f[1];
	} else if (n >= 8 && !strcmp(f[0], "container")) {
		if (p->ncontainers == *cap) {
			*cap = *cap ? *cap * 2 : 8;
			struct probe_container *c = arena_calloc(a, *cap, sizeof(*c));
			if (p->ncontainers)
				memcpy(c, p->containers, p->ncontainers * sizeof(*c));
			p->containers = c;
		}
		p->containers[p->ncontainers++] = (struct probe_container){
			f[1], f[2][0] == '/' ? f[2] + 1 : f[2], f[3], f[4],
			strtol(f[5], NULL, 10), probe_time(f[6]), f[7],
		};
	}
}

void probe_parse(struct probe *p, const char *text, struct arena *a)
{
	memset(p, 0, sizeof(*p));
	size_t cap = 0;
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		const char *f[8];
		size_t n = probe_fields(text, len, f, 8, a);
		probe_line(p, f, n, &cap, a);
		text += len + (nl != NULL);
	}
	if (p->ncontainers)
		qsort(p->containers, p->ncontainers, sizeof(*p->containers), probe_cmp);
}
