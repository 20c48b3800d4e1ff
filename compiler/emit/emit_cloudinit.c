#include "emit_cloudinit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_units.h"
#include "emit_yaml.h"

/* Logs are capped (Docker keeps them forever by default), and containers
 * keep running while unattended-upgrades restarts dockerd. */
static const char cloudinit_daemon_json[] =
	"{\n"
	"  \"live-restore\": true,\n"
	"  \"log-driver\": \"json-file\",\n"
	"  \"log-opts\": { \"max-size\": \"10m\", \"max-file\": \"3\" }\n"
	"}\n";

/* Services publish ports on the server's private address, which comes up
 * with the network's interface, possibly after dockerd at a boot: binding
 * an address the server does not have yet must not fail. */
#define CLOUDINIT_SYSCTL "/etc/sysctl.d/60-infrac-private-network.conf"
static const char cloudinit_sysctl[] =
	"# infrac: ports published on the private address bind before it is up\n"
	"net.ipv4.ip_nonlocal_bind = 1\n";

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

/* runcmd: the first release made current, its units installed, enabled
 * and started */
static void cloudinit_runcmd(struct arena *a, struct emit_yaml *y, const char *dir,
			     const struct emit_file *units, size_t nunits, bool networked)
{
	const char *rel = arena_printf(a, "%s/releases/" LAYOUT_BOOT_RELEASE, dir);
	const char **install = arena_calloc(a, nunits + 6, sizeof(*install));
	size_t n = 0;
	install[n++] = "install";
	install[n++] = "-m";
	install[n++] = "0644";
	install[n++] = "-t";
	install[n++] = "/etc/systemd/system";
	for (size_t i = 0; i < nunits; i++)
		install[n++] = arena_printf(a, "%s/%s", rel, units[i].path);
	emit_yaml_key(y, "runcmd");
	emit_yaml_seq(y);
	if (networked)
		cloudinit_command(y, (const char *const[]){ "sysctl", "-p", CLOUDINIT_SYSCTL,
				      NULL });
	cloudinit_command(y, (const char *const[]){ "ln", "-sfn", "releases/" LAYOUT_BOOT_RELEASE,
			      arena_printf(a, "%s/current", dir), NULL });
	cloudinit_command(y, install);
	cloudinit_command(y, (const char *const[]){ "systemctl", "daemon-reload", NULL });
	/* the stack first; the certificates' timer (when there is one) last */
	for (size_t i = 0; i < nunits; i++)
		if (!strstr(units[i].path, "-certs.service"))
			cloudinit_command(y, (const char *const[]){ "systemctl", "enable", "--now",
					      units[i].path, NULL });
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
		  emit_units_os_default()->compose_package, emit_units_os_default()->compose);
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
				const struct emit_file *files, size_t nfiles,
				const struct emit_file *units, size_t nunits)
{
	const char *dir = arena_printf(a, LAYOUT_ROOT "/%s", t->project->name);
	const char *rel = arena_printf(a, "%s/releases/" LAYOUT_BOOT_RELEASE, dir);
	const struct emit_units_os *os = emit_units_os(t->pl->image);
	if (!os) {
		cloudinit_unknown_os(dl, t);
		os = emit_units_os_default();
	}
	struct strbuf b = STRBUF_INIT;
	struct emit_yaml y;

	/* cloud-init reads the file only with this first line */
	strbuf_addf(&b, "#cloud-config\n# %s.\n", emit_banner(a, t));
	emit_yaml_begin(&y, &b);
	emit_yaml_map(&y);
	cloudinit_packages(&y, os->compose_package, model_wants_certificates(t->pl));
	emit_yaml_key(&y, "write_files");
	emit_yaml_seq(&y);
	cloudinit_file(&y, "/etc/docker/daemon.json", "0644", cloudinit_daemon_json);
	if (model_networked(t->phase))
		cloudinit_file(&y, CLOUDINIT_SYSCTL, "0644", cloudinit_sysctl);
	for (size_t i = 0; i < nfiles; i++)
		cloudinit_file(&y, arena_printf(a, "%s/%s", rel, files[i].path),
			       arena_printf(a, "%04o", files[i].mode), files[i].data);
	emit_yaml_seq_end(&y);
	cloudinit_runcmd(a, &y, dir, units, nunits, model_networked(t->phase));
	emit_yaml_map_end(&y);
	if (!emit_yaml_end(&y)) {
		fputs("infrac: internal error: libyaml refused cloud-init.yaml\n", stderr);
		abort();
	}
	return cloudinit_check_size(a, dl, t, files, nfiles, &b);
}
