"""Syntax errors name the template, file and line and say what was expected; runtime
errors have tracebacks pointing at template lines."""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest

from kettle.templates import (
    DictLoader,
    Environment,
    FileSystemLoader,
    TemplateAssertionError,
    TemplateSyntaxError,
    UndefinedError,
)

SYNTAX_CASES = [
    (
        "unclosed for",
        "{% for x in y %}",
        1,
        "Unexpected end of template. Jinja was looking for the following tags: 'endfor' or "
        "'else'. The innermost block that needs to be closed is 'for'.",
    ),
    (
        "wrong end tag",
        "{% if x %}\n{% endfor %}",
        2,
        "Encountered unknown tag 'endfor'. Jinja was looking for the following tags: 'elif' "
        "or 'else' or 'endif'. The innermost block that needs to be closed is 'if'.",
    ),
    (
        "nesting mistake",
        "{% for a in b %}{% if x %}\n\n{% endfor %}",
        3,
        "Encountered unknown tag 'endfor'. You probably made a nesting mistake. Jinja is "
        "expecting this tag, but currently looking for 'elif' or 'else' or 'endif'. The "
        "innermost block that needs to be closed is 'if'.",
    ),
    ("unknown tag", "{% frobnicate %}", 1, "Encountered unknown tag 'frobnicate'."),
    ("missing end", "{{ x ", 1, "unexpected end of template, expected 'end of print statement'."),
    ("bad token", "{{ x y }}", 1, "expected token 'end of print statement', got 'y'"),
    ("unexpected char", "{{ x ! }}", 1, "unexpected char '!' at 5"),
    ("unbalanced", "{{ (1] }}", 1, "unexpected ']', expected ')'"),
    ("empty expression", "{{ }}", 1, "Expected an expression, got 'end of print statement'"),
    (
        "hyphen block",
        "{% block a-b %}{% endblock %}",
        1,
        "Block names in Jinja have to be valid Python identifiers and may not contain "
        "hyphens, use an underscore instead.",
    ),
    ("chained is", "{{ x is a is b }}", 1, "You cannot chain multiple tests with is"),
    ("assign literal", "{% set 1 = 2 %}", 1, "can't assign to 'const'"),
    (
        "defaults order",
        "{% macro m(a=1, b) %}{% endmacro %}",
        1,
        "non-default argument follows default argument",
    ),
    ("unclosed comment", "a\n{# never closed", 2, "Missing end of comment tag"),
    ("unknown filter", "\n{{ x|nofilter }}", 2, "No filter named 'nofilter'."),
    ("unknown test", "{{ x is notatest }}", 1, "No test named 'notatest'."),
]


@pytest.mark.parametrize(
    ("source", "lineno", "message"),
    [c[1:] for c in SYNTAX_CASES],
    ids=[c[0] for c in SYNTAX_CASES],
)
def test_syntax_error_message_and_line(source: str, lineno: int, message: str) -> None:
    env = Environment(loader=DictLoader({"page.html": source}))
    with pytest.raises(TemplateSyntaxError) as info:
        env.get_template("page.html")
    error = info.value
    assert (error.message, error.lineno, error.name) == (message, lineno, "page.html")


def test_str_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "broken.html").write_text("line one\n{% if %}\n", encoding="utf-8")
    env = Environment(loader=FileSystemLoader(str(tmp_path)))
    with pytest.raises(TemplateSyntaxError) as info:
        env.get_template("broken.html")
    assert info.value.filename == str(tmp_path / "broken.html")
    text = "".join(traceback.format_exception(info.value))
    assert f'File "{tmp_path / "broken.html"}", line 2, in template\n    {{% if %}}' in text
    assert text.endswith(
        "TemplateSyntaxError: Expected an expression, got 'end of statement block'\n"
    )


def test_unattached_error_str() -> None:
    error = TemplateSyntaxError("wtf", 42, "a.html")
    assert str(error) == 'wtf\n  File "a.html", line 42'
    assert isinstance(TemplateAssertionError("x", 1), TemplateSyntaxError)


def test_runtime_traceback_points_at_template_line(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("first\n{{ a }}\n{{ fail() }}\n", encoding="utf-8")
    env = Environment(loader=FileSystemLoader(str(tmp_path)))

    def fail() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom") as info:
        env.get_template("page.html").render(a=1, fail=fail)
    frames = traceback.extract_tb(info.value.__traceback__)
    template_frames = [
        (f.filename, f.lineno, f.name) for f in frames if f.filename.endswith("page.html")
    ]
    assert template_frames == [(str(tmp_path / "page.html"), 3, "top-level template code")]


def test_runtime_error_in_block_names_the_block() -> None:
    env = Environment(
        loader=DictLoader({"b.html": "{% block body %}\n\n{{ x.y.z }}{% endblock %}"})
    )
    with pytest.raises(UndefinedError, match="'x' is undefined") as info:
        env.get_template("b.html").render()
    frames = traceback.extract_tb(info.value.__traceback__)
    found = [(f.name, f.lineno) for f in frames if f.filename == "<template>"]
    assert found == [("top-level template code", 1), ("block 'body'", 3)]


@pytest.mark.parametrize(
    ("source", "cause"),
    [
        ("{{ " + "(" * 150 + "1" + ")" * 150 + " }}", "RecursionError"),
        ("{{ x" + ".a" * 300 + " }}", "SyntaxError"),
    ],
    ids=["deep-parentheses", "long-attribute-chain"],
)
def test_absurd_nesting_is_a_syntax_error(source: str, cause: str) -> None:
    with pytest.raises(TemplateSyntaxError) as info:
        Environment().from_string(source)
    assert info.value.message == f"template nesting too deep to compile ({cause})"
