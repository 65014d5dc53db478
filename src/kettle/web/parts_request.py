"""A request built from its parts (Werkzeug's ``werkzeug.sansio.request.Request``).

Owns ``PartsRequest``: the same request object as ``kettle.web.request.Request``, made from
method, scheme, server address, root path, path, query string, headers and remote address
instead of a WSGI environ, for code that parses requests outside WSGI (ASGI adapters,
tests). The parts are written into an environ once, so every property behaves exactly as
for a WSGI request; there is no body (``stream`` is empty).

Rules: headers become ``HTTP_*`` keys (``Content-Type`` and ``Content-Length`` without the
prefix); a repeated header is joined with ``", "``, a repeated ``Cookie`` with ``"; "``
(RFC 6265 section 5.4); strings are stored as WSGI strings (UTF-8 bytes as latin-1).
"""

from __future__ import annotations

import io
from typing import Any

from kettle.http.headers import Headers

from .request import Request


def _wsgi_text(text: str) -> str:
    return text.encode().decode("latin-1")


def _environ_headers(headers: Headers) -> dict[str, str]:
    keys: dict[str, str] = {}
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = f"HTTP_{key}"
        text = _wsgi_text(str(value))
        if key in keys:
            joiner = "; " if key == "HTTP_COOKIE" else ", "
            keys[key] = f"{keys[key]}{joiner}{text}"
        else:
            keys[key] = text
    return keys


class PartsRequest(Request):
    """A request from its parts: ``PartsRequest("GET", "http", ("example.org", 80), "",
    "/path", b"q=1", Headers(...), "127.0.0.1")``."""

    def __init__(
        self,
        method: str,
        scheme: str,
        server: tuple[str, int | None] | None,
        root_path: str,
        path: str,
        query_string: bytes,
        headers: Headers,
        remote_addr: str | None,
    ) -> None:
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method.upper(),
            "wsgi.url_scheme": scheme,
            "SCRIPT_NAME": _wsgi_text(root_path.rstrip("/")),
            "PATH_INFO": _wsgi_text("/" + path.lstrip("/")),
            "QUERY_STRING": query_string.decode("latin-1"),
            "wsgi.input": io.BytesIO(),
        }
        if server is not None:
            environ["SERVER_NAME"] = server[0]
            if server[1] is not None:
                environ["SERVER_PORT"] = str(server[1])
        if remote_addr is not None:
            environ["REMOTE_ADDR"] = remote_addr
        environ.update(_environ_headers(headers))
        super().__init__(environ, populate_request=False)
