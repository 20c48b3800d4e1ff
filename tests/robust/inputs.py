#!/usr/bin/env python3
"""Hostile inputs to `infrac check`, each a kind of file a user can hand it
by mistake: binary files, control characters, invalid UTF-8, a FIFO (as the
file and as a file()), /dev/zero, a directory, a file over the size cap and
a 10 MB broken line.  Each run must exit 1 within the timeout, print one of
the expected codes, and write diagnostics that are bounded, valid UTF-8
and free of control characters other than newline and tab.

usage: inputs.py INFRAC EXAMPLE
"""
import os
import random
import subprocess
import sys
import tempfile
import time

TIMEOUT = 20      # seconds; each healthy run takes well under one
OUT_MAX = 65536   # bytes of diagnostics, whatever the input


def run(infrac, cwd, path, args=()):
    t0 = time.monotonic()
    try:
        p = subprocess.run([infrac, "check", *args, path], cwd=cwd, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return "timeout", b"", time.monotonic() - t0
    return p.returncode, p.stdout + p.stderr, time.monotonic() - t0


def problems(rc, out, code):
    why = []
    if rc != 1:
        why.append("exit %s, not 1" % rc)
    if len(out) > OUT_MAX:
        why.append("%d bytes of output" % len(out))
    try:
        text = out.decode("utf-8")
    except UnicodeDecodeError as e:
        why.append("output is not UTF-8 (%s)" % e)
        text = out.decode("utf-8", "replace")
    bad = [c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f]
    if bad:
        why.append("output holds control characters %r" % sorted(set(bad))[:5])
    if code not in text:
        why.append("no %s in the output: %s" % (code, text[:300]))
    return why


def cases(d, example):
    """(name, path, code, extra args); files made in d."""
    def put(name, data):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        return name
    rng = random.Random(16)
    key = b'ssh_key ops {\n  public_key = file("fifo.pub")\n}\n'
    os.mkfifo(os.path.join(d, "fifo.infra"))
    os.mkfifo(os.path.join(d, "fifo.pub"))
    os.mkdir(os.path.join(d, "folder.infra"))
    with open(os.path.join(d, "huge.infra"), "wb") as f:
        f.truncate(129 * 1024 * 1024)  # sparse: over the 128 MiB cap
    esc = example.replace(b'location = "nbg1"', b'location = "nb\x1b[2Jg1"', 1)
    assert esc != example
    long_line = example + b"x = " + b"= ; " * (10 * 1024 * 1024 // 4) + b"\n"
    long_name = example + b"service s {\n  " + b"n" * (1024 * 1024) + b" = 1\n}\n"
    return [
        ("random bytes", put("random.infra", bytes(rng.randrange(256) for _ in range(65536))), "E0007", ()),
        ("an ELF binary", put("elf.infra", open("/bin/true", "rb").read()), "E0007", ()),
        ("UTF-16 text", put("utf16.infra", b"\xff\xfe" + example.decode().encode("utf-16-le")), "E0007", ()),
        ("an escape sequence in a string", put("esc.infra", esc), "E0009", ()),
        ("an escape sequence in a comment and an error", put("esc2.infra", example + b"# \x1b[2J\x1b]0;x\x07\n;\n"), "E0003", ()),
        ("control bytes everywhere, past the sample", put("ctl.infra", example + b"#" * 9000 + b"\n" + bytes(range(1, 32)) * 600), "E0003", ()),
        ("invalid UTF-8 in a string", put("utf8.infra", example.replace(b'"nginx:', b'"ng\xffinx:', 1)), "E0008", ()),
        ("invalid UTF-8 with --json", "utf8.infra", "E0008", ("--json",)),
        ("Latin-1 text", put("latin1.infra", b"# K\xf6ln\n" + example), "E0008", ()),
        ("a NUL past the first 8 KiB", put("nul.infra", example + b"#" * 9000 + b'\nx = "a\x00b"\n'), "E0009", ()),
        ("a FIFO as the file", "fifo.infra", "E0006", ()),
        ("a FIFO as a file()", put("fifokey.infra", example + key), "E0006", ()),
        ("/dev/zero", "/dev/zero", "E0006", ()),
        ("a directory", "folder.infra", "E0006", ()),
        ("a file over 128 MiB", "huge.infra", "E0006", ()),
        ("a 10 MB broken line", put("long.infra", long_line), "E0003", ()),
        ("a 10 MB broken line with --json", "long.infra", "E0003", ("--json",)),
        ("a name of 1 MB", put("longname.infra", long_name), "E0102", ()),
    ]


def main():
    infrac, example_path = sys.argv[1], sys.argv[2]
    example = open(example_path, "rb").read()
    failed = 0
    with tempfile.TemporaryDirectory(prefix="infrac-inputs-") as d:
        for name, path, code, args in cases(d, example):
            rc, out, secs = run(infrac, d, path, args)
            why = problems(rc, out, code)
            print("inputs: %-48s exit %s, %7d bytes, %.2f s%s"
                  % (name, rc, len(out), secs, "" if not why else "  FAILED: " + "; ".join(why)))
            failed += bool(why)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
