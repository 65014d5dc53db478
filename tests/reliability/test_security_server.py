"""Response splitting and request smuggling at the server, on real sockets: whatever a WSGI
app or a client sends, no second response or request can be smuggled in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .clients import recv_until_closed
from .conftest import Running


def splitting_app(status: str, headers: list[tuple[str, str]]) -> Callable[..., Any]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response(status, headers)
        return [b"body"]

    return app


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        pytest.param("200 OK\r\nSet-Cookie: evil=1", [], id="status-crlf"),
        pytest.param("200 OK", [("X-A", "a\r\nSet-Cookie: evil=1")], id="value-crlf"),
        pytest.param("200 OK", [("X-A", "a\nSet-Cookie: evil=1")], id="value-lf"),
        pytest.param("200 OK", [("X-A", "a\rb")], id="value-cr"),
        pytest.param("200 OK", [("X-A", "a\x00b")], id="value-nul"),
        pytest.param("200 OK", [("Set-Cookie: evil=1\r\nX", "v")], id="name-crlf"),
        pytest.param("200 OK", [("X A", "v")], id="name-space"),
        pytest.param("200 OK", [("X:A", "v")], id="name-colon"),
    ],
)
def test_app_cannot_split_the_response(
    serve: Callable[..., Running], status: str, headers: list[tuple[str, str]]
) -> None:
    server = serve(splitting_app(status, headers))
    raw = server.get("/")
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert raw.startswith(b"HTTP/1.1 500 Internal Server Error\r\n")
    assert b"evil" not in raw and b"Set-Cookie" not in head
    assert raw.count(b"HTTP/1.1 ") == 1


SMUGGLING = [
    pytest.param(b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", id="cl-te"),
    pytest.param(b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", id="te-cl"),
    pytest.param(b"Content-Length: 3\r\nContent-Length: 4\r\n", id="cl-cl"),
    pytest.param(b"Content-Length: +3\r\n", id="cl-plus"),
    pytest.param(b"Transfer-Encoding: chunked, identity\r\n", id="te-not-last"),
    pytest.param(b"Transfer-Encoding : chunked\r\n", id="te-space"),
    pytest.param(b"Transfer-Encoding:\x0bchunked\r\n", id="te-vtab"),
    pytest.param(b"X: a\r\n folded: b\r\n", id="obs-fold"),
]


@pytest.mark.parametrize("framing", SMUGGLING)
def test_ambiguous_framing_is_refused_and_nothing_is_smuggled(
    serve: Callable[..., Running], framing: bytes
) -> None:
    seen: list[str] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        seen.append(environ["PATH_INFO"])
        environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    server = serve(app)
    smuggled = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
    body = b"0\r\n\r\n" + smuggled
    with server.connect() as sock:
        sock.sendall(b"POST /front HTTP/1.1\r\nHost: x\r\n" + framing + b"\r\n" + body)
        raw = recv_until_closed(sock)
    assert raw.startswith(b"HTTP/1.1 400 Bad Request\r\n"), raw[:60]
    assert raw.count(b"HTTP/1.1 ") == 1
    assert seen == []
