"""Mirror of ``werkzeug.routing.exceptions`` (``kettle.web.routing``'s exceptions)."""

from __future__ import annotations

from kettle.web.routing.exceptions import (
    NoMatch,
    RequestAliasRedirect,
    RequestPath,
    RequestRedirect,
    RoutingException,
    WebsocketMismatch,
)
from kettle.web.routing.map import BuildError

__all__ = [
    "BuildError",
    "NoMatch",
    "RequestAliasRedirect",
    "RequestPath",
    "RequestRedirect",
    "RoutingException",
    "WebsocketMismatch",
]
