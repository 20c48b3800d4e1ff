#include "emit_certs.h"

#include <string.h>

#include "strbuf.h"

/*
 * certonly --keep-until-expiring obtains a missing certificate and renews
 * one that is due, and does nothing else, so running it every hour costs
 * nothing until a domain points here.  certbot writes live/DOMAIN only;
 * the proxy serves its own stand-in until that exists and reloads nginx
 * within a minute of a new certificate (see compose_proxy_script).
 */
const char *emit_certs_sh(struct arena *a, const struct emit_target *t)
{
	struct strbuf b = STRBUF_INIT;
	strbuf_addf(&b, "#!/bin/sh\n# %s.\n", emit_banner(a, t));
	strbuf_addstr(&b, "# Gets and renews the proxy's certificates with the system's certbot;\n"
			  "# run every hour by infrac's systemd timer.\n"
			  "set -u\n"
			  "cd -P \"$(dirname \"$0\")/../..\" || exit 1\n"
			  "LE=$PWD/letsencrypt\n"
			  "WEB=$PWD/acme\n"
			  "mkdir -p \"$WEB\" \"$LE\" || exit 1\n"
			  "EMAIL=");
	strbuf_add_shell_quoted(&b, t->proxy->email);
	strbuf_addstr(&b, "\nstatus=0\nfor d in");
	const struct mdl_service **doms = arena_calloc(a, t->pl->nservices + 1, sizeof(*doms));
	size_t n = emit_domains(t, doms);
	for (size_t i = 0; i < n; i++) {
		strbuf_addch(&b, ' ');
		strbuf_add_shell_quoted(&b, doms[i]->domain);
	}
	strbuf_addstr(&b, "; do\n"
			  "  certbot certonly --non-interactive --quiet --agree-tos --no-eff-email \\\n"
			  "    --email \"$EMAIL\" \\\n"
			  "    --config-dir \"$LE\" --work-dir \"$LE/.work\" --logs-dir \"$LE/.logs\" \\\n"
			  "    --webroot -w \"$WEB\" --cert-name \"$d\" -d \"$d\" --keep-until-expiring \\\n"
			  "    || status=1\n"
			  "done\n"
			  "exit \"$status\"\n");
	return arena_take(a, &b);
}
