"""The application object, ``Kettle`` (``Flask`` in ``kettle.flask``): the per-request path
(WSGI entry, matching, hooks, dispatch, responses, errors) and ``run``; the setup half
(config, registration, contexts, URL building, templates) is ``App`` in ``appbase.py``.

Rules: this is the hot path, so it sets two contextvars and nothing else per request, reads
the hook tables without copying them, skips blueprint walks when the endpoint has no
blueprint, and converts a view's return value to a response with the cheapest check first.
Error handling follows Flask's order: HTTP exceptions go to handlers by code then class
(blueprint before app), other exceptions to handlers by class, and anything unhandled
becomes a 500 (or propagates when testing/debugging, where debug mode shows the debug page).
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any, cast

from . import signals
from .appbase import App
from .ctx import RequestContext
from .debughelpers import FormDataRoutingRedirect
from .devserver import run_app
from .exceptions import (
    BadHost,
    BadRequestKeyError,
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
)
from .globals import _cv_request
from .plain_path import serve, serves_plain
from .realtime import match_kettle_static
from .routing import FULL, PARTIAL, REDIRECT, Map, MapAdapter, MatchResult, RequestRedirect
from .utils import host_is_trusted
from .wrappers import Request, Response

_REQUEST_PATH = Request.__dict__["path"]
_REQUEST_METHOD = Request.__dict__["method"]
_REQUEST_INIT = Request.__init__
_RESPONSE_INIT = Response.__init__
_default_path_method: dict[type, bool] = {}  # Request classes that keep both
_fresh_without_either: dict[type, bool] = {}  # ... and whose new instance caches neither
_UPPER_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"))

# A Host header may not hold controls, spaces or URL delimiters (RFC 3986 section 3.2.2);
# non-ASCII letters are let through for internationalised names.
_VALID_HOST = re.compile(r"[^\x00-\x20\x7f-\x9f/\\?#@\"<>{}|^`]*")
_valid_hosts: set[str] = set()  # Host values already checked (an app sees a handful)

_VALID_TUPLE = (
    "The view function did not return a valid response tuple. The tuple must have the form"
    " (body, status, headers), (body, status), or (body, headers)."
)


class Kettle(App):
    """A WSGI application with Flask's public API."""

    def wsgi_app(self, environ: dict[str, Any], start_response: Any) -> Any:
        return serve(self, environ, start_response, serves_plain(self, Kettle))

    def kettle_direct(self, environ: dict[str, Any], start_response: Any) -> Any:
        """kettle.server's direct entry (docs/server.md, "A Kettle app on kettle.server"):
        the WSGI call, except that a common response (one whole body, see
        ``ResponseBase._common_head``) of a request served in the plain form comes back
        as ``ResponseParts`` for the server to write, without ``start_response``. An app
        whose ``__call__`` or ``wsgi_app`` is replaced (middleware) or that is not plain
        for this request is called as WSGI."""
        if serves_plain(self, Kettle):
            known = self._plain_as
            if known is not None and known[4]:
                return serve(self, environ, start_response, True, True)
        return self(environ, start_response)

    def _match(self, ctx: RequestContext, plain: bool = False) -> None:
        """Match ``ctx``'s request (``RequestContext.match_request``). ``plain``: the plain
        form of the request cycle calls, whose context binds its adapter lazily and whose
        app has no ``TRUSTED_HOSTS`` (``serves_plain`` checked both), so neither is read."""
        request = ctx.request
        adapter = None
        trusted = None
        if not plain:
            if not ctx._lazy_url_adapter or ctx._adapter_bound:
                adapter = ctx.url_adapter
                if adapter is None:
                    return
            trusted = self.config["TRUSTED_HOSTS"]
        host = request.environ.get("HTTP_HOST")
        if host is not None and host not in _valid_hosts:
            if _VALID_HOST.fullmatch(host) is None:
                request.routing_exception = BadHost(f"Host {host!r} is not a valid host name.")
                return
            if len(_valid_hosts) < 256:
                _valid_hosts.add(host)
        if trusted and not host_is_trusted(request.host, trusted):
            request.routing_exception = BadHost(f"Host {request.host!r} is not trusted.")
            return
        if adapter is None:
            # What the bound adapter would match on (``MapAdapter.match_result``), so
            # a request that matches a rule never binds one.
            result = _match_unbound(self.url_map, request, plain)
        else:
            result = adapter.match_result(request.path, request.method)
        kind = result.kind
        if kind == FULL:
            request.url_rule = ctx.url_rule = result.rule
            values = result.values  # the matcher's cached dict: each request gets a copy
            request.view_args = values.copy() if values else {}
        elif kind == REDIRECT:
            # A missing trailing slash, merged slashes, an alias or a rule's redirect_to.
            # Bound now if matching did without it: the default factory always binds.
            adapter = cast(MapAdapter, ctx.url_adapter)
            location = adapter.redirect_location(result, request.method)
            request.routing_exception = RequestRedirect(location)
        elif kind == PARTIAL:
            request.routing_exception = MethodNotAllowed(valid_methods=sorted(result.allowed))
        else:
            # Kettle's browser client is served only where no rule of the app matched.
            request.routing_exception = match_kettle_static(request.path, request.method)
            if request.routing_exception is None:
                request.routing_exception = NotFound()

    def full_dispatch_request(self, ctx: RequestContext | None = None) -> Response:
        if ctx is None:
            ctx = _cv_request.get()
        if not self._got_first_request:
            self._got_first_request = True
        if not ctx._matched:  # matched on push, unless called without one
            ctx.match_request()
        try:
            if signals.request_started.receivers:
                signals.request_started.send(self, _async_wrapper=self.ensure_sync)
            result = self.preprocess_request()
            if result is None:
                result = self.dispatch_request()
        except Exception as e:
            result = self.handle_user_exception(e)
        return self.finalize_request(result)

    def preprocess_request(self) -> Any:
        request = _cv_request.get().request
        if not self.url_value_preprocessors and not self.before_request_funcs:
            return None  # nothing registered: skip the blueprint walk
        names = (None, *reversed(request.blueprints))
        for name in names:
            for preprocessor in self.url_value_preprocessors.get(name, ()):
                preprocessor(request.endpoint, request.view_args)
        for name in names:
            for before in self.before_request_funcs.get(name, ()):
                result = self.ensure_sync(before)()
                if result is not None:
                    return result
        return None

    def dispatch_request(self) -> Any:
        return self._call_view(_cv_request.get().request)

    def _call_view(self, request: Request, cached: bool = False) -> Any:
        """``dispatch_request`` for ``request`` (both forms of the request cycle call it):
        raise its routing error, answer an automatic OPTIONS, or call the view. ``cached``:
        ``ensure_sync`` is App's (the plain form checked), so its cache may be read."""
        if request.routing_exception is not None:
            self.raise_routing_exception(request)
        rule = request.url_rule
        if rule.provide_automatic_options and request.method == "OPTIONS":
            return self.make_default_options_response()
        view = self.view_functions[rule.endpoint]
        view = (cached and self._sync_cache.get(view)) or self.ensure_sync(view)
        view_args = request.view_args
        return view(**view_args) if view_args else view()

    def raise_routing_exception(self, request: Any) -> None:
        error = request.routing_exception
        if (
            self.debug
            and isinstance(error, RequestRedirect)
            and error.code not in (307, 308)
            and request.method not in ("GET", "HEAD", "OPTIONS")
        ):
            # A 301/302 would make the browser repeat the request as a GET without its body.
            raise FormDataRoutingRedirect(request)
        raise error

    def make_default_options_response(self) -> Response:
        ctx = _cv_request.get()
        methods = ctx.url_adapter.allowed_methods(ctx.request.path)  # type: ignore[union-attr]
        response = self.response_class()
        response.headers["Allow"] = ", ".join(sorted(methods))
        return response

    def finalize_request(self, result: Any, from_error_handler: bool = False) -> Response:
        response = self.make_response(result)
        try:
            response = self.process_response(response)
            if signals.request_finished.receivers:
                signals.request_finished.send(
                    self, _async_wrapper=self.ensure_sync, response=response
                )
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception(
                "Request finalizing failed with an error while handling an error"
            )
        return response

    def process_response(self, response: Response) -> Response:
        ctx = _cv_request.get()
        for func in ctx._after_request_functions:
            response = self.ensure_sync(func)(response)
        if self.after_request_funcs:
            for name in chain(ctx.request.blueprints, (None,)):
                for func in reversed(self.after_request_funcs.get(name, ())):
                    response = self.ensure_sync(func)(response)
        interface = self.session_interface
        if ctx._opened_session is not None or (  # opened (ctx.session_opened)
            self.config["SESSION_REFRESH_EACH_REQUEST"]
            and "HTTP_COOKIE" in ctx.request.environ  # no Cookie header: nothing to parse
            and interface.get_cookie_name(self) in ctx.request.cookies
        ):
            session = ctx.session
            if not interface.is_null_session(session):
                interface.save_session(self, session, response)
        return response

    # -- return values -------------------------------------------------------------------------

    def make_response(self, result: Any) -> Response:
        response_class = self.response_class
        if type(result) is str and response_class.__init__ is _RESPONSE_INIT:
            # A view's text (render_template's): what the general path below makes, without
            # its checks and the keyword arguments status=None, headers=None, which the
            # constructor takes as its defaults.
            return response_class(result)
        status = headers = None
        if isinstance(result, tuple):
            size = len(result)
            if size == 3:
                result, status, headers = result
            elif size == 2:
                if isinstance(result[1], dict | tuple | list) or hasattr(result[1], "items"):
                    result, headers = result
                else:
                    result, status = result
            else:
                raise TypeError(_VALID_TUPLE)
        if result is None:
            ctx = _cv_request.get(None)
            endpoint = ctx.request.endpoint if ctx is not None else None
            raise TypeError(
                f"The view function for {endpoint!r} did not return a valid response. The"
                " function either returned None or ended without a return statement."
            )
        if not isinstance(result, response_class):
            if isinstance(result, str | bytes | bytearray | Iterator):
                result = response_class(result, status=status, headers=headers)  # type: ignore[arg-type]  # Iterator[Any]: chunks are str or bytes
                status = headers = None
            elif isinstance(result, dict | list):
                result = self.json.response(result)
            else:
                result = self._coerce_response(result)
        if status is not None:
            if isinstance(status, str | bytes | bytearray):
                result.status = status if isinstance(status, str) else status.decode("latin-1")
            else:
                result.status_code = status
        if headers:
            result.headers.update(headers)
        return result  # type: ignore[no-any-return]

    def _coerce_response(self, result: Any) -> Response:
        if isinstance(result, HTTPException):
            response: Response = result.get_response(_cv_request.get().request.environ)
            return response
        if isinstance(result, Response):
            return self.response_class.force_type(result)  # type: ignore[no-any-return]
        if callable(result):
            return _run_wsgi_app(result, _cv_request.get().request.environ, self.response_class)
        raise TypeError(
            "The view function did not return a valid response. The return type must be a"
            " string, dict, list, tuple with headers or status, Response instance, or WSGI"
            f" callable, but it was a {type(result).__name__}."
        )

    # -- errors --------------------------------------------------------------------------------

    def _find_error_handler(
        self: Kettle, e: BaseException, blueprints: tuple[str, ...] | list[str]
    ) -> Callable[..., Any] | None:
        exc_class, code = self._get_exc_class_and_code(type(e))
        names = (*blueprints, None)
        for c in (code, None) if code is not None else (None,):
            for name in names:
                scope = self.error_handler_spec.get(name)
                handler_map = scope.get(c) if scope is not None else None
                if not handler_map:
                    continue
                for cls in exc_class.__mro__:
                    handler = handler_map.get(cls)
                    if handler is not None:
                        return handler
        return None

    def _current_blueprints(self) -> tuple[str, ...]:
        ctx = _cv_request.get(None)
        return tuple(ctx.request.blueprints) if ctx is not None else ()

    def handle_http_exception(self, e: HTTPException) -> Any:
        if e.code is None or isinstance(e, RequestRedirect):
            return e
        handler = self._find_error_handler(e, self._current_blueprints())
        if handler is None:
            return e
        return self.ensure_sync(handler)(e)

    def trap_http_exception(self, e: Exception) -> bool:
        if self.config["TRAP_HTTP_EXCEPTIONS"]:
            return True
        trap_bad_request = self.config["TRAP_BAD_REQUEST_ERRORS"]
        if trap_bad_request is None and self.debug and isinstance(e, BadRequestKeyError):
            return True
        if trap_bad_request:
            return getattr(e, "code", None) == 400
        return False

    def handle_user_exception(self, e: Exception) -> Any:
        if isinstance(e, BadRequestKeyError) and (
            self.debug or self.config["TRAP_BAD_REQUEST_ERRORS"]
        ):
            e.show_exception = True  # name the missing key in the 400 page
        if isinstance(e, HTTPException) and not self.trap_http_exception(e):
            return self.handle_http_exception(e)
        handler = self._find_error_handler(e, self._current_blueprints())
        if handler is None:
            raise
        return self.ensure_sync(handler)(e)

    def handle_exception(self, e: Exception) -> Response:
        exc_info = sys.exc_info()
        if signals.got_request_exception.receivers:
            signals.got_request_exception.send(self, _async_wrapper=self.ensure_sync, exception=e)
        propagate = self.config["PROPAGATE_EXCEPTIONS"]
        if propagate is None:
            propagate = self.testing or self.debug
        if propagate:
            if exc_info[1] is e:
                raise
            raise e
        self.log_exception(exc_info)
        server_error: Any = InternalServerError(original_exception=e)
        handler = self._find_error_handler(server_error, self._current_blueprints())
        if handler is not None:
            server_error = self.ensure_sync(handler)(server_error)
        return self.finalize_request(server_error, from_error_handler=True)

    def log_exception(self, exc_info: Any) -> None:
        ctx = _cv_request.get(None)
        where = f"{ctx.request.path} [{ctx.request.method}]" if ctx is not None else "?"
        self.logger.error(f"Exception on {where}", exc_info=exc_info)

    def should_ignore_error(self, error: BaseException | None) -> bool:
        return False

    # -- running ---------------------------------------------------------------------------------

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        **options: Any,
    ) -> None:
        """Serve the app on ``kettle.server`` (with the reloader when debugging)."""
        if debug is not None:
            self.debug = bool(debug)
        run_app(self, host, port, load_dotenv=load_dotenv, **options)


def _keeps_path_and_method(cls: type[Request]) -> bool:
    keeps = _default_path_method[cls] = (
        inspect.getattr_static(cls, "path") is _REQUEST_PATH
        and inspect.getattr_static(cls, "method") is _REQUEST_METHOD
    )
    return keeps


def _is_fresh_without_either(cls: type[Request]) -> bool:
    keeps = _default_path_method.get(cls)
    if keeps is None:
        keeps = _keeps_path_and_method(cls)
    fresh = _fresh_without_either[cls] = keeps and cls.__init__ is _REQUEST_INIT
    return fresh


def _match_unbound(url_map: Map, request: Request, fresh: bool = False) -> MatchResult:
    """Match ``request`` as an adapter bound to the map's default subdomain would, without
    binding one. ``request.path`` and ``request.method`` are computed (and cached on the
    request) as ``Request`` computes them when its class keeps them, without two
    descriptor calls; then both and the result depend only on the environ's raw
    ``PATH_INFO`` and ``REQUEST_METHOD``, the request class and the default subdomain,
    so they are kept by those in the matcher (``Matcher.by_environ``, made anew with
    the matcher whenever the rules change) and a request seen before is one look-up.

    ``fresh``: the request was made just now (the plain form's, ``push_plain``). When its
    class keeps ``Request.__init__`` too, neither value can be cached on it yet, so a
    request seen before stores both as attributes without reading ``request.__dict__``:
    on Python 3.11 an object whose ``__dict__`` was read is slower at every later
    attribute read (~320 instructions instead of ~55) and store, as its dict stays split."""
    matcher = url_map._matcher or url_map.matcher  # built on first use
    environ = request.environ
    cls = type(request)
    key = (
        environ.get("PATH_INFO"),
        environ.get("REQUEST_METHOD", "GET"),
        cls,
        url_map.default_subdomain,
    )
    if fresh and (_fresh_without_either.get(cls) or _is_fresh_without_either(cls)):
        seen = matcher.by_environ.get(key)
        if seen is not None:
            # (``path`` and ``method`` are non-data descriptors: these store the values)
            request.path, request.method, result = seen
            return result
    attributes = request.__dict__
    seen = matcher.by_environ.get(key)
    if seen is not None and "path" not in attributes and "method" not in attributes:
        attributes["path"], attributes["method"], result = seen
        return result
    raw_path, raw_method, cls, subdomain = key
    keeps = _default_path_method.get(cls)
    if keeps is None:
        keeps = _keeps_path_and_method(cls)
    path = raw_path or ""
    if (
        keeps
        and path.isascii()
        and type(raw_method) is str
        and "path" not in attributes
        and "method" not in attributes
    ):
        path = attributes["path"] = "/" + path.lstrip("/")
        method = raw_method
        if method not in _UPPER_METHODS:  # (what servers send needs no new string)
            method = method.upper()
        attributes["method"] = method
        result = matcher.match(path, method, subdomain)
        matcher.remember(matcher.by_environ, key, (path, method, result))
        return result
    return matcher.match(request.path, request.method, subdomain)


def _run_wsgi_app(
    app: Callable[..., Any], environ: dict[str, Any], cls: type[Response]
) -> Response:
    """Call a WSGI app and wrap its status, headers and body in a response.

    An app that starts its response before returning (an ``EventStream`` on a server that
    cannot hand over its socket, a file) keeps streaming: its iterable becomes the body,
    closed with the response. Otherwise the body is collected.
    """
    captured: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured[:] = [status, headers]
        return lambda data: body.append(data)

    body: list[bytes] = []
    iterable = app(environ, start_response)
    if captured and not body:
        return cls(iterable, status=captured[0], headers=captured[1])
    try:
        body.extend(iterable)
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    if not captured:
        raise TypeError(f"the WSGI app {app!r} did not call start_response")
    status, headers = captured
    response = cls(b"".join(body), status=status, headers=headers)
    return response


__all__ = ["Kettle", "RequestRedirect"]
