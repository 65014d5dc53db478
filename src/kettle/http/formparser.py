"""Request bodies: the limited input stream, FileStorage, and form parsing.

Owns turning ``wsgi.input`` into ``(stream, form, files)``: urlencoded bodies into a
MultiDict, ``multipart/form-data`` streamed through python-multipart's MultipartParser into
fields and ``FileStorage`` uploads spooled to temporary files.

Rules:
- Never read past Content-Length; without a length (and without
  ``wsgi.input_terminated``) the body is empty, as PEP 3333 requires.
- Limits raise ``ContentTooLargeError`` (the web layer answers 413): ``max_content_length``
  before reading anything, ``max_form_memory_size`` for each non-file multipart field
  (not for urlencoded bodies, as in Werkzeug and Flask), ``max_form_parts`` for the
  number of multipart parts.
- A malformed body raises ``FormParseError`` (the Request turns it into an empty form,
  as Werkzeug does in its default silent mode).
- Uploads live in ``SpooledTemporaryFile`` objects that move to disk above 500 KiB.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from typing import IO, Any

from .headers import Headers
from .multidict import MultiDict
from .options import parse_options_header
from .urls import iter_query_pairs

SPOOL_SIZE = 500 * 1024
_CHUNK = 64 * 1024


class ContentTooLargeError(Exception):
    """The body or one of its parts is over a configured limit (HTTP 413)."""


class FormParseError(ValueError):
    """The body does not follow its declared form encoding."""


class LimitedStream(io.RawIOBase):
    """A read-only stream over ``wsgi.input`` that stops after ``limit`` bytes.

    With ``too_large`` set, the limit is a maximum rather than the body's known length:
    reading past it raises ``too_large`` instead of pretending the body ended.
    """

    def __init__(
        self, stream: Any, limit: int | None, too_large: type[Exception] | None = None
    ) -> None:
        self._stream = stream
        self.limit = limit
        self._pos = 0
        self._too_large = too_large

    def _at_limit(self) -> bytes:
        if self._too_large is not None and self._stream.read(1):
            raise self._too_large("The request body is larger than the configured limit.")
        return b""

    def readable(self) -> bool:
        return True

    @property
    def is_exhausted(self) -> bool:
        return self.limit is not None and self._pos >= self.limit

    def read(self, size: int | None = -1) -> bytes:
        if self.limit is not None:
            left = self.limit - self._pos
            if left <= 0:
                return self._at_limit()
            if size is None or size < 0:
                data: bytes = self._stream.read(left)
                self._pos += len(data)
                if self._pos >= self.limit:
                    self._at_limit()
                return data
            size = min(size, left)
        elif size is None or size < 0:
            size = -1
        data = self._stream.read(size) if size != -1 else self._stream.read()
        self._pos += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        return self.read(-1)

    def readline(self, size: int | None = -1) -> bytes:
        if self.limit is not None:
            left = self.limit - self._pos
            if left <= 0:
                return self._at_limit()
            size = left if size is None or size < 0 else min(size, left)
        data: bytes = self._stream.readline(size if size is not None else -1)
        self._pos += len(data)
        return data

    def tell(self) -> int:
        return self._pos


class FileStorage:
    """An uploaded file: ``filename``, ``name``, ``content_type``, ``stream``, ``save``."""

    def __init__(
        self,
        stream: IO[bytes] | None = None,
        filename: str | None = None,
        name: str | None = None,
        content_type: str | None = None,
        content_length: int | None = None,
        headers: Headers | None = None,
    ) -> None:
        self.name = name
        self.stream: IO[bytes] = stream if stream is not None else io.BytesIO()
        if filename is None:
            raw = getattr(stream, "name", None)
            if isinstance(raw, bytes):
                raw = raw.decode("utf-8", "replace")
            if isinstance(raw, str) and not (raw[:1] == "<" and raw[-1:] == ">"):
                filename = raw
        self.filename = filename
        self.headers = headers if headers is not None else Headers()
        if content_type is not None:
            self.headers["Content-Type"] = content_type
        if content_length is not None:
            self.headers["Content-Length"] = str(content_length)

    @property
    def content_type(self) -> str | None:
        value: str | None = self.headers.get("content-type")
        return value

    @property
    def content_length(self) -> int:
        value = self.headers.get("content-length", 0)
        try:
            return int(value)
        except ValueError:
            return 0

    @property
    def mimetype(self) -> str:
        return parse_options_header(self.content_type)[0].lower()

    @property
    def mimetype_params(self) -> dict[str, str]:
        return parse_options_header(self.content_type)[1]

    def save(self, dst: str | os.PathLike[str] | IO[bytes], buffer_size: int = 16384) -> None:
        """Copy the upload to a path or a writable binary file."""
        if isinstance(dst, str | os.PathLike):
            with open(dst, "wb") as target:
                shutil.copyfileobj(self.stream, target, buffer_size)
        else:
            shutil.copyfileobj(self.stream, dst, buffer_size)

    def close(self) -> None:
        try:
            self.stream.close()
        except Exception:
            pass

    def read(self, size: int = -1) -> bytes:
        return self.stream.read(size)

    def __getattr__(self, name: str) -> Any:
        if name == "stream":
            raise AttributeError(name)
        return getattr(self.stream, name)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.stream)

    def __bool__(self) -> bool:
        return bool(self.filename)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.filename!r} ({self.content_type!r})>"


def get_input_stream(
    environ: dict[str, Any],
    max_content_length: int | None = None,
    too_large: type[Exception] = ContentTooLargeError,
) -> IO[bytes]:
    """``wsgi.input`` limited to the declared Content-Length.

    Over ``max_content_length`` raises ``too_large``: at once when Content-Length says so,
    or while reading a body of unknown length (chunked, ``wsgi.input_terminated``).
    """
    stream = environ.get("wsgi.input")
    if stream is None:
        return io.BytesIO(b"")  # an environ without wsgi.input (a bare test dict) has no body
    length = get_content_length(environ)
    if length is not None:
        if max_content_length is not None and length > max_content_length:
            raise too_large("The request body is larger than the configured limit.")
        return LimitedStream(stream, length)  # type: ignore[return-value]
    if environ.get("wsgi.input_terminated"):
        return LimitedStream(stream, max_content_length, too_large)  # type: ignore[return-value]
    return LimitedStream(stream, 0)  # type: ignore[return-value]


def get_content_length(environ: dict[str, Any]) -> int | None:
    """The declared body length: None if absent or chunked, 0 if not a plain integer."""
    value = environ.get("CONTENT_LENGTH")
    if value is None or "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return None
    text = value.strip()
    digits = text[1:] if text[:1] == "-" else text
    if not digits.isdigit() or not digits.isascii():
        return 0
    return max(0, int(text))


def parse_urlencoded(stream: IO[bytes], max_form_memory_size: int | None) -> MultiDict:
    """Read an ``application/x-www-form-urlencoded`` body into a MultiDict."""
    if max_form_memory_size is None:
        body = stream.read()
    else:
        body = stream.read(max_form_memory_size + 1)
        if len(body) > max_form_memory_size:
            raise ContentTooLargeError("The form data is larger than the configured limit.")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        # As Werkzeug: raw bytes that are not UTF-8 make the body malformed (an empty
        # form for a request); a percent-escape that is not UTF-8 is kept as written.
        raise FormParseError("The urlencoded form body is not valid UTF-8.") from None
    return MultiDict(list(iter_query_pairs(text)))
