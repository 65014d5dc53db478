"""Hardening over real sockets: framing lines that never end, per-field limits, and
connections released by idle workers (issue 12, "unbounded and unsafe corners")."""

from __future__ import annotations

import gc
import socket
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import pytest

from .conftest import TIMEOUT, Running, normalize, read_all, read_response

StartResponse = Callable[..., Any]
CHUNKED_HEAD = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
TOO_LARGE = b"HTTP/1.1 431 Request Header Fields Too Large"


def echo_app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"%d bytes" % len(body)]


def send_endless(sock: socket.socket, first: bytes, filler: bytes, total: int) -> threading.Thread:
    """Send ``first`` then ``total`` bytes of ``filler`` on a thread, ignoring the server
    closing the connection under it (it is expected to give up early)."""

    def pump() -> None:
        try:
            sock.sendall(first)
            piece = filler * (65536 // len(filler))
            sent = 0
            while sent < total:
                sock.sendall(piece)
                sent += len(piece)
        except OSError:
            pass

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread


def read_status_line(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        piece = sock.recv(65536)
        if not piece:
            break
        data += piece
    return data.split(b"\r\n", 1)[0]


@pytest.mark.parametrize(
    ("first", "filler", "status"),
    [
        # A trailer field that never ends (RFC 9112 section 7.1.2).
        (CHUNKED_HEAD + b"2\r\nhi\r\n0\r\nX-Trailer: ", b"t", TOO_LARGE),
        # A chunk extension that never ends (RFC 9112 section 7.1.1).
        (CHUNKED_HEAD + b"2;name=", b"e", b"HTTP/1.1 400 Bad Request"),
    ],
    ids=["trailer", "chunk-extension"],
)  # fmt: skip
def test_endless_chunked_framing_line_is_refused_promptly(
    serve: Callable[..., Running], first: bytes, filler: bytes, status: bytes
) -> None:
    server = serve(echo_app)
    with server.connect() as sock:
        started = time.monotonic()
        pump = send_endless(sock, first, filler, 8 << 20)  # 8 MiB offered
        assert read_status_line(sock) == status
        elapsed = time.monotonic() - started
        sock.close()
        pump.join(TIMEOUT)
    # Linear cost: refused after at most one read past the limit, not after the 8 MiB.
    assert elapsed < 1.0
    assert server.request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").endswith(b"0 bytes")


@pytest.mark.parametrize("reads_body", [True, False])
def test_trailer_field_over_the_limit_gets_431(
    serve: Callable[..., Running], reads_body: bool
) -> None:
    calls: list[str] = []

    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        calls.append(environ["PATH_INFO"])
        if reads_body:
            return echo_app(environ, start_response)
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    server = serve(app)
    raw = server.exchange(
        CHUNKED_HEAD + b"2\r\nhi\r\n0\r\nX-Trailer: " + b"t" * 9000 + b"\r\n\r\n"
    )
    # The whole body (trailer included) is buffered before the app would run: the app
    # never sees a request whose framing is refused, whether or not it reads bodies.
    assert normalize(raw) == (
        TOO_LARGE + b"\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 60\r\n"
        b"Connection: close\r\nServer: kettle\r\nDate: <date>\r\n\r\n"
        b"431 Request Header Fields Too Large\ntrailer field too large\n"
    )
    assert calls == []


def test_trailer_fields_within_limits_are_accepted(serve: Callable[..., Running]) -> None:
    raw = serve(echo_app).request(
        CHUNKED_HEAD + b"2;a=b\r\nhi\r\n0\r\nX-Trailer: " + b"t" * 8177 + b"\r\n\r\n"
    )
    assert raw.startswith(b"HTTP/1.1 200 OK\r\n") and raw.endswith(b"2 bytes")


@pytest.mark.parametrize(
    ("limit", "value_size", "expected"),
    [
        (8190, 8183, b"HTTP/1.1 200 OK"),  # "X-Big: " + value = 8190 bytes
        (8190, 8184, b"HTTP/1.1 431 Request Header Fields Too Large"),
        (100, 93, b"HTTP/1.1 200 OK"),
        (100, 94, b"HTTP/1.1 431 Request Header Fields Too Large"),
    ],
)
def test_max_header_field_bounds_one_field_line(
    serve: Callable[..., Running], limit: int, value_size: int, expected: bytes
) -> None:
    server = serve(echo_app, max_header_field=limit)
    raw = server.request(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"v" * value_size + b"\r\n\r\n")
    assert raw.split(b"\r\n", 1)[0] == expected
    if expected.endswith(b"Large"):
        assert raw.endswith(b"header field too large\n")


def test_max_header_field_must_be_positive() -> None:
    from kettle.server import Server

    with pytest.raises(ValueError, match="max_header_field must be a positive int"):
        Server(echo_app, max_header_field=0)


def test_idle_worker_does_not_keep_its_last_connection(serve: Callable[..., Running]) -> None:
    sockets: list[weakref.ref[socket.socket]] = []

    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        sockets.append(weakref.ref(environ["werkzeug.socket"]))
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    server = serve(app, threads=1)
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert normalize(read_all(sock)).endswith(b"\r\n\r\nok")
    deadline = time.monotonic() + TIMEOUT
    while sockets[0]() is not None and time.monotonic() < deadline:
        gc.collect()
        time.sleep(0.01)
    # The connection (and its socket, parser and buffers) is gone although the only
    # worker has served nothing since.
    assert sockets[0]() is None
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).endswith(b"ok")
