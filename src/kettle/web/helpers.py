"""Module-level helpers that act on the current app or request: ``url_for``, ``redirect``,
``abort``, ``make_response``, ``flash``/``get_flashed_messages``, ``stream_with_context``.

Rules: each helper works through the current context (``current_app`` when one is active)
and raises a clear ``RuntimeError`` naming the missing context otherwise, except
``redirect`` and ``abort`` which also work without an app, as in Flask. Flashed messages
live in the session under ``_flashes`` as ``(category, message)`` pairs, the same layout as
Flask, and are read once per request.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, NoReturn, cast

from . import signals
from .exceptions import abort as _abort
from .globals import _cv_app, _cv_request, get_current_app, get_request_context
from .wrappers import redirect as _redirect

if TYPE_CHECKING:
    from .wrappers import Response
    from .wrappers import Response as _Response


def get_debug_flag() -> bool:
    """Whether ``FLASK_DEBUG`` (or ``KETTLE_DEBUG``) asks for debug mode."""
    value = os.environ.get("KETTLE_DEBUG") or os.environ.get("FLASK_DEBUG")
    return value is not None and value.lower() not in ("", "0", "false", "no")


def get_load_dotenv(default: bool = True) -> bool:
    value = os.environ.get("FLASK_SKIP_DOTENV")
    if not value:
        return default
    return value.lower() in ("0", "false", "no")


def url_for(
    endpoint: str,
    /,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: Any,
) -> str:
    """The URL of ``endpoint`` with ``values``; extra values become the query string."""
    return get_current_app().url_for(
        endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external,
        **values,
    )  # fmt: skip


def redirect(location: str, code: int = 302, Response: type[Response] | None = None) -> Response:
    """A redirect response; uses the current app's ``redirect`` when there is one."""
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.redirect(location, code=code)
    return cast("_Response", _redirect(location, code=code, Response=Response))


def abort(code: int | Response, *args: Any, **kwargs: Any) -> NoReturn:
    """Raise the HTTP exception for ``code`` (through ``app.aborter`` when there is an app)."""
    ctx = _cv_app.get(None)
    if ctx is not None:
        ctx.app.aborter(code, *args, **kwargs)
    _abort(code, *args, **kwargs)


def make_response(*args: Any) -> Response:
    """Turn view-style return values into a response (no args: an empty one)."""
    app = get_current_app()
    if not args:
        return app.response_class()
    if len(args) == 1:
        return app.make_response(args[0])
    return app.make_response(args)


def flash(message: str, category: str = "message") -> None:
    """Keep ``message`` in the session for the next request that reads flashed messages."""
    ctx = get_request_context()
    flashes = ctx.session.get("_flashes", [])
    flashes.append((category, message))
    ctx.session["_flashes"] = flashes
    app = ctx.app
    if signals.message_flashed.receivers:
        signals.message_flashed.send(
            app, _async_wrapper=app.ensure_sync, message=message, category=category
        )


def get_flashed_messages(
    with_categories: bool = False, category_filter: Iterable[str] = ()
) -> list[Any]:
    """Pop the flashed messages (once per request), optionally with categories or filtered."""
    ctx = get_request_context()
    flashes = ctx.flashes
    if flashes is None:
        session = ctx.session
        flashes = (
            [tuple(item) for item in session.pop("_flashes", [])] if "_flashes" in session else []
        )
        ctx.flashes = flashes
    if category_filter:
        wanted = set(category_filter)
        flashes = [item for item in flashes if item[0] in wanted]
    if not with_categories:
        return [item[1] for item in flashes]
    return list(flashes)


def stream_with_context(
    generator_or_function: Iterator[Any] | Callable[..., Iterator[Any]],
) -> Any:
    """Keep the request context alive while a streamed response's generator runs."""
    if callable(generator_or_function) and not isinstance(generator_or_function, Iterator):
        function = generator_or_function

        @functools.wraps(function)
        def decorator(*args: Any, **kwargs: Any) -> Iterator[Any]:
            chunks: Iterator[Any] = stream_with_context(function(*args, **kwargs))
            return chunks

        return decorator
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'stream_with_context' can only be used when a request context is active, such"
            " as in a view function."
        )
    wrapped = _stream(ctx, iter(generator_or_function))
    next(wrapped)  # push the context now, while the request is still active
    return wrapped


def _stream(ctx: Any, gen: Iterator[Any]) -> Generator[Any, None, None]:
    # The extra push keeps teardown from running when the view returns; it runs when the
    # generator is exhausted or closed, after the last chunk was sent.
    with ctx:
        yield None
        try:
            yield from gen
        finally:
            close = getattr(gen, "close", None)
            if close is not None:
                close()


def get_template_attribute(template_name: str, attribute: str) -> Any:
    """A macro or variable exported by a template, e.g. to call a macro from Python."""
    return getattr(get_current_app().jinja_env.get_template(template_name).module, attribute)
