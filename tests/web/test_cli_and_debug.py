"""The ``kettle`` command (``--app``, run/routes/shell, app commands), the debug page, the
reloader's socket handover, and the Flask compatibility module."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import kettle
from kettle import Kettle, render_template_string
from kettle.web.cli import ScriptInfo, main
from kettle.web.debug import DebugMiddleware, debug_page_html
from kettle.web.devserver import supervise

APP_SOURCE = textwrap.dedent(
    """
    import click
    from kettle import Kettle

    app = Kettle(__name__)

    @app.route("/")
    def index():
        return "hi"

    @app.get("/users/<int:user_id>")
    def user(user_id):
        return str(user_id)

    @app.cli.command("greet")
    def greet():
        click.echo("greetings from " + app.name)

    @app.shell_context_processor
    def extra():
        return {"answer": 42}
    """
)


@pytest.fixture
def app_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "hello_app.py").write_text(APP_SOURCE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("hello_app", None)


def test_routes_command(app_dir: Path) -> None:
    result = CliRunner().invoke(main, ["--app", "hello_app", "routes"], obj=ScriptInfo())
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Endpoint  Methods  Rule\n"
        "--------  -------  -----------------------\n"
        "index     GET      /\n"
        "static    GET      /static/<path:filename>\n"
        "user      GET      /users/<int:user_id>\n"
    )


def test_custom_app_command(app_dir: Path) -> None:
    result = CliRunner().invoke(main, ["--app", "hello_app", "greet"], obj=ScriptInfo())
    assert result.exit_code == 0, result.output
    assert result.output == "greetings from hello_app\n"


def test_shell_command_has_app_context(app_dir: Path) -> None:
    result = CliRunner().invoke(
        main, ["--app", "hello_app", "shell"], input="print(app.name, answer)\n", obj=ScriptInfo()
    )
    assert result.exit_code == 0, result.output
    assert "hello_app 42" in result.output


def test_missing_app_is_a_clear_error(app_dir: Path) -> None:
    result = CliRunner().invoke(main, ["--app", "no_such_module", "routes"], obj=ScriptInfo())
    assert result.exit_code != 0
    assert "Could not import 'no_such_module'" in result.output


def test_factory_with_arguments(app_dir: Path) -> None:
    (app_dir / "factory_app.py").write_text(
        "from kettle import Kettle\n"
        "def create_app(name):\n"
        "    app = Kettle(name)\n"
        "    app.add_url_rule('/f', 'f', lambda: 'f')\n"
        "    return app\n"
    )
    result = CliRunner().invoke(
        main, ["--app", "factory_app:create_app('made')", "routes"], obj=ScriptInfo()
    )
    assert result.exit_code == 0, result.output
    assert "f         GET      /f" in result.output


def test_debug_page_only_in_debug(app: Kettle) -> None:
    @app.route("/boom")
    def boom() -> str:
        secret_local = "<script>"
        raise ValueError(f"bad {secret_local}")

    app.wsgi_app = DebugMiddleware(app.wsgi_app)  # what app.run(debug=True) installs
    assert app.test_client().get("/boom").status_code == 500
    assert "Traceback" not in app.test_client().get("/boom").get_data(as_text=True)
    app.debug = True  # now the app propagates the error and the middleware shows it
    response = app.test_client().get("/boom")
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "ValueError: bad &lt;script&gt;" in text
    assert "raise ValueError(f&#34;bad {secret_local}&#34;)" in text
    assert "test_cli_and_debug.py" in text


def test_debug_page_marks_template_frames(app: Kettle) -> None:
    with app.test_request_context():
        try:
            render_template_string("line one\n{{ 1 // 0 }}")
        except ZeroDivisionError as error:
            html = debug_page_html(error)
    assert "ZeroDivisionError" in html
    assert 'class="frame user template"' in html


def test_reloader_restarts_child_and_keeps_socket(tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(
        textwrap.dedent(
            """
            import os, socket
            VERSION = 1
            sock = socket.socket(fileno=int(os.environ["KETTLE_SERVER_FD"]))
            while True:
                conn, _ = sock.accept()
                conn.sendall(b"version %d" % VERSION)
                conn.close()
            """
        )
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.set_inheritable(True)
    port = sock.getsockname()[1]
    stop = threading.Event()
    restarts: list[int] = []
    thread = threading.Thread(
        target=supervise,
        args=(sock, [str(tmp_path)], [sys.executable, str(script)], stop),
        kwargs={"on_restart": lambda changes: restarts.append(len(changes))},
        daemon=True,
    )
    thread.start()

    def fetch() -> bytes:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            return conn.recv(100)

    try:
        assert fetch() == b"version 1"
        script.write_text(script.read_text().replace("VERSION = 1", "VERSION = 2"))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if restarts and fetch() == b"version 2":
                break
            time.sleep(0.1)
        assert fetch() == b"version 2"
    finally:
        stop.set()
        thread.join(15)
        sock.close()


def test_app_run_serves_on_kettle_server(tmp_path: Path) -> None:
    (tmp_path / "runme.py").write_text(
        "from kettle import Kettle\n"
        "app = Kettle(__name__)\n"
        "app.add_url_rule('/', 'i', lambda: 'served by run')\n"
        "if __name__ == '__main__':\n"
        "    import sys\n"
        "    app.run(port=int(sys.argv[1]))\n"
    )
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    process = subprocess.Popen(
        [sys.executable, str(tmp_path / "runme.py"), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ),
    )
    try:
        body = b""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                    conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    while chunk := conn.recv(4096):
                        body += chunk
                break
            except OSError:
                time.sleep(0.1)
        assert body.startswith(b"HTTP/1.1 200")
        assert body.endswith(b"served by run")
    finally:
        process.terminate()
        process.wait(10)


def test_flask_compat_module() -> None:
    import kettle.flask as flask

    assert flask.Flask is Kettle
    assert flask.request is kettle.request
    for name in (
        "Blueprint", "jsonify", "render_template", "url_for", "abort", "redirect", "session",
        "g", "current_app", "flash", "get_flashed_messages", "send_file", "stream_with_context",
        "make_response", "after_this_request", "Response", "Request", "Config",
    ):  # fmt: skip
        assert hasattr(flask, name), name
    assert flask.views.MethodView is kettle.MethodView
    assert flask.json.jsonify is kettle.jsonify


def test_plain_click_command_gets_app_context(app_dir: Path) -> None:
    (app_dir / "plain_app.py").write_text(
        "import click\n"
        "from kettle import Kettle, current_app\n"
        "app = Kettle(__name__)\n"
        "@click.command('who')\n"
        "def who():\n"
        "    click.echo('app is ' + current_app.name)\n"
        "app.cli.add_command(who)\n"
    )
    result = CliRunner().invoke(main, ["--app", "plain_app", "who"], obj=ScriptInfo())
    assert result.exit_code == 0, result.output
    assert result.output == "app is plain_app\n"


def test_dotenv_files_are_loaded(app_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (app_dir / ".flaskenv").write_text("KETTLE_APP=hello_app\nBLOG_TITLE=from flaskenv\n")
    (app_dir / ".env").write_text("BLOG_TITLE=from env\n")
    monkeypatch.delenv("KETTLE_APP", raising=False)
    monkeypatch.delenv("BLOG_TITLE", raising=False)
    result = CliRunner().invoke(main, ["greet"], obj=ScriptInfo())
    try:
        assert result.exit_code == 0, result.output
        assert result.output == "greetings from hello_app\n"
        assert os.environ["BLOG_TITLE"] == "from env"
    finally:
        os.environ.pop("KETTLE_APP", None)
        os.environ.pop("BLOG_TITLE", None)


def test_app_run_debug_reloads_and_shows_debug_page(tmp_path: Path) -> None:
    script = tmp_path / "debugme.py"
    script.write_text(
        "import sys\n"
        "from kettle import Kettle\n"
        "app = Kettle(__name__)\n"
        "@app.route('/')\n"
        "def index():\n"
        "    return 'version one'\n"
        "@app.route('/boom')\n"
        "def boom():\n"
        "    raise RuntimeError('kaboom')\n"
        "if __name__ == '__main__':\n"
        "    app.run(port=int(sys.argv[1]), debug=True)\n"
    )
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    process = subprocess.Popen(
        [sys.executable, str(script), str(port)],
        cwd=str(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def fetch(path: str) -> bytes:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                    conn.sendall(
                        f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
                    )
                    data = b""
                    while chunk := conn.recv(65536):
                        data += chunk
                    if data:
                        return data
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"no answer for {path}")
            time.sleep(0.1)

    try:
        assert fetch("/").endswith(b"version one")
        page = fetch("/boom")
        assert page.startswith(b"HTTP/1.1 500")
        assert b"RuntimeError: kaboom" in page
        assert b"raise RuntimeError(&#39;kaboom&#39;)" in page
        script.write_text(script.read_text().replace("version one", "version two"))
        deadline = time.monotonic() + 20
        while not fetch("/").endswith(b"version two"):
            if time.monotonic() > deadline:
                raise AssertionError("the reloader did not restart the app")
            time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(15)
