"""A response built from its parts (Werkzeug's ``werkzeug.sansio.response.Response``).

Owns ``PartsResponse``: Kettle's response object made from status, headers, mimetype and
content type only, the I/O-free base Werkzeug's WSGI ``Response`` is built on. Code that
prepares responses outside WSGI (ASGI adapters, libraries typed against the sans-IO base)
gets the same header properties as a view's response: ``status``/``status_code``,
``headers``, ``mimetype``, ``content_type``, ``content_length``, ``location``, cookies
(``set_cookie``/``delete_cookie``), ETags, ``cache_control``, ``vary``, dates, CORS and
COOP/COEP fields, CSP, ``www_authenticate`` and ``content_range``.

Rules: the arguments are Werkzeug's, ``(status=None, headers=None, mimetype=None,
content_type=None)``, and the default mimetype is ``text/plain`` as Werkzeug's base; the
body is empty. As in Werkzeug, where the WSGI response derives from this base, every Kettle
response counts as a ``PartsResponse`` for ``isinstance``/``issubclass`` (it has every
attribute ``PartsResponse`` has); ``PartsResponse``'s own subclasses are ordinary classes.
"""

from __future__ import annotations

from typing import Any

from . import wrappers
from .plain_response import ResponseFamily


class Response(wrappers.Response, metaclass=ResponseFamily):
    """A response from its parts: ``PartsResponse(404, {"X-Reason": "gone"})`` (named
    ``Response``, as Werkzeug's, so its repr and pickles read the same)."""

    _stands_for_family = True
    default_mimetype = "text/plain"

    def __init__(
        self,
        status: int | str | None = None,
        headers: Any = None,
        mimetype: str | None = None,
        content_type: str | None = None,
    ) -> None:
        super().__init__(None, status, headers, mimetype, content_type)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} [{self.status}]>"


PartsResponse = Response

__all__ = ["PartsResponse"]
