"""Faults on real sockets: clients that vanish mid-request, mid-response and mid-stream
(SSE, WebSocket), reset connections, slow readers, apps that fail after the head or never
read their body, and stuck worker threads. After each, the server must keep serving."""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kettle.realtime.scope import sleep as realtime_sleep
from kettle.realtime.sse import EventStream
from kettle.realtime.websocket import ConnectionClosed, accept

from .clients import recv_until_closed
from .conftest import Running

HELLO = b"HTTP/1.1 200 OK\r\n"


def assert_still_serving(server: Running) -> None:
    raw = server.get("/hello")
    assert raw.startswith(HELLO), raw[:80]
    assert raw.endswith(b"\r\n\r\nHello, World!")


def reset(sock: socket.socket) -> None:
    """Close with an RST instead of a FIN (SO_LINGER with a zero timeout)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def recv_until(sock: socket.socket, marker: bytes) -> bytes:
    """Read until ``marker`` has arrived; fails on EOF (the socket's timeout bounds a hang)."""
    data = b""
    while marker not in data:
        piece = sock.recv(65536)
        assert piece, f"connection closed before {marker!r}; got {data[:200]!r}"
        data += piece
    return data


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


class FaultApp:
    """One WSGI app with a route per fault; records what happened to it."""

    def __init__(self) -> None:
        self.closed = threading.Event()
        self.produced = 0
        self.body_error: list[str] = []
        self.release = threading.Event()
        self.stuck = 0
        self.ws_result: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ["PATH_INFO"]
        handler = getattr(self, "route_" + path.strip("/").replace("-", "_"), None)
        if handler is None:
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "13")])
            return [b"Hello, World!"]
        return handler(environ, start_response)

    def route_read(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        try:
            body = environ["wsgi.input"].read()
        except Exception as exc:  # the server's body error: recorded, then re-raised
            self.body_error.append(type(exc).__name__)
            raise
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]

    def route_big(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return self._chunks(200 * 1024 * 1024)

    def _chunks(self, total: int) -> Iterator[bytes]:
        piece = b"x" * 65536
        try:
            while self.produced < total:
                self.produced += len(piece)
                yield piece
        finally:
            self.closed.set()

    def route_sized(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        total = 32 * 1024 * 1024
        start_response("200 OK", [("Content-Length", str(total))])
        return self._chunks(total)

    def route_boom(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        start_response("200 OK", [("Content-Type", "text/plain")])

        def body() -> Iterator[bytes]:
            yield b"first part;"
            raise RuntimeError("boom after the head")

        return body()

    def route_ignore(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        start_response("200 OK", [("Content-Length", "7")])
        return [b"ignored"]

    def route_stuck(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        self.stuck += 1
        self.release.wait(20)
        start_response("200 OK", [("Content-Length", "5")])
        return [b"freed"]

    def route_sse(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        def events(last_event_id: str | None) -> Iterator[Any]:
            try:
                count = 0
                while True:
                    count += 1
                    yield f"tick {count}"
                    realtime_sleep(0.05)
            finally:
                self.closed.set()

        return EventStream(events, heartbeat=0.2)(environ, start_response)

    def route_ws(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        ws = accept(environ, ping_interval=None)
        try:
            while True:
                ws.send(ws.receive(timeout=10))
        except ConnectionClosed as exc:
            self.ws_result.append(f"closed {exc.code}")
        finally:
            ws.close()
            self.closed.set()
        return []


@pytest.fixture
def app() -> FaultApp:
    return FaultApp()


def test_client_disconnects_mid_request_body(serve: Callable[..., Running], app: FaultApp) -> None:
    # Past max_buffered_body the app is already reading when the client leaves.
    server = serve(app, max_buffered_body=100)
    for _ in range(3):
        sock = server.connect()
        sock.sendall(
            b"POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"a" * 500
        )
        time.sleep(0.05)
        sock.close()
    assert wait_for(lambda: len(app.body_error) == 3)
    assert app.body_error == ["RequestBodyError"] * 3
    assert_still_serving(server)


def test_client_disconnects_mid_head(serve: Callable[..., Running], app: FaultApp) -> None:
    server = serve(app)
    for cut in (5, 20, 40):
        sock = server.connect()
        sock.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Long: abcdef\r\n\r\n"[:cut])
        sock.close()
    assert_still_serving(server)


@pytest.mark.parametrize("how", ["close", "reset"])
def test_client_leaving_while_its_body_is_buffered_never_reaches_the_app(
    serve: Callable[..., Running], app: FaultApp, how: str
) -> None:
    server = serve(app)
    sock = server.connect()
    sock.sendall(b"POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"a" * 500)
    time.sleep(0.05)
    if how == "reset":
        reset(sock)
    else:
        sock.close()
    assert wait_for(lambda: not server.server._engine.conns)  # type: ignore[union-attr]
    assert app.body_error == []  # the selector dropped it; no worker was involved
    assert_still_serving(server)


def test_reset_during_the_request_body(serve: Callable[..., Running], app: FaultApp) -> None:
    server = serve(app, max_buffered_body=100)
    sock = server.connect()
    sock.sendall(b"POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"a" * 500)
    time.sleep(0.05)
    reset(sock)
    assert wait_for(lambda: len(app.body_error) == 1)
    assert_still_serving(server)


@pytest.mark.parametrize("how", ["close", "reset"])
def test_client_leaves_mid_response(
    serve: Callable[..., Running], app: FaultApp, how: str
) -> None:
    server = serve(app, send_timeout=5.0)
    sock = server.connect()
    sock.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
    assert sock.recv(65536).startswith(HELLO)
    (reset if how == "reset" else socket.socket.close)(sock)
    # The body generator is closed (its finally runs) long before its 200 MB are made.
    assert app.closed.wait(5)
    assert app.produced < 200 * 1024 * 1024
    assert_still_serving(server)


def test_slow_reader_gets_back_pressure_not_buffering(
    serve: Callable[..., Running], app: FaultApp
) -> None:
    server = serve(app, send_timeout=10.0)
    sock = server.connect()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock.sendall(b"GET /sized HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    time.sleep(1.0)  # read nothing: the server may run ahead only by the socket buffers
    produced_while_stalled = app.produced
    time.sleep(0.5)
    assert app.produced == produced_while_stalled  # blocked in send, not buffering
    assert produced_while_stalled < 8 * 1024 * 1024
    raw = recv_until_closed(sock)
    sock.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(HELLO)
    assert len(body) == 32 * 1024 * 1024 and body.count(b"x") == len(body)
    assert_still_serving(server)


def test_slow_reader_is_cut_after_the_send_timeout(
    serve: Callable[..., Running], app: FaultApp
) -> None:
    server = serve(app, send_timeout=0.5)
    sock = server.connect()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
    assert app.closed.wait(5)  # the stalled response was abandoned and its generator closed
    assert app.produced < 16 * 1024 * 1024
    sock.close()
    assert_still_serving(server)


def test_error_in_body_after_head_closes_cleanly_and_is_logged(
    serve: Callable[..., Running], app: FaultApp, caplog: pytest.LogCaptureFixture
) -> None:
    server = serve(app)
    with caplog.at_level(logging.ERROR, logger="kettle.server"), server.connect() as sock:
        sock.sendall(b"GET /boom HTTP/1.1\r\nHost: x\r\n\r\n")
        raw = recv_until_closed(sock)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(HELLO) and b"Transfer-Encoding: chunked" in head
    # The first chunk arrives, the terminating zero-size chunk never does: the client can
    # tell the response is incomplete.
    assert body == b"b\r\nfirst part;\r\n"
    records = [r for r in caplog.records if r.name == "kettle.server"]
    assert [r.getMessage() for r in records] == ["error in application on GET /boom"]
    assert records[0].exc_info is not None and "boom after the head" in str(records[0].exc_info[1])
    assert_still_serving(server)


@pytest.mark.parametrize("size", [10, 200_000, 1 << 20])
def test_app_that_never_reads_a_small_body_keeps_the_connection(
    serve: Callable[..., Running], app: FaultApp, size: int
) -> None:
    server = serve(app)
    with server.connect() as sock:
        head = f"POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n"
        sock.sendall(head.encode() + b"z" * size)
        sock.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        response = recv_until_closed(sock)
    # The unread body was drained and the same connection served the next request.
    first, second = response.split(b"HTTP/1.1 200 OK\r\n")[1:]
    assert first.endswith(b"\r\n\r\nignored") and b"Connection: close" not in first
    assert second.endswith(b"\r\n\r\nHello, World!")
    assert_still_serving(server)


def test_app_that_never_reads_a_large_body_gets_answered_and_closed(
    serve: Callable[..., Running], app: FaultApp
) -> None:
    # A worker takes the request once max_buffered_body bytes of the body have arrived.
    server = serve(app, max_buffered_body=65536)
    with server.connect() as sock:
        size = 50 * 1024 * 1024
        head = f"POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n"
        sock.sendall(head.encode() + b"z" * 65536)
        response = recv_until_closed(sock)
    # Too large to drain (over DRAIN_LIMIT): answered at once with Connection: close.
    assert response.startswith(HELLO)
    assert b"\r\nConnection: close\r\n" in response
    assert response.endswith(b"\r\n\r\nignored")
    assert_still_serving(server)


def test_stuck_worker_others_still_served_and_saturation_logged(
    serve: Callable[..., Running],
    app: FaultApp,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No rate limit: a brief saturation between two of the sequential requests below (a
    # worker still closing while the next connection is queued) must not hide the real one.
    monkeypatch.setattr("kettle.server.engine.SATURATION_LOG_INTERVAL", 0.0)
    expected = "saturated: all 2 worker threads are busy and 1 connection(s) wait for one"
    server = serve(app, threads=2)
    caplog.set_level(logging.INFO, logger="kettle.server")
    stuck = server.connect()
    stuck.sendall(b"GET /stuck HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert wait_for(lambda: app.stuck == 1)
    for _ in range(5):  # one thread left: still served
        assert_still_serving(server)
    second = server.connect()
    second.sendall(b"GET /stuck HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert wait_for(lambda: app.stuck == 2)
    caplog.clear()
    waiting = server.connect()
    waiting.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert wait_for(lambda: any(r.getMessage() == expected for r in caplog.records))
    # The waiting request is queued, not dropped, and the saturation is logged once.
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert messages == [expected]
    app.release.set()
    assert recv_until_closed(waiting).endswith(b"Hello, World!")
    assert recv_until_closed(stuck).endswith(b"freed")
    assert recv_until_closed(second).endswith(b"freed")
    for sock in (stuck, second, waiting):
        sock.close()
    assert wait_for(lambda: any("free again" in r.getMessage() for r in caplog.records))
    assert_still_serving(server)


def test_sse_client_disconnect_closes_the_generator(
    serve: Callable[..., Running], app: FaultApp
) -> None:
    server = serve(app)
    for how in ("close", "reset"):
        app.closed.clear()
        sock = server.connect()
        sock.sendall(b"GET /sse HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
        data = recv_until(sock, b"tick 2")
        assert data.startswith(HELLO) and b"text/event-stream" in data
        (reset if how == "reset" else socket.socket.close)(sock)
        assert app.closed.wait(5), how
    assert_still_serving(server)


def ws_connect(server: Running, path: str = "/ws") -> socket.socket:
    sock = server.connect()
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        piece = sock.recv(1)
        assert piece, f"the connection closed early, after {head!r}"
        head += piece
    assert head.startswith(b"HTTP/1.1 101 ")
    assert b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in head
    return sock


def masked_text(payload: bytes) -> bytes:
    mask = b"\x01\x02\x03\x04"
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + mask + body


@pytest.mark.parametrize("how", ["close", "reset", "half-frame"])
def test_websocket_client_vanishes(serve: Callable[..., Running], app: FaultApp, how: str) -> None:
    server = serve(app)
    sock = ws_connect(server)
    sock.sendall(masked_text(b"ping"))
    assert sock.recv(16) == b"\x81\x04ping"
    if how == "half-frame":
        sock.sendall(masked_text(b"partial message")[:5])
        sock.close()
    elif how == "reset":
        reset(sock)
    else:
        sock.close()
    assert app.closed.wait(5), how
    assert app.ws_result == ["closed 1006"]
    assert_still_serving(server)


def test_many_faults_in_a_row_leave_no_connection_behind(
    serve: Callable[..., Running], app: FaultApp
) -> None:
    server = serve(app, send_timeout=2.0)
    for index in range(30):
        sock = server.connect()
        kind = index % 3
        if kind == 0:
            sock.sendall(b"POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\nab")
        elif kind == 1:
            sock.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.recv(1024)
        else:
            sock.sendall(b"GET /hel")
        reset(sock)
    engine = server.server._engine
    assert engine is not None
    assert wait_for(lambda: len(engine.conns) == 0, timeout=10)
    assert_still_serving(server)
