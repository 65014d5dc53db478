"""Mirror of ``werkzeug.datastructures.etag`` (``kettle.http.conditional``)."""

from __future__ import annotations

from kettle.http.conditional import ETags

__all__ = ["ETags"]
