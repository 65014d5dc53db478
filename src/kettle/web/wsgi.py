"""WSGI environ helpers with Werkzeug's signatures (``werkzeug.wsgi``, ``werkzeug.sansio.utils``).

Owns: the host and URL of a request (``get_host``, ``get_current_url`` and their sans-IO
forms), ``get_path_info``, ``get_content_length``, ``ClosingIterator``,
``FileWrapper``/``wrap_file``, ``responder``, ``run_wsgi_app`` and ``append_slash_redirect``.

Rules: a Host that is not a valid host name, IPv4 or bracketed IPv6 address (with an
optional port 1-65535) gives ``""`` so it never reaches a URL; an untrusted host raises
``SecurityError`` (400). Werkzeug's ``get_input_stream`` and ``LimitedStream`` of this
module live in ``streams`` (the request's body stream uses them too).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import partial, update_wrapper
from itertools import chain
from typing import IO, Any
from urllib.parse import quote

from kettle.http.headers import Headers
from kettle.http.urls import uri_to_iri

from .exceptions import SecurityError
from .utils import host_is_trusted
from .wrappers import redirect

# A port is 1-65535 written without leading zeros ("host:0443" is not a valid host).
_HOST_RE = re.compile(
    r"(?:[a-z0-9-._~!$&'()*+,;=%]+|\[[0-9a-f:.]+(?:%[a-z0-9._~-]+)?\])(?::([1-9][0-9]*))?",
    re.I,
)
_PATH_SAFE = "!$&'()*+,/:;=@%"
_QUERY_SAFE = "!$&'()*+,/:;=?@%"


def sansio_get_host(
    scheme: str,
    host_header: str | None,
    server: tuple[str, int | None] | None = None,
    trusted_hosts: Iterable[str] | None = None,
) -> str:
    """The host (with a non-default port) from the Host header, else the server address."""
    host = ""
    if host_header is not None:
        host = host_header
    elif server is not None:
        host = server[0]
        if ":" in host and host[0] != "[":
            host = f"[{host}]"
        if server[1] is not None:
            host = f"{host}:{server[1]}"
    if scheme in ("http", "ws"):
        host = host.removesuffix(":80")
    elif scheme in ("https", "wss"):
        host = host.removesuffix(":443")
    match = _HOST_RE.fullmatch(host)
    if match is None or (match.group(1) and not 1 <= int(match.group(1)) <= 65535):
        return ""
    if trusted_hosts is not None and not host_is_trusted(host, trusted_hosts):
        raise SecurityError(f"Host {host!r} is not trusted.")
    return host


def sansio_get_current_url(
    scheme: str,
    host: str,
    root_path: str | None = None,
    path: str | None = None,
    query_string: bytes | None = None,
) -> str:
    """An IRI from URL parts; each part left ``None`` (in order) ends the URL there."""
    url = f"{scheme}://{host}"
    if root_path is None:
        return uri_to_iri(url + "/")
    url += quote(root_path.rstrip("/"), safe=_PATH_SAFE) + "/"
    if path is None:
        return uri_to_iri(url)
    url += quote(path.lstrip("/"), safe=_PATH_SAFE)
    if query_string:
        url += "?" + quote(query_string, safe=_QUERY_SAFE)
    return uri_to_iri(url)


def sansio_get_content_length(
    http_content_length: str | None = None, http_transfer_encoding: str | None = None
) -> int | None:
    """The body length, ``None`` when chunked or unknown, ``0`` when the header is invalid."""
    if http_transfer_encoding is not None and "chunked" in http_transfer_encoding.lower():
        return None
    if http_content_length is None:
        return None
    text = http_content_length.strip()
    if not text.isascii() or not text.isdigit():
        return 0
    return max(0, int(text))


def _server(environ: dict[str, Any]) -> tuple[str, int | None] | None:
    name = environ.get("SERVER_NAME")
    if name is None:
        return None
    try:
        port: int | None = int(environ["SERVER_PORT"])
    except (KeyError, TypeError, ValueError):
        port = None
    return name, port


def get_host(environ: dict[str, Any], trusted_hosts: Iterable[str] | None = None) -> str:
    """The request's host, from ``HTTP_HOST`` or ``SERVER_NAME``/``SERVER_PORT``."""
    return sansio_get_host(
        environ["wsgi.url_scheme"], environ.get("HTTP_HOST"), _server(environ), trusted_hosts
    )


def get_current_url(
    environ: dict[str, Any],
    root_only: bool = False,
    strip_querystring: bool = False,
    host_only: bool = False,
    trusted_hosts: Iterable[str] | None = None,
) -> str:
    """The request's URL as an IRI, whole or cut at the root, the path or the host."""
    scheme = environ["wsgi.url_scheme"]
    host = get_host(environ, trusted_hosts)
    if host_only:
        return sansio_get_current_url(scheme, host)
    root = environ.get("SCRIPT_NAME", "")
    if root_only:
        return sansio_get_current_url(scheme, host, root)
    path = environ.get("PATH_INFO", "")
    if strip_querystring:
        return sansio_get_current_url(scheme, host, root, path)
    query = environ.get("QUERY_STRING", "").encode("latin1")
    return sansio_get_current_url(scheme, host, root, path, query)


def get_path_info(environ: dict[str, Any]) -> str:
    """``PATH_INFO`` decoded from its WSGI latin-1 form as UTF-8."""
    path: bytes = environ.get("PATH_INFO", "").encode("latin1")
    return path.decode(errors="replace")


def get_content_length(environ: dict[str, Any]) -> int | None:
    return sansio_get_content_length(
        environ.get("CONTENT_LENGTH"), environ.get("HTTP_TRANSFER_ENCODING")
    )


class ClosingIterator:
    """Iterates ``iterable``; ``close()`` closes it and then calls each callback."""

    def __init__(
        self,
        iterable: Iterable[bytes],
        callbacks: Callable[[], Any] | Iterable[Callable[[], Any]] | None = None,
    ) -> None:
        self._next = partial(next, iter(iterable))
        if callbacks is None:
            callbacks = []
        elif callable(callbacks):
            callbacks = [callbacks]
        else:
            callbacks = list(callbacks)
        close = getattr(iterable, "close", None)
        if close is not None:
            callbacks.insert(0, close)
        self._callbacks: list[Callable[[], Any]] = callbacks

    def __iter__(self) -> ClosingIterator:
        return self

    def __next__(self) -> bytes:
        return self._next()  # type: ignore[no-any-return]

    def close(self) -> None:
        for callback in self._callbacks:
            callback()


class FileWrapper:
    """Iterates a file in blocks of ``buffer_size`` (PEP 3333's ``wsgi.file_wrapper``)."""

    def __init__(self, file: IO[bytes], buffer_size: int = 8192) -> None:
        self.file = file
        self.buffer_size = buffer_size

    def close(self) -> None:
        if hasattr(self.file, "close"):
            self.file.close()

    def seekable(self) -> bool:
        if hasattr(self.file, "seekable"):
            return bool(self.file.seekable())
        return hasattr(self.file, "seek")

    def seek(self, *args: Any) -> None:
        if hasattr(self.file, "seek"):
            self.file.seek(*args)

    def tell(self) -> int | None:
        return self.file.tell() if hasattr(self.file, "tell") else None

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        data = self.file.read(self.buffer_size)
        if data:
            return data
        raise StopIteration()


def wrap_file(environ: dict[str, Any], file: IO[bytes], buffer_size: int = 8192) -> Any:
    """The server's ``wsgi.file_wrapper`` for ``file``, else a ``FileWrapper``."""
    wrapper = environ.get("wsgi.file_wrapper", FileWrapper)
    return wrapper(file, buffer_size)


def responder(f: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a function returning a WSGI app into a WSGI app (method or function)."""

    def application(*args: Any) -> Any:
        return f(*args)(*args[-2:])

    return update_wrapper(application, f)


def run_wsgi_app(
    app: Callable[..., Iterable[bytes]], environ: dict[str, Any], buffered: bool = False
) -> tuple[Iterable[bytes], str, Headers]:
    """Call a WSGI app: ``(body iterable, status, headers)``.

    Unbuffered, the body is read only until ``start_response`` was called (a generator
    app may call it on first iteration); the rest is left to the caller, and closing the
    returned iterable closes the app's. Buffered, the body is read whole and closed.
    """
    response: list[Any] = []
    written: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if exc_info is not None:
            raise exc_info[1].with_traceback(exc_info[2])
        response[:] = [status, headers]
        return written.append

    result = app(environ, start_response)
    close = getattr(result, "close", None)
    body: Iterable[bytes] = iter(result)
    if buffered:
        try:
            body = list(body)
        finally:
            if close is not None:
                close()
    else:
        for chunk in body:
            written.append(chunk)
            if response:
                break
        if written:
            body = chain(written, body)
        if close is not None and body is not result:
            body = ClosingIterator(body, close)
    if not response:
        raise RuntimeError("the application did not call start_response")
    status, headers = response
    return body, status, Headers(headers)


def append_slash_redirect(environ: dict[str, Any], code: int = 308) -> Any:
    """A redirect to the request path with a slash appended (relative, query kept)."""
    tail = environ["PATH_INFO"].rpartition("/")[2]
    new_path = f"{tail}/" if tail else "./"
    query = environ.get("QUERY_STRING")
    if query:
        new_path += f"?{query}"
    return redirect(new_path, code)


class RangeWrapper:
    """Iterates the bytes ``start_byte`` .. ``start_byte + byte_range`` of a body iterable
    (Werkzeug's ``_RangeWrapper``): a seekable source is sought to the start, any other is
    read and the leading bytes dropped; iteration stops once the range is sent."""

    def __init__(self, iterable: Any, start_byte: int = 0, byte_range: int | None = None) -> None:
        self.iterable = iter(iterable)
        self.byte_range = byte_range
        self.start_byte = start_byte
        self.end_byte = start_byte + byte_range if byte_range is not None else None
        seekable = getattr(iterable, "seekable", None)
        self.seekable = bool(seekable()) if callable(seekable) else False
        self.end_reached = False
        self.read_length = 0

    def __iter__(self) -> RangeWrapper:
        return self

    def _next_chunk(self) -> bytes:
        try:
            chunk: bytes = next(self.iterable)
        except StopIteration:
            self.end_reached = True
            raise
        self.read_length += len(chunk)
        return chunk

    def _first_chunk(self) -> tuple[bytes | None, int]:
        """Skip to ``start_byte``: the rest of the chunk holding it, and the stream offset
        that chunk starts at."""
        if self.seekable:
            self.iterable.seek(self.start_byte)
            self.read_length = self.iterable.tell()
            return None, self.read_length
        chunk: bytes | None = None
        offset = self.read_length
        while self.read_length <= self.start_byte:
            offset = self.read_length
            chunk = self._next_chunk()
        if chunk is not None:
            chunk = chunk[self.start_byte - offset :]
        return chunk, self.start_byte

    def _next(self) -> bytes:
        if self.end_reached:
            raise StopIteration()
        chunk: bytes | None = None
        offset = self.read_length
        if self.read_length == 0:
            chunk, offset = self._first_chunk()
        if chunk is None:
            offset = self.read_length
            chunk = self._next_chunk()
        if self.end_byte is not None and self.read_length >= self.end_byte:
            self.end_reached = True
            return chunk[: self.end_byte - offset]
        return chunk

    def __next__(self) -> bytes:
        chunk = self._next()
        if chunk:
            return chunk
        self.end_reached = True
        raise StopIteration()

    def close(self) -> None:
        close = getattr(self.iterable, "close", None)
        if close is not None:
            close()
