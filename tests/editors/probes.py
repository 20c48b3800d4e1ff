#!/usr/bin/env python3
"""What an editor should show at places of infra files: the classes a
plain reading of the language gives (comment, string, block, keyword,
attr, value, function, number, unit, date), from the vocabulary of
vocab.py.

    probes.py VOCAB FILE... > probes.json

[{"file": F, "probes": [[LINE, BYTE_COL, UTF16_INDEX, CLASS], ...]}, ...]
with LINE and BYTE_COL 1-based (as vim counts) and UTF16_INDEX 0-based
(as vscode-textmate does).
"""
import json
import re
import sys

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
DATE = re.compile(r"\d{4}-\d{2}(?:-\d{2})?(?![\w-])")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
STRING = re.compile(r'"(?:[^"\\]|\\.)*"?')


def vocab(path):
    words = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            kind, word = line.split()
            words.setdefault(kind, set()).add(word)
    return words


def line_probes(text, v):
    """(index, class) of the places of one line worth a look."""
    out = []
    m = re.match(r"\s*([A-Za-z_][A-Za-z0-9_-]*)", text)
    if m:
        rest = text[m.end():]
        w = m.group(1)
        if re.match(r"\s*=", rest) and w in v["attr"]:
            out.append((m.start(1), "attr"))
        elif w in v["block"] and re.match(r"[^=#]*\{", rest):
            out.append((m.start(1), "block"))
            on = re.match(r"\s+(on)\b", rest)
            if w == "run" and on:
                out.append((m.end() + on.start(1), "keyword"))
        elif w == "new" and re.match(r"\s+[A-Za-z_]", rest):
            out.append((m.start(1), "keyword"))
    i, seen_eq = 0, False
    while i < len(text):
        c = text[i]
        word_start = i == 0 or not re.match(r"[\w-]", text[i - 1])
        if c == "#":
            out.append((i, "comment"))
            break
        if c == '"':
            out.append((i, "string"))
            i += len(STRING.match(text, i).group(0))
            continue
        if c == "=":
            seen_eq = True
        if c.isdigit() and word_start:
            d = DATE.match(text, i)
            if d:
                out.append((i, "date"))
                i = d.end()
                continue
            n = NUMBER.match(text, i)
            out.append((i, "number"))
            i = n.end()
            u = re.match(r"\s*(\w+/\w+|\w+|%)", text[i:])
            if u and u.group(1) in v["unit"]:
                out.append((i + u.start(1), "unit"))
                i += u.end()
            continue
        m = NAME.match(text, i) if word_start else None
        if m:  # (a letter outside ASCII starts no name)
            w = m.group(0)
            if w in v["function"] and re.match(r"\s*\(", text[i + len(w):]):
                out.append((i, "function"))
            elif w == "from":
                out.append((i, "keyword"))
            elif seen_eq and w in v["value"]:
                out.append((i, "value"))
            i += len(w)
            continue
        i += 1
    return out


def main():
    v = vocab(sys.argv[1])
    result = []
    for path in sys.argv[2:]:
        probes = []
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
        for n, text in enumerate(lines, 1):
            for i, cls in sorted(set(line_probes(text, v))):
                probes.append([n, len(text[:i].encode()) + 1,
                               len(text[:i].encode("utf-16-le")) // 2, cls])
        result.append({"file": path, "probes": probes})
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
