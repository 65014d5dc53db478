"""Mirror of ``flask.json.tag``: the tagged JSON serializer the session cookie uses."""

from __future__ import annotations

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

__all__ = [
    "JSONTag",
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
    "loads",
]
