"""``EnvironBuilder``'s editable parts (Werkzeug's API): ``form``, ``files``, ``args``,
``headers``, ``input_stream``, the content type and length, the URL parts, ``auth`` and
``close()``; and the multipart encoder that spills to a temporary file."""

from __future__ import annotations

import io
from typing import Any

import pytest

from kettle.http.auth import Authorization
from kettle.http.formencode import stream_encode_multipart
from kettle.http.multidict import MultiDict
from kettle.web.environ_builder import EnvironBuilder
from kettle.web.exceptions import RequestEntityTooLarge
from kettle.web.wrappers import Request


def test_form_and_files_set_the_content_type_and_the_body() -> None:
    builder = EnvironBuilder(method="POST")
    assert builder.content_type is None
    builder.form["name"] = "tea"
    assert builder.content_type == "application/x-www-form-urlencoded"
    environ = builder.get_environ()
    assert (environ["CONTENT_TYPE"], environ["CONTENT_LENGTH"]) == (
        "application/x-www-form-urlencoded",
        "8",
    )
    assert environ["wsgi.input"].read() == b"name=tea"
    builder.files.add_file("up", io.BytesIO(b"leaves"), "pot.txt")
    assert builder.content_type == "multipart/form-data"
    assert builder.files["up"].content_type == "text/plain"
    request = builder.get_request(Request)
    assert request.content_type.startswith("multipart/form-data; boundary=")
    assert request.form.to_dict() == {"name": "tea"}
    upload = request.files["up"]
    assert (upload.filename, upload.content_type, upload.read()) == (
        "pot.txt",
        "text/plain",
        b"leaves",
    )
    request.close()


def test_data_mapping_splits_into_form_and_files() -> None:
    files = [io.BytesIO(b"1"), io.BytesIO(b"2")]
    builder = EnvironBuilder(
        data={"a": ["x", "y"], "f": files, "t": (io.BytesIO(b"3"), "t.csv"), "n": 5}
    )
    assert builder.form.getlist("a") == ["x", "y"]
    assert builder.form["n"] == 5
    assert [upload.stream for upload in builder.files.getlist("f")] == files
    assert (builder.files["t"].filename, builder.files["t"].content_type) == (
        "t.csv",
        "text/csv",
    )


@pytest.mark.parametrize(
    ("data", "body"), [("späť", "späť".encode()), (b"\x00raw", b"\x00raw")], ids=["str", "bytes"]
)
def test_text_or_bytes_data_is_the_input_stream(data: Any, body: bytes) -> None:
    builder = EnvironBuilder(method="PUT", data=data)
    assert builder.input_stream.getvalue() == body
    with pytest.raises(AttributeError, match="input stream is defined"):
        builder.form  # noqa: B018  # the body is raw, not a form
    # Each environ gets its own stream over the same bytes: the builder can be sent twice.
    for _ in range(2):
        environ = builder.get_environ()
        assert (environ["wsgi.input"].read(), environ["CONTENT_LENGTH"]) == (
            body,
            str(len(body)),
        )


def test_text_file_data_is_read_and_encoded(tmp_path: Any) -> None:
    path = tmp_path / "note.txt"
    path.write_text("ünïcode", encoding="utf-8")
    with open(path, encoding="utf-8") as handle:
        environ = EnvironBuilder(method="POST", data=handle).get_environ()
    assert environ["wsgi.input"].read() == "ünïcode".encode()


def test_headers_are_editable_and_win_over_environ_base() -> None:
    builder = EnvironBuilder(
        environ_base={"HTTP_USER_AGENT": "Base/1"}, environ_overrides={"wsgi.version": (1, 1)}
    )
    builder.headers["X-Kettle"] = "on"
    environ = builder.get_environ()
    assert (environ["HTTP_USER_AGENT"], environ["HTTP_X_KETTLE"], environ["wsgi.version"]) == (
        "Base/1",
        "on",
        (1, 1),
    )
    builder.headers["User-Agent"] = "Mine/2"
    assert builder.get_environ()["HTTP_USER_AGENT"] == "Mine/2"


def test_content_type_argument_wins_over_the_header_and_is_no_http_key() -> None:
    environ = EnvironBuilder(headers={"Content-Type": "text/plain"}).get_environ()
    assert environ["CONTENT_TYPE"] == "text/plain"
    environ = EnvironBuilder(
        content_type="text/html", headers={"Content-Type": "text/plain"}
    ).get_environ()
    assert environ["CONTENT_TYPE"] == "text/html"
    assert "HTTP_CONTENT_TYPE" not in environ
    builder = EnvironBuilder(mimetype="text/csv")
    assert (builder.content_type, builder.mimetype, builder.mimetype_params) == (
        "text/csv; charset=utf-8",
        "text/csv",
        {"charset": "utf-8"},
    )
    assert "CONTENT_TYPE" not in EnvironBuilder().get_environ()


def test_url_parts() -> None:
    builder = EnvironBuilder(path="/foo", base_url="http://example.com/bar")
    assert (builder.base_url, builder.path, builder.script_root, builder.host) == (
        "http://example.com/bar/",
        "/foo",
        "/bar",
        "example.com",
    )
    builder.base_url = "http://localhost:8080/"
    assert (builder.host, builder.server_name, builder.server_port) == (
        "localhost:8080",
        "localhost",
        8080,
    )
    builder.host, builder.url_scheme, builder.script_root = "h.invalid", "https", "/app"
    environ = builder.get_environ()
    assert [
        environ[key] for key in ("SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME", "HTTP_HOST")
    ] == [
        "h.invalid",
        "443",
        "/app",
        "h.invalid",
    ]
    assert builder.base_url == "https://h.invalid/app/"
    with pytest.raises(ValueError, match="query string or a fragment"):
        builder.base_url = "http://h/?q=1"


def test_iri_path_and_host_are_encoded() -> None:
    builder = EnvironBuilder(path="/föö bar", base_url="http://☃.net/")
    assert (builder.path, builder.base_url) == ("/f%C3%B6%C3%B6%20bar", "http://xn--n3h.net/")
    assert builder.get_environ()["PATH_INFO"] == "/föö bar".encode().decode("latin-1")


def test_query_string_twice_is_an_error_and_args_are_editable() -> None:
    with pytest.raises(ValueError, match="both in the path and as query_string"):
        EnvironBuilder(path="/p?a=1", query_string={"b": "2"})
    builder = EnvironBuilder(path="/p", query_string={"a": ["1", "2"], "skip": None})
    builder.args.add("c", "é")
    assert builder.get_environ()["QUERY_STRING"] == "a=1&a=2&c=%C3%A9"
    builder.query_string = "raw=1"
    with pytest.raises(AttributeError, match="query string is defined"):
        builder.args  # noqa: B018


def test_auth_tuple_or_object() -> None:
    basic = EnvironBuilder(auth=("user", "pass")).get_environ()
    assert basic["HTTP_AUTHORIZATION"] == "Basic dXNlcjpwYXNz"
    digest = EnvironBuilder(auth=Authorization("digest", {"username": "u"})).get_environ()
    assert digest["HTTP_AUTHORIZATION"] == "Digest username=u"
    with pytest.raises(TypeError, match=r"\(username, password\) tuple"):
        EnvironBuilder(auth=("only-user",))  # type: ignore[arg-type]


def test_close_closes_the_given_files_once() -> None:
    closed: list[str] = []

    class Upload:
        def __init__(self, name: str) -> None:
            self.name = name

        def read(self, size: int) -> bytes:  # only read(size), as Werkzeug's test uses
            return b""

        def close(self) -> None:
            closed.append(self.name)

    builder = EnvironBuilder(data={"a": Upload("a.txt")})
    builder.files.add_file("b", Upload("b.txt"))
    assert b'filename="a.txt"' in builder.get_environ()["wsgi.input"].read()
    builder.close()
    builder.close()
    assert closed == ["a.txt", "b.txt"]


@pytest.mark.parametrize("use_tempfile", [False, True])
def test_stream_encode_multipart_spills_past_the_threshold(use_tempfile: bool) -> None:
    data = MultiDict([("f", "x" * 200), ("g", "é")])
    stream, length, boundary = stream_encode_multipart(
        data, use_tempfile, threshold=150, boundary="B"
    )
    assert isinstance(stream, io.BytesIO) is not use_tempfile
    body = stream.read()
    stream.close()
    assert boundary == "B"
    assert body == (
        b'--B\r\nContent-Disposition: form-data; name="f"\r\n\r\n' + b"x" * 200 + b"\r\n"
        b'--B\r\nContent-Disposition: form-data; name="g"\r\n\r\n\xc3\xa9\r\n--B--\r\n'
    )
    assert length == len(body)


def test_seekable_input_stream_without_length_is_measured() -> None:
    stream = io.BytesIO(b"skip|foo=123456")
    stream.seek(5)
    request = Request.from_values(
        input_stream=stream, content_type="application/x-www-form-urlencoded", method="POST"
    )
    assert request.environ["CONTENT_LENGTH"] == "10"
    request.max_content_length = 4
    with pytest.raises(RequestEntityTooLarge):
        request.form  # noqa: B018
    assert stream.read() == b"foo=123456"  # refused before reading


def test_unseekable_input_stream_has_no_length() -> None:
    class Pipe:
        def read(self, size: int = -1) -> bytes:
            return b""

    environ = EnvironBuilder(method="POST", input_stream=Pipe()).get_environ()
    assert "CONTENT_LENGTH" not in environ
