"""Small responses are sent in batches while more requests wait (``Engine.hold``).

While the queue of ready requests is not empty, a small whole response is held and goes
out with the next ones: when the queue empties, when ``HOLD_MAX`` are held, or once the
first has waited ``HOLD_SECONDS`` (checked by every pool thread between requests, and by
the selector for threads that all went on to long requests).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from kettle.server import engine as engine_module

from .conftest import TIMEOUT, Running, read_response

StartResponse = Callable[..., Any]


class Recorder:
    """``/block?S`` sleeps S seconds; ``/fast?N`` answers N and records how many
    responses the engine held while it ran (the previous ones, waiting to go out)."""

    def __init__(self) -> None:
        self.running: Running | None = None
        self.held_during: dict[str, int] = {}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        query = environ["QUERY_STRING"]
        if environ["PATH_INFO"] == "/block":
            time.sleep(float(query))
        else:
            assert self.running is not None
            engine = self.running.server._engine
            assert engine is not None
            self.held_during[query] = len(engine._held)
        body = query.encode()
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]


def get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()


def body_of(response: bytes) -> bytes:
    return response.partition(b"\r\n\r\n")[2]


BLOCK = 0.6  # past the selector's first tick, which reads the queued connections


def queue_behind_a_blocked_worker(running: Running, paths: list[str]) -> list[socket.socket]:
    """With the one worker asleep in ``/block?BLOCK``, send each of ``paths`` on its own
    connection, in order; the blocking request's connection comes first in the list. The
    selector reads them while the worker sleeps: when it wakes, all wait in the queue."""
    blocker = running.connect()
    blocker.sendall(get(f"/block?{BLOCK}"))
    time.sleep(0.05)
    socks = [blocker]
    for path in paths:
        sock = running.connect()
        sock.sendall(get(path))
        socks.append(sock)
        time.sleep(0.005)
    return socks


@pytest.fixture
def patient(monkeypatch: pytest.MonkeyPatch) -> None:
    """No time limit on holding (a slow machine must not flush before the count does)."""
    monkeypatch.setattr(engine_module, "HOLD_SECONDS", 60.0)


@pytest.mark.parametrize("batching", [True, False], ids=["batching", "off"])
@pytest.mark.usefixtures("patient")
def test_a_response_waits_for_the_next_queued_request(
    serve: Callable[..., Running], batching: bool
) -> None:
    app = Recorder()
    running = app.running = serve(app, threads=1, batch_responses=batching)
    socks = queue_behind_a_blocked_worker(
        running, ["/fast?1", "/fast?2", "/block?0.01", "/fast?4"]
    )
    try:
        bodies = [body_of(read_response(sock)) for sock in socks]
    finally:
        for sock in socks:
            sock.close()
    assert bodies == [str(BLOCK).encode(), b"1", b"2", b"0.01", b"4"]
    # With batching, 1's response is held while 2 runs, and 1's and 2's while 0.01 and 4
    # run; the queue then being empty, 4's goes out at once, the others after it. The
    # responses of the blocking requests (over HOLD_FAST) are never held.
    assert app.held_during == ({"1": 0, "2": 1, "4": 2} if batching else {"1": 0, "2": 0, "4": 0})


def test_a_held_response_is_sent_while_its_thread_serves_a_long_request(
    serve: Callable[..., Running],
) -> None:
    app = Recorder()
    running = app.running = serve(app, threads=1)
    started = time.monotonic()
    socks = queue_behind_a_blocked_worker(running, ["/fast?1", "/block?1.5"])
    try:
        fast = read_response(socks[1])
        answered = time.monotonic() - started
        assert body_of(fast) == b"1"
        assert app.held_during == {"1": 0}
        # Held while /block?1.5 sleeps on the one thread, it goes out once held for
        # HOLD_SECONDS, at the selector's next look: well before that request ends.
        assert answered < BLOCK + 0.5, answered
        assert body_of(read_response(socks[2])) == b"1.5"
    finally:
        for sock in socks:
            sock.close()


@pytest.mark.usefixtures("patient")
def test_pipelined_requests_are_answered_in_order(serve: Callable[..., Running]) -> None:
    app = Recorder()
    running = app.running = serve(app, threads=1)
    socks = queue_behind_a_blocked_worker(running, [])
    clients = [running.connect() for _ in range(6)]
    for number, sock in enumerate(clients):
        sock.sendall(b"".join(get(f"/fast?{number}-{turn}") for turn in range(4)))
    try:
        for number, sock in enumerate(clients):
            last = f"{number}-3".encode()
            raw = b""
            while not raw.endswith(last):
                piece = sock.recv(65536)
                assert piece, raw
                raw += piece
            bodies = [part.partition(b"\r\n\r\n")[2] for part in raw.split(b"HTTP/1.1 ")[1:]]
            assert bodies == [f"{number}-{turn}".encode() for turn in range(4)]
        assert body_of(read_response(socks[0])) == str(BLOCK).encode()
        # Each connection's last response was held while the next connections' requests
        # ran; its earlier ones went out before the request after them.
        assert app.held_during == {
            f"{number}-{turn}": number for number in range(6) for turn in range(4)
        }
    finally:
        for sock in socks + clients:
            sock.close()


@pytest.mark.usefixtures("patient")
def test_at_most_hold_max_responses_are_held(serve: Callable[..., Running]) -> None:
    app = Recorder()
    running = app.running = serve(app, threads=1)
    count = engine_module.HOLD_MAX + 4
    socks = queue_behind_a_blocked_worker(running, [f"/fast?{n}" for n in range(count)])
    try:
        bodies = [body_of(read_response(sock)) for sock in socks[1:]]
    finally:
        for sock in socks:
            sock.close()
    assert bodies == [str(n).encode() for n in range(count)]
    # The first 16 are held, and go out before the next request; holding starts again.
    hold_max = engine_module.HOLD_MAX
    assert app.held_during == {str(n): n if n < hold_max else n - hold_max for n in range(count)}


@pytest.mark.usefixtures("patient")
def test_responses_held_at_shutdown_are_sent(serve: Callable[..., Running]) -> None:
    app = Recorder()
    running = app.running = serve(app, threads=1)
    started = time.monotonic()
    socks = queue_behind_a_blocked_worker(running, ["/fast?1", "/block?0.8"])
    try:
        time.sleep(BLOCK + 0.2 - (time.monotonic() - started))  # 1 is held, /block?0.8 runs
        stopper = threading.Thread(target=running.server.stop, kwargs={"grace": TIMEOUT})
        stopper.start()
        # Sent as the server stops, not when /block?0.8 ends (and no time limit applies).
        assert body_of(read_response(socks[1])) == b"1"
        assert time.monotonic() - started < BLOCK + 0.7
        assert body_of(read_response(socks[2])) == b"0.8"
        stopper.join(TIMEOUT)
    finally:
        for sock in socks:
            sock.close()
