"""The commands the docs tell a reader to type that serve until Ctrl+C, run for real: in
the folder the page builds, on a free port, with the installed ``kettle`` command. Each
server is asked for a page, then stopped (its whole process group: the reloader's child
too). Every wait has a deadline."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .markdown import read_blocks
from .runner import PageRun
from .test_tutorial import TUTORIAL, tutorial_files

ROOT = Path(__file__).resolve().parents[2]
KETTLE = str(Path(sys.executable).parent / "kettle")
LIVE_RELOAD_TAG = (
    b'<script src="/_kettle/static/kettle.js" data-livereload="/_kettle/livereload"></script>'
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(args: list[str], folder: Path, port: int) -> Iterator[None]:
    """Run ``kettle ARGS`` in ``folder`` until it accepts connections on ``port``."""
    env = {k: v for k, v in os.environ.items() if k not in ("KETTLE_APP", "FLASK_APP")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [KETTLE, *args], cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(f"kettle {' '.join(args)} did not serve:\n{log_text(folder)}")
                time.sleep(0.1)
        yield
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()


def log_text(folder: Path) -> str:
    return (folder / "server.log").read_text(errors="replace")


def get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.fixture
def quickstart_folder(tmp_path: Path) -> Path:
    """The folder a reader of docs/quickstart.md ends with (hello.py, chat.py, templates)."""
    page = ROOT / "docs" / "quickstart.md"
    PageRun(page, tmp_path).run(read_blocks(page))
    return tmp_path


@pytest.mark.timeout(120)
def test_quickstart_kettle_run(quickstart_folder: Path) -> None:
    port = free_port()
    with serving(["--app", "hello", "run", "--port", str(port)], quickstart_folder, port):
        assert get(port, "/") == (200, b"<p>Hello, World!</p>")


@pytest.mark.timeout(120)
def test_quickstart_kettle_run_debug_live_reloads_hello_html(quickstart_folder: Path) -> None:
    port = free_port()
    args = ["--app", "hello", "run", "--debug", "--port", str(port)]
    with serving(args, quickstart_folder, port):
        status, body = get(port, "/hello/Ada")
    # hello.html has no </body> and no </html>: the script goes at the end of the page.
    assert status == 200
    assert body.startswith(b"<!doctype html>\n<title>Hello</title>\n<h1>Hello Ada!</h1>")
    assert body.endswith(b"again</a>" + LIVE_RELOAD_TAG)


@pytest.mark.timeout(120)
def test_quickstart_chat_runs(quickstart_folder: Path) -> None:
    port = free_port()
    with serving(["--app", "chat", "run", "--port", str(port)], quickstart_folder, port):
        status, body = get(port, "/")
    assert status == 200
    assert b'<body data-kettle-sse="/events">' in body


@pytest.fixture
def blog_folder(tmp_path: Path) -> Path:
    """The tutorial's finished project, its database made with its init-db command."""
    for path, text in tutorial_files().items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    result = subprocess.run(
        [KETTLE, "--app", "blog", "init-db"], cwd=tmp_path, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert (result.returncode, result.stdout) == (0, "Initialized the database.\n")
    return tmp_path


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--app", "blog", "run", "--debug"], id="run-debug"),
        pytest.param(["serve", "blog:create_app()", "--host", "127.0.0.1"], id="serve"),
    ],
)
def test_tutorial_blog_serves(blog_folder: Path, args: list[str]) -> None:
    assert TUTORIAL.is_file()
    port = free_port()
    with serving([*args, "--port", str(port)], blog_folder, port):
        status, body = get(port, "/")
        assert status == 200
        assert b"<title>Posts - Blog</title>" in body
        assert get(port, "/static/style.css")[0] == 200


@pytest.mark.timeout(120)
def test_readme_first_app_runs_in_debug_mode(tmp_path: Path) -> None:
    page = ROOT / "README.md"
    PageRun(page, tmp_path).run(read_blocks(page))
    port = free_port()
    args = ["--app", "hello", "run", "--debug", "--port", str(port)]
    with serving(args, tmp_path, port):
        # Not a whole page (no doctype): live reload leaves the fragment alone.
        assert get(port, "/hello/Ada") == (200, b"<h1>Hello, Ada!</h1>")
