"""The request cycle behind ``Kettle.wsgi_app``, and its plain form for a request whose app
has nothing to run between matching the URL and sending the view's response.

Owns ``serve(app, environ, start_response, plain)``: the one core of the WSGI request
cycle (make the request context, push it, dispatch, turn an error into a response, answer,
hand the context to ``kettle.preserve_context``, pop), and ``serves_plain(app)`` (may this
request take the plain form?). The general form pushes with ``ctx.push()``, dispatches with
``app.full_dispatch_request`` and pops with ``ctx.pop()``, as Flask does, so subclasses that
override them are honoured. The plain form does the same steps with those that would find
nothing to do left out (``kettle.web.ctx.push_plain``, the dispatch steps that have work,
``pop_plain``), so it saves their calls, not their behaviour: matching, calling the
view (``Kettle._call_view``, shared with ``dispatch_request``), error handlers and making
the response are the same code on both.

Rules: an app is plain for a request when, at that moment,
- no before/after/teardown request hook, URL value preprocessor or teardown_appcontext
  function is registered (on the app or any blueprint; the tables are read each request, so
  a hook added at any time, by a decorator or straight into the dict, counts at once);
- no receiver is connected to the request-path signals (``request_started``,
  ``request_finished``, ``request_tearing_down``, ``appcontext_pushed``/``_popped``/
  ``_tearing_down``);
- ``TRUSTED_HOSTS`` is unset and neither host nor subdomain matching is on (so matching
  needs no bound URL adapter);
- none of the methods the plain form skips, inlines or calls only when they have work is
  overridden, on the class or the
  instance (a class is checked the first time one of its apps serves; an instance again
  whenever its attribute set changes size, as it does when a method is assigned to it, or
  its class is changed).
  A method replaced on the class itself after that is not seen: patch before serving.
Everything else (error handlers, ``after_this_request``, the session, ``g``, streaming,
``kettle.preserve_context``) works as on the general form, because the plain form calls
the same methods for it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from . import signals
from .ctx import RequestContext, pop_plain, push_plain
from .response import response_parts
from .routing import Map
from .wrappers import Response

if TYPE_CHECKING:
    from .app import Kettle

#: The methods the plain form does not call (or calls only some of): an app whose class
#: or instance replaces one of them takes the general form.
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
    "_call_view",
)
_MAP_BIND = Map.bind_to_environ
_RESPONSE_INIT = Response.__init__
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
    current request in the plain form; see the module docstring."""
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
    # The methods: the answer for the app's class and attribute set, kept on the instance
    # as (class, ``app.__dict__``, its size, the app) while both are plain, so it is looked
    # at again whenever the size changes (replacing a method on the instance adds a key,
    # as any new attribute does), the instance's class is changed, or the answer was
    # copied with the attributes to another app (``copy.copy(app)``). (The dict is kept
    # so that reading its size costs no ``app.__dict__``, a few hundred instructions.)
    known = app._plain_as
    if (
        known is not None
        and known[3] is app
        and known[0] is type(app)
        and len(known[1]) == known[2]
    ):
        return True
    return _methods_are_plain(app, base, app.__dict__)


def _methods_are_plain(app: Kettle, base: type, attributes: dict[str, Any]) -> bool:
    """Whether neither the class of ``app`` nor the instance replaces a skipped method;
    records the answer for ``serves_plain``, with whether the app's WSGI entry is
    ``base``'s own (``__call__`` and ``wsgi_app`` not replaced: no middleware), which
    ``Kettle.kettle_direct`` reads."""
    cls = type(app)
    plain = _plain_classes.get(cls)
    if plain is None:
        plain = _class_is_plain(cls, base)
    attributes["_plain_as"] = None  # counted in the size; no stale answer kept
    if plain and not any(name in attributes for name in SKIPPED_METHODS):
        own_entry = (
            cls.__call__ is base.__call__
            and cls.wsgi_app is base.wsgi_app  # type: ignore[attr-defined]  # Kettle's
            and "wsgi_app" not in attributes
        )
        attributes["_plain_as"] = (cls, attributes, len(attributes), app, own_entry)
        return True
    return False


def serve(
    app: Kettle, environ: dict[str, Any], start_response: Any, plain: bool, parts: bool = False
) -> Any:
    """``app.wsgi_app``: one request, in the plain form when ``plain`` (``serves_plain``
    said so) and in Flask's general form otherwise; errors go to the app's handlers.
    ``parts`` (``Kettle.kettle_direct``): a common response comes back as
    ``ResponseParts`` instead of through its WSGI call, at the same point."""
    ctx = push_plain(app, environ) if plain else RequestContext(app, environ)
    error: BaseException | None = None
    try:
        try:
            if plain:
                # full_dispatch_request's steps that have work: match, call the view (its
                # error to the app's handlers), then make and process the response only
                # when they have work: a result that is not already a response, an
                # after_this_request function, an opened session or a cookie to refresh.
                # (Called through the class, whose are Kettle's, as serves_plain checked:
                # a method looked up on the app instance costs a bound method each time.)
                cls = type(app)
                cls._match(app, ctx, True)
                app._got_first_request = True
                request = ctx.request
                try:
                    result = cls._call_view(app, request, True)
                except Exception as e:
                    result = app.handle_user_exception(e)
                response = result
                response_class = app.response_class
                if type(result) is not response_class:
                    if type(result) is str and response_class.__init__ is _RESPONSE_INIT:
                        # make_response's first step (serves_plain checked it is App's),
                        # without its call: a view's text.
                        response = response_class(result)
                    else:
                        response = app.make_response(result)
                if (
                    ctx._after_request_functions
                    or ctx._opened_session is not None
                    or ("HTTP_COOKIE" in environ and app.config["SESSION_REFRESH_EACH_REQUEST"])
                ):
                    response = app.process_response(response)
            else:
                ctx.push()
                response = app.full_dispatch_request(ctx)
        except Exception as e:
            error = e
            response = app.handle_exception(e)
        except BaseException:
            error = sys.exc_info()[1]
            raise
        if parts:
            common = response_parts(response, environ)
            if common is not None:
                return common
        return response(environ, start_response)
    finally:
        preserve = environ.get("kettle.preserve_context")
        if preserve is not None:
            preserve(ctx)
        if error is not None and app.should_ignore_error(error):
            error = None
        if plain:
            pop_plain(ctx, error)
        else:
            ctx.pop(error)
