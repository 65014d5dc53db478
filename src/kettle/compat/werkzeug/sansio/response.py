"""Mirror of ``werkzeug.sansio.response``: ``Response`` from its parts
(``kettle.web.parts_response.PartsResponse``)."""

from __future__ import annotations

from kettle.web.parts_response import PartsResponse as Response

__all__ = ["Response"]
