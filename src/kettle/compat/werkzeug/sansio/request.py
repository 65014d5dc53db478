"""Mirror of ``werkzeug.sansio.request``: ``Request`` from its parts
(``kettle.web.parts_request.PartsRequest``)."""

from __future__ import annotations

from kettle.web.parts_request import PartsRequest as Request

__all__ = ["Request"]
