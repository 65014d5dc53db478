"""Which CPU the server's threads run on (``cpu_affinity``), and moving them when that
CPU gets busy with other work.

Owns the choice of the CPU (``resolve_cpu``, ``cpu_for_worker``) and ``CpuFollower``.
Rules kept:

- Pinning is per thread (Linux affinity): only the server's threads are pinned, never the
  thread that started the server.
- A pinned process cannot escape a core that other processes load, so the follower
  samples the per-CPU busy time (``/proc/stat``) every ``FOLLOW_INTERVAL`` seconds and,
  when the CPU it is on carries clearly more foreign work (busy time that is not this
  process's) than another allowed CPU, moves every thread pinned there to that CPU.
  The decision (``choose``) is a pure function of the samples.
"""

from __future__ import annotations

import logging
import os
import time

log = logging.getLogger("kettle.server")

FOLLOW_INTERVAL = 2.0
# Move only when our CPU carries this much more foreign load (share of one CPU) than the
# best other one: a margin, so two similar CPUs do not make the threads hop back and forth.
MOVE_MARGIN = 0.3
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

CpuAffinity = int | str | None


def current_cpu() -> int | None:
    """The CPU the calling thread runs on now (Linux), or None if unknown."""
    try:
        with open("/proc/thread-self/stat", "rb") as file:
            fields = file.read().rpartition(b")")[2].split()
        return int(fields[36])  # field 39, "processor" (proc(5)); fields[0] is field 3
    except (OSError, ValueError, IndexError):
        return None


def resolve_cpu(setting: CpuAffinity) -> int | None:
    """The CPU the server's threads are pinned to for ``cpu_affinity=setting``.

    ``"auto"`` picks the CPU this thread runs on, among those the process may use, unless
    the process may use only one (``taskset`` or a container already chose); ``None``
    never pins; an int is that CPU. See docs/server.md, "Threads and the GIL".
    """
    if setting is None or not hasattr(os, "sched_setaffinity"):
        return None
    allowed = os.sched_getaffinity(0)
    if setting == "auto":
        if len(allowed) <= 1:
            return None
        cpu = current_cpu()
        return cpu if cpu in allowed else min(allowed)
    if isinstance(setting, bool) or not isinstance(setting, int) or setting not in allowed:
        raise ValueError(
            f"cpu_affinity must be 'auto', None or one of the CPUs {sorted(allowed)},"
            f" got {setting!r}"
        )
    return setting


def cpu_for_worker(setting: CpuAffinity, index: int) -> CpuAffinity:
    """The ``cpu_affinity`` of worker process ``index``: with ``"auto"``, the workers
    are spread over the usable CPUs in turn, one CPU each."""
    if setting != "auto" or not hasattr(os, "sched_getaffinity"):
        return setting
    allowed = sorted(os.sched_getaffinity(0))
    return allowed[index % len(allowed)] if len(allowed) > 1 else None


def read_cpu_busy() -> dict[int, float]:
    """Seconds each CPU has been busy (not idle or waiting for I/O) since boot."""
    busy: dict[int, float] = {}
    try:
        with open("/proc/stat") as file:
            for line in file:
                if not line.startswith("cpu") or line.startswith("cpu "):
                    continue
                name, *fields = line.split()
                values = [int(value) for value in fields[:8]]
                idle = values[3] + values[4]  # idle + iowait
                busy[int(name[3:])] = (sum(values) - idle) / _TICKS
    except (OSError, ValueError):
        return {}
    return busy


def choose(current: int, busy_delta: dict[int, float], own_delta: float, elapsed: float) -> int:
    """The CPU to run on next: ``current`` unless another CPU carried at least
    ``MOVE_MARGIN`` of a CPU less foreign work over the last ``elapsed`` seconds.

    ``busy_delta`` is each allowed CPU's busy time over that period; ``own_delta`` is this
    process's CPU time, all of it spent on ``current`` (its threads were pinned there)."""
    if elapsed <= 0 or current not in busy_delta:
        return current
    foreign = {cpu: busy / elapsed for cpu, busy in busy_delta.items()}
    foreign[current] = max(0.0, foreign[current] - own_delta / elapsed)
    best = min(foreign, key=lambda cpu: (foreign[cpu], cpu != current))
    return best if foreign[current] - foreign[best] >= MOVE_MARGIN else current


class CpuFollower:
    """Keeps a process's pinned threads on the least foreign-loaded allowed CPU."""

    def __init__(self, cpu: int, allowed: set[int]) -> None:
        self.cpu = cpu
        self.allowed = allowed
        self._sampled_at = time.monotonic()
        self._busy = self._sample_busy()
        self._own = self._own_time()

    def _sample_busy(self) -> dict[int, float]:
        return {cpu: busy for cpu, busy in read_cpu_busy().items() if cpu in self.allowed}

    @staticmethod
    def _own_time() -> float:
        times = os.times()
        return times.user + times.system

    def tick(self, now: float) -> int | None:
        """Sample when due; return the new CPU after moving the threads, or None."""
        if now - self._sampled_at < FOLLOW_INTERVAL:
            return None
        busy, own = self._sample_busy(), self._own_time()
        deltas = {cpu: busy[cpu] - self._busy[cpu] for cpu in busy if cpu in self._busy}
        target = choose(self.cpu, deltas, own - self._own, now - self._sampled_at)
        self._sampled_at, self._busy, self._own = now, busy, own
        if target == self.cpu:
            return None
        moved = move_threads(self.cpu, target)
        log.debug(
            "CPU %d is busy with other work: moved %d thread(s) to CPU %d", self.cpu, moved, target
        )
        self.cpu = target
        return target


def move_threads(source: int, target: int) -> int:
    """Re-pin every thread of this process pinned to ``source`` alone to ``target``."""
    moved = 0
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return 0
    for task in tasks:
        try:
            tid = int(task)
            if os.sched_getaffinity(tid) == {source}:
                os.sched_setaffinity(tid, {target})
                moved += 1
        except (OSError, ValueError):
            continue  # the thread ended meanwhile
    return moved
