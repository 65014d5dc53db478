"""Mirror of ``flask.ctx``: the application and request contexts and their helpers."""

from __future__ import annotations

from kettle.web.ctx import (
    AppContext,
    RequestContext,
    after_this_request,
    copy_current_request_context,
    has_app_context,
    has_request_context,
)
from kettle.web.signals import appcontext_popped, appcontext_pushed

from ..werkzeug.exceptions import HTTPException

__all__ = [
    "AppContext",
    "HTTPException",
    "RequestContext",
    "after_this_request",
    "appcontext_popped",
    "appcontext_pushed",
    "copy_current_request_context",
    "has_app_context",
    "has_request_context",
]
