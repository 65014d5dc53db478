"""Threads and connections: slow requests, idle connections, the pool bound, shutdown."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kettle.server import Server

from .conftest import TIMEOUT, Running, hello_app, is_closed, normalize, read_all, read_response

StartResponse = Callable[..., Any]


def sleepy_app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    seconds = float(environ["QUERY_STRING"] or 0)
    time.sleep(seconds)
    start_response("200 OK", [])
    return [b"slept %s" % environ["QUERY_STRING"].encode()]


def get(port: int, target: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        return read_response(sock)


def test_a_slow_request_does_not_delay_others(serve: Callable[..., Running]) -> None:
    server = serve(sleepy_app, threads=4)
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(get, server.port, "/?2.5")
        time.sleep(0.1)
        started = time.monotonic()
        for _ in range(10):
            assert get(server.port, "/?0").endswith(b"slept 0")
        assert time.monotonic() - started < 2.0
        assert not slow.done()  # all ten were served while the slow one was running
        assert slow.result(TIMEOUT).endswith(b"slept 2.5")


def test_idle_keep_alive_connections_hold_no_threads(serve: Callable[..., Running]) -> None:
    server = serve(hello_app, threads=2)
    threads_before = threading.active_count()
    idle = []
    try:
        for _ in range(60):
            sock = server.connect()
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_response(sock).endswith(b"Hello, World!")
            idle.append(sock)  # kept open, idle, in keep-alive
        # 60 idle connections, 2 workers: a new client is still served at once, and so is
        # each idle connection when it speaks again.
        started = time.monotonic()
        assert get(server.port, "/").endswith(b"Hello, World!")
        for sock in idle[::10]:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_response(sock).endswith(b"Hello, World!")
        assert time.monotonic() - started < 2.0
        assert threading.active_count() == threads_before
    finally:
        for sock in idle:
            sock.close()


def test_requests_beyond_the_pool_wait_and_are_all_served(serve: Callable[..., Running]) -> None:
    server = serve(sleepy_app, threads=2)
    started = time.monotonic()
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: get(server.port, "/?0.3"), range(6)))
    elapsed = time.monotonic() - started
    assert all(r.endswith(b"slept 0.3") for r in results)
    assert 0.85 < elapsed < 3.0  # three waves of two


def test_graceful_shutdown_finishes_an_in_flight_request() -> None:
    server = Server(sleepy_app, threads=2).start()
    port = server.port
    idle = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    idle.sendall(b"GET /?0 HTTP/1.1\r\nHost: x\r\n\r\n")
    assert read_response(idle).endswith(b"slept 0")
    busy = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    busy.sendall(b"GET /?0.6 HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.2)
    started = time.monotonic()
    server.stop(grace=5.0)
    elapsed = time.monotonic() - started
    assert normalize(read_all(busy)) == (
        b"HTTP/1.1 200 OK\r\nServer: kettle\r\nDate: <date>\r\nContent-Length: 9\r\n"
        b"Connection: close\r\n\r\nslept 0.6"
    )
    assert 0.2 < elapsed < 2.0
    assert is_closed(idle, wait=1.0)
    try:
        refused = socket.create_connection(("127.0.0.1", port), timeout=1.0)
    except ConnectionRefusedError:
        pass
    else:
        refused.close()
        raise AssertionError("the server still accepts connections after stop()")
    busy.close()
    idle.close()


def test_shutdown_grace_period_is_bounded() -> None:
    server = Server(sleepy_app, threads=1).start()
    busy = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
    busy.sendall(b"GET /?3 HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.2)
    started = time.monotonic()
    server.stop(grace=0.3)
    assert time.monotonic() - started < 2.0
    busy.close()


def test_concurrent_keep_alive_clients_get_their_own_responses(
    serve: Callable[..., Running],
) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        start_response("200 OK", [])
        return [environ["PATH_INFO"].encode()]

    server = serve(app, threads=4)

    def client(index: int) -> bool:
        with server.connect() as sock:
            for n in range(20):
                sock.sendall(f"GET /{index}/{n} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                if not read_response(sock).endswith(f"\r\n\r\n/{index}/{n}".encode()):
                    return False
        return True

    with ThreadPoolExecutor(16) as pool:
        assert all(pool.map(client, range(16)))


def test_shutdown_event_lets_long_responses_end_early() -> None:
    seen: list[bool] = []

    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        shutdown = environ["kettle.shutdown"]
        seen.append(shutdown.is_set())
        ended = shutdown.wait(TIMEOUT)
        start_response("200 OK", [])
        return [b"ended early" if ended else b"timed out"]

    server = Server(app, threads=2).start()
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.2)
        started = time.monotonic()
        server.stop(grace=TIMEOUT)
        assert time.monotonic() - started < 2.0
        assert read_all(sock).endswith(b"Connection: close\r\n\r\nended early")
    assert seen == [False]
