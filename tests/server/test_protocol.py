"""The sans-IO request core, byte for byte, without sockets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kettle.server import protocol
from kettle.server.protocol import (
    END_OF_MESSAGE,
    Data,
    Limits,
    ProtocolError,
    Request,
    RequestReader,
)


def events_of(*chunks: bytes, limits: Limits | None = None) -> list[object]:
    reader = RequestReader(limits)
    out: list[object] = []
    for data in chunks:
        reader.feed(data)
        while (event := reader.next_event()) is not None:
            out.append(event)
    return out


def test_simple_get() -> None:
    assert events_of(b"GET /a?b=1 HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n") == [
        Request(
            "GET",
            b"/a?b=1",
            "1.1",
            [(b"Host", b"x"), (b"Accept", b"*/*")],
            True,
            False,
            False,
            None,
            False,
            True,
        ),
        END_OF_MESSAGE,
    ]


CHUNKED = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
UPGRADE = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
BODYLESS = [
    ("get", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", True),
    ("zero-length", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", True),
    ("expect-without-body", b"GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n", True),
    ("http10-keep-alive", b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", True),
    ("http10", b"GET / HTTP/1.0\r\n\r\n", False),
    ("close", b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", False),
    ("body", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab", False),
    ("chunked", CHUNKED, False),
    ("upgrade", UPGRADE, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "bodyless"), [case[1:] for case in BODYLESS], ids=[case[0] for case in BODYLESS]
)
def test_bodyless_is_a_kept_connection_without_upgrade_or_body(raw: bytes, bodyless: bool) -> None:
    request = events_of(raw)[0]
    assert isinstance(request, Request)
    expected = (
        request.keep_alive
        and not request.upgrade
        and not request.chunked
        and not request.content_length
    )
    assert (request.bodyless, expected) == (bodyless, bodyless)


def test_http10_defaults_to_close_and_keep_alive_header_keeps_it() -> None:
    (plain, _) = events_of(b"GET / HTTP/1.0\r\n\r\n")
    (kept, _) = events_of(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    assert isinstance(plain, Request) and isinstance(kept, Request)
    assert (plain.keep_alive, kept.keep_alive) == (False, True)


def test_pipelined_requests_come_out_in_order() -> None:
    stream = (
        b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
        b"POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
        b"GET /3 HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    kinds = [
        (type(e).__name__, getattr(e, "target", getattr(e, "data", None)))
        for e in events_of(stream)
    ]
    assert kinds == [
        ("Request", b"/1"),
        ("EndOfMessage", None),
        ("Request", b"/2"),
        ("Data", b"abc"),
        ("EndOfMessage", None),
        ("Request", b"/3"),
        ("EndOfMessage", None),
    ]


def test_chunked_body_is_decoded_and_trailers_dropped() -> None:
    events = events_of(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: y\r\n\r\n"
    )
    request = events[0]
    assert isinstance(request, Request)
    assert (request.chunked, request.content_length, request.headers[-1]) == (
        True,
        None,
        (b"Transfer-Encoding", b"chunked"),
    )
    assert events[1:] == [Data(b"abc"), Data(b"de"), END_OF_MESSAGE]


def test_expect_continue_flag() -> None:
    (request, *_) = events_of(
        b"PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n"
    )
    assert isinstance(request, Request) and request.expect_continue


def test_upgrade_keeps_leftover_bytes() -> None:
    reader = RequestReader()
    reader.feed(
        b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05"
    )
    reader.feed(b"hello")
    request = reader.next_event()
    assert isinstance(request, Request) and request.upgrade
    assert reader.next_event() is END_OF_MESSAGE
    assert (reader.upgraded, reader.leftover, reader.next_event()) == (
        True,
        b"\x81\x05hello",
        None,
    )


def test_queued_body_for_takeover() -> None:
    reader = RequestReader()
    reader.feed(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab")
    reader.feed(b"cd")
    assert isinstance(reader.next_event(), Request)
    assert reader.queued_body() == (b"abcd", True)
    reader.feed(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reader.queued_body() == (b"", False)


BAD = [
    (
        "te-twice",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    (
        "chunked-twice",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
        400,
    ),
    (
        "cl-overflow",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        400,
    ),
    ("space-after-start-line", b"GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400),
    ("nul-in-name", b"GET / HTTP/1.1\r\nHost: x\r\n\x00A: b\r\n\r\n", 400),
    (
        "te-and-cl",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        400,
    ),
    (
        "duplicate-cl",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
        400,
    ),
    ("invalid-cl", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3x\r\n\r\nabc", 400),
    ("negative-cl", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400),
    ("cl-list", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc", 400),
    ("obs-fold", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400),
    ("space-before-colon", b"GET / HTTP/1.1\r\nHost: x\r\nX-A : a\r\n\r\n", 400),
    ("te-gzip", b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    (
        "te-gzip-chunked",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        501,
    ),
    (
        "te-chunked-not-last",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
        400,
    ),
    ("http2-preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400),
    ("tls-client-hello", bytes.fromhex("16030100a5010000a10303") + b"\x00" * 32, 400),
    ("garbage", b"\x00\x01\x02\r\n\r\n", 400),
    ("unknown-method", b"FROB /x HTTP/1.1\r\nHost: x\r\n\r\n", 501),
    ("unknown-method-10", b"BREW /pot HTTP/1.0\r\n\r\n", 501),
    ("bad-method-char", b"GE(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("unknown-method-no-version", b"FROB /x\r\n\r\n", 400),
    ("lf-only", b"GET / HTTP/1.1\nHost: x\n\n", 400),
    ("http09", b"GET /\r\n\r\n", 505),
    ("http12", b"GET / HTTP/1.2\r\nHost: x\r\n\r\n", 400),
    ("no-host-11", b"GET / HTTP/1.1\r\n\r\n", 400),
    ("two-hosts", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    ("nul-in-value", b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", 400),
]


@pytest.mark.parametrize(("raw", "status"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_requests_end_in_a_protocol_error(raw: bytes, status: int) -> None:
    reader = RequestReader()
    reader.feed(raw)
    events = []
    while (event := reader.next_event()) is not None:
        events.append(event)
    assert isinstance(events[-1], ProtocolError)
    assert events[-1].status == status
    assert reader.failed
    assert not any(isinstance(e, Request) for e in events)
    reader.feed(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reader.next_event() is None  # nothing is parsed after a failure


def test_bad_chunk_size_after_the_head() -> None:
    events = events_of(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", b"zz\r\n"
    )
    assert isinstance(events[0], Request)
    assert events[1:] == [ProtocolError(400, "Invalid character in chunk size")]


def test_limits() -> None:
    small = Limits(max_request_line=20, max_header_bytes=40, max_headers=2, max_body_size=5)
    long_target = b"GET /" + b"a" * 30 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    assert events_of(long_target, limits=small)[-1] == ProtocolError(
        414, "request-target too long"
    )
    many = b"GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n"
    assert events_of(many, limits=small)[-1] == ProtocolError(431, "too many header fields")
    big = b"GET / HTTP/1.1\r\nHost: x\r\nA: " + b"v" * 40 + b"\r\n\r\n"
    assert events_of(big, limits=small)[-1] == ProtocolError(431, "header section too large")
    body = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabcdef"
    assert events_of(body, limits=small)[-1] == ProtocolError(
        413, "request body larger than the limit"
    )
    chunked = (
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n"
    )
    events = events_of(chunked, limits=small)
    assert events[1:] == [Data(b"abc"), ProtocolError(413, "request body larger than the limit")]


def test_an_unterminated_head_is_bounded() -> None:
    limits = Limits(max_request_line=100, max_header_bytes=100)
    reader = RequestReader(limits)
    reader.feed(b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: ")
    for _ in range(20):
        reader.feed(b"v" * 50)
    assert reader.next_event() == ProtocolError(431, "request head too large")


def test_eof_in_the_middle_of_a_head() -> None:
    reader = RequestReader()
    reader.feed(b"GET / HTTP/1.1\r\nHo")
    assert reader.head_started
    reader.feed(b"")
    assert reader.next_event() == ProtocolError(
        400, "connection closed in the middle of a request"
    )


def test_eof_between_requests_is_clean() -> None:
    reader = RequestReader()
    reader.feed(b"")
    assert (reader.next_event(), reader.failed) == (None, False)


PIPELINE = (
    b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
    b"POST /2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwxyz\r\n0\r\n\r\n"
    b"PUT /3 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
)


def collapse(events: list[object]) -> list[object]:
    """Merge adjacent Data events: how a body is split depends on how bytes arrive."""
    out: list[object] = []
    for event in events:
        if isinstance(event, Data) and out and isinstance(out[-1], Data):
            out[-1] = Data(out[-1].data + event.data)
        else:
            out.append(event)
    return out


@given(st.lists(st.integers(min_value=0, max_value=len(PIPELINE)), max_size=12))
def test_any_split_of_the_stream_gives_the_same_events(cuts: list[int]) -> None:
    points = sorted(set(cuts))
    chunks = [PIPELINE[a:b] for a, b in zip([0, *points], [*points, len(PIPELINE)], strict=True)]
    chunks = [c for c in chunks if c]
    assert collapse(events_of(*chunks)) == collapse(events_of(PIPELINE))


@given(
    st.lists(
        st.one_of(
            st.binary(max_size=64),
            st.sampled_from(
                [b"GET / HTTP/1.1\r\n", b"Host: x\r\n", b"\r\n", b"Content-Length: 2\r\n",
                 b"Transfer-Encoding: chunked\r\n", b"0\r\n\r\n", b"POST /p HTTP/1.0\r\n"]
            ),
        ),
        max_size=20,
    )
)  # fmt: skip
def test_arbitrary_bytes_give_only_well_formed_events(chunks: list[bytes]) -> None:
    reader = RequestReader(Limits(max_request_line=100, max_header_bytes=200, max_body_size=50))
    events = []
    for data in chunks:
        reader.feed(data)
        while (event := reader.next_event()) is not None:
            events.append(event)
    errors = [e for e in events if isinstance(e, ProtocolError)]
    assert len(errors) <= 1
    if errors:
        assert events[-1] is errors[0] and reader.failed
        assert errors[0].status in (400, 413, 414, 431, 501, 505)
    in_request = False
    for event in events:
        if isinstance(event, Request):
            assert not in_request
            in_request = True
        elif event is END_OF_MESSAGE:
            assert in_request
            in_request = False
        elif isinstance(event, Data):
            assert in_request and event.data


def test_unknown_method_after_a_pipelined_request_is_400() -> None:
    # Only a request line read from the first byte of a chunk is known to be one; after
    # another request in the same chunk the failing bytes get the generic 400.
    events = events_of(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nFROB / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert type(events[0]) is Request and events[1] is END_OF_MESSAGE
    assert events[2] == ProtocolError(
        400, "unknown or malformed method (TLS or binary data on a plain port?)"
    )
    assert len(events) == 3


def test_too_many_fields_are_refused_before_the_head_ends() -> None:
    """Small fields are only counted when the head is complete or a read leaves it
    unfinished: a head that never ends is refused all the same, at the end of the read."""
    reader = RequestReader(Limits(max_headers=3))
    reader.feed(b"GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\n")
    assert not reader.failed
    reader.feed(b"B: 2\r\nC: 3\r\nD: 4\r\n")
    assert reader.failed
    assert list(iter(reader.next_event, None)) == [ProtocolError(431, "too many header fields")]


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        # Fields within the fast budget (no field can break a size limit there)...
        (b"Host: x\r\nA: " + b"a" * 20 + b"\r\n", None),
        # ...and past it, where each one is checked: the field limit, then the section.
        (b"Host: x\r\nA: " + b"a" * 33 + b"\r\n", None),
        (b"Host: x\r\nA: " + b"a" * 34 + b"\r\n", ProtocolError(431, "header field too large")),
        (
            b"Host: x\r\nA: " + b"a" * 31 + b"\r\nB: " + b"b" * 31 + b"\r\n",
            ProtocolError(431, "header section too large"),
        ),
        (b"Host: x\r\n" + b"A: 1\r\n" * 4, ProtocolError(431, "too many header fields")),
        (b"Host: x\r\n" + b"A:\r\n" * 4, ProtocolError(431, "too many header fields")),
    ],
    ids=[
        "small",
        "field-at-limit",
        "field-over-limit",
        "section-over-limit",
        "count",
        "count-within-budget",
    ],
)
def test_field_limits_on_both_sides_of_the_fast_budget(
    head: bytes, expected: ProtocolError | None
) -> None:
    limits = Limits(max_header_field=36, max_header_bytes=80, max_headers=4)
    events = events_of(b"GET / HTTP/1.1\r\n" + head + b"\r\n", limits=limits)
    if expected is None:
        assert isinstance(events[0], Request)
        assert events[1:] == [END_OF_MESSAGE]
    else:
        assert events == [expected]


@pytest.mark.parametrize("piece_size", [1, 7, 4096])
def test_endless_trailer_is_refused_after_the_field_limit(piece_size: int) -> None:
    reader = RequestReader(Limits(max_header_field=100))
    reader.feed(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: ")
    fed = 0
    while not reader.failed and fed < 1 << 20:
        reader.feed(b"t" * piece_size)
        fed += piece_size
    # Refused within one piece past the limit: the cost stays linear in the bytes read.
    assert 100 < fed <= 100 + piece_size
    assert [e for e in iter(reader.next_event, None)][-1] == ProtocolError(
        431, "trailer field too large"
    )


def test_endless_chunk_extension_is_refused() -> None:
    reader = RequestReader()
    reader.feed(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;e=")
    fed = 0
    while not reader.failed and fed < 1 << 20:
        reader.feed(b"e" * 1000)
        fed += 1000
    assert fed == 5000  # MAX_CHUNK_LINE is 4096
    events = list(iter(reader.next_event, None))
    assert events[-1] == ProtocolError(400, "chunk-size line or chunk extensions too long")


def test_chunked_body_fed_byte_by_byte_is_not_mistaken_for_a_stall() -> None:
    body = (
        b"".join(b"%x;ext=1\r\n%s\r\n" % (n, b"d" * n) for n in (5000, 1, 300))
        + b"0\r\nT: 1\r\n\r\n"
    )
    reader = RequestReader(Limits(max_header_field=50))
    for byte in b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body:
        reader.feed(bytes([byte]))
    events = list(iter(reader.next_event, None))
    assert b"".join(e.data for e in events if isinstance(e, Data)) == b"d" * 5301
    assert events[-1] is END_OF_MESSAGE


def test_transfer_encoding_in_http10_is_refused() -> None:
    events = events_of(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    assert events == [ProtocolError(400, "Transfer-Encoding in an HTTP/1.0 request")]


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (
            b"HOST: x\r\nhost: y\r\n",
            ProtocolError(400, "an HTTP/1.1 request needs exactly one Host field"),
        ),
        (b"hOsT: x\r\nCONTENT-LENGTH: 2\r\nEXPECT: 100-Continue\r\n", (True, 2, False)),
        (b"Host: x\r\ntransfer-ENCODING: chunked\r\n", (False, None, True)),
        (b"Host: x\r\nX-Host: y\r\nHost-Name: z\r\n", (False, None, False)),
    ],
    ids=["two-hosts", "upper-case", "mixed-te", "look-alikes"],
)
def test_inspected_fields_are_found_in_any_case(head: bytes, expected: object) -> None:
    # Twice: the second request is classified from the name table filled by the first.
    for _ in range(2):
        (event, *_) = events_of(b"POST / HTTP/1.1\r\n" + head + b"\r\n")
        if isinstance(expected, ProtocolError):
            assert event == expected
        else:
            assert isinstance(event, Request)
            assert (event.expect_continue, event.content_length, event.chunked) == expected


# -- a request repeated byte for byte (the reader's memo of its last read) --------------

GET = b"GET /a?b=1 HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n"
GET_REQUEST = Request(
    "GET", b"/a?b=1", "1.1", [(b"Host", b"x"), (b"Accept", b"*/*")], True, False, False, None,
    False, True,
)  # fmt: skip


def drain(reader: RequestReader) -> list[object]:
    out: list[object] = []
    while (event := reader.next_event()) is not None:
        out.append(event)
    return out


def test_a_repeated_request_gives_the_same_events_without_parsing_again() -> None:
    reader = RequestReader()
    reader.feed(GET)
    first = drain(reader)
    assert first == [GET_REQUEST, END_OF_MESSAGE]
    for _ in range(3):
        reader.feed(GET)
        again = drain(reader)
        assert again == [GET_REQUEST, END_OF_MESSAGE]
        assert again[0] is first[0]  # not parsed again: the same immutable Request
    other = b"GET /other HTTP/1.1\r\nHost: x\r\n\r\n"
    reader.feed(other)
    (request, end) = drain(reader)
    assert (request.target, end) == (b"/other", END_OF_MESSAGE)  # type: ignore[union-attr]
    reader.feed(GET)
    parsed = drain(reader)
    assert parsed == [GET_REQUEST, END_OF_MESSAGE] and parsed[0] is not first[0]


NOT_REMEMBERED = [
    ("body", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab"),
    ("chunked", b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    ("close", b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    ("http10", b"GET / HTTP/1.0\r\n\r\n"),
    ("expect", b"GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n"),
    ("two-requests", GET + GET),
    ("half-of-the-next", GET + b"GET /"),
    ("too-large", b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 8192 + b"\r\n\r\n"),
]


@pytest.mark.parametrize(
    "raw", [raw for _, raw in NOT_REMEMBERED], ids=[i for i, _ in NOT_REMEMBERED]
)
def test_reads_that_are_not_one_whole_bodyless_request_are_parsed_every_time(raw: bytes) -> None:
    reader = RequestReader()
    reader.feed(raw)
    first = drain(reader)
    reader.feed(raw)
    second = drain(reader)
    reference = RequestReader()
    reference.feed(raw)
    reference.feed(raw)
    assert second == drain(reference)[len(first) :]
    assert not any(a is b for a, b in zip(first, second, strict=False) if isinstance(a, Request))


def test_a_repeat_after_an_upgrade_is_leftover() -> None:
    reader = RequestReader()
    reader.feed(GET)
    drain(reader)
    reader.feed(
        b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
    )
    assert [type(e) for e in drain(reader)] == [Request, type(END_OF_MESSAGE)]
    reader.feed(GET)
    assert (drain(reader), reader.leftover) == ([], GET)


def test_a_repeat_while_events_are_queued_is_parsed() -> None:
    reader = RequestReader()
    reader.feed(GET)
    reader.feed(GET)  # the first request's events are still queued
    events = drain(reader)
    assert events == [GET_REQUEST, END_OF_MESSAGE, GET_REQUEST, END_OF_MESSAGE]
    assert events[0] is not events[2]


REPEAT_PIECES = [
    GET,
    GET,
    GET[:10],
    GET[10:],
    b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n",
    b"ab",
    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nab",
    b"c" + GET,
    b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    b"\r\n",
    b"garbage\r\n\r\n",
]


@given(st.lists(st.sampled_from(REPEAT_PIECES), max_size=16))
def test_the_memo_never_changes_what_is_read(pieces: list[bytes]) -> None:
    """Any sequence of reads gives the same events and ends in the same state with the
    memo as with every read parsed (REPEAT_LIMIT 0 remembers nothing)."""
    remembering, parsing = RequestReader(), RequestReader()
    got: list[object] = []
    expected: list[object] = []
    for piece in pieces:
        remembering.feed(piece)
        got += drain(remembering)
        protocol.REPEAT_LIMIT = 0
        try:
            parsing.feed(piece)
        finally:
            protocol.REPEAT_LIMIT = 8192
        expected += drain(parsing)
    assert got == expected
    state = ("failed", "upgraded", "leftover", "head_started", "in_body", "current")
    assert [getattr(remembering, a) for a in state] == [getattr(parsing, a) for a in state]
