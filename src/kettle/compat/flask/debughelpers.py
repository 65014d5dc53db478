"""Mirror of ``flask.debughelpers``: the debug-mode errors and template-loading explainer."""

from __future__ import annotations

from kettle.templates import BaseLoader
from kettle.web.appbase import App
from kettle.web.blueprints import Blueprint
from kettle.web.debughelpers import (
    DebugFilesKeyError,
    FormDataRoutingRedirect,
    UnexpectedUnicodeError,
    attach_enctype_error_multidict,
    explain_template_loading_attempts,
)
from kettle.web.globals import request_ctx

from ..werkzeug.routing import RequestRedirect

__all__ = [
    "App",
    "BaseLoader",
    "Blueprint",
    "DebugFilesKeyError",
    "FormDataRoutingRedirect",
    "RequestRedirect",
    "UnexpectedUnicodeError",
    "attach_enctype_error_multidict",
    "explain_template_loading_attempts",
    "request_ctx",
]
