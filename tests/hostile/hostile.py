#!/usr/bin/env python3
"""A hostile Hetzner Cloud API for tests/hostile/run.sh.

    hostile.py MODE --port-file F --log F [--lifetime S]

Listens on 127.0.0.1 (port 0; the port is written to F once it listens)
and answers like the Hetzner API closely enough for `infrac plan` of
tests/hostile/one.infra to get to the request under test, which MODE
answers badly:

  ok              a small project: what plan needs, nothing hostile
  endless-pages   /servers: one server a page, next_page always page + 1
  empty-pages     /servers: no server on a page, next_page always page + 1
  same-page       /servers: every page names itself as the next
  token-echo      /server_types: 401 whose code, message and fields echo
                  the Authorization header, with "\x1b[2J" and line breaks
  close-keepalive answers the first request of a connection and keeps it
                  open without Connection: close, then reads the next request
                  on it and closes it unanswered: an idle connection the
                  server closed just as the client reused it
  huge            /server_types: a 65 MiB answer with its Content-Length
  huge-unsized    /server_types: a 65 MiB answer ended by closing the
                  connection, its length not announced
  blackhole       reads every request and never answers (until it stops)

Every request is one line of the log: "METHOD PATH conn=N req=K", N the
connection's number and K the request's number on that connection.  The
server stops by itself after --lifetime seconds (default 300), so a test
that dies cannot leave it behind.
"""
import argparse
import http.server
import json
import os
import socket
import threading
import urllib.parse

PUBLIC_KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP0oZp1lH3OHbNgwHnhQpDPhhE7dPanMDKWPahOPVtCy"
              " ops@hostile")

SERVER_TYPE = {
    "id": 104, "name": "cpx22", "cores": 2, "memory": 4.0, "disk": 80, "deprecated": False,
    "deprecation": None, "architecture": "x86",
    "prices": [{"location": "nbg1",
                "price_hourly": {"net": "0.0096000000", "gross": "0.0114240000"},
                "price_monthly": {"net": "5.9900000000", "gross": "7.1281000000"}}],
    "locations": [{"id": 2, "name": "nbg1", "deprecation": None, "available": True,
                   "recommended": True}],
}
LOCATION = {"id": 2, "name": "nbg1", "city": "Nuremberg", "country": "DE",
            "network_zone": "eu-central"}
IMAGE = {"id": 161547269, "type": "system", "status": "available", "name": "ubuntu-24.04",
         "os_flavor": "ubuntu", "os_version": "24.04", "architecture": "x86",
         "deprecated": None, "labels": {}}


def server(n):
    """A server of another project: plan lists it and leaves it alone."""
    return {"id": 1000 + n, "name": "other-%d" % n, "status": "running",
            "server_type": {"id": 104, "name": "cpx22"},
            "image": {"id": IMAGE["id"], "name": "ubuntu-24.04"},
            "location": LOCATION, "public_net": {"ipv4": {"ip": "192.0.2.%d" % (n % 250 + 1)}},
            "labels": {"infrac/project": "other"}}


def page_of(key, items, page, next_page):
    return {key: items, "meta": {"pagination": {
        "page": page, "per_page": 50, "previous_page": page - 1 if page > 1 else None,
        "next_page": next_page, "last_page": None, "total_entries": None}}}


LISTS = {"server_types": [SERVER_TYPE], "locations": [LOCATION], "ssh_keys": [],
         "firewalls": [], "servers": [], "networks": [], "images": [IMAGE], "zones": []}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hostile"
    sys_version = ""

    def setup(self):
        super().setup()
        # headers and body go out in two writes: without this, Nagle and
        # the client's delayed ACK add 40 ms to every answer
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.lock:
            self.server.conns += 1
            self.conn_no = self.server.conns
        self.req_no = 0

    def log_message(self, fmt, *args):
        pass

    def log(self, note=""):
        line = "%s %s conn=%d req=%d%s\n" % (self.command, self.path, self.conn_no,
                                             self.req_no, note)
        with self.server.lock, open(self.server.log_path, "a") as f:
            f.write(line)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def send_json(self, status, obj, headers=()):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("RateLimit-Limit", "3600")
        self.send_header("RateLimit-Remaining", "3599")
        self.send_header("RateLimit-Reset", "9999999999")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        self.req_no += 1
        self.body = self.read_body()
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.split("/")
        if len(parts) < 3 or parts[1] != "v1":
            self.log()
            return self.send_json(404, {"error": {"code": "not_found", "message": "no such path"}})
        query = urllib.parse.parse_qs(url.query)
        page = int(query.get("page", ["1"])[0])
        mode = MODES.get(self.server.mode)
        if mode and mode(self, parts[2:], page) is not None:
            return
        self.log()
        self.answer_list(parts[2], page)

    def answer_list(self, key, page):
        if self.command == "POST" and key == "ssh_keys":
            sent = json.loads(self.body or b"{}")
            return self.send_json(201, {"ssh_key": {
                "id": 7, "name": sent.get("name", "key"), "fingerprint": "00:11",
                "public_key": sent.get("public_key", PUBLIC_KEY), "labels": sent.get("labels", {})}})
        if self.command != "GET" or key not in LISTS:
            return self.send_json(404, {"error": {"code": "not_found", "message": "not here"}})
        self.send_json(200, page_of(key, LISTS[key] if page == 1 else [], page, None))

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


# ---- modes: each returns None to let the project answer, else True ------------

def mode_endless_pages(h, path, page):
    if path != ["servers"] or h.command != "GET":
        return None
    h.log()
    h.send_json(200, page_of("servers", [server(page)], page, page + 1))
    return True


def mode_empty_pages(h, path, page):
    if path != ["servers"] or h.command != "GET":
        return None
    h.log()
    h.send_json(200, page_of("servers", [], page, page + 1))
    return True


def mode_same_page(h, path, page):
    if path != ["servers"] or h.command != "GET":
        return None
    h.log()
    h.send_json(200, page_of("servers", [server(page)], page, page))
    return True


def mode_token_echo(h, path, page):
    if path != ["server_types"]:
        return None
    h.log()
    echo = "Authorization: %s" % h.headers.get("Authorization", "")
    h.send_json(401, {"error": {
        "code": "unauthorized\x1b[2J" + echo,
        "message": "invalid token in %s\x1b[2J\nforged: after the line break" % echo,
        "details": {"fields": [{"name": echo + "\r\n", "messages": ["\x1b[31m" + echo]}]}}})
    return True


def mode_close_keepalive(h, path, page):
    if h.req_no == 1:
        return None
    h.log(" dropped")
    h.close_connection = True
    return True


HUGE = 65 << 20


def send_huge(h, sized):
    h.log()
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    if sized:
        h.send_header("Content-Length", str(HUGE))
    else:
        h.send_header("Connection", "close")
        h.close_connection = True
    h.end_headers()
    chunk = b" " * (1 << 20)
    try:
        h.wfile.write(b'{"server_types": [')
        for _ in range(HUGE >> 20):
            h.wfile.write(chunk)
    except OSError:
        h.close_connection = True  # the client gave up: it should
    return True


def mode_huge(h, path, page):
    return send_huge(h, True) if path == ["server_types"] else None


def mode_huge_unsized(h, path, page):
    return send_huge(h, False) if path == ["server_types"] else None


def mode_blackhole(h, path, page):
    h.log()
    h.server.stop.wait(h.server.lifetime)
    h.close_connection = True
    return True


MODES = {
    "ok": None,
    "endless-pages": mode_endless_pages,
    "empty-pages": mode_empty_pages,
    "same-page": mode_same_page,
    "token-echo": mode_token_echo,
    "close-keepalive": mode_close_keepalive,
    "huge": mode_huge,
    "huge-unsized": mode_huge_unsized,
    "blackhole": mode_blackhole,
}


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=sorted(MODES))
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--lifetime", type=float, default=300)
    args = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.mode, srv.log_path, srv.lock, srv.conns = args.mode, args.log, threading.Lock(), 0
    srv.stop, srv.lifetime = threading.Event(), args.lifetime
    open(args.log, "w").close()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.replace(tmp, args.port_file)
    timer = threading.Timer(args.lifetime, srv.shutdown)
    timer.daemon = True
    timer.start()
    try:
        srv.serve_forever(poll_interval=0.1)
    finally:
        srv.stop.set()
        srv.server_close()


if __name__ == "__main__":
    main()
