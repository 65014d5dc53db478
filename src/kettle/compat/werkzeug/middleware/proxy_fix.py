"""Mirror of ``werkzeug.middleware.proxy_fix`` (``kettle.web.proxy_fix``)."""

from __future__ import annotations

from kettle.web.proxy_fix import ProxyFix

__all__ = ["ProxyFix"]
