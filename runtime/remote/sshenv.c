#include "sshenv.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "strbuf.h"
#include "xalloc.h"

static char *sshenv_identity(void)
{
	const char *env = getenv("INFRAC_SSH_IDENTITY");
	if (env && *env)
		return xstrdup(env);
	const char *home = getenv("HOME");
	static const char *const names[] = { "id_ed25519", "id_ecdsa", "id_rsa" };
	struct strbuf p = STRBUF_INIT;
	for (size_t i = 0; home && i < sizeof(names) / sizeof(*names); i++) {
		strbuf_reset(&p);
		strbuf_addf(&p, "%s/.ssh/%s", home, names[i]);
		if (access(p.buf, R_OK) == 0)
			return strbuf_detach(&p, NULL);
	}
	strbuf_release(&p);
	return NULL;
}

static char *sshenv_known_hosts(const char *project)
{
	struct strbuf dir = STRBUF_INIT;
	struct error err = ERROR_INIT;
	char *path = NULL;
	if (fileio_state_dir(&dir)) {
		strbuf_addstr(&dir, "/known_hosts/");
		if (fileio_make_parents(dir.buf, 0700, &err)) {
			strbuf_addstr(&dir, project);
			path = strbuf_detach(&dir, NULL);
		}
	}
	error_release(&err);
	strbuf_release(&dir);
	return path;
}

static long sshenv_long(const char *name, long dflt)
{
	const char *v = getenv(name);
	char *end;
	long n = v && *v ? strtol(v, &end, 10) : -1;
	return v && *v && !*end && n >= 0 && n <= 65535 ? n : dflt;
}

void sshenv_load(struct sshenv *s, const char *project)
{
	const char *user = getenv("INFRAC_SSH_USER");
	s->user = user && *user ? user : "root";
	s->port = (int)sshenv_long("INFRAC_SSH_PORT", 22);
	s->identity = sshenv_identity();
	s->known_hosts = sshenv_known_hosts(project);
}

bool sshenv_usable(const struct sshenv *s, struct error *err)
{
	if (!s->known_hosts)
		return error_set(err, "cannot make the project's known_hosts directory "
				 "(set XDG_STATE_HOME or HOME)");
	if (!s->identity)
		return error_set(err, "no ssh identity: set INFRAC_SSH_IDENTITY or create "
				 "~/.ssh/id_ed25519");
	return true;
}

struct ssh_target sshenv_target(const struct sshenv *s, const char *host)
{
	return (struct ssh_target){ host, s->port, s->user, s->identity, s->known_hosts, false };
}

void sshenv_release(struct sshenv *s)
{
	free(s->identity);
	free(s->known_hosts);
	s->identity = s->known_hosts = NULL;
}
