"""Query strings, quoting and IRI <-> URI conversion."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kettle.http.multidict import MultiDict
from kettle.http.urls import (
    _fast_unquote,
    iri_to_uri,
    iter_query_pairs,
    query_lists,
    uri_to_iri,
    url_decode,
    url_encode,
    url_quote,
    url_quote_plus,
    url_unquote,
    url_unquote_plus,
    wsgi_decoding,
)


def test_decode_keeps_blanks_order_and_plus() -> None:
    d = url_decode("a=1&b=&c&a=x+y&%C3%A9=%E2%98%83&&d=%ZZ")
    assert list(d.items(multi=True)) == [
        ("a", "1"),
        ("a", "x y"),
        ("b", ""),
        ("c", ""),
        ("é", "☃"),
        ("d", "%ZZ"),
    ]
    assert url_decode(b"k=%FF").to_dict() == {"k": "%FF"}
    assert url_decode("k=%C3%A9%C0").to_dict() == {"k": "é%C0"}
    assert url_decode("").to_dict() == {}


def test_encode() -> None:
    assert url_encode({"a": "x y", "b": None, "c": ["1", "2"]}) == "a=x+y&c=1&c=2"
    assert url_encode(MultiDict([("z", "1"), ("a", "é/?")]), sort=True) == "a=%C3%A9/?&z=1"


def test_quote_unquote() -> None:
    assert url_quote("a b/é") == "a%20b/%C3%A9"
    assert url_quote_plus("a b&c") == "a+b%26c"
    assert url_unquote("%C3%A9%FF") == "é\ufffd"
    assert url_unquote_plus("a+b%2B") == "a b+"


def test_iri_uri() -> None:
    assert iri_to_uri("http://☃.net/päth?q=é x#f") == "http://xn--n3h.net/p%C3%A4th?q=%C3%A9%20x#f"
    assert iri_to_uri("/plain?x=1") == "/plain?x=1"
    assert uri_to_iri("http://xn--n3h.net/p%C3%A4th?q=%C3%A9%20x") == "http://☃.net/päth?q=é%20x"
    assert uri_to_iri("/a%2Fb%FF") == "/a%2Fb%FF"


def test_wsgi_decoding() -> None:
    assert wsgi_decoding("/p\xc3\xa4") == "/pä"
    assert wsgi_decoding("/plain") == "/plain"


@settings(deadline=None)
@given(st.lists(st.tuples(st.text(min_size=1, max_size=8), st.text(max_size=8)), max_size=8))
def test_query_round_trip(pairs: list[tuple[str, str]]) -> None:
    decoded = url_decode(url_encode(pairs))
    assert sorted(decoded.items(multi=True)) == sorted(pairs)


@settings(deadline=None)
@given(st.text(alphabet="%abcdefABCDEF0123456789xyzé☃+ ", max_size=30))
def test_fast_unquote_agrees_with_urllib(text: str) -> None:
    assert _fast_unquote(text) == unquote(text, errors="kettle.url_quote")


def test_uri_to_iri_userinfo_and_bad_idna() -> None:
    assert uri_to_iri("http://%C3%BCser:p%C3%A4ss@xn--n3h.net:8080/%C3%A4?x=%C3%BC#%C3%A4") == (
        "http://üser:päss@☃.net:8080/ä?x=ü#ä"
    )
    assert uri_to_iri("http://x/?a=%26%C3%A9") == "http://x/?a=%26é"
    assert uri_to_iri("http://xn--bad-/") == "http://xn--bad-/"
    assert iri_to_uri("http://[::1]:80/ä") == "http://[::1]:80/%C3%A4"
    assert iri_to_uri("mailto:ä@x.org") == "mailto:%C3%A4@x.org"


def _grouped(query: str) -> dict[str, list[str]]:
    lists: dict[str, list[str]] = {}
    for key, value in iter_query_pairs(query):
        lists.setdefault(key, []).append(value)
    return lists


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("queries=20", {"queries": ["20"]}),
        ("a=1&b=&a=2&&c", {"a": ["1", "2"], "b": [""], "c": [""]}),
        ("a+b=c+d&x=%41%zz", {"a b": ["c d"], "x": ["A%zz"]}),
        ("=v&k==", {"": ["v"], "k": ["="]}),
        ("", {}),
    ],
    ids=["one", "repeated-and-blank", "escaped", "odd-equals", "empty"],
)
def test_query_lists(query: str, expected: dict[str, list[str]]) -> None:
    assert query_lists(query) == expected
    assert list(query_lists(query).items()) == list(_grouped(query).items())


@given(st.text(alphabet="ab=&+%4120", max_size=24))
@settings(max_examples=300)
def test_query_lists_groups_iter_query_pairs(query: str) -> None:
    assert list(query_lists(query).items()) == list(_grouped(query).items())
