"""Mirror of ``flask.globals``: the context-local names."""

from __future__ import annotations

from kettle.web.globals import app_ctx, current_app, g, request, request_ctx, session

__all__ = ["app_ctx", "current_app", "g", "request", "request_ctx", "session"]
