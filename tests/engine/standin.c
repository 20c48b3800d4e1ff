/*
 * standin: the stand-in programs of the test images odoo:17 and node:22.
 *
 * Called by the name it was started under (argv[0], a symlink):
 *
 *   odoo [--database=NAME] [--db-filter=RE] [--proxy-mode] ...
 *       HTTP on 8069.  Reads HOST, PORT, USER, PASSWORD from the
 *       environment (defaults db, 5432, odoo, odoo, as the real image).
 *       A thread connects to HOST:PORT, creates database NAME when it is
 *       missing, and a table for the tests; until then GET /web/health
 *       answers 503, then 200 {"status": "pass", "database": NAME}.
 *         GET  /                   200 "odoo stand-in database=NAME host=H version=V"
 *                                  (V: $STANDIN_VERSION, else 1)
 *         POST /test/row?value=X   inserts X into infrac_test_rows
 *         GET  /test/rows          the values, one a line
 *         PUT  /test/file/NAME     body -> /var/lib/odoo/filestore/NAME
 *         GET  /test/file/NAME     that file back
 *         POST /test/upload        reads a body of any size, says how long
 *
 *   claude-code-ui
 *       HTTP on $PORT (default 3001): 200 on every GET, naming itself.
 *
 *   npm ...
 *       prints one line, exits 0 (the test image has no registry).
 *
 * One connection at a time, one request per connection (Connection:
 * close).  SIGTERM and SIGINT end the process at once: it runs as PID 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_HEAD 16384
#define MAX_BODY (8 << 20)
#define FILESTORE "/var/lib/odoo/filestore"

static const char *g_db = "odoo";
static char g_host[256];
static atomic_int g_ready;
static PGconn *g_conn; /* used by the serving thread only once g_ready */
static pthread_mutex_t g_conn_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

/* one line on stderr (libpq's messages end in a newline: dropped) */
static void logf_(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	size_t n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = 0;
	fprintf(stderr, "%s\n", line);
}

/* ---- database ------------------------------------------------------------ */

static PGconn *connect_to(const char *dbname)
{
	const char *keys[] = { "host", "port", "user", "password", "dbname", "connect_timeout", NULL };
	const char *vals[] = { env_or("HOST", "db"), env_or("PORT", "5432"), env_or("USER", "odoo"),
			       env_or("PASSWORD", "odoo"), dbname, "3", NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 0);
	if (PQstatus(c) != CONNECTION_OK) {
		logf_("odoo stand-in: connect to %s: %s", dbname, PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

static int exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	if (!ok) {
		const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		/* 42P04 duplicate_database: another instance was quicker */
		ok = code && strcmp(code, "42P04") == 0;
		if (!ok)
			logf_("odoo stand-in: %s: %s", sql, PQerrorMessage(c));
	}
	PQclear(r);
	return ok;
}

static int db_init_once(void)
{
	PGconn *c = connect_to("postgres");
	if (!c)
		return 0;
	const char *params[] = { g_db };
	PGresult *r = PQexecParams(c, "SELECT 1 FROM pg_database WHERE datname = $1", 1, NULL, params,
				   NULL, NULL, 0);
	int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	int exists = ok && PQntuples(r) > 0;
	PQclear(r);
	if (ok && !exists) {
		char *id = PQescapeIdentifier(c, g_db, strlen(g_db));
		char sql[512];
		snprintf(sql, sizeof sql, "CREATE DATABASE %s", id ? id : "\"?\"");
		PQfreemem(id);
		ok = exec_ok(c, sql);
		if (ok)
			logf_("odoo stand-in: created database %s", g_db);
	}
	PQfinish(c);
	if (!ok)
		return 0;
	c = connect_to(g_db);
	if (!c)
		return 0;
	if (!exec_ok(c, "CREATE TABLE IF NOT EXISTS infrac_test_rows ("
			"id serial PRIMARY KEY, value text NOT NULL, at timestamptz NOT NULL DEFAULT now())")) {
		PQfinish(c);
		return 0;
	}
	pthread_mutex_lock(&g_conn_lock);
	g_conn = c;
	pthread_mutex_unlock(&g_conn_lock);
	return 1;
}

static void *db_init(void *arg)
{
	(void)arg;
	/* bounded: 600 tries a second apart, then exit so the restart
	 * policy starts a fresh process */
	for (int i = 0; i < 600; i++) {
		if (db_init_once()) {
			atomic_store(&g_ready, 1);
			logf_("odoo stand-in: database %s ready", g_db);
			return NULL;
		}
		sleep(1);
	}
	logf_("odoo stand-in: database %s not reachable, giving up", g_db);
	_exit(1);
}

/* the connection, reset once when it broke (e.g. postgres restarted) */
static PGconn *conn(void)
{
	if (PQstatus(g_conn) != CONNECTION_OK)
		PQreset(g_conn);
	return g_conn;
}

/* ---- HTTP ---------------------------------------------------------------- */

struct req {
	char method[16];
	char path[2048];
	char *body;
	size_t body_len;
};

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void reply(int fd, int code, const char *type, const char *body, size_t len)
{
	const char *reason = code == 200 ? "OK" : code == 201 ? "Created" : code == 400 ? "Bad Request"
		: code == 404 ? "Not Found" : code == 405 ? "Method Not Allowed"
		: code == 413 ? "Payload Too Large" : code == 503 ? "Service Unavailable" : "Error";
	char head[256];
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
			 code, reason, type, len);
	send_all(fd, head, (size_t)n);
	send_all(fd, body, len);
}

static void reply_text(int fd, int code, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof buf)
		n = sizeof buf - 1;
	reply(fd, code, "text/plain", buf, (size_t)n);
}

/* Reads one request: 0 on success, else the HTTP status to answer. */
static int read_req(int fd, struct req *rq)
{
	static char buf[MAX_HEAD + 1];
	size_t have = 0;
	char *end = NULL;
	while (!end) {
		if (have == MAX_HEAD)
			return 400;
		ssize_t r = read(fd, buf + have, MAX_HEAD - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		have += (size_t)r;
		buf[have] = 0;
		end = strstr(buf, "\r\n\r\n");
	}
	*end = 0;
	char *body_start = end + 4;
	size_t extra = have - (size_t)(body_start - buf);
	if (sscanf(buf, "%15s %2047s", rq->method, rq->path) != 2)
		return 400;
	size_t clen = 0;
	for (char *line = strstr(buf, "\r\n"); line; line = strstr(line + 2, "\r\n"))
		if (strncasecmp(line + 2, "Content-Length:", 15) == 0)
			clen = strtoul(line + 17, NULL, 10);
	if (strncmp(rq->path, "/test/upload", 12) == 0) {
		/* any size: read and counted, not kept (the proxy's limit is
		 * what a test of uploads looks at) */
		size_t left = clen - (extra > clen ? clen : extra);
		char sink[65536];
		while (left > 0) {
			ssize_t r = read(fd, sink, left < sizeof sink ? left : sizeof sink);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return 400;
			left -= (size_t)r;
		}
		rq->body = NULL;
		rq->body_len = clen;
		return 0;
	}
	if (clen > MAX_BODY)
		return 413;
	rq->body = malloc(clen + 1);
	if (!rq->body)
		return 413;
	if (extra > clen)
		extra = clen;
	memcpy(rq->body, body_start, extra);
	rq->body_len = extra;
	while (rq->body_len < clen) {
		ssize_t r = read(fd, rq->body + rq->body_len, clen - rq->body_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 400;
		rq->body_len += (size_t)r;
	}
	rq->body[rq->body_len] = 0;
	return 0;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* value of NAME in the query string, URL-decoded into out */
static int query_param(const char *path, const char *name, char *out, size_t cap)
{
	const char *q = strchr(path, '?');
	size_t nl = strlen(name);
	for (q = q ? q + 1 : NULL; q && *q; q = strchr(q, '&') ? strchr(q, '&') + 1 : NULL) {
		if (strncmp(q, name, nl) || q[nl] != '=')
			continue;
		size_t o = 0;
		for (const char *p = q + nl + 1; *p && *p != '&' && o + 1 < cap; p++) {
			if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
				out[o++] = (char)(hexval(p[1]) * 16 + hexval(p[2]));
				p += 2;
			} else {
				out[o++] = *p == '+' ? ' ' : *p;
			}
		}
		out[o] = 0;
		return 1;
	}
	return 0;
}

static int safe_name(const char *s)
{
	if (!*s || *s == '.' || strlen(s) > 128)
		return 0;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') && !(*s >= '0' && *s <= '9')
		    && *s != '.' && *s != '_' && *s != '-')
			return 0;
	return 1;
}

static void odoo_handle(int fd, struct req *rq)
{
	char path[2048];
	snprintf(path, sizeof path, "%s", rq->path);
	char *qm = strchr(path, '?');
	if (qm)
		*qm = 0;
	int get = strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0;

	if (strcmp(path, "/") == 0 && get) {
		const char *v = getenv("STANDIN_VERSION");
		reply_text(fd, 200, "odoo stand-in database=%s host=%s version=%s\n", g_db, g_host,
			   v && *v ? v : "1");
	} else if (strcmp(path, "/web/health") == 0 && get) {
		char b[512];
		int ready = atomic_load(&g_ready);
		int n = snprintf(b, sizeof b, "{\"status\": \"%s\", \"database\": \"%s\"}\n",
				 ready ? "pass" : "starting", g_db);
		reply(fd, ready ? 200 : 503, "application/json", b, (size_t)n);
	} else if (strncmp(path, "/test/", 6) == 0 && !atomic_load(&g_ready)) {
		reply_text(fd, 503, "database %s not ready\n", g_db);
	} else if (strcmp(path, "/test/row") == 0 && strcmp(rq->method, "POST") == 0) {
		char value[1024];
		if (!query_param(rq->path, "value", value, sizeof value)) {
			reply_text(fd, 400, "value missing\n");
			return;
		}
		const char *params[] = { value };
		pthread_mutex_lock(&g_conn_lock);
		PGresult *r = PQexecParams(conn(), "INSERT INTO infrac_test_rows (value) VALUES ($1)", 1,
					   NULL, params, NULL, NULL, 0);
		int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
		pthread_mutex_unlock(&g_conn_lock);
		if (ok)
			reply_text(fd, 201, "inserted %s into %s\n", value, g_db);
		else
			reply_text(fd, 503, "insert failed\n");
	} else if (strcmp(path, "/test/upload") == 0) {
		reply_text(fd, 200, "received %zu bytes\n", rq->body_len);
	} else if (strcmp(path, "/test/rows") == 0 && get) {
		pthread_mutex_lock(&g_conn_lock);
		PGresult *r = PQexec(conn(), "SELECT value FROM infrac_test_rows ORDER BY id");
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			PQclear(r);
			pthread_mutex_unlock(&g_conn_lock);
			reply_text(fd, 503, "select failed\n");
			return;
		}
		size_t cap = 64, len = 0;
		char *out = malloc(cap);
		for (int i = 0; out && i < PQntuples(r); i++) {
			const char *v = PQgetvalue(r, i, 0);
			size_t vl = strlen(v);
			if (len + vl + 2 > cap) {
				cap = (len + vl + 2) * 2;
				char *n = realloc(out, cap);
				if (!n) {
					free(out);
					out = NULL;
					break;
				}
				out = n;
			}
			memcpy(out + len, v, vl);
			len += vl;
			out[len++] = '\n';
		}
		PQclear(r);
		pthread_mutex_unlock(&g_conn_lock);
		reply(fd, out ? 200 : 503, "text/plain", out ? out : "", out ? len : 0);
		free(out);
	} else if (strncmp(path, "/test/file/", 11) == 0) {
		const char *name = path + 11;
		char file[512];
		if (!safe_name(name)) {
			reply_text(fd, 400, "bad file name\n");
			return;
		}
		snprintf(file, sizeof file, FILESTORE "/%s", name);
		if (strcmp(rq->method, "PUT") == 0) {
			mkdir(FILESTORE, 0755);
			char tmp[600];
			snprintf(tmp, sizeof tmp, "%s.tmp", file);
			int f = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (f < 0) {
				reply_text(fd, 503, "open %s: %s\n", tmp, strerror(errno));
				return;
			}
			send_all(f, rq->body, rq->body_len);
			int ok = fsync(f) == 0;
			ok = close(f) == 0 && ok && rename(tmp, file) == 0;
			if (ok)
				reply_text(fd, 201, "wrote %zu bytes to %s\n", rq->body_len, file);
			else
				reply_text(fd, 503, "write %s failed\n", file);
		} else if (get) {
			FILE *f = fopen(file, "rb");
			if (!f) {
				reply_text(fd, 404, "no file %s\n", name);
				return;
			}
			char *data = malloc(MAX_BODY);
			size_t n = data ? fread(data, 1, MAX_BODY, f) : 0;
			fclose(f);
			reply(fd, data ? 200 : 503, "application/octet-stream", data ? data : "", n);
			free(data);
		} else {
			reply_text(fd, 405, "method %s\n", rq->method);
		}
	} else {
		reply_text(fd, 404, "no route %s %s\n", rq->method, path);
	}
}

static void ui_handle(int fd, struct req *rq)
{
	if (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD")) {
		reply_text(fd, 405, "method %s\n", rq->method);
		return;
	}
	reply_text(fd, 200, "claude-code-ui stand-in port=%s host=%s path=%s\n", env_or("PORT", "3001"),
		   g_host, rq->path);
}

static int serve(int port, void (*handle)(int, struct req *))
{
	int s = socket(AF_INET6, SOCK_STREAM, 0);
	int v6 = s >= 0;
	if (!v6)
		s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0) {
		perror("socket");
		return 1;
	}
	int one = 1, zero = 0;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	int bound;
	if (v6) {
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
					  .sin6_addr = in6addr_any };
		bound = bind(s, (struct sockaddr *)&a, sizeof a);
	} else {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr = htonl(INADDR_ANY) };
		bound = bind(s, (struct sockaddr *)&a, sizeof a);
	}
	if (bound < 0 || listen(s, 64) < 0) {
		perror("bind/listen");
		return 1;
	}
	logf_("%s stand-in listening on %d", handle == odoo_handle ? "odoo" : "claude-code-ui", port);
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("accept");
			return 1;
		}
		struct timeval tv = { .tv_sec = 10 };
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		struct req rq = { 0 };
		int st = read_req(c, &rq);
		if (st == 0)
			handle(c, &rq);
		else if (st > 0)
			reply_text(c, st, "bad request\n");
		free(rq.body);
		close(c);
	}
}

int main(int argc, char **argv)
{
	const char *me = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (gethostname(g_host, sizeof g_host - 1) < 0)
		strcpy(g_host, "?");

	if (strcmp(me, "npm") == 0) {
		printf("npm stand-in: skipped 'npm");
		for (int i = 1; i < argc; i++)
			printf(" %s", argv[i]);
		printf("' (no registry in the test engine)\n");
		return 0;
	}
	if (strcmp(me, "node") == 0) {
		if (argc > 1 && (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--version") == 0)) {
			puts("v22.0.0-standin");
			return 0;
		}
		fprintf(stderr, "node stand-in: no JavaScript here (only -v)\n");
		return 1;
	}
	if (strcmp(me, "claude-code-ui") == 0)
		return serve(atoi(env_or("PORT", "3001")), ui_handle);
	if (strcmp(me, "odoo") == 0) {
		for (int i = 1; i < argc; i++) {
			if (strncmp(argv[i], "--database=", 11) == 0)
				g_db = argv[i] + 11;
			else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc)
				g_db = argv[++i];
			/* --db-filter, --proxy-mode and the rest: accepted, ignored */
		}
		pthread_t t;
		if (pthread_create(&t, NULL, db_init, NULL)) {
			perror("pthread_create");
			return 1;
		}
		return serve(8069, odoo_handle);
	}
	fprintf(stderr, "standin: call me as odoo, claude-code-ui, npm or node (not %s)\n", me);
	return 2;
}
