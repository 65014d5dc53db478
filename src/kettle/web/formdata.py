"""Form parsing with Werkzeug's API: ``parse_form_data``, ``FormDataParser``, ``MultiPartParser``.

Owns the Werkzeug-shaped entry points over Kettle's streaming parsers
(``kettle.http.multipart``): the argument order Werkzeug uses, the ``cls`` of the
resulting dicts, and the mapping of ``kettle.http``'s errors to HTTP errors.

Rules: a body over ``max_content_length`` or a form over ``max_form_memory_size`` /
``max_form_parts`` raises ``RequestEntityTooLarge`` (413) even when ``silent``; any other
malformed body gives empty form and files when ``silent`` (the default), else
``ValueError``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from kettle.http.formparser import (
    ContentTooLargeError,
    FormParseError,
    get_input_stream,
    parse_urlencoded,
)
from kettle.http.multidict import MultiDict
from kettle.http.multipart import default_stream_factory, parse_multipart
from kettle.http.options import parse_options_header

from .exceptions import RequestEntityTooLarge

ParseResult = tuple[IO[bytes], MultiDict, MultiDict]


class FormDataParser:
    """Parses a request body into ``(stream, form, files)`` by its mimetype."""

    def __init__(
        self,
        stream_factory: Callable[..., IO[bytes]] | None = None,
        max_form_memory_size: int | None = None,
        max_content_length: int | None = None,
        cls: type[MultiDict] | None = None,
        silent: bool = True,
        *,
        max_form_parts: int | None = None,
    ) -> None:
        self.stream_factory = stream_factory or default_stream_factory
        self.max_form_memory_size = max_form_memory_size
        self.max_content_length = max_content_length
        self.max_form_parts = max_form_parts
        self.cls = cls or MultiDict
        self.silent = silent

    def parse_from_environ(self, environ: dict[str, Any]) -> ParseResult:
        """Parse the body of a WSGI request."""
        mimetype, options = parse_options_header(environ.get("CONTENT_TYPE"))
        length = environ.get("CONTENT_LENGTH")
        content_length = int(length) if length and length.isdigit() else None
        try:
            stream = get_input_stream(environ, self.max_content_length)
        except ContentTooLargeError:
            raise RequestEntityTooLarge() from None
        return self.parse(stream, mimetype, content_length, options)

    def parse(
        self,
        stream: IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str] | None = None,
    ) -> ParseResult:
        """Parse ``stream`` as ``mimetype``; other mimetypes leave it unread."""
        mimetype = mimetype.lower()
        if (
            self.max_content_length is not None
            and content_length is not None
            and content_length > self.max_content_length
        ):
            raise RequestEntityTooLarge()
        options = options or {}
        try:
            if mimetype == "application/x-www-form-urlencoded":
                form = parse_urlencoded(stream, self.max_form_memory_size)
                return stream, self.cls(form), self.cls()
            if mimetype == "multipart/form-data":
                parser = MultiPartParser(
                    self.stream_factory,
                    self.max_form_memory_size,
                    self.cls,
                    max_form_parts=self.max_form_parts,
                )
                form, files = parser.parse(stream, options.get("boundary", "").encode(), None)
                return stream, form, files
        except (ContentTooLargeError, RequestEntityTooLarge):
            raise RequestEntityTooLarge() from None
        except (FormParseError, ValueError):
            if not self.silent:
                raise
        return stream, self.cls(), self.cls()


class MultiPartParser:
    """Parses a ``multipart/form-data`` body into ``(form, files)``."""

    def __init__(
        self,
        stream_factory: Callable[..., IO[bytes]] | None = None,
        max_form_memory_size: int | None = None,
        cls: type[MultiDict] | None = None,
        buffer_size: int = 64 * 1024,
        max_form_parts: int | None = None,
    ) -> None:
        self.stream_factory = stream_factory or default_stream_factory
        self.max_form_memory_size = max_form_memory_size
        self.max_form_parts = max_form_parts
        self.cls = cls or MultiDict
        self.buffer_size = buffer_size

    def fail(self, message: str) -> None:
        raise ValueError(message)

    def parse(
        self, stream: IO[bytes], boundary: bytes, content_length: int | None
    ) -> tuple[MultiDict, MultiDict]:
        try:
            form, files = parse_multipart(
                stream,
                boundary.decode("latin-1"),
                self.max_form_memory_size,
                self.max_form_parts,
                content_length,
                self.stream_factory,
            )
        except ContentTooLargeError:
            raise RequestEntityTooLarge() from None
        except FormParseError as error:
            raise ValueError(str(error)) from None
        return self.cls(form), self.cls(files)


def parse_form_data(
    environ: dict[str, Any],
    stream_factory: Callable[..., IO[bytes]] | None = None,
    max_form_memory_size: int | None = None,
    max_content_length: int | None = None,
    cls: type[MultiDict] | None = None,
    silent: bool = True,
    *,
    max_form_parts: int | None = None,
) -> ParseResult:
    """``(stream, form, files)`` of a WSGI request, with Werkzeug's arguments."""
    parser = FormDataParser(
        stream_factory,
        max_form_memory_size,
        max_content_length,
        cls,
        silent,
        max_form_parts=max_form_parts,
    )
    return parser.parse_from_environ(environ)


__all__ = ["FormDataParser", "MultiPartParser", "parse_form_data"]
