"""The development server's terminal, in real subprocesses with timeouts: ``kettle run``
prints its URL, "Press CTRL+C to quit" and an access line per request, logs every error
with its traceback in debug mode, takes ``--threads``; a port in use is one line naming the
port and the option to change it (``kettle run``, ``kettle serve``, ``app.run``, the demo
of ``make run``); a syntax error during reload serves an error page until the file is
fixed."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KETTLE = [str(Path(sys.executable).with_name("kettle"))]

APP = """\
from kettle import Kettle

app = Kettle(__name__)


@app.route("/")
def index():
    return "version one"


@app.route("/boom")
def boom():
    raise RuntimeError("kaboom")
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def fetch(port: int, path: str, accept: str = "text/html", timeout: float = 20) -> bytes:
    """One request over a fresh connection; retries until the server answers."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
                conn.sendall(
                    f"GET {path} HTTP/1.1\r\nHost: x\r\nAccept: {accept}\r\n"
                    "Connection: close\r\n\r\n".encode()
                )
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
                if data:
                    return data
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"no answer for {path} on port {port}")
        time.sleep(0.1)


class Running:
    """A subprocess whose stdout and stderr go to files the test can read at any time."""

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.out = cwd / f"out-{time.monotonic_ns()}.txt"
        self.err = self.out.with_suffix(".err")
        env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'src'}")
        env.pop("KETTLE_SERVER_FD", None)
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err, env=env)

    def stdout(self) -> str:
        return self.out.read_text()

    def stderr(self) -> str:
        return self.err.read_text()

    def wait_for(self, pattern: str, stream: str = "stdout", timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.stdout() if stream == "stdout" else self.stderr()
            if re.search(pattern, text):
                return text
            time.sleep(0.1)
        raise AssertionError(f"{pattern!r} not in {stream}:\n{self.stdout()}\n{self.stderr()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[[list[str]], Running]]:
    (tmp_path / "app.py").write_text(APP)
    started: list[Running] = []

    def run(command: list[str]) -> Running:
        started.append(Running(command, tmp_path))
        return started[-1]

    yield run
    for running in started:
        running.stop()


def test_kettle_run_prints_url_quit_hint_and_access_lines(
    start: Callable[[list[str]], Running],
) -> None:
    port = free_port()
    server = start([*KETTLE, "--app", "app", "run", "--port", str(port)])
    out = server.wait_for("Press CTRL")
    assert out.splitlines() == [
        " * Serving Kettle app 'app'",
        " * Debug mode: off",
        f" * Running on http://127.0.0.1:{port} (32 threads)",
        "Press CTRL+C to quit",
    ]
    assert fetch(port, "/").endswith(b"version one")
    assert fetch(port, "/missing").startswith(b"HTTP/1.1 404")
    err = server.wait_for(r'"GET /missing HTTP/1.1" 404', "stderr")
    lines = err.splitlines()
    assert re.fullmatch(r'127\.0\.0\.1 - - \[[^]]+\] "GET / HTTP/1\.1" 200 11', lines[0])
    assert re.fullmatch(r'127\.0\.0\.1 - - \[[^]]+\] "GET /missing HTTP/1\.1" 404 \d+', lines[1])


def test_kettle_run_threads_option(start: Callable[[list[str]], Running]) -> None:
    port = free_port()
    server = start([*KETTLE, "--app", "app", "run", "--port", str(port), "--threads", "3"])
    assert f" * Running on http://127.0.0.1:{port} (3 threads)" in server.wait_for("CTRL")
    assert fetch(port, "/").endswith(b"version one")


def test_debug_errors_are_logged_with_traceback(start: Callable[[list[str]], Running]) -> None:
    port = free_port()
    server = start([*KETTLE, "--app", "app", "run", "--debug", "--no-reload", "-p", str(port)])
    server.wait_for("CTRL")
    page = fetch(port, "/boom", accept="application/json")
    assert page.startswith(b"HTTP/1.1 500")
    document = json.loads(page.split(b"\r\n\r\n", 1)[1])
    assert (document["error"], document["message"]) == ("RuntimeError", "kaboom")
    err = server.wait_for(r'"GET /boom HTTP/1.1" 500', "stderr")
    assert "ERROR in debug: Exception on /boom [GET]\nTraceback (most recent call last):" in err
    assert f'File "{server.out.parent / "app.py"}", line 13, in boom' in err
    assert "RuntimeError: kaboom\n" in err


def in_use_by_a_listener() -> tuple[socket.socket, int]:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port: int = holder.getsockname()[1]
    return holder, port


@pytest.mark.parametrize(
    ("command", "option"),
    [
        pytest.param(
            [*KETTLE, "--app", "app", "run", "--port", "{port}"], "--port", id="kettle-run"
        ),
        pytest.param([*KETTLE, "serve", "app:app", "--port", "{port}"], "--port", id="serve"),
        pytest.param(
            [sys.executable, "-c", "import app; app.app.run(port={port})"],
            "app.run(port=...)",
            id="app-run",
        ),
        pytest.param(
            [sys.executable, "-m", "examples.serve_demo", "--port", "{port}"],
            "--port (make run PORT=8001)",
            id="make-run",
        ),
    ],
)
def test_port_in_use_is_one_line(
    start: Callable[[list[str]], Running], command: list[str], option: str
) -> None:
    holder, port = in_use_by_a_listener()
    try:
        running = start([part.replace("{port}", str(port)) for part in command])
        assert running.process.wait(30) == 1
    finally:
        holder.close()
    message = f"Port {port} on 127.0.0.1 is in use by another program; stop it or choose"
    message += f" another port with {option}."
    if "serve" in command:  # click's error format
        message = "Error: " + message
    assert running.stderr().splitlines() == [message]
    assert "Traceback" not in running.stdout()


def test_syntax_error_during_reload_serves_an_error_page_until_fixed(
    start: Callable[[list[str]], Running], tmp_path: Path
) -> None:
    port = free_port()
    server = start([*KETTLE, "--app", "app", "run", "--debug", "--port", str(port)])
    server.wait_for("CTRL")
    assert fetch(port, "/").endswith(b"version one")
    source = tmp_path / "app.py"
    source.write_text(APP + "\n\ndef broken(:\n    pass\n")
    server.wait_for("The app exited")
    page = fetch(port, "/")
    assert page.startswith(b"HTTP/1.1 500")
    assert b'<p class="error">SyntaxError: invalid syntax</p>' in page
    assert f'<p class="where">{source}, line 16</p>'.encode() in page
    document = json.loads(fetch(port, "/", accept="application/json").split(b"\r\n\r\n", 1)[1])
    assert document["error"] == "SyntaxError: invalid syntax"
    assert (document["file"], document["line"]) == (str(source), 16)
    err = server.stderr()
    assert f'Error: could not import the app:\n  File "{source}", line 16\n' in err
    assert "click" not in err  # the app's own frames only
    source.write_text(APP.replace("version one", "version two"))
    deadline = time.monotonic() + 20
    while not fetch(port, "/").endswith(b"version two"):
        assert time.monotonic() < deadline, "the app did not recover after the fix"
        time.sleep(0.2)


def test_import_error_during_reload_names_the_module(
    start: Callable[[list[str]], Running], tmp_path: Path
) -> None:
    port = free_port()
    server = start([*KETTLE, "--app", "app", "run", "--debug", "--port", str(port)])
    server.wait_for("CTRL")
    source = tmp_path / "app.py"
    source.write_text("import no_such_module_here\n" + APP)
    server.wait_for("The app exited")
    page = fetch(port, "/")
    assert page.startswith(b"HTTP/1.1 500")
    expected = b"ModuleNotFoundError: No module named &#39;no_such_module_here&#39;</p>"
    assert b'<p class="error">' + expected in page
    assert f'<p class="where">{source}, line 1</p>'.encode() in page


def test_app_run_script_with_a_syntax_error_serves_the_error_until_fixed(
    start: Callable[[list[str]], Running], tmp_path: Path
) -> None:
    port = free_port()
    script = tmp_path / "runme.py"
    script.write_text(
        APP + f"\n\nif __name__ == '__main__':\n    app.run(port={port}, debug=True)\n"
    )
    server = start([sys.executable, str(script)])
    server.wait_for("CTRL")
    assert fetch(port, "/").endswith(b"version one")
    script.write_text(script.read_text().replace("def boom():", "def boom(:"))
    server.wait_for("The app exited")
    page = fetch(port, "/")
    assert page.startswith(b"HTTP/1.1 500")
    assert b'<p class="error">SyntaxError: invalid syntax</p>' in page
    assert f'<p class="where">{script}, line 12</p>'.encode() in page
    script.write_text(script.read_text().replace("def boom(:", "def boom():"))
    deadline = time.monotonic() + 20
    while not fetch(port, "/").endswith(b"version one"):
        assert time.monotonic() < deadline, "the app did not recover after the fix"
        time.sleep(0.2)


HOLDING_APP = """\
import time
from kettle import Kettle

app = Kettle(__name__)


@app.route("/")
def index():
    return "still served"


@app.route("/hold")
def hold():
    def stream():
        yield "open\\n"
        time.sleep(30)  # like a tab's event stream: the worker stays busy
        yield "done\\n"

    return app.response_class(stream(), mimetype="text/plain")
"""


def test_default_threads_outlast_a_few_open_streams(
    start: Callable[[list[str]], Running], tmp_path: Path
) -> None:
    (tmp_path / "holding.py").write_text(HOLDING_APP)
    port = free_port()
    server = start([*KETTLE, "--app", "holding", "run", "--port", str(port)])
    server.wait_for("CTRL")
    streams = []
    try:
        for _ in range(12):  # more than the 8 threads the dev server used to have
            conn = socket.create_connection(("127.0.0.1", port), timeout=10)
            conn.sendall(b"GET /hold HTTP/1.1\r\nHost: x\r\n\r\n")
            streams.append(conn)
            assert b"open" in conn.recv(4096)
        assert fetch(port, "/", timeout=5).endswith(b"still served")
    finally:
        for conn in streams:
            conn.close()
