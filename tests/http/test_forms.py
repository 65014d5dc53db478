"""Form bodies from a real WSGI environ: urlencoded, streamed multipart, limits, bad input."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kettle.http.formparser import (
    ContentTooLargeError,
    FileStorage,
    FormParseError,
    LimitedStream,
    get_input_stream,
)
from kettle.http.multipart import parse_form_data


def multipart(
    parts: list[tuple[str, str | None, bytes, str | None]], boundary: str = "XyZ"
) -> bytes:
    out = b""
    for name, filename, data, ctype in parts:
        out += f"--{boundary}\r\n".encode()
        disposition = f'Content-Disposition: form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += disposition.encode() + b"\r\n"
        if ctype:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def environ(body: bytes, content_type: str, length: int | None = -1) -> dict[str, Any]:
    env: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_TYPE": content_type,
    }
    if length is not None:
        env["CONTENT_LENGTH"] = str(len(body) if length == -1 else length)
    return env


def test_urlencoded() -> None:
    body = b"name=J%C3%BCrgen&tag=a&tag=b+c&empty="
    stream, form, files = parse_form_data(
        environ(body, "application/x-www-form-urlencoded; charset=utf-8")
    )
    assert list(form.items(multi=True)) == [
        ("name", "Jürgen"),
        ("tag", "a"),
        ("tag", "b c"),
        ("empty", ""),
    ]
    assert len(files) == 0
    assert stream.read() == b""


def test_multipart_fields_and_files(tmp_path: Path) -> None:
    big = bytes(range(256)) * 4096  # 1 MiB: spooled to disk
    body = multipart(
        [
            ("title", None, "Grüße".encode(), None),
            ("upload", "notes.txt", b"line 1\r\nline 2\r\n", "text/plain"),
            ("upload", "big.bin", big, "application/octet-stream"),
            ("latin", None, "é".encode("latin-1"), "text/plain; charset=latin-1"),
        ]
    )
    _stream, form, files = parse_form_data(environ(body, "multipart/form-data; boundary=XyZ"))
    assert form.to_dict() == {"title": "Grüße", "latin": "é"}
    uploads = files.getlist("upload")
    assert [f.filename for f in uploads] == ["notes.txt", "big.bin"]
    notes, blob = uploads
    assert isinstance(notes, FileStorage)
    assert notes.name == "upload"
    assert notes.content_type == "text/plain"
    assert notes.mimetype == "text/plain"
    assert notes.read() == b"line 1\r\nline 2\r\n"
    target = tmp_path / "big.bin"
    blob.save(target)
    assert target.read_bytes() == big
    assert bool(notes) is True
    notes.close()
    blob.close()


def test_multipart_chunk_boundaries_do_not_matter() -> None:
    body = multipart([("a", None, b"x" * 70_000, None), ("b", "f", b"y" * 130_001, None)])
    _stream, form, files = parse_form_data(environ(body, "multipart/form-data; boundary=XyZ"))
    assert form["a"] == "x" * 70_000
    assert files["b"].read() == b"y" * 130_001
    files["b"].close()


@pytest.mark.parametrize(
    ("limits", "body_parts"),
    [
        ({"max_content_length": 10}, [("a", None, b"0123456789abc", None)]),
        ({"max_form_memory_size": 5}, [("a", None, b"123456", None)]),
        ({"max_form_parts": 2}, [("a", None, b"1", None)] * 3),
    ],
    ids=["content-length", "field-size", "parts"],
)
def test_multipart_limits(limits: dict[str, int], body_parts: list[Any]) -> None:
    body = multipart(body_parts)
    with pytest.raises(ContentTooLargeError):
        parse_form_data(environ(body, "multipart/form-data; boundary=XyZ"), **limits)


def test_file_bigger_than_memory_limit_is_fine() -> None:
    body = multipart([("f", "a.bin", b"z" * 1000, None)])
    _s, _form, files = parse_form_data(
        environ(body, "multipart/form-data; boundary=XyZ"), max_form_memory_size=10
    )
    assert files["f"].read() == b"z" * 1000
    files["f"].close()


def test_urlencoded_bodies_are_bounded_by_content_length_only() -> None:
    # Flask documents MAX_FORM_MEMORY_SIZE for multipart fields; Werkzeug does the same.
    body = b"a=" + b"x" * 100
    _s, form, _files = parse_form_data(
        environ(body, "application/x-www-form-urlencoded"), max_form_memory_size=50
    )
    assert form["a"] == "x" * 100
    with pytest.raises(ContentTooLargeError):
        parse_form_data(environ(body, "application/x-www-form-urlencoded"), max_content_length=50)


@pytest.mark.parametrize(
    ("body", "ctype"),
    [
        (b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\ntruncated', "boundary=XyZ"),
        (b"--XyZ\r\nNo-Disposition: x\r\n\r\nv\r\n--XyZ--\r\n", "boundary=XyZ"),
        (b"garbage without boundary", "boundary=XyZ"),
        (b"--XyZ--\r\n", ""),
    ],
    ids=["truncated", "no-disposition", "garbage", "no-boundary"],
)
def test_malformed_multipart(body: bytes, ctype: str) -> None:
    with pytest.raises(FormParseError):
        parse_form_data(environ(body, f"multipart/form-data; {ctype}".rstrip("; ")))


def test_any_disposition_type_that_names_the_field_is_accepted() -> None:
    body = (
        b"--XyZ\r\nContent-Disposition: form-field; name=foo\r\n\r\nHello World\r\n"
        b"--XyZ\r\nContent-Disposition: attachment; name=up; filename=a.txt\r\n\r\nA\r\n"
        b"--XyZ--"
    )
    _s, form, files = parse_form_data(environ(body, "multipart/form-data; boundary=XyZ"))
    assert form.to_dict() == {"foo": "Hello World"}
    assert (files["up"].filename, files["up"].read()) == ("a.txt", b"A")
    files["up"].close()
    nameless = b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--\r\n"
    with pytest.raises(FormParseError, match="with a name"):
        parse_form_data(environ(nameless, "multipart/form-data; boundary=XyZ"))
    field = b"--XyZ\r\nContent-Disposition: form-field; name=a\r\n\r\n" + b"a" * 15
    with pytest.raises(ContentTooLargeError):
        parse_form_data(
            environ(field + b"\r\n--XyZ--", "multipart/form-data; boundary=XyZ"),
            max_form_memory_size=10,
        )


def test_urlencoded_body_that_is_not_utf8_is_malformed() -> None:
    with pytest.raises(FormParseError, match="not valid UTF-8"):
        parse_form_data(environ(b"a=\x80", "application/x-www-form-urlencoded"))
    # A percent-escape that is not UTF-8 is no error: it stays as written, as in Werkzeug.
    _s, form, _f = parse_form_data(environ(b"a=%80b", "application/x-www-form-urlencoded"))
    assert form.to_dict() == {"a": "%80b"}


def test_other_content_types_leave_the_stream() -> None:
    stream, form, files = parse_form_data(environ(b'{"a": 1}', "application/json"))
    assert (form.to_dict(), files.to_dict()) == ({}, {})
    assert stream.read() == b'{"a": 1}'


def test_stream_is_limited_to_content_length() -> None:
    env = environ(b"abcdefgh", "text/plain", length=3)
    stream = get_input_stream(env)
    assert stream.read() == b"abc"
    assert stream.read() == b""
    no_length = environ(b"abc", "text/plain", length=None)
    assert get_input_stream(no_length).read() == b""
    terminated = dict(no_length, **{"wsgi.input_terminated": True})
    assert get_input_stream(terminated).read() == b"abc"
    with pytest.raises(ContentTooLargeError):
        get_input_stream(environ(b"abcdef", "text/plain"), max_content_length=5)


def test_limited_stream_readline() -> None:
    stream = LimitedStream(io.BytesIO(b"one\ntwo\nthree"), 6)
    assert stream.readline() == b"one\n"
    assert stream.readline() == b"tw"
    assert stream.readline() == b""
    assert stream.is_exhausted


def test_file_storage_defaults() -> None:
    storage = FileStorage(io.BytesIO(b"data"), content_type="text/csv; charset=utf-8")
    assert storage.filename is None and not storage
    assert storage.mimetype == "text/csv"
    assert storage.mimetype_params == {"charset": "utf-8"}
    assert storage.read() == b"data"
    assert repr(storage) == "<FileStorage: None ('text/csv; charset=utf-8')>"


def test_unknown_length_body_over_the_limit_raises_while_reading() -> None:
    env = environ(b"0123456789", "text/plain", length=None)
    env["wsgi.input_terminated"] = True
    stream = get_input_stream(env, max_content_length=5)
    assert stream.read(5) == b"01234"
    with pytest.raises(ContentTooLargeError):
        stream.read()
    small = environ(b"0123", "text/plain", length=None)
    small["wsgi.input_terminated"] = True
    assert get_input_stream(small, max_content_length=5).read() == b"0123"


def test_chunked_multipart_over_the_limit() -> None:
    body = multipart([("a", None, b"x" * 100, None)])
    env = environ(body, "multipart/form-data; boundary=XyZ", length=None)
    env["wsgi.input_terminated"] = True
    with pytest.raises(ContentTooLargeError):
        parse_form_data(env, max_content_length=50)


junk = st.binary(max_size=300)
multipart_pieces = st.lists(
    st.sampled_from(
        [
            b"--XyZ\r\n",
            b"--XyZ--\r\n",
            b'Content-Disposition: form-data; name="a"\r\n',
            b'Content-Disposition: form-data; name="f"; filename="x"\r\n',
            b"Content-Type: text/plain\r\n",
            b"X: " + b"y" * 5000 + b"\r\n",
            b"\r\n",
            b"data",
            b"\r\n--XyZ",
            b"\x00\xff",
        ]
    ),
    max_size=30,
).map(b"".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(junk, multipart_pieces))
def test_any_body_parses_or_fails_cleanly(body: bytes) -> None:
    try:
        _stream, _form, files = parse_form_data(
            environ(body, "multipart/form-data; boundary=XyZ"),
            max_form_memory_size=1000,
            max_form_parts=20,
        )
    except (FormParseError, ContentTooLargeError):
        return
    for _key, storage in files.items(multi=True):
        storage.close()
