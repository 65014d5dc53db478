"""Hostile load: slow uploaders and stalled bodies must not hold the server's workers.

100 clients upload at 300 bytes/s and 100 more send a POST head announcing a body that
never comes, all at once, while a normal client makes requests. The selector buffers
request bodies before a worker takes a request, so every normal request is answered and
quickly (issue 12, "slow clients never hold a worker").
"""

from __future__ import annotations

import socket
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from .conftest import TIMEOUT, Running

SLOW_UPLOADERS = 100
STALLED_BODIES = 100
RATE = 300  # bytes per second per uploader
TICK = 0.1


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    body = environ["wsgi.input"].read()
    text = b"Hello, World!" if not body else b"got %d bytes" % len(body)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(text)))])
    return [text]


def read_one(sock: socket.socket) -> bytes:
    """One response with a Content-Length body."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = sock.recv(65536)
        if not piece:
            raise ConnectionError(f"closed after {data!r}")
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    while len(body) < length:
        piece = sock.recv(65536)
        if not piece:
            raise ConnectionError("closed mid-body")
        body += piece
    return head.split(b"\r\n")[0] + b"|" + body


class Hostiles:
    """The hostile connections, trickled by one thread (no thread per client)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.uploaders: list[socket.socket] = []
        self.stalled: list[socket.socket] = []
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self._trickle, daemon=True)

    def connect(self) -> None:
        for _ in range(SLOW_UPLOADERS):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=TIMEOUT)
            sock.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
            self.uploaders.append(sock)
        for _ in range(STALLED_BODIES):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=TIMEOUT)
            sock.sendall(b"POST /stalled HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
            self.stalled.append(sock)
        self.thread.start()

    def _trickle(self) -> None:
        piece = b"u" * int(RATE * TICK)
        while not self.stop.wait(TICK):
            for sock in self.uploaders:
                try:
                    sock.sendall(piece)
                except OSError as exc:
                    self.errors.append(repr(exc))

    def close(self) -> None:
        self.stop.set()
        self.thread.join(TIMEOUT)
        for sock in self.uploaders + self.stalled:
            sock.close()


def normal_requests(port: int, count: int) -> Iterator[tuple[float, bytes]]:
    """``count`` requests: GETs and small POSTs, half on fresh connections, half on one
    keep-alive connection; yields (seconds, status line and body) for each."""
    keep = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    try:
        for index in range(count):
            post = index % 4 == 1
            raw = (
                b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                if post
                else b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
            )
            started = time.perf_counter()
            if index % 2:
                keep.sendall(raw)
                response = read_one(keep)
            else:
                with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
                    sock.sendall(raw)
                    response = read_one(sock)
            yield time.perf_counter() - started, response
            time.sleep(0.01)
    finally:
        keep.close()


def test_slow_uploaders_and_stalled_bodies_do_not_starve_normal_requests(
    serve: Callable[..., Running],
) -> None:
    # The default pool of 32 workers: 200 hostile connections are far more than that.
    server = serve(app, threads=32)
    hostiles = Hostiles(server.port)
    try:
        hostiles.connect()
        time.sleep(0.5)  # every hostile head (and some trickled bytes) has arrived
        results = list(normal_requests(server.port, 200))
        assert hostiles.errors == []  # the uploaders were never cut off meanwhile
    finally:
        hostiles.close()
    expected = {
        b"HTTP/1.1 200 OK|Hello, World!",
        b"HTTP/1.1 200 OK|got 5 bytes",
    }
    assert {response for _, response in results} == expected
    assert len(results) == 200
    latencies = sorted(seconds for seconds, _ in results)
    p99 = statistics.quantiles(latencies, n=100)[98]
    assert p99 < 0.1, f"p99 {p99 * 1000:.1f} ms; slowest {latencies[-3:]}"
