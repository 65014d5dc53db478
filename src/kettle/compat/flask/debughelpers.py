"""Mirror of ``flask.debughelpers``: the debug-mode errors and template-loading explainer."""

from __future__ import annotations

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

__all__ = [
    "App",
    "Blueprint",
    "DebugFilesKeyError",
    "FormDataRoutingRedirect",
    "UnexpectedUnicodeError",
    "attach_enctype_error_multidict",
    "explain_template_loading_attempts",
    "request_ctx",
]
