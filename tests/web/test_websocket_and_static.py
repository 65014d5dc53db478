"""``@app.websocket`` over the real server, and the static route's conditional/range answers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from websockets.sync.client import connect

from kettle import Kettle, request
from kettle.realtime.websocket import WebSocket
from kettle.server import Server
from kettle.web.testing import KettleClient

MakeClient = Callable[[Kettle], KettleClient]


def test_websocket_route_echoes_over_kettle_server(app: Kettle) -> None:
    @app.websocket("/ws/<room>")
    def echo(ws: WebSocket, room: str) -> None:
        ws.send(f"joined {room} as {request.args.get('user')}")
        for message in ws:
            ws.send(f"{room}: {message}")

    with (
        Server(app, "127.0.0.1", 0, threads=4) as server,
        connect(f"ws://127.0.0.1:{server.port}/ws/lobby?user=ann", open_timeout=5) as ws,
    ):
        assert ws.recv(timeout=5) == "joined lobby as ann"
        ws.send("hello")
        assert ws.recv(timeout=5) == "lobby: hello"


def test_websocket_route_refuses_plain_http(make_client: MakeClient, app: Kettle) -> None:
    @app.websocket("/ws")
    def handler(ws: WebSocket) -> None:
        ws.send("never")

    response = make_client(app).get("/ws")
    assert response.status_code == 426  # RFC 6455 section 4.2.2: Upgrade Required


@pytest.fixture
def static_app(tmp_path: Path) -> Kettle:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "site.css").write_bytes(b"0123456789abcdef")
    return Kettle("static_app", root_path=str(tmp_path))


def test_static_file_conditional_and_range(make_client: MakeClient, static_app: Kettle) -> None:
    client = make_client(static_app)
    full = client.get("/static/site.css")
    assert full.status_code == 200
    assert full.data == b"0123456789abcdef"
    assert full.headers["Content-Type"] == "text/css; charset=utf-8"
    etag = full.headers["ETag"]
    assert full.headers["Last-Modified"]
    assert client.get("/static/site.css", headers={"If-None-Match": etag}).status_code == 304
    part = client.get("/static/site.css", headers={"Range": "bytes=2-5"})
    assert (part.status_code, part.data) == (206, b"2345")
    assert part.headers["Content-Range"] == "bytes 2-5/16"
    assert client.get("/static/site.css", headers={"Range": "bytes=50-60"}).status_code == 416


@pytest.mark.parametrize(
    "path", ["/static/../secret.txt", "/static/%2e%2e/secret.txt", "/static/nope.css"]
)
def test_static_traversal_and_missing_are_404(
    make_client: MakeClient, static_app: Kettle, tmp_path: Path, path: str
) -> None:
    (tmp_path / "secret.txt").write_text("secret")
    assert make_client(static_app).get(path).status_code == 404
