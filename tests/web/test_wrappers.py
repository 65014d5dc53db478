"""Request and Response (kettle.web.wrappers): Werkzeug's public API, exact values."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kettle.http.auth import WWWAuthenticate
from kettle.http.multidict import CombinedMultiDict, ImmutableMultiDict
from kettle.http.structures import ImmutableList
from kettle.web.app import Kettle
from kettle.web.exceptions import (
    BadRequest,
    BadRequestKeyError,
    ClientDisconnected,
    HTTPException,
    NotFound,
    RequestEntityTooLarge,
    UnsupportedMediaType,
)
from kettle.web.streams import LimitedStream
from kettle.web.wrappers import Request, Response, redirect

from .http_harness import build_environ, run  # noqa: F401 (fixture)


def make(**kwargs: Any) -> Request:
    return Request(build_environ(**kwargs))


def test_url_attributes() -> None:
    environ = build_environ(path="/pä th", query="a=1&b=%C3%A9&a=2")
    environ["SCRIPT_NAME"] = "/app"
    environ["HTTP_HOST"] = "Example.com:8080"
    r = Request(environ)
    assert r.method == "GET"
    assert r.path == "/pä th"
    assert r.full_path == "/pä th?a=1&b=%C3%A9&a=2"
    assert r.script_root == "/app"
    assert r.host == "Example.com:8080"
    # URLs are IRIs with a lower-cased host, as Werkzeug makes them.
    assert r.host_url == "http://example.com:8080/"
    assert r.url_root == "http://example.com:8080/app/"
    assert r.base_url == "http://example.com:8080/app/pä%20th"
    assert r.url == "http://example.com:8080/app/pä%20th?a=1&b=é&a=2"
    assert r.query_string == b"a=1&b=%C3%A9&a=2"
    assert r.args.getlist("a") == ["1", "2"]
    assert r.args["b"] == "é"
    assert r.scheme == "http" and not r.is_secure
    assert r.remote_addr == "127.0.0.1"
    assert repr(r) == "<Request 'http://example.com:8080/app/pä%20th?a=1&b=é&a=2' [GET]>"


def test_host_without_header_and_default_ports() -> None:
    environ = build_environ()
    del environ["HTTP_HOST"]
    environ["SERVER_PORT"] = "8000"
    assert Request(environ).host == "localhost:8000"
    environ = build_environ(headers={"Host": "x.org:80"})
    assert Request(environ).host == "x.org"
    environ = build_environ(headers={"Host": "x.org:443"})
    environ["wsgi.url_scheme"] = "https"
    assert Request(environ).host == "x.org"


def test_missing_keys_are_bad_request() -> None:
    r = make()
    for mapping in (r.args, r.form, r.cookies, r.files, r.values):
        with pytest.raises(BadRequestKeyError) as info:
            mapping["nope"]
        assert info.value.code == 400
        assert isinstance(info.value, KeyError)
    with pytest.raises(BadRequestKeyError):
        r.headers["X-Nope"]


def test_headers_cookies_accept_authorization() -> None:
    token = base64.b64encode(b"ann:pw").decode()
    r = make(
        headers={
            "Cookie": 'session=abc; theme="dark mode"',
            "Accept": "application/json, text/html;q=0.8",
            "Accept-Language": "de, en;q=0.5",
            "Authorization": f"Basic {token}",
            "User-Agent": "curl/8",
            "If-None-Match": '"v1"',
            "Range": "bytes=0-9",
        }
    )
    assert r.cookies.to_dict() == {"session": "abc", "theme": "dark mode"}
    assert r.headers["user-agent"] == "curl/8"
    assert r.accept_mimetypes.best == "application/json"
    assert r.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
    assert r.accept_languages.best_match(["en", "de"]) == "de"
    assert r.authorization is not None
    assert (r.authorization.username, r.authorization.password) == ("ann", "pw")
    assert r.user_agent.string == "curl/8"
    assert r.if_none_match.contains("v1")
    assert r.range is not None and r.range.ranges == [(0, 10)]


def test_form_and_values() -> None:
    r = make(
        method="POST",
        query="q=1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=b"name=ann&q=2",
    )
    assert r.form.to_dict() == {"name": "ann", "q": "2"}
    assert r.values.getlist("q") == ["1", "2"]
    assert r.values["name"] == "ann"
    assert r.content_length == 12
    assert r.mimetype == "application/x-www-form-urlencoded"
    assert r.get_data() == b""  # the form consumed the body
    get = make(query="q=1")
    assert get.values.to_dict() == {"q": "1"}


def test_multipart_upload_through_request() -> None:
    body = (
        b'--b\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nhello\r\n--b\r\n"
        b'Content-Disposition: form-data; name="t"\r\n\r\nv\r\n--b--\r\n'
    )
    with make(
        method="POST", headers={"Content-Type": "multipart/form-data; boundary=b"}, body=body
    ) as r:
        assert r.form.to_dict() == {"t": "v"}
        upload = r.files["f"]
        assert (upload.filename, upload.content_type, upload.read()) == (
            "a.txt",
            "text/plain",
            b"hello",
        )


def test_malformed_form_is_empty() -> None:
    r = make(
        method="POST",
        headers={"Content-Type": "multipart/form-data; boundary=b"},
        body=b"--b\r\nbroken",
    )
    assert r.form.to_dict() == {} and r.files.to_dict() == {}


def test_limits_raise_413() -> None:
    r = make(method="POST", headers={"Content-Type": "text/plain"}, body=b"x" * 100)
    r.max_content_length = 10
    with pytest.raises(RequestEntityTooLarge):
        r.get_data()
    r = make(
        method="POST",
        headers={"Content-Type": "multipart/form-data; boundary=b"},
        body=b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n'
        + b"x" * 100
        + b"\r\n--b--\r\n",
    )
    r.max_form_memory_size = 10
    with pytest.raises(RequestEntityTooLarge):
        r.form  # noqa: B018


def test_chunked_body_over_limit_is_413() -> None:
    environ = build_environ(method="POST", headers={"Content-Type": "text/plain"}, body=b"x" * 50)
    del environ["CONTENT_LENGTH"]
    environ["wsgi.input_terminated"] = True
    r = Request(environ)
    r.max_content_length = 20
    with pytest.raises(RequestEntityTooLarge):
        r.get_data()


def test_data_and_json() -> None:
    r = make(method="POST", headers={"Content-Type": "application/json"}, body=b'{"a": [1, 2]}')
    assert r.is_json
    assert r.json == {"a": [1, 2]}
    assert r.get_json() is r.get_json()
    assert r.data == b'{"a": [1, 2]}'
    assert r.get_data(as_text=True) == '{"a": [1, 2]}'
    vendor = make(method="POST", headers={"Content-Type": "application/vnd.x+json"}, body=b"1")
    assert vendor.is_json and vendor.json == 1


def test_json_errors() -> None:
    not_json = make(method="POST", headers={"Content-Type": "text/plain"}, body=b"{}")
    with pytest.raises(UnsupportedMediaType):
        not_json.get_json()
    assert not_json.get_json(silent=True) is None
    assert not_json.get_json(force=True) == {}
    broken = make(method="POST", headers={"Content-Type": "application/json"}, body=b"{nope")
    assert broken.get_json(silent=True) is None
    with pytest.raises(BadRequest, match="Failed to decode JSON object"):
        broken.get_json()


def test_response_basics() -> None:
    r = Response("héllo")
    assert r.status == "200 OK"
    assert r.status_code == 200
    assert r.headers.to_wsgi_list() == [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", "6"),
    ]
    assert r.data == "héllo".encode()
    assert r.get_data(as_text=True) == "héllo"
    r.status_code = 404
    assert r.status == "404 NOT FOUND"
    r.status = "299 Custom"
    assert (r.status_code, r.status) == (299, "299 Custom")
    r.status = 201
    assert r.status == "201 CREATED"
    r.mimetype = "application/xml"
    assert r.content_type == "application/xml; charset=utf-8"
    r.set_data(b"<x/>")
    assert r.content_length == 4
    assert Response(b"", status=204, mimetype="text/plain").mimetype == "text/plain"
    assert Response(content_type="image/png").content_type == "image/png"
    assert repr(Response("ab")) == "<Response 2 bytes [200 OK]>"


def test_response_cookies_and_vary() -> None:
    r = Response()
    r.set_cookie("a", "b c", httponly=True, samesite="Strict")
    r.delete_cookie("old", path="/x")
    assert r.headers.getlist("Set-Cookie") == [
        'a="b c"; HttpOnly; Path=/; SameSite=Strict',
        "old=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/x",
    ]
    r.vary.add("Cookie")
    r.vary.add("Accept")
    r.vary.add("cookie")
    assert r.headers["Vary"] == "Cookie, Accept"


def test_streamed_response_and_close_callbacks() -> None:
    closed: list[str] = []

    def body() -> Any:
        try:
            yield "a"
            yield b"b"
        finally:
            closed.append("generator")

    r = Response(body(), mimetype="text/plain")
    r.call_on_close(lambda: closed.append("callback"))
    assert r.is_streamed
    captured: list[Any] = []
    iterable = r(build_environ(), lambda s, h: captured.append((s, h)))
    assert b"".join(iterable) == b"ab"
    iterable.close()
    assert closed == ["generator", "callback"]
    assert captured == [("200 OK", [("Content-Type", "text/plain; charset=utf-8")])]


def test_no_body_statuses_and_head() -> None:
    captured: list[Any] = []
    r = Response("x", status=304)
    r.headers["ETag"] = '"e"'
    assert list(r(build_environ(), lambda s, h: captured.append(h))) == []
    assert captured[-1] == [("ETag", '"e"')]
    head = Response("body")
    assert list(head(build_environ(method="HEAD"), lambda s, h: captured.append(h))) == []
    assert ("Content-Length", "4") in captured[-1]


def test_make_conditional_and_ranges() -> None:
    r = Response(b"0123456789", mimetype="text/plain")
    r.add_etag()
    etag = r.headers["ETag"]
    assert etag == '"87acec17cd9dcd20a716cc2cf67417b71c8a7016"'
    hit = Response(b"0123456789").make_conditional(build_environ(headers={"If-None-Match": etag}))
    assert hit.status_code == 200  # no ETag on this one, so nothing matches
    again = Response(b"0123456789")
    again.add_etag()
    again.make_conditional(build_environ(headers={"If-None-Match": etag}))
    assert again.status_code == 304
    part = Response(b"0123456789")
    part.make_conditional(
        build_environ(headers={"Range": "bytes=2-4"}), accept_ranges=True, complete_length=10
    )
    assert (part.status_code, part.data, part.headers["Content-Range"]) == (
        206,
        b"234",
        "bytes 2-4/10",
    )
    assert part.headers["Accept-Ranges"] == "bytes"
    with pytest.raises(Exception) as info:
        Response(b"0123").make_conditional(
            build_environ(headers={"Range": "bytes=9-"}), accept_ranges=True, complete_length=4
        )
    assert getattr(info.value, "code", None) == 416
    for length in (None, 0):  # nothing to cut a range from: the whole body, as Werkzeug
        whole = Response(b"Hello World").make_conditional(
            build_environ(headers={"Range": "bytes=0-10"}),
            accept_ranges=True,
            complete_length=length,
        )
        assert (whole.status_code, whole.data, "Content-Range" in whole.headers) == (
            200,
            b"Hello World",
            False,
        )
    post = Response(b"x").make_conditional(build_environ(method="POST"))
    assert "Date" not in post.headers


def test_redirect() -> None:
    r = redirect("/päth?x=<1>", 303)
    assert r.status == "303 SEE OTHER"
    # As Werkzeug's: the header keeps the IRI; it is sent encoded as a URI.
    assert r.headers["Location"] == "/päth?x=<1>"
    assert r.get_wsgi_headers({})["Location"] == "/p%C3%A4th?x=%3C1%3E"
    assert '<a href="/päth?x=&lt;1&gt;">/päth?x=&lt;1&gt;</a>' in r.get_data(as_text=True)
    snowman = redirect("http://☃.example.com/", 307)
    assert snowman.headers["Location"] == "http://☃.example.com/"
    assert snowman.get_wsgi_headers({})["Location"] == "http://xn--n3h.example.com/"


def test_json_response_and_force_type() -> None:
    r = Response(json.dumps({"a": 1}), mimetype="application/json")
    assert r.is_json and r.json == {"a": 1}

    def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("201 Created", [("X-A", "1")])
        return [b"made"]

    forced = Response.force_type(wsgi_app, build_environ())
    assert (forced.status_code, forced.headers["X-A"], forced.data) == (201, "1", b"made")
    with pytest.raises(TypeError):
        Response.force_type(wsgi_app)


def echo_app(environ: dict[str, Any], start_response: Any) -> Any:
    request = Request(environ)
    payload = {
        "method": request.method,
        "path": request.path,
        "args": request.args.to_dict(flat=False),
        "form": request.form.to_dict(flat=False),
        "files": {k: [f.filename, f.read().decode()] for k, f in request.files.items()},
        "cookies": request.cookies.to_dict(),
        "json": request.get_json(silent=True),
    }
    request.close()
    response = Response(json.dumps(payload, sort_keys=True), mimetype="application/json")
    response.set_cookie("seen", "yes")
    return response(environ, start_response)


def test_round_trip_through_transport(run: Any) -> None:  # noqa: F811
    client = run(echo_app)
    body = (
        b'--b\r\nContent-Disposition: form-data; name="doc"; filename="d.txt"\r\n\r\n'
        b'file body\r\n--b\r\nContent-Disposition: form-data; name="k"\r\n\r\nv\r\n--b--\r\n'
    )
    result = client.request(
        "POST",
        "/up/é",
        query="x=1&x=2",
        headers={"Content-Type": "multipart/form-data; boundary=b", "Cookie": "c=1"},
        body=body,
    )
    assert result.status == 200
    assert result.headers["Set-Cookie"] == "seen=yes; Path=/"
    assert json.loads(result.body) == {
        "args": {"x": ["1", "2"]},
        "cookies": {"c": "1"},
        "files": {"doc": ["d.txt", "file body"]},
        "form": {"k": ["v"]},
        "json": None,
        "method": "POST",
        "path": "/up/é",
    }
    as_json = client.request(
        "PUT", "/j", headers={"Content-Type": "application/json"}, body=b'{"n": 1}'
    )
    assert json.loads(as_json.body)["json"] == {"n": 1}


def test_cache_control() -> None:
    r = Response("x")
    r.cache_control.max_age = 300
    r.cache_control.public = True
    r.cache_control.no_cache = True
    assert r.headers["Cache-Control"] == "max-age=300, public, no-cache"
    r.cache_control.no_cache = None
    assert r.headers["Cache-Control"] == "max-age=300, public"
    assert (r.cache_control.max_age, r.cache_control.private, r.cache_control.no_store) == (
        300,
        None,
        False,
    )
    other = Response("x", headers={"Cache-Control": 'private="x", max-age=5'})
    assert (other.cache_control.private, other.cache_control.max_age) == ("x", 5)
    other.cache_control.immutable = True
    assert other.headers["Cache-Control"] == "private=x, max-age=5, immutable"
    request = make(headers={"Cache-Control": "max-age=0, no-cache"})
    assert request.cache_control.max_age == 0
    assert request.cache_control.no_cache is True
    assert request.cache_control.no_store is False


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "Cookie",
                "Accept",
                "Accept-Language",
                "Authorization",
                "Range",
                "If-None-Match",
                "If-Modified-Since",
                "Content-Type",
                "Content-Length",
                "Host",
                "Cache-Control",
            ]
        ),
        st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=40),
    ),
    st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=30),
)
def test_any_header_values_read_cleanly(headers: dict[str, str], query: str) -> None:
    environ = build_environ(method="POST", headers=headers, body=b"a=1")
    environ["QUERY_STRING"] = query
    r = Request(environ)
    for name in (
        "args",
        "cookies",
        "accept_mimetypes",
        "accept_languages",
        "authorization",
        "range",
        "if_none_match",
        "if_modified_since",
        "mimetype",
        "content_length",
        "cache_control",
        "url",
        "host",
    ):
        getattr(r, name)
    try:
        r.form  # noqa: B018
        r.get_json(silent=True)
    except RequestEntityTooLarge:
        pass
    r.close()


@pytest.mark.parametrize("status", ["200 OK\r\nX-Evil: 1", "200 OK\nX", "200\0"])
def test_status_refuses_control_characters(status: str) -> None:
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        Response("x", status=status)


def test_single_header_attributes_on_response() -> None:
    r = Response("x")
    r.access_control_allow_credentials = True
    r.access_control_max_age = 5
    r.access_control_allow_origin = "*"
    r.access_control_allow_methods = ["GET", "POST"]
    r.age = 10
    r.content_encoding = "gzip"
    assert r.headers.to_wsgi_list()[2:] == [
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Max-Age", "5"),
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Methods", "GET, POST"),
        ("Age", "10"),
        ("Content-Encoding", "gzip"),
    ]
    assert r.age == timedelta(seconds=10)
    assert r.access_control_max_age == 5
    assert r.access_control_allow_credentials is True
    assert "post" in r.access_control_allow_methods
    r.access_control_allow_credentials = False
    assert "Access-Control-Allow-Credentials" not in r.headers
    r.access_control_expose_headers.add("X-Total")
    assert r.headers["Access-Control-Expose-Headers"] == "X-Total"
    r.retry_after = 30
    assert r.headers["Retry-After"] == "30"
    assert 25 <= (r.retry_after - datetime.now(UTC)).total_seconds() <= 31
    r.retry_after = datetime(2030, 1, 1, tzinfo=UTC)
    assert r.headers["Retry-After"] == "Tue, 01 Jan 2030 00:00:00 GMT"
    r.age = None
    assert "Age" not in r.headers
    r.headers["Age"] = "soon"
    assert r.age is None


def test_single_header_attributes_on_request() -> None:
    r = make(
        headers={
            "Max-Forwards": "3",
            "Pragma": "no-cache",
            "If-Range": '"x"',
            "If-Unmodified-Since": "Tue, 15 Nov 1994 08:12:31 GMT",
            "Access-Control-Request-Headers": "X-A, X-B",
            "Access-Control-Request-Method": "PUT",
        }
    )
    assert r.max_forwards == 3
    assert "no-cache" in r.pragma
    assert r.if_range.etag == "x"
    assert r.if_unmodified_since == datetime(1994, 11, 15, 8, 12, 31, tzinfo=UTC)
    assert r.access_control_request_headers.to_header() == "X-A, X-B"
    assert r.access_control_request_method == "PUT"
    assert (r.want_form_data_parsed, r.remote_user, r.is_run_once, r.date) == (
        False,
        None,
        False,
        None,
    )


def test_response_stream() -> None:
    r = Response("a")
    r.stream.write("b")
    r.stream.writelines([b"c", "d"])
    assert "Content-Length" not in r.headers
    assert r.get_data() == b"abcd"
    assert r.stream.tell() == 4
    captured: list[Any] = []
    assert b"".join(r(build_environ(), lambda s, h: captured.append(h))) == b"abcd"
    assert ("Content-Length", "4") in captured[0]


def test_request_application(run: Any) -> None:  # noqa: F811
    @Request.application
    def app(request: Request) -> Response:
        if request.path == "/missing":
            raise NotFound()
        return Response(f"hello {request.args.get('name', 'world')}")

    client = run(app)
    assert client.request("GET", "/", query="name=ann").body == b"hello ann"
    assert client.request("GET", "/missing").status == 404


def upload_app(environ: dict[str, Any], start_response: Any) -> Any:
    request = Request(environ)
    request.max_content_length = 100_000 if environ["PATH_INFO"] == "/small" else 3_000_000
    try:
        upload = request.files["f"]
        digest = hashlib.sha256(upload.read()).hexdigest()
        response = Response(f"{upload.filename} {digest} {request.form['note']}")
    except HTTPException as error:
        response = error.get_response(environ)
    finally:
        request.close()
    return response(environ, start_response)


@pytest.mark.parametrize("size", [0, 1, 2_000_000])
def test_large_upload(run: Any, size: int) -> None:  # noqa: F811
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    body = (
        b'--bb\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n'
        b'--bb\r\nContent-Disposition: form-data; name="f"; filename="big.bin"\r\n\r\n'
        + data
        + b"\r\n--bb--\r\n"
    )
    result = run(upload_app).request(
        "POST", "/", headers={"Content-Type": "multipart/form-data; boundary=bb"}, body=body
    )
    assert (result.status, result.body.decode()) == (
        200,
        f"big.bin {hashlib.sha256(data).hexdigest()} hi",
    )


def test_upload_over_the_limit_is_413(run: Any) -> None:  # noqa: F811
    # 500 kB against a 100 kB limit: the body is refused before it is read, and the
    # server drains an unread body of up to 1 MiB, so the client can send all of it.
    body = b"--bb\r\n" + b"x" * 500_000
    result = run(upload_app).request(
        "POST", "/small", headers={"Content-Type": "multipart/form-data; boundary=bb"}, body=body
    )
    assert result.status == 413
    assert b"<title>413 Content Too Large</title>" in result.body


def test_www_authenticate() -> None:
    r = Response("x", status=401)
    # Without the header: an unsaved basic challenge, as in Werkzeug.
    assert (r.www_authenticate.type, r.www_authenticate.to_header()) == ("basic", "Basic")
    assert "WWW-Authenticate" not in r.headers
    r.www_authenticate.realm = "Testing"
    assert r.headers["WWW-Authenticate"] == "Basic realm=Testing"
    del r.www_authenticate
    assert "WWW-Authenticate" not in r.headers
    r.www_authenticate.type = "basic"
    assert r.headers["WWW-Authenticate"] == "Basic"
    challenge = r.www_authenticate
    challenge["realm"] = "My App"
    assert r.headers["WWW-Authenticate"] == 'Basic realm="My App"'
    r.headers["WWW-Authenticate"] = 'Bearer realm="x", error="invalid_token"'
    assert r.www_authenticate.type == "bearer"
    assert r.www_authenticate["error"] == "invalid_token"
    r.www_authenticate.type = None
    assert "WWW-Authenticate" not in r.headers
    token = Response("x")
    negotiate = token.www_authenticate
    negotiate.type = "negotiate"
    negotiate.token = "abc=="
    assert token.headers["WWW-Authenticate"] == "Negotiate abc=="
    assert token.www_authenticate.token == "abc=="


def test_www_authenticate_assigned_challenge_stays_live() -> None:
    r = Response("x", status=401)
    challenge = WWWAuthenticate("digest", {"realm": "R", "qop": "auth, auth-int"})
    r.www_authenticate = challenge
    assert r.headers["WWW-Authenticate"] == 'Digest realm="R", qop="auth, auth-int"'
    challenge.parameters["qop"] = "auth"  # a change in place is written back
    assert r.headers["WWW-Authenticate"] == 'Digest realm="R", qop="auth"'
    r.www_authenticate = [WWWAuthenticate("basic", {"realm": "a"}), WWWAuthenticate("bearer")]
    assert r.headers.getlist("WWW-Authenticate") == ["Basic realm=a", "Bearer"]
    r.www_authenticate = None
    assert "WWW-Authenticate" not in r.headers


def test_request_stream_is_werkzeugs_limited_stream() -> None:
    r = make(method="WHAT", headers={"Content-Type": "text/plain"}, body=b"Hello World")
    assert isinstance(r.stream, LimitedStream)
    assert r.get_data() == b"Hello World"
    short = build_environ(method="POST", headers={"Content-Type": "text/plain"}, body=b"abc")
    short["CONTENT_LENGTH"] = "10"  # the client promised more than it sent
    with pytest.raises(ClientDisconnected):
        Request(short).get_data()


def test_form_is_parsed_from_an_assigned_stream() -> None:
    class Lowercasing:
        def __init__(self, stream: Any) -> None:
            self._stream = stream

        def read(self, size: int = -1) -> bytes:
            return bytes(self._stream.read(size)).lower()

    r = make(
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=b"foo=Hello+World",
    )
    r.stream = Lowercasing(r.stream)
    assert r.form.to_dict() == {"foo": "hello world"}


def test_shallow_request_refuses_any_body_access() -> None:
    r = Request(build_environ(query="foo=bar"), shallow=True)
    assert r.args["foo"] == "bar"
    for name in ("stream", "data", "form", "files"):
        with pytest.raises(RuntimeError, match="shallow request"):
            getattr(r, name)


def test_storage_classes_are_werkzeugs_and_overridable() -> None:
    r = make(query="foo=baz", headers={"Cookie": "a=1", "X-Forwarded-For": "1.1.1.1, 2.2.2.2"})
    assert (type(r.args), type(r.cookies), type(r.values), type(r.access_route)) == (
        ImmutableMultiDict,
        ImmutableMultiDict,
        CombinedMultiDict,
        ImmutableList,
    )
    assert r.access_route == ["1.1.1.1", "2.2.2.2"]

    class Plain(Request):
        parameter_storage_class = dict
        dict_storage_class = dict
        list_storage_class = list

    plain = Plain(r.environ)
    assert (type(plain.args), type(plain.cookies), type(plain.access_route)) == (dict, dict, list)
    assert (type(plain.values), plain.values["foo"]) == (CombinedMultiDict, "baz")
    with pytest.raises(BadRequestKeyError):
        plain.values["missing"]


def test_form_after_get_data_parses_the_cached_body() -> None:
    r = make(
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=b"a=1&b=2",
    )
    assert r.get_data() == b"a=1&b=2"
    assert r.form.to_dict() == {"a": "1", "b": "2"}
    assert r.get_data() == b"a=1&b=2"


def test_from_app_keeps_streaming_and_closes() -> None:
    closed: list[str] = []

    class Body:
        def __iter__(self) -> Any:
            return iter([b"a", b"b"])

        def close(self) -> None:
            closed.append("body")

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("202 Accepted", [("X-A", "1")])
        return Body()

    response = Response.from_app(app, build_environ())
    assert (response.status, response.headers["X-A"], response.is_streamed) == (
        "202 Accepted",
        "1",
        True,
    )
    assert response.get_data() == b"ab"
    response.close()
    assert closed == ["body"]
    buffered = Response.from_app(app, build_environ(), buffered=True)
    assert buffered.response == [b"a", b"b"] and closed == ["body", "body"]


def test_freeze_and_iter_encoded() -> None:
    r = Response(iter(["é", b"x"]))
    assert list(r.iter_encoded()) == ["é".encode(), b"x"]
    r = Response(iter(["é", b"x"]))
    r.freeze()
    assert (r.response, r.headers["Content-Length"]) == (["é".encode(), b"x"], "3")
    passthrough = Response(iter([b"raw"]), direct_passthrough=True)
    with pytest.raises(RuntimeError, match="direct_passthrough"):
        passthrough.get_data()


@pytest.mark.parametrize(
    ("location", "sent"),
    [
        ("/test", "/test"),
        ("/\\\\evil.example?q", "/%5C%5Cevil.example?q"),
        (
            "http://üser:pässword@☃.net/påth",
            "http://%C3%BCser:p%C3%A4ssword@xn--n3h.net/p%C3%A5th",
        ),
    ],
)
def test_location_is_sent_as_a_uri(location: str, sent: str) -> None:
    r = Response("x", status=302)
    r.headers["Location"] = location
    r.headers["Content-Location"] = location
    headers = r.get_wsgi_headers(build_environ())
    assert (headers["Location"], headers["Content-Location"]) == (sent, sent)
    assert r.headers["Location"] == location  # the response itself is left alone


def test_content_length_rules_like_werkzeug() -> None:
    assert Response(["Hello World!"]).content_length is None
    assert Response(["Hello World!"]).get_wsgi_headers({})["Content-Length"] == "12"
    assert Response("你好").calculate_content_length() == 6
    malformed = Response(status=204)
    malformed.set_data(b"test")
    app_iter, status, headers = malformed.get_wsgi_response(build_environ())
    assert (status, "Content-Length" in headers, b"".join(app_iter)) == (
        "204 NO CONTENT",
        False,
        b"",
    )
    streamed = Response()
    streamed.make_conditional({"REQUEST_METHOD": "GET"})
    streamed.stream.writelines(["foo", "bar", "baz"])
    assert streamed.get_wsgi_headers({})["Content-Length"] == "9"


def test_stream_takes_a_zip_file() -> None:
    response = Response()
    with zipfile.ZipFile(response.stream, mode="w") as archive:
        archive.writestr("foo", b"bar")
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        assert (archive.namelist(), archive.read("foo")) == (["foo"], b"bar")


def test_content_range_object() -> None:
    request = make(headers={"Range": "bytes=0-499"})
    response = Response()
    assert not response.content_range and response.content_range.units is None
    response.content_range = request.range.make_content_range(1000)
    cr = response.content_range
    assert (cr.units, cr.start, cr.stop, cr.length) == ("bytes", 0, 500, 1000)
    assert response.headers["Content-Range"] == "bytes 0-499/1000"
    cr.set(10, 20, 30)
    assert response.headers["Content-Range"] == "bytes 10-19/30"
    response.content_range.unset()
    assert "Content-Range" not in response.headers
    response.content_range = "bytes */5"
    assert response.content_range.length == 5


def test_max_cookie_size_comes_from_the_app() -> None:
    app = Kettle(__name__)
    app.config["MAX_COOKIE_SIZE"] = 20
    response = Response()
    response.set_cookie("k", "x" * 30)  # outside an app: the 4093 default
    with app.app_context():
        assert response.max_cookie_size == 20
        with pytest.warns(UserWarning, match="too large"):
            response.set_cookie("k", "x" * 30)


def test_content_security_policy() -> None:
    r = Response()
    r.content_security_policy.default_src = "'self'"
    assert r.headers["Content-Security-Policy"] == "default-src 'self'"
    r.content_security_policy.script_src = "'self' palletsprojects.com"
    assert r.headers["Content-Security-Policy"] == (
        "default-src 'self'; script-src 'self' palletsprojects.com"
    )
    assert r.content_security_policy.img_src is None
    r.headers["Content-Security-Policy"] = "default-src 'none'; upgrade-insecure-requests"
    assert dict(r.content_security_policy) == {
        "default-src": "'none'",
        "upgrade-insecure-requests": "",
    }
    r.content_security_policy = None
    assert "Content-Security-Policy" not in r.headers
    r.content_security_policy_report_only = "default-src https:"
    assert r.content_security_policy_report_only.default_src == "https:"


def test_bare_environ_dict() -> None:
    r = Request({})
    assert (r.method, r.path, r.url, r.host, r.get_data(), r.form.to_dict()) == (
        "GET",
        "/",
        "http:///",
        "",
        b"",
        {},
    )


@pytest.mark.parametrize(
    "host", ["[", "a:b:c", "x:99999999", "a b", "é.com", "a_b.com", "h:0", "", "evil.com\r\n"]
)
def test_invalid_hosts_read_as_empty(host: str) -> None:
    r = make(headers={"Host": host})
    assert (r.host, r.url, r.host_url) == ("", "http:///", "http:///")


def test_storage_classes() -> None:
    class PlainRequest(Request):
        dict_storage_class = dict  # type: ignore[assignment]
        parameter_storage_class = dict  # type: ignore[assignment]

    r = PlainRequest(build_environ(query="foo=baz", headers={"Cookie": "foo=bar"}))
    assert (type(r.cookies), r.cookies) == (dict, {"foo": "bar"})
    assert (type(r.args), r.args) == (dict, {"foo": "baz"})
    assert r.values.getlist("foo") == ["baz"]
    twice = make(headers={"Cookie": "foo=bar;foo=baz"})
    assert (twice.cookies.to_dict(), twice.cookies.getlist("foo")) == (
        {"foo": "bar"},
        ["bar", "baz"],
    )
