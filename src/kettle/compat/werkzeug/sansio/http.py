"""Mirror of ``werkzeug.sansio.http``: the conditional-request check and cookie parsing on
header values (``kettle.http``)."""

from __future__ import annotations

from kettle.http.conditional import is_resource_modified
from kettle.http.cookies import parse_cookie

__all__ = ["is_resource_modified", "parse_cookie"]
