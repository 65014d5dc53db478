"""Application and request contexts: what ``current_app``, ``g``, ``request`` and ``session``
point at while a request (or a ``with app.app_context():`` block) runs.

Rules: pushing sets a contextvar and keeps its token, popping resets it, in strict LIFO
order (popping the wrong context is an error, not a silent mess). A request context pushes
an app context first when the current one belongs to another app or there is none. The
session is opened on first use, so requests that never touch it pay nothing. Teardown
functions run on pop, each one even if an earlier one failed.
"""

from __future__ import annotations

import contextvars
import functools
import sys
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, overload

from . import signals
from .globals import _cv_app, _cv_request, flask_is_kettle
from .request import Request as _BaseRequest

if TYPE_CHECKING:
    from .appbase import App
    from .routing import MapAdapter, Rule
    from .sessions import SessionMixin
    from .wrappers import Request, Response

F = TypeVar("F", bound=Callable[..., Any])
_sentinel = object()
_new = object.__new__
_REQUEST_INIT = _BaseRequest.__init__
# Request classes that ``push_plain`` may make without calling them (``_made_directly``).
_direct_request_classes: dict[type, bool] = {}


def _made_directly(cls: type) -> bool:
    """Whether calling ``cls(environ)`` does no more than ``Request.__init__``'s three
    stores: Kettle's own ``__init__`` and ``__new__``, and a plain ``type`` metaclass."""
    direct = (
        cls.__init__ is _REQUEST_INIT  # type: ignore[misc]
        and cls.__new__ is object.__new__  # type: ignore[comparison-overlap]
        and type(cls).__call__ is type.__call__
    )
    _direct_request_classes[cls] = direct
    return direct


def _popped_wrong(kind: str, current: Any, popped: Any) -> AssertionError:
    """The error of a pop out of LIFO order (``pop`` and the plain form's ``pop_plain``)."""
    return AssertionError(f"Popped wrong {kind} context ({current!r} instead of {popped!r})")


def _restore(var: contextvars.ContextVar[Any], token: contextvars.Token[Any]) -> None:
    """Undo a push that ``var.reset(token)`` refused: one made in another ``Context`` (an
    async view runs in a copy, and ``stream_with_context`` may be primed there) cannot be
    reset by token, so the value it replaced is restored instead. (The pops try
    ``var.reset`` inline first: they run on every request.)"""
    old = token.old_value
    var.set(None if old is contextvars.Token.MISSING else old)


class _AppCtxGlobals:
    """The ``g`` object: a plain namespace with dict-like helpers."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, name: str, default: Any = None) -> Any:
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: Any = _sentinel) -> Any:
        if default is _sentinel:
            return self.__dict__.pop(name)
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: Any = None) -> Any:
        return self.__dict__.setdefault(name, default)

    def __contains__(self, item: str) -> bool:
        return item in self.__dict__

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        framework = "flask" if flask_is_kettle() else "kettle"  # the name users import
        return f"<{framework}.g of {_cv_app.get().app.name!r}>"


class _LazyGlobals:
    """``AppContext.g``: made (``app.app_ctx_globals_class()``) on first access and then
    stored on the context, so a request that never uses ``g`` builds none. A non-data
    descriptor: once stored (or assigned), the instance attribute is read directly."""

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> _LazyGlobals: ...
    @overload
    def __get__(self, instance: AppContext, owner: type | None = None) -> _AppCtxGlobals: ...
    def __get__(
        self, instance: AppContext | None, owner: type | None = None
    ) -> _AppCtxGlobals | _LazyGlobals:
        if instance is None:
            return self
        g: _AppCtxGlobals = instance.app.app_ctx_globals_class()
        instance.__dict__["g"] = g
        return g


class AppContext:
    """Binds an application (and its ``g``) to the current context."""

    g = _LazyGlobals()
    url_adapter: MapAdapter | None = None  # (a class default: the plain form stores none)

    def __init__(self, app: App, *, url_adapter: MapAdapter | None = _sentinel) -> None:  # type: ignore[assignment]
        self.app = app
        if url_adapter is _sentinel:
            url_adapter = app.create_url_adapter(None)
        # (the plain path passes what create_url_adapter(None) gives: it has checked it is
        # App's, which binds only with SERVER_NAME)
        self.url_adapter: MapAdapter | None = url_adapter
        self._tokens: list[contextvars.Token[AppContext]] = []

    def push(self) -> None:
        self._tokens.append(_cv_app.set(self))
        if signals.appcontext_pushed.receivers:
            signals.appcontext_pushed.send(self.app, _async_wrapper=self.app.ensure_sync)

    def pop(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        try:
            if len(self._tokens) == 1:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                self.app.do_teardown_appcontext(exc)
        finally:
            self._unset()
        if signals.appcontext_popped.receivers:
            signals.appcontext_popped.send(self.app, _async_wrapper=self.app.ensure_sync)

    def _unset(self) -> None:
        """``pop``'s last step: reset the contextvar, checking LIFO order. (The plain
        form's ``pop_plain``, whose app has no teardown function or signal receiver, does
        the same inline for the app context it pushed: keep the two alike.)"""
        ctx = _cv_app.get(None)
        if ctx is not None and ctx is not self:
            raise _popped_wrong("app", ctx, self)
        token = self._tokens.pop()
        try:
            _cv_app.reset(token)
        except ValueError:
            _restore(_cv_app, token)

    def __enter__(self) -> AppContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)


class RequestContext:
    """Binds one request (its ``Request``, session, flashes and URL adapter)."""

    #: Open the session on the first push, as Flask does for every request; set by
    #: ``app.test_request_context()``. Served requests open it on first use instead.
    open_session_on_push = False
    # Per-request state that most requests never change, as class defaults (an instance
    # attribute replaces one when it is set), so a context costs fewer stores. Not for
    # what every request reads: on Python 3.11 reading a class default through an
    # instance is not specialised and costs several times a store (``_adapter_bound`` and
    # ``_opened_session`` are stored by both constructors).
    flashes: list[tuple[str, str]] | None = None
    url_rule: Rule | None = None
    _url_adapter: MapAdapter | None = None
    _adapter_bound = False
    _opened_session: SessionMixin | None = None
    _matched = False

    def __init__(
        self,
        app: App,
        environ: dict[str, Any],
        request: Request | None = None,
        session: SessionMixin | None = None,
    ) -> None:
        # (``push_plain`` makes the plain form's contexts with the same stores, in the
        # same order: keep the two alike.)
        self.app = app
        if request is None:
            request = app.request_class(environ)
        request.json_module = app.json  # get_json parses with the app's JSON provider
        self.request: Request = request
        # Bound on first use when matching can do without it (the common case).
        self._lazy_url_adapter = lazy = app._matches_default_domain()
        self._adapter_bound = False
        self._opened_session = session
        if not lazy:
            self.url_adapter  # noqa: B018  # bound now, as Flask does
        self._after_request_functions: list[Callable[[Response], Response]] = []
        self._cv_tokens: list[tuple[contextvars.Token[RequestContext], AppContext | None]] = []

    @property
    def url_adapter(self) -> MapAdapter | None:
        """The app's URL map bound to this request (``app.create_url_adapter``)."""
        if not self._adapter_bound:
            self._url_adapter = self.app.create_url_adapter(self.request)
            self._adapter_bound = True
        return self._url_adapter

    @url_adapter.setter
    def url_adapter(self, value: MapAdapter | None) -> None:
        self._url_adapter = value
        self._adapter_bound = True

    @property
    def session(self) -> SessionMixin:
        session = self._opened_session
        if session is None:
            interface = self.app.session_interface
            session = interface.open_session(self.app, self.request)
            if session is None:
                session = interface.make_null_session(self.app)
            self._opened_session = session
        return session

    @session.setter
    def session(self, value: SessionMixin) -> None:
        self._opened_session = value

    # Flask's private name for the session, which its own tests and some extensions read
    # (``request_ctx._session.accessed``): here it opens the session if nothing had.
    _session = session

    @property
    def session_opened(self) -> bool:
        return self._opened_session is not None

    def copy(self) -> RequestContext:
        """A context for the same request and session (for another thread or greenlet)."""
        return RequestContext(
            self.app, self.request.environ, request=self.request, session=self._opened_session
        )

    def match_request(self) -> None:
        """Match the URL (once): sets ``request.url_rule``/``view_args`` or the routing
        error that dispatching will raise. Done on the first push, as in Flask, so
        ``request.endpoint`` works inside ``test_request_context`` too."""
        if not self._matched:
            self._matched = True
            self.app._match(self)

    def push(self) -> None:
        app_ctx = _cv_app.get(None)
        if app_ctx is None or app_ctx.app is not self.app:
            app_ctx = self.app.app_context()
            app_ctx.push()
        else:
            app_ctx = None
        self._cv_tokens.append((_cv_request.set(self), app_ctx))
        if not self._matched:
            if self.open_session_on_push and self._opened_session is None:
                self.session  # noqa: B018  # opened through app.session_interface
            self.match_request()

    def pop(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        clear_request = len(self._cv_tokens) == 1
        try:
            if clear_request:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                self.app.do_teardown_request(exc)
                close = getattr(self.request, "close", None)
                if close is not None:
                    close()
        finally:
            self._unset(exc)

    def _unset(self, exc: BaseException | None) -> None:
        """``pop``'s last step: reset the contextvar, pop the app context this push pushed,
        check LIFO order. (``pop_plain`` does the same for the plain form.)"""
        ctx = _cv_request.get(None)
        token, app_ctx = self._cv_tokens.pop()
        try:
            _cv_request.reset(token)
        except ValueError:
            _restore(_cv_request, token)
        if not self._cv_tokens and exc is None:
            # The request is over: break the environ <-> request cycle (as Flask does),
            # so both are freed at once instead of by the cyclic garbage collector. After
            # an error the environ keeps its request for the debug page (the error's
            # traceback holds both anyway).
            self.request.environ["werkzeug.request"] = None
        if app_ctx is not None:
            app_ctx.pop(exc)
        if ctx is not None and ctx is not self:
            raise _popped_wrong("request", ctx, self)

    def __enter__(self) -> RequestContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        request = self.request
        return f"<{type(self).__name__} {request.url!r} [{request.method}] of {self.app.name}>"


def push_plain(app: App, environ: dict[str, Any]) -> RequestContext:
    """A request context for ``environ``, made and pushed for the plain form of the request
    cycle (``kettle.web.plain_path``), whose app has checked that ``app_context`` and
    ``create_url_adapter`` are App's, that matching needs no bound adapter and that nobody
    listens to the app context's signals. So it is ``RequestContext(app, environ)`` and
    ``push()`` without their calls and checks: the app context (when the current one is
    not this app's) is made as ``app_context()`` makes it, each contextvar is set and its
    token stored with the context in one step, and matching is left to the caller (which
    matches at once: the context counts as matched)."""
    ctx = _new(RequestContext)
    ctx.app = app
    cls = app.request_class
    if _direct_request_classes.get(cls) or _made_directly(cls):
        # ``cls(environ)`` without the call: ``Request.__init__``'s stores.
        request = _new(cls)
        request.environ = environ
        request.shallow = False
        environ["werkzeug.request"] = request
    else:
        request = cls(environ)
    request.json_module = app.json
    ctx.request = request
    ctx._lazy_url_adapter = True
    ctx._adapter_bound = False
    ctx._opened_session = None
    ctx._after_request_functions = []
    app_ctx = _cv_app.get(None)
    if app_ctx is None or app_ctx.app is not app:
        if app.config["SERVER_NAME"] is None:
            app_ctx = _new(AppContext)  # url_adapter: None, what create_url_adapter gives
            app_ctx.app = app
            app_ctx._tokens = [_cv_app.set(app_ctx)]
        else:
            app_ctx = AppContext(app)
            app_ctx._tokens.append(_cv_app.set(app_ctx))
    else:
        app_ctx = None  # the current one is this app's: not pushed again
    ctx._cv_tokens = [(_cv_request.set(ctx), app_ctx)]
    ctx._matched = True
    return ctx


def pop_plain(ctx: RequestContext, exc: BaseException | None) -> None:
    """``ctx.pop(exc)`` for the plain form (``kettle.web.plain_path``), whose app has no
    teardown function or signal receiver to call: closes the request when this pop ends
    the context's last push, then resets the contextvars (the app context's too, when this
    push pushed it) with ``pop``'s LIFO checks, in one step; the environ forgets its
    request as ``pop`` makes it."""
    tokens = ctx._cv_tokens
    request = ctx.request
    # Read before ``close()``, which may read ``request.__dict__``: on Python 3.11 every
    # later attribute read of the request would then cost several times as much.
    environ = request.environ
    try:
        if len(tokens) == 1:
            request.close()
    finally:
        current = _cv_request.get(None)
        token, app_ctx = tokens.pop()
        try:
            _cv_request.reset(token)
        except ValueError:
            _restore(_cv_request, token)
        if not tokens and exc is None:
            environ["werkzeug.request"] = None  # see RequestContext._unset
        if app_ctx is not None:
            # ``app_ctx._unset()`` without the call (``push_plain`` made it an AppContext).
            current_app = _cv_app.get(None)
            if current_app is not None and current_app is not app_ctx:
                raise _popped_wrong("app", current_app, app_ctx)
            app_token = app_ctx._tokens.pop()
            try:
                _cv_app.reset(app_token)
            except ValueError:
                _restore(_cv_app, app_token)
        if current is not None and current is not ctx:
            raise _popped_wrong("request", current, ctx)


def has_request_context() -> bool:
    """Whether a request context is active."""
    return _cv_request.get(None) is not None


def has_app_context() -> bool:
    """Whether an application context is active."""
    return _cv_app.get(None) is not None


def after_this_request(f: F) -> F:
    """Run ``f(response)`` after the current request, before the app's after_request hooks."""
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'after_this_request' can only be used when a request context is active,"
            " such as in a view function."
        )
    ctx._after_request_functions.append(f)
    return f


def copy_current_request_context(f: F) -> F:
    """Wrap ``f`` so it runs inside a copy of the current request context (e.g. in a thread)."""
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'copy_current_request_context' can only be used when a request context is"
            " active, such as in a view function."
        )
    copied = ctx.copy()

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with copied:
            return copied.app.ensure_sync(f)(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
