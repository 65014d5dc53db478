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

from collections.abc import Callable
from typing import Any, NamedTuple


class ResponseParts(NamedTuple):
    """A response's status, header pairs and body (see the module docstring). Made with
    ``tuple.__new__(ResponseParts, (status, headers, body))`` on the hot path; told from
    a WSGI result by ``type(result) is ResponseParts``."""

    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def direct_entry(app: Any) -> Callable[..., Any] | None:
    """``app``'s own ``kettle_direct`` method, or None: a wrapper whose attribute reads
    reach the ``kettle_direct`` of an app it wraps gets None, so it is called as WSGI and
    never skipped. (kettle.server's ``Engine`` and the test client's driver.)"""
    direct = getattr(app, "kettle_direct", None)
    return direct if getattr(direct, "__self__", None) is app else None


def as_wsgi(parts: ResponseParts, start_response: Callable[..., Any]) -> list[bytes]:
    """What the WSGI call would have done with ``parts``: call ``start_response`` with the
    status and a list of the header pairs, and return the body as a one-item list."""
    start_response(parts[0], list(parts[1]))
    return [parts[2]]
