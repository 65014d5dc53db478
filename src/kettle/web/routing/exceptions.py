"""The routing outcome that is itself an HTTP response: ``RequestRedirect`` (308).

Rules: matching never raises; the application turns a ``REDIRECT`` match into this
exception (as Werkzeug's adapter raises it), so handlers and tests can catch it by the
name Werkzeug uses. Its response is a permanent redirect that keeps the method and body.
"""

from __future__ import annotations

from typing import Any

from ..exceptions import HTTPException
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
