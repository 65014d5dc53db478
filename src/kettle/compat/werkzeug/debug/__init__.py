"""Mirror of ``werkzeug.debug``: ``DebuggedApplication`` is Kettle's debug page middleware
(``kettle.web.debug.DebugMiddleware``). Werkzeug's interactive console and PIN are not
provided; their arguments are accepted and ignored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kettle.web.debug import DebugMiddleware


class DebuggedApplication(DebugMiddleware):
    """Shows Kettle's debug page for an exception escaping ``app`` (Werkzeug's signature)."""

    def __init__(
        self,
        app: Callable[[dict[str, Any], Any], Any],
        evalex: bool = False,
        request_key: str = "werkzeug.request",
        console_path: str = "/console",
        console_init_func: Callable[[], dict[str, Any]] | None = None,
        show_hidden_frames: bool = False,
        pin_security: bool = True,
        pin_logging: bool = True,
    ) -> None:
        super().__init__(app)
        self.evalex = evalex
        self.request_key = request_key
        self.console_path = console_path


__all__ = ["DebuggedApplication"]
