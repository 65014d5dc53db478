"""Rendering of expressions and statements, each with the exact output Jinja2 gives."""

from __future__ import annotations

from typing import Any

import pytest

from kettle.templates import DictLoader, Environment, Template

CASES = [
    ("text only", "plain text", {}, "plain text"),
    ("variable", "Hello {{ name }}!", {"name": "World"}, "Hello World!"),
    ("undefined prints empty", "[{{ missing }}]", {}, "[]"),
    (
        "int float",
        "{{ 1 + 2 }} {{ 7 / 2 }} {{ 7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }}",
        {},
        "3 3.5 3 1 1024",
    ),
    ("precedence", "{{ 2 + 3 * 4 - -1 }}", {}, "15"),
    ("concat tilde", "{{ 1 ~ 'a' ~ none }}", {}, "1aNone"),
    ("comparison chain", "{{ 1 < 2 < 3 }} {{ 3 < 2 < 4 }}", {}, "True False"),
    ("in not in", "{{ 1 in [1] }} {{ 2 not in [1] }}", {}, "True True"),
    ("logic", "{{ not false and (true or false) }}", {}, "True"),
    ("conditional", "{{ 'y' if x else 'n' }}{{ 'y' if not x else 'n' }}", {"x": 1}, "yn"),
    ("conditional without else", "[{{ 'y' if x }}]", {"x": 0}, "[]"),
    ("attr then item", "{{ d.a }}{{ d['a'] }}{{ o.real }}", {"d": {"a": 1}, "o": 5}, "115"),
    ("dict method beats key", "{{ d.items is defined }}", {"d": {"items": 1}}, "True"),
    ("slices", "{{ s[1:3] }}{{ s[::-1] }}{{ s[:1] }}", {"s": "abcd"}, "bcdcbaa"),
    ("literals", "{{ [1, 'a'] }}{{ (1,) }}{{ {'k': 2}['k'] }}", {}, "[1, 'a'](1,)2"),
    (
        "calls",
        "{{ f(1, *[2], b=3, **{'c': 4}) }}",
        {"f": lambda *a, **k: (a, sorted(k))},
        "((1, 2), ['b', 'c'])",
    ),
    ("filters", "{{ 'abc'|upper|replace('B', '-') }}", {}, "A-C"),
    ("tests", "{{ 3 is odd }}{{ 4 is not odd }}{{ x is defined }}", {}, "TrueTrueFalse"),
    ("if elif else", "{% if a %}A{% elif b %}B{% else %}C{% endif %}", {"b": 1}, "B"),
    ("for else", "{% for x in [] %}x{% else %}empty{% endfor %}", {}, "empty"),
    (
        "for unpack",
        "{% for k, v in d|dictsort %}{{ k }}={{ v }};{% endfor %}",
        {"d": {"b": 2, "a": 1}},
        "a=1;b=2;",
    ),
    (
        "filtered loop",
        "{% for x in range(6) if x is even %}{{ loop.index }}:{{ x }} {% endfor %}",
        {},
        "1:0 2:2 3:4 ",
    ),
    ("set tuple", "{% set a, b = 1, 2 %}{{ b }}{{ a }}", {}, "21"),
    ("block set", "{% set x | upper %}hi {{ 1 }}{% endset %}[{{ x }}]", {}, "[HI 1]"),
    (
        "namespace",
        "{% set ns = namespace(n=0) %}{% for i in [1, 2] %}{% set ns.n = ns.n + i %}{% "
        "endfor %}{{ ns.n }}",
        {},
        "3",
    ),
    ("with", "{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]", {}, "3[]"),
    ("filter block", "{% filter upper %}abc{{ 'd' }}{% endfilter %}", {}, "ABCD"),
    ("raw", "{% raw %}{{ x }}{% endraw %}", {}, "{{ x }}"),
    ("comment", "a{# hidden #}b", {}, "ab"),
    ("whitespace control", "a  {%- if true -%}  b  {%- endif -%}  c", {}, "abc"),
    ("print tag", "{% print 1, 2 %}", {}, "12"),
]


@pytest.mark.parametrize(
    ("source", "context", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_renders_exactly(source: str, context: dict[str, Any], expected: str) -> None:
    assert Environment().from_string(source).render(context) == expected


LOOP_ATTRS = (
    "{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}"
    "{{ loop.revindex0 }}{{ loop.first|int }}{{ loop.last|int }}{{ loop.length }}"
    "{{ loop.previtem|default('-') }}{{ loop.nextitem|default('-') }}"
    "{{ loop.cycle('o', 'e') }}{{ loop.changed(x) }}|{% endfor %}"
)


def test_loop_object() -> None:
    result = Environment().from_string(LOOP_ATTRS).render()
    assert result == "1032103-boTrue|2121003aceTrue|3210013b-oTrue|"


def test_loop_length_of_iterator_is_computed_lazily() -> None:
    template = Environment().from_string("{% for x in it %}{{ loop.length }}{% endfor %}")
    assert template.render(it=iter([1, 2, 3])) == "333"


def test_recursive_loop_with_depth() -> None:
    source = (
        "{% for item in tree recursive %}{{ loop.depth }}{{ item.n }}"
        "{% if item.c %}({{ loop(item.c) }}){% endif %}{% endfor %}"
    )
    tree = [{"n": "a", "c": [{"n": "b", "c": []}, {"n": "c", "c": [{"n": "d"}]}]}]
    assert Environment().from_string(source).render(tree=tree) == "1a(2b2c(3d))"


def test_loop_scoping_matches_jinja() -> None:
    source = "{% set x = 1 %}{% for i in [5] %}{% set x = i %}[{{ x }}]{% endfor %}{{ x }}"
    assert Environment().from_string(source).render() == "[5]1"


def test_if_sets_leak_but_loop_sets_do_not() -> None:
    source = (
        "{% if true %}{% set a = 1 %}{% endif %}{% for i in [1] %}{% set b = 2 %}{% endfor %}{{ "
        "a }}{{ b }}"
    )
    assert Environment().from_string(source).render() == "1"


def test_loop_reads_outer_value_before_its_own_set() -> None:
    source = "{% for i in range(3) %}[{{ x }}]{% set x = i %}{% endfor %}"
    assert Environment().from_string(source).render(x="o") == "[o][o][o]"


def test_autoescape_escapes_values_not_markup() -> None:
    env = Environment(autoescape=True)
    template = env.from_string("{{ s }}|{{ s|safe }}|{{ n }}|{{ f }}|{{ '<lit>' }}")
    assert template.render(s="<a&b>", n=3, f=1.5) == "&lt;a&amp;b&gt;|<a&b>|3|1.5|&lt;lit&gt;"


def test_autoescape_block_toggles() -> None:
    source = "{% autoescape true %}{{ s }}{% endautoescape %}{{ s }}"
    assert Environment().from_string(source).render(s="<") == "&lt;<"


def test_autoescape_callable_by_template_name() -> None:
    env = Environment(
        autoescape=lambda name: name is not None and name.endswith(".html"),
        loader=DictLoader({"a.html": "{{ s }}", "a.txt": "{{ s }}"}),
    )
    assert env.get_template("a.html").render(s="<") == "&lt;"
    assert env.get_template("a.txt").render(s="<") == "<"


def test_finalize_applies_to_every_value() -> None:
    env = Environment(finalize=lambda v: "" if v is None else v)
    assert env.from_string("{{ none }}|{{ 1 }}|{{ x }}").render(x=None) == "|1|"


def test_template_constructor_and_globals() -> None:
    assert Template("{{ range(3)|list }}").render() == "[0, 1, 2]"
    env = Environment()
    env.globals["site"] = "K"
    assert env.from_string("{{ site }}").render() == "K"


def test_generate_and_stream_yield_jinja_sized_pieces() -> None:
    template = Environment().from_string("<ul>{% for i in seq %}<li>{{ i }}</li>{% endfor %}</ul>")
    assert list(template.generate(seq=[1, 2])) == [
        "<ul>",
        "<li>",
        "1",
        "</li>",
        "<li>",
        "2",
        "</li>",
        "</ul>",
    ]
    stream = template.stream(seq=[1, 2])
    stream.enable_buffering(3)
    assert list(stream) == ["<ul><li>1", "</li><li>2", "</li></ul>"]


def test_compile_expression() -> None:
    env = Environment()
    expr = env.compile_expression("a * 2 + b")
    assert expr(a=3, b=1) == 7
    assert env.compile_expression("missing")() is None


def test_keep_trailing_newline_and_newline_sequence() -> None:
    assert Environment().from_string("a\n").render() == "a"
    assert Environment(keep_trailing_newline=True).from_string("a\n").render() == "a\n"
    assert Environment(newline_sequence="\r\n").from_string("a\nb").render() == "a\r\nb"


def test_trim_and_lstrip_blocks() -> None:
    env = Environment(trim_blocks=True, lstrip_blocks=True)
    source = "<ul>\n    {% for i in [1, 2] %}\n  <li>{{ i }}</li>\n    {% endfor %}\n</ul>"
    assert env.from_string(source).render() == "<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>"


def test_line_statements_and_comments() -> None:
    env = Environment(line_statement_prefix="#", line_comment_prefix="##")
    source = "# for i in [1, 2]\n{{ i }} ## note\n# endfor"
    assert env.from_string(source).render() == "1\n2\n"


def test_custom_delimiters() -> None:
    env = Environment("<%", "%>", "${", "}", "<#", "#>")
    assert env.from_string("<% if true %>${ 1 + 1 }<# c #><% endif %>").render() == "2"


LOOP_THEN_SET = "{% for i in [1] %}[{{ x }}]{% endfor %}{% set x = 5 %}{{ x }}"
MACRO_THEN_SET = "{% macro m() %}[{{ x }}]{% endmacro %}{{ m() }}{% set x = 5 %}{{ m() }}"
LOOP_COPY = "{% set x = 5 %}{% for i in [1] %}[{{ x }}]{% set x = i %}{{ x }}{% endfor %}{{ x }}"
IF_ELSE_SET = "{% if c %}{% set x = 2 %}{% else %}{% set x = 3 %}{% endif %}[{{ x }}]"
SCOPING = [
    ("loop reads before top-level set", LOOP_THEN_SET, "[]5"),
    ("top-level read before set", "[{{ x }}]{% set x = 5 %}{{ x }}", "[1]5"),
    ("macro called before set", MACRO_THEN_SET, "[][5]"),
    ("set block before set", "{% set b %}[{{ x }}]{% endset %}{{ b }}{% set x = 5 %}", "[]"),
    ("loop copy of outer", LOOP_COPY, "[5]15"),
    ("conditional set", "{% if c %}{% set x = 1 %}{% endif %}[{{ x }}]", "[1]"),
    ("if-else set", IF_ELSE_SET, "[3]"),
]


@pytest.mark.parametrize(
    ("source", "expected"), [c[1:] for c in SCOPING], ids=[c[0] for c in SCOPING]
)
def test_scoping_matches_jinja(source: str, expected: str) -> None:
    assert Environment().from_string(source).render(x=1, c=False) == expected
