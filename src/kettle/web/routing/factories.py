"""Werkzeug's rule factories: groups of rules that share a path prefix, a subdomain, an
endpoint prefix, or a template with ``$placeholders``.

Rules: a factory only yields rules; ``Map.add`` binds them. A factory never changes the
rules it was given: each yielded rule is a fresh copy (``Rule.empty``), so one factory (or
one ``RuleTemplate``) can be added to several maps or instantiated several times. Factories
nest: ``Subdomain("api", [Submount("/v1", [...])])``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from string import Template
from typing import TYPE_CHECKING, Any

from .rules import Rule, RuleFactory

if TYPE_CHECKING:
    from .map import Map

__all__ = ["EndpointPrefix", "RuleTemplate", "RuleTemplateFactory", "Subdomain", "Submount"]


class _Group(RuleFactory):
    """A factory over a list of rules and factories; subclasses adjust each copy."""

    def __init__(self, rules: Iterable[RuleFactory]) -> None:
        self.rules = list(rules)
        for item in self.rules:
            if not isinstance(item, RuleFactory):
                raise TypeError(
                    f"{type(self).__name__} takes rules and rule factories, not"
                    f" {type(item).__name__}"
                )

    def get_rules(self, map: Map) -> Iterator[Rule]:
        for factory in self.rules:
            for rule in factory.get_rules(map):
                copy = rule.empty()
                self._adjust(copy)
                yield copy

    def _adjust(self, rule: Rule) -> None:
        """Change the fresh copy ``rule`` (the base class leaves it as it is)."""


class Submount(_Group):
    """Rules below a path: ``Submount("/blog", [Rule("/", endpoint="blog.index")])``."""

    def __init__(self, path: str, rules: Iterable[RuleFactory]) -> None:
        if path and not path.startswith("/"):
            raise ValueError(f"a submount path must start with a slash: {path!r}")
        self.path = path.rstrip("/")
        super().__init__(rules)

    def _adjust(self, rule: Rule) -> None:
        rule.rule = self.path + rule.rule


class Subdomain(_Group):
    """Rules on one subdomain (``Map(...).bind(..., subdomain=...)`` selects it); the
    subdomain may hold variables: ``Subdomain("<user>", [...])``."""

    def __init__(self, subdomain: str, rules: Iterable[RuleFactory]) -> None:
        self.subdomain = subdomain
        super().__init__(rules)

    def _adjust(self, rule: Rule) -> None:
        rule.subdomain = self.subdomain


class EndpointPrefix(_Group):
    """Rules whose endpoints get a prefix: ``EndpointPrefix("blog/", [...])``."""

    def __init__(self, prefix: str, rules: Iterable[RuleFactory]) -> None:
        self.prefix = prefix
        super().__init__(rules)

    def _adjust(self, rule: Rule) -> None:
        rule.endpoint = self.prefix + str(rule.endpoint)


class RuleTemplate:
    """Rules with ``$name`` placeholders (``string.Template`` syntax) in their path,
    endpoint, subdomain and string defaults; calling the template fills them in:
    ``RuleTemplate([Rule("/$kind/", endpoint="$kind")])(kind="posts")``."""

    def __init__(self, rules: Iterable[RuleFactory]) -> None:
        self.rules = list(rules)

    def __call__(self, *args: Mapping[str, Any], **kwargs: Any) -> RuleTemplateFactory:
        context: dict[str, Any] = {}
        for mapping in args:
            context.update(mapping)
        context.update(kwargs)
        return RuleTemplateFactory(self.rules, context)


class RuleTemplateFactory(RuleFactory):
    """A ``RuleTemplate`` filled in with one context (what calling the template returns)."""

    def __init__(self, rules: Iterable[RuleFactory], context: Mapping[str, Any]) -> None:
        self.rules = list(rules)
        self.context = dict(context)

    def get_rules(self, map: Map) -> Iterator[Rule]:
        for factory in self.rules:
            for rule in factory.get_rules(map):
                yield self._fill(rule)

    def _fill(self, rule: Rule) -> Rule:
        copy = rule.empty()
        copy.rule = self._substitute(rule.rule)
        if isinstance(rule.endpoint, str):
            copy.endpoint = self._substitute(rule.endpoint)
        if rule.subdomain is not None:
            copy.subdomain = self._substitute(rule.subdomain)
        if rule.host is not None:
            copy.host = self._substitute(rule.host)
        if rule.defaults:
            copy.defaults = {
                key: self._substitute(value) if isinstance(value, str) else value
                for key, value in rule.defaults.items()
            }
        return copy

    def _substitute(self, text: str) -> str:
        try:
            return Template(text).substitute(self.context)
        except KeyError as error:
            raise KeyError(f"rule template placeholder ${error.args[0]} has no value") from None
        except ValueError as error:
            raise ValueError(f"malformed rule template {text!r}: {error}") from None
