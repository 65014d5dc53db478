"""The demo board's own pages through the test client and the real server: the board, the
favicon it links, its 404 and 500 pages, and a note's line breaks kept as typed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from examples.board.app import create_app
from kettle import Kettle
from kettle.realtime.broadcast import MemoryBroadcast
from kettle.web.testing import KettleClient

MakeClient = Callable[[Kettle], KettleClient]


@pytest.fixture
def board(tmp_path: Path) -> Kettle:
    app = create_app(tmp_path / "board.db", broadcast=MemoryBroadcast())

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("a bug in a view")

    return app


def test_board_links_a_favicon_that_is_served(board: Kettle, make_client: MakeClient) -> None:
    client = make_client(board)
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    assert '<span id="status-text">connecting…</span>' in page
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["Content-Type"] == "image/svg+xml; charset=utf-8"


def test_404_is_a_board_page(board: Kettle, make_client: MakeClient) -> None:
    response = make_client(board).get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "<title>404 Not Found · Kettle Board</title>" in page
    assert "There is no page at this address." in page


def test_500_is_a_board_page(board: Kettle, make_client: MakeClient) -> None:
    client = make_client(board)
    response = client.get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "<title>500 Internal Server Error · Kettle Board</title>" in page
    assert "Something broke on the server. The board is still there." in page
    assert "a bug in a view" not in page  # no details outside debug mode
