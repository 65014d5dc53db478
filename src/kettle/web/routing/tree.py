"""The routing tree: rules split into path segments, matched one segment at a time.

This is the authority on which rule a path matches (Werkzeug's matching order); the
matcher's one-regex fast path only answers when it is sure to agree with it.

Rules: a rule becomes a list of ``Segment``s: its domain (subdomain, or host when the map
matches hosts), then one segment per ``/``-separated piece of its path. A converter that is
not ``part_isolating`` (``path``, or a custom regex that may hold slashes) makes its segment
*final*: it takes the rest of the path, slashes included. Rules share tree nodes where their
segments are equal. At each node a path segment is tried against the static child of that
name first, then against the dynamic children in weight order (more static text first,
then more converters, then lighter converters); the search backtracks when a branch finds
no rule. When the path is used up at a node, its rules are tried in the order they were
added; if none fits, a rule one trailing slash further down answers with a redirect
(``SlashRedirect``) or, when it is not strict about slashes, with a match. A path that ends
in a slash also matches a non-strict rule without one. Methods and the WebSocket flag that
did not fit are collected for the 405/400 answer. A converter that rejects its text
(``ValidationError``) makes that rule not match, and the search goes on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .converters import BaseConverter
    from .rules import Rule

_SUFFIX_GROUP = "_slash"


@dataclass(frozen=True, slots=True)
class Segment:
    """One piece of a rule between slashes: static ``text``, or a regex ``text`` whose
    groups ``_0``, ``_1``... hold the converters' values in order."""

    text: str
    static: bool
    final: bool = False
    suffixed: bool = False  # a final segment ending in an optional slash
    weight: tuple[Any, ...] = field(default=(), compare=False)
    groups: int = field(default=0, compare=False)


class _Builder:
    """Collects one segment's pieces while a rule's text is walked."""

    def __init__(self) -> None:
        self.regex: list[str] = []
        self.static_text: list[str] = []
        self.static = True
        self.final = False
        self.static_weights: list[tuple[int, int]] = []
        self.arg_weights: list[int] = []

    def add_static(self, text: str) -> None:
        self.static_weights.append((len(self.static_weights), -len(text)))
        self.static_text.append(text)
        self.regex.append(re.escape(text))

    def add_converter(self, converter: BaseConverter) -> None:
        self.static = False
        if not converter.part_isolating:
            self.final = True
        self.regex.append(f"(?P<_{len(self.arg_weights)}>{converter.regex})")
        self.arg_weights.append(converter.weight)

    def segment(self) -> Segment:
        if self.static:
            return Segment("".join(self.static_text), True)
        source = "".join(self.regex)
        suffixed = self.final and source.endswith("/")
        if suffixed:
            source = source[:-1] + f"(?<!/)(?P<{_SUFFIX_GROUP}>/?)"
        weight = (
            -len(self.static_weights),
            tuple(self.static_weights),
            -len(self.arg_weights),
            tuple(self.arg_weights),
        )
        return Segment(source + r"\Z", False, self.final, suffixed, weight, len(self.arg_weights))


def rule_segments(
    domain: list[tuple[str, BaseConverter | None]], path: list[tuple[str, BaseConverter | None]]
) -> list[Segment]:
    """The segments of a rule from its parsed domain and path pieces (static text, or a
    variable name with its converter)."""
    builder = _Builder()
    for text, converter in domain:
        if converter is None:
            builder.add_static(text)
        else:
            builder.add_converter(converter)
    segments = [builder.segment()]
    builder = _Builder()
    for text, converter in path:
        if converter is not None:
            builder.add_converter(converter)
            continue
        for piece in re.split("(/)", text):
            if piece == "/":
                if builder.final:
                    builder.regex.append("/")
                else:
                    segments.append(builder.segment())
                    builder = _Builder()
            elif piece:
                builder.add_static(piece)
    last = builder.segment()
    segments.append(last)
    if last.suffixed:
        segments.append(Segment("", True))
    return segments


class Node:
    """A point in the tree: static children by text, dynamic children in weight order,
    and the rules whose segments end here."""

    __slots__ = ("dynamic", "rules", "static")

    def __init__(self) -> None:
        self.static: dict[str, Node] = {}
        self.dynamic: list[tuple[Segment, re.Pattern[str], Node]] = []
        self.rules: list[Rule] = []

    def child(self, segment: Segment) -> Node:
        if segment.static:
            return self.static.setdefault(segment.text, Node())
        for existing, _, node in self.dynamic:
            if existing == segment:
                return node
        node = Node()
        self.dynamic.append((segment, re.compile(segment.text), node))
        return node

    def sort(self) -> None:
        self.dynamic.sort(key=lambda entry: entry[0].weight)
        for node in self.static.values():
            node.sort()
        for _, _, node in self.dynamic:
            node.sort()

    def in_order(self) -> list[Rule]:
        """Every rule below this node in the order the search would try them."""
        rules = list(self.rules)
        slash = self.static.get("")
        if slash is not None:
            rules.extend(slash.in_order())
        for text, node in self.static.items():
            if text:
                rules.extend(node.in_order())
        for _, _, node in self.dynamic:
            rules.extend(node.in_order())
        return rules


class SlashRedirect(Exception):
    """The path matches ``rule`` once a trailing slash is added (a strict rule)."""

    def __init__(self, rule: Rule, values: dict[str, Any]) -> None:
        super().__init__()
        self.rule = rule
        self.values = values


class Search:
    """One lookup: the method and WebSocket flag asked for, and what did not fit."""

    __slots__ = ("allowed", "method", "websocket", "websocket_mismatch")

    def __init__(self, method: str, websocket: bool) -> None:
        self.method = method
        self.websocket = websocket
        self.allowed: set[str] = set()
        self.websocket_mismatch = False

    def find(self, root: Node, parts: list[str], domain_known: bool) -> tuple[Rule, Any] | None:
        """The first rule matching ``parts`` (the domain, then the path split at slashes)
        and its converted values. Without ``domain_known`` every domain is accepted."""
        if domain_known:
            return self._walk(root, parts, 0, [])
        for node in (*root.static.values(), *(entry[2] for entry in root.dynamic)):
            found = self._walk(node, parts, 1, [])
            if found is not None:
                return found
        return None

    def _fits(self, rule: Rule) -> bool:
        if rule.methods is not None and self.method not in rule.methods:
            self.allowed.update(rule.methods)
            return False
        if rule.websocket != self.websocket:
            self.websocket_mismatch = True
            return False
        return True

    def _accept(self, rules: list[Rule], raw: list[str]) -> tuple[Rule, Any] | None:
        for rule in rules:
            if self._fits(rule):
                values = rule.convert(dict(zip(rule.variables, raw, strict=False)))
                if values is not None:
                    return rule, values
        return None

    def _walk(
        self, node: Node, parts: list[str], index: int, raw: list[str]
    ) -> tuple[Rule, Any] | None:
        if index == len(parts):
            return self._at_end(node, raw)
        part = parts[index]
        static = node.static.get(part)
        if static is not None:
            found = self._walk(static, parts, index + 1, raw)
            if found is not None:
                return found
        for segment, regex, child in node.dynamic:
            if segment.final:
                matched = regex.match("/".join(parts[index:]))
                rest, at = parts, len(parts)
            else:
                matched = regex.match(part)
                rest, at = parts, index + 1
            if matched is None:
                continue
            if segment.suffixed and matched.group(_SUFFIX_GROUP):
                rest, at = [""], 0  # the slash the converter left is the next segment
            values = raw + [matched.group(f"_{i}") for i in range(segment.groups)]
            found = self._walk(child, rest, at, values)
            if found is not None:
                return found
        if index == len(parts) - 1 and part == "":
            # A trailing slash: rules without one that are not strict about slashes.
            lenient = [rule for rule in node.rules if not rule.strict_slashes]
            return self._accept(lenient, raw)
        return None

    def _at_end(self, node: Node, raw: list[str]) -> tuple[Rule, Any] | None:
        found = self._accept(node.rules, raw)
        if found is not None:
            return found
        slash = node.static.get("")
        if slash is None:
            return None
        for rule in slash.rules:
            if rule.allows(self.method) and rule.websocket == self.websocket:
                values = rule.convert(dict(zip(rule.variables, raw, strict=False)))
                if values is None:
                    continue
                if rule.strict_slashes:
                    raise SlashRedirect(rule, values)
                return rule, values
        return None
