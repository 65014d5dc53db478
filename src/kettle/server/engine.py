"""The threads of the server: one selector thread and a bounded pool of workers.

Owns accepting, parking idle connections, deadlines and graceful shutdown. Rules kept:

- Idle connections wait in one epoll set, registered ``EPOLLONESHOT``: when one becomes
  readable the kernel disarms it and the selector reads it (``Connection.on_readable``);
  only a connection with a request ready to run (head and body buffered, up to
  ``max_buffered_body``) goes to the worker queue, so slow clients never hold a worker.
  Exactly one thread owns a connection at any time. A worker re-arms it (``park``) when
  it has no request in hand; ``epoll_ctl`` is safe to call from any thread.
- The worker pool is bounded by ``threads``; ready connections beyond it wait in the
  queue (and new ones in the listen backlog), never dropped.
- A worker whose connection is taken over (WebSocket, event stream) leaves the pool
  (``release_worker``): a replacement starts at once and the old thread ends when the app
  returns, so long-lived connections never use up the request workers. Graceful
  shutdown waits for such threads too, up to the grace period.
- Only the selector thread closes parked connections (deadline sweep, shutdown), and only
  the owning worker closes a connection it holds.
- Saturation is reported: when every worker is busy and connections wait for one, the
  selector logs a warning (at most once per ``SATURATION_LOG_INTERVAL`` seconds), and an
  info line when a worker is free again.
- Shutdown: stop accepting, close parked connections, let workers finish the requests in
  hand (answered with ``Connection: close``) up to the grace period, then cut the rest.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import platform
import queue
import select
import socket
import ssl
import struct
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from .affinity import CpuFollower
from .connection import Connection, gil_holding_libc, timeval
from .protocol import Limits
from .wsgi import WSGIApp

log = logging.getLogger("kettle.server")

_ARM = select.EPOLLIN | select.EPOLLONESHOT
_TICK = 0.25
_GATED_WAIT = 0.001
SATURATION_LOG_INTERVAL = 10.0


# ``struct epoll_event``: packed on x86-64 (as the kernel's header declares it).
_EPOLL_EVENT = struct.Struct("=IQ" if platform.machine() in ("x86_64", "AMD64") else "@IQ")


def _gil_holding_epoll_ctl() -> Any:
    """libc's epoll_ctl called without releasing the GIL (re-arming is one quick system
    call; releasing the GIL for it hands the interpreter to another worker and back).
    None where the layout is not known (then ``select.epoll.modify`` is used)."""
    if sys.byteorder != "little" or not sys.platform.startswith("linux"):
        return None
    argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_char_p)
    return gil_holding_libc("epoll_ctl", argtypes, ctypes.c_int)


_epoll_ctl = _gil_holding_epoll_ctl()
_EPOLL_CTL_MOD = 3


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
    ) -> None:
        self.app = app
        # The one CPU every pool thread runs on (None: the scheduler decides), and the
        # CPUs a thread that leaves the pool gets back.
        self.cpu = cpu
        self._all_cpus = os.sched_getaffinity(0) if cpu is not None else set()
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
        self._queue: queue.SimpleQueue[Connection | None] = queue.SimpleQueue()
        self._epoll = select.epoll()
        self._epoll_fd = self._epoll.fileno()
        self._wake_r, self._wake_w = os.pipe()
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
        self._saturated_at = 0.0
        self._last_saturation_log = -SATURATION_LOG_INTERVAL

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        for fd, sock in self.listeners.items():
            sock.setblocking(False)
            self._epoll.register(fd, select.EPOLLIN)
        self._epoll.register(self._wake_r, select.EPOLLIN)
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
        for _ in self._workers:
            self._queue.put(None)
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))
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
        os.close(self._wake_r)
        os.close(self._wake_w)

    def stop_accepting(self) -> None:
        """Take the listening sockets out of the selector; they stay open and connections
        already accepted are served as usual. A worker process of ``kettle serve
        --workers`` calls this before it drains, so its siblings take every new connection
        and none is accepted here only to be closed unread."""
        self._paused_until = 0.0
        for fd in self.listeners:
            try:
                self._epoll.unregister(fd)
            except (OSError, ValueError):
                pass

    # -- connection bookkeeping (called by connections) ---------------------------------

    def park(self, conn: Connection) -> None:
        """Give a connection back to the selector until it is readable or expires."""
        if self.draining:
            conn.close()
            return
        conn.parked = True
        try:
            if _epoll_ctl is None or self._epoll.closed:
                self._epoll.modify(conn.fd, _ARM)
            else:
                event = conn.arm_event
                if not event:
                    # data.fd is the low half of the 64-bit data field (little-endian).
                    event = conn.arm_event = _EPOLL_EVENT.pack(_ARM, conn.fd)
                if _epoll_ctl(self._epoll_fd, _EPOLL_CTL_MOD, conn.fd, event):
                    raise OSError(ctypes.get_errno(), "epoll_ctl failed")
        except (OSError, ValueError):
            conn.parked = False
            conn.close()

    def dispatch(self, conn: Connection) -> None:
        """Queue a connection with a request ready to run for the next free worker."""
        self._queue.put(conn)

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
        index: int | None = getattr(self._worker_index, "index", None)
        if index is None:
            return  # not one of this engine's pool threads, or already released
        self._worker_index.index = None
        self._busy[index] = False  # before the replacement can mark it busy
        if not self.draining:  # a draining pool is not topped up
            try:
                replacement = self._start_worker(index)
            except RuntimeError as exc:  # "can't start new thread": out of threads/memory
                log.error("could not start a replacement worker (%s); pool stays as is", exc)
                self._worker_index.index = index
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
        self._pin()
        get = self._queue.get
        busy = self._busy
        local = self._worker_index
        local.index = index
        while True:
            conn = get()
            if conn is None:
                return
            busy[index] = True
            try:
                conn.serve_ready()
            except Exception:
                log.exception("unexpected error while serving a connection")
                conn.close()
            if local.index is None:
                self._leave()  # this thread left the pool (release_worker)
                return
            busy[index] = False
            # An idle worker must not keep its last connection (socket, parser, buffers)
            # alive until it serves another one.
            conn = None

    def _leave(self) -> None:
        with self._released_lock:
            self._released.discard(threading.current_thread())

    def _select(self) -> None:
        self._pin()
        poll = self._epoll.poll
        conns = self.conns
        next_sweep = time.monotonic() + _TICK
        while not self.draining:
            try:
                events = poll(_TICK)
            except InterruptedError:
                continue
            for fd, _mask in events:
                conn = conns.get(fd)
                if conn is not None:
                    if conn.parked:
                        conn.parked = False
                        conn.on_readable()
                elif fd in self.listeners:
                    self._accept(self.listeners[fd])
            conn = None  # keep no finished connection alive until the next event
            now = time.monotonic()
            if now >= next_sweep:
                next_sweep = now + _TICK
                self._sweep(now)
        self._close_idle()

    def _check_saturation(self, now: float) -> None:
        if all(self._busy):
            waiting = self._queue.qsize()
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
        self._check_saturation(now)
        if self._follower is not None:
            moved_to = self._follower.tick(now)
            if moved_to is not None:
                self.cpu = moved_to  # for workers started from now on
        if self._paused_until and now >= self._paused_until:
            self._paused_until = 0.0
            for fd in self.listeners:
                self._epoll.modify(fd, select.EPOLLIN)
        for conn in list(self.conns.values()):
            if conn.parked and conn.deadline <= now:
                conn.parked = False
                conn.expire()

    def _close_idle(self) -> None:
        for fd, sock in self.listeners.items():
            try:
                self._epoll.unregister(fd)
            except (OSError, ValueError):
                pass
            sock.close()
        for conn in list(self.conns.values()):
            if conn.parked:
                conn.parked = False
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
                        self._epoll.modify(fd, 0)
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
            self._epoll.register(conn.fd, _ARM)
            self.conns[conn.fd] = conn  # this thread polls, so no event can come first
        except (OSError, ValueError) as exc:
            log.warning("could not set up an accepted connection: %s", exc)
            sock.close()
