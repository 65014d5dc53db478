"""One client connection as the driver sees it: a socket, its parser and its timeouts.

Owns the socket calls of a connection (receive with a timeout, receive without waiting,
send, sendfile, drain, hand over) and its serving loop ``serve_ready``, which a worker
thread runs whenever the selector reports the connection readable. Rules kept:

- A worker holds a connection only while a request is in hand. When the next request is
  not already buffered, the connection goes back to the selector (``Engine.park``) with
  a deadline: the header timeout if a request head has begun, else the keep-alive timeout.
- Plain sockets stay in blocking mode with kernel timeouts (SO_RCVTIMEO/SO_SNDTIMEO), so
  a read costs one system call; ``MSG_DONTWAIT`` probes for pipelined bytes. TLS sockets
  use Python timeouts and ``pending()`` instead, and shake hands without blocking.
- A small response is first offered to libc's non-blocking ``send`` without releasing
  the GIL (no hand-off to another worker for a call that cannot wait); what does not fit
  goes through the blocking ``sendall`` with its timeout.
- After ``take_over`` the connection object forgets its socket entirely.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import socket
import ssl
import struct
import threading
import time
from typing import TYPE_CHECKING, Any

from .environ import ClientDisconnected, RequestBodyError
from .protocol import ProtocolError, Request, RequestReader
from .response import error_response
from .wsgi import DRAIN_LIMIT, run

if TYPE_CHECKING:
    from .engine import Engine
    from .wsgi import Exchange

log = logging.getLogger("kettle.server")

RECV_SIZE = 65536

# libc's send(2) and recv(2) called without releasing the GIL: a small response goes out,
# and a ready request comes in, in one quick non-blocking call instead of a GIL hand-off
# to another worker and back.
_SEND_FLAGS = socket.MSG_DONTWAIT | socket.MSG_NOSIGNAL
_SMALL_SEND = 65536


def gil_holding_libc(name: str, argtypes: tuple[Any, ...], restype: Any) -> Any:
    """libc's function ``name``, called without releasing the GIL (with errno kept), or
    None where the C library cannot be loaded that way."""
    try:
        function = getattr(ctypes.PyDLL(None, use_errno=True), name)
    except (OSError, AttributeError):  # pragma: no cover - no such libc function
        return None
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
        "base",
        "deadline",
        "engine",
        "fd",
        "handshaking",
        "head_deadline",
        "parked",
        "reader",
        "sock",
        "taken",
        "tls",
    )

    def __init__(
        self, sock: socket.socket, base: dict[str, Any], engine: Engine, tls: bool
    ) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.base = base
        self.engine = engine
        self.tls = tls
        self.handshaking = tls
        self.reader = RequestReader(engine.limits)
        self.access_log = engine.access_log
        self.parked = False
        self.taken = False
        self.deadline = 0.0
        self.head_deadline = 0.0

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
        sock = self.sock
        if self.tls:
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
            got = _libc_recv(self.fd, buffer, RECV_SIZE, socket.MSG_DONTWAIT)
            if got >= 0:
                return ctypes.string_at(buffer, got)
            code = ctypes.get_errno()
            if code in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR):
                return None
            raise OSError(code, os.strerror(code))
        try:
            return sock.recv(RECV_SIZE, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return None

    def sendall(self, data: bytes) -> None:
        if _libc_send is not None and not self.tls and len(data) <= _SMALL_SEND:
            sent = _libc_send(self.fd, data, len(data), _SEND_FLAGS)
            if sent == len(data):
                return
            if sent > 0:
                data = data[sent:]
            elif ctypes.get_errno() not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR):
                code = ctypes.get_errno()
                raise ClientDisconnected(f"sending the response failed: {os.strerror(code)}")
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise ClientDisconnected(f"sending the response failed: {exc}") from exc

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

    def server_draining(self) -> bool:
        return self.engine.draining

    def drain_body(self, exchange: Exchange) -> bool:
        """Discard an unread request body; True if it ended within ``DRAIN_LIMIT``."""
        if exchange._continue:
            return False  # 100 Continue was never sent: the client may not send the body
        total = 0
        try:
            while total <= DRAIN_LIMIT:
                piece = exchange.fetch_body()
                if piece is None:
                    return True
                total += len(piece)
        except OSError:
            return False
        return False

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
        self.taken = True
        if not self.tls:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval(0))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval(0))
        sock.settimeout(None)
        return sock, leftover

    def close(self) -> None:
        self.engine.forget(self, unregister=False)
        try:
            self.sock.close()
        except OSError:
            pass

    def expire(self) -> None:
        """Called by the selector when a parked connection's deadline passed."""
        if self.reader.head_started:
            # A head that never completed: slowloris or a stalled client (RFC 9110 15.5.9).
            try:
                self.sock.send(error_response(408), socket.MSG_DONTWAIT)
            except (OSError, ValueError):
                pass
        self.close()

    # -- the serving loop ---------------------------------------------------------------

    def serve_ready(self) -> None:
        """Serve every request that is ready; park or close the connection afterwards."""
        if self.handshaking and not self._handshake():
            return
        reader = self.reader
        app = self.engine.app
        served = False
        while True:
            event = reader.next_event()
            if event is None:
                if served:
                    # A client rarely has its next request out before it read this response:
                    # park at once (epoll reports bytes already waiting) instead of paying
                    # for a recv that almost always finds nothing.
                    self._park()
                    return
                try:
                    data = self.recv_nowait()
                except OSError:
                    self.close()
                    return
                if data is None:
                    self._park()
                    return
                reader.feed(data)
                if not data and not reader.has_events():
                    self.close()  # a clean close between requests
                    return
                continue
            if type(event) is Request:
                self.head_deadline = 0.0
                try:
                    keep = run(app, self, event, self.base)
                except OSError:
                    keep = False  # the client went away while we wrote
                if not keep:
                    if not self.taken:
                        self.close()
                    return
                served = True
            elif type(event) is ProtocolError:
                self._answer_error(event)
                return
            # Otherwise: body pieces of a request whose body the application left unread
            # and that the driver is skipping over.

    def _answer_error(self, event: ProtocolError) -> None:
        try:
            self.sock.sendall(error_response(event.status, event.detail))
        except OSError:
            pass
        self.close()

    def _park(self) -> None:
        now = time.monotonic()
        if self.reader.head_started:
            if not self.head_deadline:
                self.head_deadline = now + self.engine.header_timeout
            self.deadline = self.head_deadline
        else:
            self.deadline = now + self.engine.keepalive_timeout
        self.engine.park(self)

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
