#!/usr/bin/env python3
"""Test upstream for tollgate's integration tests (bound to 127.0.0.1 only; stops when its parent dies).

GET  /big?mb=N        N MiB of a deterministic pattern, Content-Length framed, written in 1 MiB pieces
GET  /big-sha?mb=N    sha256 hex of what /big?mb=N sends
GET  /slow?ms=N       waits N ms, then 200
GET  /chunked         a chunked response of three chunks
GET  /close           a response without Content-Length, ended by closing the connection
POST /sha256          answers sha256 hex and length of the request body
POST /early           answers 200 at once, before reading the body (like nginx's `return 200`), then reads it
POST /early-close     answers 200 with `Connection: close` at once and closes without reading the body
GET  /early-last      sha256 hex and length of the last body /early read, and how many /early bodies it read
GET  /__count         how many requests (other than /__count) it has seen
GET  /__log           JSON list of every request it received, in arrival order (control requests /__log... are
                      neither recorded nor counted): {conn, seq, request_line, method, target (raw), version,
                      parse_ok, headers ([name, value] pairs in wire order), body_len, body_sha256, body (latin-1
                      text, first 64 KiB), complete, trailers, raw (latin-1 text: the exact bytes this request took
                      from its connection, head and body as framed on the wire)}
GET  /__log/connections  JSON list of {id, raw, eof, received}: every byte each (non-control) connection read off its
                      socket since the last reset, as latin-1 text (first 4 MiB), and whether the peer closed it
POST /__log/reset     clears both records (GET works too)
                      `?settle=1` on the two GETs first waits (up to 1 s) until no request is being handled and
                      every byte read has been parsed. The socket-level record is independent of
                      BaseHTTPRequestHandler's lenient parsing: it is what the proxy really sent.
anything else         200 with the method and path
"""
import hashlib, io, json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

COUNT = 0
EARLY = ["none", 0, 0]
LOCK = threading.Lock()
PIECE = bytes((i * 7 + 3) % 251 for i in range(1 << 20))
LOG = []     # request records for /__log, arrival order
CONNS = []   # ConnRecord of every connection (control ones are left out of /__log/connections)
BUSY = [0]   # requests whose request line was read and whose handling has not ended
RAW_CAP = 4 << 20


class ConnRecord:
    """What one connection read off its socket. `raw[0]` is at absolute offset `base`; offsets count every byte
    received; `consumed` is how far the handler has read (so raw[consumed:] arrived but was not parsed yet)."""

    def __init__(self, cid):
        self.id, self.raw, self.base, self.received, self.consumed = cid, bytearray(), 0, 0, 0
        self.eof = self.done = self.control = False
        self.seq = 0

    def slice(self, start, end):
        return bytes(self.raw[max(0, start - self.base):max(0, end - self.base)])


class RecordingSocketIO(io.RawIOBase):
    """The socket as a raw stream that appends every byte it hands out to a ConnRecord."""

    def __init__(self, sock, rec):
        super().__init__()
        self.sock, self.rec = sock, rec

    def readable(self):
        return True

    def readinto(self, b):
        try:
            n = self.sock.recv_into(b)
        except OSError:
            n = 0
        with LOCK:
            if n:
                self.rec.received += n
                if len(self.rec.raw) < RAW_CAP:
                    self.rec.raw += bytes(b[:n])
            else:
                self.rec.eof = True
        return n


class CountingReader:
    """The handler's rfile: a buffered reader over RecordingSocketIO that counts the bytes the handler consumed."""

    def __init__(self, f, rec):
        self.f, self.rec = f, rec

    def _took(self, data):
        with LOCK:
            self.rec.consumed += len(data)
        return data

    def readline(self, size=-1):
        return self._took(self.f.readline(size))

    def read(self, size=-1):
        return self._took(self.f.read(size))

    def readinto(self, b):
        n = self.f.readinto(b) or 0
        with LOCK:
            self.rec.consumed += n
        return n

    def close(self):
        self.f.close()

    def __getattr__(self, name):
        return getattr(self.f, name)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    # ---- exact record of what arrived (/__log)

    def setup(self):
        super().setup()
        rec = ConnRecord(0)
        with LOCK:
            rec.id = len(CONNS) + 1
            CONNS.append(rec)
        self.conn_rec = rec
        plain = self.rfile
        self.rfile = CountingReader(io.BufferedReader(RecordingSocketIO(self.connection, rec)), rec)
        plain.close()  # drops makefile()'s socket reference, so that closing the socket really closes it

    def finish(self):
        try:
            super().finish()
        finally:
            self.conn_rec.done = True

    def handle_one_request(self):
        self.busy = False
        self.entry = None
        try:
            super().handle_one_request()
        finally:
            if self.busy:
                with LOCK:
                    BUSY[0] -= 1
                self.busy = False

    @staticmethod
    def is_control(path):
        return path == "/__log" or path.startswith("/__log/")

    def parse_request(self):
        rec = self.conn_rec
        with LOCK:
            start = rec.consumed - len(self.raw_requestline)
            BUSY[0] += 1
        self.busy = True
        ok = super().parse_request()
        if ok and self.is_control(urlparse(self.path).path):
            rec.control = True
            with LOCK:
                BUSY[0] -= 1
            self.busy = False
            return ok
        with LOCK:
            rec.seq += 1
            entry = {
                "conn": rec.id, "seq": rec.seq,
                "request_line": self.raw_requestline.decode("latin-1").rstrip("\r\n"),
                "method": self.command if ok else None, "target": self.path if ok else None,
                "version": self.request_version if ok else None, "parse_ok": bool(ok),
                "headers": [[k, v] for k, v in self.headers.items()] if ok else [],
                "body_len": 0, "body_sha256": hashlib.sha256().hexdigest(), "body": "", "complete": bool(ok),
                "trailers": [], "_conn": rec, "_start": start, "_end": rec.consumed,
            }
            LOG.append(entry)
        self.entry = entry
        if ok and self.command not in ("POST", "PUT"):
            self.read_body()  # a body on GET/DELETE/… must never be taken for the next request
        return ok

    def read_body(self):
        """Reads the body the head announces (chunked or Content-Length) and records it in this request's entry.
        Returns (sha256 hex, bytes read, complete)."""
        h = hashlib.sha256()
        kept = bytearray()
        got = 0
        complete = True
        trailers = []

        def take(data):
            nonlocal got
            h.update(data)
            got += len(data)
            if len(kept) < 65536:
                kept.extend(data[:65536 - len(kept)])

        try:
            if self.headers.get_all("Transfer-Encoding"):
                while True:
                    line = self.rfile.readline(65537)
                    if not line.endswith(b"\r\n"):
                        complete = False
                        break
                    size = int(line[:-2].split(b";")[0], 16)
                    if size == 0:
                        while True:
                            t = self.rfile.readline(65537)
                            if t == b"\r\n":
                                break
                            if not t.endswith(b"\r\n"):
                                complete = False
                                break
                            name, _, value = t[:-2].decode("latin-1").partition(":")
                            trailers.append([name, value.strip()])
                        break
                    while size > 0:
                        data = self.rfile.read(min(size, 1 << 20))
                        if not data:
                            break
                        take(data)
                        size -= len(data)
                    if size > 0 or self.rfile.read(2) != b"\r\n":
                        complete = False
                        break
            else:
                left = int(self.headers.get("Content-Length", "0") or 0)
                while left > 0:
                    data = self.rfile.read(min(left, 1 << 20))
                    if not data:
                        break
                    take(data)
                    left -= len(data)
                complete = left == 0
        except (ValueError, OSError):
            complete = False
        if self.entry is not None:
            with LOCK:
                self.entry.update(body_len=got, body_sha256=h.hexdigest(), body=kept.decode("latin-1"),
                                  complete=complete, trailers=trailers, _end=self.conn_rec.consumed)
        if not complete:
            self.close_connection = True
        return h.hexdigest(), got, complete

    def settle(self):
        time.sleep(0.02)
        deadline = time.time() + 1.0
        while time.time() < deadline:
            with LOCK:
                quiet = BUSY[0] == 0 and all(c.consumed >= c.received or c.eof or c.done
                                             for c in CONNS if not c.control)
            if quiet:
                return
            time.sleep(0.005)

    def control(self, u):
        """/__log, /__log/connections, /__log/reset; True when this was one of them."""
        if not self.is_control(u.path):
            return False
        if u.path == "/__log/reset":
            with LOCK:
                LOG.clear()
                for c in CONNS:
                    del c.raw[:max(0, c.consumed - c.base)]
                    c.base = max(c.base, c.consumed)
                CONNS[:] = [c for c in CONNS if not c.control and not c.done]
            self.reply(200, b"reset")
            return True
        if "settle" in parse_qs(u.query):
            self.settle()
        with LOCK:
            if u.path == "/__log":
                out = [dict({k: v for k, v in e.items() if not k.startswith("_")},
                            raw=e["_conn"].slice(e["_start"], e["_end"]).decode("latin-1")) for e in LOG]
            else:
                out = [{"id": c.id, "raw": bytes(c.raw).decode("latin-1"), "eof": c.eof,
                        "received": c.received - c.base} for c in CONNS if not c.control and c.received > c.base]
        self.reply(200, json.dumps(out).encode(), [("Content-Type", "application/json")])
        return True

    def __getattr__(self, name):
        # Any other method (OPTIONS, DELETE, PATCH, PROPFIND, …) gets the catch-all answer instead of a 501.
        if name.startswith("do_"):
            return self.do_other
        raise AttributeError(name)

    def do_other(self):
        self.count(urlparse(self.path).path)
        self.reply(200, ("%s %s" % (self.command, self.path)).encode())

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
        if self.control(u):
            return
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
        if self.control(u):
            return
        self.count(u.path)
        if u.path == "/flaky":
            if self.flaky():
                return
            return self.reply(200, b"flaky ok")
        if u.path == "/early-close":
            # Answers and closes without reading the body: a proxy must not reuse the client connection either.
            self.reply(200, b"early close", [("Connection", "close")])
            if self.entry is not None:
                with LOCK:
                    self.entry["complete"] = int(self.headers.get("Content-Length", "0") or 0) == 0
            return
        if u.path == "/early":
            self.reply(200, b"early")
            self.wfile.flush()
        digest, n, _ = self.read_body()  # Content-Length or chunked
        if u.path == "/early":
            with LOCK:
                EARLY[0], EARLY[1], EARLY[2] = digest, n, EARLY[2] + 1
            return
        self.reply(200, ("%s %d" % (digest, n)).encode())

    do_PUT = do_POST


def watchdog():
    parent = os.getppid()
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


class Server(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: with 20 tollgate connects at once (ExhaustionTests), a full queue
    # dropped SYNs and one upstream connection came up seconds later, after the test had seen the others cut.
    request_queue_size = 128


if __name__ == "__main__":
    srv = Server(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=watchdog, daemon=True).start()
    print("upstream listening on 127.0.0.1:%d" % srv.server_address[1], file=sys.stderr, flush=True)
    srv.serve_forever()
