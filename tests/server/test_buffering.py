"""Request bodies are buffered by the selector: slow or stalled clients never hold a worker.

Every test runs one worker thread, so a request that held it would visibly block the
others; each checks the other client is answered while the slow one is still pending.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from .conftest import TIMEOUT, Running, normalize, read_all, read_response

StartResponse = Callable[..., Any]
OK = b"HTTP/1.1 200 OK\r\n"


def body_app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    body = environ["wsgi.input"].read() if environ["PATH_INFO"] != "/ignore" else b""
    text = b"%s %d" % (environ["PATH_INFO"].encode(), len(body))
    start_response("200 OK", [("Content-Length", str(len(text)))])
    return [text]


def quick_get(server: Running) -> float:
    started = time.monotonic()
    raw = server.request(b"GET /quick HTTP/1.1\r\nHost: x\r\n\r\n")
    assert raw.startswith(OK) and raw.endswith(b"/quick 0")
    return time.monotonic() - started


def test_a_body_is_buffered_before_the_app_runs(serve: Callable[..., Running]) -> None:
    calls: list[float] = []

    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        calls.append(time.monotonic())
        return body_app(environ, start_response)

    server = serve(app, threads=1)
    with server.connect() as slow:
        slow.sendall(b"POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345")
        time.sleep(0.2)
        assert quick_get(server) < 0.5  # the only worker is free
        assert len(calls) == 1  # only the quick request reached the app
        slow.sendall(b"67890")
        assert normalize(read_response(slow)).endswith(b"/slow 10")
    assert len(calls) == 2


def test_chunked_body_is_buffered_too(serve: Callable[..., Running]) -> None:
    server = serve(body_app, threads=1)
    with server.connect() as slow:
        slow.sendall(
            b"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
        )
        time.sleep(0.1)
        assert quick_get(server) < 0.5
        slow.sendall(b"0\r\n\r\n")
        assert normalize(read_response(slow)).endswith(b"/c 3")


def test_stalled_body_is_timed_out_without_a_worker(serve: Callable[..., Running]) -> None:
    server = serve(body_app, threads=1, body_timeout=0.6)
    with server.connect() as stalled:
        stalled.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        started = time.monotonic()
        assert quick_get(server) < 0.5
        raw = normalize(read_all(stalled))
        elapsed = time.monotonic() - started
    assert raw.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert 0.5 < elapsed < 2.0


def test_body_under_the_minimum_rate_is_cut_by_the_selector(
    serve: Callable[..., Running],
) -> None:
    server = serve(body_app, threads=1, body_timeout=0.4, min_body_rate=50)
    with server.connect() as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
        started = time.monotonic()
        raw = b""
        sock.settimeout(0.1)
        while time.monotonic() - started < 3.0:
            try:
                sock.sendall(b"x")  # 10 bytes/s: each within body_timeout, too slow overall
                raw = sock.recv(65536)
                break
            except TimeoutError:
                continue
            except OSError:
                break
        elapsed = time.monotonic() - started
    assert raw.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert 0.4 < elapsed < 1.5


def test_unread_body_rest_is_discarded_off_the_worker(serve: Callable[..., Running]) -> None:
    # A worker takes the request after 10 buffered bytes; the app ignores the body; the
    # rest trickles in after the response and is skipped by the selector, not a worker.
    server = serve(body_app, threads=1, max_buffered_body=10)
    with server.connect() as sock:
        sock.sendall(b"POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 30\r\n\r\n" + b"a" * 10)
        raw = normalize(read_response(sock))
        assert raw.startswith(OK) and raw.endswith(b"/ignore 0")
        assert b"Connection: close" not in raw
        for _ in range(2):
            sock.sendall(b"b" * 10)
            assert quick_get(server) < 0.5
        sock.sendall(b"POST /next HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
        assert normalize(read_response(sock)).endswith(b"/next 2")


def test_stalled_unread_body_is_closed_by_the_selector(serve: Callable[..., Running]) -> None:
    server = serve(body_app, threads=1, max_buffered_body=10, body_timeout=0.5)
    with server.connect() as sock:
        sock.sendall(b"POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 30\r\n\r\n" + b"a" * 10)
        assert normalize(read_response(sock)).endswith(b"/ignore 0")
        started = time.monotonic()
        assert quick_get(server) < 0.4
        assert read_all(sock) == b""  # closed, with no 408: the response was already sent
        assert 0.4 < time.monotonic() - started < 2.0


def test_client_leaving_mid_body_costs_no_worker(serve: Callable[..., Running]) -> None:
    calls: list[str] = []

    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        calls.append(environ["PATH_INFO"])
        return body_app(environ, start_response)

    server = serve(app, threads=1)
    for _ in range(5):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
        sock.sendall(b"POST /gone HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        sock.close()
    assert quick_get(server) < 0.5
    assert calls == ["/quick"]


def test_many_stalled_heads_and_bodies_with_one_worker(serve: Callable[..., Running]) -> None:
    server = serve(body_app, threads=1)
    stalled = []
    try:
        for index in range(50):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
            if index % 2:
                sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
            else:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            stalled.append(sock)
        time.sleep(0.2)
        durations = []
        errors: list[BaseException] = []

        def client() -> None:
            try:
                for _ in range(5):
                    durations.append(quick_get(server))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=client) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT * 2)
        assert errors == []
        assert len(durations) == 20 and max(durations) < 1.0
    finally:
        for sock in stalled:
            sock.close()
