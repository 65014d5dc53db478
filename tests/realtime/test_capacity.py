"""The process's limit of open realtime connections: where it comes from, the 503 with
``Retry-After`` past it (WebSocket, EventStream, ChannelStream, ``@app.websocket``), the
log line, and the slot coming back when a connection ends."""

from __future__ import annotations

import logging
import resource
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
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
