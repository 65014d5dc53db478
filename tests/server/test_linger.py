"""A connection the server closes while its client is still sending lingers first.

Closing a socket with unread input makes the kernel reset the connection: a client still
writing its request then gets a reset (on its next send, or instead of the end of the
stream) rather than the answer. The server sends its end of stream, drops what the client
still sends, and closes at the client's end of stream or after ``LINGER_SECONDS``.
"""

from __future__ import annotations

import select
import socket
import ssl
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kettle.server import connection

from .conftest import TIMEOUT, Running, normalize, read_all
from .test_bad_input import echo_body, error_bytes
from .test_features import certificate  # noqa: F401 (a fixture)

StartResponse = Callable[..., Any]

EARLY_413 = (
    b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 8\r\nServer: kettle\r\n"
    b"Date: <date>\r\nConnection: close\r\n\r\ntoo big!"
)


def early_answer(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    """Refuses the upload without reading its body."""
    start_response("413 Content Too Large", [("Content-Length", "8")])
    return [b"too big!"]


def wait_readable(sock: socket.socket) -> None:
    readable, _, _ = select.select([sock], [], [], TIMEOUT)
    assert readable, "no answer from the server"


def start_upload(sock: socket.socket) -> None:
    """Send the head and the first 64 KiB of a 10 MB upload; wait for the early answer."""
    sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n")
    sock.sendall(b"x" * 65536)
    wait_readable(sock)


def send_more(sock: socket.socket, *, end: bool = True) -> None:
    """Go on sending after the answer came, then end the request side (``end``). Had the
    server closed its socket, the first of these would draw a reset and a later send
    fail."""
    time.sleep(0.1)  # the server has ended its side by now
    for _ in range(8):
        sock.sendall(b"y" * 65536)
        time.sleep(0.01)
    if end:
        sock.shutdown(socket.SHUT_WR)


def test_an_upload_answered_early_keeps_being_accepted_until_the_client_ends(
    serve: Callable[..., Running],
) -> None:
    # The body is too large to buffer (so the app runs before it arrived) and too large
    # to skip after the response (so the connection closes).
    server = serve(early_answer, max_buffered_body=16384)
    with server.connect() as sock:
        start_upload(sock)
        send_more(sock)
        assert normalize(read_all(sock)) == EARLY_413


def test_an_upload_answered_early_over_tls(
    serve: Callable[..., Running],
    certificate: tuple[Path, Path],  # noqa: F811
) -> None:
    cert, key = certificate
    server = serve(early_answer, max_buffered_body=16384, certfile=cert, keyfile=key)
    context = ssl.create_default_context(cafile=str(cert))
    raw = server.connect()
    with context.wrap_socket(raw, server_hostname="localhost") as sock:
        start_upload(sock)
        # (A TLS socket's shutdown would drop TLS for the reads after it: not ended.)
        send_more(sock, end=False)
        # The server ends its side without a TLS close_notify: the client reads a
        # ragged end of stream, which Python's default context reports as b"".
        assert normalize(read_all(sock)) == EARLY_413


def test_a_408_reaches_a_client_that_still_sends(serve: Callable[..., Running]) -> None:
    server = serve(echo_body, body_timeout=0.3)
    with server.connect() as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        wait_readable(sock)
        send_more(sock)
        assert normalize(read_all(sock)) == error_bytes("408 Request Timeout")


def test_a_protocol_error_reaches_a_client_that_still_sends(
    serve: Callable[..., Running],
) -> None:
    server = serve(max_body_size=10)
    with server.connect() as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        sock.sendall(b"20\r\n" + b"x" * 32 + b"\r\n")
        wait_readable(sock)
        send_more(sock)
        raw = normalize(read_all(sock))
    assert raw.startswith(b"HTTP/1.1 413 ")


def test_lingering_ends_after_linger_seconds(
    serve: Callable[..., Running], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection, "LINGER_SECONDS", 0.5)
    server = serve(early_answer, max_buffered_body=16384)
    with server.connect() as sock:
        start_upload(sock)
        started = time.monotonic()
        head = sock.recv(65536)
        assert head.startswith(b"HTTP/1.1 413 ")
        assert sock.recv(1) == b""  # the server's end of stream comes at once
        # The client never ends its side: the server closes after LINGER_SECONDS (and
        # the selector's tick), which the client sees when it sends again.
        sock.sendall(b"y")
        while time.monotonic() - started < TIMEOUT:
            time.sleep(0.1)
            try:
                sock.sendall(b"y")
            except (BrokenPipeError, ConnectionResetError):
                break
        else:
            pytest.fail("the lingering connection was never closed")
        assert 0.4 < time.monotonic() - started < 2.0


def test_lingering_ends_past_linger_limit(
    serve: Callable[..., Running], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection, "LINGER_LIMIT", 100_000)
    server = serve(early_answer, max_buffered_body=16384)
    with server.connect() as sock:
        start_upload(sock)
        started = time.monotonic()
        sent = 0
        with pytest.raises((BrokenPipeError, ConnectionResetError)):
            while sent < 10_000_000 and time.monotonic() - started < TIMEOUT:
                sock.sendall(b"y" * 16384)
                sent += 16384
        # Past the limit, well before LINGER_SECONDS, the server closed.
        assert sent > 100_000
        assert time.monotonic() - started < connection.LINGER_SECONDS
