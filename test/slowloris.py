#!/usr/bin/env python3
"""slowloris.py - a client that holds a server's connections with slow
requests, and a well-behaved client that measures its answers meanwhile
(test/72-serve-abuse.bats).  Loopback only; standard library only.

slowloris.py flood URL ATTACKER CLIENT CONNS SECONDS [EVERY]
    From address ATTACKER, opens CONNS connections to URL's host and
    port and sends on each a request line and then, every EVERY seconds
    (default 1), one more header line, never the end of the header;
    each round, a connection the server has closed is opened again.
    Meanwhile, from address CLIENT, a GET of URL's path every 20 ms on
    a new connection, for SECONDS.  Prints

        attacker: held H of CONNS connections, R refused or closed
        client: N requests, K answered 200, worst MS ms

    H is the most connections open through a whole round (the server
    let them stay), R the connections the server closed; MS the longest
    time from connect() to the whole answer (a request not answered
    counts as not 200, its time as the time it took to fail).

slowloris.py deadline URL KIND CONNS
    Opens CONNS connections from 127.0.0.1, all at once, each sending a
    request slowly, a line (or a body byte) every 0.1 s, until the
    server closes it, and prints the shortest and the longest time from
    connect() to the close, in ms:

        closed C of CONNS after MIN to MAX ms

    KIND: header (header lines that never end), body (a POST whose body
    never ends), idle (a whole GET answered, then nothing: the time is
    from the end of the answer).  A connection still open after 30 s
    is not counted as closed.

slowloris.py request URL < REQUEST
    Sends the bytes of standard input as they are, reads the answer to
    the end of the connection, and prints its status line and its
    header lines (CR removed, the Date's value as D), then "closed" if
    the server closed the connection after it (within 5 s).
"""

import resource
import select
import socket
import sys
import threading
import time
import urllib.parse


def raise_fd_limit(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))


def connect(host, port, source, timeout=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((source, 0))
    s.settimeout(timeout)
    s.connect((host, port))
    return s


def closed_by_server(s):
    """True when the server has closed s (it never sends a slow client
    anything else)."""
    try:
        return s.recv(4096, socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


class Attacker(threading.Thread):
    def __init__(self, host, port, source, conns, every):
        super().__init__(daemon=True)
        self.host, self.port, self.source = host, port, source
        self.conns, self.every = conns, every
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.held = 0
        self.refused = 0
        self.socks = [None] * conns
        self.lines = 0

    def open(self, i):
        try:
            s = connect(self.host, self.port, self.source)
            s.setblocking(False)
            s.send(b"GET / HTTP/1.1\r\nHost: slow\r\n")
            self.socks[i] = s
        except OSError:
            self.refused += 1
            self.socks[i] = None

    def round(self, first):
        held = 0
        for i, s in enumerate(self.socks):
            if s is not None and closed_by_server(s):
                s.close()
                self.refused += 1
                s = self.socks[i] = None
            if s is None:
                self.open(i)
                continue
            held += 1
            try:
                s.send(b"X-Slow-%d: %d\r\n" % (i, self.lines))
            except OSError:
                pass
        self.lines += 1
        if not first:
            self.held = max(self.held, held)

    def run(self):
        for i in range(self.conns):
            self.open(i)
        self.ready.set()
        first = True
        while not self.stop.wait(self.every):
            self.round(first)
            first = False

    def close(self):
        self.stop.set()
        self.join()
        for s in self.socks:
            if s is not None:
                s.close()


def get(host, port, source, path):
    """One GET on a new connection: (status or 0, seconds)."""
    t0 = time.monotonic()
    status = 0
    try:
        s = connect(host, port, source, timeout=1)
        s.sendall(b"GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
                  % (path.encode(), host.encode()))
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        head = data.split(b"\r\n", 1)[0].split()
        if len(head) >= 2 and head[1].isdigit():
            status = int(head[1])
    except OSError:
        pass
    return status, time.monotonic() - t0


def flood(url, attacker, client, conns, seconds, every=1.0):
    u = urllib.parse.urlsplit(url)
    raise_fd_limit(conns + 64)
    a = Attacker(u.hostname, u.port, attacker, conns, every)
    a.start()
    a.ready.wait()
    n = ok = 0
    worst = 0.0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        status, took = get(u.hostname, u.port, client, u.path or "/")
        n += 1
        ok += status == 200
        worst = max(worst, took)
        time.sleep(0.02)
    a.close()
    print("attacker: held %d of %d connections, %d refused or closed"
          % (a.held, conns, a.refused))
    print("client: %d requests, %d answered 200, worst %.1f ms"
          % (n, ok, worst * 1000))


def deadline(url, kind, conns):
    u = urllib.parse.urlsplit(url)
    raise_fd_limit(conns + 64)
    socks, start = [], []
    for _ in range(conns):
        s = connect(u.hostname, u.port, "127.0.0.1")
        t0 = time.monotonic()
        if kind == "header":
            s.sendall(b"GET /health HTTP/1.1\r\nHost: slow\r\n")
        elif kind == "body":
            s.sendall(b"POST /health HTTP/1.1\r\nHost: slow\r\n"
                      b"Content-Length: 100000\r\n\r\n")
        else:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: idle\r\n\r\n")
            data = b""
            while b"\r\n\r\n" not in data:
                data += s.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = [int(h.split(b":")[1]) for h in head.split(b"\r\n")
                      if h.lower().startswith(b"content-length:")][0]
            while len(body) < length:
                body += s.recv(65536)
            t0 = time.monotonic()
        s.setblocking(False)
        socks.append(s)
        start.append(t0)
    took = {}
    limit = time.monotonic() + 30
    n = 0
    while len(took) < conns and time.monotonic() < limit:
        for i, s in enumerate(socks):
            if i in took:
                continue
            if closed_by_server(s):
                took[i] = time.monotonic() - start[i]
                continue
            if kind == "idle":
                continue
            try:
                s.send(b"X-Slow: %d\r\n" % n if kind == "header" else b"x")
            except OSError:
                pass
        n += 1
        select.select([s for i, s in enumerate(socks) if i not in took],
                      [], [], 0.1)
    for s in socks:
        s.close()
    times = sorted(took.values())
    print("closed %d of %d after %d to %d ms"
          % (len(times), conns, times[0] * 1000 if times else -1,
             times[-1] * 1000 if times else -1))


def request(url):
    u = urllib.parse.urlsplit(url)
    s = connect(u.hostname, u.port, "127.0.0.1", timeout=5)
    s.sendall(sys.stdin.buffer.read())
    data = b""
    closed = False
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                break
            data += chunk
    except OSError:
        pass
    s.close()
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    for line in head:
        print("Date: D" if line.lower().startswith("date:") else line)
    if closed:
        print("closed")


def main(argv):
    if len(argv) >= 7 and argv[1] == "flood":
        flood(argv[2], argv[3], argv[4], int(argv[5]), float(argv[6]),
              float(argv[7]) if len(argv) > 7 else 1.0)
    elif len(argv) == 5 and argv[1] == "deadline" and \
            argv[3] in ("header", "body", "idle"):
        deadline(argv[2], argv[3], int(argv[4]))
    elif len(argv) == 3 and argv[1] == "request":
        request(argv[2])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
