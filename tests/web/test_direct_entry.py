"""kettle.server's direct entry for a Kettle app (``Kettle.kettle_direct``): the same
bytes on the wire as the WSGI call, request by request, and the cases where the server
must call the app as WSGI (middleware, a wrapper, a request it cannot answer directly).

Each case runs on two real servers side by side: one serving the app (the direct entry)
and one serving a plain function that calls it (WSGI only); their raw responses, the
Date line aside, must be equal byte for byte, and so must what the connection does next.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from server.conftest import TIMEOUT, Running, normalize, read_response
from server.test_batching import BLOCK, body_of, queue_behind_a_blocked_worker

import kettle.server.engine as engine_module
import kettle.server.wsgi as server_wsgi
from kettle.http.parts import ResponseParts
from kettle.server import Server
from kettle.server.response import STARTS
from kettle.web import testing
from kettle.web.app import Kettle
from kettle.web.globals import request
from kettle.web.helpers import make_response, redirect
from kettle.web.json import jsonify
from kettle.web.response import response_parts
from kettle.web.wrappers import Response


def _app() -> Kettle:
    app = Kettle(__name__)

    @app.route("/text")
    def text() -> str:
        return "hello"

    @app.route("/json")
    def json() -> Any:
        return jsonify(message="Hello, World!")

    @app.route("/empty")
    def empty() -> Any:
        return "", 204

    @app.route("/redirect")
    def to_text() -> Any:
        return redirect("/text")

    @app.route("/cookie")
    def cookie() -> Any:
        response = make_response("with a cookie")
        response.set_cookie("flavour", "ginger")
        return response

    @app.route("/own-date")
    def own_date() -> Any:
        return Response("dated", headers={"Date": "Thu, 01 Jan 1970 00:00:00 GMT"})

    @app.route("/close")
    def close() -> Any:
        return Response("bye", headers={"Connection": "close"})

    @app.route("/stream")
    def stream() -> Any:
        return Response(iter([b"a", b"b"]))

    @app.route("/big")
    def big() -> str:
        return "x" * 100_000

    @app.route("/boom")
    def boom() -> str:
        raise ValueError("boom")

    @app.route("/echo", methods=["POST"])
    def echo() -> bytes:
        return request.get_data()

    @app.route("/bad-header")
    def bad_header() -> Any:
        return Response("x", headers={"X-Price": "5 \u20ac"})  # not latin-1: the server's 500

    return app


def _through_wsgi(app: Kettle) -> Callable[..., Any]:
    def call(environ: dict[str, Any], start_response: Any) -> Any:
        return app(environ, start_response)

    return call


@pytest.fixture
def servers() -> Iterator[Callable[[Any], int]]:
    started: list[Server] = []

    def start(app: Any) -> int:
        server = Server(app, "127.0.0.1", 0, threads=4).start()
        started.append(server)
        return server.port

    yield start
    for server in started:
        server.stop(grace=1)


def _exchange(port: int, raw: bytes) -> bytes:
    """``raw``'s response, then what a ``GET /text`` on the same connection gets (the
    response, or how the connection ended)."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(raw)
        first = read_response(sock, head_only=raw.startswith(b"HEAD "))
        try:
            sock.sendall(b"GET /text HTTP/1.1\r\nHost: x\r\n\r\n")
            second = read_response(sock) or b"<closed>"
        except (ConnectionResetError, BrokenPipeError):
            second = b"<closed>"
    return normalize(first) + b"|" + normalize(second)


GET = b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n"
CASES = {
    "text": GET % b"/text",
    "json": GET % b"/json",
    "204": GET % b"/empty",
    "404": GET % b"/missing",
    "405": b"POST /text HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    "redirect": GET % b"/redirect",
    "cookie": GET % b"/cookie",
    "own-date": GET % b"/own-date",
    "app-close": GET % b"/close",
    "stream": GET % b"/stream",
    "big": GET % b"/big",
    "error": GET % b"/boom",
    "bad-header": GET % b"/bad-header",
    "head": b"HEAD /text HTTP/1.1\r\nHost: x\r\n\r\n",
    "http10": b"GET /text HTTP/1.0\r\n\r\n",
    "http10-keep-alive": b"GET /text HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "client-close": b"GET /text HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "body": b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd",
    "chunked": b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"2\r\nab\r\n0\r\n\r\n",
    "query": GET % b"/text?a=1",
}


@pytest.mark.parametrize("raw", list(CASES.values()), ids=list(CASES))
def test_the_direct_entry_sends_what_the_wsgi_call_sends(
    servers: Callable[[Any], int], raw: bytes
) -> None:
    app = _app()
    direct, wsgi = servers(app), servers(_through_wsgi(app))
    assert _exchange(direct, raw) == _exchange(wsgi, raw)


def test_a_text_response_and_its_next_request_exactly() -> None:
    """The bytes of the commonest case, written out, so both paths are seen to be right
    and not only alike."""
    server = Server(_app(), "127.0.0.1", 0, threads=2).start()
    try:
        assert _exchange(server.port, GET % b"/text") == (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            b"Content-Length: 5\r\nServer: kettle\r\nDate: <date>\r\n\r\nhello|"
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            b"Content-Length: 5\r\nServer: kettle\r\nDate: <date>\r\n\r\nhello"
        )
    finally:
        server.stop(grace=1)


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The bodies ``write_parts`` wrote itself (the direct entry's own write)."""
    seen: list[bytes] = []
    original = server_wsgi.write_parts

    def counting(conn: Any, req: Any, parts: ResponseParts, started: float) -> bool:
        done = original(conn, req, parts, started)
        if done:
            seen.append(parts.body)
        return done

    monkeypatch.setattr(server_wsgi, "write_parts", counting)
    return seen


def test_only_the_app_itself_takes_the_direct_entry(
    servers: Callable[[Any], int], written: list[bytes]
) -> None:
    STARTS.clear()
    app = _app()
    # The WSGI path checks and remembers both status and header lists (``STARTS``) ...
    assert _exchange(servers(_through_wsgi(app)), GET % b"/json").count(b"200 OK") == 2
    assert written == []
    # ... so the direct entry writes both responses itself.
    assert _exchange(servers(app), GET % b"/json").count(b"200 OK") == 2
    assert written == [b'{"message":"Hello, World!"}\n', b"hello"]


def test_middleware_on_wsgi_app_is_called(
    servers: Callable[[Any], int], written: list[bytes]
) -> None:
    app = _app()
    inner = app.wsgi_app

    def middleware(environ: dict[str, Any], start_response: Any) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, ("X-Middleware", "1")], exc_info)

        return inner(environ, start)

    app.wsgi_app = middleware  # type: ignore[method-assign]
    response = _exchange(servers(app), GET % b"/text")
    assert response.count(b"X-Middleware: 1\r\n") == 2
    assert written == []


def test_a_wrapper_that_hands_on_attribute_reads_is_not_skipped(
    servers: Callable[[Any], int], written: list[bytes]
) -> None:
    """A wrapper whose ``__getattr__`` finds the app's ``kettle_direct``: the server
    must call the wrapper, not the app it wraps."""
    app = _app()

    class Wrapper:
        def __init__(self, wrapped: Kettle) -> None:
            self.wrapped = wrapped

        def __getattr__(self, name: str) -> Any:
            return getattr(self.wrapped, name)

        def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
            def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                return start_response(status, [*headers, ("X-Wrapped", "1")], exc_info)

            return self.wrapped(environ, start)

    assert Wrapper(app).kettle_direct == app.kettle_direct  # the trap is set
    response = _exchange(servers(Wrapper(app)), GET % b"/text")
    assert response.count(b"X-Wrapped: 1\r\n") == 2
    assert written == []


def test_a_hook_makes_the_app_answer_as_wsgi(
    servers: Callable[[Any], int], written: list[bytes]
) -> None:
    """Only the plain form gives parts: an app with a hook is called as WSGI, and the hook
    runs."""
    app = _app()
    seen: list[str] = []
    app.before_request(lambda: seen.append(request.path) and None)
    assert _exchange(servers(app), GET % b"/text").count(b"\r\n\r\nhello") == 2
    assert (seen, written) == (["/text", "/text"], [])


def test_takeover_on_a_request_the_direct_entry_serves(servers: Callable[[Any], int]) -> None:
    app = Kettle(__name__)
    leftovers: list[bytes] = []

    @app.route("/raw")
    def raw() -> str:
        sock, leftover = request.environ["kettle.takeover"]()
        leftovers.append(leftover)
        sock.sendall(b"raw bytes, then closed")
        sock.close()
        return "never sent"

    with socket.create_connection(("127.0.0.1", servers(app)), timeout=TIMEOUT) as sock:
        sock.sendall(GET % b"/raw")
        received = b""
        while piece := sock.recv(4096):
            received += piece
    assert (received, leftovers) == (b"raw bytes, then closed", [b""])


def test_responses_of_the_direct_entry_are_batched(
    monkeypatch: pytest.MonkeyPatch, written: list[bytes]
) -> None:
    """As ``tests/server/test_batching.py`` shows for the WSGI path: while requests wait
    in the queue, a fast request's response is held and goes out with the next ones."""
    monkeypatch.setattr(engine_module, "HOLD_SECONDS", 60.0)
    STARTS.clear()
    app = Kettle(__name__)
    held_during: dict[str, int] = {}
    server = Server(app, "127.0.0.1", 0, threads=1, batch_responses=True).start()

    @app.route("/block")
    def block() -> str:
        time.sleep(float(request.query_string))
        return request.query_string.decode()

    @app.route("/fast")
    def fast() -> str:
        assert server._engine is not None
        held_during[request.query_string.decode()] = len(server._engine._held)
        return request.query_string.decode()

    try:
        socks = queue_behind_a_blocked_worker(
            Running(server), ["/fast?1", "/fast?2", "/block?0.01", "/fast?4"]
        )
        try:
            bodies = [body_of(read_response(sock)) for sock in socks]
        finally:
            for sock in socks:
                sock.close()
    finally:
        server.stop(grace=1)
    assert bodies == [str(BLOCK).encode(), b"1", b"2", b"0.01", b"4"]
    assert held_during == {"1": 0, "2": 1, "4": 2}
    # The first response of each status and header list goes through an ``Exchange``,
    # which checks it and remembers it (``STARTS``, emptied above); later ones are
    # written directly: here those of Content-Length 1 after the first.
    assert written == [b"2", b"4"]


def test_takeover_after_the_response_was_written_fails(servers: Callable[[Any], int]) -> None:
    """A ``kettle.takeover`` kept past its request and called from another connection's
    request is refused, as an ``Exchange``'s is once its response started, and the
    connection it belonged to goes on serving."""
    app = Kettle(__name__)
    kept: list[Any] = []
    errors: list[str] = []

    @app.route("/keep")
    def keep() -> str:
        kept.append(request.environ["kettle.takeover"])
        return "kept"

    @app.route("/late")
    def late() -> str:
        try:
            kept[-1]()
        except RuntimeError as error:
            errors.append(str(error))
        return "still served"

    port = servers(app)
    _exchange(port, GET % b"/keep")  # the status and header list are now known
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(GET % b"/keep")
        assert read_response(sock).endswith(b"\r\n\r\nkept")  # written directly
        late_response = _exchange(port, GET % b"/late").split(b"|")[0]
        assert late_response.endswith(b"\r\n\r\nstill served")
        sock.sendall(GET % b"/keep")
        assert read_response(sock).endswith(b"\r\n\r\nkept")
    assert errors == ["no request is being served on this connection"]


# -- the app's side: ``response_parts`` and the test client's driver ---------------------


def test_response_parts_of_the_common_response() -> None:
    environ = {"REQUEST_METHOD": "GET"}
    response = Response("hi", status=201)
    assert response_parts(response, environ) == (
        "201 CREATED",
        (("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "2")),
        b"hi",
    )
    response.headers["X-A"] = "1"  # headers read: the list as it is now
    parts = response_parts(response, environ)
    assert parts is not None and type(parts) is ResponseParts
    assert parts.headers == (
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", "2"),
        ("X-A", "1"),
    )


class _OwnCall(Response):
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return super().__call__(environ, start_response)


class _OwnHeaders(Response):
    def get_wsgi_headers(self, environ: dict[str, Any]) -> Any:
        return super().get_wsgi_headers(environ)


@pytest.mark.parametrize(
    ("make", "method"),
    [
        (lambda: Response("hi"), "HEAD"),
        (lambda: Response(iter([b"a"])), "GET"),
        (lambda: Response(status=204), "GET"),
        (lambda: Response("hi", status=304), "GET"),
        (lambda: _OwnCall("hi"), "GET"),
        (lambda: _OwnHeaders("hi"), "GET"),
    ],
    ids=["head", "streamed", "204", "304", "own-call", "own-headers"],
)
def test_response_parts_leaves_every_other_response_to_wsgi(
    make: Callable[[], Response], method: str
) -> None:
    assert response_parts(make(), {"REQUEST_METHOD": method}) is None


def test_a_call_on_close_function_leaves_the_response_to_wsgi() -> None:
    response = Response("hi")
    response.call_on_close(lambda: None)
    assert response_parts(response, {"REQUEST_METHOD": "GET"}) is None


@pytest.mark.parametrize("path", ["/text", "/json", "/cookie", "/empty", "/stream", "/boom"])
def test_the_test_client_driver_gives_what_the_wsgi_call_gives(
    monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """``CALL_DIRECT`` (``KETTLE_TEST_DIRECT=1``): the test client calls ``kettle_direct``
    as kettle.server does; the response is the WSGI call's."""
    app = _app()
    answers = []
    for direct in (False, True):
        monkeypatch.setattr(testing, "CALL_DIRECT", direct)
        response = app.test_client().get(path)
        answers.append((response.status, response.headers.to_wsgi_list(), response.data))
    assert answers[0] == answers[1]
    assert (
        answers[0][0]
        == {
            "/text": "200 OK",
            "/json": "200 OK",
            "/cookie": "200 OK",
            "/empty": "204 NO CONTENT",
            "/stream": "200 OK",
            "/boom": "500 INTERNAL SERVER ERROR",
        }[path]
    )


def test_kettle_direct_returns_parts_only_for_the_plain_form() -> None:
    app = _app()
    environ = app.test_request_context("/text").request.environ
    started: list[Any] = []
    parts = app.kettle_direct(dict(environ), lambda *args: started.append(args))
    assert type(parts) is ResponseParts and parts.body == b"hello" and started == []
    app.after_request(lambda response: response)
    result = app.kettle_direct(dict(environ), lambda *args: started.append(args))
    assert list(result) == [b"hello"] and [args[0] for args in started] == ["200 OK"]
