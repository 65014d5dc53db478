"""CPU time of a server's process tree and of a load generator, per request.

Throughput on a two-core machine where wrk shares the cores moves by 20% from run to run;
the CPU a request costs moves much less, and it says what the throughput can be:

- ``process_cpu(pid)``: user + system seconds of one process, from ``/proc`` (Linux).
- ``tree_cpu(pid)``: the same for a process and all its live descendants (a
  multi-process server's workers).
- ``children_cpu()``: user + system seconds of this process's finished children (a wrk run
  that ``subprocess.run`` waited for), from ``getrusage``.
- ``two_process_ceiling(server_us, load_us)``: with two cores shared by the server and the
  load generator, one process saturates one core and serves ``1 / server_us`` while the
  generator runs on the other; two processes can at most split both cores between
  server and generator work, ``2 / (server_us + load_us)``. Their ratio,
  ``2 * server_us / (server_us + load_us)``, is the most a second process can add.
"""

from __future__ import annotations

import os
import resource

_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process, all its threads (OSError once it is gone)."""
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as file:
        # The command name (field 2) may hold spaces and parentheses: split after it.
        fields = file.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (fields 14, 15)


def _children(pid: int) -> list[int]:
    """The live children of ``pid``, from each of its threads' ``children`` list."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as file:
                found.extend(int(child) for child in file.read().split())
        except OSError:
            continue  # the thread ended meanwhile
    return found


def tree_cpu(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its live descendants."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            total += process_cpu(current)
        except OSError:
            continue  # ended meanwhile
        pending.extend(_children(current))
    return total


def children_cpu() -> float:
    """User + system CPU seconds of this process's children that have been waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def two_process_ceiling(server_us: float, load_us: float) -> float:
    """The most two server processes can serve relative to one on two shared cores."""
    if server_us <= 0:
        raise ValueError("server_us must be positive")
    return 2 * server_us / (server_us + load_us)
