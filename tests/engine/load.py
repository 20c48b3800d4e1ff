#!/usr/bin/env python3
"""Steady HTTPS load on one domain, for the zero-downtime tests: RATE
requests a second, each on a new connection (SNI and Host set to the
domain, the test's own certificates not verified), until the file STOP
exists or SECONDS have passed.  Prints one line of JSON:

    {"sent": N, "ok": N, "failed": N, "rate": R, "longest_gap_ms": G,
     "bodies": {"first line of a body": count, ...}, "errors": [...]}

A request fails when it gets no answer within 10 s or a status of 500 or
more; the longest gap is the longest time without a successful answer.

    load.py DOMAIN ADDRESS RATE SECONDS STOP
"""
import http.client
import json
import os
import ssl
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor


def one(domain, address, ctx):
    t0 = time.monotonic()
    conn = http.client.HTTPSConnection(address, 443, timeout=10, context=ctx)
    try:
        conn.request("GET", "/", headers={"Host": domain})
        r = conn.getresponse()
        body = r.read(200).decode("utf-8", "replace").split("\n")[0]
        return t0, time.monotonic(), r.status < 500, "%d %s" % (r.status, body)
    except Exception as e:  # noqa: BLE001 - every failure counts the same
        return t0, time.monotonic(), False, type(e).__name__ + ": " + str(e)
    finally:
        conn.close()


class SNIContext:
    """An SSLContext whose connections all send the domain as SNI."""

    def __init__(self, domain):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.ctx.check_hostname = False
        self.ctx.verify_mode = ssl.CERT_NONE
        self.domain = domain

    def wrap_socket(self, sock, server_hostname=None):
        return self.ctx.wrap_socket(sock, server_hostname=self.domain)

    def __getattr__(self, name):
        return getattr(self.ctx, name)


def main():
    domain, address, rate, seconds, stop = sys.argv[1:6]
    rate, seconds = float(rate), float(seconds)
    ctx = SNIContext(domain)
    results, lock = [], threading.Lock()

    def run():
        r = one(domain, address, ctx)
        with lock:
            results.append(r)

    start = time.monotonic()
    sent = 0
    with ThreadPoolExecutor(max_workers=32) as pool:
        while time.monotonic() - start < seconds and not os.path.exists(stop):
            pool.submit(run)
            sent += 1
            due = start + sent / rate
            time.sleep(max(0.0, due - time.monotonic()))
    took = time.monotonic() - start
    results.sort(key=lambda r: r[1])
    ok_times = [start] + [r[1] for r in results if r[2]] + [start + took]
    gap = max(b - a for a, b in zip(ok_times, ok_times[1:]))
    bodies, errors = {}, []
    for r in results:
        if r[2]:
            key = r[3].split(" ", 1)[1] if " " in r[3] else r[3]
            bodies[key] = bodies.get(key, 0) + 1
        elif len(errors) < 5:
            errors.append(r[3])
    print(json.dumps({
        "sent": sent, "ok": sum(1 for r in results if r[2]),
        "failed": sum(1 for r in results if not r[2]),
        "rate": round(sent / took, 1), "longest_gap_ms": int(gap * 1000),
        "bodies": bodies, "errors": errors}))


if __name__ == "__main__":
    main()
