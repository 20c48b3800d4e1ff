#!/usr/bin/env python3
"""What tests/registry needs around a real registry, with the standard library.

  regtool.py push BASE REPO TAG SEED
      pushes an image through the registry's HTTP API (Docker Registry API
      v2): a config blob and a small layer, both made from SEED, then a
      Docker v2 manifest under TAG; prints the manifest's digest.  Pushing
      the same tag with another SEED moves the tag, as `docker push` of a
      rebuilt image does.

  regtool.py standin --backend URL --port-file F --log F [--private REPO|all]
                     [--strip-digest REPO] [--canary TEXT]
      A STAND-IN for a registry that demands a token (Docker Hub, ghcr.io
      and most public registries do; Debian packages no token server).  One
      process on 127.0.0.1 is both the token realm (GET /token?service=
      &scope=repository:NAME:pull answers {"access_token": ...}) and a
      front that answers 401 with a Bearer challenge to every /v2/ request
      without a token for that repository, and passes the others to the
      real registry at URL.  --private REPO: the realm refuses anonymous
      tokens (401) for REPO (all: for every one), as for a private image.
      --strip-digest REPO: the front leaves the Docker-Content-Digest
      header out for REPO, as some registries do.  --canary TEXT: a
      request whose line or headers hold TEXT (the Hetzner token, which
      must never reach a registry) is logged as a leak.
      Each token request and each request to the front is a JSON line in
      the log.
"""
import hashlib
import http.server
import json
import secrets
import socket
import sys
import urllib.error
import urllib.parse
import urllib.request

TIMEOUT = 10


def request(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def upload_blob(base, repo, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    status, headers, _ = request("POST", "%s/v2/%s/blobs/uploads/" % (base, repo), b"")
    assert status == 202, ("upload start", status)
    loc = urllib.parse.urljoin(base + "/", headers["Location"])
    loc += ("&" if "?" in loc else "?") + "digest=" + urllib.parse.quote(digest)
    status, _, body = request("PUT", loc, data, {"Content-Type": "application/octet-stream"})
    assert status == 201, ("upload", status, body)
    return {"digest": digest, "size": len(data)}


def push(base, repo, tag, seed):
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "config": {"Env": ["SEED=" + seed]},
                         "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    layer = ("layer of " + seed).encode()
    c = upload_blob(base, repo, config)
    lay = upload_blob(base, repo, layer)
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", **c},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", **lay}],
    }).encode()
    status, headers, body = request(
        "PUT", "%s/v2/%s/manifests/%s" % (base, repo, tag), manifest,
        {"Content-Type": "application/vnd.docker.distribution.manifest.v2+json"})
    assert status == 201, ("manifest", status, body)
    digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    assert headers.get("Docker-Content-Digest") == digest, headers
    print(digest)


class Standin(http.server.ThreadingHTTPServer):
    daemon_threads = True


def make_handler(opts, tokens, log):
    service = "standin-registry"

    def note(**kw):
        log.write(json.dumps(kw) + "\n")
        log.flush()

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def setup(self):
            super().setup()
            # headers and body go in separate writes: without this, Nagle
            # and the client's delayed ACK cost 40 ms an answer
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def reply(self, status, headers, body=b""):
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            if "Content-Length" not in headers:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def token(self, q):
            scope = q.get("scope", [""])[0]
            note(kind="token", service=q.get("service", [""])[0], scope=scope)
            private = opts["private"] in ("all", scope.split(":")[1] if scope.count(":") == 2 else "")
            if private or q.get("service", [""])[0] != service:
                return self.reply(401, {"Content-Type": "application/json"},
                                  b'{"details": "incorrect username or password"}')
            tok = "tk-" + secrets.token_hex(12)
            tokens[tok] = scope
            self.reply(200, {"Content-Type": "application/json"},
                       json.dumps({"access_token": tok, "expires_in": 300}).encode())

        def front(self, path):
            # /v2/NAME/manifests/REF: the repository is everything between
            repo = path[4:].rsplit("/manifests/", 1)[0] if "/manifests/" in path else ""
            auth = self.headers.get("Authorization", "")
            granted = tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
            note(kind="front", method=self.command, path=path, token=bool(auth), ok=bool(granted))
            if granted != "repository:%s:pull" % repo:
                port = self.server.server_address[1]
                chal = 'Bearer realm="http://127.0.0.1:%d/token",service="%s",scope="repository:%s:pull"' % (
                    port, service, repo)
                return self.reply(401, {"WWW-Authenticate": chal, "Content-Type": "application/json"},
                                  b'{"errors":[{"code":"UNAUTHORIZED"}]}')
            hdrs = {"Accept": self.headers.get("Accept", "")}
            status, h, body = request(self.command, opts["backend"] + path, None, hdrs)
            out = {k: v for k, v in h.items()
                   if k in ("Content-Type", "Content-Length", "Docker-Content-Digest")}
            if repo == opts["strip"]:
                out.pop("Docker-Content-Digest", None)
            self.reply(status, out, body)

        def do_GET(self):
            c = opts["canary"]
            if c and (c in self.path or any(c in v for v in self.headers.values())):
                note(kind="leak", path=self.path)
            u = urllib.parse.urlsplit(self.path)
            if u.path == "/token":
                return self.token(urllib.parse.parse_qs(u.query))
            if u.path.startswith("/v2/"):
                return self.front(u.path)
            self.reply(404, {}, b"")

        do_HEAD = do_GET

    return H


def standin(argv):
    opts = {"backend": None, "port_file": None, "log": None, "private": None, "strip": None,
            "canary": None}
    it = iter(argv)
    for a in it:
        if a == "--backend":
            opts["backend"] = next(it).rstrip("/")
        elif a == "--port-file":
            opts["port_file"] = next(it)
        elif a == "--log":
            opts["log"] = next(it)
        elif a == "--private":
            opts["private"] = next(it)
        elif a == "--strip-digest":
            opts["strip"] = next(it)
        elif a == "--canary":
            opts["canary"] = next(it)
        else:
            sys.exit("standin: unknown option " + a)
    log = open(opts["log"], "a")
    srv = Standin(("127.0.0.1", 0), make_handler(opts, {}, log))
    with open(opts["port_file"] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(opts["port_file"] + ".tmp", opts["port_file"])
    srv.serve_forever()


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "push":
        push(*sys.argv[2:])
    elif len(sys.argv) > 1 and sys.argv[1] == "standin":
        standin(sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
