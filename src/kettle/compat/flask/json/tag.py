"""Mirror of ``flask.json.tag``: the tagged JSON serializer the session cookie uses."""

from __future__ import annotations

from markupsafe import Markup

from kettle.web.json import dumps, loads
from kettle.web.json_tag import (
    JSONTag,
    PassDict,
    PassList,
    TagBytes,
    TagDateTime,
    TagDict,
    TaggedJSONSerializer,
    TagMarkup,
    TagTuple,
    TagUUID,
)

from ...werkzeug.http import http_date, parse_date

__all__ = [
    "JSONTag",
    "Markup",
    "PassDict",
    "PassList",
    "TagBytes",
    "TagDateTime",
    "TagDict",
    "TagMarkup",
    "TagTuple",
    "TagUUID",
    "TaggedJSONSerializer",
    "dumps",
    "http_date",
    "loads",
    "parse_date",
]
