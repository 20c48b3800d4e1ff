#!/usr/bin/env python3
"""make bench, the second part: every command on generated inputs of about
1, 10 and 100 MB, with CPU seconds per MB and peak RSS per MB of input,
and a verdict per command: FAIL when its time per MB grows by more than a
third from 10 to 100 MB (not linear), or when its peak RSS passes 10x the
input at 10 or 100 MB (at 1 MB the process's fixed size, about 12 MB,
dominates and is printed only).  A benchmark, not a test: it prints.

usage: commands.py INFRAC [--sizes 1,10,100] [--runs N] [--only NAME,...]

--only measures the commands whose names start with one of the given
words, a --json variant only when the word says so ("check" is check,
"check --json" check --json, "build" build --phase p0).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# MB of input -> (servers, services, phases) for gen.py
SHAPES = {1: (100, 2000, 20), 10: (1000, 20000, 20), 100: (10000, 200000, 20)}
# name -> arguments after the file; OUT is a scratch directory
COMMANDS = [
    ("check", ["check", "F"]),
    ("check --json", ["check", "F", "--json"]),
    ("cost", ["cost", "F"]),
    ("cost --json", ["cost", "F", "--json"]),
    ("recommend", ["recommend", "F"]),
    ("recommend --json", ["recommend", "F", "--json"]),
    ("build --phase p0", ["build", "F", "-o", "OUT", "--phase", "p0"]),
    ("plan --phase p0 (offline)", ["plan", "F", "--phase", "p0"]),
]
OK_EXIT = {0, 2}  # plan says 2 for "changes"


def measure(infrac, args, cwd):
    """One run: (CPU seconds, peak RSS bytes, wall seconds, exit status)."""
    env = dict(os.environ)
    env.pop("HCLOUD_TOKEN", None)
    env["INFRAC_REGISTRY"] = "off"
    with open(os.devnull, "wb") as null:
        t0 = time.monotonic()
        p = subprocess.Popen([infrac] + args, cwd=cwd, stdout=null, stderr=null, env=env)
        _, status, ru = os.wait4(p.pid, 0)
    return (ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024, time.monotonic() - t0,
            os.waitstatus_to_exitcode(status))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("infrac")
    ap.add_argument("--sizes", default="1,10,100")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    only = [w.strip() for w in args.only.split(",") if w.strip()]
    commands = [c for c in COMMANDS if not only or any(
        c[0].startswith(w) and ("--json" in c[0]) == ("--json" in w) for w in only)]
    infrac = os.path.abspath(args.infrac)
    sizes = [int(s) for s in args.sizes.split(",")]
    res = {}  # (command, size) -> (cpu s/MB, rss/input, MB)
    with tempfile.TemporaryDirectory(prefix="infrac-bench-") as tmp:
        for mb in sizes:
            path = os.path.join(tmp, "in-%d.infra" % mb)
            with open(path, "w") as f:
                subprocess.run([sys.executable, os.path.join(HERE, "gen.py")] +
                               [str(x) for x in SHAPES[mb]], stdout=f, check=True)
            size = os.path.getsize(path) / 1e6
            for name, cmd in commands:
                out = os.path.join(tmp, "out")
                argv = [os.path.basename(path) if a == "F" else out if a == "OUT" else a
                        for a in cmd]
                runs = []
                for _ in range(args.runs):
                    shutil.rmtree(out, ignore_errors=True)
                    runs.append(measure(infrac, argv, tmp))
                shutil.rmtree(out, ignore_errors=True)
                bad = [r[3] for r in runs if r[3] not in OK_EXIT]
                if bad:
                    print("FAIL %s on %d MB: exit %d" % (name, mb, bad[0]))
                    res[(name, mb)] = None
                    continue
                cpu = min(r[0] for r in runs)
                rss = max(r[1] for r in runs)
                res[(name, mb)] = (cpu / size, rss / 1e6 / size, size, cpu, rss / 1e6)
            os.unlink(path)
    print("every command, CPU time (best of %d) and peak RSS per MB of input; load average %.2f"
          % (args.runs, os.getloadavg()[0]))
    print("%-28s %6s %9s %9s %9s %9s  %s" % ("command", "MB", "cpu s", "s/MB", "peak MB",
                                              "RSS/input", "verdict"))
    fails = 0
    for name, _ in commands:
        for mb in sizes:
            r = res.get((name, mb))
            if r is None:
                print("%-28s %6d %9s" % (name, mb, "failed"))
                continue
            per, ratio, size, cpu, rss = r
            why = []
            if mb >= 10 and ratio > 10:
                why.append("memory %.1fx the input" % ratio)
            if mb == 100 and res.get((name, 10)):
                grow = per / res[(name, 10)][0]
                if grow > 4 / 3:
                    why.append("time per MB x%.2f from 10 to 100 MB" % grow)
            fails += bool(why)
            print("%-28s %6.1f %9.3f %9.4f %9.1f %9.1f  %s" % (
                name, size, cpu, per, rss, ratio, "FAIL: " + ", ".join(why) if why else "ok"))
    print("bench commands: %d FAIL line%s" % (fails, "" if fails == 1 else "s"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
