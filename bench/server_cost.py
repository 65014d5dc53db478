"""Per-request cost of kettle.server's own path, piece by piece, in one thread.

No load generator and no thread hand-offs: each piece runs in a loop in this process, so
the figures measure the Python work per request and nothing else. Pieces:

  parse            RequestReader: feed one request head, pop its two events (with
                   ``--vary``, or when the head differs from the one before it, the
                   head is parsed; a head repeated byte for byte is the reader's memo)
  environ          the per-request environ of a connection whose client sends the same
                   request again (EnvironSource.build: a copy of the previous environ)
  environ_first    the environ of a request unlike the previous one: a copy of the
                   connection's base + fill_environ
  start_response   Exchange(), start_response(status, 2 headers), send_result([body])
  kettle_response  a Kettle Response answering through start_response (Response.__call__)
  run_hello        wsgi.run: environ, a bare WSGI hello, its response written
  loop_hello       the whole path over a socketpair: Connection.on_readable (recv, parse,
                   dispatch), the worker's serve_ready (run, send, re-arm epoll), the
                   client's send and receive; the bare WSGI hello
  loop_kettle      the same with Kettle's TechEmpower app (bench/tfb_apps)

The request is a GET of ``--path`` (default /plaintext; /json for the JSON route) with
five header fields, the same bytes every time as a load generator sends it; ``--vary``
alternates two requests that differ in one header value (``User-Agent``), so that
nothing a connection remembers of its previous request applies (the reader's memo of a
repeated head, ``EnvironSource``'s copy of a repeated environ): the cost for a client that
never repeats itself. ``--instructions`` runs each piece twice under ``valgrind
--tool=callgrind`` (``--count`` and three times that) and prints the difference per
request: deterministic (with a fixed hash seed), so it is the figure to compare when the
machine is busy. Without it, the median process time per request over ``--rounds``.

    .venv/bin/python bench/server_cost.py                       # all pieces, microseconds
    .venv/bin/python bench/server_cost.py --instructions        # instruction counts
    .venv/bin/python bench/server_cost.py --pieces parse,environ --count 20000
    .venv/bin/python bench/server_cost.py --instructions --pieces loop_kettle --path /json
    .venv/bin/python bench/server_cost.py --instructions --pieces parse,loop_kettle --vary
"""

from __future__ import annotations

import argparse
import os
import re
import select
import socket
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))
os.environ.setdefault("TFB_DB", "/tmp/kettle_request_cost.sqlite")

from callgrind import instructions_per_call  # noqa: E402

from kettle.server import Server  # noqa: E402
from kettle.server.connection import Connection  # noqa: E402
from kettle.server.engine import Engine  # noqa: E402
from kettle.server.environ import EnvironSource, fill_environ  # noqa: E402
from kettle.server.protocol import Limits, Request, RequestReader  # noqa: E402
from kettle.server.wsgi import Exchange, run  # noqa: E402


def request_for(path: str, agent: bytes = b"wrk") -> bytes:
    """The GET request every piece parses and answers, for ``path``."""
    if not re.fullmatch(r"/[!-~]*", path):
        raise SystemExit(f"--path must start with / and hold no spaces: {path!r}")
    return (
        b"GET %s HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: %s\r\n"
        b"Accept: */*\r\nAccept-Encoding: gzip\r\nConnection: keep-alive\r\n\r\n"
    ) % (path.encode("ascii"), agent)


REQUEST = request_for("/plaintext")
# The requests the parse and loop pieces send in turn: REQUEST alone, or with --vary
# REQUEST and one that differs from it in a header value.
REQUESTS = [REQUEST]


def next_request() -> bytes:
    """The next request to send (the list turns round)."""
    REQUESTS.append(request := REQUESTS.pop(0))
    return request


PIECES = (
    "parse",
    "environ",
    "environ_first",
    "start_response",
    "kettle_response",
    "run_hello",
    "loop_hello",
    "loop_kettle",
)


def hello(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"Hello, World!"]


_SINKS: list[_Sink] = []


class _Sink:
    """The connection side an Exchange writes to, without a socket."""

    continued = None
    access_log = False
    tls = False
    sock = None
    batching = False  # a response is sent at once, never held (``Engine.hold``)

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.sent = b""
        _SINKS.append(self)

    def sendall(self, data: bytes) -> None:
        self.sent = data

    def server_draining(self) -> bool:  # what older versions of wsgi.py ask instead
        return False


def _engine(app: Any) -> Engine:
    base = Server(app, "127.0.0.1", 0)._base_environ()
    return Engine(
        app, [], threads=1, limits=Limits(), header_timeout=10.0, keepalive_timeout=5.0,
        body_timeout=30.0, min_body_rate=240.0, send_timeout=30.0, base_environ=base,
        ssl_context=None, access_log=False,
    )  # fmt: skip


def _parsed() -> Request:
    reader = RequestReader()
    reader.feed(REQUEST)
    event = reader.next_event()
    assert type(event) is Request
    return event


def build(piece: str) -> Callable[[], None]:
    """A function that does ``piece`` once per call."""
    request = _parsed()
    engine = _engine(hello)
    base = dict(engine.base_environ, REMOTE_ADDR="127.0.0.1", REMOTE_PORT="50000")
    sink: Any = _Sink(engine)
    if piece == "parse":
        reader = RequestReader()

        def parse() -> None:
            reader.feed(next_request())
            reader.next_event()
            reader.next_event()

        return parse
    source = EnvironSource(base)
    if piece == "environ":
        return lambda: source.build(request)
    if piece == "environ_first":
        return lambda: fill_environ(base.copy(), request)
    if piece == "start_response":

        def respond() -> None:
            exchange = Exchange(sink, request)
            exchange.start_response("200 OK", [("Content-Type", "text/plain"), ("X-A", "b")])
            exchange.send_result([b"Hello, World!"])

        return respond
    if piece == "kettle_response":
        from kettle import Response

        environ = base.copy()
        fill_environ(environ, request)
        response = Response(b"Hello, World!", mimetype="text/plain")

        def kettle_response() -> None:
            exchange = Exchange(sink, request)
            exchange.send_result(response(environ, exchange.start_response))

        return kettle_response
    if piece == "run_hello":
        return lambda: run(hello, sink, request, source.build(request))
    if piece in ("loop_hello", "loop_kettle"):
        return _loop(hello if piece == "loop_hello" else _kettle_app())
    raise SystemExit(f"unknown piece {piece!r}; known: {', '.join(PIECES)}")


def _kettle_app() -> Any:
    from tfb_apps import common
    from tfb_apps.kettle_app import app

    if not os.path.exists(os.environ["TFB_DB"]):
        common.create_database(os.environ["TFB_DB"])
    return app


def _loop(app: Any) -> Callable[[], None]:
    engine = _engine(app)
    server_side, client = socket.socketpair()
    client.settimeout(5.0)
    base = dict(engine.base_environ, REMOTE_ADDR="127.0.0.1", REMOTE_PORT="50000")
    conn = Connection(server_side, base, engine, False)
    engine.conns[conn.fd] = conn
    engine._epoll.register(conn.fd, select.EPOLLIN | select.EPOLLONESHOT)
    take = engine._ready.popleft  # where dispatch() leaves a ready connection

    def one() -> None:
        client.sendall(next_request())
        conn.parked = False  # as the selector does before on_readable
        conn.on_readable()
        worker_conn = take()
        assert worker_conn is conn
        worker_conn.serve_ready()
        if not client.recv(65536).startswith(b"HTTP/1.1 200 OK\r\n"):
            raise SystemExit("unexpected response")

    return one


def check(piece: str) -> None:
    """Fail early on an unknown piece, or one whose response is not a 200."""
    _SINKS.clear()
    build(piece)()
    for sink in _SINKS:
        if sink.sent and not sink.sent.startswith(b"HTTP/1.1 200 OK\r\n"):
            raise SystemExit(f"{piece}: unexpected response {sink.sent[:80]!r}")


def microseconds(function: Callable[[], None], count: int, rounds: int) -> float:
    for _ in range(max(count // 10, 10)):
        function()  # warm up (and fill the server's tables)
    samples = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(count):
            function()
        samples.append((time.process_time() - started) / count * 1e6)
    return statistics.median(samples)


def instructions(piece: str, count: int, path: str) -> int:
    """Instructions per call of ``piece`` (see ``callgrind.py``)."""
    vary = ["--vary"] if len(REQUESTS) > 1 else []
    return instructions_per_call(__file__, ["--raw", piece, "--path", path, *vary], count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pieces", default=",".join(PIECES))
    parser.add_argument("--count", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--instructions", action="store_true")
    parser.add_argument("--path", default="/plaintext", help="the request's path")
    parser.add_argument("--vary", action="store_true", help="no request repeats the one before it")
    parser.add_argument("--raw", metavar="PIECE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    global REQUEST
    REQUEST = request_for(args.path)
    REQUESTS[:] = [REQUEST, request_for(args.path, b"wrx")] if args.vary else [REQUEST]
    if args.raw:
        function = build(args.raw)
        for _ in range(args.count):
            function()
        return
    pieces = [piece for piece in args.pieces.split(",") if piece]
    for piece in pieces:
        check(piece)
    if args.instructions:
        count = args.count or 1000
        what = f"{args.path}, varied" if args.vary else args.path
        print(f"instructions per request (callgrind, {count} vs {3 * count} calls, {what})")
        for piece in pieces:
            print(f"{piece:<18}{instructions(piece, count, args.path):>10,}", flush=True)
        return
    count = args.count or 5000
    what = f"{args.path}, varied" if args.vary else args.path
    print(f"process time per request, median of {args.rounds} rounds of {count}, {what}")
    for piece in pieces:
        print(f"{piece:<18}{microseconds(build(piece), count, args.rounds):>8.2f} us", flush=True)


if __name__ == "__main__":
    main()
