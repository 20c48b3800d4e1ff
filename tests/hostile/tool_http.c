/*
 * tool_http: sends requests through runtime/cloud/http, all on one
 * client as plan and apply do, for tests/hostile/run.sh.
 *
 *   tool_http METHOD PATH [BODY] [METHOD PATH [BODY]]...
 *       BODY follows POST and PUT.  HCLOUD_ENDPOINT and HCLOUD_TOKEN are
 *       read as infrac reads them.  Prints "METHOD PATH STATUS" for each
 *       request, or "METHOD PATH no answer: WHY"; exits 1 when one got no
 *       answer, 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static int tool_http_send(struct http_client *c, const char *method, const char *path,
			  const char *body)
{
	struct http_response r;
	struct error err = ERROR_INIT;
	bool got = http_request(c, method, path, body, &r, &err);
	if (got) {
		printf("%s %s %ld\n", method, path, r.status);
	} else {
		struct strbuf why = STRBUF_INIT;
		error_format(&err, &why);
		printf("%s %s no answer: %s\n", method, path, why.buf);
		strbuf_release(&why);
	}
	fflush(stdout);
	http_response_release(&r);
	error_release(&err);
	return got ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *base = getenv("HCLOUD_ENDPOINT");
	struct http_client c;
	struct error err = ERROR_INIT;
	if (argc < 3 || !base) {
		fprintf(stderr, "usage: HCLOUD_ENDPOINT=URL tool_http METHOD PATH [BODY]...\n");
		return 2;
	}
	if (!http_client_init(&c, base, getenv("HCLOUD_TOKEN"), &err)) {
		fprintf(stderr, "tool_http: %s\n", err.msg);
		error_release(&err);
		return 2;
	}
	int rc = 0;
	for (int i = 1; i < argc;) {
		const char *method = argv[i], *path = i + 1 < argc ? argv[i + 1] : NULL;
		bool with_body = !strcmp(method, "POST") || !strcmp(method, "PUT");
		if (!path || (with_body && i + 2 >= argc)) {
			rc = 2;
			break;
		}
		if (tool_http_send(&c, method, path, with_body ? argv[i + 2] : NULL))
			rc = 1;
		i += with_body ? 3 : 2;
	}
	http_client_release(&c);
	return rc;
}
