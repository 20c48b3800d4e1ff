#include "emit_units.h"

#include <string.h>


/* What cloud-init installs for compose on the images infrac knows; any
 * other image gets the first line and W1004. */
static const struct emit_units_os emit_units_oses[] = {
	{ "ubuntu-24.04", "docker-compose-v2", "/usr/bin/docker compose" },
	{ "ubuntu-22.04", "docker-compose-v2", "/usr/bin/docker compose" },
	{ "debian-12", "docker-compose", "/usr/bin/docker-compose" },
};

#define EMIT_UNITS_NOSES (sizeof(emit_units_oses) / sizeof(*emit_units_oses))

const struct emit_units_os *emit_units_os(const char *image)
{
	for (size_t i = 0; i < EMIT_UNITS_NOSES; i++)
		if (image && !strcmp(emit_units_oses[i].image, image))
			return &emit_units_oses[i];
	return NULL;
}

const struct emit_units_os *emit_units_os_default(void)
{
	return &emit_units_oses[0];
}

const char *emit_units_stack_name(struct arena *a, const struct emit_target *t)
{
	return arena_printf(a, "infrac-%s.service", t->project->name);
}

/*
 * The stack: started at every boot, stopped cleanly at shutdown, always
 * the release `current` points at.  compose runs in the release's own
 * folder (cd -P), as deploys run it, so paths relative to it
 * (../../letsencrypt) and the containers' bind mounts are the same either
 * way; the proxy's configuration is put where nginx reads it first, as a
 * deploy's switch does.  When secrets are needed it waits for .env
 * (written by `infrac apply`), so a first boot without it leaves the unit
 * skipped, not failed.
 */
static const char *emit_units_stack(struct arena *a, const struct emit_target *t, const char *dir,
			       const char *compose, bool secrets)
{
	const char *p = t->project->name;
	/* the proxy reads the configuration of the release it runs */
	const char *pre = t->proxy
		? arena_printf(a, "ExecStartPre=/bin/sh -c 'cd -P %s/current && "
				  "P=../../" LAYOUT_PROXY_DIR " && mkdir -p $P && "
				  "cp nginx.conf $P/.nginx.conf.tmp && mv -f $P/.nginx.conf.tmp "
				  "$P/nginx.conf'\n", dir)
		: "";
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
			    "%s"
			    "ExecStart=/bin/sh -c 'cd -P %s/current && exec %s -p %s up --detach "
			    "--remove-orphans'\n"
			    "ExecStop=/bin/sh -c 'cd -P %s/current && exec %s -p %s down'\n"
			    "TimeoutStartSec=15min\n"
			    "\n"
			    "[Install]\n"
			    "WantedBy=multi-user.target\n",
			    p, secrets ? "ConditionPathExists=" : "", secrets ? dir : "",
			    secrets ? "/current/.env\n" : "", pre, dir, compose, p, dir, compose, p);
}

static const char *emit_units_certs_service(struct arena *a, const struct emit_target *t,
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

static const char emit_units_certs_timer[] =
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

size_t emit_units(struct arena *a, const struct emit_target *t, struct emit_file *files)
{
	const char *dir = arena_printf(a, LAYOUT_ROOT "/%s", t->project->name);
	const struct emit_units_os *os = emit_units_os(t->pl->image);
	const char **secrets;
	bool has_secrets = emit_secret_names(a, t, &secrets) > 0;
	const char *stack = emit_units_stack(a, t, dir, (os ? os : emit_units_os_default())->compose,
					has_secrets);
	size_t n = 0;
	files[n++] = (struct emit_file){ emit_units_stack_name(a, t), stack, strlen(stack), 0644 };
	if (!model_wants_certificates(t->pl))
		return n;
	const char *svc = emit_units_certs_service(a, t, dir);
	files[n++] = (struct emit_file){ arena_printf(a, "infrac-%s-certs.service", t->project->name),
					 svc, strlen(svc), 0644 };
	files[n++] = (struct emit_file){ arena_printf(a, "infrac-%s-certs.timer", t->project->name),
					 emit_units_certs_timer, strlen(emit_units_certs_timer), 0644 };
	return n;
}
