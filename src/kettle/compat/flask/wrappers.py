"""Mirror of ``flask.wrappers``: the app's ``Request`` and ``Response`` classes."""

from __future__ import annotations

from kettle.web.globals import current_app
from kettle.web.wrappers import Request, Response

__all__ = ["Request", "Response", "current_app"]
