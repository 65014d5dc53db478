"""bench/alone.py stops the other servers while one is measured, and continues them."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
_spec = importlib.util.spec_from_file_location("bench_alone", BENCH / "alone.py")
assert _spec is not None and _spec.loader is not None
alone_module = importlib.util.module_from_spec(_spec)
sys.path.insert(0, str(BENCH))  # alone.py imports its neighbour proc_cpu.py
try:
    _spec.loader.exec_module(alone_module)
finally:
    sys.path.remove(str(BENCH))


def state(pid: int) -> str:
    """The process's state letter from /proc (T: stopped)."""
    with open(f"/proc/{pid}/stat") as file:
        return file.read().rpartition(")")[2].split()[0]


def settled(pid: int, wanted: str) -> str:
    deadline = time.monotonic() + 5
    while (now := state(pid)) != wanted and time.monotonic() < deadline:
        time.sleep(0.01)
    return now


@pytest.fixture
def sleepers() -> Iterator[list[subprocess.Popen[bytes]]]:
    code = "import time; time.sleep(60)"
    processes = [
        subprocess.Popen([sys.executable, "-c", code], start_new_session=True) for _ in range(3)
    ]
    try:
        yield processes
    finally:
        for process in processes:
            process.kill()
            process.wait(5)


def test_the_others_are_stopped_for_the_block_only(
    sleepers: list[subprocess.Popen[bytes]],
) -> None:
    measured, *others = sleepers
    with alone_module.alone(process.pid for process in others):
        assert [settled(p.pid, "T") for p in others] == ["T", "T"]
        assert settled(measured.pid, "S") == "S"  # (not stopped; asleep once started)
    assert [settled(p.pid, "S") for p in others] == ["S", "S"]


def test_a_group_that_is_gone_is_skipped(sleepers: list[subprocess.Popen[bytes]]) -> None:
    gone, kept, _ = sleepers
    gone.kill()
    gone.wait(5)
    with alone_module.alone([gone.pid, kept.pid]):
        assert settled(kept.pid, "T") == "T"
    assert settled(kept.pid, "S") == "S"


def test_the_others_continue_when_the_measurement_fails(
    sleepers: list[subprocess.Popen[bytes]],
) -> None:
    with pytest.raises(RuntimeError), alone_module.alone([sleepers[1].pid]):
        raise RuntimeError("wrk failed")
    assert settled(sleepers[1].pid, "S") == "S"


def test_settle_waits_until_the_process_stops_using_cpu() -> None:
    # Busy for about half a second, then asleep: settle returns once the busy part is over.
    code = (
        "import time\nend = time.monotonic() + 0.5\n"
        "while time.monotonic() < end: pass\ntime.sleep(60)"
    )
    process = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    try:
        time.sleep(0.1)  # (started and busy)
        waited = alone_module.settle(process.pid, quiet=0.1, limit=5.0)
        assert 0.2 <= waited < 2.0, waited
        assert settled(process.pid, "S") == "S"
    finally:
        process.kill()
        process.wait(5)


def test_settle_returns_at_once_for_a_process_that_is_gone() -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"], start_new_session=True)
    process.wait(5)
    assert alone_module.settle(process.pid, limit=5.0) < 0.05
