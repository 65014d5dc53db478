"""A sans-IO ``multipart/form-data`` decoder and encoder with events (RFC 7578, RFC 2046 5.1).

Owns ``MultipartDecoder`` (bytes in via ``receive_data``, events out via ``next_event``)
and ``MultipartEncoder`` (events in, bytes out), with the event types ``Preamble``,
``Field``, ``File``, ``Data``, ``Epilogue`` and ``NeedData``: the API of
``werkzeug.sansio.multipart``. Kettle's own form parsing streams through
``kettle.http.multipart``; this module serves code written against Werkzeug's events.

Rules:
- No I/O, threads or clocks: the caller feeds bytes and ``None`` at the end of the body.
- A delimiter is a line break, ``--`` and the boundary, then optional spaces and a line
  break, or ``--`` for the last one. The line break that ends a part's headers is left in
  front of its data, so an empty part is still followed by a complete delimiter.
- Data that might be the start of a delimiter (from the last CR/LF on, if the rest is
  short enough to be one) is held back until more bytes arrive; everything else is
  handed out at once as ``Data(more_data=True)``.
- A malformed body raises ``ValueError``; more than ``max_form_memory_size`` bytes held at
  once, or more than ``max_parts`` parts, raises ``ContentTooLargeError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum, auto

from .formparser import ContentTooLargeError
from .headers import Headers
from .options import parse_options_header

_LINE_BREAK = rb"(?:\r\n|\n|\r)"
_LINE_BREAK_RE = re.compile(_LINE_BREAK)
_BLANK_LINE_RE = re.compile(rb"(?:\r\n\r\n|\r\r|\n\n)")
_FOLDED_LINE_RE = re.compile(_LINE_BREAK + rb"[ \t]+")
# How far back a search restarts, so a target split across two chunks is still found.
_SEARCH_MARGIN = 8


class Event:
    """Base class of the decoder's and encoder's events."""


@dataclass(frozen=True)
class Preamble(Event):
    data: bytes


@dataclass(frozen=True)
class Field(Event):
    name: str
    headers: Headers


@dataclass(frozen=True)
class File(Event):
    name: str
    filename: str
    headers: Headers


@dataclass(frozen=True)
class Data(Event):
    data: bytes
    more_data: bool


@dataclass(frozen=True)
class Epilogue(Event):
    data: bytes


class NeedData(Event):
    """More bytes (or the end of the body) are needed before the next event."""


NEED_DATA = NeedData()


class State(Enum):
    PREAMBLE = auto()
    PART = auto()
    DATA = auto()
    DATA_START = auto()
    EPILOGUE = auto()
    COMPLETE = auto()


def _headers(block: bytes) -> Headers:
    """A part's header block as Headers; folded lines are joined first."""
    pairs = []
    for line in _FOLDED_LINE_RE.sub(b" ", block).splitlines():
        line = line.strip()
        if line:
            name, _, value = line.decode().partition(":")
            pairs.append((name.strip(), value.strip()))
    return Headers(pairs)


def _last_line_break(data: bytes | bytearray) -> int:
    """Index of the earlier of the last CR and the last LF (``len(data)`` if neither)."""
    found = [index for index in (data.rfind(b"\n"), data.rfind(b"\r")) if index >= 0]
    return min(found) if found else len(data)


class MultipartDecoder:
    """Turns the bytes of a multipart body into events."""

    def __init__(
        self,
        boundary: bytes,
        max_form_memory_size: int | None = None,
        *,
        max_parts: int | None = None,
    ) -> None:
        self.buffer = bytearray()
        self.complete = False
        self.max_form_memory_size = max_form_memory_size
        self.max_parts = max_parts
        self.state = State.PREAMBLE
        self.boundary = boundary
        self._parts = 0
        self._search_from = 0
        tail = rb"(--[ \t]*" + _LINE_BREAK + rb"?|[ \t]*" + _LINE_BREAK + rb")"
        delimiter = rb"--" + re.escape(boundary) + tail
        self.preamble_re = re.compile(_LINE_BREAK + rb"?" + delimiter, re.MULTILINE)
        self.boundary_re = re.compile(_LINE_BREAK + delimiter, re.MULTILINE)

    def last_newline(self, data: bytes | bytearray) -> int:
        return _last_line_break(data)

    def receive_data(self, data: bytes | None) -> None:
        """Feed the next bytes of the body; ``None`` marks its end."""
        if data is None:
            self.complete = True
            return
        limit = self.max_form_memory_size
        if limit is not None and len(self.buffer) + len(data) > limit:
            raise ContentTooLargeError("The multipart data is larger than the configured limit.")
        self.buffer.extend(data)

    def next_event(self) -> Event:
        """The next event, or ``NEED_DATA`` until enough bytes were received."""
        event: Event = NEED_DATA
        if self.state == State.PREAMBLE:
            event = self._preamble()
        elif self.state == State.PART:
            event = self._part_headers()
        elif self.state in (State.DATA, State.DATA_START):
            event = self._data()
        elif self.state == State.EPILOGUE and self.complete:
            event = Epilogue(bytes(self.buffer))
            del self.buffer[:]
            self.state = State.COMPLETE
        if self.complete and event is NEED_DATA:
            raise ValueError(f"Invalid form-data: the body ended in state {self.state.name}")
        return event

    def _cut_at_cr(self, end: int) -> bool:
        """Whether a delimiter match ends on a CR at the end of the buffer: its LF may be
        in the next chunk, so wait for it (or for the end of the body)."""
        return end == len(self.buffer) and self.buffer.endswith(b"\r") and not self.complete

    def _after_delimiter(self, tail: bytes) -> None:
        self.state = State.EPILOGUE if tail.startswith(b"--") else State.PART

    def _preamble(self) -> Event:
        match = self.preamble_re.search(self.buffer, self._search_from)
        if match is not None and self._cut_at_cr(match.end()):
            return NEED_DATA
        if match is None:
            self._search_from = max(0, len(self.buffer) - len(self.boundary) - _SEARCH_MARGIN)
            return NEED_DATA
        self._after_delimiter(match.group(1))
        data = bytes(self.buffer[: match.start()])
        del self.buffer[: match.end()]
        self._search_from = 0
        return Preamble(data)

    def _part_headers(self) -> Event:
        match = _BLANK_LINE_RE.search(self.buffer, self._search_from)
        if match is None:
            self._search_from = max(0, len(self.buffer) - _SEARCH_MARGIN)
            return NEED_DATA
        headers = _headers(bytes(self.buffer[: match.start()]))
        # Keep the second half of the blank line: it starts the data (see Rules).
        del self.buffer[: (match.start() + match.end()) // 2]
        if "content-disposition" not in headers:
            raise ValueError("Missing Content-Disposition header")
        _kind, options = parse_options_header(headers["content-disposition"])
        name = options.get("name", "")
        filename = options.get("filename")
        self.state = State.DATA_START
        self._search_from = 0
        self._parts += 1
        if self.max_parts is not None and self._parts > self.max_parts:
            raise ContentTooLargeError("The form has more parts than the configured limit.")
        if filename is not None:
            return File(name=name, filename=filename, headers=headers)
        return Field(name=name, headers=headers)

    def _data(self) -> Event:
        start = 0
        if self.state == State.DATA_START:
            leading = _LINE_BREAK_RE.match(self.buffer)
            start = leading.end() if leading is not None else 0
            if (b"--" + self.boundary).startswith(self.buffer[start:]) and not self.complete:
                return NEED_DATA  # the leading line break may begin the part's delimiter
            self.state = State.DATA
        seen = self.buffer.find(b"--" + self.boundary) != -1
        match = self.boundary_re.search(self.buffer) if seen else None
        if match is not None and self._cut_at_cr(match.end()):
            return NEED_DATA
        if match is not None:
            self._after_delimiter(match.group(1))
            data = bytes(self.buffer[start : match.start()])
            del self.buffer[: match.end()]
            return Data(data=data, more_data=False)
        end = start + _last_line_break(self.buffer[start:])
        if not seen and len(self.buffer) - end > len(b"\n--" + self.boundary):
            end = len(self.buffer)  # too long after the last line break to be a delimiter
        data = bytes(self.buffer[start:end])
        del self.buffer[:end]
        return Data(data=data, more_data=True) if data else NEED_DATA


class MultipartEncoder:
    """Turns events into the bytes of a multipart body."""

    def __init__(self, boundary: bytes) -> None:
        self.boundary = boundary
        self.state = State.PREAMBLE

    def send_event(self, event: Event) -> bytes:
        if isinstance(event, Preamble) and self.state == State.PREAMBLE:
            self.state = State.PART
            return event.data
        if isinstance(event, Field | File) and self.state in (
            State.PREAMBLE,
            State.PART,
            State.DATA,
        ):
            head = f'Content-Disposition: form-data; name="{event.name}"'
            if isinstance(event, File):
                head += f'; filename="{event.filename}"'
            lines = [head]
            lines += [
                f"{k}: {v}" for k, v in event.headers.items() if k.lower() != "content-disposition"
            ]
            self.state = State.DATA_START
            return (
                b"\r\n--"
                + self.boundary
                + b"\r\n"
                + "".join(f"{line}\r\n" for line in lines).encode()
            )
        if isinstance(event, Data) and self.state == State.DATA_START:
            self.state = State.DATA
            return b"\r\n" + event.data if event.data else b""
        if isinstance(event, Data) and self.state == State.DATA:
            return event.data
        if isinstance(event, Epilogue):
            self.state = State.COMPLETE
            return b"\r\n--" + self.boundary + b"--\r\n" + event.data
        raise ValueError(f"Cannot generate {event} in state: {self.state}")
