"""The server's side of long-lived connections: a worker whose connection is taken over
leaves the bounded request pool (a replacement starts at once), so open WebSockets and
event streams never use up the ``threads`` that ordinary requests need.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from kettle.server import Server

TIMEOUT = 5.0


def _hello(start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]


class HoldingApp:
    """``/hold`` takes the connection over and blocks its thread until ``release``."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.holding = 0
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["PATH_INFO"] != "/hold":
            return _hello(start_response)
        sock, _leftover = environ["kettle.takeover"]()
        with self.lock:
            self.holding += 1
        sock.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nheld\n")
        self.release.wait(TIMEOUT * 2)
        sock.sendall(b"released\n")
        sock.close()
        return []


@pytest.fixture
def holding() -> Iterator[tuple[Server, HoldingApp]]:
    app = HoldingApp()
    _ignore_earlier_workers()
    server = Server(app, "127.0.0.1", 0, threads=2).start()
    yield server, app
    app.release.set()
    server.stop(grace=2)


def _get(port: int, path: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while piece := sock.recv(65536):
            data += piece
        return data


def _open_held(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    sock.sendall(b"GET /hold HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while not data.endswith(b"held\n"):
        piece = sock.recv(100)
        assert piece, "the server closed a held connection"
        data += piece
    assert data == b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nheld\n"
    return sock


def test_taken_over_connections_do_not_hold_request_workers(
    holding: tuple[Server, HoldingApp],
) -> None:
    server, app = holding
    # Five times the pool size in connections whose handler threads block.
    held = [_open_held(server.port) for _ in range(10)]
    try:
        assert app.holding == 10
        for _ in range(5):
            assert _get(server.port, "/").endswith(b"\r\n\r\nhello")
    finally:
        app.release.set()
        tails = []
        for sock in held:
            data = b""
            while piece := sock.recv(100):
                data += piece
            tails.append(data)
            sock.close()
    assert tails == [b"released\n"] * 10
    assert _get(server.port, "/").endswith(b"\r\n\r\nhello")


_earlier: set[threading.Thread] = set()


def _ignore_earlier_workers() -> None:
    """Leave out of ``_worker_threads`` the worker threads alive now: those of servers
    that earlier tests in this process stopped may still be ending."""
    _earlier.clear()
    _earlier.update(t for t in threading.enumerate() if t.name.startswith("kettle-worker-"))


def _worker_threads() -> list[threading.Thread]:
    """The worker threads of the server the test started (``_ignore_earlier_workers``)."""
    return [
        t
        for t in threading.enumerate()
        if t.name.startswith("kettle-worker-") and t not in _earlier
    ]


def test_released_threads_end_and_the_pool_keeps_its_size(
    holding: tuple[Server, HoldingApp],
) -> None:
    server, app = holding
    before = set(_worker_threads())
    assert len(before) == 2
    held = [_open_held(server.port) for _ in range(4)]
    # The two pool threads plus the four that left the pool to run the held handlers.
    during = set(_worker_threads())
    assert len(during) == 6
    app.release.set()
    for sock in held:
        while sock.recv(100):
            pass
        sock.close()
    deadline = time.monotonic() + TIMEOUT
    while len(_worker_threads()) > 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    after = set(_worker_threads())
    assert len(after) == 2
    assert after <= during  # the pool was topped up while they ran, not regrown after
    assert _get(server.port, "/").endswith(b"\r\n\r\nhello")


def test_graceful_stop_waits_for_threads_that_left_the_pool() -> None:
    finished = threading.Event()

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        sock, _leftover = environ["kettle.takeover"]()
        sock.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nheld\n")
        environ["kettle.shutdown"].wait(TIMEOUT)
        time.sleep(0.3)  # the handler's own clean-up takes a moment
        sock.sendall(b"bye\n")
        sock.close()
        finished.set()
        return []

    server = Server(app, "127.0.0.1", 0, threads=1).start()
    client = _open_held(server.port)
    try:
        server.stop(grace=5)
        assert finished.is_set()  # stop() returned only after the handler ended
        assert client.recv(100) == b"bye\n"
    finally:
        client.close()


def test_no_replacement_thread_keeps_the_worker_in_the_pool(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    app = HoldingApp()
    _ignore_earlier_workers()
    server = Server(app, "127.0.0.1", 0, threads=2).start()
    engine = server._engine
    assert engine is not None

    def no_thread(index: int) -> threading.Thread:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(engine, "_start_worker", no_thread)
    try:
        held = _open_held(server.port)
        # The takeover went on; the thread stayed a pool worker, so one worker is left.
        assert len(_worker_threads()) == 2
        assert "could not start a replacement worker (can't start new thread)" in caplog.text
        assert _get(server.port, "/").endswith(b"\r\n\r\nhello")
        app.release.set()
        assert _read_all(held) == b"released\n"
        held.close()
        assert _get(server.port, "/").endswith(b"\r\n\r\nhello")  # both workers serve again
        assert _get(server.port, "/").endswith(b"\r\n\r\nhello")
    finally:
        app.release.set()
        server.stop(grace=2)


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    while piece := sock.recv(100):
        data += piece
    return data
