"""The sans-IO HTTP/1.1 request side of one connection: bytes in, events out.

Owns request parsing (delegated to httptools, i.e. llhttp, in strict mode) and every rule
about what a request may look like: size limits, the request-smuggling rules of RFC 9112
sections 5 and 6.3, supported versions and transfer codings. It never touches a socket,
a thread or a clock; the driver feeds it bytes with ``feed`` and pops events with
``next_event`` (or from the ``events`` queue itself, on its per-request path).

Events, in order for each request: one ``Request``, zero or more ``Data`` (decoded body
bytes), one ``END_OF_MESSAGE``. A ``ProtocolError`` is always the last event: the driver
answers it with its status and closes the connection. After a request that llhttp treats
as an upgrade (``Upgrade`` with ``Connection: upgrade``, or ``CONNECT``) parsing stops and
every later byte is kept in ``leftover`` for whoever takes the connection over.

A keep-alive client often sends the same request again, byte for byte (a poller, a health
check, a load generator). When one read held exactly one whole request without a body
and left the parser where it began, the reader remembers those bytes; a later read equal
to them, arriving while the parser is again at that point, gives the same events without
being parsed again: the same ``Request`` (an immutable tuple; its header list is never
changed after parsing) and ``END_OF_MESSAGE``. llhttp is a state machine and its callbacks
here depend only on the bytes and the reader's state, which is the same both times, so
the events are the ones parsing would give; any other read is parsed and forgets them.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from typing import NamedTuple

import httptools

from ..http.status import reason_phrase

# A request line: a method token (RFC 9110 section 9.1), a target of visible characters,
# an HTTP/1.x version (RFC 9112 section 3).
_REQUEST_LINE = re.compile(rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]{1,32}) [!-~]+ HTTP/1\.[01]\r?\n")

# The header names the core inspects, by kind; every other name is kind 0. A request's
# names are looked up as sent (a client spells them the same way every time), so the
# per-request cost is one dict lookup per field, not a ``lower()`` and four compares.
_HOST, _CONTENT_LENGTH, _TRANSFER_ENCODING, _EXPECT = 1, 2, 3, 4
_INSPECTED = {
    b"host": _HOST,
    b"content-length": _CONTENT_LENGTH,
    b"transfer-encoding": _TRANSFER_ENCODING,
    b"expect": _EXPECT,
}
_NAME_KINDS: dict[bytes, int] = {}
_NAME_CACHE_LIMIT = 1024
# Methods as str, by their bytes (llhttp only reports methods it knows).
_METHODS: dict[bytes, str] = {}


def name_kind(name: bytes) -> int:
    """Which inspected header ``name`` is (0: none), case-insensitively; cached."""
    kind = _NAME_KINDS.get(name)
    if kind is None:
        kind = _INSPECTED.get(name.lower(), 0)
        if len(_NAME_KINDS) < _NAME_CACHE_LIMIT:
            _NAME_KINDS[name] = kind
    return kind


@dataclass(frozen=True, slots=True)
class Limits:
    """Size limits for requests; ``max_body_size=None`` means unlimited."""

    max_request_line: int = 8190
    max_header_bytes: int = 65536
    max_headers: int = 100
    max_body_size: int | None = 1 << 30
    max_header_field: int = 8190

    def __post_init__(self) -> None:
        for name in ("max_request_line", "max_header_bytes", "max_headers", "max_header_field"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        body = self.max_body_size
        if body is not None and (not isinstance(body, int) or body < 0):
            raise ValueError(f"max_body_size must be None or an int >= 0, got {body!r}")


class Request(NamedTuple):
    """A request head. ``target`` is the raw request-target; header names keep their case.

    A named tuple rather than a frozen dataclass: immutable all the same, and built
    several times faster, once for every request."""

    method: str
    target: bytes
    http_version: str
    headers: list[tuple[bytes, bytes]]
    keep_alive: bool
    upgrade: bool
    expect_continue: bool
    content_length: int | None
    chunked: bool
    #: True when the request keeps the connection, asks for no upgrade and announces no
    #: body (the usual request), as the reader found; a driver may then skip reading the
    #: fields that say so. False says nothing: the other fields decide.
    bodyless: bool = False

    @property
    def has_body(self) -> bool:
        return self.chunked or bool(self.content_length)


@dataclass(frozen=True, slots=True)
class Data:
    """A piece of the decoded request body."""

    data: bytes


@dataclass(frozen=True, slots=True)
class EndOfMessage:
    """The current request is complete (body included)."""


@dataclass(frozen=True, slots=True)
class ProtocolError:
    """The request cannot be served; answer with ``status`` and close the connection."""

    status: int
    detail: str

    @property
    def reason(self) -> str:
        return reason_phrase(self.status)


END_OF_MESSAGE = EndOfMessage()
_new_tuple = tuple.__new__
Event = Request | Data | EndOfMessage | ProtocolError


class _Reject(Exception):
    """Raised inside a parser callback to stop parsing with a given status."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


# The largest read remembered for a repeat (a typical request head is well under this).
REPEAT_LIMIT = 8192

# The longest run of chunked framing without progress: a chunk-size line with its
# extensions (RFC 9112 section 7.1.1), or one trailer field. Nothing legitimate comes near.
MAX_CHUNK_LINE = 4096


class RequestReader:
    """Parses the requests of one connection. Not thread-safe: one owner at a time.

    Chunked framing is bounded at linear cost: httptools joins the pieces of a field or a
    chunk-size line that arrives over many reads, so a line that never ends would cost
    quadratic time. Every parser callback inside a body counts as progress; the bytes
    fed since the last progress are summed, and past the limit (``MAX_CHUNK_LINE`` for a
    chunk-size line, ``max_header_field`` for a trailer field) the request is refused
    after at most one more read.
    """

    __slots__ = (
        "_body_seen",
        "_bodyless",
        "_chunked",
        "_fast_bytes",
        "_fast_limit",
        "_head_bytes",
        "_headers",
        "_limits",
        "_max_field",
        "_max_header_bytes",
        "_max_headers",
        "_max_line",
        "_parser",
        "_pending",
        "_progress",
        "_rejected",
        "_repeat",
        "_stalled",
        "_trailer",
        "_url",
        "_url_size",
        "current",
        "events",
        "failed",
        "head_started",
        "in_body",
        "leftover",
        "upgraded",
    )

    def __init__(self, limits: Limits | None = None) -> None:
        self._limits = limits = limits or Limits()
        # The limits a field past the fast budget is checked against, kept as plain ints.
        self._max_field = limits.max_header_field
        self._max_header_bytes = limits.max_header_bytes
        self._max_headers = limits.max_headers
        self._max_line = limits.max_request_line
        # While a head's fields total at most this, none of them can break a size limit:
        # on_header only appends them (the count is checked when the head is complete, or
        # at the end of the read that left it incomplete). -1 after a head: every trailer
        # field takes the checked path.
        self._fast_limit = min(limits.max_header_field + 2, limits.max_header_bytes)
        self._fast_bytes = self._fast_limit
        self._parser = httptools.HttpRequestParser(self)
        #: The events not yet taken, oldest first. ``next_event`` and ``peek`` read it;
        #: a driver on its per-request path may ``popleft`` it (or look at ``[0]``)
        #: itself, saving a call per event: the reader never replaces this deque.
        self.events: deque[Event] = deque()
        self._headers: list[tuple[bytes, bytes]] = []
        self._url: list[bytes] = []
        self._url_size = 0
        self._head_bytes = 0
        self._pending = 0
        self._body_seen = 0
        #: True while the body of ``current`` is still arriving (a plain attribute: the
        #: driver reads it on every request).
        self.in_body = False
        self._chunked = False
        self._trailer = False
        self._progress = 0
        self._stalled = 0
        self._rejected: _Reject | None = None
        # The bytes of the last read when it was one whole bodyless request (see the
        # module docstring), else None.
        self._repeat: bytes | None = None
        # Whether the last complete head keeps the connection, asks for no upgrade or
        # 100 Continue and announces no body: one whole read of it may be remembered.
        self._bodyless = False
        #: The last request head parsed (its body may still be arriving).
        self.current: Request | None = None
        #: True once a request's first byte arrived and its head is not yet complete.
        self.head_started = False
        #: True after a ProtocolError event: the connection must be closed.
        self.failed = False
        #: True after an upgrade request; ``leftover`` holds the bytes that followed it.
        self.upgraded = False
        self.leftover = b""

    # -- driver API ---------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Parse ``data``; an empty ``data`` means the peer closed its side."""
        if self.failed:
            return
        if self.upgraded:
            self.leftover += data
            return
        events = self.events
        if data == self._repeat and not events and not self.head_started and not self.in_body:
            # The previous read again, with the parser where that read left it: the
            # callbacks would run as they did then.
            self._progress += 2
            events.append(self.current)  # type: ignore[arg-type]  # set by that read
            events.append(END_OF_MESSAGE)
            return
        self._repeat = None
        if not data:
            if self.head_started or self.in_body:
                self._fail(400, "connection closed in the middle of a request")
            return
        started_before = self.head_started
        queued_before = len(events)
        progress_before = self._progress
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade as exc:
            self.upgraded = True
            self.leftover = data[exc.args[0] :]
        except httptools.HttpParserError as exc:
            # The failing request begins at data[0] when nothing of it came before and no
            # other request was read from this chunk first.
            fresh = not started_before and len(self.events) == queued_before
            self._parse_failed(exc, data if fresh else b"")
            return
        if (
            len(events) == 2
            and self._bodyless
            and not (queued_before or started_before or self.head_started)
            and len(data) <= REPEAT_LIMIT
        ):
            # This read was one whole request (its two events) that keeps the connection
            # and has no body (``_bodyless``), and no next request began in it.
            self._repeat = data
        if self.head_started:
            # A head is still incomplete: bound the bytes buffered for it. The chunk in
            # which the head began is counted only if the head began before it, so the
            # memory held is at most the limit plus one chunk.
            if started_before:
                self._pending += len(data)
            if len(self._headers) > self._max_headers:
                self._fail(431, "too many header fields")
                return
            limit = self._limits.max_header_bytes + self._limits.max_request_line
            if self._pending > limit:
                status = 431 if self._url_size else 414
                self._fail(status, "request head too large")
        elif self._chunked and self.in_body:
            self._check_framing(len(data), progress_before)

    def _check_framing(self, size: int, progress_before: int) -> None:
        if self._progress != progress_before:
            self._stalled = 0
            return
        self._stalled += size
        if self._trailer:
            if self._stalled > self._limits.max_header_field:
                self._fail(431, "trailer field too large")
        elif self._stalled > MAX_CHUNK_LINE:
            self._fail(400, "chunk-size line or chunk extensions too long")

    def peek(self) -> Event | None:
        """The next event without removing it."""
        events = self.events
        return events[0] if events else None

    def drop_finished_body(self) -> int:
        """Drop the body events queued ahead of the next request or error (the rest of a
        body the application left unread); returns the number of body bytes dropped."""
        events = self.events
        dropped = 0
        while events:
            event = events[0]
            if type(event) is Data:
                dropped += len(event.data)
            elif event is not END_OF_MESSAGE:
                break
            events.popleft()
        return dropped

    def skip_to_error(self) -> None:
        """Drop every event ahead of the final ProtocolError."""
        events = self.events
        while events and type(events[0]) is not ProtocolError:
            events.popleft()

    @property
    def body_seen(self) -> int:
        """Body bytes parsed so far for the request in ``current``."""
        return self._body_seen

    def next_event(self) -> Event | None:
        """Pop the next event, or return ``None`` when more bytes are needed."""
        events = self.events
        return events.popleft() if events else None

    def has_events(self) -> bool:
        return bool(self.events)

    def queued_body(self) -> tuple[bytes, bool]:
        """Remove and return the queued body bytes of the current request.

        The flag is False when events of a following request are queued behind them (the
        driver then cannot hand the raw connection over without losing those requests).
        """
        pieces: list[bytes] = []
        events = self.events
        while events and isinstance(events[0], Data):
            pieces.append(events.popleft().data)  # type: ignore[union-attr]  # checked above
        if events and events[0] is END_OF_MESSAGE:
            events.popleft()
        return b"".join(pieces), not events

    # -- errors -------------------------------------------------------------------------

    def _fail(self, status: int, detail: str) -> None:
        self.failed = True
        self.head_started = False
        self.events.append(ProtocolError(status, detail))

    def _parse_failed(self, exc: Exception, head: bytes) -> None:
        """Turn a parse error into a ProtocolError; ``head`` is the failing request's
        first bytes when known (else empty)."""
        rejected = self._rejected
        if rejected is not None:
            self._fail(rejected.status, rejected.detail)
            return
        message = str(exc)
        if message == "Pause on PRI/Upgrade":
            # RFC 9113 section 3.4: the HTTP/2 connection preface on an HTTP/1.1 port.
            self._fail(400, "HTTP/2 connection preface on an HTTP/1.1 connection")
        elif isinstance(exc, httptools.HttpParserInvalidMethodError) and not self._url:
            line = _REQUEST_LINE.match(head)
            if line is not None:
                # A well-formed request line whose method is not one llhttp knows:
                # RFC 9110 section 15.6.2, the method is not implemented.
                method = line.group(1).decode("ascii")
                self._fail(501, f"method {method} is not implemented")
            else:
                self._fail(
                    400, "unknown or malformed method (TLS or binary data on a plain port?)"
                )
        else:
            self._fail(400, message or "malformed request")

    # -- httptools callbacks ------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.head_started = True
        self._pending = 0
        self._head_bytes = 0
        self._fast_bytes = self._fast_limit
        self._url = []
        self._url_size = 0
        self._headers = []

    def on_url(self, piece: bytes) -> None:
        self._url.append(piece)
        self._url_size += len(piece)
        if self._url_size > self._max_line:
            self._rejected = _Reject(414, "request-target too long")
            raise self._rejected

    def on_header(self, name: bytes, value: bytes) -> None:
        total = self._head_bytes + len(name) + len(value) + 4  # "name: value" CRLF
        self._head_bytes = total
        if total <= self._fast_bytes:
            self._headers.append((name, value))
        else:
            self._checked_field(name, value)

    def _checked_field(self, name: bytes, value: bytes) -> None:
        """A field past the fast budget, or a trailer field: every limit checked."""
        size = len(name) + len(value) + 2  # the field line "name: value"
        if size > self._max_field or self._head_bytes > self._max_header_bytes or self.in_body:
            self._unusual_field(name, value, size)
            return
        headers = self._headers
        headers.append((name, value))
        if len(headers) > self._max_headers:
            self._rejected = _Reject(431, "too many header fields")
            raise self._rejected

    def _unusual_field(self, name: bytes, value: bytes, size: int) -> None:
        """A field over a limit, or a trailer field: the checks in their order."""
        if size > self._max_field:
            what = "trailer" if self.in_body else "header"
            self._rejected = _Reject(431, f"{what} field too large")
            raise self._rejected
        if self.in_body:
            # A trailer field (RFC 9112 section 7.1.2): counted against the limits, dropped.
            self._progress += 1
            if self._head_bytes > self._max_header_bytes:
                self._rejected = _Reject(431, "trailer section too large")
                raise self._rejected
            return
        headers = self._headers
        headers.append((name, value))
        if len(headers) > self._max_headers:
            self._rejected = _Reject(431, "too many header fields")
            raise self._rejected
        self._rejected = _Reject(431, "header section too large")
        raise self._rejected

    def on_headers_complete(self) -> None:
        headers = self._headers
        if len(headers) > self._max_headers:
            self._rejected = _Reject(431, "too many header fields")
            raise self._rejected
        self._fast_bytes = -1  # trailer fields are checked one by one
        parser = self._parser
        version = parser.get_http_version()
        if version != "1.1" and version != "1.0":
            self._rejected = _Reject(505, f"HTTP/{version} is not supported")
            raise self._rejected
        hosts = 0
        content_length: int | None = None
        chunked = False
        expect_continue = False
        kinds = _NAME_KINDS
        for name, value in headers:
            kind = kinds.get(name)
            if kind is None:
                kind = name_kind(name)
            if not kind:
                continue
            if kind == _HOST:
                hosts += 1
            elif kind == _CONTENT_LENGTH:
                content_length = int(value)  # llhttp checked: digits only, one field
            elif kind == _TRANSFER_ENCODING:
                chunked = self._check_transfer_coding(value)
            else:
                # RFC 9110 section 10.1.1: only an HTTP/1.1 client waits for 100 Continue.
                expect_continue = version == "1.1" and value.strip().lower() == b"100-continue"
        if chunked and version == "1.0":
            # RFC 9112 section 6.1: a server MUST treat chunked framing received in an
            # HTTP/1.0 message as faulty; refusing it leaves no room for smuggling.
            self._rejected = _Reject(400, "Transfer-Encoding in an HTTP/1.0 request")
            raise self._rejected
        if hosts > 1 or (hosts == 0 and version == "1.1"):
            # RFC 9112 section 3.2: exactly one Host field in an HTTP/1.1 request.
            self._rejected = _Reject(400, "an HTTP/1.1 request needs exactly one Host field")
            raise self._rejected
        limit = self._limits.max_body_size
        if limit is not None and content_length is not None and content_length > limit:
            self._rejected = _Reject(413, "request body larger than the limit")
            raise self._rejected
        url = self._url
        target = url[0] if len(url) == 1 else b"".join(url)
        self.head_started = False
        self.in_body = True
        self._progress += 1
        self._chunked = chunked
        self._trailer = False
        self._stalled = 0
        self._body_seen = 0
        self._head_bytes = 0
        raw_method = parser.get_method()
        method = _METHODS.get(raw_method)
        if method is None:
            method = _METHODS[raw_method] = raw_method.decode("ascii")
        keep_alive = parser.should_keep_alive()
        upgrade = parser.should_upgrade()
        bodyless = keep_alive and not (upgrade or chunked or content_length)
        self._bodyless = bodyless and not expect_continue
        # tuple.__new__ directly: the named tuple's own __new__ is one more Python call.
        request: Request = _new_tuple(
            Request,
            (
                method,
                target,
                version,
                headers,
                keep_alive,
                upgrade,
                expect_continue,
                content_length,
                chunked,
                bodyless,
            ),
        )
        self.current = request
        self.events.append(request)

    def _check_transfer_coding(self, value: bytes) -> bool:
        # RFC 9112 section 6.1: chunked is the only transfer coding this server decodes;
        # a coding it does not understand gets 501. (llhttp already rejects a request
        # whose final coding is not chunked, and Content-Length next to it: section 6.3.)
        if value.strip().lower() != b"chunked":
            self._rejected = _Reject(501, "unsupported Transfer-Encoding")
            raise self._rejected
        return True

    def on_body(self, data: bytes) -> None:
        self._progress += 1
        self._trailer = False
        self._body_seen += len(data)
        limit = self._limits.max_body_size
        if limit is not None and self._body_seen > limit:
            self._rejected = _Reject(413, "request body larger than the limit")
            raise self._rejected
        self.events.append(Data(data))

    def on_chunk_header(self) -> None:
        # Until body bytes follow, what comes next is the trailer section of the last
        # (zero-size) chunk; a data chunk's bytes always arrive with progress (on_body).
        self._progress += 1
        self._trailer = True

    def on_chunk_complete(self) -> None:
        self._progress += 1
        self._trailer = False

    def on_message_complete(self) -> None:
        self._progress += 1
        self.in_body = False
        self.events.append(END_OF_MESSAGE)
