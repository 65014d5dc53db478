"""The threads of the server: a bounded pool of workers that poll for their own work, and
one selector thread for accepting, deadlines and the times every worker is busy.

Owns accepting, parking idle connections, handing ready requests to threads, deadlines
and graceful shutdown. Rules kept:

- Idle connections wait in one epoll set (``_epoll``), registered ``EPOLLONESHOT``: when
  one becomes readable the kernel disarms it and hands the event to one waiting thread,
  which reads it (``Connection.on_readable``) without waiting; only a connection with a
  request ready to run (head and body buffered, up to ``max_buffered_body``) is served,
  so slow clients never hold a worker. Exactly one thread owns a connection at any time:
  the one epoll gave the event to, or the selector when a deadline passes; both take it
  under ``_claim`` (``parked`` true to false). The owner re-arms it (``park``) when it
  has no request in hand; ``epoll_ctl`` is safe to call from any thread.
- Leader/followers, bounded: while no request is in hand anywhere in the pool, up to
  ``POLLERS`` (2; gated, no more than ``compute_threads``) idle threads wait in
  ``epoll_wait`` on the connections, and the thread
  epoll wakes serves the request it reads itself, in place: an idle or lightly loaded
  process answers a request with one thread waking, not a selector-to-worker hand-off
  (two wake-ups and a GIL hand-off). Other idle threads sleep on their own lock, the
  most recently idle on top (LIFO: warm caches, few threads cycle). A thread that
  finishes a request takes the next ready one (``_ready``) before it sleeps.
- While some thread serves, no thread polls: a one-shot watch on the connection set
  (its epoll fd in the selector's epoll, armed only while no thread polls and some
  thread sleeps) lets the selector read the connections and queue ready ones for the
  sleeping threads. While every thread is busy the watch stays off, so the selector does
  not wake (and take the GIL from a serving thread) for each request that arrives with
  no thread to take it: it reads once a tick (100 Continue, errors, deadlines), and a
  thread that finishes reads the connection set itself before it sleeps. Threads are
  woken one at a time, the next only once the previous one runs: threads woken faster than they
  get the GIL only queue up for it, and with app code that releases it often (sqlite3
  around every statement) every release switches between them. If a ready connection
  waits a whole tick (0.25 s) with no thread taking it (their app calls block), the
  selector wakes one more; one queued while every free thread waits in ``epoll_wait``
  re-arms an always-readable one-shot pipe to wake one of them.
- The gate (``compute_threads``, only on a pool whose threads run on one CPU): while the
  CPU is busy, at most that many threads take requests; a thread that finishes while that
  many others serve sleeps, and the selector's watch stays off (the serving threads read
  the connection set as they finish). The idle watch, a SCHED_IDLE child process on the
  same CPU that the kernel runs only when nothing else there can run, lets one more
  thread in each time every serving thread waits; the selector lets one in when no ready
  request was taken for a while (long requests), and the gate opens while other
  processes use the CPU (``kettle.server.gate``).
- The selector thread polls the listening sockets and runs the deadline sweeps; as the
  reader of last resort it still reads (once a tick), answers ``100 Continue`` to and
  times out slow or stalled clients while every worker is busy. It runs under Linux's
  ``SCHED_BATCH`` policy (``_unhurried``): woken, it waits for the running thread's turn
  to end instead of preempting it, so it never takes the GIL from a worker in the middle
  of a request (that worker's request would then wait, often several switch intervals).
- The worker pool is bounded by ``threads``; ready connections beyond it wait in
  ``_ready`` (and new ones in the listen backlog), never dropped.
- A worker whose connection is taken over (WebSocket, event stream) leaves the pool
  (``release_worker``): a replacement starts at once and the old thread ends when the app
  returns, so long-lived connections never use up the request workers. Graceful
  shutdown waits for such threads too, up to the grace period.
- Only the selector closes parked connections (deadline sweep, shutdown), and only the
  owning thread closes a connection it holds.
- Saturation is reported: when every worker is busy and connections wait for one, the
  selector logs a warning (at most once per ``SATURATION_LOG_INTERVAL`` seconds), and an
  info line when a worker is free again.
- Shutdown: stop accepting, close parked connections, let workers finish the requests in
  hand and those already ready (answered with ``Connection: close``) up to the grace
  period, then cut the rest.
"""

from __future__ import annotations

import errno
import logging
import os
import select
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import Any

from ..http.parts import direct_entry
from . import gate as gate_module
from .affinity import CpuFollower
from .connection import Connection, timeval
from .gate import Gate
from .protocol import Limits
from .quick_epoll import EPOLL_CTL_MOD, epoll_ctl_quiet, events_now, modify, packed_event
from .wsgi import WSGIApp

_now = time.monotonic
log = logging.getLogger("kettle.server")

_ARM = select.EPOLLIN | select.EPOLLONESHOT
_TICK = 0.25
# Responses held for batching (``Engine.hold``) go out when the queue of ready requests is
# empty, when ``HOLD_MAX`` wait, or once the first has waited ``HOLD_SECONDS``.
HOLD_MAX = 16
HOLD_SECONDS = 0.005
# While responses are held the selector looks every ``HOLD_WATCH`` (for a thread that holds
# some and went on to a long request), until none were held for ``HOLD_QUIET``.
HOLD_WATCH = 0.02
HOLD_QUIET = 1.0
_GATED_WAIT = 0.001
SATURATION_LOG_INTERVAL = 10.0
# At most this many idle pool threads wait in ``epoll_wait`` on the connections at once
# (and only while no thread serves); the others sleep on their own lock.
POLLERS = 2
# Events one read of the connection set takes.
_POLL_BATCH = 32


class Engine:
    """Runs an app on already listening sockets. Use ``Server``, not this, directly."""

    def __init__(
        self,
        app: WSGIApp,
        listeners: list[socket.socket],
        *,
        threads: int,
        limits: Limits,
        header_timeout: float,
        keepalive_timeout: float,
        body_timeout: float,
        min_body_rate: float,
        send_timeout: float,
        max_buffered_body: int = 1 << 20,
        base_environ: dict[str, Any],
        ssl_context: ssl.SSLContext | None,
        access_log: bool,
        cpu: int | None = None,
        follow_load: bool = False,
        compute_threads: int | None = None,
        batch_responses: bool = False,
    ) -> None:
        self.app = app
        #: A Kettle app's direct entry (``kettle.server.wsgi.run_direct``), or None.
        self.direct: Callable[..., Any] | None = direct_entry(app)
        # ``compute_threads``: the gate (``kettle.server.gate``), only for a pool whose
        # threads all run on one CPU, where an idle CPU means every one of them waits.
        allowed = os.sched_getaffinity(0)
        self._gate: Gate | None = (
            Gate(self, compute_threads, cpu if cpu is not None else min(allowed))
            if compute_threads is not None
            and compute_threads < threads
            and (cpu is not None or len(allowed) == 1)
            else None
        )
        # The one CPU every pool thread runs on (None: the scheduler decides), and the
        # CPUs a thread that leaves the pool gets back.
        self.cpu = cpu
        self._all_cpus = allowed if cpu is not None else set()
        self._follower = (
            CpuFollower(cpu, self._all_cpus)
            if follow_load and cpu is not None and len(self._all_cpus) > 1
            else None
        )
        self.listeners = {sock.fileno(): sock for sock in listeners}
        self.threads = threads
        self.limits = limits
        self.header_timeout = header_timeout
        self.keepalive_timeout = keepalive_timeout
        self.body_timeout = body_timeout
        self.min_body_rate = min_body_rate
        self.send_timeout = send_timeout
        self.max_buffered_body = max_buffered_body
        # Set when draining starts, so long-lived responses and taken-over connections
        # (SSE, WebSockets) can end instead of holding shutdown for the grace period.
        self.shutdown_event = threading.Event()
        base_environ["kettle.shutdown"] = self.shutdown_event
        self.base_environ = base_environ
        self.ssl_context = ssl_context
        self.access_log = access_log
        self.draining = False
        # Asked before accepting from a listener that is ready; False leaves the
        # connection to another process sharing the socket (``kettle.server.balance``).
        self.accept_gate: Callable[[], bool] | None = None
        self.conns: dict[int, Connection] = {}
        # Connections with a request ready to run that no thread has taken yet.
        self._ready: deque[Connection] = deque()
        #: Queue a connection with a request ready to run (``deque.append`` itself: no
        #: Python call per request). Called while reading events (a pool thread that
        #: polled, or the selector): the caller wakes threads for the queue once its batch
        #: of events is read (``_after_poll``).
        self.dispatch: Callable[[Connection], None] = self._ready.append
        # Guards the pool's roles: ``_pollers`` (threads in or entering ``epoll_wait``) and
        # ``_idle`` (the wake-up locks of sleeping threads, most recently idle last).
        self._lock = threading.Lock()
        self._pollers = 0
        self._waking = False
        # Requests taken from ``_ready`` so far: the queue moved between two looks if this
        # did. (The id() of its first connection did not tell: with a few dozen clients
        # the same connection is often first again 20 ms later.)
        self.taken = 0
        self._stalled_at = -1  # ``taken`` at the last sweep, if a request was waiting
        self._idle: list[Any] = []
        # Taken to change ``Connection.parked``: an event and a deadline sweep may race.
        self._claim = threading.Lock()
        # ``_epoll`` holds the connections (polled by pool threads), ``_listen_epoll`` the
        # listening sockets (polled by the selector); the wake pipe is in both.
        self._epoll = select.epoll()
        self._epoll_fd = self._epoll.fileno()
        self._listen_epoll = select.epoll()
        self._listen_epoll_fd = self._listen_epoll.fileno()
        self._wake_r, self._wake_w = os.pipe()
        # Always readable, registered one-shot in the connection set: re-arming it wakes
        # exactly one polling thread (``_wake_one`` when no thread sleeps on a lock).
        self._poke_r, self._poke_w = os.pipe()
        os.write(self._poke_w, b"x")
        self._workers: list[threading.Thread] = []
        # Threads that left the pool to keep serving a taken-over connection.
        self._released: set[threading.Thread] = set()
        self._released_lock = threading.Lock()
        self._worker_index = threading.local()
        self._selector: threading.Thread | None = None
        self._rcvtimeo = timeval(body_timeout)
        self._sndtimeo = timeval(send_timeout)
        self._paused_until = 0.0
        # One flag per worker (a list store is atomic), read by the selector's sweep.
        self._busy = [False] * threads
        self._read_at = 0.0  # when a thread last read the connection set (``_read_events``)
        #: Connections whose small response waits to go out with the next ones
        #: (``hold``), and when the first of them was held (0.0: none, or not known).
        self.batch_responses = batch_responses
        self._held: deque[Connection] = deque()
        self._held_since = 0.0
        # While True the selector looks at the held responses every ``HOLD_WATCH``.
        self._hold_watch = False
        self._held_seen = 0.0  # the selector's last look that found responses held
        self._hold_r, self._hold_w = os.pipe()
        os.set_blocking(self._hold_w, False)
        self._saturated_at = 0.0
        self._last_saturation_log = -SATURATION_LOG_INTERVAL

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        for fd, sock in self.listeners.items():
            sock.setblocking(False)
            self._listen_epoll.register(fd, select.EPOLLIN)
        self._listen_epoll.register(self._wake_r, select.EPOLLIN)
        self._listen_epoll.register(self._hold_r, select.EPOLLIN)
        self._epoll.register(self._wake_r, select.EPOLLIN)
        self._epoll.register(self._poke_r, 0)
        # The selector watches the connection set while no pool thread polls it.
        self._listen_epoll.register(self._epoll_fd, _ARM)
        if self._gate is not None and not self._gate.start():
            self._gate = None  # the system refuses SCHED_IDLE
        for index in range(self.threads):
            self._workers.append(self._start_worker(index))
        self._selector = threading.Thread(target=self._select, name="kettle-selector", daemon=True)
        self._selector.start()

    def stop(self, grace: float) -> None:
        """Graceful shutdown; returns when every thread has ended (or grace ran out)."""
        if self.draining:
            return
        self.draining = True
        self.shutdown_event.set()
        os.write(self._wake_w, b"x")
        deadline = time.monotonic() + grace
        if self._selector is not None:
            self._selector.join(max(0.0, deadline - time.monotonic()) + 1.0)
        with self._lock:  # idle threads end; the others once no ready connection is left
            for waiter in self._idle:
                waiter.release()
            self._idle.clear()
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        if self._gate is not None:
            self._gate.stop()  # (its watch wakes on the wake pipe written above)
        with self._released_lock:
            released = list(self._released)
        for thread in released:
            thread.join(max(0.0, deadline - time.monotonic()))
        if any(worker.is_alive() for worker in self._workers):
            log.warning("grace period over: cutting %d connection(s)", len(self.conns))
            for conn in list(self.conns.values()):
                try:
                    conn.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            for worker in self._workers:
                worker.join(1.0)
        for conn in list(self.conns.values()):
            conn.close()
        self._epoll.close()
        self._listen_epoll.close()
        for fd in (
            self._wake_r,
            self._wake_w,
            self._poke_r,
            self._poke_w,
            self._hold_r,
            self._hold_w,
        ):
            os.close(fd)

    def stop_accepting(self) -> None:
        """Take the listening sockets out of the selector; they stay open and connections
        already accepted are served as usual. A worker process of ``kettle serve
        --workers`` calls this before it drains, so its siblings take every new connection
        and none is accepted here only to be closed unread."""
        self._paused_until = 0.0
        for fd in self.listeners:
            try:
                self._listen_epoll.unregister(fd)
            except (OSError, ValueError):
                pass

    # -- connection bookkeeping (called by connections) ---------------------------------

    def park(self, conn: Connection) -> None:
        """Give a connection back to epoll until it is readable or expires (its re-arm
        call, ``rearm_call``, is kept on the connection)."""
        if self.draining:
            conn.close()
            return
        conn.parked = True
        if epoll_ctl_quiet is not None:
            # ``modify`` inlined, once per request. The connection set is open: it is
            # closed only after ``draining`` is set.
            rearm = conn.rearm
            if rearm is None:
                rearm = conn.rearm = self.rearm_call(conn)
            if not rearm():
                return
        else:
            try:
                self._epoll.modify(conn.fd, _ARM)
                return
            except (OSError, ValueError):
                pass
        conn.parked = False
        conn.close()

    def rearm_call(self, conn: Connection) -> Callable[[], int]:
        """The call that re-arms ``conn`` in the connection set, its arguments bound: it
        returns 0 when that worked. ``park`` makes it on a connection's first park and
        keeps it as ``conn.rearm``, so that the connection can park itself between
        requests without a call into the engine (``Connection.serve_ready``)."""
        fd = conn.fd
        return partial(epoll_ctl_quiet, self._epoll_fd, EPOLL_CTL_MOD, fd, packed_event(_ARM, fd))

    def forget(self, conn: Connection, *, unregister: bool) -> None:
        """Stop tracking a connection: about to be closed (closing the socket removes it
        from epoll by itself), or taken over (``unregister`` it, the socket lives on)."""
        tracked = self.conns.get(conn.fd) is conn and self.conns.pop(conn.fd, None) is conn
        if tracked and unregister:
            try:
                self._epoll.unregister(conn.fd)
            except (OSError, ValueError):
                pass

    def release_worker(self) -> None:
        """Called on a worker whose connection is being taken over: this thread leaves the
        bounded pool (it ends once the app returns) and a replacement takes its place, so
        a long-lived handler never holds one of the ``threads`` request workers."""
        slot: list[int] = getattr(self._worker_index, "slot", [])
        if not slot:
            return  # not one of this engine's pool threads, or already released
        if self._held:
            self.send_held()  # this thread will not come back to send them
        index = slot.pop()
        self._busy[index] = False  # before the replacement can mark it busy
        if not self.draining:  # a draining pool is not topped up
            try:
                replacement = self._start_worker(index)
            except RuntimeError as exc:  # "can't start new thread": out of threads/memory
                log.error("could not start a replacement worker (%s); pool stays as is", exc)
                slot.append(index)
                self._busy[index] = True
                return
            self._workers[index] = replacement
        with self._released_lock:
            self._released.add(threading.current_thread())
        if self.cpu is not None:
            # A taken-over connection (WebSocket, event stream) mostly waits, and its
            # pings and pongs are timed: it is not GIL contention worth a single core.
            try:
                os.sched_setaffinity(0, self._all_cpus)
            except OSError:
                pass

    # -- responses held for batching ----------------------------------------------------

    def hold(self, conn: Connection) -> None:
        """Keep ``conn``, between requests with its small response in ``conn.held``, until
        the responses go out together (``send_held``): a client side that is woken once
        for several responses, rather than once for each, costs the sender less (on the
        loopback, the receiver's wake-up is paid by the sending thread)."""
        held = self._held
        if not held:
            self._held_since = _now()
        held.append(conn)
        if not self._hold_watch:
            # The selector sleeps up to a tick: have it look again within HOLD_SECONDS,
            # in case the thread that holds these goes on to a long request.
            self._hold_watch = True
            try:
                os.write(self._hold_w, b"x")
            except OSError:
                pass  # already readable, or closed at shutdown

    def send_held(self, *, wait: bool = True) -> None:
        """Send every held response and park its connection (any thread; each connection
        is taken from the deque by one thread only). ``wait=False``: the selector's
        call, which leaves held what a full socket does not take, for a later look or
        a pool thread (they wait up to ``send_timeout``, as for any response)."""
        held = self._held
        self._held_since = 0.0  # (a response held meanwhile counts as old: it goes soon)
        unsent = []
        while True:
            try:
                conn = held.popleft()
            except IndexError:
                break
            if not conn.release_held(wait=wait):
                unsent.append(conn)
        held.extend(unsent)

    # -- threads ------------------------------------------------------------------------

    def _start_worker(self, index: int) -> threading.Thread:
        worker = threading.Thread(
            target=self._work, args=(index,), name=f"kettle-worker-{index}", daemon=True
        )
        worker.start()
        return worker

    def _pin(self) -> None:
        """Pin the calling thread (only it: Linux affinity is per thread) to ``cpu``.

        Threads that hand the GIL to each other across cores pay a cross-core wake-up on
        every hand-off, and code that releases the GIL often (sqlite3 around every
        statement) hands it over constantly: on one core the releasing thread usually
        takes it back before another is even scheduled. Threads the app starts from a
        worker inherit the pin."""
        if self.cpu is not None:
            try:
                os.sched_setaffinity(0, {self.cpu})
            except OSError as exc:
                log.warning("could not pin a server thread to CPU %d: %s", self.cpu, exc)

    def _work(self, index: int) -> None:
        """A pool thread: serve a ready connection, else wait for events in the connection
        set (when no thread serves and fewer than ``POLLERS`` wait there) and serve what
        it reads in place, else sleep until woken."""
        self._pin()
        busy = self._busy
        ready = self._ready
        gate = self._gate
        # This thread's index while it is in the pool; ``release_worker`` empties it. (A
        # list the loop reads: the thread-local it is kept in costs more to read.)
        slot = self._worker_index.slot = [index]
        waiter = threading.Lock()
        waiter.acquire()
        held = self._held
        while True:
            if held and (
                not ready or len(held) >= HOLD_MAX or _now() - self._held_since >= HOLD_SECONDS
            ):
                self.send_held()
            if not ready:
                # (Asked first: an IndexError from an empty queue costs more than the
                # request's whole pass through this loop.)
                if self._read_before_sleeping():
                    continue
                if not self._wait_for_work(waiter):
                    return
                continue
            if gate is not None and gate.stand_down():
                # Gated: enough threads serve and the CPU is busy; leave the queue to
                # them (the idle watch lets this thread in again if they all wait).
                if held:
                    self.send_held()
                if not self._wait_for_work(waiter, stand_down=True):
                    return
                continue
            try:
                conn = ready.popleft()
            except IndexError:
                continue  # another thread took it since
            self.taken += 1
            busy[index] = True
            try:
                conn.serve_ready()
            except Exception:
                log.exception("unexpected error while serving a connection")
                conn.close()
            if not slot:
                self._leave()  # this thread left the pool (release_worker)
                return
            busy[index] = False
            # An idle worker must not keep its last connection (socket, parser, buffers)
            # alive until it serves another one.
            del conn

    def _wait_for_work(self, waiter: Any, *, stand_down: bool = False) -> bool:
        """Poll the connection set or sleep until woken; False when the pool stops.
        ``stand_down``: sleep even though requests are ready (gated: others serve them)."""
        with self._lock:
            if self.draining:
                return False
            if self._ready and not stand_down:
                # Queued after this thread looked, by a thread that saw it neither idle
                # nor polling: this thread is its only taker.
                return True
            # A thread polls only while no request is in hand anywhere in the pool: then
            # the one epoll wakes serves the request in place. While some thread serves,
            # new requests go the selector's way (``_watch``) and wake threads one at a
            # time, which keeps few threads in the app at once.
            polling = (
                self._pollers < self._most_pollers() and not any(self._busy) and not stand_down
            )
            if polling:
                self._pollers += 1
                if self._pollers == 1:
                    self._watch(False)
            else:
                self._idle.append(waiter)
                if stand_down and self._gate is not None:
                    # Only now, with this thread among the idle ones: the idle watch may
                    # run at once, and must find a thread to let in.
                    self._gate.refuse()
                if not self._pollers:
                    # A thread is free to take what the selector reads: watch again.
                    self._rewatch()
        if not polling:
            waiter.acquire()
            self._waking = False
            return True
        try:
            events = self._epoll.poll(-1, _POLL_BATCH)
        except InterruptedError:
            events = []
        except (OSError, ValueError):  # closed under us at shutdown
            events = []
        with self._lock:
            self._pollers -= 1
            if self._pollers == 0:
                self._rewatch()
        self._read_events(events)
        self._after_poll(serving=True)
        return True

    def _most_pollers(self) -> int:
        """How many idle threads may wait in ``epoll_wait`` at once: ``POLLERS``, or, gated,
        no more than may serve (a thread that catches an event serves it in place). With
        one computing thread and two pollers, the kernel woke the poller that had waited
        longest, so serving passed from thread to thread each time the queue ran dry; that
        made /plaintext's p99 4.7-5.0 ms against 1.0-1.7 with one poller once another task
        (the idle watch) shared the CPU."""
        gate = self._gate
        cap = None if gate is None else gate.cap
        return POLLERS if cap is None else min(POLLERS, cap)

    def _read_before_sleeping(self) -> bool:
        """While every other thread is busy (none sleeps or polls, so the selector's watch
        is off), or this thread is one of the ``compute_threads`` the gate lets serve (it
        and the others serving reach the limit), read the connection set without waiting
        (one system call, the GIL kept) before going to sleep; True if that queued a ready
        connection to take. Gated, a serving thread that slept instead left its place to a
        wake-up through the selector, and meanwhile the app had one thread fewer: on
        SQLite's /queries 26 lock calls a request against 18 (fewer statements overlap).
        (Reading here whenever the gate was in force, below the limit too, made
        /plaintext's p99 6.9 ms against 3.2 in a pinned run of 4 rounds.)"""
        gate = self._gate
        if self._pollers or (self._idle and (gate is None or not gate.full(1))):
            return False  # the selector or a polling thread reads as they arrive
        self.read_now()
        return bool(self._ready)

    def read_now(self) -> None:
        """Read the connection set without waiting (one system call): ready connections
        are queued, the others parked again."""
        self._read_events(events_now(self._epoll, _POLL_BATCH))

    def _watch(self, on: bool) -> None:
        """Arm (or disarm) the selector's one-shot watch on the connection set; called
        with ``_lock`` held, as the number of polling pool threads leaves (or reaches) 0."""
        try:
            modify(self._listen_epoll, self._epoll_fd, _ARM if on else 0)
        except (OSError, ValueError):
            pass  # closed at shutdown

    def _read_events(self, events: list[tuple[int, int]]) -> None:
        """Claim each connection an event names (EPOLLONESHOT delivered it to this thread
        only) and read it: ready ones are queued, the others parked again."""
        self._read_at = _now()
        conns = self.conns
        claim = self._claim
        for fd, _mask in events:
            conn = conns.get(fd)
            if conn is None:
                if fd == self._poke_r:
                    self._waking = False  # the poked thread runs: the next may be woken
                continue  # the wake pipe, or a connection closed meanwhile
            with claim:
                if not conn.parked:
                    continue  # a deadline sweep took it first
                conn.parked = False
            conn.on_readable()

    def _after_poll(self, *, serving: bool) -> None:
        """Wake one idle thread (the most recently idle) if ready connections are left that
        this thread does not serve itself, unless a thread woken earlier has not run yet."""
        if len(self._ready) > (1 if serving else 0):
            gate = self._gate
            if gate is not None and gate.full(serving):
                gate.refuse()  # gated: the idle watch lets one more in if they all wait
            else:
                self._wake_one()

    def _rewatch(self) -> None:
        """With ``_lock`` held and no thread polling: arm the selector's watch on the
        connection set, or, gated at capacity (a woken thread could not take what the
        selector reads), the idle watch's."""
        if self._may_take():
            self._watch(True)
        elif self._gate is not None:
            self._gate.arm()

    def _may_take(self) -> bool:
        """Whether a woken thread may take a ready request now (not gated, or fewer than
        ``compute_threads`` serve): only then is the selector's watch worth its wake-ups."""
        return self._gate is None or not self._gate.full()

    def _wake_one(self, *, stalled: bool = False) -> None:
        """At most one woken thread is on its way at a time: threads that wake faster than
        they get the GIL only queue up for it (and, pinned to one core, switch on every
        release the app makes, e.g. each sqlite3 statement); requests left in ``_ready``
        are taken by threads as they finish, or by the next one woken."""
        with self._lock:
            if self._waking:
                return
            if self._idle:
                self._waking = True
                self._idle.pop().release()
            elif self._pollers and (stalled or not any(self._busy)):
                # No thread sleeps on a lock and none is serving (or those serving are
                # stuck): the rest wait in epoll_wait, where the event that queued this
                # connection will never come. Wake one of them.
                self._waking = True
                try:
                    modify(self._epoll, self._poke_r, _ARM)
                except (OSError, ValueError):
                    self._waking = False  # closed at shutdown

    def _leave(self) -> None:
        with self._released_lock:
            self._released.discard(threading.current_thread())

    def _select(self) -> None:
        """The selector thread: accepts, deadline sweeps and saturation checks; it reads
        connections itself only while no pool thread is polling them (all busy)."""
        self._pin()
        if self._gate is None:
            # (Gated, the selector reads the new requests for the few serving threads: one
            # that waited for a computing thread's turn to end made /json's p99 10.7 ms
            # against 6.3 with batched responses, which come back as bursts of requests.)
            _unhurried()
        poll = self._listen_epoll.poll
        next_sweep = time.monotonic() + _TICK
        gate = self._gate
        tick = _TICK if gate is None else gate_module.STALL
        next_check = 0.0  # the gate's next look (every ``STALL``)
        while not self.draining:
            try:
                events = poll(HOLD_WATCH if self._hold_watch else tick)
            except InterruptedError:
                continue
            for fd, _mask in events:
                if fd in self.listeners:
                    self._accept(self.listeners[fd])
                elif fd == self._epoll_fd:
                    self._read_while_busy()
                elif fd == self._hold_r:
                    try:
                        os.read(self._hold_r, 4096)
                    except OSError:
                        pass
            now = time.monotonic()
            if self._hold_watch:
                self._watch_held(now)
            if gate is not None and now >= next_check:
                next_check = now + gate_module.STALL
                gate.check(now)
            if now >= next_sweep:
                next_sweep = now + _TICK
                self._sweep(now)
        self._close_idle()

    def _watch_held(self, now: float) -> None:
        """The selector's bound on holding: send responses held ``HOLD_SECONDS`` or more
        (the threads that held them are all in long requests); stop looking once none
        were held for ``HOLD_QUIET``."""
        if self._held:
            self._held_seen = now
            since = self._held_since
            if not since or now - since >= HOLD_SECONDS:
                self.send_held(wait=False)
        elif now - self._held_seen >= HOLD_QUIET:
            self._hold_watch = False
            if self._held:  # held since the look above: keep looking
                self._hold_watch = True

    def _read_while_busy(self) -> None:
        """Every worker is busy (none polls): read what arrived so stalled clients are still
        answered and ready requests queue in order, as a polling worker would."""
        self.read_now()
        self._after_poll(serving=False)
        with self._lock:
            if self._pollers == 0 and self._idle:
                self._rewatch()  # the watch is one-shot: re-arm it

    def _check_saturation(self, now: float) -> None:
        if all(self._busy):
            waiting = len(self._ready)
            if waiting and not self._saturated_at:
                self._saturated_at = now
                if now - self._last_saturation_log >= SATURATION_LOG_INTERVAL:
                    self._last_saturation_log = now
                    log.warning(
                        "saturated: all %d worker threads are busy and %d connection(s)"
                        " wait for one",
                        self.threads,
                        waiting,
                    )
        elif self._saturated_at:
            if self._last_saturation_log >= self._saturated_at:
                log.info("worker threads free again after %.1f s", now - self._saturated_at)
            self._saturated_at = 0.0

    def _sweep(self, now: float) -> None:
        taken = self.taken if self._ready else -1
        if taken >= 0 and taken == self._stalled_at:
            # No thread took a ready request for a whole tick (their app calls block):
            # wake one more.
            self._wake_one(stalled=True)
        self._stalled_at = taken
        self._check_saturation(now)
        if not self._idle and not self._pollers:
            # Every thread is busy, so the watch is off: read stalled and slow clients
            # (100 Continue, deadlines, errors) once a tick.
            self._read_while_busy()
        if self._follower is not None:
            moved_to = self._follower.tick(now)
            if moved_to is not None:
                self.cpu = moved_to  # for workers started from now on
                if self._gate is not None:
                    self._gate.follow(moved_to)
        if self._paused_until and now >= self._paused_until:
            self._paused_until = 0.0
            for fd in self.listeners:
                self._listen_epoll.modify(fd, select.EPOLLIN)
        for conn in list(self.conns.values()):
            if conn.deadline <= now and self._take_parked(conn):
                conn.expire()

    def _take_parked(self, conn: Connection) -> bool:
        """Claim a parked connection for the selector (no event is being read for it)."""
        with self._claim:
            if not conn.parked:
                return False
            conn.parked = False
            return True

    def _close_idle(self) -> None:
        self.send_held(wait=False)  # (draining: each is sent, then closed by ``park``)
        for fd, sock in self.listeners.items():
            try:
                self._listen_epoll.unregister(fd)
            except (OSError, ValueError):
                pass
            sock.close()
        for conn in list(self.conns.values()):
            if self._take_parked(conn):
                conn.close()

    def _accept(self, listener: socket.socket) -> None:
        gate = self.accept_gate
        while True:
            if gate is not None and not gate():
                # A less loaded worker process takes the rest; do not spin meanwhile.
                time.sleep(_GATED_WAIT)
                return
            try:
                sock, address = listener.accept()
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    # Out of descriptors: leave the rest in the backlog for a moment.
                    log.error("accept failed (%s); pausing accepts for 0.5 s", exc)
                    self._paused_until = time.monotonic() + 0.5
                    for fd in self.listeners:
                        self._listen_epoll.modify(fd, 0)
                else:
                    log.warning("accept failed: %s", exc)
                return
            self._add(sock, address, listener)

    def _add(self, sock: socket.socket, address: Any, listener: socket.socket) -> None:
        base = self.base_environ.copy()
        try:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                base["REMOTE_ADDR"] = address[0]
                base["REMOTE_PORT"] = str(address[1])
            else:
                base["REMOTE_ADDR"] = ""
                base["REMOTE_PORT"] = ""
            context = self.ssl_context
            if context is not None:
                sock.setblocking(False)
                sock = context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
            else:
                if sock.gettimeout() is not None:  # accepted sockets block, unless a
                    sock.settimeout(None)  # default timeout was set process-wide
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, self._rcvtimeo)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, self._sndtimeo)
            conn = Connection(sock, base, self, context is not None)
            conn.deadline = time.monotonic() + self.header_timeout
            conn.parked = True
            # Tracked before it is armed: a pool thread may read its first event at once.
            self.conns[conn.fd] = conn
            try:
                self._epoll.register(conn.fd, _ARM)
            except (OSError, ValueError):
                self.conns.pop(conn.fd, None)
                raise
        except (OSError, ValueError) as exc:
            log.warning("could not set up an accepted connection: %s", exc)
            sock.close()


def _unhurried() -> None:
    """Put the calling thread under ``SCHED_BATCH`` (Linux): the scheduler then never lets
    it preempt a running thread when it wakes. Unprivileged threads may; where the policy
    is missing or refused, the thread stays as it was."""
    policy = getattr(os, "SCHED_BATCH", None)
    if policy is None:  # pragma: no cover - not Linux
        return
    try:
        os.sched_setscheduler(0, policy, os.sched_param(0))
    except OSError as exc:  # pragma: no cover - a sandbox that refuses it
        log.debug("the selector stays under the default policy: %s", exc)
