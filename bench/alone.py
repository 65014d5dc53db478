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


def _group_ticks(group: int) -> int | None:
    """The CPU time (clock ticks, user and system) of the processes in ``group`` now;
    None if none is left."""
    total, found = 0, False
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as file:
                fields = file.read().rpartition(")")[2].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[2]) == group:  # (field 5 of stat: the process group)
            found = True
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total if found else None


def settle(group: int, *, quiet: float = 0.1, limit: float = 3.0) -> float:
    """Wait until the processes of ``group`` used no CPU for ``quiet`` seconds (or
    ``limit`` passed, or the group is gone); return how long that took."""
    start = time.monotonic()
    last = _group_ticks(group)
    while last is not None and time.monotonic() - start < limit:
        time.sleep(quiet)
        now = _group_ticks(group)
        if now == last:
            break
        last = now
    return time.monotonic() - start
