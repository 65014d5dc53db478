"""ETags, If-* evaluation and Range/Content-Range parsing (checked against Werkzeug 3.1)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kettle.http.conditional import (
    ContentRange,
    Range,
    generate_etag,
    is_resource_modified,
    parse_content_range_header,
    parse_etags,
    parse_if_range_header,
    parse_range_header,
    quote_etag,
    unquote_etag,
)


@pytest.mark.parametrize(
    ("header", "ranges", "dumped", "for_1000", "content_range"),
    [
        ("bytes=0-99,200-", [(0, 100), (200, None)], "bytes=0-99,200-", None, None),
        ("bytes=-500", [(-500, None)], "bytes=-500", (500, 1000), "bytes 500-999/1000"),
        ("bytes=0-0", [(0, 1)], "bytes=0-0", (0, 1), "bytes 0-0/1000"),
        ("items=1-2", [(1, 3)], "items=1-2", None, None),
        ("bytes=1-2,-3", [(1, 3), (-3, None)], "bytes=1-2,-3", None, None),
        ("bytes= 1 - 2 ", [(1, 3)], "bytes=1-2", (1, 3), "bytes 1-2/1000"),
        ("bytes=990-2000", [(990, 2001)], "bytes=990-2000", (990, 1000), "bytes 990-999/1000"),
    ],
)
def test_parse_range(
    header: str,
    ranges: list[tuple[int, int | None]],
    dumped: str,
    for_1000: tuple[int, int] | None,
    content_range: str | None,
) -> None:
    parsed = parse_range_header(header)
    assert parsed is not None
    assert parsed.ranges == ranges
    assert parsed.to_header() == dumped
    assert parsed.range_for_length(1000) == for_1000
    assert parsed.to_content_range_header(1000) == content_range


@pytest.mark.parametrize(
    "header",
    ["bytes=5-1", "bytes=a-", "bytes=-0", "bytes=0-99, 50-", "bytes", "", "bytes=", "bytes=1"],
)
def test_bad_ranges_are_none(header: str) -> None:
    assert parse_range_header(header) is None


def test_unsatisfiable_range_for_length() -> None:
    parsed = parse_range_header("bytes=500-")
    assert parsed is not None and parsed.range_for_length(100) is None
    suffix = parse_range_header("bytes=-500")
    assert suffix is not None and suffix.range_for_length(100) == (0, 100)


@settings(deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_range_round_trip(start: int, extra: int) -> None:
    stop = start + extra
    header = Range("bytes", [(start, stop + 1)]).to_header()
    assert header == f"bytes={start}-{stop}"
    parsed = parse_range_header(header)
    assert parsed is not None and parsed.ranges == [(start, stop + 1)]


@pytest.mark.parametrize(
    ("header", "fields", "dumped"),
    [
        ("bytes 0-99/1000", ("bytes", 0, 100, 1000), "bytes 0-99/1000"),
        ("bytes */1000", ("bytes", None, None, 1000), "bytes */1000"),
        ("bytes 0-99/*", ("bytes", 0, 100, None), "bytes 0-99/*"),
    ],
)
def test_content_range(header: str, fields: tuple[object, ...], dumped: str) -> None:
    parsed = parse_content_range_header(header)
    assert parsed is not None
    assert (parsed.units, parsed.start, parsed.stop, parsed.length) == fields
    assert parsed.to_header() == dumped
    assert ContentRange(*fields).to_header() == dumped  # type: ignore[arg-type]


@pytest.mark.parametrize("header", ["bytes 5-1/10", "bytes x-1/10", "bytes 0-1", "", "0-1/2"])
def test_bad_content_range(header: str) -> None:
    assert parse_content_range_header(header) is None


def test_etags() -> None:
    tags = parse_etags('"a", W/"b", c')
    assert tags.contains("a") and tags.contains_weak("b") and not tags.contains("b")
    assert tags.contains_raw('W/"b"') and tags.contains_raw('"c"')
    assert tags.to_header() == '"a", "c", W/"b"'
    star = parse_etags("*")
    assert star.star_tag and star.contains("anything")
    assert not parse_etags(None)
    assert generate_etag(b"hello") == "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
    assert quote_etag("x") == '"x"' and quote_etag("x", True) == 'W/"x"'
    assert unquote_etag('W/"x"') == ("x", True)
    assert unquote_etag('"y"') == ("y", False)
    with pytest.raises(ValueError):
        quote_etag('a"b')


def test_if_range() -> None:
    assert parse_if_range_header('"abc"').etag == "abc"
    dated = parse_if_range_header("Tue, 15 Nov 1994 08:12:31 GMT")
    assert dated.etag is None
    assert dated.date == datetime(1994, 11, 15, 8, 12, 31, tzinfo=UTC)


def test_is_resource_modified() -> None:
    stamp = datetime(2020, 1, 1, tzinfo=UTC)
    header = "Wed, 01 Jan 2020 00:00:00 GMT"
    assert not is_resource_modified(http_if_none_match='"x"', etag='"x"')
    assert not is_resource_modified(http_if_none_match='W/"x"', etag='"x"')
    assert is_resource_modified(http_if_none_match='"y"', etag='"x"')
    assert not is_resource_modified(http_if_modified_since=header, last_modified=stamp)
    assert is_resource_modified(
        http_if_modified_since="Tue, 31 Dec 2019 00:00:00 GMT", last_modified=stamp
    )
    # If-Match: a match means "go ahead" (True); a miss is False and the caller sends 412.
    assert is_resource_modified(http_if_match='"x"', etag='"x"')
    assert not is_resource_modified(http_if_match='"z"', etag='"x"')
    assert not is_resource_modified(
        http_range="bytes=0-1", http_if_range='"x"', etag='"x"', ignore_if_range=False
    )
    assert is_resource_modified(
        http_range="bytes=0-1", http_if_range='"old"', etag='"x"', ignore_if_range=False
    )
    assert not is_resource_modified(http_if_none_match=f'"{generate_etag(b"d")}"', data=b"d")
    with pytest.raises(TypeError):
        is_resource_modified(etag="x", data=b"d")


def test_malformed_etags_are_ignored() -> None:
    assert not parse_etags('"')
    assert parse_etags('"a"b", "ok"').to_header() == '"ok"'


@settings(deadline=None)
@given(st.integers(0, 10**9), st.integers(0, 10**6), st.one_of(st.none(), st.integers(0, 10**9)))
def test_content_range_round_trip(start: int, extra: int, length: int | None) -> None:
    header = ContentRange("bytes", start, start + extra + 1, length).to_header()
    parsed = parse_content_range_header(header)
    assert parsed is not None
    assert (parsed.units, parsed.start, parsed.stop, parsed.length) == (
        "bytes",
        start,
        start + extra + 1,
        length,
    )
