/*
 * tool_move: drives runtime/remote/move from the move suite, the way
 * apply does before a server's deploy.
 *
 *   tool_move --src HOST --dst HOST --port N --user U --identity F
 *             --known-hosts F --project P --service S --from NAME
 *             [--volume V]... [--overwrite] [--idle SECONDS]
 *
 * Prints "moved N bytes" and exits 0, or prints the error and exits 1
 * (2: bad arguments).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "move.h"

#define TOOL_MOVE_MAXV 8

int main(int argc, char **argv)
{
	struct ssh_target src = { 0 }, dst = { 0 };
	struct move_request rq = { 0 };
	const char *vols[TOOL_MOVE_MAXV];
	const struct { const char *opt; const char **to; } strs[] = {
		{ "--src", &src.host }, { "--dst", &dst.host }, { "--user", &src.user },
		{ "--identity", &src.identity }, { "--known-hosts", &src.known_hosts },
		{ "--project", &rq.project }, { "--service", &rq.service }, { "--from", &rq.from },
	};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc, taken = false;
		for (size_t k = 0; more && !taken && k < sizeof strs / sizeof *strs; k++)
			if ((taken = !strcmp(a, strs[k].opt)))
				*strs[k].to = argv[++i];
		if (taken)
			continue;
		if (!strcmp(a, "--port") && more)
			src.port = atoi(argv[++i]);
		else if (!strcmp(a, "--idle") && more)
			rq.idle_seconds = atoi(argv[++i]);
		else if (!strcmp(a, "--volume") && more && rq.nvolumes < TOOL_MOVE_MAXV)
			vols[rq.nvolumes++] = argv[++i];
		else if (!strcmp(a, "--overwrite"))
			rq.overwrite = true;
		else {
			fprintf(stderr, "tool_move: bad argument %s\n", a);
			return 2;
		}
	}
	if (!src.host || !dst.host || !rq.project || !rq.service || !rq.from)
		return 2;
	dst.port = src.port;
	dst.user = src.user;
	dst.identity = src.identity;
	dst.known_hosts = src.known_hosts;
	rq.volumes = vols;
	int64_t bytes = 0;
	struct error err = ERROR_INIT;
	bool ok = move_volumes(&src, &dst, &rq, &bytes, &err);
	if (ok)
		printf("moved %lld bytes\n", (long long)bytes);
	else
		printf("error: %s\n", err.msg);
	error_release(&err);
	return ok ? 0 : 1;
}
