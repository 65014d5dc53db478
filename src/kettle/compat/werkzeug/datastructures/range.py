"""Mirror of ``werkzeug.datastructures.range`` (``kettle.http.conditional``)."""

from __future__ import annotations

from kettle.http.conditional import ContentRange, IfRange, Range

__all__ = ["ContentRange", "IfRange", "Range"]
