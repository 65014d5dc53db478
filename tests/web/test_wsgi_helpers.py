"""Werkzeug-shaped WSGI helpers and middleware (kettle.web.wsgi, .middleware, .formdata,
.properties)."""

from __future__ import annotations

import io
import os

import pytest

from kettle.web.environ_builder import EnvironBuilder
from kettle.web.exceptions import ClientDisconnected, RequestEntityTooLarge, SecurityError
from kettle.web.formdata import FormDataParser, parse_form_data
from kettle.web.middleware import DispatcherMiddleware, SharedDataMiddleware
from kettle.web.properties import (
    ImportStringError,
    cached_property,
    environ_property,
    find_modules,
    header_property,
    import_string,
)
from kettle.web.streams import LimitedStream, get_input_stream
from kettle.web.wsgi import (
    ClosingIterator,
    append_slash_redirect,
    get_current_url,
    get_host,
    get_path_info,
    responder,
    run_wsgi_app,
    sansio_get_host,
)


def environ(path: str = "/", **kwargs) -> dict:
    return EnvironBuilder(None, path, **kwargs).get_environ()


@pytest.mark.parametrize(
    ("scheme", "header", "server", "expected"),
    [
        ("http", "example.org:80", None, "example.org"),
        ("https", "example.org:443", None, "example.org"),
        ("https", "example.org:80", None, "example.org:80"),
        ("http", None, ("::1", 8080), "[::1]:8080"),
        ("http", "bad host", None, ""),
        ("http", "example.org:99999", None, ""),
        ("https", "a.test:0443", None, ""),
    ],
)
def test_sansio_get_host(scheme, header, server, expected):
    assert sansio_get_host(scheme, header, server) == expected


def test_get_host_and_url_from_environ():
    env = environ("/a b/ü", base_url="http://example.org/app", query_string="q=1&x=%20")
    assert get_host(env) == "example.org"
    # As Werkzeug 3.1: the WSGI (latin-1) PATH_INFO is quoted as text, so a non-ASCII path
    # shows as its UTF-8 bytes read as latin-1 (werkzeug.wsgi.get_current_url does the same).
    assert get_current_url(env) == "http://example.org/app/a%20b/Ã¼?q=1&x=%20"
    assert get_current_url(env, root_only=True) == "http://example.org/app/"
    assert get_current_url(env, strip_querystring=True) == "http://example.org/app/a%20b/Ã¼"
    assert get_current_url(env, host_only=True) == "http://example.org/"
    assert get_path_info(env) == "/a b/ü"
    with pytest.raises(SecurityError):
        get_host(env, trusted_hosts=["other.org"])
    assert get_host(env, trusted_hosts=[".example.org"]) == "example.org"


def test_limited_stream():
    stream = LimitedStream(io.BytesIO(b"123456789"), 5)
    assert stream.read(3) == b"123"
    assert stream.read() == b"45"
    assert stream.read() == b""
    short = LimitedStream(io.BytesIO(b"12"), 5)
    with pytest.raises(ClientDisconnected):
        short.read()
    capped = LimitedStream(io.BytesIO(b"123456"), 3, is_max=True)
    assert capped.read(3) == b"123"
    with pytest.raises(RequestEntityTooLarge):
        capped.read(1)
    with pytest.raises(RequestEntityTooLarge):  # read() all of it: never a truncated body
        LimitedStream(io.BytesIO(b"123456"), 3, is_max=True).read()
    exact = LimitedStream(io.BytesIO(b"123"), 3, is_max=True)
    assert (exact.read(), exact.read(), exact.read(5)) == (b"123", b"", b"")


def test_get_input_stream():
    env = environ("/", method="POST", data=b"abcdef")
    assert get_input_stream(env).read() == b"abcdef"
    with pytest.raises(RequestEntityTooLarge):
        get_input_stream(env, max_content_length=3)
    env.pop("CONTENT_LENGTH")
    assert get_input_stream(env).read() == b""


def test_closing_iterator_and_run_wsgi_app():
    closed = []

    class Body:
        def __iter__(self):
            return iter([b"a", b"b"])

        def close(self):
            closed.append("body")

    def app(environ, start_response):
        start_response("201 CREATED", [("X-A", "1")])
        return ClosingIterator(Body(), lambda: closed.append("callback"))

    body, status, headers = run_wsgi_app(app, environ())
    assert (status, headers["X-A"]) == ("201 CREATED", "1")
    assert list(body) == [b"a", b"b"]
    body.close()
    assert closed == ["body", "callback"]
    body, status, headers = run_wsgi_app(app, environ(), buffered=True)
    assert body == [b"a", b"b"]


def test_responder_and_append_slash_redirect():
    @responder
    def app(environ, start_response):
        return append_slash_redirect(environ)

    _body, status, headers = run_wsgi_app(app, environ("/docs", query_string="a=1"))
    assert status == "308 PERMANENT REDIRECT"
    assert headers["Location"] == "docs/?a=1"


def test_dispatcher_middleware():
    def named(name):
        def app(environ, start_response):
            start_response("200 OK", [])
            return [f"{name}:{environ['SCRIPT_NAME']}:{environ['PATH_INFO']}".encode()]

        return app

    app = DispatcherMiddleware(named("main"), {"/api": named("api"), "/a/b": named("ab")})
    for path, expected in [
        ("/api/users/1", b"api:/api:/users/1"),
        ("/a/b", b"ab:/a/b:"),
        ("/other", b"main::/other"),
    ]:
        body, _status, _headers = run_wsgi_app(app, environ(path), buffered=True)
        assert b"".join(body) == expected


def test_shared_data_middleware(tmp_path):
    (tmp_path / "hello.txt").write_text("FOUND")

    def fallback(environ, start_response):
        start_response("404 NOT FOUND", [("Content-Type", "text/plain")])
        return [b"NOT FOUND"]

    app = SharedDataMiddleware(fallback, {"/static": str(tmp_path)})
    body, status, headers = run_wsgi_app(app, environ("/static/hello.txt"), buffered=True)
    assert status == "200 OK"
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert b"".join(body) == b"FOUND"
    etag = headers["Etag"]
    body, status, headers = run_wsgi_app(
        app, environ("/static/hello.txt", headers={"If-None-Match": etag}), buffered=True
    )
    assert status == "304 Not Modified"
    for path in ("/static/../secret", "/static/missing.txt", "/elsewhere"):
        body, status, headers = run_wsgi_app(app, environ(path), buffered=True)
        assert status == "404 NOT FOUND"


@pytest.mark.parametrize("kind", [list, dict])
def test_shared_data_exports_packages_and_non_ascii_names(tmp_path, kind):
    (tmp_path / "äöü").write_text("FOUND")

    def fallback(environ, start_response):
        start_response("404 NOT FOUND", [("Content-Type", "text/plain")])
        return [b"NOT FOUND"]

    exports = [("/pkg", ("kettle.realtime", "static")), ("/foo", str(tmp_path))]
    app = SharedDataMiddleware(fallback, kind(exports))
    body, status, headers = run_wsgi_app(app, environ("/foo/äöü"), buffered=True)
    assert (status, b"".join(body)) == ("200 OK", b"FOUND")
    body, status, headers = run_wsgi_app(app, environ("/pkg/kettle.js"), buffered=True)
    assert status == "200 OK"
    assert headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert b"".join(body).startswith(b"/* kettle.js:")
    for path in ("/missing", "/pkg", "/pkg/", "/pkg/missing.txt", "/pkg/../__init__.py"):
        body, status, headers = run_wsgi_app(app, environ(path), buffered=True)
        assert (status, b"".join(body)) == ("404 NOT FOUND", b"NOT FOUND")


def test_form_data_parser():
    env = environ("/", method="POST", data={"a": "1", "f": (io.BytesIO(b"xyz"), "f.txt")})
    _stream, form, files = parse_form_data(env)
    assert form["a"] == "1"
    assert files["f"].read() == b"xyz"
    files["f"].close()
    env = environ("/", method="POST", data={"a": "1"})
    with pytest.raises(RequestEntityTooLarge):
        FormDataParser(max_content_length=1).parse_from_environ(env)
    env = environ("/", method="POST", data=b"--nope", content_type="multipart/form-data")
    _stream, form, files = parse_form_data(env)
    assert (dict(form), dict(files)) == ({}, {})


def test_cached_and_dict_properties():
    class Thing:
        calls = 0

        def __init__(self):
            self.environ = {"PATH_INFO": "/x", "COUNT": "3"}
            self.headers = {}

        @cached_property
        def value(self):
            Thing.calls += 1
            return 42

        path = environ_property("PATH_INFO")
        count = environ_property("COUNT", 0, int, read_only=False)
        tag = header_property("X-Tag")

    thing = Thing()
    assert (thing.value, thing.value, Thing.calls) == (42, 42, 1)
    thing.value = 7
    assert thing.value == 7
    del thing.value
    assert (thing.value, Thing.calls) == (42, 2)
    assert (thing.path, thing.count) == ("/x", 3)
    with pytest.raises(AttributeError, match="read only"):
        thing.path = "/y"
    thing.environ["COUNT"] = "bad"
    assert thing.count == 0
    thing.tag = "t"
    assert thing.headers == {"X-Tag": "t"}
    assert repr(Thing.__dict__["path"]) == "<environ_property PATH_INFO>"


def test_import_helpers():
    assert import_string("os.path:join") is os.path.join
    assert import_string("os.path") is os.path
    assert import_string("os.nope", silent=True) is None
    with pytest.raises(ImportStringError, match=r"'os\.nope'"):
        import_string("os.nope")
    names = list(find_modules("kettle.compat.werkzeug.routing"))
    assert "kettle.compat.werkzeug.routing.rules" in names
    with pytest.raises(ValueError, match="not a package"):
        list(find_modules("os.path"))
