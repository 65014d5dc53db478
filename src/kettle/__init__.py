"""Kettle: one package for the application, the threaded server, the templates and the realtime
channels of a Python web site.

This module is the public API and nothing else: every name a user imports from ``kettle`` is
listed in ``__all__``. Implementation lives in the layer packages:

- ``kettle.http``: protocol data (headers, cookies, status, URLs, forms, ranges, dates).
- ``kettle.templates``: the Jinja-compatible template engine, usable on its own.
- ``kettle.server``: the threaded HTTP/1.1 WSGI server.
- ``kettle.realtime``: SSE, WebSocket, broadcast and live reload, at the WSGI level.
- ``kettle.web``: the application layer with Flask's public API.

Names are loaded on first use (PEP 562 ``__getattr__``), so ``import kettle.templates`` or
``import kettle.server`` does not import the application layer.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markupsafe import Markup, escape

    from .realtime.broadcast import get_broadcast, publish, subscribe
    from .realtime.fragments import Fragment
    from .realtime.sse import ChannelStream, Event, EventStream
    from .realtime.websocket import WebSocket
    from .web import json
    from .web.app import Kettle
    from .web.blueprints import Blueprint
    from .web.config import Config
    from .web.ctx import (
        after_this_request,
        copy_current_request_context,
        has_app_context,
        has_request_context,
    )
    from .web.exceptions import HTTPException
    from .web.files import send_file, send_from_directory
    from .web.globals import (
        current_app,
        g,
        get_current_app,
        get_g,
        get_request,
        get_session,
        request,
        session,
    )
    from .web.helpers import (
        abort,
        flash,
        get_flashed_messages,
        get_template_attribute,
        make_response,
        redirect,
        stream_with_context,
        url_for,
    )
    from .web.json import jsonify
    from .web.realtime import enable_live_reload, push_fragment, render_block, render_macro
    from .web.signals import (
        appcontext_popped,
        appcontext_pushed,
        appcontext_tearing_down,
        before_render_template,
        got_request_exception,
        message_flashed,
        request_finished,
        request_started,
        request_tearing_down,
        template_rendered,
    )
    from .web.templating import (
        render_template,
        render_template_string,
        stream_template,
        stream_template_string,
    )
    from .web.views import MethodView, View
    from .web.wrappers import Request, Response

__version__ = "0.1.0"

# name -> (module, attribute); attribute None means the module itself.
_EXPORTS: dict[str, tuple[str, str | None]] = {
    "Blueprint": ("kettle.web.blueprints", "Blueprint"),
    "ChannelStream": ("kettle.realtime.sse", "ChannelStream"),
    "Config": ("kettle.web.config", "Config"),
    "Event": ("kettle.realtime.sse", "Event"),
    "EventStream": ("kettle.realtime.sse", "EventStream"),
    "Fragment": ("kettle.realtime.fragments", "Fragment"),
    "HTTPException": ("kettle.web.exceptions", "HTTPException"),
    "Kettle": ("kettle.web.app", "Kettle"),
    "Markup": ("markupsafe", "Markup"),
    "MethodView": ("kettle.web.views", "MethodView"),
    "Request": ("kettle.web.wrappers", "Request"),
    "Response": ("kettle.web.wrappers", "Response"),
    "View": ("kettle.web.views", "View"),
    "WebSocket": ("kettle.realtime.websocket", "WebSocket"),
    "abort": ("kettle.web.helpers", "abort"),
    "after_this_request": ("kettle.web.ctx", "after_this_request"),
    "appcontext_popped": ("kettle.web.signals", "appcontext_popped"),
    "appcontext_pushed": ("kettle.web.signals", "appcontext_pushed"),
    "appcontext_tearing_down": ("kettle.web.signals", "appcontext_tearing_down"),
    "before_render_template": ("kettle.web.signals", "before_render_template"),
    "copy_current_request_context": ("kettle.web.ctx", "copy_current_request_context"),
    "current_app": ("kettle.web.globals", "current_app"),
    "enable_live_reload": ("kettle.web.realtime", "enable_live_reload"),
    "escape": ("markupsafe", "escape"),
    "flash": ("kettle.web.helpers", "flash"),
    "g": ("kettle.web.globals", "g"),
    "get_broadcast": ("kettle.realtime.broadcast", "get_broadcast"),
    "get_current_app": ("kettle.web.globals", "get_current_app"),
    "get_flashed_messages": ("kettle.web.helpers", "get_flashed_messages"),
    "get_g": ("kettle.web.globals", "get_g"),
    "get_request": ("kettle.web.globals", "get_request"),
    "get_session": ("kettle.web.globals", "get_session"),
    "get_template_attribute": ("kettle.web.helpers", "get_template_attribute"),
    "got_request_exception": ("kettle.web.signals", "got_request_exception"),
    "has_app_context": ("kettle.web.ctx", "has_app_context"),
    "has_request_context": ("kettle.web.ctx", "has_request_context"),
    "json": ("kettle.web.json", None),
    "jsonify": ("kettle.web.json", "jsonify"),
    "make_response": ("kettle.web.helpers", "make_response"),
    "message_flashed": ("kettle.web.signals", "message_flashed"),
    "publish": ("kettle.realtime.broadcast", "publish"),
    "push_fragment": ("kettle.web.realtime", "push_fragment"),
    "redirect": ("kettle.web.helpers", "redirect"),
    "render_block": ("kettle.web.realtime", "render_block"),
    "render_macro": ("kettle.web.realtime", "render_macro"),
    "render_template": ("kettle.web.templating", "render_template"),
    "render_template_string": ("kettle.web.templating", "render_template_string"),
    "request": ("kettle.web.globals", "request"),
    "request_finished": ("kettle.web.signals", "request_finished"),
    "request_started": ("kettle.web.signals", "request_started"),
    "request_tearing_down": ("kettle.web.signals", "request_tearing_down"),
    "send_file": ("kettle.web.files", "send_file"),
    "send_from_directory": ("kettle.web.files", "send_from_directory"),
    "session": ("kettle.web.globals", "session"),
    "stream_template": ("kettle.web.templating", "stream_template"),
    "stream_template_string": ("kettle.web.templating", "stream_template_string"),
    "stream_with_context": ("kettle.web.helpers", "stream_with_context"),
    "subscribe": ("kettle.realtime.broadcast", "subscribe"),
    "template_rendered": ("kettle.web.signals", "template_rendered"),
    "url_for": ("kettle.web.helpers", "url_for"),
}


def __getattr__(name: str) -> Any:
    try:
        module_name, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'kettle' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


__all__ = [
    "Blueprint",
    "ChannelStream",
    "Config",
    "Event",
    "EventStream",
    "Fragment",
    "HTTPException",
    "Kettle",
    "Markup",
    "MethodView",
    "Request",
    "Response",
    "View",
    "WebSocket",
    "__version__",
    "abort",
    "after_this_request",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "copy_current_request_context",
    "current_app",
    "enable_live_reload",
    "escape",
    "flash",
    "g",
    "get_broadcast",
    "get_current_app",
    "get_flashed_messages",
    "get_g",
    "get_request",
    "get_session",
    "get_template_attribute",
    "got_request_exception",
    "has_app_context",
    "has_request_context",
    "json",
    "jsonify",
    "make_response",
    "message_flashed",
    "publish",
    "push_fragment",
    "redirect",
    "render_block",
    "render_macro",
    "render_template",
    "render_template_string",
    "request",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "send_file",
    "send_from_directory",
    "session",
    "stream_template",
    "stream_template_string",
    "stream_with_context",
    "subscribe",
    "template_rendered",
    "url_for",
]
