"""Fixtures for the realtime tests: a minimal threaded WSGI server that offers
``kettle.takeover`` the way kettle.server documents it, so the realtime layer is tested on
real sockets independently of the server layer.
"""

from __future__ import annotations

import logging
import socket
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import unquote

import pytest

from kettle.server import Server

WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


class TakeoverServer:
    """One thread per connection, one request per connection, ``Connection: close``."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.errors: list[BaseException | str] = []
        self.shutdown = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            self._handle_request(conn)
        except BaseException as exc:  # recorded so a test can fail on it
            self.errors.append(exc)
            conn.close()

    def _handle_request(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                conn.close()
                return
            data += chunk
        head, _, leftover = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ")
        path, _, query = target.partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": unquote(path),
            "QUERY_STRING": query,
            "SERVER_PROTOCOL": version,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(self.port),
            "wsgi.input": None,
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
        }
        for line in lines[1:]:
            name, _, value = line.partition(":")
            key = "HTTP_" + name.strip().upper().replace("-", "_")
            environ[key] = value.strip()
        taken = False

        def takeover() -> tuple[socket.socket, bytes]:
            nonlocal taken
            taken = True
            return conn, leftover

        environ["kettle.takeover"] = takeover
        environ["kettle.shutdown"] = self.shutdown
        status_headers: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            status_headers[:] = [status, headers]
            return lambda data: None

        result = self.app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        if taken:
            return
        status, headers = status_headers
        out = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
        out += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        conn.sendall(out.encode("latin-1") + body)
        conn.close()

    def close(self) -> None:
        self.listener.close()


class KettleServer:
    """kettle.server.Server behind the same small interface as :class:`TakeoverServer`."""

    def __init__(self, app: WSGIApp) -> None:
        self.server = Server(app, "127.0.0.1", 0, threads=16).start()
        self.port = self.server.port
        self.errors: list[BaseException | str] = []
        self._handler = _ErrorLog(self.errors)
        logging.getLogger("kettle.server").addHandler(self._handler)

    def close(self) -> None:
        self.server.stop(grace=1)
        logging.getLogger("kettle.server").removeHandler(self._handler)


class _ErrorLog(logging.Handler):
    """Collects what the server logs at ERROR: an app failing after a takeover lands here."""

    def __init__(self, sink: list[BaseException | str]) -> None:
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


def read_until(sock: Any, data: bytes, marker: bytes) -> bytes:
    """Read from ``sock`` (plain or TLS; its timeout bounds each read) onto ``data`` until
    ``marker`` is in it; fails at once, with what arrived, if the stream ends before it."""
    while marker not in data:
        piece = sock.recv(65536)
        assert piece, f"the stream ended before {marker!r}; it sent {data!r}"
        data += piece
    return data


@pytest.fixture(params=["takeover-stub", "kettle-server"])
def serve(request: pytest.FixtureRequest) -> Iterator[Callable[[WSGIApp], Any]]:
    """Start a WSGI app on a real socket: on the minimal takeover server of this file, then
    on kettle.server."""
    servers: list[TakeoverServer | KettleServer] = []
    reactor_errors: list[BaseException | str] = []
    handler = _ErrorLog(reactor_errors)
    logging.getLogger("kettle.realtime").addHandler(handler)

    def start(app: WSGIApp) -> TakeoverServer | KettleServer:
        server = TakeoverServer(app) if request.param == "takeover-stub" else KettleServer(app)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()
    logging.getLogger("kettle.realtime").removeHandler(handler)
    for server in servers:
        assert server.errors == []
    assert reactor_errors == []
