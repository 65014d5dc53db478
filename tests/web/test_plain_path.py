"""The plain request path (``kettle.web.plain_path``) and the one-pass WSGI call of a
response: both are shortcuts, so each is checked against the general path it stands for.

- A response's ``__call__`` sends what Flask's Response sends, for the forms it shortcuts
  and the ones it leaves to ``get_wsgi_response``.
- An app takes the plain path exactly while it has nothing to run between matching and
  answering; whatever is registered later (hooks, signals, teardowns, trusted hosts, a
  method replaced on the instance) is honoured from the next request on.
- The same requests give the same answers on the plain and the general path, through the
  test client and the real server, with the same contexts pushed.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable
from typing import Any

import flask
import pytest

from kettle.web import signals
from kettle.web.app import Kettle
from kettle.web.ctx import after_this_request
from kettle.web.exceptions import NotFound
from kettle.web.globals import _cv_app, _cv_request, g, request, session
from kettle.web.plain_path import SKIPPED_METHODS, serves_plain
from kettle.web.testing import KettleClient
from kettle.web.wrappers import Response

# -- a response's WSGI call -------------------------------------------------------------------


def _wsgi(response: Any, method: str = "GET") -> tuple[str, list[tuple[str, str]], bytes]:
    sent: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        sent.extend((status, headers))
        return None

    environ = {"REQUEST_METHOD": method, "SERVER_NAME": "h", "SERVER_PORT": "80"}
    environ.update({"wsgi.url_scheme": "http", "HTTP_HOST": "h", "PATH_INFO": "/a/b"})
    body = response(environ, start_response)
    data = b"".join(body)
    getattr(body, "close", lambda: None)()
    return sent[0], sent[1], data


def _located(cls: type) -> Any:
    response = cls("moved", 302)
    response.headers["Location"] = "/ünï?q=ü"
    return response


def _without_length(cls: type) -> Any:
    response = cls("hello")
    del response.headers["Content-Length"]
    return response


def _no_auto_length(cls: type) -> Any:
    class NoLength(cls):  # type: ignore[valid-type,misc]
        automatically_set_content_length = False

    return NoLength(b"hello")


def _renamed_in_place(cls: type) -> Any:
    response = cls("x")
    response.headers[0] = ("Content-Location", "/ä")
    return response


def _dict_headers(cls: type) -> Any:
    response = cls("x")
    response.headers = {"X-A": "1"}  # type: ignore[assignment]
    return response


def _on_close(cls: type) -> Any:
    response = cls("x")
    response.call_on_close(lambda: None)
    return response


RESPONSES: dict[str, Callable[[type], Any]] = {
    "str": lambda cls: cls("héllo"),
    "bytes-mimetype": lambda cls: cls(b"hello", mimetype="text/plain"),
    "status-int": lambda cls: cls("gone", 410),
    "status-str": lambda cls: cls("teapot", "418 I AM A TEAPOT"),
    "status-custom-reason": lambda cls: cls("ok", "200 FINE"),
    "no-content": lambda cls: cls("dropped", 204),
    "not-modified": lambda cls: cls("dropped", 304),
    "informational": lambda cls: cls("", 103),
    "content-type": lambda cls: cls("{}", content_type="application/json"),
    "headers-arg": lambda cls: cls("x", headers={"X-A": "1"}),
    "bytearray": lambda cls: cls(bytearray(b"abc")),
    "list-body": lambda cls: cls([b"a", "b"]),
    "iterator": lambda cls: cls(iter([b"a", b"b"])),
    "empty": lambda cls: cls(),
    "location": _located,
    "content-length-deleted": _without_length,
    "no-auto-length": _no_auto_length,
    "header-renamed-in-place": _renamed_in_place,
    "dict-headers": _dict_headers,
    "on-close": _on_close,
    "added-header": lambda cls: _add(cls("x"), "Set-Cookie", "a=b"),
    "direct-passthrough": lambda cls: cls(b"x", direct_passthrough=True),
    "lower-case-length": lambda cls: _add(_without_length(cls), "content-length", "5"),
    "vary-and-cache-control": lambda cls: _add(_add(cls("x"), "Vary", "Cookie"), "ETag", "e"),
    "lower-case-location": lambda cls: _add(cls("x", 301), "location", "/ä"),
}


def _add(response: Any, name: str, value: str) -> Any:
    response.headers.add(name, value)
    return response


def _read_headers(response: Any) -> Any:
    assert response.headers is not None
    return response


RESPONSES["headers-read"] = lambda cls: _read_headers(cls(b"hello", mimetype="text/plain"))


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("build", RESPONSES.values(), ids=RESPONSES.keys())
def test_a_response_sends_what_flasks_sends(build: Callable[[type], Any], method: str) -> None:
    ours = _wsgi(build(Response), method)
    theirs = _wsgi(build(flask.Response), method)
    assert ours == theirs


def test_the_one_pass_call_sends_the_prebuilt_header_list() -> None:
    assert _wsgi(Response(b"Hello, World!", mimetype="text/plain")) == (
        "200 OK",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "13")],
        b"Hello, World!",
    )


def test_a_subclass_overriding_the_wsgi_headers_is_asked() -> None:
    class Stamped(Response):
        def get_wsgi_headers(self, environ: dict[str, Any]) -> Any:
            headers = super().get_wsgi_headers(environ)
            headers.add("X-Stamp", environ["REQUEST_METHOD"])
            return headers

    status, headers, body = _wsgi(Stamped("x"))
    assert (status, headers[-1], body) == ("200 OK", ("X-Stamp", "GET"), b"x")


def test_wsgi_methods_replaced_on_the_class_later_are_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Later(Response):
        pass

    assert _wsgi(Later("x"))[1][-1] == ("Content-Length", "1")
    original = Later.get_wsgi_headers

    def stamped(self: Response, environ: dict[str, Any]) -> Any:
        headers = original(self, environ)
        headers.add("X-Stamp", "late")
        return headers

    monkeypatch.setattr(Later, "get_wsgi_headers", stamped)
    assert _wsgi(Later("x"))[1][-1] == ("X-Stamp", "late")


def test_headers_sent_are_a_copy() -> None:
    response = Response("x")
    _status, headers, _body = _wsgi(response)
    headers.append(("X-Late", "1"))
    assert "X-Late" not in response.headers


def test_headers_made_on_first_read_hold_what_init_wrote() -> None:
    response = Response(b"hi", mimetype="text/plain")
    assert "headers" not in vars(response)  # nothing built until read
    headers = response.headers
    assert response.headers is headers
    assert list(headers) == [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", "2"),
    ]
    headers["X-Read"] = "1"
    assert _wsgi(response)[1][-1] == ("X-Read", "1")


def test_a_subclass_replacing_headers_is_read_when_sent() -> None:
    class Fixed(Response):
        @property  # type: ignore[override]
        def headers(self) -> Any:
            from kettle.http.headers import Headers

            return Headers([("X-Fixed", "1")])

        @headers.setter
        def headers(self, value: Any) -> None:
            pass

    assert _wsgi(Fixed(b"x"))[1] == [("X-Fixed", "1"), ("Content-Length", "1")]


# -- when an app is plain ---------------------------------------------------------------------


def _bare() -> Kettle:
    app = Kettle(__name__)
    app.secret_key = "test secret"

    @app.route("/")
    def index() -> str:
        return "index"

    return app


def _noop(*args: Any, **kwargs: Any) -> None:
    return None


REGISTRATIONS: dict[str, Callable[[Kettle], Any]] = {
    "before_request": lambda app: app.before_request(_noop),
    "before_request-dict": lambda app: app.before_request_funcs.setdefault("bp", [_noop]),
    "after_request": lambda app: app.after_request(lambda response: response),
    "teardown_request": lambda app: app.teardown_request(_noop),
    "teardown_appcontext": lambda app: app.teardown_appcontext(_noop),
    "url_value_preprocessor": lambda app: app.url_value_preprocessor(_noop),
    "trusted_hosts": lambda app: app.config.update(TRUSTED_HOSTS=["localhost"]),
    "subdomain_matching": lambda app: setattr(app, "subdomain_matching", True),
    "host_matching": lambda app: setattr(app.url_map, "host_matching", True),
    "instance-method": lambda app: setattr(app, "dispatch_request", app.dispatch_request),
}


def test_a_bare_app_is_plain() -> None:
    assert serves_plain(_bare(), Kettle) is True


@pytest.mark.parametrize("register", REGISTRATIONS.values(), ids=REGISTRATIONS.keys())
def test_anything_to_run_makes_the_app_general(register: Callable[[Kettle], Any]) -> None:
    app = _bare()
    app.test_client().get("/")
    register(app)
    assert serves_plain(app, Kettle) is False


@pytest.mark.parametrize(
    "signal",
    [
        signals.request_started,
        signals.request_finished,
        signals.request_tearing_down,
        signals.appcontext_pushed,
        signals.appcontext_popped,
        signals.appcontext_tearing_down,
    ],
    ids=lambda signal: signal.name,
)
def test_a_connected_request_signal_makes_the_app_general(signal: Any) -> None:
    app = _bare()
    with signal.connected_to(_noop):
        assert serves_plain(app, Kettle) is False
    assert serves_plain(app, Kettle) is True


def test_a_subclass_overriding_a_skipped_method_is_general() -> None:
    class Custom(Kettle):
        def process_response(self, response: Any) -> Any:
            response.headers["X-Processed"] = "1"
            return super().process_response(response)

    class Coercing(Kettle):
        def make_response(self, result: Any) -> Any:  # called: still plain
            return super().make_response(result.upper() if isinstance(result, str) else result)

    class Handling(Kettle):
        def handle_user_exception(self, e: Exception) -> Any:  # called: still plain
            return "handled"

    assert serves_plain(Custom(__name__), Kettle) is False
    assert serves_plain(Coercing(__name__), Kettle) is False
    assert serves_plain(Handling(__name__), Kettle) is True
    for cls, expected in ((Custom, "x"), (Coercing, "X"), (Handling, "handled")):
        app = cls(__name__)
        app.add_url_rule("/", "index", lambda: "x")
        app.add_url_rule("/error", "error", lambda: 1 / 0)
        response = app.test_client().get("/error" if cls is Handling else "/")
        assert response.text == expected
        assert response.headers.get("X-Processed") == ("1" if cls is Custom else None)


@pytest.mark.parametrize("name", SKIPPED_METHODS)
def test_each_skipped_method_replaced_on_a_subclass_makes_it_general(name: str) -> None:
    """The plain form calls ``_match`` and ``_call_view`` through the class and skips the
    others: a subclass replacing any of them is served by the general form."""
    original = getattr(Kettle, name)
    custom = type("Custom", (Kettle,), {name: lambda self, *a, **k: original(self, *a, **k)})
    app = custom(__name__)
    app.add_url_rule("/", "index", lambda: "index")
    assert serves_plain(app, Kettle) is False
    assert app.test_client().get("/").text == "index"


def test_the_methods_answer_is_looked_at_again_when_the_instance_changes() -> None:
    """``serves_plain`` keeps its answer about the methods on the instance with the class
    and the size of ``app.__dict__``: a method replaced on the instance, removed again, and
    a class changed on the instance are each seen at the next request."""

    class Custom(Kettle):
        def dispatch_request(self) -> Any:
            return "custom"

    app = _bare()
    assert app.test_client().get("/").text == "index"
    assert serves_plain(app, Kettle) is True
    app.dispatch_request = lambda: "replaced"  # type: ignore[method-assign]
    assert serves_plain(app, Kettle) is False
    assert app.test_client().get("/").text == "replaced"
    del app.dispatch_request  # type: ignore[method-assign]
    assert serves_plain(app, Kettle) is True
    assert app.test_client().get("/").text == "index"
    app.__class__ = Custom
    assert serves_plain(app, Kettle) is False
    assert app.test_client().get("/").text == "custom"


def test_hooks_registered_after_the_first_request_run(
    make_client: Callable[[Kettle], KettleClient],
) -> None:
    app = _bare()
    client = make_client(app)
    seen: list[str] = []
    assert client.get("/").text == "index"
    app.before_request(lambda: seen.append("before"))
    app.after_request(lambda response: seen.append("after") or response)
    app.teardown_request(lambda exc: seen.append("teardown"))
    assert client.get("/").text == "index"
    assert seen == ["before", "after", "teardown"]


def test_a_signal_connected_after_the_first_request_is_sent(
    make_client: Callable[[Kettle], KettleClient],
) -> None:
    app = _bare()
    client = make_client(app)
    client.get("/")
    sent: list[str] = []

    def started(sender: Any, **extra: Any) -> None:
        sent.append(request.path)

    with signals.request_started.connected_to(started, app):
        client.get("/")
    assert sent == ["/"]


# -- the same answers on both paths -----------------------------------------------------------


def _full_app() -> Kettle:
    app = _bare()

    @app.route("/g")
    def uses_g() -> str:
        g.seen = "yes"
        return g.get("seen", "no")

    @app.route("/later")
    def later() -> str:
        after_this_request(lambda response: _add(response, "X-Later", "1"))
        return "later"

    @app.route("/set")
    def set_session() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    @app.route("/read")
    def read_session() -> str:
        return str(session.get("n"))

    @app.route("/post", methods=["POST"])
    def post() -> str:
        return request.get_data(as_text=True)

    @app.route("/slash/")
    def slash() -> str:
        return "slash"

    @app.route("/boom")
    def boom() -> str:
        raise ValueError("boom")

    @app.route("/missing")
    def missing() -> str:
        raise NotFound()

    @app.route("/json/<int:n>")
    def json(n: int) -> Any:
        return {"n": n, "path": request.path, "method": request.method}

    @app.errorhandler(ValueError)
    def value_error(error: ValueError) -> tuple[str, int]:
        return f"handled {error}", 500

    @app.errorhandler(404)
    def not_found(error: Any) -> tuple[str, int]:
        return "no such page", 404

    return app


REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/", {}),
    ("HEAD", "/", {}),
    ("OPTIONS", "/", {}),
    ("GET", "/g", {}),
    ("GET", "/later", {}),
    ("GET", "/set", {}),
    ("GET", "/set", {}),
    ("GET", "/read", {}),
    ("POST", "/post", {"data": b"body"}),
    ("GET", "/post", {}),
    ("GET", "/slash", {}),
    ("GET", "/boom", {}),
    ("GET", "/missing", {}),
    ("GET", "/nowhere", {}),
    ("GET", "/json/7", {}),
    ("GET", "/json//7", {}),
    ("GET", "/json/x", {}),
]


def _unsigned(cookie: str) -> str:
    """A session cookie without its value, whose signature holds the second it was made."""
    name, _, rest = cookie.partition("=")
    value, _, attributes = rest.partition(";")
    return f"{name}=<{len(value) > 0}>;{attributes}"


def _answers(client: KettleClient) -> list[tuple[int, list[tuple[str, str]], bytes]]:
    answers = []
    for method, path, options in REQUESTS:
        response = client.open(path, method=method, **options)
        headers = [
            (name, _unsigned(value) if name.lower() == "set-cookie" else value)
            for name, value in response.headers.items()
            if name.lower() not in ("date", "server", "connection")
        ]
        answers.append((response.status_code, headers, response.get_data()))
    return answers


def _app_in_form(form: str) -> Kettle:
    app = _full_app()
    if form == "general":
        app.before_request(_noop)  # something to run: the general form
    assert serves_plain(app, Kettle) is (form == "plain")
    return app


@pytest.mark.parametrize("form", ["plain", "general"])
def test_both_forms_of_the_request_cycle_answer_alike(
    form: str, make_client: Callable[[Kettle], KettleClient]
) -> None:
    """kettle.web.plain_path.serve in each form, through the test client and the real
    server: the exact statuses and bodies, and the same headers as the other form."""
    answers = _answers(make_client(_app_in_form(form)))
    other = _answers(make_client(_app_in_form("general" if form == "plain" else "plain")))
    assert answers == other
    assert [status for status, _headers, _body in answers] == [
        200, 200, 200, 200, 200, 200, 200, 200, 200, 405, 308, 500, 404, 404, 200, 308, 404
    ]  # fmt: skip
    assert [body for _status, _headers, body in answers] == [
        b"index", b"", b"", b"yes", b"later", b"1", b"2", b"2", b"body",
        answers[9][2], answers[10][2], b"handled boom", b"no such page", b"no such page",
        b'{"method":"GET","n":7,"path":"/json/7"}\n', answers[15][2], b"no such page",
    ]  # fmt: skip
    assert b"405 Method Not Allowed" in answers[9][2]
    assert ("Allow", "GET, HEAD, OPTIONS") in answers[2][1]
    assert answers[4][1][-1] == ("X-Later", "1")
    assert ("Location", "http://localhost/slash/") in answers[10][1]


def test_the_session_cookie_is_refreshed_on_the_plain_path(
    make_client: Callable[[Kettle], KettleClient],
) -> None:
    app = _full_app()

    @app.route("/permanent")
    def permanent() -> str:
        session.permanent = True
        session["n"] = 5
        return "permanent"

    client = make_client(app)
    assert "Set-Cookie" not in client.get("/read").headers  # no session: no cookie
    assert "session=" in client.get("/permanent").headers["Set-Cookie"]
    assert serves_plain(app, Kettle) is True
    again = client.get("/read")  # a permanent session, read only: the cookie is refreshed
    assert again.text == "5"
    assert "session=" in again.headers["Set-Cookie"]
    assert "Expires=" in again.headers["Set-Cookie"]
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    quiet = client.get("/read")
    assert quiet.text == "5"
    assert "Set-Cookie" not in quiet.headers


def _context_facts() -> dict[str, Any]:
    app_ctx = _cv_app.get()
    ctx = _cv_request.get()
    adapter = app_ctx.url_adapter
    return {
        "app_ctx": (type(app_ctx).__name__, app_ctx.app.name, len(app_ctx._tokens)),
        "adapter": None if adapter is None else adapter.server_name,
        "request_ctx": (type(ctx).__name__, ctx.request is request._get_current_object()),
        "pushes": [other is None for _token, other in ctx._cv_tokens],
        "matched": ctx._matched,
        "g": (g.get("x"), sorted(g)),
        "after_this_request": ctx._after_request_functions,
    }


@pytest.mark.parametrize("server_name", [None, "localhost"], ids=["no-server-name", "server-name"])
@pytest.mark.parametrize("outer", [False, True], ids=["alone", "in-app-context"])
def test_the_plain_form_pushes_the_contexts_push_makes(
    server_name: str | None, outer: bool
) -> None:
    """``push_plain`` against ``RequestContext(...).push()``: the same kinds of context,
    app context adapter, tokens and state, inside the view and after the request."""
    facts: dict[str, Any] = {}
    for form in ("plain", "general"):
        app = _app_in_form(form)
        app.config["SERVER_NAME"] = server_name
        app.add_url_rule(
            "/facts", "facts", lambda form=form: facts.update({form: _context_facts()}) or "ok"
        )
        with app.app_context() if outer else contextlib.nullcontext():
            before = (_cv_app.get(None), _cv_request.get(None))
            assert app.test_client().get("/facts").text == "ok"
            assert (_cv_app.get(None), _cv_request.get(None)) == before
    assert facts["plain"] == facts["general"]
    assert facts["plain"]["pushes"] == [outer]
    assert facts["plain"]["adapter"] == server_name


@pytest.mark.parametrize("form", ["plain", "general"])
def test_a_context_left_pushed_by_the_view_fails_the_pop_alike(form: str) -> None:
    """``pop_plain`` keeps ``pop``'s LIFO check: a request context the view pushed and
    did not pop is an error, and the contextvars are back as before the request."""
    app = _app_in_form(form)
    leaked: list[Any] = []

    @app.route("/leak")
    def leak() -> str:
        ctx = app.test_request_context("/other")
        ctx.push()
        leaked.append(ctx)
        return "leaked"

    with pytest.raises(AssertionError, match="Popped wrong request context"):
        app.test_client().get("/leak")
    assert (_cv_app.get(None), _cv_request.get(None)) == (None, None)
    assert leaked[0]._cv_tokens != []  # still counts as pushed: its owner's to pop


def test_trusted_hosts_set_after_plain_requests_is_checked_at_once() -> None:
    """The plain form matches without reading ``TRUSTED_HOSTS`` (``serves_plain`` has seen
    it unset): set later, the next request takes the general form, which checks it."""
    app = _bare()
    client = app.test_client()
    assert client.get("/", headers={"Host": "evil.test"}).status_code == 200
    app.config["TRUSTED_HOSTS"] = ["good.test"]
    assert serves_plain(app, Kettle) is False
    assert client.get("/", headers={"Host": "evil.test"}).status_code == 400
    assert client.get("/", headers={"Host": "good.test"}).text == "index"


def test_the_plain_form_still_rejects_an_invalid_host() -> None:
    app = _bare()
    assert serves_plain(app, Kettle) is True
    response = app.test_client().get("/", headers={"Host": "a b"})
    assert (response.status_code, serves_plain(app, Kettle)) == (400, True)


def test_the_methods_answer_is_kept_with_the_attribute_dict() -> None:
    """``serves_plain`` keeps (class, ``app.__dict__``, its size, the app, whether its
    WSGI entry is Kettle's own) on the instance; a new attribute makes it look again and
    record the new size, and a ``wsgi_app`` of the instance's own (middleware) is seen."""
    app = _bare()
    assert serves_plain(app, Kettle) is True
    assert app._plain_as == (Kettle, app.__dict__, len(app.__dict__), app, True)
    app.extra = 1  # type: ignore[attr-defined]
    assert serves_plain(app, Kettle) is True
    assert app._plain_as == (Kettle, app.__dict__, len(app.__dict__), app, True)
    inner = app.wsgi_app
    app.wsgi_app = lambda environ, start_response: inner(environ, start_response)  # type: ignore[method-assign]
    assert serves_plain(app, Kettle) is True
    assert app._plain_as == (Kettle, app.__dict__, len(app.__dict__), app, False)


def test_a_copied_app_looks_at_its_own_methods() -> None:
    """``copy.copy(app)`` copies the kept answer with the attributes; a method then
    replaced on the copy must still take the copy off the plain form."""
    app = _bare()
    assert app.test_client().get("/").status_code == 200  # the answer is kept
    other = copy.copy(app)
    other.dispatch_request = lambda *args, **kwargs: "overridden"  # type: ignore[method-assign]
    assert serves_plain(other, Kettle) is False
    assert other.test_client().get("/").data == b"overridden"
    assert serves_plain(app, Kettle) is True


def test_a_request_seen_before_gets_its_path_and_method_as_attributes() -> None:
    """The plain form's request (of a class keeping ``Request.__init__``) matched by the
    matcher's look-up keeps its ``__dict__`` unread and holds the two values."""
    app = _bare()
    seen: list[tuple[str, str, dict[str, Any]]] = []
    app.view_functions["index"] = lambda: (
        seen.append((request.path, request.method, dict(vars(request)))) or "index"
    )
    client = app.test_client()
    assert [client.get("//").text, client.get("//").text] == ["index", "index"]
    assert [(path, method) for path, method, _ in seen] == [("/", "GET"), ("/", "GET")]
    assert {"path": "/", "method": "GET"}.items() <= seen[1][2].items()


def test_a_request_class_with_its_own_init_is_matched_on_what_it_caches() -> None:
    """A request class whose ``__init__`` may cache ``method`` is matched on it even after a
    request of the same path and method was matched by the matcher's look-up."""

    class Overriding(Kettle.request_class):  # type: ignore[name-defined,misc]
        def __init__(self, environ: dict[str, Any], *args: Any, **kwargs: Any) -> None:
            super().__init__(environ, *args, **kwargs)
            if "HTTP_X_METHOD" in environ:
                self.method = environ["HTTP_X_METHOD"]

    app = Kettle(__name__)
    app.request_class = Overriding
    app.add_url_rule("/", "get", lambda: "get", methods=["GET"])
    app.add_url_rule("/", "post", lambda: "post", methods=["POST"])
    client = app.test_client()
    assert client.get("/").text == "get"
    assert client.get("/").text == "get"
    assert client.get("/", headers={"X-Method": "POST"}).text == "post"


class _MarkingMeta(type):
    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        instance = super().__call__(*args, **kwargs)
        instance.made_by = "metaclass"
        return instance


def _request_classes() -> list[Any]:
    base = Kettle.request_class

    class Inherits(base):  # type: ignore[valid-type,misc]
        pass

    class OwnInit(base):  # type: ignore[valid-type,misc]
        def __init__(self, environ: dict[str, Any], *args: Any, **kwargs: Any) -> None:
            super().__init__(environ, *args, **kwargs)
            self.made_by = "init"

    class OwnNew(base):  # type: ignore[valid-type,misc]
        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            instance = super().__new__(cls)
            instance.made_by = "new"
            return instance

    class Metered(base, metaclass=_MarkingMeta):  # type: ignore[valid-type,misc]
        pass

    return [
        pytest.param(base, None, id="Request"),
        pytest.param(Inherits, None, id="subclass"),
        pytest.param(OwnInit, "init", id="own-__init__"),
        pytest.param(OwnNew, "new", id="own-__new__"),
        pytest.param(Metered, "metaclass", id="metaclass-__call__"),
    ]


@pytest.mark.parametrize(("request_class", "made_by"), _request_classes())
def test_the_plain_path_makes_the_request_as_calling_its_class_does(
    request_class: Any, made_by: str | None, make_client: Callable[[Kettle], KettleClient]
) -> None:
    """``push_plain`` makes a request of a class that keeps ``Request``'s construction
    without calling the class; what it makes must be what the call makes, and a class that
    constructs otherwise (``__init__``, ``__new__``, a metaclass ``__call__``) is called."""
    app = Kettle(__name__)
    app.request_class = request_class
    seen: list[Any] = []

    @app.route("/")
    def index() -> str:
        made = request._get_current_object()  # type: ignore[attr-defined]
        seen.append((made, made.environ["werkzeug.request"] is made))
        return "ok"

    with app.test_request_context("/"):
        expected = vars(request_class(request.environ.copy()))
    assert serves_plain(app, Kettle)
    assert make_client(app).get("/").text == "ok"
    ((made, registered),) = seen
    assert type(made) is request_class
    assert registered
    assert made.json_module is app.json
    assert getattr(made, "made_by", None) == made_by
    assert sorted(vars(made)) == sorted(
        {*expected, "json_module", "url_rule", "view_args", "path", "method"}
    )
    assert made.shallow is False
