"""The issue-15 proof on real sockets, with the server's default settings: 500 open
``@app.websocket`` handlers and 500 open generator ``EventStream``s, each blocking its own
thread in a broadcast subscription, while a client makes ordinary requests. Every ordinary
request must succeed quickly (the handlers hold no request worker), a broadcast must
still reach every connection, and past the limit (lowered to the 1,000 open) a new
WebSocket or stream gets the 503 with ``Retry-After``."""

from __future__ import annotations

import resource
import selectors
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from kettle import Kettle
from kettle.realtime.broadcast import MemoryBroadcast
from kettle.realtime.capacity import open_connections, set_max_connections
from kettle.realtime.sse import EventStream
from kettle.server import Server

EACH = 500
TIMEOUT = 20.0
KEY = "dGhlIHNhbXBsZSBub25jZQ=="
WS_REQUEST = (
    "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    f"Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
).encode()
WS_HEAD = (
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
)
SSE_REQUEST = b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def make_app(hub: MemoryBroadcast) -> Kettle:
    app = Kettle(__name__)

    @app.get("/")
    def index() -> str:
        return "ordinary"

    @app.websocket("/ws")
    def forward(ws: Any) -> None:
        with hub.subscribe("room") as subscription:
            for message in subscription:
                ws.send(message)

    @app.get("/events")
    def events() -> EventStream:
        def messages() -> Iterator[str]:
            with hub.subscribe("room") as subscription:
                yield from subscription

        return EventStream(messages())

    return app


class Peer:
    """One load connection, read by the test's selector: a WebSocket or an event stream."""

    def __init__(self, port: int, kind: str) -> None:
        self.kind = kind
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.sock.sendall(WS_REQUEST if kind == "ws" else SSE_REQUEST)
        self.sock.setblocking(False)
        self.data = b""

    def opened(self) -> bool:
        if self.kind == "ws":
            return self.data.startswith(WS_HEAD)
        head, _, body = self.data.partition(b"\r\n\r\n")
        return head.startswith(b"HTTP/1.1 200 OK\r\n") and body.startswith(b": stream open\n\n")

    def got(self, message: str) -> bool:
        if self.kind == "ws":  # a short unmasked text frame (RFC 6455 section 5.2)
            return self.data.endswith(bytes((0x81, len(message))) + message.encode())
        return f"data: {message}\n\n".encode() in self.data


def pump(selector: selectors.BaseSelector, done: Any) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not done():
        assert time.monotonic() < deadline, "the connections did not answer in time"
        for key, _ in selector.select(0.05):
            peer: Peer = key.data
            try:
                piece = peer.sock.recv(65536)
            except BlockingIOError:
                continue
            assert piece, f"the server closed a {peer.kind} connection: {peer.data!r}"
            peer.data += piece


class Requester(threading.Thread):
    """Ordinary requests, one connection each, one every few milliseconds, until stopped."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.failures: list[str] = []

    def run(self) -> None:
        while not self.stop.wait(0.005):
            started = time.perf_counter()
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
                    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    data = b""
                    while piece := sock.recv(65536):
                        data += piece
            except OSError as exc:
                self.failures.append(repr(exc))
                continue
            self.latencies.append(time.perf_counter() - started)
            if not (data.startswith(b"HTTP/1.1 200 OK\r\n") and data.endswith(b"\r\nordinary")):
                self.failures.append(repr(data))


def refusal(port: int, request: bytes) -> tuple[bytes, bytes, bytes]:
    """Status line, Retry-After field and body of the answer to ``request``."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(request)
        data = b""
        while b"retry in 5 s" not in data:
            piece = sock.recv(65536)
            assert piece, f"closed before the refusal: {data!r}"
            data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    retry = [line for line in lines if line.lower().startswith(b"retry-after:")]
    # The status line's reason phrase is the app's (Werkzeug-style upper case from the
    # web layer's response for a WebSocket); the body may end with a newline.
    return lines[0].upper(), b"".join(retry), body.rstrip(b"\n")


@pytest.fixture
def enough_descriptors() -> Iterator[None]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4 * EACH + 1024  # both ends of every connection live in this process
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip(f"needs {wanted} file descriptors, the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.timeout(90)
@pytest.mark.usefixtures("enough_descriptors")
def test_open_handlers_never_starve_ordinary_requests() -> None:
    hub = MemoryBroadcast()
    server = Server(make_app(hub), "127.0.0.1", 0).start()  # default threads (32)
    selector = selectors.DefaultSelector()
    peers: list[Peer] = []
    requester = Requester(server.port)
    try:
        for index in range(2 * EACH):
            peer = Peer(server.port, "ws" if index % 2 else "sse")
            selector.register(peer.sock, selectors.EVENT_READ, peer)
            peers.append(peer)
            if index % 100 == 99:  # pace the opening a little: the listen backlog
                pump(selector, lambda: all(p.opened() for p in peers))
        pump(selector, lambda: all(p.opened() for p in peers))
        deadline = time.monotonic() + TIMEOUT
        while hub.subscriber_count("room") < 2 * EACH:
            assert time.monotonic() < deadline, "not every handler subscribed"
            time.sleep(0.05)
        assert open_connections() == 2 * EACH
        # 1,000 handler threads are blocked; ordinary requests go on beside them.
        requester.start()
        time.sleep(2.0)
        for number in range(3):
            message = f"broadcast-{number}"
            hub.publish("room", message)
            pump(selector, lambda message=message: all(p.got(message) for p in peers))
            time.sleep(0.5)
        # Past the limit (lowered to what is open now), a new WebSocket or stream gets the
        # 503 at once while ordinary requests go on.
        set_max_connections(2 * EACH)
        try:
            for request in (WS_REQUEST, SSE_REQUEST):
                assert refusal(server.port, request) == (
                    b"HTTP/1.1 503 SERVICE UNAVAILABLE",
                    b"Retry-After: 5",
                    b"this server holds its limit of 1000 open WebSocket/event-stream"
                    b" connections; retry in 5 s",
                )
        finally:
            set_max_connections(None)
        requester.stop.set()
        requester.join(TIMEOUT)
        assert requester.failures == []
        latencies = sorted(requester.latencies)
        assert len(latencies) >= 100
        p99 = latencies[int(0.99 * len(latencies)) - 1]
        print(f"ordinary requests: {len(latencies)}, p99 {p99 * 1000:.1f} ms")
        assert p99 < 0.050, f"ordinary-request p99 {p99 * 1000:.1f} ms"
    finally:
        requester.stop.set()
        for peer in peers:
            selector.unregister(peer.sock)
            peer.sock.close()
        selector.close()
        deadline = time.monotonic() + TIMEOUT
        while open_connections() and time.monotonic() < deadline:
            time.sleep(0.05)
        server.stop(grace=5)
    assert open_connections() == 0
    assert hub.subscriber_count("room") == 0
