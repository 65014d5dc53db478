"""Headers and EnvironHeaders: case-insensitive multi-value pairs, no response splitting."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kettle.http.fieldutils import parse_set_header
from kettle.http.headers import EnvironHeaders, HeaderKeyError, Headers, HeaderSet


def test_reading_is_case_insensitive() -> None:
    h = Headers([("Content-Type", "text/plain"), ("X-A", "1"), ("x-a", "2")])
    assert h["content-type"] == "text/plain"
    assert h.get("X-a") == "1"
    assert h.getlist("X-A") == ["1", "2"]
    assert h.get("x-a", type=int) == 1
    assert h.get("content-type", -1, type=int) == -1
    assert h.getlist("x-a", type=int) == [1, 2]
    assert "CONTENT-TYPE" in h and "nope" not in h
    assert h[0] == ("Content-Type", "text/plain")
    # HeaderKeyError here; BadRequestKeyError once kettle.web is loaded (as Werkzeug's).
    assert issubclass(HeaderKeyError, KeyError)
    with pytest.raises(Headers.key_error_class):
        h["missing"]


def test_set_replaces_in_place_and_add_appends() -> None:
    h = Headers([("A", "1"), ("B", "2"), ("a", "3")])
    h.set("a", "9")
    assert h.to_wsgi_list() == [("a", "9"), ("B", "2")]
    h.add("C", "x", charset="utf-8")
    assert h["c"] == "x; charset=utf-8"
    h["D"] = 5
    assert h["d"] == "5"
    assert h.setdefault("D", "no") == "5"
    assert h.setdefault("E", "yes") == "yes"
    h.remove("b")
    assert list(h.keys()) == ["a", "C", "D", "E"]
    assert h.pop("C") == "x; charset=utf-8"
    assert h.pop("missing", None) is None
    del h["D"]
    assert str(h) == "a: 9\r\nE: yes\r\n\r\n"


def test_extend_and_update() -> None:
    h = Headers()
    h.extend({"A": ["1", "2"], "B": "3"})
    h.extend([("C", "4")])
    assert h.to_wsgi_list() == [("A", "1"), ("A", "2"), ("B", "3"), ("C", "4")]
    h.update({"A": "x"}, C=["y", "z"])
    assert h.to_wsgi_list() == [("A", "x"), ("B", "3"), ("C", "y"), ("C", "z")]
    assert h == Headers([("a", "x"), ("b", "3"), ("c", "y"), ("c", "z")])


def test_extend_and_update_take_lists_in_keywords_and_apply_keywords_last() -> None:
    h = Headers([("a", "0"), ("b", "1"), ("c", "2")])
    h.extend({"c": "7", "d": ["8", "9"]}, b=["5", "6"], c="10")
    assert h.to_wsgi_list() == [
        ("a", "0"),
        ("b", "1"),
        ("c", "2"),
        ("c", "7"),
        ("d", "8"),
        ("d", "9"),
        ("b", "5"),
        ("b", "6"),
        ("c", "10"),
    ]
    h.update({"c": "10", "A": "x"}, c="11")
    assert h.getlist("c") == ["11"]
    assert h.getlist("a") == ["x"]
    h.update(Headers([("D", "1"), ("d", "2")]))
    assert h.getlist("d") == ["1", "2"]
    with pytest.raises(TypeError, match="at most 1 argument, got 2"):
        h.update({"x": "x"}, {"x": "x"})


@pytest.mark.parametrize("bad", ["a\r\nSet-Cookie: x", "a\nb", "a\rb", "a\0b"])
def test_refuses_control_characters(bad: str) -> None:
    h = Headers()
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        h.add("X", bad)
    with pytest.raises(ValueError):
        h.set("X", bad)
    with pytest.raises(ValueError):
        h[bad] = "v"
    assert len(h) == 0


def test_environ_headers() -> None:
    environ = {
        "HTTP_HOST": "example.com",
        "HTTP_X_CUSTOM_THING": "a",
        "CONTENT_TYPE": "text/plain",
        "CONTENT_LENGTH": "",
        "wsgi.input": None,
    }
    h = EnvironHeaders(environ)
    assert h["Host"] == "example.com"
    assert h["x-custom-thing"] == "a"
    assert h["Content-Type"] == "text/plain"
    assert sorted(h.items()) == [
        ("Content-Type", "text/plain"),
        ("Host", "example.com"),
        ("X-Custom-Thing", "a"),
    ]
    assert len(h) == 3
    assert h.get("missing", "d") == "d"
    assert h.getlist("host") == ["example.com"]
    with pytest.raises(TypeError):
        h.add("a", "b")
    with pytest.raises(TypeError):
        h["a"] = "b"
    with pytest.raises(TypeError, match="read-only"):
        h | {"y": "2"}
    with pytest.raises(TypeError, match="read-only"):
        h |= {"y": "2"}
    assert h.copy().to_wsgi_list() == h.to_wsgi_list()


def test_header_set_writes_back() -> None:
    seen: list[str] = []
    s = HeaderSet(["Accept"], on_update=lambda hs: seen.append(hs.to_header()))
    s.add("cookie")
    s.add("Cookie")
    s.discard("ACCEPT")
    assert seen == ["Accept, cookie", "cookie"]
    assert "COOKIE" in s and len(s) == 1
    quoted = parse_set_header('foo, Bar, "Blah baz", Hehe')
    assert list(quoted) == ["foo", "Bar", "Blah baz", "Hehe"]
    assert quoted.to_header() == 'foo, Bar, "Blah baz", Hehe'


tokens = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=12)
values = st.text(
    alphabet=st.characters(blacklist_characters="\r\n\0", blacklist_categories=("Cs",)),
    max_size=20,
)


@settings(deadline=None)
@given(st.lists(st.tuples(tokens, values), max_size=12))
def test_round_trip_through_wsgi_list(pairs: list[tuple[str, str]]) -> None:
    h = Headers(pairs)
    assert h.to_wsgi_list() == pairs
    again = Headers(h.to_wsgi_list())
    for name, _value in pairs:
        assert again.getlist(name.upper()) == [v for n, v in pairs if n.lower() == name.lower()]
