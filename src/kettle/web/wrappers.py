"""Request and Response: the objects a view sees (``Request`` lives in ``request.py``).

Owns ``Response`` (``ResponseBase`` plus ETags, conditional GET, ranges and JSON),
``RangeBody`` and ``redirect``; re-exports ``Request`` so ``kettle.web.wrappers`` is the one
import for both, as ``werkzeug.wrappers`` is.

Rules: ``make_conditional`` answers only GET and HEAD; a satisfied If-None-Match or
If-Modified-Since gives 304, a failed If-Match 412 (RFC 9110 section 13.2.2); a Range is
honoured only with ``accept_ranges`` and a known length, a single satisfiable range gives
206 with Content-Range, anything else 416 (RFC 9110 section 14.2). A file body is sliced by
seeking, never by reading the whole file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, Any

from markupsafe import escape

from kettle.http.accessors import (
    dump_retry_after,
    dump_seconds,
    header_flag,
    header_set,
    header_text,
    header_value,
    parse_int,
    parse_retry_after,
    parse_seconds,
)
from kettle.http.auth import WWWAuthenticate
from kettle.http.conditional import (
    ContentRange,
    generate_etag,
    is_environ_modified,
    parse_content_range_header,
    parse_etags,
    parse_range_header,
    quote_etag,
    unquote_etag,
)
from kettle.http.dates import format_http_date, parse_http_date
from kettle.http.directives import ContentSecurityPolicy
from kettle.http.fieldutils import COEP, COOP
from kettle.http.urls import iri_to_uri

from .exceptions import RequestedRangeNotSatisfiable
from .globals import _cv_app
from .request import Request
from .response import ResponseBase, get_content_type, status_line


class Response(ResponseBase):
    """The response class of Kettle apps: a WSGI app, with conditional GET and JSON."""

    age = header_value("Age", parse_seconds, dump_seconds, doc="Age as a timedelta.")
    retry_after = header_value(
        "Retry-After", parse_retry_after, dump_retry_after, doc="Retry-After as a datetime."
    )
    content_encoding = header_text("Content-Encoding")
    content_location = header_text("Content-Location")
    content_md5 = header_text("Content-MD5")
    cross_origin_embedder_policy = header_value(
        "Cross-Origin-Embedder-Policy",
        COEP,
        lambda value: value.value if isinstance(value, COEP) else str(value),
        default=COEP.UNSAFE_NONE,
        doc="Cross-Origin-Embedder-Policy as a ``COEP`` (``UNSAFE_NONE`` when absent).",
    )
    cross_origin_opener_policy = header_value(
        "Cross-Origin-Opener-Policy",
        COOP,
        lambda value: value.value if isinstance(value, COOP) else str(value),
        default=COOP.UNSAFE_NONE,
        doc="Cross-Origin-Opener-Policy as a ``COOP`` (``UNSAFE_NONE`` when absent).",
    )
    access_control_allow_credentials = header_flag("Access-Control-Allow-Credentials")
    access_control_allow_headers = header_set("Access-Control-Allow-Headers")
    access_control_allow_methods = header_set("Access-Control-Allow-Methods")
    access_control_allow_origin = header_text("Access-Control-Allow-Origin")
    access_control_expose_headers = header_set("Access-Control-Expose-Headers")
    access_control_max_age = header_value("Access-Control-Max-Age", parse_int, str)

    json_module: Any = json

    @property
    def max_cookie_size(self) -> int:  # type: ignore[override]
        """``MAX_COOKIE_SIZE`` of the current app (4093 outside one); 0 disables the warning."""
        ctx = _cv_app.get(None)
        if ctx is None:
            return 4093
        return int(ctx.app.config.get("MAX_COOKIE_SIZE", 4093))

    autocorrect_location_header = False  # Location is sent as given (RFC 9110 10.2.2)

    @property
    def json(self) -> Any:
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False) -> Any:
        if not (force or self.is_json):
            return None
        try:
            return self.json_module.loads(self.get_data())
        except ValueError:
            if silent:
                return None
            raise

    def _csp(self, header: str) -> ContentSecurityPolicy:
        def write_back(policy: ContentSecurityPolicy) -> None:
            if policy:
                self.headers[header] = policy.to_header()
            else:
                self.headers.remove(header)

        return ContentSecurityPolicy(self.headers.get(header), write_back)

    def _set_csp(self, header: str, value: ContentSecurityPolicy | str | None) -> None:
        if not value:
            self.headers.remove(header)
        else:
            self.headers[header] = value if isinstance(value, str) else value.to_header()

    @property
    def content_security_policy(self) -> ContentSecurityPolicy:
        """Content-Security-Policy as a live object (``csp.default_src = "'self'"``)."""
        return self._csp("Content-Security-Policy")

    @content_security_policy.setter
    def content_security_policy(self, value: ContentSecurityPolicy | str | None) -> None:
        self._set_csp("Content-Security-Policy", value)

    @property
    def content_security_policy_report_only(self) -> ContentSecurityPolicy:
        return self._csp("Content-Security-Policy-Report-Only")

    @content_security_policy_report_only.setter
    def content_security_policy_report_only(
        self, value: ContentSecurityPolicy | str | None
    ) -> None:
        self._set_csp("Content-Security-Policy-Report-Only", value)

    def _write_challenge(self, challenge: WWWAuthenticate) -> None:
        if challenge:
            self.headers["WWW-Authenticate"] = challenge.to_header()
        else:
            self.headers.remove("WWW-Authenticate")

    @property
    def www_authenticate(self) -> WWWAuthenticate:
        """The (first) WWW-Authenticate challenge; a ``basic`` one without parameters when
        the header is absent, as in Werkzeug. Changes are written back to the header."""
        parsed = WWWAuthenticate.from_header(self.headers.get("WWW-Authenticate"))
        challenge = parsed if parsed is not None else WWWAuthenticate("basic")
        challenge.on_update = self._write_challenge
        return challenge

    @www_authenticate.setter
    def www_authenticate(
        self, value: WWWAuthenticate | list[WWWAuthenticate] | str | None
    ) -> None:
        """Set the header: a challenge (later changes to it are written back), a list of
        challenges (one header line each) or a string; ``None`` removes it."""
        if not value:
            self.headers.remove("WWW-Authenticate")
        elif isinstance(value, str):
            self.headers["WWW-Authenticate"] = value
        elif isinstance(value, list):
            self.headers.setlist("WWW-Authenticate", [item.to_header() for item in value])
        else:
            self.headers["WWW-Authenticate"] = value.to_header()
            value.on_update = self._write_challenge

    @www_authenticate.deleter
    def www_authenticate(self) -> None:
        self.headers.remove("WWW-Authenticate")

    @property
    def stream(self) -> ResponseStream:
        """A write-only file object appending to the body (``print(..., file=r.stream)``)."""
        return ResponseStream(self)

    @property
    def is_json(self) -> bool:
        mimetype = self.mimetype or ""
        return mimetype == "application/json" or (
            mimetype.startswith("application/") and mimetype.endswith("+json")
        )

    # -- caching headers -------------------------------------------------------------------
    def get_etag(self) -> tuple[str, bool] | tuple[None, None]:
        return unquote_etag(self.headers.get("ETag"))

    def set_etag(self, etag: str, weak: bool = False) -> None:
        self.headers["ETag"] = quote_etag(etag, weak)

    def add_etag(self, overwrite: bool = False, weak: bool = False) -> None:
        """Set an ETag from the body's SHA-1 unless one is set."""
        if overwrite or "etag" not in self.headers:
            from_body = self.get_data()
            self.set_etag(generate_etag(from_body), weak)

    @property
    def last_modified(self) -> Any:
        return parse_http_date(self.headers.get("Last-Modified"))

    @last_modified.setter
    def last_modified(self, value: Any) -> None:
        if value is None:
            self.headers.remove("Last-Modified")
        else:
            self.headers["Last-Modified"] = (
                value if isinstance(value, str) else format_http_date(value)
            )

    @property
    def expires(self) -> Any:
        return parse_http_date(self.headers.get("Expires"))

    @expires.setter
    def expires(self, value: Any) -> None:
        if value is None:
            self.headers.remove("Expires")
        else:
            self.headers["Expires"] = value if isinstance(value, str) else format_http_date(value)

    @property
    def date(self) -> Any:
        return parse_http_date(self.headers.get("Date"))

    @date.setter
    def date(self, value: Any) -> None:
        if value is None:
            self.headers.remove("Date")
        else:
            self.headers["Date"] = value if isinstance(value, str) else format_http_date(value)

    def freeze(self) -> None:
        """Buffer the body, fix Content-Length and add an ETag unless one is set (as
        Werkzeug does, so a frozen response can answer conditional requests)."""
        super().freeze()
        self.add_etag()

    @property
    def accept_ranges(self) -> str | None:
        value: str | None = self.headers.get("Accept-Ranges")
        return value

    @property
    def content_range(self) -> ContentRange:
        """Content-Range as a ``ContentRange`` (``units`` None when absent); live."""

        def write_back(value: ContentRange) -> None:
            if value:
                self.headers["Content-Range"] = value.to_header()
            else:
                self.headers.remove("Content-Range")

        parsed = parse_content_range_header(self.headers.get("Content-Range"))
        result = parsed if parsed is not None else ContentRange(None, None, None)
        result.on_update = write_back
        return result

    @content_range.setter
    def content_range(self, value: ContentRange | str | None) -> None:
        if not value:
            self.headers.remove("Content-Range")
        elif isinstance(value, str):
            self.headers["Content-Range"] = value
        else:
            self.headers["Content-Range"] = value.to_header()

    def make_conditional(
        self,
        request_or_environ: Request | dict[str, Any],
        accept_ranges: bool | str = False,
        complete_length: int | None = None,
    ) -> Response:
        """Answer 304/412 to a satisfied conditional GET/HEAD, 206/416 to a Range."""
        # Anything with an ``environ`` (a Request of any class, the ``request`` proxy) or
        # the environ itself, as Werkzeug accepts.
        source: Any = request_or_environ
        environ: dict[str, Any] = getattr(source, "environ", source)
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self
        if "date" not in self.headers:
            self.headers["Date"] = format_http_date()
        partial = self._process_range(environ, complete_length, accept_ranges)
        if not partial and not is_environ_modified(
            environ, self.headers.get("etag"), None, self.headers.get("last-modified")
        ):
            self.status_code = 412 if parse_etags(environ.get("HTTP_IF_MATCH")) else 304
        if self.automatically_set_content_length and "content-length" not in self.headers:
            length = self.calculate_content_length()
            if length is not None:
                self.headers["Content-Length"] = str(length)
        return self

    def _process_range(
        self, environ: dict[str, Any], complete_length: int | None, accept_ranges: bool | str
    ) -> bool:
        if not accept_ranges:
            return False
        unit = accept_ranges if isinstance(accept_ranges, str) else "bytes"
        self.headers["Accept-Ranges"] = unit
        # As Werkzeug: an unknown or zero length serves the whole (empty) body, 200.
        if "HTTP_RANGE" not in environ or not complete_length:
            return False
        if "HTTP_IF_RANGE" in environ and is_environ_modified(
            environ,
            self.headers.get("etag"),
            None,
            self.headers.get("last-modified"),
            ignore_if_range=False,
        ):
            return False
        parsed = parse_range_header(environ.get("HTTP_RANGE"))
        found = parsed.range_for_length(complete_length) if parsed is not None else None
        if found is None:
            raise RequestedRangeNotSatisfiable(complete_length)
        start, stop = found
        self.headers["Content-Length"] = str(stop - start)
        self.headers["Content-Range"] = f"bytes {start}-{stop - 1}/{complete_length}"
        self.status_code = 206
        self._wrap_range(start, stop - start)
        return True

    def _wrap_range(self, start: int, length: int) -> None:
        filelike = getattr(self.response, "filelike", None)
        if filelike is not None and hasattr(filelike, "seek"):
            self.response = RangeBody(filelike, start, length)
            return
        self.response = [b"".join(self.iter_encoded())[start : start + length]]


class ResponseStream:
    """``response.stream``: ``write`` appends to a buffered body and drops Content-Length."""

    mode = "wb+"

    def __init__(self, response: Response) -> None:
        self.response = response
        self.closed = False

    def write(self, value: str | bytes) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file")
        self.response._ensure_sequence(mutable=True)
        self.response.response.append(value)
        self.response.headers.remove("Content-Length")
        return len(value)

    def writelines(self, seq: Any) -> None:
        for item in seq:
            self.write(item)

    def close(self) -> None:
        self.closed = True

    def flush(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file")

    def isatty(self) -> bool:
        return False

    def tell(self) -> int:
        return sum(map(len, self.response.iter_encoded()))

    @property
    def encoding(self) -> str:
        return self.response.charset


class RangeBody:
    """Yields ``length`` bytes of a seekable file from ``start``, then closes the file."""

    def __init__(self, file: IO[bytes], start: int, length: int) -> None:
        self.filelike = file
        self.start = start
        self.length = length

    def __iter__(self) -> Iterator[bytes]:
        self.filelike.seek(self.start)
        left = self.length
        while left > 0:
            block = self.filelike.read(min(65536, left))
            if not block:
                break
            left -= len(block)
            yield block

    def close(self) -> None:
        self.filelike.close()


_CONTROL = re.compile("[\x00-\x1f\x7f]")


def redirect(
    location: str,
    code: int = 302,
    Response: type[ResponseBase] | None = None,
) -> Any:
    """A response that redirects to ``location`` with a short HTML body.

    The ``Location`` header keeps ``location`` as given (an IRI may hold non-ASCII text or
    an international host); ``get_wsgi_headers`` sends it encoded as a URI, as Werkzeug's
    ``redirect`` does. A location with control characters (CR/LF from a user-supplied
    URL: response splitting) is encoded at once, which drops CR, LF and tab."""
    response_class = Response or globals()["Response"]
    if _CONTROL.search(location):
        location = iri_to_uri(location)
    shown = escape(location)
    body = (
        "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n"
        "<h1>Redirecting...</h1>\n"
        f'<p>You should be redirected to <a href="{shown}">{shown}</a>.'
        " If not, follow the link.\n"
    )
    response = response_class(body, code, mimetype="text/html")
    response.headers["Location"] = location
    return response


__all__ = ["Request", "Response", "get_content_type", "redirect", "status_line"]
