"""Tagged JSON for sessions: JSON that round-trips the few types JSON itself cannot.

Rules: a tagged value is a one-key dict whose key is a tag (`` t`` tuple, `` b`` bytes,
`` m`` Markup, `` u`` UUID, `` d`` datetime, `` di`` a dict whose only key looks like a
tag); everything else is plain compact JSON. The tags, their order and the class API
(``JSONTag`` subclasses registered with ``TaggedJSONSerializer.register``) match Flask's,
so session cookies written by Flask read back the same here and the other way round, and
extensions that register their own tags keep working.
"""

from __future__ import annotations

import json
from base64 import b64decode, b64encode
from datetime import datetime
from typing import Any
from uuid import UUID

from markupsafe import Markup

from kettle.http.dates import format_http_date, parse_http_date


class JSONTag:
    """One tagged type: ``check`` recognises it, ``to_json``/``to_python`` convert it."""

    __slots__ = ("serializer",)
    key: str = ""  # empty: the tag only rewrites containers and is never read back

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        self.serializer = serializer

    def check(self, value: Any) -> bool:
        raise NotImplementedError(f"{type(self).__name__} must implement check")

    def to_json(self, value: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement to_json")

    def to_python(self, value: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement to_python")

    def tag(self, value: Any) -> Any:
        return {self.key: self.to_json(value)}


class TagDict(JSONTag):
    """A one-key dict whose key is itself a tag: the key gets a ``__`` suffix."""

    __slots__ = ()
    key = " di"

    def check(self, value: Any) -> bool:
        return (
            isinstance(value, dict)
            and len(value) == 1
            and next(iter(value)) in self.serializer.tags
        )

    def to_json(self, value: Any) -> Any:
        key = next(iter(value))
        return {f"{key}__": self.serializer.tag(value[key])}

    def to_python(self, value: Any) -> Any:
        key = next(iter(value))
        return {key[:-2]: value[key]}


class PassDict(JSONTag):
    __slots__ = ()

    def check(self, value: Any) -> bool:
        return isinstance(value, dict)

    def to_json(self, value: Any) -> Any:
        return {key: self.serializer.tag(item) for key, item in value.items()}

    tag = to_json


class TagTuple(JSONTag):
    __slots__ = ()
    key = " t"

    def check(self, value: Any) -> bool:
        return isinstance(value, tuple)

    def to_json(self, value: Any) -> Any:
        return [self.serializer.tag(item) for item in value]

    def to_python(self, value: Any) -> Any:
        return tuple(value)


class PassList(JSONTag):
    __slots__ = ()

    def check(self, value: Any) -> bool:
        return isinstance(value, list)

    def to_json(self, value: Any) -> Any:
        return [self.serializer.tag(item) for item in value]

    tag = to_json


class TagBytes(JSONTag):
    __slots__ = ()
    key = " b"

    def check(self, value: Any) -> bool:
        return isinstance(value, bytes)

    def to_json(self, value: Any) -> Any:
        return b64encode(value).decode("ascii")

    def to_python(self, value: Any) -> Any:
        return b64decode(value)


class TagMarkup(JSONTag):
    """Anything with ``__html__`` is stored as its HTML and read back as ``Markup``."""

    __slots__ = ()
    key = " m"

    def check(self, value: Any) -> bool:
        return callable(getattr(value, "__html__", None))

    def to_json(self, value: Any) -> Any:
        return str(value.__html__())

    def to_python(self, value: Any) -> Any:
        return Markup(value)


class TagUUID(JSONTag):
    __slots__ = ()
    key = " u"

    def check(self, value: Any) -> bool:
        return isinstance(value, UUID)

    def to_json(self, value: Any) -> Any:
        return value.hex

    def to_python(self, value: Any) -> Any:
        return UUID(value)


class TagDateTime(JSONTag):
    __slots__ = ()
    key = " d"

    def check(self, value: Any) -> bool:
        return isinstance(value, datetime)

    def to_json(self, value: Any) -> Any:
        return format_http_date(value)

    def to_python(self, value: Any) -> Any:
        return parse_http_date(value)


class TaggedJSONSerializer:
    """``dumps``/``loads`` with tags, the interface itsdangerous expects of a serializer."""

    default_tags: list[type[JSONTag]] = [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]

    def __init__(self) -> None:
        self.tags: dict[str, JSONTag] = {}
        self.order: list[JSONTag] = []
        for tag_class in self.default_tags:
            self.register(tag_class)

    def register(
        self, tag_class: type[JSONTag], force: bool = False, index: int | None = None
    ) -> None:
        """Add a tag; a key already taken is a ``KeyError`` unless ``force``."""
        tag = tag_class(self)
        if tag.key:
            if not force and tag.key in self.tags:
                raise KeyError(f"Tag '{tag.key}' is already registered.")
            self.tags[tag.key] = tag
        if index is None:
            self.order.append(tag)
        else:
            self.order.insert(index, tag)

    def tag(self, value: Any) -> Any:
        for tag in self.order:
            if tag.check(value):
                return tag.tag(value)
        return value

    def untag(self, value: dict[str, Any]) -> Any:
        if len(value) != 1:
            return value
        key = next(iter(value))
        tag = self.tags.get(key)
        return value if tag is None else tag.to_python(value[key])

    def _untag_scan(self, value: Any) -> Any:
        if isinstance(value, dict):
            return self.untag({key: self._untag_scan(item) for key, item in value.items()})
        if isinstance(value, list):
            return [self._untag_scan(item) for item in value]
        return value

    def dumps(self, value: Any) -> str:
        return json.dumps(self.tag(value), separators=(",", ":"), sort_keys=True)

    def loads(self, value: str | bytes) -> Any:
        return self._untag_scan(json.loads(value))
