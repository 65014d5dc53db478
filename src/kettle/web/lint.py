"""A WSGI conformance checker (Werkzeug's ``LintMiddleware``): wrap an app during
development and get a warning for each PEP 3333 or HTTP rule the app or server breaks.

Owns ``LintMiddleware`` and its warning classes ``WSGIWarning`` (the WSGI contract) and
``HTTPWarning`` (HTTP usage).

Rules: the checker only warns (``warnings.warn``), it never changes what passes through;
the request and response are handed on as they are, except that the body iterable is
wrapped to check that each chunk is ``bytes`` and that ``start_response`` came first.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlparse

from kettle.http.headers import Headers

WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]
# PEP 3333: the keys every environ must carry.
_REQUIRED_KEYS = (
    "REQUEST_METHOD",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.version",
    "wsgi.input",
    "wsgi.errors",
    "wsgi.multithread",
    "wsgi.multiprocess",
    "wsgi.run_once",
)


class WSGIWarning(Warning):
    """The application or server broke the WSGI contract (PEP 3333)."""


class HTTPWarning(Warning):
    """The application sent something HTTP does not allow or advise."""


def _warn(message: str, category: type[Warning] = WSGIWarning) -> None:
    warnings.warn(message, category, stacklevel=3)


def check_environ(environ: Any) -> None:
    """Warn for an environ that is not a PEP 3333 environ."""
    if type(environ) is not dict:
        _warn("WSGI environment is not a standard Python dict.")
    for key in _REQUIRED_KEYS:
        if key not in environ:
            _warn(f"Required environment key {key!r} not found")
    if environ.get("wsgi.version") != (1, 0):
        _warn("Environ is not a WSGI 1.0 environ.")
    for key in ("SCRIPT_NAME", "PATH_INFO"):
        value = environ.get(key, "")
        if value and value[:1] != "/":
            _warn(f"{key!r} does not start with a slash: {value!r}")


def check_status(status: Any) -> int:
    """Warn for a malformed status line; return its code (0 when unreadable)."""
    if type(status) is not str:
        _warn("Status must be a string")
        return 0
    code_text = (status.split(None, 1) or [""])[0]
    if len(code_text) != 3 or not code_text.isdecimal():
        _warn("Status code must be three digits.")
    if len(status) < 4 or status[3] != " ":
        _warn(
            f"Invalid value for status {status!r}. Valid status strings are three"
            " digits, a space and a status explanation."
        )
    code = int(code_text) if code_text.isdecimal() else 0
    if code < 100:
        _warn("Status code < 100 detected.")
    return code


def check_header_list(headers: Any) -> Headers:
    """Warn for a header list that is not a list of ``(str, str)`` pairs."""
    if type(headers) is not list:
        _warn("Header list is not a list.")
    pairs: list[tuple[str, str]] = []
    for item in headers:
        if type(item) is not tuple or len(item) != 2:
            _warn("Header items must be 2-item tuples.")
            continue
        name, value = item
        if type(name) is not str or type(value) is not str:
            _warn("Header keys and values must be strings.")
        if str(name).lower() == "status":
            _warn("The status header is not supported due to conflicts with the CGI spec.")
        pairs.append((str(name), str(value)))
    return Headers(pairs)


def check_headers(headers: Headers) -> None:
    """Warn for header values HTTP does not allow (ETag form, relative Location)."""
    etag = headers.get("etag")
    if etag is not None:
        weak = etag.startswith(("W/", "w/"))
        if etag.startswith("w/"):
            _warn("Weak etag indicator should be upper case.", HTTPWarning)
        tag = etag[2:] if weak else etag
        if not (tag[:1] == tag[-1:] == '"'):
            _warn("Unquoted etag emitted.", HTTPWarning)
    location = headers.get("location")
    if location is not None and not urlparse(location).netloc:
        _warn("Absolute URLs required for location header.", HTTPWarning)


class _CheckedBody:
    """The app's body, checked chunk by chunk; ``close`` reaches the app's iterable."""

    def __init__(self, body: Iterable[bytes], started: list[bool]) -> None:
        self._body = body
        self._iterator: Iterator[bytes] = iter(body)
        self._started = started

    def __iter__(self) -> _CheckedBody:
        return self

    def __next__(self) -> bytes:
        chunk = next(self._iterator)
        if not self._started:
            _warn("The application returned before it started the response.")
        if type(chunk) is not bytes:
            _warn(f"The application returned a {type(chunk).__name__} chunk, not bytes.")
        return chunk

    def close(self) -> None:
        close = getattr(self._body, "close", None)
        if close is not None:
            close()


class LintMiddleware:
    """Warns about WSGI and HTTP mistakes of ``app`` (and of the server calling it)."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        check_environ(environ)
        started: list[bool] = []

        def checking_start_response(status: Any, headers: Any, exc_info: Any = None) -> Any:
            if exc_info is not None and not isinstance(exc_info, tuple):
                _warn("Invalid value for exc_info.")
            check_status(status)
            check_headers(check_header_list(headers))
            started.append(True)
            return start_response(status, headers, exc_info)

        return _CheckedBody(self.app(environ, checking_start_response), started)
