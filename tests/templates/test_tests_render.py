# ruff: noqa: E501 - template sources and expected outputs are kept on one line each
"""Builtin tests (``x is odd``...) rendered through kettle.templates; every expected string
was produced by jinja2 3.1.6 from the same template and context."""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import Markup

from kettle.templates import Environment

CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("odd-even", "{{ 3 is odd }}{{ 3 is even }}{{ 4 is even }}", {}, "TrueFalseTrue"),
    ("divisibleby", "{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}", {}, "TrueFalse"),
    (
        "defined",
        "{{ x is defined }}{{ y is defined }}{{ y is undefined }}",
        {"x": None},
        "TrueFalseTrue",
    ),
    (
        "filter-test",
        "{{ 'upper' is filter }}{{ 'nope' is filter }}{{ 'odd' is test }}{{ 'nope' is test }}",
        {},
        "TrueFalseTrueFalse",
    ),
    (
        "none-boolean",
        "{{ none is none }}{{ 0 is none }}{{ true is boolean }}{{ 1 is boolean }}",
        {},
        "TrueFalseTrueFalse",
    ),
    (
        "true-false",
        "{{ true is true }}{{ 1 is true }}{{ false is false }}{{ 0 is false }}",
        {},
        "TrueFalseTrueFalse",
    ),
    (
        "integer-float",
        "{{ 1 is integer }}{{ true is integer }}{{ 1.0 is float }}{{ 1 is float }}",
        {},
        "TrueFalseTrueFalse",
    ),
    (
        "lower-upper",
        "{{ 'ab' is lower }}{{ 'aB' is lower }}{{ 'AB' is upper }}",
        {},
        "TrueFalseTrue",
    ),
    (
        "string-mapping",
        "{{ 'a' is string }}{{ 1 is string }}{{ {} is mapping }}{{ [] is mapping }}",
        {},
        "TrueFalseTrueFalse",
    ),
    (
        "number",
        "{{ 1 is number }}{{ 1.5 is number }}{{ '1' is number }}{{ x is number }}",
        {"x": 2j},
        "TrueTrueFalseTrue",
    ),
    (
        "sequence-iterable",
        "{{ [] is sequence }}{{ 'a' is sequence }}{{ 1 is sequence }}{{ x is iterable }}{{ 1 is iterable }}",
        {"x": iter([])},
        "TrueTrueFalseTrueFalse",
    ),
    ("callable", "{{ range is callable }}{{ 1 is callable }}", {}, "TrueFalse"),
    (
        "sameas",
        "{{ x is sameas x }}{{ x is sameas y }}{{ none is sameas none }}",
        {"x": [1], "y": [1]},
        "TrueFalseTrue",
    ),
    ("escaped", "{{ x is escaped }}{{ 'a' is escaped }}", {"x": Markup("a")}, "TrueFalse"),
    ("in", "{{ 1 is in [1, 2] }}{{ 'b' is in 'abc' }}{{ 3 is in [1] }}", {}, "TrueTrueFalse"),
    (
        "comparisons",
        "{{ 1 is eq 1 }}{{ 1 is equalto 1 }}{{ 1 is ne 2 }}{{ 2 is gt 1 }}{{ 2 is greaterthan 3 }}{{ 2 is ge 2 }}{{ 1 is lt 2 }}{{ 1 is lessthan 0 }}{{ 1 is le 1 }}|{{ r|select('==', 2)|list }}{{ r|select('!=', 2)|list }}{{ r|select('>=', 2)|list }}{{ r|select('<=', 1)|list }}{{ r|select('<', 1)|list }}{{ r|select('>', 1)|list }}",
        {"r": [0, 1, 2]},
        "TrueTrueTrueTrueFalseTrueTrueFalseTrue|[2][0, 1][2][0, 1][0][2]",
    ),
    (
        "select-with-tests",
        "{{ [1, 2, 3, 4]|select('even')|list }}{{ [1, none, 'a']|reject('none')|list }}",
        {},
        "[2, 4][1, 'a']",
    ),
    ("not-test", "{{ 3 is not odd }}{{ x is not defined }}", {}, "FalseTrue"),
]


@pytest.mark.parametrize(
    ("template", "context", "expected"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_test_renders_like_jinja2(template: str, context: dict[str, Any], expected: str) -> None:
    assert Environment().from_string(template).render(**context) == expected
