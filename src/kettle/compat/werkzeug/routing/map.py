"""Mirror of ``werkzeug.routing.map`` (``kettle.web.routing.map``)."""

from __future__ import annotations

from kettle.web.routing.map import Map, MapAdapter

__all__ = ["Map", "MapAdapter"]
