"""Building the PEP 3333 environ of a request, and the request body stream.

Owns the mapping from a parsed ``Request`` to WSGI keys and ``wsgi.input``. Rules kept:

- PATH_INFO is the percent-decoded path bytes decoded as latin-1 (PEP 3333); the query
  string stays raw. An absolute-form target (RFC 9112 section 3.2.2) is reduced to its
  path; the raw target is kept in ``RAW_URI`` and ``REQUEST_URI``.
- Header fields become ``HTTP_*`` keys; repeated fields are joined with ", " (RFC 9110
  section 5.3), Cookie with "; ". A field whose name contains "_" is dropped, so that
  ``X-Forwarded-For`` cannot be spoofed by ``X_Forwarded_For`` (both map to one key).
- ``wsgi.input`` streams: it pulls body bytes from the connection only as the
  application reads, and it is safe to leave unread (the driver drains or closes).
- Per-request cost is one dict copy of a per-connection base plus the request's keys.
  The keys that depend only on the request-target are computed once per distinct
  target (short targets only, in a table cleared when full), since a server sees the
  same few paths over and over.
- A keep-alive client often sends the same request again (same method, target, version
  and header fields, byte for byte): ``EnvironSource`` then copies the environ it built
  for the previous one, one dict copy in all. Every value in it is immutable or shared by
  every request anyway (the base), and the application only ever gets a copy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes

from .protocol import Request

if TYPE_CHECKING:
    import socket

_KEY_CACHE: dict[bytes, str | None] = {
    b"Host": "HTTP_HOST",
    b"host": "HTTP_HOST",
    b"Content-Type": "CONTENT_TYPE",
    b"Content-Length": "CONTENT_LENGTH",
    b"User-Agent": "HTTP_USER_AGENT",
    b"Accept": "HTTP_ACCEPT",
    b"Connection": "HTTP_CONNECTION",
}
_CACHE_LIMIT = 1024


def environ_key(name: bytes) -> str | None:
    """``b"X-Thing"`` -> ``"HTTP_X_THING"``; ``None`` for names containing ``_``."""
    key = _KEY_CACHE.get(name)
    if key is not None or name in _KEY_CACHE:
        return key
    text = name.decode("latin-1").upper()
    if "_" in text:
        key = None
    elif text in ("CONTENT-TYPE", "CONTENT-LENGTH"):
        key = text.replace("-", "_")
    else:
        key = "HTTP_" + text.replace("-", "_")
    if len(_KEY_CACHE) < _CACHE_LIMIT:
        _KEY_CACHE[name] = key
    return key


def split_target(target: bytes) -> tuple[bytes, bytes]:
    """Return ``(path, query)`` of a request-target in any of the four forms."""
    if target[:1] != b"/":
        if target == b"*":
            return b"*", b""
        scheme, sep, rest = target.partition(b"://")
        if sep and scheme.isalpha():
            # absolute-form: drop scheme and authority (RFC 9112 section 3.2.2)
            slash = rest.find(b"/")
            query_at = rest.find(b"?")
            if slash == -1 or (query_at != -1 and query_at < slash):
                target = b"/" + rest[query_at:] if query_at != -1 else b"/"
            else:
                target = rest[slash:]
    path, _, query = target.partition(b"?")
    if b"#" in query:
        query = query.partition(b"#")[0]
    elif b"#" in path:
        path = path.partition(b"#")[0]
    return path, query


_TARGETS: dict[bytes, dict[str, str]] = {}
_TARGET_CACHE_LIMIT = 1024
_CACHED_TARGET_SIZE = 256


def target_keys(target: bytes) -> dict[str, str]:
    """``PATH_INFO``, ``QUERY_STRING``, ``RAW_URI`` and ``REQUEST_URI`` of a target.

    The result is shared between requests with the same target: copy it, never change it.
    """
    keys = _TARGETS.get(target)
    if keys is not None:
        return keys
    path, query = split_target(target)
    raw = target.decode("latin-1")
    keys = {
        "PATH_INFO": (
            unquote_to_bytes(path).decode("latin-1") if b"%" in path else path.decode("latin-1")
        ),
        "QUERY_STRING": query.decode("latin-1"),
        "RAW_URI": raw,
        "REQUEST_URI": raw,
    }
    if len(target) <= _CACHED_TARGET_SIZE:
        if len(_TARGETS) >= _TARGET_CACHE_LIMIT:
            _TARGETS.clear()  # many distinct targets: start over rather than grow
        _TARGETS[target] = keys
    return keys


def fill_environ(environ: dict[str, Any], request: Request) -> None:
    """Add the request's keys to ``environ`` (a copy of the connection's base)."""
    keys = _TARGETS.get(request.target)
    environ.update(keys if keys is not None else target_keys(request.target))
    environ["REQUEST_METHOD"] = request.method
    environ["SERVER_PROTOCOL"] = "HTTP/1.1" if request.http_version == "1.1" else "HTTP/1.0"
    for name, value in request.headers:
        key = _KEY_CACHE.get(name)
        if key is None:
            key = environ_key(name)
            if key is None:
                continue
        text = value.decode("latin-1")
        if key in environ:
            separator = "; " if key == "HTTP_COOKIE" else ", "
            text = environ[key] + separator + text
        environ[key] = text


# ``EnvironSource.template`` while there is none (never changed, never given out).
_NO_TEMPLATE: dict[str, Any] = {}


class EnvironSource:
    """The environs of one connection's requests: ``base`` (a dict the source keeps as
    it is), the connection's socket as ``werkzeug.socket`` and the request's keys, with
    ``wsgi.input`` the empty stream; the driver sets the keys of an exchange
    (``kettle.takeover``, and ``wsgi.input`` of a request with a body).

    A request equal to the previous one (the whole parsed head) gets a copy of a template
    built for it when it repeated; any other request is filled in from the base. A
    driver on its per-request path may copy ``template`` itself for the request it was
    built for, ``repeat`` (the same object, as the reader gives a repeated read), without
    the call to ``build``.
    """

    __slots__ = ("_last", "base", "repeat", "template")

    def __init__(self, base: dict[str, Any], sock: socket.socket | None = None) -> None:
        self.base = dict(base)
        self.base["wsgi.input"] = EMPTY_INPUT
        self.base["werkzeug.socket"] = sock
        self._last: Request | None = None
        #: The environ of a repeated request (never given out: copy it), else empty.
        self.template = _NO_TEMPLATE
        #: The request ``template`` was built for, else None.
        self.repeat: Request | None = None

    def build(self, request: Request) -> dict[str, Any]:
        """A fresh environ for ``request``; the caller may change it at will."""
        if request == self._last:
            template = self.template
            if not template:
                # Built on the first repeat only: requests that never repeat pay nothing.
                template = self.template = self.base.copy()
                fill_environ(template, request)
                self.repeat = request
            return template.copy()
        self._last = request
        self.template = _NO_TEMPLATE
        self.repeat = None
        environ = self.base.copy()
        fill_environ(environ, request)
        return environ


class RequestBodyError(OSError):
    """Reading ``wsgi.input`` failed: bad framing, over the limit, timeout or disconnect.

    ``status`` is what the server answers if the application lets this propagate.
    """

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


class ClientDisconnected(ConnectionError):
    """The client went away, or stopped reading for ``send_timeout``, during the response.

    Raised by the ``write`` callable (and so seen by the application while it streams);
    the server logs it at INFO, not as an application error.
    """


class EmptyInput:
    """``wsgi.input`` of a request without a body: stateless, shared by all of them."""

    __slots__ = ()

    def read(self, size: int | None = -1) -> bytes:
        return b""

    def readline(self, size: int | None = -1) -> bytes:
        return b""

    def readlines(self, hint: int | None = -1) -> list[bytes]:
        return []

    def __iter__(self) -> Iterator[bytes]:
        return iter(())


EMPTY_INPUT = EmptyInput()


class Input:
    """``wsgi.input`` of a request with a body, pulling pieces through ``fetch``.

    ``fetch`` returns the next decoded piece of the body, or ``None`` at its end.
    """

    __slots__ = ("_buffer", "_done", "_fetch")

    def __init__(self, fetch: Callable[[], bytes | None]) -> None:
        self._fetch = fetch
        self._buffer = bytearray()
        self._done = False

    def _pull(self) -> bool:
        if self._done:
            return False
        piece = self._fetch()
        if piece is None:
            self._done = True
            return False
        self._buffer += piece
        return True

    def read(self, size: int | None = -1) -> bytes:
        buffer = self._buffer
        if size is None or size < 0:
            while self._pull():
                pass
            data = bytes(buffer)
            buffer.clear()
            return data
        while len(buffer) < size and self._pull():
            pass
        data = bytes(buffer[:size])
        del buffer[:size]
        return data

    def readline(self, size: int | None = -1) -> bytes:
        buffer = self._buffer
        limit = size if size is not None and size >= 0 else None
        start = 0
        while True:
            end = buffer.find(b"\n", start)
            if end != -1:
                stop = end + 1
                break
            if limit is not None and len(buffer) >= limit:
                stop = limit
                break
            start = len(buffer)
            if not self._pull():
                stop = len(buffer)
                break
        if limit is not None:
            stop = min(stop, limit)
        data = bytes(buffer[:stop])
        del buffer[:stop]
        return data

    def readlines(self, hint: int | None = -1) -> list[bytes]:
        lines: list[bytes] = []
        total = 0
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                return lines

    def __iter__(self) -> Iterator[bytes]:
        while True:
            line = self.readline()
            if not line:
                return
            yield line
