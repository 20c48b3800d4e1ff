#!/usr/bin/env python3
"""Robustness driver: runs infrac check on every byte-wise prefix of a
source file and on seeded random mutations of it, two at a time, and
fails when a run exits other than 0 or 1 (a sanitizer report exits 98 or
99, a crash dies by a signal, a hang hits the timeout).

usage: mutate.py INFRAC SOURCE KEYS_DIR [--mutants N] [--seed S] [--jobs J]
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

TIMEOUT = 10  # seconds per run; a healthy run under ASan takes ~0.05 s


def mutate(rng, data):
    """One to three random edits of data, each of a kind a typist or a
    broken editor might make, plus raw bytes no editor would."""
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(8)
        lines = data.split(b"\n")
        if kind == 0 and data:  # flip one bit
            i = rng.randrange(len(data))
            data = data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1:]
        elif kind == 1:  # insert random bytes, NUL and 0xFF among them
            i = rng.randrange(len(data) + 1)
            junk = bytes(rng.choice([0, 0xFF, 0x80, 0xC3, rng.randrange(256)])
                         for _ in range(rng.randint(1, 4)))
            data = data[:i] + junk + data[i:]
        elif kind == 2 and len(lines) > 1:  # delete a line
            del lines[rng.randrange(len(lines))]
            data = b"\n".join(lines)
        elif kind == 3:  # duplicate a line
            i = rng.randrange(len(lines))
            lines.insert(i, lines[i])
            data = b"\n".join(lines)
        elif kind == 4 and len(lines) > 1:  # swap two lines
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            data = b"\n".join(lines)
        elif kind == 5:  # insert syntax: braces, quotes, brackets, dots
            i = rng.randrange(len(data) + 1)
            tok = rng.choice([b"{", b"}", b'"', b"[", b"]", b"(", b")", b"..",
                              b"=", b"\\", b"\n", b"%", b"/", b"from "])
            data = data[:i] + tok + data[i:]
        elif kind == 6 and data:  # delete a run of bytes
            i = rng.randrange(len(data))
            data = data[:i] + data[i + rng.randint(1, 16):]
        elif kind == 7 and data:  # replace a digit run by a large number
            i = rng.randrange(len(data))
            num = rng.choice([b"0", b"99999999999999999999", b"0.0001",
                              b"4294967296", b"9223372036854775807", b"65536"])
            data = data[:i] + num + data[i + 1:]
    return data


def run(infrac, path):
    try:
        p = subprocess.run([infrac, "check", os.path.basename(path)],
                           cwd=os.path.dirname(path), stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
        return p.returncode, p.stderr[-4000:].decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return "timeout", ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("infrac")
    ap.add_argument("source")
    ap.add_argument("keys")
    ap.add_argument("--mutants", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=20260205)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--save", default=".")
    args = ap.parse_args()

    with open(args.source, "rb") as f:
        source = f.read()
    cases = [("prefix-%d" % n, source[:n]) for n in range(len(source) + 1)]
    rng = random.Random(args.seed)
    cases += [("mutant-%d" % i, mutate(rng, source)) for i in range(args.mutants)]
    # extremes no mutation reaches: deep nesting, huge tokens, raw bytes
    cases += [
        ("deep-braces", b"a {\n" * 20000),
        ("deep-lists", b"a = " + b"[" * 20000 + b"\n"),
        ("long-name", b"project " + b"x" * 200000 + b" {\n}\n"),
        ("long-string", source + b'x = "' + b"y" * 200000 + b'"\n'),
        ("long-number", source.replace(b"1.5 GB", b"1." + b"5" * 5000 + b" GB")),
        ("many-errors", b"= = =\n" * 5000),
        ("nul-bytes", source[:500] + b"\0" * 64 + source[500:]),
        ("random-bytes", bytes(random.Random(args.seed).randrange(256) for _ in range(20000))),
    ]

    tmp = tempfile.mkdtemp(prefix="infrac-robust-")
    try:
        shutil.copytree(args.keys, os.path.join(tmp, "keys"))

        def one(case):
            name, data = case
            path = os.path.join(tmp, name + ".infra")
            with open(path, "wb") as f:
                f.write(data)
            rc, err = run(args.infrac, path)
            os.unlink(path)
            return name, data, rc, err

        failures = []
        counts = {0: 0, 1: 0}
        with ThreadPoolExecutor(max_workers=args.jobs) as ex:
            for name, data, rc, err in ex.map(one, cases):
                if rc in (0, 1):
                    counts[rc] += 1
                else:
                    failures.append((name, data, rc, err))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("robust: %d runs (%d prefixes, %d mutants, %d extremes, seed %d): "
          "%d exit 0, %d exit 1, %d failed"
          % (len(cases), len(source) + 1, args.mutants,
             len(cases) - len(source) - 1 - args.mutants, args.seed, counts[0], counts[1],
             len(failures)))
    for name, data, rc, err in failures[:5]:
        print("robust: %s exited %s" % (name, rc))
    if failures:
        name, data, rc, err = failures[0]
        out = os.path.join(args.save, "robust-failure.infra")
        with open(out, "wb") as f:
            f.write(data)
        print("robust: first failing input saved to %s (%s, exit %s); run it next to a keys/ dir"
              % (out, name, rc))
        print(err)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
