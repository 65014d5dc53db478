"""One server measured at a time: the others are stopped while it runs.

The benchmarks start every server once and interleave their runs. A server left idle
still wakes now and then (its timers, its selector's looks, a runtime's threads), and
those that share the measured server's CPU take turns on it: the measured one then
loses time slices and its tail grows for reasons of its own. Worse, Kettle's
``compute_threads`` gate reads what other processes do on its CPU and gives way to them
(docs/server.md), so it would give way to the previous server's run. TechEmpower runs one
framework at a time on its machines; ``alone`` does the same here: it stops (SIGSTOP)
the process group of every other server for the length of one measurement and
continues them (SIGCONT) afterwards.

A server must be quiet before it is stopped: one stopped while it still serves the
requests a finished run left behind can hold a lock the next server needs (on the
SQLite routes, the database's write lock inside ``/updates``, and every other server's
``/updates`` then waits for it). ``settle`` waits for that, inside the measurement's
block, while the others are still stopped.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from proc_cpu import process_cpu, tree_cpu  # bench/, this module's folder


@contextmanager
def alone(others: Iterable[int]) -> Iterator[None]:
    """Stop the process groups ``others`` for the block's length, then continue them.

    Each server must lead a process group of its own (``start_new_session=True``), so
    that its workers and threads stop with it. A group that is gone is skipped."""
    stopped = []
    try:
        for group in others:
            try:
                os.killpg(group, signal.SIGSTOP)
            except ProcessLookupError:
                continue
            stopped.append(group)
        yield
    finally:
        for group in stopped:
            try:
                os.killpg(group, signal.SIGCONT)
            except ProcessLookupError:
                pass


def settle(pid: int, *, quiet: float = 0.1, limit: float = 3.0) -> float:
    """Wait until the process ``pid`` and its descendants used no CPU for ``quiet``
    seconds (or ``limit`` passed, or it is gone); return how long that took."""
    start = time.monotonic()
    try:
        process_cpu(pid)
    except OSError:
        return 0.0  # gone
    last = tree_cpu(pid)
    while time.monotonic() - start < limit:
        time.sleep(quiet)
        now = tree_cpu(pid)
        if now == last:
            break
        last = now
    return time.monotonic() - start
