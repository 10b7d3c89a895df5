#!/usr/bin/env python3
"""Test upstream for tollgate's integration tests (bound to 127.0.0.1 only; stops when its parent dies).

GET  /big?mb=N        N MiB of a deterministic pattern, Content-Length framed, written in 1 MiB pieces
GET  /big-sha?mb=N    sha256 hex of what /big?mb=N sends
GET  /slow?ms=N       waits N ms, then 200
GET  /chunked         a chunked response of three chunks
GET  /close           a response without Content-Length, ended by closing the connection
POST /sha256          answers sha256 hex and length of the request body
POST /early           answers 200 at once, before reading the body (like nginx's `return 200`), then reads it
GET  /early-last      sha256 hex and length of the last body /early read, and how many /early bodies it read
GET  /__count         how many requests (other than /__count) it has seen
anything else         200 with the method and path
"""
import hashlib, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

COUNT = 0
EARLY = ["none", 0, 0]
LOCK = threading.Lock()
PIECE = bytes((i * 7 + 3) % 251 for i in range(1 << 20))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def count(self, path):
        global COUNT
        if path != "/__count":
            with LOCK:
                COUNT += 1

    def flaky(self):
        """Answers the first request on a connection; drops the connection on the next one without a word
        (what an upstream whose keep-alive timer fired looks like to a proxy that reuses the link)."""
        self.served = getattr(self, "served", 0) + 1
        if self.served >= 2:
            self.close_connection = True
            return True
        return False

    def do_GET(self):
        u = urlparse(self.path)
        q = parse_qs(u.query)
        self.count(u.path)
        if u.path == "/flaky":
            if self.flaky():
                return
            return self.reply(200, b"flaky ok")
        if u.path == "/__count":
            return self.reply(200, str(COUNT).encode())
        if u.path == "/early-last":
            with LOCK:
                return self.reply(200, ("%s %d %d" % tuple(EARLY)).encode())
        if u.path == "/big":
            mb = int(q.get("mb", ["1"])[0])
            self.send_response(200)
            self.send_header("Content-Length", str(mb << 20))
            self.end_headers()
            for _ in range(mb):
                self.wfile.write(PIECE)
            return
        if u.path == "/big-sha":
            mb = int(q.get("mb", ["1"])[0])
            h = hashlib.sha256()
            for _ in range(mb):
                h.update(PIECE)
            return self.reply(200, h.hexdigest().encode())
        if u.path == "/slow":
            time.sleep(int(q.get("ms", ["1000"])[0]) / 1000)
            return self.reply(200, b"slow")
        if u.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"hello ", b"chunked ", b"world"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        if u.path == "/badhead":
            # A lenient upstream: space before the colon would smuggle a second framing header.
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length : 5\r\nContent-Length: 5\r\n\r\nhello")
            self.close_connection = True
            return
        if u.path == "/close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"until-close body")
            self.close_connection = True
            return
        self.reply(200, ("%s %s" % (self.command, self.path)).encode())

    def do_HEAD(self):
        """Headers only (BaseHTTPRequestHandler would otherwise let do_GET write a body)."""
        u = urlparse(self.path)
        q = parse_qs(u.query)
        self.count(u.path)
        size = int(q.get("mb", ["1"])[0]) << 20 if u.path == "/big" else 0
        self.send_response(200)
        self.send_header("Content-Length", str(size))
        self.end_headers()

    def do_POST(self):
        u = urlparse(self.path)
        self.count(u.path)
        if u.path == "/flaky":
            if self.flaky():
                return
            return self.reply(200, b"flaky ok")
        n = int(self.headers.get("Content-Length", "0"))
        if u.path == "/early":
            self.reply(200, b"early")
            self.wfile.flush()
        h = hashlib.sha256()
        left = n
        while left > 0:
            data = self.rfile.read(min(left, 1 << 20))
            if not data:
                break
            h.update(data)
            left -= len(data)
        if u.path == "/early":
            with LOCK:
                EARLY[0], EARLY[1], EARLY[2] = h.hexdigest(), n - left, EARLY[2] + 1
            return
        self.reply(200, ("%s %d" % (h.hexdigest(), n)).encode())

    do_PUT = do_POST


def watchdog():
    parent = os.getppid()
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


if __name__ == "__main__":
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=watchdog, daemon=True).start()
    print("upstream listening on 127.0.0.1:%d" % srv.server_address[1], file=sys.stderr, flush=True)
    srv.serve_forever()
