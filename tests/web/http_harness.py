"""One way to run a plain WSGI app for the wrapper/file/exception tests: in process, or
through ``kettle.server.Server`` on an ephemeral port (real sockets, 5 s timeouts).

These tests exercise ``kettle.web.wrappers``/``files``/``exceptions`` below the app layer,
so they drive bare WSGI callables rather than a ``Kettle`` app.
"""

from __future__ import annotations

import http.client
import io
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

from kettle.http.headers import Headers
from kettle.server import Server

WSGIApp = Callable[[dict[str, Any], Any], Any]


@dataclass
class Result:
    status: int
    headers: Headers
    body: bytes


def build_environ(
    method: str = "GET",
    path: str = "/",
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path.encode().decode("latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "HTTP_HOST": "localhost",
    }
    if body or method in ("POST", "PUT", "PATCH"):
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ["HTTP_" + key] = value
    return environ


class InProcess:
    name = "in-process"

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def request(
        self,
        method: str = "GET",
        path: str = "/",
        query: str = "",
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> Result:
        environ = build_environ(method, path, query, headers, body)
        captured: list[Any] = []

        def start_response(status: str, pairs: list[tuple[str, str]], exc: Any = None) -> Any:
            captured[:] = [status, pairs]
            return lambda data: None

        iterable = self.app(environ, start_response)
        try:
            data = b"".join(iterable)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
        return Result(int(captured[0][:3]), Headers(captured[1]), data)


class OverHTTP:
    name = "server"

    def __init__(self, app: WSGIApp) -> None:
        self.server = Server(app, port=0, threads=2)
        self.server.start()

    def request(
        self,
        method: str = "GET",
        path: str = "/",
        query: str = "",
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> Result:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=5)
        try:
            target = quote(path) + (f"?{query}" if query else "")
            conn.request(method, target, body=body or None, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
            return Result(response.status, Headers(response.getheaders()), data)
        finally:
            conn.close()

    def close(self) -> None:
        self.server.stop(grace=1)


@pytest.fixture(params=["in-process", "server"])
def run(request: pytest.FixtureRequest) -> Iterator[Callable[[WSGIApp], Any]]:
    """``run(app)`` gives an object with ``.request(...)`` for the parametrized transport."""
    servers: list[OverHTTP] = []

    def make(app: WSGIApp) -> Any:
        if request.param == "in-process":
            return InProcess(app)
        server = OverHTTP(app)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()
