"""HTTP errors as exceptions: the HTTPException hierarchy, ``abort`` and ``Aborter``.

Owns one class per standard error status (the names Werkzeug uses, which Flask apps
import and catch), ``default_exceptions`` (code -> class) and ``abort``. Every exception is
also a WSGI application, and ``get_response()`` renders a small HTML page with the code,
the name and the description.

Rules: the description is HTML-escaped in the page; headers that an error needs travel
with it (``Allow`` for 405, ``WWW-Authenticate`` for 401, ``Content-Range`` for 416,
``Retry-After`` for 429/503). ``abort(response)`` raises an HTTPException carrying that
response. An unknown code given to ``abort`` is a ``LookupError``. Once this module is
loaded, a key missing from any ``MultiDict`` or ``Headers`` raises ``BadRequestKeyError``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NoReturn

from markupsafe import Markup, escape

from kettle.http.dates import format_http_date
from kettle.http.headers import Headers
from kettle.http.multidict import MultiDict
from kettle.http.status import HTTP_STATUS_CODES

from .response import ResponseBase


class HTTPException(Exception):
    """Base of all HTTP errors; ``code``, ``description``, ``get_response()``."""

    code: int | None = None
    description: str | None = None

    def __init__(self, description: str | None = None, response: Any = None) -> None:
        super().__init__()
        if description is not None:
            self.description = description
        self.response = response

    @property
    def name(self) -> str:
        """The reason phrase, e.g. ``"Not Found"``."""
        if self.code is None:
            return "Unknown Error"
        return HTTP_STATUS_CODES.get(self.code, "Unknown Error")

    def get_description(self, environ: Any = None, scope: Any = None) -> str:
        """The description as an HTML paragraph."""
        text = escape(self.description or "").replace("\n", Markup("<br>"))
        return f"<p>{text}</p>"

    def get_body(self, environ: Any = None, scope: Any = None) -> str:
        return (
            "<!doctype html>\n<html lang=en>\n"
            f"<title>{self.code} {escape(self.name)}</title>\n"
            f"<h1>{escape(self.name)}</h1>\n"
            f"{self.get_description(environ)}\n"
        )

    def get_headers(self, environ: Any = None, scope: Any = None) -> list[tuple[str, str]]:
        return [("Content-Type", "text/html; charset=utf-8")]

    def get_response(self, environ: Any = None, scope: Any = None) -> Any:
        """A response for this error (the carried one, if ``response=`` was given)."""
        if self.response is not None:
            return self.response
        return ResponseBase(
            self.get_body(environ, scope),
            self.code or 500,
            self.get_headers(environ, scope),
        )

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        response = self.get_response(environ)
        result: Iterable[bytes] = response(environ, start_response)
        return result

    def __str__(self) -> str:
        code = self.code if self.code is not None else "???"
        return f"{code} {self.name}: {self.description}"

    def __repr__(self) -> str:
        code = self.code if self.code is not None else "???"
        return f"<{type(self).__name__} '{code}: {self.name}'>"


class BadRequest(HTTPException):
    code = 400
    description = "The server could not understand this request: it is malformed or invalid."


class BadRequestKeyError(BadRequest, KeyError):
    """A key missing from ``request.form``/``args``/``files``: a 400 and a ``KeyError``."""

    show_exception = False

    def __init__(self, arg: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.args = () if arg is None else (arg,)

    @property
    def description(self) -> str:
        if self.show_exception:
            return f"{self._description}\nKeyError: {KeyError.__str__(self)}"
        return self._description

    @description.setter
    def description(self, value: str) -> None:
        self._description = value

    _description = BadRequest.description or ""

    def __str__(self) -> str:
        return HTTPException.__str__(self)


# As Werkzeug's do, every MultiDict and Headers of a web app raises BadRequestKeyError for
# a missing key (a view reading one answers 400, and ``except KeyError`` still catches it).
# ``key_error_class`` is kettle.http's seam for this; used alone, kettle.http keeps its
# own MultiDictKeyError and HeaderKeyError.
MultiDict.key_error_class = BadRequestKeyError
Headers.key_error_class = BadRequestKeyError


class ClientDisconnected(BadRequest):
    description = "The client went away before the request body was read."


class SecurityError(BadRequest):
    description = "The request was refused for security reasons."


class BadHost(BadRequest):
    description = "The Host header names a host this server does not serve."


class Unauthorized(HTTPException):
    code = 401
    description = "Authentication is required and was missing or not accepted."

    def __init__(
        self,
        description: str | None = None,
        response: Any = None,
        www_authenticate: Any = None,
    ) -> None:
        super().__init__(description, response)
        if www_authenticate is not None and not isinstance(www_authenticate, list | tuple):
            www_authenticate = [www_authenticate]
        self.www_authenticate = list(www_authenticate or ())

    def get_headers(self, environ: Any = None, scope: Any = None) -> list[tuple[str, str]]:
        headers = super().get_headers(environ, scope)
        for value in self.www_authenticate:
            text = value.to_header() if hasattr(value, "to_header") else str(value)
            headers.append(("WWW-Authenticate", text))
        return headers


class Forbidden(HTTPException):
    code = 403
    description = "You are not allowed to access this resource."


class NotFound(HTTPException):
    code = 404
    description = "Nothing was found at this URL. Check the address and try again."


class MethodNotAllowed(HTTPException):
    code = 405
    description = "This URL does not accept the request's method."

    def __init__(
        self,
        valid_methods: Iterable[str] | None = None,
        description: str | None = None,
        response: Any = None,
    ) -> None:
        super().__init__(description, response)
        self.valid_methods = list(valid_methods) if valid_methods is not None else None

    def get_headers(self, environ: Any = None, scope: Any = None) -> list[tuple[str, str]]:
        headers = super().get_headers(environ, scope)
        if self.valid_methods:
            headers.append(("Allow", ", ".join(self.valid_methods)))
        return headers


class NotAcceptable(HTTPException):
    code = 406
    description = "None of the representations of this resource match the request's Accept."


class RequestTimeout(HTTPException):
    code = 408
    description = "The server gave up waiting for the rest of the request."


class Conflict(HTTPException):
    code = 409
    description = "The request conflicts with the current state of the resource."


class Gone(HTTPException):
    code = 410
    description = "This resource existed once and has been removed for good."


class LengthRequired(HTTPException):
    code = 411
    description = "This request needs a Content-Length header."


class PreconditionFailed(HTTPException):
    code = 412
    description = "A precondition of the request's If-* headers did not hold."


class RequestEntityTooLarge(HTTPException):
    code = 413
    description = "The request body is larger than this server accepts."


class RequestURITooLarge(HTTPException):
    code = 414
    description = "The request URL is longer than this server accepts."


class UnsupportedMediaType(HTTPException):
    code = 415
    description = "The server cannot handle the request body's media type."


class RequestedRangeNotSatisfiable(HTTPException):
    code = 416
    description = "The requested range lies outside the resource."

    def __init__(
        self,
        length: int | None = None,
        units: str = "bytes",
        description: str | None = None,
        response: Any = None,
    ) -> None:
        super().__init__(description, response)
        self.length = length
        self.units = units

    def get_headers(self, environ: Any = None, scope: Any = None) -> list[tuple[str, str]]:
        headers = super().get_headers(environ, scope)
        if self.length is not None:
            headers.append(("Content-Range", f"{self.units} */{self.length}"))
        return headers


class ExpectationFailed(HTTPException):
    code = 417
    description = "The server cannot meet the request's Expect header."


class ImATeapot(HTTPException):
    code = 418
    description = "This server is a teapot and will not brew coffee."


class MisdirectedRequest(HTTPException):
    code = 421
    description = "This server cannot answer for the request's target."


class UnprocessableEntity(HTTPException):
    code = 422
    description = "The request was well-formed but its content could not be processed."


class Locked(HTTPException):
    code = 423
    description = "The resource is locked."


class FailedDependency(HTTPException):
    code = 424
    description = "The request depended on another request that failed."


class PreconditionRequired(HTTPException):
    code = 428
    description = "This request must be conditional (send If-Match or If-Unmodified-Since)."


class _RetryAfter(HTTPException):
    def __init__(
        self,
        description: str | None = None,
        response: Any = None,
        retry_after: datetime | int | None = None,
    ) -> None:
        super().__init__(description, response)
        self.retry_after = retry_after

    def get_headers(self, environ: Any = None, scope: Any = None) -> list[tuple[str, str]]:
        headers = super().get_headers(environ, scope)
        if isinstance(self.retry_after, datetime):
            headers.append(("Retry-After", format_http_date(self.retry_after)))
        elif self.retry_after is not None:
            headers.append(("Retry-After", str(int(self.retry_after))))
        return headers


class TooManyRequests(_RetryAfter):
    code = 429
    description = "Too many requests in too short a time; slow down and retry later."


class RequestHeaderFieldsTooLarge(HTTPException):
    code = 431
    description = "The request's headers are larger than this server accepts."


class UnavailableForLegalReasons(HTTPException):
    code = 451
    description = "This resource is unavailable for legal reasons."


class InternalServerError(HTTPException):
    code = 500
    description = "The server hit an internal error and could not complete the request."

    def __init__(
        self,
        description: str | None = None,
        response: Any = None,
        original_exception: BaseException | None = None,
    ) -> None:
        super().__init__(description, response)
        self.original_exception = original_exception


class NotImplemented(HTTPException):
    code = 501
    description = "The server does not support the action requested."


class BadGateway(HTTPException):
    code = 502
    description = "An upstream server sent an invalid answer."


class ServiceUnavailable(_RetryAfter):
    code = 503
    description = "The service is unavailable for now (overloaded or in maintenance)."


class GatewayTimeout(HTTPException):
    code = 504
    description = "An upstream server did not answer in time."


class HTTPVersionNotSupported(HTTPException):
    code = 505
    description = "The server does not support the HTTP version of the request."


default_exceptions: dict[int, type[HTTPException]] = {}
for _value in list(globals().values()):
    if (
        isinstance(_value, type)
        and issubclass(_value, HTTPException)
        and _value.code is not None
        and _value.code not in default_exceptions
        and not _value.__name__.startswith("_")
    ):
        default_exceptions[_value.code] = _value
del _value


class Aborter:
    """Raises the HTTPException registered for a code: ``Aborter()(404)``."""

    def __init__(
        self,
        mapping: dict[int, type[HTTPException]] | None = None,
        extra: dict[int, type[HTTPException]] | None = None,
    ) -> None:
        self.mapping = dict(default_exceptions if mapping is None else mapping)
        if extra is not None:
            self.mapping.update(extra)

    def __call__(self, code: int | Any, *args: Any, **kwargs: Any) -> NoReturn:
        if isinstance(code, ResponseBase):
            raise HTTPException(response=code)
        if not isinstance(code, int) or code not in self.mapping:
            if callable(code) and not isinstance(code, int):
                raise HTTPException(response=code)
            raise LookupError(f"no exception for {code!r}")
        raise self.mapping[code](*args, **kwargs)


_aborter = Aborter()


def abort(status: int | Any, *args: Any, **kwargs: Any) -> NoReturn:
    """Raise the HTTPException for ``status`` (or one carrying a response object)."""
    _aborter(status, *args, **kwargs)
