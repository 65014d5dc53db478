"""Cookie header parsing and Set-Cookie dumping (RFC 6265), byte for byte as Werkzeug."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kettle.http.cookies import dump_cookie, parse_cookie


def test_parse_cookie() -> None:
    cookies = parse_cookie('a=b; c="d e"; f="\\"x\\073"; =x; g; a=z')
    assert cookies.to_dict() == {"a": "b", "c": "d e", "f": '"x;', "g": ""}
    assert cookies.getlist("a") == ["b", "z"]
    assert parse_cookie("").to_dict() == {}
    assert parse_cookie(None).to_dict() == {}
    assert parse_cookie('q="a;b"; r=1').to_dict() == {"q": "a;b", "r": "1"}


def test_dump_cookie_attributes_in_werkzeug_order() -> None:
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    header = dump_cookie(
        "foo",
        "bar baz",
        max_age=60,
        expires=when,
        path="/",
        domain=".example.com",
        secure=True,
        httponly=True,
        samesite="lax",
        partitioned=True,
    )
    assert header == (
        'foo="bar baz"; Domain=example.com; Expires=Wed, 02 Jan 2030 03:04:05 GMT;'
        " Max-Age=60; Secure; HttpOnly; Path=/; SameSite=Lax; Partitioned"
    )


def test_dump_cookie_quoting_and_deletion() -> None:
    assert dump_cookie("foo", 'a"b;c,d\\é') == 'foo="a\\"b\\073c\\054d\\\\\\303\\251"; Path=/'
    assert dump_cookie("foo", "", expires=0, max_age=0) == (
        "foo=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/"
    )
    assert dump_cookie("foo", "v", path=None) == "foo=v"
    assert dump_cookie("foo", "x", domain="ExAmple.com:80") == "foo=x; Domain=ExAmple.com; Path=/"
    assert dump_cookie("foo", "x", partitioned=True) == "foo=x; Secure; Path=/; Partitioned"
    assert dump_cookie("foo", "v", expires=0, max_age=timedelta(hours=1)) == (
        "foo=v; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=3600; Path=/"
    )


def test_max_age_sets_expires() -> None:
    header = dump_cookie("k", "v", max_age=100)
    expires = header.split("Expires=")[1].split(";")[0]
    parsed = datetime.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    delta = (parsed - datetime.now(UTC)).total_seconds()
    assert 95 <= delta <= 101


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key": "bad key"}, "Invalid cookie name"),
        ({"key": "k", "samesite": "sometimes"}, "SameSite"),
        ({"key": "k", "path": "/a;b"}, "must not contain"),
        ({"key": "k", "domain": "a\r\nb"}, "must not contain"),
    ],
    ids=["name", "samesite", "path", "domain"],
)
def test_dump_cookie_refuses_bad_input(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dump_cookie(**kwargs)  # type: ignore[arg-type]


def test_oversized_cookie_warns() -> None:
    with pytest.warns(UserWarning, match="too large"):
        dump_cookie("k", "x" * 5000)


cookie_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789_-.", min_size=1)
cookie_values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(deadline=None)
@given(st.lists(st.tuples(cookie_names, cookie_values), min_size=1, max_size=5))
def test_round_trip(pairs: list[tuple[str, str]]) -> None:
    header = "; ".join(dump_cookie(k, v, path=None) for k, v in pairs)
    parsed = parse_cookie(header)
    assert list(parsed.items(multi=True)) == sorted(
        pairs, key=lambda kv: [k for k, _ in pairs].index(kv[0])
    )
