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

/*
 * The stack as a systemd unit: started at every boot, stopped cleanly at
 * shutdown.  When secrets are needed it waits for .env (written by
 * `infrac apply`), so a first boot without it leaves the unit skipped,
 * not failed.
 */
static const char *cloudinit_unit(struct arena *a, const struct emit_target *t,
				  const char *dir, bool secrets)
{
	return arena_printf(a,
			    "[Unit]\n"
			    "Description=%s containers, phase %s (infrac)\n"
			    "Requires=docker.service\n"
			    "After=docker.service network-online.target\n"
			    "Wants=network-online.target\n"
			    "%s%s%s"
			    "\n"
			    "[Service]\n"
			    "Type=oneshot\n"
			    "RemainAfterExit=yes\n"
			    "WorkingDirectory=%s\n"
			    "ExecStart=/usr/bin/docker compose up --detach --remove-orphans\n"
			    "ExecStop=/usr/bin/docker compose down\n"
			    "TimeoutStartSec=15min\n"
			    "\n"
			    "[Install]\n"
			    "WantedBy=multi-user.target\n",
			    t->project->name, t->phase->name,
			    secrets ? "ConditionPathExists=" : "", secrets ? dir : "",
			    secrets ? "/.env\n" : "", dir);
}

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

const char *emit_cloudinit_yaml(struct arena *a, struct diag_list *dl,
				const struct emit_target *t,
				const struct emit_file *files, size_t nfiles)
{
	const char *dir = arena_printf(a, EMIT_ROOT "/%s", t->project->name);
	const char *unit = arena_printf(a, "infrac-%s.service", t->project->name);
	const char **secrets;
	bool has_secrets = emit_secret_names(a, t, &secrets) > 0;
	struct strbuf b = STRBUF_INIT;
	struct emit_yaml y;

	/* cloud-init reads the file only with this first line */
	strbuf_addf(&b, "#cloud-config\n# %s.\n", emit_banner(a, t));
	emit_yaml_begin(&y, &b);
	emit_yaml_map(&y);
	emit_yaml_key(&y, "package_update");
	emit_yaml_plain(&y, "true");
	emit_yaml_key(&y, "package_upgrade");
	emit_yaml_plain(&y, "true");
	emit_yaml_key(&y, "packages");
	emit_yaml_seq(&y);
	emit_yaml_str(&y, "docker.io");
	emit_yaml_str(&y, "docker-compose-v2");
	emit_yaml_seq_end(&y);
	emit_yaml_key(&y, "ssh_pwauth");
	emit_yaml_plain(&y, "false");

	emit_yaml_key(&y, "write_files");
	emit_yaml_seq(&y);
	cloudinit_file(&y, "/etc/docker/daemon.json", "0644", cloudinit_daemon_json);
	for (size_t i = 0; i < nfiles; i++)
		cloudinit_file(&y, arena_printf(a, "%s/%s", dir, files[i].path),
			       arena_printf(a, "%04o", files[i].mode), files[i].data);
	cloudinit_file(&y, arena_printf(a, "/etc/systemd/system/%s", unit), "0644",
		       cloudinit_unit(a, t, dir, has_secrets));
	emit_yaml_seq_end(&y);

	emit_yaml_key(&y, "runcmd");
	emit_yaml_seq(&y);
	emit_yaml_seq_flow(&y);
	emit_yaml_str(&y, "systemctl");
	emit_yaml_str(&y, "daemon-reload");
	emit_yaml_seq_end(&y);
	emit_yaml_seq_flow(&y);
	emit_yaml_str(&y, "systemctl");
	emit_yaml_str(&y, "enable");
	emit_yaml_str(&y, "--now");
	emit_yaml_str(&y, unit);
	emit_yaml_seq_end(&y);
	emit_yaml_seq_end(&y);
	emit_yaml_map_end(&y);
	if (!emit_yaml_end(&y)) {
		fputs("infrac: internal error: libyaml refused cloud-init.yaml\n", stderr);
		abort();
	}

	if (b.len > EMIT_USER_DATA_MAX) {
		struct diag *d = diag_add(dl, DIAG_E1001, t->project->src, t->pl->loc,
					  "the cloud-init user data of server %s in phase %s is "
					  "%zu bytes; Hetzner accepts at most %d",
					  t->pl->server->name, t->phase->name, b.len,
					  EMIT_USER_DATA_MAX);
		for (size_t i = 0; i < nfiles; i++)
			diag_note(d, dl, "it carries %s: %zu bytes", files[i].path, files[i].len);
		diag_help(d, dl, "run fewer services on this server, or shorten long "
			  "commands, health checks and env values");
		strbuf_release(&b);
		return NULL;
	}
	return arena_take(a, &b);
}
