"""The web fixture: every app test runs through the in-process test client and through the
real server (``kettle.server.Server``) on an ephemeral port, from one parametrized fixture.

``make_client(app)`` returns a client with the test client's API; in the ``server`` variant
its requests travel over a real socket (http.client, 5 s timeout) and the app runs in the
server's worker threads.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from reliability.clients import ServerClient  # one real-socket client for both suites

from kettle.server import Server
from kettle.web.app import Kettle
from kettle.web.testing import KettleClient

# The examples package (examples/blog) lives at the repository root, outside src/.
ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


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
