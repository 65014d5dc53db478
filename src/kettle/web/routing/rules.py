"""One URL rule: its text parsed into static parts and converters, its regex, and building.

Rules: a rule is parsed and compiled once, when it is added to a ``Map`` (``bind``). Matching
yields converted values or ``None``; a ``ValidationError`` from a converter means "no match"
so that the next rule is tried. Building checks that the given values suit the rule
(every argument present, defaults equal) and quotes each part through its converter.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .converters import URL_SAFE, BaseConverter, ValidationError, parse_converter_args
from .tree import Segment, rule_segments

if TYPE_CHECKING:
    from .map import Map

_VARIABLE = re.compile(
    r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\((?P<args>.*?)\))?:)?"
    r"(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>"
)
SLASH_GROUP = "__kettle_slash"
_REPEATED_SLASHES = re.compile("/{2,}")
_VARIABLE_NAME = re.compile(r"<([^>]+)>")  # a redirect_to placeholder
_WEBSOCKET_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class RuleFactory(ABC):
    """Anything ``Map.add`` accepts: it yields the rules to add (Werkzeug's interface, for
    ``Submount``, ``Subdomain``, ``EndpointPrefix`` and ``RuleTemplate``)."""

    @abstractmethod
    def get_rules(self, map: Map) -> Iterable[Rule]:
        """The rules this factory stands for, unbound."""


class Rule(RuleFactory):
    """A URL pattern bound to an endpoint, with its methods and default values."""

    def __init__(
        self,
        string: str,
        defaults: Mapping[str, Any] | None = None,
        subdomain: str | None = None,
        methods: Iterable[str] | None = None,
        build_only: bool = False,
        endpoint: Any = None,
        strict_slashes: bool | None = None,
        merge_slashes: bool | None = None,
        redirect_to: str | Callable[..., str] | None = None,
        alias: bool = False,
        host: str | None = None,
        websocket: bool = False,
    ) -> None:
        if not string.startswith("/"):
            raise ValueError(f"urls must start with a leading slash: {string!r}")
        self.rule = string
        self.defaults = dict(defaults) if defaults is not None else None
        self.subdomain = subdomain
        self.host = host
        self.build_only = build_only
        self.endpoint = endpoint
        self.strict_slashes = strict_slashes
        self.merge_slashes = merge_slashes
        self.redirect_to = redirect_to
        self.alias = alias
        self.websocket = websocket
        self.provide_automatic_options = False
        if methods is None:
            self.methods: set[str] | None = None
        else:
            if isinstance(methods, str):
                raise TypeError("'methods' should be a list of strings, not a string")
            self.methods = {method.upper() for method in methods}
            if "GET" in self.methods:
                self.methods.add("HEAD")
            if websocket and self.methods - _WEBSOCKET_METHODS:
                raise ValueError(
                    "a WebSocket rule can only use the methods GET, HEAD and OPTIONS, not"
                    f" {', '.join(sorted(self.methods - _WEBSOCKET_METHODS))}"
                )
        self.map: Map | None = None
        self.arguments: set[str] = set(self.defaults or ())
        self.variables: list[str] = []
        self._parts: list[tuple[str, BaseConverter | None]] = []
        self._regex: re.Pattern[str] | None = None
        self._domain_parts: list[tuple[str, BaseConverter | None]] = []
        self._domain_regex: re.Pattern[str] = re.compile("^$")
        self._slash_optional = False
        self._segments: list[Segment] = []
        self._build_parts: list[tuple[str, BaseConverter | None]] = []

    def __str__(self) -> str:
        return self.rule

    def __repr__(self) -> str:
        methods = f" ({', '.join(sorted(self.methods))})" if self.methods else ""
        return f"<Rule {self.rule!r}{methods} -> {self.endpoint}>"

    # Werkzeug's rules compare by their parsed pattern and are unhashable (they are
    # mutable until bound); code that keys on a rule uses its identity instead.
    __hash__ = None  # type: ignore[assignment]  # unhashable on purpose, as in Werkzeug

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self._equality_key() == other._equality_key()

    def _equality_key(self) -> tuple[Any, ...]:
        if self.map is None:
            return (False, self.rule, self.subdomain, self.host)
        return (True, self._trace)

    def get_rules(self, map: Map) -> Iterable[Rule]:
        yield self

    def get_empty_kwargs(self) -> dict[str, Any]:
        """The keyword arguments ``empty`` passes to the class (besides the rule text); a
        subclass with arguments of its own extends this."""
        return {
            "defaults": self.defaults,
            "subdomain": self.subdomain,
            "methods": self.methods,
            "build_only": self.build_only,
            "endpoint": self.endpoint,
            "strict_slashes": self.strict_slashes,
            "merge_slashes": self.merge_slashes,
            "redirect_to": self.redirect_to,
            "alias": self.alias,
            "host": self.host,
            "websocket": self.websocket,
        }

    def empty(self) -> Rule:
        """A copy of this rule (of the same class), not bound to any map."""
        return type(self)(self.rule, **self.get_empty_kwargs())

    # -- compiling ---------------------------------------------------------------------------

    def bind(self, map: Map) -> None:
        """Parse the rule text with the map's converters and compile its regex."""
        if self.map is not None:
            raise RuntimeError(f"url rule {self!r} already bound to map {self.map!r}")
        self.map = map
        if self.strict_slashes is None:
            self.strict_slashes = map.strict_slashes
        if self.merge_slashes is None:
            self.merge_slashes = map.merge_slashes
        if self.subdomain is None:
            self.subdomain = map.default_subdomain
        # The domain part is the whole host when the map matches hosts, else the subdomain.
        domain = (self.host or "") if map.host_matching else self.subdomain
        self._domain_parts = self._parse(map, domain)
        domain_source = "".join(
            re.escape(text) if conv is None else f"(?P<{text}>{conv.regex})"
            for text, conv in self._domain_parts
        )
        self._domain_regex = re.compile(f"^{domain_source}\\Z")
        # With merging on, the rule's own text is matched and built with its repeated
        # slashes merged (Werkzeug's rule), so building never produces "//".
        text = _REPEATED_SLASHES.sub("/", self.rule) if self.merge_slashes else self.rule
        parts = self._parse(map, text)
        self._parts = parts
        self.path_variables = [text for text, conv in parts if conv is not None]
        last_text, last_conv = parts[-1]
        # The trailing slash of a branch rule may be missing from the path: a strict rule
        # then redirects, a lenient one (strict_slashes=False) matches as it is.
        self._slash_optional = bool(last_conv is None and last_text.endswith("/"))
        if self._slash_optional and self.rule == "/":
            self._slash_optional = False
        self._regex = re.compile("^" + self.regex_source("") + r"\Z")
        self._segments = rule_segments(self._domain_parts, parts)
        self._build_parts = [
            (text if conv is not None else quote(text, safe=URL_SAFE), conv)
            for text, conv in parts
        ]

    @property
    def converters(self) -> dict[str, BaseConverter]:
        """Each variable's converter, by name."""
        return {
            text: conv for text, conv in (*self._domain_parts, *self._parts) if conv is not None
        }

    @property
    def _converters(self) -> dict[str, BaseConverter]:
        """Werkzeug's private name for ``converters`` (flask-smorest reads it)."""
        return self.converters

    @property
    def _trace(self) -> list[tuple[bool, str]]:
        """Werkzeug's private trace of a bound rule: ``(is_variable, text)`` pieces of the
        domain pattern, then ``(False, "|")``, then the path, each slash its own piece."""
        trace: list[tuple[bool, str]] = []
        for parts in (self._domain_parts, self._parts):
            for text, conv in parts:
                if conv is not None:
                    trace.append((True, text))
                    continue
                trace.extend((False, piece) for piece in re.split("(/)", text) if piece)
            if parts is self._domain_parts:
                trace.append((False, "|"))
        return trace

    def _parse(self, map: Map, text: str) -> list[tuple[str, BaseConverter | None]]:
        """Static pieces and (variable, converter) pieces of a rule or subdomain text."""
        position = 0
        parts: list[tuple[str, BaseConverter | None]] = []
        for found in _VARIABLE.finditer(text):
            if found.start() > position:
                parts.append((text[position : found.start()], None))
            name = found.group("name")
            if name in self.variables:
                raise ValueError(f"variable name {name!r} used twice in {self.rule!r}")
            parts.append((name, self._make_converter(map, found)))
            self.variables.append(name)
            self.arguments.add(name)
            position = found.end()
        if position < len(text):
            parts.append((text[position:], None))
        if "<" in "".join(piece for piece, conv in parts if conv is None):
            raise ValueError(f"malformed url rule: {text!r}")
        return parts

    def _make_converter(self, map: Map, found: re.Match[str]) -> BaseConverter:
        kind = found.group("converter") or "default"
        if kind not in map.converters:
            raise LookupError(f"the converter {kind!r} does not exist")
        args, kwargs = parse_converter_args(found.group("args") or "")
        return map.converters[kind](map, *args, **kwargs)

    def regex_source(self, prefix: str) -> str:
        """The rule as a regex body; variables are named ``prefix + name``."""
        pieces: list[str] = []
        parts = self._parts
        for index, (text, converter) in enumerate(parts):
            if converter is None:
                if index == len(parts) - 1 and self._slash_optional:
                    pieces.append(re.escape(text[:-1]))
                    # As the tree search: a value may not end in the slash it leaves out.
                    pieces.append(f"(?<!/)(?P<{prefix}{SLASH_GROUP}>/)?")
                else:
                    pieces.append(re.escape(text))
            else:
                pieces.append(f"(?P<{prefix}{text}>{converter.regex})")
        return "".join(pieces)

    def convert(self, raw: Mapping[str, str | None]) -> dict[str, Any] | None:
        """Convert matched text to values; ``None`` when a converter rejects it.

        Defaults win over matched values of the same name, as in Werkzeug."""
        values: dict[str, Any] = {}
        try:
            for text, converter in self._parts:
                if converter is not None:
                    values[text] = converter.to_python(raw[text] or "")
            for text, converter in self._domain_parts:
                if converter is not None and text in raw:
                    values[text] = converter.to_python(raw[text] or "")
        except (ValidationError, ValueError):
            return None
        if self.defaults:
            values.update(self.defaults)
        return values

    def match(self, path: str, domain: str | None = None) -> tuple[dict[str, Any], bool] | None:
        """Values and whether a strict-slash redirect is needed, or ``None``.

        ``domain`` is the request's subdomain, or its whole host when the map matches hosts;
        ``None`` means the domain is not matched (the default app setup)."""
        if self._regex is None:
            raise RuntimeError(f"rule {self!r} is not bound to a map")
        found = self._regex.match(path)
        if found is None:
            return None
        raw = found.groupdict()
        if domain is not None:
            found_domain = self._domain_regex.match(domain)
            if found_domain is None:
                return None
            raw.update(found_domain.groupdict())
        values = self.convert(raw)
        if values is None:
            return None
        needs_slash = bool(
            self._slash_optional and self.strict_slashes and raw.get(SLASH_GROUP) is None
        )
        return values, needs_slash

    def allows(self, method: str) -> bool:
        return self.methods is None or method in self.methods

    # -- building ----------------------------------------------------------------------------

    def suitable_for(self, values: Mapping[str, Any], method: str | None = None) -> bool:
        if method is not None and self.methods is not None and method not in self.methods:
            return False
        defaults = self.defaults or {}
        for name in self.arguments:
            if name not in defaults and name not in values:
                return False
        for name, default in defaults.items():
            if name in values and values[name] != default:
                return False
        return True

    def provides_defaults_for(self, rule: Rule) -> bool:
        """Whether this rule is the canonical URL for ``rule``'s values: same endpoint and
        arguments, a different pattern, and defaults of its own (``redirect_defaults``)."""
        return bool(
            not self.build_only
            and self.defaults
            and self.endpoint == rule.endpoint
            and self.arguments == rule.arguments
            and self._pattern_key() != rule._pattern_key()
        )

    def _pattern_key(self) -> tuple[Any, ...]:
        def shape(parts: list[tuple[str, BaseConverter | None]]) -> tuple[Any, ...]:
            return tuple((text, None if conv is None else conv.regex) for text, conv in parts)

        return shape(self._domain_parts), shape(self._parts), type(self)

    def build_compare_key(self) -> tuple[int, int, int]:
        return (1 if self.alias else 0, -len(self.arguments), -len(self.defaults or ()))

    def build_domain(self, values: Mapping[str, Any]) -> str:
        """The subdomain (or, when the map matches hosts, the host) for ``values``; ``""``
        for a rule without one."""
        return self._build(self._domain_parts, values)

    def build_path(self, values: Mapping[str, Any]) -> str:
        """The path for ``values`` (which must suit this rule); the rule's own text is
        percent-encoded as a URL path needs (``/войти/`` builds ``/%D0%B2...``)."""
        return self._build(self._build_parts, values)

    def _build(
        self, parts: list[tuple[str, BaseConverter | None]], values: Mapping[str, Any]
    ) -> str:
        defaults = self.defaults or {}
        pieces: list[str] = []
        for text, converter in parts:
            if converter is None:
                pieces.append(text)
            else:
                value = values[text] if text in values else defaults[text]
                pieces.append(converter.to_url(value))
        return "".join(pieces)
