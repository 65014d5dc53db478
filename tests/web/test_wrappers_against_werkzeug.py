"""Differential tests: Request and Response agree with Werkzeug 3.1 on generated requests."""

from __future__ import annotations

from typing import Any

from flask import Response as FlaskResponse
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from werkzeug.wrappers import Request as WzRequest
from werkzeug.wrappers import Response as WzResponse

from kettle.web.wrappers import Request, Response

from .http_harness import build_environ

path_text = st.text(alphabet=st.sampled_from(list("abc/ é%20-_.~+☃")), max_size=20)
query_text = st.text(alphabet=st.sampled_from(list("ab=&+%2Cé;x0 ")), max_size=25)
hosts = st.sampled_from(
    ["localhost", "example.com:8080", "Example.COM", "[::1]:5000", "a.b:80", "a_b", "[", "h:0"]
)


def environ(path: str, query: str, host: str, script: str) -> dict[str, Any]:
    env = build_environ(path="/" + path, headers={"Host": host})
    env["QUERY_STRING"] = query.encode().decode("latin-1")
    env["SCRIPT_NAME"] = script.encode().decode("latin-1")
    return env


@settings(deadline=None, max_examples=200)
@given(path_text, query_text, hosts, st.sampled_from(["", "/app", "/a b", "/é/"]))
def test_request_urls_and_args(path: str, query: str, host: str, script: str) -> None:
    ours = Request(environ(path, query, host, script))
    theirs = WzRequest(environ(path, query, host, script))
    for name in (
        "path",
        "full_path",
        "script_root",
        "host",
        "method",
        "scheme",
        "url",
        "base_url",
        "url_root",
        "host_url",
    ):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert list(ours.args.items(multi=True)) == list(theirs.args.items(multi=True))
    assert ours.query_string == theirs.query_string


@settings(deadline=None, max_examples=100)
@given(
    st.sampled_from(["", "text/plain", "application/json", "application/x+json", "text/html"]),
    st.sampled_from([None, "0", "12", "-1", "abc"]),
)
def test_request_content_headers(ctype: str, length: str | None) -> None:
    env = build_environ(method="POST", headers={"Content-Type": ctype} if ctype else {})
    env.pop("CONTENT_LENGTH", None)
    if length is not None:
        env["CONTENT_LENGTH"] = length
    ours, theirs = Request(dict(env)), WzRequest(dict(env))
    assert (ours.mimetype, ours.is_json, ours.content_length) == (
        theirs.mimetype,
        theirs.is_json,
        theirs.content_length,
    )


cookie_values = st.text(alphabet=st.sampled_from(list('ab c;,"\\é=')), max_size=10)


@settings(deadline=None, max_examples=200)
@given(
    cookie_values,
    st.one_of(st.none(), st.integers(0, 10**6)),
    st.sampled_from([None, "/", "/x"]),
    st.booleans(),
    st.sampled_from([None, "Lax", "strict", "None"]),
)
def test_set_cookie_header(
    value: str, max_age: int | None, path: str | None, secure: bool, samesite: str | None
) -> None:
    ours, theirs = Response(), WzResponse()
    for response in (ours, theirs):
        response.set_cookie(
            "k",
            value,
            max_age=max_age,
            path=path,
            secure=secure,
            samesite=samesite,
            expires=0 if max_age is not None else None,
        )
    assert ours.headers["Set-Cookie"] == theirs.headers["Set-Cookie"]


@settings(deadline=None, max_examples=100)
@given(
    st.sampled_from([200, 201, 204, 301, 304, 404, 418, 500, 599]),
    st.sampled_from(["text/html", "text/plain", "application/json", "image/png", None]),
    st.binary(max_size=20),
)
def test_response_status_and_headers(code: int, mimetype: str | None, body: bytes) -> None:
    ours = Response(body, status=code, mimetype=mimetype)
    theirs = WzResponse(body, status=code, mimetype=mimetype)
    theirs.headers.setdefault(
        "Content-Type", "text/html; charset=utf-8"
    ) if mimetype is None else None
    assert ours.status == theirs.status
    assert ours.status_code == theirs.status_code
    assert ours.headers.get("Content-Length") == theirs.headers.get("Content-Length")
    if mimetype is not None:
        assert ours.headers["Content-Type"] == theirs.headers["Content-Type"]


names = st.text(alphabet=st.sampled_from(list("abcxyz_09")), min_size=1, max_size=5)
field_values = st.text(alphabet=st.sampled_from(list("ab \r\n-é☃=&")), max_size=30)
file_bodies = st.binary(max_size=200)


def multipart_body(
    fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]], boundary: str
) -> bytes:
    out = b""
    for name, value in fields:
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for name, filename, data in files:
        out += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}";'
                f' filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            + data
            + b"\r\n"
        )
    return out + f"--{boundary}--\r\n".encode()


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(names, field_values), max_size=4),
    st.lists(st.tuples(names, names, file_bodies), max_size=3),
    st.sampled_from(["b", "----WebKitFormBoundary7MA4YWxk", "a'()+_,-./:=?"]),
)
def test_multipart_forms(
    fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]], boundary: str
) -> None:
    # RFC 2046 5.1.1: a sender picks a boundary that occurs in no part; a body that holds
    # its own delimiter is ambiguous, and parsers legitimately split it differently.
    delimiter = f"--{boundary}".encode()
    contents = [value.encode() for _, value in fields] + [data for _, _, data in files]
    assume(all(delimiter not in content for content in contents))
    body = multipart_body(fields, files, boundary)
    parsed = []
    for cls in (Request, WzRequest):
        env = build_environ(
            method="POST",
            headers={"Content-Type": f'multipart/form-data; boundary="{boundary}"'},
            body=body,
        )
        request = cls(env)
        uploads = [
            (key, storage.filename, storage.content_type, storage.read())
            for key, storage in request.files.items(multi=True)
        ]
        parsed.append((list(request.form.items(multi=True)), uploads))
        request.close()
    assert parsed[0] == parsed[1]
    assert sorted(parsed[0][0]) == sorted(fields)


BODIES = {
    "form": (b"a=1&b=x+y", "application/x-www-form-urlencoded"),
    "json": (b'{"k": [1, 2]}', "application/json"),
    "text": (b"plain body", "text/plain"),
    "multipart": (
        b'--q\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--q--\r\n',
        "multipart/form-data; boundary=q",
    ),
}
READS = ["get_data", "form", "data", "stream", "json", "values", "get_data_text"]


def read(request: Any, what: str) -> Any:
    if what == "get_data":
        return request.get_data()
    if what == "get_data_text":
        return request.get_data(as_text=True)
    if what == "form":
        return list(request.form.items(multi=True))
    if what == "values":
        return list(request.values.items(multi=True))
    if what == "data":
        return request.data
    if what == "stream":
        return request.stream.read()
    return request.get_json(silent=True)


@settings(deadline=None, max_examples=150)
@given(st.sampled_from(sorted(BODIES)), st.lists(st.sampled_from(READS), min_size=1, max_size=4))
def test_body_reading_order(kind: str, reads: list[str]) -> None:
    body, ctype = BODIES[kind]
    results = []
    for cls in (Request, WzRequest):
        request = cls(build_environ(method="POST", headers={"Content-Type": ctype}, body=body))
        results.append([read(request, what) for what in reads])
    assert results[0] == results[1]


class _Text(str):
    """A str subclass body: takes the general path of the constructor."""


@settings(deadline=None, max_examples=150)
@given(
    st.sampled_from(["str", "bytes", "bytearray", "subclass", "list", "none"]),
    st.sampled_from([None, 201, "202 ACCEPTED", "299 Custom Reason", "404"]),
    st.sampled_from([None, "text/plain", "application/json", "image/svg+xml"]),
    st.sampled_from([None, "text/csv; charset=latin-1", "application/octet-stream"]),
)
def test_response_construction_forms(
    body_kind: str, status: Any, mimetype: str | None, content_type: str | None
) -> None:
    text = "héllo"
    body: Any = {
        "str": text,
        "bytes": text.encode(),
        "bytearray": bytearray(text.encode()),
        "subclass": _Text(text),
        "list": [b"h", b"ello"],
        "none": None,
    }[body_kind]
    ours = Response(body, status=status, mimetype=mimetype, content_type=content_type)
    # Flask's Response: Werkzeug's with the text/html default, as Kettle's.
    theirs = FlaskResponse(body, status=status, mimetype=mimetype, content_type=content_type)
    assert ours.headers.to_wsgi_list() == theirs.headers.to_wsgi_list()
    assert (ours.status, ours.status_code) == (theirs.status, theirs.status_code)
    assert ours.get_data() == theirs.get_data()


def test_response_refuses_line_breaks_in_content_type() -> None:
    for kwargs in ({"mimetype": "text/plain\r\nX-Evil: 1"}, {"content_type": "text/html\nX: 1"}):
        try:
            Response("body", **kwargs)  # type: ignore[arg-type]
        except ValueError as exc:
            assert "CR, LF or NUL" in str(exc)
        else:
            raise AssertionError(f"{kwargs} was accepted")
