#!/usr/bin/env python3
"""Opens a websocket through nginx over TLS to 127.0.0.1:PORT with SNI and
Host HOST; prints the status line, the Sec-WebSocket-Accept header and the
first frame's text.  Never leaves loopback.

    wsclient.py HOST PORT
"""
import socket
import ssl
import sys

host, port = sys.argv[1], int(sys.argv[2])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
raw = socket.create_connection(("127.0.0.1", port), timeout=5)
s = ctx.wrap_socket(raw, server_hostname=host)
s.sendall((
    "GET /websocket HTTP/1.1\r\n"
    f"Host: {host}\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n").encode())
data = b""
while b"\r\n\r\n" not in data:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
head, _, rest = data.partition(b"\r\n\r\n")
lines = head.decode().split("\r\n")
print(lines[0])
for line in lines[1:]:
    if line.lower().startswith("sec-websocket-accept:"):
        print(line)
while len(rest) < 2:
    chunk = s.recv(4096)
    if not chunk:
        break
    rest += chunk
if len(rest) >= 2:
    n = rest[1] & 0x7F
    while len(rest) < 2 + n:
        chunk = s.recv(4096)
        if not chunk:
            break
        rest += chunk
    print("frame:", rest[2:2 + n].decode())
