"""WebSockets (RFC 6455) over the server's connection takeover, with wsproto as the frame
codec.

Rules:
- The opening handshake is checked here from the WSGI environ (:func:`check_handshake`,
  pure, no I/O); a refused handshake raises :class:`HandshakeError` with the HTTP status
  the caller should answer with. Nothing is written to the socket before the handshake is
  known to be good and the server has handed the connection over.
- The Origin check is on by default: a browser request whose ``Origin`` is not the
  request's own host is refused with 403 unless listed in ``allowed_origins``
  (RFC 6455 section 10.2). Requests without ``Origin`` (non-browser clients) pass.
- Incoming frames are read and parsed by the shared reactor thread, which answers pings,
  completes the closing handshake and fails the connection on protocol errors
  (RFC 6455 section 7.1.7); whole messages wait in an inbox for :meth:`WebSocket.receive`.
- A message larger than ``max_message_size`` closes the connection with 1009
  (RFC 6455 section 7.4.1). A connection we have read nothing from for ``ping_interval``
  seconds is pinged; one that leaves a ping unanswered for two intervals is dropped (1006).
- Once taken over, the connection never goes back to HTTP: after the close the socket is
  shut down, so no server can write a response on it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

from wsproto.connection import Connection as FrameConnection
from wsproto.connection import ConnectionState, ConnectionType
from wsproto.events import (
    CloseConnection,
    Event,
    Message,
    Ping,
    Pong,
    TextMessage,
)

from .broadcast import get_broadcast
from .capacity import CapacityError
from .channels import Broadcast, CachedEncoder, ConnectionSink
from .scope import CancelScope, Disconnected, bind_scope, current_scope
from .transport import Connection, TakeoverError, claim, reactor

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
DEFAULT_MAX_MESSAGE_SIZE = 1 << 20
DEFAULT_PING_INTERVAL = 20.0
CLOSE_TIMEOUT = 5.0

__all__ = [
    "ConnectionClosed",
    "HandshakeError",
    "WebSocket",
    "accept",
    "accept_key",
    "check_handshake",
    "text_frame",
]


class HandshakeError(Exception):
    """The request cannot become a WebSocket; answer it with ``status`` (and ``headers``)."""

    def __init__(self, status: int, reason: str, headers: Sequence[tuple[str, str]] = ()):
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason
        self.headers = list(headers)


class ConnectionClosed(Disconnected):
    """The WebSocket is closed; ``code`` and ``reason`` come from the closing handshake.

    Also what a wait under the WebSocket's cancel scope (``Subscription.get``,
    ``kettle.realtime.sleep``) raises when the client goes away.
    """

    def __init__(self, code: int, reason: str = "") -> None:
        super().__init__(f"WebSocket closed ({code}{': ' + reason if reason else ''})")
        self.code = code
        self.reason = reason


def accept_key(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` value for a client key (RFC 6455 section 4.2.2)."""
    digest = hashlib.sha1(key.encode("ascii") + GUID).digest()
    return base64.b64encode(digest).decode("ascii")


def frame(first_byte: int, payload: bytes) -> bytes:
    """A whole, unmasked frame as a server sends it (RFC 6455 section 5.2): FIN + opcode in
    ``first_byte``, then the 7-, 16- or 64-bit payload length."""
    size = len(payload)
    if size < 126:
        head = bytes((first_byte, size))
    elif size < 65536:
        head = struct.pack("!BBH", first_byte, 126, size)
    else:
        head = struct.pack("!BBQ", first_byte, 127, size)
    return head + payload


def text_frame(message: str) -> bytes:
    """A whole text message in one frame."""
    return frame(0x81, message.encode("utf-8"))


_text_frames = CachedEncoder(text_frame)


def _tokens(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _check_origin(environ: dict[str, Any], allowed_origins: Sequence[str] | None) -> None:
    origin = environ.get("HTTP_ORIGIN")
    if origin is None:
        return
    if allowed_origins is not None and ("*" in allowed_origins or origin in allowed_origins):
        return
    host = environ.get("HTTP_HOST", "").lower()
    netloc = urlsplit(origin).netloc.lower()
    if not host or netloc != host:
        raise HandshakeError(403, f"cross-site WebSocket from origin {origin!r} refused")


def check_handshake(
    environ: dict[str, Any],
    subprotocols: Sequence[str] = (),
    allowed_origins: Sequence[str] | None = None,
) -> tuple[bytes, str | None]:
    """Validate an upgrade request (RFC 6455 section 4.2.1).

    Returns the ``101 Switching Protocols`` response bytes and the chosen subprotocol.
    """
    if environ.get("REQUEST_METHOD") != "GET":
        raise HandshakeError(405, "a WebSocket handshake must use GET", [("Allow", "GET")])
    if environ.get("SERVER_PROTOCOL", "HTTP/1.1") in ("HTTP/1.0", "HTTP/0.9"):
        raise HandshakeError(400, "a WebSocket handshake needs HTTP/1.1")
    if "websocket" not in [t.lower() for t in _tokens(environ.get("HTTP_UPGRADE", ""))]:
        raise HandshakeError(426, "expected 'Upgrade: websocket'", [("Upgrade", "websocket")])
    if "upgrade" not in [t.lower() for t in _tokens(environ.get("HTTP_CONNECTION", ""))]:
        raise HandshakeError(400, "expected 'Connection: Upgrade'")
    if environ.get("HTTP_SEC_WEBSOCKET_VERSION", "").strip() != "13":
        raise HandshakeError(
            426, "unsupported Sec-WebSocket-Version", [("Sec-WebSocket-Version", "13")]
        )
    key = environ.get("HTTP_SEC_WEBSOCKET_KEY", "").strip()
    try:
        valid_key = len(base64.b64decode(key, validate=True)) == 16
    except (binascii.Error, ValueError):
        valid_key = False
    if not valid_key:
        raise HandshakeError(400, "missing or malformed Sec-WebSocket-Key")
    _check_origin(environ, allowed_origins)
    offered = _tokens(environ.get("HTTP_SEC_WEBSOCKET_PROTOCOL", ""))
    chosen = next((p for p in subprotocols if p in offered), None)
    lines = [
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Accept: {accept_key(key)}",
    ]
    if chosen is not None:
        lines.append(f"Sec-WebSocket-Protocol: {chosen}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"), chosen


def accept(
    environ: dict[str, Any],
    *,
    subprotocols: Sequence[str] = (),
    allowed_origins: Sequence[str] | None = None,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    ping_interval: float | None = DEFAULT_PING_INTERVAL,
) -> WebSocket:
    """Complete the handshake for this WSGI request and return the open WebSocket.

    Raises :class:`HandshakeError` for a bad handshake, a refused Origin, a server that
    cannot hand its connection over (501), or a process that already holds its limit of
    open realtime connections (503 with ``Retry-After``, see :mod:`.capacity`). After the
    handler is done, call :meth:`WebSocket.close` and return an empty iterable from the
    WSGI app.
    """
    if max_message_size < 1:
        raise ValueError("max_message_size must be positive")
    if ping_interval is not None and ping_interval <= 0:
        raise ValueError("ping_interval must be positive or None")
    response, chosen = check_handshake(environ, subprotocols, allowed_origins)
    try:
        sock, leftover, owned = claim(environ)
    except CapacityError as exc:
        raise HandshakeError(exc.status, exc.reason, exc.headers) from exc
    except TakeoverError as exc:
        raise HandshakeError(501, str(exc)) from exc
    ws = WebSocket(
        sock,
        owned=owned,
        reserved=True,
        subprotocol=chosen,
        max_message_size=max_message_size,
        ping_interval=ping_interval,
        environ=environ,
    )
    try:
        ws.write(response)
    except ConnectionError as exc:
        raise ConnectionClosed(1006, "client left during the handshake") from exc
    ws.follow_server(environ)
    ws.start(leftover)
    return ws


class WebSocket(Connection):
    """An open WebSocket. ``receive``/``send``/``close`` may be called from any thread."""

    def __init__(
        self,
        sock: Any,
        *,
        owned: bool,
        subprotocol: str | None = None,
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
        ping_interval: float | None = DEFAULT_PING_INTERVAL,
        environ: dict[str, Any] | None = None,
        reserved: bool = False,
    ) -> None:
        super().__init__(sock, owned=owned, reserved=reserved)
        self.subprotocol = subprotocol
        self.environ = environ if environ is not None else {}
        self.max_message_size = max_message_size
        self.ping_interval = ping_interval
        self.close_code: int | None = None
        self.close_reason = ""
        self._frames = FrameConnection(ConnectionType.SERVER)
        self._inbox: deque[str | bytes] = deque()
        self._ready = threading.Condition(self._state)
        self._parts: list[str | bytes] = []
        self._part_size = 0
        self._last_read = time.monotonic()
        self._last_ping = 0.0
        self._scope = CancelScope(self._closed_error)
        self._previous_scope: CancelScope | None = None
        self.on_close(self._scope.cancel)

    def start(self, leftover: bytes = b"") -> None:
        """Bind the cancel scope to this thread, parse ``leftover``, start reading."""
        self._previous_scope = bind_scope(self._scope)
        if leftover:
            self.on_data(leftover)
        if not self.closed:
            reactor().watch(self)

    def _closed_error(self) -> ConnectionClosed:
        return ConnectionClosed(self.close_code or 1006, self.close_reason)

    # -- application side -----------------------------------------------------------
    def receive(self, timeout: float | None = None) -> str | bytes:
        """The next whole message: ``str`` for text, ``bytes`` for binary.

        Raises ``TimeoutError`` after ``timeout`` seconds, :class:`ConnectionClosed` once
        the connection is closed and every message received before was returned.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._ready:
            while not self._inbox:
                if self.closed or self._frames.state is not ConnectionState.OPEN:
                    raise ConnectionClosed(self.close_code or 1006, self.close_reason)
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError("no WebSocket message within the timeout")
                self._ready.wait(remaining)
            return self._inbox.popleft()

    def __iter__(self) -> Iterator[str | bytes]:
        """Yield messages until the connection closes (with any code)."""
        while True:
            try:
                yield self.receive()
            except ConnectionClosed:
                return

    def send(self, data: str | bytes) -> None:
        """Send one text (``str``) or binary (``bytes``) message."""
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        if not isinstance(data, (str, bytes)):
            raise TypeError(f"WebSocket.send takes str or bytes, not {type(data).__name__}")
        # Whole messages need no codec state, so frames are built here directly (cheaper
        # than wsproto's general path); wsproto still owns control frames and the close.
        wire = text_frame(data) if isinstance(data, str) else frame(0x82, data)
        with self._state:
            if self.closed or self._frames.state is not ConnectionState.OPEN:
                raise ConnectionClosed(self.close_code or 1006, self.close_reason)
            self._outbox.append(wire)
        try:
            self.flush(block=True)
        except ConnectionError as exc:
            raise ConnectionClosed(1006, "connection lost while sending") from exc

    def attach(self, channel: str, *, broadcast: Broadcast | None = None) -> None:
        """Send every message of broadcast ``channel`` to this client as a text message,
        until the connection closes.

        Delivery happens in the publisher's thread with a non-blocking write of a frame
        encoded once for all clients, so the handler's thread is not woken per message; it
        may meanwhile ``receive()`` or just :meth:`wait_closed`. A client that falls
        ``MAX_QUEUED`` frames behind is dropped.
        """
        backend = broadcast if broadcast is not None else get_broadcast()
        sink = ConnectionSink(channel, self.push, _text_frames)
        backend.attach(sink)
        self.on_close(lambda: backend.detach(sink))

    def _accepting(self) -> bool:
        # No data frame may follow our close frame (RFC 6455 section 5.5.1).
        return self._frames.state is ConnectionState.OPEN

    def ping(self, payload: bytes = b"") -> None:
        """Send a ping; the reactor records the pong."""
        self._send_control(Ping(payload=payload))
        self.flush(block=False)

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Start (or finish) the closing handshake, wait briefly for the peer, release.

        Idempotent; also unbinds this WebSocket's cancel scope from the calling thread.
        """
        if current_scope() is self._scope:
            bind_scope(self._previous_scope)
        self._send_control(CloseConnection(code=code, reason=reason))
        try:
            self.flush(block=True)
        except ConnectionError:
            return
        deadline = time.monotonic() + CLOSE_TIMEOUT
        with self._ready:
            while not self.closed and time.monotonic() < deadline:
                self._ready.wait(deadline - time.monotonic())
        self.abort()

    def _send_control(self, event: Event) -> None:
        with self._state:
            if self.closed:
                return
            state = self._frames.state
            if isinstance(event, CloseConnection):
                if state not in (ConnectionState.OPEN, ConnectionState.REMOTE_CLOSING):
                    return
                if self.close_code is None:
                    self.close_code, self.close_reason = event.code, event.reason or ""
            elif state is not ConnectionState.OPEN:
                return
            self._outbox.append(self._frames.send(event))

    # -- reactor side -----------------------------------------------------------------
    def on_data(self, data: bytes) -> None:
        if not data:
            with self._state:
                if self.close_code is None:
                    self.close_code = 1006
            self.abort()
            return
        self._last_read = time.monotonic()
        with self._state:
            if self.closed or self._finish_pending:
                return  # after the closing handshake, further bytes mean nothing
            self._frames.receive_data(data)
            finished = self._handle_events()
        if finished:
            self.finish()
        else:
            self.flush(block=False)

    def _handle_events(self) -> bool:
        """Process parsed frames (state lock held); True when the socket should go."""
        for event in self._frames.events():
            if isinstance(event, Message):
                if self._add_part(event):
                    return True
            elif isinstance(event, Ping):
                self._outbox.append(self._frames.send(event.response()))
            elif isinstance(event, Pong):
                continue
            elif isinstance(event, CloseConnection):
                return self._handle_close(event)
        return False

    def _add_part(self, event: Message[Any]) -> bool:
        self._parts.append(event.data)
        self._part_size += len(event.data)
        if self._part_size > self.max_message_size:
            self._fail(1009, f"message larger than {self.max_message_size} bytes")
            return True
        if event.message_finished:
            parts, self._parts, self._part_size = self._parts, [], 0
            if isinstance(event, TextMessage):
                self._inbox.append("".join(p for p in parts if isinstance(p, str)))
            else:
                self._inbox.append(b"".join(p for p in parts if not isinstance(p, str)))
            self._ready.notify()
        return False

    def _handle_close(self, event: CloseConnection) -> bool:
        state = self._frames.state
        if state is ConnectionState.OPEN:
            # wsproto reports a protocol error as a close event without changing state:
            # fail the connection with that code (RFC 6455 section 7.1.7).
            self._fail(event.code, event.reason or "")
            return True
        if state is ConnectionState.REMOTE_CLOSING:
            self._outbox.append(self._frames.send(event.response()))
        if self.close_code is None:
            self.close_code, self.close_reason = event.code, event.reason or ""
        self._ready.notify_all()
        return True

    def _fail(self, code: int, reason: str) -> None:
        if self.close_code is None:
            self.close_code, self.close_reason = code, reason
        self._outbox.append(self._frames.send(CloseConnection(code=code, reason=reason[:120])))
        self._ready.notify_all()

    def abort(self) -> None:
        super().abort()
        with self._ready:
            self._ready.notify_all()

    def going_away(self) -> None:
        """Server shutdown: close with 1001 (RFC 6455 section 7.4.1), then release."""
        self._send_control(CloseConnection(code=1001, reason="server shutting down"))
        self.finish()

    def keepalive(self, now: float) -> None:
        self.flush(block=False)
        if self.ping_interval is None or self.closed:
            return
        unanswered = self._last_ping > self._last_read
        if unanswered and now - self._last_ping >= 2 * self.ping_interval:
            with self._state:
                if self.close_code is None:
                    self.close_code, self.close_reason = 1006, "no pong from the peer"
            self.abort()
        elif not unanswered and now - self._last_read >= self.ping_interval:
            # Judged by what we *read*: a client that only listens to pushes still has to
            # show it is alive, however busy our side of the connection is.
            self._last_ping = now
            self.ping(b"kettle")
