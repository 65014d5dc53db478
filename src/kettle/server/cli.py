"""The ``kettle serve MODULE:APP`` command: run any WSGI application on kettle.server.

Owns turning flags into ``serve()`` options (``--workers`` and its supervision flags
included). Rules kept: the current directory is importable (like ``python -m``); the
access log is on by default here (off by default in ``serve()``); a bad import string or
option is a usage error with a clear message, never a traceback (with ``--workers`` the
app is imported by the workers only, and a failure to load it ends the command with
status 1).
"""

from __future__ import annotations

import logging
import os
from typing import Any

import click

from .server import DEFAULT_COMPUTE_THREADS, DEFAULT_THREADS, AddressInUseError, Server
from .worker import AppImportError, import_app
from .workers import Arbiter, resolve_workers, serve


def load_app(target: str) -> Any:
    """Import ``module:attribute`` (``module`` alone means ``module:app``).

    ``module:factory()`` calls a factory with no arguments.
    """
    try:
        return import_app(target)
    except AppImportError as exc:
        raise click.BadParameter(str(exc), param_hint="MODULE:APP") from None


class WorkersType(click.ParamType[int, Any]):
    """``--workers``: an int >= 1, or ``auto`` (one per usable core)."""

    name = "N|auto"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            return resolve_workers(value if isinstance(value, int) else str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not an int >= 1 or 'auto'", param, ctx)


def _cpu_affinity(text: str) -> Any:
    """``--cpu-affinity``: ``auto``, ``none`` or a CPU number."""
    if text in ("auto", "none"):
        return None if text == "none" else "auto"
    if not text.isdigit():
        raise click.BadParameter("auto, none or a CPU number", param_hint="--cpu-affinity")
    return int(text)


def _announce(server: Server | Arbiter) -> None:
    if isinstance(server, Arbiter):
        threads = server.server.threads
        shape = f"{server.target} workers x {threads} threads, master pid {os.getpid()}"
    else:
        shape = f"{server.threads} threads"
    click.echo(f" * kettle serving on {server.url} ({shape}); Ctrl+C to stop")


@click.command("serve")
@click.argument("target", metavar="MODULE:APP")
@click.option("--host", "-h", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", "-p", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--threads", "-t", default=DEFAULT_THREADS, show_default=True, type=click.IntRange(1)
)
@click.option(
    "--compute-threads",
    default=DEFAULT_COMPUTE_THREADS,
    show_default=True,
    type=click.IntRange(0),
    help="On one CPU, at most this many threads serve while they compute; more as soon as"
    " they wait (docs/server.md). 0: no such limit.",
)
@click.option(
    "--batch-responses/--no-batch-responses",
    default=True,
    show_default=True,
    help="While more requests wait, send the small responses of fast requests together"
    " when the queue empties (at most 16, held at most 5 ms; docs/server.md).",
)
@click.option(
    "--workers",
    "-w",
    default="1",
    show_default=True,
    type=WorkersType(),
    help="Worker processes; 'auto' = one per usable core; 1 = this process only.",
)
@click.option(
    "--worker-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0.001),
    help="Seconds without a heartbeat before a worker is killed and replaced.",
)
@click.option(
    "--max-requests",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="Replace a worker after this many requests (0: never).",
)
@click.option(
    "--max-requests-jitter",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="Add 0..N to each worker's --max-requests, so they do not all restart at once.",
)
@click.option("--unix-socket", type=click.Path(dir_okay=False), help="Listen on a Unix socket.")
@click.option("--fd", type=click.IntRange(0), help="Serve on an already listening socket fd.")
@click.option("--certfile", type=click.Path(exists=True, dir_okay=False), help="TLS cert.")
@click.option("--keyfile", type=click.Path(exists=True, dir_okay=False), help="TLS key.")
@click.option("--header-timeout", default=10.0, show_default=True, type=click.FloatRange(0.001))
@click.option("--keepalive-timeout", default=5.0, show_default=True, type=click.FloatRange(0.001))
@click.option("--body-timeout", default=30.0, show_default=True, type=click.FloatRange(0.001))
@click.option(
    "--min-body-rate",
    default=240.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Bytes/s a request body must average after --body-timeout; 0 disables.",
)
@click.option("--send-timeout", default=30.0, show_default=True, type=click.FloatRange(0.001))
@click.option("--max-request-line", default=8190, show_default=True, type=click.IntRange(1))
@click.option("--max-header-bytes", default=65536, show_default=True, type=click.IntRange(1))
@click.option("--max-headers", default=100, show_default=True, type=click.IntRange(1))
@click.option("--max-header-field", default=8190, show_default=True, type=click.IntRange(1))
@click.option(
    "--cpu-affinity",
    default="auto",
    show_default=True,
    help="Pin the server's threads to one CPU: auto, none, or a CPU number.",
)
@click.option(
    "--max-buffered-body",
    default=1 << 20,
    show_default=True,
    type=click.IntRange(0),
    help="Bytes of a request body read before a worker takes the request.",
)
@click.option(
    "--max-body-size",
    default=1 << 30,
    show_default=True,
    type=click.IntRange(0),
    help="Bytes; 0 means unlimited.",
)
@click.option("--backlog", default=1024, show_default=True, type=click.IntRange(1))
@click.option("--grace", default=10.0, show_default=True, type=click.FloatRange(0))
@click.option("--access-log/--no-access-log", default=True, show_default=True)
def serve_command(target: str, **options: Any) -> None:
    """Serve the WSGI application MODULE:APP with kettle's threaded HTTP/1.1 server.

    With --workers above 1 a master process binds once and supervises that many worker
    processes, each importing MODULE:APP itself. Signals to the master: HUP reloads the
    code with no failed request, TTIN/TTOU add/remove a worker, TERM/INT stop gracefully.
    """
    if options["workers"] == 1:
        if options["max_requests"]:
            raise click.UsageError("--max-requests needs --workers 2 or more")
        app: Any = load_app(target)
        for name in ("workers", "worker_timeout", "max_requests", "max_requests_jitter"):
            del options[name]
    else:
        app = target
    if options["max_body_size"] == 0:
        options["max_body_size"] = None
    options["cpu_affinity"] = _cpu_affinity(options["cpu_affinity"])
    options["compute_threads"] = options["compute_threads"] or None
    if options["unix_socket"] is None:
        del options["unix_socket"]
    if options["fd"] is None:
        del options["fd"]
    grace = options.pop("grace")
    host = options.pop("host")
    port = options.pop("port")
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        serve(app, host, port, grace=grace, on_start=_announce, **options)
    except AddressInUseError as exc:
        raise click.ClickException(f"{exc}; stop it or choose another port with --port.")
    except (OSError, ValueError, RuntimeError) as exc:
        raise click.ClickException(str(exc))
