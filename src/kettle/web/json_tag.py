"""Tagged JSON for sessions: JSON that round-trips the few types JSON itself cannot.

Rules: a tagged value is a one-key dict whose key is a tag (`` t`` tuple, `` b`` bytes,
`` m`` Markup, `` u`` UUID, `` d`` datetime, `` di`` dict whose only key looks like a tag);
everything else is plain compact JSON. The tags and their order match Flask's, so a
session cookie written by Flask reads back the same here and the other way round.
"""

from __future__ import annotations

import json
from base64 import b64decode, b64encode
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from markupsafe import Markup

from kettle.http.dates import format_http_date, parse_http_date


def _to_tagged(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1:
            key = next(iter(value))
            if key in _DECODERS:
                return {" di": {key + "__": _to_tagged(value[key])}}
        return {key: _to_tagged(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return {" t": [_to_tagged(item) for item in value]}
    if isinstance(value, bytes):
        return {" b": b64encode(value).decode("ascii")}
    if callable(getattr(value, "__html__", None)):
        return {" m": str(value.__html__())}
    if isinstance(value, list):
        return [_to_tagged(item) for item in value]
    if isinstance(value, UUID):
        return {" u": value.hex}
    if isinstance(value, datetime):
        return {" d": format_http_date(value)}
    return value


def _untag_dict_key(value: dict[str, Any]) -> dict[str, Any]:
    key = next(iter(value))
    return {key[:-2]: value[key]}


_DECODERS: dict[str, Callable[[Any], Any]] = {
    " di": _untag_dict_key,
    " t": tuple,
    " b": lambda value: b64decode(value),
    " m": Markup,
    " u": UUID,
    " d": parse_http_date,
}


def _from_tagged(value: dict[str, Any]) -> Any:
    if len(value) == 1:
        key = next(iter(value))
        decode = _DECODERS.get(key)
        if decode is not None:
            return decode(value[key])
    return value


class TaggedJSONSerializer:
    """``dumps``/``loads`` with tags, the interface itsdangerous expects of a serializer."""

    def tag(self, value: Any) -> Any:
        return _to_tagged(value)

    def untag(self, value: dict[str, Any]) -> Any:
        return _from_tagged(value)

    def dumps(self, value: Any) -> str:
        return json.dumps(_to_tagged(value), separators=(",", ":"))

    def loads(self, value: str | bytes) -> Any:
        return json.loads(value, object_hook=_from_tagged)
