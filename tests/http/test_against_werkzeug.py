"""Differential tests: kettle.http parsers give Werkzeug 3.1's answers on generated input.

Werkzeug is installed for compatibility runs; only the tests import it, never src/kettle.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug import http as wz
from werkzeug import urls as wz_urls
from werkzeug.datastructures import Headers as WzHeaders
from werkzeug.datastructures import MIMEAccept as WzMIMEAccept
from werkzeug.datastructures import MultiDict as WzMultiDict

from kettle.http import accept, conditional, cookies, options, urls
from kettle.http.headers import Headers
from kettle.http.multidict import MultiDict

header_text = st.text(alphabet=st.sampled_from(list('abcAB09 =;,"\\-/*.+é%:')), max_size=40)
ascii_text = st.text(alphabet=st.sampled_from(list('abcAB09 =;,"\\-/*.+%:\t')), max_size=40)
range_text = st.text(alphabet=st.sampled_from(list("bytes=0123456789-, ")), max_size=25)


@settings(deadline=None, max_examples=300)
@given(ascii_text)
def test_parse_cookie(value: str) -> None:
    ours = list(cookies.parse_cookie(value).items(multi=True))
    theirs = list(wz.parse_cookie(value).items(multi=True))
    assert ours == theirs


@settings(deadline=None, max_examples=300)
@given(range_text)
def test_parse_range_header(value: str) -> None:
    ours = conditional.parse_range_header(value)
    theirs = wz.parse_range_header(value)
    if theirs is None:
        assert ours is None
    else:
        assert ours is not None
        assert (ours.units, ours.ranges) == (theirs.units, theirs.ranges)
        assert ours.range_for_length(100) == theirs.range_for_length(100)


@settings(deadline=None, max_examples=300)
@given(header_text)
def test_parse_list_header(value: str) -> None:
    assert options.parse_list_header(value) == wz.parse_list_header(value)


@settings(deadline=None, max_examples=300)
@given(header_text)
def test_parse_dict_header(value: str) -> None:
    assert options.parse_dict_header(value) == wz.parse_dict_header(value)


token = st.text(alphabet=st.sampled_from(list("abcXYZ019-.+")), min_size=1, max_size=6)
quoted = st.text(alphabet=st.sampled_from(list('ab ;,=é\\"')), max_size=6).map(
    lambda text: '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
)
well_formed_options = st.builds(
    lambda head, params: head + "".join(f"; {k}={v}" for k, v in params),
    st.sampled_from(["text/html", "form-data", "attachment", "multipart/form-data"]),
    st.lists(st.tuples(token, st.one_of(token, quoted)), max_size=4),
)


@settings(deadline=None, max_examples=300)
@given(well_formed_options)
def test_parse_options_header(value: str) -> None:
    assert options.parse_options_header(value) == wz.parse_options_header(value)


@settings(deadline=None, max_examples=300)
@given(
    st.lists(
        st.sampled_from(["text/html", "application/json", "*/*", "text/*", "image/png"]),
        max_size=4,
    ),
    st.lists(st.sampled_from(["1", "0.5", "0.9", "0", "0.25"]), min_size=4, max_size=4),
    st.lists(
        st.sampled_from(["text/html", "application/json", "image/png", "text/plain"]),
        min_size=1,
        max_size=3,
    ),
)
def test_accept_best_match(types: list[str], qualities: list[str], offers: list[str]) -> None:
    header = ", ".join(f"{t};q={q}" for t, q in zip(types, qualities, strict=False))
    ours = accept.parse_accept_header(header, accept.MIMEAccept)
    theirs = wz.parse_accept_header(header, WzMIMEAccept)
    assert list(ours) == list(theirs)
    assert ours.best_match(offers) == theirs.best_match(offers)


header_names = st.sampled_from(["A", "a", "B", "Content-Type", "content-type", "X-Y"])
header_values = st.text(alphabet=st.sampled_from(list("abc ;=,")), max_size=6)
header_ops = st.lists(
    st.one_of(
        st.tuples(st.just("add"), header_names, header_values),
        st.tuples(st.just("set"), header_names, header_values),
        st.tuples(st.just("setdefault"), header_names, header_values),
        st.tuples(st.just("remove"), header_names, st.just("")),
        st.tuples(st.just("extend"), header_names, header_values),
        st.tuples(st.just("update"), header_names, header_values),
    ),
    max_size=12,
)


@settings(deadline=None, max_examples=300)
@given(header_ops)
def test_headers_operations(ops: list[tuple[str, str, str]]) -> None:
    ours, theirs = Headers(), WzHeaders()
    for op, name, value in ops:
        for h in (ours, theirs):
            if op in ("add", "set", "setdefault"):
                getattr(h, op)(name, value)
            elif op == "remove":
                h.remove(name)
            else:
                getattr(h, op)({name: [value, value + "2"]})
        assert ours.to_wsgi_list() == theirs.to_wsgi_list()
    for name in ("a", "B", "content-type", "x-y"):
        assert ours.getlist(name) == theirs.getlist(name)
        assert ours.get(name) == theirs.get(name)


iri_text = st.text(
    alphabet=st.sampled_from(list("ab/:?#@%[]\\ <>\"'é☃\r\n\t\x00.-_~!$&()*+,;=")), max_size=25
)


@settings(deadline=None, max_examples=300)
@given(st.sampled_from(["", "http://", "http://x.org", "https://☃.net:8080", "/"]), iri_text)
def test_iri_to_uri(prefix: str, rest: str) -> None:
    value = prefix + rest
    try:
        expected = wz_urls.iri_to_uri(value)
    except ValueError:
        return  # urlsplit refuses it (e.g. a bad IPv6 literal); not a comparison point
    assert urls.iri_to_uri(value) == expected


uri_text = st.text(alphabet=st.sampled_from(list("ab/?#&=+%2F0C3A9xn-:@[]")), max_size=30)


@settings(deadline=None, max_examples=300)
@given(
    st.sampled_from(["", "http://", "http://x.org", "https://u%C3%A9@xn--n3h.net:8080"]), uri_text
)
def test_uri_to_iri(prefix: str, rest: str) -> None:
    value = prefix + rest
    try:
        expected = wz_urls.uri_to_iri(value)
    except ValueError:
        return  # urlsplit or IDNA refuses it in Werkzeug; not a comparison point
    assert urls.uri_to_iri(value) == expected


md_keys = st.sampled_from(["a", "b", "c"])
md_ops = st.lists(
    st.one_of(
        st.tuples(st.just("add"), md_keys, st.integers(0, 9)),
        st.tuples(st.just("setitem"), md_keys, st.integers(0, 9)),
        # Empty lists are left out: Werkzeug stores them and then fails on items().
        st.tuples(
            st.just("setlist"), md_keys, st.lists(st.integers(0, 9), min_size=1, max_size=3)
        ),
        st.tuples(st.just("update"), md_keys, st.integers(0, 9)),
        st.tuples(st.just("pop"), md_keys, st.none()),
        st.tuples(st.just("poplist"), md_keys, st.none()),
        st.tuples(st.just("setdefault"), md_keys, st.integers(0, 9)),
        st.tuples(
            st.just("setlistdefault"), md_keys, st.lists(st.integers(0, 9), min_size=1, max_size=2)
        ),
    ),
    max_size=15,
)


@settings(deadline=None, max_examples=300)
@given(md_ops)
def test_multidict_operations(ops: list[tuple[str, str, Any]]) -> None:
    ours, theirs = MultiDict(), WzMultiDict()
    for op, key, value in ops:
        results = []
        for d in (ours, theirs):
            if op == "setitem":
                d[key] = value
                results.append(None)
            elif op == "update":
                d.update({key: value})
                results.append(None)
            elif op in ("pop", "poplist"):
                results.append(getattr(d, op)(key, *(() if op == "poplist" else (None,))))
            else:
                results.append(getattr(d, op)(key, value))
        assert results[0] == results[1]
        assert list(ours.items(multi=True)) == list(theirs.items(multi=True))
        assert ours.to_dict() == theirs.to_dict()
        assert ours.to_dict(flat=False) == theirs.to_dict(flat=False)
