"""Mirror of ``flask.config``: ``Config`` and ``ConfigAttribute``."""

from __future__ import annotations

from kettle.web.config import Config, ConfigAttribute

__all__ = ["Config", "ConfigAttribute"]
