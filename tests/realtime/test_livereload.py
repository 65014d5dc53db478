"""Live reload: the script injection middleware, kettle.js serving, and a file edit
turning into a ``reload`` event on a real event stream."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kettle.realtime.livereload import LiveReload, insert_script, script_tag
from kettle.realtime.static import read_static, static_app

from .conftest import read_until

TAG = '<script src="/_kettle/static/kettle.js" data-livereload="/_kettle/livereload"></script>'


def page(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    body = b"<html><body><p>hi</p></BODY></html>"
    kind = "text/plain" if environ["PATH_INFO"] == "/text" else "text/html; charset=utf-8"
    start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


def lazy(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    start_response("200 OK", [("Content-Type", "text/html")])
    yield b"<p>no body tag</p>"


def call(app: Any, path: str) -> tuple[str, dict[str, str], bytes]:
    seen: list[Any] = []
    result = app(
        {"REQUEST_METHOD": "GET", "PATH_INFO": path}, lambda s, h, e=None: seen.extend([s, h])
    )
    body = b"".join(result)
    return seen[0], dict(seen[1]), body


def test_script_tag() -> None:
    assert script_tag("/_kettle/static/", "/_kettle/livereload") == TAG


def test_middleware_injects_into_html_only(tmp_path: Path) -> None:
    wrapped = LiveReload([tmp_path]).wrap(page)
    status, headers, body = call(wrapped, "/")
    assert status == "200 OK"
    assert body == b"<html><body><p>hi</p>" + TAG.encode() + b"</BODY></html>"
    assert headers["Content-Length"] == str(len(body))
    _, _, text = call(wrapped, "/text")
    assert text == b"<html><body><p>hi</p></BODY></html>"
    # A fragment (no </body>, no </html>, no doctype) is not a page: left as it is.
    _, _, fragment = call(LiveReload([tmp_path]).wrap(lazy), "/")
    assert fragment == b"<p>no body tag</p>"


T = b"<script></script>"


# "^" marks where the tag goes; a case without "^" is a fragment, left untouched.
@pytest.mark.parametrize(
    "marked",
    [
        pytest.param(b"<html><body>a^</body></html>", id="body"),
        pytest.param(b"<body>a</body><body>b^</BODY >", id="last-body"),
        pytest.param(b"<!doctype html><title>t</title><p>a^</html>", id="html-end"),
        pytest.param(b"<!DOCTYPE html>\n<title>Hello</title>\n<h1>Hi</h1>\n^", id="doctype"),
        pytest.param(b"\xef\xbb\xbf <!-- c --> <html lang=en><p>a^", id="bom-comment-html"),
        pytest.param(b"<p>a fragment</p>", id="fragment"),
        pytest.param(b"<htmlx>not a page", id="not-html-tag"),
        pytest.param(b"", id="empty"),
    ],
)
def test_insert_script_places_tag(marked: bytes) -> None:
    body = marked.replace(b"^", b"")
    expected = marked.replace(b"^", T) if b"^" in marked else None
    assert insert_script(body, T) == expected


def test_kettle_js_is_served_with_etag() -> None:
    found = read_static("kettle.js")
    assert found is not None
    body, kind, etag = found
    assert kind == "text/javascript; charset=utf-8"
    assert b"window.Kettle" in body
    status, headers, served = call(static_app, "/kettle.js")
    assert (status, served, headers["ETag"]) == ("200 OK", body, etag)
    seen: list[Any] = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/kettle.js", "HTTP_IF_NONE_MATCH": etag}
    assert list(static_app(environ, lambda s, h: seen.append(s))) == []
    assert seen == ["304 Not Modified"]
    assert call(static_app, "/../static.py")[0] == "404 Not Found"


def test_template_edit_sends_reload(serve: Any, tmp_path: Path) -> None:
    template = tmp_path / "index.html"
    template.write_text("<p>one</p>")
    live = LiveReload([tmp_path]).start()
    try:
        server = serve(live.wrap(page))
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"GET /_kettle/livereload HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            hello = f"event: hello\ndata: {live.boot_id}\n\n".encode()
            data = read_until(sock, data, hello)
            time.sleep(0.3)  # let the watcher arm before the edit
            template.write_text("<p>two</p>")
            data = read_until(sock, data, b"event: reload\n")
        assert f"data: {template}".encode() in data
    finally:
        live.stop()
