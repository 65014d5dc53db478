"""Differential tests: kettle's text filters against jinja2 3.1.6's on random input.

Jinja2 is installed in the venv as a peer (src/kettle never imports it); here it is the
oracle. Inputs mix letters, spaces, newlines, punctuation, URL and e-mail fragments and
HTML specials, so urlize, title, wordwrap, indent and friends meet their edge cases.
"""

from __future__ import annotations

from typing import Any

import jinja2
import jinja2.filters as jf
import jinja2.utils as ju
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from kettle.templates import Environment
from kettle.templates import filters as kf
from kettle.templates import utils as ku

FRAGMENTS = st.sampled_from(
    [
        "http://",
        "https://",
        "www.",
        "example.com",
        ".org",
        "@",
        "mailto:",
        "a@b.co",
        "(",
        ")",
        "<",
        ">",
        "&",
        "&lt;",
        '"',
        "'",
        ".",
        ",",
        "-",
        " ",
        "  ",
        "\n",
        "\t",
        "/x?y=1#z",
        "[",
        "]",
        "{",
        "A",
        "é",
        "word",
        "WORD",
        "x" * 12,
        "1.5",
        "0x1A",
        "<p>",
        "</p>",
        "<!-- c -->",
    ]
)
TEXT = st.lists(st.one_of(FRAGMENTS, st.text(max_size=4)), max_size=12).map("".join)
SETTINGS = settings(max_examples=150, deadline=None)

K_ENV = Environment()
J_ENV = jinja2.Environment()


def same(kettle: Any, reference: Any) -> None:
    assert type(kettle) is type(reference)
    if isinstance(kettle, float):  # nan != nan: compare the text
        assert repr(kettle) == repr(reference)
    else:
        assert kettle == reference


@SETTINGS
@given(TEXT, st.none() | st.integers(min_value=0, max_value=30))
def test_urlize(text: str, limit: int | None) -> None:
    same(ku.urlize(text, limit), ju.urlize(text, limit))
    same(
        ku.urlize(text, rel="nofollow", target="_blank", extra_schemes=["ftp://"]),
        ju.urlize(text, rel="nofollow", target="_blank", extra_schemes=["ftp://"]),
    )


@SETTINGS
@given(TEXT)
def test_text_filters(text: str) -> None:
    same(kf.do_title(text), jf.do_title(text))
    same(kf.do_capitalize(text), jf.do_capitalize(text))
    same(kf.do_wordcount(text), jf.do_wordcount(text))
    same(kf.do_striptags(text), jf.do_striptags(text))
    same(kf.do_forceescape(text), jf.do_forceescape(text))
    same(kf.do_urlencode(text), jf.do_urlencode(text))
    same(kf.do_int(text, 7), jf.do_int(text, 7))
    same(kf.do_float(text, 0.5), jf.do_float(text, 0.5))
    same(kf.do_trim(text), jf.do_trim(text))
    same(ku.escape_text(text), str(jf.escape(text)))
    same(ku.escape_markup(text), jf.escape(text))


@SETTINGS
@given(
    TEXT,
    st.integers(min_value=0, max_value=6) | st.sampled_from(["", ">", "\t"]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_indent(text: str, width: int | str, first: bool, blank: bool, markup: bool) -> None:
    value = Markup(text) if markup else text
    same(kf.do_indent(value, width, first, blank), jf.do_indent(value, width, first, blank))


@SETTINGS
@given(
    TEXT,
    st.integers(min_value=3, max_value=30),
    st.booleans(),
    st.sampled_from(["...", "", "~"]),
    st.integers(min_value=0, max_value=6),
)
def test_truncate(text: str, length: int, killwords: bool, end: str, leeway: int) -> None:
    same(
        kf.do_truncate(K_ENV, text, length, killwords, end, leeway),
        jf.do_truncate(J_ENV, text, length, killwords, end, leeway),
    )


@SETTINGS
@given(TEXT, st.integers(min_value=1, max_value=20), st.booleans(), st.booleans())
def test_wordwrap(text: str, width: int, break_long: bool, hyphens: bool) -> None:
    same(
        kf.do_wordwrap(K_ENV, text, width, break_long, None, hyphens),
        jf.do_wordwrap(J_ENV, text, width, break_long, None, hyphens),
    )


@SETTINGS
@given(
    st.lists(st.one_of(TEXT, st.integers(), st.builds(Markup, TEXT)), max_size=6),
    st.sampled_from(["", ", ", "<&>", Markup("<br>")]),
    st.booleans(),
)
def test_join_through_templates(items: list[Any], separator: str, autoescape: bool) -> None:
    source = "{{ items|join(sep) }}|{{ items|map('string')|list|length }}"
    kettle = Environment(autoescape=autoescape).from_string(source)
    reference = jinja2.Environment(autoescape=autoescape).from_string(source)
    same(kettle.render(items=items, sep=separator), reference.render(items=items, sep=separator))


@SETTINGS
@given(st.integers(min_value=-(10**30), max_value=10**30), st.booleans())
def test_filesizeformat(size: int, binary: bool) -> None:
    same(kf.do_filesizeformat(size, binary), jf.do_filesizeformat(size, binary))


WORDS = st.sampled_from(["a", "B", "b", "A", "c", "", "é", "Z"])
ITEMS = st.lists(
    st.fixed_dictionaries(
        {"k": WORDS, "n": st.integers(-3, 3)}, optional={"o": st.integers(0, 2)}
    ),
    max_size=8,
)
SEQUENCE_SOURCES = [
    "{{ xs|sort(attribute='k')|map(attribute='n')|list }}",
    "{{ xs|sort(attribute='k,n', reverse=true)|map(attribute='k')|join(',') }}",
    "{{ xs|sort(attribute='k', case_sensitive=true)|map(attribute='k')|join }}",
    "{% for g, items in xs|groupby('k') %}{{ g }}={{ items|map(attribute='n')|sum }};{% endfor %}",
    "{% for g, items in xs|groupby('o', default=9) %}{{ g }}:{{ items|length }};{% endfor %}",
    "{{ xs|groupby('k', case_sensitive=true)|map('first')|list }}",
    "{{ xs|unique(attribute='k')|map(attribute='k')|list }}",
    "{{ xs|unique(attribute='k', case_sensitive=true)|list|length }}",
    "{{ xs|min(attribute='k') }}|{{ xs|max(attribute='n') }}",
    "{{ xs|selectattr('n', 'gt', 0)|map(attribute='n')|list }}",
    "{{ xs|rejectattr('o')|list|length }}|{{ xs|selectattr('o', 'defined')|list|length }}",
    "{{ xs|map(attribute='o', default='-')|join }}",
    "{{ xs|batch(3, '.')|map('length')|list }}|{{ xs|slice(3)|map('length')|list }}",
    "{{ xs|map(attribute='k')|map('upper')|reverse|list }}",
    "{{ xs|map(attribute='n')|select('odd')|list }}|{{ xs|sum(attribute='n', start=10) }}",
    "{{ xs|first }}|{{ xs|last }}|{{ xs|length }}",
]


def render_or_error(env: Any, source: str, xs: list[dict[str, Any]]) -> str:
    try:
        return str(env.from_string(source).render(xs=xs))
    except Exception as error:  # both engines must fail the same way (e.g. empty min)
        return type(error).__name__


@SETTINGS
@given(ITEMS, st.sampled_from(SEQUENCE_SOURCES), st.booleans())
def test_sequence_filters_through_templates(
    xs: list[dict[str, Any]], source: str, autoescape: bool
) -> None:
    assert render_or_error(Environment(autoescape=autoescape), source, xs) == render_or_error(
        jinja2.Environment(autoescape=autoescape), source, xs
    )
