"""Mirror of ``flask.globals``: the context-local names."""

from __future__ import annotations

from kettle.web.globals import (
    _cv_app,
    _cv_request,
    app_ctx,
    current_app,
    g,
    request,
    request_ctx,
    session,
)

# ``_cv_app`` and ``_cv_request`` are private in Flask but read by tests and extensions.
from ..werkzeug.local import LocalProxy

__all__ = [
    "LocalProxy",
    "_cv_app",
    "_cv_request",
    "app_ctx",
    "current_app",
    "g",
    "request",
    "request_ctx",
    "session",
]
