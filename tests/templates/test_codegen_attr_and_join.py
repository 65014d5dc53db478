"""Code generation shortcuts, each exactly the general path's behaviour: ``a.b`` on an
object reads the attribute inline (``Environment.getattr`` is only asked for its item
fallback), and the coarse form joins what a block, an include or the parent template
renders into one piece instead of passing each piece up through ``yield from``; an
autoescaped local name is read again instead of through a temporary; and preamble
bindings no generated line reads are dropped."""

from __future__ import annotations

import traceback
from typing import Any

import pytest
from markupsafe import Markup

from kettle.templates import DictLoader, Environment, UndefinedError
from kettle.templates.nativetypes import NativeEnvironment
from kettle.templates.runtime import missing
from kettle.templates.sandbox import SandboxedEnvironment


class Row:
    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


class Reads:
    """An attribute that raises AttributeError, and item access: counts both."""

    def __init__(self) -> None:
        self.property_reads = 0
        self.item_reads: list[str] = []

    @property
    def broken(self) -> str:
        self.property_reads += 1
        raise AttributeError("broken")

    def __getitem__(self, key: str) -> str:
        self.item_reads.append(key)
        if key == "broken":
            return "item"
        raise KeyError(key)


def test_attribute_read_is_inline_and_falls_back_to_the_environment() -> None:
    env = Environment()
    code = env.compile("{{ f.id }}", raw=True)
    assert "getattr(_g, 'id', no_attribute)" in code
    assert "environment._getattr_fallback(_g, 'id')" in code


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Row(id=7), "7"),
        ({"id": 8}, "8"),
        ({"x": 1}, ""),
        (Row(x=1), ""),
        (3, ""),
    ],
    ids=["object", "dict", "dict-without-key", "object-without-attribute", "int"],
)
def test_attribute_read_results(value: Any, expected: str) -> None:
    env = Environment(autoescape=True)
    assert env.from_string("{{ f.id }}").render(f=value) == expected


def test_attribute_that_raises_attribute_error_is_read_once_then_item() -> None:
    reads = Reads()
    env = Environment()
    assert env.from_string("{{ r.broken }}|{{ r.absent }}").render(r=reads) == "item|"
    assert reads.property_reads == 1
    assert reads.item_reads == ["broken", "absent"]


def test_attribute_whose_value_is_the_missing_sentinel() -> None:
    env = Environment()
    holder = Row(value=missing)
    assert env.from_string("{{ h.value }}").render(h=holder) == "missing"  # as Jinja2 renders


def test_undefined_attribute_chain_fails_as_before() -> None:
    env = Environment()
    assert env.from_string("{{ a.b.c is undefined }}").render(a=Row(b=Row())) == "True"
    with pytest.raises(Exception, match="has no attribute 'c'"):
        env.from_string("{{ a.b.c.d }}").render(a=Row(b=Row()))


def test_sandbox_keeps_its_own_getattr() -> None:
    env = SandboxedEnvironment()
    code = env.compile("{{ f.id }}", raw=True)
    assert "environment.getattr(" in code and "no_attribute" not in code.split("\n", 1)[1]
    assert env.from_string("{{ f.id }}").render(f=Row(id=1)) == "1"


LIBRARY = {
    "base.html": "<b>{% block head %}H{% endblock %}|{% block body %}{% endblock %}</b>",
    "child.html": (
        '{% extends "base.html" %}{% block body %}{% for r in rows %}'
        '{{ r.id }}<{{ r.m }}>{% include "inc.html" %}{% endfor %}'
        "{{ super() }}{% endblock %}"
    ),
    "inc.html": "[{{ r.id }}]",
}


def test_coarse_form_joins_called_render_functions() -> None:
    env = Environment(loader=DictLoader(LIBRARY), autoescape=True)
    coarse = env.compile(LIBRARY["child.html"], raw=True)
    assert "yield ''.join(parent_template.root_render_func(context))" in coarse
    assert "yield from" not in coarse
    base = env.compile(LIBRARY["base.html"], raw=True)
    assert "yield ''.join(context.blocks['body'][0](context))" in base


def test_coarse_and_fine_forms_render_alike() -> None:
    env = Environment(loader=DictLoader(LIBRARY), autoescape=True)
    rows = [Row(id=1, m="<x>"), {"id": 2, "m": "&"}]
    expected = "<b>H|1<&lt;x&gt;>[1]2<&amp;>[2]</b>"
    template = env.get_template("child.html")
    assert template.render(rows=rows) == expected
    pieces = list(template.generate(rows=rows))
    assert "".join(pieces) == expected
    assert pieces[:3] == ["<b>", "H", "|"]


def test_native_environment_keeps_yield_from() -> None:
    env = NativeEnvironment(loader=DictLoader({"base": "{% block b %}{% endblock %}"}))
    code = env.compile('{% extends "base" %}{% block b %}{{ x }}{% endblock %}', raw=True)
    assert "yield from" in code
    template = env.from_string('{% extends "base" %}{% block b %}{{ x }}{% endblock %}')
    assert template.render(x=[1, 2]) == [1, 2]


class Html:
    def __html__(self) -> str:
        return "<i>html</i>"


def test_autoescaped_local_name_is_read_without_a_temporary() -> None:
    env = Environment(autoescape=True)
    code = env.compile("{% for a, b in rows %}{{ a }}{{ b.c }}{% endfor %}", raw=True)
    assert "(escape_str(l_1_a) if (_t := type(l_1_a)) is str else l_1_a if _t is int" in code
    assert "escape_str(_o) if (_t := type(_o := (_g['c']" in code


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<s>", "&lt;s&gt;"),
        (3, "3"),
        (True, "True"),
        (1.5, "1.5"),
        (Markup("<m>"), "<m>"),
        (Html(), "<i>html</i>"),
        (None, "None"),
    ],
    ids=["str", "int", "bool", "float", "markup", "html-object", "none"],
)
def test_autoescaped_values_through_a_local_name(value: Any, expected: str) -> None:
    env = Environment(autoescape=True)
    template = env.from_string("{% for v in values %}{{ v }}|{% endfor %}")
    assert template.render(values=[value, value]) == f"{expected}|{expected}|"


def preamble(code: str) -> list[str]:
    """The preamble bindings of the generated module, in order."""
    names = ("resolve", "undefined", "concat", "cond_expr_undefined", "getattr_", "getitem_")
    lines = [line.strip() for line in code.splitlines()]
    return [line for line in lines if line.startswith(names) and " = " in line]


@pytest.mark.parametrize(
    ("source", "kept", "expected"),
    [
        ("text", [], "text"),
        ("{{ x }}", ["resolve = context.resolve"], "1"),
        (
            "{{ x[0] }}{{ 1 if false }}",
            [
                "resolve = context.resolve",
                "cond_expr_undefined = Undefined",
                "getitem_ = environment.getitem",
            ],
            "",
        ),
        (
            "{% set s %}{{ x }}{% endset %}{{ s }}",
            ["resolve = context.resolve", "concat = environment.concat"],
            "1",
        ),
        ("{% macro m() %}{{ caller() }}{% endmacro %}{{ m() }}", None, None),
        (
            "concat undefined",
            ["concat = environment.concat", "undefined = environment.undefined"],
            None,
        ),
    ],
    ids=["text-only", "name", "getitem-and-cond", "set-block", "macro", "name-in-text-kept"],
)
def test_unused_preamble_bindings_are_dropped(
    source: str, kept: list[str] | None, expected: str | None
) -> None:
    env = Environment()
    code = env.compile(source, raw=True)
    if kept is not None:
        assert sorted(preamble(code)) == sorted(kept)
    if expected is not None:
        assert env.from_string(source).render(x=1) == expected


def test_dropped_preamble_keeps_traceback_lines() -> None:
    env = Environment(loader=DictLoader({"t.html": "a\nb\n{{ x.y.z.w }}"}))
    with pytest.raises(UndefinedError, match="has no attribute 'z'") as info:
        env.get_template("t.html").render(x={"y": {}})
    last = traceback.extract_tb(info.value.__traceback__)[-1]
    assert (last.filename, last.lineno, last.name) == ("<template>", 3, "top-level template code")
