"""Bad input over real sockets: the exact status line, then the connection is closed."""

from __future__ import annotations

import logging
import select
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .conftest import TIMEOUT, Running, hello_app, is_closed, normalize, read_all, read_response

StartResponse = Callable[..., Any]


def error_bytes(status: str, detail: str = "") -> bytes:
    body = f"{status}\n{detail}\n".encode() if detail else f"{status}\n".encode()
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\nServer: kettle\r\n"
        "Date: <date>\r\n\r\n"
    ).encode() + body


def echo_body(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    """Reads the whole request body and answers with it."""
    body = environ["wsgi.input"].read()
    start_response("200 OK", [])
    return [body]


CASES = [
    (
        "target-too-long",
        b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        error_bytes("414 URI Too Long", "request-target too long"),
    ),
    (
        "header-too-large",
        b"GET / HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-Big-%d: " % i + b"v" * 8000 + b"\r\n" for i in range(9))
        + b"\r\n",
        error_bytes("431 Request Header Fields Too Large", "header section too large"),
    ),
    (
        # max_header_field (8190) bounds one field line, "name: value", as gunicorn does.
        "header-field-too-large",
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"v" * 8184 + b"\r\n\r\n",
        error_bytes("431 Request Header Fields Too Large", "header field too large"),
    ),
    (
        # RFC 9112 section 6.1: chunked framing in an HTTP/1.0 request is faulty.
        "te-in-http10",
        b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
        error_bytes("400 Bad Request", "Transfer-Encoding in an HTTP/1.0 request"),
    ),
    (
        "too-many-headers",
        b"GET / HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-%d: 1\r\n" % i for i in range(101))
        + b"\r\n",
        error_bytes("431 Request Header Fields Too Large", "too many header fields"),
    ),
    (
        "body-over-limit",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n",
        error_bytes("413 Content Too Large", "request body larger than the limit"),
    ),
    (
        "malformed",
        b"GET / HTTP/1.1\r\nHost x\r\n\r\n",
        error_bytes("400 Bad Request", "Invalid header token"),
    ),
    (
        "unsupported-te",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        error_bytes("501 Not Implemented", "unsupported Transfer-Encoding"),
    ),
    (
        "cl-and-te",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        error_bytes("400 Bad Request", "Transfer-Encoding can't be present with Content-Length"),
    ),
    (
        "duplicate-cl",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na",
        error_bytes("400 Bad Request", "Duplicate Content-Length"),
    ),
    (
        "invalid-cl",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\na",
        error_bytes("400 Bad Request", "Invalid character in Content-Length"),
    ),
    (
        "obs-fold",
        b"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  2\r\n\r\n",
        error_bytes("400 Bad Request", "Unexpected whitespace after header value"),
    ),
    (
        "space-before-colon",
        b"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
        error_bytes("400 Bad Request", "Invalid header token"),
    ),
    (
        "http2-preface",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        error_bytes("400 Bad Request", "HTTP/2 connection preface on an HTTP/1.1 connection"),
    ),
    (
        "tls-on-plain-port",
        bytes.fromhex("160301020001") + b"\x01" * 64,
        error_bytes(
            "400 Bad Request", "unknown or malformed method (TLS or binary data on a plain port?)"
        ),
    ),
    (
        "missing-host",
        b"GET / HTTP/1.1\r\n\r\n",
        error_bytes("400 Bad Request", "an HTTP/1.1 request needs exactly one Host field"),
    ),
]


@pytest.mark.parametrize(("raw", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_request_gets_exact_error_and_close(
    serve: Callable[..., Running], raw: bytes, expected: bytes
) -> None:
    server = serve(max_body_size=1000)
    with server.connect() as sock:
        sock.sendall(raw)
        assert normalize(read_all(sock)) == expected


def test_bad_request_after_a_good_one_on_the_same_connection(
    serve: Callable[..., Running],
) -> None:
    server = serve()
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nBad\r\n\r\n")
        first, _, second = normalize(read_all(sock)).partition(b"Hello, World!")
        assert first.endswith(b"Content-Length: 13\r\n\r\n")
        assert second == error_bytes("400 Bad Request", "Invalid header token")


@pytest.mark.parametrize(
    ("buffered", "detail"),
    [(1 << 20, "request body larger than the limit"), (0, "")],
    ids=["refused-while-buffered", "refused-while-the-app-reads"],
)
def test_chunked_body_over_limit(
    serve: Callable[..., Running], buffered: int, detail: str
) -> None:
    server = serve(echo_body, max_body_size=10, max_buffered_body=buffered)
    with server.connect() as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        time.sleep(0.1)  # with nothing to buffer, the app is reading when the body comes
        sock.sendall(b"8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n")
        raw = read_all(sock)
    assert normalize(raw) == error_bytes("413 Content Too Large", detail)


def test_header_with_crlf_from_app_is_refused(
    serve: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        start_response("200 OK", [("X-Split", "a\r\nSet-Cookie: evil=1")])
        return [b"never"]

    with caplog.at_level(logging.ERROR, "kettle.server"):
        raw = serve(app).exchange(b"GET /split HTTP/1.1\r\nHost: x\r\n\r\n")
    assert normalize(raw) == error_bytes("500 Internal Server Error")
    assert [r.getMessage() for r in caplog.records] == ["error in application on GET /split"]
    assert "contains CR, LF or NUL" in caplog.text


@pytest.mark.parametrize(
    "headers",
    [
        [("Bad Name", "x")],
        [("X-Ok", 5)],
        [("X-Nul", "a\0b")],
        [("X-Lf", "a\nb")],
        [("Transfer-Encoding", "chunked")],
        [("Content-Length", "-1")],
    ],
    ids=["space-in-name", "non-str-value", "nul", "bare-lf", "app-sets-te", "bad-length"],
)
def test_invalid_response_headers_give_500(
    serve: Callable[..., Running], headers: list[tuple[str, Any]]
) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        start_response("200 OK", headers)
        return [b"never"]

    logging.getLogger("kettle.server").disabled = True
    try:
        raw = serve(app).exchange(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    finally:
        logging.getLogger("kettle.server").disabled = False
    assert normalize(raw).startswith(b"HTTP/1.1 500 Internal Server Error\r\n")


def test_app_exception_gives_500_and_server_keeps_serving(
    serve: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        if environ["PATH_INFO"] == "/boom":
            raise RuntimeError("kaboom")
        return hello_app(environ, start_response)

    server = serve(app)
    with caplog.at_level(logging.ERROR, "kettle.server"):
        raw = server.exchange(b"GET /boom HTTP/1.1\r\nHost: x\r\n\r\n")
    assert normalize(raw) == error_bytes("500 Internal Server Error")
    assert "RuntimeError: kaboom" in caplog.text
    assert "Traceback" in caplog.text
    assert server.request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").endswith(b"Hello, World!")


def test_exception_in_iteration_after_head_cuts_connection(
    serve: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    closed = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            yield b"abc"
            raise ValueError("mid-body")

        def close(self) -> None:
            closed.append(True)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Body:
        start_response("200 OK", [("Content-Length", "10")])
        return Body()

    with caplog.at_level(logging.ERROR, "kettle.server"):
        raw = serve(app).exchange(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert normalize(raw) == (
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nServer: kettle\r\nDate: <date>\r\n\r\nabc"
    )
    assert closed == [True]
    assert "ValueError: mid-body" in caplog.text


def test_slowloris_is_cut_by_the_header_timeout(serve: Callable[..., Running]) -> None:
    server = serve(header_timeout=0.5)
    with server.connect() as sock:
        started = time.monotonic()
        sock.sendall(b"GET / HTTP/1.1\r\n")
        for _ in range(3):
            time.sleep(0.1)
            sock.sendall(b"X-A: 1\r\n")
        sock.settimeout(TIMEOUT)
        raw = read_all(sock)
        elapsed = time.monotonic() - started
    assert normalize(raw) == error_bytes("408 Request Timeout")
    assert 0.4 < elapsed < 2.0


def test_connection_that_never_sends_is_closed(serve: Callable[..., Running]) -> None:
    server = serve(header_timeout=0.3)
    with server.connect() as sock:
        assert is_closed(sock, wait=3.0)


def test_idle_keep_alive_connection_is_closed(serve: Callable[..., Running]) -> None:
    server = serve(keepalive_timeout=0.4)
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).endswith(b"Hello, World!")
        started = time.monotonic()
        assert is_closed(sock, wait=3.0)
        assert 0.3 < time.monotonic() - started < 2.0


def test_body_read_timeout_gives_408(serve: Callable[..., Running]) -> None:
    server = serve(echo_body, body_timeout=0.3)
    with server.connect() as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        assert normalize(read_all(sock)) == error_bytes("408 Request Timeout")


def test_client_closing_mid_body_does_not_hurt_the_server(serve: Callable[..., Running]) -> None:
    server = serve(echo_body)
    logging.getLogger("kettle.server").disabled = True
    try:
        sock = server.connect()
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        sock.shutdown(socket.SHUT_WR)
        assert normalize(read_all(sock)).startswith(b"HTTP/1.1 400 Bad Request\r\n")
        sock.close()
    finally:
        logging.getLogger("kettle.server").disabled = False
    assert server.request(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok").endswith(
        b"\r\n\r\nok"
    )


@pytest.mark.parametrize(
    ("declared", "chunks", "sent"),
    [("3", [b"abcde", b"fg"], b"abc"), ("10", [b"abc"], b"abc")],
    ids=["longer-than-declared", "shorter-than-declared"],
)
def test_wrong_content_length_from_app_closes_the_connection(
    serve: Callable[..., Running],
    caplog: pytest.LogCaptureFixture,
    declared: str,
    chunks: list[bytes],
    sent: bytes,
) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Length", declared)])
        yield from chunks

    with caplog.at_level(logging.ERROR, "kettle.server"):
        raw = serve(app).exchange(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {declared}\r\nServer: kettle\r\n"
    assert normalize(raw) == head.encode() + b"Date: <date>\r\n\r\n" + sent
    assert "Content-Length" in caplog.text


def test_trickled_body_is_cut_by_the_minimum_rate(serve: Callable[..., Running]) -> None:
    # Each byte comes well within body_timeout, but at 10 bytes/s, below the 50 required.
    server = serve(echo_body, body_timeout=0.4, min_body_rate=50)
    with server.connect() as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
        started = time.monotonic()
        for _ in range(50):
            readable, _, _ = select.select([sock], [], [], 0.1)
            if readable:
                break
            sock.sendall(b"x")
        raw = read_all(sock)
        elapsed = time.monotonic() - started
    assert normalize(raw) == error_bytes("408 Request Timeout")
    assert 0.4 < elapsed < 2.0


def test_client_leaving_mid_response_is_not_an_application_error(
    serve: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    import threading

    finished = threading.Event()

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", [])
        if environ["PATH_INFO"] != "/big":
            yield b"small"
            return
        try:
            for _ in range(10_000):
                yield b"x" * 65536
        finally:
            finished.set()

    server = serve(app)
    with caplog.at_level(logging.INFO, "kettle.server"):
        sock = server.connect()
        sock.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 200 OK\r\n")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()  # with linger 0: a reset
        assert finished.wait(TIMEOUT)
        time.sleep(0.1)
    records = [r for r in caplog.records if r.name == "kettle.server"]
    assert [r.levelname for r in records] == ["INFO"]
    assert records[0].getMessage().startswith("client went away during GET /big: ")
    assert server.request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").endswith(
        b"\r\n5\r\nsmall\r\n0\r\n\r\n"
    )
