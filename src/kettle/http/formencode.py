"""Encoding form bodies for requests a test builds: ``application/x-www-form-urlencoded``
(``urlencode_pairs``) and ``multipart/form-data`` (``stream_encode_multipart`` and
``encode_multipart``, RFC 7578).

Rules: a ``None`` value drops its key from an urlencoded body but is sent as the text
``None`` in a multipart one, as in Werkzeug. A file value (a ``FileStorage``, a
binary or text file object, or a ``(stream, filename[, content_type])`` tuple) is read in
chunks with ``read(size)``, so objects that only have that method work, and is always sent
as a file part (``filename=""`` when it has no name). The body is built in memory; with
``use_tempfile`` it moves to an anonymous temporary file once it outgrows ``threshold``.
"""

from __future__ import annotations

import io
import mimetypes
import os
import secrets
import tempfile
from typing import IO, Any
from urllib.parse import quote, urlencode

from .formparser import FileStorage

__all__ = [
    "encode_multipart",
    "form_pairs",
    "is_file_value",
    "stream_encode_multipart",
    "urlencode_pairs",
]

# What Werkzeug leaves unquoted in a query string it encodes (WHATWG URL, percent-encoded
# bytes), so both build the same QUERY_STRING from the same arguments.
_QUERY_SAFE = "!$'()*,/:;?@"
CHUNK_SIZE = 16384
DEFAULT_THRESHOLD = 1024 * 500


def form_pairs(data: Any) -> list[tuple[str, Any]]:
    """``(key, value)`` pairs of a MultiDict (every value), a mapping (a list value gives
    one pair per item) or an iterable of pairs."""
    if hasattr(data, "items"):
        try:
            return list(data.items(multi=True))
        except TypeError:
            pairs: list[tuple[str, Any]] = []
            for key, value in data.items():
                if isinstance(value, list):
                    pairs.extend((key, item) for item in value)
                else:
                    pairs.append((key, value))
            return pairs
    return list(data)


def urlencode_pairs(pairs: list[tuple[str, Any]]) -> str:
    """A query string (or urlencoded form) from ``pairs``; a ``None`` value drops its key,
    as in Werkzeug."""
    return urlencode([(key, value) for key, value in pairs if value is not None], safe=_QUERY_SAFE)


def is_file_value(value: Any) -> bool:
    """Whether a form value stands for an uploaded file rather than a text field."""
    return isinstance(value, tuple | FileStorage) or hasattr(value, "read")


def _file_parts(value: Any) -> tuple[Any, str, str]:
    """(readable stream, file name, content type) of a file value."""
    if isinstance(value, tuple):
        if not value:
            raise TypeError("a file tuple needs at least the stream: (stream, filename, type)")
        stream = value[0]
        filename = value[1] if len(value) > 1 else getattr(stream, "name", None)
        content_type = value[2] if len(value) > 2 else None
    elif isinstance(value, FileStorage):
        stream, filename, content_type = value.stream, value.filename, value.content_type
    else:
        stream, filename, content_type = value, getattr(value, "name", None), None
    if not isinstance(filename, str):
        filename = ""
    filename = os.path.basename(filename)
    if not content_type:
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return stream, filename, content_type


class _SpillingWriter:
    """Writes to memory, then (``use_tempfile``) to a temporary file past ``threshold``."""

    def __init__(self, use_tempfile: bool, threshold: int) -> None:
        self.stream: IO[bytes] = io.BytesIO()
        self.length = 0
        self._spill_at = threshold if use_tempfile else None

    def write(self, data: bytes) -> None:
        self.length += len(data)
        if self._spill_at is not None and self.length > self._spill_at:
            self._spill_at = None
            spilled = tempfile.TemporaryFile("wb+")  # noqa: SIM115  # the caller owns it
            spilled.write(self.stream.getvalue())  # type: ignore[attr-defined]  # BytesIO
            self.stream = spilled
        self.stream.write(data)


def stream_encode_multipart(
    data: Any,
    use_tempfile: bool = True,
    threshold: int = DEFAULT_THRESHOLD,
    boundary: str | None = None,
) -> tuple[IO[bytes], int, str]:
    """``(stream, length, boundary)`` of a ``multipart/form-data`` body for ``data`` (a
    MultiDict, mapping or pairs of fields and files); the stream is at position 0."""
    boundary = boundary or f"----KettleBoundary{secrets.token_hex(12)}"
    out = _SpillingWriter(use_tempfile, threshold)
    for name, value in form_pairs(data):
        out.write(f"--{boundary}\r\n".encode())
        if is_file_value(value):
            stream, filename, content_type = _file_parts(value)
            out.write(
                f'Content-Disposition: form-data; name="{quote(name)}";'
                f' filename="{quote(filename)}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n".encode()
            )
            while True:
                chunk = stream.read(CHUNK_SIZE)
                if not chunk:
                    break
                out.write(chunk.encode() if isinstance(chunk, str) else chunk)
        else:
            out.write(f'Content-Disposition: form-data; name="{quote(name)}"\r\n\r\n'.encode())
            out.write(value if isinstance(value, bytes) else str(value).encode())
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    out.stream.seek(0)
    return out.stream, out.length, boundary


def encode_multipart(data: Any, boundary: str | None = None) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body (in memory) and its boundary for fields and files."""
    stream, _length, boundary = stream_encode_multipart(data, False, boundary=boundary)
    return stream.read(), boundary
