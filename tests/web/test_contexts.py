"""Contexts, context-local names, signals, config loading and class-based views."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kettle import (
    Kettle,
    MethodView,
    View,
    copy_current_request_context,
    current_app,
    g,
    get_current_app,
    get_request,
    has_app_context,
    has_request_context,
    render_template_string,
    request,
    request_finished,
    request_started,
    session,
    template_rendered,
)
from kettle.web.config import Config
from kettle.web.ctx import _AppCtxGlobals
from kettle.web.globals import get_g
from kettle.web.testing import KettleClient

MakeClient = Callable[[Kettle], KettleClient]


def test_outside_contexts_are_clear_errors() -> None:
    with pytest.raises(RuntimeError, match="Working outside of request context"):
        request.path  # noqa: B018
    with pytest.raises(RuntimeError, match="Working outside of application context"):
        current_app.name  # noqa: B018
    assert not has_request_context()
    assert not has_app_context()
    assert repr(request) == "<LocalProxy unbound>"


def test_app_context_and_g(app: Kettle) -> None:
    with app.app_context():
        assert has_app_context() and not has_request_context()
        assert current_app._get_current_object() is app
        assert get_current_app() is app
        g.x = 1
        assert g.get("x") == 1 and "x" in g and g.pop("x") == 1
        assert g.get("x", "gone") == "gone"
    assert not has_app_context()


def test_test_request_context(app: Kettle) -> None:
    with app.test_request_context(
        "/path?a=1&a=2", method="POST", data={"f": "v"}, headers={"X-H": "h"}
    ):
        assert get_request() is request._get_current_object()
        assert request.path == "/path"
        assert request.args.getlist("a") == ["1", "2"]
        assert request.form["f"] == "v"
        assert request.headers["X-H"] == "h"
        assert request.method == "POST"
        assert session.get("missing") is None


def test_nested_contexts_restore(app: Kettle) -> None:
    other = Kettle("other")
    with app.app_context():
        with other.app_context():
            assert current_app.name == "other"
        assert current_app._get_current_object() is app


def test_copy_current_request_context_in_thread(app: Kettle) -> None:
    results: list[str] = []

    @app.route("/")
    def index() -> str:
        @copy_current_request_context
        def work() -> None:
            results.append(request.args["q"])

        thread = threading.Thread(target=work)
        thread.start()
        thread.join(5)
        return "ok"

    app.test_client().get("/?q=threaded")
    assert results == ["threaded"]


def test_signals(make_client: MakeClient, app: Kettle) -> None:
    seen: list[Any] = []

    def started(sender: Kettle, **extra: Any) -> None:
        seen.append(("started", request.path))

    def finished(sender: Kettle, response: Any, **extra: Any) -> None:
        seen.append(("finished", response.status_code))

    def rendered(sender: Kettle, template: Any, context: dict[str, Any], **extra: Any) -> None:
        seen.append(("rendered", context["name"]))

    app.add_url_rule("/", "i", lambda: render_template_string("{{ name }}", name="n"))
    with (
        request_started.connected_to(started, app),
        request_finished.connected_to(finished, app),
        template_rendered.connected_to(rendered, app),
    ):
        make_client(app).get("/")
    assert seen == [("started", "/"), ("rendered", "n"), ("finished", 200)]


def test_config_loading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = Config(tmp_path, {"DEFAULT": 1})
    (tmp_path / "settings.py").write_text("SECRET = 'abc'\nlower = 1\nNUMBER = 3\n")
    assert config.from_pyfile("settings.py")
    assert config["SECRET"] == "abc" and config["NUMBER"] == 3 and "lower" not in config
    assert config.from_pyfile("missing.py", silent=True) is False
    with pytest.raises(FileNotFoundError, match="Unable to load configuration file"):
        config.from_pyfile("missing.py")
    (tmp_path / "c.json").write_text('{"FROM_JSON": [1, 2], "ignored": 0}')
    config.from_file("c.json", load=json.load)
    assert config["FROM_JSON"] == [1, 2] and "ignored" not in config

    class Obj:
        UPPER = "yes"
        lower = "no"

    config.from_object(Obj)
    assert config["UPPER"] == "yes" and "lower" not in config
    config.from_mapping({"MAPPED": 1}, OTHER=2)
    assert (config["MAPPED"], config["OTHER"]) == (1, 2)
    monkeypatch.setenv("KETTLE_PORT", "8080")
    monkeypatch.setenv("KETTLE_NAME", "not json")
    monkeypatch.setenv("KETTLE_DB__HOST", '"db"')
    config.from_prefixed_env("KETTLE")
    assert (config["PORT"], config["NAME"], config["DB"]) == (8080, "not json", {"HOST": "db"})
    config.update(IMAGE_STORE_PATH="/p", IMAGE_STORE_URL="/u", OTHER_X=1)
    assert config.get_namespace("IMAGE_STORE_") == {"path": "/p", "url": "/u"}


def test_config_from_object_string(app: Kettle) -> None:
    app.config.from_object("json.decoder")
    assert "JSONArray" not in app.config
    assert app.config["TESTING"] is False
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_views(make_client: MakeClient, app: Kettle) -> None:
    class Hello(View):
        methods = ["GET", "POST"]

        def __init__(self, greeting: str) -> None:
            self.greeting = greeting

        def dispatch_request(self, name: str) -> str:
            return f"{self.greeting} {name} via {request.method}"

    class Item(MethodView):
        def get(self, item_id: int) -> str:
            return f"get {item_id}"

        def post(self, item_id: int) -> tuple[str, int]:
            return f"post {item_id}", 201

    app.add_url_rule("/hello/<name>", view_func=Hello.as_view("hello", "hi"))
    app.add_url_rule("/item/<int:item_id>", view_func=Item.as_view("item"))
    client = make_client(app)
    assert client.post("/hello/bo").get_data(as_text=True) == "hi bo via POST"
    assert client.get("/item/3").get_data(as_text=True) == "get 3"
    assert client.post("/item/3").status_code == 201
    assert client.head("/item/3").status_code == 200
    deleted = client.delete("/item/3")
    assert deleted.status_code == 405
    assert deleted.headers["Allow"] == "GET, HEAD, OPTIONS, POST"


def test_logger_writes_to_wsgi_errors(app: Kettle, monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import logging

    # pytest's capture handler on the root logger would count as configured logging.
    monkeypatch.setattr(logging.getLogger(app.name), "propagate", False)
    errors = io.StringIO()

    @app.route("/")
    def index() -> str:
        app.logger.error("something %s", "odd")
        return "logged"

    app.test_client().get("/", environ_base={"wsgi.errors": errors})
    assert errors.getvalue().endswith("ERROR in test_contexts: something odd\n")


def test_more_signals(app: Kettle) -> None:
    from kettle import (
        appcontext_popped,
        appcontext_pushed,
        appcontext_tearing_down,
        before_render_template,
        flash,
        got_request_exception,
        message_flashed,
        request_tearing_down,
    )

    seen: list[str] = []

    def record(name: str) -> Any:
        def receiver(sender: Kettle, **extra: Any) -> None:
            detail = extra.get("message") or extra.get("exception") or ""
            seen.append(f"{name}{':' if detail else ''}{detail}")

        return receiver

    receivers = {
        appcontext_pushed: record("pushed"),
        appcontext_popped: record("popped"),
        appcontext_tearing_down: record("app_teardown"),
        request_tearing_down: record("request_teardown"),
        message_flashed: record("flashed"),
        got_request_exception: record("exception"),
        before_render_template: record("before_render"),
    }

    @app.route("/ok")
    def ok() -> str:
        flash("hi")
        return render_template_string("x")

    @app.route("/fail")
    def fail() -> str:
        raise ValueError("bad")

    for signal, receiver in receivers.items():
        signal.connect(receiver, app)
    try:
        client = app.test_client()
        client.get("/ok")
        client.get("/fail")
    finally:
        for signal, receiver in receivers.items():
            signal.disconnect(receiver, app)
    assert seen == [
        "pushed",
        "flashed:hi",
        "before_render",
        "request_teardown",
        "app_teardown",
        "popped",
        "pushed",
        "exception:bad",
        "request_teardown",
        "app_teardown",
        "popped",
    ]


def test_g_is_made_on_first_use_from_the_apps_globals_class() -> None:
    class Globals(_AppCtxGlobals):
        pass

    app = Kettle(__name__)
    app.app_ctx_globals_class = Globals
    with app.app_context() as ctx:
        assert "g" not in vars(ctx)
        made = ctx.g
        assert type(made) is Globals and ctx.g is made and get_g() is made
        replacement = Globals()
        ctx.g = replacement
        assert get_g() is replacement
