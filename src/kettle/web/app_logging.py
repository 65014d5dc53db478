"""``app.logger``: the ``logging`` logger named after the app, with Flask's default handler.

Rules: the default handler writes to the current request's ``wsgi.errors`` stream (stderr
outside a request) with Flask's format; it is added only when no handler for the logger's
effective level is configured already, so an app's own logging setup always wins. In debug
mode a logger without a level logs at DEBUG.
"""

from __future__ import annotations

import logging
import sys
from typing import IO, TYPE_CHECKING, Any

from .globals import _cv_request

if TYPE_CHECKING:
    from .appbase import App


class _WSGIErrorsStream:
    """A file-like object that forwards to the active request's ``wsgi.errors``."""

    def _get_current_object(self) -> IO[str]:
        return self._target()

    def _target(self) -> IO[str]:
        ctx = _cv_request.get(None)
        if ctx is not None:
            stream: IO[str] = ctx.request.environ["wsgi.errors"]
            return stream
        return sys.stderr

    def write(self, text: str) -> Any:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()


wsgi_errors_stream: Any = _WSGIErrorsStream()


def has_level_handler(logger: logging.Logger) -> bool:
    """Whether a handler on ``logger`` or its parents handles its effective level."""
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current is not None:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


default_handler = logging.StreamHandler(wsgi_errors_stream)
default_handler.setFormatter(
    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
)


def create_logger(app: App) -> logging.Logger:
    """The logger for ``app`` (``logging.getLogger(app.name)``), set up as described above."""
    logger = logging.getLogger(app.name)
    if app.debug and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger
