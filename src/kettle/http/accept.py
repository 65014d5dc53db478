"""Accept-* headers: ``parse_accept_header`` into ``Accept``, ``MIMEAccept``,
``LanguageAccept`` or ``CharsetAccept`` (RFC 9110 section 12.5).

Rules: entries are ordered by specificity, then quality, as Werkzeug orders them; entries
with an invalid quality are dropped (RFC 9110 section 12.4.2); parsed values are
immutable and cached per header value, since clients repeat the same few headers.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from typing import Any

from .options import dump_options, parse_list_header, parse_options_header


def _immutable(self: Any, *args: Any, **kwargs: Any) -> Any:
    raise TypeError(f"{type(self).__name__!r} objects are immutable")


class Accept(list[tuple[str, float]]):
    """A parsed Accept-* header: (value, quality) pairs, most specific and best first.

    Immutable (as Werkzeug's), which lets parsed headers be shared from a cache.
    """

    append = extend = insert = remove = pop = clear = sort = reverse = _immutable
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _immutable

    def __init__(self, values: Iterable[tuple[str, float]] | None = ()) -> None:
        if values is None:
            super().__init__()
            self.provided = False
            return
        self.provided = True
        super().__init__(
            sorted(values, key=lambda pair: (self._specificity(pair[0]), pair[1]), reverse=True)
        )

    def _specificity(self, value: str) -> tuple[bool, ...]:
        return (value != "*",)

    def _value_matches(self, value: str, item: str) -> bool:
        return item == "*" or item.lower() == value.lower()

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return self.quality(key)
        return list.__getitem__(self, key)

    def quality(self, key: str) -> float:
        """The quality the client gives ``key`` (0 when not accepted)."""
        for item, quality in self:
            if self._value_matches(key, item):
                return quality
        return 0

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        return any(self._value_matches(value, item) for item, _quality in self)

    def find(self, key: str) -> int:
        """The index of the exact entry ``key``, or -1."""
        for index, (item, _quality) in enumerate(self):
            if self._value_matches(key, item):
                return index
        return -1

    def index(self, key: Any, *args: Any) -> int:
        if isinstance(key, str):
            found = self.find(key)
            if found < 0:
                raise ValueError(key)
            return found
        return list.index(self, key, *args)

    def values(self) -> Iterator[str]:
        for item, _quality in self:
            yield item

    def to_header(self) -> str:
        parts = []
        for value, quality in self:
            parts.append(value if quality == 1 else f"{value};q={quality}")
        return ",".join(parts)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"

    def _best_single_match(self, match: str) -> tuple[str, float] | None:
        for client_item, quality in self:
            if self._value_matches(match, client_item):
                return client_item, quality
        return None

    def best_match(self, matches: Iterable[str], default: str | None = None) -> str | None:
        """The server value the client likes best (quality, then specificity, then order)."""
        result = default
        best_quality: float = -1
        best_specificity: tuple[bool, ...] = (False,)
        for server_item in matches:
            found = self._best_single_match(server_item)
            if found is None:
                continue
            client_item, quality = found
            if quality <= 0 or quality < best_quality:
                continue
            specificity = self._specificity(client_item)
            if quality > best_quality or specificity > best_specificity:
                result = server_item
                best_quality = quality
                best_specificity = specificity
        return result

    @property
    def best(self) -> str | None:
        """The value the client likes best, or ``None``."""
        return self[0][0] if self else None


_MIME_SPLIT = re.compile(r"/|\s*;\s*")


class MIMEAccept(Accept):
    """The Accept header: matches ``type/subtype`` with wildcards and parameters."""

    def _specificity(self, value: str) -> tuple[bool, ...]:
        return tuple(part != "*" for part in _MIME_SPLIT.split(value))

    def _value_matches(self, value: str, item: str) -> bool:
        if "/" not in item:
            return False
        if "/" not in value:
            raise ValueError(f"invalid mimetype {value!r}")
        value_type, value_sub, *value_params = _MIME_SPLIT.split(value.lower())
        if value_type == "*" and value_sub != "*":
            raise ValueError(f"invalid mimetype {value!r}")
        item_type, item_sub, *item_params = _MIME_SPLIT.split(item.lower())
        if item_type == "*" and item_sub != "*":
            return False
        if (item_type, item_sub) == ("*", "*") or (value_type, value_sub) == ("*", "*"):
            return True
        return item_type == value_type and (
            item_sub == "*"
            or value_sub == "*"
            or (item_sub == value_sub and sorted(item_params) == sorted(value_params))
        )

    @property
    def accept_html(self) -> bool:
        return self.__contains__("text/html") or self.accept_xhtml

    @property
    def accept_xhtml(self) -> bool:
        return self.__contains__("application/xhtml+xml") or self.__contains__("application/xml")

    @property
    def accept_json(self) -> bool:
        return self.__contains__("application/json")


def _normalize_lang(value: str) -> list[str]:
    return re.split(r"[_-]", value.lower())


class LanguageAccept(Accept):
    """Accept-Language: ``en-US`` and ``en_us`` compare equal."""

    def _value_matches(self, value: str, item: str) -> bool:
        return item == "*" or _normalize_lang(value) == _normalize_lang(item)

    def best_match(self, matches: Iterable[str], default: str | None = None) -> str | None:
        """The best exact match; failing that, a match on primary tags (RFC 4647 section
        3.4 lookup, as Werkzeug does): a client's ``en-US`` accepts ``en`` and the other
        way round, returning the server's own value."""
        matches = list(matches)
        found = super().best_match(matches)
        if found is not None:
            return found
        primary = Accept([(_LANG_DELIMITER.split(tag, 1)[0], q) for tag, q in self])
        found = primary.best_match(matches)
        if found is not None:
            return found
        found = super().best_match([_LANG_DELIMITER.split(item, 1)[0] for item in matches])
        if found is not None:
            return next(item for item in matches if item.startswith(found))
        return default


_LANG_DELIMITER = re.compile(r"[_-]")


def _charset_name(name: str) -> str:
    """The codec's canonical name when Python knows it ("UTF8" and "utf-8" are one)."""
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):  # unknown, or a name holding NUL
        return name.lower().replace("_", "-")


class CharsetAccept(Accept):
    """Accept-Charset: compares charsets by codec, so aliases of one codec match."""

    def _value_matches(self, value: str, item: str) -> bool:
        return item == "*" or _charset_name(value) == _charset_name(item)


_ACCEPT_CACHE: dict[tuple[str, type[Accept]], Accept] = {}
_ACCEPT_CACHE_SIZE = 256


def parse_accept_header(value: str | None, cls: type[Accept] | None = None) -> Any:
    """Parse an Accept-* header into ``cls`` (``Accept`` by default).

    Results are immutable and cached per (value, class): browsers send the same few
    headers again and again.
    """
    cls = cls or Accept
    if not value:
        return cls(None)
    key = (value, cls)
    cached = _ACCEPT_CACHE.get(key)
    if cached is not None:
        return cached
    if len(_ACCEPT_CACHE) >= _ACCEPT_CACHE_SIZE:
        _ACCEPT_CACHE.clear()
    result = _ACCEPT_CACHE[key] = _parse_accept(value, cls)
    return result


_QUALITY_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _parse_accept(value: str, cls: type[Accept]) -> Accept:
    pairs: list[tuple[str, float]] = []
    for item in parse_list_header(value):
        head, options = parse_options_header(item)
        if not head:
            continue
        quality: float = 1
        if "q" in options:
            text = options.pop("q")
            # Digits with an optional fraction only (RFC 9110 section 12.4.2): float()
            # alone would also take ".5", "+0.5", "0.5_1" or non-ASCII digits.
            if _QUALITY_RE.fullmatch(text) is None:
                continue
            quality = float(text)
            if not 0 <= quality <= 1:
                continue
        if options:
            head = dump_options(head, options)
        pairs.append((head, quality))
    return cls(pairs)
