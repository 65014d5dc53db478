"""Where Flask's own text is what users and tests read, Kettle writes Flask's while ``flask``
is Kettle in the process (kettle.compat) and its own otherwise: ``repr(g)``, ``--version``,
the loading error on ``--help`` and the module the host-mismatch warning is attributed to.

The compat side runs in a fresh interpreter with ``KETTLE_COMPAT=1`` (this test process may
have imported the real Flask); the Kettle side runs here.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import textwrap
import warnings
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner

from kettle.web.app import Kettle
from kettle.web.cli import main
from kettle.web.globals import flask_is_kettle, g

PROBE = """
import warnings

import flask
from click.testing import CliRunner
from flask.cli import cli

app = flask.Flask("probe", subdomain_matching=True)
app.config["SERVER_NAME"] = "dev.local"


@app.route("/")
def index():
    return "x"


with app.app_context():
    print(repr(flask.g))
client = app.test_client()
with warnings.catch_warnings():
    warnings.filterwarnings("error")
    # Flask's own tests silence the warning this way (test_server_name_subdomain).
    warnings.filterwarnings("ignore", "Current server name", UserWarning, "flask.app")
    print(client.get("/", "http://foo.other").status_code)
result = CliRunner().invoke(cli, ["--version"])
print(result.output.splitlines()[1:4])
result = CliRunner().invoke(cli, ["--help"])
print(result.exit_code, result.stderr.splitlines()[0], "Usage:" in result.stdout)
"""


def test_under_kettle_compat_the_observable_text_is_flasks(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KETTLE_", "FLASK_"))}
    env["KETTLE_COMPAT"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PROBE)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    kettle_version = version("kettle")
    assert done.stdout.splitlines() == [
        "<flask.g of 'probe'>",
        "404",
        f"['Kettle {kettle_version}', 'Flask 3.1.3 (its API, served by Kettle)',"
        " 'Werkzeug 3.1.9 (its API, served by Kettle)']",
        "0 Error: Could not locate a Kettle application. Use the 'kettle --app' option,"
        " 'KETTLE_APP' (or 'FLASK_APP') environment variable, or a 'wsgi.py' or 'app.py'"
        " file in the current directory. True",
    ]


def test_kettles_own_text_when_flask_is_not_kettle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not flask_is_kettle()
    app = Kettle("probe", subdomain_matching=True)
    app.config["SERVER_NAME"] = "dev.local"
    app.add_url_rule("/", "index", lambda: "x")
    with app.app_context():
        assert repr(g) == "<kettle.g of 'probe'>"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Current server name", UserWarning, "flask.app")
        # Attributed to the caller of bind_to_environ, Kettle's app, not to flask.app.
        with pytest.warns(UserWarning, match="Current server name 'foo.other'") as seen:
            assert app.test_client().get("/", "http://foo.other").status_code == 404
    assert [Path(w.filename).name for w in seen] == ["appbase.py"]
    monkeypatch.chdir(tmp_path)
    for name in ("KETTLE_APP", "FLASK_APP"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(main, ["--version"])
    assert result.output == (
        f"Python {platform.python_version()}\nKettle {version('kettle')}\n"
        f"Click {version('click')}\n"
    )
    result = CliRunner().invoke(main, ["--help"])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.startswith("Usage: ")
