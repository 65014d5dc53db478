"""Server-pushed HTML: render a template, one of its blocks, or one of its macros to a
fragment, and describe where it goes in the page (``replace``, ``append``, ``prepend``,
``remove`` by element id). ``kettle.js`` applies them in the browser.

Rules:
- A fragment travels as JSON ``{"op": ..., "target": ..., "html": ...}`` (a list of them
  for several at once); as a server-sent event it is ``event: fragment``. The same JSON
  goes over WebSockets, broadcast channels, or a ``fetch`` response.
- ``target`` is an element id: non-empty, no whitespace (what ``getElementById`` takes).
- ``replace`` swaps the whole element (outer HTML), ``append``/``prepend`` insert inside it
  at the end/start, ``remove`` deletes it. HTML is sent as given: render it with an
  autoescaping template, never from raw user input.
- Rendering uses the Jinja-compatible template API (``render``, ``blocks``,
  ``new_context``, ``make_module``), so it works with ``kettle.templates`` templates.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .sse import Event

__all__ = [
    "OPS",
    "Fragment",
    "append",
    "dumps",
    "prepend",
    "remove",
    "render_block",
    "render_macro",
    "replace",
]

OPS = ("replace", "append", "prepend", "remove")


@dataclass(frozen=True, slots=True)
class Fragment:
    """One DOM change: ``op`` on the element whose id is ``target``."""

    op: str
    target: str
    html: str = ""

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ValueError(f"unknown fragment op {self.op!r} (expected one of {OPS})")
        if (
            not isinstance(self.target, str)
            or not self.target
            or self.target.split() != [self.target]
        ):
            raise ValueError(f"fragment target must be an element id, got {self.target!r}")
        if not isinstance(self.html, str):
            raise TypeError(f"fragment html must be str, not {type(self.html).__name__}")

    def to_dict(self) -> dict[str, str]:
        out = {"op": self.op, "target": self.target}
        if self.op != "remove":
            out["html"] = str(self.html)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    def to_event(self) -> Event:
        return Event(self.to_json(), event="fragment")


def replace(target: str, html: str) -> Fragment:
    return Fragment("replace", target, str(html))


def append(target: str, html: str) -> Fragment:
    return Fragment("append", target, str(html))


def prepend(target: str, html: str) -> Fragment:
    return Fragment("prepend", target, str(html))


def remove(target: str) -> Fragment:
    return Fragment("remove", target)


def dumps(fragments: Iterable[Fragment]) -> str:
    """Several fragments as one JSON array (applied in order by the client)."""
    return json.dumps([f.to_dict() for f in fragments], separators=(",", ":"))


def render_block(template: Any, name: str, /, **context: Any) -> str:
    """Render only block ``name`` of ``template`` with ``context``."""
    blocks = getattr(template, "blocks", None)
    if not isinstance(blocks, dict) or name not in blocks:
        raise KeyError(f"template {getattr(template, 'name', template)!r} has no block {name!r}")
    ctx = template.new_context(context)
    return "".join(blocks[name](ctx))


def render_macro(template: Any, name: str, /, *args: Any, **kwargs: Any) -> str:
    """Call macro ``name`` of ``template`` with ``args``/``kwargs``; return its output."""
    module = template.make_module()
    macro = getattr(module, name, None)
    if macro is None or not callable(macro):
        raise KeyError(f"template {getattr(template, 'name', template)!r} has no macro {name!r}")
    return str(macro(*args, **kwargs))
