"""ResponseBase: a response object that is itself a WSGI application.

Owns status, headers, the body (a buffered sequence of bytes or any iterable),
cookies, close callbacks and the WSGI call. ``kettle.web.wrappers.Response`` adds the
conditional/range machinery and JSON on top; ``kettle.web.exceptions`` builds its error
pages from this base so the two modules do not import each other.

Rules (as Werkzeug's Response, which Flask apps rely on):
- ``status`` is the WSGI string with an upper-case reason (``"404 NOT FOUND"``),
  ``status_code`` the int; setting either keeps the other in step.
- A str/bytes body sets Content-Length; an iterable body is streamed untouched
  (``direct_passthrough`` skips even the encoding of str chunks).
- Responses with no content (1xx, 204, 304, and HEAD requests) send no body; 204 and
  304 drop Content-Length; 304 also drops the entity headers (RFC 9110 section 15.4.5).
- ``close()`` closes the body iterable and runs ``call_on_close`` callbacks once.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import quote, urljoin

from kettle.http.cookies import dump_cookie
from kettle.http.directives import CacheControl
from kettle.http.headers import Headers, HeaderSet, check_header
from kettle.http.options import dump_options, dump_options_header, parse_options_header
from kettle.http.parts import ResponseParts
from kettle.http.status import HTTP_STATUS_CODES
from kettle.http.structures import CallbackDict
from kettle.http.urls import iri_to_uri

_STATUS_CACHE: dict[int, str] = {}
_ENTITY_HEADERS = frozenset(
    (
        "allow",
        "content-encoding",
        "content-language",
        "content-length",
        "content-location",
        "content-md5",
        "content-range",
        "content-type",
        "expires",
        "last-modified",
    )
)
_TEXT_TYPES = ("text/", "application/xml", "application/javascript", "application/ecmascript")


def status_line(code: int) -> str:
    """``404`` -> ``"404 NOT FOUND"`` (Werkzeug's spelling), cached."""
    line = _STATUS_CACHE.get(code)
    if line is None:
        line = f"{code} {HTTP_STATUS_CODES.get(code, 'UNKNOWN').upper()}"
        _STATUS_CACHE[code] = line
    return line


_CONTENT_TYPES: dict[tuple[str, str], str] = {}


def _has_line_break(text: str) -> bool:
    return "\r" in text or "\n" in text or "\0" in text


def _checked_content_type(mimetype: str, charset: str) -> str:
    """``get_content_type`` checked for CR/LF/NUL like any header value; cached."""
    key = (mimetype, charset)
    cached = _CONTENT_TYPES.get(key)
    if cached is None:
        cached = check_header("Content-Type", get_content_type(mimetype, charset))
        if len(_CONTENT_TYPES) < 256:
            _CONTENT_TYPES[key] = cached
    return cached


# ("Content-Type", value) pairs of the common constructor: by mimetype for the default
# charset, utf-8 (the common case: no key to build), by (mimetype, charset) otherwise.
_UTF8_TYPE_PAIRS: dict[str, tuple[str, str]] = {}
_CONTENT_TYPE_PAIRS: dict[tuple[str, str], tuple[str, str]] = {}


def _content_type_pair(mimetype: str, charset: str) -> tuple[str, str]:
    """``("Content-Type", _checked_content_type(...))``, cached (at most 256 of each)."""
    key = (mimetype, charset)
    pair = _CONTENT_TYPE_PAIRS.get(key)
    if pair is None:
        pair = ("Content-Type", _checked_content_type(mimetype, charset))
        if len(_CONTENT_TYPE_PAIRS) < 256:
            _CONTENT_TYPE_PAIRS[key] = pair
        if charset == "utf-8" and len(_UTF8_TYPE_PAIRS) < 256:
            _UTF8_TYPE_PAIRS[mimetype] = pair
    return pair


# ("Content-Length", str(n)) pairs of the common constructor for the lengths seen (at most
# 1,024 of them: a str per length is the whole cost).
_LENGTH_PAIRS: dict[int, tuple[str, str]] = {}


def _length_pair(length: int) -> tuple[str, str]:
    pair = ("Content-Length", str(length))
    if len(_LENGTH_PAIRS) < 1024:
        _LENGTH_PAIRS[length] = pair
    return pair


def get_content_type(mimetype: str, charset: str = "utf-8") -> str:
    """Add ``; charset=...`` to text types that lack it."""
    if (
        mimetype.startswith(_TEXT_TYPES) or mimetype.endswith("+xml")
    ) and "charset" not in mimetype:
        return f"{mimetype}; charset={charset}"
    return mimetype


def _request_uri(environ: dict[str, Any]) -> str:
    """The request URL without its query, as a URI (the base of a relative Location)."""
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST")
    if not host:
        host = f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}".rstrip(":")
    host = host.removesuffix(":443" if scheme == "https" else ":80")
    # Werkzeug's join: the script root ends in exactly one slash, the path starts after it
    # (so PATH_INFO "foo" below "/app" is "/app/foo").
    script = environ.get("SCRIPT_NAME", "").rstrip("/")
    path = f"{script}/{environ.get('PATH_INFO', '').lstrip('/')}"
    path = quote(path.encode("latin-1", "replace"), safe="/:@!$&'()*+,;=%")
    return f"{scheme}://{host}{path}"


def _all_bytes(chunks: list[Any]) -> bool:
    if len(chunks) == 1:
        return type(chunks[0]) is bytes
    return all(type(chunk) is bytes for chunk in chunks)


class ClosingIterator:
    """Iterates a body and, on ``close()``, closes it and runs the callbacks."""

    __slots__ = ("_callbacks", "_iterator")

    def __init__(self, iterable: Iterable[bytes], callbacks: list[Callable[[], Any]]) -> None:
        self._iterator = iter(iterable)
        self._callbacks = callbacks

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return next(self._iterator)

    def close(self) -> None:
        for callback in self._callbacks:
            callback()


def _encoded(chunks: Iterable[Any], charset: str) -> Iterator[bytes]:
    for item in chunks:
        if isinstance(item, str):
            yield item.encode(charset)
        else:
            yield item


class _LazyHeaders:
    """``ResponseBase.headers`` of a response made by ``__init__``'s common case: a
    ``Headers`` over the pairs ``__init__`` wrote, made on first read and then stored on the
    response (a non-data descriptor: from then on, or once assigned, the instance attribute
    is read directly). A response whose headers nobody read is sent without one."""

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        try:
            pairs = instance.__dict__["_header_pairs"]
        except KeyError:
            raise AttributeError("headers") from None
        headers = _new_headers()
        headers._list = pairs
        instance.__dict__["headers"] = headers
        return headers


class ResponseBase:
    """A WSGI response: call it with ``(environ, start_response)``."""

    charset = "utf-8"
    default_status = 200
    default_mimetype: str | None = "text/html"
    automatically_set_content_length = True
    #: Make a relative ``Location`` absolute against the request URL (Werkzeug's flag;
    #: off by default, as relative redirects are valid, RFC 9110 section 10.2.2).
    autocorrect_location_header = False
    max_cookie_size = 4093
    implicit_sequence_conversion = True
    headers: Headers = _LazyHeaders()  # type: ignore[assignment]  # a Headers once read

    def __init__(
        self,
        response: Iterable[bytes] | Iterable[str] | bytes | str | None = None,
        status: int | str | None = None,
        headers: Any = None,
        mimetype: str | None = None,
        content_type: str | None = None,
        direct_passthrough: bool = False,
    ) -> None:
        kind = type(response)
        if (
            (kind is str or kind is bytes)
            and headers is None
            and content_type is None
            and self.automatically_set_content_length
            and type(self).set_data is _BASE_SET_DATA
        ):
            # The common case (a view's str, jsonify, Response(text, mimetype=...)): the
            # header list is built directly, since nothing in it can need replacing.
            charset = self.charset
            if charset == "utf-8":
                data = response.encode() if kind is str else response  # type: ignore[union-attr]
                if mimetype is None:
                    mimetype = self.default_mimetype
                type_pair = _UTF8_TYPE_PAIRS.get(mimetype)  # type: ignore[arg-type]
            else:
                data = response.encode(charset) if kind is str else response  # type: ignore[union-attr]
                if mimetype is None:
                    mimetype = self.default_mimetype
                type_pair = None
            length = len(data)  # type: ignore[arg-type]
            length_pair = _LENGTH_PAIRS.get(length) or _length_pair(length)
            if type_pair is not None:
                pairs = [type_pair, length_pair]
            elif mimetype is not None:
                pairs = [_content_type_pair(mimetype, charset), length_pair]
            else:
                pairs = [length_pair]
            if status is None:
                status = self.default_status
            if type(status) is int:
                self._status_code = status
                self._status = _STATUS_CACHE.get(status) or status_line(status)
            else:
                self.status = status
            self.direct_passthrough = direct_passthrough
            self._on_close: list[Callable[[], Any]] = []
            self.response: Any = [data]
            # ``headers`` is made from these pairs when first read (``_LazyHeaders``);
            # until then the WSGI call sends them as they are.
            self._header_pairs = pairs
            return
        self._init_general(response, status, headers, mimetype, content_type, direct_passthrough)

    def _init_general(
        self,
        response: Any,
        status: int | str | None,
        headers: Any,
        mimetype: str | None,
        content_type: str | None,
        direct_passthrough: bool,
    ) -> None:
        fresh = headers is None  # no header to replace: append instead of set
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        if content_type is None:
            if mimetype is None and (fresh or "content-type" not in self.headers):
                mimetype = self.default_mimetype
            if mimetype is not None:
                content_type = get_content_type(mimetype, self.charset)
        if content_type is not None:
            if fresh:
                self.headers.add("Content-Type", content_type)
            else:
                self.headers.set("Content-Type", content_type)
        if status is None:
            status = self.default_status
        if type(status) is int:
            self.status_code = status
        else:
            self.status = status
        self.direct_passthrough = direct_passthrough
        self._on_close = []
        if response is None:
            self.response = []
        elif isinstance(response, str | bytes | bytearray):
            self.set_data(response)
        else:
            self.response = response

    # -- status --------------------------------------------------------------------------
    @property
    def status_code(self) -> int:
        return self._status_code

    @status_code.setter
    def status_code(self, code: int) -> None:
        self._status_code = code
        self._status = status_line(code)

    @property
    def status(self) -> str:
        return self._status

    @status.setter
    def status(self, value: int | str | bytes) -> None:
        if isinstance(value, int):
            self.status_code = int(value)
            return
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if not isinstance(value, str):
            raise TypeError("Invalid status argument: use an int or a str such as '200 OK'.")
        value = value.strip()
        if not value:
            raise ValueError("Empty status argument")
        if "\r" in value or "\n" in value or "\0" in value:
            raise ValueError(f"A status must not contain CR, LF or NUL: {value!r}")
        head, _, reason = value.partition(" ")
        if head.isdigit():
            code = int(head)
            self._status_code = code
            self._status = f"{code} {reason}" if reason else status_line(code)
        else:
            self._status_code = 0
            self._status = f"0 {value}"

    # -- body ----------------------------------------------------------------------------
    def get_data(self, as_text: bool = False) -> Any:
        """The whole body as bytes (or text); a streamed body is buffered first."""
        self._ensure_sequence()
        data = b"".join(self.iter_encoded())
        return data.decode(self.charset) if as_text else data

    def set_data(self, value: str | bytes | bytearray) -> None:
        """Replace the body and set Content-Length."""
        data = value.encode(self.charset) if isinstance(value, str) else bytes(value)
        self.response = [data]
        if self.automatically_set_content_length:
            self.headers.set("Content-Length", str(len(data)))

    data = property(get_data, set_data, doc="The body as bytes (settable).")

    @property
    def is_sequence(self) -> bool:
        return isinstance(self.response, list | tuple)

    @property
    def is_streamed(self) -> bool:
        try:
            len(self.response)
        except (TypeError, AttributeError):
            return True
        return False

    def _ensure_sequence(self, mutable: bool = False) -> None:
        if self.is_sequence:
            if mutable and not isinstance(self.response, list):
                self.response = list(self.response)
            return
        if self.direct_passthrough:
            raise RuntimeError(
                "A direct_passthrough response cannot be buffered; read .response instead."
            )
        if not self.implicit_sequence_conversion:
            raise RuntimeError("The response object required the iterable to be a sequence.")
        self.make_sequence()

    def make_sequence(self) -> None:
        """Buffer a streamed body into a list (and close the original iterable)."""
        if not self.is_sequence:
            close = getattr(self.response, "close", None)
            self.response = list(self.iter_encoded())
            if close is not None:
                self.call_on_close(close)

    def iter_encoded(self) -> Iterator[bytes]:
        """The body chunks as bytes (str chunks encoded). The body is taken when this is
        called, as in Werkzeug, so code that wraps it (``response.response =
        compress(response.iter_encoded())``) does not read its own output."""
        return _encoded(self.response, self.charset)

    def calculate_content_length(self) -> int | None:
        try:
            self._ensure_sequence()
        except RuntimeError:
            return None
        return sum(len(chunk) for chunk in self.iter_encoded())

    def call_on_close(self, func: Callable[[], Any]) -> Callable[[], Any]:
        """Run ``func`` when the WSGI server closes the response; returns ``func``."""
        self._on_close.append(func)
        return func

    def close(self) -> None:
        close = getattr(self.response, "close", None)
        if close is not None:
            close()
        callbacks, self._on_close = self._on_close, []
        for func in callbacks:
            func()

    def __enter__(self) -> ResponseBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def freeze(self) -> None:
        """Buffer the body and fix Content-Length (for caching or testing)."""
        self.response = list(self.iter_encoded())
        self.headers["Content-Length"] = str(sum(map(len, self.response)))

    # -- headers -------------------------------------------------------------------------
    @property
    def mimetype(self) -> str | None:
        value = self.headers.get("content-type")
        return value.split(";")[0].strip() if value else None

    @mimetype.setter
    def mimetype(self, value: str) -> None:
        self.headers["Content-Type"] = get_content_type(value, self.charset)

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The Content-Type parameters; changing the dict rewrites the header."""

        def write_back(params: dict[str, str]) -> None:
            self.headers["Content-Type"] = dump_options_header(self.mimetype or "", params)

        params = parse_options_header(self.headers.get("content-type"))[1]
        return CallbackDict(params, write_back)

    @property
    def content_type(self) -> str | None:
        value: str | None = self.headers.get("content-type")
        return value

    @content_type.setter
    def content_type(self, value: str | None) -> None:
        if value is None:
            self.headers.remove("Content-Type")
        else:
            self.headers["Content-Type"] = value

    @property
    def content_length(self) -> int | None:
        value: int | None = self.headers.get("content-length", type=int)
        return value

    @content_length.setter
    def content_length(self, value: int | None) -> None:
        if value is None:
            self.headers.remove("Content-Length")
        else:
            self.headers["Content-Length"] = str(value)

    @property
    def location(self) -> str | None:
        value: str | None = self.headers.get("location")
        return value

    @location.setter
    def location(self, value: str | None) -> None:
        if value is None:
            self.headers.remove("Location")
        else:
            self.headers["Location"] = value

    def _header_set(self, name: str) -> HeaderSet:
        def write_back(header_set: HeaderSet) -> None:
            if header_set:
                self.headers[name] = header_set.to_header()
            else:
                self.headers.remove(name)

        raw = self.headers.get(name, "")
        items = [item.strip() for item in raw.split(",") if item.strip()]
        return HeaderSet(items, write_back)

    @property
    def cache_control(self) -> CacheControl:
        """The Cache-Control header as an object; changes are written back."""

        def write_back(control: CacheControl) -> None:
            if control:
                self.headers["Cache-Control"] = control.to_header()
            else:
                self.headers.remove("Cache-Control")

        return CacheControl(self.headers.get("Cache-Control"), write_back)

    @property
    def vary(self) -> HeaderSet:
        return self._header_set("Vary")

    @property
    def allow(self) -> HeaderSet:
        return self._header_set("Allow")

    @property
    def content_language(self) -> HeaderSet:
        return self._header_set("Content-Language")

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: timedelta | int | None = None,
        expires: str | datetime | int | float | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Add a Set-Cookie header (see ``kettle.http.cookies.dump_cookie``)."""
        self.headers.add(
            "Set-Cookie",
            dump_cookie(
                key,
                value=value,
                max_age=max_age,
                expires=expires,
                path=path,
                domain=domain,
                secure=secure,
                httponly=httponly,
                max_size=self.max_cookie_size,
                samesite=samesite,
                partitioned=partitioned,
            ),
        )

    def delete_cookie(
        self,
        key: str,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Expire a cookie in the browser."""
        self.set_cookie(
            key,
            expires=0,
            max_age=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    def set_content_type_option(self, name: str, value: str) -> None:
        mimetype, options = parse_options_header(self.content_type)
        options[name] = value
        self.content_type = dump_options(mimetype, options)

    # -- WSGI ----------------------------------------------------------------------------
    def get_wsgi_headers(self, environ: dict[str, Any]) -> Headers:
        """The headers to send for ``environ`` (drops what the status forbids).

        Location and Content-Location are sent as URIs (IRIs encoded, backslashes
        escaped), whatever was assigned to them.
        """
        code = self._status_code
        headers = self.headers
        if type(headers) is not Headers and not isinstance(headers, Headers):
            # A plain dict or list of pairs assigned to ``response.headers`` (Werkzeug
            # copies it into Headers here too); kept, so later reads see Headers.
            headers = self.headers = Headers(headers)
        has_length = False
        for index, (name, value) in enumerate(headers):
            lower = name.lower()
            if lower == "content-length":
                has_length = True
            elif lower == "location" or lower == "content-location":
                uri = iri_to_uri(value)
                if lower == "location" and self.autocorrect_location_header:
                    uri = urljoin(_request_uri(environ), uri)
                canonical = "Location" if lower == "location" else "Content-Location"
                if uri != value or name != canonical:  # sent under its canonical name
                    if headers is self.headers:
                        headers = headers.copy()
                    headers[index] = (canonical, uri)
        if code == 304:
            return Headers([pair for pair in headers if pair[0].lower() not in _ENTITY_HEADERS])
        if code < 200 or code == 204:
            if "content-length" in headers:
                headers = headers.copy()
                headers.remove("Content-Length")
            return headers
        if (
            self.automatically_set_content_length
            and type(self.response) is list
            and not has_length
            and not self.direct_passthrough
        ):
            length = 0
            for chunk in self.response:
                length += len(chunk.encode(self.charset) if isinstance(chunk, str) else chunk)
            headers = headers.copy()
            headers["Content-Length"] = str(length)
        return headers

    def get_app_iter(self, environ: dict[str, Any]) -> Iterable[bytes]:
        """The body iterable to hand to the server for ``environ``."""
        code = self._status_code
        if environ.get("REQUEST_METHOD") == "HEAD" or code < 200 or code == 204 or code == 304:
            body: Iterable[bytes] = ()
        else:
            response = self.response
            if self.direct_passthrough or (type(response) is list and _all_bytes(response)):
                if not self._on_close:
                    # Nothing to run on close: hand the body over as it is (a list lets
                    # the server frame it, a file wrapper lets it use sendfile).
                    return response  # type: ignore[no-any-return]
                body = response
            else:
                body = self.iter_encoded()
        return ClosingIterator(body, [self.close])

    def get_wsgi_response(self, environ: dict[str, Any]) -> tuple[Iterable[bytes], str, Headers]:
        headers = self.get_wsgi_headers(environ)
        return self.get_app_iter(environ), self._status, headers

    def _common_head(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]]] | None:
        """The status and header pairs of the common response, as ``get_wsgi_response``
        gives them, or None for any other. Common: one bytes chunk, a status with a body,
        no ``call_on_close`` function, not a HEAD request, the WSGI methods not
        overridden (asked on every call, so a method replaced at any time is seen).
        Headers nobody read are the pairs ``__init__`` wrote (a Content-Type and the
        Content-Length), given as the response's own list: the caller copies it. The one
        core of ``__call__`` and of ``response_parts`` (kettle.server's direct entry)."""
        body = self.response
        code = self._status_code
        cls = type(self)
        if not (
            type(body) is list
            and len(body) == 1
            and type(body[0]) is bytes
            and code >= 200
            and code != 204
            and code != 304
            and not self._on_close
            and environ.get("REQUEST_METHOD") != "HEAD"
            and cls.get_wsgi_response is _BASE_GET_WSGI_RESPONSE
            and cls.get_wsgi_headers is _BASE_GET_WSGI_HEADERS
            and cls.get_app_iter is _BASE_GET_APP_ITER
        ):
            return None
        # (The status is read first: on Python 3.11 an object whose ``__dict__`` was read
        # is slower at every later attribute read.)
        status = self._status
        attributes = self.__dict__
        if "headers" not in attributes and (
            _LAZY_HEADER_CLASSES.get(cls) or _keeps_lazy_headers(cls)
        ):
            pairs = attributes.get("_header_pairs")
            return None if pairs is None else (status, pairs)
        sendable = _sendable_pairs(self, body[0])
        return None if sendable is None else (status, sendable)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        head = self._common_head(environ)
        if head is not None:
            start_response(head[0], list(head[1]))
            return self.response  # type: ignore[no-any-return]  # a list of one bytes
        app_iter, status, wsgi_headers = self.get_wsgi_response(environ)
        start_response(status, wsgi_headers.to_wsgi_list())
        return app_iter

    @classmethod
    def force_type(cls, response: Any, environ: dict[str, Any] | None = None) -> Any:
        """Turn another response object or any WSGI app into an instance of ``cls``."""
        if isinstance(response, cls):
            return response
        if isinstance(response, ResponseBase):
            response.__class__ = cls
            return response
        if environ is None:
            raise TypeError(
                "Converting a WSGI application into a response needs the request's environ."
            )
        return cls.from_app(response, environ)

    @classmethod
    def from_app(cls, app: Any, environ: dict[str, Any], buffered: bool = False) -> Any:
        """Run a WSGI app and wrap what it answers."""
        captured: list[Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            captured[:] = [status, headers]
            return lambda data: None

        body = app(environ, start_response)
        if buffered or not captured:
            try:
                chunks = list(body)
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()
            body = chunks
        # A streamed body stays the response's iterable: close() closes it.
        return cls(body, captured[0], Headers(captured[1]))

    def __repr__(self) -> str:
        size = f"{sum(map(len, self.iter_encoded()))} bytes" if self.is_sequence else "streamed"
        return f"<{type(self).__name__} {size} [{self.status}]>"


_LAZY_HEADER_CLASSES: dict[type, bool] = {}


def _keeps_lazy_headers(cls: type) -> bool:
    """Whether ``cls`` keeps ``_LazyHeaders`` as its ``headers`` (looked up once a class)."""
    keeps = _LAZY_HEADER_CLASSES[cls] = (
        type(inspect.getattr_static(cls, "headers")) is _LazyHeaders
    )
    return keeps


def _sendable_pairs(response: ResponseBase, chunk: bytes) -> list[tuple[str, str]] | None:
    """The header list ``get_wsgi_headers`` gives for a common response whose headers were
    read (a ``Headers``; one body chunk, a status with a body), in one pass over them; None
    when one may need encoding (a Location) or they are not a ``Headers``."""
    headers = response.headers
    if type(headers) is not Headers:
        return None
    has_length = False
    for name, _value in headers._list:
        if name in _PLAIN_NAMES:
            continue  # as written by __init__ or a common setter: nothing to do
        lower = name.lower()
        if lower == "content-length":
            has_length = True
        elif lower == "location" or lower == "content-location":
            return None  # may need encoding: the general path
    pairs = list(headers._list)
    if (
        not has_length
        and response.automatically_set_content_length
        and not response.direct_passthrough
    ):
        pairs.append(("Content-Length", str(len(chunk))))
    return pairs


# Header names (as Kettle writes them) that the WSGI call never needs to look at; a
# Content-Length written so still counts, so it is not among them.
_PLAIN_NAMES = frozenset(
    ("Content-Type", "Set-Cookie", "Vary", "Cache-Control", "ETag", "Last-Modified", "Date")
)
_new_headers = partial(object.__new__, Headers)  # a Headers whose _list is set next
_BASE_SET_DATA = ResponseBase.set_data
_BASE_GET_WSGI_RESPONSE = ResponseBase.get_wsgi_response
_BASE_GET_WSGI_HEADERS = ResponseBase.get_wsgi_headers
_BASE_GET_APP_ITER = ResponseBase.get_app_iter
_BASE_CALL = ResponseBase.__call__
_new_tuple = tuple.__new__


def response_parts(response: ResponseBase, environ: dict[str, Any]) -> ResponseParts | None:
    """``response`` as ``ResponseParts`` when its WSGI call would send the common
    response (``_common_head``) and its class keeps that call; else None, and the caller
    calls it as WSGI. The same status, header pairs and body bytes, without the
    ``start_response`` round trip (kettle.server's direct entry, docs/server.md)."""
    if type(response).__call__ is not _BASE_CALL:
        return None
    head = response._common_head(environ)
    if head is None:
        return None
    # tuple.__new__ directly: the named tuple's own __new__ is one more Python call.
    return _new_tuple(ResponseParts, (head[0], tuple(head[1]), response.response[0]))
