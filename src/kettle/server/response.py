"""The sans-IO response side: WSGI status and headers in, HTTP/1.1 bytes out.

Owns the serialization of response heads, chunked framing and the canned error responses.
Rules kept here:

- A header name must be an RFC 9110 token and a value may not contain CR, LF or NUL
  (RFC 9110 section 5.5); anything else raises ``ValueError`` so the driver answers 500
  instead of letting an application split the response.
- Names and values are str and are sent as latin-1 (PEP 3333).
- The head is built as one bytes object so the driver can send head and a small body in
  a single ``sendall``. Status lines are cached; so is the part of a head that depends
  only on the status and the header list (``response_start``), and the Date line, for
  the current second (``DATE_LINE``).
- ``Content-Length`` lines are kept by length (a bounded table, cleared when full).
- ``response_fields`` checks and encodes a header list once per distinct list: an app
  sends the same few header lists over and over, and a list equal to one already
  checked passes the same checks (``response_start`` does the same for a status and a
  header list together: one lookup per ``start_response``). Lists are compared by value
  (a ``tuple`` of the pairs); the table is cleared when full, so unique lists (cookies,
  ETags) cost one lookup more and no memory.
"""

from __future__ import annotations

import re
import time
from typing import Any, NamedTuple

from ..http.dates import format_http_date
from ..http.status import parse_status, reason_phrase

SERVER_SOFTWARE = "kettle"

# What the driver must know about a header an application sets.
PLAIN, CONTENT_LENGTH, CONNECTION, DATE, SERVER, TRANSFER_ENCODING = range(6)
_SPECIAL = {
    "content-length": CONTENT_LENGTH,
    "connection": CONNECTION,
    "date": DATE,
    "server": SERVER,
    "transfer-encoding": TRANSFER_ENCODING,
}
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_NAME_KINDS: dict[str, int] = {}
_STATUS_LINES: dict[str, tuple[bytes, int]] = {}
_CACHE_LIMIT = 512

# Statuses whose responses have no body (RFC 9110 sections 15.3.5 and 15.4.5).
NO_BODY_CODES = frozenset((204, 304))
SERVER_LINE = f"Server: {SERVER_SOFTWARE}\r\n".encode("ascii")


class DateLine:
    """The ``Date: <IMF-fixdate>\r\n`` line of the current second, for every response.

    A driver reads it inline, without a call: ``line`` is current while ``since <= now <
    until`` (``now`` a ``time.time()``; a clock set back leaves the second too), else it
    calls ``refresh``. Safe to share between threads: ``line`` is stored before the
    bounds, so a reader that sees a bound of the new second sees its line, and a racing
    refresh writes the same values twice.
    """

    __slots__ = ("line", "since", "until")

    def __init__(self) -> None:
        self.line = b""
        self.since = self.until = 0.0

    def refresh(self, now: float) -> bytes:
        """The line for ``now``, kept for the rest of its second."""
        second = int(now)
        self.line = f"Date: {format_http_date(second)}\r\n".encode("ascii")
        self.since = float(second)
        self.until = float(second + 1)
        return self.line

    def current(self) -> bytes:
        """The line for the current second."""
        now = time.time()
        return self.line if self.since <= now < self.until else self.refresh(now)


DATE_LINE = DateLine()


def header_kind(name: str) -> int:
    """Classify a response header name, validating it; cached per distinct name."""
    kind = _NAME_KINDS.get(name)
    if kind is not None:
        return kind
    if type(name) is not str or not _TOKEN.match(name):
        raise ValueError(f"invalid response header name {name!r}")
    kind = _SPECIAL.get(name.lower(), PLAIN)
    if len(_NAME_KINDS) < _CACHE_LIMIT:
        _NAME_KINDS[name] = kind
    return kind


def status_line(status: str) -> tuple[bytes, int]:
    """Return ``(b"HTTP/1.1 200 OK\\r\\n", 200)`` for a WSGI status string, validated."""
    cached = _STATUS_LINES.get(status)
    if cached is not None:
        return cached
    code = parse_status(status)
    try:
        line = f"HTTP/1.1 {status}\r\n".encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(f"status is not latin-1: {status!r}")
    result = (line, code)
    if len(_STATUS_LINES) < _CACHE_LIMIT:
        _STATUS_LINES[status] = result
    return result


def encode_fields(fields: list[str], count: int) -> bytes:
    """Join ``"Name: value\\r\\n"`` strings (``count`` of them) into latin-1 bytes.

    One CR and one LF per line is the whole budget: any extra means a value smuggled a
    line break into the head (response splitting), which is refused.
    """
    block = "".join(fields)
    if block.count("\n") != count or block.count("\r") != count or "\0" in block:
        raise ValueError("a response header value contains CR, LF or NUL")
    try:
        return block.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError("a response header is not latin-1")


class ResponseFields(NamedTuple):
    """What a driver needs of an app's header list: the encoded field lines and the
    fields it must act on (``length`` is the Content-Length, or None)."""

    block: bytes
    length: int | None
    has_date: bool
    has_server: bool
    close: bool


_FIELDS: dict[tuple[Any, ...], ResponseFields] = {}
_FIELDS_CACHE_LIMIT = 256
_CACHED_FIELDS_SIZE = 2048


def response_fields(headers: list[tuple[str, str]]) -> ResponseFields:
    """Check and encode a WSGI header list (a ``list`` of ``(name, value)`` str pairs).

    The Connection field is dropped (the driver writes its own); ``close`` says whether
    it asked to close. Raises ``TypeError``/``ValueError`` for anything PEP 3333 or RFC
    9110 forbids, including Transfer-Encoding (the server owns the framing).
    """
    if type(headers) is not list:
        raise TypeError(f"response headers must be a list, got {type(headers).__name__}")
    try:
        key = tuple(headers)
        fields = _FIELDS.get(key)
    except TypeError:  # an unhashable item: the full check below says what is wrong
        key = None
        fields = None
    if fields is not None:
        return fields
    fields = _encode_headers(headers)
    if key is not None and len(fields.block) <= _CACHED_FIELDS_SIZE:
        if len(_FIELDS) >= _FIELDS_CACHE_LIMIT:
            _FIELDS.clear()
        _FIELDS[key] = fields
    return fields


# What ``response_start`` returns: the status line, the status code, the fields of
# ``ResponseFields`` in their order, the head up to its Date line (the status line, the
# fields and, unless the app set its own, the Server line), then whether a body of the
# given Content-Length is all such a response needs around that head: a Date line and
# the blank line (a status with a body, a Content-Length, no Date or Connection field
# of the app's; ``Exchange.send_parts``).
ResponseStart = tuple[bytes, int, bytes, int | None, bool, bool, bool, bytes, bool]
STARTS: dict[tuple[Any, ...], ResponseStart] = {}


def response_start(status: str, headers: list[tuple[str, str]]) -> ResponseStart:
    """``status_line(status)`` and ``response_fields(headers)`` in one tuple, looked up
    once per distinct pair (a ``start_response`` call costs one lookup); raises as they
    do, the status checked first."""
    if type(headers) is list:  # (an equal tuple is no list: it must be refused)
        try:
            start = STARTS.get((status, tuple(headers)))
        except TypeError:  # not hashable pairs: the checks say what is wrong
            start = None
        if start is not None:
            return start
    line, code = status_line(status)
    fields = response_fields(headers)  # a list of str pairs from here on
    server = b"" if fields.has_server else SERVER_LINE
    whole = (
        code >= 200
        and code not in NO_BODY_CODES
        and fields.length is not None
        and not (fields.has_date or fields.close)
    )
    start = (line, code, *fields, line + fields.block + server, whole)
    if len(fields.block) <= _CACHED_FIELDS_SIZE:
        if len(STARTS) >= _FIELDS_CACHE_LIMIT:
            STARTS.clear()
        STARTS[(status, tuple(headers))] = start
    return start


def _encode_headers(headers: list[tuple[str, str]]) -> ResponseFields:
    lines: list[str] = []
    length: int | None = None
    has_date = has_server = close = False
    for name, value in headers:
        kind = header_kind(name)
        if type(value) is not str:
            raise TypeError(f"value of response header {name!r} must be str")
        if kind:
            if kind == CONTENT_LENGTH:
                if not value.isdigit() or not value.isascii():
                    raise ValueError(f"invalid Content-Length {value!r}")
                length = int(value)
            elif kind == CONNECTION:
                if "close" in value.lower():
                    close = True
                continue  # the server writes its own Connection field
            elif kind == DATE:
                has_date = True
            elif kind == SERVER:
                has_server = True
            elif kind == TRANSFER_ENCODING:
                raise ValueError("a WSGI application may not set Transfer-Encoding")
        lines.append(f"{name}: {value}\r\n")
    return ResponseFields(encode_fields(lines, len(lines)), length, has_date, has_server, close)


# ``Content-Length`` lines by length: looking one up costs less than formatting it, and an
# app sends the same few lengths over and over. Cleared when full.
LENGTH_LINES: dict[int, bytes] = {}
_LENGTH_LINES_LIMIT = 1024


def length_line(length: int) -> bytes:
    """``b"Content-Length: <length>\\r\\n"``, remembered in ``LENGTH_LINES``."""
    line = b"Content-Length: %d\r\n" % length
    if len(LENGTH_LINES) >= _LENGTH_LINES_LIMIT:
        LENGTH_LINES.clear()
    LENGTH_LINES[length] = line
    return line


def chunk(data: bytes) -> bytes:
    """Frame ``data`` as one chunk of a chunked response (RFC 9112 section 7.1)."""
    return b"%x\r\n%s\r\n" % (len(data), data)


LAST_CHUNK = b"0\r\n\r\n"
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def error_response(status: int, detail: str = "", *, close: bool = True) -> bytes:
    """A complete plain-text response for a status the server produces itself."""
    reason = reason_phrase(status)
    body = f"{status} {reason}\n{detail}\n".encode() if detail else f"{status} {reason}\n".encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n" + ("Connection: close\r\n" if close else "")
    ).encode("ascii")
    return head + SERVER_LINE + DATE_LINE.current() + b"\r\n" + body
