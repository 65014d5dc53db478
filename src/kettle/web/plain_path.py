"""The plain request path: ``Kettle.wsgi_app`` for a request whose app has nothing to run
between matching the URL and sending the view's response.

Owns ``serves_plain(app)`` (may this request take the plain path?) and ``wsgi_plain``
(serve it). The plain path does what the general one does (``ctx.push``,
``full_dispatch_request``, ``ctx.pop``) with the steps that would find nothing to do left
out, so it saves their calls, not their behaviour.

Rules: an app is plain for a request when, at that moment,
- no before/after/teardown request hook, URL value preprocessor or teardown_appcontext
  function is registered (on the app or any blueprint; the tables are read each request, so
  a hook added at any time, by a decorator or straight into the dict, counts at once);
- no receiver is connected to the request-path signals (``request_started``,
  ``request_finished``, ``request_tearing_down``, ``appcontext_pushed``/``_popped``/
  ``_tearing_down``);
- ``TRUSTED_HOSTS`` is unset and neither host nor subdomain matching is on (so matching
  needs no bound URL adapter);
- none of the methods the plain path skips, inlines or calls only when they have work is
  overridden, on the class or the
  instance (a class is checked the first time one of its apps serves; an instance again
  whenever its attribute set changes size, as it does when a method is assigned to it).
  A method replaced on the class itself after that is not seen: patch before serving.
Everything else (error handlers, ``after_this_request``, the session, ``g``, streaming,
``kettle.preserve_context``) works as on the general path, because the plain path calls
the same methods for it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from . import signals
from .ctx import AppContext, RequestContext
from .globals import _cv_app, _cv_request
from .routing import Map

if TYPE_CHECKING:
    from .app import Kettle

#: The methods the plain path does not call (or calls only some of): an app whose class
#: or instance replaces one of them takes the general path.
SKIPPED_METHODS = (
    "full_dispatch_request",
    "preprocess_request",
    "dispatch_request",
    "finalize_request",
    "make_response",
    "process_response",
    "do_teardown_request",
    "do_teardown_appcontext",
    "app_context",
    "create_url_adapter",
    "ensure_sync",
    "_match",
)
_MAP_BIND = Map.bind_to_environ
_request_started = signals.request_started
_request_finished = signals.request_finished
_request_tearing_down = signals.request_tearing_down
_appcontext_pushed = signals.appcontext_pushed
_appcontext_popped = signals.appcontext_popped
_appcontext_tearing_down = signals.appcontext_tearing_down


_plain_classes: dict[type, bool] = {}


def _class_is_plain(cls: type, base: type) -> bool:
    plain = all(getattr(cls, name) is getattr(base, name) for name in SKIPPED_METHODS)
    _plain_classes[cls] = plain
    return plain


def serves_plain(app: Kettle, base: type) -> bool:
    """Whether ``app`` (a ``base`` instance, ``base`` being ``Kettle``) may serve the
    current request on the plain path; see the module docstring."""
    if (
        app.before_request_funcs
        or app.url_value_preprocessors
        or app.after_request_funcs
        or app.teardown_request_funcs
        or app.teardown_appcontext_funcs
        or app.config["TRUSTED_HOSTS"]
        or app.subdomain_matching
    ):
        return False
    url_map = app.url_map
    if url_map.host_matching or type(url_map).bind_to_environ is not _MAP_BIND:
        return False
    if (
        _request_started.receivers
        or _request_finished.receivers
        or _request_tearing_down.receivers
        or _appcontext_pushed.receivers
        or _appcontext_popped.receivers
        or _appcontext_tearing_down.receivers
    ):
        return False
    cls = type(app)
    plain = _plain_classes.get(cls)
    if plain is None:
        plain = _class_is_plain(cls, base)
    if not plain:
        return False
    # Not replaced on the instance: checked again whenever ``app.__dict__`` changes size
    # (replacing a method there adds a key, as any new attribute does).
    attributes = app.__dict__
    if attributes.get("_plain_checked_size") != len(attributes):
        attributes["_plain_instance"] = not any(name in attributes for name in SKIPPED_METHODS)
        attributes["_plain_checked_size"] = len(attributes)  # both keys counted
    return attributes["_plain_instance"]  # type: ignore[no-any-return]


def wsgi_plain(app: Kettle, environ: dict[str, Any], start_response: Any) -> Any:
    """``app.wsgi_app`` for a plain request: push, match, call the view, make and process
    the response, answer, pop; errors go to the app's handlers as on the general path."""
    ctx = RequestContext(app, environ, lazy_url_adapter=True)
    app_ctx: AppContext | None = _cv_app.get(None)
    if app_ctx is None or app_ctx.app is not app:
        if app.config["SERVER_NAME"] is None:
            app_ctx = AppContext(app, url_adapter=None)  # what create_url_adapter gives
        else:
            app_ctx = AppContext(app)
        app_ctx._tokens.append(_cv_app.set(app_ctx))
    else:
        app_ctx = None  # the current one is this app's: not pushed again
    ctx._cv_tokens.append((_cv_request.set(ctx), app_ctx))
    error: BaseException | None = None
    try:
        try:
            ctx._matched = True
            app._match(ctx)
            app._got_first_request = True
            request = ctx.request
            try:  # app.dispatch_request
                if request.routing_exception is not None:
                    app.raise_routing_exception(request)
                rule = request.url_rule
                if rule.provide_automatic_options and request.method == "OPTIONS":
                    result = app.make_default_options_response()
                else:
                    view = app.view_functions[rule.endpoint]
                    sync = app._sync_cache.get(view) or app.ensure_sync(view)
                    result = sync(**(request.view_args or {}))
            except Exception as e:
                result = app.handle_user_exception(e)
            # make_response and process_response, called only when they have work: a
            # result that is not already a response, an after_this_request function, an
            # opened session or a session cookie to refresh.
            response = result
            if type(result) is not app.response_class:
                response = app.make_response(result)
            if (
                ctx._after_request_functions
                or ctx._opened_session is not None
                or (
                    app.config["SESSION_REFRESH_EACH_REQUEST"] and "HTTP_COOKIE" in request.environ
                )
            ):
                response = app.process_response(response)
        except Exception as e:
            error = e
            response = app.handle_exception(e)
        except BaseException:
            error = sys.exc_info()[1]
            raise
        return response(environ, start_response)
    finally:
        preserve = environ.get("kettle.preserve_context")
        if preserve is not None:
            preserve(ctx)
        if error is not None and app.should_ignore_error(error):
            error = None
        ctx._pop_plain(error)
