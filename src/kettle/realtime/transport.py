"""Long-lived connections after the server let go of them: taking a socket over from the
WSGI environ, ordered writes from many threads, and one shared reactor thread that watches
every such socket.

Rules:
- A connection is obtained with :func:`claim` (or :func:`take_over`) from
  ``environ["kettle.takeover"]``
  (kettle.server) or ``environ["gunicorn.socket"]`` (gunicorn's gthread worker). Under
  gunicorn the socket is shut down, not closed, when we are done: gunicorn then finds it
  dead (EPIPE, which it ignores) instead of writing an HTTP response after our last byte.
  Each connection holds a slot of the process's budget (:mod:`.capacity`), taken before
  the takeover and given back when the socket is released. On kettle.server the thread
  that took the connection over has left the request pool, so a handler may block in it.
- Plain sockets stay in blocking mode; a kernel send timeout (``SO_SNDTIMEO``) bounds every
  blocking write, so a client that stops reading costs one thread for at most that long.
  TLS sockets are made non-blocking instead, with one lock around every SSL call.
- Writes go through an outbox: bytes are queued in order under a short state lock and
  flushed by whoever holds the write lock. The reactor only ever tries non-blocking
  flushes, so one stuck client can never stall the reactor and with it every other
  connection.
- One reactor thread per process (started on first use) owns a selector over all taken
  sockets. Its callbacks never block: they read what the kernel has, parse, and hand
  results to waiting threads. Once a second it runs keepalive on every connection, or,
  when the server announced a shutdown (``environ["kettle.shutdown"]`` is set), ends it so
  a graceful stop or a reload is not held up by long-lived connections.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import logging
import os
import select
import selectors
import socket
import ssl
import struct
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from typing import Any

from . import capacity

log = logging.getLogger("kettle.realtime")

SEND_TIMEOUT = 30.0
# Frames queued for a client that stopped reading before it is dropped (see push()).
MAX_QUEUED = 1000
TICK = 1.0
_RECV_SIZE = 65536


class TakeoverError(Exception):
    """The WSGI server cannot hand its connection to the application."""


def can_take_over(environ: dict[str, Any]) -> bool:
    """Whether this request's server lets the application own the connection."""
    return "kettle.takeover" in environ or "gunicorn.socket" in environ


def take_over(environ: dict[str, Any]) -> tuple[socket.socket, bytes, bool]:
    """Return ``(sock, leftover, owned)`` for this request's connection.

    ``owned`` is True when the socket is ours to close (kettle.server), False when the
    server still closes it afterwards (gunicorn). Raises :class:`TakeoverError` when the
    server offers neither hook.
    """
    takeover = environ.get("kettle.takeover")
    if takeover is not None:
        sock, leftover = takeover()
        return sock, bytes(leftover), True
    sock = environ.get("gunicorn.socket")
    if isinstance(sock, socket.socket):
        sock.setblocking(True)
        return sock, b"", False
    raise TakeoverError(
        "this server cannot hand over its connection "
        "(needs environ['kettle.takeover'] or gunicorn's gthread worker)"
    )


def claim(environ: dict[str, Any]) -> tuple[socket.socket, bytes, bool]:
    """:func:`take_over` after taking a slot of the connection budget; the caller passes
    ``reserved=True`` to the :class:`Connection` it builds, which gives the slot back.

    Raises :class:`~.capacity.CapacityError` (nothing taken, the request can still be
    answered with a 503) or :class:`TakeoverError`.
    """
    capacity.reserve()
    try:
        return take_over(environ)
    except BaseException:
        capacity.release()
        raise


def set_send_timeout(sock: socket.socket, seconds: float) -> None:
    whole = int(seconds)
    micro = int((seconds - whole) * 1_000_000)
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", whole, micro))


def _gil_holding_send() -> Any:
    """libc's send(2) called without releasing the GIL (``ctypes.PyDLL``), or None where
    the C library cannot be loaded that way. A frame for a client whose socket buffer has
    room goes out in one quick call, instead of handing the GIL to another thread (the
    next woken subscriber) and waiting to get it back."""
    try:
        send = ctypes.PyDLL(None, use_errno=True).send
    except (OSError, AttributeError):  # pragma: no cover - no such libc function
        return None
    send.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int)
    send.restype = ctypes.c_ssize_t
    return send


_libc_send = _gil_holding_send()
_SEND_FLAGS = socket.MSG_DONTWAIT | socket.MSG_NOSIGNAL
_SMALL_SEND = 65536
_RETRY = (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR)


class PlainIO:
    """Socket calls for a TCP connection: the socket stays blocking, ``MSG_DONTWAIT``
    makes single calls non-blocking, ``SO_SNDTIMEO`` bounds blocking writes."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        set_send_timeout(sock, SEND_TIMEOUT)

    def send_all(self, data: bytes) -> None:
        if _libc_send is not None and len(data) <= _SMALL_SEND:
            try:
                sent = self.send_nowait(data)
            except BlockingIOError:
                sent = 0
            if sent == len(data):
                return
            data = data[sent:]
        self.sock.sendall(data)

    def send_nowait(self, data: bytes) -> int:
        if _libc_send is None or len(data) > _SMALL_SEND:
            return self.sock.send(data, socket.MSG_DONTWAIT)
        # The descriptor is read at each call, never cached: another thread may close the
        # socket (abort), and the number could already name a new connection. fileno() and
        # the send both run with the GIL held, so no close can come between them.
        fd = self.sock.fileno()
        if fd < 0:
            raise OSError(errno.EBADF, "socket closed")
        sent: int = _libc_send(fd, data, len(data), _SEND_FLAGS)
        if sent >= 0:
            return sent
        code = ctypes.get_errno()
        if code in _RETRY:
            raise BlockingIOError(code, "send would block")
        raise OSError(code, os.strerror(code))

    def recv_nowait(self) -> list[bytes]:
        """What the kernel has; ``[b""]`` at EOF or on error, ``[]`` when nothing."""
        try:
            return [self.sock.recv(_RECV_SIZE, socket.MSG_DONTWAIT)]
        except BlockingIOError:
            return []
        except OSError:
            return [b""]


class TLSIO:
    """Socket calls for a TLS connection. ``ssl`` sockets take no flags, so the socket is
    made non-blocking, blocking writes wait with ``select``, and one lock serialises every
    call on the SSL object (OpenSSL forbids concurrent use of one)."""

    def __init__(self, sock: ssl.SSLSocket) -> None:
        self.sock = sock
        self._lock = threading.Lock()
        sock.setblocking(False)

    def send_nowait(self, data: bytes | memoryview) -> int:
        with self._lock:
            try:
                return self.sock.send(data)
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError) as exc:
                raise BlockingIOError(errno.EAGAIN, "TLS write would block") from exc

    def send_all(self, data: bytes) -> None:
        deadline = time.monotonic() + SEND_TIMEOUT
        view = memoryview(data)
        while view:
            try:
                view = view[self.send_nowait(view) :]
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise
                select.select([], [self.sock], [], min(remaining, 0.5))

    def recv_nowait(self) -> list[bytes]:
        chunks: list[bytes] = []
        with self._lock:
            while True:
                try:
                    data = self.sock.recv(_RECV_SIZE)
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
                    return chunks
                except OSError:
                    data = b""
                chunks.append(data)
                # Records already decrypted inside OpenSSL do not make the socket readable.
                if not data or not self.sock.pending():
                    return chunks


class Connection(ABC):
    """A taken-over socket: ordered writes from any thread, readiness via the reactor.

    Subclasses implement :meth:`on_data` (bytes read by the reactor, ``b""`` at EOF) and
    :meth:`keepalive` (called about once a second by the reactor).
    """

    def __init__(self, sock: socket.socket, *, owned: bool, reserved: bool = False) -> None:
        self.sock = sock
        self.owned = owned
        self.reserved = reserved  # holds a slot of the capacity budget until released
        self.closed = False
        self.last_write = time.monotonic()
        self._state = threading.Lock()
        self._write = threading.Lock()
        self._outbox: deque[bytes] = deque()
        self._on_close: list[Callable[[], None]] = []
        self._released = threading.Event()
        self._finish_pending = False
        self._stopping: Any = None
        self._fileno = sock.fileno()
        self._io = TLSIO(sock) if isinstance(sock, ssl.SSLSocket) else PlainIO(sock)

    # -- writing -------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        """Queue ``data`` and block until it (and everything queued before) is sent.

        Raises ``ConnectionError`` when the connection is closed or the write fails.
        """
        with self._state:
            if self.closed:
                raise ConnectionResetError(errno.ECONNRESET, "connection closed")
            self._outbox.append(data)
        self.flush(block=True)

    def push(self, data: bytes) -> None:
        """Queue ``data`` and try to send it without blocking (for publisher threads).

        A client with ``MAX_QUEUED`` frames still waiting is too slow to keep: it is
        disconnected (an ``EventSource`` reconnects and resumes; a WebSocket client sees
        1006) rather than buffering without bound.
        """
        with self._state:
            if self.closed or not self._accepting():
                return
            slow = len(self._outbox) >= MAX_QUEUED
            if not slow:
                self._outbox.append(data)
        if slow:
            self.abort()
        else:
            self.flush(block=False)

    def _accepting(self) -> bool:
        """Whether pushed data may still be queued (called with the state lock held)."""
        return True

    def wait_closed(self, timeout: float | None = None) -> bool:
        """Block until the connection is closed and released; False on timeout."""
        return self._released.wait(timeout)

    def queue(self, data: bytes) -> None:
        """Append ``data`` to the outbox without sending it; a later ``flush`` (or whoever
        holds the write lock) sends it, after everything queued before."""
        with self._state:
            if not self.closed:
                self._outbox.append(data)

    def flush(self, *, block: bool) -> None:
        while self._outbox:
            if not self._write.acquire(blocking=block):
                return  # the holder flushes what we queued
            try:
                if not self._drain(block):
                    return
            finally:
                self._write.release()
        if self._finish_pending:
            self.abort()

    def finish(self) -> None:
        """Release the connection once everything queued is sent (never blocks).

        Used by the reactor after a closing handshake: if a writer holds the write lock,
        that writer sends the last bytes and then releases the socket; if the kernel buffer
        is full, the next keepalive tick retries.
        """
        self._finish_pending = True
        self.flush(block=False)

    def _drain(self, block: bool) -> bool:
        """Send queued bytes while holding the write lock; False if we must stop."""
        while True:
            with self._state:
                if not self._outbox:
                    return True
                chunk = self._outbox[0]
            try:
                if block:
                    self._io.send_all(chunk)
                    sent = len(chunk)
                else:
                    sent = self._io.send_nowait(chunk)
            except BlockingIOError as exc:
                if not block:
                    return False
                # SO_SNDTIMEO expired: the client stopped reading.
                self.abort()
                raise ConnectionResetError(errno.ETIMEDOUT, "write timed out") from exc
            except OSError as exc:
                self.abort()
                if block:
                    raise ConnectionResetError(errno.EPIPE, f"write failed: {exc}") from exc
                return False
            self.last_write = time.monotonic()
            with self._state:
                if not self._outbox or self._outbox[0] is not chunk:
                    return False  # aborted meanwhile: the outbox was cleared
                if sent == len(chunk):
                    self._outbox.popleft()
                else:
                    self._outbox[0] = chunk[sent:]
                    return False

    # -- lifecycle -----------------------------------------------------------------
    def on_close(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` (once) when the connection closes; at once if it is closed."""
        with self._state:
            if not self.closed:
                self._on_close.append(callback)
                return
        callback()

    def abort(self) -> None:
        """Mark closed, stop watching, release the socket, and run close callbacks.

        Returns only once the socket is released, whichever thread released it, so the
        caller can hand control back to the server knowing the connection is dead.
        """
        with self._state:
            already = self.closed
            self.closed = True
            callbacks, self._on_close = self._on_close, []
            self._outbox.clear()
        if already:
            self._released.wait(5.0)
            return
        reactor().unwatch(self)
        self._release_socket()
        if self.reserved:
            capacity.release()
        self._released.set()
        for callback in callbacks:
            with contextlib.suppress(Exception):
                callback()

    def _release_socket(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        if self.owned:
            with contextlib.suppress(OSError):
                self.sock.close()

    def follow_server(self, environ: dict[str, Any]) -> None:
        """Close this connection when the server drains (``environ["kettle.shutdown"]``,
        an Event-like object set when a graceful shutdown or a reload starts)."""
        self._stopping = environ.get("kettle.shutdown")

    def server_stopping(self) -> bool:
        stopping = self._stopping
        return stopping is not None and bool(stopping.is_set())

    def going_away(self) -> None:
        """The server is stopping: end the connection (subclasses say goodbye first)."""
        self.abort()

    # -- reactor side ----------------------------------------------------------------
    def on_readable(self) -> None:
        for data in self._io.recv_nowait():
            self.on_data(data)

    @abstractmethod
    def on_data(self, data: bytes) -> None:
        """Handle bytes the reactor read; ``b""`` means the peer closed or the read failed."""

    @abstractmethod
    def keepalive(self, now: float) -> None:
        """Called by the reactor about once a second; must not block."""

    def fileno(self) -> int:
        return self._fileno


class Reactor:
    """One daemon thread running a selector over every taken-over connection."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._pending: deque[tuple[bool, Connection]] = deque()
        self._conns: set[Connection] = set()
        self._thread = threading.Thread(target=self._run, name="kettle-reactor", daemon=True)
        self._thread.start()

    def watch(self, conn: Connection) -> None:
        self._pending.append((True, conn))
        self._wake()

    def unwatch(self, conn: Connection) -> None:
        self._pending.append((False, conn))
        self._wake()

    def count(self) -> int:
        return len(self._conns)

    def _wake(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            self._wake_w.send(b"\0")

    def _apply_pending(self) -> None:
        while self._pending:
            add, conn = self._pending.popleft()
            if add and not conn.closed and conn not in self._conns:
                try:
                    self._selector.register(conn.fileno(), selectors.EVENT_READ, conn)
                except (ValueError, KeyError, OSError):
                    continue
                self._conns.add(conn)
            elif not add and conn in self._conns:
                self._conns.discard(conn)
                with contextlib.suppress(KeyError, ValueError, OSError):
                    self._selector.unregister(conn.fileno())

    def _run(self) -> None:
        next_tick = time.monotonic() + TICK
        while True:
            self._apply_pending()
            timeout = max(0.0, next_tick - time.monotonic())
            for key, _ in self._selector.select(timeout):
                conn = key.data
                if conn is None:
                    with contextlib.suppress(BlockingIOError, OSError):
                        self._wake_r.recv(4096)
                    continue
                self._call(conn.on_readable)
            now = time.monotonic()
            if now >= next_tick:
                next_tick = now + TICK
                for conn in list(self._conns):
                    if conn.server_stopping():
                        self._call(conn.going_away)
                    else:
                        self._call(conn.keepalive, now)

    @staticmethod
    def _call(function: Callable[..., None], *args: Any) -> None:
        try:
            function(*args)
        except Exception:  # a bug in one connection must not stop the others
            log.exception("error in a realtime connection callback")


_reactor: Reactor | None = None
_reactor_lock = threading.Lock()


def reactor() -> Reactor:
    """The process-wide reactor, started on first use."""
    global _reactor
    if _reactor is None:
        with _reactor_lock:
            if _reactor is None:
                _reactor = Reactor()
    return _reactor


def _forget_reactor() -> None:
    """A forked child (a worker of ``kettle serve --workers N``) starts its own reactor:
    the parent's thread does not exist in it."""
    global _reactor, _reactor_lock
    _reactor = None
    _reactor_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_reactor)
