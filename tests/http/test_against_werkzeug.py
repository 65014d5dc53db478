"""Differential tests: kettle.http parsers give Werkzeug 3.1's answers on generated input.

Werkzeug is installed for compatibility runs; only the tests import it, never src/kettle.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug import http as wz
from werkzeug.datastructures import MIMEAccept as WzMIMEAccept

from kettle.http import conditional, cookies, options

header_text = st.text(alphabet=st.sampled_from(list('abcAB09 =;,"\\-/*.+é%:')), max_size=40)
ascii_text = st.text(alphabet=st.sampled_from(list('abcAB09 =;,"\\-/*.+%:\t')), max_size=40)
range_text = st.text(alphabet=st.sampled_from(list("bytes=0123456789-, ")), max_size=25)


@settings(max_examples=300)
@given(ascii_text)
def test_parse_cookie(value: str) -> None:
    ours = list(cookies.parse_cookie(value).items(multi=True))
    theirs = list(wz.parse_cookie(value).items(multi=True))
    assert ours == theirs


@settings(max_examples=300)
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


@settings(max_examples=300)
@given(header_text)
def test_parse_list_header(value: str) -> None:
    assert options.parse_list_header(value) == wz.parse_list_header(value)


@settings(max_examples=300)
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


@settings(max_examples=300)
@given(well_formed_options)
def test_parse_options_header(value: str) -> None:
    assert options.parse_options_header(value) == wz.parse_options_header(value)


@settings(max_examples=300)
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
    ours = options.parse_accept_header(header, options.MIMEAccept)
    theirs = wz.parse_accept_header(header, WzMIMEAccept)
    assert list(ours) == list(theirs)
    assert ours.best_match(offers) == theirs.best_match(offers)
