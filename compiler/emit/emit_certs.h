/*
 * emit_certs: certs.sh, how a server with a `tls = letsencrypt` proxy
 * gets and renews its certificates: the operating system's certbot (the
 * Debian or Ubuntu package cloud-init installs), run every hour by a
 * systemd timer, answering Let's Encrypt's HTTP-01 challenge through the
 * proxy's webroot.  It runs on the host, not in a container, so its
 * memory is part of the server's `reserve` and every container build
 * writes is one `infrac check` counts.
 *
 * On the server the script lives in the release (ROOT/PROJECT/releases/
 * ID/certs.sh) and keeps its state beside the releases, in
 * ROOT/PROJECT/letsencrypt (certificates, mounted into the proxy at
 * /etc/letsencrypt) and ROOT/PROJECT/acme (the webroot, mounted
 * read-only at /var/www/acme).
 */
#ifndef INFRAC_EMIT_CERTS_H
#define INFRAC_EMIT_CERTS_H

#include "emit.h"

/* The proxy's state beside the releases, as compose mounts it from a
 * release's folder. */
#define EMIT_CERTS_DIR "../../letsencrypt"
#define EMIT_CERTS_WEBROOT_DIR "../../acme"

/* The script for t (whose proxy obtains certificates). */
const char *emit_certs_sh(struct arena *a, const struct emit_target *t);

#endif
