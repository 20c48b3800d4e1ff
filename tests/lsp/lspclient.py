"""A Language Server Protocol client for the tests: `infrac lsp` on pipes,
messages framed with Content-Length, every read bounded by a deadline.
Python 3 standard library only."""
import json
import os
import select
import subprocess
import tempfile
import time


class Timeout(Exception):
    pass


class Server:
    started = []  # every server of this process, for close_all

    @classmethod
    def close_all(cls):
        """Kills what is still running: a test's last step, also on failure."""
        for s in cls.started:
            s.close()

    def __init__(self, infrac, args=("lsp",)):
        Server.started.append(self)
        self.stderr = tempfile.TemporaryFile()
        self.p = subprocess.Popen([infrac, *args], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=self.stderr)
        self.buf = b""
        self.notes = []   # notifications read while waiting for a response
        self.next_id = 0

    def raw(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def send(self, obj):
        body = json.dumps(obj).encode()
        self.raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise Timeout("no answer from infrac lsp in time")
        r, _, _ = select.select([self.p.stdout], [], [], left)
        if not r:
            raise Timeout("no answer from infrac lsp in time")
        chunk = os.read(self.p.stdout.fileno(), 1 << 16)
        if not chunk:
            raise EOFError("infrac lsp closed its output")
        self.buf += chunk

    def read(self, timeout=10.0):
        """The next message, whatever it is."""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            self._fill(deadline)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        length = None
        for line in head.split(b"\r\n"):
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v)
        if length is None:
            raise ValueError("a frame without Content-Length: %r" % head)
        while len(self.buf) < length:
            self._fill(deadline)
        body, self.buf = self.buf[:length], self.buf[length:]
        return json.loads(body)

    def response(self, rid, timeout=10.0):
        deadline = time.monotonic() + timeout
        for _ in range(1000):
            m = self.read(max(deadline - time.monotonic(), 0.01))
            if "method" not in m and m.get("id") == rid:
                return m
            self.notes.append(m)
        raise Timeout("too many messages before the response")

    def request(self, method, params=None, timeout=10.0):
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return self.response(self.next_id, timeout)

    def notify(self, method, params=None):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def notification(self, method, timeout=10.0):
        """The next notification of method (kept ones first)."""
        for i, m in enumerate(self.notes):
            if m.get("method") == method:
                return self.notes.pop(i)
        deadline = time.monotonic() + timeout
        for _ in range(1000):
            m = self.read(max(deadline - time.monotonic(), 0.01))
            if m.get("method") == method:
                return m
            self.notes.append(m)
        raise Timeout("too many messages before " + method)

    def wait(self, timeout=10.0):
        """The exit code; the process is killed when it does not exit."""
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None

    def errors(self):
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()
        for f in (self.p.stdin, self.p.stdout, self.stderr):
            try:
                f.close()
            except OSError:
                pass


class Tally:
    """ok/not ok lines and the closing "N passed, N failed" line."""

    def __init__(self):
        self.passed = self.failed = 0

    def ok(self, what, cond, detail=""):
        if cond:
            self.passed += 1
            if os.environ.get("VERBOSE"):
                print("ok - " + what)
        else:
            self.failed += 1
            print("not ok - " + what)
            for line in str(detail).splitlines()[:30]:
                print("#   " + line)

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0
