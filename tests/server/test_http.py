"""HTTP/1.1 behaviour over real sockets, byte for byte (Date values normalized)."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from typing import Any

from .conftest import TIMEOUT, Running, hello_app, is_closed, normalize, read_all, read_response

HELLO = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nServer: kettle\r\nDate: <date>\r\n"
    b"Content-Length: 13\r\n\r\nHello, World!"
)
StartResponse = Callable[..., Any]


def echo_app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [
        b"%s %s|%s" % (environ["REQUEST_METHOD"].encode(), environ["PATH_INFO"].encode(), body)
    ]


def test_keep_alive_serves_several_requests_on_one_connection(
    serve: Callable[..., Running],
) -> None:
    server = serve()
    with server.connect() as sock:
        for _ in range(3):
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert normalize(read_response(sock)) == HELLO


def test_connection_close_is_honoured(serve: Callable[..., Running]) -> None:
    raw = serve().exchange(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert normalize(raw) == HELLO.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")


def test_http10_closes_unless_keep_alive(serve: Callable[..., Running]) -> None:
    server = serve()
    raw = server.exchange(b"GET / HTTP/1.0\r\n\r\n")
    assert normalize(raw) == HELLO.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        expected = HELLO.replace(b"\r\n\r\n", b"\r\nConnection: keep-alive\r\n\r\n")
        assert normalize(read_response(sock)) == expected
        sock.sendall(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        assert normalize(read_response(sock)) == expected


def test_pipelined_requests_are_answered_in_order(serve: Callable[..., Running]) -> None:
    server = serve(echo_app)
    raw = server.exchange(
        b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
        b"POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
        b"GET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nServer: kettle\r\nDate: <date>\r\n"
    assert normalize(raw) == (
        head
        + b"Content-Length: 7\r\n\r\nGET /1|"
        + head
        + b"Content-Length: 11\r\n\r\nPOST /2|abc"
        + head
        + b"Content-Length: 7\r\nConnection: close\r\n\r\nGET /3|"
    )


def test_chunked_request_body(serve: Callable[..., Running]) -> None:
    raw = serve(echo_app).request(
        b"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    )
    assert raw.endswith(b"Content-Length: 19\r\n\r\nPOST /c|hello world")


def generator_app(environ: dict[str, Any], start_response: StartResponse) -> Iterator[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"ab"
    yield b""
    yield b"cde"


def test_chunked_response_without_content_length(serve: Callable[..., Running]) -> None:
    raw = serve(generator_app).request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert raw == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nServer: kettle\r\nDate: <date>\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n"
    )


def test_http10_response_without_length_is_close_delimited(serve: Callable[..., Running]) -> None:
    raw = serve(generator_app).exchange(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    assert normalize(raw) == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nServer: kettle\r\nDate: <date>\r\n"
        b"Connection: close\r\n\r\nabcde"
    )


def test_expect_100_continue(serve: Callable[..., Running]) -> None:
    server = serve(echo_app)
    with server.connect() as sock:
        sock.sendall(
            b"PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
        )
        assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"data")
        assert normalize(read_response(sock)).endswith(b"Content-Length: 11\r\n\r\nPUT /e|data")


def test_expect_100_continue_for_a_bufferable_body_is_answered_by_the_server(
    serve: Callable[..., Running],
) -> None:
    # The body fits in max_buffered_body: the server says 100 Continue at once and reads
    # the body before a worker takes the request (as waitress does), so the app ignoring
    # the body costs nothing and the connection stays open.
    server = serve()
    with server.connect() as sock:
        sock.sendall(
            b"PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
        )
        assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"data")
        assert normalize(read_response(sock)) == HELLO
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert normalize(read_response(sock)) == HELLO


def test_expect_100_continue_not_sent_when_app_ignores_a_large_body(
    serve: Callable[..., Running],
) -> None:
    # Over max_buffered_body the app decides: 100 Continue only when it reads the body.
    server = serve(max_buffered_body=3)
    with server.connect() as sock:
        sock.sendall(
            b"PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
        )
        assert normalize(read_response(sock)) == HELLO.replace(
            b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"
        )
        assert is_closed(sock)


def test_head_has_no_body(serve: Callable[..., Running]) -> None:
    server = serve()
    with server.connect() as sock:
        sock.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert normalize(read_response(sock, head_only=True)) == HELLO[: -len(b"Hello, World!")]
        sock.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")  # the connection stays usable
        assert normalize(read_response(sock, head_only=True)) == HELLO[: -len(b"Hello, World!")]


def test_head_of_a_generator_is_consumed_but_not_sent(serve: Callable[..., Running]) -> None:
    consumed = []

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", [])
        consumed.append(True)
        yield b"x"

    raw = serve(app).exchange(b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert normalize(raw) == (
        b"HTTP/1.1 200 OK\r\nServer: kettle\r\nDate: <date>\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    assert consumed == [True]


def test_204_and_304_carry_no_framing(serve: Callable[..., Running]) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        start_response(environ["PATH_INFO"][1:].replace("-", " "), [])
        return []

    server = serve(app)
    assert server.request(b"GET /204-No-Content HTTP/1.1\r\nHost: x\r\n\r\n") == (
        b"HTTP/1.1 204 No Content\r\nServer: kettle\r\nDate: <date>\r\n\r\n"
    )
    assert server.request(b"GET /304-Not-Modified HTTP/1.1\r\nHost: x\r\n\r\n") == (
        b"HTTP/1.1 304 Not Modified\r\nServer: kettle\r\nDate: <date>\r\n\r\n"
    )


def environ_app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    keys = environ["QUERY_STRING"].split("&")[0].split(",")
    start_response("200 OK", [])
    return ["|".join(repr(environ.get(k)) for k in keys).encode("utf-8")]


def body_of(raw: bytes) -> bytes:
    return raw.partition(b"\r\n\r\n")[2]


def test_environ_basics(serve: Callable[..., Running]) -> None:
    server = serve(environ_app)
    keys = (
        "REQUEST_METHOD,SCRIPT_NAME,SERVER_NAME,SERVER_PORT,SERVER_PROTOCOL,REMOTE_ADDR,"
        "HTTP_HOST,HTTP_X_MULTI,HTTP_COOKIE,wsgi.url_scheme"
    )
    raw = server.request(
        b"GET /?" + keys.encode() + b" HTTP/1.1\r\nHost: example.org\r\nX-Multi: a\r\n"
        b"X-Multi: b\r\nCookie: a=1\r\nCookie: b=2\r\nX_Multi: spoofed\r\n\r\n"
    )
    assert body_of(raw).decode() == "|".join(
        repr(v)
        for v in [
            "GET",
            "",
            "127.0.0.1",
            str(server.port),
            "HTTP/1.1",
            "127.0.0.1",
            "example.org",
            "a, b",
            "a=1; b=2",
            "http",
        ]
    )


def test_a_repeated_request_gets_a_fresh_environ(serve: Callable[..., Running]) -> None:
    """A keep-alive client sending the same request again gets an environ as if built
    anew: what the app changed in the previous one is not seen."""
    calls: list[str] = []

    def mutating_app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        seen = f"{environ['PATH_INFO']}|{environ.get('HTTP_X_SEEN')}|{environ.get('mine')}"
        calls.append(seen)
        environ["PATH_INFO"] = "/changed"
        environ["HTTP_X_SEEN"] = "changed"
        environ["mine"] = "set by the app"
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [seen.encode()]

    server = serve(mutating_app)
    with server.connect() as sock:
        for _ in range(3):
            sock.sendall(b"GET /same HTTP/1.1\r\nHost: x\r\nX-Seen: sent\r\n\r\n")
            assert body_of(read_response(sock)) == b"/same|sent|None"
        sock.sendall(b"GET /other HTTP/1.1\r\nHost: x\r\n\r\n")
        assert body_of(read_response(sock)) == b"/other|None|None"
        sock.sendall(b"GET /same HTTP/1.1\r\nHost: x\r\nX-Seen: sent\r\n\r\n")
        assert body_of(read_response(sock)) == b"/same|sent|None"
    assert len(calls) == 5


def test_remote_port_is_the_client_port(serve: Callable[..., Running]) -> None:
    server = serve(environ_app)
    with server.connect() as sock:
        sock.sendall(b"GET /?REMOTE_PORT HTTP/1.1\r\nHost: x\r\n\r\n")
        assert body_of(read_response(sock)) == repr(str(sock.getsockname()[1])).encode()


def test_path_info_is_latin1_of_percent_decoded_bytes(serve: Callable[..., Running]) -> None:
    server = serve(environ_app)
    raw = server.request(
        b"GET /caf%C3%A9/a%2Fb?PATH_INFO,QUERY_STRING,RAW_URI&x=%C3%A9 HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    expected = "|".join(
        [
            repr("/caf\xc3\xa9/a/b"),
            repr("PATH_INFO,QUERY_STRING,RAW_URI&x=%C3%A9"),
            repr("/caf%C3%A9/a%2Fb?PATH_INFO,QUERY_STRING,RAW_URI&x=%C3%A9"),
        ]
    )
    assert body_of(raw).decode() == expected


def test_absolute_form_target(serve: Callable[..., Running]) -> None:
    raw = serve(environ_app).request(
        b"GET http://example.org:8080/p/q?PATH_INFO,QUERY_STRING HTTP/1.1\r\n"
        b"Host: example.org\r\n\r\n"
    )
    assert body_of(raw) == b"'/p/q'|'PATH_INFO,QUERY_STRING'"


def test_write_callable_and_iterable_mix(serve: Callable[..., Running]) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        write = start_response("200 OK", [("Content-Length", "6")])
        write(b"abc")
        return [b"def"]

    assert serve(app).request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n") == (
        b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nServer: kettle\r\nDate: <date>\r\n\r\nabcdef"
    )


def test_exc_info_replaces_the_status_before_the_head_is_sent(
    serve: Callable[..., Running],
) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        start_response("200 OK", [("X-First", "1")])
        try:
            raise ValueError("boom")
        except ValueError:
            start_response("503 Service Unavailable", [("X-Second", "1")], sys.exc_info())
        return [b"late"]

    assert serve(app).request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n") == (
        b"HTTP/1.1 503 Service Unavailable\r\nX-Second: 1\r\nServer: kettle\r\n"
        b"Date: <date>\r\nContent-Length: 4\r\n\r\nlate"
    )


def test_exc_info_after_the_head_is_sent_cuts_the_connection(
    serve: Callable[..., Running],
) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", [])
        yield b"partial"
        try:
            raise ValueError("boom")
        except ValueError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        yield b"never"

    raw = serve(app).exchange(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert normalize(raw) == (
        b"HTTP/1.1 200 OK\r\nServer: kettle\r\nDate: <date>\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n7\r\npartial\r\n"
    )


def test_app_date_and_server_headers_win(serve: Callable[..., Running]) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        start_response("200 OK", [("Server", "mine"), ("Date", "yesterday")])
        return [b""]

    assert serve(app).request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n") == (
        b"HTTP/1.1 200 OK\r\nServer: mine\r\nDate: yesterday\r\nContent-Length: 0\r\n\r\n"
    )


def test_app_connection_close_closes(serve: Callable[..., Running]) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        start_response("200 OK", [("Connection", "close")])
        return [b"x"]

    raw = serve(app).exchange(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert normalize(raw) == (
        b"HTTP/1.1 200 OK\r\nServer: kettle\r\nDate: <date>\r\nContent-Length: 1\r\n"
        b"Connection: close\r\n\r\nx"
    )


def test_file_wrapper_uses_the_file(serve: Callable[..., Running], tmp_path: Any) -> None:
    path = tmp_path / "data.bin"
    payload = bytes(range(256)) * 1000
    path.write_bytes(payload)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Any:
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        handle = open(path, "rb")  # noqa: SIM115  # closed by the wrapper
        handle.seek(10)
        return environ["wsgi.file_wrapper"](handle, 4096)

    raw = serve(app).request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert raw == (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nServer: kettle\r\n"
        b"Date: <date>\r\nContent-Length: 255990\r\n\r\n" + payload[10:]
    )


def test_file_wrapper_on_a_non_file_streams(serve: Callable[..., Running]) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Any:
        start_response("200 OK", [])
        return environ["wsgi.file_wrapper"](io.BytesIO(b"x" * 10), 4)

    raw = serve(app).request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert raw.endswith(b"chunked\r\n\r\n4\r\nxxxx\r\n4\r\nxxxx\r\n2\r\nxx\r\n0\r\n\r\n")


def test_unread_body_is_drained_and_connection_kept(serve: Callable[..., Running]) -> None:
    server = serve()
    with server.connect() as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
        assert normalize(read_response(sock)) == HELLO
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert normalize(read_response(sock)) == HELLO


def test_input_readline_and_iteration(serve: Callable[..., Running]) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        stream = environ["wsgi.input"]
        first = stream.readline()
        part = stream.read(2)
        rest = list(stream)
        start_response("200 OK", [])
        return [repr((first, part, rest)).encode()]

    raw = serve(app).request(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4\r\nab\nc\r\n5\r\nd\nef\n\r\n2\r\ngh\r\n0\r\n\r\n"
    )
    assert body_of(raw) == repr((b"ab\n", b"cd", [b"\n", b"ef\n", b"gh"])).encode()


def test_body_is_streamed_not_buffered(serve: Callable[..., Running]) -> None:
    seen: list[bytes] = []

    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        seen.append(environ["wsgi.input"].read(5))
        start_response("200 OK", [])
        return [b"got " + seen[0]]

    # Past max_buffered_body bytes a worker takes the request and the rest streams.
    server = serve(app, max_buffered_body=5)
    with server.connect() as sock:
        # The app answers after the first 5 bytes though 10,000,000 were announced.
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\nhello")
        raw = normalize(read_response(sock))
        assert raw.endswith(b"Content-Length: 9\r\nConnection: close\r\n\r\ngot hello")
        assert is_closed(sock)


def test_many_sequential_connections(serve: Callable[..., Running]) -> None:
    server = serve(hello_app)
    for _ in range(50):
        assert server.request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n") == HELLO


def test_read_all_returns_at_close(serve: Callable[..., Running]) -> None:
    server = serve()
    with server.connect() as sock:
        sock.settimeout(TIMEOUT)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert normalize(read_all(sock)).endswith(b"Hello, World!")


def test_a_hundred_pipelined_requests_in_one_packet(serve: Callable[..., Running]) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        start_response("200 OK", [])
        return [environ["PATH_INFO"][1:].encode() + b";"]

    requests = b"".join(b"GET /%d HTTP/1.1\r\nHost: x\r\n\r\n" % n for n in range(100))
    raw = serve(app).exchange(
        requests + b"GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    bodies = [part.partition(b"\r\n\r\n")[2] for part in raw.split(b"HTTP/1.1 200 OK\r\n")[1:]]
    assert bodies == [b"%d;" % n for n in range(100)] + [b"last;"]


def test_chunked_http10_request_is_refused(serve: Callable[..., Running]) -> None:
    # RFC 9112 section 6.1: chunked framing in an HTTP/1.0 message is faulty (gunicorn and
    # hypercorn answer 400 too); decoding it would give a smuggler a framing to disagree on.
    raw = serve(echo_app).exchange(
        b"POST /c HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"2\r\nhi\r\n0\r\n\r\n"
    )
    assert normalize(raw).startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert raw.endswith(b"400 Bad Request\nTransfer-Encoding in an HTTP/1.0 request\n")


def test_unknown_method_is_not_implemented(serve: Callable[..., Running]) -> None:
    raw = serve().exchange(b"FROB / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert normalize(raw).startswith(b"HTTP/1.1 501 Not Implemented\r\n")
    assert raw.endswith(b"501 Not Implemented\nmethod FROB is not implemented\n")
