"""bench/app_time.py: the app-time wrapper, its percentiles and its report."""

from __future__ import annotations

import importlib.util
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from kettle.server.server import Server

_PATH = Path(__file__).resolve().parents[2] / "bench" / "app_time.py"
_spec = importlib.util.spec_from_file_location("bench_app_time", _PATH)
assert _spec is not None and _spec.loader is not None
app_time = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(app_time)


def test_percentile_is_the_nearest_rank() -> None:
    samples = [5.0, 1.0, 4.0, 2.0, 3.0, 10.0, 9.0, 8.0, 7.0, 6.0]
    assert app_time.percentile(samples, 0.5) == 5.0
    assert app_time.percentile(samples, 0.9) == 9.0
    assert app_time.percentile(samples, 0.99) == 10.0
    assert app_time.percentile(samples, 1.0) == 10.0
    assert app_time.percentile([7.0], 0.5) == 7.0


def test_report_lines() -> None:
    samples = [0.0002] * 97 + [0.005, 0.02, 0.03]
    lines = app_time.app_time_lines(samples, Counter({1: 25, 2: 50, 3: 25}))
    assert lines == [
        "app time  p50 0.20 ms  p90 0.20 ms  p99 20.00 ms  max 30.00 ms  "
        "over 1 ms: 3.0% of 100 requests",
        "threads in the app as a request entered (share of requests): 1: 25% 2: 50% 3: 25%",
    ]
    assert app_time.app_time_lines([], Counter()) == ["no request was recorded"]


def _get(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_timed_app_counts_the_threads_inside_on_a_real_server() -> None:
    first_inside = threading.Event()
    release = threading.Event()
    calls = 0

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        nonlocal calls
        calls += 1
        if calls == 1:  # the first request waits in the app until the second has entered
            first_inside.set()
            assert release.wait(10)
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    timed = app_time.TimedApp(app)
    timed.recording = True
    server = Server(timed, "127.0.0.1", 0, threads=4).start()
    try:
        results: list[bytes] = []
        first = threading.Thread(target=lambda: results.append(_get(server.port)))
        first.start()
        assert first_inside.wait(10)
        second = _get(server.port)  # enters while the first is inside
        release.set()
        first.join(10)
    finally:
        server.stop(1.0)
    assert second.endswith(b"\r\n\r\nok")
    assert results and results[0].endswith(b"\r\n\r\nok")
    assert timed.entered == Counter({1: 1, 2: 1})
    assert len(timed.samples) == 2
    assert min(timed.samples) >= 0.0
