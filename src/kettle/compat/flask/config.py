"""Mirror of ``flask.config``: ``Config`` and ``ConfigAttribute``."""

from __future__ import annotations

from kettle.web.config import Config, ConfigAttribute

from ..werkzeug.utils import import_string

__all__ = [
    "Config",
    "ConfigAttribute",
    "import_string",
]
