"""The per-render fixed cost paths: the context's lazy eval context, the merge of the
globals, the context class call, the template lookup shortcut and the cache's lock-free
read. Each behaves exactly as the general path it shortcuts."""

from __future__ import annotations

from collections import ChainMap
from typing import Any

import pytest

from kettle.templates import DictLoader, Environment, Template
from kettle.templates.nodes import EvalContext
from kettle.templates.runtime import Context, new_context
from kettle.templates.utils import LRUCache


def test_eval_context_is_made_on_first_read_with_the_template_name() -> None:
    names: list[str | None] = []

    def autoescape(name: str | None) -> bool:
        names.append(name)
        return name == "a.html"

    env = Environment(autoescape=autoescape, loader=DictLoader({"a.html": "{{ s }}"}))
    template = env.get_template("a.html")
    names.clear()
    context = template.new_context({"s": "<"})
    assert names == []
    eval_ctx = context.eval_ctx
    assert isinstance(eval_ctx, EvalContext)
    assert (eval_ctx.autoescape, eval_ctx.volatile, eval_ctx.environment) == (True, False, env)
    assert context.eval_ctx is eval_ctx
    assert names == ["a.html"]


def test_eval_context_can_be_assigned_and_is_shared_by_derived_contexts() -> None:
    env = Environment()
    context = env.from_string("").new_context()
    replacement = EvalContext(env)
    context.eval_ctx = replacement
    assert context.eval_ctx is replacement
    assert context.derived({"x": 1}).eval_ctx is replacement
    assert Context.eval_ctx is Context.__dict__["eval_ctx"]


def test_pass_eval_context_and_volatile_autoescape_read_the_lazy_eval_context() -> None:
    env = Environment(autoescape=True)
    env.filters["mode"] = lambda value: value
    source = "{{ s|replace('x', '<') }}|{% autoescape flag %}{{ s }}{% endautoescape %}|{{ s }}"
    template = env.from_string(source)
    assert template.render(s="x&", flag=False) == "&lt;&amp;|x&|x&amp;"
    assert template.render(s="x&", flag=True) == "&lt;&amp;|x&amp;|x&amp;"


@pytest.mark.parametrize(
    ("template_globals", "render_vars", "expected"),
    [
        ({}, {}, "env|env|env"),
        ({"b": "tpl", "c": "tpl"}, {}, "env|tpl|tpl"),
        ({"b": "tpl", "c": "tpl"}, {"c": "arg"}, "env|tpl|arg"),
    ],
    ids=["environment-only", "template-over-environment", "argument-over-both"],
)
def test_globals_merge_in_chain_order(
    template_globals: dict[str, str], render_vars: dict[str, str], expected: str
) -> None:
    env = Environment(loader=DictLoader({"t": "{{ a }}|{{ b }}|{{ c }}"}))
    env.globals.update(a="env", b="env", c="env")
    template = env.get_template("t", globals=template_globals)
    assert isinstance(template.globals, ChainMap) and len(template.globals.maps) == 2
    assert template.render(render_vars) == expected
    assert template.render(**render_vars) == expected


def test_globals_of_other_shapes_still_merge() -> None:
    env = Environment()
    three_layers = ChainMap({"a": 1}, {"a": 2, "b": 2}, {"a": 3, "b": 3, "c": 3})
    context = new_context(env, None, {}, {"c": 0}, False, three_layers)
    assert context.parent == {"a": 1, "b": 2, "c": 0}
    context = new_context(env, None, {}, {"c": 0}, False, {"a": 1, "c": 1})
    assert context.parent == {"a": 1, "c": 0}
    context = new_context(env, None, {}, None, False, None)
    assert context.parent == {}


def test_a_context_subclass_still_gets_globals_by_keyword() -> None:
    received: dict[str, Any] = {}

    class KeywordContext(Context):
        def __init__(self, *args: Any, globals: Any = None) -> None:
            received["globals"] = globals
            super().__init__(*args, globals=globals)

    env = Environment()
    env.context_class = KeywordContext
    template = env.from_string("{{ x }}")
    assert template.render(x=1) == "1"
    assert received["globals"] is template.globals


def test_template_lookup_shortcut_keeps_overrides_and_parents() -> None:
    calls: list[tuple[Any, ...]] = []

    class Tracing(Environment):
        def get_template(self, name: Any, parent: Any = None, globals: Any = None) -> Template:
            calls.append((name, parent))
            return super().get_template(name, parent, globals)

        def join_path(self, template: str, parent: str) -> str:
            return f"{parent.rpartition('/')[0]}/{template}"

    loader = DictLoader({"a": "A", "d/b": "B"})
    plain = Environment(loader=loader)
    assert plain.get_or_select_template("a") is plain.get_template("a")
    assert plain.get_or_select_template("a").render() == "A"
    tracing = Tracing(loader=loader)
    assert tracing.get_or_select_template("a").render() == "A"
    assert tracing.get_or_select_template("b", parent="d/x").render() == "B"
    assert calls == [("a", None), ("b", "d/x")]
    assert plain.get_or_select_template("a", parent="d/x").render() == "A"


def test_template_lookup_with_globals_updates_the_cached_template() -> None:
    env = Environment(loader=DictLoader({"a": "{{ g }}"}))
    first = env.get_or_select_template("a", globals={"g": 1})
    assert env.get_or_select_template("a", globals={"g": 2}) is first
    assert first.render() == "2"


def test_lru_cache_get_reorders_like_getitem() -> None:
    cache = LRUCache(3)
    cache["a"], cache["b"], cache["c"] = 1, 2, 3
    assert cache.get("c") == 3  # already the most recent: nothing moves
    assert cache.keys() == ["c", "b", "a"]
    assert cache.get("a") == 1
    assert cache.keys() == ["a", "c", "b"]
    assert cache.get("z") is None and cache.get("z", 0) == 0
    assert cache.keys() == ["a", "c", "b"]
    del cache["a"]
    assert cache.get("a", "gone") == "gone"
    assert LRUCache(2).get("a", "empty") == "empty"


def test_lru_cache_subclass_get_reads_through_its_getitem() -> None:
    class Counting(LRUCache):
        reads = 0

        def __getitem__(self, key: Any) -> Any:
            type(self).reads += 1
            return super().__getitem__(key)

    cache = Counting(2)
    cache["a"] = 1
    assert cache.get("a") == 1 and cache.get("b", 2) == 2
    assert Counting.reads == 2
