"""Werkzeug behaviours of Kettle's request/response objects that Werkzeug's suite checks
(each is also in compat/werkzeug/run; these are the plain exact tests)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from kettle.http.auth import WWWAuthenticate
from kettle.http.fieldutils import COEP, COOP
from kettle.http.headers import Headers, HeaderSet
from kettle.web.environ_builder import EnvironBuilder
from kettle.web.exceptions import SecurityError
from kettle.web.parts_request import PartsRequest
from kettle.web.plain_response import PlainResponse
from kettle.web.testing import KettleClient
from kettle.web.utils import host_is_trusted
from kettle.web.wrappers import Request, Response, redirect
from kettle.web.wsgi import RangeWrapper


def test_plain_response_is_werkzeugs_default_and_the_family_base():
    assert PlainResponse("x").mimetype == "text/plain"
    assert repr(PlainResponse()) == "<Response 0 bytes [200 OK]>"
    assert isinstance(Response("x"), PlainResponse)
    assert issubclass(Response, PlainResponse)

    class Special(PlainResponse):
        pass

    assert not isinstance(Response("x"), Special)
    assert isinstance(Special(), Special) and not issubclass(Response, Special)


def test_response_header_properties():
    response = Response()
    assert response.cross_origin_opener_policy is COOP.UNSAFE_NONE
    assert response.cross_origin_embedder_policy is COEP.UNSAFE_NONE
    response.cross_origin_opener_policy = COOP.SAME_ORIGIN
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.cross_origin_opener_policy is COOP.SAME_ORIGIN
    response.date = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert response.headers["Date"] == "Tue, 02 Jan 2024 03:04:05 GMT"
    response.date = None
    assert "Date" not in response.headers
    response.www_authenticate = WWWAuthenticate("basic", {"realm": "site"})
    assert response.headers["WWW-Authenticate"] == "Basic realm=site"  # a token: bare
    response.www_authenticate = None
    assert "WWW-Authenticate" not in response.headers
    response.mimetype = "text/html"
    response.mimetype_params["x-foo"] = "yep"
    del response.mimetype_params["charset"]
    assert response.content_type == "text/html; x-foo=yep"


def test_freeze_adds_an_etag():
    response = Response("Hello World")
    response.freeze()
    assert response.get_etag() == ("0a4d55a8d778e5022fab701977c5d840bbc486d0", False)
    assert response.headers["Content-Length"] == "11"


def test_autocorrect_location_header():
    environ = EnvironBuilder(None, "/a/b", base_url="https://example.org/app").get_environ()
    response = redirect("c", 302)
    assert response.get_wsgi_headers(environ)["Location"] == "c"
    response.autocorrect_location_header = True
    assert response.get_wsgi_headers(environ)["Location"] == "https://example.org/app/a/c"


def test_request_trusted_hosts():
    environ = EnvironBuilder(None, "/", base_url="http://evil.example").get_environ()
    request = Request(environ)
    request.trusted_hosts = [".example.org"]
    with pytest.raises(SecurityError, match="not trusted"):
        _ = request.host
    good = Request(EnvironBuilder(None, "/", base_url="http://a.example.org:8080").get_environ())
    good.trusted_hosts = [".example.org"]
    assert good.host == "a.example.org:8080"


@pytest.mark.parametrize(
    ("host", "trusted", "expected"),
    [
        ("example.org:8080", [".example.org:8080"], True),
        ("example.org", ["example.org:443"], True),
        ("a.example.org", [".example.org"], True),
        ("badexample.org", [".example.org"], False),
        ("[::1]:80", ["[::1]"], True),
        ("example.com", ["example.org"], False),
    ],
)
def test_host_is_trusted_ignores_ports(host, trusted, expected):
    assert host_is_trusted(host, trusted) is expected


def test_header_set_compares_with_sets():
    assert HeaderSet(["X-A", "x-b"]) == {"x-a", "X-B"}
    assert HeaderSet(["a"]) != {"a", "b"}
    assert HeaderSet(["a", "B"]) == HeaderSet(["b", "A"])


def test_client_opens_a_request_object_as_is():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ["REMOTE_ADDR"].encode()]

    environ = EnvironBuilder(None, "/", environ_base={"REMOTE_ADDR": "10.0.0.9"}).get_environ()
    response = KettleClient(app).open(Request(environ))
    assert response.get_data() == b"10.0.0.9"


@pytest.mark.parametrize("seekable", [True, False])
def test_range_wrapper(seekable):
    data = b"0123456789"

    class Chunks:
        def __init__(self):
            self.stream = io.BytesIO(data)

        def __iter__(self):
            return self

        def __next__(self):
            chunk = self.stream.read(3)
            if not chunk:
                raise StopIteration
            return chunk

        def seekable(self):
            return seekable

        def seek(self, offset):
            self.stream.seek(offset)

        def tell(self):
            return self.stream.tell()

    assert b"".join(RangeWrapper(Chunks(), 2, 5)) == b"23456"
    assert b"".join(RangeWrapper(Chunks(), 7)) == b"789"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (Headers({"Transfer-Encoding": "chunked", "Content-Length": "6"}), None),
        (Headers({"Content-Length": "6"}), 6),
        (Headers({"Content-Length": "-6"}), 0),
        (Headers({"Content-Length": "1_23"}), 0),
        (Headers(), None),
    ],
)
def test_parts_request_content_length(headers, expected):
    request = PartsRequest("POST", "http", None, "", "", b"", headers, None)
    assert request.content_length == expected


def test_parts_request_from_parts():
    headers = Headers([("Cookie", "a=b"), ("Host", "example.org"), ("Cookie", "a=c")])
    request = PartsRequest(
        "get", "https", ("example.org", 443), "/app", "/p/ü", b"x=1&x=2", headers, "10.0.0.1"
    )
    assert request.cookies.getlist("a") == ["b", "c"]
    assert (request.method, request.path, request.args.getlist("x")) == ("GET", "/p/ü", ["1", "2"])
    assert request.url == "https://example.org/app/p/ü?x=1&x=2"
    assert request.remote_addr == "10.0.0.1"
    assert request.get_data() == b""


def test_client_response_wrapper_and_raw_uri():
    class Custom(Response):
        pass

    def app(environ, start_response):
        start_response("200 OK", [])
        return [f"{environ['REQUEST_URI']}|{environ['RAW_URI']}".encode()]

    response = KettleClient(app, Custom).get("/hello%2fworld?a=b")
    assert isinstance(response, Custom) and type(response) is not Custom
    assert response.get_data() == b"/hello%2fworld?a=b|/hello%2fworld?a=b"
    assert "Content-Type" not in response.headers  # the app sent none; none is added


def test_builder_mimetype_gets_a_charset_for_text():
    builder = EnvironBuilder(None, "/", data=b"x", mimetype="text/css")
    assert builder.get_environ()["CONTENT_TYPE"] == "text/css; charset=utf-8"
    builder = EnvironBuilder(None, "/", data=b"x", mimetype="application/octet-stream")
    assert builder.get_environ()["CONTENT_TYPE"] == "application/octet-stream"


@pytest.mark.parametrize(("code", "method"), [(302, "GET"), (307, "POST")])
def test_followed_redirect_keeps_the_request_headers(code, method):
    def app(environ, start_response):
        if environ["PATH_INFO"] == "/start":
            start_response(f"{code} X", [("Location", "http://localhost/end")])
            return [b""]
        start_response("200 OK", [])
        return [f"{environ['REQUEST_METHOD']} {environ.get('HTTP_X_FOO')}".encode()]

    response = KettleClient(app).post(
        "/start", data={"a": "1"}, headers={"X-Foo": "bar"}, follow_redirects=True
    )
    assert response.get_data() == f"{method} bar".encode()
    assert [r.status_code for r in response.history] == [code]


def test_external_redirects_are_not_followed():
    def app(environ, start_response):
        start_response("302 FOUND", [("Location", "http://elsewhere.example/")])
        return [b""]

    with pytest.raises(RuntimeError, match="external redirects is not supported"):
        KettleClient(app).get("/", follow_redirects=True)
