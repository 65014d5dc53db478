"""The context-local names ``current_app``, ``g``, ``request`` and ``session``.

Rules: the active contexts live in two ``contextvars`` (one for the app context, one for the
request context), set on push and reset on pop, nothing else per request. The four names are
thin proxies that look the current object up on each use; beside them, typed accessor
functions (``get_current_app()``, ``get_request()``, ...) return the real objects for code
that wants exact types. Outside a context both raise ``RuntimeError`` saying which context
is missing.

Also owns ``flask_is_kettle()``: whether ``flask`` names Kettle in this process
(kettle.compat). Where Flask's own text is what users and their tests read (``repr(g)``,
``--version``, the CLI's loading error on ``--help``, the module a warning is attributed
to), Kettle then writes Flask's; otherwise its own. It looks at ``sys.modules`` only and
never imports the mirror.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from .app import Kettle
    from .ctx import AppContext, RequestContext, _AppCtxGlobals
    from .sessions import SessionMixin
    from .wrappers import Request

_NO_APP = """\
Working outside of application context.

This typically means that you attempted to use functionality that needed
the current application. To solve this, set up an application context
with app.app_context(). See the documentation for more information."""

_NO_REQUEST = """\
Working outside of request context.

This typically means that you attempted to use functionality that needed
an active HTTP request. Consult the documentation on testing for
information about how to avoid this problem."""


def flask_is_kettle() -> bool:
    """Whether ``import flask`` gives Kettle here: kettle.compat is active and ``flask`` was
    imported through it (the real Flask, or no ``flask`` at all, is False)."""
    module = sys.modules.get("flask")
    return module is not None and getattr(module, "__name__", "").startswith("kettle.")


_cv_app: ContextVar[AppContext] = ContextVar("kettle.app_ctx")
_cv_request: ContextVar[RequestContext] = ContextVar("kettle.request_ctx")


def _app_ctx() -> AppContext:
    ctx = _cv_app.get(None)
    if ctx is None:
        raise RuntimeError(_NO_APP)
    return ctx


def _request_ctx() -> RequestContext:
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(_NO_REQUEST)
    return ctx


def get_current_app() -> Kettle:
    """The application handling the current context."""
    return cast("Kettle", _app_ctx().app)


def get_g() -> _AppCtxGlobals:
    """The ``g`` namespace of the current application context."""
    return _app_ctx().g


def get_request() -> Request:
    """The request being handled."""
    return _request_ctx().request


def get_session() -> SessionMixin:
    """The session of the request being handled (opened on first use)."""
    return _request_ctx().session


class ContextProxy:
    """Forwards every use to the object ``lookup()`` returns at that moment."""

    __slots__ = ("__lookup", "__name")

    def __init__(self, lookup: Callable[[], Any], name: str) -> None:
        object.__setattr__(self, "_ContextProxy__lookup", lookup)
        object.__setattr__(self, "_ContextProxy__name", name)

    def _get_current_object(self) -> Any:
        return self.__lookup()

    @property
    def __wrapped__(self) -> Any:
        # As Werkzeug's LocalProxy: outside a context this is what the proxy wraps (here
        # its lookup function), so ``hasattr(current_app, "__wrapped__")`` is true and
        # ``inspect.unwrap`` stops; inside one it is the current object's own attribute.
        try:
            target = self.__lookup()
        except RuntimeError:
            return self.__lookup
        return target.__wrapped__

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__lookup(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.__lookup(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self.__lookup(), name)

    def __getitem__(self, key: Any) -> Any:
        return self.__lookup()[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self.__lookup()[key] = value

    def __delitem__(self, key: Any) -> None:
        del self.__lookup()[key]

    def __contains__(self, key: Any) -> bool:
        return key in self.__lookup()

    def __iter__(self) -> Iterator[Any]:
        return iter(self.__lookup())

    def __len__(self) -> int:
        return len(self.__lookup())

    def __bool__(self) -> bool:
        try:
            return bool(self.__lookup())
        except RuntimeError:
            return False

    def __eq__(self, other: object) -> bool:
        return bool(self.__lookup() == other)

    def __ne__(self, other: object) -> bool:
        return bool(self.__lookup() != other)

    __hash__ = None  # type: ignore[assignment]  # equality follows the target object

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__lookup()(*args, **kwargs)

    def __enter__(self) -> Any:
        return self.__lookup().__enter__()

    def __exit__(self, *exc_info: Any) -> Any:
        return self.__lookup().__exit__(*exc_info)

    def __repr__(self) -> str:
        try:
            return repr(self.__lookup())
        except RuntimeError:
            return "<LocalProxy unbound>"  # Flask's text, which some tests compare

    def __str__(self) -> str:
        return str(self.__lookup())


current_app: Kettle = cast("Kettle", ContextProxy(get_current_app, "current_app"))
g: _AppCtxGlobals = cast("_AppCtxGlobals", ContextProxy(get_g, "g"))
request: Request = cast("Request", ContextProxy(get_request, "request"))
session: SessionMixin = cast("SessionMixin", ContextProxy(get_session, "session"))
app_ctx: AppContext = cast("AppContext", ContextProxy(_app_ctx, "app_ctx"))
request_ctx: RequestContext = cast("RequestContext", ContextProxy(_request_ctx, "request_ctx"))


def get_request_context() -> RequestContext:
    """The active request context (``RuntimeError`` outside a request)."""
    return _request_ctx()
