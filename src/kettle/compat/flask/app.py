"""Mirror of ``flask.app``: the ``Flask`` class (Kettle's app) and what the module exposes."""

from __future__ import annotations

from kettle.web.app import Kettle as Flask
from kettle.web.appbase import App
from kettle.web.ctx import AppContext, RequestContext
from kettle.web.files import send_from_directory
from kettle.web.globals import current_app, g, request, request_ctx, session
from kettle.web.helpers import get_debug_flag, get_flashed_messages, get_load_dotenv
from kettle.web.sessions import SecureCookieSessionInterface, SessionInterface
from kettle.web.signals import (
    appcontext_tearing_down,
    got_request_exception,
    request_finished,
    request_started,
    request_tearing_down,
)
from kettle.web.templating import Environment
from kettle.web.wrappers import Request, Response

from ..werkzeug.datastructures import Headers, ImmutableDict
from ..werkzeug.exceptions import BadRequestKeyError, HTTPException, InternalServerError
from ..werkzeug.routing import BuildError, MapAdapter, RequestRedirect, RoutingException, Rule
from ..werkzeug.serving import is_running_from_reloader
from ..werkzeug.wrappers import Response as BaseResponse
from ..werkzeug.wsgi import get_host

__all__ = [
    "App",
    "AppContext",
    "BadRequestKeyError",
    "BaseResponse",
    "BuildError",
    "Environment",
    "Flask",
    "HTTPException",
    "Headers",
    "ImmutableDict",
    "InternalServerError",
    "MapAdapter",
    "Request",
    "RequestContext",
    "RequestRedirect",
    "Response",
    "RoutingException",
    "Rule",
    "SecureCookieSessionInterface",
    "SessionInterface",
    "appcontext_tearing_down",
    "current_app",
    "g",
    "get_debug_flag",
    "get_flashed_messages",
    "get_host",
    "get_load_dotenv",
    "got_request_exception",
    "is_running_from_reloader",
    "request",
    "request_ctx",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "send_from_directory",
    "session",
]
