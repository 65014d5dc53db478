"""Header-field helpers of Werkzeug's ``werkzeug.http`` that Kettle's core does not need.

Owns: ``http_date``/``parse_date`` (Werkzeug's names for the date codec), ``parse_age`` /
``dump_age``, ``parse_set_header``, ``parse_cache_control_header`` with the request and
response Cache-Control classes, ``parse_csp_header`` / ``dump_csp_header``, the
entity/hop-by-hop header predicates and filters (RFC 9110 section 7.6.1), and
``is_byte_range_valid``, plus the ``COEP``/``COOP`` policy enums.

Rules: parsing never raises on bad input: an unparsable age is ``None``, an unknown
directive is kept as text. ``dump_age`` refuses negative ages with ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import Enum
from typing import Any, TypeVar

from .dates import format_http_date, parse_http_date
from .directives import CacheControl, ContentSecurityPolicy
from .headers import HeaderSet
from .options import parse_list_header

T = TypeVar("T")

_ENTITY_HEADERS = frozenset(
    (
        "allow",
        "content-encoding",
        "content-language",
        "content-length",
        "content-location",
        "content-md5",
        "content-range",
        "content-type",
        "expires",
        "last-modified",
    )
)
# RFC 9110 section 7.6.1: fields that apply to one connection only.
_HOP_BY_HOP_HEADERS = frozenset(
    (
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    )
)


class COEP(Enum):
    """Cross-Origin-Embedder-Policy values."""

    UNSAFE_NONE = "unsafe-none"
    REQUIRE_CORP = "require-corp"


class COOP(Enum):
    """Cross-Origin-Opener-Policy values."""

    UNSAFE_NONE = "unsafe-none"
    SAME_ORIGIN_ALLOW_POPUPS = "same-origin-allow-popups"
    SAME_ORIGIN = "same-origin"


def http_date(timestamp: datetime | date | float | int | None = None) -> str:
    """An IMF-fixdate (RFC 9110 section 5.6.7); naive datetimes are taken as UTC."""
    if isinstance(timestamp, date) and not isinstance(timestamp, datetime):
        timestamp = datetime.combine(timestamp, datetime.min.time())
    return format_http_date(timestamp)


def parse_date(value: str | None) -> datetime | None:
    """An aware datetime from an HTTP date or any RFC 2822 date, or ``None``.

    Werkzeug's reading: the three HTTP-date forms (``parse_http_date``, always UTC), and
    what ``email.utils`` reads besides (a numeric offset such as ``+0200`` is kept; no zone
    means UTC; text before the day name's comma is skipped). The server's own conditional
    headers use the strict ``parse_http_date``.
    """
    strict = parse_http_date(value)
    if strict is not None or not value:
        return strict
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def parse_age(value: str | None = None) -> timedelta | None:
    """A delta-seconds value (RFC 9111 section 1.2.2) as a timedelta, or ``None``."""
    if not value:
        return None
    try:
        seconds = int(value)
    except ValueError:
        return None
    if seconds < 0:
        return None
    try:
        return timedelta(seconds=seconds)
    except OverflowError:
        return None


def dump_age(age: timedelta | int | None = None) -> str | None:
    """Seconds as text; ``None`` stays ``None``; a negative age is a ``ValueError``."""
    if age is None:
        return None
    seconds = int(age.total_seconds()) if isinstance(age, timedelta) else int(age)
    if seconds < 0:
        raise ValueError("age cannot be negative")
    return str(seconds)


def parse_set_header(
    value: str | None, on_update: Callable[[HeaderSet], None] | None = None
) -> HeaderSet:
    """A ``HeaderSet`` from a comma-separated header such as ``Vary`` or ``Allow``."""
    if not value:
        return HeaderSet(None, on_update)
    return HeaderSet(parse_list_header(value), on_update)


class _DirectivesMixin(CacheControl):
    """Werkzeug's constructor: a header string, or ``(directive, value)`` pairs / a
    mapping (``None`` for a directive without value); Werkzeug's repr."""

    def __init__(self, values: Any = (), on_update: Callable[[Any], None] | None = None) -> None:
        if isinstance(values, str) or values is None:
            super().__init__(values or None, on_update)
        else:
            super().__init__(None, on_update)
            dict.update(self, dict(values))

    def __repr__(self) -> str:
        pairs = " ".join(f"{key}={value!r}" for key, value in sorted(self.items()))
        return f"<{type(self).__name__} {pairs}>"


class RequestCacheControl(_DirectivesMixin):
    """Cache-Control of a request (RFC 9111 section 5.2.1): read-only by convention."""


class ResponseCacheControl(_DirectivesMixin):
    """Cache-Control of a response (RFC 9111 section 5.2.2)."""


def parse_cache_control_header(
    value: str | None,
    on_update: Callable[[Any], None] | None = None,
    cls: Callable[..., T] | None = None,
) -> T:
    """A Cache-Control object (``RequestCacheControl`` unless ``cls`` is given)."""
    factory: Callable[..., Any] = RequestCacheControl if cls is None else cls
    return factory(value or None, on_update)  # type: ignore[no-any-return]


def parse_csp_header(
    value: str | None,
    on_update: Callable[[Any], None] | None = None,
    cls: Callable[..., T] | None = None,
) -> T:
    """A ``ContentSecurityPolicy`` (or ``cls``) from a Content-Security-Policy header."""
    factory: Callable[..., Any] = ContentSecurityPolicy if cls is None else cls
    return factory(value or None, on_update)  # type: ignore[no-any-return]


def dump_csp_header(header: ContentSecurityPolicy | dict[str, str]) -> str:
    """``directive value; directive value`` from a mapping."""
    return "; ".join(f"{name} {value}" for name, value in header.items())


def is_entity_header(header: str) -> bool:
    return header.lower() in _ENTITY_HEADERS


def is_hop_by_hop_header(header: str) -> bool:
    return header.lower() in _HOP_BY_HOP_HEADERS


def remove_entity_headers(
    headers: Any, allowed: Iterable[str] = ("expires", "content-location")
) -> None:
    """Remove entity headers (except ``allowed``) from a ``Headers`` or a pair list."""
    keep = {name.lower() for name in allowed}
    _replace(
        headers,
        [
            (key, value)
            for key, value in headers
            if not is_entity_header(key) or key.lower() in keep
        ],
    )


def remove_hop_by_hop_headers(headers: Any) -> None:
    """Remove hop-by-hop headers from a ``Headers`` or a list of pairs."""
    _replace(headers, [(key, value) for key, value in headers if not is_hop_by_hop_header(key)])


def _replace(headers: Any, pairs: list[tuple[str, str]]) -> None:
    if isinstance(headers, list):
        headers[:] = pairs
    else:
        headers.clear()
        headers.extend(pairs)


def is_byte_range_valid(start: int | None, stop: int | None, length: int | None) -> bool:
    """Whether ``start``-``stop`` (exclusive) is a possible byte range of ``length``."""
    if (start is None) != (stop is None):
        return False
    if start is None:
        return length is None or length >= 0
    if stop is None:
        return False
    if length is None:
        return 0 <= start < stop
    if start >= stop:
        return False
    return 0 <= start < length
