"""The demo board in two browser contexts: what one posts, the other sees within one
second, over Server-Sent Events and over a WebSocket; likes and deletions too; and live
reload after a template edit."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from examples.board.app import HERE, create_app
from kettle.realtime.broadcast import MemoryBroadcast

from .conftest import ROOT

pytestmark = pytest.mark.browser


def open_board(browser: Any, url: str, via: str) -> Any:
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(f"html[data-kettle-{via}-state='open']", timeout=5000)
    return page


@pytest.mark.parametrize("via", ["sse", "ws"])
def test_post_in_one_tab_appears_in_the_other(
    browser: Any, serve_app: Any, tmp_path: Path, via: str
) -> None:
    app = create_app(tmp_path / "board.db", broadcast=MemoryBroadcast())
    base = serve_app(app)
    url = f"{base}/?via=ws" if via == "ws" else f"{base}/"
    poster, watcher = open_board(browser, url, via), open_board(browser, url, via)
    try:
        assert watcher.inner_text("#count") == "0 notes"
        poster.fill("input[name=author]", "Ada")
        poster.fill("textarea[name=text]", f"hello over {via} <b>not bold</b>")
        posted = time.monotonic()
        poster.click("button.post")
        note = watcher.wait_for_selector("#notes .note", timeout=1000)
        assert time.monotonic() - posted < 1.0
        assert note.query_selector(".text").inner_text() == f"hello over {via} <b>not bold</b>"
        assert note.query_selector(".author").inner_text() == "Ada"
        assert watcher.inner_text("#count") == "1 note"
        # The poster's own tab got the note through its stream, and its form was reset.
        poster.wait_for_selector("#notes .note", timeout=1000)
        assert poster.input_value("textarea[name=text]") == ""

        poster.click("#notes .note .like")
        watcher.wait_for_selector("#notes .note .likes:text-is('1')", timeout=1000)
        poster.click("#notes .note .delete", force=True)
        watcher.wait_for_selector("#notes .note", state="detached", timeout=1000)
        assert watcher.inner_text("#count") == "0 notes"
        assert watcher.is_visible(".empty")
    finally:
        poster.context.close()
        watcher.context.close()


def test_note_sent_over_the_websocket_reaches_sse_tabs(
    browser: Any, serve_app: Any, tmp_path: Path
) -> None:
    base = serve_app(create_app(tmp_path / "board.db", broadcast=MemoryBroadcast()))
    sender = open_board(browser, f"{base}/?via=ws", "ws")
    watcher = open_board(browser, f"{base}/", "sse")
    try:
        sender.evaluate(
            "Kettle.sockets[0].send({author: 'Grace', text: 'via the socket', color: 'mint'})"
        )
        note = watcher.wait_for_selector("#notes .note.mint", timeout=1000)
        assert note.query_selector(".text").inner_text() == "via the socket"
        assert note.query_selector(".author").inner_text() == "Grace"
    finally:
        sender.context.close()
        watcher.context.close()


def test_template_edit_reloads_open_tab(browser: Any, serve_app: Any, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(HERE / "templates", templates)
    app = create_app(
        tmp_path / "board.db",
        broadcast=MemoryBroadcast(),
        live_reload=True,
        template_folder=templates,
    )
    base = serve_app(app)
    page = browser.new_page()
    try:
        page.goto(f"{base}/")
        page.wait_for_selector("html[data-kettle-sse-state='open']", timeout=5000)
        # Wait until the tab's live reload EventSource is connected.
        live = app.extensions["kettle.livereload"]
        deadline = time.monotonic() + 5
        while live.listeners() == 0:
            assert time.monotonic() < deadline, "live reload never connected"
            time.sleep(0.02)
        board = templates / "board.html"
        board.write_text(
            board.read_text().replace("Say something to everyone here.", "Edited live.")
        )
        page.wait_for_function(
            "document.querySelector('h1').textContent === 'Edited live.'", timeout=5000
        )
    finally:
        page.close()
        app.extensions["kettle.livereload"].stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_python_edit_restarts_server_and_reloads_tab(browser: Any, tmp_path: Path) -> None:
    port = free_port()
    # A private copy of the demo: the reloader watches the working directory and the
    # folder of the main module, and only this test may change files there.
    examples = tmp_path / "examples"
    examples.mkdir()
    shutil.copy(Path(ROOT) / "examples" / "__init__.py", examples)
    shutil.copy(Path(ROOT) / "examples" / "serve_demo.py", examples)
    shutil.copytree(HERE, examples / "board", ignore=shutil.ignore_patterns("*.db", "__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "BOARD_DATABASE": str(tmp_path / "b.db")}
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "examples.serve_demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    page = browser.new_page()
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("html[data-kettle-sse-state='open']", timeout=5000)
        page.wait_for_load_state("load")
        page.evaluate("window.beforeRestart = true")
        time.sleep(0.5)
        (tmp_path / "edited.py").write_text("VALUE = 1\n")
        # The old process drains, the new one serves the kept socket; the tab's live reload
        # stream reconnects, sees a new boot id, and reloads the page.
        page.wait_for_function(
            "window.beforeRestart === undefined && document.readyState === 'complete'",
            timeout=30000,
        )
        assert page.inner_text("h1") == "Say something to everyone here."
    except Exception as exc:
        log.flush()
        raise AssertionError(f"server log:\n{(tmp_path / 'server.log').read_text()}") from exc
    finally:
        page.close()
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()  # never leave the server (and its reloader child) behind
            process.wait(timeout=10)
            raise
        finally:
            log.close()


def test_reconnected_tab_refreshes_what_it_missed(
    browser: Any, serve_app: Any, tmp_path: Path
) -> None:
    database = tmp_path / "board.db"
    base = serve_app(create_app(database, broadcast=MemoryBroadcast()))
    page = open_board(browser, f"{base}/?via=ws", "ws")
    try:
        # A note that was never pushed (as if published while this tab was offline).
        # closing(): the connection's own ``with`` commits but leaves it open (3.13 warns).
        with closing(sqlite3.connect(database)) as db, db:
            db.execute("INSERT INTO notes (author, text, color) VALUES ('Eve', 'missed', 'sky')")
        page.evaluate("Kettle.sockets[0].ws.close()")
        note = page.wait_for_selector("#notes .note.sky", timeout=5000)
        assert note.query_selector(".text").inner_text() == "missed"
        assert page.inner_text("#count") == "1 note"
    finally:
        page.context.close()
