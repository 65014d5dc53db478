"""``app.run`` and ``kettle run``: serve on ``kettle.server``, with a watchfiles reloader.

Rules: the parent process binds the listening socket once and, when reloading, runs a
supervisor that starts the app in a child process (which inherits the socket by file
descriptor, named in ``KETTLE_SERVER_FD``) and restarts that child when a watched Python
file changes (file events from watchfiles, no polling). Connections queue on the kept socket
during a restart instead of being refused. Without the reloader the app is served in this
process until SIGINT/SIGTERM. The serving process (never the supervisor) turns on live
reload when ``LIVE_RELOAD`` (default: debug) says so; the debug page gets the script too.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import watchfiles

from kettle.server import Server, bind_socket

from .debug import DebugMiddleware
from .realtime import enable_live_reload, live_reload_enabled

if TYPE_CHECKING:
    from .appbase import App

FD_VARIABLE = "KETTLE_SERVER_FD"
RUN_MAIN_VARIABLE = "KETTLE_RUN_MAIN"


def python_filter(change: watchfiles.Change, path: str) -> bool:
    """Only ``.py`` files outside caches and virtual environments trigger a restart."""
    return path.endswith(".py") and "__pycache__" not in path and "/.venv/" not in path


def watched_paths(extra_files: Iterable[str] = ()) -> list[str]:
    """The folders holding the running program's own modules (not the standard library)."""
    roots = {os.getcwd()}
    main = getattr(sys.modules.get("__main__"), "__file__", None)
    if main:
        roots.add(os.path.dirname(os.path.abspath(main)))
    roots.update(os.path.dirname(os.path.abspath(path)) for path in extra_files)
    return sorted(root for root in roots if os.path.isdir(root))


def _child_command() -> list[str]:
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name not in ("__main__", None):
        name = spec.name[: -len(".__main__")] if spec.name.endswith(".__main__") else spec.name
        return [sys.executable, "-m", name, *sys.argv[1:]]
    return [sys.executable, *sys.argv]


def supervise(
    sock: socket.socket,
    paths: list[str],
    command: list[str] | None = None,
    stop_event: Any = None,
    on_restart: Callable[[set[tuple[watchfiles.Change, str]]], None] | None = None,
) -> None:
    """Run ``command`` as a child holding ``sock``; restart it whenever a watched file changes."""
    env = dict(os.environ, **{FD_VARIABLE: str(sock.fileno()), RUN_MAIN_VARIABLE: "true"})
    command = command or _child_command()

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(command, env=env, pass_fds=(sock.fileno(),))

    child = start()
    if threading.current_thread() is threading.main_thread():
        # SIGTERM must unwind through ``finally`` so the child does not outlive us.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        for changes in watchfiles.watch(
            *paths, watch_filter=python_filter, stop_event=stop_event, raise_interrupt=False
        ):
            if on_restart is not None:
                on_restart(changes)
            else:
                print(f" * Detected change in {sorted(p for _, p in changes)}, reloading")
            child.terminate()
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            child = start()
    finally:
        child.terminate()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()


def run_app(
    app: App,
    host: str | None = None,
    port: int | None = None,
    *,
    load_dotenv: bool = True,
    use_reloader: bool | None = None,
    threaded: bool = True,
    extra_files: Iterable[str] = (),
    **options: Any,
) -> None:
    """Serve ``app``; see the module docstring. ``threaded=False`` serves with one thread."""
    server_name = app.config.get("SERVER_NAME") or ""
    name_host, _, name_port = server_name.partition(":")
    host = host or name_host or "127.0.0.1"
    port = int(port if port is not None else (name_port or 5000))
    if use_reloader is None:
        use_reloader = app.debug
    use_debugger = options.pop("use_debugger", None)
    for ignored in ("use_evalex", "passthrough_errors", "reloader_type", "reloader_interval"):
        options.pop(ignored, None)  # Werkzeug options with no meaning here
    if use_debugger if use_debugger is not None else app.debug:
        app.wsgi_app = DebugMiddleware(app.wsgi_app)
    threads = options.pop("threads", 8 if threaded else 1)
    inherited = os.environ.get(FD_VARIABLE)
    child = inherited is not None and os.environ.get(RUN_MAIN_VARIABLE) == "true"
    if (child or not use_reloader) and live_reload_enabled(app):
        # Only the process that serves watches templates/static (not the supervisor).
        enable_live_reload(app)
    if inherited is not None and child:
        server = Server(app, host, port, fd=int(inherited), threads=threads, **options)
        server.serve_forever()
        return
    sock = bind_socket(host, port, unix_socket=None, backlog=1024)
    scheme_host = f"[{host}]" if ":" in host else host
    print(f" * Serving Kettle app '{app.name}' on http://{scheme_host}:{sock.getsockname()[1]}")
    print(f" * Debug mode: {'on' if app.debug else 'off'}")
    if use_reloader:
        sock.set_inheritable(True)
        supervise(sock, watched_paths(extra_files))
        return
    Server(app, host, port, sock=sock, threads=threads, **options).serve_forever()
