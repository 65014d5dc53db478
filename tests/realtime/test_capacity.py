"""The process's limit of open realtime connections: where it comes from, the 503 with
``Retry-After`` past it (WebSocket, EventStream, ChannelStream, ``@app.websocket``), the
log line, and the slot coming back when a connection ends."""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from server.masters import Master
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from kettle import Kettle
from kettle.realtime import capacity
from kettle.realtime.broadcast import MemoryBroadcast
from kettle.realtime.capacity import (
    DEFAULT_MAX_CONNECTIONS,
    FD_RESERVE,
    CapacityError,
    max_connections,
    open_connections,
    set_max_connections,
)
from kettle.realtime.scope import sleep
from kettle.realtime.sse import ChannelStream, EventStream
from kettle.realtime.websocket import ConnectionClosed, HandshakeError, accept
from kettle.server import Server

from .test_gunicorn import GUNICORN, TESTS, free_port
from .test_gunicorn import get as gunicorn_get

TIMEOUT = 5.0
REFUSAL = (
    b"this server holds its limit of 2 open WebSocket/event-stream connections; retry in 5 s\n"
)


@pytest.fixture(autouse=True)
def limit_of_two(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("KETTLE_MAX_CONNECTIONS", raising=False)
    monkeypatch.setattr(capacity, "_budget", capacity._Budget())
    set_max_connections(2)
    yield
    set_max_connections(None)


def _wait_for(condition: Any) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


# -- where the limit comes from ----------------------------------------------------------


def test_limit_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    assert max_connections() == 2
    set_max_connections(None)
    monkeypatch.setenv("KETTLE_MAX_CONNECTIONS", "750")
    assert max_connections() == 750
    monkeypatch.delenv("KETTLE_MAX_CONNECTIONS")
    monkeypatch.setattr(resource, "getrlimit", lambda kind: (1024, 4096))
    assert max_connections() == 1024 - FD_RESERVE
    monkeypatch.setattr(resource, "getrlimit", lambda kind: (1 << 20, 1 << 20))
    assert max_connections() == DEFAULT_MAX_CONNECTIONS
    monkeypatch.setattr(resource, "getrlimit", lambda kind: (resource.RLIM_INFINITY,) * 2)
    assert max_connections() == DEFAULT_MAX_CONNECTIONS


@pytest.mark.parametrize("value", ["0", "-3", "many", "1.5"], ids=repr)
def test_bad_environment_value_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    set_max_connections(None)
    monkeypatch.setenv("KETTLE_MAX_CONNECTIONS", value)
    with pytest.raises(ValueError) as info:
        max_connections()
    assert str(info.value) == f"KETTLE_MAX_CONNECTIONS must be a positive integer, not {value!r}"


@pytest.mark.parametrize("value", [0, -1, 2.5, True, "10"], ids=repr)
def test_bad_setting_is_a_clear_error(value: Any) -> None:
    with pytest.raises(ValueError) as info:
        set_max_connections(value)
    assert str(info.value) == (
        f"max_connections must be a positive integer or None, not {value!r}"
    )
    assert max_connections() == 2


def test_reserve_and_release_count_and_log(caplog: pytest.LogCaptureFixture) -> None:
    capacity.reserve()
    capacity.reserve()
    assert open_connections() == 2
    with caplog.at_level(logging.WARNING, logger="kettle.realtime"):
        for _ in range(3):
            with pytest.raises(CapacityError) as info:
                capacity.reserve()
    assert info.value.status == 503
    assert info.value.headers == [("Retry-After", "5")]
    # One line for the burst, not one per refusal.
    assert [r.getMessage() for r in caplog.records] == [
        "realtime connection limit reached: 2 open (max_connections=2); refused 1 new"
        " WebSocket/event-stream connection(s) with 503 since the last report"
    ]
    capacity.release()
    capacity.reserve()
    capacity.release()
    capacity.release()
    capacity.release()  # more releases than reservations never go below zero
    assert open_connections() == 0


# -- on real sockets ------------------------------------------------------------------------


def _raw(port: int, request: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    sock.sendall(request)
    return sock


def _read_head(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        piece = sock.recv(4096)
        assert piece, f"closed before a full head: {data!r}"
        data += piece
    return data


def _read_to_end(sock: socket.socket) -> bytes:
    data = b""
    while piece := sock.recv(65536):
        data += piece
    return data


def _stream_request(path: str, extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n{extra}\r\n".encode()


def realtime_app(hub: MemoryBroadcast) -> Any:
    def ticks(last_id: str | None) -> Iterator[str]:
        while True:
            sleep(0.05)
            yield "tick"

    def echo_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        try:
            ws = accept(environ)
        except HandshakeError as exc:
            start_response(f"{exc.status} Refused", exc.headers)
            return [exc.reason.encode()]
        try:
            for message in ws:
                ws.send(message)
        except ConnectionClosed:
            pass
        finally:
            ws.close()
        return []

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ["PATH_INFO"]
        if path == "/events":
            return EventStream(ticks)(environ, start_response)
        if path == "/channel":
            return ChannelStream("news", broadcast=hub)(environ, start_response)
        return echo_app(environ, start_response)

    return app


def test_past_the_limit_new_connections_get_503(serve: Any) -> None:
    hub = MemoryBroadcast()
    server = serve(realtime_app(hub))
    first = _raw(server.port, _stream_request("/events"))
    second = _raw(server.port, _stream_request("/channel"))
    try:
        assert _read_head(first).startswith(b"HTTP/1.1 200 OK\r\n")
        assert _read_head(second).startswith(b"HTTP/1.1 200 OK\r\n")
        assert open_connections() == 2
        for path in ("/events", "/channel"):
            request = _stream_request(path, "Connection: close\r\n")
            with _raw(server.port, request) as refused:
                raw = _read_to_end(refused)
            head, _, body = raw.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
            assert b"\r\nRetry-After: 5\r\n" in head + b"\r\n"
            assert body == REFUSAL
        with pytest.raises(InvalidStatus) as info:
            connect(f"ws://127.0.0.1:{server.port}/ws", open_timeout=TIMEOUT).close()
        assert info.value.response.status_code == 503
        assert info.value.response.headers["Retry-After"] == "5"
        assert info.value.response.body == REFUSAL.rstrip(b"\n")
    finally:
        first.close()
    # The slot comes back when a connection ends: a WebSocket now opens and echoes.
    _wait_for(lambda: open_connections() == 1)
    with connect(f"ws://127.0.0.1:{server.port}/ws", open_timeout=TIMEOUT) as client:
        client.send("still here")
        assert client.recv(timeout=TIMEOUT) == "still here"
    second.close()
    _wait_for(lambda: open_connections() == 0)


def test_app_websocket_past_the_limit(caplog: pytest.LogCaptureFixture) -> None:
    app = Kettle(__name__)

    @app.websocket("/ws")
    def echo(ws: Any) -> None:
        for message in ws:
            ws.send(message)

    set_max_connections(1)
    server = Server(app, "127.0.0.1", 0).start()
    try:
        with connect(f"ws://127.0.0.1:{server.port}/ws", open_timeout=TIMEOUT) as client:
            with (
                caplog.at_level(logging.WARNING, logger="kettle.realtime"),
                pytest.raises(InvalidStatus) as info,
            ):
                connect(f"ws://127.0.0.1:{server.port}/ws", open_timeout=TIMEOUT).close()
            response = info.value.response
            assert response.status_code == 503
            assert response.headers["Retry-After"] == "5"
            assert response.body == (
                b"this server holds its limit of 1 open WebSocket/event-stream connections;"
                b" retry in 5 s"
            )
            assert "realtime connection limit reached: 1 open (max_connections=1)" in (caplog.text)
            client.send("first")
            assert client.recv(timeout=TIMEOUT) == "first"
        _wait_for(lambda: open_connections() == 0)
    finally:
        server.stop(grace=2)


# -- per process: kettle serve --workers N, gunicorn ------------------------------------------

WORKER_APP = """
import os

from kettle import Kettle

app = Kettle(__name__)


@app.websocket("/ws")
def hello(ws):
    ws.send(f"joined {os.getpid()}")
    for message in ws:
        ws.send(message)


@app.get("/")
def index():
    return str(os.getpid())
"""


def _pause(pid: int) -> None:
    """SIGSTOP ``pid`` and wait until it is stopped, so only the other worker accepts."""
    os.kill(pid, signal.SIGSTOP)
    deadline = time.monotonic() + TIMEOUT
    while Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "T":
        assert time.monotonic() < deadline, f"{pid} did not stop"
        time.sleep(0.005)


def _refused(url: str) -> tuple[int, str | None]:
    with pytest.raises(InvalidStatus) as info:
        connect(url, open_timeout=TIMEOUT).close()
    return info.value.response.status_code, info.value.response.headers.get("Retry-After")


@pytest.mark.timeout(60)
def test_each_worker_of_kettle_serve_has_its_own_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "limitapp.py").write_text(WORKER_APP)
    monkeypatch.setenv("KETTLE_MAX_CONNECTIONS", "1")
    master = Master(tmp_path, "limitapp:app", "--workers", "2")
    url = f"ws://127.0.0.1:{master.port}/ws"
    clients = []
    stack = contextlib.ExitStack()
    try:
        first, second = master.wait_ready(2)
        for serving, paused in ((first, second), (second, first)):
            _pause(paused)
            try:
                client = stack.enter_context(connect(url, open_timeout=TIMEOUT))
                clients.append(client)
                assert client.recv(timeout=TIMEOUT) == f"joined {serving}"
                # The same worker is now full: the next one is refused, and it says so.
                assert _refused(url) == (503, "5")
                assert master.get("/") == (200, str(serving))
            finally:
                os.kill(paused, signal.SIGCONT)
        master.wait_log(r"realtime connection limit reached: 1 open \(max_connections=1\)", 2)
        for client in clients:
            client.send("still open")
            assert client.recv(timeout=TIMEOUT) == "still open"
    finally:
        stack.close()
        assert master.stop() == 0
    assert "Traceback" not in master.log


@pytest.mark.timeout(60)
def test_gunicorn_recipe_refuses_before_its_threads_run_out() -> None:
    # docs/realtime.md: under gunicorn each connection holds one of its threads, so
    # KETTLE_MAX_CONNECTIONS is set below --threads to keep threads for ordinary requests.
    port = free_port()
    process = subprocess.Popen(
        [str(GUNICORN), "--worker-class", "gthread", "--threads", "4", "--workers", "1",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "realtime.gunicorn_app:app"],
        env={**os.environ, "PYTHONPATH": str(TESTS), "KETTLE_MAX_CONNECTIONS": "2"},
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    clients = []
    stack = contextlib.ExitStack()
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
        url = f"ws://127.0.0.1:{port}/ws"
        for _ in range(2):
            clients.append(stack.enter_context(connect(url, open_timeout=TIMEOUT)))
        for _ in range(3):
            assert _refused(url) == (503, "5")
        assert gunicorn_get(port, "/listeners") == b"0"  # an ordinary request still runs
        for client in clients:
            client.send("echo")
            assert client.recv(timeout=TIMEOUT) == "echo"
    finally:
        stack.close()
        process.terminate()
        _, errors = process.communicate(timeout=20)
    assert "realtime connection limit reached: 2 open (max_connections=2)" in errors
    assert "Traceback" not in errors
