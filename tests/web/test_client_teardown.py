"""``with client:`` context preservation and teardown order (checked against Flask 3.1 in
the same run), ``client.environ_base`` on builders and ready environs, and
``Request.from_values``."""

from __future__ import annotations

import importlib.metadata
from typing import Any

import flask
import pytest

import kettle.flask
from kettle import Kettle, g, request
from kettle.web.testing import EnvironBuilder
from kettle.web.wrappers import Request

# Flask 3.1's documented behaviour (CHANGES 2.2.0): teardown functions run at the end of
# the request even when the context is preserved, and again when the preserved context is
# popped (at the next request or the end of the block).
EXPECTED_LOG = [
    "view /a",
    "teardown_request /a",
    "teardown_appcontext",
    "after a: /a",
    "teardown_request /a",
    "teardown_appcontext",
    "view /b",
    "teardown_request /b",
    "teardown_appcontext",
    "after b: /b",
    "teardown_request /b",
    "teardown_appcontext",
    "after block: no request",
]


def run_scenario(module: Any) -> list[str]:
    """The same ``with client:`` scenario, written against ``flask`` or ``kettle.flask``."""
    app = module.Flask(__name__, static_folder=None)
    log: list[str] = []

    @app.route("/<name>")
    def view(name: str) -> str:
        log.append(f"view {module.request.path}")
        return name

    @app.teardown_request
    def teardown_request(exc: BaseException | None) -> None:
        log.append(f"teardown_request {module.request.path}")

    @app.teardown_appcontext
    def teardown_appcontext(exc: BaseException | None) -> None:
        log.append("teardown_appcontext")

    client = app.test_client()
    with client:
        client.get("/a")
        log.append(f"after a: {module.request.path}")
        client.get("/b")
        log.append(f"after b: {module.request.path}")
    log.append("after block: " + ("request" if module.has_request_context() else "no request"))
    return log


def test_teardown_order_matches_flask() -> None:
    assert run_scenario(kettle.flask) == EXPECTED_LOG
    assert run_scenario(flask) == EXPECTED_LOG


def test_preserved_context_keeps_g_and_request_until_the_block_ends() -> None:
    app = Kettle(__name__, static_folder=None)
    closed: list[str] = []

    @app.route("/")
    def index() -> str:
        g.user = "ann"
        return "ok"

    @app.teardown_appcontext
    def close_db(exc: BaseException | None) -> None:
        closed.append(g.get("user", "-"))

    with app.test_client() as client:
        client.get("/?q=1")
        assert g.user == "ann"
        assert request.args["q"] == "1"
        assert closed == ["ann"]
    assert closed == ["ann", "ann"]
    assert not kettle.flask.has_app_context()


def test_error_in_request_leaves_no_context_behind() -> None:
    app = Kettle(__name__, static_folder=None)
    app.testing = True

    @app.route("/boom")
    def boom() -> str:
        raise KeyError("boom")

    @app.route("/ok")
    def ok() -> str:
        return "ok"

    with app.test_client() as client:
        with pytest.raises(KeyError, match="boom"):
            client.get("/boom")
        assert not kettle.flask.has_request_context()
        assert client.get("/ok").text == "ok"
        assert request.path == "/ok"
    assert not kettle.flask.has_request_context()


def test_environ_base_defaults_and_overrides() -> None:
    app = Kettle(__name__, static_folder=None)

    @app.route("/")
    def index() -> str:
        return f"{request.remote_addr} {request.user_agent.string}"

    client = app.test_client()
    flask_client = flask.Flask(__name__).test_client()
    user_agent = f"Werkzeug/{importlib.metadata.version('werkzeug')}"
    assert client.environ_base == flask_client.environ_base
    assert client.environ_base == {"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": user_agent}
    assert client.get("/").text == f"127.0.0.1 {user_agent}"
    with app.test_request_context():  # the builder alone adds neither, as Werkzeug's
        assert (request.remote_addr, request.user_agent.string) == (None, "")
    client.environ_base.update(REMOTE_ADDR="10.0.0.9", HTTP_USER_AGENT="Probe/2")
    assert client.get("/").text == "10.0.0.9 Probe/2"
    assert client.get("/", environ_base={"REMOTE_ADDR": "10.0.0.1"}).text == "10.0.0.1 Probe/2"
    assert client.get("/", headers={"User-Agent": "Own/1"}).text == "10.0.0.9 Own/1"


def test_environ_base_applies_to_builders_and_ready_environs() -> None:
    """Flask's ``test_client_open_environ``: environ_base reaches a ready environ, while
    the request's own line and headers stay."""
    app = Kettle(__name__, static_folder=None)

    @app.route("/index", methods=["GET", "POST"])
    def index() -> str:
        return f"{request.method} {request.remote_addr} {request.headers.get('X-Tag')}"

    client = app.test_client()
    builder = EnvironBuilder(app, path="/index", method="POST", headers={"X-Tag": "t"})
    assert client.open(builder).text == "POST 127.0.0.1 t"
    environ = builder.get_environ()
    client.environ_base["REMOTE_ADDR"] = "127.0.0.2"
    client.environ_base["HTTP_X_TAG"] = "from-base"
    client.environ_base["REQUEST_METHOD"] = "GET"
    assert client.open(environ).text == "POST 127.0.0.2 t"
    assert client.open(builder).text == "POST 127.0.0.2 t"
    plain = EnvironBuilder(app, path="/index").get_environ()
    assert client.open(plain).text == "GET 127.0.0.2 from-base"


def test_request_from_values() -> None:
    req = Request.from_values(
        "/items?page=2",
        "https://shop.test/root",
        method="POST",
        data={"name": "kettle"},
        headers={"X-Trace": "abc"},
    )
    assert (req.method, req.url, req.script_root, req.path) == (
        "POST",
        "https://shop.test/root/items?page=2",
        "/root",
        "/items",
    )
    assert req.args.to_dict() == {"page": "2"}
    assert req.form.to_dict() == {"name": "kettle"}
    assert req.headers["X-Trace"] == "abc"
    assert req.mimetype == "application/x-www-form-urlencoded"


def test_request_from_values_json_and_query_mapping() -> None:
    class MyRequest(Request):
        pass

    req = MyRequest.from_values("/api", query_string={"a": "1"}, json={"k": [1, 2]})
    assert type(req) is MyRequest
    assert req.url == "http://localhost/api?a=1"
    assert req.get_json() == {"k": [1, 2]}
    with pytest.raises(TypeError, match="can't provide both json and data"):
        Request.from_values("/", json={}, data="x")
