"""Header parsing details that match Werkzeug 3.1 (checked in compat/werkzeug/run too)."""

from __future__ import annotations

import pytest

from kettle.http.accept import LanguageAccept, parse_accept_header
from kettle.http.cookies import dump_cookie
from kettle.http.directives import ContentSecurityPolicy
from kettle.http.fieldutils import RequestCacheControl, ResponseCacheControl
from kettle.http.headers import Headers, HeaderSet
from kettle.http.multidict import MultiDict
from kettle.http.options import parse_options_header
from kettle.http.urls import iri_to_uri


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("v;a=b;c=d;", {"a": "b", "c": "d"}),
        ("v;  ; a=b ; ", {"a": "b"}),
        ("v;a", {}),
        ("v;a=", {}),
        ("v;a=µ", {}),
        ('v;a="b\\"c";d=e', {"a": 'b"c', "d": "e"}),
        ('v;a="c:\\"', {}),
        ('v;a="b%22c"', {"a": 'b"c'}),
        ("v;a*=UTF-8''%C2%B5", {"a": "µ"}),
        ("v;a*=US-ASCII''%C2%B5", {"a": "\ufffd\ufffd"}),
        ("v;a*=BAD''%62", {"a": "%62"}),
        ("v;a*0=b;a*1=c;d=e", {"a": "bc", "d": "e"}),
        ("v;a*0*=UTF-8''b;a*1=c;a*2*=%C2%B5", {"a": "bcµ"}),
        ('v;a="' + "\\" * 5000, {}),  # linear time, no catastrophic backtracking
    ],
    ids=[
        "plain", "empty-parts", "no-value", "empty-value", "non-ascii-token", "escaped-quote",
        "unclosed", "percent-22", "utf8", "ascii-bad-bytes", "unknown-charset", "continued",
        "continued-charset", "long-backslashes",
    ],
)  # fmt: skip
def test_parse_options_header(value, expected):
    assert parse_options_header(value) == ("v", expected)


@pytest.mark.parametrize("value", [".5", "+0.5", "0.5_1"])
def test_accept_refuses_non_rfc_quality(value):
    assert [item for item, _ in parse_accept_header(f"en,jp;q={value}")] == ["en"]


def test_cookie_domain_is_sent_as_idna():
    assert dump_cookie("foo", "bar", domain="\N{SNOWMAN}.com") == (
        "foo=bar; Domain=xn--n3h.com; Path=/"
    )


def test_cache_control_constructors_repr_and_deleters():
    cc = RequestCacheControl([("max-age", "0"), ("private", "True")])
    assert repr(cc) == "<RequestCacheControl max-age='0' private='True'>"
    response_cc = ResponseCacheControl("public, max-age=60")
    assert (response_cc.public, response_cc.max_age) == (True, 60)
    del response_cc.max_age
    del response_cc.public
    assert response_cc.to_header() == ""
    csp = ContentSecurityPolicy([("font-src", "'self'"), ("media-src", "*")])
    assert (csp.font_src, csp.media_src) == ("'self'", "*")


@pytest.mark.parametrize(
    ("values", "matches", "default", "expected"),
    [
        ([("en-us", 1)], ["en"], None, "en"),
        ([("en", 1)], ["en_US"], None, "en_US"),
        ([("en-GB", 1)], ["en-US"], None, None),
        ([("de_AT", 1), ("de", 0.9), ("en-US", 0.8)], ["de", "en"], None, "de"),
        ([("en-GB", 1)], ["en-US", "en"], "en-US", "en"),
        ([("aus", 1)], ["aus-EN"], None, "aus-EN"),
    ],
)
def test_language_accept_falls_back_to_primary_tags(values, matches, default, expected):
    assert LanguageAccept(values).best_match(matches, default=default) == expected


def test_iri_to_uri_keeps_an_empty_authority():
    url = "itms-services://?action=download-manifest&url=https://test.example/path"
    assert iri_to_uri(url) == url
    assert iri_to_uri("http://\N{SNOWMAN}.com/ä") == "http://xn--n3h.com/%C3%A4"


def test_multidict_empty_value_list_is_a_missing_key():
    values = MultiDict([("a", "b")])
    values.setlistdefault("empty", [])
    with pytest.raises(KeyError):
        values["empty"]
    with pytest.raises(KeyError):
        values.pop("empty")
    values = MultiDict()
    values.setlistdefault("empty", [])
    with pytest.raises(KeyError):
        values.popitem()


def test_headers_slices_union_and_header_set_find():
    headers = Headers([("X-A", "1"), ("Content-Type", "x"), ("X-B", "2")])
    assert list(headers[:1]) == [("X-A", "1")] and isinstance(headers[:1], Headers)
    headers[:] = [(k, v) for k, v in headers if k.startswith("X-")]
    assert list(headers) == [("X-A", "1"), ("X-B", "2")]
    del headers[:1]
    assert list(headers) == [("X-B", "2")]
    merged = headers | {"Y": "3"}
    assert isinstance(merged, Headers) and list(merged) == [("X-B", "2"), ("Y", "3")]
    assert list(headers) == [("X-B", "2")]
    tokens = HeaderSet(["Foo", "Bar"])
    assert (tokens.find("bar"), tokens.find("baz"), tokens.index("FOO")) == (1, -1, 0)
    with pytest.raises(IndexError):
        tokens.index("baz")
