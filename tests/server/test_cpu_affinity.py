"""``cpu_affinity``: the server's threads run on one CPU by default (issue 12, no GIL
collapse); ``None`` leaves them to the scheduler; worker processes take one CPU each."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import click
import pytest

from kettle.server import Server
from kettle.server.cli import _cpu_affinity
from kettle.server.engine import cpu_for_worker, current_cpu, resolve_cpu

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
def test_default_pins_every_server_thread_to_one_cpu(serve: Callable[..., Running]) -> None:
    server = serve(affinity_app, threads=3)
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

    server = serve(app, threads=1)
    raw = server.request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert raw.endswith(b"\r\n\r\n1>%d" % len(ALLOWED))
