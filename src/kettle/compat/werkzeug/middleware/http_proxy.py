"""Mirror of ``werkzeug.middleware.http_proxy`` (``kettle.web.http_proxy``)."""

from __future__ import annotations

from kettle.web.http_proxy import ProxyMiddleware

__all__ = ["ProxyMiddleware"]
