"""Shortcuts of the app layer checked against the behaviour they stand for.

- ``make_response`` of a view's text (a ``str``) makes what the general path makes, and
  a response class with its own ``__init__`` still gets Flask's call
  (``response_class(text, status=None, headers=None)``).
- ``update_template_context``'s check for an app with only Flask's default context
  processor sees the table as it is at each render.
- ``jsonify`` calls a response class with its own ``__init__`` as Flask does
  (``mimetype=``).
- The request's cached properties are stored in the instance dict when first read; a
  request class with its own ``__setattr__`` is not asked, as Werkzeug's is not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask

import kettle
from kettle.web.app import Kettle
from kettle.web.request import Request
from kettle.web.testing import EnvironBuilder
from kettle.web.wrappers import Response


def _text_views(app: Any) -> None:
    @app.route("/text")
    def text() -> str:
        return "héllo"

    @app.route("/empty")
    def empty() -> str:
        return ""


def test_view_text_matches_flask() -> None:
    kettle_app = Kettle(__name__)
    flask_app = flask.Flask(__name__)
    _text_views(kettle_app)
    _text_views(flask_app)
    for path in ("/text", "/empty"):
        mine = kettle_app.test_client().get(path)
        theirs = flask_app.test_client().get(path)
        assert (mine.status, mine.data) == (theirs.status, theirs.data)
        assert sorted(mine.headers.items()) == sorted(theirs.headers.items())


def test_make_response_text_is_the_general_response() -> None:
    app = Kettle(__name__)
    with app.test_request_context():
        response = app.make_response("héllo")
        assert type(response) is Response
        assert response.status == "200 OK"
        assert response.get_data() == "héllo".encode()
        assert list(response.headers.items()) == [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", "6"),
        ]
        # A str subclass, a tuple and bytes take the general path, unchanged.
        assert app.make_response(("x", 201)).status == "201 CREATED"
        assert app.make_response(b"raw").get_data() == b"raw"


def _recording(calls: list[tuple[Any, dict[str, Any]]]) -> Callable[[type], type]:
    """A maker of response subclasses whose own ``__init__`` notes its arguments in
    ``calls`` before calling the class's."""

    def record(kind: type) -> type:
        class Recording(kind):  # type: ignore[valid-type,misc]
            def __init__(self, response: Any = None, **kwargs: Any) -> None:
                calls.append((response, kwargs))
                super().__init__(response, **kwargs)

        return Recording

    return record


def test_make_response_text_calls_a_custom_init_as_flask_does() -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    record = _recording(calls)

    for app in (Kettle(__name__), flask.Flask(__name__)):
        app.response_class = record(type(app).response_class)
        with app.test_request_context():
            assert app.make_response("héllo").get_data() == "héllo".encode()
    assert calls == [("héllo", {"status": None, "headers": None})] * 2


def test_jsonify_calls_a_custom_init_as_flask_does() -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    record = _recording(calls)

    for app, module in ((Kettle(__name__), kettle), (flask.Flask(__name__), flask)):
        with app.test_request_context():
            assert type(module.jsonify([1])) is type(app).response_class
        app.response_class = record(type(app).response_class)
        with app.test_request_context():
            response = module.jsonify({"b": [1, 2]})
            assert type(response) is app.response_class
            assert (response.mimetype, response.get_data()) == (
                "application/json",
                b'{"b":[1,2]}\n',
            )
    assert calls == [('{"b":[1,2]}\n', {"mimetype": "application/json"})] * 2


def test_cached_request_properties_are_stored_once() -> None:
    request = Request(EnvironBuilder(query_string="a=1&b=2").get_environ())
    assert "args" not in vars(request)
    args = request.args
    assert vars(request)["args"] is args
    assert request.args is args
    assert args.to_dict() == {"a": "1", "b": "2"}


def test_cached_request_properties_skip_a_custom_setattr() -> None:
    stored: list[str] = []

    class Guarded(Request):
        def __setattr__(self, name: str, value: Any) -> None:
            stored.append(name)
            super().__setattr__(name, value)

    request = Guarded(EnvironBuilder(query_string="q=5").get_environ())
    stored.clear()
    assert request.args["q"] == "5"
    assert "args" in vars(request)
    assert "args" not in stored  # as Werkzeug: the cache writes the instance dict


def _renders_after_replacing_the_default(app: Any, module: Any) -> list[str]:
    template = "{{ who|default('-') }} {{ g.name|default('-') }}"
    with app.test_request_context("/"):
        module.g.name = "ana"
        seen = [module.render_template_string(template)]
        app.template_context_processors[None][0] = lambda: {"who": "own"}
        seen.append(module.render_template_string(template))
        app.template_context_processors[None].append(lambda: {"who": "later", "g": None})
        seen.append(module.render_template_string(template))
        return seen


def test_a_processor_replacing_the_default_in_place_is_called() -> None:
    """The default-only check sees the table as it is at each render: a processor put in
    the default's place (the list keeps its length) or added later runs."""
    ours = _renders_after_replacing_the_default(Kettle(__name__), kettle)
    theirs = _renders_after_replacing_the_default(flask.Flask(__name__), flask)
    assert ours == theirs == ["- ana", "own ana", "later -"]
