"""Matching a path and method against a rule set: one combined regex, a cache, a slow path.

Rules: the result is one of four kinds, like Starlette's none/partial/full match: ``NONE``
(no rule has this path: 404), ``PARTIAL`` (rules have this path but not this method: 405 with
the allowed methods), ``FULL`` (a rule and its converted values) or ``REDIRECT`` (a rule with
a trailing slash matched the path without it: 308). The segment tree (``tree.py``) is the
authority on which rule matches (Werkzeug's order). The fast path runs one regex over all
rules, listed in the order the tree search tries them, and takes the first rule; anything
unusual (method or WebSocket mismatch, rejected conversion, missing slash, a rule that
redirects, a domain to match, a rule not strict about slashes) falls back to the tree
search, so the answer never depends on the fast path. Results are cached by
``(method, path, domain, websocket)`` in a bounded dict; callers must copy ``values``
before changing it. ``by_environ`` is a second bounded dict, for the app layer's keys.

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
from .tree import Node, Search, SlashRedirect

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
    websocket_mismatch: bool = False


_NO_MATCH = MatchResult(NONE)
_WEBSOCKET_MISMATCH = MatchResult(NONE, websocket_mismatch=True)


class Matcher:
    """A compiled, immutable view of a rule list."""

    def __init__(self, rules: list[Rule], merge_slashes: bool = True) -> None:
        self.merge_slashes = merge_slashes
        self._tree = Node()
        for rule in rules:
            if not rule.build_only:
                node = self._tree
                for segment in rule._segments:
                    node = node.child(segment)
                node.rules.append(rule)
        self._tree.sort()
        # The fast path's alternatives in the order the tree search tries the rules, so
        # the first alternative that matches is the rule the search would find.
        self.rules = self._tree.in_order()
        self.uses_domains = any(rule._domain_parts for rule in self.rules)
        # A rule that is not strict about slashes matches a path with one more trailing
        # slash only in the tree search's last resort, which the one-regex form cannot
        # express: with such rules, paths ending in a slash take the tree search.
        self._lenient_slashes = any(not rule.strict_slashes for rule in self.rules)
        alternatives: list[str] = []
        self._groups: list[list[tuple[str, str]]] = []
        for index, rule in enumerate(self.rules):
            prefix = f"r{index}_"
            alternatives.append(f"(?P<r{index}>{rule.regex_source(prefix)})")
            self._groups.append([(prefix + name, name) for name in rule.path_variables])
        source = "^(?:" + "|".join(alternatives) + r")\Z" if alternatives else r"(?!)"
        self._regex = re.compile(source)
        self._cache: dict[tuple[str, str, str | None, bool], MatchResult] = {}
        #: For callers that derive the path and method from something else (the app
        #: layer, from a WSGI environ): their results by their own keys, dropped with
        #: this matcher when the rules change. Filled through ``remember``.
        self.by_environ: dict[tuple[Any, ...], tuple[str, str, MatchResult]] = {}
        # Rules that may redirect instead of matching: id(rule) -> the rules that may
        # provide its defaults (empty for redirect_to and alias rules).
        self._redirecting: dict[int, list[Rule]] = {}
        self._redirecting_index: set[int] = set()
        for index, rule in enumerate(self.rules):
            providers = _default_providers(rule)
            redirects_itself = rule.redirect_to is not None or (
                rule.alias and rule.map is not None and rule.map.redirect_defaults
            )
            if providers or redirects_itself:
                self._redirecting[id(rule)] = providers
                self._redirecting_index.add(index)

    def match(
        self, path: str, method: str, domain: str | None = None, websocket: bool = False
    ) -> MatchResult:
        """Match ``path``; a ``domain`` (not ``None``: the subdomain, or the host when the
        map matches hosts) must also match each rule's. ``websocket`` says whether the
        request is a WebSocket upgrade: only rules made with ``websocket=True`` match it."""
        if not domain and not self.uses_domains:
            domain = None  # no rule cares: the fast path applies
        key = (method, path, domain, websocket)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        result = None
        if domain is None and path[:1] == "/" and not (self._lenient_slashes and path[-1] == "/"):
            result = self._fast(path, method, websocket)
        if result is None:
            result = self._slow(path, method, domain, websocket)
        if result.kind < FULL and "//" in path:
            result = self._retry_slashes(path, method, domain, result, websocket)
        self.remember(self._cache, key, result)
        return result

    @staticmethod
    def remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
        """Store ``value`` in one of the matcher's caches, which are bounded: a full one is
        emptied first (a hostile client can send endless distinct paths)."""
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[key] = value

    def _fast(self, path: str, method: str, websocket: bool) -> MatchResult | None:
        found = self._regex.match(path)
        if found is None:
            return _NO_MATCH
        name = found.lastgroup
        if name is None:
            return None
        index = int(name[1:])
        rule = self.rules[index]
        if not rule.allows(method) or index in self._redirecting_index:
            return None
        if rule.websocket != websocket:
            return None
        if (
            rule._slash_optional
            and rule.strict_slashes
            and found.group(f"r{index}_{SLASH_GROUP}") is None
        ):
            return None  # the tree search answers with the redirect
        raw = {arg: found.group(group) for group, arg in self._groups[index]}
        values = rule.convert(raw)
        if values is None:
            return None
        return MatchResult(FULL, rule, values)

    def _slow(
        self, path: str, method: str, domain: str | None = None, websocket: bool = False
    ) -> MatchResult:
        search = Search(method, websocket)
        if domain is None and not self.uses_domains:
            domain = ""
        parts = [domain or "", *path.split("/")]
        try:
            found = search.find(self._tree, parts, domain is not None)
        except SlashRedirect as needed:
            return MatchResult(REDIRECT, needed.rule, needed.values, location=path + "/")
        if found is not None:
            rule, values = found
            providers = self._redirecting.get(id(rule))
            if providers is not None:
                return self._rule_redirect(rule, values, method, providers)
            return MatchResult(FULL, rule, values)
        if search.allowed:
            return MatchResult(PARTIAL, allowed=frozenset(search.allowed))
        if search.websocket_mismatch:
            return _WEBSOCKET_MISMATCH
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
        self, path: str, method: str, domain: str | None, first: MatchResult, websocket: bool
    ) -> MatchResult:
        """The answer for a path with repeated slashes that did not match as it is."""
        if path.startswith("//"):
            # Werkzeug's adapter matches "/" + path.lstrip("/"): no redirect for these.
            return self.match("/" + path.lstrip("/"), method, domain, websocket)
        if not self.merge_slashes:
            return first
        merged = _REPEATED_SLASHES.sub("/", path)
        result = self._slow(merged, method, domain, websocket)
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
