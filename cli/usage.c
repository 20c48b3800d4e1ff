#include "usage.h"

#include <stdbool.h>
#include <string.h>

#include "strbuf.h"

/* The price options of check, cost and recommend (cli_prices.c reads them). */
#define USAGE_PRICES_OPTS \
	{ "--prices SRC", "prices from SRC: api (the Hetzner API: HCLOUD_TOKEN,\n" \
			  "HCLOUD_ENDPOINT), builtin (the seed's catalog of\n" \
			  "2026-02-05) or a FILE `infrac prices` saved; default:\n" \
			  "the file's `prices`, else builtin" }, \
	{ "--servers-only", "servers' prices only, without IPv4, backups, traffic,\n" \
			    "volumes and snapshots (the seed's comparison)" }

const struct usage_cmd usage_cmds[] = {
{
	"check", "prove the file fits and print the capacity report",
	"infrac check FILE [--json] [--prices SRC] [--servers-only]",
	"Proves FILE fits: every name resolves, units match, and every server\n"
	"carries its services in every phase (RAM with headroom, CPU, disk),\n"
	"with ports, domains, secrets and limits.budget in order.  Prints the\n"
	"capacity report.\n",
	{
		{ "--json", "the report, or the diagnostics, as JSON on stdout" },
		USAGE_PRICES_OPTS,
	},
	"Exit status: 0 valid (warnings allowed), 1 errors, 2 usage errors.\n",
},
{
	"cost", "cost the plan and every scenario over the horizon",
	"infrac cost FILE [--json] [--svg OUT.svg] [--prices SRC] [--servers-only]",
	"Costs the plan as written and every scenario month by month over the\n"
	"project's horizon, side by side: type and cost per phase, total, average\n"
	"per month, the difference to the cheapest option that passes every check,\n"
	"whether each fits and stays within limits.budget.  Under each server\n"
	"its charges: primary IPv4, backups, traffic, volumes, snapshots.  Prices\n"
	"name their source and date.\n",
	{
		{ "--json", "the same as data on stdout" },
		{ "--svg OUT.svg", "also draw cumulative cost over the months to OUT.svg" },
		USAGE_PRICES_OPTS,
	},
	"Exit status: 0 the file is valid, 1 errors (the costs are still shown\n"
	"when the only errors are of fit or budget), 2 usage errors.\n",
},
{
	"recommend", "the cheapest server types that pass every check",
	"infrac recommend FILE [--no-resize] [--json] [--prices SRC] [--servers-only]",
	"Finds the cheapest catalog type for each server in each phase that\n"
	"passes every check (RAM with headroom, CPU, disk, limits.budget), and\n"
	"for each the cheaper types it rejected and why.  Prints the result as\n"
	"a scenario block to paste into FILE.\n",
	{
		{ "--no-resize", "one type per server for the whole horizon (no upgrade\n"
				 "between phases)" },
		{ "--json", "the same as data on stdout" },
		USAGE_PRICES_OPTS,
	},
	"Exit status: 0 found and the file is valid, 1 nothing passes or the\n"
	"file has errors (the search still runs when the only errors are of fit\n"
	"or budget), 2 usage errors.\n",
},
{
	"build", "write docker-compose, nginx and cloud-init files per phase and server",
	"infrac build FILE -o DIR [--phase P] [--json]",
	"Checks FILE, then writes what each server runs in each phase:\n"
	"  DIR/PHASE/SERVER/cloud-init.yaml      user data that sets the server up\n"
	"  DIR/PHASE/SERVER/docker-compose.yml   its containers\n"
	"  DIR/PHASE/SERVER/nginx.conf           where a proxy runs\n"
	"  DIR/PHASE/SERVER/.env.example         the names of the secrets it reads\n"
	"No secret value is ever written.  Nothing is written when there is an\n"
	"error; each DIR/PHASE/SERVER folder is replaced whole.\n",
	{
		{ "-o DIR", "where to write (required)" },
		{ "--phase P", "only phase P" },
		{ "--json", "the files written, or the diagnostics, as JSON on stdout" },
	},
	"Exit status: 0 written, 1 errors, 2 usage errors.\n",
},
{
	"plan", "show what apply would change in the Hetzner project, and why",
	"infrac plan FILE [--phase P | --at DATE] [--json] [--out PLAN] [--debug]\n"
	"                   [--allow-data-loss] [--destroy]",
	"Compares what FILE wants in one phase with what exists in the Hetzner\n"
	"project (found by the label infrac/project) and says what apply would\n"
	"create, change, replace or destroy, and why.  Without HCLOUD_TOKEN it\n"
	"plans against an empty project.\n",
	{
		{ "--phase P", "plan phase P (default: the phase running today)" },
		{ "--at DATE", "plan the phase running on DATE (YYYY-MM-DD or YYYY-MM)" },
		{ "--json", "the plan as JSON on stdout" },
		{ "--out PLAN", "also save the plan, for apply to check it is not stale" },
		{ "--debug", "trace API requests on stderr (the token redacted)" },
		{ "--allow-data-loss",
		  "plan a replace or destroy of a server that holds volumes, or a\n"
		  "stateful service moving away from its data (refused without);\n"
		  "apply snapshots such a server's disk first" },
		{ "--destroy", "plan what `infrac destroy` would remove: everything of the\n"
			       "project, or with --phase or --at what only that phase has\n"
			       "(not with --out: destroy shows its plan and asks itself)" },
	},
	"Environment: HCLOUD_TOKEN, HCLOUD_ENDPOINT (default\n"
	"https://api.hetzner.cloud/v1), INFRAC_TODAY=YYYY-MM-DD,\n"
	"INFRAC_REGISTRY_MIRROR=URL (asked for Docker Hub images' digests),\n"
	"INFRAC_REGISTRY=off (image digests not asked).\n"
	"\n"
	"Exit status: 0 no changes, 2 changes, 1 errors (a usage error too: unlike\n"
	"the other commands, 2 means changes here).\n",
},
{
	"apply", "make the Hetzner project match the file, deploy over SSH",
	"infrac apply FILE [--phase P | --at DATE] [--yes] [--parallelism N] [--debug]\n"
	"                    [--no-color] [--redeploy [SERVICE...]] [--allow-data-loss]\n"
	"infrac apply PLANFILE [--parallelism N] [--debug] [--no-color]",
	"Makes the Hetzner project match one phase of FILE: ssh keys and firewalls,\n"
	"then the servers (up to N at once), the artefacts of `infrac build` deployed\n"
	"on each over SSH, the DNS records of each domain, and destroys last.\n"
	"With FILE it shows the plan and asks for `yes` on a terminal; without a\n"
	"terminal it needs --yes.  A PLANFILE saved by `infrac plan --out` is\n"
	"applied without asking, but refused when FILE or the project changed\n"
	"since it was saved.  Safe to interrupt and to run again.  One apply of a\n"
	"project runs at a time: the lock is a placement group PROJECT-lock in the\n"
	"project (see `infrac unlock`).\n",
	{
		{ "--phase P", "apply phase P (default: the phase running today)" },
		{ "--at DATE", "apply the phase running on DATE (YYYY-MM-DD or YYYY-MM)" },
		{ "--yes", "do not ask" },
		{ "--parallelism N", "servers created at once, and deploys at once (default 10)" },
		{ "--debug", "trace API requests on stderr (the token redacted)" },
		{ "--no-color", "no bold in the live view (also NO_COLOR=1)" },
		{ "--redeploy [SERVICE...]",
		  "deploy again and recreate the containers of the SERVICEs\n"
		  "(all of the phase's without one), even when nothing of\n"
		  "theirs changed; those behind the proxy are handed over\n"
		  "without downtime" },
		{ "--allow-data-loss",
		  "replace or destroy a server that holds volumes, or move a\n"
		  "stateful service away from its data, after a snapshot of\n"
		  "the server's disk (refused without)" },
	},
	"Environment: HCLOUD_TOKEN (required), HCLOUD_ENDPOINT, the secret(\"NAME\")\n"
	"variables of the file, INFRAC_TODAY; for ssh INFRAC_SSH_USER (root),\n"
	"INFRAC_SSH_PORT (22), INFRAC_SSH_IDENTITY (~/.ssh/id_ed25519, id_ecdsa or\n"
	"id_rsa); for tests INFRAC_REMOTE_ROOT, INFRAC_ACTION_POLL_MS and\n"
	"INFRAC_HEALTH_TIMEOUT; INFRAC_HANDOVER=off recreates every changed service\n"
	"in place (to compare, see docs/deploy.md).\n"
	"\n"
	"Exit status: 0 success, 1 errors, 2 usage.\n",
},
{
	"output", "server addresses and the A records of the domains, for scripts",
	"infrac output FILE [--phase P | --at DATE] [--json] [--debug]",
	"What scripts need to know of FILE's project at Hetzner, for one phase:\n"
	"each server's Hetzner name, id, status and public address, and each\n"
	"domain with the A record it needs (the address of the server that runs\n"
	"its service) and whether a DNS zone of the project holds it (then apply\n"
	"sets the record) or not (set it at your DNS provider).  Reads the\n"
	"project; changes nothing.\n",
	{
		{ "--phase P", "the servers of phase P (default: the phase running today)" },
		{ "--at DATE", "the phase running on DATE (YYYY-MM-DD or YYYY-MM)" },
		{ "--json", "one JSON document on stdout (format 2)" },
		{ "--debug", "trace API requests on stderr (the token redacted)" },
	},
	"Environment: HCLOUD_TOKEN (required), HCLOUD_ENDPOINT.\n"
	"\n"
	"Exit status: 0, or 1 when a server of the phase does not exist yet;\n"
	"1 errors; 2 usage.\n",
},
{
	"destroy", "remove what the project has at Hetzner, or what only one phase has",
	"infrac destroy FILE [--phase P | --at DATE] [--yes] [--allow-data-loss]\n"
	"                      [--parallelism N] [--debug] [--no-color]",
	"Removes from the Hetzner project every resource of FILE's project (the\n"
	"servers, firewalls, ssh keys and A records labelled with it), or with\n"
	"--phase or --at only what that phase has and no other phase of FILE\n"
	"does.  Shows the plan with its monthly saving and asks for `yes` on a\n"
	"terminal (without one it needs --yes).  A server that holds volumes is\n"
	"protected: destroying it is refused without --allow-data-loss, and with\n"
	"it apply snapshots its disk first (the snapshot is kept).  Takes the\n"
	"same lock as apply; safe to interrupt and to run again.  `infrac plan\n"
	"FILE --destroy` shows the same plan without acting.\n",
	{
		{ "--phase P", "only what phase P alone has" },
		{ "--at DATE", "only what the phase running on DATE alone has" },
		{ "--yes", "do not ask" },
		{ "--allow-data-loss", "destroy servers that hold volumes, after a snapshot" },
		{ "--parallelism N", "servers destroyed at once (default 10)" },
		{ "--debug", "trace API requests on stderr (the token redacted)" },
	},
	"Environment: HCLOUD_TOKEN (required), HCLOUD_ENDPOINT.\n"
	"\n"
	"Exit status: 0 success, 1 errors, 2 usage.\n",
},
{
	"lsp", "a language server for editors, on stdin and stdout",
	"infrac lsp",
	"A Language Server Protocol server on standard input and output, for\n"
	"editors: check's diagnostics as you type, hover with a server's RAM,\n"
	"CPU and disk in a phase and the exact value of a quantity, go to\n"
	"definition, completion of names, units and attributes.  See docs/lsp.md.\n",
	{ { NULL, NULL } },
	"Exit status: 0 after the client's shutdown and exit, 1 when the input\n"
	"ends first, 2 usage errors.\n",
},
{
	"status", "what runs on each server of a phase, and its drift from the file",
	"infrac status FILE [--phase P | --at DATE] [--parallelism N] [--json] [--debug]",
	"What runs on each server of one phase of FILE, and where it differs from\n"
	"the file.  Per server: its status, type and addresses at Hetzner, the\n"
	"release that runs and when it was deployed, and per container its\n"
	"service, state, health, restarts and uptime, asked over SSH (one session\n"
	"per server, up to --parallelism at once).  Then the drift: one line per difference from\n"
	"the file (a server missing, stopped, of another type or not yet given\n"
	"the file's release; a service without a container, stopped, unhealthy or\n"
	"on another image; a container the file does not run there).  Changes\n"
	"nothing.\n",
	{
		{ "--phase P", "the servers of phase P (default: the phase running today)" },
		{ "--at DATE", "the phase running on DATE (YYYY-MM-DD or YYYY-MM)" },
		{ "--parallelism N", "servers asked at once, 1..100 (default 10)" },
		{ "--json", "one JSON document on stdout (format 2)" },
		{ "--debug", "trace API requests on stderr (the token redacted)" },
	},
	"Environment: HCLOUD_TOKEN (required), HCLOUD_ENDPOINT; for ssh (as apply)\n"
	"INFRAC_SSH_USER, INFRAC_SSH_PORT, INFRAC_SSH_IDENTITY, INFRAC_SSH_CONFIG\n"
	"(see docs/day2.md).\n"
	"\n"
	"Exit status: 0 everything as the file says; 1 drift, a server that could\n"
	"not be asked, or errors; 2 usage.\n",
},
{
	"logs", "the logs of services, from the servers that run them",
	"infrac logs FILE SERVICE... [-f] [--since D] [--tail N] [--phase P | --at DATE]\n"
	"                   [--parallelism N] [--debug]",
	"The log of each SERVICE (its container's standard output and error) on\n"
	"each server of the phase that runs it, over SSH, one session a service\n"
	"and server, up to --parallelism at once.  With several, every line\n"
	"starts with SERVICE@SERVER, as `docker compose logs` starts it with the\n"
	"container's name.\n",
	{
		{ "-f", "follow: keep printing new lines until interrupted" },
		{ "--since D", "lines since D: a duration (10m, 2h) or a time (2026-11-30T12:00)" },
		{ "--tail N", "the last N lines of each service (or all)" },
		{ "--parallelism N",
		  "sessions at once, 1..100 (default 10); with -f every\n"
		  "session stays open, so there must be room for all" },
		{ "--phase P", "the servers of phase P (default: the phase running today)" },
		{ "--at DATE", "the phase running on DATE (YYYY-MM-DD or YYYY-MM)" },
		{ "--debug", "trace API requests on stderr (the token redacted)" },
	},
	"Environment: HCLOUD_TOKEN (required), HCLOUD_ENDPOINT; the ssh settings of\n"
	"apply (INFRAC_SSH_USER, INFRAC_SSH_PORT, INFRAC_SSH_IDENTITY,\n"
	"INFRAC_SSH_CONFIG; see docs/day2.md).\n"
	"\n"
	"Exit status: 0; 1 errors (a service runs nowhere, a server is not there\n"
	"or has no container of it, ssh failed); 2 usage.\n",
},
{
	"exec", "run a command in a service's container",
	"infrac exec FILE SERVICE [-T] [--server S] [--phase P | --at DATE] [--debug]\n"
	"                   [--] [CMD [ARG...]]",
	"Runs CMD (default: sh) in the running container of SERVICE, over SSH and\n"
	"`docker exec`, with infrac's standard input, output and error.  On a\n"
	"terminal CMD gets a terminal of its own (interactive: a shell, psql);\n"
	"-T, or no terminal on the standard input, runs it without one, for\n"
	"scripts and pipes.  Words after `--` are CMD's, options included.\n",
	{
		{ "-T", "no terminal for CMD" },
		{ "--server S",
		  "the server to use when SERVICE runs on several (default:\n"
		  "the only one)" },
		{ "--phase P", "the servers of phase P (default: the phase running today)" },
		{ "--at DATE", "the phase running on DATE (YYYY-MM-DD or YYYY-MM)" },
		{ "--debug", "trace API requests on stderr (the token redacted)" },
	},
	"Environment: as `infrac logs`.\n"
	"\n"
	"Exit status: CMD's; 1 errors (no such service, server or container, ssh\n"
	"failed); 2 usage.\n",
},
{
	"ssh", "a shell or a command on a server",
	"infrac ssh FILE SERVER [-t] [--phase P | --at DATE] [--debug] [--] [CMD...]",
	"Opens a shell on SERVER (the file's name for it), or runs CMD there, with\n"
	"the ssh settings of apply: its user and identity, the project's\n"
	"known_hosts (the host key apply recorded is required), and your\n"
	"~/.ssh/config for everything else (see docs/day2.md).  The words of CMD\n"
	"are joined by spaces for the server's shell, as ssh does.\n",
	{
		{ "-t", "a terminal for CMD too (a shell gets one on a terminal)" },
		{ "--phase P", "the servers of phase P (default: the phase running today)" },
		{ "--at DATE", "the phase running on DATE (YYYY-MM-DD or YYYY-MM)" },
		{ "--debug", "trace API requests on stderr (the token redacted)" },
	},
	"Environment: as `infrac logs`.\n"
	"\n"
	"Exit status: the shell's or CMD's; 1 errors (no such server, not at\n"
	"Hetzner, ssh failed); 2 usage.\n",
},
{
	"releases", "the releases each server keeps, the current one marked",
	"infrac releases FILE [SERVER] [--phase P | --at DATE] [--json] [--debug]",
	"Lists the releases each server of the phase keeps (or only SERVER, the\n"
	"file's name of it), newest first, over SSH: the release id (the hash of\n"
	"its artefacts), when it was deployed (UTC), its phase and what changed\n"
	"against the release before it.  `*` marks the one that runs (current).\n"
	"A deploy keeps the 5 most recently used releases and prunes older ones;\n"
	"`infrac rollback` switches a server back to one of them.  Changes nothing.\n",
	{
		{ "--phase P", "the servers of phase P (default: the phase running today)" },
		{ "--at DATE", "the phase running on DATE (YYYY-MM-DD or YYYY-MM)" },
		{ "--json", "one JSON document on stdout (format 2), a server not\n"
			    "reached in it too" },
		{ "--debug", "trace API requests on stderr (the token redacted)" },
	},
	"Environment: HCLOUD_TOKEN (required), HCLOUD_ENDPOINT; for ssh\n"
	"INFRAC_SSH_USER (root), INFRAC_SSH_PORT (22), INFRAC_SSH_IDENTITY, as\n"
	"for apply.\n"
	"\n"
	"Exit status: 0; 1 errors (a server that does not exist or cannot be\n"
	"reached included); 2 usage.\n",
},
{
	"rollback", "switch a server back to a kept release, with a deploy's checks",
	"infrac rollback FILE [RELEASE] [--server S] [--phase P | --at DATE] [--debug]",
	"Switches a server of the phase back to a release it keeps (`infrac releases`\n"
	"lists them): RELEASE, or by default the newest one deployed before the\n"
	"current one.  The steps and checks are a deploy's, without an upload: the\n"
	"kept release's files, its .env written anew from this environment's\n"
	"secrets, as apply writes it; pull (when that fails, the images the server\n"
	"has do; none there: refused), switch, up, the handover without downtime,\n"
	"nginx reload, health, domains, units.  When a step after the switch fails\n"
	"the release that ran is switched back to.  The server's labels then say\n"
	"it was rolled back, and `infrac plan` shows \"rolled back to ID; apply\n"
	"redeploys ID'\": the next apply deploys the file's release again.  It runs\n"
	"under the apply lock of the project, as apply does.\n",
	{
		{ "RELEASE", "the release id (default: the previous one)" },
		{ "--server S",
		  "the server, by the file's name; needed when the phase has\n"
		  "several" },
		{ "--phase P", "the servers of phase P (default: the phase running today)" },
		{ "--at DATE", "the phase running on DATE (YYYY-MM-DD or YYYY-MM)" },
		{ "--debug", "trace API requests on stderr (the token redacted)" },
	},
	"Environment: HCLOUD_TOKEN (required), HCLOUD_ENDPOINT, the secrets of the\n"
	"file; INFRAC_SSH_USER, INFRAC_SSH_PORT, INFRAC_SSH_IDENTITY,\n"
	"INFRAC_HEALTH_TIMEOUT and INFRAC_HANDOVER as for apply.\n"
	"\n"
	"Exit status: 0 rolled back; 1 errors (a release not kept, images missing,\n"
	"a failed health check: the release that ran runs on); 2 usage.\n",
},
{
	"unlock", "remove the apply lock an interrupted apply left in the project",
	"infrac unlock FILE [--yes] [--debug]",
	"Removes the apply lock of FILE's project: the placement group PROJECT-lock\n"
	"that `infrac apply` holds in the Hetzner project while it runs and deletes\n"
	"when it ends.  A lock stays behind when an apply was killed or its machine\n"
	"went away; the next apply on that machine takes it over, an apply elsewhere\n"
	"stops and names the holder.  unlock shows the holder and the lock's age and\n"
	"asks for `yes` on a terminal; without a terminal it needs --yes.  Remove a\n"
	"lock only when its apply is gone.\n",
	{
		{ "--yes", "do not ask" },
		{ "--debug", "trace API requests on stderr (the token redacted)" },
	},
	"Environment: HCLOUD_TOKEN (required), HCLOUD_ENDPOINT.\n"
	"\n"
	"Exit status: 0 removed, or no lock held; 1 errors (a refusal or a cancel\n"
	"included); 2 usage.\n",
},
{
	"prices", "save today's Hetzner prices to a file a project can pin",
	"infrac prices FILE.json",
	"Reads today's prices from the Hetzner API (GET /pricing and GET\n"
	"/server_types: every server type with its architecture, CPU kind and\n"
	"the locations where it is sold, the primary IPv4, backups, snapshots,\n"
	"volumes and traffic) and saves them to FILE.json with the date they\n"
	"were read.  `project { prices = \"FILE.json\" }` pins a file to that\n"
	"snapshot so a review is reproducible; `--prices FILE.json` uses it once.\n",
	{ { NULL, NULL } },
	"Environment: HCLOUD_TOKEN (read-only is enough), HCLOUD_ENDPOINT\n"
	"(default https://api.hetzner.cloud/v1), INFRAC_TODAY=YYYY-MM-DD.\n"
	"\n"
	"Exit status: 0 saved, 1 errors, 2 usage errors.\n",
},
{
	"fmt", "rewrite files in the one canonical layout",
	"infrac fmt [FILE...] [--check] [--diff]",
	"Rewrites each FILE in the canonical layout and names the files it\n"
	"changed: two spaces a block, one item a line, the `=` of consecutive\n"
	"attributes aligned, comments kept where they were.  Without FILE, or\n"
	"with -, reads standard input and writes the result on standard output.\n"
	"A file with syntax errors is left as it is and its errors are printed.\n"
	"Formatting never changes what a file means.\n",
	{
		{ "--check", "write nothing: name the files that would change (for CI)" },
		{ "--diff", "write nothing: show the changes as a unified diff" },
	},
	"Exit status: 0 formatted or nothing to change, 1 syntax errors or, with\n"
	"--check, files that would change, 2 usage errors.\n",
},
{
	"graph", "draw servers, services, needs and domains as Graphviz DOT",
	"infrac graph FILE [--phase P]",
	"Prints FILE as a Graphviz graph on stdout: a cluster for each phase,\n"
	"in it a cluster for each server with the services it runs, an arrow\n"
	"for each `needs` and one from each domain to the service it reaches.\n"
	"The same file gives the same graph, byte for byte.  To see it:\n"
	"  infrac graph FILE | dot -Tsvg -o graph.svg\n",
	{
		{ "--phase P", "only phase P" },
	},
	"Exit status: 0 drawn, 1 errors (the graph is still drawn when the only\n"
	"errors are of fit or budget), 2 usage errors.\n",
},
{
	"help", "describe a command",
	"infrac help [COMMAND]",
	"Describes COMMAND as `infrac COMMAND --help` does; without COMMAND,\n"
	"lists the commands.\n",
	{ { NULL, NULL } },
	"Exit status: 0, 2 for a command that does not exist.\n",
},
{
	"version", "name this build",
	"infrac version\n"
	"infrac --version",
	"Prints `infrac` and the name of the build: the git describe of the\n"
	"source it was built from, or `unknown` when it was built outside a\n"
	"git checkout.\n",
	{ { NULL, NULL } },
	"Exit status: 0.\n",
},
};

const size_t usage_ncmds = sizeof(usage_cmds) / sizeof(*usage_cmds);

/* an option spelled longer than this has its text on the next line */
#define USAGE_LONG_OPT 16

const struct usage_cmd *usage_find(const char *name)
{
	for (size_t i = 0; i < usage_ncmds; i++)
		if (!strcmp(usage_cmds[i].name, name))
			return &usage_cmds[i];
	return NULL;
}

/* The forms: "usage: " before the first, seven spaces before the others. */
static void usage_synopsis(const struct usage_cmd *c, struct strbuf *sb)
{
	const char *s = c->synopsis;
	for (bool first = true; *s; first = false) {
		size_t n = strcspn(s, "\n");
		if (*s != ' ')
			strbuf_addstr(sb, first ? "usage: " : "       ");
		strbuf_add(sb, s, n);
		strbuf_addch(sb, '\n');
		s += n + (s[n] == '\n');
	}
}

/* text with every line after the first indented by indent */
static void usage_indented(struct strbuf *sb, const char *text, size_t indent)
{
	for (const char *s = text; *s;) {
		size_t n = strcspn(s, "\n");
		strbuf_add(sb, s, n);
		strbuf_addch(sb, '\n');
		s += n + (s[n] == '\n');
		for (size_t k = 0; *s && k < indent; k++)
			strbuf_addch(sb, ' ');
	}
}

static void usage_options(const struct usage_cmd *c, struct strbuf *sb)
{
	size_t width = 0;
	for (const struct usage_opt *o = c->opts; o->spelling; o++)
		if (strlen(o->spelling) <= USAGE_LONG_OPT && strlen(o->spelling) > width)
			width = strlen(o->spelling);
	size_t col = 2 + width + 2;
	for (const struct usage_opt *o = c->opts; o->spelling; o++) {
		strbuf_addf(sb, "  %s", o->spelling);
		size_t at = 2 + strlen(o->spelling);
		if (strlen(o->spelling) > USAGE_LONG_OPT) {
			strbuf_addch(sb, '\n');
			at = 0;
		}
		for (; at < col; at++)
			strbuf_addch(sb, ' ');
		usage_indented(sb, o->text, col);
	}
}

static void usage_render(const struct usage_cmd *c, struct strbuf *sb)
{
	usage_synopsis(c, sb);
	strbuf_addf(sb, "\n%s", c->about);
	if (c->opts[0].spelling) {
		strbuf_addch(sb, '\n');
		usage_options(c, sb);
	}
	strbuf_addf(sb, "\n%s", c->trailer);
}

const char *usage_text(const char *name)
{
	static char *texts[sizeof(usage_cmds) / sizeof(*usage_cmds)];
	const struct usage_cmd *c = usage_find(name);
	size_t i = (size_t)(c - usage_cmds);
	if (!texts[i]) {
		struct strbuf sb = STRBUF_INIT;
		usage_render(c, &sb);
		texts[i] = strbuf_detach(&sb, NULL);
	}
	return texts[i];
}

/* ---- troff ----------------------------------------------------------------- */

/* One line of text for troff: '-' as a minus (options are typed), '\' as
 * \e, and a line that would start a request guarded with \&. */
static void usage_troff_text(FILE *out, const char *s, size_t n)
{
	if (n && (*s == '.' || *s == '\''))
		fputs("\\&", out);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '-')
			fputs("\\-", out);
		else if (s[i] == '\\')
			fputs("\\e", out);
		else
			fputc(s[i], out);
	}
}

/* Paragraphs: lines that start with two spaces as they are, no fill. */
static void usage_troff_paragraphs(FILE *out, const char *s)
{
	bool verbatim = false;
	fputs(".PP\n", out);
	while (*s) {
		size_t n = strcspn(s, "\n");
		bool table = n > 2 && s[0] == ' ' && s[1] == ' ';
		if (table != verbatim)
			fputs(table ? ".PP\n.RS 4\n.nf\n" : ".fi\n.RE\n.PP\n", out);
		verbatim = table;
		if (n == 0)
			fputs(".PP\n", out);
		else
			usage_troff_text(out, s + (table ? 2 : 0), n - (table ? 2 : 0));
		if (n)
			fputc('\n', out);
		s += n + (s[n] == '\n');
	}
	if (verbatim)
		fputs(".fi\n.RE\n", out);
}

/* The forms of the command line, each on a line of its own. */
static void usage_troff_synopsis(FILE *out, const struct usage_cmd *c)
{
	fputs(".PP\n.nf\n", out);
	for (const char *s = c->synopsis; *s;) {
		size_t n = strcspn(s, "\n"), lead = strspn(s, " ");
		if (lead)
			fputs("    ", out); /* a form continued */
		else
			fputs("\\fB", out);
		if (!lead) {
			/* "infrac NAME" in bold, NAME as this form spells it */
			size_t cmd = strlen("infrac ");
			cmd += strcspn(s + cmd, " \n");
			usage_troff_text(out, s, cmd);
			fputs("\\fR", out);
			usage_troff_text(out, s + cmd, n - cmd);
		} else {
			usage_troff_text(out, s + lead, n - lead);
		}
		fputc('\n', out);
		s += n + (s[n] == '\n');
	}
	fputs(".fi\n", out);
}

void usage_troff(FILE *out)
{
	for (size_t i = 0; i < usage_ncmds; i++) {
		const struct usage_cmd *c = &usage_cmds[i];
		fprintf(out, ".SS \"%s\"\n", c->name);
		usage_troff_synopsis(out, c);
		usage_troff_paragraphs(out, c->about);
		for (const struct usage_opt *o = c->opts; o->spelling; o++) {
			fputs(".TP\n.B ", out);
			usage_troff_text(out, o->spelling, strlen(o->spelling));
			fputc('\n', out);
			for (const char *s = o->text; *s;) {
				size_t n = strcspn(s, "\n");
				usage_troff_text(out, s, n);
				fputc('\n', out);
				s += n + (s[n] == '\n');
			}
		}
		usage_troff_paragraphs(out, c->trailer);
	}
}
