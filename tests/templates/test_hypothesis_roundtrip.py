"""Random input never crashes the lexer/parser/compiler: it renders or raises
TemplateSyntaxError (TemplateAssertionError is one), nothing else and never hangs; and
the syntax errors are Jinja2's, message and line (Jinja2 is installed as a peer)."""

from __future__ import annotations

from typing import Any

import jinja2
from hypothesis import given, settings
from hypothesis import strategies as st

import kettle.templates as kettle_templates
from kettle.templates import Environment, TemplateSyntaxError, UndefinedError

ENV = Environment()

# Fragments that combine into plausible (and implausible) templates.
FRAGMENTS = st.sampled_from(
    [
        "{{",
        "}}",
        "{%",
        "%}",
        "{#",
        "#}",
        "-",
        "+",
        " ",
        "\n",
        "x",
        "y",
        "1",
        "2.5",
        "'s'",
        '"q"',
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        ".",
        "|",
        "upper",
        "default",
        "if",
        "else",
        "elif",
        "endif",
        "for",
        "in",
        "endfor",
        "set",
        "=",
        "endset",
        "macro",
        "endmacro",
        "block",
        "endblock",
        "raw",
        "endraw",
        "not",
        "and",
        "or",
        "is",
        "defined",
        "~",
        "*",
        "**",
        "/",
        "//",
        "%",
        "==",
        "<",
        ":",
        "loop",
        "with",
        "endwith",
        "call",
        "filter",
        "endfilter",
        "recursive",
        "\\",
        "@",
        "!",
    ]
)


def attempt(source: str) -> None:
    try:
        template = ENV.from_string(source)
    except TemplateSyntaxError:
        return
    try:
        result = template.render(x=[1, 2], y={"a": 1})
    except (UndefinedError, TypeError, ValueError, ZeroDivisionError, OverflowError):
        # Runtime errors of a valid template are the template's, not the engine's.
        return
    assert isinstance(result, str)


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENTS, max_size=30).map("".join))
def test_fragment_soup_renders_or_raises_syntax_error(source: str) -> None:
    attempt(source)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_arbitrary_text_renders_or_raises_syntax_error(source: str) -> None:
    attempt(source)


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="{}%#"),
        max_size=60,
    )
)
def test_text_without_delimiters_renders_verbatim(text: str) -> None:
    assert Environment(keep_trailing_newline=True).from_string(text).render() == text.replace(
        "\r\n", "\n"
    ).replace("\r", "\n")


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.integers(-1000, 1000) | st.text(max_size=5),
        lambda c: st.lists(c, max_size=3),
        max_leaves=8,
    )
)
def test_literals_round_trip_through_expressions(value: object) -> None:
    assert ENV.compile_expression(repr(value))() == value


def compile_outcome(module: Any, source: str, **options: Any) -> tuple[str, ...]:
    try:
        module.Environment(**options).from_string(source)
    except Exception as e:
        return (type(e).__name__, str(e), str(getattr(e, "lineno", None)))
    return ("ok",)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(FRAGMENTS, max_size=25).map("".join), st.booleans())
def test_syntax_errors_match_jinja2_exactly(source: str, trim: bool) -> None:
    options = {"trim_blocks": trim, "lstrip_blocks": trim}
    assert compile_outcome(kettle_templates, source, **options) == compile_outcome(
        jinja2, source, **options
    )
