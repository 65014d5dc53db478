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


NATIVE_VALUES: dict[str, Any] = {
    "i": 3,
    "f": 1.5,
    "s": "a b",
    "q": "'x'",
    "l": [1, 2],
    "t": (1, "a"),
    "n": None,
    "b": True,
    "d": {"k": 1},
    "z": "0012",
    "e": "",
    "neg": -1,
    "expr": "1 + 2",
    "lst": "[1, 2]",
}
NATIVE_PIECES = [
    *(f"{{{{ {name} }}}}" for name in NATIVE_VALUES),
    *["{{ 1 }}", "{{ 'x' }}", "{{ [1] }}", " ", ",", "(", ")", "[", "]", "txt", "{{ i + 1 }}"],
    *["{{ l|length }}", "{{ s|upper }}", "{% if b %}{{ i }}{% endif %}", "{{ none }}"],
    *["{% for x in l %}{{ x }}{% endfor %}", "{% set v = i %}{{ v }}", "{{ (1, 2) }}"],
    "{% macro m() %}{{ i }}{% endmacro %}{{ m() }}",
]


def _native_outcome(env: Any, source: str) -> tuple[str, str]:
    try:
        result = env.from_string(source).render(**NATIVE_VALUES)
    except Exception as error:
        return ("error", type(error).__name__)
    return (type(result).__name__, repr(result))


def test_native_matches_jinja2_on_all_piece_pairs() -> None:
    from jinja2.nativetypes import NativeEnvironment as ReferenceEnvironment

    ours, theirs = NativeEnvironment(), ReferenceEnvironment()
    sources = [a + b for a in NATIVE_PIECES for b in ["", *NATIVE_PIECES]]
    differences = [
        (source, _native_outcome(ours, source), _native_outcome(theirs, source))
        for source in sources
    ]
    assert [d for d in differences if d[1] != d[2]] == []
    assert len(sources) == 33 * 34
