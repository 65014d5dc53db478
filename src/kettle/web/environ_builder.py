"""Building a WSGI environ from test-style arguments: ``EnvironBuilder`` (used by the test
client, ``app.test_request_context`` and ``Request.from_values``) and multipart encoding.

Rules: this module builds plain PEP 3333 dicts and imports neither the request/response
wrappers nor the application, so both ``testing`` and ``request`` can import it without a
cycle. An app, when given, only supplies defaults (``SERVER_NAME``, ``APPLICATION_ROOT``,
``PREFERRED_URL_SCHEME``), its JSON provider and its ``request_class`` (``get_request``).
Bodies are built in memory; ``from_environ`` turns a ready environ back into a builder
that reads the same ``wsgi.input``.
"""

from __future__ import annotations

import base64
import io
import json as _json
import mimetypes
import os
import secrets
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlencode, urlsplit

from .response import get_content_type

if TYPE_CHECKING:
    from .appbase import App

# The keys that describe the request itself (its line, host and body): the builder sets
# them, and neither its environ_base nor the test client's environ_base replaces them.
REQUEST_KEYS = frozenset(
    (
        "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "SERVER_NAME",
        "SERVER_PORT", "SERVER_PROTOCOL", "CONTENT_TYPE", "CONTENT_LENGTH", "wsgi.input",
        "wsgi.url_scheme",
    )
)  # fmt: skip

__all__ = ["REQUEST_KEYS", "EnvironBuilder", "encode_multipart", "urlencode_pairs"]

# What Werkzeug leaves unquoted in a query string it encodes (WHATWG URL, percent-encoded
# bytes), so both build the same QUERY_STRING from the same arguments.
_QUERY_SAFE = "!$'()*,/:;?@"


def urlencode_pairs(pairs: list[tuple[str, Any]]) -> str:
    """A query string (or urlencoded form) from ``pairs``; a ``None`` value drops its key,
    as in Werkzeug."""
    return urlencode([(key, value) for key, value in pairs if value is not None], safe=_QUERY_SAFE)


def _pairs(data: Any) -> list[tuple[str, Any]]:
    if hasattr(data, "items"):
        try:
            return list(data.items(multi=True))
        except TypeError:
            pairs: list[tuple[str, Any]] = []
            for key, value in data.items():
                if isinstance(value, list):
                    pairs.extend((key, item) for item in value)
                else:
                    pairs.append((key, value))
            return pairs
    return list(data)


def _is_file(value: Any) -> bool:
    return isinstance(value, tuple) or hasattr(value, "read") or hasattr(value, "stream")


def _file_parts(value: Any) -> tuple[bytes, str, str]:
    """(content, filename, content type) from a test file value."""
    if isinstance(value, tuple):
        stream, filename, *rest = value
        content_type = rest[0] if rest else None
    elif hasattr(value, "stream"):
        stream, filename, content_type = value.stream, value.filename, value.content_type
    else:
        stream, filename, content_type = value, getattr(value, "name", "file"), None
    content = stream.read()
    if isinstance(content, str):
        content = content.encode()
    filename = os.path.basename(str(filename or ""))
    if not content_type:
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return content, filename, content_type


def encode_multipart(
    pairs: list[tuple[str, Any]], boundary: str | None = None
) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body and its boundary for fields and files."""
    boundary = boundary or f"----KettleBoundary{secrets.token_hex(12)}"
    out = io.BytesIO()
    for name, value in pairs:
        out.write(f"--{boundary}\r\n".encode())
        if _is_file(value):
            content, filename, content_type = _file_parts(value)
            out.write(
                f'Content-Disposition: form-data; name="{quote(name)}";'
                f' filename="{quote(filename)}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n".encode()
            )
            out.write(content)
        else:
            out.write(f'Content-Disposition: form-data; name="{quote(name)}"\r\n\r\n'.encode())
            out.write(value if isinstance(value, bytes) else str(value).encode())
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), boundary


class EnvironBuilder:
    """Builds the environ for one test request (the arguments of ``client.get`` and friends)."""

    #: What ``get_request`` builds when given no class and no app; ``None`` until set
    #: (this module cannot import the request wrapper, which imports it).
    request_class: type[Any] | None = None

    def __init__(
        self,
        app: App | None = None,
        path: str = "/",
        base_url: str | None = None,
        url_scheme: str | None = None,
        query_string: str | Mapping[str, Any] | None = None,
        method: str = "GET",
        headers: Any = None,
        data: Any = None,
        json: Any = None,
        content_type: str | None = None,
        environ_base: Mapping[str, Any] | None = None,
        environ_overrides: Mapping[str, Any] | None = None,
        auth: tuple[str, str] | None = None,
        subdomain: str | None = None,
        mimetype: str | None = None,
        input_stream: Any = None,
        content_length: int | None = None,
        errors_stream: Any = None,
        multithread: bool = False,
        multiprocess: bool = False,
        run_once: bool = False,
    ) -> None:
        if app is not None and not hasattr(app, "config"):
            app = None  # a plain WSGI app (Werkzeug's Client) has no config to read
        self.app = app
        if base_url is None:
            base_url = self._base_url(app, url_scheme, subdomain)
        split = urlsplit(path)
        self.request_uri = path  # REQUEST_URI / RAW_URI: the target as the client sent it
        if split.scheme:
            base_url = f"{split.scheme}://{split.netloc}"
        self.base_url = base_url
        self.url_scheme = urlsplit(base_url).scheme or "http"
        self.host = urlsplit(base_url).netloc or "localhost"
        self.script_root = urlsplit(base_url).path.rstrip("/")
        self.errors_stream = errors_stream if errors_stream is not None else sys.stderr
        self.multithread = multithread
        self.multiprocess = multiprocess
        self.run_once = run_once
        self.content_length = content_length
        self.path = unquote(split.path or "/")
        if query_string is None:
            query_string = split.query
        if not isinstance(query_string, str):
            query_string = urlencode_pairs(_pairs(query_string))
        self.query_string = query_string
        self.method = method.upper()
        self.headers: list[tuple[str, str]] = _pairs(headers) if headers is not None else []
        self.environ_base = environ_base
        self.environ_overrides = environ_overrides
        if content_type is None and mimetype is not None:
            content_type = get_content_type(mimetype, "utf-8")  # text types get a charset
        self.content_type = content_type
        self.body = b""
        self._set_body(app, data, json)
        self.input_stream = input_stream
        self._own_stream = input_stream is None
        if self._own_stream:
            self.input_stream = io.BytesIO(self.body)
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            self.headers.append(("Authorization", f"Basic {token}"))

    @classmethod
    def from_environ(cls, environ: Mapping[str, Any], **kwargs: Any) -> EnvironBuilder:
        """A builder for the request ``environ`` describes (Werkzeug's): its method, URL,
        headers and the same input stream; ``kwargs`` replace any of those arguments. Keys
        that are not the request's own (``REMOTE_ADDR``, ``werkzeug.*``) are not kept."""
        headers: list[tuple[str, str]] = []
        host = str(environ.get("SERVER_NAME") or "localhost")
        for key, value in environ.items():
            if not key.startswith("HTTP_"):
                continue
            if key == "HTTP_HOST":
                host = str(value)
                continue
            headers.append((key[5:].replace("_", "-").title(), str(value)))
        length = environ.get("CONTENT_LENGTH") or None
        script = _wsgi_decoded(environ.get("SCRIPT_NAME", "")).rstrip("/")
        arguments: dict[str, Any] = {
            "path": quote(_wsgi_decoded(environ.get("PATH_INFO", "")) or "/", safe=_PATH_SAFE),
            "base_url": f"{environ.get('wsgi.url_scheme', 'http')}://{host}"
            + quote(script, safe=_PATH_SAFE),
            "query_string": _wsgi_decoded(environ.get("QUERY_STRING", "")),
            "method": environ.get("REQUEST_METHOD", "GET"),
            "input_stream": environ.get("wsgi.input"),
            "content_type": environ.get("CONTENT_TYPE") or None,
            "content_length": int(length) if length is not None and length.isdigit() else None,
            "errors_stream": environ.get("wsgi.errors"),
            "multithread": environ.get("wsgi.multithread", False),
            "multiprocess": environ.get("wsgi.multiprocess", False),
            "run_once": environ.get("wsgi.run_once", False),
            "headers": headers,
        }
        arguments.update(kwargs)
        builder = cls(**arguments)
        if "REQUEST_URI" in environ and "path" not in kwargs:
            builder.request_uri = _wsgi_decoded(environ["REQUEST_URI"])  # the same raw target
        return builder

    def get_request(self, cls: type[Any] | None = None) -> Any:
        """A request object over ``get_environ()``: of ``cls``, else ``request_class``,
        else the app's ``request_class``."""
        if cls is None:
            cls = self.request_class
        if cls is None and self.app is not None:
            cls = self.app.request_class
        if cls is None:
            raise TypeError(
                "EnvironBuilder.get_request needs a request class: pass cls=, build with an"
                " app, or set EnvironBuilder.request_class"
            )
        return cls(self.get_environ())

    @staticmethod
    def _base_url(app: App | None, url_scheme: str | None, subdomain: str | None) -> str:
        host, root, scheme = "localhost", "/", "http"
        if app is not None:
            host = app.config.get("SERVER_NAME") or "localhost"
            root = app.config.get("APPLICATION_ROOT") or "/"
            scheme = app.config.get("PREFERRED_URL_SCHEME") or "http"
        if subdomain:
            host = f"{subdomain}.{host}"
        return f"{url_scheme or scheme}://{host}{root.rstrip('/')}"

    def _set_body(self, app: App | None, data: Any, json: Any) -> None:
        if json is not None:
            if data is not None:
                raise TypeError("can't provide both json and data")
            dumps = app.json.dumps if app is not None else _json_dumps
            self.body = dumps(json).encode()
            self.content_type = self.content_type or "application/json"
        elif data is not None:
            self._set_data(data)

    def _set_data(self, data: Any) -> None:
        if isinstance(data, str):
            self.body = data.encode()
        elif isinstance(data, bytes | bytearray):
            self.body = bytes(data)
        elif hasattr(data, "read"):
            self.body = data.read()
        else:
            pairs = _pairs(data)
            if any(_is_file(value) for _, value in pairs) or (self.content_type or "").startswith(
                "multipart/form-data"
            ):
                self.body, boundary = encode_multipart(pairs)
                self.content_type = f"multipart/form-data; boundary={boundary}"
            else:
                self.body = urlencode_pairs(pairs).encode()
                self.content_type = self.content_type or "application/x-www-form-urlencoded"

    def get_environ(self) -> dict[str, Any]:
        """The environ, layered as Werkzeug layers it: defaults, then ``environ_base``, then
        the request line, body and headers (``REQUEST_KEYS`` and ``HTTP_*``), then
        ``environ_overrides``."""
        base = urlsplit(self.base_url)
        scheme = base.scheme or "http"
        host = base.netloc or "localhost"
        server_name, _, port = host.partition(":")
        script_name = unquote(base.path.rstrip("/"))
        # No REMOTE_ADDR or User-Agent of its own, as Werkzeug's builder: the test client
        # adds Flask's through its environ_base.
        environ: dict[str, Any] = {
            "wsgi.version": (1, 0),
            "wsgi.errors": self.errors_stream,
            "wsgi.multithread": self.multithread,
            "wsgi.multiprocess": self.multiprocess,
            "wsgi.run_once": self.run_once,
        }
        if self.environ_base:
            environ.update(self.environ_base)
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ.pop(key, None)
        environ.update(
            {
                "REQUEST_METHOD": self.method,
                "SCRIPT_NAME": script_name.encode().decode("latin-1"),
                "PATH_INFO": self.path.encode().decode("latin-1"),
                # PEP 3333: the text's UTF-8 bytes carried as latin-1, as Werkzeug does.
                "QUERY_STRING": self.query_string.encode().decode("latin-1"),
                "SERVER_NAME": server_name,
                "SERVER_PORT": port or ("443" if scheme == "https" else "80"),
                "SERVER_PROTOCOL": "HTTP/1.1",
                "HTTP_HOST": host,
                "wsgi.url_scheme": scheme,
                "REQUEST_URI": _wsgi_text(self.request_uri),
                "RAW_URI": _wsgi_text(self.request_uri),
                "wsgi.input": io.BytesIO(self.body) if self._own_stream else self.input_stream,
            }
        )
        if self.content_length is not None:
            environ["CONTENT_LENGTH"] = str(self.content_length)
        elif self.body or self.method in ("POST", "PUT", "PATCH"):
            environ["CONTENT_LENGTH"] = str(len(self.body))
        if self.content_type:
            environ["CONTENT_TYPE"] = self.content_type
        environ.update(self._header_keys())
        if self.environ_overrides:
            environ.update(self.environ_overrides)
        return environ

    def _header_keys(self) -> dict[str, str]:
        """The headers as environ keys; repeated headers are joined with ``", "``."""
        keys: dict[str, str] = {}
        for name, value in self.headers:
            key = name.upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = f"HTTP_{key}"
                if key in keys:
                    keys[key] = f"{keys[key]}, {value}"
                    continue
            keys[key] = str(value)
        return keys

    def close(self) -> None:
        """Nothing to release: bodies are built in memory."""


# What a path keeps unquoted so that the builder's unquoting gives the same text back.
_PATH_SAFE = "/!$&'()*+,:;=@~"


def _wsgi_text(value: str) -> str:
    """Text as a WSGI string: its UTF-8 bytes carried as latin-1 (PEP 3333)."""
    return value.encode().decode("latin-1")


def _wsgi_decoded(value: str) -> str:
    """A WSGI (latin-1 carried) string as the UTF-8 text it stands for (PEP 3333)."""
    return value.encode("latin-1", "replace").decode("utf-8", "replace")


def _json_dumps(value: Any) -> str:
    return _json.dumps(value)
