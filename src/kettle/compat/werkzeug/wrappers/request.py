"""Mirror of ``werkzeug.wrappers.request`` (``kettle.web.request``)."""

from __future__ import annotations

from kettle.web.wrappers import Request

__all__ = ["Request"]
