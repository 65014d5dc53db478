"""The threaded HTTP/1.1 WSGI server.

Rules: imports ``kettle.http`` and the standard library (plus httptools) only. It sees an
application only as a PEP 3333 WSGI callable. The HTTP logic is sans-IO
(``protocol``, ``response``, ``environ``); the socket and thread code (``connection``,
``engine``) is a thin driver around it; ``server`` is the public entry point. ``workers``
(the master and ``serve``), ``worker`` and ``bus`` run one app in several processes.
"""

from __future__ import annotations

from .environ import ClientDisconnected, RequestBodyError
from .protocol import Limits
from .server import Server, bind_socket, make_ssl_context
from .worker import AppImportError, import_app
from .workers import Arbiter, serve
from .wsgi import FileWrapper

__all__ = [
    "AppImportError",
    "Arbiter",
    "ClientDisconnected",
    "FileWrapper",
    "Limits",
    "RequestBodyError",
    "Server",
    "bind_socket",
    "import_app",
    "make_ssl_context",
    "serve",
]
