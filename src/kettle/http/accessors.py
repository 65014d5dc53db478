"""Typed attributes backed by one header: ``response.age``, ``request.max_forwards``, ...

Owns the small descriptors that turn a header into a Python value and back, so request
and response classes can declare the many single-header attributes of Werkzeug's API in
one line each. They read ``self.headers`` (any ``Headers``), so they work on request
views and responses alike.

Rules: a missing or unparsable header reads as ``None`` (``False`` for flags); assigning
``None`` removes the header; read-only accessors have no setter. Set-like headers come
back as a ``HeaderSet`` that writes every change back to the header.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from .dates import format_http_date, parse_http_date
from .headers import HeaderSet


def _text(value: str) -> str:
    return value


def header_text(name: str, read_only: bool = False, doc: str = "") -> property:
    """The raw header value as text."""
    return header_value(name, _text, str, read_only, doc)


def header_value(
    name: str,
    parse: Callable[[str], Any],
    dump: Callable[[Any], str],
    read_only: bool = False,
    doc: str = "",
    default: Any = None,
) -> property:
    """A header converted by ``parse`` on read and ``dump`` on write; ``default`` when the
    header is absent or does not parse."""

    def get(self: Any) -> Any:
        raw = self.headers.get(name)
        if raw is None:
            return default
        try:
            return parse(raw)
        except (ValueError, TypeError, OverflowError):
            return default

    def set_(self: Any, value: Any) -> None:
        if value is None:
            self.headers.remove(name)
        else:
            self.headers[name] = dump(value)

    return property(get, None if read_only else set_, doc=doc or f"The {name} header.")


def header_set(name: str, doc: str = "") -> property:
    """A comma-separated header as a ``HeaderSet`` that writes changes back."""

    def get(self: Any) -> HeaderSet:
        def write_back(items: HeaderSet) -> None:
            if items:
                self.headers[name] = items.to_header()
            else:
                self.headers.remove(name)

        raw = self.headers.get(name, "")
        return HeaderSet([item.strip() for item in raw.split(",") if item.strip()], write_back)

    def set_(self: Any, value: Any) -> None:
        if not value:
            self.headers.remove(name)
        elif isinstance(value, str):
            self.headers[name] = value
        else:
            self.headers[name] = ", ".join(value)

    return property(get, set_, doc=doc or f"The {name} header as a set.")


def parse_int(value: str) -> int:
    text = value.strip()
    if not text.isdigit() or not text.isascii():
        raise ValueError(value)
    return int(text)


def parse_date(value: str) -> datetime:
    parsed = parse_http_date(value)
    if parsed is None:
        raise ValueError(value)
    return parsed


def dump_date(value: datetime | int | float | str) -> str:
    return value if isinstance(value, str) else format_http_date(value)


def parse_seconds(value: str) -> timedelta:
    return timedelta(seconds=parse_int(value))


def dump_seconds(value: timedelta | int) -> str:
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    return str(int(seconds))


def parse_retry_after(value: str) -> datetime:
    """Retry-After is seconds from now or an HTTP-date (RFC 9110 section 10.2.3)."""
    if value.strip().isdigit():
        return datetime.now(UTC) + timedelta(seconds=int(value))
    return parse_date(value)


def dump_retry_after(value: datetime | timedelta | int) -> str:
    if isinstance(value, datetime):
        return format_http_date(value)
    return dump_seconds(value)


def header_flag(name: str, doc: str = "") -> property:
    """A ``true`` header: True when it says so; assigning False removes it."""

    def get(self: Any) -> bool:
        return str(self.headers.get(name, "")).strip().lower() == "true"

    def set_(self: Any, value: bool | None) -> None:
        if value:
            self.headers[name] = "true"
        else:
            self.headers.remove(name)

    return property(get, set_, doc=doc or f"Whether {name} is true.")
