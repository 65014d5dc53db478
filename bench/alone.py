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
"""

from __future__ import annotations

import os
import signal
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
