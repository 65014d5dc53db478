"""The ``kettle serve MODULE:APP`` command: run any WSGI application on kettle.server.

Owns loading an application from an import string and turning flags into ``serve()``
options. Rules kept: the current directory is importable (like ``python -m``); the access
log is on by default here (off by default in ``serve()``); a bad import string or option
is a usage error with a clear message, never a traceback.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from typing import Any

import click

from .server import DEFAULT_THREADS, Server, serve


def load_app(target: str) -> Any:
    """Import ``module:attribute`` (``module`` alone means ``module:app``).

    ``module:factory()`` calls a factory with no arguments.
    """
    module_name, _, attribute = target.partition(":")
    attribute = attribute or "app"
    if not module_name or not all(part.isidentifier() for part in module_name.split(".")):
        raise click.BadParameter(f"{target!r} is not MODULE:APP", param_hint="MODULE:APP")
    call = attribute.endswith("()")
    if call:
        attribute = attribute[:-2]
    if not all(part.isidentifier() for part in attribute.split(".")):
        raise click.BadParameter(
            f"{attribute!r} is not an attribute name", param_hint="MODULE:APP"
        )
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise click.BadParameter(f"cannot import {module_name!r}: {exc}", param_hint="MODULE:APP")
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise click.BadParameter(
                f"module {module_name!r} has no attribute {attribute!r}", param_hint="MODULE:APP"
            )
    if call:
        obj = obj()
    if not callable(obj):
        raise click.BadParameter(f"{target!r} is not a WSGI callable", param_hint="MODULE:APP")
    return obj


def _announce(server: Server) -> None:
    click.echo(f" * kettle serving on {server.url} ({server.threads} threads); Ctrl+C to stop")


@click.command("serve")
@click.argument("target", metavar="MODULE:APP")
@click.option("--host", "-h", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", "-p", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--threads", "-t", default=DEFAULT_THREADS, show_default=True, type=click.IntRange(1)
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
    """Serve the WSGI application MODULE:APP with kettle's threaded HTTP/1.1 server."""
    app = load_app(target)
    if options["max_body_size"] == 0:
        options["max_body_size"] = None
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
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc))
