"""Mirror of ``flask.logging``: the app logger and its default handler."""

from __future__ import annotations

from kettle.web.app_logging import (
    create_logger,
    default_handler,
    has_level_handler,
    wsgi_errors_stream,
)
from kettle.web.globals import request

from ..werkzeug.local import LocalProxy

__all__ = [
    "LocalProxy",
    "create_logger",
    "default_handler",
    "has_level_handler",
    "request",
    "wsgi_errors_stream",
]
