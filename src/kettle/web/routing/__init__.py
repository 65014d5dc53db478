"""URL routing, split like Werkzeug's: converters, rules, rule factories, the matcher and
the map.

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
from .factories import EndpointPrefix, RuleTemplate, RuleTemplateFactory, Subdomain, Submount
from .map import FULL, NONE, PARTIAL, REDIRECT, BuildError, Map, MapAdapter, MatchResult
from .rules import Rule, RuleFactory

__all__ = [
    "FULL",
    "NONE",
    "PARTIAL",
    "REDIRECT",
    "AnyConverter",
    "BaseConverter",
    "BuildError",
    "EndpointPrefix",
    "FloatConverter",
    "IntegerConverter",
    "Map",
    "MapAdapter",
    "MatchResult",
    "PathConverter",
    "RequestRedirect",
    "Rule",
    "RuleFactory",
    "RuleTemplate",
    "RuleTemplateFactory",
    "Subdomain",
    "Submount",
    "UUIDConverter",
    "UnicodeConverter",
    "ValidationError",
]
