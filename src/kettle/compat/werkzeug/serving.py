"""Mirror of ``werkzeug.serving``: ``run_simple`` serves on ``kettle.server`` (with Kettle's
reloader and debug page), ``is_running_from_reloader`` asks Kettle's reloader.

Werkzeug's own server classes (``BaseWSGIServer``, ``WSGIRequestHandler``, ...) and adhoc
TLS certificates are not provided: importing them raises ImportError. ``processes > 1`` is
refused with ``ValueError`` (Kettle's server is threaded).
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterable
from typing import Any

from kettle.server import Server, bind_socket, serve
from kettle.web.debug import DebugMiddleware
from kettle.web.devserver import FD_VARIABLE, RUN_MAIN_VARIABLE, supervise, watched_paths
from kettle.web.middleware import SharedDataMiddleware


def is_running_from_reloader() -> bool:
    """Whether this process is the child the reloader restarts."""
    return os.environ.get(RUN_MAIN_VARIABLE) == "true"


def _tls_options(ssl_context: Any) -> dict[str, Any]:
    if ssl_context is None:
        return {}
    if isinstance(ssl_context, ssl.SSLContext):
        return {"ssl_context": ssl_context}
    if isinstance(ssl_context, tuple):
        return {"certfile": ssl_context[0], "keyfile": ssl_context[1]}
    raise ValueError(
        f"ssl_context={ssl_context!r} is not supported by Kettle's server: pass an"
        " ssl.SSLContext or a (certfile, keyfile) pair"
    )


def run_simple(
    hostname: str,
    port: int,
    application: Any,
    use_reloader: bool = False,
    use_debugger: bool = False,
    use_evalex: bool = True,
    extra_files: Iterable[str] | None = None,
    exclude_patterns: Iterable[str] | None = None,
    reloader_interval: int = 1,
    reloader_type: str = "auto",
    threaded: bool = False,
    processes: int = 1,
    request_handler: Any = None,
    static_files: dict[str, Any] | None = None,
    passthrough_errors: bool = False,
    ssl_context: Any = None,
) -> None:
    """Serve ``application`` on ``hostname:port`` until interrupted (Werkzeug's signature)."""
    if not isinstance(port, int):
        raise TypeError("port must be an integer")
    if processes > 1:
        raise ValueError("processes > 1 is not supported by Kettle's threaded server")
    if static_files:
        application = SharedDataMiddleware(application, static_files)
    if use_debugger:
        application = DebugMiddleware(application)
    options: dict[str, Any] = {"threads": 8 if threaded else 1, **_tls_options(ssl_context)}
    unix_socket = hostname[len("unix://") :] if hostname.startswith("unix://") else None
    if unix_socket is not None:
        options["unix_socket"] = unix_socket
    if not use_reloader:
        serve(application, hostname, port, **options)
        return
    inherited = os.environ.get(FD_VARIABLE)
    if is_running_from_reloader() and inherited is not None:
        options.pop("unix_socket", None)
        Server(application, hostname, port, fd=int(inherited), **options).serve_forever()
        return
    sock = bind_socket(hostname, port, unix_socket=unix_socket, backlog=1024)
    sock.set_inheritable(True)
    print(f" * Running on http://{hostname}:{sock.getsockname()[1] if not unix_socket else ''}")
    supervise(sock, watched_paths(extra_files or ()))


__all__ = ["is_running_from_reloader", "run_simple"]
