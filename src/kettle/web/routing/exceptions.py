"""The routing outcome that is itself an HTTP response: ``RequestRedirect`` (308).

Rules: matching never raises; the application turns a ``REDIRECT`` match into this
exception (as Werkzeug's adapter raises it), so handlers and tests can catch it by the
name Werkzeug uses. Its response is a permanent redirect that keeps the method and body.
"""

from __future__ import annotations

from typing import Any

from ..exceptions import BadRequest, HTTPException
from ..wrappers import Response, redirect


class RequestRedirect(HTTPException):
    """The URL has a canonical form elsewhere (a trailing slash, merged slashes, a rule's
    ``redirect_to``, an alias or default values): a permanent redirect (308) to ``new_url``."""

    code = 308

    def __init__(self, new_url: str) -> None:
        super().__init__(new_url)
        self.new_url = new_url

    def get_response(self, environ: Any = None, scope: Any = None) -> Response:
        response: Response = redirect(self.new_url, self.code)
        return response


class RoutingException(Exception):
    """Base of the routing outcomes Werkzeug raises as exceptions (not HTTP errors)."""


class RequestPath(RoutingException):
    """Internal: the path must be changed to ``path_info`` (Werkzeug's name)."""

    def __init__(self, path_info: str) -> None:
        super().__init__()
        self.path_info = path_info


class RequestAliasRedirect(RoutingException):  # Werkzeug's public name
    """Internal: an alias rule matched; redirect to ``endpoint`` with ``matched_values``."""

    def __init__(self, matched_values: Any, endpoint: Any) -> None:
        super().__init__()
        self.matched_values = matched_values
        self.endpoint = endpoint


class NoMatch(Exception):  # Werkzeug's public name
    """Internal: no rule matched; ``have_match_for`` holds the methods that would have."""

    __slots__ = ("have_match_for", "websocket_mismatch")

    def __init__(self, have_match_for: set[str], websocket_mismatch: bool) -> None:
        self.have_match_for = have_match_for
        self.websocket_mismatch = websocket_mismatch


class WebsocketMismatch(BadRequest):
    """The rule matched, but it is a WebSocket rule and this is not an upgrade (or the
    other way round)."""
