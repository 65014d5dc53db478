"""kettle.realtime wired into the app: the built-in ``kettle.static`` endpoint, live reload
(on in debug, configurable with ``LIVE_RELOAD``), the fragment helpers that use the app's
templates, and the realtime names exported from ``kettle``.

The ``app.run`` tests start a real process on an ephemeral port (5 s socket timeouts)."""

from __future__ import annotations

import itertools
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from click.testing import CliRunner

import kettle
from kettle import Blueprint, Kettle, render_template_string, url_for
from kettle.realtime import broadcast as realtime_broadcast
from kettle.realtime import fragments, sse, websocket
from kettle.realtime.broadcast import MemoryBroadcast
from kettle.realtime.static import STATIC_DIR
from kettle.server import Server
from kettle.web.cli import ScriptInfo, main
from kettle.web.realtime import (
    enable_live_reload,
    live_reload_enabled,
    push_fragment,
    render_block,
    render_macro,
    watched_folders,
)
from kettle.web.routing import BuildError
from kettle.web.testing import KettleClient
from kettle.web.wrappers import Response


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


KETTLE_JS = (STATIC_DIR / "kettle.js").read_bytes()
TAG = b'<script src="/_kettle/static/kettle.js" data-livereload="/_kettle/livereload"></script>'
PAGE = "<!doctype html><html><body><h1>Hi</h1></body></html>"


# -- kettle.static -------------------------------------------------------------------------
def test_kettle_js_served_with_type_etag_and_304(
    make_client: Callable[[Kettle], KettleClient],
) -> None:
    client = make_client(Kettle(__name__))
    response = client.get("/_kettle/static/kettle.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.data == KETTLE_JS
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    again = client.get("/_kettle/static/kettle.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    head = client.head("/_kettle/static/kettle.js")
    assert head.status_code == 200
    assert head.headers["Content-Length"] == str(len(KETTLE_JS))
    assert head.data == b""
    assert client.get("/_kettle/static/missing.js").status_code == 404
    assert client.post("/_kettle/static/kettle.js").status_code == 405


def test_kettle_static_honours_send_file_max_age(
    make_client: Callable[[Kettle], KettleClient],
) -> None:
    app = Kettle(__name__)
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 60
    response = make_client(app).get("/_kettle/static/kettle.js")
    assert response.headers["Cache-Control"] == "public, max-age=60"


def test_url_for_kettle_static() -> None:
    app = Kettle(__name__)
    with app.test_request_context("/"):
        assert url_for("kettle.static", filename="kettle.js") == "/_kettle/static/kettle.js"
        assert (
            url_for("kettle.static", filename="kettle.js", _external=True)
            == "http://localhost/_kettle/static/kettle.js"
        )
        assert (
            render_template_string("{{ url_for('kettle.static', filename='kettle.js') }}")
            == "/_kettle/static/kettle.js"
        )


def test_kettle_static_beside_user_static_and_routes(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "kettle.js").write_text("// the user's own file\n")
    app = Kettle(__name__, root_path=str(tmp_path))
    app.add_url_rule("/kettle.js", "mine", lambda: "user route")
    client = app.test_client()
    assert client.get("/static/kettle.js").data == b"// the user's own file\n"
    assert client.get("/kettle.js").data == b"user route"
    assert client.get("/_kettle/static/kettle.js").data == KETTLE_JS
    with app.test_request_context("/"):
        assert url_for("static", filename="kettle.js") == "/static/kettle.js"


def test_kettle_static_is_not_a_rule_of_the_app() -> None:
    app = Kettle(__name__, static_folder=None)
    assert app.test_client().get("/_kettle/static/kettle.js").data == KETTLE_JS
    assert list(app.url_map.iter_rules()) == []
    assert app.view_functions == {}
    with_static = Kettle(__name__)
    assert [rule.endpoint for rule in with_static.url_map.iter_rules()] == ["static"]
    assert list(with_static.view_functions) == ["static"]


def test_kettle_static_under_a_script_root_and_with_host_matching() -> None:
    app = Kettle(__name__, static_folder=None, host_matching=True)
    app.add_url_rule("/", "index", lambda: "index", host="example.com")
    client = app.test_client()
    response = client.get("/_kettle/static/kettle.js", base_url="http://example.com/app")
    assert response.data == KETTLE_JS
    with app.test_request_context("/", base_url="https://example.com/app"):
        assert url_for("kettle.static", filename="kettle.js") == "/app/_kettle/static/kettle.js"
        assert (
            url_for("kettle.static", filename="kettle.js", v="2", _external=True)
            == "https://example.com/app/_kettle/static/kettle.js?v=2"
        )
        with pytest.raises(BuildError):
            url_for("kettle.static")


def test_an_app_rule_matching_the_path_wins_over_kettle_static() -> None:
    app = Kettle(__name__)
    app.add_url_rule("/<path:anything>", "catch_all", lambda anything: f"mine: {anything}")
    assert (
        app.test_client().get("/_kettle/static/kettle.js").text == "mine: _kettle/static/kettle.js"
    )


def test_before_request_and_after_request_run_for_kettle_static() -> None:
    app = Kettle(__name__)
    seen: list[str] = []
    app.before_request(lambda: seen.append("before"))

    @app.after_request
    def after(response: Response) -> Response:
        seen.append(f"after {response.status_code}")
        return response

    assert app.test_client().get("/_kettle/static/kettle.js").data == KETTLE_JS
    assert seen == ["before", "after 200"]


def test_blueprint_named_kettle_with_static_folder_owns_its_endpoint(tmp_path: Path) -> None:
    (tmp_path / "app.css").write_text("body {}")
    app = Kettle(__name__)
    bp = Blueprint("kettle", __name__, static_folder=str(tmp_path), static_url_path="/k")
    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/k/app.css").text == "body {}"
    assert client.get("/_kettle/static/kettle.js").data == KETTLE_JS
    with app.test_request_context("/"):
        assert url_for("kettle.static", filename="app.css") == "/k/app.css"


# -- live reload ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("debug", "setting", "expected"),
    [
        (False, None, False),
        (True, None, True),
        (True, False, False),
        (False, True, True),
    ],
)
def test_live_reload_follows_debug_unless_configured(
    debug: bool, setting: bool | None, expected: bool
) -> None:
    app = Kettle(__name__)
    app.debug = debug
    assert app.config["LIVE_RELOAD"] is None
    app.config["LIVE_RELOAD"] = setting
    assert live_reload_enabled(app) is expected


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[Kettle]:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text("<html><body>{{ word }}</body></html>")
    app = Kettle(__name__, root_path=str(tmp_path))
    app.add_url_rule("/", "page", lambda: PAGE)
    app.add_url_rule("/tpl", "tpl", lambda: kettle.render_template("page.html", word="one"))
    app.add_url_rule("/fragment", "fragment", lambda: "<p>part</p>")
    app.add_url_rule("/data", "data", lambda: {"html": "</body>"})
    app.add_url_rule("/stream", "stream", lambda: iter(["<html><body>", "</body></html>"]))
    app.add_url_rule("/two", "two", lambda: "<body>a</body><body>b</body>")
    yield app
    live = app.extensions.get("kettle.livereload")
    if live is not None:
        live.stop()


def test_no_live_reload_unless_enabled(live_app: Kettle) -> None:
    client = live_app.test_client()
    assert client.get("/").data == PAGE.encode()
    assert client.get("/_kettle/livereload").status_code == 404
    assert "kettle.livereload" not in live_app.extensions


def test_live_reload_injects_script_into_whole_pages_only(
    make_client: Callable[[Kettle], KettleClient], live_app: Kettle
) -> None:
    live = enable_live_reload(live_app)
    assert enable_live_reload(live_app) is live
    assert live_app.extensions["kettle.livereload"] is live
    client = make_client(live_app)
    page = client.get("/")
    expected = PAGE.encode().replace(b"</body>", TAG + b"</body>")
    assert page.data == expected
    assert page.headers["Content-Length"] == str(len(expected))
    assert client.get("/fragment").data == b"<p>part</p>"
    assert client.get("/data").json == {"html": "</body>"}
    assert client.get("/stream").data == b"<html><body></body></html>"
    assert client.get("/two").data == b"<body>a</body><body>b" + TAG + b"</body>"
    head = client.head("/")
    assert head.headers["Content-Length"] == str(len(PAGE))
    assert client.get("/_kettle/static/kettle.js").data == KETTLE_JS


def test_live_reload_script_under_a_script_root(live_app: Kettle) -> None:
    enable_live_reload(live_app)
    page = live_app.test_client().get("/", environ_overrides={"SCRIPT_NAME": "/app"})
    assert (
        b'<script src="/app/_kettle/static/kettle.js" data-livereload="/app/_kettle/livereload">'
        b"</script></body>"
    ) in page.data


def test_live_reload_rereads_edited_templates(live_app: Kettle, tmp_path: Path) -> None:
    client = live_app.test_client()
    assert client.get("/tpl").data == b"<html><body>one</body></html>"
    enable_live_reload(live_app)
    assert live_app.config["TEMPLATES_AUTO_RELOAD"] is True
    assert live_app.jinja_env.auto_reload is True
    (tmp_path / "templates" / "page.html").write_text("<html><body>[{{ word }}]</body></html>")
    assert client.get("/tpl").data == b"<html><body>[one]" + TAG + b"</body></html>"


def test_watched_folders_of_app_and_blueprints(tmp_path: Path) -> None:
    for name in ("templates", "static", "bp/templates", "bp/assets"):
        (tmp_path / name).mkdir(parents=True)
    app = Kettle(__name__, root_path=str(tmp_path))
    bp = Blueprint("bp", __name__, root_path=str(tmp_path / "bp"), static_folder="assets")
    bp.template_folder = "templates"
    bp.add_url_rule("/x", "x", lambda: "x")
    app.register_blueprint(bp)
    assert watched_folders(app) == [
        str(tmp_path / "static"),
        str(tmp_path / "templates"),
        str(tmp_path / "bp" / "assets"),
        str(tmp_path / "bp" / "templates"),
    ]


def read_until(sock: socket.socket, marker: bytes, seen: bytes = b"", wait: float = 10) -> bytes:
    """Read from ``sock`` until ``marker`` appears; return everything read."""
    deadline = time.monotonic() + wait
    while marker not in seen:
        if time.monotonic() > deadline:
            raise AssertionError(f"never got {marker!r}; got {seen!r}")
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before {marker!r}; got {seen!r}")
        seen += chunk
    return seen


def test_live_reload_stream_on_kettle_server(live_app: Kettle) -> None:
    live = enable_live_reload(live_app, [])
    server = Server(live_app, "127.0.0.1", 0, threads=2).start()
    try:
        streams = []
        # More tabs than server threads: an idle stream holds no thread.
        for _ in range(3):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            sock.sendall(b"GET /_kettle/livereload HTTP/1.1\r\nHost: x\r\n\r\n")
            streams.append(sock)
        hello = f"event: hello\ndata: {live.boot_id}\n\n".encode()
        for sock in streams:
            head = read_until(sock, hello)
            assert head == (
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
                b"Cache-Control: no-cache, no-transform\r\nX-Accel-Buffering: no\r\n"
                b"Connection: close\r\n\r\n: stream open\n\nretry: 300\n\n" + hello
            )
        deadline = time.monotonic() + 5
        while live.listeners() < 3:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        live.notify(["/site/templates/a.html", "/site/static/b.css"])
        reload = b"event: reload\ndata: /site/templates/a.html\ndata: /site/static/b.css\n\n"
        for sock in streams:
            assert read_until(sock, reload) == reload
            sock.close()
    finally:
        server.stop(grace=1)


# -- app.run: live reload in debug, none otherwise -------------------------------------------
RUN_SCRIPT = """\
import sys
from kettle import Kettle, render_template
app = Kettle(__name__)
@app.route("/")
def index():
    return render_template("page.html")
if __name__ == "__main__":
    app.run(port=int(sys.argv[1]), debug=sys.argv[2] == "debug")
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch(port: int, path: str) -> bytes:
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


def open_live_stream(port: int) -> tuple[socket.socket, str]:
    """Connect to the live reload stream; return the socket and the server's boot id."""
    deadline = time.monotonic() + 20
    while True:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /_kettle/livereload HTTP/1.1\r\nHost: x\r\n\r\n")
            data = read_until(sock, b"event: hello\ndata: ")
            data = read_until(sock, b"\n\n", data.split(b"event: hello\ndata: ", 1)[1])
            return sock, data.split(b"\n", 1)[0].decode()
        except (OSError, AssertionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture
def run_app_process(tmp_path: Path) -> Iterator[Callable[[str], int]]:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text("<html><body>version one</body></html>")
    (tmp_path / "runme.py").write_text(RUN_SCRIPT)
    processes: list[subprocess.Popen[bytes]] = []

    def start(mode: str) -> int:
        port = free_port()
        processes.append(
            subprocess.Popen(
                [sys.executable, "runme.py", str(port), mode],
                cwd=tmp_path,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        return port

    yield start
    for process in processes:
        process.terminate()
        process.wait(10)


def test_kettle_run_debug_serves_live_reload(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text("<html><body>via cli</body></html>")
    (tmp_path / "runme.py").write_text(RUN_SCRIPT)
    port = free_port()
    kettle_command = str(Path(sys.executable).parent / "kettle")
    process = subprocess.Popen(
        [kettle_command, "--app", "runme", "run", "--debug", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        page = fetch(port, "/")
        assert page.endswith(b"\r\n\r\n<html><body>via cli" + TAG + b"</body></html>"), page
        sock, boot_id = open_live_stream(port)
        sock.close()
        assert len(boot_id) == 16
    finally:
        process.terminate()
        process.wait(10)


def test_app_run_without_debug_has_no_live_reload(run_app_process: Callable[[str], int]) -> None:
    port = run_app_process("nodebug")
    page = fetch(port, "/")
    assert page.startswith(b"HTTP/1.1 200")
    assert page.endswith(b"\r\n\r\n<html><body>version one</body></html>")
    assert fetch(port, "/_kettle/livereload").startswith(b"HTTP/1.1 404")
    assert fetch(port, "/_kettle/static/kettle.js").endswith(b"\r\n\r\n" + KETTLE_JS)


def test_app_run_debug_reloads_tabs_on_template_and_python_edits(
    run_app_process: Callable[[str], int], tmp_path: Path
) -> None:
    port = run_app_process("debug")
    page = fetch(port, "/")
    assert page.endswith(b"\r\n\r\n<html><body>version one" + TAG + b"</body></html>")
    sock, boot_id = open_live_stream(port)
    try:
        template = tmp_path / "templates" / "page.html"
        template.write_text("<html><body>version two</body></html>")
        data = read_until(sock, b"event: reload\ndata: ")
        assert str(template).encode() in read_until(sock, b"\n\n", data.split(b"reload\n", 1)[1])
        assert fetch(port, "/").endswith(b"version two" + TAG + b"</body></html>")
        # A Python change restarts the server: the stream ends, and on reconnecting the
        # tab sees a new boot id (kettle.js then reloads the page).
        (tmp_path / "runme.py").write_text(RUN_SCRIPT + "# edited\n")
        deadline = time.monotonic() + 20
        while sock.recv(65536):
            assert time.monotonic() < deadline, "the old server kept the stream open"
    finally:
        sock.close()
    sock, new_boot_id = open_live_stream(port)
    sock.close()
    assert new_boot_id != boot_id


# -- fragments -------------------------------------------------------------------------------
@pytest.fixture
def fragment_app(tmp_path: Path) -> Kettle:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "items.html").write_text(
        '{% macro item(text, n=1) %}<li id="i{{ n }}">{{ text }}</li>{% endmacro %}'
        "<ul>{% block list %}<li>{{ who }} by {{ site }}</li>{% endblock %}</ul>"
    )
    app = Kettle(__name__, root_path=str(tmp_path))
    app.context_processor(lambda: {"site": "Kettle"})
    return app


def test_render_block_and_macro_use_the_app_templates(fragment_app: Kettle) -> None:
    with fragment_app.app_context():
        assert render_block("items.html", "list", who="<Ada>") == "<li>&lt;Ada&gt; by Kettle</li>"
        assert render_macro("items.html", "item", "<b>", n=2) == '<li id="i2">&lt;b&gt;</li>'
        assert render_block(["missing.html", "items.html"], "list", who="x") == (
            "<li>x by Kettle</li>"
        )
        with pytest.raises(KeyError, match="has no block 'nope'"):
            render_block("items.html", "nope")
        with pytest.raises(KeyError, match="has no macro 'nope'"):
            render_macro("items.html", "nope")


def test_push_fragment_publishes_exact_json(fragment_app: Kettle) -> None:
    hub = MemoryBroadcast()
    with fragment_app.app_context(), hub.subscribe("room") as subscription:
        html = render_macro("items.html", "item", "new", n=3)
        one = push_fragment("room", fragments.append("list", html), broadcast=hub)
        assert one == '{"op":"append","target":"list","html":"<li id=\\"i3\\">new</li>"}'
        two = push_fragment(
            "room", fragments.remove("i1"), fragments.replace("count", "<b>2</b>"), broadcast=hub
        )
        assert json.loads(two) == [
            {"op": "remove", "target": "i1"},
            {"op": "replace", "target": "count", "html": "<b>2</b>"},
        ]
        assert subscription.get(timeout=1) == one
        assert subscription.get(timeout=1) == two
    with pytest.raises(TypeError, match="at least one Fragment"):
        push_fragment("room", broadcast=hub)
    with pytest.raises(TypeError, match="takes Fragment objects, not str"):
        push_fragment("room", "<p>", broadcast=hub)  # type: ignore[arg-type]
    hub.close()


def test_push_fragment_defaults_to_the_process_backend() -> None:
    hub = MemoryBroadcast()
    previous = realtime_broadcast.set_broadcast(hub)
    try:
        with hub.subscribe("news") as subscription:
            push_fragment("news", fragments.prepend("feed", "<p>hot</p>"))
            assert subscription.get(timeout=1) == (
                '{"op":"prepend","target":"feed","html":"<p>hot</p>"}'
            )
    finally:
        realtime_broadcast.set_broadcast(previous)
        hub.close()


# -- exports ---------------------------------------------------------------------------------
def test_realtime_names_exported_from_kettle() -> None:
    assert kettle.EventStream is sse.EventStream
    assert kettle.ChannelStream is sse.ChannelStream
    assert kettle.Event is sse.Event
    assert kettle.Fragment is fragments.Fragment
    assert kettle.WebSocket is websocket.WebSocket
    assert kettle.get_broadcast is realtime_broadcast.get_broadcast
    assert kettle.publish is realtime_broadcast.publish
    assert kettle.subscribe is realtime_broadcast.subscribe
    assert kettle.push_fragment is push_fragment
    assert kettle.render_block is render_block
    assert kettle.render_macro is render_macro
    assert kettle.enable_live_reload is enable_live_reload
    assert set(kettle.__all__) <= set(dir(kettle))


def test_import_kettle_stays_lazy() -> None:
    code = (
        "import sys, kettle\n"
        "print(sorted(m for m in sys.modules if m.startswith(('kettle.web', 'kettle.realtime'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert result.stdout == "[]\n"


def test_event_stream_returned_by_a_view(make_client: Callable[[Kettle], KettleClient]) -> None:
    app = Kettle(__name__)
    app.add_url_rule("/events", "events", lambda: kettle.EventStream(["a", "b\nc", {"n": 1}]))
    response = make_client(app).get("/events")
    assert response.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert response.data == b': stream open\n\ndata: a\n\ndata: b\ndata: c\n\ndata: {"n":1}\n\n'


def test_routes_command_with_only_the_framework_route(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bare_app.py").write_text(
        "from kettle import Kettle\napp = Kettle(__name__, static_folder=None)\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        result = CliRunner().invoke(main, ["--app", "bare_app", "routes"], obj=ScriptInfo())
    finally:
        sys.modules.pop("bare_app", None)
    assert result.exit_code == 0, result.output
    assert result.output == "No routes were registered.\n"


def test_event_stream_from_a_view_streams_on_a_server_without_takeover() -> None:
    # wsgiref (standard library) cannot hand its socket over: the view's endless
    # EventStream must stream through the app's response, not be collected first.
    closed = threading.Event()

    def ticks() -> Iterator[str]:
        try:
            for n in itertools.count():
                yield f"tick {n}"
                time.sleep(0.05)
        finally:
            closed.set()

    app = Kettle(__name__)
    app.add_url_rule("/events", "events", lambda: kettle.EventStream(ticks()))
    server = make_server("127.0.0.1", 0, app, handler_class=QuietHandler)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as sock:
            sock.sendall(b"GET /events HTTP/1.0\r\nHost: x\r\n\r\n")
            data = read_until(sock, b"data: tick 2\n\n")
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.0 200 OK\r\n")
        assert b"Content-Type: text/event-stream; charset=utf-8\r\n" in head
        assert body == b": stream open\n\ndata: tick 0\n\ndata: tick 1\n\ndata: tick 2\n\n"
        # The client left: the next write fails and the generator is closed.
        assert closed.wait(5)
        thread.join(5)
    finally:
        server.server_close()
