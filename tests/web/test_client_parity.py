"""The test client and ``test_request_context`` behave as Flask's and Werkzeug's, checked in
the same run: ``None`` values in query and form data, the cookie jar (quoted values,
``Cookie`` attributes), streamed responses, non-ASCII query strings, the session opened
through ``app.session_interface``, and Flask's private ``_request_from_builder_args``."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import flask
import pytest
import werkzeug.test

from kettle.web.app import Kettle
from kettle.web.environ_builder import EnvironBuilder
from kettle.web.globals import request, request_ctx, session
from kettle.web.sessions import SecureCookieSessionInterface
from kettle.web.testing import KettleClient
from kettle.web.wrappers import Request, Response


def _echo_app(app: Any, request: Any = request) -> Any:
    @app.route("/echo", methods=["GET", "POST"])
    def echo() -> str:
        form = ",".join(f"{k}={v}" for k, v in request.form.items(multi=True))
        args = ",".join(f"{k}={v}" for k, v in request.args.items(multi=True))
        return f"args[{args}] form[{form}]"

    return app


# -- None values ------------------------------------------------------------------------------


def test_none_values_are_dropped_from_query_and_form_as_in_flask() -> None:
    ours = _echo_app(Kettle(__name__)).test_client()
    theirs = _echo_app(flask.Flask(__name__), flask.request).test_client()
    query = {"page": None, "q": "a b", "tags": ["x", None, "y"]}
    form = {"name": "n", "empty": None}
    for client in (ours, theirs):
        response = client.post("/echo", query_string=query, data=form)
        assert response.text == "args[q=a b,tags=x,tags=y] form[name=n]"
    with Kettle(__name__).test_request_context(query_string={"page": None, "n": 1}):
        assert request.args.to_dict() == {"n": "1"}
        assert request.query_string == b"n=1"


@pytest.mark.parametrize(
    "arguments",
    [
        {"query_string": {"a": None, "b": "x/y z?é!$'()*,:;@"}},
        {"path": "/p?foo=barß&x=a b"},
        {"query_string": "q=ä&r=%C3%A4"},
        {"data": {"a": None, "b": "x", "c": [None, "y"], "d": 3, "e": b"by tes"}},
    ],
    ids=["dict-query", "query-in-path", "text-query", "form"],
)
def test_query_string_and_form_body_as_werkzeug_builds_them(arguments: dict[str, Any]) -> None:
    path = arguments.pop("path", "/p")
    ours = EnvironBuilder(None, path, **arguments).get_environ()
    theirs = werkzeug.test.EnvironBuilder(path, **arguments).get_environ()
    assert ours["QUERY_STRING"] == theirs["QUERY_STRING"]
    assert ours["PATH_INFO"] == theirs["PATH_INFO"]
    assert ours["wsgi.input"].read() == theirs["wsgi.input"].read()


def test_non_ascii_query_in_from_values_and_the_client() -> None:
    assert Request.from_values("/p?foo=barß").args["foo"] == "barß"
    assert Request.from_values("/p", query_string="q=☃").args["q"] == "☃"
    app = Kettle(__name__)
    app.add_url_rule("/p", "p", lambda: request.args["foo"])
    assert app.test_client().get("/p?foo=barß").text == "barß"


# -- cookies ----------------------------------------------------------------------------------


def _cookie_app(app: Any, request: Any = request) -> Any:
    @app.route("/set")
    def set_cookie() -> Any:
        response = app.response_class("set")
        response.set_cookie("plain", "abc")
        response.set_cookie("text", 'snow ☃, "quoted"; and more')
        response.set_cookie("timed", "t", max_age=3600)
        response.set_cookie("scoped", "s", path="/set")
        return response

    @app.route("/read")
    def read() -> str:
        return "|".join(f"{k}={request.cookies[k]}" for k in sorted(request.cookies))

    return app


def test_quoted_cookie_values_round_trip_as_in_flask() -> None:
    ours = _cookie_app(Kettle(__name__)).test_client()
    theirs = _cookie_app(flask.Flask(__name__), flask.request).test_client()
    for client in (ours, theirs):
        client.get("/set")
        assert client.get("/read").text == 'plain=abc|text=snow ☃, "quoted"; and more|timed=t'
    for key in ("plain", "text", "timed"):
        cookie, flask_cookie = ours.get_cookie(key), theirs.get_cookie(key)
        assert cookie is not None and flask_cookie is not None
        for name in ("key", "value", "decoded_key", "decoded_value", "domain", "path"):
            assert getattr(cookie, name) == getattr(flask_cookie, name), (key, name)
        assert (cookie.max_age, cookie.origin_only) == (flask_cookie.max_age, True)
    text = ours.get_cookie("text")
    assert text is not None
    assert text.value.startswith('"') and text.value.endswith('"')
    assert text.decoded_value == 'snow ☃, "quoted"; and more'
    assert ours.get_cookie("scoped") is None
    assert ours.get_cookie("scoped", path="/set") is not None


def test_cookie_expires_is_a_datetime_or_none() -> None:
    client = _cookie_app(Kettle(__name__)).test_client()
    client.get("/set")
    timed, plain = client.get_cookie("timed"), client.get_cookie("plain")
    assert timed is not None and plain is not None
    assert isinstance(timed.expires, datetime)
    assert timed.expires.tzinfo is not None
    assert 3590 <= (timed.expires - datetime.now(UTC)).total_seconds() <= 3600
    assert timed.max_age == 3600
    assert plain.expires is None and plain.max_age is None


def test_set_cookie_on_the_client_quotes_and_deletes_as_werkzeug() -> None:
    client = _cookie_app(Kettle(__name__)).test_client()
    client.set_cookie("text", "a b")
    stored = client.get_cookie("text")
    assert stored is not None
    assert (stored.value, stored.decoded_value) == ('"a b"', "a b")
    assert client.get("/read").text == "text=a b"
    client.set_cookie("text", "", max_age=0)
    assert client.get_cookie("text") is None
    client.set_cookie("gone", "x", expires=datetime(2000, 1, 1, tzinfo=UTC))
    assert client.get("/read").text == ""  # an expired cookie is not sent (a browser's rule)
    assert client.get_cookie("gone") is None


def test_cookie_domain_rules() -> None:
    app = Kettle(__name__)
    app.add_url_rule("/read", "read", lambda: request.cookies.get("k", "-"))
    client = app.test_client()
    client.set_cookie("k", "exact", domain="example.com")
    assert client.get("/read", base_url="http://example.com").text == "exact"
    assert client.get("/read", base_url="http://sub.example.com").text == "-"
    client.set_cookie("k", "wide", domain="example.com", origin_only=False)
    assert client.get("/read", base_url="http://sub.example.com").text == "wide"
    assert client.get("/read", base_url="http://badexample.com").text == "-"


# -- streamed responses ----------------------------------------------------------------------


def _stream_app(app: Any, seen: list[str]) -> Any:
    @app.route("/stream")
    def stream() -> Any:
        def generate() -> Iterator[str]:
            seen.append("started")
            yield "a"
            yield "b"

        return app.response_class(generate())

    app.add_url_rule("/plain", "plain", lambda: "plain")
    return app


def test_streamed_responses_stay_streamed_as_in_flask() -> None:
    seen: list[str] = []
    ours = _stream_app(Kettle(__name__), seen).test_client()
    theirs = _stream_app(flask.Flask(__name__), []).test_client()
    for client in (ours, theirs):
        # Werkzeug's client hands back an iterator over the app's body unless buffered.
        assert client.get("/stream").is_streamed is True
        assert client.get("/plain").is_streamed is True
        assert client.get("/plain", buffered=True).is_streamed is False
        assert client.get("/stream", buffered=True).data == b"ab"
        assert client.get("/stream").data == b"ab"
    assert seen == ["started"] * 3  # ours: by default read whole when open() returned
    lazy = ours.get("/stream", buffered=False)
    assert seen == ["started"] * 3
    assert lazy.data == b"ab"
    assert seen == ["started"] * 4


# -- test_request_context and the session ----------------------------------------------------


class CountingInterface(SecureCookieSessionInterface):
    opened: list[str]

    def open_session(self, app: Any, request: Any) -> Any:
        self.opened.append(request.path)
        return super().open_session(app, request)


def test_test_request_context_opens_the_session_through_the_interface() -> None:
    app = Kettle(__name__)
    app.secret_key = "s"
    interface = CountingInterface()
    interface.opened = []
    app.session_interface = interface
    ctx = app.test_request_context("/page")
    assert interface.opened == []
    with ctx:
        assert interface.opened == ["/page"]
        session["a"] = 1
        assert interface.opened == ["/page"]
    app.add_url_rule("/lazy", "lazy", lambda: "no session")
    assert app.test_client().get("/lazy").text == "no session"
    assert interface.opened == ["/page"]  # a served request opens it on first use only


def test_session_transaction_then_request() -> None:
    app = Kettle(__name__)
    app.secret_key = "s"
    app.add_url_rule("/who", "who", lambda: str(session.get("user")))
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["user"] = "ana"
    assert client.get("/who").text == "ana"
    with client.session_transaction() as sess:
        assert sess["user"] == "ana"


# -- Flask's private helpers extensions call -------------------------------------------------


def test_request_from_builder_args_as_flask() -> None:
    app, flask_app = Kettle(__name__), flask.Flask(__name__)
    client, flask_client = app.test_client(), flask_app.test_client()
    for c in (client, flask_client):
        c.environ_base["HTTP_X_BASE"] = "b"
    args: tuple[Any, ...] = ("/path",)
    ours = client._request_from_builder_args(args, {"query_string": {"a": "1"}})
    theirs = flask_client._request_from_builder_args(args, {"query_string": {"a": "1"}})
    assert isinstance(ours, app.request_class)
    for name in ("path", "full_path", "remote_addr", "host", "url"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.headers["X-Base"] == theirs.headers["X-Base"] == "b"
    assert ours.user_agent.string == theirs.user_agent.string


def test_open_accepts_a_request_object() -> None:
    app = _echo_app(Kettle(__name__))
    client = app.test_client()
    built = EnvironBuilder(app, "/echo", query_string="x=1", data={"f": "v"}, method="POST")
    response = client.open(built.get_request())
    assert response.text == "args[x=1] form[f=v]"
    assert response.request.remote_addr == "127.0.0.1"


def test_cookies_reach_a_plain_wsgi_app_through_the_client() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        response = Response(environ.get("HTTP_COOKIE", "-"))
        response.set_cookie("seen", "yes")
        return response(environ, start_response)  # type: ignore[return-value]

    client = KettleClient(app)  # as Werkzeug's Client, around any WSGI app
    assert client.get("/").text == "-"
    assert client.get("/").text == "seen=yes"


def test_multipart_file_and_none_as_werkzeug() -> None:
    data = {"a": None, "f": (io.BytesIO(b"q"), "f.txt")}
    app = Kettle(__name__)

    @app.post("/up")
    def up() -> str:
        return f"{request.form.to_dict()} {request.files['f'].read().decode()}"

    # Werkzeug drops None from urlencoded forms only; a multipart part says "None".
    assert app.test_client().post("/up", data=data).text == "{'a': 'None'} q"


def test_flasks_private_session_name_opens_the_session() -> None:
    app = Kettle(__name__)
    app.secret_key = "s"
    app.add_url_rule("/nothing", "nothing", lambda: "")
    client = app.test_client()
    with client:
        response = client.get("/nothing")
        assert "Cookie" not in response.headers.get("Vary", "")
        ctx = request_ctx._get_current_object()
        assert ctx.session_opened is False  # the request itself never opened it
        assert dict(ctx._session) == {}
        assert ctx.session_opened is True
        assert ctx._session is ctx.session
        assert ctx._session.modified is False
