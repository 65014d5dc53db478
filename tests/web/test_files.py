"""send_file / send_from_directory: headers, 304, ranges, traversal, file_wrapper.

Every transport test runs in process and over a real socket (``run`` fixture).
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException as WerkzeugHTTPException
from werkzeug.utils import send_file as werkzeug_send_file

from kettle.http.dates import format_http_date
from kettle.web.exceptions import HTTPException, NotFound
from kettle.web.files import FileBody, secure_filename, send_file, send_from_directory

from .http_harness import build_environ, run  # noqa: F401 (fixture)

CONTENT = bytes(range(256)) * 40  # 10240 bytes
MTIME = 1_700_000_000


@pytest.fixture
def public(tmp_path: Path) -> Path:
    folder = tmp_path / "public"
    (folder / "sub").mkdir(parents=True)
    data = folder / "data.bin"
    data.write_bytes(CONTENT)
    os.utime(data, (MTIME, MTIME))
    (folder / "sub" / "page.html").write_text("<p>hi</p>", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("top secret", encoding="utf-8")
    return folder


def file_app(folder: Path, **options: Any) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ["PATH_INFO"].encode("latin-1").decode("utf-8").lstrip("/")
        try:
            response = send_from_directory(folder, path, environ=environ, **options)
        except HTTPException as error:
            return error(environ, start_response)
        return response(environ, start_response)

    return app


def test_full_file(run: Any, public: Path) -> None:  # noqa: F811
    result = run(file_app(public, max_age=60)).request("GET", "/data.bin")
    assert result.status == 200
    assert result.body == CONTENT
    headers = result.headers
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["Content-Length"] == "10240"
    assert headers["Last-Modified"] == format_http_date(MTIME)
    assert headers["Cache-Control"] == "public, max-age=60"
    assert headers["Accept-Ranges"] == "bytes"
    assert headers["Content-Disposition"] == "inline; filename=data.bin"
    assert headers["ETag"].startswith('"1700000000.0-10240-')  # mtime-size-checksum


def test_html_and_head(run: Any, public: Path) -> None:  # noqa: F811
    client = run(file_app(public))
    page = client.request("GET", "/sub/page.html")
    assert (page.status, page.body) == (200, b"<p>hi</p>")
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Cache-Control"] == "no-cache"
    head = client.request("HEAD", "/sub/page.html")
    assert (head.status, head.body, head.headers["Content-Length"]) == (200, b"", "9")


def test_conditional_get(run: Any, public: Path) -> None:  # noqa: F811
    client = run(file_app(public))
    etag = client.request("GET", "/data.bin").headers["ETag"]
    by_etag = client.request("GET", "/data.bin", headers={"If-None-Match": etag})
    assert (by_etag.status, by_etag.body) == (304, b"")
    assert by_etag.headers["ETag"] == etag
    assert "Content-Type" not in by_etag.headers
    by_date = client.request(
        "GET", "/data.bin", headers={"If-Modified-Since": format_http_date(MTIME + 10)}
    )
    assert by_date.status == 304
    older = client.request(
        "GET", "/data.bin", headers={"If-Modified-Since": format_http_date(MTIME - 10)}
    )
    assert (older.status, len(older.body)) == (200, 10240)
    failed = client.request("GET", "/data.bin", headers={"If-Match": '"other"'})
    assert failed.status == 412


@pytest.mark.parametrize(
    ("header", "start", "stop"),
    [("bytes=0-99", 0, 100), ("bytes=10000-", 10000, 10240), ("bytes=-40", 10200, 10240)],
    ids=["head", "open-end", "suffix"],
)
def test_ranges(run: Any, public: Path, header: str, start: int, stop: int) -> None:  # noqa: F811
    result = run(file_app(public)).request("GET", "/data.bin", headers={"Range": header})
    assert result.status == 206
    assert result.body == CONTENT[start:stop]
    assert result.headers["Content-Range"] == f"bytes {start}-{stop - 1}/10240"
    assert result.headers["Content-Length"] == str(stop - start)


@pytest.mark.parametrize("header", ["bytes=20000-", "bytes=0-1,5-6", "bytes=x"])
def test_unsatisfiable_range(run: Any, public: Path, header: str) -> None:  # noqa: F811
    result = run(file_app(public)).request("GET", "/data.bin", headers={"Range": header})
    assert result.status == 416
    assert result.headers["Content-Range"] == "bytes */10240"


def test_if_range(run: Any, public: Path) -> None:  # noqa: F811
    client = run(file_app(public))
    etag = client.request("GET", "/data.bin").headers["ETag"]
    same = client.request("GET", "/data.bin", headers={"Range": "bytes=0-9", "If-Range": etag})
    assert (same.status, same.body) == (206, CONTENT[:10])
    changed = client.request(
        "GET", "/data.bin", headers={"Range": "bytes=0-9", "If-Range": '"stale"'}
    )
    assert (changed.status, len(changed.body)) == (200, 10240)


@pytest.mark.parametrize(
    "path",
    ["/../secret.txt", "/sub/../../secret.txt", "/missing.txt", "/sub", "/%2e%2e/secret.txt"],
)
def test_not_found_and_no_traversal(run: Any, public: Path, path: str) -> None:  # noqa: F811
    result = run(file_app(public)).request("GET", path)
    assert result.status == 404
    assert b"secret" not in result.body


def test_traversal_refused_directly(public: Path) -> None:
    environ = build_environ()
    for bad in ("../secret.txt", "/etc/passwd", "sub/../../secret.txt"):
        with pytest.raises(NotFound):
            send_from_directory(public, bad, environ=environ)


def test_attachment_names() -> None:
    environ = build_environ()
    plain = send_file(
        io.BytesIO(b"x"), download_name="report.csv", as_attachment=True, environ=environ
    )
    assert plain.headers["Content-Disposition"] == "attachment; filename=report.csv"
    assert plain.headers["Content-Type"] == "text/csv; charset=utf-8"
    fancy = send_file(
        io.BytesIO(b"x"), download_name="é x.txt", as_attachment=True, environ=environ
    )
    assert fancy.headers["Content-Disposition"] == (
        "attachment; filename=\"e x.txt\"; filename*=UTF-8''%C3%A9%20x.txt"
    )
    plain.close()
    fancy.close()


def test_file_object_needs_a_type() -> None:
    with pytest.raises(TypeError, match="attachment"):
        send_file(
            io.BytesIO(b"x"), mimetype="text/plain", as_attachment=True, environ=build_environ()
        )
    with pytest.raises(TypeError, match="MIME type"):
        send_file(io.BytesIO(b"x"), environ=build_environ())
    with pytest.raises(TypeError, match="MIME type"):
        send_file(io.BytesIO(b"x"), as_attachment=True, environ=build_environ())
    with pytest.raises(ValueError, match="binary mode"):
        send_file(io.StringIO("x"), mimetype="text/plain", environ=build_environ())
    with pytest.raises(RuntimeError, match="request context"):
        send_file(io.BytesIO(b"x"), mimetype="text/plain")


def test_bytesio_range_and_etag_option() -> None:
    environ = build_environ(headers={"Range": "bytes=2-3"})
    response = send_file(
        io.BytesIO(b"abcdef"), mimetype="text/plain", etag="fixed", environ=environ
    )
    assert response.status_code == 206
    assert response.headers["ETag"] == '"fixed"'
    captured: list[Any] = []
    body = response(environ, lambda s, h: captured.append(s))
    assert b"".join(body) == b"cd"
    body.close()


def test_uses_wsgi_file_wrapper_and_closes_the_file(public: Path) -> None:
    wrapped: list[Any] = []

    class Wrapper:
        def __init__(self, file: Any, block: int) -> None:
            wrapped.append(file)
            self.file = file

        def __iter__(self) -> Any:
            return iter([self.file.read()])

        def close(self) -> None:
            self.file.close()

    environ = build_environ()
    environ["wsgi.file_wrapper"] = Wrapper
    response = send_file(public / "data.bin", environ=environ)
    assert isinstance(response.response, Wrapper)
    body = response(environ, lambda s, h: None)
    assert body is response.response  # handed over as is, so the server may use sendfile
    assert b"".join(body) == CONTENT
    body.close()
    assert len(wrapped) == 1 and wrapped[0].closed


def test_x_sendfile(public: Path) -> None:
    environ = build_environ()
    response = send_file(public / "data.bin", environ=environ, use_x_sendfile=True)
    assert response.headers["X-Sendfile"] == str(public / "data.bin")
    assert response.direct_passthrough and response.response == []
    assert response.headers["Content-Length"] == "10240"


def test_without_file_wrapper_the_file_is_read_in_blocks(public: Path) -> None:
    environ = build_environ()
    response = send_file(public / "data.bin", environ=environ)
    assert isinstance(response.response, FileBody)
    body = response(environ, lambda s, h: None)
    assert b"".join(body) == CONTENT
    body.close()
    assert response.response.filelike.closed


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("My cool movie.mov", "My_cool_movie.mov"),
        ("../../../etc/passwd", "etc_passwd"),
        ("i contain cool \xfcml\xe4uts.txt", "i_contain_cool_umlauts.txt"),
        ("__init__.py", "init__.py"),
        ("..", ""),
        ("  .hidden ", "hidden"),
        ("a/b\\c", "a_bc"),
        ("\u2603.txt", "txt"),
        ("a\x00b", "ab"),
        ("foo..bar", "foo..bar"),
    ],
)
def test_secure_filename(name: str, expected: str) -> None:
    assert secure_filename(name) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["GET", "HEAD"]),
    st.sampled_from([None, "own", '"other"', "*"]),
    st.sampled_from([None, -10, 0, 10]),
    st.sampled_from(
        [None, "bytes=0-9", "bytes=10000-", "bytes=-1", "bytes=0-1,3-4", "bytes=99999-", "x"]
    ),
    st.sampled_from([None, "own", '"old"', 0, -10]),
    st.sampled_from([None, "own", '"x"', "*"]),
)
def test_conditional_matrix_matches_werkzeug(
    tmp_path_factory: pytest.TempPathFactory,
    method: str,
    if_none_match: str | None,
    since: int | None,
    byte_range: str | None,
    if_range: str | int | None,
    if_match: str | None,
) -> None:
    folder = tmp_path_factory.getbasetemp() / "matrix"
    folder.mkdir(exist_ok=True)
    path = folder / "data.bin"
    if not path.exists():
        path.write_bytes(CONTENT)
        os.utime(path, (MTIME, MTIME))
    outcomes = []
    for send in (send_file, werkzeug_send_file):
        first = send(path, environ=build_environ())
        own = first.headers["ETag"]
        first.close()
        headers: dict[str, str] = {}
        if if_none_match is not None:
            headers["If-None-Match"] = own if if_none_match == "own" else if_none_match
        if since is not None:
            headers["If-Modified-Since"] = format_http_date(MTIME + since)
        if byte_range is not None:
            headers["Range"] = byte_range
        if if_range is not None:
            headers["If-Range"] = (
                own
                if if_range == "own"
                else format_http_date(MTIME + if_range)
                if isinstance(if_range, int)
                else if_range
            )
        if if_match is not None:
            headers["If-Match"] = own if if_match == "own" else if_match
        environ = build_environ(method=method, headers=headers)
        try:
            response = send(path, environ=environ)
        except HTTPException as error:
            outcomes.append((error.code, None, None, b""))
            continue
        except WerkzeugHTTPException as error:
            outcomes.append((error.code, None, None, b""))
            continue
        captured: list[Any] = []
        body = response(environ, lambda s, h, captured=captured: captured.append(h))
        data = b"".join(body)
        body.close()
        sent = dict(captured[0])
        outcomes.append(
            (response.status_code, sent.get("Content-Range"), sent.get("Content-Length"), data)
        )
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize(
    ("name", "ascii_part", "utf8_part"),
    [
        ("index.html", "index.html", None),
        (
            "Ñandú\N{FULLWIDTH SOLIDUS}pingüino.txt",
            '"Nandu/pinguino.txt"',
            "%C3%91and%C3%BA%EF%BC%8Fping%C3%BCino.txt",
        ),
        ("Vögel.txt", "Vogel.txt", "V%C3%B6gel.txt"),
        ("те:/ст", '":/"', "%D1%82%D0%B5%3A%2F%D1%81%D1%82"),
    ],
)
def test_download_names(name: str, ascii_part: str, utf8_part: str | None) -> None:
    response = send_file(
        io.BytesIO(b"x"), as_attachment=True, download_name=name, environ=build_environ()
    )
    response.close()
    disposition = response.headers["Content-Disposition"]
    assert f"filename={ascii_part}" in disposition
    if utf8_part is None:
        assert "filename*" not in disposition
    else:
        assert disposition.endswith(f"; filename*=UTF-8''{utf8_part}")


def test_content_encoding_from_name() -> None:
    response = send_file(io.BytesIO(b"x"), download_name="logo.svgz", environ=build_environ())
    response.close()
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Encoding"] == "gzip"
    attachment = send_file(
        io.BytesIO(b"x"), download_name="logo.svgz", as_attachment=True, environ=build_environ()
    )
    attachment.close()
    assert attachment.mimetype == "image/svg+xml"
    assert "Content-Encoding" not in attachment.headers  # saved as sent, never decoded


def test_relative_paths_are_under_root_path(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "test.txt").write_bytes(b"test")
    for response in (
        send_file("d/test.txt", environ=build_environ(), root_path=str(tmp_path)),
        send_from_directory("d", "test.txt", environ=build_environ(), root_path=str(tmp_path)),
    ):
        response.direct_passthrough = False
        assert response.get_data() == b"test"
        response.close()
    with pytest.raises(NotFound):
        send_from_directory("d", "../d/none.txt", environ=build_environ(), root_path=str(tmp_path))


def test_x_sendfile_only_for_paths(public: Path) -> None:
    with open(public / "data.bin", "rb") as handle:
        response = send_file(
            handle,
            mimetype="application/octet-stream",
            use_x_sendfile=True,
            environ=build_environ(),
        )
        assert "X-Sendfile" not in response.headers
        assert response.headers["Content-Length"] == "10240"
