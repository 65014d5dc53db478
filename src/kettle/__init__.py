"""Kettle: one package for the application, the threaded server, the templates and the realtime
channels of a Python web site.

This module is the public API and nothing else: every name a user imports from ``kettle`` is
listed in ``__all__``. Implementation lives in the layer packages:

- ``kettle.http``: protocol data (headers, cookies, status, URLs, forms, ranges, dates).
- ``kettle.templates``: the Jinja-compatible template engine, usable on its own.
- ``kettle.server``: the threaded HTTP/1.1 WSGI server.
- ``kettle.realtime``: SSE, WebSocket, broadcast and live reload, at the WSGI level.
- ``kettle.web``: the application layer with Flask's public API.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
