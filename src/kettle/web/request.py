"""Request: a lazy view over one WSGI environ, with Werkzeug's and Flask's public API.

Owns ``Request`` and the containers it hands out (``RequestArgs`` and ``RequestValues``,
names for Werkzeug's ImmutableMultiDict and CombinedMultiDict, whose missing keys are
400s; ``RequestHeaders``, ``UserAgent``).

Rules:
- Nothing is parsed until asked for: each attribute is computed on first access and cached
  in the instance ``__dict__`` (a lock-free ``cached_property``), so a view that reads only
  ``request.args`` never touches the headers, cookies or body.
- The body is read at most once: ``get_data()`` caches it; ``form``/``files`` consume the
  stream; reading ``stream`` directly leaves ``data`` empty, as in Werkzeug.
- Body limits come from the per-request attribute if set, else the current app's config
  (``MAX_CONTENT_LENGTH``, ``MAX_FORM_MEMORY_SIZE``, ``MAX_FORM_PARTS``); over a limit is
  413. A malformed form body gives empty ``form``/``files``; a missing key is a 400
  (``BadRequestKeyError``); bad JSON is 400 and a non-JSON content type is 415.
- ``host`` is empty for a Host value that is not a host name or address (so it never
  reaches a URL); ``url``, ``base_url``, ``url_root`` and ``host_url`` are IRIs built as
  Werkzeug builds them.
- ``close()`` closes uploaded files' temporary storage; the request context calls it.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import IO, Any, Generic, Self, TypeVar, overload
from urllib.parse import quote

from kettle.http.accept import CharsetAccept, LanguageAccept, MIMEAccept, parse_accept_header
from kettle.http.accessors import header_text, header_value, parse_date, parse_int
from kettle.http.auth import Authorization
from kettle.http.conditional import (
    ETags,
    IfRange,
    parse_etags,
    parse_if_range_header,
    parse_range_header,
)
from kettle.http.cookies import parse_cookie
from kettle.http.dates import parse_http_date
from kettle.http.directives import CacheControl
from kettle.http.formparser import (
    ContentTooLargeError,
    FormParseError,
    get_content_length,
    get_input_stream,
)
from kettle.http.headers import EnvironHeaders, HeaderSet
from kettle.http.multidict import CombinedMultiDict, ImmutableMultiDict, MultiDict
from kettle.http.multipart import parse_form_data
from kettle.http.options import parse_options_header
from kettle.http.structures import ImmutableList
from kettle.http.urls import iter_query_pairs, query_lists, uri_to_iri, wsgi_decoding

from .debughelpers import attach_enctype_error_multidict
from .environ_builder import EnvironBuilder
from .exceptions import (
    BadRequest,
    BadRequestKeyError,
    HTTPException,
    RequestEntityTooLarge,
    SecurityError,
    UnsupportedMediaType,
)
from .globals import _cv_app
from .streams import get_input_stream as get_body_stream
from .utils import host_is_trusted

_unset: Any = object()
# What stays unescaped when URL properties re-quote the decoded path and query.
_PATH_SAFE = "!$&'()*+,/:;=@%"
_QUERY_SAFE = "!$&'()*+,/:;=?@%"
# A Host value: a name or IPv4 address, or a bracketed IPv6 address; optional port.
_HOST_RE = re.compile(
    r"([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::([1-9][0-9]{0,4}))?", re.I | re.A
)
T = TypeVar("T")
# An empty ImmutableMultiDict without the class call (its __init__ adds nothing to it).
_new_args: Callable[[type[ImmutableMultiDict]], ImmutableMultiDict] = dict.__new__


class cached_property(Generic[T]):
    """A lazily computed attribute stored in the instance ``__dict__`` on first access.

    Unlike ``functools.cached_property`` on Python 3.11 it takes no lock, which makes the
    first access several times cheaper; a Request belongs to one thread anyway.
    """

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> cached_property[T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = self.func(instance)
        instance.__dict__[self.name] = value
        return value


# ``request.args``/``form``/``files``/``cookies`` are plain ImmutableMultiDicts, as
# Werkzeug's (``parameter_storage_class``/``dict_storage_class``); a missing key is a
# BadRequestKeyError (400) once kettle.web is loaded. The name stays for existing imports.
RequestArgs = ImmutableMultiDict


class RequestHeaders(EnvironHeaders):
    """``request.headers``: a missing header is a 400."""

    __slots__ = ()
    key_error_class = BadRequestKeyError


# ``request.values`` is a plain CombinedMultiDict, as Werkzeug's (whose missing key is a
# BadRequestKeyError once kettle.web is loaded); the name stays for existing imports.
RequestValues = CombinedMultiDict


class UserAgent:
    """The User-Agent header as ``.string`` (no guessing of browser names)."""

    def __init__(self, string: str) -> None:
        self.string = string

    def __str__(self) -> str:
        return self.string

    def __bool__(self) -> bool:
        return bool(self.string)

    def to_header(self) -> str:
        return self.string


def _app_config(key: str, default: Any) -> Any:
    ctx = _cv_app.get(None)
    if ctx is None:
        return default
    return ctx.app.config.get(key, default)


class Request:
    """One HTTP request, read lazily from its WSGI ``environ``."""

    charset = "utf-8"
    parameter_storage_class = RequestArgs  # args, form, files
    dict_storage_class = RequestArgs  # cookies
    list_storage_class: type[list[Any]] = ImmutableList  # access_route
    # Anything with ``loads``; the app layer may plug its JSON provider in here.
    json_module: Any = json
    trusted_hosts: list[str] | None = None
    # Set by the routing layer for each request.
    url_rule: Any = None
    view_args: dict[str, Any] | None = None
    routing_exception: Exception | None = None

    def __init__(
        self, environ: dict[str, Any], populate_request: bool = True, shallow: bool = False
    ) -> None:
        self.environ = environ
        self.shallow = shallow
        if populate_request and not shallow:
            environ["werkzeug.request"] = self

    # -- limits ----------------------------------------------------------------------------
    _max_content_length: int | None = _unset
    _max_form_memory_size: int | None = _unset
    _max_form_parts: int | None = _unset

    @property
    def max_content_length(self) -> int | None:
        """Largest accepted body in bytes (``MAX_CONTENT_LENGTH``); ``None`` is no limit."""
        if self._max_content_length is not _unset:
            return self._max_content_length
        return _app_config("MAX_CONTENT_LENGTH", None)  # type: ignore[no-any-return]

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @property
    def max_form_memory_size(self) -> int | None:
        if self._max_form_memory_size is not _unset:
            return self._max_form_memory_size
        return _app_config("MAX_FORM_MEMORY_SIZE", 500_000)  # type: ignore[no-any-return]

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._max_form_memory_size = value

    @property
    def max_form_parts(self) -> int | None:
        if self._max_form_parts is not _unset:
            return self._max_form_parts
        return _app_config("MAX_FORM_PARTS", 1_000)  # type: ignore[no-any-return]

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self._max_form_parts = value

    # -- routing results -------------------------------------------------------------------
    @property
    def endpoint(self) -> str | None:
        rule = self.url_rule
        return rule.endpoint if rule is not None else None

    @property
    def blueprint(self) -> str | None:
        endpoint = self.endpoint
        if endpoint is not None and "." in endpoint:
            return endpoint.rpartition(".")[0]
        return None

    @property
    def blueprints(self) -> list[str]:
        name = self.blueprint
        if name is None:
            return []
        parts = name.split(".")
        return [".".join(parts[: i + 1]) for i in reversed(range(len(parts)))]

    # -- URL -------------------------------------------------------------------------------
    @cached_property
    def method(self) -> str:
        return str(self.environ.get("REQUEST_METHOD", "GET")).upper()

    @cached_property
    def scheme(self) -> str:
        return str(self.environ.get("wsgi.url_scheme", "http"))

    @property
    def is_secure(self) -> bool:
        return self.scheme in ("https", "wss")

    @cached_property
    def path(self) -> str:
        raw = self.environ.get("PATH_INFO") or ""
        return "/" + wsgi_decoding(raw).lstrip("/")

    @cached_property
    def root_path(self) -> str:
        return wsgi_decoding(self.environ.get("SCRIPT_NAME") or "").rstrip("/")

    @property
    def script_root(self) -> str:
        return self.root_path

    @cached_property
    def query_string(self) -> bytes:
        return str(self.environ.get("QUERY_STRING", "")).encode("latin-1", "replace")

    @cached_property
    def full_path(self) -> str:
        query = wsgi_decoding(self.environ.get("QUERY_STRING", ""))
        return f"{self.path}?{query}"

    @cached_property
    def host(self) -> str:
        """Host (and a non-default port) from the Host header or SERVER_NAME/SERVER_PORT.

        As in Werkzeug 3.1, a value that is not a valid host name, IPv4 or bracketed IPv6
        address with an optional port 1-65535 gives the empty string, so it can never
        reach a URL or a redirect.
        """
        environ = self.environ
        host = environ.get("HTTP_HOST")
        if host is None:
            name = environ.get("SERVER_NAME")
            try:
                port = int(environ.get("SERVER_PORT", ""))
            except ValueError:
                return ""
            if not name:
                return ""
            if ":" in name and name[0] != "[":
                name = f"[{name}]"
            host = f"{name}:{port}"
        scheme = self.scheme
        if scheme in ("http", "ws"):
            host = host.removesuffix(":80")
        elif scheme in ("https", "wss"):
            host = host.removesuffix(":443")
        match = _HOST_RE.fullmatch(host)
        if match is None or (match.group(2) and not 1 <= int(match.group(2)) <= 65535):
            return ""
        if self.trusted_hosts is not None and not host_is_trusted(host, self.trusted_hosts):
            raise SecurityError(f"Host {host!r} is not trusted.")
        return str(host)

    # URLs are built as Werkzeug builds them: the decoded parts re-quoted, then shown as
    # an IRI (non-ASCII readable, delimiters and spaces still escaped).
    def _current_url(self, with_root: bool, with_path: bool, with_query: bool) -> str:
        url = f"{self.scheme}://{self.host}"
        if with_root:
            url += quote(self.root_path.rstrip("/"), safe=_PATH_SAFE)
        url += "/"
        if with_path:
            url += quote(self.path.lstrip("/"), safe=_PATH_SAFE)
        if with_query:
            query = self.environ.get("QUERY_STRING", "")
            if query:
                url += "?" + quote(wsgi_decoding(query), safe=_QUERY_SAFE)
        return uri_to_iri(url)

    @cached_property
    def host_url(self) -> str:
        return self._current_url(False, False, False)

    @cached_property
    def root_url(self) -> str:
        return self._current_url(True, False, False)

    @property
    def url_root(self) -> str:
        return self.root_url

    @cached_property
    def base_url(self) -> str:
        return self._current_url(True, True, False)

    @cached_property
    def url(self) -> str:
        return self._current_url(True, True, True)

    @cached_property
    def args(self) -> RequestArgs:
        query = self.environ.get("QUERY_STRING", "")
        cls = self.parameter_storage_class
        if cls is ImmutableMultiDict and query.isascii():
            # Werkzeug's own storage class (its __init__ only fills the dict) over an ASCII
            # query (nothing to decode): the lists filled in directly.
            args = _new_args(cls)
            if query:
                dict.update(args, query_lists(query))
            return args
        if not query:
            return cls()
        return cls(list(iter_query_pairs(wsgi_decoding(query))))

    @property
    def remote_addr(self) -> str | None:
        return self.environ.get("REMOTE_ADDR")

    @cached_property
    def access_route(self) -> list[str]:
        forwarded = self.environ.get("HTTP_X_FORWARDED_FOR")
        if forwarded:
            return self.list_storage_class(
                item.strip() for item in forwarded.split(",") if item.strip()
            )
        addr = self.environ.get("REMOTE_ADDR")
        return self.list_storage_class([addr] if addr else [])

    # -- headers ---------------------------------------------------------------------------
    @cached_property
    def headers(self) -> RequestHeaders:
        return RequestHeaders(self.environ)

    @cached_property
    def cookies(self) -> RequestArgs:
        header = self.environ.get("HTTP_COOKIE")
        if not header:
            return self.dict_storage_class()
        pairs = parse_cookie(wsgi_decoding(header)).items(multi=True)
        return self.dict_storage_class(list(pairs))

    @property
    def content_type(self) -> str | None:
        return self.environ.get("CONTENT_TYPE")

    @cached_property
    def content_length(self) -> int | None:
        """Content-Length as an int; None when absent or chunked, 0 when invalid."""
        return get_content_length(self.environ)

    @cached_property
    def _parsed_content_type(self) -> tuple[str, dict[str, str]]:
        return parse_options_header(self.environ.get("CONTENT_TYPE", ""))

    @property
    def mimetype(self) -> str:
        return self._parsed_content_type[0].lower()

    @property
    def mimetype_params(self) -> dict[str, str]:
        return self._parsed_content_type[1]

    @property
    def is_json(self) -> bool:
        mimetype = self.mimetype
        return mimetype == "application/json" or (
            mimetype.startswith("application/") and mimetype.endswith("+json")
        )

    @cached_property
    def accept_mimetypes(self) -> MIMEAccept:
        return parse_accept_header(self.environ.get("HTTP_ACCEPT"), MIMEAccept)  # type: ignore[no-any-return]

    @cached_property
    def accept_charsets(self) -> CharsetAccept:
        return parse_accept_header(self.environ.get("HTTP_ACCEPT_CHARSET"), CharsetAccept)  # type: ignore[no-any-return]

    @cached_property
    def accept_encodings(self) -> Any:
        return parse_accept_header(self.environ.get("HTTP_ACCEPT_ENCODING"))

    @cached_property
    def accept_languages(self) -> LanguageAccept:
        return parse_accept_header(self.environ.get("HTTP_ACCEPT_LANGUAGE"), LanguageAccept)  # type: ignore[no-any-return]

    @cached_property
    def authorization(self) -> Authorization | None:
        return Authorization.from_header(self.environ.get("HTTP_AUTHORIZATION"))

    @cached_property
    def user_agent(self) -> UserAgent:
        return UserAgent(self.environ.get("HTTP_USER_AGENT", ""))

    @property
    def referrer(self) -> str | None:
        return self.environ.get("HTTP_REFERER")

    @property
    def origin(self) -> str | None:
        return self.environ.get("HTTP_ORIGIN")

    content_encoding = header_text("Content-Encoding", read_only=True)
    content_md5 = header_text("Content-MD5", read_only=True)
    remote_user = property(lambda self: self.environ.get("REMOTE_USER"))
    is_run_once = property(lambda self: bool(self.environ.get("wsgi.run_once")))
    access_control_request_method = header_text("Access-Control-Request-Method", read_only=True)
    max_forwards = header_value("Max-Forwards", parse_int, str, read_only=True)
    date = header_value("Date", parse_date, str, read_only=True)
    if_unmodified_since = header_value("If-Unmodified-Since", parse_date, str, read_only=True)

    @property
    def access_control_request_headers(self) -> HeaderSet:
        raw = self.headers.get("Access-Control-Request-Headers", "")
        return HeaderSet([item.strip() for item in raw.split(",") if item.strip()])

    @property
    def pragma(self) -> HeaderSet:
        raw = self.headers.get("Pragma", "")
        return HeaderSet([item.strip() for item in raw.split(",") if item.strip()])

    @cached_property
    def if_range(self) -> IfRange:
        return parse_if_range_header(self.environ.get("HTTP_IF_RANGE"))

    @property
    def want_form_data_parsed(self) -> bool:
        """Whether the body is a form (urlencoded or multipart) that ``form`` would parse."""
        return self.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")

    @cached_property
    def cache_control(self) -> CacheControl:
        """The request's Cache-Control directives (read-only use)."""
        return CacheControl(self.environ.get("HTTP_CACHE_CONTROL"))

    @cached_property
    def if_none_match(self) -> ETags:
        return parse_etags(self.environ.get("HTTP_IF_NONE_MATCH"))

    @cached_property
    def if_match(self) -> ETags:
        return parse_etags(self.environ.get("HTTP_IF_MATCH"))

    @cached_property
    def if_modified_since(self) -> Any:
        return parse_http_date(self.environ.get("HTTP_IF_MODIFIED_SINCE"))

    @cached_property
    def range(self) -> Any:
        return parse_range_header(self.environ.get("HTTP_RANGE"))

    @property
    def is_multiprocess(self) -> bool:
        return bool(self.environ.get("wsgi.multiprocess"))

    @property
    def is_multithread(self) -> bool:
        return bool(self.environ.get("wsgi.multithread"))

    # -- body ------------------------------------------------------------------------------
    @cached_property
    def stream(self) -> IO[bytes]:
        """The body stream, limited to Content-Length (and ``max_content_length``)."""
        if self.shallow:
            raise RuntimeError("A shallow request cannot read its body.")
        # Werkzeug's LimitedStream: a body shorter than its Content-Length is a
        # ClientDisconnected (400), one over max_content_length a 413.
        return get_body_stream(self.environ, max_content_length=self.max_content_length)

    @property
    def input_stream(self) -> IO[bytes]:
        return self.stream

    def get_data(
        self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False
    ) -> Any:
        """The raw body (read once, cached); with ``parse_form_data`` forms parse first."""
        data = self.__dict__.get("_cached_data")
        if data is None:
            if parse_form_data:
                self._load_form_data()
            data = self.stream.read()
            if cache:
                self.__dict__["_cached_data"] = data
        return data.decode(self.charset, "replace") if as_text else data

    @property
    def data(self) -> bytes:
        return self.get_data(parse_form_data=True)  # type: ignore[no-any-return]

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        if self.shallow:  # as Werkzeug: a shallow request refuses even a non-form body
            raise RuntimeError("A shallow request cannot read its body.")
        empty = RequestArgs()
        mimetype = self.mimetype
        cached = self.__dict__.get("_cached_data")
        if mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
            self.__dict__["form"] = empty
            self.__dict__["files"] = RequestArgs()
            if cached is not None:
                self.__dict__["stream"] = io.BytesIO(cached)
            return
        environ = self.environ
        if cached is not None:
            # get_data() already read the body: parse the cached bytes instead.
            environ = dict(environ, CONTENT_LENGTH=str(len(cached)))
            environ["wsgi.input"] = io.BytesIO(cached)
        elif "stream" in self.__dict__:
            # As Werkzeug: a stream assigned to (or already opened on) the request is the
            # one the form is parsed from, so a wrapper set on request.stream applies.
            environ = dict(environ)
            environ["wsgi.input"] = self.__dict__["stream"]
        try:
            stream, form, files = parse_form_data(
                environ,
                self.max_content_length,
                self.max_form_memory_size,
                self.max_form_parts,
            )
        except ContentTooLargeError:
            raise RequestEntityTooLarge() from None
        except FormParseError:
            form = files = empty
            stream = get_input_stream(self.environ, None)
        self.__dict__["stream"] = stream
        self.__dict__["form"] = RequestArgs(form)
        self.__dict__["files"] = RequestArgs(files)
        if form and not files and mimetype != "multipart/form-data":
            ctx = _cv_app.get(None)
            if ctx is not None and ctx.app.debug:
                attach_enctype_error_multidict(self)

    @cached_property
    def form(self) -> RequestArgs:
        self._load_form_data()
        return self.__dict__["form"]  # type: ignore[no-any-return]

    @cached_property
    def files(self) -> RequestArgs:
        self._load_form_data()
        return self.__dict__["files"]  # type: ignore[no-any-return]

    @cached_property
    def values(self) -> CombinedMultiDict:
        """``args`` then ``form`` (``args`` only for GET, as in Werkzeug)."""
        sources = [self.args] if self.method == "GET" else [self.args, self.form]
        # A custom parameter_storage_class (a plain dict) is viewed as a MultiDict.
        return CombinedMultiDict(
            [d if isinstance(d, MultiDict) else MultiDict(d) for d in sources]
        )

    @property
    def json(self) -> Any:
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """The body parsed as JSON: 415 if not JSON (unless ``force``), 400 if invalid."""
        cached = self.__dict__.get("_cached_json")
        if cache and cached is not None and cached[silent] is not _unset:
            return cached[silent]
        if not (force or self.is_json):
            if silent:
                return None
            return self.on_json_loading_failed(None)
        data = self.get_data(cache=cache)
        try:
            value = self.json_module.loads(data)
        except ValueError as error:
            if silent:
                value = None
                if cache:
                    normal = self.__dict__.get("_cached_json", (_unset, None))[0]
                    self.__dict__["_cached_json"] = (normal, None)
                return None
            value = self.on_json_loading_failed(error)
        if cache:
            self.__dict__["_cached_json"] = (value, value)
        return value

    def on_json_loading_failed(self, error: ValueError | None) -> Any:
        """Raise 400 for a decoding error (detail only in debug), 415 when not JSON."""
        if error is not None:
            detailed = BadRequest(f"Failed to decode JSON object: {error}")
            ctx = _cv_app.get(None)
            # Flask: the decoding detail is shown only in debug (or with no app at all).
            if ctx is not None and not ctx.app.debug:
                raise BadRequest() from detailed
            raise detailed
        raise UnsupportedMediaType(
            "Did not attempt to load JSON data because the request"
            " Content-Type was not 'application/json'."
        )

    @classmethod
    def from_values(
        cls, path: str = "/", base_url: str | None = None, query_string: Any = None,
        method: str = "GET", **kwargs: Any,
    ) -> Self:  # fmt: skip
        """A request from test-style arguments (``EnvironBuilder``'s), as in Werkzeug."""
        builder = EnvironBuilder(
            None, path, base_url, query_string=query_string, method=method, **kwargs
        )
        try:
            return cls(builder.get_environ())
        finally:
            builder.close()

    @classmethod
    def application(cls, view: Callable[[Request], Any]) -> Callable[..., Any]:
        """Turn ``view(request) -> response`` into a WSGI app (an HTTPException is answered)."""

        def wsgi_app(environ: dict[str, Any], start_response: Any) -> Any:
            request = cls(environ)
            try:
                response = view(request)
            except HTTPException as error:
                response = error.get_response(environ)
            try:
                return response(environ, start_response)
            finally:
                request.close()

        wsgi_app.__name__ = getattr(view, "__name__", "application")
        wsgi_app.__doc__ = view.__doc__
        return wsgi_app

    def close(self) -> None:
        """Close uploaded files' temporary storage."""
        files = self.__dict__.get("files")
        if files:
            for _key, value in files.items(multi=True):
                value.close()

    def __enter__(self) -> Request:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        try:
            url = self.url
        except Exception as error:
            url = f"(invalid URL: {error})"
        return f"<{type(self).__name__} {url!r} [{self.method}]>"


__all__ = ["Request", "RequestArgs", "RequestHeaders", "RequestValues", "UserAgent"]
