/*
 * script: the POSIX sh program a deploy sends to the server (deploy.h
 * describes its steps).
 *
 * Everything the request names reaches the script as quoted data, never
 * as code: file names, domains, service names, key lines.  The files and
 * the .env travel base64-encoded in heredocs whose end word base64 cannot
 * produce.  The program is one brace group ending in `</dev/null`: the
 * remote sh parses all of it before running anything, so no command can
 * read the rest of the script from stdin, and an upload cut short never
 * runs half a deploy.
 */
#ifndef INFRAC_SCRIPT_H
#define INFRAC_SCRIPT_H

#include "deploy.h"

/* Where the script works on the server; NULL members take the defaults
 * (deploy.h). */
struct script_paths {
	const char *root;            /* LAYOUT_ROOT */
	const char *units;           /* /etc/systemd/system */
	const char *authorized_keys; /* ~/.ssh/authorized_keys of the ssh user */
};

/*
 * The script for rq, its progress lines tagged with nonce: malloc'd, the
 * caller frees it (it holds the secrets: wipe it first).  NULL with err
 * set when the request is invalid; err never quotes a secret value.
 */
char *script_build(const struct deploy_request *rq, const struct script_paths *paths,
		   const char *nonce, struct error *err);

#endif
