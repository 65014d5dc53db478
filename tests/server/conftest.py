"""Fixtures for the server tests: a real server on an ephemeral port and a raw client.

Every socket the tests open carries a timeout (``TIMEOUT``), so a hang fails the test
instead of blocking the run.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kettle.server import Server

TIMEOUT = 5.0
DATE_LINE = re.compile(rb"Date: [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\r\n")


def hello_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"Hello, World!"]


def normalize(raw: bytes) -> bytes:
    """Replace every Date header value with a fixed marker after checking its format."""
    return DATE_LINE.sub(b"Date: <date>\r\n", raw)


def read_response(sock: socket.socket, *, head_only: bool = False) -> bytes:
    """Read exactly one response (head plus body by Content-Length or chunked framing).

    Without either framing header, reads until the server closes the connection.
    """
    data = b""
    while b"\r\n\r\n" not in data:
        piece = sock.recv(65536)
        if not piece:
            return data
        data += piece
    head, _, rest = data.partition(b"\r\n\r\n")
    head += b"\r\n\r\n"
    lower = head.lower()
    status = int(head.split(b" ", 2)[1])
    if head_only or status < 200 or status in (204, 304):
        return head + rest
    match = re.search(rb"\r\ncontent-length: (\d+)\r\n", lower)
    if match:
        size = int(match.group(1))
        while len(rest) < size:
            piece = sock.recv(65536)
            if not piece:
                break
            rest += piece
        return head + rest
    if b"\r\ntransfer-encoding: chunked\r\n" in lower:
        while not rest.endswith(b"0\r\n\r\n"):
            piece = sock.recv(65536)
            if not piece:
                break
            rest += piece
        return head + rest
    return head + rest + read_all(sock)


def read_all(sock: socket.socket) -> bytes:
    """Read until the peer closes the connection."""
    chunks = []
    while True:
        piece = sock.recv(65536)
        if not piece:
            return b"".join(chunks)
        chunks.append(piece)


def is_closed(sock: socket.socket, wait: float = TIMEOUT) -> bool:
    """True when the server closed the connection (EOF or reset) within ``wait`` seconds."""
    sock.settimeout(wait)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


class Running:
    """A started server plus helpers to talk to it."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.port = server.port

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=TIMEOUT)
        return sock

    def exchange(self, raw: bytes) -> bytes:
        """Send ``raw`` on a fresh connection and return everything until it closes."""
        with self.connect() as sock:
            sock.sendall(raw)
            return read_all(sock)

    def request(self, raw: bytes) -> bytes:
        """Send ``raw`` on a fresh connection and return the one (normalized) response."""
        with self.connect() as sock:
            sock.sendall(raw)
            return normalize(read_response(sock))


@pytest.fixture
def serve() -> Iterator[Callable[..., Running]]:
    """Start servers with ``serve(app, **options)``; all are stopped after the test."""
    servers: list[Server] = []

    def start(app: Any = hello_app, **options: Any) -> Running:
        options.setdefault("threads", 4)
        server = Server(app, "127.0.0.1", 0, **options).start()
        servers.append(server)
        return Running(server)

    yield start
    for server in servers:
        server.stop(grace=2.0)
