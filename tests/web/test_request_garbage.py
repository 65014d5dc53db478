"""A served request leaves no reference cycle behind: its environ and request object are
freed when the response is done, without the cyclic garbage collector. As Flask does, the
environ's ``werkzeug.request`` is set to None when the request context is popped (unless
the request ended in an error: the debug page reads it then)."""

from __future__ import annotations

import gc
from typing import Any

import flask
import pytest

from kettle.web.app import Kettle
from kettle.web.wrappers import Response


def _environ(path: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET", "SERVER_NAME": "h", "SERVER_PORT": "80", "HTTP_HOST": "h",
        "PATH_INFO": path, "QUERY_STRING": "", "wsgi.url_scheme": "http",
    }  # fmt: skip


def _call(app: Any, path: str) -> tuple[str, bytes, dict[str, Any]]:
    environ = _environ(path)
    sent: list[str] = []
    body = app.wsgi_app(environ, lambda status, headers, exc_info=None: sent.append(status))
    data = b"".join(body)
    getattr(body, "close", lambda: None)()
    return sent[0], data, environ


def _build(cls: type, form: str) -> Any:
    app = cls(__name__)

    @app.route("/text")
    def text() -> Any:
        return Response("hello", mimetype="text/plain") if cls is Kettle else "hello"

    @app.route("/json")
    def json() -> Any:
        return {"message": "hello"}

    if form == "general":
        app.before_request(lambda: None)
    return app


@pytest.mark.parametrize("form", ["plain", "general"])
@pytest.mark.parametrize("path", ["/text", "/json"])
def test_the_environ_forgets_its_request_as_flask_does(form: str, path: str) -> None:
    for cls in (Kettle, flask.Flask):
        status, _, environ = _call(_build(cls, form), path)
        assert (status, environ["werkzeug.request"]) == ("200 OK", None), cls


@pytest.mark.parametrize("form", ["plain", "general"])
@pytest.mark.parametrize("path", ["/text", "/json"])
def test_a_request_leaves_no_cycle(form: str, path: str) -> None:
    app = _build(Kettle, form)
    _call(app, path)  # first request: whatever is made once per app
    gc.collect()
    gc.disable()
    try:
        results = [_call(app, path)[:2] for _ in range(3)]
        unreachable = gc.collect()
    finally:
        gc.enable()
    expected = b"hello" if path == "/text" else b'{"message":"hello"}\n'
    assert results == [("200 OK", expected)] * 3
    assert unreachable == 0
