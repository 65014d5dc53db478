"""Mirror of ``werkzeug.routing.rules`` (``kettle.web.routing.rules`` and the rule
factories)."""

from __future__ import annotations

from kettle.web.routing.factories import (
    EndpointPrefix,
    RuleTemplate,
    RuleTemplateFactory,
    Subdomain,
    Submount,
)
from kettle.web.routing.rules import Rule, RuleFactory

__all__ = [
    "EndpointPrefix",
    "Rule",
    "RuleFactory",
    "RuleTemplate",
    "RuleTemplateFactory",
    "Subdomain",
    "Submount",
]
