"""URL routing, split like Werkzeug's: converters, rules, the matcher and the map.

Rules: routing knows nothing about requests or responses; matching returns a
``MatchResult`` (none/partial/full/redirect) and the application turns it into 404, 405
with ``Allow``, a 308 redirect, or a view call.
"""

from __future__ import annotations

from .converters import (
    AnyConverter,
    BaseConverter,
    FloatConverter,
    IntegerConverter,
    PathConverter,
    UnicodeConverter,
    UUIDConverter,
    ValidationError,
)
from .exceptions import RequestRedirect
from .map import FULL, NONE, PARTIAL, REDIRECT, BuildError, Map, MapAdapter, MatchResult
from .rules import Rule

__all__ = [
    "FULL",
    "NONE",
    "PARTIAL",
    "REDIRECT",
    "AnyConverter",
    "BaseConverter",
    "BuildError",
    "FloatConverter",
    "IntegerConverter",
    "Map",
    "MapAdapter",
    "MatchResult",
    "PathConverter",
    "RequestRedirect",
    "Rule",
    "UUIDConverter",
    "UnicodeConverter",
    "ValidationError",
]
