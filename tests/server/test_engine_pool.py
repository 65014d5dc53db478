"""How the engine's pool threads take work: idle threads poll the connection set themselves
and serve what they read in place (no hand-off), threads are woken one at a time, and the
selector reads connections only while every thread is busy."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from kettle.server import engine

from .conftest import TIMEOUT, Running, read_response

StartResponse = Callable[..., Any]


def thread_name_app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [threading.current_thread().name.encode()]


def get(port: int, target: str = "/") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        return read_response(sock)


def body(response: bytes) -> bytes:
    return response.partition(b"\r\n\r\n")[2]


def test_an_idle_server_serves_from_the_polling_threads_only(
    serve: Callable[..., Running],
) -> None:
    # One request at a time: the thread that reads a request serves it, so the same
    # POLLERS threads serve everything instead of each request waking the next of the 8.
    server = serve(thread_name_app, threads=8)
    names = {body(get(server.port)) for _ in range(30)}
    with server.connect() as sock:
        for _ in range(30):
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            names.add(body(read_response(sock)))
    assert engine.POLLERS == 2
    assert 1 <= len(names) <= engine.POLLERS
    assert all(name.startswith(b"kettle-worker-") for name in names)


def test_requests_that_block_in_the_app_get_every_thread(serve: Callable[..., Running]) -> None:
    # Each request returns only once all four are inside the app at the same time: threads
    # are woken one at a time, but none may stay asleep while a ready request waits.
    meeting = threading.Barrier(4, timeout=TIMEOUT)

    def meet(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        meeting.wait()
        start_response("200 OK", [])
        return [b"met"]

    server = serve(meet, threads=4)
    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: get(server.port), range(4)))
    assert [body(r) for r in results] == [b"met"] * 4
    assert time.monotonic() - started < 3.0


def test_the_selector_reads_while_every_thread_is_busy(serve: Callable[..., Running]) -> None:
    release = threading.Event()

    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        if environ["PATH_INFO"] == "/stuck":
            release.wait(TIMEOUT)
            start_response("200 OK", [])
            return [b"freed"]
        data = environ["wsgi.input"].read()
        start_response("200 OK", [])
        return [b"got " + data]

    server = serve(app, threads=1)
    stuck = server.connect()
    waiting = server.connect()
    try:
        stuck.sendall(b"GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.2)  # the only thread is in the app now; no thread polls
        waiting.sendall(
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
        )
        # The selector reads the head and answers 100 Continue itself (RFC 9110 10.1.1).
        assert waiting.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        waiting.sendall(b"hello")
        release.set()
        assert body(read_response(stuck)) == b"freed"
        assert body(read_response(waiting)) == b"got hello"
    finally:
        release.set()
        stuck.close()
        waiting.close()


@pytest.mark.parametrize("threads", [1, 2], ids=["one-thread", "two-threads"])
def test_no_ready_request_is_left_behind(serve: Callable[..., Running], threads: int) -> None:
    # Clients that leave mid-body make the pool threads and the selector read at the same
    # moments; a request queued by one while the threads wait in epoll_wait must still be
    # served (a poller is woken for it), round after round.
    server = serve(thread_name_app, threads=threads)
    for _ in range(30):
        for _ in range(3):
            with server.connect() as sock:
                sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        answer = get(server.port)
        assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
        assert body(answer).startswith(b"kettle-worker-")


def test_while_every_thread_is_busy_the_selector_reads_once_a_tick(
    serve: Callable[..., Running], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Requests that arrive while every thread serves wait for a thread anyway: the selector
    # must not wake (and take the GIL from the serving thread) for each of them. It reads
    # them once a tick; the thread that finishes reads the rest itself.
    reads: list[float] = []
    read_while_busy = engine.Engine._read_while_busy

    def counting(self: engine.Engine) -> None:
        reads.append(time.monotonic())
        read_while_busy(self)

    monkeypatch.setattr(engine.Engine, "_read_while_busy", counting)
    release = threading.Event()

    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        if environ["PATH_INFO"] == "/stuck":
            release.wait(TIMEOUT)
        start_response("200 OK", [])
        return [environ["PATH_INFO"].encode()]

    server = serve(app, threads=1)
    stuck = server.connect()
    others = [server.connect() for _ in range(8)]
    try:
        stuck.sendall(b"GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.1)  # the only thread is in the app now
        started = time.monotonic()
        for number, sock in enumerate(others):
            sock.sendall(f"GET /{number} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            time.sleep(0.03)
        time.sleep(0.3)
        busy_reads = [at for at in reads if at >= started]
        elapsed = time.monotonic() - started
        # One read for the watch armed when the thread took /stuck, then one per tick.
        assert 1 <= len(busy_reads) <= 2 + int(elapsed / engine._TICK)
        release.set()
        assert body(read_response(stuck)) == b"/stuck"
        assert [body(read_response(sock)) for sock in others] == [
            f"/{number}".encode() for number in range(8)
        ]
    finally:
        release.set()
        stuck.close()
        for sock in others:
            sock.close()
