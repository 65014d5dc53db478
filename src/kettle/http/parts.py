"""``ResponseParts``: a whole response as its three parts, the type by which a Kettle app
hands its common response to kettle.server without WSGI's ``start_response`` round trip.

The server defines the direct entry (``kettle.server.wsgi.run``, docs/server.md "A
Kettle app on kettle.server"); this module only names the shape both ends agree on, so
neither imports the other. Rules: ``status`` is a WSGI status string, ``headers`` a
tuple of ``(name, value)`` str pairs exactly as they would be passed to
``start_response`` (Content-Length included), and ``body`` the whole body as one
``bytes``; a response that cannot be said so (streamed, a file, HEAD, no body) goes
through WSGI instead.
"""

from __future__ import annotations

from typing import NamedTuple


class ResponseParts(NamedTuple):
    """A response's status, header pairs and body (see the module docstring). Made with
    ``tuple.__new__(ResponseParts, (status, headers, body))`` on the hot path; told from
    a WSGI result by ``type(result) is ResponseParts``."""

    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
