"""Running one request through a WSGI application (PEP 3333) over a connection.

Owns ``start_response``, the ``write`` callable, response framing, ``wsgi.file_wrapper``,
the ``kettle.takeover`` hand-over and error handling. Rules kept:

- Framing: the application's Content-Length if it set one; a one-item list or tuple gets a
  computed Content-Length; otherwise chunked for HTTP/1.1 and close-delimited for 1.0.
  HEAD and 1xx/204/304 responses carry no body (RFC 9110 sections 9.3.2 and 6.4.1).
- The head is delayed until the first non-empty body chunk (PEP 3333), so a small
  response goes out in one ``sendall``.
- An exception before the head is sent becomes a 500 with a logged traceback (or the
  status of a ``RequestBodyError``); after it, the connection is cut. Either way the
  result's ``close()`` is called and the server keeps serving.
- After ``kettle.takeover()`` the server never writes on the connection again.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

from ..http.parts import ResponseParts, as_wsgi
from .environ import ClientDisconnected, Input, RequestBodyError
from .protocol import END_OF_MESSAGE, Data, ProtocolError, Request
from .response import (
    CONTINUE,
    DATE_LINE,
    LAST_CHUNK,
    LENGTH_LINES,
    NO_BODY_CODES,
    STARTS,
    ResponseStart,
    chunk,
    error_response,
    length_line,
    response_start,
)

if TYPE_CHECKING:
    import socket

    from .connection import Connection

log = logging.getLogger("kettle.server")
access_log = logging.getLogger("kettle.server.access")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_SMALL_BODY = 65536
DRAIN_LIMIT = 1 << 20
_time = time.time
_monotonic = time.monotonic
# A response is held for batching (``Engine.hold``) only when its request took less than
# this: a slow app's next request is likely slow too, and the held response would wait
# for it (a request of a few milliseconds gains nothing from batching anyway).
HOLD_FAST = 0.001


class FileWrapper:
    """``wsgi.file_wrapper``: iterates a file in blocks; the server may use sendfile."""

    __slots__ = ("blksize", "filelike")

    def __init__(self, filelike: IO[bytes], blksize: int = 65536) -> None:
        self.filelike = filelike
        self.blksize = blksize

    def __iter__(self) -> Iterator[bytes]:
        read = self.filelike.read
        while True:
            block = read(self.blksize)
            if not block:
                return
            yield block

    def close(self) -> None:
        close = getattr(self.filelike, "close", None)
        if close is not None:
            close()


class TakenOver(Exception):
    """Internal: the application took the connection; nothing more is written."""


class Exchange:
    """One request/response on a connection. Created by the driver per request.

    The state of a request body (``_continue``, ``_received``, ``_fed``,
    ``_body_started``) exists only when the request has one (``body_done`` false)."""

    __slots__ = (
        "_body_started",
        "_chunked",
        "_code",
        "_continue",
        "_fed",
        "_length",
        "_received",
        "_sent",
        "_start",
        "_started",
        "body_done",
        "conn",
        "head_sent",
        "keep_alive",
        "request",
        "taken",
    )

    def __init__(self, conn: Connection, request: Request) -> None:
        self.conn = conn
        self.request = request
        self._started = _monotonic()
        if request.bodyless:  # (one field read instead of four: each costs a lookup)
            self.keep_alive = True
            self.body_done = True
        else:
            self.keep_alive = request.keep_alive and not request.upgrade
            self.body_done = not (request.chunked or request.content_length)  # has_body
            if not self.body_done:
                # The selector may have answered 100 Continue while it buffered the body.
                self._continue = request.expect_continue and conn.continued is not request
                self._received = 0
                self._body_started = 0.0
                self._fed = 0
        self.head_sent = False
        self.taken = False
        #: What ``response_start`` returned for the app's status and headers.
        self._start: ResponseStart | None = None
        self._code = 0
        self._length: int | None = None
        self._chunked = False
        self._sent = 0

    # -- the request body ---------------------------------------------------------------

    def fetch_body(self) -> bytes | None:
        """The next decoded body piece, or ``None`` at the end; reads the socket as needed."""
        if self.body_done:
            return None
        conn = self.conn
        if self._continue:
            # RFC 9110 section 10.1.1: the client waits for this before sending the body.
            self._continue = False
            if not self.head_sent:
                conn.sendall(CONTINUE)
        reader = conn.reader
        while True:
            event = reader.next_event()
            if event is None:
                if not self._body_started:
                    self._body_started = time.monotonic()
                data = conn.recv_body()
                self._fed += len(data)
                reader.feed(data)
                self._check_rate()
                continue
            if type(event) is Data:
                self._received += len(event.data)
                return event.data
            self.body_done = True
            if event is END_OF_MESSAGE:
                return None
            if type(event) is ProtocolError:
                self.keep_alive = False
                raise RequestBodyError(event.status, event.detail)
            raise RuntimeError(f"unexpected event {event!r} inside a request body")

    def _check_rate(self) -> None:
        """Bound the whole upload, not only each wait: a client may take ``body_timeout``
        plus the time its bytes need at ``min_body_rate``; slower is cut off with 408, so
        a trickling client cannot hold a worker indefinitely."""
        engine = self.conn.engine
        rate = engine.min_body_rate
        if rate and time.monotonic() - self._body_started > engine.body_timeout + self._fed / rate:
            self.keep_alive = False
            self.body_done = True
            raise RequestBodyError(408, "request body arrives too slowly")

    # -- start_response and write -------------------------------------------------------

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info:
            try:
                if self.head_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self._start is not None:
            raise RuntimeError("start_response called a second time without exc_info")
        try:  # a status and header list seen before: one lookup (``response_start``)
            start = STARTS[status, tuple(headers)] if type(headers) is list else None
        except (KeyError, TypeError):
            start = None
        if start is None:
            start = response_start(status, headers)
        self._start = start
        self._code = start[1]
        self._length = start[3]
        if start[6]:  # the app's Connection field asked to close
            self.keep_alive = False
        return self.write

    def _head(self, length: int | None) -> bytes:
        """Serialize the head; decides framing when ``length`` (the known size) is given."""
        start = self._start
        if start is None:
            raise RuntimeError("the application returned without calling start_response")
        code = self._code
        extra = b""
        if code >= 200 and self._length is None:
            if code in NO_BODY_CODES:
                self._length = length
            elif length is not None:
                self._length = length
                extra = LENGTH_LINES.get(length) or length_line(length)
            elif self.request.http_version == "1.1":
                self._chunked = True
                extra = b"Transfer-Encoding: chunked\r\n"
            else:  # close-delimited (RFC 9112 section 6.3)
                self.keep_alive = False
        if self.keep_alive and (
            self.conn.engine.draining or not (self.body_done or self._can_skip_body())
        ):
            self.keep_alive = False
        if not self.keep_alive:
            extra += b"Connection: close\r\n"
        elif self.request.http_version == "1.0":
            extra += b"Connection: keep-alive\r\n"
        self.head_sent = True
        if start[4]:  # the app set its own Date
            return b"".join((start[7], extra, b"\r\n"))
        now = _time()
        date = (
            DATE_LINE.line if DATE_LINE.since <= now < DATE_LINE.until else DATE_LINE.refresh(now)
        )
        return b"".join((start[7], date, extra, b"\r\n"))

    def _can_skip_body(self) -> bool:
        """Whether an unread request body is small enough to drain after the response."""
        if self.body_done:
            return True
        if self._continue:
            return False  # 100 Continue was never sent: the client may not send the body
        length = self.request.content_length
        return length is None or length - self._received <= DRAIN_LIMIT

    def write(self, data: bytes) -> None:
        """The ``write`` callable of PEP 3333; also used for every body chunk."""
        if type(data) is not bytes:
            if not isinstance(data, (bytes, bytearray, memoryview)):
                raise TypeError(f"response body chunks must be bytes, got {type(data).__name__}")
            data = bytes(data)
        if self.taken:
            raise RuntimeError("the connection was taken over; nothing can be written")
        if not data:
            return
        head = b"" if self.head_sent else self._head(None)
        if self.request.method == "HEAD" or self._code in NO_BODY_CODES:
            if head:
                self.conn.sendall(head)
            return
        if self._length is not None:
            room = self._length - self._sent
            if len(data) > room:
                if room == 0 and not head:
                    return
                log.error("application wrote more than its Content-Length; truncated")
                data = data[:room]
                self.keep_alive = False
        self._sent += len(data)
        if self._chunked:
            data = chunk(data)
        if head:
            if len(data) <= _SMALL_BODY:
                self.conn.sendall(head + data)
                return
            self.conn.sendall(head)
        self.conn.sendall(data)

    # -- the result iterable ------------------------------------------------------------

    def send_result(self, result: Iterable[bytes]) -> None:
        if type(result) is FileWrapper:
            if self._sendfile(result):
                return
        elif (
            (type(result) is list or type(result) is tuple)
            and not self.head_sent
            and self._start is not None
        ):
            if len(result) == 1:
                body = result[0]
                whole = type(body) is bytes
            else:
                whole = all(type(item) is bytes for item in result)
                body = b"".join(result) if whole else b""
            size = len(body) if whole else -1
            length = self._length
            # With a Content-Length set, only a body of exactly that size is sent whole;
            # any other goes through ``write``, which truncates and logs.
            if whole and (length is None or (length == size and self._code >= 200)):
                # Its length goes in the head, and a small body goes out with the head in
                # one send.
                head = self._head(size)
                code = self._code
                if self.request.method == "HEAD" or code < 200 or code in NO_BODY_CODES:
                    self.conn.sendall(head)
                    return  # no body bytes sent (the access log shows "-", as for ``write``)
                if size <= _SMALL_BODY:
                    if self.keep_alive:  # (held for batching while more requests wait)
                        send_small(self.conn, head, body, self._started)
                    else:
                        self.conn.sendall(head + body)
                else:
                    self.conn.sendall(head)
                    self.conn.sendall(body)
                self._sent = size
                return
        for data in result:
            if data:
                self.write(data)
        self._finish()

    def _finish(self) -> None:
        if not self.head_sent:
            self.conn.sendall(self._head(0))
        elif self._chunked and self.request.method != "HEAD":
            self.conn.sendall(LAST_CHUNK)
        elif (
            self._length is not None
            and self._sent < self._length
            and self.request.method != "HEAD"
            and self._code not in NO_BODY_CODES
        ):
            log.error("application sent less than its Content-Length; closing")
            self.keep_alive = False

    def _sendfile(self, wrapper: FileWrapper) -> bool:
        """Send a file with ``os.sendfile``; False when the generic path must be used."""
        conn = self.conn
        if conn.tls or self.head_sent or self.request.method == "HEAD":
            return False
        try:
            fileno = wrapper.filelike.fileno()
            offset = wrapper.filelike.tell()
            size = os.fstat(fileno).st_size - offset
        except (AttributeError, OSError, ValueError):
            return False
        length = self._length if self._length is not None else size
        if length > size or self._code < 200 or self._code in NO_BODY_CODES:
            return False
        conn.sendall(self._head(length))
        conn.sendfile(fileno, offset, length)
        self._sent = length
        return True

    # -- takeover -----------------------------------------------------------------------

    def takeover(self) -> tuple[socket.socket, bytes]:
        """``environ["kettle.takeover"]``: hand the raw connection to the application."""
        if self.taken:
            raise RuntimeError("the connection was already taken over")
        if self.head_sent:
            raise RuntimeError("cannot take over a connection after the response started")
        sock, leftover = self.conn.take_over()
        self.taken = True
        self.keep_alive = False
        return sock, leftover


def send_small(conn: Connection, head: bytes, body: bytes, started: float) -> None:
    """Send a whole small response of a kept-alive request that began at ``started``
    (``time.monotonic``), or hold it while more requests wait (batching)."""
    if conn.batching and conn.engine._ready and _monotonic() - started < HOLD_FAST:
        # More requests wait: the engine sends this with the responses to come
        # (``Engine.hold``), as one burst for the client side.
        conn.held = head + body
    else:
        conn.sendall(head + body)


class DirectEntry:
    """What ``run_direct`` gives a Kettle app instead of an ``Exchange`` made for every
    request: ``start_response`` and ``kettle.takeover`` of the connection's current
    request, which make its ``Exchange`` when first called. A common response
    (``ResponseParts``) needs none. One per connection (``Connection.direct_entry``).
    The two callables belong to the request being served, as a WSGI server's do: called
    after its response was sent, they raise ``RuntimeError`` until the connection's next
    request begins, and then act on that one (an app must not keep them)."""

    __slots__ = ("conn", "exchange", "request", "start_response", "started", "takeover")

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.exchange: Exchange | None = None
        self.request: Request | None = None
        self.started = 0.0
        # Bound once: the app gets the same two callables for every request.
        self.start_response = self._start_response
        self.takeover = self._takeover

    def make_exchange(self) -> Exchange:
        """The current request's ``Exchange``, made the first time it is needed."""
        exchange = self.exchange
        if exchange is None:
            request = self.request
            if request is None:
                raise RuntimeError("no request is being served on this connection")
            exchange = self.exchange = Exchange(self.conn, request)
            exchange._started = self.started
        return exchange

    def _start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        return self.make_exchange().start_response(status, headers, exc_info)

    def _takeover(self) -> tuple[socket.socket, bytes]:
        return self.make_exchange().takeover()


def run_direct(
    direct: Callable[..., Any], conn: Connection, request: Request, environ: dict[str, Any]
) -> bool:
    """``run`` for a Kettle app's own ``kettle_direct`` (``Engine.direct``) and a request
    without a body that keeps its connection, while the access log is off: the app is
    called with the ``DirectEntry``'s callables, and a whole response it returns as
    ``ResponseParts`` is written here (``write_parts``) with no ``Exchange``, no
    ``start_response`` and no result iterable. Anything else is served as ``run``
    serves it (docs/server.md, "A Kettle app on kettle.server")."""
    entry = conn.direct_entry
    if entry is None:
        entry = conn.direct_entry = DirectEntry(conn)
    entry.request = request
    entry.exchange = None
    entry.started = _monotonic()
    environ["kettle.takeover"] = entry.takeover
    try:
        result = direct(environ, entry.start_response)
        exchange = entry.exchange
        if exchange is None:
            if type(result) is ResponseParts and write_parts(conn, request, result, entry.started):
                entry.request = None  # answered: a late start_response or takeover fails
                return True
            exchange = entry.make_exchange()
        _send_result(exchange, result)
    except Exception as exc:
        exchange = entry.make_exchange()
        if exchange.taken:
            log.exception("error in application after takeover")
            return False
        _fail(exchange, exc, environ)
    return not exchange.taken and exchange.keep_alive


def write_parts(conn: Connection, request: Request, parts: ResponseParts, started: float) -> bool:
    """Write a whole response given as parts for ``request`` (kept alive, without a body)
    when it is the usual case, and return True; else False, and nothing was done: the
    caller sends it through an ``Exchange`` (``start_response`` and ``send_result``,
    which also check what is new). The usual case: a status and header tuple seen before
    whose entry says the head needs only a Date line (``ResponseStart``), a body of its
    Content-Length, an HTTP/1.1 request that is not HEAD, an engine that is not
    draining."""
    status, headers, body = parts
    start = STARTS.get((status, headers))
    size = len(body)
    if (
        start is None
        or not start[8]
        or start[3] != size
        or request.http_version != "1.1"
        or request.method == "HEAD"
        or conn.engine.draining
    ):
        return False
    now = _time()
    date = DATE_LINE.line if DATE_LINE.since <= now < DATE_LINE.until else DATE_LINE.refresh(now)
    head = b"".join((start[7], date, b"\r\n"))
    if size <= _SMALL_BODY:
        send_small(conn, head, body, started)
    else:
        conn.sendall(head)
        conn.sendall(body)
    return True


def _send_result(exchange: Exchange, result: Any) -> None:
    """Send an app's WSGI result (or a ``ResponseParts``) on ``exchange``, then close it."""
    if type(result) is ResponseParts:
        if not exchange.taken:
            exchange.send_result(as_wsgi(result, exchange.start_response))
        return
    try:
        if not exchange.taken:
            exchange.send_result(result)
    finally:
        if type(result) is not list:  # (a list has no close)
            close = getattr(result, "close", None)
            if close is not None:
                close()


def run(
    app: WSGIApp,
    conn: Connection,
    request: Request,
    environ: dict[str, Any],
    direct: Callable[..., Any] | None = None,
) -> bool:
    """Serve ``request`` with ``environ`` (its keys, ``EnvironSource.build``); return True
    when the connection may carry another request.

    ``direct``: a Kettle app's own ``kettle_direct`` (``Engine.direct``), called instead
    of the app with the same arguments: by ``run_direct`` for a request without a body
    that keeps its connection, here for any other (it may return ``ResponseParts``)."""
    if direct is not None:
        if request.bodyless and not conn.access_log:
            return run_direct(direct, conn, request, environ)
        app = direct
    exchange = Exchange(conn, request)
    # ``wsgi.input`` is EMPTY_INPUT and ``werkzeug.socket`` the connection's socket in the
    # connection's base already (``Connection``).
    if not exchange.body_done:
        environ["wsgi.input"] = Input(exchange.fetch_body)
    environ["kettle.takeover"] = exchange.takeover
    started = time.time() if conn.access_log else 0.0
    try:
        _send_result(exchange, app(environ, exchange.start_response))
    except Exception as exc:
        if exchange.taken:
            log.exception("error in application after takeover")
            return False
        _fail(exchange, exc, environ)
    if exchange.taken:
        return False
    if conn.access_log:
        _log_access(environ, exchange, started)
    if not exchange.body_done and exchange.keep_alive:
        exchange.keep_alive = conn.drain_body(exchange)
    return exchange.keep_alive


def _fail(exchange: Exchange, exc: Exception, environ: dict[str, Any]) -> None:
    exchange.keep_alive = False
    if isinstance(exc, ClientDisconnected):
        log.info(
            "client went away during %s %s: %s",
            environ["REQUEST_METHOD"],
            environ["PATH_INFO"],
            exc,
        )
        return
    if isinstance(exc, RequestBodyError):
        status = exc.status
        log.info(
            "request body error on %s %s: %s", environ["REQUEST_METHOD"], environ["PATH_INFO"], exc
        )
    else:
        status = 500
        log.error(
            "error in application on %s %s",
            environ["REQUEST_METHOD"],
            environ["PATH_INFO"],
            exc_info=exc,
        )
    if exchange.head_sent:
        return  # the response is cut short; the driver closes the connection
    exchange.head_sent = True
    exchange._code = status
    try:
        exchange.conn.sendall(error_response(status))
    except OSError:
        pass


def _log_access(environ: dict[str, Any], exchange: Exchange, started: float) -> None:
    """One line in the common log format, via the ``kettle.server.access`` logger."""
    when = time.strftime("%d/%b/%Y:%H:%M:%S %z", time.localtime(started))
    request_line = f"{environ['REQUEST_METHOD']} {environ['RAW_URI']} {environ['SERVER_PROTOCOL']}"
    size = exchange._sent if exchange._sent else "-"
    access_log.info(
        '%s - - [%s] "%s" %d %s',
        environ.get("REMOTE_ADDR") or "-",
        when,
        request_line.replace('"', '\\"'),
        exchange._code,
        size,
    )
