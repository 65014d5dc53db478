"""Mirror of ``werkzeug.middleware.shared_data`` (``kettle.web.middleware``)."""

from __future__ import annotations

from kettle.web.middleware import SharedDataMiddleware

__all__ = ["SharedDataMiddleware"]
