"""Builtin filters called directly (no template): expectations checked against jinja2 3.1.6.

The environment stand-in provides exactly the attributes filters may use.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from markupsafe import Markup

from kettle.templates import filters
from kettle.templates.defaults import DEFAULT_FILTERS, DEFAULT_POLICIES, DEFAULT_TESTS
from kettle.templates.exceptions import FilterArgumentError
from kettle.templates.undefined import Undefined


class FakeEnvironment:
    def __init__(self, is_async: bool = False) -> None:
        self.is_async = is_async
        self.policies = dict(DEFAULT_POLICIES)
        self.newline_sequence = "\n"
        self.undefined = Undefined
        self.filters = DEFAULT_FILTERS
        self.tests = DEFAULT_TESTS

    def getitem(self, obj: Any, key: Any) -> Any:
        try:
            return obj[key]
        except (TypeError, LookupError):
            try:
                return getattr(obj, key)
            except (TypeError, AttributeError):
                return self.undefined(obj=obj, name=key)

    def getattr(self, obj: Any, name: str) -> Any:
        return getattr(obj, name)

    def call_test(self, name: str, value: Any, args: Any, kwargs: Any, context: Any) -> Any:
        return self.tests[name](value, *args, **kwargs)

    def call_filter(self, name: str, value: Any, args: Any, kwargs: Any, context: Any) -> Any:
        return self.filters[name](value, *args, **kwargs)


ENV = FakeEnvironment()
CTX = SimpleNamespace(environment=ENV, autoescape=False)
AUTO = SimpleNamespace(environment=ENV, autoescape=True)


def test_tables_have_every_jinja_name() -> None:
    assert sorted(DEFAULT_FILTERS) == sorted(
        [
            "abs",
            "attr",
            "batch",
            "capitalize",
            "center",
            "count",
            "d",
            "default",
            "dictsort",
            "e",
            "escape",
            "filesizeformat",
            "first",
            "float",
            "forceescape",
            "format",
            "groupby",
            "indent",
            "int",
            "join",
            "last",
            "length",
            "list",
            "lower",
            "items",
            "map",
            "min",
            "max",
            "pprint",
            "random",
            "reject",
            "rejectattr",
            "replace",
            "reverse",
            "round",
            "safe",
            "select",
            "selectattr",
            "slice",
            "sort",
            "string",
            "striptags",
            "sum",
            "title",
            "trim",
            "truncate",
            "unique",
            "upper",
            "urlencode",
            "urlize",
            "wordcount",
            "wordwrap",
            "xmlattr",
            "tojson",
        ]
    )
    assert len(DEFAULT_TESTS) == 39


def test_string_filters() -> None:
    assert filters.do_title("hello wORLD-foo (bar) [baz] <q") == "Hello World-Foo (Bar) [Baz] <Q"
    assert filters.do_filesizeformat(10**30) == "1000000.0 YB"
    assert filters.do_filesizeformat(1024, True) == "1.0 KiB"
    assert filters.do_indent("a\nb\n\nc", 2, True, True) == "  a\n  b\n  \n  c"
    assert filters.do_truncate(ENV, "foo bar baz qux", 9) == "foo..."
    assert filters.do_truncate(ENV, "foo bar baz qux", 11, False, "..", 0) == "foo bar.."
    with pytest.raises(FilterArgumentError, match="expected length >= 3, got 2"):
        filters.do_truncate(ENV, "abcdefghijk", 2)
    assert filters.do_replace(AUTO, "a<b", "<", Markup("<i>")) == "a&lt;b"
    assert filters.do_xmlattr(AUTO, {"href": "/x?a=1&b", "n": None}) == ' href="/x?a=1&amp;b"'
    with pytest.raises(ValueError, match="Invalid character"):
        filters.do_xmlattr(AUTO, {"a b": 1})
    assert filters.do_urlencode({"a": "x y", "b": "&"}) == "a=x+y&b=%26"
    assert filters.do_int("0x1A", base=16) == 26 and filters.do_int("42.7") == 42
    assert filters.do_round(2.19, 1, "floor") == 2.1
    with pytest.raises(FilterArgumentError, match="method must be common, ceil or floor"):
        filters.do_round(1.0, 0, "up")


def test_sequence_filters_sync() -> None:
    assert list(filters.sync_do_slice(range(7), 3, "x")) == [
        [0, 1, 2],
        [3, 4, "x"],
        [5, 6, "x"],
    ]
    assert filters.do_join(CTX, [1, 2, 3], "|") == "1|2|3"
    assert filters.do_join(AUTO, ["<a>", Markup("<i>")], "&") == "&lt;a&gt;&amp;<i>"
    users = [{"city": "X", "n": "a"}, {"city": "y", "n": "b"}, {"city": "x", "n": "c"}]
    groups = filters.do_groupby(ENV, users, "city")
    assert [(g.grouper, [u["n"] for u in g.list]) for g in groups] == [
        ("X", ["a", "c"]),
        ("y", ["b"]),
    ]
    assert repr(groups[1]) == "('y', [{'city': 'y', 'n': 'b'}])"
    ctx = SimpleNamespace(environment=ENV)
    assert list(filters.do_select(ctx, range(7), "divisibleby", 3)) == [0, 3, 6]
    assert list(filters.do_map(ctx, ["a", "b"], "upper")) == ["A", "B"]
    assert list(filters.do_map(ctx, users, attribute="zz", default=0)) == [0, 0, 0]
    assert str(filters.do_first(ENV, [])) == ""
    assert filters.do_sum(ENV, [{"a": 2}, {"a": 5}], "a") == 7


def test_async_variants() -> None:
    env = FakeEnvironment(is_async=True)

    async def agen() -> Any:
        for i in (3, 1, 2):
            yield i

    async def run() -> list[Any]:
        return [
            await filters.do_list(SimpleNamespace(environment=env), agen()),
            await filters.do_sum(env, agen()),
            await filters.do_first(env, agen()),
            await filters.do_join(SimpleNamespace(environment=env, autoescape=False), agen()),
            [x async for x in await filters.do_select(SimpleNamespace(environment=env), agen())],
        ]

    assert asyncio.run(run()) == [[3, 1, 2], 6, 3, "312", [3, 1, 2]]
