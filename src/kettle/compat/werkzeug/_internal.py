"""Mirror of the parts of ``werkzeug._internal`` extensions use: ``_log`` (Flask-DebugToolbar)
writes to the ``werkzeug`` logger as Werkzeug does, and ``_wsgi_encoding_dance``."""

from __future__ import annotations

import logging
from typing import Any

_logger: logging.Logger | None = None


def _wsgi_encoding_dance(value: str) -> str:
    """Text as a WSGI environ string: UTF-8 bytes shown as latin-1 (PEP 3333)."""
    return value.encode().decode("latin1")


def _log(type: str, message: str, *args: Any, **kwargs: Any) -> None:
    """Log ``message`` at level ``type`` ("info", "warning", ...) on the ``werkzeug``
    logger; with no handler configured anywhere, one printing to stderr is added first."""
    global _logger
    if _logger is None:
        _logger = logging.getLogger("werkzeug")
        if _logger.level == logging.NOTSET:
            _logger.setLevel(logging.INFO)
        if not _logger.hasHandlers():
            _logger.addHandler(logging.StreamHandler())
    getattr(_logger, type)(message.rstrip(), *args, **kwargs)
