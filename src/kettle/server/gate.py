"""The ``compute_threads`` gate of the worker pool (docs/server.md, "Threads and the GIL").

Owns when a pool whose threads all run on one CPU lets one more thread take requests.
Rules kept:

- While the CPU is busy, at most ``limit`` pool threads serve. The engine asks ``full``
  before it wakes a thread for the queue and ``stand_down`` before a thread that finished
  a request takes the next; a refused request makes the idle watch runnable (``refuse``).
- The idle watch is a child process (``kettle.server.idle_watch``), SCHED_IDLE on the
  pool's CPU. The kernel runs it only when nothing else on that CPU can run, and on a
  busy CPU only now and then, one turn at a time; so ``IDLE_RUNS`` turns in a row, each
  within ``IDLE_GAP`` of the last, mean every serving thread waits (a socket, a database,
  a sleep). It reports that to ``_listen``, a thread of the server at the normal
  priority, which lets one more thread in (and the next once that one waits too). A
  process, not a thread: a SCHED_IDLE thread holds the server's GIL while the kernel
  keeps it waiting for a turn. It waits on the connection set only while the gate is at
  capacity (``arm``, one-shot).
- For ``BLOCKED_RECENTLY`` after the pool was seen waiting, finishing threads keep taking
  requests: an app that waits keeps its threads.
- ``check`` (the selector, every ``STALL``): if no ready request was taken since the last
  look, one more thread goes in (long requests); and while other processes use more than
  ``SHARED_OPEN`` of the CPU (``/proc/stat``, every ``SHARED_SAMPLE``) the gate opens
  (the watch's reports are answered and nothing more), until that falls under
  ``SHARED_CLOSE`` (``gate_in_force``, a pure function of the samples). A window longer
  than ``SHARED_STALE`` (the process was stopped) only restarts the count.
- A system that refuses SCHED_IDLE (or a watch that does not start) gets no gate
  (``start`` returns False).
"""

from __future__ import annotations

import logging
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
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
START_TIMEOUT = 10.0  # seconds the watch may take to start (an interpreter's start-up)
STOP_TIMEOUT = 1.0
WATCH_PROGRAM = str(Path(__file__).with_name("idle_watch.py"))


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
        self._thread: threading.Thread | None = None  # ``_listen``
        self._child: subprocess.Popen[bytes] | None = None  # the idle watch
        self._report_r = self._answer_w = -1
        self._shared_at = float("-inf")  # no sample yet: the first window is endless
        self._shared_busy = 0.0
        self._shared_own = 0.0
        self._taken = -1  # ``engine.taken`` at the last ``check``, if a request was waiting

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
        """Start the watch; False (and a warning) if the system refuses SCHED_IDLE or the
        watch does not start."""
        engine = self.engine
        self._epoll = watch = select.epoll()
        watch.register(engine._epoll_fd, 0)
        watch.register(self._admit_r, select.EPOLLIN)
        watch.register(engine._wake_r, select.EPOLLIN)
        report_r, report_w = os.pipe()
        answer_r, self._answer_w = os.pipe()
        self._report_r = report_r
        cpu = engine.cpu if engine.cpu is not None else self.cpu
        argv = [cpu, watch.fileno(), engine._epoll_fd, engine._wake_r, report_w, answer_r]
        try:
            self._child = subprocess.Popen(
                [sys.executable, "-I", "-S", WATCH_PROGRAM, *map(str, argv),
                 repr(IDLE_GAP), str(IDLE_RUNS)],
                pass_fds=(watch.fileno(), engine._epoll_fd, report_w, answer_r),
                stdin=subprocess.DEVNULL,
                # In the server's session and process group (it ignores SIGINT, and a
                # SIGSTOP of the group stops it too). Not a new session: with autogroup
                # scheduling (Linux's default) a session is a scheduling group of its own,
                # where a SCHED_IDLE task takes turns as if at the normal priority.
            )  # fmt: skip
        except OSError as exc:
            refused = f"could not start it: {exc}"
        else:
            refused = self._started()
        finally:
            os.close(report_w)
            os.close(answer_r)
        if refused:
            log.warning("no idle watch (%s): the pool is not gated", refused)
            self.stop()
            return False
        self._thread = threading.Thread(target=self._listen, name="kettle-idle", daemon=True)
        self._thread.start()
        return True

    def _started(self) -> str:
        """Wait for the watch's first byte: "" once it runs under SCHED_IDLE, else why not."""
        ready, _, _ = select.select([self._report_r], [], [], START_TIMEOUT)
        first = os.read(self._report_r, 256) if ready else b""
        if first == b"S":
            return ""
        if first[:1] == b"R":
            return first[1:].decode(errors="replace")
        return "it did not start" if not ready else "it ended at once"

    def follow(self, cpu: int) -> None:
        """The server's threads moved to ``cpu`` (``cpu_affinity="auto"`` follows load):
        move the idle watch with them, since it must watch the CPU they run on. (Left
        behind, ``bench/tfb.py``'s unpinned runs gave /fortunes a p99 of 43-76 ms, against
        5.0 with it following and 5.6 with the in-process watch, which moved as a thread.)"""
        child = self._child
        if child is not None and child.poll() is None:
            try:
                os.sched_setaffinity(child.pid, {cpu})
            except OSError:
                pass  # it ended meanwhile

    def stop(self) -> None:
        """After the engine's wake pipe was written (the watch ends on it): wait for the
        watch to end, close what it used."""
        if self._answer_w >= 0:
            os.close(self._answer_w)  # (a watch waiting for an answer ends on this)
            self._answer_w = -1
        child = self._child
        if child is not None:
            try:
                child.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT)
        self.close()

    def close(self) -> None:
        if self._epoll is not None:
            self._epoll.close()
        for fd in (self._admit_r, self._admit_w, self._report_r, self._answer_w):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._admit_r = self._admit_w = self._report_r = self._answer_w = -1

    # -- the idle watch's reports ---------------------------------------------------------

    def _exit_status(self) -> int | None:
        """The ended watch's exit status (None if it is not known within a second)."""
        try:
            return None if self._child is None else self._child.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            return None

    def _listen(self) -> None:
        """A thread of the server at the normal priority: acts on each report of the idle
        watch (``kettle.server.idle_watch``) and answers it."""
        engine = self.engine
        engine._pin()
        while True:
            try:
                report = os.read(self._report_r, 1)
            except OSError:
                return
            if engine.draining:
                return  # (the watch ends once ``stop`` closes its answer pipe)
            if not report:
                log.warning(
                    "the idle watch ended (exit status %s): threads now get in only"
                    " through the selector's look every %g s",
                    self._exit_status(),
                    STALL,
                )
                return
            if self.cap is not None:
                self._on_idle()
                if self.full():
                    self.arm()  # still at capacity: keep watching the connection set
            try:
                os.write(self._answer_w, b"a")
            except OSError:
                return

    def _on_idle(self) -> None:
        """The CPU is idle: read the connection set if no thread polls it, and if requests
        wait, mark the pool as seen waiting and let one more thread in."""
        engine = self.engine
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
        if not engine._ready:
            return  # idle with nothing to do (between a client's requests): no waiting seen
        self.blocked_at = time.monotonic()
        if engine._idle or engine._pollers:
            engine._wake_one(stalled=True)  # (a thread polling sees no event for these)
            # Stay runnable: once the woken thread waits too, the next one goes in.
            self.refuse()

    # -- the selector's look --------------------------------------------------------------

    def check(self, now: float) -> None:
        """Every ``STALL``, from the selector: the shared-CPU sample when due; read the
        connection set if no thread read it for that long (the serving threads are in long
        requests); let one more thread in if the first ready request has not moved."""
        if now - self._shared_at >= SHARED_SAMPLE:
            self._sample_shared(now)
        if self.cap is None:
            self._taken = -1
            return
        engine = self.engine
        if not engine._pollers and any(engine._busy) and now - engine._read_at >= STALL:
            # (Only when no thread read it meanwhile: a selector that read it every time,
            # taking the GIL from the computing thread, made /plaintext's p99 with one
            # computing thread 1.5-3.3 ms against 1.1-1.4.)
            engine.read_now()
        taken = engine.taken if engine._ready else -1
        if taken >= 0 and taken == self._taken:
            self.blocked_at = now
            if engine._idle:
                engine._wake_one(stalled=True)
        self._taken = taken

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
                with engine._lock:
                    if not engine._pollers and engine._idle:
                        engine._watch(True)
                if engine._ready:
                    engine._wake_one(stalled=True)
            elif not in_force and gate_in_force(False, foreign):
                self.cap = self.limit
        self._shared_at, self._shared_busy, self._shared_own = now, busy, own
