"""Mirror of ``werkzeug.datastructures.auth`` (``kettle.http.auth``)."""

from __future__ import annotations

from kettle.http.auth import Authorization, WWWAuthenticate

__all__ = ["Authorization", "WWWAuthenticate"]
