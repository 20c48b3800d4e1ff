#!/usr/bin/env python3
"""Does a formatted file mean what the original meant?

    same_meaning.py ORIG.infra FMT.infra ORIG.json FMT.json [...]

The JSON files are `infrac check --json` of each.  They must be equal
once positions are taken out (the layout moves them), and every
diagnostic must point at the same token in both texts: a diagnostic that
moved to another place, or a message that changed, is a change of
meaning.  For each group of four: "same ORIG.infra" or "differs
ORIG.infra: the first difference" on stdout; exit 1 when any differs.
"""
import json
import re
import sys

TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"?|[A-Za-z_0-9][A-Za-z0-9_.-]*|\.\.|.')


def token_at(lines, line, col):
    """The token that starts at 1-based line and column (in characters)."""
    if line < 1 or line > len(lines):
        return None
    m = TOKEN.match(lines[line - 1], col - 1)
    return m.group(0) if m else None


def positions(doc, lines, out):
    """Collects the token under each position of doc and strips them."""
    if isinstance(doc, dict):
        if "line" in doc and "column" in doc:
            out.append(token_at(lines, doc["line"], doc["column"]))
        for k in ("line", "column", "end"):
            doc.pop(k, None)
        for v in doc.values():
            positions(v, lines, out)
    elif isinstance(doc, list):
        for v in doc:
            positions(v, lines, out)
    return doc


def strip_lines(text):
    """'first set on line 12': the number is the layout's."""
    return re.sub(r"\b(line|lines) \d+", r"\1 N", re.sub(r":\d+:\d+", ":L:C", text))


def compare(orig_src, fmt_src, orig_json, fmt_json):
    """None when the two mean the same, else the first difference."""
    docs, toks = [], []
    for src, js in ((orig_src, orig_json), (fmt_src, fmt_json)):
        with open(src, encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
        with open(js, encoding="utf-8") as f:
            raw = f.read()
        t = []
        docs.append(json.loads(strip_lines(json.dumps(positions(json.loads(raw), lines, t)))))
        toks.append(t)
    if toks[0] != toks[1]:
        pairs = [p for p in zip(toks[0], toks[1]) if p[0] != p[1]]
        return f"diagnostics point elsewhere: {pairs[:3] or (len(toks[0]), len(toks[1]))}"
    if docs[0] != docs[1]:
        a = json.dumps(docs[0], indent=1, sort_keys=True).splitlines()
        b = json.dumps(docs[1], indent=1, sort_keys=True).splitlines()
        diff = [f"- {x}\n+ {y}" for x, y in zip(a, b) if x != y]
        return "check --json differs: " + " | ".join(diff[:4])
    return None


def main():
    args, failed = sys.argv[1:], False
    for i in range(0, len(args) - 3, 4):
        why = compare(*args[i:i + 4])
        print(f"same {args[i]}" if why is None else f"differs {args[i]}: {why}")
        failed = failed or why is not None
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
