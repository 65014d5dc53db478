# ruff: noqa: E501 - template sources are kept on one line each
"""kettle.templates.meta; every expected set/list was produced by jinja2 3.1.6's meta module
from the same template source."""

from __future__ import annotations

import pytest

from kettle.templates import Environment, meta

UNDECLARED: list[tuple[str, str, set[str]]] = [
    ("set-before", "{% set foo = 42 %}{{ bar + foo }}", {"bar"}),
    (
        "macro-for",
        "{% set foo = 42 %}{{ bar + foo }}{% macro meh(x) %}{{ x }}{% endmacro %}{% for item in seq %}{{ muh(item) + meh(seq) }}{% endfor %}",
        {"seq", "bar", "muh"},
    ),
    ("globals", "{% for x in range(5) %}{{ x }}{% endfor %}{{ foo }}", {"foo"}),
    ("load-before-store", "{{ a }}{% set a = 1 %}{{ a }}", {"a"}),
    (
        "loop-sees-later-set",
        "{% for i in s %}{{ later }}{{ loop.index }}{% endfor %}{% set later = 1 %}",
        {"s"},
    ),
    (
        "block",
        "{% set x = 1 %}{% block b %}{{ x }}{{ self.b }}{{ super }}{% endblock %}",
        {"x"},
    ),
    (
        "if-branches",
        "{% if c %}{% set y = 1 %}{% else %}{{ y }}{% endif %}{{ y }}",
        {"y", "c"},
    ),
    (
        "macro-implicit",
        "{% macro m(a, b=d) %}{{ caller() }}{{ varargs }}{{ kwargs }}{{ a }}{{ e }}{% endmacro %}",
        {"d", "e"},
    ),
    (
        "call-block",
        "{% call(row) m(q) %}{{ row }}{{ z }}{% endcall %}",
        {"m", "q", "z"},
    ),
    ("with", "{% with a = b %}{{ a }}{{ c }}{% endwith %}{{ a }}", {"b", "c", "a"}),
    ("filter-block", "{% filter truncate(g) %}{{ h }}{% endfilter %}", {"h", "g"}),
    ("set-block", "{% set v %}{{ w }}{{ v }}{% endset %}", {"w"}),
    (
        "imports",
        "{% import 'a' as a %}{% from t import x, y as z %}{{ a }}{{ x }}{{ z }}{% include n %}",
        {"t", "n"},
    ),
    (
        "namespace",
        "{% set ns = namespace() %}{% set ns.a = b %}{% set other.c = 1 %}",
        {"b", "other"},
    ),
    (
        "for-else-test",
        "{% for i in s if i > k %}{{ i }}{% else %}{{ loop }}{{ i }}{% endfor %}",
        {"i", "loop", "s", "k"},
    ),
    ("recursive", "{% for i in s recursive %}{{ loop(i.c) }}{% endfor %}", {"s"}),
    ("self-root", "{{ self }}", set()),
    ("tuple-unpack", "{% set a, b = c %}{{ a }}{{ b }}", {"c"}),
    (
        "nested-macro-scope",
        "{% macro m() %}{% set q = 1 %}{{ q }}{% endmacro %}{{ q }}",
        {"q"},
    ),
    ("extends", "{% extends base %}{% block c %}{{ v }}{% endblock %}", {"base", "v"}),
]

REFERENCED: list[tuple[str, str, list[str | None]]] = [
    (
        "extends-include",
        '{% extends "layout.html" %}{% include helper %}',
        ["layout.html", None],
    ),
    (
        "lists",
        '{% include ["a.html", "b.html", x, 1] %}{% import "m.html" as m %}{% from "f.html" import g %}',
        ["a.html", "b.html", None, "m.html", "f.html"],
    ),
    ("const-tuple", '{% include ("a.html", "b.html") %}', ["a.html", "b.html"]),
    ("dynamic", '{% extends x ~ ".html" %}', [None]),
]


@pytest.mark.parametrize(
    ("source", "expected"), [c[1:] for c in UNDECLARED], ids=[c[0] for c in UNDECLARED]
)
def test_find_undeclared_variables(source: str, expected: set[str]) -> None:
    assert meta.find_undeclared_variables(Environment().parse(source)) == expected


@pytest.mark.parametrize(
    ("source", "expected"), [c[1:] for c in REFERENCED], ids=[c[0] for c in REFERENCED]
)
def test_find_referenced_templates(source: str, expected: list[str | None]) -> None:
    assert list(meta.find_referenced_templates(Environment().parse(source))) == expected
