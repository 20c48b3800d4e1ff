#!/usr/bin/env python3
"""Pastes the golden artefacts of becker.infra's production phase into
docs/build.md (the code blocks under their headings), so the page shows
the files as they are.  Run by `UPDATE=1 run.sh`.

    docs_paste.py ROOT INFRAC
"""
import re
import subprocess
import sys
import tempfile

root, infrac = sys.argv[1], sys.argv[2]
golden = root + "/tests/build/golden/production/main/"
page = root + "/docs/build.md"


def text(name):
    t = open(golden + name).read()
    return t[:-1] if t.endswith("\n") else t


def put(doc, heading, lang, body):
    i = doc.index(heading)
    a = doc.index("```" + lang + "\n", i) + len(lang) + 4
    b = doc.index("\n```\n", a)
    return doc[:a] + body + doc[b:]


def cloudinit_abridged():
    """cloud-init.yaml with the embedded artefacts shown as '...'."""
    out, skip = [], False
    for line in text("cloud-init.yaml").split("\n"):
        if skip and (line.startswith("    ") or line == ""):
            continue
        skip = False
        out.append(line)
        if line == "  content: |" and "/opt/infrac/" in out[-4]:
            out.append("    ...")
            skip = True
    return "\n".join(out)


doc = open(page).read()
doc = put(doc, "### docker-compose.yml", "yaml", text("docker-compose.yml"))
doc = put(doc, "### nginx.conf", "nginx", text("nginx.conf"))
doc = put(doc, "### .env.example", "", text(".env.example"))
doc = put(doc, "### certs.sh", "sh", text("certs.sh"))
doc = put(doc, "### cloud-init.yaml", "yaml", cloudinit_abridged())
with tempfile.TemporaryDirectory() as out:
    first = subprocess.run([infrac, "build", root + "/examples/becker.infra", "-o", out],
                           capture_output=True, text=True, check=True).stdout.split("\n")[0]
    doc = re.sub(r"wrote build/demo/dev_test/main/cloud-init.yaml \(\d+ bytes\)",
                 first.replace(out, "build/demo"), doc)
open(page, "w").write(doc)
