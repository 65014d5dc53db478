"""``app.run`` and ``kettle run``: serve on ``kettle.server``, with a watchfiles reloader.

Rules: the parent process binds the listening socket once and, when reloading, runs a
supervisor that starts the app in a child process (which inherits the socket by file
descriptor, named in ``KETTLE_SERVER_FD``) and restarts that child when a watched Python
file changes (file events from watchfiles, no polling). Connections queue on the kept socket
during a restart instead of being refused. A child that exits on its own (a
``SyntaxError`` or ``ImportError`` in the app) leaves the supervisor serving a 500 page
naming the error, file and line until the next change, so requests never hang. Without the
reloader the app is served in this process until SIGINT/SIGTERM. The serving process (never
the supervisor) turns on live reload when ``LIVE_RELOAD`` (default: debug) says so.

The development server logs one access line per request and, in debug mode, every
unhandled error with its traceback (``app.logger``). A port in use is one line naming the
port and the option that changes it, then exit status 1.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import watchfiles
from markupsafe import escape

from kettle.server import Server, bind_socket
from kettle.server.server import AddressInUseError

from .app_logging import has_level_handler
from .debug import DebugMiddleware, prefers_json
from .realtime import enable_live_reload, live_reload_enabled

if TYPE_CHECKING:
    from .appbase import App

FD_VARIABLE = "KETTLE_SERVER_FD"
RUN_MAIN_VARIABLE = "KETTLE_RUN_MAIN"
# Threads of the development server. An open WebSocket or event stream tab may hold one,
# so a handful of tabs must leave plenty for ordinary requests.
DEV_THREADS = 32
_LOCATION = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)')


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


def startup_error_app(output: str, returncode: int) -> Callable[..., Any]:
    """A WSGI app answering every request with a 500 that shows why the app's process
    ended: the last line of its output (``SyntaxError: ...``), the last file and line its
    traceback names, and the output itself. JSON when the request prefers it."""
    lines = [line for line in output.splitlines() if line.strip()]
    error = lines[-1].strip() if lines else f"the app exited with status {returncode}"
    file, line = "", 0
    for text in reversed(lines):
        found = _LOCATION.match(text)
        if found:
            file, line = found["file"], int(found["line"])
            break
    where = f"{file}, line {line}" if file else "unknown location"
    document = {"error": error, "file": file or None, "line": line or None, "output": output}
    body_json = json.dumps(document).encode()
    body_html = (
        "<!doctype html><html><head><title>The app failed to start // Kettle</title></head>"
        "<body><h1>The app failed to start</h1>"
        f'<p class="error">{escape(error)}</p><p class="where">{escape(where)}</p>'
        f"<pre>{escape(output)}</pre><p>Fix the file and save it: the server restarts"
        " the app.</p></body></html>"
    ).encode()

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        as_json = prefers_json(environ.get("HTTP_ACCEPT", ""))
        body = body_json if as_json else body_html
        kind = "application/json" if as_json else "text/html; charset=utf-8"
        headers = [("Content-Type", kind), ("Content-Length", str(len(body)))]
        start_response("500 INTERNAL SERVER ERROR", headers)
        return [body]

    return app


class _AppProcess:
    """One run of the app's child process. Its stderr is passed through to ours and its
    tail kept; if it exits before ``stop()`` asks it to, the listening socket is served by
    ``startup_error_app`` until ``stop()``."""

    def __init__(self, sock: socket.socket, command: list[str], env: dict[str, str]) -> None:
        self.sock = sock
        self.tail: deque[str] = deque(maxlen=60)
        self.lock = threading.Lock()
        self.stopping = False
        self.error_server: Server | None = None
        sock.setblocking(True)
        self.process = subprocess.Popen(
            command, env=env, pass_fds=(sock.fileno(),), stderr=subprocess.PIPE
        )
        self.pump = threading.Thread(target=self._pump, daemon=True)
        self.pump.start()

    def _pump(self) -> None:
        stream = self.process.stderr
        if stream is not None:
            with stream:
                for raw in stream:
                    text = raw.decode("utf-8", "replace")
                    self.tail.append(text)
                    sys.stderr.write(text)
                    sys.stderr.flush()
        returncode = self.process.wait()
        with self.lock:
            if self.stopping:
                return
            app = startup_error_app("".join(self.tail), returncode)
            self.error_server = Server(app, sock=self.sock.dup(), threads=4).start()
        print(" * The app exited; serving its error until a file changes", flush=True)

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
            server = self.error_server
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.pump.join(5)
        if server is not None:
            server.stop(grace=1)


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
    child = _AppProcess(sock, command, env)
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
                changed = sorted(path for _, path in changes)
                print(f" * Detected change in {changed}, reloading", flush=True)
            child.stop()
            child = _AppProcess(sock, command, env)
    finally:
        child.stop()


def _log_to_terminal(app: App) -> None:
    """Make the access log (``kettle.server.access``) and the app's error log reach the
    terminal, unless the program configured logging itself."""
    server_log = logging.getLogger("kettle.server")
    if not server_log.level:
        server_log.setLevel(logging.INFO)
    if not has_level_handler(server_log):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        server_log.addHandler(handler)
    app.logger  # noqa: B018 - creating it adds its default handler before any error


def _bind(host: str, port: int, port_option: str) -> socket.socket:
    try:
        return bind_socket(host, port, unix_socket=None, backlog=1024)
    except AddressInUseError as error:
        print(f"{error}; stop it or choose another port with {port_option}.", file=sys.stderr)
        raise SystemExit(1) from None


def run_app(
    app: App,
    host: str | None = None,
    port: int | None = None,
    *,
    load_dotenv: bool = True,
    use_reloader: bool | None = None,
    threaded: bool = True,
    extra_files: Iterable[str] = (),
    port_option: str = "app.run(port=...)",
    **options: Any,
) -> None:
    """Serve ``app``; see the module docstring. ``threaded=False`` serves with one thread,
    ``threads=N`` with N (default ``DEV_THREADS``). ``port_option`` is what the port-in-use
    message tells the user to change (``--port`` for the CLI)."""
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
        app.wsgi_app = DebugMiddleware(app.wsgi_app, app)
    threads = options.pop("threads", None) or (DEV_THREADS if threaded else 1)
    options.setdefault("access_log", True)
    inherited = os.environ.get(FD_VARIABLE)
    child = inherited is not None and os.environ.get(RUN_MAIN_VARIABLE) == "true"
    if (child or not use_reloader) and live_reload_enabled(app):
        # Only the process that serves watches templates/static (not the supervisor).
        enable_live_reload(app)
    if inherited is not None and child:
        _log_to_terminal(app)
        server = Server(app, host, port, fd=int(inherited), threads=threads, **options)
        server.serve_forever()
        return
    sock = _bind(host, port, port_option)
    scheme_host = f"[{host}]" if ":" in host else host
    url = f"http://{scheme_host}:{sock.getsockname()[1]}"
    print(f" * Serving Kettle app '{app.name}'")
    print(f" * Debug mode: {'on' if app.debug else 'off'}")
    print(f" * Running on {url} ({threads} threads)")
    print("Press CTRL+C to quit", flush=True)
    if use_reloader:
        sock.set_inheritable(True)
        supervise(sock, watched_paths(extra_files))
        return
    _log_to_terminal(app)
    Server(app, host, port, sock=sock, threads=threads, **options).serve_forever()
