"""The command line and Flask apps: ``--compat`` (and KETTLE_COMPAT) on ``kettle``, ``run``
and ``serve``, and click commands that packages register under the ``flask.commands``
entry-point group (how Flask-Migrate adds ``db``).

An unmodified Flask app (it imports ``flask``) is served through real sockets in a
subprocess; each test has a deadline.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kettle.web.cli import KettleGroup

FLASK_APP = """
import flask
from flask import Flask, request

app = Flask(__name__)


@app.route("/")
def index():
    return f"{type(app).__module__} {flask.__name__} {request.path}"


@app.cli.command("which")
def which():
    print(type(app).__module__, flask.__name__)
"""


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KETTLE_", "FLASK_"))}
    env.update(extra)
    return env


def kettle(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "kettle.compat._cli", *args]
    return subprocess.run(
        command, cwd=cwd, env=clean_env(**env), capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip


@pytest.fixture
def flask_app(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(FLASK_APP)
    return tmp_path


def test_compat_option_runs_an_unmodified_flask_app_on_kettle(flask_app: Path) -> None:
    done = kettle(["--compat", "--app", "app", "which"], flask_app)
    assert (done.returncode, done.stdout) == (0, "kettle.web.app kettle.compat.flask\n")


def test_kettle_compat_variable_does_the_same(flask_app: Path) -> None:
    done = kettle(["--app", "app", "which"], flask_app, KETTLE_COMPAT="1")
    assert (done.returncode, done.stdout) == (0, "kettle.web.app kettle.compat.flask\n")


def test_without_the_opt_in_the_real_flask_is_imported(flask_app: Path) -> None:
    done = kettle(["--app", "app", "which"], flask_app)
    assert (done.returncode, done.stdout) == (0, "flask.app flask\n")


def test_compat_is_listed_in_help(flask_app: Path) -> None:
    done = kettle(["--help"], flask_app)
    assert done.returncode == 0
    assert "--compat" in done.stdout
    run_help = kettle(["run", "--help"], flask_app)
    assert "--compat" in run_help.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def get_root(port: int, deadline: float) -> bytes:
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                body = b""
                while chunk := conn.recv(4096):
                    body += chunk
                return body
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing answered on port {port}")


@pytest.mark.parametrize(
    "args",
    [
        ["--app", "app", "run", "--compat", "--no-reload", "--port", "{port}"],
        ["serve", "--compat", "app:app", "--port", "{port}"],
    ],
    ids=["run", "serve"],
)
def test_run_and_serve_serve_a_flask_app_on_kettle(flask_app: Path, args: list[str]) -> None:
    port = free_port()
    command = [sys.executable, "-m", "kettle.compat._cli"]
    command += [a.replace("{port}", str(port)) for a in args]
    process = subprocess.Popen(
        command, cwd=flask_app, env=clean_env(), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        response = get_root(port, time.monotonic() + 30)
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert response.startswith(b"HTTP/1.1 200")
    assert response.endswith(b"\r\n\r\nkettle.web.app kettle.compat.flask /")


PLUGIN = """
import click


@click.command("hello")
@click.option("--name", default="world")
def hello(name):
    click.echo(f"hello {name} from a plugin")
"""


@pytest.fixture
def plugin_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installed distribution (a dist-info folder on sys.path) whose entry point adds
    ``hello`` to the ``flask.commands`` group."""
    (tmp_path / "hello_plugin.py").write_text(textwrap.dedent(PLUGIN))
    info = tmp_path / "hello_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hello-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[flask.commands]\nhello = hello_plugin:hello\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_flask_commands_entry_points_are_kettle_commands(plugin_dist: Path) -> None:
    group = KettleGroup(name="kettle")
    result = CliRunner().invoke(group, ["hello", "--name", "kettle"])
    assert (result.exit_code, result.output) == (0, "hello kettle from a plugin\n")
    listing = CliRunner().invoke(group, ["--help"])
    assert "  hello" in listing.output


def test_plugin_commands_work_from_the_console_script(plugin_dist: Path) -> None:
    done = kettle(["hello"], plugin_dist, PYTHONPATH=str(plugin_dist))
    assert (done.returncode, done.stdout) == (0, "hello world from a plugin\n")
