"""The request body as a stream: ``LimitedStream`` and ``get_input_stream`` (Werkzeug's
``werkzeug.wsgi`` names), shared by ``request.stream`` and ``kettle.web.wsgi``.

Rules: ``LimitedStream`` never reads past its limit; a body that ends before its
Content-Length raises ``ClientDisconnected`` (400); a body that goes on past a maximum
raises ``RequestEntityTooLarge`` (413) on the read that reaches it with ``read()``, else
on the next read; a body of exactly the maximum is no error. ``get_input_stream`` limits
``wsgi.input`` to the body's length (and ``max_content_length``); a body of unknown length
that the server did not mark as terminated reads as empty.
"""

from __future__ import annotations

import io
from typing import IO, Any

from kettle.http.formparser import get_content_length

from .exceptions import ClientDisconnected, RequestEntityTooLarge

__all__ = ["LimitedStream", "get_input_stream"]


class LimitedStream(io.RawIOBase):
    """Reads at most ``limit`` bytes of ``stream``.

    ``is_max=False``: the limit is the body's length; an early end is a disconnect.
    ``is_max=True``: the limit is a maximum; reading past it is a 413.
    """

    def __init__(self, stream: IO[bytes], limit: int, is_max: bool = False) -> None:
        self._stream = stream
        self._pos = 0
        self.limit = limit
        self._limit_is_max = is_max

    @property
    def is_exhausted(self) -> bool:
        return self._pos >= self.limit

    def on_exhausted(self) -> None:
        # A maximum reached is a 413 only if the body goes on: a body of exactly the
        # maximum ends normally (the byte peeked at is lost, but the request fails anyway).
        if self._limit_is_max and self._stream.read(1):
            raise RequestEntityTooLarge()

    def on_disconnect(self, error: Exception | None = None) -> None:
        raise ClientDisconnected() from error

    def exhaust(self) -> bytes:
        """Read and return whatever is left up to the limit."""
        chunks = []
        while not self.is_exhausted:
            chunk = self.read(64 * 1024)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)

    def readinto(self, buffer: Any) -> int:
        size = len(buffer)
        remaining = self.limit - self._pos
        if remaining <= 0:
            self.on_exhausted()
            return 0
        size = min(size, remaining)
        try:
            if hasattr(self._stream, "readinto"):
                count = self._stream.readinto(memoryview(buffer)[:size])
            else:
                data = self._stream.read(size)
                count = len(data)
                buffer[:count] = data
        except (OSError, ValueError) as error:
            self.on_disconnect(error)
            return 0
        if not count:
            if not self._limit_is_max:
                self.on_disconnect()
            return 0
        self._pos += count
        return int(count)

    def readall(self) -> bytes:
        if self.is_exhausted:
            self.on_exhausted()  # a read after the end, as in Werkzeug
            return b""
        data = self.exhaust()
        if self._limit_is_max and self.is_exhausted:
            # Reading "everything" of a body over the maximum is a 413 at once, never a
            # silently truncated body.
            self.on_exhausted()
        return data

    def tell(self) -> int:
        return self._pos

    def readable(self) -> bool:
        return True


def get_input_stream(
    environ: dict[str, Any], safe_fallback: bool = True, max_content_length: int | None = None
) -> IO[bytes]:
    """``wsgi.input`` limited to the body's length (and ``max_content_length``)."""
    stream: IO[bytes] | None = environ.get("wsgi.input")
    if stream is None:
        return io.BytesIO()  # an environ without wsgi.input (a bare test dict) has no body
    length = get_content_length(environ)
    if length is not None and max_content_length is not None and length > max_content_length:
        raise RequestEntityTooLarge()
    if "wsgi.input_terminated" in environ:
        if max_content_length is not None:
            return LimitedStream(stream, max_content_length, is_max=True)  # type: ignore[return-value]
        return stream
    if length is None:
        return io.BytesIO() if safe_fallback else stream
    return LimitedStream(stream, length)  # type: ignore[return-value]
