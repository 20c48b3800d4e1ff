#!/usr/bin/env python3
"""A stand-in backend for the nginx routing test: answers every request
with JSON naming itself, the path and the headers it got, and answers a
websocket upgrade with 101 and one text frame.  Loopback only.

    backend.py NAME PORT
"""
import base64
import hashlib
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.headers.get("Upgrade", "").lower() == "websocket":
            key = self.headers.get("Sec-WebSocket-Key", "")
            accept = base64.b64encode(
                hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", accept)
            self.end_headers()
            msg = ("hello from " + NAME).encode()
            self.wfile.write(bytes([0x81, len(msg)]) + msg)
            self.wfile.flush()
            self.close_connection = True
            return
        body = json.dumps({
            "backend": NAME,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


NAME = sys.argv[1]
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Handler).serve_forever()
