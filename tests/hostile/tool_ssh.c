/*
 * tool_ssh: one ssh_run (runtime/remote/ssh) as apply's deploy makes it,
 * for tests/hostile/run.sh.
 *
 *   tool_ssh HOST PORT KNOWN_HOSTS
 *       runs `true` on HOST as root with no identity, at most 10 s;
 *       prints "status N" (ssh's exit status) or "error: MESSAGE" when
 *       ssh_run failed, and the output ssh gave; exits 0 when ssh ran,
 *       1 when it did not, 2 on a usage error
 */
#include <stdio.h>
#include <stdlib.h>

#include "ssh.h"

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: tool_ssh HOST PORT KNOWN_HOSTS\n");
		return 2;
	}
	struct ssh_target t = {
		.host = argv[1], .port = atoi(argv[2]), .user = "root",
		.identity = "/dev/null", .known_hosts = argv[3],
	};
	struct strbuf out = STRBUF_INIT;
	struct error err = ERROR_INIT;
	bool timed_out;
	int st = ssh_run(&t, "true", "", 10, NULL, NULL, &out, &timed_out, &err);
	if (st < 0)
		printf("error: %s\n", err.msg);
	else
		printf("status %d\n", st);
	printf("%s", out.buf);
	strbuf_release(&out);
	error_release(&err);
	return st < 0 ? 1 : 0;
}
