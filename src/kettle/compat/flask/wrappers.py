"""Mirror of ``flask.wrappers``: the app's ``Request`` and ``Response`` classes."""

from __future__ import annotations

from kettle.web.globals import current_app
from kettle.web.wrappers import Request, Response

from ..werkzeug.exceptions import BadRequest, HTTPException
from ..werkzeug.wrappers import Request as RequestBase
from ..werkzeug.wrappers import Response as ResponseBase

__all__ = [
    "BadRequest",
    "HTTPException",
    "Request",
    "RequestBase",
    "Response",
    "ResponseBase",
    "current_app",
]
