"""kettle.templates.nativetypes: templates render to Python values. Every expected value
(and its type) was produced by jinja2 3.1.6's NativeEnvironment from the same template."""

from __future__ import annotations

from typing import Any

import pytest

from kettle.templates.nativetypes import (
    NativeEnvironment,
    NativeTemplate,
    native_concat,
)

CASES: list[tuple[str, str, dict[str, Any], Any]] = [
    ("int", "{{ x }}", {"x": 23}, 23),
    ("list", "{{ x }}", {"x": [1, 2]}, [1, 2]),
    ("sum", "{{ x + y }}", {"x": 1, "y": 2}, 3),
    ("concat-literal", "{{ x }}{{ y }}", {"x": 1, "y": 2}, 12),
    ("string-list", "[{{ x }}, {{ y }}]", {"x": 1, "y": "'a'"}, [1, "a"]),
    ("none", "{{ x }}", {"x": None}, None),
    ("empty", "", {}, None),
    ("text", "hello", {}, "hello"),
    ("string-quoted", "{{ x }}", {"x": "'a'"}, "a"),
    ("dict-literal", "{{ {'a': 1} }}", {}, {"a": 1}),
    ("loop", "{% for i in x %}{{ i }}{% endfor %}", {"x": [1, 2, 3]}, 123),
    ("loop-one", "{% for i in x %}{{ i }}{% endfor %}", {"x": [7]}, 7),
    ("bool", "{{ x > 1 }}", {"x": 2}, True),
    ("spaces", " {{ x }} ", {"x": 4}, " 4 "),
    ("tuple-str", "{{ x }}", {"x": "(1, 2)"}, (1, 2)),
    ("leading-zero", "{{ x }}", {"x": "0123"}, "0123"),
    ("float", "{{ 1.5 }}", {}, 1.5),
    ("filter", "{{ x|sum }}", {"x": [1, 2]}, 3),
    ("join", "{{ x|join(',') }}", {"x": [1, 2]}, (1, 2)),
    ("macro", "{% macro m() %}{{ 42 }}{% endmacro %}{{ m() }}", {}, 42),
    ("if", "{% if x %}{{ 1 }}{% else %}{{ 'a' }}{% endif %}", {"x": True}, 1),
    ("variable-string", "{{ x }}", {"x": "a b"}, "a b"),
]


@pytest.mark.parametrize(
    ("source", "context", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_native_render(source: str, context: dict[str, Any], expected: Any) -> None:
    result = NativeEnvironment().from_string(source).render(**context)
    assert result == expected
    assert type(result) is type(expected)


def test_native_concat() -> None:
    assert native_concat([]) is None
    assert native_concat(iter([5])) == 5
    assert native_concat(["1", "2"]) == 12
    assert native_concat(x for x in ["[1,", " 2]"]) == [1, 2]
    assert native_concat(["a", "b"]) == "ab"


def test_native_template_class() -> None:
    template = NativeTemplate("{{ x * 2 }}")
    assert template.render(x=21) == 42
    assert isinstance(template.environment, NativeEnvironment)
