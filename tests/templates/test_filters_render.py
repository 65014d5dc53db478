# ruff: noqa: E501 - template sources and expected outputs are kept on one line each
"""Builtin filters rendered through kettle.templates; every expected string was produced
by jinja2 3.1.6 from the same template and context."""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import Markup

from kettle.templates import Environment

CASES: list[tuple[str, str, dict[str, Any], bool, str]] = [
    ("abs", "{{ -3|abs }}", {}, False, "3"),
    ("attr", "{{ x|attr('real') }}", {"x": 3}, False, "3"),
    (
        "batch",
        "{{ r|batch(3, 'x')|list }}",
        {"r": range(7)},
        False,
        "[[0, 1, 2], [3, 4, 5], [6, 'x', 'x']]",
    ),
    ("capitalize", "{{ 'hELLO world'|capitalize }}", {}, False, "Hello world"),
    ("center", "[{{ 'ab'|center(7) }}]", {}, False, "[   ab  ]"),
    ("count", "{{ [1,2,3]|count }}", {}, False, "3"),
    (
        "default",
        "{{ missing|default('d') }}|{{ ''|d('e', true) }}|{{ 0|default(5) }}",
        {},
        False,
        "d|e|0",
    ),
    (
        "dictsort",
        "{{ d|dictsort }}|{{ d|dictsort(by='value', reverse=true) }}",
        {"d": {"b": 1, "A": 3, "c": 2}},
        False,
        "[('A', 3), ('b', 1), ('c', 2)]|[('A', 3), ('c', 2), ('b', 1)]",
    ),
    (
        "dictsort-case",
        "{{ d|dictsort(true) }}",
        {"d": {"b": 1, "A": 3, "c": 2}},
        False,
        "[('A', 3), ('b', 1), ('c', 2)]",
    ),
    (
        "escape",
        "{{ '<a&\"\\'>'|e }}|{{ '<b>'|escape }}",
        {},
        False,
        "&lt;a&amp;&#34;&#39;&gt;|&lt;b&gt;",
    ),
    (
        "filesizeformat",
        "{{ 100|filesizeformat }}|{{ 1|filesizeformat }}|{{ 1000|filesizeformat }}|{{ 1000000|filesizeformat }}|{{ 1024|filesizeformat(true) }}|{{ big|filesizeformat }}",
        {"big": 10**30},
        False,
        "100 Bytes|1 Byte|1.0 kB|1.0 MB|1.0 KiB|1000000.0 YB",
    ),
    (
        "first-last",
        "{{ [4,5,6]|first }}{{ [4,5,6]|last }}|{{ []|first }}|{{ 'abc'|last }}",
        {},
        False,
        "46||c",
    ),
    ("float", "{{ '3.5'|float }}|{{ 'x'|float }}|{{ 'x'|float(1.5) }}", {}, False, "3.5|0.0|1.5"),
    ("forceescape", "{{ x|forceescape }}", {"x": Markup("<b>")}, True, "&lt;b&gt;"),
    ("format", "{{ '%s-%d'|format('a', 3) }}|{{ '%(k)s'|format(k='v') }}", {}, False, "a-3|v"),
    (
        "groupby",
        "{% for g, items in users|groupby('city') %}{{ g }}:{{ items|map(attribute='name')|join(',') }};{% endfor %}",
        {
            "users": [
                {"name": "a", "city": "X"},
                {"name": "b", "city": "y"},
                {"name": "c", "city": "x"},
            ]
        },
        False,
        "X:a,c;y:b;",
    ),
    (
        "groupby-default",
        "{{ users|groupby('city', default='?')|map('first')|list }}",
        {"users": [{"name": "a"}, {"name": "b", "city": "Z"}]},
        False,
        "['?', 'Z']",
    ),
    (
        "groupby-case",
        "{{ users|groupby('city', case_sensitive=true)|map('first')|list }}",
        {"users": [{"city": "b"}, {"city": "B"}, {"city": "a"}]},
        False,
        "['B', 'a', 'b']",
    ),
    (
        "indent",
        "{{ 'a\nb\n\nc'|indent }}|{{ 'a\nb\n\nc'|indent(2, true, true) }}|{{ 'a\nb'|indent('>') }}",
        {},
        False,
        "a\n    b\n\n    c|  a\n  b\n  \n  c|a\n>b",
    ),
    (
        "int",
        "{{ '42'|int }}|{{ '42.7'|int }}|{{ 'x'|int(7) }}|{{ '0x1A'|int(base=16) }}|{{ 3.9|int }}",
        {},
        False,
        "42|42|7|26|3",
    ),
    (
        "join",
        "{{ [1,2,3]|join('|') }}|{{ users|join(', ', attribute='name') }}",
        {"users": [{"name": "a"}, {"name": "b"}]},
        False,
        "1|2|3|a, b",
    ),
    (
        "join-escape",
        "{{ ['<a>', x]|join('&') }}|{{ ['<a>', '<b>']|join }}",
        {"x": Markup("<i>")},
        True,
        "&lt;a&gt;&amp;<i>|&lt;a&gt;&lt;b&gt;",
    ),
    ("length", "{{ 'abc'|length }}{{ {'a':1}|length }}", {}, False, "31"),
    ("list", "{{ 'abc'|list }}", {}, False, "['a', 'b', 'c']"),
    ("lower-upper", "{{ 'AbC'|lower }}{{ 'AbC'|upper }}", {}, False, "abcABC"),
    (
        "items",
        "{{ d|items|list }}|{{ missing|items|list }}",
        {"d": {"a": 1, "b": 2}},
        False,
        "[('a', 1), ('b', 2)]|[]",
    ),
    (
        "map",
        "{{ ['a','b']|map('upper')|join }}|{{ users|map(attribute='age', default=0)|list }}|{{ [1.5, 2.25]|map('round', 1)|list }}",
        {"users": [{"age": 3}, {}]},
        False,
        "AB|[3, 0]|[1.5, 2.2]",
    ),
    (
        "min-max",
        "{{ [3,1,2]|min }}{{ [3,1,2]|max }}|{{ ['B','a','C']|min }}|{{ ['B','a','C']|max(case_sensitive=true) }}|{{ users|max(attribute='age') }}|{{ []|min }}",
        {"users": [{"age": 3}, {"age": 9}]},
        False,
        "13|a|a|{'age': 9}|",
    ),
    ("pprint", "{{ d|pprint }}", {"d": {"b": [1, 2], "a": "x"}}, False, "{'a': 'x', 'b': [1, 2]}"),
    (
        "reject-select",
        "{{ r|select('odd')|list }}|{{ r|reject('odd')|list }}|{{ [0,1,'',2]|select|list }}|{{ r|select('divisibleby', 3)|list }}|{{ r|select('>', 3)|list }}",
        {"r": range(7)},
        False,
        "[1, 3, 5]|[0, 2, 4, 6]|[1, 2]|[0, 3, 6]|[4, 5, 6]",
    ),
    (
        "selectattr",
        "{{ users|selectattr('on')|map(attribute='n')|list }}|{{ users|rejectattr('on')|map(attribute='n')|list }}|{{ users|selectattr('n', 'equalto', 'b')|list }}",
        {"users": [{"n": "a", "on": True}, {"n": "b", "on": False}]},
        False,
        "['a']|['b']|[{'n': 'b', 'on': False}]",
    ),
    (
        "replace",
        "{{ 'aaa'|replace('a', 'b', 2) }}|{{ 'a<b'|replace('<', '&') }}",
        {},
        False,
        "bba|a&b",
    ),
    (
        "replace-escape",
        "{{ 'a<b'|replace('<', x) }}|{{ y|replace('b', '<') }}",
        {"x": Markup("<i>"), "y": Markup("<b>")},
        True,
        "a&lt;b|<&lt;>",
    ),
    (
        "reverse",
        "{{ 'abc'|reverse }}|{{ [1,2,3]|reverse|list }}|{{ r|reverse|list }}",
        {"r": iter([1, 2])},
        False,
        "cba|[3, 2, 1]|[2, 1]",
    ),
    (
        "round",
        "{{ 2.5|round }}|{{ 3.14159|round(2) }}|{{ 2.1|round(0, 'ceil') }}|{{ 2.19|round(1, 'floor') }}|{{ 42|round }}",
        {},
        False,
        "2.0|3.14|3.0|2.1|42",
    ),
    ("safe", "{{ '<b>'|safe }}{{ '<b>' }}", {}, True, "<b>&lt;b&gt;"),
    (
        "slice",
        "{{ r|slice(3)|list }}|{{ r|slice(3, 'x')|list }}",
        {"r": range(7)},
        False,
        "[[0, 1, 2], [3, 4], [5, 6]]|[[0, 1, 2], [3, 4, 'x'], [5, 6, 'x']]",
    ),
    (
        "sort",
        "{{ ['b','A','c']|sort }}|{{ ['b','A','c']|sort(case_sensitive=true) }}|{{ [3,1,2]|sort(reverse=true) }}|{{ users|sort(attribute='age,name')|map(attribute='name')|join }}",
        {"users": [{"age": 2, "name": "z"}, {"age": 1, "name": "y"}, {"age": 2, "name": "x"}]},
        False,
        "['A', 'b', 'c']|['A', 'b', 'c']|[3, 2, 1]|yxz",
    ),
    ("string", "{{ 3|string }}{{ x|string }}", {"x": Markup("<b>")}, True, "3<b>"),
    ("striptags", "{{ '<p>a  <b>b</b>\n c</p>'|striptags }}", {}, False, "a b c"),
    (
        "sum",
        "{{ [1,2,3]|sum }}|{{ [1,2]|sum(start=10) }}|{{ users|sum(attribute='age') }}",
        {"users": [{"age": 2}, {"age": 5}]},
        False,
        "6|13|7",
    ),
    (
        "title",
        "{{ 'hello wORLD-foo (bar) [baz] <q'|title }}",
        {},
        False,
        "Hello World-Foo (Bar) [Baz] <Q",
    ),
    ("trim", "[{{ '  a b  '|trim }}][{{ 'xxaxx'|trim('x') }}]", {}, False, "[a b][a]"),
    (
        "truncate",
        "{{ 'foo bar baz qux'|truncate(9) }}|{{ 'foo bar baz qux'|truncate(9, true) }}|{{ 'foo bar baz qux'|truncate(11, false, '..', 0) }}|{{ 'short'|truncate(3, leeway=5) }}",
        {},
        False,
        "foo...|foo ba...|foo bar..|short",
    ),
    (
        "unique",
        "{{ ['a','A','b','a']|unique|list }}|{{ ['a','A','b']|unique(true)|list }}|{{ users|unique(attribute='x')|list }}",
        {"users": [{"x": 1}, {"x": 1, "y": 2}]},
        False,
        "['a', 'b']|['a', 'A', 'b']|[{'x': 1}]",
    ),
    (
        "urlencode",
        "{{ 'a b/&'|urlencode }}|{{ {'a': 'x y', 'b': '&'}|urlencode }}|{{ [('k', 1)]|urlencode }}",
        {},
        False,
        "a%20b/%26|a=x+y&b=%26|k=1",
    ),
    (
        "urlize",
        "{{ 'see http://x.com now'|urlize }}|{{ 'www.x.org'|urlize(10, true, '_blank') }}",
        {},
        False,
        'see <a href="http://x.com" rel="noopener">http://x.com</a> now|<a href="https://www.x.org" rel="nofollow noopener" target="_blank">www.x.org</a>',
    ),
    (
        "urlize-escape",
        "{{ '<http://x.com>'|urlize }}",
        {},
        True,
        '&lt;<a href="http://x.com" rel="noopener">http://x.com</a>&gt;',
    ),
    ("wordcount", "{{ 'one two, three-four'|wordcount }}", {}, False, "4"),
    (
        "wordwrap",
        "{{ 'the quick brown fox jumps\nover the lazy dog'|wordwrap(10) }}|{{ 'abcdefghijkl'|wordwrap(5, false, '*') }}",
        {},
        False,
        "the quick\nbrown fox\njumps\nover the\nlazy dog|abcdefghijkl",
    ),
    (
        "xmlattr",
        "<a{{ {'href': '/x?a=1&b', 'n': none, 'c': 'y'}|xmlattr }}>|{{ {'a': 1}|xmlattr(false) }}",
        {},
        True,
        '<a href="/x?a=1&amp;b" c="y">|a="1"',
    ),
    (
        "tojson",
        "{{ {'b': '<x>', 'a': \"'&\"}|tojson }}|{{ [1]|tojson(2) }}",
        {},
        False,
        '{"a": "\\u0027\\u0026", "b": "\\u003cx\\u003e"}|[\n  1\n]',
    ),
    ("mark-unsafe", "{{ x|string }}", {"x": "<b>"}, True, "&lt;b&gt;"),
]


@pytest.mark.parametrize(
    ("template", "context", "autoescape", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_filter_renders_like_jinja2(
    template: str, context: dict[str, Any], autoescape: bool, expected: str
) -> None:
    env = Environment(autoescape=autoescape)
    assert env.from_string(template).render(**context) == expected
