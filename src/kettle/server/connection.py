"""One client connection as the driver sees it: a socket, its parser and its timeouts.

Owns the socket calls of a connection (receive with a timeout, receive without waiting,
send, sendfile, hand over), the selector-side reading ``on_readable`` and the worker-side
serving loop ``serve_ready``. Rules kept:

- Slow clients never hold a worker: while a connection is parked, the selector thread
  reads what arrives (``on_readable``) and hands the connection to a worker only once a
  request is ready to run: its head and its whole body are buffered, or the body has
  reached ``max_buffered_body`` bytes (the rest then streams on the worker as the app
  reads it). A head or body that stalls is timed out by the selector (408) without ever
  taking a worker, and the rest of a body the app left unread is discarded by the
  selector after the worker gave the connection back.
- A worker holds a connection only while a request is in hand. When no further request
  is ready, the connection goes back to the selector (``Engine.park``) with a deadline:
  the header timeout if a head has begun, the body deadline (``body_timeout`` per wait,
  ``min_body_rate`` overall) inside a body, else the keep-alive timeout.
- Plain sockets stay in blocking mode with kernel timeouts (SO_RCVTIMEO/SO_SNDTIMEO), so
  a read costs one system call; ``MSG_DONTWAIT`` reads what is ready. TLS sockets use
  Python timeouts and shake hands without blocking.
- A small response is first offered to libc's non-blocking ``send`` without releasing
  the GIL (no hand-off to another worker for a call that cannot wait); what does not fit
  goes through the blocking ``sendall`` with its timeout.
- A connection closed while its client may still be sending (an error answered before
  the request arrived whole, a body too large to skip) lingers (``linger``): it sends
  its end of stream, then the selector reads and drops what still comes for up to
  ``LINGER_SECONDS`` (or ``LINGER_LIMIT`` bytes) before closing. Closing a socket with
  unread input makes the kernel reset the connection, and a client that is still
  writing then gets the reset instead of the answer.
- After ``take_over`` the connection object forgets its socket entirely.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import platform
import socket
import ssl
import struct
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .environ import ClientDisconnected, EnvironSource, RequestBodyError
from .protocol import END_OF_MESSAGE, Data, ProtocolError, Request, RequestReader
from .response import CONTINUE, error_response
from .wsgi import DRAIN_LIMIT, run, run_direct

if TYPE_CHECKING:
    from .engine import Engine
    from .wsgi import DirectEntry, Exchange

log = logging.getLogger("kettle.server")

RECV_SIZE = 65536
# How long, and for how many bytes, a closing connection keeps reading what its client
# still sends (``Connection.linger``).
LINGER_SECONDS = 2.0
LINGER_LIMIT = 8 << 20

# libc's send(2) and recv(2) called without releasing the GIL: a small response goes out,
# and a ready request comes in, in one quick non-blocking call instead of a GIL hand-off
# to another worker and back.
_SEND_FLAGS = socket.MSG_DONTWAIT | socket.MSG_NOSIGNAL
_RECV_FLAGS = socket.MSG_DONTWAIT
_SMALL_SEND = 65536
# The errno values of a non-blocking call that found nothing to do yet.
_NOTHING_YET = (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR)


# Where libffi widens a C ``int`` argument to the whole 64-bit register (x86-64 and
# AArch64 Linux), the functions below are called without ``argtypes``: ctypes then passes
# a Python int as an int, and bytes or a ctypes buffer as a pointer, without calling a
# converter (and building an object) per argument, about half the cost of each call. Every
# argument they get is a pointer or a non-negative int below 2**31 (descriptors, flags,
# sizes up to 64 KiB), so the widened value is the one the declared type would carry.
RAW_ARGUMENTS = sys.platform.startswith("linux") and platform.machine() in ("x86_64", "aarch64")


def gil_holding_libc(
    name: str, argtypes: tuple[Any, ...], restype: Any, *, errno: bool = True
) -> Any:
    """libc's function ``name``, called without releasing the GIL (with errno kept for
    ``ctypes.get_errno``, unless ``errno`` is false: that costs a tenth of a call), or None
    where the C library cannot be loaded that way. ``argtypes`` are declared only where
    arguments are not passed as they are (``RAW_ARGUMENTS``)."""
    try:
        function = getattr(ctypes.PyDLL(None, use_errno=errno), name)
    except (OSError, AttributeError):  # pragma: no cover - no such libc function
        return None
    if not RAW_ARGUMENTS:
        function.argtypes = argtypes
    function.restype = restype
    return function


_libc_send = gil_holding_libc(
    "send", (ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int), ctypes.c_ssize_t
)
_libc_recv = gil_holding_libc(
    "recv", (ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int), ctypes.c_ssize_t
)
# Each worker thread reads into its own buffer (a connection has one owner at a time).
_buffers = threading.local()


def timeval(seconds: float) -> bytes:
    """A ``struct timeval`` for SO_RCVTIMEO/SO_SNDTIMEO."""
    whole = int(seconds)
    return struct.pack("ll", whole, int((seconds - whole) * 1_000_000))


class Connection:
    __slots__ = (
        "access_log",
        "batching",
        "body_deadline",
        "continued",
        "deadline",
        "direct_entry",
        "discarded",
        "engine",
        "environs",
        "fd",
        "handshaking",
        "head_deadline",
        "held",
        "lingering",
        "parked",
        "reader",
        "rearm",
        "sock",
        "taken",
        "tls",
        "waiting_for",
    )

    def __init__(
        self, sock: socket.socket, base: dict[str, Any], engine: Engine, tls: bool
    ) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        #: The environs of this connection's requests, built on ``base``.
        self.environs = EnvironSource(base, sock)
        self.engine = engine
        self.tls = tls
        self.handshaking = tls
        self.reader = RequestReader(engine.limits)
        self.access_log = engine.access_log
        self.parked = False
        self.taken = False
        #: ``run_direct``'s callables for this connection's requests, made on first use.
        self.direct_entry: DirectEntry | None = None
        #: Re-arms this connection in the engine's epoll set, returning 0 when that
        #: worked: made by ``Engine.park`` on the first park (``Engine.rearm_call``),
        #: None again once the connection is closed.
        self.rearm: Callable[[], int] | None = None
        self.deadline = 0.0
        self.head_deadline = 0.0
        self.body_deadline = 0.0
        #: The request whose body the selector is buffering (``body_deadline`` is when
        #: that began plus ``body_timeout``).
        self.waiting_for: Request | None = None
        #: The request the selector already answered ``100 Continue`` for.
        self.continued: Request | None = None
        #: Bytes of an unread body the selector discarded after the response.
        self.discarded = 0
        #: While the connection lingers before closing (``linger``), the bytes it may
        #: still read and drop; 0 otherwise.
        self.lingering = 0
        #: Whether a small whole response may be held to go out with the next ones
        #: (``Engine.hold``); ``held`` is that response while it waits.
        self.batching = engine.batch_responses and not tls
        self.held: bytes | None = None

    # -- socket calls -------------------------------------------------------------------

    def recv_body(self) -> bytes:
        """Read more of a request body, waiting up to the body timeout."""
        try:
            return self.sock.recv(RECV_SIZE)
        except (BlockingIOError, TimeoutError):
            raise RequestBodyError(408, "timed out reading the request body")
        except OSError as exc:
            raise RequestBodyError(400, f"connection error while reading the body: {exc}")

    def recv_nowait(self) -> bytes | None:
        """Bytes already available, ``b""`` at end of stream, ``None`` if nothing yet."""
        if self.tls:
            sock = self.sock
            sock.settimeout(0.0)
            try:
                return sock.recv(RECV_SIZE)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
                return None
            finally:
                sock.settimeout(self.engine.body_timeout)
        if _libc_recv is not None:
            try:
                buffer = _buffers.recv
            except AttributeError:
                buffer = _buffers.recv = ctypes.create_string_buffer(RECV_SIZE)
            got = _libc_recv(self.fd, buffer, RECV_SIZE, _RECV_FLAGS)
            if got >= 0:
                data: bytes = buffer[:got]  # a c_char array slices to bytes
                return data
            code = ctypes.get_errno()
            if code in _NOTHING_YET:
                return None
            raise OSError(code, os.strerror(code))
        try:
            return self.sock.recv(RECV_SIZE, _RECV_FLAGS)
        except BlockingIOError:
            return None

    def sendall(self, data: bytes) -> None:
        size = len(data)
        if size <= _SMALL_SEND and _libc_send is not None and not self.tls:
            sent = _libc_send(self.fd, data, size, _SEND_FLAGS)
            if sent == size:
                return
            if sent > 0:
                data = data[sent:]
            elif ctypes.get_errno() not in _NOTHING_YET:
                code = ctypes.get_errno()
                raise ClientDisconnected(f"sending the response failed: {os.strerror(code)}")
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise ClientDisconnected(f"sending the response failed: {exc}") from exc

    def send_held(self) -> bool:
        """Send the response held for batching now (this connection's next answer);
        False if the client went away (the next read or write finds it closed)."""
        data = self.held
        self.held = None
        if data is not None:
            try:
                self.sendall(data)
            except ClientDisconnected:
                return False
        return True

    def release_held(self, *, wait: bool = True) -> bool:
        """Send the held response of a connection between requests and park it (the end
        of ``serve_ready`` that ``Engine.hold`` put off). ``wait=False`` (the selector,
        which must never block on one client) sends only what the socket takes at once
        and returns False, the rest held, when that was not all of it."""
        if wait:
            sent_all = self.send_held()
        else:
            data = self.held or b""
            try:
                sent = self.sock.send(data, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return False
            except OSError:
                sent_all = False
            else:
                if sent < len(data):
                    self.held = data[sent:]
                    return False
                self.held = None
                sent_all = True
        if sent_all:
            self._park()
        else:
            self.close()
        return True

    def sendfile(self, fileno: int, offset: int, count: int) -> None:
        out = self.fd
        while count > 0:
            try:
                sent = os.sendfile(out, fileno, offset, count)
            except OSError as exc:
                raise ClientDisconnected(f"sending the file failed: {exc}") from exc
            if sent == 0:
                raise RuntimeError("the file shrank while it was being sent")
            offset += sent
            count -= sent

    def drain_body(self, exchange: Exchange) -> bool:
        """Whether the connection can be kept after the app left its body unread: the
        rest is discarded by the selector once the connection is parked (never on a
        worker), up to ``DRAIN_LIMIT`` bytes."""
        # Without 100 Continue the client may never send the body: close instead.
        return not exchange._continue

    def take_over(self) -> tuple[socket.socket, bytes]:
        reader = self.reader
        if reader.upgraded:
            leftover = reader.leftover
        else:
            leftover, clean = reader.queued_body()
            if not clean:
                raise RuntimeError("pipelined requests follow this one; cannot take over")
        sock = self.sock
        self.engine.forget(self, unregister=True)
        self.engine.release_worker()
        # This thread now serves only the taken-over connection and then ends: drop its
        # 64 KiB receive buffer now rather than hold it for the connection's lifetime.
        vars(_buffers).pop("recv", None)
        self.taken = True
        if not self.tls:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval(0))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval(0))
        sock.settimeout(None)
        return sock, leftover

    def close(self) -> None:
        self.engine.forget(self, unregister=False)
        # The re-arm names the descriptor number, which may soon belong to another
        # connection: a closed connection parks (and fails) through ``Engine.park``.
        self.rearm = None
        self.direct_entry = None  # (it refers back to the connection: no cycle left)
        try:
            self.sock.close()
        except OSError:
            pass
        # The libc calls use the descriptor number: once closed, that number may soon
        # belong to another connection (a worker cut at shutdown may still write).
        self.fd = -1

    def linger(self) -> None:
        """Close a connection whose client may still be sending: send the end of the
        stream now, let the selector drop what still arrives, and close at the client's
        end of stream, after ``LINGER_SECONDS`` or past ``LINGER_LIMIT`` bytes."""
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except (OSError, ValueError):
            self.close()
            return
        self.lingering = LINGER_LIMIT
        self.deadline = time.monotonic() + LINGER_SECONDS
        self.engine.park(self)

    def _drop_input(self) -> None:
        """Read and drop what a lingering connection's client sent (selector thread)."""
        while True:
            try:
                data = self.recv_nowait()
            except OSError:
                data = b""
            if data is None:
                self.engine.park(self)
                return
            self.lingering -= len(data)
            if not data or self.lingering <= 0:
                self.close()
                return

    def expire(self) -> None:
        """Called by the selector when a parked connection's deadline passed."""
        if self.lingering:
            self.close()
            return
        if self.reader.head_started or type(self.reader.peek()) is Request:
            # A head or a body that never completed: slowloris or a stalled client
            # (RFC 9110 15.5.9). The rest of an unread body after a response gets no 408.
            self._send_now(error_response(408))
            self.linger()
            return
        self.close()

    def _send_now(self, data: bytes) -> None:
        """A last small message from the selector, sent only if it goes out at once."""
        try:
            self.sock.send(data, socket.MSG_DONTWAIT)
        except (OSError, ValueError):
            pass

    # -- the selector side --------------------------------------------------------------

    def on_readable(self) -> None:
        """Read what has arrived (selector thread, or the owning worker after a TLS
        handshake); queue the connection for a worker once a request is ready to run,
        else park it again (or close it at end of stream)."""
        if self.handshaking:
            self.engine.dispatch(self)  # a worker shakes hands (it never waits for it)
            return
        if self.lingering:
            self._drop_input()
            return
        reader = self.reader
        events = reader.events
        plain = _libc_recv is not None and not self.tls
        while True:
            if plain:
                # ``recv_nowait``'s libc path, without the call (one read per request).
                try:
                    buffer = _buffers.recv
                except AttributeError:
                    buffer = _buffers.recv = ctypes.create_string_buffer(RECV_SIZE)
                got = _libc_recv(self.fd, buffer, RECV_SIZE, _RECV_FLAGS)
                if got < 0:
                    if ctypes.get_errno() not in _NOTHING_YET:
                        self.close()
                        return
                    break
                data = buffer[:got]  # a c_char array slices to bytes
            else:
                try:
                    data = self.recv_nowait()
                except OSError:
                    self.close()
                    return
                if data is None:
                    break
            if not data and self._abandoned():
                # No worker hears of a request its client gave up on; a client that only
                # half-closed still reads why.
                if self.reader.head_started or self.reader.peek() is not None:
                    self._send_now(
                        error_response(400, "connection closed in the middle of a request")
                    )
                self.close()
                return
            reader.feed(data)
            if events and type(events[0]) is Request and not reader.in_body:
                # What ``_ready`` answers for a whole request without a body first in
                # line (the usual case), without the call.
                self.discarded = 0
                self.engine.dispatch(self)
                return
            ready = self._ready()
            if ready is None:
                self.linger()  # the rest of an unread body is too large to skip
                return
            if ready:
                self.engine.dispatch(self)
                return
            if not data:
                self.close()  # end of stream with nothing to serve
                return
        self._park()

    def _abandoned(self) -> bool:
        """Whether the peer closed before the first waiting request could be served."""
        reader = self.reader
        event = reader.peek()
        if event is None:
            return True
        return type(event) is Request and event is reader.current and reader.in_body

    def _ready(self) -> bool | None:
        """Whether a worker should take the connection now; None to close it."""
        reader = self.reader
        event = reader.peek()
        if type(event) is not Request:  # (the usual case, a request, checked once)
            if type(event) is Data or event is END_OF_MESSAGE:
                self.discarded += reader.drop_finished_body()
                if self.discarded > DRAIN_LIMIT:
                    return None  # the rest of an unread body is too large to skip
                event = reader.peek()
            if event is None:
                return False
            if type(event) is not Request:
                return True  # a ProtocolError: the worker answers it
        self.discarded = 0
        if event is not reader.current or not reader.in_body or event.upgrade:
            return True  # the body is complete (or not parsed, for an upgrade)
        if reader.failed:
            # The body broke a rule (size, framing) before the app ran: answer the error
            # alone rather than run the app on half a request.
            reader.skip_to_error()
            return True
        limit = self.engine.max_buffered_body
        if reader.body_seen >= limit:
            return True
        if event.expect_continue:
            length = event.content_length
            if length is not None and length > limit:
                return True  # too large to buffer: the app decides whether to read it
            if self.continued is not event:
                # RFC 9110 10.1.1: the client waits for this before sending the body.
                self.continued = event
                self.sendall(CONTINUE)
        return False

    # -- the serving loop ---------------------------------------------------------------

    def serve_ready(self) -> None:
        """Serve every request that is ready; park or close the connection afterwards."""
        if self.handshaking:
            if self._handshake():
                self.on_readable()
            return
        reader = self.reader
        engine = self.engine
        app = engine.app
        direct = engine.direct
        environs = self.environs
        events = reader.events  # popped here: ``reader.next_event()`` without the call
        while True:
            if not events:
                # The selector reads what comes next (a client rarely has its next request
                # out before it read this response).
                if reader.head_started or reader.in_body:
                    if self.held is not None:
                        self.send_held()
                    self._park()
                elif self.held is not None:
                    engine.hold(self)  # sent and parked with the responses to come
                else:  # ``_park`` of a connection between requests, without the call
                    self.deadline = time.monotonic() + engine.keepalive_timeout
                    rearm = self.rearm
                    if rearm is None or engine.draining:
                        engine.park(self)
                    else:
                        # ``Engine.park`` without the call, through the re-arm it made.
                        self.parked = True
                        if rearm():
                            self.parked = False
                            self.close()
                return
            event = events.popleft()
            if self.held is not None and type(event) is not Data and event is not END_OF_MESSAGE:
                self.send_held()  # a pipelined request or an error is answered after it
            if type(event) is Request:
                self.head_deadline = 0.0
                self.waiting_for = None
                # ``environs.build(event)``, without the call for a repeated request.
                environ = (
                    environs.template.copy() if event is environs.repeat else environs.build(event)
                )
                try:
                    if direct is not None and event.bodyless and not self.access_log:
                        keep = run_direct(direct, self, event, environ)
                    else:
                        keep = run(app, self, event, environ, direct)
                except OSError:
                    keep = False  # the client went away while we wrote
                if not keep:
                    if self.taken:
                        return
                    if self.held is not None:
                        self.send_held()
                    if reader.in_body or reader.head_started:
                        self.linger()  # the client may still be sending
                    else:
                        self.close()
                    return
            elif type(event) is ProtocolError:
                self._answer_error(event)
                return
            # Otherwise: body pieces of a request whose body the application left unread
            # and that the driver is skipping over.

    def _answer_error(self, event: ProtocolError) -> None:
        try:
            self.sock.sendall(error_response(event.status, event.detail))
        except OSError:
            self.close()
            return
        self.linger()

    def _park(self) -> None:
        now = time.monotonic()
        reader = self.reader
        if reader.head_started:
            if not self.head_deadline:
                self.head_deadline = now + self.engine.header_timeout
            self.deadline = self.head_deadline
        elif reader.in_body:
            self.deadline = self._body_deadline(now)
        else:
            self.deadline = now + self.engine.keepalive_timeout
        self.engine.park(self)

    def _body_deadline(self, now: float) -> float:
        """Each wait for body bytes is bounded by ``body_timeout``; a body being buffered
        must also average ``min_body_rate`` after its first ``body_timeout``."""
        engine = self.engine
        reader = self.reader
        event = reader.peek()
        deadline = now + engine.body_timeout
        if type(event) is not Request:
            return deadline  # the rest of an unread body
        if self.waiting_for is not event:
            self.waiting_for = event
            self.body_deadline = deadline
        if engine.min_body_rate:
            overall = self.body_deadline + reader.body_seen / engine.min_body_rate
            deadline = min(deadline, overall)
        return deadline

    def _handshake(self) -> bool:
        sock: Any = self.sock
        try:
            sock.do_handshake()
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            self.engine.park(self)  # the deadline set at accept time still holds
            return False
        except (OSError, ValueError) as exc:
            log.debug("TLS handshake failed: %s", exc)
            self.close()
            return False
        self.handshaking = False
        sock.settimeout(self.engine.body_timeout)
        return True
