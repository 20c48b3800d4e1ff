#!/usr/bin/env python3
"""Writes a large valid infra file: SERVERS servers, SERVICES services
spread evenly over them, PHASES phases each running every service (with
a few overrides per phase), domains behind one proxy per server.

usage: gen.py SERVERS SERVICES PHASES > big.infra
"""
import sys


def main():
    servers, services, phases = (int(a) for a in sys.argv[1:4])
    per = services // servers
    out = []
    w = out.append
    w("project bench {\n  provider = hetzner\n  location = \"nbg1\"\n"
      "  start    = 2026-01\n  horizon  = %d months\n}\n\n" % (phases * 3))
    w("limits {\n  headroom = 20%\n  cpu_overcommit = 2\n}\n\n")
    w("server_type big {\n  vcpu = 16\n  ram = 64 GB\n  disk = 640 GB\n"
      "  price = 38.49 EUR/month\n}\n\n")
    for s in range(servers):
        w("server srv%d {\n  type    = big\n  image   = \"ubuntu-24.04\"\n"
          "  reserve = 0.5 GB\n}\n\n" % s)
        w("proxy px%d {\n  image = \"nginx:1.27\"\n  ram   = 64 MB\n"
          "  tls   = letsencrypt\n  email = \"ops@example.com\"\n}\n\n" % s)
    for i in range(services):
        srv = i // per
        lines = ["service svc%d {" % i,
                 "  image = \"registry.example.com/team/app%d:1.%d\"" % (i % 50, i % 7),
                 "  ram   = %d MB .. %d MB" % (512 + (i % 4) * 128, 1024 + (i % 4) * 128),
                 "  cpus  = 0.5",
                 "  port  = %d" % (8000 + i % per)]
        if i % per:  # needs the first service of its server
            lines.append("  needs = [svc%d]" % (srv * per))
        if i % 10 == 0:
            lines.append("  domain = \"app%d.example.com\"" % i)
        if i % 5 == 0:
            lines += ["  volume data%d {" % i, "    path   = \"/data\"",
                      "    size   = 1 GB", "    growth = 50 MB/month", "  }"]
        lines += ["  env {", "    LOG_LEVEL = \"info\"",
                  "    DB_PASSWORD = secret(\"DB%d\")" % i, "  }", "}", ""]
        w("\n".join(lines) + "\n")
    for ph in range(phases):
        w("phase p%d {\n  start  = %04d-%02d\n  months = 3\n"
          % (ph, 2026 + ph * 3 // 12, ph * 3 % 12 + 1))
        for s in range(servers):
            w("  run on srv%d {\n" % s)
            w("    px%d\n" % s)
            for i in range(s * per, (s + 1) * per):
                w("    svc%d\n" % i)
            w("  }\n")
        # a handful of phase overrides, as real files have
        for k in range(min(10, services)):
            w("  service svc%d {\n    ram = 1.5 GB\n  }\n" % (k * per))
        w("}\n\n")
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main()
