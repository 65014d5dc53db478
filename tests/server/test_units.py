"""Pure functions without sockets: status table, HTTP dates, response heads, environ keys."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kettle.http.dates import DateHeader, format_http_date, parse_http_date
from kettle.http.status import has_no_body, parse_status, reason_phrase, status_string
from kettle.server import environ as environ_module
from kettle.server import response as response_module
from kettle.server.environ import (
    EMPTY_INPUT,
    EnvironSource,
    Input,
    environ_key,
    fill_environ,
    split_target,
    target_keys,
)
from kettle.server.protocol import Request
from kettle.server.response import (
    ResponseFields,
    chunk,
    encode_fields,
    error_response,
    header_kind,
    response_fields,
    response_start,
    status_line,
)


def test_reason_phrases() -> None:
    assert [reason_phrase(c) for c in (200, 404, 413, 431, 599)] == [
        "OK",
        "Not Found",
        "Content Too Large",
        "Request Header Fields Too Large",
        "Unknown",
    ]
    assert status_string(503) == "503 Service Unavailable"
    with pytest.raises(ValueError, match="100-999"):
        reason_phrase(42)
    with pytest.raises(ValueError, match="100-999"):
        reason_phrase(True)


@pytest.mark.parametrize(
    ("status", "code"), [("200 OK", 200), ("599 ", 599), ("404 Not Found", 404)]
)
def test_parse_status(status: str, code: int) -> None:
    assert parse_status(status) == code


@pytest.mark.parametrize(
    "status", ["200", "OK 200", "20 OK", "200OK", "099 Low", "200 OK\r\nX: y", "200 Ünïcode"]
)
def test_parse_status_rejects(status: str) -> None:
    with pytest.raises(ValueError):
        parse_status(status)


def test_has_no_body() -> None:
    assert [has_no_body(c) for c in (101, 200, 204, 304, 404)] == [True, False, True, True, False]


def test_format_http_date() -> None:
    assert format_http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT"
    assert format_http_date(datetime(1994, 11, 6, 8, 49, 37)) == "Sun, 06 Nov 1994 08:49:37 GMT"


@pytest.mark.parametrize(
    "text",
    [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
    ],
    ids=["imf-fixdate", "rfc850", "asctime"],
)
def test_parse_http_date_three_forms(text: str) -> None:
    assert parse_http_date(text) == datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [None, "", "yesterday", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 31 Feb 1994 08:49:37 GMT",
     "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT"],
)  # fmt: skip
def test_parse_http_date_rejects(text: str | None) -> None:
    assert parse_http_date(text) is None


@given(st.integers(min_value=0, max_value=253402300799))
def test_http_date_round_trip(seconds: int) -> None:
    parsed = parse_http_date(format_http_date(seconds))
    assert parsed is not None and parsed.timestamp() == seconds


def test_date_header_is_current() -> None:
    line = DateHeader().line()
    assert line.startswith(b"Date: ") and line.endswith(b" GMT\r\n")
    parsed = parse_http_date(line[6:-2].decode())
    assert parsed is not None and abs(parsed.timestamp() - time.time()) < 2


def test_status_line_and_header_kind() -> None:
    assert status_line("404 Not Found") == (b"HTTP/1.1 404 Not Found\r\n", 404)
    assert [header_kind(n) for n in ("X-A", "content-length", "Connection", "DATE")] == [
        0,
        1,
        2,
        3,
    ]
    with pytest.raises(ValueError, match="invalid response header name"):
        header_kind("Bad:Name")


def test_encode_fields_refuses_line_breaks() -> None:
    assert encode_fields(["A: 1\r\n", "B: é\r\n"], 2) == b"A: 1\r\nB: \xe9\r\n"
    for bad in ("A: 1\r\nX: 2\r\n", "A: 1\n\r\n", "A: \x001\r\n"):
        with pytest.raises(ValueError):
            encode_fields([bad], 1)
    with pytest.raises(ValueError, match="latin-1"):
        encode_fields(["A: \u20ac\r\n"], 1)


def test_response_fields() -> None:
    headers = [("Content-Type", "text/plain"), ("Content-Length", "3"), ("Connection", "close")]
    expected = ResponseFields(
        b"Content-Type: text/plain\r\nContent-Length: 3\r\n", 3, False, False, True
    )
    assert response_fields(headers) == expected
    # An equal list built anew is answered from the table, with the same result.
    again = [("Content-Type", "text/plain"), ("Content-Length", "3"), ("Connection", "close")]
    assert response_fields(again) is response_fields(headers)
    assert response_fields([("Date", "x"), ("server", "y")]) == ResponseFields(
        b"Date: x\r\nserver: y\r\n", None, True, True, False
    )


@pytest.mark.parametrize(
    ("headers", "error", "match"),
    [
        ((("A", "1"),), TypeError, "must be a list"),
        ([("A", 1)], TypeError, "must be str"),
        ([["A", []]], TypeError, "must be str"),  # unhashable: checked in full
        ([("Bad Name", "1")], ValueError, "invalid response header name"),
        ([("A", "1\r\nX: 2")], ValueError, "CR, LF or NUL"),
        ([("Content-Length", "-1")], ValueError, "invalid Content-Length"),
        ([("Transfer-Encoding", "chunked")], ValueError, "Transfer-Encoding"),
    ],
    ids=["tuple", "int-value", "unhashable", "bad-name", "split", "bad-length", "te"],
)
def test_response_fields_refusals_are_never_cached(
    headers: list[tuple[str, str]], error: type[Exception], match: str
) -> None:
    for _ in range(2):  # the second time must not be answered from the table
        with pytest.raises(error, match=match):
            response_fields(headers)


def test_response_start_is_status_line_and_fields_in_one_lookup() -> None:
    headers = [("Content-Type", "text/plain"), ("Content-Length", "3")]
    start = response_start("200 OK", headers)
    assert start == (
        b"HTTP/1.1 200 OK\r\n",
        200,
        b"Content-Type: text/plain\r\nContent-Length: 3\r\n",
        3,
        False,
        False,
        False,
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nServer: kettle\r\n",
        True,
    )
    assert (
        response_start("200 OK", [("Server", "mine")])[7] == b"HTTP/1.1 200 OK\r\nServer: mine\r\n"
    )
    again = [("Content-Type", "text/plain"), ("Content-Length", "3")]
    assert response_start("200 OK", again) is start
    assert response_start("404 Not Found", again)[:2] == (b"HTTP/1.1 404 Not Found\r\n", 404)


@pytest.mark.parametrize(
    ("status", "headers", "whole"),
    [
        ("200 OK", [("Content-Length", "3")], True),
        ("404 Not Found", [("Content-Length", "3"), ("Connection", "keep-alive")], True),
        ("200 OK", [("Content-Type", "text/plain")], False),
        ("200 OK", [("Content-Length", "3"), ("Date", "Thu, 01 Jan 1970 00:00:00 GMT")], False),
        ("200 OK", [("Content-Length", "3"), ("Connection", "close")], False),
        ("204 No Content", [("Content-Length", "0")], False),
        ("304 Not Modified", [("Content-Length", "3")], False),
        ("101 Switching Protocols", [("Content-Length", "0")], False),
    ],
    ids=["length", "keep-alive", "no-length", "own-date", "close", "204", "304", "1xx"],
)
def test_response_start_says_when_a_date_line_is_all_the_head_needs(
    status: str, headers: list[tuple[str, str]], whole: bool
) -> None:
    assert response_start(status, headers)[8] is whole


@pytest.mark.parametrize(
    ("status", "headers", "error", "match"),
    [
        ("200", [("A", "1")], ValueError, "status"),
        ("200 OK", (("A", "1"),), TypeError, "must be a list"),
        ("200 OK", [("A", 1)], TypeError, "must be str"),
        ("200 OK", [["A", []]], TypeError, "must be str"),
        ("200 OK", [("A", "1\r\nX: 2")], ValueError, "CR, LF or NUL"),
        ("2OO OK", [("Bad Name", "1")], ValueError, "status"),  # the status is checked first
    ],
    ids=["bad-status", "tuple", "int-value", "unhashable", "split", "status-first"],
)
def test_response_start_refusals_are_never_cached(
    status: str, headers: list[tuple[str, str]], error: type[Exception], match: str
) -> None:
    for _ in range(2):  # the second time must not be answered from the table
        with pytest.raises(error, match=match):
            response_start(status, headers)


def test_a_list_cached_by_response_start_does_not_admit_an_equal_tuple() -> None:
    response_start("200 OK", [("X-Equal", "1")])
    with pytest.raises(TypeError, match="must be a list"):
        response_start("200 OK", (("X-Equal", "1"),))  # type: ignore[arg-type]


def test_response_fields_table_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(response_module, "_FIELDS", {})
    monkeypatch.setattr(response_module, "_FIELDS_CACHE_LIMIT", 4)
    for n in range(10):
        assert response_fields([("X-N", str(n))]).block == b"X-N: %d\r\n" % n
        assert len(response_module._FIELDS) <= 4
    response_fields([("X-Big", "v" * 5000)])
    assert ("X-Big", "v" * 5000) not in {key[0] for key in response_module._FIELDS}


def test_length_lines_are_remembered_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(response_module, "LENGTH_LINES", {})
    monkeypatch.setattr(response_module, "_LENGTH_LINES_LIMIT", 3)
    assert response_module.length_line(0) == b"Content-Length: 0\r\n"
    assert response_module.LENGTH_LINES == {0: b"Content-Length: 0\r\n"}
    for n in (13, 65536, 10**12):
        assert response_module.length_line(n) == b"Content-Length: %d\r\n" % n
        assert response_module.LENGTH_LINES[n] == b"Content-Length: %d\r\n" % n
        assert len(response_module.LENGTH_LINES) <= 3


def test_chunk_and_error_response() -> None:
    assert chunk(b"hello world!") == b"c\r\nhello world!\r\n"
    raw = error_response(404, "no such thing", close=False)
    assert raw.startswith(
        b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Length: 28\r\nServer: kettle\r\nDate: "
    )
    assert raw.endswith(b" GMT\r\n\r\n404 Not Found\nno such thing\n")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (b"/a/b?x=1", (b"/a/b", b"x=1")),
        (b"/a?x=1#frag", (b"/a", b"x=1")),
        (b"/a#frag", (b"/a", b"")),
        (b"*", (b"*", b"")),
        (b"http://h:1/p?q", (b"/p", b"q")),
        (b"https://h", (b"/", b"")),
        (b"http://h?q=1", (b"/", b"q=1")),
        (b"example.com:443", (b"example.com:443", b"")),
    ],
)
def test_split_target(target: bytes, expected: tuple[bytes, bytes]) -> None:
    assert split_target(target) == expected


def test_environ_keys() -> None:
    assert environ_key(b"X-Forwarded-For") == "HTTP_X_FORWARDED_FOR"
    assert environ_key(b"content-type") == "CONTENT_TYPE"
    assert environ_key(b"X_Forwarded_For") is None


def test_fill_environ() -> None:
    request = Request(
        "PUT",
        b"/%E2%82%AC/x?a=%20",
        "1.0",
        [(b"Host", b"h"), (b"Content-Length", b"3"), (b"Accept", b"a"), (b"accept", b"b")],
        False,
        False,
        False,
        3,
        False,
    )
    environ: dict[str, object] = {}
    fill_environ(environ, request)
    assert environ == {
        "REQUEST_METHOD": "PUT",
        "PATH_INFO": "/\xe2\x82\xac/x",
        "QUERY_STRING": "a=%20",
        "RAW_URI": "/%E2%82%AC/x?a=%20",
        "REQUEST_URI": "/%E2%82%AC/x?a=%20",
        "SERVER_PROTOCOL": "HTTP/1.0",
        "HTTP_HOST": "h",
        "CONTENT_LENGTH": "3",
        "HTTP_ACCEPT": "a, b",
    }


def get(target: bytes, *headers: tuple[bytes, bytes]) -> Request:
    return Request("GET", target, "1.1", list(headers), True, False, False, None, False)


def test_environ_source_copies_the_environ_of_a_repeated_request() -> None:
    sock = object()
    base = {"SCRIPT_NAME": "", "REMOTE_ADDR": "10.0.0.1"}
    source = EnvironSource(base, sock)  # type: ignore[arg-type]
    expected = {
        "SCRIPT_NAME": "",
        "REMOTE_ADDR": "10.0.0.1",
        "wsgi.input": EMPTY_INPUT,
        "werkzeug.socket": sock,
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/a",
        "QUERY_STRING": "",
        "RAW_URI": "/a",
        "REQUEST_URI": "/a",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "h",
    }
    first = source.build(get(b"/a", (b"Host", b"h")))
    assert first == expected
    first["PATH_INFO"] = "/changed by the app"
    del first["HTTP_HOST"]
    # The same head again (new, equal objects, as a parser makes them): equal environs,
    # each a dict of its own, untouched by what the app did to the previous ones.
    second = source.build(get(b"".join([b"/", b"a"]), (b"Host", b"h")))
    assert second == expected
    second["wsgi.input"] = "changed"
    third = source.build(get(b"/a", (b"Host", b"h")))
    assert third == expected
    assert len({id(first), id(second), id(third)}) == 3
    assert base == {"SCRIPT_NAME": "", "REMOTE_ADDR": "10.0.0.1"}  # the caller's dict is kept


def test_environ_source_offers_the_template_of_the_request_it_was_built_for() -> None:
    # What a driver copies itself for ``repeat`` (``Connection.serve_ready``) is what
    # ``build`` gives that request, and it exists only while that request repeats.
    source = EnvironSource({"SCRIPT_NAME": ""})
    request = get(b"/a", (b"Host", b"h"))
    first = source.build(request)
    assert source.repeat is None and source.template == {}
    again = get(b"/a", (b"Host", b"h"))  # equal, another object: the first repeat
    second = source.build(again)
    assert source.repeat is again
    assert source.template == first == second
    assert source.template is not second
    assert source.build(again) is not source.template
    source.build(get(b"/b", (b"Host", b"h")))
    assert source.repeat is None and source.template == {}


@pytest.mark.parametrize(
    "other",
    [
        get(b"/b", (b"Host", b"h")),
        get(b"/a", (b"Host", b"h"), (b"Cookie", b"c=1")),
        get(b"/a", (b"Host", b"other")),
        Request("HEAD", b"/a", "1.1", [(b"Host", b"h")], True, False, False, None, False),
        Request("GET", b"/a", "1.0", [(b"Host", b"h")], True, False, False, None, False),
    ],
    ids=["target", "one more field", "field value", "method", "version"],
)
def test_environ_source_builds_any_other_request_afresh(other: Request) -> None:
    source = EnvironSource({"SCRIPT_NAME": ""})
    request = get(b"/a", (b"Host", b"h"))
    source.build(request)
    source.build(request)  # a repeat: the template is built

    def filled(request: Request) -> dict[str, object]:
        environ: dict[str, object] = {
            "SCRIPT_NAME": "",
            "wsgi.input": EMPTY_INPUT,
            "werkzeug.socket": None,
        }
        fill_environ(environ, request)
        return environ

    assert source.build(other) == filled(other)
    assert source.build(other) == filled(other)
    assert source.build(request) == filled(request)


def test_target_keys_are_shared_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(environ_module, "_TARGETS", {})
    monkeypatch.setattr(environ_module, "_TARGET_CACHE_LIMIT", 3)
    keys = target_keys(b"/a%20b?q=%20")
    assert keys == {
        "PATH_INFO": "/a b",
        "QUERY_STRING": "q=%20",
        "RAW_URI": "/a%20b?q=%20",
        "REQUEST_URI": "/a%20b?q=%20",
    }
    assert target_keys(b"".join([b"/a%20b", b"?q=%20"])) is keys  # an equal, new object
    for n in range(5):
        assert target_keys(b"/n%d" % n)["PATH_INFO"] == f"/n{n}"
        assert len(environ_module._TARGETS) <= 3
    long = b"/" + b"x" * 300
    assert target_keys(long)["PATH_INFO"] == long.decode()
    assert long not in environ_module._TARGETS


def make_input(*pieces: bytes) -> Input:
    queue = list(pieces)
    return Input(lambda: queue.pop(0) if queue else None)


def test_input_read_sizes() -> None:
    stream = make_input(b"ab", b"cde", b"f")
    assert [stream.read(4), stream.read(0), stream.read(), stream.read(3)] == [
        b"abcd",
        b"",
        b"ef",
        b"",
    ]


def test_input_readline_limits() -> None:
    stream = make_input(b"abc", b"def\ngh\n", b"tail")
    assert stream.readline(2) == b"ab"
    assert stream.readline() == b"cdef\n"
    assert stream.readlines() == [b"gh\n", b"tail"]
    assert stream.readline() == b""
