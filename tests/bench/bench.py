#!/usr/bin/env python3
"""make bench: generates large valid inputs at two sizes and measures
`infrac check` on each: wall and CPU time (best of 9), throughput, peak RSS.
The load average is printed with the figures: on a shared machine wall
times vary with it, CPU times much less.

usage: bench.py INFRAC [--runs N]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# (servers, services, phases): the large size and a quarter of it
SIZES = [(250, 5000, 20), (1000, 20000, 20)]


def measure(infrac, path):
    """One run: (wall seconds, CPU seconds, peak RSS in bytes, exit status)."""
    with open(os.devnull, "wb") as null:
        t0 = time.monotonic()
        p = subprocess.Popen([infrac, "check", os.path.basename(path)],
                             cwd=os.path.dirname(path), stdout=null, stderr=null)
        _, status, ru = os.wait4(p.pid, 0)
        dt = time.monotonic() - t0
    return (dt, ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024,
            os.waitstatus_to_exitcode(status))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("infrac")
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    infrac = os.path.abspath(args.infrac)

    rows = []
    with tempfile.TemporaryDirectory(prefix="infrac-bench-") as tmp:
        for servers, services, phases in SIZES:
            path = os.path.join(tmp, "bench-%d.infra" % services)
            with open(path, "w") as f:
                subprocess.run([sys.executable, os.path.join(HERE, "gen.py"),
                                str(servers), str(services), str(phases)],
                               stdout=f, check=True)
            size = os.path.getsize(path)
            runs = [measure(infrac, path) for _ in range(args.runs)]
            if any(r[3] != 0 for r in runs):
                print("bench: infrac check rejected the generated input", file=sys.stderr)
                return 1
            best = min(r[0] for r in runs)
            cpu = min(r[1] for r in runs)
            rss = max(r[2] for r in runs)
            rows.append((servers, services, phases, size, best, cpu, rss))

    print("infrac check, best of %d runs, report to /dev/null; load average %.2f"
          % (args.runs, os.getloadavg()[0]))
    print("%8s %9s %7s %10s %8s %8s %7s %8s %9s" % (
        "servers", "services", "phases", "input MB", "wall s", "cpu s", "MB/s",
        "peak MB", "RSS/input"))
    for servers, services, phases, size, best, cpu, rss in rows:
        print("%8d %9d %7d %10.2f %8.3f %8.3f %7.1f %8.1f %9.1f" % (
            servers, services, phases, size / 1e6, best, cpu, size / 1e6 / best,
            rss / 1e6, rss / size))
    (_, _, _, s0, t0, _, _), (_, _, _, s1, t1, _, _) = rows[0], rows[-1]
    print("growth: input x%.2f, time x%.2f (linear: equal factors)" % (s1 / s0, t1 / t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
