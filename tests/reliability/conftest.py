"""Fixtures for the reliability tests: real servers on ephemeral ports and raw sockets.

Every socket carries a timeout (``TIMEOUT``) so that a hang fails the test instead of
blocking the run; servers are stopped after each test.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kettle.server import Server

from .clients import recv_until_closed

TIMEOUT = 5.0

# The fuzz targets (fuzz/ at the repository root) are shared with `make fuzz`.
ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def hello_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "13")])
    return [b"Hello, World!"]


class Running:
    """A started server plus small helpers to talk raw HTTP to it."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.port = server.port

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=TIMEOUT)

    def get(self, path: str = "/", host: str = "localhost") -> bytes:
        """One GET on a fresh connection; returns the whole raw response."""
        with self.connect() as sock:
            request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
            sock.sendall(request.encode("latin-1"))
            return recv_until_closed(sock)


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
