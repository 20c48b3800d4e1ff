#!/usr/bin/env python3
"""The words of the language, read from the front end's own tables, so
that a test fails when the language learns a word its editor syntax, man
page or completion does not know.

    vocab.py ROOT            one "CLASS WORD" a line

CLASS is block (the first word of a block: `project`, `volume`, `run`),
attr (an attribute name), keyword (`on`, `from`, `new`), value (a word an attribute takes: `hetzner`,
`letsencrypt`, `true`), function (`secret`) or unit (`GB/month`, `%`).  Read from
compiler/lang/resolve.c: every `static const char *const NAME[] = {
"...", ..., NULL }` table, classed by what it is used for, and every word
it compares an item's name with in code (`title`, `on`); and
compiler/lang/units.c: units_table.
"""
import re
import sys

COMPARED = re.compile(r'strcmp\((\w+)->name, "(\w+)"\)')
TABLE = re.compile(r'static const char \*const (\w+)\[\] = \{([^}]*)\}', re.S)
WORD = re.compile(r'"([^"]*)"')
CHOICE = re.compile(r'rs_choice\(\s*\w+\s*,[^,]+,[^,]+,\s*(\w+)\s*,')

# the tables of resolve.c by name: what their words are in a file
KIND = {
    "rs_kinds": "block",
    "sub": "block",
    "rs_unit_names": "unit",
    "fns": "function",
    "providers": "value",
    "modes": "value",
    "flags": "value",
}


def tables(path):
    """(kind, words) of each table; a table a function hands to rs_choice
    holds the words an attribute takes (values), whatever its name."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for body in text.split("\n}\n"):
        chosen = set(CHOICE.findall(body))
        for m in TABLE.finditer(body):
            name = m.group(1)
            kind = "value" if name in chosen else KIND.get(name, "attr")
            yield kind, WORD.findall(m.group(2))


def main():
    root = sys.argv[1]
    words = set()
    for kind, ws in tables(f"{root}/compiler/lang/resolve.c"):
        for w in ws:
            words.add((kind, w))
    with open(f"{root}/compiler/lang/resolve.c", encoding="utf-8") as f:
        compared = set(COMPARED.findall(f.read()))
    known = {w for _, w in words}
    # an item's name is an attribute; a word of a block's header (`on`)
    # is a keyword
    words |= {("attr" if var == "it" else "keyword", w) for var, w in compared if w not in known}
    with open(f"{root}/compiler/lang/units.c", encoding="utf-8") as f:
        units = re.search(r"units_table\[\] = \{(.*?)\n\};", f.read(), re.S)
    for w in re.findall(r'\{ "([^"]+)",', units.group(1)):
        words.add(("unit", w))
    # `from`: the grammar's own word
    words.add(("keyword", "from"))
    if len(words) < 60:
        sys.exit(f"vocab.py: only {len(words)} words found: did the tables change shape?")
    for kind, w in sorted(words):
        print(kind, w)


if __name__ == "__main__":
    main()
