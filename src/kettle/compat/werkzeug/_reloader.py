"""Mirror of ``werkzeug._reloader``: ``run_with_reloader`` runs ``main_func`` under Kettle's
reloader (watchfiles; the process is restarted when a watched Python file changes).

The reloader loop classes of Werkzeug (``StatReloaderLoop``, ``WatchdogReloaderLoop``) are
not provided.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterable
from typing import Any

from kettle.web.devserver import RUN_MAIN_VARIABLE, supervise, watched_paths


def run_with_reloader(
    main_func: Callable[[], Any],
    extra_files: Iterable[str] | None = None,
    exclude_patterns: Iterable[str] | None = None,
    interval: int | float = 1,
    reloader_type: str = "auto",
) -> None:
    """In the reloader's child, call ``main_func``; otherwise supervise a child that does."""
    if os.environ.get(RUN_MAIN_VARIABLE) == "true":
        main_func()
        return
    # Kettle's supervisor hands its child a listening socket; main_func serves by itself,
    # so the child gets an unused placeholder.
    with socket.socket() as placeholder:
        supervise(placeholder, watched_paths(extra_files or ()))


__all__ = ["run_with_reloader"]
