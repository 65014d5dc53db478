"""bench/proc_cpu.py: process-tree CPU time from /proc, and the two-process ceiling."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[2] / "bench" / "proc_cpu.py"
_spec = importlib.util.spec_from_file_location("bench_proc_cpu", _PATH)
assert _spec is not None and _spec.loader is not None
proc_cpu = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(proc_cpu)

_TICKS = os.sysconf("SC_CLK_TCK")

# Burns ``seconds`` of its own CPU time (not wall time: the machine may be busy), says so
# on stdout, then waits to be killed.
_BURN = """
import sys, time
while time.process_time() < {seconds}:
    pass
print("burnt", flush=True)
time.sleep(60)
"""
# A parent that only starts the burner and waits for it (the burner inherits its stdout).
_PARENT = """
import subprocess, sys
subprocess.run([sys.executable, "-c", sys.argv[1]])
"""


def test_tree_cpu_counts_the_live_descendants() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT, _BURN.format(seconds=0.5)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert parent.stdout is not None
        assert parent.stdout.readline() == "burnt\n"
        spent = proc_cpu.tree_cpu(parent.pid)
    finally:
        os.killpg(parent.pid, signal.SIGKILL)
        parent.wait(10)
        if parent.stdout is not None:
            parent.stdout.close()
    # The burner's 0.5 s, plus two interpreters' start-up (well under 0.5 s). /proc gives
    # each process's user and system time rounded down to whole clock ticks, so the sum
    # of the two processes may read up to four ticks short of what ``process_time``
    # measured (0.49 s was seen).
    assert 0.5 - 4 / _TICKS <= spent <= 1.0


def test_tree_cpu_of_a_process_that_is_gone_is_zero() -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(10)
    assert proc_cpu.tree_cpu(process.pid) == 0.0


def test_children_cpu_grows_by_a_waited_child() -> None:
    before = proc_cpu.children_cpu()
    burn = "import time\nwhile time.process_time() < 0.3: pass"
    subprocess.run([sys.executable, "-c", burn], check=True, timeout=60)
    assert 0.3 <= proc_cpu.children_cpu() - before <= 0.8


@pytest.mark.parametrize(
    ("server_us", "load_us", "ceiling"),
    [(26.0, 15.0, 52 / 41), (60.0, 15.0, 1.6), (10.0, 0.0, 2.0)],
    ids=["json-today", "the-1.6x-target", "free-load"],
)
def test_two_process_ceiling(server_us: float, load_us: float, ceiling: float) -> None:
    assert proc_cpu.two_process_ceiling(server_us, load_us) == pytest.approx(ceiling)


def test_two_process_ceiling_needs_a_positive_cost() -> None:
    with pytest.raises(ValueError, match="server_us must be positive"):
        proc_cpu.two_process_ceiling(0.0, 10.0)


def test_process_cpu_of_a_process_that_is_gone_raises() -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(10)
    with pytest.raises(OSError):
        proc_cpu.process_cpu(process.pid)
