"""Mirror of ``flask.json.provider``: the JSON provider classes an app plugs in."""

from __future__ import annotations

from kettle.web.json import DefaultJSONProvider, JSONProvider

from ...werkzeug.http import http_date

__all__ = [
    "DefaultJSONProvider",
    "JSONProvider",
    "http_date",
]
