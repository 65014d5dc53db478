"""Streaming ``multipart/form-data`` parsing on python-multipart, and the form entry point.

Owns ``parse_form_data``: the one function the Request calls to get ``(stream, form,
files)`` from a WSGI environ, and ``MultipartReader``, the callback target that turns
python-multipart's events into fields and ``FileStorage`` objects.

Rules: the body is read in 64 KiB chunks and never held whole; a part with a filename
(RFC 7578 section 4.2; its Content-Disposition must name the field, whatever its
type) becomes a FileStorage whose data goes to a spooled temp file, any
other part a text field decoded as UTF-8 (or its declared charset) and capped at
``max_form_memory_size``; more than ``max_form_parts`` parts is ``ContentTooLargeError``;
a body that ends before the closing boundary is ``FormParseError``. python-multipart's own
per-request warnings are silenced (see ``_quiet_parser_log``): each one is already a 400.
"""

from __future__ import annotations

import io
import logging
from tempfile import SpooledTemporaryFile
from typing import IO, Any, cast

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser

from .formparser import (
    _CHUNK,
    SPOOL_SIZE,
    ContentTooLargeError,
    FileStorage,
    FormParseError,
    get_input_stream,
    parse_urlencoded,
)
from .headers import Headers
from .multidict import MultiDict
from .options import parse_options_header


def _quiet_parser_log() -> None:
    # python-multipart logs a WARNING for every malformed body before raising; with no
    # logging configured, Python prints each to stderr, so hostile clients could flood the
    # log. Kettle turns the error into FormParseError (a 400), so the line is redundant.
    # An application that set a level on this logger keeps its choice.
    parser_log = logging.getLogger("python_multipart.multipart")
    if parser_log.level == logging.NOTSET:
        parser_log.setLevel(logging.ERROR)


_quiet_parser_log()


def default_stream_factory(
    total_content_length: int | None,
    content_type: str | None,
    filename: str | None,
    content_length: int | None = None,
) -> IO[bytes]:
    """Where an upload's bytes go: memory up to 500 KiB, then a temporary file."""
    return SpooledTemporaryFile(max_size=SPOOL_SIZE, mode="rb+")


class MultipartReader:
    """Collects python-multipart's callbacks into ``form`` and ``files``."""

    def __init__(
        self,
        max_form_memory_size: int | None,
        max_form_parts: int | None,
        total_length: int | None,
        stream_factory: Any = None,
    ) -> None:
        self.form: list[tuple[str, str]] = []
        self.files: list[tuple[str, FileStorage]] = []
        self.max_memory = max_form_memory_size
        self.max_parts = max_form_parts
        self.total_length = total_length
        self.stream_factory = stream_factory or default_stream_factory
        self.parts = 0
        self.ended = False
        self._field = b""
        self._value = b""
        self._headers: list[tuple[str, str]] = []
        self._buffer: bytearray | None = None
        self._file: IO[bytes] | None = None
        self._size = 0

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_end": self.on_end,
        }

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.max_parts is not None and self.parts > self.max_parts:
            raise ContentTooLargeError("The form has more parts than the configured limit.")
        self._headers = []
        self._field = self._value = b""
        self._buffer = None
        self._file = None
        self._size = 0

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        self._headers.append(
            (self._field.decode("latin-1").strip(), self._value.decode("utf-8", "replace"))
        )
        self._field = self._value = b""

    def on_headers_finished(self) -> None:
        self.headers = Headers(self._headers)
        # RFC 7578 section 4.2 says "form-data"; as Werkzeug, any disposition type that
        # names the field is accepted (old clients send "form-field"), none is an error.
        _disposition, options = parse_options_header(self.headers.get("Content-Disposition"))
        if "name" not in options:
            raise FormParseError("A multipart part lacks a Content-Disposition with a name.")
        self.name = options["name"]
        self.filename = options.get("filename")
        if self.filename is None:
            self._buffer = bytearray()
        else:
            self._file = self.stream_factory(
                self.total_length, self.headers.get("Content-Type"), self.filename, None
            )

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._file is not None:
            self._file.write(data[start:end])
            return
        if self._buffer is None:
            raise FormParseError("Part data arrived before the part's headers ended.")
        self._buffer += data[start:end]
        if self.max_memory is not None and len(self._buffer) > self.max_memory:
            raise ContentTooLargeError("A form field is larger than the configured limit.")

    def on_part_end(self) -> None:
        if self._file is not None:
            self._file.seek(0)
            self.files.append(
                (
                    self.name,
                    FileStorage(
                        self._file,
                        self.filename,
                        self.name,
                        headers=self.headers,
                    ),
                )
            )
            self._file = None
            return
        charset = parse_options_header(self.headers.get("Content-Type"))[1].get("charset", "utf-8")
        try:
            text = bytes(self._buffer or b"").decode(charset, "replace")
        except LookupError:
            text = bytes(self._buffer or b"").decode("utf-8", "replace")
        self.form.append((self.name, text))
        self._buffer = None

    def on_end(self) -> None:
        self.ended = True

    def close(self) -> None:
        for _name, storage in self.files:
            storage.close()
        if self._file is not None:
            self._file.close()


def parse_multipart(
    stream: IO[bytes],
    boundary: str,
    max_form_memory_size: int | None = None,
    max_form_parts: int | None = None,
    total_length: int | None = None,
    stream_factory: Any = None,
) -> tuple[MultiDict, MultiDict]:
    """Stream a multipart body into (form, files)."""
    if not boundary or len(boundary) > 200:
        raise FormParseError("Missing or invalid multipart boundary.")
    reader = MultipartReader(max_form_memory_size, max_form_parts, total_length, stream_factory)
    parser = MultipartParser(boundary.encode("latin-1", "replace"), cast(Any, reader.callbacks()))
    try:
        while not reader.ended:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            parser.write(chunk)
    except MultipartParseError as error:
        reader.close()
        raise FormParseError(str(error)) from None
    except BaseException:
        reader.close()
        raise
    if not reader.ended:
        reader.close()
        raise FormParseError("The multipart body ended before its closing boundary.")
    return MultiDict(reader.form), MultiDict(reader.files)


def parse_form_data(
    environ: dict[str, Any],
    max_content_length: int | None = None,
    max_form_memory_size: int | None = None,
    max_form_parts: int | None = None,
    stream_factory: Any = None,
) -> tuple[IO[bytes], MultiDict, MultiDict]:
    """``(stream, form, files)`` of a WSGI request; ``stream`` is empty once consumed.

    Content types other than urlencoded and multipart leave the body unread in ``stream``
    and give empty form and files.
    """
    stream = get_input_stream(environ, max_content_length)
    mimetype, options = parse_options_header(environ.get("CONTENT_TYPE"))
    mimetype = mimetype.lower()
    if mimetype == "application/x-www-form-urlencoded":
        # As in Werkzeug and Flask, MAX_FORM_MEMORY_SIZE applies to multipart fields only;
        # an urlencoded body is bounded by max_content_length.
        form = parse_urlencoded(stream, None)
        return io.BytesIO(b""), form, MultiDict()
    if mimetype == "multipart/form-data":
        length = environ.get("CONTENT_LENGTH")
        total = int(length) if length and length.isdigit() else None
        form, files = parse_multipart(
            stream,
            options.get("boundary", ""),
            max_form_memory_size,
            max_form_parts,
            total,
            stream_factory,
        )
        return io.BytesIO(b""), form, files
    return stream, MultiDict(), MultiDict()


__all__ = [
    "ContentTooLargeError",
    "FileStorage",
    "FormParseError",
    "default_stream_factory",
    "parse_form_data",
    "parse_multipart",
]
