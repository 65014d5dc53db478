"""Matching a path and method against a rule set: one combined regex, a cache, a slow path.

Rules: the result is one of four kinds, like Starlette's none/partial/full match: ``NONE``
(no rule has this path: 404), ``PARTIAL`` (rules have this path but not this method: 405 with
the allowed methods), ``FULL`` (a rule and its converted values) or ``REDIRECT`` (a rule with
a trailing slash matched the path without it: 308). The fast path runs one regex over all
rules, ordered static-before-dynamic, and takes the first rule; anything unusual (method
mismatch, rejected conversion, missing slash, a rule that redirects) falls back to trying
each rule in order, so the answer never depends on the fast path. Results are cached by
``(method, path)`` in a bounded dict; callers must copy ``values`` before changing it.

Werkzeug's other redirects are REDIRECT results too. A path with repeated slashes is looked
at only after it failed to match (so the normal path pays nothing): a leading run of
slashes is matched as one slash, and a path that matches once its slashes are merged
redirects there (``location``). A rule with ``redirect_to``, an ``alias`` rule, or a rule
whose values another rule of its endpoint provides as defaults (``redirect_defaults``)
matches as REDIRECT with ``location`` unset; the adapter builds those URLs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .rules import _REPEATED_SLASHES, SLASH_GROUP, Rule

NONE = 0
PARTIAL = 1
FULL = 2
REDIRECT = 3

_CACHE_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class MatchResult:
    """What matching found; ``rule``/``values`` are set for FULL and REDIRECT. A REDIRECT
    carries ``location`` (a path below the script root: a missing trailing slash, merged
    slashes) or, for a rule's own redirect, ``target`` (the rule providing the defaults)
    or neither (``redirect_to``, ``alias``)."""

    kind: int
    rule: Rule | None = None
    values: dict[str, Any] = field(default_factory=dict)
    allowed: frozenset[str] = frozenset()
    location: str | None = None
    target: Rule | None = None


_NO_MATCH = MatchResult(NONE)


class Matcher:
    """A compiled, immutable view of a rule list."""

    def __init__(self, rules: list[Rule], merge_slashes: bool = True) -> None:
        self.merge_slashes = merge_slashes
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
        # Rules that may redirect instead of matching: index -> the rules that may provide
        # its defaults (empty for redirect_to and alias rules).
        self._redirecting: dict[int, list[Rule]] = {}
        for index, rule in enumerate(self.rules):
            providers = _default_providers(rule)
            redirects_itself = rule.redirect_to is not None or (
                rule.alias and rule.map is not None and rule.map.redirect_defaults
            )
            if providers or redirects_itself:
                self._redirecting[index] = providers

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
        if result.kind < FULL and "//" in path:
            result = self._retry_slashes(path, method, domain, result)
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
        if not rule.allows(method) or index in self._redirecting:
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
        for index, rule in enumerate(self.rules):
            matched = rule.match(path, domain)
            if matched is None:
                continue
            values, needs_slash = matched
            if not rule.allows(method):
                allowed.update(rule.methods or ())
                continue
            if needs_slash:
                return MatchResult(REDIRECT, rule, values, location=path + "/")
            if index in self._redirecting:
                return self._rule_redirect(rule, values, method, self._redirecting[index])
            return MatchResult(FULL, rule, values)
        if allowed:
            return MatchResult(PARTIAL, allowed=frozenset(allowed))
        return _NO_MATCH

    def _rule_redirect(
        self, rule: Rule, values: dict[str, Any], method: str, providers: list[Rule]
    ) -> MatchResult:
        """A matched rule that redirects, in Werkzeug's order: an alias, then a rule that
        provides these values as defaults, then ``redirect_to``; else a normal match."""
        if rule.alias and rule.map is not None and rule.map.redirect_defaults:
            return MatchResult(REDIRECT, rule, values)
        for provider in providers:
            if provider.suitable_for(values, method):
                return MatchResult(REDIRECT, rule, values, target=provider)
        if rule.redirect_to is not None:
            return MatchResult(REDIRECT, rule, values)
        return MatchResult(FULL, rule, values)

    def _retry_slashes(
        self, path: str, method: str, domain: str | None, first: MatchResult
    ) -> MatchResult:
        """The answer for a path with repeated slashes that did not match as it is."""
        if path.startswith("//"):
            # Werkzeug's adapter matches "/" + path.lstrip("/"): no redirect for these.
            return self.match("/" + path.lstrip("/"), method, domain)
        if not self.merge_slashes:
            return first
        merged = _REPEATED_SLASHES.sub("/", path)
        result = self._slow(merged, method, domain)
        if result.location is not None:
            return result  # the merged path lacks its trailing slash: one redirect to both
        if result.kind >= FULL and result.rule is not None and result.rule.merge_slashes:
            return MatchResult(REDIRECT, result.rule, result.values, location=merged)
        allowed = first.allowed | result.allowed
        return MatchResult(PARTIAL, allowed=allowed) if allowed else _NO_MATCH

    def allowed_methods(self, path: str, domain: str | None = None) -> set[str]:
        """Every method some rule accepts for ``path`` (for OPTIONS and 405)."""
        methods: set[str] = set()
        for rule in self.rules:
            matched = rule.match(path, domain or None)
            if matched is not None and not matched[1]:
                if rule.methods is None:
                    return set()
                methods.update(rule.methods)
        if not methods and "//" in path:
            # As matching does: leading slashes count as one, then merged slashes.
            if path.startswith("//"):
                return self.allowed_methods("/" + path.lstrip("/"), domain)
            if self.merge_slashes:
                return self.allowed_methods(_REPEATED_SLASHES.sub("/", path), domain)
        return methods


def _default_providers(rule: Rule) -> list[Rule]:
    """The rules of ``rule``'s endpoint built before it that provide defaults for it
    (Werkzeug's ``redirect_defaults``; none when the map turns it off)."""
    map = rule.map
    if map is None or not map.redirect_defaults or rule.build_only:
        return []
    providers: list[Rule] = []
    for other in map._by_endpoint.get(rule.endpoint, ()):
        if other is rule:
            break
        if other.provides_defaults_for(rule):
            providers.append(other)
    return providers
