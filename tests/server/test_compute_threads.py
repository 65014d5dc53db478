"""``compute_threads``: a pool on one CPU lets at most that many threads serve while they
compute, and more as soon as those wait (the idle watch, a SCHED_IDLE thread that the
kernel runs only when the CPU has nothing else to run). docs/server.md, "Threads and the
GIL".

The servers run in a subprocess, as ``kettle serve`` runs: every Python thread of the
process is then on the pool's CPU, as the idle watch requires. The subprocess turns off
the two other ways more threads get in (the 20 ms stall look and the shared-CPU opening),
so only the idle watch can be what lets a waiting request's neighbours in.
"""

from __future__ import annotations

import os
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

import kettle.server.gate as gate_module
from kettle.server import Server, serve
from kettle.server.cli import serve_command
from kettle.server.engine import POLLERS, Engine
from kettle.server.gate import (
    SHARED_CLOSE,
    SHARED_OPEN,
    SHARED_SAMPLE,
    SHARED_STALE,
    foreign_share,
    gate_in_force,
)

from .masters import TIMEOUT, Master, get

APP = textwrap.dedent(
    """
    import threading
    import time

    lock = threading.Lock()
    inside = [0]
    most = [0]


    def app(environ, start_response):
        path = environ["PATH_INFO"]
        if path == "/most":
            body = str(most[0]).encode()
        else:
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            if path == "/compute":  # 3 ms of CPU, the GIL held
                end = time.thread_time() + 0.003
                while time.thread_time() < end:
                    pass
            else:  # /wait: asleep, the GIL released (0.3 s, or ?seconds)
                time.sleep(float(environ["QUERY_STRING"] or 0.3))
            with lock:
                inside[0] -= 1
            body = path.encode()
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]
    """
)

ONLY_THE_IDLE_WATCH = (
    "import kettle.server.gate as gate; gate.STALL = 3600.0; gate.SHARED_OPEN = 2.0;"
    " from kettle.web.cli import main; main()"
)


@pytest.fixture
def gated(tmp_path: Path) -> Iterator[Master]:
    """``kettle serve --threads 6 --compute-threads 1`` on one CPU."""
    (tmp_path / "gateapp.py").write_text(APP)
    cpu = min(os.sched_getaffinity(0))
    command = [sys.executable, "-c", ONLY_THE_IDLE_WATCH, "serve", "gateapp:app",
               "--port", "0", "--threads", "6", "--compute-threads", "1",
               "--cpu-affinity", str(cpu), "--no-access-log"]  # fmt: skip
    master = Master(tmp_path, command=command)
    try:
        if "no idle watch" in master.log:
            pytest.skip(f"this system refuses SCHED_IDLE, so the pool is not gated: {master.log}")
        yield master
    finally:
        master.stop()


def run_together(port: int, paths: list[str]) -> list[tuple[int, str]]:
    """One request per path, each from its own thread, all sent at once."""
    results: list[tuple[int, str] | None] = [None] * len(paths)
    start = threading.Barrier(len(paths))

    def one(index: int) -> None:
        start.wait(TIMEOUT)
        results[index] = get(port, paths[index])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(paths))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert all(result is not None for result in results), results
    return [result for result in results if result is not None]


def test_requests_that_compute_run_one_at_a_time(gated: Master) -> None:
    results = run_together(gated.port, ["/compute"] * 12)
    assert results == [(200, "/compute")] * 12
    # One at a time, but for a rare second one: two threads that pass the gate's check in
    # the same few bytecodes, or one in the 50 ms after the pool was seen waiting.
    assert gated.get("/most") in ((200, "1"), (200, "2"))


def test_requests_that_wait_all_get_in(gated: Master) -> None:
    started = time.monotonic()
    results = run_together(gated.port, ["/wait"] * 6)
    elapsed = time.monotonic() - started
    assert results == [(200, "/wait")] * 6
    # Six 300 ms sleeps on one thread would take 1.8 s: the idle watch let every one in.
    assert gated.get("/most") == (200, "6")
    assert elapsed < 1.5, elapsed


def test_a_waiting_request_does_not_hold_up_computing_ones(gated: Master) -> None:
    waited: list[tuple[int, str]] = []
    sleeper = threading.Thread(target=lambda: waited.append(get(gated.port, "/wait?5")))
    sleeper.start()
    deadline = time.monotonic() + TIMEOUT
    while gated.get("/most") != (200, "1"):  # the sleeper is in the app
        assert time.monotonic() < deadline
        time.sleep(0.01)
    results = run_together(gated.port, ["/compute"] * 8)
    assert results == [(200, "/compute")] * 8
    assert sleeper.is_alive()  # the computing requests went in beside it
    sleeper.join(TIMEOUT)
    assert waited == [(200, "/wait")]
    # One computing thread at a time beside the sleeper.
    assert gated.get("/most") == (200, "2")


def test_other_processes_share_is_read_over_recent_windows_only() -> None:
    # Over half a second, the CPU busy 0.4 s of which this process used 0.1 s: 60 %.
    assert foreign_share(0.4, 0.1, SHARED_SAMPLE) == pytest.approx(0.6)
    assert foreign_share(0.5, 0.5, SHARED_SAMPLE) == 0.0
    # A process stopped for 10 s while others kept the CPU busy: the window says nothing
    # about now, so it neither opens nor closes the gate.
    assert foreign_share(10.0, 0.0, 10.0) is None
    assert foreign_share(SHARED_STALE, 0.0, SHARED_STALE) == 1.0
    assert foreign_share(0.0, 0.0, 0.0) is None
    assert foreign_share(0.0, 0.0, float("inf")) is None  # the first sample


def test_a_stopped_process_keeps_its_gate_when_it_runs_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    busy = [100.0]  # the pool's CPU, seconds busy since boot
    monkeypatch.setattr(gate_module, "read_cpu_busy", lambda: {0: busy[0]})
    monkeypatch.setattr(gate_module.os, "times", lambda: os.times_result((1.0, 0.0, 0, 0, 0)))
    engine = SimpleNamespace(cpu=0, _lock=threading.Lock(), _pollers=0, _idle=[], _ready=[])
    gate = gate_module.Gate(engine, 2, 0)  # type: ignore[arg-type]
    try:
        gate._sample_shared(1000.0)
        busy[0] += 10.0  # stopped for 10 s while another process kept the CPU busy
        gate._sample_shared(1010.0)
        assert gate.cap == 2
        busy[0] += 0.4  # then half a second with 80 % of it used by another process
        gate._sample_shared(1010.5)
        assert gate.cap is None
    finally:
        gate.close()


@pytest.mark.parametrize(
    ("busy", "cap", "reads"),
    [
        ([True, False, False], 2, True),  # it and the one other serving make the limit
        ([True, True, False], 2, True),  # the others alone make it
        ([False, False, False], 2, False),  # alone: below the limit, the selector reads
        ([True, False, False], 3, False),  # one more could get in: the selector reads
        ([True, False, False], None, False),  # the gate gave way: the open pool's rule
    ],
    ids=["at-the-limit-with-it", "at-the-limit-without-it", "alone", "below", "open"],
)
def test_a_thread_the_gate_lets_serve_reads_before_it_sleeps(
    busy: list[bool], cap: int | None, reads: bool
) -> None:
    # A thread that finished a request (its own flag already down), the ready queue empty,
    # idle threads sleeping: it reads the connection set itself (keeping its place among
    # the compute_threads) instead of leaving that to the selector and a wake-up.
    engine = SimpleNamespace(cpu=0, _pollers=0, _idle=[object()] * 29, _busy=busy, _ready=[])
    calls: list[str] = []

    def read_now() -> None:
        calls.append("read")
        engine._ready.append("a ready connection")

    engine.read_now = read_now
    gate = gate_module.Gate(engine, 2, 0)  # type: ignore[arg-type]
    gate.cap = cap
    engine._gate = gate
    try:
        assert Engine._read_before_sleeping(engine) is reads  # type: ignore[arg-type]
        assert calls == (["read"] if reads else [])
    finally:
        gate.close()


def test_the_gate_gives_way_while_other_processes_use_the_cpu() -> None:
    assert gate_in_force(True, 0.0) is True
    assert gate_in_force(True, SHARED_OPEN) is True
    assert gate_in_force(True, SHARED_OPEN + 0.01) is False
    assert gate_in_force(False, SHARED_OPEN) is False
    assert gate_in_force(False, SHARED_CLOSE) is False
    assert gate_in_force(False, SHARED_CLOSE - 0.01) is True


def hello(environ: dict[str, object], start_response: object) -> list[bytes]:
    start_response("200 OK", [("Content-Length", "2")])  # type: ignore[operator]
    return [b"ok"]


def test_the_idle_watch_runs_only_while_the_server_does() -> None:
    cpu = min(os.sched_getaffinity(0))
    server = Server(hello, threads=4, compute_threads=2, cpu_affinity=cpu)
    server.start()
    try:
        listeners = [t for t in threading.enumerate() if t.name == "kettle-idle"]
        assert len(listeners) == 1
        assert server._engine is not None and server._engine._gate is not None
        child = server._engine._gate._child
        assert child is not None and child.poll() is None
        # A process of its own, SCHED_IDLE on the pool's CPU, in the server's session (its
        # scheduling group) and process group.
        assert os.sched_getscheduler(child.pid) == os.SCHED_IDLE
        assert os.sched_getaffinity(child.pid) == {cpu}
        assert os.getsid(child.pid) == os.getsid(0)
        assert os.getpgid(child.pid) == os.getpgid(0)
        assert get(server.port, "/") == (200, "ok")
    finally:
        server.stop(grace=1.0)
    listeners[0].join(TIMEOUT)
    assert not listeners[0].is_alive()
    assert child.returncode == 0  # it ended on the server's wake pipe, not killed


@pytest.mark.skipif(
    len(os.sched_getaffinity(0)) < 2, reason="the watch can only follow to another CPU"
)
def test_the_idle_watch_follows_the_server_to_another_cpu() -> None:
    first, second = sorted(os.sched_getaffinity(0))[:2]
    server = Server(hello, threads=2, compute_threads=1, cpu_affinity=first)
    server.start()
    try:
        assert server._engine is not None and server._engine._gate is not None
        gate = server._engine._gate
        assert gate._child is not None
        assert os.sched_getaffinity(gate._child.pid) == {first}
        gate.follow(second)  # as the engine does when cpu_affinity="auto" moves its threads
        assert os.sched_getaffinity(gate._child.pid) == {second}
        assert get(server.port, "/") == (200, "ok")
    finally:
        server.stop(grace=1.0)


def test_a_watch_that_dies_is_reported_and_the_server_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = Server(hello, threads=2, compute_threads=1, cpu_affinity=min(os.sched_getaffinity(0)))
    server.start()
    try:
        assert server._engine is not None and server._engine._gate is not None
        gate = server._engine._gate
        assert gate._child is not None and gate._thread is not None
        with caplog.at_level("WARNING", logger="kettle.server"):
            gate._child.kill()
            gate._thread.join(TIMEOUT)
        assert not gate._thread.is_alive()
        assert [r.getMessage() for r in caplog.records] == [
            "the idle watch ended (exit status -9): threads now get in only through the"
            " selector's look every 0.02 s"
        ]
        assert get(server.port, "/") == (200, "ok")
    finally:
        server.stop(grace=1.0)


def test_a_gated_pool_polls_with_no_more_threads_than_may_serve() -> None:
    # A thread that catches an event in epoll_wait serves it in place; with one computing
    # thread and two polling, serving passed between them each time the queue ran dry.
    engine = SimpleNamespace(_gate=None)
    assert Engine._most_pollers(engine) == POLLERS == 2  # type: ignore[arg-type]
    for cap, most in [(1, 1), (2, 2), (5, 2), (None, 2)]:
        engine._gate = SimpleNamespace(cap=cap)
        assert Engine._most_pollers(engine) == most  # type: ignore[arg-type]


def stalled_engine() -> SimpleNamespace:
    """A fake engine for ``Gate.check``: one connection waits in the ready queue."""
    engine = SimpleNamespace(
        cpu=0, _pollers=0, _busy=[True, False], _idle=[object()], _ready=["conn"], taken=10
    )
    engine.woken = []
    engine.reads = []
    engine._wake_one = lambda stalled=False: engine.woken.append(stalled)
    engine.read_now = lambda: engine.reads.append(True)
    engine._read_at = 0.0
    return engine


@pytest.fixture
def looked_at(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[SimpleNamespace, gate_module.Gate]]:
    """A gate at one computing thread over ``stalled_engine``, with no shared-CPU sample."""
    engine = stalled_engine()
    gate = gate_module.Gate(engine, 1, 0)  # type: ignore[arg-type]
    monkeypatch.setattr(gate, "_sample_shared", lambda now: None)
    try:
        yield engine, gate
    finally:
        gate.close()


def test_the_stall_look_asks_whether_the_queue_moved_not_which_connection_is_first(
    looked_at: tuple[SimpleNamespace, gate_module.Gate],
) -> None:
    engine, gate = looked_at
    gate.check(100.0)
    assert engine.woken == [] and gate.blocked_at == 0.0  # the first look
    engine.taken = 74  # the same connection first again, but 64 requests were taken
    gate.check(100.02)
    assert engine.woken == [] and gate.blocked_at == 0.0
    gate.check(100.04)  # nothing taken for a whole look
    assert engine.woken == [True] and gate.blocked_at == 100.04
    engine._ready = []
    gate.check(100.06)
    gate.check(100.08)  # nothing waits: no stall, however long
    assert engine.woken == [True]


def test_the_selector_reads_the_connection_set_only_when_no_thread_did(
    looked_at: tuple[SimpleNamespace, gate_module.Gate],
) -> None:
    engine, gate = looked_at
    engine._read_at = 100.0 - gate_module.STALL / 2
    gate.check(100.0)
    assert engine.reads == []  # a serving thread read it a moment ago
    engine._read_at = 100.0 - 2 * gate_module.STALL
    gate.check(100.0)
    assert engine.reads == [True]  # none for a whole look: long requests


def test_an_idle_cpu_with_nothing_waiting_is_not_a_pool_that_waits() -> None:
    engine = stalled_engine()
    engine._ready = []
    engine._pollers = 1  # (so the idle look does not read the connection set itself)
    gate = gate_module.Gate(engine, 1, 0)  # type: ignore[arg-type]
    try:
        gate._on_idle()  # between a client's requests
        assert gate.blocked_at == 0.0 and engine.woken == []
        engine._ready = ["conn"]
        gate._on_idle()  # requests wait while every serving thread waits
        assert gate.blocked_at > 0.0 and engine.woken == [True]
    finally:
        gate.close()


@pytest.mark.skipif(
    len(os.sched_getaffinity(0)) < 2, reason="a process on one CPU is always on one CPU"
)
def test_no_gate_when_the_threads_may_use_several_cpus() -> None:
    before = {t for t in threading.enumerate() if t.name == "kettle-idle"}
    server = Server(hello, threads=4, compute_threads=1, cpu_affinity=None)
    server.start()
    try:
        assert {t for t in threading.enumerate() if t.name == "kettle-idle"} == before
        assert get(server.port, "/") == (200, "ok")
    finally:
        server.stop(grace=1.0)


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "2"])
def test_compute_threads_must_be_a_positive_int(value: object) -> None:
    with pytest.raises(
        ValueError, match=f"compute_threads must be None or an int >= 1, got {value!r}"
    ):
        Server(hello, compute_threads=value)  # type: ignore[arg-type]


def test_the_cli_option_rejects_a_negative_number() -> None:
    result = CliRunner().invoke(serve_command, ["mod:app", "--compute-threads", "-1"])
    assert result.exit_code == 2
    assert "Invalid value for '--compute-threads': -1 is not in the range x>=0." in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [([], 2), (["--compute-threads", "3"], 3), (["--compute-threads", "0"], None)],
)
def test_the_cli_option_reaches_the_server(
    monkeypatch: pytest.MonkeyPatch, args: list[str], expected: int | None
) -> None:
    seen: dict[str, object] = {}

    def fake_serve(app: object, host: str, port: int, **options: object) -> None:
        seen.update(options)

    monkeypatch.setattr("kettle.server.cli.serve", fake_serve)
    monkeypatch.setattr("kettle.server.cli.load_app", lambda target: hello)
    result = CliRunner().invoke(serve_command, ["mod:app", *args])
    assert result.exit_code == 0, result.output
    assert seen["compute_threads"] == expected


def test_serve_gates_with_two_threads_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[Server] = []
    monkeypatch.setattr(Server, "serve_forever", lambda self, grace, on_start: made.append(self))
    serve(hello, "127.0.0.1", 0)
    serve(hello, "127.0.0.1", 0, compute_threads=3)
    serve(hello, "127.0.0.1", 0, compute_threads=None)
    # An embedded Server is not gated unless given a limit.
    made.append(Server(hello, "127.0.0.1", 0))
    assert [server.compute_threads for server in made] == [2, 3, None, None]
    for server in made:
        server.socket.close()
