"""The demo's small edges in a real browser: the header's connection state follows the
stream (not "live" while disconnected), no request fails while the board loads (the
favicon), styled 404 pages; and the README's screenshot of the board.

``KETTLE_UPDATE_SCREENSHOTS=1`` writes the screenshot into docs/img/demo.png."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from examples.board.app import create_app
from kettle.realtime.broadcast import MemoryBroadcast
from kettle.server import Server

from .conftest import ROOT

pytestmark = pytest.mark.browser

SCREENSHOT = Path(ROOT) / "docs" / "img" / "demo.png"


def test_header_shows_connection_state(browser: Any, tmp_path: Path) -> None:
    threading.stack_size(512 * 1024)
    app = create_app(tmp_path / "board.db", broadcast=MemoryBroadcast())
    server = Server(app, "127.0.0.1", 0, threads=16).start()
    page = browser.new_page()
    try:
        page.goto(f"http://127.0.0.1:{server.port}/")
        page.wait_for_selector("html[data-kettle-sse-state='open']", timeout=5000)
        assert page.inner_text("#status-text") == "live"
        server.stop(grace=0.5)
        page.wait_for_selector("html[data-kettle-sse-state='reconnecting']", timeout=5000)
        assert page.inner_text("#status-text") == "reconnecting…"
    finally:
        page.close()
        server.stop(grace=0.5)
        threading.stack_size(0)


def test_board_loads_without_failed_requests(browser: Any, serve_app: Any, tmp_path: Path) -> None:
    base = serve_app(create_app(tmp_path / "board.db", broadcast=MemoryBroadcast()))
    page = browser.new_page(viewport={"width": 1000, "height": 720})
    failed: list[str] = []
    errors: list[str] = []
    page.on(
        "response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(f"{base}/", wait_until="load")
        page.wait_for_selector("html[data-kettle-sse-state='open']", timeout=5000)
        page.fill("input[name=author]", "Ada")
        page.fill("textarea[name=text]", "Tea at four?\nBring biscuits.")
        page.click("button.post")
        page.wait_for_selector("#notes .note", timeout=2000)
        icon = page.evaluate(
            "fetch(document.querySelector('link[rel=icon]').href).then(r => r.status)"
        )
        assert icon == 200
        assert failed == []
        assert errors == []
        page.wait_for_timeout(800)  # the new note's fade-in
        shot = tmp_path / "demo.png"
        page.screenshot(path=str(shot))
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        if os.environ.get("KETTLE_UPDATE_SCREENSHOTS") == "1":
            SCREENSHOT.parent.mkdir(exist_ok=True)
            shutil.copy(shot, SCREENSHOT)
    finally:
        page.close()


def test_missing_page_is_a_styled_404(browser: Any, serve_app: Any, tmp_path: Path) -> None:
    base = serve_app(create_app(tmp_path / "board.db", broadcast=MemoryBroadcast()))
    page = browser.new_page()
    try:
        response = page.goto(f"{base}/no/such/page")
        assert response.status == 404
        assert page.inner_text(".error-page h1") == "Not Found"
        assert page.inner_text(".error-page .lede") == "There is no page at this address."
        # board.css applied: the page uses the demo's layout, not the browser's defaults.
        align = page.eval_on_selector(".error-page", "e => getComputedStyle(e).textAlign")
        assert align == "center"
        page.click("text=Back to the board")
        assert page.inner_text("h1") == "Say something to everyone here."
    finally:
        page.close()


def test_readme_screenshot_is_checked_in_and_small() -> None:
    data = SCREENSHOT.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) < 250_000
    assert "docs/img/demo.png" in (Path(ROOT) / "README.md").read_text()
