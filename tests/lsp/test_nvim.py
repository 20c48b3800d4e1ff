"""A real client: Debian's neovim, headless, runs nvim_session.lua against
infrac lsp and this checks what it saw (diagnostics, hover, completion,
definition, the diagnostics cleared after an edit).
   python3 test_nvim.py INFRAC EXAMPLES_DIR"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

from lspclient import Tally

INFRAC, EXAMPLES = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
TALLY = Tally()
ok = TALLY.ok


def main():
    if not shutil.which("nvim"):
        ok("neovim is installed (make deps-test)", False)
        return
    work = tempfile.mkdtemp()
    try:
        shutil.copytree(os.path.join(EXAMPLES, "keys"), os.path.join(work, "keys"))
        text = open(os.path.join(EXAMPLES, "becker.infra"), encoding="utf-8").read()
        path = os.path.join(work, "becker.infra")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace("ram   = 1 GB", "ram   = 11 GB"))
        result = os.path.join(work, "result.json")
        env = dict(os.environ, INFRAC=INFRAC, INFRA_FILE=path, LSP_OUT=result,
                   HOME=work, XDG_STATE_HOME=work, XDG_DATA_HOME=work, XDG_CONFIG_HOME=work)
        p = subprocess.Popen(["nvim", "--headless", "--clean", "-n", "-c",
                              "luafile " + os.path.join(HERE, "nvim_session.lua")],
                             env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, start_new_session=True)
        try:
            log, _ = p.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)  # neovim and its infrac lsp
            log, _ = p.communicate()
        ok("neovim ran the session and quit", p.returncode == 0 and os.path.exists(result),
           "exit %s\n%s" % (p.returncode, log.decode(errors="replace")))
        if not os.path.exists(result):
            return
        r = json.load(open(result))
        ok("the session ran without a Lua error", "error" not in r, r.get("error"))
        d = r.get("diagnostics", [])
        ok("neovim received the E0301 of check", len(d) == 1 and d[0]["code"] == "E0301" and
           d[0]["message"].startswith("phase dev_test overloads server main: 16.9 GB"), d)
        ok("hover on production's run on main: its RAM bar, 8.1..9.1 GB (51..57%)",
           "phase production" in r.get("hover", "") and
           "ram   [##########=.....|...]  8.1..9.1 GB of 16 GB (51..57%)" in r.get("hover", ""),
           r.get("hover"))
        ok("hover on 0.3 GB: its exact value", "exactly 307.2 MiB" in r.get("hover_number", ""),
           r.get("hover_number"))
        ok("completion in a run block lists the services",
           {"postgres", "redis", "nginx"} <= set(r.get("completion", [])), r.get("completion"))
        want = text.split("\n").index("service postgres {")
        ok("definition of postgres: its block", r.get("definition") == want, r.get("definition"))
        ok("an edit in neovim clears the diagnostics (didChange)", r.get("after_fix") == 0,
           r.get("after_fix"))
        ok("the client stopped the server", r.get("stopped") is True, r)
    finally:
        shutil.rmtree(work, ignore_errors=True)


main()
sys.exit(TALLY.finish())
