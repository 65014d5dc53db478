"""The web fixture: every app test runs through the in-process test client and through the
real server (``kettle.server.Server``) on an ephemeral port, from one parametrized fixture.

``make_client(app)`` returns a client with the test client's API; in the ``server`` variant
its requests travel over a real socket (http.client, 5 s timeout) and the app runs in the
server's worker threads.
"""

from __future__ import annotations

import http.client
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from kettle.server import Server
from kettle.web.app import Kettle
from kettle.web.testing import KettleClient

# The examples package (examples/blog) lives at the repository root, outside src/.
ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


class ServerClient(KettleClient):
    """The test client's API, sending each request to a real server over TCP."""

    def __init__(self, app: Kettle, port: int) -> None:
        super().__init__(app)
        self.port = port

    def _send(
        self, environ: dict[str, Any], buffered: bool = True
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        path = quote(
            environ.get("SCRIPT_NAME", "") + environ["PATH_INFO"].encode("latin-1").decode()
        )
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        headers: dict[str, str] = {}
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                headers[key[5:].replace("_", "-").title()] = value
        if "CONTENT_TYPE" in environ:
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        body = environ["wsgi.input"].read()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request(environ["REQUEST_METHOD"], path, body=body or None, headers=headers)
            response = connection.getresponse()
            data = response.read()
            status = f"{response.status} {response.reason}"
            return status, list(response.getheaders()), data
        finally:
            connection.close()


@pytest.fixture(params=["test_client", "server"])
def make_client(request: pytest.FixtureRequest) -> Iterator[Callable[[Kettle], KettleClient]]:
    servers: list[Server] = []

    def factory(app: Kettle) -> KettleClient:
        if request.param == "test_client":
            return app.test_client()
        server = Server(app, "127.0.0.1", 0, threads=4)
        server.start()
        servers.append(server)
        return ServerClient(app, server.port)

    yield factory
    for server in servers:
        server.stop(grace=1)


@pytest.fixture
def app() -> Kettle:
    app = Kettle(__name__)
    app.config.update(SECRET_KEY="test secret")
    return app
