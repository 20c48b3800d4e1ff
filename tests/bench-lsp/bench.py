"""make bench: the time from a textDocument/didChange to its
publishDiagnostics in infrac lsp, on a generated 10,000-line file (the
whole text sent at each change, as the server asks), alternating a change
that overloads a server with one that fixes it.  Not a test: it prints
figures (see docs/lsp.md).
   python3 bench.py INFRAC [--runs N]"""
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lsp"))
from lspclient import Server  # noqa: E402


def cpu_seconds(pid):
    """User and system CPU time of a process so far (Linux /proc)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    infrac = sys.argv[1]
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 40
    text = subprocess.run([sys.executable, os.path.join(HERE, "..", "bench", "gen.py"),
                           "20", "560", "4"], capture_output=True, text=True,
                          check=True).stdout
    bad = text.replace("  ram   = 640 MB .. 1152 MB", "  ram   = 640 MB .. 99 GB", 1)
    assert bad != text
    uri = "untitled:big.infra"
    s = Server(infrac)
    try:
        s.request("initialize", {"capabilities": {}})
        s.notify("initialized", {})
        s.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "infra", "version": 0, "text": text}})
        s.notification("textDocument/publishDiagnostics", 60)
        times, counts = [], set()
        cpu0 = cpu_seconds(s.p.pid)
        for v in range(1, runs + 1):
            t0 = time.perf_counter()
            s.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": v},
                "contentChanges": [{"text": bad if v % 2 else text}]})
            p = s.notification("textDocument/publishDiagnostics", 60)["params"]
            times.append((time.perf_counter() - t0) * 1000)
            counts.add((v % 2, len(p["diagnostics"])))
        cpu = (cpu_seconds(s.p.pid) - cpu0) * 1000 / runs
        s.request("shutdown")
        s.notify("exit")
        s.wait()
    finally:
        s.close()
    times.sort()
    print("lsp: %d lines, %d bytes; %d changes, diagnostics per change %s"
          % (text.count("\n"), len(text.encode()), runs, sorted(counts)))
    print("lsp: change to diagnostics: median %.1f ms, p90 %.1f ms, max %.1f ms (target 50 ms)"
          % (statistics.median(times), times[int(len(times) * 0.9) - 1], times[-1]))
    print("lsp: CPU time of the server per change: %.1f ms (load average %.1f)"
          % (cpu, os.getloadavg()[0]))


main()
