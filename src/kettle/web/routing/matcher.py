"""Matching a path and method against a rule set: one combined regex, a cache, a slow path.

Rules: the result is one of four kinds, like Starlette's none/partial/full match: ``NONE``
(no rule has this path: 404), ``PARTIAL`` (rules have this path but not this method: 405 with
the allowed methods), ``FULL`` (a rule and its converted values) or ``REDIRECT`` (a rule with
a trailing slash matched the path without it: 308). The fast path runs one regex over all
rules, ordered static-before-dynamic, and takes the first rule; anything unusual (method
mismatch, rejected conversion, missing slash) falls back to trying each rule in order, so
the answer never depends on the fast path. Results are cached by ``(method, path)`` in a
bounded dict; callers must copy ``values`` before changing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .rules import SLASH_GROUP, Rule

NONE = 0
PARTIAL = 1
FULL = 2
REDIRECT = 3

_CACHE_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class MatchResult:
    """What matching found; ``rule``/``values`` are set for FULL and REDIRECT."""

    kind: int
    rule: Rule | None = None
    values: dict[str, Any] = field(default_factory=dict)
    allowed: frozenset[str] = frozenset()


_NO_MATCH = MatchResult(NONE)


class Matcher:
    """A compiled, immutable view of a rule list."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = sorted(
            (rule for rule in rules if not rule.build_only), key=lambda rule: rule.sort_key()
        )
        alternatives: list[str] = []
        self._groups: list[list[tuple[str, str]]] = []
        for index, rule in enumerate(self.rules):
            prefix = f"r{index}_"
            alternatives.append(f"(?P<r{index}>{rule.regex_source(prefix)})")
            self._groups.append([(prefix + name, name) for name in rule.path_variables])
        source = "^(?:" + "|".join(alternatives) + ")$" if alternatives else r"(?!)"
        self._regex = re.compile(source)
        self._cache: dict[tuple[str, str, str | None], MatchResult] = {}
        self.uses_domains = any(rule._domain_parts for rule in self.rules)

    def match(self, path: str, method: str, domain: str | None = None) -> MatchResult:
        """Match ``path``; a ``domain`` (not ``None``: the subdomain, or the host when the
        map matches hosts) must also match each rule's."""
        if not domain and not self.uses_domains:
            domain = None  # no rule cares: the fast path applies
        key = (method, path, domain)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        result = self._fast(path, method) if domain is None else None
        if result is None:
            result = self._slow(path, method, domain)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = result
        return result

    def _fast(self, path: str, method: str) -> MatchResult | None:
        found = self._regex.match(path)
        if found is None:
            return _NO_MATCH
        name = found.lastgroup
        if name is None:
            return None
        index = int(name[1:])
        rule = self.rules[index]
        if not rule.allows(method):
            return None
        if rule._slash_optional and found.group(f"r{index}_{SLASH_GROUP}") is None:
            return None
        raw = {arg: found.group(group) for group, arg in self._groups[index]}
        values = rule.convert(raw)
        if values is None:
            return None
        return MatchResult(FULL, rule, values)

    def _slow(self, path: str, method: str, domain: str | None = None) -> MatchResult:
        allowed: set[str] = set()
        for rule in self.rules:
            matched = rule.match(path, domain)
            if matched is None:
                continue
            values, needs_slash = matched
            if not rule.allows(method):
                allowed.update(rule.methods or ())
                continue
            return MatchResult(REDIRECT if needs_slash else FULL, rule, values)
        if allowed:
            return MatchResult(PARTIAL, allowed=frozenset(allowed))
        return _NO_MATCH

    def allowed_methods(self, path: str, domain: str | None = None) -> set[str]:
        """Every method some rule accepts for ``path`` (for OPTIONS and 405)."""
        methods: set[str] = set()
        for rule in self.rules:
            matched = rule.match(path, domain or None)
            if matched is not None and not matched[1]:
                if rule.methods is None:
                    return set()
                methods.update(rule.methods)
        return methods
