"""kettle.templates.utils: expectations checked against jinja2 3.1.6's behaviour."""

from __future__ import annotations

import copy
import pickle

import pytest
from markupsafe import Markup, escape

from kettle.templates.utils import (
    Cycler,
    Joiner,
    LRUCache,
    Namespace,
    _escape_text,
    _escape_text_portable,
    consume,
    escape_markup,
    escape_text,
    generate_lorem_ipsum,
    htmlsafe_json_dumps,
    is_undefined,
    missing,
    object_type_repr,
    pass_context,
    pass_environment,
    pass_eval_context,
    select_autoescape,
    url_quote,
    urlize,
)


def test_missing_is_a_singleton_through_copy_and_pickle() -> None:
    assert repr(missing) == "missing"
    assert copy.copy(missing) is missing
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(missing, protocol)) is missing


def test_pass_decorators_mark_the_function() -> None:
    def f() -> None:
        pass

    assert pass_context(f).jinja_pass_arg.name == "context"  # type: ignore[attr-defined]
    assert pass_eval_context(f).jinja_pass_arg.name == "eval_context"  # type: ignore[attr-defined]
    assert pass_environment(f).jinja_pass_arg.name == "environment"  # type: ignore[attr-defined]


def test_lru_cache_evicts_least_recent() -> None:
    cache = LRUCache(3)
    cache["a"], cache["b"], cache["c"] = 1, 2, 3
    assert cache["a"] == 1
    cache["d"] = 4
    assert cache.keys() == ["d", "a", "c"]
    assert cache.items() == [("d", 4), ("a", 1), ("c", 3)]
    assert list(reversed(cache)) == ["c", "a", "d"]
    assert "b" not in cache and len(cache) == 3
    assert cache.setdefault("e", 5) == 5 and cache.keys() == ["e", "d", "a"]
    del cache["d"]
    assert cache.values() == [5, 1]
    clone = copy.copy(cache)
    clone["z"] = 0
    assert cache.keys() == ["e", "a"] and clone.keys() == ["z", "e", "a"]
    restored = pickle.loads(pickle.dumps(cache))
    assert restored.items() == cache.items() and restored.capacity == 3
    cache.clear()
    assert repr(cache) == "<LRUCache {}>"


def test_object_type_repr() -> None:
    assert object_type_repr(42) == "int object"
    assert object_type_repr(None) == "None"
    assert object_type_repr(Ellipsis) == "Ellipsis"
    assert object_type_repr(Markup()) == "markupsafe.Markup object"


def test_select_autoescape() -> None:
    func = select_autoescape(["html", ".htm"], ["txt"], default_for_string=False)
    assert func(None) is False
    assert func("A.HTML") is True
    assert func("a.txt") is False
    assert func("a.foo") is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see http://a.com/x.", 'see <a href="http://a.com/x">http://a.com/x</a>.'),
        ("www.example.org", '<a href="https://www.example.org">www.example.org</a>'),
        ("(example.com)", '(<a href="https://example.com">example.com</a>)'),
        ("a@b.com", '<a href="mailto:a@b.com">a@b.com</a>'),
        ("mailto:a@b.com", '<a href="mailto:a@b.com">a@b.com</a>'),
        ("<x> & y", "&lt;x&gt; &amp; y"),
        (
            "http://en.wikipedia.org/wiki/Python_(language)",
            '<a href="http://en.wikipedia.org/wiki/Python_(language)">'
            "http://en.wikipedia.org/wiki/Python_(language)</a>",
        ),
    ],
    ids=["trailing-dot", "www", "parens", "email", "mailto", "escaped", "balanced"],
)
def test_urlize(text: str, expected: str) -> None:
    assert urlize(text) == expected


def test_urlize_options() -> None:
    assert urlize("http://abcdefgh.com", trim_url_limit=10, rel="nofollow", target="_b") == (
        '<a href="http://abcdefgh.com" rel="nofollow" target="_b">http://abc...</a>'
    )
    assert urlize("ftp://x/y z", extra_schemes=["ftp://"]) == '<a href="ftp://x/y">ftp://x/y</a> z'


def test_url_quote() -> None:
    assert url_quote("a b/c&") == "a%20b/c%26"
    assert url_quote("a b/c", for_qs=True) == "a+b%2Fc"
    assert url_quote(b"\xff") == "%FF"


def test_lorem_ipsum_shape() -> None:
    text = generate_lorem_ipsum(n=3, html=False, min=5, max=6)
    paragraphs = text.split("\n\n")
    assert len(paragraphs) == 3
    assert all(p.count(" ") == 4 and p.endswith(".") for p in paragraphs)
    html = generate_lorem_ipsum(n=2)
    assert isinstance(html, Markup) and html.count("<p>") == 2


def test_helpers() -> None:
    cycler = Cycler("a", "b")
    assert [cycler.next(), cycler.current, next(cycler), cycler.next()] == ["a", "b", "b", "a"]
    cycler.reset()
    assert cycler.current == "a"
    with pytest.raises(RuntimeError, match="at least one item"):
        Cycler()
    joiner = Joiner("|")
    assert [joiner(), joiner(), joiner()] == ["", "|", "|"]
    ns = Namespace({"a": 1}, b=2)
    ns["c"] = 3
    assert (ns.a, ns.b, ns.c) == (1, 2, 3)
    assert repr(ns) == "<Namespace {'a': 1, 'b': 2, 'c': 3}>"
    with pytest.raises(AttributeError):
        _ = ns.d
    assert htmlsafe_json_dumps({"a": "<'&>"}) == '{"a": "\\u003c\\u0027\\u0026\\u003e"}'
    it = iter([1, 2])
    consume(it)
    assert list(it) == []
    assert is_undefined(1) is False


@pytest.mark.parametrize(
    "value",
    ['<a href="x">&\'', "plain", 3, 2.5, True, None, Markup("<b>"), ["<"], object()],
    ids=["str", "plain", "int", "float", "bool", "none", "markup", "list", "object"],
)
def test_fast_escaping_matches_markupsafe(value: object) -> None:
    assert escape_text(value) == str(escape(value))
    assert escape_markup(value) == escape(value)
    assert type(escape_markup(value)) is Markup


def test_portable_escaping_matches_the_c_helper() -> None:
    text = "<a href=\"x\" title='y'>&amp;</a>"
    assert (
        _escape_text_portable(text)
        == _escape_text(text)
        == ("&lt;a href=&#34;x&#34; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;")
    )


def test_clear_caches_calls_registered_clearers() -> None:
    from kettle.templates import utils

    calls: list[str] = []
    clearer = utils.register_cache_clearer(lambda: calls.append("cleared"))
    try:
        utils.clear_caches()
        assert calls == ["cleared"]
    finally:
        utils._cache_clearers.remove(clearer)


def test_clear_caches_empties_the_lexer_and_shared_environment_caches() -> None:
    from kettle.templates import Template, lexer, template, utils

    assert Template("x{{ 1 }}").render() == "x1"
    assert len(lexer._lexer_cache) > 0
    assert template.get_spontaneous_environment.cache_info().currsize > 0
    utils.clear_caches()
    assert len(lexer._lexer_cache) == 0
    assert template.get_spontaneous_environment.cache_info().currsize == 0
