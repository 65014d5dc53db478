"""``wsgi.Exchange`` without sockets: the head and body bytes it hands to its connection."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from kettle.server import wsgi as wsgi_module
from kettle.server.protocol import Request
from kettle.server.response import DateLine
from kettle.server.wsgi import Exchange

# 6 November 1994, 08:49:37 UTC and a quarter (RFC 9110's example date).
NOV_6 = 784111777.25


class Sink:
    """The connection side of an exchange: it keeps what is sent."""

    continued = None
    batching = False  # a response is never held for batching here (Engine.hold)

    def __init__(self) -> None:
        self.engine = SimpleNamespace(draining=False)
        self.sent: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.sent.append(data)


def get(version: str = "1.1", method: str = "GET") -> Request:
    return Request(method, b"/", version, [(b"Host", b"h")], True, False, False, None, False)


def respond(
    status: str, headers: list[tuple[str, str]], result: Any, request: Request | None = None
) -> tuple[bytes, Exchange]:
    sink: Any = Sink()
    exchange = Exchange(sink, request or get())
    exchange.start_response(status, headers)
    exchange.send_result(result)
    return b"".join(sink.sent), exchange


def test_date_line_is_kept_for_its_second() -> None:
    date = DateLine()
    assert date.refresh(NOV_6) == b"Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
    assert date.line == b"Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
    assert (date.since, date.until) == (784111777.0, 784111778.0)


def test_head_carries_the_date_of_the_current_second(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [NOV_6]
    monkeypatch.setattr(wsgi_module, "_time", lambda: now[0])
    monkeypatch.setattr(wsgi_module, "DATE_LINE", DateLine())
    expected = b"HTTP/1.1 200 OK\r\nServer: kettle\r\nDate: Sun, 06 Nov 1994 08:49:%s GMT\r\n"
    seconds = [(NOV_6, b"37"), (NOV_6 + 0.74, b"37"), (NOV_6 + 0.75, b"38")]
    seconds += [(NOV_6 - 0.26, b"36"), (NOV_6 + 0.75, b"38")]  # a clock set back, and on again
    for when, second in seconds:
        now[0] = when
        raw, _ = respond("200 OK", [], [b"hi"])
        assert raw == expected % second + b"Content-Length: 2\r\n\r\nhi"


@pytest.mark.parametrize(
    ("status", "headers", "result", "request_", "expected", "keep_alive"),
    [
        (
            "200 OK",
            [("Content-Type", "text/plain")],
            [b"hello"],
            get(),
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nServer: kettle\r\n<date>"
            b"Content-Length: 5\r\n\r\nhello",
            True,
        ),
        (
            "200 OK",
            [("Server", "mine"), ("Date", "yesterday")],
            [b"a", b"b"],
            get(),
            b"HTTP/1.1 200 OK\r\nServer: mine\r\nDate: yesterday\r\nContent-Length: 2\r\n\r\nab",
            True,
        ),
        (
            "200 OK",
            [],
            iter([b"ab", b"c"]),
            get(),
            b"HTTP/1.1 200 OK\r\nServer: kettle\r\n<date>Transfer-Encoding: chunked\r\n\r\n"
            b"2\r\nab\r\n1\r\nc\r\n0\r\n\r\n",
            True,
        ),
        (
            "200 OK",
            [],
            iter([b"ab"]),
            get("1.0"),
            b"HTTP/1.1 200 OK\r\nServer: kettle\r\n<date>Connection: close\r\n\r\nab",
            False,
        ),
        (
            "200 OK",
            [],
            [b"ab"],
            get("1.0"),
            b"HTTP/1.1 200 OK\r\nServer: kettle\r\n<date>Content-Length: 2\r\n"
            b"Connection: keep-alive\r\n\r\nab",
            True,
        ),
        (
            "200 OK",
            [("Connection", "close")],
            [b"ab"],
            get(),
            b"HTTP/1.1 200 OK\r\nServer: kettle\r\n<date>Content-Length: 2\r\n"
            b"Connection: close\r\n\r\nab",
            False,
        ),
        (
            "200 OK",
            [("Content-Length", "4")],
            [b"abcd"],
            get(method="HEAD"),
            b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nServer: kettle\r\n<date>\r\n",
            True,
        ),
        (
            "204 No Content",
            [],
            [b""],
            get(),
            b"HTTP/1.1 204 No Content\r\nServer: kettle\r\n<date>\r\n",
            True,
        ),
        (
            "304 Not Modified",
            [],
            iter([]),
            get(),
            b"HTTP/1.1 304 Not Modified\r\nServer: kettle\r\n<date>\r\n",
            True,
        ),
    ],
    ids=[
        "length-computed",
        "own-server-and-date",
        "chunked",
        "http10-close-delimited",
        "http10-keep-alive",
        "app-asks-close",
        "head",
        "204",
        "304",
    ],
)
def test_head_and_framing(
    monkeypatch: pytest.MonkeyPatch,
    status: str,
    headers: list[tuple[str, str]],
    result: Any,
    request_: Request,
    expected: bytes,
    keep_alive: bool,
) -> None:
    monkeypatch.setattr(wsgi_module, "_time", lambda: NOV_6)
    monkeypatch.setattr(wsgi_module, "DATE_LINE", DateLine())
    raw, exchange = respond(status, headers, result, request_)
    assert raw == expected.replace(b"<date>", b"Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n")
    assert exchange.keep_alive is keep_alive


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ([None], b"Content-Length: 0\r\n\r\n"),  # empty items are skipped
        (
            [b"a", bytearray(b"b")],
            b"Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n0\r\n\r\n",
        ),
        ((b"a", b"b"), b"Content-Length: 2\r\n\r\nab"),
    ],
    ids=["none-item", "bytearray-item", "tuple"],
)
def test_list_results_that_are_not_all_bytes_are_written_item_by_item(
    monkeypatch: pytest.MonkeyPatch, result: Any, expected: bytes
) -> None:
    monkeypatch.setattr(wsgi_module, "_time", lambda: NOV_6)
    monkeypatch.setattr(wsgi_module, "DATE_LINE", DateLine())
    raw, _ = respond("200 OK", [], result)
    date = b"Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
    assert raw == b"HTTP/1.1 200 OK\r\nServer: kettle\r\n" + date + expected


def test_a_result_item_that_is_not_bytes_is_refused() -> None:
    with pytest.raises(TypeError, match="response body chunks must be bytes, got int"):
        respond("200 OK", [], [5])


@pytest.mark.parametrize("version", ["1.1", "1.0"])
def test_a_bodyless_request_is_answered_as_its_fields_say(version: str) -> None:
    # ``Request.bodyless`` (set by the reader) only saves reading the fields it sums up.
    summed = get(version)._replace(bodyless=True)
    plain, exchange = respond("200 OK", [("Date", "d")], [b"hi"], summed)
    reference, kept = respond("200 OK", [("Date", "d")], [b"hi"], get(version))
    assert plain == reference
    assert plain.endswith(b"\r\n\r\nhi")
    assert (b"Connection: keep-alive\r\n" in plain) == (version == "1.0")
    both = (exchange.keep_alive, exchange.body_done)
    assert both == (kept.keep_alive, kept.body_done) == (True, True)
