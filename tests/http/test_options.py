"""Header value grammar: options, lists, dicts, quoting, Accept and Authorization.

Expected values were checked against Werkzeug 3.1's functions of the same names.
"""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kettle.http.accept import (
    Accept,
    CharsetAccept,
    LanguageAccept,
    MIMEAccept,
    parse_accept_header,
)
from kettle.http.auth import Authorization, WWWAuthenticate
from kettle.http.options import (
    dump_header,
    dump_options_header,
    parse_dict_header,
    parse_list_header,
    parse_options_header,
    quote_header_value,
    unquote_header_value,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", ("", {})),
        ("text/html", ("text/html", {})),
        ("text/html; charset=UTF-8", ("text/html", {"charset": "UTF-8"})),
        ("text/html;charset=UTF-8;x", ("text/html", {"charset": "UTF-8"})),
        (
            'form-data; name="a\\"b"; filename*=UTF-8\'\'%C3%A9.txt',
            ("form-data", {"name": 'a"b', "filename": "é.txt"}),
        ),
        ('attachment; FileName="x;y.txt"', ("attachment", {"filename": "x;y.txt"})),
        (
            "multipart/form-data; boundary=----abc",
            ("multipart/form-data", {"boundary": "----abc"}),
        ),
    ],
    ids=["empty", "bare", "charset", "bare-param", "rfc2231", "quoted-semicolon", "boundary"],
)
def test_parse_options_header(value: str, expected: tuple[str, dict[str, str]]) -> None:
    assert parse_options_header(value) == expected


def test_dump_and_quote() -> None:
    assert dump_header({"a": "b c", "d": None, "e": "f"}) == 'a="b c", d, e=f'
    assert dump_header(["a", "b c"]) == 'a, "b c"'
    assert quote_header_value("") == '""'
    assert quote_header_value("a b") == '"a b"'
    assert quote_header_value('a"b') == '"a\\"b"'
    assert quote_header_value("token") == "token"
    assert unquote_header_value('"a\\"b"') == 'a"b'
    assert dump_options_header("text/plain", {"charset": "utf-8"}) == "text/plain; charset=utf-8"


def test_list_and_dict_headers() -> None:
    assert parse_list_header('a, "b, c", d') == ["a", "b, c", "d"]
    assert parse_list_header("") == []
    assert parse_dict_header('a="b c", d, e=f') == {"a": "b c", "d": None, "e": "f"}


@settings(deadline=None)
@given(st.text(max_size=20))
def test_quote_round_trip(text: str) -> None:
    assert unquote_header_value(quote_header_value(text)) == text


def test_mime_accept_order_and_match() -> None:
    a = parse_accept_header(
        "text/html;q=0.5, application/json, */*;q=0.1, text/*;q=0.9", MIMEAccept
    )
    assert list(a) == [
        ("application/json", 1),
        ("text/html", 0.5),
        ("text/*", 0.9),
        ("*/*", 0.1),
    ]
    assert a.best == "application/json"
    assert a.best_match(["text/plain", "application/xml"]) == "text/plain"
    assert a["text/html"] == 0.5
    assert a.quality("image/png") == 0.1
    assert "text/x" in a
    assert a.to_header() == "application/json,text/html;q=0.5,text/*;q=0.9,*/*;q=0.1"
    assert a.accept_html and a.accept_json
    assert a.find("text/html") == 1
    assert a.index("application/json") == 0


def test_accept_edge_cases() -> None:
    dropped = parse_accept_header("a;q=x, b;q=2, c;q=0.3333, d;level=1;q=0.2, e;q=0")
    assert dropped.to_header() == "c;q=0.3333,d; level=1;q=0.2,e;q=0.0"
    missing = parse_accept_header(None, MIMEAccept)
    assert missing.provided is False and missing.best is None
    assert missing.best_match(["text/html"]) is None
    html = parse_accept_header("text/html", MIMEAccept)
    assert html.best_match(["application/json"]) is None
    assert html.best_match(["text/*"]) == "text/*"
    assert html.best_match(["application/json"], default="x/y") == "x/y"
    assert isinstance(parse_accept_header("en"), Accept)
    with pytest.raises(ValueError, match="invalid mimetype"):
        html.quality("nonsense")


def test_language_accept() -> None:
    langs = parse_accept_header("de-CH, en;q=0.5", LanguageAccept)
    assert langs.best_match(["en", "de_ch"]) == "de_ch"
    assert langs["EN"] == 0.5


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_authorization() -> None:
    auth = Authorization.from_header(_basic("ann", "s3:cret"))
    assert auth is not None
    assert (auth.type, auth.username, auth.password) == ("basic", "ann", "s3:cret")
    assert auth.to_header() == _basic("ann", "s3:cret")
    bearer = Authorization.from_header("Bearer abc.def")
    assert bearer is not None and (bearer.type, bearer.token) == ("bearer", "abc.def")
    digest = Authorization.from_header('Digest username="x", realm="r"')
    assert digest is not None and digest.parameters == {"username": "x", "realm": "r"}
    assert Authorization.from_header(None) is None
    assert Authorization.from_header("Basic !!!") is None
    assert Authorization.from_header("Basic " + base64.b64encode(b"nocolon").decode()) is None
    # A bare scheme is a token scheme with the empty token (Werkzeug's reading).
    bare = Authorization.from_header("Bearer")
    assert bare is not None
    assert (bare.type, bare.token, bare.to_header()) == ("bearer", "", "Bearer")
    assert Authorization.from_header("") is None


def test_charset_accept_matches_aliases_of_one_codec() -> None:
    accept = parse_accept_header("ISO-8859-1,utf-8;q=0.7,*;q=0.7", CharsetAccept)
    assert [accept[name] for name in ("iso8859-1", "latin1", "UTF8", "utf_8", "ebcdic")] == [
        1,
        1,
        0.7,
        0.7,
        0.7,
    ]
    assert accept.best_match(["utf8", "latin-1"]) == "latin-1"
    unknown = parse_accept_header("x-unknown;q=0.5", CharsetAccept)
    assert (unknown["X-Unknown"], unknown["utf-8"], unknown["a\0b"]) == (0.5, 0, 0)


def test_www_authenticate_parameters_as_attributes_and_equality() -> None:
    seen: list[str] = []
    challenge = WWWAuthenticate.from_header('Basic realm="WallyWorld"')
    assert challenge is not None
    challenge.on_update = lambda value: seen.append(value.to_header())
    assert (challenge.type, challenge.realm, challenge.charset) == ("basic", "WallyWorld", None)
    challenge.realm = "Foo Bar"
    assert challenge.to_header() == 'Basic realm="Foo Bar"'
    challenge.charset = "UTF-8"
    challenge.realm = None
    assert challenge.parameters == {"charset": "UTF-8"}
    assert seen == [
        'Basic realm="Foo Bar"',
        'Basic realm="Foo Bar", charset=UTF-8',
        "Basic charset=UTF-8",
    ]
    challenge.type = "digest"  # a property of the class: not a parameter
    assert (challenge.type, challenge.parameters) == ("digest", {"charset": "UTF-8"})
    assert WWWAuthenticate.from_header("Basic realm=abc") == WWWAuthenticate(
        "basic", {"realm": "abc"}
    )
    assert WWWAuthenticate.from_header("Token abc") == WWWAuthenticate("token", token="abc")
    assert WWWAuthenticate("basic", {"realm": "abc"}) != WWWAuthenticate("token", token="abc")
    assert WWWAuthenticate("basic") != object()
    with pytest.raises(TypeError, match="unhashable"):
        hash(WWWAuthenticate("basic"))


def test_accept_is_immutable_and_cached() -> None:
    first = parse_accept_header("text/html, */*;q=0.1", MIMEAccept)
    assert parse_accept_header("text/html, */*;q=0.1", MIMEAccept) is first
    assert type(parse_accept_header("text/html, */*;q=0.1")) is Accept
    with pytest.raises(TypeError, match="immutable"):
        first.append(("x/y", 1))
    with pytest.raises(TypeError, match="immutable"):
        first[0] = ("x/y", 1)


def test_dump_options_header_like_werkzeug() -> None:
    assert dump_options_header("text/plain", {"a": None, "b": "x y", "c": ""}) == (
        'text/plain; b="x y"; c=""'
    )
    assert dump_options_header(None, {"a": "1"}) == "a=1"
    assert dump_options_header("", {"a": "1"}) == "; a=1"


@settings(deadline=None)
@given(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=":"), max_size=12),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
)
def test_basic_authorization_round_trip(user: str, password: str) -> None:
    header = Authorization("basic", {"username": user, "password": password}).to_header()
    parsed = Authorization.from_header(header)
    assert parsed is not None
    assert (parsed.type, parsed.username, parsed.password) == ("basic", user, password)
