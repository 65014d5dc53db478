"""The framework's own browser files (``kettle.js``), shipped as package data, and a tiny
WSGI app that serves them.

Rules: only files inside ``STATIC_DIR`` are served (no path traversal: names are matched
against the folder's listing); responses carry an ``ETag`` from the file's content and
``Cache-Control: no-cache`` so a browser revalidates cheaply (``304``) after an upgrade.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["STATIC_DIR", "read_static", "static_app"]

STATIC_DIR = Path(__file__).resolve().parent / "static"
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@lru_cache(maxsize=16)
def read_static(name: str) -> tuple[bytes, str, str] | None:
    """``(body, content_type, etag)`` of a framework file, or None if there is none."""
    available = {path.name: path for path in STATIC_DIR.iterdir() if path.is_file()}
    path = available.get(name)
    if path is None or path.suffix not in _TYPES:
        return None
    body = path.read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    return body, _TYPES[path.suffix], etag


def static_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """Serve ``PATH_INFO`` (``/kettle.js``) from :data:`STATIC_DIR`."""
    name = environ.get("PATH_INFO", "").lstrip("/")
    found = read_static(name) if environ.get("REQUEST_METHOD") in ("GET", "HEAD") else None
    if found is None:
        body = b"Not Found"
        start_response(
            "404 Not Found",
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
        )
        return [body]
    body, content_type, etag = found
    headers = [("ETag", etag), ("Cache-Control", "no-cache")]
    if environ.get("HTTP_IF_NONE_MATCH") == etag:
        start_response("304 Not Modified", headers)
        return []
    headers += [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    start_response("200 OK", headers)
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]
