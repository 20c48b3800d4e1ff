#!/usr/bin/env python3
"""pty_run.py RAW SCREEN COMMAND...: runs COMMAND with its stdout and
stderr on a pseudo-terminal of 100x30 (PTY_COLS overrides the width;
stdin /dev/null), writes every byte
it printed to RAW and the screen a terminal would show at the end to
SCREEN (the whole scrollback, one line per row, trailing blanks cut), and
exits with the command's status.  With PTY_PROMPT and PTY_ANSWER set,
stdin is the terminal too, and PTY_ANSWER and a newline are typed once
PTY_PROMPT has been printed.

The screen follows what a VT100 does with the bytes infrac may send:
printable text, \\r, \\n, ESC[nA (cursor up), ESC[J (erase to the end of
the screen), ESC[K (erase to the end of the line) and ESC[...m (style,
no effect on text).  Any other escape sequence is an error, so a test
notices one it did not expect."""

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios

COLS, ROWS = int(os.environ.get("PTY_COLS", "100")), 30


def run(argv):
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    env = dict(os.environ, TERM=os.environ.get("PTY_TERM", "xterm"))
    prompt, answer = os.environ.get("PTY_PROMPT", "").encode(), os.environ.get("PTY_ANSWER")
    p = subprocess.Popen(argv, stdin=slave if answer is not None else subprocess.DEVNULL,
                         stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    raw = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        raw += chunk
        if answer is not None and prompt in raw:
            os.write(master, answer.encode() + b"\n")
            answer = None
    os.close(master)
    return p.wait(), raw


def screen(text):
    rows = [[]]
    r = c = 0
    i = 0
    esc = re.compile(r"\x1b\[([0-9;]*)([A-Za-z])")
    while i < len(text):
        ch = text[i]
        if ch == "\x1b":
            m = esc.match(text, i)
            if not m:
                raise SystemExit("unexpected escape at %d: %r" % (i, text[i:i + 10]))
            arg, cmd = m.group(1), m.group(2)
            if cmd == "A":
                r = max(0, r - int(arg or "1"))
            elif cmd == "J" and arg in ("", "0"):
                rows[r] = rows[r][:c]
                del rows[r + 1:]
            elif cmd == "K" and arg in ("", "0"):
                rows[r] = rows[r][:c]
            elif cmd == "m":
                pass
            else:
                raise SystemExit("unexpected escape sequence %r" % m.group(0))
            i = m.end()
            continue
        if ch == "\r":
            c = 0
        elif ch == "\n":
            r += 1
            c = 0  # the pty's onlcr turned \n into \r\n
            while len(rows) <= r:
                rows.append([])
        else:
            row = rows[r]
            while len(row) < c:
                row.append(" ")
            if c < len(row):
                row[c] = ch
            else:
                row.append(ch)
            c += 1
            if c >= COLS:  # wraps
                r += 1
                c = 0
                while len(rows) <= r:
                    rows.append([])
        i += 1
    return "\n".join("".join(x).rstrip() for x in rows).rstrip("\n") + "\n"


def main():
    raw_path, screen_path, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
    rc, raw = run(argv)
    with open(raw_path, "wb") as f:
        f.write(raw)
    with open(screen_path, "w") as f:
        f.write(screen(raw.decode("utf-8", "replace")))
    sys.exit(rc)


main()
