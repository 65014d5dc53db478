"""The ``compute_threads`` gate of the worker pool (docs/server.md, "Threads and the GIL").

Owns when a pool whose threads all run on one CPU lets one more thread take requests.
Rules kept:

- While the CPU is busy, at most ``limit`` pool threads serve. The engine asks ``full``
  before it wakes a thread for the queue and ``stand_down`` before a thread that finished
  a request takes the next; a refused request makes the idle watch runnable (``refuse``).
- The idle watch (``_watch``) is a SCHED_IDLE thread on the pool's CPU. The kernel runs
  such a thread only when nothing else on that CPU can run, and on a busy CPU only now
  and then, one turn at a time; so ``IDLE_RUNS`` turns in a row, each within ``IDLE_GAP``
  of the last, mean every serving thread waits (a socket, a database, a sleep): it lets
  one more thread in, and the next once that one waits too. It waits on the connection
  set only while the gate is at capacity (``arm``, one-shot).
- For ``BLOCKED_RECENTLY`` after the pool was seen waiting, finishing threads keep taking
  requests: an app that waits keeps its threads.
- ``check`` (the selector, every ``STALL``): if the first ready request has not moved,
  one more thread goes in (long requests); and while other processes use more than
  ``SHARED_OPEN`` of the CPU (``/proc/stat``, every ``SHARED_SAMPLE``) the gate opens and
  the watch sleeps, so that it never holds the GIL on a busy CPU, until that falls under
  ``SHARED_CLOSE`` (``gate_in_force``, a pure function of the samples). A window longer
  than ``SHARED_STALE`` (the process was stopped) only restarts the count.
- A system that refuses SCHED_IDLE gets no gate (``start`` returns False).
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
from typing import TYPE_CHECKING

from .affinity import read_cpu_busy
from .quick_epoll import modify

if TYPE_CHECKING:
    from .engine import Engine

log = logging.getLogger("kettle.server")

_ARM = select.EPOLLIN | select.EPOLLONESHOT
IDLE_GAP = 20e-6
IDLE_RUNS = 3
STALL = 0.02
SHARED_SAMPLE = 0.5  # /proc/stat counts in 10 ms ticks: half a second between samples
SHARED_OPEN = 0.15
SHARED_CLOSE = 0.05
SHARED_STALE = 1.0  # a longer window (the process was stopped) only restarts the count
BLOCKED_RECENTLY = 0.05
WATCH_TIMEOUT = 0.1


def foreign_share(busy: float, own: float, elapsed: float) -> float | None:
    """The share of the pool's CPU that other processes used over a window of ``elapsed``
    seconds in which the CPU was ``busy`` and this process used ``own`` seconds; None for
    a window longer than ``SHARED_STALE``, which says little about now: the selector looks
    every ``STALL``, so only a stopped process (SIGSTOP, a frozen container, a paused VM)
    sees one, and the work of other processes while it was stopped must not open the gate
    once it runs again."""
    if elapsed <= 0 or elapsed > SHARED_STALE:
        return None
    return (busy - own) / elapsed


def gate_in_force(in_force: bool, foreign: float) -> bool:
    """Whether the gate holds after a sample that found other processes using ``foreign``
    of the pool's CPU (a share of it): it gives way above ``SHARED_OPEN`` and holds again
    below ``SHARED_CLOSE`` (in between, it stays as it was)."""
    if in_force:
        return foreign <= SHARED_OPEN
    return foreign < SHARED_CLOSE


class Gate:
    """The gate of one ``Engine``'s pool: reads the pool's state, wakes its threads."""

    def __init__(self, engine: Engine, limit: int, cpu: int) -> None:
        self.engine = engine
        self.limit = limit
        #: The limit in force: None while other processes use the CPU (``check``).
        self.cap: int | None = limit
        self.cpu = cpu  # when the engine's own is None (a process confined to one CPU)
        self.blocked_at = 0.0
        self._admit_pending = False
        self._admit_r, self._admit_w = os.pipe()
        os.set_blocking(self._admit_w, False)
        self._epoll: select.epoll | None = None
        self._thread: threading.Thread | None = None
        # Set while the gate is in force; the watch sleeps on it while the gate is open.
        self._in_force = threading.Event()
        self._in_force.set()
        self._shared_at = float("-inf")  # no sample yet: the first window is endless
        self._shared_busy = 0.0
        self._shared_own = 0.0
        self._head = 0  # id() of the first ready request at the last ``check``

    # -- asked by the pool ----------------------------------------------------------------

    def full(self, extra: int = 0) -> bool:
        """Whether the serving threads, and ``extra`` more, reach the limit in force."""
        cap = self.cap
        return cap is not None and self.engine._busy.count(True) + extra >= cap

    def stand_down(self) -> bool:
        """Whether a thread that finished a request leaves the queue to the others: the
        limit is reached and the pool was not seen waiting lately."""
        return self.full() and time.monotonic() - self.blocked_at > BLOCKED_RECENTLY

    def refuse(self) -> None:
        """A ready request was left for the serving threads: make the watch runnable, so
        that it lets one more thread in if they all wait."""
        if not self._admit_pending:
            self._admit_pending = True
            try:
                os.write(self._admit_w, b"x")
            except OSError:
                pass  # already readable, or closed at shutdown

    def arm(self) -> None:
        """Let the watch wake when the connection set has something to read (called where
        the selector's watch would be armed, were the gate not at capacity)."""
        if self._epoll is not None:
            try:
                modify(self._epoll, self.engine._epoll_fd, _ARM)
            except (OSError, ValueError):
                pass  # closed at shutdown

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> bool:
        """Start the watch; False (and a warning) if the system refuses SCHED_IDLE."""
        engine = self.engine
        self._epoll = select.epoll()
        self._epoll.register(engine._epoll_fd, 0)
        self._epoll.register(self._admit_r, select.EPOLLIN)
        self._epoll.register(engine._wake_r, select.EPOLLIN)
        started = threading.Event()
        refused: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._watch, args=(started, refused), name="kettle-idle", daemon=True
        )
        self._thread.start()
        started.wait()
        if refused:
            log.warning("no idle watch (%s): the pool is not gated", refused[0])
            self._thread.join()
            self.close()
            return False
        return True

    def stop(self) -> None:
        """After the engine's wake pipe was written: end the watch, close what it used."""
        self._in_force.set()
        if self._thread is not None:
            self._thread.join(1.0)
        self.close()

    def close(self) -> None:
        if self._epoll is not None:
            self._epoll.close()
        for fd in (self._admit_r, self._admit_w):
            try:
                os.close(fd)
            except OSError:
                pass

    # -- the idle watch -------------------------------------------------------------------

    def _watch(self, started: threading.Event, refused: list[BaseException]) -> None:
        engine = self.engine
        engine._pin()
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except (OSError, AttributeError) as exc:
            refused.append(exc)
            started.set()
            return
        started.set()
        watch = self._epoll
        if watch is None:
            return
        clock = time.perf_counter
        give_way = os.sched_yield
        while not engine.draining:
            if self.cap is None:
                self._in_force.wait()  # open while other processes use the CPU
                continue
            try:
                # (A timeout: at shutdown the pipe that wakes it may be closed before this
                # thread, which runs only when the CPU is idle, saw it; and a wake-up lost
                # to a race costs at most this long, as the selector's look does.)
                watch.poll(WATCH_TIMEOUT, 4)
            except InterruptedError:
                continue
            except (OSError, ValueError):
                return
            last = clock()
            for _turn in range(IDLE_RUNS):
                give_way()
                now = clock()
                if now - last > IDLE_GAP:
                    break  # something else ran: the CPU is busy
                last = now
            else:
                self._on_idle()
            if self.full():
                self.arm()  # still at capacity: keep watching the connection set

    def _on_idle(self) -> None:
        """The CPU is idle while requests wait: read the connection set if no thread polls
        it, and let one more thread in."""
        engine = self.engine
        self.blocked_at = time.monotonic()
        if self._admit_pending:
            # Drained before the flag is cleared: a refusal in between writes nothing, but
            # its request is in the ready queue, which this call looks at below.
            try:
                os.read(self._admit_r, 4096)
            except OSError:
                pass
            self._admit_pending = False
        if not engine._pollers and any(engine._busy):
            engine.read_now()
        if engine._ready and (engine._idle or engine._pollers):
            engine._wake_one(stalled=True)  # (a thread polling sees no event for these)
            # Stay runnable: once the woken thread waits too, the next one goes in.
            self.refuse()

    # -- the selector's look --------------------------------------------------------------

    def check(self, now: float) -> None:
        """Every ``STALL``, from the selector: the shared-CPU sample when due; read the
        connection set (no thread reads it while the serving threads are in long
        requests); let one more thread in if the first ready request has not moved."""
        if now - self._shared_at >= SHARED_SAMPLE:
            self._sample_shared(now)
        if self.cap is None:
            self._head = 0
            return
        engine = self.engine
        if not engine._pollers and any(engine._busy):
            engine.read_now()
        try:
            head = id(engine._ready[0])
        except IndexError:
            head = 0
        if head and head == self._head:
            self.blocked_at = now
            if engine._idle:
                engine._wake_one(stalled=True)
        self._head = head

    def _sample_shared(self, now: float) -> None:
        engine = self.engine
        cpu = engine.cpu if engine.cpu is not None else self.cpu
        busy = read_cpu_busy().get(cpu)
        if busy is None:
            return
        times = os.times()
        own = times.user + times.system
        foreign = foreign_share(
            busy - self._shared_busy, own - self._shared_own, now - self._shared_at
        )
        if foreign is not None:
            in_force = self.cap is not None
            if in_force and not gate_in_force(True, foreign):
                self.cap = None
                self._in_force.clear()
                with engine._lock:
                    if not engine._pollers and engine._idle:
                        engine._watch(True)
                if engine._ready:
                    engine._wake_one(stalled=True)
            elif not in_force and gate_in_force(False, foreign):
                self.cap = self.limit
                self._in_force.set()
        self._shared_at, self._shared_busy, self._shared_own = now, busy, own
