"""Behaviour Flask extensions rely on, checked against Flask 3.1 / Werkzeug 3.1 in the same
run where both can do the same thing: class-based view names, ``Rule`` text and defaults,
the context proxies' ``__wrapped__``, ``Response.iter_encoded``/``make_conditional``, a
plain dict assigned to ``response.headers`` and ``WWWAuthenticate.to_header``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import flask
import flask.views
import pytest
import werkzeug.datastructures
import werkzeug.routing
import werkzeug.wrappers

import kettle
from kettle.http.auth import WWWAuthenticate
from kettle.web.app import Kettle
from kettle.web.blueprints import Blueprint
from kettle.web.globals import current_app, g, request, session
from kettle.web.routing import Rule
from kettle.web.templating import _default_template_ctx_processor
from kettle.web.views import MethodView, View
from kettle.web.wrappers import Response

# -- View.as_view -----------------------------------------------------------------------------


def _recording_decorator(seen: list[tuple[str, str]]) -> Callable[..., Any]:
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        seen.append((view.__name__, view.__module__))

        @functools.wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            return view(**kwargs)

        return wrapper

    return decorator


def _named_views(view_base: type, decorator: Callable[..., Any]) -> Callable[..., Any]:
    class Index(view_base):  # type: ignore[valid-type,misc]
        """The index page."""

        decorators = [decorator]

        def dispatch_request(self) -> str:
            return "index"

    result: Callable[..., Any] = Index.as_view("index_page")
    return result


def test_as_view_names_the_view_before_its_decorators_see_it() -> None:
    ours: list[tuple[str, str]] = []
    theirs: list[tuple[str, str]] = []
    view = _named_views(View, _recording_decorator(ours))
    flask_view = _named_views(flask.views.View, _recording_decorator(theirs))
    assert ours == theirs == [("index_page", __name__)]
    for name in ("__name__", "__module__", "__doc__", "__qualname__"):
        assert getattr(view, name) == getattr(flask_view, name), name
    assert view.__name__ == "index_page"
    assert view.__doc__ == "The index page."


def test_as_view_without_decorators_keeps_flask_names() -> None:
    class Items(MethodView):
        def get(self) -> str:
            return "items"

    class FlaskItems(flask.views.MethodView):
        def get(self) -> str:
            return "items"

    view, flask_view = Items.as_view("items"), FlaskItems.as_view("items")
    assert (view.__name__, view.__qualname__) == (flask_view.__name__, flask_view.__qualname__)
    assert view.__name__ == "items"
    app = Kettle(__name__)
    app.add_url_rule("/items", view_func=view)
    assert app.test_client().get("/items").text == "items"


# -- Rule ---------------------------------------------------------------------------------------


def test_str_of_a_rule_is_its_text() -> None:
    rule = Rule("/users/<int:user_id>", endpoint="user")
    assert str(rule) == "/users/<int:user_id>" == str(werkzeug.routing.Rule(rule.rule))
    assert repr(rule) == "<Rule '/users/<int:user_id>' -> user>"


def _defaults_by_endpoint(app: Any, blueprint_class: type) -> dict[str, Any]:
    bp = blueprint_class("bp", __name__, url_prefix="/bp")
    bp.add_url_rule("/plain", "plain", lambda: "")
    bp.add_url_rule("/page", "page", lambda page: "", defaults={"page": 1})
    app.register_blueprint(bp)
    app.add_url_rule("/app", "app_rule", lambda: "")
    app.add_url_rule("/app/<int:page>", "app_page", lambda page: "", defaults={"page": 2})
    return {rule.endpoint: rule.defaults for rule in app.url_map.iter_rules()}


def test_rule_defaults_match_flask_on_app_and_blueprint_routes() -> None:
    ours = _defaults_by_endpoint(Kettle(__name__, static_folder=None), Blueprint)
    theirs = _defaults_by_endpoint(flask.Flask(__name__, static_folder=None), flask.Blueprint)
    assert ours == theirs
    assert ours == {
        "bp.plain": {},
        "bp.page": {"page": 1},
        "app_rule": None,
        "app_page": {"page": 2},
    }


def test_blueprint_route_with_empty_defaults_still_routes_and_builds() -> None:
    app = Kettle(__name__)
    bp = Blueprint("bp", __name__)
    bp.add_url_rule("/x/<name>", "x", lambda name: f"x={name}")
    app.register_blueprint(bp)
    with app.test_request_context():
        assert app.url_for("bp.x", name="a") == "/x/a"
    assert app.test_client().get("/x/b").text == "x=b"


# -- context proxies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "proxy", [current_app, g, request, session], ids=["current_app", "g", "request", "session"]
)
def test_proxies_have_wrapped_outside_a_context_as_werkzeug(proxy: Any) -> None:
    assert hasattr(flask.current_app, "__wrapped__")  # what Flask gives, in this same run
    assert hasattr(proxy, "__wrapped__")
    assert callable(proxy.__wrapped__)


def test_proxy_wrapped_inside_a_context_is_the_objects_own() -> None:
    app = Kettle(__name__)
    flask_app = flask.Flask(__name__)
    with app.app_context(), flask_app.app_context():
        assert hasattr(current_app, "__wrapped__") is hasattr(flask.current_app, "__wrapped__")
        assert hasattr(current_app, "__wrapped__") is False
    wrapped = functools.wraps(len)(lambda value: 0)
    with app.app_context():
        g.fn = wrapped
        assert g.fn.__wrapped__ is len


# -- Response ---------------------------------------------------------------------------------


def _compress_like_flask_compress(response: Any) -> list[bytes]:
    """What Flask-Compress does: replace the body with a wrapper of ``iter_encoded()``."""
    chunks = response.iter_encoded()
    response.response = (chunk.upper() for chunk in chunks)
    return list(response.response)


@pytest.mark.parametrize("response_class", [Response, werkzeug.wrappers.Response])
def test_iter_encoded_takes_the_body_when_called(response_class: type) -> None:
    response = response_class(iter(["ab", b"cd", "é"]))
    assert _compress_like_flask_compress(response) == [b"AB", b"CD", "é".encode().upper()]


def test_make_conditional_accepts_a_request_the_proxy_or_an_environ() -> None:
    app = Kettle(__name__)
    etag = '"v1"'
    headers = {"If-None-Match": etag}
    with app.test_request_context("/", headers=headers) as ctx:
        for target in (request, ctx.request, ctx.request.environ):
            response = Response("body")
            response.set_etag("v1")
            assert response.make_conditional(target).status_code == 304
            assert response.headers["ETag"] == etag


def test_a_plain_dict_assigned_to_headers_is_sent_as_headers() -> None:
    app = Kettle(__name__)

    @app.route("/")
    def index() -> Response:
        response = Response("hello")
        response.headers = {"X-One": "1", "Content-Type": "text/plain"}  # type: ignore[assignment]
        return response

    response = app.test_client().get("/")
    assert response.headers["X-One"] == "1"
    assert response.headers["Content-Type"] == "text/plain"
    assert response.headers["Content-Length"] == "5"
    assert response.text == "hello"
    ours = Response("hello")
    ours.headers = {"X-One": "1"}  # type: ignore[assignment]
    theirs = werkzeug.wrappers.Response("hello")
    theirs.headers = {"X-One": "1"}  # type: ignore[assignment]
    assert ours.get_wsgi_headers({}).to_wsgi_list() == list(
        theirs.get_wsgi_headers({}).to_wsgi_list()
    )
    assert isinstance(ours.headers, type(Response().headers))


# -- WWWAuthenticate ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("auth_type", "parameters", "expected"),
    [
        ("basic", {"realm": "x"}, "Basic realm=x"),
        ("basic", {"realm": "My App"}, 'Basic realm="My App"'),
        ("basic", {"realm": ""}, 'Basic realm=""'),
        (
            "digest",
            {"realm": "r", "nonce": "n", "stale": "TRUE", "algorithm": "MD5", "qop": "auth"},
            'Digest realm="r", nonce="n", stale=TRUE, algorithm=MD5, qop="auth"',
        ),
        (
            "bearer",
            {"error": "invalid_token", "error_description": "expired token"},
            'Bearer error=invalid_token, error_description="expired token"',
        ),
        ("newauth", {"stale": "TRUE", "flag": None}, "Newauth stale=TRUE, flag"),
    ],
    ids=["basic-token", "basic-quoted", "basic-empty", "digest", "bearer", "bare-key"],
)
def test_www_authenticate_to_header_as_werkzeug(
    auth_type: str, parameters: dict[str, str | None], expected: str
) -> None:
    assert WWWAuthenticate(auth_type, parameters).to_header() == expected
    theirs = werkzeug.datastructures.WWWAuthenticate(auth_type, parameters)
    assert theirs.to_header() == expected


# -- template context processors ----------------------------------------------------------------


def _processor_names(app: Any, blueprint_class: type) -> dict[str | None, list[str]]:
    bp = blueprint_class("bp", __name__)

    @bp.context_processor
    def bp_values() -> dict[str, Any]:
        return {"where": "bp"}

    app.register_blueprint(bp)
    return {
        key: [function.__name__ for function in functions]
        for key, functions in app.template_context_processors.items()
    }


def test_template_context_processors_start_with_flasks_default() -> None:
    fresh = Kettle(__name__).template_context_processors
    assert dict(fresh) == {None: [_default_template_ctx_processor]}
    ours = _processor_names(Kettle(__name__), Blueprint)
    theirs = _processor_names(flask.Flask(__name__), flask.Blueprint)
    assert ours == theirs
    assert ours == {
        None: ["_default_template_ctx_processor"],
        "bp": ["_default_template_ctx_processor", "bp_values"],
    }


_TEMPLATE = "{{ g.name }} {{ request.path }} {{ extra|default('-') }} {{ g.__class__.__name__ }}"


def _rendered(app: Any, module: Any, processor: bool, **context: Any) -> str:
    if processor:
        app.context_processor(lambda: {"extra": "from processor", "g": "a string"})
    with app.test_request_context("/page"):
        module.g.name = "ana"
        result: str = module.render_template_string(_TEMPLATE, **context)
        return result


@pytest.mark.parametrize("processor", [False, True], ids=["default-only", "with-processor"])
def test_rendering_with_the_default_processor_matches_flask(processor: bool) -> None:
    ours = _rendered(Kettle(__name__), kettle, processor)
    theirs = _rendered(flask.Flask(__name__), flask, processor)
    # The default processor puts the real g (not its proxy) in the context; a processor of
    # the app's own runs after it and may replace it.
    expected = " /page from processor str" if processor else "ana /page - _AppCtxGlobals"
    assert ours == theirs == expected
    overridden = _rendered(Kettle(__name__), kettle, processor, g=SimpleNamespace(name="own"))
    assert overridden.startswith("own /page")
