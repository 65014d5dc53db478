"""Conditional and partial requests: ETags, If-* evaluation, Range and Content-Range.

Owns RFC 9110 sections 8.8.3 (ETag), 13 (conditional requests) and 14 (range requests) as
data: ``generate_etag``, ``quote_etag``/``unquote_etag``, ``parse_etags`` -> ``ETags``,
``is_resource_modified``, ``parse_range_header`` -> ``Range``,
``parse_content_range_header`` -> ``ContentRange``, ``parse_if_range_header`` -> ``IfRange``.

Rules: parsers return ``None`` for a malformed or unsatisfiable-by-syntax header (the
caller then ignores it, as the RFC asks) and never raise. Ranges are stored half-open:
``bytes=0-99`` is ``(0, 100)``; a suffix range ``bytes=-500`` is ``(-500, None)``.
If-None-Match uses weak comparison, If-Match strong (RFC 9110 sections 13.1.1-13.1.2).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .dates import format_http_date, parse_http_date


def generate_etag(data: bytes) -> str:
    """A strong ETag (unquoted) for ``data``: its SHA-1 hex digest."""
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def quote_etag(etag: str, weak: bool = False) -> str:
    """``x`` -> ``"x"`` (or ``W/"x"``); refuses a tag containing a quote."""
    if '"' in etag:
        raise ValueError("invalid etag")
    return f'W/"{etag}"' if weak else f'"{etag}"'


def unquote_etag(etag: str | None) -> tuple[str, bool] | tuple[None, None]:
    """``W/"x"`` -> ``('x', True)``; ``None`` -> ``(None, None)``."""
    if not etag:
        return None, None
    etag = etag.strip()
    weak = False
    if etag.startswith(("W/", "w/")):
        weak = True
        etag = etag[2:]
    if etag[:1] == etag[-1:] == '"' and len(etag) >= 2:
        etag = etag[1:-1]
    return etag, weak


class ETags:
    """A set of entity tags from If-Match / If-None-Match, strong and weak apart."""

    def __init__(
        self,
        strong_etags: Any = None,
        weak_etags: Any = None,
        star_tag: bool = False,
    ) -> None:
        self._strong = frozenset(strong_etags or ())
        self._weak = frozenset(weak_etags or ())
        self.star_tag = star_tag
        self._order: list[str] = [quote_etag(tag) for tag in strong_etags or ()] + [
            quote_etag(tag, True) for tag in weak_etags or ()
        ]

    def as_set(self, include_weak: bool = False) -> set[str]:
        result = set(self._strong)
        if include_weak:
            result |= self._weak
        return result

    def is_weak(self, etag: str) -> bool:
        return etag in self._weak

    def is_strong(self, etag: str) -> bool:
        return etag in self._strong

    def contains_weak(self, etag: str) -> bool:
        """Weak comparison: strong or weak tags both match."""
        return self.is_weak(etag) or self.contains(etag)

    def contains(self, etag: str) -> bool:
        """Strong comparison (a ``*`` matches anything)."""
        if self.star_tag:
            return True
        return self.is_strong(etag)

    def contains_raw(self, etag: str) -> bool:
        """Whether the quoted tag (``"x"`` or ``W/"x"``) is in the set."""
        tag, weak = unquote_etag(etag)
        if tag is None:
            return False
        return self.contains_weak(tag) if weak else self.contains(tag)

    def to_header(self) -> str:
        if self.star_tag:
            return "*"
        return ", ".join(self._order)

    def __call__(self, etag: str | None = None, data: bytes | None = None) -> bool:
        if etag is None:
            if data is None:
                raise TypeError("'data' is required when 'etag' is not given.")
            etag = generate_etag(data)
        return self.contains(etag)

    def __bool__(self) -> bool:
        return bool(self.star_tag or self._strong or self._weak)

    def __iter__(self) -> Iterator[str]:
        return iter(self._strong)

    def __len__(self) -> int:
        return len(self._strong)

    def __contains__(self, etag: object) -> bool:
        return isinstance(etag, str) and self.contains(etag)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<ETags {self.to_header()!r}>"


def parse_etags(value: str | None) -> ETags:
    """Parse an If-Match / If-None-Match value; a missing header gives an empty set."""
    if not value:
        return ETags()
    strong: list[str] = []
    weak: list[str] = []
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        if item == "*":
            return ETags(star_tag=True)
        tag, is_weak = unquote_etag(item)
        if tag is None or '"' in tag:
            continue  # not an entity-tag (RFC 9110 section 8.8.3): ignore it
        (weak if is_weak else strong).append(tag)
    return ETags(strong, weak)


@dataclass(slots=True)
class IfRange:
    """An If-Range header: either an ETag or a date (RFC 9110 section 13.1.5)."""

    etag: str | None = None
    date: datetime | None = None

    def to_header(self) -> str:
        if self.date is not None:
            return format_http_date(self.date)
        if self.etag is not None:
            return quote_etag(self.etag)
        return ""


def parse_if_range_header(value: str | None) -> IfRange:
    if not value:
        return IfRange()
    date = parse_http_date(value)
    if date is not None:
        return IfRange(date=date)
    return IfRange(etag=unquote_etag(value)[0])


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def is_resource_modified(
    http_range: str | None = None,
    http_if_range: str | None = None,
    http_if_modified_since: str | None = None,
    http_if_none_match: str | None = None,
    http_if_match: str | None = None,
    etag: str | None = None,
    data: bytes | None = None,
    last_modified: datetime | str | None = None,
    ignore_if_range: bool = True,
) -> bool:
    """Whether the resource must be sent in full (``False`` means 304/ranges apply)."""
    if etag is None and data is not None:
        etag = f'"{generate_etag(data)}"'
    elif data is not None:
        raise TypeError("both data and etag given")
    if isinstance(last_modified, str):
        last_modified = parse_http_date(last_modified)
    if last_modified is not None:
        last_modified = _as_utc(last_modified.replace(microsecond=0))
    if_range = None
    if not ignore_if_range and http_range is not None:
        if_range = parse_if_range_header(http_if_range)  # only with a Range (RFC 9110 13.1.5)
    since: datetime | None
    if if_range is not None and if_range.date is not None:
        since = if_range.date
    else:
        since = parse_http_date(http_if_modified_since)
    unmodified = bool(since and last_modified and last_modified <= since)
    if etag:
        tag = unquote_etag(etag)[0] or ""
        if if_range is not None and if_range.etag is not None:
            unmodified = if_range.etag == tag
        else:
            if_none_match = parse_etags(http_if_none_match)
            if if_none_match:
                unmodified = if_none_match.contains_weak(tag)
            if_match = parse_etags(http_if_match)
            if if_match:
                unmodified = not if_match.is_strong(tag)
    return not unmodified


def is_environ_modified(
    environ: dict[str, Any],
    etag: str | None = None,
    data: bytes | None = None,
    last_modified: datetime | str | None = None,
    ignore_if_range: bool = True,
) -> bool:
    """``is_resource_modified`` reading the request headers from a WSGI environ."""
    return is_resource_modified(
        http_range=environ.get("HTTP_RANGE"),
        http_if_range=environ.get("HTTP_IF_RANGE"),
        http_if_modified_since=environ.get("HTTP_IF_MODIFIED_SINCE"),
        http_if_none_match=environ.get("HTTP_IF_NONE_MATCH"),
        http_if_match=environ.get("HTTP_IF_MATCH"),
        etag=etag,
        data=data,
        last_modified=last_modified,
        ignore_if_range=ignore_if_range,
    )


class ContentRange:
    """A Content-Range value: ``bytes start-(stop-1)/length`` (RFC 9110 section 14.4)."""

    __slots__ = ("length", "on_update", "start", "stop", "units")

    def __init__(
        self,
        units: str | None,
        start: int | None,
        stop: int | None,
        length: int | None = None,
        on_update: Any = None,
    ) -> None:
        self.units = units
        self.start = start
        self.stop = stop
        self.length = length
        self.on_update = on_update

    def set(
        self,
        start: int | None,
        stop: int | None,
        length: int | None = None,
        units: str | None = "bytes",
    ) -> None:
        """Change the range (``on_update`` writes it back to a response)."""
        self.units, self.start, self.stop, self.length = units, start, stop, length
        if self.on_update is not None:
            self.on_update(self)

    def unset(self) -> None:
        """Clear the range (a response then drops its Content-Range header)."""
        self.set(None, None, units=None)

    def to_header(self) -> str:
        if self.units is None:
            return ""
        length = "*" if self.length is None else str(self.length)
        if self.start is None or self.stop is None:
            return f"{self.units} */{length}"
        return f"{self.units} {self.start}-{self.stop - 1}/{length}"

    def __bool__(self) -> bool:
        return self.units is not None

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<ContentRange {self.to_header()!r}>"


class Range:
    """A parsed Range header: a unit and half-open ``(start, stop)`` ranges."""

    __slots__ = ("ranges", "units")

    def __init__(self, units: str, ranges: list[tuple[int, int | None]]) -> None:
        self.units = units
        self.ranges = ranges
        for start, stop in ranges:
            if start is None or (stop is not None and (start < 0 or start >= stop)):
                raise ValueError(f"{(start, stop)} is not a valid range.")

    def range_for_length(self, length: int | None) -> tuple[int, int] | None:
        """The one satisfiable byte range for a body of ``length``, else ``None``."""
        if self.units != "bytes" or length is None or len(self.ranges) != 1:
            return None
        start, stop = self.ranges[0]
        if stop is None:
            stop = length
            if start < 0:
                start = max(0, start + length)
        stop = min(stop, length)
        if start >= stop:
            return None
        return start, stop

    def make_content_range(self, length: int | None) -> ContentRange | None:
        found = self.range_for_length(length)
        if found is None:
            return None
        return ContentRange(self.units, found[0], found[1], length)

    def to_header(self) -> str:
        parts = []
        for start, stop in self.ranges:
            if stop is None:
                parts.append(f"{start}-" if start >= 0 else str(start))
            else:
                parts.append(f"{start}-{stop - 1}")
        return f"{self.units}={','.join(parts)}"

    def to_content_range_header(self, length: int | None) -> str | None:
        found = self.range_for_length(length)
        if found is None:
            return None
        return f"{self.units} {found[0]}-{found[1] - 1}/{length}"

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<Range {self.to_header()!r}>"


def _int(text: str) -> int | None:
    text = text.strip()
    if not text or not text.isdigit() or not text.isascii():
        return None
    return int(text)


def parse_range_header(value: str | None, make_inclusive: bool = True) -> Range | None:
    """``bytes=0-99,200-`` -> ``Range('bytes', [(0, 100), (200, None)])``; bad -> None."""
    if not value or "=" not in value:
        return None
    units, _, spec = value.partition("=")
    units = units.strip().lower()
    ranges: list[tuple[int, int | None]] = []
    last_end = 0
    for item in spec.split(","):
        item = item.strip()
        if "-" not in item:
            return None
        first, _, last = item.partition("-")
        if not first.strip():
            suffix = _int(last) if last == last.strip() else None
            if suffix is None or suffix == 0 or last_end < 0:
                return None
            ranges.append((-suffix, None))
            last_end = -1
            continue
        begin = _int(first)
        if begin is None or begin < last_end or last_end < 0:
            return None
        if not last.strip():
            ranges.append((begin, None))
            last_end = -1
            continue
        end = _int(last)
        if end is None or begin > end:
            return None
        ranges.append((begin, end + 1 if make_inclusive else end))
        last_end = end + 1
    return Range(units, ranges) if ranges else None


def parse_content_range_header(value: str | None) -> ContentRange | None:
    """``bytes 0-99/1000`` -> ``ContentRange('bytes', 0, 100, 1000)``; bad -> None."""
    if not value:
        return None
    units, _, rest = value.strip().partition(" ")
    spec, slash, length_text = rest.strip().partition("/")
    if not units or not slash:
        return None
    length: int | None
    if length_text.strip() == "*":
        length = None
    else:
        length = _int(length_text)
        if length is None:
            return None
    if spec.strip() == "*":
        return ContentRange(units, None, None, length)
    first, dash, last = spec.partition("-")
    start, end = _int(first), _int(last)
    if not dash or start is None or end is None or start > end:
        return None
    return ContentRange(units, start, end + 1, length)
