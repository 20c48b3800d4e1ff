/*
 * layout: where a project lives on its server, the contract between the
 * artefacts (compiler/emit: cloud-init, the units, compose, nginx) and
 * the deploy that installs them (runtime/remote).
 *
 *   ROOT/PROJECT/releases/ID/   one release: the artefacts and its .env
 *   ROOT/PROJECT/current        -> releases/ID, the release that runs
 *   ROOT/PROJECT/proxy/         what the proxy's nginx reads: nginx.conf
 *                               of the current release, put there by the
 *                               switch (or the boot unit), and pin/, the
 *                               backends a zero-downtime switch pins
 *   ROOT/PROJECT/letsencrypt/   certificates; acme/: the challenge webroot
 *
 * ROOT is LAYOUT_ROOT; the first boot's release (cloud-init's) is
 * LAYOUT_BOOT_RELEASE, each deploy's its artefacts' hash.
 *
 * Each deployed release holds LAYOUT_RELEASE_META, lines of KEY=VALUE
 * (one line each, printable): release (its id), time (UTC, written by
 * the server, YYYY-MM-DDTHH:MM:SSZ), artefacts (the artefacts' hash),
 * source (SHA-256 of the file it was built from), phase, and changed
 * (what differs from the release current pointed at before, one line);
 * a release whose deploy failed (and was switched away from) gets a line
 * failed=STEP.  The boot release has none.
 */
#ifndef INFRAC_LAYOUT_H
#define INFRAC_LAYOUT_H

#define LAYOUT_ROOT "/opt/infrac"
#define LAYOUT_BOOT_RELEASE "boot"
#define LAYOUT_RELEASE_META ".release"

/* The proxy's folder beside the releases, and where its container sees
 * it (read-only); nginx runs with -c LAYOUT_PROXY_CONF. */
#define LAYOUT_PROXY_DIR "proxy"
#define LAYOUT_PROXY_MOUNT "/etc/nginx/infrac"
#define LAYOUT_PROXY_CONF LAYOUT_PROXY_MOUNT "/nginx.conf"
/* pin/SERVICE.conf, when present, names the one container the proxy
 * sends SERVICE's requests to (a `set $backend ADDRESS:PORT;`) */
#define LAYOUT_PIN_DIR "pin"

#endif
