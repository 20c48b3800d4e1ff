"""The JSON-RPC script: every method of `infrac lsp` driven through pipes,
its answers compared with what `infrac check` says of the same text, and
malformed messages that must get errors, never a crash.
   python3 test_rpc.py INFRAC EXAMPLES_DIR"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

from lspclient import Server, Tally

INFRAC, EXAMPLES = sys.argv[1], sys.argv[2]
TALLY = Tally()
ok = TALLY.ok


WORK = tempfile.mkdtemp()
shutil.copytree(os.path.join(EXAMPLES, "keys"), os.path.join(WORK, "keys"))
BECKER = open(os.path.join(EXAMPLES, "becker.infra"), encoding="utf-8").read()
PATH = os.path.join(WORK, "becker.infra")
URI = "file://" + PATH
LINES = BECKER.split("\n")


def pos(text, nth=0, delta=0, lines=LINES):
    """The position of the nth occurrence of text in becker.infra."""
    k = 0
    for i, line in enumerate(lines):
        j = line.find(text)
        if j >= 0:
            if k == nth:
                return {"line": i, "character": j + delta}
            k += 1
    raise KeyError(text)


def doc(position=None, uri=URI):
    p = {"textDocument": {"uri": uri}}
    if position is not None:
        p["position"] = position
    return p


def open_doc(s, text, uri=URI, version=1):
    s.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "infra", "version": version, "text": text}})
    return s.notification("textDocument/publishDiagnostics")["params"]


def change(s, text, version, uri=URI):
    s.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                         "contentChanges": [{"text": text}]})
    return s.notification("textDocument/publishDiagnostics")["params"]


def check_json(text):
    with open(PATH, "w", encoding="utf-8") as f:
        f.write(text)
    r = subprocess.run([INFRAC, "check", "--json", PATH], capture_output=True, timeout=60)
    return json.loads(r.stdout)["diagnostics"]


def started():
    s = Server(INFRAC)
    r = s.request("initialize", {"processId": os.getpid(), "rootUri": "file://" + WORK,
                                 "capabilities": {}})
    s.notify("initialized", {})
    return s, r


def finished(s, what):
    r = s.request("shutdown")
    ok(what + ": shutdown answers null", "result" in r and r["result"] is None, r)
    s.notify("exit")
    rc = s.wait()
    ok(what + ": exit after shutdown is exit code 0, nothing on stderr",
       rc == 0 and not s.errors(), "exit code %s\n%s" % (rc, s.errors()))
    s.close()


def test_lifecycle():
    s = Server(INFRAC)
    r = s.request("textDocument/hover", doc({"line": 0, "character": 0}))
    ok("a request before initialize is refused with -32002",
       r.get("error", {}).get("code") == -32002, r)
    r = s.request("initialize", {"capabilities": {}})
    caps = r.get("result", {}).get("capabilities", {})
    ok("initialize announces hover, definition, completion and whole-text sync",
       caps.get("hoverProvider") and caps.get("definitionProvider") and
       "completionProvider" in caps and caps.get("textDocumentSync", {}).get("change") == 1, r)
    r = s.request("initialize", {"capabilities": {}})
    ok("a second initialize is an error", r.get("error", {}).get("code") == -32600, r)
    s.notify("initialized", {})
    s.request("shutdown")
    r = s.request("textDocument/hover", doc({"line": 0, "character": 0}))
    ok("a request after shutdown is an invalid request",
       r.get("error", {}).get("code") == -32600, r)
    s.notify("exit")
    ok("exit after shutdown: 0", s.wait() == 0, s.errors())
    s.close()
    s, _ = started()
    s.notify("exit")
    ok("exit without shutdown: 1", s.wait() == 1, s.errors())
    s.close()
    s, _ = started()
    ok("the end of the input without shutdown: 1", s.wait() == 1, s.errors())
    s.close()
    s = Server(INFRAC, ("lsp", "--stdio"))
    r = s.request("initialize", {"capabilities": {}})
    ok("--stdio, which editors pass, is accepted", "result" in r, r)
    s.close()
    r = subprocess.run([INFRAC, "lsp", "--port", "1"], capture_output=True, timeout=30)
    ok("an unknown option is a usage error: 2", r.returncode == 2 and b"usage: infrac lsp"
       in r.stderr, r)


def same_as_check(what, text, got):
    want = check_json(text)
    ok(what + ": the codes and messages of check", [(d["code"], d["message"].split("\n")[0])
       for d in got] == [(d["code"], d["message"]) for d in want],
       json.dumps(got, indent=1) + "\n" + json.dumps(want, indent=1))
    for g, w in zip(got, want):
        r = g["range"]
        ok(what + ": " + w["code"] + " at check's place",
           (r["start"]["line"] + 1, r["start"]["character"] + 1, r["end"]["character"]) ==
           (w["line"], w["column"], w["end"]["column"]), json.dumps([g, w]))
        notes = ["%s: %s" % (n["kind"], n["message"]) for n in w.get("notes", [])]
        ok(what + ": " + w["code"] + " carries check's notes and help",
           g["message"].split("\n")[1:] == notes, g["message"])


def test_diagnostics(s):
    p = open_doc(s, BECKER)
    ok("didOpen of becker.infra publishes no diagnostics, file() read beside it",
       p["uri"] == URI and p["diagnostics"] == [] and p["version"] == 1, p)
    bad = BECKER.replace("ram   = 1 GB", "ram   = 11 GB").replace('"redis:7"', '"redis"')
    p = change(s, bad, 2)
    ok("didChange publishes for the new version", p["version"] == 2, p)
    same_as_check("an overload and an untagged image", bad, p["diagnostics"])
    sev = sorted(d["severity"] for d in p["diagnostics"])
    ok("errors are severity 1, warnings 2", sev == [1, 2], sev)
    p = change(s, BECKER.replace("headroom = 20%", "headroom = 20 GB\n  bogus = 1"), 3)
    same_as_check("a wrong dimension and an unknown attribute",
                  BECKER.replace("headroom = 20%", "headroom = 20 GB\n  bogus = 1"),
                  p["diagnostics"])
    broken = BECKER.replace("phase production {", "phase production {{")
    p = change(s, broken, 4)
    same_as_check("a syntax error", broken, p["diagnostics"])
    # UTF-16: a character outside the BMP is two code units, é one
    wide = BECKER.replace('domain     = "odoo.becker-sicherheit.de"',
                          'domain     = "\U0001F600é.odoo"')
    p = change(s, wide, 5)
    e = [d for d in p["diagnostics"] if d["code"] == "E0604"]
    line = [ln for ln in wide.split("\n") if "\U0001F600" in ln][0]
    q = line.index('"')
    units = len(line[:line.rindex('"') + 1].encode("utf-16-le")) // 2
    ok("positions count UTF-16 code units", e and e[0]["range"]["start"]["character"] == q and
       e[0]["range"]["end"]["character"] == units, (e, q, units))
    # a change of a range, though the server asks for the whole text
    s.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 6},
             "contentChanges": [{"text": BECKER},
                                {"range": {"start": pos("ram   = 1 GB", 0, 8),
                                           "end": pos("ram   = 1 GB", 0, 9)}, "text": "11"}]})
    p = s.notification("textDocument/publishDiagnostics")["params"]
    ok("a ranged change is applied where it says",
       [d["code"] for d in p["diagnostics"]] == ["E0301"], p)
    p = change(s, BECKER, 7)
    ok("fixing the file clears the diagnostics", p["diagnostics"] == [], p)


def hover(s, position):
    r = s.request("textDocument/hover", doc(position))
    res = r.get("result") or {}
    return res.get("contents", {}).get("value", ""), res.get("range")


def test_hover(s):
    v, rng = hover(s, pos("run on main", 1, 7))
    ok("hover on production's run on main: the seed's 8.1..9.1 GB (51..57%)",
       "8.1..9.1 GB of 16 GB (51..57%)" in v and "phase production" in v and
       "cpu   [" in v and "disk  [" in v and "dev_test" not in v, v)
    ok("the hover's range is the run line's header",
       rng == {"start": pos("run on main", 1), "end": pos("run on main", 1, 11)}, rng)
    v, _ = hover(s, pos("run on main", 0, 1))
    ok("hover on dev_test's run: 6.9 GB of 16 GB (43%)", "6.9 GB of 16 GB (43%)" in v, v)
    v, _ = hover(s, pos("server main", 0, 8))
    ok("hover on the server block: every phase it runs in",
       "phase dev_test" in v and "phase production" in v and "ram   [" in v, v)
    v, _ = hover(s, pos("ram   = 0.1 GB", 0, 8))
    ok("hover on 0.1 GB: exactly 102.4 MiB", "0.1 GB" in v and "exactly 102.4 MiB" in v, v)
    v, _ = hover(s, pos("19.49 EUR/month", 0, 1))
    ok("hover on 19.49 EUR/month: 1949 cents", "exactly 1949 cents per month" in v, v)
    v, _ = hover(s, pos("2 GB .. 3 GB", 0, 8))
    ok("hover on a range's upper bound: 3 GB", "**3 GB**" in v and "3072 MiB" in v, v)
    v, _ = hover(s, pos("horizon  = 36 months", 0, 12))
    ok("hover on 36 months: 3 years", "36 months = 3 years" in v, v)
    v, rng = hover(s, pos("    postgres", 0, 6))
    ok("hover on a service in a run block: its image, RAM and the RAM of each phase",
       "**service postgres** `postgres:16`, ram 1 GB" in v and
       "- phase dev_test on server main: ram 1 GB" in v and
       "- phase production on server main: ram 1.5 GB" in v, v)
    ok("the hover's range is the name", rng == {"start": pos("    postgres", 0, 4),
                                                "end": pos("    postgres", 0, 12)}, rng)
    v, _ = hover(s, pos("proxy nginx", 0, 7))
    ok("hover on a proxy's block name", "**proxy nginx** `nginx:1.27`, ram 0.1 GB" in v, v)
    v, _ = hover(s, pos("type     = cpx42", 0, 13))
    ok("hover on a type the file overrides: its figures and the line of its price",
       "**cpx42** 8 vCPU, 16 GB RAM, 320 GB disk, 19.49 EUR/month" in v and
       "price: %s:%d" % (PATH, pos("server_type cpx42")["line"] + 1) in v, v)
    v, _ = hover(s, pos("main  = cpx52 from production", 0, 9))
    ok("hover on a built-in type: the catalog and its date",
       "**cpx52** 12 vCPU, 24 GB RAM, 480 GB disk, 27.99 EUR/month" in v and
       "price: built-in catalog" in v and "as of 2026-02-05" in v, v)
    r = s.request("textDocument/hover", doc(pos("image", 0)))
    ok("hover on an attribute's name: null", "result" in r and r["result"] is None, r)


def definition(s, position):
    r = s.request("textDocument/definition", doc(position))
    res = r.get("result")
    return (res["range"]["start"]["line"], res["uri"]) if res else None


def test_definition(s):
    cases = [
        ("a service in a run block", pos("    postgres", 0, 6), "service postgres {"),
        ("a server after run on", pos("run on main", 1, 8), "server main {"),
        ("a type", pos("type     = cpx42", 0, 12), "server_type cpx42 {"),
        ("an ssh key", pos("ssh_keys = [ops]", 0, 13), "ssh_key ops {"),
        ("a need", pos("needs   = [postgres, redis]", 0, 22), "service redis {"),
        ("a phase after from", pos("from production", 0, 6), "phase production {"),
        ("a phase's override", pos("  service postgres {", 0, 11), "service postgres {"),
        ("a proxy", pos("    nginx", 0, 5), "proxy nginx {"),
        ("a scenario's server", pos("main  = cpx32", 0, 1), "server main {"),
    ]
    for what, p, target in cases:
        got = definition(s, p)
        ok("definition of " + what, got == (pos(target)["line"], URI), (got, target))
    ok("definition of an attribute's name: null", definition(s, pos("image", 0)) is None)
    ok("definition of a volume's name: null", definition(s, pos("volume pgdata", 0, 8)) is None)
    ok("definition of the on of run on: null", definition(s, pos("run on main", 0, 4)) is None)


def labels(s, position):
    r = s.request("textDocument/completion", doc(position))
    res = r.get("result")
    items = res.get("items", []) if isinstance(res, dict) else res or []
    return [i["label"] for i in items]


def test_completion(s):
    text = BECKER.replace("  ram   = 0.3 GB", "  ram   = 0.3 \n  \n  type = \n")
    change(s, text, 10)
    lines = text.split("\n")
    at = lambda t, d: {"line": pos(t, lines=lines)["line"], "character": d}
    i = lines.index("  ram   = 0.3 ")
    got = labels(s, {"line": i, "character": len(lines[i])})
    ok("completion after a quantity of RAM: its units", got == ["MB", "GB", "TB"], got)
    got = labels(s, {"line": i + 1, "character": 2})
    ok("completion at a line of a service: its attributes and blocks",
       {"image", "ram", "needs", "volume", "env"} <= set(got) and "tls" not in got, got)
    got = labels(s, at("    redis", 6))
    ok("completion in a run block: the services and proxies",
       {"postgres", "redis", "nginx", "odoo_prod"} <= set(got) and "main" not in got, got)
    got = labels(s, at("run on main", 9))
    ok("completion after run on: the servers", got == ["main"], got)
    got = labels(s, {"line": i + 2, "character": 9})
    ok("completion after type =: the catalog's and the file's types",
       {"cpx22", "cpx42", "cpx62"} <= set(got) and got.count("cpx42") == 1, got)
    got = labels(s, {"line": at("scenario start_small", 0)["line"] - 1, "character": 0})
    ok("completion at the top: the block kinds", {"server", "service", "phase", "scenario"}
       <= set(got), got)
    got = labels(s, at("tls   = letsencrypt", 10))
    ok("completion of tls: its choices", got == ["none", "letsencrypt"], got)
    got = labels(s, at("main  = cpx52 from production", 21))
    ok("completion after from: the phases", got == ["dev_test", "production"], got)
    change(s, BECKER, 11)


def formatting(s):
    return s.request("textDocument/formatting", {"textDocument": {"uri": URI},
                                                 "options": {"tabSize": 2, "insertSpaces": True}})


def test_formatting(s):
    messy = BECKER.replace("  ram   = 0.3 GB", "ram=0.3   GB").replace("  start    = ", "  start = ")
    change(s, messy, 20)
    want = subprocess.run([INFRAC, "fmt", "-"], input=messy.encode(), capture_output=True,
                          timeout=60).stdout.decode()
    r = formatting(s).get("result") or []
    lines = messy.split("\n")
    end = {"line": len(lines) - 1, "character": len(lines[-1])}
    ok("formatting: one edit of the whole text with infrac fmt's layout",
       len(r) == 1 and r[0]["newText"] == want and want != messy and
       r[0]["range"] == {"start": {"line": 0, "character": 0}, "end": end}, (r, end))
    change(s, want, 21)
    r = formatting(s)
    ok("formatting of a laid-out text: no edits", r.get("result") == [], r)
    change(s, BECKER.replace("service redis {", "service redis {{"), 22)
    r = formatting(s)
    ok("formatting while there is a syntax error: null", "result" in r and r["result"] is None, r)
    change(s, BECKER, 23)


def test_close(s):
    s.notify("textDocument/didClose", doc())
    p = s.notification("textDocument/publishDiagnostics")["params"]
    ok("didClose clears the document's diagnostics", p["diagnostics"] == [], p)
    r = s.request("textDocument/hover", doc({"line": 0, "character": 0}))
    ok("a request on a closed document is an invalid-params error",
       r.get("error", {}).get("code") == -32602, r)


def error_of(s, data, what, code):
    s.raw(data)
    m = s.read()
    ok(what + " -> " + str(code), m.get("error", {}).get("code") == code and "id" in m, m)


def test_malformed(s):
    frame = lambda b: b"Content-Length: %d\r\n\r\n" % len(b) + b
    error_of(s, frame(b"{not json"), "a body that is not JSON", -32700)
    error_of(s, frame(b'{"jsonrpc":"2.0","id":1,"method":"x"} trailing'), "trailing bytes",
             -32700)
    error_of(s, frame(b"[" * 5000), "JSON nested 5000 deep", -32700)
    error_of(s, frame(b'{"jsonrpc":"2.0","id":1,"method":"initialize\x00"}'),
             "a NUL in the body", -32700)
    error_of(s, frame(b'{"jsonrpc":"2.0","id":1,"method":"\xff\xfe"}'),
             "invalid UTF-8 in a method name", -32601)
    error_of(s, frame(b"[]"), "an array", -32600)
    error_of(s, frame(b"42"), "a number", -32600)
    error_of(s, frame(b'{"jsonrpc":"2.0","id":{},"method":"shutdown"}'), "an object as id",
             -32600)
    error_of(s, frame(b'{"jsonrpc":"1.0","id":1,"method":"shutdown"}'), "JSON-RPC 1.0",
             -32600)
    error_of(s, frame(b'{"jsonrpc":"2.0","id":1,"method":7}'), "a method that is a number",
             -32600)
    error_of(s, frame(b'{"jsonrpc":"2.0","id":1,"method":"nope/nothing"}'),
             "an unknown method", -32601)
    error_of(s, frame(b'{"jsonrpc":"2.0","id":1,"method":"textDocument/hover"}'),
             "hover without params", -32602)
    error_of(s, frame(b'{"jsonrpc":"2.0","id":1,"method":"textDocument/hover","params":'
                      b'{"textDocument":{"uri":7},"position":{"line":0,"character":0}}}'),
             "a uri that is a number", -32602)
    bad_pos = {"textDocument": {"uri": URI}, "position": {"line": -1, "character": "x"}}
    error_of(s, frame(json.dumps({"jsonrpc": "2.0", "id": 1, "method":
             "textDocument/completion", "params": bad_pos}).encode()),
             "a negative line and a string character", -32602)
    error_of(s, b"Content-Type: x\r\n\r\n", "a frame without Content-Length", -32700)
    error_of(s, b"Content-Length: 99999999999\r\n\r\n", "a Content-Length over 64 MiB", -32700)
    error_of(s, b"Content-Length: 1x\r\n\r\n", "a Content-Length that is no number", -32700)
    error_of(s, b"X: " + b"y" * 5000 + b"\r\n\r\n", "a header line of 5000 bytes", -32700)
    s.notify("textDocument/didChange", {"textDocument": {"uri": 5}})
    m = s.notification("window/logMessage")
    ok("a malformed notification is logged, not answered", m["params"]["type"] == 1, m)
    s.notify("$/cancelRequest", {"id": 1})
    s.notify("textDocument/didOpen", {"textDocument": {"uri": URI, "version": 1,
                                                       "text": "\x00\xff{}}{" * 100}})
    p = s.notification("textDocument/publishDiagnostics")["params"]
    ok("a document of garbage is diagnosed", p["diagnostics"], p)
    for q in ({"line": 0, "character": 3}, {"line": 999999, "character": 4294967295}):
        for method in ("hover", "definition", "completion"):
            r = s.request("textDocument/" + method, doc(q))
            ok("%s in garbage at %s answers" % (method, q), "result" in r, r)
    lone = BECKER.replace('"odoo.becker-sicherheit.de"', '"\ud800x.de"')
    p = open_doc(s, lone, version=2)  # json.loads of the bytes fails on invalid UTF-8
    ok("a lone surrogate in the text comes back as U+FFFD",
       any("'\ufffdx.de'" in d["message"] for d in p["diagnostics"]), p)
    open_doc(s, BECKER, version=3)
    v, _ = hover(s, pos("run on main", 1, 7))
    ok("after all that the server still answers", "51..57%" in v, v)


def test_mutations(s):
    """Valid messages with bytes changed at random (a fixed seed): every
    one gets an answer or is dropped, and the server answers after them."""
    rnd = random.Random(16)
    seeds = [
        {"jsonrpc": "2.0", "id": 7, "method": "textDocument/hover", "params":
         doc(pos("run on main", 1, 7))},
        {"jsonrpc": "2.0", "id": 8, "method": "textDocument/completion", "params":
         doc(pos("    redis", 0, 6))},
        {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": URI, "version": 9},
            "contentChanges": [{"text": BECKER[:2000]}]}},
    ]
    out = b""
    for i in range(300):
        body = bytearray(json.dumps(rnd.choice(seeds)).encode())
        for _ in range(rnd.randint(1, 4)):
            body[rnd.randrange(len(body))] = rnd.choice(b'{}[]",:0\\ax\xff')
        out += b"Content-Length: %d\r\n\r\n" % len(body) + bytes(body)
    s.raw(out)
    s.notify("textDocument/didOpen", {"textDocument": {"uri": URI, "version": 10,
                                                       "text": BECKER}})
    s.send({"jsonrpc": "2.0", "id": "after", "method": "textDocument/hover",
            "params": doc(pos("run on main", 1, 7))})
    m = None
    for _ in range(3000):
        m = s.read(30)
        if m.get("id") == "after":
            break
    ok("300 mutated messages, then the server still answers",
       m and "51..57%" in (m.get("result") or {}).get("contents", {}).get("value", ""), m)


def main():
    s = None
    try:
        test_lifecycle()
        s, _ = started()
        test_diagnostics(s)
        test_hover(s)
        test_definition(s)
        test_completion(s)
        test_formatting(s)
        test_close(s)
        test_malformed(s)
        test_mutations(s)
        finished(s, "the session")
    except Exception as e:  # a timeout or a closed pipe is a failure, not a hang
        ok("the session ran to its end", False, "%r\n%s" % (e, s.errors() if s else ""))
    finally:
        Server.close_all()
        shutil.rmtree(WORK, ignore_errors=True)
    return TALLY.finish()


sys.exit(main())
