"""``cpu_affinity``: with ``"auto"`` (the default of ``serve()`` and ``kettle serve``) the
server's threads run on one CPU (issue 12, no GIL collapse); ``None`` (the default of an
embedded ``Server``) leaves them to the scheduler; worker processes take one CPU each."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

import click
import pytest

from kettle.server import Server
from kettle.server.affinity import (
    choose,
    cpu_for_worker,
    current_cpu,
    move_threads,
    read_cpu_busy,
    resolve_cpu,
)
from kettle.server.cli import _cpu_affinity
from kettle.server.worker import place_worker

from .conftest import Running

ALLOWED = sorted(os.sched_getaffinity(0))
needs_two_cpus = pytest.mark.skipif(
    len(ALLOWED) < 2, reason="pinning is only observable with two or more usable CPUs"
)


def server_thread_affinities() -> dict[str, set[int]]:
    return {
        thread.name: os.sched_getaffinity(thread.native_id or 0)
        for thread in threading.enumerate()
        if thread.name.startswith("kettle-") and thread.native_id is not None
    }


def affinity_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    # A thread the app starts from a worker inherits the worker's affinity.
    seen: list[set[int]] = []
    helper = threading.Thread(target=lambda: seen.append(os.sched_getaffinity(0)))
    helper.start()
    helper.join()
    body = ",".join(str(cpu) for cpu in sorted(seen[0])).encode()
    start_response("200 OK", [("Content-Length", str(len(body)))])
    return [body]


@needs_two_cpus
def test_auto_pins_every_server_thread_to_one_cpu(serve: Callable[..., Running]) -> None:
    server = serve(affinity_app, threads=3, cpu_affinity="auto")
    engine = server.server._engine
    assert engine is not None and engine.cpu in ALLOWED
    raw = server.request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert raw.endswith(b"\r\n\r\n%d" % engine.cpu)
    affinities = server_thread_affinities()
    names = {"kettle-selector", "kettle-worker-0", "kettle-worker-1", "kettle-worker-2"}
    assert names <= affinities.keys()
    assert {name: affinities[name] for name in names} == {name: {engine.cpu} for name in names}
    # The thread that started the server (here, the test) is left alone.
    assert os.sched_getaffinity(0) == set(ALLOWED)


def test_serve_and_the_cli_default_to_auto_and_server_to_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import inspect

    from kettle.server import cli, workers

    assert inspect.signature(Server).parameters["cpu_affinity"].default is None
    seen: list[Any] = []

    class Recording:
        def __init__(self, app: Any, host: str, port: int, **options: Any) -> None:
            seen.append(options.get("cpu_affinity"))

        def serve_forever(self, grace: float, on_start: Any) -> None:
            pass

    monkeypatch.setattr(workers, "Server", Recording)
    workers.serve(affinity_app)
    workers.serve(affinity_app, cpu_affinity=None)
    assert seen == ["auto", None]
    option = next(p for p in cli.serve_command.params if p.name == "cpu_affinity")
    assert option.default == "auto"


@needs_two_cpus
def test_none_leaves_the_threads_to_the_scheduler(serve: Callable[..., Running]) -> None:
    server = serve(affinity_app, threads=2, cpu_affinity=None)
    assert server.server._engine is not None and server.server._engine.cpu is None
    raw = server.request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert raw.endswith(b"\r\n\r\n" + ",".join(map(str, ALLOWED)).encode())
    assert server_thread_affinities()["kettle-worker-1"] == set(ALLOWED)


def test_an_explicit_cpu_is_used(serve: Callable[..., Running]) -> None:
    cpu = ALLOWED[-1]
    server = serve(affinity_app, threads=1, cpu_affinity=cpu)
    assert server.request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").endswith(b"\r\n\r\n%d" % cpu)


@pytest.mark.parametrize("bad", [-1, 1 << 16, "fast", True, 1.0])
def test_bad_cpu_affinity_is_refused(bad: Any) -> None:
    with pytest.raises(ValueError, match="cpu_affinity must be 'auto', None or one of"):
        Server(affinity_app, cpu_affinity=bad)


@needs_two_cpus
def test_auto_respects_a_process_already_on_one_cpu() -> None:
    # Under taskset or a one-CPU container the choice was made already: no pinning.
    result: list[int | None] = []

    def confined() -> None:
        os.sched_setaffinity(0, {ALLOWED[0]})
        result.append(resolve_cpu("auto"))

    thread = threading.Thread(target=confined)
    thread.start()
    thread.join()
    assert result == [None]
    assert resolve_cpu("auto") in ALLOWED
    assert resolve_cpu(None) is None


def test_current_cpu_is_a_usable_cpu() -> None:
    assert current_cpu() in ALLOWED


@needs_two_cpus
def test_worker_processes_are_spread_over_the_cpus() -> None:
    spread = [cpu_for_worker("auto", index) for index in range(len(ALLOWED) * 2)]
    assert spread == ALLOWED * 2
    assert cpu_for_worker(None, 3) is None
    assert cpu_for_worker(ALLOWED[0], 5) == ALLOWED[0]


@needs_two_cpus
def test_worker_processes_keep_their_cpu() -> None:
    # Each worker's sibling is the busy "other CPU" a follower would move to: two
    # workers would then share one core. Workers are placed and stay.
    for index in range(len(ALLOWED)):
        server = Server(affinity_app, "127.0.0.1", 0, cpu_affinity="auto")
        server.stop()  # never started: closes the socket
        assert server.follow_load is True  # a single process follows load
        place_worker(server, index)
        assert (server.cpu_affinity, server.follow_load) == (ALLOWED[index], False)
    explicit = Server(affinity_app, "127.0.0.1", 0, cpu_affinity=None)
    explicit.stop()
    place_worker(explicit, 1)
    assert (explicit.cpu_affinity, explicit.follow_load) == (None, False)


@pytest.mark.parametrize(
    ("text", "expected"), [("auto", "auto"), ("none", None), ("0", 0), ("12", 12)]
)
def test_cli_cpu_affinity_values(text: str, expected: Any) -> None:
    assert _cpu_affinity(text) == expected


def test_cli_cpu_affinity_refuses_other_words() -> None:
    with pytest.raises(click.BadParameter, match="auto, none or a CPU number"):
        _cpu_affinity("fast")


@needs_two_cpus
def test_a_thread_that_takes_over_its_connection_is_unpinned(
    serve: Callable[..., Running],
) -> None:
    # Taken-over connections (WebSockets, event streams) mostly wait on timed pings; the
    # thread leaves the pool and gets every CPU back, like threads it starts afterwards.
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        before = os.sched_getaffinity(0)
        sock, _ = environ["kettle.takeover"]()
        after = os.sched_getaffinity(0)
        body = b"%d>%d" % (len(before), len(after))
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        sock.close()
        return []

    server = serve(app, threads=1, cpu_affinity="auto")
    raw = server.request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert raw.endswith(b"\r\n\r\n1>%d" % len(ALLOWED))


@pytest.mark.parametrize(
    ("busy", "own", "expected"),
    [
        # Over 2 s: CPU 0 busy 1.9 s of which 1.0 s is ours (0.45 foreign), CPU 1 0.2 s.
        ({0: 1.9, 1: 0.2}, 1.0, 1),
        # Foreign load differs by less than the margin (0.3 of a CPU): stay.
        ({0: 1.4, 1: 0.2}, 1.0, 0),
        # Our own work alone keeps CPU 0 busy: no reason to move.
        ({0: 2.0, 1: 1.0}, 2.0, 0),
        # Three CPUs: the least foreign-loaded one wins.
        ({0: 2.0, 1: 1.2, 2: 0.4}, 0.4, 2),
    ],
)
def test_choose_moves_only_away_from_clearly_more_foreign_load(
    busy: dict[int, float], own: float, expected: int
) -> None:
    assert choose(0, busy, own, 2.0) == expected


def test_choose_without_samples_stays() -> None:
    assert choose(0, {}, 1.0, 2.0) == 0
    assert choose(0, {0: 2.0, 1: 0.0}, 0.0, 0.0) == 0


def test_cpu_busy_is_read_for_every_usable_cpu() -> None:
    busy = read_cpu_busy()
    assert set(ALLOWED) <= busy.keys()
    assert all(seconds >= 0 for seconds in busy.values())


@needs_two_cpus
def test_move_threads_re_pins_every_thread_on_the_source_cpu() -> None:
    source, target = ALLOWED[0], ALLOWED[1]
    ready = threading.Barrier(4)
    done = threading.Event()
    seen: dict[str, set[int]] = {}

    def pinned(name: str) -> None:
        os.sched_setaffinity(0, {source})
        ready.wait()
        done.wait(5)
        seen[name] = os.sched_getaffinity(0)

    def free() -> None:
        ready.wait()
        done.wait(5)
        seen["free"] = os.sched_getaffinity(0)

    threads = [threading.Thread(target=pinned, args=(f"p{i}",)) for i in range(2)]
    threads.append(threading.Thread(target=free))
    for thread in threads:
        thread.start()
    ready.wait()
    assert move_threads(source, target) >= 2  # other tests' pinned threads may move too
    done.set()
    for thread in threads:
        thread.join()
    assert seen == {"p0": {target}, "p1": {target}, "free": set(ALLOWED)}


@needs_two_cpus
def test_the_server_follows_a_less_loaded_cpu(
    serve: Callable[..., Running], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The decision is stubbed (foreign load cannot be staged reliably); the move is real.
    monkeypatch.setattr("kettle.server.affinity.FOLLOW_INTERVAL", 0.0)
    server = serve(affinity_app, threads=2, cpu_affinity="auto")
    engine = server.server._engine
    assert engine is not None and engine.cpu is not None
    target = next(cpu for cpu in ALLOWED if cpu != engine.cpu)
    monkeypatch.setattr("kettle.server.affinity.choose", lambda *args: target)
    deadline = time.monotonic() + 5
    while engine.cpu != target and time.monotonic() < deadline:
        time.sleep(0.05)
    assert engine.cpu == target
    raw = server.request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert raw.endswith(b"\r\n\r\n%d" % target)
    affinities = server_thread_affinities()
    assert affinities["kettle-selector"] == affinities["kettle-worker-1"] == {target}


def test_an_explicit_cpu_is_kept(serve: Callable[..., Running]) -> None:
    server = serve(affinity_app, threads=1, cpu_affinity=ALLOWED[0])
    assert server.server._engine is not None
    assert server.server._engine._follower is None


def test_the_selector_never_preempts_a_worker(serve: Callable[..., Running]) -> None:
    # SCHED_BATCH: woken, the selector waits for the running thread's turn to end, so it
    # does not take the GIL from a worker in the middle of a request. Workers keep the
    # default policy (woken for a request, they should run at once).
    server = serve(threads=2)
    assert server.request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").endswith(b"Hello, World!")
    policies = {
        thread.name: os.sched_getscheduler(thread.native_id)
        for thread in threading.enumerate()
        if thread.name.startswith("kettle-") and thread.native_id is not None
    }
    assert policies["kettle-selector"] == os.SCHED_BATCH
    assert policies["kettle-worker-0"] == policies["kettle-worker-1"] == os.SCHED_OTHER


def test_a_gated_selector_keeps_the_default_policy(serve: Callable[..., Running]) -> None:
    # With compute_threads, the selector reads new requests for the few serving threads
    # at once (it must not wait for a computing thread's turn); responses are batched.
    server = serve(threads=4, compute_threads=2, cpu_affinity=min(os.sched_getaffinity(0)))
    assert server.request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").endswith(b"Hello, World!")
    engine = server.server._engine
    assert engine is not None and engine._gate is not None
    assert engine.batch_responses
    selector = next(t for t in threading.enumerate() if t.name == "kettle-selector")
    assert selector.native_id is not None
    assert os.sched_getscheduler(selector.native_id) == os.SCHED_OTHER
