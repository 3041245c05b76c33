#!/usr/bin/env python3
"""A loopback HTTP server that answers from canned response files.

usage: python3 test/httpd.py ROUTES LOG PORTFILE

Binds 127.0.0.1 on a free port, writes the port to PORTFILE (atomically),
appends one line per request to LOG, keeps each request's headers and
body in the directory LOG.d and serves until SIGTERM or SIGINT.
The formats of ROUTES and of the response files are described in
test/fixtures/http/README.  Standard library only.
"""

import gzip
import http.server
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.parse

START = time.monotonic()

# Headers of a response file that the server sets itself.
OWN_HEADERS = ("content-length", "connection")


class Route:
    def __init__(self, pattern, responses, where):
        try:
            self.regex = re.compile(pattern)
        except re.error as e:
            sys.exit("httpd.py: %s: bad pattern %r: %s" % (where, pattern, e))
        self.responses = responses
        self.count = 0


def read_routes(path):
    base = os.path.dirname(os.path.abspath(path))
    routes = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            where = "%s:%d" % (path, n)
            if len(words) < 2:
                sys.exit("httpd.py: %s: a route needs a pattern and a response" % where)
            files = [os.path.join(base, w) for w in words[1:]]
            for name in files:
                if not os.path.isfile(name):
                    sys.exit("httpd.py: %s: no such response file: %s" % (where, name))
            routes.append(Route(words[0], files, where))
    return routes


def routes_key(path):
    """What tells a routes file replaced since it was read."""
    st = os.stat(path)
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def count_lines(path):
    """The lines a log already holds: a server started again on the
    same log goes on numbering its requests after them."""
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def parse_response(data):
    """Returns (status, reason, [(name, value)], body) of a response file."""
    pos = 0
    lines = []
    while pos < len(data):
        end = data.find(b"\n", pos)
        if end < 0:
            line, pos = data[pos:], len(data)
        else:
            line, pos = data[pos:end], end + 1
        if line.endswith(b"\r"):
            line = line[:-1]
        if not line:
            break
        lines.append(line.decode("utf-8"))
    if not lines:
        raise ValueError("no status line")
    first = lines[0].split(None, 1)
    status = int(first[0])
    reason = first[1] if len(first) > 1 else None
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise ValueError("bad header line %r" % line)
        headers.append((name.strip(), value.strip()))
    return status, reason, headers, data[pos:]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def do_any(self):
        body = self.drain_body()
        self.log_request_line(body)
        try:
            route, index = self.server.match(self.path)
        except SystemExit as e:  # new routes that are wrong
            self.send_plain(500, ("%s\n" % e).encode("utf-8"))
            return
        if route is None:
            self.send_plain(404, b"no route\n")
            return
        try:
            with open(route.responses[index], "rb") as f:
                status, reason, headers, body = parse_response(f.read())
        except (OSError, ValueError) as e:
            msg = "httpd.py: %s: %s\n" % (route.responses[index], e)
            self.send_plain(500, msg.encode("utf-8"))
            return
        self.answer(status, reason, headers, body)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_any

    def drain_body(self):
        """Reads the request's body and returns it (chunks joined)."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        n = self.headers.get("Content-Length")
        if n and n.isdigit() and int(n) > 0:
            return self.rfile.read(int(n))
        return b""

    def log_request_line(self, body):
        ms = int((time.monotonic() - START) * 1000)
        h = self.headers
        line = "%d %s %s auth=%s ae=%s ua=%s\n" % (
            ms, self.command, self.path,
            h.get("Authorization", "-"), h.get("Accept-Encoding", "-"),
            h.get("User-Agent", "-"))
        head = "".join("%s: %s\n" % (k, v) for k, v in h.items())
        self.number = self.server.log(line, head, body)

    def echo(self, data):
        """DATA with the request's target and headers put in place of
        the @...@ words of X-Test-Echo (fixtures/http/README)."""
        target = self.path
        decoded = urllib.parse.unquote(target)
        auth = self.headers.get("Authorization", "")
        last = target.rpartition("?")[2].rpartition("&")[2].partition("=")[2]
        words = {
            b"@TARGET@": target,
            b"@TARGET_DECODED@": decoded,
            b"@TARGET_JSON@": json.dumps(decoded)[1:-1].replace("/", "\\/"),
            b"@TARGET_U@": "".join("\\u%04x" % ord(c) for c in decoded),
            b"@TARGET_HTML@": "".join("&#%d;" % ord(c) for c in decoded),
            b"@TARGET_TWICE@": urllib.parse.quote(target, safe=""),
            b"@QUERY_LAST@": last if "?" in target else "",
            b"@AUTH@": auth,
            b"@HEADERS@": "; ".join("%s: %s" % (k, v) for k, v in self.headers.items()),
        }
        for word, value in words.items():
            data = data.replace(word, value.encode("latin-1", "replace"))
        return data

    def send_plain(self, status, body):
        self.send_response_only(status)
        self.send_header("Date", self.date_time_string())
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def answer(self, status, reason, headers, body):
        test = {}
        sent = []
        for name, value in headers:
            low = name.lower()
            if low.startswith("x-test-"):
                test[low] = value
            elif low not in OWN_HEADERS:
                sent.append((name, value))
        delay = float(test.get("x-test-delay", "0"))
        if delay > 0:
            time.sleep(delay)
        if test.get("x-test-close", "").lower() == "yes":
            self.close_connection = True
            return
        body = body.replace(b"@PORT@", str(self.server.server_port).encode())
        if test.get("x-test-echo", "").lower() == "yes":
            body = self.echo(body)
            sent = [(n, self.echo(v.encode()).decode("latin-1")) for n, v in sent]
        if test.get("x-test-gzip", "").lower() == "yes":
            body = gzip.compress(body)
            sent.append(("Content-Encoding", "gzip"))
        length = len(body)
        if "x-test-truncate" in test:
            body = body[:int(test["x-test-truncate"])]
        self.send_response_only(status, reason)
        if not any(n.lower() == "date" for n, _ in sent):
            self.send_header("Date", self.date_time_string())
        for name, value in sent:
            self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True
        # the whole answer is out: the client has it, or can have it
        with open(os.path.join(self.server.bodies, "%d.answered" % self.number), "w") as f:
            f.write("%s\n" % status)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # Stopping never waits for a handler, one asleep in X-Test-Delay
    # (an answer that never comes) included.
    block_on_close = False
    # socketserver's default backlog of 5 drops the SYNs of a 7th and
    # 8th connection made at once; the client sends them again 1 s later.
    request_queue_size = 128

    def __init__(self, routes_path, log, bodies):
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes_path = routes_path
        self.routes_key = routes_key(routes_path)
        self.routes = read_routes(routes_path)
        self.logfile = log
        self.bodies = bodies
        self.requests = count_lines(log.name)
        self.lock = threading.Lock()

    def match(self, target):
        """The first route whose pattern is found in TARGET, and the
        index of the response this request gets; (None, 0) if none.
        A routes file replaced since it was read is read again first,
        and its routes count their requests from 0."""
        with self.lock:
            try:
                key = routes_key(self.routes_path)
            except OSError:
                key = self.routes_key  # gone for a moment: keep these
            if key != self.routes_key:
                self.routes = read_routes(self.routes_path)
                self.routes_key = key
            for route in self.routes:
                if route.regex.search(target):
                    index = min(route.count, len(route.responses) - 1)
                    route.count += 1
                    return route, index
        return None, 0

    def log(self, line, head, body):
        """Numbers the request, keeps its headers and body as
        BODIES/N.headers and BODIES/N.body, then logs LINE: once the
        line is in the log, its files are complete."""
        with self.lock:
            self.requests += 1
            name = os.path.join(self.bodies, str(self.requests))
            with open(name + ".headers", "w", encoding="utf-8") as f:
                f.write(head)
            with open(name + ".body", "wb") as f:
                f.write(body)
            self.logfile.write(line)
            self.logfile.flush()
            return self.requests

    def handle_error(self, request, client_address):
        # A client that gave up (a timeout) is not an error here.
        e = sys.exc_info()[1]
        if isinstance(e, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
            return
        super().handle_error(request, client_address)


def main(argv):
    if len(argv) != 4:
        sys.exit("usage: python3 httpd.py ROUTES LOG PORTFILE")
    routes_path, log_path, port_path = argv[1:]
    read_routes(routes_path)  # a bad file stops here, before the log
    log = open(log_path, "a", encoding="utf-8", buffering=1)
    bodies = log_path + ".d"
    os.makedirs(bodies, exist_ok=True)
    server = Server(routes_path, log, bodies)

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    tmp = port_path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_port)
    os.rename(tmp, port_path)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        log.close()


if __name__ == "__main__":
    main(sys.argv)
