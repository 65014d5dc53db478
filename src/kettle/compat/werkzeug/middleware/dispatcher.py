"""Mirror of ``werkzeug.middleware.dispatcher`` (``kettle.web.middleware``)."""

from __future__ import annotations

from kettle.web.middleware import DispatcherMiddleware

__all__ = ["DispatcherMiddleware"]
