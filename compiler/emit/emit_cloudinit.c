#include "emit_cloudinit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_yaml.h"

/* Logs are capped (Docker keeps them forever by default), and containers
 * keep running while unattended-upgrades restarts dockerd. */
static const char cloudinit_daemon_json[] =
	"{\n"
	"  \"live-restore\": true,\n"
	"  \"log-driver\": \"json-file\",\n"
	"  \"log-opts\": { \"max-size\": \"10m\", \"max-file\": \"3\" }\n"
	"}\n";

/* What cloud-init installs for compose on the images infrac knows; any
 * other image gets the first line and W1004. */
static const struct cloudinit_os {
	const char *image;
	const char *compose_package;
	const char *compose;     /* the command, as the unit runs it */
} cloudinit_oses[] = {
	{ "ubuntu-24.04", "docker-compose-v2", "/usr/bin/docker compose" },
	{ "ubuntu-22.04", "docker-compose-v2", "/usr/bin/docker compose" },
	{ "debian-12", "docker-compose", "/usr/bin/docker-compose" },
};

#define CLOUDINIT_NOSES (sizeof(cloudinit_oses) / sizeof(*cloudinit_oses))

static const struct cloudinit_os *cloudinit_os_of(const char *image)
{
	for (size_t i = 0; i < CLOUDINIT_NOSES; i++)
		if (image && !strcmp(cloudinit_oses[i].image, image))
			return &cloudinit_oses[i];
	return NULL;
}

/*
 * The stack as a systemd unit: started at every boot, stopped cleanly at
 * shutdown, always the release `current` points at (the first boot's, then
 * each deploy's).  compose runs in the release's own folder (cd -P), as
 * deploys run it, so paths relative to it (../../letsencrypt) and the
 * containers' bind mounts are the same either way.  When secrets are needed it waits for .env (written by
 * `infrac apply`), so a first boot without it leaves the unit skipped,
 * not failed.
 */
static const char *cloudinit_unit(struct arena *a, const struct emit_target *t,
				  const char *dir, const char *compose, bool secrets)
{
	const char *p = t->project->name;
	return arena_printf(a,
			    "[Unit]\n"
			    "Description=%s containers (infrac)\n"
			    "Requires=docker.service\n"
			    "After=docker.service network-online.target\n"
			    "Wants=network-online.target\n"
			    "%s%s%s"
			    "\n"
			    "[Service]\n"
			    "Type=oneshot\n"
			    "RemainAfterExit=yes\n"
			    "ExecStart=/bin/sh -c 'cd -P %s/current && exec %s -p %s up --detach "
			    "--remove-orphans'\n"
			    "ExecStop=/bin/sh -c 'cd -P %s/current && exec %s -p %s down'\n"
			    "TimeoutStartSec=15min\n"
			    "\n"
			    "[Install]\n"
			    "WantedBy=multi-user.target\n",
			    p, secrets ? "ConditionPathExists=" : "", secrets ? dir : "",
			    secrets ? "/current/.env\n" : "", dir, compose, p, dir, compose, p);
}

/* The certificates' service and its hourly timer (emit_certs.h). */
static const char *cloudinit_certs_service(struct arena *a, const struct emit_target *t,
					   const char *dir)
{
	return arena_printf(a,
			    "[Unit]\n"
			    "Description=%s certificates from Let's Encrypt (infrac)\n"
			    "After=network-online.target docker.service\n"
			    "Wants=network-online.target\n"
			    "ConditionPathExists=%s/current/certs.sh\n"
			    "\n"
			    "[Service]\n"
			    "Type=oneshot\n"
			    "ExecStart=/bin/sh %s/current/certs.sh\n",
			    t->project->name, dir, dir);
}

static const char cloudinit_certs_timer[] =
	"[Unit]\n"
	"Description=Certificates every hour (infrac)\n"
	"\n"
	"[Timer]\n"
	"OnBootSec=2min\n"
	"OnUnitActiveSec=1h\n"
	"RandomizedDelaySec=5min\n"
	"\n"
	"[Install]\n"
	"WantedBy=timers.target\n";

static void cloudinit_file(struct emit_yaml *y, const char *path, const char *mode,
			   const char *content)
{
	emit_yaml_map(y);
	emit_yaml_kv(y, "path", path);
	emit_yaml_kv(y, "owner", "root:root");
	emit_yaml_kv(y, "permissions", mode);
	emit_yaml_key(y, "content");
	emit_yaml_text(y, content);
	emit_yaml_map_end(y);
}

static void cloudinit_command(struct emit_yaml *y, const char *const *argv)
{
	emit_yaml_seq_flow(y);
	for (; *argv; argv++)
		emit_yaml_str(y, *argv);
	emit_yaml_seq_end(y);
}

/* packages: docker, the image's compose, certbot when the proxy needs it */
static void cloudinit_packages(struct emit_yaml *y, const char *compose_package, bool certs)
{
	emit_yaml_key(y, "package_update");
	emit_yaml_plain(y, "true");
	emit_yaml_key(y, "package_upgrade");
	emit_yaml_plain(y, "true");
	emit_yaml_key(y, "packages");
	emit_yaml_seq(y);
	emit_yaml_str(y, "docker.io");
	emit_yaml_str(y, compose_package);
	if (certs)
		emit_yaml_str(y, "certbot");
	emit_yaml_seq_end(y);
	emit_yaml_key(y, "ssh_pwauth");
	emit_yaml_plain(y, "false");
}

/* runcmd: the first release made current, the units enabled and started */
static void cloudinit_runcmd(struct arena *a, struct emit_yaml *y, const char *dir,
			     const char *unit, const char *timer)
{
	emit_yaml_key(y, "runcmd");
	emit_yaml_seq(y);
	cloudinit_command(y, (const char *const[]){ "ln", "-sfn", "releases/" EMIT_BOOT_RELEASE,
			      arena_printf(a, "%s/current", dir), NULL });
	cloudinit_command(y, (const char *const[]){ "systemctl", "daemon-reload", NULL });
	cloudinit_command(y, (const char *const[]){ "systemctl", "enable", "--now", unit, NULL });
	if (timer)
		cloudinit_command(y, (const char *const[]){ "systemctl", "enable", "--now", timer,
				      NULL });
	emit_yaml_seq_end(y);
}

/* W1004: an image whose compose package infrac does not know. */
static void cloudinit_unknown_os(struct diag_list *dl, const struct emit_target *t)
{
	struct diag *d = diag_add(dl, DIAG_W1004, t->project->src, t->pl->loc,
				  "server %s runs image %s: infrac knows which compose package "
				  "to install on ubuntu-24.04, ubuntu-22.04 and debian-12 only",
				  t->pl->server->name, t->pl->image);
	diag_note(d, dl, "cloud-init installs %s and the unit runs `%s`; the image must have them",
		  cloudinit_oses[0].compose_package, cloudinit_oses[0].compose);
}

/* E1001: Hetzner refuses user data above EMIT_USER_DATA_MAX.  The text in
 * a, or NULL after the error. */
static const char *cloudinit_check_size(struct arena *a, struct diag_list *dl,
					const struct emit_target *t,
					const struct emit_file *files, size_t nfiles,
					struct strbuf *b)
{
	if (b->len <= EMIT_USER_DATA_MAX)
		return arena_take(a, b);
	struct diag *d = diag_add(dl, DIAG_E1001, t->project->src, t->pl->loc,
				  "the cloud-init user data of server %s in phase %s is "
				  "%zu bytes; Hetzner accepts at most %d",
				  t->pl->server->name, t->phase->name, b->len, EMIT_USER_DATA_MAX);
	for (size_t i = 0; i < nfiles; i++)
		diag_note(d, dl, "it carries %s: %zu bytes", files[i].path, files[i].len);
	diag_help(d, dl, "run fewer services on this server, or shorten long "
		  "commands, health checks and env values");
	strbuf_release(b);
	return NULL;
}

const char *emit_cloudinit_yaml(struct arena *a, struct diag_list *dl,
				const struct emit_target *t,
				const struct emit_file *files, size_t nfiles)
{
	const char *dir = arena_printf(a, EMIT_ROOT "/%s", t->project->name);
	const char *rel = arena_printf(a, "%s/releases/" EMIT_BOOT_RELEASE, dir);
	const char *unit = arena_printf(a, "infrac-%s.service", t->project->name);
	bool certs = model_wants_certificates(t->pl);
	const char *certs_unit = arena_printf(a, "infrac-%s-certs.service", t->project->name);
	const char *timer = certs ? arena_printf(a, "infrac-%s-certs.timer", t->project->name)
				  : NULL;
	const struct cloudinit_os *os = cloudinit_os_of(t->pl->image);
	if (!os) {
		cloudinit_unknown_os(dl, t);
		os = &cloudinit_oses[0];
	}
	const char **secrets;
	bool has_secrets = emit_secret_names(a, t, &secrets) > 0;
	struct strbuf b = STRBUF_INIT;
	struct emit_yaml y;

	/* cloud-init reads the file only with this first line */
	strbuf_addf(&b, "#cloud-config\n# %s.\n", emit_banner(a, t));
	emit_yaml_begin(&y, &b);
	emit_yaml_map(&y);
	cloudinit_packages(&y, os->compose_package, certs);
	emit_yaml_key(&y, "write_files");
	emit_yaml_seq(&y);
	cloudinit_file(&y, "/etc/docker/daemon.json", "0644", cloudinit_daemon_json);
	for (size_t i = 0; i < nfiles; i++)
		cloudinit_file(&y, arena_printf(a, "%s/%s", rel, files[i].path),
			       arena_printf(a, "%04o", files[i].mode), files[i].data);
	cloudinit_file(&y, arena_printf(a, "/etc/systemd/system/%s", unit), "0644",
		       cloudinit_unit(a, t, dir, os->compose, has_secrets));
	if (certs) {
		cloudinit_file(&y, arena_printf(a, "/etc/systemd/system/%s", certs_unit), "0644",
			       cloudinit_certs_service(a, t, dir));
		cloudinit_file(&y, arena_printf(a, "/etc/systemd/system/%s", timer), "0644",
			       cloudinit_certs_timer);
	}
	emit_yaml_seq_end(&y);
	cloudinit_runcmd(a, &y, dir, unit, timer);
	emit_yaml_map_end(&y);
	if (!emit_yaml_end(&y)) {
		fputs("infrac: internal error: libyaml refused cloud-init.yaml\n", stderr);
		abort();
	}
	return cloudinit_check_size(a, dl, t, files, nfiles, &b);
}
