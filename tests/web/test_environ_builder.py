"""``EnvironBuilder.from_environ`` and ``EnvironBuilder.get_request`` (Werkzeug's API).

A builder made from an environ must rebuild that environ's request (line, host, script
root, query, headers, body stream); the request keys are compared with what Werkzeug's
``from_environ`` keeps from the same environ.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
import werkzeug.test

from kettle.web.app import Kettle
from kettle.web.environ_builder import EnvironBuilder
from kettle.web.wrappers import Request

# The keys both builders derive from the request itself.
REQUEST_KEYS = (
    "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "SERVER_NAME",
    "SERVER_PORT", "HTTP_HOST", "CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_X_TRACE",
    "HTTP_ACCEPT", "wsgi.url_scheme",
)  # fmt: skip

CASES = {
    "get": {"path": "/plain", "query_string": "a=1&b=2", "headers": {"Accept": "text/html"}},
    "post-body": {
        "path": "/up/ü",
        "base_url": "https://h.example:8443/root/",
        "method": "POST",
        "data": b"hello",
        "content_type": "text/plain",
        "headers": {"X-Trace": "abc"},
    },
    "script-root": {"path": "/x y", "base_url": "http://example.com/app", "method": "PUT"},
}


def _request_keys(environ: dict[str, Any]) -> dict[str, Any]:
    return {key: environ.get(key) for key in REQUEST_KEYS}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_from_environ_rebuilds_the_request_as_werkzeug_does(case: dict[str, Any]) -> None:
    original = EnvironBuilder(**case).get_environ()
    kettle_rebuilt = EnvironBuilder.from_environ(original)
    werkzeug_rebuilt = werkzeug.test.EnvironBuilder.from_environ(
        werkzeug.test.EnvironBuilder(**case).get_environ()
    )
    kettle_environ = kettle_rebuilt.get_environ()
    werkzeug_environ = werkzeug_rebuilt.get_environ()
    # Both measure the seekable wsgi.input they were given: an empty one is "0".
    assert _request_keys(kettle_environ) == _request_keys(werkzeug_environ)
    assert kettle_environ["wsgi.input"].read() == werkzeug_environ["wsgi.input"].read()


def test_from_environ_keeps_stream_and_request_keys_exactly() -> None:
    stream = io.BytesIO(b"a=1")
    environ = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "/sc",
        "PATH_INFO": "/p%3Fq/\xc3\xbc",  # a WSGI string: latin-1 carrying UTF-8 for "ü"
        "QUERY_STRING": "k=v",
        "SERVER_NAME": "ignored",
        "SERVER_PORT": "80",
        "HTTP_HOST": "example.org:8080",
        "HTTP_X_FORWARDED_FOR": "10.0.0.1",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": "3",
        "REMOTE_ADDR": "192.0.2.9",
        "wsgi.url_scheme": "http",
        "wsgi.input": stream,
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    builder = EnvironBuilder.from_environ(environ)
    rebuilt = builder.get_environ()
    for key in (
        "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "HTTP_HOST",
        "HTTP_X_FORWARDED_FOR", "CONTENT_TYPE", "CONTENT_LENGTH", "wsgi.url_scheme",
        "wsgi.input", "wsgi.errors", "wsgi.multithread",
    ):  # fmt: skip
        assert rebuilt[key] == environ[key], key
    assert (rebuilt["SERVER_NAME"], rebuilt["SERVER_PORT"]) == ("example.org", "8080")
    # Not a key of the request itself, and the builder has no default, as in Werkzeug.
    assert "REMOTE_ADDR" not in rebuilt


def test_from_environ_kwargs_override() -> None:
    environ = EnvironBuilder(path="/a", method="GET", headers={"X-Trace": "1"}).get_environ()
    rebuilt = EnvironBuilder.from_environ(environ, method="DELETE", path="/b").get_environ()
    assert (rebuilt["REQUEST_METHOD"], rebuilt["PATH_INFO"], rebuilt["HTTP_X_TRACE"]) == (
        "DELETE",
        "/b",
        "1",
    )


def test_get_request_with_class() -> None:
    builder = EnvironBuilder(path="/search", query_string="q=tea", method="POST", data={"x": "1"})
    request = builder.get_request(Request)
    assert type(request) is Request
    assert (request.method, request.path, request.args["q"], request.form["x"]) == (
        "POST",
        "/search",
        "tea",
        "1",
    )


def test_get_request_uses_the_apps_request_class() -> None:
    class MyRequest(Request):
        pass

    app = Kettle(__name__)
    app.request_class = MyRequest
    request = EnvironBuilder(app, path="/here").get_request()
    assert type(request) is MyRequest
    assert request.url == "http://localhost/here"


def test_get_request_uses_class_attribute() -> None:
    class Builder(EnvironBuilder):
        request_class = Request

    request = Builder(path="/x").get_request()
    assert type(request) is Request
    assert request.path == "/x"


def test_get_request_without_any_class_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="needs a request class"):
        EnvironBuilder(path="/x").get_request()
