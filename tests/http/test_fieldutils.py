"""Werkzeug's remaining werkzeug.http helpers (kettle.http.fieldutils)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from kettle.http.fieldutils import (
    ResponseCacheControl,
    dump_age,
    dump_csp_header,
    http_date,
    is_byte_range_valid,
    is_entity_header,
    is_hop_by_hop_header,
    parse_age,
    parse_cache_control_header,
    parse_csp_header,
    parse_date,
    parse_set_header,
    remove_entity_headers,
    remove_hop_by_hop_headers,
)
from kettle.http.headers import Headers


def test_dates():
    assert http_date(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)) == (
        "Tue, 02 Jan 2024 03:04:05 GMT"
    )
    assert http_date(date(2024, 1, 2)) == "Tue, 02 Jan 2024 00:00:00 GMT"
    assert parse_date("Tue, 02 Jan 2024 03:04:05 GMT") == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_date("garbage") is None


PLUS_TWO = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sunday, 06-Nov-94 08:49:37 GMT", datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)),
        (" Sun Nov  6 08:49:37 1994", datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)),
        # What email.utils reads besides the three HTTP forms, as Werkzeug's parse_date:
        ("expires=Wed, 02 Dec 2026 12:00:00 GMT", datetime(2026, 12, 2, 12, tzinfo=UTC)),
        (" Sun 02 Feb 1343 08:49:37 GMT", datetime(1343, 2, 2, 8, 49, 37, tzinfo=UTC)),
        ("Sun, 06 Nov 1994 08:49:37 +0200", datetime(1994, 11, 6, 8, 49, 37, tzinfo=PLUS_TWO)),
        ("Sun, 06 Nov 1994 08:49:37 -0000", datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)),
        ("Thu, 33 Jan 1970 00:00:00 GMT", None),
        ("Thu, 01 Jan 99999 00:00:00 GMT", None),
        ("Thu, 01 Jan 1970 24:61:61 GMT", None),
        ("a\0b", None),
        (None, None),
    ],
)
def test_parse_date_reads_what_werkzeugs_reads(text, expected):
    parsed = parse_date(text)
    assert parsed == expected
    if expected is not None:
        assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", None), ("0", timedelta(0)), ("3600", timedelta(hours=1)), ("-1", None), ("x", None)],
)
def test_parse_age(text, expected):
    assert parse_age(text) == expected


def test_dump_age():
    assert dump_age(timedelta(minutes=2)) == "120"
    assert dump_age(5) == "5"
    assert dump_age(None) is None
    with pytest.raises(ValueError, match="negative"):
        dump_age(-1)


def test_set_and_cache_control_and_csp():
    seen = []
    values = parse_set_header('a, "b c", d', on_update=seen.append)
    assert list(values) == ["a", "b c", "d"]
    cc = parse_cache_control_header("max-age=60, no-store")
    assert (cc.max_age, cc.no_store) == (60, True)
    response_cc = parse_cache_control_header("public", cls=ResponseCacheControl)
    assert isinstance(response_cc, ResponseCacheControl) and response_cc.public is True
    csp = parse_csp_header("default-src 'self'; img-src *")
    assert csp.img_src == "*"
    assert dump_csp_header({"default-src": "'self'", "img-src": "*"}) == (
        "default-src 'self'; img-src *"
    )
    # A directive without a value reads as None (as Werkzeug's) but stays in the header.
    bare = parse_csp_header("default-src 'self'; img-src; upgrade-insecure-requests")
    assert (bare.default_src, bare.img_src, bare.upgrade_insecure_requests) == (
        "'self'",
        None,
        None,
    )
    assert "upgrade-insecure-requests" in bare
    assert bare.to_header() == "default-src 'self'; img-src; upgrade-insecure-requests"


def test_header_predicates_and_filters():
    assert is_entity_header("Content-Type") and not is_entity_header("Host")
    assert is_hop_by_hop_header("Keep-Alive") and not is_hop_by_hop_header("Content-Type")
    pairs = [("Content-Type", "x"), ("Expires", "y"), ("Connection", "close"), ("X-A", "1")]
    listed = list(pairs)
    remove_entity_headers(listed)
    assert listed == [("Expires", "y"), ("Connection", "close"), ("X-A", "1")]
    headers = Headers(pairs)
    remove_hop_by_hop_headers(headers)
    assert list(headers.items()) == [("Content-Type", "x"), ("Expires", "y"), ("X-A", "1")]


@pytest.mark.parametrize(
    ("start", "stop", "length", "valid"),
    [
        (None, None, None, True),
        (None, None, 10, True),
        (0, None, 10, False),
        (0, 5, 10, True),
        (5, 5, 10, False),
        (10, 12, 10, False),
        (0, 5, None, True),
    ],
)
def test_is_byte_range_valid(start, stop, length, valid):
    assert is_byte_range_valid(start, stop, length) is valid
