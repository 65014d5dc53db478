"""Mirror of ``werkzeug.datastructures.cache_control`` (``kettle.http.fieldutils``)."""

from __future__ import annotations

from kettle.http.fieldutils import RequestCacheControl, ResponseCacheControl

__all__ = ["RequestCacheControl", "ResponseCacheControl"]
