"""``kettle serve MODULE:APP``: loading the app, flags, access log, clean exit on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kettle.server.cli import load_app, serve_command

from .conftest import TIMEOUT, normalize, read_all

ROOT = Path(__file__).resolve().parents[2]
APP_SOURCE = """
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"from the cli"]

def make():
    return app

not_callable = 3
"""


@pytest.fixture
def app_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "cliapp.py").write_text(APP_SOURCE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_load_app_forms(app_dir: Path) -> None:
    app = load_app("cliapp:app")
    assert load_app("cliapp") is app
    assert load_app("cliapp:make()") is app


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("nosuchmodule:app", "cannot import 'nosuchmodule'"),
        ("cliapp:missing", "module 'cliapp' has no attribute 'missing'"),
        ("cliapp:not_callable", "'cliapp:not_callable' is not a WSGI callable"),
        ("bad-name:app", "'bad-name:app' is not MODULE:APP"),
    ],
)
def test_bad_targets_are_usage_errors(app_dir: Path, target: str, message: str) -> None:
    result = CliRunner().invoke(serve_command, [target])
    assert result.exit_code == 2
    assert message in result.output


def test_bad_option_is_a_usage_error(app_dir: Path) -> None:
    result = CliRunner().invoke(serve_command, ["cliapp:app", "--threads", "0"])
    assert result.exit_code == 2
    assert "Invalid value for '--threads'" in result.output


def test_serve_command_end_to_end(app_dir: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    process = subprocess.Popen(
        [sys.executable, "-c", "from kettle.web.cli import main; main()", "serve",
         "cliapp:app", "--port", "0", "--threads", "2", "--keepalive-timeout", "2"],
        cwd=app_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None and process.stderr is not None
        banner = process.stdout.readline()
        match = re.fullmatch(
            r" \* kettle serving on http://127\.0\.0\.1:(\d+) \(2 threads\); Ctrl\+C to stop\n",
            banner,
        )
        assert match, banner
        port = int(match.group(1))
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
            sock.sendall(b"GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            assert normalize(read_all(sock)) == (
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nServer: kettle\r\n"
                b"Date: <date>\r\nContent-Length: 12\r\nConnection: close\r\n\r\nfrom the cli"
            )
        access = process.stderr.readline()
        assert re.fullmatch(r'127\.0\.0\.1 - - \[[^\]]+\] "GET /x HTTP/1\.1" 200 12\n', access), (
            access
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(TIMEOUT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(TIMEOUT)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
