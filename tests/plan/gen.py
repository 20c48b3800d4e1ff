#!/usr/bin/env python3
"""gen.py N: an infra file with N servers (s1..sN), one small service each (a service runs on one server),
for the paging tests and the plan benchmark."""

import sys

n = int(sys.argv[1])
out = ["project many {", "  provider = hetzner", '  location = "nbg1"', "  start = 2026-01",
       "  horizon = 12 months", "}", "",
       "ssh_key ops {",
       '  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP0oZp1lH3OHbNgwHnhQpDPhhE7dPanMDKWPahOPVtCy ops@many"',
       "}", ""]
for i in range(1, n + 1):
    out += ["service app%d {" % i, '  image = "nginx:1.27"', "  ram = 0.5 GB", "}"]
for i in range(1, n + 1):
    out += ["server s%d {" % i, "  type = cpx22", '  image = "ubuntu-24.04"', "  ssh_keys = [ops]", "}"]
out += ["", "phase all {", "  start = 2026-01", "  months = 12"]
for i in range(1, n + 1):
    out += ["  run on s%d { app%d }" % (i, i)]
out += ["}"]
print("\n".join(out))
