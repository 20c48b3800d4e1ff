#include "container.h"

/* Sets $c to the newest container of service (running ones only when
 * running), or says there is none and exits. */
static void container_find(struct strbuf *out, const char *project, const char *service,
			   bool running)
{
	strbuf_addstr(out, "P=");
	strbuf_add_shell_quoted(out, project);
	strbuf_addstr(out, "; S=");
	strbuf_add_shell_quoted(out, service);
	strbuf_addf(out,
		    "\nc=$(docker ps -q%s --filter \"label=com.docker.compose.project=$P\""
		    " --filter \"label=com.docker.compose.service=$S\""
		    " --filter label=com.docker.compose.oneoff=False | head -n 1)\n"
		    "[ -n \"$c\" ] || { echo \"no %scontainer of service $S on this server\" >&2;"
		    " exit %d; }\n",
		    running ? "" : "a", running ? "running " : "", CONTAINER_NONE);
}

void container_logs_command(struct strbuf *out, const char *project, const char *service,
			    const struct container_logs *o)
{
	container_find(out, project, service, false);
	strbuf_addstr(out, "exec docker logs");
	if (o->follow)
		strbuf_addstr(out, " --follow");
	if (o->since) {
		strbuf_addstr(out, " --since ");
		strbuf_add_shell_quoted(out, o->since);
	}
	if (o->tail) {
		strbuf_addstr(out, " --tail ");
		strbuf_add_shell_quoted(out, o->tail);
	}
	strbuf_addstr(out, " \"$c\" 2>&1\n");
}

void container_exec_command(struct strbuf *out, const char *project, const char *service,
			    bool tty, const char *const *argv, size_t argc)
{
	container_find(out, project, service, true);
	strbuf_addstr(out, tty ? "exec docker exec -it \"$c\"" : "exec docker exec -i \"$c\"");
	for (size_t i = 0; i < argc; i++) {
		strbuf_addch(out, ' ');
		strbuf_add_shell_quoted(out, argv[i]);
	}
	if (!argc)
		strbuf_addstr(out, " sh");
	strbuf_addch(out, '\n');
}
